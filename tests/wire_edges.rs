//! What providers really send, at the edges, run through the built binary against the
//! wire fakes: usage numbers that cannot be true, a stream event too big to hold, a last
//! event without its blank line, errors inside a 200 stream (Gemini's bare multi-line
//! JSON among them), interleaved choices, Anthropic's thinking-token count, and an answer
//! with no choices but a usage block.

mod support;

use serde_json::{Value, json};
use support::byok::{Home, json as stdout_json, printed, stderr, stdout};
use support::fake::{FakeServer, Request};
use support::wire::{Answer, Fake, Usage, sse_event};
use support::wire_anthropic::{self, Anthropic};
use support::wire_gemini::{self, Gemini};
use support::wire_ollama::Ollama;
use support::wire_openai::OpenAi;

const OPENAI_KEY: &str = "sk-proj-edges0123456789abcdefghijklmnopqrstuvwxyz";
const OPENROUTER_KEY: &str = "sk-or-v1-edges0123456789abcdef0123456789abcdef0123456789ab";
const ANTHROPIC_KEY: &str = "sk-ant-api03-edges0123456789abcdefghijklmnopqrstuv";
const GEMINI_KEY: &str = "AIzaSyEDGES-gemini-key-0123456789abcdef";

/// Counts no provider can mean: negative, fractional, a string, absurdly large.
fn impossible_counts() -> Vec<Value> {
    vec![
        json!(-5),
        json!(1.5),
        json!("12"),
        json!(1e30),
        json!(u64::MAX),
        json!(1_000_000_001u64),
    ]
}

const IMPOSSIBLE: &str = "impossible usage";

fn openai_home(fake: &FakeServer) -> Home {
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", OPENAI_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    home
}

fn anthropic_home(fake: &FakeServer) -> Home {
    let mut home = Home::with_identity();
    home.env("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
        .env("BYOK_ANTHROPIC_BASE_URL", &fake.url());
    home
}

fn gemini_home(fake: &FakeServer) -> Home {
    let mut home = Home::with_identity();
    home.env("GEMINI_API_KEY", GEMINI_KEY)
        .env("BYOK_GEMINI_BASE_URL", &fake.url());
    home
}

fn openai(answer: Answer) -> Fake<OpenAi> {
    Fake::openai(OPENAI_KEY, answer)
}

fn anthropic(answer: Answer) -> Fake<Anthropic> {
    Fake::anthropic(ANTHROPIC_KEY, answer)
}

fn gemini(answer: Answer) -> Fake<Gemini> {
    Fake::gemini(GEMINI_KEY, answer)
}

fn ollama(answer: Answer) -> Fake<Ollama> {
    Fake::ollama(None, answer)
}

fn ollama_home(fake: &FakeServer) -> Home {
    let mut home = Home::with_identity();
    home.env("BYOK_OLLAMA_BASE_URL", &fake.url());
    home
}

/// `byok [--json] run --no-stdin -m MODEL [extra…] PROMPT`.
fn run(home: &Home, model: &str, json_out: bool, extra: &[&str]) -> assert_cmd::assert::Assert {
    let mut cmd = home.cmd();
    if json_out {
        cmd.arg("--json");
    }
    cmd.args(["run", "--no-stdin", "-m", model])
        .args(extra)
        .arg("Say something.")
        .assert()
}

/// The usage is unknown (all zero, never a wrapped or negative number), the cost `?`
/// (remote providers), and stderr says the provider reported an impossible usage.
fn check_unknown(a: &assert_cmd::assert::Assert, what: &str, local: bool) {
    let out = stdout_json(a);
    for field in [
        "input_tokens",
        "output_tokens",
        "cached_input_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
    ] {
        assert_eq!(out["usage"][field], 0, "{what}: usage.{field} in {out:#}");
    }
    if !local {
        assert!(out["cost_usd"].is_null(), "{what}: {out:#}");
        assert_eq!(out["cost_source"], "unknown", "{what}: {out:#}");
    }
    let err = stderr(a);
    assert!(
        err.contains("warning:") && err.contains(IMPOSSIBLE),
        "{what}: {err}"
    );
}

/// One call row of the ledger: (status, input, output, cost_usd, cost_source).
type CallRow = (String, i64, i64, Option<f64>, Option<String>);

/// The call rows of the ledger, in order.
fn ledger_calls(home: &Home) -> Vec<CallRow> {
    let conn = rusqlite::Connection::open_with_flags(
        home.file("ledger.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    conn.prepare(
        "SELECT status, input_tokens, output_tokens, cost_usd, cost_source FROM events
         WHERE kind = 'call' ORDER BY id",
    )
    .unwrap()
    .query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

// --- provider numbers are not trusted blindly -----------------------------------------

#[test]
fn impossible_openai_counts_are_unknown_not_zero_streamed_and_whole() {
    for bad in impossible_counts() {
        let answer = Answer::text(&["Bonjour", " !"])
            .usage(Usage::new(40, 12))
            .usage_patch(json!({"completion_tokens": bad}));
        let fake = openai(answer.clone()).server();
        let home = openai_home(&fake);
        let a = run(&home, "openai:gpt-4o-mini", true, &[]).success();
        assert_eq!(stdout_json(&a)["text"], answer.full_text());
        check_unknown(&a, &format!("streamed {bad}"), false);
        let a = run(&home, "openai:gpt-4o-mini", true, &["--no-stream"]).success();
        check_unknown(&a, &format!("whole {bad}"), false);
        for (status, input, output, cost, source) in ledger_calls(&home) {
            assert_eq!(
                (status.as_str(), input, output, cost, source.as_deref()),
                ("ok", 0, 0, None, Some("unknown")),
                "{bad}"
            );
        }
    }
    // An empty answer with an impossible usage is not a refused request costing 0.
    let fake = openai(Answer::text(&[]).usage_patch(json!({"prompt_tokens": -40})))
        .no_choices()
        .server();
    let home = openai_home(&fake);
    for extra in [&[][..], &["--no-stream"][..]] {
        let a = run(&home, "openai:gpt-4o-mini", true, extra).success();
        check_unknown(&a, &format!("no choices {extra:?}"), false);
    }
    // A count nested in the details is checked too.
    let fake = openai(
        Answer::text(&["x"])
            .usage_patch(json!({"prompt_tokens_details": {"cached_tokens": 2_000_000_000u64}})),
    )
    .server();
    let home = openai_home(&fake);
    check_unknown(
        &run(&home, "openai:gpt-4o-mini", true, &[]).success(),
        "nested",
        false,
    );
}

#[test]
fn null_where_a_count_belongs_is_just_absent() {
    let fake = openai(
        Answer::text(&["ok"])
            .usage(Usage::new(40, 12))
            .usage_patch(json!({"completion_tokens": null})),
    )
    .server();
    let home = openai_home(&fake);
    let a = run(&home, "openai:gpt-4o-mini", true, &[]).success();
    let out = stdout_json(&a);
    assert_eq!(out["usage"]["input_tokens"], 40, "{out:#}");
    assert_eq!(out["usage"]["output_tokens"], 0, "{out:#}");
    assert!(out["cost_usd"].is_number(), "{out:#}");
    assert!(!stderr(&a).contains(IMPOSSIBLE), "{}", stderr(&a));
}

#[test]
fn impossible_counts_are_unknown_on_anthropic_gemini_and_ollama() {
    for bad in [json!(-5), json!(2.5), json!("12"), json!(u64::MAX)] {
        let answer = Answer::text(&["Hel", "lo"])
            .usage(Usage::new(25, 12))
            .usage_patch(json!({"output_tokens": bad}));
        let fake = anthropic(answer).server();
        let home = anthropic_home(&fake);
        let a = run(&home, "anthropic:claude-haiku-4-5", true, &[]).success();
        assert_eq!(stdout_json(&a)["text"], "Hello");
        check_unknown(&a, &format!("anthropic streamed {bad}"), false);
        let a = run(&home, "anthropic:claude-haiku-4-5", true, &["--no-stream"]).success();
        check_unknown(&a, &format!("anthropic whole {bad}"), false);

        let answer = Answer::text(&["Hel", "lo"])
            .usage(Usage::new(8, 2))
            .usage_patch(json!({"candidatesTokenCount": bad}));
        let fake = gemini(answer).server();
        let home = gemini_home(&fake);
        let a = run(&home, "gemini:gemini-2.5-flash", true, &[]).success();
        assert_eq!(stdout_json(&a)["text"], "Hello");
        check_unknown(&a, &format!("gemini streamed {bad}"), false);
        let a = run(&home, "gemini:gemini-2.5-flash", true, &["--no-stream"]).success();
        check_unknown(&a, &format!("gemini whole {bad}"), false);

        let fake =
            ollama(Answer::text(&["Hel", "lo"]).usage_patch(json!({"eval_count": bad}))).server();
        let home = ollama_home(&fake);
        let a = run(&home, "ollama:llama3.2", true, &[]).success();
        assert_eq!(stdout_json(&a)["text"], "Hello");
        check_unknown(&a, &format!("ollama streamed {bad}"), true);
        let a = run(&home, "ollama:llama3.2", true, &["--no-stream"]).success();
        check_unknown(&a, &format!("ollama whole {bad}"), true);
    }
    // Counts each below the limit whose normalised sum is above it (Anthropic adds the
    // cache reads back into the input).
    let answer = Answer::text(&["x"]).usage(
        Usage::new(25 + 1_800_000_000, 1)
            .cached(900_000_000)
            .cache_write(900_000_000, 0),
    );
    let fake = anthropic(answer).server();
    let home = anthropic_home(&fake);
    let a = run(&home, "anthropic:claude-haiku-4-5", true, &[]).success();
    check_unknown(&a, "anthropic sum", false);
}

#[test]
fn a_u64_max_report_neither_opens_nor_closes_a_budget() {
    let fake = FakeServer::start(|req: &Request| {
        let body = req.body_json();
        let prompt = body["messages"][0]["content"].as_str().unwrap_or("");
        let answer = Answer::text(&["ok"]).usage(Usage::new(20, 10));
        if prompt.contains("huge") {
            openai(answer.usage_patch(json!({"prompt_tokens": u64::MAX, "completion_tokens": u64::MAX, "total_tokens": u64::MAX})))
                .reply_to(req)
        } else {
            openai(answer).reply_to(req)
        }
    });
    let home = openai_home(&fake);
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(
        home.file("profiles/default.toml"),
        "[budgets]\nmonthly_usd = { openai = 1.0 }\nmonthly_tokens = { openai = 100000 }\n",
    )
    .unwrap();
    let call = |prompt: &str| {
        home.cmd()
            .args(["run", "--no-stdin", "-m", "openai:gpt-4o-mini", prompt])
            .assert()
    };
    let a = call("huge").success();
    assert!(stderr(&a).contains(IMPOSSIBLE), "{}", stderr(&a));
    // Not closed: the next call goes through.
    call("small").success();
    let u = stdout_json(&home.cmd().args(["--json", "usage"]).assert().success());
    let budgets = u["budgets"].as_array().expect("budgets");
    assert_eq!(budgets.len(), 2, "{u:#}");
    for b in budgets {
        let spent = b["spent"].as_f64().unwrap();
        let cap = b["cap"].as_f64().unwrap();
        // Not opened (no negative spend), not closed (far from the cap).
        assert!((0.0..cap / 2.0).contains(&spent), "{b:#}");
    }
    for (_, input, output, _, _) in ledger_calls(&home) {
        assert!((0..=1_000_000_000).contains(&input), "{input}");
        assert!((0..=1_000_000_000).contains(&output), "{output}");
    }
}

#[test]
fn an_openrouter_cost_that_cannot_be_a_price_is_ignored() {
    for bad in [json!(-0.5), json!(1e6), json!("NaN")] {
        let fake = Fake::openrouter(
            OPENROUTER_KEY,
            Answer::text(&["Hi"]).usage_patch(json!({ "cost": bad })),
        )
        .server();
        let mut home = Home::with_identity();
        home.env("OPENROUTER_API_KEY", OPENROUTER_KEY).env(
            "BYOK_OPENROUTER_BASE_URL",
            &format!("{}/api/v1", fake.url()),
        );
        let a = run(
            &home,
            "openrouter:meta-llama/llama-3.3-70b-instruct",
            true,
            &[],
        )
        .success();
        let out = stdout_json(&a);
        assert_ne!(out["cost_source"], "provider", "{bad}: {out:#}");
        assert_ne!(out["cost_usd"], bad, "{bad}: {out:#}");
        assert_eq!(out["usage"]["input_tokens"], 12, "{out:#}");
    }
    // A sane cost is still the provider's.
    let fake = Fake::openrouter(
        OPENROUTER_KEY,
        Answer::text(&["Hi"]).usage(Usage::new(12, 1).cost(0.25)),
    )
    .server();
    let mut home = Home::with_identity();
    home.env("OPENROUTER_API_KEY", OPENROUTER_KEY).env(
        "BYOK_OPENROUTER_BASE_URL",
        &format!("{}/api/v1", fake.url()),
    );
    let out = stdout_json(&run(&home, "openrouter:x/y", true, &[]).success());
    assert_eq!(out["cost_source"], "provider");
    assert_eq!(out["cost_usd"], 0.25);
}

// --- bounded stream input -------------------------------------------------------------

const BIG: usize = 17 * 1024 * 1024;

#[test]
fn an_sse_event_over_16_mib_fails_keeping_the_text_so_far() {
    // A well-formed chunk, just too big; the stream then ends normally. Read whole, it
    // would be a success.
    let chat = openai(Answer::text(&["Hello", "WORLD"]));
    let mut events = chat.events("gpt-4o-mini");
    let huge = json!({"id": "c", "object": "chat.completion.chunk", "choices": [
        {"index": 0, "delta": {"content": "x".repeat(BIG)}, "finish_reason": null}]});
    // role chunk, "Hello", then the huge one, then "WORLD", the finish and usage.
    events.insert(2, sse_event(None, &huge.to_string(), "\n\n"));
    let fake = chat.send_events(events).server();
    let home = openai_home(&fake);
    let a = run(&home, "openai:gpt-4o-mini", false, &[]).code(6);
    assert_eq!(printed(&a), "Hello");
    let err = stderr(&a);
    assert!(err.contains("16 MiB"), "{err}");
    assert_eq!(
        fake.requests().len(),
        1,
        "a stream that printed text is not retried"
    );
}

#[test]
fn an_ndjson_line_over_16_mib_fails_keeping_the_text_so_far() {
    let chat = ollama(Answer::text(&["Hello", "WORLD"]));
    let mut lines = chat.events("llama3.2");
    let mut huge = json!({"model": "llama3.2", "message": {"role": "assistant", "content": "x".repeat(BIG)}, "done": false})
        .to_string()
        .into_bytes();
    huge.push(b'\n');
    lines.insert(1, huge);
    let fake = chat.send_events(lines).server();
    let home = ollama_home(&fake);
    let a = run(&home, "ollama:llama3.2", false, &[]).code(6);
    assert_eq!(printed(&a), "Hello");
    assert!(stderr(&a).contains("16 MiB"), "{}", stderr(&a));
}

// --- the last event without its blank line ---------------------------------------------

#[test]
fn a_last_event_without_its_blank_line_still_counts_on_every_sse_wire() {
    // OpenAI-compatible: a server that sends no `[DONE]` and closes right after the
    // usage chunk; the usage is in that last event. And one whose `[DONE]` has no blank
    // line after it.
    let answer = Answer::text(&["Hel", "lo"]).usage(Usage::new(40, 12));
    for (fake, what) in [
        (
            openai(answer.clone()).no_done().no_final_newline(),
            "no [DONE]",
        ),
        (openai(answer.clone()).no_final_newline().split(4), "[DONE]"),
    ] {
        let fake = fake.server();
        let home = openai_home(&fake);
        let a = run(&home, "openai:gpt-4o-mini", true, &[]).success();
        let out = stdout_json(&a);
        assert_eq!(out["text"], "Hello", "{what}");
        assert_eq!(out["usage"], answer.usage.expected(), "{what}: {out:#}");
        assert!(out["cost_usd"].is_number(), "{what}: {out:#}");
    }

    // Anthropic: `message_stop` is the last event.
    let answer = Answer::text(&["Hel", "lo"]).usage(Usage::new(25, 12));
    for fake in [
        anthropic(answer.clone()).no_final_newline(),
        anthropic(answer.clone()).no_final_newline().split(3),
    ] {
        let fake = fake.server();
        let home = anthropic_home(&fake);
        let out = stdout_json(&run(&home, "anthropic:claude-haiku-4-5", true, &[]).success());
        assert_eq!(out["text"], "Hello");
        assert_eq!(out["usage"], answer.usage.expected(), "{out:#}");
    }

    // Gemini: the chunk with `finishReason` (and the final usage) is the last event.
    let answer = Answer::text(&["Hel", "lo"]).usage(Usage::new(8, 25).reasoning(5));
    for fake in [
        gemini(answer.clone()).no_final_newline(),
        gemini(answer.clone()).no_final_newline().split(6),
    ] {
        let fake = fake.server();
        let home = gemini_home(&fake);
        let out = stdout_json(&run(&home, "gemini:gemini-2.5-flash", true, &[]).success());
        assert_eq!(out["text"], "Hello");
        assert_eq!(out["usage"], answer.usage.expected(), "{out:#}");
    }
}

// --- errors inside a 200 stream ----------------------------------------------------------

#[test]
fn a_bare_gemini_error_mid_stream_fails_keeping_the_text() {
    let message = "The model is overloaded. Please try again later.";
    let pieces = ["The answer ", "is ", "forty", "-two."];
    // Mid-answer, and after the chunk that carried `finishReason`: a failure either way.
    for (after, max) in [(2, None), (4, None), (4, Some(5))] {
        let mut fake = gemini(Answer::text(&pieces))
            .bare_errors()
            .error_after(after, wire_gemini::overloaded());
        if let Some(max) = max {
            fake = fake.split(max);
        }
        let body = String::from_utf8_lossy(&fake.body("gemini-2.5-flash")).into_owned();
        assert!(
            body.contains("\n{\n  \"error\": {\n") && !body.contains("data: {\"error\""),
            "the error is written bare, over several lines: {body}"
        );
        let fake = fake.server();
        let home = gemini_home(&fake);
        let a = run(&home, "gemini:gemini-2.5-flash", false, &[]).code(6);
        assert_eq!(printed(&a), pieces[..after].concat(), "after {after}");
        let err = stderr(&a);
        assert!(err.contains(message), "after {after}: {err}");
        assert_eq!(fake.requests().len(), 1);
    }
}

#[test]
fn an_error_object_in_a_200_stream_fails_on_every_wire() {
    // OpenAI-style: `data: {"error": {…}}` after the finish_reason chunk, before the
    // usage and `[DONE]`.
    let chat = openai(Answer::text(&["Hel", "lo"]));
    let mut events = chat.events("gpt-4o-mini");
    let err = json!({"error": {"message": "The server had an error", "type": "server_error", "param": null, "code": "server_error"}});
    let at = events.len() - 2;
    events.insert(at, sse_event(None, &err.to_string(), "\n\n"));
    let fake = chat.send_events(events).server();
    let home = openai_home(&fake);
    let a = run(&home, "openai:gpt-4o-mini", false, &[]).code(6);
    assert_eq!(printed(&a), "Hello");
    assert!(
        stderr(&a).contains("The server had an error"),
        "{}",
        stderr(&a)
    );

    // Anthropic: an `error` event, and an error object written without a type of its own.
    let fake = anthropic(Answer::text(&["Hel", "lo", "!"]))
        .error_after(2, wire_anthropic::failure("overloaded_error", "Overloaded"))
        .server();
    let home = anthropic_home(&fake);
    let a = run(&home, "anthropic:claude-haiku-4-5", false, &[]).code(6);
    assert_eq!(printed(&a), "Hello");
    assert!(stderr(&a).contains("Overloaded"), "{}", stderr(&a));

    let chat = anthropic(Answer::text(&["Hel", "lo", "!"]));
    let mut events = chat.events("claude-haiku-4-5");
    let at = events
        .iter()
        .position(|e| String::from_utf8_lossy(e).starts_with("event: content_block_stop"))
        .unwrap();
    let untyped = json!({"error": {"type": "api_error", "message": "Internal upstream failure"}});
    events.insert(at, sse_event(None, &untyped.to_string(), "\n\n"));
    let fake = chat.send_events(events).server();
    let home = anthropic_home(&fake);
    let a = run(&home, "anthropic:claude-haiku-4-5", false, &[]).code(6);
    assert_eq!(printed(&a), "Hello!");
    assert!(
        stderr(&a).contains("Internal upstream failure"),
        "{}",
        stderr(&a)
    );

    // Gemini: an error chunk after the `finishReason` chunk.
    let fake = gemini(Answer::text(&["Hel", "lo"]))
        .error_after(2, wire_gemini::internal())
        .server();
    let home = gemini_home(&fake);
    let a = run(&home, "gemini:gemini-2.5-flash", false, &[]).code(6);
    assert_eq!(printed(&a), "Hello");
    assert!(stderr(&a).contains("An internal error"), "{}", stderr(&a));
}

// --- several choices, thinking tokens, no choices --------------------------------------

#[test]
fn interleaved_choices_answer_with_choice_zero_and_sum_the_usage() {
    // Three choices; usage counts all three (OpenAI reports the sum).
    let answer = Answer::text(&["Paris", " is", " the capital."]).usage(Usage::new(30, 3 * 9));
    for c in [
        openai(answer.clone()).choices(3),
        openai(answer.clone()).choices(3).split(9),
    ] {
        let fake = c.server();
        let home = openai_home(&fake);
        let a = run(&home, "openai:gpt-4o-mini", false, &[]).success();
        assert_eq!(printed(&a), "Paris is the capital.");
        let out = stdout_json(&run(&home, "openai:gpt-4o-mini", true, &[]).success());
        assert_eq!(out["text"], "Paris is the capital.");
        assert_eq!(out["usage"], answer.usage.expected(), "{out:#}");
        assert_eq!(out["usage"]["output_tokens"], 27);
        let out = stdout_json(&run(&home, "openai:gpt-4o-mini", true, &["--no-stream"]).success());
        assert_eq!(out["text"], "Paris is the capital.");
        assert_eq!(out["usage"]["output_tokens"], 27);
    }
}

#[test]
fn anthropic_thinking_tokens_are_reasoning_tokens() {
    let usage = Usage::new(125, 300).cached(100).reasoning(220);
    let answer = Answer::text(&["Forty", "-two."])
        .thinking(&["Let me count."])
        .usage(usage);
    let fake = anthropic(answer).split(7).server();
    let home = anthropic_home(&fake);
    for extra in [&[][..], &["--no-stream"][..]] {
        let out = stdout_json(&run(&home, "anthropic:claude-sonnet-4-5", true, extra).success());
        assert_eq!(out["text"], "Forty-two.");
        assert_eq!(out["usage"], usage.expected(), "{extra:?}: {out:#}");
        assert_eq!(out["usage"]["reasoning_tokens"], 220);
        assert_eq!(out["usage"]["output_tokens"], 300);
    }
}

#[test]
fn an_answer_with_no_choices_but_usage_is_empty_costed_and_warned() {
    let answer = Answer::text(&[]).usage(Usage::new(40, 0));
    let fake = openai(answer.clone()).no_choices().server();
    let home = openai_home(&fake);
    for extra in [&[][..], &["--no-stream"][..]] {
        let a = run(&home, "openai:gpt-4o-mini", false, extra).success();
        assert_eq!(stdout(&a), "", "{extra:?}");
        let err = stderr(&a);
        assert!(
            err.contains("warning:") && err.contains("no choices"),
            "{extra:?}: {err}"
        );
        let a = run(&home, "openai:gpt-4o-mini", true, extra).success();
        let out = stdout_json(&a);
        assert_eq!(out["text"], "", "{out:#}");
        assert_eq!(out["usage"], answer.usage.expected(), "{extra:?}: {out:#}");
        assert!(out["cost_usd"].as_f64().is_some_and(|c| c > 0.0), "{out:#}");
    }
    for (status, input, _, cost, _) in ledger_calls(&home) {
        assert_eq!((status.as_str(), input), ("ok", 40));
        assert!(cost.is_some_and(|c| c > 0.0));
    }
}
