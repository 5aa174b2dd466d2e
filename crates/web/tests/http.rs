//! Black-box HTTP tests: a real server on a random port over a fresh
//! database per test, driven through the real forms.

use dvk_domain::auth::Role;
use dvk_domain::entry::EntryForm;
use dvk_store::demo::{load_demo, DEMO_PASSWORD};
use dvk_store::units::Unit;
use dvk_store::{service, Db};
use dvk_web::{AppState, WebConfig};
use reqwest::{redirect, Response, StatusCode};
use sqlx::Row;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Sqlite,
    Postgres,
}

/// Where PostgreSQL tests create their databases. In CI they must run:
/// a missing server fails the run instead of skipping silently.
fn postgres_admin_url() -> Option<String> {
    match std::env::var("DVK_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").is_ok_and(|v| !v.is_empty()) => {
            panic!("CI must run the PostgreSQL tests: set DVK_TEST_POSTGRES_URL (see README)")
        }
        _ => {
            eprintln!("PostgreSQL tests skipped: DVK_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

/// A fresh, empty database of the given kind; PostgreSQL ones are dropped
/// when the guard goes, even after a failed test.
struct TestDb {
    url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    async fn new(kind: Kind) -> TestDb {
        match kind {
            Kind::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
            Kind::Postgres => {
                let admin = postgres_admin_url().expect("PostgreSQL URL");
                let name = format!("dvk_t_{}", &dvk_store::accounts::random_token()[..16]);
                let db = Db::connect(&admin, 1).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&db.pool)
                    .await
                    .unwrap();
                db.close().await;
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
                TestDb {
                    url: format!("{base}/{name}"),
                    _dir: None,
                    pg: Some((admin, name)),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(db) = Db::connect(&admin, 1).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&db.pool)
                                .await;
                        db.close().await;
                    }
                });
            })
            .join();
        }
    }
}

struct Server {
    base: String,
    db: Db,
    province: Unit,
    _test_db: TestDb,
}

/// A fresh database with Sơn La and `entries` demo entries, served on a
/// random port. On PostgreSQL, page reads go through a second pool (as to a
/// replica) over the same database.
async fn start(kind: Kind, entries: usize) -> Server {
    let test_db = TestDb::new(kind).await;
    let read_url = match kind {
        Kind::Sqlite => None,
        Kind::Postgres => Some(format!("{}?application_name=dvk_read", test_db.url)),
    };
    let db = Db::connect_with_replica(&test_db.url, read_url.as_deref(), 4)
        .await
        .unwrap();
    db.migrate().await.unwrap();
    db.seed_reference().await.unwrap();
    let province = db.load_province("14").await.unwrap();
    let cat = db.catalogue().await.unwrap();
    load_demo(&db, &cat, &province, entries).await.unwrap();
    let base = serve(&db).await;
    Server {
        base,
        db,
        province,
        _test_db: test_db,
    }
}

async fn serve(db: &Db) -> String {
    let state = AppState::new(
        db.clone(),
        WebConfig {
            secure_cookies: false,
            expose_query_count: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(dvk_web::serve(listener, state));
    format!("http://{addr}")
}

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base: String,
    csrf: String,
}

fn extract_csrf(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[i..].split('"').next()?.to_owned())
}

impl Client {
    async fn anonymous(base: &str) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .unwrap();
        let mut c = Client {
            http,
            base: base.to_owned(),
            csrf: String::new(),
        };
        let page = c.get_text("/login").await;
        c.csrf = extract_csrf(&page).expect("login form has a CSRF token");
        c
    }

    async fn login(base: &str, username: &str) -> Client {
        let mut c = Client::anonymous(base).await;
        let res = c
            .post(
                "/login",
                &[
                    ("username", username),
                    ("password", DEMO_PASSWORD),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "login of {username}");
        let home = c.get_text("/").await;
        c.csrf = extract_csrf(&home).expect("home page has the session's CSRF token");
        c
    }

    async fn get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// POSTs a form with the session's CSRF token.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.http
            .post(format!("{}{path}", self.base))
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    async fn post_raw(&self, path: &str, body: Vec<u8>) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn upload(&self, entry: i64, name: &str, bytes: Vec<u8>, with_csrf: bool) -> Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let q = if with_csrf {
            format!("?csrf={}", self.csrf)
        } else {
            String::new()
        };
        // A refused oversized upload may leave its connection half-read; it
        // is not reused for the next request.
        self.http
            .post(format!("{}/entries/{entry}/attachments{q}", self.base))
            .header("connection", "close")
            .multipart(form)
            .send()
            .await
            .unwrap()
    }
}

fn location(res: &Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

fn entry_id_from(res: &Response) -> i64 {
    let loc = location(res);
    loc.trim_start_matches("/entries/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no entry id in {loc}"))
}

async fn unit_by_name(db: &Db, name: &str) -> Unit {
    db.all_units(false)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name == name)
        .unwrap_or_else(|| panic!("unit {name}"))
}

/// A commune chosen for the demo accounts and one of its registering units.
async fn commune_units(db: &Db) -> (Unit, Unit, Unit, Unit) {
    let to_hieu = db
        .all_units(false)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.code.as_deref() == Some("03646") && u.valid_to.is_none())
        .unwrap();
    let chieng_an = db
        .all_units(false)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.code.as_deref() == Some("03664") && u.valid_to.is_none())
        .unwrap();
    let front_a = unit_by_name(db, &format!("Ủy ban MTTQ Việt Nam {}", to_hieu.name)).await;
    let front_b = unit_by_name(db, &format!("Ủy ban MTTQ Việt Nam {}", chieng_an.name)).await;
    (to_hieu, front_a, chieng_an, front_b)
}

fn full_form(unit_id: i64, title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "model".into()),
        ("subject", "collective".into()),
        ("field_id", "2".into()),
        ("target_level", "xa".into()),
        ("phase", "2026-2030".into()),
        ("year", "2026".into()),
        ("unit_id", unit_id.to_string()),
        ("title", title.into()),
        (
            "situation",
            "Nhiều hộ chưa đồng thuận hiến đất mở rộng đường.".into(),
        ),
        (
            "objectives",
            "100% hộ đồng thuận; 2 km đường bê tông trong năm 2026.".into(),
        ),
        (
            "content",
            "Họp dân từng bản; cán bộ đến từng nhà vận động.".into(),
        ),
        ("area", "Bản Nà Sản; 120 hộ dân tộc Thái.".into()),
        ("forces", "Chi bộ, trưởng bản, Mặt trận, đoàn thể.".into()),
        ("resources", "300 triệu đồng, 500 ngày công của dân.".into()),
        ("timeline", "03/2026 – 12/2026.".into()),
        (
            "outputs",
            "2 km đường; biên bản họp dân; ảnh trước/sau.".into(),
        ),
        (
            "sustainability",
            "Có quy chế bảo dưỡng; các bản lân cận học tập.".into(),
        ),
    ]
}

fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

/// Creates an entry directly through the service, in the given state.
async fn fixture_entry(
    db: &Db,
    officer: &str,
    reviewer: &str,
    unit_id: i64,
    submitted: bool,
) -> i64 {
    let cat = db.catalogue().await.unwrap();
    let form: EntryForm = serde_urlencoded::from_str(
        &serde_urlencoded::to_string(full_form(unit_id, "Mô hình thử nghiệm")).unwrap(),
    )
    .unwrap();
    let actor = actor_of(db, officer).await;
    let id = service::create_entry(db, &cat, &actor, &form)
        .await
        .unwrap();
    if submitted {
        service::transition(db, &actor, id, dvk_domain::state::Transition::Submit, "", 1)
            .await
            .unwrap();
    }
    let _ = reviewer;
    id
}

async fn actor_of(db: &Db, username: &str) -> dvk_domain::auth::Actor {
    let user = db.user_by_username(username).await.unwrap().unwrap();
    let (token, _) = db.create_session(user.id).await.unwrap();
    db.session(&token).await.unwrap().unwrap().actor()
}

async fn entry_state(db: &Db, id: i64) -> (String, i64) {
    let r = sqlx::query("SELECT state, version FROM entries WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    (r.try_get("state").unwrap(), r.try_get("version").unwrap())
}

/// Counts that any accepted write would change.
async fn snapshot(db: &Db) -> Vec<i64> {
    let mut v = Vec::new();
    for t in [
        "entries",
        "audit_log",
        "users",
        "units",
        "role_grants",
        "attachments",
    ] {
        let n: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        v.push(n);
    }
    let sum: i64 = sqlx::query("SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM entries")
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    v.push(sum);
    v
}

fn pdf_bytes() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

async fn registration_cycle_through_the_forms(kind: Kind) {
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
    assert!(s.db.verify_audit().await.unwrap().fault.is_none());
}

#[derive(Clone, Copy, Debug)]
enum Route {
    Create,
    Edit,
    Submit,
    Withdraw,
    Upload,
    Accept,
    Return,
    AddUnit,
    AddUser,
    AddGrant,
    RemoveGrant,
}

const USERS: [&str; 13] = [
    "",
    "quantri",
    "bandanvan",
    "mttq.tohieu",
    "mttq.chiengan",
    "canbo.tohieu",
    "canbo.chiengan",
    "canbo.ban",
    "canbo.soyte",
    "hoidong.uyvien",
    "hoidong.chutich",
    "hoidong.thuky",
    "lanhdao",
];

/// Who may do what, written out by hand: `inside` is Phường Tô Hiệu's
/// subtree, the other target is Phường Chiềng An's.
fn allowed(route: Route, user: &str, inside: bool) -> bool {
    match route {
        Route::Create | Route::Edit | Route::Submit | Route::Withdraw | Route::Upload => {
            (inside && user == "canbo.tohieu") || (!inside && user == "canbo.chiengan")
        }
        Route::Accept | Route::Return => {
            user == "bandanvan"
                || (inside && user == "mttq.tohieu")
                || (!inside && user == "mttq.chiengan")
        }
        Route::AddUnit | Route::AddUser | Route::AddGrant | Route::RemoveGrant => user == "quantri",
    }
}

/// A grant that the "remove grant" route can try to delete.
async fn spare_grant(db: &Db, user: i64, unit: i64) -> i64 {
    let row = sqlx::query("SELECT id FROM role_grants WHERE user_id = $1 AND role = 'council_member' AND unit_id = $2")
        .bind(user)
        .bind(unit)
        .fetch_optional(&db.pool)
        .await
        .unwrap();
    match row {
        Some(r) => r.try_get(0).unwrap(),
        None => db
            .insert_grant(None, user, Role::CouncilMember, unit)
            .await
            .unwrap(),
    }
}

async fn authorisation_matrix_every_state_changing_route(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, front_b) = commune_units(&s.db).await;
    let mut clients = Vec::new();
    for u in USERS {
        clients.push(if u.is_empty() {
            Client::anonymous(&s.base).await
        } else {
            Client::login(&s.base, u).await
        });
    }
    let routes = [
        Route::Create,
        Route::Edit,
        Route::Submit,
        Route::Withdraw,
        Route::Upload,
        Route::Accept,
        Route::Return,
        Route::AddUnit,
        Route::AddUser,
        Route::AddGrant,
        Route::RemoveGrant,
    ];
    let spare_user =
        s.db.user_by_username("hoidong.thuky")
            .await
            .unwrap()
            .unwrap()
            .id;
    let mut checked = 0;
    for route in routes {
        for inside in [true, false] {
            let (unit, officer) = if inside {
                (&front_a, "canbo.tohieu")
            } else {
                (&front_b, "canbo.chiengan")
            };
            for (ui, user) in USERS.iter().enumerate() {
                let c = &clients[ui];
                let needs_submitted = matches!(route, Route::Accept | Route::Return);
                let entry =
                    fixture_entry(&s.db, officer, "bandanvan", unit.id, needs_submitted).await;
                let version = entry_state(&s.db, entry).await.1.to_string();
                let grant_id = spare_grant(&s.db, spare_user, unit.id).await;
                let before = snapshot(&s.db).await;
                let state_before = entry_state(&s.db, entry).await;
                let res = match route {
                    Route::Create => {
                        c.post("/entries", &as_refs(&full_form(unit.id, "Mô hình mới")))
                            .await
                    }
                    Route::Edit => {
                        let mut f = full_form(unit.id, "Tên đã sửa");
                        f.push(("version", version.clone()));
                        c.post(&format!("/entries/{entry}/edit"), &as_refs(&f))
                            .await
                    }
                    Route::Submit | Route::Withdraw | Route::Accept => {
                        let action = match route {
                            Route::Submit => "submit",
                            Route::Withdraw => "withdraw",
                            _ => "accept",
                        };
                        c.post(
                            &format!("/entries/{entry}/transition"),
                            &[("action", action), ("reason", ""), ("version", &version)],
                        )
                        .await
                    }
                    Route::Return => {
                        c.post(
                            &format!("/entries/{entry}/transition"),
                            &[
                                ("action", "return"),
                                ("reason", "Thiếu số liệu"),
                                ("version", &version),
                            ],
                        )
                        .await
                    }
                    Route::Upload => c.upload(entry, "a.pdf", pdf_bytes(), true).await,
                    Route::AddUnit => {
                        c.post(
                            "/admin/units",
                            &[
                                ("parent_id", &unit.id.to_string()),
                                ("name", "Bản Mới"),
                                ("kind", "khu_dan_cu"),
                            ],
                        )
                        .await
                    }
                    Route::AddUser => {
                        let name = format!("nguoimoi{checked}");
                        c.post(
                            "/admin/users",
                            &[
                                ("username", &name),
                                ("full_name", "Người Mới"),
                                ("password", "mat-khau-du-dai-1"),
                            ],
                        )
                        .await
                    }
                    Route::AddGrant => {
                        c.post(
                            "/admin/grants",
                            &[
                                ("user_id", &spare_user.to_string()),
                                ("role", "signing_leader"),
                                ("unit_id", &unit.id.to_string()),
                            ],
                        )
                        .await
                    }
                    Route::RemoveGrant => {
                        c.post(&format!("/admin/grants/{grant_id}/delete"), &[])
                            .await
                    }
                };
                let status = res.status();
                let ok = status == StatusCode::SEE_OTHER && !location(&res).starts_with("/login");
                let expected = allowed(route, user, inside);
                assert_eq!(
                    ok, expected,
                    "{route:?} by {user:?} inside={inside}: status {status}"
                );
                if !ok {
                    assert!(
                        matches!(
                            status,
                            StatusCode::FORBIDDEN
                                | StatusCode::NOT_FOUND
                                | StatusCode::UNAUTHORIZED
                        ),
                        "{route:?} by {user:?}: refused with {status}"
                    );
                    assert_eq!(
                        snapshot(&s.db).await,
                        before,
                        "{route:?} by {user:?} changed data although refused"
                    );
                    assert_eq!(entry_state(&s.db, entry).await, state_before);
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 11 * 2 * 13);
}

async fn csrf_missing_or_wrong_is_refused(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let id = fixture_entry(&s.db, "canbo.tohieu", "", front_a.id, false).await;
    let before = snapshot(&s.db).await;
    // No token.
    let res = officer
        .http
        .post(format!("{}/entries/{id}/transition", s.base))
        .form(&[("action", "submit"), ("version", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("CSRF"));
    // Wrong token.
    let res = officer
        .http
        .post(format!("{}/entries/{id}/transition", s.base))
        .form(&[("csrf", "00ff00ff"), ("action", "submit"), ("version", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Another session's token.
    let other = Client::login(&s.base, "canbo.chiengan").await;
    let res = officer
        .http
        .post(format!("{}/entries/{id}/transition", s.base))
        .form(&[
            ("csrf", other.csrf.as_str()),
            ("action", "submit"),
            ("version", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Upload without the token.
    let res = officer.upload(id, "a.pdf", pdf_bytes(), false).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Login without the pre-session cookie.
    let bare = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let res = bare
        .post(format!("{}/login", s.base))
        .form(&[
            ("csrf", "abc"),
            ("username", "canbo.tohieu"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(snapshot(&s.db).await, before);
    // The same request with the token works.
    let res = officer
        .post(
            &format!("/entries/{id}/transition"),
            &[("action", "submit"), ("version", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

async fn stored_xss_comes_back_escaped(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let mut fields = full_form(front_a.id, "<script>alert('xss')</script> Mô hình");
    fields.iter_mut().find(|(k, _)| *k == "content").unwrap().1 =
        "\"><img src=x onerror=alert(1)>".into();
    let res = officer.post("/entries", &as_refs(&fields)).await;
    let id = entry_id_from(&res);
    for page in [
        officer.get_text(&format!("/entries/{id}")).await,
        officer.get_text("/entries").await,
    ] {
        assert!(!page.contains("<script>alert"), "raw script tag in page");
        assert!(!page.contains("<img src=x"), "raw img tag in page");
        assert!(
            page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"),
            "escaped title missing"
        );
    }
    let edit = officer.get_text(&format!("/entries/{id}/edit")).await;
    assert!(!edit.contains("\"><img"));
    // Security headers are on every page.
    let res = officer.get("/entries").await;
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
}

async fn bad_input_gets_clear_errors_and_changes_nothing(kind: Kind) {
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

async fn audit_check_catches_an_edited_record(kind: Kind) {
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

async fn search_ignores_diacritics_and_sorting_is_vietnamese(kind: Kind) {
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
    if kind == Kind::Postgres {
        // pg_trgm word similarity lets a small typo still match.
        let page = officer.get_text("/entries?q=nhac+dan+toc+thaii").await;
        assert!(
            page.contains("Âm nhạc dân tộc Thái"),
            "typo-tolerant search on PostgreSQL"
        );
    }
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

fn queries(res: &Response) -> u32 {
    res.headers()["x-dvk-queries"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn list_and_detail_query_counts_do_not_grow_with_data(kind: Kind) {
    let s = start(kind, 10).await;
    let c = Client::login(&s.base, "bandanvan").await;
    let small = measure(&c).await;
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
    assert!(small.2 <= 5, "detail page issues {} queries", small.2);
    // The list page stays small: HTML + CSS + JS under 100 KB.
    let html = c.get("/entries").await.bytes().await.unwrap().len();
    let css = c.get("/static/app.css").await.bytes().await.unwrap().len();
    let js = c.get("/static/app.js").await.bytes().await.unwrap().len();
    assert!(
        html + css + js < 100 * 1024,
        "list page weighs {} bytes",
        html + css + js
    );
}

async fn sessions_survive_a_restart_and_logins_are_throttled(kind: Kind) {
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

async fn admin_pages_manage_units_users_and_grants(kind: Kind) {
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

async fn concurrent_transitions_cannot_both_succeed(kind: Kind) {
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

async fn read_queries_go_to_the_replica(kind: Kind) {
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
        db.list_entries(&filter).await.unwrap().1,
        0,
        "lists are read from the replica"
    );
    assert_eq!(db.count_entries(&filter).await.unwrap(), 0);
    assert!(
        db.entry(1).await.unwrap().is_some(),
        "the entry page reads its own writes from the primary"
    );
    let plain = Db::connect(&primary.url, 1).await.unwrap();
    assert_eq!(plain.list_entries(&filter).await.unwrap().1, 5);
    db.close().await;
    plain.close().await;
}

async fn other_units_records_cannot_be_referenced(kind: Kind) {
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
    let page = officer.get_text(&location(&res)).await;
    assert!(page.contains(&format!("#{own} Mô hình thử nghiệm")));
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

/// Accepted entries ready for a round: `n` in each of the two communes.
async fn accepted_entries(s: &Server, n: usize) -> (Vec<i64>, Vec<i64>) {
    let (_, front_a, _, front_b) = commune_units(&s.db).await;
    let reviewer = actor_of(&s.db, "bandanvan").await;
    let mut a = Vec::new();
    let mut b = Vec::new();
    for (officer, unit, out) in [
        ("canbo.tohieu", front_a.id, &mut a),
        ("canbo.chiengan", front_b.id, &mut b),
    ] {
        for _ in 0..n {
            let id = fixture_entry(&s.db, officer, "", unit, true).await;
            service::transition(
                &s.db,
                &reviewer,
                id,
                dvk_domain::state::Transition::Accept,
                "",
                2,
            )
            .await
            .unwrap();
            out.push(id);
        }
    }
    (a, b)
}

async fn open_round(c: &Client, s: &Server, mode: &str) -> i64 {
    let res = c
        .post(
            "/rounds",
            &[
                ("unit_id", &s.province.id.to_string()),
                (
                    "title",
                    "Xét công nhận mô hình “Dân vận khéo” cấp xã năm 2026",
                ),
                ("level", "xa"),
                ("phase", "2026-2030"),
                ("year", "2026"),
                ("kind", "annual"),
                ("mode", mode),
                ("ballot_threshold", "50"),
                ("proposal_deadline", "31/12/2099"),
                ("quota", "2"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "open round");
    location(&res)
        .trim_start_matches("/rounds/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn user_id(db: &Db, username: &str) -> String {
    db.user_by_username(username)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

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
    let res = citizen
        .post(
            &format!("/cong-khai/{rid}/comments"),
            &[
                ("entry_id", &a0),
                ("body", "Mô hình rất thiết thực, bà con đồng tình."),
                ("website", "http://spam"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    for i in 0..3 {
        let body = format!("Ý kiến thứ {i}: đề nghị làm rõ kinh phí.");
        let res = citizen
            .post(
                &format!("/cong-khai/{rid}/comments"),
                &[("entry_id", &a0), ("name", "Lò Văn Dân"), ("body", &body)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "comment {i}");
    }
    let res = citizen
        .post(
            &format!("/cong-khai/{rid}/comments"),
            &[("entry_id", &a0), ("body", "Ý kiến thứ tư gửi quá nhanh.")],
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
    let decision = |extra: &[(&'static str, String)]| {
        let mut v: Vec<(&'static str, String)> = vec![
            ("number", "15/QĐ-UBND".into()),
            ("signed_on", ap_date(0)),
            ("signer", "Trần Quốc Khánh".into()),
            ("signer_title", "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH".into()),
            ("issuing_body", "Ủy ban nhân dân tỉnh Sơn La".into()),
            ("issuer_type", "chinh_quyen".into()),
        ];
        v.extend_from_slice(extra);
        v
    };
    let picks: Vec<(&'static str, String)> = vec![
        ("entry", a[0].to_string()),
        ("entry", a[2].to_string()),
        ("entry", b[0].to_string()),
    ];
    let res = leader
        .post(
            &format!("/rounds/{rid}/decision"),
            &as_refs(&decision(&picks)),
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
        "UPDATE rounds SET notice_starts = '2026-01-01', notice_ends = '2026-01-08' WHERE id = $1",
    )
    .bind(rid)
    .execute(&s.db.pool)
    .await
    .unwrap();
    assert_eq!(
        secretariat
            .post(
                &format!("/rounds/{rid}/decision"),
                &as_refs(&decision(&picks))
            )
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "only a signing leader decides"
    );
    let res = leader
        .post(
            &format!("/rounds/{rid}/decision"),
            &as_refs(&decision(&picks)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry_state(&s.db, a[0]).await.0, "recognised");
    assert_eq!(
        entry_state(&s.db, b[1]).await.0,
        "not_recognised",
        "left out of the decision"
    );
    let cert = officer_a
        .get_text(&format!("/entries/{}/certificate", a[0]))
        .await;
    assert!(cert.contains("GIẤY CHỨNG NHẬN") && cert.contains("15/QĐ-UBND"));
    // Public pages: recognised models with a view counter; others are not public.
    let list = citizen.get_text("/mo-hinh?level=xa&year=2026").await;
    assert!(list.contains(&format!("/mo-hinh/{}", a[0])));
    assert!(!list.contains(&format!("/mo-hinh/{}\"", a[1])));
    citizen.get_text(&format!("/mo-hinh/{}", a[0])).await;
    let detail = citizen.get_text(&format!("/mo-hinh/{}", a[0])).await;
    assert!(detail.contains("2 lượt xem"));
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
    let days = (dvk_store::db::now() + 7 * 3600).div_euclid(86_400) + days_from_today;
    dvk_store::appraisal::show_date(&dvk_store::appraisal::iso_date(days))
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, s)| (k.as_str(), s.as_str())).collect()
}

async fn whole_round_by_scores(kind: Kind) {
    whole_round(kind, "score").await
}

async fn whole_round_by_ballot(kind: Kind) {
    whole_round(kind, "ballot").await
}

async fn round_pages_query_counts_do_not_grow(kind: Kind) {
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

async fn criteria_sets_are_versioned(kind: Kind) {
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
    assert!(res.text().await.unwrap().contains("Ngưỡng điểm bình quân"));
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

async fn round_routes_refuse_outsiders(kind: Kind) {
    let s = start(kind, 0).await;
    let (a, _) = accepted_entries(&s, 1).await;
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
    let full: Vec<(String, String)> = data
        .collective
        .criteria
        .iter()
        .map(|c| (format!("c{}", c.id), "8".to_owned()))
        .collect();
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let mut prop = vec![("round_id".to_owned(), rid.to_string())];
    prop.extend(full.clone());
    assert_eq!(
        officer
            .post(&format!("/entries/{}/propose", a[0]), &pairs(&prop))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let set_id = data.collective.id.to_string();
    let routes: Vec<(String, Vec<(&str, String)>)> = vec![
        (
            format!("/rounds/{rid}/members"),
            vec![("user_id", chair_id.clone()), ("role", "member".into())],
        ),
        (format!("/rounds/{rid}/assign"), vec![("how", "all".into())]),
        (format!("/rounds/{rid}/start"), vec![]),
        (
            format!("/rounds/{rid}/conclude"),
            vec![
                ("date", "20/11/2026".into()),
                ("place", "X".into()),
                ("present", "Y".into()),
            ],
        ),
        (
            format!("/rounds/{rid}/notice"),
            vec![
                ("starts", "01/11/2026".into()),
                ("ends", "05/11/2026".into()),
            ],
        ),
        (
            format!("/rounds/{rid}/decision"),
            vec![("number", "1/QĐ".into()), ("entry", a[0].to_string())],
        ),
        (
            format!("/rounds/{rid}/score/{}", a[0]),
            full.iter().map(|(k, v)| (k.as_str(), v.clone())).collect(),
        ),
        (
            format!("/criteria/{set_id}"),
            vec![
                ("pass", "60".into()),
                ("min", "40".into()),
                ("name", "X".into()),
                ("weight", "1".into()),
                ("max", "10".into()),
            ],
        ),
        (
            format!("/entries/{}/propose", a[0]),
            vec![("round_id", rid.to_string())],
        ),
        (
            "/rounds".to_owned(),
            vec![
                ("unit_id", s.province.id.to_string()),
                ("title", "Đợt lạ".into()),
                ("level", "xa".into()),
                ("phase", "2026-2030".into()),
                ("year", "2026".into()),
                ("kind", "annual".into()),
                ("mode", "score".into()),
            ],
        ),
    ];
    for user in [
        "",
        "canbo.chiengan",
        "canbo.soyte",
        "hoidong.uyvien",
        "mttq.chiengan",
    ] {
        let c = if user.is_empty() {
            Client::anonymous(&s.base).await
        } else {
            Client::login(&s.base, user).await
        };
        for (path, fields) in &routes {
            let before = snapshot(&s.db).await;
            let rounds_before: i64 = sqlx::query("SELECT COUNT(*) FROM rounds")
                .fetch_one(&s.db.pool)
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = c.post(path, &refs).await;
            let status = res.status();
            assert!(
                matches!(
                    status,
                    StatusCode::UNAUTHORIZED
                        | StatusCode::FORBIDDEN
                        | StatusCode::NOT_FOUND
                        | StatusCode::BAD_REQUEST
                        | StatusCode::CONFLICT
                ),
                "{path} by {user:?} answered {status}"
            );
            assert_ne!(status, StatusCode::SEE_OTHER);
            assert_eq!(
                snapshot(&s.db).await,
                before,
                "{path} by {user:?} changed data"
            );
            let rounds_after: i64 = sqlx::query("SELECT COUNT(*) FROM rounds")
                .fetch_one(&s.db.pool)
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
            assert_eq!(rounds_before, rounds_after);
        }
        // Outsiders do not see the round page either.
        if user == "canbo.soyte" || user.is_empty() {
            assert_ne!(
                c.get(&format!("/rounds/{rid}")).await.status(),
                StatusCode::OK
            );
        }
    }
}

/// Entries taken through a whole commune-level round by the services: all recognised.
async fn recognised_entries(s: &Server, n: usize) -> Vec<i64> {
    use dvk_store::appraisal as ap;
    let (a, b) = accepted_entries(s, n).await;
    let organiser = actor_of(&s.db, "bandanvan").await;
    let form = ap::RoundForm {
        unit_id: s.province.id.to_string(),
        title: "Đợt xét 2026".into(),
        level: "xa".into(),
        year: "2026".into(),
        phase: "2026-2030".into(),
        kind: "annual".into(),
        mode: "ballot".into(),
        ..Default::default()
    };
    let rid = ap::create_round(&s.db, &organiser, &form).await.unwrap();
    let chair =
        s.db.user_by_username("hoidong.chutich")
            .await
            .unwrap()
            .unwrap()
            .id;
    ap::add_member(
        &s.db,
        &organiser,
        rid,
        chair,
        dvk_domain::appraisal::CouncilRole::Chair,
    )
    .await
    .unwrap();
    let data = s.db.round_core(rid).await.unwrap().unwrap();
    let points: HashMap<i64, String> = data
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
    let chair_actor = actor_of(&s.db, "hoidong.chutich").await;
    let all: Vec<i64> = a.iter().chain(b.iter()).copied().collect();
    for id in &all {
        ap::save_ballot(&s.db, &chair_actor, rid, *id, Some(true), "")
            .await
            .unwrap();
    }
    ap::conclude(
        &s.db,
        &chair_actor,
        rid,
        &ap::MinutesForm {
            date: "01/11/2026".into(),
            place: "Tỉnh ủy".into(),
            present: "đủ".into(),
        },
    )
    .await
    .unwrap();
    ap::publish_notice(&s.db, &organiser, rid, "01/11/2026", "08/11/2026")
        .await
        .unwrap();
    let leader = actor_of(&s.db, "lanhdao").await;
    let d = ap::DecisionForm {
        number: "99/QĐ-UBND".into(),
        signed_on: "20/11/2026".into(),
        signer: "Trần Quốc Khánh".into(),
        signer_title: "PHÓ CHỦ TỊCH".into(),
        issuing_body: "Ủy ban nhân dân tỉnh Sơn La".into(),
        issuer_type: "chinh_quyen".into(),
    };
    ap::decide(&s.db, &leader, rid, &d, &all).await.unwrap();
    all
}

async fn rewards_funnel_one_form_and_revocation(kind: Kind) {
    let s = start(kind, 0).await;
    let ids = recognised_entries(&s, 2).await;
    let secretariat = Client::login(&s.base, "bandanvan").await;
    let res = secretariat
        .post(
            "/rewards",
            &[
                ("unit_id", &s.province.id.to_string()),
                (
                    "title",
                    "Khen thưởng mô hình “Dân vận khéo” cấp xã năm 2026",
                ),
                ("level", "xa"),
                ("kind", "annual"),
                ("phase", "2026-2030"),
                ("year", "2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let rr: i64 = location(&res)
        .trim_start_matches("/rewards/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    for id in &ids[..2] {
        let res = secretariat
            .post(
                &format!("/entries/{id}/outstanding"),
                &[("back", &rr.to_string())],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let forms = s.db.reward_forms().await.unwrap();
    let form = |code: &str| {
        forms
            .iter()
            .find(|f| f.code == code)
            .unwrap()
            .id
            .to_string()
    };
    let (e0, e1) = (ids[0].to_string(), ids[1].to_string());
    assert_eq!(
        secretariat
            .post(
                &format!("/rewards/{rr}/proposals"),
                &[("entry_id", &e0), ("form_id", &form("gk-ubnd-xa"))]
            )
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // One achievement, one form of reward.
    let before = snapshot(&s.db).await;
    let res = secretariat
        .post(
            &format!("/rewards/{rr}/proposals"),
            &[("entry_id", &e0), ("form_id", &form("gk-dang-uy-xa"))],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Mỗi thành tích chỉ được đề nghị một hình thức khen thưởng"));
    assert_eq!(snapshot(&s.db).await, before);
    // A province-level form is not for a commune-level round; a not-outstanding entry is refused.
    assert_eq!(
        secretariat
            .post(
                &format!("/rewards/{rr}/proposals"),
                &[("entry_id", &e1), ("form_id", &form("bk-ubnd-tinh"))]
            )
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        secretariat
            .post(
                &format!("/rewards/{rr}/proposals"),
                &[
                    ("entry_id", &ids[2].to_string()),
                    ("form_id", &form("gk-ubnd-xa"))
                ]
            )
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        secretariat
            .post(
                &format!("/rewards/{rr}/proposals"),
                &[("entry_id", &e1), ("form_id", &form("gk-dang-uy-xa"))]
            )
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    let leader = Client::login(&s.base, "lanhdao").await;
    let decision = |form_id: String, entry: &str, number: &str| -> Vec<(&'static str, String)> {
        vec![
            ("form_id", form_id),
            ("number", number.to_owned()),
            ("signed_on", "25/11/2026".into()),
            ("signer", "Trần Quốc Khánh".into()),
            ("signer_title", "CHỦ TỊCH".into()),
            ("issuing_body", "Ủy ban nhân dân phường Tô Hiệu".into()),
            ("entry", entry.to_owned()),
        ]
    };
    assert_eq!(
        secretariat
            .post(
                &format!("/rewards/{rr}/decisions"),
                &as_refs(&decision(form("gk-ubnd-xa"), &e0, "5/QĐ-UBND"))
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let res = leader
        .post(
            &format!("/rewards/{rr}/decisions"),
            &as_refs(&decision(form("gk-ubnd-xa"), &e0, "5/QĐ-UBND")),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry_state(&s.db, ids[0]).await.0, "rewarded");
    // The same achievement cannot receive a second form in the round.
    let res = leader
        .post(
            &format!("/rewards/{rr}/decisions"),
            &as_refs(&decision(form("gk-dang-uy-xa"), &e0, "6/QĐ-ĐU")),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Mỗi thành tích chỉ nhận một hình thức khen thưởng"));
    let round = s.db.reward_round(rr).await.unwrap().unwrap();
    let (_, funnel) = s.db.reward_funnel(&round).await.unwrap();
    assert_eq!(
        funnel,
        dvk_store::rewards::Funnel {
            recognised: 4,
            outstanding: 2,
            proposed: 2,
            rewarded: 1
        }
    );
    let page = secretariat.get_text(&format!("/rewards/{rr}")).await;
    assert!(page.contains("Đã khen: Giấy khen của Chủ tịch UBND xã"));
    // A printable certificate per reward.
    let reward_id = s.db.rewards_of_entry(ids[0]).await.unwrap()[0].0;
    let cert = secretariat
        .get_text(&format!("/entries/{e0}/rewards/{reward_id}/certificate"))
        .await;
    assert!(
        cert.contains("GIẤY KHEN")
            && cert.contains("5/QĐ-UBND")
            && cert.contains("Giấy khen của Chủ tịch UBND xã")
    );
    assert_eq!(
        Client::login(&s.base, "canbo.chiengan")
            .await
            .get(&format!("/entries/{e0}/rewards/{reward_id}/certificate"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Revocation: reason and decision required; refused to others; kept in the history.
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    assert_eq!(
        officer
            .post(
                &format!("/entries/{e0}/revoke"),
                &[("reason", "Khai sai"), ("decision_ref", "12/QĐ")]
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let res = leader
        .post(
            &format!("/entries/{e0}/revoke"),
            &[("reason", ""), ("decision_ref", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = leader
        .post(
            &format!("/entries/{e0}/revoke"),
            &[
                ("reason", "Số liệu kết quả khai không đúng thực tế"),
                ("decision_ref", "Quyết định số 12/QĐ-UBND ngày 26/11/2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry_state(&s.db, ids[0]).await.0, "revoked");
    let page = leader.get_text(&format!("/entries/{e0}")).await;
    assert!(
        page.contains("Đã thu hồi khen thưởng")
            && page.contains("(đã thu hồi)")
            && page.contains("Thu hồi")
    );
    let public = Client::anonymous(&s.base)
        .await
        .get_text(&format!("/mo-hinh/{e0}"))
        .await;
    assert!(public.contains("đã bị thu hồi"));
    assert!(!Client::anonymous(&s.base)
        .await
        .get_text("/mo-hinh")
        .await
        .contains(&format!("/mo-hinh/{e0}\"")));
    assert!(s.db.verify_audit().await.unwrap().fault.is_none());
}

async fn yearly_review_and_predecessors(kind: Kind) {
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
            },
        )
        .await
        .unwrap();
        ap::publish_notice(&s.db, &seeder, rid, "02/11/2023", "10/11/2023")
            .await
            .unwrap();
        let d = ap::DecisionForm {
            number: "7/QĐ-UBND".into(),
            signed_on: "20/11/2023".into(),
            signer: "A".into(),
            signer_title: "CHỦ TỊCH".into(),
            issuing_body: "UBND tỉnh".into(),
            issuer_type: "chinh_quyen".into(),
        };
        ap::decide(&s.db, &actor_of(&s.db, "lanhdao").await, rid, &d, &[id])
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
    let rows = dvk_store::review::register(&s.db, s.province.id, 2023)
        .await
        .unwrap();
    let row = rows.iter().find(|r| r.unit_id == to_hieu.id).unwrap();
    assert_eq!(
        row.registered, 1,
        "the 2023 entry of Phường Chiềng Lề counts under Phường Tô Hiệu"
    );
    assert!(
        rows.iter().all(|r| r.unit_id != old.id),
        "historical units are folded into their successors"
    );
    let rows = dvk_store::review::register(&s.db, s.province.id, 2026)
        .await
        .unwrap();
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

async fn count_msgs(db: &Db, username: &str, like: &str, open_only: bool) -> i64 {
    let uid = db.user_by_username(username).await.unwrap().unwrap().id;
    let open = if open_only {
        " AND resolved_at IS NULL"
    } else {
        ""
    };
    sqlx::query(&format!(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND message LIKE $2{open}"
    ))
    .bind(uid)
    .bind(format!("%{like}%"))
    .fetch_one(&db.pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap()
}

async fn count_notes(db: &Db, username: &str, entry: i64, open_only: bool) -> i64 {
    let uid = db.user_by_username(username).await.unwrap().unwrap().id;
    let open = if open_only {
        " AND resolved_at IS NULL"
    } else {
        ""
    };
    sqlx::query(&format!(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND link = $2{open}"
    ))
    .bind(uid)
    .bind(format!("/entries/{entry}"))
    .fetch_one(&db.pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap()
}

async fn notifications_exactly_once(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let id = fixture_entry(&s.db, "canbo.tohieu", "", front_a.id, false).await;
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let reviewer = Client::login(&s.base, "bandanvan").await;
    let submit = |v: &'static str| [("action", "submit"), ("reason", ""), ("version", v)];
    assert_eq!(
        officer
            .post(&format!("/entries/{id}/transition"), &submit("1"))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // The browser retries the same request: refused, and nobody is told twice.
    assert_eq!(
        officer
            .post(&format!("/entries/{id}/transition"), &submit("1"))
            .await
            .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(count_notes(&s.db, "bandanvan", id, true).await, 1);
    assert_eq!(count_notes(&s.db, "mttq.tohieu", id, true).await, 1);
    assert_eq!(
        count_notes(&s.db, "mttq.chiengan", id, false).await,
        0,
        "another commune's officer is not told"
    );
    assert!(reviewer.get_text("/").await.contains("chờ tiếp nhận"));
    let ret = [
        ("action", "return"),
        ("reason", "Bổ sung minh chứng"),
        ("version", "2"),
    ];
    assert_eq!(
        reviewer
            .post(&format!("/entries/{id}/transition"), &ret)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        reviewer
            .post(&format!("/entries/{id}/transition"), &ret)
            .await
            .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(count_notes(&s.db, "canbo.tohieu", id, true).await, 1);
    // The return settles the "waiting" notice for every reviewer, shown as such.
    assert_eq!(count_notes(&s.db, "bandanvan", id, true).await, 0);
    assert_eq!(count_notes(&s.db, "mttq.tohieu", id, false).await, 1);
    assert!(reviewer
        .get_text("/")
        .await
        .contains("đã xử lý: Đã trả lại để bổ sung."));
    let home = officer.get_text("/").await;
    assert!(home.contains("bị trả lại, cần bổ sung"));
    // Sent again: a new event for reviewers; the officer's notice is settled.
    assert_eq!(
        officer
            .post(&format!("/entries/{id}/transition"), &submit("3"))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(count_notes(&s.db, "bandanvan", id, false).await, 2);
    assert_eq!(count_notes(&s.db, "bandanvan", id, true).await, 1);
    assert_eq!(count_notes(&s.db, "canbo.tohieu", id, true).await, 0);
    assert!(officer
        .get_text("/")
        .await
        .contains("đã xử lý: Đơn vị đã gửi lại hồ sơ."));
}

/// Messages a test SMTP server received: (RCPT lines, data).
type Inbox = std::sync::Arc<std::sync::Mutex<Vec<(Vec<String>, String)>>>;

/// A minimal SMTP server for tests: accepts every message and keeps
/// (recipients, data).
async fn fake_smtp() -> (
    u16,
    std::sync::Arc<std::sync::Mutex<Vec<(Vec<String>, String)>>>,
) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let store: Inbox = Default::default();
    let keep = store.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let keep = keep.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                let _ = w.write_all(b"220 localhost ESMTP test\r\n").await;
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 localhost\r\n"
                    } else if upper.starts_with("RCPT") {
                        rcpt.push(line.clone());
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = w.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        keep.lock().unwrap().push((std::mem::take(&mut rcpt), data));
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    let _ = w.write_all(reply).await;
                }
            });
        }
    });
    (port, store)
}

async fn notifications_are_mailed_once(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let (port, inbox) = fake_smtp().await;
    let mailer = dvk_store::mail::Mailer::new(
        "127.0.0.1",
        port,
        "DVK Sơn La <dvk@localhost>",
        "https://dvk.example",
    )
    .unwrap();
    for (u, mail) in [
        ("bandanvan", "huong@example.vn"),
        ("mttq.tohieu", "dong@example.vn"),
    ] {
        let id = s.db.user_by_username(u).await.unwrap().unwrap().id;
        s.db.set_user_email(id, mail).await.unwrap();
    }
    let id = fixture_entry(&s.db, "canbo.tohieu", "", front_a.id, true).await;
    let sent = dvk_store::mail::deliver_pending(&s.db, &mailer, 50)
        .await
        .unwrap();
    assert_eq!(sent, 2);
    // A second pass (or a second process) sends nothing again.
    assert_eq!(
        dvk_store::mail::deliver_pending(&s.db, &mailer, 50)
            .await
            .unwrap(),
        0
    );
    let got = inbox.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    let all_rcpt: Vec<String> = got.iter().flat_map(|(r, _)| r.clone()).collect();
    assert!(
        all_rcpt.iter().any(|r| r.contains("huong@example.vn"))
            && all_rcpt.iter().any(|r| r.contains("dong@example.vn"))
    );
    // Bodies are quoted-printable: undo soft line breaks before looking.
    let bodies: Vec<String> = got.iter().map(|(_, d)| d.replace("=\n", "")).collect();
    assert!(
        bodies
            .iter()
            .all(|d| d.contains(&format!("https://dvk.example/entries/{id}"))),
        "{}",
        bodies[0]
    );
    assert!(
        bodies.iter().all(|d| d.contains("Subject: =?utf-8?")),
        "Vietnamese subject is encoded: {}",
        bodies[0]
    );
    // People without an address get the in-app notification only.
    assert_eq!(count_notes(&s.db, "bandanvan", id, true).await, 1);
}

#[path = "http/api.rs"]
mod api;
use api::{
    api_authorisation_matrix, api_errors_name_fields, api_tokens_and_sessions, api_whole_cycle,
    public_api_is_rate_limited,
};

/// The external OpenAPI tools run once, against SQLite (the API code is
/// the same on both backends; the other API tests run on both).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_validates_and_survives_schemathesis() {
    api::openapi_validates_and_schemathesis_finds_nothing(Kind::Sqlite).await
}

/// Each test runs once on SQLite and once on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(super::Kind::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if super::postgres_admin_url().is_some() {
                        super::$name(super::Kind::Postgres).await
                    }
                }
            }
        )*
    };
}

on_both_backends!(
    api_whole_cycle,
    api_authorisation_matrix,
    api_tokens_and_sessions,
    api_errors_name_fields,
    public_api_is_rate_limited,
    notifications_are_mailed_once,
    notifications_exactly_once,
    yearly_review_and_predecessors,
    rewards_funnel_one_form_and_revocation,
    round_routes_refuse_outsiders,
    criteria_sets_are_versioned,
    whole_round_by_scores,
    whole_round_by_ballot,
    round_pages_query_counts_do_not_grow,
    other_units_records_cannot_be_referenced,
    concurrent_transitions_cannot_both_succeed,
    read_queries_go_to_the_replica,
    registration_cycle_through_the_forms,
    authorisation_matrix_every_state_changing_route,
    csrf_missing_or_wrong_is_refused,
    stored_xss_comes_back_escaped,
    bad_input_gets_clear_errors_and_changes_nothing,
    audit_check_catches_an_edited_record,
    search_ignores_diacritics_and_sorting_is_vietnamese,
    list_and_detail_query_counts_do_not_grow_with_data,
    sessions_survive_a_restart_and_logins_are_throttled,
    admin_pages_manage_units_users_and_grants,
);
