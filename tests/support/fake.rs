//! A small, dependency-free (std only) HTTP/1.1 server that integration tests
//! use to impersonate LLM providers on 127.0.0.1.
//!
//! ```ignore
//! mod support;
//! use support::fake::*;
//!
//! let server = FakeServer::start(|req| match req.path.as_str() {
//!     "/v1/models" => Reply::json(200, serde_json::json!({"data": []})),
//!     _ => Reply::text(404, "not found"),
//! });
//! // point the CLI at server.url(), then inspect server.requests()
//! ```
//!
//! Design notes:
//! - Every accepted connection is served on its own thread, with keep-alive.
//! - All blocking socket calls use short timeouts so that threads notice the
//!   shared `stopped` flag; dropping the server therefore returns promptly
//!   even while replies are delayed, paused or hanging.
//! - A request is recorded before the handler runs, so `requests()`/`count()`
//!   are right even when the reply never comes.
//! - A reply the client abandons (it closes the connection during a delay, a
//!   pause or a hang, or a write fails) is counted in `disconnects()`.
//! - A panicking handler produces a 500 reply and makes `Drop` panic, so the
//!   failure is not lost on a background thread.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How often blocked reads and waits wake up to check the stopped flag and
/// whether the client is still there.
const POLL: Duration = Duration::from_millis(5);
/// Write timeout; a write only blocks when the client stops reading.
const WRITE_POLL: Duration = Duration::from_millis(20);
/// Requests whose head exceeds this are rejected with 400.
const MAX_HEAD: usize = 64 * 1024;
/// Upper bound on how long `Drop` waits for threads (only reached if a
/// handler itself blocks; server code ends within a few `POLL`s).
const DROP_GRACE: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------

/// One request as received by the server.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Request target including the query string, e.g. `/v1/models?after_id=x`.
    pub path: String,
    /// Header names are lower-cased; values are trimmed. Order is preserved.
    pub headers: Vec<(String, String)>,
    /// Body, decoded from `Transfer-Encoding: chunked` if necessary.
    pub body: Vec<u8>,
    /// When the request head was fully read.
    pub at: Instant,
}

impl Request {
    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query string.
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or("")
    }

    /// The query string (without `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.path.split_once('?').map(|(_, q)| q)
    }

    /// The body parsed as JSON; panics with the raw body if it is not JSON.
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body of {} {} is not JSON ({e}): {:?}",
                self.method,
                self.path,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body as UTF-8; panics if it is not.
    pub fn body_str(&self) -> &str {
        std::str::from_utf8(&self.body)
            .unwrap_or_else(|e| panic!("body of {} {} is not UTF-8: {e}", self.method, self.path))
    }
}

// ---------------------------------------------------------------------------
// Reply
// ---------------------------------------------------------------------------

/// What the server sends back for one request. Built by the handler.
///
/// Framing headers (`Content-Type`, `Content-Length`, `Transfer-Encoding`,
/// `Connection`) are added automatically unless the reply already sets a
/// header of that name with [`Reply::header`], which lets a test send
/// deliberately odd responses.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    body: Body,
    delay: Duration,
    pause: Duration,
    cut_after: Option<usize>,
}

#[derive(Clone, Debug)]
enum Body {
    /// Sent with `Content-Length`.
    Full(Vec<u8>),
    /// Sent with `Transfer-Encoding: chunked`, one HTTP chunk per piece.
    Chunked(Vec<Vec<u8>>),
    /// Nothing is ever sent.
    Hang,
}

impl Reply {
    fn new(status: u16, content_type: Option<&str>, body: Body) -> Reply {
        Reply {
            status,
            content_type: content_type.map(str::to_owned),
            headers: Vec::new(),
            body,
            delay: Duration::ZERO,
            pause: Duration::ZERO,
            cut_after: None,
        }
    }

    /// A JSON body with `Content-Type: application/json` and `Content-Length`.
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        let bytes = serde_json::to_vec(&body).expect("serialize JSON reply");
        Reply::new(status, Some("application/json"), Body::Full(bytes))
    }

    /// A `text/plain` body.
    pub fn text(status: u16, body: &str) -> Reply {
        Reply::new(
            status,
            Some("text/plain; charset=utf-8"),
            Body::Full(body.as_bytes().to_vec()),
        )
    }

    /// Arbitrary bytes with the given content type, sent with `Content-Length`.
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply::new(status, Some(content_type), Body::Full(body))
    }

    /// An empty body (`Content-Length: 0`) and no content type.
    pub fn empty(status: u16) -> Reply {
        Reply::new(status, None, Body::Full(Vec::new()))
    }

    /// Never answer. The connection is held until the client closes it
    /// (counted as a disconnect) or the server is dropped.
    pub fn hang() -> Reply {
        Reply::new(0, None, Body::Hang)
    }

    /// A streaming body sent with `Transfer-Encoding: chunked`, one HTTP chunk
    /// per piece, each written as soon as it is due (`TCP_NODELAY` is set).
    /// Empty pieces are dropped: a zero-length chunk would end the body.
    pub fn stream(status: u16, content_type: &str, pieces: Vec<Vec<u8>>) -> Reply {
        let pieces = pieces.into_iter().filter(|p| !p.is_empty()).collect();
        Reply::new(status, Some(content_type), Body::Chunked(pieces))
    }

    /// Add a response header (appended; repeated names are allowed).
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Wait this long before sending the status line. If the client closes
    /// the connection meanwhile, a disconnect is counted and nothing is sent.
    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }

    /// For streams: wait this long before each piece after the first (and
    /// before a [`Reply::cut_after`] cut), watching for client disconnects.
    pub fn pause(mut self, d: Duration) -> Reply {
        self.pause = d;
        self
    }

    /// Close the connection abruptly mid-body.
    ///
    /// For streams: after `pieces` chunks, without the terminating zero-length
    /// chunk (`cut_after(0)` sends only the head). For `Content-Length`
    /// bodies: after the first `pieces` *bytes* of the body.
    pub fn cut_after(mut self, pieces: usize) -> Reply {
        self.cut_after = Some(pieces);
        self
    }

    /// Split `body` into pieces of pseudo-random sizes in `1..=max`,
    /// deterministic for a given `seed` (xorshift64). Concatenating the
    /// pieces gives back `body`.
    pub fn split_random(body: &[u8], seed: u64, max: usize) -> Vec<Vec<u8>> {
        assert!(max >= 1, "split_random: max must be at least 1");
        // Mix the seed so that small seeds differ quickly; xorshift must never
        // have an all-zero state (it would stay zero forever).
        let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
        if state == 0 {
            state = 1;
        }
        let mut pieces = Vec::new();
        let mut rest = body;
        while !rest.is_empty() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = ((state % max as u64) as usize + 1).min(rest.len());
            pieces.push(rest[..n].to_vec());
            rest = &rest[n..];
        }
        pieces
    }

    /// Build a Server-Sent Events body from `(event name, data)` pairs:
    /// `event: x\ndata: y\n\n`. Each event ends with `sep` (`"\n\n"` or
    /// `"\r\n\r\n"`); the line ending inside events is half of `sep` when
    /// `sep` is a doubled line ending (so `"\r\n"` for `"\r\n\r\n"`, `"\r"`
    /// for `"\r\r"`), otherwise `"\n"`. Multi-line data becomes several
    /// `data:` lines.
    pub fn sse_body(events: &[(Option<&str>, &str)], sep: &str) -> Vec<u8> {
        let (a, b) = sep.split_at(sep.len() / 2);
        let eol = if !a.is_empty() && a == b { a } else { "\n" };
        let mut out = String::new();
        for (event, data) in events {
            let mut lines = Vec::new();
            if let Some(name) = event {
                lines.push(format!("event: {name}"));
            }
            for line in data.split('\n') {
                lines.push(format!("data: {}", line.strip_suffix('\r').unwrap_or(line)));
            }
            out.push_str(&lines.join(eol));
            out.push_str(sep);
        }
        out.into_bytes()
    }
}

/// Reason phrase for the status line (clients ignore it, but be tidy).
fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        529 => "Overloaded",
        _ => "Unknown",
    }
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

type Handler = Box<dyn Fn(&Request) -> Reply + Send + Sync>;

/// State shared between the server handle, the acceptor and connections.
struct Shared {
    handler: Handler,
    /// The name of the test that started the server: its threads carry it, so code
    /// running in a handler knows which test it serves (see [`test_name`]).
    test: String,
    stopped: AtomicBool,
    state: Mutex<State>,
    /// Notified whenever `state` changes (for the `wait_for_*` helpers).
    changed: Condvar,
    conns: Mutex<Vec<JoinHandle<()>>>,
}

#[derive(Default)]
struct State {
    requests: Vec<Request>,
    disconnects: usize,
    /// Messages of handler panics, re-raised by `Drop`.
    panics: Vec<String>,
}

/// Lock ignoring poisoning: no user code runs while these locks are held, and
/// a poisoned lock must not turn into a second, confusing panic.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        f(&mut lock(&self.state));
        self.changed.notify_all();
    }

    /// Run the handler; a panic becomes a 500 reply and is remembered so that
    /// `Drop` fails the test instead of the panic dying with this thread.
    fn call_handler(&self, req: &Request) -> Reply {
        match panic::catch_unwind(AssertUnwindSafe(|| (self.handler)(req))) {
            Ok(reply) => reply,
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(non-string panic payload)".to_owned());
                let line = format!("{} {}: {msg}", req.method, req.path);
                self.update(|s| s.panics.push(line));
                Reply::text(500, &format!("fake server: handler panicked: {msg}"))
            }
        }
    }
}

/// A fake HTTP/1.1 server on 127.0.0.1. Stops when dropped.
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// Start on 127.0.0.1:0 with a handler called for every request (on the
    /// connection's thread, after the request has been recorded).
    pub fn start<F>(handler: F) -> FakeServer
    where
        F: Fn(&Request) -> Reply + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("fake server: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake server: local_addr");
        let shared = Arc::new(Shared {
            handler: Box::new(handler),
            test: test_name(),
            stopped: AtomicBool::new(false),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            conns: Mutex::new(Vec::new()),
        });
        let for_acceptor = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name(shared.test.clone())
            .spawn(move || accept_loop(listener, for_acceptor))
            .expect("fake server: spawn acceptor");
        FakeServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.state).requests.clone()
    }

    /// Number of requests whose path (with query) starts with `path_prefix`.
    pub fn count(&self, path_prefix: &str) -> usize {
        lock(&self.shared.state)
            .requests
            .iter()
            .filter(|r| r.path.starts_with(path_prefix))
            .count()
    }

    /// How many replies were abandoned because the client closed the
    /// connection before the reply was complete (noticed during a delay,
    /// pause or hang, or through a failed write).
    pub fn disconnects(&self) -> usize {
        lock(&self.shared.state).disconnects
    }

    /// Wait until at least `n` requests have been received; false on timeout.
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| s.requests.len() >= n)
    }

    /// Wait until `disconnects() >= n`; false on timeout.
    pub fn wait_for_disconnects(&self, n: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| s.disconnects >= n)
    }

    fn wait_until(&self, timeout: Duration, done: impl Fn(&State) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = lock(&self.shared.state);
        loop {
            if done(&state) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = match self.shared.changed.wait_timeout(state, deadline - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        // The acceptor is blocked in accept(): connect once to wake it so it
        // sees the flag and drops the listener.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));

        let deadline = Instant::now() + DROP_GRACE;
        if let Some(acceptor) = self.acceptor.take() {
            join_until(acceptor, deadline);
        }
        // The acceptor has finished (or been given up on), so no more
        // connection threads are being added.
        let conns = std::mem::take(&mut *lock(&self.shared.conns));
        for conn in conns {
            join_until(conn, deadline);
        }

        let panics = lock(&self.shared.state).panics.clone();
        if !panics.is_empty() && !thread::panicking() {
            panic!("fake server handler panicked:\n{}", panics.join("\n"));
        }
    }
}

/// Join a thread if it ends before `deadline`; otherwise leave it detached
/// (only possible if a handler blocks), so that `Drop` never hangs.
fn join_until(handle: JoinHandle<()>, deadline: Instant) {
    while !handle.is_finished() {
        if Instant::now() >= deadline {
            return;
        }
        thread::sleep(Duration::from_millis(1));
    }
    // Connection threads do not panic except through bugs in this file;
    // `Drop` must not panic on them a second time.
    let _ = handle.join();
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.is_stopped() {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(_) => {
                // Transient (e.g. ECONNABORTED, EMFILE): back off, don't spin.
                thread::sleep(POLL);
                continue;
            }
        };
        let for_conn = Arc::clone(&shared);
        let handle = thread::Builder::new()
            .name(shared.test.clone())
            .spawn(move || Conn::new(stream, for_conn).serve())
            .expect("fake server: spawn connection thread");
        let mut conns = lock(&shared.conns);
        // Forget threads that already ended so long-lived servers don't grow.
        conns.retain(|h| !h.is_finished());
        conns.push(handle);
    }
}

/// The name of the running test: libtest runs each test on a thread named after it, and
/// a fake server's threads take the name of the test that started it, so a handler
/// gets the same answer as the test itself.
pub fn test_name() -> String {
    thread::current().name().unwrap_or("main").to_owned()
}

/// Refusal of a port: a port that was free a moment ago and has no listener.
/// (Another process could in theory grab it again; the kernel hands out
/// ephemeral ports in a way that makes that very unlikely.)
pub fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("refused_url: bind");
    let port = listener
        .local_addr()
        .expect("refused_url: local_addr")
        .port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

// ---------------------------------------------------------------------------
// Connection
// ---------------------------------------------------------------------------

/// Why a connection stops being served.
#[derive(Debug)]
enum Stop {
    /// The client closed the connection (EOF) while we were reading.
    Eof,
    /// The client went away while a reply was in progress.
    Gone,
    /// The server is being dropped.
    Stopped,
    /// Malformed request; answered with 400.
    Bad(&'static str),
}

/// What to do with the connection after a reply.
enum After {
    KeepAlive,
    Close,
}

struct Conn {
    stream: TcpStream,
    /// Bytes read from the socket and not yet consumed.
    buf: Vec<u8>,
    shared: Arc<Shared>,
}

fn is_timeout(e: &io::Error) -> bool {
    // Unix reports SO_RCVTIMEO/SO_SNDTIMEO expiry as WouldBlock, Windows as
    // TimedOut.
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

impl Conn {
    fn new(stream: TcpStream, shared: Arc<Shared>) -> Conn {
        Conn {
            stream,
            buf: Vec::new(),
            shared,
        }
    }

    fn serve(mut self) {
        // Send each write (each stream piece) immediately rather than letting
        // Nagle coalesce them. Timeouts make every blocking call return
        // regularly so the stopped flag is honoured.
        let _ = self.stream.set_nodelay(true);
        let _ = self.stream.set_read_timeout(Some(POLL));
        let _ = self.stream.set_write_timeout(Some(WRITE_POLL));

        loop {
            let (req, client_close) = match self.read_request() {
                Ok(Some(r)) => r,
                Ok(None) => return,
                Err(Stop::Bad(why)) => {
                    let msg = format!(
                        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{why}",
                        why.len()
                    );
                    let _ = self.write_all(msg.as_bytes());
                    return;
                }
                Err(_) => return,
            };
            // Record first so counts are right even if the reply hangs.
            self.shared.update(|s| s.requests.push(req.clone()));
            let reply = self.shared.call_handler(&req);
            match self.send(&req, reply, client_close) {
                Ok(After::KeepAlive) => continue,
                Ok(After::Close) => {
                    let _ = self.stream.shutdown(Shutdown::Both);
                    return;
                }
                Err(Stop::Gone | Stop::Eof) => {
                    self.shared.update(|s| s.disconnects += 1);
                    return;
                }
                Err(Stop::Stopped | Stop::Bad(_)) => return,
            }
        }
    }

    // -- reading ------------------------------------------------------------

    /// Read more bytes into `buf`, waiting as long as needed.
    fn fill(&mut self) -> Result<(), Stop> {
        let mut tmp = [0u8; 8192];
        loop {
            if self.shared.is_stopped() {
                return Err(Stop::Stopped);
            }
            match self.stream.read(&mut tmp) {
                Ok(0) => return Err(Stop::Eof),
                Ok(n) => {
                    self.buf.extend_from_slice(&tmp[..n]);
                    return Ok(());
                }
                Err(e) if is_timeout(&e) => continue,
                Err(_) => return Err(Stop::Gone),
            }
        }
    }

    /// One line without its `\n` / `\r\n` terminator.
    fn read_line(&mut self) -> Result<String, Stop> {
        let mut scanned = 0;
        loop {
            if let Some(i) = self.buf[scanned..].iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=scanned + i).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            if self.buf.len() > MAX_HEAD {
                return Err(Stop::Bad("request line or header too long"));
            }
            scanned = self.buf.len();
            self.fill()?;
        }
    }

    fn read_exact(&mut self, n: usize) -> Result<Vec<u8>, Stop> {
        while self.buf.len() < n {
            self.fill()?;
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// The next request and whether the client asked to close afterwards.
    /// `Ok(None)` when the client closed an idle connection.
    fn read_request(&mut self) -> Result<Option<(Request, bool)>, Stop> {
        let request_line = loop {
            match self.read_line() {
                // RFC 9112 §2.2: ignore empty lines before a request line.
                Ok(line) if line.is_empty() => continue,
                Ok(line) => break line,
                Err(Stop::Eof) if self.buf.is_empty() => return Ok(None),
                Err(e) => return Err(e),
            }
        };
        let mut parts = request_line.split(' ');
        let (Some(method), Some(path), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Stop::Bad("malformed request line"));
        };
        if method.is_empty() || path.is_empty() || !version.starts_with("HTTP/1.") {
            return Err(Stop::Bad("malformed request line"));
        }
        let (method, path, http10) = (method.to_owned(), path.to_owned(), version == "HTTP/1.0");

        let mut headers = Vec::new();
        loop {
            let line = self.read_line()?;
            if line.is_empty() {
                break;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(Stop::Bad("malformed header line"));
            };
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        let at = Instant::now();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.to_ascii_lowercase())
        };

        // Clients that send `Expect: 100-continue` wait for this before the body.
        if get("expect").as_deref() == Some("100-continue") {
            self.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }

        let chunked = get("transfer-encoding").is_some_and(|te| te.trim_end().ends_with("chunked"));
        let body = if chunked {
            self.read_chunked_body()?
        } else if let Some(len) = get("content-length") {
            let len = len
                .parse::<usize>()
                .map_err(|_| Stop::Bad("bad Content-Length"))?;
            self.read_exact(len)?
        } else {
            Vec::new()
        };

        let connection = get("connection").unwrap_or_default();
        let has_token = |t: &str| connection.split(',').any(|c| c.trim() == t);
        let client_close = if http10 {
            !has_token("keep-alive")
        } else {
            has_token("close")
        };

        let req = Request {
            method,
            path,
            headers,
            body,
            at,
        };
        Ok(Some((req, client_close)))
    }

    fn read_chunked_body(&mut self) -> Result<Vec<u8>, Stop> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line()?;
            // Chunk extensions (`;name=value`) are allowed and ignored.
            let size = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size, 16).map_err(|_| Stop::Bad("bad chunk size"))?;
            if size == 0 {
                // Skip trailer fields up to the final empty line.
                while !self.read_line()?.is_empty() {}
                return Ok(body);
            }
            body.extend(self.read_exact(size)?);
            if !self.read_line()?.is_empty() {
                return Err(Stop::Bad("chunk data not followed by CRLF"));
            }
        }
    }

    // -- writing ------------------------------------------------------------

    fn write_all(&mut self, mut bytes: &[u8]) -> Result<(), Stop> {
        while !bytes.is_empty() {
            if self.shared.is_stopped() {
                return Err(Stop::Stopped);
            }
            match self.stream.write(bytes) {
                Ok(0) => return Err(Stop::Gone),
                Ok(n) => bytes = &bytes[n..],
                // Timed out with nothing written: the client is not reading
                // right now; try again (after checking the stopped flag).
                Err(e) if is_timeout(&e) => continue,
                Err(_) => return Err(Stop::Gone),
            }
        }
        Ok(())
    }

    /// Wait for `d` (forever if `None`) while watching the socket: EOF or a
    /// reset means the client went away.
    ///
    /// Limitation: a client that half-closes (shuts down its write side) but
    /// still reads looks like a disconnect; HTTP clients don't do that.
    fn wait_watching(&mut self, d: Option<Duration>) -> Result<(), Stop> {
        let deadline = d.map(|d| Instant::now() + d);
        let mut probe = [0u8; 1];
        loop {
            if self.shared.is_stopped() {
                return Err(Stop::Stopped);
            }
            let step = match deadline {
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Ok(());
                    }
                    deadline - now
                }
                None => POLL,
            };
            if step < POLL {
                // Too short to peek without overshooting (peek blocks for up
                // to the read timeout); the deadline is nearly there.
                thread::sleep(step);
                continue;
            }
            // Blocks for at most the read timeout (POLL) when nothing arrives.
            match self.stream.peek(&mut probe) {
                Ok(0) => return Err(Stop::Gone),
                // The client sent more (a pipelined request): it is alive.
                // peek returns at once in that case, so sleep to avoid spinning.
                Ok(_) => thread::sleep(POLL),
                Err(e) if is_timeout(&e) => {}
                Err(_) => return Err(Stop::Gone),
            }
        }
    }

    fn send(&mut self, req: &Request, reply: Reply, client_close: bool) -> Result<After, Stop> {
        if !reply.delay.is_zero() {
            self.wait_watching(Some(reply.delay))?;
        }
        if let Body::Hang = reply.body {
            // Only returns with an error: client gone or server stopped.
            self.wait_watching(None)?;
            return Ok(After::Close);
        }

        let user_sets = |name: &str| {
            reply
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        let user_close = reply
            .headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case("close"));
        // 1xx, 204 and 304 replies never have a body; HEAD replies describe
        // the body they would have but don't send it.
        let status = reply.status;
        let bodyless_status = status / 100 == 1 || status == 204 || status == 304;
        let send_body = !bodyless_status && req.method != "HEAD";

        let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        for (name, value) in &reply.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(ct) = &reply.content_type
            && !bodyless_status
            && !user_sets("content-type")
        {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if !bodyless_status {
            match &reply.body {
                Body::Full(body) if !user_sets("content-length") => {
                    head.push_str(&format!("Content-Length: {}\r\n", body.len()));
                }
                Body::Chunked(_) if !user_sets("transfer-encoding") => {
                    head.push_str("Transfer-Encoding: chunked\r\n");
                }
                _ => {}
            }
        }
        if !user_sets("connection") {
            let value = if client_close { "close" } else { "keep-alive" };
            head.push_str(&format!("Connection: {value}\r\n"));
        }
        head.push_str("\r\n");

        let after = if client_close || user_close {
            After::Close
        } else {
            After::KeepAlive
        };

        match reply.body {
            Body::Hang => unreachable!("handled above"),
            Body::Full(body) => {
                let mut out = head.into_bytes();
                if send_body {
                    let n = reply.cut_after.map_or(body.len(), |n| n.min(body.len()));
                    out.extend_from_slice(&body[..n]);
                }
                self.write_all(&out)?;
                if reply.cut_after.is_some() {
                    return Ok(After::Close);
                }
            }
            Body::Chunked(pieces) => {
                self.write_all(head.as_bytes())?;
                if !send_body {
                    return Ok(after);
                }
                for (i, piece) in pieces.iter().enumerate() {
                    if i > 0 && !reply.pause.is_zero() {
                        self.wait_watching(Some(reply.pause))?;
                    }
                    if reply.cut_after == Some(i) {
                        return Ok(After::Close);
                    }
                    // One write per chunk so each piece leaves as one segment.
                    let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
                    chunk.extend_from_slice(piece);
                    chunk.extend_from_slice(b"\r\n");
                    self.write_all(&chunk)?;
                }
                if reply.cut_after.is_some() {
                    // cut_after(n) with n >= number of pieces: everything was
                    // sent, but the terminating chunk never comes.
                    if !pieces.is_empty() && !reply.pause.is_zero() {
                        self.wait_watching(Some(reply.pause))?;
                    }
                    return Ok(After::Close);
                }
                self.write_all(b"0\r\n\r\n")?;
            }
        }
        Ok(after)
    }
}
