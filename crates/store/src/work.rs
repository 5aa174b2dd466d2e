//! What waits for a person, read for their own roles only: the home page's
//! tasks and their latest notifications.

use crate::db::Db;
use crate::entries::EntryFilter;
use crate::error::ServiceError;
use crate::notify::Notification;
use dvk_domain::auth::{Actor, Role};
use dvk_domain::state::EntryState;

#[derive(Debug, Clone, Default)]
pub struct Work {
    /// Unit officers: returned entries and drafts in their units.
    pub returned: Option<i64>,
    pub drafts: Option<i64>,
    /// Movement officers: entries waiting to be received.
    pub submitted: Option<i64>,
    /// Council members: assigned entries not yet scored.
    pub to_score: i64,
    /// Citizens' comments to answer: (count, first round).
    pub comments: (i64, Option<i64>),
    /// Yearly reports to review: (count, first entry).
    pub reviews: (i64, Option<i64>),
    /// Rounds whose notice has run, to be decided: (round id, title).
    pub decisions: Vec<(i64, String)>,
    /// Recognised models whose report for this year is missing.
    pub reports_due: i64,
    pub year: i32,
    pub notifications: Vec<Notification>,
}

pub async fn work_of(db: &Db, actor: &Actor) -> Result<Work, ServiceError> {
    let mut w = Work {
        year: crate::service::current_year(),
        ..Default::default()
    };
    let registering = actor.registering_roots();
    if !registering.is_empty() {
        let count = |state| EntryFilter {
            visible: registering.clone(),
            state: Some(state),
            ..Default::default()
        };
        w.returned = Some(db.count_entries(&count(EntryState::Returned)).await?);
        w.drafts = Some(db.count_entries(&count(EntryState::Draft)).await?);
    }
    let reviewing: Vec<_> = actor
        .grants
        .iter()
        .filter(|g| g.role == Role::MovementOfficer)
        .map(|g| g.unit.clone())
        .collect();
    if !reviewing.is_empty() {
        w.submitted = Some(
            db.count_entries(&EntryFilter {
                visible: reviewing,
                state: Some(EntryState::Submitted),
                ..Default::default()
            })
            .await?,
        );
    }
    w.to_score = db.pending_scoring(actor.user_id).await?;
    for g in &actor.grants {
        let root = g.unit.as_str();
        match g.role {
            Role::MovementOfficer => {
                let (n, first) = db.comments_to_answer(root).await?;
                w.comments = (w.comments.0 + n, w.comments.1.or(first));
                let (n, first) = db.reviews_due(root).await?;
                w.reviews = (w.reviews.0 + n, w.reviews.1.or(first));
            }
            Role::UnitOfficer => w.reports_due += db.reports_due(root, w.year).await?,
            Role::SigningLeader => {
                for d in db.decisions_due(root).await? {
                    if !w.decisions.iter().any(|x| x.0 == d.0) {
                        w.decisions.push(d);
                    }
                }
            }
            _ => {}
        }
    }
    w.notifications = db.notifications(actor.user_id, 20).await?;
    Ok(w)
}
