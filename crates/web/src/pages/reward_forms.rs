//! The catalogue of forms of reward: everyone signed in reads it; the
//! province's secretariat adds, edits and retires forms.

use crate::ctx::User;
use crate::error::AppResult;
use crate::form::{parse_id, VnForm};
use crate::views::{Errors, Layout, Opt};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dvk_domain::issuer::IssuerType;
use dvk_domain::unit::UNIT_KINDS;
use dvk_store::reward_forms::{save_reward_form, RewardFormEdit};
use dvk_store::ServiceError;
use serde::Deserialize;

/// One form as the page shows (and re-shows, after an error) it.
pub struct FormView {
    /// "new" for the empty form that adds one.
    pub key: String,
    pub code: String,
    pub name: String,
    pub title_pattern: String,
    pub issuer_types: Vec<Opt>,
    pub issuer_kinds: Vec<Opt>,
    pub levels: Vec<Opt>,
    pub amount: String,
    pub active: bool,
    /// "Cấp xã · Ủy ban nhân dân · 500.000 đồng", for the folded view.
    pub facts: String,
    pub errors: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "reward_forms.html")]
pub struct RewardFormsPage {
    pub layout: Layout,
    pub forms: Vec<FormView>,
    pub can_edit: bool,
    pub notice: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MsgQuery {
    msg: String,
}

fn view(state: &AppState, key: String, code: String, e: &RewardFormEdit) -> FormView {
    let mut kinds = vec![Opt::new(
        "",
        "Mọi đơn vị thuộc loại cơ quan này",
        &e.issuer_kind,
    )];
    kinds.extend(
        UNIT_KINDS
            .iter()
            .filter(|(c, _)| IssuerType::of_unit_kind(c).is_some())
            .map(|(c, l)| Opt::new(*c, *l, &e.issuer_kind)),
    );
    let mut facts = vec![
        state.catalogue.level_name(&e.level_code).to_owned(),
        IssuerType::parse(&e.issuer_type)
            .map(|t| t.label().to_owned())
            .unwrap_or_default(),
    ];
    if !e.amount.trim().is_empty() {
        facts.push(format!("{} đồng", e.amount.trim()));
    }
    FormView {
        facts: facts.join(" · "),
        key,
        code,
        name: e.name.clone(),
        title_pattern: e.title_pattern.clone(),
        issuer_types: IssuerType::ALL
            .iter()
            .map(|t| Opt::new(t.code(), t.label(), &e.issuer_type))
            .collect(),
        issuer_kinds: kinds,
        levels: state
            .catalogue
            .levels
            .iter()
            .filter(|l| !l.historical)
            .map(|l| Opt::new(l.code.clone(), l.name.clone(), &e.level_code))
            .collect(),
        amount: e.amount.clone(),
        active: e.active == "1",
        errors: Vec::new(),
    }
}

async fn render(
    state: &AppState,
    user: &User,
    notice: &str,
    status: StatusCode,
    typed: Option<(String, RewardFormEdit, Errors)>,
) -> AppResult<Response> {
    let mut forms = Vec::new();
    let catalogue = state.db.reward_catalogue().await?;
    let blank = RewardFormEdit {
        title_pattern: "Giấy khen của {cơ quan}".into(),
        issuer_type: "chinh_quyen".into(),
        level_code: "xa".into(),
        active: "1".into(),
        ..Default::default()
    };
    for (key, code, stored) in catalogue
        .iter()
        .map(|f| {
            (
                f.id.to_string(),
                f.code.clone(),
                RewardFormEdit {
                    name: f.name.clone(),
                    title_pattern: f.title_pattern.clone(),
                    issuer_type: f.issuer_type.clone(),
                    issuer_kind: f.issuer_kind.clone().unwrap_or_default(),
                    level_code: f.level_code.clone(),
                    amount: f.amount.map(crate::views::fmt_money).unwrap_or_default(),
                    active: if f.active { "1" } else { "" }.into(),
                },
            )
        })
        .chain(std::iter::once(("new".to_owned(), String::new(), blank)))
    {
        // After a refused save, that form shows what was typed.
        let v = match &typed {
            Some((k, e, errs)) if *k == key => {
                let mut v = view(state, key, code, e);
                v.errors = errs.all();
                v
            }
            _ => view(state, key, code, &stored),
        };
        forms.push(v);
    }
    let page = RewardFormsPage {
        layout: Layout::new(
            "Danh mục hình thức khen thưởng",
            Some(&user.info),
            &user.csrf,
            "rewards",
        ),
        forms,
        can_edit: dvk_domain::auth::may_edit_catalogue(&user.actor),
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
        "Đã lưu danh mục hình thức khen thưởng."
    } else {
        ""
    };
    render(&state, &user, notice, StatusCode::OK, None).await
}

async fn save(
    state: AppState,
    user: User,
    key: String,
    id: Option<i64>,
    edit: RewardFormEdit,
) -> AppResult<Response> {
    match save_reward_form(&state.db, &user.actor, id, &edit).await {
        Ok(id) => {
            Ok(Redirect::to(&format!("/rewards/forms?msg=saved#hinh-thuc-{id}")).into_response())
        }
        Err(ServiceError::Invalid(list)) => {
            let errors = Errors::from_list(&list);
            render(
                &state,
                &user,
                "",
                StatusCode::BAD_REQUEST,
                Some((key, edit, errors)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    user: User,
    VnForm(edit): VnForm<RewardFormEdit>,
) -> AppResult<Response> {
    save(state, user, "new".into(), None, edit).await
}

pub async fn update(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    VnForm(edit): VnForm<RewardFormEdit>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    save(state, user, id.to_string(), Some(id), edit).await
}
