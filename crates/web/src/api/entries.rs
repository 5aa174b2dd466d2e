//! Entries: list, register, edit, move through their life, evidence,
//! history, yearly reports and carrying over to a new phase.

use super::admin::CreatedId;
use super::{created, instant, ApiFailure, ApiJson, ApiPath, ApiQuery, ApiResult, ApiUser};
use crate::pages::entries::REGISTRATION_TRANSITIONS;
use crate::AppState;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvk_domain::auth;
use dvk_domain::entry::{EntryForm, Kind, Subject};
use dvk_domain::search::SearchQuery;
use dvk_domain::state::{EntryState, Transition};
use dvk_store::entries::{Cursor, Keyset};
use dvk_store::entries::{EntryFilter, EntrySummary, Sort};
use dvk_store::service;
use dvk_store::ServiceError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A registration as sent: the same fields, names and rules as the form.
/// Texts may be empty in a draft; submission needs all ten items (and the
/// personal items for individuals).
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct EntryIn {
    /// `model` (mô hình) or `exemplar` (điển hình).
    pub kind: String,
    /// `collective` (tập thể) or `individual` (cá nhân).
    pub subject: String,
    pub field_id: Option<i64>,
    /// Level asked to recognise it: `xa`, `tinh`, …
    pub target_level: String,
    /// Phase code, e.g. `2026-2030`.
    pub phase: String,
    pub year: Option<i32>,
    /// The registering unit.
    pub unit_id: Option<i64>,
    /// The entry this one replicates, if any.
    pub replicates: Option<i64>,
    pub title: String,
    pub situation: String,
    pub objectives: String,
    pub content: String,
    pub area: String,
    pub forces: String,
    pub resources: String,
    pub timeline: String,
    pub outputs: String,
    pub sustainability: String,
    pub person_name: String,
    pub birth_year: Option<i32>,
    /// `nam` or `nu`.
    pub gender: String,
    pub ethnicity: String,
    pub position: String,
    pub party_member: bool,
    pub example: String,
    /// Editing only: the version read with the entry; a stale one is
    /// refused (409) so no one overwrites a change they have not seen.
    pub version: Option<i64>,
}

fn num<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

impl From<EntryIn> for EntryForm {
    fn from(e: EntryIn) -> Self {
        EntryForm {
            kind: e.kind,
            subject: e.subject,
            field_id: num(e.field_id),
            target_level: e.target_level,
            phase: e.phase,
            year: num(e.year),
            unit_id: num(e.unit_id),
            replicates: num(e.replicates),
            title: e.title,
            situation: e.situation,
            objectives: e.objectives,
            content: e.content,
            area: e.area,
            forces: e.forces,
            resources: e.resources,
            timeline: e.timeline,
            outputs: e.outputs,
            sustainability: e.sustainability,
            person_name: e.person_name,
            birth_year: num(e.birth_year),
            gender: e.gender,
            ethnicity: e.ethnicity,
            position: e.position,
            party_member: if e.party_member {
                "1".into()
            } else {
                String::new()
            },
            example: e.example,
        }
    }
}

/// Personal items of an individual.
#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    pub name: String,
    pub birth_year: Option<i32>,
    pub gender: Option<String>,
    pub ethnicity: String,
    pub position: String,
    pub party_member: bool,
    pub example: String,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionOut {
    pub number: String,
    /// ISO date.
    pub signed_on: String,
    pub signer: String,
    pub signer_title: String,
    pub issuing_body: String,
}

#[derive(Serialize, ToSchema)]
pub struct RewardOut {
    pub id: i64,
    /// Reward form and decision, as written on the certificate.
    pub description: String,
    pub revoked: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RevocationOut {
    /// `recognition` or `reward`.
    pub kind: String,
    pub reason: String,
    pub decision: String,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportOut {
    pub year: i32,
    pub operating: bool,
    pub results: String,
    pub submitted_at: String,
    /// `continuing`, `removed`, or null while waiting for review.
    pub outcome: Option<String>,
    pub outcome_reason: String,
}

/// An entry with everything its page shows.
#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    pub id: i64,
    pub state: String,
    pub state_label: String,
    /// Reason of the last return, withdrawal, non-recognition or revocation.
    pub state_reason: String,
    /// Send back when editing or moving the entry (refuses lost updates).
    pub version: i64,
    pub kind: String,
    pub subject: String,
    pub field_id: i64,
    pub field_name: String,
    pub target_level: String,
    pub phase: String,
    pub year: i32,
    pub unit_id: i64,
    pub unit_name: String,
    pub confirming_unit_id: i64,
    pub confirming_unit_name: String,
    pub replicates: Option<i64>,
    pub title: String,
    pub situation: String,
    pub objectives: String,
    pub content: String,
    pub area: String,
    pub forces: String,
    pub resources: String,
    pub timeline: String,
    pub outputs: String,
    pub sustainability: String,
    pub person: Option<PersonOut>,
    pub created_by: i64,
    pub created_by_name: String,
    pub created_at: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
    /// Transitions the caller may ask for now (codes for `/transitions`
    /// and the dedicated endpoints).
    pub allowed_transitions: Vec<String>,
    pub decision: Option<DecisionOut>,
    pub rewards: Vec<RewardOut>,
    pub revocations: Vec<RevocationOut>,
    pub reports: Vec<ReportOut>,
}

async fn entry_out(state: &AppState, user: &ApiUser, id: i64) -> ApiResult<EntryOut> {
    let record = dvk_store::entry_record::entry_record(&state.db, &user.actor, id).await?;
    let cat = &state.catalogue;
    let dvk_store::entry_record::EntryRecord {
        entry: e,
        decision,
        rewards,
        revocations,
        reports,
        ..
    } = record;
    let sc = e.scope();
    let allowed = Transition::ALL
        .iter()
        .filter(|t| auth::check_transition(&user.actor, **t, &sc).is_ok())
        .map(|t| t.code().to_owned())
        .collect();
    let r = &e.registration;
    let [title, situation, objectives, content, area, forces, resources, timeline, outputs, sustainability] =
        r.items.clone();
    let p = &r.person;
    Ok(EntryOut {
        id: e.id,
        state: e.state.code().to_owned(),
        state_label: e.state.label().to_owned(),
        state_reason: e.state_reason.clone(),
        version: e.version,
        kind: r.kind.code().to_owned(),
        subject: r.subject.code().to_owned(),
        field_id: r.field_id,
        field_name: cat.field_name(r.field_id).to_owned(),
        target_level: r.target_level.clone(),
        phase: r.phase.clone(),
        year: r.year,
        unit_id: r.unit_id,
        unit_name: e.unit_name.clone(),
        confirming_unit_id: e.confirming_unit_id,
        confirming_unit_name: e.confirming_name.clone(),
        replicates: r.replicates,
        title,
        situation,
        objectives,
        content,
        area,
        forces,
        resources,
        timeline,
        outputs,
        sustainability,
        person: (r.subject == Subject::Individual).then(|| PersonOut {
            name: p.name.clone(),
            birth_year: p.birth_year,
            gender: p.gender.map(|g| g.code().to_owned()),
            ethnicity: p.ethnicity.clone(),
            position: p.position.clone(),
            party_member: p.party_member,
            example: p.example.clone(),
        }),
        created_by: e.created_by,
        created_by_name: e.created_by_name.clone(),
        created_at: instant(e.created_at),
        updated_at: instant(e.updated_at),
        submitted_at: e.submitted_at.map(instant),
        allowed_transitions: allowed,
        decision: decision.map(|d| DecisionOut {
            number: d.number,
            signed_on: d.signed_on,
            signer: d.signer,
            signer_title: d.signer_title,
            issuing_body: d.issuing_body,
        }),
        rewards: rewards
            .into_iter()
            .map(|(id, form, decision, revoked)| RewardOut {
                id,
                description: format!("{form} — {decision}"),
                revoked,
            })
            .collect(),
        revocations: revocations
            .into_iter()
            .map(|(kind, reason, decision, at)| RevocationOut {
                kind: if kind == "reward" {
                    "reward".into()
                } else {
                    "recognition".into()
                },
                reason,
                decision,
                at: instant(at),
            })
            .collect(),
        reports: reports
            .into_iter()
            .map(|r| ReportOut {
                year: r.year,
                operating: r.operating,
                results: r.results,
                submitted_at: instant(r.submitted_at),
                outcome: r.outcome,
                outcome_reason: r.outcome_reason,
            })
            .collect(),
    })
}

/// A line of an entry list.
#[derive(Serialize, ToSchema)]
pub struct EntrySummaryOut {
    pub id: i64,
    pub title: String,
    /// The individual's name (empty for collectives).
    pub person_name: String,
    pub kind: String,
    pub subject: String,
    pub field_id: i64,
    pub target_level: String,
    pub year: i32,
    pub unit_id: i64,
    pub unit_name: String,
    pub state: String,
    pub state_label: String,
    pub updated_at: String,
}

impl From<EntrySummary> for EntrySummaryOut {
    fn from(e: EntrySummary) -> Self {
        EntrySummaryOut {
            id: e.id,
            title: e.title,
            person_name: e.person_name,
            kind: e.kind.code().to_owned(),
            subject: e.subject.code().to_owned(),
            field_id: e.field_id,
            target_level: e.target_level,
            year: e.year,
            unit_id: e.unit_id,
            unit_name: e.unit_name,
            state: e.state.code().to_owned(),
            state_label: e.state.label().to_owned(),
            updated_at: instant(e.updated_at),
        }
    }
}

/// One page of entries with the total over all pages.
#[derive(Serialize, ToSchema)]
pub struct EntryPage {
    pub items: Vec<EntrySummaryOut>,
    /// Entries matching the filters, over all pages, counted up to 1 000
    /// (a search: up to the 300 it ranks); `total_more` says more matched.
    pub total: i64,
    pub total_more: bool,
    /// The numbered page (1 when reached by a cursor).
    pub page: i64,
    pub per_page: i64,
    /// Numbered pages over the counted entries.
    pub pages: i64,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// Pass as `before` for the previous page; absent on the first page.
    pub prev_cursor: Option<String>,
    /// When the words asked found nothing, the spellings searched instead.
    pub searched_as: Option<String>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct EntryListQuery {
    /// Words to find in title, content and names; diacritics are ignored.
    pub q: Option<String>,
    /// Only this unit and its subtree.
    pub unit: Option<i64>,
    /// A field (its sub-fields included).
    pub field: Option<i64>,
    /// `model` or `exemplar`.
    pub kind: Option<String>,
    /// `collective` or `individual`.
    pub subject: Option<String>,
    /// State code (`draft`, `submitted`, `accepted`, `recognised`, …).
    pub state: Option<String>,
    pub year: Option<i32>,
    /// Level asked to recognise (`xa`, `tinh`, …).
    pub level: Option<String>,
    /// `updated` (default), `title` (Vietnamese order), `year`, or with `q`
    /// `relevance` (the default then: title matches first, over the 300
    /// most recent matches).
    pub sort: Option<String>,
    /// From 1; numbered pages reach the first 1 000 entries, cursors any.
    pub page: Option<i64>,
    /// The page after this cursor (`next_cursor` of a page).
    pub after: Option<String>,
    /// The page before this cursor (`prev_cursor` of a page).
    pub before: Option<String>,
    /// 1–100, default 25.
    pub per_page: Option<i64>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ExportFormat {
    /// `xlsx` (default) or `csv` (UTF-8 with BOM).
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/entries/export", tag = "Hồ sơ",
    summary = "Danh sách hồ sơ thành bảng tính (XLSX hoặc CSV), cùng bộ lọc với danh sách",
    description = "Mọi mục đăng ký là một cột; thông tin cá nhân của điển hình cá nhân cho người được xem hồ sơ. Bỏ qua `page`, `per_page`: xuất toàn bộ kết quả lọc. Ô bắt đầu bằng `=`, `+`, `-`, `@` luôn là chữ.",
    params(EntryListQuery, ExportFormat),
    responses((status = 200, description = "Tệp XLSX hoặc CSV",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "text/csv; charset=utf-8"))),
              (status = 400, body = super::ApiError),
              (status = 503, body = super::ApiError),
        (status = 429, description = "Một bảng tính khác của người này đang được xuất", body = super::ApiError)))]
pub async fn export(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(lq): ApiQuery<EntryListQuery>,
    ApiQuery(fq): ApiQuery<ExportFormat>,
) -> ApiResult<axum::response::Response> {
    let format = crate::exports::format_of(fq.format.as_deref().unwrap_or(""))?;
    let filter = filter_of(&state, &user, &lq).await?;
    crate::exports::entries(&state, &user.actor, format, filter)
        .await
        .map_err(super::ApiFailure::from)
}

/// Page and page size, checked.
pub fn paging(page: Option<i64>, per_page: Option<i64>, default: i64) -> ApiResult<(i64, i64)> {
    let page = page.unwrap_or(1);
    if !(1..=100_000).contains(&page) {
        return Err(ServiceError::invalid("page", "Số trang phải từ 1 đến 100000.").into());
    }
    let per_page = per_page.unwrap_or(default);
    if !(1..=100).contains(&per_page) {
        return Err(
            ServiceError::invalid("per_page", "Số dòng mỗi trang phải từ 1 đến 100.").into(),
        );
    }
    Ok((page, per_page))
}

fn parse_opt<T>(
    raw: &Option<String>,
    field: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> ApiResult<Option<T>> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => parse(v).map(Some).ok_or_else(|| {
            ApiFailure::from(ServiceError::invalid(
                field,
                format!(
                    "Giá trị «{}» không hợp lệ cho «{field}».",
                    crate::views::truncate(v, 40)
                ),
            ))
        }),
    }
}

#[utoipa::path(get, path = "/api/v1/entries", tag = "Hồ sơ",
    summary = "Danh sách hồ sơ trong phạm vi được xem, có lọc, tìm kiếm và phân trang",
    params(EntryListQuery),
    responses((status = 200, body = EntryPage)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(lq): ApiQuery<EntryListQuery>,
) -> ApiResult<Json<EntryPage>> {
    let filter = filter_of(&state, &user, &lq).await?;
    let (page, per_page) = (filter.page, filter.per_page);
    let relevance = filter.sort == Sort::Relevance && !filter.search.is_empty();
    let listed = service::list_entries(&state.db, &user.actor, filter).await?;
    let info = &listed.page;
    // Ranked results are a bounded set read by page number; lists go on
    // by cursor.
    let cursor = |e: Option<&dvk_store::entries::EntrySummary>| {
        e.filter(|_| !relevance)
            .map(|e| dvk_store::entries::Cursor::of(e).encode())
    };
    Ok(Json(EntryPage {
        next_cursor: cursor(listed.items.last().filter(|_| info.has_next)),
        prev_cursor: cursor(listed.items.first().filter(|_| info.has_prev)),
        total: info.total.count,
        total_more: info.total.more,
        searched_as: info.searched_as.clone(),
        page,
        per_page,
        pages: ((info.total.count + per_page - 1) / per_page).max(1),
        items: listed
            .items
            .into_iter()
            .map(EntrySummaryOut::from)
            .collect(),
    }))
}

/// The list's query as the store's filter, every value checked.
async fn filter_of(
    state: &AppState,
    user: &ApiUser,
    lq: &EntryListQuery,
) -> ApiResult<EntryFilter> {
    let cat = &state.catalogue;
    let (page, per_page) = paging(lq.page, lq.per_page, crate::pages::entries::PER_PAGE)?;
    let unit = match lq.unit {
        Some(id) => Some(
            state
                .units(user.info.units_version)
                .await?
                .units
                .iter()
                .find(|u| u.id == id)
                .ok_or_else(|| ServiceError::invalid("unit", "Đơn vị không tồn tại."))?
                .path
                .clone(),
        ),
        None => None,
    };
    let level = parse_opt(&lq.level, "level", |v| {
        cat.levels
            .iter()
            .find(|l| l.code == v)
            .map(|l| l.code.clone())
    })?;
    let search = SearchQuery::parse(lq.q.as_deref().unwrap_or(""));
    let sort = parse_opt(&lq.sort, "sort", |v| {
        matches!(v, "updated" | "title" | "year" | "relevance").then(|| Sort::parse(v, true))
    })?
    .unwrap_or(Sort::parse("", !search.is_empty()));
    let keyset = match (&lq.after, &lq.before) {
        (Some(_), Some(_)) => {
            return Err(ServiceError::invalid(
                "after",
                "Chỉ dùng một trong hai: «after» hoặc «before».",
            )
            .into())
        }
        (Some(c), None) => Some(Keyset::After(parse_cursor(c, "after")?)),
        (None, Some(c)) => Some(Keyset::Before(parse_cursor(c, "before")?)),
        (None, None) => None,
    };
    if keyset.is_none() && (page - 1) * per_page >= dvk_store::listing::COUNT_CAP {
        return Err(ServiceError::invalid(
            "page",
            format!(
                "Trang quá xa: các trang đánh số chỉ tới {} hồ sơ đầu; hãy đọc tiếp bằng «after» (lấy từ next_cursor) hoặc thu hẹp bộ lọc.",
                crate::views::fmt_money(dvk_store::listing::COUNT_CAP)
            ),
        )
        .into());
    }
    Ok(EntryFilter {
        visible: user.actor.visible_roots(),
        unit,
        field_ids: lq
            .field
            .map(|f| cat.field_and_subfields(f))
            .unwrap_or_default(),
        kind: parse_opt(&lq.kind, "kind", Kind::parse)?,
        subject: parse_opt(&lq.subject, "subject", Subject::parse)?,
        state: parse_opt(&lq.state, "state", EntryState::parse)?,
        year: lq.year,
        level,
        search,
        public_only: false,
        sort,
        page,
        per_page,
        keyset,
        counted: Default::default(),
    })
}

/// A cursor given back to the list, checked.
pub fn parse_cursor(raw: &str, field: &str) -> ApiResult<Cursor> {
    Cursor::decode(raw).ok_or_else(|| {
        ServiceError::invalid(
            field,
            "Con trỏ trang không hợp lệ; hãy dùng next_cursor hoặc prev_cursor của một trang.",
        )
        .into()
    })
}

#[utoipa::path(post, path = "/api/v1/entries", tag = "Hồ sơ",
    summary = "Đăng ký mô hình, điển hình (lưu bản nháp)",
    request_body = EntryIn,
    responses((status = 201, body = EntryOut)))]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<EntryIn>,
) -> ApiResult<Response> {
    let form = EntryForm::from(body);
    let id = service::create_entry(&state.db, &state.catalogue, &user.actor, &form).await?;
    Ok(created(entry_out(&state, &user, id).await?))
}

#[utoipa::path(get, path = "/api/v1/entries/{id}", tag = "Hồ sơ",
    summary = "Một hồ sơ với quyết định, khen thưởng, thu hồi và báo cáo rà soát",
    params(("id" = i64, Path, description = "Mã hồ sơ")),
    responses((status = 200, body = EntryOut)))]
pub async fn detail(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<EntryOut>> {
    Ok(Json(entry_out(&state, &user, id).await?))
}

#[utoipa::path(put, path = "/api/v1/entries/{id}", tag = "Hồ sơ",
    summary = "Sửa nội dung hồ sơ (bản nháp hoặc bị trả lại)",
    params(("id" = i64, Path, description = "Mã hồ sơ")),
    request_body = EntryIn,
    responses((status = 200, body = EntryOut)))]
pub async fn update(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EntryIn>,
) -> ApiResult<Json<EntryOut>> {
    let version = body.version.ok_or_else(|| {
        ApiFailure::from(ServiceError::invalid(
            "version",
            "Gửi kèm «version» đọc được cùng hồ sơ.",
        ))
    })?;
    let form = EntryForm::from(body);
    service::update_entry(&state.db, &state.catalogue, &user.actor, id, &form, version).await?;
    Ok(Json(entry_out(&state, &user, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionIn {
    /// `submit`, `accept`, `return` or `withdraw` (later steps have their
    /// own endpoints).
    pub transition: String,
    /// Required to return or withdraw.
    #[serde(default)]
    pub reason: String,
    /// The version read with the entry.
    pub version: i64,
}

#[utoipa::path(post, path = "/api/v1/entries/{id}/transitions", tag = "Hồ sơ",
    summary = "Gửi đăng ký, tiếp nhận, trả lại hoặc rút hồ sơ",
    params(("id" = i64, Path, description = "Mã hồ sơ")),
    request_body = TransitionIn,
    responses((status = 200, body = EntryOut)))]
pub async fn transition(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TransitionIn>,
) -> ApiResult<Json<EntryOut>> {
    let t = Transition::parse(body.transition.trim())
        .filter(|t| REGISTRATION_TRANSITIONS.contains(t))
        .ok_or_else(|| {
            ApiFailure::from(ServiceError::invalid(
                "transition",
                "Thao tác phải là submit, accept, return hoặc withdraw.",
            ))
        })?;
    service::transition(&state.db, &user.actor, id, t, &body.reason, body.version).await?;
    Ok(Json(entry_out(&state, &user, id).await?))
}

#[derive(Serialize, ToSchema)]
pub struct HistoryOut {
    /// The audit record's id; 0 for an appraisal step, which summarises the
    /// council's work without any member's sheet.
    pub id: i64,
    pub at: String,
    /// Who did it ("Hệ thống", "Người dân", "Hội đồng" where no person signs).
    pub actor_name: String,
    /// What happened, in Vietnamese.
    pub event: String,
    /// "Đã gửi, chờ tiếp nhận → Đã tiếp nhận (đang thực hiện)", or empty.
    pub states: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// Changed fields and reasons, each a Vietnamese sentence.
    pub details: Vec<String>,
    /// The record's link in the tamper-evident chain (empty for a step).
    pub hash: String,
}

#[utoipa::path(get, path = "/api/v1/entries/{id}/history", tag = "Hồ sơ",
    summary = "Lịch sử thay đổi của hồ sơ (nhật ký kiểm toán)",
    params(("id" = i64, Path, description = "Mã hồ sơ")),
    responses((status = 200, body = Vec<HistoryOut>)))]
pub async fn history(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<HistoryOut>>> {
    let list = dvk_store::history::entry_history(&state.db, &user.actor, id).await?;
    Ok(Json(
        list.into_iter()
            .map(|h| HistoryOut {
                id: h.id,
                at: instant(h.at),
                actor_name: h.actor,
                event: h.event,
                states: h.states,
                from_state: h.from_state.map(|s| s.code().to_owned()),
                to_state: h.to_state.map(|s| s.code().to_owned()),
                details: h.details,
                hash: h.hash,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentOut {
    pub id: i64,
    pub entry_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: String,
}

impl From<dvk_store::entries::Attachment> for AttachmentOut {
    fn from(a: dvk_store::entries::Attachment) -> Self {
        AttachmentOut {
            id: a.id,
            entry_id: a.entry_id,
            file_name: a.file_name,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
            created_at: instant(a.created_at),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/entries/{id}/attachments", tag = "Hồ sơ",
    summary = "Tệp minh chứng của hồ sơ",
    params(("id" = i64, Path, description = "Mã hồ sơ")),
    responses((status = 200, body = Vec<AttachmentOut>)))]
pub async fn attachments(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<AttachmentOut>>> {
    let list = dvk_store::entry_record::attachments_of(&state.db, &user.actor, id).await?;
    Ok(Json(list.into_iter().map(AttachmentOut::from).collect()))
}

/// A multipart form with one file (PDF, JPEG, PNG, DOCX, XLSX; ≤ 20 MB).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[utoipa::path(post, path = "/api/v1/entries/{id}/attachments", tag = "Hồ sơ",
    summary = "Tải lên tệp minh chứng (kiểm tra theo nội dung tệp)",
    params(("id" = i64, Path, description = "Mã hồ sơ")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentOut)))]
pub async fn upload(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let bad = |m: &str| {
        ApiFailure::field(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "file",
            m.to_owned(),
        )
    };
    let too_big = || {
        ApiFailure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Tệp vượt quá 20 MB. Không có gì được lưu.",
        )
    };
    // Authority and room first: a refused upload's body is never read.
    service::evidence_slot(&state.db, &user.actor, id).await?;
    let mut multipart = multipart.map_err(|_| {
        ApiFailure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Gửi tệp dưới dạng multipart/form-data với trường «file».",
        )
    })?;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
            Err(_) => return Err(bad("Không đọc được tệp gửi lên.")),
        };
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_big()
                } else {
                    bad("Không đọc được tệp gửi lên.")
                }
            })?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = file else {
        return Err(bad("Thiếu trường «file»."));
    };
    let aid = service::add_attachment(&state.db, &user.actor, id, &name, &bytes).await?;
    let a = dvk_store::entry_record::attachments_of(&state.db, &user.actor, id)
        .await?
        .into_iter()
        .find(|a| a.id == aid)
        .ok_or(ServiceError::NotFound("tệp minh chứng"))?;
    Ok(created(AttachmentOut::from(a)))
}

#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "Hồ sơ",
    summary = "Tải về tệp minh chứng",
    params(("id" = i64, Path, description = "Mã tệp")),
    responses((status = 200, description = "Nội dung tệp", content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn download(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let (a, bytes) = service::download_attachment(&state.db, &user.actor, id).await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        crate::views::url_encode(&a.file_name)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&a.content_type) {
        h.insert("x-dvk-content-type", v);
    }
    Ok(res)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportIn {
    pub year: i32,
    /// Still operating this year.
    pub operating: bool,
    /// What it achieved this year.
    pub results: String,
}

#[utoipa::path(post, path = "/api/v1/entries/{id}/reports", tag = "Rà soát hằng năm",
    summary = "Gửi báo cáo rà soát hằng năm của mô hình đã công nhận",
    params(("id" = i64, Path, description = "Mã hồ sơ")),
    request_body = ReportIn,
    responses((status = 200, body = EntryOut)))]
pub async fn report(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReportIn>,
) -> ApiResult<Json<EntryOut>> {
    dvk_store::review::submit_report(
        &state.db,
        &user.actor,
        id,
        &body.year.to_string(),
        body.operating,
        &body.results,
    )
    .await?;
    Ok(Json(entry_out(&state, &user, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    /// Keep on the register (true) or remove (false, reason required).
    pub continuing: bool,
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/entries/{id}/reports/{year}/review", tag = "Rà soát hằng năm",
    summary = "Ghi kết quả rà soát: tiếp tục duy trì hoặc đưa ra khỏi danh sách",
    params(("id" = i64, Path, description = "Mã hồ sơ"), ("year" = i32, Path, description = "Năm báo cáo")),
    request_body = ReviewIn,
    responses((status = 200, body = EntryOut)))]
pub async fn review(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((id, year)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<ReviewIn>,
) -> ApiResult<Json<EntryOut>> {
    let year = i32::try_from(year)
        .map_err(|_| ApiFailure::from(ServiceError::invalid("year", "Năm không hợp lệ.")))?;
    dvk_store::review::review(
        &state.db,
        &user.actor,
        id,
        year,
        body.continuing,
        &body.reason,
    )
    .await?;
    Ok(Json(entry_out(&state, &user, id).await?))
}

#[utoipa::path(post, path = "/api/v1/entries/{id}/carry-over", tag = "Rà soát hằng năm",
    summary = "Chuyển mô hình sang giai đoạn mới (tạo bản nháp mới)",
    params(("id" = i64, Path, description = "Mã hồ sơ")),
    responses((status = 201, body = CreatedId)))]
pub async fn carry_over(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let new_id =
        dvk_store::review::carry_over(&state.db, &state.catalogue, &user.actor, id).await?;
    Ok(created(CreatedId { id: new_id }))
}
