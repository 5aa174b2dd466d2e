//! The registration form (phiếu đăng ký) of a model or an exemplar, by a
//! collective or an individual: the ten items and, for individuals, the
//! personal items; filled from an entry or blank.

use super::common::{paragraphs, Issuing, MOVEMENT};
use crate::model::{Block, Cell, Document, Grid, Signature, Span};
use dvk_domain::entry::{Kind, Subject, ITEMS, PERSON_ITEMS};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationForm {
    /// The registering unit as the head prints it (no number); `None` for
    /// an individual's own form, which carries the motto alone.
    pub unit: Option<Issuing>,
    pub letterhead: dvk_domain::issuer::Letterhead,
    pub place: String,
    /// ISO date the form is dated; `None` on a blank form.
    pub date: Option<String>,
    pub kind: Kind,
    pub subject: Subject,
    /// The body the form is sent to (the confirming unit), may be empty.
    pub to: String,
    pub year: Option<i32>,
    pub field: String,
    pub level_name: String,
    /// The ten items, in `ITEMS` order (empty on a blank form).
    pub items: [String; 10],
    /// The personal items, in `PERSON_ITEMS` order.
    pub person: [String; 7],
}

impl RegistrationForm {
    pub fn document(&self) -> Document {
        let what = match self.kind {
            Kind::Model => "MÔ HÌNH",
            Kind::Exemplar => "ĐIỂN HÌNH",
        };
        let whose = match self.subject {
            Subject::Collective => "tập thể",
            Subject::Individual => "cá nhân",
        };
        let mut doc = Document::new(self.letterhead, "PHIẾU ĐĂNG KÝ");
        doc.title = format!("Phiếu đăng ký {} {MOVEMENT} ({whose})", what.to_lowercase());
        doc.head = self.unit.as_ref().map(|u| {
            let mut h = u.head(None, self.date.as_deref());
            h.number = None;
            h
        });
        let year = self
            .year
            .map(|y| y.to_string())
            .unwrap_or_else(|| "……".to_owned());
        doc.subject = vec![format!(
            "Xây dựng {} {} {MOVEMENT} năm {year}",
            what.to_lowercase(),
            whose
        )];
        if doc.head.is_none() {
            let date = match &self.date {
                Some(d) => dvk_domain::issuer::dateline(&self.place, d),
                None => "……………, ngày …… tháng …… năm ……".to_owned(),
            };
            doc.blocks.push(Block::Para {
                spans: vec![Span::italic(date)],
                align: crate::model::Align::Right,
            });
        }
        let to = if self.to.trim().is_empty() {
            crate::model::BLANK_LINE.to_owned()
        } else {
            self.to.clone()
        };
        doc.blocks.push(Block::center(vec![
            Span::bold("Kính gửi: "),
            Span::plain(to),
        ]));
        doc.blocks.push(Block::item("Lĩnh vực", &self.field));
        doc.blocks
            .push(Block::item("Cấp đề nghị công nhận", &self.level_name));
        if self.subject == Subject::Individual {
            doc.blocks.push(Block::Heading("THÔNG TIN CÁ NHÂN".into()));
            let rows = PERSON_ITEMS
                .iter()
                .zip(&self.person)
                .map(|((_, label), value)| vec![Cell::text(*label), Cell::text(value)])
                .collect();
            doc.blocks.push(Block::Table(Grid {
                widths: vec![35, 65],
                header_rows: 0,
                rows,
                size: None,
            }));
        }
        doc.blocks.push(Block::Heading("NỘI DUNG ĐĂNG KÝ".into()));
        for (i, ((_, label), value)) in ITEMS.iter().zip(&self.items).enumerate() {
            if i == 0 {
                doc.blocks.push(Block::item(&format!("1. {label}"), value));
                continue;
            }
            doc.blocks.push(Block::spans(vec![Span::bold(format!(
                "{}. {label}:",
                i + 1
            ))]));
            doc.blocks.extend(paragraphs(value));
        }
        doc.signature = Some(Signature {
            lines: vec![match self.subject {
                Subject::Collective => "THỦ TRƯỞNG ĐƠN VỊ".into(),
                Subject::Individual => "NGƯỜI ĐĂNG KÝ".into(),
            }],
            name: if self.subject == Subject::Individual {
                self.person[0].clone()
            } else {
                String::new()
            },
        });
        doc
    }
}
