//! What a Gemini answer says, whole or chunk by chunk: its text, usage, finish reason,
//! and the refusals and errors it can carry instead.

use serde_json::Value;

use crate::providers::chat::{ChatResult, Usage, UsageReader, not_understood};
use crate::providers::failure::{Failure, FailureClass};

/// Finish reasons that mean the answer itself was withheld.
pub(super) const BLOCKED_FINISH: &[&str] = &[
    "SAFETY",
    "RECITATION",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "IMAGE_SAFETY",
];

/// Gemini's `usageMetadata`: `promptTokenCount` already includes
/// `cachedContentTokenCount`; `candidatesTokenCount` excludes `thoughtsTokenCount`, so
/// thinking is added to the output. `Err` says why the report cannot be true.
pub fn usage_of(u: &Value) -> Result<Usage, String> {
    let mut r = UsageReader::new(u);
    let thoughts = r.count_or_zero("/thoughtsTokenCount");
    let usage = Usage {
        input_tokens: r.count_or_zero("/promptTokenCount"),
        output_tokens: r.count_or_zero("/candidatesTokenCount") + thoughts,
        cached_input_tokens: r.count_or_zero("/cachedContentTokenCount"),
        cache_write_tokens: 0,
        reasoning_tokens: thoughts,
        cache_write_1h_tokens: 0,
    };
    r.finish(usage)
}

/// The answer text of a response or chunk: the first candidate's parts, except thought
/// summaries (`"thought": true`), which are never answer text.
pub(super) fn answer_text(v: &Value) -> Option<String> {
    let parts = v.pointer("/candidates/0/content/parts")?.as_array()?;
    let text: String = parts
        .iter()
        .filter(|p| !p.get("thought").and_then(Value::as_bool).unwrap_or(false))
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .collect();
    Some(text)
}

pub(super) fn finish_reason(v: &Value) -> Option<String> {
    v.pointer("/candidates/0/finishReason")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .map(String::from)
}

/// A prompt refused before any answer: `promptFeedback.blockReason` and no candidates.
pub(super) fn prompt_blocked(v: &Value) -> Option<Failure> {
    let has_candidates = v
        .get("candidates")
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty());
    if has_candidates {
        return None;
    }
    let feedback = v.get("promptFeedback")?;
    let reason = feedback.get("blockReason").and_then(Value::as_str)?;
    let mut message = format!("Gemini blocked the prompt (blockReason {reason})");
    if let Some(m) = feedback
        .get("blockReasonMessage")
        .and_then(Value::as_str)
        .filter(|m| !m.trim().is_empty())
    {
        message.push_str(&format!(": {}", m.trim()));
    }
    let flagged: Vec<&str> = feedback
        .get("safetyRatings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("blocked").and_then(Value::as_bool).unwrap_or(false))
        .filter_map(|r| r.get("category").and_then(Value::as_str))
        .collect();
    if !flagged.is_empty() {
        message.push_str(&format!(" [{}]", flagged.join(", ")));
    }
    Some(Failure::new(FailureClass::BadRequest, message))
}

/// An answer withheld by the model's safety or recitation checks: a finish reason that
/// says so, and no text at all.
pub(super) fn answer_blocked(reason: &str) -> Failure {
    Failure::new(
        FailureClass::BadRequest,
        format!("Gemini withheld the answer (finishReason {reason})"),
    )
}

/// An `error` object in a 200 answer or a stream chunk, shaped like Gemini's HTTP error
/// bodies: `{code: 503, message, status: "UNAVAILABLE", details: [{reason}]}`.
pub(super) fn error_failure(err: &Value) -> Failure {
    let message = err
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| err.as_str())
        .unwrap_or("Gemini reported an error")
        .to_string();
    let code = err
        .get("code")
        .and_then(Value::as_u64)
        .and_then(|c| u16::try_from(c).ok())
        .filter(|c| (400..600).contains(c));
    let status = err.get("status").and_then(Value::as_str).unwrap_or("");
    let key_invalid = err
        .get("details")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|d| d.get("reason").and_then(Value::as_str) == Some("API_KEY_INVALID"))
        || message.contains("API key not valid");
    let class = match (code, status) {
        _ if key_invalid => FailureClass::KeyRejected,
        (Some(401 | 403), _) | (_, "UNAUTHENTICATED" | "PERMISSION_DENIED") => {
            FailureClass::KeyRejected
        }
        (Some(429), _) | (_, "RESOURCE_EXHAUSTED") => FailureClass::RateLimited,
        (Some(503), _) | (_, "UNAVAILABLE") => FailureClass::Overloaded,
        (Some(404), _) | (_, "NOT_FOUND") => FailureClass::NotFound,
        (Some(400..=499), _) | (_, "INVALID_ARGUMENT" | "FAILED_PRECONDITION") => {
            FailureClass::BadRequest
        }
        _ => FailureClass::Server,
    };
    Failure::new(class, message).with_status(code)
}

/// The error object of a 200 answer or a stream chunk, if it is one: `{"error": {…}}`, or
/// that object as the only element of a list (how Gemini writes errors when it does not
/// stream SSE).
pub(super) fn error_in(v: &Value) -> Option<&Value> {
    let single = match v.as_array().map(Vec::as_slice) {
        Some([one]) => one,
        _ => v,
    };
    single.get("error").filter(|e| !e.is_null())
}

pub(super) fn parse_complete(v: &Value) -> Result<ChatResult, Failure> {
    if let Some(err) = error_in(v) {
        return Err(error_failure(err));
    }
    if let Some(blocked) = prompt_blocked(v) {
        return Err(blocked);
    }
    if v.pointer("/candidates/0").is_none() {
        return Err(not_understood("the answer has no candidates".into()));
    }
    let text = answer_text(v).unwrap_or_default();
    let finish_reason = finish_reason(v);
    if let Some(r) = &finish_reason
        && text.is_empty()
        && BLOCKED_FINISH.contains(&r.as_str())
    {
        return Err(answer_blocked(r));
    }
    let usage = v.get("usageMetadata").filter(|u| u.is_object());
    let result = ChatResult {
        text,
        finish_reason,
        ..ChatResult::default()
    };
    Ok(result.with_usage(usage.map(usage_of)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn complete_answer_with_thought_and_text_parts() {
        let v = json!({
            "candidates": [{
                "content": {"parts": [
                    {"text": "Let me think about 2+2.", "thought": true},
                    {"text": "2 + 2 = 4."},
                    {"text": " That is all.", "thought": false}
                ], "role": "model"},
                "finishReason": "STOP",
                "index": 0
            }],
            "usageMetadata": {
                "promptTokenCount": 300, "candidatesTokenCount": 9, "totalTokenCount": 449,
                "cachedContentTokenCount": 256, "thoughtsTokenCount": 140
            },
            "modelVersion": "gemini-2.5-pro",
            "responseId": "abc"
        });
        let r = parse_complete(&v).unwrap();
        assert_eq!(r.text, "2 + 2 = 4. That is all.");
        assert_eq!(
            r.usage,
            Usage {
                input_tokens: 300,
                output_tokens: 149,
                cached_input_tokens: 256,
                cache_write_tokens: 0,
                reasoning_tokens: 140,
                cache_write_1h_tokens: 0,
            }
        );
        assert!(r.usage_reported);
        assert_eq!(r.finish_reason.as_deref(), Some("STOP"));
    }

    #[test]
    fn missing_usage_fields_count_as_zero() {
        let v = json!({
            "candidates": [{"content": {"parts": [{"text": "hi"}], "role": "model"}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 4, "totalTokenCount": 4}
        });
        let r = parse_complete(&v).unwrap();
        assert_eq!(
            r.usage,
            Usage {
                input_tokens: 4,
                ..Usage::default()
            }
        );
        let no_usage = json!({"candidates": [{"content": {"parts": [{"text": "hi"}]}, "finishReason": "STOP"}]});
        let r = parse_complete(&no_usage).unwrap();
        assert!(!r.usage_reported);
        assert_eq!(r.usage, Usage::default());
    }
    #[test]
    fn an_error_object_in_a_complete_answer_is_a_failure() {
        let v = json!({"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}});
        let f = parse_complete(&v).unwrap_err();
        assert_eq!(f.class, FailureClass::RateLimited);
        assert!(f.message.contains("exhausted"));
        assert!(parse_complete(&json!({"modelVersion": "x"})).is_err());
    }
}
