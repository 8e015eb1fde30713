//! When to try a failed call again: two retries for retryable failures, exponential
//! backoff with full jitter, and the provider's Retry-After honoured up to 30 s (a longer
//! wait is not waited for: the walk moves on to the next candidate).

use std::time::Duration;

use crate::providers::failure::Failure;

#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub retries: u32,
    /// The first backoff's ceiling; each retry doubles it.
    pub base: Duration,
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 2,
            base: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The defaults, with BYOK_RETRY_BASE (e.g. `10ms`) to shorten the backoff.
    pub fn from_env() -> Self {
        let mut p = RetryPolicy::default();
        if let Some(base) = std::env::var("BYOK_RETRY_BASE")
            .ok()
            .and_then(|v| crate::duration::parse_setting(&v))
        {
            p.base = base;
        }
        p
    }

    /// How long to wait before retry number `tries + 1`, or `None` to stop retrying.
    pub fn wait_before_retry(&self, tries: u32, failure: &Failure) -> Option<Duration> {
        if !failure.class.retryable() || tries >= self.retries {
            return None;
        }
        if let Some(asked) = failure.retry_after {
            return (asked <= self.max_retry_after).then_some(asked);
        }
        let ceiling = self.base.saturating_mul(1 << tries.min(16));
        Some(ceiling.mul_f64(random_fraction()))
    }
}

/// A uniform number in [0, 1).
fn random_fraction() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::failure::FailureClass;

    fn failure(class: FailureClass, retry_after: Option<Duration>) -> Failure {
        Failure {
            class,
            status: None,
            message: String::new(),
            retry_after,
        }
    }

    #[test]
    fn retries_twice_within_the_jitter_ceiling() {
        let p = RetryPolicy {
            base: Duration::from_millis(100),
            ..RetryPolicy::default()
        };
        let f = failure(FailureClass::Server, None);
        assert!(p.wait_before_retry(0, &f).unwrap() < Duration::from_millis(100));
        assert!(p.wait_before_retry(1, &f).unwrap() < Duration::from_millis(200));
        assert_eq!(p.wait_before_retry(2, &f), None);
    }

    #[test]
    fn retry_after_is_honoured_up_to_thirty_seconds() {
        let p = RetryPolicy::default();
        let f = failure(FailureClass::RateLimited, Some(Duration::from_millis(1500)));
        assert_eq!(
            p.wait_before_retry(0, &f),
            Some(Duration::from_millis(1500))
        );
        let long = failure(FailureClass::RateLimited, Some(Duration::from_secs(60)));
        assert_eq!(p.wait_before_retry(0, &long), None);
    }

    #[test]
    fn key_and_request_errors_are_not_retried() {
        let p = RetryPolicy::default();
        for class in [
            FailureClass::KeyRejected,
            FailureClass::NoCredit,
            FailureClass::BadRequest,
            FailureClass::NotFound,
        ] {
            assert_eq!(
                p.wait_before_retry(0, &failure(class, None)),
                None,
                "{class:?}"
            );
        }
    }
}
