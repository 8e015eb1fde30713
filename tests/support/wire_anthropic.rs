//! A faithful fake of Anthropic's messages API (`POST {base}/v1/messages`), for the
//! std-only server in `fake.rs`. Data-driven: an [`Answer`] says what the model "says"
//! (text pieces, an optional thinking block, the wire usage, how the stream ends) and
//! the functions here turn it into the exact bodies Anthropic sends: a `message` JSON
//! object, or an SSE stream with `message_start` (usage with a placeholder
//! `output_tokens`), `ping`s between events, a thinking block with its signature, text
//! deltas, a cumulative `message_delta` usage and `message_stop`.
//!
//! ```ignore
//! let answer = Answer::text(&["Hel", "lo"]).usage(WireUsage::new(25, 12).cache(3000, 1200, 1000));
//! let fake = FakeServer::start(wire_anthropic::handler(KEY, answer.clone().split(7, 5)));
//! // ... run byok against fake.url(), then compare with answer.full_text() and
//! // answer.usage.normalised()
//! ```

use std::time::Duration;

use serde_json::{Value, json};

use super::fake::{Reply, Request};

pub const API_VERSION: &str = "2023-06-01";
pub const SSE_CONTENT_TYPE: &str = "text/event-stream; charset=utf-8";

/// Anthropic's usage counters as the wire carries them: `input` EXCLUDES the cache reads
/// and writes; `output` includes thinking.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WireUsage {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_creation: u64,
    /// The part of `cache_creation` written with a one-hour lifetime.
    pub cache_creation_1h: u64,
    /// Thinking tokens, part of `output`, as newer models report them apart in
    /// `output_tokens_details.thinking_tokens` (0 leaves the field out).
    pub thinking: u64,
}

impl WireUsage {
    pub fn new(input: u64, output: u64) -> WireUsage {
        WireUsage {
            input,
            output,
            ..WireUsage::default()
        }
    }

    /// Adds cache reads and writes (`creation_1h` of the writes with a one-hour TTL).
    pub fn cache(mut self, read: u64, creation: u64, creation_1h: u64) -> WireUsage {
        assert!(creation_1h <= creation, "1h writes are part of all writes");
        self.cache_read = read;
        self.cache_creation = creation;
        self.cache_creation_1h = creation_1h;
        self
    }

    /// `thinking` of the `output` tokens were thinking, reported apart.
    pub fn thinking(mut self, thinking: u64) -> WireUsage {
        assert!(thinking <= self.output, "thinking is part of the output");
        self.thinking = thinking;
        self
    }

    /// The `usage` object of a message and of `message_start` (with `output` replaced by
    /// the placeholder the stream sends).
    fn object(&self, output: u64) -> Value {
        let mut u = self.object_without_details(output);
        if self.thinking > 0 && output == self.output {
            u["output_tokens_details"] = json!({"thinking_tokens": self.thinking});
        }
        u
    }

    fn object_without_details(&self, output: u64) -> Value {
        json!({
            "input_tokens": self.input,
            "cache_creation_input_tokens": self.cache_creation,
            "cache_read_input_tokens": self.cache_read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": self.cache_creation - self.cache_creation_1h,
                "ephemeral_1h_input_tokens": self.cache_creation_1h,
            },
            "output_tokens": output,
            "service_tier": "standard",
        })
    }

    pub fn to_json(self) -> Value {
        self.object(self.output)
    }

    /// What byok must report for this usage (the `usage` of `--json`, DESIGN.md §2):
    /// every prompt token counted in `input_tokens`; reasoning only as far as the wire
    /// reports thinking tokens apart.
    pub fn normalised(&self) -> Value {
        json!({
            "input_tokens": self.input + self.cache_read + self.cache_creation,
            "output_tokens": self.output,
            "cached_input_tokens": self.cache_read,
            "cache_write_tokens": self.cache_creation,
            "reasoning_tokens": self.thinking,
        })
    }
}

/// How a stream ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// `content_block_stop`, `message_delta`, `message_stop`.
    Normal,
    /// After this many text deltas, an `error` event (type, message); nothing after it.
    ErrorAfter(usize, String, String),
    /// After this many text deltas the body simply ends (cleanly, at the HTTP level)
    /// without `message_delta` / `message_stop`. For an abrupt TCP cut use
    /// [`Reply::cut_after`] on [`Answer::stream_reply`] instead.
    CutAfter(usize),
}

/// What the fake model answers, and how.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The answer text, as the `text_delta`s that carry it.
    pub pieces: Vec<String>,
    /// A thinking block before the text (never answer text).
    pub thinking: Option<String>,
    pub usage: WireUsage,
    pub stop_reason: String,
    pub end: End,
    /// `message_delta.usage` with only `output_tokens` (the older shape) instead of every
    /// counter.
    pub output_only_delta: bool,
    /// Send the stream body in pseudo-random pieces `(seed, max size)` (see
    /// [`Reply::split_random`]) instead of one HTTP chunk per event.
    pub split: Option<(u64, usize)>,
    /// Wait between HTTP chunks of a stream.
    pub pause: Option<Duration>,
    /// Fields merged into every `usage` object as they are (e.g. a negative count).
    pub usage_patch: Option<Value>,
    /// Whether the last event is followed by its blank line.
    pub final_blank_line: bool,
}

impl Answer {
    /// An answer made of these text deltas, with a small plain usage.
    pub fn text(pieces: &[&str]) -> Answer {
        Answer {
            pieces: pieces.iter().map(|p| p.to_string()).collect(),
            thinking: None,
            usage: WireUsage::new(12, pieces.len().max(1) as u64),
            stop_reason: "end_turn".into(),
            end: End::Normal,
            output_only_delta: false,
            split: None,
            pause: None,
            usage_patch: None,
            final_blank_line: true,
        }
    }

    pub fn thinking(mut self, thinking: &str) -> Answer {
        self.thinking = Some(thinking.into());
        self
    }

    pub fn usage(mut self, usage: WireUsage) -> Answer {
        self.usage = usage;
        self
    }

    pub fn stop_reason(mut self, reason: &str) -> Answer {
        self.stop_reason = reason.into();
        self
    }

    /// An `error` event of `kind` (e.g. `overloaded_error`) after `n` text deltas.
    pub fn error_after(mut self, n: usize, kind: &str, message: &str) -> Answer {
        self.end = End::ErrorAfter(n, kind.into(), message.into());
        self
    }

    /// The body ends after `n` text deltas, without `message_stop`.
    pub fn cut_after(mut self, n: usize) -> Answer {
        self.end = End::CutAfter(n);
        self
    }

    pub fn output_only_delta(mut self) -> Answer {
        self.output_only_delta = true;
        self
    }

    pub fn split(mut self, seed: u64, max: usize) -> Answer {
        self.split = Some((seed, max));
        self
    }

    pub fn pause(mut self, d: Duration) -> Answer {
        self.pause = Some(d);
        self
    }

    /// Merge `fields` into every usage object (the message's, `message_start`'s and
    /// `message_delta`'s), e.g. `json!({"output_tokens": -5})`.
    pub fn usage_patch(mut self, fields: Value) -> Answer {
        self.usage_patch = Some(fields);
        self
    }

    /// The connection closes right after `message_stop`'s data line, with no blank line.
    pub fn no_final_blank_line(mut self) -> Answer {
        self.final_blank_line = false;
        self
    }

    fn patched(&self, mut usage: Value) -> Value {
        if let Some(Value::Object(patch)) = &self.usage_patch {
            for (k, v) in patch {
                usage[k] = v.clone();
            }
        }
        usage
    }

    /// The whole answer text.
    pub fn full_text(&self) -> String {
        self.pieces.concat()
    }

    /// The text a client has received when the stream fails or is cut (the whole text
    /// for a normal end).
    pub fn streamed_text(&self) -> String {
        match &self.end {
            End::Normal => self.full_text(),
            End::ErrorAfter(n, ..) | End::CutAfter(n) => {
                self.pieces.iter().take(*n).map(String::as_str).collect()
            }
        }
    }

    /// The non-streaming answer: a `message` object.
    pub fn complete_body(&self, model: &str) -> Value {
        let mut content = Vec::new();
        if let Some(t) = &self.thinking {
            content.push(json!({"type": "thinking", "thinking": t, "signature": SIGNATURE}));
        }
        content.push(json!({"type": "text", "text": self.full_text()}));
        json!({
            "id": MESSAGE_ID,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": self.stop_reason,
            "stop_sequence": null,
            "usage": self.patched(self.usage.to_json()),
        })
    }

    /// The SSE events `(event name, data)` of the streamed answer.
    pub fn events(&self, model: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, Value)> = Vec::new();
        let ev = |out: &mut Vec<(String, Value)>, name: &str, data: Value| {
            out.push((name.to_string(), data))
        };
        ev(
            &mut out,
            "message_start",
            json!({"type": "message_start", "message": {
                "id": MESSAGE_ID, "type": "message", "role": "assistant", "model": model,
                "content": [], "stop_reason": null, "stop_sequence": null,
                // output_tokens here is a placeholder, replaced by message_delta's.
                "usage": self.patched(self.usage.object(1)),
            }}),
        );
        ev(&mut out, "ping", json!({"type": "ping"}));
        let mut index = 0;
        if let Some(t) = &self.thinking {
            ev(
                &mut out,
                "content_block_start",
                json!({"type": "content_block_start", "index": index, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
            );
            let mid = t
                .char_indices()
                .nth(t.chars().count() / 2)
                .map_or(0, |(i, _)| i);
            for part in [&t[..mid], &t[mid..]] {
                ev(
                    &mut out,
                    "content_block_delta",
                    json!({"type": "content_block_delta", "index": index, "delta": {"type": "thinking_delta", "thinking": part}}),
                );
            }
            ev(
                &mut out,
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index, "delta": {"type": "signature_delta", "signature": SIGNATURE}}),
            );
            ev(
                &mut out,
                "content_block_stop",
                json!({"type": "content_block_stop", "index": index}),
            );
            index += 1;
        }
        ev(
            &mut out,
            "content_block_start",
            json!({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}),
        );
        for (i, piece) in self.pieces.iter().enumerate() {
            match &self.end {
                End::ErrorAfter(n, kind, message) if *n == i => {
                    ev(&mut out, "error", error_body(kind, message));
                    return strings(out);
                }
                End::CutAfter(n) if *n == i => return strings(out),
                _ => {}
            }
            ev(
                &mut out,
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": piece}}),
            );
            if i % 2 == 1 {
                ev(&mut out, "ping", json!({"type": "ping"}));
            }
        }
        match &self.end {
            End::ErrorAfter(_, kind, message) => {
                ev(&mut out, "error", error_body(kind, message));
                return strings(out);
            }
            End::CutAfter(_) => return strings(out),
            End::Normal => {}
        }
        ev(
            &mut out,
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        );
        let u = &self.usage;
        let mut delta_usage = if self.output_only_delta {
            json!({"output_tokens": u.output})
        } else {
            json!({
                "input_tokens": u.input,
                "cache_creation_input_tokens": u.cache_creation,
                "cache_read_input_tokens": u.cache_read,
                "output_tokens": u.output,
            })
        };
        if u.thinking > 0 {
            delta_usage["output_tokens_details"] = json!({"thinking_tokens": u.thinking});
        }
        let delta_usage = self.patched(delta_usage);
        ev(
            &mut out,
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": self.stop_reason, "stop_sequence": null}, "usage": delta_usage}),
        );
        ev(&mut out, "message_stop", json!({"type": "message_stop"}));
        strings(out)
    }

    /// The whole SSE body of the streamed answer.
    pub fn stream_body(&self, model: &str) -> Vec<u8> {
        self.event_bodies(model).concat()
    }

    /// The SSE text of each event (the last without its blank line, if so configured).
    fn event_bodies(&self, model: &str) -> Vec<Vec<u8>> {
        let mut bodies: Vec<Vec<u8>> = self
            .events(model)
            .iter()
            .map(|(e, d)| Reply::sse_body(&[(Some(e.as_str()), d.as_str())], "\n\n"))
            .collect();
        if !self.final_blank_line
            && let Some(last) = bodies.last_mut()
        {
            while last.last() == Some(&b'\n') {
                last.pop();
            }
        }
        bodies
    }

    /// The 200 streaming reply: one HTTP chunk per event, or random pieces with `split`.
    pub fn stream_reply(&self, model: &str) -> Reply {
        let pieces = match self.split {
            Some((seed, max)) => Reply::split_random(&self.stream_body(model), seed, max),
            None => self.event_bodies(model),
        };
        let mut reply = Reply::stream(200, SSE_CONTENT_TYPE, pieces)
            .header("request-id", REQUEST_ID)
            .header("cache-control", "no-cache");
        if let Some(p) = self.pause {
            reply = reply.pause(p);
        }
        reply
    }

    /// The 200 non-streaming reply.
    pub fn complete_reply(&self, model: &str) -> Reply {
        Reply::json(200, self.complete_body(model)).header("request-id", REQUEST_ID)
    }
}

const MESSAGE_ID: &str = "msg_01XFDUDYJgAACzvnptvVoYEL";
const REQUEST_ID: &str = "req_011CSHoEeqs5C35K2UUqR7Fy";
const SIGNATURE: &str = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds";

fn strings(events: Vec<(String, Value)>) -> Vec<(String, String)> {
    events
        .into_iter()
        .map(|(e, d)| (e, d.to_string()))
        .collect()
}

/// A streamed answer of these text deltas with this usage, as one SSE body.
pub fn stream_body(text_pieces: &[&str], usage: WireUsage, model: &str) -> Vec<u8> {
    Answer::text(text_pieces).usage(usage).stream_body(model)
}

/// A non-streaming answer of this text with this usage.
pub fn complete_body(text: &str, usage: WireUsage, model: &str) -> Value {
    Answer::text(&[text]).usage(usage).complete_body(model)
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

/// An error response of `kind` with its real status.
pub fn error_reply(kind: &str, message: &str) -> Reply {
    Reply::json(status_for(kind), error_body(kind, message)).header("request-id", REQUEST_ID)
}

/// The request was for the messages endpoint (under any base-URL prefix).
pub fn is_messages(req: &Request) -> bool {
    req.method == "POST" && req.path_only().ends_with("/v1/messages")
}

/// Answers one request as Anthropic would: the version header and `key` in `x-api-key`
/// are required (a wrong key gets 401 `authentication_error`), the body must have
/// `model`, `max_tokens` and `messages`; then `answer`, streamed when the body asks for
/// `stream: true`, for the model the request named.
pub fn respond(req: &Request, key: &str, answer: &Answer) -> Reply {
    if !is_messages(req) {
        return error_reply(
            "not_found_error",
            &format!("Not found: {}", req.path_only()),
        );
    }
    if req.header("anthropic-version") != Some(API_VERSION) {
        return error_reply(
            "invalid_request_error",
            "anthropic-version: header is required",
        );
    }
    match req.header("x-api-key") {
        None => {
            return error_reply("authentication_error", "x-api-key header is required");
        }
        Some(k) if k != key => return error_reply("authentication_error", "invalid x-api-key"),
        Some(_) => {}
    }
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return error_reply(
            "invalid_request_error",
            "There was an issue with the request body: not valid JSON",
        );
    };
    for field in ["model", "max_tokens", "messages"] {
        if body.get(field).is_none() {
            return error_reply("invalid_request_error", &format!("{field}: Field required"));
        }
    }
    if body["max_tokens"].as_u64().is_none_or(|n| n < 1) {
        return error_reply(
            "invalid_request_error",
            "max_tokens: Input should be greater than or equal to 1",
        );
    }
    if body
        .get("system")
        .is_some_and(|s| !s.is_string() && !s.is_array())
    {
        return error_reply(
            "invalid_request_error",
            "system: Input should be a valid string",
        );
    }
    let model = body["model"].as_str().unwrap_or("");
    if body.get("stream").and_then(Value::as_bool) == Some(true) {
        answer.stream_reply(model)
    } else {
        answer.complete_reply(model)
    }
}

/// A handler for [`super::fake::FakeServer::start`] that answers every request with
/// [`respond`].
pub fn handler(key: &str, answer: Answer) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    let key = key.to_string();
    move |req| respond(req, &key, &answer)
}
