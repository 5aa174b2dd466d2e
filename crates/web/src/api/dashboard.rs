//! The dashboard's figures over the API: what `/thong-ke` shows, from the
//! same guarded service.

use super::sheets::SummaryQuery;
use super::{ApiQuery, ApiResult, ApiUser};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use dvk_store::dashboard::Figures;
use serde::Serialize;
use utoipa::ToSchema;

/// The key figures of a period.
#[derive(Serialize, ToSchema)]
pub struct FiguresJson {
    /// Registrations sent onward (not drafts or withdrawn).
    pub registered: i64,
    /// Accepted by the Front, whatever came after.
    pub accepted: i64,
    /// Recognised, summed over the levels of the decisions.
    pub recognised: i64,
    /// Outstanding (rewarded ones included).
    pub outstanding: i64,
    /// Rewarded, summed over the forms of reward.
    pub rewarded: i64,
    /// Removed from the register or revoked.
    pub removed: i64,
}

impl From<Figures> for FiguresJson {
    fn from(f: Figures) -> Self {
        FiguresJson {
            registered: f.registered,
            accepted: f.accepted,
            recognised: f.recognised,
            outstanding: f.outstanding,
            rewarded: f.rewarded,
            removed: f.removed,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PeriodFigures {
    /// The period in words ("năm 2024", "giai đoạn 2021 - 2025").
    pub period: String,
    pub figures: FiguresJson,
}

#[derive(Serialize, ToSchema)]
pub struct YearFigures {
    pub year: i32,
    pub figures: FiguresJson,
}

/// A count under a name: a lower unit, a field or a level.
#[derive(Serialize, ToSchema)]
pub struct NamedCount {
    /// The unit's or field's id, or the level's code.
    pub key: String,
    pub name: String,
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DashboardJson {
    pub unit_id: i64,
    pub unit_name: String,
    pub period: String,
    pub figures: FiguresJson,
    /// The year or phase before, when there is one since 2021.
    pub previous: Option<PeriodFigures>,
    /// Registrations by lower unit, most first.
    pub by_unit: Vec<NamedCount>,
    /// Registrations by top-level field.
    pub by_field: Vec<NamedCount>,
    /// Recognitions by level.
    pub by_level: Vec<NamedCount>,
    /// Each year from 2021.
    pub trend: Vec<YearFigures>,
    /// The models replicated most by registrations in the scope and period
    /// (only models the caller may see).
    pub spread: Vec<SpreadJson>,
}

#[derive(Serialize, ToSchema)]
pub struct SpreadJson {
    /// The model's entry id.
    pub id: i64,
    pub title: String,
    pub unit_name: String,
    /// Registrations (sent) replicating it.
    pub replicas: i64,
    /// Units those came from.
    pub units: i64,
}

#[utoipa::path(get, path = "/api/v1/dashboard", tag = "Thống kê",
    summary = "Số liệu thống kê của một đơn vị theo năm hoặc giai đoạn (khớp biểu tổng hợp)",
    params(SummaryQuery),
    responses((status = 200, body = DashboardJson),
        (status = 400, body = super::ApiError), (status = 403, body = super::ApiError),
        (status = 404, body = super::ApiError)))]
pub async fn dashboard(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> ApiResult<Json<DashboardJson>> {
    let period = q.period(&state)?;
    let tree = state.units(user.info.units_version).await?;
    let d = dvk_store::dashboard::dashboard(
        &state.db,
        &state.catalogue,
        &tree,
        &user.actor,
        q.unit,
        period.clone(),
    )
    .await?;
    let s = &d.summary;
    let total = &s.rows[0].row.tally;
    let by_unit = d
        .units_by_registrations()
        .into_iter()
        .map(|r| NamedCount {
            key: r.unit_id.to_string(),
            name: r.name.clone(),
            count: r.tally.registered,
        })
        .collect();
    Ok(Json(DashboardJson {
        unit_id: s.unit.id,
        unit_name: s.unit.name.clone(),
        period: period.words(),
        figures: d.figures.into(),
        previous: d.previous.map(|(p, f)| PeriodFigures {
            period: p.words(),
            figures: f.into(),
        }),
        by_unit,
        by_field: s
            .fields
            .iter()
            .map(|(id, name)| NamedCount {
                key: id.to_string(),
                name: name.clone(),
                count: total.by_field.get(id).copied().unwrap_or(0),
            })
            .collect(),
        by_level: s
            .levels
            .iter()
            .map(|(code, name)| NamedCount {
                key: code.clone(),
                name: name.clone(),
                count: total.recognised.get(code).copied().unwrap_or(0),
            })
            .collect(),
        spread: d
            .spread
            .iter()
            .map(|m| SpreadJson {
                id: m.id,
                title: m.title.clone(),
                unit_name: m.unit_name.clone(),
                replicas: m.replicas,
                units: m.units,
            })
            .collect(),
        trend: d
            .trend
            .into_iter()
            .map(|(year, f)| YearFigures {
                year,
                figures: f.into(),
            })
            .collect(),
    }))
}
