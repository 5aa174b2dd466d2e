//! A round's documents: the council's minutes, score sheets, the public
//! notice and the proposal to the level above. Each reads the round
//! through `view_round`, so a reader gets only what the round page shows
//! them: minutes and proposals to those with full sight, a member's sheet
//! to that member (and to those with full sight), the notice to anyone
//! once it is public.

use super::{file_part, level_words, listed, unit_issuing, DocFile};
use crate::appraisal::{Outcome, RoundData};
use crate::db::{q, Db};
use crate::error::ServiceError;
use crate::round_view::view_round;
use dvk_docs::kinds::common::{Listed, Signing};
use dvk_docs::kinds::fields::TemplateKind;
use dvk_docs::kinds::minutes::{Minutes, MinutesLine};
use dvk_docs::kinds::notice::Notice;
use dvk_docs::kinds::proposal::{Asks, Proposal};
use dvk_docs::kinds::score_sheet::{ScoreSheet, SheetCriterion, SheetEntry};
use dvk_domain::appraisal::{CouncilRole, RoundState, ScoringMode};
use dvk_domain::auth::Actor;
use dvk_domain::round_rules::RoundSight;
use sqlx::Row;
use std::collections::HashMap;

fn concluded(state: RoundState) -> bool {
    matches!(
        state,
        RoundState::Concluded | RoundState::Notice | RoundState::Decided
    )
}

fn role_label(r: CouncilRole) -> &'static str {
    match r {
        CouncilRole::Chair => "Chủ tịch Hội đồng",
        CouncilRole::Secretary => "Thư ký Hội đồng",
        CouncilRole::Member => "Thành viên",
    }
}

fn entry_listed(
    db_cat: &crate::reference::Catalogue,
    e: &crate::appraisal::ProposedEntry,
) -> Listed {
    listed(
        db_cat,
        &e.title,
        &e.unit_name,
        e.field_id,
        e.kind,
        e.subject,
    )
}

fn need_full(sight: RoundSight, what: &'static str) -> Result<(), ServiceError> {
    if sight == RoundSight::Full {
        Ok(())
    } else {
        Err(ServiceError::Denied(dvk_domain::auth::Denied::NoRole(what)))
    }
}

/// The council's minutes, once it has concluded: for those with full sight.
pub async fn minutes(db: &Db, actor: &Actor, round_id: i64) -> Result<DocFile, ServiceError> {
    let view = view_round(db, actor, round_id).await?;
    need_full(view.sight, "tải biên bản họp Hội đồng")?;
    let round = &view.data.round;
    if !concluded(round.state) {
        return Err(ServiceError::Conflict(
            "Hội đồng chưa kết luận: chưa có biên bản.".into(),
        ));
    }
    let cat = db.catalogue().await?;
    let data = &view.data;
    let lines = view
        .lines
        .iter()
        .map(|l| {
            let stored = data.results.get(&l.entry.entry_id);
            let (count, median) = match &l.outcome {
                Some(Outcome::Score(a)) => (a.count, a.median_pct),
                Some(Outcome::Ballot(t)) => (t.approve + t.reject, None),
                None => (l.scored_count, None),
            };
            MinutesLine {
                listed: entry_listed(&cat, &l.entry),
                count,
                mean_pct: stored.and_then(|s| s.mean_pct).or(l.concluded_pct),
                median_pct: median,
                passed: stored.map(|s| s.passed).unwrap_or(false),
                reasons: stored.map(|s| s.reasons.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let name_of = |role: CouncilRole| {
        data.members
            .iter()
            .find(|m| m.role == role)
            .map(|m| m.full_name.clone())
            .unwrap_or_default()
    };
    let present: Vec<(String, String)> = data
        .members
        .iter()
        .map(|m| (m.full_name.clone(), role_label(m.role).to_owned()))
        .collect();
    let mut notes = Vec::new();
    for n in [
        &round.minutes_missing,
        &round.minutes_former,
        &round.quorum_override,
    ] {
        if !n.trim().is_empty() {
            notes.push(n.trim().to_owned());
        }
    }
    let doc = Minutes {
        issuing: unit_issuing(db, round.unit_id, &round.unit_name).await?,
        number: None,
        date: round.minutes_date.clone(),
        place: round.minutes_place.clone(),
        level_name: level_words(&cat, &round.level_code),
        year: round.year,
        ballot: round.mode == ScoringMode::Ballot,
        present,
        notes,
        lines,
        chair: name_of(CouncilRole::Chair),
        secretary: name_of(CouncilRole::Secretary),
    };
    DocFile::make(
        format!("Biên bản họp Hội đồng - {}", file_part(&round.title)),
        &doc.document(),
    )
}

/// Which score sheet: a member's (their own, or anyone's for full sight),
/// for one entry or all assigned; or a blank one to fill by hand.
#[derive(Debug, Clone, Copy, Default)]
pub struct SheetRequest {
    pub member: Option<i64>,
    pub entry: Option<i64>,
    pub blank: bool,
}

/// A member's score sheet (or ballot), filled or blank.
pub async fn score_sheet(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    req: SheetRequest,
) -> Result<DocFile, ServiceError> {
    let view = view_round(db, actor, round_id).await?;
    if !matches!(view.sight, RoundSight::Full | RoundSight::Member) {
        return Err(ServiceError::Denied(dvk_domain::auth::Denied::NoRole(
            "tải phiếu chấm của Hội đồng",
        )));
    }
    let data: &RoundData = &view.data;
    // A member gets only their own sheet; full sight may ask for anyone's.
    let member_id = match (req.blank, req.member) {
        (true, _) => None,
        (false, Some(m)) if m != actor.user_id => {
            need_full(view.sight, "xem phiếu chấm của thành viên khác")?;
            Some(m)
        }
        (false, _) => Some(actor.user_id),
    };
    let member = match member_id {
        Some(id) => Some(
            data.member(id)
                .ok_or(ServiceError::NotFound("thành viên Hội đồng"))?,
        ),
        None => None,
    };
    let cat = db.catalogue().await?;
    let entries: Vec<&crate::appraisal::ProposedEntry> = data
        .entries
        .iter()
        .filter(|e| req.entry.is_none_or(|id| e.entry_id == id))
        .filter(|e| match member {
            Some(m) => data
                .assignments
                .get(&e.entry_id)
                .is_some_and(|a| a.contains(&m.user_id)),
            None => true,
        })
        .collect();
    if entries.is_empty() {
        return Err(ServiceError::NotFound("hồ sơ được phân công"));
    }
    let comments: HashMap<i64, String> = match member {
        Some(m) => {
            let sql = if data.round.mode == ScoringMode::Ballot {
                "SELECT entry_id, comment FROM ballots WHERE round_id = $1 AND user_id = $2 AND comment <> ''"
            } else {
                "SELECT entry_id, comment FROM scores WHERE round_id = $1 AND user_id = $2 AND comment <> '' ORDER BY criterion_id"
            };
            let mut out: HashMap<i64, String> = HashMap::new();
            for r in q(sql)
                .bind(round_id)
                .bind(m.user_id)
                .fetch_all(&db.read)
                .await?
            {
                let text: String = r.try_get(1)?;
                let slot = out.entry(r.try_get(0)?).or_default();
                if !slot.is_empty() {
                    slot.push(' ');
                }
                slot.push_str(text.trim());
            }
            out
        }
        None => HashMap::new(),
    };
    let sheets = entries
        .iter()
        .map(|e| {
            let set = data.set_for(e.subject);
            let points: HashMap<i64, f64> = member
                .and_then(|m| data.scores.get(&(e.entry_id, m.user_id)))
                .map(|v| v.iter().copied().collect())
                .unwrap_or_default();
            SheetEntry {
                listed: entry_listed(&cat, e),
                criteria: set
                    .criteria
                    .iter()
                    .map(|c| SheetCriterion {
                        name: c.name.clone(),
                        max_points: c.max_points,
                        points: points.get(&c.id).copied(),
                    })
                    .collect(),
                approve: member.and_then(|m| data.ballots.get(&(e.entry_id, m.user_id)).copied()),
                comment: comments.get(&e.entry_id).cloned().unwrap_or_default(),
            }
        })
        .collect();
    let round = &data.round;
    let doc = ScoreSheet {
        issuing: unit_issuing(db, round.unit_id, &round.unit_name).await?,
        date: None,
        level_name: level_words(&cat, &round.level_code),
        year: round.year,
        ballot: round.mode == ScoringMode::Ballot,
        member: member.map(|m| m.full_name.clone()).unwrap_or_default(),
        entries: sheets,
    };
    let who = member
        .map(|m| m.full_name.clone())
        .unwrap_or_else(|| "mẫu trống".to_owned());
    DocFile::make(
        format!(
            "Phiếu chấm - {} - {}",
            file_part(&round.title),
            file_part(&who)
        ),
        &doc.document(),
    )
}

/// The public notice, as the public reads it, once it is published: the
/// province's own form when one is in force for the organiser.
pub async fn notice(db: &Db, round_id: i64, public_url: &str) -> Result<DocFile, ServiceError> {
    let (doc, round) = notice_parts(db, round_id, public_url).await?;
    super::templates::render(
        db,
        TemplateKind::Notice,
        &round.unit_path,
        format!("Thông báo công khai - {}", file_part(&round.title)),
        &doc.document(),
        doc.template_data(),
    )
    .await
}

/// What the notice says (public data: no guard needed).
pub(crate) async fn notice_data(
    db: &Db,
    round_id: i64,
    public_url: &str,
) -> Result<Notice, ServiceError> {
    Ok(notice_parts(db, round_id, public_url).await?.0)
}

async fn notice_parts(
    db: &Db,
    round_id: i64,
    public_url: &str,
) -> Result<(Notice, crate::appraisal::Round), ServiceError> {
    let n = crate::appraisal::public_notice(db, round_id).await?;
    let cat = db.catalogue().await?;
    let round = &n.round;
    let published = round
        .notice_published_at
        .map(|t| dvk_domain::calendar::iso(dvk_domain::calendar::vn_day(t)));
    let doc = Notice {
        issuing: unit_issuing(db, round.unit_id, &round.unit_name).await?,
        number: None,
        date: published.or_else(|| round.notice_starts.clone()),
        signing: Signing::default(),
        level_name: level_words(&cat, &round.level_code),
        year: round.year,
        council_date: round.minutes_date.clone(),
        starts: round.notice_starts.clone(),
        ends: round.notice_ends.clone(),
        comment_url: public_url.to_owned(),
        lines: n.entries.iter().map(|e| entry_listed(&cat, e)).collect(),
    };
    Ok((doc, n.round))
}

/// The proposal to the level above to recognise what the council passed:
/// for those with full sight, once the council has concluded.
pub async fn proposal(db: &Db, actor: &Actor, round_id: i64) -> Result<DocFile, ServiceError> {
    let (doc, round) = proposal_parts(db, actor, round_id).await?;
    super::templates::render(
        db,
        TemplateKind::Proposal,
        &round.unit_path,
        format!("Tờ trình đề nghị công nhận - {}", file_part(&round.title)),
        &doc.document(),
        doc.template_data(),
    )
    .await
}

pub(crate) async fn proposal_data(
    db: &Db,
    actor: &Actor,
    round_id: i64,
) -> Result<Proposal, ServiceError> {
    Ok(proposal_parts(db, actor, round_id).await?.0)
}

async fn proposal_parts(
    db: &Db,
    actor: &Actor,
    round_id: i64,
) -> Result<(Proposal, crate::appraisal::Round), ServiceError> {
    let view = view_round(db, actor, round_id).await?;
    need_full(view.sight, "tải tờ trình")?;
    let round = &view.data.round;
    if !concluded(round.state) {
        return Err(ServiceError::Conflict(
            "Hội đồng chưa kết luận: chưa có danh sách đề nghị.".into(),
        ));
    }
    let cat = db.catalogue().await?;
    let lines: Vec<Listed> = view
        .lines
        .iter()
        .filter(|l| {
            view.data
                .results
                .get(&l.entry.entry_id)
                .is_some_and(|r| r.passed)
        })
        .map(|l| entry_listed(&cat, &l.entry))
        .collect();
    let notice = match (&round.notice_starts, &round.notice_ends) {
        (Some(s), Some(e)) if round.notice_published_at.is_some() => {
            let comments = db.comments(round_id, true).await?.len();
            Some((s.clone(), e.clone(), comments))
        }
        _ => None,
    };
    // The proposal goes to the People's Committee of the round's territory.
    let to = match db.issuer(round.unit_id).await? {
        Some(i) => format!(
            "Ủy ban nhân dân {}",
            dvk_domain::issuer::in_sentence(&territory_name(db, &i.issuer.territory).await?)
        ),
        None => "cấp có thẩm quyền".to_owned(),
    };
    let doc = Proposal {
        issuing: unit_issuing(db, round.unit_id, &round.unit_name).await?,
        number: None,
        date: None,
        signing: Signing::default(),
        to,
        asks: Asks::Recognition {
            level_name: level_words(&cat, &round.level_code),
            year: round.year,
        },
        notice,
        lines,
    };
    Ok((doc, view.data.round))
}

async fn territory_name(
    db: &Db,
    path: &dvk_domain::unit::UnitPath,
) -> Result<String, ServiceError> {
    Ok(db
        .unit(path.id())
        .await?
        .map(|u| u.name)
        .unwrap_or_default())
}
