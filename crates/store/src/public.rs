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

/// What the portal's home page tells the public in figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicFigures {
    /// Models and exemplars recognised now (revoked ones not counted).
    pub recognised: i64,
    /// Registering units with at least one of them.
    pub units: i64,
    /// Of them, registered in `year`.
    pub this_year: i64,
}

/// The portal's figures, from the summary counters in one statement (no
/// scan of the entries).
pub async fn public_figures(db: &Db, year: i32) -> Result<PublicFigures, ServiceError> {
    use sqlx::Row;
    let row = crate::db::q(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT), \
                COUNT(DISTINCT CASE WHEN n > 0 THEN unit_id END), \
                CAST(COALESCE(SUM(CASE WHEN year = $1 THEN n ELSE 0 END), 0) AS BIGINT) \
         FROM summary_counts WHERE state IN ('recognised', 'outstanding', 'rewarded')",
    )
    .bind(year)
    .fetch_one(&db.pool)
    .await
    .map_err(crate::error::StoreError::from)?;
    Ok(PublicFigures {
        recognised: row.try_get(0).map_err(crate::error::StoreError::from)?,
        units: row.try_get(1).map_err(crate::error::StoreError::from)?,
        this_year: row.try_get(2).map_err(crate::error::StoreError::from)?,
    })
}

/// The newest recognised models' numbers, for the sitemap.
pub async fn sitemap_models(db: &Db, limit: i64) -> Result<Vec<i64>, ServiceError> {
    use sqlx::Row;
    let rows = crate::db::q(&format!(
        "SELECT e.id FROM entries e WHERE {} ORDER BY e.year DESC, e.id DESC LIMIT $1",
        crate::similar::PUBLIC_STATES
    ))
    .bind(limit)
    .fetch_all(&db.pool)
    .await
    .map_err(crate::error::StoreError::from)?;
    Ok(rows
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()
        .map_err(crate::error::StoreError::from)?)
}
