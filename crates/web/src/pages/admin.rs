use super::{notice, unit_options};
use crate::ctx::User;
use crate::error::{status_of, AppResult};
use crate::form::{parse_id, VnForm};
use crate::views::*;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dvk_domain::auth::{Denied, Role};
use dvk_domain::unit::{unit_kind_name, UNIT_KINDS};
use dvk_store::{credentials, service, ServiceError};
use serde::Deserialize;

fn admin_roots(user: &User) -> Vec<(i64, dvk_domain::unit::UnitPath)> {
    user.info
        .grants
        .iter()
        .filter(|g| g.role == Role::Admin)
        .map(|g| (g.unit_id, g.unit_path.clone()))
        .collect()
}

fn require_admin(user: &User) -> Result<(), ServiceError> {
    if admin_roots(user).is_empty() {
        return Err(ServiceError::Denied(Denied::NoRole("quản trị")));
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnitsQuery {
    parent: String,
    msg: String,
}

async fn render_units(
    state: &AppState,
    user: &User,
    parent_raw: &str,
    errors: Errors,
    name: String,
    notice_text: &str,
    status: StatusCode,
) -> AppResult<Response> {
    require_admin(user)?;
    let roots = admin_roots(user);
    let parent_id = parent_raw.trim().parse::<i64>().unwrap_or(roots[0].0);
    let view =
        dvk_store::unit_admin::unit_admin_view(&state.db, &user.actor, parent_id, true).await?;
    let dvk_store::unit_admin::UnitAdminView {
        unit: parent,
        children,
        lineage,
        successors: succ,
        predecessors: pred,
    } = view;
    let trail = lineage
        .iter()
        .filter(|u| user.actor.holds(Role::Admin, &u.path))
        .map(|u| (u.id, u.name.clone()))
        .collect();
    let rows = children
        .into_iter()
        .map(|u| UnitRow {
            id: u.id,
            name: u.name,
            kind: unit_kind_name(&u.kind).to_owned(),
            code: u.code.unwrap_or_default(),
            validity: match (&u.valid_from, &u.valid_to) {
                (_, Some(to)) => format!("đến {}", fmt_iso_date(to)),
                (Some(from), None) => format!("từ {}", fmt_iso_date(from)),
                (None, None) => "đang hoạt động".into(),
            },
        })
        .collect();
    let page = AdminUnitsPage {
        layout: Layout::new("Đơn vị", Some(&user.info), &user.csrf, "units"),
        parent_id: parent.id,
        parent_name: parent.name.clone(),
        trail,
        rows,
        kinds: UNIT_KINDS
            .iter()
            .filter(|(c, _)| !matches!(*c, "tinh" | "huyen" | "xa" | "phuong"))
            .map(|(c, l)| Opt::new(*c, *l, "khu_dan_cu"))
            .collect(),
        errors,
        name,
        notice: notice_text.to_owned(),
        successors: succ.into_iter().map(|u| u.name).collect(),
        predecessors: pred.into_iter().map(|u| u.name).collect(),
    };
    Ok((status, page).into_response())
}

pub async fn units(
    State(state): State<AppState>,
    user: User,
    Query(uq): Query<UnitsQuery>,
) -> AppResult<Response> {
    render_units(
        &state,
        &user,
        &uq.parent,
        Errors::default(),
        String::new(),
        notice(&uq.msg),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnitForm {
    parent_id: String,
    name: String,
    kind: String,
}

pub async fn create_unit(
    State(state): State<AppState>,
    user: User,
    VnForm(form): VnForm<UnitForm>,
) -> AppResult<Response> {
    let parent_id = parse_id(&form.parent_id)?;
    match service::create_unit(&state.db, &user.actor, parent_id, &form.name, &form.kind).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/units?parent={parent_id}&msg=unit")).into_response())
        }
        Err(ServiceError::Invalid(list)) => {
            render_units(
                &state,
                &user,
                &form.parent_id,
                Errors::from_list(&list),
                form.name.clone(),
                "",
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MsgQuery {
    msg: String,
}

/// What the accounts page shows besides the list: a refused form as it
/// was typed, a notice, a one-time password just set.
#[derive(Default)]
struct UsersShown {
    errors: Errors,
    username: String,
    full_name: String,
    notice: &'static str,
    one_time: Option<(String, String)>,
}

async fn render_users(
    state: &AppState,
    user: &User,
    shown: UsersShown,
    status: StatusCode,
) -> AppResult<Response> {
    let UsersShown {
        errors,
        username,
        full_name,
        notice: notice_text,
        one_time,
    } = shown;
    require_admin(user)?;
    let roots: Vec<_> = admin_roots(user).into_iter().map(|(_, p)| p).collect();
    let users = service::users_for_admin(&state.db, &user.actor).await?;
    let units = state
        .units(user.info.units_version)
        .await?
        .within(&roots, 2);
    let page = AdminUsersPage {
        layout: Layout::new("Tài khoản", Some(&user.info), &user.csrf, "users"),
        user_opts: users
            .iter()
            .map(|(u, _)| {
                Opt::new(
                    u.id.to_string(),
                    format!("{} ({})", u.full_name, u.username),
                    "",
                )
            })
            .collect(),
        users: users
            .into_iter()
            .map(|(u, gs)| UserView {
                id: u.id,
                is_self: u.id == user.actor.user_id,
                active: u.active,
                username: u.username,
                full_name: u.full_name,
                // Only roles inside the admin's own subtrees are shown.
                grants: gs
                    .into_iter()
                    .filter(|g| roots.iter().any(|r| r.covers(&g.unit_path)))
                    .map(|g| GrantView {
                        id: g.id,
                        role: g.role.label().to_owned(),
                        unit: g.unit_name,
                    })
                    .collect(),
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| Opt::new(r.code(), r.label(), ""))
            .collect(),
        units: unit_options(&units, ""),
        errors,
        username,
        full_name,
        notice: notice_text.to_owned(),
        one_time,
        policy: dvk_store::credentials::PASSWORD_POLICY,
    };
    Ok((status, page).into_response())
}

pub async fn users(
    State(state): State<AppState>,
    user: User,
    Query(mq): Query<MsgQuery>,
) -> AppResult<Response> {
    render_users(
        &state,
        &user,
        UsersShown {
            notice: notice(&mq.msg),
            ..Default::default()
        },
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UserForm {
    username: String,
    full_name: String,
    password: String,
}

pub async fn create_user(
    State(state): State<AppState>,
    user: User,
    VnForm(form): VnForm<UserForm>,
) -> AppResult<Response> {
    require_admin(&user)?;
    match service::create_user(
        &state.db,
        Some(&user.actor),
        &form.username,
        &form.full_name,
        &form.password,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/admin/users?msg=user").into_response()),
        Err(ServiceError::Invalid(list)) => {
            render_users(
                &state,
                &user,
                UsersShown {
                    errors: Errors::from_list(&list),
                    username: form.username,
                    full_name: form.full_name,
                    ..Default::default()
                },
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GrantForm {
    user_id: String,
    role: String,
    unit_id: String,
}

pub async fn add_grant(
    State(state): State<AppState>,
    user: User,
    VnForm(form): VnForm<GrantForm>,
) -> AppResult<Response> {
    require_admin(&user)?;
    let user_id = parse_id(&form.user_id)?;
    let unit_id = parse_id(&form.unit_id)?;
    let Some(role) = Role::parse(form.role.trim()) else {
        return render_users(
            &state,
            &user,
            UsersShown {
                errors: Errors::from_list(&[dvk_domain::entry::FieldError::new(
                    "role",
                    "Chọn vai trò trong danh sách.",
                )]),
                ..Default::default()
            },
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    match service::grant_role(&state.db, Some(&user.actor), user_id, role, unit_id).await {
        Ok(_) => Ok(Redirect::to("/admin/users?msg=grant").into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            let list = match e {
                ServiceError::Invalid(l) => l,
                other => vec![dvk_domain::entry::FieldError::new(
                    "grant",
                    other.to_string(),
                )],
            };
            render_users(
                &state,
                &user,
                UsersShown {
                    errors: Errors::from_list(&list),
                    ..Default::default()
                },
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_grant(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    require_admin(&user)?;
    let id = parse_id(&id)?;
    match service::revoke_grant(&state.db, &user.actor, id).await {
        Ok(()) => Ok(Redirect::to("/admin/users?msg=revoked").into_response()),
        Err(e @ ServiceError::Conflict(_)) => {
            let list = vec![dvk_domain::entry::FieldError::new("grant", e.to_string())];
            render_users(
                &state,
                &user,
                UsersShown {
                    errors: Errors::from_list(&list),
                    ..Default::default()
                },
                status_of(&e),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// An admin sets a one-time password; the page shows it once.
pub async fn reset_password(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let set = credentials::reset_password(&state.db, &user.actor, id).await?;
    let who = format!("{} ({})", set.full_name, set.username);
    render_users(
        &state,
        &user,
        UsersShown {
            one_time: Some((who, set.password)),
            ..Default::default()
        },
        StatusCode::OK,
    )
    .await
}

pub async fn disable_user(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    credentials::set_account_active(&state.db, &user.actor, id, false).await?;
    Ok(Redirect::to("/admin/users?msg=disabled").into_response())
}

pub async fn enable_user(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    credentials::set_account_active(&state.db, &user.actor, id, true).await?;
    Ok(Redirect::to("/admin/users?msg=enabled").into_response())
}
