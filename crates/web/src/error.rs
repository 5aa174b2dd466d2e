//! Web-layer errors: every failure becomes a Vietnamese page with the right
//! status; internal details go to the log, never to the page.

use crate::views::ErrorPage;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use dvk_store::{ServiceError, StoreError};

#[derive(Debug)]
pub enum AppError {
    Service(ServiceError),
    Page(StatusCode, &'static str, String),
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        AppError::Service(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Service(ServiceError::Store(e))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        tracing::error!("template error: {e}");
        AppError::Page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Lỗi hệ thống",
            "Không hiển thị được trang.".into(),
        )
    }
}

pub fn error_response(status: StatusCode, title: &str, message: &str) -> Response {
    let page = ErrorPage {
        title,
        messages: vec![message.to_owned()],
        status: status.as_u16(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message.to_owned()).into_response(),
    }
}

/// Marks a response that failed because storage was unavailable, so
/// readiness can report it.
#[derive(Debug, Clone, Copy)]
pub struct StorageUnavailable;

/// What a person is told of a storage failure. A failure may come after
/// the commit (reading back what was saved), so it never claims that
/// nothing changed.
pub fn store_message(e: &StoreError) -> &'static str {
    if e.is_unavailable() {
        "Hệ thống lưu trữ tạm thời không phản hồi. Vui lòng thử lại sau ít phút; nếu vừa gửi dữ liệu, hãy tải lại trang để xem đã được lưu chưa trước khi gửi lại."
    } else {
        "Đã có lỗi khi lưu hoặc đọc dữ liệu. Hãy tải lại trang để xem thay đổi đã được lưu chưa trước khi thử lại."
    }
}

pub fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::Denied(
            dvk_domain::auth::Denied::NoRole(_) | dvk_domain::auth::Denied::NotSignedIn,
        ) => StatusCode::FORBIDDEN,
        ServiceError::Denied(_) => StatusCode::CONFLICT,
        ServiceError::Invalid(_) => StatusCode::BAD_REQUEST,
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Store(s) if s.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
        ServiceError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::Page(status, title, message) => error_response(status, title, &message),
            AppError::Service(e) => {
                let status = status_of(&e);
                let (title, messages) = match &e {
                    ServiceError::Invalid(errors) => (
                        "Dữ liệu chưa hợp lệ",
                        errors.iter().map(|f| f.message.clone()).collect(),
                    ),
                    ServiceError::Store(inner) => {
                        tracing::error!("storage error: {inner}");
                        ("Lỗi hệ thống", vec![store_message(inner).to_owned()])
                    }
                    ServiceError::NotFound(_) => ("Không tìm thấy", vec![e.to_string()]),
                    ServiceError::Denied(_) => ("Không được phép", vec![e.to_string()]),
                    ServiceError::TooMany(_) => ("Thử lại sau", vec![e.to_string()]),
                    ServiceError::Conflict(_) => ("Không thực hiện được", vec![e.to_string()]),
                };
                let page = ErrorPage {
                    title,
                    messages,
                    status: status.as_u16(),
                };
                let mut res = match page.render() {
                    Ok(html) => (status, Html(html)).into_response(),
                    Err(_) => status.into_response(),
                };
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    res.extensions_mut().insert(StorageUnavailable);
                }
                res
            }
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Refusals a person can act on (shown on the page they came from), with
/// their status; anything else goes back as the error it is.
pub fn user_facing(e: ServiceError) -> Result<(StatusCode, Vec<String>), ServiceError> {
    let status = status_of(&e);
    match e {
        ServiceError::Invalid(list) => Ok((status, list.into_iter().map(|f| f.message).collect())),
        e @ (ServiceError::Conflict(_) | ServiceError::Denied(_) | ServiceError::TooMany(_)) => {
            Ok((status, vec![e.to_string()]))
        }
        other => Err(other),
    }
}

/// Shows a refusal on the page the request came from; someone who may not
/// even see that page gets the plain refusal instead.
pub async fn show_refusal<Fut>(
    e: ServiceError,
    render: impl FnOnce(Vec<String>, StatusCode) -> Fut,
) -> AppResult<Response>
where
    Fut: std::future::Future<Output = AppResult<Response>>,
{
    let (status, errors) = user_facing(e)?;
    match render(errors.clone(), status).await {
        Ok(r) => Ok(r),
        Err(_) => Err(AppError::Page(
            status,
            "Không thực hiện được",
            errors.join(" "),
        )),
    }
}

impl From<crate::exports::ExportError> for AppError {
    fn from(e: crate::exports::ExportError) -> Self {
        match e {
            crate::exports::ExportError::Service(e) => AppError::Service(e),
            crate::exports::ExportError::Busy => AppError::Page(
                crate::exports::BUSY_STATUS,
                "Máy chủ đang bận",
                crate::exports::BUSY.into(),
            ),
            crate::exports::ExportError::Yours => AppError::Page(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "Đang xuất bảng tính",
                crate::exports::YOURS.into(),
            ),
        }
    }
}
