//! The ledger's rows say exactly what each attempt used: after Ctrl-C, after a stream
//! cut mid-way, after a council `first` cancels its losers, and after a failed attempt
//! followed by a fallback. Tokens and costs are asserted row by row, and no row is ever
//! left `reserved`.

mod support;

use std::io::Read;
use std::process::Stdio;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use support::byok::{Home, printed, stdout};
use support::fake::{FakeServer, Request};
use support::wire::{Answer, Fake, Usage};
use support::wire_openai;

const ANTHROPIC_KEY: &str = "sk-ant-accounting-0123456789";
const OPENAI_KEY: &str = "sk-accounting-openai-0123456789";
const MISTRAL_KEY: &str = "sk-accounting-mistral-0123456789";

/// One call row: provider, status, error class, input and output tokens, cost.
#[derive(Debug, PartialEq)]
struct Row {
    provider: String,
    status: String,
    class: Option<String>,
    input: i64,
    output: i64,
    cost: Option<f64>,
}

fn rows(home: &Home) -> Vec<Row> {
    let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT provider, status, error_class, input_tokens, output_tokens, cost_usd
             FROM events WHERE kind = 'call' ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok(Row {
            provider: r.get(0)?,
            status: r.get(1)?,
            class: r.get(2)?,
            input: r.get(3)?,
            output: r.get(4)?,
            cost: r.get(5)?,
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn ctrl_c_settles_the_prompt_tokens_that_arrived_and_their_cost() {
    // Anthropic reports the prompt's tokens in `message_start`, before any text.
    // It sends its first words, then stalls for a minute.
    let answer = Answer::text(&["first ", "second"]).usage(Usage::new(1200, 80));
    let fake = Fake::anthropic(ANTHROPIC_KEY, answer)
        .stall_after(1, Duration::from_secs(60))
        .server();
    let mut home = Home::with_identity();
    home.env("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
        .env("BYOK_ANTHROPIC_BASE_URL", &fake.url());
    let mut child = home
        .std_cmd()
        .args([
            "run",
            "-m",
            "anthropic:claude-haiku-4-5",
            "--no-stdin",
            "hi",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 6];
    out.read_exact(&mut first).unwrap();
    // SAFETY: signalling our own child, not yet waited for.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(child.wait().unwrap().code(), Some(130));

    let rows = rows(&home);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let r = &rows[0];
    assert_eq!(
        (r.status.as_str(), r.class.as_deref(), r.input),
        ("interrupted", Some("interrupted"), 1200)
    );
    // `message_start` carries a placeholder output count of 1; the final count never came.
    assert_eq!(r.output, 1);
    // claude-haiku-4-5: $1 input, $5 output per million.
    let expected = (1200.0 * 1.0 + 1.0 * 5.0) / 1e6;
    assert!(
        close(r.cost.unwrap(), expected),
        "{:?} vs {expected}",
        r.cost
    );
}

#[test]
fn a_stream_cut_mid_way_is_settled_with_what_it_reported() {
    let fake = Fake::anthropic(
        ANTHROPIC_KEY,
        Answer::text(&["never ", "finished"]).usage(Usage::new(1200, 80)),
    )
    .end_after(1)
    .server();
    let mut home = Home::with_identity();
    home.env("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
        .env("BYOK_ANTHROPIC_BASE_URL", &fake.url());
    let out = home
        .cmd()
        .args([
            "run",
            "-m",
            "anthropic:claude-haiku-4-5",
            "--no-stdin",
            "hi",
        ])
        .assert()
        .code(6);
    assert_eq!(printed(&out), "never ");
    let rows = rows(&home);
    assert_eq!(
        rows.len(),
        1,
        "a cut with text printed is not retried: {rows:?}"
    );
    let r = &rows[0];
    assert_eq!(
        (r.status.as_str(), r.class.as_deref(), r.input, r.output),
        ("failed", Some("stream_cut"), 1200, 1)
    );
    assert!(close(r.cost.unwrap(), (1200.0 + 5.0) / 1e6), "{:?}", r.cost);
}

#[test]
fn a_failed_attempt_then_a_fallback_are_each_settled() {
    let openai = Fake::openai(OPENAI_KEY, Answer::text(&["unused"]))
        .fail_with(wire_openai::server_error())
        .server();
    let mistral = Fake::mistral(
        MISTRAL_KEY,
        Answer::text(&["fallback answer"]).usage(Usage::new(66, 34)),
    )
    .server();
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", OPENAI_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", openai.url()))
        .env("MISTRAL_API_KEY", MISTRAL_KEY)
        .env("BYOK_MISTRAL_BASE_URL", &format!("{}/v1", mistral.url()))
        .env("BYOK_RETRY_BASE", "1ms");
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(
        home.file("profiles/default.toml"),
        "[routes.default]\nmodel = \"openai:gpt-4o-mini\"\nfallback = [\"mistral:mistral-small-latest\"]\n",
    )
    .unwrap();
    let out = home
        .cmd()
        .args(["run", "--no-stdin", "hi"])
        .assert()
        .success();
    assert_eq!(printed(&out), "fallback answer");
    assert_eq!(openai.requests().len(), 3, "one try and two retries");
    let rows = rows(&home);
    assert_eq!(rows.len(), 4, "{rows:?}");
    for r in &rows[..3] {
        assert_eq!(
            r,
            &Row {
                provider: "openai".into(),
                status: "failed".into(),
                class: Some("server_error".into()),
                input: 0,
                output: 0,
                cost: Some(0.0),
            }
        );
    }
    let last = &rows[3];
    assert_eq!(
        (
            last.provider.as_str(),
            last.status.as_str(),
            last.input,
            last.output
        ),
        ("mistral", "ok", 66, 34)
    );
    // mistral-small-latest: $0.15 input, $0.60 output per million.
    assert!(close(last.cost.unwrap(), (66.0 * 0.15 + 34.0 * 0.6) / 1e6));
}

#[test]
fn a_council_first_settles_the_winner_and_every_cancelled_loser() {
    // mistral and groq send their first words, then stall; openai answers once both of
    // them are streaming, so the council cancels two calls in flight.
    let streaming = Arc::new((Mutex::new(0usize), Condvar::new()));
    let seen = Arc::clone(&streaming);
    let fast = FakeServer::start(move |req: &Request| {
        let (count, changed) = &*seen;
        let guard = count.lock().unwrap();
        let (guard, _) = changed
            .wait_timeout_while(guard, Duration::from_secs(20), |n| *n < 2)
            .unwrap();
        assert_eq!(*guard, 2, "both slow members were streaming");
        Fake::openai(OPENAI_KEY, Answer::text(&["yes"]).usage(Usage::new(66, 34))).reply_to(req)
    });
    let stalling = Fake::mistral(
        MISTRAL_KEY,
        Answer::text(&["maybe ", "later"]).usage(Usage::new(66, 34)),
    )
    .stall_after(1, Duration::from_secs(60));
    let slow = FakeServer::start(move |req: &Request| {
        let (count, changed) = &*streaming;
        *count.lock().unwrap() += 1;
        changed.notify_all();
        stalling.reply_to(req)
    });
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", OPENAI_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fast.url()));
    for id in ["MISTRAL", "GROQ"] {
        home.env(&format!("{id}_API_KEY"), MISTRAL_KEY).env(
            &format!("BYOK_{id}_BASE_URL"),
            &format!("{}/v1", slow.url()),
        );
    }
    let out = home
        .cmd()
        .args([
            "council",
            "--mode",
            "first",
            "--members",
            "mistral:mistral-small-latest,groq:llama-3.3-70b-versatile,openai:gpt-4o-mini",
            "--max-tokens",
            "34",
            "--no-stdin",
            "hi",
        ])
        .assert()
        .success();
    assert_eq!(stdout(&out).trim(), "yes");
    let rows = rows(&home);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|r| r.status != "reserved"), "{rows:?}");
    let winner = rows.iter().find(|r| r.provider == "openai").unwrap();
    assert_eq!(
        (winner.status.as_str(), winner.input, winner.output),
        ("ok", 66, 34)
    );
    assert!(close(
        winner.cost.unwrap(),
        (66.0 * 0.15 + 34.0 * 0.6) / 1e6
    ));
    for loser in rows.iter().filter(|r| r.provider != "openai") {
        assert_eq!(
            (loser.status.as_str(), loser.class.as_deref()),
            ("interrupted", Some("interrupted")),
            "{loser:?}"
        );
        // Their usage never arrived: nothing counted, and the cost is unknown, not zero.
        assert_eq!((loser.input, loser.output, loser.cost), (0, 0, None));
    }
    assert!(slow.wait_for_disconnects(2, Duration::from_secs(10)));
}
