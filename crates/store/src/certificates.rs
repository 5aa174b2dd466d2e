//! What a certificate prints — a recognition's Giấy chứng nhận or a
//! reward's Giấy khen / Bằng khen — for readers of the entry, as signed.

use crate::db::Db;
use crate::entries::EntryDetail;
use crate::error::ServiceError;
use crate::service::view_entry;
use dvk_domain::issuer::{place_name, IssuerType, Letterhead};
use dvk_domain::state::EntryState;

#[derive(Debug, Clone)]
pub enum Award {
    /// Recognised at this level.
    Recognition { level_code: String },
    /// "Giấy khen của Chủ tịch Ủy ban nhân dân phường Tô Hiệu".
    Reward { title: String },
}

#[derive(Debug, Clone)]
pub struct Certificate {
    pub entry: EntryDetail,
    pub award: Award,
    pub number: String,
    /// ISO date.
    pub signed_on: String,
    pub issuing_body: String,
    pub letterhead: Letterhead,
    pub issuer_parent: String,
    pub place: String,
    pub signer: String,
    pub signer_title: String,
    /// The issuing unit, where the decision recorded one: its subtree's
    /// own certificate form is used.
    pub issuer_unit_id: Option<i64>,
    /// SHA-256 of what the certificate says (entry, award, decision,
    /// issuer, signer), recorded in the audit trail when first issued and
    /// printed on it, so a paper copy can be checked against the trail.
    pub fingerprint: String,
}

impl Certificate {
    fn content(&self) -> String {
        let award = match &self.award {
            Award::Recognition { level_code } => format!("công nhận:{level_code}"),
            Award::Reward { title } => format!("khen thưởng:{title}"),
        };
        [
            self.entry.id.to_string(),
            self.entry.registration.title().to_owned(),
            self.entry.unit_name.clone(),
            award,
            self.number.clone(),
            self.signed_on.clone(),
            self.issuing_body.clone(),
            self.signer.clone(),
            self.signer_title.clone(),
        ]
        .iter()
        .map(|p| format!("{}:{p}", p.len()))
        .collect::<Vec<_>>()
        .join("|")
    }

    /// Computes the fingerprint and records the issue in the audit trail
    /// the first time this content is issued.
    async fn issued(mut self, db: &Db, actor_id: i64, kind: &str) -> Result<Self, ServiceError> {
        self.fingerprint = dvk_domain::audit::hash_hex(self.content().as_bytes());
        db.record_document_issue(actor_id, "entry", self.entry.id, kind, &self.fingerprint)
            .await?;
        Ok(self)
    }
}

/// The certificate of an entry's recognition.
pub async fn recognition_certificate(
    db: &Db,
    actor: &dvk_domain::auth::Actor,
    entry_id: i64,
) -> Result<Certificate, ServiceError> {
    let entry = view_entry(db, actor, entry_id).await?;
    let d = db
        .decision_of_entry(entry_id)
        .await?
        // A revoked or removed recognition prints no certificate; one that
        // went on to a higher level keeps its own.
        .filter(|_| !matches!(entry.state, EntryState::Revoked | EntryState::Removed))
        .ok_or(ServiceError::NotFound("quyết định công nhận"))?;
    // Decisions signed before issuers were units kept no place: the
    // organising unit's name stands in.
    let place = if d.place.is_empty() {
        db.round(d.round_id)
            .await?
            .map(|r| place_name(&r.unit_name).to_owned())
            .unwrap_or_default()
    } else {
        d.place.clone()
    };
    Certificate {
        entry,
        award: Award::Recognition {
            level_code: d.level_code.clone(),
        },
        letterhead: d.letterhead(),
        number: d.number,
        signed_on: d.signed_on,
        issuing_body: d.issuing_body,
        issuer_parent: d.issuer_parent,
        place,
        signer: d.signer,
        signer_title: d.signer_title,
        issuer_unit_id: d.issuer_unit_id,
        fingerprint: String::new(),
    }
    .issued(db, actor.user_id, "certificate.recognition")
    .await
}

/// The certificate of one reward of an entry (not a revoked one).
pub async fn reward_certificate(
    db: &Db,
    actor: &dvk_domain::auth::Actor,
    entry_id: i64,
    reward_id: i64,
) -> Result<Certificate, ServiceError> {
    let entry = view_entry(db, actor, entry_id).await?;
    let c = db
        .reward_certificate(entry_id, reward_id)
        .await?
        .ok_or(ServiceError::NotFound("khen thưởng"))?;
    Certificate {
        entry,
        award: Award::Reward { title: c.title },
        number: c.number,
        signed_on: c.signed_on,
        issuing_body: c.issuing_body,
        letterhead: c.letterhead,
        issuer_parent: c.issuer_parent,
        place: c.place,
        signer: c.signer,
        signer_title: c.signer_title,
        issuer_unit_id: c.issuer_unit_id,
        fingerprint: String::new(),
    }
    .issued(db, actor.user_id, "certificate.reward")
    .await
}

/// The letterhead of a stored issuer type (State when unknown).
pub fn letterhead_of(issuer_type: &str) -> Letterhead {
    IssuerType::parse(issuer_type)
        .unwrap_or(IssuerType::PeoplesCommittee)
        .letterhead()
}
