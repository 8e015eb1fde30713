//! `byok exec`: the child gets exactly the asked keys (never in argv), its exit status
//! passes through, signals sent to byok reach it, nesting is refused, and a missing key
//! stops everything before the child starts.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::byok::{Home, stderr, stdout};

const OPENAI: &str = "sk-exec-vault-openai-0123456789abcdef";
const ANTHROPIC: &str = "sk-ant-exec-vault-0123456789abcdef";
const GEMINI: &str = "AIza-exec-vault-gemini-0123456789abcd";
const WORK_OPENAI: &str = "sk-exec-vault-openai-WORK-0123456789";
const ENV_MISTRAL: &str = "sk-exec-env-mistral-0123456789abcdef";
const ENV_GOOGLE: &str = "AIza-exec-env-google-0123456789abcdef";
const ENV_OPENROUTER: &str = "sk-or-exec-env-0123456789abcdef";
const ENV_ANTHROPIC: &str = "sk-ant-exec-env-0123456789abcdef";

/// A vault with openai (default and `work`), anthropic and gemini keys, and more keys in
/// byok's own environment.
fn home() -> Home {
    let mut home = Home::with_identity();
    home.add_key("openai", OPENAI, &["--no-verify"]).success();
    home.add_key("openai", WORK_OPENAI, &["--no-verify", "--label", "work"])
        .success();
    home.add_key("anthropic", ANTHROPIC, &["--no-verify"])
        .success();
    home.add_key("gemini", GEMINI, &["--no-verify"]).success();
    home.env("MISTRAL_API_KEY", ENV_MISTRAL)
        .env("GOOGLE_API_KEY", ENV_GOOGLE)
        .env("OPENROUTER_API_KEY", ENV_OPENROUTER)
        .env("ANTHROPIC_API_KEY", ENV_ANTHROPIC)
        .env("UNRELATED_SETTING", "kept");
    home
}

/// The child's environment, from `env` run under `byok exec ARGS -- env`.
fn child_env(home: &Home, args: &[&str]) -> BTreeMap<String, String> {
    let out = home
        .cmd()
        .arg("exec")
        .args(args)
        .args(["--", "env"])
        .assert()
        .success();
    stdout(&out)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Asserts no value in `env` holds any of `secrets`.
fn holds_none(env: &BTreeMap<String, String>, secrets: &[&str]) {
    for (k, v) in env {
        for s in secrets {
            assert!(!v.contains(s), "{k} holds a key that was not asked for");
        }
    }
}

#[test]
fn the_child_sees_exactly_the_asked_keys() {
    let home = home();
    let env = child_env(&home, &["--provider", "openai", "--provider", "mistral"]);
    assert_eq!(env.get("OPENAI_API_KEY").map(String::as_str), Some(OPENAI));
    assert_eq!(
        env.get("MISTRAL_API_KEY").map(String::as_str),
        Some(ENV_MISTRAL)
    );
    assert_eq!(env.get("BYOK_EXEC").map(String::as_str), Some("1"));
    for gone in [
        "ANTHROPIC_API_KEY",
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "OPENROUTER_API_KEY",
        "BYOK_IDENTITY",
        "BYOK_PASSPHRASE",
        "OPENAI_BASE_URL",
    ] {
        assert!(!env.contains_key(gone), "{gone} reached the child");
    }
    holds_none(
        &env,
        &[
            ANTHROPIC,
            GEMINI,
            WORK_OPENAI,
            ENV_GOOGLE,
            ENV_OPENROUTER,
            ENV_ANTHROPIC,
        ],
    );
    // Everything that is not a key is left alone.
    assert_eq!(
        env.get("UNRELATED_SETTING").map(String::as_str),
        Some("kept")
    );
    assert!(env.contains_key("PATH"));
}

#[test]
fn a_labelled_key_and_the_vault_before_the_environment() {
    let home = home();
    let env = child_env(
        &home,
        &["--provider", "openai/work", "--provider", "anthropic"],
    );
    assert_eq!(
        env.get("OPENAI_API_KEY").map(String::as_str),
        Some(WORK_OPENAI)
    );
    // The vault's anthropic key wins over ANTHROPIC_API_KEY in byok's environment.
    assert_eq!(
        env.get("ANTHROPIC_API_KEY").map(String::as_str),
        Some(ANTHROPIC)
    );
    holds_none(&env, &[OPENAI, ENV_ANTHROPIC, GEMINI]);
}

#[test]
fn gemini_gets_its_conventional_name_and_base_urls_only_where_set() {
    let mut home = home();
    home.env("BYOK_GEMINI_BASE_URL", "http://127.0.0.1:9/v1beta")
        .env("BYOK_OLLAMA_BASE_URL", "http://127.0.0.1:8/")
        .env("BYOK_MISTRAL_BASE_URL", "http://127.0.0.1:7/v1");
    let env = child_env(
        &home,
        &[
            "--provider",
            "gemini",
            "--provider",
            "ollama",
            "--provider",
            "mistral",
            "--provider",
            "openai",
        ],
    );
    assert_eq!(env.get("GEMINI_API_KEY").map(String::as_str), Some(GEMINI));
    assert!(!env.contains_key("GOOGLE_API_KEY"));
    assert_eq!(
        env.get("GEMINI_BASE_URL").map(String::as_str),
        Some("http://127.0.0.1:9/v1beta")
    );
    assert_eq!(
        env.get("OLLAMA_HOST").map(String::as_str),
        Some("http://127.0.0.1:8")
    );
    assert_eq!(
        env.get("MISTRAL_BASE_URL").map(String::as_str),
        Some("http://127.0.0.1:7/v1")
    );
    // No base URL was set for openai: none is invented.
    assert!(!env.contains_key("OPENAI_BASE_URL"));
}

#[test]
fn local_providers_need_no_key_and_no_vault() {
    let home = Home::with_identity();
    let env = child_env(&home, &["--provider", "ollama"]);
    assert_eq!(env.get("BYOK_EXEC").map(String::as_str), Some("1"));
    assert!(!env.keys().any(|k| k.contains("OLLAMA")));
    assert!(!home.file("vault.age").exists());
}

#[test]
fn exit_codes_pass_through() {
    let home = home();
    for code in [0, 1, 42] {
        home.cmd()
            .args(["exec", "--provider", "openai", "--", "sh", "-c"])
            .arg(format!("exit {code}"))
            .assert()
            .code(code);
    }
    // A child killed by a signal: 128 + the signal, as a shell reports it.
    home.cmd()
        .args([
            "exec",
            "--provider",
            "openai",
            "--",
            "sh",
            "-c",
            "kill -KILL $$",
        ])
        .assert()
        .code(128 + 9);
}

/// A child that dies of one of the signals byok forwards (TERM, INT, HUP, QUIT) makes byok
/// exit 128 + the signal too. These signals are blocked in byok while it spawns the child;
/// the child must not start with them blocked, or it survives `kill -TERM $$` and exits 0.
#[test]
fn a_child_killed_by_a_forwarded_signal_exits_128_plus_the_signal() {
    use std::os::unix::process::CommandExt;
    let forwarded = [
        ("TERM", libc::SIGTERM),
        ("INT", libc::SIGINT),
        ("HUP", libc::SIGHUP),
        ("QUIT", libc::SIGQUIT),
    ];
    let home = home();
    for (name, sig) in forwarded {
        let mut cmd = home.std_cmd();
        cmd.args(["exec", "--provider", "openai", "--", "sh", "-c"])
            .arg(format!("kill -{name} $$"))
            .stdin(Stdio::null());
        // byok leaves a signal it was started with ignored ignored for its child too (a
        // test runner in the background may ignore SIGINT): start it with the defaults.
        // SAFETY: the closure runs in the forked child before exec and only calls
        // signal(2), which is async-signal-safe.
        unsafe {
            cmd.pre_exec(move || {
                for (_, s) in forwarded {
                    libc::signal(s, libc::SIG_DFL);
                }
                Ok(())
            });
        }
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(128 + sig),
            "the child killed by SIG{name}; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_command_that_cannot_run_exits_127_or_126() {
    let home = home();
    let missing = home
        .cmd()
        .args([
            "exec",
            "--provider",
            "openai",
            "--",
            "no-such-command-byok-test",
        ])
        .assert()
        .code(127);
    assert!(stderr(&missing).contains("`no-such-command-byok-test` was not found"));

    let script = home.file("not-executable.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let denied = home
        .cmd()
        .args(["exec", "--provider", "openai", "--"])
        .arg(&script)
        .assert()
        .code(126);
    assert!(stderr(&denied).contains("could not be run"));
}

#[test]
fn sigterm_sent_to_byok_is_forwarded_to_the_child() {
    let home = home();
    let mut child = home
        .std_cmd()
        .args([
            "exec",
            "--provider",
            "openai",
            "--",
            "sh",
            "-c",
            "trap \"echo got-term; exit 7\" TERM; echo ready; while :; do sleep 0.05; done",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");

    // SAFETY: sending a signal to a child we spawned and have not reaped.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(rc, 0);

    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("byok exec did not end after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(rest.trim(), "got-term", "stderr: {err}");
    assert_eq!(status.code(), Some(7), "stderr: {err}");
}

#[test]
fn nesting_is_refused() {
    let mut home = home();
    home.env("BYOK_EXEC", "1");
    let marker = home.file("ran");
    let out = home
        .cmd()
        .args(["exec", "--provider", "openai", "--", "sh", "-c"])
        .arg(format!("touch '{}'", marker.display()))
        .assert()
        .code(2);
    assert!(stderr(&out).contains("BYOK_EXEC"), "{}", stderr(&out));
    assert!(!marker.exists());
}

#[test]
fn a_missing_key_stops_everything_before_the_child_runs() {
    let home = Home::with_identity();
    let marker = home.file("ran");
    let out = home
        .cmd()
        .args(["exec", "--provider", "anthropic", "--", "sh", "-c"])
        .arg(format!("touch '{}'", marker.display()))
        .assert()
        .code(3);
    let err = stderr(&out);
    assert!(err.contains("no anthropic key"), "{err}");
    assert!(err.contains("byok key add anthropic"), "{err}");
    assert!(!marker.exists(), "the child ran");
}

#[test]
fn provider_or_route_is_required() {
    let home = Home::with_identity();
    home.cmd().args(["exec", "--", "true"]).assert().code(2);
    home.cmd()
        .args(["exec", "--provider", "nosuch", "--", "true"])
        .assert()
        .code(3);
}

#[test]
fn keys_are_never_in_argv() {
    let home = home();
    // The child's own command line, then byok's (its parent).
    let out = home
        .cmd()
        .args([
            "exec",
            "--provider",
            "openai",
            "--provider",
            "anthropic",
            "--",
            "sh",
            "-c",
            "cat /proc/$$/cmdline; echo; cat /proc/$PPID/cmdline",
        ])
        .assert()
        .success();
    let text = stdout(&out);
    assert!(text.contains("sh\0-c\0"), "{text:?}");
    assert!(text.contains("exec\0--provider\0openai"), "{text:?}");
    for secret in [OPENAI, ANTHROPIC] {
        assert!(!text.contains(secret), "a key is in a command line");
    }
}

#[test]
fn route_mode_hands_over_every_candidate_of_the_chain() {
    let home = home();
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(
        home.file("profiles/default.toml"),
        r#"
[routes.default]
model = "openai:gpt-4o-mini"
fallback = ["anthropic:claude-haiku-4-5", "ollama:llama3.2"]

[routes.work]
model = "openai:gpt-4o"
key = "work"

[routes.nokey]
model = "deepseek:deepseek-chat"
"#,
    )
    .unwrap();
    let env = child_env(&home, &["--route", "default"]);
    assert_eq!(env.get("OPENAI_API_KEY").map(String::as_str), Some(OPENAI));
    assert_eq!(
        env.get("ANTHROPIC_API_KEY").map(String::as_str),
        Some(ANTHROPIC)
    );
    assert!(!env.contains_key("GEMINI_API_KEY"));
    assert!(!env.contains_key("MISTRAL_API_KEY"));
    assert!(!env.keys().any(|k| k.contains("OLLAMA")));

    let env = child_env(&home, &["-r", "work"]);
    assert_eq!(
        env.get("OPENAI_API_KEY").map(String::as_str),
        Some(WORK_OPENAI)
    );

    let out = home
        .cmd()
        .args(["exec", "--route", "nokey", "--", "true"])
        .assert()
        .code(3);
    let err = stderr(&out);
    assert!(
        err.contains("route `nokey` uses deepseek") && err.contains("byok key add deepseek"),
        "{err}"
    );
    home.cmd()
        .args(["exec", "--route", "nosuch", "--", "true"])
        .assert()
        .code(3);
}

#[test]
fn the_ledger_records_each_key_handed_over_and_the_command_name_only() {
    let home = home();
    home.cmd()
        .args([
            "exec",
            "--provider",
            "openai",
            "--provider",
            "mistral",
            "--provider",
            "ollama",
            "--",
            "/bin/sh",
            "-c",
            "exit 0",
            "argument-that-stays-private",
        ])
        .assert()
        .success();
    let db = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
    let mut stmt = db
        .prepare(
            "SELECT provider, key_label, status, detail FROM events WHERE kind = 'exec' ORDER BY provider",
        )
        .unwrap();
    let rows: Vec<(String, String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "mistral".to_string(),
                "MISTRAL_API_KEY".to_string(),
                "ok".to_string(),
                "sh".to_string()
            ),
            (
                "openai".to_string(),
                "default".to_string(),
                "ok".to_string(),
                "sh".to_string()
            ),
        ]
    );
    drop(stmt);
    drop(db);
    for needle in ["argument-that-stays-private", OPENAI, ENV_MISTRAL] {
        assert!(
            home.files_containing(needle)
                .iter()
                .all(|p| !p.to_string_lossy().contains("ledger")),
            "the ledger holds {needle}"
        );
    }
}
