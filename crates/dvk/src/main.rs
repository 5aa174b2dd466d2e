//! `dvk` — the DVK server and its administration commands.

mod bench;
mod housekeeping;
mod shutdown;
mod soak;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use dvk_domain::auth::Role;
use dvk_store::accounts::random_token;
use dvk_store::{service, Db};
use dvk_web::{AppState, WebConfig};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "dvk",
    version,
    about = "DVK — quản lý phong trào thi đua \"Dân vận khéo\""
)]
struct Cli {
    /// Database URL: sqlite://… (default: a file under the data directory) or postgres://…
    #[arg(long, env = "DVK_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Optional read replica for read-only page queries (same kind of database as the primary).
    #[arg(long, env = "DVK_DATABASE_READ_URL", global = true)]
    database_read_url: Option<String>,
    /// Directory for the embedded database and other files.
    #[arg(long, env = "DVK_DATA_DIR", default_value = "./data", global = true)]
    data_dir: PathBuf,
    /// The demo: `serve` loads demo data and accounts; every command uses the demo database
    /// (data/demo.db) unless a database URL is given.
    #[arg(long, global = true)]
    demo: bool,
    /// Log lines as text or as JSON objects (one per line).
    #[arg(long, env = "DVK_LOG_FORMAT", default_value = "text", global = true,
          value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum CheckCommand {
    /// Recount entries by unit, year and state and compare with the counters the
    /// status and register pages read; exits 1 when any differs.
    Counters {
        /// Rewrite the counters from the recount.
        #[arg(long)]
        repair: bool,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (migrations run first).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "DVK_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Province code loaded on first start (official 2-digit code; Sơn La is 14).
        #[arg(long, env = "DVK_PROVINCE", default_value = "14")]
        province: String,
        /// Secure cookies with the __Host- prefix, and HSTS (serve over HTTPS). On by default; off
        /// under --demo, which is for trying DVK over plain HTTP on one machine.
        #[arg(long, env = "DVK_SECURE_COOKIES")]
        secure_cookies: Option<bool>,
        /// Database connections in the pool (2–500).
        #[arg(long, env = "DVK_DB_POOL", default_value_t = 8,
              value_parser = clap::value_parser!(u32).range(2..=500))]
        pool: u32,
        /// Seconds in-flight requests may take to finish after SIGTERM or Ctrl-C.
        #[arg(long, env = "DVK_SHUTDOWN_GRACE", default_value_t = 30)]
        shutdown_grace: u64,
        /// Seconds a request may take before it is cut with 408.
        #[arg(long, env = "DVK_REQUEST_TIMEOUT", default_value_t = 60,
              value_parser = clap::value_parser!(u64).range(1..=3600))]
        request_timeout: u64,
        /// Seconds a client has to send a request's headers (also while a
        /// kept-alive connection idles) before it is disconnected.
        #[arg(long, env = "DVK_HEADER_TIMEOUT", default_value_t = 30,
              value_parser = clap::value_parser!(u64).range(1..=600))]
        header_timeout: u64,
        /// Requests per minute one address may make to the public API.
        #[arg(long, env = "DVK_PUBLIC_API_PER_MINUTE", default_value_t = 120)]
        public_api_per_minute: u32,
        /// Reverse proxies (CIDRs or addresses, comma-separated) whose X-Forwarded-For is believed.
        #[arg(long, env = "DVK_TRUSTED_PROXIES", default_value = "")]
        trusted_proxies: String,
        /// Addresses (CIDRs) that may read /metrics.
        #[arg(
            long,
            env = "DVK_METRICS_ALLOW",
            default_value = "127.0.0.1/32,::1/128"
        )]
        metrics_allow: String,
        /// A bearer token that may read /metrics from anywhere.
        #[arg(long, env = "DVK_METRICS_TOKEN", hide_env_values = true)]
        metrics_token: Option<String>,
        /// Seconds between passes of the deadline reminders.
        #[arg(long, env = "DVK_REMINDER_EVERY_SECS", default_value_t = 600,
              value_parser = clap::value_parser!(u64).range(1..=86400))]
        reminder_every_secs: u64,
        /// Directory for scheduled backups (off when not given).
        #[arg(long, env = "DVK_BACKUP_DIR")]
        backup_dir: Option<PathBuf>,
        /// Hours between scheduled backups.
        #[arg(long, env = "DVK_BACKUP_EVERY_HOURS", default_value_t = 24.0)]
        backup_every_hours: f64,
        /// Scheduled backups kept (older ones are deleted).
        #[arg(long, env = "DVK_BACKUP_KEEP", default_value_t = 14,
              value_parser = clap::value_parser!(u64).range(1..=10000))]
        backup_keep: u64,
        /// LibreOffice's soffice for PDF downloads (default: found on the
        /// PATH; an empty value turns PDF off).
        #[arg(long, env = "DVK_SOFFICE")]
        soffice: Option<PathBuf>,
        /// The address the public reaches DVK at, printed on public notices.
        #[arg(long, env = "DVK_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Apply database migrations and reference data, then exit.
    Migrate,
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Units and official administrative lists.
    Units {
        #[command(subcommand)]
        command: UnitsCommand,
    },
    /// Build Sơn La-scale data and measure the main pages under load.
    Bench(bench::BenchArgs),
    /// Consistency checks of derived data.
    Check {
        #[command(subcommand)]
        command: CheckCommand,
    },
    /// Whole-database operations.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// API tokens (the secret is printed once; only its hash is stored).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Deployment defaults kept in the database (shared by every process).
    Setting {
        #[command(subcommand)]
        command: SettingCommand,
    },
}

#[derive(Subcommand)]
enum SettingCommand {
    /// Show every setting with its value.
    List,
    /// Change a setting (notice_min_working_days 1–60; quorum_pct above 0 up to 100).
    Set { key: String, value: String },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token that acts with the user's current rights.
    Create {
        #[arg(long)]
        username: String,
        /// What the token is for.
        #[arg(long)]
        name: String,
        /// Days until it stops working (1–3650); no expiry when omitted.
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// List a user's tokens.
    List {
        #[arg(long)]
        username: String,
    },
    /// Revoke a token by its id.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Copy a whole deployment into an empty database (e.g. SQLite → PostgreSQL).
    Copy {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
    /// Write a consistent copy of the live database into one SQLite file (the server may keep running).
    Backup {
        /// The backup file to create (must not exist).
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup file into the configured database, which must be empty.
    Restore {
        /// The backup file made by `dvk db backup`.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account, optionally with a role in a unit.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        /// Password; a random one is generated and printed when omitted.
        #[arg(long, env = "DVK_NEW_PASSWORD")]
        password: Option<String>,
        /// Role code: admin, movement_officer, unit_officer, council_member, council_chair, council_secretary, signing_leader.
        #[arg(long)]
        role: Option<String>,
        /// Unit id where the role is held (default: the first province).
        #[arg(long)]
        unit: Option<i64>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain and report the first record edited, deleted or reordered.
    Verify {
        /// An anchor kept outside the database ("length:hash", from `dvk audit head`): the
        /// chain must still extend it (catches a cut tail with the head moved, and a re-hash).
        #[arg(long)]
        expect: Option<String>,
    },
    /// Print the chain's length and head hash ("length:hash"), to keep outside the database.
    Head,
}

#[derive(Subcommand)]
enum UnitsCommand {
    /// Load a province and its communes (before and after 1/7/2025) from the embedded official lists.
    LoadProvince { code: String },
    /// List the provinces in the embedded official list.
    Provinces,
}

fn database_url(
    cli_url: &Option<String>,
    data_dir: &std::path::Path,
    file: &str,
) -> Result<String> {
    if let Some(u) = cli_url {
        return Ok(u.clone());
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    Ok(format!(
        "sqlite://{}?mode=rwc",
        data_dir.join(file).display()
    ))
}

/// What picks the database: the flags shared by every command.
struct CliDatabase {
    url: Option<String>,
    data_dir: PathBuf,
    demo: bool,
}

/// The database a command works on — the demo's under `--demo` — said on
/// standard error, so the operator knows which one it was.
fn cli_database(cli: &CliDatabase) -> Result<String> {
    let file = if cli.demo { "demo.db" } else { "dvk.db" };
    let url = database_url(&cli.url, &cli.data_dir, file)?;
    eprintln!("Cơ sở dữ liệu / database: {}", dvk_store::db::redact(&url));
    Ok(url)
}

async fn open(url: &str, pool: u32) -> Result<Db> {
    open_with_replica(url, None, pool).await
}

async fn open_with_replica(url: &str, read_url: Option<&str>, pool: u32) -> Result<Db> {
    let db = Db::connect_with_replica(url, read_url, pool).await?;
    db.migrate_and_seed().await?;
    Ok(db)
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    // A benchmark's requests are its output; their log lines would only slow it.
    let default_filter = match cli.command {
        Command::Bench(_) => "warn,sqlx::query=error",
        _ => "info,sqlx=warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DVK_LOG")
        .unwrap_or_else(|_| default_filter.into());
    if cli.log_format == "json" {
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let db_flags = CliDatabase {
        url: cli.database_url.clone(),
        data_dir: cli.data_dir.clone(),
        demo: cli.demo,
    };
    match cli.command {
        Command::Serve {
            bind,
            province,
            secure_cookies,
            pool,
            shutdown_grace,
            request_timeout,
            header_timeout,
            public_api_per_minute,
            backup_dir,
            backup_every_hours,
            backup_keep,
            soffice,
            public_url,
            trusted_proxies,
            metrics_allow,
            metrics_token,
            reminder_every_secs,
        } => {
            let metrics_allow = dvk_web::client::parse_networks(&metrics_allow)
                .map_err(|e| anyhow::anyhow!("DVK_METRICS_ALLOW: {e}"))?;
            let trusted_proxies = dvk_web::client::parse_networks(&trusted_proxies)
                .map_err(|e| anyhow::anyhow!("DVK_TRUSTED_PROXIES: {e}"))?;
            // The port first: a taken port is reported before any slow work.
            let listener = tokio::net::TcpListener::bind(&bind)
                .await
                .with_context(|| format!("không mở được cổng / cannot listen on {bind}"))?;
            let bound = listener.local_addr()?;
            let stopping = shutdown::on_signal();
            let demo = db_flags.demo;
            let url = cli_database(&db_flags)?;
            let db = open_with_replica(&url, cli.database_read_url.as_deref(), pool).await?;
            let prov = match db.province_by_code(&province).await? {
                Some(p) => p,
                None => {
                    println!("Đang nạp danh mục đơn vị hành chính tỉnh mã {province}…");
                    db.load_province(&province).await?
                }
            };
            let cat = db.catalogue().await?;
            if demo {
                if let Some(s) = dvk_store::demo::load_demo(&db, &cat, &prov, 300).await? {
                    println!(
                        "Đã tạo dữ liệu mẫu: {} đơn vị, {} tài khoản, {} hồ sơ.",
                        s.units, s.users, s.entries
                    );
                }
                println!(
                    "Tài khoản mẫu (mật khẩu chung: {}):",
                    dvk_store::demo::DEMO_PASSWORD
                );
                for (u, name, role, _) in dvk_store::demo::DEMO_USERS {
                    println!("  {u:<18} {name} — {}", role.label());
                }
            } else if db.user_count().await? == 0 {
                let password = random_token()[..20].to_owned();
                let id = service::create_user(&db, None, "admin", "Quản trị hệ thống", &password)
                    .await?;
                service::grant_role(&db, None, id, Role::Admin, prov.id).await?;
                println!("Đã tạo tài khoản quản trị đầu tiên: admin / {password}");
                println!("Mật khẩu chỉ hiện một lần: hãy ghi lại và đổi khi cần.");
            }
            let config = WebConfig {
                secure_cookies: secure_cookies.unwrap_or(!demo),
                expose_query_count: false,
                public_api_per_minute,
                request_timeout_secs: request_timeout,
                header_read_timeout_secs: header_timeout,
                trusted_proxies,
                metrics_allow,
                metrics_token,
                comment_min_seconds: None,
                soffice,
                public_url,
            };
            let mail_task = match dvk_store::mail::Mailer::from_env() {
                Some(Ok(mailer)) => {
                    let db = db.clone();
                    let stop = stopping.clone();
                    println!("Gửi thư thông báo qua SMTP: đã bật.");
                    Some(tokio::spawn(async move {
                        while !stop.is_set() {
                            if let Err(e) = dvk_store::mail::deliver_pending(&db, &mailer, 50).await
                            {
                                tracing::warn!("mail delivery: {e}");
                            }
                            stop.sleep(Duration::from_secs(20)).await;
                        }
                    }))
                }
                Some(Err(e)) => return Err(e.into()),
                None => None,
            };
            let state = AppState::new(db.clone(), config).await?;
            println!("DVK đang chạy tại http://{bound}");
            let backups = match backup_dir {
                Some(dir) => {
                    if backup_every_hours.is_nan() || backup_every_hours <= 0.0 {
                        bail!("DVK_BACKUP_EVERY_HOURS phải lớn hơn 0");
                    }
                    std::fs::create_dir_all(&dir).with_context(|| {
                        format!("không tạo được thư mục sao lưu {}", dir.display())
                    })?;
                    println!("Sao lưu định kỳ vào {}: mỗi {backup_every_hours} giờ, giữ {backup_keep} bản.", dir.display());
                    Some(housekeeping::BackupSchedule {
                        dir,
                        every: Duration::from_secs_f64(backup_every_hours * 3600.0),
                        keep: backup_keep as usize,
                    })
                }
                None => None,
            };
            let housekeeping = housekeeping::spawn(db.clone(), stopping.clone(), backups);
            let similar = housekeeping::spawn_similar_backlog(db.clone(), stopping.clone());
            let reminders = housekeeping::spawn_reminders(
                db.clone(),
                stopping.clone(),
                Duration::from_secs(reminder_every_secs),
            );
            dvk_web::serve(
                listener,
                state,
                stopping.receiver(),
                Duration::from_secs(shutdown_grace),
            )
            .await?;
            // Finish the mail pass under way, then leave the database tidy.
            let _ = tokio::time::timeout(Duration::from_secs(shutdown_grace), async {
                for task in [
                    mail_task,
                    Some(housekeeping),
                    Some(reminders),
                    Some(similar),
                ]
                .into_iter()
                .flatten()
                {
                    let _ = task.await;
                }
            })
            .await;
            db.checkpoint().await;
            db.close().await;
            println!("DVK đã dừng.");
        }
        Command::Migrate => {
            let url = cli_database(&db_flags)?;
            open(&url, 2).await?;
            println!("Đã cập nhật cấu trúc cơ sở dữ liệu.");
        }
        Command::Token { command } => {
            let url = cli_database(&db_flags)?;
            let db = open(&url, 2).await?;
            let user_id = |name: String| {
                let db = db.clone();
                async move {
                    db.user_by_username(&name)
                        .await?
                        .map(|u| u.id)
                        .with_context(|| format!("không có tài khoản «{name}»"))
                }
            };
            match command {
                TokenCommand::Create {
                    username,
                    name,
                    expires_in_days,
                } => {
                    let owner = user_id(username).await?;
                    let new = match dvk_store::tokens::NewToken::parse(&name, expires_in_days) {
                        Ok(n) => n,
                        Err(dvk_store::ServiceError::Invalid(list)) => bail!(list
                            .into_iter()
                            .map(|e| e.message)
                            .collect::<Vec<_>>()
                            .join(" ")),
                        Err(e) => return Err(e.into()),
                    };
                    let (token, secret) =
                        dvk_store::tokens::create_token(&db, owner, None, &new).await?;
                    println!("Đã tạo mã truy cập #{} «{}».", token.id, token.name);
                    println!("{secret}");
                    println!("Mã chỉ hiện một lần: hãy lưu lại ngay. Gửi kèm tiêu đề «Authorization: Bearer <mã>».");
                }
                TokenCommand::List { username } => {
                    let owner = user_id(username).await?;
                    let now = dvk_store::db::now();
                    for t in db.tokens_of(owner).await? {
                        let state = t.state_label(now);
                        println!("#{}\t{}…\t{}\t{}", t.id, t.prefix, t.name, state);
                    }
                }
                TokenCommand::Revoke { id } => {
                    dvk_store::tokens::revoke_token(&db, None, id).await?;
                    println!("Đã thu hồi mã truy cập #{id}.");
                }
            }
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    full_name,
                    password,
                    role,
                    unit,
                },
        } => {
            let url = cli_database(&db_flags)?;
            let db = open(&url, 2).await?;
            let (password, generated) = match password {
                Some(p) => (p, false),
                None => (random_token()[..20].to_owned(), true),
            };
            let role = match role.as_deref() {
                Some(r) => {
                    Some(Role::parse(r).with_context(|| format!("vai trò không hợp lệ: {r}"))?)
                }
                None => None,
            };
            let id = match service::create_user(&db, None, &username, &full_name, &password).await {
                Ok(id) => id,
                Err(dvk_store::ServiceError::Invalid(list)) => {
                    bail!(list
                        .into_iter()
                        .map(|e| e.message)
                        .collect::<Vec<_>>()
                        .join(" "))
                }
                Err(e) => return Err(e.into()),
            };
            if let Some(role) = role {
                let unit = match unit {
                    Some(u) => u,
                    None => db
                        .root_units()
                        .await?
                        .first()
                        .map(|u| u.id)
                        .context("chưa có đơn vị nào; hãy chạy `dvk units load-province 14`")?,
                };
                service::grant_role(&db, None, id, role, unit).await?;
            }
            println!("Đã tạo tài khoản {username} (mã {id}).");
            if generated {
                println!("Mật khẩu: {password}");
            }
        }
        Command::Setting { command } => {
            let url = cli_database(&db_flags)?;
            let db = Db::connect(&url, 2).await?;
            db.migrate().await?;
            match command {
                SettingCommand::List => {
                    for (key, meaning) in dvk_store::settings::KNOWN {
                        let v = db.setting(key).await?.unwrap_or_default();
                        println!("{key} = {v}    ({meaning})");
                    }
                }
                SettingCommand::Set { key, value } => {
                    db.set_setting(&key, &value).await?;
                    println!("Đã đặt {key} = {value}.");
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Head,
        } => {
            let url = cli_database(&db_flags)?;
            let db = Db::connect(&url, 2).await?;
            let (length, hash) = db.audit_anchor().await?;
            println!("{length}:{hash}");
        }
        Command::Check {
            command: CheckCommand::Counters { repair },
        } => {
            let url = cli_database(&db_flags)?;
            let db = Db::connect(&url, 2).await?;
            let differences = db.check_counters(repair).await?;
            if differences.is_empty() {
                println!("Bộ đếm hồ sơ khớp với số hồ sơ đếm lại.");
            } else {
                for d in &differences {
                    let table = match d.table {
                        "summary_counts" => "biểu tổng hợp",
                        _ => "trạng thái theo đơn vị, năm",
                    };
                    println!(
                        "Bộ đếm {table} [{}]: bộ đếm {}, đếm lại {}",
                        d.key, d.counted, d.recounted
                    );
                }
                if repair {
                    println!("Đã sửa {} bộ đếm theo số đếm lại.", differences.len());
                } else {
                    eprintln!(
                        "{} bộ đếm sai lệch; chạy lại với --repair để sửa.",
                        differences.len()
                    );
                    std::process::exit(1);
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify { expect },
        } => {
            let url = cli_database(&db_flags)?;
            let db = Db::connect(&url, 2).await?;
            let report = match expect {
                Some(raw) => {
                    let anchor = dvk_domain::audit::Anchor::parse(&raw).with_context(|| {
                        format!("--expect phải có dạng số-bản-ghi:mã-băm (64 ký tự hex), nhận được “{raw}”")
                    })?;
                    db.verify_audit_against(anchor).await?
                }
                None => db.verify_audit().await?,
            };
            match report.fault {
                None => println!("Nhật ký toàn vẹn: đã kiểm tra {} bản ghi.", report.checked),
                Some(f) => {
                    eprintln!(
                        "NHẬT KÝ BỊ THAY ĐỔI: {} (đã kiểm tra hợp lệ {} bản ghi trước đó)",
                        f.describe(),
                        report.checked
                    );
                    std::process::exit(1);
                }
            }
        }
        Command::Units {
            command: UnitsCommand::LoadProvince { code },
        } => {
            let url = cli_database(&db_flags)?;
            let db = open(&url, 2).await?;
            let p = db.load_province(&code).await?;
            println!("Đã nạp {} (mã đơn vị {}).", p.name, p.id);
        }
        Command::Units {
            command: UnitsCommand::Provinces,
        } => {
            for (code, name) in Db::known_provinces() {
                println!("{code}  {name}");
            }
        }
        Command::Bench(args) => bench::run(args, cli.database_url.clone()).await?,
        Command::Db {
            command: DbCommand::Backup { to },
        } => {
            let url = cli_database(&db_flags)?;
            let db = Db::connect(&url, 2).await?;
            let report = db.backup_to(&to).await?;
            db.close().await;
            println!(
                "Đã sao lưu vào {} ({} byte): {} bản ghi nhật ký, đầu chuỗi {}.",
                report.file.display(),
                report.bytes,
                report.manifest.audit_length,
                report.manifest.audit_head
            );
            for (table, n) in &report.manifest.counts {
                println!("{table:<22} {n:>9} dòng");
            }
            if let Some(fault) = report.audit_fault {
                bail!("Bản sao lưu đã ghi, nhưng nhật ký trong đó KHÔNG toàn vẹn: {fault}");
            }
        }
        Command::Db {
            command: DbCommand::Restore { file },
        } => {
            let url = cli_database(&db_flags)?;
            let db = Db::connect(&url, 4).await?;
            let report = db.restore_from(&file).await;
            db.close().await;
            let report = report?;
            println!(
                "Đã khôi phục từ {}: số dòng mọi bảng khớp bản sao lưu; nhật ký toàn vẹn ({} bản ghi, khớp mốc {}).",
                file.display(),
                report.audit_checked,
                report.manifest.audit_head
            );
        }
        Command::Db {
            command: DbCommand::Copy { from, to },
        } => {
            let source = Db::connect(&from, 4).await?;
            let target = Db::connect(&to, 4).await?;
            let report = dvk_store::copy::copy_database(&source, &target).await?;
            for (table, n) in &report.tables {
                println!("{table:<18} {n:>9} dòng");
            }
            let check = target.verify_audit().await?;
            match check.fault {
                None => println!(
                    "Đã sao chép xong; nhật ký toàn vẹn ({} bản ghi).",
                    check.checked
                ),
                Some(f) => bail!("Nhật ký ở đích không toàn vẹn: {}", f.describe()),
            }
        }
    }
    Ok(())
}
