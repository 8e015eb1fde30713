//! `key verify`: the free probe of each wire format, classified into a verdict a person
//! can act on.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::Provider;
use super::failure::{Failure, FailureClass};
use crate::vocab::VerifyStatus;

/// Sends a GET with the given headers, logs it under `-v` (URL and status only, never a
/// header), and returns the JSON body or the classified failure.
pub async fn get_json(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
    secrets: &[&str],
) -> Result<Value, Failure> {
    let started = Instant::now();
    let response = match crate::http::get_request(client, url, headers, timeout)
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => {
            crate::output::verbose(&format!("GET {url} → {}", e));
            return Err(Failure::from_transport(&e));
        }
    };
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        let response_headers = response.headers().clone();
        let body = crate::http::error_body(response).await;
        crate::output::verbose(&format!(
            "GET {url} → {status} ({} ms)",
            started.elapsed().as_millis()
        ));
        return Err(Failure::from_response(
            status,
            &response_headers,
            &body,
            secrets,
        ));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| Failure::from_transport(&e))?;
    crate::output::verbose(&format!(
        "GET {url} → {status} ({} ms)",
        started.elapsed().as_millis()
    ));
    serde_json::from_slice(&body).map_err(|e| {
        Failure::new(
            FailureClass::BadRequest,
            format!("the answer was not JSON ({e}); is the base URL right?"),
        )
        .with_status(status)
    })
}

/// How a wire format lists its models (some wires page their model lists): where,
/// which array of the answer holds them and which field names each, and how pages
/// follow each other when they do. [`read_models`] follows it for the `key verify` probe,
/// which counts the models, and for `byok models`, which lists them.
pub struct ModelList {
    pub path: &'static str,
    /// The array of models in each page.
    pub list: &'static str,
    /// The field of each model that names it.
    pub name: &'static str,
    /// `None`: the whole list in one answer.
    pub paging: Option<Paging>,
}

/// A model list served in pages (Anthropic `after_id`, Gemini `nextPageToken`).
pub struct Paging {
    /// The page-size parameter and value to ask for.
    pub size: (&'static str, &'static str),
    /// The query parameter that carries the cursor to the next page.
    pub cursor: &'static str,
    /// The next page's cursor, `None` on the last page.
    pub next: fn(&serde_json::Value) -> Option<String>,
}

/// Enough pages for any real model list; a server that never stops paginating is cut off.
const MAX_PAGES: usize = 50;

/// The names of the models of `list` over every page, in the order served, each request
/// sent with `headers` (the key among them, also in `secrets` to be redacted from what
/// the provider says).
pub async fn read_models(
    client: &reqwest::Client,
    provider: &Provider,
    list: &ModelList,
    headers: &[(&str, &str)],
    timeout: Duration,
    secrets: &[&str],
) -> Result<Vec<String>, Failure> {
    let mut models = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut url =
            reqwest::Url::parse(&provider.url(list.path)).map_err(|e| bad_url(provider, e))?;
        if let Some(paging) = &list.paging {
            url.query_pairs_mut()
                .append_pair(paging.size.0, paging.size.1);
            if let Some(c) = &cursor {
                url.query_pairs_mut().append_pair(paging.cursor, c);
            }
        }
        let page = get_json(client, url.as_str(), headers, timeout, secrets).await?;
        models.extend(
            page.get(list.list)
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| m.get(list.name).and_then(serde_json::Value::as_str))
                .map(String::from),
        );
        cursor = list.paging.as_ref().and_then(|p| (p.next)(&page));
        if cursor.is_none() {
            break;
        }
    }
    Ok(models)
}

/// [`read_models`] with the key, when there is one, as `Authorization: Bearer` (the
/// OpenAI-compatible servers; Ollama behind an authenticating proxy).
pub async fn read_models_bearer(
    client: &reqwest::Client,
    provider: &Provider,
    list: &ModelList,
    key: Option<&str>,
    timeout: Duration,
) -> Result<Vec<String>, Failure> {
    let auth = key.map(|k| zeroize::Zeroizing::new(format!("Bearer {k}")));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    let secrets: Vec<&str> = key.into_iter().collect();
    read_models(client, provider, list, &headers, timeout, &secrets).await
}

pub(super) fn bad_url(provider: &Provider, e: impl std::fmt::Display) -> Failure {
    Failure::new(
        FailureClass::BadRequest,
        format!(
            "the base URL `{}` is not a valid URL ({e})",
            provider.base_url
        ),
    )
}

/// What a successful probe saw.
#[derive(Clone, Debug, Default)]
pub struct Probe {
    /// Models visible to the key (none for probes that do not list models).
    pub models: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Verdict {
    pub status: VerifyStatus,
    pub latency: Duration,
    pub models: Option<u64>,
    /// The failure behind a status other than `ok`, redacted.
    pub failure: Option<Failure>,
}

impl Verdict {
    pub fn error_text(&self) -> Option<String> {
        self.failure.as_ref().map(Failure::describe)
    }
}

/// Probes `provider` with `key`, once. Never fails: every outcome is a verdict, and its
/// `failure` tells the caller whether asking again is worth it.
pub async fn verify(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    timeout: Duration,
) -> Verdict {
    let started = Instant::now();
    if key.is_some() && !provider.may_send_key() {
        let failure = Failure::new(
            FailureClass::BadRequest,
            format!(
                "refusing to send a key over plain HTTP to {}; use https, or set BYOK_{}_BASE_URL yourself",
                provider.base_url,
                provider.id().to_ascii_uppercase()
            ),
        );
        return Verdict {
            status: VerifyStatus::Error,
            latency: started.elapsed(),
            models: None,
            failure: Some(failure),
        };
    }
    let outcome = provider
        .spec
        .wire
        .adapter()
        .probe(client, provider, key, timeout)
        .await;
    let latency = started.elapsed();
    match outcome {
        Ok(probe) => Verdict {
            status: VerifyStatus::Ok,
            latency,
            models: probe.models,
            failure: None,
        },
        Err(failure) => Verdict {
            status: status_of(failure.class),
            latency,
            models: None,
            failure: Some(failure),
        },
    }
}

/// `unreachable` only when no answer came; a provider that answered with an error (a 5xx,
/// 529, a rate limit, once retries are spent) or with something unexpected is `error`.
fn status_of(class: FailureClass) -> VerifyStatus {
    match class {
        FailureClass::KeyRejected => VerifyStatus::Invalid,
        FailureClass::NoCredit => VerifyStatus::NoCredit,
        FailureClass::Network | FailureClass::Timeout => VerifyStatus::Unreachable,
        FailureClass::RateLimited
        | FailureClass::Overloaded
        | FailureClass::Server
        | FailureClass::NotFound
        | FailureClass::Redirected
        | FailureClass::BadRequest
        | FailureClass::StreamCut
        | FailureClass::Interrupted => VerifyStatus::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::super::Provider;
    use super::super::chat::ChatRequest;
    use super::*;

    #[test]
    fn every_wire_sends_its_key_in_a_sensitive_header() {
        let client = crate::http::client(&crate::http::Timeouts::from_env());
        let req = ChatRequest {
            model: "m".into(),
            system: None,
            prompt: "hi".into(),
            max_tokens: None,
            temperature: None,
            stream: false,
            ..Default::default()
        };
        let key = Some("sk-test-0123456789");
        for (id, header) in [
            ("openai", "authorization"),
            ("anthropic", "x-api-key"),
            ("gemini", "x-goog-api-key"),
            ("ollama", "authorization"),
        ] {
            let p = Provider::resolve(id).unwrap();
            let builder = p.spec.wire.adapter().chat_request(&client, &p, key, &req);
            let built = builder.build().unwrap();
            let value = &built.headers()[header];
            assert!(
                value.to_str().unwrap().ends_with("sk-test-0123456789"),
                "{id}"
            );
            assert!(
                value.is_sensitive(),
                "{id}: the key header is not marked sensitive"
            );
        }
    }

    #[test]
    fn unreachable_means_no_answer_and_an_answered_error_is_error() {
        for (class, status) in [
            (FailureClass::KeyRejected, VerifyStatus::Invalid),
            (FailureClass::NoCredit, VerifyStatus::NoCredit),
            (FailureClass::Network, VerifyStatus::Unreachable),
            (FailureClass::Timeout, VerifyStatus::Unreachable),
            (FailureClass::Server, VerifyStatus::Error),
            (FailureClass::Overloaded, VerifyStatus::Error),
            (FailureClass::RateLimited, VerifyStatus::Error),
            (FailureClass::NotFound, VerifyStatus::Error),
            (FailureClass::Redirected, VerifyStatus::Error),
            (FailureClass::BadRequest, VerifyStatus::Error),
        ] {
            assert_eq!(status_of(class), status, "{class:?}");
        }
    }
}
