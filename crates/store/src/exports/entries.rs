//! The entry list as a spreadsheet: every registration item a column, the
//! personal items of an individual's exemplar for those who may read the
//! entry (the same readers as the list), with the list's filters and order.

use super::{exported_now, scope_name, Plan, Rows};
use crate::db::Db;
use crate::entries::{bind_all, detail_from_row, EntryFilter};
use crate::error::{ServiceError, StoreError};
use crate::reference::Catalogue;
use dvk_domain::auth::{Actor, Role};
use dvk_domain::calendar::vn_day;
use dvk_domain::entry::{Subject, ITEMS, PERSON_ITEMS};
use dvk_sheets::{Cell, Column, ColumnKind, Heading};
use futures_util::TryStreamExt;

const PERSONAL: &str = "Thông tin cá nhân (điển hình cá nhân)";
const CONTENT: &str = "Nội dung đăng ký";

fn columns() -> Vec<Column> {
    let mut c = vec![
        Column::new("TT", ColumnKind::Count).width(6.0),
        Column::new("Mã hồ sơ", ColumnKind::Count).width(8.0),
        Column::new(ITEMS[0].1, ColumnKind::Wrap).width(36.0),
        Column::new("Loại", ColumnKind::Text).width(10.0),
        Column::new("Đối tượng", ColumnKind::Text).width(10.0),
        Column::new("Lĩnh vực", ColumnKind::Text).width(18.0),
        Column::new("Cấp đề nghị công nhận", ColumnKind::Text).width(11.0),
        Column::new("Giai đoạn", ColumnKind::Text).width(11.0),
        Column::new("Năm", ColumnKind::Count).width(7.0),
        Column::new("Đơn vị đăng ký", ColumnKind::Text).width(24.0),
        Column::new("Nơi tiếp nhận", ColumnKind::Text).width(24.0),
        Column::new("Nhân rộng từ", ColumnKind::Wrap).width(24.0),
    ];
    for (_, label) in &ITEMS[1..] {
        c.push(
            Column::new(*label, ColumnKind::Wrap)
                .width(40.0)
                .group(CONTENT),
        );
    }
    for (key, label) in PERSON_ITEMS {
        let col = match key {
            "birth_year" => Column::new(label, ColumnKind::Count).width(8.0),
            "gender" | "party_member" => Column::new(label, ColumnKind::Text).width(8.0),
            "example" => Column::new(label, ColumnKind::Wrap).width(36.0),
            _ => Column::new(label, ColumnKind::Text).width(20.0),
        };
        c.push(col.group(PERSONAL));
    }
    c.extend([
        Column::new("Trạng thái", ColumnKind::Text).width(14.0),
        Column::new("Lý do (trả lại, không công nhận…)", ColumnKind::Wrap).width(28.0),
        Column::new("Ngày gửi", ColumnKind::Date),
        Column::new("Cập nhật", ColumnKind::Date),
    ]);
    c
}

/// The filters in words, for the line under the title.
fn describe(cat: &Catalogue, f: &EntryFilter) -> String {
    let mut parts = Vec::new();
    if let Some(y) = f.year {
        parts.push(format!("năm {y}"));
    }
    if !f.field_ids.is_empty() {
        parts.push(format!("lĩnh vực {}", cat.field_name(f.field_ids[0])));
    }
    if let Some(k) = f.kind {
        parts.push(k.label().to_lowercase());
    }
    if let Some(s) = f.subject {
        parts.push(s.label().to_lowercase());
    }
    if let Some(l) = &f.level {
        parts.push(format!("đề nghị {}", cat.level_name(l)));
    }
    if let Some(s) = f.state {
        parts.push(format!("trạng thái “{}”", s.label()));
    }
    if !f.search.is_empty() {
        parts.push(format!("tìm “{}”", f.search.join(" ")));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("Lọc: {}", parts.join("; "))
    }
}

/// The heading and columns of the entries `actor` may read under `filter`.
pub async fn plan(
    db: &Db,
    cat: &Catalogue,
    actor: &Actor,
    filter: &EntryFilter,
) -> Result<Plan, ServiceError> {
    let unit = scope_name(db, actor, filter.unit.as_ref()).await?;
    let year = filter.year.map(|y| format!(" năm {y}")).unwrap_or_default();
    Ok(Plan {
        heading: Heading {
            title: format!(
                "DANH SÁCH HỒ SƠ MÔ HÌNH, ĐIỂN HÌNH “DÂN VẬN KHÉO”{}",
                year.to_uppercase()
            ),
            unit,
            exported_at: exported_now(),
            note: describe(cat, filter),
            sheet: "Hồ sơ".into(),
            // The list can be imported back as registrations.
            form: crate::imports::registrations::EXPORT_FORM.into(),
        },
        columns: columns(),
        file_name: format!("Danh sách hồ sơ{year}"),
    })
}

/// Streams every entry `actor` may read that matches `filter` into `rows`,
/// in the list's order; returns how many were sent. The reader's units
/// decide what is visible, whatever the filter says.
pub async fn rows(
    db: &Db,
    cat: &Catalogue,
    actor: &Actor,
    mut filter: EntryFilter,
    mut rows: Rows,
) -> Result<u64, ServiceError> {
    filter.visible = crate::service::readable_roots(db, actor).await?;
    filter.public_only = false;
    if filter.visible.is_empty() {
        return Ok(0);
    }
    // Where personal items may go: the subtrees of the reader's roles other
    // than council seats (and the units merged into them).
    let registering = Actor {
        user_id: actor.user_id,
        grants: actor
            .grants
            .iter()
            .filter(|g| {
                !matches!(
                    g.role,
                    Role::CouncilMember | Role::CouncilChair | Role::CouncilSecretary
                )
            })
            .cloned()
            .collect(),
    };
    let personal_roots = crate::service::readable_roots(db, &registering).await?;
    let (where_sql, params) = db.entry_where(&filter, true);
    let sql = format!(
        "SELECT e.*, t.*, u.name AS unit_name, c.name AS confirming_name, r.title AS replicates_title, \
         us.full_name AS created_by_name \
         FROM entries e JOIN entry_contents t ON t.entry_id = e.id JOIN units u ON u.id = e.unit_id \
         JOIN units c ON c.id = e.confirming_unit_id \
         LEFT JOIN entries r ON r.id = e.replicates_id JOIN users us ON us.id = e.created_by \
         WHERE {where_sql} ORDER BY {}",
        filter.sort.order_by(db.backend)
    );
    let mut stream = bind_all(&sql, &params).fetch(&db.read);
    let mut n = 0u64;
    while let Some(row) = stream.try_next().await.map_err(StoreError::from)? {
        let e = detail_from_row(&row).map_err(StoreError::from)?;
        n += 1;
        let r = &e.registration;
        let mut cells: Vec<Cell> = vec![
            Cell::Count(n as i64),
            Cell::Count(e.id),
            r.title().into(),
            r.kind.label().into(),
            r.subject.label().into(),
            cat.field_name(r.field_id).into(),
            cat.level_name(&r.target_level).into(),
            r.phase.clone().into(),
            Cell::Count(r.year as i64),
            e.unit_name.clone().into(),
            e.confirming_name.clone().into(),
            e.replicates_title.clone().unwrap_or_default().into(),
        ];
        cells.extend(r.items[1..].iter().map(|t| Cell::Text(t.clone())));
        // Personal items go in bulk only to those who register or follow
        // the entry's unit, not to council members reading for appraisal.
        let personal = personal_roots
            .iter()
            .any(|p| p.covers(&e.unit_path) || p.covers(&e.confirming_path));
        if r.subject == Subject::Individual && personal {
            let p = &r.person;
            cells.extend([
                p.name.clone().into(),
                p.birth_year.map_or(Cell::Empty, |y| Cell::Count(y as i64)),
                p.gender.map_or(Cell::Empty, |g| g.label().into()),
                p.ethnicity.clone().into(),
                p.position.clone().into(),
                (if p.party_member { "Có" } else { "Không" }).into(),
                p.example.clone().into(),
            ]);
        } else {
            cells.extend(std::iter::repeat_n(Cell::Empty, PERSON_ITEMS.len()));
        }
        cells.extend([
            e.state.label().into(),
            e.state_reason.clone().into(),
            e.submitted_at.map(vn_day).into(),
            Cell::Date(vn_day(e.updated_at)),
        ]);
        if !rows.push(cells).await {
            return Ok(n);
        }
    }
    rows.flush().await;
    Ok(n)
}
