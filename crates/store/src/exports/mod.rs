//! Exports as spreadsheets: each list or table the pages show, as the
//! reader may see it and with the same filters, written row by row into a
//! channel that a spreadsheet writer drains (so 100,000 rows cost the
//! memory of a few). The heading and columns are known before the rows.

pub mod entries;

use crate::db::Db;
use crate::error::ServiceError;
use dvk_domain::auth::Actor;
use dvk_domain::unit::UnitPath;
use dvk_sheets::{Cell, Column, Heading};
use tokio::sync::mpsc::Sender;

/// Rows go here; a closed channel (the download went away) stops the export.
pub type Rows = Sender<Vec<Cell>>;

/// What a table looks like before its rows come.
#[derive(Debug, Clone)]
pub struct Plan {
    pub heading: Heading,
    pub columns: Vec<Column>,
    /// The file's name without extension ("Danh sách hồ sơ 2026").
    pub file_name: String,
}

/// Hands a row to the writer; false when the writer has gone.
pub(crate) async fn send(rows: &Rows, cells: Vec<Cell>) -> bool {
    rows.send(cells).await.is_ok()
}

/// "14:05 ngày 04/12/2026", Vietnam time.
pub(crate) fn exported_now() -> String {
    let t = dvk_domain::calendar::vn_datetime(crate::db::now());
    format!(
        "{:02}:{:02} ngày {}",
        t.hour(),
        t.minute(),
        dvk_domain::calendar::show(t.date())
    )
}

/// The name of the unit a table is of: the filter's unit, else the
/// reader's own (the highest they hold a role at).
pub(crate) async fn scope_name(
    db: &Db,
    actor: &Actor,
    unit: Option<&UnitPath>,
) -> Result<String, ServiceError> {
    let roots = actor.visible_roots();
    let path = unit.or(roots.first());
    let Some(id) = path.and_then(|p| p.ids().last().copied()) else {
        return Ok(String::new());
    };
    Ok(db.unit(id).await?.map(|u| u.name).unwrap_or_default())
}
