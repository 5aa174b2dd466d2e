//! Reminders before deadlines: which reminder is due today for a
//! deadline, as plain date arithmetic. A reminder missed while no server
//! ran is still sent once, late, rather than never; none is sent once the
//! deadline has passed.

use time::{Date, Month};

/// Days before a deadline at which people are reminded, largest first.
pub const DEFAULT_DAYS: &[i64] = &[7, 1];

/// The reminder due on `today` for `deadline`: the smallest lead time in
/// `days_before` whose day has come (so on the 5th day before, the 7-day
/// reminder; on the day before, the 1-day one). None before the first
/// reminder's day and after the deadline.
pub fn reminder_due(today: Date, deadline: Date, days_before: &[i64]) -> Option<i64> {
    if today > deadline {
        return None;
    }
    let left = (deadline - today).whole_days();
    days_before.iter().copied().filter(|d| left <= *d).min()
}

/// Parses a setting such as "7,1" (days before a deadline, 0–90).
pub fn parse_days(raw: &str) -> Result<Vec<i64>, String> {
    let mut days: Vec<i64> = raw
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<i64>()
                .ok()
                .filter(|d| (0..=90).contains(d))
                .ok_or_else(|| format!("“{s}” không phải số ngày từ 0 đến 90"))
        })
        .collect::<Result<_, _>>()?;
    if days.is_empty() {
        return Err("cần ít nhất một số ngày, ví dụ 7,1".into());
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    Ok(days)
}

/// A yearly deadline given as "dd/mm", in `year`.
pub fn annual_deadline(raw: &str, year: i32) -> Option<Date> {
    let (d, m) = raw.trim().split_once('/')?;
    let month = Month::try_from(m.trim().parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year, month, d.trim().parse().ok()?).ok()
}

/// "còn 7 ngày", "hạn là hôm nay".
pub fn time_left(days: i64) -> String {
    match days {
        0 => "hạn là hôm nay".into(),
        1 => "còn 1 ngày, hạn là ngày mai".into(),
        n => format!("còn {n} ngày"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_reminder_due_follows_the_days_left() {
        let deadline = date!(2026 - 12 - 20);
        let days = [7, 1];
        assert_eq!(reminder_due(date!(2026 - 12 - 12), deadline, &days), None);
        assert_eq!(
            reminder_due(date!(2026 - 12 - 13), deadline, &days),
            Some(7)
        );
        // A server down on the 13th still reminds, late, with the 7-day one.
        assert_eq!(
            reminder_due(date!(2026 - 12 - 16), deadline, &days),
            Some(7)
        );
        assert_eq!(
            reminder_due(date!(2026 - 12 - 19), deadline, &days),
            Some(1)
        );
        assert_eq!(
            reminder_due(date!(2026 - 12 - 20), deadline, &days),
            Some(1)
        );
        assert_eq!(reminder_due(date!(2026 - 12 - 21), deadline, &days), None);
    }

    #[test]
    fn settings_are_parsed() {
        assert_eq!(parse_days("1, 7 7").unwrap(), vec![7, 1]);
        assert!(parse_days("").is_err());
        assert!(parse_days("91").is_err());
        assert!(parse_days("bảy").is_err());
        assert_eq!(annual_deadline("31/3", 2026), Some(date!(2026 - 03 - 31)));
        assert_eq!(annual_deadline("30/02", 2026), None);
        assert_eq!(annual_deadline("2026-03-31", 2026), None);
    }
}
