//! The yearly review of the register (rà soát, DOMAIN.md §5 step 9): each
//! recognised model reports whether it still works; the secretariat keeps it
//! (continuing) or removes it with a reason. The register view counts new,
//! continuing and removed per unit and year, and a commune formed in the
//! 2025 reform includes its predecessors' entries through the merge map.

use crate::audit::{append, AuditEvent};
use crate::db::{now, q, Db};
use crate::error::ServiceError;
use crate::service::{current_year, view_entry};
use crate::transitions::{self, Mover, Moving};
use dvk_domain::auth::{self, Actor, Denied, Role};
use dvk_domain::entry::FieldError;
use dvk_domain::state::{EntryState, Inputs, Transition};
use dvk_domain::unit::UnitPath;
use serde_json::json;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct YearlyReport {
    pub year: i32,
    pub operating: bool,
    pub results: String,
    pub submitted_at: i64,
    pub outcome: Option<String>,
    pub outcome_reason: String,
}

fn is_on_register(s: EntryState) -> bool {
    matches!(
        s,
        EntryState::Recognised | EntryState::Outstanding | EntryState::Rewarded
    )
}

/// The registering unit reports, for a year, whether its recognised model
/// still operates and what it achieved. It can be corrected until reviewed.
pub async fn submit_report(
    db: &Db,
    actor: &Actor,
    entry_id: i64,
    year: &str,
    operating: bool,
    results: &str,
) -> Result<(), ServiceError> {
    let e = view_entry(db, actor, entry_id).await?;
    if !actor.holds(Role::UnitOfficer, &e.unit_path) {
        return Err(ServiceError::Denied(Denied::NoRole(
            "báo cáo rà soát của mô hình này",
        )));
    }
    if !is_on_register(e.state) {
        return Err(ServiceError::Conflict(
            "Chỉ mô hình, điển hình đã được công nhận mới báo cáo rà soát.".into(),
        ));
    }
    let year = year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| *y >= e.registration.year && *y <= current_year());
    let Some(year) = year else {
        return Err(ServiceError::invalid(
            "year",
            "Năm báo cáo phải từ năm đăng ký đến năm nay.",
        ));
    };
    let results = results.trim();
    if results.chars().count() < 10
        || results.chars().count() > 5000
        || results.contains('\u{FFFD}')
    {
        return Err(ServiceError::invalid(
            "results",
            "Nêu kết quả cụ thể, có số liệu (10 đến 5.000 ký tự).",
        ));
    }
    let mut tx = db.pool.begin().await?;
    let n = q("INSERT INTO yearly_reports (entry_id, year, operating, results, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6) \
               ON CONFLICT (entry_id, year) DO UPDATE SET operating = excluded.operating, results = excluded.results, \
               submitted_by = excluded.submitted_by, submitted_at = excluded.submitted_at WHERE yearly_reports.outcome IS NULL")
        .bind(entry_id)
        .bind(year as i64)
        .bind(operating as i64)
        .bind(results)
        .bind(actor.user_id)
        .bind(now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(ServiceError::Conflict(format!(
            "Báo cáo năm {year} đã được rà soát, không sửa được nữa."
        )));
    }
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "review.report",
            record_type: "entry",
            record_id: entry_id,
            changes: json!({"year": [null, year], "operating": [null, operating], "results": [null, results]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The secretariat keeps a model on the register or removes it (reason
/// required; the entry becomes "removed").
pub async fn review(
    db: &Db,
    actor: &Actor,
    entry_id: i64,
    year: i32,
    continuing: bool,
    reason: &str,
) -> Result<(), ServiceError> {
    let e = view_entry(db, actor, entry_id).await?;
    let scope = e.scope();
    if continuing {
        if !actor.holds(Role::MovementOfficer, &e.confirming_path) {
            return Err(ServiceError::Denied(Denied::NoRole("rà soát mô hình này")));
        }
    } else {
        auth::check_transition(actor, Transition::Remove, &scope)?;
    }
    let reason = reason.trim();
    if !continuing && (reason.is_empty() || reason.chars().count() > 2000) {
        return Err(ServiceError::Invalid(vec![FieldError::new(
            "reason",
            "Cần nêu lý do đưa ra khỏi danh sách.",
        )]));
    }
    let mut tx = db.pool.begin().await?;
    let n = q("UPDATE yearly_reports SET outcome = $1, outcome_reason = $2, decided_by = $3, decided_at = $4 \
               WHERE entry_id = $5 AND year = $6 AND outcome IS NULL")
        .bind(if continuing { "continuing" } else { "removed" })
        .bind(reason)
        .bind(actor.user_id)
        .bind(now())
        .bind(entry_id)
        .bind(year as i64)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(ServiceError::Conflict(format!(
            "Chưa có báo cáo năm {year} chờ rà soát."
        )));
    }
    if continuing {
        append(
            &mut tx,
            AuditEvent {
                actor_id: Some(actor.user_id),
                action: "review.continue",
                record_type: "entry",
                record_id: entry_id,
                changes: json!({"year": [null, year]}),
                ..Default::default()
            },
        )
        .await?;
    } else {
        transitions::apply(
            &mut tx,
            Mover::person(actor),
            Transition::Remove,
            &Moving::from(&e),
            Inputs {
                reason,
                decision: None,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One row of the register view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterRow {
    pub unit_id: i64,
    pub unit_name: String,
    /// Registrations of the year (sent onward: not drafts or withdrawn).
    pub registered: i64,
    /// Recognised entries of the year still on the register (new).
    pub new: i64,
    /// Models kept on the register by that year's review.
    pub continuing: i64,
    /// Models removed by that year's review.
    pub removed: i64,
}

/// The register of `parent`'s current lower units for `year`. Each unit
/// counts its subtree and, for units formed in the 2025 reform, the
/// subtrees of the units it was formed from; a parent formed in the reform
/// adds a row per unit it was formed from. Five statements.
pub(crate) async fn register_rows(
    db: &Db,
    parent: i64,
    year: i32,
) -> Result<Vec<RegisterRow>, ServiceError> {
    let children = db.children(parent, true).await?;
    let parent_unit = db
        .unit(parent)
        .await?
        .ok_or(ServiceError::NotFound("đơn vị"))?;
    let ids: Vec<String> = children.iter().map(|c| c.id.to_string()).collect();
    let mut scopes: Vec<(usize, UnitPath)> = children
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.path.clone()))
        .collect();
    if !ids.is_empty() {
        // Ids are integers from the database.
        let sql = format!(
            "SELECT s.successor_id, u.path FROM unit_successors s JOIN units u ON u.id = s.predecessor_id WHERE s.successor_id IN ({})",
            ids.join(",")
        );
        for r in q(&sql).fetch_all(&db.pool).await? {
            let succ: i64 = r.try_get(0)?;
            if let (Some(i), Some(p)) = (
                children.iter().position(|c| c.id == succ),
                UnitPath::parse(&r.try_get::<String, _>(1)?),
            ) {
                scopes.push((i, p));
            }
        }
    }
    // The province's root holds both today's and the historical units.
    let root = UnitPath::root(parent_unit.path.ids()[0]);
    // Counters, not entries: a few rows per unit whatever the size.
    let entries = q("SELECT c.unit_path, c.state, c.n FROM entry_counts c WHERE c.year = $1 AND c.unit_path >= $2 AND c.unit_path < $3 \
                     AND c.state NOT IN ('draft', 'withdrawn') AND c.n <> 0")
        .bind(year as i64)
        .bind(root.as_str())
        .bind(root.subtree_upper_bound())
        .fetch_all(&db.read)
        .await?;
    let reports = q("SELECT e.unit_path, r.outcome, COUNT(*) FROM yearly_reports r JOIN entries e ON e.id = r.entry_id WHERE r.year = $1 AND r.outcome IS NOT NULL \
                     AND e.unit_path >= $2 AND e.unit_path < $3 GROUP BY e.unit_path, r.outcome")
        .bind(year as i64)
        .bind(root.as_str())
        .bind(root.subtree_upper_bound())
        .fetch_all(&db.read)
        .await?;
    let mut rows: Vec<RegisterRow> = children
        .iter()
        .map(|c| RegisterRow {
            unit_id: c.id,
            unit_name: c.name.clone(),
            ..Default::default()
        })
        .collect();
    // A unit formed in the 2025 reform also answers for the units it was
    // formed from: one row each, so its own officers see their records.
    let predecessors = q("SELECT u.id, u.name, u.path FROM unit_successors s JOIN units u ON u.id = s.predecessor_id \
                          WHERE s.successor_id = $1 ORDER BY u.name_sort")
        .bind(parent)
        .fetch_all(&db.read)
        .await?;
    for r in &predecessors {
        if let Some(p) = UnitPath::parse(&r.try_get::<String, _>(2)?) {
            scopes.push((rows.len(), p));
            rows.push(RegisterRow {
                unit_id: r.try_get(0)?,
                unit_name: format!("{} (trước 1/7/2025)", r.try_get::<String, _>(1)?),
                ..Default::default()
            });
        }
    }
    let owner = |path: &str| -> Option<usize> {
        let p = UnitPath::parse(path)?;
        scopes.iter().find(|(_, s)| s.covers(&p)).map(|(i, _)| *i)
    };
    for r in &entries {
        let path: String = r.try_get(0)?;
        let state = EntryState::parse(&r.try_get::<String, _>(1)?);
        let n: i64 = r.try_get(2)?;
        if let Some(i) = owner(&path) {
            rows[i].registered += n;
            if state.is_some_and(is_on_register) {
                rows[i].new += n;
            }
        }
    }
    for r in &reports {
        let path: String = r.try_get(0)?;
        let outcome: String = r.try_get(1)?;
        let n: i64 = r.try_get(2)?;
        if let Some(i) = owner(&path) {
            if outcome == "continuing" {
                rows[i].continuing += n;
            } else {
                rows[i].removed += n;
            }
        }
    }
    Ok(rows)
}

/// Carries a model of an earlier phase into the current one: a new draft
/// with the same registration, for the same unit if it still exists or for
/// the commune it was merged into in 2025, linked to the original.
pub async fn carry_over(
    db: &Db,
    cat: &crate::reference::Catalogue,
    actor: &Actor,
    entry_id: i64,
) -> Result<i64, ServiceError> {
    let e = view_entry(db, actor, entry_id).await?;
    if !is_on_register(e.state) {
        return Err(ServiceError::Conflict(
            "Chỉ mô hình, điển hình đang được công nhận mới chuyển sang giai đoạn mới.".into(),
        ));
    }
    let year = current_year();
    let phase = cat
        .phases
        .iter()
        .find(|p| (p.first_year..=p.last_year).contains(&year))
        .ok_or(ServiceError::NotFound("giai đoạn hiện tại"))?;
    if e.registration.phase == phase.code {
        return Err(ServiceError::Conflict(format!(
            "Hồ sơ đã thuộc giai đoạn {}.",
            phase.code
        )));
    }
    let carried: i64 = q("SELECT COUNT(*) FROM entries WHERE carried_from_id = $1")
        .bind(entry_id)
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?;
    if carried > 0 {
        return Err(ServiceError::Conflict(
            "Mô hình này đã được chuyển sang giai đoạn mới.".into(),
        ));
    }
    // The unit today: itself if still valid, else the unit it was merged into.
    let unit = db
        .unit(e.registration.unit_id)
        .await?
        .ok_or(ServiceError::NotFound("đơn vị"))?;
    let target = if unit.valid_to.is_none() {
        unit
    } else {
        let (successors, _) = db.successors_and_predecessors(unit.id).await?;
        match successors.as_slice() {
            [one] => one.clone(),
            _ => {
                return Err(ServiceError::Conflict(format!(
                    "Không xác định được đơn vị kế thừa của “{}”; hãy đăng ký mới dưới đơn vị hiện nay.",
                    unit.name
                )))
            }
        }
    };
    let r = &e.registration;
    let mut form = dvk_domain::entry::EntryForm::from_registration(r);
    if !cat.active_levels().iter().any(|l| l.code == r.target_level) {
        form.target_level = "xa".into();
    }
    form.phase = phase.code.clone();
    form.year = year.to_string();
    form.unit_id = target.id.to_string();
    form.replicates = String::new();
    let new_id = crate::service::create_entry(db, cat, actor, &form).await?;
    let mut tx = db.pool.begin().await?;
    q("UPDATE entries SET carried_from_id = $1 WHERE id = $2")
        .bind(entry_id)
        .bind(new_id)
        .execute(&mut *tx)
        .await?;
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "entry.carry",
            record_type: "entry",
            record_id: entry_id,
            changes: json!({"carried_to": [null, new_id], "phase": [null, phase.code], "unit_id": [null, target.id]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(new_id)
}
