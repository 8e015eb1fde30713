//! `byok serve` as a tool sees it (README "Give a tool your keys without giving it your
//! keys"): started as a child, its `export` lines read from stdout (they are the
//! synchronisation: nothing here sleeps in their place), then plain HTTP/1.1 requests
//! over a TCP socket against fake providers on 127.0.0.1.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use support::byok::{Home, json as json_of};
use support::fake::FakeServer;
use support::wire::{Answer, Fake, Usage};
use support::wire_openai;

const OPENAI_KEY: &str = "sk-proj-serve0123456789abcdefghijklmnopqrstuvwxyzAB";
const MISTRAL_KEY: &str = "serveMistral0123456789abcdefABCDEF";
const ANTHROPIC_KEY: &str = "sk-ant-api03-serve0123456789abcdefghijklmnopqrstuvwxyz";

/// A running `byok serve`.
struct Serve {
    child: Child,
    addr: String,
    token: String,
    exports: String,
    stderr: Arc<Mutex<String>>,
}

/// An HTTP answer, its body de-chunked.
#[derive(Debug)]
struct Resp {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn all(&self) -> String {
        format!("{}\n{}", self.head, self.text())
    }
}

fn serve(home: &Home, args: &[&str]) -> Serve {
    let mut cmd = home.std_cmd();
    cmd.arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut err = child.stderr.take().unwrap();
    let sink = stderr.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = err.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut exports = String::new();
    for _ in 0..5 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert!(
            line.starts_with("export "),
            "not an export line: {line:?}; stderr: {}",
            stderr.lock().unwrap()
        );
        exports.push_str(&line);
    }
    // Whatever else serve writes on stdout (it should write nothing) is kept for later.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = out.read_to_string(&mut rest);
        assert!(rest.is_empty(), "serve wrote more on stdout: {rest:?}");
    });
    let var = |name: &str| {
        exports
            .lines()
            .find_map(|l| l.strip_prefix(&format!("export {name}=")))
            .unwrap_or_else(|| panic!("no {name} in {exports}"))
            .to_string()
    };
    let base = var("ANTHROPIC_BASE_URL");
    assert_eq!(var("OPENAI_BASE_URL"), format!("{base}/v1"));
    if !var("BYOK_SERVE_URL").starts_with("unix:") {
        assert_eq!(var("BYOK_SERVE_URL"), base);
    }
    let token = var("OPENAI_API_KEY");
    assert_eq!(var("ANTHROPIC_API_KEY"), token);
    assert!(token.len() >= 64, "{token}");
    Serve {
        child,
        addr: base.trim_start_matches("http://").to_string(),
        token,
        exports,
        stderr,
    }
}

impl Serve {
    /// A raw request: `head` is the request line and headers (without the blank line).
    fn raw(&self, head: &str, body: &[u8]) -> Resp {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut req = format!(
            "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        // The server may answer (413) and close before it has read everything.
        let _ = s.write_all(&req);
        let mut all = Vec::new();
        let _ = s.read_to_end(&mut all);
        parse(&all)
    }

    /// `POST path` with the token in `header` (`authorization` or `x-api-key`).
    fn post(&self, path: &str, body: &Value) -> Resp {
        self.post_as(path, body, &[])
    }

    fn post_as(&self, path: &str, body: &Value, extra: &[&str]) -> Resp {
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAuthorization: Bearer {}",
            self.addr, self.token
        );
        for h in extra {
            head.push_str("\r\n");
            head.push_str(h);
        }
        self.raw(&head, body.to_string().as_bytes())
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn signal(&self, sig: i32) {
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    /// SIGTERM, then the exit status and everything on stderr.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        self.signal(libc::SIGTERM);
        let status = self.child.wait().unwrap();
        // The stderr reader ends with the pipe.
        for _ in 0..100 {
            if Arc::strong_count(&self.stderr) == 1 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        (status, self.stderr())
    }
}

fn parse(all: &[u8]) -> Resp {
    let split = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(all)));
    let head = String::from_utf8_lossy(&all[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    let raw = &all[split + 4..];
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(raw)
    } else {
        raw.to_vec()
    };
    Resp { status, head, body }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..eol]).unwrap().trim(), 16)
            .unwrap_or(0);
        if size == 0 || raw.len() < eol + 2 + size {
            out.extend_from_slice(
                &raw[(eol + 2).min(raw.len())..][..size.min(raw.len().saturating_sub(eol + 2))],
            );
            return out;
        }
        out.extend_from_slice(&raw[eol + 2..eol + 2 + size]);
        raw = &raw[(eol + 4 + size).min(raw.len())..];
    }
}

fn write_profile(home: &Home, toml: &str) {
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(home.file("profiles/default.toml"), toml).unwrap();
}

/// A home with the openai key in the vault, openai answering through `fake`.
fn home_with_openai(fake: &FakeServer, profile: &str) -> Home {
    let mut home = Home::with_identity();
    home.env("BYOK_RETRY_BASE", "1ms")
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    write_profile(&home, profile);
    home.add_key("openai", OPENAI_KEY, &["--no-verify"])
        .success();
    home
}

fn usage_by_client(home: &Home) -> Value {
    let a = home
        .cmd()
        .args(["--json", "usage", "--by", "client"])
        .assert()
        .success();
    json_of(&a)
}

fn chat(model: &str, stream: bool) -> Value {
    json!({"model": model, "stream": stream, "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is the capital of France?"},
    ]})
}

/// Call rows of the ledger: (provider, status, input, output, client).
fn call_rows(home: &Home) -> Vec<(String, String, i64, i64, Option<String>)> {
    let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT provider, status, input_tokens, output_tokens, client FROM events
             WHERE kind = 'call' ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn answer() -> Answer {
    Answer::text(&["Paris", " is the capital", " of France."]).usage(Usage::new(47, 9))
}

/// The events a client of serve gets: the fake's, without the usage chunk serve asked
/// for itself.
fn without_usage_chunk(events: Vec<Vec<u8>>) -> Vec<u8> {
    events
        .into_iter()
        .filter(|e| !String::from_utf8_lossy(e).contains("\"choices\":[]"))
        .collect::<Vec<_>>()
        .concat()
}

#[test]
fn openai_clients_get_the_answer_as_sent_and_the_ledger_its_usage() {
    let fake = Fake::openai(OPENAI_KEY, answer());
    let server = fake.clone().server();
    let home = home_with_openai(&server, "[routes.fast]\nmodel = \"openai:gpt-4o-mini\"\n");
    let s = serve(&home, &["--client", "tester"]);

    // Whole.
    let r = s.post("/v1/chat/completions", &chat("fast", false));
    assert_eq!(r.status, 200, "{}", r.all());
    let v = r.json();
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "Paris is the capital of France."
    );
    assert_eq!(v["usage"]["prompt_tokens"], 47);
    let sent = server.requests().last().unwrap().body_json();
    assert_eq!(
        sent["model"], "gpt-4o-mini",
        "only model is replaced: {sent}"
    );
    assert_eq!(sent["messages"], chat("fast", false)["messages"]);

    // Streamed, without include_usage: byok asks for it and strips the chunk.
    let r = s.post("/v1/chat/completions", &chat("route:fast", true));
    assert_eq!(r.status, 200, "{}", r.all());
    assert!(
        r.head.to_ascii_lowercase().contains("text/event-stream"),
        "{}",
        r.head
    );
    assert_eq!(
        r.text(),
        String::from_utf8(without_usage_chunk(fake.events("gpt-4o-mini"))).unwrap()
    );
    let sent = server.requests().last().unwrap().body_json();
    assert_eq!(sent["stream_options"]["include_usage"], true);

    // Streamed, with include_usage: the client gets every byte.
    let mut asked = chat("openai:gpt-4o-mini", true);
    asked["stream_options"] = json!({"include_usage": true});
    let r = s.post("/v1/chat/completions", &asked);
    assert_eq!(r.text().into_bytes(), fake.events("gpt-4o-mini").concat());

    let usage = usage_by_client(&home);
    let row = &usage["rows"][0];
    assert_eq!(row["group"], "tester", "{usage:#}");
    assert_eq!(row["calls"], 3);
    assert_eq!(row["input_tokens"], 3 * 47);
    assert_eq!(row["output_tokens"], 3 * 9);
    let (status, stderr) = s.stop();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(
        stderr.contains("tester fast → openai:gpt-4o-mini 200 47+9 tokens"),
        "{stderr}"
    );
    assert!(!stderr.contains(OPENAI_KEY));
}

#[test]
fn anthropic_clients_get_the_stream_byte_for_byte() {
    let fake = Fake::anthropic(ANTHROPIC_KEY, answer());
    let server = fake.clone().server();
    let mut home = Home::with_identity();
    home.env("BYOK_ANTHROPIC_BASE_URL", &server.url());
    write_profile(
        &home,
        "[routes.claude]\nmodel = \"anthropic:claude-haiku-4-5\"\n",
    );
    home.add_key("anthropic", ANTHROPIC_KEY, &["--no-verify"])
        .success();
    let s = serve(&home, &[]);
    let body = json!({"model": "claude", "max_tokens": 100, "stream": true,
        "system": "Be brief.", "messages": [{"role": "user", "content": "Capital of France?"}]});
    let r = s.post_as(
        "/v1/messages",
        &body,
        &[
            "User-Agent: Anthropic/Python 0.40.0",
            "anthropic-version: 2023-06-01",
        ],
    );
    assert_eq!(r.status, 200, "{}", r.all());
    assert_eq!(r.body, fake.events("claude-haiku-4-5").concat());
    let sent = server.requests().pop().unwrap();
    assert_eq!(sent.header("x-api-key"), Some(ANTHROPIC_KEY));
    assert_eq!(sent.body_json()["system"], "Be brief.");
    // Whole, with the token as x-api-key.
    let mut whole = body.clone();
    whole["stream"] = json!(false);
    let r = s.raw(
        &format!(
            "POST /v1/messages HTTP/1.1\r\nHost: localhost:{}\r\nx-api-key: {}\r\nUser-Agent: Anthropic/Python 0.40.0",
            s.addr.rsplit(':').next().unwrap(),
            s.token
        ),
        whole.to_string().as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.all());
    assert_eq!(
        r.json()["content"][0]["text"],
        "Paris is the capital of France."
    );
    let usage = usage_by_client(&home);
    assert_eq!(usage["rows"][0]["group"], "Anthropic", "{usage:#}");
    assert_eq!(usage["rows"][0]["input_tokens"], 2 * 47);
    let (status, stderr) = s.stop();
    assert!(status.success());
    assert!(!stderr.contains(ANTHROPIC_KEY));
}

#[test]
fn a_failing_first_candidate_falls_back_before_the_first_byte() {
    let failing = Fake::openai(OPENAI_KEY, answer())
        .fail_with(wire_openai::server_error())
        .server();
    let mistral = Fake::mistral(
        MISTRAL_KEY,
        Answer::text(&["Bonjour"]).usage(Usage::new(5, 1)),
    );
    let mistral_server = mistral.clone().server();
    let mut home = home_with_openai(
        &failing,
        "[routes.fr]\nmodel = \"openai:gpt-4o-mini\"\nfallback = [\"mistral:mistral-small-latest\"]\n",
    );
    home.env(
        "BYOK_MISTRAL_BASE_URL",
        &format!("{}/v1", mistral_server.url()),
    )
    .env("MISTRAL_API_KEY", MISTRAL_KEY);
    let s = serve(&home, &[]);
    for stream in [true, false] {
        let r = s.post("/v1/chat/completions", &chat("fr", stream));
        assert_eq!(r.status, 200, "{}", r.all());
        assert!(r.text().contains("Bonjour"), "{}", r.text());
    }
    assert!(failing.count("/v1/chat/completions") >= 2);
    assert_eq!(mistral_server.count("/v1/chat/completions"), 2);
    let (status, stderr) = s.stop();
    assert!(status.success());
    assert!(
        stderr.contains("→ mistral:mistral-small-latest 200"),
        "{stderr}"
    );
}

#[test]
fn bad_requests_get_errors_in_their_wire_and_nothing_goes_upstream() {
    let fake = Fake::openai(OPENAI_KEY, answer())
        .fail_with(wire_openai::invalid_api_key(OPENAI_KEY))
        .server();
    let home = home_with_openai(
        &fake,
        "allow = [\"openai\"]\n[routes.fast]\nmodel = \"openai:gpt-4o-mini\"\n",
    );
    let s = serve(&home, &[]);
    let host = format!("Host: {}", s.addr);
    let body = chat("fast", false).to_string();

    // No token, a wrong one: 401, in each wire's shape.
    let r = s.raw(
        &format!("POST /v1/chat/completions HTTP/1.1\r\n{host}"),
        body.as_bytes(),
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "invalid_api_key");
    let r = s.raw(
        &format!("POST /v1/messages HTTP/1.1\r\n{host}\r\nx-api-key: byok-wrong"),
        body.as_bytes(),
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["type"], "error");
    assert_eq!(r.json()["error"]["type"], "authentication_error");
    // A token one character short is no token.
    let short = &s.token[..s.token.len() - 1];
    let r = s.raw(
        &format!("POST /v1/chat/completions HTTP/1.1\r\n{host}\r\nAuthorization: Bearer {short}"),
        body.as_bytes(),
    );
    assert_eq!(r.status, 401);

    // Another Host, any Origin: 403, no CORS.
    let auth = format!("Authorization: Bearer {}", s.token);
    let r = s.raw(
        &format!("POST /v1/chat/completions HTTP/1.1\r\nHost: attacker.example\r\n{auth}"),
        body.as_bytes(),
    );
    assert_eq!(r.status, 403, "{}", r.all());
    assert!(r.text().contains("Host"), "{}", r.text());
    let r = s.raw(
        &format!("POST /v1/chat/completions HTTP/1.1\r\n{host}\r\n{auth}\r\nOrigin: http://localhost:3000"),
        body.as_bytes(),
    );
    assert_eq!(r.status, 403);
    assert!(r.text().contains("Origin"));
    assert!(!r.head.to_ascii_lowercase().contains("access-control"));

    // An unknown path lists the served ones; an unknown model lists the routes.
    let r = s.raw(
        &format!("GET /v1/embeddings HTTP/1.1\r\n{host}\r\n{auth}"),
        b"",
    );
    assert_eq!(r.status, 404);
    assert!(
        r.text()
            .contains("POST /v1/chat/completions, GET /v1/models, POST /v1/messages")
    );
    let r = s.post("/v1/chat/completions", &chat("gpt-5", false));
    assert_eq!(r.status, 404);
    assert!(r.text().contains("the routes are: fast"), "{}", r.text());
    // The allowlist: 403 naming it.
    let r = s.post(
        "/v1/chat/completions",
        &chat("mistral:mistral-small-latest", false),
    );
    assert_eq!(r.status, 403, "{}", r.all());
    assert!(r.text().contains("allow"), "{}", r.text());

    // Malformed JSON: 400, nothing upstream, no row.
    let r = s.raw(
        &format!("POST /v1/chat/completions HTTP/1.1\r\n{host}\r\n{auth}"),
        b"{\"model\": \"fast\", ",
    );
    assert_eq!(r.status, 400);
    assert!(r.text().contains("not valid JSON"));
    let r = s.raw(
        &format!("POST /v1/messages HTTP/1.1\r\n{host}\r\n{auth}"),
        b"[1, 2]",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["type"], "invalid_request_error");

    // Over 32 MiB: 413.
    let big = vec![b' '; 32 * 1024 * 1024 + 1];
    let r = s.raw(
        &format!("POST /v1/chat/completions HTTP/1.1\r\n{host}\r\n{auth}"),
        &big,
    );
    assert_eq!(r.status, 413);

    // The user's own key in a prompt: the outbound guard refuses it.
    let mut leaky = chat("fast", false);
    leaky["messages"][1]["content"] = json!(format!("debug this: OPENAI_API_KEY={OPENAI_KEY}"));
    let r = s.post("/v1/chat/completions", &leaky);
    assert_eq!(r.status, 403, "{}", r.all());
    assert!(r.text().contains("outbound guard"), "{}", r.text());
    assert!(r.text().contains("/messages/1/content"), "{}", r.text());
    assert!(!r.all().contains(OPENAI_KEY));

    assert_eq!(fake.count("/"), 0, "nothing was sent upstream");
    assert!(call_rows(&home).is_empty());

    // The models.
    let r = s.raw(&format!("GET /v1/models HTTP/1.1\r\n{host}\r\n{auth}"), b"");
    assert_eq!(r.status, 200);
    let models = r.json();
    let ids: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["fast", "openai:gpt-4o-mini"]);
    let r = s.raw(
        &format!("GET /v1/models HTTP/1.1\r\n{host}\r\n{auth}\r\nanthropic-version: 2023-06-01"),
        b"",
    );
    assert_eq!(r.json()["data"][0]["type"], "model");
    assert_eq!(r.json()["last_id"], "openai:gpt-4o-mini");

    // The provider rejects the key and quotes it: the client never sees it.
    let r = s.post("/v1/chat/completions", &chat("fast", false));
    assert_eq!(r.status, 502, "{}", r.all());
    assert!(!r.all().contains(OPENAI_KEY), "{}", r.all());
    assert!(!r.all().contains(&OPENAI_KEY[8..30]));

    // The server is still up after all of it.
    let r = s.raw(&format!("GET /v1/models HTTP/1.1\r\n{host}\r\n{auth}"), b"");
    assert_eq!(r.status, 200);
    let (status, stderr) = s.stop();
    assert!(status.success());
    assert!(!stderr.contains(OPENAI_KEY), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn openai_clients_reach_an_anthropic_candidate_with_text_only() {
    let fake = Fake::anthropic(ANTHROPIC_KEY, answer());
    let server = fake.clone().server();
    let mut home = Home::with_identity();
    home.env("BYOK_ANTHROPIC_BASE_URL", &server.url());
    write_profile(
        &home,
        "[routes.claude]\nmodel = \"anthropic:claude-haiku-4-5\"\n",
    );
    home.add_key("anthropic", ANTHROPIC_KEY, &["--no-verify"])
        .success();
    let s = serve(&home, &[]);

    let r = s.post("/v1/chat/completions", &chat("claude", false));
    assert_eq!(r.status, 200, "{}", r.all());
    let v = r.json();
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "Paris is the capital of France."
    );
    assert_eq!(v["usage"]["prompt_tokens"], 47);
    let sent = server.requests().last().unwrap().body_json();
    assert_eq!(sent["system"], "Be brief.");
    assert_eq!(
        sent["messages"],
        json!([{"role": "user", "content": "What is the capital of France?"}])
    );

    let mut streamed = chat("claude", true);
    streamed["stream_options"] = json!({"include_usage": true});
    let r = s.post("/v1/chat/completions", &streamed);
    assert_eq!(r.status, 200, "{}", r.all());
    let mut text = String::new();
    let mut usage = Value::Null;
    for line in r.text().lines() {
        let Some(data) = line.strip_prefix("data: ") else {
            continue;
        };
        if data == "[DONE]" {
            continue;
        }
        let chunk: Value = serde_json::from_str(data).unwrap();
        if let Some(t) = chunk["choices"][0]["delta"]["content"].as_str() {
            text.push_str(t);
        }
        if chunk["usage"].is_object() {
            usage = chunk["usage"].clone();
        }
    }
    assert_eq!(text, "Paris is the capital of France.");
    assert_eq!(usage["completion_tokens"], 9);
    assert!(r.text().ends_with("data: [DONE]\n\n"));

    // Tools do not cross wires: 400 naming the field, nothing sent.
    let before = server.count("/");
    let mut tools = chat("claude", false);
    tools["tools"] = json!([{"type": "function", "function": {"name": "f"}}]);
    let r = s.post("/v1/chat/completions", &tools);
    assert_eq!(r.status, 400, "{}", r.all());
    let m = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(m.contains("`tools`") && m.contains("openai wire"), "{m}");
    assert_eq!(server.count("/"), before);
    assert_eq!(call_rows(&home).len(), 2);
    let (status, _) = s.stop();
    assert!(status.success());
}

#[test]
fn anthropic_clients_reach_an_openai_candidate_with_text_only() {
    let fake = Fake::openai(OPENAI_KEY, answer());
    let server = fake.clone().server();
    let home = home_with_openai(&server, "[routes.gpt]\nmodel = \"openai:gpt-4o-mini\"\n");
    let s = serve(&home, &[]);
    let body = json!({"model": "gpt", "max_tokens": 50, "system": "Be brief.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Capital of France?"}]}]});
    let r = s.post("/v1/messages", &body);
    assert_eq!(r.status, 200, "{}", r.all());
    let v = r.json();
    assert_eq!(v["type"], "message");
    assert_eq!(v["content"][0]["text"], "Paris is the capital of France.");
    assert_eq!(v["usage"]["output_tokens"], 9);
    let sent = server.requests().pop().unwrap().body_json();
    assert_eq!(
        sent["messages"][0],
        json!({"role": "system", "content": "Be brief."})
    );
    assert_eq!(sent["max_completion_tokens"], 50);

    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    let r = s.post("/v1/messages", &streamed);
    assert_eq!(r.status, 200, "{}", r.all());
    let t = r.text();
    assert!(t.starts_with("event: message_start\n"), "{t}");
    assert!(t.contains("\"text_delta\""), "{t}");
    assert!(
        t.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"),
        "{t}"
    );

    // An image does not cross: 400 naming where it is.
    let mut image = body.clone();
    image["messages"][0]["content"] = json!([{"type": "image", "source": {}}]);
    let r = s.post("/v1/messages", &image);
    assert_eq!(r.status, 400, "{}", r.all());
    assert_eq!(r.json()["error"]["type"], "invalid_request_error");
    assert!(r.text().contains("anthropic wire"), "{}", r.text());
    let (status, _) = s.stop();
    assert!(status.success());
}

#[test]
fn fifty_concurrent_requests_under_a_cap_that_fits_five_let_five_through() {
    let body = json!({"model": "fast", "max_tokens": 100,
        "messages": [{"role": "user", "content": "hi"}]});
    // What each request reserves: its bytes, the template allowance, its max_tokens.
    let estimate = body.to_string().len() as u64 + 64 + 100;
    let fake = Fake::openai(OPENAI_KEY, answer().usage(Usage::new(estimate, 100)))
        .pause(Duration::from_millis(50));
    let server = fake.server();
    let cap = 5 * estimate + estimate / 2;
    let home = home_with_openai(
        &server,
        &format!(
            "[routes.fast]\nmodel = \"openai:gpt-4o-mini\"\n[budgets]\nmonthly_tokens = {{ openai = {cap} }}\n"
        ),
    );
    let s = Arc::new(serve(&home, &["-q"]));
    let handles: Vec<_> = (0..50)
        .map(|_| {
            let s = s.clone();
            let body = body.clone();
            std::thread::spawn(move || s.post("/v1/chat/completions", &body))
        })
        .collect();
    let answers: Vec<Resp> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = answers.iter().filter(|r| r.status == 200).count();
    let refused: Vec<&Resp> = answers.iter().filter(|r| r.status == 429).collect();
    assert_eq!(
        ok,
        5,
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(refused.len(), 45);
    assert_eq!(server.count("/v1/chat/completions"), 5);
    let m = refused[0].json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(m.contains("openai") && m.contains("budget"), "{m}");
    let s = Arc::into_inner(s).unwrap();
    let (status, _) = s.stop();
    assert!(status.success());
}

/// Reads from `stream` until `needle` has arrived; returns what arrived.
fn read_until(stream: &mut TcpStream, needle: &str) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&got).contains(needle) {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "the stream ended: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&got).into_owned()
}

fn start_stream(s: &Serve, model: &str) -> TcpStream {
    let body = chat(model, true).to_string();
    let mut t = TcpStream::connect(&s.addr).unwrap();
    t.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        t,
        "POST /v1/chat/completions HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        s.addr,
        s.token,
        body.len()
    )
    .unwrap();
    t
}

#[test]
fn sigterm_sigint_or_sighup_let_a_stream_in_flight_finish_and_settle_it() {
    for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        let fake = Fake::openai(OPENAI_KEY, answer())
            .per_event()
            .pause(Duration::from_millis(150));
        let server = fake.clone().server();
        let home = home_with_openai(&server, "[routes.fast]\nmodel = \"openai:gpt-4o-mini\"\n");
        let s = serve(&home, &[]);
        let mut t = start_stream(&s, "fast");
        let first = read_until(&mut t, "Paris");
        s.signal(signal);
        let mut rest = Vec::new();
        t.read_to_end(&mut rest).unwrap();
        let all = format!("{first}{}", String::from_utf8_lossy(&rest));
        assert!(
            all.contains(" of France.") && all.contains("[DONE]"),
            "signal {signal}: {all}"
        );
        let (status, stderr) = s.stop();
        assert!(status.success(), "signal {signal}: {status:?} {stderr}");
        let rows = call_rows(&home);
        assert_eq!(rows.len(), 1, "signal {signal}");
        assert_eq!(
            (rows[0].1.as_str(), rows[0].2, rows[0].3),
            ("ok", 47, 9),
            "signal {signal}"
        );
    }
}

#[test]
fn a_client_that_goes_away_mid_stream_cancels_the_call_and_it_is_settled() {
    let fake = Fake::openai(OPENAI_KEY, answer())
        .per_event()
        .stall_after(1, Duration::from_secs(20));
    let server = fake.clone().server();
    let home = home_with_openai(&server, "[routes.fast]\nmodel = \"openai:gpt-4o-mini\"\n");
    let s = serve(&home, &[]);
    let mut t = start_stream(&s, "fast");
    read_until(&mut t, "Paris");
    drop(t);
    assert!(
        server.wait_for_disconnects(1, Duration::from_secs(10)),
        "the call upstream was not cancelled"
    );
    // The row leaves `reserved` once the call is settled.
    let mut rows = call_rows(&home);
    for _ in 0..200 {
        if rows.iter().all(|r| r.1 != "reserved") {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
        rows = call_rows(&home);
    }
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, "interrupted", "{rows:?}");
    let (status, _) = s.stop();
    assert!(status.success());
}

#[test]
fn status_shows_a_running_serve_and_forgets_it_when_it_stops() {
    let fake = Fake::openai(OPENAI_KEY, answer()).server();
    let home = home_with_openai(&fake, "[routes.fast]\nmodel = \"openai:gpt-4o-mini\"\n");
    let s = serve(&home, &["--client", "aider"]);
    assert!(s.exports.contains(&s.addr));
    assert_eq!(
        s.post("/v1/chat/completions", &chat("fast", false)).status,
        200
    );
    let a = home.cmd().args(["--json", "status"]).assert().success();
    let v = json_of(&a);
    assert_eq!(v["serve"][0]["pid"], s.child.id());
    assert_eq!(v["serve"][0]["address"], s.addr.as_str());
    assert_eq!(v["serve"][0]["clients"], json!(["aider"]));
    let a = home.cmd().arg("status").assert().success();
    let text = support::byok::stdout(&a);
    assert!(
        text.contains(&format!(
            "serve:     pid {} on {}, 1 client (aider)",
            s.child.id(),
            s.addr
        )),
        "{text}"
    );
    let (status, _) = s.stop();
    assert!(status.success());
    let v = json_of(&home.cmd().args(["--json", "status"]).assert().success());
    assert_eq!(v["serve"], json!([]));

    // A state file left by a serve that died without cleaning up is stale: not shown,
    // and removed.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let stale = home.file(&format!("serve/{dead}.json"));
    std::fs::write(
        &stale,
        json!({"pid": dead, "address": "127.0.0.1:1", "clients": []}).to_string(),
    )
    .unwrap();
    let v = json_of(&home.cmd().args(["--json", "status"]).assert().success());
    assert_eq!(v["serve"], json!([]));
    assert!(!stale.exists());
}

#[test]
fn only_loopback_is_served() {
    let home = Home::with_identity();
    let a = home
        .cmd()
        .args(["serve", "--listen", "0.0.0.0:0"])
        .assert()
        .code(2);
    let err = support::byok::stderr(&a);
    assert!(
        err.contains("loopback only") && err.contains("hint:"),
        "{err}"
    );
}

#[test]
fn a_call_still_running_after_the_drain_time_is_cancelled_and_settled() {
    let fake = Fake::openai(OPENAI_KEY, answer())
        .per_event()
        .stall_after(1, Duration::from_secs(60));
    let server = fake.clone().server();
    let home = home_with_openai(&server, "[routes.fast]\nmodel = \"openai:gpt-4o-mini\"\n");
    let s = serve(&home, &[]);
    let mut t = start_stream(&s, "fast");
    read_until(&mut t, "Paris");
    let started = std::time::Instant::now();
    let (status, stderr) = s.stop();
    let took = started.elapsed();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(30),
        "{took:?}"
    );
    let rows = call_rows(&home);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, "interrupted", "{rows:?}");
    let mut rest = Vec::new();
    let _ = t.read_to_end(&mut rest);
}

#[cfg(unix)]
#[test]
fn a_unix_socket_is_its_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::UnixStream;
    let fake = Fake::openai(OPENAI_KEY, answer()).server();
    let home = home_with_openai(&fake, "[routes.fast]\nmodel = \"openai:gpt-4o-mini\"\n");
    let path = home.file("serve.sock");
    let s = serve(&home, &["--socket", path.to_str().unwrap()]);
    assert!(
        s.exports
            .contains(&format!("export BYOK_SERVE_URL=unix:{}", path.display())),
        "{}",
        s.exports
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let body = chat("fast", false).to_string();
    let mut c = UnixStream::connect(&path).unwrap();
    write!(
        c,
        "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        s.token,
        body.len()
    )
    .unwrap();
    let mut all = Vec::new();
    c.read_to_end(&mut all).unwrap();
    let r = parse(&all);
    assert_eq!(r.status, 200, "{}", r.all());
    assert_eq!(
        r.json()["choices"][0]["message"]["content"],
        "Paris is the capital of France."
    );
    let (status, _) = s.stop();
    assert!(status.success());
    assert!(!path.exists(), "the socket is removed on exit");
}

#[test]
fn eval_of_a_background_serve_returns_with_the_variables_set() {
    let fake = Fake::openai(OPENAI_KEY, answer()).server();
    let home = home_with_openai(&fake, "[routes.fast]\nmodel = \"openai:gpt-4o-mini\"\n");
    let bin = assert_cmd::cargo::cargo_bin("byok");
    let out = home
        .std_cmd()
        .args([
            "-c",
            // stderr elsewhere: the test reads this shell's until it closes.
            r#"eval "$("$BYOK_BIN" serve -q 2>/dev/null &)"
curl -s "$OPENAI_BASE_URL/models" -H "Authorization: Bearer $OPENAI_API_KEY""#,
        ])
        .env("BYOK_BIN", &bin)
        .env_remove("BYOK_EXEC")
        .output_of_sh();
    let status = json_of(&home.cmd().args(["--json", "status"]).assert().success());
    let pid = status["serve"][0]["pid"]
        .as_i64()
        .expect("serve is running");
    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["data"][0]["id"], "fast");
}

trait OutputOfSh {
    fn output_of_sh(&mut self) -> String;
}

impl OutputOfSh for std::process::Command {
    /// Runs the same environment's `sh` with these arguments instead of byok.
    fn output_of_sh(&mut self) -> String {
        let mut sh = std::process::Command::new("sh");
        sh.args(self.get_args());
        sh.env_clear();
        for (k, v) in self.get_envs() {
            if let Some(v) = v {
                sh.env(k, v);
            }
        }
        let out = sh.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    }
}

/// A shell that ran `eval "$(byok serve &)"` has the serve token in OPENAI_API_KEY: a
/// later `byok run` in it must not send that token to the provider as if it were a key.
#[test]
fn a_serve_token_in_the_environment_is_not_taken_for_a_key() {
    let fake = Fake::openai(OPENAI_KEY, answer()).server();
    let mut home = Home::with_identity();
    home.env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()))
        .env("OPENAI_API_KEY", &format!("byok-{}", "0a".repeat(32)));
    let a = home
        .cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "hi"])
        .assert()
        .code(3);
    assert!(
        support::byok::stderr(&a).contains("OPENAI_API_KEY holds a byok serve token"),
        "{}",
        support::byok::stderr(&a)
    );
    assert_eq!(fake.count("/v1/chat/completions"), 0);
}

/// A stream the provider cuts after its start reached the client cannot fall back any
/// more: it ends with an error event in the client's wire, which both SDKs raise on,
/// rather than just stopping as a whole answer would.
#[test]
fn a_stream_cut_after_its_start_ends_with_an_error_event_in_the_clients_wire() {
    let openai = Fake::openai(OPENAI_KEY, answer()).cut_after(1).server();
    let anthropic = Fake::anthropic(ANTHROPIC_KEY, answer())
        .cut_after(1)
        .server();
    let mut home = home_with_openai(
        &openai,
        "[routes.gpt]\nmodel = \"openai:gpt-4o-mini\"\n\n[routes.claude]\nmodel = \"anthropic:claude-haiku-4-5\"\n",
    );
    home.env("BYOK_ANTHROPIC_BASE_URL", &anthropic.url());
    home.add_key("anthropic", ANTHROPIC_KEY, &["--no-verify"])
        .success();
    let s = serve(&home, &[]);

    let r = s.post("/v1/chat/completions", &chat("gpt", true));
    assert_eq!(r.status, 200, "{}", r.all());
    let text = r.text();
    assert!(text.contains("Paris"), "{text}");
    let last = text.trim_end().rsplit("\n\n").next().unwrap();
    let error: Value = serde_json::from_str(last.strip_prefix("data: ").unwrap())
        .unwrap_or_else(|e| panic!("{e}: {text:?}"));
    assert_eq!(error["error"]["code"], "stream_cut", "{text}");
    assert!(!text.contains("[DONE]"), "{text}");

    let body = json!({"model": "claude", "max_tokens": 100, "stream": true,
        "messages": [{"role": "user", "content": "Capital of France?"}]});
    let r = s.post("/v1/messages", &body);
    assert_eq!(r.status, 200, "{}", r.all());
    let text = r.text();
    let last = text.trim_end().rsplit("\n\n").next().unwrap();
    assert!(last.starts_with("event: error\ndata: "), "{text}");
    let error: Value = serde_json::from_str(last.split_once("data: ").unwrap().1).unwrap();
    assert_eq!(error["type"], "error", "{text}");
    assert!(!text.contains("message_stop"), "{text}");
    let (status, _) = s.stop();
    assert!(status.success());
}

/// An agent's conversation (earlier turns, stop sequences) reaches a Gemini candidate
/// through the cross-wire text subset: every turn in order, the assistant's as `model`.
#[test]
fn a_conversation_crosses_to_a_gemini_candidate_turn_by_turn() {
    const GEMINI_KEY: &str = "AIzaSy-serve-gemini-0123456789abcdefghij";
    let openai = Fake::openai(OPENAI_KEY, answer()).server();
    let gemini = Fake::gemini(GEMINI_KEY, answer()).server();
    let mut home = home_with_openai(&openai, "[routes.g]\nmodel = \"gemini:gemini-2.5-flash\"\n");
    home.env("BYOK_GEMINI_BASE_URL", &gemini.url());
    home.add_key("gemini", GEMINI_KEY, &["--no-verify"])
        .success();
    let s = serve(&home, &[]);
    for stream in [false, true] {
        let body = json!({"model": "g", "stream": stream, "stop": ["\n\n"], "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Capital of Italy?"},
            {"role": "assistant", "content": "Rome."},
            {"role": "user", "content": "And of France?"},
        ]});
        let r = s.post("/v1/chat/completions", &body);
        assert_eq!(r.status, 200, "{}", r.all());
        assert!(r.text().contains("Paris"), "{}", r.text());
        let sent = gemini.requests().last().unwrap().body_json();
        assert_eq!(
            sent["contents"],
            json!([
                {"role": "user", "parts": [{"text": "Capital of Italy?"}]},
                {"role": "model", "parts": [{"text": "Rome."}]},
                {"role": "user", "parts": [{"text": "And of France?"}]},
            ]),
            "{sent}"
        );
        assert_eq!(sent["generationConfig"]["stopSequences"], json!(["\n\n"]));
        assert_eq!(sent["systemInstruction"]["parts"][0]["text"], "Be brief.");
    }
    // A conversation that ends with the assistant's turn (a prefill) has no Gemini form.
    let body = json!({"model": "g", "messages": [
        {"role": "user", "content": "Capital of Italy?"},
        {"role": "assistant", "content": "Ro"},
    ]});
    let r = s.post("/v1/chat/completions", &body);
    assert_eq!(r.status, 400, "{}", r.all());
    assert!(r.text().contains("assistant turn"), "{}", r.text());
    assert_eq!(gemini.count("/"), 2);
    s.stop();
}
