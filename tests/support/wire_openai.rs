//! The OpenAI chat-completions wire, as OpenAI, OpenRouter and Mistral really send it
//! (README "Running prompts"): the renderer behind `Fake::openai`, `Fake::openrouter` and
//! `Fake::mistral` (see `wire.rs` for the answer, chunking, faults and key check), and
//! the error answers each provider sends.
//!
//! ```ignore
//! let fake = Fake::openai(KEY, Answer::text(&["Hello", ", wörld"]).usage(Usage::new(120, 40).cached(100)));
//! let server = fake.clone().server(); // POST …/chat/completions, streamed or not
//! home.env("OPENAI_API_KEY", KEY).env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", server.url()));
//! ```
//!
//! What each flavour does on the wire:
//! - OpenAI: every chunk carries `"usage": null`; the `finish_reason` chunk is followed,
//!   only when the request set `stream_options.include_usage`, by a usage-only chunk
//!   whose `choices` is empty; usage has `prompt_tokens_details.cached_tokens` and
//!   `completion_tokens_details.reasoning_tokens` (already inside the totals); the model
//!   echoed back is a dated snapshot; `data: [DONE]` ends the stream. The key travels as
//!   `Authorization: Bearer`; a wrong one is a 401 `invalid_api_key` quoting it.
//! - OpenRouter: `: OPENROUTER PROCESSING` comment lines; usage (with `cost`, in USD) in
//!   a chunk *after* the `finish_reason` chunk, always (it ignores `include_usage`); an
//!   error mid-stream is a chunk with `error` and `finish_reason: "error"`.
//! - Mistral: usage *on* the `finish_reason` chunk, always; no `usage: null` fields; a
//!   401 body without an `error` object.
//!
//! Edge cases seen in real traffic, each a builder option: several choices (`n`) whose
//! chunks interleave ([`Fake::choices`]), an answer with an empty `choices` list and only
//! a usage block ([`Fake::no_choices`]), a stream without `[DONE]` ([`Fake::no_done`]).

use serde_json::{Value, json};

use super::fake::{Reply, Request};
use super::wire::{
    Answer, Call, Event, Failure, Fake, Wire, foreign_credential, key_in_url, sse_event,
};

/// Whose dialect of the format to speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    OpenAi,
    OpenRouter,
    Mistral,
}

/// The renderer, with the options only this wire has.
#[derive(Clone, Debug)]
pub struct OpenAi {
    pub flavor: Flavor,
    /// How many choices (`n`) the answer has; choice `k` > 0 says `[k]` before each piece.
    pub choices: usize,
    /// No choice at all: the stream carries only the usage chunk, the answer `choices: []`.
    pub no_choices: bool,
    /// Whether `data: [DONE]` ends the stream.
    pub done: bool,
}

impl Fake<OpenAi> {
    /// OpenAI (and the providers that copy it: groq, deepseek, xai, together, …).
    pub fn openai(key: &str, answer: Answer) -> Self {
        Self::flavored(Flavor::OpenAi, key, answer)
    }

    pub fn openrouter(key: &str, answer: Answer) -> Self {
        Self::flavored(Flavor::OpenRouter, key, answer)
    }

    pub fn mistral(key: &str, answer: Answer) -> Self {
        Self::flavored(Flavor::Mistral, key, answer)
    }

    pub fn flavored(flavor: Flavor, key: &str, answer: Answer) -> Self {
        let wire = OpenAi {
            flavor,
            choices: 1,
            no_choices: false,
            done: true,
        };
        Fake::build(wire, Some(key), answer)
    }

    /// `n` choices; streamed, their chunks interleave (choice 1's first, then 0, then 2…).
    pub fn choices(mut self, n: usize) -> Self {
        assert!(n >= 1);
        self.wire.choices = n;
        self
    }

    /// An answer with an empty `choices` list and a usage block.
    pub fn no_choices(mut self) -> Self {
        self.wire.no_choices = true;
        self
    }

    /// No `data: [DONE]` at the end (some OpenAI-compatible servers never send it).
    pub fn no_done(mut self) -> Self {
        self.wire.done = false;
        self
    }
}

impl OpenAi {
    fn id(&self) -> &'static str {
        match self.flavor {
            Flavor::OpenAi => "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
            Flavor::OpenRouter => "gen-1748339285-Xq3gq0nRLVVr2bmwq1SL",
            Flavor::Mistral => "cmpl-e5cc70bb28c444948073e77776eb30ef",
        }
    }

    fn echoed_model(&self, answer: &Answer, requested: &str) -> String {
        match (&answer.model, self.flavor) {
            (Some(m), _) => m.clone(),
            (None, Flavor::OpenAi) if !requested.is_empty() => format!("{requested}-2024-07-18"),
            (None, _) => requested.to_string(),
        }
    }

    fn finish<'a>(&self, answer: &'a Answer) -> &'a str {
        answer.finish.as_deref().unwrap_or("stop")
    }

    /// The `usage` object in this flavour's shape.
    pub fn usage_json(&self, answer: &Answer) -> Value {
        let u = &answer.usage;
        u.assert_fits("OpenAI", true, false, self.flavor != Flavor::Mistral);
        let mut v = json!({
            "prompt_tokens": u.input,
            "completion_tokens": u.output,
            "total_tokens": u.input + u.output,
        });
        match self.flavor {
            Flavor::OpenAi => {
                v["prompt_tokens_details"] = json!({"cached_tokens": u.cached, "audio_tokens": 0});
                v["completion_tokens_details"] = json!({
                    "reasoning_tokens": u.reasoning,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0
                });
            }
            Flavor::OpenRouter => {
                v["cost"] = json!(u.cost.unwrap_or(0.0));
                v["is_byok"] = json!(false);
                v["prompt_tokens_details"] = json!({"cached_tokens": u.cached});
                v["cost_details"] = json!({"upstream_inference_cost": null});
                v["completion_tokens_details"] = json!({"reasoning_tokens": u.reasoning});
            }
            Flavor::Mistral => {
                if u.cached > 0 {
                    v["prompt_tokens_details"] = json!({"cached_tokens": u.cached});
                }
            }
        }
        answer.patched(v)
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

    /// The data of each chunk, with the answer piece it carries.
    fn chunks(&self, answer: &Answer, call: &Call) -> Vec<(Value, Option<usize>)> {
        let model = self.echoed_model(answer, &call.model);
        let mut out: Vec<(Value, Option<usize>)> = Vec::new();
        if self.no_choices {
            // Nothing but the usage, in a chunk whose `choices` is empty.
            let mut u = self.chunk(&model, json!([]));
            u["usage"] = self.usage_json(answer);
            out.push((u, None));
            return out;
        }
        let order = self.choice_order();
        let role = match self.flavor {
            Flavor::OpenAi => json!({"role": "assistant", "content": "", "refusal": null}),
            _ => json!({"role": "assistant", "content": ""}),
        };
        for &k in &order {
            let c = self.chunk(&model, json!([self.choice_at(k, role.clone(), None)]));
            out.push((c, None));
        }
        for r in &answer.thinking {
            let delta = match self.flavor {
                Flavor::OpenRouter => json!({"role": "assistant", "content": "", "reasoning": r}),
                _ => json!({"content": null, "reasoning_content": r}),
            };
            out.push((
                self.chunk(&model, json!([self.choice_at(0, delta, None)])),
                None,
            ));
        }
        for (i, p) in answer.text.iter().enumerate() {
            for &k in &order {
                let p = self.choice_piece(k, p);
                let delta = match self.flavor {
                    Flavor::OpenRouter => json!({"role": "assistant", "content": p}),
                    _ => json!({"content": p}),
                };
                let c = self.chunk(&model, json!([self.choice_at(k, delta, None)]));
                out.push((c, (k == 0).then_some(i)));
            }
        }
        let last_delta = match self.flavor {
            Flavor::OpenAi => json!({}),
            Flavor::OpenRouter => json!({"role": "assistant", "content": ""}),
            Flavor::Mistral => json!({"content": ""}),
        };
        let reason = self.finish(answer);
        // Every other choice finishes before choice 0 does.
        for &k in order.iter().filter(|k| **k != 0) {
            let c = self.chunk(
                &model,
                json!([self.choice_at(k, last_delta.clone(), Some(reason))]),
            );
            out.push((c, None));
        }
        let mut finish = self.chunk(&model, json!([self.choice_at(0, last_delta, Some(reason))]));
        match self.flavor {
            Flavor::OpenAi => {
                out.push((finish, None));
                if call.include_usage {
                    let mut u = self.chunk(&model, json!([]));
                    u["usage"] = self.usage_json(answer);
                    out.push((u, None));
                }
            }
            Flavor::OpenRouter => {
                out.push((finish, None));
                // After the finish_reason chunk, with an empty choice of its own.
                let mut u = self.chunk(
                    &model,
                    json!([self.choice_at(0, json!({"role": "assistant", "content": ""}), None)]),
                );
                u["usage"] = self.usage_json(answer);
                out.push((u, None));
            }
            Flavor::Mistral => {
                finish["usage"] = self.usage_json(answer);
                out.push((finish, None));
            }
        }
        out
    }

    /// One SSE event (OpenRouter: with a comment line before every other one).
    fn event(&self, i: usize, data: &str, text: Option<usize>) -> Event {
        let mut bytes = Vec::new();
        if self.flavor == Flavor::OpenRouter && i.is_multiple_of(2) {
            bytes.extend_from_slice(b": OPENROUTER PROCESSING\n\n");
        }
        bytes.extend(sse_event(None, data, "\n\n"));
        Event { bytes, text }
    }

    fn done(&self, at: usize) -> Option<Event> {
        self.done.then(|| self.event(at, "[DONE]", None))
    }

    fn unauthorized(&self, sent: Option<&str>) -> Reply {
        let key = sent
            .and_then(|s| s.strip_prefix("Bearer "))
            .unwrap_or("")
            .trim();
        match (self.flavor, key.is_empty()) {
            (Flavor::OpenAi, true) => Reply::json(
                401,
                json!({"error": {
                    "message": "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    "type": "invalid_request_error",
                    "param": null,
                    "code": null
                }}),
            ),
            (Flavor::OpenAi, false) => invalid_api_key(key),
            (Flavor::OpenRouter, true) => Reply::json(
                401,
                json!({"error": {"message": "No auth credentials found", "code": 401}}),
            ),
            (Flavor::OpenRouter, false) => openrouter_unauthorized(),
            (Flavor::Mistral, _) => mistral_unauthorized(),
        }
    }
}

impl Wire for OpenAi {
    fn name(&self) -> &'static str {
        match self.flavor {
            Flavor::OpenAi => "openai",
            Flavor::OpenRouter => "openrouter",
            Flavor::Mistral => "mistral",
        }
    }

    fn check(&self, req: &Request, expected: Option<&str>) -> Result<Call, Reply> {
        if !(req.method == "POST" && req.path_only().ends_with("/chat/completions")) {
            return Err(not_found_route(req));
        }
        if let Some(refusal) = key_in_url(req, expected) {
            return Err(refusal);
        }
        let sent = req.header("authorization");
        let right = expected.is_some_and(|k| sent == Some(format!("Bearer {k}").as_str()));
        if !right || foreign_credential(req, "authorization").is_some() {
            return Err(self.unauthorized(sent));
        }
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return Err(Reply::json(
                400,
                json!({"error": {"message": "We could not parse the JSON body of your request.", "type": "invalid_request_error", "param": null, "code": null}}),
            ));
        };
        Ok(Call {
            model: body["model"].as_str().unwrap_or("").to_string(),
            stream: body["stream"].as_bool() == Some(true),
            include_usage: body
                .pointer("/stream_options/include_usage")
                .and_then(Value::as_bool)
                == Some(true),
        })
    }

    fn events(&self, answer: &Answer, call: &Call, _finished: bool) -> Vec<Event> {
        let chunks = self.chunks(answer, call);
        let mut out: Vec<Event> = chunks
            .iter()
            .enumerate()
            .map(|(i, (c, text))| self.event(i, &c.to_string(), *text))
            .collect();
        out.extend(self.done(chunks.len()));
        out
    }

    fn error_events(&self, failure: &Failure, answer: &Answer, call: &Call) -> Vec<Event> {
        let data = match self.flavor {
            // OpenRouter: `error` beside a choice whose `finish_reason` is `error`.
            Flavor::OpenRouter => {
                let model = self.echoed_model(answer, &call.model);
                let mut c = self.chunk(
                    &model,
                    json!([self.choice_at(0, json!({"content": ""}), Some("error"))]),
                );
                c["error"] = json!({"code": failure.kind, "message": failure.message});
                c
            }
            _ => {
                json!({"error": {"message": failure.message, "type": failure.kind, "param": null, "code": failure.kind}})
            }
        };
        let mut out = vec![Event::new(sse_event(None, &data.to_string(), "\n\n"))];
        out.extend(self.done(1));
        out
    }

    fn stream_reply(&self, pieces: Vec<Vec<u8>>) -> Reply {
        Reply::stream(200, "text/event-stream", pieces)
    }

    fn complete(&self, answer: &Answer, call: &Call) -> Reply {
        let model = self.echoed_model(answer, &call.model);
        let mut message = json!({"role": "assistant", "content": answer.full_text()});
        match self.flavor {
            Flavor::OpenAi => {
                message["refusal"] = Value::Null;
                message["annotations"] = json!([]);
            }
            Flavor::OpenRouter => {
                message["refusal"] = Value::Null;
                message["reasoning"] = if answer.thinking.is_empty() {
                    Value::Null
                } else {
                    json!(answer.thinking.concat())
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
                        let text: Vec<String> = answer
                            .text
                            .iter()
                            .map(|p| self.choice_piece(k, p))
                            .collect();
                        message["content"] = json!(text.concat());
                    }
                    let mut choice = json!({"index": k, "message": message, "finish_reason": self.finish(answer)});
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
            "usage": self.usage_json(answer),
        });
        match self.flavor {
            Flavor::OpenAi => v["system_fingerprint"] = json!("fp_34a54ae93c"),
            Flavor::OpenRouter => v["provider"] = json!("OpenAI"),
            Flavor::Mistral => {}
        }
        Reply::json(200, v)
    }

    fn error_reply(&self, failure: &Failure) -> Reply {
        Reply::json(
            failure.status,
            json!({"error": {"message": failure.message, "type": failure.kind, "param": null, "code": failure.kind}}),
        )
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
