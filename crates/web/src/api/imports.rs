//! Imports over the API: the same template, preview and confirmation as
//! the pages ("Nhập từ Excel"), for registrations and for accounts.

use super::{created, ApiFailure, ApiJson, ApiPath, ApiQuery, ApiResult, ApiUser};
use crate::form::read_upload;
use crate::pages::imports::xlsx_file;
use crate::AppState;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use dvk_store::imports::{accounts, registrations, Mode, Preview};
use dvk_store::ServiceError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One problem of one row.
#[derive(Serialize, ToSchema)]
pub struct IssueOut {
    /// The column's header as in the file; empty for the whole row.
    pub column: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct RowOut {
    /// The row number as Excel shows it.
    pub row: usize,
    /// The title (registrations) or "username — full name" (accounts).
    pub label: String,
    pub valid: bool,
    pub issues: Vec<IssueOut>,
    /// Existing models alike to the row's (registrations).
    pub similar: Vec<super::similar::SimilarOut>,
}

/// What an upload would do; nothing is written until it is confirmed.
#[derive(Serialize, ToSchema)]
pub struct PreviewOut {
    /// The pending upload to confirm (kept for a day, for its uploader only).
    pub id: i64,
    pub file_name: String,
    pub total: usize,
    pub valid: usize,
    /// Valid rows after the first hundred, not looked up for similar
    /// models in the preview (they are compared when imported).
    pub similar_unchecked: usize,
    pub rows: Vec<RowOut>,
}

impl From<Preview> for PreviewOut {
    fn from(p: Preview) -> PreviewOut {
        PreviewOut {
            id: p.id,
            total: p.rows.len(),
            valid: p.valid(),
            similar_unchecked: p.similar_unchecked,
            file_name: p.file_name,
            rows: p
                .rows
                .into_iter()
                .map(|r| RowOut {
                    row: r.row,
                    valid: r.issues.is_empty(),
                    similar: super::similar::list(&r.similar),
                    label: r.label,
                    issues: r
                        .issues
                        .into_iter()
                        .map(|i| IssueOut {
                            column: i.column,
                            message: i.message,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// The registering unit the template is for.
    pub unit_id: i64,
}

/// The registrations file and the unit it is for.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RegistrationsUpload {
    pub unit_id: i64,
    /// The filled template (or a DVK entry export), XLSX, at most 5 MB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// An accounts file (XLSX or CSV, at most 5 MB).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AccountsUpload {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[derive(Deserialize, ToSchema)]
pub struct ConfirmIn {
    /// `all` (every row or none, the default) or `valid` (the valid rows only).
    #[serde(default)]
    pub mode: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportedOut {
    /// The new drafts' ids.
    pub entries: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountOut {
    pub username: String,
    pub full_name: String,
    pub roles: Vec<String>,
    /// Shown this once and never stored; to be changed at first sign-in.
    pub one_time_password: String,
}

#[derive(Serialize, ToSchema)]
pub struct AccountsOut {
    pub accounts: Vec<AccountOut>,
}

async fn file_of(
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(Vec<(String, String)>, String, Vec<u8>)> {
    let multipart = multipart.map_err(|_| {
        ApiFailure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Gửi tệp dưới dạng multipart/form-data với trường «file».",
        )
    })?;
    let (fields, file) = read_upload(multipart, dvk_store::imports::MAX_IMPORT_BYTES)
        .await
        .map_err(|(status, m)| {
            let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "payload_too_large"
            } else {
                "invalid_body"
            };
            ApiFailure::new(status, code, m)
        })?;
    let (name, bytes) = file.ok_or_else(|| {
        ApiFailure::field(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "file",
            "Thiếu trường «file».".into(),
        )
    })?;
    Ok((fields, name, bytes))
}

#[utoipa::path(get, path = "/api/v1/entries/import/template", tag = "Nhập từ Excel",
    summary = "Mẫu nhập hồ sơ đăng ký (XLSX: mười mục và thông tin cá nhân là các cột, danh sách chọn, trang hướng dẫn)",
    params(TemplateQuery),
    responses((status = 200, description = "Tệp XLSX",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, body = super::ApiError)))]
pub async fn registrations_template(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<TemplateQuery>,
) -> ApiResult<Response> {
    let bytes =
        registrations::template(&state.db, &state.catalogue, &user.actor, q.unit_id).await?;
    Ok(xlsx_file("Mẫu nhập hồ sơ đăng ký.xlsx", bytes))
}

#[utoipa::path(post, path = "/api/v1/entries/import", tag = "Nhập từ Excel",
    summary = "Kiểm tra tệp hồ sơ đăng ký và xem trước (chưa ghi gì)",
    description = "Lỗi theo từng dòng và cột. Tệp hỏng, đặt mật khẩu, nén bất thường, có trang ẩn, ô gộp trong vùng dữ liệu, quá 2000 dòng hoặc không theo mẫu bị từ chối (422) và không để lại gì.",
    request_body(content = RegistrationsUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = PreviewOut), (status = 422, body = super::ApiError),
              (status = 413, body = super::ApiError)))]
pub async fn registrations_preview(
    State(state): State<AppState>,
    user: ApiUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<PreviewOut>> {
    let (fields, name, bytes) = file_of(multipart).await?;
    let unit_id = fields
        .iter()
        .find(|(k, _)| k == "unit_id")
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .ok_or_else(|| ServiceError::invalid("unit_id", "Chọn đơn vị đăng ký."))?;
    let p = registrations::preview(
        &state.db,
        &state.catalogue,
        &user.actor,
        unit_id,
        &name,
        &bytes,
    )
    .await?;
    Ok(Json(p.into()))
}

#[utoipa::path(post, path = "/api/v1/entries/import/{id}/confirm", tag = "Nhập từ Excel",
    summary = "Xác nhận nhập: các dòng hợp lệ thành hồ sơ nháp trong một giao dịch",
    params(("id" = i64, Path, description = "Mã tệp chờ nhập (từ bước xem trước)")),
    request_body = ConfirmIn,
    responses((status = 201, body = ImportedOut), (status = 409, body = super::ApiError),
              (status = 404, body = super::ApiError)))]
pub async fn registrations_confirm(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ConfirmIn>,
) -> ApiResult<Response> {
    let mode = Mode::parse(&body.mode)
        .ok_or_else(|| ServiceError::invalid("mode", "Cách nhập là `all` hoặc `valid`."))?;
    let entries =
        registrations::confirm(&state.db, &state.catalogue, &user.actor, id, mode).await?;
    Ok(created(ImportedOut { entries }))
}

#[utoipa::path(post, path = "/api/v1/users/import", tag = "Nhập từ Excel",
    summary = "Kiểm tra tệp tài khoản (XLSX hoặc CSV: tên đăng nhập, họ và tên, thư điện tử, mã đơn vị, vai trò) và xem trước",
    request_body(content = AccountsUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = PreviewOut), (status = 422, body = super::ApiError),
              (status = 403, body = super::ApiError)))]
pub async fn accounts_preview(
    State(state): State<AppState>,
    user: ApiUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<PreviewOut>> {
    if !user.actor.is_admin_anywhere() {
        return Err(
            ServiceError::Denied(dvk_domain::auth::Denied::NoRole("nhập tài khoản")).into(),
        );
    }
    let (_, name, bytes) = file_of(multipart).await?;
    let p = accounts::preview(&state.db, &user.actor, &name, &bytes).await?;
    Ok(Json(p.into()))
}

#[utoipa::path(post, path = "/api/v1/users/import/{id}/confirm", tag = "Nhập từ Excel",
    summary = "Tạo mọi tài khoản của tệp (tất cả hoặc không); mật khẩu dùng một lần chỉ trả về lần này",
    params(("id" = i64, Path, description = "Mã tệp chờ nhập (từ bước xem trước)")),
    responses((status = 201, body = AccountsOut), (status = 409, body = super::ApiError),
              (status = 404, body = super::ApiError)))]
pub async fn accounts_confirm(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let created_accounts = accounts::confirm(&state.db, &user.actor, id).await?;
    let mut res = created(AccountsOut {
        accounts: created_accounts
            .into_iter()
            .map(|c| AccountOut {
                username: c.username,
                full_name: c.full_name,
                roles: c.roles,
                one_time_password: c.password,
            })
            .collect(),
    });
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}
