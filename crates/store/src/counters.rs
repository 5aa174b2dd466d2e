//! Entry counters, kept by database triggers in the same transaction as
//! every change of an entry: `entry_counts` (per unit, year and state: what
//! the status and register pages add up) and `summary_counts` (per unit,
//! year, phase, kind, subject, field, state and carried over: what the
//! summary table adds up); and their recount.

use crate::db::{q, Backend, Db};
use crate::error::StoreError;
use sqlx::Row;
use std::collections::BTreeMap;

/// A counter that disagrees with the entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterDifference {
    /// The counter table.
    pub table: &'static str,
    /// The counter's key, its values joined by " · ".
    pub key: String,
    /// What the counter says.
    pub counted: i64,
    /// What the entries say.
    pub recounted: i64,
}

/// A table of counters and how the entries recount it.
struct Counters {
    table: &'static str,
    /// Key columns of the table, in order.
    keys: &'static [&'static str],
    /// The same keys as expressions over `entries`.
    from_entries: &'static [&'static str],
}

const TABLES: [Counters; 2] = [
    Counters {
        table: "entry_counts",
        keys: &["unit_path", "year", "state"],
        from_entries: &["unit_path", "year", "state"],
    },
    Counters {
        table: "summary_counts",
        keys: &[
            "unit_path",
            "year",
            "unit_id",
            "phase",
            "kind",
            "subject",
            "field_id",
            "state",
            "carried",
        ],
        from_entries: &[
            "unit_path",
            "year",
            "unit_id",
            "phase",
            "kind",
            "subject",
            "field_id",
            "state",
            "CASE WHEN carried_from_id IS NULL THEN 0 ELSE 1 END",
        ],
    },
];

impl Counters {
    fn recount(&self) -> String {
        let groups: Vec<String> = (1..=self.keys.len()).map(|i| i.to_string()).collect();
        format!(
            "SELECT {}, COUNT(*) FROM entries GROUP BY {}",
            self.from_entries.join(", "),
            groups.join(", ")
        )
    }

    fn counted(&self) -> String {
        format!("SELECT {}, n FROM {}", self.keys.join(", "), self.table)
    }
}

type Key = Vec<String>;

/// The nonzero counts a statement gives, by key (each key value read as
/// text, so one reader serves every table and backend).
async fn tally(db: &Db, sql: &str, keys: usize) -> Result<BTreeMap<Key, i64>, StoreError> {
    let mut out = BTreeMap::new();
    for r in q(sql).fetch_all(&db.pool).await? {
        let n: i64 = r.try_get(keys)?;
        if n == 0 {
            continue;
        }
        let mut key = Vec::with_capacity(keys);
        for i in 0..keys {
            key.push(match r.try_get::<String, _>(i) {
                Ok(s) => s,
                Err(_) => r.try_get::<i64, _>(i)?.to_string(),
            });
        }
        out.insert(key, n);
    }
    Ok(out)
}

impl Db {
    /// Recounts every counter table from the entries and lists every
    /// counter that differs. With `repair`, the counters are rewritten from
    /// the recount in one transaction that keeps writers out meanwhile.
    pub async fn check_counters(&self, repair: bool) -> Result<Vec<CounterDifference>, StoreError> {
        let mut differences = Vec::new();
        for c in &TABLES {
            let counted = tally(self, &c.counted(), c.keys.len()).await?;
            let recounted = tally(self, &c.recount(), c.keys.len()).await?;
            let keys: std::collections::BTreeSet<&Key> =
                counted.keys().chain(recounted.keys()).collect();
            let before = differences.len();
            for key in keys {
                let a = counted.get(key).copied().unwrap_or(0);
                let b = recounted.get(key).copied().unwrap_or(0);
                if a != b {
                    differences.push(CounterDifference {
                        table: c.table,
                        key: key.join(" · "),
                        counted: a,
                        recounted: b,
                    });
                }
            }
            if repair && differences.len() > before {
                let mut tx = self.pool.begin().await?;
                if self.backend == Backend::Postgres {
                    q("LOCK TABLE entries IN SHARE MODE")
                        .execute(&mut *tx)
                        .await?;
                }
                // On SQLite the DELETE takes the write lock first.
                q(&format!("DELETE FROM {}", c.table))
                    .execute(&mut *tx)
                    .await?;
                q(&format!(
                    "INSERT INTO {} ({}, n) {}",
                    c.table,
                    c.keys.join(", "),
                    c.recount()
                ))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
        }
        Ok(differences)
    }
}
