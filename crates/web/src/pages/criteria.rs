//! Criteria sets: the secretariat edits them; every save is a new version.

use crate::ctx::User;
use crate::error::AppResult;
use crate::form::{parse_id, VnForm};
use crate::views::{Errors, Layout};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dvk_domain::appraisal::fmt_num;
use dvk_store::appraisal::{save_criteria_set, CriteriaEdit};
use dvk_store::ServiceError;
use serde::Deserialize;

pub struct SetView {
    pub id: i64,
    pub title: String,
    pub version: i64,
    pub pass: String,
    pub min: String,
    pub rows: Vec<(String, String, String)>,
    /// Shown unfolded: the set just refused (with what was typed).
    pub open: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "criteria.html")]
pub struct CriteriaPage {
    pub layout: Layout,
    pub sets: Vec<SetView>,
    pub can_edit: bool,
    pub errors: Errors,
    pub notice: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MsgQuery {
    msg: String,
}

/// The page; `refused` is a set's edit that was refused, shown again as
/// typed.
async fn render(
    state: &AppState,
    user: &User,
    errors: Errors,
    notice: &str,
    refused: Option<(i64, &CriteriaEdit)>,
    status: StatusCode,
) -> AppResult<Response> {
    let cat = &state.catalogue;
    let sets = state.db.latest_criteria_sets().await?;
    let page = CriteriaPage {
        layout: Layout::new("Bộ tiêu chí", Some(&user.info), &user.csrf, "criteria"),
        can_edit: dvk_domain::auth::may_edit_catalogue(&user.actor),
        sets: sets
            .into_iter()
            .map(|l| {
                let mut rows: Vec<(String, String, String)> = l
                    .set
                    .criteria
                    .iter()
                    .map(|c| (c.name.clone(), fmt_num(c.weight), fmt_num(c.max_points)))
                    .collect();
                rows.push((String::new(), "1".into(), "10".into()));
                let typed = refused.filter(|(id, _)| *id == l.set.id).map(|(_, e)| e);
                SetView {
                    id: l.set.id,
                    title: format!(
                        "{} – {} – giai đoạn {}",
                        l.set.subject.label(),
                        cat.level_name(&l.level_code),
                        l.phase
                    ),
                    version: l.set.version,
                    pass: typed.map_or_else(
                        || fmt_num(l.set.thresholds.pass_mean_pct),
                        |e| e.pass_mean_pct.clone(),
                    ),
                    min: typed.map_or_else(
                        || fmt_num(l.set.thresholds.min_criterion_pct),
                        |e| e.min_criterion_pct.clone(),
                    ),
                    rows: typed.map_or(rows, |e| e.rows.clone()),
                    open: typed.is_some(),
                }
            })
            .collect(),
        errors,
        notice: notice.to_owned(),
    };
    Ok((status, page).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<MsgQuery>,
) -> AppResult<Response> {
    let notice = if q.msg == "saved" {
        "Đã lưu phiên bản mới của bộ tiêu chí."
    } else {
        ""
    };
    render(
        &state,
        &user,
        Errors::default(),
        notice,
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn save(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    VnForm(f): VnForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let all = |k: &str| {
        f.iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let (names, weights, maxes) = (all("name"), all("weight"), all("max"));
    let edit = CriteriaEdit {
        pass_mean_pct: all("pass").into_iter().next().unwrap_or_default(),
        min_criterion_pct: all("min").into_iter().next().unwrap_or_default(),
        rows: names
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    n,
                    weights.get(i).cloned().unwrap_or_default(),
                    maxes.get(i).cloned().unwrap_or_default(),
                )
            })
            .collect(),
    };
    match save_criteria_set(&state.db, &user.actor, id, &edit).await {
        Ok(_) => Ok(Redirect::to("/criteria?msg=saved").into_response()),
        Err(ServiceError::Invalid(list)) => {
            render(
                &state,
                &user,
                Errors::from_list(&list),
                "",
                Some((id, &edit)),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
