//! `byok run` as a shell user meets it: prompts from arguments and pipes, Ctrl-C, a
//! closed pipe, missing keys and providers, the stats table.

mod support;

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use predicates::prelude::*;
use support::byok::{Home, json, printed, stderr, stdout};
use support::fake::FakeServer;
use support::wire::{Answer, Fake, Usage};
use support::wire_openai::OpenAi;

const KEY: &str = "sk-test-run-0123456789abcdef";

/// An OpenAI fake expecting `KEY` that streams `pieces`.
fn streaming(pieces: &[&str]) -> Fake<OpenAi> {
    Fake::openai(KEY, Answer::text(pieces).usage(Usage::new(9, 4)))
}

fn home_for(fake: &FakeServer) -> Home {
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    home
}

fn sent_prompt(fake: &FakeServer) -> String {
    let req = fake.requests().pop().expect("a request");
    req.body_json()["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["content"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn arguments_and_piped_stdin_make_the_prompt() {
    let fake = streaming(&["ok"]).server();
    let home = home_for(&fake);
    home.cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "review", "this"])
        .write_stdin("diff --git a b\n")
        .assert()
        .success()
        .stdout("ok\n");
    assert_eq!(sent_prompt(&fake), "review this\n\ndiff --git a b\n");
    home.cmd()
        .args(["run", "-m", "openai:gpt-4o-mini"])
        .write_stdin("only stdin")
        .assert()
        .success();
    assert_eq!(sent_prompt(&fake), "only stdin");
    home.cmd()
        .args(["run", "--no-stdin", "-m", "openai:gpt-4o-mini", "just args"])
        .write_stdin("ignored")
        .assert()
        .success();
    assert_eq!(sent_prompt(&fake), "just args");
}

#[test]
fn an_empty_prompt_is_a_usage_error() {
    let fake = streaming(&["ok"]).server();
    let home = home_for(&fake);
    home.cmd()
        .args(["run", "-m", "openai:gpt-4o-mini"])
        .write_stdin("  \n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the prompt is empty"));
    assert_eq!(fake.requests().len(), 0);
}

#[test]
fn stdout_has_only_the_answer_and_stats_go_to_stderr() {
    let fake = streaming(&["Hel", "lo"]).server();
    let home = home_for(&fake);
    let out = home
        .cmd()
        .args(["run", "--stats", "-m", "openai:gpt-4o-mini", "hi"])
        .assert()
        .success();
    assert_eq!(printed(&out), "Hello");
    let err = stderr(&out);
    for column in [
        "provider",
        "input",
        "cached",
        "output",
        "reasoning",
        "cost",
        "latency",
        "ttft",
    ] {
        assert!(err.contains(column), "{column} missing: {err}");
    }
    assert!(
        err.contains("gpt-4o-mini") && err.contains("OPENAI_API_KEY"),
        "{err}"
    );
    // -q silences the table even with --stats.
    let quiet = home
        .cmd()
        .args(["-q", "run", "--stats", "-m", "openai:gpt-4o-mini", "hi"])
        .assert()
        .success();
    assert_eq!(stderr(&quiet), "");
}

#[test]
fn json_is_the_whole_run_shape() {
    let fake = streaming(&["4"]).server();
    let home = home_for(&fake);
    let v = json(
        &home
            .cmd()
            .args(["--json", "run", "-m", "openai:gpt-4o-mini", "2+2?"])
            .assert()
            .success(),
    );
    assert_eq!(v["text"], "4");
    assert_eq!(v["provider"], "openai");
    assert_eq!(v["model"], "gpt-4o-mini");
    assert_eq!(v["usage"]["input_tokens"], 9);
    assert_eq!(v["usage"]["output_tokens"], 4);
    for field in [
        "cached_input_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
    ] {
        assert_eq!(v["usage"][field], 0, "{field}");
    }
    // gpt-4o-mini: 9 × $0.15/M + 4 × $0.60/M.
    let cost = v["cost_usd"].as_f64().unwrap();
    assert!(
        (cost - (9.0 * 0.15 + 4.0 * 0.6) / 1e6).abs() < 1e-12,
        "{cost}"
    );
    assert_eq!(v["cost_source"], "price_table");
    assert!(v["latency_ms"].is_u64() && v["ttft_ms"].is_u64());
    assert_eq!(v["attempts"][0]["status"], "ok");
}

#[test]
fn an_unknown_model_price_is_null_not_zero() {
    let fake = streaming(&["x"]).server();
    let home = home_for(&fake);
    let v = json(
        &home
            .cmd()
            .args(["--json", "run", "-m", "openai:gpt-unreleased", "hi"])
            .assert()
            .success(),
    );
    assert!(v["cost_usd"].is_null());
    assert_eq!(v["cost_source"], "unknown");
    let out = home
        .cmd()
        .args(["run", "--stats", "-m", "openai:gpt-unreleased", "hi"])
        .assert()
        .success();
    assert!(stderr(&out).contains(" ? "), "{}", stderr(&out));
}

#[test]
fn ctrl_c_keeps_the_partial_answer_and_exits_130() {
    let fake = streaming(&["first ", "second"])
        .stall_after(1, Duration::from_secs(30))
        .server();
    let home = home_for(&fake);
    let mut child = home
        .std_cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "--no-stdin", "hi"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut got = [0u8; 6];
    out.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"first ");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(!rest.contains("second"));
    assert!(
        fake.wait_for_disconnects(1, Duration::from_secs(5)),
        "the request was abandoned"
    );
    // The interrupted attempt is in the ledger, settled, not left as a reservation.
    let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
    let status: String = conn
        .query_row("SELECT status FROM events WHERE kind = 'call'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(status, "interrupted");
}

#[test]
fn a_closed_stdout_pipe_ends_quietly() {
    let fake = streaming(&["line one\n", "line two\n", "line three\n"])
        .per_event()
        .pause(Duration::from_millis(100))
        .server();
    let home = home_for(&fake);
    let mut child = home
        .std_cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "--no-stdin", "hi"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 9];
    out.read_exact(&mut first).unwrap();
    drop(out); // like `| head -1`
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
}

#[test]
fn a_missing_key_names_the_provider_and_the_fix() {
    let home = Home::with_identity();
    home.cmd()
        .args(["run", "-m", "anthropic:claude-haiku-4-5", "hi"])
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("no anthropic key is configured")
                .and(predicate::str::contains("byok key add anthropic")),
        );
    home.cmd()
        .args(["run", "hi"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no provider has a key"));
    home.cmd()
        .args(["run", "-m", "gpt-4o", "hi"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("-m openai:gpt-4o"));
}

#[test]
fn without_a_model_the_first_provider_with_a_key_is_used() {
    let fake = streaming(&["ok"]).server();
    let mut home = home_for(&fake);
    home.env("MISTRAL_API_KEY", "sk-mistral-0123456789abcdef")
        .env("BYOK_MISTRAL_BASE_URL", &format!("{}/mistral", fake.url()));
    // openai comes before mistral in the order anthropic, openai, gemini, mistral, …
    let v = json(&home.cmd().args(["--json", "run", "hi"]).assert().success());
    assert_eq!(v["provider"], "openai");
    assert_eq!(v["model"], "gpt-4o-mini");
}

#[test]
fn the_vault_key_is_preferred_and_never_printed() {
    // The fake accepts only the vault key, not the environment's.
    let fake = Fake::openai("sk-vault-key-0123456789abcdef", Answer::text(&["ok"])).server();
    let home = home_for(&fake);
    home.add_key("openai", "sk-vault-key-0123456789abcdef", &["--no-verify"])
        .success();
    let out = home
        .cmd()
        .args(["-v", "run", "--stats", "-m", "openai:gpt-4o-mini", "hi"])
        .assert()
        .success();
    let req = fake.requests().pop().unwrap();
    assert_eq!(
        req.header("authorization"),
        Some("Bearer sk-vault-key-0123456789abcdef")
    );
    assert!(!stderr(&out).contains("sk-vault-key") && !stdout(&out).contains("sk-vault-key"));
    assert!(req.header("user-agent").unwrap().starts_with("byok/"));
}
