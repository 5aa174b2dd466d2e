//! The summary table (biểu tổng hợp) as a document: A4 landscape, rows by
//! lower unit with subtotals, the columns under their merged headings.

use super::common::{Issuing, MOVEMENT};
use crate::model::{Block, Cell, Document, Grid, Span};

/// What a row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Total,
    Unit,
    SubUnit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub name: String,
    pub level: Level,
    /// "Nay thuộc …" for a unit gone in the 2025 reform.
    pub note: String,
    pub values: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryTable {
    pub issuing: Issuing,
    pub date: Option<String>,
    /// "năm 2026", "giai đoạn 2021 - 2025".
    pub period: String,
    /// The unit whose subtree it covers.
    pub unit: String,
    /// (group heading, label) per column of counts.
    pub columns: Vec<(Option<String>, String)>,
    pub lines: Vec<Line>,
}

impl SummaryTable {
    pub fn document(&self) -> Document {
        let mut doc = Document::new(self.issuing.letterhead, "BIỂU TỔNG HỢP");
        doc.landscape = true;
        doc.title = format!("Biểu tổng hợp mô hình, điển hình {}", self.period);
        doc.head = Some(self.issuing.head(None, self.date.as_deref()));
        doc.subject = vec![format!(
            "Kết quả xây dựng mô hình, điển hình {MOVEMENT} {} của {}",
            self.period, self.unit
        )];
        let grouped = self.columns.iter().any(|(g, _)| g.is_some());
        // Header: groups over their columns; a column without a group has
        // its label in the first row.
        let mut first = vec![Cell::bold("TT"), Cell::bold("Đơn vị")];
        let mut second = vec![Cell::bold(""), Cell::bold("")];
        let mut i = 0;
        while i < self.columns.len() {
            match &self.columns[i].0 {
                Some(g) => {
                    let mut j = i;
                    while j + 1 < self.columns.len() && self.columns[j + 1].0.as_ref() == Some(g) {
                        j += 1;
                    }
                    first.push(Cell::bold(g.clone()).wide(j - i + 1));
                    for c in &self.columns[i..=j] {
                        second.push(Cell::bold(c.1.clone()));
                    }
                    i = j + 1;
                }
                None => {
                    first.push(Cell::bold(self.columns[i].1.clone()));
                    second.push(Cell::bold(""));
                    i += 1;
                }
            }
        }
        let mut rows = vec![first];
        if grouped {
            rows.push(second);
        }
        let mut n = 0;
        for l in &self.lines {
            let (tt, name) = match l.level {
                Level::Total => (String::new(), format!("Tổng cộng ({})", l.name)),
                Level::Unit => {
                    n += 1;
                    (n.to_string(), l.name.clone())
                }
                Level::SubUnit => ("-".into(), format!("   {}", l.name)),
            };
            let name = if l.note.is_empty() {
                name
            } else {
                format!("{name} (nay thuộc {})", l.note)
            };
            let bold = matches!(l.level, Level::Total | Level::Unit);
            let cell = |t: String, center: bool| {
                let mut c = if center {
                    Cell::center(t)
                } else {
                    Cell::text(t)
                };
                if bold {
                    c.spans = c
                        .spans
                        .into_iter()
                        .map(|s| Span { bold: true, ..s })
                        .collect();
                }
                c
            };
            let mut row = vec![cell(tt, true), cell(name, false)];
            row.extend(l.values.iter().map(|v| cell(v.to_string(), true)));
            rows.push(row);
        }
        let mut widths = vec![4, 24];
        widths.extend(std::iter::repeat_n(6, self.columns.len()));
        // Many narrow columns: a smaller type keeps labels whole.
        doc.blocks.push(Block::Table(Grid {
            widths,
            header_rows: if grouped { 2 } else { 1 },
            rows,
            size: Some(if self.columns.len() > 14 { 8 } else { 10 }),
        }));
        doc.blocks.push(Block::para(
            "Ghi chú: số liệu lấy từ hệ thống DVK tại thời điểm lập biểu; mỗi dòng là tổng của đơn vị đó và các đơn vị trực thuộc. Chi tiết từng đơn vị trực thuộc xem trên trang Tổng hợp hoặc bản Excel.",
        ));
        doc.recipients = vec!["Lưu: VT".into()];
        doc
    }
}
