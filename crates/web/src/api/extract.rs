//! Request extraction for the API with JSON errors that name the field at
//! fault (axum's own rejections are English plain text).

use super::ApiFailure;
use crate::ctx::Ctx;
use axum::body::to_bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use dvk_domain::auth::Actor;
use dvk_store::accounts::SessionInfo;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// Largest JSON body accepted (ten items of 10,000 characters fit).
pub const JSON_LIMIT: usize = 2 * 1024 * 1024;

/// A signed-in person (session or API token).
pub struct ApiUser {
    pub info: SessionInfo,
    pub actor: Actor,
    /// Present when the request came with the browser session.
    pub csrf: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = ApiFailure;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await.map_err(|_| {
            ApiFailure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Lỗi hệ thống.",
            )
        })?;
        match ctx.session {
            // A one-time password is changed before anything else.
            Some(info)
                if info.must_change_password && parts.uri.path() != "/api/v1/me/password" =>
            {
                Err(ApiFailure::new(
                    StatusCode::FORBIDDEN,
                    "password_change_required",
                    "Tài khoản đang dùng mật khẩu dùng một lần: hãy đổi mật khẩu (POST /api/v1/me/password) trước.",
                ))
            }
            Some(info) => Ok(ApiUser {
                actor: info.actor(),
                csrf: (!info.csrf.is_empty()).then(|| info.csrf.clone()),
                info,
            }),
            None => Err(ApiFailure::not_signed_in()),
        }
    }
}

fn path_of(e: &serde_path_to_error::Error<impl std::fmt::Display>) -> String {
    let p = e.path().to_string();
    if p == "." {
        String::new()
    } else {
        p
    }
}

/// Serde's names of expected types, in Vietnamese.
fn vietnamese_types(s: &str) -> String {
    let s = s.split(" at line ").next().unwrap_or(s);
    let mut out = s.to_owned();
    for (en, vi) in [
        ("i32", "số nguyên"),
        ("i64", "số nguyên"),
        ("u32", "số nguyên"),
        ("f64", "số"),
        ("a boolean", "true/false"),
        ("a string", "chuỗi"),
        ("a sequence", "danh sách"),
        ("a map", "đối tượng"),
        ("struct ", "đối tượng "),
        ("integer", "số nguyên"),
        ("floating point", "số thực"),
        ("boolean", "true/false"),
        ("string", "chuỗi"),
        ("sequence", "danh sách"),
        ("map", "đối tượng"),
        ("null", "null"),
    ] {
        out = out.replace(en, vi);
    }
    out
}

/// Turns serde's English into a Vietnamese message naming the field.
fn explain(field: &str, inner: &str) -> String {
    let inner = &vietnamese_types(inner);
    let what = if inner.starts_with("missing field") {
        let name = inner.split('`').nth(1).unwrap_or("").to_owned();
        return if field.is_empty() {
            format!("Thiếu trường «{name}».")
        } else {
            format!("Thiếu trường «{field}.{name}».")
        };
    } else if inner.starts_with("unknown field") {
        "trường không có trong mô tả API".to_owned()
    } else if inner.starts_with("invalid type") || inner.starts_with("invalid value") {
        format!(
            "sai kiểu dữ liệu ({})",
            inner
                .replace("invalid type: ", "nhận ")
                .replace("invalid value: ", "nhận ")
                .replace(", expected", ", cần")
        )
    } else if inner.starts_with("unknown variant") {
        format!(
            "giá trị không hợp lệ ({})",
            inner
                .replace("unknown variant", "không có")
                .replace("expected", "cần")
        )
    } else {
        format!("không đọc được ({inner})")
    };
    if field.is_empty() {
        format!("Nội dung gửi lên {what}.")
    } else {
        format!("Trường «{field}»: {what}.")
    }
}

fn missing_field(inner: &str) -> Option<String> {
    inner
        .starts_with("missing field")
        .then(|| inner.split('`').nth(1).unwrap_or("").to_owned())
}

/// A JSON body (`Content-Type: application/json`).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiFailure;
    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim();
                v.eq_ignore_ascii_case("application/json")
                    || (v.starts_with("application/") && v.ends_with("+json"))
            });
        if !json {
            return Err(ApiFailure::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Nội dung phải là JSON (Content-Type: application/json).",
            ));
        }
        let bytes = to_bytes(req.into_body(), JSON_LIMIT).await.map_err(|_| {
            ApiFailure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Nội dung gửi lên vượt quá 2 MB. Không có gì bị thay đổi.",
            )
        })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(de) {
            Ok(v) => Ok(ApiJson(v)),
            Err(e) => {
                let inner = e.inner().to_string();
                let syntax = e.inner().is_syntax() || e.inner().is_eof();
                let mut field = path_of(&e);
                if let Some(name) = missing_field(&inner) {
                    field = if field.is_empty() {
                        name
                    } else {
                        format!("{field}.{name}")
                    };
                }
                let message = if syntax {
                    "Nội dung gửi lên không phải JSON hợp lệ.".to_owned()
                } else {
                    explain(&path_of(&e), &inner)
                };
                Err(if field.is_empty() {
                    ApiFailure::new(StatusCode::BAD_REQUEST, "invalid_body", message)
                } else {
                    ApiFailure::field(StatusCode::BAD_REQUEST, "invalid_body", &field, message)
                })
            }
        }
    }
}

/// Query parameters, typed.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiFailure;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        // Empty values mean "no filter", as on the pages.
        let pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let inner = e.inner().to_string();
                let field = missing_field(&inner).unwrap_or_else(|| path_of(&e));
                let message = explain(&path_of(&e), &inner);
                if field.is_empty() {
                    ApiFailure::new(StatusCode::BAD_REQUEST, "invalid_parameter", message)
                } else {
                    ApiFailure::field(
                        StatusCode::BAD_REQUEST,
                        "invalid_parameter",
                        &field,
                        message,
                    )
                }
            })
    }
}

/// Path parameters: ids are positive whole numbers.
pub struct ApiPath<T>(pub T);

pub trait FromPathParams: Sized {
    fn from_params(p: &HashMap<String, String>) -> Result<Self, ApiFailure>;
}

fn id_param(p: &HashMap<String, String>, name: &str) -> Result<i64, ApiFailure> {
    let raw = p.get(name).map(String::as_str).unwrap_or("");
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| {
        ApiFailure::field(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            name,
            format!("Tham số «{name}» phải là số nguyên dương."),
        )
    })
}

impl FromPathParams for i64 {
    fn from_params(p: &HashMap<String, String>) -> Result<Self, ApiFailure> {
        let name = p.keys().next().map(String::as_str).unwrap_or("id");
        id_param(p, name)
    }
}

/// `{id}` and one more positive number (`{entry}`, `{year}`), in that order.
impl FromPathParams for (i64, i64) {
    fn from_params(p: &HashMap<String, String>) -> Result<Self, ApiFailure> {
        let second = p
            .keys()
            .find(|k| k.as_str() != "id")
            .map(String::as_str)
            .unwrap_or("entry");
        Ok((id_param(p, "id")?, id_param(p, second)?))
    }
}

/// One slug: a document's `{kind}`, an article's `{slug}`.
impl FromPathParams for String {
    fn from_params(p: &HashMap<String, String>) -> Result<Self, ApiFailure> {
        let name = p.keys().next().map(String::as_str).unwrap_or("kind");
        slug_param(p, name)
    }
}

/// `{id}` and a document's `{kind}`.
impl FromPathParams for (i64, String) {
    fn from_params(p: &HashMap<String, String>) -> Result<Self, ApiFailure> {
        Ok((id_param(p, "id")?, slug_param(p, "kind")?))
    }
}

fn slug_param(p: &HashMap<String, String>, name: &str) -> Result<String, ApiFailure> {
    let raw = p.get(name).map(String::as_str).unwrap_or("");
    // Slugs are made by `dvk_domain::news::slugify`: ASCII letters, digits
    // and hyphens.
    if !raw.is_empty()
        && raw.len() <= 100
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Ok(raw.to_owned())
    } else {
        Err(ApiFailure::field(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            name,
            format!("Tham số «{name}» không hợp lệ."),
        ))
    }
}

impl<T: FromPathParams, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiFailure;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(params) =
            axum::extract::Path::<HashMap<String, String>>::from_request_parts(parts, state)
                .await
                .map_err(|_| {
                    ApiFailure::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_parameter",
                        "Đường dẫn không hợp lệ.",
                    )
                })?;
        T::from_params(&params).map(ApiPath)
    }
}
