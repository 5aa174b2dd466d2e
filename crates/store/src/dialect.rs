//! The few places where SQLite and PostgreSQL need different SQL.

use crate::db::Backend;

/// A WHERE condition that keeps entries whose folded text matches every
/// search term; `param` is the placeholder number of the bound value that
/// `search_param` builds. When listing, SQLite is steered to walk the
/// sort-ordered index and probe the matches, instead of fetching and
/// sorting every match.
pub fn entry_search_condition(backend: Backend, param: usize, for_listing: bool) -> String {
    match backend {
        Backend::Sqlite => {
            let id = if for_listing { "+e.id" } else { "e.id" };
            format!("{id} IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ${param})")
        }
        Backend::Postgres => format!("e.search_folded LIKE ${param}"),
    }
}

/// The bound value for `entry_search_condition`. Terms are folded words
/// (letters and digits only), so quoting cannot be broken out of.
pub fn search_param(backend: Backend, terms: &[String]) -> String {
    match backend {
        // Whole words, except the last one, which may still be being typed.
        Backend::Sqlite => terms
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
            .join(" "),
        Backend::Postgres => format!("%{}%", terms.join("%")),
    }
}

/// Statements that (re)index an entry's folded text: ($1 id, $2 text).
pub fn index_entry_statements(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &[
            "DELETE FROM entries_fts WHERE rowid = $1",
            "INSERT INTO entries_fts (rowid, body) VALUES ($1, $2)",
        ],
        Backend::Postgres => &["UPDATE entries SET search_folded = $2 WHERE id = $1"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_match_is_prefix_and() {
        let p = search_param(Backend::Sqlite, &["dan".into(), "van".into()]);
        assert_eq!(p, "\"dan\" \"van\"*");
    }
}
