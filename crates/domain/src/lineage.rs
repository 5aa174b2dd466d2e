//! Replication (nhân rộng), the movement's measure of success: a model is
//! registered as replicating another; its lineage is the chain it came
//! from and every model that came from it, across units and years. Its
//! spread is what those replicas reached.

use crate::UnitId;
use std::collections::BTreeSet;

/// One replica as the spread counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replica {
    pub unit_id: UnitId,
    /// The commune (xã, phường) its unit lies in, if any.
    pub commune_id: Option<UnitId>,
    pub year: i32,
}

/// How far a model spread.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spread {
    /// Replicas, direct or through other replicas.
    pub models: usize,
    /// Registering units other than the model's own.
    pub units: usize,
    /// Communes other than the model's own.
    pub communes: usize,
    /// The first and last year of the replicas.
    pub years: Option<(i32, i32)>,
}

/// The spread of a model registered by `origin_unit` in `origin_commune`.
pub fn spread(origin_unit: UnitId, origin_commune: Option<UnitId>, replicas: &[Replica]) -> Spread {
    let units: BTreeSet<UnitId> = replicas
        .iter()
        .map(|r| r.unit_id)
        .filter(|u| *u != origin_unit)
        .collect();
    let communes: BTreeSet<UnitId> = replicas
        .iter()
        .filter_map(|r| r.commune_id)
        .filter(|c| Some(*c) != origin_commune)
        .collect();
    let first = replicas.iter().map(|r| r.year).min();
    let last = replicas.iter().map(|r| r.year).max();
    Spread {
        models: replicas.len(),
        units: units.len(),
        communes: communes.len(),
        years: first.zip(last),
    }
}

impl Spread {
    /// "Đã nhân rộng ra 3 mô hình, điển hình tại 2 đơn vị khác, 1 xã, phường
    /// khác, trong các năm 2023–2025."
    pub fn sentence(&self) -> String {
        if self.models == 0 {
            return "Chưa có mô hình, điển hình nào nhân rộng từ mô hình này.".into();
        }
        let mut s = format!("Đã nhân rộng ra {} mô hình, điển hình", self.models);
        if self.units > 0 {
            s.push_str(&format!(" tại {} đơn vị khác", self.units));
            if self.communes > 0 {
                s.push_str(&format!(", {} xã, phường khác", self.communes));
            }
        } else {
            s.push_str(" trong chính đơn vị");
        }
        match self.years {
            Some((a, b)) if a == b => s.push_str(&format!(", năm {a}")),
            Some((a, b)) => s.push_str(&format!(", trong các năm {a}–{b}")),
            None => {}
        }
        s.push('.');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(unit_id: i64, commune_id: Option<i64>, year: i32) -> Replica {
        Replica {
            unit_id,
            commune_id,
            year,
        }
    }

    #[test]
    fn spread_counts_other_units_and_communes_and_the_years() {
        let replicas = [
            r(10, Some(2), 2023),
            r(11, Some(3), 2025),
            r(11, Some(3), 2024),
            r(1, Some(1), 2026),
        ];
        let s = spread(1, Some(1), &replicas);
        assert_eq!(
            s,
            Spread {
                models: 4,
                units: 2,
                communes: 2,
                years: Some((2023, 2026))
            }
        );
        assert_eq!(
            s.sentence(),
            "Đã nhân rộng ra 4 mô hình, điển hình tại 2 đơn vị khác, 2 xã, phường khác, trong các năm 2023–2026."
        );
        let own = spread(1, Some(1), &[r(1, Some(1), 2025)]);
        assert_eq!(own.units, 0);
        assert_eq!(
            own.sentence(),
            "Đã nhân rộng ra 1 mô hình, điển hình trong chính đơn vị, năm 2025."
        );
        assert_eq!(spread(1, None, &[]).models, 0);
    }
}
