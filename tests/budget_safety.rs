//! Budgets that hold when things go wrong: a ledger that cannot reserve refuses the call
//! (exit 5) instead of letting it through unchecked; a call cut short by SIGTERM or SIGHUP
//! is settled like Ctrl-C; a process killed mid-call does not strand its reservation.

mod support;

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use predicates::prelude::*;
use support::byok::{Home, json, printed, stderr, stdout};
use support::fake::{FakeServer, Request};
use support::wire::{Answer, Fake, Usage};

const OPENAI_KEY: &str = "sk-budget-safety-0123456789abcdef";

fn openai_home(fake: &FakeServer, profile: &str) -> Home {
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", OPENAI_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(home.file("profiles/default.toml"), profile).unwrap();
    home
}

/// `byok run` with an explicit answer allowance of 4,096 tokens: what it reserves does not
/// depend on byok fitting a call to what a budget has left.
fn run_hi(home: &Home) -> assert_cmd::assert::Assert {
    home.cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--max-tokens",
            "4096",
            "--no-stdin",
            "hi",
        ])
        .assert()
}

#[test]
fn a_ledger_whose_write_lock_is_held_refuses_a_capped_call() {
    let fake = answering("ok").server();
    let home = openai_home(&fake, "[budgets]\nmonthly_tokens = { openai = 1000000 }\n");
    run_hi(&home).success(); // creates the ledger
    assert_eq!(fake.requests().len(), 1);

    // Another process holds the write lock for longer than byok's busy timeout.
    let holder = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let out = run_hi(&home).code(5);
    let err = stderr(&out);
    assert!(err.contains("could not be checked"), "{err}");
    assert!(err.contains("database is locked"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    assert_eq!(stdout(&out), "");
    assert_eq!(
        fake.requests().len(),
        1,
        "the refused call reached the provider"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    run_hi(&home).success();
}

#[test]
fn a_ledger_with_a_damaged_schema_refuses_a_capped_call_and_records_nothing_else() {
    let fake = answering("ok").server();
    let home = openai_home(&fake, "[budgets]\nmonthly_usd = { total = 5.0 }\n");
    run_hi(&home).success();
    {
        let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
        conn.execute_batch("DROP TABLE daily").unwrap();
    }
    run_hi(&home)
        .code(5)
        .stderr(predicate::str::contains("no such table: daily"))
        .stderr(predicate::str::contains("the call was not made"));
    assert_eq!(fake.requests().len(), 1);

    // Without a budget the same ledger does not block the call.
    std::fs::write(home.file("profiles/default.toml"), "").unwrap();
    let out = run_hi(&home).success();
    assert_eq!(printed(&out), "ok");
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn a_council_under_a_budget_is_refused_when_its_reservation_fails() {
    let fake = answering("yes").server();
    let home = openai_home(&fake, "[budgets]\nmonthly_tokens = { total = 1000000 }\n");
    run_hi(&home).success();
    {
        let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
        conn.execute_batch("DROP TABLE daily").unwrap();
    }
    home.cmd()
        .args([
            "council",
            "--members",
            "openai:gpt-4o-mini,openai:gpt-4o",
            "--no-stdin",
            "yes or no?",
        ])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("could not be checked"));
    assert_eq!(fake.requests().len(), 1);
}

/// The openai fake answering `text`.
fn answering(text: &str) -> Fake<support::wire_openai::OpenAi> {
    Fake::openai(OPENAI_KEY, Answer::text(&[text]))
}

/// A stream that sends its first answer piece, then holds the rest for a minute (the
/// test ends it sooner by stopping byok).
fn stalling_stream(req: &Request) -> support::fake::Reply {
    Fake::openai(
        OPENAI_KEY,
        Answer::text(&["first ", "second"]).usage(Usage::new(66, 2)),
    )
    .stall_after(1, Duration::from_secs(60))
    .reply_to(req)
}

/// Starts `byok run`, waits until the first answer piece is on its stdout.
fn started_run(home: &Home, extra: &[&str]) -> (std::process::Child, std::process::ChildStdout) {
    let mut child = home
        .std_cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--max-tokens",
            "4096",
            "--no-stdin",
        ])
        .args(extra)
        .arg("hi")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 6];
    out.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"first ");
    (child, out)
}

/// A call row: status, error class, input and output tokens, cost.
type CallRow = (String, Option<String>, i64, i64, Option<f64>);

fn call_rows(home: &Home) -> Vec<CallRow> {
    let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT status, error_class, input_tokens, output_tokens, cost_usd FROM events
             WHERE kind = 'call' ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn signal(child: &std::process::Child, sig: libc::c_int) {
    // SAFETY: signalling our own child, which has not been waited for yet.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, sig) };
    assert_eq!(rc, 0);
}

#[test]
fn sigterm_and_sighup_stop_a_stream_like_ctrl_c_and_settle_it() {
    for (sig, code) in [(libc::SIGTERM, 143), (libc::SIGHUP, 129)] {
        let fake = FakeServer::start(stalling_stream);
        let home = openai_home(&fake, "");
        let (mut child, mut out) = started_run(&home, &[]);
        signal(&child, sig);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "signal {sig}");
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        assert!(!rest.contains("second"), "{rest}");
        let rows = call_rows(&home);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].0, "interrupted", "signal {sig}: {rows:?}");
        assert!(fake.wait_for_disconnects(1, Duration::from_secs(10)));
    }
}

#[test]
fn a_run_killed_mid_stream_does_not_strand_its_reservation() {
    // 66 prompt tokens (2 bytes + 64 for the template) + 4096 reserved output = 4162 per
    // call: two reservations do not fit 6000, a reservation and a settled prompt do.
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let fake = FakeServer::start(move |req: &Request| {
        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            stalling_stream(req)
        } else {
            Fake::openai(OPENAI_KEY, Answer::text(&["ok"]).usage(Usage::new(66, 1))).reply_to(req)
        }
    });
    let home = openai_home(&fake, "[budgets]\nmonthly_tokens = { openai = 6000 }\n");
    let (mut child, _out) = started_run(&home, &[]);
    signal(&child, libc::SIGKILL);
    child.wait().unwrap();
    assert_eq!(call_rows(&home)[0].0, "reserved");

    let out = run_hi(&home).success();
    assert_eq!(printed(&out), "ok");
    let rows = call_rows(&home);
    assert_eq!(rows.len(), 2, "{rows:?}");
    // The killed call: its prompt counts, its reserved output is released.
    assert_eq!(rows[0].0, "abandoned");
    assert_eq!((rows[0].2, rows[0].3), (66, 0));
    let prompt_cost = rows[0].4.unwrap();
    assert!(
        (prompt_cost - 66.0 * 0.15 / 1e6).abs() < 1e-12,
        "{prompt_cost}"
    );
    assert_eq!(rows[1].0, "ok");

    let usage = json(&home.cmd().args(["--json", "usage"]).assert().success());
    assert_eq!(usage["totals"]["calls"], 2);
    assert_eq!(usage["totals"]["abandoned_calls"], 1);
    let table = home.cmd().arg("usage").assert().success();
    assert!(
        stderr(&table).contains("1 of these calls were abandoned"),
        "{}",
        stderr(&table)
    );
}

#[test]
fn a_reservation_whose_process_is_alive_is_left_alone() {
    let fake = FakeServer::start(stalling_stream);
    let home = openai_home(&fake, "[budgets]\nmonthly_tokens = { openai = 6000 }\n");
    let (mut child, _out) = started_run(&home, &[]);
    // A reader while the call is in flight must not settle it.
    home.cmd().arg("usage").assert().success();
    assert_eq!(call_rows(&home)[0].0, "reserved");
    run_hi(&home).code(5);
    signal(&child, libc::SIGTERM);
    child.wait().unwrap();
    assert_eq!(call_rows(&home)[0].0, "interrupted");
}

#[test]
fn timeout_cuts_a_stream_keeps_the_answer_so_far_and_records_it() {
    let fake = FakeServer::start(stalling_stream);
    let home = openai_home(&fake, "");
    let (child, _) = started_run(&home, &["--timeout", "1s"]);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(6));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("ran past its time limit of 1s"), "{err}");
    assert!(err.contains("hint: allow it longer"), "{err}");
    let rows = call_rows(&home);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_deref()),
        ("failed", Some("timeout"))
    );
}

#[test]
fn byok_timeout_covers_retries_and_a_provider_that_never_answers() {
    let fake = answering("never")
        .fail_with(support::fake::Reply::hang())
        .server();
    let mut home = openai_home(&fake, "");
    home.env("BYOK_TIMEOUT", "300ms");
    home.cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "--no-stdin", "hi"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("time limit of 300ms"));
    home.cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "--timeout", "1e30", "hi"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a duration"));
}
