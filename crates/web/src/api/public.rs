//! Public read-only API (no token): recognised models and exemplars, and
//! rounds on public notice with their comments; citizens may comment.
//! Personal items of individuals are never published. Every request
//! counts against a per-address limit.

use super::entries::paging;
use super::{created, instant, ApiFailure, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::client::ClientIp;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvk_domain::search::SearchQuery;
use dvk_store::appraisal::{self as ap, CommentForm};
use dvk_store::entries::{EntryFilter, Sort};
use dvk_store::ServiceError;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use utoipa::{IntoParams, ToSchema};

/// Requests per client address per minute (GCRA from `governor`: a burst
/// of the per-minute number, then one more every 60/n seconds), kept in
/// this process (each server of a cluster counts its own).
pub struct RateLimiter {
    inner: governor::DefaultKeyedRateLimiter<IpAddr>,
    checks: std::sync::atomic::AtomicU64,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        let n = std::num::NonZeroU32::new(per_minute.max(1)).expect("at least one");
        RateLimiter {
            inner: governor::RateLimiter::keyed(governor::Quota::per_minute(n)),
            checks: Default::default(),
        }
    }

    /// Ok, or the seconds to wait.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        // Now and then, forget addresses quiet long enough to be full again.
        let n = self
            .checks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n.is_multiple_of(10_000) {
            self.inner.retain_recent();
        }
        self.inner
            .check_key(&crate::client::budget_key(client))
            .map_err(|not_until| {
                use governor::clock::Clock;
                let now = governor::clock::DefaultClock::default().now();
                not_until.wait_time_from(now).as_secs().max(1)
            })
    }
}

/// The middleware in front of every public endpoint.
pub async fn rate_limit(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    req: Request,
    next: Next,
) -> Response {
    match state.public_limiter.check(client) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let mut f = ApiFailure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!("Quá nhiều yêu cầu từ địa chỉ này. Vui lòng thử lại sau {wait} giây."),
            );
            f.retry_after = Some(wait);
            f.into_response()
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct PublicQuery {
    /// Words to find; diacritics are ignored.
    pub q: Option<String>,
    /// Level that recognised it (`xa`, `tinh`, …).
    pub level: Option<String>,
    pub year: Option<i32>,
    pub field: Option<i64>,
    /// A unit and its subtree.
    pub unit: Option<i64>,
    pub page: Option<i64>,
    /// 1–100, default 20.
    pub per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicEntrySummary {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub subject: String,
    pub unit_name: String,
    pub field_id: i64,
    pub level_code: String,
    pub year: i32,
}

#[derive(Serialize, ToSchema)]
pub struct PublicEntryPage {
    pub items: Vec<PublicEntrySummary>,
    /// Models matching, counted up to 1 000 (a search: the 300 it
    /// ranks); `total_more` says more matched.
    pub total: i64,
    pub total_more: bool,
    pub page: i64,
    pub per_page: i64,
    pub pages: i64,
}

#[utoipa::path(get, path = "/api/v1/public/entries", tag = "Công khai",
    summary = "Mô hình, điển hình đã được công nhận",
    params(PublicQuery),
    responses((status = 200, body = PublicEntryPage)))]
pub async fn entries(
    State(state): State<AppState>,
    ApiQuery(pq): ApiQuery<PublicQuery>,
) -> ApiResult<Json<PublicEntryPage>> {
    let cat = &state.catalogue;
    let (page, per_page) = paging(pq.page, pq.per_page, 20)?;
    let tree = state.units(0).await?;
    let roots: Vec<_> = tree
        .units
        .iter()
        .filter(|u| u.parent_id.is_none())
        .map(|u| u.path.clone())
        .collect();
    let unit = match pq.unit {
        Some(id) => Some(
            tree.units
                .iter()
                .find(|u| u.id == id)
                .map(|u| u.path.clone())
                .ok_or_else(|| ServiceError::invalid("unit", "Đơn vị không tồn tại."))?,
        ),
        None => None,
    };
    let level = match pq.level.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => Some(
            cat.levels
                .iter()
                .find(|l| l.code == v)
                .map(|l| l.code.clone())
                .ok_or_else(|| ServiceError::invalid("level", "Cấp không hợp lệ."))?,
        ),
        None => None,
    };
    let search = SearchQuery::parse(pq.q.as_deref().unwrap_or(""));
    if (page - 1) * per_page >= dvk_store::listing::COUNT_CAP {
        return Err(ServiceError::invalid(
            "page",
            format!(
                "Trang quá xa: các trang chỉ tới {} mô hình đầu; hãy thu hẹp bộ lọc.",
                crate::views::fmt_money(dvk_store::listing::COUNT_CAP)
            ),
        )
        .into());
    }
    let filter = EntryFilter {
        unit,
        field_ids: pq
            .field
            .map(|f| cat.field_and_subfields(f))
            .unwrap_or_default(),
        year: pq.year,
        level,
        sort: Sort::parse("", !search.is_empty()).or_year(),
        search,
        public_only: true,
        page,
        per_page,
        ..Default::default()
    };
    let (items, total) = dvk_store::public::public_models(&state.db, roots, filter).await?;
    Ok(Json(PublicEntryPage {
        items: items
            .into_iter()
            .map(|e| PublicEntrySummary {
                id: e.id,
                title: e.title,
                kind: e.kind.code().to_owned(),
                subject: e.subject.code().to_owned(),
                unit_name: e.unit_name,
                field_id: e.field_id,
                level_code: e.target_level,
                year: e.year,
            })
            .collect(),
        total: total.total.count,
        total_more: total.total.more,
        page,
        per_page,
        pages: ((total.total.count + per_page - 1) / per_page).max(1),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PublicItem {
    /// Item key (`situation`, `objectives`, …).
    pub key: String,
    pub label: String,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicEntry {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub subject: String,
    pub unit_name: String,
    pub field_id: i64,
    pub field_name: String,
    pub level_code: String,
    pub level_name: String,
    pub year: i32,
    pub views: i64,
    /// The recognising decision, as cited (empty if none recorded).
    pub decision: String,
    /// Set when recognition was revoked.
    pub revoked: bool,
    /// What the model did and achieved (never an individual's personal items).
    pub items: Vec<PublicItem>,
}

#[utoipa::path(get, path = "/api/v1/public/entries/{id}", tag = "Công khai",
    summary = "Một mô hình, điển hình đã được công nhận",
    params(("id" = i64, Path, description = "Mã hồ sơ")),
    responses((status = 200, body = PublicEntry)))]
pub async fn entry(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PublicEntry>> {
    let visitor = crate::pages::public::visitor_of(&state, client);
    let m = dvk_store::public::public_model(&state.db, id, Some(&visitor)).await?;
    let decision = match (&m.revoked, &m.decision) {
        (Some(reason), _) => reason.clone(),
        (None, Some(d)) => format!(
            "Quyết định số {} ngày {} của {}",
            d.number,
            ap::show_date(&d.signed_on),
            d.issuing_body
        ),
        (None, None) => String::new(),
    };
    let cat = &state.catalogue;
    Ok(Json(PublicEntry {
        id: m.id,
        title: m.title.clone(),
        kind: m.kind.code().to_owned(),
        subject: m.subject.code().to_owned(),
        unit_name: m.unit_name.clone(),
        field_id: m.field_id,
        field_name: cat.field_name(m.field_id).to_owned(),
        level_code: m.target_level.clone(),
        level_name: cat.level_name(&m.target_level).to_owned(),
        year: m.year,
        views: m.views,
        decision,
        revoked: m.revoked.is_some(),
        items: m
            .items
            .into_iter()
            .map(|(k, l, text)| PublicItem {
                key: k.to_owned(),
                label: l.to_owned(),
                text,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct NoticeSummary {
    pub round_id: i64,
    pub title: String,
    pub unit_name: String,
    /// ISO dates.
    pub starts: Option<String>,
    pub ends: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/public/notices", tag = "Công khai",
    summary = "Các đợt đang thông báo công khai",
    responses((status = 200, body = Vec<NoticeSummary>)))]
pub async fn notices(State(state): State<AppState>) -> ApiResult<Json<Vec<NoticeSummary>>> {
    let rounds = state.db.notice_rounds().await?;
    Ok(Json(
        rounds
            .into_iter()
            .map(|r| NoticeSummary {
                round_id: r.id,
                title: r.title,
                unit_name: r.unit_name,
                starts: r.notice_starts,
                ends: r.notice_ends,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PublicComment {
    pub id: i64,
    /// Empty for anonymous citizens.
    pub author_name: String,
    pub created_at: String,
    pub body: String,
    pub answer: String,
}

#[derive(Serialize, ToSchema)]
pub struct NoticeEntry {
    pub entry_id: i64,
    pub title: String,
    pub unit_name: String,
    pub field_name: String,
    pub summary: String,
    pub comments: Vec<PublicComment>,
}

#[derive(Serialize, ToSchema)]
pub struct NoticeOut {
    pub round_id: i64,
    pub title: String,
    pub unit_name: String,
    pub starts: Option<String>,
    pub ends: Option<String>,
    /// Comments are accepted today.
    pub open: bool,
    pub entries: Vec<NoticeEntry>,
    /// Send back with a comment, at least a few seconds later (the same
    /// bot defence as the page's form); valid three hours.
    pub comment_token: String,
}

#[utoipa::path(get, path = "/api/v1/public/notices/{id}", tag = "Công khai",
    summary = "Thông báo công khai của một đợt, với các ý kiến",
    params(("id" = i64, Path, description = "Mã đợt xét")),
    responses((status = 200, body = NoticeOut)))]
pub async fn notice(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<NoticeOut>> {
    let n = ap::public_notice(&state.db, id).await?;
    let cat = &state.catalogue;
    Ok(Json(NoticeOut {
        comment_token: state.pre_login.issue(dvk_store::db::now()),
        round_id: n.round.id,
        title: n.round.title.clone(),
        unit_name: n.round.unit_name.clone(),
        starts: n.round.notice_starts.clone(),
        ends: n.round.notice_ends.clone(),
        open: n.open,
        entries: n
            .entries
            .iter()
            .map(|e| NoticeEntry {
                entry_id: e.entry_id,
                title: e.title.clone(),
                unit_name: e.unit_name.clone(),
                field_name: cat.field_name(e.field_id).to_owned(),
                summary: e.summary.clone(),
                comments: n
                    .comments
                    .iter()
                    .filter(|c| c.entry_id == e.entry_id)
                    .map(|c| PublicComment {
                        id: c.id,
                        author_name: c.author_name.clone(),
                        created_at: instant(c.created_at),
                        body: c.body.clone(),
                        answer: c.answer.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentIn {
    pub entry_id: i64,
    /// Optional; empty for an anonymous comment.
    #[serde(default)]
    pub name: String,
    /// Optional phone or e-mail, shown to the organisers only.
    #[serde(default)]
    pub contact: String,
    pub body: String,
    /// The `comment_token` of the notice, fetched at least a few seconds before.
    pub comment_token: String,
    /// Leave empty (a field people never fill).
    #[serde(default)]
    pub website: String,
}

#[derive(Serialize, ToSchema)]
pub struct CommentCreated {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/public/notices/{id}/comments", tag = "Công khai",
    summary = "Góp ý về một hồ sơ đang công khai (không cần tài khoản)",
    params(("id" = i64, Path, description = "Mã đợt xét")),
    request_body = CommentIn,
    responses((status = 201, body = CommentCreated)))]
pub async fn comment(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CommentIn>,
) -> ApiResult<Response> {
    crate::human::comment_proof(&state, &b.comment_token, &b.website).await?;
    let form = CommentForm {
        entry_id: b.entry_id.to_string(),
        name: b.name,
        contact: b.contact,
        body: b.body,
        website: b.website,
        started: b.comment_token,
    };
    let budget = crate::client::budget_key(client).to_string();
    let cid = ap::add_comment(&state.db, id, &form, &budget).await?;
    Ok(created(CommentCreated { id: cid }))
}
