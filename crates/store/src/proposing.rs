//! Where an entry may go next, for the person looking at it: the open
//! rounds it may be proposed to (with the criteria of its self-assessment),
//! and the people an organiser may seat on a council.

use crate::accounts::{GrantRow, UserRow};
use crate::appraisal::{proposal_kind, Round};
use crate::db::Db;
use crate::entries::EntryDetail;
use crate::error::ServiceError;
use crate::reference::Catalogue;
use dvk_domain::appraisal::{Criterion, RoundState};
use dvk_domain::auth::{check_transition, Actor};
use dvk_domain::round_rules::RoundAction;

/// An open round the entry fits, and the criteria its proposal assesses.
#[derive(Debug, Clone)]
pub struct OpenRound {
    pub round: Round,
    pub criteria: Vec<Criterion>,
}

/// The open rounds `actor` may propose the entry `e` (already read for
/// them) to.
pub async fn open_rounds_for(
    db: &Db,
    cat: &Catalogue,
    actor: &Actor,
    e: &EntryDetail,
) -> Result<Vec<OpenRound>, ServiceError> {
    let scope = e.scope();
    let mut out = Vec::new();
    for round in db.open_rounds_over(&e.unit_path).await? {
        let fits = round.state == RoundState::Open
            && proposal_kind(cat, &round, e)
                .is_some_and(|t| check_transition(actor, t, &scope).is_ok());
        if !fits {
            continue;
        }
        if let Some(data) = db.round_core(round.id).await? {
            let criteria = data.set_for(e.registration.subject).criteria.clone();
            out.push(OpenRound { round, criteria });
        }
    }
    Ok(out)
}

/// The people an organiser of round `round_id` may seat on its council.
pub async fn council_candidates(
    db: &Db,
    actor: &Actor,
    round_id: i64,
) -> Result<Vec<(UserRow, Vec<GrantRow>)>, ServiceError> {
    let view = crate::round_view::view_round(db, actor, round_id).await?;
    view.seat.check(RoundAction::ManageCouncil)?;
    Ok(db.users_with_grants().await?)
}
