//! Rewards (DOMAIN.md §5 step 8, §7) and revocation (step 10): the
//! catalogue of forms, reward rounds with their funnel, proposals under
//! "one achievement, one form of reward", numbered reward decisions, and
//! revoking a recognition or a reward with its reason and decision.

use crate::audit::{append, AuditEvent};
use crate::db::{now, q, Db};
use crate::error::{ServiceError, StoreError};
use crate::issuers::{parse_head, HeadInput, IssueScope};
pub use crate::reward_forms::RewardForm;
use crate::service::view_entry;
use crate::transitions::{self, Mover, Moving};
use dvk_domain::appraisal::ROUND_KINDS;
use dvk_domain::auth::{self, Actor, Denied, Role};
use dvk_domain::entry::FieldError;
use dvk_domain::issuer::Letterhead;
use dvk_domain::state::{EntryState, Inputs, Transition};
use dvk_domain::unit::UnitPath;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct RewardRound {
    pub id: i64,
    pub unit_id: i64,
    pub unit_path: UnitPath,
    pub unit_name: String,
    pub level_code: String,
    pub kind: String,
    pub year: i32,
    pub phase: String,
    pub title: String,
}

fn round_from_row(r: &AnyRow) -> Result<RewardRound, sqlx::Error> {
    Ok(RewardRound {
        id: r.try_get("id")?,
        unit_id: r.try_get("unit_id")?,
        unit_path: UnitPath::parse(&r.try_get::<String, _>("unit_path")?)
            .ok_or_else(|| sqlx::Error::Decode("bad path".into()))?,
        unit_name: r.try_get("unit_name")?,
        level_code: r.try_get("level_code")?,
        kind: r.try_get("kind")?,
        year: r.try_get::<i64, _>("year")? as i32,
        phase: r.try_get("phase")?,
        title: r.try_get("title")?,
    })
}

/// An entry in a reward round's view.
#[derive(Debug, Clone)]
pub struct FunnelEntry {
    pub entry_id: i64,
    pub title: String,
    pub kind: dvk_domain::entry::Kind,
    pub subject: dvk_domain::entry::Subject,
    pub field_id: i64,
    pub unit_name: String,
    pub state: EntryState,
    pub proposed_form: Option<i64>,
    pub rewarded_form: Option<i64>,
    pub unit_path: UnitPath,
    pub confirming_path: UnitPath,
}

impl FunnelEntry {
    fn moving(&self) -> Moving<'_> {
        Moving {
            id: self.entry_id,
            registering: &self.unit_path,
            confirming: &self.confirming_path,
            state: self.state,
            version: None,
        }
    }
}

/// What a reward's certificate prints, as signed.
#[derive(Debug, Clone)]
pub struct RewardCertificate {
    /// "Giấy khen của Chủ tịch Ủy ban nhân dân phường Tô Hiệu".
    pub title: String,
    pub number: String,
    /// ISO date.
    pub signed_on: String,
    pub issuing_body: String,
    pub letterhead: Letterhead,
    pub issuer_parent: String,
    pub place: String,
    pub signer: String,
    pub signer_title: String,
    /// The issuing unit, where the decision recorded one.
    pub issuer_unit_id: Option<i64>,
}

/// Counts at each step: recognised → outstanding → proposed → rewarded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Funnel {
    pub recognised: usize,
    pub outstanding: usize,
    pub proposed: usize,
    pub rewarded: usize,
}

impl Db {
    pub async fn reward_round(&self, id: i64) -> Result<Option<RewardRound>, StoreError> {
        let row = q("SELECT r.*, u.name AS unit_name FROM reward_rounds r JOIN units u ON u.id = r.unit_id WHERE r.id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(round_from_row).transpose()?)
    }

    /// A reward round's issued decisions: (id, number, signed on, title).
    async fn reward_decisions_of_round(
        &self,
        round_id: i64,
    ) -> Result<Vec<(i64, String, String, String)>, StoreError> {
        let rows = q("SELECT id, number, signed_on, title FROM reward_decisions WHERE round_id = $1 ORDER BY id")
            .bind(round_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    pub async fn reward_rounds(&self) -> Result<Vec<RewardRound>, StoreError> {
        let rows = q("SELECT r.*, u.name AS unit_name FROM reward_rounds r JOIN units u ON u.id = r.unit_id ORDER BY r.year DESC, r.id DESC")
            .fetch_all(&self.read)
            .await?;
        Ok(rows.iter().map(round_from_row).collect::<Result<_, _>>()?)
    }

    /// The round's candidates: entries in its scope and year (annual) or
    /// phase (sơ kết, tổng kết) that were recognised at its level or went
    /// further, with their proposals and rewards in this round. Two statements.
    pub async fn reward_funnel(
        &self,
        round: &RewardRound,
    ) -> Result<(Vec<FunnelEntry>, Funnel), StoreError> {
        let period = if round.kind == "annual" {
            "e.year = $3"
        } else {
            "e.phase = $4"
        };
        let sql = format!(
            "SELECT e.id, e.title, e.kind, e.subject, e.field_id, e.state, e.unit_path, e.confirming_path, u.name AS unit_name, p.form_id AS proposed_form, w.form_id AS rewarded_form \
             FROM entries e JOIN units u ON u.id = e.unit_id \
             LEFT JOIN reward_proposals p ON p.entry_id = e.id AND p.round_id = $5 \
             LEFT JOIN rewards w ON w.entry_id = e.id AND w.round_id = $5 AND w.revoked = 0 \
             WHERE e.unit_path >= $1 AND e.unit_path < $2 AND {period} AND e.target_level = $6 \
             AND e.state IN ('recognised', 'outstanding', 'rewarded') ORDER BY e.id"
        );
        let rows = q(&sql)
            .bind(round.unit_path.as_str())
            .bind(round.unit_path.subtree_upper_bound())
            .bind(round.year as i64)
            .bind(&round.phase)
            .bind(round.id)
            .bind(&round.level_code)
            .fetch_all(&self.pool)
            .await?;
        let mut entries = Vec::new();
        let mut f = Funnel::default();
        for r in &rows {
            let state = EntryState::parse(&r.try_get::<String, _>("state")?)
                .ok_or_else(|| StoreError::Data("state".into()))?;
            let e = FunnelEntry {
                entry_id: r.try_get("id")?,
                title: r.try_get("title")?,
                kind: dvk_domain::entry::Kind::parse(&r.try_get::<String, _>("kind")?)
                    .ok_or_else(|| StoreError::Data("kind".into()))?,
                subject: dvk_domain::entry::Subject::parse(&r.try_get::<String, _>("subject")?)
                    .ok_or_else(|| StoreError::Data("subject".into()))?,
                field_id: r.try_get("field_id")?,
                unit_name: r.try_get("unit_name")?,
                state,
                proposed_form: r.try_get("proposed_form")?,
                rewarded_form: r.try_get("rewarded_form")?,
                unit_path: UnitPath::parse(&r.try_get::<String, _>("unit_path")?)
                    .ok_or_else(|| StoreError::Data("path".into()))?,
                confirming_path: UnitPath::parse(&r.try_get::<String, _>("confirming_path")?)
                    .ok_or_else(|| StoreError::Data("path".into()))?,
            };
            f.recognised += 1;
            if matches!(state, EntryState::Outstanding | EntryState::Rewarded) {
                f.outstanding += 1;
            }
            if e.proposed_form.is_some() {
                f.proposed += 1;
            }
            if e.rewarded_form.is_some() {
                f.rewarded += 1;
            }
            entries.push(e);
        }
        Ok((entries, f))
    }

    /// One reward of an entry for its certificate (not a revoked one).
    pub async fn reward_certificate(
        &self,
        entry_id: i64,
        reward_id: i64,
    ) -> Result<Option<RewardCertificate>, StoreError> {
        let row = q("SELECT f.name, d.title, d.number, d.signed_on, d.issuing_body, d.issuer_type, d.issuer_parent, d.place, d.signer, d.signer_title, d.issuer_unit_id FROM rewards w \
                     JOIN reward_forms f ON f.id = w.form_id JOIN reward_decisions d ON d.id = w.decision_id \
                     WHERE w.id = $1 AND w.entry_id = $2 AND w.revoked = 0")
            .bind(reward_id)
            .bind(entry_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| -> Result<_, sqlx::Error> {
                let title: String = r.try_get("title")?;
                Ok(RewardCertificate {
                    title: if title.is_empty() {
                        r.try_get("name")?
                    } else {
                        title
                    },
                    number: r.try_get("number")?,
                    signed_on: r.try_get("signed_on")?,
                    issuing_body: r.try_get("issuing_body")?,
                    letterhead: crate::certificates::letterhead_of(
                        &r.try_get::<String, _>("issuer_type")?,
                    ),
                    issuer_parent: r.try_get("issuer_parent")?,
                    place: r.try_get("place")?,
                    signer: r.try_get("signer")?,
                    signer_title: r.try_get("signer_title")?,
                    issuer_unit_id: r.try_get("issuer_unit_id")?,
                })
            })
            .transpose()?)
    }
}

fn denied(what: &'static str) -> ServiceError {
    ServiceError::Denied(Denied::NoRole(what))
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RewardRoundForm {
    pub unit_id: String,
    pub title: String,
    pub level: String,
    pub kind: String,
    pub year: String,
    pub phase: String,
}

/// Who may look at a reward round: those who run it (movement officers,
/// signing leaders and admins of the organising unit or above).
pub fn may_view_reward_round(round: &RewardRound, actor: &Actor) -> bool {
    actor.holds_any(
        &[Role::MovementOfficer, Role::SigningLeader, Role::Admin],
        &round.unit_path,
    )
}

pub async fn create_reward_round(
    db: &Db,
    actor: &Actor,
    f: &RewardRoundForm,
) -> Result<i64, ServiceError> {
    let cat = db.catalogue().await?;
    let unit = match f.unit_id.trim().parse::<i64>() {
        Ok(id) => db.unit(id).await?,
        Err(_) => None,
    }
    .ok_or_else(|| ServiceError::invalid("unit_id", "Chọn đơn vị tổ chức."))?;
    if !actor.holds(Role::MovementOfficer, &unit.path) {
        return Err(denied("mở đợt khen thưởng tại đơn vị này"));
    }
    let mut errors = Vec::new();
    let title = f.title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        errors.push(FieldError::new("title", "Cần nhập tên đợt khen thưởng."));
    }
    let level = cat
        .active_levels()
        .into_iter()
        .find(|l| l.code == f.level.trim())
        .map(|l| l.code.clone());
    if level.is_none() {
        errors.push(FieldError::new("level", "Chọn cấp khen thưởng."));
    }
    if !ROUND_KINDS.iter().any(|(c, _)| *c == f.kind.trim()) {
        errors.push(FieldError::new(
            "kind",
            "Chọn loại: hằng năm, sơ kết hoặc tổng kết.",
        ));
    }
    let phase = cat
        .phases
        .iter()
        .find(|p| p.code == f.phase.trim())
        .cloned();
    let year = f.year.trim().parse::<i32>().ok().filter(|y| {
        phase
            .as_ref()
            .is_some_and(|p| (p.first_year..=p.last_year).contains(y))
    });
    if phase.is_none() || year.is_none() {
        errors.push(FieldError::new(
            "year",
            "Chọn giai đoạn và một năm thuộc giai đoạn đó.",
        ));
    }
    let (Some(level), Some(phase), Some(year)) = (level, phase, year) else {
        return Err(ServiceError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let mut tx = db.pool.begin().await?;
    let id: i64 = q("INSERT INTO reward_rounds (unit_id, unit_path, level_code, kind, year, phase, title, created_by, created_at) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id")
        .bind(unit.id)
        .bind(unit.path.as_str())
        .bind(&level)
        .bind(f.kind.trim())
        .bind(year as i64)
        .bind(&phase.code)
        .bind(title)
        .bind(actor.user_id)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "reward_round.create",
            record_type: "reward_round",
            record_id: id,
            changes: json!({"title": [null, title], "kind": [null, f.kind.trim()], "year": [null, year]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The secretariat selects a recognised entry as outstanding.
pub async fn mark_outstanding(db: &Db, actor: &Actor, entry_id: i64) -> Result<(), ServiceError> {
    let e = view_entry(db, actor, entry_id).await?;
    let scope = e.scope();
    auth::check_transition(actor, Transition::MarkOutstanding, &scope)?;
    let mut tx = db.pool.begin().await?;
    transitions::apply(
        &mut tx,
        Mover::person(actor),
        Transition::MarkOutstanding,
        &Moving::from(&e),
        Inputs::default(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Proposes one form of reward for an outstanding entry in a reward round.
/// One achievement gets one form of reward: a second proposal in the same
/// round is refused with the reason.
pub async fn propose_reward(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    entry_id: i64,
    form_id: i64,
) -> Result<(), ServiceError> {
    let round = db
        .reward_round(round_id)
        .await?
        .ok_or(ServiceError::NotFound("đợt khen thưởng"))?;
    if !actor.holds(Role::MovementOfficer, &round.unit_path) {
        return Err(denied("đề nghị khen thưởng trong đợt này"));
    }
    let e = view_entry(db, actor, entry_id).await?;
    let (candidates, _) = db.reward_funnel(&round).await?;
    let Some(c) = candidates.iter().find(|c| c.entry_id == entry_id) else {
        return Err(ServiceError::invalid(
            "entry_id",
            "Hồ sơ không thuộc phạm vi, cấp hoặc năm của đợt khen thưởng.",
        ));
    };
    if e.state != EntryState::Outstanding {
        return Err(ServiceError::invalid(
            "entry_id",
            "Chỉ đề nghị khen thưởng mô hình, điển hình đã được chọn tiêu biểu.",
        ));
    }
    let forms = db.reward_forms().await?;
    let form = forms
        .iter()
        .find(|f| f.id == form_id && f.level_code == round.level_code);
    let Some(form) = form else {
        return Err(ServiceError::invalid(
            "form_id",
            "Chọn một hình thức khen thưởng của cấp này trong danh mục.",
        ));
    };
    if let Some(existing) = c.proposed_form {
        let name = forms
            .iter()
            .find(|f| f.id == existing)
            .map(|f| f.name.clone())
            .unwrap_or_default();
        return Err(ServiceError::Conflict(format!(
            "Hồ sơ #{entry_id} đã được đề nghị “{name}” trong đợt này. Mỗi thành tích chỉ được đề nghị một hình thức khen thưởng."
        )));
    }
    let mut tx = db.pool.begin().await?;
    let inserted = q("INSERT INTO reward_proposals (round_id, entry_id, form_id, proposed_by, proposed_at) VALUES ($1, $2, $3, $4, $5) \
                      ON CONFLICT (round_id, entry_id) DO NOTHING")
        .bind(round_id)
        .bind(entry_id)
        .bind(form.id)
        .bind(actor.user_id)
        .bind(now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if inserted == 0 {
        return Err(ServiceError::Conflict(
            "Hồ sơ vừa được đề nghị một hình thức khen thưởng khác trong đợt này.".into(),
        ));
    }
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "reward.propose",
            record_type: "entry",
            record_id: entry_id,
            changes: json!({"reward_round": [null, round_id], "form": [null, form.name]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RewardDecisionForm {
    pub form_id: String,
    pub number: String,
    pub signed_on: String,
    pub signer: String,
    pub signer_title: String,
    /// The issuing unit, picked from the tree.
    pub issuer_unit_id: String,
}

/// A reward round's issued decisions, for readers of the round: (id,
/// number, signed on, title).
pub async fn issued_reward_decisions(
    db: &Db,
    actor: &Actor,
    round_id: i64,
) -> Result<Vec<(i64, String, String, String)>, ServiceError> {
    let round = db
        .reward_round(round_id)
        .await?
        .ok_or(ServiceError::NotFound("đợt khen thưởng"))?;
    if !may_view_reward_round(&round, actor) {
        return Err(ServiceError::NotFound("đợt khen thưởng"));
    }
    Ok(db.reward_decisions_of_round(round_id).await?)
}

/// The reward rounds `actor` may look at, newest first.
pub async fn reward_rounds_for(db: &Db, actor: &Actor) -> Result<Vec<RewardRound>, ServiceError> {
    Ok(db
        .reward_rounds()
        .await?
        .into_iter()
        .filter(|r| may_view_reward_round(r, actor))
        .collect())
}

/// A reward round with its candidates and funnel, if `actor` may look at it.
pub async fn view_reward_round(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> Result<(RewardRound, Vec<FunnelEntry>, Funnel), ServiceError> {
    let round = db
        .reward_round(id)
        .await?
        .filter(|r| may_view_reward_round(r, actor))
        .ok_or(ServiceError::NotFound("đợt khen thưởng"))?;
    let (candidates, funnel) = db.reward_funnel(&round).await?;
    Ok((round, candidates, funnel))
}

/// The bodies `actor` may sign a reward decision of `form_id` for in
/// this round.
pub async fn reward_issuers(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    form_id: i64,
) -> Result<Vec<crate::issuers::IssuingUnit>, ServiceError> {
    let round = db
        .reward_round(round_id)
        .await?
        .filter(|r| may_view_reward_round(r, actor))
        .ok_or(ServiceError::NotFound("đợt khen thưởng"))?;
    if !actor.holds(Role::SigningLeader, &round.unit_path) {
        return Err(denied("ký quyết định khen thưởng"));
    }
    let form = db
        .reward_forms()
        .await?
        .into_iter()
        .find(|f| f.id == form_id && f.level_code == round.level_code)
        .ok_or_else(|| {
            ServiceError::invalid(
                "form_id",
                "Chọn một hình thức khen thưởng của cấp này trong danh mục.",
            )
        })?;
    let (candidates, _) = db.reward_funnel(&round).await?;
    let units: Vec<&UnitPath> = candidates
        .iter()
        .filter(|c| c.proposed_form == Some(form.id) && c.rewarded_form.is_none())
        .map(|c| &c.unit_path)
        .collect();
    crate::issuers::issuers_for_signer(
        db,
        actor,
        &units,
        &form.level_code,
        form.issuer(),
        form.issuer_kind.as_deref(),
    )
    .await
}

/// A signing leader issues the reward decision for entries proposed for
/// one form in the round; they become "rewarded".
pub async fn decide_reward(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    f: &RewardDecisionForm,
    entry_ids: &[i64],
) -> Result<i64, ServiceError> {
    let mut ids = entry_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let entry_ids = ids.as_slice();
    let round = db
        .reward_round(round_id)
        .await?
        .ok_or(ServiceError::NotFound("đợt khen thưởng"))?;
    if !actor.holds(Role::SigningLeader, &round.unit_path) {
        return Err(denied("ký quyết định khen thưởng"));
    }
    let forms = db.reward_forms().await?;
    let form = f
        .form_id
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| forms.into_iter().find(|x| x.id == id));
    let mut errors = Vec::new();
    let Some(form) = form else {
        return Err(ServiceError::invalid(
            "form_id",
            "Chọn hình thức khen thưởng.",
        ));
    };
    if form.level_code != round.level_code {
        return Err(ServiceError::invalid(
            "form_id",
            "Hình thức khen thưởng này thuộc cấp khác với đợt khen thưởng.",
        ));
    }
    let (candidates, _) = db.reward_funnel(&round).await?;
    for id in entry_ids {
        match candidates.iter().find(|c| c.entry_id == *id) {
            Some(c) if c.rewarded_form.is_some() => {
                return Err(ServiceError::Conflict(format!(
                    "Hồ sơ #{id} đã được khen thưởng trong đợt này. Mỗi thành tích chỉ nhận một hình thức khen thưởng."
                )))
            }
            Some(c) if c.proposed_form == Some(form.id) && c.state == EntryState::Outstanding => {}
            _ => errors.push(FieldError::new("entries", format!("Hồ sơ #{id} chưa được đề nghị hình thức “{}” trong đợt này.", form.name))),
        }
    }
    if entry_ids.is_empty() {
        errors.push(FieldError::new("entries", "Chọn hồ sơ được khen thưởng."));
    }
    let covered: Vec<(i64, &UnitPath)> = candidates
        .iter()
        .filter(|c| entry_ids.contains(&c.entry_id))
        .map(|c| (c.entry_id, &c.unit_path))
        .collect();
    let cat = db.catalogue().await?;
    let head = parse_head(
        db,
        actor,
        HeadInput {
            number: &f.number,
            signed_on: &f.signed_on,
            signer: &f.signer,
            signer_title: &f.signer_title,
            issuer_unit_id: &f.issuer_unit_id,
        },
        IssueScope {
            level: (&form.level_code, cat.level_name(&form.level_code)),
            kind: form.issuer(),
            entries: &covered,
            not_before: None,
            not_after: &crate::appraisal::today(),
        },
        &mut errors,
    )
    .await?;
    let head = match head {
        Some(h) if errors.is_empty() => h,
        _ => return Err(ServiceError::Invalid(errors)),
    };
    if let Some(kind) = form.issuer_kind.as_deref() {
        if head.issuer.unit_kind != kind {
            return Err(ServiceError::invalid(
                "issuer_unit_id",
                format!(
                    "“{}” chỉ do {} ban hành.",
                    form.name,
                    dvk_domain::unit::unit_kind_name(kind)
                ),
            ));
        }
    }
    let number = head.number.as_str();
    let issuer = &head.issuer.issuer;
    let title = dvk_domain::issuer::award_title(&form.title_pattern, &issuer.body);
    let bases = crate::documents::bases(db, &issuer.body).await?;
    let mut tx = db.pool.begin().await?;
    crate::audit::lock_for_write(&mut tx).await?;
    let dup = q("SELECT id FROM reward_decisions WHERE (issuer_unit_id = $1 OR issuing_body = $2) AND number = $3")
        .bind(head.issuer.unit_id)
        .bind(&issuer.body)
        .bind(number)
        .fetch_optional(&mut *tx)
        .await?;
    if dup.is_some() {
        return Err(ServiceError::invalid(
            "number",
            "Cơ quan này đã có quyết định mang số này.",
        ));
    }
    let id: i64 = q("INSERT INTO reward_decisions (round_id, form_id, number, signed_on, signer, signer_title, issuing_body, issuer_type, year, created_by, created_at, issuer_unit_id, issuer_parent, place, title) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) RETURNING id")
        .bind(round_id)
        .bind(form.id)
        .bind(number)
        .bind(&head.signed_on)
        .bind(&head.signer)
        .bind(&head.signer_title)
        .bind(&issuer.body)
        .bind(issuer.kind.code())
        .bind(round.year as i64)
        .bind(actor.user_id)
        .bind(now())
        .bind(head.issuer.unit_id)
        .bind(&issuer.parent)
        .bind(&issuer.place)
        .bind(&title)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    let decision_ref = format!("Quyết định số {number}");
    // The decision's file, generated and kept as it is issued: the file
    // signed is the file kept, its SHA-256 in the trail.
    let amount = form.amount.unwrap_or(0).max(0) as u64;
    let lines = entry_ids
        .iter()
        .filter_map(|e| candidates.iter().find(|c| c.entry_id == *e))
        .map(|c| (c.title.clone(), c.unit_name.clone(), amount))
        .collect();
    let document = crate::documents::reward_document(
        dvk_docs::kinds::common::Issuing {
            letterhead: issuer.kind.letterhead(),
            parent: issuer.parent.clone(),
            body: issuer.body.clone(),
            place: issuer.place.clone(),
        },
        number,
        &head.signed_on,
        dvk_docs::kinds::common::Signing {
            signer: head.signer.clone(),
            title: head.signer_title.clone(),
        },
        &title,
        round.year,
        &round.unit_name,
        bases,
        lines,
    );
    let file = crate::documents::DocFile::make(
        crate::documents::reward_file_name(number),
        &document.document(),
    )?;
    crate::documents::store_issued(
        &mut tx,
        actor.user_id,
        ("reward_decision", id),
        ("reward_round", round_id),
        "decision.reward",
        number,
        &file,
    )
    .await?;
    for e in entry_ids {
        // Checked above: every id is a candidate proposed for this form.
        let Some(c) = candidates.iter().find(|c| c.entry_id == *e) else {
            continue;
        };
        // The move first: a concurrent decision that got there before is
        // refused as a conflict, not as a duplicate row.
        transitions::apply(
            &mut tx,
            Mover::person(actor),
            Transition::Reward,
            &c.moving(),
            Inputs {
                reason: &format!("{title} – {decision_ref}"),
                decision: Some(&decision_ref),
            },
        )
        .await?;
        q("INSERT INTO rewards (decision_id, round_id, entry_id, form_id) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(round_id)
            .bind(*e)
            .bind(form.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Revokes a recognition or a reward obtained with false records: reason
/// and the revoking decision are required; the history keeps everything.
pub async fn revoke(
    db: &Db,
    actor: &Actor,
    entry_id: i64,
    reason: &str,
    decision_ref: &str,
) -> Result<(), ServiceError> {
    let e = view_entry(db, actor, entry_id).await?;
    let scope = e.scope();
    auth::check_transition(actor, Transition::Revoke, &scope)?;
    let reason = reason.trim();
    let decision_ref = decision_ref.trim();
    let mut errors = Vec::new();
    if reason.is_empty() || reason.chars().count() > 2000 {
        errors.push(FieldError::new("reason", "Cần nêu lý do thu hồi."));
    }
    if decision_ref.is_empty() || decision_ref.chars().count() > 200 {
        errors.push(FieldError::new(
            "decision_ref",
            "Cần ghi số, ngày quyết định thu hồi.",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let kind = if e.state == EntryState::Rewarded {
        "reward"
    } else {
        "recognition"
    };
    let mut tx = db.pool.begin().await?;
    transitions::apply(
        &mut tx,
        Mover::person(actor),
        Transition::Revoke,
        &Moving::from(&e),
        Inputs {
            reason: &format!("{reason} ({decision_ref})"),
            decision: Some(decision_ref),
        },
    )
    .await?;
    q("INSERT INTO revocations (entry_id, kind, reason, decision_ref, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(entry_id)
        .bind(kind)
        .bind(reason)
        .bind(decision_ref)
        .bind(actor.user_id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    q("UPDATE rewards SET revoked = 1 WHERE entry_id = $1")
        .bind(entry_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
