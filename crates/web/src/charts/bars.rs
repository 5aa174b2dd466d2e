//! Horizontal bars, one per row with its label above it: long Vietnamese
//! names of communes and fields stay whole on a phone.

use super::{at, FONT, WIDTH};
use askama::Template;
use dvk_domain::text::truncate_words;

/// One bar: what it counts, how many, and the list it opens.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub href: Option<String>,
}

pub struct BarRow {
    pub label: String,
    /// The label in full, when the drawn one is shortened.
    pub full: String,
    pub value: String,
    pub href: Option<String>,
    pub label_y: String,
    pub bar_y: String,
    pub bar_w: String,
    pub value_x: String,
    pub value_y: String,
}

/// A bar chart ready to draw.
#[derive(Template)]
#[template(path = "charts/bars.svg", escape = "html")]
pub struct Bars {
    /// Unique on the page: the title's and description's ids derive from it.
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: String,
    pub height: String,
    pub font: &'static str,
    pub rows: Vec<BarRow>,
}

const ROW: f64 = 34.0;
const BAR: f64 = 12.0;
const PAD: f64 = 4.0;
/// Room kept right of the longest bar for its number.
const VALUE_ROOM: f64 = 56.0;
/// Characters of a label drawn at 12 units across the chart.
const LABEL_CHARS: usize = 50;

impl Bars {
    /// Bars in the order given; `desc` says what is counted (read by screen
    /// readers before the numbers, which the page also shows as a table).
    pub fn new(id: &str, title: &str, desc: &str, bars: &[Bar]) -> Bars {
        let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
        let span = WIDTH - 2.0 * PAD - VALUE_ROOM;
        let rows = bars
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let top = PAD + i as f64 * ROW;
                let w = if b.value > 0 {
                    (b.value as f64 / max * span).max(2.0)
                } else {
                    0.0
                };
                let label = truncate_words(&b.label, LABEL_CHARS);
                BarRow {
                    full: if label == b.label {
                        String::new()
                    } else {
                        b.label.clone()
                    },
                    label,
                    value: crate::views::fmt_money(b.value),
                    href: b.href.clone(),
                    label_y: at(top + 12.0),
                    bar_y: at(top + 17.0),
                    bar_w: at(w),
                    value_x: at(PAD + w + 4.0),
                    value_y: at(top + 17.0 + BAR - 2.0),
                }
            })
            .collect::<Vec<_>>();
        let height = 2.0 * PAD + rows.len().max(1) as f64 * ROW;
        Bars {
            id: id.to_owned(),
            title: title.to_owned(),
            desc: desc.to_owned(),
            width: at(WIDTH),
            height: at(height),
            font: FONT,
            rows,
        }
    }

    /// The drawing as a standalone SVG document.
    pub fn svg(&self) -> String {
        self.render().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: i64) -> Bar {
        Bar {
            label: label.into(),
            value,
            href: Some(format!("/entries?q={value}&x=1")),
        }
    }

    #[test]
    fn bars_are_scaled_labelled_and_escaped() {
        let svg = Bars::new(
            "xa",
            "Hồ sơ theo xã",
            "Số hồ sơ đăng ký <năm 2026>",
            &[
                bar("Phường Tô Hiệu", 1200),
                bar("Xã <Chiềng> & \"An\"", 300),
                bar("Xã Mường Bú", 0),
            ],
        )
        .svg();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("<title id=\"xa-title\">Hồ sơ theo xã</title>"));
        assert!(svg.contains("Số hồ sơ đăng ký &#60;năm 2026&#62;"), "{svg}");
        assert!(svg.contains("Phường Tô Hiệu") && svg.contains("1.200"));
        assert!(!svg.contains("<Chiềng>") && svg.contains("&#60;Chiềng&#62; &#38; &#34;An&#34;"));
        // The longest bar spans the room; a quarter of it, a quarter.
        assert!(svg.contains("width=\"296\""), "{svg}");
        assert!(svg.contains("width=\"74\""), "{svg}");
        // A zero is written, not drawn.
        assert!(svg.contains(">0</text>"));
        assert!(svg.contains("href=\"/entries?q=300&#38;x=1\""), "{svg}");
    }

    #[test]
    fn long_labels_are_shortened_at_a_word_and_kept_whole_in_a_title() {
        let long = "Ủy ban Mặt trận Tổ quốc Việt Nam phường Tô Hiệu thành phố Sơn La tỉnh Sơn La";
        let svg = Bars::new("l", "t", "d", &[bar(long, 5)]).svg();
        assert!(svg.contains(&format!("<title>{long}</title>")), "{svg}");
        assert!(svg.contains("…"));
    }
}
