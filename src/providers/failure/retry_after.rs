//! How long a server asked to wait before the next try.

use std::time::Duration;

/// The longest wait a Retry-After is read as. The retry policy honours at most 30 s and
/// moves on for anything longer, so a bigger (or infinite) value only has to stay bigger.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(60 * 60);

/// `retry-after-ms` first (OpenAI and Anthropic send it), then `retry-after` in seconds
/// or as an HTTP date. Whatever the server sends, the result is at most
/// [`RETRY_AFTER_CAP`]; a value that is not a wait (negative, NaN, garbage) is ignored.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(wait) = get("retry-after-ms")
        .and_then(|v| v.parse::<f64>().ok())
        .and_then(|ms| crate::duration::seconds(ms / 1000.0, RETRY_AFTER_CAP))
    {
        return Some(wait);
    }
    let value = get("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return crate::duration::seconds(secs, RETRY_AFTER_CAP);
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = when.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).map_or(Duration::ZERO, |w| w.min(RETRY_AFTER_CAP)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn retry_after_prefers_milliseconds() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
    }

    fn retry_after_of(name: &'static str, value: &str) -> Option<Duration> {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        retry_after(&h)
    }

    #[test]
    fn retry_after_survives_what_a_server_may_send() {
        for huge in ["inf", "1e20", "+inf", "18446744073709551616", "1e308"] {
            assert_eq!(
                retry_after_of("retry-after", huge),
                Some(RETRY_AFTER_CAP),
                "{huge}"
            );
        }
        assert_eq!(
            retry_after_of("retry-after-ms", "1e30"),
            Some(RETRY_AFTER_CAP)
        );
        assert_eq!(retry_after_of("retry-after", "-0"), Some(Duration::ZERO));
        for not_a_wait in ["-1", "NaN", "-inf", "soon", ""] {
            assert_eq!(
                retry_after_of("retry-after", not_a_wait),
                None,
                "{not_a_wait}"
            );
        }
        // A bad milliseconds value falls back to the seconds header.
        let mut h = HeaderMap::new();
        h.insert("retry-after-ms", HeaderValue::from_static("-5"));
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        // A date far in the future is a long wait, capped.
        let in_ten_days = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_hours(240))
            .unwrap();
        let date = jiff::fmt::rfc2822::DateTimePrinter::new()
            .timestamp_to_rfc9110_string(&in_ten_days)
            .unwrap();
        assert_eq!(retry_after_of("retry-after", &date), Some(RETRY_AFTER_CAP));
    }

    proptest::proptest! {
        #[test]
        fn retry_after_never_panics(
            name in proptest::sample::select(vec!["retry-after", "retry-after-ms"]),
            value in proptest::prop_oneof![
                "\\PC{0,40}",
                " ?[-+]?([0-9]{0,30}(\\.[0-9]{0,6})?([eE][-+]?[0-9]{1,3})?|inf|infinity|NaN) ?",
            ],
            other in proptest::option::of("[-+0-9.eEinfatyNI ]{0,24}"),
        ) {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(name, v);
            }
            if let Some(o) = other.and_then(|o| HeaderValue::from_str(&o).ok()) {
                h.insert(if name == "retry-after" { "retry-after-ms" } else { "retry-after" }, o);
            }
            if let Some(wait) = retry_after(&h) {
                proptest::prop_assert!(wait <= RETRY_AFTER_CAP);
            }
        }

        #[test]
        fn numeric_retry_after_never_panics(
            name in proptest::sample::select(vec!["retry-after", "retry-after-ms"]),
            n in proptest::num::f64::ANY,
        ) {
            let text = n.to_string();
            let wait = retry_after_of(name, &text);
            if let Some(w) = wait {
                proptest::prop_assert!(w <= RETRY_AFTER_CAP);
            }
            if n.is_nan() || n < 0.0 {
                proptest::prop_assert_eq!(wait, None);
            }
        }
    }
}
