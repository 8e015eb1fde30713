//! The vault's key index: which keys it holds (provider and label, never a secret), kept
//! in the plaintext `vault.toml` and rewritten with every save, so that commands such as
//! `route show` can tell whether a key exists without unlocking the vault.

use super::meta::{KeyIndexEntry, VaultMeta};
use crate::error::Result;
use crate::paths::Paths;

/// The index as read from `vault.toml`, or an index that could not be read.
#[derive(Clone, Debug)]
pub struct KeyIndex(Option<Vec<KeyIndexEntry>>);

impl KeyIndex {
    /// The index in `vault.toml`: empty when there is no vault yet, an error when the file
    /// exists but cannot be read.
    pub fn read(paths: &Paths) -> Result<KeyIndex> {
        let path = paths.vault_meta();
        if !path.exists() {
            return Ok(KeyIndex(Some(Vec::new())));
        }
        Ok(KeyIndex(Some(VaultMeta::load(&path)?.keys)))
    }

    /// An index that could not be read: whether it holds a key has no answer.
    pub fn unreadable() -> KeyIndex {
        KeyIndex(None)
    }

    /// Whether the vault holds `provider`'s key `label`; `None` when the index could not
    /// be read.
    pub fn holds(&self, provider: &str, label: &str) -> Option<bool> {
        self.0.as_ref().map(|keys| {
            keys.iter()
                .any(|k| k.provider == provider && k.label == label)
        })
    }

    /// The labels of `provider`'s keys in the vault (none when the index cannot be read).
    pub fn labels(&self, provider: &str) -> Vec<String> {
        self.0
            .iter()
            .flatten()
            .filter(|k| k.provider == provider)
            .map(|k| k.label.clone())
            .collect()
    }
}
