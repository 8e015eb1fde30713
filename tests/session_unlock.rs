//! Unlock once per session (README "The vault"): `byok vault unlock` keeps a passphrase
//! vault's identity in the Linux kernel keyring, later commands open the vault without the
//! passphrase, `vault lock` (or the timeout) ends it, and nothing reaches a file.
//!
//! These run in a plain `cargo test`: they need the kernel keyring (add_key, keyctl), and a
//! machine or sandbox that refuses it fails them with the command's own exit-3 message
//! rather than skipping them. The session keyring is shared by every process of the test
//! run, so each test has its own BYOK_HOME (its own vault id, hence its own key) and locks
//! what it unlocked, even when it fails.
#![cfg(target_os = "linux")]

mod support;

use std::time::{Duration, Instant};

use predicates::prelude::*;
use support::byok::{Home, Unlock, json, new_identity, stderr};
use support::providers::GOOD_KEY;

const PASS: &str = "correct horse battery staple";

/// A passphrase vault with one key.
fn passphrase_vault() -> Home {
    let home = Home::with_passphrase(PASS);
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    home
}

/// The same BYOK_HOME seen by a command with no passphrase, no identity, no keyring and
/// no terminal: it opens the vault only if the session unlock serves.
fn without_passphrase(home: &Home) -> Home {
    let mut view = Home::new(Unlock::Nothing);
    view.env("BYOK_HOME", home.path().to_str().unwrap());
    view
}

fn vault_id(home: &Home) -> String {
    let status = json(&home.cmd().args(["--json", "vault", "status"]).assert());
    status["id"].as_str().unwrap().to_string()
}

/// Runs `vault lock` for `home` when dropped, so a failing test leaves nothing cached.
struct LockOnDrop<'a>(&'a Home);

impl Drop for LockOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.cmd().args(["vault", "lock"]).output();
    }
}

/// This vault's line in /proc/keys (id flags usage timeout perm uid gid type description),
/// if the kernel holds a live key for it. A key invalidated (flag `i`), revoked (`R`),
/// dead (`D`) or expired (timeout `expd`) stays listed until the kernel collects it.
fn proc_keys_line(vault_id: &str) -> Option<String> {
    let wanted = format!("byok:vault:{vault_id}:");
    std::fs::read_to_string("/proc/keys")
        .expect("/proc/keys")
        .lines()
        .filter(|l| l.contains(&wanted))
        .find(|l| !column(l, 1).contains(['i', 'R', 'D']) && column(l, 3) != "expd")
        .map(str::to_string)
}

fn column(line: &str, n: usize) -> String {
    line.split_whitespace().nth(n).unwrap().to_string()
}

#[test]
fn after_unlock_commands_need_no_passphrase_and_after_lock_they_do() {
    let home = passphrase_vault();
    let _guard = LockOnDrop(&home);
    let bare = without_passphrase(&home);
    bare.cmd()
        .args(["key", "list"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("none was given"));

    home.cmd()
        .args(["vault", "unlock"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "vault unlocked for this session until",
        ));

    // No BYOK_PASSPHRASE, no terminal: the session unlock opens it, to read and to write.
    let rows = bare.key_list();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["provider"], "openai");
    bare.add_key("anthropic", GOOD_KEY, &["--no-verify"])
        .success();
    let status = json(&bare.cmd().args(["--json", "vault", "status"]).assert());
    assert_eq!(status["session"]["unlocked"], true, "{status}");
    assert_eq!(status["keys"], 2, "{status}");
    assert!(
        status["opened_by"]
            .as_str()
            .unwrap()
            .contains("kernel keyring"),
        "{status}"
    );

    bare.cmd()
        .args(["vault", "lock"])
        .assert()
        .success()
        .stderr(predicate::str::contains("vault locked"));
    bare.cmd()
        .args(["key", "list"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("none was given"));
    let status = json(&bare.cmd().args(["--json", "vault", "status"]).assert());
    assert_eq!(status["session"]["unlocked"], false, "{status}");
    assert_eq!(proc_keys_line(&vault_id(&home)), None);

    // Locking again, with nothing cached, is fine.
    bare.cmd()
        .args(["vault", "lock"])
        .assert()
        .success()
        .stderr(predicate::str::contains("nothing to lock"));
}

#[test]
fn a_wrong_passphrase_at_unlock_caches_nothing() {
    let home = passphrase_vault();
    let _guard = LockOnDrop(&home);
    let mut wrong = Home::with_passphrase("not the passphrase");
    wrong.env("BYOK_HOME", home.path().to_str().unwrap());
    wrong
        .cmd()
        .args(["vault", "unlock"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("the passphrase does not open"));
    assert_eq!(proc_keys_line(&vault_id(&home)), None);
    without_passphrase(&home)
        .cmd()
        .args(["key", "list"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("none was given"));
}

#[test]
fn no_passphrase_and_no_terminal_at_unlock_is_exit_3_without_a_prompt() {
    let home = passphrase_vault();
    let _guard = LockOnDrop(&home);
    without_passphrase(&home)
        .cmd()
        .args(["vault", "unlock"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(3)
        .stderr(predicate::str::contains("none was given"));
    assert_eq!(proc_keys_line(&vault_id(&home)), None);
}

#[test]
fn the_kernel_holds_the_identity_with_the_timeout_asked_and_for_this_session_only() {
    let home = passphrase_vault();
    let _guard = LockOnDrop(&home);
    let id = vault_id(&home);

    let before = jiff::Timestamp::now();
    let out = home
        .cmd()
        .args(["--json", "vault", "unlock", "--for", "90m"])
        .assert()
        .success();
    let after = jiff::Timestamp::now();
    let until: jiff::Timestamp = json(&out)["until"].as_str().unwrap().parse().unwrap();
    let asked = jiff::SignedDuration::from_secs(90 * 60);
    assert!(
        until >= before.checked_add(asked).unwrap() - jiff::SignedDuration::from_secs(1)
            && until <= after.checked_add(asked).unwrap() + jiff::SignedDuration::from_secs(1),
        "until {until}, asked 90m between {before} and {after}"
    );

    // The kernel's own view: a timeout (not "perm"), under 90 minutes so shown in whole
    // hours as "1h"; possessors may view, read, write, search and set attributes, the
    // user's other sessions only view, group and others nothing.
    let line = proc_keys_line(&id).expect("the key is in the kernel keyring");
    assert_eq!(column(&line, 3), "1h", "{line}");
    assert_eq!(column(&line, 4), "2f010000", "{line}");
    assert_eq!(column(&line, 7), "user", "{line}");

    // vault status says until when.
    let status = json(&home.cmd().args(["--json", "vault", "status"]).assert());
    assert_eq!(status["session"]["until"], json(&out)["until"], "{status}");
    let text = home.cmd().args(["vault", "status"]).assert().success();
    let text = String::from_utf8_lossy(&text.get_output().stdout).into_owned();
    assert!(text.contains("session:    unlocked until "), "{text}");

    // Unlocking again replaces the timeout: 45 minutes show as "44m".
    home.cmd()
        .args(["vault", "unlock", "--for", "45m"])
        .assert()
        .success();
    let line = proc_keys_line(&id).expect("still in the kernel keyring");
    let minutes = column(&line, 3);
    assert!(
        minutes.ends_with('m') && minutes.trim_end_matches('m').parse::<u32>().unwrap() <= 45,
        "{line}"
    );
}

#[test]
fn the_identity_never_reaches_a_file() {
    let home = passphrase_vault();
    let _guard = LockOnDrop(&home);
    home.cmd().args(["vault", "unlock"]).assert().success();
    // The identity itself, unwrapped here the way byok does.
    let armored = std::fs::read(home.file("identity.age")).unwrap();
    let decryptor =
        age::Decryptor::new_buffered(age::armor::ArmoredReader::new(&armored[..])).unwrap();
    let mut identity = age::scrypt::Identity::new(PASS.to_string().into());
    identity.set_max_work_factor(18);
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .unwrap(),
        &mut text,
    )
    .unwrap();
    let secret = text.trim();
    assert!(secret.starts_with("AGE-SECRET-KEY-1"));
    assert_eq!(
        home.files_containing(secret),
        Vec::<std::path::PathBuf>::new()
    );
    assert_eq!(
        home.files_containing(&secret.to_lowercase()),
        Vec::<std::path::PathBuf>::new()
    );
}

#[test]
fn the_unlock_ends_when_its_time_is_up() {
    let home = passphrase_vault();
    let _guard = LockOnDrop(&home);
    home.cmd()
        .args(["vault", "unlock", "--for", "1s"])
        .assert()
        .success();
    let bare = without_passphrase(&home);
    // The kernel drops the key after a second; poll for that instead of sleeping a fixed
    // time (the deadline only turns a kernel that never expires it into a failure).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = bare.cmd().args(["key", "list"]).output().unwrap();
        if out.status.code() == Some(3) {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("none was given"), "{err}");
            break;
        }
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            Instant::now() < deadline,
            "the session unlock outlived its --for 1s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = json(&bare.cmd().args(["--json", "vault", "status"]).assert());
    assert_eq!(status["session"]["unlocked"], false, "{status}");
}

/// Another passphrase vault made to carry `home`'s vault id, as if `home` had been re-keyed
/// behind the session's back: the cached identity of `home` finds a vault it does not open.
fn rekeyed_copy(home: &Home, list_old_recipient: bool) -> Home {
    let other = Home::with_passphrase("another passphrase");
    other
        .add_key("openai", GOOD_KEY, &["--no-verify"])
        .success();
    let meta_path = other.file("vault.toml");
    let mut meta: toml::Table = std::fs::read_to_string(&meta_path)
        .unwrap()
        .parse()
        .unwrap();
    meta["id"] = vault_id(home).into();
    if list_old_recipient {
        let old: toml::Table = std::fs::read_to_string(home.file("vault.toml"))
            .unwrap()
            .parse()
            .unwrap();
        let entry = old["recipients"].as_array().unwrap()[0].clone();
        meta["recipients"].as_array_mut().unwrap().push(entry);
    }
    std::fs::write(&meta_path, toml::to_string(&meta).unwrap()).unwrap();
    other
}

#[test]
fn a_cached_identity_that_no_longer_opens_the_vault_is_ignored_and_removed() {
    // Not listed among the recipients any more, and listed but not one vault.age is
    // encrypted to: either way the passphrase is asked and the cached identity removed.
    for list_old_recipient in [false, true] {
        let home = passphrase_vault();
        let _guard = LockOnDrop(&home);
        home.cmd().args(["vault", "unlock"]).assert().success();
        let id = vault_id(&home);
        assert!(proc_keys_line(&id).is_some());

        let other = rekeyed_copy(&home, list_old_recipient);
        without_passphrase(&other)
            .cmd()
            .args(["key", "list"])
            .assert()
            .code(3)
            .stderr(predicate::str::contains("none was given"));
        assert_eq!(
            proc_keys_line(&id),
            None,
            "listed: {list_old_recipient}; the stale identity is still cached"
        );
        // With its own passphrase the re-keyed vault opens as before.
        assert_eq!(other.key_list().len(), 1);
    }
}

#[test]
fn removing_the_unlocked_identity_as_a_recipient_forgets_it_at_once() {
    let home = passphrase_vault();
    let _guard = LockOnDrop(&home);
    home.cmd().args(["vault", "unlock"]).assert().success();
    let id = vault_id(&home);
    let bare = without_passphrase(&home);
    let ci = new_identity();
    let ci_public = ci
        .parse::<age::x25519::Identity>()
        .unwrap()
        .to_public()
        .to_string();
    bare.cmd()
        .args(["vault", "recipients", "add", &ci_public, "--name", "ci"])
        .assert()
        .success();
    let status = json(&bare.cmd().args(["--json", "vault", "status"]).assert());
    let own = status["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] != "ci")
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_string();
    bare.cmd()
        .args(["vault", "recipients", "rm", &own, "--force"])
        .assert()
        .success();
    assert_eq!(proc_keys_line(&id), None);
    let mut by_ci = Home::new(Unlock::Identity(ci));
    by_ci.env("BYOK_HOME", home.path().to_str().unwrap());
    assert_eq!(by_ci.key_list().len(), 1);
}

#[test]
fn a_vault_without_a_passphrase_has_nothing_to_unlock() {
    let home = Home::with_identity();
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    let out = home.cmd().args(["vault", "unlock"]).assert().success();
    let err = stderr(&out);
    assert!(err.starts_with("nothing to unlock: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(proc_keys_line(&vault_id(&home)), None);
    let status = json(&home.cmd().args(["--json", "vault", "status"]).assert());
    assert!(status["session"].is_null(), "{status}");
}

#[test]
fn unlock_without_a_vault_is_exit_3_and_lock_is_exit_0() {
    let home = Home::with_passphrase(PASS);
    home.cmd()
        .args(["vault", "unlock"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("has not been created yet"));
    home.cmd()
        .args(["vault", "lock"])
        .assert()
        .success()
        .stderr(predicate::str::contains("nothing to lock"));
}
