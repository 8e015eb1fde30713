//! Shell completion of values: byok run in completion mode (`BYOK_COMPLETE=bash byok --
//! <words>`, the call every shell's registration makes) answers with providers, the
//! price table's models, the profile's routes, the vault's key labels (from its plaintext
//! index, never unlocking it) and the profiles; and bash's registration copes with the
//! colons bash splits words at.

mod support;

use std::path::Path;

use support::byok::{Home, Unlock};
use support::providers::GOOD_KEY;

const PROFILE: &str = r#"
[routes.classify]
model = "gemini:gemini-2.5-flash"
fallback = ["corp:llama-70b"]

[routes.default]
model = "openai:gpt-4o-mini"

[providers.corp]
kind = "openai"
base_url = "https://llm.corp.example/v1"
"#;

fn write(home: &Home, name: &str, text: &str) {
    let path = home.file(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn home() -> Home {
    let home = Home::new(Unlock::Nothing);
    write(&home, "profiles/default.toml", PROFILE);
    write(
        &home,
        "profiles/ci.toml",
        "[routes.nightly]\nmodel = \"mistral:mistral-small-latest\"\n",
    );
    home
}

/// The candidates byok offers for the last of `words` (the word being completed).
fn complete(home: &Home, words: &[&str]) -> Vec<String> {
    let out = home
        .cmd()
        .env("BYOK_COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
        .arg("--")
        .args(words)
        .output()
        .unwrap();
    assert!(out.status.success(), "{words:?}: {out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// The candidates that are values: for a positional, clap offers the flags too.
fn values(candidates: Vec<String>) -> Vec<String> {
    candidates
        .into_iter()
        .filter(|c| !c.starts_with('-'))
        .collect()
}

fn has(candidates: &[String], want: &str) -> bool {
    candidates.iter().any(|c| c == want)
}

#[test]
fn models_complete_a_provider_then_its_models() {
    let home = home();
    assert_eq!(
        complete(&home, &["byok", "run", "-m", "op"]),
        ["openai:", "openrouter:"]
    );
    // A custom provider of the profile is a provider too.
    assert_eq!(complete(&home, &["byok", "run", "-m", "co"]), ["corp:"]);

    let openai = complete(&home, &["byok", "run", "-m", "openai:gpt-4o"]);
    for want in ["openai:gpt-4o", "openai:gpt-4o-mini"] {
        assert!(has(&openai, want), "{want} not in {openai:?}");
    }
    assert!(
        openai.iter().all(|c| c.starts_with("openai:gpt-4o")),
        "{openai:?}"
    );
    // From the price table, the profile's routes, and the provider's default model.
    let corp = complete(&home, &["byok", "route", "set", "x", "corp:"]);
    assert_eq!(corp, ["corp:default", "corp:llama-70b"]);
    let ollama = complete(&home, &["byok", "run", "--model=ollama:"]);
    assert!(has(&ollama, "--model=ollama:llama3.2"), "{ollama:?}");

    // Every flag and positional that takes a model.
    for words in [
        &["byok", "route", "set", "x", "gemini:gemini-2.5-fl"][..],
        &[
            "byok",
            "route",
            "set",
            "x",
            "gemini",
            "--fallback",
            "gemini:gemini-2.5-fl",
        ],
        &["byok", "council", "--chair", "gemini:gemini-2.5-fl"],
        &["byok", "prices", "gemini:gemini-2.5-fl"],
    ] {
        let got = complete(&home, words);
        assert!(has(&got, "gemini:gemini-2.5-flash"), "{words:?}: {got:?}");
    }
    // --members: each member after its comma.
    let got = complete(
        &home,
        &[
            "byok",
            "council",
            "--members",
            "openai:gpt-4o,anthropic:claude-haiku",
        ],
    );
    assert!(
        has(&got, "openai:gpt-4o,anthropic:claude-haiku-4-5"),
        "{got:?}"
    );
}

#[test]
fn routes_complete_from_the_profile_in_force() {
    let home = home();
    for words in [
        &["byok", "run", "-r", ""][..],
        &["byok", "route", "show", ""],
        &["byok", "route", "rm", ""],
        &["byok", "exec", "--route", ""],
    ] {
        assert_eq!(
            values(complete(&home, words)),
            ["classify", "default"],
            "{words:?}"
        );
    }
    assert_eq!(complete(&home, &["byok", "run", "-r", "cl"]), ["classify"]);
    // --profile on the command line, else BYOK_PROFILE, names the profile.
    assert_eq!(
        complete(&home, &["byok", "--profile", "ci", "run", "-r", ""]),
        ["nightly"]
    );
    let mut in_ci = home;
    in_ci.env("BYOK_PROFILE", "ci");
    assert_eq!(
        values(complete(&in_ci, &["byok", "route", "show", ""])),
        ["nightly"]
    );
}

#[test]
fn profiles_complete() {
    let home = home();
    assert_eq!(
        complete(&home, &["byok", "--profile", ""]),
        ["ci", "default"]
    );
    assert_eq!(complete(&home, &["byok", "profile", "use", "c"]), ["ci"]);
    // `default` needs no file.
    let empty = Home::new(Unlock::Nothing);
    assert_eq!(complete(&empty, &["byok", "--profile", ""]), ["default"]);
}

#[test]
fn key_labels_complete_from_the_index_without_unlocking_the_vault() {
    let mut home = Home::with_identity();
    write(&home, "profiles/default.toml", PROFILE);
    for (provider, label) in [("openai", "work"), ("openai", "ci"), ("anthropic", "home")] {
        home.add_key(provider, GOOD_KEY, &["--no-verify", "--label", label])
            .success();
    }
    // No identity, no passphrase, no keyring from here on: only vault.toml can answer.
    home.unlock = Unlock::Nothing;
    for words in [
        &["byok", "run", "--key", ""][..],
        &["byok", "exec", "--key", ""],
        &["byok", "route", "set", "x", "openai", "--key", ""],
        &["byok", "key", "rotate", "openai", "--label", ""],
    ] {
        assert_eq!(complete(&home, words), ["ci", "home", "work"], "{words:?}");
    }
    assert_eq!(
        complete(&home, &["byok", "key", "verify", "openai/"]),
        ["openai/ci", "openai/work"]
    );
    assert_eq!(
        complete(&home, &["byok", "exec", "--provider", "openai,anthropic/"]),
        ["openai,anthropic/home"]
    );
    assert_eq!(complete(&home, &["byok", "models", "anth"]), ["anthropic"]);
    assert_eq!(complete(&home, &["byok", "key", "rm", "gem"]), ["gemini"]);
    // No vault at all: nothing to offer, and no error.
    assert!(complete(&Home::new(Unlock::Nothing), &["byok", "run", "--key", ""]).is_empty());
}

#[test]
fn subcommands_and_flags_still_complete() {
    let home = home();
    assert_eq!(complete(&home, &["byok", "mod"]), ["models"]);
    let got = complete(&home, &["byok", "route", "set", "x", "openai", "--fa"]);
    assert_eq!(got, ["--fallback"]);
}

/// bash's registration, sourced into a bash that calls it with COMP_WORDS the way bash
/// splits them (at `:` and `=`, the word under the cursor in `$2`), and `byok` on PATH.
fn bash_complete(home: &Home, comp_words: &[&str], cur: &str) -> Vec<String> {
    let byok = assert_cmd::cargo::cargo_bin("byok");
    let bin_dir = byok.parent().unwrap();
    let registration = home
        .cmd()
        .args(["completions", "bash"])
        .output()
        .unwrap()
        .stdout;
    let words: Vec<String> = comp_words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        "{}\nCOMP_WORDS=({})\nCOMP_CWORD={}\n_clap_complete_byok byok '{cur}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        String::from_utf8(registration).unwrap(),
        words.join(" "),
        comp_words.len() - 1,
        comp_words[comp_words.len() - 2],
    );
    let out = std::process::Command::new("bash")
        .arg("--norc")
        .arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", path_with(bin_dir))
        .env("HOME", home.path())
        .env("BYOK_HOME", home.path())
        .env("BYOK_KEYRING", "off")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut dirs = vec![dir.to_path_buf()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

#[test]
fn bash_completes_across_the_colons_it_splits_words_at() {
    let home = home();
    // `byok run -m op`: nothing split.
    assert_eq!(
        bash_complete(&home, &["byok", "run", "-m", "op"], "op"),
        ["openai:", "openrouter:"]
    );
    // `byok run -m openai:gpt-4o-m`: bash replaces only what follows the colon.
    assert_eq!(
        bash_complete(
            &home,
            &["byok", "run", "-m", "openai", ":", "gpt-4o-m"],
            "gpt-4o-m"
        ),
        ["gpt-4o-mini"]
    );
    // `byok run -m corp:` with the cursor right after the colon: `$2` is empty.
    assert_eq!(
        bash_complete(&home, &["byok", "run", "-m", "corp", ":"], ""),
        ["default", "llama-70b"]
    );
    // `byok council --members=openai:gpt-4o,anthropic:claude-haiku-4`: `=` splits too.
    assert_eq!(
        bash_complete(
            &home,
            &[
                "byok",
                "council",
                "--members",
                "=",
                "openai",
                ":",
                "gpt-4o,anthropic",
                ":",
                "claude-haiku-4",
            ],
            "claude-haiku-4",
        ),
        ["claude-haiku-4-5"]
    );
    // Subcommands, as before.
    assert_eq!(bash_complete(&home, &["byok", "usa"], "usa"), ["usage"]);
}

#[test]
fn models_complete_what_the_last_byok_models_listed() {
    let fake = support::providers::start();
    let mut home = Home::with_identity();
    support::providers::point_all(&mut home, &fake.url());
    home.add_key("openrouter", GOOD_KEY, &["--no-verify"])
        .success();
    let words = ["byok", "run", "-m", "openrouter:meta"];
    assert!(complete(&home, &words).is_empty(), "not in the price table");
    home.cmd().args(["models", "openrouter"]).assert().success();
    home.cmd().args(["models", "ollama"]).assert().success();
    assert_eq!(
        complete(&home, &words),
        ["openrouter:meta-llama/llama-3.3-70b-instruct"]
    );
    // A later listing of another provider keeps the earlier one.
    assert_eq!(
        complete(&home, &["byok", "run", "-m", "ollama:q"]),
        ["ollama:qwen3:4b"]
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.file("models.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
