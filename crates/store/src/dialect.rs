//! The few places where SQLite and PostgreSQL need different SQL. Everything
//! else is one SQL text for both.

use crate::db::Backend;

/// A WHERE condition keeping entries whose text matches every search term
/// (diacritics ignored), and the values to bind for it, numbered from
/// `first_param`. Terms are folded words (letters and digits only).
///
/// SQLite: FTS5 over text DVK folds itself; whole words, the last one as a
/// prefix (it may still be being typed). When listing, SQLite is steered to
/// walk the sort-ordered index and probe the matches instead of fetching and
/// sorting every match.
///
/// PostgreSQL: `dvk_fold()` (unaccent, immutable) over the stored text with
/// a pg_trgm index: the words in order as a substring, or — so small typos
/// still match — the query's word similarity to some part of the text.
pub fn entry_search(
    backend: Backend,
    terms: &[String],
    first_param: usize,
    for_listing: bool,
    published_only: bool,
) -> (String, Vec<String>) {
    match backend {
        Backend::Sqlite => {
            let expr = terms
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    if i + 1 == terms.len() {
                        format!("\"{t}\"*")
                    } else {
                        format!("\"{t}\"")
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            // Public readers match the published column only.
            let expr = if published_only {
                format!("body : ({expr})")
            } else {
                expr
            };
            let id = if for_listing { "+e.id" } else { "e.id" };
            (format!("{id} IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ${first_param})"), vec![expr])
        }
        Backend::Postgres => {
            let like = format!("%{}%", terms.join("%"));
            let phrase = terms.join(" ");
            let column = if published_only {
                "e.public_text"
            } else {
                "e.search_text"
            };
            (
                format!(
                    "(dvk_fold({column}) LIKE ${} OR ${} <% dvk_fold({column}))",
                    first_param,
                    first_param + 1
                ),
                vec![like, phrase],
            )
        }
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

/// Statements that (re)index an entry's text: ($1 id, $2 published text,
/// $3 personal items, each as returned by `index_text`). SQLite keeps them
/// in two FTS columns; PostgreSQL keeps the whole text for staff and the
/// published text for the public, each under its own trigram index.
pub fn index_entry_statements(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &[
            "DELETE FROM entries_fts WHERE rowid = $1",
            "INSERT INTO entries_fts (rowid, body, personal) VALUES ($1, $2, $3)",
        ],
        Backend::Postgres => &[
            "UPDATE entries SET search_text = $2 || CASE WHEN $3 = '' THEN '' ELSE chr(10) || $3 END, public_text = $2 WHERE id = $1",
        ],
    }
}

/// The text stored for search: folded by DVK for SQLite (FTS5 cannot fold
/// đ), raw for PostgreSQL (folded by `dvk_fold()` in the index).
pub fn index_text(backend: Backend, raw: &str) -> String {
    match backend {
        Backend::Sqlite => dvk_domain::text::fold(raw),
        Backend::Postgres => raw.to_owned(),
    }
}

/// Concatenates a text expression over a group, comma-separated.
pub fn string_agg(backend: Backend, expr: &str) -> String {
    match backend {
        Backend::Sqlite => format!("group_concat({expr}, ',')"),
        Backend::Postgres => format!("string_agg({expr}, ',')"),
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
    fn sqlite_match_is_words_then_prefix() {
        let (cond, p) = entry_search(
            Backend::Sqlite,
            &["dan".into(), "van".into()],
            3,
            false,
            false,
        );
        assert_eq!(p, vec!["\"dan\" \"van\"*".to_owned()]);
        assert!(cond.contains("MATCH $3"));
        let (cond, _) = entry_search(Backend::Sqlite, &["dan".into()], 1, true, false);
        assert!(cond.starts_with("+e.id IN"));
        // Public search: the published column only.
        let (_, p) = entry_search(Backend::Sqlite, &["giao".into()], 1, true, true);
        assert_eq!(p, vec!["body : (\"giao\"*)".to_owned()]);
    }

    #[test]
    fn postgres_uses_fold_and_trigrams() {
        let (cond, p) = entry_search(
            Backend::Postgres,
            &["do".into(), "van".into(), "duc".into()],
            5,
            true,
            false,
        );
        assert_eq!(p, vec!["%do%van%duc%".to_owned(), "do van duc".to_owned()]);
        assert!(cond.contains("LIKE $5") && cond.contains("$6 <%"));
        let (cond, _) = entry_search(Backend::Postgres, &["giao".into()], 1, true, true);
        assert!(cond.contains("dvk_fold(e.public_text)") && !cond.contains("search_text"));
    }
}
