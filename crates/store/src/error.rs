use dvk_domain::auth::Denied;
use dvk_domain::entry::FieldError;

/// Storage-layer errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Lỗi cơ sở dữ liệu: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Config(String),
    #[error("Dữ liệu tham chiếu lỗi: {0}")]
    Data(String),
}

impl StoreError {
    /// The database could not be reached or could not store right now (it
    /// is down, the pool is exhausted, the disk is full, a lock timed out):
    /// nothing of the failed statement was kept, and a later retry may work.
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Db(e) = self else {
            return false;
        };
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
            sqlx::Error::Database(d) => d.code().is_some_and(|code| {
                match code.parse::<i32>() {
                    // SQLite primary codes (the low byte of extended ones):
                    // BUSY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB.
                    Ok(n) => matches!(n & 0xff, 5 | 10 | 11 | 13 | 14 | 26),
                    // PostgreSQL: connection exceptions, insufficient
                    // resources (disk full), operator intervention.
                    Err(_) => {
                        code.starts_with("08") || code.starts_with("53") || code.starts_with("57P")
                    }
                }
            }),
            _ => false,
        }
    }
}

/// Service-layer errors: what a use case can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("Không tìm thấy {0}.")]
    NotFound(&'static str),
    #[error("{0}")]
    Denied(#[from] Denied),
    #[error("Dữ liệu chưa hợp lệ.")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooMany(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        ServiceError::Store(StoreError::Db(e))
    }
}

impl ServiceError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ServiceError::Invalid(vec![FieldError::new(field, message)])
    }
}
