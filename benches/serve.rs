//! `byok serve` against a direct call to the same loopback fake (targets and
//! figures in BENCHMARKS.md): the latency serve adds per non-streamed request (p50, p99),
//! the first streamed byte, throughput at 1 and 32 concurrent clients as a ratio to the
//! direct load, and serve's resident memory while it carries 256 streams at once.
//!
//! The fake is a small tokio HTTP/1.1 server in this process, so it is not the bottleneck
//! (a thread-per-connection fake would be). Run: `cargo bench --bench serve`
//! (BENCH_REQUESTS=N for more sequential samples, BENCH_SECONDS=S per throughput run).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const BYOK: &str = env!("CARGO_BIN_EXE_byok");
const KEY: &str = "sk-bench-serve-0123456789abcdef";
/// How long the fake takes to answer a request that asks it to take its time.
const PROVIDER_TIME: Duration = Duration::from_millis(20);

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// -- the fake provider ---------------------------------------------------------------------

/// What the fake has seen: streams it is holding open (the memory measure waits for all).
#[derive(Default)]
struct FakeState {
    held: AtomicUsize,
}

const ANSWER: &str = r#"{"id":"chatcmpl-bench","object":"chat.completion","created":1764547200,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Paris is the capital of France."},"finish_reason":"stop"}],"usage":{"prompt_tokens":14,"completion_tokens":8,"total_tokens":22}}"#;

fn sse_chunk(content: &str) -> String {
    format!(
        "data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764547200,\"model\":\"gpt-4o-mini\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{content}\"}},\"finish_reason\":null}}]}}\n\n"
    )
}

fn chunked(part: &str) -> String {
    format!("{:x}\r\n{part}\r\n", part.len())
}

async fn start_fake(state: Arc<FakeState>, release: watch::Receiver<bool>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((s, _)) = listener.accept().await else {
                continue;
            };
            let _ = s.set_nodelay(true);
            tokio::spawn(fake_connection(s, state.clone(), release.clone()));
        }
    });
    url
}

/// One keep-alive connection: requests in, answers out, until the peer closes.
async fn fake_connection(
    mut s: TcpStream,
    state: Arc<FakeState>,
    mut release: watch::Receiver<bool>,
) {
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    loop {
        let (head, length) = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                break (end + 4, length);
            }
            match s.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        };
        while buf.len() < head + length {
            match s.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
        let body: serde_json::Value =
            serde_json::from_slice(&buf[head..head + length]).unwrap_or_default();
        buf.drain(..head + length);
        let stream = body["stream"] == true;
        if body.to_string().contains("take your time") {
            // A provider's own time to answer (a fast real one takes 200 ms and more).
            tokio::time::sleep(PROVIDER_TIME).await;
        }
        if !stream {
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{ANSWER}",
                ANSWER.len()
            );
            if s.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
            continue;
        }
        let hold = body.to_string().contains("hold the stream");
        let usage =
            body.pointer("/stream_options/include_usage") == Some(&serde_json::Value::Bool(true));
        let mut first = String::from(
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
        );
        first.push_str(&chunked(&sse_chunk("Paris")));
        if s.write_all(first.as_bytes()).await.is_err() {
            return;
        }
        if hold {
            state.held.fetch_add(1, Ordering::SeqCst);
            while !*release.borrow() {
                if release.changed().await.is_err() {
                    break;
                }
            }
        }
        let mut rest = chunked(&sse_chunk(" is the capital of France."));
        rest.push_str(&chunked(
            "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764547200,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        ));
        if usage {
            rest.push_str(&chunked(
                "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764547200,\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":8,\"total_tokens\":22}}\n\n",
            ));
        }
        rest.push_str(&chunked("data: [DONE]\n\n"));
        rest.push_str("0\r\n\r\n");
        if s.write_all(rest.as_bytes()).await.is_err() {
            return;
        }
    }
}

// -- byok serve ----------------------------------------------------------------------------

struct Serve {
    child: Child,
    base: String,
    token: String,
}

impl Serve {
    fn start(home: &std::path::Path, fake: &str) -> Serve {
        let identity = {
            use secrecy::ExposeSecret;
            age::x25519::Identity::generate()
                .to_string()
                .expose_secret()
                .to_string()
        };
        let mut child = Command::new(BYOK)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("BYOK_HOME", home)
            .env("BYOK_KEYRING", "off")
            .env("BYOK_IDENTITY", identity)
            .env("OPENAI_API_KEY", KEY)
            .env("BYOK_OPENAI_BASE_URL", format!("{fake}/v1"))
            .args(["serve", "-q", "--client", "bench"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("byok serve");
        let mut base = String::new();
        let mut token = String::new();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        while base.is_empty() || token.is_empty() {
            let line = lines
                .next()
                .expect("serve printed its ready lines")
                .unwrap();
            if let Some(v) = line.strip_prefix("export OPENAI_BASE_URL=") {
                base = v.trim_matches('\'').to_string();
            } else if let Some(v) = line.strip_prefix("export OPENAI_API_KEY=") {
                token = v.trim_matches('\'').to_string();
            }
        }
        Serve { child, base, token }
    }

    fn rss_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.child.wait();
    }
}

// -- the load ------------------------------------------------------------------------------

#[derive(Clone)]
struct Target {
    url: String,
    auth: String,
    model: &'static str,
    prompt: &'static str,
}

fn body(model: &str, stream: bool, prompt: &str) -> String {
    serde_json::json!({
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "stream": stream,
    })
    .to_string()
}

async fn one(client: &reqwest::Client, t: &Target) -> Duration {
    let started = Instant::now();
    let r = client
        .post(&t.url)
        .header("authorization", &t.auth)
        .header("content-type", "application/json")
        .body(body(t.model, false, t.prompt))
        .send()
        .await
        .expect("request");
    assert!(r.status().is_success(), "{}", r.status());
    let _ = r.bytes().await.expect("body");
    started.elapsed()
}

async fn first_byte(client: &reqwest::Client, t: &Target) -> Duration {
    let started = Instant::now();
    let mut r = client
        .post(&t.url)
        .header("authorization", &t.auth)
        .header("content-type", "application/json")
        .body(body(t.model, true, "What is the capital of France?"))
        .send()
        .await
        .expect("request");
    assert!(r.status().is_success(), "{}", r.status());
    let _ = r.chunk().await.expect("first chunk");
    let took = started.elapsed();
    while r.chunk().await.expect("chunk").is_some() {}
    took
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

async fn sequential(client: &reqwest::Client, t: &Target, n: usize) -> Vec<Duration> {
    for _ in 0..n / 10 {
        one(client, t).await;
    }
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(one(client, t).await);
    }
    v
}

/// Requests per second from `clients` loops sharing one connection pool.
async fn throughput(client: &reqwest::Client, t: &Target, clients: usize, secs: u64) -> f64 {
    let until = Instant::now() + Duration::from_secs(secs);
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, t, done) = (client.clone(), t.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                one(&client, &t).await;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let started = Instant::now();
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let n = env_num("BENCH_REQUESTS", 2000);
    let secs = env_num("BENCH_SECONDS", 3) as u64;
    rt.block_on(async {
        let state = Arc::new(FakeState::default());
        let (release_tx, release_rx) = watch::channel(false);
        let fake = start_fake(state.clone(), release_rx).await;
        let tmp = tempfile::tempdir().unwrap();
        let serve = Serve::start(tmp.path(), &fake);
        let client = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(512)
            .build()
            .unwrap();
        let direct = Target {
            url: format!("{fake}/v1/chat/completions"),
            auth: format!("Bearer {KEY}"),
            model: "gpt-4o-mini",
            prompt: "What is the capital of France?",
        };
        let via = Target {
            url: format!("{}/chat/completions", serve.base),
            auth: format!("Bearer {}", serve.token),
            model: "openai:gpt-4o-mini",
            prompt: "What is the capital of France?",
        };
        println!("byok serve benchmarks — {n} sequential requests, {secs} s per throughput run\n");
        println!("| measure | direct | via serve | added / ratio | target |");
        println!("|---|---|---|---|---|");

        let mut d = sequential(&client, &direct, n).await;
        let mut s = sequential(&client, &via, n).await;
        let (d50, d99) = (percentile(&mut d, 0.5), percentile(&mut d, 0.99));
        let (s50, s99) = (percentile(&mut s, 0.5), percentile(&mut s, 0.99));
        println!(
            "| non-streamed request, p50 | {} | {} | +{} | ≤ 1 ms added |",
            ms(d50),
            ms(s50),
            ms(s50.saturating_sub(d50))
        );
        println!(
            "| non-streamed request, p99 | {} | {} | +{} | report |",
            ms(d99),
            ms(s99),
            ms(s99.saturating_sub(d99))
        );

        let m = (n / 10).max(50);
        let mut fd = Vec::new();
        let mut fs = Vec::new();
        for _ in 0..m {
            fd.push(first_byte(&client, &direct).await);
            fs.push(first_byte(&client, &via).await);
        }
        let (fd50, fs50) = (percentile(&mut fd, 0.5), percentile(&mut fs, 0.5));
        println!(
            "| first streamed byte, p50 | {} | {} | +{} | ≤ 1 ms added |",
            ms(fd50),
            ms(fs50),
            ms(fs50.saturating_sub(fd50))
        );

        for clients in [1, 32] {
            let rd = throughput(&client, &direct, clients, secs).await;
            let rs = throughput(&client, &via, clients, secs).await;
            println!(
                "| throughput, {clients} concurrent client{} | {rd:.0} req/s | {rs:.0} req/s | {:.2}× | ≥ 0.8× |",
                if clients == 1 { "" } else { "s" },
                rs / rd
            );
        }

        // The same with a provider that takes 20 ms to answer, as every real one takes
        // longer: what a tool behind serve sees.
        let slow = |t: &Target| Target {
            prompt: "What is the capital of France? take your time",
            ..t.clone()
        };
        for clients in [1, 32] {
            let rd = throughput(&client, &slow(&direct), clients, secs).await;
            let rs = throughput(&client, &slow(&via), clients, secs).await;
            println!(
                "| throughput, {clients} concurrent client{}, provider answering in {} ms | {rd:.0} req/s | {rs:.0} req/s | {:.2}× | ≥ 0.8× |",
                if clients == 1 { "" } else { "s" },
                PROVIDER_TIME.as_millis(),
                rs / rd
            );
        }

        // 256 streams held open at once through serve.
        let before = serve.rss_kib();
        let mut streams = Vec::new();
        for _ in 0..256 {
            let (client, via) = (client.clone(), via.clone());
            streams.push(tokio::spawn(async move {
                let mut r = client
                    .post(&via.url)
                    .header("authorization", &via.auth)
                    .header("content-type", "application/json")
                    .body(body(via.model, true, "hold the stream"))
                    .send()
                    .await
                    .expect("request");
                assert!(r.status().is_success(), "{}", r.status());
                while r.chunk().await.expect("chunk").is_some() {}
            }));
        }
        while state.held.load(Ordering::SeqCst) < 256 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let during = serve.rss_kib();
        release_tx.send(true).unwrap();
        for s in streams {
            s.await.unwrap();
        }
        println!(
            "| serve RSS, idle → 256 concurrent streams | — | {:.1} MB → {:.1} MB (peak {:.1} MB) | — | ≤ 50 MB |",
            before.0 as f64 / 1024.0,
            during.0 as f64 / 1024.0,
            during.1 as f64 / 1024.0
        );
        drop(serve);
    });
}
