//! The `dvk` binary end to end: migrate, accounts, provinces, the audit
//! check against a tampered database, and a first start without demo data.

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
    let login = reqwest::get(format!("http://{bind}/login"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("Đăng nhập"));
    child.kill().unwrap();
    let _ = child.wait();
    // No demo accounts exist.
    let url = format!("sqlite://{}?mode=rw", dir.path().join("dvk.db").display());
    let db = dvk_store::Db::connect(&url, 1).await.unwrap();
    assert_eq!(db.user_count().await.unwrap(), 1);
    assert!(db.user_by_username("quantri").await.unwrap().is_none());
    assert_eq!(db.entry_count().await.unwrap(), 0);
}
