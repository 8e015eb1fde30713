//! `vault.toml`: the vault's plaintext metadata. Nothing secret lives here: the vault's
//! id, how it is unlocked on this machine, and the recipients it is encrypted to.

use std::path::Path;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsio;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnlockMethod {
    /// The vault's age identity is in the OS keyring (service `byok`, account `vault:<id>`).
    Keyring,
    /// The identity is in `identity.age`, encrypted with a passphrase (scrypt).
    Passphrase,
    /// No identity is stored: it comes from BYOK_IDENTITY / BYOK_IDENTITY_FILE each time.
    Identity,
}

impl UnlockMethod {
    pub fn describe(self) -> &'static str {
        match self {
            UnlockMethod::Keyring => "your OS keyring",
            UnlockMethod::Passphrase => "a passphrase",
            UnlockMethod::Identity => "the identity in BYOK_IDENTITY / BYOK_IDENTITY_FILE",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            UnlockMethod::Keyring => "keyring",
            UnlockMethod::Passphrase => "passphrase",
            UnlockMethod::Identity => "identity",
        }
    }
}

/// One public key the vault is encrypted to.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecipientEntry {
    /// `age1…` or an ssh public key line.
    pub key: String,
    pub name: String,
    pub added_at: Timestamp,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VaultMeta {
    pub version: u32,
    pub id: String,
    pub unlock: UnlockMethod,
    pub created_at: Timestamp,
    #[serde(default)]
    pub recipients: Vec<RecipientEntry>,
    /// Which keys the vault holds (provider and label, never a secret), so that commands
    /// such as `route show` can say whether a key exists without unlocking the vault.
    #[serde(default)]
    pub keys: Vec<KeyIndexEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyIndexEntry {
    pub provider: String,
    pub label: String,
}

const HEADER: &str = "# byok vault metadata. No secrets here: the keys are in vault.age, encrypted to the\n# recipients below. Change recipients with `byok vault recipients add|rm`.\n\n";

impl VaultMeta {
    pub fn load(path: &Path) -> Result<Self> {
        fsio::check_exposure(path, fsio::Exposure::NotWritableByOthers)?;
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        toml::from_str(&text).map_err(|e| Error::VaultDamaged {
            path: path.to_path_buf(),
            detail: e.message().to_string(),
            backup: None,
        })
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let body = toml::to_string_pretty(self).map_err(|e| Error::Internal(e.to_string()))?;
        fsio::write_atomic(path, format!("{HEADER}{body}").as_bytes())
    }

    pub fn new_id() -> String {
        crate::vocab::new_id()
    }
}
