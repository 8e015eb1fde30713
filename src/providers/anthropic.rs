//! The Anthropic messages wire format. What an answer says is read in `answer`, a
//! streamed one in `stream`.

mod answer;
mod stream;

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::Provider;
use super::chat::{ChatRequest, ChatResult, StreamDecoder};
use super::failure::Failure;
use super::verify::{ModelList, Paging, read_models};
use super::wire::{Framing, WireFormat};
use answer::{error_event, parse_complete};
pub use stream::Decoder;

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

    fn chat_post(
        &self,
        client: &reqwest::Client,
        provider: &Provider,
        key: Option<&str>,
    ) -> Option<reqwest::RequestBuilder> {
        Some(chat_post(client, provider, key))
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
        MODELS.path
    }

    fn list_models<'a>(
        &'a self,
        client: &'a reqwest::Client,
        provider: &'a Provider,
        key: Option<&'a str>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Vec<String>, Failure>> {
        Box::pin(list_models(client, provider, key, timeout))
    }
}

/// The model list: `GET {base}/v1/models`, following `has_more` / `last_id` pages.
const MODELS: ModelList = ModelList {
    path: "/v1/models",
    list: "data",
    name: "id",
    paging: Some(Paging {
        size: ("limit", "1000"),
        cursor: "after_id",
        next: |page| {
            let more = page.get("has_more").and_then(Value::as_bool) == Some(true);
            page.get("last_id")
                .and_then(Value::as_str)
                .filter(|_| more)
                .map(String::from)
        },
    }),
};

/// Every page of [`MODELS`], with the key in `x-api-key`.
async fn list_models(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    timeout: Duration,
) -> Result<Vec<String>, Failure> {
    let secrets: Vec<&str> = key.into_iter().collect();
    let headers = [
        ("x-api-key", key.unwrap_or("")),
        ("anthropic-version", API_VERSION),
    ];
    read_models(client, provider, &MODELS, &headers, timeout, &secrets).await
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
        "messages": req
            .turns()
            .map(|(speaker, text)| json!({"role": speaker.as_str(), "content": text}))
            .collect::<Vec<_>>(),
    });
    if !req.stop.is_empty() {
        body["stop_sequences"] = json!(req.stop);
    }
    if let Some(system) = &req.system {
        body["system"] = json!(system);
    }
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    if req.stream {
        body["stream"] = json!(true);
    }
    chat_post(client, provider, key).json(&body)
}

/// `POST {base}/v1/messages` with the key and `anthropic-version`.
fn chat_post(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut http = client
        .post(provider.url("/v1/messages"))
        .header("anthropic-version", API_VERSION);
    if let Some(k) = key {
        http = crate::http::secret_header(http, "x-api-key", "", k);
    }
    http
}

#[cfg(test)]
mod tests {
    use super::*;

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
            ..Default::default()
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
}
