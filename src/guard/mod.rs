//! The outbound guard (README "The outbound guard"): no request leaves with one of the
//! user's own secrets in its text, and common credential formats are redacted (or the
//! request refused, or only warned about) by the profile's `guard` policy.
//!
//! [`own`] finds the user's secrets (whole, or any run of 16 or more of their
//! characters), [`shapes`] the credential formats; [`Guard::check`] turns both into
//! findings (what, on which line, and what happens to it) and the text to send. Pure:
//! where the secrets come from is [`own_secrets`], and the commands decide what to print
//! and whether to send (docs/architecture.md, "How a call flows").

pub mod own;
pub mod shapes;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::Result;
use crate::keys::Keys;
use crate::providers::Registry;

pub use shapes::Kind;

/// What happens to credentials of a known format (`guard = …` in a profile or a route).
/// The user's own secrets are refused whatever the policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Replaced by `[REDACTED:<kind>]` in what is sent.
    #[default]
    Redact,
    /// The request is refused (exit 8).
    Block,
    /// Sent unchanged, with a warning.
    Warn,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Redact => "redact",
            Policy::Block => "block",
            Policy::Warn => "warn",
        }
    }
}

/// Whose secret a finding is: named in messages, never shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A key in the vault; `previous` is the one `key rotate` replaced.
    Vault {
        provider: String,
        label: String,
        previous: bool,
    },
    /// A provider key in an environment variable.
    Env { provider: String, var: String },
    /// `BYOK_PASSPHRASE`.
    Passphrase,
    /// The identity in `BYOK_IDENTITY` (or the file `BYOK_IDENTITY_FILE` names).
    Identity { source: String },
}

impl Owner {
    /// `your openai key `work``, `the previous openai key `default``, …
    pub fn describe(&self) -> String {
        match self {
            Owner::Vault {
                provider,
                label,
                previous: false,
            } => format!("your {provider} key `{label}`"),
            Owner::Vault {
                provider,
                label,
                previous: true,
            } => format!("the previous {provider} key `{label}` (kept by key rotate)"),
            Owner::Env { provider, var } => format!("your {provider} key from {var}"),
            Owner::Passphrase => "the vault passphrase (BYOK_PASSPHRASE)".into(),
            Owner::Identity { source } => format!("the vault identity in {source}"),
        }
    }

    /// `provider/label` (the variable's name for a key from the environment), as
    /// `--allow-secret` takes it; `None` for the passphrase and the identity, which are
    /// never sent.
    pub fn key_name(&self) -> Option<String> {
        match self {
            Owner::Vault {
                provider, label, ..
            } => Some(format!("{provider}/{label}")),
            Owner::Env { provider, var } => Some(format!("{provider}/{var}")),
            Owner::Passphrase | Owner::Identity { .. } => None,
        }
    }

    /// `vault`, `env`, `passphrase` or `identity`.
    pub fn source(&self) -> &'static str {
        match self {
            Owner::Vault { .. } => "vault",
            Owner::Env { .. } => "env",
            Owner::Passphrase => "passphrase",
            Owner::Identity { .. } => "identity",
        }
    }
}

/// One secret of the user's, and whose it is.
pub struct OwnSecret {
    pub owner: Owner,
    pub value: Zeroizing<String>,
}

/// `--allow-secret PROVIDER[/LABEL]`: that provider's keys (or only the one labelled
/// LABEL, or from the variable LABEL) may be sent. Never the passphrase or identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allow {
    pub provider: String,
    pub label: Option<String>,
}

impl Allow {
    pub fn parse(spec: &str) -> Allow {
        match spec.split_once('/') {
            Some((p, l)) => Allow {
                provider: p.to_string(),
                label: Some(l.to_string()),
            },
            None => Allow {
                provider: spec.to_string(),
                label: None,
            },
        }
    }

    fn covers(&self, owner: &Owner) -> bool {
        let (provider, label) = match owner {
            Owner::Vault {
                provider, label, ..
            } => (provider, label),
            Owner::Env { provider, var } => (provider, var),
            Owner::Passphrase | Owner::Identity { .. } => return false,
        };
        *provider == self.provider && self.label.as_ref().is_none_or(|l| l == label)
    }
}

/// What was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    Own(Owner),
    Credential(Kind),
}

impl Found {
    /// `own_key`, or the credential's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Found::Own(_) => "own_key",
            Found::Credential(k) => k.as_str(),
        }
    }
}

/// What happens to a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Nothing is sent.
    Refuse,
    /// Replaced by `[REDACTED:<kind>]`.
    Redact,
    /// Sent unchanged, with a warning.
    Warn,
    /// An own key sent because `--allow-secret` names it.
    Allow,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Refuse => "refuse",
            Action::Redact => "redact",
            Action::Warn => "warn",
            Action::Allow => "allow",
        }
    }
}

/// One finding: where (the part of the request, its 1-based line), what, and what
/// happens to it. Never the matched text.
#[derive(Clone, Debug)]
pub struct Finding {
    pub part: String,
    pub line: usize,
    pub found: Found,
    pub action: Action,
}

/// One part of a request, checked.
pub struct Checked {
    /// The text to send: credentials redacted under `redact`, else unchanged.
    pub text: String,
    pub findings: Vec<Finding>,
}

/// The user's secrets, the allowed ones and the policy, ready to check text with.
pub struct Guard {
    owners: Vec<Owner>,
    index: own::Index,
    allow: Vec<Allow>,
    pub policy: Policy,
}

impl Guard {
    /// A guard for `secrets` (a value given twice, say a vault key also exported, is
    /// looked for once, under its first owner).
    pub fn new(secrets: Vec<OwnSecret>, allow: Vec<Allow>, policy: Policy) -> Guard {
        let mut kept: Vec<&OwnSecret> = Vec::new();
        for s in &secrets {
            if !s.value.is_empty() && !kept.iter().any(|k| k.value == s.value) {
                kept.push(s);
            }
        }
        Guard {
            owners: kept.iter().map(|s| s.owner.clone()).collect(),
            index: own::Index::new(kept.iter().map(|s| s.value.as_str())),
            allow,
            policy,
        }
    }

    /// Checks `text`, one part of a request named `part` (`standard input`, …).
    pub fn check(&self, part: &str, text: &str) -> Checked {
        let own = self.index.find(text);
        let mut spans = shapes::find(text);
        // A credential that is one of the user's own keys is reported as that key.
        spans.retain(|s| {
            !own.iter()
                .any(|h| h.start < s.range.end && s.range.start < h.end)
        });
        let mut at: Vec<(usize, Found, Action)> = Vec::with_capacity(own.len() + spans.len());
        for h in &own {
            let owner = &self.owners[h.secret];
            let action = if self.allow.iter().any(|a| a.covers(owner)) {
                Action::Allow
            } else {
                Action::Refuse
            };
            at.push((h.start, Found::Own(owner.clone()), action));
        }
        let shape_action = match self.policy {
            Policy::Redact => Action::Redact,
            Policy::Block => Action::Refuse,
            Policy::Warn => Action::Warn,
        };
        for s in &spans {
            at.push((s.range.start, Found::Credential(s.kind), shape_action));
        }
        at.sort_by_key(|(offset, ..)| *offset);
        let lines = line_numbers(text.as_bytes(), at.iter().map(|(o, ..)| *o));
        let findings = at
            .into_iter()
            .zip(lines)
            .map(|((_, found, action), line)| Finding {
                part: part.to_string(),
                line,
                found,
                action,
            })
            .collect();
        let text = if self.policy == Policy::Redact && !spans.is_empty() {
            shapes::redact(text, &spans.iter().collect::<Vec<_>>())
        } else {
            text.to_string()
        };
        Checked { text, findings }
    }

    /// Checks every string of a JSON request body in place (a proxied request): each is
    /// a part named by its JSON pointer (`/messages/0/content`).
    pub fn check_json(&self, value: &mut serde_json::Value) -> Vec<Finding> {
        let mut findings = Vec::new();
        self.walk_json(value, &mut String::new(), &mut findings);
        findings
    }

    fn walk_json(&self, value: &mut serde_json::Value, path: &mut String, out: &mut Vec<Finding>) {
        use serde_json::Value;
        let len = path.len();
        match value {
            Value::String(s) => {
                let part = if path.is_empty() { "/" } else { path.as_str() };
                let checked = self.check(part, s);
                out.extend(checked.findings);
                *s = checked.text;
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    path.push_str(&format!("/{i}"));
                    self.walk_json(item, path, out);
                    path.truncate(len);
                }
            }
            Value::Object(map) => {
                for (k, item) in map.iter_mut() {
                    path.push('/');
                    path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    self.walk_json(item, path, out);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
}

/// The 1-based line of each offset (offsets in order), counting newlines once.
fn line_numbers(text: &[u8], offsets: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut line = 1;
    let mut counted = 0;
    offsets
        .map(|o| {
            let o = o.min(text.len());
            line += text[counted..o].iter().filter(|&&c| c == b'\n').count();
            counted = o;
            line
        })
        .collect()
}

/// Whether anything found means the request must not be sent.
pub fn refused(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.action == Action::Refuse)
}

/// How many findings of each kind had `action`.
pub fn counts(findings: &[Finding], action: Action) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for f in findings.iter().filter(|f| f.action == action) {
        *counts.entry(f.found.kind()).or_insert(0) += 1;
    }
    counts
}

/// `jwt ×2, url_password ×1`.
pub fn count_words(counts: &BTreeMap<&'static str, usize>) -> String {
    counts
        .iter()
        .map(|(k, n)| format!("{k} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a call's ledger rows record of the guard (README "The outbound guard"): counts
/// per kind, never text. `guard: jwt=2, url_password=1` for redactions; `guard warned:`
/// for credentials sent under `warn`; `own_key_allowed` counts own keys sent by
/// `--allow-secret`. `None` when nothing was found.
pub fn ledger_detail(findings: &[Finding]) -> Option<String> {
    let list = |counts: BTreeMap<&'static str, usize>| {
        counts
            .iter()
            .map(|(k, n)| format!("{k}={n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    let mut sent = counts(findings, Action::Redact);
    let allowed = counts(findings, Action::Allow).values().sum::<usize>();
    if allowed > 0 {
        sent.insert("own_key_allowed", allowed);
    }
    if !sent.is_empty() {
        parts.push(format!("guard: {}", list(sent)));
    }
    let warned = counts(findings, Action::Warn);
    if !warned.is_empty() {
        parts.push(format!("guard warned: {}", list(warned)));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Every secret of the user's that byok can see: the vault's keys, current and previous
/// (unlocking the vault if it exists), every provider key variable that is set (custom
/// providers' `key_env` included), `BYOK_PASSPHRASE`, and the identity in
/// `BYOK_IDENTITY` or `BYOK_IDENTITY_FILE`.
pub fn own_secrets(keys: &Keys, registry: &Registry) -> Result<Vec<OwnSecret>> {
    let mut out = Vec::new();
    for (provider, label, previous, secret) in keys.vault_keys()? {
        out.push(OwnSecret {
            owner: Owner::Vault {
                provider: provider.to_string(),
                label: label.to_string(),
                previous,
            },
            value: Zeroizing::new(secret.to_string()),
        });
    }
    for id in registry.known_ids() {
        let Ok(provider) = registry.resolve(&id) else {
            continue;
        };
        for var in provider.spec.key_env {
            if let Ok(v) = std::env::var(var) {
                let v = Zeroizing::new(v);
                if !v.trim().is_empty() {
                    out.push(OwnSecret {
                        owner: Owner::Env {
                            provider: id.clone(),
                            var: var.to_string(),
                        },
                        value: Zeroizing::new(v.trim().to_string()),
                    });
                }
            }
        }
    }
    if let Ok(p) = std::env::var("BYOK_PASSPHRASE") {
        let p = Zeroizing::new(p);
        if !p.is_empty() {
            out.push(OwnSecret {
                owner: Owner::Passphrase,
                value: Zeroizing::new(p.to_string()),
            });
        }
    }
    let identity = match std::env::var("BYOK_IDENTITY") {
        Ok(text) if !text.trim().is_empty() => Some(("BYOK_IDENTITY", Zeroizing::new(text))),
        _ => std::env::var_os("BYOK_IDENTITY_FILE")
            .filter(|p| !p.is_empty())
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| ("BYOK_IDENTITY_FILE", Zeroizing::new(text))),
    };
    if let Some((source, text)) = identity {
        for piece in identity_pieces(&text) {
            out.push(OwnSecret {
                owner: Owner::Identity {
                    source: source.to_string(),
                },
                value: Zeroizing::new(piece.to_string()),
            });
        }
    }
    Ok(out)
}

/// The secret parts of an identity's text: an age identity without the
/// `AGE-SECRET-KEY-1` every identity starts with (16 characters that documentation
/// quotes), or an ssh key's base64 lines after the first (which holds the key type and
/// the public key, the same in every such key). Comments and PEM markers are not secret.
fn identity_pieces(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if lines.iter().any(|l| l.starts_with("-----BEGIN")) {
        return lines
            .into_iter()
            .filter(|l| !l.starts_with("-----"))
            .skip(1)
            .collect();
    }
    lines
        .into_iter()
        .map(|l| l.strip_prefix("AGE-SECRET-KEY-1").unwrap_or(l))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-proj-Zq7Vb3Nn8Kd2Lw5Rt9Hm4Xc6Pf1Gj0Yt5Ks";
    const OLD: &str = "sk-proj-Old0Old1Old2Old3Old4Old5Old6Old7Old8";

    fn secret(owner: Owner, value: &str) -> OwnSecret {
        OwnSecret {
            owner,
            value: Zeroizing::new(value.to_string()),
        }
    }

    fn vault(label: &str, previous: bool) -> Owner {
        Owner::Vault {
            provider: "openai".into(),
            label: label.into(),
            previous,
        }
    }

    fn guard(allow: &[&str], policy: Policy) -> Guard {
        Guard::new(
            vec![
                secret(vault("default", false), KEY),
                secret(vault("default", true), OLD),
                secret(Owner::Passphrase, "correct horse battery"),
            ],
            allow.iter().map(|a| Allow::parse(a)).collect(),
            policy,
        )
    }

    #[test]
    fn own_keys_are_refused_with_their_owner_and_line_whatever_the_policy() {
        for policy in [Policy::Redact, Policy::Block, Policy::Warn] {
            let text = format!("one\ntwo {}\nthree\n{OLD}\n", &KEY[10..30]);
            let c = guard(&[], policy).check("standard input", &text);
            let found: Vec<_> = c
                .findings
                .iter()
                .map(|f| (f.line, f.found.clone(), f.action))
                .collect();
            assert_eq!(
                found,
                vec![
                    (2, Found::Own(vault("default", false)), Action::Refuse),
                    (4, Found::Own(vault("default", true)), Action::Refuse),
                ]
            );
            assert!(refused(&c.findings));
        }
    }

    #[test]
    fn allow_secret_lets_only_the_named_provider_and_label_through_unredacted() {
        let text = format!("key: {KEY}");
        for allow in ["openai", "openai/default"] {
            let c = guard(&[allow], Policy::Redact).check("p", &text);
            assert!(!refused(&c.findings), "{allow}");
            assert_eq!(c.findings[0].action, Action::Allow);
            assert_eq!(
                c.text, text,
                "an allowed key is not redacted as a credential"
            );
        }
        for allow in ["openai/work", "anthropic"] {
            assert!(refused(
                &guard(&[allow], Policy::Redact).check("p", &text).findings
            ));
        }
        let c = guard(&["openai"], Policy::Redact).check("p", "correct horse battery");
        assert!(refused(&c.findings), "the passphrase is never allowed");
    }

    #[test]
    fn credentials_follow_the_policy() {
        let text = "id AKIAIOSFODNN7EXAMPLE\nurl https://u:hunter2x@h/\n";
        let c = guard(&[], Policy::Redact).check("p", text);
        assert_eq!(
            c.text,
            "id [REDACTED:aws_access_key_id]\nurl https://u:[REDACTED:url_password]@h/\n"
        );
        assert!(!refused(&c.findings));
        assert_eq!(
            ledger_detail(&c.findings).as_deref(),
            Some("guard: aws_access_key_id=1, url_password=1")
        );
        let lines: Vec<usize> = c.findings.iter().map(|f| f.line).collect();
        assert_eq!(lines, [1, 2]);

        let c = guard(&[], Policy::Block).check("p", text);
        assert!(refused(&c.findings));

        let c = guard(&[], Policy::Warn).check("p", text);
        assert_eq!(c.text, text);
        assert!(!refused(&c.findings));
        assert_eq!(
            ledger_detail(&c.findings).as_deref(),
            Some("guard warned: aws_access_key_id=1, url_password=1")
        );
    }

    #[test]
    fn every_string_of_a_json_body_is_checked() {
        let mut body = serde_json::json!({
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": "token ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5"},
                         {"role": "user", "content": format!("x\n{KEY}")}],
        });
        let findings = guard(&[], Policy::Redact).check_json(&mut body);
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].part, "/messages/0/content");
        assert_eq!(findings[1].part, "/messages/1/content");
        assert_eq!(findings[1].line, 2);
        assert_eq!(
            body["messages"][0]["content"],
            "token [REDACTED:github_token]"
        );
    }

    #[test]
    fn identities_lose_their_public_parts() {
        let age = "# created: 2026\n# public key: age1xyz\nAGE-SECRET-KEY-1QQQSECRETPART0000000000000000000000000000000000000000000\n";
        assert_eq!(
            identity_pieces(age),
            ["QQQSECRETPART0000000000000000000000000000000000000000000"]
        );
        let ssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAB\nSECRETLINE\n-----END OPENSSH PRIVATE KEY-----\n";
        assert_eq!(identity_pieces(ssh), ["SECRETLINE"]);
    }
}
