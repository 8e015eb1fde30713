//! Anthropic's messages API (`POST {base}/v1/messages`): the renderer behind
//! `Fake::anthropic` (see `wire.rs` for the answer, chunking, faults and key check) and
//! Anthropic's error answers. A streamed answer is `message_start` (usage with a
//! placeholder `output_tokens`), `ping`s between events, a thinking block with its
//! signature, text deltas, a cumulative `message_delta` usage and `message_stop`; the
//! wire's `input_tokens` leave out cache reads and writes. The key travels in
//! `x-api-key` beside `anthropic-version`; a wrong one is a 401 `authentication_error`.
//!
//! ```ignore
//! let answer = Answer::text(&["Hel", "lo"]).usage(Usage::new(4225, 12).cached(3000).cache_write(1200, 1000));
//! let fake = Fake::anthropic(KEY, answer.clone()).server();
//! // … run byok against fake.url(), then compare with answer.usage.expected()
//! ```

use serde_json::{Value, json};

use super::fake::{Reply, Request};
use super::wire::{
    Answer, Call, Event, Failure, Fake, Wire, foreign_credential, key_in_url, sse_event,
};

pub const API_VERSION: &str = "2023-06-01";
pub const SSE_CONTENT_TYPE: &str = "text/event-stream; charset=utf-8";

const MESSAGE_ID: &str = "msg_01XFDUDYJgAACzvnptvVoYEL";
const REQUEST_ID: &str = "req_011CSHoEeqs5C35K2UUqR7Fy";
const SIGNATURE: &str = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds";

/// The renderer, with the option only this wire has.
#[derive(Clone, Debug, Default)]
pub struct Anthropic {
    /// `message_delta.usage` with only `output_tokens` (the older shape) instead of every
    /// counter.
    pub output_only_delta: bool,
}

impl Fake<Anthropic> {
    pub fn anthropic(key: &str, answer: Answer) -> Self {
        Fake::build(Anthropic::default(), Some(key), answer)
    }

    /// See [`Anthropic::output_only_delta`].
    pub fn output_only_delta(mut self) -> Self {
        self.wire.output_only_delta = true;
        self
    }
}

impl Anthropic {
    /// The `usage` object of a message and of `message_start` (`output` is the
    /// placeholder there): `input_tokens` without the cache, as Anthropic counts.
    fn usage(&self, answer: &Answer, output: u64, details: bool) -> Value {
        let u = &answer.usage;
        u.assert_fits("Anthropic", true, true, true);
        let mut v = json!({
            "input_tokens": u.input - u.cached - u.cache_write,
            "cache_creation_input_tokens": u.cache_write,
            "cache_read_input_tokens": u.cached,
            "cache_creation": {
                "ephemeral_5m_input_tokens": u.cache_write - u.cache_write_1h,
                "ephemeral_1h_input_tokens": u.cache_write_1h,
            },
            "output_tokens": output,
            "service_tier": "standard",
        });
        if details && u.reasoning > 0 {
            v["output_tokens_details"] = json!({"thinking_tokens": u.reasoning});
        }
        answer.patched(v)
    }

    /// `message_delta`'s usage: cumulative and final.
    fn delta_usage(&self, answer: &Answer) -> Value {
        let u = &answer.usage;
        let mut v = if self.output_only_delta {
            json!({"output_tokens": u.output})
        } else {
            json!({
                "input_tokens": u.input - u.cached - u.cache_write,
                "cache_creation_input_tokens": u.cache_write,
                "cache_read_input_tokens": u.cached,
                "output_tokens": u.output,
            })
        };
        if u.reasoning > 0 {
            v["output_tokens_details"] = json!({"thinking_tokens": u.reasoning});
        }
        answer.patched(v)
    }
}

impl Wire for Anthropic {
    fn name(&self) -> &'static str {
        "anthropic"
    }

    /// The version header and exactly `expected` in `x-api-key` are required (a wrong or
    /// missing key, or a key in another header, gets 401 `authentication_error`); the body
    /// must have `model`, `max_tokens` ≥ 1 and `messages`, and a string or list `system`.
    fn check(&self, req: &Request, expected: Option<&str>) -> Result<Call, Reply> {
        if !is_messages(req) {
            return Err(error_reply(
                "not_found_error",
                &format!("Not found: {}", req.path_only()),
            ));
        }
        if let Some(refusal) = key_in_url(req, expected) {
            return Err(refusal);
        }
        if req.header("anthropic-version") != Some(API_VERSION) {
            return Err(error_reply(
                "invalid_request_error",
                "anthropic-version: header is required",
            ));
        }
        match req.header("x-api-key") {
            None => {
                return Err(error_reply(
                    "authentication_error",
                    "x-api-key header is required",
                ));
            }
            Some(k) if Some(k) != expected => {
                return Err(error_reply("authentication_error", "invalid x-api-key"));
            }
            Some(_) => {}
        }
        if let Some(h) = foreign_credential(req, "x-api-key") {
            return Err(error_reply(
                "authentication_error",
                &format!("{h}: a key where Anthropic takes none"),
            ));
        }
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return Err(error_reply(
                "invalid_request_error",
                "There was an issue with the request body: not valid JSON",
            ));
        };
        for field in ["model", "max_tokens", "messages"] {
            if body.get(field).is_none() {
                return Err(error_reply(
                    "invalid_request_error",
                    &format!("{field}: Field required"),
                ));
            }
        }
        if body["max_tokens"].as_u64().is_none_or(|n| n < 1) {
            return Err(error_reply(
                "invalid_request_error",
                "max_tokens: Input should be greater than or equal to 1",
            ));
        }
        if body
            .get("system")
            .is_some_and(|s| !s.is_string() && !s.is_array())
        {
            return Err(error_reply(
                "invalid_request_error",
                "system: Input should be a valid string",
            ));
        }
        Ok(Call {
            model: body["model"].as_str().unwrap_or("").to_string(),
            stream: body["stream"].as_bool() == Some(true),
            include_usage: true,
        })
    }

    fn events(&self, answer: &Answer, call: &Call, _finished: bool) -> Vec<Event> {
        let model = answer.model.as_deref().unwrap_or(&call.model);
        let mut out = Vec::new();
        let ev = |out: &mut Vec<Event>, name: &str, data: Value, text: Option<usize>| {
            out.push(Event {
                bytes: sse_event(Some(name), &data.to_string(), "\n\n"),
                text,
            })
        };
        ev(
            &mut out,
            "message_start",
            json!({"type": "message_start", "message": {
                "id": MESSAGE_ID, "type": "message", "role": "assistant", "model": model,
                "content": [], "stop_reason": null, "stop_sequence": null,
                // output_tokens here is a placeholder, replaced by message_delta's.
                "usage": self.usage(answer, 1, false),
            }}),
            None,
        );
        ev(&mut out, "ping", json!({"type": "ping"}), None);
        let mut index = 0;
        if !answer.thinking.is_empty() {
            ev(
                &mut out,
                "content_block_start",
                json!({"type": "content_block_start", "index": index, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
                None,
            );
            for part in &answer.thinking {
                ev(
                    &mut out,
                    "content_block_delta",
                    json!({"type": "content_block_delta", "index": index, "delta": {"type": "thinking_delta", "thinking": part}}),
                    None,
                );
            }
            ev(
                &mut out,
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index, "delta": {"type": "signature_delta", "signature": SIGNATURE}}),
                None,
            );
            ev(
                &mut out,
                "content_block_stop",
                json!({"type": "content_block_stop", "index": index}),
                None,
            );
            index += 1;
        }
        ev(
            &mut out,
            "content_block_start",
            json!({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}),
            None,
        );
        for (i, piece) in answer.text.iter().enumerate() {
            ev(
                &mut out,
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": piece}}),
                Some(i),
            );
            if i % 2 == 1 {
                ev(&mut out, "ping", json!({"type": "ping"}), None);
            }
        }
        ev(
            &mut out,
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
            None,
        );
        let stop_reason = answer.finish.as_deref().unwrap_or("end_turn");
        ev(
            &mut out,
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null}, "usage": self.delta_usage(answer)}),
            None,
        );
        ev(
            &mut out,
            "message_stop",
            json!({"type": "message_stop"}),
            None,
        );
        out
    }

    fn error_events(&self, failure: &Failure, _answer: &Answer, _call: &Call) -> Vec<Event> {
        let data = error_body(&failure.kind, &failure.message).to_string();
        vec![Event::new(sse_event(Some("error"), &data, "\n\n"))]
    }

    fn stream_reply(&self, pieces: Vec<Vec<u8>>) -> Reply {
        Reply::stream(200, SSE_CONTENT_TYPE, pieces)
            .header("request-id", REQUEST_ID)
            .header("cache-control", "no-cache")
    }

    fn complete(&self, answer: &Answer, call: &Call) -> Reply {
        let mut content = Vec::new();
        if !answer.thinking.is_empty() {
            content.push(json!({"type": "thinking", "thinking": answer.thinking.concat(), "signature": SIGNATURE}));
        }
        content.push(json!({"type": "text", "text": answer.full_text()}));
        let body = json!({
            "id": MESSAGE_ID,
            "type": "message",
            "role": "assistant",
            "model": answer.model.as_deref().unwrap_or(&call.model),
            "content": content,
            "stop_reason": answer.finish.as_deref().unwrap_or("end_turn"),
            "stop_sequence": null,
            "usage": self.usage(answer, answer.usage.output, true),
        });
        Reply::json(200, body).header("request-id", REQUEST_ID)
    }

    fn error_reply(&self, failure: &Failure) -> Reply {
        Reply::json(failure.status, error_body(&failure.kind, &failure.message))
            .header("request-id", REQUEST_ID)
    }
}

/// `{"type": "error", "error": {"type": kind, "message": message}}`: the body of an error
/// response and the data of an `error` event.
pub fn error_body(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": REQUEST_ID})
}

/// The HTTP status Anthropic answers each error type with.
pub fn status_for(kind: &str) -> u16 {
    match kind {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "api_error" => 500,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        other => panic!("unknown Anthropic error type {other}"),
    }
}

/// An error of `kind` with its real status, e.g. `failure("overloaded_error", "Overloaded")`.
pub fn failure(kind: &str, message: &str) -> Failure {
    Failure::new(status_for(kind), kind, message)
}

/// An error response of `kind` with its real status.
pub fn error_reply(kind: &str, message: &str) -> Reply {
    Anthropic::default().error_reply(&failure(kind, message))
}

/// The request was for the messages endpoint (under any base-URL prefix).
pub fn is_messages(req: &Request) -> bool {
    req.method == "POST" && req.path_only().ends_with("/v1/messages")
}
