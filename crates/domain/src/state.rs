//! The entry's whole life (DOMAIN.md §5) as one explicit state machine.
//! Every transition names the states it leaves from, the state it leads to,
//! the roles that may make it and at which unit, and the inputs it needs.

use crate::auth::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryState {
    Draft,
    Submitted,
    Returned,
    Accepted,
    Proposed,
    InAppraisal,
    InPublicNotice,
    Recognised,
    NotRecognised,
    Outstanding,
    Rewarded,
    Withdrawn,
    Removed,
    Revoked,
}

impl EntryState {
    pub const ALL: [EntryState; 14] = [
        Self::Draft,
        Self::Submitted,
        Self::Returned,
        Self::Accepted,
        Self::Proposed,
        Self::InAppraisal,
        Self::InPublicNotice,
        Self::Recognised,
        Self::NotRecognised,
        Self::Outstanding,
        Self::Rewarded,
        Self::Withdrawn,
        Self::Removed,
        Self::Revoked,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Returned => "returned",
            Self::Accepted => "accepted",
            Self::Proposed => "proposed",
            Self::InAppraisal => "in_appraisal",
            Self::InPublicNotice => "in_public_notice",
            Self::Recognised => "recognised",
            Self::NotRecognised => "not_recognised",
            Self::Outstanding => "outstanding",
            Self::Rewarded => "rewarded",
            Self::Withdrawn => "withdrawn",
            Self::Removed => "removed",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Bản nháp",
            Self::Submitted => "Đã gửi, chờ tiếp nhận",
            Self::Returned => "Trả lại để bổ sung",
            Self::Accepted => "Đã tiếp nhận (đang thực hiện)",
            Self::Proposed => "Đề nghị công nhận",
            Self::InAppraisal => "Đang thẩm định",
            Self::InPublicNotice => "Đang thông báo công khai",
            Self::Recognised => "Đã công nhận",
            Self::NotRecognised => "Không công nhận",
            Self::Outstanding => "Tiêu biểu",
            Self::Rewarded => "Đã khen thưởng",
            Self::Withdrawn => "Đã rút",
            Self::Removed => "Đã đưa ra khỏi danh sách",
            Self::Revoked => "Đã thu hồi",
        }
    }

    /// The registering unit may change the registration items.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }

    /// Evidence can be added while drafting and implementing, and for the
    /// yearly review while the model is on the register.
    pub fn accepts_evidence(self) -> bool {
        matches!(
            self,
            Self::Draft
                | Self::Returned
                | Self::Accepted
                | Self::Recognised
                | Self::Outstanding
                | Self::Rewarded
        )
    }

    /// Accepted by the Front, whatever came after (the funnel's second
    /// step): no transition leads from these back before acceptance.
    pub fn past_acceptance(self) -> bool {
        !matches!(
            self,
            Self::Draft | Self::Submitted | Self::Returned | Self::Withdrawn
        )
    }

    /// States only reached before an entry is first proposed (`Propose`
    /// leaves `Accepted`, and nothing leads back): such an entry has never
    /// been appraised, recognised or rewarded.
    pub fn before_any_proposal(self) -> bool {
        matches!(
            self,
            Self::Draft | Self::Submitted | Self::Returned | Self::Accepted | Self::Withdrawn
        )
    }
}

/// Which unit the actor's role must cover for a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The unit that registered the entry (or one above it).
    RegisteringUnit,
    /// The unit that receives and confirms it (or one above it).
    ConfirmingUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    Submit,
    Return,
    Accept,
    Withdraw,
    Propose,
    StartAppraisal,
    PublishNotice,
    Recognise,
    /// The council's conclusion: an entry that did not pass.
    FailAppraisal,
    /// The leader's decision leaves an entry on notice out.
    NotRecognise,
    ProposeToHigherLevel,
    /// A model kept on the register by the yearly review enters a later round.
    ProposeAgain,
    MarkOutstanding,
    Reward,
    Remove,
    Revoke,
}

/// Transitions made on the entry alone; every later step (appraisal,
/// recognition, rewards, review) belongs to a round, a decision or a
/// report and is made through it.
pub const REGISTRATION_TRANSITIONS: [Transition; 4] = [
    Transition::Submit,
    Transition::Accept,
    Transition::Return,
    Transition::Withdraw,
];

/// What a transition requires and permits; one row per transition.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub from: &'static [EntryState],
    pub to: EntryState,
    pub roles: &'static [Role],
    pub scope: Scope,
    pub reason_required: bool,
    pub decision_required: bool,
}

impl Transition {
    pub const ALL: [Transition; 16] = [
        Self::Submit,
        Self::Return,
        Self::Accept,
        Self::Withdraw,
        Self::Propose,
        Self::StartAppraisal,
        Self::PublishNotice,
        Self::Recognise,
        Self::FailAppraisal,
        Self::NotRecognise,
        Self::ProposeToHigherLevel,
        Self::ProposeAgain,
        Self::MarkOutstanding,
        Self::Reward,
        Self::Remove,
        Self::Revoke,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Return => "return",
            Self::Accept => "accept",
            Self::Withdraw => "withdraw",
            Self::Propose => "propose",
            Self::StartAppraisal => "start_appraisal",
            Self::PublishNotice => "publish_notice",
            Self::Recognise => "recognise",
            Self::FailAppraisal => "fail_appraisal",
            Self::NotRecognise => "not_recognise",
            Self::ProposeToHigherLevel => "propose_higher",
            Self::ProposeAgain => "propose_again",
            Self::MarkOutstanding => "mark_outstanding",
            Self::Reward => "reward",
            Self::Remove => "remove",
            Self::Revoke => "revoke",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Submit => "Gửi đăng ký",
            Self::Return => "Trả lại để bổ sung",
            Self::Accept => "Tiếp nhận",
            Self::Withdraw => "Rút đăng ký",
            Self::Propose => "Đề nghị công nhận",
            Self::StartAppraisal => "Đưa vào thẩm định",
            Self::PublishNotice => "Thông báo công khai",
            Self::Recognise => "Công nhận",
            Self::FailAppraisal => "Hội đồng kết luận không đạt",
            Self::NotRecognise => "Không công nhận",
            Self::ProposeToHigherLevel => "Đề nghị cấp trên công nhận",
            Self::ProposeAgain => "Đề nghị công nhận lại",
            Self::MarkOutstanding => "Chọn tiêu biểu",
            Self::Reward => "Khen thưởng",
            Self::Remove => "Đưa ra khỏi danh sách",
            Self::Revoke => "Thu hồi",
        }
    }

    pub fn rule(self) -> Rule {
        use EntryState::*;
        use Role::*;
        let r = |from, to, roles, scope, reason_required, decision_required| Rule {
            from,
            to,
            roles,
            scope,
            reason_required,
            decision_required,
        };
        match self {
            Self::Submit => r(
                &[Draft, Returned],
                Submitted,
                &[UnitOfficer],
                Scope::RegisteringUnit,
                false,
                false,
            ),
            Self::Return => r(
                &[Submitted],
                Returned,
                &[MovementOfficer],
                Scope::ConfirmingUnit,
                true,
                false,
            ),
            Self::Accept => r(
                &[Submitted],
                Accepted,
                &[MovementOfficer],
                Scope::ConfirmingUnit,
                false,
                false,
            ),
            Self::Withdraw => r(
                &[Draft, Submitted, Returned, Accepted],
                Withdrawn,
                &[UnitOfficer],
                Scope::RegisteringUnit,
                false,
                false,
            ),
            Self::Propose => r(
                &[Accepted],
                Proposed,
                &[UnitOfficer],
                Scope::RegisteringUnit,
                false,
                false,
            ),
            Self::StartAppraisal => r(
                &[Proposed],
                InAppraisal,
                &[MovementOfficer],
                Scope::ConfirmingUnit,
                false,
                false,
            ),
            Self::PublishNotice => r(
                &[InAppraisal],
                InPublicNotice,
                &[MovementOfficer, CouncilChair],
                Scope::ConfirmingUnit,
                false,
                false,
            ),
            Self::Recognise => r(
                &[InPublicNotice],
                Recognised,
                &[SigningLeader],
                Scope::ConfirmingUnit,
                false,
                true,
            ),
            Self::FailAppraisal => r(
                &[InAppraisal],
                NotRecognised,
                &[CouncilChair],
                Scope::ConfirmingUnit,
                true,
                false,
            ),
            Self::NotRecognise => r(
                &[InPublicNotice],
                NotRecognised,
                &[SigningLeader],
                Scope::ConfirmingUnit,
                true,
                true,
            ),
            // Sơ kết and tổng kết rounds take the lower level's best too.
            Self::ProposeToHigherLevel => r(
                &[Recognised, Outstanding, Rewarded],
                Proposed,
                &[MovementOfficer],
                Scope::ConfirmingUnit,
                false,
                false,
            ),
            Self::ProposeAgain => r(
                &[Recognised, Outstanding, Rewarded],
                Proposed,
                &[UnitOfficer],
                Scope::RegisteringUnit,
                false,
                false,
            ),
            Self::MarkOutstanding => r(
                &[Recognised],
                Outstanding,
                &[MovementOfficer],
                Scope::ConfirmingUnit,
                false,
                false,
            ),
            Self::Reward => r(
                &[Outstanding],
                Rewarded,
                &[SigningLeader],
                Scope::ConfirmingUnit,
                false,
                true,
            ),
            Self::Remove => r(
                &[Accepted, Recognised, Outstanding, Rewarded],
                Removed,
                &[MovementOfficer],
                Scope::ConfirmingUnit,
                true,
                false,
            ),
            Self::Revoke => r(
                &[Recognised, Outstanding, Rewarded],
                Revoked,
                &[SigningLeader],
                Scope::ConfirmingUnit,
                true,
                true,
            ),
        }
    }

    /// The state this transition leads to from `from`, or why it cannot.
    pub fn apply(self, from: EntryState) -> Result<EntryState, TransitionError> {
        let rule = self.rule();
        if rule.from.contains(&from) {
            Ok(rule.to)
        } else {
            Err(TransitionError::NotAllowedFrom {
                transition: self,
                from,
            })
        }
    }

    /// Checks the inputs the table requires: a reason, a decision.
    pub fn check_inputs(self, inputs: &Inputs) -> Result<(), TransitionError> {
        let rule = self.rule();
        if rule.reason_required && inputs.reason.trim().is_empty() {
            return Err(TransitionError::ReasonRequired);
        }
        if rule.decision_required && inputs.decision.is_none_or(|d| d.trim().is_empty()) {
            return Err(TransitionError::DecisionRequired);
        }
        Ok(())
    }

    /// Transitions that can start from `state`, in table order.
    pub fn available_from(state: EntryState) -> Vec<Transition> {
        Self::ALL
            .into_iter()
            .filter(|t| t.rule().from.contains(&state))
            .collect()
    }
}

/// What a move carries besides who makes it: the reason shown to the
/// unit, and the decision it rests on (number and date, as written).
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    pub reason: &'a str,
    pub decision: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("Không thể “{}” khi hồ sơ đang ở trạng thái “{}”.", transition.label(), from.label())]
    NotAllowedFrom {
        transition: Transition,
        from: EntryState,
    },
    #[error("Cần nêu lý do.")]
    ReasonRequired,
    #[error("Cần có số và ngày quyết định.")]
    DecisionRequired,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every state some sequence of transitions leads to from `from`
    /// (itself included).
    fn reachable_from(from: EntryState) -> Vec<EntryState> {
        let mut reached = vec![from];
        let mut i = 0;
        while i < reached.len() {
            for t in Transition::ALL {
                if let Ok(to) = t.apply(reached[i]) {
                    if !reached.contains(&to) {
                        reached.push(to);
                    }
                }
            }
            i += 1;
        }
        reached
    }

    #[test]
    fn an_accepted_entry_stays_accepted_unless_withdrawn() {
        // The funnel counts an entry as accepted from acceptance on; a
        // withdrawn one leaves the count of registrations too.
        let reached = reachable_from(EntryState::Accepted);
        assert!(reached.contains(&EntryState::Rewarded));
        for s in reached {
            assert!(s.past_acceptance() || s == EntryState::Withdrawn, "{s:?}");
        }
        assert!(!EntryState::Submitted.past_acceptance());
        assert!(!EntryState::Returned.past_acceptance());
    }

    #[test]
    fn no_transition_leads_back_before_a_proposal() {
        // Every state reachable from a proposal lies outside
        // `before_any_proposal`: pages skip the appraisal's records for
        // the others.
        let reached = reachable_from(EntryState::Proposed);
        assert!(reached.contains(&EntryState::Recognised));
        for s in reached {
            assert!(!s.before_any_proposal(), "{s:?}");
        }
        assert!(EntryState::Accepted.before_any_proposal());
    }

    #[test]
    fn codes_round_trip() {
        for s in EntryState::ALL {
            assert_eq!(EntryState::parse(s.code()), Some(s));
        }
        for t in Transition::ALL {
            assert_eq!(Transition::parse(t.code()), Some(t));
        }
        assert_eq!(EntryState::parse("bogus"), None);
    }

    #[test]
    fn registration_cycle() {
        use EntryState::*;
        let s = Transition::Submit.apply(Draft).unwrap();
        assert_eq!(s, Submitted);
        let s = Transition::Return.apply(s).unwrap();
        assert_eq!(s, Returned);
        let s = Transition::Submit.apply(s).unwrap();
        let s = Transition::Accept.apply(s).unwrap();
        assert_eq!(s, Accepted);
        assert_eq!(Transition::Withdraw.apply(s).unwrap(), Withdrawn);
    }

    #[test]
    fn refuses_out_of_order() {
        use EntryState::*;
        assert!(Transition::Accept.apply(Draft).is_err());
        assert!(Transition::Return.apply(Accepted).is_err());
        assert!(Transition::Submit.apply(Accepted).is_err());
        assert!(Transition::Recognise.apply(InAppraisal).is_err());
        for t in Transition::ALL {
            assert!(t.apply(Withdrawn).is_err(), "withdrawn is final for {t:?}");
            assert!(t.apply(Revoked).is_err(), "revoked is final for {t:?}");
        }
        let e = Transition::Accept.apply(Draft).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Không thể “Tiếp nhận” khi hồ sơ đang ở trạng thái “Bản nháp”."
        );
    }

    #[test]
    fn whole_life_is_reachable() {
        // Every state except Draft is the target of some transition.
        for s in EntryState::ALL
            .into_iter()
            .filter(|s| *s != EntryState::Draft)
        {
            assert!(
                Transition::ALL.iter().any(|t| t.rule().to == s),
                "{s:?} unreachable"
            );
        }
        assert_eq!(
            Transition::available_from(EntryState::Submitted),
            vec![Transition::Return, Transition::Accept, Transition::Withdraw]
        );
    }
}
