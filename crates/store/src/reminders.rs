//! Reminders before deadlines, as notifications (and so e-mail): a
//! round's proposal deadline reaches unit officers with accepted entries
//! not yet proposed; its scoring deadline reaches council members with
//! sheets still to fill; the yearly registration and review deadlines
//! (settings) reach unit officers who have not sent theirs.
//!
//! Each reminder is a notification keyed by the deadline and the lead
//! time, so each person gets it once however often the pass runs. Among
//! several server processes one holds a lease on the pass at a time.

use crate::db::{now, q, Db};
use crate::error::StoreError;
use crate::notify;
use dvk_domain::calendar::{iso, parse_iso, show};
use dvk_domain::reminders::{annual_deadline, parse_days, reminder_due, time_left, DEFAULT_DAYS};
use sqlx::Row;
use time::Date;

impl Db {
    /// Takes the lease `name` for `holder` for `ttl_secs` if it is free,
    /// expired or already `holder`'s. Atomic: of processes asking
    /// together, one gets it.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        ttl_secs: i64,
    ) -> Result<bool, StoreError> {
        let at = now();
        let n = q("INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
                   WHERE leases.expires_at < $4 OR leases.holder = excluded.holder")
        .bind(name)
        .bind(holder)
        .bind(at + ttl_secs)
        .bind(at)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }
}

/// One reminder to send: who, and what.
struct Due {
    users: Vec<i64>,
    event: String,
    subject: String,
    message: String,
    link: String,
}

/// Sends the reminders due on `today` (Vietnam's date); returns how many
/// notifications were new.
pub async fn send_reminders(db: &Db, today: Date) -> Result<u64, StoreError> {
    let days = match db.setting("reminder_days").await? {
        Some(raw) => parse_days(&raw).unwrap_or_else(|_| DEFAULT_DAYS.to_vec()),
        None => DEFAULT_DAYS.to_vec(),
    };
    let mut due = Vec::new();
    round_deadlines(db, today, &days, &mut due).await?;
    yearly_deadlines(db, today, &days, &mut due).await?;
    let mut sent = 0;
    let at = now();
    for d in due {
        if d.users.is_empty() {
            continue;
        }
        let mut conn = db.pool.acquire().await?;
        sent += notify::send(
            &mut conn, &d.users, &d.event, &d.subject, &d.message, &d.link, at,
        )
        .await?;
    }
    Ok(sent)
}

async fn round_deadlines(
    db: &Db,
    today: Date,
    days: &[i64],
    due: &mut Vec<Due>,
) -> Result<(), StoreError> {
    let rounds = q("SELECT id, title, state, unit_path, year, level_code, proposal_deadline, scoring_deadline \
                    FROM rounds WHERE (state = 'open' AND proposal_deadline IS NOT NULL) \
                    OR (state = 'appraisal' AND scoring_deadline IS NOT NULL)")
    .fetch_all(&db.pool)
    .await?;
    for r in &rounds {
        let id: i64 = r.try_get("id")?;
        let title: String = r.try_get("title")?;
        let state: String = r.try_get("state")?;
        let column = if state == "open" {
            "proposal_deadline"
        } else {
            "scoring_deadline"
        };
        let Some(deadline) = r
            .try_get::<Option<String>, _>(column)?
            .as_deref()
            .and_then(parse_iso)
        else {
            continue;
        };
        let Some(lead) = reminder_due(today, deadline, days) else {
            continue;
        };
        let left = (deadline - today).whole_days();
        if state == "open" {
            let users = q("SELECT DISTINCT g.user_id FROM role_grants g JOIN units u ON u.id = g.unit_id \
                           JOIN users us ON us.id = g.user_id AND us.active = 1 \
                           AND (u.valid_to IS NULL OR u.valid_to >= $5) \
                           WHERE g.role = 'unit_officer' AND substr(u.path, 1, length($1)) = $1 \
                           AND EXISTS (SELECT 1 FROM entries e WHERE e.state = 'accepted' AND e.year = $2 \
                             AND e.target_level = $3 AND substr(e.unit_path, 1, length(u.path)) = u.path \
                             AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.round_id = $4 AND p.entry_id = e.id))")
            .bind(r.try_get::<String, _>("unit_path")?)
            .bind(r.try_get::<i64, _>("year")?)
            .bind(r.try_get::<String, _>("level_code")?)
            .bind(id)
            .bind(iso(today))
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|u| u.try_get(0))
            .collect::<Result<_, _>>()?;
            due.push(Due {
                users,
                event: format!("remind:proposal:{id}:{}:{lead}", iso(deadline)),
                subject: format!("round:{id}:proposal"),
                message: format!(
                    "Hạn đề nghị xét công nhận trong đợt «{title}» là {} ({}): đơn vị còn mô hình, điển hình đã tiếp nhận chưa đề nghị.",
                    show(deadline),
                    time_left(left)
                ),
                link: format!("/rounds/{id}"),
            });
        } else {
            let users = q("SELECT DISTINCT a.user_id FROM assignments a \
                           JOIN users us ON us.id = a.user_id AND us.active = 1 WHERE a.round_id = $1 \
                           AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.round_id = a.round_id AND s.entry_id = a.entry_id AND s.user_id = a.user_id) \
                           AND NOT EXISTS (SELECT 1 FROM ballots b WHERE b.round_id = a.round_id AND b.entry_id = a.entry_id AND b.user_id = a.user_id)")
            .bind(id)
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|u| u.try_get(0))
            .collect::<Result<_, _>>()?;
            due.push(Due {
                users,
                event: format!("remind:scoring:{id}:{}:{lead}", iso(deadline)),
                subject: format!("round:{id}:scoring"),
                message: format!(
                    "Hạn chấm điểm đợt «{title}» là {} ({}): anh/chị còn phiếu chưa chấm.",
                    show(deadline),
                    time_left(left)
                ),
                link: format!("/rounds/{id}"),
            });
        }
    }
    Ok(())
}

async fn yearly_deadlines(
    db: &Db,
    today: Date,
    days: &[i64],
    due: &mut Vec<Due>,
) -> Result<(), StoreError> {
    let year = today.year();
    // (setting, event, what the officers' units still owe, message, link)
    let yearly = [
        (
            "registration_due",
            "registration",
            // None of their units has sent a registration this year.
            "NOT EXISTS (SELECT 1 FROM entries e WHERE substr(e.unit_path, 1, length(u.path)) = u.path \
             AND e.year = $1 AND e.state <> 'draft')",
            "Hạn đăng ký mô hình, điển hình “Dân vận khéo” năm {year} là {date} ({left}): đơn vị chưa gửi đăng ký nào.",
            "/entries/new",
        ),
        (
            "yearly_report_due",
            "review",
            // A recognised model in their units not yet reported on this year.
            "EXISTS (SELECT 1 FROM entries e WHERE substr(e.unit_path, 1, length(u.path)) = u.path \
             AND e.state IN ('recognised', 'outstanding', 'rewarded') \
             AND NOT EXISTS (SELECT 1 FROM yearly_reports r WHERE r.entry_id = e.id AND r.year = $1))",
            "Hạn báo cáo rà soát năm {year} là {date} ({left}): đơn vị còn mô hình, điển hình đã công nhận chưa báo cáo.",
            "/entries?state=recognised",
        ),
    ];
    for (setting, event, owes, message, link) in yearly {
        let Some(deadline) = db
            .setting(setting)
            .await?
            .and_then(|r| annual_deadline(&r, year))
        else {
            continue;
        };
        let Some(lead) = reminder_due(today, deadline, days) else {
            continue;
        };
        // Active unit officers of units still in existence who owe it.
        let users = q(&format!(
            "SELECT DISTINCT g.user_id FROM role_grants g JOIN units u ON u.id = g.unit_id \
             JOIN users us ON us.id = g.user_id AND us.active = 1 \
             AND (u.valid_to IS NULL OR u.valid_to >= $2) \
             WHERE g.role = 'unit_officer' AND {owes}"
        ))
        .bind(year as i64)
        .bind(iso(today))
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|u| u.try_get(0))
        .collect::<Result<_, _>>()?;
        let left = time_left((deadline - today).whole_days());
        due.push(Due {
            users,
            event: format!("remind:{event}:{}:{lead}", iso(deadline)),
            subject: format!("{event}:{year}"),
            message: message
                .replace("{year}", &year.to_string())
                .replace("{date}", &show(deadline))
                .replace("{left}", &left),
            link: link.into(),
        });
    }
    Ok(())
}
