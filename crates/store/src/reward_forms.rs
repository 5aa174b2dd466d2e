//! The catalogue of forms of reward (DOMAIN.md §7): data the province's
//! secretariat keeps on `/rewards/forms`. Each form names its issuer type,
//! its level and the title it prints with the issuing body in it.

use crate::db::{q, Db};
use crate::error::{ServiceError, StoreError};
use dvk_domain::auth::Actor;
use dvk_domain::entry::FieldError;
use dvk_domain::issuer::IssuerType;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct RewardForm {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub issuer_type: String,
    pub level_code: String,
    pub amount: Option<i64>,
    /// The printed title, "{cơ quan}" standing for the issuing body.
    pub title_pattern: String,
    /// Reserved to units of this kind (e.g. the Front's committee), if set.
    pub issuer_kind: Option<String>,
    pub active: bool,
}

impl RewardForm {
    pub fn issuer(&self) -> Option<IssuerType> {
        IssuerType::parse(&self.issuer_type)
    }
}

/// A catalogue form by default: (code, name, issuer type, level, title
/// pattern, reserved unit kind). Data (DOMAIN.md §7), managed on
/// `/rewards/forms`; a missing code is added at start-up.
type DefaultForm = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const DEFAULT_FORMS: &[DefaultForm] = &[
    (
        "gk-ubnd-xa",
        "Giấy khen của Chủ tịch UBND cấp xã",
        "chinh_quyen",
        "xa",
        "Giấy khen của Chủ tịch {cơ quan}",
        None,
    ),
    (
        "gk-dang-uy-xa",
        "Giấy khen của Đảng ủy cấp xã",
        "dang",
        "xa",
        "Giấy khen của {cơ quan}",
        None,
    ),
    (
        "gk-mttq-xa",
        "Giấy khen của Ủy ban MTTQ Việt Nam cấp xã",
        "mttq",
        "xa",
        "Giấy khen của {cơ quan}",
        Some("mttq"),
    ),
    (
        "gk-giam-doc-so",
        "Giấy khen của Giám đốc Sở",
        "so_nganh",
        "tinh",
        "Giấy khen của Giám đốc {cơ quan}",
        None,
    ),
    (
        "bk-ubnd-tinh",
        "Bằng khen của Chủ tịch UBND tỉnh",
        "chinh_quyen",
        "tinh",
        "Bằng khen của Chủ tịch {cơ quan}",
        None,
    ),
    (
        "bk-btv-tinh-uy",
        "Bằng khen của Ban Thường vụ Tỉnh ủy",
        "dang",
        "tinh",
        "Bằng khen của Ban Thường vụ Tỉnh ủy",
        None,
    ),
    (
        "gk-ban-tgdv-tinh-uy",
        "Giấy khen của Ban Tuyên giáo và Dân vận Tỉnh ủy",
        "dang",
        "tinh",
        "Giấy khen của {cơ quan}",
        Some("ban_dang"),
    ),
    (
        "gk-mttq-tinh",
        "Giấy khen của Ủy ban MTTQ Việt Nam tỉnh",
        "mttq",
        "tinh",
        "Giấy khen của {cơ quan}",
        Some("mttq"),
    ),
];

impl Db {
    /// Adds the default forms whose code the catalogue lacks (an edited or
    /// retired form keeps its code, so it is never added back).
    pub async fn seed_reward_forms(&self) -> Result<(), StoreError> {
        for (code, name, issuer, level, pattern, kind) in DEFAULT_FORMS {
            q("INSERT INTO reward_forms (code, name, issuer_type, level_code, title_pattern, issuer_kind) \
               SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM reward_forms WHERE code = $7)")
                .bind(*code)
                .bind(*name)
                .bind(*issuer)
                .bind(*level)
                .bind(*pattern)
                .bind(*kind)
                .bind(*code)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Forms in use, for proposals and decisions.
    pub async fn reward_forms(&self) -> Result<Vec<RewardForm>, StoreError> {
        Ok(self
            .reward_catalogue()
            .await?
            .into_iter()
            .filter(|f| f.active)
            .collect())
    }

    /// The whole catalogue, retired forms included.
    pub async fn reward_catalogue(&self) -> Result<Vec<RewardForm>, StoreError> {
        let rows = q("SELECT id, code, name, issuer_type, level_code, amount, title_pattern, issuer_kind, active FROM reward_forms ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(RewardForm {
                    id: r.try_get("id")?,
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    issuer_type: r.try_get("issuer_type")?,
                    level_code: r.try_get("level_code")?,
                    amount: r.try_get("amount")?,
                    title_pattern: r.try_get("title_pattern")?,
                    issuer_kind: r.try_get("issuer_kind")?,
                    active: r.try_get::<i64, _>("active")? != 0,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}

/// A form of reward as typed on the catalogue page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RewardFormEdit {
    pub name: String,
    pub title_pattern: String,
    pub issuer_type: String,
    /// A unit kind code, or empty for any unit of the issuer type.
    pub issuer_kind: String,
    pub level_code: String,
    /// Whole đồng; dots and spaces between thousands are accepted.
    pub amount: String,
    /// "1" when the form is in use.
    pub active: String,
}

/// A checked edit, ready to store.
struct CheckedForm {
    name: String,
    title_pattern: String,
    issuer_type: IssuerType,
    issuer_kind: Option<String>,
    level_code: String,
    amount: Option<i64>,
    active: bool,
}

fn check_form(
    edit: &RewardFormEdit,
    levels: &[crate::reference::Level],
) -> Result<CheckedForm, ServiceError> {
    let mut errors = Vec::new();
    let name = edit.name.trim();
    if name.is_empty()
        || name.chars().count() > 200
        || name.chars().any(dvk_domain::text::is_unfit_char)
    {
        errors.push(FieldError::new(
            "name",
            "Cần nhập tên hình thức khen thưởng (tối đa 200 ký tự, không có ký tự điều khiển).",
        ));
    }
    let pattern = edit.title_pattern.trim();
    if pattern.is_empty()
        || pattern.chars().count() > 300
        || pattern.chars().any(dvk_domain::text::is_unfit_char)
    {
        errors.push(FieldError::new(
            "title_pattern",
            "Cần nhập tên in trên giấy khen, ví dụ “Giấy khen của Chủ tịch {cơ quan}”.",
        ));
    }
    let issuer_type = IssuerType::parse(edit.issuer_type.trim());
    if issuer_type.is_none() {
        errors.push(FieldError::new(
            "issuer_type",
            "Chọn loại cơ quan ban hành.",
        ));
    }
    let kind = edit.issuer_kind.trim();
    let issuer_kind = if kind.is_empty() {
        None
    } else if issuer_type.is_some() && IssuerType::of_unit_kind(kind) == issuer_type {
        Some(kind.to_owned())
    } else {
        errors.push(FieldError::new(
            "issuer_kind",
            "Loại đơn vị ban hành phải thuộc loại cơ quan đã chọn.",
        ));
        None
    };
    let level = edit.level_code.trim();
    if !levels.iter().any(|l| l.code == level) {
        errors.push(FieldError::new("level_code", "Chọn cấp khen thưởng."));
    }
    let digits: String = edit
        .amount
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | ','))
        .collect();
    let amount = if digits.is_empty() {
        None
    } else {
        match digits.parse::<i64>() {
            Ok(v) if (0..=10_000_000_000).contains(&v) => Some(v),
            _ => {
                errors.push(FieldError::new(
                    "amount",
                    "Mức tiền thưởng là số đồng, ví dụ 1.000.000 (để trống nếu không có).",
                ));
                None
            }
        }
    };
    match issuer_type {
        Some(issuer_type) if errors.is_empty() => Ok(CheckedForm {
            name: name.to_owned(),
            title_pattern: pattern.to_owned(),
            issuer_type,
            issuer_kind,
            level_code: level.to_owned(),
            amount,
            active: edit.active.trim() == "1",
        }),
        _ => Err(ServiceError::Invalid(errors)),
    }
}

/// Adds (`id` None) or edits a form of reward. Decisions already signed
/// keep the title they were signed with; a retired form is offered no more.
pub async fn save_reward_form(
    db: &Db,
    actor: &Actor,
    id: Option<i64>,
    edit: &RewardFormEdit,
) -> Result<i64, ServiceError> {
    dvk_domain::auth::check_catalogue(actor, "sửa danh mục hình thức khen thưởng")?;
    let cat = db.catalogue().await?;
    let f = check_form(edit, &cat.levels)?;
    let mut tx = db.pool.begin().await?;
    crate::audit::lock_for_write(&mut tx).await?;
    let id = match id {
        Some(id) => {
            // Proposals waiting for their decision keep the form as it was
            // proposed: no retiring it, no moving it to another level or body.
            let row = q("SELECT issuer_type, issuer_kind, level_code, active FROM reward_forms WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(ServiceError::NotFound("hình thức khen thưởng"))?;
            let changes_who = row.try_get::<String, _>("issuer_type")? != f.issuer_type.code()
                || row.try_get::<Option<String>, _>("issuer_kind")? != f.issuer_kind
                || row.try_get::<String, _>("level_code")? != f.level_code
                || (row.try_get::<i64, _>("active")? != 0 && !f.active);
            if changes_who {
                let waiting: i64 = q("SELECT COUNT(*) FROM reward_proposals p WHERE p.form_id = $1 \
                                      AND NOT EXISTS (SELECT 1 FROM rewards w WHERE w.round_id = p.round_id AND w.entry_id = p.entry_id)")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                if waiting > 0 {
                    return Err(ServiceError::Conflict(format!(
                        "Hình thức này đang được đề nghị cho {waiting} hồ sơ chưa có quyết định khen thưởng: chỉ sửa được tên, tên in và mức tiền thưởng cho đến khi các quyết định được ban hành."
                    )));
                }
            }
            let n = q("UPDATE reward_forms SET name = $1, title_pattern = $2, issuer_type = $3, issuer_kind = $4, level_code = $5, amount = $6, active = $7 WHERE id = $8")
                .bind(&f.name)
                .bind(&f.title_pattern)
                .bind(f.issuer_type.code())
                .bind(&f.issuer_kind)
                .bind(&f.level_code)
                .bind(f.amount)
                .bind(f.active as i64)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(ServiceError::NotFound("hình thức khen thưởng"));
            }
            id
        }
        None => {
            // The code is the folded name made unique by the id.
            let slug: String = dvk_domain::text::fold(&f.name)
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join("-");
            let temp = format!("new-{}", rand::random::<u64>());
            let id: i64 = q("INSERT INTO reward_forms (code, name, title_pattern, issuer_type, issuer_kind, level_code, amount, active) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(&temp)
                .bind(&f.name)
                .bind(&f.title_pattern)
                .bind(f.issuer_type.code())
                .bind(&f.issuer_kind)
                .bind(&f.level_code)
                .bind(f.amount)
                .bind(f.active as i64)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            let code: String = format!("{}-{id}", slug.chars().take(40).collect::<String>());
            q("UPDATE reward_forms SET code = $1 WHERE id = $2")
                .bind(code)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            id
        }
    };
    crate::audit::append(
        &mut tx,
        crate::audit::AuditEvent {
            actor_id: Some(actor.user_id),
            action: "reward_form.save",
            record_type: "reward_form",
            record_id: id,
            changes: serde_json::json!({
                "name": f.name, "title_pattern": f.title_pattern,
                "issuer_type": f.issuer_type.code(), "issuer_kind": f.issuer_kind,
                "level": f.level_code, "amount": f.amount, "active": f.active,
            }),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
