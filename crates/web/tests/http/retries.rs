//! Safe retries: a create sent again with the same idempotency key (API
//! header or the form's hidden field) returns the first result and creates
//! nothing more; concurrent copies create once; a key reused for other
//! content is refused; a refused request frees its key.

use crate::api::{entry_json, token_for};
use crate::support::{as_refs, commune_units, full_form, location, start, Client, Kind};
use axum::http::StatusCode;
use dvk_store::Db;

async fn entries_titled(db: &Db, title: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM entries WHERE title = $1")
        .bind(title)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

pub async fn retried_creates_create_once(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let token = token_for(&s.db, "canbo.tohieu").await;
    let http = reqwest::Client::new();
    let post = |key: &'static str, body: serde_json::Value| {
        let (http, token, base) = (http.clone(), token.clone(), s.base.clone());
        async move {
            let res = http
                .post(format!("{base}/api/v1/entries"))
                .bearer_auth(token)
                .header("idempotency-key", key)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            let status = res.status();
            let replayed = res.headers().contains_key("idempotent-replayed");
            let bytes = res.bytes().await.unwrap();
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            (status, replayed, body)
        }
    };

    // Step 1: the same create twice: one entry, the same answer.
    let title = "Mô hình gửi lại an toàn";
    let body = entry_json(front_a.id, title);
    let (first, replayed, a) = post("khoa-thu-nhat-0001", body.clone()).await;
    assert_eq!(first, StatusCode::CREATED, "{a}");
    assert!(!replayed);
    let (second, replayed, b) = post("khoa-thu-nhat-0001", body.clone()).await;
    assert_eq!(second, StatusCode::CREATED);
    assert!(replayed, "the second answer is the kept one");
    assert_eq!(a["id"], b["id"]);
    assert_eq!(entries_titled(&s.db, title).await, 1);

    // Step 2: the key with different content is refused.
    let (reused, _, err) = post(
        "khoa-thu-nhat-0001",
        entry_json(front_a.id, "Một mô hình khác"),
    )
    .await;
    assert_eq!(reused, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["code"], "idempotency_key_reused");

    // Step 3: eight concurrent copies: exactly one entry; each answer is
    // the entry or "in progress", never a second entry.
    let title = "Mô hình gửi đồng thời";
    let body = entry_json(front_a.id, title);
    let tasks: Vec<_> = (0..8)
        .map(|_| tokio::spawn(post("khoa-dong-thoi-0002", body.clone())))
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        let (status, _, b) = t.await.unwrap();
        match status {
            StatusCode::CREATED => {
                ids.insert(b["id"].as_i64().unwrap());
            }
            StatusCode::CONFLICT => assert_eq!(b["code"], "request_in_progress"),
            other => panic!("unexpected {other}: {b}"),
        }
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(entries_titled(&s.db, title).await, 1);

    // Step 4: a refused request frees its key for the corrected one.
    let mut bad = entry_json(front_a.id, "Mô hình sửa rồi gửi lại");
    bad["unit_id"] = serde_json::json!(999_999);
    let (refused, _, _) = post("khoa-sua-lai-0003", bad).await;
    assert!(refused.is_client_error(), "{refused}");
    let (fixed, replayed, _) = post(
        "khoa-sua-lai-0003",
        entry_json(front_a.id, "Mô hình sửa rồi gửi lại"),
    )
    .await;
    assert_eq!(fixed, StatusCode::CREATED);
    assert!(!replayed);

    // Step 5: a malformed key is refused before anything runs; keys are
    // per person (another officer's same key is theirs alone).
    let (malformed, _, err) = post("ngắn", body.clone()).await;
    assert_eq!(malformed, StatusCode::BAD_REQUEST);
    assert_eq!(err["code"], "invalid_idempotency_key");
    let other = token_for(&s.db, "bandanvan").await;
    let res = http
        .post(format!("{}/api/v1/entries", s.base))
        .bearer_auth(other)
        .header("idempotency-key", "khoa-thu-nhat-0001")
        .header("content-type", "application/json")
        .body(entry_json(front_a.id, "Mô hình gửi lại an toàn").to_string())
        .send()
        .await
        .unwrap();
    assert!(!res.headers().contains_key("idempotent-replayed"));

    // Step 6: answers that carry secrets are never kept (a new API token
    // is made each time, and its secret is in no kept answer).
    for _ in 0..2 {
        let res = http
            .post(format!("{}/api/v1/tokens", s.base))
            .bearer_auth(&token)
            .header("idempotency-key", "khoa-ma-api-0004")
            .header("content-type", "application/json")
            .body(r#"{"name":"Máy chủ báo cáo"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        assert!(!res.headers().contains_key("idempotent-replayed"));
    }
    let kept: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM idempotency_keys WHERE path LIKE '%tokens%' OR path LIKE '%users%'",
    )
    .fetch_one(&s.db.pool)
    .await
    .unwrap();
    assert_eq!(kept, 0);

    // Step 7: the registration form carries a key: sent twice (a double
    // click), one entry, both answers lead to it.
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let page = officer.get_text("/entries/new").await;
    let key = page
        .split("name=\"idempotency_key\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the form carries a key")
        .to_owned();
    let title = "Mô hình bấm gửi hai lần";
    let form = full_form(front_a.id, title);
    let mut fields = as_refs(&form);
    fields.push(("idempotency_key", key.as_str()));
    let one = officer.post("/entries", &fields).await;
    let two = officer.post("/entries", &fields).await;
    assert_eq!(one.status(), StatusCode::SEE_OTHER);
    assert_eq!(two.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&one), location(&two));
    assert_eq!(entries_titled(&s.db, title).await, 1);
}
