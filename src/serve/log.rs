//! The request log of `serve` (README "Give a tool your keys without giving it your
//! keys"): one line on stderr per request, never a key or a prompt; `-q` silences it.

use std::time::Duration;

/// What one request did.
pub struct Entry<'a> {
    pub client: &'a str,
    pub model: &'a str,
    /// `provider:model` that answered (or was tried last), `-` when none was.
    pub candidate: String,
    pub status: u16,
    pub tokens: Option<(u64, u64)>,
    pub cost: Option<f64>,
    pub latency: Duration,
}

impl Entry<'_> {
    pub fn line(&self) -> String {
        let tokens = match self.tokens {
            Some((i, o)) => format!("{i}+{o} tokens"),
            None => "- tokens".into(),
        };
        let cost = match self.cost {
            Some(usd) => format!("${}", crate::output::decimal(usd).unwrap_or_default()),
            None => "$?".into(),
        };
        format!(
            "byok serve: {} {} → {} {} {tokens} {cost} {} ms",
            clean(self.client),
            clean(self.model),
            self.candidate,
            self.status,
            self.latency.as_millis()
        )
    }
}

/// A client-chosen name, printable on one line and not too long.
fn clean(s: &str) -> String {
    let s: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    if s.is_empty() { "-".into() } else { s }
}
