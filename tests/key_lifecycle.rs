//! The whole key lifecycle against the built binary, in identity and passphrase modes:
//! every command is its own process, so each step also proves the next one reads what
//! the previous one wrote.

mod support;

use predicates::prelude::*;
use support::byok::{Home, json, stderr};
use support::providers::{self, GOOD_KEY, GOOD_KEY_2};

fn lifecycle(home: &mut Home) {
    let fake = providers::start();
    providers::point_all(home, &fake.url());

    // add: verified against the fake, the vault is created and says how it is unlocked.
    let added = home.add_key("openai", GOOD_KEY, &[]).success();
    let err = stderr(&added);
    assert!(err.contains("vault created at"), "{err}");
    assert!(
        err.contains("openai (default) added: sk-…CDEF — verified, 3 models visible"),
        "{err}"
    );
    home.add_key("anthropic", GOOD_KEY_2, &["--label", "work"])
        .success();

    // list: masked, with source and status.
    let rows = home.key_list();
    assert_eq!(rows.len(), 2);
    let openai = rows.iter().find(|r| r["provider"] == "openai").unwrap();
    assert_eq!(openai["label"], "default");
    assert_eq!(openai["source"], "vault");
    assert_eq!(openai["masked"], "sk-…CDEF");
    assert_eq!(openai["status"], "ok");
    assert!(openai["verified_at"].is_string());
    assert!(openai["rotated_at"].is_null());
    let anthropic = rows.iter().find(|r| r["provider"] == "anthropic").unwrap();
    assert_eq!(anthropic["label"], "work");

    // verify: both keys, concurrently, with model counts (anthropic's list is paged).
    let verified = json(
        &home
            .cmd()
            .args(["--json", "key", "verify"])
            .assert()
            .success(),
    );
    let verified = verified.as_array().unwrap();
    assert_eq!(verified.len(), 2);
    let a = verified
        .iter()
        .find(|r| r["provider"] == "anthropic")
        .unwrap();
    assert_eq!(a["status"], "ok");
    assert_eq!(a["models"], 3);
    assert!(a["latency_ms"].is_u64());
    assert!(a["error"].is_null());

    // rotate: the new key is verified, the old one kept as previous.
    let rotated = home
        .cmd()
        .args(["key", "rotate", "openai"])
        .write_stdin(format!("{GOOD_KEY_2}\n"))
        .assert()
        .success();
    assert!(
        stderr(&rotated).contains("rotated: sk-…CDEF → sk-…xwvu"),
        "{}",
        stderr(&rotated)
    );
    let rows = home.key_list();
    let openai = rows.iter().find(|r| r["provider"] == "openai").unwrap();
    assert_eq!(openai["masked"], "sk-…xwvu");
    assert_eq!(openai["previous"], "sk-…CDEF");
    assert!(openai["rotated_at"].is_string());

    // revoke --previous drops only the old key.
    home.cmd()
        .args(["key", "revoke", "openai", "--previous", "--yes"])
        .assert()
        .success();
    let rows = home.key_list();
    let openai = rows.iter().find(|r| r["provider"] == "openai").unwrap();
    assert_eq!(openai["masked"], "sk-…xwvu");
    assert!(openai["previous"].is_null());
    home.cmd()
        .args(["key", "revoke", "openai", "--previous", "--yes"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no previous openai key"));

    // revoke the key itself.
    home.cmd()
        .args(["key", "revoke", "anthropic", "--label", "work", "--yes"])
        .assert()
        .success()
        .stderr(predicate::str::contains("removed the anthropic (work) key"));
    let rows = home.key_list();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["provider"], "openai");
}

#[test]
fn lifecycle_with_identity_from_environment() {
    let mut home = Home::with_identity();
    lifecycle(&mut home);
    let status = json(
        &home
            .cmd()
            .args(["--json", "vault", "status"])
            .assert()
            .success(),
    );
    assert_eq!(status["unlock"], "identity");
    assert_eq!(status["keys"], 1);
}

#[test]
fn lifecycle_with_passphrase() {
    let mut home = Home::with_passphrase("correct horse battery staple");
    lifecycle(&mut home);
    let status = json(
        &home
            .cmd()
            .args(["--json", "vault", "status"])
            .assert()
            .success(),
    );
    assert_eq!(status["unlock"], "passphrase");
    assert!(home.file("identity.age").exists());
}

#[test]
fn adding_the_same_label_twice_points_to_rotate() {
    let home = Home::with_identity();
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    home.add_key("openai", GOOD_KEY_2, &["--no-verify"])
        .code(3)
        .stderr(
            predicate::str::contains("already holds a openai key labelled `default`")
                .and(predicate::str::contains("byok key rotate openai")),
        );
}

#[test]
fn env_keys_are_listed_with_their_source() {
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", "sk-from-env-0123456789abcdWXYZ")
        .env("GOOGLE_API_KEY", "AIzaSyEnvKey0123456789abcdefgh");
    let rows = home.key_list();
    let openai = rows.iter().find(|r| r["provider"] == "openai").unwrap();
    assert_eq!(openai["source"], "env");
    assert_eq!(openai["label"], "OPENAI_API_KEY");
    assert_eq!(openai["masked"], "sk-…WXYZ");
    let gemini = rows.iter().find(|r| r["provider"] == "gemini").unwrap();
    assert_eq!(gemini["label"], "GOOGLE_API_KEY");

    // Once the vault has a default openai key, the env one is shadowed.
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    let rows = home.key_list();
    let env_row = rows
        .iter()
        .find(|r| r["provider"] == "openai" && r["source"] == "env")
        .unwrap();
    assert_eq!(env_row["status"], "shadowed");
}

#[test]
fn unknown_provider_lists_the_known_ones() {
    let home = Home::with_identity();
    home.add_key("openia", GOOD_KEY, &[]).code(3).stderr(
        predicate::str::contains("`openia` is not a provider byok knows")
            .and(predicate::str::contains("anthropic, openai, gemini")),
    );
    home.add_key("ollama", GOOD_KEY, &[])
        .code(3)
        .stderr(predicate::str::contains("needs no API key"));
}

#[test]
fn key_list_table_shows_masked_keys_only() {
    let home = Home::with_identity();
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    let out = home.cmd().args(["key", "list"]).assert().success();
    let text = support::byok::stdout(&out);
    assert!(
        text.contains("provider") && text.contains("last verified"),
        "{text}"
    );
    assert!(
        text.contains("sk-…CDEF") && text.contains("unverified"),
        "{text}"
    );
    assert!(!text.contains(GOOD_KEY));
}

#[test]
fn key_rm_and_key_remove_are_key_revoke() {
    let home = Home::with_identity();
    for label in ["a", "b"] {
        home.add_key("openai", GOOD_KEY, &["--no-verify", "--label", label])
            .success();
    }
    home.cmd()
        .args(["key", "rm", "openai", "--label", "a", "--yes"])
        .assert()
        .success();
    home.cmd()
        .args(["key", "remove", "openai", "--label", "b", "--yes"])
        .assert()
        .success();
    assert!(home.key_list().is_empty());
    let help = home.cmd().args(["key", "--help"]).assert().success();
    assert!(
        support::byok::stdout(&help).contains("[aliases: rm, remove]"),
        "{}",
        support::byok::stdout(&help)
    );
}
