//! Search: the inverted index each backend keeps for entries (written in
//! the same transaction as the entry), ranked search over a bounded number
//! of candidates, and spelling help when a search finds nothing.

use crate::db::{q, Backend, Db};
use crate::dialect;
use crate::entries::{bind_all, summary_from_row, EntrySummary, Param, SUMMARY_COLS};
use crate::error::StoreError;
use crate::listing::{EntryFilter, Listed, PageInfo, Total, RANKED_CANDIDATES};
use dvk_domain::entry::Registration;
use dvk_domain::search::{index_words, near_words, SearchQuery};
use sqlx::{AnyConnection, Row};

/// (Re)indexes an entry's text, and adds its title's words to the words
/// spelling help may offer.
pub(crate) async fn index_entry(
    conn: &mut AnyConnection,
    backend: Backend,
    id: i64,
    r: &Registration,
) -> Result<(), sqlx::Error> {
    let title = index_words(&r.items[0]);
    let body = index_words(&r.items[1..].join("\n"));
    let personal = index_words(&r.personal_text());
    for sql in dialect::index_entry_statements(backend) {
        q(sql)
            .bind(id)
            .bind(&title)
            .bind(&body)
            .bind(&personal)
            .execute(&mut *conn)
            .await?;
    }
    let mut words: Vec<&str> = title.split(' ').filter(|w| !w.is_empty()).collect();
    // Sorted, so concurrent writers take the keys in one order.
    words.sort_unstable();
    words.dedup();
    if !words.is_empty() {
        let values: Vec<String> = (1..=words.len()).map(|i| format!("(${i})")).collect();
        let sql = format!(
            "INSERT INTO search_words (word) VALUES {} ON CONFLICT DO NOTHING",
            values.join(",")
        );
        let mut query = q(&sql);
        for w in words {
            query = query.bind(w);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// One ranked candidate.
struct Candidate {
    id: i64,
    title_matches: bool,
    score: f64,
}

impl Db {
    /// A search in relevance order: the most recent `RANKED_CANDIDATES`
    /// matches in the reader's scope, titles that match first, then by the
    /// engine's score, then newest. Two statements, whatever the number of
    /// matches: the candidates (ids, titles, scores) and the page's rows.
    pub(crate) async fn ranked_search(
        &self,
        f: &EntryFilter,
        query: &SearchQuery,
    ) -> Result<Listed, StoreError> {
        let (sql, params) = self.ranked_statement(f, query);
        let rows = bind_all(&sql, &params).fetch_all(&self.read).await?;
        let mut found = rows
            .iter()
            .map(|r| {
                Ok(Candidate {
                    id: r.try_get("id")?,
                    title_matches: query.matches(&r.try_get::<String, _>("title")?),
                    score: r.try_get("score")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let more = found.len() as i64 > RANKED_CANDIDATES;
        found.truncate(RANKED_CANDIDATES as usize);
        found.sort_by(|a, b| {
            b.title_matches
                .cmp(&a.title_matches)
                .then(b.score.total_cmp(&a.score))
                .then(b.id.cmp(&a.id))
        });
        let per_page = f.per_page.clamp(1, 200) as usize;
        let start = (f.page.max(1) as usize - 1).saturating_mul(per_page);
        let page: Vec<i64> = found
            .iter()
            .skip(start)
            .take(per_page)
            .map(|c| c.id)
            .collect();
        let items = self.summaries_in_order(&page).await?;
        Ok(Listed {
            items,
            page: PageInfo {
                total: Total {
                    count: found.len() as i64,
                    more,
                },
                has_next: start + per_page < found.len(),
                has_prev: start > 0,
                searched_as: None,
            },
        })
    }

    /// The statement reading a search's candidates: the most recent
    /// matches in scope, with their titles and scores.
    pub(crate) fn ranked_statement(
        &self,
        f: &EntryFilter,
        query: &SearchQuery,
    ) -> (String, Vec<Param>) {
        let (conds, mut params) = self.entry_conditions(f, false, false);
        params.push(Param::S(dialect::search_expression(
            self.backend,
            query,
            f.public_only,
        )));
        let m = params.len();
        let score = dialect::search_score(self.backend, m, f.public_only);
        let limit = RANKED_CANDIDATES + 1;
        let sql = match self.backend {
            // CROSS JOIN keeps the index as the outer loop: SQLite walks the
            // matches newest first and stops at the limit.
            Backend::Sqlite => format!(
                "SELECT e.id, e.title, {score} AS score FROM entries_fts CROSS JOIN entries e ON e.id = entries_fts.rowid \
                 WHERE entries_fts MATCH ${m} AND {conds} ORDER BY entries_fts.rowid DESC LIMIT {limit}"
            ),
            Backend::Postgres => format!(
                "SELECT e.id, e.title, {score} AS score FROM entries e \
                 WHERE {} @@ to_tsquery('simple', ${m}) AND {conds} ORDER BY e.id DESC LIMIT {limit}",
                dialect::search_vector(f.public_only)
            ),
        };
        (sql, params)
    }

    /// List rows of these entries, in the order given.
    async fn summaries_in_order(&self, ids: &[i64]) -> Result<Vec<EntrySummary>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {SUMMARY_COLS} FROM entries e JOIN units u ON u.id = e.unit_id WHERE e.id IN ({})",
            marks.join(",")
        );
        let mut query = q(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        let mut rows = query
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(summary_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        rows.sort_by_key(|e| ids.iter().position(|id| *id == e.id));
        Ok(rows)
    }

    /// The query with other spellings for words that may be mistyped (found
    /// nowhere in the index): title words one edit away. None when there is
    /// nothing to offer. Two statements.
    pub(crate) async fn spelling_help(
        &self,
        query: &SearchQuery,
    ) -> Result<Option<SearchQuery>, StoreError> {
        let mut correctable = query.correctable();
        if correctable.is_empty() {
            return Ok(None);
        }
        // Only words found nowhere in the index are taken for mistakes.
        let probes: Vec<String> = (1..=correctable.len())
            .map(|i| match self.backend {
                Backend::Sqlite => format!(
                    "EXISTS (SELECT 1 FROM entries_fts WHERE entries_fts MATCH ${i}) AS w{i}"
                ),
                Backend::Postgres => format!(
                    "EXISTS (SELECT 1 FROM entries e WHERE e.search_tsv @@ to_tsquery('simple', ${i})) AS w{i}"
                ),
            })
            .collect();
        let sql = format!("SELECT {}", probes.join(", "));
        let mut stmt = q(&sql);
        for (_, w) in &correctable {
            stmt = stmt.bind(match self.backend {
                Backend::Sqlite => format!("\"{w}\""),
                Backend::Postgres => (*w).to_owned(),
            });
        }
        let row = stmt.fetch_one(&self.read).await?;
        let mut known = Vec::new();
        for i in 0..correctable.len() {
            // SQLite answers an integer, PostgreSQL a boolean.
            let found = match self.backend {
                Backend::Sqlite => row.try_get::<i64, _>(i)? != 0,
                Backend::Postgres => row.try_get::<bool, _>(i)?,
            };
            known.push(found);
        }
        let mut flags = known.into_iter();
        correctable.retain(|_| !flags.next().unwrap_or(true));
        if correctable.is_empty() {
            return Ok(None);
        }
        let near: Vec<(usize, Vec<String>)> = correctable
            .iter()
            .map(|(i, w)| (*i, near_words(w)))
            .collect();
        let all: Vec<&String> = near.iter().flat_map(|(_, v)| v).collect();
        let marks: Vec<String> = (1..=all.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT word FROM search_words WHERE word IN ({})",
            marks.join(",")
        );
        let mut stmt = q(&sql);
        for w in &all {
            stmt = stmt.bind(w.as_str());
        }
        let known: std::collections::BTreeSet<String> = stmt
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()?;
        let found: Vec<(usize, Vec<String>)> = near
            .into_iter()
            .map(|(i, v)| {
                let words: Vec<String> = v
                    .into_iter()
                    .filter(|w| known.contains(w))
                    .take(5)
                    .collect();
                (i, words)
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if found.is_empty() {
            return Ok(None);
        }
        Ok(Some(query.with_alternates(found)))
    }
}
