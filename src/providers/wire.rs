//! The four wire formats and the one trait each of them implements. Everything that
//! depends on how a provider speaks (its request, its streamed and whole answers, its
//! error objects, its probe and model list) is reached through `Wire::adapter` (the table in the providers module); the
//! streaming drivers in `chat` are shared by all of them.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::Provider;
use super::chat::{ChatRequest, ChatResult, StreamDecoder};
use super::failure::Failure;
use super::verify::Probe;

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

    /// The bare `POST` of a chat call, with the key and the wire's own headers but no
    /// body: what `serve` forwards a client's request through, body as the client wrote
    /// it. `None` for a wire whose requests serve does not forward as they are.
    fn chat_post(
        &self,
        _client: &reqwest::Client,
        _provider: &Provider,
        _key: Option<&str>,
    ) -> Option<reqwest::RequestBuilder> {
        None
    }

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
