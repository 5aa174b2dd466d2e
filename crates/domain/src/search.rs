//! What a search box asks for, parsed once at the edge and written out for
//! each backend's inverted index (DOMAIN.md §9): diacritics and đ ignored,
//! words in any order, "quoted words" as a phrase, the last word a prefix
//! while it may still be being typed.

use crate::text::fold;

/// At most this many words are looked up; the rest of a pasted paragraph
/// adds nothing a person could tell apart.
const MAX_WORDS: usize = 12;

/// Characters of a query looked at; a search box needs no more.
const MAX_QUERY: usize = 200;

/// Words this long or shorter may be corrected (the neighbours of a word
/// grow with the square of its length).
const MAX_CORRECTED: usize = 20;

/// A parsed query: every phrase must occur (a lone word is a one-word
/// phrase).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    phrases: Vec<Vec<String>>,
    /// The last word may be the start of a longer one.
    last_is_prefix: bool,
    /// Other spellings accepted for a one-word phrase (by its index): words
    /// of the titles one edit away, tried when the query found nothing.
    alternates: std::collections::BTreeMap<usize, Vec<String>>,
}

/// The words an index keeps for a text: folded, split at anything that is
/// not a letter or a digit. Index and query use this one splitter, so both
/// backends agree on what a word is.
pub fn index_words(text: &str) -> String {
    let folded = fold(text);
    let mut out = String::with_capacity(folded.len());
    for w in folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

impl SearchQuery {
    pub fn parse(query: &str) -> SearchQuery {
        let mut phrases: Vec<Vec<String>> = Vec::new();
        let mut words = 0;
        let mut last_quoted = false;
        let query: String = query.chars().take(MAX_QUERY).collect();
        // Text between quote marks is a phrase; outside them, each word
        // stands alone. An unclosed quote runs to the end.
        for (i, part) in query.split(['"', '“', '”']).enumerate() {
            let quoted = i % 2 == 1;
            let found: Vec<String> = index_words(part)
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect();
            if found.is_empty() {
                continue;
            }
            let room = MAX_WORDS - words;
            let found: Vec<String> = found.into_iter().take(room).collect();
            words += found.len();
            if quoted {
                phrases.push(found);
            } else {
                phrases.extend(found.into_iter().map(|w| vec![w]));
            }
            last_quoted = quoted;
            if words == MAX_WORDS {
                break;
            }
        }
        let ends_open = !query.trim_end().ends_with(['"', '”']);
        SearchQuery {
            last_is_prefix: !phrases.is_empty() && ends_open && !last_quoted,
            phrases,
            alternates: Default::default(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    pub fn phrases(&self) -> &[Vec<String>] {
        &self.phrases
    }

    pub fn last_is_prefix(&self) -> bool {
        self.last_is_prefix
    }

    /// Other spellings accepted for the phrase at `index`.
    pub fn alternates(&self, index: usize) -> &[String] {
        self.alternates.get(&index).map_or(&[], Vec::as_slice)
    }

    /// One-word phrases long enough to be worth correcting: (index, word).
    pub fn correctable(&self) -> Vec<(usize, &str)> {
        self.phrases
            .iter()
            .enumerate()
            .filter(|(_, p)| p.len() == 1 && (4..=MAX_CORRECTED).contains(&p[0].chars().count()))
            .map(|(i, p)| (i, p[0].as_str()))
            .take(6)
            .collect()
    }

    /// The same query, also accepting `found` spellings for some words.
    pub fn with_alternates(&self, found: Vec<(usize, Vec<String>)>) -> SearchQuery {
        let mut q = self.clone();
        for (i, words) in found {
            if !words.is_empty() && i < q.phrases.len() {
                q.alternates.insert(i, words);
            }
        }
        q
    }

    /// The same query with only the alternates that occur in `titles`.
    pub fn shown_in(&self, titles: &[&str]) -> SearchQuery {
        let words: std::collections::HashSet<String> = titles
            .iter()
            .flat_map(|t| {
                index_words(t)
                    .split(' ')
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut q = self.clone();
        for alts in q.alternates.values_mut() {
            alts.retain(|a| words.contains(a));
        }
        q.alternates.retain(|_, alts| !alts.is_empty());
        q
    }

    /// The query as a reader would type it, alternates shown with "/".
    pub fn display(&self) -> String {
        self.phrases
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let words = p.join(" ");
                let words = if p.len() > 1 {
                    format!("\"{words}\"")
                } else {
                    words
                };
                match self.alternates(i) {
                    [] => words,
                    alts => format!("{words}/{}", alts.join("/")),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Every word, in order.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.phrases.iter().flatten().map(String::as_str)
    }

    /// How well a title that holds the query matches it: BM25's
    /// term-frequency and length parts (k1 = 1.2, b = 0.75) summed over the
    /// phrases, against titles of `average_words`. The inverse document
    /// frequency is left out: every title ranked holds every phrase, and
    /// reading how many titles hold each word would cost a scan of its list
    /// on every search.
    pub fn title_score(&self, title: &str, average_words: f64) -> f64 {
        self.words_score(&index_words(title), average_words)
    }

    /// `title_score` over words already folded by `index_words`.
    pub fn words_score(&self, words: &str, average_words: f64) -> f64 {
        const K1: f64 = 1.2;
        const B: f64 = 0.75;
        let words: Vec<&str> = words.split(' ').filter(|w| !w.is_empty()).collect();
        let length = words.len().max(1) as f64;
        let norm = 1.0 - B + B * length / average_words.max(1.0);
        let last = self.phrases.len().saturating_sub(1);
        self.phrases
            .iter()
            .enumerate()
            .map(|(i, phrase)| {
                let prefix = self.last_is_prefix && i == last;
                let alternates = self.alternates(i);
                let tf = words
                    .windows(phrase.len().max(1))
                    .filter(|window| {
                        (phrase.len() == 1 && alternates.iter().any(|a| window[0] == a))
                            || window.iter().zip(phrase).enumerate().all(|(j, (w, p))| {
                                if prefix && j + 1 == phrase.len() {
                                    w.starts_with(p.as_str())
                                } else {
                                    *w == p
                                }
                            })
                    })
                    .count() as f64;
                tf * (K1 + 1.0) / (tf + K1 * norm)
            })
            .sum()
    }

    /// Whether `text` holds every phrase (words folded the same way as the
    /// index): how titles that match are put first.
    pub fn matches(&self, text: &str) -> bool {
        if self.is_empty() {
            return false;
        }
        let words = index_words(text);
        let words: Vec<&str> = words.split(' ').collect();
        let last = self.phrases.len() - 1;
        self.phrases.iter().enumerate().all(|(i, phrase)| {
            let prefix = self.last_is_prefix && i == last;
            if self
                .alternates(i)
                .iter()
                .any(|a| words.contains(&a.as_str()))
            {
                return true;
            }
            words.windows(phrase.len()).any(|window| {
                window.iter().zip(phrase).enumerate().all(|(j, (w, p))| {
                    if prefix && j + 1 == phrase.len() {
                        w.starts_with(p.as_str())
                    } else {
                        w == p
                    }
                })
            })
        })
    }
}

/// Words one edit (a letter dropped, added, changed or two swapped) away
/// from `word`, over the letters and digits folded text holds.
pub fn near_words(word: &str) -> Vec<String> {
    const ALPHABET: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
    let chars: Vec<char> = word.chars().collect();
    let mut out = std::collections::BTreeSet::new();
    for i in 0..chars.len() {
        let mut v = chars.clone();
        v.remove(i);
        out.insert(v.iter().collect::<String>());
        if i + 1 < chars.len() {
            let mut v = chars.clone();
            v.swap(i, i + 1);
            out.insert(v.iter().collect::<String>());
        }
        for c in ALPHABET.chars() {
            let mut v = chars.clone();
            v[i] = c;
            out.insert(v.iter().collect::<String>());
        }
    }
    for i in 0..=chars.len() {
        for c in ALPHABET.chars() {
            let mut v = chars.clone();
            v.insert(i, c);
            out.insert(v.iter().collect::<String>());
        }
    }
    out.remove(word);
    out.into_iter().filter(|w| !w.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrases(q: &str) -> Vec<Vec<&'static str>> {
        SearchQuery::parse(q)
            .phrases()
            .iter()
            .map(|p| {
                p.iter()
                    .map(|w| &*Box::leak(w.clone().into_boxed_str()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn words_fold_and_split() {
        assert_eq!(
            index_words("  Dân-vận, KHÉO 2021–2025 "),
            "dan van kheo 2021 2025"
        );
        assert_eq!(index_words("Đỗ Văn Đức"), "do van duc");
        assert!(SearchQuery::parse("!!! “ ”").is_empty());
    }

    #[test]
    fn quotes_make_phrases_and_the_last_open_word_is_a_prefix() {
        let q = SearchQuery::parse("Dân vận \"khéo léo\" bả");
        assert_eq!(
            phrases("Dân vận \"khéo léo\" bả"),
            vec![vec!["dan"], vec!["van"], vec!["kheo", "leo"], vec!["ba"]]
        );
        assert!(q.last_is_prefix());
        assert!(!SearchQuery::parse("“xóa nhà tạm”").last_is_prefix());
        assert_eq!(phrases("“xóa nhà tạm"), vec![vec!["xoa", "nha", "tam"]]);
        assert!(!SearchQuery::parse("dân vận ").is_empty());
        let long = "một hai ba bốn năm sáu bảy tám chín mười mười một mười hai";
        assert_eq!(SearchQuery::parse(long).words().count(), MAX_WORDS);
    }

    #[test]
    fn matching_follows_phrases_and_prefix() {
        let title = "Dân vận khéo trong xóa nhà tạm tại bản Mòng";
        assert!(SearchQuery::parse("dan van").matches(title));
        assert!(SearchQuery::parse("ban mon").matches(title));
        assert!(!SearchQuery::parse("\"ban mon\"").matches(title));
        assert!(SearchQuery::parse("\"nha tam\" kheo").matches(title));
        assert!(!SearchQuery::parse("\"tam nha\"").matches(title));
        assert!(!SearchQuery::parse("dan vanx").matches(title));
        assert!(!SearchQuery::default().matches(title));
        let typo = SearchQuery::parse("nhac thaii");
        assert!(!typo.matches("Âm nhạc dân tộc Thái"));
        let fixed = typo.with_alternates(vec![(1, vec!["thai".into()])]);
        assert!(fixed.matches("Âm nhạc dân tộc Thái"));
        assert_eq!(fixed.display(), "nhac thaii/thai");
        // Only spellings in titles the reader is shown are named.
        let two = typo.with_alternates(vec![(1, vec!["thai".into(), "thao".into()])]);
        assert_eq!(
            two.shown_in(&["Âm nhạc dân tộc Thái"]).display(),
            "nhac thaii/thai"
        );
        assert_eq!(two.shown_in(&["Khác"]).display(), "nhac thaii");
    }

    #[test]
    fn shorter_titles_and_repeated_words_score_higher() {
        let q = SearchQuery::parse("dan van");
        let short = q.title_score("Dân vận khéo", 8.0);
        let long = q.title_score(
            "Dân vận khéo trong xây dựng nông thôn mới tại bản Mòng xã Chiềng An",
            8.0,
        );
        assert!(short > long, "{short} {long}");
        let twice = q.title_score("Dân vận, dân vận khéo", 8.0);
        assert!(twice > short);
        assert_eq!(q.title_score("Không liên quan", 8.0), 0.0);
    }

    #[test]
    fn near_words_are_one_edit_away() {
        let near = near_words("thaii");
        for w in ["thai", "thaui", "thaiii", "tahii", "thail"] {
            assert!(near.contains(&w.to_owned()), "{w}");
        }
        assert!(!near.contains(&"thaii".to_owned()));
        assert!(!near.contains(&"th".to_owned()));
        assert_eq!(
            SearchQuery::parse("ab thaii \"x y\"").correctable(),
            vec![(1, "thaii")]
        );
        // Long input is cut, and long words are never corrected.
        let long = "a".repeat(5_000);
        let q = SearchQuery::parse(&format!("{long} {long}"));
        assert!(q.words().map(str::len).sum::<usize>() <= MAX_QUERY);
        assert!(q.correctable().is_empty());
    }
}
