//! Amounts of money written in words, as decisions print them under the
//! figures ("Bằng chữ: Một triệu hai trăm nghìn đồng"), following the
//! way Vietnamese reads numbers: "linh" for a missing ten, "mốt" and "tư"
//! after "mươi", "lăm" after a ten, "mười" for one ten, "không trăm" for
//! a missing hundred inside a number.

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// Reads a group of three digits. `inner`: the group follows a higher
/// one, so a missing hundred is read ("không trăm linh năm").
fn group(n: u64, inner: bool) -> Vec<&'static str> {
    let (h, t, u) = (
        (n / 100) as usize,
        ((n / 10) % 10) as usize,
        (n % 10) as usize,
    );
    let mut w = Vec::new();
    if h > 0 || (inner && (t > 0 || u > 0)) {
        w.push(DIGITS[h]);
        w.push("trăm");
    }
    match t {
        0 if u > 0 && !w.is_empty() => w.push("linh"),
        0 => {}
        1 => w.push("mười"),
        _ => {
            w.push(DIGITS[t]);
            w.push("mươi");
        }
    }
    match u {
        0 => {}
        1 if t >= 2 => w.push("mốt"),
        4 if t >= 2 => w.push("tư"),
        5 if t >= 1 => w.push("lăm"),
        _ => w.push(DIGITS[u]),
    }
    w
}

/// Below a billion: millions, thousands, units.
fn below_billion(n: u64, inner: bool) -> Vec<&'static str> {
    let parts = [
        (n / 1_000_000, "triệu"),
        ((n / 1_000) % 1_000, "nghìn"),
        (n % 1_000, ""),
    ];
    let mut w = Vec::new();
    let mut started = inner;
    for (value, unit) in parts {
        if value == 0 {
            continue;
        }
        w.extend(group(value, started));
        if !unit.is_empty() {
            w.push(unit);
        }
        started = true;
    }
    w
}

/// A whole number in words, lower case ("một nghìn không trăm linh năm").
pub fn number_in_words(n: u64) -> String {
    if n == 0 {
        return DIGITS[0].to_owned();
    }
    let mut words: Vec<String> = Vec::new();
    let billions = n / 1_000_000_000;
    let rest = n % 1_000_000_000;
    if billions > 0 {
        words.push(number_in_words(billions));
        words.push("tỷ".into());
    }
    words.extend(
        below_billion(rest, billions > 0)
            .into_iter()
            .map(str::to_owned),
    );
    words.join(" ")
}

/// An amount in đồng, as written under the figures: capitalised, ending
/// in "đồng".
pub fn dong_in_words(amount: u64) -> String {
    let words = number_in_words(amount);
    let mut chars = words.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    format!("{}{} đồng", first.unwrap_or_default(), chars.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tricky_numbers_read_as_people_read_them() {
        let cases = [
            (0, "không"),
            (5, "năm"),
            (10, "mười"),
            (11, "mười một"),
            (14, "mười bốn"),
            (15, "mười lăm"),
            (20, "hai mươi"),
            (21, "hai mươi mốt"),
            (24, "hai mươi tư"),
            (25, "hai mươi lăm"),
            (101, "một trăm linh một"),
            (105, "một trăm linh năm"),
            (110, "một trăm mười"),
            (115, "một trăm mười lăm"),
            (1_005, "một nghìn không trăm linh năm"),
            (2_021, "hai nghìn không trăm hai mươi mốt"),
            (10_000, "mười nghìn"),
            (15_500, "mười lăm nghìn năm trăm"),
            (1_000_005, "một triệu không trăm linh năm"),
            (1_200_000, "một triệu hai trăm nghìn"),
            (5_050_000, "năm triệu không trăm năm mươi nghìn"),
            (1_000_000_000, "một tỷ"),
            (2_000_300_000, "hai tỷ ba trăm nghìn"),
            (1_000_000_000_000, "một nghìn tỷ"),
        ];
        for (n, words) in cases {
            assert_eq!(number_in_words(n), words, "{n}");
        }
        assert_eq!(dong_in_words(1_200_000), "Một triệu hai trăm nghìn đồng");
        assert_eq!(dong_in_words(0), "Không đồng");
    }
}
