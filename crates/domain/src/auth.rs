//! Authorisation rules. A role is held in a unit and covers its subtree;
//! one person may hold several roles in several units.

use crate::appraisal::CouncilRole;
use crate::state::{EntryState, Inputs, Scope, Transition, TransitionError};
use crate::unit::UnitPath;
use crate::UserId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    MovementOfficer,
    UnitOfficer,
    CouncilMember,
    CouncilChair,
    CouncilSecretary,
    SigningLeader,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Self::Admin,
        Self::MovementOfficer,
        Self::UnitOfficer,
        Self::CouncilMember,
        Self::CouncilChair,
        Self::CouncilSecretary,
        Self::SigningLeader,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::MovementOfficer => "movement_officer",
            Self::UnitOfficer => "unit_officer",
            Self::CouncilMember => "council_member",
            Self::CouncilChair => "council_chair",
            Self::CouncilSecretary => "council_secretary",
            Self::SigningLeader => "signing_leader",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "Quản trị hệ thống",
            Self::MovementOfficer => "Cán bộ phụ trách phong trào",
            Self::UnitOfficer => "Cán bộ đơn vị (đăng ký)",
            Self::CouncilMember => "Thành viên Hội đồng",
            Self::CouncilChair => "Chủ tịch Hội đồng",
            Self::CouncilSecretary => "Thư ký Hội đồng",
            Self::SigningLeader => "Lãnh đạo ký quyết định",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub unit: UnitPath,
}

/// A signed-in person with the roles they hold.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub grants: Vec<Grant>,
}

/// Where an entry sits in the tree, for authorisation.
#[derive(Debug, Clone)]
pub struct EntryScope<'a> {
    pub registering: &'a UnitPath,
    pub confirming: &'a UnitPath,
    pub state: EntryState,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("Bạn cần đăng nhập để thực hiện thao tác này.")]
    NotSignedIn,
    #[error("Bạn không có quyền {0} đối với đơn vị này.")]
    NoRole(&'static str),
    #[error("Hồ sơ đang ở trạng thái “{}” nên không thể sửa.", .0.label())]
    NotEditable(EntryState),
    #[error("Hồ sơ đang ở trạng thái “{}” nên không thể bổ sung minh chứng.", .0.label())]
    NoEvidence(EntryState),
    #[error("{0}")]
    Transition(#[from] TransitionError),
}

impl Actor {
    pub fn holds(&self, role: Role, unit: &UnitPath) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == role && g.unit.covers(unit))
    }

    pub fn holds_any(&self, roles: &[Role], unit: &UnitPath) -> bool {
        roles.iter().any(|r| self.holds(*r, unit))
    }

    pub fn is_admin_anywhere(&self) -> bool {
        self.grants.iter().any(|g| g.role == Role::Admin)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// The units under which this actor may see entries.
    pub fn visible_roots(&self) -> Vec<UnitPath> {
        let mut roots: Vec<UnitPath> = Vec::new();
        for g in &self.grants {
            if roots.iter().any(|r| r.covers(&g.unit)) {
                continue;
            }
            roots.retain(|r| !g.unit.covers(r));
            roots.push(g.unit.clone());
        }
        roots
    }

    /// Units where this actor may register entries.
    pub fn registering_roots(&self) -> Vec<UnitPath> {
        self.grants
            .iter()
            .filter(|g| g.role == Role::UnitOfficer)
            .map(|g| g.unit.clone())
            .collect()
    }
}

/// Any role in a unit above or at the registering unit lets one read the
/// entry; so does any role at its confirming unit.
pub fn can_view_entry(actor: &Actor, scope: &EntryScope) -> bool {
    actor
        .grants
        .iter()
        .any(|g| g.unit.covers(scope.registering) || g.unit.covers(scope.confirming))
}

/// Records of a unit merged away in the 2025 reform are readable by those
/// who hold a role covering a unit it was merged into.
pub fn can_view_inherited(actor: &Actor, successor_paths: &[UnitPath]) -> bool {
    successor_paths
        .iter()
        .any(|s| actor.grants.iter().any(|g| g.unit.covers(s)))
}

pub fn check_create_entry(actor: &Actor, unit: &UnitPath) -> Result<(), Denied> {
    if actor.holds(Role::UnitOfficer, unit) {
        Ok(())
    } else {
        Err(Denied::NoRole("đăng ký mô hình, điển hình"))
    }
}

pub fn check_edit_entry(actor: &Actor, scope: &EntryScope) -> Result<(), Denied> {
    if !actor.holds(Role::UnitOfficer, scope.registering) {
        return Err(Denied::NoRole("sửa hồ sơ"));
    }
    if !scope.state.is_editable() {
        return Err(Denied::NotEditable(scope.state));
    }
    Ok(())
}

pub fn check_add_evidence(actor: &Actor, scope: &EntryScope) -> Result<(), Denied> {
    if !actor.holds(Role::UnitOfficer, scope.registering) {
        return Err(Denied::NoRole("bổ sung minh chứng"));
    }
    if !scope.state.accepts_evidence() {
        return Err(Denied::NoEvidence(scope.state));
    }
    Ok(())
}

/// Checks role, unit and state for a transition; returns the target state.
pub fn check_transition(
    actor: &Actor,
    t: Transition,
    scope: &EntryScope,
) -> Result<EntryState, Denied> {
    check_transition_seated(actor, None, t, scope)
}

/// The council role a seat on a round's council stands for in the
/// transition table: a seat counts like a grant over the round's entries.
pub fn seat_role(seat: CouncilRole) -> Role {
    match seat {
        CouncilRole::Chair => Role::CouncilChair,
        CouncilRole::Secretary => Role::CouncilSecretary,
        CouncilRole::Member => Role::CouncilMember,
    }
}

/// As [`check_transition`], for someone who may also hold a seat on the
/// council of the round that judges the entry.
pub fn check_transition_seated(
    actor: &Actor,
    seat: Option<CouncilRole>,
    t: Transition,
    scope: &EntryScope,
) -> Result<EntryState, Denied> {
    let rule = t.rule();
    let unit = match rule.scope {
        Scope::RegisteringUnit => scope.registering,
        Scope::ConfirmingUnit => scope.confirming,
    };
    let seated = seat.is_some_and(|s| rule.roles.contains(&seat_role(s)));
    if !seated && !actor.holds_any(rule.roles, unit) {
        return Err(Denied::NoRole(transition_right(t)));
    }
    Ok(t.apply(scope.state)?)
}

/// The whole check of one move: who, where, from which state, and the
/// inputs the table requires (a reason, a decision). The only gate the
/// store's state writer passes through.
pub fn check_move(
    actor: &Actor,
    seat: Option<CouncilRole>,
    t: Transition,
    scope: &EntryScope,
    inputs: &Inputs,
) -> Result<EntryState, Denied> {
    let to = check_transition_seated(actor, seat, t, scope)?;
    t.check_inputs(inputs)?;
    Ok(to)
}

fn transition_right(t: Transition) -> &'static str {
    match t {
        Transition::Submit => "gửi đăng ký",
        Transition::Return => "trả lại hồ sơ",
        Transition::Accept => "tiếp nhận hồ sơ",
        Transition::Withdraw => "rút đăng ký",
        Transition::Propose => "đề nghị công nhận",
        Transition::StartAppraisal => "đưa hồ sơ vào thẩm định",
        Transition::PublishNotice => "thông báo công khai",
        Transition::Recognise => "công nhận",
        Transition::FailAppraisal => "kết luận hồ sơ không đạt (Chủ tịch Hội đồng)",
        Transition::NotRecognise => "quyết định không công nhận",
        Transition::ProposeToHigherLevel => "đề nghị cấp trên",
        Transition::ProposeAgain => "đề nghị công nhận lại",
        Transition::MarkOutstanding => "chọn tiêu biểu",
        Transition::Reward => "khen thưởng",
        Transition::Remove => "đưa ra khỏi danh sách",
        Transition::Revoke => "thu hồi",
    }
}

/// Seeing the registration status of lower units.
pub fn can_view_status(actor: &Actor, unit: &UnitPath) -> bool {
    Following::Tracking.allows(actor, unit)
}

/// Who follows a unit's figures, and so which units a reader may pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Following {
    /// The status page, the register and the summary table (the reports
    /// sent upward): movement officers, administrators, signing leaders.
    Tracking,
    /// The dashboard's counts: every role, each for its own subtree (a
    /// commune officer sees the commune, a council member the council's
    /// unit). Counts only; lists behind them keep their own rules.
    Figures,
}

impl Following {
    pub fn roles(self) -> &'static [Role] {
        match self {
            Following::Tracking => &[Role::MovementOfficer, Role::Admin, Role::SigningLeader],
            Following::Figures => &Role::ALL,
        }
    }

    pub fn allows(self, actor: &Actor, unit: &UnitPath) -> bool {
        actor.holds_any(self.roles(), unit)
    }
}

/// The province's secretariat — a movement officer at a top-level unit —
/// keeps the catalogues every unit shares (criteria sets, forms of reward).
pub fn check_catalogue(actor: &Actor, what: &'static str) -> Result<(), Denied> {
    if may_edit_catalogue(actor) {
        Ok(())
    } else {
        Err(Denied::NoRole(what))
    }
}

pub fn may_edit_catalogue(actor: &Actor) -> bool {
    actor
        .grants
        .iter()
        .any(|g| g.role == Role::MovementOfficer && g.unit.ids().len() == 1)
}

/// Managing units, accounts and role grants within a subtree.
pub fn check_admin(actor: &Actor, unit: &UnitPath) -> Result<(), Denied> {
    if actor.holds(Role::Admin, unit) {
        Ok(())
    } else {
        Err(Denied::NoRole("quản trị"))
    }
}

/// Managing an account (resetting its password, disabling it): an admin
/// whose subtrees cover every unit where the account holds a role (an
/// account with no role yet: any admin).
pub fn check_manage_account(
    actor: &Actor,
    account_units: &[UnitPath],
    account_admin_units: &[UnitPath],
) -> Result<(), Denied> {
    if !actor.is_admin_anywhere() {
        return Err(Denied::NoRole("quản trị tài khoản"));
    }
    let admin_roots: Vec<&UnitPath> = actor
        .grants
        .iter()
        .filter(|g| g.role == Role::Admin)
        .map(|g| &g.unit)
        .collect();
    // An account with no role yet belongs to nobody's subtree: only an
    // admin at the top of the tree manages it.
    let ok = if account_units.is_empty() {
        admin_roots.iter().any(|r| r.ids().len() == 1)
    } else {
        account_units.iter().all(|u| actor.holds(Role::Admin, u))
            // Another admin is managed only from strictly above.
            && account_admin_units
                .iter()
                .all(|u| admin_roots.iter().any(|r| r.covers(u) && *r != u))
    };
    if ok {
        Ok(())
    } else {
        Err(Denied::NoRole("quản trị tài khoản này"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(grants: &[(Role, &UnitPath)]) -> Actor {
        Actor {
            user_id: 1,
            grants: grants
                .iter()
                .map(|(r, u)| Grant {
                    role: *r,
                    unit: (*u).clone(),
                })
                .collect(),
        }
    }

    struct Tree {
        province: UnitPath,
        commune_a: UnitPath,
        hamlet_a: UnitPath,
        commune_b: UnitPath,
    }

    fn tree() -> Tree {
        let province = UnitPath::root(1);
        let commune_a = province.child(2);
        let hamlet_a = commune_a.child(3);
        let commune_b = province.child(4);
        Tree {
            province,
            commune_a,
            hamlet_a,
            commune_b,
        }
    }

    #[test]
    fn unit_officer_registers_inside_subtree_only() {
        let t = tree();
        let a = actor(&[(Role::UnitOfficer, &t.commune_a)]);
        assert!(check_create_entry(&a, &t.hamlet_a).is_ok());
        assert!(check_create_entry(&a, &t.commune_b).is_err());
        assert!(check_create_entry(&a, &t.province).is_err());
        let mo = actor(&[(Role::MovementOfficer, &t.province)]);
        assert!(
            check_create_entry(&mo, &t.hamlet_a).is_err(),
            "reviewers do not register"
        );
    }

    #[test]
    fn transitions_check_role_unit_and_state() {
        let t = tree();
        let officer = actor(&[(Role::UnitOfficer, &t.hamlet_a)]);
        let mo_prov = actor(&[(Role::MovementOfficer, &t.province)]);
        let mo_b = actor(&[(Role::MovementOfficer, &t.commune_b)]);
        let scope = |state| EntryScope {
            registering: &t.hamlet_a,
            confirming: &t.commune_a,
            state,
        };

        assert_eq!(
            check_transition(&officer, Transition::Submit, &scope(EntryState::Draft)),
            Ok(EntryState::Submitted)
        );
        assert!(
            check_transition(&officer, Transition::Accept, &scope(EntryState::Submitted)).is_err()
        );
        assert_eq!(
            check_transition(&mo_prov, Transition::Accept, &scope(EntryState::Submitted)),
            Ok(EntryState::Accepted)
        );
        assert!(matches!(
            check_transition(&mo_b, Transition::Accept, &scope(EntryState::Submitted)),
            Err(Denied::NoRole(_))
        ));
        assert!(matches!(
            check_transition(&mo_prov, Transition::Accept, &scope(EntryState::Draft)),
            Err(Denied::Transition(_))
        ));
        assert!(check_transition(&mo_prov, Transition::Submit, &scope(EntryState::Draft)).is_err());
    }

    #[test]
    fn editing_needs_editable_state() {
        let t = tree();
        let officer = actor(&[(Role::UnitOfficer, &t.commune_a)]);
        let s = |state| EntryScope {
            registering: &t.hamlet_a,
            confirming: &t.commune_a,
            state,
        };
        assert!(check_edit_entry(&officer, &s(EntryState::Draft)).is_ok());
        assert!(check_edit_entry(&officer, &s(EntryState::Returned)).is_ok());
        assert_eq!(
            check_edit_entry(&officer, &s(EntryState::Submitted)),
            Err(Denied::NotEditable(EntryState::Submitted))
        );
        assert!(check_add_evidence(&officer, &s(EntryState::Accepted)).is_ok());
        assert!(check_add_evidence(&officer, &s(EntryState::Withdrawn)).is_err());
    }

    #[test]
    fn viewing_follows_subtrees() {
        let t = tree();
        let s = EntryScope {
            registering: &t.hamlet_a,
            confirming: &t.commune_a,
            state: EntryState::Draft,
        };
        assert!(can_view_entry(
            &actor(&[(Role::CouncilMember, &t.province)]),
            &s
        ));
        assert!(can_view_entry(
            &actor(&[(Role::UnitOfficer, &t.hamlet_a)]),
            &s
        ));
        assert!(!can_view_entry(
            &actor(&[(Role::UnitOfficer, &t.commune_b)]),
            &s
        ));
        assert!(!can_view_entry(&actor(&[]), &s));
    }

    #[test]
    fn visible_roots_are_minimal() {
        let t = tree();
        let a = actor(&[
            (Role::UnitOfficer, &t.hamlet_a),
            (Role::MovementOfficer, &t.commune_a),
            (Role::UnitOfficer, &t.commune_b),
        ]);
        let roots = a.visible_roots();
        assert_eq!(roots, vec![t.commune_a.clone(), t.commune_b.clone()]);
    }

    #[test]
    fn admin_is_subtree_bound() {
        let t = tree();
        let a = actor(&[(Role::Admin, &t.commune_a)]);
        assert!(check_admin(&a, &t.hamlet_a).is_ok());
        assert!(check_admin(&a, &t.commune_b).is_err());
        assert!(check_admin(&a, &t.province).is_err());
    }

    #[test]
    fn accounts_are_managed_by_admins_covering_all_their_roles() {
        let t = tree();
        let commune_admin = actor(&[(Role::Admin, &t.commune_a)]);
        let province_admin = actor(&[(Role::Admin, &t.province)]);
        let officer = actor(&[(Role::UnitOfficer, &t.commune_a)]);
        let inside = [t.hamlet_a.clone()];
        let spanning = [t.hamlet_a.clone(), t.commune_b.clone()];
        assert!(check_manage_account(&commune_admin, &inside, &[]).is_ok());
        assert!(check_manage_account(&commune_admin, &spanning, &[]).is_err());
        assert!(check_manage_account(&province_admin, &spanning, &[]).is_ok());
        // No role yet: only an admin at the top of the tree.
        assert!(check_manage_account(&commune_admin, &[], &[]).is_err());
        assert!(check_manage_account(&province_admin, &[], &[]).is_ok());
        assert!(check_manage_account(&officer, &[], &[]).is_err());
        // Admins of one unit do not manage each other; the level above does.
        let peer = [t.commune_a.clone()];
        assert!(check_manage_account(&commune_admin, &peer, &peer).is_err());
        assert!(check_manage_account(&province_admin, &peer, &peer).is_ok());
    }
}
