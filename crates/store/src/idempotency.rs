//! Safe retries of creates. A request that carries an idempotency key is
//! claimed before it runs; its answer is kept, and the same request sent
//! again (a network retry, a double click) gets that answer instead of
//! creating a second record. Keys are scoped by who sends them and the
//! path they are sent to, and kept for a day.

use crate::db::{now, q, Db};
use crate::error::StoreError;
use sqlx::Row;

/// How long an answer is kept.
pub const KEEP_SECS: i64 = 24 * 3600;

/// A kept answer.
#[derive(Debug, Clone)]
pub struct KeptAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Debug)]
pub enum Claim {
    /// First time: run the request, then [`Db::keep_answer`] or
    /// [`Db::release_claim`] or [`Db::mark_outcome_unknown`].
    Fresh,
    /// Sent before and answered: answer the same.
    Answered(KeptAnswer),
    /// Sent before and done, but the answer could not be kept.
    Done,
    /// The same key is being processed right now.
    Running,
    /// An earlier attempt failed in a way that may have changed data.
    Unknown,
    /// The key was used for a different request.
    Mismatch,
}

impl Db {
    /// Claims `key` for a request with `fingerprint` (a hash of what was
    /// sent). Atomic: of concurrent requests with one key, one is Fresh.
    pub async fn claim_request(
        &self,
        scope: &str,
        key: &str,
        path: &str,
        fingerprint: &str,
        stale_after_secs: i64,
    ) -> Result<Claim, StoreError> {
        let at = now();
        q("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(at - KEEP_SECS)
            .execute(&self.pool)
            .await?;
        let inserted = q(
            "INSERT INTO idempotency_keys (scope, key, path, fingerprint, state, created_at) \
                          VALUES ($1, $2, $3, $4, 'running', $5) ON CONFLICT DO NOTHING",
        )
        .bind(scope)
        .bind(key)
        .bind(path)
        .bind(fingerprint)
        .bind(at)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(Claim::Fresh);
        }
        // A claim still "running" long after any request could have ended
        // was abandoned (the process stopped mid-request): take it over.
        let taken = q("UPDATE idempotency_keys SET created_at = $1 \
                       WHERE scope = $2 AND key = $3 AND path = $4 AND fingerprint = $5 \
                       AND state = 'running' AND created_at < $6")
        .bind(at)
        .bind(scope)
        .bind(key)
        .bind(path)
        .bind(fingerprint)
        .bind(at - stale_after_secs)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if taken == 1 {
            return Ok(Claim::Fresh);
        }
        let row = q("SELECT fingerprint, state, status, content_type, location, body FROM idempotency_keys \
                     WHERE scope = $1 AND key = $2 AND path = $3")
        .bind(scope)
        .bind(key)
        .bind(path)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            // Expired between the two statements: rare; the caller may retry.
            return Ok(Claim::Running);
        };
        if row.try_get::<String, _>("fingerprint")? != fingerprint {
            return Ok(Claim::Mismatch);
        }
        Ok(match row.try_get::<String, _>("state")?.as_str() {
            // Done, but the answer was not kept (too large to keep).
            "done" if row.try_get::<Option<i64>, _>("status")? == Some(0) => Claim::Done,
            "done" => Claim::Answered(KeptAnswer {
                status: row.try_get::<Option<i64>, _>("status")?.unwrap_or(200) as u16,
                content_type: row.try_get("content_type")?,
                location: row.try_get("location")?,
                body: row
                    .try_get::<Option<Vec<u8>>, _>("body")?
                    .unwrap_or_default(),
            }),
            "running" => Claim::Running,
            _ => Claim::Unknown,
        })
    }

    /// Keeps the answer of a request that succeeded.
    pub async fn keep_answer(
        &self,
        scope: &str,
        key: &str,
        path: &str,
        answer: &KeptAnswer,
    ) -> Result<(), StoreError> {
        q("UPDATE idempotency_keys SET state = 'done', status = $1, content_type = $2, location = $3, body = $4 \
           WHERE scope = $5 AND key = $6 AND path = $7")
        .bind(answer.status as i64)
        .bind(answer.content_type.as_deref())
        .bind(answer.location.as_deref())
        .bind(answer.body.as_slice())
        .bind(scope)
        .bind(key)
        .bind(path)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Frees the key of a request refused without changing anything, so
    /// the corrected request can be sent with it.
    pub async fn release_claim(
        &self,
        scope: &str,
        key: &str,
        path: &str,
    ) -> Result<(), StoreError> {
        q("DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND path = $3")
            .bind(scope)
            .bind(key)
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records that a request failed where it may already have committed.
    pub async fn mark_outcome_unknown(
        &self,
        scope: &str,
        key: &str,
        path: &str,
    ) -> Result<(), StoreError> {
        q("UPDATE idempotency_keys SET state = 'unknown' WHERE scope = $1 AND key = $2 AND path = $3")
            .bind(scope)
            .bind(key)
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
