//! Shared by every area: a server over a fresh database of either kind,
//! a logged-in form client, the fixtures and counts the scenarios use, and
//! the hand-written table of who may do what (for both authorisation matrices).

use dvk_domain::auth::Role;
use dvk_domain::entry::EntryForm;
use dvk_domain::issuer::in_sentence;
use dvk_store::demo::{load_demo, DEMO_PASSWORD};
use dvk_store::units::Unit;
use dvk_store::{service, Db};
use dvk_web::{AppState, WebConfig};
use reqwest::{redirect, Response, StatusCode};
use sqlx::Row;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Sqlite,
    Postgres,
}

/// Where PostgreSQL tests create their databases. In CI they must run:
/// a missing server fails the run instead of skipping silently.
pub(crate) fn postgres_admin_url() -> Option<String> {
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
pub(crate) struct TestDb {
    pub(crate) url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub(crate) async fn new(kind: Kind) -> TestDb {
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
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
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
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
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

pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) db: Db,
    pub(crate) province: Unit,
    pub(crate) test_db: TestDb,
}

/// A fresh database with Sơn La and `entries` demo entries, served on a
/// random port. On PostgreSQL, page reads go through a second pool (as to a
/// replica) over the same database.
pub(crate) async fn start(kind: Kind, entries: usize) -> Server {
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
        test_db,
    }
}

pub(crate) async fn serve(db: &Db) -> String {
    serve_with(
        db,
        WebConfig {
            secure_cookies: false,
            expose_query_count: true,
            // Tests post comments at once; the bot defence's delay has a test of its own.
            comment_min_seconds: Some(0),
            ..Default::default()
        },
    )
    .await
}

/// The signed `started` field of a public comment form.
pub(crate) fn comment_started(page: &str) -> String {
    let i = page
        .find("name=\"started\" value=\"")
        .expect("the form is signed")
        + "name=\"started\" value=\"".len();
    page[i..].split('"').next().unwrap().to_owned()
}

/// Serves `db` with the given web settings on a random port.
pub(crate) async fn serve_with(db: &Db, config: WebConfig) -> String {
    let state = AppState::new(db.clone(), config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(dvk_web::serve(
        listener,
        state,
        tokio::sync::watch::channel(false).1,
        std::time::Duration::from_secs(1),
    ));
    format!("http://{addr}")
}

#[derive(Clone)]
pub(crate) struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) csrf: String,
}

pub(crate) fn extract_csrf(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[i..].split('"').next()?.to_owned())
}

impl Client {
    pub(crate) async fn anonymous(base: &str) -> Client {
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

    pub(crate) async fn login(base: &str, username: &str) -> Client {
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

    pub(crate) async fn get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// POSTs a form with the session's CSRF token.
    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.http
            .post(format!("{}{path}", self.base))
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn post_raw(&self, path: &str, body: Vec<u8>) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn upload(
        &self,
        entry: i64,
        name: &str,
        bytes: Vec<u8>,
        with_csrf: bool,
    ) -> Response {
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

pub(crate) fn location(res: &Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

pub(crate) fn entry_id_from(res: &Response) -> i64 {
    let loc = location(res);
    loc.trim_start_matches("/entries/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no entry id in {loc}"))
}

pub(crate) async fn unit_by_name(db: &Db, name: &str) -> Unit {
    db.all_units(false)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name == name)
        .unwrap_or_else(|| panic!("unit {name}"))
}

/// A commune chosen for the demo accounts and one of its registering units.
pub(crate) async fn commune_units(db: &Db) -> (Unit, Unit, Unit, Unit) {
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
    let front_a = unit_by_name(
        db,
        &format!("Ủy ban MTTQ Việt Nam {}", in_sentence(&to_hieu.name)),
    )
    .await;
    let front_b = unit_by_name(
        db,
        &format!("Ủy ban MTTQ Việt Nam {}", in_sentence(&chieng_an.name)),
    )
    .await;
    (to_hieu, front_a, chieng_an, front_b)
}

pub(crate) fn full_form(unit_id: i64, title: &str) -> Vec<(&'static str, String)> {
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

pub(crate) fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

/// Creates an entry directly through the service, in the given state.
pub(crate) async fn fixture_entry(
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

pub(crate) async fn actor_of(db: &Db, username: &str) -> dvk_domain::auth::Actor {
    let user = db.user_by_username(username).await.unwrap().unwrap();
    let (token, _) = db.create_session(user.id).await.unwrap();
    db.session(&token).await.unwrap().unwrap().actor()
}

pub(crate) async fn entry_state(db: &Db, id: i64) -> (String, i64) {
    let r = sqlx::query("SELECT state, version FROM entries WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    (r.try_get("state").unwrap(), r.try_get("version").unwrap())
}

/// Counts that any accepted write would change.
pub(crate) async fn snapshot(db: &Db) -> Vec<i64> {
    let mut v = Vec::new();
    for t in [
        "entries",
        "audit_log",
        "users",
        "units",
        "role_grants",
        "attachments",
    ] {
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t}")))
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

pub(crate) fn pdf_bytes() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Route {
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

pub(crate) const USERS: [&str; 13] = [
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
pub(crate) fn allowed(route: Route, user: &str, inside: bool) -> bool {
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
pub(crate) async fn spare_grant(db: &Db, user: i64, unit: i64) -> i64 {
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

pub(crate) fn queries(res: &Response) -> u32 {
    res.headers()["x-dvk-queries"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Accepted entries ready for a round: `n` in each of the two communes.
pub(crate) async fn accepted_entries(s: &Server, n: usize) -> (Vec<i64>, Vec<i64>) {
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

pub(crate) async fn open_round(c: &Client, s: &Server, mode: &str) -> i64 {
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

pub(crate) async fn user_id(db: &Db, username: &str) -> String {
    db.user_by_username(username)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

pub(crate) fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, s)| (k.as_str(), s.as_str())).collect()
}

/// Entries taken through a whole commune-level round by the services: all recognised.
pub(crate) async fn recognised_entries(s: &Server, n: usize) -> Vec<i64> {
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
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // A round of this month, replayed at the times it happened.
    ap::publish_notice_at(
        &s.db,
        &organiser,
        rid,
        "02/11/2026",
        "09/11/2026",
        at_day("02/11/2026"),
    )
    .await
    .unwrap();
    // Commune-level recognition: each commune's People's Committee signs
    // for its own entries.
    let leader = actor_of(&s.db, "lanhdao").await;
    let (to_hieu, _, chieng_an, _) = commune_units(&s.db).await;
    for (commune, ids) in [(&to_hieu, &a), (&chieng_an, &b)] {
        let d = ap::DecisionForm {
            number: "99/QĐ-UBND".into(),
            signed_on: "20/11/2026".into(),
            signer: "Trần Quốc Khánh".into(),
            signer_title: "PHÓ CHỦ TỊCH".into(),
            issuer_unit_id: commune.id.to_string(),
        };
        ap::decide_at(&s.db, &leader, rid, &d, ids, at_day("20/11/2026"))
            .await
            .unwrap();
    }
    all
}

/// 09:00 in Vietnam on a dd/mm/yyyy day, as a timestamp.
pub(crate) fn at_day(d: &str) -> i64 {
    let p: Vec<i32> = d.split('/').map(|x| x.parse().unwrap()).collect();
    let date = time::Date::from_calendar_date(
        p[2],
        time::Month::try_from(p[1] as u8).unwrap(),
        p[0] as u8,
    )
    .unwrap();
    date.midnight().assume_utc().unix_timestamp() + 2 * 3600
}

/// A commune-level round (ballot, one member) whose one entry of Tô Hiệu
/// is on public notice from today for 14 days: (round, entry).
pub(crate) async fn round_on_notice(s: &Server) -> (i64, i64) {
    use crate::api::today_iso;
    use dvk_store::appraisal as ap;
    let (a, _) = accepted_entries(s, 1).await;
    let id = a[0];
    let organiser = actor_of(&s.db, "bandanvan").await;
    let rid = ap::create_round(
        &s.db,
        &organiser,
        &ap::RoundForm {
            unit_id: s.province.id.to_string(),
            title: "Đợt xét có ý kiến".into(),
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
    let chair = actor_of(&s.db, "hoidong.chutich").await;
    ap::add_member(
        &s.db,
        &organiser,
        rid,
        chair.user_id,
        dvk_domain::appraisal::CouncilRole::Chair,
    )
    .await
    .unwrap();
    let points =
        s.db.round_core(rid)
            .await
            .unwrap()
            .unwrap()
            .collective
            .criteria
            .iter()
            .map(|c| (c.id, "9".to_owned()))
            .collect();
    ap::propose(
        &s.db,
        &actor_of(&s.db, "canbo.tohieu").await,
        rid,
        id,
        &points,
    )
    .await
    .unwrap();
    ap::assign(&s.db, &organiser, rid, ap::Assignment::All)
        .await
        .unwrap();
    ap::start_appraisal(&s.db, &organiser, rid).await.unwrap();
    ap::save_ballot(&s.db, &chair, rid, id, Some(true), "")
        .await
        .unwrap();
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
    (rid, id)
}

/// The count a list page shows ("N hồ sơ").
pub(crate) async fn page_total(c: &Client, path: &str) -> usize {
    let page = c.get_text(path).await;
    let i = page
        .match_indices(" hồ sơ")
        .map(|(i, _)| i)
        .find(|i| page[..*i].ends_with(|c: char| c.is_ascii_digit()))
        .expect("a total");
    let digits: String = page[..i]
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.chars().rev().collect::<String>().parse().unwrap()
}

/// A number counted straight from the database.
pub(crate) async fn count(db: &dvk_store::Db, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// The text of an HTML fragment: its tags dropped, spaces as they were.
pub(crate) fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}
