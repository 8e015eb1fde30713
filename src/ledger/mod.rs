//! The SQLite database beside the vault (`ledger.sqlite3`, README "Budgets"): provider health
//! now, every call and key event as the ledger grows. WAL mode and a busy timeout let
//! parallel byok runs write without losing a row; the schema is versioned with
//! `PRAGMA user_version` and upgraded forward on open.

pub mod budget;
pub mod events;
pub mod health;
pub mod owner;
mod schema;
pub mod usage;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::fsio;
use crate::paths::Paths;

pub struct Ledger {
    pub(crate) conn: Connection,
}

impl Ledger {
    /// Opens (creating if needed) and upgrades the database.
    pub fn open(paths: &Paths) -> Result<Ledger> {
        let path = paths.ledger();
        let fail = |e| ledger_error(&path, e);
        fsio::ensure_private_dir(&paths.data_dir)?;
        fsio::check_exposure(&path, fsio::Exposure::NotWritableByOthers)?;
        let conn = Connection::open(&path).map_err(fail)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(fail)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail)?;
        // The WAL is checkpointed as it grows; doing it again (with fsyncs) every time a
        // short-lived byok process closes the file would cost each call ~0.5 ms.
        let _ = conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        );
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(fail)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(fail)?;
        if mode != "wal" || version < schema::VERSION {
            // Creating or upgrading the file: one byok process at a time. Switching to WAL
            // can fail with "database is locked" without waiting, and two processes
            // creating the same new ledger would race for it.
            let _lock = fsio::FileLock::exclusive(&paths.data_dir.join("ledger.lock"))?;
            restrict(&path);
            let mode: String = conn
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .map_err(fail)?;
            if mode != "wal" {
                // WAL is a property of the file: set once, it stays.
                conn.pragma_update(None, "journal_mode", "WAL")
                    .map_err(fail)?;
            }
            schema::migrate(&conn).map_err(fail)?;
        }
        Ok(Ledger { conn })
    }

    pub(crate) fn error(&self, e: rusqlite::Error) -> Error {
        ledger_error(Path::new(self.conn.path().unwrap_or("ledger.sqlite3")), e)
    }

    /// Rebuilds the daily roll-up from the call rows (for tools that write rows directly).
    pub fn rebuild_roll_up(&self) -> Result<()> {
        self.conn
            .execute_batch(schema::REBUILD_ROLL_UP)
            .map_err(|e| self.error(e))
    }

    /// Opens an existing database for reading; `None` when there is none yet. Calls whose
    /// process died are settled as abandoned first, so what is read is what holds.
    pub fn open_existing(paths: &Paths) -> Result<Option<Ledger>> {
        if !paths.ledger().exists() {
            return Ok(None);
        }
        let ledger = Self::open(paths)?;
        // A reader must not fail because another byok holds the write lock: the rows are
        // settled by the next command that can.
        let _ = ledger.settle_abandoned();
        Ok(Some(ledger))
    }
}

/// The database and its WAL side files are private.
fn restrict(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

pub(crate) fn ledger_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::LedgerUnavailable {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

/// Seconds since the epoch, the ledger's time unit.
pub fn now_secs() -> f64 {
    jiff::Timestamp::now().as_millisecond() as f64 / 1000.0
}
