//! The only writer of an entry's state. Every move — registration,
//! proposal, appraisal, notice, decision, outstanding, reward, review,
//! removal, revocation — is a transition of the domain table, checked
//! here for who, where, from which state and with which inputs, and
//! written with its audit record and notifications in the caller's
//! transaction.

use crate::audit::{append, AuditEvent};
use crate::db::{now, q};
use crate::error::ServiceError;
use dvk_domain::appraisal::CouncilRole;
use dvk_domain::auth::{check_move, Actor, EntryScope};
use dvk_domain::state::{EntryState, Inputs, Transition};
use dvk_domain::unit::UnitPath;
use serde_json::json;
use sqlx::AnyConnection;

/// An entry as a move needs it: where it sits, where it stands, and (when
/// the caller read it for a person) the version they saw.
#[derive(Debug, Clone)]
pub(crate) struct Moving<'a> {
    pub id: i64,
    pub registering: &'a UnitPath,
    pub confirming: &'a UnitPath,
    pub state: EntryState,
    pub version: Option<i64>,
}

impl Moving<'_> {
    fn scope(&self) -> EntryScope<'_> {
        EntryScope {
            registering: self.registering,
            confirming: self.confirming,
            state: self.state,
        }
    }
}

impl<'a> From<&'a crate::entries::EntryDetail> for Moving<'a> {
    fn from(e: &'a crate::entries::EntryDetail) -> Self {
        Moving {
            id: e.id,
            registering: &e.unit_path,
            confirming: &e.confirming_path,
            state: e.state,
            version: Some(e.version),
        }
    }
}

/// Who makes a move: the person, their seat on the council of the round
/// judging the entry (if any), and when (None is now; only imports of
/// past records and demo data set it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mover<'a> {
    pub actor: &'a Actor,
    pub seat: Option<CouncilRole>,
    pub at: Option<i64>,
}

impl<'a> Mover<'a> {
    pub fn person(actor: &'a Actor) -> Self {
        Mover {
            actor,
            seat: None,
            at: None,
        }
    }
}

/// What the audit record of a move says changed: its reason and the
/// decision it cites, when given.
pub(crate) fn move_changes(reason: &str, decision: Option<&str>) -> serde_json::Value {
    let mut changes = serde_json::Map::new();
    if !reason.is_empty() {
        changes.insert("reason".into(), json!([null, reason]));
    }
    if let Some(d) = decision.map(str::trim).filter(|d| !d.is_empty()) {
        changes.insert("decision".into(), json!([null, d]));
    }
    serde_json::Value::Object(changes)
}

/// Checks the move against the table, then writes it: only from the state
/// the caller saw (and the version, if given), so a concurrent change
/// wins and this one is refused.
pub(crate) async fn apply(
    conn: &mut AnyConnection,
    by: Mover<'_>,
    t: Transition,
    entry: &Moving<'_>,
    inputs: Inputs<'_>,
) -> Result<EntryState, ServiceError> {
    let to = check_move(by.actor, by.seat, t, &entry.scope(), &inputs)?;
    let from = entry.state;
    let reason = inputs.reason.trim();
    let t_at = by.at.unwrap_or_else(now);
    let n = q("UPDATE entries SET state = $1, state_reason = $2, version = version + 1, updated_at = $3, \
               submitted_at = CASE WHEN $1 = 'submitted' THEN $3 ELSE submitted_at END \
               WHERE id = $4 AND ($5 < 0 OR version = $5) AND state = $6")
        .bind(to.code())
        .bind(reason)
        .bind(t_at)
        .bind(entry.id)
        .bind(entry.version.unwrap_or(-1))
        .bind(from.code())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(ServiceError::Conflict(
            "Hồ sơ vừa được người khác xử lý, thao tác này không được thực hiện. Hãy tải lại trang.".into(),
        ));
    }
    let changes = move_changes(reason, inputs.decision);
    crate::notify::entry_moved(conn, entry.id, to).await?;
    append(
        conn,
        AuditEvent {
            actor_id: Some(by.actor.user_id),
            action: &format!("entry.{}", t.code()),
            record_type: "entry",
            record_id: entry.id,
            from_state: Some(from.code()),
            to_state: Some(to.code()),
            changes,
            at: Some(t_at),
        },
    )
    .await?;
    Ok(to)
}
