//! Appraisal to decision as records one can sign: council scores stay
//! confidential (history, entry and round views as the registering unit and
//! as a member), the conclusion needs its sheets or the chair's written
//! override, the notice cannot be backdated or shortened, the decision
//! waits for the real period and comes from an issuing unit of the tree
//! (with the Party's letterhead for a Party body), and units hear of
//! outcomes.

use crate::api::{api_as, entry_json, today_iso};
use crate::support::*;
use dvk_domain::issuer::in_sentence;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A member's name as the demo seeds it (hoidong.uyvien).
const MEMBER_NAME: &str = "Vì Văn Thanh";

fn no_sheet_in(what: &str, text: &str) {
    assert!(!text.contains(MEMBER_NAME), "{what} names a council member");
    assert!(!text.contains("score.save"), "{what} shows a sheet event");
    assert!(!text.contains("\"points\""), "{what} shows points");
}

pub(crate) async fn confidential_appraisal_and_lawful_notice(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let officer = api_as(&s, "canbo.tohieu").await;
    let secretariat = api_as(&s, "bandanvan").await;
    let chair = api_as(&s, "hoidong.chutich").await;
    let member = api_as(&s, "hoidong.uyvien").await;
    let secretary = api_as(&s, "hoidong.thuky").await;
    let leader = api_as(&s, "lanhdao").await;

    // Step 1: an accepted entry proposed to a round with a council of three.
    let a = officer
        .post(
            "/entries",
            entry_json(front_a.id, "Mô hình giữ kín điểm chấm"),
        )
        .await;
    let id = a.body["id"].as_i64().unwrap();
    let v = a.body["version"].as_i64().unwrap();
    let sub = officer
        .post(
            &format!("/entries/{id}/transitions"),
            json!({"transition": "submit", "version": v}),
        )
        .await;
    secretariat
        .post(
            &format!("/entries/{id}/transitions"),
            json!({"transition": "accept", "version": sub.body["version"]}),
        )
        .await;
    let r = secretariat
        .post(
            "/rounds",
            json!({"unit_id": s.province.id, "title": "Đợt xét giữ kín", "level": "xa", "year": 2026,
                   "phase": "2026-2030", "kind": "annual", "mode": "score"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["notice_min_days"], 5, "default from the setting");
    let rid = r.body["id"].as_i64().unwrap();
    for (u, role) in [
        ("hoidong.chutich", "chair"),
        ("hoidong.uyvien", "member"),
        ("hoidong.thuky", "secretary"),
    ] {
        let uid = s.db.user_by_username(u).await.unwrap().unwrap().id;
        let m = secretariat
            .post(
                &format!("/rounds/{rid}/members"),
                json!({"user_id": uid, "role": role}),
            )
            .await;
        assert_eq!(m.status, StatusCode::NO_CONTENT, "{}", m.body);
    }
    let detail = secretariat.get(&format!("/rounds/{rid}")).await;
    let criteria: Vec<i64> = detail.body["collective_criteria"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let own: Vec<Value> = criteria
        .iter()
        .map(|c| json!({"criterion_id": c, "points": 9}))
        .collect();
    let p = officer
        .post(
            &format!("/rounds/{rid}/proposals"),
            json!({"entry_id": id, "self_assessment": own}),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    secretariat
        .post(&format!("/rounds/{rid}/assignments"), json!({"how": "all"}))
        .await;
    secretariat
        .post(&format!("/rounds/{rid}/start"), json!({}))
        .await;

    // Step 2: one member scores; nobody outside the council sees it.
    let lines: Vec<Value> = criteria
        .iter()
        .map(|c| json!({"criterion_id": c, "points": 8.5, "comment": "Khá"}))
        .collect();
    let saved = member
        .put(
            &format!("/rounds/{rid}/sheets/{id}"),
            json!({"lines": lines}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let h = officer.get(&format!("/entries/{id}/history")).await;
    assert_eq!(h.status, StatusCode::OK);
    no_sheet_in("the entry history (API)", &h.body.to_string());
    assert!(h.body.to_string().contains("Hội đồng đã chấm: 1/3 phiếu"));
    let web = Client::login(&s.base, "canbo.tohieu").await;
    let page = web.get_text(&format!("/entries/{id}")).await;
    no_sheet_in("the entry page", &page);
    assert!(page.contains("Hội đồng đã chấm: 1/3 phiếu"));
    // The registering unit sees the round read-only: its entry, no figures.
    let seen = officer.get(&format!("/rounds/{rid}")).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    no_sheet_in("the round (registering unit)", &seen.body.to_string());
    let line = &seen.body["results"][0];
    assert_eq!(line["entry_id"], id);
    assert!(line["mean_pct"].is_null() && line["assigned"].as_array().unwrap().is_empty());
    assert_eq!(line["decided"], false);
    let round_page = web.get_text(&format!("/rounds/{rid}")).await;
    no_sheet_in("the round page (registering unit)", &round_page);
    assert!(!round_page.contains("Kết luận của Hội đồng"));
    // A member sees who has scored, no aggregate before the conclusion.
    let as_member = chair.get(&format!("/rounds/{rid}")).await;
    assert!(
        as_member.body["results"][0]["mean_pct"].is_number(),
        "the chair sees all"
    );
    let own_view = secretary.get(&format!("/rounds/{rid}")).await;
    assert!(
        own_view.body["results"][0]["mean_pct"].is_number(),
        "so does the secretary"
    );
    let m_view = member.get(&format!("/rounds/{rid}")).await;
    assert!(
        m_view.body["results"][0]["mean_pct"].is_null(),
        "{}",
        m_view.body
    );
    assert_eq!(m_view.body["results"][0]["count"], 1);
    // An outsider does not see the round at all.
    let outsider = api_as(&s, "canbo.chiengan").await;
    assert_eq!(
        outsider.get(&format!("/rounds/{rid}")).await.status,
        StatusCode::NOT_FOUND
    );

    // Step 3: the conclusion needs the quorum or the chair's written reason.
    let minutes = json!({"date": today_iso(0), "place": "Hội trường", "present": "3/3"});
    let early = chair
        .post(&format!("/rounds/{rid}/conclude"), minutes.clone())
        .await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST, "{}", early.body);
    let msg = early.body.to_string();
    assert!(
        msg.contains("Chưa đủ phiếu") && msg.contains("Bạc Cầm Ngọc"),
        "{msg}"
    );
    let by_organiser = secretariat
        .post(&format!("/rounds/{rid}/conclude"), minutes.clone())
        .await;
    assert_eq!(
        by_organiser.status,
        StatusCode::FORBIDDEN,
        "only the chair concludes"
    );
    let mut with_reason = minutes.clone();
    with_reason["override_reason"] = json!("Hai thành viên vắng vì công tác đột xuất.");
    let ok = chair
        .post(&format!("/rounds/{rid}/conclude"), with_reason)
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    let after = secretariat.get(&format!("/rounds/{rid}")).await;
    assert!(after.body["round"]["quorum_override"]
        .as_str()
        .unwrap()
        .contains("công tác"));
    assert!(after.body["round"]["minutes_missing"]
        .as_str()
        .unwrap()
        .contains("Bạc Cầm Ngọc"));
    // Once concluded the unit sees the aggregate and the outcome — still no member.
    let seen = officer.get(&format!("/rounds/{rid}")).await;
    assert!(
        seen.body["results"][0]["mean_pct"].is_number(),
        "{}",
        seen.body
    );
    assert_eq!(seen.body["results"][0]["decided"], true);
    no_sheet_in(
        "the concluded round (registering unit)",
        &seen.body.to_string(),
    );

    // Step 4: the notice cannot be backdated or cut short.
    for (starts, ends, why) in [
        (
            "2026-01-01".to_owned(),
            "2026-01-20".to_owned(),
            "backdated",
        ),
        (today_iso(-1), today_iso(14), "starts yesterday"),
        (today_iso(0), today_iso(2), "too short"),
    ] {
        let n = secretariat
            .post(
                &format!("/rounds/{rid}/notice"),
                json!({"starts": starts, "ends": ends}),
            )
            .await;
        assert_eq!(n.status, StatusCode::BAD_REQUEST, "{why}: {}", n.body);
    }
    let n = secretariat
        .post(
            &format!("/rounds/{rid}/notice"),
            json!({"starts": today_iso(0), "ends": today_iso(7)}),
        )
        .await;
    assert_eq!(n.status, StatusCode::NO_CONTENT, "{}", n.body);

    // Step 5: the decision waits for the period counted from publication,
    // even if the dates on the notice are moved.
    let (to_hieu, _, chieng_an, _) = commune_units(&s.db).await;
    let party_here = unit_by_name(&s.db, &format!("Đảng ủy {}", in_sentence(&to_hieu.name))).await;
    let party_there =
        unit_by_name(&s.db, &format!("Đảng ủy {}", in_sentence(&chieng_an.name))).await;
    let decision_by = |issuer: i64| {
        json!({"number": "88/QĐ-UBND", "signed_on": today_iso(0), "signer": "Trần Quốc Khánh",
            "signer_title": "BÍ THƯ", "issuer_unit_id": issuer, "entry_ids": [id]})
    };
    let decision = decision_by(party_here.id);
    let too_soon = leader
        .post(&format!("/rounds/{rid}/decisions"), decision.clone())
        .await;
    assert_eq!(too_soon.status, StatusCode::CONFLICT, "{}", too_soon.body);
    sqlx::query(
        "UPDATE rounds SET notice_starts = '2026-01-01', notice_ends = '2026-01-08' WHERE id = $1",
    )
    .bind(rid)
    .execute(&s.db.pool)
    .await
    .unwrap();
    let still = leader
        .post(&format!("/rounds/{rid}/decisions"), decision.clone())
        .await;
    assert_eq!(
        still.status,
        StatusCode::CONFLICT,
        "published today: the period has not run"
    );
    sqlx::query("UPDATE rounds SET notice_published_at = 1767225600 WHERE id = $1")
        .bind(rid)
        .execute(&s.db.pool)
        .await
        .unwrap();
    // Step 6: the issuer is a unit of the tree, at the round's level, over
    // the entry's unit, where the signer holds the signing role.
    let offered = leader.get(&format!("/rounds/{rid}/issuers")).await;
    assert_eq!(offered.status, StatusCode::OK, "{}", offered.body);
    let bodies: Vec<&str> = offered
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["body"].as_str().unwrap())
        .collect();
    assert!(
        bodies.contains(&"Ủy ban nhân dân phường Tô Hiệu"),
        "{bodies:?}"
    );
    assert!(bodies.contains(&party_here.name.as_str()), "{bodies:?}");
    assert!(
        !bodies
            .iter()
            .any(|b| b.contains("Chiềng An") || b.contains("tỉnh Sơn La")),
        "{bodies:?}"
    );
    let before = snapshot(&s.db).await;
    for (issuer, why, expect) in [
        (
            s.province.id,
            "the province's committee is not of the commune level",
            "cấp của đợt xét",
        ),
        (
            party_there.id,
            "another commune's Party committee",
            "không quản lý đơn vị",
        ),
    ] {
        let refused = leader
            .post(&format!("/rounds/{rid}/decisions"), decision_by(issuer))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{why}: {}",
            refused.body
        );
        assert!(
            refused.body.to_string().contains(expect),
            "{why}: {}",
            refused.body
        );
    }
    let bad = leader
        .post(&format!("/rounds/{rid}/decisions"), decision_by(999_999))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert_eq!(snapshot(&s.db).await, before, "refusals change nothing");
    let signed = leader
        .post(&format!("/rounds/{rid}/decisions"), decision)
        .await;
    assert_eq!(signed.status, StatusCode::CREATED, "{}", signed.body);
    let round = secretariat.get(&format!("/rounds/{rid}")).await;
    let d = &round.body["decisions"][0];
    assert_eq!(d["issuing_body"], party_here.name.as_str());
    assert_eq!(d["issuer_type"], "dang");
    // Printed under the Party's letterhead, dated at the commune.
    let web_leader = Client::login(&s.base, "lanhdao").await;
    let cert = web_leader
        .get_text(&format!("/entries/{id}/certificate"))
        .await;
    assert!(cert.contains("ĐẢNG CỘNG SẢN VIỆT NAM"), "{cert}");
    assert!(
        !cert.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        "{cert}"
    );
    assert!(cert.contains("ĐẢNG BỘ TỈNH SƠN LA"), "{cert}");
    assert!(
        cert.contains(&format!("Tô Hiệu, ngày {}", &today_iso(0)[8..10])),
        "{cert}"
    );

    // Step 7: the registering unit hears of the outcome.
    let notes = officer.get("/notifications").await;
    assert!(
        notes.body.to_string().contains("đã được công nhận"),
        "{}",
        notes.body
    );
}
