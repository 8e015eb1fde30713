//! Files, the vault and secrets at rest: what another user could plant or change is
//! refused, a damaged passphrase identity is called damaged, key input is bounded, and
//! secrets held in memory are kept out of reach.

mod support;

use std::io::{Read, Write};
use std::path::Path;

use support::byok::{Home, stderr};
use support::providers::GOOD_KEY;

// --- the passphrase identity (identity.age) ---------------------------------------------

/// The binary age header and payload of an armored age file.
fn dearmor(path: &Path) -> Vec<u8> {
    let armored = std::fs::read(path).unwrap();
    let mut bin = Vec::new();
    age::armor::ArmoredReader::new(&armored[..])
        .read_to_end(&mut bin)
        .unwrap();
    bin
}

fn rearmor(path: &Path, bin: &[u8]) {
    let mut out = Vec::new();
    let mut w =
        age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor).unwrap();
    w.write_all(bin).unwrap();
    w.finish().unwrap();
    std::fs::write(path, out).unwrap();
}

/// Replaces the first `from` in the binary header by `to`.
fn edit_header(bin: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bin
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{:?} is not in the header", String::from_utf8_lossy(from)));
    let mut out = bin[..at].to_vec();
    out.extend_from_slice(to);
    out.extend_from_slice(&bin[at + from.len()..]);
    out
}

/// A passphrase vault with one key; returns it and identity.age as made.
fn passphrase_home() -> (Home, Vec<u8>) {
    let home = Home::with_passphrase("correct horse");
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    let original = std::fs::read(home.file("identity.age")).unwrap();
    (home, original)
}

/// `key list` exits 3 saying identity.age is `word`, and never blames the passphrase.
fn assert_identity_refused(home: &Home, word: &str) -> String {
    let out = home.cmd().args(["key", "list"]).assert().code(3);
    let err = stderr(&out);
    assert!(err.contains("identity.age") && err.contains(word), "{err}");
    assert!(!err.contains("passphrase does not open"), "{err}");
    assert!(err.contains("hint: "), "{err}");
    err
}

#[test]
fn an_identity_asking_for_too_much_scrypt_work_is_damaged_not_a_wrong_passphrase() {
    let (home, _) = passphrase_home();
    let path = home.file("identity.age");
    let bin = dearmor(&path);
    // The stanza is `-> scrypt <salt> 17`: byok writes 2^17 and reads up to 2^18.
    let line_end = bin.iter().position(|b| *b == b'\n').unwrap();
    let stanza_at = bin.windows(9).position(|w| w == b"-> scrypt").unwrap();
    assert!(stanza_at > line_end);
    let stanza_end = stanza_at + bin[stanza_at..].iter().position(|b| *b == b'\n').unwrap();
    let stanza = String::from_utf8(bin[stanza_at..stanza_end].to_vec()).unwrap();
    assert!(stanza.ends_with(" 17"), "{stanza}");
    for factor in ["19", "30"] {
        let asked = format!("{} {factor}", &stanza[..stanza.len() - 3]);
        rearmor(
            &path,
            &edit_header(&bin, stanza.as_bytes(), asked.as_bytes()),
        );
        let err = assert_identity_refused(&home, "damaged");
        assert!(err.contains(&format!("work factor {factor}")), "{err}");
    }
}

#[test]
fn a_garbled_or_truncated_identity_header_is_damaged() {
    let (home, original) = passphrase_home();
    let path = home.file("identity.age");
    let bin = dearmor(&path);

    // The stanza's tag garbled: no passphrase stanza is left for the passphrase to open.
    rearmor(&path, &edit_header(&bin, b"-> scrypt ", b"-> scrypX "));
    assert_identity_refused(&home, "damaged");

    // The header cut short.
    rearmor(&path, &bin[..40]);
    assert_identity_refused(&home, "damaged");

    // Garbage where the armor should be.
    std::fs::write(&path, b"-----BEGIN AGE ENCRYPTED FILE-----\n%%%%\n").unwrap();
    assert_identity_refused(&home, "damaged");

    // The wrong passphrase on an intact file is still a wrong passphrase.
    std::fs::write(&path, &original).unwrap();
    let mut wrong = Home::with_passphrase("wrong");
    wrong.env("BYOK_HOME", home.path().to_str().unwrap());
    wrong
        .cmd()
        .args(["key", "list"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("the passphrase does not open"));
    assert_eq!(home.key_list().len(), 1);
}

#[test]
fn a_missing_identity_is_exit_3_and_asks_for_no_passphrase() {
    let (home, _) = passphrase_home();
    std::fs::remove_file(home.file("identity.age")).unwrap();
    assert_identity_refused(&home, "missing");
    // Without BYOK_PASSPHRASE either: the missing file is what is reported.
    let mut locked = Home::new(support::byok::Unlock::Nothing);
    locked.env("BYOK_HOME", home.path().to_str().unwrap());
    let out = locked.cmd().args(["key", "list"]).assert().code(3);
    assert!(
        stderr(&out).contains("identity.age is missing"),
        "{}",
        stderr(&out)
    );
}

// --- bounded key input -------------------------------------------------------------------

#[test]
fn bad_key_input_is_refused_and_nothing_is_stored() {
    let home = Home::with_identity();
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    let vault = std::fs::read(home.file("vault.age")).unwrap();
    let meta = std::fs::read(home.file("vault.toml")).unwrap();
    let long = format!("sk-{}", "a".repeat(1022));
    let cases: [(&str, &str); 6] = [
        ("sk-with\u{1b}[31mescape-0123456789", "control character"),
        ("sk-with\u{7f}delete-0123456789", "control character"),
        ("sk-with\u{0}nul-0123456789abcdef", "control character"),
        ("sk-inner space-0123456789", "whitespace"),
        ("sk-inner\ttab-0123456789", "whitespace"),
        (&long, "1 KiB"),
    ];
    for (secret, why) in cases {
        for cmd in [
            &["key", "add", "anthropic", "--no-verify"][..],
            &["key", "rotate", "openai", "--no-verify"][..],
        ] {
            let out = home
                .cmd()
                .args(cmd)
                .write_stdin(format!("{secret}\n"))
                .assert()
                .code(2);
            let err = stderr(&out);
            assert!(
                err.contains(why) && err.contains("not stored"),
                "{why}: {err}"
            );
            assert!(!err.contains(secret), "the input was echoed: {err}");
        }
    }
    assert_eq!(std::fs::read(home.file("vault.age")).unwrap(), vault);
    assert_eq!(std::fs::read(home.file("vault.toml")).unwrap(), meta);

    // 1 KiB exactly is accepted; leading and trailing blanks are not part of the key.
    let max = format!("sk-{}", "b".repeat(1021));
    home.cmd()
        .args(["key", "add", "anthropic", "--no-verify"])
        .write_stdin(format!("\n  {max} \r\n"))
        .assert()
        .success();
    assert_eq!(home.key_list().len(), 2);
}
