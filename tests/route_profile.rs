//! `byok route set | list | show | rm` and `byok profile list | show | use` as a user
//! meets them: format-preserving edits, refusals with the lists to pick from, malformed
//! profiles with file:line:column, `route show` without touching the vault or keyring,
//! and the profile precedence `--profile` > BYOK_PROFILE > `profile use` > `default`.

mod support;

use serde_json::json;
use support::byok::{Home, Unlock, json, stderr, stdout};

fn home() -> Home {
    Home::new(Unlock::Nothing)
}

fn read(home: &Home, name: &str) -> String {
    std::fs::read_to_string(home.file(name)).unwrap()
}

fn write(home: &Home, name: &str, text: &str) {
    let path = home.file(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const COMMENTED: &str = r#"# Team profile: reviewed in PR #12
allow = ["anthropic", "openai", "gemini", "ollama"]   # provider allowlist

# The everyday route
[routes.default]
model = "openai:gpt-4o-mini"      # cheap and good enough
fallback = [
  "anthropic:claude-haiku-4-5",
  "ollama:llama3.2",
]

[routes.policy]
# sensitive: never leaves Anthropic
model = "anthropic:claude-sonnet-4-5"
key = "work"                      # vault label to use
fallback = []

[budgets]                         # calendar month, hard caps
monthly_tokens = { openai = 2_000_000, anthropic = 1_000_000 }

[prices."openai:gpt-4o-mini"]     # our negotiated price
input = 0.1
output = 0.5
# end of file
"#;

#[test]
fn route_set_creates_the_profile_and_route_list_shows_it() {
    let home = home();
    let set = home
        .cmd()
        .args([
            "route",
            "set",
            "classify",
            "gemini:gemini-2.5-flash",
            "--fallback",
            "openai:gpt-4o-mini",
            "--fallback",
            "ollama:llama3.2",
        ])
        .assert()
        .success();
    assert!(
        stderr(&set).contains(
            "route classify → gemini:gemini-2.5-flash, then openai:gpt-4o-mini, ollama:llama3.2"
        ),
        "{}",
        stderr(&set)
    );
    assert!(stderr(&set).contains("profiles/default.toml"));
    assert_eq!(stdout(&set), "", "only --json writes to stdout");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p| {
            std::fs::metadata(home.file(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("profiles/default.toml"), 0o600);
        assert_eq!(mode("profiles"), 0o700);
    }

    let policy = home
        .cmd()
        .args([
            "--json",
            "route",
            "set",
            "policy",
            "anthropic:claude-sonnet-4-6",
            "--key",
            "work",
        ])
        .assert()
        .success();
    let printed = json(&policy);
    assert_eq!(printed["route"], "policy");
    assert_eq!(printed["key"], "work");
    assert_eq!(printed["fallback"], json!([]));
    assert_eq!(printed["profile"], "default");

    let list = home
        .cmd()
        .args(["--json", "route", "list"])
        .assert()
        .success();
    assert_eq!(
        json(&list),
        json!([
            {"route": "classify", "model": "gemini:gemini-2.5-flash",
             "fallback": ["openai:gpt-4o-mini", "ollama:llama3.2"], "key": null},
            {"route": "policy", "model": "anthropic:claude-sonnet-4-6", "fallback": [], "key": "work"},
        ])
    );
    let table = home.cmd().args(["route", "list"]).assert().success();
    let table = stdout(&table);
    for want in [
        "classify",
        "gemini:gemini-2.5-flash",
        "openai:gpt-4o-mini, ollama:llama3.2",
        "work",
    ] {
        assert!(table.contains(want), "{want} missing from\n{table}");
    }
}

#[test]
fn route_list_with_no_routes_hints_how_to_add_one() {
    let home = home();
    let out = home.cmd().args(["route", "list"]).assert().success();
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("byok route set"), "{}", stderr(&out));
    let out = home
        .cmd()
        .args(["--json", "route", "list"])
        .assert()
        .success();
    assert_eq!(json(&out), json!([]));
    assert!(!home.file("profiles").exists(), "listing writes nothing");
}

#[test]
fn route_set_keeps_every_comment_and_the_order_of_other_tables() {
    let home = home();
    write(&home, "profiles/default.toml", COMMENTED);
    // A new route, a replaced model, and a replaced fallback list.
    home.cmd()
        .args([
            "route",
            "set",
            "classify",
            "gemini:gemini-2.5-flash",
            "--fallback",
            "ollama:llama3.2",
        ])
        .assert()
        .success();
    home.cmd()
        .args(["route", "set", "policy", "anthropic:claude-sonnet-4-6"])
        .assert()
        .success();
    home.cmd()
        .args([
            "route",
            "set",
            "default",
            "openai:gpt-4o",
            "--fallback",
            "anthropic:claude-haiku-4-5",
            "--fallback",
            "gemini:gemini-2.5-flash",
        ])
        .assert()
        .success();
    let expected = r#"# Team profile: reviewed in PR #12
allow = ["anthropic", "openai", "gemini", "ollama"]   # provider allowlist

# The everyday route
[routes.default]
model = "openai:gpt-4o"      # cheap and good enough
fallback = [
  "anthropic:claude-haiku-4-5",
  "gemini:gemini-2.5-flash",
]

[routes.policy]
# sensitive: never leaves Anthropic
model = "anthropic:claude-sonnet-4-6"
key = "work"                      # vault label to use
fallback = []

[routes.classify]
model = "gemini:gemini-2.5-flash"
fallback = ["ollama:llama3.2"]

[budgets]                         # calendar month, hard caps
monthly_tokens = { openai = 2_000_000, anthropic = 1_000_000 }

[prices."openai:gpt-4o-mini"]     # our negotiated price
input = 0.1
output = 0.5
# end of file
"#;
    assert_eq!(read(&home, "profiles/default.toml"), expected);

    // Without --key the label stays; --key '' removes it.
    home.cmd()
        .args([
            "route",
            "set",
            "policy",
            "anthropic:claude-sonnet-4-6",
            "--key",
            "",
        ])
        .assert()
        .success();
    assert!(!read(&home, "profiles/default.toml").contains("key = \"work\""));
}

#[test]
fn unknown_and_disallowed_providers_are_refused_with_the_lists() {
    let home = home();
    let profile = format!(
        "{COMMENTED}\n[providers.corp]\nkind = \"openai\"\nbase_url = \"https://llm.corp.example/v1\"\nkey_env = \"CORP_KEY\"\n"
    );
    write(&home, "profiles/default.toml", &profile);

    let unknown = home
        .cmd()
        .args(["route", "set", "x", "opena:gpt-4o"])
        .assert()
        .code(3);
    let err = stderr(&unknown);
    assert!(err.contains("`opena` is not a provider"), "{err}");
    for known in ["anthropic", "openai", "gemini", "ollama", "vllm", "corp"] {
        assert!(err.contains(known), "{known} not listed: {err}");
    }

    let fallback = home
        .cmd()
        .args([
            "route",
            "set",
            "x",
            "openai:gpt-4o",
            "--fallback",
            "mistral:mistral-small-latest",
        ])
        .assert()
        .code(3);
    let err = stderr(&fallback);
    assert!(err.contains("mistral is not in the allowlist"), "{err}");
    assert!(
        err.contains("allowed: anthropic, openai, gemini, ollama"),
        "{err}"
    );

    assert_eq!(
        read(&home, "profiles/default.toml"),
        profile,
        "a refused edit writes nothing"
    );

    // Not PROVIDER:MODEL, a bad route name, a bad label: usage errors.
    home.cmd()
        .args(["route", "set", "x", "gpt-4o"])
        .assert()
        .code(2);
    home.cmd()
        .args(["route", "set", "bad name", "openai:gpt-4o"])
        .assert()
        .code(2);
    home.cmd()
        .args(["route", "set", "x", "openai:gpt-4o", "--key", "a b"])
        .assert()
        .code(2);
}

#[test]
fn a_malformed_profile_is_exit_3_with_file_line_and_column() {
    let home = home();
    let broken = "[routes.default]\nmodel = \"openai:gpt-4o\"\nfallback = [\"x\"\n";
    write(&home, "profiles/default.toml", broken);
    for args in [
        &["route", "list"][..],
        &["route", "show", "default"],
        &["route", "set", "y", "openai:gpt-4o"],
        &["route", "rm", "default"],
        &["profile", "show"],
    ] {
        let out = home.cmd().args(args).assert().code(3);
        assert!(
            stderr(&out).contains("profiles/default.toml:3:16"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(
        read(&home, "profiles/default.toml"),
        broken,
        "never rewritten"
    );

    // A semantic error points at the value too.
    write(
        &home,
        "profiles/default.toml",
        "[routes.default]\nmodel = \"opena:gpt-4o\"\n",
    );
    let out = home.cmd().args(["profile", "show"]).assert().code(3);
    assert!(
        stderr(&out).contains("profiles/default.toml:2:10"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("`opena` is not a known provider"));
}

/// A vault holding an openai key (default label), then every later command run with no
/// identity, no passphrase and BYOK_KEYRING=off: `route show` must not need them.
fn home_with_vault_key() -> Home {
    let mut home = Home::with_identity();
    home.add_key("openai", "sk-test-route-show-0123456789", &["--no-verify"])
        .success();
    home.unlock = Unlock::Nothing;
    home.env("GEMINI_API_KEY", "gm-test-route-show");
    write(
        &home,
        "profiles/default.toml",
        r#"allow = ["openai", "gemini", "anthropic", "ollama"]

[routes.chain]
model = "anthropic:claude-haiku-4-5"
fallback = ["mistral:mistral-small-latest", "gemini:gemini-2.5-flash", "openai:gpt-4o-mini", "ollama:llama3.2"]

[routes.work]
model = "openai:gpt-4o-mini"
key = "work"
fallback = ["gemini:gemini-2.5-flash"]
"#,
    );
    home
}

#[test]
fn route_show_explains_the_chain_without_unlocking_anything() {
    let home = home_with_vault_key();
    // The vault is locked for this environment: commands that need it fail.
    home.cmd().args(["key", "list"]).assert().code(3);

    let out = home
        .cmd()
        .args(["--json", "route", "show", "chain"])
        .assert()
        .success();
    let v = json(&out);
    let c = v["candidates"].as_array().unwrap();
    let row = |i: usize| {
        (
            c[i]["provider"].as_str().unwrap().to_string(),
            c[i]["allowed"].as_bool().unwrap(),
            c[i]["key"].as_str().unwrap().to_string(),
            c[i]["usable"].as_bool().unwrap(),
        )
    };
    assert_eq!(row(0), ("anthropic".into(), true, "missing".into(), false));
    assert_eq!(row(1), ("mistral".into(), false, "missing".into(), false));
    assert_eq!(
        row(2),
        ("gemini".into(), true, "env:GEMINI_API_KEY".into(), true)
    );
    assert_eq!(
        row(3),
        ("openai".into(), true, "vault:default".into(), true)
    );
    assert_eq!(row(4), ("ollama".into(), true, "not needed".into(), true));
    assert_eq!(c[0]["health"], "ok");
    assert_eq!(c[3]["price"], json!({"input": 0.15, "output": 0.6}));
    assert_eq!(c[4]["price"], json!({"input": 0.0, "output": 0.0}));
    assert!(
        c[1]["skip_reason"]
            .as_str()
            .unwrap()
            .contains("not in the allowlist")
    );
    assert!(
        c[0]["skip_reason"]
            .as_str()
            .unwrap()
            .contains("byok key add anthropic")
    );
    assert_eq!(v["would_use"], "gemini:gemini-2.5-flash");
    assert_eq!(
        v["order"],
        json!([
            "gemini:gemini-2.5-flash",
            "openai:gpt-4o-mini",
            "ollama:llama3.2"
        ])
    );
    let verdict = stderr(&out);
    assert!(
        verdict.contains("would call gemini:gemini-2.5-flash first"),
        "{verdict}"
    );
    assert!(
        verdict.contains("skips anthropic:claude-haiku-4-5"),
        "{verdict}"
    );

    // The table on stdout.
    let out = home
        .cmd()
        .args(["route", "show", "chain"])
        .assert()
        .success();
    let table = stdout(&out);
    for want in [
        "vault:default",
        "env:GEMINI_API_KEY",
        "not needed",
        "missing",
        "$0.15 / $0.60",
        "$0 / $0",
    ] {
        assert!(table.contains(want), "{want} missing from\n{table}");
    }
}

#[test]
fn route_show_honours_the_route_key_label_and_health() {
    let mut home = home_with_vault_key();
    home.env("OPENAI_API_KEY", "sk-env-is-ignored-for-a-labelled-route");
    // The label `work` is not in the vault, and a labelled route never uses env keys.
    let out = home
        .cmd()
        .args(["--json", "route", "show", "work"])
        .assert()
        .success();
    let v = json(&out);
    assert_eq!(v["key_label"], "work");
    assert_eq!(v["candidates"][0]["key"], "missing");
    assert!(
        v["candidates"][0]["skip_reason"]
            .as_str()
            .unwrap()
            .contains("byok key add openai --label work")
    );
    assert_eq!(v["candidates"][1]["key"], "missing");
    assert_eq!(v["would_use"], serde_json::Value::Null);
    assert!(
        stderr(&out).contains("no candidate of route `work` is usable"),
        "{}",
        stderr(&out)
    );

    // gemini fails twice: degraded, so a run skips it while openai and ollama are healthy.
    let ledger = byok::ledger::Ledger::open(&byok::paths::Paths::at(home.path())).unwrap();
    ledger.record_failure("gemini", "500", 2, 60.0).unwrap();
    ledger.record_failure("gemini", "500", 2, 60.0).unwrap();
    drop(ledger);
    let out = home
        .cmd()
        .args(["--json", "route", "show", "chain"])
        .assert()
        .success();
    let v = json(&out);
    assert_eq!(v["candidates"][2]["degraded"], true);
    assert!(
        v["candidates"][2]["health"]
            .as_str()
            .unwrap()
            .starts_with("degraded")
    );
    assert_eq!(v["would_use"], "openai:gpt-4o-mini");
    assert_eq!(v["order"], json!(["openai:gpt-4o-mini", "ollama:llama3.2"]));
    assert!(
        v["candidates"][2]["skip_reason"]
            .as_str()
            .unwrap()
            .contains("skipped while a healthy candidate remains")
    );

    let unknown = home.cmd().args(["route", "show", "nope"]).assert().code(3);
    let err = stderr(&unknown);
    assert!(err.contains("no route named `nope`"), "{err}");
    assert!(err.contains("chain, work"), "{err}");
}

#[test]
fn route_rm_removes_only_that_route() {
    let home = home();
    write(&home, "profiles/default.toml", COMMENTED);
    let out = home
        .cmd()
        .args(["route", "rm", "default"])
        .assert()
        .success();
    assert!(stderr(&out).contains("removed route default"));
    let expected = COMMENTED.replace(
        r#"# The everyday route
[routes.default]
model = "openai:gpt-4o-mini"      # cheap and good enough
fallback = [
  "anthropic:claude-haiku-4-5",
  "ollama:llama3.2",
]

"#,
        "",
    );
    assert_eq!(read(&home, "profiles/default.toml"), expected);

    let out = home.cmd().args(["route", "rm", "default"]).assert().code(3);
    assert!(
        stderr(&out).contains("(routes: policy)"),
        "{}",
        stderr(&out)
    );

    // In a profile with no file at all: an unknown route, and nothing is created.
    let empty = Home::new(Unlock::Nothing);
    empty.cmd().args(["route", "rm", "x"]).assert().code(3);
    assert!(!empty.file("profiles").exists());
}

fn profile_rows(home: &Home, extra: &[(&str, &str)], args: &[&str]) -> serde_json::Value {
    let mut cmd = home.cmd();
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd
        .args(args)
        .args(["--json", "profile", "list"])
        .assert()
        .success();
    json(&out)
}

fn active_of(rows: &serde_json::Value) -> (String, String) {
    let active: Vec<_> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["active"] == true)
        .collect();
    assert_eq!(active.len(), 1, "{rows}");
    (
        active[0]["name"].as_str().unwrap().to_string(),
        active[0]["reason"].as_str().unwrap().to_string(),
    )
}

#[test]
fn profile_precedence_flag_then_env_then_use_then_default() {
    let home = home();
    for (profile, model) in [
        ("ci", "openai:gpt-4o-mini"),
        ("work", "anthropic:claude-haiku-4-5"),
        ("local", "ollama:llama3.2"),
    ] {
        home.cmd()
            .args(["--profile", profile, "route", "set", "only", model])
            .assert()
            .success();
    }
    let rows = profile_rows(&home, &[], &[]);
    assert_eq!(active_of(&rows), ("default".into(), "default".into()));
    let names: Vec<_> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["ci", "default", "local", "work"]);

    home.cmd().args(["profile", "use", "ci"]).assert().success();
    assert_eq!(
        active_of(&profile_rows(&home, &[], &[])),
        ("ci".into(), "byok profile use".into())
    );
    assert_eq!(
        active_of(&profile_rows(&home, &[("BYOK_PROFILE", "work")], &[])),
        ("work".into(), "BYOK_PROFILE".into())
    );
    assert_eq!(
        active_of(&profile_rows(
            &home,
            &[("BYOK_PROFILE", "work")],
            &["--profile", "local"]
        )),
        ("local".into(), "--profile".into())
    );

    // Commands follow the active profile.
    let model_of = |envs: &[(&str, &str)], args: &[&str]| {
        let mut cmd = home.cmd();
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd
            .args(args)
            .args(["--json", "route", "list"])
            .assert()
            .success();
        json(&out)[0]["model"].as_str().unwrap().to_string()
    };
    assert_eq!(model_of(&[], &[]), "openai:gpt-4o-mini");
    assert_eq!(
        model_of(&[("BYOK_PROFILE", "work")], &[]),
        "anthropic:claude-haiku-4-5"
    );
    assert_eq!(
        model_of(&[("BYOK_PROFILE", "work")], &["--profile", "local"]),
        "ollama:llama3.2"
    );

    // `profile show` names the file and why it is active.
    let out = home
        .cmd()
        .args(["--json", "profile", "show"])
        .assert()
        .success();
    let v = json(&out);
    assert_eq!(v["name"], "ci");
    assert_eq!(v["reason"], "byok profile use");
    assert_eq!(v["exists"], true);
    assert_eq!(v["routes"]["only"]["model"], "openai:gpt-4o-mini");

    // Back to default, which needs no file.
    home.cmd()
        .args(["profile", "use", "default"])
        .assert()
        .success();
    assert_eq!(
        active_of(&profile_rows(&home, &[], &[])),
        ("default".into(), "byok profile use".into())
    );
}

#[test]
fn profile_use_of_a_missing_profile_is_refused() {
    let home = home();
    home.cmd()
        .args([
            "--profile",
            "ci",
            "route",
            "set",
            "default",
            "openai:gpt-4o",
        ])
        .assert()
        .success();
    let out = home
        .cmd()
        .args(["profile", "use", "staging"])
        .assert()
        .code(3);
    let err = stderr(&out);
    assert!(err.contains("no profile named `staging`"), "{err}");
    assert!(err.contains("ci, default"), "{err}");
    assert!(
        err.contains("byok --profile staging route set"),
        "the hint says how to create it: {err}"
    );
    assert!(!byok_active_file(&home).exists(), "nothing recorded");

    // A malformed profile cannot be chosen either.
    write(&home, "profiles/broken.toml", "allow = [\n");
    home.cmd()
        .args(["profile", "use", "broken"])
        .assert()
        .code(3);
    assert!(!byok_active_file(&home).exists());

    // An active profile that vanished: listed as missing, other commands say so.
    let out = home
        .cmd()
        .env("BYOK_PROFILE", "gone")
        .args(["--json", "profile", "list"])
        .assert()
        .success();
    let rows = json(&out);
    let gone = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "gone")
        .unwrap();
    assert_eq!(gone["status"], "missing");
    assert_eq!(gone["active"], true);
    home.cmd()
        .env("BYOK_PROFILE", "gone")
        .args(["route", "list"])
        .assert()
        .code(3);
}

fn byok_active_file(home: &Home) -> std::path::PathBuf {
    byok::profile::active_file(&byok::paths::Paths::at(home.path()))
}

#[test]
fn route_set_takes_a_provider_alone_for_its_default_model() {
    let home = home();
    write(
        &home,
        "profiles/default.toml",
        "[providers.corp]\nkind = \"openai\"\nbase_url = \"https://llm.corp.example/v1\"\ndefault_model = \"llama-70b\"\n",
    );
    let out = home
        .cmd()
        .args([
            "--json",
            "route",
            "set",
            "quick",
            "gemini",
            "--fallback",
            "corp",
            "--fallback",
            "ollama:llama3.2:3b",
        ])
        .assert()
        .success();
    // Written in full, with each provider's default model (the profile's for corp), as
    // `run -m gemini` would pick it.
    let printed = json(&out);
    assert_eq!(printed["model"], "gemini:gemini-2.5-flash");
    assert_eq!(
        printed["fallback"],
        json!(["corp:llama-70b", "ollama:llama3.2:3b"])
    );
    let text = read(&home, "profiles/default.toml");
    assert!(
        text.contains("model = \"gemini:gemini-2.5-flash\""),
        "{text}"
    );

    // A misspelt provider alone is an unknown provider with a guess; a bare model name
    // (no provider close to it) is a usage error.
    let out = home
        .cmd()
        .args(["route", "set", "x", "gemnii"])
        .assert()
        .code(3);
    assert!(
        stderr(&out).contains("Did you mean `gemini`?"),
        "{}",
        stderr(&out)
    );
    let out = home
        .cmd()
        .args(["route", "set", "x", "gpt-4o"])
        .assert()
        .code(2);
    assert!(
        stderr(&out).contains("nor a provider alone"),
        "{}",
        stderr(&out)
    );
}

/// `byok prices` (README "Budgets"): the table's date, and the active profile's
/// `[prices]` marked as its own, in the table and in `--json`.
#[test]
fn prices_show_the_tables_date_and_the_profiles_overrides() {
    let home = home();
    write(&home, "profiles/default.toml", COMMENTED);
    write(
        &home,
        "profiles/team.toml",
        "[providers.corp]\nbase_url = \"https://llm.corp.example/v1\"\n\
         [prices.\"corp:llama-70b\"]\ninput = 0.6\noutput = 0.8\n",
    );
    let out = home
        .cmd()
        .args(["prices", "openai:gpt-4o-mini", "openai:gpt-4o"])
        .assert()
        .success();
    let text = stdout(&out);
    let first = text.lines().next().unwrap();
    assert!(first.contains("as of 2026-11"), "{text}");
    assert!(first.contains("1 set by the profile default"), "{text}");
    let row = |model: &str| {
        text.lines()
            .find(|l| l.contains(&format!(" {model} ")))
            .unwrap_or_else(|| panic!("{model}: {text}"))
            .to_string()
    };
    assert!(row("gpt-4o-mini").contains("$0.10"), "{text}");
    assert!(row("gpt-4o-mini").contains("profile"), "{text}");
    assert!(row("gpt-4o").contains("table"), "{text}");

    let out = home
        .cmd()
        .args([
            "--json",
            "--profile",
            "team",
            "prices",
            "corp",
            "openai:gpt-4o-mini",
        ])
        .assert()
        .success();
    let listing = json(&out);
    assert_eq!(listing["as_of"], "2026-11");
    assert_eq!(listing["profile"], "team");
    let rows = listing["prices"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (&rows[0]["model"], &rows[0]["source"], &rows[0]["input"]),
        (&json!("llama-70b"), &json!("profile"), &json!(0.6))
    );
    // Not overridden in that profile: the table's own price.
    assert_eq!(
        (&rows[1]["source"], &rows[1]["input"]),
        (&json!("table"), &json!(0.15))
    );
}

/// A model past its `deprecated` date gets one warning line on stderr from `route set`;
/// the route is still written, and stdout stays the JSON alone.
#[test]
fn route_set_warns_once_about_a_retired_model() {
    let home = home();
    write(
        &home,
        "profiles/default.toml",
        "[prices.\"openai:gpt-later\"]\ninput = 1.0\noutput = 2.0\ndeprecated = \"2999-01-01\"\n\
         [prices.\"openai:gpt-gone\"]\ninput = 1.0\noutput = 2.0\ndeprecated = \"2020-01-02\"\n",
    );
    let out = home
        .cmd()
        .args([
            "--json",
            "route",
            "set",
            "old",
            // The embedded table retires it on 2026-10-23.
            "openai:gpt-4.1-nano",
            "--fallback",
            "openai:gpt-gone",
            "--fallback",
            "openai:gpt-later",
            "--fallback",
            "openai:gpt-4.1-nano",
        ])
        .assert()
        .success();
    assert_eq!(json(&out)["route"], "old");
    let err = stderr(&out);
    let warned: Vec<&str> = err.lines().filter(|l| l.contains("retired")).collect();
    assert_eq!(
        warned,
        [
            "warning: openai:gpt-4.1-nano was retired on 2026-10-23; pick another model, e.g. byok prices openai",
            "warning: openai:gpt-gone was retired on 2020-01-02; pick another model, e.g. byok prices openai",
        ],
        "{err}"
    );
    let out = home
        .cmd()
        .args(["route", "set", "new", "openai:gpt-4o-mini"])
        .assert()
        .success();
    assert!(!stderr(&out).contains("retired"), "{}", stderr(&out));
}
