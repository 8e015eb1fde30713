//! The four wire formats and the one trait each of them implements. Everything that
//! depends on how a provider speaks (its request, its streamed and whole answers, its
//! error objects, its probe and model list) is reached through [`Wire::adapter`]; the
//! streaming drivers in `chat` are shared by all of them.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::Provider;
use super::chat::{ChatRequest, ChatResult, StreamDecoder};
use super::failure::Failure;
use super::verify::Probe;
use super::{anthropic, gemini, ollama, openai};

/// The four wire formats every provider speaks one of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Wire {
    /// The default of a custom provider that names no `kind`.
    #[default]
    OpenAi,
    Anthropic,
    Gemini,
    Ollama,
}

impl Wire {
    pub const ALL: [Wire; 4] = [Wire::OpenAi, Wire::Anthropic, Wire::Gemini, Wire::Ollama];

    /// The implementation of this wire format: the one place a wire is matched.
    pub fn adapter(self) -> &'static dyn WireFormat {
        match self {
            Wire::OpenAi => &openai::OpenAi,
            Wire::Anthropic => &anthropic::Anthropic,
            Wire::Gemini => &gemini::Gemini,
            Wire::Ollama => &ollama::Ollama,
        }
    }

    /// The wire format a profile's `kind` names (`openai`, `anthropic`, `gemini`,
    /// `ollama`).
    pub fn from_kind(kind: &str) -> Option<Wire> {
        Wire::ALL.into_iter().find(|w| w.adapter().kind() == kind)
    }
}

/// How a streamed answer is cut into events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// Server-sent events (`data:` lines, blank line between events).
    Sse,
    /// One JSON object a line.
    Ndjson,
}

/// What one wire format does: everything about a call that is not the same for all four.
pub trait WireFormat: Sync {
    /// The name a profile's `kind` gives this wire format.
    fn kind(&self) -> &'static str;

    /// The HTTP request of one chat call. A key goes in a header marked sensitive, never
    /// in the URL.
    fn chat_request(
        &self,
        client: &reqwest::Client,
        provider: &Provider,
        key: Option<&str>,
        req: &ChatRequest,
    ) -> reqwest::RequestBuilder;

    /// How a streamed answer is framed.
    fn framing(&self) -> Framing;

    /// A fresh decoder for one streamed answer.
    fn stream_decoder(&self) -> Box<dyn StreamDecoder + Send>;

    /// A whole answer (`stream: false`): its text and usage, or the failure it reports.
    fn parse_complete(&self, body: &Value) -> Result<ChatResult, Failure>;

    /// An error object this wire format sends inside a 200 answer or a stream,
    /// classified by its own codes. (An HTTP error status is classified the same way for
    /// every wire, by `Failure::from_response`: proxies relay each other's bodies.)
    fn error_object(&self, err: &Value) -> Failure;

    /// Where the model list is; what `key verify` asks a custom provider of this wire.
    fn models_path(&self) -> &'static str;

    /// Every model the key can reach, over every page of the list at
    /// [`models_path`](Self::models_path), named as a call names it: what `byok models`
    /// shows and the probe counts (one reading of the list, `verify::read_models`).
    fn list_models<'a>(
        &'a self,
        client: &'a reqwest::Client,
        provider: &'a Provider,
        key: Option<&'a str>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Vec<String>, Failure>>;

    /// The free `key verify` probe at
    /// [`ProviderSpec::probe_path`](super::ProviderSpec::probe_path): unless a wire says
    /// otherwise, the model list, counted.
    fn probe<'a>(
        &'a self,
        client: &'a reqwest::Client,
        provider: &'a Provider,
        key: Option<&'a str>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Probe, Failure>> {
        count_models(self.list_models(client, provider, key, timeout))
    }
}

/// A probe that counts the models of a model list.
pub(super) fn count_models<'a>(
    list: BoxFuture<'a, Result<Vec<String>, Failure>>,
) -> BoxFuture<'a, Result<Probe, Failure>> {
    Box::pin(async move {
        let models = list.await?;
        Ok(Probe {
            models: Some(models.len() as u64),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wire_is_named_by_its_own_kind() {
        for wire in Wire::ALL {
            assert_eq!(Wire::from_kind(wire.adapter().kind()), Some(wire));
        }
        assert_eq!(Wire::from_kind("OpenAI"), None);
        assert_eq!(Wire::from_kind("bedrock"), None);
        assert_eq!(Wire::default().adapter().kind(), "openai");
    }

    /// The default probe counts the model list, so a provider's probe path is its wire's
    /// model list unless it probes something else on purpose (OpenRouter's `/key`).
    #[test]
    fn the_probe_is_the_model_list_unless_it_reads_the_key() {
        for spec in super::super::PROVIDERS {
            if !spec.quirks.probe_reads_key {
                assert_eq!(
                    spec.probe_path,
                    spec.wire.adapter().models_path(),
                    "{}",
                    spec.id
                );
            }
        }
    }
}
