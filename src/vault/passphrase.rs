//! The passphrase unlock method: the vault's identity in `identity.age`, scrypt-wrapped.
//!
//! The work factor is explicit (not age's machine-calibrated default, which took 1.6 s
//! and 512 MiB on these machines) and the reader accepts a little more (up to 2^18), so a
//! file made on a fast machine still opens on a slow one. A header that asks for more is
//! treated as damage: honouring it could cost gigabytes of memory and minutes of work.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::fsio;

/// log2(N) for scrypt: 2^17 × 8 × 128 B = 128 MiB, ~0.3 s.
pub const WORK_FACTOR: u8 = 17;
/// The most we agree to spend opening a file: 2^18 × 8 × 128 B = 256 MiB, ~0.6 s.
pub const MAX_WORK_FACTOR: u8 = 18;

/// The passphrase from BYOK_PASSPHRASE, or asked on the terminal (twice when `confirm`).
pub fn obtain(confirm: bool) -> Result<SecretString> {
    if let Ok(p) = std::env::var("BYOK_PASSPHRASE")
        && !p.is_empty()
    {
        return Ok(SecretString::from(p));
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Error::PassphraseRequired);
    }
    let mut prompt = dialoguer::Password::new().with_prompt("Vault passphrase");
    if confirm {
        prompt = prompt.with_confirmation("Repeat the passphrase", "The passphrases differ");
    }
    let entered = prompt.interact().map_err(|e| {
        Error::Usage(format!(
            "could not read the passphrase from the terminal: {e}"
        ))
    })?;
    if entered.is_empty() {
        return Err(Error::Usage("the passphrase is empty".into()));
    }
    Ok(SecretString::from(entered))
}

/// Whether a passphrase can be had without failing (env set, or a terminal to ask on).
pub fn available() -> bool {
    std::env::var("BYOK_PASSPHRASE").is_ok_and(|p| !p.is_empty())
        || (std::io::stdin().is_terminal() && std::io::stderr().is_terminal())
}

/// Writes the identity text to `path`, encrypted with the passphrase.
pub fn wrap_identity(path: &Path, identity: &str, passphrase: &SecretString) -> Result<()> {
    let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
    recipient.set_work_factor(WORK_FACTOR);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| Error::Internal(format!("scrypt encryptor: {e}")))?;
    let mut out = Vec::new();
    let armored = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let mut writer = encryptor
        .wrap_output(armored)
        .map_err(|e| Error::Internal(e.to_string()))?;
    writer
        .write_all(identity.as_bytes())
        .map_err(|e| Error::Internal(e.to_string()))?;
    writer
        .finish()
        .and_then(|armored| armored.finish())
        .map_err(|e| Error::Internal(e.to_string()))?;
    fsio::write_atomic(path, &out)
}

/// Refuses to go on (before a passphrase is asked for) when `identity.age` is missing.
pub fn require_identity_file(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::IdentityMissing {
            path: path.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

/// Reads the identity text back. A wrong passphrase is `WrongPassphrase`; a file that is
/// not a passphrase-encrypted age file, or whose header asks for more scrypt work than
/// [`MAX_WORK_FACTOR`], is `IdentityDamaged`; a missing one is `IdentityMissing`.
pub fn unwrap_identity(path: &Path, passphrase: &SecretString) -> Result<Zeroizing<String>> {
    fsio::check_exposure(path, fsio::Exposure::Private)?;
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::IdentityMissing {
            path: path.to_path_buf(),
        },
        _ => Error::io("read", path, e),
    })?;
    let damaged = |detail: String| Error::IdentityDamaged {
        path: path.to_path_buf(),
        detail,
    };
    let decryptor = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(&bytes[..]))
        .map_err(|e| damaged(format!("it is not a readable age file ({e})")))?;
    if !decryptor.is_scrypt() {
        return Err(damaged(
            "its header holds no passphrase (scrypt) stanza".into(),
        ));
    }
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            // The only failure a wrong passphrase causes: the wrapped file key does not
            // open. (A flipped bit in that stanza looks the same; nothing can tell them apart.)
            age::DecryptError::DecryptionFailed => Error::WrongPassphrase {
                path: path.to_path_buf(),
            },
            age::DecryptError::ExcessiveWork { required, .. } => damaged(format!(
                "its header asks for scrypt work factor {required}, more than the {MAX_WORK_FACTOR} byok accepts"
            )),
            other => damaged(format!("its header is not valid ({other})")),
        })?;
    let mut text = Zeroizing::new(String::with_capacity(bytes.len()));
    reader
        .read_to_string(&mut text)
        .map_err(|e| damaged(format!("its content is damaged ({e})")))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A passphrase without touching the environment.
    fn secret(p: &str) -> SecretString {
        SecretString::from(p.to_string())
    }

    #[test]
    fn wrap_then_unwrap_and_reject_wrong_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("identity.age");
        wrap_identity(&path, "AGE-SECRET-KEY-1TEST", &secret("correct horse")).unwrap();
        assert_eq!(
            unwrap_identity(&path, &secret("correct horse"))
                .unwrap()
                .as_str(),
            "AGE-SECRET-KEY-1TEST"
        );
        assert!(matches!(
            unwrap_identity(&path, &secret("wrong")),
            Err(Error::WrongPassphrase { .. })
        ));
    }
}
