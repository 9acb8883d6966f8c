//! The request's timestamps: ISO-8601 basic parsing, the scope date, and the clock-skew and
//! presigned-expiry checks with AWS's wording.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::*;

/// Parses `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`), or an HTTP `Date` (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub(super) fn parse_timestamp(value: &str) -> Result<OffsetDateTime, SigV4Error> {
    let http_date = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    parse_iso_basic(value)
        .or_else(|| PrimitiveDateTime::parse(value, http_date).ok().map(PrimitiveDateTime::assume_utc))
        .ok_or_else(|| {
            SigV4Error::incomplete(format!(
                "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
                echo(value)
            ))
        })
}

/// Strict `YYYYMMDDTHHMMSSZ`: the string to sign repeats the date, so only one spelling may verify.
pub(super) fn parse_iso_basic(value: &str) -> Option<OffsetDateTime> {
    let bytes = value.as_bytes();
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = bytes.get(range)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(number(4..6)?).ok()?).ok()?;
    let day = u8::try_from(number(6..8)?).ok()?;
    let hour = u8::try_from(number(9..11)?).ok()?;
    let minute = u8::try_from(number(11..13)?).ok()?;
    let second = u8::try_from(number(13..15)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

pub(super) fn format_date(timestamp: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}",
        timestamp.year(),
        u8::from(timestamp.month()),
        timestamp.day()
    )
}

pub(super) fn format_date_time(timestamp: OffsetDateTime) -> String {
    format!(
        "{}T{:02}{:02}{:02}Z",
        format_date(timestamp),
        timestamp.hour(),
        timestamp.minute(),
        timestamp.second()
    )
}

/// Nanoseconds since the Unix epoch, negative before it.
pub(super) fn unix_nanos(time: SystemTime) -> i128 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
        Err(before) => {
            i128::try_from(before.duration().as_nanos()).map_or(i128::MIN, |nanos| -nanos)
        }
    }
}

pub(super) fn format_nanos(nanos: i128) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .map(format_date_time)
        .unwrap_or_else(|_| nanos.to_string())
}

/// AWS words windows as `15 min`; anything not a whole number of minutes is given in seconds.
pub(super) fn describe(window: Duration) -> String {
    let seconds = window.as_secs();
    if seconds > 0 && seconds.is_multiple_of(60) {
        format!("{} min", seconds / 60)
    } else {
        format!("{seconds} sec")
    }
}

/// Refuses a request dated more than `past` before `now` or more than `future` after it.
pub(super) fn check_skew(
    timestamp: OffsetDateTime,
    now: SystemTime,
    past: Duration,
    future: Duration,
) -> Result<(), SigV4Error> {
    let request = timestamp.unix_timestamp_nanos();
    let now = unix_nanos(now);
    let earliest = now.saturating_sub(i128::try_from(past.as_nanos()).unwrap_or(i128::MAX));
    if request < earliest {
        return Err(SigV4Error::invalid(format!(
            "Signature expired: {} is now earlier than {} ({} - {}.)",
            format_nanos(request),
            format_nanos(earliest),
            format_nanos(now),
            describe(past)
        )));
    }
    let latest = now.saturating_add(i128::try_from(future.as_nanos()).unwrap_or(i128::MAX));
    if request > latest {
        return Err(SigV4Error::invalid(format!(
            "Signature not yet current: {} is still later than {} ({} + {}.)",
            format_nanos(request),
            format_nanos(latest),
            format_nanos(now),
            describe(future)
        )));
    }
    Ok(())
}

pub(super) fn system_time(timestamp: OffsetDateTime) -> Option<SystemTime> {
    let seconds = timestamp.unix_timestamp();
    if seconds >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(seconds.unsigned_abs()))
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(seconds.unsigned_abs()))
    }
}
