//! What one person may see of a round, computed once here so the page and
//! the API only present it. Council scores stay with the council and the
//! organisers: a member sees their own sheets and who has scored (no
//! aggregates before the conclusion); a unit whose entries are judged sees
//! its own entries' outcome, and after the conclusion the aggregate and
//! the reasons — never a member's points.

use crate::appraisal::{seat, Outcome, ProposedEntry, RoundData};
use crate::db::Db;
use crate::error::ServiceError;
use dvk_domain::appraisal::RoundState;
use dvk_domain::auth::Actor;
use dvk_domain::round_rules::{RoundSeat, RoundSight};
use dvk_domain::UserId;

/// One entry's line in a round, as far as the reader may see it.
#[derive(Debug, Clone)]
pub struct ResultLine {
    pub entry: ProposedEntry,
    /// Members assigned (empty for outcome-only readers).
    pub assigned: Vec<UserId>,
    /// Members whose sheet or ballot is in (empty for outcome-only readers).
    pub scored: Vec<UserId>,
    pub assigned_count: usize,
    pub scored_count: usize,
    /// Live aggregates, for full sight only.
    pub outcome: Option<Outcome>,
    /// Passed, reasons and rank: live for full sight, the council's
    /// conclusion for everyone else once it exists.
    pub standing: Option<(bool, String, usize)>,
    /// The concluded mean (score mode) or approval share (ballot mode).
    pub concluded_pct: Option<f64>,
}

pub struct RoundView {
    /// The round with only what the reader may see: sheets and ballots of
    /// others removed, and for outcome-only readers their entries only.
    pub data: RoundData,
    pub seat: RoundSeat,
    pub sight: RoundSight,
    pub lines: Vec<ResultLine>,
    /// The round's recognition decisions (one per territory).
    pub decisions: Vec<crate::appraisal::Decision>,
    /// For the council and the organisers: the models alike to each entry
    /// (other entries of the round included), within what the reader may
    /// read, so copied and replicated registrations are seen.
    pub similar: std::collections::HashMap<i64, crate::similar::RecordedSimilar>,
}

/// A round for one reader; unknown to those who may not see it.
pub async fn view_round(db: &Db, actor: &Actor, id: i64) -> Result<RoundView, ServiceError> {
    let mut data = db
        .round_data(id)
        .await?
        .ok_or(ServiceError::NotFound("đợt xét"))?;
    let seat = seat(&data, actor);
    let sight = seat.sight();
    if sight == RoundSight::None {
        return Err(ServiceError::NotFound("đợt xét"));
    }
    let concluded = matches!(
        data.round.state,
        RoundState::Concluded | RoundState::Notice | RoundState::Decided
    );
    let lines: Vec<ResultLine> = if sight == RoundSight::Full {
        data.results()
            .into_iter()
            .map(|r| {
                let scored = data.scored_by(r.entry.entry_id);
                let standing = Some(data.standing(&r));
                ResultLine {
                    assigned_count: r.assigned.len(),
                    scored_count: scored.len(),
                    concluded_pct: data.results.get(&r.entry.entry_id).and_then(|s| s.mean_pct),
                    entry: r.entry,
                    assigned: r.assigned,
                    scored,
                    outcome: Some(r.outcome),
                    standing,
                }
            })
            .collect()
    } else {
        let mine = |e: &ProposedEntry| {
            sight == RoundSight::Member || actor.grants.iter().any(|g| g.unit.covers(&e.unit_path))
        };
        let mut lines: Vec<ResultLine> = data
            .entries
            .iter()
            .filter(|e| mine(e))
            .map(|e| {
                let assigned = data
                    .assignments
                    .get(&e.entry_id)
                    .cloned()
                    .unwrap_or_default();
                let scored = data.scored_by(e.entry_id);
                let stored = data.results.get(&e.entry_id).filter(|_| concluded);
                let member = sight == RoundSight::Member;
                ResultLine {
                    entry: e.clone(),
                    assigned_count: assigned.len(),
                    scored_count: scored.len(),
                    assigned: if member { assigned } else { Vec::new() },
                    scored: if member { scored } else { Vec::new() },
                    outcome: None,
                    standing: stored.map(|s| (s.passed, s.reasons.clone(), s.rank as usize)),
                    concluded_pct: stored.and_then(|s| s.mean_pct),
                }
            })
            .collect();
        lines.sort_by_key(|l| {
            (
                l.standing.as_ref().map(|s| s.2).unwrap_or(usize::MAX),
                l.entry.entry_id,
            )
        });
        lines
    };
    // Strip what the reader may not see from the round itself.
    match sight {
        RoundSight::Full => {}
        RoundSight::Member => {
            data.scores.retain(|(_, u), _| *u == actor.user_id);
            data.ballots.retain(|(_, u), _| *u == actor.user_id);
        }
        RoundSight::Outcome | RoundSight::None => {
            // Who sat on the council and who scored what stays with it.
            data.members.clear();
            data.former.clear();
            data.round.minutes_former.clear();
            data.scores.clear();
            data.ballots.clear();
            data.assignments.clear();
            let keep: Vec<i64> = lines.iter().map(|l| l.entry.entry_id).collect();
            data.entries.retain(|e| keep.contains(&e.entry_id));
            data.results.retain(|id, _| keep.contains(id));
        }
    }
    let decisions = if matches!(data.round.state, RoundState::Notice | RoundState::Decided) {
        db.decisions_of_round(id).await?
    } else {
        Vec::new()
    };
    let similar = if matches!(sight, RoundSight::Full | RoundSight::Member) {
        let roots = crate::service::readable_roots(db, actor).await?;
        db.similar_recorded(
            crate::similar::Recorded::Round(id),
            crate::similar::Reach::Reader(&roots),
            // The page shows each entry's most alike model and a count.
            1,
        )
        .await?
    } else {
        Default::default()
    };
    Ok(RoundView {
        data,
        seat,
        sight,
        lines,
        decisions,
        similar,
    })
}
