//! A model's lineage: the chain it replicates and every model replicating
//! it, read in one recursive statement, and its spread. Staff see the
//! models they may read and any recognised one; the public sees
//! recognised ones only. Replicas that may not be named are counted in
//! the spread (registrations sent, never drafts) but not listed.

use crate::db::{q, Db};
use crate::error::ServiceError;
use crate::units::UnitTree;
use dvk_domain::auth::{can_view_entry, Actor, EntryScope};
use dvk_domain::lineage::{spread, Replica, Spread};
use dvk_domain::state::EntryState;
use dvk_domain::unit::UnitPath;
use sqlx::Row;
use std::collections::HashMap;

/// A model of the lineage, as listed.
#[derive(Debug, Clone)]
pub struct LineageModel {
    pub id: i64,
    /// The model it replicates.
    pub parent: Option<i64>,
    /// Steps from the model: negative above it, positive below.
    pub step: i64,
    pub title: String,
    pub unit_name: String,
    pub year: i32,
    pub state: EntryState,
}

#[derive(Debug, Clone, Default)]
pub struct Lineage {
    /// From the first model down to the one the model replicates.
    pub ancestors: Vec<LineageModel>,
    /// Replicas in the order of the tree (each after the model it replicates).
    pub replicas: Vec<LineageModel>,
    /// Replicas counted but not listed to this reader.
    pub unlisted: usize,
    pub spread: Spread,
}

/// Who reads a lineage.
#[derive(Clone, Copy)]
pub enum Reader<'a> {
    Staff(&'a Actor),
    Public,
}

const DEPTH: i64 = 64;

/// The lineage of model `id` (whose visibility the caller has checked).
pub async fn lineage(
    db: &Db,
    tree: &UnitTree,
    reader: Reader<'_>,
    id: i64,
) -> Result<Lineage, ServiceError> {
    let sql = format!(
        "WITH RECURSIVE up(id, step) AS ( \
           SELECT replicates_id, -1 FROM entries WHERE id = $1 AND replicates_id IS NOT NULL \
           UNION ALL SELECT e.replicates_id, up.step - 1 FROM entries e JOIN up ON e.id = up.id \
           WHERE e.replicates_id IS NOT NULL AND up.step > -{DEPTH}), \
         down(id, step) AS ( \
           SELECT id, 1 FROM entries WHERE replicates_id = $1 \
           UNION ALL SELECT e.id, down.step + 1 FROM entries e JOIN down ON e.replicates_id = down.id \
           WHERE down.step < {DEPTH}), \
         nodes(id, step) AS (SELECT id, step FROM up UNION ALL SELECT id, step FROM down \
           UNION ALL SELECT id, 0 FROM entries WHERE id = $1) \
         SELECT n.step, e.id, e.replicates_id, e.title, e.year, e.state, e.unit_id, e.unit_path, \
                e.confirming_path, u.name AS unit_name \
         FROM nodes n JOIN entries e ON e.id = n.id JOIN units u ON u.id = e.unit_id \
         ORDER BY n.step, e.year, e.id LIMIT 5000"
    );
    let rows = q(&sql).bind(id).fetch_all(&db.read).await?;
    let by_id: HashMap<i64, &crate::units::Unit> = tree.units.iter().map(|u| (u.id, u)).collect();
    let commune_of = |path: &UnitPath| {
        path.ids().into_iter().rev().find(|i| {
            by_id
                .get(i)
                .is_some_and(|u| u.level_code.as_deref() == Some("xa"))
        })
    };
    let mut out = Lineage::default();
    let mut origin: Option<(i64, Option<i64>)> = None;
    let mut counted = Vec::new();
    let mut listed = Vec::new();
    for r in &rows {
        let step: i64 = r.try_get("step")?;
        let state = EntryState::parse(&r.try_get::<String, _>("state")?)
            .ok_or_else(|| crate::error::StoreError::Data("trạng thái hồ sơ lạ".into()))?;
        let path = UnitPath::parse(&r.try_get::<String, _>("unit_path")?)
            .ok_or_else(|| crate::error::StoreError::Data("đường dẫn đơn vị lạ".into()))?;
        let unit_id: i64 = r.try_get("unit_id")?;
        if step == 0 {
            origin = Some((unit_id, commune_of(&path)));
            continue;
        }
        let public = matches!(
            state,
            EntryState::Recognised | EntryState::Outstanding | EntryState::Rewarded
        );
        let sent = !matches!(state, EntryState::Draft | EntryState::Withdrawn);
        let may_list = public
            || match reader {
                Reader::Staff(actor) => {
                    let confirming = UnitPath::parse(&r.try_get::<String, _>("confirming_path")?)
                        .unwrap_or_else(|| path.clone());
                    can_view_entry(
                        actor,
                        &EntryScope {
                            registering: &path,
                            confirming: &confirming,
                            state,
                        },
                    )
                }
                Reader::Public => false,
            };
        let year: i32 = r
            .try_get::<i32, _>("year")
            .or_else(|_| r.try_get::<i64, _>("year").map(|y| y as i32))?;
        // The public's spread counts what the public may see.
        let counts = match reader {
            Reader::Public => public,
            Reader::Staff(_) => sent,
        };
        // Replicas not sent (drafts, withdrawn) are not part of the spread.
        if step > 0 && !counts {
            continue;
        }
        if step > 0 {
            counted.push(Replica {
                unit_id,
                commune_id: commune_of(&path),
                year,
            });
        }
        if !may_list {
            if step > 0 {
                out.unlisted += 1;
            }
            continue;
        }
        let model = LineageModel {
            id: r.try_get("id")?,
            parent: r.try_get("replicates_id")?,
            step,
            title: r.try_get("title")?,
            unit_name: r.try_get("unit_name")?,
            year,
            state,
        };
        if step < 0 {
            out.ancestors.push(model);
        } else {
            listed.push(model);
        }
    }
    // Above: rows come by step, so from the first model down already.
    // Below: each replica after the model it replicates (depth first).
    out.replicas = depth_first(id, &listed);
    let (origin_unit, origin_commune) = origin.unwrap_or((0, None));
    out.spread = spread(origin_unit, origin_commune, &counted);
    Ok(out)
}

/// Listed replicas in tree order; one whose parent is not listed comes
/// after the listed ones, at its own depth.
fn depth_first(root: i64, listed: &[LineageModel]) -> Vec<LineageModel> {
    let mut children: HashMap<i64, Vec<&LineageModel>> = HashMap::new();
    for m in listed {
        children.entry(m.parent.unwrap_or(0)).or_default().push(m);
    }
    let mut out = Vec::with_capacity(listed.len());
    let mut stack: Vec<&LineageModel> = children.get(&root).cloned().unwrap_or_default();
    stack.reverse();
    let mut seen = std::collections::HashSet::new();
    while let Some(m) = stack.pop() {
        if !seen.insert(m.id) {
            continue;
        }
        out.push(m.clone());
        if let Some(kids) = children.get(&m.id) {
            stack.extend(kids.iter().rev());
        }
    }
    for m in listed {
        if !seen.contains(&m.id) {
            out.push(m.clone());
        }
    }
    out
}

/// A model found to replicate.
#[derive(Debug, Clone)]
pub struct FoundModel {
    pub id: i64,
    pub title: String,
    pub unit_name: String,
    pub year: i32,
    pub state: EntryState,
    /// Outside the reader's units: a recognised model, seen as the public sees it.
    pub public_only: bool,
}

/// Models matching `text` that `actor` may name as replicated: sent
/// registrations the actor may read and any recognised model, best
/// matches first, at most ten; never the entry being edited.
pub async fn find_models(
    db: &Db,
    actor: &Actor,
    roots: Vec<UnitPath>,
    text: &str,
    editing: Option<i64>,
) -> Result<Vec<FoundModel>, ServiceError> {
    use crate::entries::{EntryFilter, Sort};
    use crate::listing::Counted;
    let search = dvk_domain::search::SearchQuery::parse(text);
    if search.is_empty() {
        return Err(ServiceError::invalid(
            "replicates",
            "Nhập mã số hoặc vài chữ trong tên mô hình được nhân rộng để tìm.",
        ));
    }
    let filter = EntryFilter {
        search,
        sort: Sort::parse("", true),
        page: 1,
        per_page: 8,
        counted: Counted {
            sent_only: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let own = crate::service::list_entries(db, actor, filter.clone()).await?;
    let (public, _) = crate::public::public_models(db, roots, filter).await?;
    let mut found: Vec<FoundModel> = own
        .items
        .into_iter()
        .map(|e| FoundModel {
            id: e.id,
            title: e.title,
            unit_name: e.unit_name,
            year: e.year,
            state: e.state,
            public_only: false,
        })
        .collect();
    for p in public {
        if !found.iter().any(|f| f.id == p.id) {
            found.push(FoundModel {
                id: p.id,
                title: p.title,
                unit_name: p.unit_name,
                year: p.year,
                state: EntryState::Recognised,
                public_only: true,
            });
        }
    }
    found.retain(|f| Some(f.id) != editing);
    found.truncate(10);
    Ok(found)
}
