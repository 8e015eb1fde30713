//! The one core of the four wire fakes (OpenAI-compatible, Anthropic, Gemini, Ollama):
//! what the fake model answers ([`Answer`]: text pieces, thinking, [`Usage`], finish
//! reason), how the stream body is cut into HTTP chunks ([`Chunking`]), what goes wrong
//! ([`Fault`]), and the key the fake insists on. A small [`Wire`] renderer per format turns
//! an answer into that provider's exact bodies (`wire_openai.rs`, `wire_anthropic.rs`,
//! `wire_gemini.rs`, `wire_ollama.rs`); everything else lives here, once.
//!
//! ```ignore
//! let answer = Answer::text(&["Hel", "lo"]).usage(Usage::new(1200, 40).cached(1000));
//! let fake = Fake::anthropic(KEY, answer.clone()).server(); // refuses any other key
//! home.env("ANTHROPIC_API_KEY", KEY).env("BYOK_ANTHROPIC_BASE_URL", &fake.url());
//! // … run byok, then compare with answer.full_text() and answer.usage.expected()
//! ```
//!
//! Every fake checks the key before anything else it answers: the key is part of building
//! it (`Fake::openai(KEY, …)`, `Fake::ollama(None, …)` for a provider that takes none), and
//! a request without exactly that key in the wire's own header gets the provider's real
//! refusal. A key in the URL is refused with 418 on every wire.
//!
//! Streams are split at random byte offsets with a few milliseconds between pieces, from
//! a seed derived from the test's name ([`seed_from`]); the seed is printed when the fake
//! is built (shown with a failing test's output), and `FAKE_SEED=0x…` replays or varies it.

use std::time::Duration;

use serde_json::{Value, json};

use super::fake::{FakeServer, Reply, Request, test_name};

// ---------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------

/// A 64-bit seed from a name (FNV-1a).
pub fn seed_from(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The seed of the running test: `FAKE_SEED` (hex with `0x`, or decimal) when set, else
/// [`seed_from`] the test's name.
pub fn test_seed() -> u64 {
    match std::env::var("FAKE_SEED") {
        Ok(s) => {
            let s = s.trim();
            let parsed = match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("FAKE_SEED={s} is not a number"))
        }
        Err(_) => seed_from(&test_name()),
    }
}

/// xorshift64: deterministic for a seed, never stuck at zero.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng((seed ^ 0x9E37_79B9_7F4A_7C15).max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        assert!(lo <= hi);
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

// ---------------------------------------------------------------------------
// What the model answers
// ---------------------------------------------------------------------------

/// The usage of an answer, with the meaning byok reports it in (README "JSON output"); each
/// renderer turns it into its wire's own counters (Anthropic's `input_tokens` without the
/// cache, Gemini's `candidatesTokenCount` without thinking, …), so a test states what the
/// truth is and [`Usage::expected`] is what byok must say.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Usage {
    /// Every prompt token, cache reads and writes included.
    pub input: u64,
    /// Prompt tokens read from a cache (part of `input`).
    pub cached: u64,
    /// Prompt tokens written to a cache (part of `input`).
    pub cache_write: u64,
    /// The part of `cache_write` written with a one-hour lifetime (Anthropic).
    pub cache_write_1h: u64,
    /// Every generated token, reasoning included.
    pub output: u64,
    /// Thinking tokens (part of `output`), as far as the wire reports them apart.
    pub reasoning: u64,
    /// A price the provider reports itself, in USD (OpenRouter's `usage.cost`).
    pub cost: Option<f64>,
}

impl Usage {
    pub fn new(input: u64, output: u64) -> Usage {
        Usage {
            input,
            output,
            ..Usage::default()
        }
    }

    pub fn cached(mut self, n: u64) -> Usage {
        self.cached = n;
        self
    }

    /// `n` prompt tokens written to a cache, `of_them_1h` of them with a one-hour TTL.
    pub fn cache_write(mut self, n: u64, of_them_1h: u64) -> Usage {
        assert!(of_them_1h <= n, "1h writes are part of all writes");
        self.cache_write = n;
        self.cache_write_1h = of_them_1h;
        self
    }

    pub fn reasoning(mut self, n: u64) -> Usage {
        self.reasoning = n;
        self
    }

    pub fn cost(mut self, usd: f64) -> Usage {
        self.cost = Some(usd);
        self
    }

    /// What `byok --json run` must report as `usage`.
    pub fn expected(&self) -> Value {
        json!({
            "input_tokens": self.input,
            "output_tokens": self.output,
            "cached_input_tokens": self.cached,
            "cache_write_tokens": self.cache_write,
            "reasoning_tokens": self.reasoning,
        })
    }

    /// Panics when the wire has no counter for a part of this usage (a test asking for
    /// it could never see byok report it).
    pub fn assert_fits(&self, wire: &str, cached: bool, cache_write: bool, reasoning: bool) {
        assert!(
            cached || self.cached == 0,
            "the {wire} wire does not report cached tokens"
        );
        assert!(
            cache_write || self.cache_write == 0,
            "the {wire} wire does not report cache writes"
        );
        assert!(
            reasoning || self.reasoning == 0,
            "the {wire} wire does not report reasoning tokens apart"
        );
        assert!(self.cached + self.cache_write <= self.input, "{self:?}");
        assert!(self.reasoning <= self.output, "{self:?}");
    }
}

/// What the fake model says.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The answer text, in the pieces the stream carries (one delta, chunk or line each).
    pub text: Vec<String>,
    /// Thinking or reasoning sent before the text (never answer text), one piece each.
    pub thinking: Vec<String>,
    pub usage: Usage,
    /// Why the answer ended, in the wire's words; `None`: the wire's usual (`stop`,
    /// `end_turn`, `STOP`).
    pub finish: Option<String>,
    /// The model the answer names; `None`: the model of the request (OpenAI: a dated
    /// snapshot of it).
    pub model: Option<String>,
    /// Fields merged as they are into every usage object the wire sends (e.g. a negative
    /// count), in the wire's own names.
    pub usage_patch: Option<Value>,
}

impl Answer {
    /// These text pieces, 12 prompt tokens and one output token per piece.
    pub fn text(pieces: &[&str]) -> Answer {
        Answer {
            text: pieces.iter().map(|p| p.to_string()).collect(),
            thinking: Vec::new(),
            usage: Usage::new(12, pieces.len().max(1) as u64),
            finish: None,
            model: None,
            usage_patch: None,
        }
    }

    pub fn thinking(mut self, pieces: &[&str]) -> Answer {
        self.thinking = pieces.iter().map(|p| p.to_string()).collect();
        self
    }

    pub fn usage(mut self, usage: Usage) -> Answer {
        self.usage = usage;
        self
    }

    pub fn finish(mut self, reason: &str) -> Answer {
        self.finish = Some(reason.to_string());
        self
    }

    pub fn model(mut self, model: &str) -> Answer {
        self.model = Some(model.to_string());
        self
    }

    /// Merge `fields` into every usage object, e.g. `json!({"completion_tokens": -5})`.
    pub fn usage_patch(mut self, fields: Value) -> Answer {
        self.usage_patch = Some(fields);
        self
    }

    /// The whole answer text.
    pub fn full_text(&self) -> String {
        self.text.concat()
    }

    /// The first `n` pieces of text: what a client has printed when the stream fails
    /// after them.
    pub fn text_through(&self, n: usize) -> String {
        self.text[..n].concat()
    }

    /// `usage` with [`Answer::usage_patch`] merged in.
    pub fn patched(&self, mut usage: Value) -> Value {
        if let Some(Value::Object(patch)) = &self.usage_patch {
            for (k, v) in patch {
                usage[k] = v.clone();
            }
        }
        usage
    }
}

/// An error a provider reports: the HTTP status it comes with, the wire's type or status
/// word, and the message.
#[derive(Clone, Debug)]
pub struct Failure {
    pub status: u16,
    pub kind: String,
    pub message: String,
}

impl Failure {
    pub fn new(status: u16, kind: &str, message: &str) -> Failure {
        Failure {
            status,
            kind: kind.to_string(),
            message: message.to_string(),
        }
    }
}

// ---------------------------------------------------------------------------
// The renderer each wire provides
// ---------------------------------------------------------------------------

/// One event (SSE event or NDJSON line) of a stream, as bytes, and which text piece it
/// carries, if any.
#[derive(Clone, Debug)]
pub struct Event {
    pub bytes: Vec<u8>,
    pub text: Option<usize>,
}

impl Event {
    pub fn new(bytes: Vec<u8>) -> Event {
        Event { bytes, text: None }
    }
}

/// A chat request the wire accepted: the model asked for, whether a stream was asked for
/// (and, OpenAI, streamed usage).
#[derive(Clone, Debug)]
pub struct Call {
    pub model: String,
    pub stream: bool,
    pub include_usage: bool,
}

/// What one wire format does differently.
pub trait Wire: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The provider's name, for messages.
    fn name(&self) -> &'static str;

    /// Checks a request as the provider would: the route, the key (`expected`, exactly,
    /// in this wire's header and nowhere else) and the body. `Err` is the provider's
    /// answer to anything else (a refusal, or another endpoint such as Ollama's tags).
    // A refusal is a whole reply; boxing it would buy nothing in a test fake.
    #[allow(clippy::result_large_err)]
    fn check(&self, req: &Request, expected: Option<&str>) -> Result<Call, Reply>;

    /// Every event of the streamed answer, in order; `finished: false` leaves out
    /// whatever would say the answer finished (Gemini's `finishReason`).
    fn events(&self, answer: &Answer, call: &Call, finished: bool) -> Vec<Event>;

    /// The events a failure mid-stream is written as (and whatever follows it).
    fn error_events(&self, failure: &Failure, answer: &Answer, call: &Call) -> Vec<Event>;

    /// A 200 streaming reply with these pieces (the wire's content type and headers).
    fn stream_reply(&self, pieces: Vec<Vec<u8>>) -> Reply;

    /// The non-streamed answer.
    fn complete(&self, answer: &Answer, call: &Call) -> Reply;

    /// The failure as a whole HTTP answer.
    fn error_reply(&self, failure: &Failure) -> Reply;
}

/// Refuses a key sent in the URL (`?key=`, or the key itself in the path), on every wire:
/// keys travel in headers only.
pub fn key_in_url(req: &Request, expected: Option<&str>) -> Option<Reply> {
    let in_query = req
        .query()
        .is_some_and(|q| q.split('&').any(|p| p.starts_with("key=")));
    let in_path = expected.is_some_and(|k| !k.is_empty() && req.path.contains(k));
    (in_query || in_path).then(|| {
        Reply::json(
            418,
            json!({"error": {"code": 418, "message": "fake server: the key was sent in the URL"}}),
        )
    })
}

/// The credential headers of every wire other than `own`: a request carrying one of them
/// sends a key where this provider does not look for it.
pub fn foreign_credential<'a>(req: &'a Request, own: &str) -> Option<&'a str> {
    ["authorization", "x-api-key", "x-goog-api-key"]
        .into_iter()
        .filter(|h| *h != own)
        .find(|h| req.header(h).is_some())
}

/// The SSE text of one event: `event: name` (if any), `data:` lines, the separator.
pub fn sse_event(name: Option<&str>, data: &str, sep: &str) -> Vec<u8> {
    Reply::sse_body(&[(name, data)], sep)
}

// ---------------------------------------------------------------------------
// The fake
// ---------------------------------------------------------------------------

/// How a stream body is cut into HTTP chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chunking {
    /// 2 to 16 pieces cut at random byte offsets (inside events, CRLFs and UTF-8
    /// characters alike), a few milliseconds apart. The default.
    Random,
    /// Pieces of random sizes in `1..=max` bytes, sent back to back.
    Sizes(usize),
    /// One HTTP chunk per event.
    PerEvent,
    /// The whole body in one HTTP chunk.
    Whole,
}

/// The pause between pieces of a [`Chunking::Random`] stream.
pub const PIECE_PAUSE: Duration = Duration::from_millis(2);

/// What goes wrong. Counts are of answer text pieces: "after 2" is after the event that
/// carries the second piece (thinking and other events before it included). A
/// non-streamed answer is whole whatever the stream fault; an error becomes the wire's
/// error answer.
#[derive(Clone, Debug)]
pub enum Fault {
    /// This HTTP answer instead of the answer (after the key check).
    Reply(Reply),
    /// After `n` pieces the connection drops inside the next event, at a random byte
    /// offset (or right away if nothing follows), without ending the chunked body.
    CutAfter(usize),
    /// The connection drops after this many bytes of the stream body.
    CutAtByte(usize),
    /// After `n` pieces, the failure as the wire writes it mid-stream; the body then ends
    /// as that wire ends it.
    ErrorAfter(usize, Failure),
    /// After `n` pieces the body ends cleanly, with nothing saying the answer finished.
    EndAfter(usize),
    /// Everything up to and including piece `n` at once, then the rest one event at a
    /// time, this long apart (a provider stalling after its first words).
    StallAfter(usize, Duration),
}

/// A fake provider: a wire, the key it insists on, an answer, how the stream is chunked
/// and what goes wrong. Serve it with [`Fake::server`], or answer single requests with
/// [`Fake::reply_to`] from a handler of your own.
#[derive(Clone, Debug)]
pub struct Fake<W: Wire> {
    pub wire: W,
    pub answer: Answer,
    /// The key a request must carry; `None`: none at all (Ollama).
    pub key: Option<String>,
    pub chunking: Chunking,
    pub pause: Option<Duration>,
    pub fault: Option<Fault>,
    /// Whether the last event ends with its line ending(s).
    pub final_newline: bool,
    /// Events a test assembled itself (from [`Fake::events`]), streamed instead of the
    /// answer's.
    pub sent_events: Option<Vec<Vec<u8>>>,
    /// Seeds the random chunk boundaries and cut offsets.
    pub seed: u64,
}

impl<W: Wire> Fake<W> {
    /// The fake for `wire`; prints the seed it will split streams with.
    pub fn build(wire: W, key: Option<&str>, answer: Answer) -> Fake<W> {
        let seed = test_seed();
        let from = match std::env::var_os("FAKE_SEED") {
            Some(_) => "FAKE_SEED".to_string(),
            None => format!("the name of test `{}`", test_name()),
        };
        eprintln!(
            "fake {}: stream seed {seed:#x} from {from} (FAKE_SEED={seed:#x} replays it)",
            wire.name()
        );
        Fake {
            wire,
            answer,
            key: key.map(str::to_string),
            chunking: Chunking::Random,
            pause: None,
            fault: None,
            final_newline: true,
            sent_events: None,
            seed,
        }
    }

    // -- chunking ------------------------------------------------------------------

    /// Stream in pieces of random sizes in `1..=max` bytes, back to back.
    pub fn split(mut self, max: usize) -> Self {
        assert!(max >= 1);
        self.chunking = Chunking::Sizes(max);
        self
    }

    /// One HTTP chunk per event.
    pub fn per_event(mut self) -> Self {
        self.chunking = Chunking::PerEvent;
        self
    }

    /// The whole stream in one HTTP chunk.
    pub fn whole(mut self) -> Self {
        self.chunking = Chunking::Whole;
        self
    }

    /// Wait this long before each piece after the first.
    pub fn pause(mut self, d: Duration) -> Self {
        self.pause = Some(d);
        self
    }

    /// The connection closes right after the last event's data, without its blank line
    /// (or, NDJSON, its newline).
    pub fn no_final_newline(mut self) -> Self {
        self.final_newline = false;
        self
    }

    // -- faults --------------------------------------------------------------------

    /// Answer with `reply` (e.g. a 500) once the key has been checked.
    pub fn fail_with(mut self, reply: Reply) -> Self {
        self.fault = Some(Fault::Reply(reply));
        self
    }

    /// See [`Fault::CutAfter`].
    pub fn cut_after(mut self, pieces: usize) -> Self {
        self.fault = Some(Fault::CutAfter(pieces));
        self
    }

    /// See [`Fault::CutAtByte`].
    pub fn cut_at_byte(mut self, bytes: usize) -> Self {
        self.fault = Some(Fault::CutAtByte(bytes));
        self
    }

    /// See [`Fault::ErrorAfter`].
    pub fn error_after(mut self, pieces: usize, failure: Failure) -> Self {
        self.fault = Some(Fault::ErrorAfter(pieces, failure));
        self
    }

    /// See [`Fault::EndAfter`].
    pub fn end_after(mut self, pieces: usize) -> Self {
        self.fault = Some(Fault::EndAfter(pieces));
        self
    }

    /// See [`Fault::StallAfter`].
    pub fn stall_after(mut self, pieces: usize, pause: Duration) -> Self {
        self.fault = Some(Fault::StallAfter(pieces, pause));
        self
    }

    // -- answering -----------------------------------------------------------------

    /// Answers one request as the provider would: refused unless it carries the key,
    /// then the fault or the answer, streamed when the request asks for a stream.
    pub fn reply_to(&self, req: &Request) -> Reply {
        let call = match self.check(req) {
            Ok(call) => call,
            Err(reply) => return reply,
        };
        match (&self.fault, call.stream) {
            (Some(Fault::Reply(reply)), _) => reply.clone(),
            (Some(Fault::ErrorAfter(_, failure)), false) => self.wire.error_reply(failure),
            (_, false) => self.wire.complete(&self.answer, &call),
            (_, true) => self.stream(&call),
        }
    }

    /// The request as the provider checks it before answering (route, key, body): the
    /// call, or the provider's refusal.
    #[allow(clippy::result_large_err)]
    pub fn check(&self, req: &Request) -> Result<Call, Reply> {
        self.wire.check(req, self.key.as_deref())
    }

    /// A server answering every request with [`Fake::reply_to`].
    pub fn server(self) -> FakeServer {
        FakeServer::start(move |req| self.reply_to(req))
    }

    // -- bodies --------------------------------------------------------------------

    /// A streaming call for `model` (OpenAI: with streamed usage asked for).
    fn streaming_call(model: &str) -> Call {
        Call {
            model: model.to_string(),
            stream: true,
            include_usage: true,
        }
    }

    /// The events of the streamed answer for `model`, as bytes, without any fault.
    pub fn events(&self, model: &str) -> Vec<Vec<u8>> {
        self.wire
            .events(&self.answer, &Self::streaming_call(model), true)
            .into_iter()
            .map(|e| e.bytes)
            .collect()
    }

    /// The whole stream body for `model`, as the fake sends it (faults included).
    pub fn body(&self, model: &str) -> Vec<u8> {
        self.shaped(&Self::streaming_call(model)).0.concat()
    }

    /// Stream these events (a body the test assembled itself, say from [`Fake::events`]
    /// with an event added) instead of the answer's, chunked as configured.
    pub fn send_events(mut self, events: Vec<Vec<u8>>) -> Self {
        self.sent_events = Some(events);
        self
    }

    /// The events to send after the fault is applied, and the byte offset at which the
    /// connection drops (if it does).
    fn shaped(&self, call: &Call) -> (Vec<Vec<u8>>, Option<usize>) {
        let finished = !matches!(self.fault, Some(Fault::EndAfter(_)));
        let mut events = self.wire.events(&self.answer, call, finished);
        let mut cut = None;
        match &self.fault {
            None | Some(Fault::Reply(_)) | Some(Fault::StallAfter(..)) => {}
            Some(Fault::CutAfter(n)) => {
                let k = self.through(&events, *n);
                let sent: usize = events[..k].iter().map(|e| e.bytes.len()).sum();
                // Inside the next event: at most half of it, so no line of it is whole.
                let inside = events.get(k).map_or(0, |e| {
                    let half = (e.bytes.len() / 2).max(1);
                    Rng::new(self.seed ^ 0xC07).between(1, half)
                });
                cut = Some(sent + inside);
            }
            Some(Fault::CutAtByte(b)) => cut = Some(*b),
            Some(Fault::ErrorAfter(n, failure)) => {
                let k = self.through(&events, *n);
                events.truncate(k);
                events.extend(self.wire.error_events(failure, &self.answer, call));
            }
            Some(Fault::EndAfter(n)) => {
                let k = self.through(&events, *n);
                events.truncate(k);
            }
        }
        if !self.final_newline
            && let Some(last) = events.last_mut()
        {
            while matches!(last.bytes.last(), Some(b'\r' | b'\n')) {
                last.bytes.pop();
            }
        }
        let mut bytes: Vec<Vec<u8>> = events.into_iter().map(|e| e.bytes).collect();
        if let Some(cut) = cut {
            let mut left = cut;
            for e in bytes.iter_mut() {
                let n = e.len().min(left);
                e.truncate(n);
                left -= n;
            }
            bytes.retain(|e| !e.is_empty());
        }
        (bytes, cut)
    }

    /// How many events make up everything through text piece `n` (for `n` = 0: every
    /// event before the first piece).
    fn through(&self, events: &[Event], n: usize) -> usize {
        if n == 0 {
            return events
                .iter()
                .position(|e| e.text.is_some())
                .unwrap_or(events.len());
        }
        events
            .iter()
            .rposition(|e| e.text == Some(n - 1))
            .map(|i| i + 1)
            .unwrap_or_else(|| {
                panic!(
                    "fake {}: the answer has no text piece {n} to stop after",
                    self.wire.name()
                )
            })
    }

    fn stream(&self, call: &Call) -> Reply {
        if let Some(events) = &self.sent_events {
            return self.chunked(events, None, None);
        }
        let (events, cut) = self.shaped(call);
        let stall = match &self.fault {
            Some(Fault::StallAfter(n, d)) => {
                let all = self.wire.events(&self.answer, call, true);
                Some((self.through(&all, *n), *d))
            }
            _ => None,
        };
        self.chunked(&events, cut, stall)
    }

    /// The reply for these events: chunked, paused, stalled or cut as asked.
    fn chunked(
        &self,
        events: &[Vec<u8>],
        cut: Option<usize>,
        stall: Option<(usize, Duration)>,
    ) -> Reply {
        let body = events.concat();
        let (pieces, pause) = if let Some((k, d)) = stall {
            let mut pieces = vec![events[..k].concat()];
            pieces.extend(events[k..].iter().cloned());
            (pieces, Some(d))
        } else {
            match self.chunking {
                Chunking::Random => (random_pieces(&body, self.seed), Some(PIECE_PAUSE)),
                Chunking::Sizes(max) => (
                    Reply::split_random(&body, self.seed ^ max as u64, max),
                    None,
                ),
                Chunking::PerEvent => (events.to_vec(), None),
                Chunking::Whole => (vec![body.clone()], None),
            }
        };
        let n = pieces.iter().filter(|p| !p.is_empty()).count();
        let mut reply = self.wire.stream_reply(pieces);
        if let Some(d) = self.pause.or(pause) {
            reply = reply.pause(d);
        }
        if cut.is_some() {
            // Every piece goes out, then the connection drops without the last chunk.
            reply = reply.cut_after(n);
        }
        reply
    }
}

/// 2 to 16 pieces of `body`, cut at distinct random offsets.
fn random_pieces(body: &[u8], seed: u64) -> Vec<Vec<u8>> {
    if body.len() < 2 {
        return vec![body.to_vec()];
    }
    let mut rng = Rng::new(seed);
    let want = rng.between(2, 16).min(body.len());
    let mut cuts: Vec<usize> = (0..want - 1)
        .map(|_| rng.between(1, body.len() - 1))
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut pieces = Vec::new();
    let mut at = 0;
    for c in cuts.into_iter().chain([body.len()]) {
        pieces.push(body[at..c].to_vec());
        at = c;
    }
    pieces
}
