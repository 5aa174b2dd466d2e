//! An entry's whole record as a reader may see it: the registration, its
//! evidence, and — once recognised — the decision, rewards, revocations and
//! yearly reviews. One guarded read for the entry page and the API alike.

use crate::appraisal::Decision;
use crate::db::Db;
use crate::entries::{Attachment, EntryDetail};
use crate::error::ServiceError;
use crate::review::YearlyReport;
use crate::service::view_entry;
use dvk_domain::auth::Actor;

/// A reward of the entry: (reward id, title, decision text, revoked).
pub type RewardLine = (i64, String, String, bool);
/// A revocation: (kind, reason, decision reference, when).
pub type RevocationLine = (String, String, String, i64);

#[derive(Debug, Clone)]
pub struct EntryRecord {
    pub entry: EntryDetail,
    pub attachments: Vec<Attachment>,
    /// The latest recognition decision.
    pub decision: Option<Decision>,
    pub rewards: Vec<RewardLine>,
    pub revocations: Vec<RevocationLine>,
    pub reports: Vec<YearlyReport>,
}

/// The record of entry `id`, if `actor` may read the entry.
pub async fn entry_record(db: &Db, actor: &Actor, id: i64) -> Result<EntryRecord, ServiceError> {
    let entry = view_entry(db, actor, id).await?;
    let attachments = db.attachments(id).await?;
    // A recognition stays on the record whatever came after it (proposed
    // to a higher level, not recognised there): read it by key, not state.
    // Rewards, revocations and reviews all follow a recognition, so an
    // entry without one skips those statements.
    // An entry never proposed has no decision to look for.
    let decision = if entry.state.before_any_proposal() {
        None
    } else {
        db.decision_of_entry(id).await?
    };
    let (rewards, revocations, reports) = if decision.is_some() {
        (
            db.rewards_of_entry(id).await?,
            db.revocations_of_entry(id).await?,
            db.yearly_reports(id).await?,
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    Ok(EntryRecord {
        entry,
        attachments,
        decision,
        rewards,
        revocations,
        reports,
    })
}

/// The evidence list of entry `id`, if `actor` may read the entry.
pub async fn attachments_of(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> Result<Vec<Attachment>, ServiceError> {
    view_entry(db, actor, id).await?;
    Ok(db.attachments(id).await?)
}

/// The recognition decision of entry `id`, if `actor` may read the entry.
pub async fn decision_of(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> Result<Option<Decision>, ServiceError> {
    view_entry(db, actor, id).await?;
    Ok(db.decision_of_entry(id).await?)
}
