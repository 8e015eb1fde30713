//! The usage ledger (README "Budgets"): provider health, every call and key event. By
//! default the SQLite database beside the vault (`ledger.sqlite3`): WAL mode and a busy
//! timeout let parallel byok runs write without losing a row; the schema is versioned
//! with `PRAGMA user_version` and upgraded forward on open. With a URL (README "One budget
//! for the whole team") the same operations go to a shared PostgreSQL server
//! (`postgres/`), and the local file keeps only what was written while the server was
//! out of reach, until it is uploaded. Callers never know which backend answers.

pub mod budget;
pub mod events;
pub mod health;
pub mod location;
pub mod owner;
mod postgres;
mod schema;
pub mod usage;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::fsio;
use crate::paths::Paths;
use crate::profile::Profile;
use location::{Location, SharedUrl};
use postgres::upload::{self, Which};

pub struct Ledger {
    /// The local SQLite ledger: the ledger itself, or with a shared one the rows kept
    /// while it was away.
    pub(crate) conn: Connection,
    /// The shared ledger, when one is set and reachable.
    pub(crate) shared: Option<postgres::Shared>,
    /// A shared ledger is set but could not be reached: its masked URL and why. Rows are
    /// then written locally as pending, and a call under a budget is refused.
    away: Option<(String, String)>,
    /// Rows kept locally that opening the shared ledger uploaded.
    uploaded_on_open: std::cell::Cell<usize>,
}

impl Ledger {
    /// Opens the ledger `BYOK_LEDGER_URL` or the active profile's `[ledger] url` names,
    /// else the local database (created and upgraded if needed).
    pub fn open(paths: &Paths) -> Result<Ledger> {
        Self::open_at(paths, &Self::location(paths, None)?)
    }

    /// The same, for a profile already loaded.
    pub fn open_with(paths: &Paths, profile: &Profile) -> Result<Ledger> {
        Self::open_at(paths, &Self::location(paths, Some(profile))?)
    }

    /// Where the ledger is: `BYOK_LEDGER_URL`, else the profile's `[ledger] url` (the
    /// active profile's when none is given and it exists), else the local file.
    pub fn location(paths: &Paths, profile: Option<&Profile>) -> Result<Location> {
        if profile.is_some() || std::env::var_os(location::URL_VARIABLE).is_some() {
            return Location::resolve(profile);
        }
        let name = crate::profile::active_name(None, paths).0;
        let loaded = crate::profile::load(paths, &name).ok();
        Location::resolve(loaded.as_ref().map(|l| &l.profile))
    }

    fn open_at(paths: &Paths, location: &Location) -> Result<Ledger> {
        let conn = Self::open_local(paths)?;
        let url = match location {
            Location::Local => {
                return Ok(Ledger {
                    conn,
                    shared: None,
                    away: None,
                    uploaded_on_open: Default::default(),
                });
            }
            Location::Shared(url) => url,
        };
        Ok(Self::with_shared(conn, url))
    }

    /// The local ledger beside a shared one: connected, with what waited uploaded; or
    /// marked away when the server cannot be reached.
    fn with_shared(conn: Connection, url: &SharedUrl) -> Ledger {
        match postgres::Shared::connect(url) {
            Ok(shared) => {
                let ledger = Ledger {
                    conn,
                    shared: Some(shared),
                    away: None,
                    uploaded_on_open: Default::default(),
                };
                if upload::has_pending(&ledger.conn) {
                    // The next command that reaches the server sends what waited.
                    match ledger.sync() {
                        Ok(n) => ledger.uploaded_on_open.set(n),
                        Err(e) => crate::output::verbose(&format!("rows kept locally wait: {e}")),
                    }
                }
                ledger
            }
            Err(detail) => {
                crate::output::verbose(&format!(
                    "the shared ledger {} is out of reach: {detail}",
                    url.masked()
                ));
                Ledger {
                    conn,
                    shared: None,
                    away: Some((url.masked().to_string(), detail)),
                    uploaded_on_open: Default::default(),
                }
            }
        }
    }

    /// Why the shared ledger is out of reach, as the error a caller reports.
    pub(crate) fn unreachable(&self) -> Option<Error> {
        self.away
            .as_ref()
            .map(|(url, detail)| Error::SharedLedgerUnavailable {
                url: url.clone(),
                detail: detail.clone(),
            })
    }

    /// Why the shared ledger is out of reach, for a command that needs it.
    pub fn unreachable_error(&self) -> Option<Error> {
        self.unreachable()
    }

    /// Whether rows written now wait in the local file for the shared ledger.
    pub(crate) fn pending(&self) -> bool {
        self.away.is_some()
    }

    /// The ledger in use, as `byok status` shows it: the file, or the server's URL with
    /// the password masked.
    pub fn backend(&self) -> String {
        match (&self.shared, &self.away) {
            (Some(s), _) => s.masked().to_string(),
            (None, Some((url, _))) => url.clone(),
            (None, None) => self.conn.path().unwrap_or("ledger.sqlite3").to_string(),
        }
    }

    /// Uploads the rows kept locally while the shared ledger was away (`byok ledger
    /// sync`); returns how many it did not have yet, those sent when it was opened
    /// included.
    pub fn sync(&self) -> Result<usize> {
        let shared = self.shared_or_error()?;
        // A reservation stranded by a process that died is settled first, so it goes too.
        let _ = self.settle_abandoned_local();
        let sent = shared.upload(&self.conn, Which::Pending)?;
        Ok(self.uploaded_on_open.take() + sent)
    }

    /// Uploads every settled row and key event of the SQLite ledger at `from` to the
    /// shared one (`byok ledger import`); running it again adds nothing.
    pub fn import(&self, from: &Path) -> Result<usize> {
        let shared = self.shared_or_error()?;
        let fail = |e| ledger_error(from, e);
        if !from.exists() {
            return Err(ledger_error(
                from,
                rusqlite::Error::InvalidPath(from.to_path_buf()),
            ));
        }
        let conn = Connection::open(from).map_err(fail)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(fail)?;
        schema::migrate(&conn).map_err(fail)?;
        shared.upload(&conn, Which::All)
    }

    fn shared_or_error(&self) -> Result<&postgres::Shared> {
        match (&self.shared, self.unreachable()) {
            (Some(s), _) => Ok(s),
            (None, Some(e)) => Err(e),
            (None, None) => Err(Error::NoSharedLedger),
        }
    }

    /// Opens (creating if needed) and upgrades the local database.
    fn open_local(paths: &Paths) -> Result<Connection> {
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
        Ok(conn)
    }

    pub(crate) fn error(&self, e: rusqlite::Error) -> Error {
        ledger_error(Path::new(self.conn.path().unwrap_or("ledger.sqlite3")), e)
    }

    /// Rebuilds the daily roll-up from the call rows (for tools that write rows directly).
    pub fn rebuild_roll_up(&self) -> Result<()> {
        if let Some(shared) = &self.shared {
            return shared.rebuild_roll_up();
        }
        self.conn
            .execute_batch(schema::REBUILD_ROLL_UP)
            .map_err(|e| self.error(e))
    }

    /// Opens an existing database for reading; `None` when there is none yet. Calls whose
    /// process died are settled as abandoned first, so what is read is what holds.
    pub fn open_existing(paths: &Paths) -> Result<Option<Ledger>> {
        Self::open_existing_at(paths, &Self::location(paths, None)?)
    }

    /// The same, for a profile already loaded. A shared ledger out of reach is an error
    /// here: what the local file holds is not what the team spent.
    pub fn open_existing_with(paths: &Paths, profile: &Profile) -> Result<Option<Ledger>> {
        Self::open_existing_at(paths, &Self::location(paths, Some(profile))?)
    }

    fn open_existing_at(paths: &Paths, location: &Location) -> Result<Option<Ledger>> {
        if matches!(location, Location::Local) && !paths.ledger().exists() {
            return Ok(None);
        }
        let ledger = Self::open_at(paths, location)?;
        if let Some(e) = ledger.unreachable() {
            return Err(e);
        }
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
