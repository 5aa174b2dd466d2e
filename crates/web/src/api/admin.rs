//! Units, accounts and role grants (admins), registration status and the
//! register (those who follow lower units).

use super::tokens::GrantOut;
use super::{created, ApiFailure, ApiJson, ApiPath, ApiQuery, ApiResult, ApiUser};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvk_domain::auth::Role;
use dvk_domain::unit::{unit_kind_name, RegistrationStatus};
use dvk_store::service;
use dvk_store::units::Unit;
use dvk_store::ServiceError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct UnitOut {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    /// `tinh`, `xa`, `phuong`, `chi_bo`, `khu_dan_cu`, …
    pub kind: String,
    pub kind_label: String,
    /// Official administrative code, where the unit has one.
    pub code: Option<String>,
    /// ISO dates the unit existed between (historical units have an end).
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
}

impl From<Unit> for UnitOut {
    fn from(u: Unit) -> Self {
        UnitOut {
            id: u.id,
            parent_id: u.parent_id,
            kind_label: unit_kind_name(&u.kind).to_owned(),
            name: u.name,
            kind: u.kind,
            code: u.code,
            valid_from: u.valid_from,
            valid_to: u.valid_to,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitsQuery {
    /// The unit whose lower units to list.
    pub parent: i64,
    /// Include units that no longer exist (before the 2025 merge).
    #[serde(default)]
    pub include_historical: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/units", tag = "Quản trị",
    summary = "Đơn vị trực thuộc một đơn vị (quản trị viên của đơn vị đó)",
    params(UnitsQuery),
    responses((status = 200, body = Vec<UnitOut>)))]
pub async fn units(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<UnitsQuery>,
) -> ApiResult<Json<Vec<UnitOut>>> {
    let view = dvk_store::unit_admin::unit_admin_view(
        &state.db,
        &user.actor,
        q.parent,
        q.include_historical.unwrap_or(false),
    )
    .await?;
    Ok(Json(view.children.into_iter().map(UnitOut::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitIn {
    pub parent_id: i64,
    pub name: String,
    /// `chi_bo`, `khu_dan_cu`, `co_quan`, … (see the unit kinds).
    pub kind: String,
}

#[utoipa::path(post, path = "/api/v1/units", tag = "Quản trị",
    summary = "Thêm đơn vị cấp dưới",
    request_body = UnitIn,
    responses((status = 201, body = UnitOut)))]
pub async fn create_unit(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<UnitIn>,
) -> ApiResult<Response> {
    let id = service::create_unit(
        &state.db,
        &user.actor,
        body.parent_id,
        &body.name,
        &body.kind,
    )
    .await?;
    let unit = dvk_store::unit_admin::administered_unit(&state.db, &user.actor, id).await?;
    Ok(created(UnitOut::from(unit)))
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub active: bool,
    pub grants: Vec<GrantOut>,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "Quản trị",
    summary = "Tài khoản do tôi quản trị",
    responses((status = 200, body = Vec<UserOut>)))]
pub async fn users(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<Vec<UserOut>>> {
    let list = service::users_for_admin(&state.db, &user.actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|(u, gs)| UserOut {
                id: u.id,
                username: u.username,
                full_name: u.full_name,
                active: u.active,
                grants: gs.iter().map(GrantOut::from).collect(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    pub username: String,
    pub full_name: String,
    /// At least 10 characters.
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedId {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "Quản trị",
    summary = "Tạo tài khoản",
    request_body = UserIn,
    responses((status = 201, body = CreatedId)))]
pub async fn create_user(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<UserIn>,
) -> ApiResult<Response> {
    let id = service::create_user(
        &state.db,
        Some(&user.actor),
        &body.username,
        &body.full_name,
        &body.password,
    )
    .await?;
    Ok(created(CreatedId { id }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantIn {
    pub user_id: i64,
    /// `unit_officer`, `movement_officer`, `council_member`, `signing_leader`, `admin`.
    pub role: String,
    pub unit_id: i64,
}

#[utoipa::path(post, path = "/api/v1/grants", tag = "Quản trị",
    summary = "Giao vai trò tại một đơn vị",
    request_body = GrantIn,
    responses((status = 201, body = CreatedId)))]
pub async fn grant(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<GrantIn>,
) -> ApiResult<Response> {
    let role = Role::parse(body.role.trim()).ok_or_else(|| {
        ApiFailure::from(ServiceError::invalid(
            "role",
            "Vai trò không có trong danh sách (unit_officer, movement_officer, council_member, signing_leader, admin).",
        ))
    })?;
    let id = service::grant_role(
        &state.db,
        Some(&user.actor),
        body.user_id,
        role,
        body.unit_id,
    )
    .await?;
    Ok(created(CreatedId { id }))
}

#[utoipa::path(delete, path = "/api/v1/grants/{id}", tag = "Quản trị",
    summary = "Thu hồi vai trò",
    params(("id" = i64, Path, description = "Mã số vai trò đã giao")),
    responses((status = 204, description = "Đã thu hồi")))]
pub async fn revoke_grant(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    service::revoke_grant(&state.db, &user.actor, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    /// The unit whose lower units to report on.
    pub unit: i64,
    /// Year (default: this year).
    #[serde(default)]
    pub year: Option<i32>,
}

pub(crate) async fn scoped_unit(
    state: &AppState,
    user: &ApiUser,
    q: &ScopeQuery,
    right: &'static str,
) -> ApiResult<dvk_store::tracking::Followed> {
    Ok(dvk_store::tracking::followed(
        &state.db,
        &user.actor,
        Some(q.unit),
        q.year,
        right,
        dvk_domain::auth::Following::Tracking,
    )
    .await?)
}

#[derive(Serialize, ToSchema)]
pub struct StatusRowOut {
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_kind: String,
    /// `not_sent`, `waiting`, `returned`, `accepted`.
    pub status: String,
    pub status_label: String,
    pub drafts: i64,
    pub waiting: i64,
    pub returned: i64,
    pub accepted: i64,
}

#[utoipa::path(get, path = "/api/v1/status", tag = "Theo dõi",
    summary = "Tình hình đăng ký của các đơn vị cấp dưới trong năm",
    params(ScopeQuery),
    responses((status = 200, body = Vec<StatusRowOut>)))]
pub async fn status(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ScopeQuery>,
) -> ApiResult<Json<Vec<StatusRowOut>>> {
    let at = scoped_unit(&state, &user, &q, "xem tình hình đăng ký").await?;
    let rows = dvk_store::tracking::registration_status(
        &state.db,
        &user.actor,
        &at,
        dvk_domain::auth::Following::Tracking,
    )
    .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| {
                let st = RegistrationStatus::from_counts(r.waiting, r.returned, r.accepted);
                StatusRowOut {
                    unit_id: r.unit_id,
                    unit_name: r.unit_name,
                    unit_kind: r.unit_kind,
                    status: st.code().to_owned(),
                    status_label: st.label().to_owned(),
                    drafts: r.drafts,
                    waiting: r.waiting,
                    returned: r.returned,
                    accepted: r.accepted,
                }
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct RegisterRowOut {
    pub unit_id: i64,
    pub unit_name: String,
    pub registered: i64,
    pub new: i64,
    pub continuing: i64,
    pub removed: i64,
}

#[utoipa::path(get, path = "/api/v1/register", tag = "Theo dõi",
    summary = "Sổ theo dõi mô hình theo đơn vị cấp dưới và năm",
    params(ScopeQuery),
    responses((status = 200, body = Vec<RegisterRowOut>)))]
pub async fn register(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ScopeQuery>,
) -> ApiResult<Json<Vec<RegisterRowOut>>> {
    let at = scoped_unit(&state, &user, &q, "xem sổ theo dõi mô hình").await?;
    let rows = dvk_store::tracking::register(&state.db, &user.actor, &at).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| RegisterRowOut {
                unit_id: r.unit_id,
                unit_name: r.unit_name,
                registered: r.registered,
                new: r.new,
                continuing: r.continuing,
                removed: r.removed,
            })
            .collect(),
    ))
}
