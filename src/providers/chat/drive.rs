//! The drivers every wire format's stream goes through: a byte stream is split into
//! events (SSE or NDJSON lines), each event decoded by the wire's [`StreamDecoder`], and
//! the text sent to the sink as it comes.

use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::{
    Cancel, ChatFailure, ChatResult, Sink, StreamDecoder, cut, interrupted, sink_failure, sse,
};
use crate::providers::failure::Failure;

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
#[cfg(test)]
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
#[cfg(test)]
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
    use crate::providers::failure::FailureClass;
    use crate::providers::{ollama, openai};

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
