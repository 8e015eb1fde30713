//! The running-state file of a serve (README "Give a tool your keys without giving it
//! your keys"): `serve/<pid>.json` in the data directory, private, holding the pid, the
//! address and the clients seen so far, so `byok status` can show what is running for
//! this `BYOK_HOME`. Removed on exit; one whose process is gone is stale and removed by
//! the next reader.

use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::paths::Paths;

/// What a state file says.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Running {
    pub pid: u32,
    pub address: String,
    /// The clients that have made requests, by name.
    pub clients: Vec<String>,
}

fn dir(paths: &Paths) -> PathBuf {
    paths.data_dir.join("serve")
}

/// This process's state file, rewritten when a new client appears and removed on drop.
pub struct StateFile {
    path: PathBuf,
    running: Mutex<Running>,
}

impl StateFile {
    pub fn create(paths: &Paths, address: String) -> crate::error::Result<StateFile> {
        let pid = std::process::id();
        let file = StateFile {
            path: dir(paths).join(format!("{pid}.json")),
            running: Mutex::new(Running {
                pid,
                address,
                clients: Vec::new(),
            }),
        };
        file.write(&file.running.lock().unwrap_or_else(|e| e.into_inner()))?;
        Ok(file)
    }

    fn write(&self, running: &Running) -> crate::error::Result<()> {
        let text = serde_json::to_vec(running).unwrap_or_default();
        crate::fsio::write_atomic(&self.path, &text)
    }

    /// Notes a client by name (a write only the first time it is seen).
    pub fn saw(&self, client: &str) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if running.clients.iter().any(|c| c == client) {
            return;
        }
        running.clients.push(client.to_string());
        if let Err(e) = self.write(&running) {
            crate::output::verbose(&format!("could not update the serve state file: {e}"));
        }
    }
}

impl Drop for StateFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Every serve running for these paths; stale files (their process is gone) are removed.
pub fn running(paths: &Paths) -> Vec<Running> {
    let Ok(entries) = std::fs::read_dir(dir(paths)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Some(r) = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Running>(&b).ok())
        else {
            continue;
        };
        if alive(r.pid) {
            out.push(r);
        } else {
            let _ = std::fs::remove_file(&path);
        }
    }
    out.sort_by_key(|r| r.pid);
    out
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // Signal 0 checks that the process exists without touching it.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    true
}
