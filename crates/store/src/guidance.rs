//! The guidance library: the documents the movement works by (guidance
//! 05-HD/BDVTU, directive 11/CT-TU, the forms) as PDF or DOCX files with
//! a description. The secretariat uploads and hides them; the public
//! reads what is shown.

use crate::audit::{append, lock_for_write, AuditEvent};
use crate::db::{now, q, Db};
use crate::error::ServiceError;
use dvk_domain::auth::{Actor, Denied};
use dvk_domain::evidence::{sniff, EvidenceType, MAX_EVIDENCE_BYTES};
use dvk_domain::news::{may_write_news, slugify, writing_unit, GuidanceText, WRITERS};
use dvk_domain::unit::UnitPath;
use serde_json::json;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct GuidanceDoc {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub number: String,
    /// 'YYYY-MM-DD' or empty.
    pub issued_on: String,
    pub description: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: i64,
    pub published: bool,
}

impl GuidanceDoc {
    /// The file's extension, from its checked type.
    pub fn extension(&self) -> &'static str {
        EvidenceType::from_mime(&self.content_type)
            .map(EvidenceType::extension)
            .unwrap_or("bin")
    }
}

const COLS: &str =
    "id, slug, title, number, issued_on, description, file_name, content_type, size, \
                    created_at, published_at, unit_path";

fn doc_from_row(r: &sqlx::any::AnyRow) -> Result<GuidanceDoc, sqlx::Error> {
    Ok(GuidanceDoc {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        title: r.try_get("title")?,
        number: r.try_get("number")?,
        issued_on: r.try_get("issued_on")?,
        description: r.try_get("description")?,
        file_name: r.try_get("file_name")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        created_at: r.try_get("created_at")?,
        published: r.try_get::<Option<i64>, _>("published_at")?.is_some(),
    })
}

fn may_edit(actor: &Actor, path: &str) -> bool {
    UnitPath::parse(path).is_some_and(|p| actor.holds_any(&WRITERS, &p))
}

/// Shown documents, the newest issued first.
pub async fn public_library(db: &Db, limit: i64) -> Result<Vec<GuidanceDoc>, ServiceError> {
    let rows = q(&format!(
        "SELECT {COLS} FROM guidance_documents WHERE published_at IS NOT NULL \
         ORDER BY issued_on DESC, id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(doc_from_row).collect::<Result<_, _>>()?)
}

/// Every document the actor may manage, hidden ones included.
pub async fn library_for(db: &Db, actor: &Actor) -> Result<Vec<GuidanceDoc>, ServiceError> {
    if !may_write_news(actor) {
        return Err(ServiceError::Denied(Denied::NoRole(
            "quản lý thư viện văn bản",
        )));
    }
    let (cond, roots) = crate::news::editable_condition(actor, "d");
    let mut query = q(&format!(
        "SELECT {COLS} FROM guidance_documents d WHERE {cond} ORDER BY issued_on DESC, id DESC LIMIT 500"
    ));
    for r in roots {
        query = query.bind(r);
    }
    let rows = query.fetch_all(&db.pool).await?;
    Ok(rows.iter().map(doc_from_row).collect::<Result<_, _>>()?)
}

/// A document's file: a shown one for anybody, a hidden one only for
/// those who manage it.
pub async fn guidance_file(
    db: &Db,
    actor: Option<&Actor>,
    id: i64,
) -> Result<(GuidanceDoc, Vec<u8>), ServiceError> {
    let row = q(&format!(
        "SELECT {COLS}, f.content FROM guidance_documents d JOIN guidance_files f ON f.document_id = d.id WHERE d.id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(ServiceError::NotFound("văn bản"))?;
    let doc = doc_from_row(&row)?;
    let path: String = row.try_get("unit_path")?;
    if !doc.published && !actor.is_some_and(|a| may_edit(a, &path)) {
        return Err(ServiceError::NotFound("văn bản"));
    }
    Ok((doc, row.try_get("content")?))
}

/// Adds a document to the library, shown at once. The file must be a PDF
/// or a Word document by its content.
pub async fn add_guidance(
    db: &Db,
    actor: &Actor,
    text: &GuidanceText,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, ServiceError> {
    let unit = writing_unit(actor).ok_or(ServiceError::Denied(Denied::NoRole(
        "quản lý thư viện văn bản",
    )))?;
    if bytes.is_empty() {
        return Err(ServiceError::invalid(
            "file",
            "Chọn tệp văn bản (PDF hoặc Word .docx).",
        ));
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(ServiceError::invalid("file", "Tệp vượt quá 20 MB."));
    }
    let kind = match sniff(bytes) {
        Some(t @ (EvidenceType::Pdf | EvidenceType::Docx)) => t,
        _ => {
            return Err(ServiceError::invalid(
                "file",
                "Văn bản phải là tệp PDF hoặc Word .docx (kiểm tra theo nội dung tệp).",
            ))
        }
    };
    // The name is shown and offered for download: no control characters,
    // no path, and the extension of what the file really is.
    let stem: String = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(150)
        .collect();
    let stem = stem
        .rsplit_once('.')
        .map(|(s, _)| s.to_owned())
        .unwrap_or(stem);
    let stem = if stem.trim().is_empty() {
        text.title.chars().take(150).collect()
    } else {
        stem.trim().to_owned()
    };
    let name = format!("{stem}.{}", kind.extension());
    let sha = dvk_domain::audit::hash_hex(bytes);
    let mut tx = db.pool.begin().await?;
    lock_for_write(&mut tx).await?;
    let t = now();
    let id: i64 = q("INSERT INTO guidance_documents (slug, title, number, issued_on, description, file_name, content_type, size, sha256, unit_id, unit_path, uploaded_by, created_at, published_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id")
        .bind(slugify(&text.title))
        .bind(&text.title)
        .bind(&text.number)
        .bind(&text.issued_on)
        .bind(&text.description)
        .bind(&name)
        .bind(kind.mime())
        .bind(bytes.len() as i64)
        .bind(&sha)
        .bind(unit.id())
        .bind(unit.as_str())
        .bind(actor.user_id)
        .bind(t)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    q("INSERT INTO guidance_files (document_id, content) VALUES ($1, $2)")
        .bind(id)
        .bind(bytes.to_vec())
        .execute(&mut *tx)
        .await?;
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "guidance.add",
            record_type: "guidance_document",
            record_id: id,
            changes: json!({"document": [null, {"title": text.title, "number": text.number, "file_name": name, "sha256": sha}]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Shows (`true`) or hides a document.
pub async fn set_shown(db: &Db, actor: &Actor, id: i64, shown: bool) -> Result<(), ServiceError> {
    let mut tx = db.pool.begin().await?;
    lock_for_write(&mut tx).await?;
    // Read under the lock: two clicks at once change (and audit) once.
    let row = q("SELECT unit_path, published_at FROM guidance_documents WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(ServiceError::NotFound("văn bản"))?;
    if !may_edit(actor, &row.try_get::<String, _>(0)?) {
        return Err(ServiceError::NotFound("văn bản"));
    }
    if row.try_get::<Option<i64>, _>(1)?.is_some() == shown {
        return Ok(());
    }
    q("UPDATE guidance_documents SET published_at = $1 WHERE id = $2")
        .bind(shown.then(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: if shown {
                "guidance.show"
            } else {
                "guidance.hide"
            },
            record_type: "guidance_document",
            record_id: id,
            changes: json!({"published": [!shown, shown]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
