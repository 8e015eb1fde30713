//! Which identity opens a vault, in order: `BYOK_IDENTITY` / `BYOK_IDENTITY_FILE`, then
//! the identity `byok vault unlock` keeps for the session (passphrase vaults), then the
//! vault's own method (the OS keyring or the passphrase) — and `vault unlock | lock`
//! themselves (README "The vault").

use std::time::Duration;

use jiff::Timestamp;

use super::keyring::{IdentitySlot, KeyringError};
use super::*;
use crate::error::{Error, Result};
use crate::paths::Paths;

/// Where the identity that opened a vault came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Source {
    /// BYOK_IDENTITY / BYOK_IDENTITY_FILE.
    Env,
    /// `byok vault unlock`'s cached identity in the kernel keyring.
    Session,
    /// The vault's own method: the OS keyring or the passphrase.
    Method,
}

/// Finds the identity that opens this vault: BYOK_IDENTITY / BYOK_IDENTITY_FILE first,
/// then (for a passphrase vault) the identity `byok vault unlock` cached for this session,
/// then the vault's own method.
pub(super) fn unlock(
    paths: &Paths,
    meta: &VaultMeta,
    access: &KeyringAccess,
) -> Result<(LoadedIdentity, Source)> {
    crate::memory::protect();
    if let Some(id) = identity::from_env()? {
        return Ok((id, Source::Env));
    }
    if meta.unlock == UnlockMethod::Passphrase
        && let Some(id) = session_identity(meta)
    {
        return Ok((id, Source::Session));
    }
    Ok((by_method(paths, meta, access)?, Source::Method))
}

/// The identity cached by `byok vault unlock`, when there is one and the vault still lists
/// it as a recipient; one it no longer lists is removed. A kernel keyring that cannot be
/// used is no error here: the vault's own method follows.
pub(super) fn session_identity(meta: &VaultMeta) -> Option<LoadedIdentity> {
    let cached = match session::load(&meta.id) {
        Ok(cached) => cached?,
        Err(e) => {
            crate::output::verbose(&format!("session unlock not used: {e}"));
            return None;
        }
    };
    let id = identity::parse(&cached.identity, session::SOURCE_NAME).ok();
    match id {
        Some(id) if lists(meta, &id.recipient) => Some(id),
        _ => {
            let _ = session::remove(&meta.id);
            None
        }
    }
}

/// Whether `recipient` is one of the vault's recipients.
pub(super) fn lists(meta: &VaultMeta, recipient: &str) -> bool {
    let Ok(canonical) = identity::canonical_recipient(recipient) else {
        return false;
    };
    meta.recipients
        .iter()
        .any(|r| identity::canonical_recipient(&r.key).is_ok_and(|k| k == canonical))
}

/// The vault's own method: the OS keyring or the passphrase.
pub(super) fn by_method(
    paths: &Paths,
    meta: &VaultMeta,
    access: &KeyringAccess,
) -> Result<LoadedIdentity> {
    match meta.unlock {
        UnlockMethod::Keyring => {
            let store = access.store().map_err(keyring_error)?;
            let text = IdentitySlot::new(store, &meta.id).get().map_err(|e| match e {
                KeyringError::NoEntry => Error::KeyringEntryMissing { vault_id: meta.id.clone() },
                other => keyring_error(other),
            })?;
            identity::parse(&text, "the OS keyring")
        }
        UnlockMethod::Passphrase => {
            let text = unwrap_passphrase_identity(paths)?;
            identity::parse(&text, "identity.age")
        }
        UnlockMethod::Identity => Err(Error::BadIdentity {
            source_name: "BYOK_IDENTITY".into(),
            detail: "this vault is opened only with an identity from the environment, and neither BYOK_IDENTITY nor BYOK_IDENTITY_FILE is set".into(),
        }),
    }
}

/// identity.age opened with the passphrase (BYOK_PASSPHRASE or a hidden prompt).
pub(super) fn unwrap_passphrase_identity(paths: &Paths) -> Result<zeroize::Zeroizing<String>> {
    // A missing identity.age is said before a passphrase is asked for in vain.
    passphrase::require_identity_file(&paths.identity())?;
    let pass = passphrase::obtain(false)?;
    passphrase::unwrap_identity(&paths.identity(), &pass)
}

/// What `byok vault unlock` did.
pub enum SessionUnlock {
    /// The identity is cached in the kernel keyring until then.
    Cached {
        vault_id: String,
        expires_at: Timestamp,
    },
    /// Nothing to do, and why.
    NotNeeded { why: String },
}

/// Whether a vault is unlocked for this session.
pub enum SessionState {
    Unlocked {
        expires_at: Timestamp,
    },
    Locked,
    /// No kernel keyring to unlock into (not Linux), or the kernel refused: the words.
    Unavailable(String),
}

/// `byok vault unlock`: asks the passphrase once, proves that the identity opens the vault,
/// and caches it in the session keyring for `lasting`.
pub fn unlock_session(paths: &Paths, lasting: Duration) -> Result<SessionUnlock> {
    if !Vault::exists(paths) {
        return Err(Error::NoVault {
            path: paths.vault(),
        });
    }
    let meta = VaultMeta::load(&paths.vault_meta())?;
    let why = match meta.unlock {
        UnlockMethod::Keyring => Some(
            "this vault is unlocked by the OS keyring, which asks for no passphrase".to_string(),
        ),
        UnlockMethod::Identity => Some(
            "this vault is opened with BYOK_IDENTITY or BYOK_IDENTITY_FILE, which asks for no passphrase".to_string(),
        ),
        UnlockMethod::Passphrase if !session::supported() => Some(
            "unlocking for a session uses the Linux kernel keyring; on this platform a vault kept in the OS keyring (`byok vault init`) opens without a passphrase".to_string(),
        ),
        UnlockMethod::Passphrase => None,
    };
    if let Some(why) = why {
        return Ok(SessionUnlock::NotNeeded { why });
    }
    session::probe().map_err(session_error)?;
    crate::memory::protect();
    let _lock = FileLock::shared(&paths.vault_lock())?;
    let text = unwrap_passphrase_identity(paths)?;
    let id = identity::parse(&text, "identity.age")?;
    // Proves that it opens the vault now, so nothing useless is cached.
    decrypt(paths, &*id.identity, &id.source_name)?;
    let expires_at = session::store(&meta.id, &text, lasting).map_err(session_error)?;
    Ok(SessionUnlock::Cached {
        vault_id: meta.id,
        expires_at,
    })
}

/// `byok vault lock`: forgets the cached identity. Says whether there was one.
pub fn lock_session(paths: &Paths) -> Result<bool> {
    if !Vault::exists(paths) {
        return Ok(false);
    }
    let meta = VaultMeta::load(&paths.vault_meta())?;
    match session::remove(&meta.id) {
        Ok(had) => Ok(had),
        // Nothing can have been cached where there is no kernel keyring.
        Err(session::SessionError::Unsupported) => Ok(false),
        Err(e) => Err(session_error(e)),
    }
}

/// Whether this vault is unlocked for the session (`vault status`).
pub fn session_state(meta: &VaultMeta) -> SessionState {
    match session::load(&meta.id) {
        Ok(Some(cached)) => SessionState::Unlocked {
            expires_at: cached.expires_at,
        },
        Ok(None) => SessionState::Locked,
        Err(e) => SessionState::Unavailable(e.to_string()),
    }
}

pub(super) fn session_error(e: session::SessionError) -> Error {
    Error::SessionKeyringUnavailable {
        detail: e.to_string(),
    }
}

pub(super) fn keyring_error(e: KeyringError) -> Error {
    match e {
        KeyringError::Off => Error::KeyringOff,
        other => Error::KeyringUnavailable {
            detail: other.to_string(),
        },
    }
}
