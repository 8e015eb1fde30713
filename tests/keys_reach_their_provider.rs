//! Each provider gets its own key and no other: every fake here refuses any key but the
//! one it was built with, in its own wire's header, so a key sent to the wrong provider
//! fails the call instead of passing unnoticed. A fallback chain across three providers,
//! a council of four, a route's `key = "work"`, and `byok exec` with two providers.

mod support;

use serde_json::Value;
use support::byok::{Home, json, printed, stderr, stdout};
use support::fake::FakeServer;
use support::wire::{Answer, Fake};
use support::wire_anthropic;
use support::wire_openai;

const OPENAI_KEY: &str = "sk-proj-keys-openai-0123456789abcdefABCD";
const ANTHROPIC_KEY: &str = "sk-ant-api03-keys-anthropic-0123456789abcd";
const ANTHROPIC_WORK_KEY: &str = "sk-ant-api03-keys-WORK-9876543210zyxwvuts";
const GEMINI_KEY: &str = "AIzaSyKEYS-gemini-0123456789abcdefghijk";
const OPENROUTER_KEY: &str = "sk-or-v1-keys-openrouter-0123456789abcdef";

/// Points `provider` at `fake`, under the path its wire hangs off the base URL.
fn point(home: &mut Home, provider: &str, fake: &FakeServer) {
    let url = fake.url();
    let base = match provider {
        "openai" | "mistral" => format!("{url}/v1"),
        "openrouter" => format!("{url}/api/v1"),
        "gemini" => format!("{url}/v1beta"),
        _ => url,
    };
    home.env(
        &format!("BYOK_{}_BASE_URL", provider.to_ascii_uppercase()),
        &base,
    );
}

fn write_profile(home: &Home, profile: &str) {
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(home.file("profiles/default.toml"), profile).unwrap();
}

/// `provider:status` of every attempt of a `--json run`.
fn attempts(v: &Value) -> Vec<String> {
    v["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| {
            format!(
                "{}:{}",
                a["provider"].as_str().unwrap(),
                a["status"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_fallback_chain_sends_each_candidate_its_own_key() {
    // The first two take their key, then fail with a retryable error; the third answers.
    let openai = Fake::openai(OPENAI_KEY, Answer::text(&["unused"]))
        .fail_with(wire_openai::server_error())
        .server();
    let anthropic = Fake::anthropic(ANTHROPIC_KEY, Answer::text(&["unused"]))
        .fail_with(wire_anthropic::error_reply(
            "overloaded_error",
            "Overloaded",
        ))
        .server();
    let gemini = Fake::gemini(GEMINI_KEY, Answer::text(&["from ", "gemini"])).server();

    let mut home = Home::with_identity();
    home.env("BYOK_RETRY_BASE", "1ms");
    point(&mut home, "openai", &openai);
    point(&mut home, "anthropic", &anthropic);
    point(&mut home, "gemini", &gemini);
    for (provider, key) in [
        ("openai", OPENAI_KEY),
        ("anthropic", ANTHROPIC_KEY),
        ("gemini", GEMINI_KEY),
    ] {
        home.add_key(provider, key, &["--no-verify"]).success();
    }
    write_profile(
        &home,
        "[routes.default]\nmodel = \"openai:gpt-4o-mini\"\n\
         fallback = [\"anthropic:claude-haiku-4-5\", \"gemini:gemini-2.5-flash\"]\n",
    );

    let a = home
        .cmd()
        .args(["--json", "run", "--no-stdin", "hi"])
        .assert()
        .success();
    let v = json(&a);
    assert_eq!(v["text"], "from gemini", "{v:#}");
    // A wrong key is refused at once and never retried: three tries each means each
    // provider took its key and then failed as the server it is.
    assert_eq!(
        attempts(&v),
        [
            "openai:failed",
            "openai:failed",
            "openai:failed",
            "anthropic:failed",
            "anthropic:failed",
            "anthropic:failed",
            "gemini:ok"
        ],
        "{v:#}"
    );
    for attempt in v["attempts"].as_array().unwrap() {
        let error = attempt["error"].as_str().unwrap_or("");
        assert!(
            !error.to_lowercase().contains("key"),
            "a key was refused: {attempt}"
        );
    }
    assert_eq!(openai.requests().len(), 3);
    assert_eq!(anthropic.requests().len(), 3);
    assert_eq!(gemini.requests().len(), 1);
}

#[test]
fn a_council_of_four_sends_each_member_its_own_key() {
    // Two keys from the vault, two from the environment.
    let openai = Fake::openai(OPENAI_KEY, Answer::text(&["yes"])).server();
    let anthropic = Fake::anthropic(ANTHROPIC_KEY, Answer::text(&["yes"])).server();
    let gemini = Fake::gemini(GEMINI_KEY, Answer::text(&["yes"])).server();
    let openrouter = Fake::openrouter(OPENROUTER_KEY, Answer::text(&["yes"])).server();

    let mut home = Home::with_identity();
    point(&mut home, "openai", &openai);
    point(&mut home, "anthropic", &anthropic);
    point(&mut home, "gemini", &gemini);
    point(&mut home, "openrouter", &openrouter);
    home.add_key("openai", OPENAI_KEY, &["--no-verify"])
        .success();
    home.add_key("anthropic", ANTHROPIC_KEY, &["--no-verify"])
        .success();
    home.env("GEMINI_API_KEY", GEMINI_KEY)
        .env("OPENROUTER_API_KEY", OPENROUTER_KEY);

    let members = "openai:gpt-4o-mini,anthropic:claude-haiku-4-5,gemini:gemini-2.5-flash,openrouter:openai/gpt-4o-mini";
    let a = home
        .cmd()
        .args([
            "--json",
            "council",
            "--mode",
            "strict",
            "--members",
            members,
            "--no-stdin",
            "Agreed?",
        ])
        .assert()
        .success();
    let v = json(&a);
    assert_eq!(v["answer"], "yes", "{v:#}");
    let statuses: Vec<&str> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["ok", "ok", "ok", "ok"], "{v:#}");
    for fake in [&openai, &anthropic, &gemini, &openrouter] {
        assert_eq!(fake.requests().len(), 1);
    }
}

#[test]
fn a_route_with_a_key_label_sends_that_key() {
    // The vault holds anthropic's `default` and `work` keys; the fake takes only `work`.
    let anthropic = Fake::anthropic(ANTHROPIC_WORK_KEY, Answer::text(&["from work"])).server();
    let mut home = Home::with_identity();
    point(&mut home, "anthropic", &anthropic);
    home.add_key("anthropic", ANTHROPIC_KEY, &["--no-verify"])
        .success();
    home.add_key(
        "anthropic",
        ANTHROPIC_WORK_KEY,
        &["--no-verify", "--label", "work"],
    )
    .success();
    write_profile(
        &home,
        "[routes.policy]\nmodel = \"anthropic:claude-haiku-4-5\"\nkey = \"work\"\nfallback = []\n",
    );

    let a = home
        .cmd()
        .args(["run", "-r", "policy", "--no-stdin", "hi"])
        .assert()
        .success();
    assert_eq!(printed(&a), "from work");

    // Without the route, the `default` key goes, and this provider refuses it.
    let a = home
        .cmd()
        .args([
            "run",
            "-m",
            "anthropic:claude-haiku-4-5",
            "--no-stdin",
            "hi",
        ])
        .assert()
        .code(4);
    assert!(!stderr(&a).contains(ANTHROPIC_KEY), "{}", stderr(&a));
    assert_eq!(anthropic.requests().len(), 2);
}

#[test]
fn exec_gives_the_command_exactly_the_two_right_keys() {
    let mut home = Home::with_identity();
    home.add_key("openai", OPENAI_KEY, &["--no-verify"])
        .success();
    home.add_key(
        "openai",
        "sk-proj-keys-openai-WORK-9876543210zyxwv",
        &["--no-verify", "--label", "work"],
    )
    .success();
    home.add_key("anthropic", ANTHROPIC_KEY, &["--no-verify"])
        .success();
    home.add_key("gemini", GEMINI_KEY, &["--no-verify"])
        .success();
    // The vault comes before the environment.
    home.env(
        "ANTHROPIC_API_KEY",
        "sk-ant-api03-keys-from-env-0123456789ab",
    );
    let a = home
        .cmd()
        .args([
            "exec",
            "--provider",
            "openai,anthropic",
            "--",
            "sh",
            "-c",
            "printf %s \"$OPENAI_API_KEY|$ANTHROPIC_API_KEY\"",
        ])
        .assert()
        .success();
    assert_eq!(stdout(&a), format!("{OPENAI_KEY}|{ANTHROPIC_KEY}"));
}

#[test]
fn key_label_chooses_the_vault_key_for_run_council_and_exec() {
    const OPENAI_WORK_KEY: &str = "sk-proj-keys-openai-WORK-9876543210zyxwv";
    let anthropic = Fake::anthropic(ANTHROPIC_WORK_KEY, Answer::text(&["from work"])).server();
    let openai = Fake::openai(OPENAI_WORK_KEY, Answer::text(&["from work"])).server();
    let mut home = Home::with_identity();
    point(&mut home, "anthropic", &anthropic);
    point(&mut home, "openai", &openai);
    home.add_key("anthropic", ANTHROPIC_KEY, &["--no-verify"])
        .success();
    for (provider, key) in [
        ("anthropic", ANTHROPIC_WORK_KEY),
        ("openai", OPENAI_WORK_KEY),
    ] {
        home.add_key(provider, key, &["--no-verify", "--label", "work"])
            .success();
    }
    let run = |args: &[&str]| home.cmd().args(args).assert();

    let a = run(&[
        "run",
        "-m",
        "anthropic:claude-haiku-4-5",
        "--key",
        "work",
        "--no-stdin",
        "hi",
    ])
    .success();
    assert_eq!(printed(&a), "from work");
    // Without --key the `default` key goes, and this provider refuses it.
    run(&[
        "run",
        "-m",
        "anthropic:claude-haiku-4-5",
        "--no-stdin",
        "hi",
    ])
    .code(4);

    let a = run(&[
        "council",
        "--members",
        "anthropic:claude-haiku-4-5,openai:gpt-4o-mini",
        "--key",
        "work",
        "--no-stdin",
        "hi",
    ])
    .success();
    assert_eq!(stdout(&a), "from work\n");

    let a = run(&[
        "exec",
        "--provider",
        "openai,anthropic",
        "--key",
        "work",
        "--",
        "sh",
        "-c",
        "printf %s \"$OPENAI_API_KEY|$ANTHROPIC_API_KEY\"",
    ])
    .success();
    assert_eq!(
        stdout(&a),
        format!("{OPENAI_WORK_KEY}|{ANTHROPIC_WORK_KEY}")
    );
}

#[test]
fn a_provider_with_only_labelled_keys_names_them_and_the_flag_to_use() {
    let openai = Fake::openai(OPENAI_KEY, Answer::text(&["from ci"])).server();
    let mut home = Home::with_identity();
    point(&mut home, "openai", &openai);
    home.add_key("openai", OPENAI_KEY, &["--no-verify", "--label", "ci"])
        .success();
    let a = home
        .cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "--no-stdin", "hi"])
        .assert()
        .code(3);
    let err = stderr(&a);
    assert!(
        err.contains("The vault holds one openai key, labelled `ci`."),
        "{err}"
    );
    assert!(err.contains("hint: choose one with --key ci"), "{err}");
    // The hinted flag works.
    let a = home
        .cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--key",
            "ci",
            "--no-stdin",
            "hi",
        ])
        .assert()
        .success();
    assert_eq!(printed(&a), "from ci");
    let a = home
        .cmd()
        .args(["exec", "--provider", "openai", "--", "true"])
        .assert()
        .code(3);
    assert!(
        stderr(&a).contains("hint: hand over one of them: --provider openai/ci  (or --key ci)"),
        "{}",
        stderr(&a)
    );
}
