//! The entry list as a spreadsheet: every registration item a column, the
//! personal items of an individual's exemplar for those who may read the
//! entry (the same readers as the list), with the list's filters and order.

use super::{exported_now, scope_name, Plan, Rows};
use crate::db::Db;
use crate::entries::{bind_all, EntryFilter};
use crate::error::{ServiceError, StoreError};
use crate::reference::Catalogue;
use dvk_domain::auth::{Actor, Role};
use dvk_domain::calendar::vn_day;
use dvk_domain::entry::{Gender, Kind, Subject, ITEMS, PERSON_ITEMS};
use dvk_domain::state::EntryState;
use dvk_domain::unit::UnitPath;
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
        parts.push(format!("tìm “{}”", f.search.display()));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("Lọc: {}", parts.join("; "))
    }
}

/// One entry's row, from the columns [`rows`] selects, in their order.
fn cells_of(
    cat: &Catalogue,
    row: &sqlx::any::AnyRow,
    n: u64,
    personal_roots: &[UnitPath],
) -> Result<Vec<Cell>, sqlx::Error> {
    use sqlx::Row;
    let bad = |what: &str| sqlx::Error::Decode(format!("bad {what}").into());
    let text = |i: usize| -> Result<Cell, sqlx::Error> { Ok(Cell::Text(row.try_get(i)?)) };
    let kind = Kind::parse(&row.try_get::<String, _>(2)?).ok_or_else(|| bad("kind"))?;
    let subject = Subject::parse(&row.try_get::<String, _>(3)?).ok_or_else(|| bad("subject"))?;
    let state = EntryState::parse(&row.try_get::<String, _>(27)?).ok_or_else(|| bad("state"))?;
    let path = |i: usize| -> Result<UnitPath, sqlx::Error> {
        UnitPath::parse(&row.try_get::<String, _>(i)?).ok_or_else(|| bad("path"))
    };
    let mut cells: Vec<Cell> = Vec::with_capacity(40);
    cells.push(Cell::Count(n as i64));
    cells.push(Cell::Count(row.try_get(0)?));
    cells.push(text(1)?);
    cells.push(kind.label().into());
    cells.push(subject.label().into());
    cells.push(cat.field_name(row.try_get(4)?).into());
    cells.push(cat.level_name(&row.try_get::<String, _>(5)?).into());
    cells.push(text(6)?);
    cells.push(Cell::Count(row.try_get(7)?));
    cells.push(text(8)?);
    cells.push(text(9)?);
    cells.push(
        row.try_get::<Option<String>, _>(10)?
            .map(Cell::Text)
            .unwrap_or(Cell::Empty),
    );
    for i in 11..20 {
        cells.push(text(i)?);
    }
    // Personal items go in bulk only to those who register or follow the
    // entry's unit, not to council members reading for appraisal.
    let (unit_path, confirming_path) = (path(31)?, path(32)?);
    let personal = personal_roots
        .iter()
        .any(|p| p.covers(&unit_path) || p.covers(&confirming_path));
    if subject == Subject::Individual && personal {
        cells.push(text(20)?);
        cells.push(
            row.try_get::<Option<i64>, _>(21)?
                .map_or(Cell::Empty, Cell::Count),
        );
        let gender: Option<String> = row.try_get(22)?;
        cells.push(
            gender
                .as_deref()
                .and_then(Gender::parse)
                .map_or(Cell::Empty, |g| g.label().into()),
        );
        cells.push(text(23)?);
        cells.push(text(24)?);
        let party: i64 = row.try_get(25)?;
        cells.push((if party != 0 { "Có" } else { "Không" }).into());
        cells.push(text(26)?);
    } else {
        cells.extend(std::iter::repeat_n(Cell::Empty, PERSON_ITEMS.len()));
    }
    cells.push(state.label().into());
    cells.push(text(28)?);
    cells.push(row.try_get::<Option<i64>, _>(29)?.map(vn_day).into());
    cells.push(Cell::Date(vn_day(row.try_get(30)?)));
    Ok(cells)
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
    // Exactly the columns the sheet needs, read by position: 100,000 rows
    // of thirty columns looked up by name cost a noticeable share of an
    // export's time.
    let sql = format!(
        "SELECT e.id, e.title, e.kind, e.subject, e.field_id, e.target_level, e.phase, e.year, \
         u.name, c.name, r.title, \
         t.situation, t.objectives, t.content, t.area, t.forces, t.resources, t.timeline, t.outputs, t.sustainability, \
         e.person_name, t.birth_year, t.gender, t.ethnicity, t.position, t.party_member, t.example, \
         e.state, e.state_reason, e.submitted_at, e.updated_at, e.unit_path, e.confirming_path \
         FROM entries e JOIN entry_contents t ON t.entry_id = e.id JOIN units u ON u.id = e.unit_id \
         JOIN units c ON c.id = e.confirming_unit_id \
         LEFT JOIN entries r ON r.id = e.replicates_id \
         WHERE {where_sql} ORDER BY {}",
        filter.sort.order_by(db.backend, false)
    );
    let mut stream = bind_all(&sql, &params).fetch(&db.read);
    let mut n = 0u64;
    while let Some(row) = stream.try_next().await.map_err(StoreError::from)? {
        n += 1;
        let cells = cells_of(cat, &row, n, &personal_roots).map_err(StoreError::from)?;
        if !rows.push(cells).await {
            return Ok(n);
        }
    }
    rows.flush().await;
    Ok(n)
}
