//! Appraisal rounds: a whole round by scores and by ballot, the round
//! pages' query counts, and versioned criteria sets.

use dvk_store::Db;
use reqwest::StatusCode;
use sqlx::Row;
use std::collections::HashMap;

use crate::support::*;

async fn whole_round(kind: Kind, mode: &str) {
    let s = start(kind, 0).await;
    let (a, b) = accepted_entries(&s, 3).await;
    let secretariat = Client::login(&s.base, "bandanvan").await;
    let rid = open_round(&secretariat, &s, mode).await;
    for (u, role) in [
        ("hoidong.chutich", "chair"),
        ("hoidong.uyvien", "member"),
        ("hoidong.thuky", "secretary"),
        ("canbo.tohieu", "member"),
    ] {
        let res = secretariat
            .post(
                &format!("/rounds/{rid}/members"),
                &[("user_id", &user_id(&s.db, u).await), ("role", role)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "add {u}");
    }
    // Proposals with a self-assessment; a missing criterion is refused.
    let data = s.db.round_data(rid).await.unwrap().unwrap();
    let crit: Vec<i64> = data.collective.criteria.iter().map(|c| c.id).collect();
    assert_eq!(crit.len(), 8);
    let full: Vec<(String, String)> = crit
        .iter()
        .map(|c| (format!("c{c}"), "8".to_owned()))
        .collect();
    let with = |round: i64, pairs: &[(String, String)]| {
        let mut v = vec![("round_id".to_owned(), round.to_string())];
        v.extend_from_slice(pairs);
        v
    };
    let officer_a = Client::login(&s.base, "canbo.tohieu").await;
    let officer_b = Client::login(&s.base, "canbo.chiengan").await;
    let page = officer_a.get_text(&format!("/entries/{}", a[0])).await;
    assert!(
        page.contains("Đề nghị công nhận: Xét công nhận"),
        "the entry page offers the open round"
    );
    let partial = with(rid, &full[..7]);
    let res = officer_a
        .post(&format!("/entries/{}/propose", a[0]), &pairs(&partial))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    for (c, ids) in [(&officer_a, &a), (&officer_b, &b)] {
        for id in ids.iter() {
            let res = c
                .post(&format!("/entries/{id}/propose"), &pairs(&with(rid, &full)))
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "propose {id}");
        }
    }
    // The quota (2 per unit) warns on the third proposal of a unit but never blocks.
    assert!(location(
        &officer_a
            .post(
                &format!("/entries/{}/propose", a[2]),
                &pairs(&with(rid, &full))
            )
            .await
    )
    .is_empty());
    assert_eq!(entry_state(&s.db, a[2]).await.0, "proposed");

    // Assignment: everyone, conflicts skipped; by hand a conflict is refused.
    let res = secretariat
        .post(&format!("/rounds/{rid}/assign"), &[("how", "all")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let data = s.db.round_data(rid).await.unwrap().unwrap();
    // The officer who registered commune A's entries sits on the council too.
    let front = user_id(&s.db, "canbo.tohieu").await.parse::<i64>().unwrap();
    assert!(
        !data.assignments[&a[0]].contains(&front),
        "a member is never assigned the entries they registered"
    );
    assert!(data.assignments[&b[0]].contains(&front));
    let before = snapshot(&s.db).await;
    let res = secretariat
        .post(
            &format!("/rounds/{rid}/assign"),
            &[
                ("how", "hand"),
                ("entry", &a[0].to_string()),
                ("member", &front.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("xung đột lợi ích"));
    assert_eq!(snapshot(&s.db).await, before);

    assert_eq!(
        count_msgs(&s.db, "hoidong.chutich", "được phân công chấm", true).await,
        1,
        "members hear of their assignments once"
    );
    let res = secretariat.post(&format!("/rounds/{rid}/start"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry_state(&s.db, a[0]).await.0, "in_appraisal");

    let chair = Client::login(&s.base, "hoidong.chutich").await;
    let member = Client::login(&s.base, "hoidong.uyvien").await;
    let secretary = Client::login(&s.base, "hoidong.thuky").await;
    let front_c = Client::login(&s.base, "canbo.tohieu").await;
    let sheet = |v: &[f64]| -> Vec<(String, String)> {
        crit.iter()
            .zip(v)
            .map(|(c, p)| (format!("c{c}"), p.to_string().replace('.', ",")))
            .collect()
    };
    let all = |p: f64| sheet(&[p; 8]);
    // The member who registered A's entry cannot score it, even by a hand-made request.
    let res = front_c
        .post(&format!("/rounds/{rid}/score/{}", a[0]), &pairs(&all(10.0)))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    if mode == "score" {
        // a0: 80, 80, 60 → mean 73.3 passes. a1: 100, 30, 70 → mean 66.7 fails, spread 70 flagged.
        // a2: 90 ×3. b0: 70 ×4 passes exactly. b1: secretary has not scored.
        let plan: Vec<(&Client, i64, Sheet)> = vec![
            (&chair, a[0], all(8.0)),
            (&member, a[0], all(8.0)),
            (&secretary, a[0], all(6.0)),
            (&chair, a[1], all(10.0)),
            (&member, a[1], all(3.0)),
            (&secretary, a[1], all(7.0)),
            (&chair, a[2], all(9.0)),
            (&member, a[2], all(9.0)),
            (&secretary, a[2], all(9.0)),
            (&chair, b[0], all(7.0)),
            (&member, b[0], all(7.0)),
            (&secretary, b[0], all(7.0)),
            (&front_c, b[0], all(7.0)),
            (&chair, b[1], all(9.0)),
            (&member, b[1], all(9.0)),
            (&front_c, b[1], all(9.0)),
            (&chair, b[2], all(2.0)),
            (&member, b[2], all(2.0)),
            (&secretary, b[2], all(2.0)),
            (&front_c, b[2], all(2.0)),
        ];
        for (c, e, pts) in &plan {
            let res = c
                .post(&format!("/rounds/{rid}/score/{e}"), &pairs(pts))
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "score {e}");
        }
        // A revision before the conclusion is allowed; bad points are refused next to the criterion.
        let res = member
            .post(&format!("/rounds/{rid}/score/{}", a[0]), &pairs(&all(8.0)))
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let mut bad = all(8.0);
        bad[3].1 = "11".into();
        let res = member
            .post(&format!("/rounds/{rid}/score/{}", a[0]), &pairs(&bad))
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(res.text().await.unwrap().contains("Điểm phải từ 0 đến 10"));
        let page = member
            .get_text(&format!("/rounds/{rid}/score/{}", a[0]))
            .await;
        assert!(page.contains("80%"), "running total shown");
        let results = secretariat.get_text(&format!("/rounds/{rid}")).await;
        for needle in [
            "73,3%",
            "66,7%",
            "chênh lệch",
            "Mùa Thị Dua",
            "Điểm bình quân 66,7% thấp hơn mức 70%",
        ] {
            assert!(results.contains(needle), "results table lacks {needle}");
        }
        round_sheets_keep_scores_with_the_council(
            &s,
            rid,
            &secretariat,
            &member,
            &officer_b,
            a[0],
            &b,
        )
        .await;
    } else {
        let vote = |v: &str| {
            vec![
                ("approve".to_owned(), v.to_owned()),
                ("comment".to_owned(), String::new()),
            ]
        };
        let plan: Vec<(&Client, i64, &str)> = vec![
            (&chair, a[0], "1"),
            (&member, a[0], "1"),
            (&secretary, a[0], "0"),
            (&chair, a[1], "1"),
            (&member, a[1], "0"),
            (&secretary, a[1], "0"),
            (&chair, a[2], "1"),
            (&member, a[2], "1"),
            (&secretary, a[2], "1"),
            (&chair, b[0], "1"),
            (&member, b[0], "1"),
            (&secretary, b[0], "1"),
            (&front_c, b[0], "0"),
            (&chair, b[1], "1"),
            (&member, b[1], "1"),
            (&secretary, b[1], "1"),
            (&chair, b[2], "1"),
            (&member, b[2], "1"),
            (&secretary, b[2], "0"),
            (&front_c, b[2], "0"),
        ];
        for (c, e, v) in &plan {
            let res = c
                .post(&format!("/rounds/{rid}/score/{e}"), &pairs(&vote(v)))
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "ballot {e}");
        }
        let res = member
            .post(&format!("/rounds/{rid}/score/{}", a[0]), &pairs(&vote("x")))
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let results = secretariat.get_text(&format!("/rounds/{rid}")).await;
        // b2: 2 of 4 approve = 50 %, not more than half.
        assert!(
            results.contains("2/4 thành viên tán thành (50%), chưa quá 50%."),
            "tie fails in ballot mode"
        );
    }

    // Conclusion locks the sheets.
    let res = chair
        .post(
            &format!("/rounds/{rid}/conclude"),
            &[
                ("date", "20/11/2026"),
                ("place", "Hội trường Tỉnh ủy"),
                ("present", "5/5 thành viên"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        count_msgs(&s.db, "hoidong.chutich", "được phân công chấm", true).await,
        0,
        "settled by the conclusion"
    );
    let res = member
        .post(
            &format!("/rounds/{rid}/score/{}", a[0]),
            &pairs(&if mode == "score" {
                all(10.0)
            } else {
                vec![("approve".into(), "1".into())]
            }),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "scores are locked after the conclusion"
    );

    // Public notice: passing entries are published, the rest not recognised with reasons.
    let ends = ap_date(7);
    let res = secretariat
        .post(
            &format!("/rounds/{rid}/notice"),
            &[("starts", &ap_date(0)), ("ends", &ends)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry_state(&s.db, a[0]).await.0, "in_public_notice");
    assert_eq!(entry_state(&s.db, a[1]).await.0, "not_recognised");
    assert_eq!(entry_state(&s.db, b[2]).await.0, "not_recognised");
    let reason_page = officer_a.get_text(&format!("/entries/{}", a[1])).await;
    assert!(reason_page.contains("Lý do:"));

    // Citizens comment without an account; throttled; a bot filling the hidden field is refused.
    let citizen = Client::anonymous(&s.base).await;
    let public = citizen.get_text(&format!("/cong-khai/{rid}")).await;
    assert!(public.contains("Gửi ý kiến"));
    let citizen = Client {
        csrf: extract_csrf(&public).unwrap(),
        ..citizen
    };
    let a0 = a[0].to_string();
    let started = comment_started(&public);
    let res = citizen
        .post(
            &format!("/cong-khai/{rid}/comments"),
            &[
                ("entry_id", &a0),
                ("body", "Mô hình rất thiết thực, bà con đồng tình."),
                ("website", "http://spam"),
                ("started", &started),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    for i in 0..3 {
        // Each comment from a freshly opened form (a form sends one comment).
        let page = citizen.get_text(&format!("/cong-khai/{rid}")).await;
        let started = comment_started(&page);
        let body = format!("Ý kiến thứ {i}: đề nghị làm rõ kinh phí.");
        let res = citizen
            .post(
                &format!("/cong-khai/{rid}/comments"),
                &[
                    ("entry_id", &a0),
                    ("name", "Lò Văn Dân"),
                    ("body", &body),
                    ("started", &started),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "comment {i}");
    }
    let page = citizen.get_text(&format!("/cong-khai/{rid}")).await;
    let started = comment_started(&page);
    let res = citizen
        .post(
            &format!("/cong-khai/{rid}/comments"),
            &[
                ("entry_id", &a0),
                ("body", "Ý kiến thứ tư gửi quá nhanh."),
                ("started", &started),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "comment flood throttled"
    );
    // Moderation: hide one (kept, not deleted), answer another.
    let ids: Vec<i64> =
        s.db.comments(rid, true)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(
        secretariat
            .post(&format!("/comments/{}/moderate", ids[0]), &[("hide", "1")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        secretariat
            .post(
                &format!("/comments/{}/moderate", ids[1]),
                &[("answer", "Kinh phí do nhân dân tự nguyện đóng góp.")]
            )
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        citizen
            .post(&format!("/comments/{}/moderate", ids[2]), &[("hide", "1")])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let public = citizen.get_text(&format!("/cong-khai/{rid}")).await;
    assert!(
        !public.contains("Ý kiến thứ 0"),
        "hidden comment not public"
    );
    assert!(
        public.contains("Ý kiến thứ 1")
            && public.contains("Kinh phí do nhân dân tự nguyện đóng góp.")
    );
    assert_eq!(
        s.db.comments(rid, true).await.unwrap().len(),
        3,
        "hidden, not deleted"
    );
    // The secretariat was told of each comment; hiding and answering settle two of them.
    assert_eq!(
        count_msgs(&s.db, "bandanvan", "Có ý kiến mới", false).await,
        3
    );
    assert_eq!(
        count_msgs(&s.db, "bandanvan", "Có ý kiến mới", true).await,
        1
    );

    // Recognition before the notice ends is refused.
    let leader = Client::login(&s.base, "lanhdao").await;
    // Commune-level recognition: each commune's People's Committee signs
    // for its own entries, picked from the units the leader may sign for.
    let (to_hieu, _, chieng_an, _) = commune_units(&s.db).await;
    let decision = |issuer: i64, extra: &[(&'static str, String)]| {
        let mut v: Vec<(&'static str, String)> = vec![
            ("number", "15/QĐ-UBND".into()),
            ("signed_on", ap_date(0)),
            ("signer", "Trần Quốc Khánh".into()),
            ("signer_title", "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH".into()),
            ("issuer_unit_id", issuer.to_string()),
        ];
        v.extend_from_slice(extra);
        v
    };
    let picks: Vec<(&'static str, String)> =
        vec![("entry", a[0].to_string()), ("entry", a[2].to_string())];
    let issuer = to_hieu.id;
    let res = leader
        .post(
            &format!("/rounds/{rid}/decision"),
            &as_refs(&decision(issuer, &picks)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Chưa hết thời gian thông báo công khai"));
    // Time passes: the notice period is over.
    sqlx::query(
        "UPDATE rounds SET notice_starts = '2026-01-01', notice_ends = '2026-01-08', notice_published_at = 1767225600 WHERE id = $1",
    )
    .bind(rid)
    .execute(&s.db.pool)
    .await
    .unwrap();
    assert_eq!(
        secretariat
            .post(
                &format!("/rounds/{rid}/decision"),
                &as_refs(&decision(issuer, &picks))
            )
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "only a signing leader decides"
    );
    let res = leader
        .post(
            &format!("/rounds/{rid}/decision"),
            &as_refs(&decision(issuer, &picks)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry_state(&s.db, a[0]).await.0, "recognised");
    assert_eq!(
        entry_state(&s.db, a[1]).await.0,
        "not_recognised",
        "left out of the decision"
    );
    assert_eq!(
        entry_state(&s.db, b[0]).await.0,
        "in_public_notice",
        "another commune's entries wait for their own decision"
    );
    let page = leader.get_text(&format!("/rounds/{rid}")).await;
    assert!(
        page.contains("Ủy ban nhân dân phường Chiềng An (Ủy ban nhân dân)"),
        "the picker offers the other commune"
    );
    let res = leader
        .post(
            &format!("/rounds/{rid}/decision"),
            &as_refs(&decision(chieng_an.id, &[("entry", b[0].to_string())])),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry_state(&s.db, b[0]).await.0, "recognised");
    assert_eq!(entry_state(&s.db, b[1]).await.0, "not_recognised");
    let cert = officer_a
        .get_text(&format!("/entries/{}/certificate", a[0]))
        .await;
    assert!(cert.contains("GIẤY CHỨNG NHẬN") && cert.contains("15/QĐ-UBND"));
    // The issued certificate's content hash is in the audit trail (once,
    // however often it is opened) and its start is printed on it.
    let code = cert
        .split("Mã kiểm tra: ")
        .nth(1)
        .map(|r| r.chars().take(16).collect::<String>())
        .expect("the certificate shows its check code");
    officer_a
        .get_text(&format!("/entries/{}/certificate", a[0]))
        .await;
    let issued: Vec<String> = sqlx::query_scalar(
        "SELECT changes FROM audit_log WHERE action = 'document.issue' AND record_type = 'entry' AND record_id = $1",
    )
    .bind(a[0])
    .fetch_all(&s.db.pool)
    .await
    .unwrap();
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert!(issued[0].contains(&code.to_lowercase()), "{issued:?}");
    // The decision's content hash went into the trail as it was issued.
    let decisions: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'document.issue' AND record_type = 'round' \
         AND changes LIKE '%decision.recognition%' AND changes LIKE '%15/QĐ-UBND%'",
    )
    .fetch_one(&s.db.pool)
    .await
    .unwrap();
    assert!(decisions >= 1, "{decisions}");
    // Public pages: recognised models with a view counter; others are not public.
    let list = citizen.get_text("/mo-hinh?level=xa&year=2026").await;
    assert!(list.contains(&format!("/mo-hinh/{}", a[0])));
    assert!(!list.contains(&format!("/mo-hinh/{}\"", a[1])));
    citizen.get_text(&format!("/mo-hinh/{}", a[0])).await;
    let detail = citizen.get_text(&format!("/mo-hinh/{}", a[0])).await;
    // One visitor, one day: one view however often they reload.
    assert!(detail.contains("1 lượt xem"));
    assert_eq!(
        citizen.get(&format!("/mo-hinh/{}", a[1])).await.status(),
        StatusCode::NOT_FOUND
    );
    // Recognised at commune level, the model goes on to the province's round.
    let res = secretariat
        .post(
            "/rounds",
            &[
                ("unit_id", &s.province.id.to_string()),
                ("title", "Xét công nhận cấp tỉnh năm 2026"),
                ("level", "tinh"),
                ("phase", "2026-2030"),
                ("year", "2026"),
                ("kind", "annual"),
                ("mode", mode),
            ],
        )
        .await;
    let r_tinh: i64 = location(&res)
        .trim_start_matches("/rounds/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let page = secretariat.get_text(&format!("/entries/{}", a[0])).await;
    assert!(
        page.contains("Đề nghị công nhận: Xét công nhận cấp tỉnh"),
        "the province round is offered for a recognised entry"
    );
    let crit_tinh: Vec<(String, String)> =
        s.db.round_data(r_tinh)
            .await
            .unwrap()
            .unwrap()
            .collective
            .criteria
            .iter()
            .map(|c| (format!("c{}", c.id), "9".to_owned()))
            .collect();
    let res = secretariat
        .post(
            &format!("/entries/{}/propose", a[0]),
            &pairs(&with(r_tinh, &crit_tinh)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let detail = s.db.entry(a[0]).await.unwrap().unwrap();
    assert_eq!(
        (
            detail.state.code(),
            detail.registration.target_level.as_str()
        ),
        ("proposed", "tinh")
    );
    assert_eq!(detail.confirming_unit_id, s.province.id);
    assert!(
        s.db.decision_of_entry(a[0]).await.unwrap().is_some(),
        "the commune recognition stays on record"
    );
    assert!(s.db.verify_audit().await.unwrap().fault.is_none());
}

/// A score sheet as form fields.
type Sheet = Vec<(String, String)>;

fn ap_date(days_from_today: i64) -> String {
    let day =
        dvk_domain::calendar::vn_day(dvk_store::db::now()) + time::Duration::days(days_from_today);
    dvk_domain::calendar::show(day)
}

pub(crate) async fn whole_round_by_scores(kind: Kind) {
    whole_round(kind, "score").await
}

pub(crate) async fn whole_round_by_ballot(kind: Kind) {
    whole_round(kind, "ballot").await
}

pub(crate) async fn round_pages_query_counts_do_not_grow(kind: Kind) {
    let mut counts = Vec::new();
    for n in [5, 250] {
        let s = start(kind, 0).await;
        let (a, b) = accepted_entries(&s, n).await;
        let secretariat = Client::login(&s.base, "bandanvan").await;
        let rid = open_round(&secretariat, &s, "score").await;
        let chair_id = user_id(&s.db, "hoidong.chutich").await;
        secretariat
            .post(
                &format!("/rounds/{rid}/members"),
                &[("user_id", &chair_id), ("role", "chair")],
            )
            .await;
        let data = s.db.round_data(rid).await.unwrap().unwrap();
        let points: HashMap<i64, String> = data
            .collective
            .criteria
            .iter()
            .map(|c| (c.id, "7".to_owned()))
            .collect();
        for (officer, ids) in [("canbo.tohieu", &a), ("canbo.chiengan", &b)] {
            let actor = actor_of(&s.db, officer).await;
            for id in ids.iter() {
                dvk_store::appraisal::propose(&s.db, &actor, rid, *id, &points)
                    .await
                    .unwrap();
            }
        }
        secretariat
            .post(&format!("/rounds/{rid}/assign"), &[("how", "all")])
            .await;
        secretariat.post(&format!("/rounds/{rid}/start"), &[]).await;
        let chair = Client::login(&s.base, "hoidong.chutich").await;
        let round_q = queries(&secretariat.get(&format!("/rounds/{rid}")).await);
        let chair_q = queries(&chair.get(&format!("/rounds/{rid}")).await);
        let score_q = queries(&chair.get(&format!("/rounds/{rid}/score/{}", a[0])).await);
        counts.push((round_q, chair_q, score_q));
    }
    assert_eq!(
        counts[0], counts[1],
        "round page and scoring page issue the same number of queries at 10 and 500 entries"
    );
}

pub(crate) async fn criteria_sets_are_versioned(kind: Kind) {
    let s = start(kind, 0).await;
    let secretariat = Client::login(&s.base, "bandanvan").await;
    let r1 = open_round(&secretariat, &s, "score").await;
    let old = s.db.round_data(r1).await.unwrap().unwrap().collective;
    assert_eq!((old.version, old.criteria.len()), (1, 8));
    let page = secretariat.get_text("/criteria").await;
    assert!(page.contains("phiên bản 1") && page.contains("Lan tỏa rộng"));
    let form = |pass: &str| -> Vec<(&'static str, String)> {
        vec![
            ("pass", pass.to_owned()),
            ("min", "50".into()),
            ("name", "Có tên gọi, địa chỉ cụ thể".into()),
            ("weight", "2".into()),
            ("max", "10".into()),
            ("name", "Lan tỏa rộng, mang lại kết quả thiết thực".into()),
            ("weight", "1".into()),
            ("max", "10".into()),
            ("name", "Nhân dân đồng tình, tham gia".into()),
            ("weight", "1,5".into()),
            ("max", "20".into()),
            ("name", "".into()),
            ("weight", "1".into()),
            ("max", "10".into()),
        ]
    };
    let before = snapshot(&s.db).await;
    let res = secretariat
        .post(
            &format!("/criteria/{}", old.id),
            &as_refs(&form("bảy mươi")),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let refused = res.text().await.unwrap();
    assert!(refused.contains("Ngưỡng điểm bình quân"));
    // The refused set comes back unfolded, as typed: its threshold, its
    // three criteria (the emptied fourth row kept empty), not the stored eight.
    let set = &refused[refused
        .find(&format!("action=\"/criteria/{}\"", old.id))
        .unwrap()..];
    let set = &set[..set.find("</form>").unwrap()];
    assert!(set.contains("value=\"bảy mươi\""), "{set}");
    assert!(set.contains(">Nhân dân đồng tình, tham gia</textarea>"));
    assert!(set.contains("value=\"1,5\"") && set.contains("value=\"20\""));
    assert_eq!(set.matches("name=\"name\"").count(), 4);
    let before_form = &refused[..refused
        .find(&format!("action=\"/criteria/{}\"", old.id))
        .unwrap()];
    assert!(
        before_form.rfind("<details open>") > before_form.rfind("<details>"),
        "the refused set is unfolded"
    );
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    assert_eq!(
        officer
            .post(&format!("/criteria/{}", old.id), &as_refs(&form("75")))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(snapshot(&s.db).await, before);
    let res = secretariat
        .post(&format!("/criteria/{}", old.id), &as_refs(&form("75")))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The open round keeps the criteria it was opened with; a new round gets version 2.
    let kept = s.db.round_data(r1).await.unwrap().unwrap().collective;
    assert_eq!((kept.id, kept.criteria.len()), (old.id, 8));
    let r2 = open_round(&secretariat, &s, "score").await;
    let new = s.db.round_data(r2).await.unwrap().unwrap().collective;
    assert_eq!((new.version, new.criteria.len()), (2, 3));
    assert_eq!(new.thresholds.pass_mean_pct, 75.0);
    assert_eq!(
        (new.criteria[2].weight, new.criteria[2].max_points),
        (1.5, 20.0)
    );
}

async fn count_msgs(db: &Db, username: &str, like: &str, open_only: bool) -> i64 {
    let uid = db.user_by_username(username).await.unwrap().unwrap().id;
    let open = if open_only {
        " AND resolved_at IS NULL"
    } else {
        ""
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND message LIKE $2{open}"
    )))
    .bind(uid)
    .bind(format!("%{like}%"))
    .fetch_one(&db.pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap()
}

/// A sơ kết round at province level takes the communes' best of the phase:
/// recognised, outstanding or rewarded there; an annual round of another
/// year does not.
pub(crate) async fn phase_rounds_take_the_communes_best(kind: Kind) {
    use dvk_store::appraisal as ap;
    let s = start(kind, 0).await;
    // Two of Tô Hiệu's, then two of Chiềng An's.
    let ids = recognised_entries(&s, 2).await;
    let (best, plain) = (ids[0], ids[1]);
    let organiser = actor_of(&s.db, "bandanvan").await;
    dvk_store::rewards::mark_outstanding(&s.db, &organiser, best)
        .await
        .unwrap();
    let round = |kind: &str, year: &str, title: &str| ap::RoundForm {
        unit_id: s.province.id.to_string(),
        title: title.into(),
        level: "tinh".into(),
        year: year.into(),
        phase: "2026-2030".into(),
        kind: kind.into(),
        mode: "ballot".into(),
        ..Default::default()
    };
    let so_ket = ap::create_round(
        &s.db,
        &organiser,
        &round("so_ket", "2028", "Sơ kết giai đoạn 2026-2030"),
    )
    .await
    .unwrap();
    let annual = ap::create_round(
        &s.db,
        &organiser,
        &round("annual", "2027", "Xét công nhận cấp tỉnh năm 2027"),
    )
    .await
    .unwrap();
    // The commune's Front (the confirming unit) sees the sơ kết round on the entry.
    let front = Client::login(&s.base, "mttq.tohieu").await;
    let page = front.get_text(&format!("/entries/{best}")).await;
    assert!(page.contains("Sơ kết giai đoạn 2026-2030"), "{page}");
    assert!(!page.contains("Xét công nhận cấp tỉnh năm 2027"));
    let actor = actor_of(&s.db, "mttq.tohieu").await;
    let points: HashMap<i64, String> =
        s.db.round_core(so_ket)
            .await
            .unwrap()
            .unwrap()
            .collective
            .criteria
            .iter()
            .map(|c| (c.id, "9".to_owned()))
            .collect();
    let refused = ap::propose(&s.db, &actor, annual, best, &points).await;
    assert!(
        matches!(refused, Err(dvk_store::ServiceError::Invalid(_))),
        "{refused:?}"
    );
    ap::propose(&s.db, &actor, so_ket, best, &points)
        .await
        .unwrap();
    assert_eq!(entry_state(&s.db, best).await.0, "proposed");
    ap::propose(&s.db, &actor, so_ket, plain, &points)
        .await
        .unwrap();
    assert_eq!(entry_state(&s.db, plain).await.0, "proposed");
    let level: String = sqlx::query("SELECT target_level FROM entries WHERE id = $1")
        .bind(best)
        .fetch_one(&s.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(level, "tinh", "now judged at province level");
    // Its commune recognition stays on record while the province judges it.
    let page = front.get_text(&format!("/entries/{best}")).await;
    assert!(
        page.contains("Đã được công nhận cấp xã theo Quyết định số 99/QĐ-UBND"),
        "{page}"
    );
    assert_eq!(
        front
            .get(&format!("/entries/{best}/certificate"))
            .await
            .status(),
        StatusCode::OK
    );
}

/// Two leaders deciding a round's two communes at the same moment: each
/// decision is made once, and the round ends decided (none stuck on notice).
pub(crate) async fn concurrent_decisions_leave_no_round_stuck(kind: Kind) {
    use crate::api::{api_as, today_iso};
    let s = start(kind, 0).await;
    let (a, b) = accepted_entries(&s, 2).await;
    let secretariat = Client::login(&s.base, "bandanvan").await;
    let rid = open_round(&secretariat, &s, "ballot").await;
    let chair = actor_of(&s.db, "hoidong.chutich").await;
    let organiser = actor_of(&s.db, "bandanvan").await;
    use dvk_store::appraisal as ap;
    ap::add_member(
        &s.db,
        &organiser,
        rid,
        chair.user_id,
        dvk_domain::appraisal::CouncilRole::Chair,
    )
    .await
    .unwrap();
    let points: HashMap<i64, String> =
        s.db.round_core(rid)
            .await
            .unwrap()
            .unwrap()
            .collective
            .criteria
            .iter()
            .map(|c| (c.id, "9".to_owned()))
            .collect();
    for (officer, ids) in [("canbo.tohieu", &a), ("canbo.chiengan", &b)] {
        let actor = actor_of(&s.db, officer).await;
        for id in ids.iter() {
            ap::propose(&s.db, &actor, rid, *id, &points).await.unwrap();
        }
    }
    ap::assign(&s.db, &organiser, rid, ap::Assignment::All)
        .await
        .unwrap();
    ap::start_appraisal(&s.db, &organiser, rid).await.unwrap();
    for id in a.iter().chain(b.iter()) {
        ap::save_ballot(&s.db, &chair, rid, *id, Some(true), "")
            .await
            .unwrap();
    }
    ap::conclude(
        &s.db,
        &chair,
        rid,
        &ap::MinutesForm {
            date: ap::show_date(&today_iso(0)),
            place: "Hội trường".into(),
            present: "1/1".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    ap::publish_notice(&s.db, &organiser, rid, &today_iso(0), &today_iso(14))
        .await
        .unwrap();
    sqlx::query("UPDATE rounds SET notice_starts = '2026-01-01', notice_ends = '2026-01-20', notice_published_at = 1767225600 WHERE id = $1")
        .bind(rid)
        .execute(&s.db.pool)
        .await
        .unwrap();
    let (to_hieu, _, chieng_an, _) = commune_units(&s.db).await;
    let leader = api_as(&s, "lanhdao").await;
    let decision = |issuer: i64, ids: &[i64], n: &str| {
        serde_json::json!({"number": n, "signed_on": today_iso(0), "signer": "Trần Quốc Khánh",
            "signer_title": "CHỦ TỊCH", "issuer_unit_id": issuer, "entry_ids": ids})
    };
    let path = format!("/rounds/{rid}/decisions");
    let (x, y) = tokio::join!(
        leader.post(&path, decision(to_hieu.id, &a, "1/QĐ-UBND")),
        leader.post(&path, decision(chieng_an.id, &b, "2/QĐ-UBND")),
    );
    // One may be asked to retry; the retry then settles the round.
    for (res, issuer, ids, n) in [
        (x, to_hieu.id, &a, "1/QĐ-UBND"),
        (y, chieng_an.id, &b, "2/QĐ-UBND"),
    ] {
        match res.status {
            StatusCode::CREATED => {}
            StatusCode::CONFLICT => {
                let again = leader.post(&path, decision(issuer, ids, n)).await;
                assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
            }
            other => panic!("{other}: {}", res.body),
        }
    }
    for id in a.iter().chain(b.iter()) {
        assert_eq!(entry_state(&s.db, *id).await.0, "recognised");
    }
    let state: String = sqlx::query("SELECT state FROM rounds WHERE id = $1")
        .bind(rid)
        .fetch_one(&s.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(state, "decided");
}

/// Council membership follows current grants, and the organiser can take a
/// member off before the conclusion: their ballots are not counted, they
/// cannot vote any more, and the minutes say so.
pub(crate) async fn council_follows_grants_and_removal(kind: Kind) {
    use dvk_domain::appraisal::CouncilRole;
    use dvk_store::appraisal as ap;
    let s = start(kind, 0).await;
    let (a, _) = accepted_entries(&s, 1).await;
    let organiser = actor_of(&s.db, "bandanvan").await;
    let rid = ap::create_round(
        &s.db,
        &organiser,
        &ap::RoundForm {
            unit_id: s.province.id.to_string(),
            title: "Đợt xét thay đổi Hội đồng".into(),
            level: "xa".into(),
            year: "2026".into(),
            phase: "2026-2030".into(),
            kind: "annual".into(),
            mode: "ballot".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for (u, role) in [
        ("hoidong.chutich", CouncilRole::Chair),
        ("hoidong.uyvien", CouncilRole::Member),
        ("hoidong.thuky", CouncilRole::Secretary),
    ] {
        let id = actor_of(&s.db, u).await.user_id;
        ap::add_member(&s.db, &organiser, rid, id, role)
            .await
            .unwrap();
    }
    // Someone with no role in the province's tree cannot be seated.
    let stranger =
        s.db.insert_user(None, "nguoi.ngoai", "Người Ngoài", "x")
            .await
            .unwrap();
    assert!(
        ap::add_member(&s.db, &organiser, rid, stranger, CouncilRole::Member)
            .await
            .is_err()
    );
    let data = s.db.round_core(rid).await.unwrap().unwrap();
    let points = data
        .collective
        .criteria
        .iter()
        .map(|c| (c.id, "9".to_owned()))
        .collect();
    ap::propose(
        &s.db,
        &actor_of(&s.db, "canbo.tohieu").await,
        rid,
        a[0],
        &points,
    )
    .await
    .unwrap();
    ap::assign(&s.db, &organiser, rid, ap::Assignment::All)
        .await
        .unwrap();
    ap::start_appraisal(&s.db, &organiser, rid).await.unwrap();
    let member = actor_of(&s.db, "hoidong.uyvien").await;
    ap::save_ballot(&s.db, &member, rid, a[0], Some(false), "")
        .await
        .unwrap();

    // Step 1: the organiser takes the member off, with the reason.
    let secretariat = Client::login(&s.base, "bandanvan").await;
    let res = secretariat
        .post(
            &format!("/rounds/{rid}/members/{}/remove", member.user_id),
            &[("reason", "")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "a reason is required"
    );
    let res = secretariat
        .post(
            &format!("/rounds/{rid}/members/{}/remove", member.user_id),
            &[("reason", "Có người thân là chủ nhiệm mô hình")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let data = s.db.round_data(rid).await.unwrap().unwrap();
    assert!(data.member(member.user_id).is_none());
    let row = &data.results()[0];
    assert!(
        !row.assigned.contains(&member.user_id),
        "the removed member's ballot is not counted"
    );
    assert!(ap::save_ballot(&s.db, &member, rid, a[0], Some(true), "")
        .await
        .is_err());
    let page = secretariat.get_text(&format!("/rounds/{rid}")).await;
    assert!(
        page.contains("Thành viên rời Hội đồng"),
        "the minutes say so"
    );
    assert!(page.contains("Có người thân là chủ nhiệm mô hình"));

    // Step 2: the secretary's council role is taken away: no longer a member.
    let secretary =
        s.db.user_by_username("hoidong.thuky")
            .await
            .unwrap()
            .unwrap();
    for g in s.db.grants_of(secretary.id).await.unwrap() {
        s.db.delete_grant(None, &g).await.unwrap();
    }
    let data = s.db.round_data(rid).await.unwrap().unwrap();
    assert!(data.member(secretary.id).is_none());
    assert!(data.results()[0]
        .assigned
        .iter()
        .all(|u| *u != secretary.id));

    // Step 3: after the conclusion the council is fixed, and the minutes
    // keep who left.
    let chair = actor_of(&s.db, "hoidong.chutich").await;
    ap::save_ballot(&s.db, &chair, rid, a[0], Some(true), "")
        .await
        .unwrap();
    ap::conclude(
        &s.db,
        &chair,
        rid,
        &ap::MinutesForm {
            date: ap::show_date(&crate::api::today_iso(0)),
            place: "Hội trường Tỉnh ủy".into(),
            present: "2/2".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let round = s.db.round_data(rid).await.unwrap().unwrap().round;
    assert!(
        round.minutes_former.contains("Vì Văn Thanh"),
        "{}",
        round.minutes_former
    );
    assert!(round.minutes_former.contains("không còn giữ vai trò"));
    assert!(
        ap::remove_member(&s.db, &organiser, rid, chair.user_id, "Sau kết luận")
            .await
            .is_err()
    );
}

/// The results as a spreadsheet: the organisers see every member's points,
/// a member only their own, a unit officer none and only their entries.
async fn round_sheets_keep_scores_with_the_council(
    s: &Server,
    rid: i64,
    secretariat: &Client,
    member: &Client,
    officer_b: &Client,
    a0: i64,
    b: &[i64],
) {
    use calamine::Data;
    let data = s.db.round_data(rid).await.unwrap().unwrap();
    let chair = data
        .members
        .iter()
        .find(|m| m.role.label() == "Chủ tịch Hội đồng")
        .map(|m| m.full_name.clone())
        .expect("a chair");
    let path = format!("/rounds/{rid}/export");
    let (status, ct, _, bytes) = crate::exports::download(secretariat, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("application/vnd.openxmlformats"));
    let full = crate::exports::read_xlsx(&bytes);
    for m in &data.members {
        if data.scores.keys().any(|(_, u)| *u == m.user_id) {
            assert!(
                full.header.contains(&m.full_name),
                "a column for {} in {:?}",
                m.full_name,
                full.header
            );
        }
    }
    let id_col = full.col("Mã hồ sơ");
    let row = full
        .rows
        .iter()
        .find(|r| r[id_col] == Data::Float(a0 as f64))
        .expect("a0's row");
    assert_eq!(
        row[full.col(&chair)],
        Data::Float(80.0),
        "the chair's 80% on a0"
    );
    assert_eq!(row[full.col("Điểm bình quân (%)")], Data::Float(73.3));
    // A member: their own column only.
    let (_, _, _, bytes) = crate::exports::download(member, &path).await;
    let mine = crate::exports::read_xlsx(&bytes);
    let others: Vec<&String> = data
        .members
        .iter()
        .map(|m| &m.full_name)
        .filter(|n| mine.header.contains(n))
        .collect();
    assert_eq!(
        others.len(),
        1,
        "only the member's own column: {:?}",
        mine.header
    );
    assert!(!mine.header.contains(&chair));
    // A unit officer outside the council: their entries, no member column,
    // no figure before the conclusion.
    let (status, _, _, bytes) = crate::exports::download(officer_b, &path).await;
    assert_eq!(status, StatusCode::OK);
    let theirs = crate::exports::read_xlsx(&bytes);
    assert!(data
        .members
        .iter()
        .all(|m| !theirs.header.contains(&m.full_name)));
    let ids: Vec<i64> = theirs
        .rows
        .iter()
        .map(|r| match r[theirs.col("Mã hồ sơ")] {
            Data::Float(f) => f as i64,
            _ => 0,
        })
        .collect();
    assert!(ids.iter().all(|id| b.contains(id)), "{ids:?}");
    let fig = theirs.col("Điểm bình quân (%)");
    assert!(theirs.rows.iter().all(|r| r[fig] == Data::Empty));
    // Comments are the organisers'; the officer is refused.
    assert_eq!(
        crate::exports::download(officer_b, &format!("/rounds/{rid}/comments/export"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Whoever may not see the round learns nothing, not even that it exists.
    let outsider = Client::login(&s.base, "canbo.soyte").await;
    for path in [path.clone(), format!("/rounds/{rid}/comments/export")] {
        assert_eq!(
            crate::exports::download(&outsider, &path).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // The API gives the member the same file.
    let token = crate::api::token_for(&s.db, "hoidong.uyvien").await;
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1{path}", s.base))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let api = crate::exports::read_xlsx(&res.bytes().await.unwrap());
    assert_eq!(api.header, mine.header);
}
