//! The shared core of a chat call: one request shape, one normalised usage, one result,
//! and the drivers that turn a streamed body (SSE or NDJSON) into text deltas for a sink
//! (in `drive`). Each wire format only builds its request and decodes its own events
//! (see `WireFormat`).

mod cancel;
mod drive;
pub mod sse;
mod usage;

use std::time::{Duration, Instant};

use super::failure::{Failure, FailureClass};
use super::{Framing, Provider};
use crate::output;
pub use crate::vocab::{MAX_TOKENS_PER_CALL, Usage};
pub use cancel::{Cancel, Canceller, Stop};
pub use drive::{MAX_EVENT_BYTES, drive_ndjson, drive_sse};
/// The response of a chat POST when its status says an answer follows; otherwise the
/// provider's error, read (up to `http::ERROR_BODY_LIMIT`) and classified, with
/// `secrets` kept out of its text. `run`'s adapters and serve's pass-through both go
/// through it, so a refusal reads the same whoever asked.
pub async fn answered(
    response: reqwest::Response,
    secrets: &[&str],
) -> Result<reqwest::Response, ChatFailure> {
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(response);
    }
    let headers = response.headers().clone();
    let body = crate::http::error_body(response).await;
    Err(ChatFailure::before_answer(Failure::from_response(
        status, &headers, &body, secrets,
    )))
}

#[cfg(test)]
pub use drive::{decode_pieces, split_at};
pub use usage::{UsageReader, replace_usage};

/// What to ask: a user prompt after the conversation so far (none for `run` and
/// `council`; a served client's earlier turns), an optional system prompt, and sampling
/// limits.
#[derive(Clone, Debug, Default)]
pub struct ChatRequest {
    pub model: String,
    pub system: Option<String>,
    /// The turns before `prompt`, oldest first.
    pub history: Vec<Turn>,
    pub prompt: String,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    /// Sequences that end the answer where they appear.
    pub stop: Vec<String>,
    pub stream: bool,
}

/// Who said a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speaker {
    User,
    Assistant,
}

impl Speaker {
    /// The role as the OpenAI, Anthropic and Ollama wires name it (Gemini calls the
    /// assistant `model`).
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::User => "user",
            Speaker::Assistant => "assistant",
        }
    }
}

/// One turn of a conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct Turn {
    pub speaker: Speaker,
    pub text: String,
}

impl ChatRequest {
    /// The whole conversation, the prompt last: what every wire's messages are made of.
    pub fn turns(&self) -> impl Iterator<Item = (Speaker, &str)> {
        self.history
            .iter()
            .map(|t| (t.speaker, t.text.as_str()))
            .chain(std::iter::once((Speaker::User, self.prompt.as_str())))
    }
}

/// What a call produced. On failure the same shape carries what arrived before it.
#[derive(Clone, Debug, Default)]
pub struct ChatResult {
    pub text: String,
    pub usage: Usage,
    /// Whether the provider reported usage at all (a cut stream may not have).
    pub usage_reported: bool,
    /// A price the provider reported itself (OpenRouter `usage.cost`), in USD.
    pub provider_cost_usd: Option<f64>,
    pub finish_reason: Option<String>,
    /// Time from sending the request to the first answer text.
    pub ttft: Option<Duration>,
    /// The provider reported a usage that cannot be true: `usage` is left at zero and
    /// `usage_reported` false, so the cost is unknown (never 0).
    pub usage_impossible: bool,
    /// What the provider sent that was wrong without failing the call (an impossible
    /// usage, an answer with no choices), for the caller to show as warnings.
    pub warnings: Vec<String>,
}

impl ChatResult {
    /// Takes a provider's usage report: `None` when it sent none; an impossible one
    /// leaves the usage unknown (and drops the provider's own price of it) with a warning.
    pub fn with_usage(mut self, report: Option<Result<Usage, String>>) -> ChatResult {
        match report {
            None => {
                self.usage = Usage::default();
                self.usage_reported = false;
            }
            Some(Ok(usage)) => {
                self.usage = usage;
                self.usage_reported = true;
            }
            Some(Err(why)) => {
                self.usage = Usage::default();
                self.usage_reported = false;
                self.usage_impossible = true;
                self.provider_cost_usd = None;
                self.warnings.push(why);
            }
        }
        self
    }
}

/// A failed call, with whatever arrived before it failed.
#[derive(Clone, Debug)]
pub struct ChatFailure {
    pub failure: Failure,
    /// Boxed: the failure path is rare and the result is large.
    pub partial: Box<ChatResult>,
}

impl ChatFailure {
    pub fn before_answer(failure: Failure) -> Self {
        ChatFailure {
            failure,
            partial: Box::default(),
        }
    }
}

fn interrupted() -> Failure {
    Failure::new(FailureClass::Interrupted, "interrupted")
}

/// Where streamed text goes. Returning an error stops the call (stdout closed, say).
pub type Sink<'a> = dyn FnMut(&str) -> std::io::Result<()> + 'a;

/// Decodes one wire format's stream events. `event` is the SSE event name ("" when
/// absent; for NDJSON always ""), `data` the event's data or the JSON line.
pub trait StreamDecoder {
    /// Text deltas found in this event (never thinking text), or the failure it reports.
    fn event(&mut self, event: &str, data: &str) -> Result<Vec<String>, Failure>;
    /// Whether the stream said it is over (`[DONE]`, `message_stop`, `done: true`): stop
    /// reading.
    fn finished(&self) -> bool;
    /// Whether what arrived is a whole answer, for a body that simply ended (Gemini sends
    /// no end marker; its last chunk carries `finishReason`). A body that ends before
    /// this was cut.
    fn complete(&self) -> bool {
        self.finished()
    }
    /// Usage and the rest, as known so far; `text` is filled in by the driver.
    fn result(&self) -> ChatResult;
}

/// A wire format's decoder, chosen at run time ([`WireFormat::stream_decoder`]).
///
/// [`WireFormat::stream_decoder`]: super::WireFormat::stream_decoder
impl<D: StreamDecoder + ?Sized> StreamDecoder for Box<D> {
    fn event(&mut self, event: &str, data: &str) -> Result<Vec<String>, Failure> {
        (**self).event(event, data)
    }

    fn finished(&self) -> bool {
        (**self).finished()
    }

    fn complete(&self) -> bool {
        (**self).complete()
    }

    fn result(&self) -> ChatResult {
        (**self).result()
    }
}

/// Sends `request`; on success returns the answer, streamed through `sink` as it arrives
/// when `req.stream` is set (and in one piece otherwise).
pub async fn chat(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    req: &ChatRequest,
    sink: &mut Sink<'_>,
    cancel: &Cancel,
) -> Result<ChatResult, ChatFailure> {
    let secrets: Vec<&str> = key.into_iter().collect();
    let wire = provider.spec.wire.adapter();
    let http = wire.chat_request(client, provider, key, req);
    let started = Instant::now();
    let url = http
        .try_clone()
        .and_then(|r| r.build().ok())
        .map(|r| r.url().to_string())
        .unwrap_or_default();
    let response = tokio::select! {
        r = http.send() => r.map_err(|e| {
            output::verbose(&format!("POST {url} → {e}"));
            ChatFailure::before_answer(Failure::from_transport(&e))
        })?,
        _ = cancel.cancelled() => return Err(ChatFailure::before_answer(interrupted())),
    };
    let status = response.status().as_u16();
    output::verbose(&format!(
        "POST {url} → {status} ({} ms to headers)",
        started.elapsed().as_millis()
    ));
    let response = answered(response, &secrets).await?;
    if !req.stream {
        let body = tokio::select! {
            b = response.bytes() => b.map_err(|e| ChatFailure::before_answer(Failure::from_transport(&e)))?,
            _ = cancel.cancelled() => return Err(ChatFailure::before_answer(interrupted())),
        };
        let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            ChatFailure::before_answer(not_understood(format!("the answer was not JSON ({e})")))
        })?;
        let mut result = wire.parse_complete(&value).map_err(|mut f| {
            f.message = super::failure::provider_text(&f.message, &secrets);
            ChatFailure::before_answer(f)
        })?;
        result.ttft = Some(started.elapsed());
        sink(&result.text).map_err(|e| sink_failure(e, result.clone()))?;
        return Ok(result);
    }
    let body = response.bytes_stream();
    let decoder = wire.stream_decoder();
    let outcome = match wire.framing() {
        Framing::Sse => drive_sse(body, decoder, sink, started, cancel).await,
        Framing::Ndjson => drive_ndjson(body, decoder, sink, started, cancel).await,
    };
    outcome.map_err(|mut f| {
        f.failure.message = super::failure::provider_text(&f.failure.message, &secrets);
        f
    })
}

/// The answer arrived but could not be understood.
pub fn not_understood(message: String) -> Failure {
    Failure::new(FailureClass::BadRequest, message)
}

/// The sink refused text (stdout closed): stop, keeping what was produced.
fn sink_failure(e: std::io::Error, partial: ChatResult) -> ChatFailure {
    ChatFailure {
        failure: Failure::new(FailureClass::StreamCut, format!("output closed: {e}")),
        partial: Box::new(partial),
    }
}

pub fn is_sink_closed(f: &ChatFailure) -> bool {
    f.failure.class == FailureClass::StreamCut && f.failure.message.starts_with("output closed")
}

fn cut(message: String) -> Failure {
    Failure::new(FailureClass::StreamCut, message)
}
