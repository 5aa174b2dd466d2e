//! The council's minutes (biên bản họp hội đồng): when and where, who was
//! there, the results table with mean and median per entry, the
//! conclusion and the reasons for each entry not proposed.

use super::common::{show_date, Issuing, Listed, MOVEMENT};
use crate::model::{Block, Cell, Document, Grid, Signature, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct MinutesLine {
    pub listed: Listed,
    /// Sheets (or ballots) counted.
    pub count: usize,
    /// Percent of the maximum (score mode) or approval share (ballot mode).
    pub mean_pct: Option<f64>,
    pub median_pct: Option<f64>,
    pub passed: bool,
    pub reasons: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Minutes {
    pub issuing: Issuing,
    pub number: Option<String>,
    /// ISO date of the meeting.
    pub date: Option<String>,
    pub place: String,
    pub level_name: String,
    pub year: i32,
    /// true: the council voted (ballots) rather than scored.
    pub ballot: bool,
    /// (name, role in the council) of those present.
    pub present: Vec<(String, String)>,
    /// Sheets missing, members who left: as recorded at the conclusion.
    pub notes: Vec<String>,
    pub lines: Vec<MinutesLine>,
    pub chair: String,
    pub secretary: String,
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}").replace('.', ","))
        .unwrap_or_else(|| "—".to_owned())
}

impl Minutes {
    pub fn document(&self) -> Document {
        let level_year = format!("{} năm {}", self.level_name, self.year);
        let mut doc = Document::new(self.issuing.letterhead, "BIÊN BẢN");
        doc.title = format!("Biên bản họp Hội đồng xét chọn {level_year}");
        doc.head = Some(
            self.issuing
                .head(self.number.as_deref(), self.date.as_deref()),
        );
        doc.subject = vec![format!(
            "Họp Hội đồng xét chọn mô hình, điển hình {MOVEMENT} {level_year}"
        )];
        let when = self
            .date
            .as_deref()
            .map(show_date)
            .unwrap_or_else(|| "…/…/……".to_owned());
        let place = if self.place.trim().is_empty() {
            "……………………".to_owned()
        } else {
            self.place.trim().to_owned()
        };
        doc.blocks.push(Block::para(format!(
            "Hôm nay, ngày {when}, tại {place}, Hội đồng xét chọn mô hình, điển hình {MOVEMENT} {level_year} họp xét chọn các mô hình, điển hình do các đơn vị đề nghị."
        )));
        doc.blocks.push(Block::Heading("I. THÀNH PHẦN".into()));
        if self.present.is_empty() {
            doc.blocks.push(Block::Blank(3));
        }
        for (i, (name, role)) in self.present.iter().enumerate() {
            doc.blocks
                .push(Block::para(format!("{}. {name} — {role}.", i + 1)));
        }
        for n in &self.notes {
            doc.blocks.push(Block::spans(vec![Span::italic(n.clone())]));
        }
        doc.blocks.push(Block::Heading("II. NỘI DUNG".into()));
        let how = if self.ballot {
            "bỏ phiếu biểu quyết; tỷ lệ đồng ý tính trên số phiếu hợp lệ"
        } else {
            "chấm điểm theo bộ tiêu chí; điểm tính theo phần trăm điểm tối đa"
        };
        doc.blocks.push(Block::para(format!(
            "Hội đồng đã xem xét {} hồ sơ ({how}). Kết quả như sau:",
            self.lines.len()
        )));
        let (mean_head, median_head) = if self.ballot {
            ("Tỷ lệ đồng ý (%)", "—")
        } else {
            ("Điểm trung bình (%)", "Trung vị (%)")
        };
        let mut rows = vec![vec![
            Cell::bold("TT"),
            Cell::bold("Tên mô hình, điển hình"),
            Cell::bold("Tập thể, cá nhân"),
            Cell::bold("Số phiếu"),
            Cell::bold(mean_head),
            Cell::bold(median_head),
            Cell::bold("Kết quả"),
        ]];
        for (i, l) in self.lines.iter().enumerate() {
            rows.push(vec![
                Cell::center((i + 1).to_string()),
                Cell::text(&l.listed.title),
                Cell::text(&l.listed.holder),
                Cell::center(l.count.to_string()),
                Cell::center(pct(l.mean_pct)),
                Cell::center(if self.ballot {
                    "—".into()
                } else {
                    pct(l.median_pct)
                }),
                Cell::center(if l.passed { "Đạt" } else { "Không đạt" }),
            ]);
        }
        doc.blocks.push(Block::Table(Grid {
            widths: vec![7, 29, 22, 9, 12, 10, 11],
            header_rows: 1,
            rows,
            size: None,
        }));
        doc.blocks.push(Block::Heading("III. KẾT LUẬN".into()));
        let passed = self.lines.iter().filter(|l| l.passed).count();
        doc.blocks.push(Block::para(format!(
            "Hội đồng thống nhất đề nghị công nhận {passed} mô hình, điển hình {MOVEMENT} {level_year}; không đề nghị {} hồ sơ.",
            self.lines.len() - passed
        )));
        for l in self.lines.iter().filter(|l| !l.passed) {
            doc.blocks.push(Block::spans(vec![
                Span::plain(format!("- {}: ", l.listed.title)),
                Span::italic(if l.reasons.trim().is_empty() {
                    "không đạt yêu cầu.".to_owned()
                } else {
                    l.reasons.trim().to_owned()
                }),
            ]));
        }
        doc.blocks.push(Block::para(
            "Biên bản được thông qua tại cuộc họp, các thành viên Hội đồng thống nhất./.",
        ));
        doc.left_signature = Some(Signature {
            lines: vec!["THƯ KÝ HỘI ĐỒNG".into()],
            name: self.secretary.clone(),
        });
        doc.signature = Some(Signature {
            lines: vec!["CHỦ TỊCH HỘI ĐỒNG".into()],
            name: self.chair.clone(),
        });
        doc
    }
}
