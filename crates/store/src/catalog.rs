//! What tables a database holds, read from the database itself: their
//! columns and the order foreign keys require. Copies, backups and
//! restores work from this, so a table added by a later migration is
//! carried without anyone remembering to list it.

use crate::db::{q, Backend, Db};
use crate::error::StoreError;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// How a column's values are read and bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    Int,
    Real,
    Text,
    Bytes,
}

impl ColumnKind {
    fn of_declared(declared: &str) -> ColumnKind {
        let t = declared.to_ascii_lowercase();
        if t.contains("int") {
            ColumnKind::Int
        } else if t.contains("real") || t.contains("double") || t.contains("float") {
            ColumnKind::Real
        } else if t.contains("blob") || t.contains("bytea") {
            ColumnKind::Bytes
        } else {
            ColumnKind::Text
        }
    }
}

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
    /// References a row of its own table (a parent unit, the model an
    /// entry replicates): copied in a second pass.
    pub self_reference: bool,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
}

impl Table {
    /// Whether rows are keyed by a numeric `id` (which may have a sequence).
    pub fn has_integer_id(&self) -> bool {
        self.columns
            .iter()
            .any(|c| c.name == "id" && c.kind == ColumnKind::Int)
    }
}

/// Tables that are derived from others and rebuilt rather than copied,
/// and the migrator's own bookkeeping.
fn skipped(name: &str) -> bool {
    name.starts_with("sqlite_")
        || name.starts_with("_sqlx")
        || name.starts_with("entries_fts")
        || name.starts_with("entries_title_fts")
        // Kept by triggers as the entries are copied.
        || name == "entry_counts"
}

impl Db {
    /// Every data table with its columns, parents before children.
    pub async fn tables(&self) -> Result<Vec<Table>, StoreError> {
        let names: Vec<String> = match self.backend {
            Backend::Sqlite => {
                q("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'")
                    .fetch_all(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                q("SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
                .fetch_all(&self.pool)
                .await?
            }
        }
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
        let names: Vec<String> = names.into_iter().filter(|n| !skipped(n)).collect();

        let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut tables = BTreeMap::new();
        for name in &names {
            let refs = self.foreign_keys(name).await?;
            let columns: Vec<Column> = self
                .columns(name)
                .await?
                .into_iter()
                .map(|(col, declared)| Column {
                    self_reference: refs.iter().any(|(c, t)| *c == col && t == name),
                    kind: ColumnKind::of_declared(&declared),
                    name: col,
                })
                .collect();
            parents.insert(
                name.clone(),
                refs.into_iter()
                    .map(|(_, t)| t)
                    .filter(|t| t != name)
                    .collect(),
            );
            tables.insert(
                name.clone(),
                Table {
                    name: name.clone(),
                    columns,
                },
            );
        }
        // Parents first; a cycle between tables would be a schema mistake.
        let mut ordered = Vec::new();
        let mut placed = BTreeSet::new();
        while placed.len() < tables.len() {
            let ready: Vec<String> = tables
                .keys()
                .filter(|t| !placed.contains(*t))
                .filter(|t| {
                    parents[*t]
                        .iter()
                        .all(|p| placed.contains(p) || !tables.contains_key(p))
                })
                .cloned()
                .collect();
            if ready.is_empty() {
                return Err(StoreError::Config(
                    "Các bảng tham chiếu vòng tròn; không sắp được thứ tự sao chép.".into(),
                ));
            }
            for t in ready {
                placed.insert(t.clone());
                ordered.push(tables[&t].clone());
            }
        }
        Ok(ordered)
    }

    /// Column names and declared types, generated columns and search
    /// vectors left out (the copy rebuilds the search index).
    async fn columns(&self, table: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = match self.backend {
            Backend::Sqlite => {
                q("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                    .bind(table)
                    .fetch_all(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                q("SELECT column_name::text, data_type::text FROM information_schema.columns \
                   WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' \
                   AND data_type <> 'tsvector' \
                   ORDER BY ordinal_position")
                .bind(table)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// (column, referenced table) of each foreign key.
    async fn foreign_keys(&self, table: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = match self.backend {
            Backend::Sqlite => {
                q("SELECT \"from\", \"table\" FROM pragma_foreign_key_list($1)")
                    .bind(table)
                    .fetch_all(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                q(
                    "SELECT a.attname::text, r.relname::text FROM pg_constraint c \
                   JOIN pg_class t ON t.oid = c.conrelid \
                   JOIN pg_class r ON r.oid = c.confrelid \
                   JOIN pg_namespace n ON n.oid = t.relnamespace \
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
                   WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname = $1",
                )
                .bind(table)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Rows in each table, by name.
    pub async fn table_counts(
        &self,
        tables: &[Table],
    ) -> Result<BTreeMap<String, i64>, StoreError> {
        let mut counts = BTreeMap::new();
        for t in tables {
            let n: i64 = q(&format!("SELECT COUNT(*) FROM {}", t.name))
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
            counts.insert(t.name.clone(), n);
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_map_to_kinds() {
        assert_eq!(ColumnKind::of_declared("INTEGER"), ColumnKind::Int);
        assert_eq!(ColumnKind::of_declared("bigint"), ColumnKind::Int);
        assert_eq!(
            ColumnKind::of_declared("double precision"),
            ColumnKind::Real
        );
        assert_eq!(ColumnKind::of_declared("REAL"), ColumnKind::Real);
        assert_eq!(ColumnKind::of_declared("bytea"), ColumnKind::Bytes);
        assert_eq!(ColumnKind::of_declared("BLOB"), ColumnKind::Bytes);
        assert_eq!(ColumnKind::of_declared("TEXT"), ColumnKind::Text);
        assert_eq!(
            ColumnKind::of_declared("character varying"),
            ColumnKind::Text
        );
    }
}
