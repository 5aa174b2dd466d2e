//! The measurements of the two official formats (DOMAIN.md §8): page,
//! margins and the size of every line, per letterhead. Sizes are in
//! points; docx-rs wants half-points, lengths in twentieths of a point.

use dvk_domain::issuer::Letterhead;

/// Twips (1/20 pt) per millimetre.
pub fn mm(v: f32) -> i32 {
    (v * 1440.0 / 25.4).round() as i32
}

/// A4 in twips.
pub const A4_SHORT: u32 = 11_906;
pub const A4_LONG: u32 = 16_838;

/// The one font both formats declare; LibreOffice substitutes the
/// metric-compatible Liberation Serif where Times New Roman is missing.
pub const FONT: &str = "Times New Roman";

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub letterhead: Letterhead,
    /// "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" / "ĐẢNG CỘNG SẢN VIỆT NAM".
    pub motto_first: usize,
    /// "Độc lập - Tự do - Hạnh phúc".
    pub motto_second: usize,
    /// The body above the issuer.
    pub parent: usize,
    pub issuer: usize,
    pub number: usize,
    pub dateline: usize,
    /// QUYẾT ĐỊNH, THÔNG BÁO…
    pub doc_type: usize,
    pub subject: usize,
    pub body: usize,
    pub table: usize,
    pub recipients_head: usize,
    pub recipients: usize,
    pub signature: usize,
    /// Margins in mm: top, bottom, left, right.
    pub margins: (f32, f32, f32, f32),
}

impl Style {
    /// NĐ 30/2020/NĐ-CP for State bodies, HD 36-HD/VPTW for Party bodies.
    /// The Front and mass organisations follow NĐ 30 here: their own
    /// guidance keeps the national motto and the same sizes.
    pub fn of(letterhead: Letterhead) -> Style {
        match letterhead {
            Letterhead::State => Style {
                letterhead,
                motto_first: 12,
                motto_second: 13,
                parent: 12,
                issuer: 12,
                number: 13,
                dateline: 13,
                doc_type: 14,
                subject: 14,
                body: 14,
                table: 12,
                recipients_head: 12,
                recipients: 11,
                signature: 13,
                margins: (20.0, 20.0, 30.0, 15.0),
            },
            Letterhead::Party => Style {
                letterhead,
                motto_first: 15,
                motto_second: 15,
                parent: 14,
                issuer: 14,
                number: 14,
                dateline: 14,
                doc_type: 16,
                subject: 14,
                body: 14,
                table: 12,
                recipients_head: 14,
                recipients: 12,
                signature: 14,
                margins: (20.0, 20.0, 30.0, 15.0),
            },
        }
    }

    /// Width of the text area in twips.
    pub fn text_width(&self, landscape: bool) -> usize {
        let page = if landscape { A4_LONG } else { A4_SHORT } as i32;
        (page - mm(self.margins.2) - mm(self.margins.3)) as usize
    }
}
