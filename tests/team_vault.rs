//! Team and CI vaults (README "The vault"): `vault recipients add|rm|list` re-encrypt the vault
//! to every recipient, and a copy of vault.age + vault.toml opens elsewhere with
//! BYOK_IDENTITY or BYOK_IDENTITY_FILE (an age identity, or an ssh-ed25519 key).

mod support;

use support::byok::{Home, Unlock, json, new_identity, stderr, stdout};
use support::providers::{GOOD_KEY, GOOD_KEY_2};

fn public_of(identity: &str) -> String {
    identity
        .parse::<age::x25519::Identity>()
        .unwrap()
        .to_public()
        .to_string()
}

/// A vault owned by a fresh identity, holding an openai key and an anthropic `work` key.
fn owner() -> (Home, String) {
    let id = new_identity();
    let home = Home::new(Unlock::Identity(id.clone()));
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    home.add_key("anthropic", GOOD_KEY_2, &["--no-verify", "--label", "work"])
        .success();
    (home, id)
}

/// A fresh BYOK_HOME holding a copy of `from`'s vault.age and vault.toml, as a teammate's
/// checkout or a CI job would.
fn copy_of(from: &Home, unlock: Unlock) -> Home {
    let home = Home::new(unlock);
    for f in ["vault.age", "vault.toml"] {
        std::fs::copy(from.file(f), home.file(f)).unwrap();
    }
    home
}

fn recipients(home: &Home) -> Vec<serde_json::Value> {
    json(
        &home
            .cmd()
            .args(["--json", "vault", "recipients", "list"])
            .assert()
            .success(),
    )
    .as_array()
    .unwrap()
    .clone()
}

fn keys_seen_by(home: &Home) -> Vec<String> {
    home.key_list()
        .iter()
        .filter(|k| k["source"] == "vault")
        .map(|k| {
            format!(
                "{}/{}",
                k["provider"].as_str().unwrap(),
                k["label"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_teammate_opens_a_copy_and_cannot_once_removed() {
    let (home, _) = owner();
    let second = new_identity();
    let second_pub = public_of(&second);

    let added = home
        .cmd()
        .args([
            "vault",
            "recipients",
            "add",
            &second_pub,
            "--name",
            "teammate",
        ])
        .assert()
        .success();
    assert!(
        stderr(&added).contains("2 recipients"),
        "{}",
        stderr(&added)
    );
    let listed = recipients(&home);
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["key"], second_pub.as_str());
    assert_eq!(listed[1]["name"], "teammate");

    // A fresh home with only the copied files and the teammate's identity.
    let teammate = copy_of(&home, Unlock::Identity(second.clone()));
    assert_eq!(
        keys_seen_by(&teammate),
        vec!["anthropic/work".to_string(), "openai/default".to_string()]
    );
    // `list` reads vault.toml only: no identity needed.
    let bystander = copy_of(&home, Unlock::Nothing);
    let table = bystander
        .cmd()
        .args(["vault", "recipients", "list"])
        .assert()
        .success();
    assert!(stdout(&table).contains("teammate"));

    let removed = home
        .cmd()
        .args(["vault", "recipients", "rm", "teammate"])
        .assert()
        .success();
    let warning = stderr(&removed);
    assert!(warning.contains("warning"), "{warning}");
    assert!(warning.contains("byok key rotate openai"), "{warning}");
    assert!(
        warning.contains("byok key rotate anthropic --label work"),
        "{warning}"
    );
    assert_eq!(recipients(&home).len(), 1);

    // The new vault no longer opens with the teammate's identity…
    let locked_out = copy_of(&home, Unlock::Identity(second));
    let out = locked_out.cmd().args(["key", "list"]).assert().code(3);
    assert!(
        stderr(&out).contains("not one of its recipients"),
        "{}",
        stderr(&out)
    );
    // …while the owner's still does.
    assert_eq!(keys_seen_by(&home).len(), 2);
}

#[test]
#[ignore = "needs ssh-keygen (Debian: openssh-client); .ci/run installs it and runs ignored tests"]
fn an_ssh_ed25519_recipient_opens_with_identity_file() {
    let (home, _) = owner();
    let keys = tempfile::tempdir().unwrap();
    let private = keys.path().join("id_ed25519");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "ci@example", "-f"])
        .arg(&private)
        .status()
        .unwrap();
    assert!(made.success());
    let public = std::fs::read_to_string(private.with_extension("pub")).unwrap();

    home.cmd()
        .args(["vault", "recipients", "add", public.trim()])
        .assert()
        .success();
    let listed = recipients(&home);
    assert_eq!(listed.len(), 2);
    // The comment is the default name, and is not part of the recipient.
    assert_eq!(listed[1]["name"], "ci@example");
    assert!(
        listed[1]["key"]
            .as_str()
            .unwrap()
            .starts_with("ssh-ed25519 AAAA")
    );
    assert!(!listed[1]["key"].as_str().unwrap().contains("ci@example"));

    let mut ci = copy_of(&home, Unlock::Nothing);
    ci.env("BYOK_IDENTITY_FILE", private.to_str().unwrap());
    assert_eq!(keys_seen_by(&ci).len(), 2);

    // Removed by its key (with or without the comment), it no longer opens the vault.
    home.cmd()
        .args(["vault", "recipients", "rm", public.trim()])
        .assert()
        .success();
    let mut ci = copy_of(&home, Unlock::Nothing);
    ci.env("BYOK_IDENTITY_FILE", private.to_str().unwrap());
    ci.cmd().args(["key", "list"]).assert().code(3);
}

#[test]
fn duplicate_and_malformed_recipients_are_refused_and_change_nothing() {
    let (home, owner_id) = owner();
    let second_pub = public_of(&new_identity());
    home.cmd()
        .args(["vault", "recipients", "add", &second_pub, "--name", "ci"])
        .assert()
        .success();
    let before = std::fs::read(home.file("vault.age")).unwrap();

    let dup = home
        .cmd()
        .args(["vault", "recipients", "add", &format!("  {second_pub}\n")])
        .assert()
        .code(3);
    assert!(
        stderr(&dup).contains("already encrypted to"),
        "{}",
        stderr(&dup)
    );
    let own = home
        .cmd()
        .args(["vault", "recipients", "add", &public_of(&owner_id)])
        .assert()
        .code(3);
    assert!(
        stderr(&own).contains("already encrypted to"),
        "{}",
        stderr(&own)
    );
    let name = home
        .cmd()
        .args([
            "vault",
            "recipients",
            "add",
            &public_of(&new_identity()),
            "--name",
            "ci",
        ])
        .assert()
        .code(3);
    assert!(
        stderr(&name).contains("named `ci` already exists"),
        "{}",
        stderr(&name)
    );

    for bad in [
        "age1notarecipient",
        "hello",
        "ssh-ed25519 AAAAnotbase64!!",
        "AGE-SECRET-KEY-1QQQQ",
    ] {
        let out = home
            .cmd()
            .args(["vault", "recipients", "add", bad])
            .assert()
            .code(3);
        assert!(
            stderr(&out).contains("is not an age or ssh recipient"),
            "{bad}: {}",
            stderr(&out)
        );
    }
    home.cmd()
        .args(["vault", "recipients", "rm", "nobody"])
        .assert()
        .code(3);

    assert_eq!(std::fs::read(home.file("vault.age")).unwrap(), before);
    assert_eq!(recipients(&home).len(), 2);
}

#[test]
fn the_last_recipient_and_the_opening_identity_are_kept_unless_forced() {
    let (home, owner_id) = owner();
    let owner_pub = public_of(&owner_id);
    let last = home
        .cmd()
        .args(["vault", "recipients", "rm", &owner_pub])
        .assert()
        .code(2);
    assert!(
        stderr(&last).contains("only recipient"),
        "{}",
        stderr(&last)
    );

    let second = new_identity();
    home.cmd()
        .args(["vault", "recipients", "add", &public_of(&second)])
        .assert()
        .success();
    let own = home
        .cmd()
        .args(["vault", "recipients", "rm", &owner_pub])
        .assert()
        .code(2);
    let err = stderr(&own);
    assert!(
        err.contains("opened the vault just now") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(recipients(&home).len(), 2);

    home.cmd()
        .args(["vault", "recipients", "rm", &owner_pub, "--force"])
        .assert()
        .success();
    home.cmd().args(["key", "list"]).assert().code(3);
    let other = copy_of(&home, Unlock::Identity(second));
    assert_eq!(keys_seen_by(&other).len(), 2);
}

#[test]
fn removing_this_machines_passphrase_identity_switches_the_vault_to_env_identities() {
    let home = Home::with_passphrase("correct horse battery staple");
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    let machine_pub = recipients(&home)[0]["key"].as_str().unwrap().to_string();
    let second = new_identity();
    home.cmd()
        .args([
            "vault",
            "recipients",
            "add",
            &public_of(&second),
            "--name",
            "ci",
        ])
        .assert()
        .success();

    let refused = home
        .cmd()
        .args(["vault", "recipients", "rm", &machine_pub])
        .assert()
        .code(2);
    assert!(
        stderr(&refused).contains("how this machine unlocks it"),
        "{}",
        stderr(&refused)
    );

    let forced = home
        .cmd()
        .args(["vault", "recipients", "rm", &machine_pub, "--force"])
        .assert()
        .success();
    assert!(
        stderr(&forced).contains("no longer opens the vault"),
        "{}",
        stderr(&forced)
    );
    let meta = std::fs::read_to_string(home.file("vault.toml")).unwrap();
    assert!(meta.contains("unlock = \"identity\""), "{meta}");
    // The passphrase no longer opens it; the remaining recipient does.
    let out = home.cmd().args(["key", "list"]).assert().code(3);
    assert!(stderr(&out).contains("BYOK_IDENTITY"), "{}", stderr(&out));
    let ci = copy_of(&home, Unlock::Identity(second));
    assert_eq!(keys_seen_by(&ci), vec!["openai/default".to_string()]);
}
