//! Gemini's generateContent API: the renderer behind `Fake::gemini` (see `wire.rs` for the
//! answer, chunking, faults and key check) and Gemini's errors. SSE events separated by
//! `\r\n\r\n` (CRLF lines), one whole `GenerateContentResponse` per event, cumulative
//! `usageMetadata` on every chunk (`candidatesTokenCount` without thinking), thought
//! summaries as parts with `"thought": true`, `finishReason` on the last chunk and no
//! `[DONE]`; errors in the `{error: {code, message, status}}` shape. The key travels in
//! `x-goog-api-key`: none is a 403, a wrong one a **400** `API_KEY_INVALID`.
//!
//! Edge cases seen in real traffic are options: a prompt refused before any answer
//! ([`Fake::blocked`]), an error written mid-stream as bare pretty-printed JSON without
//! `data:` ([`Fake::bare_errors`]), a model list the key can reach ([`Fake::models`]).
//!
//! ```ignore
//! let answer = Answer::text(&["Hel", "lo"]).thinking(&["Thinking…"]).usage(Usage::new(12, 70).reasoning(30));
//! let fake = Fake::gemini(KEY, answer.clone()).server();
//! home.env("BYOK_GEMINI_BASE_URL", &fake.url()).env("GEMINI_API_KEY", KEY);
//! ```

use serde_json::{Value, json};

use super::fake::{Reply, Request};
use super::wire::{
    Answer, Call, Event, Failure, Fake, Wire, foreign_credential, key_in_url, sse_event,
};

pub const SSE_SEP: &str = "\r\n\r\n";

/// The renderer, with the options only this wire has.
#[derive(Clone, Debug, Default)]
pub struct Gemini {
    /// Refuse the prompt: `promptFeedback.blockReason`, no candidates.
    pub blocked: Option<String>,
    /// Write a failure mid-stream as Gemini does when a call fails mid-way: the error
    /// object pretty-printed over several lines, without `data:`.
    pub bare_errors: bool,
    /// The models the key reaches (404 NOT_FOUND for others); empty: any.
    pub models: Vec<String>,
}

impl Fake<Gemini> {
    pub fn gemini(key: &str, answer: Answer) -> Self {
        Fake::build(Gemini::default(), Some(key), answer)
    }

    pub fn blocked(mut self, reason: &str) -> Self {
        self.wire.blocked = Some(reason.to_string());
        self
    }

    pub fn bare_errors(mut self) -> Self {
        self.wire.bare_errors = true;
        self
    }

    pub fn models(mut self, models: &[&str]) -> Self {
        self.wire.models = models.iter().map(|m| m.to_string()).collect();
        self
    }
}

/// A Gemini error object, e.g. `error(503, "UNAVAILABLE", "The model is overloaded.")`.
pub fn error(code: u16, status: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message, "status": status}})
}

fn error_of(f: &Failure) -> Value {
    error(f.status, &f.kind, &f.message)
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

/// The 503 Gemini sends, as an HTTP answer or as a chunk mid-stream.
pub fn overloaded() -> Failure {
    Failure::new(
        503,
        "UNAVAILABLE",
        "The model is overloaded. Please try again later.",
    )
}

/// The 429 for a rate limit or an exhausted free-tier quota.
pub fn rate_limited() -> Failure {
    Failure::new(
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details.",
    )
}

/// A 500 INTERNAL.
pub fn internal() -> Failure {
    Failure::new(500, "INTERNAL", "An internal error has occurred.")
}

/// The failure as a whole HTTP answer.
pub fn error_reply(f: &Failure) -> Reply {
    Reply::json(f.status, error_of(f))
}

/// The model and method of a chat path such as
/// `/v1beta/models/gemini-2.5-flash:streamGenerateContent`, whatever the prefix.
pub fn chat_target(req: &Request) -> Option<(String, String)> {
    let (_, rest) = req.path_only().rsplit_once("/models/")?;
    let (model, method) = rest.rsplit_once(':')?;
    Some((model.to_string(), method.to_string()))
}

const RESPONSE_ID: &str = "mK1aaPqYB4-fz7IPp4rMmAk";

impl Gemini {
    /// `usageMetadata` once `candidates` answer tokens (thinking excluded) have been
    /// produced; thinking is done before the first answer token, so it is all there from
    /// the start. Zero counts are left out, as Gemini does.
    fn usage_at(&self, answer: &Answer, candidates: u64) -> Value {
        let u = &answer.usage;
        u.assert_fits("Gemini", true, false, true);
        let mut m = json!({
            "promptTokenCount": u.input,
            "totalTokenCount": u.input + candidates + u.reasoning,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": u.input}],
        });
        if candidates > 0 {
            m["candidatesTokenCount"] = json!(candidates);
        }
        if u.cached > 0 {
            m["cachedContentTokenCount"] = json!(u.cached);
            m["cacheTokensDetails"] = json!([{"modality": "TEXT", "tokenCount": u.cached}]);
        }
        if u.reasoning > 0 {
            m["thoughtsTokenCount"] = json!(u.reasoning);
        }
        answer.patched(m)
    }

    fn model<'a>(&self, answer: &'a Answer, call: &'a Call) -> &'a str {
        answer.model.as_deref().unwrap_or(&call.model)
    }

    fn blocked_chunk(&self, answer: &Answer, call: &Call, reason: &str) -> Value {
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
            "usageMetadata": {"promptTokenCount": answer.usage.input, "totalTokenCount": answer.usage.input},
            "modelVersion": self.model(answer, call),
            "responseId": RESPONSE_ID,
        })
    }

    fn chunk(
        &self,
        answer: &Answer,
        call: &Call,
        parts: Vec<Value>,
        finish: Option<&str>,
        candidates: u64,
    ) -> Value {
        let mut candidate = json!({"content": {"parts": parts, "role": "model"}, "index": 0});
        if let Some(r) = finish {
            candidate["finishReason"] = json!(r);
        }
        json!({
            "candidates": [candidate],
            "usageMetadata": self.usage_at(answer, candidates),
            "modelVersion": self.model(answer, call),
            "responseId": RESPONSE_ID,
        })
    }

    fn event(data: &Value, text: Option<usize>) -> Event {
        Event {
            bytes: sse_event(None, &data.to_string(), SSE_SEP),
            text,
        }
    }
}

impl Wire for Gemini {
    fn name(&self) -> &'static str {
        "gemini"
    }

    /// - no `x-goog-api-key` → 403 PERMISSION_DENIED, a wrong one → 400 API_KEY_INVALID,
    ///   a key in another header → 401 UNAUTHENTICATED;
    /// - `:streamGenerateContent` without `alt=sse` → 400 (byok must ask for SSE);
    /// - a model not in [`Gemini::models`] (when set) → 404 NOT_FOUND;
    /// - a body without `contents[0].parts[0].text` → 400 INVALID_ARGUMENT.
    fn check(&self, req: &Request, expected: Option<&str>) -> Result<Call, Reply> {
        if let Some(refusal) = key_in_url(req, expected) {
            return Err(refusal);
        }
        match req.header("x-goog-api-key") {
            None | Some("") => return Err(Reply::json(403, no_key_body())),
            Some(k) if Some(k) != expected => return Err(Reply::json(400, bad_key_body())),
            Some(_) => {}
        }
        if foreign_credential(req, "x-goog-api-key").is_some() {
            return Err(Reply::json(
                401,
                error(
                    401,
                    "UNAUTHENTICATED",
                    "Request had invalid authentication credentials.",
                ),
            ));
        }
        let Some((model, method)) = chat_target(req) else {
            return Err(Reply::json(
                404,
                error(
                    404,
                    "NOT_FOUND",
                    &format!("fake gemini: no route {}", req.path),
                ),
            ));
        };
        if req.method != "POST" {
            return Err(Reply::json(
                405,
                error(405, "METHOD_NOT_ALLOWED", "fake gemini: chat is POST"),
            ));
        }
        if !self.models.is_empty() && !self.models.contains(&model) {
            return Err(Reply::json(404, not_found_body(&model, &method)));
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        if body
            .pointer("/contents/0/parts/0/text")
            .and_then(Value::as_str)
            .is_none()
        {
            return Err(Reply::json(
                400,
                error(
                    400,
                    "INVALID_ARGUMENT",
                    "* GenerateContentRequest.contents: contents is not specified\n",
                ),
            ));
        }
        let stream = match method.as_str() {
            "generateContent" => false,
            "streamGenerateContent" => true,
            other => {
                return Err(Reply::json(
                    400,
                    error(
                        400,
                        "INVALID_ARGUMENT",
                        &format!("fake gemini: unknown method {other}"),
                    ),
                ));
            }
        };
        if stream
            && !req
                .query()
                .is_some_and(|q| q.split('&').any(|p| p == "alt=sse"))
        {
            return Err(Reply::json(
                400,
                error(
                    400,
                    "INVALID_ARGUMENT",
                    "fake gemini: byok must ask for alt=sse (without it Gemini streams a JSON array)",
                ),
            ));
        }
        Ok(Call {
            model,
            stream,
            include_usage: true,
        })
    }

    /// One chunk per thought summary, one per text piece (the last carrying
    /// `finishReason` when `finished`), each with the usage so far.
    fn events(&self, answer: &Answer, call: &Call, finished: bool) -> Vec<Event> {
        if let Some(reason) = &self.blocked {
            return vec![Self::event(&self.blocked_chunk(answer, call, reason), None)];
        }
        let mut out: Vec<Event> = answer
            .thinking
            .iter()
            .map(|t| {
                let c = self.chunk(
                    answer,
                    call,
                    vec![json!({"text": t, "thought": true})],
                    None,
                    0,
                );
                Self::event(&c, None)
            })
            .collect();
        let finish = answer.finish.as_deref().unwrap_or("STOP");
        let finish = finished.then_some(finish);
        let candidates = answer.usage.output - answer.usage.reasoning;
        let n = answer.text.len().max(1) as u64;
        for (i, piece) in answer.text.iter().enumerate() {
            let last = i + 1 == answer.text.len();
            let so_far = candidates * (i as u64 + 1) / n;
            let mut part = json!({"text": piece});
            if last && !answer.thinking.is_empty() {
                part["thoughtSignature"] = json!("CiQB0e2Kb3xQ8uYw0mJp");
            }
            let c = self.chunk(
                answer,
                call,
                vec![part],
                if last { finish } else { None },
                so_far,
            );
            out.push(Self::event(&c, Some(i)));
        }
        if answer.text.is_empty()
            && let Some(r) = finish
        {
            let c = self.chunk(answer, call, Vec::new(), Some(r), candidates);
            out.push(Self::event(&c, None));
        }
        out
    }

    fn error_events(&self, failure: &Failure, _answer: &Answer, _call: &Call) -> Vec<Event> {
        let err = error_of(failure);
        if self.bare_errors {
            let mut bytes = serde_json::to_string_pretty(&err)
                .expect("error JSON")
                .into_bytes();
            bytes.push(b'\n');
            vec![Event::new(bytes)]
        } else {
            vec![Self::event(&err, None)]
        }
    }

    fn stream_reply(&self, pieces: Vec<Vec<u8>>) -> Reply {
        Reply::stream(200, "text/event-stream", pieces)
    }

    /// All parts (thoughts first) in one candidate.
    fn complete(&self, answer: &Answer, call: &Call) -> Reply {
        if let Some(reason) = &self.blocked {
            return Reply::json(200, self.blocked_chunk(answer, call, reason));
        }
        let mut parts: Vec<Value> = answer
            .thinking
            .iter()
            .map(|t| json!({"text": t, "thought": true}))
            .collect();
        parts.push(json!({"text": answer.full_text()}));
        let finish = answer.finish.as_deref().unwrap_or("STOP");
        let candidates = answer.usage.output - answer.usage.reasoning;
        Reply::json(
            200,
            self.chunk(answer, call, parts, Some(finish), candidates),
        )
    }

    fn error_reply(&self, failure: &Failure) -> Reply {
        error_reply(failure)
    }
}
