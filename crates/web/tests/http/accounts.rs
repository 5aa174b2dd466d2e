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

fn one_time_password(page: &str) -> String {
    let i = page
        .find("<code class=\"secret\">")
        .expect("the one-time password is shown")
        + 21;
    page[i..].split('<').next().unwrap().to_owned()
}

/// Changing one's password, an admin's one-time reset that must be changed
/// at the next sign-in, and disabling an account, which ends its sessions
/// and tokens at once.
pub(crate) async fn passwords_are_changed_reset_and_accounts_disabled(kind: Kind) {
    let s = start(kind, 0).await;
    let new_pw = "hoa ban trắng núi rừng Tây Bắc";

    // Step 1: change one's own password; the current one is required.
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let elsewhere = Client::login(&s.base, "canbo.tohieu").await;
    let page = officer.get_text("/account/password").await;
    assert!(page.contains("ít nhất 10 ký tự"), "the policy is stated");
    let res = officer
        .post(
            "/account/password",
            &[("current", "sai"), ("new", new_pw), ("confirm", new_pw)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Mật khẩu hiện tại không đúng"));
    let res = officer
        .post(
            "/account/password",
            &[
                ("current", DEMO_PASSWORD),
                ("new", "canbo.tohieu"),
                ("confirm", "canbo.tohieu"),
            ],
        )
        .await;
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("không được trùng tên đăng nhập"));
    let res = officer
        .post(
            "/account/password",
            &[
                ("current", DEMO_PASSWORD),
                ("new", new_pw),
                ("confirm", new_pw),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // This session stays; the one elsewhere ended; the old password is gone.
    assert_eq!(officer.get("/entries").await.status(), StatusCode::OK);
    assert_eq!(
        elsewhere.get("/entries").await.status(),
        StatusCode::SEE_OTHER
    );
    let t = Client::anonymous(&s.base).await;
    let res = t
        .post(
            "/login",
            &[("username", "canbo.tohieu"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = t
        .post(
            "/login",
            &[("username", "canbo.tohieu"), ("password", new_pw)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Step 2: an admin resets another account's password: shown once, and
    // it must be changed before anything else.
    let admin = Client::login(&s.base, "quantri").await;
    let target =
        s.db.user_by_username("canbo.chiengan")
            .await
            .unwrap()
            .unwrap()
            .id;
    let before = Client::login(&s.base, "canbo.chiengan").await;
    let res = admin
        .post(&format!("/admin/users/{target}/reset-password"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let one_time = one_time_password(&res.text().await.unwrap());
    assert_eq!(one_time.len(), 16);
    assert_eq!(
        before.get("/entries").await.status(),
        StatusCode::SEE_OTHER,
        "the reset ends the account's sessions"
    );
    let mut reset = Client::anonymous(&s.base).await;
    let res = reset
        .post(
            "/login",
            &[
                ("username", "canbo.chiengan"),
                ("password", one_time.as_str()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&reset.get("/entries").await), "/account/password");
    assert_eq!(location(&reset.get("/").await), "/account/password");
    let page = reset.get_text("/account/password").await;
    assert!(page.contains("mật khẩu dùng một lần"));
    reset.csrf = extract_csrf(&page).unwrap();
    let me = reset.get("/api/v1/me").await;
    assert_eq!(me.status(), StatusCode::FORBIDDEN);
    assert!(me
        .text()
        .await
        .unwrap()
        .contains("password_change_required"));
    let res = reset
        .post(
            "/account/password",
            &[
                ("current", one_time.as_str()),
                ("new", new_pw),
                ("confirm", new_pw),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(reset.get("/entries").await.status(), StatusCode::OK);

    // Step 3: disabling ends sessions and tokens at once; enabling restores.
    let token = crate::api::token_for(&s.db, "canbo.tohieu").await;
    let api = crate::api::Api::new(&s.base, Some(token));
    assert_eq!(api.get("/me").await.status, StatusCode::OK);
    let tohieu =
        s.db.user_by_username("canbo.tohieu")
            .await
            .unwrap()
            .unwrap()
            .id;
    let res = admin
        .post(&format!("/admin/users/{tohieu}/disable"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        officer.get("/entries").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(api.get("/me").await.status, StatusCode::UNAUTHORIZED);
    let res = t
        .post(
            "/login",
            &[("username", "canbo.tohieu"), ("password", new_pw)],
        )
        .await;
    // The answer does not confirm the password of a disabled account.
    assert!(res.text().await.unwrap().contains("không đúng"));
    let page = admin.get_text("/admin/users").await;
    assert!(page.contains("Đã khoá"));
    admin
        .post(&format!("/admin/users/{tohieu}/enable"), &[])
        .await;
    assert_eq!(api.get("/me").await.status, StatusCode::OK);
    // Nobody else may do it, and nobody locks themselves out.
    let officer = Client::login(&s.base, "mttq.tohieu").await;
    let res = officer
        .post(&format!("/admin/users/{tohieu}/disable"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let me = s.db.user_by_username("quantri").await.unwrap().unwrap().id;
    let res = admin.post(&format!("/admin/users/{me}/disable"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // Every change is in the audit trail.
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE record_type = 'user' AND action LIKE 'user.%' ORDER BY id",
    )
    .fetch_all(&s.db.pool)
    .await
    .unwrap();
    for a in [
        "user.password",
        "user.password_reset",
        "user.disable",
        "user.enable",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
}

/// Guesses run concurrently never get past the limit, and the owner
/// signing in from another address is not locked out by them.
pub(crate) async fn concurrent_guesses_never_pass_the_limit(kind: Kind) {
    let s = start(kind, 0).await;
    let base = serve_with(
        &s.db,
        dvk_web::WebConfig {
            trusted_proxies: dvk_web::client::parse_networks("127.0.0.1/32").unwrap(),
            ..Default::default()
        },
    )
    .await;
    let attacker = Client::anonymous(&base).await;
    let guesses: Vec<_> = (0..16)
        .map(|i| {
            let c = attacker.clone();
            let base = base.clone();
            tokio::spawn(async move {
                c.http
                    .post(format!("{base}/login"))
                    .header("x-forwarded-for", "203.0.113.66")
                    .form(&[
                        ("csrf", c.csrf.as_str()),
                        ("username", "bandanvan"),
                        ("password", &format!("doan-sai-{i}")),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut checked = 0;
    for g in guesses {
        match g.await.unwrap() {
            StatusCode::BAD_REQUEST => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        checked <= 5,
        "{checked} guesses were checked against a limit of 5"
    );
    // The right password from the attacker's address waits …
    let res = attacker
        .http
        .post(format!("{base}/login"))
        .header("x-forwarded-for", "203.0.113.66")
        .form(&[
            ("csrf", attacker.csrf.as_str()),
            ("username", "bandanvan"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // Names shaped like the throttle's keys count against nobody else.
    for _ in 0..6 {
        attacker
            .http
            .post(format!("{base}/login"))
            .header("x-forwarded-for", "203.0.113.67")
            .form(&[
                ("csrf", attacker.csrf.as_str()),
                ("username", "bandanvan|address:198.51.100.20"),
                ("password", "doan-sai"),
            ])
            .send()
            .await
            .unwrap();
    }
    // … and the owner at the office signs in.
    let owner = Client::anonymous(&base).await;
    let res = owner
        .http
        .post(format!("{base}/login"))
        .header("x-forwarded-for", "198.51.100.20")
        .form(&[
            ("csrf", owner.csrf.as_str()),
            ("username", "bandanvan"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

fn set_cookie_named(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn value_of(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

/// Behind HTTPS the cookies are `__Host-` cookies (Secure, whole site, this
/// host only) with HSTS; a pre-login token the server did not sign is
/// refused, so a cookie planted in the browser cannot carry a login.
pub(crate) async fn cookies_are_host_bound_and_pre_login_tokens_signed(kind: Kind) {
    let s = start(kind, 0).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Step 1: secure mode.
    let base = serve_with(
        &s.db,
        dvk_web::WebConfig {
            secure_cookies: true,
            ..Default::default()
        },
    )
    .await;
    let page = http.get(format!("{base}/login")).send().await.unwrap();
    assert!(page.headers().contains_key("strict-transport-security"));
    let pre = set_cookie_named(&page, "__Host-dvk_pre").expect("a __Host- pre-login cookie");
    assert!(pre.contains("Secure") && pre.contains("Path=/") && !pre.contains("Domain"));
    let pre = value_of(&pre);
    let res = http
        .post(format!("{base}/login"))
        .header("cookie", format!("__Host-dvk_pre={pre}"))
        .form(&[
            ("csrf", pre.as_str()),
            ("username", "canbo.tohieu"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let session = set_cookie_named(&res, "__Host-dvk_session").expect("a __Host- session");
    assert!(session.contains("Secure") && session.contains("HttpOnly"));
    let session = value_of(&session);
    let home = http
        .get(format!("{base}/entries"))
        .header("cookie", format!("__Host-dvk_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    // The unprefixed name is not the session in secure mode.
    let plain = http
        .get(format!("{base}/entries"))
        .header("cookie", format!("dvk_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::SEE_OTHER);

    // Step 2: a forged pre-login cookie (any value the attacker chose,
    // echoed in the form) is refused.
    let forged = "ab".repeat(56);
    for base in [&base, &s.base] {
        for name in ["__Host-dvk_pre", "dvk_pre"] {
            let res = http
                .post(format!("{base}/login"))
                .header("cookie", format!("{name}={forged}"))
                .form(&[
                    ("csrf", forged.as_str()),
                    ("username", "canbo.tohieu"),
                    ("password", DEMO_PASSWORD),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{base} {name}");
        }
    }
}
