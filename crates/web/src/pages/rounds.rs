//! Rounds: opening, council and assignment, scoring and ballots, the
//! results table, conclusion, public notice, moderation and the decision.

use super::{notice, unit_options};
use crate::ctx::User;
use crate::error::{show_refusal, AppError, AppResult};
use crate::form::{parse_id, Sent, VnForm};
use crate::typed::Typed;
use crate::views::*;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dvk_domain::appraisal::{
    fmt_num, round_kind_label, CouncilRole, RoundState, ScoringMode, ROUND_KINDS,
};
use dvk_domain::auth::Role;
use dvk_domain::round_rules::{RoundAction, RoundSight};
use dvk_store::appraisal::{self as ap, Assignment, Outcome, RoundForm};
use dvk_store::round_view::view_round;
use dvk_store::service::current_year;
use dvk_store::ServiceError;
use serde::Deserialize;
use std::collections::HashMap;

pub struct RoundRow {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub level: String,
    pub year: i32,
    pub kind: String,
    pub mode: String,
    pub state: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "rounds.html")]
pub struct RoundsPage {
    pub layout: Layout,
    pub rows: Vec<RoundRow>,
    pub units: Vec<Opt>,
    pub levels: Vec<Opt>,
    pub phases: Vec<Opt>,
    pub kinds: Vec<Opt>,
    pub modes: Vec<Opt>,
    pub form: RoundForm,
    pub errors: Errors,
    pub notice: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MsgQuery {
    msg: String,
}

fn round_notice(code: &str) -> &'static str {
    match code {
        "round" => "Đã mở đợt xét.",
        "member" => "Đã thêm thành viên Hội đồng.",
        "member_removed" => "Đã rút thành viên khỏi Hội đồng; phiếu của người này không được tính và biên bản ghi lại.",
        "assigned" => "Đã phân công chấm.",
        "started" => "Đã bắt đầu thẩm định.",
        "concluded" => "Hội đồng đã kết luận; phiếu chấm đã khóa.",
        "notice" => "Đã đăng thông báo công khai.",
        "decided" => "Đã ban hành quyết định công nhận.",
        "scored" => "Đã lưu phiếu.",
        "moderated" => "Đã cập nhật ý kiến.",
        other => notice(other),
    }
}

async fn render_rounds(
    state: &AppState,
    user: &User,
    form: RoundForm,
    errors: Errors,
    msg: &str,
    status: StatusCode,
) -> AppResult<Response> {
    let cat = &state.catalogue;
    let rounds = ap::rounds_visible(&state.db, &user.actor).await?;
    let organiser_roots: Vec<_> = user
        .info
        .grants
        .iter()
        .filter(|g| g.role == Role::MovementOfficer)
        .map(|g| g.unit_path.clone())
        .collect();
    let units = state
        .units(user.info.units_version)
        .await?
        .within(&organiser_roots, 0);
    let year = if form.year.is_empty() {
        current_year().to_string()
    } else {
        form.year.clone()
    };
    let page = RoundsPage {
        layout: Layout::new("Đợt xét", Some(&user.info), &user.csrf, "rounds"),
        rows: rounds
            .into_iter()
            .map(|r| RoundRow {
                id: r.id,
                title: r.title,
                unit: r.unit_name,
                level: cat.level_name(&r.level_code).to_owned(),
                year: r.year,
                kind: round_kind_label(&r.kind).to_owned(),
                mode: r.mode.label().to_owned(),
                state: r.state.label().to_owned(),
            })
            .collect(),
        units: unit_options(&units, &form.unit_id),
        levels: cat
            .active_levels()
            .iter()
            .map(|l| Opt::new(l.code.clone(), l.name.clone(), &form.level))
            .collect(),
        phases: cat
            .phases
            .iter()
            .map(|p| {
                Opt::new(
                    p.code.clone(),
                    p.name.clone(),
                    if form.phase.is_empty() {
                        "2026-2030"
                    } else {
                        &form.phase
                    },
                )
            })
            .collect(),
        kinds: ROUND_KINDS
            .iter()
            .map(|(c, l)| Opt::new(*c, *l, &form.kind))
            .collect(),
        modes: [ScoringMode::Score, ScoringMode::Ballot]
            .iter()
            .map(|m| Opt::new(m.code(), m.label(), &form.mode))
            .collect(),
        form: RoundForm { year, ..form },
        errors,
        notice: round_notice(msg).to_owned(),
    };
    Ok((status, page).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(mq): Query<MsgQuery>,
) -> AppResult<Response> {
    render_rounds(
        &state,
        &user,
        RoundForm::default(),
        Errors::default(),
        &mq.msg,
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    user: User,
    VnForm(form): VnForm<RoundForm>,
) -> AppResult<Response> {
    match ap::create_round(&state.db, &user.actor, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/rounds/{id}?msg=round")).into_response()),
        Err(ServiceError::Invalid(list)) => {
            render_rounds(
                &state,
                &user,
                form,
                Errors::from_list(&list),
                "",
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub struct ResultView {
    pub rank: usize,
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub state: String,
    pub count: String,
    pub mean: String,
    pub median: String,
    pub spread: String,
    pub disagreement: bool,
    pub missing: String,
    pub passes: bool,
    /// The outcome is known to this reader (live for full sight).
    pub decided: bool,
    pub reasons: String,
    /// The model most alike to this one, for the council and the
    /// organisers, and how many are alike in all.
    pub similar: Option<crate::views::SimilarView>,
    pub similar_count: usize,
}

pub struct CommentView {
    pub id: i64,
    pub entry_id: i64,
    pub author: String,
    pub at: String,
    pub body: String,
    pub answer: String,
    pub hidden: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "round.html")]
pub struct RoundPage {
    pub layout: Layout,
    /// What a refused form sent, shown again as typed.
    pub typed: Typed,
    pub r: RoundRow,
    pub facts: Vec<(String, String)>,
    pub notice: String,
    pub errors: Vec<String>,
    pub can_manage: bool,
    pub can_start: bool,
    pub can_conclude: bool,
    pub can_publish: bool,
    pub can_decide: bool,
    pub can_moderate: bool,
    /// Sheets each entry needs to conclude without an override.
    pub quorum: String,
    pub notice_min_days: i64,
    /// dd/mm/yyyy from which the decision may be signed, once on notice.
    pub decision_from: String,
    /// "full", "member" or "outcome": what the reader may see.
    pub sight: &'static str,
    /// Today and the notice's shortest lawful end, yyyy-mm-dd (the forms
    /// show them dd/mm/yyyy).
    pub today: String,
    pub notice_default_end: String,
    /// Bodies the reader may sign for at the round's level.
    pub issuers: Vec<Opt>,
    pub signer_name: String,
    pub on_notice: Vec<(i64, String)>,
    pub decisions: Vec<String>,
    /// "Tải văn bản": what the reader may download of this round.
    pub documents: Vec<crate::documents::DocLink>,
    pub my_tasks: Vec<(i64, String, String)>,
    pub score_mode: bool,
    pub provisional: bool,
    pub results: Vec<ResultView>,
    pub members: Vec<(i64, String)>,
    pub member_opts: Vec<Opt>,
    pub user_opts: Vec<Opt>,
    pub fields: Vec<Opt>,
    pub comments: Vec<CommentView>,
}

/// The documents of a round its reader may download, in the order the
/// work produces them.
fn round_documents(
    state: &AppState,
    view: &dvk_store::round_view::RoundView,
    my_tasks: &[(i64, String, String)],
) -> Vec<crate::documents::DocLink> {
    use crate::documents::DocLink;
    let round = &view.data.round;
    let base = format!("/rounds/{}", round.id);
    let concluded = matches!(
        round.state,
        RoundState::Concluded | RoundState::Notice | RoundState::Decided
    );
    let mut out = Vec::new();
    if view.sight == RoundSight::Member && !my_tasks.is_empty() {
        out.push(DocLink::new(
            state,
            &base,
            "phieu-cham",
            "",
            "Phiếu chấm của tôi",
        ));
    }
    if matches!(view.sight, RoundSight::Member | RoundSight::Full) {
        out.push(DocLink::new(
            state,
            &base,
            "phieu-cham",
            "blank=1",
            "Phiếu chấm trống (để chấm tay)",
        ));
    }
    if view.sight == RoundSight::Full && concluded {
        out.push(DocLink::new(
            state,
            &base,
            "bien-ban",
            "",
            "Biên bản họp Hội đồng",
        ));
        out.push(DocLink::new(
            state,
            &base,
            "to-trinh",
            "",
            "Tờ trình đề nghị công nhận",
        ));
    }
    if matches!(round.state, RoundState::Notice | RoundState::Decided) {
        out.push(DocLink::new(
            state,
            &base,
            "thong-bao",
            "",
            "Thông báo công khai kết quả xét chọn",
        ));
    }
    for d in &view.decisions {
        out.push(DocLink::new(
            state,
            &base,
            "quyet-dinh",
            &format!("decision={}", d.id),
            format!(
                "Quyết định công nhận số {} của {} (kèm phụ lục)",
                d.number, d.issuing_body
            ),
        ));
    }
    out
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{}%", fmt_num((x * 10.0).round() / 10.0)))
        .unwrap_or_else(|| "–".into())
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
    let cat = &state.catalogue;
    let view = view_round(&state.db, &user.actor, id).await?;
    let data = &view.data;
    let round = &data.round;
    let seat = view.seat;
    let full = view.sight == RoundSight::Full;
    let organiser = seat.organiser;
    let can_moderate = seat.check(RoundAction::ModerateComments).is_ok();
    let names: HashMap<i64, String> = data
        .members
        .iter()
        .map(|m| (m.user_id, m.full_name.clone()))
        .collect();
    let result_views = view
        .lines
        .iter()
        .map(|x| {
            let count = format!("{}/{}", x.scored_count, x.assigned_count);
            let (mean, median, spread, disagreement) = match &x.outcome {
                Some(Outcome::Score(a)) => (
                    pct(a.mean_pct),
                    pct(a.median_pct),
                    match (a.min_pct, a.max_pct, a.stddev_pct) {
                        (Some(lo), Some(hi), Some(sd)) => format!(
                            "{}–{} (σ {})",
                            pct(Some(lo)),
                            pct(Some(hi)),
                            fmt_num((sd * 10.0).round() / 10.0)
                        ),
                        _ => "–".into(),
                    },
                    a.disagreement,
                ),
                Some(Outcome::Ballot(t)) => (
                    format!("{} ({})", t.approve, pct(Some(t.approve_pct))),
                    String::new(),
                    String::new(),
                    false,
                ),
                // Not full sight: the concluded figure only, once it exists.
                None => (
                    x.concluded_pct
                        .map(|p| pct(Some(p)))
                        .unwrap_or_else(|| "–".into()),
                    String::new(),
                    String::new(),
                    false,
                ),
            };
            let (passes, reasons, rank, decided) = match &x.standing {
                Some((p, r, k)) => (*p, r.clone(), *k, true),
                None => (false, String::new(), 0, false),
            };
            ResultView {
                rank,
                id: x.entry.entry_id,
                title: x.entry.title.clone(),
                unit: x.entry.unit_name.clone(),
                state: x.entry.state.label().to_owned(),
                count,
                mean,
                median,
                spread,
                disagreement,
                missing: x
                    .assigned
                    .iter()
                    .filter(|m| !x.scored.contains(m))
                    .map(|m| names.get(m).cloned().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(", "),
                passes,
                decided,
                reasons,
                // The most alike model inline; the entry's page lists all.
                similar_count: view.similar.get(&x.entry.entry_id).map_or(0, |s| s.total),
                similar: view
                    .similar
                    .get(&x.entry.entry_id)
                    .and_then(|s| s.models.first())
                    .map(crate::views::SimilarView::of),
            }
        })
        .collect();
    let my_tasks: Vec<(i64, String, String)> = data
        .entries
        .iter()
        .filter(|e| {
            data.assignments
                .get(&e.entry_id)
                .is_some_and(|a| a.contains(&user.actor.user_id))
        })
        .map(|e| {
            let done = match round.mode {
                ScoringMode::Score => data
                    .scores
                    .get(&(e.entry_id, user.actor.user_id))
                    .is_some_and(|s| s.len() == data.set_for(e.subject).criteria.len()),
                ScoringMode::Ballot => data.ballots.contains_key(&(e.entry_id, user.actor.user_id)),
            };
            (
                e.entry_id,
                e.title.clone(),
                if done {
                    "đã chấm".to_owned()
                } else {
                    "chưa chấm".to_owned()
                },
            )
        })
        .collect();
    let comments = if can_moderate {
        ap::comments_to_moderate(&state.db, &user.actor, id).await?
    } else {
        Vec::new()
    };
    let decisions = &view.decisions;
    let issuers = if seat.check(RoundAction::Decide).is_ok() && round.state == RoundState::Notice {
        ap::decision_issuers(&state.db, &user.actor, id).await?
    } else {
        Vec::new()
    };
    let users = if organiser {
        dvk_store::proposing::council_candidates(&state.db, &user.actor, id).await?
    } else {
        Vec::new()
    };
    let today = ap::today();
    let mut facts = vec![
        ("Đơn vị tổ chức".to_owned(), round.unit_name.clone()),
        (
            "Bộ tiêu chí tập thể".to_owned(),
            format!(
                "{} (phiên bản {}, đạt khi ≥ {}% và không tiêu chí nào dưới {}%)",
                data.collective.name,
                data.collective.version,
                fmt_num(data.collective.thresholds.pass_mean_pct),
                fmt_num(data.collective.thresholds.min_criterion_pct)
            ),
        ),
        (
            "Bộ tiêu chí cá nhân".to_owned(),
            format!(
                "{} (phiên bản {})",
                data.individual.name, data.individual.version
            ),
        ),
    ];
    if round.mode == ScoringMode::Ballot {
        facts.push((
            "Ngưỡng tán thành".to_owned(),
            format!("trên {}% thành viên", fmt_num(round.ballot_threshold_pct)),
        ));
    }
    for (label, v) in [
        ("Hạn đề nghị", &round.proposal_deadline),
        ("Hạn chấm", &round.scoring_deadline),
    ] {
        if let Some(d) = v {
            facts.push((label.to_owned(), ap::show_date(d)));
        }
    }
    if let Some(q) = round.quota_per_unit {
        facts.push((
            "Chỉ tiêu mỗi đơn vị".to_owned(),
            format!("{q} hồ sơ (cảnh báo, không chặn)"),
        ));
    }
    if let (Some(s), Some(e)) = (&round.notice_starts, &round.notice_ends) {
        facts.push((
            "Thông báo công khai".to_owned(),
            format!("{} – {}", ap::show_date(s), ap::show_date(e)),
        ));
    }
    if let Some(d) = &round.minutes_date {
        facts.push((
            "Biên bản họp".to_owned(),
            format!(
                "{} tại {}; thành phần: {}",
                ap::show_date(d),
                round.minutes_place,
                round.minutes_present
            ),
        ));
    }
    // Who left the council: fixed in the minutes at the conclusion, live before.
    let former = if round.minutes_date.is_some() {
        round.minutes_former.clone()
    } else {
        ap::former_members_note(data)
    };
    if full && !former.is_empty() {
        facts.push(("Thành viên rời Hội đồng".to_owned(), former));
    }
    if full && !round.minutes_missing.is_empty() {
        facts.push((
            "Phiếu còn thiếu khi kết luận".to_owned(),
            round.minutes_missing.clone(),
        ));
    }
    if !round.quorum_override.is_empty() {
        facts.push((
            "Lý do kết luận khi thiếu phiếu".to_owned(),
            round.quorum_override.clone(),
        ));
    }
    facts.push((
        "Thông báo công khai tối thiểu".to_owned(),
        format!("{} ngày làm việc", round.notice_min_days),
    ));
    // The shortest lawful notice from today, as the form's default.
    let notice_end_default = {
        let today = dvk_domain::calendar::parse_iso(&ap::today());
        today
            .map(|d| {
                dvk_domain::calendar::iso(dvk_domain::calendar::last_of_working_days(
                    d,
                    round.notice_min_days,
                ))
            })
            .unwrap_or_default()
    };
    let documents = round_documents(state, &view, &my_tasks);
    let page = RoundPage {
        typed,
        documents,
        layout: Layout::new(round.title.clone(), Some(&user.info), &user.csrf, "rounds"),
        r: RoundRow {
            id: round.id,
            title: round.title.clone(),
            unit: round.unit_name.clone(),
            level: cat.level_name(&round.level_code).to_owned(),
            year: round.year,
            kind: round_kind_label(&round.kind).to_owned(),
            mode: round.mode.label().to_owned(),
            state: round.state.label().to_owned(),
        },
        facts,
        notice: round_notice(msg).to_owned(),
        errors,
        can_manage: seat.check(RoundAction::Assign).is_ok()
            && matches!(round.state, RoundState::Open | RoundState::Appraisal),
        can_start: seat.check(RoundAction::StartAppraisal).is_ok()
            && round.state == RoundState::Open,
        can_conclude: seat.check(RoundAction::Conclude).is_ok()
            && round.state == RoundState::Appraisal,
        can_publish: seat.check(RoundAction::PublishNotice).is_ok()
            && round.state == RoundState::Concluded,
        can_decide: seat.check(RoundAction::Decide).is_ok() && round.state == RoundState::Notice,
        can_moderate,
        quorum: format!(
            "{}/{}",
            dvk_domain::round_rules::quorum_needed(
                data.members.len(),
                data.members.len(),
                round.quorum_pct
            ),
            data.members.len()
        ),
        notice_min_days: round.notice_min_days,
        decision_from: ap::first_decision_day(round)
            .map(|d| ap::show_date(&d))
            .unwrap_or_default(),
        sight: match view.sight {
            RoundSight::Full => "full",
            RoundSight::Member => "member",
            _ => "outcome",
        },
        today: today.clone(),
        notice_default_end: notice_end_default,
        issuers: issuers
            .iter()
            .map(|i| Opt::new(i.unit_id.to_string(), i.label(), ""))
            .collect(),
        signer_name: user.info.full_name.clone(),
        on_notice: data
            .entries
            .iter()
            .filter(|e| e.state == dvk_domain::state::EntryState::InPublicNotice)
            .map(|e| (e.entry_id, e.title.clone()))
            .collect(),
        decisions: decisions
            .iter()
            .map(|d| {
                format!(
                    "Quyết định số {} ngày {} của {} — {} {}",
                    d.number,
                    ap::show_date(&d.signed_on),
                    d.issuing_body,
                    d.signer_title,
                    d.signer
                )
            })
            .collect(),
        my_tasks,
        score_mode: round.mode == ScoringMode::Score,
        provisional: matches!(round.state, RoundState::Open | RoundState::Appraisal),
        results: result_views,
        members: data
            .members
            .iter()
            .map(|m| (m.user_id, format!("{} — {}", m.full_name, m.role.label())))
            .collect(),
        member_opts: data
            .members
            .iter()
            .map(|m| Opt::new(m.user_id.to_string(), m.full_name.clone(), ""))
            .collect(),
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
        fields: cat
            .fields
            .iter()
            .filter(|f| f.parent_id.is_none())
            .map(|f| Opt::new(f.id.to_string(), f.name.clone(), ""))
            .collect(),
        comments: comments
            .into_iter()
            .map(|c| CommentView {
                id: c.id,
                entry_id: c.entry_id,
                author: if c.author_name.is_empty() {
                    "Người dân (ẩn danh)".into()
                } else {
                    c.author_name
                },
                at: fmt_datetime(c.created_at),
                body: c.body,
                answer: c.answer,
                hidden: c.hidden,
            })
            .collect(),
    };
    Ok((status, page).into_response())
}

pub async fn detail(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(mq): Query<MsgQuery>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    render_round(
        &state,
        &user,
        id,
        &mq.msg,
        Vec::new(),
        Default::default(),
        StatusCode::OK,
    )
    .await
}

/// Runs a round action; on a refusal a user can act on, shows the round
/// page with the message and the form as it was typed.
async fn act(
    state: &AppState,
    user: &User,
    id: i64,
    result: Result<(), ServiceError>,
    ok: &str,
    typed: Typed,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/rounds/{id}?msg={ok}")).into_response()),
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
pub struct MemberForm {
    user_id: String,
    role: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Sent(f, typed): Sent<MemberForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let uid = parse_id(&f.user_id)?;
    let role = CouncilRole::parse(f.role.trim()).ok_or_else(|| {
        AppError::Page(
            StatusCode::BAD_REQUEST,
            "Dữ liệu chưa hợp lệ",
            "Chọn vai trò trong Hội đồng.".into(),
        )
    })?;
    let r = ap::add_member(&state.db, &user.actor, id, uid, role).await;
    act(&state, &user, id, r, "member", typed).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RemovalForm {
    reason: String,
}

pub async fn remove_member(
    State(state): State<AppState>,
    user: User,
    Path((id, member)): Path<(String, String)>,
    Sent(f, typed): Sent<RemovalForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let member = parse_id(&member)?;
    // Whose removal it was, to show its reason again on a refusal.
    let typed = typed.with("removing", member.to_string());
    let r = ap::remove_member(&state.db, &user.actor, id, member, &f.reason).await;
    act(&state, &user, id, r, "member_removed", typed).await
}

pub async fn assign(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    VnForm(f): VnForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let get = |k: &str| {
        f.iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let nums = |k: &str| {
        get(k)
            .iter()
            .filter_map(|v| v.trim().parse::<i64>().ok())
            .collect::<Vec<_>>()
    };
    let how = match get("how").first().map(String::as_str) {
        Some("all") => Assignment::All,
        Some("field") => {
            let mut ids = nums("field");
            let children: Vec<i64> = state
                .catalogue
                .fields
                .iter()
                .filter(|x| x.parent_id.is_some_and(|p| ids.contains(&p)))
                .map(|x| x.id)
                .collect();
            ids.extend(children);
            Assignment::Fields(ids)
        }
        Some("hand") => Assignment::ByHand {
            entries: nums("entry"),
            members: nums("member"),
        },
        _ => {
            return Err(AppError::Page(
                StatusCode::BAD_REQUEST,
                "Dữ liệu chưa hợp lệ",
                "Cách phân công không hợp lệ.".into(),
            ))
        }
    };
    let r = ap::assign(&state.db, &user.actor, id, how)
        .await
        .map(|_| ());
    act(&state, &user, id, r, "assigned", Typed::from_pairs(&f)).await
}

pub async fn start(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let r = ap::start_appraisal(&state.db, &user.actor, id).await;
    act(&state, &user, id, r, "started", Typed::default()).await
}

pub async fn conclude(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Sent(f, typed): Sent<ap::MinutesForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let r = ap::conclude(&state.db, &user.actor, id, &f).await;
    act(&state, &user, id, r, "concluded", typed).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeForm {
    starts: String,
    ends: String,
}

pub async fn publish(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Sent(f, typed): Sent<NoticeForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let r = ap::publish_notice(&state.db, &user.actor, id, &f.starts, &f.ends).await;
    act(&state, &user, id, r, "notice", typed).await
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
    let form = ap::DecisionForm {
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
    let r = ap::decide(&state.db, &user.actor, id, &form, &entries)
        .await
        .map(|_| ());
    act(&state, &user, id, r, "decided", Typed::from_pairs(&f)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ModerateForm {
    hide: String,
    answer: String,
}

pub async fn moderate(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    VnForm(f): VnForm<ModerateForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let hide = match f.hide.trim() {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    };
    let answer = (!f.answer.trim().is_empty()).then_some(f.answer.as_str());
    if hide.is_none() && answer.is_none() {
        return Err(AppError::Page(
            StatusCode::BAD_REQUEST,
            "Dữ liệu chưa hợp lệ",
            "Không có thay đổi nào.".into(),
        ));
    }
    let round_id = ap::moderate(&state.db, &user.actor, id, hide, answer).await?;
    Ok(Redirect::to(&format!("/rounds/{round_id}?msg=moderated")).into_response())
}

pub struct CriterionRow {
    pub id: i64,
    pub name: String,
    pub weight: String,
    pub max: String,
    pub max_label: String,
    pub self_points: String,
    pub points: String,
    pub comment: String,
    pub error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "score.html")]
pub struct ScorePage {
    pub layout: Layout,
    pub round_id: i64,
    pub round_title: String,
    pub entry_id: i64,
    pub title: String,
    pub unit: String,
    pub summary: String,
    pub ballot: bool,
    pub locked: bool,
    pub approve: String,
    pub comment: String,
    pub criteria: Vec<CriterionRow>,
    pub total: String,
    pub errors: Errors,
    pub notice: String,
}

#[allow(clippy::too_many_arguments)]
async fn render_score(
    state: &AppState,
    user: &User,
    round_id: i64,
    entry_id: i64,
    typed: Option<&[(String, String)]>,
    errors: Errors,
    msg: &str,
    status: StatusCode,
) -> AppResult<Response> {
    let mine = dvk_store::sheet::my_sheet(&state.db, &user.actor, round_id, entry_id).await?;
    let (data, entry) = (&mine.data, &mine.entry);
    let set = data.set_for(entry.subject);
    let (sheet, own) = (&mine.points, &mine.self_assessment);
    let typed_val =
        |k: String| typed.and_then(|t| t.iter().find(|(key, _)| *key == k).map(|(_, v)| v.clone()));
    let criteria: Vec<CriterionRow> = set
        .criteria
        .iter()
        .map(|c| CriterionRow {
            id: c.id,
            name: c.name.clone(),
            weight: c.weight.to_string(),
            max: c.max_points.to_string(),
            max_label: fmt_num(c.max_points),
            self_points: own
                .iter()
                .find(|(id, _, _)| *id == c.id)
                .map(|(_, p, _)| fmt_num(*p))
                .unwrap_or_default(),
            points: typed_val(format!("c{}", c.id)).unwrap_or_else(|| {
                sheet
                    .get(&c.id)
                    .map(|(p, _)| fmt_num(*p))
                    .unwrap_or_default()
            }),
            comment: typed_val(format!("n{}", c.id))
                .unwrap_or_else(|| sheet.get(&c.id).map(|(_, n)| n.clone()).unwrap_or_default()),
            error: errors.get(&format!("c{}", c.id)),
        })
        .collect();
    let total = {
        let pts: Vec<Option<f64>> = set
            .criteria
            .iter()
            .map(|c| sheet.get(&c.id).map(|(p, _)| *p))
            .collect();
        dvk_domain::appraisal::weighted_pct(&set.criteria, &pts)
            .map(|t| format!("{}%", fmt_num((t * 10.0).round() / 10.0)))
            .unwrap_or_else(|| "–".into())
    };
    let ballot = mine.ballot.clone();
    let page = ScorePage {
        layout: Layout::new(
            format!("Chấm hồ sơ #{entry_id}"),
            Some(&user.info),
            &user.csrf,
            "rounds",
        ),
        round_id,
        round_title: data.round.title.clone(),
        entry_id,
        title: entry.title.clone(),
        unit: entry.unit_name.clone(),
        summary: entry.summary.clone(),
        ballot: data.round.mode == ScoringMode::Ballot,
        locked: data.round.state != RoundState::Appraisal,
        approve: typed_val("approve".into()).unwrap_or_else(|| {
            ballot
                .as_ref()
                .map(|(a, _)| if *a { "1" } else { "0" }.to_owned())
                .unwrap_or_default()
        }),
        comment: typed_val("comment".into())
            .unwrap_or_else(|| ballot.map(|(_, c)| c).unwrap_or_default()),
        criteria,
        total,
        errors,
        notice: round_notice(msg).to_owned(),
    };
    Ok((status, page).into_response())
}

pub async fn score_page(
    State(state): State<AppState>,
    user: User,
    Path((rid, eid)): Path<(String, String)>,
    Query(mq): Query<MsgQuery>,
) -> AppResult<Response> {
    let (rid, eid) = (parse_id(&rid)?, parse_id(&eid)?);
    render_score(
        &state,
        &user,
        rid,
        eid,
        None,
        Errors::default(),
        &mq.msg,
        StatusCode::OK,
    )
    .await
}

pub async fn score_submit(
    State(state): State<AppState>,
    user: User,
    Path((rid, eid)): Path<(String, String)>,
    VnForm(f): VnForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (rid, eid) = (parse_id(&rid)?, parse_id(&eid)?);
    let one = |k: &str| {
        f.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mode = dvk_store::sheet::my_sheet(&state.db, &user.actor, rid, eid)
        .await?
        .data
        .round
        .mode;
    let result = match mode {
        ScoringMode::Ballot => {
            let approve = match one("approve").as_str() {
                "1" => Some(true),
                "0" => Some(false),
                _ => None,
            };
            ap::save_ballot(&state.db, &user.actor, rid, eid, approve, &one("comment")).await
        }
        ScoringMode::Score => {
            let mut points: HashMap<i64, (String, String)> = HashMap::new();
            for (k, v) in &f {
                if let Some(id) = k.strip_prefix('c').and_then(|x| x.parse::<i64>().ok()) {
                    points.entry(id).or_default().0 = v.clone();
                } else if let Some(id) = k.strip_prefix('n').and_then(|x| x.parse::<i64>().ok()) {
                    points.entry(id).or_default().1 = v.clone();
                }
            }
            ap::save_scores(&state.db, &user.actor, rid, eid, &points).await
        }
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/rounds/{rid}/score/{eid}?msg=scored")).into_response())
        }
        Err(ServiceError::Invalid(list)) => {
            render_score(
                &state,
                &user,
                rid,
                eid,
                Some(&f),
                Errors::from_list(&list),
                "",
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e @ ServiceError::Conflict(_)) => {
            let mut errs = Errors::default();
            errs.0.insert("round".into(), vec![e.to_string()]);
            render_score(
                &state,
                &user,
                rid,
                eid,
                Some(&f),
                errs,
                "",
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
