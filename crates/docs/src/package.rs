//! The DOCX package (a ZIP of XML parts): packing docx-rs output, the
//! one change docx-rs cannot make (table header rows that repeat on every
//! page, `w:tblHeader`), and reading parts back. XML is rewritten event
//! by event with quick-xml, never by string edits.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer};
use std::io::{Cursor, Read, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("tệp không phải DOCX hợp lệ (ZIP): {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("nội dung XML hỏng: {0}")]
    Xml(String),
    #[error("lỗi đọc ghi: {0}")]
    Io(#[from] std::io::Error),
}

impl From<quick_xml::Error> for PackageError {
    fn from(e: quick_xml::Error) -> Self {
        PackageError::Xml(e.to_string())
    }
}

pub const DOCUMENT_PART: &str = "word/document.xml";

/// Reads one part of a package as text.
pub fn read_part(docx: &[u8], name: &str) -> Result<String, PackageError> {
    let mut zip = ZipArchive::new(Cursor::new(docx))?;
    let mut file = zip.by_name(name)?;
    let mut s = String::new();
    file.read_to_string(&mut s)?;
    Ok(s)
}

/// Every part's name.
pub fn part_names(docx: &[u8]) -> Result<Vec<String>, PackageError> {
    let zip = ZipArchive::new(Cursor::new(docx))?;
    Ok(zip.file_names().map(str::to_owned).collect())
}

/// Copies the package, replacing the parts in `replace` (name, bytes).
pub fn replace_parts(docx: &[u8], replace: &[(&str, Vec<u8>)]) -> Result<Vec<u8>, PackageError> {
    let mut zip = ZipArchive::new(Cursor::new(docx))?;
    let mut out = ZipWriter::new(Cursor::new(Vec::with_capacity(docx.len() + 1024)));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for i in 0..zip.len() {
        let file = zip.by_index(i)?;
        let name = file.name().to_owned();
        match replace.iter().find(|(n, _)| *n == name) {
            Some((_, bytes)) => {
                drop(file);
                out.start_file(name, options)?;
                out.write_all(bytes)?;
            }
            None => out.raw_copy_file(file)?,
        }
    }
    Ok(out.finish()?.into_inner())
}

/// Marks the first `header_rows[i]` rows of the i-th table (document
/// order, nested tables included) to repeat at the top of every page.
pub fn repeat_header_rows(
    document_xml: &[u8],
    header_rows: &[usize],
) -> Result<Vec<u8>, PackageError> {
    let mut reader = Reader::from_reader(document_xml);
    let mut writer = Writer::new(Vec::with_capacity(document_xml.len() + 256));
    let mut buf = Vec::new();
    let mut tables = 0usize;
    // For each open table: (rows left to mark, inside a row that is marked).
    let mut open: Vec<(usize, bool)> = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf)?;
        match &event {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == b"w:tbl" => {
                open.push((header_rows.get(tables).copied().unwrap_or(0), false));
                tables += 1;
            }
            Event::End(e) if e.name().as_ref() == b"w:tbl" => {
                open.pop();
            }
            Event::Start(e) if e.name().as_ref() == b"w:tr" => {
                if let Some(t) = open.last_mut() {
                    t.1 = t.0 > 0;
                    t.0 = t.0.saturating_sub(1);
                }
            }
            _ => {}
        }
        let marking = open.last().is_some_and(|t| t.1);
        match event {
            Event::Start(e) if marking && e.name().as_ref() == b"w:trPr" => {
                writer.write_event(Event::Start(e))?;
                writer.write_event(Event::Empty(BytesStart::new("w:tblHeader")))?;
            }
            Event::Empty(e) if marking && e.name().as_ref() == b"w:trPr" => {
                writer.write_event(Event::Start(e.to_owned()))?;
                writer.write_event(Event::Empty(BytesStart::new("w:tblHeader")))?;
                writer.write_event(Event::End(e.to_end().into_owned()))?;
            }
            e => writer.write_event(e)?,
        }
        buf.clear();
    }
    Ok(writer.into_inner())
}

pub const CORE_PART: &str = "docProps/core.xml";

/// Writes `text` as the file's description (`dc:description` in
/// docProps/core.xml, shown in Word's File › Info), replacing any: DVK
/// notes there which form and version made the file. A package without
/// core properties is returned as it is.
pub fn describe(docx: &[u8], text: &str) -> Result<Vec<u8>, PackageError> {
    let Ok(core) = read_part(docx, CORE_PART) else {
        return Ok(docx.to_vec());
    };
    let mut reader = Reader::from_str(&core);
    let mut writer = Writer::new(Vec::with_capacity(core.len() + text.len() + 64));
    let mut skipping = false;
    let mut depth = 0usize;
    let mut root_seen = false;
    let description = |w: &mut Writer<Vec<u8>>| -> Result<(), PackageError> {
        w.write_event(Event::Start(BytesStart::new("dc:description")))?;
        w.write_event(Event::Text(quick_xml::events::BytesText::new(
            &crate::xml_safe(text),
        )))?;
        w.write_event(Event::End(quick_xml::events::BytesEnd::new(
            "dc:description",
        )))?;
        Ok(())
    };
    loop {
        let event = reader.read_event()?;
        match &event {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == b"dc:description" => {
                skipping = true;
                continue;
            }
            Event::Empty(e) if e.name().as_ref() == b"dc:description" => continue,
            Event::End(e) if e.name().as_ref() == b"dc:description" => {
                skipping = false;
                continue;
            }
            Event::Start(e) if !root_seen => {
                // The root declares the Dublin Core prefix if it does not yet.
                root_seen = true;
                depth += 1;
                let mut root = e.to_owned();
                if !e
                    .attributes()
                    .flatten()
                    .any(|a| a.key.as_ref() == b"xmlns:dc")
                {
                    root.push_attribute(("xmlns:dc", "http://purl.org/dc/elements/1.1/"));
                }
                writer.write_event(Event::Start(root))?;
                continue;
            }
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                // The root's end: the description goes last inside it.
                if depth == 0 {
                    description(&mut writer)?;
                }
            }
            _ => {}
        }
        if !skipping {
            writer.write_event(event)?;
        }
    }
    replace_parts(docx, &[(CORE_PART, writer.into_inner())])
}

/// The text of each paragraph of the document part, in order (table cells
/// included), entities resolved: what a reader of the file sees.
pub fn paragraphs(docx: &[u8]) -> Result<Vec<String>, PackageError> {
    let xml = read_part(docx, DOCUMENT_PART)?;
    let mut reader = Reader::from_str(&xml);
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    let mut in_text = false;
    loop {
        match reader.read_event()? {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == b"w:p" => current = Some(String::new()),
            Event::Empty(e) if e.name().as_ref() == b"w:p" => out.push(String::new()),
            Event::End(e) if e.name().as_ref() == b"w:p" => {
                if let Some(p) = current.take() {
                    out.push(p);
                }
            }
            Event::Start(e) if e.name().as_ref() == b"w:t" => in_text = true,
            Event::End(e) if e.name().as_ref() == b"w:t" => in_text = false,
            Event::Text(t) if in_text => {
                if let Some(p) = current.as_mut() {
                    p.push_str(&t.decode().map_err(|e| PackageError::Xml(e.to_string()))?);
                }
            }
            Event::GeneralRef(r) if in_text => {
                if let Some(p) = current.as_mut() {
                    p.push(entity(&r)?);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The character an entity reference stands for.
pub(crate) fn entity(r: &quick_xml::events::BytesRef<'_>) -> Result<char, PackageError> {
    if let Some(c) = r
        .resolve_char_ref()
        .map_err(|e| PackageError::Xml(e.to_string()))?
    {
        return Ok(c);
    }
    let name = r.decode().map_err(|e| PackageError::Xml(e.to_string()))?;
    Ok(match name.as_ref() {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        other => return Err(PackageError::Xml(format!("thực thể không rõ &{other};"))),
    })
}
