//! A council member's own sheet for one entry — the criteria, the unit's
//! self-assessment, their points or ballot — read behind the one check that
//! they may score it (seated, assigned, no conflict of interest).

use crate::appraisal::{may_score, ProposedEntry, RoundData};
use crate::db::Db;
use crate::error::ServiceError;
use dvk_domain::auth::Actor;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct MySheet {
    pub data: RoundData,
    pub entry: ProposedEntry,
    /// criterion id → (points, comment) of this member.
    pub points: HashMap<i64, (f64, String)>,
    /// (criterion id, points, comment) of the registering unit.
    pub self_assessment: Vec<(i64, f64, String)>,
    /// (approve, comment) of this member, in a ballot round.
    pub ballot: Option<(bool, String)>,
}

pub async fn my_sheet(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    entry_id: i64,
) -> Result<MySheet, ServiceError> {
    let data = db
        .round_for(round_id, entry_id, actor.user_id)
        .await?
        .ok_or(ServiceError::NotFound("đợt xét"))?;
    may_score(&data, actor, entry_id)?;
    let entry = data
        .entries
        .iter()
        .find(|e| e.entry_id == entry_id)
        .cloned()
        .ok_or(ServiceError::NotFound("hồ sơ trong đợt xét"))?;
    let points = db.member_sheet(round_id, entry_id, actor.user_id).await?;
    let self_assessment = db.self_assessment(round_id, entry_id).await?;
    let ballot = db.member_ballot(round_id, entry_id, actor.user_id).await?;
    Ok(MySheet {
        data,
        entry,
        points,
        self_assessment,
        ballot,
    })
}
