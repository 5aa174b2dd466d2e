//! The yearly review summary (biểu tổng hợp, rà soát) and the
//! implementation report (báo cáo kết quả triển khai xây dựng mô hình,
//! điển hình "Dân vận khéo"): figures computed from the records, the
//! narrative sections left as headings to fill.

use super::common::{Issuing, Listed, Signing, MOVEMENT};
use crate::model::{Annex, Block, Cell, Document, Grid, Span};

/// One lower unit's line in the review summary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReviewRow {
    pub unit: String,
    pub registered: i64,
    pub new: i64,
    pub continuing: i64,
    pub removed: i64,
}

/// A model reviewed in the year, with the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewed {
    pub listed: Listed,
    /// "Duy trì, hiệu quả" / "Đưa ra khỏi danh sách" / "Chưa rà soát".
    pub outcome: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewSummary {
    pub issuing: Issuing,
    pub date: Option<String>,
    pub signing: Signing,
    pub year: i32,
    /// The unit whose subtree it covers.
    pub unit: String,
    pub rows: Vec<ReviewRow>,
    pub reviewed: Vec<Reviewed>,
}

fn n(v: i64) -> Cell {
    Cell::center(v.to_string())
}

impl ReviewSummary {
    pub fn totals(&self) -> ReviewRow {
        self.rows.iter().fold(
            ReviewRow {
                unit: "Tổng cộng".into(),
                ..ReviewRow::default()
            },
            |mut t, r| {
                t.registered += r.registered;
                t.new += r.new;
                t.continuing += r.continuing;
                t.removed += r.removed;
                t
            },
        )
    }

    pub fn document(&self) -> Document {
        let mut doc = Document::new(self.issuing.letterhead, "BIỂU TỔNG HỢP, RÀ SOÁT");
        doc.title = format!("Tổng hợp, rà soát mô hình, điển hình năm {}", self.year);
        doc.head = Some(self.issuing.head(None, self.date.as_deref()));
        doc.subject = vec![format!(
            "Mô hình, điển hình {MOVEMENT} năm {} của {}",
            self.year, self.unit
        )];
        let mut rows = vec![vec![
            Cell::bold("TT"),
            Cell::bold("Đơn vị"),
            Cell::bold("Đăng ký"),
            Cell::bold("Công nhận mới"),
            Cell::bold("Duy trì (rà soát)"),
            Cell::bold("Đưa ra khỏi danh sách"),
        ]];
        for (i, r) in self.rows.iter().enumerate() {
            rows.push(vec![
                Cell::center((i + 1).to_string()),
                Cell::text(&r.unit),
                n(r.registered),
                n(r.new),
                n(r.continuing),
                n(r.removed),
            ]);
        }
        let t = self.totals();
        rows.push(vec![
            Cell::bold("Tổng cộng").wide(2),
            Cell::bold(t.registered.to_string()),
            Cell::bold(t.new.to_string()),
            Cell::bold(t.continuing.to_string()),
            Cell::bold(t.removed.to_string()),
        ]);
        doc.blocks
            .push(Block::Heading("I. SỐ LIỆU TỔNG HỢP".into()));
        doc.blocks.push(Block::Table(Grid {
            widths: vec![7, 37, 14, 14, 14, 14],
            header_rows: 1,
            rows,
            size: None,
        }));
        doc.blocks.push(Block::Heading(
            "II. KẾT QUẢ RÀ SOÁT MÔ HÌNH, ĐIỂN HÌNH ĐÃ CÔNG NHẬN".into(),
        ));
        if self.reviewed.is_empty() {
            doc.blocks.push(Block::para(
                "Chưa có mô hình, điển hình được rà soát trong năm.",
            ));
        } else {
            let mut rows = vec![vec![
                Cell::bold("TT"),
                Cell::bold("Tên mô hình, điển hình"),
                Cell::bold("Tập thể, cá nhân"),
                Cell::bold("Kết quả rà soát"),
                Cell::bold("Lý do, ghi chú"),
            ]];
            for (i, r) in self.reviewed.iter().enumerate() {
                rows.push(vec![
                    Cell::center((i + 1).to_string()),
                    Cell::text(&r.listed.title),
                    Cell::text(&r.listed.holder),
                    Cell::text(&r.outcome),
                    Cell::text(&r.reason),
                ]);
            }
            doc.blocks.push(Block::Table(Grid {
                widths: vec![7, 33, 24, 16, 20],
                header_rows: 1,
                rows,
                size: None,
            }));
        }
        doc.signature = Some(self.signing.signature());
        doc.recipients = vec!["Cấp trên (b/c)".into(), "Lưu: VT".into()];
        doc
    }
}

/// The implementation report's figures, counted from the records.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Figures {
    pub registered: i64,
    pub collective: i64,
    pub individual: i64,
    pub models: i64,
    pub exemplars: i64,
    /// Registered this period for the first time / carried over.
    pub new: i64,
    pub continuing: i64,
    /// (level name, recognised at it).
    pub recognised: Vec<(String, i64)>,
    pub outstanding: i64,
    /// (form of reward, how many).
    pub rewarded: Vec<(String, i64)>,
    pub removed: i64,
    /// (field, registered, recognised).
    pub by_field: Vec<(String, i64, i64)>,
}

/// One lower unit's line of the report's annex (the summary table's
/// main columns), or the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitLine {
    pub name: String,
    pub total: bool,
    /// Registered, collective, individual, recognised, outstanding,
    /// rewarded, removed.
    pub values: [i64; 7],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub issuing: Issuing,
    pub number: Option<String>,
    pub date: Option<String>,
    pub signing: Signing,
    /// "năm 2026", "giai đoạn 2021 - 2025".
    pub period: String,
    pub figures: Figures,
    /// Typical models (recognised, outstanding or rewarded first).
    pub typical: Vec<Listed>,
    /// The summary table's main columns by lower unit, as an annex (the
    /// whole table is its own landscape document).
    pub by_unit: Vec<UnitLine>,
}

impl Report {
    pub fn document(&self) -> Document {
        let f = &self.figures;
        let mut doc = Document::new(self.issuing.letterhead, "BÁO CÁO");
        doc.title = format!("Báo cáo kết quả triển khai {}", self.period);
        doc.head = Some(
            self.issuing
                .head(self.number.as_deref(), self.date.as_deref()),
        );
        doc.subject = vec![format!(
            "Kết quả triển khai xây dựng mô hình, điển hình {MOVEMENT} {}",
            self.period
        )];
        let fill = |doc: &mut Document, heading: &str| {
            doc.blocks.push(Block::Heading(heading.to_owned()));
            doc.blocks.push(Block::Blank(3));
        };
        fill(
            &mut doc,
            "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO, TRIỂN KHAI THỰC HIỆN",
        );
        doc.blocks
            .push(Block::Heading("II. KẾT QUẢ THỰC HIỆN".into()));
        doc.blocks.push(Block::para(format!(
            "Tổng số mô hình, điển hình đăng ký: {} (tập thể: {}, cá nhân: {}; mô hình: {}, điển hình: {}); đăng ký mới: {}, tiếp tục từ giai đoạn trước: {}.",
            f.registered, f.collective, f.individual, f.models, f.exemplars, f.new, f.continuing
        )));
        let recognised: i64 = f.recognised.iter().map(|(_, v)| v).sum();
        let per_level: Vec<String> = f
            .recognised
            .iter()
            .map(|(l, v)| format!("{l}: {v}"))
            .collect();
        doc.blocks.push(Block::para(format!(
            "Được công nhận: {recognised}{}; tiêu biểu: {}; bị đưa ra khỏi danh sách, thu hồi: {}.",
            if per_level.is_empty() {
                String::new()
            } else {
                format!(" ({})", per_level.join("; "))
            },
            f.outstanding,
            f.removed
        )));
        let rewarded: i64 = f.rewarded.iter().map(|(_, v)| v).sum();
        let per_form: Vec<String> = f
            .rewarded
            .iter()
            .map(|(l, v)| format!("{l}: {v}"))
            .collect();
        doc.blocks.push(Block::para(format!(
            "Được khen thưởng: {rewarded}{}.",
            if per_form.is_empty() {
                String::new()
            } else {
                format!(" ({})", per_form.join("; "))
            }
        )));
        let mut rows = vec![vec![
            Cell::bold("TT"),
            Cell::bold("Lĩnh vực"),
            Cell::bold("Đăng ký"),
            Cell::bold("Được công nhận"),
        ]];
        for (i, (field, reg, rec)) in f.by_field.iter().enumerate() {
            rows.push(vec![
                Cell::center((i + 1).to_string()),
                Cell::text(field),
                n(*reg),
                n(*rec),
            ]);
        }
        rows.push(vec![
            Cell::bold("Tổng cộng").wide(2),
            Cell::bold(f.by_field.iter().map(|r| r.1).sum::<i64>().to_string()),
            Cell::bold(f.by_field.iter().map(|r| r.2).sum::<i64>().to_string()),
        ]);
        doc.blocks
            .push(Block::spans(vec![Span::italic("Kết quả theo lĩnh vực:")]));
        doc.blocks.push(Block::Table(Grid {
            widths: vec![8, 52, 20, 20],
            header_rows: 1,
            rows,
            size: None,
        }));
        doc.blocks.push(Block::spans(vec![Span::italic(
            "Một số mô hình, điển hình tiêu biểu:",
        )]));
        if self.typical.is_empty() {
            doc.blocks.push(Block::Blank(2));
        }
        for (i, t) in self.typical.iter().enumerate() {
            doc.blocks.push(Block::para(format!(
                "{}. {} ({}).",
                i + 1,
                t.title,
                t.holder
            )));
        }
        fill(
            &mut doc,
            "III. ĐÁNH GIÁ CHUNG (ưu điểm, hạn chế, nguyên nhân, bài học kinh nghiệm)",
        );
        fill(&mut doc, "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI");
        fill(&mut doc, "V. ĐỀ XUẤT, KIẾN NGHỊ");
        doc.signature = Some(self.signing.signature());
        doc.recipients = vec!["Cấp trên (b/c)".into(), "Lưu: VT".into()];
        if !self.by_unit.is_empty() {
            let mut rows = vec![[
                "TT",
                "Đơn vị",
                "Đăng ký",
                "Tập thể",
                "Cá nhân",
                "Được công nhận",
                "Tiêu biểu",
                "Khen thưởng",
                "Đưa ra khỏi danh sách",
            ]
            .into_iter()
            .map(Cell::bold)
            .collect::<Vec<_>>()];
            let mut tt = 0;
            for l in &self.by_unit {
                let mut row = if l.total {
                    vec![Cell::bold(format!("Tổng cộng ({})", l.name)).wide(2)]
                } else {
                    tt += 1;
                    vec![Cell::center(tt.to_string()), Cell::text(&l.name)]
                };
                row.extend(l.values.iter().map(|v| {
                    if l.total {
                        Cell::bold(v.to_string())
                    } else {
                        n(*v)
                    }
                }));
                rows.push(row);
            }
            doc.annexes.push(Annex {
                label: "Phụ lục".into(),
                title: "KẾT QUẢ THEO ĐƠN VỊ".into(),
                reference: format!(
                    "(Kèm theo Báo cáo kết quả triển khai {}; số liệu của biểu tổng hợp)",
                    self.period
                ),
                blocks: vec![Block::Table(Grid {
                    widths: vec![6, 27, 9, 9, 9, 11, 9, 10, 10],
                    header_rows: 1,
                    rows,
                    size: Some(11),
                })],
            });
        }
        doc
    }
}
