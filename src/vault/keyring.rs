//! The OS keyring, through keyring-core and the platform's store (README "The vault").
//!
//! Keyring calls block and some platforms can stall on them, so every call runs on its own
//! thread with a deadline: a broken keyring becomes a message, never a hang. The store is
//! passed in rather than set process-wide, so tests can use keyring-core's mock store.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use keyring_core::CredentialStore;
use zeroize::Zeroizing;

pub const SERVICE: &str = "byok";
const DEADLINE: Duration = Duration::from_secs(10);

/// Why the keyring could not be used, in words for a person.
#[derive(Debug, Clone)]
pub enum KeyringError {
    /// BYOK_KEYRING=off.
    Off,
    /// No keyring service (no Secret Service on the D-Bus, say).
    Unavailable(String),
    /// A keyring answered but refused access (locked, no default collection).
    NoAccess(String),
    /// The entry does not exist.
    NoEntry,
    /// It took longer than the deadline.
    TimedOut,
}

impl std::fmt::Display for KeyringError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyringError::Off => write!(f, "BYOK_KEYRING=off"),
            KeyringError::Unavailable(d) => write!(f, "no keyring service answered: {d}"),
            KeyringError::NoAccess(d) => {
                write!(f, "the keyring refused access (is it locked?): {d}")
            }
            KeyringError::NoEntry => write!(f, "no such entry"),
            KeyringError::TimedOut => write!(
                f,
                "the keyring did not answer within {} s",
                DEADLINE.as_secs()
            ),
        }
    }
}

fn classify(e: keyring_core::Error) -> KeyringError {
    match e {
        keyring_core::Error::NoEntry => KeyringError::NoEntry,
        keyring_core::Error::NoStorageAccess(d) => KeyringError::NoAccess(d.to_string()),
        keyring_core::Error::PlatformFailure(d) => KeyringError::Unavailable(d.to_string()),
        other => KeyringError::Unavailable(other.to_string()),
    }
}

/// True when the user has switched the keyring off for this process.
pub fn disabled_by_env() -> bool {
    std::env::var("BYOK_KEYRING").is_ok_and(|v| {
        matches!(
            v.to_ascii_lowercase().as_str(),
            "off" | "0" | "false" | "no"
        )
    })
}

/// Runs `f` on a helper thread and gives up after the deadline.
fn with_deadline<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, KeyringError> + Send + 'static,
) -> Result<T, KeyringError> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(DEADLINE)
        .unwrap_or(Err(KeyringError::TimedOut))
}

/// Opens this platform's credential store.
pub fn platform_store() -> Result<Arc<CredentialStore>, KeyringError> {
    if disabled_by_env() {
        return Err(KeyringError::Off);
    }
    with_deadline(open_platform_store)
}

/// A short name for the platform store, for `byok status`.
pub fn backend_name() -> &'static str {
    if cfg!(target_os = "linux") {
        "Secret Service (D-Bus)"
    } else if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else {
        "none on this platform"
    }
}

#[cfg(target_os = "linux")]
fn open_platform_store() -> Result<Arc<CredentialStore>, KeyringError> {
    let store = dbus_secret_service_keyring_store::Store::new().map_err(|e| match classify(e) {
        // libdbus's own words here are about X11 autolaunch, which helps nobody.
        KeyringError::Unavailable(_) if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() => {
            KeyringError::Unavailable(
                "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)".into(),
            )
        }
        other => other,
    })?;
    Ok(store as Arc<CredentialStore>)
}

#[cfg(target_os = "macos")]
fn open_platform_store() -> Result<Arc<CredentialStore>, KeyringError> {
    let store = apple_native_keyring_store::keychain::Store::new().map_err(classify)?;
    Ok(store as Arc<CredentialStore>)
}

#[cfg(target_os = "windows")]
fn open_platform_store() -> Result<Arc<CredentialStore>, KeyringError> {
    let store = windows_native_keyring_store::Store::new().map_err(classify)?;
    Ok(store as Arc<CredentialStore>)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn open_platform_store() -> Result<Arc<CredentialStore>, KeyringError> {
    Err(KeyringError::Unavailable(
        "byok has no keyring store for this platform".into(),
    ))
}

/// The keyring entry holding one vault's identity.
pub struct IdentitySlot {
    store: Arc<CredentialStore>,
    account: String,
}

impl IdentitySlot {
    pub fn new(store: Arc<CredentialStore>, vault_id: &str) -> Self {
        IdentitySlot {
            store,
            account: format!("vault:{vault_id}"),
        }
    }

    pub fn get(&self) -> Result<Zeroizing<String>, KeyringError> {
        let (store, account) = (self.store.clone(), self.account.clone());
        with_deadline(move || {
            let entry = store.build(SERVICE, &account, None).map_err(classify)?;
            entry.get_password().map(Zeroizing::new).map_err(classify)
        })
    }

    pub fn set(&self, identity: &str) -> Result<(), KeyringError> {
        let (store, account) = (self.store.clone(), self.account.clone());
        let identity = Zeroizing::new(identity.to_string());
        with_deadline(move || {
            let entry = store.build(SERVICE, &account, None).map_err(classify)?;
            entry.set_password(&identity).map_err(classify)
        })
    }

    pub fn delete(&self) -> Result<(), KeyringError> {
        let (store, account) = (self.store.clone(), self.account.clone());
        with_deadline(move || {
            let entry = store.build(SERVICE, &account, None).map_err(classify)?;
            entry.delete_credential().map_err(classify)
        })
    }
}
