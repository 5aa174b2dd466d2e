//! The unit tree as an admin manages it: one unit with its lower units,
//! where it sits, and what it was formed from or became — for admins of
//! the unit or above only.

use crate::db::Db;
use crate::error::ServiceError;
use crate::units::Unit;
use dvk_domain::auth::{check_admin, Actor};

#[derive(Debug, Clone)]
pub struct UnitAdminView {
    pub unit: Unit,
    pub children: Vec<Unit>,
    /// Root first, the unit last.
    pub lineage: Vec<Unit>,
    pub successors: Vec<Unit>,
    pub predecessors: Vec<Unit>,
}

/// A unit `actor` administers, read alone (after creating it, say).
pub async fn administered_unit(db: &Db, actor: &Actor, id: i64) -> Result<Unit, ServiceError> {
    let unit = db.unit(id).await?.ok_or(ServiceError::NotFound("đơn vị"))?;
    check_admin(actor, &unit.path)?;
    Ok(unit)
}

/// A unit with its lower units (historical ones too when asked).
pub async fn unit_admin_view(
    db: &Db,
    actor: &Actor,
    id: i64,
    include_historical: bool,
) -> Result<UnitAdminView, ServiceError> {
    let unit = administered_unit(db, actor, id).await?;
    let children = db.children(unit.id, !include_historical).await?;
    let lineage = db.lineage(&unit.path).await?;
    let (successors, predecessors) = db.successors_and_predecessors(unit.id).await?;
    Ok(UnitAdminView {
        unit,
        children,
        lineage,
        successors,
        predecessors,
    })
}
