//! The transition table walked through the API: for every transition of
//! the domain table, every role (a grant, or a seat on the round's council)
//! inside and outside the entry's commune tries the endpoint that makes the
//! move. Exactly those the table admits succeed, landing in the table's
//! target state; every other attempt is refused and changes nothing.

use crate::api::{today_iso, token_for, Api};
use crate::support::*;
use dvk_domain::appraisal::CouncilRole;
use dvk_domain::auth::{Actor, Role};
use dvk_domain::state::{EntryState, Transition};
use dvk_store::units::Unit;
use dvk_store::{appraisal as ap, review, rewards as rw, service};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Who tries a move.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Grant(Role),
    Seat(CouncilRole),
}

impl Who {
    fn role(self) -> Role {
        match self {
            Who::Grant(r) => r,
            Who::Seat(CouncilRole::Chair) => Role::CouncilChair,
            Who::Seat(CouncilRole::Secretary) => Role::CouncilSecretary,
            Who::Seat(CouncilRole::Member) => Role::CouncilMember,
        }
    }
}

const WHO: [Who; 6] = [
    Who::Grant(Role::UnitOfficer),
    Who::Grant(Role::MovementOfficer),
    Who::Grant(Role::SigningLeader),
    Who::Grant(Role::Admin),
    Who::Seat(CouncilRole::Chair),
    Who::Seat(CouncilRole::Member),
];

struct Person {
    actor: Actor,
    api: Api,
}

/// The commune whose entries move ("inside"), another commune
/// ("outside"), one person per (who, inside) and a round at the other
/// commune whose council seats the outside seats.
struct World {
    s: Server,
    commune: Unit,
    registering: Unit,
    people: HashMap<(usize, bool), Person>,
    numbers: AtomicUsize,
}

impl World {
    async fn new(kind: Kind) -> World {
        let s = start(kind, 0).await;
        let (commune, registering, other, _) = commune_units(&s.db).await;
        let mut people = HashMap::new();
        for (i, who) in WHO.iter().enumerate() {
            for inside in [true, false] {
                let name = format!("walk.{i}.{}", if inside { "in" } else { "out" });
                let uid =
                    s.db.insert_user(None, &name, &format!("Người thử {i}"), "x")
                        .await
                        .unwrap();
                let unit = if inside { &commune } else { &other };
                let role = match who {
                    Who::Grant(r) => *r,
                    Who::Seat(_) => Role::CouncilMember,
                };
                s.db.insert_grant(None, uid, role, unit.id).await.unwrap();
                let api = Api::new(&s.base, Some(token_for(&s.db, &name).await));
                let actor = actor_of(&s.db, &name).await;
                people.insert((i, inside), Person { actor, api });
            }
        }
        let w = World {
            s,
            commune,
            registering,
            people,
            numbers: AtomicUsize::new(1),
        };
        // The outside seats sit on a round of the other commune.
        let mo_out = &w.person(Who::Grant(Role::MovementOfficer), false).actor;
        let rid = ap::create_round(&w.s.db, mo_out, &round_form(&other, "xa", 2026))
            .await
            .unwrap();
        for (role, who) in [
            (CouncilRole::Chair, Who::Seat(CouncilRole::Chair)),
            (CouncilRole::Member, Who::Seat(CouncilRole::Member)),
        ] {
            let uid = w.person(who, false).actor.user_id;
            ap::add_member(&w.s.db, mo_out, rid, uid, role)
                .await
                .unwrap();
        }
        w
    }

    fn person(&self, who: Who, inside: bool) -> &Person {
        let i = WHO.iter().position(|w| *w == who).unwrap();
        &self.people[&(i, inside)]
    }

    fn actor(&self, who: Who) -> &Actor {
        &self.person(who, true).actor
    }

    fn number(&self) -> String {
        format!("{}/QĐ-UBND", self.numbers.fetch_add(1, Ordering::Relaxed))
    }

    async fn draft(&self) -> i64 {
        let cat = self.s.db.catalogue().await.unwrap();
        let form = serde_urlencoded::from_str(
            &serde_urlencoded::to_string(full_form(self.registering.id, "Mô hình đi qua bảng"))
                .unwrap(),
        )
        .unwrap();
        service::create_entry(
            &self.s.db,
            &cat,
            self.actor(Who::Grant(Role::UnitOfficer)),
            &form,
        )
        .await
        .unwrap()
    }

    async fn registration(&self, id: i64, t: Transition, who: Who) {
        let version = entry_state(&self.s.db, id).await.1;
        service::transition(&self.s.db, self.actor(who), id, t, "", version)
            .await
            .unwrap();
    }

    async fn submitted(&self) -> i64 {
        let id = self.draft().await;
        self.registration(id, Transition::Submit, Who::Grant(Role::UnitOfficer))
            .await;
        id
    }

    async fn accepted(&self) -> i64 {
        let id = self.submitted().await;
        self.registration(id, Transition::Accept, Who::Grant(Role::MovementOfficer))
            .await;
        id
    }

    /// A ballot round at the commune, the inside seats on its council.
    async fn round(&self, year: i32) -> i64 {
        let mo = self.actor(Who::Grant(Role::MovementOfficer));
        let rid = ap::create_round(&self.s.db, mo, &round_form(&self.commune, "xa", year))
            .await
            .unwrap();
        for (role, who) in [
            (CouncilRole::Chair, Who::Seat(CouncilRole::Chair)),
            (CouncilRole::Member, Who::Seat(CouncilRole::Member)),
        ] {
            ap::add_member(&self.s.db, mo, rid, self.actor(who).user_id, role)
                .await
                .unwrap();
        }
        rid
    }

    async fn self_assessment(&self, rid: i64) -> HashMap<i64, String> {
        let data = self.s.db.round_core(rid).await.unwrap().unwrap();
        data.collective
            .criteria
            .iter()
            .map(|c| (c.id, "8".to_owned()))
            .collect()
    }

    /// Accepted entries proposed to a fresh round, assigned to its council.
    async fn proposed(&self, n: usize) -> (i64, Vec<i64>) {
        let rid = self.round(2026).await;
        let points = self.self_assessment(rid).await;
        let mut ids = Vec::new();
        for _ in 0..n {
            let id = self.accepted().await;
            ap::propose(
                &self.s.db,
                self.actor(Who::Grant(Role::UnitOfficer)),
                rid,
                id,
                &points,
            )
            .await
            .unwrap();
            ids.push(id);
        }
        ap::assign(
            &self.s.db,
            self.actor(Who::Grant(Role::MovementOfficer)),
            rid,
            ap::Assignment::All,
        )
        .await
        .unwrap();
        (rid, ids)
    }

    async fn in_appraisal(&self, n: usize, approve: bool) -> (i64, Vec<i64>) {
        let (rid, ids) = self.proposed(n).await;
        ap::start_appraisal(
            &self.s.db,
            self.actor(Who::Grant(Role::MovementOfficer)),
            rid,
        )
        .await
        .unwrap();
        for id in &ids {
            for who in [
                Who::Seat(CouncilRole::Chair),
                Who::Seat(CouncilRole::Member),
            ] {
                ap::save_ballot(
                    &self.s.db,
                    self.actor(who),
                    rid,
                    *id,
                    Some(approve),
                    "Ý kiến",
                )
                .await
                .unwrap();
            }
        }
        (rid, ids)
    }

    async fn concluded(&self, n: usize) -> (i64, Vec<i64>) {
        let (rid, ids) = self.in_appraisal(n, true).await;
        ap::conclude(
            &self.s.db,
            self.actor(Who::Seat(CouncilRole::Chair)),
            rid,
            &minutes(),
        )
        .await
        .unwrap();
        (rid, ids)
    }

    /// On notice, with the period already run (published long ago).
    async fn on_notice(&self, n: usize) -> (i64, Vec<i64>) {
        let (rid, ids) = self.concluded(n).await;
        ap::publish_notice(
            &self.s.db,
            self.actor(Who::Grant(Role::MovementOfficer)),
            rid,
            &today_iso(0),
            &today_iso(14),
        )
        .await
        .unwrap();
        sqlx::query("UPDATE rounds SET notice_starts = '2026-01-01', notice_ends = '2026-01-20', notice_published_at = 1767225600 WHERE id = $1")
            .bind(rid)
            .execute(&self.s.db.pool)
            .await
            .unwrap();
        (rid, ids)
    }

    fn decision(&self, ids: &[i64]) -> Value {
        json!({"number": self.number(), "signed_on": today_iso(0), "signer": "Người ký",
               "signer_title": "CHỦ TỊCH", "issuer_unit_id": self.commune.id, "entry_ids": ids})
    }

    async fn recognised(&self) -> i64 {
        let (rid, ids) = self.on_notice(1).await;
        let form = ap::DecisionForm {
            number: self.number(),
            signed_on: ap::show_date(&today_iso(0)),
            signer: "Người ký".into(),
            signer_title: "CHỦ TỊCH".into(),
            issuer_unit_id: self.commune.id.to_string(),
        };
        ap::decide(
            &self.s.db,
            self.actor(Who::Grant(Role::SigningLeader)),
            rid,
            &form,
            &ids,
        )
        .await
        .unwrap();
        ids[0]
    }

    async fn reported(&self) -> i64 {
        let id = self.recognised().await;
        review::submit_report(
            &self.s.db,
            self.actor(Who::Grant(Role::UnitOfficer)),
            id,
            "2026",
            true,
            "Vẫn duy trì đều đặn.",
        )
        .await
        .unwrap();
        id
    }
}

fn round_form(unit: &Unit, level: &str, year: i32) -> ap::RoundForm {
    ap::RoundForm {
        unit_id: unit.id.to_string(),
        title: format!("Đợt xét {year}"),
        level: level.into(),
        year: year.to_string(),
        phase: "2026-2030".into(),
        kind: "annual".into(),
        mode: "ballot".into(),
        ..Default::default()
    }
}

fn minutes() -> ap::MinutesForm {
    ap::MinutesForm {
        date: ap::show_date(&today_iso(0)),
        place: "Hội trường".into(),
        present: "2/2".into(),
        ..Default::default()
    }
}

fn assessment(points: &HashMap<i64, String>) -> Value {
    Value::Array(
        points
            .keys()
            .map(|c| json!({"criterion_id": c, "points": 8}))
            .collect(),
    )
}

/// An entry in the transition's source state, and the request (path, body)
/// that tries the move.
async fn prepare(w: &World, t: Transition) -> (i64, String, Value) {
    let version = |id| async move { entry_state(&w.s.db, id).await.1 };
    match t {
        Transition::Submit | Transition::Withdraw => {
            let id = w.draft().await;
            let body =
                json!({"transition": t.code(), "reason": "Lý do", "version": version(id).await});
            (id, format!("/entries/{id}/transitions"), body)
        }
        Transition::Return | Transition::Accept => {
            let id = w.submitted().await;
            let body =
                json!({"transition": t.code(), "reason": "Lý do", "version": version(id).await});
            (id, format!("/entries/{id}/transitions"), body)
        }
        Transition::Propose => {
            let id = w.accepted().await;
            let rid = w.round(2026).await;
            let points = w.self_assessment(rid).await;
            let body = json!({"entry_id": id, "self_assessment": assessment(&points)});
            (id, format!("/rounds/{rid}/proposals"), body)
        }
        Transition::StartAppraisal => {
            let (rid, ids) = w.proposed(1).await;
            (ids[0], format!("/rounds/{rid}/start"), json!({}))
        }
        Transition::PublishNotice => {
            let (rid, ids) = w.concluded(1).await;
            (
                ids[0],
                format!("/rounds/{rid}/notice"),
                json!({"starts": today_iso(0), "ends": today_iso(14)}),
            )
        }
        Transition::Recognise => {
            let (rid, ids) = w.on_notice(1).await;
            (ids[0], format!("/rounds/{rid}/decisions"), w.decision(&ids))
        }
        Transition::FailAppraisal => {
            let (rid, ids) = w.in_appraisal(1, false).await;
            let m = minutes();
            let body = json!({"date": today_iso(0), "place": m.place, "present": m.present});
            (ids[0], format!("/rounds/{rid}/conclude"), body)
        }
        Transition::NotRecognise => {
            // The decision recognises the other entry and leaves this one out.
            let (rid, ids) = w.on_notice(2).await;
            (
                ids[0],
                format!("/rounds/{rid}/decisions"),
                w.decision(&ids[1..]),
            )
        }
        Transition::ProposeToHigherLevel => {
            let id = w.recognised().await;
            let province_round = ap::create_round(
                &w.s.db,
                &actor_of(&w.s.db, "bandanvan").await,
                &round_form(&w.s.province, "tinh", 2026),
            )
            .await
            .unwrap();
            let points = w.self_assessment(province_round).await;
            let body = json!({"entry_id": id, "self_assessment": assessment(&points)});
            (id, format!("/rounds/{province_round}/proposals"), body)
        }
        Transition::ProposeAgain => {
            // Kept on the register by the 2026 review, proposed to 2027's round.
            let id = w.reported().await;
            review::review(
                &w.s.db,
                w.actor(Who::Grant(Role::MovementOfficer)),
                id,
                2026,
                true,
                "",
            )
            .await
            .unwrap();
            let rid = w.round(2027).await;
            let points = w.self_assessment(rid).await;
            let body = json!({"entry_id": id, "self_assessment": assessment(&points)});
            (id, format!("/rounds/{rid}/proposals"), body)
        }
        Transition::MarkOutstanding => {
            let id = w.recognised().await;
            (id, format!("/entries/{id}/outstanding"), json!({}))
        }
        Transition::Reward => {
            let id = w.recognised().await;
            let mo = w.actor(Who::Grant(Role::MovementOfficer));
            rw::mark_outstanding(&w.s.db, mo, id).await.unwrap();
            let rr = rw::create_reward_round(
                &w.s.db,
                mo,
                &rw::RewardRoundForm {
                    unit_id: w.commune.id.to_string(),
                    title: "Khen thưởng 2026".into(),
                    level: "xa".into(),
                    kind: "annual".into(),
                    year: "2026".into(),
                    phase: "2026-2030".into(),
                },
            )
            .await
            .unwrap();
            let form =
                w.s.db
                    .reward_forms()
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|f| f.code == "gk-ubnd-xa")
                    .unwrap()
                    .id;
            rw::propose_reward(&w.s.db, mo, rr, id, form).await.unwrap();
            let body = json!({"form_id": form, "number": w.number(), "signed_on": today_iso(0),
                "signer": "Người ký", "signer_title": "CHỦ TỊCH", "issuer_unit_id": w.commune.id,
                "entry_ids": [id]});
            (id, format!("/reward-rounds/{rr}/decisions"), body)
        }
        Transition::Remove => {
            let id = w.reported().await;
            (
                id,
                format!("/entries/{id}/reports/2026/review"),
                json!({"continuing": false, "reason": "Mô hình đã ngừng hoạt động."}),
            )
        }
        Transition::Revoke => {
            let id = w.recognised().await;
            (
                id,
                format!("/entries/{id}/revocation"),
                json!({"reason": "Khai không đúng thực tế.", "decision_ref": "Quyết định số 9/QĐ-UBND"}),
            )
        }
    }
}

pub(crate) async fn every_transition_role_and_scope_follows_the_table(kind: Kind) {
    let w = World::new(kind).await;
    for t in Transition::ALL {
        let rule = t.rule();
        let allowed = |who: Who, inside: bool| inside && rule.roles.contains(&who.role());
        // Everyone the table refuses tries the same entry; nothing moves.
        let (id, path, body) = prepare(&w, t).await;
        let before = entry_state(&w.s.db, id).await;
        assert!(
            rule.from.iter().any(|s| s.code() == before.0),
            "{t:?}: prepared in {}",
            before.0
        );
        for (i, who) in WHO.iter().enumerate() {
            for inside in [true, false] {
                if allowed(*who, inside) {
                    continue;
                }
                let res = w.people[&(i, inside)].api.post(&path, body.clone()).await;
                assert!(
                    matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                    "{t:?} by {who:?} (inside: {inside}) must be refused: {} {}",
                    res.status,
                    res.body
                );
                assert_eq!(
                    entry_state(&w.s.db, id).await,
                    before,
                    "{t:?} by {who:?} (inside: {inside}) changed the entry"
                );
            }
        }
        // Everyone the table admits makes the move, each on its own entry.
        let mut admitted = 0;
        for who in WHO {
            if !allowed(who, true) {
                continue;
            }
            admitted += 1;
            let (id, path, body) = if admitted == 1 {
                (id, path.clone(), body.clone())
            } else {
                prepare(&w, t).await
            };
            let res = w.person(who, true).api.post(&path, body).await;
            assert!(
                res.status.is_success(),
                "{t:?} by {who:?} must succeed: {} {}",
                res.status,
                res.body
            );
            assert_eq!(
                entry_state(&w.s.db, id).await.0,
                rule.to.code(),
                "{t:?} by {who:?} lands in the table's state"
            );
        }
        assert!(admitted > 0, "{t:?}: some role in the walk may make it");
    }
    // The entry endpoint makes registration moves only; later steps are
    // refused there even to those who may make them where they belong.
    let (id, _, _) = prepare(&w, Transition::MarkOutstanding).await;
    let v = entry_state(&w.s.db, id).await.1;
    let res = w
        .person(Who::Grant(Role::MovementOfficer), true)
        .api
        .post(
            &format!("/entries/{id}/transitions"),
            json!({"transition": "mark_outstanding", "version": v}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(
        entry_state(&w.s.db, id).await.0,
        EntryState::Recognised.code()
    );
}
