//! The signals that stop a call the way Ctrl-C does: SIGINT, SIGTERM (a CI runner or a
//! supervisor stopping the job) and SIGHUP (the terminal went away). Each cancels the
//! calls in flight so what they used is settled in the ledger, then byok exits 128+N
//! (README "Exit codes").

/// Listens for SIGINT, SIGTERM and SIGHUP from the moment it is made.
pub struct Signals {
    #[cfg(unix)]
    streams: Vec<(i32, tokio::signal::unix::Signal)>,
}

impl Signals {
    /// Starts listening; needs a running tokio runtime with signals enabled. A signal that
    /// cannot be listened for keeps its default action.
    pub fn listen() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let wanted = [
                (libc::SIGINT, SignalKind::interrupt()),
                (libc::SIGTERM, SignalKind::terminate()),
                (libc::SIGHUP, SignalKind::hangup()),
            ];
            Signals {
                streams: wanted
                    .into_iter()
                    .filter_map(|(n, kind)| signal(kind).ok().map(|s| (n, s)))
                    .collect(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The number of the next signal to arrive.
    pub async fn recv(&mut self) -> i32 {
        #[cfg(unix)]
        {
            if self.streams.is_empty() {
                std::future::pending::<()>().await;
            }
            let arrivals = self.streams.iter_mut().map(|(n, s)| {
                let n = *n;
                Box::pin(async move {
                    s.recv().await;
                    n
                })
            });
            futures_util::future::select_all(arrivals).await.0
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            2
        }
    }
}
