//! Reference data: levels, phases, fields and official unit lists, loaded
//! from lists embedded in the binary.

use crate::db::{q, q_scalar, Db};
use crate::error::StoreError;
use crate::units::{insert_unit, NewUnit, Unit};
use dvk_domain::unit::level;
use sqlx::Row;
use std::collections::HashMap;

const UNITS_2025: &str = include_str!("../data/admin-units-2025.csv");
const UNITS_BEFORE: &str = include_str!("../data/admin-units-before-2025-07.csv");
const SON_LA_MERGE: &str = include_str!("../data/son-la-merge-2025.csv");

pub const REFORM_LAST_DAY: &str = "2025-06-30";
pub const REFORM_FIRST_DAY: &str = "2025-07-01";

#[derive(Debug, Clone)]
pub struct Level {
    pub code: String,
    pub name: String,
    pub rank: i64,
    pub historical: bool,
}

#[derive(Debug, Clone)]
pub struct Phase {
    pub code: String,
    pub name: String,
    pub first_year: i32,
    pub last_year: i32,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
}

/// Reference data the pages and parsers need, loaded once.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub levels: Vec<Level>,
    pub phases: Vec<Phase>,
    pub fields: Vec<Field>,
}

impl Catalogue {
    /// A field and its sub-fields: choosing a field finds its sub-themes too.
    pub fn field_and_subfields(&self, id: i64) -> Vec<i64> {
        self.fields
            .iter()
            .filter(|f| f.id == id || f.parent_id == Some(id))
            .map(|f| f.id)
            .collect()
    }

    pub fn field_name(&self, id: i64) -> &str {
        self.fields
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.name.as_str())
            .unwrap_or("")
    }
    pub fn level_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.levels
            .iter()
            .find(|l| l.code == code)
            .map(|l| l.name.as_str())
            .unwrap_or(code)
    }
    /// Levels one may target now (historical ones excluded).
    pub fn active_levels(&self) -> Vec<&Level> {
        self.levels.iter().filter(|l| !l.historical).collect()
    }
}

const FIELDS: &[(&str, &str, Option<&str>)] = &[
    ("xdd", "Xây dựng Đảng và hệ thống chính trị", None),
    ("kt", "Phát triển kinh tế", None),
    ("vhxh", "Văn hóa – xã hội", None),
    ("qpan", "Quốc phòng – an ninh", None),
    ("kt-ntm", "Xây dựng nông thôn mới", Some("kt")),
    ("kt-giamngheo", "Giảm nghèo bền vững", Some("kt")),
    (
        "xdd-cchc",
        "Cải cách hành chính, chuyển đổi số",
        Some("xdd"),
    ),
    ("vhxh-moitruong", "Bảo vệ môi trường", Some("vhxh")),
    ("qpan-anninh", "Giữ gìn an ninh trật tự cơ sở", Some("qpan")),
];

impl Db {
    /// Levels, phases and fields; idempotent.
    pub async fn seed_reference(&self) -> Result<(), StoreError> {
        self.seed_base().await?;
        self.seed_criteria().await?;
        self.seed_reward_forms().await
    }

    async fn seed_base(&self) -> Result<(), StoreError> {
        let n: i64 = q_scalar("SELECT COUNT(*) FROM levels")
            .fetch_one(&self.pool)
            .await?;
        if n > 0 {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for (code, name, rank, hist) in [
            (level::COMMUNE, "Cấp xã", 1, 0),
            (level::DISTRICT, "Cấp huyện (trước 01/7/2025)", 2, 1),
            (level::PROVINCE, "Cấp tỉnh", 3, 0),
        ] {
            q("INSERT INTO levels (code, name, rank, historical) VALUES ($1, $2, $3, $4)")
                .bind(code)
                .bind(name)
                .bind(rank as i64)
                .bind(hist as i64)
                .execute(&mut *tx)
                .await?;
        }
        for (code, first, last) in [("2021-2025", 2021, 2025), ("2026-2030", 2026, 2030)] {
            q("INSERT INTO phases (code, name, first_year, last_year) VALUES ($1, $2, $3, $4)")
                .bind(code)
                .bind(format!("Giai đoạn {first}–{last}"))
                .bind(first as i64)
                .bind(last as i64)
                .execute(&mut *tx)
                .await?;
        }
        let mut ids: HashMap<&str, i64> = HashMap::new();
        for (pos, (code, name, parent)) in FIELDS.iter().enumerate() {
            let parent_id = parent.and_then(|p| ids.get(p).copied());
            let id: i64 = q("INSERT INTO fields (code, name, parent_id, position) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(*code)
                .bind(*name)
                .bind(parent_id)
                .bind(pos as i64)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            ids.insert(code, id);
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn catalogue(&self) -> Result<Catalogue, StoreError> {
        let levels = q("SELECT code, name, rank, historical FROM levels ORDER BY rank")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Level {
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    rank: r.try_get("rank")?,
                    historical: r.try_get::<i64, _>("historical")? != 0,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let phases = q("SELECT code, name, first_year, last_year FROM phases ORDER BY first_year")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Phase {
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    first_year: r.try_get::<i64, _>("first_year")? as i32,
                    last_year: r.try_get::<i64, _>("last_year")? as i32,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let fields = q("SELECT id, code, name, parent_id FROM fields ORDER BY position")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Field {
                    id: r.try_get("id")?,
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    parent_id: r.try_get("parent_id")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(Catalogue {
            levels,
            phases,
            fields,
        })
    }

    /// The province's current unit, if loaded.
    pub async fn province_by_code(&self, code: &str) -> Result<Option<Unit>, StoreError> {
        let sql = format!(
            "SELECT {} FROM units u WHERE u.code = $1 AND u.level_code = $2 AND u.parent_id IS NULL",
            crate::units::UNIT_COLS
        );
        let row = q(&sql)
            .bind(code)
            .bind(level::PROVINCE)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(crate::units::unit_from_row).transpose()?)
    }

    /// Loads one province from the official lists: its communes after the
    /// 2025 reform, its districts and communes before it (valid until
    /// 30/6/2025), the merge map where known, and the provincial Ban Tuyên
    /// giáo và Dân vận. Returns the province unit; refuses a second load.
    pub async fn load_province(&self, code: &str) -> Result<Unit, StoreError> {
        if self.province_by_code(code).await?.is_some() {
            return Err(StoreError::Data(format!("Tỉnh mã {code} đã được nạp.")));
        }
        let new_rows: Vec<Vec<&str>> = rows(UNITS_2025).filter(|r| r[0] == code).collect();
        let old_rows: Vec<Vec<&str>> = rows(UNITS_BEFORE).filter(|r| r[0] == code).collect();
        let name = new_rows
            .first()
            .map(|r| r[1])
            .or_else(|| old_rows.first().map(|r| r[1]))
            .ok_or_else(|| StoreError::Data(format!("Không có tỉnh mã {code} trong danh mục.")))?;

        let mut tx = self.pool.begin().await?;
        let province = insert_unit(
            &mut tx,
            &NewUnit {
                parent: None,
                code: Some(code),
                name,
                kind: "tinh",
                level_code: Some(level::PROVINCE),
                valid_from: None,
                valid_to: None,
            },
        )
        .await?;
        let short = name
            .trim_start_matches("Tỉnh ")
            .trim_start_matches("Thành phố ");
        insert_unit(
            &mut tx,
            &NewUnit {
                parent: Some(&province),
                code: None,
                name: &format!("Ban Tuyên giáo và Dân vận Tỉnh ủy {short}"),
                kind: "ban_dang",
                level_code: None,
                valid_from: Some(REFORM_FIRST_DAY),
                valid_to: None,
            },
        )
        .await?;

        let mut districts: HashMap<&str, Unit> = HashMap::new();
        let mut old_communes: HashMap<&str, i64> = HashMap::new();
        for r in &old_rows {
            let (d_code, d_name, c_code, c_name, c_type) = (r[2], r[3], r[5], r[6], r[7]);
            if !districts.contains_key(d_code) {
                let d = insert_unit(
                    &mut tx,
                    &NewUnit {
                        parent: Some(&province),
                        code: Some(d_code),
                        name: d_name,
                        kind: "huyen",
                        level_code: Some(level::DISTRICT),
                        valid_from: None,
                        valid_to: Some(REFORM_LAST_DAY),
                    },
                )
                .await?;
                districts.insert(d_code, d);
            }
            let district = &districts[d_code];
            let c = insert_unit(
                &mut tx,
                &NewUnit {
                    parent: Some(district),
                    code: Some(c_code),
                    name: c_name,
                    kind: commune_kind(c_type),
                    level_code: Some(level::COMMUNE),
                    valid_from: None,
                    valid_to: Some(REFORM_LAST_DAY),
                },
            )
            .await?;
            old_communes.insert(c_code, c.id);
        }
        let mut new_communes: HashMap<&str, i64> = HashMap::new();
        for r in &new_rows {
            let c = insert_unit(
                &mut tx,
                &NewUnit {
                    parent: Some(&province),
                    code: Some(r[2]),
                    name: r[3],
                    kind: commune_kind(r[4]),
                    level_code: Some(level::COMMUNE),
                    valid_from: Some(REFORM_FIRST_DAY),
                    valid_to: None,
                },
            )
            .await?;
            new_communes.insert(r[2], c.id);
        }
        if code == "14" {
            for r in rows(SON_LA_MERGE) {
                let (Some(new), Some(old)) = (new_communes.get(r[0]), old_communes.get(r[2]))
                else {
                    return Err(StoreError::Data(format!(
                        "Bảng sáp nhập có mã lạ: {} ← {}",
                        r[0], r[2]
                    )));
                };
                q("INSERT INTO unit_successors (predecessor_id, successor_id) VALUES ($1, $2)")
                    .bind(*old)
                    .bind(*new)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(province)
    }

    /// (province code, name) of every province in the official list.
    pub fn known_provinces() -> Vec<(String, String)> {
        let mut seen: Vec<(String, String)> = Vec::new();
        for r in rows(UNITS_2025) {
            if seen.last().map(|(c, _)| c.as_str()) != Some(r[0]) {
                seen.push((r[0].to_owned(), r[1].to_owned()));
            }
        }
        seen
    }
}

fn commune_kind(t: &str) -> &'static str {
    match t {
        "Phường" => "phuong",
        _ => "xa",
    }
}

/// Data rows of an embedded CSV (no quoting is used in these lists).
fn rows(csv: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lists_have_son_la() {
        assert_eq!(rows(UNITS_2025).filter(|r| r[0] == "14").count(), 75);
        assert_eq!(rows(UNITS_BEFORE).filter(|r| r[0] == "14").count(), 200);
        assert_eq!(rows(SON_LA_MERGE).count(), 200);
        assert_eq!(Db::known_provinces().len(), 34);
    }
}
