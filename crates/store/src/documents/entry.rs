//! An entry's documents: its registration form (with the personal items,
//! for the entry's readers only), the blank forms, and its certificates.

use super::{file_part, level_words, DocFile};
use crate::certificates::{Award, Certificate};
use crate::db::Db;
use crate::error::ServiceError;
use crate::reference::Catalogue;
use crate::service::view_entry;
use dvk_docs::kinds::common::{show_date, Issuing, Signing};
use dvk_docs::kinds::registration::RegistrationForm;
use dvk_domain::auth::Actor;
use dvk_domain::entry::{Kind, Subject};
use dvk_domain::issuer::{place_name, Letterhead};

/// The registration form of an entry, filled from its record.
pub async fn registration_form(
    db: &Db,
    actor: &Actor,
    entry_id: i64,
) -> Result<DocFile, ServiceError> {
    let e = view_entry(db, actor, entry_id).await?;
    let cat = db.catalogue().await?;
    let r = &e.registration;
    let unit = match r.subject {
        Subject::Collective => {
            let lineage = db.lineage(&e.unit_path).await?;
            let parent = lineage
                .iter()
                .rev()
                .nth(1)
                .map(|u| u.name.to_uppercase())
                .unwrap_or_default();
            Some(Issuing {
                letterhead: Letterhead::State,
                parent,
                body: e.unit_name.clone(),
                place: place_name(&e.unit_name).to_owned(),
            })
        }
        Subject::Individual => None,
    };
    let p = &r.person;
    let form = RegistrationForm {
        unit,
        letterhead: Letterhead::State,
        place: String::new(),
        date: Some(dvk_domain::calendar::iso(dvk_domain::calendar::vn_day(
            e.submitted_at.unwrap_or(e.created_at),
        ))),
        kind: r.kind,
        subject: r.subject,
        to: e.confirming_name.clone(),
        year: Some(r.year),
        field: cat.field_name(r.field_id).to_owned(),
        level_name: level_words(&cat, &r.target_level),
        items: r.items.clone(),
        person: [
            p.name.clone(),
            p.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            p.gender.map(|g| g.label().to_owned()).unwrap_or_default(),
            p.ethnicity.clone(),
            p.position.clone(),
            if r.subject == Subject::Individual {
                if p.party_member { "Có" } else { "Không" }.to_owned()
            } else {
                String::new()
            },
            p.example.clone(),
        ],
    };
    DocFile::make(
        format!("Phiếu đăng ký - {}", file_part(r.title())),
        &form.document(),
    )
}

/// A blank registration form for a kind and subject, to fill by hand.
pub fn blank_registration(kind: Kind, subject: Subject) -> Result<DocFile, ServiceError> {
    let form = RegistrationForm {
        unit: None,
        letterhead: Letterhead::State,
        place: String::new(),
        date: None,
        kind,
        subject,
        to: String::new(),
        year: None,
        field: String::new(),
        level_name: String::new(),
        items: Default::default(),
        person: Default::default(),
    };
    DocFile::make(
        format!(
            "Mẫu phiếu đăng ký {} {}",
            kind.label().to_lowercase(),
            subject.label().to_lowercase()
        ),
        &form.document(),
    )
}

/// What a certificate says besides its records: the heading, the line
/// above the name, and why (the HTML page and the DOCX say the same).
#[derive(Debug, Clone)]
pub struct Wording {
    pub heading: String,
    pub lead: String,
    pub reason: String,
    /// "cấp tỉnh" for a recognition; empty for a reward.
    pub level: String,
}

pub fn wording(cat: &Catalogue, c: &Certificate) -> Wording {
    match &c.award {
        Award::Recognition { level_code } => {
            let level = level_words(cat, level_code);
            Wording {
                heading: "GIẤY CHỨNG NHẬN".to_owned(),
                lead: format!("Mô hình, điển hình “Dân vận khéo” {level}"),
                reason: String::new(),
                level,
            }
        }
        // "Giấy khen của …" → "GIẤY KHEN".
        Award::Reward { title } => Wording {
            heading: title
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
                .to_uppercase(),
            lead: title.clone(),
            reason: "Đã có thành tích trong phong trào thi đua “Dân vận khéo”. ".to_owned(),
            level: String::new(),
        },
    }
}

/// The short check code printed on a certificate: the start of the hash
/// recorded in the trail.
pub fn check_code(c: &Certificate) -> String {
    c.fingerprint
        .chars()
        .take(16)
        .collect::<String>()
        .to_uppercase()
}

/// A certificate as a DOCX: one A4 landscape page. `reward` picks a
/// reward's certificate, else the recognition's.
pub async fn certificate_file(
    db: &Db,
    actor: &Actor,
    entry_id: i64,
    reward: Option<i64>,
) -> Result<DocFile, ServiceError> {
    let c = match reward {
        Some(r) => crate::certificates::reward_certificate(db, actor, entry_id, r).await?,
        None => crate::certificates::recognition_certificate(db, actor, entry_id).await?,
    };
    let cat = db.catalogue().await?;
    let w = wording(&cat, &c);
    let doc = dvk_docs::kinds::certificate::Certificate {
        issuing: Issuing {
            letterhead: c.letterhead,
            parent: c.issuer_parent.clone(),
            body: c.issuing_body.clone(),
            place: c.place.clone(),
        },
        heading: w.heading.clone(),
        lead: w.lead,
        title: c.entry.registration.title().to_owned(),
        holder: c.entry.unit_name.clone(),
        attests: format!(
            "{}Theo Quyết định số {} ngày {}",
            w.reason,
            c.number,
            show_date(&c.signed_on)
        ),
        number: c.number.clone(),
        signed_on: c.signed_on.clone(),
        signing: Signing {
            signer: c.signer.clone(),
            title: c.signer_title.clone(),
        },
        check_code: check_code(&c),
    };
    // The issuer's subtree decides whose form is in force; a decision that
    // recorded no issuing unit prints on the built-in form.
    let name = format!(
        "{} - {}",
        file_part(&capitalised(&w.heading)),
        file_part(c.entry.registration.title())
    );
    super::templates::render_for_issuer(
        db,
        dvk_docs::kinds::fields::TemplateKind::Certificate,
        c.issuer_unit_id,
        name,
        &doc.document(),
        doc.template_data(),
    )
    .await
}

/// "GIẤY CHỨNG NHẬN" → "Giấy chứng nhận".
fn capitalised(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
