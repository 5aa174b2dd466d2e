//! Reward decisions' files: generated as the decision is issued, kept with
//! their SHA-256 in the trail, served as stored to readers of the round.

use super::{bases, file_part, DocFile};
use crate::db::{q, Db};
use crate::error::ServiceError;
use dvk_docs::kinds::common::{Issuing, Listed, Signing};
use dvk_docs::kinds::decision::{RewardDecision, RewardLine};
use dvk_domain::auth::Actor;
use sqlx::Row;

/// A reward decision as signed, with its lines (title, unit, amount).
#[allow(clippy::too_many_arguments)]
pub(crate) fn reward_document(
    issuing: Issuing,
    number: &str,
    signed_on: &str,
    signing: Signing,
    award: &str,
    year: i32,
    proposed_by: &str,
    bases: Vec<String>,
    lines: Vec<(String, String, u64)>,
) -> RewardDecision {
    RewardDecision {
        issuing,
        number: Some(number.to_owned()),
        signed_on: Some(signed_on.to_owned()),
        signing,
        award: award.to_owned(),
        achievement: format!("phong trào thi đua “Dân vận khéo” năm {year}"),
        bases,
        proposed_by: proposed_by.to_owned(),
        lines: lines
            .into_iter()
            .map(|(title, holder, amount)| RewardLine {
                listed: Listed {
                    title,
                    holder,
                    ..Listed::default()
                },
                amount,
            })
            .collect(),
    }
}

pub(crate) fn reward_file_name(number: &str) -> String {
    format!("Quyết định khen thưởng {}", file_part(number))
}

/// An issued reward decision's file, for readers of its reward round.
pub async fn reward_decision_file(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    decision_id: i64,
) -> Result<DocFile, ServiceError> {
    let round = db
        .reward_round(round_id)
        .await?
        .filter(|r| crate::rewards::may_view_reward_round(r, actor))
        .ok_or(ServiceError::NotFound("đợt khen thưởng"))?;
    let record = ("reward_decision", decision_id);
    let head = q("SELECT number, signed_on, signer, signer_title, issuing_body, issuer_type, issuer_parent, place, title \
                  FROM reward_decisions WHERE id = $1 AND round_id = $2")
        .bind(decision_id)
        .bind(round_id)
        .fetch_optional(&db.read)
        .await?
        .ok_or(ServiceError::NotFound("quyết định khen thưởng"))?;
    if let Some(f) = super::issued::load_issued(db, record).await? {
        return Ok(f);
    }
    // Signed before files were kept: generated from the records once.
    let lines = q("SELECT e.title, u.name, f.amount FROM rewards w JOIN entries e ON e.id = w.entry_id JOIN units u ON u.id = e.unit_id \
                   JOIN reward_forms f ON f.id = w.form_id WHERE w.decision_id = $1 ORDER BY e.id")
        .bind(decision_id)
        .fetch_all(&db.read)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>(0)?,
                r.try_get::<String, _>(1)?,
                r.try_get::<Option<i64>, _>(2)?.unwrap_or(0).max(0) as u64,
            ))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let number: String = head.try_get(0)?;
    let body: String = head.try_get(4)?;
    let place: String = head.try_get(7)?;
    let doc = reward_document(
        Issuing {
            letterhead: crate::certificates::letterhead_of(&head.try_get::<String, _>(5)?),
            parent: head.try_get(6)?,
            place: if place.is_empty() {
                dvk_domain::issuer::place_name(&round.unit_name).to_owned()
            } else {
                place
            },
            body: body.clone(),
        },
        &number,
        &head.try_get::<String, _>(1)?,
        Signing {
            signer: head.try_get(2)?,
            title: head.try_get(3)?,
        },
        &head.try_get::<String, _>(8)?,
        round.year,
        &round.unit_name,
        bases(db, &body).await?,
        lines,
    );
    let file = DocFile::make(reward_file_name(&number), &doc.document())?;
    let mut tx = db.pool.begin().await?;
    super::store_issued(
        &mut tx,
        actor.user_id,
        record,
        ("reward_round", round_id),
        // A later copy made on this reader's request, not an issue by them.
        "decision.reward.copy",
        &number,
        &file,
    )
    .await?;
    tx.commit().await?;
    Ok(super::issued::load_issued(db, record)
        .await?
        .unwrap_or(file))
}

/// The proposal to reward the entries proposed for one form of reward in
/// a reward round (`form_id`, or the first form proposed), for readers of
/// the round.
pub async fn reward_proposal(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    form_id: Option<i64>,
) -> Result<DocFile, ServiceError> {
    use dvk_docs::kinds::proposal::{Asks, Proposal};
    let (round, candidates, _) = crate::rewards::view_reward_round(db, actor, round_id).await?;
    let form = form_id.or_else(|| candidates.iter().find_map(|c| c.proposed_form));
    let forms = db.reward_forms().await?;
    let form = forms
        .iter()
        .find(|f| Some(f.id) == form)
        .ok_or(ServiceError::NotFound("đề nghị khen thưởng"))?;
    let cat = db.catalogue().await?;
    let lines: Vec<Listed> = candidates
        .iter()
        .filter(|c| c.proposed_form == Some(form.id))
        .map(|c| super::listed(&cat, &c.title, &c.unit_name, c.field_id, c.kind, c.subject))
        .collect();
    if lines.is_empty() {
        return Err(ServiceError::NotFound("đề nghị khen thưởng"));
    }
    let to = match db.issuer(round.unit_id).await? {
        Some(i) => {
            let name = db
                .unit(i.issuer.territory.id())
                .await?
                .map(|u| u.name)
                .unwrap_or_default();
            format!("Ủy ban nhân dân {}", dvk_domain::issuer::in_sentence(&name))
        }
        None => "cấp có thẩm quyền".to_owned(),
    };
    let doc = Proposal {
        issuing: super::unit_issuing(db, round.unit_id, &round.unit_name).await?,
        number: None,
        date: None,
        signing: Signing::default(),
        to,
        asks: Asks::Reward {
            award: form.name.clone(),
            year: round.year,
        },
        notice: None,
        lines,
    };
    DocFile::make(
        format!(
            "Tờ trình đề nghị khen thưởng - {} - {}",
            file_part(&form.name),
            file_part(&round.title)
        ),
        &doc.document(),
    )
}
