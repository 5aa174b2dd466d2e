//! Backups while the server writes: every write acknowledged before the
//! backup began comes back on restore; a damaged backup is refused and the
//! half-restored database cannot be served; copies read one snapshot.

use super::support::{create_unit, province_id, token_on, Server};
use super::{dvk, postgres_admin_url, text, PgDb};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Acknowledged = Arc<Mutex<Vec<(i64, String, Instant)>>>;

/// Four writers creating units until `stop` is set; each acknowledged
/// write is kept with the moment its answer arrived.
fn start_writers(
    base: &str,
    token: &str,
    parent: i64,
    stop: Arc<AtomicBool>,
) -> (Acknowledged, Vec<tokio::task::JoinHandle<()>>) {
    let acknowledged: Acknowledged = Arc::new(Mutex::new(Vec::new()));
    let tasks = (0..4)
        .map(|w| {
            let (base, token, stop, acknowledged) = (
                base.to_owned(),
                token.to_owned(),
                stop.clone(),
                acknowledged.clone(),
            );
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let name = format!("Tổ sao lưu {w}-{i}");
                    if let Ok(id) = create_unit(&http, &base, &token, parent, &name).await {
                        acknowledged
                            .lock()
                            .unwrap()
                            .push((id, name, Instant::now()));
                    }
                }
            })
        })
        .collect();
    (acknowledged, tasks)
}

fn dvk_on(data: &std::path::Path, url: Option<&str>, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dvk"));
    cmd.args(args).env("DVK_DATA_DIR", data);
    match url {
        Some(u) => cmd.env("DVK_DATABASE_URL", u),
        None => cmd.env_remove("DVK_DATABASE_URL"),
    };
    cmd.output().unwrap()
}

/// Runs writers against a server, takes a backup in the middle, and
/// returns the backup file and the writes acknowledged before it began.
async fn backup_under_writes(
    data: &std::path::Path,
    url: Option<&str>,
    file: &std::path::Path,
) -> Vec<(i64, String)> {
    let server = Server::start_on(data, url);
    let token = token_on(data, url);
    let parent = province_id(&server.base, &token).await;
    let stop = Arc::new(AtomicBool::new(false));
    let (acknowledged, writers) = start_writers(&server.base, &token, parent, stop.clone());
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let began = Instant::now();
    let (d, u, f) = (
        data.to_owned(),
        url.map(str::to_owned),
        file.to_str().unwrap().to_owned(),
    );
    let out = tokio::task::spawn_blocking(move || {
        dvk_on(&d, u.as_deref(), &["db", "backup", "--to", &f])
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("Đã sao lưu"),
        "{}",
        text(&out.stdout)
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let all = acknowledged.lock().unwrap().clone();
    let before: Vec<(i64, String)> = all
        .iter()
        .filter(|(_, _, at)| *at < began)
        .map(|(id, name, _)| (*id, name.clone()))
        .collect();
    assert!(
        before.len() > 20,
        "{} writes before the backup",
        before.len()
    );
    assert!(
        all.len() > before.len(),
        "writes went on during and after the backup"
    );
    assert!(server.stop().success());
    before
}

async fn assert_units_present(url: &str, units: &[(i64, String)]) {
    let db = dvk_store::Db::connect(url, 1).await.unwrap();
    for (id, name) in units {
        let got: Option<String> = sqlx::query_scalar("SELECT name FROM units WHERE id = $1")
            .bind(*id)
            .fetch_optional(&db.pool)
            .await
            .unwrap();
        assert_eq!(got.as_deref(), Some(name.as_str()), "unit #{id} missing");
    }
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_backup_under_writes_restores_every_acknowledged_write() {
    // Step 1: a backup taken while four writers run.
    let data = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let file = store.path().join("dvk-sao-luu.db");
    let before = backup_under_writes(data.path(), None, &file).await;
    assert!(!store.path().join("dvk-sao-luu.db.partial").exists());

    // Step 2: restored into an empty data directory, everything
    // acknowledged before the backup began is there, chain intact.
    let restored = tempfile::tempdir().unwrap();
    let untouched = std::fs::read(&file).unwrap();
    let out = dvk(restored.path(), &["db", "restore", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("khớp"), "{}", text(&out.stdout));
    // The backup itself is only read.
    assert_eq!(std::fs::read(&file).unwrap(), untouched);
    assert!(!store.path().join("dvk-sao-luu.db-wal").exists());
    let url = format!(
        "sqlite://{}?mode=rw",
        restored.path().join("dvk.db").display()
    );
    assert_units_present(&url, &before).await;
    let out = dvk(restored.path(), &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The restored deployment serves (its admin signs in with the same token store).
    let server = Server::start(restored.path());
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    drop(server);

    // Step 3: no overwriting: an existing backup file, a non-empty target.
    let out = dvk(
        data.path(),
        &["db", "backup", "--to", file.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("đã có"), "{}", text(&out.stderr));
    let out = dvk(restored.path(), &["db", "restore", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("đã có dữ liệu"),
        "{}",
        text(&out.stderr)
    );

    // Step 4: a backup whose audit trail was edited is refused on restore,
    // and the half-restored database is refused by serve and migrate.
    let damaged = store.path().join("hong.db");
    std::fs::copy(&file, &damaged).unwrap();
    let db = dvk_store::Db::connect(&format!("sqlite://{}?mode=rw", damaged.display()), 1)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET changes = '{}' WHERE id = 2")
        .execute(&db.pool)
        .await
        .unwrap();
    db.close().await;
    let target = tempfile::tempdir().unwrap();
    let out = dvk(target.path(), &["db", "restore", damaged.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("không toàn vẹn"),
        "{}",
        text(&out.stderr)
    );
    for args in [&["migrate"][..], &["serve", "--bind", "127.0.0.1:0"][..]] {
        let out = dvk(target.path(), args);
        assert!(!out.status.success(), "{args:?} must refuse");
        assert!(
            text(&out.stderr).contains("chưa hoàn tất"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }

    // Step 5: scheduled backups from the server keep the newest few.
    let scheduled = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dvk"));
    cmd.args([
        "serve",
        "--bind",
        &format!("127.0.0.1:{}", super::free_port()),
    ])
    .env("DVK_DATA_DIR", data.path())
    .env_remove("DVK_DATABASE_URL")
    .env("DVK_BACKUP_DIR", scheduled.path())
    .env("DVK_BACKUP_EVERY_HOURS", "0.0003")
    .env("DVK_BACKUP_KEEP", "2")
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let list = || {
        let mut names: Vec<String> = std::fs::read_dir(scheduled.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".db"))
            .collect();
        names.sort();
        names
    };
    let started = Instant::now();
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < 4 && started.elapsed() < Duration::from_secs(30) {
        seen.extend(list());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.len() >= 4, "scheduled backups were written: {seen:?}");
    let left = list();
    assert!(left.len() <= 3, "old backups are pruned: {left:?}");
    let newest = scheduled.path().join(left.last().unwrap());
    let from_schedule = tempfile::tempdir().unwrap();
    let out = dvk(
        from_schedule.path(),
        &["db", "restore", newest.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Step 6: a file that is not a backup.
    let other = tempfile::tempdir().unwrap();
    assert!(dvk(other.path(), &["migrate"]).status.success());
    let out = dvk(
        target.path(),
        &[
            "db",
            "restore",
            other.path().join("dvk.db").to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("không phải bản sao lưu"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_backup_and_copy_under_writes_read_one_snapshot() {
    let Some(admin) = postgres_admin_url() else {
        return;
    };
    let pg = PgDb::new(&admin).await;
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("tu-postgres.db");
    let before = backup_under_writes(data.path(), Some(&pg.url), &file).await;

    // The PostgreSQL backup restores into SQLite with every write.
    let restored = tempfile::tempdir().unwrap();
    let out = dvk(restored.path(), &["db", "restore", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let url = format!(
        "sqlite://{}?mode=rw",
        restored.path().join("dvk.db").display()
    );
    assert_units_present(&url, &before).await;

    // And back into a new PostgreSQL database: the same rows everywhere.
    let again = PgDb::new(&admin).await;
    let out = dvk_on(
        restored.path(),
        Some(&again.url),
        &["db", "restore", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (a, b) = (
        dvk_store::Db::connect(&url, 1).await.unwrap(),
        dvk_store::Db::connect(&again.url, 1).await.unwrap(),
    );
    let tables = b.tables().await.unwrap();
    assert!(tables.len() > 30, "every table is carried");
    assert_eq!(
        a.table_counts(&tables).await.unwrap(),
        b.table_counts(&tables).await.unwrap()
    );
    assert_units_present(&again.url, &before).await;
    assert!(b.verify_audit().await.unwrap().fault.is_none());
    a.close().await;
    b.close().await;

    // A copy from the live PostgreSQL database while writers run succeeds
    // and its chain verifies (one snapshot: no half-copied write).
    let server = Server::start_on(data.path(), Some(&pg.url));
    let token = token_on(data.path(), Some(&pg.url));
    let parent = province_id(&server.base, &token).await;
    let stop = Arc::new(AtomicBool::new(false));
    let (_acknowledged, writers) = start_writers(&server.base, &token, parent, stop.clone());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let copy = tempfile::tempdir().unwrap();
    let to = format!("sqlite://{}?mode=rwc", copy.path().join("dvk.db").display());
    let (src, dst) = (pg.url.clone(), to.clone());
    let out = tokio::task::spawn_blocking(move || {
        dvk_on(
            std::path::Path::new("."),
            None,
            &["db", "copy", "--from", &src, "--to", &dst],
        )
    })
    .await
    .unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("nhật ký toàn vẹn"));
    drop(server);
}
