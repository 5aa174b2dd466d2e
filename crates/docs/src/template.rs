//! A province's own DOCX forms: placeholders such as `{{so_van_ban}}` in
//! the text (split over Word's runs or not), and a table row holding
//! `{{ds.…}}` placeholders repeated once per listed entry. Uploads are
//! checked before they are kept: a readable ZIP of well-formed XML, no
//! macros, no external links, only placeholders DVK understands. Filling
//! rewrites the XML event by event with quick-xml.

mod safety;

use crate::package::{entity, PackageError};
use quick_xml::events::{BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use std::collections::BTreeSet;
use std::io::{Cursor, Read};
use zip::ZipArchive;

/// The most a template file may weigh, and hold once unpacked; and the
/// most XML events one part may hold (a real form has some tens of
/// thousands), so a small file of tiny elements cannot eat the memory.
pub const MAX_TEMPLATE_BYTES: usize = 5 * 1024 * 1024;
const MAX_UNPACKED: u64 = 10 * 1024 * 1024;
const MAX_PARTS: usize = 300;
const MAX_EVENTS: usize = 300_000;
/// Placeholders a form may hold, and list rows (rows repeated per entry):
/// filling multiplies a form by its list, so both are kept small.
const MAX_PLACEHOLDERS: usize = 500;
const MAX_LIST_ROWS: usize = 3;
/// The most a filled part may weigh.
const MAX_FILLED: usize = 64 * 1024 * 1024;

/// The prefix of placeholders that belong to a repeated row.
pub const ROW_PREFIX: &str = "ds.";

/// Why a template is refused, in words an admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("Tệp không phải DOCX đọc được (ZIP hỏng hoặc không phải Word).")]
    NotDocx,
    #[error("Tệp mẫu quá lớn hoặc quá phức tạp (tối đa 5 MB, khi giải nén tối đa 10 MB).")]
    TooLarge,
    #[error(
        "Tệp có macro (DOCM hoặc vbaProject) không được chấp nhận; hãy lưu lại dưới dạng .docx."
    )]
    Macros,
    #[error("Mẫu có liên kết ra ngoài ({0}); hãy bỏ liên kết rồi tải lên lại.")]
    ExternalLink(String),
    #[error("Mẫu có trường (field) “{0}” không được hỗ trợ; chỉ giữ các trường như PAGE, NUMPAGES, DATE.")]
    Field(String),
    #[error("Mẫu có đối tượng nhúng ({0}: OLE, ActiveX, tệp ghép hoặc tài liệu con); hãy bỏ đi rồi tải lên lại.")]
    Embedded(String),
    #[error("Tệp có khai báo DOCTYPE hoặc thực thể XML tự định nghĩa, không được chấp nhận.")]
    Doctype,
    #[error("Nội dung XML của phần {part} bị hỏng: {detail}.")]
    BrokenXml { part: String, detail: String },
    #[error(
        "Chỗ điền không được hỗ trợ: {{{{{0}}}}}. Xem danh sách chỗ điền của loại văn bản này."
    )]
    UnknownPlaceholder(String),
    #[error("Chỗ điền chưa đóng “}}}}” trong đoạn: “{0}”.")]
    Unclosed(String),
    #[error("Chỗ điền {{{{{0}}}}} của danh sách phải nằm trong một dòng của bảng.")]
    RowOutsideTable(String),
    #[error("Mẫu có {0} dòng danh sách; mỗi mẫu dùng tối đa 3 dòng lặp chứa {{{{ds.…}}}}.")]
    TooManyListRows(usize),
}

/// What a document kind puts into its template: single values, and the
/// rows of its list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateData {
    pub values: Vec<(&'static str, String)>,
    pub rows: Vec<Vec<(&'static str, String)>>,
}

impl TemplateData {
    fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn xml_err(part: &str, e: impl std::fmt::Display) -> TemplateError {
    TemplateError::BrokenXml {
        part: part.to_owned(),
        detail: e.to_string(),
    }
}

/// The parts whose text may hold placeholders.
fn is_text_part(name: &str) -> bool {
    matches!(
        name,
        "word/document.xml" | "word/footnotes.xml" | "word/endnotes.xml"
    ) || (name.starts_with("word/header") || name.starts_with("word/footer"))
        && name.ends_with(".xml")
}

fn unpack(docx: &[u8]) -> Result<Vec<(String, Vec<u8>)>, TemplateError> {
    if docx.len() > MAX_TEMPLATE_BYTES {
        return Err(TemplateError::TooLarge);
    }
    let mut zip = ZipArchive::new(Cursor::new(docx)).map_err(|_| TemplateError::NotDocx)?;
    if zip.len() > MAX_PARTS {
        return Err(TemplateError::TooLarge);
    }
    let mut parts = Vec::new();
    let mut total = 0u64;
    for i in 0..zip.len() {
        let file = zip.by_index(i).map_err(|_| TemplateError::NotDocx)?;
        let name = file.name().to_owned();
        let mut bytes = Vec::new();
        // Read at most what is left of the budget: a ZIP bomb stops here.
        file.take(MAX_UNPACKED - total + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| TemplateError::NotDocx)?;
        total += bytes.len() as u64;
        if total > MAX_UNPACKED {
            return Err(TemplateError::TooLarge);
        }
        parts.push((name, bytes));
    }
    if !parts.iter().any(|(n, _)| n == "word/document.xml")
        || !parts.iter().any(|(n, _)| n == "[Content_Types].xml")
    {
        return Err(TemplateError::NotDocx);
    }
    Ok(parts)
}

/// Every event of a part, owned; fails on XML that is not well formed.
fn events(part: &str, xml: &[u8]) -> Result<Vec<Event<'static>>, TemplateError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut depth = 0i64;
    loop {
        let e = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(part, e))?;
        match &e {
            Event::Eof => break,
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::DocType(_) => return Err(TemplateError::Doctype),
            // Word never writes CDATA; text in it would escape the checks.
            Event::CData(_) => return Err(xml_err(part, "có khối CDATA")),
            _ => {}
        }
        if out.len() >= MAX_EVENTS {
            return Err(TemplateError::TooLarge);
        }
        out.push(e.into_owned());
        buf.clear();
    }
    if depth != 0 {
        return Err(xml_err(part, "thẻ mở chưa đóng"));
    }
    Ok(out)
}

/// Checks a template and returns the placeholders it uses (sorted).
pub fn check(docx: &[u8], known: &[&str]) -> Result<Vec<String>, TemplateError> {
    let parts = unpack(docx)?;
    safety::check_package(&parts)?;
    let mut used = BTreeSet::new();
    let (mut placeholders, mut list_rows) = (0usize, 0usize);
    for (name, bytes) in parts.iter().filter(|(n, _)| is_text_part(n)) {
        let evs = events(name, bytes)?;
        let mut table_depth = 0;
        let mut i = 0;
        while i < evs.len() {
            match &evs[i] {
                Event::Start(s) if s.name().as_ref() == b"w:tbl" => table_depth += 1,
                Event::End(s) if s.name().as_ref() == b"w:tbl" => table_depth -= 1,
                Event::Start(s) if s.name().as_ref() == b"w:tr" => {
                    let end = matching_end(&evs, i, b"w:tr");
                    let (text, _) = slots(&evs[i..=end]);
                    if scan(&text)?.iter().any(|p| p.starts_with(ROW_PREFIX)) {
                        list_rows += 1;
                        if list_rows > MAX_LIST_ROWS {
                            return Err(TemplateError::TooManyListRows(list_rows));
                        }
                    }
                }
                Event::Start(s) if s.name().as_ref() == b"w:p" => {
                    let end = matching_end(&evs, i, b"w:p");
                    let (text, _) = slots(&evs[i..=end]);
                    let found = scan(&text)?;
                    placeholders += found.len();
                    if placeholders > MAX_PLACEHOLDERS {
                        return Err(TemplateError::TooLarge);
                    }
                    for p in found {
                        if p.starts_with(ROW_PREFIX) && table_depth == 0 {
                            return Err(TemplateError::RowOutsideTable(p));
                        }
                        if !known.contains(&p.as_str()) {
                            return Err(TemplateError::UnknownPlaceholder(p));
                        }
                        used.insert(p);
                    }
                    i = end;
                }
                _ => {}
            }
            i += 1;
        }
    }
    Ok(used.into_iter().collect())
}

/// The index of the end tag matching the start at `i`.
fn matching_end(evs: &[Event<'static>], i: usize, tag: &[u8]) -> usize {
    let mut depth = 0;
    for (j, e) in evs.iter().enumerate().skip(i) {
        match e {
            Event::Start(s) if s.name().as_ref() == tag => depth += 1,
            Event::End(s) if s.name().as_ref() == tag => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    evs.len() - 1
}

/// The placeholder names in a paragraph's text.
fn scan(text: &str) -> Result<Vec<String>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            return Err(TemplateError::Unclosed(text.chars().take(80).collect()));
        };
        out.push(after[..j].trim().to_owned());
        rest = &after[j + 2..];
    }
    Ok(out)
}

/// A paragraph's text and, for each `w:t` element, (index of its start
/// event, its text).
fn slots(evs: &[Event<'static>]) -> (String, Vec<(usize, String)>) {
    let mut text = String::new();
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut in_t = false;
    for (k, e) in evs.iter().enumerate() {
        match e {
            Event::Start(s) if s.name().as_ref() == b"w:t" => {
                in_t = true;
                out.push((k, String::new()));
            }
            Event::End(s) if s.name().as_ref() == b"w:t" => in_t = false,
            Event::Text(t) if in_t => {
                let s = t.decode().unwrap_or_default();
                text.push_str(&s);
                if let Some(last) = out.last_mut() {
                    last.1.push_str(&s);
                }
            }
            Event::GeneralRef(r) if in_t => {
                if let Ok(c) = entity(r) {
                    text.push(c);
                    if let Some(last) = out.last_mut() {
                        last.1.push(c);
                    }
                }
            }
            _ => {}
        }
    }
    (text, out)
}

/// The paragraph with its placeholders replaced: each placeholder's value
/// goes where it starts, the rest of it is taken out of the runs it spans,
/// so the formatting of everything else stays as the template has it.
fn fill_paragraph(
    evs: &[Event<'static>],
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Event<'static>>, TemplateError> {
    let (text, mut nodes) = slots(evs);
    if !text.contains("{{") {
        return Ok(evs.to_vec());
    }
    // Byte ranges of each node within the paragraph text.
    let mut starts = Vec::with_capacity(nodes.len());
    let mut at = 0;
    for (_, t) in &nodes {
        starts.push(at);
        at += t.len();
    }
    // The node holding the byte at `pos`: the last that starts at or
    // before it (an empty node shares its start with the next one).
    let node_of = |pos: usize| -> usize { starts.partition_point(|&s| s <= pos).saturating_sub(1) };
    // Placeholders' byte spans, replaced from the last to the first.
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("{{") {
        let open = from + i;
        let Some(j) = text[open + 2..].find("}}") else {
            return Err(TemplateError::Unclosed(text.chars().take(80).collect()));
        };
        let close = open + 2 + j + 2;
        spans.push((open, close, text[open + 2..close - 2].trim().to_owned()));
        from = close;
    }
    for (open, close, name) in spans.into_iter().rev() {
        let value = lookup(&name).ok_or_else(|| TemplateError::UnknownPlaceholder(name.clone()))?;
        let (a, b) = (node_of(open), node_of(close - 1));
        let (oa, ob) = (open - starts[a], close - starts[b]);
        if a == b {
            nodes[a].1.replace_range(oa..ob, &value);
        } else {
            nodes[a].1.replace_range(oa.., &value);
            for n in nodes.iter_mut().take(b).skip(a + 1) {
                n.1.clear();
            }
            nodes[b].1.replace_range(..ob, "");
        }
    }
    // Rewrite: each w:t keeps its place with its new text.
    let mut out = Vec::with_capacity(evs.len());
    let mut node = nodes.iter();
    let mut skipping = false;
    for e in evs {
        match e {
            Event::Start(s) if s.name().as_ref() == b"w:t" => {
                let text = node.next().map(|(_, t)| t.clone()).unwrap_or_default();
                let mut start = BytesStart::new("w:t");
                start.push_attribute(("xml:space", "preserve"));
                out.push(Event::Start(start));
                // Line breaks inside a value become spaces.
                let text = crate::xml_safe(&text).replace(['\n', '\r'], " ");
                out.push(Event::Text(BytesText::new(&text).into_owned()));
                skipping = true;
            }
            Event::End(s) if s.name().as_ref() == b"w:t" => {
                skipping = false;
                out.push(e.clone());
            }
            _ if skipping => {}
            _ => out.push(e.clone()),
        }
    }
    Ok(out)
}

/// Fills the events of a part: rows holding `{{ds.…}}` repeat per row of
/// the data; every other paragraph takes the single values.
fn fill_events(
    evs: &[Event<'static>],
    data: &TemplateData,
) -> Result<Vec<Event<'static>>, TemplateError> {
    let single = |name: &str| data.value(name).map(str::to_owned);
    let mut out = Vec::with_capacity(evs.len());
    let mut i = 0;
    while i < evs.len() {
        match &evs[i] {
            Event::Start(s) if s.name().as_ref() == b"w:tr" => {
                let end = matching_end(evs, i, b"w:tr");
                let row = &evs[i..=end];
                let (text, _) = slots(row);
                if scan(&text)?.iter().any(|p| p.starts_with(ROW_PREFIX)) {
                    for item in &data.rows {
                        let lookup = |name: &str| {
                            item.iter()
                                .find(|(k, _)| *k == name)
                                .map(|(_, v)| v.clone())
                                .or_else(|| single(name))
                        };
                        out.extend(fill_block(row, &lookup)?);
                    }
                } else {
                    out.extend(fill_block(row, &single)?);
                }
                i = end + 1;
            }
            Event::Start(s) if s.name().as_ref() == b"w:p" => {
                let end = matching_end(evs, i, b"w:p");
                out.extend(fill_paragraph(&evs[i..=end], &single)?);
                i = end + 1;
            }
            e => {
                out.push(e.clone());
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Paragraphs inside a block (a table row), filled with `lookup`.
fn fill_block(
    evs: &[Event<'static>],
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Event<'static>>, TemplateError> {
    let mut out = Vec::with_capacity(evs.len());
    let mut i = 0;
    while i < evs.len() {
        match &evs[i] {
            Event::Start(s) if s.name().as_ref() == b"w:p" => {
                let end = matching_end(evs, i, b"w:p");
                out.extend(fill_paragraph(&evs[i..=end], lookup)?);
                i = end + 1;
            }
            e => {
                out.push(e.clone());
                i += 1;
            }
        }
    }
    Ok(out)
}

fn write(part: &str, evs: Vec<Event<'static>>) -> Result<Vec<u8>, TemplateError> {
    let mut w = Writer::new(Vec::new());
    for e in evs {
        w.write_event(e).map_err(|e| xml_err(part, e))?;
        if w.get_ref().len() > MAX_FILLED {
            return Err(TemplateError::TooLarge);
        }
    }
    Ok(w.into_inner())
}

/// Checks an upload, then fills it with `sample` as a trial and checks
/// the result again: a form is kept only if DVK can fill it into a file
/// that is itself well formed. Returns the placeholders it uses.
pub fn accept(
    docx: &[u8],
    known: &[&str],
    sample: &TemplateData,
) -> Result<Vec<String>, TemplateError> {
    let used = check(docx, known)?;
    let filled = fill(docx, sample)?;
    check(&filled, &[]).map_err(|e| match e {
        TemplateError::UnknownPlaceholder(_) | TemplateError::Unclosed(_) => e,
        other => TemplateError::BrokenXml {
            part: "word/document.xml".into(),
            detail: format!("điền thử không ra tệp hợp lệ ({other})"),
        },
    })?;
    Ok(used)
}

/// The template filled with `data`: a new DOCX.
pub fn fill(template: &[u8], data: &TemplateData) -> Result<Vec<u8>, TemplateError> {
    let parts = unpack(template)?;
    let mut replaced: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, bytes) in parts.iter().filter(|(n, _)| is_text_part(n)) {
        let evs = events(name, bytes)?;
        replaced.push((name.clone(), write(name, fill_events(&evs, data)?)?));
    }
    let refs: Vec<(&str, Vec<u8>)> = replaced
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    crate::package::replace_parts(template, &refs).map_err(|e: PackageError| match e {
        PackageError::Xml(d) => xml_err("word/document.xml", d),
        _ => TemplateError::NotDocx,
    })
}
