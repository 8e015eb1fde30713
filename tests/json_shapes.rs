//! Every `--json` shape (README "JSON output") produced by the binary against loopback
//! fakes and held to its checked-in example in tests/json/: the same keys and the same
//! value types, recursively (an integer is not a decimal, null is not a string); values
//! that vary from run to run (latencies, paths, dates) are not compared. Every number
//! byok writes is a plain decimal: no exponent, no float noise.
//!
//! After a deliberate change of shape: `BYOK_REGENERATE=1 cargo test --test json_shapes`
//! rewrites the examples from what the binary printed; review the diff, and the README.

mod support;

use std::path::PathBuf;

use serde_json::Value;
use support::byok::{Home, json, stdout};
use support::fake::FakeServer;
use support::providers::{self, GOOD_KEY};
use support::wire::{Answer, Fake, Usage};

const OPENAI_KEY: &str = "sk-proj-shapes0123456789abcdefghijklmnopqrstuvwxyz";

fn example_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/json")
        .join(format!("{name}.json"))
}

/// The type of a JSON value, as the shape comparison sees it.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "decimal",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Where `actual` differs in shape from `expected`: missing or extra keys, other types,
/// arrays of another length (the fakes make every listing the same each time).
fn differences(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    if kind(expected) != kind(actual) {
        out.push(format!(
            "{path}: {} in the example, {} printed ({actual})",
            kind(expected),
            kind(actual)
        ));
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for k in e.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{path}.{k}: missing"));
            }
            for k in a.keys().filter(|k| !e.contains_key(*k)) {
                out.push(format!("{path}.{k}: not in the example"));
            }
            for (k, ev) in e {
                if let Some(av) = a.get(k) {
                    differences(&format!("{path}.{k}"), ev, av, out);
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                out.push(format!(
                    "{path}: {} entries in the example, {} printed",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                differences(&format!("{path}[{i}]"), ev, av, out);
            }
        }
        _ => {}
    }
}

/// The number literals of a JSON text (outside its strings).
fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut current = String::new();
    for c in text.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        let starts = c.is_ascii_digit() || c == '-';
        if starts || (!current.is_empty() && "+-.eE".contains(c)) {
            current.push(c);
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        in_string = c == '"';
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Checks what byok printed against the example `name` (or, with BYOK_REGENERATE, writes
/// it as the example, with the test's own paths and ports made generic).
fn check(name: &str, printed: &str, home: &Home, fakes: &[&FakeServer]) -> Value {
    for n in numbers(printed) {
        assert!(
            !n.contains(['e', 'E']),
            "{name}: {n} is written with an exponent:\n{printed}"
        );
        let significant = n
            .trim_start_matches('-')
            .replace('.', "")
            .trim_start_matches('0')
            .trim_end_matches('0')
            .len();
        assert!(
            significant <= 10,
            "{name}: {n} carries float noise:\n{printed}"
        );
    }
    let actual: Value = serde_json::from_str(printed)
        .unwrap_or_else(|e| panic!("{name}: stdout is not JSON ({e}):\n{printed}"));
    let path = example_path(name);
    if std::env::var_os("BYOK_REGENERATE").is_some() {
        let mut text = printed.replace(&home.path().display().to_string(), "/home/you/.byok");
        for f in fakes {
            text = text.replace(&f.url(), "http://127.0.0.1:8080");
        }
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        return actual;
    }
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    let mut diffs = Vec::new();
    differences(name, &expected, &actual, &mut diffs);
    assert!(
        diffs.is_empty(),
        "`{name}` no longer has the shape of {} (README \"JSON output\"):\n  {}\nprinted:\n{printed}",
        path.display(),
        diffs.join("\n  ")
    );
    actual
}

const PROFILE: &str = r#"[routes.default]
model = "openai:gpt-4o-mini"
fallback = ["ollama:llama3.2"]

[budgets]
monthly_tokens = { openai = 1_000_000 }
monthly_usd = { total = 5.0 }
"#;

fn write_profile(home: &Home) {
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(home.file("profiles/default.toml"), PROFILE).unwrap();
}

/// A home whose openai key is in the vault, whose profile has a route and budgets, and
/// whose openai answers through `fake`.
fn home_for(fake: &FakeServer) -> Home {
    let mut home = Home::with_identity();
    home.env("BYOK_RETRY_BASE", "1ms")
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()))
        .env("BYOK_OLLAMA_BASE_URL", "http://127.0.0.1:9")
        .env("GEMINI_API_KEY", "AIza-shapes-0123456789abcdefghij");
    write_profile(&home);
    home.add_key("openai", OPENAI_KEY, &["--no-verify"])
        .success();
    home
}

/// 47 tokens in and 9 out of gpt-4o-mini cost $0.00001245, which a float holds as
/// 1.2449999999999999e-05 or so: written as a plain decimal.
fn answer() -> Answer {
    Answer::text(&["Paris", " is the capital", " of France."]).usage(Usage::new(47, 9))
}

#[test]
fn run_usage_status_route_show_and_key_list() {
    let fake = Fake::openai(OPENAI_KEY, answer()).server();
    let home = home_for(&fake);

    let run = home
        .cmd()
        .args(["--json", "run", "-r", "default", "Capital of France?"])
        .assert()
        .success();
    let v = check("run", &stdout(&run), &home, &[&fake]);
    assert_eq!(v["text"], "Paris is the capital of France.");
    assert_eq!(v["error"], Value::Null);
    assert!(
        stdout(&run).contains("\"cost_usd\": 0.00001245,"),
        "{}",
        stdout(&run)
    );

    let usage = home.cmd().args(["--json", "usage"]).assert().success();
    let v = check("usage", &stdout(&usage), &home, &[&fake]);
    assert_eq!(v["totals"]["calls"], 1);
    assert!(stdout(&usage).contains("\"cost_usd\": 0.00001245"));

    let status = home.cmd().args(["--json", "status"]).assert().success();
    let v = check("status", &stdout(&status), &home, &[&fake]);
    let keys = |p: &str| {
        v["providers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["provider"] == p)
            .map(|r| r["keys"].clone())
    };
    assert_eq!(keys("openai"), Some(serde_json::json!(["vault:default"])));
    assert_eq!(
        keys("gemini"),
        Some(serde_json::json!(["env:GEMINI_API_KEY"]))
    );

    let show = home
        .cmd()
        .args(["--json", "route", "show", "default"])
        .assert()
        .success();
    check("route-show", &stdout(&show), &home, &[&fake]);

    let list = home
        .cmd()
        .args(["--json", "key", "list"])
        .assert()
        .success();
    check("key-list", &stdout(&list), &home, &[&fake]);
}

#[test]
fn a_cut_stream_still_prints_the_object_with_what_arrived_and_the_error() {
    let fake = Fake::openai(OPENAI_KEY, answer()).cut_after(2).server();
    let home = home_for(&fake);
    let out = home
        .cmd()
        .args(["--json", "run", "-m", "openai:gpt-4o-mini", "Capital?"])
        .assert()
        .code(6);
    let v = check("run-error", &stdout(&out), &home, &[&fake]);
    assert_eq!(v["text"], "Paris is the capital");
    assert_eq!(v["error"]["exit_code"], 6);
    assert!(v["error"]["hint"].is_string(), "{v:#}");
    assert_eq!(v["provider"], "openai");
    assert!(!v["attempts"].as_array().unwrap().is_empty(), "{v:#}");
    // stderr still says it as ever.
    let err = support::byok::stderr(&out);
    assert!(err.contains("error:") && err.contains("hint:"), "{err}");
}

#[test]
fn every_failed_run_prints_its_object_and_keeps_its_exit_code() {
    let fake = Fake::openai(OPENAI_KEY, answer()).server();
    let home = home_for(&fake);
    // A budget that cannot cover the call: refused before anything is sent (exit 5).
    std::fs::write(
        home.file("profiles/default.toml"),
        "[budgets]\nmonthly_tokens = { openai = 10 }\n",
    )
    .unwrap();
    let out = home
        .cmd()
        .args(["--json", "run", "-m", "openai:gpt-4o-mini", "Capital?"])
        .assert()
        .code(5);
    let v = json(&out);
    assert_eq!(v["text"], "");
    assert_eq!(v["error"]["exit_code"], 5, "{v:#}");
    assert!(v["attempts"].is_array(), "{v:#}");
    assert_eq!(fake.count("/v1/chat/completions"), 0);

    // No key for the provider: a configuration error (exit 3), nothing tried.
    let out = home
        .cmd()
        .args(["--json", "run", "-m", "mistral", "Capital?"])
        .assert()
        .code(3);
    let v = json(&out);
    assert_eq!(v["error"]["exit_code"], 3, "{v:#}");
    assert_eq!(v["provider"], Value::Null);
    assert_eq!(v["cost_usd"], 0.0);

    // The provider refuses the key (exit 4).
    let rejecting = Fake::openai("sk-another-key-0123456789abcdef", answer()).server();
    let home = home_for(&rejecting);
    std::fs::write(home.file("profiles/default.toml"), "").unwrap();
    let out = home
        .cmd()
        .args(["--json", "run", "-m", "openai:gpt-4o-mini", "Capital?"])
        .assert()
        .code(4);
    let v = json(&out);
    assert_eq!(v["error"]["exit_code"], 4, "{v:#}");
    assert_eq!(v["attempts"][0]["status"], "failed", "{v:#}");
}

#[test]
fn council_shares_the_answer_field_with_run() {
    // Two openai members and a mistral one, every model priced.
    let openai = Fake::openai(OPENAI_KEY, Answer::text(&["yes"]).usage(Usage::new(47, 9))).server();
    let mistral_key = "sk-mistral-0123456789abcdef";
    let mistral =
        Fake::openai(mistral_key, Answer::text(&["no"]).usage(Usage::new(47, 9))).server();
    let mut home = home_for(&openai);
    home.env("MISTRAL_API_KEY", mistral_key)
        .env("BYOK_MISTRAL_BASE_URL", &format!("{}/v1", mistral.url()));
    let out = home
        .cmd()
        .args([
            "--json",
            "council",
            "--mode",
            "majority",
            "--members",
            "openai:gpt-4o-mini,mistral:mistral-small-latest,openai:gpt-4o",
            "Is 7 prime?",
        ])
        .assert()
        .success();
    let v = check("council", &stdout(&out), &home, &[&openai, &mistral]);
    assert_eq!(v["text"], "yes");
    // The old name, kept for one release.
    assert_eq!(v["answer"], v["text"]);
    assert_eq!(v["error"], Value::Null);
    assert!(v["cost_usd"].is_f64(), "{v:#}");
}

#[test]
fn key_verify_and_models() {
    let mut home = Home::with_identity();
    home.env("BYOK_RETRY_BASE", "1ms");
    let fake = providers::start();
    providers::point_all(&mut home, &fake.url());
    write_profile(&home);
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    let verify = home
        .cmd()
        .args(["--json", "key", "verify"])
        .assert()
        .success();
    let v = check("key-verify", &stdout(&verify), &home, &[&fake]);
    assert_eq!(v[0]["status"], "ok");
    let models = home
        .cmd()
        .args(["--json", "models", "openai"])
        .assert()
        .success();
    let v = check("models", &stdout(&models), &home, &[&fake]);
    assert!(v[0]["models"].as_array().is_some_and(|m| !m.is_empty()));
}

#[test]
fn prices() {
    let home = Home::with_identity();
    let out = home
        .cmd()
        .args([
            "--json",
            "prices",
            "openai:gpt-4o-mini",
            "gemini:gemini-2.5-pro",
        ])
        .assert()
        .success();
    let v = check("prices", &stdout(&out), &home, &[]);
    assert!(
        stdout(&out).contains("\"input\": 0.15,"),
        "{}",
        stdout(&out)
    );
    assert!(v["prices"][1]["long_context"].is_object(), "{v:#}");
}

#[test]
fn guard() {
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", OPENAI_KEY);
    let text = format!("deploy with AKIAIOSFODNN7EXAMPLE\nand the key {OPENAI_KEY}\n");
    let out = home
        .cmd()
        .args(["--json", "guard"])
        .write_stdin(text)
        .assert()
        .code(8);
    let v = check("guard", &stdout(&out), &home, &[]);
    assert_eq!(v["refused"], true);
}

#[test]
fn serve() {
    use std::io::Read;
    let home = Home::with_identity();
    let mut child = home
        .std_cmd()
        .args(["--json", "serve", "-q"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // serve closes its stdout once it has said where it listens.
    let mut printed = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert!(child.wait().unwrap().success());
    let v = check("serve", &printed, &home, &[]);
    assert_eq!(printed.lines().count(), 1, "{printed}");
    assert_eq!(
        v["openai_base_url"].as_str().unwrap(),
        format!("{}/v1", v["anthropic_base_url"].as_str().unwrap())
    );
    assert!(v["token"].as_str().unwrap().starts_with("byok-"), "{v}");
}
