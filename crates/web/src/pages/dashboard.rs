//! The dashboard (thống kê) of a unit's subtree for a year or a phase:
//! key figures beside the period before, charts drawn on the server with
//! their numbers as tables beside them, every number opening the entries
//! it counts. Each chart downloads as SVG.

use super::summary::{choose_period, PeriodChoice};
use crate::charts::{Band, Bar, Bars, Marker, Series, Trend};
use crate::ctx::User;
use crate::error::AppResult;
use crate::views::{fmt_money, Layout, Opt};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use dvk_domain::unit::RegistrationStatus;
use dvk_store::dashboard::{Dashboard, Figures};
use dvk_store::documents::ReportPeriod;
use dvk_store::summary::ColKey;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DashboardQuery {
    unit: String,
    year: String,
    /// A phase code instead of a year.
    phase: String,
    /// One chart as a file: `xa`, `linh-vuc`, `cap`, `pheu`, `tinh-hinh` or
    /// `xu-huong`.
    chart: String,
    /// `png` for a picture; SVG otherwise.
    format: String,
}

/// A key figure with the period before and the list it opens.
pub struct FigureView {
    pub label: &'static str,
    pub value: String,
    pub change: String,
    pub href: String,
}

/// A chart on the page: the drawing, its numbers and its download.
pub struct ChartView {
    pub id: &'static str,
    pub heading: String,
    pub svg: String,
    pub head: Vec<String>,
    pub rows: Vec<DataRow>,
    pub download: String,
}

pub struct DataRow {
    pub label: String,
    pub cells: Vec<DataCell>,
}

pub struct DataCell {
    pub value: String,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub unit_name: String,
    pub period: String,
    pub roots: Vec<Opt>,
    pub years: Vec<Opt>,
    pub phases: Vec<Opt>,
    pub figures: Vec<FigureView>,
    pub compared_with: String,
    pub charts: Vec<ChartView>,
    pub spread: Vec<SpreadView>,
    pub summary_href: String,
}

/// A model spread widest: its page, and the registrations replicating it.
pub struct SpreadView {
    pub href: String,
    pub title: String,
    pub unit_name: String,
    pub replicas: String,
    pub replicas_href: String,
    pub units: String,
}

/// Bars drawn at most in one chart.
const CHARTED: usize = 15;

/// What the funnel and key figures show, in order, with the list filters
/// of each (appended to the period's).
/// A step: its name, its number among the figures, and where it leads.
type Step = (&'static str, fn(&Figures) -> i64, &'static str);

const STEPS: [Step; 6] = [
    ("Đăng ký", |f| f.registered, "sent=1"),
    (
        "Được tiếp nhận",
        |f| f.accepted,
        "states=accepted,proposed,in_appraisal,in_public_notice,recognised,not_recognised,outstanding,rewarded,removed,revoked",
    ),
    // Summed over levels (forms of reward): the chart by level, and the
    // summary table by form, link each to its exact list.
    ("Được công nhận", |f| f.recognised, "#cap"),
    ("Tiêu biểu", |f| f.outstanding, "states=outstanding,rewarded"),
    ("Được khen thưởng", |f| f.rewarded, "/summary"),
    ("Đưa ra khỏi danh sách, thu hồi", |f| f.removed, "states=removed,revoked"),
];

fn change(now: i64, before: i64) -> String {
    match now - before {
        0 => "không đổi".into(),
        d if d > 0 => format!("tăng {}", fmt_money(d)),
        d => format!("giảm {}", fmt_money(-d)),
    }
}

/// Where a step's number leads: its list, or (for a sum over levels or
/// forms) where each part opens its own — nowhere for a reader who may not
/// open the summary table (`tracks` false).
fn step_href(filter: &str, unit: i64, period: &str, tracks: bool) -> String {
    match filter {
        "/summary" if !tracks => String::new(),
        "/summary" => format!("/summary?unit={unit}&{period}"),
        f if f.starts_with('#') => f.to_owned(),
        f => format!("/entries?unit={unit}&{period}&{f}"),
    }
}

fn period_query(p: &ReportPeriod) -> String {
    match p {
        ReportPeriod::Year(y) => format!("year={y}"),
        ReportPeriod::Phase(code) => format!("phase={code}"),
    }
}

/// How many lower units stand at each registration status this year.
pub struct StatusCounts {
    pub year: i32,
    pub units: [(RegistrationStatus, i64); 4],
}

/// The charts of the page; `phases` are (name, first year, last year).
fn charts(
    d: &Dashboard,
    base: &str,
    phases: &[(String, i32, i32)],
    status: &StatusCounts,
    tracks: bool,
) -> Vec<ChartView> {
    let s = &d.summary;
    let total = &s.rows[0].row.tally;
    let unit = s.unit.id;
    let period = period_query(&s.period);
    let list = |q: &str| format!("/entries?unit={unit}&{q}");
    let words = s.period.words();
    let mut out = Vec::new();
    let mut push =
        |id: &'static str, heading: String, desc: String, head: Vec<String>, bars: Vec<Bar>| {
            // A long list is drawn for its leaders; its table holds them all.
            let drawn = &bars[..bars.len().min(CHARTED)];
            let desc = if drawn.len() < bars.len() {
                format!(
                    "{desc} Vẽ {} đơn vị đầu; bảng số liệu có đủ {}.",
                    drawn.len(),
                    bars.len()
                )
            } else {
                desc
            };
            let svg = Bars::new(id, &heading, &desc, drawn).svg();
            let rows = bars
                .iter()
                .map(|b| DataRow {
                    label: b.label.clone(),
                    cells: vec![DataCell {
                        value: fmt_money(b.value),
                        href: b.href.clone().unwrap_or_default(),
                    }],
                })
                .collect();
            out.push(ChartView {
                id,
                heading,
                svg,
                head,
                rows,
                download: format!("{base}&chart={id}"),
            });
        };

    // Lower units, most registrations first.
    let units = d.units_by_registrations();
    push(
        "xa",
        format!(
            "Số hồ sơ đăng ký theo đơn vị, {words}{}",
            if units.len() > CHARTED {
                format!(" ({CHARTED} đơn vị nhiều nhất)")
            } else {
                String::new()
            }
        ),
        format!(
            "Biểu đồ thanh: số hồ sơ đăng ký của từng đơn vị trực thuộc {}, {words}, nhiều nhất trước.",
            s.unit.name
        ),
        vec!["Đơn vị".into(), "Hồ sơ đăng ký".into()],
        units
            .iter()
            .map(|l| Bar {
                label: l.name.clone(),
                value: l.tally.registered,
                href: Some(format!(
                    "/entries?unit={}&alone=1&{period}&sent=1",
                    l.unit_id
                )),
            })
            .collect(),
    );
    push(
        "linh-vuc",
        format!("Số hồ sơ đăng ký theo lĩnh vực, {words}"),
        format!("Biểu đồ thanh: số hồ sơ đăng ký theo lĩnh vực, {words}."),
        vec!["Lĩnh vực".into(), "Hồ sơ đăng ký".into()],
        s.fields
            .iter()
            .map(|(id, name)| Bar {
                label: name.clone(),
                value: total.by_field.get(id).copied().unwrap_or(0),
                href: Some(list(&s.link_query(&ColKey::Field(*id)))),
            })
            .collect(),
    );
    push(
        "cap",
        format!("Mô hình, điển hình được công nhận theo cấp, {words}"),
        format!("Biểu đồ thanh: số mô hình, điển hình được công nhận theo cấp công nhận, {words}."),
        vec!["Cấp công nhận".into(), "Được công nhận".into()],
        s.levels
            .iter()
            .map(|(code, name)| Bar {
                label: name.clone(),
                value: total.recognised.get(code).copied().unwrap_or(0),
                href: Some(list(&s.link_query(&ColKey::Recognised(code.clone())))),
            })
            .collect(),
    );
    push(
        "pheu",
        format!("Từ đăng ký đến khen thưởng, {words}"),
        format!("Biểu đồ thanh: số hồ sơ ở từng bước, từ đăng ký, được tiếp nhận, được công nhận, tiêu biểu đến được khen thưởng, {words}."),
        vec!["Bước".into(), "Số hồ sơ".into()],
        STEPS[..5]
            .iter()
            .map(|(label, value, q)| Bar {
                label: (*label).into(),
                value: value(&d.figures),
                href: Some(step_href(q, unit, &period, tracks)).filter(|h| !h.is_empty()),
            })
            .collect(),
    );

    push(
        "tinh-hinh",
        format!(
            "Tình hình đăng ký của các đơn vị cấp dưới, năm {}",
            status.year
        ),
        format!(
            "Biểu đồ thanh: số đơn vị trực thuộc {} theo tình hình đăng ký năm {}.",
            s.unit.name, status.year
        ),
        vec!["Tình hình".into(), "Số đơn vị".into()],
        status
            .units
            .iter()
            .map(|(st, n)| Bar {
                label: st.label().into(),
                value: *n,
                href: tracks.then(|| format!("/status?unit={unit}&year={}", status.year)),
            })
            .collect(),
    );

    // The trend since 2021, with the phases and the 2025 reform.
    let years: Vec<i32> = d.trend.iter().map(|(y, _)| *y).collect();
    let registered: Vec<i64> = d.trend.iter().map(|(_, f)| f.registered).collect();
    let recognised: Vec<i64> = d.trend.iter().map(|(_, f)| f.recognised).collect();
    let (first, last) = (
        years.first().copied().unwrap_or(0),
        years.last().copied().unwrap_or(0),
    );
    let heading = format!("Xu hướng {first}–{last}");
    let trend = Trend::new(
        "xu-huong",
        &heading,
        &format!(
            "Biểu đồ đường: số hồ sơ đăng ký và số được công nhận mỗi năm từ {first} đến {last}; \
             các năm trước 1/7/2025 được tính vào đơn vị hiện nay."
        ),
        &years,
        &[
            Series {
                name: "Đăng ký".into(),
                values: registered.clone(),
            },
            Series {
                name: "Được công nhận".into(),
                values: recognised.clone(),
            },
        ],
        &[Marker {
            at: 2025.5,
            label: "1/7/2025: sắp xếp ĐVHC".into(),
        }],
        &phases
            .iter()
            .map(|(name, a, b)| Band {
                first: *a,
                last: *b,
                label: name.clone(),
            })
            .collect::<Vec<_>>(),
    );
    out.push(ChartView {
        id: "xu-huong",
        heading,
        svg: trend.svg(),
        head: vec!["Năm".into(), "Đăng ký".into(), "Được công nhận".into()],
        rows: d
            .trend
            .iter()
            .map(|(y, f)| DataRow {
                label: y.to_string(),
                cells: vec![
                    DataCell {
                        value: fmt_money(f.registered),
                        href: format!("/entries?unit={unit}&year={y}&sent=1"),
                    },
                    DataCell {
                        value: fmt_money(f.recognised),
                        href: if tracks {
                            format!("/summary?unit={unit}&year={y}")
                        } else {
                            String::new()
                        },
                    },
                ],
            })
            .collect(),
        download: format!("{base}&chart=xu-huong"),
    });
    out
}

pub async fn dashboard(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<DashboardQuery>,
) -> AppResult<Response> {
    let PeriodChoice {
        unit,
        period,
        roots,
        years,
        phases: phase_options,
    } = choose_period(
        &state,
        &user,
        &q.unit,
        &q.year,
        &q.phase,
        "xem thống kê",
        dvk_domain::auth::Following::Figures,
    )
    .await?;
    let this_year = dvk_store::service::current_year();
    let tree = state.units(user.info.units_version).await?;
    let d = dvk_store::dashboard::dashboard(
        &state.db,
        &state.catalogue,
        &tree,
        &user.actor,
        unit.id,
        period.clone(),
    )
    .await?;
    let base = format!("/thong-ke?unit={}&{}", unit.id, period_query(&period));
    let phases: Vec<(String, i32, i32)> = state
        .catalogue
        .phases
        .iter()
        .map(|p| (p.name.clone(), p.first_year, p.last_year))
        .collect();
    // This year's registration status of the lower units (the status
    // page's rows, counted by status).
    let at = dvk_store::tracking::Followed {
        unit: unit.clone(),
        year: this_year,
    };
    let mut units = [
        (RegistrationStatus::NotSent, 0),
        (RegistrationStatus::Waiting, 0),
        (RegistrationStatus::Returned, 0),
        (RegistrationStatus::Accepted, 0),
    ];
    for r in dvk_store::tracking::registration_status(
        &state.db,
        &user.actor,
        &at,
        dvk_domain::auth::Following::Figures,
    )
    .await?
    {
        let st = RegistrationStatus::from_counts(r.waiting, r.returned, r.accepted);
        if let Some(c) = units.iter_mut().find(|(s, _)| *s == st) {
            c.1 += 1;
        }
    }
    let status = StatusCounts {
        year: this_year,
        units,
    };
    // Readers of figures only (a commune officer, a council member) are
    // not led to the summary table and status page they may not open.
    let tracks = dvk_domain::auth::Following::Tracking.allows(&user.actor, &unit.path);
    let charts = charts(&d, &base, &phases, &status, tracks);
    if !q.chart.trim().is_empty() {
        let Some(c) = charts.iter().find(|c| c.id == q.chart.trim()) else {
            return Err(dvk_store::ServiceError::invalid(
                "chart",
                "Biểu đồ chỉ có thể là xa, linh-vuc, cap, pheu, tinh-hinh hoặc xu-huong.",
            )
            .into());
        };
        let stem = format!(
            "thong-ke-{}-{}",
            c.id,
            period_query(&period).replace('=', "-")
        );
        if q.format == "png" {
            let svg = c.svg.clone();
            let png = tokio::task::spawn_blocking(move || crate::charts::png::to_png(&svg))
                .await
                .map_err(|e| dvk_store::StoreError::Data(format!("vẽ biểu đồ: {e}")))?;
            return match png {
                Ok(bytes) => Ok((
                    [
                        (header::CONTENT_TYPE, "image/png".to_owned()),
                        (
                            header::CONTENT_DISPOSITION,
                            format!("attachment; filename=\"{stem}.png\""),
                        ),
                    ],
                    bytes,
                )
                    .into_response()),
                Err(e) => Err(crate::error::AppError::Page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Chưa tạo được ảnh",
                    e.to_string(),
                )),
            };
        }
        let name = format!("{stem}.svg");
        return Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "image/svg+xml; charset=utf-8".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}", c.svg),
        )
            .into_response());
    }
    let pq = period_query(&period);
    let figures = STEPS
        .iter()
        .map(|(label, value, filter)| FigureView {
            label,
            value: fmt_money(value(&d.figures)),
            change: d
                .previous
                .as_ref()
                .map(|(_, before)| change(value(&d.figures), value(before)))
                .unwrap_or_default(),
            href: step_href(filter, unit.id, &pq, tracks),
        })
        .collect();
    let view = DashboardPage {
        layout: Layout::new("Thống kê", Some(&user.info), &user.csrf, "dashboard"),
        unit_name: unit.name.clone(),
        period: period.words(),
        compared_with: d
            .previous
            .as_ref()
            .map(|(p, _)| format!("so với {}", p.words()))
            .unwrap_or_default(),
        roots,
        years,
        phases: phase_options,
        figures,
        charts,
        spread: d
            .spread
            .iter()
            .map(|m| SpreadView {
                href: format!("/entries/{}", m.id),
                title: m.title.clone(),
                unit_name: m.unit_name.clone(),
                replicas: fmt_money(m.replicas),
                replicas_href: format!("/entries?unit={}&{pq}&sent=1&replicates={}", unit.id, m.id),
                units: fmt_money(m.units),
            })
            .collect(),
        summary_href: if tracks {
            format!("/summary?unit={}&{pq}", unit.id)
        } else {
            String::new()
        },
    };
    Ok(view.into_response())
}
