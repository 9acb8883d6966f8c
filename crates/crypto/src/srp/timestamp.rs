//! The `TIMESTAMP` of a `PASSWORD_VERIFIER` response: `Thu Nov 26 03:51:27 UTC 2026`.
//!
//! Clients format it with Java's `SimpleDateFormat("EEE MMM d HH:mm:ss z yyyy", Locale.US)`
//! in UTC (Amplify's `getNowString`, pycognito's `%a %b %-d %H:%M:%S UTC %Y`): English names,
//! day of month unpadded, time zero-padded. The calendar arithmetic is done here, on plain
//! integers, so formatting cannot fail for any `i64` and the crate needs no clock.

const DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const SECONDS_PER_DAY: i64 = 86_400;

/// Formats `unix_secs` as clients send `TIMESTAMP`, e.g. `Thu Nov 26 03:51:27 UTC 2026`.
pub fn format_timestamp(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(SECONDS_PER_DAY);
    let secs_of_day = unix_secs.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = DAY_NAMES[(days + 4).rem_euclid(7) as usize];
    let month_name = MONTH_NAMES[(month - 1) as usize];
    format!(
        "{weekday} {month_name} {day} {:02}:{:02}:{:02} UTC {year:04}",
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60,
    )
}

/// Parses a client's `TIMESTAMP` into Unix seconds, leniently: names in any case, day and
/// time fields with or without zero padding, any run of spaces, `UTC` or `GMT`.
///
/// The day name is not checked against the date (Java's lenient parser ignores it too); the
/// timestamp is covered by the claim signature anyway. Returns `None` for anything else.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let mut fields = text.split_ascii_whitespace();
    let (day_name, month_name, day, time, zone, year) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    if fields.next().is_some()
        || !DAY_NAMES.iter().any(|d| d.eq_ignore_ascii_case(day_name))
        || !(zone.eq_ignore_ascii_case("UTC") || zone.eq_ignore_ascii_case("GMT"))
    {
        return None;
    }
    let month = MONTH_NAMES
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))?
        + 1;
    let year = parse_digits(year, 4, 4)?;
    let day = parse_digits(day, 1, 2)?;
    let (hour, minute, second) = parse_time(time)?;
    if year == 0 || day == 0 || day > days_in_month(year, month as i64) {
        return None;
    }
    let days = days_from_civil(year, month as i64, day);
    Some(days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second)
}

/// `H:M:S` with one or two digits each.
fn parse_time(text: &str) -> Option<(i64, i64, i64)> {
    let mut parts = text.split(':');
    let hour = parse_digits(parts.next()?, 1, 2)?;
    let minute = parse_digits(parts.next()?, 1, 2)?;
    let second = parse_digits(parts.next()?, 1, 2)?;
    if parts.next().is_some() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some((hour, minute, second))
}

/// A run of `min..=max` ASCII digits. (`str::parse` would also accept a leading `+`.)
fn parse_digits(text: &str, min: usize, max: usize) -> Option<i64> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's
/// `civil_from_days`); exact for every `i64` day count that `i64` seconds can produce.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_the_reference_example() {
        // 2026-11-26T03:51:27Z, checked independently with Python's calendar.timegm.
        assert_eq!(
            format_timestamp(1_795_665_087),
            "Thu Nov 26 03:51:27 UTC 2026"
        );
        assert_eq!(
            parse_timestamp("Thu Nov 26 03:51:27 UTC 2026"),
            Some(1_795_665_087)
        );
    }

    #[test]
    fn day_is_unpadded_and_time_is_padded() {
        assert_eq!(format_timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
        // 2024-02-29T09:05:03Z, a leap day.
        assert_eq!(
            format_timestamp(1_709_197_503),
            "Thu Feb 29 09:05:03 UTC 2024"
        );
        assert_eq!(format_timestamp(-1), "Wed Dec 31 23:59:59 UTC 1969");
    }

    #[test]
    fn parse_is_lenient() {
        let t = Some(1_795_665_087);
        for text in [
            "Thu Nov 26 3:51:27 UTC 2026",
            "thu nov 26 03:51:27 utc 2026",
            "THU NOV 26 03:51:27 GMT 2026",
            "Thu  Nov  26  03:51:27  UTC  2026",
            // Clients in the wild have sent the wrong day name; it is not checked.
            "Tue Nov 26 3:51:27 UTC 2026",
        ] {
            assert_eq!(parse_timestamp(text), t, "{text}");
        }
        assert_eq!(
            parse_timestamp("Mon Jan 05 07:08:09 UTC 1970"),
            Some(4 * 86_400 + 25_689)
        );
    }

    #[test]
    fn parse_rejects_malformed_input() {
        for text in [
            "",
            "Thu Nov 26 03:51:27 UTC",
            "Thu Nov 26 03:51:27 UTC 2026 extra",
            "Xyz Nov 26 03:51:27 UTC 2026",
            "Thu Foo 26 03:51:27 UTC 2026",
            "Thu Nov 31 03:51:27 UTC 2026",
            "Thu Feb 29 03:51:27 UTC 2026",
            "Thu Nov 0 03:51:27 UTC 2026",
            "Thu Nov 26 24:00:00 UTC 2026",
            "Thu Nov 26 03:60:00 UTC 2026",
            "Thu Nov 26 03:51:60 UTC 2026",
            "Thu Nov 26 03:51 UTC 2026",
            "Thu Nov 26 03:51:27:00 UTC 2026",
            "Thu Nov 26 +3:51:27 UTC 2026",
            "Thu Nov 26 03:51:27 PST 2026",
            "Thu Nov 26 03:51:27 UTC 26",
            "Thu Nov 26 03:51:27 UTC 0000",
            "Thu Nov 126 03:51:27 UTC 2026",
        ] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
    }

    #[test]
    fn format_never_panics_at_the_extremes() {
        for t in [i64::MIN, i64::MIN + 1, i64::MAX] {
            assert!(format_timestamp(t).contains(" UTC "));
        }
    }

    proptest! {
        #[test]
        fn round_trips_and_matches_the_time_crate(t in -62_135_596_800i64..253_402_300_799) {
            let text = format_timestamp(t);
            prop_assert_eq!(parse_timestamp(&text), Some(t));
            let dt = time::OffsetDateTime::from_unix_timestamp(t).unwrap();
            let expected = format!(
                "{} {} {} {:02}:{:02}:{:02} UTC {:04}",
                &dt.weekday().to_string()[..3],
                &MONTH_NAMES[usize::from(u8::from(dt.month())) - 1],
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                dt.year(),
            );
            prop_assert_eq!(text, expected);
        }
    }
}
