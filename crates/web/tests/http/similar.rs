//! Similar models: a copied or replicated registration is shown, with a
//! score, to the council (round page), on the entry page, in the API and
//! in an import's preview — and only within what each reader may read.

use crate::api::{api_as, entry_json, Api};
use crate::imports::{filled, row, template_header, upload, V};
use crate::support::*;
use dvk_domain::entry::ITEMS;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

/// Nine items of one story: a hamlet gives land for a road.
const ROAD: [&str; 9] = [
    "Bản Huổi Một có con đường đất lầy lội, mùa mưa học sinh không đến được trường, xe chở nông sản không vào được bản.",
    "Vận động toàn bộ 86 hộ hiến đất, làm xong bốn ki-lô-mét đường bê tông rộng năm mét trước mùa mưa năm sau.",
    "Chi bộ họp bàn trước, đảng viên hiến đất trước; trưởng bản và người có uy tín đến từng nhà giải thích, họp dân công khai phương án.",
    "Bản Huổi Một, xã Tô Hiệu; 86 hộ đồng bào dân tộc Thái và Mông.",
    "Chi bộ bản, ban công tác Mặt trận, chi hội phụ nữ, chi đoàn thanh niên và tổ tự quản đường.",
    "Nhà nước hỗ trợ xi măng; nhân dân góp cát sỏi, ngày công và bốn nghìn hai trăm mét vuông đất.",
    "Từ tháng ba đến tháng mười một.",
    "Bốn ki-lô-mét đường, biên bản hiến đất của từng hộ, ảnh trước và sau khi làm.",
    "Tổ tự quản đường phát quang hằng tháng; ba bản lân cận đã đến học cách làm.",
];

/// Nine items of another story: women save together.
const SAVINGS: [&str; 9] = [
    "Nhiều chị em thiếu vốn nuôi bò, phải vay lãi cao ngoài chợ.",
    "Mỗi tổ mười lăm chị em, mỗi tháng góp năm mươi nghìn đồng tiết kiệm.",
    "Tổ trưởng ghi sổ công khai; lần lượt cho chị em nghèo vay không lãi mua bò giống.",
    "Các tổ phụ nữ ở hai bản vùng cao.",
    "Chi hội phụ nữ và tổ tiết kiệm.",
    "Tiền góp của hội viên.",
    "Cả năm.",
    "Sổ tiết kiệm, danh sách hộ được vay, số bò tăng thêm.",
    "Quy chế tổ được cả tổ biểu quyết, duy trì nhiều năm.",
];

fn entry_with(unit_id: i64, title: &str, items: &[&str; 9]) -> Value {
    let mut body = entry_json(unit_id, title);
    for ((key, _), text) in ITEMS[1..].iter().zip(items) {
        body[*key] = json!(text);
    }
    body
}

/// The story told again in other words here and there: a copy.
fn reworded(items: &[&str; 9]) -> [String; 9] {
    items.map(|t| t.replace("Huổi Một", "Pá Khôm").replace("bốn", "năm"))
}

async fn register(api: &Api, body: Value, submit: bool) -> i64 {
    let res = api.post("/entries", body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = res.body["id"].as_i64().unwrap();
    if submit {
        let version = api.get(&format!("/entries/{id}")).await.body["version"].clone();
        let res = api
            .post(
                &format!("/entries/{id}/transitions"),
                json!({"transition": "submit", "version": version}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    id
}

fn listed(body: &Value) -> Vec<i64> {
    body.as_array()
        .unwrap_or_else(|| panic!("a list: {body}"))
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

pub(crate) async fn copies_and_replications_are_seen(kind: Kind) {
    let s = start(kind, 100).await;
    let (to_hieu, front_a, _, front_b) = commune_units(&s.db).await;
    let tohieu = api_as(&s, "canbo.tohieu").await;
    let chiengan = api_as(&s, "canbo.chiengan").await;
    let province = api_as(&s, "bandanvan").await;

    // step 1: Tô Hiệu registers the road; Chiềng An registers the same
    // story reworded under a new title, and an unrelated model.
    let road = register(
        &tohieu,
        entry_with(front_a.id, "Hiến đất làm đường ở bản Huổi Một", &ROAD),
        true,
    )
    .await;
    let copy_items = reworded(&ROAD);
    let copy_refs: [&str; 9] = std::array::from_fn(|i| copy_items[i].as_str());
    let copy = register(
        &chiengan,
        entry_with(front_b.id, "Con đường đoàn kết ở bản Pá Khôm", &copy_refs),
        false,
    )
    .await;
    let other = register(
        &chiengan,
        entry_with(front_b.id, "Phụ nữ giúp nhau nuôi bò sinh sản", &SAVINGS),
        true,
    )
    .await;

    // step 2: the province sees the copy beside the original, with a score
    // mostly from the text; the unrelated model is not listed.
    let found = province.get(&format!("/entries/{copy}/similar")).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(listed(&found.body).first(), Some(&road), "{}", found.body);
    let top = &found.body[0];
    assert!(top["score_pct"].as_u64().unwrap() >= 60, "{top}");
    assert!(top["text_pct"].as_u64().unwrap() >= 60, "{top}");
    assert!(top["title_pct"].as_u64().unwrap() < 30, "{top}");
    assert_eq!(top["public_only"], false);
    assert!(!listed(&found.body).contains(&other));
    // A draft is not shown to others: the original lists no copy yet.
    let of_road = province.get(&format!("/entries/{road}/similar")).await;
    assert!(!listed(&of_road.body).contains(&copy), "{}", of_road.body);

    // step 3: once the copy is sent, the original lists it too (kept both
    // ways when the copy was written).
    let version = chiengan.get(&format!("/entries/{copy}")).await.body["version"].clone();
    let sent = chiengan
        .post(
            &format!("/entries/{copy}/transitions"),
            json!({"transition": "submit", "version": version}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let of_road = province.get(&format!("/entries/{road}/similar")).await;
    assert_eq!(
        listed(&of_road.body).first(),
        Some(&copy),
        "{}",
        of_road.body
    );

    // step 4: Chiềng An may not read Tô Hiệu's registration: nothing of it
    // comes back, by entry or by text; once recognised (public) it does,
    // marked as seen publicly.
    let theirs = chiengan.get(&format!("/entries/{copy}/similar")).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!listed(&theirs.body).contains(&road), "{}", theirs.body);
    let by_text = chiengan
        .post(
            "/similar",
            json!({"title": "Hiến đất làm đường", "text": ROAD.join("\n")}),
        )
        .await;
    assert_eq!(by_text.status, StatusCode::OK, "{}", by_text.body);
    assert!(!listed(&by_text.body).contains(&road), "{}", by_text.body);
    assert!(!by_text.body.to_string().contains("Huổi Một"));
    // Nor through an entry of another unit.
    let forbidden = chiengan.get(&format!("/entries/{road}/similar")).await;
    assert_eq!(forbidden.status, StatusCode::NOT_FOUND);
    sqlx::query("UPDATE entries SET state = 'recognised' WHERE id = $1")
        .bind(road)
        .execute(&s.db.pool)
        .await
        .unwrap();
    let theirs = chiengan.get(&format!("/entries/{copy}/similar")).await;
    assert_eq!(listed(&theirs.body).first(), Some(&road), "{}", theirs.body);
    assert_eq!(theirs.body[0]["public_only"], true);

    // step 5: a lookup while writing finds the original by its text; bad
    // input gets a Vietnamese error naming the field.
    let lookup = province
        .post(
            "/similar",
            json!({"title": "Đường mới", "text": ROAD.join("\n")}),
        )
        .await;
    assert_eq!(lookup.status, StatusCode::OK);
    assert!(listed(&lookup.body).contains(&road), "{}", lookup.body);
    let excluded = province
        .post(
            "/similar",
            json!({"title": "Đường mới", "text": ROAD.join("\n"), "entry_id": road}),
        )
        .await;
    assert!(!listed(&excluded.body).contains(&road));
    let empty = province.post("/similar", json!({"title": "  "})).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{}", empty.body);
    assert_eq!(empty.body["fields"][0]["field"], "title");
    assert!(empty.body.to_string().contains("tên mô hình"));
    let huge = province
        .post(
            "/similar",
            json!({"title": "x", "text": "chữ ".repeat(30_000)}),
        )
        .await;
    assert_eq!(huge.status, StatusCode::BAD_REQUEST);

    // step 6: the registration form looks before saving, keeps what was
    // typed, and saves nothing.
    let officer_web = Client::login(&s.base, "canbo.tohieu").await;
    let mut typed = full_form(front_a.id, "Làm đường bê tông ở bản Huổi Một");
    for ((key, _), text) in ITEMS[1..].iter().zip(ROAD) {
        for (k, v) in typed.iter_mut() {
            if k == key {
                *v = text.to_owned();
            }
        }
    }
    // The form's one idempotency key: looking must not use it up.
    typed.push(("idempotency_key", "xem-truoc-khi-luu-1".into()));
    let entries_before = snapshot(&s.db).await;
    let mut asking = typed.clone();
    asking.push(("check_similar", "1".into()));
    let res = officer_web.post("/entries", &as_refs(&asking)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    let section = &page[page.find("id=\"tuong-tu\"").expect("the findings")..];
    assert!(
        section.contains(&format!("href=\"/entries/{road}\"")),
        "{section}"
    );
    assert!(page.contains("value=\"Làm đường bê tông ở bản Huổi Một\""));
    assert!(page.contains(ROAD[2]), "the typed items stay");
    assert_eq!(snapshot(&s.db).await, entries_before, "nothing saved");
    // A title longer than a registration's is refused by the check, with
    // what was typed kept.
    let mut too_long = asking.clone();
    for (k, v) in too_long.iter_mut() {
        if *k == "title" {
            *v = "Đường ".repeat(60);
        }
    }
    let res = officer_web.post("/entries", &as_refs(&too_long)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("tối đa 300 ký tự"), "the cap is named");
    assert!(page.contains(ROAD[2]), "the typed items stay");
    assert_eq!(snapshot(&s.db).await, entries_before, "nothing saved");
    // Saving still works from there, with the same key the checks carried.
    let saved = officer_web.post("/entries", &as_refs(&typed)).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_ne!(snapshot(&s.db).await, entries_before, "saved");

    // step 7: the entry page lists it, linked, with its score.
    let web = Client::login(&s.base, "bandanvan").await;
    let page = web.get_text(&format!("/entries/{copy}")).await;
    let section = &page[page.find("Mô hình tương tự").expect("the section")..];
    assert!(
        section.contains(&format!("href=\"/entries/{road}\"")),
        "{section}"
    );
    assert!(section.contains("Giống "), "a score");
    // The other commune's officer sees the recognised original publicly.
    let theirs = Client::login(&s.base, "canbo.chiengan").await;
    let page = theirs.get_text(&format!("/entries/{copy}")).await;
    assert!(page.contains(&format!("href=\"/mo-hinh/{road}\"")));

    // step 8: the council's round page shows, under a proposed entry, the
    // models alike to it.
    let r = sqlx::query(
        "SELECT round_id, entry_id FROM proposals ORDER BY round_id DESC, entry_id LIMIT 1",
    )
    .fetch_one(&s.db.pool)
    .await
    .unwrap();
    let (round, proposed): (i64, i64) = (r.try_get(0).unwrap(), r.try_get(1).unwrap());
    let proposed_entry = province.get(&format!("/entries/{proposed}")).await.body;
    let mut again = entry_json(
        front_a.id,
        &format!("{} (làm lại)", proposed_entry["title"].as_str().unwrap()),
    );
    for (key, _) in &ITEMS[1..] {
        again[*key] = proposed_entry[*key].clone();
    }
    let twin = register(&tohieu, again, true).await;
    let round_page = web.get_text(&format!("/rounds/{round}")).await;
    let line = round_page
        .split("<tr>")
        .find(|l| l.contains(&format!("href=\"/entries/{proposed}\"")))
        .expect("the proposed entry's line");
    assert!(line.contains("similar-models"), "{line}");
    assert!(
        line.contains(&format!("href=\"/entries/{twin}\"")),
        "{line}"
    );

    // step 9: an import's preview names the existing model a row copies.
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let template = officer
        .get(&format!("/entries/import/template?unit={}", to_hieu.id))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let header = template_header(&template);
    let cat = s.db.catalogue().await.unwrap();
    let mut copied = row(
        "Làm đường bê tông ở bản Huổi Một",
        cat.field_name(2),
        cat.level_name("xa"),
        vec![],
    );
    for ((_, label), text) in ITEMS[1..].iter().zip(ROAD) {
        copied.retain(|(l, _)| *l != *label);
        copied.push((label, V::S(text.to_owned())));
    }
    let file = filled(&header, "dang-ky-1", &[copied], |_| {});
    let (status, preview) = upload(
        &officer,
        "/entries/import",
        &[("unit_id", to_hieu.id.to_string())],
        "copy.xlsx",
        file,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert!(preview.contains("Giống mô hình đã có"), "{preview}");
    assert!(preview.contains(&format!("href=\"/entries/{road}\"")));

    // step 10: entries written before similar models were kept are filed
    // in the background, and the pairs come back.
    for sql in [
        "DELETE FROM entry_bands",
        "DELETE FROM similar_entries",
        "UPDATE meta SET value = 0 WHERE key = 'similar_filed_upto'",
    ] {
        sqlx::query(sql).execute(&s.db.pool).await.unwrap();
    }
    let gone = province.get(&format!("/entries/{road}/similar")).await;
    assert!(listed(&gone.body).is_empty());
    let mut filed = 0;
    loop {
        let n = s.db.file_similar_backlog(7).await.unwrap();
        if n == 0 {
            break;
        }
        filed += n;
    }
    assert!(filed >= 10, "{filed}");
    let back = province.get(&format!("/entries/{road}/similar")).await;
    assert_eq!(listed(&back.body).first(), Some(&copy), "{}", back.body);

    // step 11: a model copied many times, the copies written at once: none
    // fails on the pairs the others record, and each entry keeps its best
    // 50 pairs, never an unbounded list.
    let mut writing = tokio::task::JoinSet::new();
    for batch in 0..6 {
        let tohieu = api_as(&s, "canbo.tohieu").await;
        let unit = front_a.id;
        writing.spawn(async move {
            for i in 0..10 {
                let title = format!("Hiến đất làm đường ở bản Huổi Một, lần {}", batch * 10 + i);
                register(&tohieu, entry_with(unit, &title, &ROAD), true).await;
            }
        });
    }
    while let Some(done) = writing.join_next().await {
        done.expect("every copy is written");
    }
    let kept: i64 = sqlx::query("SELECT COUNT(*) FROM similar_entries WHERE entry_id = $1")
        .bind(road)
        .fetch_one(&s.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert!(
        (30..=50).contains(&kept),
        "{kept} pairs kept for the original"
    );
    let listed_now = province.get(&format!("/entries/{road}/similar")).await;
    assert_eq!(listed(&listed_now.body).len(), 10, "{}", listed_now.body);
}
