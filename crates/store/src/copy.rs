//! `dvk db copy`: moves a whole deployment between databases (SQLite →
//! PostgreSQL when a province outgrows one machine, or back), keeping ids,
//! attachments and the audit chain exactly as they were. Backups and
//! restores are copies too (see `backup.rs`).
//!
//! The source is read in one snapshot (a read transaction on SQLite, a
//! repeatable-read one on PostgreSQL), so writes that run meanwhile are
//! either wholly in the copy or wholly out of it. The target is written in
//! one transaction: a copy that fails leaves it as empty as it was.

use crate::catalog::{Column, ColumnKind, Table};
use crate::db::{q, Backend, Db};
use crate::error::StoreError;
use futures_util::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;

/// A `meta` key present while a copied database is not yet usable (its
/// search index is being rebuilt and its audit chain checked); `serve`
/// refuses such a database.
pub const INCOMPLETE_MARK: &str = "copy_incomplete";

enum Value {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

impl Value {
    fn read(row: &AnyRow, col: &Column) -> Result<Value, sqlx::Error> {
        let name = col.name.as_str();
        Ok(match col.kind {
            ColumnKind::Int => Value::Int(row.try_get(name)?),
            ColumnKind::Real => Value::Real(row.try_get(name)?),
            ColumnKind::Text => Value::Text(row.try_get(name)?),
            ColumnKind::Bytes => Value::Bytes(row.try_get(name)?),
        })
    }

    fn size(&self) -> usize {
        match self {
            Value::Text(Some(t)) => t.len(),
            Value::Bytes(Some(b)) => b.len(),
            _ => 8,
        }
    }
}

#[derive(Debug, Default)]
pub struct CopyReport {
    /// Rows copied per table, in the order they were copied.
    pub tables: Vec<(String, u64)>,
}

impl CopyReport {
    pub fn counts(&self) -> BTreeMap<String, i64> {
        self.tables
            .iter()
            .map(|(t, n)| (t.clone(), *n as i64))
            .collect()
    }
}

/// Rows per INSERT statement, and bytes buffered before one is sent
/// (attachments are large).
const BATCH_ROWS: usize = 200;
const BATCH_BYTES: usize = 8 << 20;

/// Copies every table of `from` into `to`, which must hold no data yet
/// (its migrations are applied first), then rebuilds the search index.
pub async fn copy_database(from: &Db, to: &Db) -> Result<CopyReport, StoreError> {
    let report = copy_into(from, to).await?;
    finish_copy(to).await?;
    Ok(report)
}

/// Marks a copied database usable: its search index is rebuilt and the
/// mark of an unfinished copy removed.
pub async fn finish_copy(to: &Db) -> Result<(), StoreError> {
    to.reindex_entries().await?;
    q("DELETE FROM meta WHERE key = $1")
        .bind(INCOMPLETE_MARK)
        .execute(&to.pool)
        .await?;
    Ok(())
}

/// The copy itself; the target is left marked incomplete until
/// [`finish_copy`].
pub async fn copy_into(from: &Db, to: &Db) -> Result<CopyReport, StoreError> {
    // The source is only read: it must already have this DVK's schema.
    let (found, expected) = (
        from.schema_version().await?,
        crate::migrate::latest_version(),
    );
    if found != expected {
        return Err(StoreError::Config(format!(
            "Cơ sở dữ liệu nguồn có lược đồ phiên bản {found}, bản DVK này dùng phiên bản {expected}: \
             hãy cập nhật nguồn bằng dvk migrate (cùng phiên bản DVK) trước khi sao chép."
        )));
    }
    to.migrate().await?;
    refuse_non_empty(to).await?;
    let tables = to.tables().await?;
    let source_columns: BTreeMap<String, Vec<String>> = from
        .tables()
        .await?
        .into_iter()
        .map(|t| (t.name, t.columns.into_iter().map(|c| c.name).collect()))
        .collect();

    let mut source = from.pool.begin().await?;
    if from.backend == Backend::Postgres {
        q("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *source)
            .await?;
    }
    let mut target = to.pool.begin().await?;
    // Rows the target's migrations put in (its own audit head, meta) give
    // way to the source's.
    for t in tables.iter().rev() {
        q(&format!("DELETE FROM {}", t.name))
            .execute(&mut *target)
            .await?;
    }
    let mut report = CopyReport::default();
    for table in &tables {
        let Some(available) = source_columns.get(&table.name) else {
            report.tables.push((table.name.clone(), 0));
            continue;
        };
        let columns: Vec<&Column> = table
            .columns
            .iter()
            .filter(|c| available.contains(&c.name))
            .collect();
        let n = copy_table(&mut source, &mut target, table, &columns).await?;
        report.tables.push((table.name.clone(), n));
    }
    if to.backend == Backend::Postgres {
        for t in tables.iter().filter(|t| t.has_integer_id()) {
            let name = &t.name;
            q(&format!(
                "SELECT setval(s, GREATEST((SELECT MAX(id) FROM {name}), 1)) \
                 FROM (SELECT pg_get_serial_sequence('{name}', 'id') AS s) x WHERE s IS NOT NULL"
            ))
            .fetch_all(&mut *target)
            .await?;
        }
    }
    q("INSERT INTO meta (key, value) VALUES ($1, 1)")
        .bind(INCOMPLETE_MARK)
        .execute(&mut *target)
        .await?;
    target.commit().await?;
    source.rollback().await?;
    Ok(report)
}

async fn refuse_non_empty(to: &Db) -> Result<(), StoreError> {
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
    Ok(())
}

/// Streams one table across in multi-row inserts; columns that point into
/// the same table are set afterwards, once every row they may name exists.
async fn copy_table(
    source: &mut sqlx::AnyConnection,
    target: &mut sqlx::AnyConnection,
    table: &Table,
    columns: &[&Column],
) -> Result<u64, StoreError> {
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let select = format!("SELECT {} FROM {}", names.join(", "), table.name);
    let mut rows = q(&select).fetch(&mut *source);
    let mut batch: Vec<Vec<Value>> = Vec::new();
    let mut bytes = 0usize;
    let mut links: Vec<(String, i64, i64)> = Vec::new();
    let mut copied = 0u64;
    while let Some(row) = rows.try_next().await? {
        let mut values = Vec::with_capacity(columns.len());
        for col in columns {
            let v = Value::read(&row, col)?;
            if col.self_reference {
                if let Value::Int(Some(target_id)) = v {
                    let id: i64 = row.try_get("id")?;
                    links.push((col.name.clone(), id, target_id));
                }
                values.push(Value::Int(None));
            } else {
                bytes += v.size();
                values.push(v);
            }
        }
        batch.push(values);
        copied += 1;
        if batch.len() >= BATCH_ROWS || bytes >= BATCH_BYTES {
            insert(target, &table.name, &names, std::mem::take(&mut batch)).await?;
            bytes = 0;
        }
    }
    drop(rows);
    if !batch.is_empty() {
        insert(target, &table.name, &names, batch).await?;
    }
    for (col, id, value) in links {
        q(&format!(
            "UPDATE {} SET {col} = $1 WHERE id = $2",
            table.name
        ))
        .bind(value)
        .bind(id)
        .execute(&mut *target)
        .await?;
    }
    Ok(copied)
}

async fn insert(
    target: &mut sqlx::AnyConnection,
    table: &str,
    names: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<(), StoreError> {
    let width = names.len();
    let tuples: Vec<String> = (0..rows.len())
        .map(|r| {
            let marks: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES {}",
        names.join(", "),
        tuples.join(", ")
    );
    let mut query = q(&sql);
    for v in rows.into_iter().flatten() {
        query = match v {
            Value::Int(i) => query.bind(i),
            Value::Real(f) => query.bind(f),
            Value::Text(t) => query.bind(t),
            Value::Bytes(b) => query.bind(b),
        };
    }
    query.execute(&mut *target).await?;
    Ok(())
}

impl Db {
    /// Whether this database is a copy or restore that did not finish.
    pub async fn copy_incomplete(&self) -> Result<bool, StoreError> {
        let n: i64 = q("SELECT COUNT(*) FROM meta WHERE key = $1")
            .bind(INCOMPLETE_MARK)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        Ok(n > 0)
    }

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
                    crate::search::index_entry(&mut tx, self.backend, id, &e.registration).await?;
                    n += 1;
                }
            }
            tx.commit().await?;
        }
        Ok(n)
    }
}
