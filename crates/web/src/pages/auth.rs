use crate::client::ClientIp;
use crate::ctx::{session_cookie, session_cookie_name, set_cookie, Ctx};
use crate::error::{status_of, AppResult};
use crate::form::VnForm;
use crate::views::{Layout, LoginPage};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use dvk_store::ServiceError;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    next: String,
}

/// Only same-site paths are followed after login.
fn safe_next(next: &str) -> &str {
    // Browsers drop tabs and newlines from Location, so "/\t/evil" would
    // become "//evil": refuse any control or white-space character.
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace())
        && next.len() < 500
    {
        next
    } else {
        "/"
    }
}

pub async fn login_page(ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult<Response> {
    if ctx.session.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let page = LoginPage {
        layout: Layout::new("Đăng nhập", None, &ctx.csrf, "login"),
        username: String::new(),
        next: safe_next(&q.next).to_owned(),
        error: String::new(),
    };
    Ok(page.into_response())
}

pub async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(client): ClientIp,
    VnForm(form): VnForm<LoginForm>,
) -> AppResult<Response> {
    match dvk_store::credentials::login(
        &state.db,
        &form.username,
        &form.password,
        &crate::client::budget_key(client).to_string(),
    )
    .await
    {
        Ok((token, _csrf)) => {
            if let Some(old) = &ctx.session_token {
                state.db.delete_session(old).await?;
            }
            let mut res = Redirect::to(safe_next(&form.next)).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                session_cookie(&token, state.config.secure_cookies),
            );
            Ok(res)
        }
        Err(e @ (ServiceError::Invalid(_) | ServiceError::TooMany(_))) => {
            let message = match &e {
                ServiceError::Invalid(errs) => {
                    errs.first().map(|f| f.message.clone()).unwrap_or_default()
                }
                other => other.to_string(),
            };
            let status = if matches!(e, ServiceError::TooMany(_)) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                status_of(&e)
            };
            let page = LoginPage {
                layout: Layout::new("Đăng nhập", None, &ctx.csrf, "login"),
                username: form.username.chars().take(60).collect(),
                next: safe_next(&form.next).to_owned(),
                error: message,
            };
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Some(t) = &ctx.session_token {
        state.db.delete_session(t).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            session_cookie_name(state.config.secure_cookies),
            "",
            0,
            state.config.secure_cookies,
        ),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next("/entries?x=1"), "/entries?x=1");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
        assert_eq!(safe_next("/\t/evil.example"), "/");
    }
}
