//! `dvk db copy`: moves a whole deployment between databases (SQLite →
//! PostgreSQL when a province outgrows one machine, or back), keeping ids,
//! attachments and the audit chain exactly as they were.

use crate::db::{q, Backend, Db};
use crate::error::StoreError;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Clone, Copy)]
enum Col {
    Int,
    Text,
    Bytes,
}
use Col::{Bytes, Int, Text};

/// Tables in dependency order with their columns (first column is the key
/// rows are paged by). Search indexes are rebuilt, not copied.
const TABLES: &[(&str, &[(&str, Col)])] = &[
    (
        "levels",
        &[
            ("code", Text),
            ("name", Text),
            ("rank", Int),
            ("historical", Int),
        ],
    ),
    (
        "phases",
        &[
            ("code", Text),
            ("name", Text),
            ("first_year", Int),
            ("last_year", Int),
        ],
    ),
    (
        "fields",
        &[
            ("id", Int),
            ("code", Text),
            ("name", Text),
            ("parent_id", Int),
            ("position", Int),
        ],
    ),
    (
        "units",
        &[
            ("id", Int),
            ("parent_id", Int),
            ("path", Text),
            ("depth", Int),
            ("code", Text),
            ("name", Text),
            ("name_sort", Bytes),
            ("kind", Text),
            ("level_code", Text),
            ("valid_from", Text),
            ("valid_to", Text),
            ("created_at", Int),
        ],
    ),
    (
        "unit_successors",
        &[("predecessor_id", Int), ("successor_id", Int)],
    ),
    (
        "users",
        &[
            ("id", Int),
            ("username", Text),
            ("full_name", Text),
            ("name_sort", Bytes),
            ("password_hash", Text),
            ("active", Int),
            ("created_at", Int),
        ],
    ),
    (
        "role_grants",
        &[
            ("id", Int),
            ("user_id", Int),
            ("role", Text),
            ("unit_id", Int),
            ("created_at", Int),
        ],
    ),
    (
        "sessions",
        &[
            ("id", Text),
            ("user_id", Int),
            ("csrf", Text),
            ("created_at", Int),
            ("expires_at", Int),
        ],
    ),
    ("login_failures", &[("id", Int), ("key", Text), ("at", Int)]),
    (
        "api_tokens",
        &[
            ("id", Int),
            ("user_id", Int),
            ("name", Text),
            ("token_hash", Text),
            ("prefix", Text),
            ("created_at", Int),
            ("expires_at", Int),
            ("last_used_at", Int),
            ("revoked_at", Int),
        ],
    ),
    (
        "entries",
        &[
            ("id", Int),
            ("kind", Text),
            ("subject", Text),
            ("field_id", Int),
            ("target_level", Text),
            ("phase", Text),
            ("year", Int),
            ("unit_id", Int),
            ("unit_path", Text),
            ("confirming_unit_id", Int),
            ("confirming_path", Text),
            ("title", Text),
            ("title_sort", Bytes),
            ("person_name", Text),
            ("state", Text),
            ("state_reason", Text),
            ("version", Int),
            ("created_by", Int),
            ("created_at", Int),
            ("updated_at", Int),
            ("submitted_at", Int),
        ],
    ),
    (
        "entry_contents",
        &[
            ("entry_id", Int),
            ("situation", Text),
            ("objectives", Text),
            ("content", Text),
            ("area", Text),
            ("forces", Text),
            ("resources", Text),
            ("timeline", Text),
            ("outputs", Text),
            ("sustainability", Text),
            ("birth_year", Int),
            ("gender", Text),
            ("ethnicity", Text),
            ("position", Text),
            ("party_member", Int),
            ("example", Text),
        ],
    ),
    (
        "attachments",
        &[
            ("id", Int),
            ("entry_id", Int),
            ("file_name", Text),
            ("content_type", Text),
            ("size", Int),
            ("sha256", Text),
            ("uploaded_by", Int),
            ("created_at", Int),
        ],
    ),
    (
        "attachment_blobs",
        &[("attachment_id", Int), ("content", Bytes)],
    ),
    (
        "audit_log",
        &[
            ("id", Int),
            ("at", Int),
            ("actor_id", Int),
            ("action", Text),
            ("record_type", Text),
            ("record_id", Int),
            ("from_state", Text),
            ("to_state", Text),
            ("changes", Text),
            ("prev_hash", Text),
            ("hash", Text),
        ],
    ),
];

/// Tables whose single-row state the target's migrations create and the
/// copy overwrites.
const SINGLETONS: &[(&str, &str, &[&str])] = &[
    ("meta", "key", &["value"]),
    ("audit_head", "id", &["last_id", "hash"]),
];

/// Tables with identity columns to move past the copied ids (PostgreSQL).
const IDENTITIES: &[&str] = &[
    "fields",
    "units",
    "users",
    "role_grants",
    "login_failures",
    "api_tokens",
    "entries",
    "attachments",
];

enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

fn read(row: &AnyRow, cols: &[(&str, Col)]) -> Result<Vec<Value>, sqlx::Error> {
    cols.iter()
        .map(|(name, kind)| {
            Ok(match kind {
                Int => Value::Int(row.try_get(*name)?),
                Text => Value::Text(row.try_get(*name)?),
                Bytes => Value::Bytes(row.try_get(*name)?),
            })
        })
        .collect()
}

#[derive(Debug, Default)]
pub struct CopyReport {
    pub tables: Vec<(String, u64)>,
}

const BATCH: i64 = 500;

/// Copies every table of `from` into `to`, which must be empty (its
/// migrations are applied first). Entries that name the model they
/// replicate are linked after all entries exist.
pub async fn copy_database(from: &Db, to: &Db) -> Result<CopyReport, StoreError> {
    from.migrate().await?;
    to.migrate().await?;
    for t in ["levels", "units", "users", "entries", "audit_log"] {
        let n: i64 = q(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(&to.pool)
            .await?
            .try_get(0)?;
        if n > 0 {
            return Err(StoreError::Config(format!(
                "Cơ sở dữ liệu đích đã có dữ liệu (bảng {t} có {n} dòng); chỉ sao chép vào cơ sở dữ liệu trống."
            )));
        }
    }
    let mut report = CopyReport::default();
    for (table, cols) in TABLES {
        let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
        let key = names[0];
        let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
        let insert = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        );
        let mut offset = 0i64;
        let mut copied = 0u64;
        loop {
            // Paged by the first column; composite-key tables are small.
            let select = format!(
                "SELECT {} FROM {table} ORDER BY {key}, {} LIMIT {BATCH} OFFSET {offset}",
                names.join(", "),
                names[1]
            );
            let rows = q(&select).fetch_all(&from.pool).await?;
            if rows.is_empty() {
                break;
            }
            let mut tx = to.pool.begin().await?;
            for row in &rows {
                let mut query = q(&insert);
                // replicates_id is left out of `entries` here and linked below.
                for v in read(row, cols)? {
                    query = match v {
                        Value::Int(i) => query.bind(i),
                        Value::Text(t) => query.bind(t),
                        Value::Bytes(b) => query.bind(b),
                    };
                }
                query.execute(&mut *tx).await?;
                copied += 1;
            }
            tx.commit().await?;
            offset += BATCH;
        }
        report.tables.push((table.to_string(), copied));
    }
    // Replication links between entries.
    let links = q("SELECT id, replicates_id FROM entries WHERE replicates_id IS NOT NULL")
        .fetch_all(&from.pool)
        .await?;
    for r in &links {
        q("UPDATE entries SET replicates_id = $1 WHERE id = $2")
            .bind(r.try_get::<i64, _>("replicates_id")?)
            .bind(r.try_get::<i64, _>("id")?)
            .execute(&to.pool)
            .await?;
    }
    for (table, key, cols) in SINGLETONS {
        let sql = format!("SELECT {key}, {} FROM {table}", cols.join(", "));
        for row in q(&sql).fetch_all(&from.pool).await? {
            for col in cols.iter() {
                let update = format!("UPDATE {table} SET {col} = $1 WHERE {key} = $2");
                let query = q(&update);
                let query = if *col == "hash" {
                    query.bind(row.try_get::<String, _>(*col)?)
                } else {
                    query.bind(row.try_get::<i64, _>(*col)?)
                };
                let query = if *key == "id" {
                    query.bind(row.try_get::<i64, _>(*key)?)
                } else {
                    query.bind(row.try_get::<String, _>(*key)?)
                };
                query.execute(&to.pool).await?;
            }
        }
    }
    if to.backend == Backend::Postgres {
        for t in IDENTITIES {
            q(&format!("SELECT setval(pg_get_serial_sequence('{t}', 'id'), GREATEST((SELECT MAX(id) FROM {t}), 1))"))
                .fetch_one(&to.pool)
                .await?;
        }
    }
    to.reindex_entries().await?;
    Ok(report)
}

impl Db {
    /// Rebuilds the search index of every entry from its stored texts.
    pub async fn reindex_entries(&self) -> Result<u64, StoreError> {
        let mut after = 0i64;
        let mut n = 0;
        loop {
            let rows = q("SELECT e.id FROM entries e WHERE e.id > $1 ORDER BY e.id LIMIT 200")
                .bind(after)
                .fetch_all(&self.pool)
                .await?;
            if rows.is_empty() {
                break;
            }
            let mut tx = self.pool.begin().await?;
            for r in &rows {
                let id: i64 = r.try_get(0)?;
                after = id;
                if let Some(e) = self.entry(id).await? {
                    crate::entries::index_entry(&mut tx, self.backend, id, &e.registration).await?;
                    n += 1;
                }
            }
            tx.commit().await?;
        }
        Ok(n)
    }
}
