//! Charts drawn on the server as SVG: no script, no outside service. Each
//! carries its own `<title>` and `<desc>` for screen readers (the page
//! shows the same numbers as a table beside it), uses presentation
//! attributes only (so a downloaded file looks the same outside the page),
//! and is sized by its `viewBox` for a phone's width.

pub mod bars;
pub mod png;
pub mod trend;

pub use bars::{Bar, Bars};
pub use trend::{Band, Marker, Series, Trend};

/// The drawing's width in SVG units: about a phone's width in CSS pixels,
/// so text drawn at 12 units reads at about 12 px there.
pub const WIDTH: f64 = 360.0;

/// The fonts text is drawn in (Liberation Sans where Arial is missing).
pub const FONT: &str = "Arial, 'Liberation Sans', Helvetica, sans-serif";

/// Round values for an axis from 0 to at least `max`, about `count` steps
/// of 1, 2 or 5 × 10ⁿ; `[0, 1]` when there is nothing to show.
pub fn ticks(max: i64, count: usize) -> Vec<i64> {
    let max = max.max(1);
    let rough = (max as f64 / count.max(1) as f64).max(1.0);
    let power = 10f64.powi(rough.log10().floor() as i32);
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power)
        .max(1.0) as i64;
    let mut out = vec![0];
    while *out.last().unwrap_or(&0) < max {
        out.push(out.last().unwrap_or(&0) + step);
    }
    out
}

/// A coordinate written with one decimal at most.
pub(crate) fn at(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(ticks(0, 4), vec![0, 1]);
        assert_eq!(ticks(3, 4), vec![0, 1, 2, 3]);
        assert_eq!(ticks(10, 4), vec![0, 5, 10]);
        assert_eq!(ticks(75, 4), vec![0, 20, 40, 60, 80]);
        assert_eq!(ticks(1234, 4), vec![0, 500, 1000, 1500]);
        for max in [1, 7, 99, 100, 101, 4321, 1_000_000] {
            let t = ticks(max, 4);
            assert!(*t.last().unwrap() >= max && t.len() <= 7, "{max}: {t:?}");
        }
    }

    #[test]
    fn coordinates_are_short() {
        assert_eq!(at(12.0), "12");
        assert_eq!(at(12.345), "12.3");
    }
}
