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
