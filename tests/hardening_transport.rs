//! Transport and error-text safety: redirects never carry a key, nothing a server or a
//! user sends makes byok panic (a closed stderr included), plain HTTP only where it is
//! safe (or said out loud), and a provider's error body is redacted before it is cut.
//! Every server here listens on 127.0.0.1; nothing leaves the machine.

mod support;

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
