//! Self-test of the fake HTTP server in `tests/support/fake.rs`, using only a
//! raw std `TcpStream` as the client so the server is checked independently of
//! the HTTP client the CLI uses.

mod support;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use serde_json::json;
use support::fake::*;

/// Generous bound for anything that should happen "soon"; only reached when a
/// test fails.
const SOON: Duration = Duration::from_secs(5);

/// A minimal HTTP/1.1 client over one connection.
struct Client {
    reader: BufReader<TcpStream>,
}

struct Head {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Head {
    fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Client {
    fn connect(server: &FakeServer) -> Client {
        let stream = TcpStream::connect(server.addr()).expect("connect");
        // Only so that a broken server fails the test instead of hanging it.
        stream.set_read_timeout(Some(SOON)).unwrap();
        Client {
            reader: BufReader::new(stream),
        }
    }

    fn send(&mut self, raw: &[u8]) {
        self.reader.get_mut().write_all(raw).expect("send request");
    }

    fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => None,
            Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_owned()),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => None,
            Err(e) => panic!("read: {e}"),
        }
    }

    fn head(&mut self) -> Head {
        let status_line = self.line().expect("status line");
        let mut parts = status_line.splitn(3, ' ');
        assert_eq!(parts.next(), Some("HTTP/1.1"), "{status_line}");
        let status = parts.next().unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let line = self.line().expect("header line");
            if line.is_empty() {
                break;
            }
            let (n, v) = line.split_once(':').expect("header colon");
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
        Head { status, headers }
    }

    fn body(&mut self, len: usize) -> Vec<u8> {
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).expect("body");
        body
    }

    /// Chunks of a chunked body, and whether the terminating zero-length
    /// chunk arrived (false: the connection ended first).
    fn chunks(&mut self) -> (Vec<Vec<u8>>, bool) {
        let mut chunks = Vec::new();
        loop {
            let Some(size_line) = self.line() else {
                return (chunks, false);
            };
            let size = usize::from_str_radix(&size_line, 16).expect("chunk size");
            if size == 0 {
                assert_eq!(self.line().as_deref(), Some(""), "end of chunked body");
                return (chunks, true);
            }
            chunks.push(self.body(size));
            assert_eq!(self.line().as_deref(), Some(""), "CRLF after chunk");
        }
    }

    /// True once the server has closed the connection (EOF or reset).
    fn at_eof(&mut self) -> bool {
        let mut byte = [0u8; 1];
        match self.reader.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => true,
            Err(e) => panic!("read: {e}"),
        }
    }
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes()
}

#[test]
fn json_reply_with_content_length_and_keep_alive() {
    let server = FakeServer::start(|req| Reply::json(200, json!({ "path": req.path })));
    let mut client = Client::connect(&server);

    for path in ["/v1/models", "/v1/models?after_id=x"] {
        client.send(&get(path));
        let head = client.head();
        assert_eq!(head.status, 200);
        assert_eq!(head.get("content-type"), Some("application/json"));
        assert_eq!(head.get("connection"), Some("keep-alive"));
        let len: usize = head.get("content-length").unwrap().parse().unwrap();
        let body: serde_json::Value = serde_json::from_slice(&client.body(len)).unwrap();
        assert_eq!(body, json!({ "path": path }));
    }
    assert_eq!(server.count("/v1/models"), 2);
    assert_eq!(server.count("/v1/models?"), 1);
    assert_eq!(server.count("/v2"), 0);
}

#[test]
fn requests_are_recorded() {
    let server = FakeServer::start(|_| Reply::text(201, "ok").header("X-Extra", "1"));
    let mut client = Client::connect(&server);

    let body = br#"{"model":"m","n":1}"#;
    let raw = format!(
        "POST /v1/messages?beta=true HTTP/1.1\r\nHost: x\r\nX-Api-Key: secret\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    client.send(&[raw.as_bytes(), body].concat());
    let head = client.head();
    assert_eq!(head.status, 201);
    assert_eq!(head.get("x-extra"), Some("1"));
    assert_eq!(head.get("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(client.body(2), b"ok");

    // A chunked request body, with a chunk extension and a trailer.
    client.send(
        b"PUT /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
          5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
    );
    assert_eq!(client.head().status, 201);
    client.body(2);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let post = &reqs[0];
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, "/v1/messages?beta=true");
    assert_eq!(post.path_only(), "/v1/messages");
    assert_eq!(post.query(), Some("beta=true"));
    assert_eq!(post.header("x-api-key"), Some("secret"));
    assert_eq!(post.header("X-API-KEY"), Some("secret"));
    assert!(
        post.headers.iter().any(|(n, _)| n == "x-api-key"),
        "names lower-cased"
    );
    assert_eq!(post.header("missing"), None);
    assert_eq!(post.body_json(), json!({ "model": "m", "n": 1 }));
    let put = &reqs[1];
    assert_eq!(put.method, "PUT");
    assert_eq!(put.body_str(), "hello world");
    assert!(put.at >= post.at);
}

#[test]
fn chunked_stream_arrives_intact() {
    let events = [
        (Some("message_start"), r#"{"type":"message_start"}"#),
        (None, "line one\nline two"),
        (Some("message_stop"), "{}"),
    ];
    let body = Reply::sse_body(&events, "\n\n");
    let pieces = Reply::split_random(&body, 7, 5);
    let n_pieces = pieces.len();
    let server = FakeServer::start(move |_| {
        Reply::stream(200, "text/event-stream", pieces.clone())
            .pause(Duration::from_millis(1))
            .header("Cache-Control", "no-cache")
    });
    let mut client = Client::connect(&server);

    // Two streams on one connection: the zero chunk must end each cleanly.
    for _ in 0..2 {
        client.send(&get("/stream"));
        let head = client.head();
        assert_eq!(head.status, 200);
        assert_eq!(head.get("content-type"), Some("text/event-stream"));
        assert_eq!(head.get("transfer-encoding"), Some("chunked"));
        assert_eq!(head.get("cache-control"), Some("no-cache"));
        assert_eq!(head.get("content-length"), None);
        let (chunks, terminated) = client.chunks();
        assert!(terminated);
        assert_eq!(chunks.len(), n_pieces, "one HTTP chunk per piece");
        assert_eq!(chunks.concat(), body);
    }
    assert_eq!(server.disconnects(), 0);
}

#[test]
fn split_random_is_lossless_and_deterministic() {
    let body: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    let a = Reply::split_random(&body, 42, 7);
    assert_eq!(a.concat(), body);
    assert!(a.iter().all(|p| (1..=7).contains(&p.len())));
    assert!(a.iter().any(|p| p.len() == 1) && a.iter().any(|p| p.len() == 7));
    assert_eq!(a, Reply::split_random(&body, 42, 7));
    assert_ne!(a, Reply::split_random(&body, 43, 7));
    assert!(Reply::split_random(b"", 1, 3).is_empty());
    assert_eq!(
        Reply::split_random(b"abc", 1, 1),
        vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]
    );
}

#[test]
fn sse_body_formats() {
    let events = [(Some("ping"), "{}"), (None, "a\nb")];
    assert_eq!(
        Reply::sse_body(&events, "\n\n"),
        b"event: ping\ndata: {}\n\ndata: a\ndata: b\n\n"
    );
    assert_eq!(
        Reply::sse_body(&events, "\r\n\r\n"),
        b"event: ping\r\ndata: {}\r\n\r\ndata: a\r\ndata: b\r\n\r\n"
    );
}

#[test]
fn cut_after_ends_without_final_chunk() {
    let pieces = vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec()];
    let server = FakeServer::start(move |_| {
        Reply::stream(200, "text/event-stream", pieces.clone()).cut_after(2)
    });
    let mut client = Client::connect(&server);
    client.send(&get("/cut"));
    assert_eq!(client.head().status, 200);
    let (chunks, terminated) = client.chunks();
    assert!(!terminated, "no zero-length chunk after a cut");
    assert_eq!(chunks, vec![b"one".to_vec(), b"two".to_vec()]);
    // A cut is the server's doing, not a client disconnect.
    assert_eq!(server.disconnects(), 0);
}

#[test]
fn cut_after_on_content_length_body_truncates() {
    let server = FakeServer::start(|_| Reply::text(200, "0123456789").cut_after(4));
    let mut client = Client::connect(&server);
    client.send(&get("/"));
    let head = client.head();
    assert_eq!(head.get("content-length"), Some("10"));
    let mut rest = Vec::new();
    client.reader.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"0123");
}

#[test]
fn client_disconnect_during_delay_is_counted() {
    let server = FakeServer::start(|_| Reply::text(200, "late").delay(Duration::from_secs(30)));
    let mut client = Client::connect(&server);
    client.send(&get("/slow"));
    assert!(server.wait_for_requests(1, SOON));
    drop(client);
    assert!(
        server.wait_for_disconnects(1, SOON),
        "disconnect not noticed during delay"
    );
    assert_eq!(server.disconnects(), 1);
}

#[test]
fn client_disconnect_during_pause_is_counted() {
    let pieces = vec![b"a".to_vec(), b"b".to_vec()];
    let server = FakeServer::start(move |_| {
        Reply::stream(200, "text/plain", pieces.clone()).pause(Duration::from_secs(30))
    });
    let mut client = Client::connect(&server);
    client.send(&get("/stream"));
    client.head();
    assert_eq!(client.line().as_deref(), Some("1"));
    assert_eq!(client.line().as_deref(), Some("a"));
    drop(client);
    assert!(
        server.wait_for_disconnects(1, SOON),
        "disconnect not noticed during pause"
    );
}

#[test]
fn disconnects_are_polled_with_a_deadline() {
    // The same as above, but polling the public counter as tests of the CLI do.
    let server = FakeServer::start(|_| Reply::hang());
    let mut client = Client::connect(&server);
    client.send(&get("/hang"));
    assert!(server.wait_for_requests(1, SOON));
    client.reader.get_ref().shutdown(Shutdown::Both).unwrap();
    drop(client);
    let deadline = Instant::now() + SOON;
    while server.disconnects() == 0 {
        assert!(Instant::now() < deadline, "hang: disconnect not counted");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(server.count("/hang"), 1);
}

#[test]
fn refused_url_refuses() {
    let url = refused_url();
    let addr = url.strip_prefix("http://").expect("http:// prefix");
    assert!(!addr.ends_with('/'));
    let err = TcpStream::connect(addr).expect_err("nothing should listen there");
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn drop_is_prompt_with_a_hanging_connection() {
    let server = FakeServer::start(|_| Reply::hang());
    assert_eq!(server.url(), format!("http://127.0.0.1:{}", server.port()));
    let mut client = Client::connect(&server);
    client.send(&get("/hang"));
    assert!(server.wait_for_requests(1, SOON));

    drop(server);
    // The hanging connection was closed, not leaked.
    assert!(client.at_eof());
}

#[test]
fn client_connection_close_is_honoured() {
    let server = FakeServer::start(|_| Reply::empty(204));
    let mut client = Client::connect(&server);
    client.send(b"DELETE /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let head = client.head();
    assert_eq!(head.status, 204);
    assert_eq!(head.get("connection"), Some("close"));
    assert_eq!(head.get("content-length"), None);
    assert!(client.at_eof());
}

#[test]
#[should_panic(expected = "fake server handler panicked")]
fn handler_panic_fails_the_test_on_drop() {
    let server = FakeServer::start(|_| panic!("boom"));
    let mut client = Client::connect(&server);
    client.send(&get("/"));
    let head = client.head();
    assert_eq!(head.status, 500);
    drop(server);
}

// --- the wire fakes (`wire.rs` and its renderers) ------------------------------------

mod wires {
    use super::*;
    use support::wire::{Answer, Fake, Wire};

    const KEY: &str = "sk-selftest-0123456789abcdefghijkl";

    /// One streaming chat request as `wire` wants it: path, headers (the key in its
    /// header when `key` is given), JSON body.
    fn chat(wire: &str, key: Option<&str>, extra_header: Option<(&str, &str)>) -> Vec<u8> {
        let (path, key_header, body) = match wire {
            "openai" => (
                "/v1/chat/completions",
                key.map(|k| ("Authorization", format!("Bearer {k}"))),
                json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}],
                       "stream": true, "stream_options": {"include_usage": true}}),
            ),
            "anthropic" => (
                "/v1/messages",
                key.map(|k| ("x-api-key", k.to_string())),
                json!({"model": "claude-haiku-4-5", "max_tokens": 10,
                       "messages": [{"role": "user", "content": "hi"}], "stream": true}),
            ),
            "gemini" => (
                "/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                key.map(|k| ("x-goog-api-key", k.to_string())),
                json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}),
            ),
            "ollama" => (
                "/api/chat",
                key.map(|k| ("Authorization", format!("Bearer {k}"))),
                json!({"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]}),
            ),
            other => panic!("{other}"),
        };
        let body = body.to_string();
        let mut req = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nanthropic-version: 2023-06-01\r\n",
            body.len()
        );
        for (name, value) in key_header
            .into_iter()
            .chain(extra_header.map(|(n, v)| (n, v.to_string())))
        {
            req.push_str(&format!("{name}: {value}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(&body);
        req.into_bytes()
    }

    /// Status and body of a whole (Content-Length) reply.
    fn whole(server: &FakeServer, raw: &[u8]) -> (u16, String) {
        let mut client = Client::connect(server);
        client.send(raw);
        let head = client.head();
        let len = head
            .get("content-length")
            .expect("a whole reply")
            .parse()
            .unwrap();
        (head.status, String::from_utf8(client.body(len)).unwrap())
    }

    /// The chunks of a streamed reply, and whether it ended properly.
    fn streamed(server: &FakeServer, raw: &[u8]) -> (Vec<Vec<u8>>, bool) {
        let mut client = Client::connect(server);
        client.send(raw);
        assert_eq!(client.head().status, 200);
        client.chunks()
    }

    fn answer() -> Answer {
        Answer::text(&["Hel", "lo, ", "wörld", " — fine."])
    }

    /// Each wire's fake expecting `KEY` (Ollama: expecting none), cut after the first
    /// piece when `cut`: its server, the body it sends to the request above, its name.
    fn each(cut: bool) -> Vec<(FakeServer, Vec<u8>, String)> {
        fn serve<W: Wire>(fake: Fake<W>, cut: bool, model: &str) -> (FakeServer, Vec<u8>, String) {
            let fake = if cut { fake.cut_after(1) } else { fake };
            let body = fake.body(model);
            let name = fake.wire.name().to_string();
            (fake.server(), body, name)
        }
        vec![
            serve(Fake::openai(KEY, answer()), cut, "gpt-4o-mini"),
            serve(Fake::anthropic(KEY, answer()), cut, "claude-haiku-4-5"),
            serve(Fake::gemini(KEY, answer()), cut, "gemini-2.5-flash"),
            serve(Fake::ollama(None, answer()), cut, "llama3.2"),
        ]
    }

    #[test]
    fn every_wire_fake_refuses_any_key_but_its_own_in_its_own_header() {
        for (server, _, wire) in each(false) {
            let wrong = "sk-wrong-0123456789abcdefghijkl";
            // The key it takes, and requests it refuses: (request, status, the body says).
            type Refusal<'a> = (Vec<u8>, u16, &'a str);
            let (own, refusals): (Option<&str>, Vec<Refusal>) = match wire.as_str() {
                "openai" => (
                    Some(KEY),
                    vec![
                        (chat("openai", None, None), 401, "invalid_request_error"),
                        (chat("openai", Some(wrong), None), 401, "invalid_api_key"),
                        (
                            chat("openai", Some(KEY), Some(("x-api-key", KEY))),
                            401,
                            "invalid_api_key",
                        ),
                    ],
                ),
                "anthropic" => (
                    Some(KEY),
                    vec![
                        (chat("anthropic", None, None), 401, "authentication_error"),
                        (
                            chat("anthropic", Some(wrong), None),
                            401,
                            "authentication_error",
                        ),
                        (
                            chat(
                                "anthropic",
                                Some(KEY),
                                Some(("Authorization", &format!("Bearer {KEY}"))),
                            ),
                            401,
                            "authentication_error",
                        ),
                    ],
                ),
                "gemini" => (
                    Some(KEY),
                    vec![
                        (chat("gemini", None, None), 403, "PERMISSION_DENIED"),
                        (chat("gemini", Some(wrong), None), 400, "API_KEY_INVALID"),
                        (
                            chat(
                                "gemini",
                                Some(KEY),
                                Some(("Authorization", &format!("Bearer {KEY}"))),
                            ),
                            401,
                            "UNAUTHENTICATED",
                        ),
                    ],
                ),
                _ => (
                    None,
                    vec![
                        (
                            chat("ollama", Some(KEY), None),
                            401,
                            "{\"error\":\"unauthorized\"}",
                        ),
                        (
                            chat("ollama", None, Some(("x-api-key", KEY))),
                            401,
                            "unauthorized",
                        ),
                    ],
                ),
            };
            for (raw, status, says) in refusals {
                let (got, body) = whole(&server, &raw);
                assert_eq!(got, status, "{wire}: {body}");
                assert!(body.contains(says), "{wire}: {body}");
            }
            // The key in the URL is refused even when the header is right.
            let mut raw = String::from_utf8(chat(&wire, own, None)).unwrap();
            let query = if raw.contains('?') { "&key=" } else { "?key=" };
            let at = raw.find(" HTTP/1.1").unwrap();
            raw.insert_str(at, &format!("{query}{KEY}"));
            assert_eq!(whole(&server, raw.as_bytes()).0, 418, "{wire}");
            // And with exactly its key, it answers.
            let (_, done) = streamed(&server, &chat(&wire, own, None));
            assert!(done, "{wire}");
        }
    }

    #[test]
    fn every_wire_streams_in_random_pieces_that_add_up_to_its_body() {
        for (server, body, wire) in each(false) {
            let key = (wire != "ollama").then_some(KEY);
            let (chunks, done) = streamed(&server, &chat(&wire, key, None));
            assert!(done, "{wire}");
            assert!(chunks.len() >= 2, "{wire}: one piece");
            assert_eq!(chunks.concat(), body, "{wire}");
            let text = String::from_utf8(body).unwrap();
            assert!(text.contains("wörld"), "{wire}: {text}");
        }
    }

    #[test]
    fn a_stream_cut_at_a_byte_sends_exactly_that_many() {
        let fake = Fake::anthropic(KEY, answer()).cut_at_byte(300);
        let full = Fake::anthropic(KEY, answer()).body("claude-haiku-4-5");
        let server = fake.server();
        let (chunks, done) = streamed(&server, &chat("anthropic", Some(KEY), None));
        assert!(!done);
        assert_eq!(chunks.concat(), full[..300]);
    }

    #[test]
    fn a_cut_stream_drops_inside_an_event_after_the_text_it_promised() {
        for (server, full, wire) in each(true) {
            let key = (wire != "ollama").then_some(KEY);
            let (chunks, done) = streamed(&server, &chat(&wire, key, None));
            assert!(!done, "{wire}: the chunked body ended properly");
            let got = chunks.concat();
            assert_eq!(got, full, "{wire}");
            let text = String::from_utf8_lossy(&got);
            // Whole lines carry the first piece and not the second: the cut is at most
            // half-way into the next event, never past one of its lines.
            let whole_lines = &text[..text.rfind('\n').unwrap()];
            assert!(
                whole_lines.contains("Hel") && !whole_lines.contains("lo, "),
                "{wire}: {text}"
            );
            assert!(
                !(text.ends_with("\n\n") || text.ends_with("\r\n\r\n") || text.ends_with("}\n")),
                "{wire}: cut on an event boundary: {text:?}"
            );
        }
    }
}
