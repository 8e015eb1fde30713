//! Shell completions and man pages, rendered from the one clap definition in
//! [`crate::cli`] (docs/architecture.md). `byok completions`, the checked-in `completions/` and
//! `man/` files, and the test that keeps those files current (`tests/generated.rs`) all
//! call these functions, so there is one way to produce them.
//!
//! A completion script is a registration: on every Tab the shell calls `byok` back
//! (`BYOK_COMPLETE=<shell> byok -- <words>`) and clap_complete's dynamic engine answers
//! from the same definition, values included (`crate::complete`), so a
//! script never goes stale against the binary beside it. Two registrations are adjusted:
//! bash's, which splits words at `:` and `=` (README "Shell completions and man pages"),
//! and zsh's, which also has to complete on the first Tab when autoloaded from `fpath`.
//!
//! A man page is clap_mangen's NAME, SYNOPSIS, DESCRIPTION, OPTIONS and SUBCOMMANDS, then
//! sections byok adds: EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES and SEE ALSO. The
//! examples are the `Examples:` paragraph of each command's `after_help`; its other
//! paragraphs join the DESCRIPTION. A command without examples of its own (`byok key`)
//! shows those of its subcommands.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Generator;
pub use clap_complete::Shell;
use clap_complete::env::{self as dynamic, EnvCompleter, Shells};
use clap_mangen::roff::{Inline, Roff, bold, italic, roman};

use crate::cli::Cli;
use crate::error::exit;

/// The binary the scripts complete and the pages document.
pub const BIN: &str = "byok";

/// The one command that rewrites `completions/` and `man/` from the current CLI.
pub const REGENERATE: &str = "BYOK_REGENERATE=1 cargo test --test generated regenerate";

/// The directories (relative to the repository) that hold the generated files.
pub const COMPLETIONS_DIR: &str = "completions";
pub const MAN_DIR: &str = "man";

/// Every shell `byok completions` supports, in the order the files are listed.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

/// The variable that puts byok in completion mode: `BYOK_COMPLETE=bash byok` prints the
/// registration, `BYOK_COMPLETE=bash byok -- byok run -m op` the candidates.
pub const COMPLETE_VAR: &str = "BYOK_COMPLETE";

/// The dynamic completers of the shells byok supports.
const DYNAMIC: Shells<'static> = Shells(&[
    &BashWords,
    &dynamic::Elvish,
    &dynamic::Fish,
    &dynamic::Powershell,
    &ZshAutoload,
]);

/// Answers a completion request and exits, when byok was started as one (see
/// [`COMPLETE_VAR`]); otherwise returns at once. Called before anything else runs.
pub fn complete_if_asked() {
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(COMPLETE_VAR)
        .bin(BIN)
        .completer(BIN)
        .shells(DYNAMIC)
        .complete();
}

/// The completion script for `shell`: its registration, which calls `byok` (from `PATH`)
/// back for the candidates.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    match DYNAMIC.completer(&shell.to_string()) {
        Some(completer) => completer
            .write_registration(COMPLETE_VAR, BIN, BIN, BIN, &mut buf)
            .expect("writing into memory cannot fail"),
        // A shell clap_complete names but cannot complete dynamically: its static script.
        None => clap_complete::generate(shell, &mut Cli::command(), BIN, &mut buf),
    }
    buf
}

/// Bash splits the words it hands a completion function at every character of
/// `COMP_WORDBREAKS`, `:` and `=` among them, so `-m openai:gp` arrives as `-m`,
/// `openai`, `:`, `gp`, and bash replaces only the piece after the last break. This
/// registration joins the pieces back before byok sees them and takes the joined prefix
/// off each answer, as bash-completion's `__ltrim_colon_completions` does; it is clap's
/// own otherwise.
struct BashWords;

const BASH_REGISTRATION: &str = r#"
_clap_complete_NAME() {
    local IFS=$'\013'
    local _CLAP_COMPLETE_COMP_TYPE=${COMP_TYPE}
    if compopt +o nospace 2> /dev/null; then
        local _CLAP_COMPLETE_SPACE=false
    else
        local _CLAP_COMPLETE_SPACE=true
    fi
    # Join what COMP_WORDBREAKS split at `:` and `=` (openai:gpt-4o, --members=…); the
    # current word is taken up to the cursor ($2), or is the break itself.
    local -a words=()
    local i word glue=false
    for ((i = 0; i <= COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if ((i == COMP_CWORD)) && [[ $word != [:=] ]]; then
            word=$2
        fi
        if ((i > 0)) && { [[ $word == [:=] ]] || $glue; }; then
            words[${#words[@]}-1]+=$word
        else
            words+=("$word")
        fi
        if [[ $word == [:=] ]]; then glue=true; else glue=false; fi
    done
    local cword=$((${#words[@]} - 1))
    local joined=${words[cword]%"$2"}
    COMPREPLY=( $(         _CLAP_IFS="$IFS"         _CLAP_COMPLETE_INDEX="$cword"         _CLAP_COMPLETE_COMP_TYPE="$_CLAP_COMPLETE_COMP_TYPE"         _CLAP_COMPLETE_SPACE="$_CLAP_COMPLETE_SPACE"         VAR="bash"         "COMPLETER" -- "${words[@]}"     ) )
    if [[ $? != 0 ]]; then
        unset COMPREPLY
        return
    fi
    if [[ -n $joined ]]; then
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[i]=${COMPREPLY[i]#"$joined"}
        done
    fi
    if [[ $_CLAP_COMPLETE_SPACE == false ]] && [[ "${COMPREPLY-}" =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -o nospace -o bashdefault -o nosort -F _clap_complete_NAME BIN
else
    complete -o nospace -o bashdefault -F _clap_complete_NAME BIN
fi
"#;

impl EnvCompleter for BashWords {
    fn name(&self) -> &'static str {
        dynamic::Bash.name()
    }

    fn is(&self, name: &str) -> bool {
        dynamic::Bash.is(name)
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        let script = BASH_REGISTRATION
            .replace("NAME", &name.replace('-', "_"))
            .replace("BIN", bin)
            .replace("COMPLETER", completer)
            .replace("VAR", var);
        writeln!(buf, "{script}")
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<std::ffi::OsString>,
        current_dir: Option<&Path>,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        dynamic::Bash.write_complete(cmd, args, current_dir, buf)
    }
}

/// clap's zsh registration is written to be sourced. Installed in `fpath` (as install.sh
/// does), zsh autoloads the file as the function `_byok` on the first Tab, which only
/// registers the real completer; the line added here also runs it then. Sourced, the
/// line does nothing.
struct ZshAutoload;

impl EnvCompleter for ZshAutoload {
    fn name(&self) -> &'static str {
        dynamic::Zsh.name()
    }

    fn is(&self, name: &str) -> bool {
        dynamic::Zsh.is(name)
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        dynamic::Zsh.write_registration(var, name, bin, completer, buf)?;
        let name = name.replace('-', "_");
        writeln!(
            buf,
            "[[ ${{funcstack[1]}} = _{bin} ]] && _clap_dynamic_completer_{name} \"$@\""
        )
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<std::ffi::OsString>,
        current_dir: Option<&Path>,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        dynamic::Zsh.write_complete(cmd, args, current_dir, buf)
    }
}

/// The conventional file name of `shell`'s script: `byok.bash`, `_byok`, `byok.fish`,
/// `byok.elv`, `_byok.ps1`.
pub fn completion_file_name(shell: Shell) -> String {
    shell.file_name(BIN)
}

/// Every man page as (file name, roff): `byok.1`, then one per subcommand, nested ones
/// included (`byok-key-add.1`), parents before children.
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    let mut pages = Vec::new();
    collect_pages(&root, &[], &mut pages);
    pages
}

/// Every generated file as (path relative to the repository, contents).
pub fn files() -> Vec<(PathBuf, Vec<u8>)> {
    let completions = SHELLS.iter().map(|&shell| {
        let path = Path::new(COMPLETIONS_DIR).join(completion_file_name(shell));
        (path, completion(shell))
    });
    let pages = man_pages()
        .into_iter()
        .map(|(name, roff)| (Path::new(MAN_DIR).join(name), roff));
    completions.chain(pages).collect()
}

/// How a checked-in file differs from what the current CLI generates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Drift {
    Missing(PathBuf),
    Differs(PathBuf),
    /// In `completions/` or `man/` but no longer generated.
    Extra(PathBuf),
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Missing(p) => write!(f, "missing:  {}", p.display()),
            Drift::Differs(p) => write!(f, "outdated: {}", p.display()),
            Drift::Extra(p) => write!(f, "extra:    {}", p.display()),
        }
    }
}

/// The differences between the files under `root` and [`files`]; empty when current.
pub fn check(root: &Path) -> Vec<Drift> {
    let files = files();
    let mut drift = Vec::new();
    for (rel, want) in &files {
        match std::fs::read(root.join(rel)) {
            Ok(have) if &have == want => {}
            Ok(_) => drift.push(Drift::Differs(rel.clone())),
            Err(_) => drift.push(Drift::Missing(rel.clone())),
        }
    }
    drift.extend(extra_files(root, &files).into_iter().map(Drift::Extra));
    drift
}

/// Writes every generated file under `root` (creating `completions/` and `man/`) and
/// removes the files there that are no longer generated.
pub fn write_all(root: &Path) -> std::io::Result<()> {
    let files = files();
    for dir in [COMPLETIONS_DIR, MAN_DIR] {
        std::fs::create_dir_all(root.join(dir))?;
    }
    for rel in extra_files(root, &files) {
        std::fs::remove_file(root.join(rel))?;
    }
    for (rel, contents) in &files {
        if std::fs::read(root.join(rel)).ok().as_ref() != Some(contents) {
            std::fs::write(root.join(rel), contents)?;
        }
    }
    Ok(())
}

fn extra_files(root: &Path, files: &[(PathBuf, Vec<u8>)]) -> Vec<PathBuf> {
    let wanted: BTreeSet<&PathBuf> = files.iter().map(|(p, _)| p).collect();
    let mut extra = Vec::new();
    for dir in [COMPLETIONS_DIR, MAN_DIR] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let rel = Path::new(dir).join(entry.file_name());
            if entry.file_type().is_ok_and(|t| t.is_file()) && !wanted.contains(&rel) {
                extra.push(rel);
            }
        }
    }
    extra.sort();
    extra
}

// ---------------------------------------------------------------------------------------
// Man pages

/// Every environment variable byok reads, except the provider key variables, which come
/// from the provider registry. `tests/generated.rs` fails when src/ reads a `BYOK_…`
/// variable that is not listed here.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "BYOK_HOME",
        "One directory for every byok file (profiles/, vault.age, vault.toml, identity.age, \
         ledger.sqlite3) instead of the platform's config and data directories; see FILES.",
    ),
    (
        "BYOK_LEDGER_URL",
        "A PostgreSQL URL (postgres://user@host:5432/db) for a usage ledger shared by a team \
         or CI; it wins over the profile's [ledger] url. The password comes from the URL, \
         PGPASSWORD or ~/.pgpass and is never shown.",
    ),
    (
        "BYOK_PROFILE",
        "The profile to use when --profile is not given; it wins over the one byok profile \
         use chose.",
    ),
    (
        "BYOK_IDENTITY",
        "An age identity (AGE-SECRET-KEY-1…, or an ssh-ed25519 private key) that opens the \
         vault; for CI jobs and teammates of a shared vault. Tried before the OS keyring.",
    ),
    (
        "BYOK_IDENTITY_FILE",
        "A file holding such an identity, used when BYOK_IDENTITY is not set.",
    ),
    (
        "BYOK_PASSPHRASE",
        "The passphrase of a passphrase vault, for scripts and CI (otherwise it is asked on \
         the terminal).",
    ),
    (
        "BYOK_KEYRING",
        "off (or 0, false, no): never touch the OS keyring.",
    ),
    (
        "BYOK_<ID>_BASE_URL",
        "Another base URL for provider <ID> (upper case, - becomes _), e.g. \
         BYOK_OPENAI_BASE_URL=http://127.0.0.1:8080/v1. It wins over the profile's base_url; \
         a key may be sent to it without TLS (with a warning when its host is not \
         loopback).",
    ),
    (
        "BYOK_CONNECT_TIMEOUT",
        "How long to wait for a connection: 10, 2.5s or 500ms (default 10s).",
    ),
    (
        "BYOK_READ_TIMEOUT",
        "The longest silence while reading an answer (default 300s).",
    ),
    (
        "BYOK_VERIFY_TIMEOUT",
        "The whole of one key verification probe (default 15s).",
    ),
    (
        "BYOK_TIMEOUT",
        "The longest a whole `run` or `council` call may take, retries and fallbacks \
         included (as --timeout; default: no limit).",
    ),
    (
        "BYOK_RETRY_BASE",
        "The base delay of the retry backoff, e.g. 10ms (default 500ms).",
    ),
    (
        "BYOK_COMPLETE",
        "Set by the shell completion scripts (bash, zsh, fish, elvish, powershell) when they \
         call byok back for candidates; BYOK_COMPLETE=bash byok prints bash's registration, \
         as byok completions bash does.",
    ),
    (
        "BYOK_EXEC",
        "Set to 1 by `byok exec` in the command's environment; when set, `byok exec` refuses to run (no nesting).",
    ),
    (
        "BYOK_SERVE_URL",
        "Printed by `byok serve` (and set by `byok exec --proxy` in the command's environment): the server's base URL, next to OPENAI_BASE_URL, ANTHROPIC_BASE_URL and the token in OPENAI_API_KEY and ANTHROPIC_API_KEY.",
    ),
    (
        "NO_COLOR",
        "When set and not empty: no colour, whatever --color auto would pick.",
    ),
];

/// The names of the variables [`ENVIRONMENT`] and the provider registry document.
pub fn documented_env_vars() -> Vec<String> {
    let mut vars: Vec<String> = ENVIRONMENT.iter().map(|(v, _)| v.to_string()).collect();
    for p in crate::providers::PROVIDERS {
        vars.extend(p.key_env.iter().map(|v| v.to_string()));
    }
    vars
}

const FILES: &[(&str, &str)] = &[
    (
        "vault.age",
        "The keys, age-encrypted (armored) to the vault's recipients.",
    ),
    (
        "vault.age.bak",
        "The previous vault.age, kept at every write.",
    ),
    (
        "vault.toml",
        "Vault id, unlock method, recipients and an index of the keys; nothing secret.",
    ),
    (
        "identity.age",
        "The passphrase-encrypted identity (passphrase vaults only).",
    ),
    (
        "vault.lock",
        "The lock that serialises writers of the vault.",
    ),
    (
        "ledger.sqlite3",
        "The usage ledger: every call's tokens, cost and outcome, and provider health.",
    ),
    (
        "profiles/*.toml",
        "Profiles: routes, allowlist, budgets, custom providers and prices \
         (profiles/default.toml unless another is active). In the config directory.",
    ),
    (
        "models.json",
        "The models each provider listed at the last byok models, offered by shell completion.",
    ),
    (
        "active-profile",
        "The profile byok profile use chose. In the config directory.",
    ),
];

const FILES_INTRO: &str = "With BYOK_HOME set, every file below lives in that directory. \
    Otherwise profiles/ and active-profile live in the platform's config directory \
    ($XDG_CONFIG_HOME/byok, by default ~/.config/byok, on Linux; ~/Library/Application \
    Support/byok on macOS; %APPDATA%\\byok on Windows) and the rest in its data directory \
    ($XDG_DATA_HOME/byok, by default ~/.local/share/byok, on Linux; ~/Library/Application \
    Support/byok on macOS; %APPDATA%\\byok on Windows).";

const FILES_OUTRO: &str = "Files are created 0600 and directories 0700. Every write is \
    atomic (temporary file, fsync, rename) under an exclusive lock, and a vault that fails \
    to decrypt is never overwritten.";

fn collect_pages(cmd: &clap::Command, parents: &[String], pages: &mut Vec<(String, Vec<u8>)>) {
    let name = page_name(cmd);
    pages.push((format!("{name}.1"), man_page(cmd, parents)));
    let mut lineage = parents.to_vec();
    lineage.push(name);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect_pages(sub, &lineage, pages);
    }
}

/// `byok`, `byok-key`, `byok-key-add`: what clap_mangen names the page.
fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string()
}

/// The `after_help` of a command, split into its examples and its other paragraphs.
#[derive(Default)]
struct AfterHelp {
    examples: Vec<String>,
    notes: Vec<String>,
}

fn after_help(cmd: &clap::Command) -> AfterHelp {
    let text = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(|t| t.to_string())
        .unwrap_or_default();
    let mut out = AfterHelp::default();
    for para in text.split("\n\n").map(str::trim_end) {
        let mut lines = para.lines();
        match lines.next().map(str::trim) {
            None | Some("") => {}
            Some("Examples:") => {
                let lines: Vec<&str> = lines.collect();
                let indent = lines
                    .iter()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| l.len() - l.trim_start().len())
                    .min()
                    .unwrap_or(0);
                out.examples.extend(
                    lines
                        .iter()
                        .map(|l| l.get(indent..).unwrap_or("").trim_end().to_string()),
                );
            }
            // The top-level help's short table; EXIT STATUS renders the full one.
            Some("Exit status:") => {}
            Some(_) => out.notes.push(para.trim().to_string()),
        }
    }
    out
}

/// A command's examples, or (when it has none) those of its subcommands, in groups.
fn examples(cmd: &clap::Command) -> Vec<Vec<String>> {
    let own = after_help(cmd).examples;
    if !own.is_empty() {
        return vec![own];
    }
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set())
        .flat_map(examples)
        .collect()
}

fn man_page(cmd: &clap::Command, parents: &[String]) -> Vec<u8> {
    let version = cmd.get_version().unwrap_or_default();
    let man = clap_mangen::Man::new(cmd.clone());
    let help = after_help(cmd);

    // roff's preamble, then the title line written here: clap_mangen's drops an empty
    // date argument (`.TH T 1  "byok 0.1.0"`), which shifts source and manual along. No
    // date keeps the pages reproducible.
    let mut out = Roff::new().render().into_bytes();
    let title = page_name(cmd).to_uppercase();
    writeln!(
        out,
        ".TH {title} 1 \"\" \"{BIN} {version}\" \"User Commands\""
    )
    .unwrap();
    render_part(&mut out, |w| man.render_name_section(w));
    render_part(&mut out, |w| man.render_synopsis_section(w));
    render_part(&mut out, |w| man.render_description_section(w));
    if !help.notes.is_empty() {
        let mut roff = Roff::new();
        for note in &help.notes {
            roff.control("PP", []);
            for line in note.lines() {
                roff.text([roman(line.trim())]);
            }
        }
        append_roff(&mut out, &roff);
    }
    render_part(&mut out, |w| man.render_options_section(w));
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        render_part(&mut out, |w| man.render_subcommands_section(w));
    }
    append_roff(&mut out, &exit_status_section(cmd));
    append_roff(&mut out, &environment_section());
    append_roff(&mut out, &files_section());
    append_roff(&mut out, &examples_section(&examples(cmd)));
    append_roff(&mut out, &see_also_section(parents));
    render_part(&mut out, |w| man.render_version_section(w));
    ascii_roff(&out)
}

/// Replaces every non-ASCII character with its roff escape (`…` is `\[u2026]`), which
/// troff and mandoc read whatever the locale, without a preprocessor.
fn ascii_roff(roff: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(roff);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", u32::from(c)));
        }
    }
    out.into_bytes()
}

/// Runs one of clap_mangen's section renderers into `out`, without the roff preamble
/// every render starts with.
fn render_part(out: &mut Vec<u8>, render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) {
    let mut buf = Vec::new();
    render(&mut buf).expect("rendering into memory cannot fail");
    let preamble = Roff::new().render();
    out.extend_from_slice(buf.strip_prefix(preamble.as_bytes()).unwrap_or(&buf));
}

fn append_roff(out: &mut Vec<u8>, roff: &Roff) {
    let text = roff.render();
    let preamble = Roff::new().render();
    out.extend_from_slice(text.strip_prefix(&preamble).unwrap_or(&text).as_bytes());
}

/// `.TP` entries: a term on one line, its description indented below it.
fn tagged(roff: &mut Roff, term: Inline, text: &str) {
    roff.control("TP", []);
    roff.text([term]);
    roff.text([roman(text)]);
}

fn exit_status_section(cmd: &clap::Command) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, _, meaning) in exit::MEANINGS {
        tagged(&mut roff, bold(code.to_string()), meaning);
    }
    if cmd.get_name() == "exec" {
        roff.control("PP", []);
        roff.text([roman(
            "Once the command has started, byok exec exits with the command's own status.",
        )]);
    }
    roff
}

fn environment_section() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["ENVIRONMENT"]);
    for (var, meaning) in ENVIRONMENT {
        if *var == "NO_COLOR" {
            provider_key_entries(&mut roff);
        }
        tagged(&mut roff, bold(*var), meaning);
    }
    roff
}

fn provider_key_entries(roff: &mut Roff) {
    for p in crate::providers::PROVIDERS
        .iter()
        .filter(|p| !p.key_env.is_empty())
    {
        let text = format!(
            "The {} key, used when the vault has none for {}.",
            p.name, p.id
        );
        tagged(roff, bold(p.key_env.join(", ")), &text);
    }
}

fn files_section() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["FILES"]);
    roff.control("PP", []);
    roff.text([roman(FILES_INTRO)]);
    for (file, meaning) in FILES {
        tagged(&mut roff, italic(*file), meaning);
    }
    roff.control("PP", []);
    roff.text([roman(FILES_OUTRO)]);
    roff
}

fn examples_section(groups: &[Vec<String>]) -> Roff {
    let mut roff = Roff::new();
    if groups.is_empty() {
        return roff;
    }
    roff.control("SH", ["EXAMPLES"]);
    for group in groups {
        roff.control("PP", []);
        roff.control("RS", ["4"]);
        roff.control("nf", []);
        for line in group {
            roff.text([roman(line.as_str())]);
        }
        roff.control("fi", []);
        roff.control("RE", []);
    }
    roff
}

fn see_also_section(parents: &[String]) -> Roff {
    let mut roff = Roff::new();
    if parents.is_empty() {
        return roff;
    }
    roff.control("SH", ["SEE ALSO"]);
    // The parent's page, then the top-level one when that is another page.
    let mut pages = vec![&parents[parents.len() - 1]];
    if parents.len() > 1 {
        pages.push(&parents[0]);
    }
    let mut refs: Vec<Inline> = Vec::new();
    for page in pages {
        if !refs.is_empty() {
            refs.push(roman(", "));
        }
        refs.push(bold(page.as_str()));
        refs.push(roman("(1)"));
    }
    roff.text(refs);
    roff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_help_splits_examples_from_notes() {
        let cmd = clap::Command::new("x").after_help(
            "Examples:\n  byok a    # one\n  byok b\n\nA note\nover two lines.\n\nExit status:\n  0 ok",
        );
        let help = after_help(&cmd);
        assert_eq!(help.examples, ["byok a    # one", "byok b"]);
        assert_eq!(help.notes, ["A note\nover two lines."]);
    }

    #[test]
    fn pages_are_named_after_the_command_path() {
        let names: Vec<String> = man_pages().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names[0], "byok.1");
        assert!(names.contains(&"byok-key-add.1".to_string()), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    }
}
