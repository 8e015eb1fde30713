//! `byok models`: what each configured key can reach, read from the verify fake's model
//! lists (every page, in each provider's shape), every key at once, each model marked
//! with the routes that use it and whether the price table prices it; the exit codes and
//! the no-key error of `key verify`. Retries wait 1 ms here (BYOK_RETRY_BASE).

mod support;

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use support::byok::{Home, json, stderr, stdout};
use support::fake::{FakeServer, Reply};
use support::providers::{self, BAD_KEY, BOOM_KEY, GOOD_KEY};

const PROFILE: &str = r#"
[routes.classify]
model = "gemini:gemini-2.5-flash"
fallback = ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"]

[routes.default]
model = "openai:gpt-4o-mini"
fallback = ["openai:gpt-9"]
"#;

fn home_with_fake() -> (Home, FakeServer) {
    let mut home = Home::with_identity();
    home.env("BYOK_RETRY_BASE", "1ms");
    let fake = providers::start();
    providers::point_all(&mut home, &fake.url());
    let dir = home.file("profiles");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("default.toml"), PROFILE).unwrap();
    (home, fake)
}

fn row<'a>(rows: &'a Value, provider: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["provider"] == provider)
        .unwrap_or_else(|| panic!("no {provider} row in {rows}"))
}

fn names(row: &Value) -> Vec<String> {
    row["models"]
        .as_array()
        .unwrap_or_else(|| panic!("no models in {row}"))
        .iter()
        .map(|m| m["model"].as_str().unwrap().to_string())
        .collect()
}

fn model<'a>(row: &'a Value, name: &str) -> &'a Value {
    row["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == name)
        .unwrap_or_else(|| panic!("no {name} in {row}"))
}

#[test]
fn models_lists_every_page_of_every_key_with_routes_and_prices() {
    let (home, _fake) = home_with_fake();
    for p in ["openai", "anthropic", "gemini", "mistral", "openrouter"] {
        home.add_key(p, GOOD_KEY, &["--no-verify"]).success();
    }
    let out = home.cmd().args(["--json", "models"]).assert().success();
    let rows = json(&out);
    assert_eq!(rows.as_array().unwrap().len(), 5, "{rows}");

    let openai = row(&rows, "openai");
    assert_eq!(openai["label"], "default");
    assert_eq!(openai["source"], "vault");
    assert_eq!(openai["status"], "ok");
    assert!(openai["error"].is_null());
    assert_eq!(names(openai), ["gpt-4o", "gpt-4o-mini", "o3"]);
    assert_eq!(
        model(openai, "gpt-4o-mini"),
        &json!({"model": "gpt-4o-mini", "routes": ["classify", "default"], "priced": true})
    );
    assert_eq!(
        model(openai, "o3"),
        &json!({"model": "o3", "routes": [], "priced": true})
    );
    // Both pages; Gemini's `models/` prefix dropped, as a call names them.
    assert_eq!(
        names(row(&rows, "anthropic")),
        ["claude-haiku-4-5", "claude-opus-4-7", "claude-sonnet-4-6"]
    );
    assert_eq!(
        model(row(&rows, "anthropic"), "claude-haiku-4-5")["routes"],
        json!(["classify"])
    );
    let gemini = row(&rows, "gemini");
    assert_eq!(
        names(gemini),
        [
            "gemini-2.5-flash",
            "gemini-2.5-flash-lite",
            "gemini-2.5-pro"
        ]
    );
    assert_eq!(
        model(gemini, "gemini-2.5-flash")["routes"],
        json!(["classify"])
    );
    assert_eq!(
        names(row(&rows, "mistral")),
        ["mistral-large-latest", "mistral-small-latest"]
    );
    // OpenRouter's key is proven by /key, then its (public) list is read.
    let openrouter = row(&rows, "openrouter");
    assert_eq!(openrouter["status"], "ok");
    assert_eq!(
        model(openrouter, "meta-llama/llama-3.3-70b-instruct")["priced"],
        false
    );

    // A route model that no key lists is worth a warning: a run would fail there.
    let err = stderr(&out);
    assert!(
        err.contains("route `default` uses openai:gpt-9, which no openai key here lists"),
        "{err}"
    );

    // The table: one row per model, the marks in words.
    let out = home.cmd().args(["models", "openai"]).assert().success();
    let table = stdout(&out);
    let line = table
        .lines()
        .find(|l| l.contains("gpt-4o-mini"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(line.contains("routes: classify, default"), "{line}");
    assert!(line.contains("priced"), "{line}");
    assert!(
        !table.contains("anthropic"),
        "only the key asked for: {table}"
    );
}

#[test]
fn models_names_keys_by_label_and_lists_a_local_server_without_one() {
    let (home, fake) = home_with_fake();
    home.add_key("openai", GOOD_KEY, &["--no-verify", "--label", "work"])
        .success();
    let rows = json(
        &home
            .cmd()
            .args(["--json", "models", "openai/work", "ollama"])
            .assert()
            .success(),
    );
    assert_eq!(row(&rows, "openai")["label"], "work");
    let ollama = row(&rows, "ollama");
    assert!(ollama["label"].is_null(), "{ollama}");
    assert_eq!(names(ollama), ["llama3.2:latest", "qwen3:4b"]);
    assert_eq!(model(ollama, "qwen3:4b")["priced"], true, "local is free");
    let tags = fake
        .requests()
        .into_iter()
        .find(|r| r.path_only() == "/ollama/api/tags")
        .unwrap();
    assert!(tags.header("authorization").is_none());

    // Ollama alone never opens the vault: no identity needed.
    let mut bare = Home::new(support::byok::Unlock::Nothing);
    providers::point_all(&mut bare, &fake.url());
    bare.cmd().args(["models", "ollama"]).assert().success();
}

#[test]
fn models_exits_like_key_verify() {
    let (home, _fake) = home_with_fake();
    home.add_key("openai", BAD_KEY, &["--no-verify"]).success();
    home.add_key("gemini", BOOM_KEY, &["--no-verify"]).success();
    let out = home.cmd().args(["--json", "models"]).assert().code(4);
    let rows = json(&out);
    let openai = row(&rows, "openai");
    assert_eq!(openai["status"], "invalid");
    assert!(openai["models"].is_null());
    let error = openai["error"].as_str().unwrap();
    assert!(
        !error.contains(BAD_KEY),
        "the echoed key is redacted: {error}"
    );
    assert_eq!(row(&rows, "gemini")["status"], "error");
    assert!(
        stderr(&out).contains("openai (default): invalid"),
        "{}",
        stderr(&out)
    );

    // Only the one that could not be read: 6, after the retries.
    home.cmd().args(["models", "gemini"]).assert().code(6);
    // A key named that does not exist: 3, as `key verify`.
    let rows = json(
        &home
            .cmd()
            .args(["--json", "models", "mistral"])
            .assert()
            .code(3),
    );
    assert_eq!(row(&rows, "mistral")["status"], "missing");
}

#[test]
fn models_without_any_key_says_what_key_verify_says() {
    let home = Home::with_identity();
    let models = home.cmd().args(["models"]).assert().code(3);
    let verify = home.cmd().args(["key", "verify"]).assert().code(3);
    assert_eq!(stderr(&models), stderr(&verify));
    assert!(
        stderr(&models).contains("there are no keys"),
        "{}",
        stderr(&models)
    );
    assert!(
        stderr(&models).contains("byok key add"),
        "{}",
        stderr(&models)
    );
}

/// Every key is asked at once: each model-list request is answered only once both have
/// arrived, so asking one after the other would fail (a 400 after 10 s, not retried).
#[test]
fn models_asks_every_key_at_once() {
    let arrived = Arc::new((Mutex::new(0usize), Condvar::new()));
    let fake = FakeServer::start(move |req| {
        let (count, cv) = &*arrived;
        let mut n = count.lock().unwrap();
        *n += 1;
        cv.notify_all();
        let (n, timeout) = cv
            .wait_timeout_while(n, Duration::from_secs(10), |n| *n < 2)
            .unwrap();
        drop(n);
        if timeout.timed_out() {
            return Reply::json(400, json!({"error": {"message": "asked one at a time"}}));
        }
        let id = if req.path.starts_with("/a/") {
            "model-a"
        } else {
            "model-b"
        };
        Reply::json(200, json!({"data": [{"id": id}]}))
    });
    let mut home = Home::with_identity();
    home.env("BYOK_OPENAI_BASE_URL", &format!("{}/a", fake.url()))
        .env("BYOK_MISTRAL_BASE_URL", &format!("{}/b", fake.url()));
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    home.add_key("mistral", GOOD_KEY, &["--no-verify"])
        .success();
    let rows = json(&home.cmd().args(["--json", "models"]).assert().success());
    assert_eq!(names(row(&rows, "openai")), ["model-a"]);
    assert_eq!(names(row(&rows, "mistral")), ["model-b"]);
}
