//! A unit's documents over its subtree: the yearly review summary and the
//! implementation report, for those who follow the unit (the same guard
//! as the status and register pages). Figures are counted from the
//! records in a fixed number of statements.

use super::{file_part, level_words, listed, unit_issuing, DocFile};
use crate::db::{q, Db};
use crate::error::ServiceError;
use crate::tracking::Followed;
use dvk_docs::kinds::common::Signing;
use dvk_docs::kinds::report::{Figures, Report, ReviewRow, ReviewSummary, Reviewed, UnitLine};
use dvk_domain::auth::{can_view_status, Actor, Denied};
use dvk_domain::entry::{Kind, Subject};
use dvk_domain::state::EntryState;
use dvk_domain::summary::RowKind;
use dvk_domain::unit::UnitPath;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// The period a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportPeriod {
    Year(i32),
    /// A phase code, e.g. "2021-2025".
    Phase(String),
}

impl ReportPeriod {
    pub fn words(&self) -> String {
        match self {
            ReportPeriod::Year(y) => format!("năm {y}"),
            ReportPeriod::Phase(p) => format!("giai đoạn {}", p.replace('-', " - ")),
        }
    }
}

fn guard(actor: &Actor, at: &Followed, what: &'static str) -> Result<(), ServiceError> {
    if can_view_status(actor, &at.unit.path) {
        Ok(())
    } else {
        Err(ServiceError::Denied(Denied::NoRole(what)))
    }
}

/// The unit's subtree and those of the units it was formed from, as SQL
/// conditions on `e.unit_path` with their bound values.
async fn scopes(db: &Db, at: &Followed) -> Result<Vec<UnitPath>, ServiceError> {
    let mut out = vec![at.unit.path.clone()];
    out.extend(db.predecessor_paths(at.unit.id).await?);
    Ok(out)
}

fn scope_sql(scopes: &[UnitPath], first_param: usize) -> (String, Vec<String>) {
    let mut conds = Vec::new();
    let mut values = Vec::new();
    for (i, s) in scopes.iter().enumerate() {
        let n = first_param + 2 * i;
        conds.push(format!(
            "(e.unit_path >= ${n} AND e.unit_path < ${})",
            n + 1
        ));
        values.push(s.as_str().to_owned());
        values.push(s.subtree_upper_bound());
    }
    (format!("({})", conds.join(" OR ")), values)
}

/// The review summary of a unit for a year: the register by lower unit
/// and each model reviewed that year with its outcome.
pub async fn review_summary(
    db: &Db,
    actor: &Actor,
    at: &Followed,
) -> Result<DocFile, ServiceError> {
    guard(actor, at, "tải biểu tổng hợp, rà soát")?;
    let rows = crate::tracking::register(db, actor, at).await?;
    let cat = db.catalogue().await?;
    let scopes = scopes(db, at).await?;
    let (cond, values) = scope_sql(&scopes, 2);
    let sql = format!(
        "SELECT e.title, e.kind, e.subject, e.field_id, u.name, r.outcome, r.outcome_reason FROM yearly_reports r \
         JOIN entries e ON e.id = r.entry_id JOIN units u ON u.id = e.unit_id WHERE r.year = $1 AND {cond} ORDER BY u.name_sort, e.id"
    );
    let mut query = q(&sql).bind(at.year as i64);
    for v in &values {
        query = query.bind(v.clone());
    }
    let mut reviewed = Vec::new();
    for r in query.fetch_all(&db.read).await? {
        let outcome: Option<String> = r.try_get(5)?;
        reviewed.push(Reviewed {
            listed: listed(
                &cat,
                &r.try_get::<String, _>(0)?,
                &r.try_get::<String, _>(4)?,
                r.try_get(3)?,
                Kind::parse(&r.try_get::<String, _>(1)?).unwrap_or(Kind::Model),
                Subject::parse(&r.try_get::<String, _>(2)?).unwrap_or(Subject::Collective),
            ),
            outcome: match outcome.as_deref() {
                Some("continuing") => "Duy trì, hiệu quả",
                Some(_) => "Đưa ra khỏi danh sách",
                None => "Chưa rà soát",
            }
            .to_owned(),
            reason: r.try_get(6)?,
        });
    }
    let doc = ReviewSummary {
        issuing: unit_issuing(db, at.unit.id, &at.unit.name).await?,
        date: Some(crate::appraisal::today()),
        signing: Signing::default(),
        year: at.year,
        unit: dvk_domain::issuer::in_sentence(&at.unit.name),
        rows: rows
            .into_iter()
            .map(|r| ReviewRow {
                unit: r.unit_name,
                registered: r.registered,
                new: r.new,
                continuing: r.continuing,
                removed: r.removed,
            })
            .collect(),
        reviewed,
    };
    DocFile::make(
        format!(
            "Biểu tổng hợp, rà soát năm {} - {}",
            at.year,
            file_part(&at.unit.name)
        ),
        &doc.document(),
    )
}

/// How many typical models the report names.
const TYPICAL: usize = 10;

/// The implementation report of a unit for a year or a phase: figures by
/// kind, subject, field, level and form of reward, from three statements.
pub async fn implementation_report(
    db: &Db,
    actor: &Actor,
    at: &Followed,
    period: &ReportPeriod,
) -> Result<DocFile, ServiceError> {
    guard(actor, at, "tải báo cáo kết quả triển khai")?;
    let cat = db.catalogue().await?;
    let scopes = scopes(db, at).await?;
    let (cond, values) = scope_sql(&scopes, 2);
    let period_cond = match period {
        ReportPeriod::Year(_) => "e.year = $1",
        ReportPeriod::Phase(_) => "e.phase = $1",
    };
    let filter = format!("{period_cond} AND {cond} AND e.state NOT IN ('draft', 'withdrawn')");
    let bind_all = |sql: String| {
        let mut query = q(&sql);
        query = match period {
            ReportPeriod::Year(y) => query.bind(*y as i64),
            ReportPeriod::Phase(p) => query.bind(p.clone()),
        };
        for v in &values {
            query = query.bind(v.clone());
        }
        (sql, query)
    };
    let (_, entries_q) = bind_all(format!(
        "SELECT e.id, e.kind, e.subject, e.field_id, e.state, e.carried_from_id, e.title, u.name FROM entries e \
         JOIN units u ON u.id = e.unit_id WHERE {filter}"
    ));
    let entries = entries_q.fetch_all(&db.read).await?;
    let (_, levels_q) = bind_all(format!(
        "SELECT x.entry_id, d.level_code FROM decision_entries x JOIN decisions d ON d.id = x.decision_id \
         JOIN entries e ON e.id = x.entry_id WHERE {filter}"
    ));
    let levels = levels_q.fetch_all(&db.read).await?;
    let (_, rewards_q) = bind_all(format!(
        "SELECT f.name, COUNT(*) FROM rewards r JOIN reward_forms f ON f.id = r.form_id JOIN entries e ON e.id = r.entry_id \
         WHERE r.revoked = 0 AND {filter} GROUP BY f.name ORDER BY f.name"
    ));
    let rewards = rewards_q.fetch_all(&db.read).await?;

    let mut level_of: HashMap<i64, String> = HashMap::new();
    for r in &levels {
        level_of.insert(r.try_get(0)?, r.try_get(1)?);
    }
    let mut f = Figures::default();
    let mut by_field: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    let mut by_level: BTreeMap<String, i64> = BTreeMap::new();
    let mut typical: Vec<(u8, i64, String, String, i64, Kind, Subject)> = Vec::new();
    for r in &entries {
        let id: i64 = r.try_get(0)?;
        let kind = Kind::parse(&r.try_get::<String, _>(1)?).unwrap_or(Kind::Model);
        let subject = Subject::parse(&r.try_get::<String, _>(2)?).unwrap_or(Subject::Collective);
        let field: i64 = r.try_get(3)?;
        let state = EntryState::parse(&r.try_get::<String, _>(4)?);
        let carried: Option<i64> = r.try_get(5)?;
        f.registered += 1;
        match subject {
            Subject::Collective => f.collective += 1,
            Subject::Individual => f.individual += 1,
        }
        match kind {
            Kind::Model => f.models += 1,
            Kind::Exemplar => f.exemplars += 1,
        }
        if carried.is_some() {
            f.continuing += 1;
        } else {
            f.new += 1;
        }
        let slot = by_field.entry(field).or_default();
        slot.0 += 1;
        if let Some(level) = level_of.get(&id) {
            slot.1 += 1;
            *by_level.entry(level.clone()).or_default() += 1;
        }
        let rank = match state {
            Some(EntryState::Rewarded) => 0,
            Some(EntryState::Outstanding) => 1,
            Some(EntryState::Recognised) => 2,
            _ => 9,
        };
        if matches!(state, Some(EntryState::Outstanding | EntryState::Rewarded)) {
            f.outstanding += 1;
        }
        if matches!(state, Some(EntryState::Removed | EntryState::Revoked)) {
            f.removed += 1;
        }
        if rank < 9 {
            typical.push((rank, id, r.try_get(6)?, r.try_get(7)?, field, kind, subject));
        }
    }
    // Levels in the catalogue's order (xã before tỉnh), by name.
    f.recognised = cat
        .levels
        .iter()
        .filter_map(|l| {
            by_level
                .get(&l.code)
                .map(|n| (level_words(&cat, &l.code), *n))
        })
        .collect();
    f.by_field = by_field
        .into_iter()
        .map(|(id, (reg, rec))| (cat.field_name(id).to_owned(), reg, rec))
        .collect();
    f.rewarded = rewards
        .iter()
        .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    typical.sort_by_key(|t| (t.0, t.1));
    // The annex is the summary table's main columns by lower unit, from
    // the summary itself, so the report and the table never disagree.
    let tree = db.unit_tree().await?;
    let table = crate::summary::summary(db, &cat, &tree, actor, at.unit.id, period.clone()).await?;
    let by_unit = table
        .rows
        .iter()
        .filter(|l| {
            matches!(l.row.kind, RowKind::Total | RowKind::Unit)
                || (l.row.kind == RowKind::Own && l.row.unit_id == at.unit.id)
        })
        .map(|l| {
            let t = &l.row.tally;
            UnitLine {
                name: l.row.name.clone(),
                total: l.row.kind == RowKind::Total,
                values: [
                    t.registered,
                    t.collective,
                    t.individual,
                    t.recognised.values().sum(),
                    t.outstanding,
                    t.rewarded.values().sum(),
                    t.removed,
                ],
            }
        })
        .collect();
    let doc = Report {
        issuing: unit_issuing(db, at.unit.id, &at.unit.name).await?,
        number: None,
        date: Some(crate::appraisal::today()),
        signing: Signing::default(),
        period: period.words(),
        figures: f,
        typical: typical
            .into_iter()
            .take(TYPICAL)
            .map(|t| listed(&cat, &t.2, &t.3, t.4, t.5, t.6))
            .collect(),
        by_unit,
    };
    DocFile::make(
        format!(
            "Báo cáo kết quả triển khai {} - {}",
            period.words(),
            file_part(&at.unit.name)
        ),
        &doc.document(),
    )
}

/// The summary table as a DOCX (A4 landscape), from a table its reader
/// was allowed to see.
pub async fn summary_file(db: &Db, s: &crate::summary::Summary) -> Result<DocFile, ServiceError> {
    use dvk_docs::kinds::summary::{Level, Line, SummaryTable};
    use dvk_domain::summary::RowKind;
    let columns = s.columns();
    let doc = SummaryTable {
        issuing: unit_issuing(db, s.unit.id, &s.unit.name).await?,
        date: Some(crate::appraisal::today()),
        period: s.period.words(),
        unit: s.unit.name.clone(),
        columns: columns
            .iter()
            .map(|c| (c.group.clone(), c.label.clone()))
            .collect(),
        // The lower units' subtotals: their own units are in the page and
        // the spreadsheet (a province's full tree runs to dozens of pages).
        lines: s
            .rows
            .iter()
            .filter(|l| match l.row.kind {
                RowKind::Total | RowKind::Unit => true,
                RowKind::Own => l.row.unit_id == s.unit.id,
                RowKind::SubUnit => false,
            })
            .map(|l| Line {
                name: l.row.name.clone(),
                level: match l.row.kind {
                    RowKind::Total => Level::Total,
                    RowKind::Unit => Level::Unit,
                    RowKind::SubUnit | RowKind::Own => Level::SubUnit,
                },
                note: l.now_in.clone(),
                values: columns
                    .iter()
                    .map(|c| crate::summary::value(&l.row.tally, &c.key))
                    .collect(),
            })
            .collect(),
    };
    DocFile::make(
        format!(
            "Biểu tổng hợp {} - {}",
            s.period.words(),
            file_part(&s.unit.name)
        ),
        &doc.document(),
    )
}
