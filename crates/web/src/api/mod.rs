//! JSON API under `/api/v1`: the same services and authorisation rules as
//! the pages, described by an OpenAPI 3 document generated from this code.
//!
//! Authentication: `Authorization: Bearer dvk_…` (API token, no CSRF) or
//! the browser session cookie, whose state-changing requests must carry
//! the session's CSRF token in `X-CSRF-Token`.

pub mod account;
pub mod admin;
pub mod dashboard;
pub mod documents;
pub mod entries;
pub mod extract;
pub mod imports;
pub mod news;
pub mod public;
pub mod rewards;
pub mod rounds;
pub mod sheets;
pub mod similar;
pub mod tokens;

use crate::AppState;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvk_domain::auth::Denied;
use dvk_store::{ServiceError, StoreError};
use serde::Serialize;
use std::sync::Arc;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as OpenApiDoc, Ref, ResponseBuilder};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use extract::{ApiJson, ApiPath, ApiQuery, ApiUser};

pub const PREFIX: &str = "/api/v1";
/// Header a browser session sends its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A field the request got wrong, and what to do about it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The request field (`items.title`, `year`, …).
    pub field: String,
    /// What is wrong, in Vietnamese.
    pub message: String,
}

/// Every error the API answers with.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiError {
    /// Stable machine code: `not_signed_in`, `invalid_token`, `forbidden`,
    /// `csrf_failed`, `not_found`, `validation_failed`, `invalid_body`,
    /// `invalid_parameter`, `not_editable`, `no_evidence`,
    /// `transition_refused`, `conflict`, `too_many_requests`,
    /// `payload_too_large`, `unsupported_media_type`, `unavailable` (the
    /// database is down or full: retry later), `internal`.
    pub code: String,
    /// What happened, in Vietnamese, for a person to read.
    pub message: String,
    /// Fields at fault (empty unless the request itself was invalid).
    pub fields: Vec<FieldProblem>,
}

/// An error answer: status, JSON body and, for throttling, Retry-After.
#[derive(Debug)]
pub struct ApiFailure {
    pub status: StatusCode,
    pub body: ApiError,
    pub retry_after: Option<u64>,
}

impl ApiFailure {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiFailure {
        ApiFailure {
            status,
            body: ApiError {
                code: code.to_owned(),
                message: message.into(),
                fields: Vec::new(),
            },
            retry_after: None,
        }
    }

    pub fn field(status: StatusCode, code: &str, field: &str, message: String) -> ApiFailure {
        let mut f = ApiFailure::new(status, code, message.clone());
        f.body.fields.push(FieldProblem {
            field: field.to_owned(),
            message,
        });
        f
    }

    pub fn not_signed_in() -> ApiFailure {
        ApiFailure::new(
            StatusCode::UNAUTHORIZED,
            "not_signed_in",
            "Cần đăng nhập hoặc gửi mã truy cập (Authorization: Bearer …).",
        )
    }
}

impl From<ServiceError> for ApiFailure {
    fn from(e: ServiceError) -> Self {
        let status = crate::error::status_of(&e);
        match e {
            ServiceError::Invalid(list) => ApiFailure {
                status,
                body: ApiError {
                    code: "validation_failed".into(),
                    message: "Dữ liệu chưa hợp lệ; xem từng trường trong «fields».".into(),
                    fields: list
                        .into_iter()
                        .map(|f| FieldProblem {
                            field: f.field,
                            message: f.message,
                        })
                        .collect(),
                },
                retry_after: None,
            },
            ServiceError::Store(inner) => {
                tracing::error!("storage error: {inner}");
                let unavailable = inner.is_unavailable();
                let mut f = ApiFailure::new(
                    status,
                    if unavailable {
                        "unavailable"
                    } else {
                        "internal"
                    },
                    crate::error::store_message(&inner),
                );
                if unavailable {
                    f.retry_after = Some(5);
                }
                f
            }
            ServiceError::NotFound(_) => ApiFailure::new(status, "not_found", e.to_string()),
            ServiceError::Denied(ref d) => {
                let code = match d {
                    Denied::NotSignedIn => "not_signed_in",
                    Denied::NoRole(_) => "forbidden",
                    Denied::NotEditable(_) => "not_editable",
                    Denied::NoEvidence(_) => "no_evidence",
                    Denied::Transition(_) => "transition_refused",
                };
                let status = if matches!(d, Denied::NotSignedIn) {
                    StatusCode::UNAUTHORIZED
                } else {
                    status
                };
                ApiFailure::new(status, code, e.to_string())
            }
            ServiceError::Conflict(m) => ApiFailure::new(status, "conflict", m),
            ServiceError::TooMany(m) => {
                let mut f = ApiFailure::new(status, "too_many_requests", m);
                f.retry_after = Some(60);
                f
            }
        }
    }
}

impl From<crate::exports::ExportError> for ApiFailure {
    fn from(e: crate::exports::ExportError) -> Self {
        match e {
            crate::exports::ExportError::Service(e) => e.into(),
            crate::exports::ExportError::Yours => {
                let mut f = ApiFailure::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "export_in_progress",
                    crate::exports::YOURS,
                );
                f.retry_after = Some(10);
                f
            }
            crate::exports::ExportError::Busy => {
                let mut f =
                    ApiFailure::new(crate::exports::BUSY_STATUS, "busy", crate::exports::BUSY);
                f.retry_after = Some(10);
                f
            }
        }
    }
}

impl From<StoreError> for ApiFailure {
    fn from(e: StoreError) -> Self {
        ServiceError::Store(e).into()
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let unavailable = self.body.code == "unavailable";
        let mut res = (self.status, Json(self.body)).into_response();
        if unavailable {
            res.extensions_mut()
                .insert(crate::error::StorageUnavailable);
        }
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiFailure>;

/// 201 Created with a JSON body.
pub fn created<T: Serialize>(body: T) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

/// Dates in the API: ISO 8601 calendar dates, or instants as RFC 3339
/// text in UTC.
pub fn instant(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "DVK — API Dân vận khéo",
        version = "1",
        description = "Giao diện lập trình (JSON) của hệ thống quản lý phong trào thi đua «Dân vận khéo»: \
mọi thao tác của các trang web, với cùng quy tắc phân quyền. Xác thực bằng mã truy cập \
(`Authorization: Bearer dvk_…`, tạo tại trang «Mã truy cập API» hoặc bằng lệnh `dvk token create`) \
hoặc phiên đăng nhập của trình duyệt (khi đó các yêu cầu thay đổi dữ liệu phải gửi tiêu đề `X-CSRF-Token`). \
Lỗi luôn là JSON với mã máy ổn định (`code`) và thông báo tiếng Việt (`message`)."
    ),
    components(schemas(ApiError, FieldProblem))
)]
struct ApiDoc;

/// Every API route, with its OpenAPI description.
pub fn router(state: &AppState) -> (axum::Router<AppState>, OpenApiDoc) {
    let public = OpenApiRouter::new()
        .routes(routes!(public::entries))
        .routes(routes!(public::entry))
        .routes(routes!(public::notices))
        .routes(routes!(public::notice))
        .routes(routes!(public::comment))
        .routes(routes!(documents::public_round))
        .routes(routes!(news::list))
        .routes(routes!(news::article))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            public::rate_limit,
        ));
    let signed_in = OpenApiRouter::new()
        .routes(routes!(tokens::me))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(tokens::notifications))
        .routes(routes!(admin::units, admin::create_unit))
        .routes(routes!(admin::users, admin::create_user))
        .routes(routes!(admin::grant))
        .routes(routes!(admin::revoke_grant))
        .routes(routes!(account::change_password))
        .routes(routes!(account::reset_password))
        .routes(routes!(account::disable))
        .routes(routes!(account::enable))
        .routes(routes!(admin::status))
        .routes(routes!(admin::register))
        .routes(routes!(entries::list, entries::create))
        .routes(routes!(entries::export))
        .routes(routes!(imports::registrations_template))
        .routes(routes!(imports::registrations_preview))
        .routes(routes!(imports::registrations_confirm))
        .routes(routes!(imports::accounts_preview))
        .routes(routes!(imports::accounts_confirm))
        .routes(routes!(sheets::status))
        .routes(routes!(sheets::register))
        .routes(routes!(sheets::summary))
        .routes(routes!(dashboard::dashboard))
        .routes(routes!(sheets::round_results))
        .routes(routes!(sheets::round_comments))
        .routes(routes!(sheets::reward_round))
        .routes(routes!(sheets::entry_history))
        .routes(routes!(entries::detail, entries::update))
        .routes(routes!(entries::transition))
        .routes(routes!(entries::history))
        .routes(routes!(similar::of_entry))
        .routes(routes!(similar::of_text))
        .routes(routes!(entries::attachments, entries::upload))
        .routes(routes!(entries::download))
        .routes(routes!(entries::report))
        .routes(routes!(entries::review))
        .routes(routes!(entries::carry_over))
        .routes(routes!(rounds::criteria))
        .routes(routes!(rounds::save_criteria))
        .routes(routes!(rounds::list, rounds::create))
        .routes(routes!(rounds::remove_member))
        .routes(routes!(rounds::detail))
        .routes(routes!(rounds::propose))
        .routes(routes!(rounds::add_member))
        .routes(routes!(rounds::assign))
        .routes(routes!(rounds::start))
        .routes(routes!(rounds::conclude))
        .routes(routes!(rounds::publish))
        .routes(routes!(rounds::decide))
        .routes(routes!(rounds::issuers))
        .routes(routes!(rounds::sheet, rounds::score))
        .routes(routes!(rounds::comments))
        .routes(routes!(rounds::moderate))
        .routes(routes!(rewards::forms))
        .routes(routes!(rewards::list, rewards::create))
        .routes(routes!(rewards::detail))
        .routes(routes!(rewards::propose))
        .routes(routes!(rewards::decide))
        .routes(routes!(rewards::issuers))
        .routes(routes!(rewards::mark_outstanding))
        .routes(routes!(rewards::revoke))
        .routes(routes!(documents::round))
        .routes(routes!(documents::entry))
        .routes(routes!(documents::reward_round))
        .routes(routes!(documents::unit))
        .routes(routes!(documents::blank));
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(public)
        .merge(signed_in)
        .split_for_parts();
    describe_common_answers(&mut doc);
    (router, doc)
}

/// The document as served, built once.
pub fn openapi_json(doc: &OpenApiDoc) -> Arc<String> {
    Arc::new(doc.to_json().unwrap_or_else(|_| "{}".into()))
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ApiError"))),
        )
        .build()
}

/// Answers every operation may give besides its own, added in one place so
/// the document cannot forget them: malformed input, authentication,
/// rights, unknown records, refusals, throttling.
fn describe_common_answers(doc: &mut OpenApiDoc) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        "token".into(),
        SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)).into(),
    );
    components.security_schemes.insert(
        "session".into(),
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::ctx::SESSION_COOKIE))).into(),
    );
    for (path, item) in doc.paths.paths.iter_mut() {
        let public = path.starts_with("/api/v1/public/");
        for (method, op) in [
            ("get", item.get.as_mut()),
            ("post", item.post.as_mut()),
            ("put", item.put.as_mut()),
            ("delete", item.delete.as_mut()),
        ] {
            let Some(op) = op else { continue };
            // Operation ids must be unique: method and path say it.
            let id: String = format!("{method}{}", path.trim_start_matches(PREFIX))
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect::<String>()
                .split('_')
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("_");
            op.operation_id = Some(id);
            add_errors(op, public, method != "get", path.contains('{'));
        }
    }
}

fn add_errors(op: &mut Operation, public: bool, changes: bool, has_id: bool) {
    // OpenAPI requires a description on every response.
    for (code, answer) in op.responses.responses.iter_mut() {
        if let utoipa::openapi::RefOr::T(r) = answer {
            if r.description.is_empty() {
                r.description = match code.as_str() {
                    "201" => "Đã tạo",
                    "204" => "Đã thực hiện",
                    _ => "Thành công",
                }
                .to_owned();
            }
        }
    }
    let mut answers = vec![(
        "400",
        "Yêu cầu sai: tham số, JSON hoặc dữ liệu chưa hợp lệ (mã `invalid_parameter`, `invalid_body`, `validation_failed`).",
    )];
    if public {
        answers.push((
            "429",
            "Quá nhiều yêu cầu từ một địa chỉ; thử lại sau số giây trong tiêu đề Retry-After.",
        ));
    } else {
        answers.push((
            "401",
            "Chưa đăng nhập, hoặc mã truy cập sai, hết hạn hay đã thu hồi.",
        ));
        answers.push((
            "403",
            "Không có quyền với đơn vị này, hoặc thiếu mã CSRF khi dùng phiên trình duyệt.",
        ));
    }
    if has_id || !public {
        answers.push(("404", "Không tìm thấy (hoặc không được xem) bản ghi."));
    }
    if changes {
        answers.push((
            "409",
            "Không thực hiện được ở trạng thái hiện tại (mã `transition_refused`, `not_editable`, `conflict`…).",
        ));
        answers.push(("413", "Dữ liệu gửi lên quá lớn."));
        answers.push(("415", "Sai kiểu nội dung (cần application/json)."));
        if !public {
            answers.push(("429", "Quá nhiều lần thử; thử lại sau."));
        }
    }
    for (code, text) in answers {
        op.responses
            .responses
            .entry(code.to_owned())
            .or_insert_with(|| error_response(text).into());
    }
    if !public {
        op.security = Some(vec![
            utoipa::openapi::security::SecurityRequirement::new::<&str, [&str; 0], &str>(
                "token",
                [],
            ),
            utoipa::openapi::security::SecurityRequirement::new::<&str, [&str; 0], &str>(
                "session",
                [],
            ),
        ]);
    }
}
