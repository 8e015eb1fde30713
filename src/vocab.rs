//! The words every layer shares, on the ground floor so that nothing has to reach up for
//! them (docs/architecture.md): key labels and their rule, `provider:model` references,
//! the "did you mean" guess for a misspelt name, and one normalised token usage.

use serde::{Deserialize, Serialize};

/// The label of a key added without `--label`.
pub const DEFAULT_LABEL: &str = "default";

/// Why `label` cannot name a key, if it cannot: labels are short names such as `work` or
/// `ci` (letters, digits, `-`, `_`, `.`; 1 to 64 of them).
pub fn label_problem(label: &str) -> Option<&'static str> {
    if label.is_empty() {
        Some("it is empty")
    } else if label.len() > 64 {
        Some("it is longer than 64 characters")
    } else if !label
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Some("it may hold only letters, digits, `-`, `_` and `.`")
    } else {
        None
    }
}

/// The name in `known` that `given` most likely misspells (`opena` → `openai`), by the
/// rule clap suggests subcommands with: the most Jaro-similar one above 0.7, here compared
/// without case. `None` when nothing is close, or `given` is itself known.
pub fn did_you_mean<'a>(given: &str, known: &'a [String]) -> Option<&'a str> {
    if known.iter().any(|k| k == given) {
        return None;
    }
    let given = given.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::jaro(&given, &k.to_lowercase()), k.as_str()))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// `provider:model`, split at the first colon (`ollama:llama3.2:3b` is provider `ollama`,
/// model `llama3.2:3b`). A bare `provider` has no model (its default applies).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelRef<'a> {
    pub provider: &'a str,
    pub model: Option<&'a str>,
}

impl<'a> ModelRef<'a> {
    /// Splits `spec`; `None` when the provider part is empty, or a colon has nothing after
    /// it.
    pub fn parse(spec: &'a str) -> Option<ModelRef<'a>> {
        let (provider, model) = match spec.split_once(':') {
            Some((p, m)) if !m.is_empty() => (p, Some(m)),
            Some(_) => return None,
            None => (spec, None),
        };
        (!provider.is_empty()).then_some(ModelRef { provider, model })
    }

    /// Both parts, as a profile and the price table write them: `None` without a model.
    pub fn full(spec: &'a str) -> Option<(&'a str, &'a str)> {
        let r = Self::parse(spec)?;
        Some((r.provider, r.model?))
    }
}

/// The most tokens of one kind a single call can report. A provider that reports more
/// (or a negative, fractional or non-numeric count) is wrong, and its usage is recorded
/// as unknown rather than believed.
pub const MAX_TOKENS_PER_CALL: u64 = 1_000_000_000;

/// What starts the token `byok serve` gives its clients (README "Give a tool your keys
/// without giving it your keys"): 64 hex digits follow.
pub const SERVE_TOKEN_PREFIX: &str = "byok-";

/// Whether `value` is a `byok serve` token rather than a provider key. A shell that ran
/// `eval "$(byok serve &)"` holds one in OPENAI_API_KEY and ANTHROPIC_API_KEY; it opens
/// byok's own loopback server and nothing else, so it must never be sent to a provider.
pub fn is_serve_token(value: &str) -> bool {
    value
        .strip_prefix(SERVE_TOKEN_PREFIX)
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(crate) fn impossible(what: &str) -> String {
    format!(
        "the provider reported an impossible usage ({what}); the call's tokens and cost are recorded as unknown"
    )
}

/// Token usage with one meaning for every provider (README "Running prompts"):
/// `input_tokens` counts every prompt token, cache reads and writes included;
/// `output_tokens` counts every generated token, reasoning included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_input_tokens: u64,
    pub cache_write_tokens: u64,
    pub reasoning_tokens: u64,
    /// The part of `cache_write_tokens` written with a one-hour lifetime (Anthropic),
    /// which is priced higher than the five-minute default.
    #[serde(skip)]
    pub cache_write_1h_tokens: u64,
}

impl Usage {
    pub fn add(&mut self, other: &Usage) {
        self.input_tokens = self.input_tokens.saturating_add(other.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(other.output_tokens);
        self.cached_input_tokens = self
            .cached_input_tokens
            .saturating_add(other.cached_input_tokens);
        self.cache_write_tokens = self
            .cache_write_tokens
            .saturating_add(other.cache_write_tokens);
        self.reasoning_tokens = self.reasoning_tokens.saturating_add(other.reasoning_tokens);
        self.cache_write_1h_tokens = self
            .cache_write_1h_tokens
            .saturating_add(other.cache_write_1h_tokens);
    }

    /// The usage of one call as normalised, if it can be true: no kind of token above
    /// [`MAX_TOKENS_PER_CALL`] (a sum of counts can pass it even when each count does not).
    pub fn checked(self) -> Result<Usage, String> {
        let fields = [
            ("input_tokens", self.input_tokens),
            ("output_tokens", self.output_tokens),
            ("cached_input_tokens", self.cached_input_tokens),
            ("cache_write_tokens", self.cache_write_tokens),
            ("reasoning_tokens", self.reasoning_tokens),
            ("cache_write_1h_tokens", self.cache_write_1h_tokens),
        ];
        match fields.iter().find(|(_, n)| *n > MAX_TOKENS_PER_CALL) {
            Some((name, n)) => Err(impossible(&format!("{name} adds up to {n}"))),
            None => Ok(self),
        }
    }
}

/// Outcome of the last verification of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyStatus {
    /// The provider accepted the key.
    Ok,
    /// The provider rejected it (401/403, Gemini API_KEY_INVALID).
    Invalid,
    /// The key is valid but the account has no credit (402, insufficient_quota).
    NoCredit,
    /// No answer came from the provider (connect error, timeout), retries included.
    Unreachable,
    /// The provider answered with an error: a 5xx, 529 or rate limit once retries are
    /// spent, or something unexpected (a wrong base URL, a redirect).
    Error,
    /// Never verified (`--no-verify`).
    Unverified,
    /// Asked for, but no key is configured.
    Missing,
}

impl VerifyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyStatus::Ok => "ok",
            VerifyStatus::Invalid => "invalid",
            VerifyStatus::NoCredit => "no_credit",
            VerifyStatus::Unreachable => "unreachable",
            VerifyStatus::Error => "error",
            VerifyStatus::Unverified => "unverified",
            VerifyStatus::Missing => "missing",
        }
    }

    /// The provider said no to the key itself (exit 4).
    pub fn is_rejection(self) -> bool {
        matches!(self, VerifyStatus::Invalid | VerifyStatus::NoCredit)
    }
}

/// A random id (16 hex digits) for a group of rows, such as a council's calls.
pub fn new_id() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the OS random number generator failed");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_ref_splits_at_the_first_colon() {
        assert_eq!(
            ModelRef::full("ollama:llama3.2:3b"),
            Some(("ollama", "llama3.2:3b"))
        );
        assert_eq!(
            ModelRef::parse("openai"),
            Some(ModelRef {
                provider: "openai",
                model: None
            })
        );
        for bad in ["", ":gpt-4o", "openai:"] {
            assert_eq!(ModelRef::parse(bad), None, "{bad}");
        }
        assert_eq!(ModelRef::full("openai"), None);
    }

    #[test]
    fn did_you_mean_guesses_close_names_only() {
        let known: Vec<String> = ["anthropic", "openai", "gemini", "openrouter", "ollama"]
            .map(String::from)
            .to_vec();
        assert_eq!(did_you_mean("opena", &known), Some("openai"));
        assert_eq!(did_you_mean("OpenAI", &known), Some("openai"));
        assert_eq!(did_you_mean("antropic", &known), Some("anthropic"));
        assert_eq!(did_you_mean("gemnii", &known), Some("gemini"));
        assert_eq!(did_you_mean("openai", &known), None, "already known");
        assert_eq!(did_you_mean("gpt-4o", &known), None);
        assert_eq!(did_you_mean("x", &known), None);
        assert_eq!(did_you_mean("opena", &[]), None);
    }

    #[test]
    fn labels() {
        assert_eq!(label_problem("work.2-b_c"), None);
        assert_eq!(label_problem(""), Some("it is empty"));
        assert!(label_problem("a b").is_some());
        assert!(label_problem(&"x".repeat(65)).is_some());
    }
}
