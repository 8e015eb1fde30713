//! A streamed Anthropic message (SSE).

use serde_json::Value;

use super::answer::{RawUsage, error_event};
use crate::providers::chat::{ChatResult, StreamDecoder, not_understood};
use crate::providers::failure::Failure;

/// Streams in the Anthropic shape: `message_start` (usage with a placeholder
/// `output_tokens`), content blocks whose `text_delta`s are the answer (thinking,
/// signature and tool-input deltas are not), `message_delta` with the final cumulative
/// usage and `stop_reason`, `message_stop`; `ping` anywhere; `error` anywhere.
#[derive(Default)]
pub struct Decoder {
    usage: RawUsage,
    usage_reported: bool,
    stop_reason: Option<String>,
    done: bool,
}

impl StreamDecoder for Decoder {
    fn event(&mut self, event: &str, data: &str) -> Result<Vec<String>, Failure> {
        let data = data.trim();
        if data.is_empty() {
            return Ok(Vec::new());
        }
        let v: Value = match serde_json::from_str(data) {
            Ok(v) => v,
            // A ping's data carries nothing we need, however it is written.
            Err(_) if event == "ping" => return Ok(Vec::new()),
            Err(e) => {
                return Err(not_understood(format!("a stream event was not JSON ({e})")));
            }
        };
        // The data's own `type` names the event; the SSE `event:` line repeats it.
        let kind = v
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(event)
            .to_string();
        let mut deltas = Vec::new();
        match kind.as_str() {
            "message_start" => {
                if let Some(u) = v.pointer("/message/usage").filter(|u| u.is_object()) {
                    self.usage.update(u);
                    self.usage_reported = true;
                }
            }
            "content_block_start" => {
                // Text blocks start empty in practice; keep any text they do carry.
                let block = v.get("content_block");
                if block.and_then(|b| b.get("type")).and_then(Value::as_str) == Some("text")
                    && let Some(t) = block.and_then(|b| b.get("text")).and_then(Value::as_str)
                {
                    deltas.push(t.to_string());
                }
            }
            "content_block_delta" => {
                let delta = v.get("delta");
                if delta.and_then(|d| d.get("type")).and_then(Value::as_str) == Some("text_delta")
                    && let Some(t) = delta.and_then(|d| d.get("text")).and_then(Value::as_str)
                {
                    deltas.push(t.to_string());
                }
            }
            "message_delta" => {
                // Cumulative and final: replace, never add.
                if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
                    self.usage.update(u);
                    self.usage_reported = true;
                }
                if let Some(r) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.stop_reason = Some(r.to_string());
                }
            }
            "message_stop" => self.done = true,
            "error" => return Err(error_event(v.get("error").unwrap_or(&v))),
            // An error object with no type of its own (as another wire format writes it).
            _ if v.get("error").is_some_and(|e| !e.is_null()) => {
                return Err(error_event(&v["error"]));
            }
            // ping, content_block_stop, and event types added later.
            _ => {}
        }
        Ok(deltas)
    }

    fn finished(&self) -> bool {
        self.done
    }

    fn result(&self) -> ChatResult {
        ChatResult {
            finish_reason: self.stop_reason.clone(),
            ..ChatResult::default()
        }
        .with_usage(self.usage_reported.then(|| self.usage.normalised()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::answer::parse_complete;
    use super::*;
    use crate::providers::chat::{ChatResult, Usage, decode_pieces, split_at};
    use crate::providers::failure::FailureClass;
    use proptest::prelude::*;
    use serde_json::json;

    /// A stream as Anthropic sends it with extended thinking and prompt caching: pings
    /// before and between blocks, a thinking block with its signature, usage in
    /// `message_start` with a placeholder `output_tokens`, and a cumulative
    /// `message_delta` usage that repeats the input and cache counts.
    const STREAM: &str = concat!(
        "event: message_start\n",
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,",
        "\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":1200,\"cache_read_input_tokens\":3000,\"cache_creation\":{\"ephemeral_5m_input_tokens\":200,\"ephemeral_1h_input_tokens\":1000},\"output_tokens\":1,\"service_tier\":\"standard\"}}}\n\n",
        "event: ping\n",
        "data: {\"type\": \"ping\"}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"The user greets; answer briefly.\"}}\n\n",
        "event: ping\n",
        "data: {\"type\": \"ping\"}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds\"}}\n\n",
        "event: content_block_stop\n",
        "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n",
        "event: ping\n",
        "data: {\"type\": \"ping\"}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\", wörld 👋\\n\"}}\n\n",
        "event: content_block_stop\n",
        "data: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
        "event: message_delta\n",
        "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},",
        "\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":1200,\"cache_read_input_tokens\":3000,\"output_tokens\":87}}\n\n",
        "event: message_stop\n",
        "data: {\"type\":\"message_stop\"}\n\n"
    );

    /// The older shape: `message_delta` carries only `output_tokens`; no cache fields.
    const STREAM_OUTPUT_ONLY: &str = concat!(
        "event: message_start\n",
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Paris.\"}}\n\n",
        "event: content_block_stop\n",
        "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: ping\n",
        "data: {\"type\": \"ping\"}\n\n",
        "event: message_delta\n",
        "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":4}}\n\n",
        "event: message_stop\n",
        "data: {\"type\":\"message_stop\"}\n\n"
    );

    /// A newer model that reports its thinking tokens apart (part of `output_tokens`).
    fn thinking_stream() -> String {
        STREAM.replace(
            "\"output_tokens\":87}",
            "\"output_tokens\":87,\"output_tokens_details\":{\"thinking_tokens\":61}}",
        )
    }

    fn decode(body: &str) -> Result<ChatResult, crate::providers::chat::ChatFailure> {
        decode_pieces(vec![body.as_bytes().to_vec()], Decoder::default(), false)
    }

    #[test]
    fn thinking_tokens_are_reasoning_tokens() {
        let body = thinking_stream();
        assert_ne!(body, STREAM);
        let r = decode(&body).unwrap();
        assert_eq!(r.usage.reasoning_tokens, 61);
        assert_eq!(
            r.usage.output_tokens, 87,
            "thinking is already in the output"
        );
        let v = json!({"type": "message", "content": [{"type": "text", "text": "x"}],
            "usage": {"input_tokens": 5, "output_tokens": 40, "output_tokens_details": {"thinking_tokens": 30}}});
        let r = parse_complete(&v).unwrap();
        assert_eq!((r.usage.output_tokens, r.usage.reasoning_tokens), (40, 30));
    }

    #[test]
    fn impossible_counts_leave_the_usage_unknown_with_a_warning() {
        for bad in ["-5", "1.5", "\"12\"", "1e30", "18446744073709551615"] {
            // In message_delta's final usage, and in message_start's (a later good report
            // does not make it believable).
            for (from, to) in [
                (
                    "\"output_tokens\":87}",
                    format!("\"output_tokens\":{bad}}}"),
                ),
                (
                    "\"input_tokens\":25,\"cache_creation_input_tokens\":1200,\"cache_read_input_tokens\":3000,\"cache_creation\"",
                    format!(
                        "\"input_tokens\":{bad},\"cache_creation_input_tokens\":1200,\"cache_read_input_tokens\":3000,\"cache_creation\""
                    ),
                ),
            ] {
                let body = STREAM.replacen(from, &to, 1);
                assert_ne!(body, STREAM);
                let r = decode(&body).unwrap();
                assert_eq!(r.text, "Hello, wörld 👋\n");
                assert!(!r.usage_reported && r.usage_impossible, "{bad}");
                assert_eq!(r.usage, Usage::default());
                assert!(
                    r.warnings[0].contains("impossible usage"),
                    "{:?}",
                    r.warnings
                );
            }
            let v: Value = serde_json::from_str(&format!(
                "{{\"type\":\"message\",\"content\":[],\"usage\":{{\"input_tokens\":3,\"output_tokens\":{bad}}}}}"
            ))
            .unwrap();
            let r = parse_complete(&v).unwrap();
            assert!(r.usage_impossible && !r.usage_reported, "{bad}");
        }
        // Each count possible, their normalised sum not.
        let v = json!({"type": "message", "content": [], "usage": {"input_tokens": 600_000_000,
            "cache_read_input_tokens": 600_000_000, "output_tokens": 1}});
        assert!(parse_complete(&v).unwrap().usage_impossible);
    }

    #[test]
    fn an_error_object_without_a_type_mid_stream_is_a_failure() {
        let start = STREAM_OUTPUT_ONLY
            .find("event: content_block_stop")
            .unwrap();
        let body = format!(
            "{}data: {{\"error\":{{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}}}\n\n{}",
            &STREAM_OUTPUT_ONLY[..start],
            &STREAM_OUTPUT_ONLY[start..]
        );
        let f = decode(&body).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::Overloaded);
        assert_eq!(f.failure.message, "Overloaded");
        assert_eq!(f.partial.text, "Paris.");
        // `"error": null` is no error.
        let body = STREAM_OUTPUT_ONLY.replace(
            "{\"type\": \"ping\"}",
            "{\"type\": \"ping\", \"error\": null}",
        );
        assert!(decode(&body).is_ok());
    }

    #[test]
    fn stream_with_thinking_pings_and_cache_gives_text_and_normalised_usage() {
        let r = decode(STREAM).unwrap();
        assert_eq!(r.text, "Hello, wörld 👋\n");
        assert_eq!(
            r.usage,
            Usage {
                input_tokens: 25 + 3000 + 1200,
                output_tokens: 87,
                cached_input_tokens: 3000,
                cache_write_tokens: 1200,
                reasoning_tokens: 0,
                cache_write_1h_tokens: 1000,
            }
        );
        assert!(r.usage_reported);
        assert_eq!(r.finish_reason.as_deref(), Some("end_turn"));
    }

    #[test]
    fn message_delta_replaces_only_what_it_carries() {
        let r = decode(STREAM_OUTPUT_ONLY).unwrap();
        assert_eq!(r.text, "Paris.");
        assert_eq!(
            r.usage,
            Usage {
                input_tokens: 12,
                output_tokens: 4,
                ..Usage::default()
            }
        );
        assert_eq!(r.finish_reason.as_deref(), Some("max_tokens"));
    }

    #[test]
    fn message_delta_usage_is_never_added() {
        // Two cumulative deltas (as a server may send with server tools): the last wins.
        let body = STREAM_OUTPUT_ONLY.replace(
            "event: message_stop\n",
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":9,\"input_tokens\":null}}\n\nevent: message_stop\n",
        );
        let r = decode(&body).unwrap();
        assert_eq!(r.usage.output_tokens, 9);
        assert_eq!(r.usage.input_tokens, 12, "null leaves the count as it was");
    }
    #[test]
    fn an_error_event_mid_stream_fails_with_its_class_and_keeps_the_text() {
        let start = STREAM_OUTPUT_ONLY
            .find("event: content_block_stop")
            .unwrap();
        for (kind, class) in [
            ("overloaded_error", FailureClass::Overloaded),
            ("rate_limit_error", FailureClass::RateLimited),
            ("api_error", FailureClass::Server),
            ("authentication_error", FailureClass::KeyRejected),
            ("permission_error", FailureClass::KeyRejected),
            ("invalid_request_error", FailureClass::BadRequest),
            ("not_found_error", FailureClass::NotFound),
        ] {
            let body = format!(
                "{}event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":\"{kind}\",\"message\":\"Something: {kind}\"}}}}\n\n",
                &STREAM_OUTPUT_ONLY[..start]
            );
            let f = decode(&body).unwrap_err();
            assert_eq!(f.failure.class, class, "{kind}");
            assert_eq!(f.failure.message, format!("Something: {kind}"));
            assert_eq!(f.partial.text, "Paris.");
            assert_eq!(f.partial.usage.input_tokens, 12);
        }
    }

    #[test]
    fn a_stream_without_message_stop_is_cut() {
        let cut = &STREAM[..STREAM.find("event: message_delta").unwrap()];
        let f = decode(cut).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::StreamCut);
        assert_eq!(f.partial.text, "Hello, wörld 👋\n");
        // What message_start said is kept (its output count is only a placeholder).
        assert_eq!(f.partial.usage.cached_input_tokens, 3000);
        // Even with the final usage, no message_stop means the answer may be incomplete.
        let cut = &STREAM[..STREAM.find("event: message_stop").unwrap()];
        let f = decode(cut).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::StreamCut);
        assert_eq!(f.partial.usage.output_tokens, 87);
    }
    proptest! {
        #[test]
        fn any_split_gives_the_same_answer(cuts in proptest::collection::vec(0usize..4000, 0..60)) {
            // Also newer models' thinking count, and a body ending right after
            // `message_stop`'s data line, without its blank line.
            let thinking = thinking_stream();
            for body in [STREAM, STREAM_OUTPUT_ONLY, &thinking, STREAM.trim_end(), STREAM_OUTPUT_ONLY.trim_end_matches('\n')] {
                let whole = decode(body).unwrap();
                let split = decode_pieces(split_at(body.as_bytes(), &cuts), Decoder::default(), false).unwrap();
                prop_assert_eq!(&whole.text, &split.text);
                prop_assert_eq!(whole.usage, split.usage);
                prop_assert_eq!(whole.finish_reason, split.finish_reason);
            }
        }
    }
}
