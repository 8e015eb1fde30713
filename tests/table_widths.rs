//! Tables at any width (README "JSON output", last paragraph): at 60, 80 and 120 columns
//! (`COLUMNS`, or a terminal's own size) every table of byok fits, leaving out its
//! least useful columns first, and never splits a number or a name: each token a narrow
//! table shows is one the full-width table shows too.

mod support;

use std::collections::HashSet;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::Stdio;

use support::byok::{Home, stderr, stdout};
use support::fake::FakeServer;
use support::providers::{self, GOOD_KEY};
use support::wire::{Answer, Fake, Usage};
use support::wire_openai;
use unicode_width::UnicodeWidthStr;

const OPENAI_KEY: &str = "sk-proj-tables0123456789abcdefghijklmnopqrstuvwxyz";
const MISTRAL_KEY: &str = "mistral-tables-0123456789abcdef";
const WIDTHS: [usize; 3] = [60, 80, 120];

const PROFILE: &str = r#"[routes.default]
model = "mistral:mistral-small-latest"
fallback = ["openai:gpt-4o-mini"]

[budgets]
monthly_tokens = { openai = 2_000_000 }
monthly_usd = { total = 25.0 }

[health]
failures = 1000                  # every run tries mistral first, and shows its failures
"#;

/// The border and padding characters of byok's table style.
fn is_border(c: char) -> bool {
    c.is_whitespace() || "│┆┌┬┐└┴┘├┼┤╞╪╡═─".contains(c)
}

/// The tokens a table shows: its words and numbers. A latency (`912 ms`) and a clock
/// time (`14:05`) differ from one run to the next and are left out.
fn tokens(table: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in table.lines() {
        let words: Vec<&str> = line.split(is_border).filter(|w| !w.is_empty()).collect();
        for (i, w) in words.iter().enumerate() {
            let latency = w.chars().all(|c| c.is_ascii_digit()) && words.get(i + 1) == Some(&"ms");
            let clock = w.len() == 5 && w.as_bytes()[2] == b':';
            if !latency && !clock {
                out.push(w.to_string());
            }
        }
    }
    out
}

/// The table lines of some output (those drawn with the style's borders).
fn table_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '└']))
        .collect()
}

/// Renders the table at 1000 columns (its natural width) and at each of [`WIDTHS`];
/// checks each narrow rendering; returns them for the caller's own checks.
fn check(name: &str, render: impl Fn(usize) -> String) -> Vec<String> {
    let full = render(1000);
    assert!(
        !table_lines(&full).is_empty(),
        "{name}: no table in\n{full}"
    );
    let whole: HashSet<String> = tokens(&full).into_iter().collect();
    WIDTHS
        .iter()
        .map(|&width| {
            let out = render(width);
            let lines = table_lines(&out);
            assert!(!lines.is_empty(), "{name} at {width}: no table in\n{out}");
            for line in &lines {
                assert!(
                    line.width() <= width,
                    "{name} at {width}: a line of {} columns:\n{out}",
                    line.width()
                );
            }
            for t in tokens(&out) {
                assert!(
                    whole.contains(&t),
                    "{name} at {width}: `{t}` is not whole (not in the full table):\n{out}\nfull:\n{full}"
                );
            }
            out
        })
        .collect()
}

/// A home whose route `default` tries mistral (which fails) and falls back to openai;
/// one call already made.
fn home_with_a_call(mistral: &FakeServer, openai: &FakeServer) -> Home {
    let mut home = Home::with_identity();
    home.env("BYOK_RETRY_BASE", "1ms")
        .env("MISTRAL_API_KEY", MISTRAL_KEY)
        .env("BYOK_MISTRAL_BASE_URL", &format!("{}/v1", mistral.url()))
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", openai.url()))
        .env("GEMINI_API_KEY", "AIza-tables-0123456789abcdefghij");
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(home.file("profiles/default.toml"), PROFILE).unwrap();
    home.add_key("openai", OPENAI_KEY, &["--no-verify"])
        .success();
    home
}

fn fakes() -> (FakeServer, FakeServer) {
    let mistral = Fake::openai(MISTRAL_KEY, Answer::text(&["unused"]))
        .fail_with(wire_openai::server_error())
        .server();
    let openai = Fake::openai(
        OPENAI_KEY,
        Answer::text(&["Paris."]).usage(Usage::new(1234, 321).cached(1024).reasoning(192)),
    )
    .server();
    (mistral, openai)
}

#[test]
fn the_run_stats_table_leaves_out_cache_reasoning_and_timing_first() {
    let (mistral, openai) = fakes();
    let home = home_with_a_call(&mistral, &openai);
    let shown = check("run --stats", |width| {
        let out = home
            .cmd()
            .env("COLUMNS", width.to_string())
            .args(["run", "--stats", "Capital of France?"])
            .assert()
            .success();
        stderr(&out)
    });
    // 210 fresh input tokens, 1024 cached and 321 output of gpt-4o-mini.
    for (out, width) in shown.iter().zip(WIDTHS) {
        for essential in [
            "provider",
            "model",
            "status",
            "cost",
            "openai",
            "gpt-4o-mini",
        ] {
            assert!(out.contains(essential), "{essential} at {width}:\n{out}");
        }
        assert!(out.contains("$0.000301"), "{out}");
        // The failed try's reason wraps between words.
        assert!(out.contains("failed:"), "{out}");
    }
    assert!(
        !shown[0].contains("reasoning") && !shown[0].contains("ttft"),
        "{}",
        shown[0]
    );
    assert!(
        shown[1].contains("output") && shown[1].contains("321"),
        "{}",
        shown[1]
    );
    // At 120 the failure's text wraps beside everything but the cache and reasoning.
    assert!(
        shown[2].contains("latency") && shown[2].contains("1234"),
        "{}",
        shown[2]
    );
}

#[test]
fn usage_status_route_show_and_key_list() {
    let (mistral, openai) = fakes();
    let home = home_with_a_call(&mistral, &openai);
    home.cmd()
        .args(["run", "Capital of France?"])
        .assert()
        .success();
    let on_stdout = |args: &'static [&'static str]| {
        let home = &home;
        move |width: usize| {
            let out = home
                .cmd()
                .env("COLUMNS", width.to_string())
                .args(args)
                .assert()
                .success();
            stdout(&out)
        }
    };
    let usage = check("usage", on_stdout(&["usage"]));
    for out in &usage {
        assert!(out.contains("$0.000301") && out.contains("openai"), "{out}");
    }
    assert!(
        usage[2].contains("1,234") && usage[2].contains("2,000,000 tokens"),
        "{}",
        usage[2]
    );
    check("status", on_stdout(&["status"]));
    let show = check("route show", on_stdout(&["route", "show", "default"]));
    for out in &show {
        assert!(
            out.contains("mistral-small-latest") && out.contains("gpt-4o-mini"),
            "{out}"
        );
    }
    let list = check("key list", on_stdout(&["key", "list"]));
    for out in &list {
        assert!(
            out.contains("sk-…wxyz") && out.contains("GEMINI_API_KEY"),
            "{out}"
        );
    }
    check(
        "prices",
        on_stdout(&[
            "prices",
            "openai:gpt-4o-mini",
            "gemini:gemini-2.5-pro",
            "anthropic:claude-sonnet-4-5",
        ]),
    );
}

#[test]
fn models_and_council() {
    let mut home = Home::with_identity();
    home.env("BYOK_RETRY_BASE", "1ms");
    let fake = providers::start();
    providers::point_all(&mut home, &fake.url());
    home.add_key("openai", GOOD_KEY, &["--no-verify"]).success();
    check("models", |width| {
        let out = home
            .cmd()
            .env("COLUMNS", width.to_string())
            .args(["models", "openai"])
            .assert()
            .success();
        stdout(&out)
    });

    let (mistral, openai) = fakes();
    let home = home_with_a_call(&mistral, &openai);
    let shown = check("council --stats", |width| {
        let out = home
            .cmd()
            .env("COLUMNS", width.to_string())
            .args([
                "council",
                "--stats",
                "--mode",
                "first",
                "--members",
                "openai:gpt-4o-mini,mistral:mistral-small-latest",
                "Capital of France?",
            ])
            .assert()
            .success();
        stderr(&out)
    });
    for out in &shown {
        assert!(
            out.contains("gpt-4o-mini") && out.contains("$0.000301"),
            "{out}"
        );
    }
}

/// A pseudo-terminal of `cols` columns: the side the test reads, the side byok writes to.
fn pty(cols: u16) -> (std::fs::File, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 40,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty fills two descriptors we then own; the size is read, not kept.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
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
fn on_a_terminal_without_columns_its_own_width_is_used() {
    let (mistral, openai) = fakes();
    let home = home_with_a_call(&mistral, &openai);
    let (mut master, slave) = pty(60);
    let mut cmd = home.std_cmd();
    // A dumb terminal draws no spinner; COLUMNS is not set.
    cmd.env("TERM", "dumb").env_remove("COLUMNS");
    let mut child = cmd
        .args(["run", "--no-stdin", "Capital of France?"])
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .unwrap();
    drop(cmd);
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match master.read(&mut buf) {
            Ok(0) | Err(_) => break, // EIO once the last writer is gone
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    assert!(child.wait().unwrap().success());
    let screen = String::from_utf8_lossy(&seen).replace('\r', "");
    let lines = table_lines(&screen);
    assert!(
        !lines.is_empty(),
        "no stats table on the terminal:\n{screen}"
    );
    for line in lines {
        assert!(line.width() <= 60, "{} columns:\n{screen}", line.width());
    }
    assert!(
        screen.contains("$0.000301") && !screen.contains("reasoning"),
        "{screen}"
    );
}
