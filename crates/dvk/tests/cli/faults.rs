//! Faults an operator meets: the disk fills up under concurrent writes
//! and is freed again; the process is stopped with requests in flight.

use super::support::{create_unit, province_id, token, Server};
use super::{dvk, text};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A tmpfs of `mb` megabytes mounted on a fresh directory; unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn new(mb: u32) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("mount runs");
        assert!(
            out.status.success(),
            "mounting a small tmpfs needs root (CI runs as root): {}",
            text(&out.stderr)
        );
        SmallDisk { dir }
    }

    fn resize(&self, mb: u32) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,size={mb}m")])
            .arg(self.dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).output();
    }
}

/// The disk fills up during concurrent writes and is then freed: every
/// write the server acknowledged is there after a restart, writes work
/// again before the restart, readiness reported the failure, and the
/// database and its audit chain are intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_disk_loses_no_acknowledged_write() {
    // Step 1: DVK on a small disk with room for its data and a little more.
    let disk = SmallDisk::new(64);
    let data = disk.dir.path().join("dvk");
    assert!(dvk(&data, &["migrate"]).status.success());
    let used = fs_used(&data);
    let server = Server::start(&data);
    let token = token(&data);
    let parent = province_id(&server.base, &token).await;
    disk.resize(((used + 3 * 1024 * 1024) / (1024 * 1024)) as u32 + 1);

    // Step 2: eight writers until well after the disk is full.
    let acknowledged = Arc::new(Mutex::new(Vec::<(i64, String)>::new()));
    let failures = Arc::new(Mutex::new(0usize));
    let full = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (base, token) = (server.base.clone(), token.clone());
        let (acknowledged, failures, full) = (acknowledged.clone(), failures.clone(), full.clone());
        writers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let filler = "đầy ".repeat(40);
            for i in 0..100_000 {
                let name = format!("Bản {w}-{i} {filler}");
                match create_unit(&http, &base, &token, parent, &name).await {
                    Ok(id) => acknowledged
                        .lock()
                        .unwrap()
                        .push((id, name.trim().to_owned())),
                    Err(_) => {
                        full.store(true, Ordering::Relaxed);
                        let mut f = failures.lock().unwrap();
                        *f += 1;
                        if *f > 400 {
                            return;
                        }
                    }
                }
            }
        }));
    }
    let started = Instant::now();
    while !full.load(Ordering::Relaxed) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the disk never filled"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), 503, "readiness reports the full disk");
    for w in writers {
        w.await.unwrap();
    }

    // Step 3: space returns; writes work again without a restart.
    disk.resize(256);
    let http = reqwest::Client::new();
    let mut after = None;
    for _ in 0..50 {
        if let Ok(id) = create_unit(
            &http,
            &server.base,
            &token,
            parent,
            "Bản sau khi giải phóng",
        )
        .await
        {
            after = Some(id);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let after = after.expect("writes work again once space is freed");
    // Readiness recovers by itself once failures stop.
    let mut recovered = false;
    for _ in 0..40 {
        let ready = reqwest::get(format!("{}/readyz", server.base))
            .await
            .unwrap();
        if ready.status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(recovered, "readiness recovers once writes succeed again");

    // Step 4: a clean stop, then everything acknowledged is there.
    assert!(server.stop().success());
    let url = format!("sqlite://{}?mode=rw", data.join("dvk.db").display());
    let db = dvk_store::Db::connect(&url, 2).await.unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 50,
        "{} writes acknowledged",
        acknowledged.len()
    );
    for (id, name) in acknowledged
        .iter()
        .chain([(after, "Bản sau khi giải phóng".to_owned())].iter())
    {
        let got: Option<String> = sqlx::query_scalar("SELECT name FROM units WHERE id = $1")
            .bind(*id)
            .fetch_optional(&db.pool)
            .await
            .unwrap();
        assert_eq!(
            got.as_deref(),
            Some(name.as_str()),
            "acknowledged unit #{id} lost"
        );
    }
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    db.close().await;
    let out = dvk(&data, &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn fs_used(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

/// SIGTERM with requests in flight: they are answered, the process exits
/// 0, and the SQLite write-ahead log is checkpointed and emptied.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_finishes_requests_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let password = server.admin_password.clone().unwrap();
    let base = server.base.clone();
    // Logins hash a password (argon2): each takes a while, so several are
    // in flight when the signal comes.
    let mut logins = Vec::new();
    for _ in 0..6 {
        let (base, password) = (base.clone(), password.clone());
        logins.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .unwrap();
            let page = http
                .get(format!("{base}/login"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let csrf = page
                .split("name=\"csrf\" value=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_owned();
            http.post(format!("{base}/login"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("username", "admin"),
                    ("password", password.as_str()),
                ])
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    let status = server.stop();
    assert!(status.success(), "exit status {status:?}");
    for l in logins {
        let answered = l.await.unwrap();
        assert!(
            matches!(answered, Ok(303) | Ok(200) | Ok(429)),
            "a request in flight was cut: {answered:?}"
        );
    }
    let wal = dir.path().join("dvk.db-wal");
    assert!(
        std::fs::metadata(&wal)
            .map(|m| m.len() == 0)
            .unwrap_or(true),
        "the WAL was checkpointed into the database"
    );
}

/// A TCP relay to PostgreSQL that the test can cut (every connection
/// dropped, new ones refused) and restore.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let (up2, links2) = (up.clone(), links.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the database is "down"
                }
                let target = target.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links2.lock().unwrap().push(link);
            }
        });
        Relay { port, up, links }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for l in self.links.lock().unwrap().drain(..) {
            l.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// PostgreSQL goes away: requests fail within about 2 s with 503
/// `unavailable` (readiness too), and everything recovers by itself when
/// it is back, without restarting DVK.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_down_fails_fast_and_recovers() {
    let Some(admin) = super::postgres_admin_url() else {
        return;
    };
    let pg = super::PgDb::new(&admin).await;
    let (host_port, rest) = {
        let after = pg.url.split_once('@').unwrap().1;
        after.split_once('/').unwrap()
    };
    let relay = Relay::start(host_port.to_owned()).await;
    let via = pg
        .url
        .replace(host_port, &format!("127.0.0.1:{}", relay.port));
    assert!(via.ends_with(rest));
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_on(dir.path(), Some(&via));
    let out = Command::new(env!("CARGO_BIN_EXE_dvk"))
        .args([
            "token",
            "create",
            "--username",
            "admin",
            "--name",
            "Kiểm thử",
        ])
        .env("DVK_DATABASE_URL", &pg.url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).lines().nth(1).unwrap().trim().to_owned();
    let http = reqwest::Client::new();
    let me = |http: reqwest::Client, base: String, token: String| async move {
        let started = Instant::now();
        let r = http
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        (status, body, started.elapsed())
    };
    let (status, _, _) = me(http.clone(), server.base.clone(), token.clone()).await;
    assert_eq!(status, 200);

    // Step 1: the database goes away.
    relay.cut();
    let (status, body, took) = me(http.clone(), server.base.clone(), token.clone()).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("\"unavailable\""), "{body}");
    assert!(took < Duration::from_secs(4), "failed after {took:?}");
    let started = Instant::now();
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    assert!(started.elapsed() < Duration::from_secs(4));

    // Step 2: it comes back; DVK recovers alone.
    relay.restore();
    let mut back = false;
    for _ in 0..40 {
        let (status, _, _) = me(http.clone(), server.base.clone(), token.clone()).await;
        if status == 200 {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(back, "requests work again without restarting DVK");
    // The operator's metrics counted the outage.
    let metrics = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let unavailable: f64 = metrics
        .lines()
        .find(|l| l.starts_with("dvk_storage_unavailable_total "))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    assert!(unavailable >= 1.0, "{metrics}");
    assert!(server.stop().success());
}
