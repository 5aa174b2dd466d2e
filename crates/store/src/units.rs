//! Units: the organisation tree with validity dates.

use crate::db::{now, q, Db};
use crate::error::StoreError;
use dvk_domain::unit::UnitPath;
use dvk_domain::UnitId;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct Unit {
    pub id: UnitId,
    pub parent_id: Option<UnitId>,
    pub path: UnitPath,
    pub depth: i64,
    pub code: Option<String>,
    pub name: String,
    pub kind: String,
    pub level_code: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
}

pub(crate) const UNIT_COLS: &str =
    "u.id, u.parent_id, u.path, u.depth, u.code, u.name, u.kind, u.level_code, u.valid_from, u.valid_to";

pub(crate) fn unit_from_row(row: &AnyRow) -> Result<Unit, sqlx::Error> {
    let path: String = row.try_get("path")?;
    Ok(Unit {
        id: row.try_get("id")?,
        parent_id: row.try_get("parent_id")?,
        path: UnitPath::parse(&path)
            .ok_or_else(|| sqlx::Error::Decode(format!("bad unit path {path}").into()))?,
        depth: row.try_get("depth")?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        level_code: row.try_get("level_code")?,
        valid_from: row.try_get("valid_from")?,
        valid_to: row.try_get("valid_to")?,
    })
}

/// A snapshot of every unit, kept in memory by each process and reloaded
/// when `units_version` moves.
#[derive(Debug, Clone, Default)]
pub struct UnitTree {
    pub version: i64,
    /// Ordered by depth, then Vietnamese name order.
    pub units: Vec<Unit>,
}

impl UnitTree {
    /// Current units inside any of `roots`, at most `levels_down` below them.
    pub fn within(&self, roots: &[UnitPath], levels_down: i64) -> Vec<Unit> {
        self.units
            .iter()
            .filter(|u| u.valid_to.is_none())
            .filter(|u| {
                roots
                    .iter()
                    .any(|r| r.covers(&u.path) && u.depth <= r.ids().len() as i64 - 1 + levels_down)
            })
            .cloned()
            .collect()
    }
}

/// What a new unit needs.
#[derive(Debug, Clone)]
pub struct NewUnit<'a> {
    pub parent: Option<&'a Unit>,
    pub code: Option<&'a str>,
    pub name: &'a str,
    pub kind: &'a str,
    pub level_code: Option<&'a str>,
    pub valid_from: Option<&'a str>,
    pub valid_to: Option<&'a str>,
}

/// Inserts a unit and fixes its path from the id the database gave it.
pub(crate) async fn insert_unit(
    conn: &mut AnyConnection,
    new: &NewUnit<'_>,
) -> Result<Unit, StoreError> {
    let placeholder = format!("/tmp{:016x}/", rand::random::<u64>());
    let depth = new.parent.map(|p| p.depth + 1).unwrap_or(0);
    let id: i64 = q("INSERT INTO units (parent_id, path, depth, code, name, name_sort, kind, level_code, valid_from, valid_to, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id")
        .bind(new.parent.map(|p| p.id))
        .bind(&placeholder)
        .bind(depth)
        .bind(new.code)
        .bind(new.name)
        .bind(dvk_domain::text::sort_key(new.name))
        .bind(new.kind)
        .bind(new.level_code)
        .bind(new.valid_from)
        .bind(new.valid_to)
        .bind(now())
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let path = match new.parent {
        Some(p) => p.path.child(id),
        None => UnitPath::root(id),
    };
    q("UPDATE units SET path = $1 WHERE id = $2")
        .bind(path.as_str())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    q("UPDATE meta SET value = value + 1 WHERE key = 'units_version'")
        .execute(&mut *conn)
        .await?;
    Ok(Unit {
        id,
        parent_id: new.parent.map(|p| p.id),
        path,
        depth,
        code: new.code.map(str::to_owned),
        name: new.name.to_owned(),
        kind: new.kind.to_owned(),
        level_code: new.level_code.map(str::to_owned),
        valid_from: new.valid_from.map(str::to_owned),
        valid_to: new.valid_to.map(str::to_owned),
    })
}

impl Db {
    pub async fn unit(&self, id: UnitId) -> Result<Option<Unit>, StoreError> {
        let sql = format!("SELECT {UNIT_COLS} FROM units u WHERE u.id = $1");
        let row = q(&sql).bind(id).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(unit_from_row).transpose()?)
    }

    /// The unit's ancestors and itself, root first.
    pub async fn lineage(&self, path: &UnitPath) -> Result<Vec<Unit>, StoreError> {
        let ids = path.ids();
        let list = ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        // Ids come from a parsed path: digits only.
        let sql =
            format!("SELECT {UNIT_COLS} FROM units u WHERE u.id IN ({list}) ORDER BY u.depth");
        let rows = q(&sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(unit_from_row).collect::<Result<_, _>>()?)
    }

    /// Direct children of a unit in Vietnamese order; `current_only` hides
    /// units whose validity ended.
    pub async fn children(
        &self,
        parent: UnitId,
        current_only: bool,
    ) -> Result<Vec<Unit>, StoreError> {
        let filter = if current_only {
            " AND u.valid_to IS NULL"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {UNIT_COLS} FROM units u WHERE u.parent_id = $1{filter} ORDER BY {}",
            crate::dialect::unit_name_order(self.backend)
        );
        let rows = q(&sql).bind(parent).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(unit_from_row).collect::<Result<_, _>>()?)
    }

    /// The whole unit tree with its version, in depth then Vietnamese
    /// name order: two statements, for the per-process cache.
    pub async fn unit_tree(&self) -> Result<UnitTree, StoreError> {
        let version: i64 = q("SELECT value FROM meta WHERE key = 'units_version'")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let sql = format!(
            "SELECT {UNIT_COLS} FROM units u ORDER BY u.depth, {}",
            crate::dialect::unit_name_order(self.backend)
        );
        let rows = q(&sql).fetch_all(&self.pool).await?;
        let units = rows.iter().map(unit_from_row).collect::<Result<_, _>>()?;
        Ok(UnitTree { version, units })
    }

    /// Units valid now whose name matches (folded), for pickers.
    pub async fn all_units(&self, include_historical: bool) -> Result<Vec<Unit>, StoreError> {
        let filter = if include_historical {
            ""
        } else {
            "WHERE u.valid_to IS NULL"
        };
        let sql = format!(
            "SELECT {UNIT_COLS} FROM units u {filter} ORDER BY u.depth, {}",
            crate::dialect::unit_name_order(self.backend)
        );
        let rows = q(&sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(unit_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn root_units(&self) -> Result<Vec<Unit>, StoreError> {
        let sql = format!(
            "SELECT {UNIT_COLS} FROM units u WHERE u.parent_id IS NULL ORDER BY {}",
            crate::dialect::unit_name_order(self.backend)
        );
        let rows = q(&sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(unit_from_row).collect::<Result<_, _>>()?)
    }

    /// Paths of the units that the unit at `path`, or any unit above it,
    /// was merged into (empty for units that were not merged). One statement.
    pub async fn successor_paths(&self, path: &UnitPath) -> Result<Vec<UnitPath>, StoreError> {
        let list = path
            .ids()
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        // Ids come from a parsed path: digits only.
        let sql = format!("SELECT u.path FROM unit_successors s JOIN units u ON u.id = s.successor_id WHERE s.predecessor_id IN ({list})");
        let rows = q(&sql).fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>(0).ok())
            .filter_map(|p| UnitPath::parse(&p))
            .collect())
    }

    /// Units formed from `id` (after the 2025 reform) and units it was formed from.
    pub async fn successors_and_predecessors(
        &self,
        id: UnitId,
    ) -> Result<(Vec<Unit>, Vec<Unit>), StoreError> {
        let sql = format!(
            "SELECT {UNIT_COLS}, CASE WHEN s.predecessor_id = $1 THEN 1 ELSE 0 END AS is_successor \
             FROM unit_successors s JOIN units u ON u.id = CASE WHEN s.predecessor_id = $1 THEN s.successor_id ELSE s.predecessor_id END \
             WHERE s.predecessor_id = $1 OR s.successor_id = $1 ORDER BY {}", crate::dialect::unit_name_order(self.backend)
        );
        let rows = q(&sql).bind(id).fetch_all(&self.pool).await?;
        let mut succ = Vec::new();
        let mut pred = Vec::new();
        for row in &rows {
            let is_succ: i64 = row.try_get("is_successor")?;
            if is_succ == 1 {
                succ.push(unit_from_row(row)?);
            } else {
                pred.push(unit_from_row(row)?);
            }
        }
        Ok((succ, pred))
    }
}

/// The subtrees of the units `id` was formed from in 2025 (organisation
/// structure, no records): a list filtered to a commune formed then also
/// shows its predecessors' records.
pub async fn predecessors_of(
    db: &Db,
    id: UnitId,
) -> Result<Vec<UnitPath>, crate::error::ServiceError> {
    Ok(db
        .successors_and_predecessors(id)
        .await?
        .1
        .into_iter()
        .map(|u| u.path)
        .collect())
}
