//! The few places where SQLite and PostgreSQL need different SQL. Everything
//! else is one SQL text for both.

use crate::db::Backend;
use dvk_domain::search::SearchQuery;

/// The query in the index's own language. SQLite: an FTS5 expression
/// over the title and body columns (and personal items for staff). PostgreSQL:
/// a `to_tsquery('simple', …)` text over the same folded words. Words are
/// letters and digits only, so neither syntax can be broken by them.
pub fn search_expression(backend: Backend, query: &SearchQuery, published_only: bool) -> String {
    let last = query.phrases().len().saturating_sub(1);
    let parts: Vec<String> = query
        .phrases()
        .iter()
        .enumerate()
        .map(|(i, phrase)| {
            let prefix = query.last_is_prefix() && i == last;
            let alternates = query.alternates(i);
            match backend {
                Backend::Sqlite => {
                    let main = format!("\"{}\"{}", phrase.join(" "), if prefix { "*" } else { "" });
                    if alternates.is_empty() {
                        main
                    } else {
                        let alts: Vec<String> =
                            alternates.iter().map(|a| format!("\"{a}\"")).collect();
                        format!("({main} OR {})", alts.join(" OR "))
                    }
                }
                Backend::Postgres => {
                    let mut main = phrase.join(" <-> ");
                    if prefix {
                        main.push_str(":*");
                    }
                    if alternates.is_empty() {
                        format!("({main})")
                    } else {
                        format!("({main} | {})", alternates.join(" | "))
                    }
                }
            }
        })
        .collect();
    match backend {
        Backend::Sqlite => {
            // Explicit AND: FTS5 takes no implicit AND after a group.
            let expr = parts.join(" AND ");
            // Public readers match the published columns only.
            if published_only {
                format!("{{title body}} : ({expr})")
            } else {
                expr
            }
        }
        Backend::Postgres => parts.join(" & "),
    }
}

/// The stored search vector a reader's search looks at (PostgreSQL).
pub fn search_vector(published_only: bool) -> &'static str {
    if published_only {
        "e.public_tsv"
    } else {
        "e.search_tsv"
    }
}

/// A WHERE condition keeping entries that match a search, and the value to
/// bind for it as `$first_param`. Both backends look the words up in an
/// inverted index and fold nothing per row.
pub fn entry_search(
    backend: Backend,
    query: &SearchQuery,
    first_param: usize,
    for_listing: bool,
    published_only: bool,
) -> (String, Vec<String>) {
    let expr = search_expression(backend, query, published_only);
    match backend {
        Backend::Sqlite => {
            // When listing, SQLite is steered to walk the sort-ordered index
            // and probe the matches instead of sorting every match.
            let id = if for_listing { "+e.id" } else { "e.id" };
            (
                format!("{id} IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ${first_param})"),
                vec![expr],
            )
        }
        Backend::Postgres => (
            format!(
                "{} @@ to_tsquery('simple', ${first_param})",
                search_vector(published_only)
            ),
            vec![expr],
        ),
    }
}

/// The column subtree filters test. When listing on SQLite it is written
/// `+e.unit_path`, which keeps the planner off the subtree index so it walks
/// a sort-ordered covering index and stops after one page; counting keeps
/// the plain column, which the subtree index answers.
pub fn subtree_column(backend: Backend, for_listing: bool) -> &'static str {
    match (backend, for_listing) {
        (Backend::Sqlite, true) => "+e.unit_path",
        _ => "e.unit_path",
    }
}

/// Statements that (re)index an entry's text, each with how many of these
/// values it binds, in order: ($1 id, $2 title, $3 the other published
/// items, $4 personal items, each as `index_words` gives them). SQLite
/// keeps them in three FTS columns, and the title again in an index of
/// titles (for ranking); PostgreSQL in two stored vectors, the whole text
/// for staff and the published text for the public, the title weighted
/// first.
pub fn index_entry_statements(backend: Backend) -> Vec<(String, usize)> {
    match backend {
        Backend::Sqlite => [
            ("DELETE FROM entries_fts WHERE rowid = $1", 1),
            (
                "INSERT INTO entries_fts (rowid, title, body, personal) VALUES ($1, $2, $3, $4)",
                4,
            ),
            ("DELETE FROM entries_title_fts WHERE rowid = $1", 1),
            (
                "INSERT INTO entries_title_fts (rowid, title) VALUES ($1, $2)",
                2,
            ),
        ]
        .into_iter()
        .map(|(sql, n)| (sql.to_owned(), n))
        .collect(),
        Backend::Postgres => vec![(
            format!(
                "UPDATE entries SET public_tsv = {}, search_tsv = {} WHERE id = $1",
                public_vector("$2", "$3"),
                search_vector_of("$2", "$3", "$4")
            ),
            4,
        )],
    }
}

/// PostgreSQL: the public vector over a title and the other published
/// items (SQL expressions, each a folded text), the title weighted first.
pub fn public_vector(title: &str, body: &str) -> String {
    format!("setweight(to_tsvector('simple', {title}), 'A') || to_tsvector('simple', {body})")
}

/// PostgreSQL: the staff vector: the public one and the personal items.
pub fn search_vector_of(title: &str, body: &str, personal: &str) -> String {
    format!(
        "{} || to_tsvector('simple', {personal})",
        public_vector(title, body)
    )
}

/// Concatenates a text expression over a group, comma-separated.
pub fn string_agg(backend: Backend, expr: &str) -> String {
    match backend {
        Backend::Sqlite => format!("group_concat({expr}, ',')"),
        Backend::Postgres => format!("string_agg({expr}, ',')"),
    }
}

/// A scalar subquery giving the rows of `from_where` as a JSON array of
/// objects (text, `[]` when none), one key per `(key, expression)`: a
/// record's lists travel with it in one statement.
pub fn json_rows(backend: Backend, fields: &[(&str, &str)], from_where: &str) -> String {
    let pairs = fields
        .iter()
        .map(|(k, e)| format!("'{k}', {e}"))
        .collect::<Vec<_>>()
        .join(", ");
    match backend {
        Backend::Sqlite => format!("(SELECT json_group_array(json_object({pairs})) {from_where})"),
        Backend::Postgres => format!(
            "(SELECT COALESCE(json_agg(json_build_object({pairs})), '[]'::json)::text {from_where})"
        ),
    }
}

/// ORDER BY expression for entry titles in Vietnamese order: ICU4X sort
/// keys on SQLite, the `vi-x-icu` collation on PostgreSQL.
pub fn title_order(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "e.title_sort",
        Backend::Postgres => "e.title COLLATE \"vi-x-icu\"",
    }
}

/// ORDER BY expression for unit names (table alias `u`).
pub fn unit_name_order(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "u.name_sort",
        Backend::Postgres => "u.name COLLATE \"vi-x-icu\"",
    }
}

/// ORDER BY expression for people's names in `users`.
pub fn user_name_order(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "name_sort",
        Backend::Postgres => "full_name COLLATE \"vi-x-icu\"",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_match_is_phrases_then_prefix() {
        let q = SearchQuery::parse("dan \"van kheo\" ba");
        let (cond, p) = entry_search(Backend::Sqlite, &q, 3, false, false);
        assert_eq!(p, vec!["\"dan\" AND \"van kheo\" AND \"ba\"*".to_owned()]);
        assert!(cond.contains("MATCH $3"));
        let (cond, _) = entry_search(Backend::Sqlite, &q, 1, true, false);
        assert!(cond.starts_with("+e.id IN"));
        // Public search: the published columns only.
        let (_, p) = entry_search(Backend::Sqlite, &SearchQuery::parse("giao"), 1, true, true);
        assert_eq!(p, vec!["{title body} : (\"giao\"*)".to_owned()]);
        let fixed =
            SearchQuery::parse("thaii nhac").with_alternates(vec![(0, vec!["thai".into()])]);
        assert_eq!(
            search_expression(Backend::Sqlite, &fixed, false),
            "(\"thaii\" OR \"thai\") AND \"nhac\"*"
        );
    }

    #[test]
    fn postgres_uses_stored_vectors() {
        let q = SearchQuery::parse("\"do van\" duc");
        let (cond, p) = entry_search(Backend::Postgres, &q, 5, true, false);
        assert_eq!(p, vec!["(do <-> van) & (duc:*)".to_owned()]);
        assert_eq!(cond, "e.search_tsv @@ to_tsquery('simple', $5)");
        let (cond, _) = entry_search(
            Backend::Postgres,
            &SearchQuery::parse("giao"),
            1,
            true,
            true,
        );
        assert!(cond.contains("e.public_tsv") && !cond.contains("search_tsv"));
        let fixed =
            SearchQuery::parse("thaii nhac").with_alternates(vec![(0, vec!["thai".into()])]);
        assert_eq!(
            search_expression(Backend::Postgres, &fixed, false),
            "(thaii | thai) & (nhac:*)"
        );
    }
}
