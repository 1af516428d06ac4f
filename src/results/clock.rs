//! Local clock times for people ("14:03:22", "2026-11-21 14:03"), from Unix milliseconds.

/// The local time of day, `HH:MM:SS`.
pub fn local_clock(unix_ms: u64) -> String {
    let t = local_parts(unix_ms);
    format!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second)
}

/// The local date and time, `YYYY-MM-DD HH:MM`.
pub fn local_date_time(unix_ms: u64) -> String {
    let t = local_parts(unix_ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute
    )
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

/// The local calendar parts of a Unix time (UTC where the local zone is unknown).
fn local_parts(unix_ms: u64) -> Parts {
    let seconds = (unix_ms / 1000) as i64;
    utc_parts(seconds + local_offset_seconds(seconds))
}

/// The calendar parts of a count of seconds since 1970-01-01 00:00 (civil-from-days).
fn utc_parts(seconds: i64) -> Parts {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Parts {
        year,
        month,
        day,
        hour: of_day / 3600,
        minute: of_day / 60 % 60,
        second: of_day % 60,
    }
}

/// The local zone's offset from UTC at that time, in seconds.
#[cfg(unix)]
#[allow(unsafe_code)] // reason: std has no time zones; localtime_r is the C library's
fn local_offset_seconds(seconds: i64) -> i64 {
    let time = seconds as libc::time_t;
    // SAFETY: `tm` is a plain C struct for which all zeroes is a valid value, and
    // localtime_r writes only into it, reading `time`; both outlive the call.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&time, &mut tm).is_null() {
            return 0;
        }
        tm.tm_gmtoff
    }
}

#[cfg(not(unix))]
fn local_offset_seconds(_seconds: i64) -> i64 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_parts_are_right_across_eras_and_leap_days() {
        let p = utc_parts(0);
        assert_eq!((p.year, p.month, p.day, p.hour), (1970, 1, 1, 0));
        // 2024-02-29 13:45:07 UTC
        let p = utc_parts(1_709_214_307);
        assert_eq!(
            (p.year, p.month, p.day, p.hour, p.minute, p.second),
            (2024, 2, 29, 13, 45, 7)
        );
        // 2000-03-01 00:00:00 UTC
        let p = utc_parts(951_868_800);
        assert_eq!((p.year, p.month, p.day), (2000, 3, 1));
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
