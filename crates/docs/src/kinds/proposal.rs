//! The proposal to the higher level (tờ trình đề nghị công nhận / đề nghị
//! khen thưởng) with its list.

use super::common::{listing, show_date, Issuing, Listed, Signing, MOVEMENT};
use crate::model::{Annex, Block, Document, Span};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asks {
    /// Recognition at a level in a year.
    Recognition { level_name: String, year: i32 },
    /// A form of reward.
    Reward { award: String, year: i32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub issuing: Issuing,
    pub number: Option<String>,
    pub date: Option<String>,
    pub signing: Signing,
    /// The body asked to decide.
    pub to: String,
    pub asks: Asks,
    /// The public notice's period and what came of it, when there was one.
    pub notice: Option<(String, String, usize)>,
    pub lines: Vec<Listed>,
}

impl Proposal {
    pub fn document(&self) -> Document {
        let mut doc = Document::new(self.issuing.letterhead, "TỜ TRÌNH");
        doc.head = Some(
            self.issuing
                .head(self.number.as_deref(), self.date.as_deref()),
        );
        let (subject, ask, list_title) = match &self.asks {
            Asks::Recognition { level_name, year } => (
                format!("Đề nghị công nhận mô hình, điển hình {MOVEMENT} {level_name} năm {year}"),
                format!(
                    "xem xét, công nhận {} mô hình, điển hình {MOVEMENT} {level_name} năm {year}",
                    super::common::count_of(&self.lines)
                ),
                format!(
                    "MÔ HÌNH, ĐIỂN HÌNH {} ĐỀ NGHỊ CÔNG NHẬN {} NĂM {year}",
                    MOVEMENT.to_uppercase(),
                    level_name.to_uppercase()
                ),
            ),
            Asks::Reward { award, year } => (
                format!("Đề nghị khen thưởng mô hình, điển hình {MOVEMENT} năm {year}"),
                format!(
                    "xem xét, tặng {award} cho {} tập thể, cá nhân",
                    super::common::count_of(&self.lines)
                ),
                "TẬP THỂ, CÁ NHÂN ĐỀ NGHỊ KHEN THƯỞNG".to_owned(),
            ),
        };
        doc.title = format!("Tờ trình: {subject}");
        doc.subject = vec![subject];
        doc.blocks.push(Block::center(vec![
            Span::plain("Kính gửi: "),
            Span::plain(self.to.clone()),
        ]));
        doc.blocks.push(Block::para(format!(
            "Thực hiện hướng dẫn về xây dựng mô hình, điển hình {MOVEMENT}, căn cứ kết quả xét chọn của Hội đồng{},",
            match &self.notice {
                Some((from, to, comments)) => format!(
                    " và kết quả thông báo công khai từ ngày {} đến hết ngày {} ({} ý kiến, đã được xem xét, trả lời)",
                    show_date(from),
                    show_date(to),
                    comments
                ),
                None => String::new(),
            }
        )));
        doc.blocks.push(Block::para(format!(
            "{} kính trình {} {ask} (có danh sách kèm theo).",
            self.issuing.body, self.to
        )));
        doc.blocks.push(Block::para(format!(
            "Kính trình {} xem xét, quyết định./.",
            self.to
        )));
        doc.signature = Some(self.signing.signature());
        doc.recipients = vec!["Như trên".into(), "Lưu: VT".into()];
        doc.annexes.push(Annex {
            label: "Danh sách".into(),
            title: list_title,
            reference: format!(
                "(Kèm theo Tờ trình số {} ngày {} của {})",
                self.number.as_deref().unwrap_or("……"),
                self.date
                    .as_deref()
                    .map(show_date)
                    .unwrap_or_else(|| "…/…/……".into()),
                self.issuing.body
            ),
            blocks: vec![Block::Table(listing(&self.lines))],
        });
        doc
    }
}
