//! `byok run` against a fake Anthropic messages API on 127.0.0.1: streamed and
//! non-streamed answers, the request on the wire, normalised usage, a mid-stream `error`
//! event, a cut stream and a rejected key.

mod support;

use serde_json::{Value, json};
use support::byok::{Home, json, printed, stderr, stdout};
use support::fake::{FakeServer, Request};
use support::wire::{Answer, Fake, Usage};
use support::wire_anthropic as wire;

const KEY: &str = "sk-ant-api03-fake-0123456789abcdefghijKLMN";
const MODEL: &str = "claude-sonnet-4-5";

/// A home whose anthropic key comes from the environment and whose anthropic base URL
/// is the fake.
fn home_for(fake: &FakeServer, key: &str) -> Home {
    let mut home = Home::with_identity();
    home.env("ANTHROPIC_API_KEY", key)
        .env("BYOK_ANTHROPIC_BASE_URL", &fake.url());
    home
}

/// An answer with thinking, unicode and cache reads and writes (some with a 1h TTL): 25
/// uncached prompt tokens on the wire, 4225 in all.
fn rich_answer() -> Answer {
    Answer::text(&[
        "The capital",
        " of France",
        " is Paris — ",
        "Paris, «la Ville Lumière» 🗼.",
        "\nSecond line, with \"quotes\" and a \\ backslash.",
    ])
    .thinking(&[
        "The user asks a geography question;",
        " answer briefly and accurately.",
    ])
    .usage(
        Usage::new(25 + 3000 + 1200, 187)
            .cached(3000)
            .cache_write(1200, 1000),
    )
}

fn messages_requests(fake: &FakeServer) -> Vec<Request> {
    fake.requests()
        .into_iter()
        .filter(wire::is_messages)
        .collect()
}

fn check_usage(out: &Value, answer: &Answer) {
    let expected = answer.usage.expected();
    for field in [
        "input_tokens",
        "output_tokens",
        "cached_input_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
    ] {
        assert_eq!(
            out["usage"][field], expected[field],
            "usage.{field} in {out:#}"
        );
    }
}

fn check_success_json(out: &Value, answer: &Answer) {
    assert_eq!(out["text"], json!(answer.full_text()), "{out:#}");
    assert_eq!(out["provider"], "anthropic");
    assert_eq!(out["model"], MODEL);
    check_usage(out, answer);
    let attempts = out["attempts"].as_array().expect("attempts is an array");
    assert_eq!(attempts.len(), 1, "{out:#}");
    assert_eq!(attempts[0]["provider"], "anthropic");
    assert_eq!(attempts[0]["model"], MODEL);
    assert!(attempts[0]["error"].is_null(), "{out:#}");
    assert!(out["latency_ms"].is_number(), "{out:#}");
    assert!(out["ttft_ms"].is_number(), "{out:#}");
    for field in ["cost_usd", "cost_source", "route"] {
        assert!(out.get(field).is_some(), "no {field} in {out:#}");
    }
}

#[test]
fn streamed_answer_in_random_small_pieces_gives_exact_text_and_usage() {
    for max in [None, Some(1), Some(5), Some(17), Some(64)] {
        let answer = rich_answer();
        let fake = Fake::anthropic(KEY, answer.clone());
        let fake = match max {
            Some(max) => fake.split(max),
            None => fake,
        }
        .server();
        let home = home_for(&fake, KEY);
        let a = home
            .cmd()
            .args(["--json", "run", "-m", &format!("anthropic:{MODEL}")])
            .arg("What is the capital of France?")
            .assert()
            .success();
        let out = json(&a);
        check_success_json(&out, &answer);
        let reqs = messages_requests(&fake);
        assert_eq!(reqs.len(), 1);
        let body = reqs[0].body_json();
        assert_eq!(body["stream"], true, "{body:#}");
        assert_eq!(body["max_tokens"], 4096, "the default max_tokens: {body:#}");
    }
}

#[test]
fn streamed_answer_goes_to_stdout_exactly() {
    let answer = rich_answer();
    let fake = Fake::anthropic(KEY, answer.clone()).split(9).server();
    let home = home_for(&fake, KEY);
    let a = home
        .cmd()
        .args(["run", "-m", &format!("anthropic:{MODEL}")])
        .arg("What is the capital of France?")
        .assert()
        .success();
    assert_eq!(printed(&a), answer.full_text());
    assert!(!stderr(&a).contains(KEY));
}

#[test]
fn older_message_delta_with_only_output_tokens_keeps_the_input_counts() {
    let answer = rich_answer();
    let fake = Fake::anthropic(KEY, answer.clone())
        .output_only_delta()
        .server();
    let home = home_for(&fake, KEY);
    let a = home
        .cmd()
        .args(["--json", "run", "-m", &format!("anthropic:{MODEL}"), "Hi"])
        .assert()
        .success();
    check_success_json(&json(&a), &answer);
}

#[test]
fn non_streamed_answer_gives_exact_text_and_usage() {
    let answer = rich_answer();
    let fake = Fake::anthropic(KEY, answer.clone()).server();
    let home = home_for(&fake, KEY);
    let a = home
        .cmd()
        .args([
            "--json",
            "run",
            "--no-stream",
            "-m",
            &format!("anthropic:{MODEL}"),
        ])
        .arg("What is the capital of France?")
        .assert()
        .success();
    check_success_json(&json(&a), &answer);
    let reqs = messages_requests(&fake);
    assert_eq!(reqs.len(), 1);
    let body = reqs[0].body_json();
    assert!(
        body.get("stream").is_none_or(|s| s == false),
        "a non-streamed request must not ask for a stream: {body:#}"
    );

    // And plain: the answer text, nothing else, on stdout.
    let a = home
        .cmd()
        .args([
            "run",
            "--no-stream",
            "-m",
            &format!("anthropic:{MODEL}"),
            "Hi",
        ])
        .assert()
        .success();
    assert_eq!(printed(&a), answer.full_text());
}

#[test]
fn the_request_carries_key_version_model_max_tokens_and_system() {
    let fake = Fake::anthropic(KEY, Answer::text(&["ok"])).server();
    let home = home_for(&fake, KEY);
    home.cmd()
        .args(["run", "-m", &format!("anthropic:{MODEL}")])
        .args([
            "--max-tokens",
            "123",
            "-s",
            "You are terse. Answer in one word.",
        ])
        .arg("Name a colour.")
        .assert()
        .success()
        .stdout("ok\n");
    let reqs = messages_requests(&fake);
    assert_eq!(reqs.len(), 1, "{:?}", fake.requests());
    let req = &reqs[0];
    assert_eq!(req.path_only(), "/v1/messages");
    assert_eq!(req.header("x-api-key"), Some(KEY));
    assert_eq!(req.header("anthropic-version"), Some(wire::API_VERSION));
    assert!(
        req.header("authorization").is_none(),
        "Anthropic takes the key in x-api-key only"
    );
    assert!(
        req.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{:?}",
        req.headers
    );
    let body = req.body_json();
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["max_tokens"], 123);
    assert_eq!(body["system"], "You are terse. Answer in one word.");
    assert_eq!(
        body["messages"],
        json!([{"role": "user", "content": "Name a colour."}])
    );
    assert_eq!(body["stream"], true);
    assert!(!req.path.contains(KEY), "the key never travels in the URL");
}

#[test]
fn an_error_event_mid_stream_exits_6_and_keeps_the_partial_text() {
    let answer = Answer::text(&["Partial ", "answer", " that never ends"]).usage(Usage::new(30, 3));
    let fake = Fake::anthropic(KEY, answer.clone())
        .error_after(2, wire::failure("overloaded_error", "Overloaded"))
        .server();
    let home = home_for(&fake, KEY);
    let a = home
        .cmd()
        .args([
            "run",
            "-m",
            &format!("anthropic:{MODEL}"),
            "Tell me a story",
        ])
        .assert()
        .code(6);
    assert_eq!(printed(&a), "Partial answer");
    assert_eq!(answer.text_through(2), "Partial answer");
    assert!(!stderr(&a).is_empty(), "the failure is explained on stderr");
    assert!(!stderr(&a).contains(KEY));
}

#[test]
fn a_stream_that_ends_without_message_stop_exits_6() {
    let answer = Answer::text(&["Half ", "an ", "answer"]);
    let fake = Fake::anthropic(KEY, answer.clone()).end_after(2).server();
    let home = home_for(&fake, KEY);
    let a = home
        .cmd()
        .args(["run", "-m", &format!("anthropic:{MODEL}"), "Hi"])
        .assert()
        .code(6);
    assert_eq!(printed(&a), answer.text_through(2));
    assert_eq!(printed(&a), "Half an ");
}

#[test]
fn a_connection_cut_mid_stream_exits_6() {
    // The text deltas "Cut " and "off ", then the connection drops inside the next event.
    let answer = Answer::text(&["Cut ", "off ", "here", " never"]);
    let fake = Fake::anthropic(KEY, answer).cut_after(2).server();
    let home = home_for(&fake, KEY);
    let a = home
        .cmd()
        .args(["run", "-m", &format!("anthropic:{MODEL}"), "Hi"])
        .assert()
        .code(6);
    assert_eq!(printed(&a), "Cut off ");
}

#[test]
fn a_wrong_key_is_rejected_with_exit_4_and_not_retried() {
    let wrong = "sk-ant-api03-wrong-ZYXWVUTSRQ9876543210";
    let fake = Fake::anthropic(KEY, Answer::text(&["never"])).server();
    let home = home_for(&fake, wrong);
    let a = home
        .cmd()
        .args(["run", "-m", &format!("anthropic:{MODEL}"), "Hi"])
        .assert()
        .code(4);
    assert_eq!(stdout(&a), "");
    let err = stderr(&a);
    assert!(!err.is_empty(), "the rejection is explained on stderr");
    assert!(!err.contains(wrong), "the key is never printed: {err}");
    assert_eq!(
        messages_requests(&fake).len(),
        1,
        "authentication errors are not retried"
    );
}
