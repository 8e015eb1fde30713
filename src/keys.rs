//! Finding the key for a call (README "Keys"): the vault first, then the provider's
//! environment variable. The vault is opened at most once per invocation, and only when
//! a key is actually needed, so keyless calls never touch the keyring.

use std::sync::OnceLock;

use secrecy::SecretString;

use crate::error::Result;
use crate::paths::Paths;
use crate::providers::{KeyNeed, Provider};
use crate::vault::{KeyIndex, KeyringAccess, Vault, VaultDoc};

/// Where a key came from, for messages and the ledger (never the key itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyOrigin {
    Vault { label: String },
    Env { var: String },
}

impl KeyOrigin {
    pub fn label(&self) -> &str {
        match self {
            KeyOrigin::Vault { label } => label,
            KeyOrigin::Env { var } => var,
        }
    }
    pub fn source(&self) -> &'static str {
        match self {
            KeyOrigin::Vault { .. } => "vault",
            KeyOrigin::Env { .. } => "env",
        }
    }
}

#[derive(Clone)]
pub struct ResolvedKey {
    pub secret: SecretString,
    pub origin: KeyOrigin,
}

/// The keys this invocation can use. Once a key is looked up it holds the whole decrypted
/// vault (every record, zeroed when dropped): drop it as soon as the keys needed are
/// resolved (`byok exec` does, before the command starts).
pub struct Keys {
    paths: Paths,
    access: KeyringAccess,
    vault: OnceLock<Option<VaultDoc>>,
}

impl Keys {
    /// The labels of `provider`'s keys in the vault, from its plaintext index (no unlock):
    /// what a missing-key error offers instead.
    pub fn labels(&self, provider: &str) -> Vec<String> {
        KeyIndex::read(&self.paths)
            .map(|index| index.labels(provider))
            .unwrap_or_default()
    }

    pub fn new(paths: Paths, access: KeyringAccess) -> Keys {
        Keys {
            paths,
            access,
            vault: OnceLock::new(),
        }
    }

    fn vault(&self) -> Result<Option<&VaultDoc>> {
        if let Some(v) = self.vault.get() {
            return Ok(v.as_ref());
        }
        let doc = if Vault::exists(&self.paths) {
            // Copy the records out and let go of the lock at once.
            Some(Vault::open(&self.paths, &self.access)?.doc)
        } else {
            None
        };
        Ok(self.vault.get_or_init(|| doc).as_ref())
    }

    /// Every key the vault holds, current and previous, as `(provider, label, previous,
    /// secret)`: what the outbound guard looks for in a prompt (README "The outbound
    /// guard"). Unlocks the vault if it exists (once, shared with [`Keys::lookup`]); empty
    /// when there is no vault.
    pub fn vault_keys(&self) -> Result<Vec<(&str, &str, bool, &str)>> {
        crate::memory::protect();
        let Some(doc) = self.vault()? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for k in &doc.keys {
            out.push((
                k.provider.as_str(),
                k.label.as_str(),
                false,
                k.secret.expose(),
            ));
            if let Some(p) = &k.previous {
                out.push((
                    k.provider.as_str(),
                    k.label.as_str(),
                    true,
                    p.secret.expose(),
                ));
            }
        }
        Ok(out)
    }

    /// The key for `provider`: the vault's `label` (default `default`) first, then the
    /// environment (only when no label was asked for). `Ok(None)` when there is none.
    pub fn lookup(&self, provider: &Provider, label: Option<&str>) -> Result<Option<ResolvedKey>> {
        if provider.spec.key == KeyNeed::None {
            return Ok(None);
        }
        crate::memory::protect();
        let want = label.unwrap_or(crate::vocab::DEFAULT_LABEL);
        if let Some(record) = self.vault()?.and_then(|doc| doc.find(provider.id(), want)) {
            let origin = KeyOrigin::Vault {
                label: want.to_string(),
            };
            return Ok(Some(ResolvedKey {
                secret: record.secret.0.clone(),
                origin,
            }));
        }
        if label.is_none()
            && let Some((var, value)) = provider.env_key()
        {
            let origin = KeyOrigin::Env {
                var: var.to_string(),
            };
            return Ok(Some(ResolvedKey {
                secret: SecretString::from(value),
                origin,
            }));
        }
        Ok(None)
    }
}

/// Where a key would come from, told without unlocking the vault (`route show`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyStatus {
    Vault(String),
    Env(String),
    NotNeeded,
    Missing,
    /// The vault's key index could not be read.
    Unknown,
}

impl KeyStatus {
    /// `vault:<label>`, `env:<VAR>`, `not needed`, `missing` or `unknown`.
    pub fn describe(&self) -> String {
        match self {
            KeyStatus::Vault(label) => format!("vault:{label}"),
            KeyStatus::Env(var) => format!("env:{var}"),
            KeyStatus::NotNeeded => "not needed".into(),
            KeyStatus::Missing => "missing".into(),
            KeyStatus::Unknown => "unknown".into(),
        }
    }
}

/// [`Keys::lookup`]'s rule applied to the vault's plaintext key index: the vault's label
/// (default `default`) first, then the provider's variable, only when no label is named.
pub fn status(provider: &Provider, label: Option<&str>, index: &KeyIndex) -> KeyStatus {
    if provider.spec.key == KeyNeed::None {
        return KeyStatus::NotNeeded;
    }
    let want = label.unwrap_or(crate::vocab::DEFAULT_LABEL);
    let held = index.holds(provider.id(), want);
    if held == Some(true) {
        return KeyStatus::Vault(want.to_string());
    }
    if label.is_none()
        && let Some((var, _)) = provider.env_key()
    {
        return KeyStatus::Env(var.to_string());
    }
    match (held, provider.spec.key) {
        (_, KeyNeed::Optional) => KeyStatus::NotNeeded,
        (None, _) => KeyStatus::Unknown,
        _ => KeyStatus::Missing,
    }
}
