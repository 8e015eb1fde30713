//! What an Anthropic message says: its text blocks, its usage (normalised), its stop
//! reason, or the error object it carries instead.

use serde_json::Value;

use crate::providers::chat::{ChatResult, Usage, UsageReader, not_understood};
use crate::providers::failure::{Failure, FailureClass};

/// Anthropic's usage counters as they arrive, kept apart until normalised: in a stream
/// `message_start` sets them and `message_delta` replaces the ones it carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct RawUsage {
    input: u64,
    output: u64,
    cache_read: u64,
    cache_creation: u64,
    cache_creation_1h: u64,
    /// `output_tokens_details.thinking_tokens` (newer models): part of `output`.
    thinking: u64,
    /// The first count that cannot be true; the usage is then unknown for good.
    impossible: Option<String>,
}

impl RawUsage {
    /// Replaces every counter `u` carries (a number; `null` or absent leaves it).
    pub(super) fn update(&mut self, u: &Value) {
        let mut r = UsageReader::new(u);
        let fields: [(&str, &mut u64); 6] = [
            ("/input_tokens", &mut self.input),
            ("/output_tokens", &mut self.output),
            ("/cache_read_input_tokens", &mut self.cache_read),
            ("/cache_creation_input_tokens", &mut self.cache_creation),
            (
                "/cache_creation/ephemeral_1h_input_tokens",
                &mut self.cache_creation_1h,
            ),
            ("/output_tokens_details/thinking_tokens", &mut self.thinking),
        ];
        for (ptr, field) in fields {
            if let Some(v) = r.count(ptr) {
                *field = v;
            }
        }
        if self.impossible.is_none() {
            self.impossible = r.impossible().map(String::from);
        }
    }

    /// Anthropic's `input_tokens` exclude cache reads and writes: add them back.
    /// `output_tokens` already include thinking, reported apart (when it is) as
    /// `thinking_tokens`.
    pub(super) fn normalised(&self) -> Result<Usage, String> {
        if let Some(why) = &self.impossible {
            return Err(why.clone());
        }
        Usage {
            input_tokens: self.input + self.cache_read + self.cache_creation,
            output_tokens: self.output,
            cached_input_tokens: self.cache_read,
            cache_write_tokens: self.cache_creation,
            reasoning_tokens: self.thinking,
            cache_write_1h_tokens: self.cache_creation_1h,
        }
        .checked()
    }
}

/// Usage in the Anthropic shape, normalised (see [`RawUsage::normalised`]); `Err` says
/// why it cannot be true.
pub fn usage_of(u: &Value) -> Result<Usage, String> {
    let mut raw = RawUsage::default();
    raw.update(u);
    raw.normalised()
}

/// The answer text of a message: its `text` blocks, in order. `thinking` and
/// `redacted_thinking` blocks (and tool use) are never answer text.
pub(super) fn parse_complete(v: &Value) -> Result<ChatResult, Failure> {
    if v.get("type").and_then(Value::as_str) == Some("error") || v.get("error").is_some() {
        return Err(error_event(v.get("error").unwrap_or(v)));
    }
    let blocks = v
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| not_understood("the answer has no content blocks".into()))?;
    let text: String = blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect();
    let usage = v.get("usage").filter(|u| u.is_object());
    let result = ChatResult {
        text,
        finish_reason: v
            .get("stop_reason")
            .and_then(Value::as_str)
            .map(String::from),
        ..ChatResult::default()
    };
    Ok(result.with_usage(usage.map(usage_of)))
}

/// An Anthropic error object (`{"type": "overloaded_error", "message": "Overloaded"}`),
/// from a 200 body or an `error` event in a stream, classified by its type.
pub(super) fn error_event(err: &Value) -> Failure {
    let kind = err.get("type").and_then(Value::as_str).unwrap_or("");
    let class = match kind {
        "overloaded_error" => FailureClass::Overloaded,
        "rate_limit_error" => FailureClass::RateLimited,
        "authentication_error" | "permission_error" => FailureClass::KeyRejected,
        "billing_error" => FailureClass::NoCredit,
        "not_found_error" => FailureClass::NotFound,
        "invalid_request_error" | "request_too_large" => FailureClass::BadRequest,
        "timeout_error" => FailureClass::Timeout,
        _ => FailureClass::Server,
    };
    let message = err
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| err.as_str())
        .filter(|m| !m.trim().is_empty())
        .unwrap_or(if kind.is_empty() {
            "the provider reported an error"
        } else {
            kind
        })
        .trim()
        .to_string();
    Failure::new(class, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn complete_answer_skips_thinking_blocks() {
        let v = json!({
            "id": "msg_01",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": [
                {"type": "thinking", "thinking": "Let me think about this.", "signature": "EqQBCgIYAhIM"},
                {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"},
                {"type": "text", "text": "The answer "},
                {"type": "text", "text": "is 42."}
            ],
            "stop_reason": "end_turn",
            "stop_sequence": null,
            "usage": {
                "input_tokens": 50,
                "cache_creation_input_tokens": 10,
                "cache_read_input_tokens": 200,
                "cache_creation": {"ephemeral_5m_input_tokens": 10, "ephemeral_1h_input_tokens": 0},
                "output_tokens": 300,
                "service_tier": "standard"
            }
        });
        let r = parse_complete(&v).unwrap();
        assert_eq!(r.text, "The answer is 42.");
        assert_eq!(
            r.usage,
            Usage {
                input_tokens: 260,
                output_tokens: 300,
                cached_input_tokens: 200,
                cache_write_tokens: 10,
                reasoning_tokens: 0,
                cache_write_1h_tokens: 0,
            }
        );
        assert!(r.usage_reported);
        assert_eq!(r.finish_reason.as_deref(), Some("end_turn"));
    }

    #[test]
    fn complete_error_body_is_a_failure() {
        let v = json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}, "request_id": "req_1"});
        let f = parse_complete(&v).unwrap_err();
        assert_eq!(f.class, FailureClass::Overloaded);
        assert_eq!(f.message, "Overloaded");
        assert!(parse_complete(&json!({"type": "message"})).is_err());
    }
}
