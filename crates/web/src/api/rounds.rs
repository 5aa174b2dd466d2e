//! Appraisal rounds: criteria sets, proposals, councils, scoring and
//! ballots, conclusion, public notice, comments and recognition decisions.

use super::admin::CreatedId;
use super::{created, instant, ApiFailure, ApiJson, ApiPath, ApiResult, ApiUser};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvk_domain::appraisal::{round_kind_label, weighted_pct, CouncilRole, ScoringMode};
use dvk_store::appraisal::{self as ap, Assignment, CriteriaEdit, CriteriaSet, Round};
use dvk_store::round_view::view_round;
use dvk_store::ServiceError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CriterionOut {
    pub id: i64,
    pub name: String,
    pub weight: f64,
    pub max_points: f64,
}

#[derive(Serialize, ToSchema)]
pub struct CriteriaSetOut {
    pub id: i64,
    pub name: String,
    /// `collective` or `individual`.
    pub subject: String,
    pub version: i64,
    /// Weighted mean (% of maximum) an entry needs to pass.
    pub pass_mean_pct: f64,
    /// No criterion's mean may fall below this (% of its maximum).
    pub min_criterion_pct: f64,
    pub criteria: Vec<CriterionOut>,
}

impl From<&CriteriaSet> for CriteriaSetOut {
    fn from(s: &CriteriaSet) -> Self {
        CriteriaSetOut {
            id: s.id,
            name: s.name.clone(),
            subject: s.subject.code().to_owned(),
            version: s.version,
            pass_mean_pct: s.thresholds.pass_mean_pct,
            min_criterion_pct: s.thresholds.min_criterion_pct,
            criteria: s
                .criteria
                .iter()
                .map(|c| CriterionOut {
                    id: c.id,
                    name: c.name.clone(),
                    weight: c.weight,
                    max_points: c.max_points,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CriteriaListing {
    pub phase: String,
    pub level_code: String,
    pub set: CriteriaSetOut,
}

#[utoipa::path(get, path = "/api/v1/criteria", tag = "Thẩm định",
    summary = "Các bộ tiêu chí đang dùng (phiên bản mới nhất)",
    responses((status = 200, body = Vec<CriteriaListing>)))]
pub async fn criteria(
    State(state): State<AppState>,
    _user: ApiUser,
) -> ApiResult<Json<Vec<CriteriaListing>>> {
    let sets = state.db.latest_criteria_sets().await?;
    Ok(Json(
        sets.iter()
            .map(|l| CriteriaListing {
                phase: l.phase.clone(),
                level_code: l.level_code.clone(),
                set: CriteriaSetOut::from(&l.set),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionIn {
    pub name: String,
    pub weight: f64,
    pub max_points: f64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriteriaIn {
    pub pass_mean_pct: f64,
    pub min_criterion_pct: f64,
    pub criteria: Vec<CriterionIn>,
}

#[utoipa::path(put, path = "/api/v1/criteria/{id}", tag = "Thẩm định",
    summary = "Sửa bộ tiêu chí (lưu thành phiên bản mới; đợt đã mở giữ phiên bản cũ)",
    params(("id" = i64, Path, description = "Mã bộ tiêu chí")),
    request_body = CriteriaIn,
    responses((status = 200, body = CreatedId)))]
pub async fn save_criteria(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CriteriaIn>,
) -> ApiResult<Json<CreatedId>> {
    let edit = CriteriaEdit {
        pass_mean_pct: body.pass_mean_pct.to_string(),
        min_criterion_pct: body.min_criterion_pct.to_string(),
        rows: body
            .criteria
            .into_iter()
            .map(|c| (c.name, c.weight.to_string(), c.max_points.to_string()))
            .collect(),
    };
    let new_id = ap::save_criteria_set(&state.db, &user.actor, id, &edit).await?;
    Ok(Json(CreatedId { id: new_id }))
}

#[derive(Serialize, ToSchema)]
pub struct RoundOut {
    pub id: i64,
    pub title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub level_code: String,
    pub year: i32,
    pub phase: String,
    pub kind: String,
    pub kind_label: String,
    /// `score` or `ballot`.
    pub mode: String,
    pub ballot_threshold_pct: f64,
    /// `open`, `appraisal`, `concluded`, `notice`, `decided`.
    pub state: String,
    pub state_label: String,
    pub proposal_deadline: Option<String>,
    pub scoring_deadline: Option<String>,
    pub quota_per_unit: Option<i64>,
    pub notice_starts: Option<String>,
    pub notice_ends: Option<String>,
    pub minutes_date: Option<String>,
    pub minutes_place: String,
    pub minutes_present: String,
    pub notice_min_days: i64,
    pub quorum_pct: f64,
    /// When the notice was really published (RFC 3339).
    #[schema(format = DateTime)]
    pub notice_published_at: Option<String>,
    /// First day a decision may be signed (ISO date), once on notice.
    pub decision_from: Option<String>,
    /// Sheets missing at the conclusion, as the minutes record them.
    pub minutes_missing: String,
    /// Members who left the council before the conclusion, as the minutes record them.
    pub minutes_former: String,
    /// The chair's reason for concluding below the quorum, if any.
    pub quorum_override: String,
}

impl From<&Round> for RoundOut {
    fn from(r: &Round) -> Self {
        RoundOut {
            id: r.id,
            title: r.title.clone(),
            unit_id: r.unit_id,
            unit_name: r.unit_name.clone(),
            level_code: r.level_code.clone(),
            year: r.year,
            phase: r.phase.clone(),
            kind: r.kind.clone(),
            kind_label: round_kind_label(&r.kind).to_owned(),
            mode: r.mode.code().to_owned(),
            ballot_threshold_pct: r.ballot_threshold_pct,
            state: r.state.code().to_owned(),
            state_label: r.state.label().to_owned(),
            proposal_deadline: r.proposal_deadline.clone(),
            scoring_deadline: r.scoring_deadline.clone(),
            quota_per_unit: r.quota_per_unit,
            notice_starts: r.notice_starts.clone(),
            notice_ends: r.notice_ends.clone(),
            minutes_date: r.minutes_date.clone(),
            minutes_place: r.minutes_place.clone(),
            minutes_present: r.minutes_present.clone(),
            notice_min_days: r.notice_min_days,
            quorum_pct: r.quorum_pct,
            notice_published_at: r.notice_published_at.map(super::instant),
            decision_from: ap::first_decision_day(r),
            minutes_missing: r.minutes_missing.clone(),
            minutes_former: r.minutes_former.clone(),
            quorum_override: r.quorum_override.clone(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/rounds", tag = "Thẩm định",
    summary = "Các đợt xét tôi được xem (hội đồng và người điều hành)",
    responses((status = 200, body = Vec<RoundOut>)))]
pub async fn list(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<Vec<RoundOut>>> {
    let rounds = ap::rounds_visible(&state.db, &user.actor).await?;
    Ok(Json(rounds.iter().map(RoundOut::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundIn {
    /// The organising unit.
    pub unit_id: i64,
    pub title: String,
    /// Level that recognises: `xa`, `tinh`, …
    pub level: String,
    pub year: i32,
    pub phase: String,
    /// `annual`, `so_ket`, `tong_ket`.
    pub kind: String,
    /// `score` or `ballot`.
    pub mode: String,
    /// Ballot mode: percentage of members that must approve (default 50).
    #[serde(default)]
    pub ballot_threshold: Option<f64>,
    /// ISO date.
    #[serde(default)]
    pub proposal_deadline: Option<String>,
    #[serde(default)]
    pub scoring_deadline: Option<String>,
    /// Entries per unit (a warning, not a block).
    #[serde(default)]
    pub quota: Option<i64>,
    /// Minimum length of the public notice in working days (default: the
    /// deployment's setting, 5).
    #[serde(default)]
    pub notice_min_days: Option<i64>,
    /// Sheets each entry needs to conclude, as a percentage of the council
    /// (default: the deployment's setting, two thirds).
    #[serde(default)]
    pub quorum_pct: Option<f64>,
}

#[utoipa::path(post, path = "/api/v1/rounds", tag = "Thẩm định",
    summary = "Mở đợt xét công nhận",
    request_body = RoundIn,
    responses((status = 201, body = RoundOut)))]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<RoundIn>,
) -> ApiResult<Response> {
    let form = ap::RoundForm {
        unit_id: b.unit_id.to_string(),
        title: b.title,
        level: b.level,
        year: b.year.to_string(),
        phase: b.phase,
        kind: b.kind,
        mode: b.mode,
        ballot_threshold: b
            .ballot_threshold
            .map(|v| v.to_string())
            .unwrap_or_default(),
        proposal_deadline: b.proposal_deadline.unwrap_or_default(),
        scoring_deadline: b.scoring_deadline.unwrap_or_default(),
        quota: b.quota.map(|v| v.to_string()).unwrap_or_default(),
        notice_min_days: b.notice_min_days.map(|v| v.to_string()).unwrap_or_default(),
        quorum_pct: b.quorum_pct.map(|v| v.to_string()).unwrap_or_default(),
    };
    let id = ap::create_round(&state.db, &user.actor, &form).await?;
    let view = dvk_store::round_view::view_round(&state.db, &user.actor, id).await?;
    Ok(created(RoundOut::from(&view.data.round)))
}

#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    pub user_id: i64,
    pub full_name: String,
    /// `chair`, `secretary`, `member`.
    pub role: String,
    pub role_label: String,
}

#[derive(Serialize, ToSchema)]
pub struct ResultOut {
    pub rank: i64,
    pub entry_id: i64,
    pub title: String,
    pub unit_name: String,
    pub entry_state: String,
    /// Members assigned to it.
    pub assigned: Vec<i64>,
    /// Members whose sheet or ballot is missing.
    pub missing: Vec<i64>,
    /// Completed sheets (score mode) or ballots cast (ballot mode).
    pub count: i64,
    /// Members assigned to the entry.
    pub assigned_count: i64,
    /// Whether `passes`, `reasons` and `rank` are known to the reader (live
    /// for the council's chair, secretary and organisers; the conclusion
    /// for everyone else).
    pub decided: bool,
    pub mean_pct: Option<f64>,
    pub median_pct: Option<f64>,
    pub stddev_pct: Option<f64>,
    pub min_pct: Option<f64>,
    pub max_pct: Option<f64>,
    pub disagreement: bool,
    pub approve: Option<i64>,
    pub reject: Option<i64>,
    pub passes: bool,
    pub reasons: String,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionRecord {
    pub id: i64,
    pub number: String,
    pub signed_on: String,
    pub signer: String,
    pub signer_title: String,
    pub issuing_body: String,
    pub issuer_type: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoundDetail {
    pub round: RoundOut,
    pub collective_criteria: CriteriaSetOut,
    pub individual_criteria: CriteriaSetOut,
    pub members: Vec<MemberOut>,
    /// Live while open or in appraisal; the council's conclusion after.
    pub provisional: bool,
    pub results: Vec<ResultOut>,
    pub decisions: Vec<DecisionRecord>,
}

#[utoipa::path(get, path = "/api/v1/rounds/{id}", tag = "Thẩm định",
    summary = "Đợt xét: hội đồng, kết quả tổng hợp, quyết định",
    params(("id" = i64, Path, description = "Mã đợt xét")),
    responses((status = 200, body = RoundDetail)))]
pub async fn detail(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RoundDetail>> {
    let view = view_round(&state.db, &user.actor, id).await?;
    let data = &view.data;
    let results = view
        .lines
        .iter()
        .map(|x| {
            let (passes, reasons, rank) = x.standing.clone().unwrap_or_default();
            let mut out = ResultOut {
                rank: rank as i64,
                entry_id: x.entry.entry_id,
                title: x.entry.title.clone(),
                unit_name: x.entry.unit_name.clone(),
                entry_state: x.entry.state.code().to_owned(),
                assigned: x.assigned.clone(),
                missing: x
                    .assigned
                    .iter()
                    .filter(|m| !x.scored.contains(m))
                    .copied()
                    .collect(),
                count: x.scored_count as i64,
                assigned_count: x.assigned_count as i64,
                decided: x.standing.is_some(),
                mean_pct: x.concluded_pct,
                median_pct: None,
                stddev_pct: None,
                min_pct: None,
                max_pct: None,
                disagreement: false,
                approve: None,
                reject: None,
                passes,
                reasons,
            };
            match &x.outcome {
                Some(ap::Outcome::Score(a)) => {
                    out.mean_pct = a.mean_pct;
                    out.median_pct = a.median_pct;
                    out.stddev_pct = a.stddev_pct;
                    out.min_pct = a.min_pct;
                    out.max_pct = a.max_pct;
                    out.disagreement = a.disagreement;
                }
                Some(ap::Outcome::Ballot(t)) => {
                    out.approve = Some(t.approve as i64);
                    out.reject = Some(t.reject as i64);
                    out.mean_pct = Some(t.approve_pct);
                }
                None => {}
            }
            out
        })
        .collect();
    let decisions = view.decisions.clone();
    Ok(Json(RoundDetail {
        round: RoundOut::from(&data.round),
        collective_criteria: CriteriaSetOut::from(&data.collective),
        individual_criteria: CriteriaSetOut::from(&data.individual),
        members: data
            .members
            .iter()
            .map(|m| MemberOut {
                user_id: m.user_id,
                full_name: m.full_name.clone(),
                role: m.role.code().to_owned(),
                role_label: m.role.label().to_owned(),
            })
            .collect(),
        provisional: matches!(
            data.round.state,
            dvk_domain::appraisal::RoundState::Open | dvk_domain::appraisal::RoundState::Appraisal
        ),
        results,
        decisions: decisions
            .into_iter()
            .map(|d| DecisionRecord {
                id: d.id,
                number: d.number,
                signed_on: d.signed_on,
                signer: d.signer,
                signer_title: d.signer_title,
                issuing_body: d.issuing_body,
                issuer_type: d.issuer_type,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsIn {
    pub criterion_id: i64,
    /// Whole or half points, 0 to the criterion's maximum.
    pub points: f64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalIn {
    pub entry_id: i64,
    /// The unit's self-assessment, one line per criterion.
    #[serde(default)]
    pub self_assessment: Vec<PointsIn>,
}

#[derive(Serialize, ToSchema)]
pub struct ProposalOut {
    /// Set when the unit is over the round's quota (a warning only).
    pub warning: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/rounds/{id}/proposals", tag = "Thẩm định",
    summary = "Đề nghị công nhận một hồ sơ trong đợt, kèm tự đánh giá",
    params(("id" = i64, Path, description = "Mã đợt xét")),
    request_body = ProposalIn,
    responses((status = 201, body = ProposalOut)))]
pub async fn propose(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ProposalIn>,
) -> ApiResult<Response> {
    let points: HashMap<i64, String> = b
        .self_assessment
        .iter()
        .map(|p| (p.criterion_id, p.points.to_string()))
        .collect();
    let warning = ap::propose(&state.db, &user.actor, id, b.entry_id, &points).await?;
    Ok(created(ProposalOut { warning }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberIn {
    pub user_id: i64,
    /// `chair`, `secretary` or `member`.
    pub role: String,
}

fn done() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

#[utoipa::path(post, path = "/api/v1/rounds/{id}/members", tag = "Thẩm định",
    summary = "Thêm thành viên Hội đồng",
    params(("id" = i64, Path, description = "Mã đợt xét")),
    request_body = MemberIn,
    responses((status = 204, description = "Đã thêm")))]
pub async fn add_member(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MemberIn>,
) -> ApiResult<Response> {
    let role = CouncilRole::parse(b.role.trim()).ok_or_else(|| {
        ApiFailure::from(ServiceError::invalid(
            "role",
            "Vai trò trong Hội đồng phải là chair, secretary hoặc member.",
        ))
    })?;
    ap::add_member(&state.db, &user.actor, id, b.user_id, role).await?;
    Ok(done())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemovalIn {
    /// Why the member leaves the council (recorded in the minutes).
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/rounds/{id}/members/{user_id}/removal", tag = "Thẩm định",
    summary = "Rút thành viên khỏi Hội đồng trước khi kết luận (phiếu không được tính)",
    params(("id" = i64, Path, description = "Mã đợt xét"), ("user_id" = i64, Path, description = "Mã người dùng")),
    request_body = RemovalIn,
    responses((status = 204, description = "Đã rút")))]
pub async fn remove_member(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((id, member)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<RemovalIn>,
) -> ApiResult<Response> {
    ap::remove_member(&state.db, &user.actor, id, member, &b.reason).await?;
    Ok(done())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignIn {
    /// `all` (every entry to every member), `field` (entries of the fields
    /// to every member) or `hand` (these entries to these members).
    pub how: String,
    #[serde(default)]
    pub field_ids: Vec<i64>,
    #[serde(default)]
    pub entry_ids: Vec<i64>,
    #[serde(default)]
    pub member_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AssignOut {
    pub added: i64,
    /// Skipped for a conflict of interest.
    pub skipped: i64,
}

#[utoipa::path(post, path = "/api/v1/rounds/{id}/assignments", tag = "Thẩm định",
    summary = "Phân công chấm (xung đột lợi ích bị loại)",
    params(("id" = i64, Path, description = "Mã đợt xét")),
    request_body = AssignIn,
    responses((status = 200, body = AssignOut)))]
pub async fn assign(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AssignIn>,
) -> ApiResult<Json<AssignOut>> {
    let how = match b.how.as_str() {
        "all" => Assignment::All,
        "field" => {
            let mut ids = Vec::new();
            for f in &b.field_ids {
                ids.extend(state.catalogue.field_and_subfields(*f));
            }
            Assignment::Fields(ids)
        }
        "hand" => Assignment::ByHand {
            entries: b.entry_ids,
            members: b.member_ids,
        },
        _ => {
            return Err(ServiceError::invalid(
                "how",
                "Cách phân công phải là all, field hoặc hand.",
            )
            .into())
        }
    };
    let (added, skipped) = ap::assign(&state.db, &user.actor, id, how).await?;
    Ok(Json(AssignOut {
        added: added as i64,
        skipped: skipped as i64,
    }))
}

#[utoipa::path(post, path = "/api/v1/rounds/{id}/start", tag = "Thẩm định",
    summary = "Bắt đầu thẩm định (đóng nhận đề nghị)",
    params(("id" = i64, Path, description = "Mã đợt xét")),
    responses((status = 204, description = "Đã bắt đầu")))]
pub async fn start(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    ap::start_appraisal(&state.db, &user.actor, id).await?;
    Ok(done())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MinutesIn {
    /// Meeting date (ISO).
    pub date: String,
    pub place: String,
    /// Who attended.
    pub present: String,
    /// The chair's written reason for concluding with sheets missing below
    /// the quorum (kept in the minutes and the audit trail).
    #[serde(default)]
    pub override_reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/rounds/{id}/conclude", tag = "Thẩm định",
    summary = "Hội đồng kết luận (khóa phiếu chấm, ghi biên bản)",
    params(("id" = i64, Path, description = "Mã đợt xét")),
    request_body = MinutesIn,
    responses((status = 204, description = "Đã kết luận")))]
pub async fn conclude(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MinutesIn>,
) -> ApiResult<Response> {
    let minutes = ap::MinutesForm {
        date: b.date,
        place: b.place,
        present: b.present,
        override_reason: b.override_reason.unwrap_or_default(),
    };
    ap::conclude(&state.db, &user.actor, id, &minutes).await?;
    Ok(done())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeIn {
    /// First day of the notice (ISO date).
    pub starts: String,
    /// Last day (ISO date).
    pub ends: String,
}

#[utoipa::path(post, path = "/api/v1/rounds/{id}/notice", tag = "Thẩm định",
    summary = "Đăng thông báo công khai để lấy ý kiến",
    params(("id" = i64, Path, description = "Mã đợt xét")),
    request_body = NoticeIn,
    responses((status = 204, description = "Đã đăng")))]
pub async fn publish(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NoticeIn>,
) -> ApiResult<Response> {
    ap::publish_notice(&state.db, &user.actor, id, &b.starts, &b.ends).await?;
    Ok(done())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// Number and symbol, e.g. `125/QĐ-UBND`.
    pub number: String,
    /// ISO date, not before the notice ends.
    pub signed_on: String,
    pub signer: String,
    pub signer_title: String,
    /// The issuing unit: one of `GET /api/v1/rounds/{id}/issuers`.
    pub issuer_unit_id: i64,
    /// Entries on notice that it recognises (others become not recognised).
    pub entry_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct IssuerOut {
    pub unit_id: i64,
    /// Full name, e.g. "Ủy ban nhân dân tỉnh Sơn La".
    pub body: String,
    /// `dang`, `chinh_quyen`, `mttq`, `so_nganh`.
    pub issuer_type: String,
    /// `dang` (HD 36) or `nha_nuoc` (NĐ 30).
    pub letterhead: String,
    /// The body above it on the letterhead; may be empty.
    pub parent: String,
    /// The dateline's place.
    pub place: String,
}

impl From<dvk_store::issuers::IssuingUnit> for IssuerOut {
    fn from(i: dvk_store::issuers::IssuingUnit) -> Self {
        IssuerOut {
            unit_id: i.unit_id,
            issuer_type: i.issuer.kind.code().into(),
            letterhead: i.issuer.kind.letterhead().code().into(),
            body: i.issuer.body,
            parent: i.issuer.parent,
            place: i.issuer.place,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/rounds/{id}/issuers", tag = "Thẩm định",
    summary = "Cơ quan bạn được ký quyết định công nhận của đợt xét",
    params(("id" = i64, Path, description = "Mã đợt xét")),
    responses((status = 200, body = Vec<IssuerOut>)))]
pub async fn issuers(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<IssuerOut>>> {
    let list = ap::decision_issuers(&state.db, &user.actor, id).await?;
    Ok(Json(list.into_iter().map(IssuerOut::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/rounds/{id}/decisions", tag = "Thẩm định",
    summary = "Ban hành quyết định công nhận",
    params(("id" = i64, Path, description = "Mã đợt xét")),
    request_body = DecisionIn,
    responses((status = 201, body = CreatedId)))]
pub async fn decide(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<DecisionIn>,
) -> ApiResult<Response> {
    let form = ap::DecisionForm {
        number: b.number,
        signed_on: b.signed_on,
        signer: b.signer,
        signer_title: b.signer_title,
        issuer_unit_id: b.issuer_unit_id.to_string(),
    };
    let did = ap::decide(&state.db, &user.actor, id, &form, &b.entry_ids).await?;
    Ok(created(CreatedId { id: did }))
}

#[derive(Serialize, ToSchema)]
pub struct SheetLine {
    pub criterion_id: i64,
    pub name: String,
    pub weight: f64,
    pub max_points: f64,
    /// The unit's self-assessment.
    pub self_points: Option<f64>,
    /// This member's points.
    pub points: Option<f64>,
    pub comment: String,
}

/// A council member's sheet (score mode) or ballot (ballot mode) for one
/// entry.
#[derive(Serialize, ToSchema)]
pub struct SheetOut {
    pub round_id: i64,
    pub entry_id: i64,
    pub title: String,
    pub unit_name: String,
    pub summary: String,
    /// `score` or `ballot`.
    pub mode: String,
    /// Sheets lock when the council concludes.
    pub locked: bool,
    pub lines: Vec<SheetLine>,
    /// Weighted total of this sheet (% of maximum) once complete.
    pub total_pct: Option<f64>,
    pub approve: Option<bool>,
    pub ballot_comment: String,
}

async fn sheet_out(
    state: &AppState,
    user: &ApiUser,
    round_id: i64,
    entry_id: i64,
) -> ApiResult<SheetOut> {
    let mine = dvk_store::sheet::my_sheet(&state.db, &user.actor, round_id, entry_id).await?;
    let (data, entry) = (&mine.data, &mine.entry);
    let set = data.set_for(entry.subject);
    let (sheet, own) = (&mine.points, &mine.self_assessment);
    let ballot = mine.ballot.clone();
    let pts: Vec<Option<f64>> = set
        .criteria
        .iter()
        .map(|c| sheet.get(&c.id).map(|(p, _)| *p))
        .collect();
    Ok(SheetOut {
        round_id,
        entry_id,
        title: entry.title.clone(),
        unit_name: entry.unit_name.clone(),
        summary: entry.summary.clone(),
        mode: data.round.mode.code().to_owned(),
        locked: data.round.state != dvk_domain::appraisal::RoundState::Appraisal,
        lines: set
            .criteria
            .iter()
            .map(|c| SheetLine {
                criterion_id: c.id,
                name: c.name.clone(),
                weight: c.weight,
                max_points: c.max_points,
                self_points: own.iter().find(|(id, _, _)| *id == c.id).map(|x| x.1),
                points: sheet.get(&c.id).map(|(p, _)| *p),
                comment: sheet.get(&c.id).map(|(_, n)| n.clone()).unwrap_or_default(),
            })
            .collect(),
        total_pct: weighted_pct(&set.criteria, &pts),
        approve: ballot.as_ref().map(|(a, _)| *a),
        ballot_comment: ballot.map(|(_, c)| c).unwrap_or_default(),
    })
}

#[utoipa::path(get, path = "/api/v1/rounds/{id}/sheets/{entry}", tag = "Thẩm định",
    summary = "Phiếu chấm (hoặc phiếu biểu quyết) của tôi cho một hồ sơ",
    params(("id" = i64, Path, description = "Mã đợt xét"), ("entry" = i64, Path, description = "Mã hồ sơ")),
    responses((status = 200, body = SheetOut)))]
pub async fn sheet(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((id, entry)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<SheetOut>> {
    Ok(Json(sheet_out(&state, &user, id, entry).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreLineIn {
    pub criterion_id: i64,
    /// Whole or half points; null clears the line.
    pub points: Option<f64>,
    #[serde(default)]
    pub comment: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SheetIn {
    /// Score mode: points per criterion (lines may be saved a few at a time).
    #[serde(default)]
    pub lines: Vec<ScoreLineIn>,
    /// Ballot mode: approve (true), reject (false) or abstain (null).
    #[serde(default)]
    pub approve: Option<bool>,
    #[serde(default)]
    pub comment: String,
}

#[utoipa::path(put, path = "/api/v1/rounds/{id}/sheets/{entry}", tag = "Thẩm định",
    summary = "Lưu phiếu chấm hoặc phiếu biểu quyết",
    params(("id" = i64, Path, description = "Mã đợt xét"), ("entry" = i64, Path, description = "Mã hồ sơ")),
    request_body = SheetIn,
    responses((status = 200, body = SheetOut)))]
pub async fn score(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((id, entry)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<SheetIn>,
) -> ApiResult<Json<SheetOut>> {
    let mode = dvk_store::sheet::my_sheet(&state.db, &user.actor, id, entry)
        .await?
        .data
        .round
        .mode;
    match mode {
        ScoringMode::Ballot => {
            ap::save_ballot(&state.db, &user.actor, id, entry, b.approve, &b.comment).await?
        }
        ScoringMode::Score => {
            let points: HashMap<i64, (String, String)> = b
                .lines
                .into_iter()
                .map(|l| {
                    (
                        l.criterion_id,
                        (
                            l.points.map(|p| p.to_string()).unwrap_or_default(),
                            l.comment,
                        ),
                    )
                })
                .collect();
            ap::save_scores(&state.db, &user.actor, id, entry, &points).await?
        }
    }
    Ok(Json(sheet_out(&state, &user, id, entry).await?))
}

#[derive(Serialize, ToSchema)]
pub struct CommentOut {
    pub id: i64,
    pub entry_id: i64,
    /// Empty for anonymous citizens.
    pub author_name: String,
    /// Shown to organisers only.
    pub contact: String,
    pub body: String,
    pub created_at: String,
    pub hidden: bool,
    pub answer: String,
}

#[utoipa::path(get, path = "/api/v1/rounds/{id}/comments", tag = "Thẩm định",
    summary = "Ý kiến góp ý của đợt (kể cả ý kiến đã ẩn), cho người điều hành",
    params(("id" = i64, Path, description = "Mã đợt xét")),
    responses((status = 200, body = Vec<CommentOut>)))]
pub async fn comments(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<CommentOut>>> {
    let list = ap::comments_to_moderate(&state.db, &user.actor, id).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| CommentOut {
                id: c.id,
                entry_id: c.entry_id,
                author_name: c.author_name,
                contact: c.contact,
                body: c.body,
                created_at: instant(c.created_at),
                hidden: c.hidden,
                answer: c.answer,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationIn {
    /// Hide (true) or show again (false); null leaves it.
    #[serde(default)]
    pub hidden: Option<bool>,
    /// An answer to publish under the comment.
    #[serde(default)]
    pub answer: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/comments/{id}/moderation", tag = "Thẩm định",
    summary = "Ẩn, hiện hoặc trả lời một ý kiến",
    params(("id" = i64, Path, description = "Mã ý kiến")),
    request_body = ModerationIn,
    responses((status = 204, description = "Đã cập nhật")))]
pub async fn moderate(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ModerationIn>,
) -> ApiResult<Response> {
    if b.hidden.is_none() && b.answer.is_none() {
        return Err(ServiceError::invalid(
            "hidden",
            "Không có thay đổi nào (gửi hidden hoặc answer).",
        )
        .into());
    }
    ap::moderate(&state.db, &user.actor, id, b.hidden, b.answer.as_deref()).await?;
    Ok(done())
}
