//! Calendar days as DVK counts them, on the `time` crate: ISO dates
//! ('YYYY-MM-DD') as stored, dd/mm/yyyy as shown and typed, Vietnam's
//! date (UTC+7) for "today" and "this year", working days (Monday to
//! Friday) and the length of a public notice.

use time::macros::{format_description, offset};
use time::{Date, Duration, Month, OffsetDateTime, UtcOffset, Weekday};

/// Vietnam's time zone (no daylight saving).
pub const VIETNAM: UtcOffset = offset!(+7);

/// The moment `unix_secs` in Vietnam.
pub fn vn_datetime(unix_secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix_secs)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(VIETNAM)
}

/// The date in Vietnam at `unix_secs`.
pub fn vn_day(unix_secs: i64) -> Date {
    vn_datetime(unix_secs).date()
}

/// Parses 'YYYY-MM-DD'.
pub fn parse_iso(raw: &str) -> Option<Date> {
    Date::parse(raw.trim(), format_description!("[year]-[month]-[day]")).ok()
}

pub fn iso(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// dd/mm/yyyy, as Vietnamese documents write dates.
pub fn show(d: Date) -> String {
    d.format(format_description!("[day]/[month]/[year]"))
        .unwrap_or_default()
}

/// dd/mm/yyyy HH:MM in Vietnam.
pub fn show_datetime(unix_secs: i64) -> String {
    vn_datetime(unix_secs)
        .format(format_description!("[day]/[month]/[year] [hour]:[minute]"))
        .unwrap_or_default()
}

/// A date as a person types it — dd/mm/yyyy, with or without leading
/// zeros — or as a date input sends it (yyyy-mm-dd); years 2000–2100.
pub fn parse_input(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    let date = match raw.split_once('/') {
        Some((d, rest)) => {
            let (m, y) = rest.split_once('/')?;
            let month = Month::try_from(m.trim().parse::<u8>().ok()?).ok()?;
            Date::from_calendar_date(y.trim().parse().ok()?, month, d.trim().parse().ok()?).ok()?
        }
        None => parse_iso(raw)?,
    };
    (2000..=2100).contains(&date.year()).then_some(date)
}

pub fn is_working_day(d: Date) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Working days from `start` to `end`, both included (0 if `end` < `start`).
pub fn working_days(start: Date, end: Date) -> i64 {
    let mut n = 0;
    let mut d = start;
    while d <= end {
        if is_working_day(d) {
            n += 1;
        }
        d += Duration::days(1);
    }
    n
}

/// The day on which a notice starting on `start` completes `n` working
/// days (`start` itself counts if it is a working day).
pub fn last_of_working_days(start: Date, n: i64) -> Date {
    let mut d = start;
    let mut left = n.max(1);
    loop {
        if is_working_day(d) {
            left -= 1;
            if left == 0 {
                return d;
            }
        }
        d += Duration::days(1);
    }
}

/// Why a notice period cannot be accepted, in the words the form shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("Ngày kết thúc thông báo phải sau ngày bắt đầu.")]
    EndsBeforeStart,
    #[error("Thông báo không thể bắt đầu trước ngày Hội đồng kết luận ({0}).")]
    BeforeConclusion(String),
    #[error(
        "Thông báo không thể bắt đầu trước ngày đăng thực tế ({0}): không được lùi ngày thông báo."
    )]
    BeforePublication(String),
    #[error("Thời gian thông báo công khai phải có ít nhất {min} ngày làm việc (không kể thứ Bảy, Chủ nhật); khoảng đã chọn có {got} ngày.")]
    TooShort { min: i64, got: i64 },
}

/// A notice runs from no earlier than the council's conclusion and the day
/// it is really published, for at least `min_working_days`.
pub fn check_notice_period(
    starts: Date,
    ends: Date,
    concluded_on: Option<Date>,
    published_on: Date,
    min_working_days: i64,
) -> Result<(), NoticeError> {
    if ends < starts {
        return Err(NoticeError::EndsBeforeStart);
    }
    if let Some(c) = concluded_on.filter(|c| starts < *c) {
        return Err(NoticeError::BeforeConclusion(show(c)));
    }
    if starts < published_on {
        return Err(NoticeError::BeforePublication(show(published_on)));
    }
    let got = working_days(starts, ends);
    if got < min_working_days {
        return Err(NoticeError::TooShort {
            min: min_working_days,
            got,
        });
    }
    Ok(())
}

/// The first day a decision may be signed: after the announced end, and
/// after `min_working_days` counted from the real publication day.
pub fn first_decision_day(ends: Date, published_on: Date, min_working_days: i64) -> Date {
    let counted = last_of_working_days(published_on, min_working_days);
    ends.max(counted) + Duration::days(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        parse_iso(s).unwrap()
    }

    #[test]
    fn dates_are_read_and_written_the_vietnamese_way() {
        assert_eq!(parse_input("5/3/2026"), Some(d("2026-03-05")));
        assert_eq!(parse_input("05/03/2026"), Some(d("2026-03-05")));
        assert_eq!(parse_input("2026-03-05"), Some(d("2026-03-05")));
        assert_eq!(parse_input("29/02/2028"), Some(d("2028-02-29")));
        assert_eq!(parse_input("29/02/2026"), None);
        assert_eq!(parse_input("31/04/2026"), None);
        assert_eq!(parse_input("01/01/1999"), None);
        assert_eq!(parse_input("hôm nay"), None);
        assert_eq!(parse_iso("2026-3-5"), None);
        assert_eq!(iso(d("2026-03-05")), "2026-03-05");
        assert_eq!(show(d("2026-03-05")), "05/03/2026");
        // 17:00 UTC on 31/12/2025 is already 1/1/2026 in Vietnam.
        assert_eq!(vn_day(1_767_200_400), d("2026-01-01"));
        assert_eq!(show_datetime(1_767_200_400), "01/01/2026 00:00");
    }

    #[test]
    fn counts_working_days() {
        // Monday 30/11/2026 to Sunday 6/12/2026: five working days.
        assert_eq!(working_days(d("2026-11-30"), d("2026-12-06")), 5);
        assert_eq!(working_days(d("2026-12-05"), d("2026-12-06")), 0);
        assert_eq!(working_days(d("2026-12-06"), d("2026-12-05")), 0);
        // Friday + 5 working days ends the next Thursday.
        assert_eq!(last_of_working_days(d("2026-12-04"), 5), d("2026-12-10"));
        // A Saturday start counts from Monday.
        assert_eq!(last_of_working_days(d("2026-12-05"), 1), d("2026-12-07"));
        assert_eq!(parse_iso("2026-02-30"), None);
        assert_eq!(iso(d("2026-01-05")), "2026-01-05");
    }

    #[test]
    fn notice_rules() {
        let monday = d("2026-11-30");
        // Backdated entirely: refused.
        assert!(matches!(
            check_notice_period(d("2026-11-01"), d("2026-11-10"), None, monday, 5),
            Err(NoticeError::BeforePublication(_))
        ));
        // Before the council met: refused.
        assert!(matches!(
            check_notice_period(monday, d("2026-12-10"), Some(d("2026-12-01")), monday, 5),
            Err(NoticeError::BeforeConclusion(_))
        ));
        // Four working days: too short; five: fine.
        assert_eq!(
            check_notice_period(monday, d("2026-12-03"), None, monday, 5),
            Err(NoticeError::TooShort { min: 5, got: 4 })
        );
        assert_eq!(
            check_notice_period(monday, d("2026-12-04"), Some(monday), monday, 5),
            Ok(())
        );
        assert_eq!(
            check_notice_period(monday, d("2026-11-29"), None, monday, 5),
            Err(NoticeError::EndsBeforeStart)
        );
        // Decisions: the day after the later of the end and the counted period.
        assert_eq!(
            first_decision_day(d("2026-12-04"), monday, 5),
            d("2026-12-05")
        );
        assert_eq!(
            first_decision_day(d("2026-12-01"), monday, 5),
            d("2026-12-05")
        );
    }
}
