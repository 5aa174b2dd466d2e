//! What several document kinds share: the issuing body, the listed
//! entries and their table, dates and amounts as documents print them.

use crate::model::{Block, Cell, Grid, Head, Signature, Span};
use dvk_domain::issuer::Letterhead;

/// The movement's name as documents quote it.
pub const MOVEMENT: &str = "“Dân vận khéo”";

/// The body a document comes from, as its head prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuing {
    pub letterhead: Letterhead,
    /// The body above it, e.g. "TỈNH ỦY SƠN LA" (may be empty).
    pub parent: String,
    /// e.g. "Ủy ban nhân dân tỉnh Sơn La".
    pub body: String,
    /// The dateline's place, e.g. "Sơn La".
    pub place: String,
}

impl Issuing {
    pub fn head(&self, number: Option<&str>, date: Option<&str>) -> Head {
        Head {
            letterhead: self.letterhead,
            parent: self.parent.clone(),
            body: self.body.clone(),
            number: number.map(str::to_owned),
            place: self.place.clone(),
            date: date.map(str::to_owned),
            dateline_text: None,
        }
    }
}

/// Who signs, as recorded on the decision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signing {
    pub signer: String,
    /// "CHỦ TỊCH", or "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH".
    pub title: String,
}

impl Signing {
    pub fn signature(&self) -> Signature {
        Signature::from_title(&self.title, &self.signer)
    }
}

/// An entry as lists print it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Listed {
    pub title: String,
    /// The collective (its unit) or the individual (name and position).
    pub holder: String,
    pub field: String,
    /// "Mô hình" / "Điển hình".
    pub kind: String,
    /// "Tập thể" / "Cá nhân".
    pub subject: String,
}

/// How many entries a list holds, as the text says it; a template's
/// starting point (one row of `{{ds.…}}` placeholders) says
/// `{{so_luong}}` instead.
pub fn count_of(lines: &[Listed]) -> String {
    match lines {
        [only] if only.title == "{{ds.ten}}" => "{{so_luong}}".to_owned(),
        _ => lines.len().to_string(),
    }
}

/// dd/mm/yyyy from an ISO date.
pub fn show_date(iso: &str) -> String {
    dvk_domain::calendar::parse_iso(iso)
        .map(dvk_domain::calendar::show)
        .unwrap_or_else(|| "…/…/……".to_owned())
}

/// 1200000 → "1.200.000".
pub fn amount(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// "Bằng chữ: Một triệu hai trăm nghìn đồng."
pub fn in_words(n: u64) -> String {
    format!("Bằng chữ: {}.", dvk_domain::money::dong_in_words(n))
}

/// The list of entries: TT, name, holder, field, kind.
pub fn listing(lines: &[Listed]) -> Grid {
    let mut rows = vec![vec![
        Cell::bold("TT"),
        Cell::bold("Tên mô hình, điển hình"),
        Cell::bold("Tập thể, cá nhân thực hiện"),
        Cell::bold("Lĩnh vực"),
        Cell::bold("Loại"),
    ]];
    for (i, l) in lines.iter().enumerate() {
        let number = match count_of(lines).as_str() {
            "{{so_luong}}" => "{{ds.tt}}".to_owned(),
            _ => (i + 1).to_string(),
        };
        let kind = if l.subject.is_empty() {
            l.kind.clone()
        } else {
            format!("{}\n{}", l.kind, l.subject.to_lowercase())
        };
        rows.push(vec![
            Cell::center(number),
            Cell::text(&l.title),
            Cell::text(&l.holder),
            Cell::text(&l.field),
            Cell::center(kind),
        ]);
    }
    Grid {
        widths: vec![7, 37, 26, 15, 15],
        header_rows: 1,
        rows,
        size: None,
    }
}

/// A paragraph beginning with a bold label ("Điều 1.").
pub fn article(label: &str, text: impl Into<String>) -> Block {
    Block::spans(vec![Span::bold(format!("{label} ")), Span::plain(text)])
}

/// Legal bases: italic body paragraphs.
pub fn bases(lines: &[String]) -> Vec<Block> {
    lines
        .iter()
        .map(|l| Block::spans(vec![Span::italic(l.clone())]))
        .collect()
}

/// A free text typed in a form: one paragraph per line.
pub fn paragraphs(text: &str) -> Vec<Block> {
    let out: Vec<Block> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(Block::para)
        .collect();
    if out.is_empty() {
        vec![Block::Blank(2)]
    } else {
        out
    }
}

/// "Quyết định số 15/QĐ-UBND ngày 05/01/2026 của Ủy ban nhân dân tỉnh Sơn La".
pub fn decision_ref(number: Option<&str>, date: Option<&str>, body: &str) -> String {
    format!(
        "Quyết định số {} ngày {} của {}",
        number.unwrap_or("…………"),
        date.map(show_date).unwrap_or_else(|| "…/…/……".to_owned()),
        body
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_group_thousands_with_dots() {
        assert_eq!(amount(0), "0");
        assert_eq!(amount(999), "999");
        assert_eq!(amount(1_000), "1.000");
        assert_eq!(amount(1_200_000), "1.200.000");
        assert_eq!(amount(12_345_678_901), "12.345.678.901");
    }
}
