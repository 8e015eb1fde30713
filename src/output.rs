//! What goes where (README "Exit codes"): the answer or JSON on stdout and nothing else;
//! messages, warnings, progress and `-v` traces on stderr; colour only for terminals
//! (or `--color always`), never with NO_COLOR.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use comfy_table::{Cell, Color, ColumnConstraint, Table, Width, presets};
use jiff::Timestamp;
use serde::{Serialize, Serializer};

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

    /// A table in byok's style. Each column comes with how readily it is left out on a
    /// narrow terminal: 0 never, else the highest first ([`Grid`]).
    pub fn table(&self, columns: &[(&str, u8)]) -> Grid {
        let mut table = Table::new();
        table.load_style(presets::UTF8_FULL_CONDENSED);
        table.set_header(columns.iter().map(|(name, _)| Cell::new(name)));
        Grid {
            table,
            drop_rank: columns.iter().map(|(_, rank)| *rank).collect(),
        }
    }

    /// Prints a table on stdout, fitted to its width ([`width_of`]).
    pub fn print_table(&self, grid: Grid) -> Result<()> {
        let text = grid.render(width_of(Stream::Stdout), self.color_stdout);
        write_stdout(format!("{text}\n").as_bytes())
    }

    /// Prints a table on stderr (the stats after `run` and `council`), fitted to its width.
    pub fn eprint_table(&self, grid: Grid) {
        stderr_line(&grid.render(width_of(Stream::Stderr), self.color_stderr));
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

/// An error as `--json` reports it beside what a command got done: the message and hint
/// stderr shows, and the exit code byok ends with.
#[derive(Debug, Serialize)]
pub struct ErrorJson {
    pub message: String,
    pub hint: Option<String>,
    pub exit_code: i32,
}

impl ErrorJson {
    pub fn of(err: &Error) -> ErrorJson {
        ErrorJson {
            message: err.to_string(),
            hint: err.hint(),
            exit_code: err.exit_code(),
        }
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

// ---------------------------------------------------------------------------------------
// Tables at any width

/// Where a table goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// The width a table printed on `stream` must fit: `COLUMNS` when set (scripts and tests
/// choose it), else the terminal's when `stream` is one; `None` (any width) otherwise.
pub fn width_of(stream: Stream) -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
    {
        return Some(columns);
    }
    terminal_width(stream)
}

#[cfg(unix)]
fn terminal_width(stream: Stream) -> Option<usize> {
    let fd = match stream {
        Stream::Stdout => libc::STDOUT_FILENO,
        Stream::Stderr => libc::STDERR_FILENO,
    };
    // SAFETY: TIOCGWINSZ fills a winsize we own; a descriptor that is not a terminal
    // makes it fail without touching it.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) };
    (rc == 0 && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

#[cfg(not(unix))]
fn terminal_width(stream: Stream) -> Option<usize> {
    let tty = match stream {
        Stream::Stdout => std::io::stdout().is_terminal(),
        Stream::Stderr => std::io::stderr().is_terminal(),
    };
    if !tty {
        return None;
    }
    // comfy-table asks the console (crossterm) when it thinks it prints to one.
    Table::new().width().map(usize::from)
}

/// A table whose columns know how readily they are left out. At a width narrower than
/// its natural one, [`Grid::render`] leaves out the columns of highest rank first (rank 0
/// never; the rightmost first among equals) until what remains fits, wrapping long text
/// at spaces only once nothing more can go. A token (a number, a name, a date) is never
/// split: a table whose remaining tokens cannot fit is printed wider than asked.
pub struct Grid {
    table: Table,
    drop_rank: Vec<u8>,
}

impl std::ops::Deref for Grid {
    type Target = Table;
    fn deref(&self) -> &Table {
        &self.table
    }
}

impl std::ops::DerefMut for Grid {
    fn deref_mut(&mut self) -> &mut Table {
        &mut self.table
    }
}

/// Below this width a text column is not wrapped while a column can still be left out.
const COMFORTABLE_WRAP: usize = 20;

/// What fitting one column needs to know: its natural width, its longest token, and how
/// narrow it may get while columns are still being left out.
#[derive(Clone, Copy, Debug)]
struct Measure {
    natural: usize,
    token: usize,
    comfortable: usize,
}

impl Grid {
    /// The table as text, at most `width` columns wide where its tokens allow; coloured
    /// cells keep their colour only when `color`.
    pub fn render(mut self, width: Option<usize>, color: bool) -> String {
        if color {
            self.table.enforce_styling();
        } else {
            self.table.force_no_tty();
        }
        if let Some(width) = width {
            let measures = self.measures();
            if let Some(widths) = fit(&measures, &self.drop_rank, width) {
                for (i, w) in widths.iter().enumerate() {
                    let constraint = match w {
                        None => ColumnConstraint::Hidden,
                        // Width counts the padding, one space on each side.
                        Some(w) => ColumnConstraint::Absolute(Width::Fixed(
                            u16::try_from(w + 2).unwrap_or(u16::MAX),
                        )),
                    };
                    if let Some(column) = self.table.column_mut(i) {
                        column.set_constraint(constraint);
                    }
                }
            }
        }
        self.table.to_string()
    }

    fn measures(&self) -> Vec<Measure> {
        let mut m = vec![
            Measure {
                natural: 1,
                token: 1,
                comfortable: 1,
            };
            self.drop_rank.len()
        ];
        for row in self.table.header().into_iter().chain(self.table.row_iter()) {
            for (i, cell) in row.cell_iter().enumerate().take(m.len()) {
                let content = cell.content();
                for line in content.lines() {
                    m[i].natural = m[i].natural.max(text_width(line));
                    for token in line.split(' ') {
                        m[i].token = m[i].token.max(text_width(token));
                    }
                }
            }
        }
        for c in &mut m {
            c.comfortable = c.natural.min(c.token.max(COMFORTABLE_WRAP));
        }
        m
    }
}

fn text_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// The width of a table whose visible columns hold `widths` of content: a border before
/// each column and after the last, one space of padding on each side of each.
fn table_width<'a>(widths: impl Iterator<Item = &'a usize>) -> usize {
    let (sum, count) = widths.fold((0, 0), |(s, n), w| (s + w, n + 1));
    sum + 3 * count + 1
}

/// The content width of each column (`None`: left out) for a table to fit `width`, or
/// `None` when it fits as it is.
fn fit(m: &[Measure], drop_rank: &[u8], width: usize) -> Option<Vec<Option<usize>>> {
    let mut kept: Vec<bool> = vec![true; m.len()];
    let sum = |kept: &[bool], f: &dyn Fn(&Measure) -> usize| {
        table_width(
            m.iter()
                .zip(kept)
                .filter(|(_, k)| **k)
                .map(|(c, _)| f(c))
                .collect::<Vec<_>>()
                .iter(),
        )
    };
    if sum(&kept, &|c| c.natural) <= width {
        return None;
    }
    loop {
        if sum(&kept, &|c| c.natural) <= width || sum(&kept, &|c| c.comfortable) <= width {
            break;
        }
        // The column of highest rank goes; among equals the rightmost.
        let victim = (0..m.len())
            .filter(|&i| kept[i] && drop_rank[i] > 0)
            .max_by_key(|&i| (drop_rank[i], i));
        match victim {
            Some(i) => kept[i] = false,
            None => break,
        }
    }
    let mut widths: Vec<Option<usize>> = m
        .iter()
        .zip(&kept)
        .map(|(c, k)| k.then_some(c.natural))
        .collect();
    // Narrow the widest wrappable column a step at a time: down to a comfortable width
    // first, then to its longest token, never below.
    let floors: [&dyn Fn(&Measure) -> usize; 2] = [&|c| c.comfortable, &|c| c.token];
    for floor in floors {
        loop {
            let total = table_width(widths.iter().flatten());
            if total <= width {
                break;
            }
            let widest = (0..m.len())
                .filter(|&i| widths[i].is_some_and(|w| w > floor(&m[i])))
                .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
            let Some(i) = widest else { break };
            let excess = total - width;
            let w = widths[i].unwrap_or(0);
            let room = w - floor(&m[i]);
            widths[i] = Some(w - excess.min(room).min(w.div_ceil(8).max(1)));
        }
    }
    Some(widths)
}

// ---------------------------------------------------------------------------------------
// Numbers in JSON

/// Significant digits a dollar amount keeps in JSON: enough for any real cost, few enough
/// that binary float noise (`1.4099999999999999e-05`) rounds away.
const USD_DIGITS: usize = 10;

/// `v` as the shortest plain decimal of at most [`USD_DIGITS`] significant digits, never
/// with an exponent: `0.0000141`, `0.5`, `3.0`, `1234.5`. `None` when not finite.
pub fn decimal(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    if v == 0.0 {
        return Some("0.0".into());
    }
    // `1.410000000e-5`: the digits rounded to USD_DIGITS, and the exponent.
    let sci = format!("{:.*e}", USD_DIGITS - 1, v.abs());
    let (mantissa, exp) = sci.split_once('e')?;
    let exp: i32 = exp.parse().ok()?;
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let (whole, frac) = if exp >= 0 {
        let point = exp as usize + 1;
        if digits.len() > point {
            (digits[..point].to_string(), digits[point..].to_string())
        } else {
            (format!("{digits:0<point$}"), String::new())
        }
    } else {
        (
            "0".to_string(),
            format!("{}{digits}", "0".repeat((-exp - 1) as usize)),
        )
    };
    let sign = if v < 0.0 { "-" } else { "" };
    let frac = if frac.is_empty() { "0".into() } else { frac };
    Some(format!("{sign}{whole}.{frac}"))
}

/// Serializes a dollar amount as a JSON number written by [`decimal`]: the one way byok
/// writes money into JSON (`#[serde(serialize_with = "crate::output::usd")]`).
pub fn usd<S: Serializer>(v: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
    match decimal(*v) {
        // A raw JSON value: serde_json writes the text as it is, where a float would be
        // written in its shortest form (with an exponent below 1e-5).
        Some(text) => serde_json::value::RawValue::from_string(text)
            .map_err(serde::ser::Error::custom)?
            .serialize(s),
        None => s.serialize_none(),
    }
}

/// [`usd`] for an amount that may be unknown (`null`).
pub fn opt_usd<S: Serializer>(v: &Option<f64>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(v) => usd(v, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_have_no_float_noise_and_no_exponent() {
        for (v, text) in [
            (1.4099999999999999e-05, "0.0000141"),
            (0.0000141, "0.0000141"),
            (1.5e-7, "0.00000015"),
            (0.1 + 0.2, "0.3"),
            (0.5, "0.5"),
            (3.0, "3.0"),
            (0.0, "0.0"),
            (1234.5, "1234.5"),
            (25.0, "25.0"),
            (2_000_000.0, "2000000.0"),
            (1e21, "1000000000000000000000.0"),
            (-0.000299, "-0.000299"),
            (12345.678901234, "12345.6789"),
            (0.00012345, "0.00012345"),
        ] {
            assert_eq!(decimal(v).as_deref(), Some(text), "{v:e}");
        }
        assert_eq!(decimal(f64::NAN), None);
    }

    #[test]
    fn usd_amounts_serialize_as_plain_decimals() {
        #[derive(Serialize)]
        struct Row {
            #[serde(serialize_with = "usd")]
            cost: f64,
            #[serde(serialize_with = "opt_usd")]
            known: Option<f64>,
            #[serde(serialize_with = "opt_usd")]
            unknown: Option<f64>,
        }
        let row = Row {
            cost: 1.4099999999999999e-05,
            known: Some(1e-7),
            unknown: None,
        };
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"cost":0.0000141,"known":0.0000001,"unknown":null}"#
        );
        assert_eq!(
            serde_json::to_string_pretty(&row).unwrap(),
            "{\n  \"cost\": 0.0000141,\n  \"known\": 0.0000001,\n  \"unknown\": null\n}"
        );
        // Into a Value, it is the same number.
        let v = serde_json::to_value(&row).unwrap();
        assert_eq!(v["cost"].as_f64(), Some(0.0000141));
    }

    fn m(natural: usize, token: usize) -> Measure {
        Measure {
            natural,
            token,
            comfortable: natural.min(token.max(COMFORTABLE_WRAP)),
        }
    }

    #[test]
    fn a_table_that_fits_is_left_alone() {
        assert_eq!(fit(&[m(10, 10), m(5, 5)], &[0, 1], 80), None);
    }

    #[test]
    fn the_highest_ranks_go_first_then_text_wraps() {
        // 3 columns of 10: 10*3 + 3*3 + 1 = 40.
        let cols = [m(10, 10), m(10, 10), m(10, 10)];
        assert_eq!(
            fit(&cols, &[0, 2, 1], 30),
            Some(vec![Some(10), None, Some(10)])
        );
        assert_eq!(fit(&cols, &[0, 2, 1], 20), Some(vec![Some(10), None, None]));
        // A long text column wraps at spaces rather than losing a column it can share with.
        let cols = [m(10, 10), m(60, 8), m(5, 5)];
        let widths = fit(&cols, &[0, 0, 1], 60).unwrap();
        assert_eq!(widths[2], Some(5));
        assert_eq!(table_width(widths.iter().flatten()), 60);
        assert!(widths[1].unwrap() >= 8);
        // Never below the longest token, even when that leaves the table too wide.
        let widths = fit(&[m(30, 30), m(30, 25)], &[0, 0], 40).unwrap();
        assert_eq!(widths, vec![Some(30), Some(25)]);
    }
}
