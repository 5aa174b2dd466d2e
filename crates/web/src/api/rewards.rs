//! Rewards: the reward-form catalogue, reward rounds with their funnel,
//! proposals, reward decisions, outstanding marks and revocation.

use super::admin::CreatedId;
use super::{created, ApiJson, ApiPath, ApiResult, ApiUser};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvk_store::rewards::{self as rw, RewardDecisionForm, RewardRound, RewardRoundForm};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct RewardFormOut {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `dang`, `chinh_quyen`, `mttq`, `so_nganh`.
    pub issuer_type: String,
    pub level_code: String,
    /// Amount in đồng where the form carries one.
    pub amount: Option<i64>,
    /// The printed title; `{cơ quan}` stands for the issuing body.
    pub title_pattern: String,
    /// Reserved to units of this kind, if set.
    pub issuer_kind: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/reward-forms", tag = "Khen thưởng",
    summary = "Danh mục hình thức khen thưởng",
    responses((status = 200, body = Vec<RewardFormOut>)))]
pub async fn forms(
    State(state): State<AppState>,
    _user: ApiUser,
) -> ApiResult<Json<Vec<RewardFormOut>>> {
    let forms = state.db.reward_forms().await?;
    Ok(Json(
        forms
            .into_iter()
            .map(|f| RewardFormOut {
                id: f.id,
                code: f.code,
                name: f.name,
                issuer_type: f.issuer_type,
                level_code: f.level_code,
                amount: f.amount,
                title_pattern: f.title_pattern,
                issuer_kind: f.issuer_kind,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct RewardRoundOut {
    pub id: i64,
    pub title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub level_code: String,
    /// `annual`, `so_ket`, `tong_ket`.
    pub kind: String,
    pub year: i32,
    pub phase: String,
}

impl From<&RewardRound> for RewardRoundOut {
    fn from(r: &RewardRound) -> Self {
        RewardRoundOut {
            id: r.id,
            title: r.title.clone(),
            unit_id: r.unit_id,
            unit_name: r.unit_name.clone(),
            level_code: r.level_code.clone(),
            kind: r.kind.clone(),
            year: r.year,
            phase: r.phase.clone(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/reward-rounds", tag = "Khen thưởng",
    summary = "Các đợt khen thưởng tôi được xem",
    responses((status = 200, body = Vec<RewardRoundOut>)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<RewardRoundOut>>> {
    let rounds = rw::reward_rounds_for(&state.db, &user.actor).await?;
    Ok(Json(rounds.iter().map(RewardRoundOut::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RewardRoundIn {
    pub unit_id: i64,
    pub title: String,
    pub level: String,
    /// `annual`, `so_ket`, `tong_ket`.
    pub kind: String,
    pub year: i32,
    pub phase: String,
}

#[utoipa::path(post, path = "/api/v1/reward-rounds", tag = "Khen thưởng",
    summary = "Mở đợt khen thưởng",
    request_body = RewardRoundIn,
    responses((status = 201, body = RewardRoundOut)))]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<RewardRoundIn>,
) -> ApiResult<Response> {
    let form = RewardRoundForm {
        unit_id: b.unit_id.to_string(),
        title: b.title,
        level: b.level,
        kind: b.kind,
        year: b.year.to_string(),
        phase: b.phase,
    };
    let id = rw::create_reward_round(&state.db, &user.actor, &form).await?;
    let (round, _, _) = rw::view_reward_round(&state.db, &user.actor, id).await?;
    Ok(created(RewardRoundOut::from(&round)))
}

#[derive(Serialize, ToSchema)]
pub struct CandidateOut {
    pub entry_id: i64,
    pub title: String,
    pub unit_name: String,
    pub state: String,
    pub proposed_form: Option<i64>,
    pub rewarded_form: Option<i64>,
}

/// Counts at each step: recognised → outstanding → proposed → rewarded.
#[derive(Serialize, ToSchema)]
pub struct FunnelOut {
    pub recognised: i64,
    pub outstanding: i64,
    pub proposed: i64,
    pub rewarded: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RewardRoundDetail {
    pub round: RewardRoundOut,
    pub funnel: FunnelOut,
    pub candidates: Vec<CandidateOut>,
}

#[utoipa::path(get, path = "/api/v1/reward-rounds/{id}", tag = "Khen thưởng",
    summary = "Đợt khen thưởng: các bước và ứng viên",
    params(("id" = i64, Path, description = "Mã đợt khen thưởng")),
    responses((status = 200, body = RewardRoundDetail)))]
pub async fn detail(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RewardRoundDetail>> {
    let (round, candidates, f) = rw::view_reward_round(&state.db, &user.actor, id).await?;
    Ok(Json(RewardRoundDetail {
        round: RewardRoundOut::from(&round),
        funnel: FunnelOut {
            recognised: f.recognised as i64,
            outstanding: f.outstanding as i64,
            proposed: f.proposed as i64,
            rewarded: f.rewarded as i64,
        },
        candidates: candidates
            .into_iter()
            .map(|c| CandidateOut {
                entry_id: c.entry_id,
                title: c.title,
                unit_name: c.unit_name,
                state: c.state.code().to_owned(),
                proposed_form: c.proposed_form,
                rewarded_form: c.rewarded_form,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RewardProposalIn {
    pub entry_id: i64,
    pub form_id: i64,
}

#[utoipa::path(post, path = "/api/v1/reward-rounds/{id}/proposals", tag = "Khen thưởng",
    summary = "Đề nghị khen thưởng một mô hình tiêu biểu (một thành tích, một hình thức)",
    params(("id" = i64, Path, description = "Mã đợt khen thưởng")),
    request_body = RewardProposalIn,
    responses((status = 204, description = "Đã đề nghị")))]
pub async fn propose(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RewardProposalIn>,
) -> ApiResult<Response> {
    rw::propose_reward(&state.db, &user.actor, id, b.entry_id, b.form_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RewardDecisionIn {
    pub form_id: i64,
    pub number: String,
    /// ISO date.
    pub signed_on: String,
    pub signer: String,
    pub signer_title: String,
    /// The issuing unit: one of `GET /api/v1/reward-rounds/{id}/issuers?form_id=`.
    pub issuer_unit_id: i64,
    /// Entries proposed for this form that it rewards.
    pub entry_ids: Vec<i64>,
}

#[utoipa::path(post, path = "/api/v1/reward-rounds/{id}/decisions", tag = "Khen thưởng",
    summary = "Ban hành quyết định khen thưởng",
    params(("id" = i64, Path, description = "Mã đợt khen thưởng")),
    request_body = RewardDecisionIn,
    responses((status = 201, body = CreatedId)))]
pub async fn decide(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RewardDecisionIn>,
) -> ApiResult<Response> {
    let form = RewardDecisionForm {
        form_id: b.form_id.to_string(),
        number: b.number,
        signed_on: b.signed_on,
        signer: b.signer,
        signer_title: b.signer_title,
        issuer_unit_id: b.issuer_unit_id.to_string(),
    };
    let did = rw::decide_reward(&state.db, &user.actor, id, &form, &b.entry_ids).await?;
    Ok(created(CreatedId { id: did }))
}

#[utoipa::path(post, path = "/api/v1/entries/{id}/outstanding", tag = "Khen thưởng",
    summary = "Chọn là mô hình, điển hình tiêu biểu",
    params(("id" = i64, Path, description = "Mã hồ sơ")),
    responses((status = 204, description = "Đã chọn")))]
pub async fn mark_outstanding(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    rw::mark_outstanding(&state.db, &user.actor, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevocationIn {
    pub reason: String,
    /// The revoking decision (number, date, issuer).
    pub decision_ref: String,
}

#[utoipa::path(post, path = "/api/v1/entries/{id}/revocation", tag = "Khen thưởng",
    summary = "Thu hồi công nhận và khen thưởng (ghi lý do và quyết định)",
    params(("id" = i64, Path, description = "Mã hồ sơ")),
    request_body = RevocationIn,
    responses((status = 204, description = "Đã thu hồi")))]
pub async fn revoke(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RevocationIn>,
) -> ApiResult<Response> {
    rw::revoke(&state.db, &user.actor, id, &b.reason, &b.decision_ref).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IssuerQuery {
    /// The form of reward to be issued.
    pub form_id: i64,
}

#[utoipa::path(get, path = "/api/v1/reward-rounds/{id}/issuers", tag = "Khen thưởng",
    summary = "Cơ quan bạn được ký quyết định khen thưởng theo một hình thức",
    params(("id" = i64, Path, description = "Mã đợt khen thưởng"), IssuerQuery),
    responses((status = 200, body = Vec<super::rounds::IssuerOut>)))]
pub async fn issuers(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    query: super::ApiQuery<IssuerQuery>,
) -> ApiResult<Json<Vec<super::rounds::IssuerOut>>> {
    let list = rw::reward_issuers(&state.db, &user.actor, id, query.0.form_id).await?;
    Ok(Json(
        list.into_iter()
            .map(super::rounds::IssuerOut::from)
            .collect(),
    ))
}
