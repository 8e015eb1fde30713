//! The performance targets of BENCHMARKS.md, measured on the built (release) binary and
//! printed side by side with curl against the same loopback fake, so the ratios hold on
//! a noisy machine. Run: `cargo bench --bench byok` (BENCH_RUNS=N for more samples).

#[path = "../tests/support/fake.rs"]
#[allow(dead_code)]
mod fake;
#[path = "../tests/support/postgres.rs"]
#[allow(dead_code)]
mod postgres_server;

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

/// Where byok's stdout goes while its first byte is timed.
#[derive(Clone, Copy, PartialEq)]
enum Out {
    Pipe,
    Pty,
}

/// A pseudo-terminal: (reader of what byok writes, the terminal side to give byok).
fn pty() -> (std::fs::File, std::process::Stdio) {
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty fills in two new descriptors we then own.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty failed");
    unsafe {
        (
            std::fs::File::from_raw_fd(master),
            std::process::Stdio::from_raw_fd(slave),
        )
    }
}

/// Time from the fake writing the first answer byte to it arriving on byok's stdout.
fn first_byte_latency(url: &str, home: &Path, out_kind: Out) -> Duration {
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
    let mut cmd = byok(home);
    cmd.env("OPENAI_API_KEY", "sk-bench-0000000000000000")
        .env("BYOK_OPENAI_BASE_URL", format!("{}/v1", slow.url()))
        .args(["run", "-m", "openai:gpt-4o-mini", "--no-stdin", "-q", "hi"])
        .stderr(Stdio::null());
    let (mut out, mut child): (Box<dyn Read>, _) = match out_kind {
        Out::Pipe => {
            let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
            (Box::new(child.stdout.take().unwrap()), child)
        }
        Out::Pty => {
            let (master, slave) = pty();
            (Box::new(master), cmd.stdout(slave).spawn().unwrap())
        }
    };
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
    // BENCH_ONLY=shared: only the shared ledger's rows (they start a PostgreSQL server).
    if std::env::var("BENCH_ONLY").as_deref() == Ok("shared") {
        shared_ledger_rows(n, tmp.path());
        return;
    }

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

    // The same run with the key in a vault: opened by BYOK_IDENTITY (the identity path),
    // by the passphrase each time (scrypt), and after `vault unlock` (the kernel keyring).
    session_unlock_rows(n, tmp.path(), &fake.url());

    // Streaming: first byte on stdout after the provider's first byte.
    for (kind, label) in [(Out::Pipe, "pipe"), (Out::Pty, "pty")] {
        let firsts: Vec<Duration> = (0..n.min(15))
            .map(|_| first_byte_latency(&fake.url(), home, kind))
            .collect();
        row(
            &format!("stream: provider's first byte → stdout ({label})"),
            ms(median(firsts)),
            None,
            "≤ 2 ms",
            None,
        );
    }

    // Peak memory of one `byok run`.
    let rss = (0..5).map(|_| peak_rss_kib(run_cmd())).max().unwrap_or(0);
    row(
        "peak RSS of `byok run`",
        format!("{:.1} MB", rss as f64 / 1024.0),
        None,
        "≤ 30 MB",
        None,
    );

    // Routes: `route list` and `route show` touch no keyring and no network.
    let route_home = tmp.path().join("routes");
    std::fs::create_dir_all(route_home.join("profiles")).unwrap();
    std::fs::write(
        route_home.join("profiles/default.toml"),
        "[routes.classify]\nmodel = \"gemini:gemini-2.5-flash\"\nfallback = [\"openai:gpt-4o-mini\", \"ollama:llama3.2\"]\n",
    )
    .unwrap();
    for (label, args) in [
        ("`byok route list`", &["route", "list"][..]),
        (
            "`byok route show classify`",
            &["route", "show", "classify"][..],
        ),
    ] {
        let d = time_cmd(n, || {
            let mut c = byok(&route_home);
            c.args(args);
            c
        });
        row(label, ms(d), None, "≤ 10 ms", None);
    }

    // Fallback: a rejected key on the first candidate costs its own round trip, no more.
    let reject = FakeServer::start(|_| {
        Reply::json(
            401,
            serde_json::json!({"error": {"message": "bad key", "type": "invalid_request_error"}}),
        )
    });
    let fb_home = tmp.path().join("fallback");
    std::fs::create_dir_all(fb_home.join("profiles")).unwrap();
    std::fs::write(
        fb_home.join("profiles/default.toml"),
        "[routes.default]\nmodel = \"openai:gpt-4o-mini\"\nfallback = [\"mistral:mistral-small-latest\"]\n",
    )
    .unwrap();
    let fb_cmd = |primary: &str| {
        let mut c = byok(&fb_home);
        c.env("OPENAI_API_KEY", "sk-bench-0000000000000000")
            .env("MISTRAL_API_KEY", "sk-bench-0000000000000000")
            .env("BYOK_OPENAI_BASE_URL", format!("{primary}/v1"))
            .env("BYOK_MISTRAL_BASE_URL", format!("{}/v1", fake.url()))
            .args(["run", "--no-stream", "--no-stdin", "hi"]);
        c
    };
    let direct = time_cmd(n, || fb_cmd(&fake.url()));
    let via_fallback = time_cmd(n, || fb_cmd(&reject.url()));
    let failed_attempt = time_cmd(n, || {
        let mut c = Command::new("curl");
        c.args(["-sS", "-o", "/dev/null", "-d", body])
            .arg(format!("{}/v1/chat/completions", reject.url()));
        c
    });
    row(
        "fallback after a 401: extra time over a direct call",
        ms(via_fallback.saturating_sub(direct)),
        Some(("curl to the failing fake", failed_attempt)),
        "≤ failed attempt + 5 ms",
        None,
    );

    // Recording a call in the ledger: the same run with the ledger made unopenable.
    let rec_home = tmp.path().join("record");
    let norec_home = tmp.path().join("norecord");
    std::fs::create_dir_all(&rec_home).unwrap();
    std::fs::create_dir_all(norec_home.join("ledger.sqlite3")).unwrap();
    let run_in = |home: &Path| {
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
    let with_ledger = time_cmd(n, || run_in(&rec_home));
    let without_ledger = time_cmd(n, || run_in(&norec_home));
    row(
        "ledger: recording one call",
        ms(with_ledger.saturating_sub(without_ledger)),
        Some(("run without a ledger", without_ledger)),
        "≤ 2 ms",
        None,
    );

    // `byok usage` over a 1,000,000-row ledger, for each grouping.
    let big = tmp.path().join("big");
    std::fs::create_dir_all(&big).unwrap();
    fill_ledger(&big, 1_000_000);
    for by in ["provider", "model", "route", "key", "day"] {
        let d = time_cmd(n.min(7), || {
            let mut c = byok(&big);
            c.args([
                "usage",
                "--since",
                "2026-01-01",
                "--until",
                "2026-12-31",
                "--by",
                by,
            ]);
            c
        });
        row(
            &format!("`byok usage --by {by}`, 1,000,000 rows"),
            ms(d),
            None,
            "≤ 1 s",
            None,
        );
    }

    // Council of five members whose providers each take 200 ms.
    let slow: Vec<FakeServer> = (0..5)
        .map(|_| {
            FakeServer::start(|req| {
                let body = Reply::sse_body(
                    &[
                        (None, r#"{"choices":[{"delta":{"content":"yes"},"finish_reason":"stop"}],"usage":null}"#),
                        (None, r#"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1}}"#),
                        (None, "[DONE]"),
                    ],
                    "\n\n",
                );
                let _ = req;
                Reply::stream(200, "text/event-stream", vec![body]).delay(Duration::from_millis(200))
            })
        })
        .collect();
    let ids = ["openai", "mistral", "groq", "deepseek", "xai"];
    let council = time_cmd(n.min(10), || {
        let mut c = byok(home);
        for (id, f) in ids.iter().zip(&slow) {
            c.env(
                format!("{}_API_KEY", id.to_uppercase()),
                "sk-bench-0000000000000000",
            )
            .env(
                format!("BYOK_{}_BASE_URL", id.to_uppercase()),
                format!("{}/v1", f.url()),
            );
        }
        let members: Vec<String> = ids.iter().map(|id| format!("{id}:m")).collect();
        c.args([
            "council",
            "--no-stdin",
            "--mode",
            "majority",
            "--members",
            &members.join(","),
            "yes or no?",
        ]);
        c
    });
    row(
        "`byok council`, 5 members × 200 ms",
        ms(council),
        None,
        "≤ 260 ms",
        None,
    );

    // The outbound guard over a 5 MB piped diff, 10 own keys: in-process, the scan only.
    let (guard, text) = guard_case(10, 5 << 20);
    let scan = median(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                let checked = guard.check("standard input", &text);
                let d = t.elapsed();
                assert_eq!(checked.findings.len(), 2, "the planted key and credential");
                d
            })
            .collect(),
    );
    row(
        "outbound guard: 5 MB prompt, 10 own keys and every credential shape",
        ms(scan),
        None,
        "≤ 50 ms",
        None,
    );

    shared_ledger_rows(n, tmp.path());
}

/// A guard for `keys` own keys and a diff-like text of `bytes` bytes holding one run of
/// one key and one credential.
fn guard_case(keys: usize, bytes: usize) -> (byok::guard::Guard, String) {
    use byok::guard::{Guard, OwnSecret, Owner, Policy};
    // Keys as random as real ones (xorshift): no two share a run of 16 characters.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let secrets = (0..keys)
        .map(|i| {
            let body: String = (0..40)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % 62) as usize] as char
                })
                .collect();
            let value = if i == 0 {
                "sk-proj-Zq7Vb3Nn8Kd2Lw5Rt9Hm4Xc6Pf1Gj0Yt5KsQa".to_string()
            } else {
                format!("sk-proj-{body}")
            };
            OwnSecret {
                owner: Owner::Vault {
                    provider: "openai".into(),
                    label: format!("k{i}"),
                    previous: false,
                },
                value: zeroize::Zeroizing::new(value),
            }
        })
        .collect();
    let guard = Guard::new(secrets, Vec::new(), Policy::Redact);
    let line = "+    let total = items.iter().map(|i| i.price * i.quantity).sum::<f64>(); // see https://example.com/docs?id=42\n";
    let mut text = String::with_capacity(bytes + 200);
    while text.len() < bytes / 2 {
        text.push_str(line);
    }
    text.push_str("+    const KEY: &str = \"Zq7Vb3Nn8Kd2Lw5Rt9Hm4X\";\n+    token = \"ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5\"\n");
    while text.len() < bytes {
        text.push_str(line);
    }
    (guard, text)
}

/// `byok run --no-stream` with its key in a vault, against the fake at `url`: a vault
/// opened by BYOK_IDENTITY, a passphrase vault given BYOK_PASSPHRASE each time, and the
/// same passphrase vault after `byok vault unlock` with no passphrase at all.
fn session_unlock_rows(n: usize, tmp: &Path, url: &str) {
    let run_in = |home: &Path| {
        let mut c = byok(home);
        c.env("BYOK_OPENAI_BASE_URL", format!("{url}/v1")).args([
            "run",
            "--no-stream",
            "--no-stdin",
            "-m",
            "openai:gpt-4o-mini",
            "hi",
        ]);
        c
    };

    let id_home = tmp.join("vault-identity");
    std::fs::create_dir_all(&id_home).unwrap();
    let id = identity();
    vault_with_keys(&id_home, &id, 1);
    let by_identity = time_cmd(n, || {
        let mut c = run_in(&id_home);
        c.env("BYOK_IDENTITY", &id);
        c
    });

    let pass_home = tmp.join("vault-passphrase");
    std::fs::create_dir_all(&pass_home).unwrap();
    let pass = "bench passphrase";
    let mut child = byok(&pass_home)
        .env("BYOK_PASSPHRASE", pass)
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
    // scrypt costs ~0.3 s a run: fewer samples say the same.
    let by_passphrase = time_cmd(n.min(10), || {
        let mut c = run_in(&pass_home);
        c.env("BYOK_PASSPHRASE", pass);
        c
    });
    row(
        "`byok run --no-stream`, passphrase vault, passphrase each run",
        ms(by_passphrase),
        Some(("vault opened by BYOK_IDENTITY", by_identity)),
        "report",
        Some(by_passphrase),
    );

    let unlocked = byok(&pass_home)
        .env("BYOK_PASSPHRASE", pass)
        .args(["vault", "unlock", "--for", "10m"])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    if !unlocked.status.success() {
        row(
            "`byok run --no-stream`, passphrase vault, after `vault unlock`",
            format!(
                "skipped: {}",
                String::from_utf8_lossy(&unlocked.stderr)
                    .lines()
                    .next()
                    .unwrap_or("unlock failed")
            ),
            None,
            "≤ identity path + 10 ms",
            None,
        );
        return;
    }
    // No BYOK_PASSPHRASE and no terminal: only the session unlock can open the vault.
    let after_unlock = time_cmd(n, || run_in(&pass_home));
    let _ = byok(&pass_home).args(["vault", "lock"]).output();
    row(
        "`byok run --no-stream`, passphrase vault, after `vault unlock`",
        ms(after_unlock),
        Some(("vault opened by BYOK_IDENTITY", by_identity)),
        "≤ identity path + 10 ms",
        Some(after_unlock),
    );
}

/// The shared ledger (README "One budget for the whole team") on a loopback PostgreSQL
/// server started for the benchmark: a reservation and its settlement, in process; `byok
/// run` with it against the same run on the SQLite ledger; `usage` over 1,000,000 rows.
fn shared_ledger_rows(n: usize, tmp: &Path) {
    if !Path::new("/usr/lib/postgresql").exists() {
        row(
            "shared ledger",
            "skipped: no PostgreSQL".into(),
            None,
            "—",
            None,
        );
        return;
    }
    let pg = postgres_server::Postgres::start();
    let url = pg.url();

    // Reserve + settle, in process, under a cap (the lock row path) and without one.
    let dir = tmp.join("shared-lib");
    std::fs::create_dir_all(&dir).unwrap();
    let paths = byok::paths::Paths::at(&dir);
    for (label, budget) in [
        (
            "under a cap",
            "[budgets]\nmonthly_tokens = { openai = 1000000000 }\n",
        ),
        ("no cap", ""),
    ] {
        let text = format!("[ledger]\nurl = \"{url}\"\n{budget}");
        let profile = byok::profile::parse(&text, Path::new("bench.toml")).unwrap();
        let ledger = byok::ledger::Ledger::open_with(&paths, &profile).unwrap();
        let tag = byok::ledger::events::CallTag::default();
        let mut samples = Vec::new();
        for _ in 0..(n * 10).max(100) {
            let t = Instant::now();
            let reservation = byok::ledger::budget::Reservation {
                row: byok::ledger::events::CallRow {
                    tag: &tag,
                    provider: "openai",
                    model: "gpt-4o-mini",
                    key_label: None,
                },
                estimate: byok::vocab::Usage {
                    input_tokens: 66,
                    output_tokens: 100,
                    ..Default::default()
                },
                est_usd: Some(0.0001),
                prompt_usd: Some(0.00001),
                fit_floor: None,
            };
            let id = match ledger.reserve(&profile, &[reservation]).unwrap() {
                byok::ledger::budget::Reserved::Rows { ids, .. } => ids[0],
                byok::ledger::budget::Reserved::Refused(_) => panic!("refused"),
            };
            ledger
                .settle(
                    id,
                    &byok::ledger::events::Settlement {
                        status: "ok",
                        error_class: None,
                        usage: byok::vocab::Usage {
                            input_tokens: 66,
                            output_tokens: 50,
                            ..Default::default()
                        },
                        cost: byok::ledger::events::Cost {
                            usd: Some(0.00005),
                            source: byok::ledger::events::CostSource::PriceTable,
                        },
                        latency_ms: 3,
                        ttft_ms: None,
                        key_label: None,
                    },
                )
                .unwrap();
            samples.push(t.elapsed());
        }
        row(
            &format!("shared ledger: reserve + settle, loopback PostgreSQL, {label}"),
            ms(median(samples)),
            None,
            "≤ 3 ms",
            None,
        );
    }

    // `byok run --no-stream` with the shared ledger, against the same run on SQLite.
    let fake = openai_fake();
    let run_in = |home: &Path, shared: bool| {
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
        if shared {
            c.env("BYOK_LEDGER_URL", &url);
        }
        c
    };
    let local_home = tmp.join("run-sqlite");
    let shared_home = tmp.join("run-shared");
    std::fs::create_dir_all(&local_home).unwrap();
    std::fs::create_dir_all(&shared_home).unwrap();
    let local = time_cmd(n, || run_in(&local_home, false));
    let shared = time_cmd(n, || run_in(&shared_home, true));
    row(
        "`byok run --no-stream`, shared ledger",
        ms(shared),
        Some(("the same run on the SQLite ledger", local)),
        "report",
        Some(shared),
    );

    // `byok usage` over 1,000,000 rows in the shared ledger.
    let mut c = pg.client();
    c.batch_execute(
        "INSERT INTO byok_events (uid, at, month, day, kind, profile, route, provider, model, key_label, status,
            input_tokens, output_tokens, cost_usd, cost_source, latency_ms, os_user, host)
         SELECT md5(i::text || 'bench'), 1.7e9 + i, '2026-' || lpad((1 + (i / 28) % 12)::text, 2, '0'),
            '2026-' || lpad((1 + (i / 28) % 12)::text, 2, '0') || '-' || lpad((1 + i % 28)::text, 2, '0'),
            'call', 'default', (ARRAY['default','classify','policy'])[1 + i % 3],
            (ARRAY['openai','anthropic','gemini','mistral','ollama'])[1 + i % 5], 'model-' || (i % 3), 'default',
            'ok', 100 + i % 50, 20 + i % 30, 0.0001 * (i % 7), 'price_table', 300,
            (ARRAY['ana','bo','ci'])[1 + i % 3], (ARRAY['laptop','runner-1','runner-2','runner-3'])[1 + i % 4]
         FROM generate_series(0, 999999) AS i",
    )
    .unwrap();
    let profile =
        byok::profile::parse(&format!("[ledger]\nurl = \"{url}\"\n"), Path::new("b.toml")).unwrap();
    byok::ledger::Ledger::open_with(&paths, &profile)
        .unwrap()
        .rebuild_roll_up()
        .unwrap();
    for by in ["provider", "user", "host"] {
        let d = time_cmd(n.min(7), || {
            let mut c = byok(&shared_home);
            c.env("BYOK_LEDGER_URL", &url).args([
                "usage",
                "--since",
                "2026-01-01",
                "--until",
                "2026-12-31",
                "--by",
                by,
            ]);
            c
        });
        row(
            &format!("`byok usage --by {by}`, 1,000,000 rows, shared ledger"),
            ms(d),
            None,
            "≤ 1 s",
            None,
        );
    }
}

/// A ledger of `rows` calls spread over a year, written straight into the schema.
fn fill_ledger(home: &Path, rows: usize) {
    drop(byok::ledger::Ledger::open(&byok::paths::Paths::at(home)).unwrap());
    let mut conn = rusqlite::Connection::open(home.join("ledger.sqlite3")).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO events (at, month, day, kind, profile, route, provider, model, key_label, status,
                   input_tokens, output_tokens, cached_input_tokens, cost_usd, cost_source, latency_ms)
                 VALUES (?1, ?2, ?3, 'call', 'default', ?4, ?5, ?6, 'default', 'ok', ?7, ?8, 0, ?9, 'price_table', 300)",
            )
            .unwrap();
        let providers = ["openai", "anthropic", "gemini", "mistral", "ollama"];
        let routes = ["default", "classify", "policy"];
        for i in 0..rows {
            let day = 1 + (i % 28);
            let month = 1 + (i / 28) % 12;
            let p = providers[i % providers.len()];
            stmt.execute(rusqlite::params![
                1.7e9 + i as f64,
                format!("2026-{month:02}"),
                format!("2026-{month:02}-{day:02}"),
                routes[i % routes.len()],
                p,
                format!("{p}-model-{}", i % 3),
                100 + (i % 50) as i64,
                20 + (i % 30) as i64,
                0.0001 * (i % 7) as f64,
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
    drop(conn);
    byok::ledger::Ledger::open(&byok::paths::Paths::at(home))
        .unwrap()
        .rebuild_roll_up()
        .unwrap();
}
