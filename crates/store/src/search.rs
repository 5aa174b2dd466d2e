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

/// The texts an entry is indexed by, as `index_words` gives them: its
/// title, its other published items, its personal items.
pub(crate) fn index_texts(r: &Registration) -> [String; 3] {
    [
        index_words(&r.items[0]),
        index_words(&r.published_body()),
        index_words(&r.personal_text()),
    ]
}

/// (Re)indexes an entry's text, and adds its title's words to the words
/// spelling help may offer.
pub(crate) async fn index_entry(
    conn: &mut AnyConnection,
    backend: Backend,
    id: i64,
    r: &Registration,
) -> Result<(), sqlx::Error> {
    let [title, body, personal] = index_texts(r);
    for (sql, values) in dialect::index_entry_statements(backend) {
        let mut stmt = q(&sql).bind(id);
        for text in [&title, &body, &personal].into_iter().take(values - 1) {
            stmt = stmt.bind(text);
        }
        stmt.execute(&mut *conn).await?;
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
    /// matches in the reader's scope; titles that match first, by BM25's
    /// term-frequency and length parts over the title
    /// (`SearchQuery::title_score`); then the other matches, newest first.
    /// A fixed number of statements whatever the number of matches: the
    /// candidates (one statement on PostgreSQL, at most two on SQLite) and
    /// the page's rows.
    pub(crate) async fn ranked_search(
        &self,
        f: &EntryFilter,
        query: &SearchQuery,
    ) -> Result<Listed, StoreError> {
        let cap = RANKED_CANDIDATES as usize;
        let statements = self.ranked_statements(f, query);
        let mut sets = Vec::new();
        for (sql, params) in &statements {
            // Titles matching that fill the candidates leave no room for
            // matches elsewhere: the second set is not read.
            if sets.first().is_some_and(|rows: &Vec<_>| rows.len() > cap) {
                break;
            }
            // Planned for each search's own words (an unnamed statement): a
            // plan kept for a common word would read every row for a rare one.
            sets.push(
                bind_all(sql, params)
                    .persistent(false)
                    .fetch_all(&self.read)
                    .await?,
            );
        }
        let mut more = sets.iter().any(|rows| rows.len() > cap);
        // (id, title if it matches) in the order read: newest first.
        let mut read: Vec<(i64, Option<String>)> = Vec::new();
        match self.backend {
            // One set: the matches with their titles.
            Backend::Postgres => {
                for r in sets[0].iter().take(cap) {
                    let title: String = r.try_get("title")?;
                    let matching = query.matches(&title).then_some(title);
                    read.push((r.try_get("id")?, matching));
                }
            }
            // The titles matching, then the matches anywhere.
            Backend::Sqlite => {
                let mut seen = std::collections::HashSet::new();
                for r in sets[0].iter().take(cap) {
                    let id: i64 = r.try_get("id")?;
                    seen.insert(id);
                    read.push((id, Some(r.try_get("title")?)));
                }
                for r in sets.get(1).into_iter().flatten().take(cap) {
                    let id: i64 = r.try_get("id")?;
                    if seen.insert(id) {
                        read.push((id, None));
                    }
                }
            }
        }
        // Each matching title's words, folded once.
        let words: Vec<Option<String>> = read
            .iter()
            .map(|(_, t)| t.as_deref().map(index_words))
            .collect();
        let lengths: Vec<usize> = words
            .iter()
            .flatten()
            .map(|w| w.split(' ').count())
            .collect();
        let average = lengths.iter().sum::<usize>() as f64 / lengths.len().max(1) as f64;
        let mut found: Vec<Candidate> = read
            .iter()
            .zip(&words)
            .map(|((id, _), w)| Candidate {
                id: *id,
                title_matches: w.is_some(),
                score: w.as_deref().map_or(0.0, |w| query.words_score(w, average)),
            })
            .collect();
        found.sort_by(|a, b| {
            b.title_matches
                .cmp(&a.title_matches)
                .then(b.score.total_cmp(&a.score))
                .then(b.id.cmp(&a.id))
        });
        if found.len() > cap {
            found.truncate(cap);
            more = true;
        }
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

    /// The statements reading a search's candidates, most recent first
    /// within the reader's scope. PostgreSQL: the matches with their
    /// titles (which match is told here). SQLite: the titles matching, from
    /// the titles-only index, then the matches anywhere. Neither engine's
    /// own score is asked for: FTS5's bm25() reads how many entries hold
    /// each word — the whole list of a common word — on every search.
    pub(crate) fn ranked_statements(
        &self,
        f: &EntryFilter,
        query: &SearchQuery,
    ) -> Vec<(String, Vec<Param>)> {
        let (conds, mut params) = self.entry_conditions(f, false, false);
        let limit = RANKED_CANDIDATES + 1;
        match self.backend {
            Backend::Postgres => {
                params.push(Param::S(dialect::search_expression(
                    self.backend,
                    query,
                    f.public_only,
                )));
                let m = params.len();
                vec![(
                    format!(
                        "SELECT e.id, e.title FROM entries e WHERE {} @@ to_tsquery('simple', ${m}) AND {conds} \
                         ORDER BY e.id DESC LIMIT {limit}",
                        dialect::search_vector(f.public_only)
                    ),
                    params,
                )]
            }
            // CROSS JOIN keeps the index as the outer loop: SQLite walks the
            // matches newest first and stops at the limit.
            Backend::Sqlite => {
                let mut titles = params.clone();
                titles.push(Param::S(dialect::search_expression(
                    self.backend,
                    query,
                    false,
                )));
                let t = titles.len();
                params.push(Param::S(dialect::search_expression(
                    self.backend,
                    query,
                    f.public_only,
                )));
                let m = params.len();
                vec![
                    (
                        format!(
                            "SELECT e.id, e.title FROM entries_title_fts CROSS JOIN entries e \
                             ON e.id = entries_title_fts.rowid WHERE entries_title_fts MATCH ${t} AND {conds} \
                             ORDER BY entries_title_fts.rowid DESC LIMIT {limit}"
                        ),
                        titles,
                    ),
                    (
                        format!(
                            "SELECT e.id FROM entries_fts CROSS JOIN entries e ON e.id = entries_fts.rowid \
                             WHERE entries_fts MATCH ${m} AND {conds} ORDER BY entries_fts.rowid DESC LIMIT {limit}"
                        ),
                        params,
                    ),
                ]
            }
        }
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
    /// nothing to offer. Two statements: the title words among the
    /// neighbours of the query's words, then a look in the reader's part of
    /// the index for the query's words themselves.
    pub(crate) async fn spelling_help(
        &self,
        f: &EntryFilter,
        query: &SearchQuery,
    ) -> Result<Option<SearchQuery>, StoreError> {
        let correctable = query.correctable();
        if correctable.is_empty() {
            return Ok(None);
        }
        let near: Vec<(usize, &str, Vec<String>)> = correctable
            .iter()
            .map(|(i, w)| (*i, *w, near_words(w)))
            .collect();
        let asked: Vec<&str> = near
            .iter()
            .flat_map(|(_, _, v)| v.iter().map(String::as_str))
            .collect();
        let marks: Vec<String> = (1..=asked.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT word FROM search_words WHERE word IN ({})",
            marks.join(",")
        );
        let mut stmt = q(&sql);
        for w in &asked {
            stmt = stmt.bind(*w);
        }
        let titles: std::collections::BTreeSet<String> = stmt
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()?;
        // Whether a word is spelt right is decided only within what the
        // reader may search (below), never by titles elsewhere.
        let unknown: Vec<&(usize, &str, Vec<String>)> = near.iter().collect();
        // Looked for within what the reader may search (their scope, the
        // published text for the public), so the answer tells nothing of
        // other entries.
        let (conds, mut params) = self.entry_conditions(f, false, false);
        let first = params.len() + 1;
        let probes: Vec<String> = (first..first + unknown.len())
            .map(|i| match self.backend {
                Backend::Sqlite => format!(
                    "EXISTS (SELECT 1 FROM entries_fts CROSS JOIN entries e ON e.id = entries_fts.rowid \
                     WHERE entries_fts MATCH ${i} AND {conds}) AS w{i}"
                ),
                Backend::Postgres => format!(
                    "EXISTS (SELECT 1 FROM entries e WHERE {} @@ to_tsquery('simple', ${i}) AND {conds}) AS w{i}",
                    dialect::search_vector(f.public_only)
                ),
            })
            .collect();
        let sql = format!("SELECT {}", probes.join(", "));
        for (_, w, _) in &unknown {
            params.push(Param::S(match self.backend {
                Backend::Sqlite if f.public_only => format!("{{title body}} : \"{w}\""),
                Backend::Sqlite => format!("\"{w}\""),
                Backend::Postgres => (*w).to_owned(),
            }));
        }
        let stmt = bind_all(&sql, &params).persistent(false);
        // PostgreSQL would look for a word by reading rows until one holds
        // it, which for a word found nowhere reads them all: the probes may
        // only use the text index.
        let mut tx = self.read.begin().await?;
        if self.backend == Backend::Postgres {
            q("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await?;
            q("SET LOCAL enable_indexscan = off")
                .execute(&mut *tx)
                .await?;
        }
        let row = stmt.fetch_one(&mut *tx).await?;
        tx.commit().await?;
        let mut found = Vec::new();
        for (n, (i, _, variants)) in unknown.iter().enumerate() {
            // SQLite answers an integer, PostgreSQL a boolean.
            let in_index = match self.backend {
                Backend::Sqlite => row.try_get::<i64, _>(n)? != 0,
                Backend::Postgres => row.try_get::<bool, _>(n)?,
            };
            if in_index {
                continue;
            }
            let words: Vec<String> = variants
                .iter()
                .filter(|v| titles.contains(*v))
                .take(5)
                .cloned()
                .collect();
            if !words.is_empty() {
                found.push((*i, words));
            }
        }
        if found.is_empty() {
            return Ok(None);
        }
        Ok(Some(query.with_alternates(found)))
    }
}
