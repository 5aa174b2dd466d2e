//! `dvk bench --soak SECONDS`: a sustained mixed load (reads and writes)
//! on SQLite with the server's own housekeeping running, sampling the
//! write-ahead log's size, to show it stays bounded while throughput
//! holds.

use crate::shutdown::Stopping;
use anyhow::{Context, Result};
use dvk_store::Db;
use rand::{RngExt, SeedableRng};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub async fn soak(
    db: &Db,
    db_file: &Path,
    base: &str,
    cookie: &str,
    connections: usize,
    seconds: u64,
) -> Result<()> {
    let officer = db
        .user_by_username("canbo.tohieu")
        .await?
        .context("demo officer")?;
    let new =
        dvk_store::tokens::NewToken::parse("Đo tải", None).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let (_, token) = dvk_store::tokens::create_token(db, officer.id, None, &new)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (session, _) = db.create_session(officer.id).await?;
    let unit = db
        .session(&session)
        .await?
        .context("session")?
        .actor()
        .registering_roots()
        .first()
        .cloned()
        .context("officer unit")?
        .id();
    let max_id = db.entry_count().await?;
    // The server's housekeeping, as `dvk serve` runs it.
    let stopping = Stopping::manual();
    let housekeeping = crate::housekeeping::spawn(db.clone(), stopping.clone(), None);

    let wal = {
        let mut name = db_file.as_os_str().to_owned();
        name.push("-wal");
        std::path::PathBuf::from(name)
    };
    let wal_size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let done = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for worker in 0..connections {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()?;
        let (base, cookie, token) = (base.to_owned(), cookie.to_owned(), token.clone());
        let (done, failed) = (done.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(1000 + worker as u64);
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let pick: u32 = rng.random_range(0..4);
                let res = match pick {
                    // A quarter of requests register a draft entry.
                    0 => {
                        let body = serde_json::json!({
                            "kind": "model", "subject": "collective", "field_id": 1,
                            "target_level": "xa", "phase": "2026-2030", "year": 2026,
                            "unit_id": unit,
                            "title": format!("Mô hình đo tải bền {worker}-{n}: dân vận khéo ở bản"),
                            "situation": "Thực trạng ".repeat(20),
                            "content": "Nội dung thực hiện ".repeat(30),
                        });
                        client
                            .post(format!("{base}/api/v1/entries"))
                            .bearer_auth(&token)
                            .header("content-type", "application/json")
                            .body(body.to_string())
                            .send()
                            .await
                    }
                    1 => {
                        client
                            .get(format!("{base}/entries?page={}", rng.random_range(1..20)))
                            .header("cookie", &cookie)
                            .send()
                            .await
                    }
                    _ => {
                        client
                            .get(format!("{base}/entries/{}", rng.random_range(1..=max_id)))
                            .header("cookie", &cookie)
                            .send()
                            .await
                    }
                };
                match res {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    println!(
        "\nSoak: {connections} connections for {seconds} s (¼ draft registrations through the API, ¾ list and detail pages), SQLite\n"
    );
    println!(
        "{:>8} {:>10} {:>8} {:>10} {:>10}",
        "second", "req/s", "errors", "WAL MB", "DB MB"
    );
    let started = Instant::now();
    let mut last = (0usize, started);
    let mut max_wal = 0u64;
    let mut next_line = 30;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1)).await;
        max_wal = max_wal.max(wal_size());
        let t = started.elapsed().as_secs();
        if t >= next_line || Instant::now() >= deadline {
            next_line += 30;
            let n = done.load(Ordering::Relaxed);
            let rate = (n - last.0) as f64 / last.1.elapsed().as_secs_f64();
            last = (n, Instant::now());
            println!(
                "{:>8} {:>10.0} {:>8} {:>10.1} {:>10.1}",
                t,
                rate,
                failed.load(Ordering::Relaxed),
                wal_size() as f64 / 1e6,
                std::fs::metadata(db_file).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
            );
        }
    }
    for t in tasks {
        t.await?;
    }
    stopping.set();
    let _ = housekeeping.await;
    println!(
        "\n{} requests, {} errors; largest WAL seen {:.1} MB (limit 64 MB).",
        done.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        max_wal as f64 / 1e6
    );
    Ok(())
}
