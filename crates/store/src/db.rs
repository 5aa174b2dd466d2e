//! Connection pool, migrations and the query helpers every repository uses.
//!
//! One SQL text serves both backends through sqlx's `Any` driver; values
//! crossing it are integers, floats, text and bytes only (times are epoch
//! seconds). Dialect differences live in `dialect.rs`.

use crate::error::StoreError;
use sqlx::any::{AnyArguments, AnyPoolOptions};
use sqlx::query::{Query, QueryScalar};
use sqlx::{Any, AnyPool, Executor};
use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    /// The primary: every write, and reads that must see the caller's own
    /// writes (sessions, the entry page after a change).
    pub pool: AnyPool,
    /// Where read-only page queries go: a replica when configured
    /// (`DVK_DATABASE_READ_URL`), otherwise the primary.
    pub read: AnyPool,
    pub backend: Backend,
}

tokio::task_local! {
    /// Statements issued by the current request; the web layer scopes it per
    /// request so tests and logs can see N+1 patterns.
    pub static QUERY_COUNT: Cell<u32>;
}

fn count_query() {
    let _ = QUERY_COUNT.try_with(|c| c.set(c.get() + 1));
}

/// Every statement goes through here so it is counted.
pub fn q(sql: &str) -> Query<'_, Any, AnyArguments<'_>> {
    count_query();
    sqlx::query(sql)
}

pub fn q_scalar<'a, T>(sql: &'a str) -> QueryScalar<'a, Any, T, AnyArguments<'a>>
where
    (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
{
    count_query();
    sqlx::query_scalar(sql)
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
    /// The search index is rebuilt from the entries after it.
    reindex: bool,
}

const SQLITE_MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/sqlite/0001_foundation.sql"),
        reindex: false,
    },
    Migration {
        version: 2,
        name: "appraisal",
        sql: include_str!("../migrations/sqlite/0002_appraisal.sql"),
        reindex: false,
    },
    Migration {
        version: 3,
        name: "rewards",
        sql: include_str!("../migrations/sqlite/0003_rewards.sql"),
        reindex: false,
    },
    Migration {
        version: 4,
        name: "review",
        sql: include_str!("../migrations/sqlite/0004_review.sql"),
        reindex: false,
    },
    Migration {
        version: 5,
        name: "notifications",
        sql: include_str!("../migrations/sqlite/0005_notifications.sql"),
        reindex: false,
    },
    Migration {
        version: 6,
        name: "carry",
        sql: include_str!("../migrations/sqlite/0006_carry.sql"),
        reindex: false,
    },
    Migration {
        version: 7,
        name: "email",
        sql: include_str!("../migrations/sqlite/0007_email.sql"),
        reindex: false,
    },
    Migration {
        version: 8,
        name: "api_tokens",
        sql: include_str!("../migrations/sqlite/0008_api_tokens.sql"),
        reindex: false,
    },
    Migration {
        version: 9,
        name: "lawful_appraisal",
        sql: include_str!("../migrations/sqlite/0009_lawful_appraisal.sql"),
        reindex: false,
    },
    Migration {
        version: 10,
        name: "public_search",
        sql: include_str!("../migrations/sqlite/0010_public_search.sql"),
        reindex: true,
    },
    Migration {
        version: 11,
        name: "issuers",
        sql: include_str!("../migrations/sqlite/0011_issuers.sql"),
        reindex: false,
    },
];

const POSTGRES_MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/postgres/0001_foundation.sql"),
        reindex: false,
    },
    Migration {
        version: 2,
        name: "appraisal",
        sql: include_str!("../migrations/postgres/0002_appraisal.sql"),
        reindex: false,
    },
    Migration {
        version: 3,
        name: "rewards",
        sql: include_str!("../migrations/postgres/0003_rewards.sql"),
        reindex: false,
    },
    Migration {
        version: 4,
        name: "review",
        sql: include_str!("../migrations/postgres/0004_review.sql"),
        reindex: false,
    },
    Migration {
        version: 5,
        name: "notifications",
        sql: include_str!("../migrations/postgres/0005_notifications.sql"),
        reindex: false,
    },
    Migration {
        version: 6,
        name: "carry",
        sql: include_str!("../migrations/postgres/0006_carry.sql"),
        reindex: false,
    },
    Migration {
        version: 7,
        name: "email",
        sql: include_str!("../migrations/postgres/0007_email.sql"),
        reindex: false,
    },
    Migration {
        version: 8,
        name: "api_tokens",
        sql: include_str!("../migrations/postgres/0008_api_tokens.sql"),
        reindex: false,
    },
    Migration {
        version: 9,
        name: "lawful_appraisal",
        sql: include_str!("../migrations/postgres/0009_lawful_appraisal.sql"),
        reindex: false,
    },
    Migration {
        version: 10,
        name: "public_search",
        sql: include_str!("../migrations/postgres/0010_public_search.sql"),
        reindex: true,
    },
    Migration {
        version: 11,
        name: "issuers",
        sql: include_str!("../migrations/postgres/0011_issuers.sql"),
        reindex: false,
    },
];

/// Which backend a URL names.
pub fn backend_of(url: &str) -> Result<Backend, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::Config(format!(
            "Địa chỉ cơ sở dữ liệu không hợp lệ: {url} (cần sqlite://… hoặc postgres://…)"
        )))
    }
}

impl Db {
    /// Connects to `sqlite://…` or `postgres://…`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, StoreError> {
        Db::connect_with_replica(url, None, max_connections).await
    }

    /// Connects to a primary and, optionally, a read replica of it.
    pub async fn connect_with_replica(
        url: &str,
        read_url: Option<&str>,
        max_connections: u32,
    ) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let pool = Self::pool(url, backend, max_connections).await?;
        let read = match read_url {
            Some(r) if r != url => {
                if backend_of(r)? != backend {
                    return Err(StoreError::Config(
                        "Bản sao chỉ đọc phải cùng loại cơ sở dữ liệu với bản chính.".into(),
                    ));
                }
                Self::pool(r, backend, max_connections).await?
            }
            _ => pool.clone(),
        };
        Ok(Db {
            pool,
            read,
            backend,
        })
    }

    async fn pool(
        url: &str,
        backend: Backend,
        max_connections: u32,
    ) -> Result<AnyPool, StoreError> {
        Ok(AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(std::time::Duration::from_secs(15))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 15000; \
                             PRAGMA cache_size = -32000; PRAGMA mmap_size = 268435456; PRAGMA temp_store = MEMORY;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?)
    }

    /// Applies embedded migrations not yet applied, each in a transaction.
    pub async fn migrate(&self) -> Result<u32, StoreError> {
        self.pool
            .execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, \
                 name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )
            .await?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
            .fetch_all(&self.pool)
            .await?;
        let mut count = 0;
        let mut reindex = false;
        let migrations = match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        for m in migrations {
            if applied.contains(&m.version) {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            tx.execute(m.sql).await?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            count += 1;
            reindex |= m.reindex;
        }
        if reindex {
            self.reindex_entries().await?;
        }
        if self.backend == Backend::Sqlite {
            // Keeps the planner's statistics fresh; cheap when nothing changed.
            self.pool.execute("PRAGMA optimize").await?;
        }
        Ok(count)
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.read.close().await;
    }
}
