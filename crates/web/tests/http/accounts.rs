//! Accounts and administration: sessions across a restart, login
//! throttling, the admin pages, and the audit chain's tamper check.

use dvk_store::demo::DEMO_PASSWORD;
use reqwest::StatusCode;

use crate::support::*;

pub(crate) async fn audit_check_catches_an_edited_record(kind: Kind) {
    let s = start(kind, 3).await;
    let report = s.db.verify_audit().await.unwrap();
    assert!(report.fault.is_none());
    assert!(report.checked > 20);
    sqlx::query("UPDATE audit_log SET to_state = 'accepted' WHERE id = 7")
        .execute(&s.db.pool)
        .await
        .unwrap();
    let report = s.db.verify_audit().await.unwrap();
    assert_eq!(
        report.fault,
        Some(dvk_domain::audit::ChainFault::Edited { id: 7 })
    );
    assert_eq!(report.checked, 6);
}

pub(crate) async fn sessions_survive_a_restart_and_logins_are_throttled(kind: Kind) {
    let s = start(kind, 0).await;
    let c = Client::login(&s.base, "canbo.tohieu").await;
    // A second server process over the same database accepts the session.
    let second = serve(&s.db).await;
    let mut c2 = Client {
        http: c.http.clone(),
        base: second,
        csrf: c.csrf.clone(),
    };
    let home = c2.get_text("/").await;
    assert!(home.contains("Đỗ Văn Đức"));
    // Logging out ends the session everywhere.
    c2.csrf = extract_csrf(&home).unwrap();
    assert_eq!(
        c2.post("/logout", &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(location(&c.get("/entries").await), "/login?next=%2Fentries");

    // Five wrong passwords, then even the right one waits.
    let t = Client::anonymous(&s.base).await;
    for _ in 0..5 {
        let res = t
            .post(
                "/login",
                &[("username", "canbo.chiengan"), ("password", "sai-mat-khau")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(res.text().await.unwrap().contains("không đúng"));
    }
    let res = t
        .post(
            "/login",
            &[("username", "canbo.chiengan"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.text().await.unwrap().contains("quá nhiều lần"));
    // Other accounts are not locked by it.
    let _ = Client::login(&s.base, "canbo.tohieu").await;
    let cookie = c.get("/healthz").await;
    assert_eq!(cookie.status(), StatusCode::OK);
    let _ = s.province;
}

pub(crate) async fn admin_pages_manage_units_users_and_grants(kind: Kind) {
    let s = start(kind, 0).await;
    let admin = Client::login(&s.base, "quantri").await;
    let page = admin
        .get_text(&format!("/admin/units?parent={}", s.province.id))
        .await;
    assert!(page.contains("Phường Tô Hiệu"));
    assert!(
        page.contains("Huyện Mai Sơn"),
        "historical districts are listed"
    );
    assert!(page.contains("đến 30/06/2025"));
    // The 2025 merge map is visible on a new commune.
    let (to_hieu, _, _, _) = commune_units(&s.db).await;
    let page = admin
        .get_text(&format!("/admin/units?parent={}", to_hieu.id))
        .await;
    assert!(page.contains("Hình thành từ: Phường Chiềng Lề"));
    let res = admin
        .post(
            "/admin/units",
            &[
                ("parent_id", &to_hieu.id.to_string()),
                ("name", "Bản Thẳm Ướt"),
                ("kind", "khu_dan_cu"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The new unit shows up at once in pickers (the per-process unit cache follows the change).
    assert!(admin
        .get_text("/admin/users")
        .await
        .contains("Bản Thẳm Ướt"));
    let res = admin
        .post(
            "/admin/units",
            &[
                ("parent_id", &to_hieu.id.to_string()),
                ("name", ""),
                ("kind", "tinh"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = res.text().await.unwrap();
    assert!(body.contains("Cần nhập tên đơn vị") && body.contains("Chọn loại đơn vị"));
    let res = admin
        .post(
            "/admin/users",
            &[
                ("username", "lo.van.a"),
                ("full_name", "Lò Văn A"),
                ("password", "mat-khau-rat-dai"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = admin
        .post(
            "/admin/users",
            &[
                ("username", "lo.van.a"),
                ("full_name", "Trùng"),
                ("password", "ngan"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = res.text().await.unwrap();
    assert!(body.contains("đã có người dùng") || body.contains("ít nhất 10 ký tự"));
    let page = admin.get_text("/admin/users").await;
    // Names in Vietnamese order: Bạc… before Cầm… before Đỗ… before Hà….
    let pos = |t: &str| page.find(t).unwrap();
    assert!(pos("Bạc Cầm Ngọc") < pos("Cầm Văn Đông"));
    assert!(pos("Cầm Văn Đông") < pos("Đỗ Văn Đức"));
    assert!(pos("Đỗ Văn Đức") < pos("Hà Thị Mai"));
}
