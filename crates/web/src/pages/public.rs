//! Public pages (no account needed): lists on public notice with the
//! comment form, and recognised models. Personal data of individuals is
//! never shown here; certificates are for signed-in staff.

use crate::client::ClientIp;
use crate::ctx::{Ctx, User};
use crate::error::{user_facing, AppResult};
use crate::form::{parse_id, VnForm};
use crate::views::{fmt_datetime, Opt};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dvk_domain::issuer::{dateline, Letterhead};
use dvk_domain::search::SearchQuery;
use dvk_store::appraisal::{self as ap, CommentForm};
use dvk_store::entries::{EntryFilter, Sort};
use dvk_store::service::current_year;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "public_notices.html")]
pub struct NoticesPage {
    pub title: String,
    pub rounds: Vec<(i64, String, String)>,
}

pub async fn notices(State(state): State<AppState>) -> AppResult<Response> {
    let rounds = state.db.notice_rounds().await?;
    let page = NoticesPage {
        title: "Thông báo công khai".into(),
        rounds: rounds
            .into_iter()
            .map(|r| {
                let period = match (&r.notice_starts, &r.notice_ends) {
                    (Some(s), Some(e)) => format!(
                        "{} · từ {} đến {}",
                        r.unit_name,
                        ap::show_date(s),
                        ap::show_date(e)
                    ),
                    _ => r.unit_name.clone(),
                };
                (r.id, r.title, period)
            })
            .collect(),
    };
    Ok(page.into_response())
}

pub struct NoticeEntry {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub field: String,
    pub objectives: String,
    /// (author, when, body, answer)
    pub comments: Vec<(String, String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "public_notice.html")]
pub struct NoticePage {
    pub title: String,
    pub round_id: i64,
    pub period: String,
    pub entries: Vec<NoticeEntry>,
    pub open: bool,
    pub csrf: String,
    /// Single-use key: a comment sent twice is posted once.
    pub form_key: String,
    /// The signed time the form was served (the bot defence).
    pub started: String,
    pub message: String,
    pub errors: Vec<String>,
    /// The notice and the recognition decisions' annexes, as files.
    pub documents: Vec<crate::documents::DocLink>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MsgQuery {
    msg: String,
}

async fn render_notice(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    message: &str,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let notice = ap::public_notice(&state.db, id).await?;
    let (round, open, comments) = (&notice.round, notice.open, &notice.comments);
    let mut entries = Vec::new();
    for e in &notice.entries {
        entries.push(NoticeEntry {
            id: e.entry_id,
            title: e.title.clone(),
            unit: e.unit_name.clone(),
            field: state.catalogue.field_name(e.field_id).to_owned(),
            objectives: e.summary.clone(),
            comments: comments
                .iter()
                .filter(|c| c.entry_id == e.entry_id)
                .map(|c| {
                    let who = if c.author_name.is_empty() {
                        "Người dân".to_owned()
                    } else {
                        c.author_name.clone()
                    };
                    (
                        who,
                        fmt_datetime(c.created_at),
                        c.body.clone(),
                        c.answer.clone(),
                    )
                })
                .collect(),
        });
    }
    let base = format!("/cong-khai/{id}");
    let mut documents = vec![crate::documents::DocLink::new(
        state,
        &base,
        "thong-bao",
        "",
        "Thông báo công khai kết quả xét chọn",
    )];
    for d in &notice.decisions {
        documents.push(crate::documents::DocLink::new(
            state,
            &base,
            "phu-luc",
            &format!("decision={}", d.id),
            format!(
                "Danh sách được công nhận (phụ lục Quyết định số {})",
                d.number
            ),
        ));
    }
    let page = NoticePage {
        documents,
        title: round.title.clone(),
        round_id: id,
        period: match (&round.notice_starts, &round.notice_ends) {
            (Some(s), Some(e)) => format!(
                "{} · công khai từ {} đến hết {}",
                round.unit_name,
                ap::show_date(s),
                ap::show_date(e)
            ),
            _ => round.unit_name.clone(),
        },
        entries,
        open,
        csrf: ctx.csrf.clone(),
        form_key: dvk_store::accounts::random_token(),
        started: state.pre_login.issue(dvk_store::db::now()),
        message: message.to_owned(),
        errors,
    };
    Ok((status, page).into_response())
}

pub async fn notice(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(mq): Query<MsgQuery>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let msg = if mq.msg == "sent" {
        "Cảm ơn bạn đã góp ý. Ý kiến sẽ được xem xét và trả lời."
    } else {
        ""
    };
    render_notice(&state, &ctx, id, msg, Vec::new(), StatusCode::OK).await
}

pub async fn comment(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(client): ClientIp,
    Path(id): Path<String>,
    VnForm(form): VnForm<CommentForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let added = match crate::human::comment_proof(&state, &form.started, &form.website).await {
        Ok(()) => {
            let budget = crate::client::budget_key(client).to_string();
            ap::add_comment(&state.db, id, &form, &budget).await
        }
        Err(e) => Err(e),
    };
    match added {
        Ok(_) => Ok(Redirect::to(&format!("/cong-khai/{id}?msg=sent")).into_response()),
        Err(e) => {
            let (status, errors) = user_facing(e)?;
            render_notice(&state, &ctx, id, "", errors, status).await
        }
    }
}

pub struct PublicRow {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub field: String,
    pub year: i32,
}

#[derive(Template, WebTemplate)]
#[template(path = "public_list.html")]
pub struct PublicListPage {
    pub title: String,
    pub q: String,
    pub levels: Vec<Opt>,
    pub years: Vec<Opt>,
    pub fields: Vec<Opt>,
    pub communes: Vec<Opt>,
    pub rows: Vec<PublicRow>,
    pub total_label: String,
    pub prev_href: String,
    pub next_href: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PublicQuery {
    q: String,
    level: String,
    year: String,
    field: String,
    unit: String,
    page: String,
}

const PUBLIC_PER_PAGE: i64 = 20;

pub async fn recognised(
    State(state): State<AppState>,
    Query(pq): Query<PublicQuery>,
) -> AppResult<Response> {
    let cat = &state.catalogue;
    let tree = state.units(0).await?;
    let roots: Vec<_> = tree
        .units
        .iter()
        .filter(|u| u.parent_id.is_none())
        .map(|u| u.path.clone())
        .collect();
    let unit = pq
        .unit
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| tree.units.iter().find(|u| u.id == id))
        .map(|u| u.path.clone());
    let page = pq
        .page
        .trim()
        .parse::<i64>()
        .unwrap_or(1)
        .clamp(1, dvk_store::listing::COUNT_CAP / PUBLIC_PER_PAGE);
    let field_ids: Vec<i64> = match pq.field.trim().parse::<i64>() {
        Ok(id) => cat.field_and_subfields(id),
        Err(_) => Vec::new(),
    };
    let search = SearchQuery::parse(&pq.q);
    let filter = EntryFilter {
        unit,
        field_ids,
        year: pq.year.trim().parse().ok(),
        level: cat
            .levels
            .iter()
            .find(|l| l.code == pq.level)
            .map(|l| l.code.clone()),
        sort: Sort::parse("", !search.is_empty()).or_year(),
        search,
        public_only: true,
        page,
        per_page: PUBLIC_PER_PAGE,
        ..Default::default()
    };
    let (items, total) = dvk_store::public::public_models(&state.db, roots.clone(), filter).await?;
    let href = |p: i64| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &pq.q),
            ("level", &pq.level),
            ("year", &pq.year),
            ("field", &pq.field),
            ("unit", &pq.unit),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.append_pair("page", &p.to_string());
        format!("/mo-hinh?{}", s.finish())
    };
    let info = total;
    let communes: Vec<Opt> = tree
        .units
        .iter()
        .filter(|u| u.level_code.as_deref() == Some("xa") && u.valid_to.is_none())
        .map(|u| Opt::new(u.id.to_string(), u.name.clone(), &pq.unit))
        .collect();
    let page_view = PublicListPage {
        title: "Mô hình, điển hình được công nhận".into(),
        q: pq.q.chars().take(200).collect(),
        levels: cat
            .active_levels()
            .iter()
            .map(|l| Opt::new(l.code.clone(), l.name.clone(), &pq.level))
            .collect(),
        years: (2021..=current_year())
            .rev()
            .map(|y| Opt::new(y.to_string(), y.to_string(), &pq.year))
            .collect(),
        fields: cat
            .fields
            .iter()
            .filter(|f| f.parent_id.is_none())
            .map(|f| Opt::new(f.id.to_string(), f.name.clone(), &pq.field))
            .collect(),
        communes,
        rows: items
            .into_iter()
            .map(|e| PublicRow {
                id: e.id,
                title: e.title,
                unit: e.unit_name,
                field: cat.field_name(e.field_id).to_owned(),
                year: e.year,
            })
            .collect(),
        total_label: crate::views::fmt_total(info.total, "mô hình, điển hình"),
        prev_href: if info.has_prev {
            href(page - 1)
        } else {
            String::new()
        },
        next_href: if info.has_next && page < dvk_store::listing::COUNT_CAP / PUBLIC_PER_PAGE {
            href(page + 1)
        } else {
            String::new()
        },
    };
    Ok(page_view.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "public_entry.html")]
pub struct PublicEntryPage {
    pub title: String,
    pub unit: String,
    pub field: String,
    pub level: String,
    pub year: i32,
    pub views: i64,
    pub decision: String,
    pub items: Vec<(String, String)>,
    pub lineage: Option<crate::views::LineageView>,
}

pub async fn recognised_entry(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let visitor = visitor_of(&state, client);
    let m = dvk_store::public::public_model(&state.db, id, Some(&visitor)).await?;
    let decision = match (&m.revoked, &m.decision) {
        (Some(reason), _) => format!(
            "Công nhận, khen thưởng đối với mô hình, điển hình này đã bị thu hồi: {reason}."
        ),
        (None, Some(d)) => format!(
            "Công nhận theo Quyết định số {} ngày {} của {}",
            d.number,
            ap::show_date(&d.signed_on),
            d.issuing_body
        ),
        (None, None) => String::new(),
    };
    // What the model did and achieved; never the individual's personal items.
    let items = m
        .items
        .iter()
        .map(|(_, l, text)| ((*l).to_owned(), text.clone()))
        .collect();
    // Where it came from and where it spread, among recognised models.
    let tree = state.units(0).await?;
    let l = dvk_store::lineage::lineage(&state.db, &tree, dvk_store::lineage::Reader::Public, id)
        .await?;
    let lineage = (!l.ancestors.is_empty() || l.spread.models > 0)
        .then(|| crate::views::LineageView::of(&l, |id| format!("/mo-hinh/{id}"), String::new()));
    let page = PublicEntryPage {
        lineage,
        title: m.title.clone(),
        unit: m.unit_name.clone(),
        field: state.catalogue.field_name(m.field_id).to_owned(),
        level: state.catalogue.level_name(&m.target_level).to_owned(),
        year: m.year,
        views: m.views,
        decision,
        items,
    };
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "certificate.html")]
pub struct CertificatePage {
    pub id: i64,
    pub heading: String,
    pub lead: String,
    pub reason: String,
    pub title: String,
    /// "", "long" or "xlong": the title's type steps down with its length
    /// so the certificate stays one page.
    pub title_class: &'static str,
    pub unit: String,
    pub level: String,
    pub number: String,
    pub signed_on: String,
    pub issuing_body: String,
    /// The body above the issuer on the letterhead (may be empty).
    pub issuer_parent: String,
    /// Party letterhead (HD 36) rather than the national motto (NĐ 30).
    pub party: bool,
    pub signer: String,
    pub signer_title: String,
    pub place_date: String,
    /// The start of the content hash recorded in the audit trail.
    pub check_code: String,
}

/// A printable certificate (A4 landscape) for a recognised entry.
pub async fn certificate(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let c = dvk_store::certificates::recognition_certificate(&state.db, &user.actor, id).await?;
    Ok(certificate_page(&state, id, c).into_response())
}

/// The page of a certificate, recognition or reward alike.
fn certificate_page(
    state: &AppState,
    id: i64,
    c: dvk_store::certificates::Certificate,
) -> CertificatePage {
    let w = dvk_store::documents::wording(&state.catalogue, &c);
    let (heading, lead, reason, level) = (w.heading, w.lead, w.reason, w.level);
    CertificatePage {
        id,
        heading,
        lead,
        reason,
        title: c.entry.registration.title().to_owned(),
        title_class: match c.entry.registration.title().chars().count() {
            0..=90 => "",
            91..=180 => "long",
            _ => "xlong",
        },
        unit: c.entry.unit_name.clone(),
        level,
        number: c.number.clone(),
        signed_on: ap::show_date(&c.signed_on),
        issuing_body: c.issuing_body.clone(),
        issuer_parent: c.issuer_parent.clone(),
        party: c.letterhead == Letterhead::Party,
        signer: c.signer.clone(),
        signer_title: c.signer_title.clone(),
        place_date: dateline(&c.place, &c.signed_on),
        check_code: dvk_store::documents::check_code(&c),
    }
}

/// A printable certificate of one reward (Giấy khen / Bằng khen).
pub async fn reward_certificate(
    State(state): State<AppState>,
    user: User,
    Path((id, reward)): Path<(String, String)>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let reward = parse_id(&reward)?;
    let c = dvk_store::certificates::reward_certificate(&state.db, &user.actor, id, reward).await?;
    let page = certificate_page(&state, id, c);
    Ok(page.into_response())
}

/// The daily key a view is counted under (see `PreLoginTokens::visitor`).
pub fn visitor_of(state: &AppState, client: std::net::IpAddr) -> String {
    // The address alone (per /64): a new browser name is not a new visitor.
    state
        .pre_login
        .visitor(crate::client::budget_key(client), &ap::today())
}

/// The public pages draw on the same per-address budget as the public API.
pub async fn rate_limit(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match state.public_limiter.check(client) {
        Ok(()) => next.run(req).await,
        Err(wait) => too_many(wait),
    }
}

/// The page a visitor over the public budget gets.
pub fn too_many(wait: u64) -> Response {
    let mut res = crate::error::error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "Quá nhiều yêu cầu",
        &format!("Quá nhiều yêu cầu từ địa chỉ này. Vui lòng thử lại sau {wait} giây."),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&wait.to_string()) {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    res
}
