//! Spreadsheets over the API: the same tables the pages offer for
//! download (status, register, summary, a round's results and comments, a
//! reward round, an entry's history), each from its guarded service.

use super::admin::ScopeQuery;
use super::entries::ExportFormat;
use super::{ApiPath, ApiQuery, ApiResult, ApiUser};
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use dvk_store::documents::ReportPeriod;
use dvk_store::exports::{rounds as sheet, tracking, Plan};
use serde::Deserialize;
use utoipa::IntoParams;

async fn send(
    state: &AppState,
    user: &ApiUser,
    fq: &ExportFormat,
    table: (Plan, Vec<Vec<dvk_sheets::Cell>>),
) -> ApiResult<Response> {
    let format = crate::exports::format_of(fq.format.as_deref().unwrap_or(""))?;
    Ok(crate::exports::table(state, user.actor.user_id, format, table).await?)
}

#[utoipa::path(get, path = "/api/v1/status/export", tag = "Bảng tính",
    summary = "Tình hình đăng ký của các đơn vị cấp dưới (XLSX hoặc CSV, có dòng tổng)",
    params(ScopeQuery, ExportFormat),
    responses((status = 200, description = "Tệp XLSX hoặc CSV",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "text/csv; charset=utf-8"))),
        (status = 403, body = super::ApiError),
        (status = 429, description = "Một bảng tính khác của người này đang được xuất", body = super::ApiError)))]
pub async fn status(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ScopeQuery>,
    ApiQuery(fq): ApiQuery<ExportFormat>,
) -> ApiResult<Response> {
    let at = super::admin::scoped_unit(&state, &user, &q, "xem tình hình đăng ký").await?;
    let rows = dvk_store::tracking::registration_status(
        &state.db,
        &user.actor,
        &at,
        dvk_domain::auth::Following::Tracking,
    )
    .await?;
    send(&state, &user, &fq, tracking::status(&at, &rows)).await
}

#[utoipa::path(get, path = "/api/v1/register/export", tag = "Bảng tính",
    summary = "Sổ theo dõi mô hình theo đơn vị cấp dưới (XLSX hoặc CSV, có dòng tổng)",
    params(ScopeQuery, ExportFormat),
    responses((status = 200, description = "Tệp XLSX hoặc CSV",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "text/csv; charset=utf-8"))),
        (status = 403, body = super::ApiError),
        (status = 429, description = "Một bảng tính khác của người này đang được xuất", body = super::ApiError)))]
pub async fn register(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ScopeQuery>,
    ApiQuery(fq): ApiQuery<ExportFormat>,
) -> ApiResult<Response> {
    let at = super::admin::scoped_unit(&state, &user, &q, "xem sổ theo dõi mô hình").await?;
    let rows = dvk_store::tracking::register(&state.db, &user.actor, &at).await?;
    send(&state, &user, &fq, tracking::register(&at, &rows)).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// The unit whose table it is.
    pub unit: i64,
    /// A year (default: this year)…
    #[serde(default)]
    pub year: Option<i32>,
    /// …or a phase code such as `2021-2025` instead.
    #[serde(default)]
    pub phase: Option<String>,
}

impl SummaryQuery {
    /// The period asked for: the phase when given (one of the catalogue's),
    /// else the year (this year by default).
    pub fn period(&self, state: &AppState) -> Result<ReportPeriod, dvk_store::ServiceError> {
        match self
            .phase
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => {
                if !state.catalogue.phases.iter().any(|x| x.code == p) {
                    return Err(dvk_store::ServiceError::invalid(
                        "phase",
                        "Không có giai đoạn này.",
                    ));
                }
                Ok(ReportPeriod::Phase(p.to_owned()))
            }
            None => Ok(ReportPeriod::Year(
                self.year.unwrap_or_else(dvk_store::service::current_year),
            )),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/summary/export", tag = "Bảng tính",
    summary = "Biểu tổng hợp, rà soát của một đơn vị theo năm hoặc giai đoạn (XLSX hoặc CSV)",
    params(SummaryQuery, ExportFormat),
    responses((status = 200, description = "Tệp XLSX hoặc CSV",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "text/csv; charset=utf-8"))),
        (status = 403, body = super::ApiError), (status = 404, body = super::ApiError),
        (status = 429, description = "Một bảng tính khác của người này đang được xuất", body = super::ApiError)))]
pub async fn summary(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<SummaryQuery>,
    ApiQuery(fq): ApiQuery<ExportFormat>,
) -> ApiResult<Response> {
    let format = crate::exports::format_of(fq.format.as_deref().unwrap_or(""))?;
    let period = q.period(&state)?;
    let tree = state.units(user.info.units_version).await?;
    let table = dvk_store::summary::summary(
        &state.db,
        &state.catalogue,
        &tree,
        &user.actor,
        q.unit,
        period,
    )
    .await?;
    let plan = dvk_store::exports::summary::plan(&table);
    Ok(crate::exports::respond(
        &state,
        user.actor.user_id,
        format,
        plan,
        move |rows| async move { Ok(dvk_store::exports::summary::rows(&table, rows).await) },
    )
    .await?)
}

#[utoipa::path(get, path = "/api/v1/rounds/{id}/export", tag = "Bảng tính",
    summary = "Kết quả một đợt xét (XLSX hoặc CSV); điểm của từng thành viên chỉ cho người được xem",
    params(("id" = i64, Path, description = "Mã đợt xét"), ExportFormat),
    responses((status = 200, description = "Tệp XLSX hoặc CSV",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "text/csv; charset=utf-8"))),
        (status = 404, body = super::ApiError),
        (status = 429, description = "Một bảng tính khác của người này đang được xuất", body = super::ApiError)))]
pub async fn round_results(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(fq): ApiQuery<ExportFormat>,
) -> ApiResult<Response> {
    let table = sheet::round_results_table(&state.db, &state.catalogue, &user.actor, id).await?;
    send(&state, &user, &fq, table).await
}

#[utoipa::path(get, path = "/api/v1/rounds/{id}/comments/export", tag = "Bảng tính",
    summary = "Ý kiến nhân dân của một đợt xét và câu trả lời (cho đơn vị tổ chức)",
    params(("id" = i64, Path, description = "Mã đợt xét"), ExportFormat),
    responses((status = 200, description = "Tệp XLSX hoặc CSV",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "text/csv; charset=utf-8"))),
        (status = 403, body = super::ApiError), (status = 404, body = super::ApiError),
        (status = 429, description = "Một bảng tính khác của người này đang được xuất", body = super::ApiError)))]
pub async fn round_comments(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(fq): ApiQuery<ExportFormat>,
) -> ApiResult<Response> {
    let table = sheet::round_comments_table(&state.db, &user.actor, id).await?;
    send(&state, &user, &fq, table).await
}

#[utoipa::path(get, path = "/api/v1/reward-rounds/{id}/export", tag = "Bảng tính",
    summary = "Đợt khen thưởng: từng hồ sơ với hình thức đề nghị và được khen, số liệu từng bước và các quyết định",
    params(("id" = i64, Path, description = "Mã đợt khen thưởng"), ExportFormat),
    responses((status = 200, description = "Tệp XLSX hoặc CSV",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "text/csv; charset=utf-8"))),
        (status = 404, body = super::ApiError),
        (status = 429, description = "Một bảng tính khác của người này đang được xuất", body = super::ApiError)))]
pub async fn reward_round(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(fq): ApiQuery<ExportFormat>,
) -> ApiResult<Response> {
    let table = sheet::reward_round_table(&state.db, &state.catalogue, &user.actor, id).await?;
    send(&state, &user, &fq, table).await
}

#[utoipa::path(get, path = "/api/v1/entries/{id}/history/export", tag = "Bảng tính",
    summary = "Lịch sử xử lý một hồ sơ (XLSX hoặc CSV), như trang hồ sơ cho người xem",
    params(("id" = i64, Path, description = "Mã hồ sơ"), ExportFormat),
    responses((status = 200, description = "Tệp XLSX hoặc CSV",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "text/csv; charset=utf-8"))),
        (status = 404, body = super::ApiError),
        (status = 429, description = "Một bảng tính khác của người này đang được xuất", body = super::ApiError)))]
pub async fn entry_history(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(fq): ApiQuery<ExportFormat>,
) -> ApiResult<Response> {
    let table = sheet::entry_history_table(&state.db, &user.actor, id).await?;
    send(&state, &user, &fq, table).await
}
