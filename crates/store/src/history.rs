//! An entry's history as its readers see it: every event in Vietnamese (no
//! codes, no JSON), and the appraisal as steps ("Hội đồng đã chấm: 3/3
//! phiếu") — a council member's sheet is never part of it.

use crate::audit::HistoryItem;
use crate::db::{q, Db};
use crate::entries::EntryDetail;
use crate::error::ServiceError;
use crate::service::view_entry;
use dvk_domain::auth::Actor;
use dvk_domain::entry::{ITEMS, PERSON_ITEMS};
use dvk_domain::state::{EntryState, Transition};
use dvk_domain::text::truncate_words;
use serde_json::Value;
use sqlx::Row;

/// One line of an entry's history.
#[derive(Debug, Clone)]
pub struct HistoryLine {
    /// The audit record's id (links the line to the hash chain).
    pub id: i64,
    pub at: i64,
    /// Who did it; "Hệ thống" or "Người dân" where nobody signed in.
    pub actor: String,
    /// What happened, in Vietnamese.
    pub event: String,
    /// "Đã gửi → Đã tiếp nhận", or empty when the state did not change.
    pub states: String,
    pub from_state: Option<EntryState>,
    pub to_state: Option<EntryState>,
    /// Changed fields and reasons, each a sentence.
    pub details: Vec<String>,
    pub hash: String,
}

/// Events that belong to the council, written under the entry before
/// scores moved to the round: never shown in an entry's history.
const COUNCIL_ONLY: &[&str] = &["score.save", "ballot.save"];

fn field_label(key: &str) -> String {
    if let Some((_, l)) = ITEMS.iter().find(|(k, _)| *k == key) {
        return (*l).to_owned();
    }
    if let Some((_, l)) = PERSON_ITEMS.iter().find(|(k, _)| *k == key) {
        return (*l).to_owned();
    }
    match key {
        "kind" => "Loại",
        "subject" => "Đối tượng",
        "field_id" => "Lĩnh vực",
        "target_level" => "Cấp đề nghị công nhận",
        "phase" => "Giai đoạn",
        "year" => "Năm",
        "unit_id" => "Đơn vị đăng ký",
        "replicates" => "Nhân rộng từ",
        "reason" => "Lý do",
        "decision" => "Căn cứ",
        "attachment" => "Tệp minh chứng",
        "reward_round" => "Đợt khen thưởng",
        "form" => "Hình thức khen thưởng",
        "report" => "Báo cáo",
        "operating" => "Còn hoạt động",
        "results" => "Kết quả",
        "from" => "Chuyển từ hồ sơ",
        "carried_to" => "Chuyển sang hồ sơ",
        "document" => "Văn bản",
        "sha256" => "Mã kiểm tra (SHA-256)",
        _ => "Thông tin khác",
    }
    .to_owned()
}

fn show_value(v: &Value) -> String {
    match v {
        Value::Null => "(trống)".into(),
        Value::String(s) if s.is_empty() => "(trống)".into(),
        Value::String(s) => format!("«{}»", truncate_words(s, 80)),
        Value::Bool(true) => "có".into(),
        Value::Bool(false) => "không".into(),
        Value::Number(n) => n.to_string(),
        Value::Object(o) => o
            .get("file_name")
            .and_then(|f| f.as_str())
            .map(|f| f.to_owned())
            .unwrap_or_else(|| "(đã ghi nhận)".into()),
        Value::Array(a) => format!("{} mục", a.len()),
    }
}

fn event_label(action: &str) -> String {
    match action {
        "entry.create" => "Tạo hồ sơ".into(),
        "entry.update" => "Sửa nội dung".into(),
        "entry.attach" => "Thêm minh chứng".into(),
        "entry.carry" => "Chuyển sang giai đoạn mới".into(),
        "reward.propose" => "Đề nghị khen thưởng".into(),
        "review.report" => "Báo cáo rà soát hằng năm".into(),
        "review.continue" => "Rà soát: tiếp tục duy trì".into(),
        "comment.create" => "Nhân dân góp ý trong thời gian thông báo công khai".into(),
        "document.issue" => "Cấp giấy chứng nhận (mã kiểm tra ghi trong nhật ký)".into(),
        other => other
            .strip_prefix("entry.")
            .and_then(Transition::parse)
            .map(|t| t.label().to_owned())
            .unwrap_or_else(|| "Cập nhật hồ sơ".into()),
    }
}

fn line(h: HistoryItem) -> HistoryLine {
    let rec = h.record;
    let from = rec.from_state.as_deref().and_then(EntryState::parse);
    let to = rec.to_state.as_deref().and_then(EntryState::parse);
    let states = match (from, to) {
        (Some(a), Some(b)) if a != b => format!("{} → {}", a.label(), b.label()),
        _ => String::new(),
    };
    let details = match serde_json::from_str::<Value>(&rec.changes) {
        // A registration imported from a spreadsheet says from which file
        // and row.
        Ok(Value::Object(m)) if rec.action == "entry.create" => m
            .get("import")
            .map(|i| {
                vec![format!(
                    "Nhập từ tệp «{}», dòng {}",
                    i.get("file").and_then(Value::as_str).unwrap_or(""),
                    i.get("row").and_then(Value::as_i64).unwrap_or(0)
                )]
            })
            .unwrap_or_default(),
        Ok(Value::Object(m)) if rec.action != "entry.create" && rec.action != "comment.create" => m
            .iter()
            .map(|(k, v)| match v.as_array().map(|a| a.as_slice()) {
                Some([_, new]) if k == "reason" || k == "decision" => {
                    format!("{}: {}", field_label(k), new.as_str().unwrap_or(""))
                }
                Some([Value::Null, new]) => format!("{}: {}", field_label(k), show_value(new)),
                Some([old, new]) => format!(
                    "{}: {} → {}",
                    field_label(k),
                    show_value(old),
                    show_value(new)
                ),
                _ => field_label(k),
            })
            .collect(),
        _ => Vec::new(),
    };
    let actor = match (h.actor_name, rec.action.as_str()) {
        (Some(n), _) => n,
        (None, "comment.create") => "Người dân".into(),
        (None, _) => "Hệ thống".into(),
    };
    HistoryLine {
        id: rec.id,
        at: rec.at,
        actor,
        event: event_label(&rec.action),
        states,
        from_state: from,
        to_state: to,
        details,
        hash: rec.hash,
    }
}

/// The history of an entry for one reader (who must be allowed to see the
/// entry). Appraisal shows as steps with the count of sheets in.
pub async fn entry_history(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> Result<Vec<HistoryLine>, ServiceError> {
    let e = view_entry(db, actor, id).await?;
    history_of(db, &e).await
}

/// The history of an entry already read through [`view_entry`] (the page
/// has it in hand): one statement, two once the entry has been proposed.
pub async fn history_of(db: &Db, e: &EntryDetail) -> Result<Vec<HistoryLine>, ServiceError> {
    let items = db.history("entry", e.id).await?;
    history_from(db, e, items).await
}

/// The history of an entry from its events, already read (with the entry,
/// on its page); the appraisal's steps take one statement more once the
/// entry has been proposed.
pub(crate) async fn history_from(
    db: &Db,
    e: &EntryDetail,
    items: Vec<HistoryItem>,
) -> Result<Vec<HistoryLine>, ServiceError> {
    let id = e.id;
    let mut lines: Vec<HistoryLine> = Vec::with_capacity(items.len());
    for h in items {
        if COUNCIL_ONLY.contains(&h.record.action.as_str()) {
            continue;
        }
        lines.push(line(h));
    }
    let never_proposed = e.state.before_any_proposal()
        && !lines
            .iter()
            .any(|l| l.to_state == Some(EntryState::Proposed));
    if never_proposed {
        return Ok(lines);
    }
    // One step per round that appraised the entry: sheets in / assigned.
    let rows = q("SELECT r.id, r.title, r.state, r.scoring_mode, \
                  (SELECT COUNT(*) FROM assignments a WHERE a.round_id = r.id AND a.entry_id = $1) AS assigned, \
                  (SELECT COUNT(DISTINCT s.user_id) FROM scores s WHERE s.round_id = r.id AND s.entry_id = $1) AS scored, \
                  (SELECT COUNT(*) FROM ballots b WHERE b.round_id = r.id AND b.entry_id = $1) AS voted, \
                  r.concluded_at \
                  FROM proposals p JOIN rounds r ON r.id = p.round_id WHERE p.entry_id = $1 ORDER BY r.id")
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
    for r in rows {
        let state: String = r.try_get("state")?;
        if state == "open" {
            continue;
        }
        let assigned: i64 = r.try_get("assigned")?;
        let done: i64 = if r.try_get::<String, _>("scoring_mode")? == "ballot" {
            r.try_get("voted")?
        } else {
            r.try_get("scored")?
        };
        let title: String = r.try_get("title")?;
        let concluded: Option<i64> = r.try_get("concluded_at")?;
        let verb = if r.try_get::<String, _>("scoring_mode")? == "ballot" {
            "bỏ phiếu"
        } else {
            "chấm"
        };
        let event = format!("Hội đồng đã {verb}: {done}/{assigned} phiếu");
        // Concluded: the step stands before the moves the conclusion made;
        // still scoring: it is the latest news.
        let at = concluded.unwrap_or_else(|| lines.last().map(|l| l.at).unwrap_or(0));
        let step = HistoryLine {
            id: 0,
            at,
            actor: "Hội đồng".into(),
            event,
            states: String::new(),
            from_state: None,
            to_state: None,
            details: vec![format!(
                "Đợt xét: {title}{}",
                if concluded.is_some() {
                    " (Hội đồng đã kết luận)"
                } else {
                    " (đang chấm)"
                }
            )],
            hash: String::new(),
        };
        match concluded.and_then(|c| lines.iter().position(|l| l.at >= c)) {
            Some(i) => lines.insert(i, step),
            None => lines.push(step),
        }
    }
    Ok(lines)
}
