//! The caller, their API tokens and their notifications.

use super::{created, instant, ApiJson, ApiPath, ApiResult, ApiUser};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvk_store::tokens::{self, ApiToken, NewToken};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A role held in a unit and everything below it.
#[derive(Serialize, ToSchema)]
pub struct GrantOut {
    pub id: i64,
    /// `unit_officer`, `movement_officer`, `council_member`, `signing_leader`, `admin`.
    pub role: String,
    pub role_label: String,
    pub unit_id: i64,
    pub unit_name: String,
}

impl From<&dvk_store::accounts::GrantRow> for GrantOut {
    fn from(g: &dvk_store::accounts::GrantRow) -> Self {
        GrantOut {
            id: g.id,
            role: g.role.code().to_owned(),
            role_label: g.role.label().to_owned(),
            unit_id: g.unit_id,
            unit_name: g.unit_name.clone(),
        }
    }
}

/// The person the request acts for.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub grants: Vec<GrantOut>,
    /// The CSRF token a browser session must send in `X-CSRF-Token`
    /// (null when the request used an API token).
    pub csrf_token: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "Tài khoản",
    summary = "Người đang dùng API và các vai trò",
    responses((status = 200, body = Me)))]
pub async fn me(user: ApiUser) -> Json<Me> {
    Json(Me {
        id: user.info.user_id,
        username: user.info.username.clone(),
        full_name: user.info.full_name.clone(),
        grants: user.info.grants.iter().map(GrantOut::from).collect(),
        csrf_token: user.csrf,
    })
}

/// An API token as listed (the secret is never shown again).
#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    pub id: i64,
    pub name: String,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Neither revoked nor expired.
    pub active: bool,
}

impl From<&ApiToken> for TokenOut {
    fn from(t: &ApiToken) -> Self {
        TokenOut {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            created_at: instant(t.created_at),
            expires_at: t.expires_at.map(instant),
            last_used_at: t.last_used_at.map(instant),
            revoked_at: t.revoked_at.map(instant),
            active: t.active(dvk_store::db::now()),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "Tài khoản",
    summary = "Các mã truy cập của tôi",
    responses((status = 200, body = Vec<TokenOut>)))]
pub async fn list(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<Vec<TokenOut>>> {
    let list = state.db.tokens_of(user.actor.user_id).await?;
    Ok(Json(list.iter().map(TokenOut::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    /// What the token is for (1–100 characters).
    pub name: String,
    /// Days until it stops working (1–3650); none for no expiry.
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

/// A new token with its secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenOut,
    /// Send as `Authorization: Bearer <secret>`. Stored only as a hash.
    pub secret: String,
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "Tài khoản",
    summary = "Tạo mã truy cập (mã chỉ hiện một lần)",
    request_body = TokenIn,
    responses((status = 201, body = CreatedToken)))]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<TokenIn>,
) -> ApiResult<Response> {
    let new = NewToken::parse(&body.name, body.expires_in_days)?;
    let (token, secret) = tokens::create_own_token(&state.db, &user.actor, &new).await?;
    Ok(created(CreatedToken {
        token: TokenOut::from(&token),
        secret,
    }))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "Tài khoản",
    summary = "Thu hồi mã truy cập",
    params(("id" = i64, Path, description = "Mã số của mã truy cập")),
    responses((status = 204, description = "Đã thu hồi")))]
pub async fn revoke(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    tokens::revoke_token(&state.db, Some(&user.actor), id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: i64,
    pub message: String,
    /// The page the notification is about.
    pub link: String,
    pub created_at: String,
    /// Set once a later event settled it.
    pub resolved_note: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "Tài khoản",
    summary = "Thông báo của tôi (việc còn mở trước)",
    responses((status = 200, body = Vec<NotificationOut>)))]
pub async fn notifications(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<NotificationOut>>> {
    let list = state.db.notifications(user.actor.user_id, 100).await?;
    Ok(Json(
        list.into_iter()
            .map(|n| NotificationOut {
                id: n.id,
                message: n.message,
                link: n.link,
                created_at: instant(n.created_at),
                resolved_note: n.resolved_note,
            })
            .collect(),
    ))
}
