//! The Gemini generateContent wire format. The key travels in `x-goog-api-key`, never
//! in the URL, where it would end up in logs.

use std::time::Duration;

use serde_json::Value;

use super::Provider;
use super::anthropic::bad_url;
use super::failure::Failure;
use super::verify::Probe;
use crate::http;

const MAX_PAGES: usize = 50;

/// The free probe: `GET {base}/models`, following `nextPageToken`.
pub async fn probe(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    timeout: Duration,
) -> Result<Probe, Failure> {
    let key = key.unwrap_or("");
    let headers = [("x-goog-api-key", key)];
    let mut count = 0u64;
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut url =
            reqwest::Url::parse(&provider.url("/models")).map_err(|e| bad_url(provider, e))?;
        url.query_pairs_mut().append_pair("pageSize", "1000");
        if let Some(t) = &token {
            url.query_pairs_mut().append_pair("pageToken", t);
        }
        let body = http::get_json(client, url.as_str(), &headers, timeout, &[key]).await?;
        count += body
            .get("models")
            .and_then(Value::as_array)
            .map_or(0, |m| m.len() as u64);
        token = body
            .get("nextPageToken")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(String::from);
        if token.is_none() {
            break;
        }
    }
    Ok(Probe {
        models: Some(count),
    })
}

// --- chat: placeholder until the adapter lands (owned by the adapter's author) ---
use super::chat::{ChatRequest, ChatResult, StreamDecoder};

pub fn chat_request(
    client: &reqwest::Client,
    provider: &Provider,
    _key: Option<&str>,
    _req: &ChatRequest,
) -> reqwest::RequestBuilder {
    client.post(provider.url("/unimplemented"))
}

pub fn parse_complete(_v: &Value) -> Result<ChatResult, Failure> {
    Err(super::chat::not_understood("not implemented yet".into()))
}

#[derive(Default)]
pub struct Decoder;

impl StreamDecoder for Decoder {
    fn event(&mut self, _event: &str, _data: &str) -> Result<Vec<String>, Failure> {
        Ok(Vec::new())
    }
    fn finished(&self) -> bool {
        true
    }
    fn result(&self) -> ChatResult {
        ChatResult::default()
    }
}
