//! What the command-line tests share: a `dvk serve` process, an API token,
//! and a writer that creates units through the API.

use super::{free_port, text};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
    pub base: String,
    pub admin_password: Option<String>,
}

impl Server {
    pub fn start(data: &std::path::Path) -> Server {
        Server::start_on(data, None)
    }

    pub fn start_on(data: &std::path::Path, url: Option<&str>) -> Server {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dvk"));
        cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("DVK_DATA_DIR", data);
        match url {
            Some(u) => cmd.env("DVK_DATABASE_URL", u),
            None => cmd.env_remove("DVK_DATABASE_URL"),
        };
        let mut child = cmd
            .env("DVK_SHUTDOWN_GRACE", "20")
            // The tests speak plain HTTP to the server.
            .env("DVK_SECURE_COOKIES", "false")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut admin_password = None;
        loop {
            match lines.next() {
                Some(Ok(l)) if l.contains("DVK đang chạy") => break,
                Some(Ok(l)) => {
                    if let Some(p) = l.split("admin / ").nth(1) {
                        admin_password = Some(p.trim().to_owned());
                    }
                }
                _ => panic!("dvk serve exited before listening"),
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            admin_password,
        }
    }

    /// SIGTERM; the exit status.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(40),
                "dvk did not stop"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn token(data: &std::path::Path) -> String {
    token_on(data, None)
}

/// An admin API token, made with the CLI on the server's database.
pub fn token_on(data: &std::path::Path, url: Option<&str>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dvk"));
    cmd.env("DVK_DATA_DIR", data);
    match url {
        Some(u) => cmd.env("DVK_DATABASE_URL", u),
        None => cmd.env_remove("DVK_DATABASE_URL"),
    };
    let out = cmd
        .args([
            "token",
            "create",
            "--username",
            "admin",
            "--name",
            "Kiểm thử",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).lines().nth(1).unwrap().trim().to_owned()
}

/// Creates a unit under `parent` through the API: Some(id) when the
/// server acknowledged it.
pub async fn create_unit(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    parent: i64,
    name: &str,
) -> Result<i64, u16> {
    let res = http
        .post(format!("{base}/api/v1/units"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(
            serde_json::json!({"parent_id": parent, "name": name, "kind": "khu_dan_cu"})
                .to_string(),
        )
        .send()
        .await;
    match res {
        Ok(r) if r.status() == 201 => {
            let body: serde_json::Value =
                serde_json::from_slice(&r.bytes().await.map_err(|_| 0u16)?).unwrap();
            Ok(body["id"].as_i64().unwrap())
        }
        Ok(r) => Err(r.status().as_u16()),
        Err(_) => Err(0),
    }
}

pub async fn province_id(base: &str, token: &str) -> i64 {
    let bytes = reqwest::Client::new()
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let me: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    me["grants"][0]["unit_id"].as_i64().unwrap()
}
