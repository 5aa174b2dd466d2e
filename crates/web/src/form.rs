//! Form extraction with Vietnamese errors (axum's own rejections are English).

use crate::error::AppError;
use axum::body::to_bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// An urlencoded form; values that are not valid UTF-8 arrive as U+FFFD and
/// are refused by the domain parsers.
pub struct VnForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for VnForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = to_bytes(req.into_body(), crate::ctx::FORM_LIMIT)
            .await
            .map_err(|_| {
                AppError::Page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Dữ liệu quá lớn",
                    "Biểu mẫu gửi lên vượt quá 2 MB.".into(),
                )
            })?;
        serde_urlencoded::from_bytes(&bytes)
            .map(VnForm)
            .map_err(|_| {
                AppError::Page(
                    StatusCode::BAD_REQUEST,
                    "Dữ liệu chưa hợp lệ",
                    "Biểu mẫu gửi lên không đúng định dạng.".into(),
                )
            })
    }
}

/// Parses an id from a path or form value with a clear message.
pub fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| {
            AppError::Page(
                StatusCode::NOT_FOUND,
                "Không tìm thấy",
                format!("Mã “{}” không hợp lệ.", crate::views::truncate(raw, 40)),
            )
        })
}
