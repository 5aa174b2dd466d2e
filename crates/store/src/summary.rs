//! The summary table (biểu tổng hợp, rà soát) of a unit for a year or a
//! phase: one row per lower unit with subtotals up the tree, counted from
//! the records in a fixed number of statements (grouped by registering
//! unit, then added up the tree by `dvk_domain::summary`). Units valid
//! during the period are shown — before 1/7/2025 the old districts and
//! communes, each with the commune it is now part of; a commune formed in
//! 2025 also answers for the communes it was formed from.

use crate::db::{q, Db};
use crate::documents::ReportPeriod;
use crate::entries::{bind_all, Param};
use crate::error::ServiceError;
use crate::reference::Catalogue;
use crate::units::{Unit, UnitTree};
use dvk_domain::auth::{Actor, Denied, Following};
use dvk_domain::entry::{Kind, Subject};
use dvk_domain::state::EntryState;
use dvk_domain::summary::{rows, Node, Row, Tally};
use dvk_domain::unit::UnitPath;
use sqlx::Row as _;
use std::collections::{BTreeMap, HashMap};

/// A summary table, ready to show or write.
#[derive(Debug, Clone)]
pub struct Summary {
    pub unit: Unit,
    pub period: ReportPeriod,
    /// Top-level fields, in the catalogue's order: (id, name).
    pub fields: Vec<(i64, String)>,
    /// Levels recognised at, in the catalogue's order: (code, name).
    pub levels: Vec<(String, String)>,
    /// Forms of reward given: (id, name).
    pub forms: Vec<(i64, String)>,
    pub rows: Vec<Line>,
    /// The first and last year of the period.
    years: (i32, i32),
}

/// A row with what the page and files say beside its counts.
#[derive(Debug, Clone)]
pub struct Line {
    pub row: Row,
    /// For a unit gone in the 2025 reform: the communes it is part of now.
    pub now_in: String,
}

/// What a column counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColKey {
    Registered,
    Collective,
    Individual,
    Models,
    Exemplars,
    Field(i64),
    New,
    Continuing,
    Effective,
    Recognised(String),
    Outstanding,
    Rewarded(i64),
    Removed,
}

/// A column of the table: its group (a merged heading over several), its
/// label and what it counts.
#[derive(Debug, Clone)]
pub struct Col {
    pub group: Option<String>,
    pub label: String,
    pub key: ColKey,
}

impl Summary {
    /// The columns, as DOMAIN.md §8 lists them.
    pub fn columns(&self) -> Vec<Col> {
        let col = |group: Option<&str>, label: &str, key: ColKey| Col {
            group: group.map(str::to_owned),
            label: label.to_owned(),
            key,
        };
        let reg = Some("Đăng ký");
        let mut c = vec![
            col(reg, "Tổng số", ColKey::Registered),
            col(reg, "Tập thể", ColKey::Collective),
            col(reg, "Cá nhân", ColKey::Individual),
            col(reg, "Mô hình", ColKey::Models),
            col(reg, "Điển hình", ColKey::Exemplars),
        ];
        for (id, name) in &self.fields {
            c.push(col(Some("Theo lĩnh vực"), name, ColKey::Field(*id)));
        }
        c.extend([
            col(Some("Xây dựng"), "Mới", ColKey::New),
            col(Some("Xây dựng"), "Tiếp tục", ColKey::Continuing),
            col(None, "Hiệu quả (duy trì qua rà soát)", ColKey::Effective),
        ]);
        for (code, name) in &self.levels {
            c.push(col(
                Some("Được công nhận"),
                name,
                ColKey::Recognised(code.clone()),
            ));
        }
        c.push(col(None, "Tiêu biểu", ColKey::Outstanding));
        for (id, name) in &self.forms {
            c.push(col(Some("Được khen thưởng"), name, ColKey::Rewarded(*id)));
        }
        c.push(col(None, "Đưa ra khỏi danh sách, thu hồi", ColKey::Removed));
        c
    }

    /// The first and last year the table covers.
    pub fn span(&self) -> (i32, i32) {
        self.years
    }

    /// The list filters (a query string, without the unit) of the entries
    /// a column counts in this table's period: its link opens them.
    pub fn link_query(&self, key: &ColKey) -> String {
        let period = match &self.period {
            ReportPeriod::Year(y) => format!("year={y}"),
            ReportPeriod::Phase(p) => format!("phase={p}"),
        };
        let (first, last) = self.years;
        match key {
            ColKey::Registered => format!("{period}&sent=1"),
            ColKey::Collective => format!("{period}&sent=1&subject=collective"),
            ColKey::Individual => format!("{period}&sent=1&subject=individual"),
            ColKey::Models => format!("{period}&sent=1&kind=model"),
            ColKey::Exemplars => format!("{period}&sent=1&kind=exemplar"),
            ColKey::Field(id) => format!("{period}&sent=1&field={id}"),
            ColKey::New => format!("{period}&sent=1&carried=0"),
            ColKey::Continuing => format!("{period}&sent=1&carried=1"),
            ColKey::Effective if first == last => format!("kept={first}"),
            ColKey::Effective => format!("kept={first}-{last}"),
            ColKey::Recognised(code) => format!("{period}&recognised={code}"),
            ColKey::Outstanding => format!("{period}&states=outstanding,rewarded"),
            ColKey::Rewarded(id) => format!("{period}&reward={id}"),
            ColKey::Removed => format!("{period}&states=removed,revoked"),
        }
    }
}

/// A column's count in a row.
pub fn value(t: &Tally, key: &ColKey) -> i64 {
    match key {
        ColKey::Registered => t.registered,
        ColKey::Collective => t.collective,
        ColKey::Individual => t.individual,
        ColKey::Models => t.models,
        ColKey::Exemplars => t.exemplars,
        ColKey::Field(id) => t.by_field.get(id).copied().unwrap_or(0),
        ColKey::New => t.new,
        ColKey::Continuing => t.continuing,
        ColKey::Effective => t.effective,
        ColKey::Recognised(code) => t.recognised.get(code).copied().unwrap_or(0),
        ColKey::Outstanding => t.outstanding,
        ColKey::Rewarded(id) => t.rewarded.get(id).copied().unwrap_or(0),
        ColKey::Removed => t.removed,
    }
}

/// The first and last year of a period.
pub fn years(cat: &Catalogue, period: &ReportPeriod) -> Result<(i32, i32), ServiceError> {
    match period {
        ReportPeriod::Year(y) => Ok((*y, *y)),
        ReportPeriod::Phase(code) => cat
            .phases
            .iter()
            .find(|p| &p.code == code)
            .map(|p| (p.first_year, p.last_year))
            .ok_or_else(|| ServiceError::invalid("phase", "Chọn giai đoạn trong danh sách.")),
    }
}

fn valid_during(u: &Unit, first: i32, last: i32) -> bool {
    let starts_ok = u
        .valid_from
        .as_deref()
        .is_none_or(|f| f <= format!("{last}-12-31").as_str());
    let ends_ok = u
        .valid_to
        .as_deref()
        .is_none_or(|t| t >= format!("{first}-01-01").as_str());
    starts_ok && ends_ok
}

/// The top-level field a field belongs to.
fn top_field(cat: &Catalogue, mut id: i64) -> i64 {
    for _ in 0..8 {
        match cat
            .fields
            .iter()
            .find(|f| f.id == id)
            .and_then(|f| f.parent_id)
        {
            Some(p) => id = p,
            None => break,
        }
    }
    id
}

/// `(e.unit_path …)` within any of `scopes`, its values numbered from
/// `$first`.
pub(crate) fn scope_condition(scopes: &[UnitPath], first: usize) -> (String, Vec<String>) {
    let mut cond = Vec::new();
    let mut values: Vec<String> = Vec::new();
    for s in scopes {
        let n = values.len() + first;
        cond.push(format!(
            "(e.unit_path >= ${n} AND e.unit_path < ${})",
            n + 1
        ));
        values.push(s.as_str().to_owned());
        values.push(s.subtree_upper_bound());
    }
    (format!("({})", cond.join(" OR ")), values)
}

/// The condition on `entries e` (or its counters) for `period` as `$1`
/// and `$2`: a phase code, or the first and last year.
pub(crate) fn period_condition(
    period: &ReportPeriod,
    (first, last): (i32, i32),
) -> (&'static str, [Param; 2]) {
    match period {
        ReportPeriod::Year(_) => (
            "e.year >= $1 AND e.year <= $2",
            [Param::I(first as i64), Param::I(last as i64)],
        ),
        ReportPeriod::Phase(p) => (
            "e.phase = $1 AND $2 = $2",
            [Param::S(p.clone()), Param::S(p.clone())],
        ),
    }
}

/// The subtrees a unit's table counts: its own, and those of the units it
/// was formed from in 2025 (one statement).
pub(crate) async fn scopes_of(db: &Db, unit: &Unit) -> Result<Vec<UnitPath>, ServiceError> {
    let (_, predecessors) = db.successors_and_predecessors(unit.id).await?;
    let mut scopes: Vec<UnitPath> = vec![unit.path.clone()];
    scopes.extend(predecessors.iter().map(|p| p.path.clone()));
    Ok(scopes)
}

/// The summary's counts of entries in `scopes` for `period`, grouped by
/// `by` (`e.unit_id` for the table's rows, `e.year` for a trend): three
/// statements, over the counters, decisions and rewards.
async fn tallies(
    db: &Db,
    cat: &Catalogue,
    scopes: &[UnitPath],
    period: &ReportPeriod,
    (first, last): (i32, i32),
    by: &str,
) -> Result<HashMap<i64, Tally>, ServiceError> {
    let (scope_sql, values) = scope_condition(scopes, 3);
    let (period_sql, period_params) = period_condition(period, (first, last));
    let fetch = |sql: String| {
        let params: Vec<Param> = period_params
            .iter()
            .cloned()
            .chain(values.iter().map(|v| Param::S(v.clone())))
            .collect();
        async move { bind_all(&sql, &params).fetch_all(&db.read).await }
    };
    let sent = "e.state NOT IN ('draft', 'withdrawn')";
    let entries = fetch(format!(
        "SELECT {by} AS by_key, e.kind, e.subject, e.field_id, e.state, e.carried, \
         CAST(SUM(e.n) AS BIGINT) AS n FROM summary_counts e WHERE {period_sql} AND {scope_sql} AND {sent} \
         GROUP BY {by}, e.kind, e.subject, e.field_id, e.state, e.carried HAVING SUM(e.n) <> 0"
    ))
    .await?;
    let levels = fetch(format!(
        "SELECT {by} AS by_key, d.level_code, COUNT(DISTINCT e.id) AS n FROM decision_entries x \
         JOIN decisions d ON d.id = x.decision_id JOIN entries e ON e.id = x.entry_id \
         WHERE {period_sql} AND {scope_sql} GROUP BY {by}, d.level_code"
    ))
    .await?;
    let rewards = fetch(format!(
        "SELECT {by} AS by_key, r.form_id, COUNT(DISTINCT e.id) AS n FROM rewards r JOIN entries e ON e.id = r.entry_id \
         WHERE r.revoked = 0 AND {period_sql} AND {scope_sql} GROUP BY {by}, r.form_id"
    ))
    .await?;
    let mut counts: HashMap<i64, Tally> = HashMap::new();
    for r in &entries {
        let n: i64 = r.try_get("n")?;
        let kind = Kind::parse(&r.try_get::<String, _>("kind")?);
        let subject = Subject::parse(&r.try_get::<String, _>("subject")?);
        let field = top_field(cat, r.try_get("field_id")?);
        let state = EntryState::parse(&r.try_get::<String, _>("state")?);
        let carried: i64 = r.try_get("carried")?;
        let t = counts.entry(by_key(r)?).or_default();
        t.registered += n;
        match subject {
            Some(Subject::Individual) => t.individual += n,
            _ => t.collective += n,
        }
        match kind {
            Some(Kind::Exemplar) => t.exemplars += n,
            _ => t.models += n,
        }
        *t.by_field.entry(field).or_default() += n;
        if carried == 1 {
            t.continuing += n;
        } else {
            t.new += n;
        }
        if state.is_some_and(EntryState::past_acceptance) {
            t.accepted += n;
        }
        if matches!(state, Some(EntryState::Outstanding | EntryState::Rewarded)) {
            t.outstanding += n;
        }
        if matches!(state, Some(EntryState::Removed | EntryState::Revoked)) {
            t.removed += n;
        }
    }
    for r in &levels {
        let n: i64 = r.try_get("n")?;
        let level: String = r.try_get("level_code")?;
        *counts
            .entry(by_key(r)?)
            .or_default()
            .recognised
            .entry(level)
            .or_default() += n;
    }
    for r in &rewards {
        let n: i64 = r.try_get("n")?;
        let form: i64 = r.try_get("form_id")?;
        *counts
            .entry(by_key(r)?)
            .or_default()
            .rewarded
            .entry(form)
            .or_default() += n;
    }
    Ok(counts)
}

/// The grouping key of a counting row (a unit id or a year, as integers
/// on both backends).
fn by_key(r: &sqlx::any::AnyRow) -> Result<i64, sqlx::Error> {
    r.try_get::<i64, _>("by_key")
        .or_else(|_| r.try_get::<i32, _>("by_key").map(i64::from))
}

/// The summary's total for each year from `first` to `last` (a year with
/// nothing counted is left out), for those who follow the unit: what the
/// table of each year says in its first row, in four statements.
pub async fn totals_by_year(
    db: &Db,
    cat: &Catalogue,
    tree: &UnitTree,
    actor: &Actor,
    unit_id: i64,
    (first, last): (i32, i32),
    following: Following,
) -> Result<BTreeMap<i32, Tally>, ServiceError> {
    let unit = followed_unit(tree, actor, unit_id, following)?;
    let scopes = scopes_of(db, &unit).await?;
    let by_year = tallies(
        db,
        cat,
        &scopes,
        &ReportPeriod::Year(first),
        (first, last),
        "e.year",
    )
    .await?;
    Ok(by_year.into_iter().map(|(y, t)| (y as i32, t)).collect())
}

/// The unit `unit_id` of the tree, if `actor` follows it (the status
/// page's and summary table's readers, or the dashboard's).
fn followed_unit(
    tree: &UnitTree,
    actor: &Actor,
    unit_id: i64,
    following: Following,
) -> Result<Unit, ServiceError> {
    let unit = tree
        .units
        .iter()
        .find(|u| u.id == unit_id)
        .cloned()
        .ok_or(ServiceError::NotFound("đơn vị"))?;
    if !following.allows(actor, &unit.path) {
        return Err(ServiceError::Denied(Denied::NoRole(match following {
            Following::Tracking => "xem biểu tổng hợp",
            Following::Figures => "xem thống kê",
        })));
    }
    Ok(unit)
}

/// The summary of `unit_id` for `period`, for those who follow the unit.
pub async fn summary(
    db: &Db,
    cat: &Catalogue,
    tree: &UnitTree,
    actor: &Actor,
    unit_id: i64,
    period: ReportPeriod,
) -> Result<Summary, ServiceError> {
    summary_for(db, cat, tree, actor, unit_id, period, Following::Tracking).await
}

/// The summary of `unit_id` for `period`, for those who follow the unit
/// as `following` says (the dashboard's readers are every role).
pub async fn summary_for(
    db: &Db,
    cat: &Catalogue,
    tree: &UnitTree,
    actor: &Actor,
    unit_id: i64,
    period: ReportPeriod,
    following: Following,
) -> Result<Summary, ServiceError> {
    let unit = followed_unit(tree, actor, unit_id, following)?;
    let (first, last) = years(cat, &period)?;

    // Statement 1: the units the root was formed from in 2025, which it
    // answers for; they hang under it in the table.
    let (_, predecessors) = db.successors_and_predecessors(unit.id).await?;
    let mut scopes: Vec<UnitPath> = vec![unit.path.clone()];
    scopes.extend(predecessors.iter().map(|p| p.path.clone()));
    let in_scope = |p: &UnitPath| scopes.iter().any(|s| s.covers(p));
    // Statements 2–5: counts grouped by registering unit; the entries'
    // from their counters (`summary_counts`, kept with every change).
    let mut counts: HashMap<i64, Tally> =
        tallies(db, cat, &scopes, &period, (first, last), "e.unit_id").await?;
    let (scope_sql, values) = scope_condition(&scopes, 3);
    let kept = bind_all(
        &format!(
            "SELECT e.unit_id AS by_key, COUNT(DISTINCT e.id) AS n FROM yearly_reports r JOIN entries e ON e.id = r.entry_id \
             WHERE r.year >= $1 AND r.year <= $2 AND r.outcome = 'continuing' AND {scope_sql} GROUP BY e.unit_id"
        ),
        &[Param::I(first as i64), Param::I(last as i64)]
            .into_iter()
            .chain(values.into_iter().map(Param::S))
            .collect::<Vec<_>>(),
    )
    .fetch_all(&db.read)
    .await?;
    // Kept by a review held in the period, whatever year the model is of.
    for r in &kept {
        let n: i64 = r.try_get("n")?;
        counts.entry(r.try_get("by_key")?).or_default().effective += n;
    }

    // The units shown: those valid during the period, and every unit that
    // holds records of it with the units above it (a record is never
    // moved to another row, so each row's link lists exactly its count).
    let parent_of: HashMap<i64, Option<i64>> =
        tree.units.iter().map(|u| (u.id, u.parent_id)).collect();
    let is_predecessor = |id: i64| predecessors.iter().any(|p| p.id == id);
    let mut shown: std::collections::HashSet<i64> = tree
        .units
        .iter()
        .filter(|u| in_scope(&u.path) && (u.id == unit.id || valid_during(u, first, last)))
        .map(|u| u.id)
        .collect();
    for id in counts.keys() {
        let mut at = Some(*id);
        for _ in 0..32 {
            let Some(i) = at else { break };
            shown.insert(i);
            if i == unit.id || is_predecessor(i) {
                break;
            }
            at = parent_of.get(&i).copied().flatten();
        }
    }
    let nodes: Vec<Node> = tree
        .units
        .iter()
        .filter(|u| in_scope(&u.path) && shown.contains(&u.id))
        .map(|u| Node {
            id: u.id,
            parent: if u.id == unit.id {
                None
            } else if is_predecessor(u.id) {
                Some(unit.id)
            } else {
                u.parent_id
            },
            name: if is_predecessor(u.id) {
                format!("{} (trước 1/7/2025)", u.name)
            } else {
                u.name.clone()
            },
        })
        .collect();

    // Statement 6: what the old units are part of now.
    let old: Vec<String> = nodes
        .iter()
        .filter(|n| {
            tree.units
                .iter()
                .any(|u| u.id == n.id && u.valid_to.is_some())
        })
        .map(|n| n.id.to_string())
        .collect();
    let mut now_in: HashMap<i64, Vec<String>> = HashMap::new();
    if !old.is_empty() {
        // Ids are integers from the tree.
        let sql = format!(
            "SELECT s.predecessor_id, u.name FROM unit_successors s JOIN units u ON u.id = s.successor_id \
             WHERE s.predecessor_id IN ({})",
            old.join(",")
        );
        for r in q(&sql).fetch_all(&db.read).await? {
            now_in.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
        }
    }
    // Statement 7: the names of the forms of reward.
    let form_names: BTreeMap<i64, String> = q("SELECT id, name FROM reward_forms ORDER BY id")
        .fetch_all(&db.read)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;

    let table = rows(unit.id, &nodes, &counts);
    let total = &table[0].tally;
    let fields = cat
        .fields
        .iter()
        .filter(|f| f.parent_id.is_none())
        .map(|f| (f.id, f.name.clone()))
        .collect();
    let levels = cat
        .levels
        .iter()
        .filter(|l| total.recognised.contains_key(&l.code) || !l.historical)
        .map(|l| (l.code.clone(), l.name.clone()))
        .collect();
    let forms = total
        .rewarded
        .keys()
        .map(|id| (*id, form_names.get(id).cloned().unwrap_or_default()))
        .collect();
    Ok(Summary {
        years: (first, last),
        unit,
        period,
        fields,
        levels,
        forms,
        rows: table
            .into_iter()
            .map(|row| Line {
                now_in: now_in
                    .get(&row.unit_id)
                    .map(|v| v.join(", "))
                    .unwrap_or_default(),
                row,
            })
            .collect(),
    })
}
