//! The official `openai` and `anthropic` Python SDKs, and `curl`, as clients of `byok serve`
//! (README "Give a tool your keys without giving it your keys"): plain and streamed on both
//! wires, a fallback, a cross-wire call and a refused one, a wrong token, a budget refusal,
//! an unknown model, and the `Host`/`Origin` checks. The real keys are in the vault only:
//! nothing a client receives may contain one.
//!
//! Needs a Python with both SDKs (tests/sdk/requirements.txt): `.ci/run` makes a venv and
//! sets `BYOK_SDK_PYTHON` to its interpreter.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use support::byok::Home;
use support::fake::FakeServer;
use support::wire::{Answer, Fake, Usage};
use support::wire_openai;

const OPENAI_KEY: &str = "sk-proj-sdk-openai-real-key-0123456789abcdef";
const ANTHROPIC_KEY: &str = "sk-ant-api03-sdk-anthropic-real-key-0123456789";
const MISTRAL_KEY: &str = "mistral-sdk-real-key-0123456789abcdef";
const GROQ_KEY: &str = "gsk_sdk-groq-real-key-0123456789abcdef";
const OPENAI_TEXT: &str = "Hello from the OpenAI fake.";
const ANTHROPIC_TEXT: &str = "Hello from the Anthropic fake.";

/// The serve process, stopped with SIGTERM when the test ends (or fails).
struct Serve {
    child: Child,
    /// The `export NAME=value` lines it printed, as (name, value).
    exports: Vec<(String, String)>,
}

impl Serve {
    fn start(home: &Home) -> Serve {
        let mut child = home
            .std_cmd()
            .args(["serve", "--client", "sdk-test"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("byok serve starts");
        // The ready lines are the synchronisation: serve prints them once it accepts.
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut exports = Vec::new();
        while exports.len() < 5 {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                let out = child.wait_with_output().unwrap();
                panic!(
                    "byok serve ended before its ready lines; stderr:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            };
            let (name, value) = line
                .strip_prefix("export ")
                .and_then(|l| l.split_once('='))
                .unwrap_or_else(|| panic!("not an export line: {line:?}"));
            exports.push((name.to_string(), value.trim_matches('\'').to_string()));
        }
        Serve { child, exports }
    }

    fn var(&self, name: &str) -> &str {
        self.exports
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("serve printed no {name}: {:?}", self.exports))
    }

    /// SIGTERM, then what serve wrote on stderr; serve must exit 0.
    fn stop(mut self) -> String {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(self.child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "serve after SIGTERM: {status}\n{stderr}");
        stderr
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Fakes {
    openai: FakeServer,
    anthropic: FakeServer,
    mistral: FakeServer,
    /// Cuts every stream after its first piece.
    groq: FakeServer,
}

/// A home whose keys are in the vault, with routes over three loopback fakes: `default`
/// (OpenAI), `claude` (Anthropic), `fallback` (a failing Mistral, then OpenAI) and `capped`
/// (OpenAI under a budget no call fits), and `cut` (Groq, whose streams break off).
fn home_and_fakes() -> (Home, Fakes) {
    let fakes = Fakes {
        openai: Fake::openai(
            OPENAI_KEY,
            Answer::text(&["Hello", " from the", " OpenAI fake."]).usage(Usage::new(12, 7)),
        )
        .server(),
        anthropic: Fake::anthropic(
            ANTHROPIC_KEY,
            Answer::text(&["Hello from", " the Anthropic", " fake."]).usage(Usage::new(15, 9)),
        )
        .server(),
        mistral: Fake::mistral(MISTRAL_KEY, Answer::text(&["never"]))
            .fail_with(wire_openai::server_error())
            .server(),
        groq: Fake::openai(
            GROQ_KEY,
            Answer::text(&["Hello", " from the", " OpenAI fake."]).usage(Usage::new(12, 7)),
        )
        .per_event()
        .cut_after(2)
        .server(),
    };
    let mut home = Home::with_identity();
    home.env(
        "BYOK_OPENAI_BASE_URL",
        &format!("{}/v1", fakes.openai.url()),
    )
    .env("BYOK_ANTHROPIC_BASE_URL", &fakes.anthropic.url())
    .env(
        "BYOK_MISTRAL_BASE_URL",
        &format!("{}/v1", fakes.mistral.url()),
    )
    .env("BYOK_GROQ_BASE_URL", &format!("{}/v1", fakes.groq.url()))
    .env("BYOK_RETRIES", "0");
    home.add_key("openai", OPENAI_KEY, &["--no-verify"])
        .success();
    home.add_key("anthropic", ANTHROPIC_KEY, &["--no-verify"])
        .success();
    home.add_key("mistral", MISTRAL_KEY, &["--no-verify"])
        .success();
    home.add_key("groq", GROQ_KEY, &["--no-verify"]).success();
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(
        home.file("profiles/default.toml"),
        r#"
[routes.default]
model = "openai:gpt-4o-mini"

[routes.claude]
model = "anthropic:claude-haiku-4-5"

[routes.fallback]
model = "mistral:mistral-small-latest"
fallback = ["openai:gpt-4o-mini"]

[routes.capped]
model = "openai:gpt-4o-mini"
monthly_tokens = 1

[routes.cut]
model = "groq:llama-3.3-70b-versatile"
"#,
    )
    .unwrap();
    (home, fakes)
}

fn assert_no_key(what: &str, text: &str) {
    for key in [OPENAI_KEY, ANTHROPIC_KEY, MISTRAL_KEY, GROQ_KEY] {
        assert!(!text.contains(key), "{what} holds a real key:\n{text}");
    }
}

#[test]
#[ignore = "needs the openai and anthropic Python SDKs: set BYOK_SDK_PYTHON (.ci/run makes the venv)"]
fn the_official_sdks_call_through_serve_and_never_see_a_key() {
    let python = std::env::var("BYOK_SDK_PYTHON").expect(
        "BYOK_SDK_PYTHON names a Python with the SDKs of tests/sdk/requirements.txt \
         (.ci/run makes one)",
    );
    let (home, fakes) = home_and_fakes();
    let serve = Serve::start(&home);
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/serve_clients.py");
    // The script gets what serve printed and nothing else of the test's environment.
    let out = Command::new(&python)
        .arg(&script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("OPENAI_BASE_URL", serve.var("OPENAI_BASE_URL"))
        .env("OPENAI_API_KEY", serve.var("OPENAI_API_KEY"))
        .env("ANTHROPIC_BASE_URL", serve.var("ANTHROPIC_BASE_URL"))
        .env("ANTHROPIC_API_KEY", serve.var("ANTHROPIC_API_KEY"))
        .env("FAKE_OPENAI_TEXT", OPENAI_TEXT)
        .env("FAKE_ANTHROPIC_TEXT", ANTHROPIC_TEXT)
        .env("FAKE_OPENAI_USAGE", "[12, 7]")
        .env("FAKE_ANTHROPIC_USAGE", "[15, 9]")
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the SDK script failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("all cases passed"), "{stdout}");
    assert_no_key("what the SDKs received", &stdout);
    assert_no_key("the SDK script's stderr", &stderr);

    // The fallback's first candidate was tried and failed; the budget refusals and the
    // refused cross-wire call reached no provider.
    assert!(fakes.mistral.count("/v1/chat/completions") >= 1);
    assert_eq!(fakes.groq.count("/v1/chat/completions"), 1);
    let log = serve.stop();
    assert_no_key("serve's log", &log);

    // Every call is in the ledger under the client's name.
    let usage = support::byok::json(
        &home
            .cmd()
            .args(["--json", "usage", "--by", "client"])
            .assert()
            .success(),
    );
    let rows = usage["rows"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["group"] == "sdk-test" && r["calls"].as_u64().unwrap() >= 9),
        "{usage}"
    );
    assert!(home.files_containing(OPENAI_KEY).is_empty());
}

/// `curl` with a browser's `Origin`, or a `Host` that is not the listen address (a DNS
/// rebinding page), is refused before the token is even looked at; the right `Host` and
/// token pass.
#[test]
fn curl_with_an_origin_or_a_foreign_host_is_refused() {
    let (home, fakes) = home_and_fakes();
    let serve = Serve::start(&home);
    let base = serve.var("OPENAI_BASE_URL").to_string();
    let token = serve.var("OPENAI_API_KEY").to_string();
    let body = r#"{"model":"default","messages":[{"role":"user","content":"hi"}]}"#;
    let curl = |extra: &[&str]| -> (u16, String) {
        let out = Command::new("curl")
            .args([
                "-sS",
                "-o",
                "-",
                "-w",
                "\n%{http_code}",
                "-H",
                "content-type: application/json",
            ])
            .args(["-H", &format!("authorization: Bearer {token}")])
            .args(extra)
            .args(["-d", body, &format!("{base}/chat/completions")])
            .output()
            .expect("curl runs");
        let text = String::from_utf8(out.stdout).unwrap();
        let (body, code) = text.rsplit_once('\n').unwrap();
        (code.parse().unwrap(), body.to_string())
    };
    let (code, body) = curl(&["-H", "Origin: https://evil.example"]);
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("Origin"), "{body}");
    let (code, body) = curl(&["-H", "Host: evil.example"]);
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("Host"), "{body}");
    assert_eq!(fakes.openai.count("/v1/chat/completions"), 0);
    let (code, body) = curl(&[]);
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains(OPENAI_TEXT.split(' ').next().unwrap()),
        "{body}"
    );
    assert_no_key("curl's answer", &body);
    assert_eq!(fakes.openai.count("/v1/chat/completions"), 1);
    serve.stop();
}
