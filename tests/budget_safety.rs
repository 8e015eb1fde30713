//! Budgets that hold when things go wrong: a ledger that cannot reserve refuses the call
//! (exit 5) instead of letting it through unchecked; a call cut short by SIGTERM or SIGHUP
//! is settled like Ctrl-C; a process killed mid-call does not strand its reservation.

mod support;

use predicates::prelude::*;
use support::byok::{Home, stderr, stdout};
use support::fake::{FakeServer, Request};
use support::wire_openai::OpenAiChat;

const OPENAI_KEY: &str = "sk-budget-safety-0123456789abcdef";

fn openai_home(fake: &FakeServer, profile: &str) -> Home {
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", OPENAI_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(home.file("profiles/default.toml"), profile).unwrap();
    home
}

fn run_hi(home: &Home) -> assert_cmd::assert::Assert {
    home.cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "--no-stdin", "hi"])
        .assert()
}

#[test]
fn a_ledger_whose_write_lock_is_held_refuses_a_capped_call() {
    let fake = FakeServer::start(|req: &Request| OpenAiChat::openai(&["ok"]).reply_to(req));
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
    let fake = FakeServer::start(|req: &Request| OpenAiChat::openai(&["ok"]).reply_to(req));
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
    assert_eq!(stdout(&out), "ok");
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn a_council_under_a_budget_is_refused_when_its_reservation_fails() {
    let fake = FakeServer::start(|req: &Request| OpenAiChat::openai(&["yes"]).reply_to(req));
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
