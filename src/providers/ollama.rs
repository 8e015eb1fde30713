//! Ollama's native `/api/chat` wire format (newline-delimited JSON, no key).

use std::time::Duration;

use serde_json::Value;

use super::Provider;
use super::failure::Failure;
use super::verify::Probe;
use crate::http;

/// The probe: `GET {base}/api/tags`, the locally pulled models.
pub async fn probe(
    client: &reqwest::Client,
    provider: &Provider,
    _key: Option<&str>,
    timeout: Duration,
) -> Result<Probe, Failure> {
    let body = http::get_json(client, &provider.url("/api/tags"), &[], timeout, &[]).await?;
    Ok(Probe {
        models: body
            .get("models")
            .and_then(Value::as_array)
            .map(|m| m.len() as u64),
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
