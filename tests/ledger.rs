//! The usage ledger and hard budgets: every call recorded once, concurrent runs never
//! losing a row or overshooting a cap, streamed calls costed, nothing secret stored.

mod support;

use std::process::Stdio;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use predicates::prelude::*;
use support::byok::{Home, json, printed, stderr, stdout};
use support::fake::{FakeServer, Request};
use support::wire::{Answer, Fake, Usage};

const OPENAI_KEY: &str = "sk-ledger-secret-0123456789abcdef";
const MISTRAL_KEY: &str = "sk-mistral-0123456789abcdef";
const PROMPT_MARKER: &str = "confidential-prompt-text-42";

/// An openai fake expecting `OPENAI_KEY`.
fn answering(answer: Answer) -> FakeServer {
    Fake::openai(OPENAI_KEY, answer).server()
}

/// A mistral fake expecting `MISTRAL_KEY`.
fn mistral(answer: Answer) -> FakeServer {
    Fake::mistral(MISTRAL_KEY, answer).server()
}

fn openai_home(fake: &FakeServer, profile: &str) -> Home {
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", OPENAI_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    if !profile.is_empty() {
        std::fs::create_dir_all(home.file("profiles")).unwrap();
        std::fs::write(home.file("profiles/default.toml"), profile).unwrap();
    }
    home
}

/// Starts `n` `byok run` processes at once and waits for all; returns their exit codes.
fn run_concurrently(home: &Home, n: usize, args: &[&str]) -> Vec<i32> {
    let children: Vec<_> = (0..n)
        .map(|_| {
            home.std_cmd()
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code().unwrap_or(-1))
        .collect()
}

fn usage_json(home: &Home, extra: &[&str]) -> serde_json::Value {
    json(
        &home
            .cmd()
            .args(["--json", "usage"])
            .args(extra)
            .assert()
            .success(),
    )
}

#[test]
fn thirty_two_concurrent_runs_leave_thirty_two_rows() {
    let fake =
        answering(Answer::text(&["ok"]).usage(Usage::new(120, 30).cached(100).reasoning(10)));
    let home = openai_home(&fake, "");
    let codes = run_concurrently(
        &home,
        32,
        &[
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--no-stdin",
            PROMPT_MARKER,
        ],
    );
    assert!(codes.iter().all(|c| *c == 0), "{codes:?}");
    assert_eq!(fake.requests().len(), 32);
    let u = usage_json(&home, &[]);
    let openai = &u["rows"][0];
    assert_eq!(openai["group"], "openai");
    assert_eq!(openai["calls"], 32);
    assert_eq!(openai["input_tokens"], 32 * 120);
    assert_eq!(openai["cached_input_tokens"], 32 * 100);
    assert_eq!(openai["output_tokens"], 32 * 30);
    assert_eq!(openai["reasoning_tokens"], 32 * 10);
    // gpt-4o-mini: 20 uncached × $0.15 + 100 cached × $0.075 + 30 × $0.60, per million.
    let per_call = (20.0 * 0.15 + 100.0 * 0.075 + 30.0 * 0.6) / 1e6;
    let cost = openai["cost_usd"].as_f64().unwrap();
    assert!(
        (cost - 32.0 * per_call).abs() < 1e-9,
        "{cost} vs {}",
        32.0 * per_call
    );
    assert_eq!(u["totals"]["calls"], 32);
}

#[test]
fn a_cap_for_n_calls_lets_at_most_n_through_under_concurrency() {
    // Each call reserves its upper bound: "hi" is 2 bytes + 64 template tokens = 66 input,
    // --max-tokens 34 output: 100 tokens; the fake reports exactly that. The fake holds
    // every request until five have arrived, so the five calls overlap: a check of spent
    // usage that did not count calls in flight would let all fifteen through.
    let arrived = Arc::new((Mutex::new(0usize), Condvar::new()));
    let ok = Fake::openai(OPENAI_KEY, Answer::text(&["ok"]).usage(Usage::new(66, 34)));
    let fake = FakeServer::start(move |req: &Request| {
        let (count, changed) = &*arrived;
        let mut n = count.lock().unwrap();
        *n += 1;
        changed.notify_all();
        let _ = changed
            .wait_timeout_while(n, Duration::from_secs(30), |n| *n < 5)
            .unwrap();
        ok.reply_to(req)
    });
    let home = openai_home(&fake, "[budgets]\nmonthly_tokens = { openai = 500 }\n");
    let codes = run_concurrently(
        &home,
        15,
        &[
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--max-tokens",
            "34",
            "--no-stdin",
            "hi",
        ],
    );
    let ok = codes.iter().filter(|c| **c == 0).count();
    let refused = codes.iter().filter(|c| **c == 5).count();
    assert_eq!(ok + refused, 15, "{codes:?}");
    assert_eq!(
        fake.requests().len(),
        5,
        "exactly the five calls the cap covers reach the provider"
    );
    assert_eq!(ok, 5, "the cap covers exactly five calls: {codes:?}");

    // The refusal reads as the issue says.
    let out = home
        .cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--max-tokens",
            "34",
            "hi",
        ])
        .assert()
        .code(5);
    let err = stderr(&out);
    assert!(
        err.contains("error: the openai budget for ")
            && err.contains("is spent: 500 tokens of 500 tokens"),
        "{err}"
    );
    assert!(
        err.contains("hint: raise it in ") && err.contains("profiles/default.toml [budgets]"),
        "{err}"
    );
    let u = usage_json(&home, &[]);
    let b = &u["budgets"][0];
    assert_eq!(
        (
            b["scope"].as_str(),
            b["unit"].as_str(),
            b["cap"].as_f64(),
            b["left"].as_f64()
        ),
        (Some("openai"), Some("tokens"), Some(500.0), Some(0.0))
    );
}

#[test]
fn a_model_without_a_price_is_refused_under_a_dollar_cap() {
    let fake = answering(Answer::text(&["ok"]));
    let home = openai_home(&fake, "[budgets]\nmonthly_usd = { total = 5.0 }\n");
    home.cmd()
        .args(["run", "-m", "openai:gpt-unpriced-9", "--no-stdin", "hi"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "the total budget is in dollars and this model has no known price",
        ));
    assert_eq!(fake.requests().len(), 0);
    // With a price in the profile the same call fits.
    std::fs::write(
        home.file("profiles/default.toml"),
        "[budgets]\nmonthly_usd = { total = 5.0 }\n[prices.\"openai:gpt-unpriced-9\"]\ninput = 1.0\noutput = 2.0\n",
    )
    .unwrap();
    home.cmd()
        .args(["run", "-m", "openai:gpt-unpriced-9", "--no-stdin", "hi"])
        .assert()
        .success();
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn a_route_token_cap_holds_for_the_route_only() {
    let fake = answering(Answer::text(&["ok"]).usage(Usage::new(66, 34)));
    let home = openai_home(
        &fake,
        "[routes.classify]\nmodel = \"openai:gpt-4o-mini\"\nmonthly_tokens = 250\n",
    );
    let classify = || {
        home.cmd()
            .args([
                "run",
                "-r",
                "classify",
                "--max-tokens",
                "34",
                "--no-stdin",
                "hi",
            ])
            .assert()
    };
    classify().success();
    classify().success();
    classify()
        .code(5)
        .stderr(predicate::str::contains(
            "the route classify budget for ",
        ))
        .stderr(predicate::str::contains(
            "has not enough left for this call: 50 tokens of 250 tokens left (200 tokens spent, none reserved by calls in flight); this call needs up to 100 tokens",
        ));
    assert_eq!(fake.requests().len(), 2);
    // The same model outside the route is not under the route's cap.
    home.cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--max-tokens",
            "34",
            "--no-stdin",
            "hi",
        ])
        .assert()
        .success();
    assert_eq!(fake.requests().len(), 3);
}

#[test]
fn a_budget_skips_to_a_fallback_and_warns_at_eighty_percent() {
    let fake = answering(Answer::text(&["ok"]).usage(Usage::new(66, 34)));
    let mut home = openai_home(
        &fake,
        "[routes.default]\nmodel = \"openai:gpt-4o-mini\"\nfallback = [\"mistral:mistral-small-latest\"]\n[budgets]\nmonthly_tokens = { openai = 250 }\n",
    );
    let fallback = mistral(Answer::text(&["ok"]).usage(Usage::new(66, 34)));
    home.env("MISTRAL_API_KEY", MISTRAL_KEY)
        .env("BYOK_MISTRAL_BASE_URL", &format!("{}/v1", fallback.url()));
    let first = home
        .cmd()
        .args(["run", "--max-tokens", "34", "hi"])
        .assert()
        .success();
    assert!(!stderr(&first).contains("warning"), "{}", stderr(&first));
    let second = home
        .cmd()
        .args(["run", "--max-tokens", "34", "hi"])
        .assert()
        .success();
    assert!(
        stderr(&second).contains("warning: the openai budget for")
            && stderr(&second).contains("80% used"),
        "{}",
        stderr(&second)
    );
    let v = json(
        &home
            .cmd()
            .args(["--json", "run", "--max-tokens", "34", "hi"])
            .assert()
            .success(),
    );
    assert_eq!(v["provider"], "mistral");
    assert_eq!(v["attempts"][0]["status"], "skipped");
    assert!(
        v["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("budget")
    );
}

#[test]
fn streamed_calls_are_costed_with_cache_and_reasoning() {
    // 1000 uncached prompt tokens, 20 000 read from the cache, 4000 written to it.
    let answer = Answer::text(&["Cached ", "answer"]).usage(
        Usage::new(25_000, 500)
            .cached(20_000)
            .cache_write(4_000, 1_000),
    );
    let fake = Fake::anthropic("sk-ant-ledger-0123456789", answer)
        .split(7)
        .server();
    let mut home = Home::with_identity();
    home.env("ANTHROPIC_API_KEY", "sk-ant-ledger-0123456789")
        .env("BYOK_ANTHROPIC_BASE_URL", &fake.url());
    let v = json(
        &home
            .cmd()
            .args(["--json", "run", "-m", "anthropic:claude-haiku-4-5", "hi"])
            .assert()
            .success(),
    );
    // claude-haiku-4-5: input $1, cached $0.10, 5-minute write $1.25, 1-hour write $2, output $5 per million.
    let expected =
        (1000.0 * 1.0 + 20_000.0 * 0.1 + 3_000.0 * 1.25 + 1_000.0 * 2.0 + 500.0 * 5.0) / 1e6;
    let cost = v["cost_usd"].as_f64().unwrap();
    assert!((cost - expected).abs() < 1e-12, "{cost} vs {expected}");
    assert_eq!(v["usage"]["input_tokens"], 25_000);
    let u = usage_json(&home, &["--by", "model"]);
    let row = &u["rows"][0];
    assert_eq!(row["group"], "anthropic:claude-haiku-4-5");
    assert_eq!(row["cache_write_tokens"], 4_000);
    assert!((row["cost_usd"].as_f64().unwrap() - expected).abs() < 1e-12);

    // OpenAI-style reasoning tokens are counted and billed as output.
    let reasoning = answering(Answer::text(&["x"]).usage(Usage::new(10, 200).reasoning(150)));
    let home = openai_home(&reasoning, "");
    let v = json(
        &home
            .cmd()
            .args(["--json", "run", "-m", "openai:o3", "think"])
            .assert()
            .success(),
    );
    assert_eq!(v["usage"]["reasoning_tokens"], 150);
    let expected = (10.0 * 2.0 + 200.0 * 8.0) / 1e6;
    assert!((v["cost_usd"].as_f64().unwrap() - expected).abs() < 1e-12);
    assert_eq!(usage_json(&home, &[])["rows"][0]["reasoning_tokens"], 150);
}

#[test]
fn failed_and_cut_attempts_are_recorded_with_their_partial_usage() {
    let fake = Fake::openai(
        OPENAI_KEY,
        Answer::text(&["partial ", "answer"]).usage(Usage::new(40, 12)),
    )
    .cut_after(1)
    .server();
    let home = openai_home(&fake, "");
    home.cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "hi"])
        .assert()
        .code(6);
    let u = usage_json(&home, &[]);
    assert_eq!(
        u["rows"][0]["calls"], 1,
        "the cut attempt is one row (no retry after text was printed)"
    );
}

#[test]
fn the_database_holds_no_secret_and_no_prompt() {
    // The vault key is used before the environment's: the fake accepts only it.
    let chat = Fake::openai(
        "sk-vault-secret-0123456789abcdef",
        Answer::text(&["the answer text 77"]),
    );
    let fake = FakeServer::start(move |req: &Request| {
        if req.path.ends_with("/models") {
            return support::fake::Reply::json(
                200,
                serde_json::json!({"object": "list", "data": []}),
            );
        }
        chat.reply_to(req)
    });
    let home = openai_home(&fake, "");
    home.add_key(
        "openai",
        "sk-vault-secret-0123456789abcdef",
        &["--no-verify"],
    )
    .success();
    home.cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", PROMPT_MARKER])
        .assert()
        .success();
    home.cmd().args(["key", "verify"]).assert().success();
    for file in ["ledger.sqlite3", "ledger.sqlite3-wal", "ledger.sqlite3-shm"] {
        let Ok(bytes) = std::fs::read(home.file(file)) else {
            continue;
        };
        for needle in [
            OPENAI_KEY,
            "sk-vault-secret-0123456789abcdef",
            PROMPT_MARKER,
            "the answer text 77",
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} found in {file}"
            );
        }
    }
    // Key events are there, by name only.
    let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
    let kinds: Vec<String> = conn
        .prepare("SELECT DISTINCT kind FROM events ORDER BY kind")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(kinds, ["call", "key_add", "key_verify"]);
}

/// The schema as version 2 left it: health and the call rows, no daily roll-up.
const SCHEMA_V2: &str = "
    CREATE TABLE provider_health (provider TEXT PRIMARY KEY, consecutive_failures INTEGER NOT NULL DEFAULT 0,
        degraded_until REAL, last_error TEXT, updated_at REAL NOT NULL);
    CREATE TABLE events (id INTEGER PRIMARY KEY, at REAL NOT NULL, month TEXT NOT NULL, day TEXT NOT NULL,
        kind TEXT NOT NULL, profile TEXT, route TEXT, provider TEXT, model TEXT, key_label TEXT, status TEXT NOT NULL,
        error_class TEXT, input_tokens INTEGER NOT NULL DEFAULT 0, cached_input_tokens INTEGER NOT NULL DEFAULT 0,
        cache_write_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
        reasoning_tokens INTEGER NOT NULL DEFAULT 0, cost_usd REAL, cost_source TEXT, latency_ms INTEGER,
        ttft_ms INTEGER, council_id TEXT, detail TEXT);
    CREATE INDEX events_day ON events(kind, day);
    CREATE INDEX events_month ON events(kind, month, provider, route, input_tokens, output_tokens, cost_usd);
    PRAGMA user_version = 2;";

#[test]
fn a_database_of_the_previous_schema_is_upgraded() {
    let mut home = Home::with_identity();
    let today = jiff::ZonedDateTime::now();
    let (month, day) = (
        today.strftime("%Y-%m").to_string(),
        today.strftime("%Y-%m-%d").to_string(),
    );
    {
        let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
        conn.execute_batch(SCHEMA_V2).unwrap();
        conn.execute(
            "INSERT INTO events (at, month, day, kind, provider, model, route, key_label, status, input_tokens, output_tokens, cost_usd)
             VALUES (0, ?1, ?2, 'call', 'openai', 'gpt-4o', 'classify', 'default', 'ok', 100, 50, 0.5)",
            rusqlite::params![month, day],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO provider_health VALUES ('openai', 1, NULL, '500', 0)",
            [],
        )
        .unwrap();
    }
    let fake = answering(Answer::text(&["ok"]).usage(Usage::new(10, 5)));
    home.env("OPENAI_API_KEY", OPENAI_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    home.cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "hi"])
        .assert()
        .success();
    let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 6);
    // The old row and the new one are both in `byok usage`.
    let u = usage_json(&home, &["--by", "model"]);
    let groups: Vec<(&str, u64)> = u["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["group"].as_str().unwrap(),
                r["input_tokens"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(groups, [("openai:gpt-4o", 100), ("openai:gpt-4o-mini", 10)]);
    assert!(
        (u["totals"]["cost_usd"].as_f64().unwrap() - (0.5 + (10.0 * 0.15 + 5.0 * 0.6) / 1e6)).abs()
            < 1e-9
    );
}

#[test]
fn an_unusable_ledger_blocks_only_calls_under_a_budget() {
    let fake = answering(Answer::text(&["ok"]));
    let home = openai_home(&fake, "");
    std::fs::create_dir_all(home.file("ledger.sqlite3")).unwrap(); // a directory: unopenable
    let out = home
        .cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "hi"])
        .assert()
        .success();
    assert_eq!(printed(&out), "ok");
    assert!(
        stderr(&out).contains("warning: the usage ledger") && stderr(&out).contains("not recorded"),
        "{}",
        stderr(&out)
    );

    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(
        home.file("profiles/default.toml"),
        "[budgets]\nmonthly_usd = { total = 5.0 }\n",
    )
    .unwrap();
    home.cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "hi"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "cap that cannot be checked is not a cap",
        ));
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn usage_groups_and_formats() {
    let fake = answering(Answer::text(&["ok"]).usage(Usage::new(10, 5)));
    let mut home = openai_home(
        &fake,
        "[routes.classify]\nmodel = \"openai:gpt-4o-mini\"\n[budgets]\nmonthly_usd = { openai = 2.5 }\n",
    );
    let fallback = mistral(Answer::text(&["ok"]).usage(Usage::new(10, 5)));
    home.env("MISTRAL_API_KEY", MISTRAL_KEY)
        .env("BYOK_MISTRAL_BASE_URL", &format!("{}/v1", fallback.url()));
    home.cmd()
        .args(["run", "-r", "classify", "a"])
        .assert()
        .success();
    home.cmd()
        .args(["run", "-m", "mistral:mistral-small-latest", "b"])
        .assert()
        .success();
    home.cmd()
        .args(["run", "-m", "mistral:unpriced-model", "c"])
        .assert()
        .success();

    let by_route = usage_json(&home, &["--by", "route"]);
    let groups: Vec<&str> = by_route["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["group"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["(no route)", "classify"]);
    let by_key = usage_json(&home, &["--by", "key"]);
    assert!(
        by_key["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["group"] == "openai/OPENAI_API_KEY")
    );
    let by_day = usage_json(&home, &["--by", "day", "--since", "7d"]);
    assert_eq!(by_day["rows"].as_array().unwrap().len(), 1);
    assert_eq!(by_day["totals"]["calls"], 3);
    assert_eq!(by_day["totals"]["unpriced_calls"], 1);

    let table = stdout(&home.cmd().args(["usage"]).assert().success());
    assert!(
        table.contains("budget") && table.contains("$2.50") && table.contains("≥ $"),
        "{table}"
    );
    let csv = stdout(
        &home
            .cmd()
            .args(["usage", "--by", "model", "--csv"])
            .assert()
            .success(),
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("group,calls,input_tokens"));
    assert_eq!(lines.len(), 1 + 3 + 1, "header, three models, total: {csv}");
    home.cmd()
        .args(["usage", "--since", "last-year"])
        .assert()
        .code(2);
    let empty = usage_json(&home, &["--since", "last-month", "--until", "last-month"]);
    assert_eq!(empty["rows"].as_array().unwrap().len(), 0);
}

#[test]
fn a_council_shares_one_id_and_is_reserved_whole_before_it_starts() {
    let fake = answering(Answer::text(&["yes"]).usage(Usage::new(66, 34)));
    // mistral and groq share one fake and one key.
    let members_fake = mistral(Answer::text(&["yes"]).usage(Usage::new(66, 34)));
    let mut home = openai_home(&fake, "");
    for id in ["MISTRAL", "GROQ"] {
        home.env(&format!("{id}_API_KEY"), MISTRAL_KEY).env(
            &format!("BYOK_{id}_BASE_URL"),
            &format!("{}/v1", members_fake.url()),
        );
    }
    let members = "openai:gpt-4o-mini,mistral:mistral-small-latest,groq:llama-3.3-70b-versatile";
    let out = home
        .cmd()
        .args([
            "council",
            "--mode",
            "majority",
            "--members",
            members,
            "--max-tokens",
            "34",
            "hi",
        ])
        .assert()
        .success();
    assert_eq!(stdout(&out).trim(), "yes");
    let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
    let (rows, ids, reserved): (i64, i64, i64) = conn
        .query_row(
            "SELECT COUNT(*), COUNT(DISTINCT council_id), SUM(status = 'reserved') FROM events WHERE kind = 'call'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (rows, ids, reserved),
        (3, 1, 0),
        "three member rows, one council id, nothing left reserved"
    );

    // A budget with room for two of the three members: the council does not start at all.
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(
        home.file("profiles/default.toml"),
        "[budgets]\nmonthly_tokens = { total = 500 }\n",
    )
    .unwrap();
    let before = fake.requests().len() + members_fake.requests().len();
    home.cmd()
        .args([
            "council",
            "--mode",
            "majority",
            "--members",
            members,
            "--max-tokens",
            "34",
            "hi",
        ])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("the council was not started"));
    assert_eq!(
        fake.requests().len() + members_fake.requests().len(),
        before,
        "no member was called"
    );
}

#[test]
fn a_stream_cut_after_the_prompt_was_counted_keeps_its_input_tokens() {
    // Anthropic reports the prompt's tokens in `message_start`, before any text.
    let answer = Answer::text(&["never ", "finished"]).usage(Usage::new(1200, 80));
    let fake = Fake::anthropic("sk-ant-cut-0123456789", answer)
        .end_after(2)
        .server();
    let mut home = Home::with_identity();
    home.env("ANTHROPIC_API_KEY", "sk-ant-cut-0123456789")
        .env("BYOK_ANTHROPIC_BASE_URL", &fake.url());
    home.cmd()
        .args(["run", "-m", "anthropic:claude-haiku-4-5", "hi"])
        .assert()
        .code(6);
    let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
    let (status, class, input, cost): (String, String, i64, f64) = conn
        .query_row(
            "SELECT status, error_class, input_tokens, cost_usd FROM events WHERE kind = 'call'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (status.as_str(), class.as_str(), input),
        ("failed", "stream_cut", 1200)
    );
    assert!(cost > 0.0, "the partial call is costed");
}

#[test]
fn a_call_is_fitted_to_what_a_token_cap_has_left_instead_of_refused() {
    // 14 tokens settled of 1,000: a one-word prompt (66 tokens with the template) and
    // byok's default allowance of 4,096 would not fit, but 920 output tokens do.
    let fake = Fake::openai(OPENAI_KEY, Answer::text(&["ok"]).usage(Usage::new(10, 4))).server();
    let home = openai_home(&fake, "[budgets]\nmonthly_tokens = { openai = 1000 }\n");
    home.cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--max-tokens",
            "10",
            "--no-stdin",
            "hi",
        ])
        .assert()
        .success();
    let out = home
        .cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "--no-stdin", "hi"])
        .assert()
        .success();
    assert_eq!(printed(&out), "ok");
    let body = fake.requests().last().unwrap().body_json();
    let asked = body
        .get("max_completion_tokens")
        .or(body.get("max_tokens"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(asked, 1000 - 14 - 66, "the allowance asked of the provider");
    assert!(
        stderr(&out).contains("is asked for at most 920 output tokens (choose with --max-tokens)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_refusal_names_the_default_allowance_and_the_flag_that_shrinks_it() {
    let fake = Fake::openai(
        OPENAI_KEY,
        Answer::text(&["ok"]).usage(Usage::new(800, 100)),
    )
    .server();
    let home = openai_home(&fake, "[budgets]\nmonthly_tokens = { openai = 1000 }\n");
    home.cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--max-tokens",
            "100",
            "--no-stdin",
            "hi",
        ])
        .assert()
        .success();
    // 900 settled: 100 left, less than the prompt and the smallest allowance byok fits to.
    let out = home
        .cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "--no-stdin", "hi"])
        .assert()
        .code(5);
    let err = stderr(&out);
    assert!(
        err.contains("has not enough left for this call: 100 tokens of 1,000 tokens left (900 tokens spent, none reserved by calls in flight)"),
        "{err}"
    );
    assert!(
        err.contains("most of it the default answer allowance of 4,096 tokens: ask for less with --max-tokens N"),
        "{err}"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn small_dollar_caps_keep_their_digits_and_the_warning_says_what_it_counts() {
    let fake = Fake::openai(
        OPENAI_KEY,
        Answer::text(&["ok"]).usage(Usage::new(10_000, 100)),
    )
    .server();
    // gpt-4o-mini: 10,000 × $0.15 + 100 × $0.60 per million = $0.00156 a call.
    let home = openai_home(&fake, "[budgets]\nmonthly_usd = { openai = 0.002 }\n");
    let first = home
        .cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--max-tokens",
            "100",
            "--no-stdin",
            "hi",
        ])
        .assert()
        .success();
    assert!(!stderr(&first).contains("warning"), "{}", stderr(&first));
    let second = home
        .cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--max-tokens",
            "100",
            "--no-stdin",
            "hi",
        ])
        .assert()
        .success();
    let err = stderr(&second);
    assert!(
        err.contains("used by settled calls and this one: $0.00163 of $0.002"),
        "{err}"
    );
    let third = home
        .cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--max-tokens",
            "100",
            "--no-stdin",
            "hi",
        ])
        .assert()
        .code(5);
    assert!(stderr(&third).contains("of $0.002"), "{}", stderr(&third));
    assert!(!stderr(&third).contains("$0.00 "), "{}", stderr(&third));
}

/// Every row says who made it and where: `usage --by user|host|client` group by them.
#[test]
fn rows_carry_the_os_user_and_the_host() {
    let fake = answering(Answer::text(&["ok"]).usage(Usage::new(10, 5)));
    let home = openai_home(&fake, "");
    for _ in 0..2 {
        home.cmd()
            .args(["run", "-m", "openai:gpt-4o-mini", "hi"])
            .assert()
            .success();
    }
    let user = String::from_utf8(
        std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string();
    for (by, expected) in [
        ("user", user.as_str()),
        ("host", host.as_str()),
        ("client", "(byok)"),
    ] {
        let u = usage_json(&home, &["--by", by]);
        let rows = u["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "--by {by}: {u}");
        assert_eq!(rows[0]["group"], expected, "--by {by}");
        assert_eq!(rows[0]["calls"], 2, "--by {by}");
        assert_eq!(rows[0]["input_tokens"], 20, "--by {by}");
    }
}
