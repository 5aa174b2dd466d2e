//! Entry counters: how many entries each unit has per year and state
//! (`entry_counts`, kept by database triggers in the same transaction as
//! every change of an entry), what the status and register pages add up,
//! and their recount.

use crate::db::{q, Backend, Db};
use crate::error::StoreError;
use sqlx::Row;
use std::collections::BTreeMap;

/// A counter that disagrees with the entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterDifference {
    pub unit_path: String,
    pub year: i64,
    pub state: String,
    /// What the counter says.
    pub counted: i64,
    /// What the entries say.
    pub recounted: i64,
}

type Key = (String, i64, String);

async fn tally(db: &Db, sql: &str) -> Result<BTreeMap<Key, i64>, StoreError> {
    let mut out = BTreeMap::new();
    for r in q(sql).fetch_all(&db.pool).await? {
        let n: i64 = r.try_get(3)?;
        if n != 0 {
            out.insert((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?), n);
        }
    }
    Ok(out)
}

const RECOUNT: &str =
    "SELECT unit_path, year, state, COUNT(*) FROM entries GROUP BY unit_path, year, state";

impl Db {
    /// Recounts entries by unit, year and state and lists every counter
    /// that differs. With `repair`, the counters are rewritten from the
    /// recount in one transaction that keeps writers out meanwhile.
    pub async fn check_counters(&self, repair: bool) -> Result<Vec<CounterDifference>, StoreError> {
        let counted = tally(self, "SELECT unit_path, year, state, n FROM entry_counts").await?;
        let recounted = tally(self, RECOUNT).await?;
        let mut differences = Vec::new();
        let keys: std::collections::BTreeSet<&Key> =
            counted.keys().chain(recounted.keys()).collect();
        for key in keys {
            let a = counted.get(key).copied().unwrap_or(0);
            let b = recounted.get(key).copied().unwrap_or(0);
            if a != b {
                differences.push(CounterDifference {
                    unit_path: key.0.clone(),
                    year: key.1,
                    state: key.2.clone(),
                    counted: a,
                    recounted: b,
                });
            }
        }
        if repair && !differences.is_empty() {
            let mut tx = self.pool.begin().await?;
            if self.backend == Backend::Postgres {
                q("LOCK TABLE entries IN SHARE MODE")
                    .execute(&mut *tx)
                    .await?;
            }
            // On SQLite the DELETE takes the write lock first.
            q("DELETE FROM entry_counts").execute(&mut *tx).await?;
            q(&format!(
                "INSERT INTO entry_counts (unit_path, year, state, n) {RECOUNT}"
            ))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(differences)
    }
}
