//! What goes where (README "Exit codes"): the answer or JSON on stdout and nothing else;
//! messages, warnings, progress and `-v` traces on stderr; colour only for terminals
//! (or `--color always`), never with NO_COLOR.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use jiff::Timestamp;
use serde::Serialize;

use crate::error::{Error, Result};

static VERBOSE: AtomicBool = AtomicBool::new(false);
static COLOR_STDERR: AtomicBool = AtomicBool::new(false);
/// Warnings already shown by [`warn_once`].
static WARNED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Turns `-v` tracing on, once, where the command line is read. One process-wide switch,
/// so that code far below the commands can trace without being handed a `Ui`.
pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

/// A `-v` trace line on stderr. Callers never pass secrets; URLs carry none.
pub fn verbose(msg: &str) {
    if VERBOSE.load(Ordering::Relaxed) {
        stderr_line(&format!("byok: {msg}"));
    }
}

/// Writes one line on stderr. A stderr that cannot be written (a closed pipe, as in
/// `byok -v run … 2>&1 | head -1`) is not an error byok can report anywhere, so the line
/// is dropped rather than panicking the way `eprintln!` does; the exit code stays the
/// command's own.
pub fn stderr_line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err
        .write_all(text.as_bytes())
        .and_then(|_| err.write_all(b"\n"))
        .and_then(|_| err.flush());
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Debug)]
pub struct Ui {
    pub json: bool,
    pub quiet: bool,
    pub color_stdout: bool,
    pub color_stderr: bool,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// `TERM=dumb`: a terminal that cannot draw colour or redraw a line.
    pub dumb_terminal: bool,
}

impl Ui {
    pub fn new(json: bool, quiet: bool, color: ColorChoice) -> Ui {
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        // One rule for every coloured thing, the `error:` prefix included: --color wins,
        // else colour on a terminal unless NO_COLOR is set or TERM is dumb.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb_terminal = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let wants = |tty: bool| match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color && !dumb_terminal,
        };
        COLOR_STDERR.store(wants(stderr_tty), Ordering::Relaxed);
        Ui {
            json,
            quiet,
            color_stdout: wants(stdout_tty),
            color_stderr: wants(stderr_tty),
            stdout_tty,
            stderr_tty,
            dumb_terminal,
        }
    }

    /// A progress or confirmation line on stderr; `-q` silences it.
    pub fn info(&self, msg: &str) {
        if !self.quiet {
            stderr_line(msg);
        }
    }

    /// A warning on stderr: shown even with `-q`, because it reports something wrong.
    pub fn warn(&self, msg: &str) {
        warning(msg, self.color_stderr);
    }

    /// Prints a JSON document on stdout.
    pub fn print_json<T: Serialize>(&self, value: &T) -> Result<()> {
        let text =
            serde_json::to_string_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
        write_stdout(format!("{text}\n").as_bytes())
    }

    /// A table in byok's style, sized to the terminal when stdout is one.
    pub fn table(&self, header: &[&str]) -> Table {
        let mut t = Table::new();
        t.load_style(presets::UTF8_FULL_CONDENSED);
        if self.stdout_tty {
            t.set_content_arrangement(ContentArrangement::Dynamic);
        }
        if self.color_stdout {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        t.set_header(header.iter().map(Cell::new));
        t
    }

    pub fn print_table(&self, table: &Table) -> Result<()> {
        write_stdout(format!("{table}\n").as_bytes())
    }

    /// A status word, coloured by how good it is when colour is on.
    pub fn status_cell(&self, status: &str) -> Cell {
        let cell = Cell::new(status);
        if !self.color_stdout {
            return cell;
        }
        match status {
            "ok" => cell.fg(Color::Green),
            "invalid" | "no_credit" | "missing" => cell.fg(Color::Red),
            "unreachable" | "error" | "unverified" => cell.fg(Color::Yellow),
            _ => cell,
        }
    }

    /// Whether spinners and progress bars may be drawn.
    pub fn progress_allowed(&self) -> bool {
        self.stderr_tty && !self.dumb_terminal && !self.quiet && !self.json
    }
}

fn warning(msg: &str, color: bool) {
    let label = if color {
        "\x1b[33mwarning\x1b[0m"
    } else {
        "warning"
    };
    stderr_line(&format!("{label}: {msg}"));
}

/// A warning on stderr, like [`Ui::warn`], for code that has no `Ui` at hand; the same
/// text is shown once per run however often it is asked for.
pub fn warn_once(msg: &str) {
    let mut warned = WARNED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if warned.iter().any(|w| w == msg) {
        return;
    }
    warned.push(msg.to_string());
    drop(warned);
    warning(msg, COLOR_STDERR.load(Ordering::Relaxed));
}

/// A spinner on stderr, drawn only where progress may be ([`Ui::progress_allowed`]), and
/// cleared without a trace when dropped or cleared.
pub struct Spinner(Option<indicatif::ProgressBar>);

impl Spinner {
    pub fn new(ui: &Ui, message: &str) -> Spinner {
        Spinner(ui.progress_allowed().then(|| spinner(message)))
    }

    /// Removes the spinner's line; later calls do nothing.
    pub fn clear(&self) {
        if let Some(bar) = &self.0
            && !bar.is_finished()
        {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.clear();
    }
}

/// A ticking spinner with `message`, for the caller to place (a council adds one per
/// member to a `MultiProgress`).
pub fn spinner(message: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner().with_message(message.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(80));
    bar
}

/// Writes to stdout, turning a closed pipe (`byok … | head -1`) into a quiet stop.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|_| out.flush()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Error::StdoutClosed
        } else {
            Error::io("write to", "standard output", e)
        }
    })
}

/// Prints an error and its hint on stderr, in the form `error: …` / `hint: …`.
pub fn print_error(err: &Error, color: bool) {
    let (red, cyan, reset) = if color {
        ("\x1b[1;31m", "\x1b[1;36m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    stderr_line(&format!("{red}error{reset}: {err}"));
    if let Some(hint) = err.hint() {
        stderr_line(&format!("{cyan}hint{reset}: {hint}"));
    }
}

/// `2026-11-23 14:05` in the local time zone.
pub fn local_time(ts: Timestamp) -> String {
    crate::clock::local(ts)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

pub fn opt_time(ts: Option<Timestamp>) -> String {
    ts.map(local_time).unwrap_or_else(|| "—".to_string())
}
