//! `install.sh` into a temporary prefix: the binary, every shell's completions and the man
//! pages land where each tool looks for them; running it twice is fine; `--uninstall`
//! leaves nothing behind, and nothing of anyone else's is touched. The tests hand it the
//! binary cargo built for them (BYOK_INSTALL_BINARY) instead of a release build.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn install_sh(prefix: &Path, args: &[&str]) -> Output {
    let out = Command::new("bash")
        .arg(repo().join("install.sh"))
        .args(args)
        .env("PREFIX", prefix)
        .env("BYOK_INSTALL_BINARY", env!("CARGO_BIN_EXE_byok"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "install.sh {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every file and directory under `dir`, relative to it, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            found.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Each installed file, with the checked-in file it must be a copy of.
fn installed_files(prefix: &Path) -> Vec<(PathBuf, PathBuf)> {
    let share = prefix.join("share");
    let mut files = vec![
        (
            share.join("bash-completion/completions/byok"),
            repo().join("completions/byok.bash"),
        ),
        (
            share.join("zsh/site-functions/_byok"),
            repo().join("completions/_byok"),
        ),
        (
            share.join("fish/vendor_completions.d/byok.fish"),
            repo().join("completions/byok.fish"),
        ),
        (
            share.join("byok/completions/byok.elv"),
            repo().join("completions/byok.elv"),
        ),
        (
            share.join("byok/completions/_byok.ps1"),
            repo().join("completions/_byok.ps1"),
        ),
    ];
    for entry in std::fs::read_dir(repo().join("man")).unwrap().flatten() {
        files.push((share.join("man/man1").join(entry.file_name()), entry.path()));
    }
    files
}

#[test]
fn install_twice_then_uninstall_leaves_an_empty_prefix() {
    let prefix = tempfile::tempdir().unwrap();
    let prefix = prefix.path();

    install_sh(prefix, &[]);
    let first = tree(prefix);
    let out = install_sh(prefix, &[]);
    assert_eq!(
        tree(prefix),
        first,
        "a second run changed what is installed"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("installed:"));

    let version = Command::new(prefix.join("bin/byok"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("byok "));
    let files = installed_files(prefix);
    assert!(
        files
            .iter()
            .any(|(p, _)| p.ends_with("man1/byok-key-add.1")),
        "{files:?}"
    );
    for (installed, source) in &files {
        let have = std::fs::read(installed)
            .unwrap_or_else(|e| panic!("{} not installed: {e}", installed.display()));
        assert_eq!(
            have,
            std::fs::read(source).unwrap(),
            "{}",
            installed.display()
        );
    }

    install_sh(prefix, &["--uninstall"]);
    assert_eq!(tree(prefix), Vec::<String>::new(), "left behind");
    // Uninstalling again is harmless.
    install_sh(prefix, &["--uninstall"]);
}

#[test]
fn uninstall_leaves_other_programs_files_and_their_directories() {
    let prefix = tempfile::tempdir().unwrap();
    let prefix = prefix.path();
    let theirs = [
        "bin/other",
        "share/man/man1/other.1",
        "share/zsh/site-functions/_other",
        "share/bash-completion/completions/other",
    ];
    for file in theirs {
        let path = prefix.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "not byok's").unwrap();
    }
    let before = tree(prefix);

    install_sh(prefix, &[]);
    assert!(prefix.join("share/man/man1/byok.1").is_file());
    install_sh(prefix, &["--uninstall"]);

    assert_eq!(tree(prefix), before);
}

#[test]
fn install_without_cargo_says_how_to_get_it() {
    // A PATH with only what the script needs before it looks for cargo.
    let bin = tempfile::tempdir().unwrap();
    for tool in ["dirname", "cat"] {
        let found = which(tool).unwrap_or_else(|| panic!("{tool} is not on PATH"));
        std::os::unix::fs::symlink(found, bin.path().join(tool)).unwrap();
    }
    let prefix = tempfile::tempdir().unwrap();
    let out = Command::new(which("bash").unwrap())
        .arg(repo().join("install.sh"))
        .env("PATH", bin.path())
        .env("PREFIX", prefix.path())
        .env_remove("BYOK_INSTALL_BINARY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cargo was not found"), "{stderr}");
    assert!(stderr.contains("rustup"), "{stderr}");
    assert_eq!(tree(prefix.path()), Vec::<String>::new());
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
}
