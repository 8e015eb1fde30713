//! A provider that echoes the key back never gets it printed or stored (README "The vault"), on
//! every wire: Anthropic, Gemini and OpenRouter fakes quote the key they were sent (whole,
//! and a bare run from its middle) in a JSON error body, in a plain-text error body and,
//! OpenRouter, in an error event after some text. Neither the key nor any 12-character
//! run of it may appear on stdout, on stderr, in the `-v` trace, in `--json` output, or in
//! any text of any row of any table of the ledger.

mod support;

use support::byok::{Home, stderr, stdout};
use support::fake::{FakeServer, Reply};
use support::wire::{Answer, Failure, Fake};
use support::wire_anthropic;
use support::wire_gemini;

/// Keys long and random enough that any 12 characters of them are theirs alone.
const ANTHROPIC_KEY: &str = "sk-ant-api03-Zq7Vb3Nn8Kd2Lw5Rt9Hm4Xc6Pf1Gj0Yt5KsAA";
const GEMINI_KEY: &str = "AIzaSyQ7vB3nN8kD2lW5rT9hM4xC6pF1gJ0yT5k";
const OPENROUTER_KEY: &str = "sk-or-v1-7Wc4Pp9Ld3Mx6Su0In5Yd7Qg2Hk1Zu6Lt0123456789";

/// The shortest run of a key that must never be shown.
const RUN: usize = 12;

/// 14 characters from the middle of `key`: not shaped like a key on their own, so only
/// knowing the secret can catch them.
fn middle(key: &str) -> &str {
    let at = key.len() / 2 - 7;
    &key[at..at + 14]
}

/// What a provider says when it quotes the key back.
fn echo(key: &str) -> String {
    format!(
        "The key {key} is not allowed here (key id …{}…); check it.",
        middle(key)
    )
}

struct Case {
    what: &'static str,
    provider: &'static str,
    model: &'static str,
    key: &'static str,
    fake: FakeServer,
    /// What reaches stdout before the failure.
    printed: &'static str,
}

fn anthropic(what: &'static str, reply: Reply) -> Case {
    Case {
        what,
        provider: "anthropic",
        model: "anthropic:claude-haiku-4-5",
        key: ANTHROPIC_KEY,
        fake: Fake::anthropic(ANTHROPIC_KEY, Answer::text(&["never"]))
            .fail_with(reply)
            .server(),
        printed: "",
    }
}

fn gemini(what: &'static str, reply: Reply) -> Case {
    Case {
        what,
        provider: "gemini",
        model: "gemini:gemini-2.5-flash",
        key: GEMINI_KEY,
        fake: Fake::gemini(GEMINI_KEY, Answer::text(&["never"]))
            .fail_with(reply)
            .server(),
        printed: "",
    }
}

fn openrouter(what: &'static str, fake: Fake<support::wire_openai::OpenAi>) -> Case {
    Case {
        what,
        provider: "openrouter",
        model: "openrouter:meta-llama/llama-3.3-70b-instruct",
        key: OPENROUTER_KEY,
        fake: fake.server(),
        printed: "",
    }
}

fn cases() -> Vec<Case> {
    let or = |answer| Fake::openrouter(OPENROUTER_KEY, answer);
    vec![
        anthropic(
            "anthropic JSON body",
            wire_anthropic::error_reply("invalid_request_error", &echo(ANTHROPIC_KEY)),
        ),
        anthropic(
            "anthropic plain-text body",
            Reply::text(502, &format!("upstream proxy: {}", echo(ANTHROPIC_KEY))),
        ),
        gemini(
            "gemini JSON body",
            Reply::json(
                400,
                wire_gemini::error(400, "INVALID_ARGUMENT", &echo(GEMINI_KEY)),
            ),
        ),
        gemini(
            "gemini plain-text body",
            Reply::text(503, &format!("upstream proxy: {}", echo(GEMINI_KEY))),
        ),
        openrouter(
            "openrouter JSON body",
            or(Answer::text(&["never"])).fail_with(Reply::json(
                400,
                serde_json::json!({"error": {"message": echo(OPENROUTER_KEY), "code": 400}}),
            )),
        ),
        openrouter(
            "openrouter plain-text body",
            or(Answer::text(&["never"])).fail_with(Reply::text(
                502,
                &format!("upstream proxy: {}", echo(OPENROUTER_KEY)),
            )),
        ),
        Case {
            printed: "Half an answer",
            ..openrouter(
                "openrouter error event mid-stream",
                or(Answer::text(&["Half ", "an answer", ", never finished"]))
                    .error_after(2, Failure::new(502, "502", &echo(OPENROUTER_KEY))),
            )
        },
    ]
}

/// A home whose anthropic and openrouter keys are in the vault and gemini's in the
/// environment, each provider pointed at `fake`.
fn home_for(case: &Case) -> Home {
    let mut home = Home::with_identity();
    home.env("BYOK_RETRY_BASE", "1ms");
    let base = match case.provider {
        "openrouter" => format!("{}/api/v1", case.fake.url()),
        "gemini" => format!("{}/v1beta", case.fake.url()),
        _ => case.fake.url(),
    };
    home.env(
        &format!("BYOK_{}_BASE_URL", case.provider.to_ascii_uppercase()),
        &base,
    );
    if case.provider == "gemini" {
        home.env("GEMINI_API_KEY", case.key);
    } else {
        home.add_key(case.provider, case.key, &["--no-verify"])
            .success();
    }
    home
}

/// Every run of `RUN` characters of `key` found in `text`.
fn runs_of(key: &str, text: &str) -> Vec<String> {
    (0..=key.len() - RUN)
        .map(|i| &key[i..i + RUN])
        .filter(|run| text.contains(run))
        .map(str::to_string)
        .collect()
}

/// Every text value in every table of the ledger, with where it was found.
fn ledger_texts(home: &Home) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).expect("the ledger");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(tables.iter().any(|t| t == "events"), "{tables:?}");
    let mut texts = Vec::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns: Vec<String> = stmt.column_names().map(str::to_string).collect();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for (i, column) in columns.iter().enumerate() {
                let text = match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        String::from_utf8_lossy(t).into_owned()
                    }
                    _ => continue,
                };
                texts.push((format!("ledger {table}.{column}"), text));
            }
        }
    }
    texts
}

#[test]
fn a_key_echoed_back_is_shown_and_stored_nowhere_on_any_wire() {
    for case in cases() {
        let home = home_for(&case);
        let run = |global: &[&str], extra: &[&str]| {
            home.cmd()
                .args(global)
                .args(["run", "--no-stdin", "-m", case.model])
                .args(extra)
                .arg("hi")
                .assert()
                .failure()
        };
        let mut seen: Vec<(String, String)> = Vec::new();
        for (global, extra) in [
            (&[][..], &[][..]),
            (&["-v"][..], &[][..]),
            (&["-v"][..], &["--no-stream"][..]),
            (&["--json"][..], &[][..]),
            (&["--json", "-v"][..], &["--no-stream"][..]),
        ] {
            let a = run(global, extra);
            let how = format!("{global:?} {extra:?}");
            seen.push((format!("stdout of {how}"), stdout(&a)));
            seen.push((format!("stderr of {how}"), stderr(&a)));
        }
        // Not vacuous: the echo was printed, redacted.
        let plain = &seen[1].1;
        assert!(plain.contains("[REDACTED]"), "{}: {plain}", case.what);
        assert!(plain.contains(case.provider), "{}: {plain}", case.what);
        assert!(seen[0].1.starts_with(case.printed), "{}", case.what);
        seen.extend(ledger_texts(&home));
        for (place, text) in &seen {
            assert_eq!(
                runs_of(case.key, text),
                Vec::<String>::new(),
                "{}: the key is in {place}: {text}",
                case.what
            );
        }
    }
}
