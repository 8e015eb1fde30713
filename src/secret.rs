//! Keeping secrets out of sight (README "The vault"): masking for display, redaction of
//! anything a provider echoes back, and reading a secret without putting it in argv.

use std::io::{IsTerminal, Read};

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// `sk-proj-abcdef…` → `sk-…a9Qz`: enough to tell two keys apart, never enough to use one.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 12 {
        return "••••".to_string();
    }
    // Keep a short vendor prefix such as `sk-`, `gsk_`, `xai-`, `AIza`.
    let prefix_len = chars
        .iter()
        .take(5)
        .position(|c| *c == '-' || *c == '_')
        .map(|p| p + 1)
        .unwrap_or(if secret.starts_with("AIza") { 4 } else { 2 });
    let head: String = chars[..prefix_len].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// The shortest run of a known secret's characters that is redacted wherever it appears:
/// a provider that echoes half a key, or its middle, must not get it printed.
pub const SECRET_RUN: usize = 12;

/// Removes every secret we know of (the whole secret, and any run of [`SECRET_RUN`] or
/// more of its characters), and anything shaped like an API key, from text that came
/// from elsewhere (a provider's error body) before it is printed or stored. Redact
/// before cutting text short: a cut can leave a run too short to recognise.
pub fn redact(text: &str, known: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in known
        .iter()
        .filter(|s| s.len() >= 4 && s.len() < SECRET_RUN)
    {
        out = out.replace(secret, "[REDACTED]");
    }
    let long: Vec<&str> = known
        .iter()
        .copied()
        .filter(|s| s.len() >= SECRET_RUN)
        .collect();
    if !long.is_empty() {
        out = redact_runs(&out, &long);
    }
    redact_key_shaped(&out)
}

/// Replaces each stretch of `text` covered by some [`SECRET_RUN`]-byte window of a secret
/// with one `[REDACTED]`.
fn redact_runs(text: &str, secrets: &[&str]) -> String {
    let bytes = text.as_bytes();
    let windows: std::collections::HashSet<&[u8]> = secrets
        .iter()
        .flat_map(|s| s.as_bytes().windows(SECRET_RUN))
        .collect();
    let mut covered = vec![false; bytes.len()];
    let mut any = false;
    for (at, w) in bytes.windows(SECRET_RUN).enumerate() {
        if windows.contains(w) {
            covered[at..at + SECRET_RUN].fill(true);
            any = true;
        }
    }
    if !any {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut in_run = false;
    for (at, c) in text.char_indices() {
        if covered[at..at + c.len_utf8()].contains(&true) {
            if !in_run {
                out.push_str("[REDACTED]");
            }
            in_run = true;
        } else {
            in_run = false;
            out.push(c);
        }
    }
    out
}

fn redact_key_shaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        if looks_like_key(token) {
            out.push_str("[REDACTED]");
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '*' || c == '.' {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

/// Vendor-prefixed keys (even when partly starred out, as OpenAI's error text does) and
/// long random-looking tokens.
fn looks_like_key(token: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "sk-",
        "sk_",
        "gsk_",
        "xai-",
        "AIza",
        "pk-",
        "r8_",
        "hf_",
        "AGE-SECRET-KEY-",
    ];
    let token = token.trim_end_matches('.');
    if token.len() >= 10 && PREFIXES.iter().any(|p| token.starts_with(p)) {
        return true;
    }
    let has_digit = token.chars().any(|c| c.is_ascii_digit());
    let has_alpha = token.chars().any(|c| c.is_ascii_alphabetic());
    token.len() >= 32 && has_digit && has_alpha && !token.contains('.')
}

/// The longest key `key add` and `key rotate` accept. Real API keys are under 256 bytes.
pub const MAX_SECRET_BYTES: usize = 1024;

/// How much of piped stdin is read looking for the key's line.
const STDIN_LIMIT: usize = 64 * 1024;

/// Reads one secret: the first non-blank line of piped stdin, or a hidden prompt on a
/// terminal. Never from argv, so it does not show in `ps` or shell history. Blanks around
/// it are dropped; a key with whitespace or control characters inside, or longer than
/// [`MAX_SECRET_BYTES`], is refused (exit 2) before anything is stored.
pub fn read_secret(prompt: &str) -> Result<SecretString> {
    crate::memory::protect();
    let stdin = std::io::stdin();
    let (text, cut) = if stdin.is_terminal() {
        let entered = dialoguer::Password::new()
            .with_prompt(prompt)
            .interact()
            .map_err(|e| Error::Usage(format!("could not read the key from the terminal: {e}")))?;
        (Zeroizing::new(entered.into_bytes()), false)
    } else {
        // Sized up front, so the buffer never moves and leaves a copy behind.
        let mut buf = Zeroizing::new(Vec::with_capacity(STDIN_LIMIT));
        stdin
            .lock()
            .take(STDIN_LIMIT as u64)
            .read_to_end(&mut buf)
            .map_err(|e| {
                Error::Usage(format!("could not read the key from standard input: {e}"))
            })?;
        let cut = buf.len() == STDIN_LIMIT;
        (buf, cut)
    };
    let mut lines = text.split(|b| *b == b'\n');
    let Some(line) = lines.find(|l| !l.trim_ascii().is_empty()) else {
        return Err(Error::Usage(
            "no key was given: pipe it on standard input (`byok key add openai < key.txt`) or run the command in a terminal to be asked for it".into(),
        ));
    };
    // A line cut at the read limit is far too long anyway.
    let cut = cut && lines.next().is_none();
    let line = line.trim_ascii();
    if cut || line.len() > MAX_SECRET_BYTES {
        return Err(Error::BadKeyInput {
            why: format!(
                "it is longer than 1 KiB ({}{} bytes); an API key is much shorter",
                if cut { "over " } else { "" },
                line.len()
            ),
        });
    }
    let line = std::str::from_utf8(line)
        .map(str::trim)
        .map_err(|_| Error::BadKeyInput {
            why: "it is not UTF-8 text".into(),
        })?;
    check_secret(line)?;
    Ok(SecretString::from(line))
}

/// What a key may not hold: whitespace or control characters (after the blanks around
/// it are removed).
fn check_secret(line: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::BadKeyInput {
            why: why.to_string(),
        })
    };
    if line.chars().any(char::is_whitespace) {
        return bad("it has whitespace inside; an API key is a single word");
    }
    if line.chars().any(char::is_control) {
        return bad("it has a control character in it; an API key is printable text");
    }
    Ok(())
}

/// Shorthand for code that must hand the secret to a header.
pub fn expose(secret: &SecretString) -> &str {
    secret.expose_secret()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_prefix_and_last_four() {
        assert_eq!(mask("sk-proj-1234567890abcdefa9Qz"), "sk-…a9Qz");
        assert_eq!(mask("gsk_abcdefghijklmnop"), "gsk_…mnop");
        assert_eq!(mask("AIzaSyD-abcdefghijklmn"), "AIza…klmn");
        assert_eq!(mask("short"), "••••");
    }

    #[test]
    fn redaction_removes_known_and_key_shaped() {
        let secret = "sk-test-0123456789abcdef";
        let body =
            format!("Incorrect API key provided: {secret}. You can find your key at https://x.y/z");
        let r = redact(&body, &[secret]);
        assert!(!r.contains(secret));
        assert!(r.contains("https://x.y/z"));
        let starred = redact(
            "Incorrect API key provided: sk-abc12***********************wxyz.",
            &[],
        );
        assert!(!starred.contains("sk-abc12"), "{starred}");
        let generic = redact("token a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7 here", &[]);
        assert_eq!(generic, "token [REDACTED] here");
        assert_eq!(
            redact("model gpt-4o-mini not found", &[]),
            "model gpt-4o-mini not found"
        );
    }

    /// A key with no vendor prefix, too short to look key-shaped in pieces.
    const KEY: &str = "Zq7Vb3Nn8Kd2Lw5Rt9Hm4Xc6Pf1Gj0";

    #[test]
    fn any_twelve_characters_of_a_key_are_redacted_wherever_they_are() {
        let n = KEY.len();
        for (what, part) in [
            ("first half", &KEY[..n / 2]),
            ("second half", &KEY[n / 2..]),
            ("first 12", &KEY[..12]),
            ("middle 12", &KEY[9..21]),
            ("last 12", &KEY[n - 12..]),
            ("middle 20", &KEY[5..25]),
        ] {
            for text in [
                format!("key {part} is not valid"),
                format!("{part} is not valid"),
                format!("not valid: {part}"),
                format!("glued{part}glued"),
                format!("«{part}» — é"),
            ] {
                let r = redact(&text, &[KEY]);
                assert!(!r.contains(part), "{what}: {text} → {r}");
                assert!(r.contains("[REDACTED]"), "{what}: {text} → {r}");
            }
        }
        assert_eq!(
            redact(&format!("one {} two", &KEY[3..20]), &[KEY]),
            "one [REDACTED] two"
        );
        // Eleven characters are not a run: short common words must survive.
        let eleven = &KEY[4..15];
        assert_eq!(
            redact(&format!("x {eleven} y"), &[KEY]),
            format!("x {eleven} y")
        );
        // Two runs of two keys, one stretch each.
        let other = "Other0key1with2thirty3chars4xy";
        let r = redact(
            &format!("a {}|{} b", &KEY[..13], &other[10..]),
            &[KEY, other],
        );
        assert_eq!(r, "a [REDACTED]|[REDACTED] b");
    }

    #[test]
    fn key_input_checks() {
        assert!(check_secret("sk-proj-0123456789_abc.DEF").is_ok());
        for bad in [
            "sk-a b",
            "sk-a\tb",
            "sk-a\u{a0}b",
            "sk-\u{1b}[0m",
            "sk-\u{7f}",
            "sk-\u{0}x",
        ] {
            assert!(
                matches!(check_secret(bad), Err(Error::BadKeyInput { .. })),
                "{bad:?}"
            );
        }
    }
}
