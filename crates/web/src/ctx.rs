//! Per-request context: the session, CSRF protection, security headers and
//! the SQL statement counter, applied to every route by one middleware.

use crate::client::{client_ip, ClientIp};
use crate::error::error_response;
use crate::idempotency::{self, Keyed, Surface};
use crate::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use dvk_domain::auth::Actor;
use dvk_store::accounts::{SessionInfo, SESSION_TTL_SECS};
use dvk_store::db::QUERY_COUNT;
use std::cell::Cell;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "dvk_session";
pub const PRE_COOKIE: &str = "dvk_pre";

/// Cookie names: with HTTPS the `__Host-` prefix, so the browser accepts
/// them only from this very host, sent securely, for the whole site.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-dvk_session"
    } else {
        SESSION_COOKIE
    }
}

pub fn pre_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-dvk_pre"
    } else {
        PRE_COOKIE
    }
}
/// Largest urlencoded form accepted (ten items of 10,000 Vietnamese
/// characters, percent-encoded, fit).
pub const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// What handlers know about the request's person.
#[derive(Clone)]
pub struct Ctx {
    pub session: Option<SessionInfo>,
    /// The token forms must send back.
    pub csrf: String,
    pub session_token: Option<String>,
}

impl Ctx {
    pub fn actor(&self) -> Option<Actor> {
        self.session.as_ref().map(SessionInfo::actor)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Arc<Ctx>>()
            .map(|c| (**c).clone())
            .ok_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

/// A signed-in person; pages that need one redirect to the login page.
pub struct User {
    pub info: SessionInfo,
    pub actor: Actor,
    pub csrf: String,
}

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        match ctx.session {
            // A one-time password is changed before anything else.
            Some(info) if info.must_change_password && parts.uri.path() != "/account/password" => {
                if parts.method == Method::GET {
                    Err(Redirect::to("/account/password").into_response())
                } else {
                    Err(error_response(
                        StatusCode::FORBIDDEN,
                        "Cần đổi mật khẩu",
                        "Anh/chị đang dùng mật khẩu dùng một lần: hãy đổi mật khẩu trước.",
                    ))
                }
            }
            Some(info) => Ok(User {
                actor: info.actor(),
                info,
                csrf: ctx.csrf,
            }),
            None => {
                if parts.method == Method::GET {
                    let next = parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str())
                        .unwrap_or("/");
                    let target = format!("/login?next={}", crate::views::url_encode(next));
                    Err(Redirect::to(&target).into_response())
                } else {
                    Err(error_response(
                        StatusCode::UNAUTHORIZED,
                        "Cần đăng nhập",
                        "Phiên làm việc đã hết hạn. Hãy đăng nhập lại.",
                    ))
                }
            }
        }
    }
}

/// The value of cookie `name`, if it looks like one of ours (hex tokens
/// only: anything else is ignored, never reflected).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let c = cookie::Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .max_age(time::Duration::seconds(max_age))
        .secure(secure)
        .build();
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    set_cookie(session_cookie_name(secure), token, SESSION_TTL_SECS, secure)
}

fn equal_in_constant_time(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `sent` is the session's token, as given out (`expected`) or
/// disguised by `masked`.
fn same_token(sent: &str, expected: &str) -> bool {
    equal_in_constant_time(sent.as_bytes(), expected.as_bytes())
        || unmasked(sent).is_some_and(|t| equal_in_constant_time(&t, expected.as_bytes()))
}

/// The CSRF token as a page carries it: a fresh random pad and the token
/// XOR the pad, in hex. Each page shows different bytes, so a compressed
/// page never repeats the secret beside text an attacker chose (BREACH).
pub fn masked(token: &str) -> String {
    let pad: Vec<u8> = (0..token.len()).map(|_| rand::random::<u8>()).collect();
    let hidden: Vec<u8> = token.bytes().zip(&pad).map(|(t, p)| t ^ p).collect();
    format!("{}{}", hex::encode(pad), hex::encode(hidden))
}

fn unmasked(sent: &str) -> Option<Vec<u8>> {
    let bytes = hex::decode(sent).ok()?;
    if bytes.is_empty() || bytes.len() % 2 != 0 {
        return None;
    }
    let (pad, hidden) = bytes.split_at(bytes.len() / 2);
    Some(hidden.iter().zip(pad).map(|(h, p)| h ^ p).collect())
}

fn token_in_query(uri: &axum::http::Uri) -> Option<String> {
    uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned())
    })
}

/// The client's address as request_context worked it out.
fn client_of(parts: &Parts) -> std::net::IpAddr {
    parts
        .extensions
        .get::<ClientIp>()
        .map(|c| c.0)
        .unwrap_or(crate::client::UNREADABLE)
}

fn too_many_page(wait: u64) -> Response {
    let mut res = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "Quá nhiều yêu cầu",
        &format!("Quá nhiều yêu cầu từ địa chỉ này. Vui lòng thử lại sau {wait} giây."),
    );
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

fn csrf_refused() -> Response {
    error_response(
        StatusCode::FORBIDDEN,
        "Yêu cầu không hợp lệ",
        "Thiếu hoặc sai mã bảo vệ biểu mẫu (CSRF). Không có gì bị thay đổi. Hãy tải lại trang rồi thử lại.",
    )
}

/// The middleware every route runs through.
pub async fn request_context(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
    let ip = client_ip(peer, req.headers(), &state.config.trusted_proxies);
    tracing::Span::current().record("client", tracing::field::display(ip));
    req.extensions_mut().insert(ClientIp(ip));
    QUERY_COUNT
        .scope(Cell::new(0), async move {
            let mut res = handle(state.clone(), req, next).await;
            if res
                .extensions()
                .get::<crate::error::StorageUnavailable>()
                .is_some()
            {
                state.storage_failed();
                state.metrics.storage_unavailable();
            }
            if state.config.expose_query_count {
                let h = res.headers_mut();
                let n = QUERY_COUNT.with(|c| c.get());
                h.insert("x-dvk-queries", HeaderValue::from(n));
            }
            res
        })
        .await
}

async fn handle(state: AppState, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/api/") {
        return handle_api(state, req, next).await;
    }
    let (mut parts, body) = req.into_parts();
    let secure = state.config.secure_cookies;
    let token = cookie(&parts.headers, session_cookie_name(secure));
    let session = match &token {
        Some(t) => match state.db.session(t).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("session lookup failed: {e}");
                return crate::error::AppError::from(e).into_response();
            }
        },
        None => None,
    };
    // A one-time password is changed before any page is shown.
    if let Some(s) = &session {
        let path = parts.uri.path();
        let exempt = path == "/account/password"
            || path == "/logout"
            || path.starts_with("/static/")
            || matches!(path, "/healthz" | "/readyz" | "/metrics");
        if s.must_change_password && !exempt && parts.method == Method::GET {
            return Redirect::to("/account/password").into_response();
        }
    }
    // Only a pre-login token this deployment signed counts.
    let now = dvk_store::db::now();
    let pre =
        cookie(&parts.headers, pre_cookie_name(secure)).filter(|p| state.pre_login.valid(p, now));
    let mut new_pre = None;
    let expected = match (&session, &pre) {
        (Some(s), _) => Some(s.csrf.clone()),
        (None, Some(p)) => Some(p.clone()),
        (None, None) => None,
    };
    let csrf = match &expected {
        Some(t) => t.clone(),
        None => {
            let t = state.pre_login.issue(now);
            new_pre = Some(t.clone());
            t
        }
    };

    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let mut keyed = None;
    let body = if unsafe_method {
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let Some(expected) = expected.clone() else {
            return csrf_refused();
        };
        if content_type.starts_with("application/x-www-form-urlencoded") {
            let bytes = match to_bytes(body, FORM_LIMIT).await {
                Ok(b) => b,
                Err(_) => {
                    return error_response(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "Dữ liệu quá lớn",
                        "Biểu mẫu gửi lên vượt quá 2 MB. Không có gì bị thay đổi.",
                    )
                }
            };
            let provided = form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.into_owned());
            if !provided.is_some_and(|p| same_token(&p, &expected)) {
                return csrf_refused();
            }
            if parts.method == Method::POST && idempotency::honoured(parts.uri.path()) {
                let client = client_of(&parts);
                keyed = idempotency::key_in_form(&bytes).map(|k| {
                    Keyed::new(
                        idempotency::scope_of(session.as_ref().map(|s| s.user_id), client),
                        k,
                        parts.uri.path(),
                        "POST",
                        &bytes,
                    )
                });
                // A visitor's keyed request writes a claim: within the
                // public budget, before anything is written.
                if keyed.is_some() && session.is_none() {
                    if let Err(wait) = state.public_limiter.check(client) {
                        return too_many_page(wait);
                    }
                }
            }
            Body::from(bytes)
        } else {
            // Multipart uploads carry the token in the form's action URL.
            if !token_in_query(&parts.uri).is_some_and(|p| same_token(&p, &expected)) {
                return csrf_refused();
            }
            body
        }
    } else {
        body
    };

    parts.extensions.insert(Arc::new(Ctx {
        session,
        csrf: masked(&csrf),
        session_token: token.clone(),
    }));
    let run = next.run(Request::from_parts(parts, body));
    let mut res = match keyed {
        Some(k) => idempotency::once(&state, Surface::Page, k, run).await,
        None => run.await,
    };
    // The pre-session token goes out with pages only, so parallel requests
    // for assets cannot replace the one a form already carries.
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // A page shared through caches carries nobody's token (caching.rs).
    let shared = res.extensions().get::<crate::caching::Shared>().is_some();
    if let (Some(p), true, false) = (new_pre, is_html, shared) {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(pre_cookie_name(secure), &p, 3 * 3600, secure),
        );
    }
    if token.is_some() && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    res
}

fn bearer(headers: &HeaderMap) -> Option<Option<String>> {
    let v = headers.get(header::AUTHORIZATION)?;
    Some(
        v.to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned()),
    )
}

/// API requests: an API token (no CSRF, it is not sent by browsers on
/// their own), or the browser session whose state-changing requests must
/// carry its CSRF token in `X-CSRF-Token`; anonymous requests reach only
/// what is public. Errors are JSON.
async fn handle_api(state: AppState, req: Request, next: Next) -> Response {
    use crate::api::{ApiFailure, CSRF_HEADER};
    let (mut parts, body) = req.into_parts();
    let lookup_failed = |e: dvk_store::StoreError| {
        tracing::error!("session lookup failed: {e}");
        ApiFailure::from(dvk_store::ServiceError::Store(e)).into_response()
    };
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    // Public endpoints need no one and look no one up.
    let public = parts.uri.path().starts_with("/api/v1/public/");
    let presented = if public { None } else { bearer(&parts.headers) };
    let (session, session_token) = match presented {
        Some(secret) => {
            let found = match secret {
                Some(s) => match state.db.token_session(&s).await {
                    Ok(found) => found,
                    Err(e) => return lookup_failed(e),
                },
                None => None,
            };
            match found {
                Some(info) => (Some(info), None),
                None => {
                    return ApiFailure::new(
                        StatusCode::UNAUTHORIZED,
                        "invalid_token",
                        "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.",
                    )
                    .into_response()
                }
            }
        }
        None if public => (None, None),
        None => {
            let token = cookie(
                &parts.headers,
                session_cookie_name(state.config.secure_cookies),
            );
            let session = match &token {
                Some(t) => match state.db.session(t).await {
                    Ok(s) => s,
                    Err(e) => return lookup_failed(e),
                },
                None => None,
            };
            if let (Some(s), true) = (&session, unsafe_method) {
                let sent = parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !same_token(sent, &s.csrf) {
                    return ApiFailure::new(
                        StatusCode::FORBIDDEN,
                        "csrf_failed",
                        "Thiếu hoặc sai mã CSRF (tiêu đề X-CSRF-Token) của phiên đăng nhập. Không có gì bị thay đổi.",
                    )
                    .into_response();
                }
            }
            (session, token)
        }
    };
    let csrf = session.as_ref().map(|s| s.csrf.clone()).unwrap_or_default();
    let signed_in = session.is_some();
    // A create sent with an Idempotency-Key runs once.
    // Keys count on POSTs without secrets or files, from someone signed in
    // or to the public endpoints (a visitor's, within the public budget).
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/"));
    let keyable = parts.method == Method::POST
        && !multipart
        && idempotency::honoured(parts.uri.path())
        && (session.is_some() || public);
    let (keyed, body) = match (keyable, idempotency::key_in_headers(&parts.headers)) {
        (true, Some(Ok(key))) => {
            let client = client_of(&parts);
            if session.is_none() {
                if let Err(wait) = state.public_limiter.check(client) {
                    let mut f = ApiFailure::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "too_many_requests",
                        format!(
                            "Quá nhiều yêu cầu từ địa chỉ này. Vui lòng thử lại sau {wait} giây."
                        ),
                    );
                    f.retry_after = Some(wait);
                    return f.into_response();
                }
            }
            let bytes =
                match to_bytes(body, FORM_LIMIT).await {
                    Ok(b) => b,
                    Err(_) => return ApiFailure::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "Yêu cầu có Idempotency-Key phải nhỏ hơn 2 MB. Không có gì bị thay đổi.",
                    )
                    .into_response(),
                };
            let scope = idempotency::scope_of(session.as_ref().map(|s| s.user_id), client);
            let k = Keyed::new(scope, key, parts.uri.path(), "POST", &bytes);
            (Some(k), Body::from(bytes))
        }
        (true, Some(Err(()))) => return idempotency::malformed_key(),
        _ => (None, body),
    };
    parts.extensions.insert(Arc::new(Ctx {
        session,
        csrf,
        session_token,
    }));
    let run = next.run(Request::from_parts(parts, body));
    let mut res = match keyed {
        Some(k) => idempotency::once(&state, Surface::Api, k, run).await,
        None => run.await,
    };
    if signed_in && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    res
}
