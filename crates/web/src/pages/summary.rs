//! The summary table (biểu tổng hợp) of a unit for a year or a phase: a
//! page whose every number opens the list of the entries it counts, and
//! the same table as XLSX and DOCX.

use super::status::{scope, StatusQuery};
use crate::ctx::User;
use crate::error::{AppError, AppResult};
use crate::views::{Layout, Opt};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use dvk_domain::auth::Following;
use dvk_domain::summary::RowKind;
use dvk_store::documents::ReportPeriod;
use dvk_store::summary::{value, Summary};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SummaryQuery {
    unit: String,
    year: String,
    /// A phase code instead of a year.
    phase: String,
    /// `xlsx` or `docx` for the file; the page otherwise.
    format: String,
    /// The page of units (the files hold them all).
    page: String,
}

/// Rows a page shows (the total row heads every page): a province's
/// table stays small on a phone; the XLSX and DOCX hold every row.
const ROWS_PER_PAGE: usize = 15;

pub struct HeadCell {
    pub label: String,
    pub span: usize,
    /// Two rows high (a column without a group).
    pub tall: bool,
}

pub struct NumCell {
    pub value: i64,
    pub href: String,
}

pub struct LineView {
    pub tt: String,
    pub name: String,
    pub css: &'static str,
    pub now_in: String,
    pub cells: Vec<NumCell>,
}

#[derive(Template, WebTemplate)]
#[template(path = "summary.html")]
pub struct SummaryPage {
    pub layout: Layout,
    pub unit_name: String,
    pub period: String,
    pub roots: Vec<Opt>,
    pub years: Vec<Opt>,
    pub phases: Vec<Opt>,
    pub groups: Vec<HeadCell>,
    pub labels: Vec<String>,
    /// Each number column's full name, shown beside the value on phones.
    pub col_labels: Vec<String>,
    pub lines: Vec<LineView>,
    pub page_note: String,
    pub prev_href: String,
    pub next_href: String,
    pub xlsx_href: String,
    pub docx_href: String,
}

fn page(s: &Summary) -> (Vec<HeadCell>, Vec<String>, Vec<LineView>) {
    let columns = s.columns();
    let mut groups: Vec<HeadCell> = Vec::new();
    let mut labels = Vec::new();
    let mut i = 0;
    while i < columns.len() {
        match &columns[i].group {
            Some(g) => {
                let mut j = i;
                while j + 1 < columns.len() && columns[j + 1].group.as_ref() == Some(g) {
                    j += 1;
                }
                groups.push(HeadCell {
                    label: g.clone(),
                    span: j - i + 1,
                    tall: false,
                });
                labels.extend(columns[i..=j].iter().map(|c| c.label.clone()));
                i = j + 1;
            }
            None => {
                groups.push(HeadCell {
                    label: columns[i].label.clone(),
                    span: 1,
                    tall: true,
                });
                i += 1;
            }
        }
    }
    let links: Vec<String> = columns.iter().map(|c| s.link_query(&c.key)).collect();
    let mut n = 0;
    let lines = s
        .rows
        .iter()
        .map(|l| {
            let (tt, css, own) = match l.row.kind {
                RowKind::Total => (String::new(), "total", false),
                RowKind::Unit => {
                    n += 1;
                    (n.to_string(), "unit", false)
                }
                RowKind::SubUnit => ("-".into(), "sub", false),
                RowKind::Own => ("-".into(), "sub", true),
            };
            // The table's own unit answers for the units it was formed
            // from; any other row counts its subtree alone (those units,
            // when shown, are rows of their own).
            let unit = if own {
                format!("unit={}&own=1", l.row.unit_id)
            } else if l.row.kind == RowKind::Total {
                format!("unit={}", l.row.unit_id)
            } else {
                format!("unit={}&alone=1", l.row.unit_id)
            };
            LineView {
                tt,
                name: l.row.name.clone(),
                css,
                now_in: l.now_in.clone(),
                cells: columns
                    .iter()
                    .zip(&links)
                    .map(|(c, q)| NumCell {
                        value: value(&l.row.tally, &c.key),
                        href: format!("/entries?{unit}&{q}"),
                    })
                    .collect(),
            }
        })
        .collect();
    (groups, labels, lines)
}

/// What the summary table and the dashboard look at: the unit (checked),
/// a year or one of the catalogue's phases, and the pickers' options.
pub(crate) struct PeriodChoice {
    pub(crate) unit: dvk_store::units::Unit,
    pub(crate) period: ReportPeriod,
    pub(crate) roots: Vec<Opt>,
    pub(crate) years: Vec<Opt>,
    pub(crate) phases: Vec<Opt>,
}

/// Reads the unit, year and phase asked for (unknown values fall back to
/// the defaults), refusing a unit `user` does not follow.
pub(crate) async fn choose_period(
    state: &AppState,
    user: &User,
    unit: &str,
    year: &str,
    phase: &str,
    right: &'static str,
    following: Following,
) -> AppResult<PeriodChoice> {
    let sq = StatusQuery {
        unit: unit.to_owned(),
        year: year.to_owned(),
        ..Default::default()
    };
    let sc = scope(state, user, &sq, right, following).await?;
    let phase = state
        .catalogue
        .phases
        .iter()
        .find(|p| p.code == phase.trim())
        .cloned();
    let period = match &phase {
        Some(p) => ReportPeriod::Phase(p.code.clone()),
        None => ReportPeriod::Year(sc.year),
    };
    let chosen = sc.unit.id.to_string();
    let roots = sc
        .grant_units
        .iter()
        .map(|g| Opt::new(g.unit_id.to_string(), g.unit_name.clone(), &chosen))
        .chain(
            (!sc.grant_units.iter().any(|g| g.unit_id == sc.unit.id))
                .then(|| Opt::new(chosen.clone(), sc.unit.name.clone(), &chosen)),
        )
        .collect();
    let chosen_year = if phase.is_none() {
        sc.year.to_string()
    } else {
        String::new()
    };
    let years = (dvk_store::dashboard::FIRST_YEAR..=sc.this_year)
        .rev()
        .map(|y| Opt::new(y.to_string(), y.to_string(), &chosen_year))
        .collect();
    let chosen_phase = phase.as_ref().map_or("", |p| p.code.as_str());
    let phases = state
        .catalogue
        .phases
        .iter()
        .map(|p| Opt::new(p.code.clone(), p.name.clone(), chosen_phase))
        .collect();
    Ok(PeriodChoice {
        unit: sc.unit,
        period,
        roots,
        years,
        phases,
    })
}

pub async fn summary(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<SummaryQuery>,
) -> AppResult<Response> {
    let PeriodChoice {
        unit,
        period,
        roots,
        years,
        phases,
    } = choose_period(
        &state,
        &user,
        &q.unit,
        &q.year,
        &q.phase,
        "xem biểu tổng hợp",
        Following::Tracking,
    )
    .await?;
    let tree = state.units(user.info.units_version).await?;
    let table = dvk_store::summary::summary(
        &state.db,
        &state.catalogue,
        &tree,
        &user.actor,
        unit.id,
        period.clone(),
    )
    .await?;
    match q.format.trim() {
        "xlsx" | "csv" => {
            let format = crate::exports::format_of(q.format.trim())?;
            let plan = dvk_store::exports::summary::plan(&table);
            return crate::exports::respond(&state, user.actor.user_id, format, plan, move |rows| async move {
                Ok(dvk_store::exports::summary::rows(&table, rows).await)
            })
            .await
            .map_err(AppError::from);
        }
        "docx" | "pdf" => {
            let file = dvk_store::documents::summary_file(&state.db, &table).await?;
            let caller = crate::pdf::Caller::SignedIn;
            return crate::documents::respond(&state, file, q.format.trim() == "pdf", caller)
                .await
                .map_err(|e| {
                    let (status, message) = crate::documents::pdf_failure(&e);
                    AppError::Page(status, "Không tải được PDF", message)
                });
        }
        "" => {}
        _ => {
            return Err(dvk_store::ServiceError::invalid(
                "format",
                "Định dạng chỉ có thể là xlsx, csv, docx hoặc pdf.",
            )
            .into())
        }
    }
    let (groups, labels, mut lines) = page(&table);
    let col_labels = table
        .columns()
        .iter()
        .map(|c| match &c.group {
            Some(g) => format!("{g} — {}", c.label),
            None => c.label.clone(),
        })
        .collect();
    let here = match &period {
        ReportPeriod::Year(y) => format!("/summary?unit={}&year={y}", unit.id),
        ReportPeriod::Phase(p) => format!("/summary?unit={}&phase={p}", unit.id),
    };
    // The total row first on every page, then this page's rows (a
    // unit's rows may go on over the next page, in order).
    let paging = crate::paging::Paging::of(lines.len().saturating_sub(1), ROWS_PER_PAGE, &q.page);
    let shown: Vec<LineView> = lines
        .drain(1.min(lines.len())..)
        .skip(paging.range().start)
        .take(ROWS_PER_PAGE)
        .collect();
    lines.extend(shown);
    let view = SummaryPage {
        layout: Layout::new("Biểu tổng hợp", Some(&user.info), &user.csrf, "summary"),
        unit_name: unit.name.clone(),
        period: period.words(),
        roots,
        years,
        phases,
        groups,
        labels,
        col_labels,
        lines,
        page_note: if paging.pages > 1 {
            format!(
                "Trang {}/{}: dòng tổng và {ROWS_PER_PAGE} dòng mỗi trang; tệp Excel, Word có đủ các dòng.",
                paging.at, paging.pages
            )
        } else {
            String::new()
        },
        prev_href: paging.prev_href(&here),
        next_href: paging.next_href(&here),
        xlsx_href: format!("{here}&format=xlsx"),
        docx_href: format!("{here}&format=docx"),
    };
    Ok(view.into_response())
}
