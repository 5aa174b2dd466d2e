//! Documents as files: each download gathers its records through the same
//! guards as the pages (a reader gets a document only of what they may
//! read), fills a document kind of `dvk_docs`, and returns the DOCX. An
//! issued decision's file is generated once, in the transaction that
//! issues it, stored with its SHA-256 in the audit trail, and served as
//! stored ever after.

mod entry;
mod issued;
mod reward;
mod round;
pub mod templates;
mod unit;

pub use entry::{
    blank_registration, certificate_file, check_code, registration_form, wording, Wording,
};
pub use issued::{decision_file, public_decision_annex};
pub(crate) use issued::{recognition_document, recognition_file, store_issued};
pub use reward::{reward_decision_file, reward_proposal};
pub(crate) use reward::{reward_document, reward_file_name};
pub use round::{minutes, notice, proposal, score_sheet, SheetRequest};
pub use unit::{implementation_report, review_summary, summary_file, ReportPeriod};

use crate::appraisal::Decision;
use crate::db::Db;
use crate::error::{ServiceError, StoreError};
use crate::reference::Catalogue;
use dvk_docs::kinds::common::{Issuing, Listed, Signing};
use dvk_domain::entry::{Kind, Subject};
use dvk_domain::issuer::{place_name, Letterhead};

/// A generated file, ready to send.
#[derive(Debug, Clone)]
pub struct DocFile {
    /// The Vietnamese file name without extension, e.g. "Quyết định 15-QĐ-UBND".
    pub name: String,
    pub bytes: Vec<u8>,
    /// The province's template version that made it (None: built-in).
    pub template: Option<i64>,
}

impl DocFile {
    pub(crate) fn make(name: String, doc: &dvk_docs::Document) -> Result<DocFile, ServiceError> {
        let bytes = dvk_docs::to_docx(doc)
            .and_then(|b| {
                dvk_docs::package::describe(&b, "Lập bằng DVK theo mẫu có sẵn (NĐ 30/2020, HD 36)")
            })
            .map_err(|e| StoreError::Data(format!("không tạo được văn bản: {e}")))?;
        Ok(DocFile {
            name,
            bytes,
            template: None,
        })
    }

    pub fn sha256(&self) -> String {
        dvk_domain::audit::hash_hex(&self.bytes)
    }
}

/// A document number as a file name part: "15/QĐ-UBND" → "15-QĐ-UBND".
pub fn file_part(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '-',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The legal bases every decision starts from: the issuer's own remit and
/// the movement's guidance as the deployment names it (setting
/// `document_basis`, one per line).
pub(crate) async fn bases(db: &Db, body: &str) -> Result<Vec<String>, ServiceError> {
    let mut out = vec![format!("Căn cứ chức năng, nhiệm vụ, quyền hạn của {body};")];
    if let Some(b) = db.setting("document_basis").await? {
        out.extend(b.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| {
            let l = l.trim_end_matches([';', '.']);
            if l.starts_with("Căn cứ") {
                format!("{l};")
            } else {
                format!("Căn cứ {l};")
            }
        }));
    }
    Ok(out)
}

/// The head of a decision as it was signed.
pub(crate) fn decision_issuing(d: &Decision, fallback_place: &str) -> Issuing {
    Issuing {
        letterhead: d.letterhead(),
        parent: d.issuer_parent.clone(),
        body: d.issuing_body.clone(),
        place: if d.place.is_empty() {
            fallback_place.to_owned()
        } else {
            d.place.clone()
        },
    }
}

pub(crate) fn decision_signing(d: &Decision) -> Signing {
    Signing {
        signer: d.signer.clone(),
        title: d.signer_title.clone(),
    }
}

/// The body a unit's documents come from: the unit as an issuer when it
/// is one, else the unit by name under the State letterhead.
pub(crate) async fn unit_issuing(
    db: &Db,
    unit_id: i64,
    name: &str,
) -> Result<Issuing, ServiceError> {
    Ok(match db.issuer(unit_id).await? {
        Some(i) => Issuing {
            letterhead: i.issuer.kind.letterhead(),
            parent: i.issuer.parent.clone(),
            body: i.issuer.body.clone(),
            place: i.issuer.place.clone(),
        },
        None => Issuing {
            letterhead: Letterhead::State,
            parent: String::new(),
            body: name.to_owned(),
            place: place_name(name).to_owned(),
        },
    })
}

/// An entry as document lists print it: the collective's or individual's
/// unit, never an individual's personal items.
pub fn listed(
    cat: &Catalogue,
    title: &str,
    unit_name: &str,
    field_id: i64,
    kind: Kind,
    subject: Subject,
) -> Listed {
    Listed {
        title: title.to_owned(),
        holder: unit_name.to_owned(),
        field: cat.field_name(field_id).to_owned(),
        kind: kind.label().to_owned(),
        subject: subject.label().to_owned(),
    }
}

/// "cấp tỉnh" from a level code.
pub fn level_words(cat: &Catalogue, code: &str) -> String {
    cat.level_name(code).to_lowercase()
}

/// The latest records of `kind` in the subtree at `path`, as a template
/// fills them (for a template's preview); None when there are none.
pub(crate) async fn latest_data(
    db: &Db,
    actor: &dvk_domain::auth::Actor,
    kind: dvk_docs::kinds::fields::TemplateKind,
    path: &dvk_domain::unit::UnitPath,
) -> Result<Option<dvk_docs::template::TemplateData>, ServiceError> {
    use crate::db::q;
    use dvk_docs::kinds::fields::TemplateKind;
    use sqlx::Row;
    let (lo, hi) = (path.as_str().to_owned(), path.subtree_upper_bound());
    Ok(match kind {
        TemplateKind::Recognition => {
            let row = q(
                "SELECT d.id, d.round_id FROM decisions d JOIN units u ON u.id = d.issuer_unit_id \
                         WHERE u.path >= $1 AND u.path < $2 ORDER BY d.id DESC LIMIT 1",
            )
            .bind(lo)
            .bind(hi)
            .fetch_optional(&db.read)
            .await?;
            match row {
                Some(r) => Some(
                    issued::recognition_data(db, r.try_get(1)?, r.try_get(0)?)
                        .await?
                        .template_data(),
                ),
                None => None,
            }
        }
        TemplateKind::Notice | TemplateKind::Proposal => {
            let states = if kind == TemplateKind::Notice {
                "'notice', 'decided'"
            } else {
                "'concluded', 'notice', 'decided'"
            };
            let row = q(&format!(
                "SELECT id FROM rounds WHERE unit_path >= $1 AND unit_path < $2 AND state IN ({states}) ORDER BY id DESC LIMIT 1"
            ))
            .bind(lo)
            .bind(hi)
            .fetch_optional(&db.read)
            .await?;
            match row {
                Some(r) if kind == TemplateKind::Notice => Some(
                    round::notice_data(db, r.try_get(0)?, "")
                        .await?
                        .template_data(),
                ),
                Some(r) => Some(
                    round::proposal_data(db, actor, r.try_get(0)?)
                        .await?
                        .template_data(),
                ),
                None => None,
            }
        }
        // A certificate is issued when it is printed: the preview does not
        // print one of the records.
        TemplateKind::Certificate => None,
    })
}

/// Up to `limit` entries as lists print them, newest first (benchmarks
/// build a decision's annex from real records with it).
pub async fn listed_sample(db: &Db, limit: i64) -> Result<Vec<Listed>, ServiceError> {
    use crate::db::q;
    use sqlx::Row;
    let cat = db.catalogue().await?;
    let rows = q("SELECT e.title, e.kind, e.subject, e.field_id, u.name FROM entries e JOIN units u ON u.id = e.unit_id \
                  ORDER BY e.id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(&db.read)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(listed(
                &cat,
                &r.try_get::<String, _>(0)?,
                &r.try_get::<String, _>(4)?,
                r.try_get(3)?,
                Kind::parse(&r.try_get::<String, _>(1)?).unwrap_or(Kind::Model),
                Subject::parse(&r.try_get::<String, _>(2)?).unwrap_or(Subject::Collective),
            ))
        })
        .collect()
}
