//! The OpenAI chat-completions wire format, spoken by OpenAI, Mistral, OpenRouter, Groq,
//! DeepSeek, xAI, Together and the local OpenAI-compatible servers.

use std::time::Duration;

use serde_json::Value;

use super::Provider;
use super::failure::{Failure, FailureClass};
use super::verify::Probe;
use crate::http;

/// The free probe: `GET {base}/models` (OpenRouter: `GET {base}/key`, because its model
/// list is public and proves nothing about a key).
pub async fn probe(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    timeout: Duration,
) -> Result<Probe, Failure> {
    let auth = key.map(|k| format!("Bearer {k}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    let secrets: Vec<&str> = key.into_iter().collect();
    let body = http::get_json(
        client,
        &provider.url(provider.spec.probe_path),
        &headers,
        timeout,
        &secrets,
    )
    .await?;
    if provider.spec.probe_path == "/key" {
        return openrouter_key(&body);
    }
    let models = body
        .get("data")
        .and_then(Value::as_array)
        .map(|d| d.len() as u64);
    Ok(Probe { models })
}

/// OpenRouter's `/key` says whether the key works and how much credit it has left.
fn openrouter_key(body: &Value) -> Result<Probe, Failure> {
    let remaining = body
        .pointer("/data/limit_remaining")
        .and_then(Value::as_f64);
    if remaining.is_some_and(|r| r <= 0.0) {
        return Err(Failure {
            class: FailureClass::NoCredit,
            status: Some(200),
            message: "the key's credit limit is used up".into(),
            retry_after: None,
        });
    }
    Ok(Probe { models: None })
}
