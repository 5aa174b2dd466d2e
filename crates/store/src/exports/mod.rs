//! Exports as spreadsheets: each list or table the pages show, as the
//! reader may see it and with the same filters, written row by row into a
//! channel that a spreadsheet writer drains (so 100,000 rows cost the
//! memory of a few). The heading and columns are known before the rows.

pub mod entries;
pub mod rounds;
pub mod summary;
pub mod tracking;

use crate::db::Db;
use crate::error::ServiceError;
use dvk_domain::auth::Actor;
use dvk_domain::unit::UnitPath;
use dvk_sheets::{Cell, Column, Heading};
use tokio::sync::mpsc::Sender;

/// Rows go to the writer in batches (one hand-over per batch, not per
/// row: the writer runs on another thread). A closed channel (the download
/// went away) stops the export.
pub struct Rows {
    tx: Sender<Vec<Vec<Cell>>>,
    batch: Vec<Vec<Cell>>,
}

const BATCH: usize = 128;

impl Rows {
    pub fn new(tx: Sender<Vec<Vec<Cell>>>) -> Rows {
        Rows {
            tx,
            batch: Vec::with_capacity(BATCH),
        }
    }

    /// Adds a row; false when the writer has gone.
    pub async fn push(&mut self, cells: Vec<Cell>) -> bool {
        self.batch.push(cells);
        if self.batch.len() >= BATCH {
            return self.flush().await;
        }
        true
    }

    /// Hands over what is batched; false when the writer has gone.
    pub async fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.tx.send(batch).await.is_ok()
    }
}

/// What a table looks like before its rows come.
#[derive(Debug, Clone)]
pub struct Plan {
    pub heading: Heading,
    pub columns: Vec<Column>,
    /// The file's name without extension ("Danh sách hồ sơ 2026").
    pub file_name: String,
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
