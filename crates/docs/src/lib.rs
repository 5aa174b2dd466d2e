//! Official documents as DOCX files (DOMAIN.md §8): the registration
//! form, score sheets, council minutes, proposals, public notices,
//! recognition and reward decisions with their annexes, certificates,
//! yearly review summaries and implementation reports, laid out in the
//! issuing body's format (NĐ 30/2020 for State bodies, HD 36 for Party
//! bodies). No I/O: each kind turns plain data into a [`Document`], and
//! [`to_docx`] turns that into the file's bytes.

pub mod images;
pub mod kinds;
pub mod markdown;
pub mod model;
pub mod package;
mod render;
pub mod style;

pub use model::{Align, Annex, Block, Cell, Document, Grid, Head, Signature, Span};
pub use package::PackageError;

/// The DOCX content type.
pub const DOCX_MIME: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The document as a DOCX file.
pub fn to_docx(doc: &Document) -> Result<Vec<u8>, PackageError> {
    let rendered = render::render(doc);
    let mut packed = Cursor::new(Vec::new());
    rendered.docx.build().pack(&mut packed)?;
    let packed = packed.into_inner();
    if rendered.header_rows.iter().all(|n| *n == 0) {
        return Ok(packed);
    }
    let xml = package::read_part(&packed, package::DOCUMENT_PART)?;
    let xml = package::repeat_header_rows(xml.as_bytes(), &rendered.header_rows)?;
    package::replace_parts(&packed, &[(package::DOCUMENT_PART, xml)])
}

use std::borrow::Cow;
use std::io::Cursor;

/// Text as XML 1.0 can carry it: control characters other than tabs and
/// line breaks, and noncharacters such as U+FFFF, are dropped (they would
/// make the file unreadable). Records are checked for these on input; this
/// keeps older records and every other source safe too.
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    if text.chars().any(dvk_domain::text::is_unfit_char) {
        Cow::Owned(
            text.chars()
                .filter(|c| !dvk_domain::text::is_unfit_char(*c))
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}
pub mod template;
