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
