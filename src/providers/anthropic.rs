//! The Anthropic messages wire format.

use std::time::Duration;

use serde_json::Value;

use super::Provider;
use super::failure::Failure;
use super::verify::Probe;
use crate::http;

pub const API_VERSION: &str = "2023-06-01";
/// Enough pages for any real model list; a server that never stops paginating is cut off.
const MAX_PAGES: usize = 50;

/// The free probe: `GET {base}/v1/models`, following `has_more` / `last_id` pages.
pub async fn probe(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    timeout: Duration,
) -> Result<Probe, Failure> {
    let key = key.unwrap_or("");
    let headers = [("x-api-key", key), ("anthropic-version", API_VERSION)];
    let mut count = 0u64;
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut url =
            reqwest::Url::parse(&provider.url("/v1/models")).map_err(|e| bad_url(provider, e))?;
        url.query_pairs_mut().append_pair("limit", "1000");
        if let Some(id) = &after {
            url.query_pairs_mut().append_pair("after_id", id);
        }
        let body = http::get_json(client, url.as_str(), &headers, timeout, &[key]).await?;
        count += body
            .get("data")
            .and_then(Value::as_array)
            .map_or(0, |d| d.len() as u64);
        let more = body
            .get("has_more")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        after = body
            .get("last_id")
            .and_then(Value::as_str)
            .map(String::from);
        if !more || after.is_none() {
            break;
        }
    }
    Ok(Probe {
        models: Some(count),
    })
}

pub(super) fn bad_url(provider: &Provider, e: impl std::fmt::Display) -> Failure {
    Failure {
        class: super::failure::FailureClass::BadRequest,
        status: None,
        message: format!(
            "the base URL `{}` is not a valid URL ({e})",
            provider.base_url
        ),
        retry_after: None,
    }
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
