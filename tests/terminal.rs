//! byok on a real pseudo-terminal, as a person sees it: a spinner while the first token is
//! awaited, cleared before the answer; the answer's last line ended before the stats
//! table; one colour rule (`--color`, `NO_COLOR`, `TERM=dumb`) for everything, the
//! `error:` prefix included.

mod support;

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::Stdio;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use support::byok::Home;
use support::fake::{FakeServer, Request};
use support::wire::{Answer, Fake};

const KEY: &str = "sk-terminal-0123456789abcdefABCD";

/// A pseudo-terminal pair: the controlling side the test reads, the side byok writes to.
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

/// Runs byok with stdout and stderr on one terminal (`TERM=xterm`, no `NO_COLOR`, then
/// `env`); returns everything the terminal showed. `gate`, when given, is opened once the
/// terminal shows `until`.
fn on_terminal(
    home: &Home,
    env: &[(&str, &str)],
    args: &[&str],
    gate: Option<(&Gate, &str)>,
) -> (String, Option<i32>) {
    let (mut master, slave) = pty();
    let mut cmd = home.std_cmd();
    cmd.env_remove("NO_COLOR").env("TERM", "xterm");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .unwrap();
    // The command holds copies of the terminal's writing side until it is dropped; the
    // read below ends only when byok's are the last ones and byok has exited.
    drop(cmd);
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let mut opened = gate.is_none();
    loop {
        match master.read(&mut buf) {
            Ok(0) | Err(_) => break, // EIO once the last writer is gone
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
        if !opened
            && let Some((g, until)) = gate
            && String::from_utf8_lossy(&seen).contains(until)
        {
            g.open();
            opened = true;
        }
    }
    let status = child.wait().unwrap();
    (String::from_utf8_lossy(&seen).into_owned(), status.code())
}

/// Whether `text` holds a colour (SGR) escape sequence: `ESC [ digits;… m`.
fn has_colour(text: &str) -> bool {
    text.split('\x1b').skip(1).any(|rest| {
        rest.strip_prefix('[').is_some_and(|r| {
            let params: String = r
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == ';')
                .collect();
            r[params.len()..].starts_with('m')
        })
    })
}

/// Holds the fake's answer until the test opens it.
#[derive(Clone, Default)]
struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }
    fn wait(&self) {
        let guard = self.0.0.lock().unwrap();
        let _ = self
            .0
            .1
            .wait_timeout_while(guard, Duration::from_secs(30), |open| !*open)
            .unwrap();
    }
}

fn gated_fake(gate: &Gate, text: &'static str) -> FakeServer {
    let gate = gate.clone();
    let fake = Fake::openai(KEY, Answer::text(&[text]));
    FakeServer::start(move |req: &Request| {
        gate.wait();
        fake.reply_to(req)
    })
}

fn home_for(fake: &FakeServer) -> Home {
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", KEY)
        .env("BYOK_OPENAI_BASE_URL", &format!("{}/v1", fake.url()));
    home
}

#[test]
fn a_spinner_waits_for_the_first_token_and_is_gone_before_the_answer() {
    let gate = Gate::default();
    let fake = gated_fake(&gate, "The answer, without a newline");
    let home = home_for(&fake);
    let (screen, code) = on_terminal(
        &home,
        &[("NO_COLOR", "1")],
        &["run", "-m", "openai:gpt-4o-mini", "--no-stdin", "hi"],
        Some((&gate, "waiting for the answer")),
    );
    assert_eq!(code, Some(0), "{screen:?}");
    let spinner = screen.find("waiting for the answer").expect("a spinner");
    let answer = screen.find("The answer").expect("the answer");
    assert!(spinner < answer, "{screen:?}");
    // The spinner's line was cleared (carriage return, erase line) before the answer…
    let between = &screen[spinner..answer];
    assert!(between.contains("\r\x1b[2K"), "{screen:?}");
    // …and never drawn again after it.
    assert!(
        !screen[answer..].contains("waiting for the answer"),
        "{screen:?}"
    );
    // The answer's last line is ended before the stats table (on a terminal the table
    // follows on stderr).
    assert!(
        screen.contains("The answer, without a newline\r\n"),
        "{screen:?}"
    );
    assert!(screen.contains("provider"), "the stats table: {screen:?}");
}

#[test]
fn one_colour_rule_for_every_coloured_thing() {
    let home = Home::with_identity();
    // No key: an error, whose `error:` prefix is the coloured thing here.
    let run = ["run", "-m", "openai:gpt-4o-mini", "--no-stdin", "hi"];
    let (screen, code) = on_terminal(&home, &[], &run, None);
    assert_eq!(code, Some(3));
    assert!(
        screen.contains("\x1b[1;31merror"),
        "colour on a terminal: {screen:?}"
    );

    let (screen, _) = on_terminal(&home, &[("NO_COLOR", "1")], &run, None);
    assert!(!has_colour(&screen), "NO_COLOR: {screen:?}");

    let mut args = vec!["--color", "always"];
    args.extend(run);
    let (screen, _) = on_terminal(&home, &[("NO_COLOR", "1")], &args, None);
    assert!(
        screen.contains("\x1b[1;31merror"),
        "--color always wins: {screen:?}"
    );

    let (screen, _) = on_terminal(&home, &[("TERM", "dumb")], &run, None);
    assert!(!screen.contains('\x1b'), "TERM=dumb: {screen:?}");
}

#[test]
fn a_dumb_terminal_gets_no_spinner() {
    let gate = Gate::default();
    gate.open();
    let fake = gated_fake(&gate, "plain");
    let home = home_for(&fake);
    let (screen, code) = on_terminal(
        &home,
        &[("TERM", "dumb")],
        &["run", "-m", "openai:gpt-4o-mini", "--no-stdin", "hi"],
        None,
    );
    assert_eq!(code, Some(0));
    assert!(!screen.contains("waiting for the answer"), "{screen:?}");
    assert!(!screen.contains('\x1b'), "{screen:?}");
    assert!(screen.contains("plain\r\n"), "{screen:?}");
}
