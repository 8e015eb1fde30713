//! The decrypted content of `vault.age`: a TOML document of key records.

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::vocab::VerifyStatus;
use zeroize::Zeroizing;

/// A provider key, zeroed when dropped, serialised only into the encrypted document.
#[derive(Clone)]
pub struct Secret(pub SecretString);

impl Secret {
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Copied into a box of the exact size, and the deserializer's string zeroed:
        // converting the String itself could reallocate and leave a copy behind.
        let s = Zeroizing::new(String::deserialize(d)?);
        Ok(Secret(SecretString::from(s.as_str())))
    }
}

/// The key a rotation replaced, kept until `key revoke --previous` so a rollback is possible.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PreviousKey {
    pub secret: Secret,
    pub added_at: Timestamp,
    pub replaced_at: Timestamp,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeyRecord {
    pub provider: String,
    pub label: String,
    pub secret: Secret,
    pub added_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotated_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<Timestamp>,
    pub verify_status: VerifyStatus,
    /// How many models the last successful probe saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<PreviousKey>,
}

/// The whole decrypted vault.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VaultDoc {
    #[serde(default = "current_version")]
    pub version: u32,
    #[serde(default)]
    pub keys: Vec<KeyRecord>,
}

fn current_version() -> u32 {
    1
}

impl VaultDoc {
    pub fn new() -> Self {
        VaultDoc {
            version: current_version(),
            keys: Vec::new(),
        }
    }

    pub fn find(&self, provider: &str, label: &str) -> Option<&KeyRecord> {
        self.keys
            .iter()
            .find(|k| k.provider == provider && k.label == label)
    }

    pub fn find_mut(&mut self, provider: &str, label: &str) -> Option<&mut KeyRecord> {
        self.keys
            .iter_mut()
            .find(|k| k.provider == provider && k.label == label)
    }

    pub fn remove(&mut self, provider: &str, label: &str) -> Option<KeyRecord> {
        let at = self
            .keys
            .iter()
            .position(|k| k.provider == provider && k.label == label)?;
        Some(self.keys.remove(at))
    }

    /// Every secret in the document, for redacting provider output.
    pub fn all_secrets(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for k in &self.keys {
            out.push(k.secret.expose());
            if let Some(p) = &k.previous {
                out.push(p.secret.expose());
            }
        }
        out
    }
}
