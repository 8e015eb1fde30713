//! The shared core of a chat call: one request shape, one normalised usage, one result,
//! and the drivers that turn a streamed body (SSE or NDJSON) into text deltas for a sink.
//! Each wire adapter only builds its request and decodes its own events.

pub mod sse;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::failure::{Failure, FailureClass};
use super::{Framing, Provider};
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

pub use crate::vocab::Usage;

pub use crate::vocab::MAX_TOKENS_PER_CALL;
use crate::vocab::impossible;

/// One token count as a provider reported it, by the one rule every wire format uses:
/// absent or `null` is no count (`Ok(None)`); a whole number from 0 to
/// [`MAX_TOKENS_PER_CALL`] is a count; anything else (negative, fractional, `1e30`,
/// `"12"`, an object) cannot be a count and says why.
pub fn token_count(v: Option<&serde_json::Value>) -> Result<Option<u64>, String> {
    use serde_json::Value;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(t) if t <= MAX_TOKENS_PER_CALL => Ok(Some(t)),
            _ => Err(n.to_string()),
        },
        Some(Value::String(_)) => Err("a string".into()),
        Some(Value::Bool(_)) => Err("a boolean".into()),
        Some(Value::Array(_)) => Err("a list".into()),
        Some(Value::Object(_)) => Err("an object".into()),
    }
}

/// Reads the token counts of one usage object with [`token_count`], remembering the
/// first count that cannot be true; [`UsageReader::finish`] then refuses the whole usage.
pub struct UsageReader<'a> {
    usage: &'a serde_json::Value,
    impossible: Option<String>,
}

impl<'a> UsageReader<'a> {
    pub fn new(usage: &'a serde_json::Value) -> Self {
        UsageReader {
            usage,
            impossible: None,
        }
    }

    /// The count at `pointer` (a JSON pointer into the usage object); `None` when it is
    /// absent, `null`, or impossible (then remembered).
    pub fn count(&mut self, pointer: &str) -> Option<u64> {
        match token_count(self.usage.pointer(pointer)) {
            Ok(n) => n,
            Err(what) => {
                self.impossible.get_or_insert_with(|| {
                    impossible(&format!("{} is {what}", pointer.trim_start_matches('/')))
                });
                None
            }
        }
    }

    /// The count at `pointer`, 0 when absent.
    pub fn count_or_zero(&mut self, pointer: &str) -> u64 {
        self.count(pointer).unwrap_or(0)
    }

    /// The first impossible count read so far, as a warning.
    pub fn impossible(&self) -> Option<&str> {
        self.impossible.as_deref()
    }

    /// `usage`, normalised from the counts read, unless one of them (or a sum) is
    /// impossible: then why, as a warning.
    pub fn finish(self, usage: Usage) -> Result<Usage, String> {
        match self.impossible {
            Some(why) => Err(why),
            None => usage.checked(),
        }
    }
}

/// A usage report kept across a stream: a later report replaces an earlier one, except
/// that an impossible report stays (the call's usage is then unknown, whatever follows).
pub fn replace_usage(slot: &mut Option<Result<Usage, String>>, report: Result<Usage, String>) {
    if !matches!(slot, Some(Err(_))) {
        *slot = Some(report);
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
pub struct Cancel(Arc<Stopping>);

/// The side that cancels.
#[derive(Debug)]
pub struct Canceller(Arc<Stopping>);

/// A token that wakes every call waiting on it, and the reason it was cancelled for. The
/// reason is set before the token is cancelled, so a call woken by it always finds one.
#[derive(Debug, Default)]
struct Stopping {
    token: CancellationToken,
    reason: OnceLock<Stop>,
}

impl Canceller {
    pub fn cancel(&self) {
        self.stop(Stop::Cancelled);
    }

    /// Stops the calls for `reason`; the first reason given is the one that stays.
    pub fn stop(&self, reason: Stop) {
        if self.0.reason.set(reason).is_ok() {
            self.0.token.cancel();
        }
    }
}

impl Cancel {
    pub fn new() -> (Canceller, Cancel) {
        let stopping = Arc::new(Stopping::default());
        (Canceller(stopping.clone()), Cancel(stopping))
    }

    /// A token nobody cancels.
    pub fn never() -> Cancel {
        Cancel::new().1
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.reason.get().is_some()
    }

    /// Why the calls were stopped, once they were.
    pub fn reason(&self) -> Option<Stop> {
        self.0.reason.get().copied()
    }

    /// Resolves when cancelled; never, if the canceller is gone without cancelling.
    pub async fn cancelled(&self) {
        self.0.token.cancelled().await;
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

/// The most one stream event (an SSE event, an NDJSON line) may hold. A bigger one fails
/// the call instead of growing memory without bound.
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

fn too_large(limit: usize) -> Failure {
    cut(format!(
        "a stream event was larger than {} MiB; the rest of the answer was not read",
        limit / (1024 * 1024)
    ))
}

/// Whether an event or line that the decoder refused at the very end of a body was whole.
/// Every wire format's events are JSON (`[DONE]` is never refused), so one that is not
/// JSON there was cut off mid-way by the end of the body, and is dropped.
fn is_json(data: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(data.trim()).is_ok()
}

/// Feeds SSE events from a byte stream to `decoder`, text to `sink` (the parser is
/// [`sse::Parser`]: bounded, and the last event counts without its blank line).
pub async fn drive_sse<S, E, D>(
    body: S,
    decoder: D,
    sink: &mut Sink<'_>,
    started: Instant,
    cancel: &Cancel,
) -> Result<ChatResult, ChatFailure>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
    D: StreamDecoder,
{
    let mut parser = sse::Parser::new(MAX_EVENT_BYTES);
    drive(
        body,
        decoder,
        sink,
        started,
        cancel,
        |input, out| match input {
            Some(chunk) => parser.feed(chunk, out).map_err(|e| e.limit),
            None => {
                parser.finish(out);
                Ok(())
            }
        },
    )
    .await
}

/// Feeds newline-delimited JSON lines (Ollama) to `decoder`, text to `sink`. A last line
/// without its newline still counts.
pub async fn drive_ndjson<S, E, D>(
    body: S,
    decoder: D,
    sink: &mut Sink<'_>,
    started: Instant,
    cancel: &Cancel,
) -> Result<ChatResult, ChatFailure>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
    D: StreamDecoder,
{
    let mut lines = Lines::new(MAX_EVENT_BYTES);
    drive(
        body,
        decoder,
        sink,
        started,
        cancel,
        |input, out| match input {
            Some(chunk) => lines.feed(chunk, out),
            None => {
                lines.finish(out);
                Ok(())
            }
        },
    )
    .await
}

/// Splits a body into lines, holding at most `limit` bytes of one line.
struct Lines {
    limit: usize,
    buf: Vec<u8>,
    /// How much of `buf` is known to hold no newline.
    scanned: usize,
}

impl Lines {
    fn new(limit: usize) -> Lines {
        Lines {
            limit,
            buf: Vec::new(),
            scanned: 0,
        }
    }

    /// Pushes the non-blank lines `chunk` completes onto `out`, as events; fails with the
    /// limit once one line is over it.
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<sse::Event>) -> Result<(), usize> {
        self.buf.extend_from_slice(chunk);
        let mut start = 0;
        while let Some(nl) = self.buf[self.scanned..].iter().position(|b| *b == b'\n') {
            let end = self.scanned + nl;
            if end - start > self.limit {
                return Err(self.limit);
            }
            out.extend(line_event(&self.buf[start..end]));
            start = end + 1;
            self.scanned = start;
        }
        self.buf.drain(..start);
        self.scanned = self.buf.len();
        if self.buf.len() > self.limit {
            return Err(self.limit);
        }
        Ok(())
    }

    /// The last line, when the body ends without its newline.
    fn finish(&mut self, out: &mut Vec<sse::Event>) {
        let rest = std::mem::take(&mut self.buf);
        out.extend(line_event(&rest));
    }
}

fn line_event(line: &[u8]) -> Option<sse::Event> {
    let line = String::from_utf8_lossy(line);
    let line = line.trim();
    (!line.is_empty()).then(|| sse::Event {
        event: String::new(),
        data: line.to_string(),
    })
}

/// The loop both drivers share: `split` pushes the events each piece of the body
/// completes (then, given `None`, those still open at its end), or fails with the limit
/// an event went past (the events completed before it are still pushed).
/// Events are decoded and their text sent to `sink` as they come; the stream stops at
/// the decoder's end marker, a failure, a cancel, or the end of the body.
async fn drive<S, E, D, F>(
    mut body: S,
    mut decoder: D,
    sink: &mut Sink<'_>,
    started: Instant,
    cancel: &Cancel,
    mut split: F,
) -> Result<ChatResult, ChatFailure>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
    D: StreamDecoder,
    F: FnMut(Option<&[u8]>, &mut Vec<sse::Event>) -> Result<(), usize>,
{
    let mut text = String::new();
    let mut ttft = None;
    let mut events = Vec::new();
    loop {
        let next = tokio::select! {
            n = body.next() => n,
            _ = cancel.cancelled() => return Err(partial(&decoder, text, ttft, interrupted())),
        };
        let at_end = next.is_none();
        let split = match next {
            Some(Ok(chunk)) => split(Some(&chunk), &mut events),
            Some(Err(e)) => {
                return Err(partial(
                    &decoder,
                    text,
                    ttft,
                    cut(format!("the stream broke off: {e}")),
                ));
            }
            None => split(None, &mut events),
        };
        // Events completed before an oversized one are still decoded.
        for sse::Event { event, data } in events.drain(..) {
            let deltas = match decoder.event(&event, &data) {
                Ok(d) => d,
                // Half an event at the end of the body (the stream was cut there) never
                // counts; whether the answer was whole all the same is for `finish`.
                Err(_) if at_end && !is_json(&data) => continue,
                Err(f) => return Err(partial(&decoder, text, ttft, f)),
            };
            if let Err(e) = emit(&deltas, &mut text, &mut ttft, started, sink) {
                return Err(with_text(&decoder, text, ttft, e));
            }
            if decoder.finished() {
                return finish(&decoder, text, ttft);
            }
        }
        if let Err(limit) = split {
            return Err(partial(&decoder, text, ttft, too_large(limit)));
        }
        if at_end {
            return finish(&decoder, text, ttft);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::{ollama, openai};
    use serde_json::json;

    #[test]
    fn the_first_reason_to_stop_stays_and_wakes_every_waiter() {
        let (canceller, cancel) = Cancel::new();
        let other = cancel.clone();
        assert!(!cancel.is_cancelled() && cancel.reason().is_none());
        crate::http::runtime().block_on(async {
            let waiter = tokio::spawn(async move {
                other.cancelled().await;
                other.reason()
            });
            tokio::task::yield_now().await;
            canceller.stop(Stop::Signal(2));
            canceller.stop(Stop::Deadline(Duration::from_secs(1)));
            canceller.cancel();
            assert_eq!(waiter.await.unwrap(), Some(Stop::Signal(2)));
            cancel.cancelled().await;
        });
        assert!(cancel.is_cancelled());
        assert_eq!(cancel.reason(), Some(Stop::Signal(2)));
        // Nobody cancels `never`, and a dropped canceller cancels nothing.
        let never = Cancel::never();
        assert!(!never.is_cancelled() && never.reason().is_none());
        let (canceller, cancel) = Cancel::new();
        drop(canceller);
        let waited = crate::http::runtime().block_on(async {
            tokio::time::timeout(Duration::from_millis(20), cancel.cancelled()).await
        });
        assert!(waited.is_err());
    }

    #[test]
    fn one_rule_for_every_token_count() {
        let ok = |v: serde_json::Value| token_count(Some(&v));
        assert_eq!(token_count(None), Ok(None));
        assert_eq!(ok(json!(null)), Ok(None));
        assert_eq!(ok(json!(0)), Ok(Some(0)));
        assert_eq!(ok(json!(1234)), Ok(Some(1234)));
        assert_eq!(
            ok(json!(MAX_TOKENS_PER_CALL)),
            Ok(Some(MAX_TOKENS_PER_CALL))
        );
        for bad in [
            json!(MAX_TOKENS_PER_CALL + 1),
            json!(u64::MAX),
            json!(-1),
            json!(i64::MIN),
            json!(1.5),
            json!(12.0),
            json!(1e30),
            json!("12"),
            json!(true),
            json!([1]),
            json!({"n": 1}),
        ] {
            assert!(ok(bad.clone()).is_err(), "{bad} was taken as a count");
        }
        // Through serde_json's own parsing of the raw text, as it comes off the wire.
        for raw in [
            "-5",
            "1.5",
            "1e30",
            "18446744073709551615",
            "18446744073709551616",
        ] {
            let v: serde_json::Value = serde_json::from_str(raw).unwrap();
            assert!(token_count(Some(&v)).is_err(), "{raw}");
        }
    }

    #[test]
    fn an_impossible_report_makes_the_usage_unknown_with_a_warning() {
        let u = json!({"a": 5, "b": -3, "c": "x"});
        let mut r = UsageReader::new(&u);
        assert_eq!(r.count("/a"), Some(5));
        assert_eq!(r.count("/b"), None);
        assert_eq!(r.count("/c"), None);
        assert_eq!(r.count_or_zero("/missing"), 0);
        let why = r.finish(Usage::default()).unwrap_err();
        assert!(
            why.contains("impossible usage") && why.contains("b is -3"),
            "{why}"
        );

        // Each count within the limit, a normalised sum beyond it.
        let sum = Usage {
            input_tokens: 2 * MAX_TOKENS_PER_CALL,
            ..Usage::default()
        };
        assert!(sum.checked().is_err());

        let r = ChatResult {
            provider_cost_usd: Some(0.5),
            ..ChatResult::default()
        }
        .with_usage(Some(Err(why.clone())));
        assert!(!r.usage_reported && r.usage_impossible);
        assert_eq!(r.usage, Usage::default());
        assert_eq!(
            r.provider_cost_usd, None,
            "the price of an impossible usage"
        );
        assert_eq!(r.warnings, vec![why]);

        // Once impossible, a later report does not make it believable again.
        let mut slot = None;
        replace_usage(&mut slot, Ok(Usage::default()));
        replace_usage(&mut slot, Err("bad".into()));
        replace_usage(&mut slot, Ok(Usage::default()));
        assert_eq!(slot, Some(Err("bad".into())));
    }

    #[test]
    fn an_sse_event_over_the_limit_fails_and_keeps_the_text_before_it() {
        let first = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}\n\n";
        let huge = format!(
            "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{}\"}}}}]}}\n\n",
            "x".repeat(MAX_EVENT_BYTES)
        );
        let end = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
        // In one piece, and in pieces of 64 KiB.
        let body = format!("{first}{huge}{end}").into_bytes();
        let pieces: Vec<Vec<u8>> = body.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
        for pieces in [vec![body.clone()], pieces] {
            let f = decode_pieces(pieces, openai::Decoder::default(), false).unwrap_err();
            assert_eq!(f.failure.class, FailureClass::StreamCut);
            assert!(
                f.failure.message.contains("16 MiB"),
                "{}",
                f.failure.message
            );
            assert_eq!(f.partial.text, "Hello");
        }
        // Just under the limit is an event like any other.
        let fits = format!(
            "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{}\"}}}}]}}\n\n",
            "y".repeat(MAX_EVENT_BYTES - 100)
        );
        let r = decode_pieces(
            vec![format!("{first}{fits}{end}").into_bytes()],
            openai::Decoder::default(),
            false,
        )
        .unwrap();
        assert_eq!(r.text.len(), 5 + MAX_EVENT_BYTES - 100);
    }

    #[test]
    fn an_ndjson_line_over_the_limit_fails_and_keeps_the_text_before_it() {
        let first = "{\"message\":{\"content\":\"Hello\"},\"done\":false}\n";
        let huge = format!(
            "{{\"message\":{{\"content\":\"{}\"}},\"done\":false}}",
            "x".repeat(MAX_EVENT_BYTES)
        );
        let done = "{\"message\":{\"content\":\"\"},\"done\":true,\"eval_count\":3}\n";
        // A whole line too long, a last line too long, and one arriving in small pieces.
        let bodies = [format!("{first}{huge}\n{done}"), format!("{first}{huge}")];
        for body in bodies {
            let body = body.into_bytes();
            let pieces: Vec<Vec<u8>> = body.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
            for pieces in [vec![body.clone()], pieces] {
                let f = decode_pieces(pieces, ollama::Decoder::default(), true).unwrap_err();
                assert_eq!(f.failure.class, FailureClass::StreamCut);
                assert!(
                    f.failure.message.contains("16 MiB"),
                    "{}",
                    f.failure.message
                );
                assert_eq!(f.partial.text, "Hello");
            }
        }
    }

    #[test]
    fn the_last_event_at_the_end_of_a_body_is_judged_whole_or_cut() {
        // Whole JSON without its blank line: decoded.
        let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}";
        let r = decode_pieces(vec![body.into()], openai::Decoder::default(), false).unwrap();
        assert_eq!(r.usage.input_tokens, 3);
        // Half an event is dropped, not a JSON complaint: here the answer was whole.
        let half = &body[..body.len() - 10];
        let r = decode_pieces(vec![half.into()], openai::Decoder::default(), false).unwrap();
        assert!(!r.usage_reported, "the half event is not decoded");
        // And here it was not.
        let cut =
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: {\"choi";
        let f = decode_pieces(vec![cut.into()], openai::Decoder::default(), false).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::StreamCut);
        assert_eq!(f.partial.text, "Hi");
        // A whole error object as the last line of an NDJSON body is that error.
        let body =
            "{\"message\":{\"content\":\"Hi\"},\"done\":false}\n{\"error\":\"out of memory\"}";
        let f = decode_pieces(vec![body.into()], ollama::Decoder::default(), true).unwrap_err();
        assert_eq!(f.failure.message, "out of memory");
    }
}
