//! Issuing bodies read from the unit tree, and the head every numbered
//! decision carries (number, date, signer, issuing unit), parsed once for
//! recognition and reward decisions alike.

use crate::appraisal::parse_date;
use crate::db::{q, Db};
use crate::error::{ServiceError, StoreError};
use crate::units::{unit_from_row, Unit, UNIT_COLS};
use dvk_domain::auth::Actor;
use dvk_domain::entry::FieldError;
use dvk_domain::issuer::{check_issue, issuer_of, Issuer, IssuerType, UnitRef};
use dvk_domain::unit::UnitPath;

fn refs(units: &[Unit]) -> Vec<UnitRef<'_>> {
    units
        .iter()
        .map(|u| UnitRef {
            path: &u.path,
            kind: &u.kind,
            name: &u.name,
            level: u.level_code.as_deref(),
        })
        .collect()
}

/// An issuer with its unit id, as pickers and decisions need it.
#[derive(Debug, Clone)]
pub struct IssuingUnit {
    pub unit_id: i64,
    /// The unit's kind (a catalogue form may be reserved to one).
    pub unit_kind: String,
    /// The unit's validity (ISO dates); a body signs only while it exists.
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub issuer: Issuer,
}

impl IssuingUnit {
    /// "Ủy ban nhân dân tỉnh Sơn La (Ủy ban nhân dân)" for a picker.
    pub fn label(&self) -> String {
        format!("{} ({})", self.issuer.body, self.issuer.kind.label())
    }
}

impl Db {
    /// The issuer a unit is, if it issues decisions at all.
    pub async fn issuer(&self, unit_id: i64) -> Result<Option<IssuingUnit>, StoreError> {
        let Some(unit) = self.unit(unit_id).await? else {
            return Ok(None);
        };
        let lineage = self.lineage(&unit.path).await?;
        let Some(mut issuer) = issuer_of(&refs(&lineage)) else {
            return Ok(None);
        };
        issuer.predecessors = self.predecessor_paths(issuer.territory.id()).await?;
        Ok(Some(IssuingUnit {
            unit_id,
            unit_kind: unit.kind.clone(),
            valid_from: unit.valid_from.clone(),
            valid_to: unit.valid_to.clone(),
            issuer,
        }))
    }

    /// The territories at `level` that `units` lie in (each unit itself
    /// or above it), in one statement.
    pub async fn territories_at(
        &self,
        units: &[&UnitPath],
        level: &str,
    ) -> Result<Vec<Unit>, StoreError> {
        let mut ids: Vec<i64> = units.iter().flat_map(|p| p.ids()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        // Ids come from parsed paths: digits only.
        let sql = format!(
            "SELECT {UNIT_COLS} FROM units u WHERE u.id IN ({list}) AND u.level_code = $1 ORDER BY {}",
            crate::dialect::unit_name_order(self.backend)
        );
        let rows = q(&sql).bind(level).fetch_all(&self.pool).await?;
        let mut out: Vec<Unit> = Vec::new();
        for u in rows.iter().map(unit_from_row) {
            let u = u?;
            // An abolished commune's records belong to what it became.
            let now = if u.valid_to.is_some() {
                self.successors_and_predecessors(u.id).await?.0
            } else {
                vec![u]
            };
            for t in now {
                if !out.iter().any(|x| x.id == t.id) {
                    out.push(t);
                }
            }
        }
        Ok(out)
    }

    /// The territories `id` was formed from.
    pub(crate) async fn predecessor_paths(&self, id: i64) -> Result<Vec<UnitPath>, StoreError> {
        Ok(self
            .successors_and_predecessors(id)
            .await?
            .1
            .into_iter()
            .map(|u| u.path)
            .collect())
    }

    /// Every current unit that may issue for `territory`: the territory's
    /// People's Committee and the Party, Front and department bodies that
    /// belong to it (not those of the communes below it). Two statements.
    pub async fn issuers_of_territory(
        &self,
        territory: &Unit,
    ) -> Result<Vec<IssuingUnit>, StoreError> {
        let lineage = self.lineage(&territory.path).await?;
        let sql = format!(
            "SELECT {UNIT_COLS} FROM units u WHERE u.path > $1 AND u.path < $2 AND u.depth <= $3 \
             AND u.valid_to IS NULL AND u.level_code IS NULL ORDER BY u.depth, {}",
            crate::dialect::unit_name_order(self.backend)
        );
        let rows = q(&sql)
            .bind(territory.path.as_str())
            .bind(territory.path.subtree_upper_bound())
            .bind(territory.depth + 2)
            .fetch_all(&self.pool)
            .await?;
        let below: Vec<Unit> = rows.iter().map(unit_from_row).collect::<Result<_, _>>()?;
        let predecessors = self.predecessor_paths(territory.id).await?;
        let mut out = Vec::new();
        if let Some(mut issuer) = issuer_of(&refs(&lineage)) {
            issuer.predecessors = predecessors.clone();
            out.push(IssuingUnit {
                unit_id: territory.id,
                unit_kind: territory.kind.clone(),
                valid_from: territory.valid_from.clone(),
                valid_to: territory.valid_to.clone(),
                issuer,
            });
        }
        for u in &below {
            // Units between the territory and `u` (at most one level here).
            let mut chain: Vec<Unit> = lineage.clone();
            chain.extend(
                below
                    .iter()
                    .filter(|x| x.id != u.id && x.path.covers(&u.path))
                    .cloned(),
            );
            chain.push(u.clone());
            if let Some(mut issuer) = issuer_of(&refs(&chain)) {
                issuer.predecessors = predecessors.clone();
                if issuer.territory == territory.path {
                    out.push(IssuingUnit {
                        unit_id: u.id,
                        unit_kind: u.kind.clone(),
                        valid_from: u.valid_from.clone(),
                        valid_to: u.valid_to.clone(),
                        issuer,
                    });
                }
            }
        }
        Ok(out)
    }
}

/// What every numbered decision carries, parsed.
#[derive(Debug, Clone)]
pub struct DecisionHead {
    pub number: String,
    /// ISO date.
    pub signed_on: String,
    pub signer: String,
    pub signer_title: String,
    pub issuer: IssuingUnit,
}

/// The raw head fields of a decision form.
#[derive(Debug, Clone, Copy)]
pub struct HeadInput<'a> {
    pub number: &'a str,
    pub signed_on: &'a str,
    pub signer: &'a str,
    pub signer_title: &'a str,
    pub issuer_unit_id: &'a str,
}

/// Where a decision must come from: the level (code, name) it is issued
/// at, the type of body it needs (if any), the entries it covers.
pub struct IssueScope<'a> {
    pub level: (&'a str, &'a str),
    pub kind: Option<IssuerType>,
    pub entries: &'a [(i64, &'a UnitPath)],
    /// The signing date may not be before this (ISO), e.g. the first day
    /// after the public notice.
    pub not_before: Option<&'a str>,
    /// Nor after this (ISO): today.
    pub not_after: &'a str,
}

/// Parses a decision's head and checks its issuer against `scope` and the
/// signer; every problem becomes a message on its field.
pub async fn parse_head(
    db: &Db,
    actor: &Actor,
    input: HeadInput<'_>,
    scope: IssueScope<'_>,
    errors: &mut Vec<FieldError>,
) -> Result<Option<DecisionHead>, ServiceError> {
    let number = input.number.trim();
    if number.is_empty() || number.chars().count() > 60 {
        errors.push(FieldError::new(
            "number",
            "Cần nhập số quyết định, ví dụ 15/QĐ-UBND.",
        ));
    }
    let signed_on = parse_date(input.signed_on);
    match signed_on.as_deref() {
        None => errors.push(FieldError::new(
            "signed_on",
            "Ngày ký không hợp lệ (dd/mm/yyyy).",
        )),
        Some(d) if d > scope.not_after => errors.push(FieldError::new(
            "signed_on",
            format!(
                "Ngày ký không được sau hôm nay ({}).",
                crate::appraisal::show_date(scope.not_after)
            ),
        )),
        Some(d) if scope.not_before.is_some_and(|b| d < b) => errors.push(FieldError::new(
            "signed_on",
            format!(
                "Ngày ký phải từ ngày {} (sau khi hết thời gian thông báo công khai).",
                crate::appraisal::show_date(scope.not_before.unwrap_or_default())
            ),
        )),
        Some(_) => {}
    }
    for (key, v, label) in [
        ("signer", input.signer, "người ký"),
        ("signer_title", input.signer_title, "chức vụ người ký"),
    ] {
        if v.trim().is_empty() || v.trim().chars().count() > 200 {
            errors.push(FieldError::new(key, format!("Cần nhập {label}.")));
        }
    }
    let issuer = match input.issuer_unit_id.trim().parse::<i64>() {
        Ok(id) => db.issuer(id).await?,
        Err(_) => None,
    };
    let issuer = match issuer {
        None => {
            errors.push(FieldError::new(
                "issuer_unit_id",
                "Chọn cơ quan ban hành trong danh sách đơn vị.",
            ));
            None
        }
        // A body that no longer existed (or did not yet) on the signing day.
        Some(i)
            if signed_on.as_deref().is_some_and(|d| {
                i.valid_to.as_deref().is_some_and(|to| d > to)
                    || i.valid_from.as_deref().is_some_and(|from| d < from)
            }) =>
        {
            errors.push(FieldError::new(
                "issuer_unit_id",
                format!("{} không tồn tại vào ngày ký.", i.issuer.body),
            ));
            None
        }
        Some(i) => match check_issue(&i.issuer, actor, scope.level, scope.kind, scope.entries) {
            Ok(()) => Some(i),
            Err(e) => {
                errors.push(FieldError::new("issuer_unit_id", e.to_string()));
                None
            }
        },
    };
    Ok(match (issuer, signed_on) {
        (Some(issuer), Some(signed_on)) if errors.is_empty() => Some(DecisionHead {
            number: number.to_owned(),
            signed_on,
            signer: input.signer.trim().to_owned(),
            signer_title: input.signer_title.trim().to_owned(),
            issuer,
        }),
        _ => None,
    })
}

/// The bodies `actor` may sign for at `level` for entries of `units`: the
/// issuers of their territories at that level where the actor holds the
/// signing role, of `kind` (and unit kind) when the form requires one.
pub async fn issuers_for_signer(
    db: &Db,
    actor: &Actor,
    units: &[&UnitPath],
    level: &str,
    kind: Option<IssuerType>,
    unit_kind: Option<&str>,
) -> Result<Vec<IssuingUnit>, ServiceError> {
    let mut out = Vec::new();
    for territory in db.territories_at(units, level).await? {
        out.extend(
            db.issuers_of_territory(&territory)
                .await?
                .into_iter()
                .filter(|i| i.valid_to.is_none())
                .filter(|i| actor.holds(dvk_domain::auth::Role::SigningLeader, &i.issuer.path))
                .filter(|i| kind.is_none_or(|k| i.issuer.kind == k))
                .filter(|i| unit_kind.is_none_or(|k| i.unit_kind == k)),
        );
    }
    Ok(out)
}
