use crate::ctx::User;
use crate::error::AppResult;
use crate::views::*;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use dvk_domain::auth::Following;
use dvk_domain::unit::{unit_kind_name, RegistrationStatus};
use dvk_store::service::current_year;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusQuery {
    pub(crate) unit: String,
    pub(crate) year: String,
    /// `xlsx` or `csv` for the table as a spreadsheet.
    pub(crate) format: String,
    /// The page of units (the spreadsheet holds them all).
    pub(crate) page: String,
}

/// Lower units the status page lists at once (its totals count them all).
const UNITS_PER_PAGE: usize = 40;

/// The table as a spreadsheet when `format` asks for one.
async fn spreadsheet(
    state: &AppState,
    person: i64,
    format: &str,
    (plan, rows): (dvk_store::exports::Plan, Vec<Vec<dvk_sheets::Cell>>),
) -> AppResult<Option<Response>> {
    if format.trim().is_empty() {
        return Ok(None);
    }
    let format = crate::exports::format_of(format)?;
    crate::exports::table(state, person, format, (plan, rows))
        .await
        .map(Some)
        .map_err(crate::error::AppError::from)
}

/// What the status and register pages look at: the units where the person
/// follows lower units, the chosen one (checked), and the year.
pub(crate) struct Scope<'a> {
    pub(crate) grant_units: Vec<&'a dvk_store::accounts::GrantRow>,
    pub(crate) unit: dvk_store::units::Unit,
    pub(crate) year: i32,
    pub(crate) this_year: i32,
}

pub(crate) async fn scope<'a>(
    state: &AppState,
    user: &'a User,
    sq: &StatusQuery,
    right: &'static str,
    following: Following,
) -> AppResult<Scope<'a>> {
    let grant_units: Vec<_> = user
        .info
        .grants
        .iter()
        .filter(|g| following.roles().contains(&g.role))
        .collect();
    let this_year = current_year();
    // Unknown values fall back to the defaults rather than failing the page.
    let year = sq
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=this_year + 1).contains(y));
    let dvk_store::tracking::Followed { unit, year } = dvk_store::tracking::followed(
        &state.db,
        &user.actor,
        sq.unit.trim().parse::<i64>().ok(),
        year,
        right,
        following,
    )
    .await?;
    Ok(Scope {
        grant_units,
        unit,
        year,
        this_year,
    })
}

/// Each lower unit's registration status for a year (not sent / waiting /
/// returned / accepted), counted over its whole subtree.
pub async fn status(
    State(state): State<AppState>,
    user: User,
    Query(sq): Query<StatusQuery>,
) -> AppResult<Response> {
    let Scope {
        grant_units,
        unit,
        year,
        this_year,
    } = scope(
        &state,
        &user,
        &sq,
        "xem tình hình đăng ký",
        Following::Tracking,
    )
    .await?;
    let at = dvk_store::tracking::Followed {
        unit: unit.clone(),
        year,
    };
    let rows = dvk_store::tracking::registration_status(
        &state.db,
        &user.actor,
        &at,
        dvk_domain::auth::Following::Tracking,
    )
    .await?;
    if let Some(file) = spreadsheet(
        &state,
        user.actor.user_id,
        &sq.format,
        dvk_store::exports::tracking::status(&at, &rows),
    )
    .await?
    {
        return Ok(file);
    }
    let mut totals = [0i64; 4];
    let mut counts = [0usize; 4];
    let paging = crate::paging::Paging::of(rows.len(), UNITS_PER_PAGE, &sq.page);
    let rows = rows
        .into_iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let st = RegistrationStatus::from_counts(r.waiting, r.returned, r.accepted);
            totals[0] += r.drafts;
            totals[1] += r.waiting;
            totals[2] += r.returned;
            totals[3] += r.accepted;
            counts[match st {
                RegistrationStatus::NotSent => 0,
                RegistrationStatus::Waiting => 1,
                RegistrationStatus::Returned => 2,
                RegistrationStatus::Accepted => 3,
            }] += 1;
            let shown = paging.range().contains(&i);
            shown.then(|| StatusRow {
                unit: r.unit_name,
                kind: unit_kind_name(&r.unit_kind).to_owned(),
                status: st.label().to_owned(),
                css: st.css().to_owned(),
                drafts: r.drafts,
                waiting: r.waiting,
                returned: r.returned,
                accepted: r.accepted,
                href: format!("/entries?unit={}&year={year}", r.unit_id),
                drill: format!("/status?unit={}&year={year}", r.unit_id),
            })
        })
        .collect();
    let here = format!("/status?unit={}&year={year}", unit.id);
    let up_href = match unit.parent_id {
        Some(p)
            if grant_units
                .iter()
                .any(|g| g.unit_path.covers(&unit.path) && g.unit_id != unit.id) =>
        {
            format!("/status?unit={p}&year={year}")
        }
        _ => String::new(),
    };
    let page = StatusPage {
        layout: Layout::new("Tình hình đăng ký", Some(&user.info), &user.csrf, "status"),
        unit_name: unit.name.clone(),
        unit_id: unit.id,
        year: year.to_string(),
        roots: grant_units
            .iter()
            .map(|g| {
                Opt::new(
                    g.unit_id.to_string(),
                    g.unit_name.clone(),
                    &unit.id.to_string(),
                )
            })
            .chain(
                (!grant_units.iter().any(|g| g.unit_id == unit.id)).then(|| {
                    Opt::new(unit.id.to_string(), unit.name.clone(), &unit.id.to_string())
                }),
            )
            .collect(),
        years: (2021..=this_year + 1)
            .rev()
            .map(|y| Opt::new(y.to_string(), y.to_string(), &year.to_string()))
            .collect(),
        rows,
        totals,
        counts,
        up_href,
        page_note: if paging.pages > 1 {
            format!(
                "Trang {}/{}, {UNITS_PER_PAGE} đơn vị mỗi trang; dòng tổng và tệp Excel tính tất cả các đơn vị.",
                paging.at, paging.pages
            )
        } else {
            String::new()
        },
        prev_href: paging.prev_href(&here),
        next_href: paging.next_href(&here),
    };
    Ok(page.into_response())
}

pub struct RegisterRowView {
    pub unit: String,
    pub registered: i64,
    pub new: i64,
    pub continuing: i64,
    pub removed: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub layout: Layout,
    pub unit_name: String,
    pub unit_id: i64,
    pub year: String,
    pub roots: Vec<Opt>,
    pub years: Vec<Opt>,
    pub rows: Vec<RegisterRowView>,
    /// "Tải văn bản": the review summary and the implementation report.
    pub documents: Vec<crate::documents::DocLink>,
}

/// The register by lower unit and year: registered, new, continuing, removed;
/// communes formed in 2025 include their predecessors.
pub async fn register(
    State(state): State<AppState>,
    user: User,
    Query(sq): Query<StatusQuery>,
) -> AppResult<Response> {
    let Scope {
        grant_units,
        unit,
        year,
        this_year,
    } = scope(
        &state,
        &user,
        &sq,
        "xem sổ theo dõi mô hình",
        Following::Tracking,
    )
    .await?;
    let at = dvk_store::tracking::Followed {
        unit: unit.clone(),
        year,
    };
    let rows = dvk_store::tracking::register(&state.db, &user.actor, &at).await?;
    if let Some(file) = spreadsheet(
        &state,
        user.actor.user_id,
        &sq.format,
        dvk_store::exports::tracking::register(&at, &rows),
    )
    .await?
    {
        return Ok(file);
    }
    let base = format!("/units/{}", unit.id);
    let mut documents = vec![
        crate::documents::DocLink::new(
            &state,
            &base,
            "ra-soat",
            &format!("year={year}"),
            format!("Biểu tổng hợp, rà soát năm {year}"),
        ),
        crate::documents::DocLink::new(
            &state,
            &base,
            "bao-cao",
            &format!("year={year}"),
            format!("Báo cáo kết quả triển khai năm {year}"),
        ),
    ];
    if let Some(p) = state
        .catalogue
        .phases
        .iter()
        .find(|p| (p.first_year..=p.last_year).contains(&year))
    {
        documents.push(crate::documents::DocLink::new(
            &state,
            &base,
            "bao-cao",
            &format!("phase={}", p.code),
            format!("Báo cáo kết quả triển khai giai đoạn {}", p.name),
        ));
    }
    let page = RegisterPage {
        documents,
        layout: Layout::new("Sổ theo dõi", Some(&user.info), &user.csrf, "register"),
        unit_name: unit.name.clone(),
        unit_id: unit.id,
        year: year.to_string(),
        roots: grant_units
            .iter()
            .map(|g| {
                Opt::new(
                    g.unit_id.to_string(),
                    g.unit_name.clone(),
                    &unit.id.to_string(),
                )
            })
            .collect(),
        years: (2021..=this_year)
            .rev()
            .map(|y| Opt::new(y.to_string(), y.to_string(), &year.to_string()))
            .collect(),
        rows: rows
            .into_iter()
            .map(|r| RegisterRowView {
                unit: r.unit_name,
                registered: r.registered,
                new: r.new,
                continuing: r.continuing,
                removed: r.removed,
            })
            .collect(),
    };
    Ok(page.into_response())
}
