//! Durations typed by people (`--timeout 90s`, `BYOK_TIMEOUT=2m`), checked: a number that
//! is not finite, negative, or absurdly large is refused, never a panic.

use std::time::Duration;

/// The longest duration byok takes from a person: a week. Anything longer is surely a
/// mistake, and `Duration` arithmetic stays far from overflow.
pub const MAX: Duration = Duration::from_secs(7 * 24 * 3600);

/// The longest duration a setting may ask for: a day. A bigger number (`1e30`, `inf`) is
/// taken as "as long as possible" and capped here, so no timer arithmetic can overflow.
pub const SETTING_MAX: Duration = Duration::from_secs(24 * 60 * 60);

/// A duration from a setting (`BYOK_READ_TIMEOUT=10`, `2.5s`, `500ms`), capped at [`SETTING_MAX`]; `None` for anything that is not
/// a number of seconds ≥ 0.
pub fn parse_setting(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else {
        (t, 1.0)
    };
    let v: f64 = num.trim().parse().ok()?;
    seconds(v * scale, SETTING_MAX)
}

/// A number of seconds that came from outside (a setting, a header) as a duration: `None`
/// when it is not a number ≥ 0 (NaN, negative), at most `cap` when it is too big (infinity
/// included). Never panics, unlike `Duration::from_secs_f64`.
pub fn seconds(secs: f64, cap: Duration) -> Option<Duration> {
    if secs.is_nan() || secs < 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(secs).map_or(cap, |d| d.min(cap)))
}

/// `500ms`, `2.5s`, `90` (seconds), `2m`, `1h`; `None` for anything else, for a value that
/// is not finite or is negative, and for more than [`MAX`].
pub fn parse(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (number, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => t.split_at(at),
        None => (t, "s"),
    };
    let scale = match unit.trim() {
        "ms" => 0.001,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    let value: f64 = number.trim().parse().ok()?;
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(value * scale)
        .ok()
        .filter(|d| *d <= MAX)
}

/// For clap: a positive duration, with the accepted forms in the error.
pub fn parse_positive(text: &str) -> Result<Duration, String> {
    match parse(text) {
        Some(d) if !d.is_zero() => Ok(d),
        _ => Err(format!(
            "`{text}` is not a duration: use e.g. 500ms, 30s, 90 (seconds), 2m or 1h, above zero and at most a week"
        )),
    }
}

/// `250ms`, `30s`, `2m`, `1m30s`, `1h`.
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if !ms.is_multiple_of(1000) && ms < 60_000 {
        return format!("{:.1}s", d.as_secs_f64());
    }
    let secs = d.as_secs();
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_people_type() {
        assert_eq!(parse("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse("2.5s"), Some(Duration::from_millis(2500)));
        assert_eq!(parse(" 90 "), Some(Duration::from_secs(90)));
        assert_eq!(parse("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse("1h"), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn refuses_what_is_not_a_sane_duration() {
        for bad in [
            "", "s", "-1", "-1s", "inf", "NaN", "1e30", "1e20s", "8d", "3x", "1h30", "1 parsec",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert!(parse_positive("0s").is_err());
        assert_eq!(parse("168h"), Some(MAX));
        assert_eq!(parse("169h"), None);
    }

    #[test]
    fn formats_short_and_long() {
        assert_eq!(format(Duration::from_millis(250)), "250ms");
        assert_eq!(format(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format(Duration::from_secs(30)), "30s");
        assert_eq!(format(Duration::from_secs(120)), "2m");
        assert_eq!(format(Duration::from_secs(90)), "1m30s");
        assert_eq!(format(Duration::from_secs(3600)), "1h");
    }

    #[test]
    fn durations_from_outside_never_panic_and_are_capped() {
        assert_eq!(parse_setting("10"), Some(Duration::from_secs(10)));
        assert_eq!(parse_setting("2.5s"), Some(Duration::from_millis(2500)));
        assert_eq!(parse_setting("500ms"), Some(Duration::from_millis(500)));
        for huge in ["1e30", "1e20", "inf", "1e30ms", "18446744073709551616"] {
            assert_eq!(parse_setting(huge), Some(SETTING_MAX), "{huge}");
        }
        for bad in ["-1", "nan", "-inf", "", "ten", "-0.5s"] {
            assert_eq!(parse_setting(bad), None, "{bad}");
        }
    }
}
