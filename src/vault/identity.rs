//! age identities (what decrypts the vault) and recipients (what it is encrypted to).

use std::str::FromStr;

use secrecy::ExposeSecret;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// An identity able to open the vault, with the recipient string that matches it.
pub struct LoadedIdentity {
    pub identity: Box<dyn age::Identity + Send + Sync>,
    /// `age1…` or `ssh-ed25519 AAAA…`.
    pub recipient: String,
    /// Where it came from, for messages: "BYOK_IDENTITY", a file path, "the OS keyring".
    pub source_name: String,
}

/// A fresh X25519 identity for a new vault, and its text form (secret).
pub fn generate() -> (age::x25519::Identity, Zeroizing<String>) {
    let id = age::x25519::Identity::generate();
    let text = Zeroizing::new(id.to_string().expose_secret().to_string());
    (id, text)
}

/// Parses an identity from text: an `AGE-SECRET-KEY-1…` line (comments allowed, as in an
/// age-keygen file) or an unencrypted ssh private key.
pub fn parse(text: &str, source_name: &str) -> Result<LoadedIdentity> {
    let bad = |detail: String| Error::BadIdentity {
        source_name: source_name.to_string(),
        detail,
    };
    if text.contains("-----BEGIN") {
        return parse_ssh(text, source_name);
    }
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(|| bad("it is empty".into()))?;
    let id = age::x25519::Identity::from_str(line).map_err(|_| {
        bad("expected a line starting AGE-SECRET-KEY-1 (as made by age-keygen)".into())
    })?;
    Ok(LoadedIdentity {
        recipient: id.to_public().to_string(),
        identity: Box::new(id),
        source_name: source_name.to_string(),
    })
}

fn parse_ssh(text: &str, source_name: &str) -> Result<LoadedIdentity> {
    let bad = |detail: &str| Error::BadIdentity {
        source_name: source_name.to_string(),
        detail: detail.to_string(),
    };
    let id = age::ssh::Identity::from_buffer(text.as_bytes(), Some(source_name.to_string()))
        .map_err(|_| {
            bad("it looks like a PEM key but is not an ssh private key age understands")
        })?;
    match &id {
        age::ssh::Identity::Unencrypted(_) => {}
        age::ssh::Identity::Encrypted(_) => {
            return Err(bad(
                "passphrase-protected ssh keys are not supported; use an unencrypted key or an age identity",
            ));
        }
        age::ssh::Identity::Unsupported(_) => {
            return Err(bad("this ssh key type is not supported (use ssh-ed25519)"));
        }
    }
    let recipient = age::ssh::Recipient::try_from(id.clone())
        .map_err(|_| bad("could not derive its public key"))?
        .to_string();
    Ok(LoadedIdentity {
        identity: Box::new(id),
        recipient,
        source_name: source_name.to_string(),
    })
}

/// The identity from `BYOK_IDENTITY` or the file named by `BYOK_IDENTITY_FILE`, if set.
pub fn from_env() -> Result<Option<LoadedIdentity>> {
    if let Some(text) = std::env::var("BYOK_IDENTITY")
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        let text = Zeroizing::new(text);
        return parse(&text, "BYOK_IDENTITY").map(Some);
    }
    if let Some(path) = std::env::var_os("BYOK_IDENTITY_FILE").filter(|p| !p.is_empty()) {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::io("read the identity file", path.clone(), e))?;
        let text = Zeroizing::new(text);
        return parse(&text, &std::path::Path::new(&path).display().to_string()).map(Some);
    }
    Ok(None)
}

/// Parses a recipient: `age1…`, `ssh-ed25519 …` or `ssh-rsa …`.
pub fn parse_recipient(text: &str) -> Result<Box<dyn age::Recipient + Send>> {
    let text = text.trim();
    let bad = |detail: &str| Error::BadRecipient {
        given: text.to_string(),
        detail: detail.to_string(),
    };
    if text.starts_with("age1") {
        age::x25519::Recipient::from_str(text)
            .map(|r| Box::new(r) as Box<dyn age::Recipient + Send>)
            .map_err(bad)
    } else if text.starts_with("ssh-") {
        age::ssh::Recipient::from_str(text)
            .map(|r| Box::new(r) as Box<dyn age::Recipient + Send>)
            .map_err(|_| bad("not a supported ssh public key (ssh-ed25519 or ssh-rsa ≥ 2048 bits)"))
    } else {
        Err(bad("it starts neither with age1 nor with ssh-"))
    }
}

/// The canonical text of a recipient, so the same key given twice is recognised.
pub fn canonical_recipient(text: &str) -> Result<String> {
    let text = text.trim();
    parse_recipient(text)?;
    // Drop an ssh key's trailing comment: `ssh-ed25519 AAAA… user@host`.
    Ok(text
        .split_whitespace()
        .take(if text.starts_with("ssh-") { 2 } else { 1 })
        .collect::<Vec<_>>()
        .join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_identity_round_trips_through_text() {
        let (id, text) = generate();
        let loaded = parse(&format!("# created: now\n{}\n", text.as_str()), "test").unwrap();
        assert_eq!(loaded.recipient, id.to_public().to_string());
        assert!(canonical_recipient(&loaded.recipient).is_ok());
    }

    #[test]
    fn rejects_garbage() {
        assert!(matches!(
            parse("hello", "X"),
            Err(Error::BadIdentity { .. })
        ));
        assert!(matches!(
            parse_recipient("hello"),
            Err(Error::BadRecipient { .. })
        ));
    }
}
