//! Stopping calls in flight, and why they were stopped.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Why calls in flight were stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// byok itself stopped them: a council that already has its answer.
    Cancelled,
    /// A signal from outside: SIGINT (Ctrl-C), SIGTERM or SIGHUP, by number.
    Signal(i32),
    /// The whole call ran past its `--timeout`.
    Deadline(Duration),
}

/// Stops calls in flight (a signal, a council that already has its answer, `--timeout`):
/// a stream ends where it is, keeping what arrived and the usage reported so far.
#[derive(Clone, Debug)]
pub struct Cancel(Arc<Stopping>);

/// The side that cancels.
#[derive(Debug)]
pub struct Canceller(Arc<Stopping>);

/// A token that wakes every call waiting on it, and the reason it was cancelled for. The
/// reason is set before the token is cancelled, so a call woken by it always finds one.
#[derive(Debug, Default)]
struct Stopping {
    token: CancellationToken,
    reason: OnceLock<Stop>,
}

impl Canceller {
    pub fn cancel(&self) {
        self.stop(Stop::Cancelled);
    }

    /// Stops the calls for `reason`; the first reason given is the one that stays.
    pub fn stop(&self, reason: Stop) {
        if self.0.reason.set(reason).is_ok() {
            self.0.token.cancel();
        }
    }
}

impl Cancel {
    pub fn new() -> (Canceller, Cancel) {
        let stopping = Arc::new(Stopping::default());
        (Canceller(stopping.clone()), Cancel(stopping))
    }

    /// A token nobody cancels.
    #[cfg(test)]
    pub fn never() -> Cancel {
        Cancel::new().1
    }

    #[cfg(test)]
    pub fn is_cancelled(&self) -> bool {
        self.0.reason.get().is_some()
    }

    /// Why the calls were stopped, once they were.
    pub fn reason(&self) -> Option<Stop> {
        self.0.reason.get().copied()
    }

    /// Resolves when cancelled; never, if the canceller is gone without cancelling.
    pub async fn cancelled(&self) {
        self.0.token.cancelled().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reason_to_stop_stays_and_wakes_every_waiter() {
        let (canceller, cancel) = Cancel::new();
        let other = cancel.clone();
        assert!(!cancel.is_cancelled() && cancel.reason().is_none());
        crate::http::runtime().block_on(async {
            let waiter = tokio::spawn(async move {
                other.cancelled().await;
                other.reason()
            });
            tokio::task::yield_now().await;
            canceller.stop(Stop::Signal(2));
            canceller.stop(Stop::Deadline(Duration::from_secs(1)));
            canceller.cancel();
            assert_eq!(waiter.await.unwrap(), Some(Stop::Signal(2)));
            cancel.cancelled().await;
        });
        assert!(cancel.is_cancelled());
        assert_eq!(cancel.reason(), Some(Stop::Signal(2)));
        // Nobody cancels `never`, and a dropped canceller cancels nothing.
        let never = Cancel::never();
        assert!(!never.is_cancelled() && never.reason().is_none());
        let (canceller, cancel) = Cancel::new();
        drop(canceller);
        let waited = crate::http::runtime().block_on(async {
            tokio::time::timeout(Duration::from_millis(20), cancel.cancelled()).await
        });
        assert!(waited.is_err());
    }
}
