//! Fake answers in the OpenAI chat-completions wire format, as OpenAI, OpenRouter and
//! Mistral really send them (DESIGN.md §2), for any test that needs such a provider:
//! runs, routing, retries, councils.
//!
//! ```ignore
//! let chat = OpenAiChat::openai(&["Hello", ", wörld"]).usage(120, 40).cached(100);
//! let server = chat.clone().server(); // POST …/chat/completions, streamed or not
//! home.env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", server.url()));
//! // … run byok, then compare with chat.text() and chat.expected_usage()
//! ```
//!
//! What each flavour does on the wire:
//! - OpenAI: every chunk carries `"usage": null`; the `finish_reason` chunk is followed,
//!   only when the request set `stream_options.include_usage`, by a usage-only chunk
//!   whose `choices` is empty; usage has `prompt_tokens_details.cached_tokens` and
//!   `completion_tokens_details.reasoning_tokens` (already inside the totals); the model
//!   echoed back is a dated snapshot; `data: [DONE]` ends the stream.
//! - OpenRouter: `: OPENROUTER PROCESSING` comment lines; usage (with `cost`, in USD) in
//!   a chunk *after* the `finish_reason` chunk, always (it ignores `include_usage`).
//! - Mistral: usage *on* the `finish_reason` chunk, always; no `usage: null` fields.
//!
//! Edge cases seen in real traffic, each a builder option: several choices (`n`) whose
//! chunks interleave ([`OpenAiChat::choices`]), an answer with an empty `choices` list and
//! only a usage block ([`OpenAiChat::no_choices`]), a body whose last event has no blank
//! line after it ([`OpenAiChat::no_final_blank_line`]) or no `[DONE]`
//! ([`OpenAiChat::no_done`]), and usage counts a provider should never send
//! ([`OpenAiChat::usage_patch`]).

use serde_json::{Value, json};

use super::fake::{FakeServer, Reply, Request};

/// Whose dialect of the format to speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    OpenAi,
    OpenRouter,
    Mistral,
}

/// One answer, streamed or whole.
#[derive(Clone, Debug)]
pub struct OpenAiChat {
    pub flavor: Flavor,
    /// The answer, in the pieces the stream sends (one `delta.content` each).
    pub pieces: Vec<String>,
    /// Reasoning deltas sent before the answer (OpenRouter `delta.reasoning`), never
    /// answer text.
    pub reasoning: Vec<String>,
    /// The model echoed back; `None`: the model of the request (OpenAI: with a date).
    pub model: Option<String>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cached_tokens: u64,
    pub reasoning_tokens: u64,
    /// OpenRouter's `usage.cost` in USD.
    pub cost: Option<f64>,
    pub finish_reason: String,
    /// How a stream is cut into HTTP chunks: pseudo-random pieces of `1..=max_piece`
    /// bytes from `seed` (see `Reply::split_random`); `max_piece == 0`: one chunk per event.
    pub seed: u64,
    pub max_piece: usize,
    /// Fields merged into the `usage` object as they are (any JSON, e.g. a negative count).
    pub usage_patch: Option<Value>,
    /// How many choices (`n`) the answer has; choice `k` > 0 says `[k]` before each piece.
    pub choices: usize,
    /// No choice at all: the stream carries only the usage chunk, the answer `choices: []`.
    pub no_choices: bool,
    /// Whether the last event is followed by its blank line.
    pub final_blank_line: bool,
    /// Whether `data: [DONE]` ends the stream.
    pub done: bool,
}

impl OpenAiChat {
    pub fn new(flavor: Flavor, pieces: &[&str]) -> OpenAiChat {
        OpenAiChat {
            flavor,
            pieces: pieces.iter().map(|p| p.to_string()).collect(),
            reasoning: Vec::new(),
            model: None,
            prompt_tokens: 12,
            completion_tokens: pieces.len() as u64,
            cached_tokens: 0,
            reasoning_tokens: 0,
            cost: None,
            finish_reason: "stop".into(),
            seed: 1,
            max_piece: 7,
            usage_patch: None,
            choices: 1,
            no_choices: false,
            final_blank_line: true,
            done: true,
        }
    }

    pub fn openai(pieces: &[&str]) -> OpenAiChat {
        OpenAiChat::new(Flavor::OpenAi, pieces)
    }

    /// OpenRouter, with a default cost so `cost_source: provider` can be tested.
    pub fn openrouter(pieces: &[&str]) -> OpenAiChat {
        OpenAiChat::new(Flavor::OpenRouter, pieces).cost(0.000042)
    }

    pub fn mistral(pieces: &[&str]) -> OpenAiChat {
        OpenAiChat::new(Flavor::Mistral, pieces)
    }

    /// `prompt_tokens` (cached included) and `completion_tokens` (reasoning included).
    pub fn usage(mut self, prompt: u64, completion: u64) -> Self {
        self.prompt_tokens = prompt;
        self.completion_tokens = completion;
        self
    }

    pub fn cached(mut self, n: u64) -> Self {
        self.cached_tokens = n;
        self
    }

    pub fn reasoning_tokens(mut self, n: u64) -> Self {
        self.reasoning_tokens = n;
        self
    }

    pub fn cost(mut self, usd: f64) -> Self {
        self.cost = Some(usd);
        self
    }

    pub fn model(mut self, model: &str) -> Self {
        self.model = Some(model.to_string());
        self
    }

    pub fn reasoning(mut self, pieces: &[&str]) -> Self {
        self.reasoning = pieces.iter().map(|p| p.to_string()).collect();
        self
    }

    pub fn finish(mut self, reason: &str) -> Self {
        self.finish_reason = reason.to_string();
        self
    }

    /// Merge `fields` into the usage object as they are, e.g. `json!({"completion_tokens": -5})`.
    pub fn usage_patch(mut self, fields: Value) -> Self {
        self.usage_patch = Some(fields);
        self
    }

    /// `n` choices; streamed, their chunks interleave (choice 1's first, then 0, then 2…).
    pub fn choices(mut self, n: usize) -> Self {
        assert!(n >= 1);
        self.choices = n;
        self
    }

    /// An answer with an empty `choices` list and a usage block.
    pub fn no_choices(mut self) -> Self {
        self.no_choices = true;
        self
    }

    /// The connection closes right after the last event's data line, with no blank line.
    pub fn no_final_blank_line(mut self) -> Self {
        self.final_blank_line = false;
        self
    }

    /// No `data: [DONE]` at the end (some OpenAI-compatible servers never send it).
    pub fn no_done(mut self) -> Self {
        self.done = false;
        self
    }

    /// Stream in random pieces of at most `max` bytes (0: one HTTP chunk per event).
    pub fn split(mut self, seed: u64, max: usize) -> Self {
        self.seed = seed;
        self.max_piece = max;
        self
    }

    /// The whole answer text.
    pub fn text(&self) -> String {
        self.pieces.concat()
    }

    /// What `byok run --json` must report as `usage`.
    pub fn expected_usage(&self) -> Value {
        json!({
            "input_tokens": self.prompt_tokens,
            "output_tokens": self.completion_tokens,
            "cached_input_tokens": self.cached_tokens,
            "cache_write_tokens": 0,
            "reasoning_tokens": self.reasoning_tokens,
        })
    }

    fn id(&self) -> &'static str {
        match self.flavor {
            Flavor::OpenAi => "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
            Flavor::OpenRouter => "gen-1748339285-Xq3gq0nRLVVr2bmwq1SL",
            Flavor::Mistral => "cmpl-e5cc70bb28c444948073e77776eb30ef",
        }
    }

    fn echoed_model(&self, requested: &str) -> String {
        match (&self.model, self.flavor) {
            (Some(m), _) => m.clone(),
            (None, Flavor::OpenAi) if !requested.is_empty() => format!("{requested}-2024-07-18"),
            (None, _) => requested.to_string(),
        }
    }

    /// The `usage` object in this flavour's shape.
    pub fn usage_json(&self) -> Value {
        let mut u = json!({
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        });
        match self.flavor {
            Flavor::OpenAi => {
                u["prompt_tokens_details"] =
                    json!({"cached_tokens": self.cached_tokens, "audio_tokens": 0});
                u["completion_tokens_details"] = json!({
                    "reasoning_tokens": self.reasoning_tokens,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0
                });
            }
            Flavor::OpenRouter => {
                u["cost"] = json!(self.cost.unwrap_or(0.0));
                u["is_byok"] = json!(false);
                u["prompt_tokens_details"] = json!({"cached_tokens": self.cached_tokens});
                u["cost_details"] = json!({"upstream_inference_cost": null});
                u["completion_tokens_details"] = json!({"reasoning_tokens": self.reasoning_tokens});
            }
            Flavor::Mistral => {
                if self.cached_tokens > 0 {
                    u["prompt_tokens_details"] = json!({"cached_tokens": self.cached_tokens});
                }
            }
        }
        if let Some(Value::Object(patch)) = &self.usage_patch {
            for (k, v) in patch {
                u[k] = v.clone();
            }
        }
        u
    }

    /// The text of choice `k` (choice 0 is the answer).
    fn choice_piece(&self, k: usize, piece: &str) -> String {
        if k == 0 {
            piece.to_string()
        } else {
            format!("[{k}]{piece}")
        }
    }

    /// The order in which one round of choices is streamed: 1, 0, 2, 3, … (choice 0 is
    /// never first, so a client that takes the first choice of a chunk gets it wrong).
    fn choice_order(&self) -> Vec<usize> {
        if self.choices == 1 {
            return vec![0];
        }
        let mut order = vec![1, 0];
        order.extend(2..self.choices);
        order
    }

    fn chunk(&self, model: &str, choices: Value) -> Value {
        let mut c = json!({
            "id": self.id(),
            "object": "chat.completion.chunk",
            "created": 1748339285,
            "model": model,
            "choices": choices,
        });
        match self.flavor {
            Flavor::OpenAi => {
                c["system_fingerprint"] = json!("fp_34a54ae93c");
                c["service_tier"] = json!("default");
                c["usage"] = Value::Null;
            }
            Flavor::OpenRouter => c["provider"] = json!("OpenAI"),
            Flavor::Mistral => {}
        }
        c
    }

    fn choice(&self, delta: Value, finish: Option<&str>) -> Value {
        self.choice_at(0, delta, finish)
    }

    fn choice_at(&self, index: usize, delta: Value, finish: Option<&str>) -> Value {
        let mut ch = json!({"index": index, "delta": delta, "finish_reason": finish});
        match self.flavor {
            Flavor::OpenAi => ch["logprobs"] = Value::Null,
            Flavor::OpenRouter => {
                ch["native_finish_reason"] = json!(finish);
                ch["logprobs"] = Value::Null;
            }
            Flavor::Mistral => {}
        }
        ch
    }

    /// The data of every stream event, `[DONE]` included, in order. `include_usage`
    /// is what the request asked for (only OpenAI obeys it).
    pub fn events(&self, requested_model: &str, include_usage: bool) -> Vec<String> {
        let model = self.echoed_model(requested_model);
        let mut out: Vec<Value> = Vec::new();
        if self.no_choices {
            // Nothing but the usage, in a chunk whose `choices` is empty.
            let mut u = self.chunk(&model, json!([]));
            u["usage"] = self.usage_json();
            out.push(u);
            return self.finish_events(out);
        }
        let order = self.choice_order();
        let role = match self.flavor {
            Flavor::OpenAi => json!({"role": "assistant", "content": "", "refusal": null}),
            _ => json!({"role": "assistant", "content": ""}),
        };
        for &k in &order {
            out.push(self.chunk(&model, json!([self.choice_at(k, role.clone(), None)])));
        }
        for r in &self.reasoning {
            let delta = match self.flavor {
                Flavor::OpenRouter => json!({"role": "assistant", "content": "", "reasoning": r}),
                _ => json!({"content": null, "reasoning_content": r}),
            };
            out.push(self.chunk(&model, json!([self.choice(delta, None)])));
        }
        for p in &self.pieces {
            for &k in &order {
                let p = self.choice_piece(k, p);
                let delta = match self.flavor {
                    Flavor::OpenRouter => json!({"role": "assistant", "content": p}),
                    _ => json!({"content": p}),
                };
                out.push(self.chunk(&model, json!([self.choice_at(k, delta, None)])));
            }
        }
        let last_delta = match self.flavor {
            Flavor::OpenAi => json!({}),
            Flavor::OpenRouter => json!({"role": "assistant", "content": ""}),
            Flavor::Mistral => json!({"content": ""}),
        };
        // Every other choice finishes before choice 0 does.
        for &k in order.iter().filter(|k| **k != 0) {
            out.push(self.chunk(
                &model,
                json!([self.choice_at(k, last_delta.clone(), Some(&self.finish_reason))]),
            ));
        }
        let mut finish = self.chunk(
            &model,
            json!([self.choice(last_delta, Some(&self.finish_reason))]),
        );
        match self.flavor {
            Flavor::OpenAi => {
                out.push(finish);
                if include_usage {
                    let mut u = self.chunk(&model, json!([]));
                    u["usage"] = self.usage_json();
                    out.push(u);
                }
            }
            Flavor::OpenRouter => {
                out.push(finish);
                // After the finish_reason chunk, with an empty choice of its own.
                let mut u = self.chunk(
                    &model,
                    json!([self.choice(json!({"role": "assistant", "content": ""}), None)]),
                );
                u["usage"] = self.usage_json();
                out.push(u);
            }
            Flavor::Mistral => {
                finish["usage"] = self.usage_json();
                out.push(finish);
            }
        }
        self.finish_events(out)
    }

    /// The chunks as event data, with `[DONE]` after them unless configured otherwise.
    fn finish_events(&self, chunks: Vec<Value>) -> Vec<String> {
        let mut data: Vec<String> = chunks.iter().map(Value::to_string).collect();
        if self.done {
            data.push("[DONE]".into());
        }
        data
    }

    /// The whole SSE body (OpenRouter's comment lines included).
    pub fn sse(&self, requested_model: &str, include_usage: bool) -> Vec<u8> {
        let mut body = sse(self.flavor, &self.events(requested_model, include_usage));
        if !self.final_blank_line {
            while body.last() == Some(&b'\n') {
                body.pop();
            }
        }
        body
    }

    /// The stream as a reply, split into pieces as configured.
    pub fn stream_reply(&self, requested_model: &str, include_usage: bool) -> Reply {
        if !self.final_blank_line {
            let body = self.sse(requested_model, include_usage);
            let pieces = if self.max_piece == 0 {
                vec![body]
            } else {
                Reply::split_random(&body, self.seed, self.max_piece)
            };
            return Reply::stream(200, "text/event-stream", pieces);
        }
        let events = self.events(requested_model, include_usage);
        stream_reply(self.flavor, &events, self.seed, self.max_piece)
    }

    /// The `stream: false` answer.
    pub fn completion(&self, requested_model: &str) -> Value {
        let model = self.echoed_model(requested_model);
        let mut message = json!({"role": "assistant", "content": self.text()});
        match self.flavor {
            Flavor::OpenAi => {
                message["refusal"] = Value::Null;
                message["annotations"] = json!([]);
            }
            Flavor::OpenRouter => {
                message["refusal"] = Value::Null;
                message["reasoning"] = if self.reasoning.is_empty() {
                    Value::Null
                } else {
                    json!(self.reasoning.concat())
                };
            }
            Flavor::Mistral => message["tool_calls"] = Value::Null,
        }
        let choices: Vec<Value> = if self.no_choices {
            Vec::new()
        } else {
            (0..self.choices)
                .map(|k| {
                    let mut message = message.clone();
                    if k > 0 {
                        let text: Vec<String> =
                            self.pieces.iter().map(|p| self.choice_piece(k, p)).collect();
                        message["content"] = json!(text.concat());
                    }
                    let mut choice = json!({"index": k, "message": message, "finish_reason": self.finish_reason});
                    if self.flavor != Flavor::Mistral {
                        choice["logprobs"] = Value::Null;
                    }
                    choice
                })
                .collect()
        };
        let mut v = json!({
            "id": self.id(),
            "object": "chat.completion",
            "created": 1748339285,
            "model": model,
            "choices": choices,
            "usage": self.usage_json(),
        });
        match self.flavor {
            Flavor::OpenAi => v["system_fingerprint"] = json!("fp_34a54ae93c"),
            Flavor::OpenRouter => v["provider"] = json!("OpenAI"),
            Flavor::Mistral => {}
        }
        v
    }

    /// Answers a chat request the way the provider would: streamed when the body says
    /// `stream: true` (usage as the flavour and `stream_options.include_usage` decide),
    /// whole otherwise.
    pub fn reply_to(&self, req: &Request) -> Reply {
        let body = req.body_json();
        let model = body.get("model").and_then(Value::as_str).unwrap_or("");
        if body.get("stream").and_then(Value::as_bool) == Some(true) {
            let include_usage = body
                .pointer("/stream_options/include_usage")
                .and_then(Value::as_bool)
                == Some(true);
            self.stream_reply(model, include_usage)
        } else {
            Reply::json(200, self.completion(model))
        }
    }

    /// A server answering `POST …/chat/completions` with this answer (any prefix, so one
    /// server can stand behind `/v1`, `/api/v1`, …), and 404 elsewhere.
    pub fn server(self) -> FakeServer {
        FakeServer::start(move |req| {
            if req.method == "POST" && req.path_only().ends_with("/chat/completions") {
                self.reply_to(req)
            } else {
                not_found_route(req)
            }
        })
    }
}

/// An SSE body from event data (OpenRouter: with its comment lines).
pub fn sse(flavor: Flavor, events: &[String]) -> Vec<u8> {
    sse_events(flavor, events).concat()
}

/// The SSE text of each event on its own (OpenRouter's comment line before every other
/// event is part of the event it precedes).
pub fn sse_events(flavor: Flavor, events: &[String]) -> Vec<Vec<u8>> {
    events
        .iter()
        .enumerate()
        .map(|(i, data)| {
            let mut out = Vec::new();
            if flavor == Flavor::OpenRouter && i % 2 == 0 {
                out.extend_from_slice(b": OPENROUTER PROCESSING\n\n");
            }
            out.extend(Reply::sse_body(&[(None, data)], "\n\n"));
            out
        })
        .collect()
}

/// The HTTP chunks of a stream: one per event when `max_piece` is 0, otherwise
/// pseudo-random pieces of `1..=max_piece` bytes (events and UTF-8 characters split).
pub fn sse_pieces(flavor: Flavor, events: &[String], seed: u64, max_piece: usize) -> Vec<Vec<u8>> {
    if max_piece == 0 {
        sse_events(flavor, events)
    } else {
        Reply::split_random(&sse(flavor, events), seed, max_piece)
    }
}

/// A `text/event-stream` reply.
pub fn stream_reply(flavor: Flavor, events: &[String], seed: u64, max_piece: usize) -> Reply {
    Reply::stream(
        200,
        "text/event-stream",
        sse_pieces(flavor, events, seed, max_piece),
    )
}

/// The first `n` events of `chat`'s stream, then the connection drops (no `[DONE]`, no
/// end of the chunked body). One HTTP chunk per event.
pub fn cut_stream(chat: &OpenAiChat, requested_model: &str, n: usize) -> Reply {
    let events = chat.events(requested_model, true);
    stream_reply(chat.flavor, &events, 0, 0).cut_after(n)
}

/// `chat`'s stream up to and including answer piece `after_pieces`, then an error event
/// as OpenRouter sends one when the upstream provider fails mid-answer (HTTP status
/// already 200), then `[DONE]`.
pub fn stream_then_error(
    chat: &OpenAiChat,
    requested_model: &str,
    after_pieces: usize,
    message: &str,
    code: &str,
) -> Reply {
    let events = chat.events(requested_model, true);
    let skip = 1 + chat.reasoning.len();
    let mut kept: Vec<String> = events[..(skip + after_pieces).min(events.len())].to_vec();
    kept.push(error_event(chat, requested_model, message, code).to_string());
    kept.push("[DONE]".into());
    stream_reply(chat.flavor, &kept, 0, 0)
}

/// An error inside a stream: OpenRouter's chunk shape (`error` beside a choice whose
/// `finish_reason` is `error`); OpenAI and Mistral send a bare `{"error": {…}}`.
pub fn error_event(chat: &OpenAiChat, requested_model: &str, message: &str, code: &str) -> Value {
    match chat.flavor {
        Flavor::OpenRouter => {
            let mut c = chat.chunk(
                &chat.echoed_model(requested_model),
                json!([chat.choice(json!({"content": ""}), Some("error"))]),
            );
            c["error"] = json!({"code": code, "message": message});
            c
        }
        _ => json!({"error": {"message": message, "type": code, "param": null, "code": code}}),
    }
}

// --- error answers, as each provider sends them ---

/// The key quoted back, as OpenAI does (so redaction is tested too).
pub fn invalid_api_key(key: &str) -> Reply {
    Reply::json(
        401,
        json!({"error": {
            "message": format!("Incorrect API key provided: {key}. You can find your API key at https://platform.openai.com/account/api-keys."),
            "type": "invalid_request_error",
            "param": null,
            "code": "invalid_api_key"
        }}),
    )
}

/// A retryable 429 with both retry headers (`retry-after-ms` wins) and the rate-limit
/// headers OpenAI sends.
pub fn rate_limited(retry_after_ms: u64) -> Reply {
    Reply::json(
        429,
        json!({"error": {
            "message": "Rate limit reached for gpt-4o-mini in organization org-abc on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
            "type": "requests",
            "param": null,
            "code": "rate_limit_exceeded"
        }}),
    )
    .header("retry-after-ms", &retry_after_ms.to_string())
    .header("retry-after", &retry_after_ms.div_ceil(1000).to_string())
    .header("x-ratelimit-limit-requests", "3")
    .header("x-ratelimit-remaining-requests", "0")
    .header("x-ratelimit-reset-requests", "20s")
}

/// Out of credit: a 429 that must not be retried.
pub fn insufficient_quota() -> Reply {
    Reply::json(
        429,
        json!({"error": {
            "message": "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
            "type": "insufficient_quota",
            "param": null,
            "code": "insufficient_quota"
        }}),
    )
}

pub fn server_error() -> Reply {
    Reply::json(
        500,
        json!({"error": {
            "message": "The server had an error while processing your request. Sorry about that!",
            "type": "server_error",
            "param": null,
            "code": null
        }}),
    )
}

pub fn overloaded() -> Reply {
    Reply::json(
        503,
        json!({"error": {
            "message": "The engine is currently overloaded, please try again later",
            "type": "server_error",
            "param": null,
            "code": null
        }}),
    )
}

pub fn model_not_found(model: &str) -> Reply {
    Reply::json(
        404,
        json!({"error": {
            "message": format!("The model `{model}` does not exist or you do not have access to it."),
            "type": "invalid_request_error",
            "param": null,
            "code": "model_not_found"
        }}),
    )
}

/// Mistral's 401: no `error` object.
pub fn mistral_unauthorized() -> Reply {
    Reply::json(
        401,
        json!({"message": "Unauthorized", "request_id": "9c1f0e5a7b2d4c3e8f6a1b0c9d8e7f6a"}),
    )
}

/// OpenRouter's 401 for a key it does not know.
pub fn openrouter_unauthorized() -> Reply {
    Reply::json(
        401,
        json!({"error": {"message": "User not found.", "code": 401}}),
    )
}

/// OpenRouter's 402: no credit left.
pub fn openrouter_no_credit() -> Reply {
    Reply::json(
        402,
        json!({"error": {
            "message": "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
            "code": 402
        }}),
    )
}

fn not_found_route(req: &Request) -> Reply {
    Reply::json(
        404,
        json!({"error": {
            "message": format!("Invalid URL ({} {})", req.method, req.path_only()),
            "type": "invalid_request_error",
            "param": null,
            "code": null
        }}),
    )
}
