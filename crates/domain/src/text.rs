//! Vietnamese text: diacritic-insensitive folding for search and
//! alphabetical sort keys (DOMAIN.md §9).

use icu_collator::options::CollatorOptions;
use icu_collator::CollatorBorrowed;
use std::sync::OnceLock;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Folds text for search: NFD, combining marks dropped, đ/Đ → d, lowercase.
/// "Đỗ Văn Đức" → "do van duc".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// A character no stored text may hold: a control character other than
/// line breaks and tabs, or a Unicode noncharacter (U+FFFE, U+FFFF,
/// U+FDD0–U+FDEF, …), which XML 1.0 and so DOCX and XLSX cannot carry.
pub fn is_unfit_char(c: char) -> bool {
    let n = c as u32;
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        || (0xFDD0..=0xFDEF).contains(&n)
        || (n & 0xFFFE) == 0xFFFE
}

/// The first `max` characters of `s`, with "…" when something was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// At most `max` characters of `s`, cut after a whole word (with "…")
/// when it is longer; a first word longer than `max` is cut inside.
pub fn truncate_words(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let head: String = s.chars().take(max).collect();
    let cut = match head.rfind(char::is_whitespace) {
        Some(i) if i > 0 => head[..i].trim_end().to_owned(),
        _ => head,
    };
    format!("{cut}…")
}

fn collator() -> &'static CollatorBorrowed<'static> {
    static COLLATOR: OnceLock<CollatorBorrowed<'static>> = OnceLock::new();
    COLLATOR.get_or_init(|| {
        let locale = icu_locale_core::locale!("vi");
        // Compiled data always contains "vi"; failure would be a build defect.
        CollatorBorrowed::try_new(locale.into(), CollatorOptions::default())
            .expect("ICU4X compiled data has the Vietnamese collation")
    })
}

/// Compares two strings in Vietnamese alphabetical order
/// (a ă â b c d đ e ê …, tones secondary).
pub fn compare_vi(a: &str, b: &str) -> std::cmp::Ordering {
    collator().compare(a, b)
}

/// A byte key whose byte order is Vietnamese alphabetical order; stored
/// beside names so the database can ORDER BY it on any backend.
pub fn sort_key(text: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(text.len() * 2);
    let Ok(()) = collator().write_sort_key_to(text, &mut key);
    key
}

/// Sorts any slice by a name in Vietnamese order.
pub fn sort_by_vi<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| compare_vi(name(a), name(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfit_characters_are_named() {
        for c in [
            '\u{0}',
            '\u{1b}',
            '\u{7f}',
            '\u{85}',
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{FDD0}',
            '\u{1FFFF}',
            '\u{10FFFF}',
        ] {
            assert!(is_unfit_char(c), "{:X}", c as u32);
        }
        for c in [
            'a',
            'Đ',
            '\n',
            '\t',
            '\r',
            '\u{FFFD}',
            '\u{FEFF}',
            '\u{1F600}',
            '\u{E000}',
        ] {
            assert!(!is_unfit_char(c), "{:X}", c as u32);
        }
    }

    #[test]
    fn folds_diacritics_and_d_stroke() {
        assert_eq!(fold("Dân vận khéo"), "dan van kheo");
        assert_eq!(fold("Đỗ Văn Đức"), "do van duc");
        assert_eq!(fold("QUỐC PHÒNG – AN NINH"), "quoc phong – an ninh");
        // Precomposed and decomposed input fold alike.
        assert_eq!(fold("Vie\u{0302}\u{0323}t"), fold("Việt"));
    }

    #[test]
    fn vietnamese_alphabet_order() {
        let mut names = vec![
            "Đức", "Dũng", "Ân", "An", "Ăn", "Bình", "Ơn", "Ôn", "On", "Ưng", "Uyên",
        ];
        sort_by_vi(&mut names, |s| s);
        assert_eq!(
            names,
            vec![
                "An", "Ăn", "Ân", "Bình", "Dũng", "Đức", "On", "Ôn", "Ơn", "Uyên", "Ưng"
            ]
        );
        // Byte order would put "Đ" (U+0110) after every ASCII letter.
        assert!(sort_key("Đức") < sort_key("Em"));
        assert!(sort_key("Dũng") < sort_key("Đức"));
        // Tones are secondary: base letters decide first.
        assert!(sort_key("má") < sort_key("mai"));
    }

    #[test]
    fn shortened_at_a_word() {
        assert_eq!(truncate_words("Xã Mường Bú", 20), "Xã Mường Bú");
        assert_eq!(
            truncate_words("Phường Tô Hiệu thành phố", 16),
            "Phường Tô Hiệu…"
        );
        assert_eq!(
            truncate_words("Phường Tô Hiệu thành phố", 15),
            "Phường Tô Hiệu…"
        );
        assert_eq!(truncate_words("Chiềngkhươngdài", 5), "Chiền…");
    }
}
