//! The outbound guard (README "The outbound guard"), with the built binary against
//! loopback fakes that record what they receive: a prompt holding one of the user's own
//! secrets never reaches the fake (exit 8, the key named, never shown); credentials of
//! known formats arrive redacted, counted on stderr and in the ledger; `guard = "block"`
//! and `"warn"`; `byok guard` on files and stdin; councils too.

mod support;

use support::byok::{Home, Unlock, json, stderr, stdout};
use support::fake::{FakeServer, Request};
use support::wire::{Answer, Fake};

const KEY: &str = "sk-proj-Gd7Vb3Nn8Kd2Lw5Rt9Hm4Xc6Pf1Gj0Yt5KsQa";
const NEW_KEY: &str = "sk-proj-Nw4Qx8Lm2Zp6Rt1Vb9Kc3Hy7Jd5Fg0Ws2EuPo";
const GROQ_KEY: &str = "gsk_Tz3Wq8Lp1Xc6Vb9Nm2Kj5Hg4Fd7Sa0QwErTyUi";
const ANTHROPIC_KEY: &str = "sk-ant-api03-Hq2Wm9Zx4Lc7Vb1Np6Kr3Jt8Gy5Fd0Se";

/// The shortest run of a secret the guard looks for.
const RUN: usize = 16;

/// Credentials of every kind, one per line: `(kind, the line, the secret part of it)`.
const CREDENTIALS: &[(&str, &str, &str)] = &[
    (
        "aws_access_key_id",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "AKIAIOSFODNN7EXAMPLE",
    ),
    (
        "aws_secret_access_key",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        "github_token",
        "GITHUB_TOKEN=ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5",
        "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5",
    ),
    (
        "slack_token",
        "slack: xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    ),
    (
        "stripe_live_key",
        "stripe.api_key = \"sk_live_4eC39HqLyjWDarjtT1zdp7dc\"",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    ),
    (
        "google_api_key",
        "maps key AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY here",
        "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    ),
    (
        "openai_key",
        "OPENAI_API_KEY=sk-proj-Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc1De3Fg5Hi7Jk",
        "sk-proj-Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc1De3Fg5Hi7Jk",
    ),
    (
        "anthropic_key",
        "x-api-key: sk-ant-api03-Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc1De3Fg5",
        "sk-ant-api03-Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc1De3Fg5",
    ),
    (
        "jwt",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    (
        "url_password",
        "DATABASE_URL=postgres://app:Zr8-pW4q-Lm2x@db.internal:5432/app",
        "Zr8-pW4q-Lm2x",
    ),
    (
        "private_key",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----",
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    ),
];

/// A home whose openai key `default` is in the vault, pointed at `fake`.
fn vault_home(fake: &FakeServer) -> Home {
    let mut home = Home::with_identity();
    home.env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    home.add_key("openai", KEY, &["--no-verify"]).success();
    home
}

fn openai_fake(key: &str) -> FakeServer {
    Fake::openai(key, Answer::text(&["ok"])).server()
}

/// Every message of a chat request, joined.
fn prompt_of(req: &Request) -> String {
    req.body_json()["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|m| m["content"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// Every run of `RUN` characters of `secret` found in `text`.
fn runs_of(secret: &str, text: &str) -> Vec<String> {
    (0..=secret.len().saturating_sub(RUN))
        .map(|i| &secret[i..(i + RUN).min(secret.len())])
        .filter(|run| text.contains(run))
        .map(str::to_string)
        .collect()
}

fn write_profile(home: &Home, text: &str) {
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(home.file("profiles/default.toml"), text).unwrap();
}

fn call_details(home: &Home) -> Vec<Option<String>> {
    let conn = rusqlite::Connection::open(home.file("ledger.sqlite3")).unwrap();
    let mut stmt = conn
        .prepare("SELECT detail FROM events WHERE kind = 'call' ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_vault_key_in_the_prompt_whole_or_a_run_of_16_is_refused_before_anything_is_sent() {
    let fake = openai_fake(KEY);
    let home = vault_home(&fake);
    let middle = &KEY[12..12 + RUN];
    let cases: [(&str, Vec<&str>, String, &str); 3] = [
        (
            "whole, in the arguments",
            vec!["my key is", KEY],
            String::new(),
            "the prompt arguments, line 1",
        ),
        (
            "16 characters of it, on line 3 of stdin",
            vec!["review this"],
            format!("fn main() {{\n    // token\n    let k = \"{middle}\";\n}}\n"),
            "standard input, line 3",
        ),
        (
            "in the system prompt",
            vec!["hi"],
            String::new(),
            "the system prompt, line 2",
        ),
    ];
    for (what, words, piped, place) in cases {
        let mut cmd = home.cmd();
        cmd.args(["run", "-m", "openai:gpt-4o-mini"]);
        if what.contains("system") {
            cmd.args(["--system", &format!("You are terse.\nUse {KEY}.")]);
        }
        let out = cmd.args(&words).write_stdin(piped).assert().code(8);
        let err = stderr(&out);
        assert!(err.contains("your openai key `default`"), "{what}: {err}");
        assert!(err.contains(place), "{what}: {err}");
        assert!(
            err.contains("--allow-secret openai/default"),
            "{what}: {err}"
        );
        assert_eq!(runs_of(KEY, &err), Vec::<String>::new(), "{what}: {err}");
        assert_eq!(stdout(&out), "");
    }
    // One character short of a run is not the key.
    home.cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--no-stdin",
            &KEY[12..12 + RUN - 1],
        ])
        .assert()
        .success();
    assert_eq!(fake.requests().len(), 1, "only the last call was sent");
}

#[test]
fn the_previous_key_is_refused_after_key_rotate() {
    let fake = openai_fake(NEW_KEY);
    let home = vault_home(&fake);
    home.cmd()
        .args(["key", "rotate", "openai", "--no-verify"])
        .write_stdin(format!("{NEW_KEY}\n"))
        .assert()
        .success();
    let out = home
        .cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--no-stdin",
            "old key:",
            KEY,
        ])
        .assert()
        .code(8);
    let err = stderr(&out);
    assert!(err.contains("the previous openai key `default`"), "{err}");
    assert_eq!(runs_of(KEY, &err), Vec::<String>::new());
    let out = home
        .cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--no-stdin",
            "new key:",
            NEW_KEY,
        ])
        .assert()
        .code(8);
    assert!(stderr(&out).contains("your openai key `default`"));
    assert!(fake.requests().is_empty());
}

#[test]
fn allow_secret_lets_the_named_key_through_and_nothing_else() {
    let fake = openai_fake(KEY);
    let home = vault_home(&fake);
    let prompt = format!("rotate {KEY} please");
    for refused in ["openai/work", "anthropic"] {
        home.cmd()
            .args([
                "run",
                "-m",
                "openai:gpt-4o-mini",
                "--no-stdin",
                "--allow-secret",
                refused,
                &prompt,
            ])
            .assert()
            .code(8);
    }
    let out = home
        .cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--no-stdin",
            "--allow-secret",
            "nosuch",
            &prompt,
        ])
        .assert()
        .code(3);
    assert!(stderr(&out).contains("`nosuch` is not a provider"));
    assert!(fake.requests().is_empty());

    let out = home
        .cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--no-stdin",
            "--allow-secret",
            "openai/default",
            &prompt,
        ])
        .assert()
        .success();
    assert_eq!(stdout(&out).trim(), "ok");
    assert!(
        stderr(&out).contains("as --allow-secret allows"),
        "{}",
        stderr(&out)
    );
    let sent = fake.requests();
    assert_eq!(sent.len(), 1);
    assert!(
        prompt_of(&sent[0]).contains(&prompt),
        "sent as is, not redacted"
    );
    assert_eq!(
        call_details(&home),
        vec![Some("guard: own_key_allowed=1".to_string())]
    );
}

#[test]
fn keys_in_the_environment_the_passphrase_and_the_identity_are_refused_too() {
    let fake = openai_fake(KEY);
    let mut home = Home::with_passphrase("a long vault passphrase");
    home.env("OPENAI_API_KEY", KEY)
        .env("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
        .env("GROQ_API_KEY", GROQ_KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    let run = |text: &str| {
        home.cmd()
            .args(["run", "-m", "openai:gpt-4o-mini"])
            .write_stdin(format!("line one\n{text}\n"))
            .assert()
            .code(8)
    };
    let err = stderr(&run(&ANTHROPIC_KEY[5..30]));
    assert!(
        err.contains("your anthropic key from ANTHROPIC_API_KEY (standard input, line 2)"),
        "{err}"
    );
    let err = stderr(&run(&format!("groq: {GROQ_KEY}")));
    assert!(err.contains("--allow-secret groq/GROQ_API_KEY"), "{err}");
    let err = stderr(&run("the passphrase is a long vault passphrase"));
    assert!(
        err.contains("the vault passphrase (BYOK_PASSPHRASE)"),
        "{err}"
    );
    assert!(err.contains("never sends the vault's passphrase"), "{err}");
    assert!(!err.contains("a long vault passphrase"), "{err}");

    let id = support::byok::new_identity();
    let mut home = Home::new(Unlock::Identity(id.clone()));
    home.env("OPENAI_API_KEY", KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    let out = home
        .cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--no-stdin",
            "--allow-secret",
            "openai",
            &id,
        ])
        .assert()
        .code(8);
    let err = stderr(&out);
    assert!(err.contains("the vault identity in BYOK_IDENTITY"), "{err}");
    assert_eq!(
        runs_of(&id["AGE-SECRET-KEY-1".len()..], &err),
        Vec::<String>::new()
    );
    // The prefix every identity shares is not a secret: documentation quotes it.
    home.cmd()
        .args([
            "run",
            "-m",
            "openai:gpt-4o-mini",
            "--no-stdin",
            "an identity starts AGE-SECRET-KEY-1…",
        ])
        .assert()
        .success();
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn every_credential_kind_is_redacted_in_what_is_sent_and_counted_on_stderr_and_in_the_ledger() {
    let fake = openai_fake(KEY);
    let home = vault_home(&fake);
    let text: String = CREDENTIALS
        .iter()
        .map(|(_, line, _)| format!("{line}\n"))
        .collect();
    let out = home
        .cmd()
        .args(["run", "-m", "openai:gpt-4o-mini", "check this config"])
        .write_stdin(text)
        .assert()
        .success();
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "the outbound guard redacted {} credentials",
            CREDENTIALS.len()
        )),
        "{err}"
    );
    let sent = fake.requests();
    assert_eq!(sent.len(), 1);
    let prompt = prompt_of(&sent[0]);
    assert!(
        prompt
            .starts_with("check this config\n\naws_access_key_id = [REDACTED:aws_access_key_id]\n"),
        "{prompt}"
    );
    let detail = call_details(&home)[0]
        .clone()
        .expect("the row records the guard");
    for (kind, _, secret) in CREDENTIALS {
        assert!(
            prompt.contains(&format!("[REDACTED:{kind}]")),
            "{kind}: {prompt}"
        );
        assert!(!prompt.contains(secret), "{kind} was sent: {prompt}");
        assert!(err.contains(&format!("{kind} ×1")), "{kind}: {err}");
        assert!(!err.contains(secret), "{kind}: {err}");
        assert!(detail.contains(&format!("{kind}=1")), "{kind}: {detail}");
    }
    assert!(detail.starts_with("guard: "), "{detail}");
    assert!(
        home.files_containing("wJalrXUtnFEMI").is_empty()
            && home.files_containing("Zr8-pW4q-Lm2x").is_empty(),
        "no credential is stored anywhere"
    );
}

#[test]
fn guard_block_refuses_a_credential_and_warn_sends_it_unchanged() {
    let fake = openai_fake(KEY);
    let home = vault_home(&fake);
    write_profile(
        &home,
        "guard = \"warn\"\n\n[routes.policy]\nmodel = \"openai:gpt-4o-mini\"\nguard = \"block\"\n\n[routes.loose]\nmodel = \"openai:gpt-4o-mini\"\n",
    );
    let jwt = CREDENTIALS.iter().find(|c| c.0 == "jwt").unwrap().2;
    let prompt = format!("why does this token fail?\n{jwt}");

    let out = home
        .cmd()
        .args(["run", "-r", "policy", "--no-stdin", &prompt])
        .assert()
        .code(8);
    let err = stderr(&out);
    assert!(err.contains("guard = \"block\" (route `policy`)"), "{err}");
    assert!(err.contains("jwt (the prompt arguments, line 2)"), "{err}");
    assert!(!err.contains(jwt), "{err}");
    assert!(fake.requests().is_empty());

    let out = home
        .cmd()
        .args(["run", "-r", "loose", "--no-stdin", &prompt])
        .assert()
        .success();
    let err = stderr(&out);
    assert!(
        err.contains("sent unchanged because guard = \"warn\" (the profile)"),
        "{err}"
    );
    assert!(!err.contains(jwt), "{err}");
    assert_eq!(prompt_of(&fake.requests()[0]), prompt);
    assert_eq!(
        call_details(&home),
        vec![Some("guard warned: jwt=1".to_string())]
    );

    // An own key is refused whatever the policy.
    home.cmd()
        .args(["run", "-r", "loose", "--no-stdin", KEY])
        .assert()
        .code(8);
    // A typo in the setting is a profile error with its line.
    write_profile(
        &home,
        "[routes.x]\nmodel = \"openai:gpt-4o-mini\"\nguard = \"off\"\n",
    );
    let out = home
        .cmd()
        .args(["run", "-r", "x", "--no-stdin", "hi"])
        .assert()
        .code(3);
    assert!(stderr(&out).contains("default.toml:3:"), "{}", stderr(&out));
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn byok_guard_lists_findings_by_file_and_line_and_exits_8_on_a_refusal() {
    let fake = openai_fake(KEY);
    let home = vault_home(&fake);
    let jwt = CREDENTIALS.iter().find(|c| c.0 == "jwt").unwrap().2;
    let notes = home.file("notes.md");
    std::fs::write(&notes, format!("# notes\nkey {KEY}\n\ntoken {jwt}\n")).unwrap();
    let clean = home.file("clean.md");
    std::fs::write(&clean, "nothing to see\n").unwrap();

    let out = home
        .cmd()
        .args(["guard"])
        .arg(&clean)
        .arg(&notes)
        .assert()
        .code(8);
    let text = stdout(&out);
    let n = notes.display();
    assert_eq!(
        text,
        format!("{n}:2: refuse: your openai key `default`\n{n}:4: redact: jwt\n")
    );
    let err = stderr(&out);
    assert!(err.contains("1 refused, 1 redacted"), "{err}");
    assert!(runs_of(KEY, &format!("{text}{err}")).is_empty());
    assert!(!text.contains(jwt) && !err.contains(jwt));

    // stdin, --json: nothing refused, so exit 0.
    let out = home
        .cmd()
        .args(["--json", "guard"])
        .write_stdin(format!("a\n{jwt}\nhttps://u:pa55word@h/\n"))
        .assert()
        .success();
    let v = json(&out);
    assert_eq!(v["refused"], false);
    assert_eq!(v["policy"], "redact");
    let rows: Vec<(String, u64, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["source"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["kind"].as_str().unwrap().to_string(),
                f["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("standard input".into(), 2, "jwt".into(), "redact".into()),
            (
                "standard input".into(),
                3,
                "url_password".into(),
                "redact".into()
            ),
        ]
    );
    assert_eq!(v["counts"]["redact"]["jwt"], 1);

    // --json with an own key: named, exit 8; -r applies a route's setting.
    write_profile(
        &home,
        "[routes.policy]\nmodel = \"openai:gpt-4o-mini\"\nguard = \"block\"\n",
    );
    let out = home
        .cmd()
        .args(["--json", "guard", "-r", "policy", "-"])
        .write_stdin(format!("{jwt}\n{}\n", &KEY[20..]))
        .assert()
        .code(8);
    let v = json(&out);
    assert_eq!(v["refused"], true);
    assert_eq!(v["policy"], "block");
    assert_eq!(v["findings"][0]["action"], "refuse");
    assert_eq!(
        v["findings"][1]["secret"],
        serde_json::json!({"source": "vault", "provider": "openai", "label": "default", "previous": false})
    );
    assert!(runs_of(KEY, &stdout(&out)).is_empty());
    assert!(fake.requests().is_empty(), "byok guard sends nothing");
}

#[test]
fn a_council_is_guarded_before_any_member_is_asked() {
    let openai = Fake::openai(KEY, Answer::text(&["yes"])).server();
    let groq = Fake::openai(GROQ_KEY, Answer::text(&["yes"])).server();
    let mut home = vault_home(&openai);
    home.env("GROQ_API_KEY", GROQ_KEY)
        .env("BYOK_GROQ_BASE_URL", &format!("{}/v1", groq.url()));
    let council = |prompt: &str| {
        let mut cmd = home.cmd();
        cmd.args([
            "council",
            "--no-stdin",
            "--members",
            "openai:gpt-4o-mini,groq:llama-3.3-70b-versatile",
            prompt,
        ]);
        cmd.assert()
    };
    let err = stderr(&council(&format!("is {} a key?", &GROQ_KEY[4..24])).code(8));
    assert!(err.contains("your groq key from GROQ_API_KEY"), "{err}");
    let err = stderr(&council(&format!("is {KEY} valid?")).code(8));
    assert!(err.contains("your openai key `default`"), "{err}");
    assert!(openai.requests().is_empty() && groq.requests().is_empty());

    let url = "postgres://app:Zr8-pW4q-Lm2x@db/app";
    let out = council(&format!("is {url} safe to log? yes or no")).success();
    assert_eq!(stdout(&out).trim(), "yes");
    assert!(stderr(&out).contains("url_password ×1"));
    for fake in [&openai, &groq] {
        let sent = fake.requests();
        assert_eq!(sent.len(), 1);
        let p = prompt_of(&sent[0]);
        assert!(
            p.contains("postgres://app:[REDACTED:url_password]@db/app"),
            "{p}"
        );
    }
    assert_eq!(
        call_details(&home),
        vec![Some("guard: url_password=1".to_string()); 2],
        "every member's row carries the counts"
    );
}

#[test]
fn a_vault_that_cannot_be_opened_refuses_the_call_with_exit_3() {
    let fake = openai_fake(KEY);
    let made = vault_home(&fake);
    let mut locked = Home::new(Unlock::Nothing);
    locked
        .env("BYOK_HOME", made.path().to_str().unwrap())
        .env("OPENAI_API_KEY", KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    for args in [
        &["run", "-m", "openai:gpt-4o-mini", "--no-stdin", "hi"][..],
        &["run", "-m", "ollama:llama3.2", "--no-stdin", "hi"][..],
        &["guard", "-"][..],
    ] {
        let out = locked.cmd().args(args).write_stdin("hi\n").assert().code(3);
        let err = stderr(&out);
        assert!(
            err.contains("the outbound guard checks the prompt against the keys in the vault"),
            "{args:?}: {err}"
        );
        assert!(err.contains("hint:"), "{err}");
    }
    assert!(fake.requests().is_empty());
}
