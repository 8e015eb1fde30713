//! Fake Gemini generateContent answers, faithful to the real wire: SSE events separated
//! by `\r\n\r\n` (CRLF lines), one whole `GenerateContentResponse` per event, cumulative
//! `usageMetadata` on every chunk, thought summaries as parts with `"thought": true`,
//! `finishReason` on the last chunk and no `[DONE]`; errors in Gemini's
//! `{error: {code, message, status, details}}` shape (a bad key is a **400** with reason
//! `API_KEY_INVALID`).
//!
//! Edge cases seen in real traffic are builder options: an error written mid-stream as
//! bare pretty-printed JSON without `data:` ([`Answer::bare_error_after`]), a last event
//! with no blank line after it ([`Answer::no_final_blank_line`]), usage counts no
//! provider should send ([`Answer::usage_patch`]).
//!
//! Data-driven so routing and council tests can reuse it: describe an [`Answer`], then
//! serve it with [`handler`] (which also checks the key and the request) or build bodies
//! with [`Answer::stream_body`] / [`Answer::complete_body`].
//!
//! ```ignore
//! let answer = Answer::new(&["Hel", "lo"]).thoughts(&["Thinking…"]).usage(Meta::new(12, 40).thoughts(30));
//! let fake = FakeServer::start(wire_gemini::handler(KEY, answer.clone()));
//! home.env("BYOK_GEMINI_BASE_URL", &fake.url()).env("GEMINI_API_KEY", KEY);
//! // … `byok --json run -m gemini:gemini-2.5-flash "hi"` …
//! assert_eq!(out["usage"], answer.usage.normalised());
//! ```

use serde_json::{Value, json};

use super::fake::{Reply, Request};

pub const MODEL: &str = "gemini-2.5-flash";
pub const SSE_SEP: &str = "\r\n\r\n";

/// Gemini's `usageMetadata`, as the totals of the whole answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// `promptTokenCount`: every prompt token, cached ones included.
    pub prompt: u64,
    /// `cachedContentTokenCount` (part of `prompt`); 0 leaves the field out.
    pub cached: u64,
    /// `candidatesTokenCount`: answer tokens, thinking **excluded**.
    pub candidates: u64,
    /// `thoughtsTokenCount`; 0 leaves the field out.
    pub thoughts: u64,
}

impl Meta {
    pub fn new(prompt: u64, candidates: u64) -> Meta {
        Meta {
            prompt,
            candidates,
            ..Meta::default()
        }
    }

    pub fn cached(mut self, n: u64) -> Meta {
        self.cached = n;
        self
    }

    pub fn thoughts(mut self, n: u64) -> Meta {
        self.thoughts = n;
        self
    }

    /// The `usageMetadata` object once `candidates` answer tokens have been produced
    /// (thinking is done before the first answer token, so it is all there from the
    /// start). Zero counts are left out, as Gemini does.
    pub fn json_at(&self, candidates: u64) -> Value {
        let mut m = json!({
            "promptTokenCount": self.prompt,
            "totalTokenCount": self.prompt + candidates + self.thoughts,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": self.prompt}],
        });
        if candidates > 0 {
            m["candidatesTokenCount"] = json!(candidates);
        }
        if self.cached > 0 {
            m["cachedContentTokenCount"] = json!(self.cached);
            m["cacheTokensDetails"] = json!([{"modality": "TEXT", "tokenCount": self.cached}]);
        }
        if self.thoughts > 0 {
            m["thoughtsTokenCount"] = json!(self.thoughts);
        }
        m
    }

    /// The final `usageMetadata`.
    pub fn json(&self) -> Value {
        self.json_at(self.candidates)
    }

    /// What byok must report for it (`--json` `usage`): thinking added to the output.
    pub fn normalised(&self) -> Value {
        json!({
            "input_tokens": self.prompt,
            "output_tokens": self.candidates + self.thoughts,
            "cached_input_tokens": self.cached,
            "cache_write_tokens": 0,
            "reasoning_tokens": self.thoughts,
        })
    }
}

/// A Gemini error object, e.g. `error(503, "UNAVAILABLE", "The model is overloaded.")`.
pub fn error(code: u16, status: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message, "status": status}})
}

/// The real body for a wrong key (sent with HTTP 400).
pub fn bad_key_body() -> Value {
    json!({"error": {
        "code": 400,
        "message": "API key not valid. Please pass a valid API key.",
        "status": "INVALID_ARGUMENT",
        "details": [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
             "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}},
            {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US",
             "message": "API key not valid. Please pass a valid API key."}
        ]
    }})
}

/// The real body for no key at all (sent with HTTP 403).
pub fn no_key_body() -> Value {
    error(
        403,
        "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    )
}

/// The real body for an unknown model (sent with HTTP 404).
pub fn not_found_body(model: &str, method: &str) -> Value {
    error(
        404,
        "NOT_FOUND",
        &format!(
            "models/{model} is not found for API version v1beta, or is not supported for {method}. Call ListModels to see the list of available models and their supported methods."
        ),
    )
}

/// The 503 body Gemini sends, as an HTTP answer or as a chunk mid-stream.
pub fn overloaded_body() -> Value {
    error(
        503,
        "UNAVAILABLE",
        "The model is overloaded. Please try again later.",
    )
}

/// The 429 body for a rate limit or an exhausted free-tier quota.
pub fn rate_limited_body() -> Value {
    error(
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details.",
    )
}

/// One answer, described once and served streamed or whole.
#[derive(Clone, Debug)]
pub struct Answer {
    pub model_version: String,
    /// Thought summaries, streamed before the text (never answer text).
    pub thoughts: Vec<String>,
    /// The answer text, one streamed chunk per piece.
    pub text: Vec<String>,
    pub usage: Meta,
    /// `None`: the stream just ends after the text (a cut: no chunk says it finished).
    pub finish_reason: Option<String>,
    /// Stream an error chunk (and end there) after this many text chunks.
    pub error_after: Option<(usize, Value)>,
    /// Refuse the prompt: `promptFeedback.blockReason`, no candidates.
    pub block_reason: Option<String>,
    /// Split the streamed body into random pieces of `1..=max` bytes: (seed, max).
    pub split: Option<(u64, usize)>,
    /// After this many text chunks, an error written bare (pretty-printed, no `data:`),
    /// then the body ends.
    pub bare_error_after: Option<(usize, Value)>,
    /// Whether the last event is followed by its blank line.
    pub final_blank_line: bool,
    /// Fields merged into every `usageMetadata` as they are (e.g. a negative count).
    pub usage_patch: Option<Value>,
}

impl Answer {
    pub fn new(text: &[&str]) -> Answer {
        Answer {
            model_version: MODEL.to_string(),
            thoughts: Vec::new(),
            text: text.iter().map(|s| s.to_string()).collect(),
            usage: Meta::new(8, text.len() as u64),
            finish_reason: Some("STOP".to_string()),
            error_after: None,
            block_reason: None,
            split: None,
            bare_error_after: None,
            final_blank_line: true,
            usage_patch: None,
        }
    }

    pub fn thoughts(mut self, thoughts: &[&str]) -> Answer {
        self.thoughts = thoughts.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn usage(mut self, usage: Meta) -> Answer {
        self.usage = usage;
        self
    }

    pub fn model_version(mut self, m: &str) -> Answer {
        self.model_version = m.to_string();
        self
    }

    pub fn finish_reason(mut self, r: Option<&str>) -> Answer {
        self.finish_reason = r.map(String::from);
        self
    }

    /// An error chunk after `n` text chunks, e.g. `.error_after(1, overloaded_body())`.
    pub fn error_after(mut self, n: usize, error: Value) -> Answer {
        self.error_after = Some((n, error));
        self
    }

    /// After `n` text chunks (`n` = all of them: after the `finishReason` chunk), the
    /// error object written into the stream as Gemini does when a call fails mid-way:
    /// pretty-printed over several lines, without `data:`; the body then ends.
    pub fn bare_error_after(mut self, n: usize, error: Value) -> Answer {
        self.bare_error_after = Some((n, error));
        self
    }

    /// The connection closes right after the last event, without its blank line.
    pub fn no_final_blank_line(mut self) -> Answer {
        self.final_blank_line = false;
        self
    }

    /// Merge `fields` into every chunk's `usageMetadata`, e.g.
    /// `json!({"candidatesTokenCount": 1.5})`.
    pub fn usage_patch(mut self, fields: Value) -> Answer {
        self.usage_patch = Some(fields);
        self
    }

    pub fn blocked(mut self, reason: &str) -> Answer {
        self.block_reason = Some(reason.to_string());
        self
    }

    pub fn split(mut self, seed: u64, max: usize) -> Answer {
        self.split = Some((seed, max));
        self
    }

    /// The answer text as byok must print it.
    pub fn full_text(&self) -> String {
        self.text.concat()
    }

    fn response_id(&self) -> &'static str {
        "mK1aaPqYB4-fz7IPp4rMmAk"
    }

    fn blocked_chunk(&self, reason: &str) -> Value {
        json!({
            "promptFeedback": {
                "blockReason": reason,
                "safetyRatings": [
                    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
                    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
                    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
                    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": true}
                ]
            },
            "usageMetadata": Meta::new(self.usage.prompt, 0).json(),
            "modelVersion": self.model_version,
            "responseId": self.response_id(),
        })
    }

    fn chunk(&self, parts: Vec<Value>, finish: Option<&str>, candidates_so_far: u64) -> Value {
        let mut candidate = json!({"content": {"parts": parts, "role": "model"}, "index": 0});
        if let Some(r) = finish {
            candidate["finishReason"] = json!(r);
        }
        let mut usage = self.usage.json_at(candidates_so_far);
        if let Some(Value::Object(patch)) = &self.usage_patch {
            for (k, v) in patch {
                usage[k] = v.clone();
            }
        }
        json!({
            "candidates": [candidate],
            "usageMetadata": usage,
            "modelVersion": self.model_version,
            "responseId": self.response_id(),
        })
    }

    /// The streamed chunks, in order: one per thought summary, one per text piece (the
    /// last carrying `finishReason`), each with the usage so far.
    pub fn stream_chunks(&self) -> Vec<Value> {
        if let Some(reason) = &self.block_reason {
            return vec![self.blocked_chunk(reason)];
        }
        let mut chunks: Vec<Value> = self
            .thoughts
            .iter()
            .map(|t| self.chunk(vec![json!({"text": t, "thought": true})], None, 0))
            .collect();
        let n = self.text.len().max(1) as u64;
        for (i, piece) in self.text.iter().enumerate() {
            if let Some((after, err)) = &self.error_after
                && *after == i
            {
                chunks.push(err.clone());
                return chunks;
            }
            let last = i + 1 == self.text.len();
            let so_far = self.usage.candidates * (i as u64 + 1) / n;
            let mut part = json!({"text": piece});
            if last && !self.thoughts.is_empty() {
                part["thoughtSignature"] = json!("CiQB0e2Kb3xQ8uYw0mJp");
            }
            let finish = if last {
                self.finish_reason.as_deref()
            } else {
                None
            };
            chunks.push(self.chunk(vec![part], finish, so_far));
        }
        if let Some((after, err)) = &self.error_after
            && *after >= self.text.len()
        {
            chunks.push(err.clone());
        } else if self.text.is_empty()
            && let Some(r) = &self.finish_reason
        {
            chunks.push(self.chunk(Vec::new(), Some(r), self.usage.candidates));
        }
        chunks
    }

    /// The `alt=sse` body: `data: {chunk}\r\n\r\n` per chunk, nothing after the last
    /// (then a bare error, or the last blank line left out, as configured).
    pub fn stream_body(&self) -> Vec<u8> {
        let mut chunks = self.stream_chunks();
        if let Some((n, _)) = &self.bare_error_after {
            // Thought chunks, then `n` text chunks (the last of all carrying finishReason).
            chunks.truncate(self.thoughts.len() + n);
        }
        let data: Vec<String> = chunks.iter().map(|c| c.to_string()).collect();
        let events: Vec<(Option<&str>, &str)> = data.iter().map(|d| (None, d.as_str())).collect();
        let mut body = Reply::sse_body(&events, SSE_SEP);
        if let Some((_, err)) = &self.bare_error_after {
            let pretty = serde_json::to_string_pretty(err).expect("error JSON");
            body.extend_from_slice(pretty.as_bytes());
            body.push(b'\n');
        } else if !self.final_blank_line {
            while matches!(body.last(), Some(b'\r' | b'\n')) {
                body.pop();
            }
        }
        body
    }

    /// The streamed reply (200, `text/event-stream`), split as asked.
    pub fn stream_reply(&self) -> Reply {
        let body = self.stream_body();
        let pieces = match self.split {
            Some((seed, max)) => Reply::split_random(&body, seed, max),
            None => vec![body],
        };
        Reply::stream(200, "text/event-stream", pieces)
    }

    /// The `generateContent` body: all parts (thoughts first) in one candidate.
    pub fn complete_body(&self) -> Value {
        if let Some(reason) = &self.block_reason {
            return self.blocked_chunk(reason);
        }
        let mut parts: Vec<Value> = self
            .thoughts
            .iter()
            .map(|t| json!({"text": t, "thought": true}))
            .collect();
        parts.push(json!({"text": self.full_text()}));
        self.chunk(parts, self.finish_reason.as_deref(), self.usage.candidates)
    }
}

/// A streamed body for `text_pieces` with the given usage (no thoughts).
pub fn stream_body(text_pieces: &[&str], usage: Meta) -> Vec<u8> {
    Answer::new(text_pieces).usage(usage).stream_body()
}

/// A `generateContent` body for `text` with the given usage (no thoughts).
pub fn complete_body(text: &str, usage: Meta) -> Value {
    Answer::new(&[text]).usage(usage).complete_body()
}

/// The model and method of a chat path such as
/// `/v1beta/models/gemini-2.5-flash:streamGenerateContent`, whatever the prefix.
pub fn chat_target(req: &Request) -> Option<(String, String)> {
    let (_, rest) = req.path_only().rsplit_once("/models/")?;
    let (model, method) = rest.rsplit_once(':')?;
    Some((model.to_string(), method.to_string()))
}

/// Checks a chat request the way Gemini would and answers `answer` when all is right:
/// - the key in the URL (`key=`) is refused with 418, so a regression cannot pass;
/// - no `x-goog-api-key` → 403 PERMISSION_DENIED, a wrong one → 400 API_KEY_INVALID;
/// - `:streamGenerateContent` without `alt=sse` → 400 (byok must ask for SSE);
/// - a model other than `models` (when non-empty) → 404 NOT_FOUND;
/// - a body without `contents[0].parts[0].text` → 400 INVALID_ARGUMENT.
pub fn respond(req: &Request, key: &str, models: &[&str], answer: &Answer) -> Reply {
    if req.query().is_some_and(|q| q.contains("key=")) {
        return Reply::json(
            418,
            json!({"error": {"code": 418, "message": "fake gemini: the key was sent in the URL"}}),
        );
    }
    match req.header("x-goog-api-key") {
        None | Some("") => return Reply::json(403, no_key_body()),
        Some(k) if k != key => return Reply::json(400, bad_key_body()),
        Some(_) => {}
    }
    let Some((model, method)) = chat_target(req) else {
        return Reply::json(
            404,
            error(
                404,
                "NOT_FOUND",
                &format!("fake gemini: no route {}", req.path),
            ),
        );
    };
    if req.method != "POST" {
        return Reply::json(
            405,
            error(405, "METHOD_NOT_ALLOWED", "fake gemini: chat is POST"),
        );
    }
    if !models.is_empty() && !models.contains(&model.as_str()) {
        return Reply::json(404, not_found_body(&model, &method));
    }
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    if body
        .pointer("/contents/0/parts/0/text")
        .and_then(Value::as_str)
        .is_none()
    {
        return Reply::json(
            400,
            error(
                400,
                "INVALID_ARGUMENT",
                "* GenerateContentRequest.contents: contents is not specified\n",
            ),
        );
    }
    match method.as_str() {
        "generateContent" => {
            // Unstreamed, a failure is the HTTP status itself, with the error body.
            match &answer.error_after {
                Some((_, err)) => {
                    let code = err.pointer("/error/code").and_then(Value::as_u64);
                    Reply::json(code.unwrap_or(500) as u16, err.clone())
                }
                None => Reply::json(200, answer.complete_body()),
            }
        }
        "streamGenerateContent" => {
            if !req
                .query()
                .is_some_and(|q| q.split('&').any(|p| p == "alt=sse"))
            {
                return Reply::json(
                    400,
                    error(
                        400,
                        "INVALID_ARGUMENT",
                        "fake gemini: byok must ask for alt=sse (without it Gemini streams a JSON array)",
                    ),
                );
            }
            answer.stream_reply()
        }
        other => Reply::json(
            400,
            error(
                400,
                "INVALID_ARGUMENT",
                &format!("fake gemini: unknown method {other}"),
            ),
        ),
    }
}

/// A handler for [`super::fake::FakeServer::start`] that accepts `key`, any model, and
/// answers `answer` (see [`respond`] for what it checks).
pub fn handler(key: &str, answer: Answer) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    let key = key.to_string();
    move |req| respond(req, &key, &[], &answer)
}
