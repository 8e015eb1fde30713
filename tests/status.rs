//! `byok status` tells what is set up without prompting, unlocking or calling anything.

mod support;

use support::byok::{Home, Unlock, json, stdout};

#[test]
fn status_reports_vault_keyring_profile_health_and_budgets_without_unlocking() {
    let owner = Home::with_passphrase("pw");
    owner
        .add_key("anthropic", "sk-ant-status-0123456789", &["--no-verify"])
        .success();
    owner
        .add_key(
            "openai",
            "sk-openai-status-0123456789",
            &["--no-verify", "--label", "work"],
        )
        .success();
    std::fs::create_dir_all(owner.file("profiles")).unwrap();
    std::fs::write(
        owner.file("profiles/default.toml"),
        "[routes.default]\nmodel = \"anthropic:claude-haiku-4-5\"\n[budgets]\nmonthly_usd = { total = 5.0 }\n",
    )
    .unwrap();

    // No passphrase, no keyring, no terminal: status still answers.
    let mut home = Home::new(Unlock::Nothing);
    home.env("BYOK_HOME", owner.path().to_str().unwrap())
        .env("GEMINI_API_KEY", "AIza-status-0123456789abcdef");
    let s = json(&home.cmd().args(["--json", "status"]).assert().success());
    assert_eq!(s["vault"]["exists"], true);
    assert_eq!(s["vault"]["unlock"], "passphrase");
    assert_eq!(s["vault"]["keys"], 2);
    assert_eq!(s["keyring"]["status"], "off");
    assert_eq!(s["profile"]["name"], "default");
    assert_eq!(s["profile"]["routes"][0], "default");
    let providers: Vec<(String, Vec<String>)> = s["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["provider"].as_str().unwrap().to_string(),
                p["keys"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    assert!(
        providers.contains(&("openai".into(), vec!["vault:work".into()])),
        "{providers:?}"
    );
    assert!(
        providers.contains(&("gemini".into(), vec!["env:GEMINI_API_KEY".into()])),
        "{providers:?}"
    );
    assert_eq!(s["budgets"][0]["scope"], "total");
    assert_eq!(s["budgets"][0]["left"], 5.0);

    let text = stdout(&home.cmd().arg("status").assert().success());
    assert!(
        text.contains("unlocked by passphrase, 2 keys") && text.contains("BYOK_KEYRING=off"),
        "{text}"
    );
}

#[test]
fn status_with_nothing_set_up_says_what_to_do() {
    let home = Home::new(Unlock::Nothing);
    let text = stdout(&home.cmd().arg("status").assert().success());
    assert!(
        text.contains("not created yet: byok key add <provider>"),
        "{text}"
    );
}
