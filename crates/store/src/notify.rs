//! In-app notifications. They are written in the same transaction as the
//! change that causes them, keyed by the event, so each person is told
//! exactly once (a retried request either fails its version check or hits
//! the unique key). A later event on the same subject marks earlier
//! notifications as resolved, with what happened.

use crate::db::{now, q, Db};
use crate::error::StoreError;
use dvk_domain::state::EntryState;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub message: String,
    pub link: String,
    pub created_at: i64,
    pub resolved_note: Option<String>,
}

/// People holding `role` in a unit at or above `path`.
pub(crate) async fn holders(
    conn: &mut AnyConnection,
    role: &str,
    path: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    let rows = q(
        "SELECT DISTINCT g.user_id FROM role_grants g JOIN units u ON u.id = g.unit_id \
                  WHERE g.role = $1 AND substr($2, 1, length(u.path)) = u.path",
    )
    .bind(role)
    .bind(path)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}

pub(crate) async fn send(
    conn: &mut AnyConnection,
    users: &[i64],
    event: &str,
    subject: &str,
    message: &str,
    link: &str,
    at: i64,
) -> Result<u64, sqlx::Error> {
    let mut new = 0;
    for u in users {
        new += q("INSERT INTO notifications (user_id, event_key, subject_key, message, link, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
           ON CONFLICT (user_id, event_key) DO NOTHING")
            .bind(*u)
            .bind(event)
            .bind(subject)
            .bind(message)
            .bind(link)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(new)
}

pub(crate) async fn resolve(
    conn: &mut AnyConnection,
    subject: &str,
    note: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    q("UPDATE notifications SET resolved_at = $1, resolved_note = $2 WHERE subject_key = $3 AND resolved_at IS NULL")
        .bind(at)
        .bind(note)
        .bind(subject)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Tells the people concerned about an entry's move, and closes what the
/// move settles. Called inside the move's transaction.
pub(crate) async fn entry_moved(
    conn: &mut AnyConnection,
    id: i64,
    to: EntryState,
) -> Result<(), sqlx::Error> {
    let row = q(
        "SELECT title, unit_path, confirming_path, version, updated_at FROM entries WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let title: String = row.try_get("title")?;
    let unit_path: String = row.try_get("unit_path")?;
    let confirming: String = row.try_get("confirming_path")?;
    let version: i64 = row.try_get("version")?;
    // Dated when the move happened (imports and demo data move in the past).
    let at: i64 = row.try_get("updated_at")?;
    // Cut after a whole word: a title is never broken mid-word.
    let short = dvk_domain::text::truncate_words(&title, 80);
    let link = format!("/entries/{id}");
    let waiting = format!("entry:{id}:waiting");
    let to_complete = format!("entry:{id}:to_complete");
    match to {
        EntryState::Submitted => {
            resolve(conn, &to_complete, "Đơn vị đã gửi lại hồ sơ.", at).await?;
            let reviewers = holders(conn, "movement_officer", &confirming).await?;
            send(
                conn,
                &reviewers,
                &format!("{waiting}:v{version}"),
                &waiting,
                &format!("Hồ sơ #{id} “{short}” chờ tiếp nhận."),
                &link,
                at,
            )
            .await?;
        }
        EntryState::Returned => {
            resolve(conn, &waiting, "Đã trả lại để bổ sung.", at).await?;
            let officers = holders(conn, "unit_officer", &unit_path).await?;
            send(
                conn,
                &officers,
                &format!("{to_complete}:v{version}"),
                &to_complete,
                &format!("Hồ sơ #{id} “{short}” bị trả lại, cần bổ sung."),
                &link,
                at,
            )
            .await?;
        }
        EntryState::Accepted => resolve(conn, &waiting, "Đã tiếp nhận.", at).await?,
        EntryState::Withdrawn => {
            resolve(conn, &waiting, "Đơn vị đã rút hồ sơ.", at).await?;
            resolve(conn, &to_complete, "Đơn vị đã rút hồ sơ.", at).await?;
        }
        // The registering unit hears of every outcome.
        EntryState::Recognised
        | EntryState::NotRecognised
        | EntryState::Rewarded
        | EntryState::Revoked
        | EntryState::Removed => {
            let what = match to {
                EntryState::Recognised => "đã được công nhận",
                EntryState::NotRecognised => "không được công nhận",
                EntryState::Rewarded => "đã được khen thưởng",
                EntryState::Revoked => "đã bị thu hồi công nhận, khen thưởng",
                _ => "đã được đưa ra khỏi danh sách",
            };
            let officers = holders(conn, "unit_officer", &unit_path).await?;
            send(
                conn,
                &officers,
                &format!("entry:{id}:outcome:v{version}"),
                &format!("entry:{id}:outcome"),
                &format!("Hồ sơ #{id} “{short}” {what}. Xem lý do, căn cứ trên trang hồ sơ."),
                &link,
                at,
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}

impl Db {
    /// Entries assigned to `user` in rounds being scored, not scored yet.
    pub async fn pending_scoring(&self, user: i64) -> Result<i64, StoreError> {
        Ok(q("SELECT COUNT(*) FROM assignments a JOIN rounds r ON r.id = a.round_id WHERE a.user_id = $1 AND r.state = 'appraisal' \
              AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.round_id = a.round_id AND s.entry_id = a.entry_id AND s.user_id = a.user_id) \
              AND NOT EXISTS (SELECT 1 FROM ballots b WHERE b.round_id = a.round_id AND b.entry_id = a.entry_id AND b.user_id = a.user_id)")
            .bind(user)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    /// Public comments waiting for an answer in rounds organised at or
    /// below `root`, and the first round that has some.
    pub async fn comments_to_answer(&self, root: &str) -> Result<(i64, Option<i64>), StoreError> {
        let row = q("SELECT COUNT(*), MIN(r.id) FROM comments c JOIN rounds r ON r.id = c.round_id WHERE c.answer = '' AND c.hidden = 0 \
              AND r.state = 'notice' AND substr(r.unit_path, 1, length($1)) = $1")
            .bind(root)
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Yearly reports waiting for the review of a movement officer at
    /// `root`, and the first entry that has one.
    pub async fn reviews_due(&self, root: &str) -> Result<(i64, Option<i64>), StoreError> {
        let row = q(
            "SELECT COUNT(*), MIN(e.id) FROM yearly_reports y JOIN entries e ON e.id = y.entry_id \
              WHERE y.outcome IS NULL AND substr(e.confirming_path, 1, length($1)) = $1",
        )
        .bind(root)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Rounds on notice at or below `root` whose notice period has ended,
    /// so a signing leader may now sign the decision: (id, title).
    pub async fn decisions_due(&self, root: &str) -> Result<Vec<(i64, String)>, StoreError> {
        let rounds: Vec<crate::appraisal::Round> = self
            .notice_rounds()
            .await?
            .into_iter()
            .filter(|r| r.unit_path.as_str().starts_with(root))
            .collect();
        let today = crate::appraisal::today();
        Ok(rounds
            .into_iter()
            .filter(|r| {
                crate::appraisal::first_decision_day(r)
                    .is_some_and(|d| d.as_str() <= today.as_str())
            })
            .map(|r| (r.id, r.title))
            .collect())
    }

    /// Recognised models at or below `root` without a review report for `year`.
    pub async fn reports_due(&self, root: &str, year: i32) -> Result<i64, StoreError> {
        Ok(q("SELECT COUNT(*) FROM entries e WHERE e.state IN ('recognised', 'outstanding', 'rewarded') AND e.year < $2 \
              AND substr(e.unit_path, 1, length($1)) = $1 \
              AND NOT EXISTS (SELECT 1 FROM yearly_reports y WHERE y.entry_id = e.id AND y.year = $2)")
            .bind(root)
            .bind(year as i64)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    /// A person's latest notifications, newest first.
    pub async fn notifications(
        &self,
        user: i64,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        let rows = q("SELECT id, message, link, created_at, resolved_at, resolved_note FROM notifications WHERE user_id = $1 \
                      AND (resolved_at IS NULL OR resolved_at > $3) ORDER BY created_at DESC, id DESC LIMIT $2")
            .bind(user)
            .bind(limit)
            .bind(now() - 30 * 86_400)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let resolved: Option<i64> = r.try_get("resolved_at")?;
                Ok(Notification {
                    id: r.try_get("id")?,
                    message: r.try_get("message")?,
                    link: r.try_get("link")?,
                    created_at: r.try_get("created_at")?,
                    resolved_note: resolved
                        .map(|_| r.try_get::<String, _>("resolved_note"))
                        .transpose()?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}
