//! Connection pool, migrations and the query helpers every repository uses.
//!
//! One SQL text serves both backends through sqlx's `Any` driver; values
//! crossing it are integers, floats, text and bytes only (times are epoch
//! seconds). Dialect differences live in `dialect.rs`.

use crate::error::StoreError;
use sqlx::any::{AnyArguments, AnyPoolOptions};
use sqlx::query::{Query, QueryScalar};
use sqlx::{Any, AnyPool, Connection, Executor};
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
    /// The SQLite database file, if the database is one.
    pub(crate) sqlite_file: Option<std::path::PathBuf>,
    /// Readers' inherited subtrees, per units version (shared by clones).
    pub(crate) inherited: std::sync::Arc<crate::inherited::InheritedRoots>,
}

/// How long a PostgreSQL connection may sit idle before it is pinged on
/// its next use.
const PING_WHEN_IDLE: std::time::Duration = std::time::Duration::from_secs(1);

tokio::task_local! {
    /// Statements issued by the current request; the web layer scopes it per
    /// request so tests and logs can see N+1 patterns.
    pub static QUERY_COUNT: Cell<u32>;
}

fn count_query() {
    let _ = QUERY_COUNT.try_with(|c| c.set(c.get() + 1));
}

/// Every statement goes through here so it is counted. DVK builds SQL
/// only from its own text and identifiers (values are always bound), so
/// each statement is asserted safe here, in one place.
pub fn q<'a>(sql: &str) -> Query<'a, Any, AnyArguments> {
    count_query();
    tracing::trace!(target: "dvk_sql", "{sql}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
}

pub fn q_scalar<'a, T>(sql: &str) -> QueryScalar<'a, Any, T, AnyArguments>
where
    (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
{
    count_query();
    tracing::trace!(target: "dvk_sql", "{sql}");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// One direct connection before the pool, so a start-up failure says what
/// is wrong within 2 s — the server refusing, the file not a database, a
/// directory that cannot be written — instead of a pool timing out.
async fn preflight(url: &str, backend: Backend) -> Result<(), StoreError> {
    use sqlx::Connection;
    let check = async {
        let mut conn = sqlx::AnyConnection::connect(url).await?;
        if backend == Backend::Sqlite {
            // Reads the header and the schema: a corrupt file fails here.
            let pages: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM sqlite_master) * 0 + page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            )
            .fetch_one(&mut conn)
            .await?;
            // A file shorter than its header says was cut (a copy that did
            // not finish, a full disk): with no log holding the rest, refuse.
            if let Some(file) = sqlite_file(url) {
                let wal = {
                    let mut p = file.as_os_str().to_owned();
                    p.push("-wal");
                    std::fs::metadata(std::path::PathBuf::from(p))
                        .map(|m| m.len())
                        .unwrap_or(0)
                };
                let len = std::fs::metadata(&file)
                    .map(|m| m.len() as i64)
                    .unwrap_or(pages);
                if wal == 0 && len < pages {
                    return Err(sqlx::Error::Protocol(format!(
                        "database disk image is malformed: the file has {len} of its {pages} bytes (truncated)"
                    )));
                }
            }
        }
        conn.close().await?;
        Ok::<_, sqlx::Error>(())
    };
    let shown = redact(url);
    match tokio::time::timeout(ACQUIRE_TIMEOUT, check).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(StoreError::Config(format!(
            "Không mở được cơ sở dữ liệu {shown}: {e} / cannot open the database"
        ))),
        Err(_) => Err(StoreError::Config(format!(
            "Cơ sở dữ liệu {shown} không trả lời trong {} giây / the database does not answer",
            ACQUIRE_TIMEOUT.as_secs()
        ))),
    }
}

/// A URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The file of a `sqlite://PATH?…` URL (none for in-memory databases).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path.starts_with(':') {
        None
    } else {
        Some(std::path::PathBuf::from(path))
    }
}

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
        preflight(url, backend).await?;
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
            sqlite_file: sqlite_file(url),
            inherited: Default::default(),
        })
    }

    async fn pool(
        url: &str,
        backend: Backend,
        max_connections: u32,
    ) -> Result<AnyPool, StoreError> {
        Ok(AnyPoolOptions::new()
            .max_connections(max_connections)
            // Fail fast: a request waits at most this long for a connection
            // (the database down, or every connection busy), then gets 503.
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // The default pings every connection before each use: a round
            // trip per statement. A SQLite connection is a file handle with
            // no peer that could go away, so it is never pinged; a
            // PostgreSQL one is pinged when it has sat idle (a server
            // restart or a dropped network path is found there), not while
            // it is in steady use.
            .test_before_acquire(false)
            .before_acquire(move |conn, meta| {
                Box::pin(async move {
                    if backend == Backend::Postgres && meta.idle_for > PING_WHEN_IDLE {
                        return Ok(conn.ping().await.is_ok());
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 15000; \
                             PRAGMA cache_size = -8000; PRAGMA mmap_size = 0; PRAGMA temp_store = MEMORY; \
                             PRAGMA journal_size_limit = 67108864;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            // A connection that failed mid-transaction (disk full, I/O error)
            // may still hold SQLite's transaction open though the pool thinks
            // it ended: anything done on it later would never commit. Such a
            // connection is closed (its transaction rolled back), never reused.
            .after_release(move |conn, _meta| {
                Box::pin(async move {
                    if backend != Backend::Sqlite {
                        return Ok(true);
                    }
                    // One round trip to the connection's thread (every
                    // statement of a page is followed by this check): BEGIN
                    // fails inside a transaction, before ROLLBACK runs.
                    if conn.execute("BEGIN; ROLLBACK").await.is_err() {
                        tracing::warn!("closing a database connection left inside a transaction");
                        return Ok(false);
                    }
                    Ok(true)
                })
            })
            .connect(url)
            .await?)
    }

    /// On SQLite, moves the write-ahead log into the database and empties
    /// it (waiting briefly for readers); nothing on PostgreSQL. Failures
    /// are logged: a later checkpoint catches up.
    pub async fn checkpoint(&self) {
        if self.backend == Backend::Sqlite {
            if let Err(e) = self.pool.execute("PRAGMA wal_checkpoint(TRUNCATE)").await {
                tracing::warn!("WAL checkpoint: {e}");
            }
        }
    }

    /// Whether the database serves reads and stores writes now, within
    /// `limit`: on SQLite a real (tiny) committed write, so a full disk or a
    /// stuck write lock shows; on PostgreSQL a round trip.
    /// Refreshes the planner's statistics after a bulk load, so plans
    /// match the data's size (PostgreSQL also sets the visibility map
    /// index-only scans need).
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        let sql = match self.backend {
            Backend::Sqlite => "ANALYZE",
            Backend::Postgres => "VACUUM ANALYZE",
        };
        sqlx::Executor::execute(&self.pool, sql).await?;
        Ok(())
    }

    pub async fn ready(&self, limit: std::time::Duration) -> Result<(), StoreError> {
        let probe = async {
            match self.backend {
                Backend::Sqlite => {
                    q("INSERT INTO meta (key, value) VALUES ('ready_probe', $1) \
                       ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                    .bind(now())
                    .execute(&self.pool)
                    .await?;
                }
                Backend::Postgres => {
                    self.pool.execute("SELECT 1").await?;
                }
            }
            Ok::<_, StoreError>(())
        };
        match tokio::time::timeout(limit, probe).await {
            Ok(r) => r,
            Err(_) => Err(StoreError::Db(sqlx::Error::PoolTimedOut)),
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.read.close().await;
    }
}
