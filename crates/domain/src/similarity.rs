//! Similar models: how alike two registrations are, by the words of their
//! titles and of their texts, and the MinHash bands by which storage finds
//! likely candidates among a million entries without comparing each one.
//!
//! A title's tokens are its words and word pairs, without the movement's
//! boilerplate ("mô hình", "dân vận khéo", "điển hình", "gương") and
//! function words, so two titles alike only in "Mô hình dân vận khéo trong
//! …" do not look alike. A text's tokens are its adjacent word pairs, which
//! catch copied and lightly reworded paragraphs. Likeness is the Jaccard
//! index of the token sets; MinHash estimates it: two entries share a band
//! with probability 1 − (1 − J^r)^b, so alike entries meet in some band.

use crate::search::index_words;
use std::collections::{HashMap, HashSet};

/// Hash functions and bands: titles in 6 bands of 2, texts in 6 of 3. An
/// entry is filed under 12 band keys.
const TITLE_BANDS: usize = 6;
const TITLE_ROWS: usize = 2;
const TEXT_BANDS: usize = 6;
const TEXT_ROWS: usize = 3;
pub const BANDS_PER_ENTRY: usize = TITLE_BANDS + TEXT_BANDS;

/// Words of a text beyond this many are not compared (a registration's
/// items together rarely reach it).
const MAX_TEXT_WORDS: usize = 4_000;

/// Entries shown as similar are at least this alike (per cent).
pub const SHOWN_FROM_PCT: u8 = 25;

/// Phrases every model's title may hold, removed before comparing.
const BOILERPLATE: [&[&str]; 4] = [
    &["dan", "van", "kheo"],
    &["mo", "hinh"],
    &["dien", "hinh"],
    &["guong"],
];

/// Function words, folded.
const STOPWORDS: [&str; 17] = [
    "va", "cua", "trong", "cac", "cho", "voi", "tai", "o", "la", "mot", "nhung", "de", "ve",
    "tren", "theo", "tu", "nay",
];

/// The token sets of one registration.
#[derive(Debug, Clone, Default)]
pub struct Shingles {
    title: HashSet<u64>,
    text: HashSet<u64>,
}

/// How alike two registrations are, in per cent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Likeness {
    pub title_pct: u8,
    /// None when either has no text to compare.
    pub text_pct: Option<u8>,
}

impl Likeness {
    /// One figure: the texts weigh more than the titles, and a copied text
    /// counts in full whatever its title.
    pub fn score_pct(&self) -> u8 {
        match self.text_pct {
            None => self.title_pct,
            Some(text) => {
                let blended = (2 * u32::from(self.title_pct) + 3 * u32::from(text) + 2) / 5;
                (blended as u8).max(text)
            }
        }
    }

    pub fn shown(&self) -> bool {
        self.score_pct() >= SHOWN_FROM_PCT
    }
}

impl Shingles {
    /// Tokens of a title and of a registration's other published items
    /// (never its personal items: their likeness would tell of them).
    pub fn of(title: &str, text: &str) -> Shingles {
        let title_words = index_words(title);
        let mut words: Vec<&str> = title_words.split(' ').filter(|w| !w.is_empty()).collect();
        strip_boilerplate(&mut words);
        words.retain(|w| !STOPWORDS.contains(w));
        let mut title = HashSet::new();
        for w in &words {
            title.insert(hash(b'w', &[w]));
        }
        for pair in words.windows(2) {
            title.insert(hash(b'p', pair));
        }
        let text_words = index_words(text);
        let words: Vec<&str> = text_words
            .split(' ')
            .filter(|w| !w.is_empty())
            .take(MAX_TEXT_WORDS)
            .collect();
        let text = words.windows(2).map(|pair| hash(b't', pair)).collect();
        Shingles { title, text }
    }

    pub fn is_empty(&self) -> bool {
        self.title.is_empty() && self.text.is_empty()
    }

    /// How alike `self` and `other` are, every word pair weighing the same.
    pub fn likeness(&self, other: &Shingles) -> Likeness {
        self.likeness_among(std::slice::from_ref(other))[0]
    }

    /// How alike `self` is to each of `others`. Text word pairs held by
    /// more than half of the compared registrations (and more than three)
    /// are left out: the phrases every registration repeats — the
    /// guidance's headings, a shared template — say nothing of a pair,
    /// while what a few share stays. Compared with few, nothing is left out.
    pub fn likeness_among(&self, others: &[Shingles]) -> Vec<Likeness> {
        let mut held: HashMap<u64, usize> = HashMap::new();
        for s in std::iter::once(self).chain(others) {
            for t in &s.text {
                *held.entry(*t).or_default() += 1;
            }
        }
        let compared = others.len() + 1;
        let counts = |t: &&u64| {
            let n = held[*t];
            n <= 3 || n * 2 <= compared
        };
        others
            .iter()
            .map(|other| {
                let text_pct = (!self.text.is_empty() && !other.text.is_empty()).then(|| {
                    let shared = self.text.intersection(&other.text).filter(counts).count();
                    let all = self.text.union(&other.text).filter(counts).count();
                    (shared * 100 + all / 2).checked_div(all).unwrap_or(0) as u8
                });
                Likeness {
                    title_pct: jaccard_pct(&self.title, &other.title),
                    text_pct,
                }
            })
            .collect()
    }

    /// The band keys this registration is filed under: for each band, a
    /// hash of its rows' minima. Entries alike in title or text share a
    /// key with high probability; an empty title or text files none.
    pub fn bands(&self) -> Vec<i64> {
        let mut keys = Vec::with_capacity(BANDS_PER_ENTRY);
        keys.extend(band_keys(&self.title, b'T', TITLE_BANDS, TITLE_ROWS));
        keys.extend(band_keys(&self.text, b'X', TEXT_BANDS, TEXT_ROWS));
        keys
    }
}

fn strip_boilerplate(words: &mut Vec<&str>) {
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    'next: while i < words.len() {
        for phrase in BOILERPLATE {
            if words[i..].starts_with(phrase) {
                i += phrase.len();
                continue 'next;
            }
        }
        out.push(words[i]);
        i += 1;
    }
    *words = out;
}

fn jaccard_pct(a: &HashSet<u64>, b: &HashSet<u64>) -> u8 {
    let shared = a.intersection(b).count();
    let all = a.len() + b.len() - shared;
    (shared * 100 + all / 2).checked_div(all).unwrap_or(0) as u8
}

fn band_keys(set: &HashSet<u64>, part: u8, bands: usize, rows: usize) -> Vec<i64> {
    if set.is_empty() {
        return Vec::new();
    }
    let mut minima = vec![u64::MAX; bands * rows];
    for &token in set {
        for (i, m) in minima.iter_mut().enumerate() {
            let h = mix(token ^ mix(i as u64 + 1));
            if h < *m {
                *m = h;
            }
        }
    }
    minima
        .chunks(rows)
        .enumerate()
        .map(|(band, rows)| {
            let mut key = fnv(FNV_OFFSET, &[part, band as u8]);
            for r in rows {
                key = fnv(key, &r.to_le_bytes());
            }
            key as i64
        })
        .collect()
}

// Stable hashes (the same in every process and release: bands are
// stored), FNV-1a for tokens and SplitMix64's finaliser for the MinHash
// permutations.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn hash(kind: u8, words: &[&str]) -> u64 {
    let mut h = fnv(FNV_OFFSET, &[kind]);
    for w in words {
        h = fnv(h, w.as_bytes());
        h = fnv(h, b" ");
    }
    h
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Xã vận động nhân dân hiến đất làm đường giao thông nông thôn, mỗi hộ góp \
        công lao động, cán bộ đi từng ngõ gõ từng nhà, họp dân bàn bạc công khai, kết quả làm được \
        mười hai ki-lô-mét đường bê tông trong hai năm mà không phải đền bù.";

    #[test]
    fn the_same_registration_is_wholly_alike() {
        let a = Shingles::of("Mô hình “Ngôi nhà đại đoàn kết”", TEXT);
        let l = a.likeness(&a);
        assert_eq!(l.title_pct, 100);
        assert_eq!(l.text_pct, Some(100));
        assert_eq!(l.score_pct(), 100);
    }

    #[test]
    fn diacritics_and_boilerplate_do_not_count() {
        let a = Shingles::of("Mô hình dân vận khéo “Ngôi nhà đại đoàn kết”", "");
        let b = Shingles::of("NGOI NHA DAI DOAN KET", "");
        assert_eq!(a.likeness(&b).title_pct, 100);
        // Alike only in the movement's words: nothing in common.
        let c = Shingles::of("Mô hình dân vận khéo trong phát triển chè Shan tuyết", "");
        let d = Shingles::of("Mô hình dân vận khéo trong xây dựng nông thôn mới", "");
        assert_eq!(c.likeness(&d).title_pct, 0);
        assert!(!c.likeness(&d).shown());
    }

    #[test]
    fn a_copied_text_counts_in_full_under_a_new_title() {
        let a = Shingles::of("Hiến đất làm đường ở bản Mòng", TEXT);
        let b = Shingles::of("Cùng nhau mở lối đi", &format!("{TEXT} Bản đã được khen."));
        let l = a.likeness(&b);
        assert!(l.text_pct.unwrap() >= 85, "{l:?}");
        assert_eq!(l.score_pct(), l.text_pct.unwrap());
        assert!(l.shown());
    }

    #[test]
    fn unrelated_registrations_are_not_shown() {
        let a = Shingles::of("Hiến đất làm đường ở bản Mòng", TEXT);
        let b = Shingles::of(
            "Phụ nữ tiết kiệm giúp nhau thoát nghèo",
            "Hội phụ nữ lập tổ tiết kiệm, mỗi tháng góp gạo, cho hội viên nghèo vay không lãi.",
        );
        assert!(!a.likeness(&b).shown(), "{:?}", a.likeness(&b));
    }

    #[test]
    fn a_shared_template_counts_for_little_among_many() {
        // Twenty registrations written on one template, each with its own
        // hamlet and figures; two of them copy each other.
        let filled = |i: usize| {
            format!(
                "Trước năm 2025 tại bản số {i} việc vận động còn nhiều khó khăn, {h} hộ chưa tham gia. \
                 Cấp ủy ban hành kế hoạch, tổ chức họp dân ở từng bản, cán bộ đi từng ngõ gõ từng nhà. \
                 Kinh phí khoảng {k} triệu đồng, nhân dân đóng góp ngày công.",
                h = 40 + i * 7,
                k = 100 + i * 13
            )
        };
        let all: Vec<Shingles> = (0..20)
            .map(|i| Shingles::of(&format!("Mô hình số {i}"), &filled(i)))
            .collect();
        let copy = Shingles::of("Mô hình khác", &filled(3));
        let found = copy.likeness_among(&all);
        assert!(found[3].text_pct.unwrap() >= 90, "{:?}", found[3]);
        for (i, l) in found.iter().enumerate().filter(|(i, _)| *i != 3) {
            assert!(l.text_pct.unwrap() < 25, "{i}: {l:?}");
        }
        // Compared alone, the template makes them look alike.
        assert!(copy.likeness(&all[5]).text_pct.unwrap() >= 50);
    }

    #[test]
    fn bands_are_stable_and_alike_entries_share_them() {
        let a = Shingles::of("Ngôi nhà đại đoàn kết", TEXT);
        let b = Shingles::of("Ngôi nhà đại đoàn kết", TEXT);
        assert_eq!(a.bands(), b.bands());
        assert_eq!(a.bands().len(), BANDS_PER_ENTRY);
        // Stored keys must not change between releases.
        assert_eq!(
            Shingles::of("Ngôi nhà đại đoàn kết", "").bands()[0],
            Shingles::of("ngoi nha dai doan ket", "").bands()[0]
        );
        let c = Shingles::of(
            "Ngôi nhà đại đoàn kết bản Mòng",
            &format!("{TEXT} Thêm một câu."),
        );
        let shared = a.bands().iter().filter(|k| c.bands().contains(k)).count();
        assert!(shared >= 1, "alike entries meet in a band");
        let d = Shingles::of(
            "Phụ nữ tiết kiệm giúp nhau thoát nghèo",
            "Hội phụ nữ lập tổ tiết kiệm.",
        );
        assert!(!a.bands().iter().any(|k| d.bands().contains(k)));
        assert!(Shingles::of("", "").bands().is_empty());
    }

    #[test]
    fn minhash_estimates_likeness_over_many_pairs() {
        // Over many pairs at one likeness, the share of pairs meeting in a
        // title band follows 1 − (1 − J²)^6 (J = 0.6: ≈ 0.92).
        let mut met = 0;
        let n = 200;
        for i in 0..n {
            let shared: Vec<String> = (0..6).map(|k| format!("chung{i}x{k}")).collect();
            let a = format!("{} rieng{i}a", shared.join(" "));
            let b = format!("{} rieng{i}b", shared.join(" "));
            let (sa, sb) = (Shingles::of(&a, ""), Shingles::of(&b, ""));
            if sa.bands().iter().any(|k| sb.bands().contains(k)) {
                met += 1;
            }
        }
        assert!(met * 100 / n >= 75, "met {met} of {n}");
    }
}
