//! The shared core of a chat call: one request shape, one normalised usage, one result,
//! and the drivers that turn a streamed body (SSE or NDJSON) into text deltas for a sink.
//! Each wire adapter only builds its request and decodes its own events.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;

use super::failure::{Failure, FailureClass};
use super::{Provider, Wire};
use crate::output;

/// What to ask: one user prompt, an optional system prompt, and sampling limits.
#[derive(Clone, Debug)]
pub struct ChatRequest {
    pub model: String,
    pub system: Option<String>,
    pub prompt: String,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub stream: bool,
}

/// Token usage with one meaning for every provider (DESIGN.md §2):
/// `input_tokens` counts every prompt token, cache reads and writes included;
/// `output_tokens` counts every generated token, reasoning included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_input_tokens: u64,
    pub cache_write_tokens: u64,
    pub reasoning_tokens: u64,
    /// The part of `cache_write_tokens` written with a one-hour lifetime (Anthropic),
    /// which is priced higher than the five-minute default.
    #[serde(skip)]
    pub cache_write_1h_tokens: u64,
}

impl Usage {
    pub fn add(&mut self, other: &Usage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cached_input_tokens += other.cached_input_tokens;
        self.cache_write_tokens += other.cache_write_tokens;
        self.reasoning_tokens += other.reasoning_tokens;
        self.cache_write_1h_tokens += other.cache_write_1h_tokens;
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

/// Why calls in flight were stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// byok itself stopped them: a council that already has its answer.
    Cancelled,
    /// A signal from outside: SIGINT (Ctrl-C), SIGTERM or SIGHUP, by number.
    Signal(i32),
    /// The whole call ran past its `--timeout`.
    Deadline(Duration),
}

/// Stops calls in flight (a signal, a council that already has its answer, `--timeout`):
/// a stream ends where it is, keeping what arrived and the usage reported so far.
#[derive(Clone, Debug)]
pub struct Cancel(tokio::sync::watch::Receiver<Option<Stop>>);

/// The side that cancels.
#[derive(Debug)]
pub struct Canceller(tokio::sync::watch::Sender<Option<Stop>>);

impl Canceller {
    pub fn cancel(&self) {
        self.stop(Stop::Cancelled);
    }

    /// Stops the calls for `reason`; the first reason given is the one that stays.
    pub fn stop(&self, reason: Stop) {
        self.0.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            *current = Some(reason);
            true
        });
    }
}

impl Cancel {
    pub fn new() -> (Canceller, Cancel) {
        let (tx, rx) = tokio::sync::watch::channel(None);
        (Canceller(tx), Cancel(rx))
    }

    /// A token nobody cancels.
    pub fn never() -> Cancel {
        Cancel::new().1
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.borrow().is_some()
    }

    /// Why the calls were stopped, once they were.
    pub fn reason(&self) -> Option<Stop> {
        *self.0.borrow()
    }

    /// Resolves when cancelled; never, if the canceller is gone without cancelling.
    pub async fn cancelled(&self) {
        let mut rx = self.0.clone();
        loop {
            if rx.borrow_and_update().is_some() {
                return;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

fn interrupted() -> Failure {
    Failure {
        class: FailureClass::Interrupted,
        status: None,
        message: "interrupted".into(),
        retry_after: None,
    }
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
    let http = match provider.spec.wire {
        Wire::OpenAi => super::openai::chat_request(client, provider, key, req),
        Wire::Anthropic => super::anthropic::chat_request(client, provider, key, req),
        Wire::Gemini => super::gemini::chat_request(client, provider, key, req),
        Wire::Ollama => super::ollama::chat_request(client, provider, key, req),
    };
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
    if !(200..300).contains(&status) {
        let headers = response.headers().clone();
        let body = crate::http::error_body(response).await;
        return Err(ChatFailure::before_answer(Failure::from_response(
            status, &headers, &body, &secrets,
        )));
    }
    if !req.stream {
        let body = tokio::select! {
            b = response.bytes() => b.map_err(|e| ChatFailure::before_answer(Failure::from_transport(&e)))?,
            _ = cancel.cancelled() => return Err(ChatFailure::before_answer(interrupted())),
        };
        let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            ChatFailure::before_answer(not_understood(format!("the answer was not JSON ({e})")))
        })?;
        let mut result = match provider.spec.wire {
            Wire::OpenAi => super::openai::parse_complete(&value),
            Wire::Anthropic => super::anthropic::parse_complete(&value),
            Wire::Gemini => super::gemini::parse_complete(&value),
            Wire::Ollama => super::ollama::parse_complete(&value),
        }
        .map_err(|mut f| {
            f.message = super::failure::provider_text(&f.message, &secrets);
            ChatFailure::before_answer(f)
        })?;
        result.ttft = Some(started.elapsed());
        sink(&result.text).map_err(|e| sink_failure(e, result.clone()))?;
        return Ok(result);
    }
    let body = response.bytes_stream();
    let outcome = match provider.spec.wire {
        Wire::OpenAi => {
            drive_sse(
                body,
                super::openai::Decoder::default(),
                sink,
                started,
                cancel,
            )
            .await
        }
        Wire::Anthropic => {
            drive_sse(
                body,
                super::anthropic::Decoder::default(),
                sink,
                started,
                cancel,
            )
            .await
        }
        Wire::Gemini => {
            drive_sse(
                body,
                super::gemini::Decoder::default(),
                sink,
                started,
                cancel,
            )
            .await
        }
        Wire::Ollama => {
            drive_ndjson(
                body,
                super::ollama::Decoder::default(),
                sink,
                started,
                cancel,
            )
            .await
        }
    };
    outcome.map_err(|mut f| {
        f.failure.message = super::failure::provider_text(&f.failure.message, &secrets);
        f
    })
}

/// The answer arrived but could not be understood.
pub fn not_understood(message: String) -> Failure {
    Failure {
        class: FailureClass::BadRequest,
        status: None,
        message,
        retry_after: None,
    }
}

/// The sink refused text (stdout closed): stop, keeping what was produced.
fn sink_failure(e: std::io::Error, partial: ChatResult) -> ChatFailure {
    ChatFailure {
        failure: Failure {
            class: FailureClass::StreamCut,
            status: None,
            message: format!("output closed: {e}"),
            retry_after: None,
        },
        partial: Box::new(partial),
    }
}

pub fn is_sink_closed(f: &ChatFailure) -> bool {
    f.failure.class == FailureClass::StreamCut && f.failure.message.starts_with("output closed")
}

fn cut(message: String) -> Failure {
    Failure {
        class: FailureClass::StreamCut,
        status: None,
        message,
        retry_after: None,
    }
}

/// Feeds SSE events from a byte stream to `decoder`, text to `sink`.
pub async fn drive_sse<S, E, D>(
    body: S,
    mut decoder: D,
    sink: &mut Sink<'_>,
    started: Instant,
    cancel: &Cancel,
) -> Result<ChatResult, ChatFailure>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
    D: StreamDecoder,
{
    use eventsource_stream::Eventsource;
    let mut events = body.eventsource();
    let mut text = String::new();
    let mut ttft = None;
    loop {
        let next = tokio::select! {
            n = events.next() => n,
            _ = cancel.cancelled() => return Err(partial(&decoder, text, ttft, interrupted())),
        };
        let Some(item) = next else { break };
        let event = match item {
            Ok(ev) => ev,
            Err(e) => {
                return Err(partial(
                    &decoder,
                    text,
                    ttft,
                    cut(format!("the stream broke off: {e}")),
                ));
            }
        };
        match decoder.event(&event.event, &event.data) {
            Ok(deltas) => {
                for d in deltas.iter().filter(|d| !d.is_empty()) {
                    ttft.get_or_insert_with(|| started.elapsed());
                    text.push_str(d);
                    if let Err(e) = sink(d) {
                        let mut r = decoder.result();
                        r.text = text;
                        r.ttft = ttft;
                        return Err(sink_failure(e, r));
                    }
                }
            }
            Err(f) => return Err(partial(&decoder, text, ttft, f)),
        }
        if decoder.finished() {
            break;
        }
    }
    finish(&decoder, text, ttft)
}

/// Feeds newline-delimited JSON lines (Ollama) to `decoder`, text to `sink`.
pub async fn drive_ndjson<S, E, D>(
    mut body: S,
    mut decoder: D,
    sink: &mut Sink<'_>,
    started: Instant,
    cancel: &Cancel,
) -> Result<ChatResult, ChatFailure>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
    D: StreamDecoder,
{
    let mut buf: Vec<u8> = Vec::new();
    let mut text = String::new();
    let mut ttft = None;
    'read: loop {
        let next = tokio::select! {
            n = body.next() => n,
            _ = cancel.cancelled() => return Err(partial(&decoder, text, ttft, interrupted())),
        };
        let chunk = match next {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                return Err(partial(
                    &decoder,
                    text,
                    ttft,
                    cut(format!("the stream broke off: {e}")),
                ));
            }
            None => {
                // A last line without its newline still counts.
                if !buf.is_empty() {
                    let line = std::mem::take(&mut buf);
                    match line_event(&mut decoder, &line) {
                        Ok(deltas) => emit(&deltas, &mut text, &mut ttft, started, sink)
                            .map_err(|e| with_text(&decoder, text.clone(), ttft, e))?,
                        // Half a line at the end of the body: the stream was cut there.
                        Err(_) if !decoder.finished() => {
                            return Err(partial(
                                &decoder,
                                text,
                                ttft,
                                cut("the stream broke off mid-line".into()),
                            ));
                        }
                        Err(f) => return Err(partial(&decoder, text, ttft, f)),
                    }
                }
                break 'read;
            }
        };
        buf.extend_from_slice(&chunk);
        while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=nl).collect();
            let deltas = match line_event(&mut decoder, &line) {
                Ok(d) => d,
                Err(f) => return Err(partial(&decoder, text, ttft, f)),
            };
            if let Err(e) = emit(&deltas, &mut text, &mut ttft, started, sink) {
                return Err(with_text(&decoder, text, ttft, e));
            }
            if decoder.finished() {
                break 'read;
            }
        }
    }
    finish(&decoder, text, ttft)
}

fn line_event<D: StreamDecoder>(decoder: &mut D, line: &[u8]) -> Result<Vec<String>, Failure> {
    let line = String::from_utf8_lossy(line);
    let line = line.trim();
    if line.is_empty() {
        Ok(Vec::new())
    } else {
        decoder.event("", line)
    }
}

fn emit(
    deltas: &[String],
    text: &mut String,
    ttft: &mut Option<Duration>,
    started: Instant,
    sink: &mut Sink<'_>,
) -> Result<(), std::io::Error> {
    for d in deltas.iter().filter(|d| !d.is_empty()) {
        ttft.get_or_insert_with(|| started.elapsed());
        text.push_str(d);
        sink(d)?;
    }
    Ok(())
}

fn with_text<D: StreamDecoder>(
    decoder: &D,
    text: String,
    ttft: Option<Duration>,
    e: std::io::Error,
) -> ChatFailure {
    let mut r = decoder.result();
    r.text = text;
    r.ttft = ttft;
    sink_failure(e, r)
}

fn partial<D: StreamDecoder>(
    decoder: &D,
    text: String,
    ttft: Option<Duration>,
    failure: Failure,
) -> ChatFailure {
    let mut r = decoder.result();
    r.text = text;
    r.ttft = ttft;
    ChatFailure {
        failure,
        partial: Box::new(r),
    }
}

fn finish<D: StreamDecoder>(
    decoder: &D,
    text: String,
    ttft: Option<Duration>,
) -> Result<ChatResult, ChatFailure> {
    if !decoder.complete() {
        return Err(partial(
            decoder,
            text,
            ttft,
            cut("the stream ended before the answer was complete".into()),
        ));
    }
    let mut r = decoder.result();
    r.text = text;
    r.ttft = ttft;
    Ok(r)
}

/// Runs a decoder over a body split into arbitrary pieces, without a network: for tests
/// (the property tests prove the split never changes text or usage).
pub fn decode_pieces<D: StreamDecoder>(
    pieces: Vec<Vec<u8>>,
    decoder: D,
    ndjson: bool,
) -> Result<ChatResult, ChatFailure> {
    let stream = futures_util::stream::iter(
        pieces
            .into_iter()
            .map(|p| Ok::<_, std::convert::Infallible>(bytes::Bytes::from(p))),
    );
    let mut sink = |_: &str| Ok(());
    crate::http::runtime().block_on(async {
        if ndjson {
            drive_ndjson(stream, decoder, &mut sink, Instant::now(), &Cancel::never()).await
        } else {
            drive_sse(stream, decoder, &mut sink, Instant::now(), &Cancel::never()).await
        }
    })
}

/// Splits `body` into pieces at the given cut points (for tests).
pub fn split_at(body: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
    points.sort_unstable();
    points.dedup();
    let mut out = Vec::new();
    let mut last = 0;
    for p in points {
        out.push(body[last..p].to_vec());
        last = p;
    }
    out.push(body[last..].to_vec());
    out.into_iter().filter(|p| !p.is_empty()).collect()
}
