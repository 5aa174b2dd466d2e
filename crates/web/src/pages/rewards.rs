//! Reward rounds: the funnel, proposals (one form per achievement), reward
//! decisions; selecting outstanding entries; revocation.

use super::unit_options;
use crate::ctx::User;
use crate::error::{show_refusal, user_facing, AppResult};
use crate::form::{parse_id, Sent, VnForm};
use crate::typed::Typed;
use crate::views::*;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dvk_domain::appraisal::{round_kind_label, ROUND_KINDS};
use dvk_domain::auth::Role;
use dvk_domain::state::EntryState;
use dvk_store::rewards::{self as rw, RewardDecisionForm, RewardRoundForm};
use dvk_store::service::current_year;
use dvk_store::ServiceError;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "rewards.html")]
pub struct RewardsPage {
    pub layout: Layout,
    pub rows: Vec<(i64, String, String)>,
    pub units: Vec<Opt>,
    pub levels: Vec<Opt>,
    pub kinds: Vec<Opt>,
    pub phases: Vec<Opt>,
    pub title: String,
    pub year: String,
    pub errors: Errors,
    pub notice: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MsgQuery {
    msg: String,
}

fn reward_notice(code: &str) -> &'static str {
    match code {
        "round" => "Đã mở đợt khen thưởng.",
        "proposed" => "Đã đề nghị khen thưởng.",
        "outstanding" => "Đã chọn là mô hình, điển hình tiêu biểu.",
        "decided" => "Đã ban hành quyết định khen thưởng.",
        _ => "",
    }
}

/// The list of reward rounds with the form that opens one: blank, or as
/// `typed` after a refusal.
async fn render_list(
    state: &AppState,
    user: &User,
    errors: Errors,
    msg: &str,
    typed: Option<&RewardRoundForm>,
    status: StatusCode,
) -> AppResult<Response> {
    let cat = &state.catalogue;
    let blank = RewardRoundForm {
        phase: "2026-2030".into(),
        year: current_year().to_string(),
        ..Default::default()
    };
    let f = typed.unwrap_or(&blank);
    let roots: Vec<_> = user
        .info
        .grants
        .iter()
        .filter(|g| g.role == Role::MovementOfficer)
        .map(|g| g.unit_path.clone())
        .collect();
    let units = state
        .units(user.info.units_version)
        .await?
        .within(&roots, 0);
    let rounds = rw::reward_rounds_for(&state.db, &user.actor).await?;
    let page = RewardsPage {
        layout: Layout::new("Khen thưởng", Some(&user.info), &user.csrf, "rewards"),
        rows: rounds
            .into_iter()
            .map(|r| {
                (
                    r.id,
                    r.title,
                    format!(
                        "{} · {} · {}",
                        r.unit_name,
                        round_kind_label(&r.kind),
                        r.year
                    ),
                )
            })
            .collect(),
        units: unit_options(&units, f.unit_id.trim()),
        levels: cat
            .active_levels()
            .iter()
            .map(|l| Opt::new(l.code.clone(), l.name.clone(), f.level.trim()))
            .collect(),
        kinds: ROUND_KINDS
            .iter()
            .map(|(c, l)| Opt::new(*c, *l, f.kind.trim()))
            .collect(),
        phases: cat
            .phases
            .iter()
            .map(|p| Opt::new(p.code.clone(), p.name.clone(), f.phase.trim()))
            .collect(),
        title: f.title.clone(),
        year: f.year.clone(),
        errors,
        notice: reward_notice(msg).to_owned(),
    };
    Ok((status, page).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<MsgQuery>,
) -> AppResult<Response> {
    render_list(
        &state,
        &user,
        Errors::default(),
        &q.msg,
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    user: User,
    VnForm(f): VnForm<RewardRoundForm>,
) -> AppResult<Response> {
    match rw::create_reward_round(&state.db, &user.actor, &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/rewards/{id}?msg=round")).into_response()),
        Err(ServiceError::Invalid(list)) => {
            render_list(
                &state,
                &user,
                Errors::from_list(&list),
                "",
                Some(&f),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A form of reward with the entries proposed for it and the bodies the
/// reader may sign it for.
pub struct DecisionGroup {
    pub form_id: i64,
    pub name: String,
    pub entries: Vec<(i64, String)>,
    pub issuers: Vec<Opt>,
}

pub struct CandidateRow {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub state: String,
    pub reward: String,
    pub can_mark: bool,
    pub can_propose: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "reward_round.html")]
pub struct RewardRoundPage {
    pub layout: Layout,
    /// What a refused form sent, shown again as typed.
    pub typed: Typed,
    pub id: i64,
    pub title: String,
    pub subtitle: String,
    pub funnel: (usize, usize, usize, usize),
    pub rows: Vec<CandidateRow>,
    pub forms: Vec<Opt>,
    /// (form id, form name, [(entry id, title)]) for the signing leader.
    pub decisions: Vec<DecisionGroup>,
    /// "Tải văn bản": the issued decisions' files.
    pub documents: Vec<crate::documents::DocLink>,
    pub signer_name: String,
    pub today: String,
    pub notice: String,
    pub errors: Vec<String>,
}

async fn render_round(
    state: &AppState,
    user: &User,
    id: i64,
    msg: &str,
    errors: Vec<String>,
    typed: Typed,
    status: StatusCode,
) -> AppResult<Response> {
    let (round, candidates, funnel) = rw::view_reward_round(&state.db, &user.actor, id).await?;
    let organiser = user.actor.holds(Role::MovementOfficer, &round.unit_path);
    let signer = user.actor.holds(Role::SigningLeader, &round.unit_path);
    let forms = state.db.reward_forms().await?;
    let level_forms: Vec<_> = forms
        .iter()
        .filter(|f| f.level_code == round.level_code)
        .collect();
    let name_of = |id: i64| {
        forms
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.name.clone())
            .unwrap_or_default()
    };
    let mut decisions = Vec::new();
    for f in level_forms.iter().filter(|_| signer) {
        let entries: Vec<(i64, String)> = candidates
            .iter()
            .filter(|c| {
                c.proposed_form == Some(f.id)
                    && c.rewarded_form.is_none()
                    && c.state == EntryState::Outstanding
            })
            .map(|c| (c.entry_id, c.title.clone()))
            .collect();
        if entries.is_empty() {
            continue;
        }
        let issuers = rw::reward_issuers(&state.db, &user.actor, id, f.id).await?;
        decisions.push(DecisionGroup {
            form_id: f.id,
            name: f.name.clone(),
            entries,
            issuers: issuers
                .iter()
                .map(|i| Opt::new(i.unit_id.to_string(), i.label(), ""))
                .collect(),
        });
    }
    // A proposal per form of reward proposed in the round, then the
    // issued decisions.
    let mut proposed_forms: Vec<i64> = candidates.iter().filter_map(|c| c.proposed_form).collect();
    proposed_forms.sort_unstable();
    proposed_forms.dedup();
    let proposals = proposed_forms.into_iter().map(|f| {
        crate::documents::DocLink::new(
            state,
            &format!("/rewards/{id}"),
            "to-trinh",
            &format!("form={f}"),
            format!("Tờ trình đề nghị khen thưởng: {}", name_of(f)),
        )
    });
    let documents = proposals
        .chain(
            rw::issued_reward_decisions(&state.db, &user.actor, id)
                .await?
                .into_iter()
                .map(|(did, number, signed_on, title)| {
                    crate::documents::DocLink::new(
                        state,
                        &format!("/rewards/{id}"),
                        "quyet-dinh",
                        &format!("decision={did}"),
                        format!(
                            "Quyết định số {number} ngày {} — {title}",
                            dvk_store::appraisal::show_date(&signed_on)
                        ),
                    )
                }),
        )
        .collect();
    let page = RewardRoundPage {
        typed,
        documents,
        layout: Layout::new(round.title.clone(), Some(&user.info), &user.csrf, "rewards"),
        id,
        title: round.title.clone(),
        subtitle: format!(
            "{} · {} · {} · năm {} (giai đoạn {})",
            round.unit_name,
            state.catalogue.level_name(&round.level_code),
            round_kind_label(&round.kind),
            round.year,
            round.phase
        ),
        funnel: (
            funnel.recognised,
            funnel.outstanding,
            funnel.proposed,
            funnel.rewarded,
        ),
        rows: candidates
            .iter()
            .map(|c| CandidateRow {
                id: c.entry_id,
                title: c.title.clone(),
                unit: c.unit_name.clone(),
                state: c.state.label().to_owned(),
                reward: match (c.rewarded_form, c.proposed_form) {
                    (Some(f), _) => format!("Đã khen: {}", name_of(f)),
                    (None, Some(f)) => format!("Đề nghị: {}", name_of(f)),
                    _ => String::new(),
                },
                can_mark: organiser && c.state == EntryState::Recognised,
                can_propose: organiser
                    && c.state == EntryState::Outstanding
                    && c.proposed_form.is_none(),
            })
            .collect(),
        forms: level_forms
            .iter()
            .map(|f| Opt::new(f.id.to_string(), f.name.clone(), ""))
            .collect(),
        decisions,
        signer_name: user.info.full_name.clone(),
        // yyyy-mm-dd; the form shows it dd/mm/yyyy.
        today: dvk_store::appraisal::today(),
        notice: reward_notice(msg).to_owned(),
        errors,
    };
    Ok((status, page).into_response())
}

pub async fn detail(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(q): Query<MsgQuery>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    render_round(
        &state,
        &user,
        id,
        &q.msg,
        Vec::new(),
        Default::default(),
        StatusCode::OK,
    )
    .await
}

/// Redirects after a change; on a refusal, the page again with the form
/// as it was typed.
async fn outcome(
    state: &AppState,
    user: &User,
    id: i64,
    r: Result<(), ServiceError>,
    ok: &str,
    typed: Typed,
) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/rewards/{id}?msg={ok}")).into_response()),
        Err(e) => {
            show_refusal(e, |errors, status| {
                render_round(state, user, id, "", errors, typed, status)
            })
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProposalForm {
    entry_id: String,
    form_id: String,
}

pub async fn propose(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Sent(f, typed): Sent<ProposalForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let (entry, form) = (parse_id(&f.entry_id)?, parse_id(&f.form_id)?);
    let r = rw::propose_reward(&state.db, &user.actor, id, entry, form).await;
    outcome(&state, &user, id, r, "proposed", typed).await
}

pub async fn decide(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    VnForm(f): VnForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let one = |k: &str| {
        f.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = RewardDecisionForm {
        form_id: one("form_id"),
        number: one("number"),
        signed_on: one("signed_on"),
        signer: one("signer"),
        signer_title: one("signer_title"),
        issuer_unit_id: one("issuer_unit_id"),
    };
    let entries: Vec<i64> = f
        .iter()
        .filter(|(k, _)| k == "entry")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let r = rw::decide_reward(&state.db, &user.actor, id, &form, &entries)
        .await
        .map(|_| ());
    outcome(&state, &user, id, r, "decided", Typed::from_pairs(&f)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BackForm {
    back: String,
}

pub async fn mark_outstanding(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    VnForm(f): VnForm<BackForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let r = rw::mark_outstanding(&state.db, &user.actor, id).await;
    match f.back.trim().parse::<i64>() {
        Ok(round) => outcome(&state, &user, round, r, "outstanding", Typed::default()).await,
        Err(_) => {
            r?;
            Ok(Redirect::to(&format!("/entries/{id}?msg=outstanding")).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevokeForm {
    reason: String,
    decision_ref: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Sent(f, typed): Sent<RevokeForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    match rw::revoke(&state.db, &user.actor, id, &f.reason, &f.decision_ref).await {
        Ok(()) => Ok(Redirect::to(&format!("/entries/{id}?msg=revoked_entry")).into_response()),
        Err(e) => {
            let (status, errors) = user_facing(e)?;
            super::entries::render_detail(&state, &user, id, "", errors, typed, status).await
        }
    }
}
