//! Form extraction with Vietnamese errors (axum's own rejections are English).

use crate::error::AppError;
use axum::body::to_bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// An urlencoded form; values that are not valid UTF-8 arrive as U+FFFD and
/// are refused by the domain parsers.
pub struct VnForm<T>(pub T);

/// The body of an urlencoded form, within the size every form may take.
async fn form_body(req: Request) -> Result<axum::body::Bytes, AppError> {
    to_bytes(req.into_body(), crate::ctx::FORM_LIMIT)
        .await
        .map_err(|_| {
            AppError::Page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Dữ liệu quá lớn",
                "Biểu mẫu gửi lên vượt quá 2 MB.".into(),
            )
        })
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_urlencoded::from_bytes(bytes).map_err(|_| {
        AppError::Page(
            StatusCode::BAD_REQUEST,
            "Dữ liệu chưa hợp lệ",
            "Biểu mẫu gửi lên không đúng định dạng.".into(),
        )
    })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for VnForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        parse(&form_body(req).await?).map(VnForm)
    }
}

/// A form read as `T` and kept as sent, so a refusal can show it again
/// as typed.
pub struct Sent<T>(pub T, pub crate::typed::Typed);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Sent<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = form_body(req).await?;
        let pairs: Vec<(String, String)> = parse(&bytes)?;
        Ok(Sent(
            parse(&bytes)?,
            crate::typed::Typed::from_pairs(&pairs),
        ))
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

/// Reads a multipart upload: its text fields and its one file (the field
/// `file`), refusing a file larger than `max` bytes before it is held whole.
pub async fn read_upload(
    mut multipart: axum::extract::Multipart,
    max: usize,
) -> Result<(Vec<(String, String)>, Option<(String, Vec<u8>)>), (StatusCode, String)> {
    let unreadable = (
        StatusCode::BAD_REQUEST,
        "Không đọc được tệp gửi lên.".to_owned(),
    );
    let too_big = (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("Tệp lớn hơn {} MB. Không có gì được lưu.", max >> 20),
    );
    let mut fields = Vec::new();
    let mut file = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big),
            Err(_) => return Err(unreadable),
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_owned();
            // Read in chunks and stop past the limit: a larger file is
            // never held whole, whatever the route's body limit.
            let mut field = field;
            let mut bytes = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if bytes.len() + chunk.len() > max {
                            return Err(too_big);
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big),
                    Err(_) => return Err(unreadable),
                }
            }
            file = Some((file_name, bytes));
        } else {
            let text = field.text().await.map_err(|_| unreadable.clone())?;
            fields.push((name, text));
        }
    }
    Ok((fields, file.filter(|(_, b)| !b.is_empty())))
}
