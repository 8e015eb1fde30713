//! The shared ledger (README "One budget for the whole team") against a real PostgreSQL
//! server: one cap held across two machines racing, twenty first runs migrating an empty
//! database at once, a server that goes away and comes back without a row lost, usage by
//! user and host, shared provider health, and a password that shows up nowhere.
//!
//! These need PostgreSQL's server binaries (Debian's `postgresql` package); without them
//! they are skipped visibly, and CI runs them with `--include-ignored`.

mod support;

use std::process::Stdio;

use support::byok::{Home, json, stderr, stdout};
use support::fake::FakeServer;
use support::postgres::Postgres;
use support::wire::{Answer, Fake, Usage};

const OPENAI_KEY: &str = "sk-shared-ledger-0123456789abcdef";

/// What one `run -m openai:gpt-4o-mini --max-tokens 100 hi` reserves: the prompt's bytes
/// plus byok's template allowance, and the answer allowance.
const RESERVED: u64 = 2 + 64 + 100;

/// A fake that reports exactly what a call reserved, so a settled call holds as much of
/// a cap as its reservation did.
fn exact_fake() -> FakeServer {
    Fake::openai(
        OPENAI_KEY,
        Answer::text(&["ok"]).usage(Usage::new(RESERVED - 100, 100)),
    )
    .server()
}

/// A "machine": its own BYOK_HOME, pointed at the fake and at the shared ledger.
fn machine(fake: &FakeServer, url: &str, profile: &str) -> Home {
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", OPENAI_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()))
        .env("BYOK_LEDGER_URL", url);
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(home.file("profiles/default.toml"), profile).unwrap();
    home
}

const RUN: &[&str] = &[
    "run",
    "-m",
    "openai:gpt-4o-mini",
    "--max-tokens",
    "100",
    "--no-stdin",
    "hi",
];

/// Starts every `(home, args)` at once and waits for all; returns exit codes and output.
fn concurrently(runs: &[(&Home, &[&str])]) -> Vec<(i32, String)> {
    let children: Vec<_> = runs
        .iter()
        .map(|(home, args)| {
            home.std_cmd()
                .args(*args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            (
                out.status.code().unwrap_or(-1),
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ),
            )
        })
        .collect()
}

#[test]
#[ignore = "needs PostgreSQL: apt install postgresql"]
fn two_machines_racing_under_one_cap_let_exactly_what_fits_through() {
    let pg = Postgres::start();
    let fake = exact_fake();
    let profile = format!(
        "[budgets]\nmonthly_tokens = {{ openai = {} }}\n",
        6 * RESERVED
    );
    let a = machine(&fake, &pg.url(), &profile);
    let b = machine(&fake, &pg.url(), &profile);
    let runs: Vec<(&Home, &[&str])> = (0..40)
        .map(|i| (if i % 2 == 0 { &a } else { &b }, RUN))
        .collect();
    let outcomes = concurrently(&runs);
    let ok = outcomes.iter().filter(|(c, _)| *c == 0).count();
    let refused = outcomes.iter().filter(|(c, _)| *c == 5).count();
    assert_eq!(
        (ok, refused),
        (6, 34),
        "{:?}",
        outcomes.iter().find(|(c, _)| *c != 0 && *c != 5)
    );
    assert_eq!(fake.requests().len(), 6, "exactly 6 reached the provider");
    assert_eq!(
        pg.count("SELECT COUNT(*) FROM byok_events WHERE status = 'ok'"),
        6
    );
    assert_eq!(
        pg.count("SELECT COUNT(*) FROM byok_events WHERE status = 'reserved'"),
        0
    );
    assert_eq!(
        pg.count("SELECT SUM(input_tokens + output_tokens)::BIGINT FROM byok_daily"),
        (6 * RESERVED) as i64
    );
    for (_, out) in &outcomes {
        assert!(!out.contains(&pg.password), "the password was printed");
    }
}

#[test]
#[ignore = "needs PostgreSQL: apt install postgresql"]
fn twenty_first_runs_on_an_empty_database_all_succeed_with_one_schema() {
    let pg = Postgres::start();
    let fake = exact_fake();
    let home = machine(
        &fake,
        &pg.url(),
        "[budgets]\nmonthly_tokens = { openai = 100000000 }\n",
    );
    let runs: Vec<(&Home, &[&str])> = (0..20).map(|_| (&home, RUN)).collect();
    for (code, out) in concurrently(&runs) {
        assert_eq!(code, 0, "{out}");
    }
    assert_eq!(fake.requests().len(), 20);
    assert_eq!(pg.count("SELECT COUNT(*) FROM byok_schema"), 1);
    assert_eq!(
        pg.count("SELECT COUNT(*) FROM byok_events WHERE status = 'ok'"),
        20
    );
    assert_eq!(pg.count("SELECT SUM(calls)::BIGINT FROM byok_daily"), 20);
}

#[test]
#[ignore = "needs PostgreSQL: apt install postgresql"]
fn a_server_away_refuses_budgeted_calls_and_keeps_the_others_until_it_is_back() {
    let pg = Postgres::start();
    let fake = exact_fake();
    let home = machine(&fake, &pg.url(), "");
    std::fs::write(
        home.file("profiles/capped.toml"),
        "[budgets]\nmonthly_tokens = { openai = 100000 }\n",
    )
    .unwrap();
    let capped: Vec<&str> = ["--profile", "capped"].iter().chain(RUN).copied().collect();
    home.cmd().args(RUN).assert().success();
    assert_eq!(pg.count("SELECT COUNT(*) FROM byok_events"), 1);

    pg.stop_server();
    let out = home.cmd().args(&capped).assert().code(5);
    let err = stderr(&out);
    assert!(err.contains("could not be checked"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    assert!(err.contains("***"), "the URL is shown masked: {err}");
    assert!(!err.contains(&pg.password), "{err}");
    assert_eq!(fake.requests().len(), 1, "the refused call was not sent");

    // No budget applies: the call goes ahead and its row waits in the local ledger.
    let out = home.cmd().args(RUN).assert().success();
    assert_eq!(stdout(&out), "ok\n");
    assert_eq!(fake.requests().len(), 2);
    let local = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
    let pending: i64 = local
        .query_row("SELECT COUNT(*) FROM events WHERE pending = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(pending, 1);

    // Back: the next command that reaches the server uploads it, once.
    pg.start_server();
    home.cmd().args(["usage"]).assert().success();
    assert_eq!(
        pg.count("SELECT COUNT(*) FROM byok_events WHERE status = 'ok'"),
        2
    );
    let out = home.cmd().args(["ledger", "sync"]).assert().success();
    assert!(stdout(&out).starts_with("0 rows"), "{}", stdout(&out));
    assert_eq!(pg.count("SELECT COUNT(*) FROM byok_events"), 2);

    // And `byok ledger sync` does it on demand.
    pg.stop_server();
    home.cmd().args(RUN).assert().success();
    pg.start_server();
    let out = home.cmd().args(["ledger", "sync"]).assert().success();
    assert!(stdout(&out).starts_with("1 row "), "{}", stdout(&out));
    assert_eq!(pg.count("SELECT COUNT(*) FROM byok_events"), 3);
    assert_eq!(pg.count("SELECT SUM(calls)::BIGINT FROM byok_daily"), 3);
    assert!(home.files_containing(&pg.password).is_empty());
}

#[test]
#[ignore = "needs PostgreSQL: apt install postgresql"]
fn usage_by_user_host_and_provider_agree_with_the_rows_and_the_password_shows_nowhere() {
    let pg = Postgres::start();
    let fake = exact_fake();
    // The password from .pgpass: the URL holds none.
    let home = machine(&fake, &pg.url_without_password(), "");
    let pgpass = home.file(".pgpass");
    std::fs::write(
        &pgpass,
        format!("127.0.0.1:{}:byok:byok:{}\n", pg.port, pg.password),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut printed = String::new();
    for _ in 0..3 {
        let out = home.cmd().args(RUN).assert().success();
        printed.push_str(&stdout(&out));
        printed.push_str(&stderr(&out));
    }
    let mut by = |group: &str| {
        let out = home
            .cmd()
            .args(["--json", "usage", "--by", group])
            .assert()
            .success();
        printed.push_str(&stdout(&out));
        printed.push_str(&stderr(&out));
        let rows = json(&out)["rows"].as_array().unwrap().clone();
        rows.iter()
            .map(|r| {
                (
                    r["group"].as_str().unwrap().to_string(),
                    r["calls"].as_i64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let from_rows = |column: &str| {
        pg.client()
            .query(
                &format!(
                    "SELECT {column}, COUNT(*) FROM byok_events WHERE kind = 'call' GROUP BY 1 ORDER BY 1"
                ),
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
            .collect::<Vec<_>>()
    };
    assert_eq!(by("user"), from_rows("os_user"));
    assert_eq!(by("host"), from_rows("host"));
    assert_eq!(by("provider"), from_rows("provider"));
    assert_eq!(by("provider"), vec![("openai".to_string(), 3)]);

    // status names the shared ledger, masked, and the password is nowhere.
    let out = home.cmd().args(["--json", "status"]).assert().success();
    assert_eq!(
        json(&out)["ledger"],
        serde_json::json!(pg.url_without_password())
    );
    let with_password = machine(&fake, &pg.url(), "");
    let out = with_password
        .cmd()
        .args(["--json", "status"])
        .assert()
        .success();
    let shown = json(&out)["ledger"].as_str().unwrap().to_string();
    assert_eq!(
        shown,
        format!("postgres://byok:***@127.0.0.1:{}/byok", pg.port)
    );
    printed.push_str(&stdout(&out));
    assert!(!printed.contains(&pg.password), "{printed}");
    std::fs::remove_file(&pgpass).unwrap();
    assert!(home.files_containing(&pg.password).is_empty());
    assert!(with_password.files_containing(&pg.password).is_empty());
}

#[test]
#[ignore = "needs PostgreSQL: apt install postgresql"]
fn a_password_file_others_can_read_is_ignored_and_a_profile_password_is_warned_about() {
    let pg = Postgres::start();
    let fake = exact_fake();
    let home = machine(
        &fake,
        &pg.url_without_password(),
        "[budgets]\nmonthly_tokens = { openai = 100000 }\n",
    );
    let pgpass = home.file(".pgpass");
    std::fs::write(&pgpass, format!("*:*:*:*:{}\n", pg.password)).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let out = home.cmd().args(RUN).assert().code(5);
    assert!(
        stderr(&out).contains("could not be checked"),
        "{}",
        stderr(&out)
    );

    // sslmode from the URL is honoured: this loopback server speaks no TLS.
    let strict = machine(
        &fake,
        &format!("{}?sslmode=require", pg.url()),
        "[budgets]\nmonthly_tokens = { openai = 100000 }\n",
    );
    let out = strict.cmd().args(RUN).assert().code(5);
    let err = stderr(&out);
    assert!(err.contains("TLS"), "{err}");
    assert!(!err.contains(&pg.password), "{err}");

    // A URL with its password in the profile works, with a warning.
    let mut inline = Home::with_identity();
    inline
        .env("OPENAI_API_KEY", OPENAI_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    std::fs::create_dir_all(inline.file("profiles")).unwrap();
    std::fs::write(
        inline.file("profiles/default.toml"),
        format!("[ledger]\nurl = \"{}\"\n", pg.url()),
    )
    .unwrap();
    let out = inline.cmd().args(RUN).assert().success();
    let err = stderr(&out);
    assert!(err.contains(".pgpass"), "{err}");
    assert!(!err.contains(&pg.password), "{err}");
    assert_eq!(pg.count("SELECT COUNT(*) FROM byok_events"), 1);
}

#[test]
#[ignore = "needs PostgreSQL: apt install postgresql"]
fn degraded_marks_are_shared_and_an_import_counts_each_row_once() {
    let pg = Postgres::start();
    let failing = Fake::openai(OPENAI_KEY, Answer::text(&["ok"]))
        .fail_with(support::wire_openai::server_error())
        .server();
    let a = machine(
        &failing,
        &pg.url(),
        "[health]\nfailures = 1\ncooldown_secs = 600\n",
    );
    let _ = a.cmd().args(RUN).assert().failure();
    assert_eq!(pg.count("SELECT COUNT(*) FROM byok_health"), 1);
    let fake = exact_fake();
    let b = machine(&fake, &pg.url(), "");
    let out = b.cmd().args(["--json", "status"]).assert().success();
    let providers = json(&out)["providers"].clone();
    let openai = providers
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider"] == "openai")
        .unwrap()
        .clone();
    assert!(
        openai["health"].as_str().unwrap().contains("degraded"),
        "{openai}"
    );

    // A machine's own SQLite ledger, imported: once, however often.
    let mut local = Home::with_identity();
    local
        .env("OPENAI_API_KEY", OPENAI_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    for _ in 0..2 {
        local.cmd().args(RUN).assert().success();
    }
    let before = pg.count("SELECT COUNT(*) FROM byok_events WHERE kind = 'call'");
    local.env("BYOK_LEDGER_URL", &pg.url());
    let out = local.cmd().args(["ledger", "import"]).assert().success();
    assert!(stdout(&out).starts_with("2 rows"), "{}", stdout(&out));
    let out = local.cmd().args(["ledger", "import"]).assert().success();
    assert!(stdout(&out).starts_with("0 rows"), "{}", stdout(&out));
    assert_eq!(
        pg.count("SELECT COUNT(*) FROM byok_events WHERE kind = 'call'"),
        before + 2
    );
    // The roll-up `usage` reads took the imported calls too, once.
    assert_eq!(
        pg.count("SELECT SUM(calls)::BIGINT FROM byok_daily"),
        pg.count("SELECT COUNT(*) FROM byok_events WHERE kind = 'call' AND status != 'reserved'")
    );
}

#[test]
#[ignore = "needs PostgreSQL: apt install postgresql"]
fn only_this_machines_dead_reservations_are_settled_as_abandoned() {
    let pg = Postgres::start();
    let fake = exact_fake();
    let home = machine(
        &fake,
        &pg.url(),
        "[budgets]\nmonthly_tokens = { openai = 100000 }\n",
    );
    home.cmd().args(RUN).assert().success();
    // Copy the real row's owner (this machine's host and boot) onto two reservations of
    // a process that is gone: one made here, one on another host.
    let mut c = pg.client();
    for host in ["(this host)", "another-runner"] {
        c.execute(
            "INSERT INTO byok_events (uid, at, month, day, kind, provider, model, status, input_tokens,
                output_tokens, owner_pid, owner_start, host, os_user)
             SELECT md5(random()::text), at, month, day, 'call', 'openai', 'gpt-4o-mini', 'reserved', 50,
                1000, 2147480000, owner_start, CASE WHEN $1 = '(this host)' THEN host ELSE $1 END, os_user
             FROM byok_events LIMIT 1",
            &[&host],
        )
        .unwrap();
    }
    home.cmd().args(RUN).assert().success();
    assert_eq!(
        pg.count("SELECT COUNT(*) FROM byok_events WHERE status = 'abandoned' AND host != 'another-runner'"),
        1
    );
    assert_eq!(
        pg.count(
            "SELECT COUNT(*) FROM byok_events WHERE status = 'reserved' AND host = 'another-runner'"
        ),
        1
    );
}

/// A stream that sends its first answer piece, then holds the rest for a minute (the
/// test ends it sooner by stopping byok).
fn stalling_stream(req: &support::fake::Request) -> support::fake::Reply {
    Fake::openai(
        OPENAI_KEY,
        Answer::text(&["first ", "second"]).usage(Usage::new(66, 2)),
    )
    .stall_after(1, std::time::Duration::from_secs(60))
    .reply_to(req)
}

/// Starts a streamed `byok run` and waits until its first answer piece is on stdout.
fn started_run(home: &Home) -> std::process::Child {
    use std::io::Read;
    let mut child = home
        .std_cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--max-tokens",
            "4096",
            "--no-stdin",
            "hi",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 6];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    assert_eq!(&first, b"first ");
    child
}

#[test]
#[ignore = "needs PostgreSQL: apt install postgresql"]
fn calls_stopped_or_killed_mid_stream_are_settled_as_on_sqlite() {
    let pg = Postgres::start();
    let fake = FakeServer::start(stalling_stream);
    let home = machine(
        &fake,
        &pg.url(),
        "[budgets]\nmonthly_tokens = { openai = 8000 }\n",
    );
    // SIGTERM: settled as interrupted with the usage that arrived.
    let mut child = started_run(&home);
    // SAFETY: signalling our own child, not yet waited for.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    assert_eq!(child.wait().unwrap().code(), Some(143));
    assert_eq!(
        pg.count("SELECT COUNT(*) FROM byok_events WHERE status = 'interrupted'"),
        1
    );
    // SIGKILL: the reservation (66 + 4,096 of the 8,000 cap) is stranded until the next
    // byok on this machine finds its process gone and settles it as abandoned.
    let mut child = started_run(&home);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        pg.count("SELECT COUNT(*) FROM byok_events WHERE status = 'reserved'"),
        1
    );
    let mut child = started_run(&home);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        pg.count("SELECT COUNT(*) FROM byok_events WHERE status = 'abandoned'"),
        1,
        "the second run could reserve only because the first's reservation was released"
    );
    home.cmd().args(["usage"]).assert().success();
    assert_eq!(
        pg.count("SELECT COUNT(*) FROM byok_events WHERE status = 'reserved'"),
        0
    );
    assert_eq!(pg.count("SELECT SUM(abandoned)::BIGINT FROM byok_daily"), 2);
}

#[test]
#[ignore = "needs PostgreSQL: apt install postgresql"]
fn a_server_lost_after_opening_keeps_an_unbudgeted_call_locally_until_it_is_back() {
    use byok::ledger::budget::{Reservation, Reserved};
    use byok::ledger::events::{CallRow, CallTag, Cost, CostSource, Settlement};
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let paths = byok::paths::Paths::at(dir.path());
    let profile = byok::profile::parse(
        &format!("[ledger]\nurl = \"{}\"\n", pg.url()),
        std::path::Path::new("p.toml"),
    )
    .unwrap();
    let ledger = byok::ledger::Ledger::open_with(&paths, &profile).unwrap();
    assert!(
        ledger
            .backend()
            .starts_with("postgres://byok:***@127.0.0.1")
    );
    let tag = CallTag::default();
    let reservation = || Reservation {
        row: CallRow {
            tag: &tag,
            provider: "openai",
            model: "gpt-4o-mini",
            key_label: None,
        },
        estimate: byok::vocab::Usage {
            input_tokens: 66,
            output_tokens: 100,
            ..Default::default()
        },
        est_usd: Some(0.001),
        prompt_usd: Some(0.0001),
        fit_floor: None,
    };

    pg.stop_server();
    let Reserved::Rows { ids, .. } = ledger.reserve(&profile, &[reservation()]).unwrap() else {
        panic!("no budget applies: the call is not refused");
    };
    ledger
        .settle(
            ids[0],
            &Settlement {
                status: "ok",
                error_class: None,
                usage: byok::vocab::Usage {
                    input_tokens: 66,
                    output_tokens: 7,
                    ..Default::default()
                },
                cost: Cost {
                    usd: Some(0.0002),
                    source: CostSource::PriceTable,
                },
                latency_ms: 5,
                ttft_ms: None,
                key_label: None,
            },
        )
        .unwrap();
    drop(ledger);

    pg.start_server();
    let ledger = byok::ledger::Ledger::open_with(&paths, &profile).unwrap();
    assert_eq!(
        ledger.sync().unwrap(),
        1,
        "uploaded when the ledger was opened"
    );
    assert_eq!(
        pg.count("SELECT COUNT(*) FROM byok_events WHERE status = 'ok' AND output_tokens = 7"),
        1
    );
}

/// `byok serve` on one machine writes into the shared ledger like `run` does: its calls
/// are rows under the client's name that another machine's `usage --by client` reads,
/// and a shared cap refuses its requests with a 429 before any reach the provider.
#[test]
#[ignore = "needs PostgreSQL: apt install postgresql"]
fn serve_records_into_the_shared_ledger_and_obeys_its_caps() {
    use std::io::{BufRead, BufReader};
    let pg = Postgres::start();
    let fake = exact_fake();
    let a = machine(
        &fake,
        &pg.url(),
        "[routes.fast]\nmodel = \"openai:gpt-4o-mini\"\n\n[routes.capped]\nmodel = \"openai:gpt-4o-mini\"\nmonthly_tokens = 1\n",
    );
    let b = machine(&fake, &pg.url(), "");
    let mut serve = a
        .std_cmd()
        .args(["serve", "-q", "--client", "agent"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut exports = std::collections::HashMap::new();
    for line in BufReader::new(serve.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some((k, v)) = line.strip_prefix("export ").and_then(|l| l.split_once('=')) {
            exports.insert(k.to_string(), v.trim_matches('\'').to_string());
        }
    }
    let base = &exports["OPENAI_BASE_URL"];
    let token = &exports["OPENAI_API_KEY"];
    let post = |model: &str| -> String {
        let out = std::process::Command::new("curl")
            .args(["-sS", "-w", "\n%{http_code}", "-H", "content-type: application/json"])
            .args(["-H", &format!("authorization: Bearer {token}")])
            .args([
                "-d",
                &format!(r#"{{"model":"{model}","max_tokens":100,"messages":[{{"role":"user","content":"hi"}}]}}"#),
                &format!("{base}/chat/completions"),
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    for _ in 0..3 {
        let out = post("fast");
        assert!(out.ends_with("\n200"), "{out}");
    }
    let refused = post("capped");
    assert!(refused.ends_with("\n429"), "{refused}");
    assert!(refused.contains("budget"), "{refused}");
    assert_eq!(
        fake.requests().len(),
        3,
        "the refused request reached no provider"
    );
    unsafe { libc::kill(serve.id() as i32, libc::SIGTERM) };
    assert!(serve.wait().unwrap().success());
    assert_eq!(
        pg.count("SELECT COUNT(*) FROM byok_events WHERE client = 'agent' AND status = 'ok'"),
        3
    );
    let usage = json(
        &b.cmd()
            .args(["--json", "usage", "--by", "client"])
            .assert()
            .success(),
    );
    let agent = usage["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["group"] == "agent")
        .unwrap_or_else(|| panic!("{usage}"));
    assert_eq!(agent["calls"], 3, "{usage}");
}
