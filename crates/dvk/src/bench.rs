//! `dvk bench`: builds Sơn La-scale (or national-scale) data in a fresh
//! SQLite database, or in the database `--database-url` names (PostgreSQL
//! included), serves it on a loopback port and measures the main pages at a
//! fixed concurrency.

use anyhow::{bail, Context, Result};
use dvk_store::audit::AuditEvent;
use dvk_store::Db;
use dvk_web::{AppState, WebConfig};
use rand::{RngExt, SeedableRng};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Entries to generate.
    #[arg(long, default_value_t = 10_000)]
    entries: usize,
    /// Audit records to reach (entries' own history counts).
    #[arg(long, default_value_t = 50_000)]
    audit: i64,
    /// Concurrent connections.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Entries proposed to the measured round (0 skips the round scenario).
    #[arg(long, default_value_t = 2_000)]
    round_entries: usize,
    /// Council members scoring every entry of that round.
    #[arg(long, default_value_t = 9)]
    round_members: usize,
    /// Instead of the page scenarios, a sustained mixed load for this many
    /// seconds, sampling the SQLite write-ahead log (see README).
    #[arg(long, default_value_t = 0)]
    soak: u64,
    /// Keep the generated database in this directory instead of a temporary one.
    #[arg(long)]
    keep_in: Option<std::path::PathBuf>,
    /// Instead of the page scenarios, time the documents: a decision with
    /// this many annex rows (built-in form and a province's template) and
    /// the province's implementation report over every generated entry.
    #[arg(long, default_value_t = 0)]
    documents: usize,
    /// Instead of the page scenarios, time the export of every generated
    /// entry as XLSX and CSV through the server, with the memory it takes.
    #[arg(long)]
    exports: bool,
}

/// Builds the request path for one request of a scenario.
type PathFn = Box<dyn Fn(&mut rand::rngs::StdRng) -> String + Send + Sync>;

impl Outcome {
    /// One line of the scenarios' table.
    fn print_row(&self, name: &str) {
        println!(
            "{:<52} {:>9.0} {:>9.2} {:>9.2} {:>8} {:>7}",
            name,
            self.requests as f64 / self.elapsed.as_secs_f64(),
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0,
            self.queries,
            self.errors
        );
    }
}

struct Outcome {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    queries: String,
}

pub async fn run(args: BenchArgs, database_url: Option<String>) -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let dir = args
        .keep_in
        .clone()
        .unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let url = database_url
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()));
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("Database: {} ({backend})", dvk_store::db::redact(&url));
    // A pool as `dvk serve` would have for this load: one connection per
    // client, within the server's own default on SQLite.
    let pool = if backend == "SQLite" {
        8
    } else {
        args.connections as u32 + 4
    };
    let db = Db::connect(&url, pool).await?;
    db.migrate().await?;
    db.seed_reference().await?;
    let started = Instant::now();
    let province = match db.province_by_code("14").await? {
        Some(p) => p,
        None => db.load_province("14").await?,
    };
    let cat = db.catalogue().await?;
    // Bench data goes into an empty database, never into one in use (the
    // URL may come from the environment); one it filled before is reused
    // only if that load finished (a stopped load leaves a part of the
    // entries, the counters and the audit chain).
    let existing = db.entry_count().await?;
    if existing > 0 && db.bench_loaded().await?.is_none() {
        anyhow::bail!(
            "Cơ sở dữ liệu {} đã có {existing} hồ sơ không do một lần `dvk bench` nạp trọn vẹn. \
             Hãy chỉ định một cơ sở dữ liệu trống bằng --database-url.",
            dvk_store::db::redact(&url)
        );
    }
    if existing == 0 {
        println!("Generating {} entries with their histories…", args.entries);
        let step = (args.entries / 10).max(1);
        let t0 = Instant::now();
        let shown = std::sync::atomic::AtomicUsize::new(0);
        let progress = move |n: usize| {
            let tenth = n / step;
            if shown.fetch_max(tenth, std::sync::atomic::Ordering::Relaxed) < tenth {
                println!("  {n} entries, {:.0}s", t0.elapsed().as_secs_f64());
            }
        };
        dvk_store::demo::load_bench(&db, &cat, &province, args.entries, &progress).await?;
        db.refresh_statistics().await?;
        db.mark_bench_loaded(db.entry_count().await?).await?;
    }
    let mut audit = db.audit_count().await?;
    if audit < args.audit {
        println!(
            "Topping the audit trail up from {audit} to {} records…",
            args.audit
        );
        while audit < args.audit {
            db.record_event(AuditEvent {
                actor_id: None,
                action: "bench.note",
                record_type: "bench",
                record_id: audit,
                changes: serde_json::json!({"note": [null, "Bản ghi kiểm thử tải"]}),
                ..Default::default()
            })
            .await?;
            audit += 1;
        }
    }
    println!(
        "Data ready in {:.1}s: {} entries, {} audit records.",
        started.elapsed().as_secs_f64(),
        db.entry_count().await?,
        db.audit_count().await?
    );

    let state = AppState::new(
        db.clone(),
        WebConfig {
            secure_cookies: false,
            expose_query_count: true,
            // The load comes from one address; the public pages' budget
            // per address would otherwise refuse it.
            public_api_per_minute: u32::MAX / 2,
            ..Default::default()
        },
    )
    .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(dvk_web::serve(
        listener,
        state,
        tokio::sync::watch::channel(false).1,
        std::time::Duration::from_secs(1),
    ));
    let base = format!("http://{addr}");

    if args.documents > 0 {
        return documents(&db, &province, args.documents).await;
    }
    let cookie = login(&base, "bandanvan").await?;
    if args.exports {
        return exports(&base, &cookie).await;
    }
    if args.soak > 0 {
        return crate::soak::soak(
            &db,
            &dir.join("bench.db"),
            &base,
            &cookie,
            args.connections,
            args.soak,
        )
        .await;
    }
    let max_id = db.entry_count().await?;
    // A page deep in the list: the cursor of the entry in the middle.
    let deep = {
        let e = db
            .entry(max_id / 2)
            .await?
            .context("an entry in the middle")?;
        dvk_store::entries::Cursor {
            id: e.id,
            updated_at: e.updated_at,
            year: e.registration.year as i64,
            title: e.registration.items[0].clone(),
        }
        .encode()
    };
    let scenarios: Vec<(&str, bool, PathFn)> = vec![
        (
            "entry list (filtered: year 2026, accepted, 25/page)",
            true,
            Box::new(|_r| "/entries?year=2026&state=accepted".to_owned()),
        ),
        (
            "entry list (unfiltered, first page)",
            true,
            Box::new(|_r| "/entries".to_owned()),
        ),
        (
            "entry list (unfiltered, deep page by cursor)",
            true,
            Box::new(move |_r| format!("/entries?after={deep}")),
        ),
        (
            "entry detail (random id)",
            true,
            Box::new(move |r| format!("/entries/{}", r.random_range(1..=max_id))),
        ),
        (
            "search \"dan van kheo\" (about half the entries)",
            true,
            Box::new(|_r| "/entries?q=dan+van+kheo".to_owned()),
        ),
        (
            "search \"xim vang\" (a rare word)",
            true,
            Box::new(|_r| "/entries?q=xim+vang".to_owned()),
        ),
        (
            "registration status (province, this year)",
            true,
            Box::new(|_r| "/status".to_owned()),
        ),
        (
            "register of recognised models (province)",
            true,
            Box::new(|_r| "/register".to_owned()),
        ),
        (
            "public recognised models /mo-hinh (anonymous)",
            false,
            Box::new(|_r| "/mo-hinh".to_owned()),
        ),
        (
            "portal home / (anonymous)",
            false,
            Box::new(|_r| "/".to_owned()),
        ),
    ];
    println!(
        "\n{} connections, {} s per scenario, {backend}, {} entries, server and load generator on the same machine\n",
        args.connections, args.seconds, max_id
    );
    println!(
        "{:<52} {:>9} {:>9} {:>9} {:>8} {:>7}",
        "scenario", "req/s", "p50 ms", "p99 ms", "queries", "errors"
    );
    // The server's resident memory, sampled through the page load.
    let before_load = status_mb("VmRSS:");
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        std::thread::spawn(move || {
            let mut top = 0f64;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                top = top.max(status_mb("VmRSS:"));
                std::thread::sleep(Duration::from_millis(50));
            }
            top
        })
    };
    for (name, signed_in, path) in scenarios {
        let o = load(
            &base,
            if signed_in { &cookie } else { "" },
            args.connections,
            Duration::from_secs(args.seconds),
            path,
        )
        .await?;
        o.print_row(name);
    }
    // The lookup's own time (a registration or an import waits for it), and
    // under the scenarios' load.
    for (name, connections) in [
        ("similar models lookup, one at a time", 1),
        (
            "similar models lookup (a random entry's text)",
            args.connections,
        ),
    ] {
        let o =
            similar_lookups(&db, max_id, connections, Duration::from_secs(args.seconds)).await?;
        o.print_row(name);
    }
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let top = sampler.join().unwrap_or(0.0);
    println!(
        "\nResident memory under the page load, at most {top:.0} MB, {before_load:.0} MB before it (VmRSS of the one process: server, database caches, load generator)"
    );
    if args.round_entries > 0 {
        round_table(&db, &base, &cookie, args.round_entries, args.round_members).await?;
    }
    Ok(())
}

/// The similar-models lookup a registration or an import runs, timed in
/// the process (it has no page of its own: the form and the import's
/// preview call it): the text of a random entry, looked up as the
/// province's movement officer would, by `connections` tasks at once.
async fn similar_lookups(
    db: &Db,
    max_id: i64,
    connections: usize,
    duration: Duration,
) -> Result<Outcome> {
    let officer = actor(db, "bandanvan").await?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut texts = Vec::new();
    for _ in 0..64 {
        if let Some(e) = db.entry(rng.random_range(1..=max_id)).await? {
            let r = &e.registration;
            texts.push((r.title().to_owned(), r.published_body()));
        }
    }
    let texts = std::sync::Arc::new(texts);
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for worker in 0..connections {
        let (db, officer, texts) = (db.clone(), officer.clone(), texts.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut i = worker;
            while Instant::now() < deadline {
                let (title, text) = &texts[i % texts.len()];
                i += 1;
                let t = Instant::now();
                match dvk_store::similar::similar_to_draft(&db, &officer, title, text, None).await {
                    Ok(_) => lat.push(t.elapsed()),
                    Err(_) => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await?;
        all.extend(lat);
        errors += e;
    }
    // The roots, the candidates, the texts compared.
    Ok(Outcome::of(all, errors, start.elapsed(), "3".into()))
}

/// A memory figure of this process from /proc/self/status, in MB.
fn status_mb(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// The process's anonymous resident memory (RssAnon: the heap, not
/// SQLite's memory-mapped database pages), in MB.
fn peak_mb() -> f64 {
    status_mb("RssAnon:")
}

/// Times document generation at scale, each step three times (the best
/// and the worst shown), with the process's heap after it.
async fn documents(db: &Db, province: &dvk_store::units::Unit, rows: usize) -> Result<()> {
    use dvk_docs::kinds::fields::TemplateKind;
    use dvk_store::documents as docs;
    let lines = docs::listed_sample(db, rows as i64).await?;
    let decision = dvk_docs::kinds::decision::RecognitionDecision {
        lines,
        ..dvk_docs::kinds::samples::recognition(0)
    };
    let template = dvk_docs::to_docx(&TemplateKind::Recognition.starting_point())?;
    let actor = actor(db, "bandanvan").await?;
    let all = dvk_store::tracking::Followed {
        unit: province.clone(),
        year: 2026,
    };
    println!(
        "\nDocuments ({} annex rows; report over the province), best and worst of 3 runs:\n",
        decision.lines.len()
    );
    println!(
        "{:<60} {:>9} {:>9} {:>10} {:>12}",
        "document", "best ms", "worst ms", "size KB", "heap MB"
    );
    let row = |name: &str, times: Vec<Duration>, size: usize| {
        let best = times.iter().min().copied().unwrap_or_default();
        let worst = times.iter().max().copied().unwrap_or_default();
        println!(
            "{:<60} {:>9.1} {:>9.1} {:>10} {:>12.0}",
            name,
            best.as_secs_f64() * 1000.0,
            worst.as_secs_f64() * 1000.0,
            size / 1024,
            peak_mb()
        );
    };
    let (mut times, mut size) = (Vec::new(), 0);
    for _ in 0..3 {
        let t = Instant::now();
        size = dvk_docs::to_docx(&decision.document())?.len();
        times.push(t.elapsed());
    }
    row("recognition decision + annex (built-in form)", times, size);
    let (mut times, mut size) = (Vec::new(), 0);
    for _ in 0..3 {
        let t = Instant::now();
        size = dvk_docs::template::fill(&template, &decision.template_data())?.len();
        times.push(t.elapsed());
    }
    row(
        "recognition decision + annex (province's template)",
        times,
        size,
    );
    for (label, period) in [
        (
            "implementation report, phase 2021-2025 (records → DOCX)",
            docs::ReportPeriod::Phase("2021-2025".into()),
        ),
        (
            "implementation report, year 2026 (records → DOCX)",
            docs::ReportPeriod::Year(2026),
        ),
    ] {
        let (mut times, mut file) = (Vec::new(), Vec::new());
        for _ in 0..3 {
            let t = Instant::now();
            file = docs::implementation_report(db, &actor, &all, &period)
                .await?
                .bytes;
            times.push(t.elapsed());
        }
        row(label, times, file.len());
        // How many records the report counted, as it prints it.
        if let Some(p) = dvk_docs::package::paragraphs(&file)?
            .into_iter()
            .find(|p| p.starts_with("Tổng số mô hình"))
        {
            println!("    {}", p.split(" (").next().unwrap_or(&p));
        }
    }
    Ok(())
}

/// The whole entry list exported by the province's secretariat, as XLSX
/// and CSV, three times each: time to the last byte, file size, and how
/// far the process's heap (RssAnon, sampled every 10 ms) rose above where
/// it stood before the request.
async fn exports(base: &str, cookie: &str) -> Result<()> {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;
    let client = reqwest::Client::new();
    println!("\nExports of the whole entry list, three runs each:\n");
    println!(
        "{:<10} {:>9} {:>9} {:>10} {:>16}",
        "format", "best s", "worst s", "size MB", "heap growth MB"
    );
    for format in ["xlsx", "csv"] {
        let (mut times, mut size, mut growth) = (Vec::new(), 0usize, 0f64);
        for _ in 0..3 {
            let before = peak_mb();
            let running = Arc::new(AtomicBool::new(true));
            let top = Arc::new(AtomicU64::new(before.to_bits()));
            let sampler = {
                let (running, top) = (running.clone(), top.clone());
                std::thread::spawn(move || {
                    while running.load(Ordering::Relaxed) {
                        let now = peak_mb();
                        if now > f64::from_bits(top.load(Ordering::Relaxed)) {
                            top.store(now.to_bits(), Ordering::Relaxed);
                        }
                        std::thread::sleep(Duration::from_millis(10));
                    }
                })
            };
            let t = Instant::now();
            let mut res = client
                .get(format!("{base}/entries/export?format={format}"))
                .header("cookie", cookie)
                .send()
                .await?;
            if !res.status().is_success() {
                bail!("export answered {}", res.status());
            }
            size = 0;
            while let Some(chunk) = res.chunk().await? {
                size += chunk.len();
            }
            times.push(t.elapsed());
            running.store(false, Ordering::Relaxed);
            let _ = sampler.join();
            growth = growth.max(f64::from_bits(top.load(Ordering::Relaxed)) - before);
        }
        let best = times.iter().min().copied().unwrap_or_default();
        let worst = times.iter().max().copied().unwrap_or_default();
        println!(
            "{:<10} {:>9.2} {:>9.2} {:>10.1} {:>16.1}",
            format,
            best.as_secs_f64(),
            worst.as_secs_f64(),
            size as f64 / 1_048_576.0,
            growth
        );
    }
    Ok(())
}

async fn actor(db: &Db, username: &str) -> Result<dvk_domain::auth::Actor> {
    let user = db
        .user_by_username(username)
        .await?
        .context("demo user missing")?;
    let (token, _) = db.create_session(user.id).await?;
    Ok(db.session(&token).await?.context("session")?.actor())
}

/// The round result table at scale: `entries` proposed entries, `members`
/// members each scoring every criterion of every entry, all through the
/// same services the pages use.
async fn round_table(
    db: &Db,
    base: &str,
    cookie: &str,
    entries: usize,
    members: usize,
) -> Result<()> {
    use dvk_store::appraisal as ap;
    use dvk_store::service;
    let started = Instant::now();
    let province = db.province_by_code("14").await?.context("province")?;
    let cat = db.catalogue().await?;
    let organiser = actor(db, "bandanvan").await?;
    let officer = actor(db, "canbo.tohieu").await?;
    let commune = officer
        .registering_roots()
        .first()
        .cloned()
        .context("officer unit")?;
    let form = ap::RoundForm {
        unit_id: province.id.to_string(),
        title: "Đợt xét đo tải: công nhận cấp xã năm 2026".into(),
        level: "xa".into(),
        year: "2026".into(),
        phase: "2026-2030".into(),
        kind: "annual".into(),
        mode: "score".into(),
        ..Default::default()
    };
    let rid = ap::create_round(db, &organiser, &form).await?;
    let hash = dvk_store::accounts::hash_password(dvk_store::demo::DEMO_PASSWORD)?;
    let mut scorers = Vec::new();
    for i in 1..=members {
        let id = db
            .insert_user(
                None,
                &format!("bench.uyvien{i}"),
                &format!("Ủy viên đo tải {i}"),
                &hash,
            )
            .await?;
        db.insert_grant(None, id, dvk_domain::auth::Role::CouncilMember, province.id)
            .await?;
        let role = if i == 1 {
            dvk_domain::appraisal::CouncilRole::Chair
        } else {
            dvk_domain::appraisal::CouncilRole::Member
        };
        ap::add_member(db, &organiser, rid, id, role).await?;
        scorers.push(actor(db, &format!("bench.uyvien{i}")).await?);
    }
    let criteria = db
        .round_core(rid)
        .await?
        .context("round")?
        .collective
        .criteria;
    let self_points: std::collections::HashMap<i64, String> =
        criteria.iter().map(|c| (c.id, "8".to_owned())).collect();
    let field = cat.fields.first().map(|f| f.id).unwrap_or(1);
    let mut ids = Vec::with_capacity(entries);
    for i in 0..entries {
        let f = dvk_domain::entry::EntryForm {
            kind: "model".into(),
            subject: "collective".into(),
            field_id: field.to_string(),
            target_level: "xa".into(),
            phase: "2026-2030".into(),
            year: "2026".into(),
            unit_id: commune.id().to_string(),
            title: format!("Mô hình đo tải số {i}: dân vận khéo trong xây dựng nông thôn mới"),
            situation: "Thực trạng".into(),
            objectives: "Mục tiêu có chỉ tiêu cụ thể".into(),
            content: "Nội dung".into(),
            area: "Địa bàn".into(),
            forces: "Lực lượng".into(),
            resources: "Nguồn lực".into(),
            timeline: "Thời gian".into(),
            outputs: "Sản phẩm".into(),
            sustainability: "Duy trì, nhân rộng".into(),
            ..Default::default()
        };
        let id = service::create_entry(db, &cat, &officer, &f).await?;
        service::transition(
            db,
            &officer,
            id,
            dvk_domain::state::Transition::Submit,
            "",
            1,
        )
        .await?;
        service::transition(
            db,
            &organiser,
            id,
            dvk_domain::state::Transition::Accept,
            "",
            2,
        )
        .await?;
        ap::propose(db, &officer, rid, id, &self_points).await?;
        ids.push(id);
    }
    ap::assign(db, &organiser, rid, ap::Assignment::All).await?;
    ap::start_appraisal(db, &organiser, rid).await?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for id in &ids {
        for s in &scorers {
            let sheet = criteria
                .iter()
                .map(|c| {
                    (
                        c.id,
                        (
                            (rng.random_range(8..=20) as f64 / 2.0).to_string(),
                            String::new(),
                        ),
                    )
                })
                .collect();
            ap::save_scores(db, s, rid, *id, &sheet).await?;
        }
    }
    println!(
        "\nRound ready in {:.1}s: {} proposed entries × {} members × {} criteria = {} scores.",
        started.elapsed().as_secs_f64(),
        ids.len(),
        scorers.len(),
        criteria.len(),
        ids.len() * scorers.len() * criteria.len()
    );
    let client = reqwest::Client::new();
    let url = format!("{base}/rounds/{rid}");
    let mut lat = Vec::new();
    let mut size = 0;
    let mut queries = String::new();
    for _ in 0..20 {
        let t = Instant::now();
        let res = client.get(&url).header("cookie", cookie).send().await?;
        if !res.status().is_success() {
            bail!("round page answered {}", res.status());
        }
        queries = res
            .headers()
            .get("x-dvk-queries")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        size = res.bytes().await?.len();
        lat.push(t.elapsed());
    }
    lat.sort();
    // What a browser receives: the same page, compressed.
    let mut wire = std::collections::BTreeMap::new();
    for encoding in ["br", "gzip"] {
        let res = client
            .get(&url)
            .header("cookie", cookie)
            .header("accept-encoding", encoding)
            .send()
            .await?;
        let sent = res
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none")
            .to_owned();
        wire.insert(encoding, (sent, res.bytes().await?.len()));
    }
    println!(
        "round result table (GET /rounds/{rid}, one at a time): p50 {:.1} ms, max {:.1} ms, {} KB ({} KB as br, {} KB as gzip on the wire), {} queries",
        lat[lat.len() / 2].as_secs_f64() * 1000.0,
        lat[lat.len() - 1].as_secs_f64() * 1000.0,
        size / 1024,
        wire["br"].1 / 1024,
        wire["gzip"].1 / 1024,
        queries
    );
    for (asked, (sent, _)) in &wire {
        if asked != sent {
            bail!("the round page was asked for as {asked} and sent as {sent}");
        }
    }
    Ok(())
}

async fn login(base: &str, username: &str) -> Result<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = client.get(format!("{base}/login")).send().await?;
    let pre = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix("dvk_pre=")
                .map(|s| s.split(';').next().unwrap_or("").to_owned())
        })
        .context("no pre-session cookie")?;
    let res = client
        .post(format!("{base}/login"))
        .header("cookie", format!("dvk_pre={pre}"))
        .form(&[
            ("csrf", pre.as_str()),
            ("username", username),
            ("password", dvk_store::demo::DEMO_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await?;
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix("dvk_session=")
                .map(|s| s.split(';').next().unwrap_or("").to_owned())
        });
    match session {
        Some(s) => Ok(format!("dvk_session={s}")),
        None => bail!("login failed with status {}", res.status()),
    }
}

async fn load(
    base: &str,
    cookie: &str,
    connections: usize,
    duration: Duration,
    path: PathFn,
) -> Result<Outcome> {
    let path = std::sync::Arc::new(path);
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for worker in 0..connections {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()?;
        let base = base.to_owned();
        let cookie = cookie.to_owned();
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(worker as u64);
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut queries = String::new();
            while Instant::now() < deadline {
                let url = format!("{base}{}", path(&mut rng));
                let t = Instant::now();
                let mut req = client.get(&url);
                if !cookie.is_empty() {
                    req = req.header("cookie", &cookie);
                }
                match req.send().await {
                    Ok(res) if res.status().is_success() => {
                        if let Some(q) = res
                            .headers()
                            .get("x-dvk-queries")
                            .and_then(|v| v.to_str().ok())
                        {
                            queries = q.to_owned();
                        }
                        let _ = res.bytes().await;
                        lat.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors, queries)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    let mut queries = String::new();
    for t in tasks {
        let (lat, e, q) = t.await?;
        all.extend(lat);
        errors += e;
        if !q.is_empty() {
            queries = q;
        }
    }
    Ok(Outcome::of(all, errors, start.elapsed(), queries))
}

impl Outcome {
    /// The figures of a run from its latencies.
    fn of(mut all: Vec<Duration>, errors: usize, elapsed: Duration, queries: String) -> Outcome {
        all.sort();
        let pct = |p: f64| {
            all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        Outcome {
            requests: all.len(),
            errors,
            elapsed,
            p50: pct(0.50),
            p99: pct(0.99),
            queries,
        }
    }
}
