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
    // Decisions, rewards, revocations and reviews exist only once an entry
    // has been recognised; other entries skip those statements.
    let (decision, rewards, revocations, reports) = if entry.state.was_recognised() {
        (
            db.decision_of_entry(id).await?,
            db.rewards_of_entry(id).await?,
            db.revocations_of_entry(id).await?,
            db.yearly_reports(id).await?,
        )
    } else {
        (None, Vec::new(), Vec::new(), Vec::new())
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
    let e = view_entry(db, actor, id).await?;
    if !e.state.was_recognised() {
        return Ok(None);
    }
    Ok(db.decision_of_entry(id).await?)
}
