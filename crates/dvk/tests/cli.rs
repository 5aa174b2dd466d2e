//! The `dvk` binary end to end: migrate, accounts, provinces, the audit
//! check against a tampered database, and a first start without demo data.

#[path = "cli/backups.rs"]
mod backups;
#[path = "cli/faults.rs"]
mod faults;
#[path = "cli/support.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn dvk(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dvk"))
        .args(args)
        .env("DVK_DATA_DIR", dir)
        .env_remove("DVK_DATABASE_URL")
        .output()
        .expect("dvk runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn commands_and_audit_verify() {
    let dir = tempfile::tempdir().unwrap();
    let out = dvk(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = dvk(dir.path(), &["units", "load-province", "14"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Tỉnh Sơn La"));
    let out = dvk(dir.path(), &["units", "load-province", "01"]);
    assert!(
        text(&out.stdout).contains("Thành phố Hà Nội"),
        "{}",
        text(&out.stderr)
    );
    let out = dvk(dir.path(), &["units", "load-province", "01"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("đã được nạp"));
    let out = dvk(dir.path(), &["units", "provinces"]);
    assert_eq!(text(&out.stdout).lines().count(), 34);

    let out = dvk(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "to.chuc",
            "--full-name",
            "Lò Văn Tổ",
            "--role",
            "admin",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Mật khẩu: "));
    let out = dvk(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "x",
            "--full-name",
            "X",
            "--password",
            "ngan",
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("Tên đăng nhập gồm 3–40 ký tự"));

    let out = dvk(dir.path(), &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("toàn vẹn: đã kiểm tra 2 bản ghi"),
        "{}",
        text(&out.stdout)
    );

    // Tamper with the first record behind DVK's back.
    let url = format!("sqlite://{}?mode=rw", dir.path().join("dvk.db").display());
    let db = dvk_store::Db::connect(&url, 1).await.unwrap();
    sqlx::query("UPDATE audit_log SET changes = '{}' WHERE id = 1")
        .execute(&db.pool)
        .await
        .unwrap();
    db.close().await;
    let out = dvk(dir.path(), &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Bản ghi #1 đã bị sửa"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn first_start_without_demo_creates_one_admin() {
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let bind = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dvk"))
        .args(["serve", "--bind", &bind])
        .env("DVK_DATA_DIR", dir.path())
        .env_remove("DVK_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut printed = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.contains("DVK đang chạy");
        printed.push(line);
        if done {
            break;
        }
    }
    let all = printed.join("\n");
    assert!(
        all.contains("Đã tạo tài khoản quản trị đầu tiên: admin / "),
        "{all}"
    );
    assert!(!all.contains("Tài khoản mẫu"));
    let health = reqwest::get(format!("http://{bind}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let login = reqwest::get(format!("http://{bind}/login")).await.unwrap();
    // Without --demo cookies are secure by default, host-bound.
    let set_cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.starts_with("__Host-dvk_pre=") && set_cookie.contains("Secure"),
        "{set_cookie}"
    );
    assert!(login.text().await.unwrap().contains("Đăng nhập"));
    child.kill().unwrap();
    let _ = child.wait();
    // No demo accounts exist.
    let url = format!("sqlite://{}?mode=rw", dir.path().join("dvk.db").display());
    let db = dvk_store::Db::connect(&url, 1).await.unwrap();
    assert_eq!(db.user_count().await.unwrap(), 1);
    assert!(db.user_by_username("quantri").await.unwrap().is_none());
    assert_eq!(db.entry_count().await.unwrap(), 0);
}

// ---- PostgreSQL: several processes on one database, and moving up ----

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

/// A fresh PostgreSQL database, dropped with the guard.
struct PgDb {
    admin: String,
    name: String,
    url: String,
}

impl PgDb {
    async fn new(admin: &str) -> PgDb {
        let name = format!("dvk_c_{}", &dvk_store::accounts::random_token()[..16]);
        let db = dvk_store::Db::connect(admin, 1).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&db.pool)
            .await
            .unwrap();
        db.close().await;
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
        PgDb {
            admin: admin.to_owned(),
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(db) = dvk_store::Db::connect(&admin, 1).await {
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

struct Proc(std::process::Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `dvk serve --demo` on a database and waits until it listens.
fn serve_demo(url: &str, port: u16) -> Proc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dvk"))
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .env("DVK_DATABASE_URL", url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("DVK đang chạy") => break,
            Some(_) => continue,
            None => panic!("dvk serve exited before listening"),
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Proc(child)
}

fn cookie_value(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix(&format!("{name}="))
                .map(|s| s.split(';').next().unwrap_or("").to_owned())
        })
}

fn csrf_in(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    html[i..].split('"').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_sessions_and_refuse_lost_updates() {
    let Some(admin) = postgres_admin_url() else {
        return;
    };
    let pg = PgDb::new(&admin).await;
    let (pa, pb) = (free_port(), free_port());
    let _a = serve_demo(&pg.url, pa);
    let _b = serve_demo(&pg.url, pb);
    let (a, b) = (
        format!("http://127.0.0.1:{pa}"),
        format!("http://127.0.0.1:{pb}"),
    );
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Sign in on process A.
    let page = http.get(format!("{a}/login")).send().await.unwrap();
    let pre = cookie_value(&page, "dvk_pre").unwrap();
    let res = http
        .post(format!("{a}/login"))
        .header("cookie", format!("dvk_pre={pre}"))
        .form(&[
            ("csrf", pre.as_str()),
            ("username", "bandanvan"),
            ("password", dvk_store::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let session = format!(
        "dvk_session={}",
        cookie_value(&res, "dvk_session").expect("signed in")
    );
    // The session is valid on process B.
    let home = http
        .get(format!("{b}/"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("Lò Thị Hương"),
        "session from A not accepted by B"
    );
    let csrf = csrf_in(&home);

    // Concurrent transitions of one entry through both processes: one wins.
    let db = dvk_store::Db::connect(&pg.url, 1).await.unwrap();
    let row = sqlx::query(
        "SELECT id, version FROM entries WHERE state = 'submitted' ORDER BY id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    use sqlx::Row;
    let (id, version): (i64, i64) = (row.try_get(0).unwrap(), row.try_get(1).unwrap());
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (http, session, csrf) = (http.clone(), session.clone(), csrf.clone());
        let base = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            http.post(format!("{base}/entries/{id}/transition"))
                .header("cookie", session)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("action", "accept"),
                    ("reason", ""),
                    ("version", &version.to_string()),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        7,
        "{statuses:?}"
    );
    let accepts: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit_log WHERE record_id = $1 AND action = 'entry.accept'",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    assert_eq!(accepts, 1);
    assert!(db.verify_audit().await.unwrap().fault.is_none());
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_copy_moves_a_deployment_to_postgres() {
    let Some(admin) = postgres_admin_url() else {
        return;
    };
    use dvk_store::entries::EntryFilter;
    // A SQLite deployment with demo data and an evidence file.
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}?mode=rwc", dir.path().join("dvk.db").display());
    let src = dvk_store::Db::connect(&sqlite_url, 2).await.unwrap();
    src.migrate().await.unwrap();
    src.seed_reference().await.unwrap();
    let province = src.load_province("14").await.unwrap();
    let cat = src.catalogue().await.unwrap();
    dvk_store::demo::load_demo(&src, &cat, &province, 120)
        .await
        .unwrap();
    let pdf = b"%PDF-1.4\nminh chung\n%%EOF\n".to_vec();
    src.insert_attachment(1, 1, "Biên bản.pdf", "application/pdf", &pdf, "x")
        .await
        .unwrap()
        .unwrap();
    let filter = EntryFilter {
        visible: vec![province.path.clone()],
        search: dvk_domain::search::SearchQuery::parse("dân vận khéo"),
        page: 1,
        per_page: 25,
        ..Default::default()
    };
    let src_hits = src.list_entries(&filter).await.unwrap().page.total.count;
    assert!(src_hits > 0);
    src.close().await;

    let pg = PgDb::new(&admin).await;
    let out = dvk(
        dir.path(),
        &["db", "copy", "--from", &sqlite_url, "--to", &pg.url],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("nhật ký toàn vẹn"),
        "{}",
        text(&out.stdout)
    );

    let src = dvk_store::Db::connect(&sqlite_url, 1).await.unwrap();
    let dst = dvk_store::Db::connect(&pg.url, 1).await.unwrap();
    // Every table arrives whole: rounds, scores, decisions, rewards,
    // comments and notifications as much as units and entries.
    let tables = dst.tables().await.unwrap();
    let counts = src.table_counts(&tables).await.unwrap();
    for t in [
        "rounds",
        "council_members",
        "scores",
        "decisions",
        "decision_entries",
        "notifications",
    ] {
        assert!(counts[t] > 0, "the demo has {t}");
    }
    assert_eq!(counts, dst.table_counts(&tables).await.unwrap());
    assert!(dst.verify_audit().await.unwrap().fault.is_none());
    assert_eq!(dst.attachment_content(1).await.unwrap().unwrap(), pdf);
    // Search works on the target (its index was rebuilt) and finds the same entries.
    assert_eq!(
        dst.list_entries(&filter).await.unwrap().page.total.count,
        src_hits
    );
    // New rows get fresh ids after the copied ones.
    let before = dst.entry_count().await.unwrap();
    let id = dst
        .insert_user(None, "sau.khi.chuyen", "Người Mới", "x")
        .await
        .unwrap();
    assert!(id > 12, "identity sequences moved past copied ids");
    assert_eq!(dst.entry_count().await.unwrap(), before);
    dst.close().await;
    src.close().await;

    // Refuses to write into a database that already holds data.
    let out = dvk(
        dir.path(),
        &["db", "copy", "--from", &sqlite_url, "--to", &pg.url],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("đã có dữ liệu"),
        "{}",
        text(&out.stderr)
    );
}

/// Migrations: two processes migrate a new database together; a database
/// of the old hand-written runner is adopted; an edited migration and a
/// database from a newer DVK are refused with the cause, quickly.
#[tokio::test]
async fn migrations_run_once_adopt_the_old_table_and_refuse_newer_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_dvk"))
            .arg("migrate")
            .env("DVK_DATA_DIR", dir.path())
            .env_remove("DVK_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    for p in [a, b] {
        let out = p.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let url = format!("sqlite://{}?mode=rw", dir.path().join("dvk.db").display());
    let db = dvk_store::Db::connect(&url, 1).await.unwrap();
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&db.pool)
                .await
                .unwrap()
        }
    };
    let latest = dvk_store::migrate::latest_version();
    assert_eq!(count("SELECT COUNT(*) FROM _sqlx_migrations").await, latest);

    // A database of the old runner: its table becomes the migrator's.
    sqlx::query("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
        .execute(&db.pool)
        .await
        .unwrap();
    for v in 1..=latest {
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'x', 0)",
        )
        .bind(v)
        .execute(&db.pool)
        .await
        .unwrap();
    }
    sqlx::query("DELETE FROM _sqlx_migrations")
        .execute(&db.pool)
        .await
        .unwrap();
    let out = dvk(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(count("SELECT COUNT(*) FROM _sqlx_migrations").await, latest);
    assert_eq!(
        count("SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_migrations'").await,
        0
    );

    // An applied migration whose text changed is refused.
    sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 2")
        .execute(&db.pool)
        .await
        .unwrap();
    let out = dvk(dir.path(), &["migrate"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("mã kiểm tra không khớp"),
        "{}",
        text(&out.stderr)
    );
    db.close().await;

    // A database migrated by a newer DVK: refused at once, saying so.
    let dir = tempfile::tempdir().unwrap();
    assert!(dvk(dir.path(), &["migrate"]).status.success());
    let url = format!("sqlite://{}?mode=rw", dir.path().join("dvk.db").display());
    let db = dvk_store::Db::connect(&url, 1).await.unwrap();
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (999, 'future', 1, x'00', 0)")
        .execute(&db.pool)
        .await
        .unwrap();
    db.close().await;
    for args in [&["migrate"][..], &["serve", "--bind", "127.0.0.1:0"][..]] {
        let started = std::time::Instant::now();
        let out = dvk(dir.path(), args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            text(&out.stderr).contains("phiên bản DVK mới hơn"),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{args:?} fails fast"
        );
    }
}

/// Start-up failures exit non-zero at once with the real cause: a file
/// that is not a database, a truncated one, a PostgreSQL port nobody
/// listens on, an invalid pool size, a port already taken.
#[test]
fn start_up_failures_say_why_within_two_seconds() {
    let fails_fast = |dir: &std::path::Path, args: &[&str], env: &[(&str, &str)], expect: &str| {
        let started = std::time::Instant::now();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dvk"));
        cmd.args(args)
            .env("DVK_DATA_DIR", dir)
            .env_remove("DVK_DATABASE_URL");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let took = started.elapsed();
        assert!(
            !out.status.success(),
            "{args:?} {env:?} must fail ({expect})"
        );
        let err = text(&out.stderr);
        assert!(err.contains(expect), "{args:?} {env:?}: {err}");
        assert!(
            took < std::time::Duration::from_millis(2500),
            "{args:?} {env:?} took {took:?}"
        );
    };
    // Not a database at all.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dvk.db"),
        "đây không phải cơ sở dữ liệu ".repeat(200),
    )
    .unwrap();
    fails_fast(dir.path(), &["migrate"], &[], "not a database");
    // A database cut in half.
    let dir = tempfile::tempdir().unwrap();
    assert!(dvk(dir.path(), &["migrate"]).status.success());
    let file = dir.path().join("dvk.db");
    let len = std::fs::metadata(&file).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let _ = std::fs::remove_file(dir.path().join("dvk.db-wal"));
    fails_fast(dir.path(), &["migrate"], &[], "malformed");
    // PostgreSQL not listening.
    let closed = format!("postgres://postgres:secret@127.0.0.1:{}/dvk", free_port());
    fails_fast(
        dir.path(),
        &["migrate"],
        &[("DVK_DATABASE_URL", &closed)],
        "Không mở được cơ sở dữ liệu",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_dvk"))
        .arg("migrate")
        .env("DVK_DATABASE_URL", &closed)
        .output()
        .unwrap();
    assert!(
        !text(&out.stderr).contains("secret"),
        "the password is not printed"
    );
    // Invalid pool sizes; a port already taken.
    let fresh = tempfile::tempdir().unwrap();
    fails_fast(
        fresh.path(),
        &["serve"],
        &[("DVK_DB_POOL", "0")],
        "0 is not in 2..=500",
    );
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = taken.local_addr().unwrap().to_string();
    fails_fast(
        fresh.path(),
        &["serve", "--bind", &bind],
        &[],
        "không mở được cổng",
    );
}

/// `DVK_LOG_FORMAT=json`: each request's log line is one JSON object with
/// its request id, route, status and latency.
#[tokio::test]
async fn json_logs_carry_request_ids() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Proc(
        Command::new(env!("CARGO_BIN_EXE_dvk"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("DVK_DATA_DIR", dir.path())
            .env_remove("DVK_DATABASE_URL")
            .env("DVK_LOG_FORMAT", "json")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let timeout = std::time::Duration::from_secs(20);
    while !rx.recv_timeout(timeout).unwrap().contains("DVK đang chạy") {}
    let res = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/login"))
        .header("x-request-id", "kiem-tra-nhat-ky-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "kiem-tra-nhat-ky-42");
    let line = loop {
        let l = rx
            .recv_timeout(timeout)
            .expect("a log line for the request");
        if l.contains("kiem-tra-nhat-ky-42") && l.contains("status") {
            break l;
        }
    };
    let v: serde_json::Value = serde_json::from_str(&line).expect("one JSON object per line");
    assert_eq!(v["span"]["id"], "kiem-tra-nhat-ky-42", "{line}");
    assert_eq!(v["span"]["route"], "/login", "{line}");
    assert_eq!(v["fields"]["status"], 200, "{line}");
    assert!(v["fields"]["latency"].is_string(), "{line}");
}

/// Two server processes on one PostgreSQL database remind each council
/// member with unscored sheets once before the scoring deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_remind_each_person_once() {
    let Some(admin) = postgres_admin_url() else {
        return;
    };
    use sqlx::Row;
    let pg = PgDb::new(&admin).await;
    let spawn = |port: u16| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dvk"))
            .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
            .env("DVK_DATABASE_URL", &pg.url)
            .env("DVK_REMINDER_EVERY_SECS", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        while !lines
            .next()
            .expect("dvk serve exited before listening")
            .unwrap()
            .contains("DVK đang chạy")
        {}
        std::thread::spawn(move || for _ in lines {});
        Proc(child)
    };
    // Step 1: the demo (a 2026 round in appraisal, sheets partly scored);
    // its scoring deadline moves to two days from now.
    let a = spawn(free_port());
    let db = dvk_store::Db::connect(&pg.url, 2).await.unwrap();
    let vn = time::UtcOffset::from_hms(7, 0, 0).unwrap();
    let today = time::OffsetDateTime::now_utc().to_offset(vn).date();
    let deadline = dvk_domain::calendar::iso(today + time::Duration::days(2));
    let round: i64 = sqlx::query(
        "UPDATE rounds SET scoring_deadline = $1 WHERE state = 'appraisal' RETURNING id",
    )
    .bind(&deadline)
    .fetch_one(&db.pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    let expected: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT a.user_id FROM assignments a WHERE a.round_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.round_id = a.round_id AND s.entry_id = a.entry_id AND s.user_id = a.user_id) \
         ORDER BY 1",
    )
    .bind(round)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(!expected.is_empty(), "the demo leaves sheets to fill");

    // Step 2: a second process; both run the pass every second.
    let b = spawn(free_port());
    let event = format!("remind:scoring:{round}:{deadline}:7");
    let reminded = || {
        let (db, event) = (db.clone(), event.clone());
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT user_id FROM notifications WHERE event_key = $1 ORDER BY user_id",
            )
            .bind(event)
            .fetch_all(&db.pool)
            .await
            .unwrap()
        }
    };
    let started = std::time::Instant::now();
    while reminded().await.len() < expected.len() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "reminders were sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    // Step 3: exactly once per person; one process held the lease.
    assert_eq!(reminded().await, expected);
    let holders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM leases WHERE name = 'reminders'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(holders, 1);
    let message: String =
        sqlx::query_scalar("SELECT message FROM notifications WHERE event_key = $1 LIMIT 1")
            .bind(&event)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(message.contains("còn 2 ngày"), "{message}");
    drop((a, b));
    db.close().await;
}

/// `--demo` makes every command use the demo's database, and every command
/// says which database it opened.
#[test]
fn the_cli_sees_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dvk"))
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .env("DVK_DATA_DIR", dir.path())
        .env_remove("DVK_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while !lines.next().unwrap().unwrap().contains("DVK đang chạy") {}
    let _ = child.kill();
    let _ = child.wait();

    let out = dvk(dir.path(), &["--demo", "audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("demo.db"),
        "{}",
        text(&out.stderr)
    );
    let checked: u64 = text(&out.stdout)
        .split("đã kiểm tra ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        checked > 100,
        "the demo's audit trail was checked ({checked})"
    );
    let out = dvk(
        dir.path(),
        &[
            "--demo",
            "token",
            "create",
            "--username",
            "canbo.tohieu",
            "--name",
            "Thử",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Without --demo the commands name the other database.
    let out = dvk(dir.path(), &["audit", "verify"]);
    assert!(
        text(&out.stderr).contains("dvk.db"),
        "{}",
        text(&out.stderr)
    );
}

/// Re-hashes the whole chain after `edit` changed records, and moves the
/// head: what someone who can write the database could do.
async fn rewrite_chain(db: &dvk_store::Db) {
    use dvk_domain::audit::{record_hash, AuditRecord, GENESIS};
    use sqlx::Row;
    let rows = sqlx::query("SELECT * FROM audit_log ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let mut prev = GENESIS.to_owned();
    let mut last = 0;
    for r in &rows {
        let mut rec = AuditRecord {
            id: r.try_get("id").unwrap(),
            at: r.try_get("at").unwrap(),
            actor_id: r.try_get("actor_id").unwrap(),
            action: r.try_get("action").unwrap(),
            record_type: r.try_get("record_type").unwrap(),
            record_id: r.try_get("record_id").unwrap(),
            from_state: r.try_get("from_state").unwrap(),
            to_state: r.try_get("to_state").unwrap(),
            changes: r.try_get("changes").unwrap(),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        rec.hash = record_hash(&rec);
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3")
            .bind(&rec.prev_hash)
            .bind(&rec.hash)
            .bind(rec.id)
            .execute(&db.pool)
            .await
            .unwrap();
        prev = rec.hash;
        last = rec.id;
    }
    sqlx::query("UPDATE audit_head SET last_id = $1, hash = $2 WHERE id = 1")
        .bind(last)
        .bind(&prev)
        .execute(&db.pool)
        .await
        .unwrap();
}

/// An anchor kept outside the database catches what the chain alone
/// cannot: the tail cut with the head moved, and a full re-hash.
#[tokio::test]
async fn anchors_catch_a_cut_tail_and_a_rehash() {
    let add = |dir: &std::path::Path, name: &str| {
        let out = dvk(
            dir,
            &[
                "user",
                "add",
                "--username",
                name,
                "--full-name",
                "Người Thử",
                "--role",
                "admin",
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    // Step 1: a chain, its anchor, and more records after it.
    let dir = tempfile::tempdir().unwrap();
    assert!(dvk(dir.path(), &["units", "load-province", "14"])
        .status
        .success());
    add(dir.path(), "nguoi.mot");
    let out = dvk(dir.path(), &["audit", "head"]);
    let anchor = text(&out.stdout).trim().to_owned();
    let length: i64 = anchor.split(':').next().unwrap().parse().unwrap();
    assert!(length > 0, "{anchor}");
    add(dir.path(), "nguoi.hai");
    let verify = |dir: &std::path::Path, anchor: &str| {
        let out = dvk(dir, &["audit", "verify", "--expect", anchor]);
        (out.status.success(), text(&out.stdout) + &text(&out.stderr))
    };
    assert!(
        verify(dir.path(), &anchor).0,
        "the chain extends its anchor"
    );
    let later = text(&dvk(dir.path(), &["audit", "head"]).stdout)
        .trim()
        .to_owned();
    assert!(later.starts_with("4:"), "{later}");
    let backup = dir.path().join("ban-sao.db");
    std::fs::copy(dir.path().join("dvk.db"), &backup).unwrap();
    let url = format!("sqlite://{}?mode=rw", dir.path().join("dvk.db").display());

    // Step 2: the tail cut and the head moved back: the chain alone passes,
    // the later anchor does not.
    let db = dvk_store::Db::connect(&url, 1).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE id > $1")
        .bind(length)
        .execute(&db.pool)
        .await
        .unwrap();
    rewrite_chain(&db).await;
    db.close().await;
    assert!(dvk(dir.path(), &["audit", "verify"]).status.success());
    let (ok, said) = verify(dir.path(), &later);
    assert!(!ok);
    assert!(said.contains("đã bị cắt"), "{said}");
    assert!(
        verify(dir.path(), &anchor).0,
        "the older anchor still holds"
    );

    // Step 3: an early record edited and every hash recomputed.
    std::fs::copy(&backup, dir.path().join("dvk.db")).unwrap();
    let _ = std::fs::remove_file(dir.path().join("dvk.db-wal"));
    let db = dvk_store::Db::connect(&url, 1).await.unwrap();
    sqlx::query("UPDATE audit_log SET changes = '{}' WHERE id = 1")
        .execute(&db.pool)
        .await
        .unwrap();
    rewrite_chain(&db).await;
    db.close().await;
    assert!(dvk(dir.path(), &["audit", "verify"]).status.success());
    let (ok, said) = verify(dir.path(), &anchor);
    assert!(!ok);
    assert!(said.contains("viết lại"), "{said}");
    // A malformed anchor is refused with the expected form.
    let (ok, said) = verify(dir.path(), "1:khong-phai-ma-bam");
    assert!(!ok && said.contains("--expect"), "{said}");
}

/// The benchmark's bulk data keeps a valid audit chain and counters that
/// agree with the entries; `dvk check counters` finds a counter set wrong
/// behind DVK's back and repairs it.
#[tokio::test]
async fn bench_data_verifies_and_counters_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().join("bench");
    let out = dvk(
        dir.path(),
        &[
            "bench",
            "--entries",
            "1500",
            "--audit",
            "0",
            "--seconds",
            "1",
            "--connections",
            "2",
            "--round-entries",
            "0",
            "--keep-in",
            keep.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    for scenario in ["search \"dan van kheo\"", "registration status", "/mo-hinh"] {
        assert!(report.contains(scenario), "{report}");
    }
    let url = format!("sqlite://{}?mode=rw", keep.join("bench.db").display());
    let with_url = |args: &[&str]| {
        let mut all = vec!["--database-url", url.as_str()];
        all.extend_from_slice(args);
        dvk(dir.path(), &all)
    };
    let out = with_url(&["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = with_url(&["check", "counters"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("khớp"));

    let db = dvk_store::Db::connect(&url, 1).await.unwrap();
    for sql in [
        "UPDATE entry_counts SET n = n + 2 WHERE state = 'accepted'",
        "UPDATE summary_counts SET n = n - 1 WHERE state = 'submitted'",
    ] {
        sqlx::query(sql).execute(&db.pool).await.unwrap();
    }
    db.close().await;
    let out = with_url(&["check", "counters"]);
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stdout);
    assert!(
        said.contains("Bộ đếm trạng thái theo đơn vị, năm [") && said.contains("accepted]"),
        "{said}"
    );
    assert!(
        said.contains("Bộ đếm biểu tổng hợp [") && said.contains("submitted"),
        "{said}"
    );
    assert!(text(&out.stderr).contains("--repair"));
    let out = with_url(&["check", "counters", "--repair"]);
    assert!(out.status.success());
    let out = with_url(&["check", "counters"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
}

/// `dvk bench` writes its data only into an empty database (its URL may
/// come from the environment), and reuses only one it filled in full.
#[tokio::test]
async fn bench_refuses_a_database_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("dvk.db").display());
    let db = dvk_store::Db::connect(&url, 1).await.unwrap();
    db.migrate().await.unwrap();
    db.seed_reference().await.unwrap();
    let province = db.load_province("14").await.unwrap();
    let cat = db.catalogue().await.unwrap();
    dvk_store::demo::load_demo(&db, &cat, &province, 20)
        .await
        .unwrap();
    let before = db.entry_count().await.unwrap();
    db.close().await;

    let out = Command::new(env!("CARGO_BIN_EXE_dvk"))
        .args(["bench", "--entries", "100", "--seconds", "1"])
        .env("DVK_DATA_DIR", dir.path())
        .env("DVK_DATABASE_URL", &url)
        .output()
        .expect("dvk runs");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("không do một lần `dvk bench` nạp trọn vẹn"),
        "{}",
        text(&out.stderr)
    );
    let db = dvk_store::Db::connect(&url, 1).await.unwrap();
    assert_eq!(db.entry_count().await.unwrap(), before, "nothing written");
}
