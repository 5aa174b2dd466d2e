//! Registering entries through the forms: the whole cycle, bad input,
//! search and Vietnamese sorting, query counts, concurrent transitions,
//! other units' records, and reads going to the replica.

use dvk_domain::entry::EntryForm;
use dvk_store::demo::load_demo;
use dvk_store::{service, Db};
use reqwest::StatusCode;
use sqlx::Row;

use crate::support::*;

pub(crate) async fn registration_cycle_through_the_forms(kind: Kind) {
    let s = start(kind, 5).await;
    let (_to_hieu, front_a, _, _) = commune_units(&s.db).await;
    let officer = Client::login(&s.base, "canbo.tohieu").await;

    // The new-entry form lists the officer's units.
    let form_page = officer.get_text("/entries/new").await;
    assert!(form_page.contains("Tên mô hình, điển hình"));
    assert!(form_page.contains(&front_a.name));

    // Save a draft.
    let fields = full_form(
        front_a.id,
        "Dân vận khéo trong hiến đất làm đường giao thông",
    );
    let res = officer.post("/entries", &as_refs(&fields)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = entry_id_from(&res);
    let page = officer
        .get_text(&format!("/entries/{id}?msg=created"))
        .await;
    assert!(page.contains("Đã lưu bản nháp"));
    assert!(page.contains("Bản nháp"));

    // Evidence, checked by content.
    let res = officer
        .upload(id, "Biên bản họp dân.pdf", pdf_bytes(), true)
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );
    let page = officer.get_text(&format!("/entries/{id}")).await;
    assert!(page.contains("Biên bản họp dân.pdf"));
    let att_id: i64 = {
        let i = page.find("/attachments/").unwrap() + "/attachments/".len();
        page[i..].split('"').next().unwrap().parse().unwrap()
    };
    let file = officer.get(&format!("/attachments/{att_id}")).await;
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert!(file.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert_eq!(file.bytes().await.unwrap().to_vec(), pdf_bytes());

    // Submit.
    let res = officer
        .post(
            &format!("/entries/{id}/transition"),
            &[("action", "submit"), ("reason", ""), ("version", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry_state(&s.db, id).await.0, "submitted");

    // The province officer sees it arrive and returns it with a reason.
    let province = Client::login(&s.base, "bandanvan").await;
    let waiting = province.get_text("/entries?state=submitted").await;
    assert!(waiting.contains("Dân vận khéo trong hiến đất làm đường giao thông"));
    let home = province.get_text("/").await;
    assert!(home.contains("Hồ sơ chờ tiếp nhận"));
    // A return without a reason is refused and changes nothing.
    let res = province
        .post(
            &format!("/entries/{id}/transition"),
            &[("action", "return"), ("reason", "  "), ("version", "2")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("Cần nêu lý do"));
    assert_eq!(entry_state(&s.db, id).await, ("submitted".into(), 2));
    let res = province
        .post(
            &format!("/entries/{id}/transition"),
            &[
                ("action", "return"),
                ("reason", "Bổ sung số liệu kinh phí"),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry_state(&s.db, id).await.0, "returned");

    // The officer sees the reason, completes the entry and submits again.
    let page = officer.get_text(&format!("/entries/{id}")).await;
    assert!(page.contains("Bổ sung số liệu kinh phí"));
    let edit = officer.get_text(&format!("/entries/{id}/edit")).await;
    assert!(edit.contains("name=\"version\" value=\"3\""));
    let mut fields = full_form(
        front_a.id,
        "Dân vận khéo trong hiến đất làm đường giao thông",
    );
    fields.push(("version", "3".into()));
    fields
        .iter_mut()
        .find(|(k, _)| *k == "resources")
        .unwrap()
        .1 = "320 triệu đồng, trong đó dân góp 120 triệu đồng.".into();
    let res = officer
        .post(&format!("/entries/{id}/edit"), &as_refs(&fields))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // A stale version (someone else saved meanwhile) is refused, keeping the typed text on the form.
    let res = officer
        .post(&format!("/entries/{id}/edit"), &as_refs(&fields))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(body.contains("vừa được người khác thay đổi"));
    assert!(body.contains("dân góp 120 triệu đồng"));
    let res = officer
        .post(
            &format!("/entries/{id}/transition"),
            &[("action", "submit"), ("reason", ""), ("version", "4")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Accepted by the province.
    let res = province
        .post(
            &format!("/entries/{id}/transition"),
            &[("action", "accept"), ("reason", ""), ("version", "5")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry_state(&s.db, id).await.0, "accepted");

    // Every step is in the history, with the changed field.
    let page = province.get_text(&format!("/entries/{id}")).await;
    for step in [
        "Tạo hồ sơ",
        "Thêm minh chứng",
        "Gửi đăng ký",
        "Trả lại để bổ sung",
        "Sửa nội dung",
        "Tiếp nhận",
        "Lý do: Bổ sung số liệu kinh phí",
        "Nguồn lực: «300 triệu đồng",
    ] {
        assert!(page.contains(step), "history lacks {step}");
    }
    // The registration status page shows the commune's accepted entry.
    let status = province.get_text("/status?year=2026").await;
    assert!(status.contains("Phường Tô Hiệu"));
    assert!(status.contains("Đã tiếp nhận"));
    // The province's lower units take pages of 40; the totals count them
    // all on every page.
    let unit_id = s.province.id;
    let second = province
        .get_text(&format!("/status?unit={unit_id}&year=2026&page=2"))
        .await;
    assert!(second.contains("Trang 2/"), "{second}");
    let total_row = |page: &str| {
        let foot = &page[page.find("<tfoot>").unwrap()..];
        foot[..foot.find("</tfoot>").unwrap()].to_owned()
    };
    assert_eq!(total_row(&status), total_row(&second));
    assert!(
        !second.contains("Phường Tô Hiệu</a>"),
        "another page's units"
    );
    assert!(s.db.verify_audit().await.unwrap().fault.is_none());
}

pub(crate) async fn bad_input_gets_clear_errors_and_changes_nothing(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, front_b) = commune_units(&s.db).await;
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let draft = fixture_entry(&s.db, "canbo.tohieu", "", front_a.id, false).await;
    let before = snapshot(&s.db).await;

    // Missing and mistyped items, over-long title: each named next to its field.
    let mut fields = full_form(front_a.id, &"x".repeat(301));
    fields.retain(|(k, _)| *k != "field_id");
    fields.iter_mut().find(|(k, _)| *k == "year").unwrap().1 = "hai nghìn".into();
    let res = officer.post("/entries", &as_refs(&fields)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = res.text().await.unwrap();
    assert!(body.contains("Năm phải là một số"));
    assert!(body.contains("Chọn một lĩnh vực"));
    assert!(body.contains("vượt quá giới hạn 300 ký tự"));
    assert!(body.contains("class=\"fld bad\""));

    // Another unit's unit id.
    let res = officer
        .post(
            "/entries",
            &as_refs(&full_form(front_b.id, "Không phải đơn vị mình")),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Submitting an incomplete entry lists what is missing.
    let mut partial = full_form(front_a.id, "Chưa đủ nội dung");
    for (k, v) in partial.iter_mut() {
        if *k == "outputs" || *k == "forces" {
            v.clear();
        }
    }
    let res = officer.post("/entries", &as_refs(&partial)).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "a draft may be incomplete"
    );
    let incomplete = entry_id_from(&res);
    let before_submit = snapshot(&s.db).await;
    let res = officer
        .post(
            &format!("/entries/{incomplete}/transition"),
            &[("action", "submit"), ("version", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = res.text().await.unwrap();
    assert!(body.contains("Cần điền mục “Lực lượng thực hiện”"));
    assert!(body.contains("Cần điền mục “Sản phẩm, kết quả đầu ra”"));
    assert_eq!(snapshot(&s.db).await, before_submit);

    let before = {
        let _ = before;
        snapshot(&s.db).await
    };
    // Invalid UTF-8, percent-encoded and raw.
    let body = format!("csrf={}&kind=model&subject=collective&field_id=2&target_level=xa&phase=2026-2030&year=2026&unit_id={}&title=%FF%FE", officer.csrf, front_a.id);
    let res = officer.post_raw("/entries", body.into_bytes()).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("UTF-8"));
    let mut raw = format!("csrf={}&title=", officer.csrf).into_bytes();
    raw.extend_from_slice(&[0xC3, 0x28, 0xFF]);
    let res = officer.post_raw("/entries", raw).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Disguised and oversized files.
    let res = officer
        .upload(
            draft,
            "bao-cao.pdf",
            b"<html><script>alert(1)</script></html>".to_vec(),
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("không phải PDF"));
    let res = officer.upload(draft, "rong.pdf", Vec::new(), true).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let mut big = pdf_bytes();
    big.resize(20 * 1024 * 1024 + 10, b'0');
    let res = officer.upload(draft, "lon.pdf", big, true).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("20 MB"));
    let mut huge = pdf_bytes();
    huge.resize(22 * 1024 * 1024, b'0');
    let res = officer.upload(draft, "qua-lon.pdf", huge, true).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Unknown and malformed ids, unknown actions, stale versions.
    assert_eq!(
        officer.get("/entries/999999").await.status(),
        StatusCode::NOT_FOUND
    );
    let res = officer.get("/entries/abc").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("không hợp lệ"));
    assert_eq!(
        officer.get("/attachments/424242").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        officer
            .post(
                "/entries/999999/transition",
                &[("action", "submit"), ("version", "1")]
            )
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        officer
            .post(
                &format!("/entries/{draft}/transition"),
                &[("action", "reward"), ("version", "1")]
            )
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        officer
            .post(
                &format!("/entries/{draft}/transition"),
                &[("action", "submit"), ("version", "7")]
            )
            .await
            .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        officer.get("/khong-co").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(snapshot(&s.db).await, before);
}

pub(crate) async fn search_ignores_diacritics_and_sorting_is_vietnamese(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let titles = [
        "Đường làng sạch đẹp",
        "Dê giống cho hộ nghèo",
        "Ăn ở hợp vệ sinh",
        "Âm nhạc dân tộc Thái",
        "Bản văn hóa",
        "An ninh thôn bản",
        "Dân vận khéo trong hiến đất",
    ];
    for t in titles {
        let res = officer
            .post("/entries", &as_refs(&full_form(front_a.id, t)))
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    // An individual exemplar named Đỗ Văn Đức.
    let mut f = full_form(front_a.id, "Gương người có uy tín");
    f.iter_mut().find(|(k, _)| *k == "kind").unwrap().1 = "exemplar".into();
    f.iter_mut().find(|(k, _)| *k == "subject").unwrap().1 = "individual".into();
    f.extend([
        ("person_name", "Đỗ Văn Đức".to_owned()),
        ("birth_year", "1970".to_owned()),
        ("gender", "nam".to_owned()),
        ("ethnicity", "Kinh".to_owned()),
        ("position", "Trưởng bản".to_owned()),
        ("example", "Gia đình văn hóa 10 năm liền".to_owned()),
    ]);
    let res = officer.post("/entries", &as_refs(&f)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let page = officer.get_text("/entries?q=dan+van+kheo").await;
    assert!(page.contains("Dân vận khéo trong hiến đất"));
    assert!(page.contains("1 hồ sơ"), "only one match expected");
    let page = officer.get_text("/entries?q=do+van+duc").await;
    assert!(page.contains("Gương người có uy tín"));
    let page = officer.get_text("/entries?q=DUONG+LANG").await;
    assert!(page.contains("Đường làng sạch đẹp"));
    let page = officer.get_text("/entries?q=%C4%91%C6%B0%E1%BB%9Dng").await; // "đường"
    assert!(page.contains("Đường làng sạch đẹp"));
    // A typing mistake that finds nothing is searched again with title
    // words one edit away, on both backends, and the page says so.
    let page = officer.get_text("/entries?q=nhac+dan+toc+thaii").await;
    assert!(
        page.contains("Âm nhạc dân tộc Thái"),
        "typo-tolerant search"
    );
    assert!(
        page.contains("thaii/thai"),
        "the spelling searched is shown"
    );
    // Quoted words are a phrase: in this order, next to each other.
    let page = officer.get_text("/entries?q=%22lang+duong%22").await;
    assert!(
        page.contains("Không có hồ sơ phù hợp"),
        "phrase out of order"
    );
    let page = officer.get_text("/entries?q=%22duong+lang%22").await;
    assert!(page.contains("Đường làng sạch đẹp"));
    let page = officer.get_text("/entries?q=khong+co+gi+nhu+the").await;
    assert!(page.contains("Không có hồ sơ phù hợp"));

    let page = officer.get_text("/entries?sort=title").await;
    let page = &page[page.find("<tbody>").unwrap()..];
    let pos = |t: &str| page.find(t).unwrap_or_else(|| panic!("{t} not listed"));
    let expected = [
        "An ninh thôn bản",
        "Ăn ở hợp vệ sinh",
        "Âm nhạc dân tộc Thái",
        "Bản văn hóa",
        "Dân vận khéo trong",
        "Dê giống",
        "Đường làng",
        "Gương người",
    ];
    for w in expected.windows(2) {
        assert!(
            pos(w[0]) < pos(w[1]),
            "{} should come before {}",
            w[0],
            w[1]
        );
    }
}

async fn measure(c: &Client) -> (u32, u32, u32, u32) {
    let list = queries(&c.get("/entries").await);
    let filtered = queries(&c.get("/entries?year=2026&q=dan+van&sort=title").await);
    let detail = queries(&c.get("/entries/3").await);
    let status = queries(&c.get("/status?year=2024").await);
    (list, filtered, detail, status)
}

pub(crate) async fn list_and_detail_query_counts_do_not_grow_with_data(kind: Kind) {
    let s = start(kind, 10).await;
    let c = Client::login(&s.base, "bandanvan").await;
    // The process's first list reads the reader's inherited units (kept
    // while the units do not change): one statement more, once.
    let first = measure(&c).await;
    let small = measure(&c).await;
    assert_eq!(first.0, small.0 + 1, "inherited units read once");
    // Grow to 1,000 entries with their histories.
    let cat = s.db.catalogue().await.unwrap();
    let officer = actor_of(&s.db, "canbo.tohieu").await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let form: EntryForm = serde_urlencoded::from_str(
        &serde_urlencoded::to_string(full_form(front_a.id, "Dân vận khéo thêm")).unwrap(),
    )
    .unwrap();
    while s.db.entry_count().await.unwrap() < 1000 {
        let id = service::create_entry(&s.db, &cat, &officer, &form)
            .await
            .unwrap();
        service::transition(
            &s.db,
            &officer,
            id,
            dvk_domain::state::Transition::Submit,
            "",
            1,
        )
        .await
        .unwrap();
    }
    let large = measure(&c).await;
    assert_eq!(
        small, large,
        "queries per page (list, filtered list, detail, status) must not grow with data"
    );
    assert!(small.0 <= 5, "list page issues {} queries", small.0);
    // The session; the entry with its whole record and history in one
    // statement; the similar models recorded for it (the reader's
    // inherited units are known from an earlier page of the session).
    assert_eq!(small.2, 3, "detail page issues {} queries", small.2);
    // A recognised model's page adds only its appraisal steps and the open
    // rounds it may go to: its decision, rewards, revocations and yearly
    // reviews travel with the entry.
    let recognised = recognised_entries(&s, 1).await[0];
    let on_register = queries(&c.get(&format!("/entries/{recognised}")).await);
    assert!(
        on_register <= 5,
        "a recognised model's page issues {on_register} queries"
    );
    // The list page stays small: HTML + CSS + JS under 60 KB; the
    // stylesheet and script are named by their content and kept a year.
    let page = c.get_text("/entries").await;
    let assets: Vec<&str> = page
        .split("\"/static/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert_eq!(assets.len(), 2, "one stylesheet and one script: {assets:?}");
    let mut weight = page.len();
    for name in assets {
        assert_eq!(name.split('.').count(), 3, "{name} carries a hash");
        let res = c.get(&format!("/static/{name}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{name}");
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{name}"
        );
        weight += res.bytes().await.unwrap().len();
    }
    // An unknown name is not found.
    assert_eq!(
        c.get("/static/app.0000000000.css").await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(weight < 60 * 1024, "list page weighs {weight} bytes");
}

pub(crate) async fn concurrent_transitions_cannot_both_succeed(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let id = fixture_entry(&s.db, "canbo.tohieu", "", front_a.id, true).await;
    let version = entry_state(&s.db, id).await.1.to_string();
    // Two server processes' worth of state over one database, two reviewers.
    let second = serve(&s.db).await;
    let a = Client::login(&s.base, "bandanvan").await;
    let b = Client::login(&second, "mttq.tohieu").await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let c = if i % 2 == 0 { a.clone() } else { b.clone() };
        let (action, reason) = if i % 3 == 0 {
            ("return", "Thiếu minh chứng")
        } else {
            ("accept", "")
        };
        let version = version.clone();
        tasks.push(tokio::spawn(async move {
            c.post(
                &format!("/entries/{id}/transition"),
                &[
                    ("action", action),
                    ("reason", reason),
                    ("version", &version),
                ],
            )
            .await
            .status()
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::SEE_OTHER => won += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(
        won, 1,
        "exactly one of the concurrent transitions may succeed"
    );
    let moves: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit_log WHERE record_type = 'entry' AND record_id = $1 AND action IN ('entry.accept', 'entry.return')",
    )
    .bind(id)
    .fetch_one(&s.db.pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    assert_eq!(moves, 1);
    let (state, v) = entry_state(&s.db, id).await;
    assert!(state == "accepted" || state == "returned");
    assert_eq!(v, 3);
    assert!(s.db.verify_audit().await.unwrap().fault.is_none());
}

pub(crate) async fn read_queries_go_to_the_replica(kind: Kind) {
    let primary = TestDb::new(kind).await;
    let replica = TestDb::new(kind).await;
    // The "replica" is a separate empty database, so a query answered from
    // it shows nothing of what the primary holds.
    let r = Db::connect(&replica.url, 1).await.unwrap();
    r.migrate().await.unwrap();
    r.close().await;
    let db = Db::connect_with_replica(&primary.url, Some(&replica.url), 2)
        .await
        .unwrap();
    db.migrate().await.unwrap();
    db.seed_reference().await.unwrap();
    let province = db.load_province("14").await.unwrap();
    let cat = db.catalogue().await.unwrap();
    load_demo(&db, &cat, &province, 5).await.unwrap();
    let filter = dvk_store::entries::EntryFilter {
        visible: vec![province.path.clone()],
        page: 1,
        per_page: 25,
        ..Default::default()
    };
    assert_eq!(
        db.list_entries(&filter).await.unwrap().page.total.count,
        0,
        "lists are read from the replica"
    );
    assert_eq!(db.count_entries(&filter).await.unwrap(), 0);
    assert!(
        db.entry(1).await.unwrap().is_some(),
        "the entry page reads its own writes from the primary"
    );
    let plain = Db::connect(&primary.url, 1).await.unwrap();
    assert_eq!(
        plain.list_entries(&filter).await.unwrap().page.total.count,
        5
    );
    db.close().await;
    plain.close().await;
}

pub(crate) async fn other_units_records_cannot_be_referenced(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, front_b) = commune_units(&s.db).await;
    let other = fixture_entry(&s.db, "canbo.chiengan", "", front_b.id, false).await;
    let own = fixture_entry(&s.db, "canbo.tohieu", "", front_a.id, false).await;
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let before = snapshot(&s.db).await;
    // Another commune's unrecognised draft cannot be named as the model replicated.
    let mut f = full_form(front_a.id, "Nhân rộng mô hình");
    f.push(("replicates", other.to_string()));
    let res = officer.post("/entries", &as_refs(&f)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains(&format!("Không có mô hình mã #{other}")));
    assert_eq!(snapshot(&s.db).await, before);
    // One's own unit's model can.
    let mut f = full_form(front_a.id, "Nhân rộng mô hình");
    f.push(("replicates", own.to_string()));
    let res = officer.post("/entries", &as_refs(&f)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let copy_page = location(&res);
    let page = officer.get_text(&copy_page).await;
    // Its lineage names the model it replicates.
    assert!(page.contains(&format!(
        "<a href=\"/entries/{own}\">Mô hình thử nghiệm</a>"
    )));
    let copy: i64 = copy_page
        .split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .unwrap()
        .parse()
        .unwrap();
    // No lineage loops: the replicated model cannot itself replicate its
    // copy, nor itself.
    let before = snapshot(&s.db).await;
    for (target, says) in [
        (
            copy,
            format!("Mô hình #{copy} được nhân rộng (trực tiếp hoặc qua mô hình khác) từ chính hồ sơ này"),
        ),
        (own, "Hồ sơ không thể nhân rộng từ chính nó.".to_owned()),
    ] {
        let mut f = full_form(front_a.id, "Mô hình thử nghiệm");
        f.push(("replicates", target.to_string()));
        f.push(("version", "1".into()));
        let res = officer.post(&format!("/entries/{own}/edit"), &as_refs(&f)).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(res.text().await.unwrap().contains(&says), "{says}");
    }
    assert_eq!(snapshot(&s.db).await, before);
    // A model the officer may not see says nothing of its lineage, even
    // when it descends from the entry being edited.
    sqlx::query("UPDATE entries SET replicates_id = $1 WHERE id = $2")
        .bind(own)
        .bind(other)
        .execute(&s.db.pool)
        .await
        .unwrap();
    let before = snapshot(&s.db).await;
    let mut f = full_form(front_a.id, "Mô hình thử nghiệm");
    f.push(("replicates", other.to_string()));
    f.push(("version", "1".into()));
    let res = officer
        .post(&format!("/entries/{own}/edit"), &as_refs(&f))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let text = res.text().await.unwrap();
    assert!(
        text.contains(&format!("Không có mô hình mã #{other}"))
            && !text.contains("từ chính hồ sơ này")
    );
    assert_eq!(snapshot(&s.db).await, before);
    // A role for an account that does not exist is a clear error, not a failure.
    let admin = Client::login(&s.base, "quantri").await;
    let before = snapshot(&s.db).await;
    let res = admin
        .post(
            "/admin/grants",
            &[
                ("user_id", "999999"),
                ("role", "unit_officer"),
                ("unit_id", &front_a.id.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Người dùng không tồn tại"));
    assert_eq!(snapshot(&s.db).await, before);
}
