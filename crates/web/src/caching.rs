//! Public pages that anyone may cache for a minute: each answer carries an
//! `ETag` (a hash of its body) and a short public `Cache-Control`, and a
//! request that names the current `ETag` gets `304 Not Modified` without
//! the body. Only for pages that are the same for every visitor, and only
//! for visitors without cookies.

use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Marks an answer that may be shared through caches: the request context
/// then gives it no cookie.
#[derive(Clone, Copy)]
pub struct Shared;

/// Seconds a browser or proxy may reuse a public page without asking.
pub const PUBLIC_MAX_AGE: u32 = 60;

/// Public pages are small (a dozen models a page); one larger than this
/// is an error of ours, answered as such.
const MAX_HASHED: usize = 4 * 1024 * 1024;

pub async fn public_cache(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let get = req.method() == Method::GET || req.method() == Method::HEAD;
    let asked = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // A visitor with cookies (signed in, or holding a sign-in form's
    // token) gets the page as it is, never from or into a shared cache.
    if !get || req.headers().contains_key(header::COOKIE) {
        return next.run(req).await;
    }
    let res = next.run(req).await;
    if res.status() != StatusCode::OK {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    // These pages hold no form: the sign-in token a first visit would be
    // given is not needed, and a cached answer must carry nobody's cookie.
    parts.headers.remove(header::SET_COOKIE);
    parts.extensions.insert(Shared);
    let bytes = match to_bytes(body, MAX_HASHED).await {
        Ok(b) => b,
        Err(_) => {
            return crate::error::error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Lỗi máy chủ",
                "Trang quá lớn để gửi. Vui lòng thử lại sau.",
            )
        }
    };
    let digest = Sha256::digest(&bytes);
    // Weak: the same page sent compressed or not carries one tag.
    let tag = format!("W/\"{}\"", hex::encode(&digest[..12]));
    let cache = format!("public, max-age={PUBLIC_MAX_AGE}");
    let bare = tag.trim_start_matches("W/");
    let matches = asked.is_some_and(|a| {
        a.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == bare || t == "*")
    });
    if let (Ok(etag), Ok(cache)) = (HeaderValue::from_str(&tag), HeaderValue::from_str(&cache)) {
        parts.headers.insert(header::ETAG, etag);
        parts.headers.insert(header::CACHE_CONTROL, cache);
    }
    if matches {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        not_modified.extensions_mut().insert(Shared);
        for name in [header::ETAG, header::CACHE_CONTROL] {
            if let Some(v) = parts.headers.get(&name) {
                not_modified.headers_mut().insert(name, v.clone());
            }
        }
        return not_modified;
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}
