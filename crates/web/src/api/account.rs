//! Accounts over the API: changing one's own password, and an admin's
//! one-time reset and disabling or re-enabling of an account.

use super::{ApiJson, ApiPath, ApiResult, ApiUser};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvk_store::credentials::{self, PasswordChange};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeIn {
    /// The password in use now.
    pub current: String,
    /// The new password (see the policy: at least 10 characters, not the user name).
    pub new: String,
    /// The new password again.
    pub confirm: String,
}

#[utoipa::path(post, path = "/api/v1/me/password", tag = "Tài khoản",
    summary = "Đổi mật khẩu của tôi",
    request_body = PasswordChangeIn,
    responses((status = 204, description = "Đã đổi; các phiên khác của tài khoản kết thúc")))]
pub async fn change_password(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<PasswordChangeIn>,
) -> ApiResult<Response> {
    let form = PasswordChange {
        current: body.current,
        new: body.new,
        confirm: body.confirm,
    };
    credentials::change_password(&state.db, &user.actor, None, &form).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize, ToSchema)]
pub struct OneTimePasswordOut {
    pub user_id: i64,
    pub username: String,
    /// Shown once; the account must change it at its next sign-in.
    pub one_time_password: String,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "Quản trị",
    summary = "Đặt mật khẩu dùng một lần cho một tài khoản",
    params(("id" = i64, Path, description = "Mã người dùng")),
    responses((status = 200, body = OneTimePasswordOut)))]
pub async fn reset_password(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OneTimePasswordOut>> {
    let set = credentials::reset_password(&state.db, &user.actor, id).await?;
    Ok(Json(OneTimePasswordOut {
        user_id: id,
        username: set.username,
        one_time_password: set.password,
    }))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "Quản trị",
    summary = "Khoá tài khoản (phiên và mã API ngừng ngay)",
    params(("id" = i64, Path, description = "Mã người dùng")),
    responses((status = 204, description = "Đã khoá")))]
pub async fn disable(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    credentials::set_account_active(&state.db, &user.actor, id, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "Quản trị",
    summary = "Mở khoá tài khoản",
    params(("id" = i64, Path, description = "Mã người dùng")),
    responses((status = 204, description = "Đã mở khoá")))]
pub async fn enable(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    credentials::set_account_active(&state.db, &user.actor, id, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
