//! What a table holds: its heading, its columns, its cells.

use time::Date;

/// The lines above a table, as an office heads what it sends upward.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Heading {
    /// "DANH SÁCH HỒ SƠ ĐĂNG KÝ MÔ HÌNH, ĐIỂN HÌNH “DÂN VẬN KHÉO”".
    pub title: String,
    /// The unit the table is of (or that exports it).
    pub unit: String,
    /// When it was exported, already in words ("14:05 ngày 04/12/2026").
    pub exported_at: String,
    /// The filters or scope, in words; empty when none.
    pub note: String,
    /// The sheet's name (at most 31 characters, no `[]:*?/\`).
    pub sheet: String,
    /// The DVK form the file can be imported as (`DVK_MAU`), if any.
    pub form: String,
}

/// How a column's values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Short text.
    Text,
    /// Long text, wrapped.
    Wrap,
    /// Whole numbers, thousands grouped.
    Count,
    /// dd/mm/yyyy.
    Date,
    /// Amounts in đồng, thousands grouped.
    Money,
    /// A measure with one decimal place (a score in percent).
    Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub label: String,
    /// A label shared by neighbouring columns, in a merged row above theirs.
    pub group: Option<String>,
    /// In characters.
    pub width: f64,
    pub kind: ColumnKind,
}

impl Column {
    pub fn new(label: impl Into<String>, kind: ColumnKind) -> Column {
        let width = match kind {
            ColumnKind::Text => 18.0,
            ColumnKind::Wrap => 40.0,
            ColumnKind::Count => 9.0,
            ColumnKind::Date => 11.0,
            ColumnKind::Money => 14.0,
            ColumnKind::Decimal => 9.0,
        };
        Column {
            label: label.into(),
            group: None,
            width,
            kind,
        }
    }

    pub fn width(mut self, width: f64) -> Column {
        self.width = width;
        self
    }

    pub fn group(mut self, group: impl Into<String>) -> Column {
        self.group = Some(group.into());
        self
    }
}

/// One value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Count(i64),
    Date(Date),
    Money(i64),
    Decimal(f64),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Count(n)
    }
}

impl From<Option<Date>> for Cell {
    fn from(d: Option<Date>) -> Cell {
        d.map(Cell::Date).unwrap_or(Cell::Empty)
    }
}

/// Text as a spreadsheet cell can carry it: control characters other than
/// tabs and line breaks, and noncharacters, dropped (XML 1.0 has no room
/// for them); at most 32,767 characters, Excel's limit.
pub(crate) fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    // Fast path, byte by byte: printable ASCII, tabs and line breaks, and
    // lead bytes that cannot start a control or a noncharacter (U+0080–9F
    // start with C2, U+FDD0–FFFF with EF, the planes' xFFFE/F with F0–F4).
    let plain = text.len() <= 32_767
        && text
            .bytes()
            .all(|b| matches!(b, 0x20..=0x7E | b'\t' | b'\n' | b'\r' | 0x80..=0xC1 | 0xC3..=0xEE));
    if plain {
        return std::borrow::Cow::Borrowed(text);
    }
    let unfit = dvk_domain::text::is_unfit_char;
    if !text.chars().any(unfit) && text.len() <= 32_767 {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.chars().filter(|c| !unfit(*c)).take(32_767).collect())
}

/// The sheet name Excel accepts.
pub(crate) fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
        .take(31)
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').to_owned();
    if cleaned.is_empty() {
        "Danh sách".to_owned()
    } else {
        cleaned
    }
}
