//! Where byok keeps its files (README "Files").

use std::path::{Path, PathBuf};

/// The directories byok reads and writes. `BYOK_HOME` puts everything in one place;
/// otherwise profiles live in the platform's config dir and the rest in its data dir.
#[derive(Clone, Debug)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    pub fn from_env() -> Self {
        if let Some(home) = std::env::var_os("BYOK_HOME").filter(|h| !h.is_empty()) {
            let home = PathBuf::from(home);
            return Paths {
                config_dir: home.clone(),
                data_dir: home,
            };
        }
        let config = dirs::config_dir().unwrap_or_else(|| PathBuf::from("."));
        let data = dirs::data_dir().unwrap_or_else(|| config.clone());
        Paths {
            config_dir: config.join("byok"),
            data_dir: data.join("byok"),
        }
    }

    pub fn at(dir: &Path) -> Self {
        Paths {
            config_dir: dir.to_path_buf(),
            data_dir: dir.to_path_buf(),
        }
    }

    pub fn vault(&self) -> PathBuf {
        self.data_dir.join("vault.age")
    }
    pub fn vault_backup(&self) -> PathBuf {
        self.data_dir.join("vault.age.bak")
    }
    pub fn vault_meta(&self) -> PathBuf {
        self.data_dir.join("vault.toml")
    }
    pub fn identity(&self) -> PathBuf {
        self.data_dir.join("identity.age")
    }
    /// Held exclusively by every writer of the vault files, shared by readers.
    pub fn vault_lock(&self) -> PathBuf {
        self.data_dir.join("vault.lock")
    }
    pub fn ledger(&self) -> PathBuf {
        self.data_dir.join("ledger.sqlite3")
    }
    pub fn profiles_dir(&self) -> PathBuf {
        self.config_dir.join("profiles")
    }
}
