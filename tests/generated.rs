//! The checked-in shell completions (`completions/`) and man pages (`man/`) are what the
//! current CLI generates. Regenerate them with the one command in
//! `byok::generate::REGENERATE`: `BYOK_REGENERATE=1 cargo test --test generated regenerate`.

use std::path::Path;

use assert_cmd::Command;
use byok::generate;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn regenerating() -> bool {
    std::env::var_os("BYOK_REGENERATE").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Writes completions/ and man/ when asked to (`BYOK_REGENERATE=1`); otherwise does
/// nothing. The check below never writes, so it cannot pass by construction.
#[test]
fn regenerate() {
    if regenerating() {
        generate::write_all(repo()).expect("write completions/ and man/");
    }
}

#[test]
fn checked_in_completions_and_man_pages_match_the_cli() {
    if regenerating() {
        // The files are being rewritten by `regenerate` on another thread.
        return;
    }
    let drift = generate::check(repo());
    let list: Vec<String> = drift.iter().map(|d| format!("  {d}")).collect();
    assert!(
        drift.is_empty(),
        "the checked-in completions and man pages do not match the CLI:\n{}\n\n\
         regenerate them with:\n\n    {}\n",
        list.join("\n"),
        generate::REGENERATE
    );
}

#[test]
fn the_expected_files_are_generated() {
    let files: Vec<String> = generate::files()
        .into_iter()
        .map(|(p, _)| p.to_string_lossy().replace('\\', "/"))
        .collect();
    for want in [
        "completions/byok.bash",
        "completions/_byok",
        "completions/byok.fish",
        "completions/byok.elv",
        "completions/_byok.ps1",
        "man/byok.1",
        "man/byok-key.1",
        "man/byok-key-add.1",
        "man/byok-run.1",
        "man/byok-route-set.1",
        "man/byok-completions.1",
    ] {
        assert!(files.iter().any(|f| f == want), "{want} not in {files:?}");
    }
}

#[test]
fn completions_command_prints_each_shells_script() {
    for (name, shell) in [
        ("bash", generate::Shell::Bash),
        ("zsh", generate::Shell::Zsh),
        ("fish", generate::Shell::Fish),
        ("elvish", generate::Shell::Elvish),
        ("powershell", generate::Shell::PowerShell),
    ] {
        let out = Command::cargo_bin("byok")
            .unwrap()
            .args(["completions", name])
            .env("BYOK_HOME", "/nonexistent/byok-home")
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}: {out:?}");
        assert!(out.stderr.is_empty(), "{name}: {out:?}");
        assert_eq!(out.stdout, generate::completion(shell), "{name}");
        // The registration calls byok back (tests/completion.rs asks it what it answers),
        // and is what the environment variable prints too.
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(
            script.contains("BYOK_COMPLETE") && script.contains("byok"),
            "{name}: {script}"
        );
        let registration = Command::cargo_bin("byok")
            .unwrap()
            .env("BYOK_COMPLETE", name)
            .output()
            .unwrap();
        assert!(registration.status.success(), "{name}: {registration:?}");
        assert_eq!(
            String::from_utf8(registration.stdout).unwrap(),
            script,
            "{name}"
        );
    }
}

#[test]
fn completions_refuses_an_unknown_shell() {
    Command::cargo_bin("byok")
        .unwrap()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn every_man_page_has_the_extra_sections() {
    for (name, roff) in generate::man_pages() {
        let text = String::from_utf8(roff).unwrap();
        for section in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH \"EXIT STATUS\"",
            ".SH ENVIRONMENT",
            ".SH FILES",
        ] {
            assert!(text.contains(section), "{name} lacks {section}");
        }
        assert_eq!(text.matches(".SH EXTRA").count(), 0, "{name}");
        // One roff preamble, at the top.
        assert_eq!(text.matches(".ds Aq").count(), 2, "{name}");
        for needle in [
            "BYOK_HOME",
            "BYOK_IDENTITY_FILE",
            "OPENAI_API_KEY",
            "NO_COLOR",
        ] {
            assert!(text.contains(needle), "{name} lacks {needle}");
        }
        for needle in ["vault.age.bak", "ledger.sqlite3", "active\\-profile"] {
            assert!(text.contains(needle), "{name} lacks {needle}");
        }
        assert!(text.contains("\\fB130\\fR"), "{name} lacks exit status 130");
    }
}

#[test]
fn man_page_examples_come_from_after_help() {
    let pages = generate::man_pages();
    let page = |n: &str| {
        let (_, roff) = pages.iter().find(|(name, _)| name == n).unwrap();
        String::from_utf8(roff.clone()).unwrap()
    };
    let add = page("byok-key-add.1");
    assert!(add.contains(".SH EXAMPLES"), "{add}");
    assert!(add.contains("byok key add anthropic \\-\\-label work < key.txt"));
    // A group shows its subcommands' examples.
    let key = page("byok-key.1");
    assert!(
        key.contains("byok key rotate openai < new\\-key.txt"),
        "{key}"
    );
    // Notes after the examples join the description, before OPTIONS.
    let revoke = page("byok-key-revoke.1");
    let note = revoke.find("revoke it at the provider").expect(&revoke);
    assert!(note < revoke.find(".SH OPTIONS").unwrap());
    // The top-level short exit table is not repeated outside EXIT STATUS.
    assert!(!page("byok.1").contains("Exit status:"));
    assert!(
        add.contains(".SH \"SEE ALSO\"\n\\fBbyok\\-key\\fR(1), \\fBbyok\\fR(1)\n"),
        "{add}"
    );
}

/// Every `BYOK_…` variable byok reads is in the man pages' ENVIRONMENT section.
#[test]
fn every_byok_variable_in_src_is_documented() {
    let documented = generate::documented_env_vars();
    let mut undocumented = Vec::new();
    let mut stack = vec![repo().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for var in quoted_byok_names(&text) {
                if !documented.contains(&var) && !undocumented.contains(&var) {
                    undocumented.push(var);
                }
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "src/ reads {undocumented:?}, which the man pages do not document: add it to \
         ENVIRONMENT in src/generate.rs, then run {}",
        generate::REGENERATE
    );
}

/// The `"BYOK_NAME"` string literals in a source file.
fn quoted_byok_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (i, _) in text.match_indices("\"BYOK_") {
        let rest = &text[i + 1..];
        let end = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        if rest[end..].starts_with('"') && end > "BYOK_".len() {
            names.push(rest[..end].to_string());
        }
    }
    names
}

#[test]
fn the_readme_lists_every_exit_code() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("## Exit codes")
        .nth(1)
        .expect("README has an Exit codes section");
    let section = section.split("\n## ").next().unwrap();
    let listed: Vec<i32> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| ")?.split(" |").next())
        .flat_map(|codes| codes.split(", ").filter_map(|c| c.trim().parse().ok()))
        .collect();
    for (code, _, _) in byok::error::exit::MEANINGS {
        assert!(
            listed.contains(code),
            "README's exit codes table does not list {code}"
        );
    }
    for code in &listed {
        assert!(
            byok::error::exit::MEANINGS
                .iter()
                .any(|(c, _, _)| c == code),
            "README lists exit code {code}, which byok does not have"
        );
    }
}
