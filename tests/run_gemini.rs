//! `byok run -m gemini:…` against a faithful fake of Gemini's generateContent API:
//! CRLF-separated SSE split into small random pieces, thought summaries, cumulative
//! usage with thinking and cache counts, no `[DONE]`, errors mid-stream, cut streams,
//! and the 400 API_KEY_INVALID answer to a wrong key.

mod support;

use serde_json::{Value, json};
use support::byok::{Home, json as stdout_json, printed, stderr, stdout};
use support::fake::FakeServer;
use support::wire::{Answer, Failure, Fake, Usage};
use support::wire_gemini::{self, Gemini};

const KEY: &str = "AIzaSyFAKE-gemini-key-0123456789abcdef";
const WRONG_KEY: &str = "AIzaSyWRONG-gemini-key-9876543210zyxw";
const THOUGHT: &str = "**Weighing the question**\n\nThe user wants a short answer; SECRET-THOUGHT.";

/// A thinking answer: two thought summaries, then text in several chunks (with a
/// non-ASCII character so random splits land inside UTF-8 sequences).
fn thinking_answer() -> Answer {
    Answer::text(&["2 + 2 ", "is **4**", ".\n\nNaïvely: ", "four ✓"])
        .thinking(&[THOUGHT, "Double-checking: SECRET-THOUGHT again."])
        .usage(Usage::new(1210, 37 + 52).cached(1024).reasoning(52))
}

/// A fake Gemini expecting `KEY`.
fn gemini(answer: Answer) -> Fake<Gemini> {
    Fake::gemini(KEY, answer)
}

fn home_for(fake: &FakeServer, key: &str) -> Home {
    let mut home = Home::with_identity();
    home.env("GEMINI_API_KEY", key)
        .env("BYOK_GEMINI_BASE_URL", &fake.url());
    home
}

fn run(home: &Home, args: &[&str]) -> assert_cmd::assert::Assert {
    home.cmd().arg("run").arg("--no-stdin").args(args).assert()
}

fn run_json(home: &Home, args: &[&str]) -> assert_cmd::assert::Assert {
    home.cmd()
        .args(["--json", "run", "--no-stdin"])
        .args(args)
        .assert()
}

fn check_usage(out: &Value, usage: Usage) {
    assert_eq!(out["usage"], usage.expected(), "{out}");
    // Spelled out, so a wrong normalisation reads plainly in a failure: Gemini's
    // `candidatesTokenCount` (37) leaves out the 52 thinking tokens.
    assert_eq!(out["usage"]["input_tokens"], 1210);
    assert_eq!(out["usage"]["cached_input_tokens"], 1024);
    assert_eq!(out["usage"]["cache_write_tokens"], 0);
    assert_eq!(out["usage"]["output_tokens"], 37 + 52);
    assert_eq!(out["usage"]["reasoning_tokens"], 52);
}

#[test]
fn streamed_answer_in_small_pieces_gives_exact_text_and_usage() {
    // Several splits, down to one byte per HTTP chunk (every `\r` apart from its `\n`).
    for max in [None, Some(1), Some(5), Some(17), Some(64)] {
        let answer = thinking_answer();
        let fake = match max {
            Some(max) => gemini(answer.clone()).split(max),
            None => gemini(answer.clone()),
        }
        .server();
        let home = home_for(&fake, KEY);
        let a = run_json(&home, &["-m", "gemini:gemini-2.5-flash", "What is 2+2?"]).success();
        let out = stdout_json(&a);
        assert_eq!(out["text"], answer.full_text(), "max {max:?}");
        assert!(!stdout(&a).contains("SECRET-THOUGHT"), "thoughts leaked");
        check_usage(&out, answer.usage);
        assert_eq!(out["provider"], "gemini");
        assert_eq!(out["model"], "gemini-2.5-flash");
        let attempts = out["attempts"].as_array().expect("attempts");
        assert_eq!(attempts.len(), 1, "{out}");
        assert_eq!(attempts[0]["provider"], "gemini");
        assert_eq!(attempts[0]["status"], "ok");
        assert!(attempts[0]["error"].is_null());
        assert!(out["latency_ms"].is_u64());
        assert!(
            out["ttft_ms"].is_u64(),
            "a streamed answer has a first token"
        );
        assert_eq!(fake.requests().len(), 1);
    }
}

#[test]
fn streamed_answer_goes_to_stdout_exactly() {
    let answer = thinking_answer();
    let fake = gemini(answer.clone()).split(3).server();
    let home = home_for(&fake, KEY);
    let a = run(&home, &["-m", "gemini:gemini-2.5-flash", "What is 2+2?"]).success();
    assert_eq!(printed(&a), answer.full_text());
    assert!(!stderr(&a).contains("SECRET-THOUGHT"));
    assert!(!stderr(&a).contains(KEY), "the key was printed");
}

#[test]
fn unstreamed_answer_gives_exact_text_and_usage() {
    let answer = thinking_answer();
    let fake = gemini(answer.clone()).server();
    let home = home_for(&fake, KEY);
    let a = run_json(
        &home,
        &["--no-stream", "-m", "gemini:gemini-2.5-pro", "What is 2+2?"],
    )
    .success();
    let out = stdout_json(&a);
    assert_eq!(out["text"], answer.full_text());
    assert!(!out["text"].as_str().unwrap().contains("SECRET-THOUGHT"));
    check_usage(&out, answer.usage);
    assert_eq!(out["model"], "gemini-2.5-pro");

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, "/models/gemini-2.5-pro:generateContent");

    // And as plain text on stdout.
    let a = run(
        &home,
        &["--no-stream", "-m", "gemini:gemini-2.5-pro", "What is 2+2?"],
    )
    .success();
    assert_eq!(printed(&a), answer.full_text());
}

#[test]
fn the_request_is_what_gemini_expects() {
    let fake = gemini(thinking_answer()).server();
    let home = home_for(&fake, KEY);
    run(
        &home,
        &[
            "-m",
            "gemini:gemini-2.5-flash",
            "-s",
            "Answer in one line.",
            "--max-tokens",
            "64",
            "What",
            "is 2+2?",
        ],
    )
    .success();
    // The model as the model list names it: the `models/` prefix is not doubled.
    run(&home, &["-m", "gemini:models/gemini-2.5-flash", "hi"]).success();

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.path, "/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            "path and query"
        );
        assert_eq!(r.header("x-goog-api-key"), Some(KEY));
        assert!(r.header("authorization").is_none(), "no bearer token");
        assert!(
            !r.path.contains(KEY) && !r.path.contains("key="),
            "key in URL"
        );
        assert!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with("application/json"))
        );
    }
    assert_eq!(
        reqs[0].body_json(),
        json!({
            "contents": [{"role": "user", "parts": [{"text": "What is 2+2?"}]}],
            "systemInstruction": {"parts": [{"text": "Answer in one line."}]},
            "generationConfig": {"maxOutputTokens": 64}
        })
    );
    assert_eq!(
        reqs[1].body_json(),
        json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}),
        "no empty generationConfig, no systemInstruction"
    );
}

#[test]
fn google_api_key_is_the_fallback_variable() {
    let fake = gemini(thinking_answer()).server();
    let mut home = Home::with_identity();
    home.env("GOOGLE_API_KEY", KEY)
        .env("BYOK_GEMINI_BASE_URL", &fake.url());
    let a = run(&home, &["-m", "gemini:gemini-2.5-flash", "hi"]).success();
    assert_eq!(printed(&a), thinking_answer().full_text());
    assert_eq!(fake.requests()[0].header("x-goog-api-key"), Some(KEY));
}

#[test]
fn an_error_mid_stream_exits_6_keeping_the_partial_text() {
    let cases: [(Failure, &str); 3] = [
        (wire_gemini::overloaded(), "overloaded"),
        (wire_gemini::internal(), "internal error"),
        (wire_gemini::rate_limited(), "quota"),
    ];
    for (err, says) in cases {
        let fake = gemini(thinking_answer())
            .error_after(2, err.clone())
            .server();
        let home = home_for(&fake, KEY);
        let a = run(&home, &["-m", "gemini:gemini-2.5-flash", "What is 2+2?"]).code(6);
        // The text printed before the failure stays, exactly once.
        assert_eq!(printed(&a), "2 + 2 is **4**", "{err:?}");
        let e = stderr(&a).to_lowercase();
        assert!(e.contains(says), "stderr should say why ({says}): {e}");
        assert!(!e.contains(&KEY.to_lowercase()), "the key was printed");
    }
}

#[test]
fn a_stream_that_stops_without_finishing_exits_6() {
    // The body ends cleanly, but no chunk carried a finishReason.
    let answer = thinking_answer();
    let fake = gemini(answer.clone()).end_after(4).server();
    let home = home_for(&fake, KEY);
    let a = run(&home, &["-m", "gemini:gemini-2.5-flash", "What is 2+2?"]).code(6);
    assert_eq!(printed(&a), answer.full_text());

    // The connection drops inside the event after the first text chunk.
    let fake = gemini(answer).cut_after(1).server();
    let home = home_for(&fake, KEY);
    let a = run(&home, &["-m", "gemini:gemini-2.5-flash", "What is 2+2?"]).code(6);
    assert_eq!(printed(&a), "2 + 2 ");
}

#[test]
fn a_wrong_key_exits_4() {
    let fake = gemini(thinking_answer()).server();
    let home = home_for(&fake, WRONG_KEY);
    for extra in [&[][..], &["--no-stream"][..]] {
        let a = home
            .cmd()
            .args(["run", "--no-stdin", "-m", "gemini:gemini-2.5-flash"])
            .args(extra)
            .arg("hi")
            .assert()
            .code(4);
        assert_eq!(stdout(&a), "");
        let e = stderr(&a);
        assert!(e.to_lowercase().contains("key"), "{e}");
        assert!(!e.contains(WRONG_KEY), "the key was printed: {e}");
    }
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.header("x-goog-api-key") == Some(WRONG_KEY)),
    );
    // Not retried: a rejected key will not get better.
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn a_blocked_prompt_exits_6_saying_why() {
    let fake = gemini(thinking_answer()).blocked("SAFETY").server();
    let home = home_for(&fake, KEY);
    for extra in [&[][..], &["--no-stream"][..]] {
        let a = home
            .cmd()
            .args(["run", "--no-stdin", "-m", "gemini:gemini-2.5-flash"])
            .args(extra)
            .arg("something unsafe")
            .assert()
            .code(6);
        assert_eq!(stdout(&a), "");
        let e = stderr(&a);
        assert!(e.contains("blocked") && e.contains("SAFETY"), "{e}");
    }
}
