//! Safe retries: a POST that carries an idempotency key — the
//! `Idempotency-Key` header in the API, the `idempotency_key` field that
//! creation forms carry — runs once. Sent again with the same content it
//! gets the first answer (`Idempotent-Replayed: true`); sent while the
//! first is still running, or after the first failed where it may have
//! committed, it is refused with 409 rather than run twice.
//!
//! Requests that carry or return secrets (sign-in, passwords, accounts,
//! API tokens) and file uploads are never kept: their answers must not sit
//! in the database, and a multipart body differs on every send.

use crate::api::ApiFailure;
use crate::error::error_response;
use crate::AppState;
use axum::body::{to_bytes, Body};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dvk_store::idempotency::{Claim, KeptAnswer};
use sha2::{Digest, Sha256};
use std::future::Future;

pub const HEADER: &str = "idempotency-key";
pub const FIELD: &str = "idempotency_key";

/// API answers kept up to this size; larger ones are not replayable.
const KEEP_LIMIT: usize = 1 << 20;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Page,
    Api,
}

/// One request's claim on a key.
pub struct Keyed {
    pub scope: String,
    pub key: String,
    pub path: String,
    pub fingerprint: String,
}

impl Keyed {
    pub fn new(scope: String, key: String, path: &str, method: &str, body: &[u8]) -> Keyed {
        let mut h = Sha256::new();
        h.update(method.as_bytes());
        h.update(b" ");
        h.update(path.as_bytes());
        h.update(b"\n");
        h.update(body);
        Keyed {
            scope,
            key,
            path: path.to_owned(),
            fingerprint: hex::encode(h.finalize()),
        }
    }
}

/// Who the key belongs to: the signed-in person, or an anonymous visitor
/// at an address.
pub fn scope_of(user_id: Option<i64>, client: std::net::IpAddr) -> String {
    match user_id {
        Some(id) => format!("u{id}"),
        None => format!("anon:{client}"),
    }
}

/// Whether keys are honoured on `path`: not where secrets travel.
pub fn honoured(path: &str) -> bool {
    const SECRET: &[&str] = &[
        "/login",
        "/account/password",
        "/admin/users",
        "/tokens",
        "/api/v1/users",
        "/api/v1/tokens",
        "/api/v1/me/password",
    ];
    // Imported accounts' one-time passwords are in the confirm's answer.
    const SECRET_UNDER: &[&str] = &["/admin/users/import", "/api/v1/users/import"];
    !SECRET.contains(&path.trim_end_matches('/'))
        && !path.ends_with("/password-reset")
        && !SECRET_UNDER.iter().any(|p| path.starts_with(p))
}

/// A well-formed key: 8–128 letters, digits and `-_.:`.
pub fn valid_key(k: &str) -> bool {
    (8..=128).contains(&k.len())
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// The API header, if sent: Err when present but malformed.
pub fn key_in_headers(headers: &HeaderMap) -> Option<Result<String, ()>> {
    let v = headers.get(HEADER)?;
    Some(match v.to_str() {
        Ok(s) if valid_key(s.trim()) => Ok(s.trim().to_owned()),
        _ => Err(()),
    })
}

/// The creation form's field, if present and well formed.
/// Form buttons that show something and change nothing.
const LOOK_ONLY: &[&str] = &["check_similar"];

pub fn key_in_form(body: &[u8]) -> Option<String> {
    // A button that only looks (the similar-models check) saves nothing:
    // it must not use up the key the form's real submit will bring.
    if form_urlencoded::parse(body).any(|(k, v)| LOOK_ONLY.contains(&k.as_ref()) && !v.is_empty()) {
        return None;
    }
    form_urlencoded::parse(body)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
        .filter(|k| valid_key(k))
}

pub fn malformed_key() -> Response {
    ApiFailure::new(
        StatusCode::BAD_REQUEST,
        "invalid_idempotency_key",
        "Tiêu đề Idempotency-Key phải gồm 8–128 ký tự chữ, số hoặc -_.:",
    )
    .into_response()
}

fn refusal(surface: Surface, status: StatusCode, code: &str, message: &str) -> Response {
    match surface {
        Surface::Api => ApiFailure::new(status, code, message).into_response(),
        Surface::Page => error_response(status, "Không thực hiện lại yêu cầu", message),
    }
}

/// Settles a claim whose request never finished (dropped by the time
/// limit, a closed connection, a shutdown): the key is freed, since
/// nothing the request did was acknowledged.
struct Unsettled {
    state: Option<AppState>,
    scope: String,
    key: String,
    path: String,
}

impl Unsettled {
    fn settled(mut self) {
        self.state = None;
    }
}

impl Drop for Unsettled {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            let (scope, key, path) = (
                std::mem::take(&mut self.scope),
                std::mem::take(&mut self.key),
                std::mem::take(&mut self.path),
            );
            tokio::spawn(async move {
                if let Err(e) = state.db.release_claim(&scope, &key, &path).await {
                    tracing::warn!("freeing an abandoned idempotency claim: {e}");
                }
            });
        }
    }
}

/// Runs `run` once for `keyed`.
pub async fn once<F>(state: &AppState, surface: Surface, keyed: Keyed, run: F) -> Response
where
    F: Future<Output = Response>,
{
    let (scope, key, path) = (&keyed.scope, &keyed.key, &keyed.path);
    // A claim older than any request can run was abandoned.
    let stale_after = state.config.request_timeout_secs.max(60) as i64 + 30;
    let claim = match state
        .db
        .claim_request(scope, key, path, &keyed.fingerprint, stale_after)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            return match surface {
                Surface::Api => ApiFailure::from(dvk_store::ServiceError::Store(e)).into_response(),
                Surface::Page => crate::error::AppError::from(e).into_response(),
            }
        }
    };
    match claim {
        Claim::Fresh => {}
        Claim::Answered(kept) => return replay(kept),
        Claim::Done => {
            return refusal(
                surface,
                StatusCode::CONFLICT,
                "already_done",
                "Yêu cầu này đã được thực hiện (cùng khoá chống gửi trùng). Hãy xem danh sách để thấy kết quả.",
            )
        }
        Claim::Running => {
            return refusal(
                surface,
                StatusCode::CONFLICT,
                "request_in_progress",
                "Yêu cầu này đang được xử lý (cùng khoá chống gửi trùng). Hãy đợi vài giây rồi tải lại trang.",
            )
        }
        Claim::Unknown => {
            return refusal(
                surface,
                StatusCode::CONFLICT,
                "outcome_unknown",
                "Lần gửi trước của yêu cầu này gặp lỗi khi đang xử lý nên có thể đã được ghi. \
                 Hãy kiểm tra danh sách trước khi tạo lại (tải lại biểu mẫu để gửi như một yêu cầu mới).",
            )
        }
        Claim::Mismatch => {
            return refusal(
                surface,
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Khoá chống gửi trùng này đã dùng cho một yêu cầu khác. Hãy tải lại biểu mẫu rồi gửi lại.",
            )
        }
    }
    let guard = Unsettled {
        state: Some(state.clone()),
        scope: scope.clone(),
        key: key.clone(),
        path: path.clone(),
    };
    let res = run.await;
    guard.settled();
    let status = res.status();
    // Pages answer a success with a redirect; the API with 2xx and JSON.
    let succeeded = match surface {
        Surface::Page => status.is_redirection(),
        Surface::Api => status.is_success(),
    };
    if succeeded {
        let (parts, body) = res.into_parts();
        // Handlers answer from memory; the limit only guards the copy.
        let bytes = to_bytes(body, 64 * KEEP_LIMIT).await.ok();
        let header_text = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let keepable = match surface {
            Surface::Api => bytes.as_ref().is_some_and(|b| b.len() <= KEEP_LIMIT),
            Surface::Page => true,
        };
        let kept = KeptAnswer {
            // 0: done, but the answer is not kept (replays are told so).
            status: if keepable { status.as_u16() } else { 0 },
            content_type: header_text(header::CONTENT_TYPE),
            location: header_text(header::LOCATION),
            body: match (surface, keepable, &bytes) {
                (Surface::Api, true, Some(b)) => b.to_vec(),
                _ => Vec::new(),
            },
        };
        if let Err(e) = state.db.keep_answer(scope, key, path, &kept).await {
            tracing::warn!("keeping an idempotent answer: {e}");
        }
        return match bytes {
            Some(b) => Response::from_parts(parts, Body::from(b)),
            None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
    }
    let outcome = if status.is_server_error() {
        state.db.mark_outcome_unknown(scope, key, path).await
    } else {
        state.db.release_claim(scope, key, path).await
    };
    if let Err(e) = outcome {
        tracing::warn!("settling an idempotency claim: {e}");
    }
    res
}

fn replay(kept: KeptAnswer) -> Response {
    let mut res = Response::new(Body::from(kept.body));
    *res.status_mut() = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
    let h = res.headers_mut();
    if let Some(v) = kept
        .content_type
        .and_then(|v| HeaderValue::from_str(&v).ok())
    {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Some(v) = kept.location.and_then(|v| HeaderValue::from_str(&v).ok()) {
        h.insert(header::LOCATION, v);
    }
    h.insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked() {
        assert!(valid_key("3f1c2a9e-7b1d-4c55-9a0e-1d2f3a4b5c6d"));
        assert!(valid_key("abcdefgh"));
        assert!(!valid_key("short"));
        assert!(!valid_key("có dấu tiếng việt"));
        assert!(!valid_key(&"x".repeat(129)));
    }

    #[test]
    fn fingerprints_follow_content() {
        assert!(honoured("/entries"));
        assert!(honoured("/api/v1/entries"));
        assert!(!honoured("/api/v1/tokens"));
        assert!(!honoured("/admin/users"));
        assert!(!honoured("/api/v1/users/7/password-reset"));
        let a = Keyed::new("u1".into(), "k".repeat(8), "/api/v1/units", "POST", b"{}");
        let b = Keyed::new("u1".into(), "k".repeat(8), "/api/v1/units", "POST", b"{}");
        let c = Keyed::new("u1".into(), "k".repeat(8), "/api/v1/units", "POST", b"{ }");
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_ne!(a.fingerprint, c.fingerprint);
    }
}
