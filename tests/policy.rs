//! The walk of a call: fallbacks, retries with Retry-After, the allowlist, provider
//! health, and the exit code of a walk that found no answer.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use predicates::prelude::*;
use support::byok::{Home, json, stderr};
use support::fake::{FakeServer, Reply, Request, refused_url};
use support::wire::{Answer, Fake};
use support::wire_openai::{self, OpenAi};

const OPENAI_KEY: &str = "sk-openai-0123456789abcdef";
const MISTRAL_KEY: &str = "sk-mistral-0123456789abcdef";

/// The primary, openai, answering `text` to its key.
fn openai(text: &str) -> Fake<OpenAi> {
    Fake::openai(OPENAI_KEY, Answer::text(&[text]))
}

/// The primary answering with `first` for the first `n` requests and `fine` after.
fn failing_then_ok(n: usize, first: fn() -> Reply) -> FakeServer {
    let seen = Arc::new(AtomicUsize::new(0));
    let failing = openai("fine").fail_with(first());
    let fine = openai("fine");
    FakeServer::start(move |req: &Request| {
        if seen.fetch_add(1, Ordering::SeqCst) < n {
            failing.reply_to(req)
        } else {
            fine.reply_to(req)
        }
    })
}

/// The primary answering `reply` to every request with its key.
fn always(reply: fn() -> Reply) -> FakeServer {
    openai("unused").fail_with(reply()).server()
}

/// The fallback, mistral, answering `text`.
fn good(text: &str) -> FakeServer {
    Fake::mistral(MISTRAL_KEY, Answer::text(&[text])).server()
}

/// A provider of this flavour that expects another key than byok's: every call is
/// refused as the provider refuses a revoked key.
fn revoked(fake: fn(&str, Answer) -> Fake<OpenAi>) -> FakeServer {
    fake(
        "sk-the-current-key-0123456789abcdef",
        Answer::text(&["never"]),
    )
    .server()
}

/// A home whose profile routes `default` through openai (primary), then mistral.
fn home(primary: &FakeServer, fallback: &FakeServer, profile: &str) -> Home {
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", OPENAI_KEY)
        .env("MISTRAL_API_KEY", MISTRAL_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", primary.url()))
        .env("BYOK_MISTRAL_BASE_URL", &format!("{}/v1", fallback.url()))
        .env("BYOK_RETRY_BASE", "5ms");
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(home.file("profiles/default.toml"), profile).unwrap();
    home
}

const CHAIN: &str = "[routes.default]\nmodel = \"openai:gpt-4o-mini\"\nfallback = [\"mistral:mistral-small-latest\"]\n";

fn run_json(home: &Home) -> serde_json::Value {
    json(
        &home
            .cmd()
            .args(["--json", "run", "hello"])
            .assert()
            .success(),
    )
}

fn statuses(v: &serde_json::Value) -> Vec<String> {
    v["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{}:{}",
                a["provider"].as_str().unwrap(),
                a["status"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_500_is_retried_twice_then_the_fallback_answers() {
    let primary = always(wire_openai::server_error);
    let fallback = good("from mistral");
    let home = home(&primary, &fallback, CHAIN);
    let v = run_json(&home);
    assert_eq!(v["text"], "from mistral");
    assert_eq!(v["provider"], "mistral");
    assert_eq!(v["route"], "default");
    assert_eq!(
        primary.count("/v1/chat/completions"),
        3,
        "one try and two retries"
    );
    assert_eq!(
        statuses(&v),
        [
            "openai:failed",
            "openai:failed",
            "openai:failed",
            "mistral:ok"
        ]
    );
    assert!(v["attempts"][0]["error"].as_str().unwrap().contains("500"));
}

#[test]
fn a_transient_500_is_retried_on_the_same_provider() {
    let primary = failing_then_ok(1, wire_openai::server_error);
    let fallback = good("unused");
    let home = home(&primary, &fallback, CHAIN);
    let v = run_json(&home);
    assert_eq!(v["provider"], "openai");
    assert_eq!(statuses(&v), ["openai:failed", "openai:ok"]);
    assert_eq!(fallback.requests().len(), 0);
}

#[test]
fn a_429_storm_beyond_retries_falls_back() {
    let primary = always(|| wire_openai::rate_limited(20));
    let fallback = good("ok");
    let home = home(&primary, &fallback, CHAIN);
    let v = run_json(&home);
    assert_eq!(v["provider"], "mistral");
    assert_eq!(primary.requests().len(), 3);
}

#[test]
fn retry_after_is_waited_for() {
    let seen = Arc::new(AtomicUsize::new(0));
    let slow_down = openai("ok").fail_with(
        Reply::json(429, serde_json::json!({"error": {"message": "slow down", "type": "requests", "code": "rate_limit_exceeded"}}))
            .header("retry-after-ms", "400"),
    );
    let ok = openai("ok");
    let primary = FakeServer::start(move |req: &Request| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            slow_down.reply_to(req)
        } else {
            ok.reply_to(req)
        }
    });
    let fallback = good("unused");
    let home = home(&primary, &fallback, CHAIN);
    run_json(&home);
    let reqs = primary.requests();
    assert_eq!(reqs.len(), 2);
    let gap = reqs[1].at.duration_since(reqs[0].at);
    // A lower bound only: a loaded machine can make the gap longer, never shorter.
    assert!(gap >= Duration::from_millis(400), "waited only {gap:?}");
}

#[test]
fn a_retry_after_over_thirty_seconds_moves_on_at_once() {
    let primary = always(|| {
        Reply::json(429, serde_json::json!({"error": {"message": "come back in a minute", "code": "rate_limit_exceeded"}})).header("retry-after", "60")
    });
    let fallback = good("ok");
    let home = home(&primary, &fallback, CHAIN);
    let v = run_json(&home);
    assert_eq!(
        primary.requests().len(),
        1,
        "no retry when the wait is too long"
    );
    assert_eq!(v["provider"], "mistral");
}

#[test]
fn connection_refused_and_timeouts_fall_back() {
    let fallback = good("ok");
    let dead = openai("never").fail_with(Reply::hang()).server();
    let mut h = home(&dead, &fallback, CHAIN);
    // The hung provider times out; the healthy fallback answers in milliseconds, far
    // inside the same limit even on a loaded machine.
    h.env("BYOK_READ_TIMEOUT", "1s");
    let v = run_json(&h);
    assert_eq!(v["provider"], "mistral");
    assert!(
        v["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("no answer in time"),
        "{}",
        v["attempts"][0]
    );

    h.env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", refused_url()));
    let v = run_json(&h);
    assert_eq!(v["provider"], "mistral");
    assert!(
        v["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("connection refused")
    );
}

#[test]
fn a_revoked_key_is_not_retried_but_falls_back() {
    let primary = revoked(Fake::openai);
    let fallback = good("ok");
    let home = home(&primary, &fallback, CHAIN);
    let v = run_json(&home);
    assert_eq!(primary.requests().len(), 1);
    assert_eq!(v["provider"], "mistral");
    assert!(!v.to_string().contains("sk-openai-0123456789abcdef"));
}

#[test]
fn an_empty_fallback_list_never_leaves_the_provider() {
    let primary = always(wire_openai::server_error);
    let fallback = good("must not be used");
    let profile = "[routes.policy]\nmodel = \"openai:gpt-4o\"\nfallback = []\n";
    let home = home(&primary, &fallback, profile);
    home.cmd()
        .args(["run", "-r", "policy", "secret"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains(
            "openai failed with a server error",
        ));
    assert_eq!(fallback.requests().len(), 0);
}

#[test]
fn the_allowlist_blocks_route_candidates_and_dash_m() {
    let primary = openai("must not be used").server();
    let fallback = good("allowed");
    let profile = format!("allow = [\"mistral\"]\n{CHAIN}");
    let home = home(&primary, &fallback, &profile);
    let v = run_json(&home);
    assert_eq!(v["text"], "allowed");
    assert_eq!(primary.requests().len(), 0);
    assert_eq!(v["attempts"][0]["status"], "skipped");
    assert!(
        v["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("allowlist")
    );
    home.cmd()
        .args(["run", "-m", "openai:gpt-4o", "hi"])
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("openai is not in the allowlist of profile `default`")
                .and(predicate::str::contains("allowed: mistral")),
        );
    assert_eq!(primary.requests().len(), 0);
}

#[test]
fn a_route_whose_provider_has_no_key_says_so_in_the_design_words() {
    let primary = openai("x").server();
    let fallback = good("y");
    let profile =
        "[routes.policy]\nmodel = \"anthropic:claude-sonnet-4-5\"\nkey = \"work\"\nfallback = []\n";
    let home = home(&primary, &fallback, profile);
    home.cmd()
        .args(["run", "-r", "policy", "hi"])
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("the route `policy` uses anthropic, but no anthropic key labelled `work` is configured")
                .and(predicate::str::contains("byok key add anthropic --label work"))
                .and(predicate::str::contains("byok route set policy")),
        );
    home.cmd()
        .args(["run", "-r", "nope", "hi"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no route named `nope`"));
}

#[test]
fn exit_codes_say_why_no_candidate_answered() {
    // Every candidate rejected its key: 4.
    let a = revoked(Fake::openai);
    let b = revoked(Fake::mistral);
    let h = home(&a, &b, CHAIN);
    let out = h.cmd().args(["run", "hi"]).assert().code(4);
    let err = stderr(&out);
    assert!(
        err.contains("no candidate of route `default` produced an answer"),
        "{err}"
    );
    assert!(
        err.contains("openai:gpt-4o-mini — failed")
            && err.contains("mistral:mistral-small-latest — failed"),
        "{err}"
    );

    // A key problem and a server problem: 6.
    let a = revoked(Fake::openai);
    let b = Fake::mistral(MISTRAL_KEY, Answer::text(&["unused"]))
        .fail_with(wire_openai::server_error())
        .server();
    home(&a, &b, CHAIN)
        .cmd()
        .args(["run", "hi"])
        .assert()
        .code(6);

    // No candidate usable at all (no keys): 3.
    let mut h = home(&a, &b, CHAIN);
    h.env("OPENAI_API_KEY", "").env("MISTRAL_API_KEY", "");
    h.cmd()
        .args(["run", "hi"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no openai key is configured"));
}

#[test]
fn a_provider_failing_twice_is_degraded_then_tried_again_after_the_cooldown() {
    let primary = always(wire_openai::server_error);
    let fallback = good("ok");
    let profile = format!("{CHAIN}\n[health]\nfailures = 2\ncooldown_secs = 600\n");
    let home = home(&primary, &fallback, &profile);
    run_json(&home);
    run_json(&home);
    let before = primary.requests().len();
    assert_eq!(before, 6, "two runs, three tries each");

    // Degraded: skipped without being contacted.
    let v = run_json(&home);
    assert_eq!(primary.requests().len(), before);
    assert_eq!(statuses(&v), ["openai:skipped", "mistral:ok"]);
    assert!(
        v["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("degraded")
    );

    // After the cooldown it is tried again. The cooldown's end is persisted in the ledger;
    // moving it into the past stands in for waiting ten minutes.
    let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
    let until: f64 = conn
        .query_row(
            "SELECT degraded_until FROM provider_health WHERE provider = 'openai'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
    assert!(until > now + 590.0, "degraded for the configured 600 s");
    conn.execute(
        "UPDATE provider_health SET degraded_until = ?1 WHERE provider = 'openai'",
        [now - 1.0],
    )
    .unwrap();
    run_json(&home);
    assert!(primary.requests().len() > before);
}

#[test]
fn a_degraded_provider_is_still_used_when_nothing_else_is_left() {
    let primary = failing_then_ok(6, wire_openai::server_error);
    let fallback = good("unused");
    let profile = "[routes.solo]\nmodel = \"openai:gpt-4o-mini\"\n[health]\ncooldown_secs = 600\n";
    let home = home(&primary, &fallback, profile);
    home.cmd()
        .args(["run", "-r", "solo", "hi"])
        .assert()
        .code(6);
    home.cmd()
        .args(["run", "-r", "solo", "hi"])
        .assert()
        .code(6);
    let v = json(
        &home
            .cmd()
            .args(["--json", "run", "-r", "solo", "hi"])
            .assert()
            .success(),
    );
    assert_eq!(v["text"], "fine");
}
