//! The Gemini generateContent wire format. The key travels in `x-goog-api-key`, never
//! in the URL, where it would end up in logs.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::Provider;
use super::chat::{
    ChatRequest, ChatResult, StreamDecoder, Usage, UsageReader, not_understood, replace_usage,
};
use super::failure::{Failure, FailureClass};
use super::verify::{Pages, Probe, count_pages};
use super::wire::{Framing, WireFormat};

/// The Gemini generateContent wire format.
pub struct Gemini;

impl WireFormat for Gemini {
    fn kind(&self) -> &'static str {
        "gemini"
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
        error_failure(err)
    }

    fn models_path(&self) -> &'static str {
        "/models"
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

/// The free probe: `GET {base}/models`, following `nextPageToken`.
async fn probe(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    timeout: Duration,
) -> Result<Probe, Failure> {
    let key = key.unwrap_or("");
    let pages = Pages {
        path: provider.spec.probe_path,
        size: ("pageSize", "1000"),
        list: "models",
        cursor: "pageToken",
        next: |page| {
            page.get("nextPageToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(String::from)
        },
    };
    let models = count_pages(
        client,
        provider,
        &pages,
        &[("x-goog-api-key", key)],
        timeout,
        key,
    )
    .await?;
    Ok(Probe {
        models: Some(models),
    })
}

// --- chat ---

/// Finish reasons that mean the answer itself was withheld.
const BLOCKED_FINISH: &[&str] = &[
    "SAFETY",
    "RECITATION",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "IMAGE_SAFETY",
];

/// `POST {base}/models/{model}:generateContent`, or `:streamGenerateContent?alt=sse`
/// when streaming (without `alt=sse` Gemini streams one JSON array, not SSE). The key
/// goes in `x-goog-api-key` only.
fn chat_request(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    req: &ChatRequest,
) -> reqwest::RequestBuilder {
    let method = if req.stream {
        "streamGenerateContent"
    } else {
        "generateContent"
    };
    let mut http = client
        .post(chat_url(provider, &req.model, method, req.stream))
        .json(&request_body(req));
    if let Some(k) = key {
        http = crate::http::secret_header(http, "x-goog-api-key", "", k);
    }
    http
}

/// `{base}/models/{model}:{method}`. The model may be given with its `models/` prefix (as
/// the model list names it) or without; tuned models (`tunedModels/…`) keep their own
/// collection. Each path segment is percent-encoded, so an odd model name cannot
/// change the path or smuggle in a query.
fn chat_url(provider: &Provider, model: &str, method: &str, stream: bool) -> String {
    let model = model.trim().trim_start_matches('/');
    let model = model.strip_prefix("models/").unwrap_or(model);
    let path = if model.starts_with("tunedModels/") {
        model.to_string()
    } else {
        format!("models/{model}")
    };
    let (collection_path, last) = path.rsplit_once('/').unwrap_or(("models", &path));
    let fallback = || {
        let q = if stream { "?alt=sse" } else { "" };
        provider.url(&format!("/{path}:{method}{q}"))
    };
    let Ok(mut url) = reqwest::Url::parse(&provider.url("")) else {
        return fallback();
    };
    match url.path_segments_mut() {
        Ok(mut segments) => {
            segments.pop_if_empty();
            for seg in collection_path.split('/') {
                segments.push(seg);
            }
            segments.push(&format!("{last}:{method}"));
        }
        Err(()) => return fallback(),
    }
    if stream {
        url.query_pairs_mut().append_pair("alt", "sse");
    }
    url.to_string()
}

fn request_body(req: &ChatRequest) -> Value {
    let mut body = json!({
        "contents": [{"role": "user", "parts": [{"text": req.prompt}]}],
    });
    if let Some(system) = &req.system {
        body["systemInstruction"] = json!({"parts": [{"text": system}]});
    }
    let mut config = serde_json::Map::new();
    if let Some(n) = req.max_tokens {
        config.insert("maxOutputTokens".into(), json!(n));
    }
    if let Some(t) = req.temperature {
        config.insert("temperature".into(), json!(t));
    }
    if !config.is_empty() {
        body["generationConfig"] = Value::Object(config);
    }
    body
}

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
fn answer_text(v: &Value) -> Option<String> {
    let parts = v.pointer("/candidates/0/content/parts")?.as_array()?;
    let text: String = parts
        .iter()
        .filter(|p| !p.get("thought").and_then(Value::as_bool).unwrap_or(false))
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .collect();
    Some(text)
}

fn finish_reason(v: &Value) -> Option<String> {
    v.pointer("/candidates/0/finishReason")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .map(String::from)
}

/// A prompt refused before any answer: `promptFeedback.blockReason` and no candidates.
fn prompt_blocked(v: &Value) -> Option<Failure> {
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
fn answer_blocked(reason: &str) -> Failure {
    Failure::new(
        FailureClass::BadRequest,
        format!("Gemini withheld the answer (finishReason {reason})"),
    )
}

/// An `error` object in a 200 answer or a stream chunk, shaped like Gemini's HTTP error
/// bodies: `{code: 503, message, status: "UNAVAILABLE", details: [{reason}]}`.
fn error_failure(err: &Value) -> Failure {
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
fn error_in(v: &Value) -> Option<&Value> {
    let single = match v.as_array().map(Vec::as_slice) {
        Some([one]) => one,
        _ => v,
    };
    single.get("error").filter(|e| !e.is_null())
}

fn parse_complete(v: &Value) -> Result<ChatResult, Failure> {
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

/// Gemini streams (`alt=sse`): every event is a whole `GenerateContentResponse` chunk
/// whose usage is cumulative (the last one counts, never a sum); there is no end
/// marker, so the stream is whole once a chunk has carried a `finishReason`. An error
/// can come as a chunk of its own, or written bare (pretty-printed JSON without `data:`)
/// into the stream; either fails the call.
#[derive(Default)]
pub struct Decoder {
    usage: Option<Result<Usage, String>>,
    finish_reason: Option<String>,
    any_text: bool,
}

impl StreamDecoder for Decoder {
    fn event(&mut self, _event: &str, data: &str) -> Result<Vec<String>, Failure> {
        let data = data.trim();
        if data.is_empty() {
            return Ok(Vec::new());
        }
        let v: Value = serde_json::from_str(data)
            .map_err(|e| not_understood(format!("a stream event was not JSON ({e})")))?;
        if let Some(err) = error_in(&v) {
            return Err(error_failure(err));
        }
        if let Some(u) = v.get("usageMetadata").filter(|u| u.is_object()) {
            replace_usage(&mut self.usage, usage_of(u));
        }
        if !self.any_text
            && let Some(blocked) = prompt_blocked(&v)
        {
            return Err(blocked);
        }
        let text = answer_text(&v).unwrap_or_default();
        self.any_text |= !text.is_empty();
        if let Some(r) = finish_reason(&v) {
            if !self.any_text && BLOCKED_FINISH.contains(&r.as_str()) {
                return Err(answer_blocked(&r));
            }
            self.finish_reason = Some(r);
        }
        Ok(if text.is_empty() {
            Vec::new()
        } else {
            vec![text]
        })
    }

    /// Gemini never says the stream is over; the body just ends.
    fn finished(&self) -> bool {
        false
    }

    fn complete(&self) -> bool {
        self.finish_reason.is_some()
    }

    fn result(&self) -> ChatResult {
        ChatResult {
            finish_reason: self.finish_reason.clone(),
            ..ChatResult::default()
        }
        .with_usage(self.usage.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::chat::{decode_pieces, split_at};
    use proptest::prelude::*;

    /// A thinking model with `includeThoughts`: thought summaries first, then the answer;
    /// every chunk carries the usage so far; CRLF line endings; no end marker.
    const STREAM: &str = concat!(
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"**Adding numbers**\\n\\nThe user asks for 2+2.\",\"thought\": true}],\"role\": \"model\"},\"index\": 0}],",
        "\"usageMetadata\": {\"promptTokenCount\": 1210,\"totalTokenCount\": 1262,\"cachedContentTokenCount\": 1024,",
        "\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 1210}],\"cacheTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 1024}],\"thoughtsTokenCount\": 52},",
        "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mK1aaPqYB4\"}\r\n\r\n",
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"2 + 2\"}],\"role\": \"model\"},\"index\": 0}],",
        "\"usageMetadata\": {\"promptTokenCount\": 1210,\"candidatesTokenCount\": 3,\"totalTokenCount\": 1265,\"cachedContentTokenCount\": 1024,\"thoughtsTokenCount\": 52},",
        "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mK1aaPqYB4\"}\r\n\r\n",
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Checking once more.\",\"thought\": true},{\"text\": \" = **4**, naïvely ✓\",\"thoughtSignature\": \"CiQB0e2Kb3\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],",
        "\"usageMetadata\": {\"promptTokenCount\": 1210,\"candidatesTokenCount\": 11,\"totalTokenCount\": 1273,\"cachedContentTokenCount\": 1024,",
        "\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 1210}],\"thoughtsTokenCount\": 52},",
        "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mK1aaPqYB4\"}\r\n\r\n"
    );

    const EXPECTED_USAGE: Usage = Usage {
        input_tokens: 1210,
        output_tokens: 63,
        cached_input_tokens: 1024,
        cache_write_tokens: 0,
        reasoning_tokens: 52,
        cache_write_1h_tokens: 0,
    };

    fn decode(body: &str) -> Result<ChatResult, Box<crate::providers::chat::ChatFailure>> {
        decode_pieces(vec![body.as_bytes().to_vec()], Decoder::default(), false).map_err(Box::new)
    }

    fn provider(base: &str) -> Provider {
        Provider {
            spec: crate::providers::spec("gemini").unwrap(),
            base_url: base.to_string(),
            base_url_from_user: true,
        }
    }

    fn request(model: &str, stream: bool) -> ChatRequest {
        ChatRequest {
            model: model.to_string(),
            system: None,
            prompt: "2+2?".to_string(),
            max_tokens: None,
            temperature: None,
            stream,
        }
    }

    fn built(provider: &Provider, key: Option<&str>, req: &ChatRequest) -> reqwest::Request {
        chat_request(
            &crate::http::client(&crate::http::Timeouts::from_env()),
            provider,
            key,
            req,
        )
        .build()
        .unwrap()
    }

    fn body_of(r: &reqwest::Request) -> Value {
        serde_json::from_slice(r.body().unwrap().as_bytes().unwrap()).unwrap()
    }

    #[test]
    fn stream_text_skips_thoughts_and_usage_is_the_last_chunks() {
        let r = decode(STREAM).unwrap();
        assert_eq!(r.text, "2 + 2 = **4**, naïvely ✓");
        assert_eq!(r.usage, EXPECTED_USAGE);
        assert!(r.usage_reported);
        assert_eq!(r.finish_reason.as_deref(), Some("STOP"));
        assert_eq!(r.provider_cost_usd, None);
    }

    #[test]
    fn decoder_never_says_finished_but_is_complete_after_finish_reason() {
        let mut d = Decoder::default();
        let events: Vec<&str> = STREAM
            .split("\r\n\r\n")
            .filter(|e| !e.is_empty())
            .map(|e| e.strip_prefix("data: ").unwrap())
            .collect();
        assert_eq!(events.len(), 3);
        assert_eq!(d.event("", events[0]).unwrap(), Vec::<String>::new());
        assert!(!d.finished() && !d.complete());
        assert_eq!(d.event("", events[1]).unwrap(), vec!["2 + 2"]);
        assert!(!d.finished() && !d.complete());
        assert_eq!(d.event("", events[2]).unwrap(), vec![" = **4**, naïvely ✓"]);
        assert!(!d.finished(), "Gemini has no end marker");
        assert!(d.complete());
    }

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
    fn a_blocked_prompt_is_a_bad_request_saying_why() {
        let v = json!({
            "promptFeedback": {
                "blockReason": "SAFETY",
                "safetyRatings": [
                    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": true},
                    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}
                ]
            },
            "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12},
            "modelVersion": "gemini-2.5-flash"
        });
        let f = parse_complete(&v).unwrap_err();
        assert_eq!(f.class, FailureClass::BadRequest);
        assert!(f.message.contains("blocked"), "{}", f.message);
        assert!(f.message.contains("SAFETY"), "{}", f.message);
        assert!(
            f.message.contains("HARM_CATEGORY_DANGEROUS_CONTENT"),
            "{}",
            f.message
        );
        assert!(!f.message.contains("HARASSMENT"), "{}", f.message);

        // The same refusal as the only chunk of a stream.
        let body = format!("data: {v}\r\n\r\n");
        let f = decode(&body).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::BadRequest);
        assert!(f.failure.message.contains("SAFETY"));
        assert_eq!(f.partial.usage.input_tokens, 12);
    }

    #[test]
    fn a_withheld_answer_is_a_failure_not_an_empty_success() {
        let v = json!({"candidates": [{"finishReason": "SAFETY", "index": 0}],
            "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8}});
        let f = parse_complete(&v).unwrap_err();
        assert_eq!(f.class, FailureClass::BadRequest);
        assert!(f.message.contains("SAFETY"));
        let f = decode(&format!("data: {v}\r\n\r\n")).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::BadRequest);
        // Text already given stays an answer (cut short, but not refused).
        let partial = concat!(
            "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Once upon\"}]}}]}\r\n\r\n",
            "data: {\"candidates\": [{\"finishReason\": \"RECITATION\"}]}\r\n\r\n"
        );
        let r = decode(partial).unwrap();
        assert_eq!(r.text, "Once upon");
        assert_eq!(r.finish_reason.as_deref(), Some("RECITATION"));
    }

    #[test]
    fn an_error_object_in_a_complete_answer_is_a_failure() {
        let v = json!({"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}});
        let f = parse_complete(&v).unwrap_err();
        assert_eq!(f.class, FailureClass::RateLimited);
        assert!(f.message.contains("exhausted"));
        assert!(parse_complete(&json!({"modelVersion": "x"})).is_err());
    }

    #[test]
    fn an_error_chunk_mid_stream_keeps_the_text_and_has_its_class() {
        let first = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"The answer\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 7,\"candidatesTokenCount\": 2,\"totalTokenCount\": 9}}\r\n\r\n";
        let cases = [
            (
                json!({"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}),
                FailureClass::Overloaded,
            ),
            (
                json!({"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}),
                FailureClass::RateLimited,
            ),
            (
                json!({"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}),
                FailureClass::Server,
            ),
            (
                json!({"code": 400, "message": "Request contains an invalid argument.", "status": "INVALID_ARGUMENT"}),
                FailureClass::BadRequest,
            ),
            (
                json!({"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT",
                    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]}),
                FailureClass::KeyRejected,
            ),
            (
                json!({"code": 504, "message": "Deadline expired before operation could complete.", "status": "DEADLINE_EXCEEDED"}),
                FailureClass::Server,
            ),
        ];
        for (err, class) in cases {
            let body = format!("{first}data: {}\r\n\r\n", json!({ "error": err }));
            let f = decode(&body).unwrap_err();
            assert_eq!(f.failure.class, class, "{err}");
            assert_eq!(f.failure.status, err["code"].as_u64().map(|c| c as u16));
            assert_eq!(f.failure.message, err["message"].as_str().unwrap());
            assert_eq!(f.partial.text, "The answer");
            assert_eq!(f.partial.usage.input_tokens, 7);
        }
    }

    /// Gemini's mid-stream failure: the error object written bare into the stream,
    /// pretty-printed, with no `data:` (here after the answer had finished).
    const BARE_ERROR: &str = "{\n  \"error\": {\n    \"code\": 503,\n    \"message\": \"The model is overloaded. Please try again later.\",\n    \"status\": \"UNAVAILABLE\"\n  }\n}\n";

    #[test]
    fn a_bare_error_object_mid_stream_is_a_failure_keeping_the_text() {
        for at in [
            STREAM
                .find("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Checking")
                .unwrap(),
            STREAM.len(),
        ] {
            let body = format!("{}{BARE_ERROR}", &STREAM[..at]);
            let f = decode(&body).unwrap_err();
            assert_eq!(f.failure.class, FailureClass::Overloaded, "{at}");
            assert_eq!(
                f.failure.message,
                "The model is overloaded. Please try again later."
            );
            assert_eq!(f.failure.status, Some(503));
            assert!(f.partial.text.starts_with("2 + 2"));
        }
        // The same written as a list, and without its last newline.
        let listed = format!("{STREAM}[{}]", BARE_ERROR.trim_end());
        assert_eq!(
            decode(&listed).unwrap_err().failure.class,
            FailureClass::Overloaded
        );
        // Cut before the object closes: a cut, never a success.
        let half = &BARE_ERROR[..BARE_ERROR.find("\"status\"").unwrap()];
        let body = format!(
            "{}{half}",
            &STREAM[..STREAM
                .find("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Checking")
                .unwrap()]
        );
        assert_eq!(
            decode(&body).unwrap_err().failure.class,
            FailureClass::StreamCut
        );
    }

    #[test]
    fn impossible_counts_leave_the_usage_unknown_with_a_warning() {
        for bad in ["-5", "1.5", "\"12\"", "1e30", "18446744073709551615"] {
            let body = STREAM.replace(
                "\"candidatesTokenCount\": 11",
                &format!("\"candidatesTokenCount\": {bad}"),
            );
            assert_ne!(body, STREAM);
            let r = decode(&body).unwrap();
            assert_eq!(r.text, "2 + 2 = **4**, naïvely ✓");
            assert!(!r.usage_reported && r.usage_impossible, "{bad}");
            assert_eq!(r.usage, Usage::default());
            assert!(
                r.warnings[0].contains("impossible usage"),
                "{:?}",
                r.warnings
            );
        }
        // Each count possible, the output (answer + thinking) not.
        let v = json!({"candidates": [{"content": {"parts": [{"text": "hi"}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 600_000_000, "thoughtsTokenCount": 600_000_000}});
        let r = parse_complete(&v).unwrap();
        assert!(r.usage_impossible);
    }

    #[test]
    fn a_stream_that_ends_without_a_finish_reason_was_cut() {
        let cut = &STREAM[..STREAM
            .find("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Checking")
            .unwrap()];
        let f = decode(cut).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::StreamCut);
        assert_eq!(f.partial.text, "2 + 2");
        assert_eq!(f.partial.usage.output_tokens, 55);
        assert!(f.partial.finish_reason.is_none());
        // Cut in the middle of the last event: its half line never counts.
        let mid = &STREAM[..STREAM.len() - 40];
        let f = decode(mid).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::StreamCut);
        assert_eq!(f.partial.text, "2 + 2");
        // An empty body is cut too.
        assert_eq!(
            decode("").unwrap_err().failure.class,
            FailureClass::StreamCut
        );
    }

    #[test]
    fn urls_key_header_and_body() {
        let p = provider("https://generativelanguage.googleapis.com/v1beta");
        let mut req = request("gemini-2.5-flash", false);
        let r = built(&p, Some("AIzaSy-secret"), &req);
        assert_eq!(r.method(), reqwest::Method::POST);
        assert_eq!(
            r.url().as_str(),
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
        );
        assert_eq!(r.headers()["x-goog-api-key"], "AIzaSy-secret");
        assert!(r.headers().get("authorization").is_none());
        assert!(!r.url().as_str().contains("secret"));
        assert_eq!(
            body_of(&r),
            json!({"contents": [{"role": "user", "parts": [{"text": "2+2?"}]}]}),
            "no systemInstruction or generationConfig when none is asked for"
        );

        req.stream = true;
        req.model = "models/gemini-2.5-flash".into();
        req.system = Some("Answer tersely.".into());
        req.max_tokens = Some(256);
        req.temperature = Some(0.7);
        let r = built(&provider("http://127.0.0.1:9/"), Some("k"), &req);
        assert_eq!(
            r.url().as_str(),
            "http://127.0.0.1:9/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
        );
        assert_eq!(
            body_of(&r),
            json!({
                "contents": [{"role": "user", "parts": [{"text": "2+2?"}]}],
                "systemInstruction": {"parts": [{"text": "Answer tersely."}]},
                "generationConfig": {"maxOutputTokens": 256, "temperature": 0.7}
            })
        );

        req.max_tokens = None;
        let r = built(&provider("http://127.0.0.1:9/proxy/v1beta"), None, &req);
        assert!(r.headers().get("x-goog-api-key").is_none());
        assert_eq!(body_of(&r)["generationConfig"], json!({"temperature": 0.7}));
        assert_eq!(
            r.url().path(),
            "/proxy/v1beta/models/gemini-2.5-flash:streamGenerateContent"
        );

        let tuned = built(&p, None, &request("tunedModels/my-model-7", false));
        assert_eq!(
            tuned.url().path(),
            "/v1beta/tunedModels/my-model-7:generateContent"
        );
        let odd = built(&p, None, &request("gemini?key=x#y", false));
        assert!(odd.url().query().is_none(), "{}", odd.url());
        assert!(odd.url().fragment().is_none(), "{}", odd.url());
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_answer(cuts in proptest::collection::vec(0usize..2000, 0..40)) {
            // Also a body whose last event has no blank line after it.
            for body in [STREAM, STREAM.trim_end()] {
                let whole = decode(body).unwrap();
                let split = decode_pieces(split_at(body.as_bytes(), &cuts), Decoder::default(), false).unwrap();
                prop_assert_eq!(&whole.text, &split.text);
                prop_assert_eq!(whole.usage, split.usage);
                prop_assert_eq!(split.usage, EXPECTED_USAGE);
                prop_assert_eq!(whole.finish_reason, split.finish_reason);
            }
        }

        /// A bare error after the answer fails the same way, however the body is split.
        #[test]
        fn any_split_of_a_bare_error_fails_the_same(cuts in proptest::collection::vec(0usize..2200, 0..40)) {
            let body = format!("{STREAM}{BARE_ERROR}");
            let f = decode_pieces(split_at(body.as_bytes(), &cuts), Decoder::default(), false).unwrap_err();
            prop_assert_eq!(f.failure.class, FailureClass::Overloaded);
            prop_assert_eq!(f.partial.text, "2 + 2 = **4**, naïvely ✓");
        }

        /// Every split right after a `\r` (between the `\r` and the `\n` of a CRLF),
        /// together with a few random cuts.
        #[test]
        fn splits_inside_crlf_give_the_same_answer(
            picks in proptest::collection::vec(any::<proptest::sample::Index>(), 1..12),
            extra in proptest::collection::vec(0usize..2000, 0..8),
        ) {
            let crs: Vec<usize> = STREAM.bytes().enumerate().filter(|(_, b)| *b == b'\r').map(|(i, _)| i + 1).collect();
            let mut cuts: Vec<usize> = picks.iter().map(|p| crs[p.index(crs.len())]).collect();
            cuts.extend(extra);
            let split = decode_pieces(split_at(STREAM.as_bytes(), &cuts), Decoder::default(), false).unwrap();
            prop_assert_eq!(split.text, "2 + 2 = **4**, naïvely ✓");
            prop_assert_eq!(split.usage, EXPECTED_USAGE);
        }
    }

    #[test]
    fn every_crlf_split_at_once() {
        let cuts: Vec<usize> = STREAM
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\r')
            .map(|(i, _)| i + 1)
            .collect();
        let r = decode_pieces(
            split_at(STREAM.as_bytes(), &cuts),
            Decoder::default(),
            false,
        )
        .unwrap();
        assert_eq!(r.text, "2 + 2 = **4**, naïvely ✓");
        assert_eq!(r.usage, EXPECTED_USAGE);
        // And one byte at a time.
        let bytes: Vec<Vec<u8>> = STREAM.bytes().map(|b| vec![b]).collect();
        let r = decode_pieces(bytes, Decoder::default(), false).unwrap();
        assert_eq!(r.text, "2 + 2 = **4**, naïvely ✓");
        assert_eq!(r.usage, EXPECTED_USAGE);
    }
}
