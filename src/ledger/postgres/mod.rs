//! The shared ledger on PostgreSQL (README "One budget for the whole team";
//! docs/architecture.md, "ledger/"): the same rows and the same guarantees as the SQLite
//! ledger, for many machines at once. `Ledger` holds one of these when a URL is set and
//! sends every operation here; nothing above the ledger knows which backend answers.

mod calls;
pub(crate) mod connect;
mod health;
mod pgpass;
mod schema;
pub(crate) mod upload;
mod usage;
mod worker;

use super::location::SharedUrl;
use worker::Worker;

/// A connection to the shared ledger, on its own thread.
pub struct Shared {
    worker: Worker,
}

impl Shared {
    /// Connects and brings the schema up to date; `Err` says why not, without the
    /// password.
    pub fn connect(url: &SharedUrl) -> Result<Shared, String> {
        let target = url.clone();
        let worker = Worker::start(
            move || {
                let mut client = connect::connect(&target)?;
                schema::migrate(&mut client).map_err(|e| {
                    format!("the schema cannot be set up: {}", connect::describe(&e))
                })?;
                Ok(client)
            },
            url.masked().to_string(),
        )?;
        Ok(Shared { worker })
    }

    /// The server's URL with its password masked.
    pub fn masked(&self) -> &str {
        self.worker.masked()
    }

    /// The error a job's database failure becomes.
    fn fail(masked: &str, e: &postgres::Error) -> crate::error::Error {
        crate::error::Error::SharedLedgerUnavailable {
            url: masked.to_string(),
            detail: connect::describe(e),
        }
    }
}

impl Shared {
    /// Rebuilds the daily roll-up from the call rows (tools that write rows directly).
    pub fn rebuild_roll_up(&self) -> crate::error::Result<()> {
        self.worker
            .run(|c| Ok(c.batch_execute(schema::REBUILD_ROLL_UP)?))
    }
}
