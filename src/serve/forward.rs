//! One try of a served request (README "Give a tool your keys without giving it your
//! keys"): the [`Caller`] the walk hands each candidate to. Same wire: the client's body
//! goes out as written, with only `model` (and an answer allowance a budget set) and the
//! key replaced, and the answer comes back event by event as it arrives, read on the way
//! for the ledger's usage. Cross wire: the text subset, translated both ways.
//!
//! The response head goes to the client with the first byte of an answer, so a try
//! that fails before then can still be retried or replaced by the walk.

use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use hyper::Response;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::reply::{self, Body, ClientWire};
use super::translate::{self, TextChat, Upstream};
use crate::policy::{Caller, Tried, Try};
use crate::providers::Wire;
use crate::providers::chat::{self, ChatFailure, ChatResult, MAX_EVENT_BYTES, sse};
use crate::providers::failure::{Failure, FailureClass, provider_text};

/// Where a request's response goes: its head (status and headers, once), then the
/// pieces of a streamed body.
pub struct Outlet {
    head: Option<oneshot::Sender<Response<Body>>>,
    tx: Option<mpsc::UnboundedSender<Bytes>>,
}

/// The client went away.
pub struct Gone;

impl Outlet {
    pub fn new() -> (Outlet, oneshot::Receiver<Response<Body>>) {
        let (head, rx) = oneshot::channel();
        (
            Outlet {
                head: Some(head),
                tx: None,
            },
            rx,
        )
    }

    /// Whether anything reached the client.
    pub fn emitted(&self) -> bool {
        self.head.is_none()
    }

    /// A whole response (an answer, or an error when nothing was sent yet).
    pub fn reply(&mut self, response: Response<Body>) -> Result<(), Gone> {
        match self.head.take() {
            Some(head) => head.send(response).map_err(|_| Gone),
            None => Err(Gone),
        }
    }

    /// A piece of a streamed answer; the first one opens the response.
    fn send(&mut self, content_type: &str, bytes: Bytes) -> Result<(), Gone> {
        if let Some(head) = self.head.take() {
            let (response, tx) = reply::stream(content_type);
            head.send(response).map_err(|_| Gone)?;
            self.tx = Some(tx);
        }
        match &self.tx {
            Some(tx) => tx.send(bytes).map_err(|_| Gone),
            None => Err(Gone),
        }
    }

    /// Resolves when the client has gone away.
    async fn closed(&mut self) {
        if let Some(tx) = &self.tx {
            tx.closed().await
        } else if let Some(head) = &mut self.head {
            head.closed().await
        } else {
            std::future::pending().await
        }
    }

    /// Ends a streamed body.
    pub fn finish(&mut self) {
        self.tx = None;
    }

    /// Ends a streamed body that broke off with `event` (`reply::stream_error`), when
    /// the client is still there to read it.
    pub fn break_off(&mut self, event: Bytes) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(event);
        }
    }
}

/// The request as the client sent it (after the outbound guard), and where the answer goes.
pub struct Forward<'a> {
    pub client: &'a reqwest::Client,
    pub wire: ClientWire,
    pub body: &'a Value,
    /// The text subset, for a candidate of another wire; `Err`: the field it cannot carry.
    pub chat: &'a Result<TextChat, String>,
    /// The model the client asked for, as it named it (written into translated answers).
    pub asked: &'a str,
    pub outlet: Outlet,
    /// The class and HTTP status of the last failed try, for the status of a walk that
    /// produced no answer.
    pub last: Option<(FailureClass, Option<u16>)>,
}

/// Whether a candidate of `wire` speaks the client's wire.
pub fn same_wire(client: ClientWire, wire: Wire) -> bool {
    matches!(
        (client, wire),
        (ClientWire::OpenAi, Wire::OpenAi) | (ClientWire::Anthropic, Wire::Anthropic)
    )
}

fn fail(class: FailureClass, message: impl Into<String>) -> ChatFailure {
    ChatFailure::before_answer(Failure::new(class, message))
}

fn interrupted(partial: ChatResult) -> ChatFailure {
    ChatFailure {
        failure: Failure::new(FailureClass::Interrupted, "interrupted"),
        partial: Box::new(partial),
    }
}

impl Caller for Forward<'_> {
    fn call<'t>(&'t mut self, t: Try<'t>) -> LocalBoxFuture<'t, Tried> {
        Box::pin(async move {
            let outcome = self.attempt(&t).await;
            if let Err(f) = &outcome {
                self.last = Some((f.failure.class, f.failure.status));
            }
            Tried {
                outcome,
                emitted: self.outlet.emitted(),
            }
        })
    }
}

/// How the answer of a try is read back.
enum Mode {
    /// Passed through; strip the usage chunk byte asked for when the client did not.
    Same { strip_usage: bool },
    /// Translated back into the client's wire.
    Cross { include_usage: bool },
}

impl Forward<'_> {
    async fn attempt(&mut self, t: &Try<'_>) -> Result<ChatResult, ChatFailure> {
        let provider = &t.candidate.provider;
        let adapter = provider.spec.wire.adapter();
        let secrets: Vec<&str> = t.key.into_iter().collect();
        let stream = self.body.get("stream").and_then(Value::as_bool) == Some(true);
        let (http, mode) = if same_wire(self.wire, provider.spec.wire) {
            let mut body = self.body.clone();
            body["model"] = json!(t.candidate.model);
            if let Some(n) = t.max_tokens {
                let field = ["max_completion_tokens", "max_tokens"]
                    .into_iter()
                    .find(|f| body.get(*f).is_some_and(|v| !v.is_null()))
                    .unwrap_or(if provider.spec.quirks.max_completion_tokens {
                        "max_completion_tokens"
                    } else {
                        "max_tokens"
                    });
                body[field] = json!(n);
            }
            let mut strip_usage = false;
            if stream && self.wire == ClientWire::OpenAi {
                let asked = body.pointer("/stream_options/include_usage") == Some(&json!(true));
                if !asked {
                    if !body.get("stream_options").is_some_and(Value::is_object) {
                        body["stream_options"] = json!({});
                    }
                    body["stream_options"]["include_usage"] = json!(true);
                    strip_usage = true;
                }
            }
            let Some(post) = adapter.chat_post(self.client, provider, t.key) else {
                return Err(fail(FailureClass::BadRequest, "this wire is not forwarded"));
            };
            (post.json(&body), Mode::Same { strip_usage })
        } else {
            let chat = self.chat.as_ref().map_err(|field| {
                fail(
                    FailureClass::BadRequest,
                    translate::refusal(field, self.wire),
                )
            })?;
            let upstream = translate::request(chat, provider, &t.candidate.model, t.max_tokens)
                .map_err(|field| {
                    fail(
                        FailureClass::BadRequest,
                        translate::refusal(&field, self.wire),
                    )
                })?;
            let http = match upstream {
                Upstream::Body(b) => match adapter.chat_post(self.client, provider, t.key) {
                    Some(post) => post.json(&b),
                    None => {
                        return Err(fail(FailureClass::BadRequest, "this wire is not forwarded"));
                    }
                },
                Upstream::Chat(req) => adapter.chat_request(self.client, provider, t.key, &req),
            };
            (
                http,
                Mode::Cross {
                    include_usage: chat.include_usage,
                },
            )
        };
        let started = Instant::now();
        let response = tokio::select! {
            r = http.send() => r.map_err(|e| ChatFailure::before_answer(Failure::from_transport(&e)))?,
            _ = t.cancel.cancelled() => return Err(interrupted(ChatResult::default())),
            _ = self.outlet.closed() => return Err(interrupted(ChatResult::default())),
        };
        let status = response.status().as_u16();
        crate::output::verbose(&format!(
            "POST {} → {status} ({} ms to headers)",
            response.url(),
            started.elapsed().as_millis()
        ));
        let response = chat::answered(response, &secrets).await?;
        let content_type = response
            .headers()
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(if stream {
                "text/event-stream"
            } else {
                "application/json"
            })
            .to_string();
        if !stream {
            let raw = tokio::select! {
                b = response.bytes() => b.map_err(|e| ChatFailure::before_answer(Failure::from_transport(&e)))?,
                _ = t.cancel.cancelled() => return Err(interrupted(ChatResult::default())),
                _ = self.outlet.closed() => return Err(interrupted(ChatResult::default())),
            };
            let value: Value = serde_json::from_slice(&raw).map_err(|e| {
                fail(
                    FailureClass::BadRequest,
                    format!("the answer was not JSON ({e})"),
                )
            })?;
            let mut result = adapter.parse_complete(&value).map_err(|mut f| {
                f.message = provider_text(&f.message, &secrets);
                ChatFailure::before_answer(f)
            })?;
            result.ttft = Some(started.elapsed());
            let bytes = match mode {
                Mode::Same { .. } => scrub(raw, &secrets),
                Mode::Cross { .. } => {
                    Bytes::from(translate::answer(self.wire, self.asked, &result).to_string())
                }
            };
            let ct = match mode {
                Mode::Same { .. } => content_type.as_str(),
                Mode::Cross { .. } => "application/json",
            };
            // A client gone by now still cost what the answer used: it is settled.
            let _ = self.outlet.reply(reply::whole(200, ct, bytes));
            return Ok(result);
        }
        match mode {
            Mode::Same { strip_usage } => {
                self.pass_through(response, &content_type, strip_usage, t, &secrets, started)
                    .await
            }
            Mode::Cross { include_usage } => {
                self.translate_stream(response, include_usage, t, started)
                    .await
            }
        }
    }

    /// A same-wire stream: every event to the client as it completes (bar the usage
    /// chunk byok asked for itself), each read by the wire's decoder for text and usage.
    async fn pass_through(
        &mut self,
        response: reqwest::Response,
        content_type: &str,
        strip_usage: bool,
        t: &Try<'_>,
        secrets: &[&str],
        started: Instant,
    ) -> Result<ChatResult, ChatFailure> {
        let adapter = t.candidate.provider.spec.wire.adapter();
        let mut decoder = adapter.stream_decoder();
        let mut body = response.bytes_stream();
        let mut events = RawEvents::default();
        let mut parser = sse::Parser::new(MAX_EVENT_BYTES);
        let mut text = String::new();
        let mut ttft = None;
        let mut failure: Option<Failure> = None;
        let mut gone = false;
        let mut ended = false;
        while failure.is_none() && !gone && !decoder.finished() {
            let chunk = tokio::select! {
                c = body.next() => c,
                _ = t.cancel.cancelled() => { gone = true; break }
                _ = self.outlet.closed() => { gone = true; break }
            };
            let raws = match chunk {
                Some(Ok(bytes)) => events.feed(&bytes),
                Some(Err(e)) => {
                    failure = Some(Failure::new(
                        FailureClass::StreamCut,
                        format!("the answer stopped half-way: {e}"),
                    ));
                    // What arrived of an event the cut broke is no event: the client gets
                    // the whole events before it, then serve's error event.
                    Vec::new()
                }
                None => {
                    ended = true;
                    events.rest()
                }
            };
            if events.too_large() {
                failure = Some(Failure::new(
                    FailureClass::StreamCut,
                    "a stream event was larger than 16 MiB; the rest was not read",
                ));
            }
            for raw in raws {
                let mut parsed = Vec::new();
                let _ = parser.feed(&raw, &mut parsed);
                if ended {
                    parser.finish(&mut parsed);
                }
                let mut forward = true;
                for ev in &parsed {
                    if strip_usage && is_usage_chunk(&ev.data) {
                        forward = false;
                    }
                    match decoder.event(&ev.event, &ev.data) {
                        Ok(deltas) => {
                            for d in deltas {
                                if ttft.is_none() && !d.is_empty() {
                                    ttft = Some(started.elapsed());
                                }
                                text.push_str(&d);
                            }
                        }
                        Err(mut f) => {
                            f.message = provider_text(&f.message, secrets);
                            failure.get_or_insert(f);
                        }
                    }
                }
                if forward
                    && self
                        .outlet
                        .send(content_type, scrub(Bytes::from(raw), secrets))
                        .is_err()
                {
                    gone = true;
                    break;
                }
            }
            if ended {
                break;
            }
        }
        let mut result = decoder.result();
        result.text = text;
        result.ttft = ttft;
        if gone {
            return Err(interrupted(result));
        }
        if let Some(failure) = failure {
            return Err(ChatFailure {
                failure,
                partial: Box::new(result),
            });
        }
        if !decoder.complete() {
            return Err(ChatFailure {
                failure: Failure::new(
                    FailureClass::StreamCut,
                    "the answer stopped half-way (the stream ended early)",
                ),
                partial: Box::new(result),
            });
        }
        self.outlet.finish();
        Ok(result)
    }

    /// A cross-wire stream: the candidate's text, written as the client's wire's events.
    async fn translate_stream(
        &mut self,
        response: reqwest::Response,
        include_usage: bool,
        t: &Try<'_>,
        started: Instant,
    ) -> Result<ChatResult, ChatFailure> {
        let adapter = t.candidate.provider.spec.wire.adapter();
        let mut events = translate::Events::new(self.wire, self.asked, include_usage);
        let outlet = &mut self.outlet;
        let outcome = {
            let mut sink = |d: &str| -> std::io::Result<()> {
                if d.is_empty() {
                    return Ok(());
                }
                outlet
                    .send("text/event-stream", Bytes::from(events.delta(d)))
                    .map_err(|_| {
                        std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
                    })
            };
            let body = response.bytes_stream();
            let decoder = adapter.stream_decoder();
            match adapter.framing() {
                crate::providers::Framing::Sse => {
                    chat::drive_sse(body, decoder, &mut sink, started, t.cancel).await
                }
                crate::providers::Framing::Ndjson => {
                    chat::drive_ndjson(body, decoder, &mut sink, started, t.cancel).await
                }
            }
        };
        let result = outcome?;
        let _ = outlet.send("text/event-stream", Bytes::from(events.end(&result)));
        outlet.finish();
        Ok(result)
    }
}

/// Whether an OpenAI stream event is the usage chunk (`choices` empty, `usage` set).
fn is_usage_chunk(data: &str) -> bool {
    if !data.contains("\"usage\"") {
        return false;
    }
    serde_json::from_str::<Value>(data).is_ok_and(|v| {
        v.get("usage").is_some_and(Value::is_object)
            && v.get("choices")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
    })
}

/// A provider's bytes, with a key it echoed (it should never) redacted.
fn scrub(bytes: Bytes, secrets: &[&str]) -> Bytes {
    let holds = secrets
        .iter()
        .any(|s| !s.is_empty() && bytes.windows(s.len()).any(|w| w == s.as_bytes()));
    if !holds {
        return bytes;
    }
    Bytes::from(crate::secret::redact(
        &String::from_utf8_lossy(&bytes),
        secrets,
    ))
}

/// Cuts a byte stream into whole SSE events, as bytes exactly as they came (line ends
/// and all): an event ends at a blank line.
#[derive(Default)]
struct RawEvents {
    buf: Vec<u8>,
    /// How far `buf` is known to hold no event end.
    scanned: usize,
}

impl RawEvents {
    fn feed(&mut self, chunk: &[u8]) -> Vec<Vec<u8>> {
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        let mut start = 0;
        // `i` is always the start of a line.
        let mut i = self.scanned;
        loop {
            let blank = matches!(self.buf.get(i), Some(b'\r' | b'\n'));
            match line_end(&self.buf, i) {
                Some(LineEnd::At(next)) if blank => {
                    out.push(self.buf[start..next].to_vec());
                    start = next;
                    i = next;
                }
                Some(LineEnd::At(next)) => i = next,
                Some(LineEnd::NotYet) | None => break,
            }
        }
        self.buf.drain(..start);
        self.scanned = i - start;
        out
    }

    /// What is left when the body ends.
    fn rest(&mut self) -> Vec<Vec<u8>> {
        self.scanned = 0;
        let rest = std::mem::take(&mut self.buf);
        if rest.is_empty() {
            Vec::new()
        } else {
            vec![rest]
        }
    }

    fn too_large(&self) -> bool {
        self.buf.len() > MAX_EVENT_BYTES
    }
}

enum LineEnd {
    /// The line starting at the given offset ends; the next line starts here.
    At(usize),
    /// A `\r` at the very end: it may be followed by `\n`.
    NotYet,
}

/// Where the line that starts at `from` ends (after its line end), if it is whole.
fn line_end(buf: &[u8], from: usize) -> Option<LineEnd> {
    let at = from
        + buf[from..]
            .iter()
            .position(|b| *b == b'\n' || *b == b'\r')?;
    if buf[at] == b'\n' {
        return Some(LineEnd::At(at + 1));
    }
    match buf.get(at + 1) {
        Some(b'\n') => Some(LineEnd::At(at + 2)),
        Some(_) => Some(LineEnd::At(at + 1)),
        None => Some(LineEnd::NotYet),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_events_keep_every_byte_and_split_at_blank_lines() {
        let body = b"data: {\"a\":1}\n\nevent: x\r\ndata: y\r\n\r\ndata: [DONE]\n\n".to_vec();
        for step in 1..body.len() {
            let mut r = RawEvents::default();
            let mut got = Vec::new();
            for piece in body.chunks(step) {
                got.extend(r.feed(piece));
            }
            got.extend(r.rest());
            assert_eq!(got.concat(), body, "step {step}");
            assert_eq!(got.len(), 3, "step {step}: {got:?}");
        }
        assert!(is_usage_chunk(
            r#"{"choices":[],"usage":{"prompt_tokens":1}}"#
        ));
        assert!(!is_usage_chunk(
            r#"{"choices":[{"delta":{}}],"usage":null}"#
        ));
    }
}
