//! `key verify` and the verification inside `key add`/`rotate`, against fakes of every
//! probe shape: ok, invalid key, no credit, 5xx (retried like a call), connection
//! refused, no answer. Retries wait 1 ms here (BYOK_RETRY_BASE).

mod support;

use predicates::prelude::*;
use support::byok::{Home, json, stderr, stdout};
use support::fake::{FakeServer, Reply, refused_url};
use support::providers::{self, BAD_KEY, BOOM_KEY, FLAKY_KEY, GOOD_KEY, NO_CREDIT_KEY};

fn home_with_fake() -> (Home, FakeServer) {
    let mut home = Home::with_identity();
    home.env("BYOK_RETRY_BASE", "1ms");
    let fake = providers::start();
    providers::point_all(&mut home, &fake.url());
    (home, fake)
}

fn verify_json(home: &Home, keys: &[&str], code: i32) -> serde_json::Value {
    json(
        &home
            .cmd()
            .args(["--json", "key", "verify"])
            .args(keys)
            .assert()
            .code(code),
    )
}

fn row<'a>(rows: &'a serde_json::Value, provider: &str) -> &'a serde_json::Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["provider"] == provider)
        .unwrap_or_else(|| panic!("no {provider} row in {rows}"))
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
    home.env("BYOK_RETRY_BASE", "1ms")
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", refused_url()));
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

    // 529 from anthropic, after the retries: an answered error, exit 6.
    let rows = verify_json(&home, &[], 6);
    let a = row(&rows, "anthropic");
    assert_eq!(a["status"], "error");
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

    // A server that never answers is cut off by the verify timeout, each of three tries.
    let hang = FakeServer::start(|_| Reply::hang());
    home.env("BYOK_GEMINI_BASE_URL", &hang.url())
        .env("BYOK_VERIFY_TIMEOUT", "300ms");
    let rows = verify_json(&home, &["gemini"], 6);
    assert_eq!(rows[0]["status"], "unreachable");
    assert_eq!(rows[0]["error"], "no answer in time");
    assert_eq!(hang.count("/models"), 3, "a timeout is retried like a call");
}

#[test]
fn verify_reports_no_credit_in_each_providers_words_without_retrying() {
    let (home, fake) = home_with_fake();
    for p in ["openai", "openrouter", "anthropic"] {
        home.add_key(p, NO_CREDIT_KEY, &["--no-verify"]).success();
    }
    let out = home
        .cmd()
        .args(["--json", "key", "verify"])
        .assert()
        .code(4);
    let rows = json(&out);
    for (p, said) in [
        (
            "openai",
            "429 Too Many Requests: You exceeded your current quota",
        ),
        ("openrouter", "402 Payment Required: Insufficient credits"),
        (
            "anthropic",
            "400 Bad Request: Your credit balance is too low",
        ),
    ] {
        let r = row(&rows, p);
        assert_eq!(r["status"], "no_credit", "{r}");
        assert!(r["error"].as_str().unwrap().starts_with(said), "{r}");
    }
    assert!(
        stderr(&out).contains("3 rejected by the provider"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fake.count("/openai/"), 1);
    assert_eq!(fake.count("/openrouter/"), 1);
    assert_eq!(fake.count("/anthropic/"), 1);
    for r in home.key_list() {
        assert_eq!(r["status"], "no_credit", "{r}");
    }
}

#[test]
fn a_server_error_is_retried_then_reported_as_error() {
    let (home, fake) = home_with_fake();
    for p in ["openai", "anthropic", "gemini", "openrouter", "mistral"] {
        home.add_key(p, BOOM_KEY, &["--no-verify"]).success();
    }
    let rows = verify_json(&home, &[], 6);
    for (p, path, status) in [
        ("openai", "/openai/", "500 Internal Server Error"),
        ("anthropic", "/anthropic/", "529 Overloaded: Overloaded"),
        ("gemini", "/gemini/", "503 Service Unavailable"),
        ("openrouter", "/openrouter/", "502 Bad Gateway"),
        ("mistral", "/mistral/", "503 Service Unavailable"),
    ] {
        let r = row(&rows, p);
        assert_eq!(r["status"], "error", "{r}");
        assert!(r["error"].as_str().unwrap().starts_with(status), "{r}");
        assert_eq!(fake.count(path), 3, "{p}: one try and two retries");
    }
    // Not verified: the vault says so rather than keeping a guess.
    for r in home.key_list() {
        assert_eq!(r["status"], "unverified", "{r}");
    }

    // `-v` tells each retry.
    let out = home
        .cmd()
        .args(["-v", "key", "verify", "openai"])
        .assert()
        .code(6);
    let err = stderr(&out);
    assert!(
        err.contains("verifying the openai key: 500 Internal Server Error")
            && err.contains("retry 2 in"),
        "{err}"
    );
}

#[test]
fn a_server_error_that_clears_up_on_a_retry_is_ok() {
    let (home, fake) = home_with_fake();
    home.add_key("openai", FLAKY_KEY, &["--no-verify"])
        .success();
    home.add_key("anthropic", FLAKY_KEY, &["--no-verify"])
        .success();
    let rows = verify_json(&home, &[], 0);
    assert_eq!(row(&rows, "openai")["status"], "ok");
    assert_eq!(row(&rows, "openai")["models"], 3);
    assert_eq!(row(&rows, "anthropic")["status"], "ok");
    assert_eq!(row(&rows, "anthropic")["models"], 3);
    assert_eq!(fake.count("/openai/"), 2, "a 500, then the list");
    assert_eq!(fake.count("/anthropic/"), 3, "a 529, then both pages");
}

#[test]
fn a_refused_connection_is_unreachable() {
    let (mut home, _fake) = home_with_fake();
    home.add_key("gemini", GOOD_KEY, &["--no-verify"]).success();
    home.env("BYOK_GEMINI_BASE_URL", &refused_url());
    let rows = verify_json(&home, &["gemini"], 6);
    assert_eq!(rows[0]["status"], "unreachable");
    assert_eq!(rows[0]["error"], "connection refused");
}

#[test]
fn the_exit_code_when_keys_fail_differently() {
    let (mut home, _fake) = home_with_fake();
    home.add_key("openai", BOOM_KEY, &["--no-verify"]).success();
    home.add_key("mistral", BAD_KEY, &["--no-verify"]).success();
    home.add_key("gemini", GOOD_KEY, &["--no-verify"]).success();
    home.env("BYOK_GEMINI_BASE_URL", &refused_url());

    let statuses = |keys: &[&str], code: i32| -> Vec<String> {
        verify_json(&home, keys, code)
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap().to_string())
            .collect()
    };
    // A rejected key wins over everything: exit 4.
    assert_eq!(statuses(&["openai", "mistral"], 4), ["error", "invalid"]);
    // A key that could not be checked, answered or not: exit 6.
    assert_eq!(statuses(&["openai", "gemini"], 6), ["error", "unreachable"]);
    // ... even beside a key that is missing.
    assert_eq!(statuses(&["openai", "xai"], 6), ["error", "missing"]);
    // Missing alone is configuration: exit 3.
    assert_eq!(statuses(&["xai"], 3), ["missing"]);
    home.cmd()
        .args(["key", "verify", "openai", "gemini"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("2 could not be checked"));
}

#[test]
fn add_and_rotate_retry_the_check_and_treat_a_server_error_as_unchecked() {
    let (home, fake) = home_with_fake();
    // add: a server error after the retries stores the key unverified, with a warning.
    let out = home.add_key("openai", BOOM_KEY, &[]).success();
    assert!(
        stderr(&out).contains(
            "warning: could not verify the key (500 Internal Server Error: The server had an error"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(fake.count("/openai/"), 3);
    assert_eq!(home.key_list()[0]["status"], "unverified");
    // A server error that clears up on a retry verifies the key.
    home.add_key("anthropic", FLAKY_KEY, &[]).success();
    let anthropic = home
        .key_list()
        .into_iter()
        .find(|r| r["provider"] == "anthropic")
        .unwrap();
    assert_eq!(anthropic["status"], "ok");

    // rotate: the new key could not be checked, so the old one stays.
    home.cmd()
        .args(["key", "rotate", "anthropic"])
        .write_stdin(BOOM_KEY)
        .assert()
        .code(6)
        .stderr(
            predicate::str::contains("529 Overloaded")
                .and(predicate::str::contains("the old key stays in place")),
        );
    assert_eq!(
        fake.count("/anthropic/"),
        3 + 3,
        "flaky add, then the rotate's 3 tries"
    );
    let anthropic = home
        .key_list()
        .into_iter()
        .find(|r| r["provider"] == "anthropic")
        .unwrap();
    assert!(anthropic["previous"].is_null(), "{anthropic}");
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
