//! Periodic upkeep while the server runs, until it is asked to stop: on
//! SQLite a WAL checkpoint every 30 s keeps the log from growing under a
//! sustained load; optionally a scheduled backup with retention; and the
//! deadline reminders, sent by whichever process holds their lease.

use crate::shutdown::Stopping;
use dvk_store::Db;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Scheduled backups: into `dir` every `every`, keeping the newest `keep`.
pub struct BackupSchedule {
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

const CHECKPOINT_EVERY: Duration = Duration::from_secs(30);

pub fn spawn(
    db: Db,
    stopping: Stopping,
    backups: Option<BackupSchedule>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_backup = Instant::now();
        // The audit chain's anchor goes to the log at start and daily, so
        // copies of the log kept elsewhere can catch a rewritten chain.
        log_anchor(&db).await;
        let mut last_anchor = Instant::now();
        let tick = backups
            .as_ref()
            .map_or(CHECKPOINT_EVERY, |b| b.every.min(CHECKPOINT_EVERY));
        loop {
            stopping.sleep(tick).await;
            if stopping.is_set() {
                break;
            }
            db.checkpoint().await;
            if last_anchor.elapsed() >= Duration::from_secs(24 * 3600) {
                last_anchor = Instant::now();
                log_anchor(&db).await;
            }
            if let Some(b) = &backups {
                if last_backup.elapsed() >= b.every {
                    last_backup = Instant::now();
                    scheduled_backup(&db, b).await;
                }
            }
        }
    })
}

async fn log_anchor(db: &Db) {
    match db.audit_anchor().await {
        Ok((length, hash)) => tracing::info!(
            anchor = %format!("{length}:{hash}"),
            "audit chain anchor (keep it: dvk audit verify --expect <anchor>)"
        ),
        Err(e) => tracing::warn!("audit chain anchor: {e}"),
    }
}

async fn scheduled_backup(db: &Db, b: &BackupSchedule) {
    let file = b
        .dir
        .join(dvk_store::backup::scheduled_name(dvk_store::db::now()));
    match db.backup_to(&file).await {
        Ok(r) => {
            tracing::info!(file = %r.file.display(), bytes = r.bytes, "scheduled backup written");
            if let Some(fault) = r.audit_fault {
                tracing::error!("the backed-up audit chain does not verify: {fault}");
            }
            match dvk_store::backup::prune_backups(&b.dir, b.keep) {
                Ok(removed) => {
                    for f in removed {
                        tracing::info!(file = %f.display(), "old backup removed");
                    }
                }
                Err(e) => tracing::warn!("pruning backups: {e}"),
            }
        }
        Err(e) => tracing::error!("scheduled backup failed: {e}"),
    }
}

/// Sends the deadline reminders every `every` while this process holds
/// the database lease on them (one process of several does the pass; a
/// person is reminded once however many run it).
pub fn spawn_reminders(db: Db, stopping: Stopping, every: Duration) -> tokio::task::JoinHandle<()> {
    let holder = format!(
        "{}-{}",
        std::process::id(),
        &dvk_store::accounts::random_token()[..8]
    );
    tokio::spawn(async move {
        loop {
            let lease = (every.as_secs() as i64).max(1) * 3;
            match db.take_lease("reminders", &holder, lease).await {
                Ok(true) => {
                    match dvk_store::reminders::send_reminders(
                        &db,
                        dvk_domain::calendar::vn_day(dvk_store::db::now()),
                    )
                    .await
                    {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(sent = n, "deadline reminders sent"),
                        Err(e) => tracing::warn!("deadline reminders: {e}"),
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::warn!("reminder lease: {e}"),
            }
            stopping.sleep(every).await;
            if stopping.is_set() {
                break;
            }
        }
    })
}

/// Files entries written before similar models were kept, a batch at a
/// time so writers are never held up for long; ends when none is left.
pub fn spawn_similar_backlog(db: Db, stopping: Stopping) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut filed = 0;
        while !stopping.is_set() {
            match db.file_similar_backlog(200).await {
                Ok(0) => break,
                Ok(n) => filed += n,
                Err(e) => {
                    tracing::warn!("filing similar models: {e}");
                    stopping.sleep(Duration::from_secs(60)).await;
                }
            }
            stopping.sleep(Duration::from_millis(20)).await;
        }
        if filed > 0 {
            tracing::info!(filed, "entries filed among similar models");
        }
    })
}
