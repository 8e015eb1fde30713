//! Ollama's native `/api/chat` wire format (newline-delimited JSON, no key).

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::Provider;
use super::chat::{ChatRequest, ChatResult, StreamDecoder, Usage, UsageReader, not_understood};
use super::failure::{Failure, FailureClass};
use super::verify::{ModelList, read_models_bearer};
use super::wire::{Framing, WireFormat};

/// Ollama's native chat wire format.
pub struct Ollama;

impl WireFormat for Ollama {
    fn kind(&self) -> &'static str {
        "ollama"
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
        Framing::Ndjson
    }

    fn stream_decoder(&self) -> Box<dyn StreamDecoder + Send> {
        Box::<Decoder>::default()
    }

    fn parse_complete(&self, body: &Value) -> Result<ChatResult, Failure> {
        parse_complete(body)
    }

    fn error_object(&self, err: &Value) -> Failure {
        error_of(err)
    }

    fn models_path(&self) -> &'static str {
        MODELS.path
    }

    fn list_models<'a>(
        &'a self,
        client: &'a reqwest::Client,
        provider: &'a Provider,
        key: Option<&'a str>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Vec<String>, Failure>> {
        Box::pin(read_models_bearer(client, provider, &MODELS, key, timeout))
    }
}

/// `GET {base}/api/tags`: the locally pulled models, in one answer.
const MODELS: ModelList = ModelList {
    path: "/api/tags",
    list: "models",
    name: "name",
    paging: None,
};

/// `POST {base}/api/chat`. `stream` is always sent: Ollama streams unless told not to.
/// Ollama needs no key; one given anyway (Ollama behind an authenticating proxy) goes in
/// `Authorization: Bearer`.
fn chat_request(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    req: &ChatRequest,
) -> reqwest::RequestBuilder {
    let mut messages = Vec::new();
    if let Some(system) = &req.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    for (speaker, text) in req.turns() {
        messages.push(json!({"role": speaker.as_str(), "content": text}));
    }
    let mut body = json!({"model": req.model, "messages": messages, "stream": req.stream});
    let mut options = serde_json::Map::new();
    if let Some(n) = req.max_tokens {
        options.insert("num_predict".into(), json!(n));
    }
    if let Some(t) = req.temperature {
        options.insert("temperature".into(), json!(t));
    }
    if !req.stop.is_empty() {
        options.insert("stop".into(), json!(req.stop));
    }
    if !options.is_empty() {
        body["options"] = Value::Object(options);
    }
    let mut http = client.post(provider.url("/api/chat")).json(&body);
    if let Some(k) = key {
        http = crate::http::secret_header(http, "authorization", "Bearer ", k);
    }
    http
}

/// The counts of a `done: true` object: `prompt_eval_count` is left out when the whole
/// prompt came from the cache (0), so a missing count is 0. `None` when neither count is
/// there at all; `Err` when one cannot be true.
fn usage_of(v: &Value) -> Option<Result<Usage, String>> {
    let mut r = UsageReader::new(v);
    let prompt = r.count("/prompt_eval_count");
    let eval = r.count("/eval_count");
    if prompt.is_none() && eval.is_none() && r.impossible().is_none() {
        return None;
    }
    Some(r.finish(Usage {
        input_tokens: prompt.unwrap_or(0),
        output_tokens: eval.unwrap_or(0),
        ..Usage::default()
    }))
}

/// Ollama's error is a plain string: `{"error": "model \"x\" not found, try pulling it
/// first"}`.
fn error_of(err: &Value) -> Failure {
    let message = err
        .as_str()
        .or_else(|| err.get("message").and_then(Value::as_str))
        .unwrap_or("Ollama reported an error")
        .trim()
        .to_string();
    let lower = message.to_ascii_lowercase();
    let class = if lower.contains("model") && lower.contains("not found") {
        FailureClass::NotFound
    } else {
        FailureClass::Server
    };
    Failure::new(class, message)
}

fn error_in(v: &Value) -> Option<Failure> {
    v.get("error").filter(|e| !e.is_null()).map(error_of)
}

/// The answer of a `stream: false` call: one object with `message.content`, `done: true`
/// and the counts.
fn parse_complete(v: &Value) -> Result<ChatResult, Failure> {
    if let Some(f) = error_in(v) {
        return Err(f);
    }
    let message = v
        .get("message")
        .filter(|m| m.is_object())
        .ok_or_else(|| not_understood("the answer has no message".into()))?;
    let text = message
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let result = ChatResult {
        text,
        finish_reason: v
            .get("done_reason")
            .and_then(Value::as_str)
            .map(String::from),
        ..ChatResult::default()
    };
    Ok(result.with_usage(usage_of(v)))
}

/// Newline-delimited JSON: `message.content` pieces (`message.thinking` is never answer
/// text), then a `done: true` line with the counts; `{"error": "…"}` lines can come
/// mid-stream.
#[derive(Default)]
pub struct Decoder {
    usage: Option<Result<Usage, String>>,
    finish_reason: Option<String>,
    done: bool,
}

impl StreamDecoder for Decoder {
    fn event(&mut self, _event: &str, data: &str) -> Result<Vec<String>, Failure> {
        let data = data.trim();
        if data.is_empty() {
            return Ok(Vec::new());
        }
        let v: Value = serde_json::from_str(data)
            .map_err(|e| not_understood(format!("a stream line was not JSON ({e})")))?;
        if let Some(f) = error_in(&v) {
            return Err(f);
        }
        let mut deltas = Vec::new();
        if let Some(t) = v.pointer("/message/content").and_then(Value::as_str) {
            deltas.push(t.to_string());
        }
        if v.get("done").and_then(Value::as_bool) == Some(true) {
            self.done = true;
            self.usage = usage_of(&v);
            self.finish_reason = v
                .get("done_reason")
                .and_then(Value::as_str)
                .map(String::from)
                .or_else(|| Some("stop".into()));
        }
        Ok(deltas)
    }

    fn finished(&self) -> bool {
        self.done
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

    /// A thinking model: `thinking` pieces first, then the answer; the prompt was fully
    /// cached, so the done line has no `prompt_eval_count`.
    const THINKING_STREAM: &str = concat!(
        "{\"model\":\"qwen3:4b\",\"created_at\":\"2025-06-01T10:00:00.1Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"thinking\":\"Let me think\"},\"done\":false}\n",
        "{\"model\":\"qwen3:4b\",\"created_at\":\"2025-06-01T10:00:00.2Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"thinking\":\" about it.\"},\"done\":false}\n",
        "{\"model\":\"qwen3:4b\",\"created_at\":\"2025-06-01T10:00:00.3Z\",\"message\":{\"role\":\"assistant\",\"content\":\"Grüße\"},\"done\":false}\n",
        "{\"model\":\"qwen3:4b\",\"created_at\":\"2025-06-01T10:00:00.4Z\",\"message\":{\"role\":\"assistant\",\"content\":\", world 👋\"},\"done\":false}\n",
        "{\"model\":\"qwen3:4b\",\"created_at\":\"2025-06-01T10:00:00.5Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",",
        "\"total_duration\":4883583458,\"load_duration\":1334875,\"prompt_eval_duration\":0,\"eval_count\":290,\"eval_duration\":4709213000}\n"
    );

    /// A plain model with a prompt count.
    const PLAIN_STREAM: &str = concat!(
        "{\"model\":\"llama3.2:3b\",\"created_at\":\"2025-06-01T10:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"The sky\"},\"done\":false}\n",
        "{\"model\":\"llama3.2:3b\",\"created_at\":\"2025-06-01T10:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\" is blue.\"},\"done\":false}\n",
        "{\"model\":\"llama3.2:3b\",\"created_at\":\"2025-06-01T10:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"total_duration\":10706818083,\"load_duration\":6338219291,\"prompt_eval_count\":26,\"prompt_eval_duration\":130079000,\"eval_count\":259,\"eval_duration\":4232710000}"
    );

    /// The answer of `body` sent in one piece.
    fn whole(body: &str) -> ChatResult {
        decode_pieces(vec![body.as_bytes().to_vec()], Decoder::default(), true)
            .unwrap_or_else(|f| panic!("{}", f.failure.message))
    }

    /// The failure of `body` sent in one piece.
    fn failed(body: &str) -> crate::providers::chat::ChatFailure {
        match decode_pieces(vec![body.as_bytes().to_vec()], Decoder::default(), true) {
            Ok(r) => panic!("expected a failure, got {:?}", r.text),
            Err(f) => f,
        }
    }

    #[test]
    fn thinking_is_not_text_and_a_missing_prompt_count_is_zero() {
        let r = whole(THINKING_STREAM);
        assert_eq!(r.text, "Grüße, world 👋");
        assert_eq!(
            r.usage,
            Usage {
                input_tokens: 0,
                output_tokens: 290,
                ..Usage::default()
            }
        );
        assert!(r.usage_reported);
        assert_eq!(r.finish_reason.as_deref(), Some("stop"));
        assert_eq!(r.provider_cost_usd, None);
    }

    #[test]
    fn a_last_line_without_newline_counts() {
        let r = whole(PLAIN_STREAM);
        assert_eq!(r.text, "The sky is blue.");
        assert_eq!(r.usage.input_tokens, 26);
        assert_eq!(r.usage.output_tokens, 259);
        assert_eq!(r.usage.input_tokens + r.usage.output_tokens, 285);
    }

    #[test]
    fn nothing_after_the_done_line_is_read() {
        let body = format!("{PLAIN_STREAM}\n{{\"message\":{{\"content\":\"junk\"}}}}\nnot json\n");
        let r = whole(&body);
        assert_eq!(r.text, "The sky is blue.");
    }

    #[test]
    fn complete_answer_parses() {
        let v = json!({
            "model": "llama3.2:3b",
            "created_at": "2025-06-01T10:00:00Z",
            "message": {"role": "assistant", "content": "The sky is blue.", "thinking": "hmm"},
            "done": true,
            "done_reason": "stop",
            "total_duration": 4883583458u64,
            "prompt_eval_count": 26,
            "eval_count": 290
        });
        let r = parse_complete(&v).unwrap();
        assert_eq!(r.text, "The sky is blue.");
        assert_eq!(r.usage.input_tokens, 26);
        assert_eq!(r.usage.output_tokens, 290);
        assert!(r.usage_reported);
        assert_eq!(r.finish_reason.as_deref(), Some("stop"));

        let cached = json!({"model": "m", "message": {"role": "assistant", "content": "x"}, "done": true, "eval_count": 3});
        let r = parse_complete(&cached).unwrap();
        assert_eq!((r.usage.input_tokens, r.usage.output_tokens), (0, 3));
    }

    #[test]
    fn complete_error_is_a_failure() {
        let f =
            parse_complete(&json!({"error": "model \"llama9\" not found, try pulling it first"}))
                .unwrap_err();
        assert_eq!(f.class, FailureClass::NotFound);
        assert!(f.message.contains("llama9"));
        let f = parse_complete(&json!({"error": "out of memory"})).unwrap_err();
        assert_eq!(f.class, FailureClass::Server);
        assert_eq!(f.message, "out of memory");
        let f = parse_complete(&json!({"done": true})).unwrap_err();
        assert_eq!(f.class, FailureClass::BadRequest);
    }

    #[test]
    fn an_error_line_mid_stream_keeps_the_partial_text() {
        let body = concat!(
            "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"Once upon\"},\"done\":false}\n",
            "{\"error\":\"an error was encountered while running the model: unexpected EOF\"}\n"
        );
        let f = failed(body);
        assert_eq!(f.failure.class, FailureClass::Server);
        assert_eq!(
            f.failure.message,
            "an error was encountered while running the model: unexpected EOF"
        );
        assert_eq!(f.partial.text, "Once upon");
        assert!(!f.partial.usage_reported);
    }

    #[test]
    fn impossible_counts_leave_the_usage_unknown_with_a_warning() {
        for bad in ["-5", "1.5", "\"12\"", "1e30", "18446744073709551615"] {
            let body = PLAIN_STREAM.replace("\"eval_count\":259", &format!("\"eval_count\":{bad}"));
            assert_ne!(body, PLAIN_STREAM);
            let r = whole(&body);
            assert_eq!(r.text, "The sky is blue.");
            assert!(!r.usage_reported && r.usage_impossible, "{bad}");
            assert_eq!(r.usage, Usage::default());
            assert!(
                r.warnings[0].contains("impossible usage"),
                "{:?}",
                r.warnings
            );
            let v: Value = serde_json::from_str(&format!(
                "{{\"message\":{{\"content\":\"x\"}},\"done\":true,\"prompt_eval_count\":{bad}}}"
            ))
            .unwrap();
            assert!(parse_complete(&v).unwrap().usage_impossible, "{bad}");
        }
    }

    #[test]
    fn a_body_ending_without_done_is_cut() {
        let cut = &PLAIN_STREAM[..PLAIN_STREAM.find("{\"model\":\"llama3.2:3b\",\"created_at\":\"2025-06-01T10:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"}").unwrap()];
        let f = failed(cut);
        assert_eq!(f.failure.class, FailureClass::StreamCut);
        assert_eq!(f.partial.text, "The sky is blue.");
        // Half a line at the end: the driver hands it over as a last line, which is not
        // JSON. Still a provider failure (exit 6), text kept.
        let f = failed(&PLAIN_STREAM[..PLAIN_STREAM.len() - 10]);
        assert_eq!(
            f.failure.class.exit_code(),
            crate::error::exit::PROVIDER_FAILED
        );
        assert_eq!(f.partial.text, "The sky is blue.");
    }

    #[test]
    fn the_request_always_says_whether_to_stream() {
        let client = crate::http::client(&crate::http::Timeouts::from_env());
        let provider = Provider {
            spec: crate::providers::spec("ollama").unwrap(),
            base_url: "http://127.0.0.1:11434".into(),
            base_url_from_user: true,
        };
        let mut req = ChatRequest {
            model: "llama3.2:3b".into(),
            system: None,
            prompt: "hi".into(),
            max_tokens: None,
            temperature: None,
            stream: false,
            ..Default::default()
        };
        let built = chat_request(&client, &provider, None, &req)
            .build()
            .unwrap();
        assert_eq!(built.url().as_str(), "http://127.0.0.1:11434/api/chat");
        assert!(built.headers().get("authorization").is_none());
        let body: Value =
            serde_json::from_slice(built.body().unwrap().as_bytes().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"model": "llama3.2:3b", "messages": [{"role": "user", "content": "hi"}], "stream": false})
        );

        req.stream = true;
        req.system = Some("be brief".into());
        req.max_tokens = Some(64);
        req.temperature = Some(0.7);
        let built = chat_request(&client, &provider, Some("proxy-token"), &req)
            .build()
            .unwrap();
        assert_eq!(
            built.headers().get("authorization").unwrap(),
            "Bearer proxy-token"
        );
        let body: Value =
            serde_json::from_slice(built.body().unwrap().as_bytes().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({
                "model": "llama3.2:3b",
                "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
                "stream": true,
                "options": {"num_predict": 64, "temperature": 0.7}
            })
        );
    }

    #[test]
    fn a_conversation_and_stop_sequences_are_sent_as_messages_and_options() {
        let client = crate::http::client(&crate::http::Timeouts::from_env());
        let provider = Provider {
            spec: crate::providers::spec("ollama").unwrap(),
            base_url: "http://127.0.0.1:11434".into(),
            base_url_from_user: true,
        };
        let req = ChatRequest {
            model: "llama3.2:3b".into(),
            history: vec![
                crate::providers::chat::Turn {
                    speaker: crate::providers::chat::Speaker::User,
                    text: "hi".into(),
                },
                crate::providers::chat::Turn {
                    speaker: crate::providers::chat::Speaker::Assistant,
                    text: "hello".into(),
                },
            ],
            prompt: "how are you?".into(),
            stop: vec!["END".into()],
            ..Default::default()
        };
        let built = chat_request(&client, &provider, None, &req)
            .build()
            .unwrap();
        let body: Value =
            serde_json::from_slice(built.body().unwrap().as_bytes().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({
                "model": "llama3.2:3b",
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "hello"},
                    {"role": "user", "content": "how are you?"},
                ],
                "stream": false,
                "options": {"stop": ["END"]}
            })
        );
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_answer(cuts in proptest::collection::vec(0usize..2000, 0..40)) {
            // PLAIN_STREAM's last line has no trailing newline.
            for body in [THINKING_STREAM, PLAIN_STREAM] {
                let whole = whole(body);
                let split = decode_pieces(split_at(body.as_bytes(), &cuts), Decoder::default(), true).unwrap();
                prop_assert_eq!(&whole.text, &split.text);
                prop_assert_eq!(whole.usage, split.usage);
                prop_assert_eq!(whole.finish_reason, split.finish_reason);
            }
        }
    }
}
