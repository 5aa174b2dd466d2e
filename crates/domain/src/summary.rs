//! The summary table (biểu tổng hợp, DOMAIN.md §8): counts per lower unit
//! with subtotals up the tree. Counting is plain arithmetic on per-unit
//! tallies; this module adds them up the tree so that every subtotal is
//! the sum of its rows and the total the sum of the subtotals.

use std::collections::{BTreeMap, HashMap};

/// The counts of one row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Registrations sent onward (not drafts or withdrawn).
    pub registered: i64,
    pub collective: i64,
    pub individual: i64,
    pub models: i64,
    pub exemplars: i64,
    /// Accepted by the Front (whatever came after).
    pub accepted: i64,
    /// By top-level field id.
    pub by_field: BTreeMap<i64, i64>,
    /// Registered anew in the period, or carried over from an earlier phase.
    pub new: i64,
    pub continuing: i64,
    /// Kept on the register by a yearly review held in the period.
    pub effective: i64,
    /// Recognised, by the level code of the decision.
    pub recognised: BTreeMap<String, i64>,
    /// Chosen as outstanding (rewarded ones included).
    pub outstanding: i64,
    /// Rewards not revoked, by form of reward id.
    pub rewarded: BTreeMap<i64, i64>,
    /// Removed from the register or revoked.
    pub removed: i64,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.registered += o.registered;
        self.collective += o.collective;
        self.individual += o.individual;
        self.models += o.models;
        self.exemplars += o.exemplars;
        self.accepted += o.accepted;
        for (k, v) in &o.by_field {
            *self.by_field.entry(*k).or_default() += v;
        }
        self.new += o.new;
        self.continuing += o.continuing;
        self.effective += o.effective;
        for (k, v) in &o.recognised {
            *self.recognised.entry(k.clone()).or_default() += v;
        }
        self.outstanding += o.outstanding;
        for (k, v) in &o.rewarded {
            *self.rewarded.entry(*k).or_default() += v;
        }
        self.removed += o.removed;
    }

    pub fn is_empty(&self) -> bool {
        *self == Tally::default()
    }
}

/// A unit as the table needs it: in Vietnamese name order among its
/// siblings (the caller's order is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: i64,
    pub parent: Option<i64>,
    pub name: String,
}

/// What a row stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKind {
    /// The whole table's total.
    Total,
    /// A lower unit of the table's unit, with its subtree.
    Unit,
    /// A unit under one of those, with its subtree.
    SubUnit,
    /// The entries a unit registered itself (not through a lower unit).
    Own,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub kind: RowKind,
    /// The unit the row counts (its whole subtree, or only its own
    /// entries for `Own`).
    pub unit_id: i64,
    pub name: String,
    pub tally: Tally,
}

/// The rows of `root`'s table: its total, then each lower unit (subtotal
/// of its subtree) followed by its own lower units and, where it
/// registered entries itself, a row for those. `units` holds every unit
/// to show (root included, any order of levels, siblings in the order to
/// show); `counts` each unit's own tallies. Units outside `root`'s subtree
/// are ignored. Lower units with nothing to count are kept, so a commune
/// that registered nothing shows as a row of zeros.
pub fn rows(root: i64, units: &[Node], counts: &HashMap<i64, Tally>) -> Vec<Row> {
    let mut children: HashMap<i64, Vec<&Node>> = HashMap::new();
    for u in units {
        if let Some(p) = u.parent {
            children.entry(p).or_default().push(u);
        }
    }
    // A unit's whole subtree, summed once per unit.
    fn subtree(
        id: i64,
        children: &HashMap<i64, Vec<&Node>>,
        counts: &HashMap<i64, Tally>,
        memo: &mut HashMap<i64, Tally>,
    ) -> Tally {
        if let Some(t) = memo.get(&id) {
            return t.clone();
        }
        let mut t = counts.get(&id).cloned().unwrap_or_default();
        for c in children.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
            t.add(&subtree(c.id, children, counts, memo));
        }
        memo.insert(id, t.clone());
        t
    }
    let mut memo = HashMap::new();
    let name_of = |id: i64| {
        units
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let own_row = |id: i64| -> Option<Row> {
        counts.get(&id).filter(|t| !t.is_empty()).map(|t| Row {
            kind: RowKind::Own,
            unit_id: id,
            name: format!("{} (trực tiếp đăng ký)", name_of(id)),
            tally: t.clone(),
        })
    };
    let mut out = vec![Row {
        kind: RowKind::Total,
        unit_id: root,
        name: name_of(root),
        tally: subtree(root, &children, counts, &mut memo),
    }];
    out.extend(own_row(root));
    for c in children.get(&root).map(Vec::as_slice).unwrap_or(&[]) {
        out.push(Row {
            kind: RowKind::Unit,
            unit_id: c.id,
            name: c.name.clone(),
            tally: subtree(c.id, &children, counts, &mut memo),
        });
        let below = children.get(&c.id).map(Vec::as_slice).unwrap_or(&[]);
        if below.is_empty() {
            continue;
        }
        out.extend(own_row(c.id));
        for g in below {
            out.push(Row {
                kind: RowKind::SubUnit,
                unit_id: g.id,
                name: g.name.clone(),
                tally: subtree(g.id, &children, counts, &mut memo),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, parent: Option<i64>, name: &str) -> Node {
        Node {
            id,
            parent,
            name: name.into(),
        }
    }

    fn tally(n: i64, field: i64, form: i64) -> Tally {
        Tally {
            registered: n,
            collective: n - n / 3,
            individual: n / 3,
            models: n - n / 2,
            exemplars: n / 2,
            accepted: n - n / 9,
            by_field: BTreeMap::from([(field, n)]),
            new: n - n / 4,
            continuing: n / 4,
            effective: n / 5,
            recognised: BTreeMap::from([("xa".to_owned(), n / 2)]),
            outstanding: n / 6,
            rewarded: BTreeMap::from([(form, n / 7)]),
            removed: n / 8,
        }
    }

    /// Sums rows of one kind (and the `Own` rows at the same level).
    fn sum(rows: &[Row]) -> Tally {
        let mut t = Tally::default();
        for r in rows {
            t.add(&r.tally);
        }
        t
    }

    #[test]
    fn subtotals_are_the_sums_of_their_rows_and_the_total_of_everything() {
        // A small pseudo-random tree: a province, communes, their units,
        // and units below those; counts anywhere, the province's own too.
        let mut seed = 7u64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for _ in 0..50 {
            let mut units = vec![node(1, None, "Tỉnh")];
            let mut counts = HashMap::new();
            let mut id = 2;
            let mut all = 0;
            for c in 0..(1 + next(6)) {
                let commune = id;
                units.push(node(commune, Some(1), &format!("Xã {c}")));
                id += 1;
                for g in 0..next(4) {
                    let unit = id;
                    units.push(node(unit, Some(commune), &format!("Đơn vị {g}")));
                    id += 1;
                    if next(2) == 0 {
                        units.push(node(id, Some(unit), "Chi hội"));
                        id += 1;
                    }
                }
            }
            for u in &units {
                if next(3) > 0 {
                    let n = next(40) as i64;
                    all += n;
                    counts.insert(u.id, tally(n, 1 + next(3) as i64, 10 + next(2) as i64));
                }
            }
            let rows = rows(1, &units, &counts);
            assert_eq!(rows[0].kind, RowKind::Total);
            assert_eq!(rows[0].tally.registered, all);
            // The total is the province's own plus each commune's subtotal.
            let top: Vec<Row> = rows
                .iter()
                .filter(|r| r.kind == RowKind::Unit || (r.kind == RowKind::Own && r.unit_id == 1))
                .cloned()
                .collect();
            assert_eq!(sum(&top), rows[0].tally);
            // Each commune's subtotal is its own row plus its units' rows.
            for (i, r) in rows.iter().enumerate() {
                if r.kind != RowKind::Unit {
                    continue;
                }
                let parts: Vec<Row> = rows[i + 1..]
                    .iter()
                    .take_while(|x| matches!(x.kind, RowKind::SubUnit | RowKind::Own))
                    .cloned()
                    .collect();
                if !parts.is_empty() {
                    assert_eq!(sum(&parts), r.tally, "{}", r.name);
                }
            }
        }
    }

    #[test]
    fn rows_keep_the_given_order_and_units_with_nothing() {
        let units = vec![
            node(1, None, "Tỉnh Sơn La"),
            node(3, Some(1), "Phường Chiềng An"),
            node(2, Some(1), "Phường Tô Hiệu"),
            node(4, Some(2), "Ủy ban MTTQ phường Tô Hiệu"),
            node(9, Some(99), "Ngoài cây"),
        ];
        let counts = HashMap::from([(4, tally(6, 1, 10)), (2, tally(2, 1, 10))]);
        let r = rows(1, &units, &counts);
        let names: Vec<&str> = r.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Tỉnh Sơn La",
                "Phường Chiềng An",
                "Phường Tô Hiệu",
                "Phường Tô Hiệu (trực tiếp đăng ký)",
                "Ủy ban MTTQ phường Tô Hiệu"
            ]
        );
        assert_eq!(r[1].tally, Tally::default());
        assert_eq!(r[2].tally.registered, 8);
    }
}
