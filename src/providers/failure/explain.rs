//! What went wrong with a call, in words a person can act on.

use super::{Failure, FailureClass};
use crate::providers::{Provider, base_url_var};
use crate::vocab::DEFAULT_LABEL;

/// The key a failed call was made with, as its explanation needs it: a key in the
/// vault can be rotated there, one from the environment cannot (README "Keys").
#[derive(Clone, Copy, Debug)]
pub enum UsedKey<'a> {
    /// No key (a local provider).
    None,
    /// The vault's key with this label.
    Vault(&'a str),
    /// The key in this environment variable.
    Env(&'a str),
}

impl Failure {
    /// What went wrong with a call, for a person, and what to do next: the hint's
    /// commands work in the state the call left (issue 12: hints that lead somewhere).
    pub fn explain(&self, provider: &Provider, model: &str, used: UsedKey) -> (String, String) {
        let p = provider.id();
        let what = self.describe();
        let key = match used {
            UsedKey::Vault(l) if l != DEFAULT_LABEL => format!("the {p} key `{l}`"),
            UsedKey::Env(var) => format!("the {p} key in {var}"),
            _ => format!("the {p} key"),
        };
        let other = "or send it elsewhere with -m <provider:model>".to_string();
        match self.class {
            FailureClass::KeyRejected => (
                format!("{p} rejected {key} ({what})."),
                match used {
                    // Not `key rotate`: there is nothing in the vault to rotate.
                    UsedKey::Env(var) => format!(
                        "check {var}, or put a working key in the vault, which is used before it: byok key add {p}"
                    ),
                    UsedKey::Vault(l) if l != DEFAULT_LABEL => format!(
                        "check it with `byok key verify {p}/{l}`, or replace it: byok key rotate {p} --label {l}"
                    ),
                    _ => format!(
                        "check it with `byok key verify {p}`, or replace it: byok key rotate {p}"
                    ),
                },
            ),
            FailureClass::NoCredit => (
                format!("the {p} account behind {key} is out of credit ({what})."),
                format!("add credit in the {p} console, {other}"),
            ),
            FailureClass::RateLimited => (
                format!("{p} is rate-limiting {key} ({what})."),
                format!("wait a moment and try again, {other}"),
            ),
            FailureClass::Overloaded => (
                format!("{p} is overloaded and could not take the request ({what})."),
                format!("try again shortly, {other}"),
            ),
            FailureClass::Server => (
                format!("{p} failed with a server error ({what})."),
                format!("try again, {other}"),
            ),
            FailureClass::NotFound => (
                format!("{p} does not know the model `{model}` ({what})."),
                format!(
                    "`byok key verify {p}` shows how many models your key can see; check the name, e.g. -m {p}:{}",
                    provider.spec.default_model
                ),
            ),
            FailureClass::BadRequest => (
                format!("{p} refused the request for `{model}` ({what})."),
                "check the model name and flags such as --max-tokens and --temperature".into(),
            ),
            FailureClass::Network => (
                format!("could not reach {p} at {} ({what}).", provider.base_url),
                format!(
                    "check the network and the base URL ({}), {other}",
                    base_url_var(p)
                ),
            ),
            FailureClass::Redirected => (
                format!(
                    "{p} answered {} and {}.",
                    self.status.unwrap_or_default(),
                    self.message
                ),
                format!(
                    "check the base URL ({} or the profile's [providers.{p}] base_url)",
                    base_url_var(p)
                ),
            ),
            FailureClass::Timeout => (
                format!("{p} did not answer in time ({what})."),
                "raise BYOK_READ_TIMEOUT or BYOK_CONNECT_TIMEOUT, or try again".into(),
            ),
            FailureClass::StreamCut => (
                format!("the answer from {p} broke off mid-way ({what})."),
                format!("run it again, or use --no-stream, {other}"),
            ),
            FailureClass::Interrupted => (
                format!("the call to {p} was interrupted."),
                "run it again".into(),
            ),
        }
    }
}
