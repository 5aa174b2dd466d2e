//! An entry's whole record as a reader may see it: the registration, its
//! evidence, and — once recognised — the decision, rewards, revocations and
//! yearly reviews. One guarded read for the entry page and the API alike,
//! in one statement: each list travels as a JSON array beside the entry
//! (an empty one costs an index probe), so a page's time does not grow
//! with the number of lists on it.

use crate::appraisal::{latest_decision_of, show_date, Decision};
use crate::audit::{history_from_json, history_json, HistoryItem};
use crate::db::{q, Backend, Db};
use crate::dialect::json_rows;
use crate::entries::{detail_from_row, entry_sql, Attachment, EntryDetail};
use crate::error::{ServiceError, StoreError};
use crate::history::{history_from, HistoryLine};
use crate::review::YearlyReport;
use crate::service::{may_view, view_entry};
use dvk_domain::auth::Actor;
use serde::de::DeserializeOwned;
use sqlx::Row;

/// A reward of the entry: (reward id, title, decision text, revoked).
pub type RewardLine = (i64, String, String, bool);
/// A revocation: (kind, reason, decision reference, when).
pub type RevocationLine = (String, String, String, i64);

#[derive(Debug, Clone)]
pub struct EntryRecord {
    pub entry: EntryDetail,
    pub attachments: Vec<Attachment>,
    /// The latest recognition decision.
    pub decision: Option<Decision>,
    pub rewards: Vec<RewardLine>,
    pub revocations: Vec<RevocationLine>,
    pub reports: Vec<YearlyReport>,
    /// Registrations naming this entry as the model they replicate.
    pub replicas: i64,
}

/// The record of entry `id`, if `actor` may read the entry.
pub async fn entry_record(db: &Db, actor: &Actor, id: i64) -> Result<EntryRecord, ServiceError> {
    Ok(read_record(db, actor, id, false).await?.0)
}

/// The record of entry `id` and its history, if `actor` may read the
/// entry: the entry page's reads, the history travelling with the entry.
pub async fn entry_record_with_history(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> Result<(EntryRecord, Vec<HistoryLine>), ServiceError> {
    let (record, items) = read_record(db, actor, id, true).await?;
    let history = history_from(db, &record.entry, items.unwrap_or_default()).await?;
    Ok((record, history))
}

async fn read_record(
    db: &Db,
    actor: &Actor,
    id: i64,
    with_history: bool,
) -> Result<(EntryRecord, Option<Vec<HistoryItem>>), ServiceError> {
    let (record, history) = db
        .record_of(id, with_history)
        .await?
        .ok_or(ServiceError::NotFound("hồ sơ"))?;
    // Read before the check, shown only after it.
    may_view(db, actor, &record.entry).await?;
    Ok((record, history))
}

/// The lists of an entry's record as JSON columns beside the entry.
fn list_columns(backend: Backend, with_history: bool) -> String {
    let attachments = json_rows(
        backend,
        &[
            ("id", "a.id"),
            ("entry_id", "a.entry_id"),
            ("file_name", "a.file_name"),
            ("content_type", "a.content_type"),
            ("size", "a.size"),
            ("sha256", "a.sha256"),
            ("created_at", "a.created_at"),
        ],
        "FROM attachments a WHERE a.entry_id = e.id",
    );
    let decision = json_rows(
        backend,
        &[
            ("id", "d.id"),
            ("round_id", "d.round_id"),
            ("number", "d.number"),
            ("signed_on", "d.signed_on"),
            ("signer", "d.signer"),
            ("signer_title", "d.signer_title"),
            ("issuing_body", "d.issuing_body"),
            ("issuer_type", "d.issuer_type"),
            ("level_code", "d.level_code"),
            ("issuer_unit_id", "d.issuer_unit_id"),
            ("issuer_parent", "d.issuer_parent"),
            ("place", "d.place"),
        ],
        &format!("FROM decisions d WHERE {}", latest_decision_of("e.id")),
    );
    let rewards = json_rows(
        backend,
        &[
            ("id", "w.id"),
            (
                "name",
                "CASE WHEN d.title = '' THEN f.name ELSE d.title END",
            ),
            ("number", "d.number"),
            ("signed_on", "d.signed_on"),
            ("issuing_body", "d.issuing_body"),
            ("revoked", "w.revoked"),
        ],
        "FROM rewards w JOIN reward_forms f ON f.id = w.form_id \
         JOIN reward_decisions d ON d.id = w.decision_id WHERE w.entry_id = e.id",
    );
    let revocations = json_rows(
        backend,
        &[
            ("id", "v.id"),
            ("kind", "v.kind"),
            ("reason", "v.reason"),
            ("decision_ref", "v.decision_ref"),
            ("created_at", "v.created_at"),
        ],
        "FROM revocations v WHERE v.entry_id = e.id",
    );
    let reports = json_rows(
        backend,
        &[
            ("year", "y.year"),
            ("operating", "y.operating"),
            ("results", "y.results"),
            ("submitted_at", "y.submitted_at"),
            ("outcome", "y.outcome"),
            ("outcome_reason", "y.outcome_reason"),
        ],
        "FROM yearly_reports y WHERE y.entry_id = e.id",
    );
    let mut cols = format!(
        ", {attachments} AS attachments_json, {decision} AS decision_json, \
         {rewards} AS rewards_json, {revocations} AS revocations_json, {reports} AS reports_json, \
         (SELECT COUNT(*) FROM entries rp WHERE rp.replicates_id = e.id \
          AND rp.state NOT IN ('draft', 'withdrawn')) AS replicas_count"
    );
    if with_history {
        cols.push_str(&format!(
            ", {} AS history_json",
            history_json(backend, "'entry'", "e.id")
        ));
    }
    cols
}

fn from_json<T: DeserializeOwned>(
    row: &sqlx::any::AnyRow,
    col: &str,
) -> Result<Vec<T>, StoreError> {
    let json: String = row.try_get(col)?;
    serde_json::from_str(&json).map_err(|e| StoreError::Data(format!("hồ sơ đọc lỗi ({col}): {e}")))
}

impl Db {
    /// Entry `id`'s record and, when `with_history`, its history's events,
    /// in one statement; unguarded (the services check the reader).
    async fn record_of(
        &self,
        id: i64,
        with_history: bool,
    ) -> Result<Option<(EntryRecord, Option<Vec<HistoryItem>>)>, StoreError> {
        #[derive(serde::Deserialize)]
        struct Reward {
            id: i64,
            name: String,
            number: String,
            signed_on: String,
            issuing_body: String,
            revoked: i64,
        }
        #[derive(serde::Deserialize)]
        struct Revocation {
            id: i64,
            kind: String,
            reason: String,
            decision_ref: String,
            created_at: i64,
        }
        #[derive(serde::Deserialize)]
        struct Report {
            year: i64,
            operating: i64,
            results: String,
            submitted_at: i64,
            outcome: Option<String>,
            outcome_reason: String,
        }
        let row = q(&entry_sql(&list_columns(self.backend, with_history)))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut attachments: Vec<Attachment> = from_json(&row, "attachments_json")?;
        attachments.sort_by_key(|a| a.id);
        let decision = from_json::<Decision>(&row, "decision_json")?.pop();
        let mut rewards: Vec<Reward> = from_json(&row, "rewards_json")?;
        rewards.sort_by_key(|r| r.id);
        let mut revocations: Vec<Revocation> = from_json(&row, "revocations_json")?;
        revocations.sort_by_key(|r| r.id);
        let mut reports: Vec<Report> = from_json(&row, "reports_json")?;
        reports.sort_by_key(|r| std::cmp::Reverse(r.year));
        let history = if with_history {
            let json: String = row.try_get("history_json")?;
            Some(history_from_json(&json)?)
        } else {
            None
        };
        let record = EntryRecord {
            replicas: row.try_get("replicas_count")?,
            entry: detail_from_row(&row)?,
            attachments,
            decision,
            rewards: rewards
                .into_iter()
                .map(|r| {
                    (
                        r.id,
                        r.name,
                        reward_decision_text(&r.number, &r.signed_on, &r.issuing_body),
                        r.revoked != 0,
                    )
                })
                .collect(),
            revocations: revocations
                .into_iter()
                .map(|r| (r.kind, r.reason, r.decision_ref, r.created_at))
                .collect(),
            reports: reports
                .into_iter()
                .map(|r| YearlyReport {
                    year: r.year as i32,
                    operating: r.operating != 0,
                    results: r.results,
                    submitted_at: r.submitted_at,
                    outcome: r.outcome,
                    outcome_reason: r.outcome_reason,
                })
                .collect(),
        };
        Ok(Some((record, history)))
    }
}

/// How a reward's decision is cited on the record.
fn reward_decision_text(number: &str, signed_on: &str, issuing_body: &str) -> String {
    format!(
        "Quyết định số {number} ngày {} của {issuing_body}",
        show_date(signed_on)
    )
}

/// The evidence list of entry `id`, if `actor` may read the entry.
pub async fn attachments_of(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> Result<Vec<Attachment>, ServiceError> {
    view_entry(db, actor, id).await?;
    Ok(db.attachments(id).await?)
}

/// The recognition decision of entry `id`, if `actor` may read the entry.
pub async fn decision_of(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> Result<Option<Decision>, ServiceError> {
    view_entry(db, actor, id).await?;
    Ok(db.decision_of_entry(id).await?)
}
