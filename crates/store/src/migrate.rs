//! Schema migrations with sqlx's migrator: the SQL of each backend is
//! embedded, every applied migration is checksummed (an edited migration
//! is refused), a database migrated by a newer DVK is refused, and several
//! processes starting together migrate once — PostgreSQL holds sqlx's
//! advisory lock, SQLite a lock file beside the database.
//!
//! Databases made before the migrator kept a `schema_migrations` table;
//! its rows become the migrator's on first start.

use crate::db::{q, Backend, Db};
use crate::error::StoreError;
use sqlx::migrate::{Migrate, MigrateError, Migration, MigrationType, Migrator};
use sqlx::Row;
use sqlx::SqlSafeStr;
use std::borrow::Cow;

/// One schema step: its SQL per backend, and whether the search index is
/// rebuilt after it.
struct Step {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
    reindex: bool,
}

macro_rules! step {
    ($version:expr, $file:literal, $name:literal, $reindex:expr) => {
        Step {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $file)),
            postgres: include_str!(concat!("../migrations/postgres/", $file)),
            reindex: $reindex,
        }
    };
}

const STEPS: &[Step] = &[
    step!(1, "0001_foundation.sql", "foundation", false),
    step!(2, "0002_appraisal.sql", "appraisal", false),
    step!(3, "0003_rewards.sql", "rewards", false),
    step!(4, "0004_review.sql", "review", false),
    step!(5, "0005_notifications.sql", "notifications", false),
    step!(6, "0006_carry.sql", "carry", false),
    step!(7, "0007_email.sql", "email", false),
    step!(8, "0008_api_tokens.sql", "api_tokens", false),
    step!(9, "0009_lawful_appraisal.sql", "lawful_appraisal", false),
    step!(10, "0010_public_search.sql", "public_search", true),
    step!(11, "0011_issuers.sql", "issuers", false),
    step!(12, "0012_decision_numbers.sql", "decision_numbers", false),
    step!(13, "0013_idempotency.sql", "idempotency", false),
    step!(14, "0014_leases.sql", "leases", false),
    step!(15, "0015_accounts.sql", "accounts", false),
    step!(16, "0016_server_secrets.sql", "server_secrets", false),
    step!(17, "0017_entry_views.sql", "entry_views", false),
    step!(18, "0018_council_removal.sql", "council_removal", false),
    step!(19, "0019_issued_documents.sql", "issued_documents", false),
    step!(
        20,
        "0020_document_templates.sql",
        "document_templates",
        false
    ),
    step!(21, "0021_imports.sql", "imports", false),
    step!(22, "0022_ranked_search.sql", "ranked_search", true),
    step!(23, "0023_entry_counts.sql", "entry_counts", false),
    step!(24, "0024_similar_models.sql", "similar_models", false),
    step!(25, "0025_summary_counts.sql", "summary_counts", false),
    step!(
        26,
        "0026_proposals_by_entry.sql",
        "proposals_by_entry",
        false
    ),
    step!(27, "0027_portal.sql", "portal", false),
];

/// The newest schema this binary knows.
pub fn latest_version() -> i64 {
    STEPS.last().map(|s| s.version).unwrap_or(0)
}

/// The migrator's own table.
const TABLE: &str = "_sqlx_migrations";

fn migrator(backend: Backend) -> Migrator {
    let migrations: Vec<Migration> = STEPS
        .iter()
        .map(|s| {
            let sql = match backend {
                Backend::Sqlite => s.sqlite,
                Backend::Postgres => s.postgres,
            };
            Migration::new(
                s.version,
                Cow::Borrowed(s.name),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

fn explain(e: MigrateError) -> StoreError {
    match e {
        MigrateError::VersionMissing(v) => StoreError::Config(format!(
            "Cơ sở dữ liệu đã được cập nhật bởi một phiên bản DVK mới hơn (lược đồ số {v}, phiên bản này biết đến số {}): hãy chạy bản DVK mới hơn. \
             / The database was migrated by a newer DVK (schema {v}); this binary knows up to {}.",
            latest_version(),
            latest_version()
        )),
        MigrateError::VersionMismatch(v) => StoreError::Config(format!(
            "Lược đồ số {v} trong cơ sở dữ liệu khác với bản đi kèm chương trình (mã kiểm tra không khớp). \
             / Migration {v} was changed after it was applied."
        )),
        MigrateError::Dirty(v) => StoreError::Config(format!(
            "Lần cập nhật lược đồ số {v} trước đây bị dở dang; cần khôi phục từ bản sao lưu. \
             / Migration {v} is partially applied."
        )),
        MigrateError::Execute(e) => StoreError::Db(e),
        other => StoreError::Config(format!("Không cập nhật được lược đồ: {other}")),
    }
}

impl Db {
    /// The newest migration applied to this database (0 for none).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let exists = match self.backend {
            Backend::Sqlite => q("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"),
            Backend::Postgres => q("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"),
        }
        .fetch_one(&self.pool)
        .await?
        .try_get::<i64, _>(0)?;
        if exists == 0 {
            return Ok(0);
        }
        Ok(
            q("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
        )
    }

    /// Applies the migrations not yet applied; returns how many.
    pub async fn migrate(&self) -> Result<u32, StoreError> {
        self.migrate_then(false).await
    }

    /// Migrates and seeds the reference data, holding the migration lock
    /// throughout, so processes starting together on a new database do both
    /// once.
    pub async fn migrate_and_seed(&self) -> Result<u32, StoreError> {
        self.migrate_then(true).await
    }

    async fn migrate_then(&self, seed: bool) -> Result<u32, StoreError> {
        // SQLite has no advisory lock: a lock file beside the database
        // keeps two starting processes from migrating at once.
        let _file_lock = match &self.sqlite_file {
            Some(path) => Some(lock_file(path).await?),
            None => None,
        };
        let migrator = migrator(self.backend);
        let mut conn = self.pool.acquire().await?;
        conn.lock().await.map_err(explain)?;
        let result = async {
            conn.ensure_migrations_table(TABLE).await.map_err(explain)?;
            adopt_legacy_table(&mut conn, &migrator).await?;
            let before: Vec<i64> = conn
                .list_applied_migrations(TABLE)
                .await
                .map_err(explain)?
                .into_iter()
                .map(|m| m.version)
                .collect();
            migrator
                .run_direct(None, &mut *conn, false)
                .await
                .map_err(explain)?;
            if seed && self.copy_incomplete().await? {
                return Err(StoreError::Config(
                    "Cơ sở dữ liệu này là bản sao chép/khôi phục chưa hoàn tất: không dùng được. \
                     Hãy xoá nó và chạy lại dvk db copy hoặc dvk db restore. \
                     / This database is an unfinished copy or restore."
                        .into(),
                ));
            }
            if seed {
                self.seed_reference().await?;
            }
            Ok::<_, StoreError>(before)
        }
        .await;
        conn.unlock().await.map_err(explain)?;
        drop(conn);
        let before = result?;
        let new: Vec<&Step> = STEPS
            .iter()
            .filter(|s| !before.contains(&s.version))
            .collect();
        if new.iter().any(|s| s.reindex) && !before.is_empty() {
            self.reindex_entries().await?;
        }
        if self.backend == Backend::Sqlite {
            // Keeps the planner's statistics fresh; cheap when nothing changed.
            sqlx::Executor::execute(&self.pool, "PRAGMA optimize").await?;
        }
        Ok(new.len() as u32)
    }
}

/// Databases migrated by the hand-written runner of earlier versions kept
/// `schema_migrations (version, name, applied_at)`: their rows become the
/// migrator's, with today's checksums, and the old table goes.
async fn adopt_legacy_table(
    conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    migrator: &Migrator,
) -> Result<(), StoreError> {
    let legacy: Vec<i64> = match q("SELECT version FROM schema_migrations")
        .fetch_all(&mut **conn)
        .await
    {
        Ok(rows) => rows
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<Result<_, _>>()?,
        // No such table: a new database, or already adopted.
        Err(_) => return Ok(()),
    };
    let mut tx = sqlx::Connection::begin(&mut **conn).await?;
    for v in legacy {
        let Some(m) = migrator.iter().find(|m| m.version == v) else {
            return Err(explain(MigrateError::VersionMissing(v)));
        };
        q("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
           SELECT $1, $2, $3, $4, 0 WHERE NOT EXISTS (SELECT 1 FROM _sqlx_migrations WHERE version = $5)")
            .bind(v)
            .bind(m.description.to_string())
            .bind(true)
            .bind(m.checksum.to_vec())
            .bind(v)
            .execute(&mut *tx)
            .await?;
    }
    q("DROP TABLE schema_migrations").execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Holds an exclusive lock on `<database>.migrate.lock` until dropped.
async fn lock_file(db_file: &std::path::Path) -> Result<std::fs::File, StoreError> {
    let path = {
        let mut p = db_file.as_os_str().to_owned();
        p.push(".migrate.lock");
        std::path::PathBuf::from(p)
    };
    tokio::task::spawn_blocking(move || {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::Config(format!("{}: {e}", path.display())))?;
        f.lock()
            .map_err(|e| StoreError::Config(format!("{}: {e}", path.display())))?;
        Ok(f)
    })
    .await
    .map_err(|e| StoreError::Config(e.to_string()))?
}
