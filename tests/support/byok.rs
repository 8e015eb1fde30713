//! Running the built `byok` binary the way a user does: its own BYOK_HOME, a clean
//! environment (no provider keys, no session bus unless asked), no terminal.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use secrecy::ExposeSecret;

/// How a test's vault is unlocked.
#[derive(Clone)]
pub enum Unlock {
    /// BYOK_IDENTITY holds this identity (the CI path).
    Identity(String),
    /// BYOK_PASSPHRASE, with the keyring switched off.
    Passphrase(String),
    /// The real OS keyring: the session bus of the test process is passed through.
    Keyring,
    /// Nothing: no keyring, no passphrase, no identity.
    Nothing,
}

pub struct Home {
    dir: tempfile::TempDir,
    pub unlock: Unlock,
    extra_env: Vec<(String, String)>,
}

impl Home {
    pub fn new(unlock: Unlock) -> Home {
        Home {
            dir: tempfile::tempdir().expect("temp dir"),
            unlock,
            extra_env: Vec::new(),
        }
    }

    /// A vault opened by a fresh age identity from BYOK_IDENTITY.
    pub fn with_identity() -> Home {
        Home::new(Unlock::Identity(new_identity()))
    }

    pub fn with_passphrase(p: &str) -> Home {
        Home::new(Unlock::Passphrase(p.to_string()))
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// An environment variable for every later command of this home.
    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        self.extra_env.push((key.to_string(), value.to_string()));
        self
    }

    /// `byok` with only what this test chose in its environment (stdin closed: no terminal).
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// The same, as a plain `std::process::Command` for tests that spawn and wait themselves.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("byok"));
        cmd.env_clear();
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd.env("HOME", self.dir.path());
        cmd.env("BYOK_HOME", self.dir.path());
        cmd.env("NO_COLOR", "1");
        cmd.env("TZ", "UTC");
        match &self.unlock {
            Unlock::Identity(id) => {
                cmd.env("BYOK_IDENTITY", id).env("BYOK_KEYRING", "off");
            }
            Unlock::Passphrase(p) => {
                cmd.env("BYOK_PASSPHRASE", p).env("BYOK_KEYRING", "off");
            }
            Unlock::Keyring => {
                for var in [
                    "DBUS_SESSION_BUS_ADDRESS",
                    "XDG_RUNTIME_DIR",
                    "XDG_DATA_HOME",
                ] {
                    if let Some(v) = std::env::var_os(var) {
                        cmd.env(var, v);
                    }
                }
            }
            Unlock::Nothing => {
                cmd.env("BYOK_KEYRING", "off");
            }
        }
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    /// `byok key add PROVIDER [args]` with the secret on stdin.
    pub fn add_key(
        &self,
        provider: &str,
        secret: &str,
        args: &[&str],
    ) -> assert_cmd::assert::Assert {
        self.cmd()
            .args(["key", "add", provider])
            .args(args)
            .write_stdin(format!("{secret}\n"))
            .assert()
    }

    /// `--json key list`, parsed.
    pub fn key_list(&self) -> Vec<serde_json::Value> {
        let out = self.cmd().args(["--json", "key", "list"]).output().unwrap();
        assert!(
            out.status.success(),
            "key list failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// Every file under the home whose bytes contain `needle`.
    pub fn files_containing(&self, needle: &str) -> Vec<PathBuf> {
        let mut hits = Vec::new();
        for entry in walk(self.dir.path()) {
            if std::fs::read(&entry)
                .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
            {
                hits.push(entry);
            }
        }
        hits
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

/// A fresh `AGE-SECRET-KEY-1…`.
pub fn new_identity() -> String {
    age::x25519::Identity::generate()
        .to_string()
        .expose_secret()
        .to_string()
}

/// The answer `byok run` printed: its stdout, which always ends its last line, without
/// that one newline.
#[allow(dead_code)]
pub fn printed(a: &assert_cmd::assert::Assert) -> String {
    let out = stdout(a);
    match out.strip_suffix('\n') {
        Some(text) => text.to_string(),
        None if out.is_empty() => out,
        None => panic!("the answer does not end its last line: {out:?}"),
    }
}

pub fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

pub fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

pub fn json(a: &assert_cmd::assert::Assert) -> serde_json::Value {
    serde_json::from_slice(&a.get_output().stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(a)))
}
