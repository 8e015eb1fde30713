//! The performance targets of DESIGN.md §11, measured on the built (release) binary and
//! printed side by side with curl against the same loopback fake, so the ratios hold on
//! a noisy machine. Run: `cargo bench --bench byok` (BENCH_RUNS=N for more samples).

#[path = "../tests/support/fake.rs"]
#[allow(dead_code)]
mod fake;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake::{FakeServer, Reply};
use secrecy::ExposeSecret;

const BYOK: &str = env!("CARGO_BIN_EXE_byok");

fn runs() -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Median wall time of `n` runs of a command built by `make`.
fn time_cmd(n: usize, mut make: impl FnMut() -> Command) -> Duration {
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let mut cmd = make();
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .stdin(Stdio::null());
        let t = Instant::now();
        let status = cmd.status().expect("spawn");
        samples.push(t.elapsed());
        assert!(status.success(), "benchmark command failed: {cmd:?}");
    }
    median(samples)
}

fn byok(home: &Path) -> Command {
    let mut c = Command::new(BYOK);
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("BYOK_HOME", home)
        .env("BYOK_KEYRING", "off");
    c
}

fn identity() -> String {
    age::x25519::Identity::generate()
        .to_string()
        .expose_secret()
        .to_string()
}

fn row(
    name: &str,
    value: String,
    reference: Option<(&str, Duration)>,
    target: &str,
    ratio_of: Option<Duration>,
) {
    let reference_text = match reference {
        Some((label, d)) => format!("{label} {}", ms(d)),
        None => "—".into(),
    };
    let ratio = match (ratio_of, reference) {
        (Some(v), Some((_, r))) => format!("{:.2}×", v.as_secs_f64() / r.as_secs_f64()),
        _ => "—".into(),
    };
    println!("| {name} | {value} | {reference_text} | {ratio} | {target} |");
}

/// Writes a vault with `n` keys through `byok key add`'s own code path (the library).
fn vault_with_keys(home: &Path, id: &str, n: usize) {
    let mut child = byok(home)
        .env("BYOK_IDENTITY", id)
        .args(["key", "add", "openai", "--no-verify"])
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"sk-bench-0000000000000000\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    // The rest go straight into the document: 1,000 processes would only measure fork.
    let paths = byok::paths::Paths::at(home);
    // SAFETY: single-threaded at this point of the benchmark.
    unsafe { std::env::set_var("BYOK_IDENTITY", id) };
    let mut vault =
        byok::vault::Vault::open_for_write(&paths, &byok::vault::KeyringAccess::Off).unwrap();
    let template = vault.doc.keys[0].clone();
    for i in 1..n {
        let mut k = template.clone();
        k.label = format!("k{i:04}");
        k.secret = byok::vault::Secret(format!("sk-bench-{i:016}").into());
        vault.doc.keys.push(k);
    }
    vault.save().unwrap();
    unsafe { std::env::remove_var("BYOK_IDENTITY") };
}

fn openai_fake() -> FakeServer {
    FakeServer::start(|req| {
        let streaming = req.body_str().contains("\"stream\":true");
        if streaming {
            let body = Reply::sse_body(
                &[
                    (
                        None,
                        r#"{"choices":[{"delta":{"content":"Hello"},"finish_reason":null}],"usage":null}"#,
                    ),
                    (
                        None,
                        r#"{"choices":[{"delta":{"content":" world"},"finish_reason":"stop"}],"usage":null}"#,
                    ),
                    (
                        None,
                        r#"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":2}}"#,
                    ),
                    (None, "[DONE]"),
                ],
                "\n\n",
            );
            Reply::stream(200, "text/event-stream", vec![body])
        } else {
            Reply::json(
                200,
                serde_json::json!({"id": "c1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello world"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14}}),
            )
        }
    })
}

/// Peak resident memory of one run of `cmd`, from the kernel's accounting of the child.
fn peak_rss_kib(mut cmd: Command) -> i64 {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .stdin(Stdio::null());
    let child = cmd.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting on our own child with valid out-pointers.
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    std::mem::forget(child);
    usage.ru_maxrss
}

/// Time from the fake writing the first answer byte to it arriving on byok's stdout.
fn first_byte_latency(url: &str, home: &Path) -> Duration {
    let gate = std::sync::Arc::new((
        std::sync::Mutex::new(None::<Instant>),
        std::sync::Condvar::new(),
    ));
    let server_gate = gate.clone();
    let slow = FakeServer::start(move |_| {
        // The answer's first byte leaves now; the rest much later.
        *server_gate.0.lock().unwrap() = Some(Instant::now());
        let first = Reply::sse_body(
            &[(
                None,
                r#"{"choices":[{"delta":{"content":"X"},"finish_reason":null}]}"#,
            )],
            "\n\n",
        );
        let rest = Reply::sse_body(
            &[
                (
                    None,
                    r#"{"choices":[{"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}"#,
                ),
                (None, "[DONE]"),
            ],
            "\n\n",
        );
        Reply::stream(200, "text/event-stream", vec![first, rest]).pause(Duration::from_millis(50))
    });
    let _ = url;
    let mut child = byok(home)
        .env("OPENAI_API_KEY", "sk-bench-0000000000000000")
        .env("BYOK_OPENAI_BASE_URL", format!("{}/v1", slow.url()))
        .args(["run", "-m", "openai:gpt-4o-mini", "--no-stdin", "hi"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    out.read_exact(&mut byte).unwrap();
    let arrived = Instant::now();
    let _ = child.wait();
    let sent = gate.0.lock().unwrap().expect("the fake answered");
    // The fake records the time just before writing, so this includes its own write.
    arrived.duration_since(sent)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n = runs();
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    println!("byok benchmarks — {n} runs each, medians (release build: {BYOK})\n");
    println!("| measure | byok | reference | ratio | target |");
    println!("|---|---|---|---|---|");

    // Start-up.
    let version = time_cmd(n, || {
        let mut c = byok(home);
        c.arg("--version");
        c
    });
    let curl_version = time_cmd(n, || {
        let mut c = Command::new("curl");
        c.arg("--version");
        c
    });
    row(
        "`byok --version`",
        ms(version),
        Some(("curl --version", curl_version)),
        "≤ 5 ms",
        Some(version),
    );

    // key list with 1,000 keys, identity from the environment.
    let id = identity();
    let list_home = tmp.path().join("list");
    std::fs::create_dir_all(&list_home).unwrap();
    vault_with_keys(&list_home, &id, 1000);
    let list = time_cmd(n, || {
        let mut c = byok(&list_home);
        c.env("BYOK_IDENTITY", &id).args(["key", "list"]);
        c
    });
    row(
        "`byok key list`, 1,000 keys, BYOK_IDENTITY",
        ms(list),
        None,
        "≤ 50 ms",
        None,
    );

    // key list in keyring mode, when a Secret Service is on the bus.
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        let kr_home: PathBuf = tmp.path().join("keyring");
        std::fs::create_dir_all(&kr_home).unwrap();
        let mut ok = true;
        for i in 0..10 {
            let mut c = byok(&kr_home);
            c.env_remove("BYOK_KEYRING").env(
                "DBUS_SESSION_BUS_ADDRESS",
                std::env::var_os("DBUS_SESSION_BUS_ADDRESS").unwrap(),
            );
            let mut child = c
                .args([
                    "key",
                    "add",
                    "openai",
                    "--no-verify",
                    "--label",
                    &format!("k{i}"),
                ])
                .stdin(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"sk-bench-0000000000000000\n")
                .unwrap();
            ok &= child.wait().unwrap().success();
        }
        if ok {
            let kr = time_cmd(n, || {
                let mut c = byok(&kr_home);
                c.env_remove("BYOK_KEYRING")
                    .env(
                        "DBUS_SESSION_BUS_ADDRESS",
                        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").unwrap(),
                    )
                    .args(["key", "list"]);
                c
            });
            row(
                "`byok key list`, 10 keys, OS keyring",
                ms(kr),
                None,
                "report",
                None,
            );
        } else {
            row(
                "`byok key list`, 10 keys, OS keyring",
                "keyring refused".into(),
                None,
                "report",
                None,
            );
        }
    } else {
        row(
            "`byok key list`, 10 keys, OS keyring",
            "skipped: no session bus".into(),
            None,
            "report",
            None,
        );
    }

    // run --no-stream against a loopback fake, next to curl doing the same request.
    let fake = openai_fake();
    let body = r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"#;
    let curl = time_cmd(n, || {
        let mut c = Command::new("curl");
        c.args([
            "-sS",
            "-o",
            "/dev/null",
            "-H",
            "authorization: Bearer sk-bench-0000000000000000",
        ])
        .args(["-H", "content-type: application/json", "-d", body])
        .arg(format!("{}/v1/chat/completions", fake.url()));
        c
    });
    let run_cmd = || {
        let mut c = byok(home);
        c.env("OPENAI_API_KEY", "sk-bench-0000000000000000")
            .env("BYOK_OPENAI_BASE_URL", format!("{}/v1", fake.url()))
            .args([
                "run",
                "--no-stream",
                "--no-stdin",
                "-m",
                "openai:gpt-4o-mini",
                "hi",
            ]);
        c
    };
    let run = time_cmd(n, run_cmd);
    row(
        "`byok run --no-stream`, loopback fake",
        ms(run),
        Some(("curl", curl)),
        "≤ 1.5 × curl",
        Some(run),
    );

    // Streaming: first byte on stdout after the provider's first byte.
    let mut firsts: Vec<Duration> = (0..n.min(15))
        .map(|_| first_byte_latency(&fake.url(), home))
        .collect();
    firsts.sort();
    row(
        "stream: provider's first byte → stdout",
        ms(firsts[firsts.len() / 2]),
        None,
        "≤ 2 ms",
        None,
    );

    // Peak memory of one `byok run`.
    let rss = (0..5).map(|_| peak_rss_kib(run_cmd())).max().unwrap_or(0);
    row(
        "peak RSS of `byok run`",
        format!("{:.1} MB", rss as f64 / 1024.0),
        None,
        "≤ 30 MB",
        None,
    );
}
