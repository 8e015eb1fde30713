//! Transport and error-text safety: redirects never carry a key, nothing a server or a
//! user sends makes byok panic (a closed stderr included), plain HTTP only where it is
//! safe (or said out loud), and a provider's error body is redacted before it is cut.
//! Every server here listens on 127.0.0.1; nothing leaves the machine.

mod support;

use std::process::Stdio;

use support::byok::{Home, stderr};
use support::fake::{FakeServer, Reply};

const OPENAI_KEY: &str = "sk-proj-fake0123456789abcdefghijklmnopqrstuvwxyzAB";

/// A home whose openai key is in the environment and whose openai base URL is `url`.
fn openai_home(url: &str) -> Home {
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", OPENAI_KEY)
        .env("BYOK_OPENAI_BASE_URL", url)
        .env("BYOK_RETRY_BASE", "1ms");
    home
}

// --- a closed stderr -----------------------------------------------------------------

/// Runs `byok args…` with stderr a pipe whose read end is already closed (so the first
/// write to stderr fails with EPIPE) and stdout discarded; returns the exit code.
fn status_with_stderr_closed(home: &Home, args: &[&str]) -> Option<i32> {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    home.std_cmd()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(writer)
        .status()
        .expect("byok runs")
        .code()
}

#[test]
fn a_closed_stderr_keeps_the_exit_code_of_an_error() {
    // No key anywhere: a configuration error (exit 3), printed on stderr.
    let home = Home::with_identity();
    let code = status_with_stderr_closed(&home, &["run", "-m", "openai:gpt-4o-mini", "hi"]);
    assert_eq!(code, Some(3), "a panic exits 101");
}

#[test]
fn a_closed_stderr_under_verbose_keeps_the_exit_code_of_a_failed_call() {
    let fake = FakeServer::start(|_| Reply::text(500, "boom"));
    let home = openai_home(&format!("{}/v1", fake.url()));
    let code = status_with_stderr_closed(
        &home,
        &["-v", "run", "--no-stream", "-m", "openai:gpt-4o-mini", "hi"],
    );
    assert_eq!(code, Some(6), "a panic exits 101");
    assert!(fake.count("/v1/chat/completions") >= 1);
}

#[test]
fn a_closed_stderr_with_verbose_and_the_stats_table_is_still_a_success() {
    let fake = FakeServer::start(|_| {
        Reply::json(
            200,
            serde_json::json!({
                "id": "x", "object": "chat.completion", "model": "gpt-4o-mini",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
            }),
        )
    });
    let home = openai_home(&format!("{}/v1", fake.url()));
    let code = status_with_stderr_closed(
        &home,
        &[
            "-v",
            "run",
            "--stats",
            "--no-stream",
            "-m",
            "openai:gpt-4o-mini",
            "hi",
        ],
    );
    assert_eq!(code, Some(0), "a panic exits 101");
}

#[test]
fn absurd_timeouts_from_the_environment_do_not_panic() {
    // A 400 is never retried, so the huge retry base is parsed but never waited for.
    let fake = FakeServer::start(|_| Reply::text(400, "bad request"));
    let mut home = openai_home(&format!("{}/v1", fake.url()));
    home.env("BYOK_CONNECT_TIMEOUT", "1e30")
        .env("BYOK_READ_TIMEOUT", "inf")
        .env("BYOK_VERIFY_TIMEOUT", "1e20s")
        .env("BYOK_RETRY_BASE", "1e30ms");
    let a = home
        .cmd()
        .args(["run", "--no-stream", "-m", "openai:gpt-4o-mini", "hi"])
        .assert()
        .code(6);
    assert!(!stderr(&a).contains("panicked"), "{}", stderr(&a));
}

#[test]
fn an_infinite_retry_after_is_a_wait_too_long_not_a_panic() {
    for (name, value) in [
        ("retry-after", "inf"),
        ("retry-after", "1e20"),
        ("retry-after", "-1"),
        ("retry-after-ms", "1e30"),
    ] {
        let fake = FakeServer::start(move |_| {
            Reply::json(
                429,
                serde_json::json!({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}),
            )
            .header(name, value)
        });
        let home = openai_home(&format!("{}/v1", fake.url()));
        let a = home
            .cmd()
            .args(["run", "--no-stream", "-m", "openai:gpt-4o-mini", "hi"])
            .assert()
            .code(6);
        assert!(
            !stderr(&a).contains("panicked"),
            "{name}: {value}: {}",
            stderr(&a)
        );
    }
}

// --- redirects -----------------------------------------------------------------------

/// The four wire formats: provider id, model, key variable (none for Ollama) and the
/// base URL path under a fake.
const WIRES: [(&str, &str, Option<&str>, &str); 4] = [
    ("openai", "gpt-4o-mini", Some("OPENAI_API_KEY"), "/v1"),
    (
        "anthropic",
        "claude-haiku-4-5",
        Some("ANTHROPIC_API_KEY"),
        "",
    ),
    (
        "gemini",
        "gemini-2.5-flash",
        Some("GEMINI_API_KEY"),
        "/v1beta",
    ),
    ("ollama", "llama3.2", None, ""),
];

/// A server that must never be reached, and one that redirects every request to it
/// (same path) with `status`.
fn redirect_pair(status: u16) -> (FakeServer, FakeServer) {
    let target = FakeServer::start(|_| Reply::text(200, "{}"));
    let to = target.url();
    let redirector = FakeServer::start(move |req| {
        Reply::empty(status).header("Location", &format!("{to}{}", req.path))
    });
    (redirector, target)
}

#[test]
fn no_wire_follows_a_redirect_with_a_key_or_a_prompt() {
    for (status, stream) in [(307, true), (302, false), (308, false), (301, true)] {
        for (id, model, key_var, prefix) in WIRES {
            let (redirector, target) = redirect_pair(status);
            let mut home = Home::with_identity();
            home.env(
                &format!("BYOK_{}_BASE_URL", id.to_ascii_uppercase()),
                &format!("{}{prefix}", redirector.url()),
            )
            .env("BYOK_RETRY_BASE", "1ms");
            if let Some(var) = key_var {
                home.env(var, OPENAI_KEY);
            }
            let mut cmd = home.cmd();
            cmd.args(["run", "-m", &format!("{id}:{model}")]);
            if !stream {
                cmd.arg("--no-stream");
            }
            let a = cmd.arg("a prompt for nobody else").assert().code(6);
            let err = stderr(&a);
            assert!(
                target.requests().is_empty(),
                "{id} {status}: the redirect was followed: {:?}",
                target.requests()
            );
            assert_eq!(redirector.requests().len(), 1, "{id} {status}: not retried");
            let expected = format!(
                "{id} answered {status} and pointed to {}{prefix}/",
                target.url()
            );
            assert!(err.contains(&expected), "{id} {status}: {err}");
            assert!(
                err.contains("byok never follows a redirect with a key"),
                "{id}: {err}"
            );
            assert!(
                err.contains(&format!(
                    "hint: check the base URL (BYOK_{}_BASE_URL or the profile's [providers.{id}] base_url)",
                    id.to_ascii_uppercase()
                )),
                "{id}: {err}"
            );
            assert!(!err.contains(OPENAI_KEY), "{id}: {err}");
        }
    }
}

#[test]
fn key_verify_does_not_follow_a_redirect() {
    let (redirector, target) = redirect_pair(307);
    let mut home = Home::with_identity();
    for (id, _, key_var, prefix) in WIRES {
        if key_var.is_none() {
            continue;
        }
        home.env(
            &format!("BYOK_{}_BASE_URL", id.to_ascii_uppercase()),
            &format!("{}{prefix}", redirector.url()),
        );
        home.add_key(id, OPENAI_KEY, &["--no-verify"]).success();
    }
    let a = home
        .cmd()
        .args(["--json", "key", "verify"])
        .assert()
        .code(6);
    let rows = support::byok::json(&a);
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 3, "{rows:?}");
    for r in rows {
        assert_eq!(r["status"], "error", "{r}");
        let error = r["error"].as_str().unwrap_or_default();
        assert!(
            error.starts_with(&format!(
                "307 Temporary Redirect: pointed to {}",
                target.url()
            )),
            "{r}"
        );
    }
    assert!(
        target.requests().is_empty(),
        "a probe followed the redirect: {:?}",
        target.requests()
    );
    assert_eq!(redirector.requests().len(), 3);
    let text = home.cmd().args(["key", "verify"]).assert().code(6);
    assert!(!support::byok::stdout(&text).contains(OPENAI_KEY));
    assert!(!stderr(&text).contains(OPENAI_KEY));
}

// --- redaction -----------------------------------------------------------------------

/// A key with no vendor prefix: in pieces it looks like nothing but itself.
const PLAIN_KEY: &str = "Zq7Vb3Nn8Kd2Lw5Rt9Hm4Xc6Pf1Gj0Yt5Ks";

/// Every piece of `PLAIN_KEY` of `n` characters found in `text`.
fn key_pieces_in(text: &str, n: usize) -> Vec<&'static str> {
    (0..=PLAIN_KEY.len() - n)
        .map(|i| &PLAIN_KEY[i..i + n])
        .filter(|piece| text.contains(piece))
        .collect()
}

#[test]
fn a_provider_echoing_part_of_the_key_never_gets_it_printed() {
    let middle = &PLAIN_KEY[8..28];
    let echo = format!("Incorrect API key provided: {middle}. Check it.");
    let fake = FakeServer::start(move |req| {
        if req.path_only().ends_with("/models") {
            Reply::text(401, &format!("invalid key ...{middle}..."))
        } else {
            Reply::json(
                401,
                serde_json::json!({"error": {"message": echo, "type": "invalid_request_error", "code": "invalid_api_key"}}),
            )
        }
    });
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", PLAIN_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    for args in [
        &["run", "-m", "openai:gpt-4o-mini", "hi"][..],
        &["-v", "run", "--no-stream", "-m", "openai:gpt-4o-mini", "hi"],
        &["--json", "run", "-m", "openai:gpt-4o-mini", "hi"],
        &["-v", "--json", "key", "verify", "openai"],
        &["key", "verify", "openai"],
    ] {
        let a = home.cmd().args(args).assert().code(4);
        let out = format!("{}{}", support::byok::stdout(&a), stderr(&a));
        assert_eq!(
            key_pieces_in(&out, 10),
            Vec::<&str>::new(),
            "{args:?}: {out}"
        );
        assert!(out.contains("[REDACTED]"), "{args:?}: {out}");
    }
}

#[test]
fn a_megabyte_error_body_is_cut_short_after_redaction() {
    // Two lines, then the key across the 300th character, then a megabyte of lines.
    let head = format!("upstream failed\nsecond line\n{} ", "e".repeat(261));
    assert_eq!(head.chars().count(), 290);
    let body = format!("{head}{PLAIN_KEY}\n{}", "more error text\n".repeat(65_536));
    assert!(body.len() > 1024 * 1024);
    let fake = FakeServer::start(move |_| Reply::text(500, &body));
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", PLAIN_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()))
        .env("BYOK_RETRY_BASE", "1ms");
    for args in [
        &["run", "--no-stream", "-m", "openai:gpt-4o-mini", "hi"][..],
        &["-v", "--json", "run", "-m", "openai:gpt-4o-mini", "hi"],
        &["--json", "key", "verify", "openai"],
    ] {
        let a = home.cmd().args(args).assert().code(6);
        let (out, err) = (support::byok::stdout(&a), stderr(&a));
        assert_eq!(
            key_pieces_in(&format!("{out}{err}"), 10),
            Vec::<&str>::new(),
            "{args:?}: {err}"
        );
        // One paragraph per failed try (three tries under -v), never the megabyte.
        assert!(
            err.len() < 8 * 1024,
            "{args:?}: {} bytes on stderr",
            err.len()
        );
        assert!(
            out.len() < 8 * 1024,
            "{args:?}: {} bytes on stdout",
            out.len()
        );
        assert!(
            !err.contains("\nsecond line"),
            "one paragraph: {args:?}: {err}"
        );
        assert!(!err.contains("more error text\n"), "{args:?}: {err}");
    }
}

#[test]
fn an_error_body_is_read_only_up_to_its_limit() {
    // 32 MiB is more than loopback socket buffers hold: the server can only finish
    // writing it if byok reads it all. byok reads 64 KiB and hangs up.
    let big = vec![b'x'; 32 * 1024 * 1024];
    let fake = FakeServer::start(move |_| Reply::bytes(400, "text/plain", big.clone()));
    let home = openai_home(&format!("{}/v1", fake.url()));
    home.cmd()
        .args(["run", "--no-stream", "-m", "openai:gpt-4o-mini", "hi"])
        .assert()
        .code(6);
    assert!(
        fake.wait_for_disconnects(1, std::time::Duration::from_secs(30)),
        "byok read the whole error body"
    );
}

// --- plain HTTP ----------------------------------------------------------------------
//
// To see the warning without any traffic leaving the machine, the fakes are reached as
// `0.0.0.0`: not loopback by byok's rule (it is not 127.0.0.0/8, ::1 or localhost), yet
// on Linux (and macOS) a connection to 0.0.0.0 is a connection to this machine, which
// the kernel carries over loopback to the fake listening on 127.0.0.1.

fn completion() -> Reply {
    Reply::json(
        200,
        serde_json::json!({
            "id": "x", "object": "chat.completion", "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
        }),
    )
}

fn warnings(err: &str) -> Vec<&str> {
    err.lines().filter(|l| l.starts_with("warning:")).collect()
}

#[test]
fn plain_http_to_a_loopback_name_is_silent() {
    let fake = FakeServer::start(|_| completion());
    for base in [
        format!("http://LOCALHOST:{}/v1", fake.port()),
        format!("http://127.0.0.1:{}/v1", fake.port()),
        format!("http://127.1:{}/v1", fake.port()),
    ] {
        let home = openai_home(&base);
        let a = home
            .cmd()
            .args(["run", "--no-stream", "-m", "openai:gpt-4o-mini", "hi"])
            .assert()
            .success();
        assert_eq!(warnings(&stderr(&a)), Vec::<&str>::new(), "{base}");
    }
    assert_eq!(fake.count("/v1/chat/completions"), 3);
    // `localhost.` is loopback too. Whether the system resolver knows the name with its
    // trailing dot varies (glibc's getaddrinfo may not), so only the silence is checked:
    // the warning would come before any connection.
    let home = openai_home(&format!("http://localhost.:{}/v1", fake.port()));
    let a = home
        .cmd()
        .args(["run", "--no-stream", "-m", "openai:gpt-4o-mini", "hi"])
        .assert();
    assert_eq!(warnings(&stderr(&a)), Vec::<&str>::new());
}

#[test]
fn plain_http_to_another_host_set_in_the_environment_is_sent_with_one_warning() {
    let fake = FakeServer::start(|_| completion());
    let base = format!("http://0.0.0.0:{}/v1", fake.port());
    let home = openai_home(&base);
    for quiet in [false, true] {
        let mut cmd = home.cmd();
        if quiet {
            cmd.arg("-q");
        }
        let a = cmd
            .args(["run", "--no-stream", "-m", "openai:gpt-4o-mini", "hi"])
            .assert()
            .success();
        let err = stderr(&a);
        let w = warnings(&err);
        assert_eq!(w.len(), 1, "quiet {quiet}: {err}");
        assert!(
            w[0].contains("the openai key goes over plain HTTP to 0.0.0.0 (not loopback)"),
            "{err}"
        );
        assert!(w[0].contains("set by BYOK_OPENAI_BASE_URL"), "{err}");
        assert_eq!(support::byok::printed(&a), "Paris");
    }
    let sent = fake.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {OPENAI_KEY}").as_str())
    );
}

#[test]
fn the_plain_http_warning_is_given_once_per_run_however_many_tries() {
    let fake = FakeServer::start(|_| Reply::text(500, "boom"));
    let home = openai_home(&format!("http://0.0.0.0:{}/v1", fake.port()));
    let a = home
        .cmd()
        .args(["run", "--no-stream", "-m", "openai:gpt-4o-mini", "hi"])
        .assert()
        .code(6);
    assert_eq!(fake.count("/v1/chat/completions"), 3, "two retries");
    assert_eq!(warnings(&stderr(&a)).len(), 1, "{}", stderr(&a));
}

#[test]
fn plain_http_to_another_host_set_in_the_profile_names_the_profile() {
    let fake = FakeServer::start(|req| {
        if req.path_only().ends_with("/models") {
            Reply::json(200, serde_json::json!({"object": "list", "data": []}))
        } else {
            completion()
        }
    });
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", OPENAI_KEY);
    let profile = home.file("profiles/default.toml");
    std::fs::create_dir_all(profile.parent().unwrap()).unwrap();
    std::fs::write(
        &profile,
        format!(
            "[providers.openai]\nbase_url = \"http://0.0.0.0:{}/v1\"\n",
            fake.port()
        ),
    )
    .unwrap();
    let expected = format!("set by {} [providers.openai] base_url", profile.display());
    for args in [
        &[
            "--json",
            "run",
            "--no-stream",
            "-m",
            "openai:gpt-4o-mini",
            "hi",
        ][..],
        &["--json", "key", "verify", "openai"],
    ] {
        let a = home.cmd().args(args).assert().success();
        let err = stderr(&a);
        let w = warnings(&err);
        assert_eq!(w.len(), 1, "{args:?}: {err}");
        assert!(
            w[0].contains("over plain HTTP to 0.0.0.0 (not loopback)"),
            "{args:?}: {err}"
        );
        assert!(w[0].contains(&expected), "{args:?}: {err}");
    }
}
