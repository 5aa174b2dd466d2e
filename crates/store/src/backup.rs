//! Backups and restores. A backup is one SQLite file, whatever the live
//! backend: on SQLite `VACUUM INTO` (a consistent online copy), on
//! PostgreSQL a copy read in one repeatable-read snapshot. Each backup
//! carries a manifest — rows per table and the audit chain's length and
//! head — that a restore must reproduce before the restored database is
//! usable.

use crate::copy::{copy_database, copy_into, finish_copy};
use crate::db::{q, Backend, Db};
use crate::error::StoreError;
use sqlx::Row;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a backup holds, as recorded in it when it was taken.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub taken_at: i64,
    pub source_backend: String,
    pub schema_version: i64,
    pub counts: BTreeMap<String, i64>,
    pub audit_length: i64,
    pub audit_head: String,
}

#[derive(Debug)]
pub struct BackupReport {
    pub file: PathBuf,
    pub bytes: u64,
    pub manifest: Manifest,
    /// The chain check of the copy; a damaged chain is backed up as it
    /// is, but said.
    pub audit_fault: Option<String>,
}

#[derive(Debug)]
pub struct RestoreReport {
    pub manifest: Manifest,
    pub audit_checked: u64,
}

/// A `sqlite://` URL for `file`; the characters a URL gives meaning to
/// are escaped, so the file is exactly the one named.
fn sqlite_url(file: &Path, create: bool) -> String {
    let path = file
        .display()
        .to_string()
        .replace('%', "%25")
        .replace('?', "%3F")
        .replace('#', "%23");
    format!("sqlite://{path}?mode={}", if create { "rwc" } else { "rw" })
}

fn partial_of(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

impl Db {
    /// Writes a consistent copy of this database to `file` (which must not
    /// exist) while it keeps serving. The file appears only when complete.
    pub async fn backup_to(&self, file: &Path) -> Result<BackupReport, StoreError> {
        if file.exists() {
            return Err(StoreError::Config(format!(
                "Tệp {} đã có; chọn tên khác để không ghi đè bản sao lưu cũ.",
                file.display()
            )));
        }
        let partial = partial_of(file);
        let _ = std::fs::remove_file(&partial);
        let result = self.backup_into(&partial).await;
        let report = match result {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        std::fs::rename(&partial, file).map_err(|e| {
            StoreError::Config(format!("Không đổi tên được {}: {e}", partial.display()))
        })?;
        Ok(BackupReport {
            file: file.to_owned(),
            bytes: std::fs::metadata(file).map(|m| m.len()).unwrap_or(0),
            ..report
        })
    }

    async fn backup_into(&self, partial: &Path) -> Result<BackupReport, StoreError> {
        match self.backend {
            Backend::Sqlite => {
                let path = partial.display().to_string().replace('\'', "''");
                q(&format!("VACUUM INTO '{path}'"))
                    .execute(&self.pool)
                    .await?;
            }
            Backend::Postgres => {
                let copy = Db::connect(&sqlite_url(partial, true), 2).await?;
                let result = copy_database(self, &copy).await;
                copy.close().await;
                result?;
            }
        }
        // One connection: leaving WAL mode needs the file to itself.
        let copy = Db::connect(&sqlite_url(partial, false), 1).await?;
        let result = async {
            let tables = copy.tables().await?;
            let counts = copy.table_counts(&tables).await?;
            let (audit_length, audit_head) = copy.audit_anchor().await?;
            let check = copy.verify_audit().await?;
            let manifest = Manifest {
                taken_at: crate::db::now(),
                source_backend: match self.backend {
                    Backend::Sqlite => "sqlite".into(),
                    Backend::Postgres => "postgres".into(),
                },
                schema_version: crate::migrate::latest_version(),
                counts,
                audit_length,
                audit_head,
            };
            copy.write_manifest(&manifest).await?;
            // Leave one self-contained file (no WAL beside it).
            q("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&copy.pool)
                .await?;
            q("PRAGMA journal_mode = DELETE")
                .execute(&copy.pool)
                .await?;
            Ok::<_, StoreError>(BackupReport {
                file: partial.to_owned(),
                bytes: 0,
                manifest,
                audit_fault: check.fault.map(|f| f.describe()),
            })
        }
        .await;
        copy.close().await;
        result
    }

    /// The audit chain's length and head hash.
    pub async fn audit_anchor(&self) -> Result<(i64, String), StoreError> {
        let row = q("SELECT last_id, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    async fn write_manifest(&self, m: &Manifest) -> Result<(), StoreError> {
        q("CREATE TABLE backup_manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            .execute(&self.pool)
            .await?;
        let counts = serde_json::to_string(&m.counts).expect("counts serialise");
        let rows = [
            ("taken_at", m.taken_at.to_string()),
            ("source_backend", m.source_backend.clone()),
            ("schema_version", m.schema_version.to_string()),
            ("counts", counts),
            ("audit_length", m.audit_length.to_string()),
            ("audit_head", m.audit_head.clone()),
        ];
        for (k, v) in rows {
            q("INSERT INTO backup_manifest (key, value) VALUES ($1, $2)")
                .bind(k)
                .bind(v)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Restores the backup in `file` into this database, which must hold no
    /// data. The result is usable only once every table has the rows the
    /// manifest lists and the audit chain verifies to the recorded head;
    /// otherwise it stays marked incomplete and `serve` refuses it.
    pub async fn restore_from(&self, file: &Path) -> Result<RestoreReport, StoreError> {
        if !file.is_file() {
            return Err(StoreError::Config(format!(
                "Không thấy tệp sao lưu {}.",
                file.display()
            )));
        }
        // Work on a copy: the backup itself is never written (it may sit on
        // read-only media), and an older backup is brought up to date here.
        let scratch = tempfile_dir()?;
        let working = scratch.join("khoi-phuc.db");
        std::fs::copy(file, &working).map_err(|e| {
            StoreError::Config(format!(
                "Không đọc được tệp sao lưu {}: {e}",
                file.display()
            ))
        })?;
        let backup = Db::connect(&sqlite_url(&working, false), 2).await?;
        let result = async {
            let manifest = read_manifest(&backup).await?;
            backup.migrate().await?;
            copy_into(&backup, self).await?;
            Ok::<_, StoreError>(manifest)
        }
        .await;
        backup.close().await;
        let _ = std::fs::remove_dir_all(&scratch);
        let manifest = result?;
        let tables = self.tables().await?;
        let mut counts = self.table_counts(&tables).await?;
        // The mark of the unfinished restore is not the backup's.
        if let Some(meta) = counts.get_mut("meta") {
            *meta -= 1;
        }
        for (table, expected) in &manifest.counts {
            if let Some(found) = counts.get(table) {
                if found != expected {
                    return Err(StoreError::Config(format!(
                        "Khôi phục không khớp: bảng {table} có {found} dòng, bản sao lưu ghi {expected}."
                    )));
                }
            }
        }
        let check = self.verify_audit().await?;
        if let Some(f) = check.fault {
            return Err(StoreError::Config(format!(
                "Nhật ký sau khôi phục không toàn vẹn: {}",
                f.describe()
            )));
        }
        let (length, head) = self.audit_anchor().await?;
        if length != manifest.audit_length || head != manifest.audit_head {
            return Err(StoreError::Config(format!(
                "Nhật ký sau khôi phục ({length} bản ghi) không khớp mốc trong bản sao lưu ({} bản ghi).",
                manifest.audit_length
            )));
        }
        // Nobody is signed in on a restored deployment, and no request or
        // lease of the old one carries over.
        for table in ["sessions", "idempotency_keys", "leases"] {
            q(&format!("DELETE FROM {table}"))
                .execute(&self.pool)
                .await?;
        }
        finish_copy(self).await?;
        Ok(RestoreReport {
            manifest,
            audit_checked: check.checked,
        })
    }
}

async fn read_manifest(backup: &Db) -> Result<Manifest, StoreError> {
    let not_a_backup = || {
        StoreError::Config(
            "Tệp này không phải bản sao lưu của DVK (thiếu phần mô tả bản sao lưu).".into(),
        )
    };
    let rows = q("SELECT key, value FROM backup_manifest")
        .fetch_all(&backup.pool)
        .await
        .map_err(|_| not_a_backup())?;
    let mut map = BTreeMap::new();
    for r in &rows {
        map.insert(r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?);
    }
    let get = |k: &str| map.get(k).cloned().ok_or_else(not_a_backup);
    let int = |k: &str| get(k)?.parse::<i64>().map_err(|_| not_a_backup());
    Ok(Manifest {
        taken_at: int("taken_at")?,
        source_backend: get("source_backend")?,
        schema_version: int("schema_version")?,
        counts: serde_json::from_str(&get("counts")?).map_err(|_| not_a_backup())?,
        audit_length: int("audit_length")?,
        audit_head: get("audit_head")?,
    })
}

/// A fresh private directory for scratch files.
fn tempfile_dir() -> Result<PathBuf, StoreError> {
    let dir = std::env::temp_dir().join(format!("dvk-{}", &crate::accounts::random_token()[..16]));
    std::fs::create_dir_all(&dir).map_err(|e| {
        StoreError::Config(format!("Không tạo được thư mục tạm {}: {e}", dir.display()))
    })?;
    Ok(dir)
}

/// The name of a scheduled backup taken at `at` (Unix seconds, UTC):
/// names sort in time order.
pub fn scheduled_name(at: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let stamp = t
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    format!("dvk-{stamp}.db")
}

/// Deletes all but the newest `keep` scheduled backups in `dir`; returns
/// the files removed.
pub fn prune_backups(dir: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("dvk-") && n.ends_with(".db"))
        })
        .collect();
    files.sort();
    let excess = files.len().saturating_sub(keep);
    let removed: Vec<PathBuf> = files.into_iter().take(excess).collect();
    for f in &removed {
        std::fs::remove_file(f)?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_names_sort_in_time_order() {
        assert_eq!(scheduled_name(0), "dvk-19700101-000000.db");
        assert_eq!(scheduled_name(1_796_371_200), "dvk-20261204-080000.db");
        assert!(scheduled_name(1_000) < scheduled_name(100_000));
    }

    #[test]
    fn pruning_keeps_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        for at in [10, 20, 30, 40] {
            std::fs::write(dir.path().join(scheduled_name(at * 86_400)), b"x").unwrap();
        }
        std::fs::write(dir.path().join("khac.db"), b"x").unwrap();
        let removed = prune_backups(dir.path(), 2).unwrap();
        assert_eq!(removed.len(), 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            vec![
                scheduled_name(30 * 86_400),
                scheduled_name(40 * 86_400),
                "khac.db".to_string()
            ]
        );
    }
}
