//! `byok exec --proxy` (README "Give a tool your keys without giving it your keys"): the
//! command gets a byok serve on loopback (base URLs and a token) and no real key; its
//! calls are recorded under its name; its exit status is byok's.

mod support;

use serde_json::Value;
use support::byok::{Home, json, stderr};
use support::wire::{Answer, Fake, Usage};

const OPENAI_KEY: &str = "sk-proj-proxy0123456789abcdefghijklmnopqrstuvwxyzAB";

#[test]
fn the_command_gets_the_token_not_the_key_and_its_calls_carry_its_name() {
    let fake = Fake::openai(
        OPENAI_KEY,
        Answer::text(&["Paris"]).usage(Usage::new(12, 3)),
    )
    .server();
    let mut home = Home::with_identity();
    home.env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()))
        // A key exported in the caller's shell does not reach the command either.
        .env("OPENAI_API_KEY", OPENAI_KEY);
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(
        home.file("profiles/default.toml"),
        "[routes.fast]\nmodel = \"openai:gpt-4o-mini\"\n",
    )
    .unwrap();
    home.add_key("openai", OPENAI_KEY, &["--no-verify"])
        .success();
    let env_file = home.file("child-env");
    let answer_file = home.file("child-answer");
    let script = format!(
        r#"env > '{env}'
curl -s "$OPENAI_BASE_URL/chat/completions" -H "Authorization: Bearer $OPENAI_API_KEY" \
  -d '{{"model": "gpt-4o", "messages": [{{"role": "user", "content": "Capital of France?"}}]}}' > '{answer}'
exit 7"#,
        env = env_file.display(),
        answer = answer_file.display()
    );
    let a = home
        .cmd()
        .args([
            "exec", "--proxy", "--route", "fast", "--", "sh", "-c", &script,
        ])
        .assert()
        .code(7);
    assert!(!stderr(&a).contains(OPENAI_KEY));

    let env = std::fs::read_to_string(&env_file).unwrap();
    assert!(
        !env.contains(OPENAI_KEY),
        "the real key reached the command"
    );
    assert!(!env.contains("BYOK_IDENTITY"), "{env}");
    let var = |name: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name}: {env}"))
            .to_string()
    };
    let token = var("OPENAI_API_KEY");
    assert!(token.starts_with("byok-") && token.len() == 69, "{token}");
    assert_eq!(var("ANTHROPIC_API_KEY"), token);
    let base = var("ANTHROPIC_BASE_URL");
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert_eq!(var("OPENAI_BASE_URL"), format!("{base}/v1"));
    assert_eq!(var("OPENAI_API_BASE"), format!("{base}/v1"));

    let answer: Value =
        serde_json::from_str(&std::fs::read_to_string(&answer_file).unwrap()).unwrap();
    assert_eq!(answer["choices"][0]["message"]["content"], "Paris");
    // The model the command named is no route: --route serves it.
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent.body_json()["model"], "gpt-4o-mini");
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {OPENAI_KEY}").as_str())
    );

    let usage = json(
        &home
            .cmd()
            .args(["--json", "usage", "--by", "client"])
            .assert()
            .success(),
    );
    assert_eq!(usage["rows"][0]["group"], "sh", "{usage:#}");
    assert_eq!(usage["rows"][0]["input_tokens"], 12);
    // The server is gone with the command.
    let status = json(&home.cmd().args(["--json", "status"]).assert().success());
    assert_eq!(status["serve"], serde_json::json!([]));
}

#[test]
fn a_signal_that_ends_the_command_is_its_exit_status() {
    let home = Home::with_identity();
    home.cmd()
        .args(["exec", "--proxy", "--", "sh", "-c", "kill -TERM $$"])
        .assert()
        .code(128 + 15);
    home.cmd()
        .args(["exec", "--proxy", "--", "true"])
        .assert()
        .success();
}
