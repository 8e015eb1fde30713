//! `key verify`: the free probe of each wire format, classified into a verdict a person
//! can act on.

use std::time::{Duration, Instant};

use super::failure::{Failure, FailureClass};
use super::{Provider, Wire};
use crate::vault::VerifyStatus;

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

/// Probes `provider` with `key`. Never fails: every outcome is a verdict.
pub async fn verify(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    timeout: Duration,
) -> Verdict {
    let started = Instant::now();
    if key.is_some() && !provider.may_send_key() {
        let failure = Failure {
            class: FailureClass::BadRequest,
            status: None,
            message: format!(
                "refusing to send a key over plain HTTP to {}; use https, or set BYOK_{}_BASE_URL yourself",
                provider.base_url,
                provider.id().to_ascii_uppercase()
            ),
            retry_after: None,
        };
        return Verdict {
            status: VerifyStatus::Error,
            latency: started.elapsed(),
            models: None,
            failure: Some(failure),
        };
    }
    let outcome = match provider.spec.wire {
        Wire::OpenAi => super::openai::probe(client, provider, key, timeout).await,
        Wire::Anthropic => super::anthropic::probe(client, provider, key, timeout).await,
        Wire::Gemini => super::gemini::probe(client, provider, key, timeout).await,
        Wire::Ollama => super::ollama::probe(client, provider, key, timeout).await,
    };
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

fn status_of(class: FailureClass) -> VerifyStatus {
    match class {
        FailureClass::KeyRejected => VerifyStatus::Invalid,
        FailureClass::NoCredit => VerifyStatus::NoCredit,
        FailureClass::RateLimited
        | FailureClass::Overloaded
        | FailureClass::Server
        | FailureClass::Network
        | FailureClass::Timeout => VerifyStatus::Unreachable,
        FailureClass::NotFound
        | FailureClass::BadRequest
        | FailureClass::StreamCut
        | FailureClass::Interrupted => VerifyStatus::Error,
    }
}
