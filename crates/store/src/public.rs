//! What the public may read, as types that carry nothing else: recognised
//! models (never an individual's personal items) and their listing over
//! published text only.

use crate::appraisal::Decision;
use crate::db::Db;
use crate::entries::EntryFilter;
use crate::error::ServiceError;
use dvk_domain::entry::{Kind, Subject, ITEMS};
use dvk_domain::state::EntryState;
use dvk_domain::unit::UnitPath;

/// A recognised model or exemplar as the public sees it.
#[derive(Debug, Clone)]
pub struct PublicModel {
    pub id: i64,
    pub title: String,
    pub kind: Kind,
    pub subject: Subject,
    pub unit_name: String,
    pub field_id: i64,
    pub target_level: String,
    pub year: i32,
    pub views: i64,
    /// The reason and decision when recognition was revoked.
    pub revoked: Option<String>,
    pub decision: Option<Decision>,
    /// (key, label, text) of what the model did and achieved.
    pub items: Vec<(&'static str, &'static str, String)>,
}

/// One line of the public list.
#[derive(Debug, Clone)]
pub struct PublicLine {
    pub id: i64,
    pub title: String,
    pub kind: Kind,
    pub subject: Subject,
    pub unit_name: String,
    pub field_id: i64,
    pub target_level: String,
    pub year: i32,
}

/// A recognised model, counted as viewed once a day by `visitor`;
/// unknown if it is not public.
pub async fn public_model(
    db: &Db,
    id: i64,
    visitor: Option<&str>,
) -> Result<PublicModel, ServiceError> {
    let (e, views) = db
        .public_entry(id, visitor)
        .await?
        .ok_or(ServiceError::NotFound("mô hình, điển hình"))?;
    let r = &e.registration;
    let revoked = (e.state == EntryState::Revoked).then(|| e.state_reason.clone());
    let decision = if revoked.is_some() {
        None
    } else {
        db.decision_of_entry(id).await?
    };
    Ok(PublicModel {
        id: e.id,
        title: r.title().to_owned(),
        kind: r.kind,
        subject: r.subject,
        unit_name: e.unit_name.clone(),
        field_id: r.field_id,
        target_level: r.target_level.clone(),
        year: r.year,
        views,
        revoked,
        decision,
        // Item 0 is the title; the personal items are not items at all.
        items: ITEMS
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, (k, l))| (*k, *l, r.items[i].clone()))
            .collect(),
    })
}

/// A page of recognised models matching `filter` over published text only,
/// across the whole tree, and the total.
pub async fn public_models(
    db: &Db,
    roots: Vec<UnitPath>,
    mut filter: EntryFilter,
) -> Result<(Vec<PublicLine>, crate::entries::PageInfo), ServiceError> {
    filter.visible = roots;
    filter.public_only = true;
    let listed = db.list_entries(&filter).await?;
    let (items, total) = (listed.items, listed.page);
    Ok((
        items
            .into_iter()
            .map(|e| PublicLine {
                id: e.id,
                title: e.title,
                kind: e.kind,
                subject: e.subject,
                unit_name: e.unit_name,
                field_id: e.field_id,
                target_level: e.target_level,
                year: e.year,
            })
            .collect(),
        total,
    ))
}
