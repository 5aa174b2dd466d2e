//! The status and register tables as spreadsheets: the same rows the
//! pages show (each from its guarded service), with a total row.

use super::{exported_now, Plan, Rows};
use crate::entries::UnitStatusRow;
use crate::review::RegisterRow;
use crate::tracking::Followed;
use dvk_domain::unit::{unit_kind_name, RegistrationStatus};
use dvk_sheets::{Cell, Column, ColumnKind, Heading};

fn heading(title: String, at: &Followed, sheet: &str) -> Heading {
    Heading {
        title,
        unit: at.unit.name.clone(),
        exported_at: exported_now(),
        note: format!("Các đơn vị trực thuộc {}", at.unit.name),
        sheet: sheet.into(),
        form: String::new(),
    }
}

/// Each lower unit's registration status for the year.
pub fn status(at: &Followed, rows: &[UnitStatusRow]) -> (Plan, Vec<Vec<Cell>>) {
    let plan = Plan {
        heading: heading(
            format!(
                "TÌNH HÌNH ĐĂNG KÝ MÔ HÌNH, ĐIỂN HÌNH “DÂN VẬN KHÉO” NĂM {}",
                at.year
            ),
            at,
            "Tình hình đăng ký",
        ),
        columns: vec![
            Column::new("TT", ColumnKind::Count).width(5.0),
            Column::new("Đơn vị", ColumnKind::Text).width(34.0),
            Column::new("Loại đơn vị", ColumnKind::Text).width(16.0),
            Column::new("Tình trạng", ColumnKind::Text).width(16.0),
            Column::new("Chưa gửi", ColumnKind::Count).group("Số hồ sơ"),
            Column::new("Chờ tiếp nhận", ColumnKind::Count).group("Số hồ sơ"),
            Column::new("Trả lại", ColumnKind::Count).group("Số hồ sơ"),
            Column::new("Đã tiếp nhận", ColumnKind::Count).group("Số hồ sơ"),
        ],
        file_name: format!("Tình hình đăng ký năm {} - {}", at.year, at.unit.name),
    };
    let out = numbered(rows.iter().map(|r| {
        (
            [
                r.unit_name.clone().into(),
                unit_kind_name(&r.unit_kind).into(),
                RegistrationStatus::from_counts(r.waiting, r.returned, r.accepted)
                    .label()
                    .into(),
            ],
            [r.drafts, r.waiting, r.returned, r.accepted],
        )
    }));
    (plan, out)
}

/// The register by lower unit for the year.
pub fn register(at: &Followed, rows: &[RegisterRow]) -> (Plan, Vec<Vec<Cell>>) {
    let plan = Plan {
        heading: heading(
            format!(
                "SỔ THEO DÕI MÔ HÌNH, ĐIỂN HÌNH “DÂN VẬN KHÉO” NĂM {}",
                at.year
            ),
            at,
            "Sổ theo dõi",
        ),
        columns: vec![
            Column::new("TT", ColumnKind::Count).width(5.0),
            Column::new("Đơn vị", ColumnKind::Text).width(40.0),
            Column::new("Đăng ký", ColumnKind::Count).width(10.0),
            Column::new("Được công nhận (mới)", ColumnKind::Count).width(12.0),
            Column::new("Tiếp tục duy trì", ColumnKind::Count).width(12.0),
            Column::new("Đưa ra khỏi danh sách", ColumnKind::Count).width(12.0),
        ],
        file_name: format!("Sổ theo dõi năm {} - {}", at.year, at.unit.name),
    };
    let out = numbered(rows.iter().map(|r| {
        (
            [r.unit_name.clone().into()],
            [r.registered, r.new, r.continuing, r.removed],
        )
    }));
    (plan, out)
}

/// Rows numbered from 1 — (text cells, counts) each — and a total row
/// whose counts are the sums of theirs.
fn numbered<const TEXT: usize, const COUNTS: usize>(
    rows: impl Iterator<Item = ([Cell; TEXT], [i64; COUNTS])>,
) -> Vec<Vec<Cell>> {
    let mut total = [0i64; COUNTS];
    let mut out: Vec<Vec<Cell>> = rows
        .enumerate()
        .map(|(i, (text, counts))| {
            for (t, v) in total.iter_mut().zip(&counts) {
                *t += v;
            }
            let mut row = vec![Cell::Count(i as i64 + 1)];
            row.extend(text);
            row.extend(counts.into_iter().map(Cell::Count));
            row
        })
        .collect();
    let mut last = vec![Cell::Empty, "Tổng cộng".into()];
    last.extend(std::iter::repeat_n(Cell::Empty, TEXT.saturating_sub(1)));
    last.extend(total.into_iter().map(Cell::Count));
    out.push(last);
    out
}

/// Sends rows already made.
pub async fn send_all(rows: Vec<Vec<Cell>>, mut out: Rows) -> u64 {
    let mut n = 0;
    for r in rows {
        if !out.push(r).await {
            return n;
        }
        n += 1;
    }
    out.flush().await;
    n
}
