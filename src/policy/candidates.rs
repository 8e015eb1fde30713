//! The one rule for a route's candidates, without any I/O: each candidate's verdict
//! (allowlist → key → plain HTTP → health) and the order a call tries them in — the
//! healthy ones in chain order, the degraded ones only when no healthy one is left. The
//! walk and `route show` both use it, so what `route show` explains is what a run does.
//! Budgets are not part of it: they are checked by reserving, at the moment of the call
//! (docs/architecture.md, "How a call flows").

use crate::ledger::health::Health;

/// Where a candidate's key stands, as its caller can tell: the walk from the vault, `route
/// show` from the vault's plaintext key index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyState {
    Present,
    /// A local provider that needs none (or has an optional one that is not set).
    NotNeeded,
    Missing,
    /// The vault (or its index) could not be read; why.
    Unknown(String),
}

/// What is known of one candidate before any network.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub provider: &'a str,
    /// The vault label the route or `--key` asks for.
    pub label: Option<&'a str>,
    /// The active profile's name, for the allowlist message.
    pub profile: &'a str,
    pub allowed: bool,
    pub key: KeyState,
    /// Set when a key would go over plain HTTP to this base URL, which byok refuses.
    pub plain_http_to: Option<&'a str>,
    pub health: Health,
}

/// Why a candidate is not tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    NotAllowed,
    NoKey,
    /// The vault could not be read.
    KeyUnknown,
    PlainHttp,
    /// Degraded while a healthy candidate remains.
    Degraded,
}

/// One candidate's verdict.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Tried; `degraded` ones only when no healthy candidate is left.
    Try {
        degraded: bool,
    },
    Skipped {
        skip: Skip,
        why: String,
    },
}

/// The verdicts of a chain's candidates (in chain order) and the order of those to try.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    pub verdicts: Vec<Verdict>,
    /// Indices into `verdicts` of the candidates to try, in the order to try them.
    pub order: Vec<usize>,
}

/// Judges every candidate of a chain and orders those to try.
pub fn judge(facts: &[Facts]) -> Judgement {
    let mut verdicts: Vec<Verdict> = facts.iter().map(judge_one).collect();
    let any_healthy = verdicts.contains(&Verdict::Try { degraded: false });
    let mut order = Vec::new();
    for (i, (v, f)) in verdicts.iter_mut().zip(facts).enumerate() {
        match v {
            Verdict::Try { degraded: true } if any_healthy => {
                *v = Verdict::Skipped {
                    skip: Skip::Degraded,
                    why: format!(
                        "{} is {}; skipped while a healthy candidate remains",
                        f.provider,
                        f.health.describe()
                    ),
                };
            }
            Verdict::Try { .. } => order.push(i),
            Verdict::Skipped { .. } => {}
        }
    }
    Judgement { verdicts, order }
}

fn judge_one(f: &Facts) -> Verdict {
    let skipped = |skip, why: String| Verdict::Skipped { skip, why };
    if !f.allowed {
        return skipped(
            Skip::NotAllowed,
            format!(
                "{} is not in the allowlist of profile `{}`",
                f.provider, f.profile
            ),
        );
    }
    match &f.key {
        KeyState::Missing => return skipped(Skip::NoKey, missing_key(f.provider, f.label)),
        KeyState::Unknown(why) => return skipped(Skip::KeyUnknown, why.clone()),
        KeyState::Present | KeyState::NotNeeded => {}
    }
    if let Some(url) = f.plain_http_to {
        return skipped(
            Skip::PlainHttp,
            format!("refusing to send a key over plain HTTP to {url}"),
        );
    }
    Verdict::Try {
        degraded: f.health.is_degraded(),
    }
}

/// `no openai key labelled `work` is configured; add one: byok key add openai --label work`.
pub fn missing_key(provider: &str, label: Option<&str>) -> String {
    match label {
        Some(l) if l != crate::vocab::DEFAULT_LABEL => format!(
            "no {provider} key labelled `{l}` is configured; add one: byok key add {provider} --label {l}"
        ),
        _ => format!("no {provider} key is configured; add one: byok key add {provider}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(provider: &str) -> Facts<'_> {
        Facts {
            provider,
            label: None,
            profile: "default",
            allowed: true,
            key: KeyState::Present,
            plain_http_to: None,
            health: Health::Healthy,
        }
    }

    fn degraded() -> Health {
        Health::Degraded {
            until: f64::MAX,
            failures: 2,
            last_error: None,
        }
    }

    #[test]
    fn allowlist_then_key_then_plain_http() {
        let mut f = facts("openai");
        f.allowed = false;
        f.key = KeyState::Missing;
        let j = judge(&[f]);
        assert!(matches!(
            j.verdicts[0],
            Verdict::Skipped {
                skip: Skip::NotAllowed,
                ..
            }
        ));
        let mut f = facts("openai");
        f.key = KeyState::Missing;
        f.label = Some("work");
        f.plain_http_to = Some("http://example.com");
        let j = judge(&[f]);
        assert_eq!(
            j.verdicts[0],
            Verdict::Skipped {
                skip: Skip::NoKey,
                why: "no openai key labelled `work` is configured; add one: byok key add openai --label work".into()
            }
        );
        assert!(j.order.is_empty());
    }

    #[test]
    fn healthy_first_in_chain_order_degraded_only_when_nothing_else_is_left() {
        let mut a = facts("openai");
        a.health = degraded();
        let b = facts("mistral");
        let c = facts("gemini");
        let j = judge(&[a.clone(), b, c]);
        assert_eq!(j.order, [1, 2]);
        assert!(matches!(
            j.verdicts[0],
            Verdict::Skipped {
                skip: Skip::Degraded,
                ..
            }
        ));
        let mut d = facts("mistral");
        d.key = KeyState::Missing;
        let j = judge(&[a, d]);
        assert_eq!(j.order, [0]);
        assert_eq!(j.verdicts[0], Verdict::Try { degraded: true });
    }
}
