//! What an answer in the OpenAI shape says: choice 0's text, the usage, OpenRouter's own
//! price, or the error object it carries instead.

use serde_json::Value;

use crate::providers::chat::{ChatResult, Usage, UsageReader, not_understood};
use crate::providers::failure::{Failure, FailureClass};

/// Usage in the OpenAI shape: `prompt_tokens` already include cached tokens and
/// `completion_tokens` already include reasoning, so both are taken as they are. With
/// several choices (`n`), the counts are already the sum over them. `Err` says why the
/// report cannot be true.
pub fn usage_of(u: &Value) -> Result<Usage, String> {
    let mut r = UsageReader::new(u);
    let cached = r.count_or_zero("/prompt_tokens_details/cached_tokens");
    // DeepSeek reports cache hits at the top level instead.
    let cache_hits = r.count_or_zero("/prompt_cache_hit_tokens");
    let usage = Usage {
        input_tokens: r.count_or_zero("/prompt_tokens"),
        output_tokens: r.count_or_zero("/completion_tokens"),
        cached_input_tokens: cached.max(cache_hits),
        cache_write_tokens: r.count_or_zero("/prompt_tokens_details/cache_write_tokens"),
        reasoning_tokens: r.count_or_zero("/completion_tokens_details/reasoning_tokens"),
        cache_write_1h_tokens: 0,
    };
    r.finish(usage)
}

/// More than this for one call is not a price anyone was charged: a provider's bug.
const MAX_PROVIDER_COST_USD: f64 = 1000.0;

/// OpenRouter's own charge for the call, in USD credits; ignored (the price table is
/// used instead) when it is negative, not a number, or absurd.
pub(super) fn provider_cost(u: &Value) -> Option<f64> {
    u.get("cost")
        .and_then(Value::as_f64)
        .filter(|c| c.is_finite() && (0.0..=MAX_PROVIDER_COST_USD).contains(c))
}

/// The choice that is the answer: `index` 0 (a missing `index` counts as 0). With several
/// choices (`n` > 1) the others are ignored.
pub(super) fn answer_choice(v: &Value) -> Option<&Value> {
    v.get("choices")?
        .as_array()?
        .iter()
        .find(|c| c.get("index").and_then(Value::as_u64).unwrap_or(0) == 0)
}

pub(super) const NO_CHOICES: &str =
    "the provider's answer had no choices, only its usage: the answer is empty";

pub(super) fn parse_complete(v: &Value) -> Result<ChatResult, Failure> {
    if let Some(err) = v.get("error").filter(|e| !e.is_null()) {
        return Err(stream_error(err));
    }
    let usage = v.get("usage").filter(|u| u.is_object());
    let mut warnings = Vec::new();
    let choice = match answer_choice(v) {
        Some(c) => Some(c),
        // A 200 with an empty `choices` list and a usage block: the tokens were spent
        // on an empty answer.
        None if usage.is_some()
            && v.get("choices")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty) =>
        {
            warnings.push(NO_CHOICES.to_string());
            None
        }
        None => return Err(not_understood("the answer has no choices".into())),
    };
    let text = choice
        .and_then(|c| c.pointer("/message/content"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let result = ChatResult {
        text,
        provider_cost_usd: usage.and_then(provider_cost),
        finish_reason: choice
            .and_then(|c| c.get("finish_reason"))
            .and_then(Value::as_str)
            .map(String::from),
        warnings,
        ..ChatResult::default()
    };
    Ok(result.with_usage(usage.map(usage_of)))
}

/// An error object inside a 200 answer or a stream.
pub(super) fn stream_error(err: &Value) -> Failure {
    let message = err
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| err.as_str())
        .unwrap_or("the provider reported an error")
        .to_string();
    let code = |p: &str| {
        err.get(p)
            .map(|c| c.to_string().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let codes = format!("{} {}", code("code"), code("type"));
    let class = if codes.contains("rate_limit") || codes.contains("429") {
        FailureClass::RateLimited
    } else if codes.contains("overloaded") || codes.contains("503") || codes.contains("529") {
        FailureClass::Overloaded
    } else if codes.contains("insufficient_quota") || codes.contains("402") {
        FailureClass::NoCredit
    } else {
        FailureClass::Server
    };
    Failure::new(class, message)
}
