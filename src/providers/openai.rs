//! The OpenAI chat-completions wire format, spoken by OpenAI, Mistral, OpenRouter, Groq,
//! DeepSeek, xAI, Together and the local OpenAI-compatible servers. What an answer says
//! is read in `answer`, a streamed one in `stream`.

mod answer;
mod stream;

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::Provider;
use super::chat::{ChatRequest, ChatResult, StreamDecoder};
use super::failure::{Failure, FailureClass};
use super::verify::{ModelList, Probe, read_models_bearer};
use super::wire::{Framing, WireFormat, count_models};
use answer::{parse_complete, stream_error};
pub use stream::Decoder;

/// The OpenAI chat-completions wire format.
pub struct OpenAi;

impl WireFormat for OpenAi {
    fn kind(&self) -> &'static str {
        "openai"
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
        stream_error(err)
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

    fn probe<'a>(
        &'a self,
        client: &'a reqwest::Client,
        provider: &'a Provider,
        key: Option<&'a str>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Probe, Failure>> {
        if provider.spec.quirks.probe_reads_key {
            return Box::pin(openrouter_probe(client, provider, key, timeout));
        }
        count_models(self.list_models(client, provider, key, timeout))
    }
}

/// `GET {base}/models`, in one answer.
const MODELS: ModelList = ModelList {
    path: "/models",
    list: "data",
    name: "id",
    paging: None,
};

/// OpenRouter's probe, `GET {base}/key`: its model list is public and proves nothing
/// about a key.
async fn openrouter_probe(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    timeout: Duration,
) -> Result<Probe, Failure> {
    let auth = key.map(|k| zeroize::Zeroizing::new(format!("Bearer {k}")));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    let secrets: Vec<&str> = key.into_iter().collect();
    let body = super::verify::get_json(
        client,
        &provider.url(provider.spec.probe_path),
        &headers,
        timeout,
        &secrets,
    )
    .await?;
    openrouter_key(&body)
}

/// OpenRouter's `/key` says whether the key works and how much credit it has left.
fn openrouter_key(body: &Value) -> Result<Probe, Failure> {
    let remaining = body
        .pointer("/data/limit_remaining")
        .and_then(Value::as_f64);
    if remaining.is_some_and(|r| r <= 0.0) {
        return Err(
            Failure::new(FailureClass::NoCredit, "the key's credit limit is used up")
                .with_status(200),
        );
    }
    Ok(Probe { models: None })
}

/// `POST {base}/chat/completions`. Streaming asks for usage (`stream_options`), which
/// OpenAI-style servers otherwise leave out of streams.
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
    let mut body = json!({"model": req.model, "messages": messages});
    if !req.stop.is_empty() {
        body["stop"] = json!(req.stop);
    }
    if let Some(n) = req.max_tokens {
        let field = if provider.spec.quirks.max_completion_tokens {
            "max_completion_tokens"
        } else {
            "max_tokens"
        };
        body[field] = json!(n);
    }
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    if req.stream {
        body["stream"] = json!(true);
        body["stream_options"] = json!({"include_usage": true});
    }
    chat_post(client, provider, key).json(&body)
}

/// `POST {base}/chat/completions` with the key and the provider's own headers.
fn chat_post(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut http = client.post(provider.url("/chat/completions"));
    if let Some(k) = key {
        http = crate::http::secret_header(http, "authorization", "Bearer ", k);
    }
    if provider.spec.quirks.app_title {
        http = http.header("X-Title", "byok");
    }
    http
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_providers_quirks_shape_its_request() {
        let client = crate::http::client(&crate::http::Timeouts::from_env());
        let req = ChatRequest {
            model: "m".into(),
            system: None,
            prompt: "hi".into(),
            max_tokens: Some(64),
            temperature: None,
            stream: false,
            ..Default::default()
        };
        for (id, field, title) in [
            ("openai", "max_completion_tokens", None),
            ("mistral", "max_tokens", None),
            ("openrouter", "max_tokens", Some("byok")),
        ] {
            let p = Provider::resolve(id).unwrap();
            let built = chat_request(&client, &p, None, &req).build().unwrap();
            let body: Value =
                serde_json::from_slice(built.body().unwrap().as_bytes().unwrap()).unwrap();
            assert_eq!(body[field], 64, "{id}");
            assert_eq!(body.as_object().unwrap().len(), 3, "{id}: {body}");
            let sent = built.headers().get("x-title").map(|t| t.to_str().unwrap());
            assert_eq!(sent, title, "{id}");
        }
    }
}
