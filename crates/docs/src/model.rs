//! An official document as DVK composes it, before any file format: the
//! head (issuing body, number, dateline), the type and subject, the body,
//! the signature, the recipients and the annexes. Each document kind
//! fills one of these from the records; `render` lays it out.

use dvk_domain::issuer::Letterhead;

/// A run of text with its emphasis.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Span {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
}

impl Span {
    pub fn plain(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            ..Span::default()
        }
    }
    pub fn bold(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            bold: true,
            ..Span::default()
        }
    }
    pub fn italic(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            italic: true,
            ..Span::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Body text: justified, first line indented.
    Body,
    Left,
    Center,
    Right,
}

/// A cell of a table; `span` columns wide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub spans: Vec<Span>,
    pub align: Align,
    pub span: usize,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Cell {
        Cell {
            spans: vec![Span::plain(t)],
            align: Align::Left,
            span: 1,
        }
    }
    pub fn center(t: impl Into<String>) -> Cell {
        Cell {
            align: Align::Center,
            ..Cell::text(t)
        }
    }
    pub fn right(t: impl Into<String>) -> Cell {
        Cell {
            align: Align::Right,
            ..Cell::text(t)
        }
    }
    pub fn bold(t: impl Into<String>) -> Cell {
        Cell {
            spans: vec![Span::bold(t)],
            align: Align::Center,
            span: 1,
        }
    }
    pub fn wide(mut self, span: usize) -> Cell {
        self.span = span;
        self
    }
}

/// A bordered table whose first `header_rows` rows repeat on every page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grid {
    /// Relative column widths; scaled to the text width.
    pub widths: Vec<u32>,
    pub header_rows: usize,
    pub rows: Vec<Vec<Cell>>,
    /// Type size in points when not the body's table size (a wide table).
    pub size: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Para {
        spans: Vec<Span>,
        align: Align,
    },
    /// A bold heading inside the body ("Điều 1.", "I. KẾT QUẢ…").
    Heading(String),
    Table(Grid),
    /// `n` dotted lines for a hand to fill.
    Blank(usize),
    /// Vertical space of about one line.
    Gap,
    /// Centred display text at a given size in points (a certificate).
    Display {
        spans: Vec<Span>,
        size: usize,
    },
}

impl Block {
    pub fn para(text: impl Into<String>) -> Block {
        Block::Para {
            spans: vec![Span::plain(text)],
            align: Align::Body,
        }
    }
    pub fn spans(spans: Vec<Span>) -> Block {
        Block::Para {
            spans,
            align: Align::Body,
        }
    }
    pub fn center(spans: Vec<Span>) -> Block {
        Block::Para {
            spans,
            align: Align::Center,
        }
    }
    /// "label: value", the label bold; a dotted line when the value is
    /// empty, for a blank form.
    pub fn item(label: &str, value: &str) -> Block {
        let value = if value.trim().is_empty() {
            BLANK_LINE.to_owned()
        } else {
            value.to_owned()
        };
        Block::spans(vec![Span::bold(format!("{label}: ")), Span::plain(value)])
    }
}

/// The dotted line of a blank form.
pub const BLANK_LINE: &str = "……………………………………………………………………";

/// The issuing body and the number and date lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub letterhead: Letterhead,
    /// The body above the issuer, e.g. "TỈNH ỦY SƠN LA" (may be empty).
    pub parent: String,
    /// The issuing body, e.g. "Ủy ban nhân dân tỉnh Sơn La".
    pub body: String,
    /// "15/QĐ-UBND"; `None` prints the number line for a hand to fill.
    pub number: Option<String>,
    /// Place name of the dateline, e.g. "Sơn La".
    pub place: String,
    /// ISO date; `None` prints "ngày … tháng … năm …".
    pub date: Option<String>,
    /// Printed instead of the dateline (a template's `{{dong_ngay}}`).
    pub dateline_text: Option<String>,
}

impl Head {
    pub fn number_line(&self) -> String {
        match &self.number {
            // A template's placeholder carries its own "Số:".
            Some(n) if n.starts_with("{{") => n.clone(),
            Some(n) => self.letterhead.number_line(n),
            None => self.letterhead.number_line("……/"),
        }
    }

    pub fn dateline(&self) -> String {
        if let Some(t) = &self.dateline_text {
            return t.clone();
        }
        match &self.date {
            Some(d) => dvk_domain::issuer::dateline(&self.place, d),
            None if self.place.is_empty() => "ngày …… tháng …… năm ……".to_owned(),
            None => format!("{}, ngày …… tháng …… năm ……", self.place),
        }
    }
}

/// The signature block: authority lines (TM./KT./Q. and position, bold
/// caps) and the name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signature {
    pub lines: Vec<String>,
    pub name: String,
}

impl Signature {
    /// From a stored title such as "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" or
    /// "TM. ỦY BAN NHÂN DÂN - CHỦ TỊCH": one line per part, in capitals.
    pub fn from_title(title: &str, name: &str) -> Signature {
        let lines = title
            .split(['\n', '—'])
            .flat_map(|l| l.split(" - "))
            .map(|l| l.trim().to_uppercase())
            .filter(|l| !l.is_empty())
            .collect();
        Signature {
            lines,
            name: name.trim().to_owned(),
        }
    }
}

/// An annex after the body, on its own page(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annex {
    /// "Phụ lục" or "Phụ lục I".
    pub label: String,
    /// "DANH SÁCH MÔ HÌNH, ĐIỂN HÌNH…" (bold caps).
    pub title: String,
    /// "(Kèm theo Quyết định số … ngày … của …)".
    pub reference: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Without a head the document starts with the motto alone (a form an
    /// individual fills).
    pub head: Option<Head>,
    /// The motto side when there is no head.
    pub letterhead: Letterhead,
    /// QUYẾT ĐỊNH, THÔNG BÁO, BIÊN BẢN… (bold caps).
    pub doc_type: String,
    /// Subject lines under the type (bold), may be empty.
    pub subject: Vec<String>,
    pub blocks: Vec<Block>,
    pub signature: Option<Signature>,
    /// A second signature on the left (the minutes' secretary).
    pub left_signature: Option<Signature>,
    /// A small italic note in the left cell when there is no list of
    /// recipients (a certificate's check code).
    pub left_note: String,
    /// "Nơi nhận:" list; the last is "Lưu: VT, …".
    pub recipients: Vec<String>,
    pub annexes: Vec<Annex>,
    pub landscape: bool,
    /// Title and author written in the file's properties.
    pub title: String,
}

impl Document {
    pub fn new(letterhead: Letterhead, doc_type: &str) -> Document {
        Document {
            head: None,
            letterhead,
            doc_type: doc_type.to_owned(),
            subject: Vec::new(),
            blocks: Vec::new(),
            signature: None,
            left_signature: None,
            left_note: String::new(),
            recipients: Vec::new(),
            annexes: Vec::new(),
            landscape: false,
            title: doc_type.to_owned(),
        }
    }
}
