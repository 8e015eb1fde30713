//! The README's tour is a test (issue 12): every command of "A five-minute tour" and "CI
//! recipes" runs, in order, as a newcomer types it, and shows the output the README shows.
//!
//! The commands are read from README.md itself, so a README that changes changes this test:
//!
//! - **Console blocks** (```` ```console ````) of the two sections: a line starting with `$ `
//!   is a command, joined with the lines its trailing `\` continues; the lines after it, up
//!   to a blank line or the next `$ `, are what it shows.
//! - **The CI jobs** (```` ```yaml ```` blocks of "CI recipes"): each `- run:` value, each
//!   line of a `run: |` block and each item of a `script:` list is a command, run in the
//!   job's environment: `BYOK_HOME` the checkout's `.byok`, `BYOK_IDENTITY` the identity
//!   the recipe's console block made (`~/byok-ci`), `BYOK_KEYRING=off`. The
//!   `./install.sh …` step is not run: the built binary stands in for it (install.sh has its
//!   own test, `tests/install.rs`, and CI runs it).
//!
//! Each command runs with `sh -c` in `~/project` (a git repository with a change, and an
//! `origin/main` behind it), with `byok` on `PATH` the binary under test, a fresh `HOME`
//! (BYOK_HOME unset, so the files are where the README says: `~/.local/share/byok`, …), no
//! provider key variables, and every provider the README uses (OpenAI, Anthropic, Gemini,
//! Ollama) pointed by `BYOK_<ID>_BASE_URL` at one loopback fake that accepts only the keys
//! the tour adds and answers each prompt the README sends. It must exit 0, or the code its
//! comment names as `(exit N)`.
//!
//! Where the tour needs what a test cannot have, the adaptation is one rule each:
//!
//! - **No terminal.** A `byok key add` with nothing piped into it asks for the key on a
//!   hidden prompt; here the key is piped in instead, as a person would type it. Other
//!   commands get a closed stdin unless the README pipes something in.
//! - **No OS keyring.** `BYOK_KEYRING=off` and `BYOK_PASSPHRASE` are set, so the vault is a
//!   passphrase vault (and `byok vault unlock` really unlocks it, in the kernel keyring; the
//!   test locks it again when it ends). The README's `unlocked by your OS keyring: the
//!   Secret Service (D-Bus) answered` is read as what byok says of a passphrase vault.
//!
//! The output a command shows is checked line by line against its stdout and stderr:
//! `…` stands for any text and `~` for the home directory; a line with a `<placeholder>`
//! and the hidden prompt's `********` line are not checked; of a drawn table, the column
//! names of its header are. And a command prints no `warning:` or `error:` line the README
//! does not show (a council member without a key warns, and still exits 0; an error
//! piped into `jq` exits 0 too).
#![cfg(target_os = "linux")]

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::json;
use support::fake::{FakeServer, Reply, Request};
use support::wire::{Answer, Fake, Usage};

const PASSPHRASE: &str = "a passphrase for the tour";

/// The keys the tour adds; the fakes take no others.
const OPENAI_KEY: &str = "sk-proj-tour0openai0key0123456789a9Qz";
const ANTHROPIC_KEY: &str = "sk-ant-api03-tour0work0key0123456789AA";
const GEMINI_KEY: &str = "AIzaSyTour0gemini0key0123456789abcdefg";

/// What the fakes answer, by a phrase of the prompt (the first that matches), the same
/// for every model: the README's answers where it shows one.
const ANSWERS: &[(&str, &str)] = &[
    (
        "Explain RAII",
        "RAII (Resource Acquisition Is Initialization) ties a resource's lifetime to the lifetime of an object.",
    ),
    ("commit message", "Greet the world politely"),
    ("spam or ham", "ham"),
    ("backwards compatible", "yes"),
    ("touch auth", "no"),
    ("break the API", "no"),
];

/// The README's words for a keyring vault, and what byok says of the passphrase vault the
/// test makes instead (see the module comment).
const KEYRING_WORDS: (&str, &str) = (
    "unlocked by your OS keyring: the Secret Service (D-Bus) answered",
    "unlocked by a passphrase: no OS keyring could be used (BYOK_KEYRING=off)",
);

/// The file the CI recipe's console block makes the job's identity in.
const CI_IDENTITY: &str = "byok-ci";

// ---------------------------------------------------------------------------
// Reading the README
// ---------------------------------------------------------------------------

/// A command of a console block and the lines the README shows after it.
#[derive(Debug)]
struct Step {
    command: String,
    shows: Vec<String>,
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The text of the `## title` section, up to the next `## ` heading.
fn section<'a>(readme: &'a str, title: &str) -> &'a str {
    let head = format!("\n## {title}\n");
    let start = readme
        .find(&head)
        .unwrap_or_else(|| panic!("README.md has no section `## {title}`"))
        + head.len();
    let end = readme[start..]
        .find("\n## ")
        .map_or(readme.len(), |i| start + i);
    &readme[start..end]
}

/// The lines of each fenced block of `lang` in `text`.
fn blocks<'a>(text: &'a str, lang: &str) -> Vec<Vec<&'a str>> {
    let mut out = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        let fence = line.trim_start();
        match &mut current {
            None if fence == format!("```{lang}") => current = Some(Vec::new()),
            Some(lines) if fence == "```" => {
                out.push(std::mem::take(lines));
                current = None;
            }
            Some(lines) => lines.push(line),
            None => {}
        }
    }
    assert!(current.is_none(), "an unclosed ```{lang} block");
    out
}

fn console_steps(text: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for block in blocks(text, "console") {
        let mut lines = block.into_iter();
        let mut open = false; // whether output lines still belong to the last command
        while let Some(line) = lines.next() {
            if let Some(cmd) = line.strip_prefix("$ ") {
                let mut command = cmd.to_string();
                while command.trim_end().ends_with('\\') {
                    let cut = command.trim_end().len() - 1;
                    command.truncate(cut);
                    let next = lines.next().expect("a `\\` continues onto no line");
                    command.push(' ');
                    command.push_str(next.trim());
                }
                steps.push(Step {
                    command,
                    shows: Vec::new(),
                });
                open = true;
            } else if line.trim().is_empty() {
                open = false;
            } else if open {
                steps.last_mut().unwrap().shows.push(line.to_string());
            } else {
                panic!("a console line that is neither a command nor its output: {line:?}");
            }
        }
    }
    steps
}

/// The commands of the CI jobs (see the module comment).
fn yaml_commands(text: &str) -> Vec<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut out = Vec::new();
    for block in blocks(text, "yaml") {
        let mut i = 0;
        while i < block.len() {
            let line = block[i];
            let t = line.trim_start();
            let item = t.strip_prefix("- ").unwrap_or(t);
            if let Some(value) = item.strip_prefix("run:").map(str::trim) {
                if value == "|" {
                    while i + 1 < block.len() && indent(block[i + 1]) > indent(line) {
                        i += 1;
                        out.push(block[i].trim().to_string());
                    }
                } else {
                    out.push(value.to_string());
                }
            } else if t == "script:" {
                while i + 1 < block.len()
                    && indent(block[i + 1]) >= indent(line)
                    && block[i + 1].trim_start().starts_with("- ")
                {
                    i += 1;
                    out.push(block[i].trim_start()[2..].trim().to_string());
                }
            }
            i += 1;
        }
    }
    out.retain(|c| !c.contains("./install.sh"));
    out
}

#[test]
fn the_readme_is_read_as_documented() {
    let readme = readme();
    let tour = console_steps(section(&readme, "A five-minute tour"));
    assert!(tour.len() >= 10, "{tour:#?}");
    assert!(
        tour[0].command.starts_with("byok key add openai "),
        "{tour:#?}"
    );
    assert!(
        tour.iter().any(|s| s.command.contains("--members")
            && !s.command.contains('\\')
            && s.shows == ["yes"]),
        "{tour:#?}"
    );
    let jobs = yaml_commands(section(&readme, "CI recipes"));
    assert!(
        jobs.iter().any(|c| c.contains("byok --json run")),
        "{jobs:#?}"
    );
    assert!(
        jobs.iter().any(|c| c.contains("byok --json council")),
        "{jobs:#?}"
    );
    assert!(!jobs.iter().any(|c| c.contains("install.sh")), "{jobs:#?}");
}

// ---------------------------------------------------------------------------
// The world the tour runs in
// ---------------------------------------------------------------------------

type Handler = Box<dyn Fn(&Request) -> Reply + Send + Sync>;

/// One handler per answer of [`ANSWERS`], for one provider.
fn answering(make: impl Fn(Answer) -> Handler) -> Vec<(&'static str, Handler)> {
    ANSWERS
        .iter()
        .map(|(phrase, text)| {
            let pieces: Vec<&str> = text.split_inclusive(' ').collect();
            let answer = Answer::text(&pieces).usage(Usage::new(1840, 38));
            (*phrase, make(answer))
        })
        .collect()
}

fn handler<W: support::wire::Wire>(fake: Fake<W>) -> Handler {
    Box::new(move |req| fake.reply_to(req))
}

/// The one loopback server behind every provider of the tour, under a path prefix each:
/// the model lists that `key add`, `key verify` and `models` read (only with the tour's
/// keys), and the chat endpoints, answered by the wire fakes.
fn providers() -> FakeServer {
    let mut chat: HashMap<&'static str, Vec<(&'static str, Handler)>> = HashMap::new();
    chat.insert(
        "openai",
        answering(|a| handler(Fake::openai(OPENAI_KEY, a))),
    );
    chat.insert(
        "anthropic",
        answering(|a| handler(Fake::anthropic(ANTHROPIC_KEY, a))),
    );
    chat.insert(
        "gemini",
        answering(|a| handler(Fake::gemini(GEMINI_KEY, a))),
    );
    chat.insert("ollama", answering(|a| handler(Fake::ollama(None, a))));
    FakeServer::start(move |req| {
        let path = req.path_only();
        let (provider, rest) = path[1..].split_once('/').unwrap_or((&path[1..], ""));
        if req.method == "GET" && rest.ends_with("models") {
            return model_list(req, provider);
        }
        let Some(answers) = chat.get(provider) else {
            return Reply::json(
                404,
                json!({"error": {"message": format!("fake: no provider at {path}")}}),
            );
        };
        let body = String::from_utf8_lossy(&req.body);
        match answers.iter().find(|(phrase, _)| body.contains(phrase)) {
            Some((_, answer)) => answer(req),
            // Ollama's model list, or a prompt the README does not send.
            None => answers[0].1(req),
        }
    })
}

/// A provider's model list, for the tour's key only.
fn model_list(req: &Request, provider: &str) -> Reply {
    let bearer = format!("Bearer {OPENAI_KEY}");
    match provider {
        "openai" if req.header("authorization") == Some(bearer.as_str()) => {
            // 112 models, as the README's first `key add` says.
            let mut ids = vec!["gpt-4o".to_string(), "gpt-4o-mini".to_string()];
            ids.extend((0..110).map(|i| format!("ft:gpt-4o-mini:tour:{i}")));
            let data: Vec<_> = ids
                .iter()
                .map(|id| json!({"id": id, "object": "model"}))
                .collect();
            Reply::json(200, json!({"object": "list", "data": data}))
        }
        "anthropic" if req.header("x-api-key") == Some(ANTHROPIC_KEY) => Reply::json(
            200,
            json!({"data": [{"type": "model", "id": "claude-sonnet-4-6"}, {"type": "model", "id": "claude-haiku-4-5"}], "has_more": false}),
        ),
        "gemini" if req.header("x-goog-api-key") == Some(GEMINI_KEY) => Reply::json(
            200,
            json!({"models": [{"name": "models/gemini-2.5-flash"}, {"name": "models/gemini-2.5-pro"}]}),
        ),
        _ => Reply::json(
            401,
            json!({"error": {"message": "fake: not the tour's key"}}),
        ),
    }
}

struct World {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    project: PathBuf,
    bin: PathBuf,
    fakes: FakeServer,
}

/// Runs `byok vault lock` when dropped: the tour's `vault unlock` leaves nothing in the
/// session keyring, even when the test fails.
struct LockOnDrop<'a>(&'a World, Vec<(&'static str, String)>);

impl Drop for LockOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.run("byok vault lock", &self.1, None);
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=Tour", "-c", "user.email=tour@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .stdout(Stdio::null())
        .status()
        .expect("the tour needs git");
    assert!(status.success(), "git {args:?}");
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let project = home.join("project");
        let bin = tmp.path().join("bin");
        for d in [&home, &project, &bin] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::os::unix::fs::symlink(assert_cmd::cargo::cargo_bin("byok"), bin.join("byok")).unwrap();
        // The files the tour names: the work key, the script `byok exec` runs.
        std::fs::write(home.join("work-key.txt"), format!("{ANTHROPIC_KEY}\n")).unwrap();
        std::fs::write(
            project.join("my_script.py"),
            "import os\n\
             assert os.environ['OPENAI_API_KEY'].endswith('a9Qz'), 'no OpenAI key'\n\
             others = [v for v in os.environ if v.endswith('_API_KEY') and v != 'OPENAI_API_KEY']\n\
             assert not others, others\n\
             print('my_script.py ran with the OpenAI key only')\n",
        )
        .unwrap();
        // A repository with a change on its branch (origin/main...) and one not committed.
        std::fs::write(project.join("hello.txt"), "hello\n").unwrap();
        git(&project, &["init", "-q"]);
        git(&project, &["add", "hello.txt", "my_script.py"]);
        git(&project, &["commit", "-q", "-m", "hello"]);
        git(
            &project,
            &["update-ref", "refs/remotes/origin/main", "HEAD"],
        );
        std::fs::write(project.join("hello.txt"), "hello, world\n").unwrap();
        git(&project, &["commit", "-q", "-am", "say hello to the world"]);
        std::fs::write(project.join("hello.txt"), "hello, dear world\n").unwrap();
        World {
            _tmp: tmp,
            home,
            project,
            bin,
            fakes: providers(),
        }
    }

    /// Runs `sh -c command` in the project, with the environment of the module comment
    /// and `env`; its exit code and everything it printed (stdout, then stderr).
    fn run(&self, command: &str, env: &[(&str, String)], stdin: Option<&str>) -> (i32, String) {
        let url = self.fakes.url();
        let path = std::env::var("PATH").unwrap_or_default();
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(command)
            .current_dir(&self.project)
            .env_clear()
            .env("PATH", format!("{}:{path}", self.bin.display()))
            .env("HOME", &self.home)
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .env("LANG", "C.UTF-8")
            .env("BYOK_KEYRING", "off")
            .env("BYOK_OPENAI_BASE_URL", format!("{url}/openai/v1"))
            .env("BYOK_ANTHROPIC_BASE_URL", format!("{url}/anthropic"))
            .env("BYOK_GEMINI_BASE_URL", format!("{url}/gemini/v1beta"))
            .env("BYOK_OLLAMA_BASE_URL", format!("{url}/ollama"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("sh");
        if let Some(input) = stdin {
            use std::io::Write;
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(input.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }
}

// ---------------------------------------------------------------------------
// Checking what a command shows
// ---------------------------------------------------------------------------

/// The code a command's comment names as `(exit N)`, else 0.
fn expected_code(command: &str) -> i32 {
    command
        .split_once("(exit ")
        .and_then(|(_, rest)| rest.split_once(')'))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or(0)
}

/// The key a `byok key add PROVIDER` with nothing piped into it is typed at its prompt.
fn typed_key(command: &str) -> Option<&'static str> {
    let words: Vec<&str> = command.split('#').next()?.split_whitespace().collect();
    if words.contains(&"|") || words.contains(&"<") {
        return None;
    }
    let at = words.windows(3).position(|w| w == ["byok", "key", "add"])?;
    Some(match words.get(at + 3) {
        Some(&"openai") => OPENAI_KEY,
        Some(&"anthropic") => ANTHROPIC_KEY,
        Some(&"gemini") => GEMINI_KEY,
        other => panic!("the tour adds a key the fakes do not know: {other:?}"),
    })
}

/// Whether `actual` is `expected` with each `…` standing for any text.
fn matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split('…').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return actual == expected;
    }
    if actual.len() < first.len() + last.len()
        || !actual.starts_with(first)
        || !actual.ends_with(last)
    {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// The cells of a drawn table row.
fn cells(row: &str) -> Vec<String> {
    row.split(['│', '┆'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// The lines the README shows after a command that `printed` lacks.
fn missing_lines(shows: &[String], printed: &str, home: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    let mut header_seen = false;
    for line in shows {
        if line.starts_with(['┌', '│', '╞', '├', '└']) {
            if line.starts_with('│') && !header_seen {
                header_seen = true;
                let want = cells(line);
                if !printed
                    .lines()
                    .any(|l| l.starts_with('│') && cells(l) == want)
                {
                    missing.push(format!("a table with the columns {want:?}"));
                }
            }
            continue;
        }
        if line.ends_with("********") || (line.contains('<') && line.contains('>')) {
            continue;
        }
        let want = line
            .replace("~/", &format!("{}/", home.display()))
            .replace(KEYRING_WORDS.0, KEYRING_WORDS.1);
        if !printed.lines().any(|l| matches(&want, l)) {
            missing.push(want);
        }
    }
    for line in printed.lines() {
        if (line.starts_with("warning:") || line.starts_with("error:"))
            && !shows.iter().any(|s| matches(s, line))
        {
            missing.push(format!("(not this line) {line}"));
        }
    }
    missing
}

#[test]
fn the_output_rules_read_as_documented() {
    assert!(matches("sk-…a9Qz — 3", "sk-proj-…a9Qz — 3"));
    assert!(matches("RAII ties …", "RAII ties a resource"));
    assert!(!matches("RAII ties …", "RAII holds"));
    assert!(!matches("ab…ba", "aba"));
    assert!(matches("yes", "yes") && !matches("yes", "yes!"));
    assert_eq!(expected_code("byok run -r x   # refused (exit 8)"), 8);
    assert_eq!(expected_code("byok key list"), 0);
    assert_eq!(typed_key("byok key add openai   # asks"), Some(OPENAI_KEY));
    assert_eq!(
        typed_key("cat k | byok key add anthropic --label work"),
        None
    );
    let table = ["┌──┐", "│ a ┆ b c │", "│ 1 ┆ 2 │", "└──┘"].map(String::from);
    assert!(missing_lines(&table, "x\n│ a  ┆ b c  │\n", Path::new("/h")).is_empty());
    assert_eq!(missing_lines(&table, "│ a │\n", Path::new("/h")).len(), 1);
    let yes = ["yes".to_string()];
    assert_eq!(
        missing_lines(&yes, "yes\nwarning: no key\n", Path::new("/h")).len(),
        1
    );
}

// ---------------------------------------------------------------------------
// The tour
// ---------------------------------------------------------------------------

#[test]
fn every_command_of_the_tour_and_the_ci_recipes_works_as_the_readme_shows() {
    let readme = readme();
    let world = World::new();
    let tour_env = vec![("BYOK_PASSPHRASE", PASSPHRASE.to_string())];
    let _lock = LockOnDrop(&world, tour_env.clone());
    let ci = section(&readme, "CI recipes");
    let mut steps = console_steps(section(&readme, "A five-minute tour"));
    steps.extend(console_steps(ci));

    let mut failures = Vec::new();
    for step in &steps {
        let typed = typed_key(&step.command).map(|k| format!("{k}\n"));
        let (code, printed) = world.run(&step.command, &tour_env, typed.as_deref());
        let want = expected_code(&step.command);
        let missing = missing_lines(&step.shows, &printed, &world.home);
        eprintln!("$ {}\n{printed}(exit {code})\n", step.command);
        if code != want || !missing.is_empty() {
            failures.push(format!(
                "`{}` exited {code} (the README expects {want}); lines missing or not shown in the README: {missing:?}\n{printed}",
                step.command
            ));
        }
    }

    // The CI jobs, in the project's checkout, which holds `.byok`; a CI machine has no
    // session unlock, so only the job's identity opens the vault.
    world.run("byok vault lock", &tour_env, None);
    let identity = std::fs::read_to_string(world.home.join(CI_IDENTITY)).unwrap_or_default();
    let job_env = [
        (
            "BYOK_HOME",
            world.project.join(".byok").display().to_string(),
        ),
        ("BYOK_IDENTITY", identity),
    ];
    for command in yaml_commands(ci) {
        let (code, printed) = world.run(&command, &job_env, None);
        eprintln!("(CI job) $ {command}\n{printed}(exit {code})\n");
        let unshown = missing_lines(&[], &printed, &world.home);
        if code != 0 || !unshown.is_empty() {
            failures.push(format!(
                "the CI job's `{command}` exited {code}:\n{printed}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} README command(s) did not do what the README shows:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
