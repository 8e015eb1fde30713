//! The encrypted key vault (README "The vault" and "Files").
//!
//! `vault.age` is an armored age file holding a TOML document of key records, encrypted
//! to every recipient listed in the plaintext `vault.toml`. Opening it takes a file lock
//! (shared to read, exclusive to change), so concurrent invocations never lose a key.

pub mod identity;
pub mod index;
pub mod keyring;
pub mod meta;
pub mod passphrase;
pub mod records;
pub mod session;
mod unlock;

use std::io::{Read, Write};
use std::sync::Arc;

use ::keyring_core::CredentialStore;
use jiff::Timestamp;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::fsio::{self, FileLock};
use crate::paths::Paths;
pub use identity::LoadedIdentity;
pub use index::KeyIndex;
use keyring::{IdentitySlot, KeyringError};
pub use meta::{KeyIndexEntry, RecipientEntry, UnlockMethod, VaultMeta};
pub use records::{KeyRecord, PreviousKey, Secret, VaultDoc, VerifyStatus};

pub use crate::vocab::DEFAULT_LABEL;
pub use unlock::{SessionState, SessionUnlock, lock_session, session_state, unlock_session};
use unlock::{Source, by_method, session_identity, unlock};

/// How the OS keyring may be reached: the platform's store, a given one (tests), or not at all.
#[derive(Clone)]
pub enum KeyringAccess {
    Platform,
    Given(Arc<CredentialStore>),
    Off,
}

impl KeyringAccess {
    pub fn from_env() -> Self {
        if keyring::disabled_by_env() {
            KeyringAccess::Off
        } else {
            KeyringAccess::Platform
        }
    }

    fn store(&self) -> Result<Arc<CredentialStore>, KeyringError> {
        match self {
            KeyringAccess::Platform => keyring::platform_store(),
            KeyringAccess::Given(store) => Ok(store.clone()),
            KeyringAccess::Off => Err(KeyringError::Off),
        }
    }
}

/// What the caller would like a new vault to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitPreference {
    /// Keyring when one answers, else passphrase (the implicit init of `key add`).
    Automatic,
    /// `vault init --passphrase`.
    Passphrase,
}

/// How a new vault came to be unlocked the way it is, for the message that announces it.
pub struct Created {
    pub method: UnlockMethod,
    pub why: String,
}

/// An open, decrypted vault, holding its lock until dropped.
pub struct Vault {
    pub paths: Paths,
    pub meta: VaultMeta,
    pub doc: VaultDoc,
    /// Where the identity that opened it came from.
    pub opened_by: String,
    /// The recipient of the identity that opened it (canonical form).
    pub opened_recipient: String,
    /// Whether that identity came from BYOK_IDENTITY / BYOK_IDENTITY_FILE rather than the
    /// vault's own unlock method (keyring or passphrase).
    pub opened_from_env: bool,
    /// Things worth telling the user that did not stop the work.
    pub warnings: Vec<String>,
    _lock: FileLock,
}

impl Vault {
    pub fn exists(paths: &Paths) -> bool {
        paths.vault().exists()
    }

    /// Opens for reading (shared lock).
    pub fn open(paths: &Paths, access: &KeyringAccess) -> Result<Vault> {
        if !Self::exists(paths) {
            return Err(Error::NoVault {
                path: paths.vault(),
            });
        }
        let lock = FileLock::shared(&paths.vault_lock())?;
        Self::open_locked(paths, access, lock)
    }

    /// Opens for changing (exclusive lock, held until the vault is dropped).
    pub fn open_for_write(paths: &Paths, access: &KeyringAccess) -> Result<Vault> {
        if !Self::exists(paths) {
            return Err(Error::NoVault {
                path: paths.vault(),
            });
        }
        let lock = FileLock::exclusive(&paths.vault_lock())?;
        Self::open_locked(paths, access, lock)
    }

    /// Opens for changing, creating the vault first if there is none. The second value
    /// says how a new vault is unlocked, so the caller can announce it.
    pub fn open_or_create(
        paths: &Paths,
        access: &KeyringAccess,
        preference: InitPreference,
    ) -> Result<(Vault, Option<Created>)> {
        let lock = FileLock::exclusive(&paths.vault_lock())?;
        // Checked under the lock: of two first `key add`s at once, exactly one creates.
        if Self::exists(paths) {
            return Ok((Self::open_locked(paths, access, lock)?, None));
        }
        let (vault, created) = Self::create_locked(paths, access, preference, lock)?;
        Ok((vault, Some(created)))
    }

    /// `vault init`: creates a vault, refusing if one exists.
    pub fn create(
        paths: &Paths,
        access: &KeyringAccess,
        preference: InitPreference,
    ) -> Result<(Vault, Created)> {
        let lock = FileLock::exclusive(&paths.vault_lock())?;
        if Self::exists(paths) {
            return Err(Error::VaultExists {
                path: paths.vault(),
            });
        }
        Self::create_locked(paths, access, preference, lock)
    }

    fn create_locked(
        paths: &Paths,
        access: &KeyringAccess,
        preference: InitPreference,
        lock: FileLock,
    ) -> Result<(Vault, Created)> {
        crate::memory::protect();
        let id = VaultMeta::new_id();
        let now = Timestamp::now();
        let from_env = identity::from_env()?;
        let opened_from_env = from_env.is_some();
        let (method, recipient, name, why, opened_by) = if let Some(env_id) = from_env {
            let why = format!(
                "{} is set, so the vault is encrypted to it and nothing else is stored",
                env_id.source_name
            );
            (
                UnlockMethod::Identity,
                env_id.recipient,
                format!("identity from {}", env_id.source_name),
                why,
                env_id.source_name,
            )
        } else {
            let (generated, text) = identity::generate();
            let recipient = generated.to_public().to_string();
            let keyring_outcome = if preference == InitPreference::Passphrase {
                Err("a passphrase was asked for".to_string())
            } else {
                access
                    .store()
                    .and_then(|store| IdentitySlot::new(store, &id).set(&text))
                    .map_err(|e| e.to_string())
            };
            match keyring_outcome {
                Ok(()) => {
                    let why = format!("the {} answered", keyring::backend_name());
                    (
                        UnlockMethod::Keyring,
                        recipient,
                        "this machine's OS keyring".into(),
                        why,
                        "the OS keyring".into(),
                    )
                }
                Err(reason) => {
                    if preference == InitPreference::Automatic && !passphrase::available() {
                        return Err(Error::NoUnlockMethod { reason });
                    }
                    let pass = passphrase::obtain(true)?;
                    passphrase::wrap_identity(&paths.identity(), &text, &pass)?;
                    let why = if preference == InitPreference::Passphrase {
                        "you asked for one".to_string()
                    } else {
                        format!("no OS keyring could be used ({reason})")
                    };
                    (
                        UnlockMethod::Passphrase,
                        recipient,
                        "passphrase identity (identity.age)".into(),
                        why,
                        "the passphrase".into(),
                    )
                }
            }
        };
        let meta = VaultMeta {
            version: 1,
            id,
            unlock: method,
            created_at: now,
            recipients: vec![RecipientEntry {
                key: recipient.clone(),
                name,
                added_at: now,
            }],
            keys: Vec::new(),
        };
        meta.save(&paths.vault_meta())?;
        let mut vault = Vault {
            paths: paths.clone(),
            meta,
            doc: VaultDoc::new(),
            opened_by,
            opened_recipient: recipient,
            opened_from_env,
            warnings: Vec::new(),
            _lock: lock,
        };
        vault.save()?;
        Ok((vault, Created { method, why }))
    }

    fn open_locked(paths: &Paths, access: &KeyringAccess, lock: FileLock) -> Result<Vault> {
        let meta = VaultMeta::load(&paths.vault_meta())?;
        let mut warnings = Vec::new();
        let vault_path = paths.vault();
        fsio::check_exposure(&vault_path, fsio::Exposure::NotWritableByOthers)?;
        if fsio::readable_by_others(&vault_path) {
            warnings.push(format!(
                "{} is readable by other users; it is encrypted, but `chmod 600 {}` keeps it private",
                vault_path.display(),
                vault_path.display()
            ));
        }
        let (mut id, mut source) = unlock(paths, &meta, access)?;
        let doc = match decrypt(paths, &*id.identity, &id.source_name) {
            // A cached identity that no longer opens the vault (it was re-encrypted without
            // it): forgotten, and the vault's own method asked instead.
            Err(Undecrypted::NotARecipient(_)) if source == Source::Session => {
                let _ = session::remove(&meta.id);
                id = by_method(paths, &meta, access)?;
                source = Source::Method;
                decrypt(paths, &*id.identity, &id.source_name).map_err(Error::from)?
            }
            other => other?,
        };
        Ok(Vault {
            paths: paths.clone(),
            meta,
            doc,
            opened_recipient: identity::canonical_recipient(&id.recipient).unwrap_or(id.recipient),
            opened_by: id.source_name,
            opened_from_env: source == Source::Env,
            warnings,
            _lock: lock,
        })
    }

    /// Encrypts the document to every recipient and replaces `vault.age` atomically,
    /// keeping the version it replaces as `vault.age.bak`; then refreshes the key index in
    /// `vault.toml` if the set of keys changed.
    pub fn save(&mut self) -> Result<()> {
        self.write_vault()?;
        let index: Vec<KeyIndexEntry> = self
            .doc
            .keys
            .iter()
            .map(|k| KeyIndexEntry {
                provider: k.provider.clone(),
                label: k.label.clone(),
            })
            .collect();
        if index != self.meta.keys {
            self.meta.keys = index;
            self.save_meta()?;
        }
        Ok(())
    }

    fn write_vault(&self) -> Result<()> {
        let recipients = self
            .meta
            .recipients
            .iter()
            .map(|r| identity::parse_recipient(&r.key))
            .collect::<Result<Vec<_>>>()?;
        let plain =
            Zeroizing::new(toml::to_string(&self.doc).map_err(|e| Error::Internal(e.to_string()))?);
        let encryptor = age::Encryptor::with_recipients(
            recipients.iter().map(|r| r.as_ref() as &dyn age::Recipient),
        )
        .map_err(|e| Error::Internal(format!("age encryptor: {e}")))?;
        let mut out = Vec::with_capacity(plain.len() * 4 / 3 + 512);
        let armored =
            age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
                .map_err(|e| Error::Internal(e.to_string()))?;
        let mut writer = encryptor
            .wrap_output(armored)
            .map_err(|e| Error::Internal(e.to_string()))?;
        writer
            .write_all(plain.as_bytes())
            .map_err(|e| Error::Internal(e.to_string()))?;
        writer
            .finish()
            .and_then(|a| a.finish())
            .map_err(|e| Error::Internal(e.to_string()))?;

        let path = self.paths.vault();
        if let Ok(previous) = std::fs::read(&path) {
            fsio::write_atomic(&self.paths.vault_backup(), &previous)?;
        }
        fsio::write_atomic(&path, &out)
    }

    pub fn save_meta(&self) -> Result<()> {
        self.meta.save(&self.paths.vault_meta())
    }

    /// Adds a recipient (already canonical and checked by the caller) and re-encrypts the
    /// vault to every recipient.
    ///
    /// Order of writes: `vault.age` first, then `vault.toml`. The invariant is that every
    /// recipient listed in `vault.toml` can open `vault.age`. A crash between the two
    /// writes leaves `vault.age` encrypted to the old recipients *plus* the new one while
    /// `vault.toml` lists only the old ones: every listed recipient still opens it, and
    /// the next save re-encrypts to the listed set (so the half-added recipient loses
    /// access again, and `add` can simply be run again). The other order would leave a
    /// listed recipient that cannot open the vault.
    pub fn add_recipient(&mut self, entry: RecipientEntry) -> Result<()> {
        self.meta.recipients.push(entry);
        if let Err(e) = self.write_vault() {
            self.meta.recipients.pop();
            return Err(e);
        }
        self.save_meta()
    }

    /// Removes the recipient at `index` and re-encrypts the vault to the others; returns
    /// the entry removed. Refuses to remove the last one (age cannot encrypt to nobody,
    /// and nobody could open it).
    ///
    /// Order of writes: `vault.toml` first, then `vault.age`, for the same invariant as
    /// [`Vault::add_recipient`]. A crash between the two writes leaves `vault.toml`
    /// listing the remaining recipients while `vault.age` is still encrypted to them
    /// *and* the removed one: every listed recipient opens it, and the next write of the
    /// vault (any `key add`, `rotate`, `revoke`) drops the removed recipient for good.
    /// Writing `vault.age` first would, after a crash, leave `vault.toml` listing a
    /// recipient that cannot open `vault.age`, and a save of that state would encrypt to
    /// it again. Either way the removed recipient may have kept an old copy, which is why
    /// the caller tells the user to rotate the keys.
    pub fn remove_recipient(&mut self, index: usize) -> Result<RecipientEntry> {
        if self.meta.recipients.len() <= 1 {
            return Err(Error::LastRecipient {
                key: self.meta.recipients[index].key.clone(),
            });
        }
        let removed = self.meta.recipients.remove(index);
        if let Err(e) = self.save_meta() {
            self.meta.recipients.insert(index, removed);
            return Err(e);
        }
        self.write_vault()?;
        // A session unlock of the removed identity is forgotten now rather than at its
        // timeout: it no longer opens the vault (only old copies of it).
        let _ = session_identity(&self.meta);
        Ok(removed)
    }
}

/// Why a vault did not decrypt: the identity is not one of its recipients (another may
/// be), or anything else.
enum Undecrypted {
    NotARecipient(Error),
    Other(Error),
}

impl From<Undecrypted> for Error {
    fn from(u: Undecrypted) -> Error {
        match u {
            Undecrypted::NotARecipient(e) | Undecrypted::Other(e) => e,
        }
    }
}

impl From<Error> for Undecrypted {
    fn from(e: Error) -> Undecrypted {
        Undecrypted::Other(e)
    }
}

fn decrypt(
    paths: &Paths,
    identity: &dyn age::Identity,
    source: &str,
) -> std::result::Result<VaultDoc, Undecrypted> {
    let path = paths.vault();
    let backup = Some(paths.vault_backup()).filter(|b| b.exists());
    let bytes = std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?;
    let undecryptable = |detail: String| Error::VaultUndecryptable {
        path: path.clone(),
        detail,
        backup: backup.clone(),
    };
    let decryptor = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(&bytes[..]))
        .map_err(|e| undecryptable(format!("it is not a readable age file ({e})")))?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => Undecrypted::NotARecipient(undecryptable(
                format!("the identity from {source} is not one of its recipients"),
            )),
            other => Undecrypted::Other(undecryptable(format!("{other}"))),
        })?;
    // The plaintext is shorter than the armored ciphertext: sized up front, the buffer
    // never grows, so no freed copy of the keys is left behind by a reallocation.
    let mut plain = Zeroizing::new(String::with_capacity(bytes.len()));
    reader
        .read_to_string(&mut plain)
        .map_err(|e| undecryptable(format!("its content is damaged ({e})")))?;
    let doc = toml::from_str(&plain).map_err(|e| Error::VaultDamaged {
        path: path.clone(),
        detail: format!(
            "it decrypts, but its content is not a key list ({})",
            e.message()
        ),
        backup,
    })?;
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock_access() -> KeyringAccess {
        KeyringAccess::Given(::keyring_core::mock::Store::new().unwrap())
    }

    #[test]
    fn keyring_vault_round_trip_with_mock_store() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::at(dir.path());
        let access = mock_access();
        let (mut vault, created) =
            Vault::create(&paths, &access, InitPreference::Automatic).unwrap();
        assert_eq!(created.method, UnlockMethod::Keyring);
        vault.doc.keys.push(KeyRecord {
            provider: "openai".into(),
            label: DEFAULT_LABEL.into(),
            secret: Secret("sk-test-123456789012345".to_string().into()),
            added_at: Timestamp::now(),
            rotated_at: None,
            verified_at: None,
            verify_status: VerifyStatus::Unverified,
            models: None,
            previous: None,
        });
        vault.save().unwrap();
        drop(vault);
        let reopened = Vault::open(&paths, &access).unwrap();
        assert_eq!(reopened.doc.keys.len(), 1);
        assert_eq!(
            reopened.doc.keys[0].secret.expose(),
            "sk-test-123456789012345"
        );
        let armored = std::fs::read_to_string(paths.vault()).unwrap();
        assert!(armored.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
        assert!(!armored.contains("sk-test"));
    }

    #[test]
    fn a_different_store_cannot_open_it() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::at(dir.path());
        Vault::create(&paths, &mock_access(), InitPreference::Automatic).unwrap();
        let err = Vault::open(&paths, &mock_access()).err().unwrap();
        assert!(matches!(err, Error::KeyringEntryMissing { .. }), "{err}");
    }
}
