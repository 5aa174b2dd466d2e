//! What those who follow lower units read — each lower unit's registration
//! status and the register of models — with the one guard: a movement
//! officer, signing leader or admin of the unit or above.

use crate::db::Db;
use crate::entries::UnitStatusRow;
use crate::error::ServiceError;
use crate::review::RegisterRow;
use crate::service::current_year;
use crate::units::Unit;
use dvk_domain::auth::{can_view_status, Actor, Denied, Following};

/// The unit and year a reader follows, checked.
#[derive(Debug, Clone)]
pub struct Followed {
    pub unit: Unit,
    pub year: i32,
}

/// Checks that `actor` may follow `unit_id` (by default the first unit where
/// they do) in `year` (by default this year; 2000 to next year).
pub async fn followed(
    db: &Db,
    actor: &Actor,
    unit_id: Option<i64>,
    year: Option<i32>,
    right: &'static str,
    following: Following,
) -> Result<Followed, ServiceError> {
    let first = actor
        .grants
        .iter()
        .find(|g| following.roles().contains(&g.role))
        .map(|g| g.unit.id());
    let Some(id) = unit_id.or(first) else {
        return Err(ServiceError::Denied(Denied::NoRole(right)));
    };
    let unit = db.unit(id).await?.ok_or(ServiceError::NotFound("đơn vị"))?;
    if !following.allows(actor, &unit.path) {
        return Err(ServiceError::Denied(Denied::NoRole(right)));
    }
    let this_year = current_year();
    let year = year.unwrap_or(this_year);
    if !(2000..=this_year + 1).contains(&year) {
        return Err(ServiceError::invalid(
            "year",
            format!("Năm phải từ 2000 đến {}.", this_year + 1),
        ));
    }
    Ok(Followed { unit, year })
}

/// Each lower unit's registration status for the year.
pub async fn registration_status(
    db: &Db,
    actor: &Actor,
    at: &Followed,
    following: Following,
) -> Result<Vec<UnitStatusRow>, ServiceError> {
    if !following.allows(actor, &at.unit.path) {
        return Err(ServiceError::Denied(Denied::NoRole(
            "xem tình hình đăng ký",
        )));
    }
    Ok(db.registration_status(at.unit.id, at.year).await?)
}

/// The register by lower unit (with the predecessors of a merged commune).
pub async fn register(
    db: &Db,
    actor: &Actor,
    at: &Followed,
) -> Result<Vec<RegisterRow>, ServiceError> {
    if !can_view_status(actor, &at.unit.path) {
        return Err(ServiceError::Denied(Denied::NoRole(
            "xem sổ theo dõi mô hình",
        )));
    }
    crate::review::register_rows(db, at.unit.id, at.year).await
}
