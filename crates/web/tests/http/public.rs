//! The public side: search covers published text only, never an
//! individual's personal items; views, comments and page loads cannot be
//! inflated.

use crate::api::{api_as, Api};
use crate::support::*;
use dvk_domain::entry::EntryForm;
use dvk_store::service;
use reqwest::StatusCode;
use serde_json::json;

pub(crate) async fn public_search_ignores_personal_items(kind: Kind) {
    let s = start(kind, 0).await;
    let cat = s.db.catalogue().await.unwrap();
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let officer = actor_of(&s.db, "canbo.tohieu").await;
    let mut fields = full_form(front_a.id, "Bà Lò Thị Én – điển hình vận động hiến đất");
    fields.retain(|(k, _)| *k != "subject" && *k != "kind");
    fields.extend([
        ("kind", "exemplar".to_owned()),
        ("subject", "individual".to_owned()),
        ("person_name", "Lò Thị Én".to_owned()),
        ("birth_year", "1975".to_owned()),
        ("gender", "nu".to_owned()),
        ("ethnicity", "Thái".to_owned()),
        (
            "position",
            "Giáo viên Trường Tiểu học Xuôngkhoang".to_owned(),
        ),
        ("party_member", "1".to_owned()),
        ("example", "Gia đình văn hóa nhiều năm.".to_owned()),
    ]);
    let form: EntryForm =
        serde_urlencoded::from_str(&serde_urlencoded::to_string(&fields).unwrap()).unwrap();
    let id = service::create_entry(&s.db, &cat, &officer, &form)
        .await
        .unwrap();
    // Made public as a recognised model (the search index is what is tested).
    sqlx::query("UPDATE entries SET state = 'recognised' WHERE id = $1")
        .bind(id)
        .execute(&s.db.pool)
        .await
        .unwrap();
    let citizen = Api::new(&s.base, None);
    let by_title = citizen
        .get("/public/entries?q=dien%20hinh%20hien%20dat")
        .await;
    assert_eq!(by_title.body["total"], 1, "{}", by_title.body);
    for q in ["xuongkhoang", "giao%20vien%20truong"] {
        let hidden = citizen.get(&format!("/public/entries?q={q}")).await;
        assert_eq!(hidden.body["total"], 0, "{q}: {}", hidden.body);
        let page = Client::anonymous(&s.base)
            .await
            .get_text(&format!("/mo-hinh?q={q}"))
            .await;
        assert!(!page.contains("Lò Thị Én"), "{q} on the public page");
    }
    // Staff still find the person by position.
    let staff = api_as(&s, "bandanvan").await;
    let found = staff.get("/entries?q=xuongkhoang").await;
    assert_eq!(found.body["total"], 1, "{}", found.body);
}

/// Public abuse cannot win: a view counts once per visitor and day;
/// public pages are rate-limited like the API; concurrent comments never
/// pass the limit; the API's comment endpoint has the form's bot defence.
pub(crate) async fn public_abuse_cannot_win(kind: Kind) {
    let s = start(kind, 0).await;
    let model = recognised_entries(&s, 1).await[0];
    let (rid, on_notice) = round_on_notice(&s).await;
    // The deployment's real settings: a 3-second comment delay and a small
    // public budget.
    let base = serve_with(
        &s.db,
        dvk_web::WebConfig {
            public_api_per_minute: 40,
            ..Default::default()
        },
    )
    .await;
    let http = reqwest::Client::new();
    let views = |db: dvk_store::Db| async move {
        sqlx::query_scalar::<_, i64>("SELECT views FROM entries WHERE id = $1")
            .bind(model)
            .fetch_one(&db.pool)
            .await
            .unwrap()
    };

    // Step 1: fifteen reloads count one view; another browser one more.
    let before = views(s.db.clone()).await;
    for _ in 0..15 {
        let res = http
            .get(format!("{base}/mo-hinh/{model}"))
            .header("user-agent", "Trinh duyet A")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    assert_eq!(views(s.db.clone()).await, before + 1);
    let res = http
        .get(format!("{base}/api/v1/public/entries/{model}"))
        .header("user-agent", "Trinh duyet B")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A new browser name from the same address is the same visitor.
    assert_eq!(views(s.db.clone()).await, before + 1);
    let stored: Vec<String> = sqlx::query_scalar("SELECT visitor FROM entry_views")
        .fetch_all(&s.db.pool)
        .await
        .unwrap();
    assert!(
        stored.iter().all(|v| !v.contains("127.0.0.1")),
        "no address in clear"
    );

    // Step 2: the API's comment box has the form's defence: a token from
    // the notice, not sent at once, and the hidden field left empty.
    let path = format!("{base}/api/v1/public/notices/{rid}/comments");
    let body = "Mô hình rất thiết thực, bà con đồng tình.";
    let no_token = post_json(
        http.clone(),
        path.clone(),
        json!({"entry_id": on_notice, "body": body}),
    )
    .await;
    assert_eq!(no_token, StatusCode::BAD_REQUEST);
    let notice: serde_json::Value = serde_json::from_slice(
        &http
            .get(format!("{base}/api/v1/public/notices/{rid}"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    let token = notice["comment_token"].as_str().unwrap().to_owned();
    let too_fast = post_json(
        http.clone(),
        path.clone(),
        json!({"entry_id": on_notice, "body": body, "comment_token": token}),
    )
    .await;
    assert_eq!(too_fast, StatusCode::BAD_REQUEST);
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let bot = post_json(http.clone(), path.clone(),
        json!({"entry_id": on_notice, "body": body, "comment_token": token, "website": "http://spam"}),
    )
    .await;
    assert_eq!(bot, StatusCode::BAD_REQUEST);

    // A token sends one comment only.
    let mut tokens = Vec::new();
    for _ in 0..17 {
        let n: serde_json::Value = serde_json::from_slice(
            &http
                .get(format!("{base}/api/v1/public/notices/{rid}"))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap(),
        )
        .unwrap();
        tokens.push(n["comment_token"].as_str().unwrap().to_owned());
    }
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let once = |t: &str| json!({"entry_id": on_notice, "body": "Một ý kiến, một biểu mẫu.", "comment_token": t});
    assert_eq!(
        post_json(http.clone(), path.clone(), once(&tokens[16])).await,
        StatusCode::CREATED
    );
    assert_eq!(
        post_json(http.clone(), path.clone(), once(&tokens[16])).await,
        StatusCode::BAD_REQUEST
    );

    // Step 3: sixteen at once from one address (each with its own form):
    // with the one above, at most three get in.
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            tokio::spawn(post_json(
                http.clone(),
                path.clone(),
                json!({"entry_id": on_notice, "body": format!("Ý kiến đồng thời số {i} về kinh phí."), "comment_token": tokens[i]}),
            ))
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        if t.await.unwrap() == StatusCode::CREATED {
            accepted += 1;
        }
    }
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE round_id = $1")
        .bind(rid)
        .fetch_one(&s.db.pool)
        .await
        .unwrap();
    assert!((0..=2).contains(&accepted), "{accepted} accepted");
    assert_eq!(stored, accepted + 1);

    // Step 4: the public pages share the per-address budget (40 a minute
    // here): a flood of page views is answered 429.
    let mut limited = false;
    for _ in 0..60 {
        let res = http.get(format!("{base}/mo-hinh")).send().await.unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key("retry-after"));
            limited = true;
            break;
        }
    }
    assert!(limited, "public pages are rate-limited");
}

async fn post_json(http: reqwest::Client, url: String, body: serde_json::Value) -> StatusCode {
    http.post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
}
