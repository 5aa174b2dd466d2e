//! A council member's score sheet (phiếu chấm điểm), for one entry or for
//! every entry assigned to the member in a round; blank or as scored.

use super::common::{Issuing, Listed, MOVEMENT};
use crate::model::{Block, Cell, Document, Grid, Signature, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct SheetCriterion {
    pub name: String,
    pub max_points: f64,
    /// The member's points, when scored.
    pub points: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SheetEntry {
    pub listed: Listed,
    pub criteria: Vec<SheetCriterion>,
    /// Ballot mode: the member's vote, when cast.
    pub approve: Option<bool>,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoreSheet {
    pub issuing: Issuing,
    pub date: Option<String>,
    pub level_name: String,
    pub year: i32,
    pub ballot: bool,
    /// The member's name; empty on a blank sheet.
    pub member: String,
    pub entries: Vec<SheetEntry>,
}

fn points(v: f64) -> String {
    let s = if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    };
    s.replace('.', ",")
}

impl ScoreSheet {
    pub fn document(&self) -> Document {
        let level_year = format!("{} năm {}", self.level_name, self.year);
        let doc_type = if self.ballot {
            "PHIẾU BIỂU QUYẾT"
        } else {
            "PHIẾU CHẤM ĐIỂM"
        };
        let mut doc = Document::new(self.issuing.letterhead, doc_type);
        doc.title = format!("{} {level_year}", doc_type.to_lowercase());
        doc.head = Some(self.issuing.head(None, self.date.as_deref()));
        doc.subject = vec![format!(
            "Xét chọn mô hình, điển hình {MOVEMENT} {level_year}"
        )];
        let member = if self.member.trim().is_empty() {
            crate::model::BLANK_LINE
        } else {
            self.member.trim()
        };
        doc.blocks.push(Block::spans(vec![
            Span::bold("Thành viên Hội đồng: "),
            Span::plain(member),
        ]));
        for (i, e) in self.entries.iter().enumerate() {
            doc.blocks.push(Block::Heading(format!(
                "{}. {} — {}",
                i + 1,
                e.listed.title,
                e.listed.holder
            )));
            if self.ballot {
                let mark = |v: bool| match e.approve {
                    Some(a) if a == v => "☒",
                    _ => "☐",
                };
                doc.blocks.push(Block::para(format!(
                    "{} Đồng ý công nhận        {} Không đồng ý",
                    mark(true),
                    mark(false)
                )));
            } else {
                let mut rows = vec![vec![
                    Cell::bold("TT"),
                    Cell::bold("Tiêu chí"),
                    Cell::bold("Điểm tối đa"),
                    Cell::bold("Điểm chấm"),
                ]];
                for (j, c) in e.criteria.iter().enumerate() {
                    rows.push(vec![
                        Cell::center((j + 1).to_string()),
                        Cell::text(&c.name),
                        Cell::center(points(c.max_points)),
                        Cell::center(c.points.map(points).unwrap_or_default()),
                    ]);
                }
                let max: f64 = e.criteria.iter().map(|c| c.max_points).sum();
                let total = e
                    .criteria
                    .iter()
                    .map(|c| c.points)
                    .sum::<Option<f64>>()
                    .filter(|_| !e.criteria.is_empty());
                rows.push(vec![
                    Cell::bold("Tổng cộng").wide(2),
                    Cell::bold(points(max)),
                    Cell::bold(total.map(points).unwrap_or_default()),
                ]);
                doc.blocks.push(Block::Table(Grid {
                    widths: vec![7, 61, 16, 16],
                    header_rows: 1,
                    rows,
                    size: None,
                }));
            }
            doc.blocks.push(Block::item("Nhận xét", &e.comment));
        }
        doc.signature = Some(Signature {
            lines: vec!["NGƯỜI CHẤM".into()],
            name: self.member.trim().to_owned(),
        });
        doc
    }
}
