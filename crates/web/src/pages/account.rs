//! One's own account: changing the password (required first after an
//! admin's one-time reset).

use super::notice;
use crate::ctx::{Ctx, User};
use crate::error::AppResult;
use crate::form::VnForm;
use crate::views::{Errors, Layout, PasswordPage};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dvk_store::credentials::{self, PasswordChange, PASSWORD_POLICY};
use dvk_store::ServiceError;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MsgQuery {
    msg: String,
}

fn page(user: &User, errors: Errors, msg: &str) -> PasswordPage {
    PasswordPage {
        layout: Layout::new("Đổi mật khẩu", Some(&user.info), &user.csrf, "password"),
        errors,
        policy: PASSWORD_POLICY,
        required: user.info.must_change_password,
        notice: notice(msg).to_owned(),
    }
}

pub async fn password_page(user: User, Query(q): Query<MsgQuery>) -> AppResult<Response> {
    Ok(page(&user, Errors::default(), &q.msg).into_response())
}

pub async fn password_submit(
    State(state): State<AppState>,
    user: User,
    ctx: Ctx,
    VnForm(form): VnForm<PasswordChange>,
) -> AppResult<Response> {
    match credentials::change_password(&state.db, &user.actor, ctx.session_token.as_deref(), &form)
        .await
    {
        Ok(()) => Ok(Redirect::to("/account/password?msg=password").into_response()),
        Err(ServiceError::Invalid(list)) => Ok((
            StatusCode::BAD_REQUEST,
            page(&user, Errors::from_list(&list), ""),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
