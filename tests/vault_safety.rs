//! What must never happen to a vault: lost keys under concurrency, a damaged file
//! overwritten, a secret shown anywhere, a prompt or a hang without a terminal.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use predicates::prelude::*;
use support::byok::{Home, Unlock, stderr};
use support::providers::{self, BAD_KEY, GOOD_KEY};

#[test]
fn sixteen_concurrent_adds_leave_sixteen_keys() {
    let home = Home::with_identity();
    let children: Vec<_> = (0..16)
        .map(|i| {
            let mut cmd = home.std_cmd();
            let mut child = cmd
                .args([
                    "key",
                    "add",
                    "openai",
                    "--no-verify",
                    "--label",
                    &format!("l{i}"),
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("sk-concurrent-{i:02}-0123456789abcdef\n").as_bytes())
                .unwrap();
            child
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let rows = home.key_list();
    assert_eq!(rows.len(), 16);
    let mut labels: Vec<_> = rows
        .iter()
        .map(|r| r["label"].as_str().unwrap().to_string())
        .collect();
    labels.sort();
    labels.dedup();
    assert_eq!(labels.len(), 16);
}

#[test]
fn a_corrupt_vault_is_refused_and_left_untouched() {
    let home = Home::with_identity();
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    home.add_key("anthropic", GOOD_KEY, &["--no-verify"])
        .success();
    let path = home.file("vault.age");
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
    std::fs::write(&path, &bytes).unwrap();

    for args in [
        &["key", "list"][..],
        &["key", "add", "mistral", "--no-verify"][..],
    ] {
        let out = home.cmd().args(args).write_stdin(GOOD_KEY).assert().code(3);
        let err = stderr(&out);
        assert!(
            err.contains("could not be decrypted") && err.contains("left untouched"),
            "{err}"
        );
        assert!(err.contains("vault.age.bak"), "the backup is named: {err}");
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the damaged vault was not rewritten"
    );

    // The backup really is the previous version: it opens, with the first key in it.
    std::fs::copy(home.file("vault.age.bak"), &path).unwrap();
    let rows = home.key_list();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["provider"], "openai");
}

#[test]
fn the_wrong_identity_or_passphrase_is_exit_3() {
    let home = Home::with_passphrase("right");
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    let mut wrong = Home::with_passphrase("wrong");
    wrong.env("BYOK_HOME", home.path().to_str().unwrap());
    wrong.cmd().args(["key", "list"]).assert().code(3).stderr(
        predicate::str::contains("the passphrase does not open")
            .and(predicate::str::contains("BYOK_PASSPHRASE")),
    );

    let mut stranger = Home::with_identity();
    stranger.env("BYOK_HOME", home.path().to_str().unwrap());
    stranger
        .cmd()
        .args(["key", "list"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("is not one of its recipients"));
}

#[test]
fn no_keyring_and_no_passphrase_is_a_clear_error_without_a_prompt() {
    let home = Home::new(Unlock::Nothing);
    let out = home.add_key("openai", GOOD_KEY, &["--no-verify"]).code(3);
    let err = stderr(&out);
    assert!(
        err.contains("no OS keyring answered") && err.contains("BYOK_PASSPHRASE"),
        "{err}"
    );
    assert!(!home.file("vault.age").exists());

    // A passphrase vault opened with no passphrase and no terminal: an error, not a prompt.
    let made = Home::with_passphrase("pw");
    made.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    let mut locked = Home::new(Unlock::Nothing);
    locked.env("BYOK_HOME", made.path().to_str().unwrap());
    locked
        .cmd()
        .args(["key", "list"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("no passphrase")
                .or(predicate::str::contains("none was given")),
        );
}

#[test]
fn revoke_without_a_terminal_needs_yes() {
    let home = Home::with_identity();
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    home.cmd()
        .args(["key", "revoke", "openai"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("byok key revoke openai --yes"));
    assert_eq!(home.key_list().len(), 1);
}

#[test]
fn an_empty_stdin_is_a_usage_error() {
    let home = Home::with_identity();
    home.cmd()
        .args(["key", "add", "openai"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no key was given"));
}

#[test]
fn files_are_private_and_loose_permissions_are_refused() {
    let home = Home::with_passphrase("pw");
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    for f in ["vault.age", "vault.toml", "identity.age", "vault.age.bak"] {
        let mode = std::fs::metadata(home.file(f))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{f}");
    }
    // A directory byok creates itself is private.
    let mut nested = Home::with_identity();
    let dir = nested.file("deeper/byok");
    nested.env("BYOK_HOME", dir.to_str().unwrap());
    nested
        .add_key("openai", GOOD_KEY, &["--no-verify"])
        .success();
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );

    std::fs::set_permissions(
        home.file("identity.age"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    home.cmd().args(["key", "list"]).assert().code(3).stderr(
        predicate::str::contains("loose permissions (644)")
            .and(predicate::str::contains("chmod 600")),
    );
    std::fs::set_permissions(
        home.file("identity.age"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();

    std::fs::set_permissions(
        home.file("vault.toml"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    home.cmd()
        .args(["key", "list"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("recipients"));
    std::fs::set_permissions(
        home.file("vault.toml"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();

    // Readable ciphertext is a warning, not a refusal.
    std::fs::set_permissions(
        home.file("vault.age"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    home.cmd()
        .args(["key", "list"])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: "));
}

#[test]
fn the_secret_never_leaves_the_vault_in_plaintext() {
    let mut home = Home::with_passphrase("pw");
    let fake = providers::start();
    providers::point_all(&mut home, &fake.url());
    let mut outputs = Vec::new();
    let mut run = |args: &[&str], stdin: &str| {
        let out = home
            .cmd()
            .arg("-v")
            .args(args)
            .write_stdin(stdin.to_string())
            .output()
            .unwrap();
        outputs.push(String::from_utf8_lossy(&out.stdout).into_owned());
        outputs.push(String::from_utf8_lossy(&out.stderr).into_owned());
    };
    run(&["key", "add", "openai"], GOOD_KEY);
    run(&["key", "add", "anthropic"], BAD_KEY);
    run(&["key", "add", "mistral", "--no-verify"], BAD_KEY);
    run(&["key", "list"], "");
    run(&["--json", "key", "list"], "");
    run(&["key", "verify"], "");
    run(&["--json", "key", "verify"], "");
    run(
        &["key", "rotate", "openai", "--no-verify"],
        "sk-good-rotated-0123456789abcdef",
    );
    for text in &outputs {
        for secret in [GOOD_KEY, BAD_KEY, "sk-good-rotated-0123456789abcdef"] {
            assert!(!text.contains(secret), "a secret was printed: {text}");
        }
    }
    assert!(
        outputs.iter().any(|t| t.contains("byok: GET ")),
        "-v traces requests"
    );
    // On disk only as ciphertext: no file holds the plaintext.
    for secret in [GOOD_KEY, BAD_KEY] {
        assert!(
            home.files_containing(secret).is_empty(),
            "{secret} is on disk in plaintext"
        );
    }
}
