//! The movement at a glance for a unit's subtree (thống kê): the key
//! figures of a year or phase beside the one before, by field, level and
//! lower unit, the funnel, and the trend since the movement's first year.
//! Every figure is read from the summary table of the same scope — the
//! same statements, the same rules — so the two can never disagree.

use crate::db::Db;
use crate::documents::ReportPeriod;
use crate::entries::{bind_all, Param};
use crate::error::ServiceError;
use crate::reference::Catalogue;
use crate::service::current_year;
use crate::service::readable_roots;
use crate::summary::{
    period_condition, scope_condition, scopes_of, summary_for, totals_by_year, years, Summary,
};
use crate::units::UnitTree;
use dvk_domain::auth::{Actor, Following};
use dvk_domain::summary::Tally;
use sqlx::Row;

/// The first year the dashboard's trend shows: the 2021–2025 phase.
pub const FIRST_YEAR: i32 = 2021;

/// The key figures of a period, in the funnel's order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Registrations sent onward (not drafts or withdrawn).
    pub registered: i64,
    /// Accepted by the Front, whatever came after.
    pub accepted: i64,
    /// Recognition decisions' entries, summed over levels.
    pub recognised: i64,
    /// Chosen as outstanding (rewarded ones included).
    pub outstanding: i64,
    /// Entries rewarded, summed over forms of reward.
    pub rewarded: i64,
    /// Removed from the register or revoked.
    pub removed: i64,
}

impl Figures {
    pub fn of(t: &Tally) -> Figures {
        Figures {
            registered: t.registered,
            accepted: t.accepted,
            recognised: t.recognised.values().sum(),
            outstanding: t.outstanding,
            rewarded: t.rewarded.values().sum(),
            removed: t.removed,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Dashboard {
    /// The period's summary table: its total, fields, levels and rows.
    pub summary: Summary,
    pub figures: Figures,
    /// The period before (the year before, or the phase before) and its
    /// figures, when there is one since the movement began.
    pub previous: Option<(ReportPeriod, Figures)>,
    /// Each year from [`FIRST_YEAR`] to this year (or the period's last
    /// year, if later), with its figures.
    pub trend: Vec<(i32, Figures)>,
    /// The models replicated most in the scope and period.
    pub spread: Vec<Spread>,
}

impl Dashboard {
    /// The lower units' rows, most registrations first (ties in
    /// Vietnamese order): the page's chart and the API's list alike.
    pub fn units_by_registrations(&self) -> Vec<&dvk_domain::summary::Row> {
        let mut units: Vec<_> = self
            .summary
            .rows
            .iter()
            .map(|l| &l.row)
            .filter(|r| r.kind == dvk_domain::summary::RowKind::Unit)
            .collect();
        units.sort_by(|a, b| {
            b.tally
                .registered
                .cmp(&a.tally.registered)
                .then_with(|| dvk_domain::text::compare_vi(&a.name, &b.name))
        });
        units
    }
}

/// A model and how far it spread: the registrations (sent) in the scope
/// and period that replicate it, and the units they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spread {
    pub id: i64,
    pub title: String,
    pub unit_name: String,
    pub replicas: i64,
    pub units: i64,
}

/// Models listed as spread widest.
pub const SPREAD_LISTED: usize = 10;

/// The dashboard of `unit_id` for `period`, for anyone with a role in the
/// unit's subtree (`Following::Figures`).
pub async fn dashboard(
    db: &Db,
    cat: &Catalogue,
    tree: &UnitTree,
    actor: &Actor,
    unit_id: i64,
    period: ReportPeriod,
) -> Result<Dashboard, ServiceError> {
    // A year the movement can have: the trend runs from 2021 to it.
    let this_year = current_year();
    if let ReportPeriod::Year(y) = &period {
        if !(FIRST_YEAR..=this_year + 1).contains(y) {
            return Err(ServiceError::invalid(
                "year",
                format!("Chọn năm từ {FIRST_YEAR} đến {}.", this_year + 1),
            ));
        }
    }
    // Every role sees the counts of its own subtree.
    let following = Following::Figures;
    let now = summary_for(db, cat, tree, actor, unit_id, period.clone(), following).await?;
    let figures = Figures::of(&now.rows[0].row.tally);
    let previous = match previous_period(cat, &period) {
        Some(p) => {
            let before = summary_for(db, cat, tree, actor, unit_id, p.clone(), following).await?;
            Some((p, Figures::of(&before.rows[0].row.tally)))
        }
        None => None,
    };
    let last = this_year.max(years(cat, &period)?.1);
    let by_year =
        totals_by_year(db, cat, tree, actor, unit_id, (FIRST_YEAR, last), following).await?;
    let trend = (FIRST_YEAR..=last)
        .map(|y| (y, by_year.get(&y).map(Figures::of).unwrap_or_default()))
        .collect();
    let spread = spread(db, actor, &now).await?;
    Ok(Dashboard {
        summary: now,
        figures,
        previous,
        trend,
        spread,
    })
}

/// The models replicated most by registrations in `table`'s scope and
/// period: only models the reader may see (in their subtrees, or
/// recognised), one statement (two the first time a reader's inherited
/// units are read).
async fn spread(db: &Db, actor: &Actor, table: &Summary) -> Result<Vec<Spread>, ServiceError> {
    let roots = readable_roots(db, actor).await?;
    let scopes = scopes_of(db, &table.unit).await?;
    let (scope_sql, mut values) = scope_condition(&scopes, 3);
    let (period_sql, period_params) = period_condition(&table.period, table.span());
    let mut seen = Vec::new();
    for r in &roots {
        let n = values.len() + 3;
        seen.push(format!(
            "(o.unit_path >= ${n} AND o.unit_path < ${})",
            n + 1
        ));
        values.push(r.as_str().to_owned());
        values.push(r.subtree_upper_bound());
    }
    seen.push("o.state IN ('recognised', 'outstanding', 'rewarded')".to_owned());
    let sql = format!(
        "SELECT o.id, o.title, u.name AS unit_name, COUNT(*) AS replicas, COUNT(DISTINCT e.unit_id) AS units \
         FROM entries e JOIN entries o ON o.id = e.replicates_id JOIN units u ON u.id = o.unit_id \
         WHERE {period_sql} AND {scope_sql} AND e.state NOT IN ('draft', 'withdrawn') AND ({}) \
         GROUP BY o.id, o.title, u.name ORDER BY COUNT(*) DESC, COUNT(DISTINCT e.unit_id) DESC, o.id \
         LIMIT {SPREAD_LISTED}",
        seen.join(" OR ")
    );
    let params: Vec<Param> = period_params
        .into_iter()
        .chain(values.into_iter().map(Param::S))
        .collect();
    let rows = bind_all(&sql, &params).fetch_all(&db.read).await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Spread {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                unit_name: r.try_get("unit_name")?,
                replicas: r.try_get("replicas")?,
                units: r.try_get("units")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The year before, or the phase before in the catalogue; none before
/// the movement's first year.
pub fn previous_period(cat: &Catalogue, period: &ReportPeriod) -> Option<ReportPeriod> {
    match period {
        ReportPeriod::Year(y) if *y > FIRST_YEAR => Some(ReportPeriod::Year(y - 1)),
        ReportPeriod::Year(_) => None,
        ReportPeriod::Phase(code) => {
            let this = cat.phases.iter().find(|p| &p.code == code)?;
            cat.phases
                .iter()
                .filter(|p| p.last_year < this.first_year && p.last_year >= FIRST_YEAR)
                .max_by_key(|p| p.last_year)
                .map(|p| ReportPeriod::Phase(p.code.clone()))
        }
    }
}
