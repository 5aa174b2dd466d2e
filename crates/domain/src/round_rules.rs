//! Round-level authority in one place: who may open a round, manage its
//! council, assign, start scoring, conclude (and override the quorum),
//! publish the notice, moderate comments and sign the decision — and how
//! much of a round each person may see. Beside the entry transition table
//! (`state.rs`), which rules each entry's own moves.

use crate::appraisal::CouncilRole;
use crate::auth::{Actor, Denied, Role};
use crate::unit::UnitPath;
use crate::UserId;

/// Something done to a round as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundAction {
    Open,
    ManageCouncil,
    Assign,
    StartAppraisal,
    Conclude,
    /// Concluding although sheets are missing below the quorum.
    OverrideQuorum,
    PublishNotice,
    ModerateComments,
    Decide,
}

impl RoundAction {
    fn right(self) -> &'static str {
        match self {
            Self::Open => "mở đợt xét tại đơn vị này",
            Self::ManageCouncil => "thay đổi thành viên Hội đồng",
            Self::Assign => "phân công chấm",
            Self::StartAppraisal => "mở chấm điểm",
            Self::Conclude => "kết luận đợt xét (chỉ Chủ tịch Hội đồng)",
            Self::OverrideQuorum => {
                "kết luận khi còn thiếu phiếu (chỉ Chủ tịch Hội đồng, có ghi lý do)"
            }
            Self::PublishNotice => "thông báo công khai kết quả",
            Self::ModerateComments => "trả lời, ẩn ý kiến của nhân dân",
            Self::Decide => "ký quyết định công nhận",
        }
    }
}

/// Where a person stands towards one round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RoundSeat {
    /// Movement officer of the organising unit or above: runs the round.
    pub organiser: bool,
    /// Signing leader of the organising unit or above.
    pub leader: bool,
    /// Admin of the organising unit or above (oversight, read only).
    pub admin: bool,
    /// Their seat on this round's council, if any.
    pub council: Option<CouncilRole>,
    /// Holds a role over a unit whose entries this round judges.
    pub judged: bool,
}

impl RoundSeat {
    pub fn of(
        actor: &Actor,
        round_unit: &UnitPath,
        council: Option<CouncilRole>,
        judged_units: &[&UnitPath],
    ) -> Self {
        RoundSeat {
            organiser: actor.holds(Role::MovementOfficer, round_unit),
            leader: actor.holds(Role::SigningLeader, round_unit),
            admin: actor.holds(Role::Admin, round_unit),
            council,
            judged: judged_units
                .iter()
                .any(|u| actor.grants.iter().any(|g| g.unit.covers(u))),
        }
    }

    fn chair(&self) -> bool {
        self.council == Some(CouncilRole::Chair)
    }

    /// The one rule for round-level actions.
    pub fn check(&self, action: RoundAction) -> Result<(), Denied> {
        let ok = match action {
            RoundAction::Open
            | RoundAction::ManageCouncil
            | RoundAction::Assign
            | RoundAction::StartAppraisal
            | RoundAction::ModerateComments => self.organiser,
            RoundAction::Conclude | RoundAction::OverrideQuorum => self.chair(),
            // As the transition table: the organiser or the council's chair.
            RoundAction::PublishNotice => self.organiser || self.chair(),
            RoundAction::Decide => self.leader,
        };
        if ok {
            Ok(())
        } else {
            Err(Denied::NoRole(action.right()))
        }
    }

    /// How much of the round this person sees.
    pub fn sight(&self) -> RoundSight {
        if self.organiser
            || self.leader
            || self.admin
            || matches!(
                self.council,
                Some(CouncilRole::Chair | CouncilRole::Secretary)
            )
        {
            RoundSight::Full
        } else if self.council.is_some() {
            RoundSight::Member
        } else if self.judged {
            RoundSight::Outcome
        } else {
            RoundSight::None
        }
    }
}

/// What of a round a person may see. Council scores are confidential to
/// the council and the organisers (DOMAIN.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RoundSight {
    None,
    /// A unit whose entries are judged: its own entries' outcome, and after
    /// the conclusion the aggregate and the reasons — never a member's points.
    Outcome,
    /// A member: their own sheets and who has scored; aggregates only once
    /// the council has concluded.
    Member,
    /// Chair, secretary, organisers, leaders: everything.
    Full,
}

/// Sheets still missing, per entry, when a council wants to conclude.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingSheets {
    pub entry_id: i64,
    pub missing: Vec<UserId>,
    pub have: usize,
    pub needed: usize,
}

/// Sheets needed per entry: the quorum share of the council, rounded up,
/// but never more than the members assigned to the entry. A hundredth of
/// a sheet is forgiven, so a share stored as 66.67 % means two thirds.
pub fn quorum_needed(council_size: usize, assigned: usize, quorum_pct: f64) -> usize {
    let q = ((council_size as f64) * quorum_pct / 100.0 - 0.01)
        .ceil()
        .max(1.0) as usize;
    q.min(assigned.max(1))
}

/// Checks a conclusion: every assigned sheet is in, or each entry has its
/// quorum. Returns the entries short of quorum (empty means it may go on)
/// and, separately, every missing sheet (for the minutes).
pub fn check_quorum(
    council_size: usize,
    quorum_pct: f64,
    entries: &[(i64, Vec<UserId>, Vec<UserId>)],
) -> (Vec<MissingSheets>, Vec<MissingSheets>) {
    let mut short = Vec::new();
    let mut all_missing = Vec::new();
    for (entry_id, assigned, scored) in entries {
        let missing: Vec<UserId> = assigned
            .iter()
            .filter(|m| !scored.contains(m))
            .copied()
            .collect();
        if missing.is_empty() && !assigned.is_empty() {
            continue;
        }
        let have = scored.iter().filter(|m| assigned.contains(m)).count();
        let needed = quorum_needed(council_size, assigned.len(), quorum_pct);
        let m = MissingSheets {
            entry_id: *entry_id,
            missing,
            have,
            needed,
        };
        if assigned.is_empty() || have < needed {
            short.push(m.clone());
        }
        all_missing.push(m);
    }
    (short, all_missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Grant;

    fn actor(grants: &[(Role, &UnitPath)]) -> Actor {
        Actor {
            user_id: 7,
            grants: grants
                .iter()
                .map(|(r, u)| Grant {
                    role: *r,
                    unit: (*u).clone(),
                })
                .collect(),
        }
    }

    #[test]
    fn who_does_what() {
        let province = UnitPath::root(1);
        let commune = province.child(2);
        let officer = RoundSeat::of(
            &actor(&[(Role::MovementOfficer, &province)]),
            &province,
            None,
            &[],
        );
        assert!(officer.check(RoundAction::Assign).is_ok());
        assert!(officer.check(RoundAction::PublishNotice).is_ok());
        assert!(officer.check(RoundAction::Conclude).is_err());
        assert!(officer.check(RoundAction::Decide).is_err());
        assert_eq!(officer.sight(), RoundSight::Full);
        let chair = RoundSeat::of(&actor(&[]), &province, Some(CouncilRole::Chair), &[]);
        assert!(chair.check(RoundAction::Conclude).is_ok());
        assert!(chair.check(RoundAction::OverrideQuorum).is_ok());
        assert!(chair.check(RoundAction::PublishNotice).is_ok());
        assert!(chair.check(RoundAction::Assign).is_err());
        let member = RoundSeat::of(&actor(&[]), &province, Some(CouncilRole::Member), &[]);
        assert!(member.check(RoundAction::Conclude).is_err());
        assert_eq!(member.sight(), RoundSight::Member);
        // A commune officer of a commune below a province round is not its organiser.
        let commune_officer = RoundSeat::of(
            &actor(&[(Role::UnitOfficer, &commune)]),
            &province,
            None,
            &[&commune.child(3)],
        );
        assert_eq!(commune_officer.sight(), RoundSight::Outcome);
        assert!(commune_officer.check(RoundAction::Open).is_err());
        let outsider = RoundSeat::of(
            &actor(&[(Role::UnitOfficer, &province.child(9))]),
            &province,
            None,
            &[&commune.child(3)],
        );
        assert_eq!(outsider.sight(), RoundSight::None);
        let leader = RoundSeat::of(
            &actor(&[(Role::SigningLeader, &province)]),
            &province,
            None,
            &[],
        );
        assert!(leader.check(RoundAction::Decide).is_ok());
    }

    #[test]
    fn quorum_is_two_thirds_of_the_council() {
        assert_eq!(quorum_needed(3, 3, 200.0 / 3.0), 2);
        assert_eq!(quorum_needed(9, 9, 200.0 / 3.0), 6);
        assert_eq!(quorum_needed(9, 4, 200.0 / 3.0), 4);
        // The default setting, as stored.
        assert_eq!(quorum_needed(3, 3, 66.67), 2);
        assert_eq!(quorum_needed(9, 9, 66.67), 6);
        assert_eq!(quorum_needed(4, 4, 50.0), 2);
        let q = 200.0 / 3.0;
        // All in: nothing short, nothing missing.
        let (short, missing) = check_quorum(3, q, &[(1, vec![1, 2, 3], vec![1, 2, 3])]);
        assert!(short.is_empty() && missing.is_empty());
        // Two of three: quorum met, one sheet missing for the minutes.
        let (short, missing) = check_quorum(3, q, &[(1, vec![1, 2, 3], vec![1, 3])]);
        assert!(short.is_empty());
        assert_eq!(missing[0].missing, vec![2]);
        // One of three: short.
        let (short, _) = check_quorum(3, q, &[(1, vec![1, 2, 3], vec![3])]);
        assert_eq!(short.len(), 1);
        assert_eq!((short[0].have, short[0].needed), (1, 2));
        // Nobody assigned: short.
        let (short, _) = check_quorum(3, q, &[(1, vec![], vec![])]);
        assert_eq!(short.len(), 1);
    }
}
