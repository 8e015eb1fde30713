//! The Gemini generateContent wire format. The key travels in `x-goog-api-key`, never
//! in the URL, where it would end up in logs. What an answer says is read in `answer`,
//! a streamed one in `stream`.

mod answer;
mod stream;

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::Provider;
use super::chat::{ChatRequest, ChatResult, Speaker, StreamDecoder};
use super::failure::Failure;
use super::verify::{ModelList, Paging, read_models};
use super::wire::{Framing, WireFormat};
use answer::{error_failure, parse_complete};
pub use stream::Decoder;

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

/// The model list: `GET {base}/models`, following `nextPageToken`.
const MODELS: ModelList = ModelList {
    path: "/models",
    list: "models",
    name: "name",
    paging: Some(Paging {
        size: ("pageSize", "1000"),
        cursor: "pageToken",
        next: |page| {
            page.get("nextPageToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(String::from)
        },
    }),
};

/// Every page of [`MODELS`], with the key in `x-goog-api-key`. Gemini names its models
/// `models/gemini-2.5-flash`; a call names them without the prefix.
async fn list_models(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    timeout: Duration,
) -> Result<Vec<String>, Failure> {
    let secrets: Vec<&str> = key.into_iter().collect();
    let headers = [("x-goog-api-key", key.unwrap_or(""))];
    let models = read_models(client, provider, &MODELS, &headers, timeout, &secrets).await?;
    Ok(models
        .into_iter()
        .map(|m| m.strip_prefix("models/").map(String::from).unwrap_or(m))
        .collect())
}

// --- chat ---

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
    let contents: Vec<Value> = req
        .turns()
        .map(|(speaker, text)| {
            let role = match speaker {
                Speaker::User => "user",
                Speaker::Assistant => "model",
            };
            json!({"role": role, "parts": [{"text": text}]})
        })
        .collect();
    let mut body = json!({ "contents": contents });
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
    if !req.stop.is_empty() {
        config.insert("stopSequences".into(), json!(req.stop));
    }
    if !config.is_empty() {
        body["generationConfig"] = Value::Object(config);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::chat::Turn;

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
            ..Default::default()
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
    /// A served client's conversation: earlier turns in order, the assistant's as
    /// `model`, the prompt last, and its stop sequences.
    #[test]
    fn a_conversation_and_stop_sequences_are_sent_in_gemini_terms() {
        let mut req = request("gemini-2.5-flash", false);
        req.history = vec![
            Turn {
                speaker: Speaker::User,
                text: "Capital of France?".into(),
            },
            Turn {
                speaker: Speaker::Assistant,
                text: "Paris.".into(),
            },
        ];
        req.prompt = "And of Italy?".into();
        req.stop = vec!["\n\n".into()];
        let body = body_of(&built(&provider("http://127.0.0.1:9/"), Some("k"), &req));
        assert_eq!(
            body,
            json!({
                "contents": [
                    {"role": "user", "parts": [{"text": "Capital of France?"}]},
                    {"role": "model", "parts": [{"text": "Paris."}]},
                    {"role": "user", "parts": [{"text": "And of Italy?"}]},
                ],
                "generationConfig": {"stopSequences": ["\n\n"]},
            })
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
}
