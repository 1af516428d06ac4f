//! Local clock times for people ("14:03:22", "2026-11-21 14:03"), from Unix milliseconds.
//! The local zone is the system's (`TZ`, else `/etc/localtime`), read through `jiff`; where it
//! cannot be found, times are in UTC.

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// The local time of day, `HH:MM:SS`.
pub fn local_clock(unix_ms: u64) -> String {
    format_in(unix_ms, &TimeZone::system(), "%H:%M:%S")
}

/// The local date and time, `YYYY-MM-DD HH:MM`.
pub fn local_date_time(unix_ms: u64) -> String {
    format_in(unix_ms, &TimeZone::system(), "%Y-%m-%d %H:%M")
}

/// `unix_ms` in zone `zone`, written with the `strftime` pattern `pattern`. A time past
/// jiff's range (years beyond ±9999) is shown at the range's end.
fn format_in(unix_ms: u64, zone: &TimeZone, pattern: &str) -> String {
    let at = i64::try_from(unix_ms)
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .unwrap_or(Timestamp::MAX);
    at.to_zoned_datetime(zone.clone())
        .strftime(pattern)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_parts_are_right_across_eras_and_leap_days() {
        let utc = TimeZone::UTC;
        let all = "%Y-%m-%d %H:%M:%S";
        assert_eq!(format_in(0, &utc, all), "1970-01-01 00:00:00");
        assert_eq!(
            format_in(1_709_214_307_000, &utc, all),
            "2024-02-29 13:45:07"
        );
        assert_eq!(format_in(951_868_800_000, &utc, all), "2000-03-01 00:00:00");
    }

    #[test]
    fn a_zone_offset_moves_the_clock() {
        let plus_two = TimeZone::fixed(jiff::tz::offset(2));
        assert_eq!(
            format_in(1_709_214_307_000, &plus_two, "%H:%M:%S"),
            "15:45:07"
        );
        assert_eq!(format_in(u64::MAX, &TimeZone::UTC, "%Y").len(), 4);
    }

    #[test]
    fn local_times_have_the_promised_shape() {
        let clock = local_clock(1_709_214_307_000);
        assert_eq!(clock.len(), 8);
        assert_eq!(&clock[2..3], ":");
        let stamp = local_date_time(1_709_214_307_000);
        assert_eq!(stamp.len(), 16);
        assert!(stamp.starts_with("2024-02-"), "{stamp}");
    }
}
