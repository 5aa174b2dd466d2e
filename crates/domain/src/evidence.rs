//! Evidence files: the type is decided by content, never by the name or
//! the type the browser claims.

pub const MAX_EVIDENCE_BYTES: usize = 20 * 1024 * 1024;

/// Evidence files one entry may hold, and their total size: enough for
/// minutes, photographs and reports, not a file store.
pub const MAX_FILES_PER_ENTRY: i64 = 20;
pub const MAX_BYTES_PER_ENTRY: i64 = 100 * 1024 * 1024;

/// Whether an entry holding `files` files of `bytes` in all has room for
/// one more of `adding` bytes (0 when not yet known); the refusal reads
/// as the user will see it.
pub fn room_for(files: i64, bytes: i64, adding: i64) -> Result<(), String> {
    if files >= MAX_FILES_PER_ENTRY {
        return Err(format!(
            "Hồ sơ đã có {files} tệp minh chứng, tối đa {MAX_FILES_PER_ENTRY} tệp. Hãy gộp bớt (ví dụ nhiều ảnh vào một tệp PDF)."
        ));
    }
    if bytes + adding > MAX_BYTES_PER_ENTRY {
        return Err(format!(
            "Tổng dung lượng minh chứng của hồ sơ sẽ vượt {} MB (đã dùng {} MB).",
            MAX_BYTES_PER_ENTRY / (1024 * 1024),
            (bytes + (1024 * 1024 - 1)) / (1024 * 1024)
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceType {
    Pdf,
    Jpeg,
    Png,
    Docx,
    Xlsx,
}

impl EvidenceType {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
        }
    }
    pub fn from_mime(m: &str) -> Option<Self> {
        [Self::Pdf, Self::Jpeg, Self::Png, Self::Docx, Self::Xlsx]
            .into_iter()
            .find(|t| t.mime() == m)
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Recognises the accepted types by their signatures. DOCX and XLSX are
/// ZIP packages; their part names tell them apart.
pub fn sniff(bytes: &[u8]) -> Option<EvidenceType> {
    if bytes.starts_with(b"%PDF-") {
        return Some(EvidenceType::Pdf);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(EvidenceType::Jpeg);
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some(EvidenceType::Png);
    }
    if bytes.starts_with(b"PK\x03\x04") && contains(bytes, b"[Content_Types].xml") {
        if contains(bytes, b"word/document.xml") {
            return Some(EvidenceType::Docx);
        }
        if contains(bytes, b"xl/workbook.xml") {
            return Some(EvidenceType::Xlsx);
        }
    }
    None
}

/// Zero-width and bidirectional formatting characters, which could make a
/// name read differently from what it is.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// A file name safe to show and to offer for download: no directories,
/// no control characters, bounded length, and an extension that matches
/// the real type.
pub fn clean_file_name(raw: &str, kind: EvidenceType) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let mut name: String = base
        .chars()
        .filter(|c| {
            !c.is_control()
                && !is_invisible_format(*c)
                && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|')
        })
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .chars()
        .take(120)
        .collect();
    let ext = kind.extension();
    let has_ext = name.rsplit_once('.').map(|(_, e)| {
        e.eq_ignore_ascii_case(ext) || (ext == "jpg" && e.eq_ignore_ascii_case("jpeg"))
    });
    if name.is_empty() {
        name = "minh-chung".into();
    }
    if has_ext != Some(true) {
        name.push('.');
        name.push_str(ext);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_holds_a_bounded_set_of_files() {
        assert!(room_for(0, 0, 1).is_ok());
        assert!(room_for(MAX_FILES_PER_ENTRY - 1, 0, 1).is_ok());
        assert!(room_for(MAX_FILES_PER_ENTRY, 0, 0)
            .unwrap_err()
            .contains("tối đa 20 tệp"));
        assert!(room_for(3, MAX_BYTES_PER_ENTRY - 10, 10).is_ok());
        assert!(room_for(3, MAX_BYTES_PER_ENTRY - 10, 11)
            .unwrap_err()
            .contains("100 MB"));
    }

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(EvidenceType::Pdf));
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Some(EvidenceType::Jpeg)
        );
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(EvidenceType::Png));
        assert_eq!(
            sniff(b"PK\x03\x04....[Content_Types].xml....word/document.xml"),
            Some(EvidenceType::Docx)
        );
        assert_eq!(
            sniff(b"PK\x03\x04....[Content_Types].xml....xl/workbook.xml"),
            Some(EvidenceType::Xlsx)
        );
        // A plain zip, an executable or HTML named .pdf are refused.
        assert_eq!(sniff(b"PK\x03\x04 just a zip"), None);
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn cleans_names() {
        assert_eq!(
            clean_file_name("../../etc/passwd", EvidenceType::Pdf),
            "passwd.pdf"
        );
        assert_eq!(
            clean_file_name("C:\\tmp\\Biên bản họp.PDF", EvidenceType::Pdf),
            "Biên bản họp.PDF"
        );
        assert_eq!(clean_file_name("ảnh.jpeg", EvidenceType::Jpeg), "ảnh.jpeg");
        assert_eq!(clean_file_name("", EvidenceType::Png), "minh-chung.png");
        assert_eq!(
            clean_file_name("a\"<b>.docx", EvidenceType::Docx),
            "ab.docx"
        );
        assert_eq!(clean_file_name("x.exe", EvidenceType::Pdf), "x.exe.pdf");
        assert_eq!(
            clean_file_name("bao\u{202E}fdp.exe", EvidenceType::Pdf),
            "baofdp.exe.pdf"
        );
    }
}
