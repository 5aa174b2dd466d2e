//! The summary table as a spreadsheet: the same rows and columns as the
//! page, the columns under their merged headings.

use super::{exported_now, Plan, Rows};
use crate::summary::{value, Summary};
use dvk_domain::summary::RowKind;
use dvk_sheets::{Cell, Column, ColumnKind, Heading};

pub fn plan(s: &Summary) -> Plan {
    let mut columns = vec![
        Column::new("TT", ColumnKind::Text).width(5.0),
        Column::new("Đơn vị", ColumnKind::Text).width(34.0),
    ];
    for c in s.columns() {
        let col = Column::new(c.label, ColumnKind::Count).width(9.0);
        columns.push(match c.group {
            Some(g) => col.group(g),
            None => col,
        });
    }
    columns.push(Column::new("Nay thuộc (sau 1/7/2025)", ColumnKind::Text).width(22.0));
    Plan {
        heading: Heading {
            title: format!(
                "BIỂU TỔNG HỢP KẾT QUẢ XÂY DỰNG MÔ HÌNH, ĐIỂN HÌNH “DÂN VẬN KHÉO” {}",
                s.period.words().to_uppercase()
            ),
            unit: s.unit.name.clone(),
            exported_at: exported_now(),
            note: "Dòng đơn vị là tổng của các đơn vị thuộc đơn vị đó (dòng có dấu “-” bên dưới)."
                .into(),
            sheet: "Tổng hợp".into(),
            form: String::new(),
        },
        columns,
        file_name: format!("Biểu tổng hợp {} - {}", s.period.words(), s.unit.name),
    }
}

/// The table's rows, in the page's order.
pub async fn rows(s: &Summary, mut rows: Rows) -> u64 {
    let columns = s.columns();
    let mut n = 0;
    let mut sent = 0;
    for l in &s.rows {
        let (tt, name) = match l.row.kind {
            RowKind::Total => (String::new(), format!("Tổng cộng ({})", l.row.name)),
            RowKind::Unit => {
                n += 1;
                (n.to_string(), l.row.name.clone())
            }
            RowKind::SubUnit | RowKind::Own => ("-".into(), format!("   {}", l.row.name)),
        };
        let mut cells = vec![Cell::Text(tt), Cell::Text(name)];
        cells.extend(
            columns
                .iter()
                .map(|c| Cell::Count(value(&l.row.tally, &c.key))),
        );
        cells.push(Cell::Text(l.now_in.clone()));
        if !rows.push(cells).await {
            return sent;
        }
        sent += 1;
    }
    rows.flush().await;
    sent
}
