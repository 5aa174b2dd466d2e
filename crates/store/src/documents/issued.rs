//! Issued decisions' files: generated in the issuing transaction, stored
//! with their SHA-256 in the audit trail, served as stored. Decisions
//! signed before files were kept get theirs generated from the records on
//! first download, and kept from then on.

use super::{bases, decision_issuing, decision_signing, file_part, level_words, listed, DocFile};
use crate::db::{now, q, Db};
use crate::error::ServiceError;
use dvk_docs::kinds::common::Listed;
use dvk_docs::kinds::decision::RecognitionDecision;
use dvk_domain::auth::Actor;
use dvk_domain::entry::{Kind, Subject};
use dvk_domain::issuer::place_name;
use sqlx::Row;

/// What a recognition decision says, as it is signed.
pub(crate) fn recognition_document(
    decision: &crate::appraisal::Decision,
    fallback_place: &str,
    level_name: String,
    year: i32,
    bases: Vec<String>,
    lines: Vec<Listed>,
) -> RecognitionDecision {
    RecognitionDecision {
        issuing: decision_issuing(decision, fallback_place),
        number: Some(decision.number.clone()),
        signed_on: Some(decision.signed_on.clone()),
        signing: decision_signing(decision),
        proposed_by: format!(
            "Hội đồng xét chọn mô hình, điển hình “Dân vận khéo” {level_name} năm {year}"
        ),
        level_name,
        year,
        bases,
        lines,
    }
}

/// Stores an issued document's file inside the issuing transaction and
/// records its SHA-256 in the trail. Returns false when the record already
/// has its file (a concurrent first download stored it).
pub(crate) async fn store_issued(
    tx: &mut sqlx::AnyConnection,
    actor_id: i64,
    record: (&str, i64),
    trail: (&str, i64),
    kind: &str,
    number: &str,
    file: &DocFile,
) -> Result<bool, ServiceError> {
    let sha = file.sha256();
    let stored = q("INSERT INTO issued_documents (record_type, record_id, kind, file_name, sha256, size, created_by, created_at, content, template_id) \
                    VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (record_type, record_id) DO NOTHING")
        .bind(record.0)
        .bind(record.1)
        .bind(kind)
        .bind(&file.name)
        .bind(&sha)
        .bind(file.bytes.len() as i64)
        .bind(actor_id)
        .bind(now())
        .bind(file.bytes.clone())
        .bind(file.template)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if stored == 0 {
        return Ok(false);
    }
    crate::audit::append_document_issue(
        tx,
        actor_id,
        trail.0,
        trail.1,
        kind,
        number,
        &sha,
        Some(&file.name),
    )
    .await?;
    Ok(true)
}

pub(crate) async fn load_issued(
    db: &Db,
    record: (&str, i64),
) -> Result<Option<DocFile>, ServiceError> {
    let row = q(
        "SELECT file_name, content, template_id FROM issued_documents WHERE record_type = $1 AND record_id = $2",
    )
    .bind(record.0)
    .bind(record.1)
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        Some(r) => Some(DocFile {
            name: r.try_get(0)?,
            bytes: r.try_get(1)?,
            template: r.try_get(2)?,
        }),
        None => None,
    })
}

/// The entries a decision recognised, as its annex lists them.
async fn decision_lines(
    db: &Db,
    decision_id: i64,
    public_only: bool,
) -> Result<Vec<Listed>, ServiceError> {
    let cat = db.catalogue().await?;
    let filter = if public_only {
        " AND e.state IN ('recognised', 'outstanding', 'rewarded')"
    } else {
        ""
    };
    let rows = q(&format!(
        "SELECT e.title, e.kind, e.subject, e.field_id, u.name FROM decision_entries x JOIN entries e ON e.id = x.entry_id \
         JOIN units u ON u.id = e.unit_id WHERE x.decision_id = $1{filter} ORDER BY e.id"
    ))
    .bind(decision_id)
    .fetch_all(&db.read)
    .await?;
    rows.iter()
        .map(|r| {
            let kind = Kind::parse(&r.try_get::<String, _>(1)?).unwrap_or(Kind::Model);
            let subject =
                Subject::parse(&r.try_get::<String, _>(2)?).unwrap_or(Subject::Collective);
            Ok(listed(
                &cat,
                &r.try_get::<String, _>(0)?,
                &r.try_get::<String, _>(4)?,
                r.try_get(3)?,
                kind,
                subject,
            ))
        })
        .collect()
}

/// The decision generated from the records (for decisions signed before
/// files were kept, and for the public annex).
async fn regenerate(
    db: &Db,
    round: &crate::appraisal::Round,
    d: &crate::appraisal::Decision,
    public_only: bool,
) -> Result<RecognitionDecision, ServiceError> {
    let cat = db.catalogue().await?;
    Ok(recognition_document(
        d,
        place_name(&round.unit_name),
        level_words(&cat, &d.level_code),
        round.year,
        bases(db, &d.issuing_body).await?,
        decision_lines(db, d.id, public_only).await?,
    ))
}

/// The issued decision's file: the province's own form for the issuer's
/// subtree when one is in force, else the built-in.
pub(crate) async fn recognition_file(
    db: &Db,
    d: &crate::appraisal::Decision,
    doc: &RecognitionDecision,
) -> Result<DocFile, ServiceError> {
    super::templates::render_for_issuer(
        db,
        dvk_docs::kinds::fields::TemplateKind::Recognition,
        d.issuer_unit_id,
        decision_file_name(&d.number),
        &doc.document(),
        doc.template_data(),
    )
    .await
}

/// A decision's content from the records, without a reader's guard (for
/// a template's preview by its admin).
pub(crate) async fn recognition_data(
    db: &Db,
    round_id: i64,
    decision_id: i64,
) -> Result<RecognitionDecision, ServiceError> {
    let round = db
        .round(round_id)
        .await?
        .ok_or(ServiceError::NotFound("đợt xét"))?;
    let d = db
        .decisions_of_round(round_id)
        .await?
        .into_iter()
        .find(|d| d.id == decision_id)
        .ok_or(ServiceError::NotFound("quyết định"))?;
    regenerate(db, &round, &d, false).await
}

pub(crate) fn decision_file_name(number: &str) -> String {
    format!("Quyết định {}", file_part(number))
}

/// An issued recognition decision's file, as stored, for readers of its
/// round.
/// `decision_id` None: the round's first decision.
pub async fn decision_file(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    decision_id: Option<i64>,
) -> Result<DocFile, ServiceError> {
    let view = crate::round_view::view_round(db, actor, round_id).await?;
    let d = view
        .decisions
        .iter()
        .find(|d| decision_id.is_none_or(|id| d.id == id))
        .ok_or(ServiceError::NotFound("quyết định"))?;
    let record = ("decision", d.id);
    if let Some(f) = load_issued(db, record).await? {
        return Ok(f);
    }
    // A decision signed before DVK kept files: its file is made once from
    // the records on the built-in form (no province form was in force for
    // it that DVK knows of), kept, and recorded as a later copy made on this
    // reader's request, not as an issue by them.
    let doc = regenerate(db, &view.data.round, d, false).await?;
    let file = DocFile::make(decision_file_name(&d.number), &doc.document())?;
    let mut tx = db.pool.begin().await?;
    store_issued(
        &mut tx,
        actor.user_id,
        record,
        ("round", round_id),
        "decision.recognition.copy",
        &d.number,
        &file,
    )
    .await?;
    tx.commit().await?;
    // A concurrent first download may have stored its own: serve the kept one.
    Ok(load_issued(db, record).await?.unwrap_or(file))
}

/// The annex of a recognition decision as the public may read it: the
/// models still recognised, by unit, never an individual's personal items.
/// `decision_id` None: the round's first decision.
pub async fn public_decision_annex(
    db: &Db,
    round_id: i64,
    decision_id: Option<i64>,
) -> Result<DocFile, ServiceError> {
    let notice = crate::appraisal::public_notice(db, round_id).await?;
    let d = notice
        .decisions
        .iter()
        .find(|d| decision_id.is_none_or(|id| d.id == id))
        .cloned()
        .ok_or(ServiceError::NotFound("quyết định"))?;
    let full = regenerate(db, &notice.round, &d, true).await?;
    let mut doc = full.document();
    let Some(annex) = doc.annexes.pop() else {
        return Err(ServiceError::NotFound("phụ lục"));
    };
    doc.doc_type = "PHỤ LỤC".into();
    doc.subject = vec![annex.title.clone()];
    doc.blocks = vec![dvk_docs::Block::center(vec![dvk_docs::Span::italic(
        annex.reference.clone(),
    )])];
    doc.blocks.extend(annex.blocks);
    doc.signature = None;
    doc.recipients.clear();
    doc.title = format!("Phụ lục {}", annex.reference);
    DocFile::make(format!("Phụ lục quyết định {}", file_part(&d.number)), &doc)
}
