//! Whether an uploaded form is safe to keep, fill and convert: every part
//! is typed by `[Content_Types].xml`; XML parts are read whole and refuse
//! what could run, embed or fetch content; anything else must be an image
//! or a font. The rules are an allow-list where Word is permissive:
//! external relationships only for hyperlinks, referenced only as a
//! hyperlink's target; fields only the harmless ones, never inside
//! `mc:AlternateContent` (whose branches Word and we could read
//! differently); the attributes these rules read must not be ambiguous.

use super::{xml_err, TemplateError, MAX_EVENTS};
use crate::package::entity;
use quick_xml::encoding::Decoder;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::collections::{HashMap, HashSet};

/// Field codes a form may keep: page numbers, dates, references inside the
/// document, form fields. Anything else (INCLUDETEXT, INCLUDEPICTURE, LINK,
/// DDE, DATABASE, IMPORT, a name made by a nested field…) is refused.
const ALLOWED_FIELDS: &[&str] = &[
    "PAGE",
    "NUMPAGES",
    "SECTIONPAGES",
    "SECTION",
    "DATE",
    "TIME",
    "CREATEDATE",
    "SAVEDATE",
    "PRINTDATE",
    "SEQ",
    "REF",
    "PAGEREF",
    "NOTEREF",
    "STYLEREF",
    "TOC",
    "TC",
    "SYMBOL",
    "FORMTEXT",
    "FORMCHECKBOX",
    "FORMDROPDOWN",
    "HYPERLINK",
    "EQ",
    "TITLE",
    "AUTHOR",
];

/// Relationship types that embed or pull in other content.
const EMBEDDING_RELATIONSHIPS: &[&str] = &[
    "/oleobject",
    "/package",
    "/control",
    "/activexcontrolbinary",
    "/afchunk",
    "/subdocument",
    "/attachedtemplate",
    "/frame",
    "/mailmergesource",
    "/mailmergeheadersource",
    "/recipientdata",
];

/// Relationship types of macros.
const MACRO_RELATIONSHIPS: &[&str] = &[
    "/vbaproject",
    "/vbaprojectsignature",
    "/wordvbadata",
    "/keymapcustomizations",
];

/// Elements that hold embedded objects or pull content in.
const EMBEDDING_ELEMENTS: &[&[u8]] = &[
    b"altChunk",
    b"object",
    b"control",
    b"subDoc",
    b"OLEObject",
    b"embed",
];

/// Binary content a form may hold: pictures and fonts (and Word's own
/// printer settings).
fn is_inert(content_type: &str) -> bool {
    content_type.starts_with("image/")
        || content_type.ends_with(".obfuscatedfont")
        || content_type.starts_with("application/x-font")
        || content_type.starts_with("font/")
        || content_type.ends_with("wordprocessingml.printersettings")
}

fn is_xml(content_type: &str) -> bool {
    content_type.ends_with("+xml")
        || content_type == "application/xml"
        || content_type == "text/xml"
}

/// A part name as content types and relationships spell it, compared
/// without the leading slash and case.
fn norm(name: &str) -> String {
    name.trim_start_matches('/').to_lowercase()
}

/// An attribute's value by its local name, unescaped; an element that
/// carries the name twice (under two prefixes) is refused, since Word and
/// this check could read different ones.
fn attr(
    part: &str,
    e: &BytesStart<'_>,
    local: &[u8],
    decoder: Decoder,
) -> Result<Option<String>, TemplateError> {
    let mut found = None;
    for a in e.attributes() {
        let a = a.map_err(|e| xml_err(part, e))?;
        if a.key.local_name().as_ref() != local || a.key.as_ref().starts_with(b"xmlns") {
            continue;
        }
        if found.is_some() {
            return Err(xml_err(
                part,
                format!(
                    "thuộc tính “{}” xuất hiện hai lần",
                    String::from_utf8_lossy(local)
                ),
            ));
        }
        let v = a
            .decoded_and_normalized_value(XmlVersion::Implicit1_0, decoder)
            .map_err(|e| xml_err(part, e))?;
        found = Some(v.into_owned());
    }
    Ok(found)
}

/// Refuses a field whose name is not on the list.
fn check_field(instruction: &str) -> Result<(), TemplateError> {
    let name = instruction
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_uppercase();
    if ALLOWED_FIELDS.contains(&name.as_str()) {
        Ok(())
    } else {
        Err(TemplateError::Field(
            instruction.trim().chars().take(80).collect(),
        ))
    }
}

/// Content types by extension (defaults) or by part name (overrides).
type Types = HashMap<String, String>;

/// The content types of the package: (defaults by extension, overrides by
/// part name), all lowercase.
fn content_types(xml: &[u8]) -> Result<(Types, Types), TemplateError> {
    let part = "[Content_Types].xml";
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let (mut defaults, mut overrides) = (HashMap::new(), HashMap::new());
    loop {
        let e = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(part, e))?;
        let decoder = reader.decoder();
        match &e {
            Event::Eof => break,
            Event::DocType(_) => return Err(TemplateError::Doctype),
            Event::Start(s) | Event::Empty(s) => {
                let ct = attr(part, s, b"ContentType", decoder)?
                    .unwrap_or_default()
                    .to_lowercase();
                if ct.contains("macroenabled") || ct.contains("vbaproject") {
                    return Err(TemplateError::Macros);
                }
                match s.local_name().as_ref() {
                    b"Default" => {
                        let ext = attr(part, s, b"Extension", decoder)?.unwrap_or_default();
                        defaults.insert(ext.to_lowercase(), ct);
                    }
                    b"Override" => {
                        let name = attr(part, s, b"PartName", decoder)?.unwrap_or_default();
                        overrides.insert(norm(&name), ct);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        buf.clear();
    }
    Ok((defaults, overrides))
}

/// The part a relationships part speaks for: `word/_rels/document.xml.rels`
/// → `word/document.xml`; `_rels/.rels` → the package itself ("").
fn source_of(rels: &str) -> String {
    let (dir, file) = rels.rsplit_once('/').unwrap_or(("", rels));
    let dir = dir.trim_end_matches("_rels").trim_end_matches('/');
    let file = file.trim_end_matches(".rels");
    if dir.is_empty() {
        norm(file)
    } else {
        norm(&format!("{dir}/{file}"))
    }
}

/// A relationship's target resolved against its source part's folder.
fn resolve(source: &str, target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return norm(abs);
    }
    let mut parts: Vec<&str> = source
        .rsplit_once('/')
        .map_or(vec![], |(d, _)| d.split('/').collect());
    for seg in target.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    norm(&parts.join("/"))
}

/// Checks one relationships part; returns its external hyperlinks (id →
/// target) and the package's main part when this is `_rels/.rels`.
fn relationships(
    part: &str,
    xml: &[u8],
) -> Result<(HashMap<String, String>, Option<String>), TemplateError> {
    let source = source_of(part);
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut links = HashMap::new();
    let mut main = None;
    loop {
        let e = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(part, e))?;
        let decoder = reader.decoder();
        match &e {
            Event::Eof => break,
            Event::DocType(_) => return Err(TemplateError::Doctype),
            Event::CData(_) => return Err(xml_err(part, "có khối CDATA")),
            Event::GeneralRef(r) => {
                entity(r).map_err(|_| TemplateError::Doctype)?;
            }
            Event::Start(s) | Event::Empty(s) if s.local_name().as_ref() == b"Relationship" => {
                let id = attr(part, s, b"Id", decoder)?.unwrap_or_default();
                let kind = attr(part, s, b"Type", decoder)?
                    .unwrap_or_default()
                    .to_lowercase();
                let target = attr(part, s, b"Target", decoder)?.unwrap_or_default();
                let external = attr(part, s, b"TargetMode", decoder)?
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("external"));
                if MACRO_RELATIONSHIPS.iter().any(|t| kind.ends_with(t)) {
                    return Err(TemplateError::Macros);
                }
                if external && !kind.ends_with("/hyperlink") {
                    return Err(TemplateError::ExternalLink(target));
                }
                // An internal target names a part of the package: no
                // scheme, no Windows share.
                if !external && (target.contains(':') || target.contains('\\')) {
                    return Err(TemplateError::ExternalLink(target));
                }
                if EMBEDDING_RELATIONSHIPS.iter().any(|t| kind.ends_with(t)) {
                    return Err(TemplateError::Embedded(target));
                }
                if external {
                    // A hyperlink only opens when clicked; anything else
                    // external would be fetched.
                    if !kind.ends_with("/hyperlink") {
                        return Err(TemplateError::ExternalLink(target));
                    }
                    links.insert(id, target);
                } else if source.is_empty() && kind.ends_with("/officedocument") {
                    main = Some(resolve("", &target));
                }
            }
            _ => {}
        }
        buf.clear();
    }
    Ok((links, main))
}

/// Reads an XML part once, streaming, and refuses DOCTYPE, CDATA, unknown
/// entities, characters XML cannot carry, embedded objects, mail merge,
/// external relationships used other than as a hyperlink's target, and
/// fields other than the harmless ones (instructions joined across runs,
/// entities resolved, `w:fldSimple` included).
fn check_xml(part: &str, xml: &[u8], links: &HashMap<String, String>) -> Result<(), TemplateError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    // One entry per open complex field: its instruction while collected.
    let mut fields: Vec<Option<String>> = Vec::new();
    let mut loose = String::new();
    let mut in_instr = false;
    let mut alternate = 0usize;
    let mut count = 0usize;
    let push_instr =
        |fields: &mut Vec<Option<String>>, loose: &mut String, s: &str| match fields.last_mut() {
            Some(Some(i)) => i.push_str(s),
            Some(None) => {}
            None => loose.push_str(s),
        };
    let unfit = || xml_err(part, "có ký tự không dùng được trong văn bản");
    loop {
        let e = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(part, e))?;
        count += 1;
        if count > MAX_EVENTS * 4 {
            return Err(TemplateError::TooLarge);
        }
        let decoder = reader.decoder();
        match &e {
            Event::Eof => break,
            Event::DocType(_) => return Err(TemplateError::Doctype),
            // Word never writes CDATA; text in it would escape the checks.
            Event::CData(_) => return Err(xml_err(part, "có khối CDATA")),
            Event::GeneralRef(r) => {
                let c = entity(r).map_err(|_| TemplateError::Doctype)?;
                if dvk_domain::text::is_unfit_char(c) {
                    return Err(unfit());
                }
                if in_instr {
                    push_instr(&mut fields, &mut loose, &c.to_string());
                }
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| xml_err(part, e))?;
                if text.chars().any(dvk_domain::text::is_unfit_char) {
                    return Err(unfit());
                }
                if in_instr {
                    push_instr(&mut fields, &mut loose, &text);
                }
            }
            Event::Start(s) | Event::Empty(s) => {
                let is_empty = matches!(e, Event::Empty(_));
                let local = s.local_name();
                let local = local.as_ref();
                // External links only as a hyperlink's own target.
                if !links.is_empty() {
                    for a in s.attributes() {
                        let a = a.map_err(|e| xml_err(part, e))?;
                        if a.key.as_ref().starts_with(b"xmlns") {
                            continue;
                        }
                        let v = a
                            .decoded_and_normalized_value(XmlVersion::Implicit1_0, decoder)
                            .map_err(|e| xml_err(part, e))?;
                        if let Some(target) = links.get(v.as_ref()) {
                            let as_link =
                                matches!(local, b"hyperlink" | b"hlinkClick" | b"hlinkHover")
                                    && a.key.local_name().as_ref() == b"id";
                            if !as_link {
                                return Err(TemplateError::ExternalLink(target.clone()));
                            }
                        }
                    }
                }
                // Legacy drawings (VML) name pictures by address.
                for key in [&b"src"[..], b"href"] {
                    if let Some(v) = attr(part, s, key, decoder)? {
                        let v = v.trim().to_lowercase();
                        if v.contains("://") || v.starts_with("\\\\") || v.starts_with("file:") {
                            return Err(TemplateError::ExternalLink(v));
                        }
                    }
                }
                if EMBEDDING_ELEMENTS.contains(&local) {
                    return Err(TemplateError::Embedded(
                        String::from_utf8_lossy(local).into_owned(),
                    ));
                }
                if local == b"mailMerge" {
                    return Err(TemplateError::ExternalLink(
                        "nguồn dữ liệu trộn thư (mail merge)".into(),
                    ));
                }
                let in_alternate = alternate > 0;
                match local {
                    b"AlternateContent" if !is_empty => alternate += 1,
                    b"fldSimple" | b"fldChar" | b"instrText" if in_alternate => {
                        return Err(TemplateError::Field(
                            "trường nằm trong mc:AlternateContent".into(),
                        ));
                    }
                    b"fldSimple" => {
                        check_field(&attr(part, s, b"instr", decoder)?.unwrap_or_default())?
                    }
                    b"instrText" if !is_empty => in_instr = true,
                    b"fldChar" => match attr(part, s, b"fldCharType", decoder)?.as_deref() {
                        Some("begin") => fields.push(Some(String::new())),
                        Some("separate") => {
                            if let Some(slot) = fields.last_mut() {
                                if let Some(i) = slot.take() {
                                    check_field(&i)?;
                                }
                            }
                        }
                        Some("end") => {
                            if let Some(Some(i)) = fields.pop() {
                                check_field(&i)?;
                            }
                        }
                        _ => {}
                    },
                    _ => {}
                }
            }
            Event::End(s) => match s.local_name().as_ref() {
                b"AlternateContent" => alternate = alternate.saturating_sub(1),
                b"instrText" => {
                    in_instr = false;
                    if fields.is_empty() && !loose.trim().is_empty() {
                        check_field(&loose)?;
                        loose.clear();
                    }
                }
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
    for i in fields.into_iter().flatten() {
        check_field(&i)?;
    }
    if !loose.trim().is_empty() {
        check_field(&loose)?;
    }
    Ok(())
}

/// Checks every part of an unpacked form.
pub(super) fn check_package(parts: &[(String, Vec<u8>)]) -> Result<(), TemplateError> {
    let types = parts
        .iter()
        .find(|(n, _)| n == "[Content_Types].xml")
        .ok_or(TemplateError::NotDocx)?;
    let (defaults, overrides) = content_types(&types.1)?;
    // Relationships first: the external hyperlinks each part may use.
    let mut links: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut main = None;
    let mut seen = HashSet::new();
    for (name, bytes) in parts {
        if !seen.insert(norm(name)) {
            return Err(TemplateError::NotDocx);
        }
        let lower = name.to_ascii_lowercase();
        if lower.contains("vbaproject") || lower.contains("vbadata") {
            return Err(TemplateError::Macros);
        }
        if lower.starts_with("word/embeddings/") || lower.contains("activex") {
            return Err(TemplateError::Embedded(name.clone()));
        }
        if lower.ends_with(".rels") {
            let (l, m) = relationships(name, bytes)?;
            links.insert(source_of(name), l);
            if lower == "_rels/.rels" {
                main = m;
            }
        }
    }
    // The main part is the one DVK reads and fills.
    if main.as_deref() != Some("word/document.xml") {
        return Err(TemplateError::NotDocx);
    }
    let none = HashMap::new();
    for (name, bytes) in parts {
        if name.ends_with('/') || name.to_ascii_lowercase().ends_with(".rels") {
            continue;
        }
        let key = norm(name);
        let ext = key.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        let content_type = overrides
            .get(&key)
            .or_else(|| defaults.get(ext))
            .cloned()
            .unwrap_or_default();
        if is_xml(&content_type) {
            check_xml(name, bytes, links.get(&key).unwrap_or(&none))?;
        } else if !is_inert(&content_type) {
            return Err(TemplateError::Embedded(name.clone()));
        }
    }
    Ok(())
}
