//! A province's own forms: admins upload a DOCX template per document kind
//! for their unit's subtree; each upload is a new version; documents of
//! that kind issued in the subtree are filled into the newest version not
//! retired, and an issued decision records which version made it.

use super::DocFile;
use crate::audit::{append, lock_for_write, AuditEvent};
use crate::db::{now, q, Db};
use crate::error::ServiceError;
use dvk_docs::kinds::fields::TemplateKind;
use dvk_docs::template::{self, TemplateData};
use dvk_domain::auth::{Actor, Denied, Role};
use dvk_domain::unit::UnitPath;
use sqlx::Row;

/// A kept template version, as the admin page lists it.
#[derive(Debug, Clone)]
pub struct TemplateVersion {
    pub id: i64,
    pub kind: TemplateKind,
    pub unit_id: i64,
    pub unit_name: String,
    pub version: i64,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub placeholders: Vec<String>,
    pub uploaded_by: String,
    pub created_at: i64,
    pub retired: bool,
}

fn kind_of(code: &str) -> Result<TemplateKind, ServiceError> {
    TemplateKind::parse(code)
        .ok_or_else(|| ServiceError::invalid("kind", "Chọn loại văn bản trong danh sách."))
}

/// Admins only, at the unit or above.
async fn admin_unit(
    db: &Db,
    actor: &Actor,
    unit_id: i64,
) -> Result<crate::units::Unit, ServiceError> {
    let unit = db
        .unit(unit_id)
        .await?
        .ok_or_else(|| ServiceError::invalid("unit_id", "Chọn đơn vị áp dụng mẫu."))?;
    if !actor.holds(Role::Admin, &unit.path) {
        return Err(ServiceError::Denied(Denied::NoRole("quản lý mẫu văn bản")));
    }
    Ok(unit)
}

/// Checks and keeps an uploaded template as the newest version for its
/// kind and unit. Nothing is kept when it is refused.
pub async fn upload_template(
    db: &Db,
    actor: &Actor,
    kind: &str,
    unit_id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, ServiceError> {
    let kind = kind_of(kind)?;
    let unit = admin_unit(db, actor, unit_id).await?;
    let lower = file_name.to_lowercase();
    if lower.ends_with(".docm") || lower.ends_with(".dotm") {
        return Err(ServiceError::invalid(
            "file",
            template::TemplateError::Macros.to_string(),
        ));
    }
    if !lower.ends_with(".docx") {
        return Err(ServiceError::invalid("file", "Mẫu phải là tệp Word .docx."));
    }
    // Checked and filled with the kind's sample on a blocking thread: a
    // large form takes a moment of CPU that must not hold up other requests.
    let upload = bytes.to_vec();
    let used = blocking(move || template::accept(&upload, &kind.names(), &sample_data(kind)))
        .await?
        .map_err(|e| ServiceError::invalid("file", e.to_string()))?;
    let sha = dvk_domain::audit::hash_hex(bytes);
    let name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let mut tx = db.pool.begin().await?;
    lock_for_write(&mut tx).await?;
    let version: i64 = q("SELECT COALESCE(MAX(version), 0) + 1 FROM document_templates WHERE kind = $1 AND unit_id = $2")
        .bind(kind.code())
        .bind(unit.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    let id: i64 = q("INSERT INTO document_templates (kind, unit_id, unit_path, version, file_name, sha256, size, placeholders, uploaded_by, created_at, content) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id")
        .bind(kind.code())
        .bind(unit.id)
        .bind(unit.path.as_str())
        .bind(version)
        .bind(&name)
        .bind(&sha)
        .bind(bytes.len() as i64)
        .bind(used.join(","))
        .bind(actor.user_id)
        .bind(now())
        .bind(bytes.to_vec())
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "template.upload",
            record_type: "document_template",
            record_id: id,
            changes: serde_json::json!({"kind": [null, kind.code()], "unit_id": [null, unit.id], "version": [null, version], "sha256": [null, sha]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn version_from_row(r: &sqlx::any::AnyRow) -> Result<Option<TemplateVersion>, sqlx::Error> {
    let Some(kind) = TemplateKind::parse(&r.try_get::<String, _>("kind")?) else {
        return Ok(None);
    };
    let placeholders: String = r.try_get("placeholders")?;
    Ok(Some(TemplateVersion {
        id: r.try_get("id")?,
        kind,
        unit_id: r.try_get("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        version: r.try_get("version")?,
        file_name: r.try_get("file_name")?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        placeholders: placeholders
            .split(',')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        uploaded_by: r.try_get("uploaded_by_name")?,
        created_at: r.try_get("created_at")?,
        retired: r.try_get::<Option<i64>, _>("retired_at")?.is_some(),
    }))
}

const LIST: &str = "SELECT t.id, t.kind, t.unit_id, u.name AS unit_name, t.version, t.file_name, t.sha256, t.size, t.placeholders, \
                    us.full_name AS uploaded_by_name, t.created_at, t.retired_at FROM document_templates t \
                    JOIN units u ON u.id = t.unit_id JOIN users us ON us.id = t.uploaded_by";

/// The template versions of the units the admin manages, newest first.
pub async fn templates_for(db: &Db, actor: &Actor) -> Result<Vec<TemplateVersion>, ServiceError> {
    let roots: Vec<&UnitPath> = actor
        .grants
        .iter()
        .filter(|g| g.role == Role::Admin)
        .map(|g| &g.unit)
        .collect();
    if roots.is_empty() {
        return Err(ServiceError::Denied(Denied::NoRole("quản lý mẫu văn bản")));
    }
    let mut conds = Vec::new();
    let mut values = Vec::new();
    for (i, r) in roots.iter().enumerate() {
        conds.push(format!(
            "(t.unit_path >= ${} AND t.unit_path < ${})",
            2 * i + 1,
            2 * i + 2
        ));
        values.push(r.as_str().to_owned());
        values.push(r.subtree_upper_bound());
    }
    let sql = format!(
        "{LIST} WHERE {} ORDER BY t.kind, t.unit_path, t.version DESC",
        conds.join(" OR ")
    );
    let mut query = q(&sql);
    for v in values {
        query = query.bind(v);
    }
    let mut out = Vec::new();
    for r in query.fetch_all(&db.read).await? {
        out.extend(version_from_row(&r)?);
    }
    Ok(out)
}

async fn version(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> Result<(TemplateVersion, UnitPath), ServiceError> {
    let r = q(&format!("{LIST} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(&db.read)
        .await?
        .ok_or(ServiceError::NotFound("mẫu văn bản"))?;
    let v = version_from_row(&r)?.ok_or(ServiceError::NotFound("mẫu văn bản"))?;
    let unit = db
        .unit(v.unit_id)
        .await?
        .ok_or(ServiceError::NotFound("mẫu văn bản"))?;
    if !actor.holds(Role::Admin, &unit.path) {
        return Err(ServiceError::NotFound("mẫu văn bản"));
    }
    Ok((v, unit.path))
}

/// Stops using a version (kept for the record).
pub async fn retire_template(db: &Db, actor: &Actor, id: i64) -> Result<(), ServiceError> {
    let (v, _) = version(db, actor, id).await?;
    let mut tx = db.pool.begin().await?;
    let n = q("UPDATE document_templates SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL")
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 1 {
        append(
            &mut tx,
            AuditEvent {
                actor_id: Some(actor.user_id),
                action: "template.retire",
                record_type: "document_template",
                record_id: id,
                changes: serde_json::json!({"kind": [null, v.kind.code()], "version": [v.version, null]}),
                ..Default::default()
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The uploaded file of a version, for its admins.
pub async fn template_file(db: &Db, actor: &Actor, id: i64) -> Result<DocFile, ServiceError> {
    let (v, _) = version(db, actor, id).await?;
    let bytes: Vec<u8> = q("SELECT content FROM document_templates WHERE id = $1")
        .bind(id)
        .fetch_one(&db.read)
        .await?
        .try_get(0)?;
    Ok(DocFile {
        name: format!("Mẫu {} - phiên bản {}", v.kind.label(), v.version),
        bytes,
        template: Some(id),
    })
}

/// The built-in form with its placeholders, as a starting point.
pub fn starting_point(kind: &str) -> Result<DocFile, ServiceError> {
    let kind = kind_of(kind)?;
    DocFile::make(format!("Mẫu gốc {}", kind.label()), &kind.starting_point())
}

/// The template in force for documents of `kind` issued by the unit at
/// `path`: the newest version not retired at the nearest unit above it.
pub(crate) async fn template_in_force(
    db: &Db,
    kind: TemplateKind,
    path: &UnitPath,
) -> Result<Option<(i64, i64, Vec<u8>)>, ServiceError> {
    // The unit's own path and each of its ancestors'.
    let ids = path.ids();
    let paths: Vec<String> = (1..=ids.len())
        .map(|n| {
            let inner: Vec<String> = ids[..n].iter().map(|i| i.to_string()).collect();
            format!("/{}/", inner.join("/"))
        })
        .collect();
    let marks: Vec<String> = (0..paths.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT id, version, content FROM document_templates WHERE kind = $1 AND retired_at IS NULL AND unit_path IN ({}) \
         ORDER BY LENGTH(unit_path) DESC, version DESC LIMIT 1",
        marks.join(",")
    );
    let mut query = q(&sql).bind(kind.code());
    for p in paths {
        query = query.bind(p);
    }
    Ok(match query.fetch_optional(&db.pool).await? {
        Some(r) => Some((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)),
        None => None,
    })
}

/// The document of `kind` for the issuing unit at `path`: the province's
/// own form filled with `data` when one is in force, else the built-in.
pub(crate) async fn render(
    db: &Db,
    kind: TemplateKind,
    path: &UnitPath,
    name: String,
    built_in: &dvk_docs::Document,
    data: TemplateData,
) -> Result<DocFile, ServiceError> {
    match template_in_force(db, kind, path).await? {
        Some((id, version, bytes)) => {
            // The file says which form and version made it (File › Info).
            let note = format!(
                "Lập bằng DVK theo {} – mẫu #{id}, phiên bản {version}",
                kind.label()
            );
            let filled = blocking(move || {
                template::fill(&bytes, &data).and_then(|f| {
                    dvk_docs::package::describe(&f, &note)
                        .map_err(|_| template::TemplateError::NotDocx)
                })
            })
            .await?
            .map_err(|e| crate::error::StoreError::Data(format!("mẫu văn bản #{id}: {e}")))?;
            Ok(DocFile {
                name,
                bytes: filled,
                template: Some(id),
            })
        }
        None => DocFile::make(name, built_in),
    }
}

/// As [`render`], for a document issued by the unit `issuer` (a decision
/// or certificate): its subtree's form; one that recorded no issuing unit
/// (signed before issuers were units) prints on the built-in form.
pub(crate) async fn render_for_issuer(
    db: &Db,
    kind: TemplateKind,
    issuer: Option<i64>,
    name: String,
    built_in: &dvk_docs::Document,
    data: TemplateData,
) -> Result<DocFile, ServiceError> {
    let path = match issuer {
        Some(id) => db.unit(id).await?.map(|u| u.path),
        None => None,
    };
    match path {
        Some(path) => render(db, kind, &path, name, built_in, data).await,
        None => DocFile::make(name, built_in),
    }
}

/// A version filled with real records of its subtree (the latest of its
/// kind), or with the sample data when there are none yet.
pub async fn preview(db: &Db, actor: &Actor, id: i64) -> Result<DocFile, ServiceError> {
    let (v, path) = version(db, actor, id).await?;
    let bytes: Vec<u8> = q("SELECT content FROM document_templates WHERE id = $1")
        .bind(id)
        .fetch_one(&db.read)
        .await?
        .try_get(0)?;
    let real = super::latest_data(db, actor, v.kind, &path).await?;
    let (data, source) = match real {
        Some(d) => (d, "dữ liệu thật"),
        None => (sample_data(v.kind), "dữ liệu mẫu"),
    };
    let filled = blocking(move || template::fill(&bytes, &data))
        .await?
        .map_err(|e| ServiceError::invalid("file", e.to_string()))?;
    Ok(DocFile {
        name: format!(
            "Xem thử {} - phiên bản {} ({source})",
            v.kind.label(),
            v.version
        ),
        bytes: filled,
        template: Some(id),
    })
}

/// Runs CPU-bound template work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServiceError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| crate::error::StoreError::Data(format!("xử lý mẫu văn bản: {e}")).into())
}

fn sample_data(kind: TemplateKind) -> TemplateData {
    use dvk_docs::kinds::samples;
    match kind {
        TemplateKind::Recognition => samples::recognition(5).template_data(),
        TemplateKind::Notice => samples::notice().template_data(),
        TemplateKind::Proposal => samples::proposal().template_data(),
        TemplateKind::Certificate => samples::certificate().template_data(),
    }
}
