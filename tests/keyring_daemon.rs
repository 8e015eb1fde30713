//! The keyring unlock path against a real Secret Service daemon (gnome-keyring in CI, see
//! .ci/run). Ignored by a plain `cargo test`, which may run where no daemon is.

mod support;

use predicates::prelude::*;
use support::byok::{Home, Unlock, json, stderr};
use support::providers::{self, GOOD_KEY, GOOD_KEY_2};

#[test]
#[ignore = "needs a Secret Service daemon on the session bus (run by .ci/run)"]
fn lifecycle_with_the_os_keyring() {
    let mut home = Home::new(Unlock::Keyring);
    let fake = providers::start();
    providers::point_all(&mut home, &fake.url());

    let out = home.add_key("openai", GOOD_KEY, &[]).success();
    assert!(
        stderr(&out).contains("unlocked by your OS keyring"),
        "{}",
        stderr(&out)
    );
    home.add_key("gemini", GOOD_KEY_2, &["--label", "work"])
        .success();

    let status = json(
        &home
            .cmd()
            .args(["--json", "vault", "status"])
            .assert()
            .success(),
    );
    assert_eq!(status["unlock"], "keyring");
    assert_eq!(status["keys"], 2);
    assert!(
        !home.file("identity.age").exists(),
        "no identity file in keyring mode"
    );

    // A second process opens it through the keyring alone.
    assert_eq!(home.key_list().len(), 2);
    json(
        &home
            .cmd()
            .args(["--json", "key", "verify"])
            .assert()
            .success(),
    );
    home.cmd()
        .args(["key", "rotate", "openai"])
        .write_stdin(GOOD_KEY_2)
        .assert()
        .success();
    home.cmd()
        .args(["key", "revoke", "openai", "--previous", "--yes"])
        .assert()
        .success();
    home.cmd()
        .args(["key", "revoke", "gemini", "--label", "work", "--yes"])
        .assert()
        .success();
    assert_eq!(home.key_list().len(), 1);

    // The identity really lives in the daemon: with the keyring switched off, it cannot open.
    home.cmd()
        .env("BYOK_KEYRING", "off")
        .args(["key", "list"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("BYOK_KEYRING=off"));
}
