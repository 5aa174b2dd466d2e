//! A trend over the years: one line per series, with the phases shaded
//! and dated events (the 1/7/2025 reform) marked.

use super::{at, ticks, FONT, WIDTH};
use askama::Template;

/// A line: its name in the legend and one value per year.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<i64>,
}

/// A dated event, drawn as a dashed line at `at` (a position between the
/// years, in years: 2025.5 is mid-2025).
#[derive(Debug, Clone)]
pub struct Marker {
    pub at: f64,
    pub label: String,
}

/// A span of years shaded and named under the axis (a phase).
#[derive(Debug, Clone)]
pub struct Band {
    pub first: i32,
    pub last: i32,
    pub label: String,
}

pub struct LineView {
    pub name: String,
    pub colour: &'static str,
    pub dash: &'static str,
    pub points: String,
    pub dots: Vec<Dot>,
    pub legend_x: String,
    pub legend_y: String,
}

pub struct Dot {
    pub x: String,
    pub y: String,
    /// "2023: 120" for the dot's tooltip.
    pub text: String,
}

pub struct Tick {
    pub y: String,
    pub label: String,
}

pub struct YearLabel {
    pub x: String,
    pub label: String,
}

pub struct MarkView {
    pub x: String,
    pub label: String,
    pub anchor: &'static str,
}

pub struct BandView {
    pub x: String,
    pub w: String,
    pub mid: String,
    pub label: String,
    pub shade: &'static str,
}

#[derive(Template)]
#[template(path = "charts/trend.svg", escape = "html")]
pub struct Trend {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: String,
    pub height: String,
    pub font: &'static str,
    pub left: String,
    pub right: String,
    pub top: String,
    pub bottom: String,
    pub plot_h: String,
    pub ticks: Vec<Tick>,
    pub years: Vec<YearLabel>,
    pub lines: Vec<LineView>,
    pub marks: Vec<MarkView>,
    pub bands: Vec<BandView>,
    pub band_y: String,
}

/// Colours and dash patterns of the series in order: told apart by the
/// pattern too, not by colour alone.
const STYLES: [(&str, &str); 4] = [
    ("#0b5cad", ""),
    ("#a3161a", "6 3"),
    ("#1b6e37", "2 3"),
    ("#7a4b00", "8 3 2 3"),
];
const HEIGHT: f64 = 250.0;
const LEFT: f64 = 46.0;
const RIGHT: f64 = 14.0;
/// Legend rows above the plot.
const LEGEND_ROW: f64 = 16.0;
const BOTTOM: f64 = 44.0;

impl Trend {
    pub fn new(
        id: &str,
        title: &str,
        desc: &str,
        years: &[i32],
        series: &[Series],
        markers: &[Marker],
        bands: &[Band],
    ) -> Trend {
        let legend_rows = series.len().div_ceil(2).max(1) as f64;
        let top = 8.0 + legend_rows * LEGEND_ROW + 8.0;
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - top - BOTTOM;
        let first = years.first().copied().unwrap_or(0) as f64;
        let last = years.last().copied().unwrap_or(0) as f64;
        let span = (last - first).max(1.0);
        let x_of = |year: f64| LEFT + (year - first) / span * plot_w;
        let max = series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .max()
            .unwrap_or(0);
        let tick_values = ticks(max, 4);
        let top_value = *tick_values.last().unwrap_or(&1) as f64;
        let y_of = |v: i64| top + plot_h * (1.0 - v as f64 / top_value);
        let lines = series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (colour, dash) = STYLES[i % STYLES.len()];
                let dots: Vec<Dot> = s
                    .values
                    .iter()
                    .zip(years)
                    .map(|(v, y)| Dot {
                        x: at(x_of(*y as f64)),
                        y: at(y_of(*v)),
                        text: format!("{}, năm {y}: {}", s.name, crate::views::fmt_money(*v)),
                    })
                    .collect();
                LineView {
                    name: s.name.clone(),
                    colour,
                    dash,
                    points: dots
                        .iter()
                        .map(|d| format!("{},{}", d.x, d.y))
                        .collect::<Vec<_>>()
                        .join(" "),
                    dots,
                    legend_x: at(LEFT + (i % 2) as f64 * plot_w / 2.0),
                    legend_y: at(8.0 + (i / 2) as f64 * LEGEND_ROW + 10.0),
                }
            })
            .collect();
        let marks = markers
            .iter()
            .map(|m| {
                let x = x_of(m.at);
                MarkView {
                    x: at(x),
                    label: m.label.clone(),
                    // Labels near the right edge run leftwards.
                    anchor: if x > LEFT + plot_w * 0.6 {
                        "end"
                    } else {
                        "start"
                    },
                }
            })
            .collect();
        let bands = bands
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let from = x_of((b.first as f64 - 0.5).max(first)).max(LEFT);
                let to = x_of((b.last as f64 + 0.5).min(last)).min(LEFT + plot_w);
                // The name stays inside the drawing when its band is narrow
                // at an edge (about 5 units a character at size 10).
                let half = b.label.chars().count() as f64 * 2.6;
                // (max, then min: a name wider than the drawing stays centred.)
                let mid = ((from + to) / 2.0).max(LEFT + half).min(WIDTH - 4.0 - half);
                BandView {
                    x: at(from),
                    w: at((to - from).max(0.0)),
                    mid: at(mid),
                    label: b.label.clone(),
                    shade: if i % 2 == 0 { "#eef3fa" } else { "#f7f0e6" },
                }
            })
            .collect();
        Trend {
            id: id.to_owned(),
            title: title.to_owned(),
            desc: desc.to_owned(),
            width: at(WIDTH),
            height: at(HEIGHT),
            font: FONT,
            left: at(LEFT),
            right: at(LEFT + plot_w),
            top: at(top),
            bottom: at(top + plot_h),
            plot_h: at(plot_h),
            ticks: tick_values
                .iter()
                .map(|v| Tick {
                    y: at(y_of(*v)),
                    label: crate::views::fmt_money(*v),
                })
                .collect(),
            years: years
                .iter()
                .map(|y| YearLabel {
                    x: at(x_of(*y as f64)),
                    label: y.to_string(),
                })
                .collect(),
            lines,
            marks,
            bands,
            band_y: at(top + plot_h + 34.0),
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

    #[test]
    fn lines_markers_and_phases_are_drawn_with_their_labels() {
        let years: Vec<i32> = (2021..=2026).collect();
        let svg = Trend::new(
            "xu-huong",
            "Xu hướng 2021–2026",
            "Số mô hình đăng ký và được công nhận mỗi năm",
            &years,
            &[
                Series {
                    name: "Đăng ký".into(),
                    values: vec![10, 20, 30, 40, 50, 100],
                },
                Series {
                    name: "Được công nhận".into(),
                    values: vec![1, 2, 3, 4, 5, 0],
                },
            ],
            &[Marker {
                at: 2025.5,
                label: "1/7/2025: sắp xếp đơn vị hành chính".into(),
            }],
            &[
                Band {
                    first: 2021,
                    last: 2025,
                    label: "Giai đoạn 2021–2025".into(),
                },
                Band {
                    first: 2026,
                    last: 2030,
                    label: "2026–2030".into(),
                },
            ],
        )
        .svg();
        for text in [
            "<title id=\"xu-huong-title\">Xu hướng 2021–2026</title>",
            "Đăng ký",
            "Được công nhận",
            "1/7/2025: sắp xếp đơn vị hành chính",
            "Giai đoạn 2021–2025",
            ">2021</text>",
            ">2026</text>",
            "Đăng ký, năm 2026: 100",
            "Được công nhận, năm 2023: 3",
            ">100</text>",
        ] {
            assert!(svg.contains(text), "{text} in {svg}");
        }
        // The first year sits on the left edge of the plot, the last on
        // the right; the highest value on the top line.
        assert!(svg.contains("<polyline points=\"46,"), "{svg}");
        assert!(svg.contains(" 346,"), "{svg}");
    }

    #[test]
    fn nothing_to_show_still_draws_an_axis() {
        let svg = Trend::new("t", "t", "d", &[2026], &[], &[], &[]).svg();
        assert!(svg.contains(">2026</text>") && svg.contains(">0</text>"));
    }
}
