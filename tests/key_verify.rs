//! `key verify` and the verification inside `key add`/`rotate`, against fakes of every
//! probe shape: ok, invalid key, no credit, 5xx, connection refused, no answer.

mod support;

use predicates::prelude::*;
use support::byok::{Home, json, stderr, stdout};
use support::fake::{FakeServer, Reply, refused_url};
use support::providers::{self, BAD_KEY, BOOM_KEY, GOOD_KEY, NO_CREDIT_KEY};

fn home_with_fake() -> (Home, FakeServer) {
    let mut home = Home::with_identity();
    let fake = providers::start();
    providers::point_all(&mut home, &fake.url());
    (home, fake)
}

#[test]
fn every_probe_shape_is_understood() {
    let (home, fake) = home_with_fake();
    for p in [
        "openai",
        "anthropic",
        "gemini",
        "mistral",
        "openrouter",
        "groq",
    ] {
        home.add_key(p, GOOD_KEY, &["--no-verify"]).success();
    }
    let rows = json(
        &home
            .cmd()
            .args(["--json", "key", "verify"])
            .assert()
            .success(),
    );
    let by = |p: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["provider"] == p)
            .unwrap()
            .clone()
    };
    assert_eq!(by("openai")["models"], 3);
    assert_eq!(
        by("anthropic")["models"],
        3,
        "both pages of anthropic's list"
    );
    assert_eq!(by("gemini")["models"], 3, "both pages of gemini's list");
    assert_eq!(by("mistral")["models"], 2);
    assert_eq!(by("groq")["models"], 3);
    assert!(by("openrouter")["models"].is_null(), "/key lists no models");
    for r in rows.as_array().unwrap() {
        assert_eq!(r["status"], "ok", "{r}");
    }

    // The wire details: headers, never a key in a URL, OpenRouter's /key probe.
    let reqs = fake.requests();
    let gemini: Vec<_> = reqs
        .iter()
        .filter(|r| r.path.starts_with("/gemini/"))
        .collect();
    assert_eq!(gemini.len(), 2);
    assert!(
        gemini
            .iter()
            .all(|r| r.header("x-goog-api-key") == Some(GOOD_KEY) && !r.path.contains(GOOD_KEY))
    );
    let anthropic: Vec<_> = reqs
        .iter()
        .filter(|r| r.path.starts_with("/anthropic/"))
        .collect();
    assert!(anthropic.iter().all(
        |r| r.header("x-api-key") == Some(GOOD_KEY) && r.header("anthropic-version").is_some()
    ));
    assert_eq!(fake.count("/openrouter/api/v1/key"), 1);
    assert!(reqs.iter().all(|r| {
        r.header("user-agent")
            .is_some_and(|ua| ua.starts_with("byok/"))
    }));
    // Verified status and time are written back to the vault.
    let rows = home.key_list();
    assert!(
        rows.iter()
            .all(|r| r["status"] == "ok" && r["verified_at"].is_string())
    );
}

#[test]
fn a_rejected_key_is_not_stored_and_the_echo_is_redacted() {
    let (home, _fake) = home_with_fake();
    let out = home.add_key("openai", BAD_KEY, &[]).code(4);
    let err = stderr(&out);
    assert!(
        err.contains(
            "openai rejected the default key: 401 Unauthorized: Incorrect API key provided"
        ),
        "{err}"
    );
    assert!(
        !err.contains(BAD_KEY) && !err.contains("sk-bad"),
        "the key leaked: {err}"
    );
    assert!(err.contains("hint: "), "{err}");
    assert!(!home.file("vault.age").exists() || home.key_list().is_empty());

    home.add_key("gemini", BAD_KEY, &[])
        .code(4)
        .stderr(predicate::str::contains("API key not valid"));
    home.add_key("mistral", BAD_KEY, &[])
        .code(4)
        .stderr(predicate::str::contains("401 Unauthorized: Unauthorized"));
}

#[test]
fn out_of_credit_is_a_key_rejection_with_its_own_hint() {
    let (home, _fake) = home_with_fake();
    home.add_key("openai", NO_CREDIT_KEY, &[]).code(4).stderr(
        predicate::str::contains("exceeded your current quota")
            .and(predicate::str::contains("add credit")),
    );
    home.add_key("openrouter", NO_CREDIT_KEY, &[])
        .code(4)
        .stderr(predicate::str::contains("Insufficient credits"));
    // Anthropic says it with a 400 invalid_request_error.
    let out = home.add_key("anthropic", NO_CREDIT_KEY, &[]).code(4);
    let err = stderr(&out);
    assert!(
        err.contains(
            "anthropic rejected the default key: 400 Bad Request: Your credit balance is too low"
        ) && err.contains("hint: add credit to the anthropic account"),
        "{err}"
    );
}

#[test]
fn an_unreachable_provider_stores_the_key_unverified() {
    let mut home = Home::with_identity();
    home.env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", refused_url()));
    let out = home.add_key("openai", GOOD_KEY, &[]).success();
    assert!(
        stderr(&out).contains("warning: could not verify the key (connection refused)"),
        "{}",
        stderr(&out)
    );
    let rows = home.key_list();
    assert_eq!(rows[0]["status"], "unverified");
}

#[test]
fn verify_reports_each_failure_class_and_exits_by_the_worst() {
    let (mut home, _fake) = home_with_fake();
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    home.add_key("anthropic", BOOM_KEY, &["--no-verify"])
        .success();
    home.add_key("gemini", GOOD_KEY, &["--no-verify"]).success();

    // 529 from anthropic: unreachable, exit 6.
    let out = home
        .cmd()
        .args(["--json", "key", "verify"])
        .assert()
        .code(6);
    let rows = json(&out);
    let a = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["provider"] == "anthropic")
        .unwrap();
    assert_eq!(a["status"], "unreachable");
    assert!(a["error"].as_str().unwrap().contains("529"), "{a}");

    // An invalid key makes it exit 4, and the table says which.
    home.add_key("mistral", BAD_KEY, &["--no-verify"]).success();
    let out = home.cmd().args(["key", "verify"]).assert().code(4);
    let table = stdout(&out);
    assert!(
        table.contains("mistral") && table.contains("invalid"),
        "{table}"
    );
    assert!(
        stderr(&out).contains("1 rejected by the provider"),
        "{}",
        stderr(&out)
    );

    // Only the keys asked for; a provider with no key is `missing`.
    let out = home
        .cmd()
        .args(["--json", "key", "verify", "openai", "xai"])
        .assert()
        .code(3);
    let rows = json(&out);
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[1]["status"], "missing");

    // A server that never answers is cut off by the verify timeout.
    let hang = FakeServer::start(|_| Reply::hang());
    home.env("BYOK_GEMINI_BASE_URL", &hang.url())
        .env("BYOK_VERIFY_TIMEOUT", "300ms");
    let out = home
        .cmd()
        .args(["--json", "key", "verify", "gemini"])
        .assert()
        .code(6);
    let rows = json(&out);
    assert_eq!(rows[0]["status"], "unreachable");
    assert_eq!(rows[0]["error"], "no answer in time");
}

#[test]
fn rotate_refuses_a_key_the_provider_rejects_and_keeps_the_old_one() {
    let (home, _fake) = home_with_fake();
    home.add_key("openai", GOOD_KEY, &[]).success();
    home.cmd()
        .args(["key", "rotate", "openai"])
        .write_stdin(BAD_KEY)
        .assert()
        .code(4);
    let rows = home.key_list();
    assert_eq!(rows[0]["masked"], "sk-…CDEF");
    assert!(rows[0]["previous"].is_null());
}

#[test]
fn verify_with_no_keys_says_how_to_add_one() {
    let home = Home::with_identity();
    home.cmd()
        .args(["key", "verify"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("byok key add"));
}
