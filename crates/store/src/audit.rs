//! The append-only, hash-chained audit log.

use crate::db::{now, q, Db};
use crate::error::StoreError;
use dvk_domain::audit::{record_hash, AuditRecord, ChainFault, Verifier};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A change to record; `changes` is a JSON object {"field": [old, new]}.
#[derive(Debug, Clone, Default)]
pub struct AuditEvent<'a> {
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub record_type: &'a str,
    pub record_id: i64,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    pub changes: serde_json::Value,
    /// When it happened; None is now. Only imports and demo data set it.
    pub at: Option<i64>,
}

/// The record an event becomes as the chain's `id`th, after the record
/// whose hash is `prev_hash`, with its own hash.
pub(crate) fn sealed(id: i64, prev_hash: String, at: i64, ev: AuditEvent<'_>) -> AuditRecord {
    let mut rec = AuditRecord {
        id,
        at,
        actor_id: ev.actor_id,
        action: ev.action.to_owned(),
        record_type: ev.record_type.to_owned(),
        record_id: ev.record_id,
        from_state: ev.from_state.map(str::to_owned),
        to_state: ev.to_state.map(str::to_owned),
        changes: ev.changes.to_string(),
        prev_hash,
        hash: String::new(),
    };
    rec.hash = record_hash(&rec);
    rec
}

/// Appends inside the caller's transaction. The head row is written first
/// so concurrent appenders queue on it (row lock on PostgreSQL, the write
/// lock on SQLite) and ids and links stay consecutive.
/// Takes the write lock at the start of a transaction that reads before
/// it writes: on SQLite a deferred transaction that first reads and then
/// writes fails at once (SQLITE_BUSY) if another writer committed in
/// between; taking the lock first makes it wait its turn instead. On
/// PostgreSQL it locks the audit head row, as the audit record will.
pub(crate) async fn lock_for_write(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    q("UPDATE audit_head SET last_id = last_id WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn append(
    conn: &mut AnyConnection,
    ev: AuditEvent<'_>,
) -> Result<i64, StoreError> {
    let at = ev.at.unwrap_or_else(now);
    q("UPDATE audit_head SET last_id = last_id WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    let head = q("SELECT last_id, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let last_id: i64 = head.try_get("last_id")?;
    let prev_hash: String = head.try_get("hash")?;
    let rec = sealed(last_id + 1, prev_hash, at, ev);
    q("INSERT INTO audit_log (id, at, actor_id, action, record_type, record_id, from_state, to_state, changes, prev_hash, hash) \
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(rec.id)
        .bind(rec.at)
        .bind(rec.actor_id)
        .bind(&rec.action)
        .bind(&rec.record_type)
        .bind(rec.record_id)
        .bind(&rec.from_state)
        .bind(&rec.to_state)
        .bind(&rec.changes)
        .bind(&rec.prev_hash)
        .bind(&rec.hash)
        .execute(&mut *conn)
        .await?;
    q("UPDATE audit_head SET last_id = $1, hash = $2 WHERE id = 1")
        .bind(rec.id)
        .bind(&rec.hash)
        .execute(&mut *conn)
        .await?;
    Ok(rec.id)
}

fn record_from_row(r: &AnyRow) -> Result<AuditRecord, sqlx::Error> {
    Ok(AuditRecord {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor_id: r.try_get("actor_id")?,
        action: r.try_get("action")?,
        record_type: r.try_get("record_type")?,
        record_id: r.try_get("record_id")?,
        from_state: r.try_get("from_state")?,
        to_state: r.try_get("to_state")?,
        changes: r.try_get("changes")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// A history line with the actor's name, for pages.
#[derive(Debug, Clone)]
pub struct HistoryItem {
    pub record: AuditRecord,
    pub actor_name: Option<String>,
}

/// The columns of a record's history as a JSON array (see
/// [`crate::dialect::json_rows`]), for reading it along with the record:
/// `record_type` and `record_id` name the record in the outer statement.
pub(crate) fn history_json(
    backend: crate::db::Backend,
    record_type: &str,
    record_id: &str,
) -> String {
    crate::dialect::json_rows(
        backend,
        &[
            ("id", "a.id"),
            ("at", "a.at"),
            ("actor_id", "a.actor_id"),
            ("action", "a.action"),
            ("record_type", "a.record_type"),
            ("record_id", "a.record_id"),
            ("from_state", "a.from_state"),
            ("to_state", "a.to_state"),
            ("changes", "a.changes"),
            ("prev_hash", "a.prev_hash"),
            ("hash", "a.hash"),
            ("actor_name", "u.full_name"),
        ],
        &format!(
            "FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
             WHERE a.record_type = {record_type} AND a.record_id = {record_id}"
        ),
    )
}

/// Reads what [`history_json`] made, in the chain's order.
pub(crate) fn history_from_json(json: &str) -> Result<Vec<HistoryItem>, StoreError> {
    #[derive(serde::Deserialize)]
    struct Item {
        id: i64,
        at: i64,
        actor_id: Option<i64>,
        action: String,
        record_type: String,
        record_id: i64,
        from_state: Option<String>,
        to_state: Option<String>,
        changes: String,
        prev_hash: String,
        hash: String,
        actor_name: Option<String>,
    }
    let mut items: Vec<Item> = serde_json::from_str(json)
        .map_err(|e| StoreError::Data(format!("lịch sử hồ sơ đọc lỗi: {e}")))?;
    items.sort_by_key(|i| i.id);
    Ok(items
        .into_iter()
        .map(|i| HistoryItem {
            record: AuditRecord {
                id: i.id,
                at: i.at,
                actor_id: i.actor_id,
                action: i.action,
                record_type: i.record_type,
                record_id: i.record_id,
                from_state: i.from_state,
                to_state: i.to_state,
                changes: i.changes,
                prev_hash: i.prev_hash,
                hash: i.hash,
            },
            actor_name: i.actor_name,
        })
        .collect())
}

#[derive(Debug)]
pub struct VerifyReport {
    pub checked: u64,
    pub fault: Option<ChainFault>,
}

impl Db {
    /// Records an event that is not part of another write (its own transaction).
    pub async fn record_event(&self, ev: AuditEvent<'_>) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let id = append(&mut tx, ev).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn history(
        &self,
        record_type: &str,
        record_id: i64,
    ) -> Result<Vec<HistoryItem>, StoreError> {
        let rows = q("SELECT a.*, u.full_name AS actor_name FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
                      WHERE a.record_type = $1 AND a.record_id = $2 ORDER BY a.id")
            .bind(record_type)
            .bind(record_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(HistoryItem {
                    record: record_from_row(r)?,
                    actor_name: r.try_get("actor_name")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Walks the whole chain in pages (memory stays flat) and reports the
    /// first record that was edited, deleted or reordered.
    pub async fn verify_audit(&self) -> Result<VerifyReport, StoreError> {
        self.verify_audit_from(Verifier::default()).await
    }

    /// Verifies the chain and that it still extends `anchor` (an earlier
    /// length and head kept outside the database).
    pub async fn verify_audit_against(
        &self,
        anchor: dvk_domain::audit::Anchor,
    ) -> Result<VerifyReport, StoreError> {
        self.verify_audit_from(Verifier::expecting(anchor)).await
    }

    async fn verify_audit_from(&self, mut v: Verifier) -> Result<VerifyReport, StoreError> {
        let mut after = 0i64;
        loop {
            let rows = q("SELECT * FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000")
                .bind(after)
                .fetch_all(&self.pool)
                .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let rec = record_from_row(r)?;
                after = rec.id;
                if let Err(fault) = v.feed(&rec) {
                    return Ok(VerifyReport {
                        checked: v.checked,
                        fault: Some(fault),
                    });
                }
            }
        }
        let head: String = q("SELECT hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let fault = v.finish(&head).err();
        Ok(VerifyReport {
            checked: v.checked,
            fault,
        })
    }

    /// Records that a document (a certificate) was issued with this content
    /// hash, once per record and hash.
    pub async fn record_document_issue(
        &self,
        actor_id: i64,
        record_type: &str,
        record_id: i64,
        document: &str,
        sha256: &str,
    ) -> Result<(), StoreError> {
        let seen: i64 = q(
            "SELECT COUNT(*) FROM audit_log WHERE record_type = $1 AND record_id = $2 \
                           AND action = 'document.issue' AND changes LIKE $3",
        )
        .bind(record_type)
        .bind(record_id)
        .bind(format!("%{sha256}%"))
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        if seen > 0 {
            return Ok(());
        }
        self.record_event(AuditEvent {
            actor_id: Some(actor_id),
            action: "document.issue",
            record_type,
            record_id,
            changes: serde_json::json!({"document": [null, document], "sha256": [null, sha256]}),
            ..Default::default()
        })
        .await?;
        Ok(())
    }

    pub async fn audit_count(&self) -> Result<i64, StoreError> {
        Ok(q("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }
}

/// The content hash of a document made of `parts` (length-prefixed, so no
/// two different documents share one text).
pub fn document_hash(parts: &[String]) -> String {
    let text: Vec<String> = parts.iter().map(|p| format!("{}:{p}", p.len())).collect();
    dvk_domain::audit::hash_hex(text.join("|").as_bytes())
}

/// Records, inside the transaction that issues it, a document's hash in
/// the trail: the SHA-256 of the stored file when there is one (`file`
/// names it), else of what the document says.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn append_document_issue(
    tx: &mut sqlx::AnyConnection,
    actor_id: i64,
    record_type: &str,
    record_id: i64,
    document: &str,
    number: &str,
    sha256: &str,
    file: Option<&str>,
) -> Result<(), StoreError> {
    let mut changes = serde_json::json!({"document": [null, document], "number": [null, number], "sha256": [null, sha256]});
    if let Some(f) = file {
        changes["file"] = serde_json::json!([null, f]);
    }
    append(
        tx,
        AuditEvent {
            actor_id: Some(actor_id),
            action: "document.issue",
            record_type,
            record_id,
            changes,
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}
