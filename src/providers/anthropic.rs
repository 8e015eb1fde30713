//! The Anthropic messages wire format.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::Provider;
use super::chat::{ChatRequest, ChatResult, StreamDecoder, Usage, UsageReader, not_understood};
use super::failure::{Failure, FailureClass};
use super::verify::{Pages, Probe, count_pages};
use super::wire::{Framing, WireFormat};

pub const API_VERSION: &str = "2023-06-01";
/// Anthropic refuses a request without `max_tokens`; this is asked for when the caller
/// sets no limit.
pub const DEFAULT_MAX_TOKENS: u32 = 4096;

/// The Anthropic messages wire format.
pub struct Anthropic;

impl WireFormat for Anthropic {
    fn kind(&self) -> &'static str {
        "anthropic"
    }

    fn chat_request(
        &self,
        client: &reqwest::Client,
        provider: &Provider,
        key: Option<&str>,
        req: &ChatRequest,
    ) -> reqwest::RequestBuilder {
        chat_request(client, provider, key, req)
    }

    fn framing(&self) -> Framing {
        Framing::Sse
    }

    fn stream_decoder(&self) -> Box<dyn StreamDecoder + Send> {
        Box::<Decoder>::default()
    }

    fn parse_complete(&self, body: &Value) -> Result<ChatResult, Failure> {
        parse_complete(body)
    }

    fn error_object(&self, err: &Value) -> Failure {
        error_event(err)
    }

    fn models_path(&self) -> &'static str {
        "/v1/models"
    }

    fn probe<'a>(
        &'a self,
        client: &'a reqwest::Client,
        provider: &'a Provider,
        key: Option<&'a str>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Probe, Failure>> {
        Box::pin(probe(client, provider, key, timeout))
    }
}

/// The free probe: `GET {base}/v1/models`, following `has_more` / `last_id` pages.
async fn probe(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    timeout: Duration,
) -> Result<Probe, Failure> {
    let key = key.unwrap_or("");
    let pages = Pages {
        path: provider.spec.probe_path,
        size: ("limit", "1000"),
        list: "data",
        cursor: "after_id",
        next: |page| {
            let more = page
                .get("has_more")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            page.get("last_id")
                .and_then(Value::as_str)
                .filter(|_| more)
                .map(String::from)
        },
    };
    let headers = [("x-api-key", key), ("anthropic-version", API_VERSION)];
    let models = count_pages(client, provider, &pages, &headers, timeout, key).await?;
    Ok(Probe {
        models: Some(models),
    })
}

// --- chat ---------------------------------------------------------------------------

/// `POST {base}/v1/messages` with `x-api-key` and `anthropic-version`. `max_tokens` is
/// required by Anthropic, so a default is sent when the caller sets none; the system
/// prompt is a top-level field, not a message.
fn chat_request(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    req: &ChatRequest,
) -> reqwest::RequestBuilder {
    let mut body = json!({
        "model": req.model,
        "max_tokens": req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        "messages": [{"role": "user", "content": req.prompt}],
    });
    if let Some(system) = &req.system {
        body["system"] = json!(system);
    }
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    if req.stream {
        body["stream"] = json!(true);
    }
    let mut http = client
        .post(provider.url("/v1/messages"))
        .header("anthropic-version", API_VERSION)
        .json(&body);
    if let Some(k) = key {
        http = crate::http::secret_header(http, "x-api-key", "", k);
    }
    http
}

/// Anthropic's usage counters as they arrive, kept apart until normalised: in a stream
/// `message_start` sets them and `message_delta` replaces the ones it carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct RawUsage {
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
    fn update(&mut self, u: &Value) {
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
    fn normalised(&self) -> Result<Usage, String> {
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

/// Usage in the Anthropic shape, normalised (DESIGN.md §2); `Err` says why it cannot be
/// true.
pub fn usage_of(u: &Value) -> Result<Usage, String> {
    let mut raw = RawUsage::default();
    raw.update(u);
    raw.normalised()
}

/// The answer text of a message: its `text` blocks, in order. `thinking` and
/// `redacted_thinking` blocks (and tool use) are never answer text.
fn parse_complete(v: &Value) -> Result<ChatResult, Failure> {
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
fn error_event(err: &Value) -> Failure {
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
    use super::*;
    use crate::providers::chat::{decode_pieces, split_at};
    use proptest::prelude::*;

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

    #[test]
    fn request_has_the_required_fields_and_headers() {
        let registry = crate::providers::PROVIDERS
            .iter()
            .find(|p| p.id == "anthropic")
            .unwrap();
        let provider = Provider {
            spec: registry,
            base_url: "http://127.0.0.1:9/anthropic".into(),
            base_url_from_user: true,
        };
        let client = crate::http::client(&crate::http::Timeouts::from_env());
        let mut req = ChatRequest {
            model: "claude-haiku-4-5".into(),
            system: None,
            prompt: "hi".into(),
            max_tokens: None,
            temperature: None,
            stream: false,
        };
        let built = chat_request(&client, &provider, Some("sk-ant-test"), &req)
            .build()
            .unwrap();
        assert_eq!(
            built.url().as_str(),
            "http://127.0.0.1:9/anthropic/v1/messages"
        );
        assert_eq!(built.headers()["x-api-key"], "sk-ant-test");
        assert_eq!(built.headers()["anthropic-version"], API_VERSION);
        let body: Value =
            serde_json::from_slice(built.body().unwrap().as_bytes().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"model": "claude-haiku-4-5", "max_tokens": 4096, "messages": [{"role": "user", "content": "hi"}]})
        );
        req.system = Some("Be terse.".into());
        req.max_tokens = Some(50);
        req.temperature = Some(0.7);
        req.stream = true;
        let built = chat_request(&client, &provider, Some("k"), &req)
            .build()
            .unwrap();
        let body: Value =
            serde_json::from_slice(built.body().unwrap().as_bytes().unwrap()).unwrap();
        assert_eq!(body["system"], "Be terse.");
        assert_eq!(body["max_tokens"], 50);
        assert_eq!(body["temperature"], json!(0.7));
        assert_eq!(body["stream"], true);
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
