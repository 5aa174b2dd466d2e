//! The recognition decision (quyết định công nhận) with its annex list,
//! and the reward decision with its annex of amounts.

use super::common::{
    amount, article, bases, decision_ref, in_words, listing, Issuing, Listed, Signing, MOVEMENT,
};
use crate::model::{Annex, Block, Cell, Document, Grid, Span};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecognitionDecision {
    pub issuing: Issuing,
    /// `None` for a draft to fill by hand.
    pub number: Option<String>,
    /// ISO date.
    pub signed_on: Option<String>,
    pub signing: Signing,
    /// "cấp tỉnh".
    pub level_name: String,
    pub year: i32,
    /// Legal bases, each a full sentence ending in ";".
    pub bases: Vec<String>,
    /// Who proposed it: "Hội đồng xét chọn …".
    pub proposed_by: String,
    pub lines: Vec<Listed>,
}

impl RecognitionDecision {
    pub fn document(&self) -> Document {
        let level_year = format!("{} năm {}", self.level_name, self.year);
        let mut doc = Document::new(self.issuing.letterhead, "QUYẾT ĐỊNH");
        doc.title = format!("Quyết định công nhận mô hình, điển hình {MOVEMENT} {level_year}");
        doc.head = Some(
            self.issuing
                .head(self.number.as_deref(), self.signed_on.as_deref()),
        );
        doc.subject = vec![format!(
            "Về việc công nhận mô hình, điển hình {MOVEMENT} {level_year}"
        )];
        doc.blocks.push(Block::Gap);
        doc.blocks.push(Block::center(vec![Span::bold(
            self.issuing.body.to_uppercase(),
        )]));
        doc.blocks.extend(bases(&self.bases));
        doc.blocks.push(Block::spans(vec![Span::italic(format!(
            "Xét đề nghị của {}.",
            self.proposed_by
        ))]));
        doc.blocks
            .push(Block::center(vec![Span::bold("QUYẾT ĐỊNH:")]));
        doc.blocks.push(article(
            "Điều 1.",
            format!(
                "Công nhận {} mô hình, điển hình {MOVEMENT} {level_year} (có danh sách kèm theo).",
                super::common::count_of(&self.lines)
            ),
        ));
        doc.blocks.push(article(
            "Điều 2.",
            "Các tập thể, cá nhân có mô hình, điển hình được công nhận có trách nhiệm duy trì, phát huy và nhân rộng mô hình, điển hình; hằng năm báo cáo kết quả thực hiện theo hướng dẫn.",
        ));
        doc.blocks.push(article(
            "Điều 3.",
            "Quyết định có hiệu lực kể từ ngày ký. Các cơ quan, đơn vị liên quan và các tập thể, cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
        ));
        doc.signature = Some(self.signing.signature());
        doc.recipients = vec!["Như Điều 3".into(), "Lưu: VT".into()];
        doc.annexes.push(Annex {
            label: "Phụ lục".into(),
            title: format!(
                "DANH SÁCH MÔ HÌNH, ĐIỂN HÌNH {} {} ĐƯỢC CÔNG NHẬN",
                MOVEMENT.to_uppercase(),
                level_year.to_uppercase()
            ),
            reference: format!(
                "(Kèm theo {})",
                decision_ref(
                    self.number.as_deref(),
                    self.signed_on.as_deref(),
                    &self.issuing.body
                )
            ),
            blocks: vec![Block::Table(listing(&self.lines))],
        });
        doc
    }
}

/// One reward in a reward decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardLine {
    pub listed: Listed,
    /// In đồng; 0 when the form carries no money.
    pub amount: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardDecision {
    pub issuing: Issuing,
    pub number: Option<String>,
    pub signed_on: Option<String>,
    pub signing: Signing,
    /// "Giấy khen của Chủ tịch Ủy ban nhân dân phường Tô Hiệu".
    pub award: String,
    /// What was achieved, e.g. "phong trào thi đua “Dân vận khéo” năm 2026".
    pub achievement: String,
    pub bases: Vec<String>,
    pub proposed_by: String,
    pub lines: Vec<RewardLine>,
}

impl RewardDecision {
    pub fn total(&self) -> u64 {
        self.lines.iter().map(|l| l.amount).sum()
    }

    pub fn document(&self) -> Document {
        let mut doc = Document::new(self.issuing.letterhead, "QUYẾT ĐỊNH");
        doc.title = format!("Quyết định khen thưởng: {}", self.award);
        doc.head = Some(
            self.issuing
                .head(self.number.as_deref(), self.signed_on.as_deref()),
        );
        doc.subject = vec![format!(
            "Về việc khen thưởng tập thể, cá nhân có thành tích xuất sắc trong {}",
            self.achievement
        )];
        doc.blocks.push(Block::Gap);
        doc.blocks.push(Block::center(vec![Span::bold(
            self.issuing.body.to_uppercase(),
        )]));
        doc.blocks.extend(bases(&self.bases));
        doc.blocks.push(Block::spans(vec![Span::italic(format!(
            "Xét đề nghị của {}.",
            self.proposed_by
        ))]));
        doc.blocks
            .push(Block::center(vec![Span::bold("QUYẾT ĐỊNH:")]));
        doc.blocks.push(article(
            "Điều 1.",
            format!(
                "Tặng {} cho {} tập thể, cá nhân (có danh sách kèm theo) đã có thành tích xuất sắc trong {}.",
                self.award,
                self.lines.len(),
                self.achievement
            ),
        ));
        let total = self.total();
        if total > 0 {
            doc.blocks.push(article(
                "Điều 2.",
                format!(
                    "Kèm theo hình thức khen thưởng là tiền thưởng theo quy định, tổng số tiền: {} đồng ({}).",
                    amount(total),
                    in_words(total).trim_end_matches('.').replacen("Bằng chữ: ", "bằng chữ: ", 1)
                ),
            ));
        } else {
            doc.blocks.push(article(
                "Điều 2.",
                "Hình thức khen thưởng tại Điều 1 không kèm theo tiền thưởng.",
            ));
        }
        doc.blocks.push(article(
            "Điều 3.",
            "Quyết định có hiệu lực kể từ ngày ký. Các cơ quan, đơn vị liên quan và các tập thể, cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
        ));
        doc.signature = Some(self.signing.signature());
        doc.recipients = vec!["Như Điều 3".into(), "Lưu: VT".into()];
        // Amounts only when the form carries money.
        let money = total > 0;
        let mut head = vec![
            Cell::bold("TT"),
            Cell::bold("Tên mô hình, điển hình"),
            Cell::bold("Tập thể, cá nhân được khen thưởng"),
        ];
        if money {
            head.push(Cell::bold("Số tiền (đồng)"));
        }
        let mut rows = vec![head];
        for (i, l) in self.lines.iter().enumerate() {
            let mut row = vec![
                Cell::center((i + 1).to_string()),
                Cell::text(&l.listed.title),
                Cell::text(&l.listed.holder),
            ];
            if money {
                row.push(Cell::right(amount(l.amount)));
            }
            rows.push(row);
        }
        let mut blocks = Vec::new();
        if money {
            rows.push(vec![
                Cell::bold("Tổng cộng").wide(3),
                Cell {
                    spans: vec![Span::bold(amount(total))],
                    align: crate::model::Align::Right,
                    span: 1,
                },
            ]);
        }
        blocks.push(Block::Table(Grid {
            widths: if money {
                vec![7, 43, 34, 16]
            } else {
                vec![7, 50, 43]
            },
            header_rows: 1,
            rows,
            size: None,
        }));
        if money {
            blocks.push(Block::spans(vec![Span::italic(in_words(total))]));
        }
        doc.annexes.push(Annex {
            label: "Phụ lục".into(),
            title: "DANH SÁCH TẬP THỂ, CÁ NHÂN ĐƯỢC KHEN THƯỞNG".into(),
            reference: format!(
                "(Kèm theo {})",
                decision_ref(
                    self.number.as_deref(),
                    self.signed_on.as_deref(),
                    &self.issuing.body
                )
            ),
            blocks,
        });
        doc
    }
}
