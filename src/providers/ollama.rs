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
