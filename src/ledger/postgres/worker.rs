//! The shared ledger's own thread (docs/architecture.md, "ledger/"). byok calls the
//! ledger synchronously from inside a tokio runtime, and the blocking PostgreSQL client
//! starts a runtime of its own, which may not run inside another: so one thread per
//! `Ledger` owns the connection, takes jobs over a channel and sends the answers back.

use std::sync::mpsc;
use std::thread::JoinHandle;

use crate::error::{Error, Result};

type Job = Box<dyn FnOnce(&mut postgres::Client) + Send>;

pub struct Worker {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
    masked: String,
}

impl Worker {
    /// Starts the thread and connects on it; `Err` holds why it could not connect.
    pub fn start(
        connect: impl FnOnce() -> std::result::Result<postgres::Client, String> + Send + 'static,
        masked: String,
    ) -> std::result::Result<Worker, String> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (ready, connected) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("byok-ledger".into())
            .spawn(move || {
                let mut client = match connect() {
                    Ok(c) => {
                        let _ = ready.send(Ok(()));
                        c
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                while let Ok(job) = inbox.recv() {
                    job(&mut client);
                }
                let _ = client.close();
            })
            .map_err(|e| format!("the ledger thread cannot start: {e}"))?;
        match connected.recv() {
            Ok(Ok(())) => Ok(Worker {
                jobs: Some(jobs),
                thread: Some(thread),
                masked,
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err("the ledger thread stopped while connecting".into()),
        }
    }

    /// The URL with its password masked.
    pub fn masked(&self) -> &str {
        &self.masked
    }

    /// Runs `job` on the connection and returns its answer.
    pub fn run<R: Send + 'static>(
        &self,
        job: impl FnOnce(&mut postgres::Client) -> std::result::Result<R, Failure> + Send + 'static,
    ) -> Result<R> {
        let (answer, answered) = mpsc::sync_channel(1);
        let sent = self.jobs.as_ref().is_some_and(|jobs| {
            jobs.send(Box::new(move |client: &mut postgres::Client| {
                let _ = answer.send(job(client));
            }))
            .is_ok()
        });
        let outcome = if sent {
            answered
                .recv()
                .unwrap_or_else(|_| Err(Failure::Lost("the ledger thread stopped".into())))
        } else {
            Err(Failure::Lost("the ledger thread stopped".into()))
        };
        outcome.map_err(|f| f.into_error(&self.masked))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop; it closes the connection cleanly.
        drop(self.jobs.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Why a job failed: the database said no, or byok did (a refusal is not a failure, but
/// a budget rule may need to report an error of its own).
pub enum Failure {
    Db(postgres::Error),
    Lost(String),
    Byok(Error),
}

impl From<postgres::Error> for Failure {
    fn from(e: postgres::Error) -> Failure {
        Failure::Db(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Byok(e)
    }
}

impl Failure {
    fn into_error(self, masked: &str) -> Error {
        match self {
            Failure::Db(e) => Error::SharedLedgerUnavailable {
                url: masked.to_string(),
                detail: super::connect::describe(&e),
            },
            Failure::Lost(detail) => Error::SharedLedgerUnavailable {
                url: masked.to_string(),
                detail,
            },
            Failure::Byok(e) => e,
        }
    }
}
