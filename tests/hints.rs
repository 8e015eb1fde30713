//! Hints that lead somewhere (issue 12): every `hint:` that names a command names one that
//! works in the state that printed it (README "Exit codes": "Every error says what went
//! wrong and, on a `hint:` line, what to type next").
//!
//! Each test puts a fresh BYOK_HOME into a state, provokes one kind of error with the
//! binary, reads the `hint:` line and takes out every command it names. The rule, kept
//! simple: a command starts at `byok ` and runs to two spaces, a backtick, a `)`, `, `,
//! `; ` or the end of the hint. Each command then runs in a fresh copy of the same state
//! (so one command's effects never help the next), and must be accepted: exit 0, or a code
//! the test names as the expected next step (`key verify` of a rejected key exits 4) — never
//! a usage error (2) or a configuration error (3) caused by the hint itself.
//!
//! A hinted command is run as a person would type it:
//!
//! - its placeholders filled with values the state makes good: `<provider:model>` →
//!   `openai:gpt-4o-mini`, `<provider>` → `openai`, `<model>` → `llama3.2`, `<route>` →
//!   `local` (a route to Ollama), `FILE` → `prompt.txt` (the prompt the error was about),
//!   `"…"` → `"hello"`; any other `<…>` or `…` fails the test;
//! - with a good key on stdin when it reads one (`key add`, `key rotate`), else `hello`
//!   (the prompt a hinted `run` sends);
//! - with the environment a hint tells to set, where it says so (`BYOK_PASSPHRASE`).
//!
//! A hint that is itself a shell command (`chmod 600 …`) is run with `sh`, and the command
//! that failed must then succeed. Where the hint is the fix (a key to add, a permission to
//! restore), the failed command must also succeed after it.
//!
//! A confirmation answered "no" on a terminal is not an error: nothing changes, byok says
//! so and exits 0 (`declining_a_confirmation_changes_nothing_and_exits_0`).
#![cfg(unix)]

mod support;

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Output, Stdio};

use support::byok::{Home, Unlock, new_identity};
use support::fake::FakeServer;
use support::providers::{self, BAD_KEY, GOOD_KEY, GOOD_KEY_2, NO_CREDIT_KEY};
use support::wire::{Answer, Fake};

const PASS: &str = "correct horse battery staple";

/// A state to provoke an error in: a home and the loopback providers it is pointed at.
struct State {
    home: Home,
    _fake: FakeServer,
    /// Whether a hinted `vault unlock` may have kept this vault's identity in the kernel
    /// keyring: `byok vault lock` when the state goes.
    lock_on_drop: bool,
}

impl Drop for State {
    fn drop(&mut self) {
        if self.lock_on_drop {
            let _ = self.home.cmd().args(["vault", "lock"]).output();
        }
    }
}

/// One loopback server for every provider the states use: the verification probes of
/// `support::providers` (keys with `good` in them work) and the chat endpoints of OpenAI
/// (only [`GOOD_KEY`]) and Ollama.
fn fake() -> FakeServer {
    let openai = Fake::openai(GOOD_KEY, Answer::text(&["hel", "lo"]));
    let ollama = Fake::ollama(None, Answer::text(&["hel", "lo"]));
    FakeServer::start(move |req| {
        let path = req.path_only();
        if path.starts_with("/openai/") && path.ends_with("/chat/completions") {
            openai.reply_to(req)
        } else if path.starts_with("/ollama/") && path.ends_with("/api/chat") {
            ollama.reply_to(req)
        } else {
            providers::reply(req)
        }
    })
}

impl State {
    fn new(unlock: Unlock) -> State {
        let fake = fake();
        let mut home = Home::new(unlock);
        providers::point_all(&mut home, &fake.url());
        State {
            home,
            _fake: fake,
            lock_on_drop: false,
        }
    }

    /// A vault opened by a fresh identity.
    fn identity() -> State {
        State::new(Unlock::Identity(new_identity()))
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.home.file(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// `byok ARGS` with `stdin`.
    fn byok(&self, args: &[&str], stdin: &str) -> Output {
        self.home
            .cmd()
            .args(args)
            .write_stdin(stdin)
            .output()
            .unwrap()
    }

    /// `sh -c line` in the home, with the home's environment and `byok` on PATH.
    fn sh(&self, line: &str, env: &[(&str, &str)], stdin: &str) -> Output {
        let byok = self.home.std_cmd();
        let bin = assert_cmd::cargo::cargo_bin("byok");
        let mut cmd = Command::new("sh");
        cmd.env_clear();
        for (k, v) in byok.get_envs() {
            if let Some(v) = v {
                cmd.env(k, v);
            }
        }
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.env(
            "PATH",
            format!("{}:{path}", bin.parent().unwrap().display()),
        );
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .arg("-c")
            .arg(line)
            .current_dir(self.home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A command that does not read its stdin may be gone before it is written.
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        child.wait_with_output().unwrap()
    }
}

/// The `hint:` line of what byok printed.
fn hint_of(err: &str) -> String {
    err.lines()
        .find_map(|l| l.strip_prefix("hint: "))
        .unwrap_or_else(|| panic!("no hint: line in:\n{err}"))
        .to_string()
}

/// Every command the hint names (the rule of the module comment), without `byok `.
fn commands_in(hint: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = hint;
    while let Some(at) = rest.find("byok ") {
        let after = &rest[at + "byok ".len()..];
        let end = ["  ", "`", ")", ", ", "; "]
            .iter()
            .filter_map(|stop| after.find(stop))
            .min()
            .unwrap_or(after.len());
        out.push(after[..end].trim().to_string());
        rest = &after[end..];
    }
    out
}

/// The command with its placeholders filled (see the module comment).
fn filled(command: &str) -> String {
    let line = command
        .replace("<provider:model>", "openai:gpt-4o-mini")
        .replace("<provider>", "openai")
        .replace("<model>", "llama3.2")
        .replace("<route>", "local")
        .replace("\"…\"", "\"hello\"")
        .replace(" FILE", " prompt.txt");
    assert!(
        !line.contains('<') && !line.contains('…'),
        "the hint's command `byok {command}` has a placeholder this test has no value for"
    );
    line
}

/// What a hinted command reads on stdin.
fn stdin_for(command: &str) -> String {
    if command.starts_with("key add") || command.starts_with("key rotate") {
        format!("{GOOD_KEY}\n")
    } else {
        "hello\n".into()
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// How to check one kind of error.
struct Case<'a> {
    /// Makes the state, afresh for each command run in it.
    state: &'a dyn Fn() -> State,
    /// The command that fails, and its stdin.
    provoke: &'a [&'a str],
    stdin: &'a str,
    /// Its exit code.
    code: i32,
    /// Exit codes besides 0 that a hinted command may give: the next step it reports.
    next: &'a [i32],
    /// The environment the hint tells to set, for the hinted commands.
    env: &'a [(&'a str, &'a str)],
    /// Whether the failed command must succeed once the hint was followed.
    fixes: bool,
}

impl Case<'_> {
    /// Provokes the error, follows every command its hint names; returns the hint.
    fn follow(&self) -> String {
        let state = (self.state)();
        let out = state.byok(self.provoke, self.stdin);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(self.code),
            "byok {:?}:\n{err}",
            self.provoke
        );
        let hint = hint_of(&err);
        eprintln!("byok {}\n{err}", self.provoke.join(" "));
        for command in commands_in(&hint) {
            let state = (self.state)();
            state.byok(self.provoke, self.stdin);
            let line = filled(&command);
            let out = state.sh(&format!("byok {line}"), self.env, &stdin_for(&line));
            let code = out.status.code().unwrap_or(-1);
            assert!(
                code == 0 || self.next.contains(&code),
                "after `byok {}` failed with\n{err}\nits hint's `byok {line}` exited {code}:\n{}",
                self.provoke.join(" "),
                text(&out)
            );
            if self.fixes {
                let again = state.byok(self.provoke, self.stdin);
                assert!(
                    again.status.success(),
                    "after `byok {line}`, `byok {}` still fails:\n{}",
                    self.provoke.join(" "),
                    text(&again)
                );
            }
        }
        hint
    }
}

fn case<'a>(state: &'a dyn Fn() -> State, provoke: &'a [&'a str], code: i32) -> Case<'a> {
    Case {
        state,
        provoke,
        stdin: "",
        code,
        next: &[],
        env: &[],
        fixes: false,
    }
}

/// The profile `default` with `text`.
fn profile(state: &State, text: &str) {
    state.write("profiles/default.toml", text);
}

fn with_key(provider: &str, key: &str, label: &str) -> State {
    let state = State::identity();
    state
        .home
        .add_key(provider, key, &["--no-verify", "--label", label])
        .success();
    state
}

#[test]
fn the_rule_takes_out_every_command_a_hint_names() {
    assert_eq!(
        commands_in(
            "create it: byok route set x <provider:model>  (see them all: byok route list)"
        ),
        ["route set x <provider:model>", "route list"]
    );
    assert_eq!(
        commands_in(
            "check it with `byok key verify openai`, or replace it: byok key rotate openai"
        ),
        ["key verify openai", "key rotate openai"]
    );
    assert_eq!(
        commands_in(
            "add a key: byok key add <provider>  (or export e.g. OPENAI_API_KEY), or run a local model: byok run -m ollama:llama3.2 \"…\""
        ),
        ["key add <provider>", "run -m ollama:llama3.2 \"…\""]
    );
    assert!(commands_in("try again; in scripts check the BYOK_PASSPHRASE variable").is_empty());
    assert_eq!(filled("run -r <route>"), "run -r local");
}

// ---------------------------------------------------------------------------
// Keys a call needs
// ---------------------------------------------------------------------------

#[test]
fn a_missing_key_hints_the_key_add_that_fixes_the_call() {
    let hint = Case {
        fixes: true,
        ..case(&State::identity, &["run", "-m", "openai", "hi"], 3)
    }
    .follow();
    assert!(hint.contains("byok key add openai"), "{hint}");
}

#[test]
fn a_provider_with_only_labelled_keys_hints_the_label_or_the_key_to_add() {
    let hint = Case {
        fixes: true,
        ..case(
            &|| with_key("openai", GOOD_KEY, "work"),
            &["run", "-m", "openai", "hi"],
            3,
        )
    }
    .follow();
    assert!(hint.contains("--key work"), "{hint}");
}

#[test]
fn no_key_at_all_hints_a_key_to_add_or_a_local_model() {
    // Two ways on, neither of them the call as it was: a key (then it works), or Ollama.
    let hint = case(&State::identity, &["run", "hi"], 3).follow();
    assert!(hint.contains("byok run -m ollama"), "{hint}");
}

#[test]
fn a_rejected_environment_key_hints_a_vault_key_not_a_rotation() {
    let state = || {
        let mut s = State::identity();
        s.home.env("OPENAI_API_KEY", BAD_KEY);
        s
    };
    let hint = Case {
        fixes: true,
        ..case(&state, &["run", "-m", "openai", "hi"], 4)
    }
    .follow();
    assert!(hint.contains("OPENAI_API_KEY"), "{hint}");
    assert!(!hint.contains("rotate"), "nothing to rotate: {hint}");
}

#[test]
fn a_rejected_vault_key_hints_its_own_label() {
    let hint = Case {
        next: &[4], // `key verify` reports the rejected key
        fixes: false,
        ..case(
            &|| with_key("openai", BAD_KEY, "work"),
            &["run", "-m", "openai", "--key", "work", "hi"],
            4,
        )
    }
    .follow();
    assert!(hint.contains("--label work"), "{hint}");
    // Rotated to a key the provider takes, the same call works.
    let state = with_key("openai", BAD_KEY, "work");
    let rotate = state.sh(
        "byok key rotate openai --label work",
        &[],
        &stdin_for("key rotate"),
    );
    assert!(rotate.status.success(), "{}", text(&rotate));
    let again = state.byok(&["run", "-m", "openai", "--key", "work", "hi"], "");
    assert!(again.status.success(), "{}", text(&again));
}

// ---------------------------------------------------------------------------
// Adding and replacing keys
// ---------------------------------------------------------------------------

#[test]
fn a_key_rejected_by_key_add_hints_key_add_again_not_a_rotation() {
    let hint = Case {
        stdin: &format!("{BAD_KEY}\n"),
        ..case(
            &State::identity,
            &["key", "add", "openai", "--label", "broken"],
            4,
        )
    }
    .follow();
    assert!(
        hint.contains("byok key add openai --label broken"),
        "{hint}"
    );
}

#[test]
fn a_key_out_of_credit_at_key_add_hints_key_add_again() {
    let hint = Case {
        stdin: &format!("{NO_CREDIT_KEY}\n"),
        ..case(&State::identity, &["key", "add", "openai"], 4)
    }
    .follow();
    assert!(hint.contains("byok key add openai"), "{hint}");
}

#[test]
fn a_key_rejected_by_key_rotate_hints_rotating_again() {
    let hint = Case {
        stdin: &format!("{BAD_KEY}\n"),
        ..case(
            &|| with_key("openai", GOOD_KEY_2, "default"),
            &["key", "rotate", "openai"],
            4,
        )
    }
    .follow();
    assert!(hint.contains("byok key rotate openai"), "{hint}");
}

#[test]
fn a_label_taken_hints_the_rotation() {
    Case {
        stdin: &format!("{GOOD_KEY}\n"),
        ..case(
            &|| with_key("openai", GOOD_KEY_2, "default"),
            &["key", "add", "openai"],
            3,
        )
    }
    .follow();
}

#[test]
fn rotating_a_label_the_vault_lacks_hints_adding_that_label() {
    let hint = Case {
        stdin: &format!("{GOOD_KEY}\n"),
        ..case(
            &|| with_key("openai", GOOD_KEY_2, "default"),
            &["key", "rotate", "openai", "--label", "work"],
            3,
        )
    }
    .follow();
    assert!(hint.contains("byok key add openai --label work"), "{hint}");
}

#[test]
fn revoking_a_key_the_vault_lacks_offers_no_key_to_add() {
    let hint = case(
        &|| with_key("openai", GOOD_KEY, "default"),
        &["key", "revoke", "openai", "--label", "work", "--yes"],
        3,
    )
    .follow();
    assert!(!hint.contains("key add"), "{hint}");
}

#[test]
fn a_bad_label_is_explained() {
    let hint = Case {
        stdin: &format!("{GOOD_KEY}\n"),
        ..case(
            &State::identity,
            &["key", "add", "openai", "--label", "bad label"],
            2,
        )
    }
    .follow();
    assert!(hint.contains("`work`"), "{hint}");
}

#[test]
fn a_local_provider_needs_no_key_and_the_hint_runs_it() {
    case(&State::identity, &["key", "add", "ollama"], 3).follow();
}

// ---------------------------------------------------------------------------
// Routes, profiles, budgets
// ---------------------------------------------------------------------------

fn with_routes() -> State {
    let state = with_key("openai", GOOD_KEY, "default");
    profile(
        &state,
        "[routes.default]\nmodel = \"openai:gpt-4o-mini\"\n\n[routes.local]\nmodel = \"ollama:llama3.2\"\n",
    );
    state
}

#[test]
fn an_unknown_route_hints_creating_it() {
    case(&with_routes, &["run", "-r", "nope", "hi"], 3).follow();
}

#[test]
fn removing_a_route_that_is_not_there_does_not_hint_creating_it() {
    let hint = case(&with_routes, &["route", "rm", "nope"], 3).follow();
    assert!(!hint.contains("create"), "{hint}");
    assert!(hint.contains("byok route list"), "{hint}");
}

#[test]
fn an_unknown_profile_hints_creating_or_listing() {
    case(&with_routes, &["--profile", "nope", "run", "hi"], 3).follow();
}

#[test]
fn a_provider_outside_the_allowlist_is_explained() {
    let state = || {
        let s = with_key("openai", GOOD_KEY, "default");
        profile(&s, "allow = [\"ollama\"]\n");
        s
    };
    let hint = case(&state, &["run", "-m", "openai", "hi"], 3).follow();
    assert!(hint.contains("allow"), "{hint}");
}

#[test]
fn a_spent_budget_hints_another_route_and_the_usage() {
    let state = || {
        let s = with_routes();
        let text = std::fs::read_to_string(s.home.file("profiles/default.toml")).unwrap();
        profile(
            &s,
            &format!("{text}\n[budgets]\nmonthly_tokens = {{ openai = 10 }}\n"),
        );
        s
    };
    let hint = case(&state, &["run", "hi"], 5).follow();
    assert!(hint.contains("byok usage"), "{hint}");
}

// ---------------------------------------------------------------------------
// A vault that does not open during `run`
// ---------------------------------------------------------------------------

/// A passphrase vault holding the OpenAI key, seen without the passphrase.
fn locked() -> State {
    let mut state = State::new(Unlock::Passphrase(PASS.into()));
    state
        .home
        .add_key("openai", GOOD_KEY, &["--no-verify"])
        .success();
    state.home.unlock = Unlock::Nothing;
    state.lock_on_drop = true;
    state
}

#[cfg(target_os = "linux")]
#[test]
fn a_locked_vault_during_run_hints_the_passphrase_not_a_key() {
    let hint = Case {
        env: &[("BYOK_PASSPHRASE", PASS)],
        ..case(&locked, &["run", "-m", "openai", "hi"], 3)
    }
    .follow();
    assert!(hint.contains("BYOK_PASSPHRASE"), "{hint}");
    assert!(!hint.contains("key add"), "{hint}");
}

#[test]
fn a_wrong_passphrase_during_run_does_not_hint_adding_a_key() {
    let state = || {
        let mut s = locked();
        s.home.env("BYOK_PASSPHRASE", "not the passphrase");
        s
    };
    let hint = case(&state, &["run", "-m", "openai", "hi"], 3).follow();
    assert!(!hint.contains("key add"), "{hint}");
}

/// A hint that is a shell command is run, and the failed command then succeeds.
fn shell_hint_fixes(state: &State, provoke: &[&str]) {
    let out = state.byok(provoke, "");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let hint = hint_of(&String::from_utf8_lossy(&out.stderr));
    assert!(hint.starts_with("chmod "), "{hint}");
    let fix = state.sh(&hint, &[], "");
    assert!(fix.status.success(), "{hint}: {}", text(&fix));
    let again = state.byok(provoke, "");
    assert!(again.status.success(), "after {hint}: {}", text(&again));
}

#[test]
fn loose_permissions_during_run_hint_the_chmod_that_fixes_them() {
    use std::os::unix::fs::PermissionsExt;
    let run = ["run", "-m", "openai", "hi"];
    let state = with_key("openai", GOOD_KEY, "default");
    let vault = state.home.file("vault.age");
    std::fs::set_permissions(&vault, std::fs::Permissions::from_mode(0o666)).unwrap();
    shell_hint_fixes(&state, &run);

    let state = with_key("openai", GOOD_KEY, "default");
    std::fs::set_permissions(state.home.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    shell_hint_fixes(&state, &run);
}

// ---------------------------------------------------------------------------
// The outbound guard, confirmations
// ---------------------------------------------------------------------------

#[test]
fn a_prompt_holding_an_own_key_hints_the_guard_listing() {
    let state = || {
        let s = with_key("openai", GOOD_KEY, "default");
        s.write("prompt.txt", &format!("my key is {GOOD_KEY}\n"));
        s
    };
    Case {
        stdin: &format!("my key is {GOOD_KEY}\n"),
        next: &[8], // `byok guard prompt.txt` lists the finding and exits 8
        ..case(&state, &["run", "-m", "openai"], 8)
    }
    .follow();
}

#[test]
fn a_confirmation_without_a_terminal_hints_the_yes_flag() {
    let hint = case(
        &|| with_key("openai", GOOD_KEY, "default"),
        &["key", "revoke", "openai"],
        2,
    )
    .follow();
    assert!(hint.contains("--yes"), "{hint}");
}

/// A pseudo-terminal pair: the side the test reads and writes, the side byok uses.
fn pty() -> (std::fs::File, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty fills two descriptors we then own; the other arguments may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty failed");
    // SAFETY: both descriptors were just opened and are owned by nobody else.
    unsafe {
        (
            std::fs::File::from_raw_fd(master),
            OwnedFd::from_raw_fd(slave),
        )
    }
}

#[test]
fn declining_a_confirmation_changes_nothing_and_exits_0() {
    let state = with_key("openai", GOOD_KEY, "default");
    let (mut master, slave) = pty();
    let mut cmd = state.home.std_cmd();
    let mut child = cmd
        .args(["key", "revoke", "openai"])
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .unwrap();
    drop(cmd);
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    let mut answered = false;
    loop {
        match master.read(&mut buf) {
            Ok(0) | Err(_) => break, // EIO once byok, the last writer, is gone
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
        if !answered && String::from_utf8_lossy(&seen).contains("Go ahead") {
            master.write_all(b"n").unwrap();
            answered = true;
        }
    }
    let status = child.wait().unwrap();
    let shown = String::from_utf8_lossy(&seen);
    assert!(answered, "no question was asked:\n{shown}");
    assert_eq!(status.code(), Some(0), "{shown}");
    assert!(shown.contains("nothing was removed"), "{shown}");
    assert!(!shown.contains("error:"), "{shown}");
    assert_eq!(state.home.key_list().len(), 1, "the key stays");
}
