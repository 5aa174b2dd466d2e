//! The yearly review of recognised models and their predecessors.

use dvk_domain::auth::Role;
use dvk_domain::entry::EntryForm;
use dvk_store::service;
use reqwest::StatusCode;
use std::collections::HashMap;

use crate::support::*;

pub(crate) async fn yearly_review_and_predecessors(kind: Kind) {
    let s = start(kind, 0).await;
    let ids = recognised_entries(&s, 1).await;
    let (a0, b0) = (ids[0], ids[1]);
    let officer_a = Client::login(&s.base, "canbo.tohieu").await;
    let officer_b = Client::login(&s.base, "canbo.chiengan").await;
    let secretariat = Client::login(&s.base, "bandanvan").await;
    let res = officer_a
        .post(
            &format!("/entries/{a0}/reports"),
            &[
                ("year", "2026"),
                ("operating", "1"),
                (
                    "results",
                    "Duy trì tốt, thêm 20 hộ tham gia, làm thêm 1 km đường.",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        officer_b
            .post(
                &format!("/entries/{a0}/reports"),
                &[
                    ("year", "2026"),
                    ("results", "Không phải đơn vị mình báo cáo.")
                ]
            )
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Evidence for the review can be attached while the model is on the register.
    assert_eq!(
        officer_a
            .upload(a0, "Báo cáo rà soát 2026.pdf", pdf_bytes(), true)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        secretariat
            .post(
                &format!("/entries/{a0}/reports/2026/review"),
                &[("continuing", "1")]
            )
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // A reviewed report is final.
    assert_eq!(
        officer_a
            .post(
                &format!("/entries/{a0}/reports"),
                &[
                    ("year", "2026"),
                    ("operating", "1"),
                    ("results", "Sửa lại sau khi đã rà soát.")
                ]
            )
            .await
            .status(),
        StatusCode::CONFLICT
    );
    let res = officer_b
        .post(
            &format!("/entries/{b0}/reports"),
            &[
                ("year", "2026"),
                ("results", "Đã ngừng từ tháng 6 do thiếu kinh phí duy trì."),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let before = snapshot(&s.db).await;
    let res = secretariat
        .post(
            &format!("/entries/{b0}/reports/2026/review"),
            &[("continuing", "0"), ("reason", " ")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // The refused year's form comes back as it was sent.
    let refused = res.text().await.unwrap();
    let field = &refused[refused.find("id=\"rm-2026\"").unwrap()..];
    assert!(
        field[..field.find('>').unwrap()].contains("value=\" \""),
        "{field}"
    );
    assert_eq!(snapshot(&s.db).await, before);
    let res = secretariat
        .post(
            &format!("/entries/{b0}/reports/2026/review"),
            &[
                ("continuing", "0"),
                ("reason", "Mô hình đã ngừng hoạt động."),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry_state(&s.db, b0).await.0, "removed");
    let page = secretariat.get_text(&format!("/entries/{b0}")).await;
    assert!(page.contains("Đưa ra khỏi danh sách") && page.contains("Mô hình đã ngừng hoạt động."));

    // A predecessor commune's 2023 entry counts under its successor.
    let old =
        s.db.all_units(true)
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.code.as_deref() == Some("03646") && u.valid_to.is_some())
            .unwrap();
    let seeder = dvk_domain::auth::Actor {
        user_id: s
            .db
            .user_by_username("canbo.tohieu")
            .await
            .unwrap()
            .unwrap()
            .id,
        grants: vec![
            dvk_domain::auth::Grant {
                role: Role::UnitOfficer,
                unit: s.province.path.clone(),
            },
            dvk_domain::auth::Grant {
                role: Role::MovementOfficer,
                unit: s.province.path.clone(),
            },
        ],
    };
    let cat = s.db.catalogue().await.unwrap();
    let mut f = full_form(old.id, "Mô hình năm 2023 của phường cũ");
    for (k, v) in f.iter_mut() {
        match *k {
            "year" => *v = "2023".into(),
            "phase" => *v = "2021-2025".into(),
            _ => {}
        }
    }
    let form: EntryForm =
        serde_urlencoded::from_str(&serde_urlencoded::to_string(&f).unwrap()).unwrap();
    let id = service::create_entry(&s.db, &cat, &seeder, &form)
        .await
        .unwrap();
    service::transition(
        &s.db,
        &seeder,
        id,
        dvk_domain::state::Transition::Submit,
        "",
        1,
    )
    .await
    .unwrap();
    let (to_hieu, _, chieng_an, _) = commune_units(&s.db).await;
    // Recognised in 2023 through that year's round.
    {
        use dvk_store::appraisal as ap;
        service::transition(
            &s.db,
            &seeder,
            id,
            dvk_domain::state::Transition::Accept,
            "",
            2,
        )
        .await
        .unwrap();
        let form = ap::RoundForm {
            unit_id: s.province.id.to_string(),
            title: "Đợt xét 2023".into(),
            level: "xa".into(),
            year: "2023".into(),
            phase: "2021-2025".into(),
            kind: "annual".into(),
            mode: "ballot".into(),
            ..Default::default()
        };
        let rid = ap::create_round(&s.db, &seeder, &form).await.unwrap();
        let chair = actor_of(&s.db, "hoidong.chutich").await;
        ap::add_member(
            &s.db,
            &seeder,
            rid,
            chair.user_id,
            dvk_domain::appraisal::CouncilRole::Chair,
        )
        .await
        .unwrap();
        let crit =
            s.db.round_core(rid)
                .await
                .unwrap()
                .unwrap()
                .collective
                .criteria;
        let points: HashMap<i64, String> = crit.iter().map(|c| (c.id, "8".to_owned())).collect();
        ap::propose(&s.db, &seeder, rid, id, &points).await.unwrap();
        ap::assign(&s.db, &seeder, rid, ap::Assignment::All)
            .await
            .unwrap();
        ap::start_appraisal(&s.db, &seeder, rid).await.unwrap();
        ap::save_ballot(&s.db, &chair, rid, id, Some(true), "")
            .await
            .unwrap();
        ap::conclude(
            &s.db,
            &chair,
            rid,
            &ap::MinutesForm {
                date: "01/11/2023".into(),
                place: "Tỉnh ủy".into(),
                present: "đủ".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        ap::publish_notice_at(
            &s.db,
            &seeder,
            rid,
            "02/11/2023",
            "10/11/2023",
            at_day("02/11/2023"),
        )
        .await
        .unwrap();
        let d = ap::DecisionForm {
            number: "7/QĐ-UBND".into(),
            signed_on: "20/11/2023".into(),
            signer: "A".into(),
            signer_title: "CHỦ TỊCH".into(),
            // The old ward's People's Committee, which existed in 2023.
            issuer_unit_id: old.id.to_string(),
        };
        ap::decide_at(
            &s.db,
            &actor_of(&s.db, "lanhdao").await,
            rid,
            &d,
            &[id],
            at_day("20/11/2023"),
        )
        .await
        .unwrap();
    }
    // The successor commune's officer sees the predecessor's model and carries it into 2026–2030.
    let page = officer_a.get_text(&format!("/entries/{id}")).await;
    assert!(
        page.contains("Chuyển mô hình sang giai đoạn 2026-2030"),
        "inherited record visible with the carry action"
    );
    assert_eq!(
        officer_b.get(&format!("/entries/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let res = officer_a.post(&format!("/entries/{id}/carry"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let new_id = entry_id_from(&res);
    let carried = s.db.entry(new_id).await.unwrap().unwrap();
    assert_eq!(
        (
            carried.registration.phase.as_str(),
            carried.registration.unit_id,
            carried.state.code()
        ),
        ("2026-2030", to_hieu.id, "draft")
    );
    assert_eq!(
        carried.registration.title(),
        "Mô hình năm 2023 của phường cũ"
    );
    assert_eq!(
        officer_a
            .post(&format!("/entries/{id}/carry"), &[])
            .await
            .status(),
        StatusCode::CONFLICT
    );
    assert!(s
        .db
        .history("entry", id)
        .await
        .unwrap()
        .iter()
        .any(|h| h.record.action == "entry.carry"));
    let rows = register_as(&s, "bandanvan", s.province.id, 2023).await;
    let row = rows.iter().find(|r| r.unit_id == to_hieu.id).unwrap();
    assert_eq!(
        row.registered, 1,
        "the 2023 entry of Phường Chiềng Lề counts under Phường Tô Hiệu"
    );
    assert!(
        rows.iter().all(|r| r.unit_id != old.id),
        "historical units are folded into their successors"
    );
    // The merged commune's own officer sees its predecessor's entry on its
    // own register, on a row of its own, on the page and through the API.
    let own = register_as(&s, "mttq.tohieu", to_hieu.id, 2023).await;
    let pred = own
        .iter()
        .find(|r| r.unit_name == format!("{} (trước 1/7/2025)", old.name))
        .unwrap_or_else(|| panic!("a row for the predecessor: {own:?}"));
    assert_eq!(pred.registered, 1);
    let commune_officer = Client::login(&s.base, "mttq.tohieu").await;
    let page = commune_officer
        .get_text(&format!("/register?unit={}&year=2023", to_hieu.id))
        .await;
    assert!(
        page.contains(&format!("{} (trước 1/7/2025)", old.name)),
        "{page}"
    );
    let rows = register_as(&s, "bandanvan", s.province.id, 2026).await;
    let (ta, cb) = (
        rows.iter().find(|r| r.unit_id == to_hieu.id).unwrap(),
        rows.iter().find(|r| r.unit_id == chieng_an.id).unwrap(),
    );
    assert_eq!((ta.new, ta.continuing, ta.removed), (1, 1, 0));
    assert_eq!((cb.new, cb.continuing, cb.removed), (0, 0, 1));
    let page = secretariat.get_text("/register?year=2026").await;
    assert!(page.contains("Sổ theo dõi") && page.contains("Phường Tô Hiệu"));

    // A model kept on the register enters the next year's round and can be recognised again.
    let res = secretariat
        .post(
            "/rounds",
            &[
                ("unit_id", &s.province.id.to_string()),
                ("title", "Xét công nhận cấp xã năm 2027"),
                ("level", "xa"),
                ("phase", "2026-2030"),
                ("year", "2027"),
                ("kind", "annual"),
                ("mode", "score"),
            ],
        )
        .await;
    let r27: i64 = location(&res)
        .trim_start_matches("/rounds/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let page = officer_a.get_text(&format!("/entries/{a0}")).await;
    assert!(page.contains("Đề nghị công nhận: Xét công nhận cấp xã năm 2027"));
    let mut fields = vec![("round_id".to_owned(), r27.to_string())];
    fields.extend(
        s.db.round_data(r27)
            .await
            .unwrap()
            .unwrap()
            .collective
            .criteria
            .iter()
            .map(|c| (format!("c{}", c.id), "8".to_owned())),
    );
    assert_eq!(
        officer_a
            .post(&format!("/entries/{a0}/propose"), &pairs(&fields))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(entry_state(&s.db, a0).await.0, "proposed");
    assert!(
        officer_b
            .get_text(&format!("/entries/{b0}"))
            .await
            .find("năm 2027")
            .is_none(),
        "a removed model is not offered"
    );
}

/// The register as a person reads it (the guard applies).
async fn register_as(
    s: &Server,
    username: &str,
    unit: i64,
    year: i32,
) -> Vec<dvk_store::review::RegisterRow> {
    let actor = actor_of(&s.db, username).await;
    let at = dvk_store::tracking::followed(
        &s.db,
        &actor,
        Some(unit),
        Some(year),
        "xem",
        dvk_domain::auth::Following::Tracking,
    )
    .await
    .unwrap();
    dvk_store::tracking::register(&s.db, &actor, &at)
        .await
        .unwrap()
}
