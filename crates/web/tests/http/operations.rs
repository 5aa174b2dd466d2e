//! What an operator watches: `/metrics` in the Prometheus format, readable
//! only from allowed addresses or with the metrics token.

use crate::support::{serve_with, start, Client, Kind};
use dvk_web::WebConfig;
use reqwest::StatusCode;

async fn serve_metrics(db: &dvk_store::Db, allow: &str, token: Option<&str>) -> String {
    serve_with(
        db,
        WebConfig {
            metrics_allow: dvk_web::client::parse_networks(allow).unwrap(),
            metrics_token: token.map(str::to_owned),
            ..Default::default()
        },
    )
    .await
}

/// The value of the first sample line starting with `prefix`.
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

pub async fn metrics_count_requests_for_allowed_readers(kind: Kind) {
    let s = start(kind, 20).await;

    // Step 1: from an allowed address: requests by route template and
    // status, latency, pools, the audit chain.
    let base = serve_metrics(&s.db, "127.0.0.1/32", None).await;
    let officer = Client::login(&base, "canbo.tohieu").await;
    for id in [1, 2, 3] {
        officer.get(&format!("/entries/{id}")).await;
    }
    let res = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("openmetrics"));
    let text = res.text().await.unwrap();
    // Entry 1 is the officer's; 2 and 3 belong to other units (404).
    let route = "dvk_http_requests_total{route=\"/entries/{id}\",method=\"GET\"";
    assert_eq!(
        sample(&text, &format!("{route},status=\"200\"}}")),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, &format!("{route},status=\"404\"}}")),
        Some(2.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            "dvk_http_request_duration_seconds_count{route=\"/entries/{id}\"}"
        ) == Some(3.0),
        "{text}"
    );
    assert!(
        text.contains("dvk_db_pool_connections{pool=\"primary\",state=\"max\"} 4"),
        "{text}"
    );
    let chain = s.db.audit_count().await.unwrap();
    assert_eq!(
        sample(&text, "dvk_audit_chain_length "),
        Some(chain as f64),
        "{text}"
    );
    assert!(text.contains("dvk_email_backlog"));
    assert!(text.contains("dvk_storage_unavailable_total 0"), "{text}");
    assert!(text.ends_with("# EOF\n"));

    // A request a proxy forwarded is not "from this machine" unless the
    // proxy is trusted and the address it names is allowed.
    let http = reqwest::Client::new();
    let forwarded = http
        .get(format!("{base}/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status(), StatusCode::FORBIDDEN);
    let proxied = serve_with(
        &s.db,
        WebConfig {
            metrics_allow: dvk_web::client::parse_networks("127.0.0.1/32").unwrap(),
            trusted_proxies: dvk_web::client::parse_networks("127.0.0.1/32").unwrap(),
            ..Default::default()
        },
    )
    .await;
    for junk in ["x, 203.0.113.9", "203.0.113.9, x", "không-phải-địa-chỉ"] {
        let res = http
            .get(format!("{proxied}/metrics"))
            .header("x-forwarded-for", junk)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{junk}");
    }

    // Step 2: from an address not allowed: refused, unless with the token.
    let closed = serve_metrics(&s.db, "10.0.0.0/8", Some("bi-mat-van-hanh")).await;
    let res = reqwest::get(format!("{closed}/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let wrong = http
        .get(format!("{closed}/metrics"))
        .bearer_auth("sai-ma")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let right = http
        .get(format!("{closed}/metrics"))
        .bearer_auth("bi-mat-van-hanh")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
}
