//! Unlock once per session (README "The vault"): a passphrase vault's identity, unwrapped
//! by `byok vault unlock`, kept in the Linux kernel keyring until a timeout or `vault lock`.
//!
//! The identity is a `user` key described `byok:vault:<vault id>` in the session keyring,
//! readable by its possessors only (the processes of this login session; other sessions
//! of the same user can see that it exists, not read it), with the kernel's own timeout.
//! Nothing is written to a file: the identity lives in the kernel and, while byok uses
//! it, in zeroizing buffers. Other platforms have no kernel keyring: there the OS keyring
//! already opens a vault without a passphrase.

use std::time::Duration;

use jiff::Timestamp;
use zeroize::Zeroizing;

/// Why the kernel keyring could not be used.
#[derive(Debug, Clone)]
pub enum SessionError {
    /// Not Linux: there is no kernel keyring.
    Unsupported,
    /// The kernel refused (a seccomp sandbox or a container blocking the keyring calls, a
    /// full key quota); the words say which.
    Unavailable(String),
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionError::Unsupported => write!(f, "this platform has no kernel keyring"),
            SessionError::Unavailable(d) => write!(f, "{d}"),
        }
    }
}

/// An identity found in the session keyring, and when the kernel will drop it.
pub struct Cached {
    pub identity: Zeroizing<String>,
    pub expires_at: Timestamp,
}

/// Where messages say the identity came from.
pub const SOURCE_NAME: &str = "the session unlock (kernel keyring)";

/// The key's description: one per vault.
pub fn description(vault_id: &str) -> String {
    format!("byok:vault:{vault_id}")
}

/// Whether this platform has a kernel keyring to unlock into.
pub fn supported() -> bool {
    cfg!(target_os = "linux")
}

/// The payload: `expires=<unix seconds>` on the first line, then the identity. The kernel
/// keeps the timeout but tells it only through /proc/keys, rounded; the line lets
/// `vault status` say until when.
fn payload(identity: &str, expires_at: Timestamp) -> Zeroizing<String> {
    let mut p = Zeroizing::new(String::with_capacity(identity.len() + 32));
    p.push_str("expires=");
    p.push_str(&expires_at.as_second().to_string());
    p.push('\n');
    p.push_str(identity);
    p
}

fn parse_payload(text: Zeroizing<String>) -> Option<Cached> {
    let (head, identity) = text.split_once('\n')?;
    let expires_at = head
        .strip_prefix("expires=")?
        .parse::<i64>()
        .ok()
        .and_then(|s| Timestamp::from_second(s).ok())?;
    Some(Cached {
        identity: Zeroizing::new(identity.to_string()),
        expires_at,
    })
}

/// Whole seconds for the kernel's timeout, rounded up (500ms lasts a second, not zero,
/// which would mean "never").
fn timeout_secs(lasting: Duration) -> u64 {
    lasting.as_secs() + u64::from(lasting.subsec_nanos() > 0)
}

/// Checks that the session keyring answers, before a passphrase is asked for in vain.
pub fn probe() -> Result<(), SessionError> {
    sys::session_ring().map(|_| ())
}

/// Keeps `identity` for `lasting`; returns when the kernel will drop it. A vault already
/// unlocked gets the new identity and the new timeout.
pub fn store(vault_id: &str, identity: &str, lasting: Duration) -> Result<Timestamp, SessionError> {
    let secs = timeout_secs(lasting);
    let expires_at = Timestamp::from_second(Timestamp::now().as_second() + secs as i64)
        .map_err(|e| SessionError::Unavailable(format!("{e}")))?;
    sys::store(
        &description(vault_id),
        payload(identity, expires_at).as_bytes(),
        secs,
    )?;
    Ok(expires_at)
}

/// The cached identity of this vault, if the session holds one that has not expired.
pub fn load(vault_id: &str) -> Result<Option<Cached>, SessionError> {
    Ok(sys::load(&description(vault_id))?.and_then(parse_payload))
}

/// Removes this vault's cached identity; says whether there was one.
pub fn remove(vault_id: &str) -> Result<bool, SessionError> {
    sys::remove(&description(vault_id))
}

#[cfg(target_os = "linux")]
mod sys {
    use linux_keyutils::{
        Key, KeyError, KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission,
    };
    use zeroize::Zeroizing;

    use super::SessionError;

    /// A user key's payload is at most 32767 bytes.
    const MAX_PAYLOAD: usize = 32 * 1024;

    fn refused(what: &str, e: KeyError) -> SessionError {
        let why = match e {
            KeyError::PermissionDenied | KeyError::AccessDenied => {
                "permission denied: a sandbox or container (its seccomp filter) blocks the keyring system calls"
                    .to_string()
            }
            KeyError::Unknown(libc::ENOSYS) | KeyError::OperationNotSupported => {
                "the kernel has no key management here (ENOSYS): a sandbox or container hides it, or the kernel lacks CONFIG_KEYS"
                    .to_string()
            }
            KeyError::QuotaExceeded => {
                "your kernel key quota is full (EDQUOT; see /proc/key-users)".to_string()
            }
            other => format!("{other:?}"),
        };
        SessionError::Unavailable(format!("the kernel keyring refused to {what}: {why}"))
    }

    /// The session keyring, resolved to its real id without creating one: a process with no
    /// session keyring gets the user's session keyring, shared by all of them. (Adding to
    /// the special id instead would make the kernel create a fresh session keyring for
    /// this process alone, gone when byok exits.)
    pub fn session_ring() -> Result<KeyRing, SessionError> {
        KeyRing::from_special_id(KeyRingIdentifier::Session, false)
            .map_err(|e| refused("find the session keyring", e))
    }

    fn find(ring: &KeyRing, description: &str) -> Result<Option<Key>, SessionError> {
        match ring.search(description) {
            Ok(key) => Ok(Some(key)),
            Err(
                KeyError::KeyDoesNotExist
                | KeyError::KeyExpired
                | KeyError::KeyRevoked
                | KeyError::KeyRejected,
            ) => Ok(None),
            Err(e) => Err(refused("search the session keyring", e)),
        }
    }

    pub fn store(description: &str, payload: &[u8], secs: u64) -> Result<(), SessionError> {
        let ring = session_ring()?;
        let key = ring
            .add_key(description, payload)
            .map_err(|e| refused("add a key", e))?;
        // Possessors (this session's processes) read and manage it; the user's other
        // sessions only see that it exists; group and others nothing.
        let perms = KeyPermissionsBuilder::builder()
            .posessor(
                Permission::VIEW
                    | Permission::READ
                    | Permission::WRITE
                    | Permission::SEARCH
                    | Permission::SETATTR,
            )
            .user(Permission::VIEW)
            .build();
        let finish = key
            .set_perms(perms)
            .map_err(|e| refused("restrict the key's permissions", e))
            .and_then(|()| {
                key.set_timeout(secs as usize)
                    .map_err(|e| refused("set the key's timeout", e))
            });
        if finish.is_err() {
            // Never leave an identity without its timeout or with wider permissions.
            let _ = key.invalidate().or_else(|_| ring.unlink_key(key));
        }
        finish
    }

    pub fn load(description: &str) -> Result<Option<Zeroizing<String>>, SessionError> {
        let ring = session_ring()?;
        let Some(key) = find(&ring, description)? else {
            return Ok(None);
        };
        let mut buf = Zeroizing::new(vec![0u8; MAX_PAYLOAD]);
        let mut slice: &mut [u8] = &mut buf[..];
        let len = match key.read(&mut slice) {
            Ok(len) => len,
            // Expired or removed between the search and the read.
            Err(KeyError::KeyExpired | KeyError::KeyRevoked | KeyError::KeyDoesNotExist) => {
                return Ok(None);
            }
            Err(e) => return Err(refused("read the key", e)),
        };
        if len > buf.len() {
            return Ok(None);
        }
        buf.truncate(len);
        // The bytes move into the String (no copy); a payload that is not UTF-8 is not ours.
        match String::from_utf8(std::mem::take(&mut *buf)) {
            Ok(text) => Ok(Some(Zeroizing::new(text))),
            Err(e) => {
                drop(Zeroizing::new(e.into_bytes()));
                Ok(None)
            }
        }
    }

    pub fn remove(description: &str) -> Result<bool, SessionError> {
        let ring = session_ring()?;
        let Some(key) = find(&ring, description)? else {
            return Ok(false);
        };
        key.invalidate()
            .or_else(|_| ring.unlink_key(key))
            .map_err(|e| refused("remove the key", e))?;
        Ok(true)
    }
}

#[cfg(not(target_os = "linux"))]
mod sys {
    use zeroize::Zeroizing;

    use super::SessionError;

    pub struct Ring;

    pub fn session_ring() -> Result<Ring, SessionError> {
        Err(SessionError::Unsupported)
    }

    pub fn store(_: &str, _: &[u8], _: u64) -> Result<(), SessionError> {
        Err(SessionError::Unsupported)
    }

    pub fn load(_: &str) -> Result<Option<Zeroizing<String>>, SessionError> {
        Err(SessionError::Unsupported)
    }

    pub fn remove(_: &str) -> Result<bool, SessionError> {
        Err(SessionError::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips_and_rejects_strangers() {
        let at = Timestamp::from_second(1_900_000_000).unwrap();
        let p = payload("AGE-SECRET-KEY-1XYZ", at);
        let cached = parse_payload(p).unwrap();
        assert_eq!(cached.identity.as_str(), "AGE-SECRET-KEY-1XYZ");
        assert_eq!(cached.expires_at, at);
        assert!(parse_payload(Zeroizing::new("AGE-SECRET-KEY-1XYZ".into())).is_none());
        assert!(parse_payload(Zeroizing::new("expires=soon\nAGE".into())).is_none());
    }

    #[test]
    fn timeouts_round_up_to_whole_seconds() {
        assert_eq!(timeout_secs(Duration::from_millis(500)), 1);
        assert_eq!(timeout_secs(Duration::from_secs(8 * 3600)), 8 * 3600);
        assert_eq!(timeout_secs(Duration::from_millis(1001)), 2);
    }
}
