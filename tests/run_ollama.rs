//! `byok run` against a fake Ollama (`/api/chat`, newline-delimited JSON) on 127.0.0.1:
//! model names with a colon, `stream` always sent, usage from the `done` line (with
//! `prompt_eval_count` missing when the prompt was cached), thinking kept out of the
//! answer, no key, zero cost, and the failures: unknown model, an error line mid-stream,
//! a cut stream.

mod support;

use serde_json::{Value, json};
use support::byok::{Home, json, printed, stderr, stdout};
use support::fake::{FakeServer, Reply, Request};
use support::wire::{Answer, Failure, Fake, Usage};
use support::wire_ollama::{self as wire, Ollama};

const MODEL: &str = "llama3.2:3b";
const PROMPT: &str = "Why is the sky blue? One sentence.";

fn home_for(fake: &FakeServer) -> Home {
    let mut home = Home::with_identity();
    home.env("BYOK_OLLAMA_BASE_URL", &fake.url());
    home
}

fn run(home: &Home, model: &str, json_out: bool, extra: &[&str]) -> assert_cmd::assert::Assert {
    let mut cmd = home.cmd();
    if json_out {
        cmd.arg("--json");
    }
    cmd.args(["run", "-m", &format!("ollama:{model}")])
        .args(extra)
        .arg(PROMPT)
        .assert()
}

fn answer() -> Answer {
    Answer::text(&[
        "The sky",
        " looks blue",
        " because air scatters",
        " short (blue) wavelengths more — Rayleigh scattering 🌤.",
        "\n\"Quoted\" and a \\ backslash.",
    ])
    .usage(Usage::new(26, 290))
}

/// A plain Ollama: no key expected, none accepted.
fn ollama(answer: Answer) -> Fake<Ollama> {
    Fake::ollama(None, answer)
}

fn chat_requests(fake: &FakeServer) -> Vec<Request> {
    fake.requests()
        .into_iter()
        .filter(|r| r.path_only() == "/api/chat")
        .collect()
}

fn check_json(out: &Value, answer: &Answer, model: &str) {
    assert_eq!(out["text"], json!(answer.full_text()), "{out:#}");
    assert_eq!(out["provider"], "ollama", "{out:#}");
    assert_eq!(out["model"], model, "{out:#}");
    assert_eq!(out["usage"], answer.usage.expected(), "{out:#}");
    assert_eq!(
        out["cost_usd"].as_f64(),
        Some(0.0),
        "local models cost 0: {out:#}"
    );
    let attempts = out["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 1, "{out:#}");
    assert_eq!(attempts[0]["provider"], "ollama");
    assert_eq!(attempts[0]["model"], model);
    assert!(out["latency_ms"].is_number(), "{out:#}");
    assert!(out["ttft_ms"].is_number(), "{out:#}");
}

/// The request Ollama needs: `POST /api/chat`, the model name as given, `stream` stated
/// either way, one user message, no key.
fn check_request(req: &Request, model: &str, stream: bool) -> Value {
    assert_eq!(req.method, "POST");
    assert_eq!(req.path_only(), "/api/chat");
    assert!(req.header("authorization").is_none(), "{:?}", req.headers);
    let body = req.body_json();
    assert_eq!(body["model"], model, "{body:#}");
    assert_eq!(body["stream"], json!(stream), "{body:#}");
    let messages = body["messages"].as_array().expect("messages");
    let last = messages.last().unwrap();
    assert_eq!(last["role"], "user", "{body:#}");
    assert_eq!(last["content"], PROMPT, "{body:#}");
    body
}

#[test]
fn a_model_name_with_a_colon_arrives_intact_and_the_stream_gives_text_and_usage() {
    for max in [None, Some(1), Some(5), Some(17), Some(64)] {
        let fake = match max {
            Some(max) => ollama(answer()).split(max),
            None => ollama(answer()),
        }
        .server();
        let home = home_for(&fake);
        let out = json(&run(&home, MODEL, true, &[]).success());
        check_json(&out, &answer(), MODEL);
        let reqs = chat_requests(&fake);
        assert_eq!(reqs.len(), 1);
        let body = check_request(&reqs[0], MODEL, true);
        assert!(body.get("options").is_none(), "{body:#}");
    }
}

#[test]
fn a_cached_prompt_has_no_prompt_eval_count_and_counts_zero_input() {
    let answer = answer()
        .usage(Usage::new(0, 290))
        .thinking(&["Rayleigh", " scattering, keep it short."]);
    let chat = ollama(answer.clone()).no_final_newline().split(6);
    let done: Value = serde_json::from_slice(&chat.events(MODEL).pop().unwrap()).unwrap();
    assert_eq!(done["done"], true);
    assert!(done.get("prompt_eval_count").is_none(), "{done}");
    let fake = chat.server();
    let home = home_for(&fake);
    let out = json(&run(&home, MODEL, true, &[]).success());
    check_json(&out, &answer, MODEL);
    assert_eq!(out["usage"]["input_tokens"], 0);
    assert_eq!(out["usage"]["output_tokens"], 290);
}

#[test]
fn streamed_stdout_is_the_answer_exactly_without_thinking() {
    let answer = answer().thinking(&["hmm, ", "physics"]);
    let fake = ollama(answer.clone()).split(3).server();
    let home = home_for(&fake);
    let a = run(&home, MODEL, false, &[]).success();
    assert_eq!(printed(&a), answer.full_text());
}

#[test]
fn non_streamed_sends_stream_false_and_reads_the_single_object() {
    let answer = answer().thinking(&["considering"]);
    let fake = ollama(answer.clone()).server();
    let home = home_for(&fake);
    let out = json(&run(&home, MODEL, true, &["--no-stream"]).success());
    check_json(&out, &answer, MODEL);
    check_request(&chat_requests(&fake)[0], MODEL, false);

    let a = run(&home, MODEL, false, &["--no-stream"]).success();
    assert_eq!(printed(&a), answer.full_text());
}

#[test]
fn system_prompt_and_token_limit_go_in_messages_and_options() {
    let fake = ollama(answer()).server();
    let home = home_for(&fake);
    run(
        &home,
        "qwen3:4b",
        true,
        &["-s", "Be brief.", "--max-tokens", "64"],
    )
    .success();
    let body = check_request(&chat_requests(&fake)[0], "qwen3:4b", true);
    assert_eq!(
        body["messages"],
        json!([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": PROMPT}
        ])
    );
    assert_eq!(body["options"]["num_predict"], 64, "{body:#}");
}

#[test]
fn a_model_that_was_never_pulled_exits_6_and_names_it() {
    let fake = ollama(answer())
        .fail_with(wire::model_not_found("llama9"))
        .server();
    let home = home_for(&fake);
    let a = run(&home, "llama9", false, &[]).code(6);
    assert_eq!(stdout(&a), "");
    let err = stderr(&a);
    assert!(err.contains("llama9"), "{err}");
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn a_server_error_exits_6_with_ollamas_message() {
    let fake = ollama(answer())
        .fail_with(wire::server_error("llama runner process has terminated"))
        .server();
    let home = home_for(&fake);
    let a = run(&home, MODEL, false, &[]).code(6);
    assert!(
        stderr(&a).contains("llama runner process has terminated"),
        "{}",
        stderr(&a)
    );
}

#[test]
fn an_error_line_mid_stream_exits_6_keeping_the_text_already_printed() {
    let answer = answer().thinking(&["thinking first"]);
    let msg = "an error was encountered while running the model: unexpected EOF";
    let fake = ollama(answer.clone())
        .error_after(2, Failure::new(500, "", msg))
        .server();
    let home = home_for(&fake);
    let a = run(&home, MODEL, false, &[]).code(6);
    assert_eq!(printed(&a), answer.text_through(2));
    assert!(stderr(&a).contains("unexpected EOF"), "{}", stderr(&a));
}

#[test]
fn a_stream_cut_mid_way_exits_6_keeping_the_text_already_printed() {
    let fake = ollama(answer()).cut_after(3).server();
    let home = home_for(&fake);
    let a = run(&home, MODEL, false, &[]).code(6);
    assert_eq!(printed(&a), answer().text_through(3));
    assert!(stderr(&a).contains("ollama"), "{}", stderr(&a));
}

#[test]
fn a_body_that_ends_without_a_done_line_exits_6() {
    let fake = ollama(answer()).end_after(2).server();
    let home = home_for(&fake);
    let a = run(&home, MODEL, true, &[]).code(6);
    assert!(stderr(&a).contains("ollama"), "{}", stderr(&a));
}

#[test]
fn a_stream_sent_with_content_length_works() {
    // A stream whose HTTP body is sent with Content-Length (some proxies buffer).
    let chat = ollama(answer());
    let body = chat.body(MODEL);
    let fake = chat
        .fail_with(Reply::bytes(200, wire::NDJSON, body))
        .server();
    let home = home_for(&fake);
    let out = json(&run(&home, MODEL, true, &[]).success());
    check_json(&out, &answer(), MODEL);
}
