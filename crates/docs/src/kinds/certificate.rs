//! Certificates (giấy chứng nhận of a recognition, giấy khen / bằng khen
//! of a reward): one A4 landscape page.

use super::common::{Issuing, Signing};
use crate::model::{Block, Document, Span};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub issuing: Issuing,
    /// "GIẤY CHỨNG NHẬN", "GIẤY KHEN", "BẰNG KHEN".
    pub heading: String,
    /// The line above the name: what it is recognised as, or the award.
    pub lead: String,
    /// The model's or exemplar's name.
    pub title: String,
    /// Who holds it: the unit, or the person.
    pub holder: String,
    /// Why, and the decision: "Theo Quyết định số 15/QĐ-UBND ngày 05/01/2026".
    pub attests: String,
    pub number: String,
    /// ISO date.
    pub signed_on: String,
    pub signing: Signing,
    /// The content hash printed so a paper copy can be checked.
    pub check_code: String,
}

impl Certificate {
    pub fn document(&self) -> Document {
        let mut doc = Document::new(self.issuing.letterhead, "");
        doc.title = format!("{}: {}", self.heading, self.title);
        doc.landscape = true;
        doc.head = Some(self.issuing.head(Some(&self.number), Some(&self.signed_on)));
        let show = |span: Span, size: usize| Block::Display {
            spans: vec![span],
            size,
        };
        doc.blocks.push(Block::Gap);
        doc.blocks.push(show(Span::bold(self.heading.clone()), 30));
        doc.blocks.push(show(Span::plain(self.lead.clone()), 16));
        doc.blocks.push(show(Span::bold(self.title.clone()), 20));
        doc.blocks.push(show(Span::plain(self.holder.clone()), 16));
        doc.blocks
            .push(show(Span::italic(self.attests.clone()), 16));
        doc.signature = Some(self.signing.signature());
        if !self.check_code.is_empty() {
            doc.left_note = format!("Mã kiểm tra: {}", self.check_code);
        }
        doc
    }
}
