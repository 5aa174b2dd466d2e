//! The signed-in person's API tokens: create (secret shown once), list,
//! revoke.

use crate::ctx::User;
use crate::error::AppResult;
use crate::form::{parse_id, VnForm};
use crate::views::{fmt_datetime, Errors, Layout};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use dvk_store::tokens::{self, NewToken};
use dvk_store::ServiceError;
use serde::Deserialize;

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub state: &'static str,
    pub active: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub layout: Layout,
    pub rows: Vec<TokenRow>,
    pub secret: String,
    pub secret_name: String,
    pub name: String,
    pub days: String,
    pub errors: Errors,
    pub notice: &'static str,
}

struct Shown<'a> {
    secret: &'a str,
    secret_name: &'a str,
    name: &'a str,
    days: &'a str,
    errors: Errors,
    notice: &'static str,
}

async fn render(
    state: &AppState,
    user: &User,
    shown: Shown<'_>,
    status: StatusCode,
) -> AppResult<Response> {
    let now = dvk_store::db::now();
    let rows = state
        .db
        .tokens_of(user.actor.user_id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            state: t.state_label(now),
            active: t.active(now),
            name: t.name,
            prefix: t.prefix,
            created: fmt_datetime(t.created_at),
            expires: t
                .expires_at
                .map(fmt_datetime)
                .unwrap_or_else(|| "Không đặt hạn".into()),
            last_used: t
                .last_used_at
                .map(fmt_datetime)
                .unwrap_or_else(|| "Chưa dùng".into()),
        })
        .collect();
    let page = TokensPage {
        layout: Layout::new("Mã truy cập API", Some(&user.info), &user.csrf, "tokens"),
        rows,
        secret: shown.secret.to_owned(),
        secret_name: shown.secret_name.to_owned(),
        name: shown.name.to_owned(),
        days: shown.days.to_owned(),
        errors: shown.errors,
        notice: shown.notice,
    };
    // A page carrying a secret is never cached.
    Ok((status, [(header::CACHE_CONTROL, "no-store")], page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MsgQuery {
    msg: String,
}

pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<MsgQuery>,
) -> AppResult<Response> {
    let notice = if q.msg == "revoked" {
        "Đã thu hồi mã truy cập; hệ thống dùng mã này sẽ không truy cập được nữa."
    } else {
        ""
    };
    let shown = Shown {
        secret: "",
        secret_name: "",
        name: "",
        days: "",
        errors: Errors::default(),
        notice,
    };
    render(&state, &user, shown, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    name: String,
    expires_in_days: String,
}

pub async fn create(
    State(state): State<AppState>,
    user: User,
    VnForm(f): VnForm<TokenForm>,
) -> AppResult<Response> {
    let days = f.expires_in_days.trim();
    let parsed = if days.is_empty() {
        NewToken::parse(&f.name, None)
    } else {
        match days.parse::<i64>() {
            Ok(d) => NewToken::parse(&f.name, Some(d)),
            Err(_) => Err(ServiceError::invalid(
                "expires_in_days",
                "Thời hạn phải là số ngày (từ 1 đến 3650).",
            )),
        }
    };
    let result = match parsed {
        Ok(new) => tokens::create_own_token(&state.db, &user.actor, &new).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((token, secret)) => {
            let shown = Shown {
                secret: &secret,
                secret_name: &token.name,
                name: "",
                days: "",
                errors: Errors::default(),
                notice: "",
            };
            render(&state, &user, shown, StatusCode::CREATED).await
        }
        Err(e) => {
            let errors = match e {
                ServiceError::Invalid(list) => Errors::from_list(&list),
                e @ ServiceError::Conflict(_) => {
                    Errors::from_list(&[dvk_domain::entry::FieldError::new("name", e.to_string())])
                }
                other => return Err(other.into()),
            };
            let shown = Shown {
                secret: "",
                secret_name: "",
                name: &f.name,
                days: &f.expires_in_days,
                errors,
                notice: "",
            };
            render(&state, &user, shown, StatusCode::BAD_REQUEST).await
        }
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    tokens::revoke_token(&state.db, Some(&user.actor), id).await?;
    Ok(Redirect::to("/tokens?msg=revoked").into_response())
}
