//! The public notice of a round's results (thông báo công khai kết quả
//! xét chọn): the list, the period, where and how to comment.

use super::common::{listing, show_date, Issuing, Listed, Signing, MOVEMENT};
use crate::model::{Annex, Block, Document};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub issuing: Issuing,
    pub number: Option<String>,
    /// ISO date of publication.
    pub date: Option<String>,
    pub signing: Signing,
    /// "cấp tỉnh".
    pub level_name: String,
    pub year: i32,
    /// The council's meeting date (ISO), if recorded.
    pub council_date: Option<String>,
    /// The period (ISO dates, inclusive).
    pub starts: Option<String>,
    pub ends: Option<String>,
    /// Where comments go online (the notice's public address).
    pub comment_url: String,
    pub lines: Vec<Listed>,
}

impl Notice {
    pub fn document(&self) -> Document {
        let level_year = format!("{} năm {}", self.level_name, self.year);
        let mut doc = Document::new(self.issuing.letterhead, "THÔNG BÁO");
        doc.title = format!("Thông báo công khai kết quả xét chọn {level_year}");
        doc.head = Some(
            self.issuing
                .head(self.number.as_deref(), self.date.as_deref()),
        );
        doc.subject = vec![format!(
            "Công khai kết quả xét chọn mô hình, điển hình {MOVEMENT} {level_year}"
        )];
        let meeting = match &self.council_date {
            Some(d) => format!(" ngày {}", show_date(d)),
            None => String::new(),
        };
        doc.blocks.push(Block::para(format!(
            "Căn cứ kết quả họp Hội đồng xét chọn mô hình, điển hình {MOVEMENT} {level_year}{meeting}, {} thông báo công khai danh sách {} mô hình, điển hình được Hội đồng đề nghị công nhận (có danh sách kèm theo).",
            self.issuing.body,
            super::common::count_of(&self.lines)
        )));
        let period = |d: &Option<String>| {
            d.as_deref()
                .map(show_date)
                .unwrap_or_else(|| "…/…/……".to_owned())
        };
        doc.blocks.push(Block::para(format!(
            "Thời gian thông báo công khai: từ ngày {} đến hết ngày {}.",
            period(&self.starts),
            period(&self.ends)
        )));
        doc.blocks.push(Block::para(format!(
            "Trong thời gian trên, tổ chức, cá nhân có ý kiến về các mô hình, điển hình trong danh sách xin gửi trực tiếp hoặc bằng văn bản về {}, hoặc gửi trực tuyến tại địa chỉ {} (ghi rõ họ tên, địa chỉ liên hệ và nội dung ý kiến). Mọi ý kiến đều được xem xét, trả lời trước khi công nhận.",
            self.issuing.body, self.comment_url
        )));
        doc.blocks.push(Block::para(format!(
            "{} thông báo để các tập thể, cá nhân biết, tham gia giám sát./.",
            self.issuing.body
        )));
        doc.signature = Some(self.signing.signature());
        doc.recipients = vec![
            "Các tập thể, cá nhân có tên trong danh sách".into(),
            "Đăng Cổng thông tin điện tử".into(),
            "Lưu: VT".into(),
        ];
        doc.annexes.push(Annex {
            label: "Danh sách".into(),
            title: format!(
                "MÔ HÌNH, ĐIỂN HÌNH {} {} ĐỀ NGHỊ CÔNG NHẬN",
                MOVEMENT.to_uppercase(),
                level_year.to_uppercase()
            ),
            reference: format!(
                "(Kèm theo Thông báo số {} ngày {} của {})",
                self.number.as_deref().unwrap_or("……"),
                period(&self.date),
                self.issuing.body
            ),
            blocks: vec![Block::Table(listing(&self.lines))],
        });
        doc
    }
}
