//! Every error byok can report, each paired with what to do about it.
//!
//! In the style of rage: the `Display` text says what went wrong (one paragraph, for a
//! person), `hint()` names the next command to type, and `exit_code()` is the contract
//! of README "Exit codes" that scripts rely on.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The exit codes (README "Exit codes"), each with what it means. The one table that
/// `--help`, the man pages and the README's table are made from.
pub mod exit {
    pub const OK: i32 = 0;
    pub const INTERNAL: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const CONFIG: i32 = 3;
    pub const KEY_REJECTED: i32 = 4;
    pub const BUDGET: i32 = 5;
    pub const PROVIDER_FAILED: i32 = 6;
    pub const COUNCIL: i32 = 7;
    /// The outbound guard refused the request (README "The outbound guard").
    pub const GUARD: i32 = 8;
    /// 128 + SIGINT; SIGTERM and SIGHUP give 143 and 129 the same way, as a shell does.
    pub const INTERRUPTED: i32 = 130;
    /// `byok exec`: the command was found but could not be run (as a shell says).
    pub const NOT_EXECUTABLE: i32 = 126;
    /// `byok exec`: the command was not found (as a shell says).
    pub const NOT_FOUND: i32 = 127;

    /// Every code: `(code, in a few words, in full)`.
    pub const MEANINGS: &[(i32, &str, &str)] = &[
        (OK, "success", "Success."),
        (INTERNAL, "internal error", "Internal error."),
        (
            USAGE,
            "usage error",
            "Usage error (also: a confirmation is needed and there is no terminal to ask on).",
        ),
        (
            CONFIG,
            "configuration: missing key, unknown provider, vault locked or unreadable",
            "Configuration: a missing key, an unknown provider, route or profile, bad TOML, a \
             vault that is locked or unreadable, files others own or can write, or a provider \
             the profile does not allow.",
        ),
        (
            KEY_REJECTED,
            "a provider rejected the key (invalid, revoked, out of credit)",
            "A provider rejected the key: invalid, revoked, or out of credit (401, 403, 402, \
             insufficient_quota, API_KEY_INVALID).",
        ),
        (
            BUDGET,
            "budget exhausted, or a budget that could not be checked",
            "The budget is exhausted on every candidate, or a budget applies and could not be \
             checked against the ledger.",
        ),
        (
            PROVIDER_FAILED,
            "a provider failed otherwise (network, timeout, 5xx, 429 after retries)",
            "Every candidate failed otherwise: network, timeout, 5xx, 429 after retries, 4xx \
             request errors, a redirect (never followed), a stream cut mid-way.",
        ),
        (
            COUNCIL,
            "council quorum or majority not reached",
            "Council quorum or majority not reached.",
        ),
        (
            GUARD,
            "refused by the outbound guard: one of your own keys (or a blocked credential) in the prompt",
            "Refused by the outbound guard before anything was sent: the prompt held one of your \
             own keys or secrets, or a credential under guard = \"block\".",
        ),
        (
            NOT_EXECUTABLE,
            "byok exec: the command could not be run",
            "byok exec: the command was found but could not be run.",
        ),
        (
            NOT_FOUND,
            "byok exec: the command was not found",
            "byok exec: the command was not found.",
        ),
        (
            INTERRUPTED,
            "interrupted (143: SIGTERM, 129: SIGHUP)",
            "Interrupted (Ctrl-C); 143 for SIGTERM and 129 for SIGHUP, settled the same way.",
        ),
    ];

    /// The `Exit status:` block of `byok --help`.
    pub fn help_text() -> String {
        let mut text = String::from("Exit status:");
        for (code, short, _) in MEANINGS {
            text.push_str(&format!("\n  {code:<4} {short}"));
        }
        text
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),

    #[error("`{given}` is not a provider byok knows. Known providers: {}.{}", known.join(", "), guess(given, known))]
    UnknownProvider { given: String, known: Vec<String> },

    #[error("{provider} runs locally and needs no API key.")]
    KeyNotNeeded { provider: String },

    #[error("there is no {provider} key labelled `{label}` in the vault.")]
    KeyNotFound { provider: String, label: String },

    #[error(
        "there is no previous {provider} key labelled `{label}` to revoke: the key has not been rotated since the last `--previous` revoke."
    )]
    NoPreviousKey { provider: String, label: String },

    #[error("the vault already holds a {provider} key labelled `{label}`.")]
    KeyExists { provider: String, label: String },

    #[error("{}", .0.what())]
    NoKey(Box<MissingKey>),

    #[error("there is no profile named `{name}`{}.{}", if known.is_empty() { String::new() } else { format!(" (profiles: {})", known.join(", ")) }, guess(name, known))]
    UnknownProfile { name: String, known: Vec<String> },

    #[error("{}:{line}:{column}: {message}", path.display())]
    ProfileInvalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("there is no route named `{name}` in profile `{profile}`{}.{}", if known.is_empty() { String::new() } else { format!(" (routes: {})", known.join(", ")) }, guess(name, known))]
    UnknownRoute {
        name: String,
        profile: String,
        known: Vec<String>,
    },

    #[error("{provider} is not in the allowlist of profile `{profile}` (allowed: {}).", allowed.join(", "))]
    NotAllowed {
        provider: String,
        profile: String,
        allowed: Vec<String>,
        path: PathBuf,
    },

    #[error("the usage ledger {} cannot be used: {detail}", path.display())]
    LedgerUnavailable { path: PathBuf, detail: String },

    #[error("{message}.")]
    BudgetSpent { message: String, path: PathBuf },

    /// A budget applies but the ledger could not reserve the call: refused, because a cap
    /// that cannot be checked is not a cap (README "Budgets").
    #[error(
        "a budget applies to this call, but it could not be checked against the usage ledger {}: {detail}. A cap that cannot be checked is not a cap, so the call was not made.",
        path.display()
    )]
    BudgetUnchecked { path: PathBuf, detail: String },

    /// The shared ledger (README "One budget for the whole team") cannot be reached or
    /// used. `url` is always the masked form: never a password.
    #[error("the shared usage ledger {url} cannot be used: {detail}")]
    SharedLedgerUnavailable { url: String, detail: String },

    /// A budget applies and the shared ledger cannot be reached: refused, because a cap
    /// that cannot be checked is not a cap.
    #[error(
        "a budget applies to this call, but the cap could not be checked against the shared usage ledger {url}: {detail}. A cap that cannot be checked is not a cap, so the call was not made."
    )]
    SharedBudgetUnchecked { url: String, detail: String },

    /// `byok ledger sync` or `import` without a shared ledger to upload to.
    #[error(
        "there is no shared ledger to upload to: neither BYOK_LEDGER_URL nor the profile's [ledger] url is set."
    )]
    NoSharedLedger,

    #[error("no provider has a key yet, so there is nothing to send the prompt to.")]
    NoProviderKey,

    /// A call that failed; the message and hint are composed by whoever knows the attempts.
    #[error("{message}")]
    CallFailed {
        message: String,
        hint: String,
        code: i32,
    },

    #[error("there are no keys: the vault is empty and no provider key variable is set.")]
    NoKeys,

    #[error("`{label}` is not a usable label: {why}")]
    BadLabel { label: String, why: &'static str },

    #[error("the vault at {} has not been created yet.", path.display())]
    NoVault { path: PathBuf },

    #[error("a vault already exists at {}.", path.display())]
    VaultExists { path: PathBuf },

    #[error("the vault is unlocked by the OS keyring, but the keyring could not be used: {detail}")]
    KeyringUnavailable { detail: String },

    #[error(
        "the OS keyring has no identity for vault {vault_id} (service `byok`, account `vault:{vault_id}`): it was deleted, or this vault was copied from another machine."
    )]
    KeyringEntryMissing { vault_id: String },

    #[error(
        "the vault is unlocked by the OS keyring, but BYOK_KEYRING=off forbids touching the keyring."
    )]
    KeyringOff,

    #[error(
        "the vault is protected by a passphrase and none was given: BYOK_PASSPHRASE is not set and there is no terminal to ask on."
    )]
    PassphraseRequired,

    #[error("the passphrase does not open {}.", path.display())]
    WrongPassphrase { path: PathBuf },

    #[error("the vault cannot be unlocked for the session: {detail}.")]
    SessionKeyringUnavailable { detail: String },

    #[error(
        "no OS keyring answered ({reason}) and there is no passphrase to protect a new vault with: BYOK_PASSPHRASE is not set and there is no terminal to ask on."
    )]
    NoUnlockMethod { reason: String },

    #[error("{source_name} does not hold a usable age identity: {detail}")]
    BadIdentity { source_name: String, detail: String },

    #[error("the vault at {} could not be decrypted: {detail}. The file was left untouched.", path.display())]
    VaultUndecryptable {
        path: PathBuf,
        detail: String,
        backup: Option<PathBuf>,
    },

    #[error("{} is damaged: {detail}. The file was left untouched.", path.display())]
    VaultDamaged {
        path: PathBuf,
        detail: String,
        backup: Option<PathBuf>,
    },

    #[error("{} has loose permissions ({mode:03o}): {why}", path.display())]
    LoosePermissions {
        path: PathBuf,
        mode: u32,
        why: &'static str,
    },

    #[error("`{given}` is not an age or ssh recipient: {detail}")]
    BadRecipient { given: String, detail: String },

    #[error("the vault is already encrypted to `{key}`{}.", if name.is_empty() { String::new() } else { format!(" (named `{name}`)") })]
    RecipientExists { key: String, name: String },

    #[error("a recipient named `{name}` already exists ({key}).")]
    RecipientNameTaken { name: String, key: String },

    #[error("`{given}` is neither a recipient of the vault nor the name of one.")]
    RecipientNotFound { given: String },

    #[error("`{key}` is the vault's only recipient: without it nobody could open the vault.")]
    LastRecipient { key: String },

    #[error("`{key}` is the recipient of the identity that opened the vault just now ({opened_by}){}: after removing it, this machine could no longer open the vault.", if *machine { ", which is how this machine unlocks it" } else { "" })]
    RecipientInUse {
        key: String,
        opened_by: String,
        machine: bool,
        retry: String,
    },

    #[error(
        "byok exec is already running here (BYOK_EXEC is set): this shell or program was started by `byok exec` and has the keys it was given."
    )]
    ExecNested,

    #[error("`{command}` was not started: {}", missing.what())]
    ExecMissingKey {
        command: String,
        missing: Box<MissingKey>,
    },

    #[error(
        "`{command}` was not found: it is not a file, or not in any PATH directory (or its #! interpreter is missing)."
    )]
    CommandNotFound { command: String },

    #[error("`{command}` could not be run: {detail}.")]
    CommandNotExecutable { command: String, detail: String },

    #[error("{what} needs confirmation, and there is no terminal to ask on.")]
    NeedsConfirmation { what: String, retry: String },

    /// A key `key add` or `key rotate` was given that the provider refused; `retry` is
    /// that command again, for the hint.
    #[error("{provider} rejected the {label} key: {message}")]
    KeyRejected {
        provider: String,
        label: String,
        message: String,
        no_credit: bool,
        retry: String,
    },

    #[error("{provider} could not check the key: {message}")]
    ProviderUnreachable { provider: String, message: String },

    #[error("key verification found problems: {summary}.")]
    VerifyFailed { summary: String, code: i32 },

    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    /// A council that reached no decision (README "Councils"): no majority, a tie, or too few
    /// answers for the quorum.
    #[error("{}", council_message(summary, failures))]
    CouncilUndecided {
        mode: String,
        summary: String,
        /// `provider:model — why`, for each member that gave no answer.
        failures: Vec<String>,
    },

    /// Stopped by a signal (SIGINT, SIGTERM, SIGHUP); what the call used is recorded.
    #[error("{}", match signal {
        15 => "stopped by SIGTERM",
        1 => "stopped by SIGHUP (the terminal went away)",
        _ => "interrupted",
    })]
    Interrupted { signal: i32 },

    /// The reader of our stdout went away (`byok … | head -1`): stop quietly.
    #[error("standard output was closed")]
    StdoutClosed,

    /// What `route rm` or `key revoke` was to remove is not there (`UnknownRoute`,
    /// `KeyNotFound`): the same message and exit code, but a hint that does not offer to
    /// create it.
    #[error("{0}")]
    NothingToRemove(Box<Error>),

    #[error("internal error: {0}")]
    Internal(String),

    /// The outbound guard found what must not be sent (README "The outbound guard"); the
    /// message and hint are composed by the command that knows the findings.
    #[error("{message}")]
    GuardRefused { message: String, hint: String },

    /// A base URL set in the environment (`BYOK_<ID>_BASE_URL`) that byok cannot send to:
    /// no scheme, or one other than http and https (README "Providers"). Refused before
    /// any request; the message names the variable, the hint the URL meant.
    #[error("{message}")]
    BadBaseUrl { message: String, hint: String },

    /// The vault exists but could not be opened, so the guard cannot know the keys to
    /// look for: the request is not sent.
    #[error(
        "the outbound guard checks the prompt against the keys in the vault, and the vault could not be opened, so nothing was sent: {cause}"
    )]
    GuardUnchecked { cause: Box<Error> },

    #[error(
        "{} is missing: the vault is unlocked by a passphrase, and the identity that opens it is kept in that file.",
        path.display()
    )]
    IdentityMissing { path: PathBuf },

    #[error("{} is damaged: {detail}. The file was left untouched.", path.display())]
    IdentityDamaged { path: PathBuf, detail: String },

    #[error("the key was not stored: {why}.")]
    BadKeyInput { why: String },

    #[error("{} {} owned by another user (uid {owner}): whoever owns it could change {}, and byok would trust what they wrote.", path.display(), if *dir { "is a directory" } else { "is" }, if *dir { "the files in it" } else { "it" })]
    ForeignOwner {
        path: PathBuf,
        owner: u32,
        dir: bool,
    },

    #[error("the directory {} is writable by other users ({mode:03o}): they could replace the files byok keeps in it.", path.display())]
    LooseDirectory { path: PathBuf, mode: u32 },

    #[error("{} is a symbolic link: byok does not follow links for its lock files.", path.display())]
    SymlinkRefused { path: PathBuf },
}

impl Error {
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub fn exit_code(&self) -> i32 {
        use Error::*;
        match self {
            Usage(_) | NeedsConfirmation { .. } | BadLabel { .. } => exit::USAGE,
            UnknownProvider { .. }
            | KeyNotNeeded { .. }
            | KeyNotFound { .. }
            | NoPreviousKey { .. }
            | KeyExists { .. }
            | NoKeys
            | NoVault { .. }
            | VaultExists { .. }
            | KeyringUnavailable { .. }
            | KeyringEntryMissing { .. }
            | KeyringOff
            | PassphraseRequired
            | WrongPassphrase { .. }
            | SessionKeyringUnavailable { .. }
            | NoUnlockMethod { .. }
            | BadIdentity { .. }
            | VaultUndecryptable { .. }
            | VaultDamaged { .. }
            | LoosePermissions { .. }
            | BadRecipient { .. }
            | RecipientExists { .. }
            | RecipientNameTaken { .. }
            | RecipientNotFound { .. }
            | ExecMissingKey { .. } => exit::CONFIG,
            LastRecipient { .. } | RecipientInUse { .. } | ExecNested => exit::USAGE,
            CommandNotFound { .. } => exit::NOT_FOUND,
            CommandNotExecutable { .. } => exit::NOT_EXECUTABLE,
            KeyRejected { .. } => exit::KEY_REJECTED,
            NoKey(_)
            | NoProviderKey
            | UnknownProfile { .. }
            | ProfileInvalid { .. }
            | UnknownRoute { .. }
            | NotAllowed { .. } => exit::CONFIG,
            CallFailed { code, .. } => *code,
            ProviderUnreachable { .. } => exit::PROVIDER_FAILED,
            VerifyFailed { code, .. } => *code,
            Interrupted { signal } => 128 + signal,
            StdoutClosed => exit::OK,
            NothingToRemove(cause) => cause.exit_code(),
            Io { .. } | Internal(_) => exit::INTERNAL,
            LedgerUnavailable { .. } | SharedLedgerUnavailable { .. } | NoSharedLedger => {
                exit::CONFIG
            }
            SharedBudgetUnchecked { .. } => exit::BUDGET,
            BudgetSpent { .. } | BudgetUnchecked { .. } => exit::BUDGET,
            CouncilUndecided { .. } => exit::COUNCIL,
            GuardRefused { .. } => exit::GUARD,
            BadBaseUrl { .. } => exit::CONFIG,
            GuardUnchecked { .. } => exit::CONFIG,
            IdentityMissing { .. } | IdentityDamaged { .. } => exit::CONFIG,
            BadKeyInput { .. } => exit::USAGE,
            ForeignOwner { .. } | LooseDirectory { .. } | SymlinkRefused { .. } => exit::CONFIG,
        }
    }

    /// What to do next: the command to type, where there is one.
    pub fn hint(&self) -> Option<String> {
        use Error::*;
        Some(match self {
            Usage(_) => "run `byok --help` for the commands and their flags".into(),
            UnknownProvider { .. } => {
                "custom OpenAI-compatible providers are declared in the profile: [providers.<id>] kind = \"openai\", base_url = \"…\"".into()
            }
            KeyNotNeeded { provider } => format!("use it directly: byok run -m {provider}:<model> \"…\""),
            KeyNotFound { provider, label } => {
                let flag = label_flag(label);
                format!("see what the vault holds with `byok key list`, or add one: byok key add {provider}{flag}")
            }
            NoPreviousKey { provider, label } => {
                format!("to remove the key itself: byok key revoke {provider} --label {label}")
            }
            KeyExists { provider, label } => {
                let flag = label_flag(label);
                format!(
                    "replace it with `byok key rotate {provider}{flag}` (the old key is kept for rollback), or add another with `--label <name>`"
                )
            }
            NoKey(missing) => missing.hint("or pick another provider with -m <provider:model>"),
            NoProviderKey => "add a key: byok key add <provider>  (or export e.g. OPENAI_API_KEY), or run a local model: byok run -m ollama:llama3.2 \"…\"".into(),
            CallFailed { hint, .. } => hint.clone(),
            BudgetSpent { path, .. } => format!(
                "raise it in {} [budgets], or use another route: byok run -r <route>  (see what is left: byok usage)",
                path.display()
            ),
            BudgetUnchecked { path, .. } => format!(
                "if another byok is writing the ledger, try again when it is done; if the file is damaged, move it aside (mv {0} {0}.broken) and byok starts a new one, with this month's spending counted from zero",
                path.display()
            ),
            SharedLedgerUnavailable { .. } => "check that the PostgreSQL server is up and reachable from here (`byok status` shows the ledger in use); the password comes from the URL, PGPASSWORD or ~/.pgpass".into(),
            SharedBudgetUnchecked { .. } => "check that the PostgreSQL server is up and reachable from here (`byok status` shows the ledger in use); calls no budget applies to still run, and their rows are uploaded later (byok ledger sync)".into(),
            NoSharedLedger => "set it in the profile, [ledger] url = \"postgres://user@host/db\" (password in ~/.pgpass), or export BYOK_LEDGER_URL".into(),
            LedgerUnavailable { path, .. } => format!(
                "check the file's permissions and free space; if it is damaged, move it aside (mv {0} {0}.broken) and byok starts a new one",
                path.display()
            ),
            UnknownProfile { name, .. } => format!("create it with `byok --profile {name} route set default <provider:model>`, or list them: byok profile list"),
            ProfileInvalid { path, .. } => format!("fix the file ({}), then check it with `byok profile show`", path.display()),
            UnknownRoute { name, .. } => format!("create it: byok route set {name} <provider:model>  (see them all: byok route list)"),
            NotAllowed { provider, path, .. } => format!("use an allowed provider, or add `{provider}` to `allow` in {}", path.display()),
            NoKeys => "add one: byok key add <provider>  (or export e.g. OPENAI_API_KEY)".into(),
            BadLabel { .. } => "labels are short names such as `work` or `ci`: letters, digits, `-`, `_` and `.`".into(),
            NoVault { .. } => "create it by adding a key: byok key add <provider>  (or: byok vault init)".into(),
            VaultExists { .. } => "see it with `byok vault status`".into(),
            KeyringUnavailable { .. } => {
                "start a Secret Service (gnome-keyring, KeePassXC) and unlock it, or open the vault another way: set BYOK_IDENTITY to an identity that is one of its recipients".into()
            }
            KeyringEntryMissing { .. } => {
                "open the vault with another of its recipients (BYOK_IDENTITY=AGE-SECRET-KEY-1…), or move it aside and start again: byok key add <provider>".into()
            }
            KeyringOff => "unset BYOK_KEYRING, or set BYOK_IDENTITY to an identity that is one of the vault's recipients".into(),
            PassphraseRequired => "set BYOK_PASSPHRASE in the environment (from your CI's secret store), or run the command in a terminal (where `byok vault unlock` asks once for the session)".into(),
            WrongPassphrase { .. } => "try again; in scripts check the BYOK_PASSPHRASE variable".into(),
            SessionKeyringUnavailable { .. } => "without the kernel keyring each command asks for the passphrase (or reads BYOK_PASSPHRASE); outside such a sandbox `byok vault unlock` works".into(),
            NoUnlockMethod { .. } => {
                "create a passphrase vault: BYOK_PASSPHRASE=… byok vault init --passphrase  (or run it in a terminal), or set BYOK_IDENTITY to an age identity (age-keygen)".into()
            }
            BadIdentity { .. } => "an identity is a line starting AGE-SECRET-KEY-1 (age-keygen makes one) or an unencrypted ssh-ed25519 private key".into(),
            VaultUndecryptable { backup, path, .. } | VaultDamaged { backup, path, .. } => match backup {
                Some(bak) => format!(
                    "if the file was damaged, the previous version is kept: cp {} {}",
                    bak.display(),
                    path.display()
                ),
                None => "check that you are opening it with one of its recipients: byok vault status".into(),
            },
            LoosePermissions { path, .. } => format!("chmod 600 {}", path.display()),
            BadRecipient { .. } => "a recipient looks like age1… (age-keygen -y) or `ssh-ed25519 AAAA…`".into(),
            RecipientExists { .. } => "see the recipients with `byok vault recipients list`".into(),
            RecipientNameTaken { .. } => "pick another name with --name, or remove the old one first: byok vault recipients rm <NAME>".into(),
            RecipientNotFound { .. } => "see the recipients and their names with `byok vault recipients list`".into(),
            LastRecipient { .. } => "add the new recipient first (byok vault recipients add age1…), then remove this one".into(),
            RecipientInUse { retry, .. } => format!(
                "open the vault with another recipient's identity (BYOK_IDENTITY=AGE-SECRET-KEY-1… byok vault recipients rm …), or, if you hold another recipient's identity, insist: {retry}"
            ),
            ExecNested => "run the command directly; to hand it other keys, leave the outer `byok exec` first (or unset BYOK_EXEC if nesting is really meant)".into(),
            ExecMissingKey { missing, .. } => {
                let p = &missing.provider;
                match missing.labelled.first() {
                    Some(l) => format!("hand over one of them: --provider {p}/{l}  (or --key {l})"),
                    None => missing.hint(&format!("or leave `--provider {p}` out")),
                }
            }
            CommandNotFound { .. } => "check the spelling and PATH, or give the command's full path".into(),
            CommandNotExecutable { command, .. } => format!("check that `{command}` is a program you may run: chmod +x, or call it through its interpreter (sh {command})"),
            NeedsConfirmation { retry, .. } => format!("to proceed without asking: {retry}"),
            // Nothing was stored or swapped: the way on is the same command with a key that
            // works (not `key rotate` after a refused `key add`, which has nothing to rotate).
            KeyRejected { provider, no_credit, retry, .. } => {
                if *no_credit {
                    format!("add credit to the {provider} account, then run it again: {retry}  (or give it another key)")
                } else {
                    format!("check the key (a character missing or extra?) and run it again: {retry}")
                }
            }
            ProviderUnreachable { .. } => {
                "check the network and the base URL (`byok -v …` shows each request), or skip the check with --no-verify".into()
            }
            VerifyFailed { .. } => "replace a rejected key with `byok key rotate <provider>`, or drop it: byok key revoke <provider>".into(),
            Io { .. } => "check the path's permissions and free space; BYOK_HOME moves every byok file".into(),
            CouncilUndecided { mode, failures, .. } => match (mode.as_str(), failures.is_empty()) {
                ("strict", false) => "see what is wrong with a failing member with `byok key verify` or `byok status`; replace it with --members P:M,…, or accept fewer answers: --quorum N".into(),
                (_, false) => "see what is wrong with a failing member with `byok key verify` or `byok status`, or replace it with --members P:M,…".into(),
                ("rank", true) => "ask again, or let one model decide: byok run -m <provider:model>".into(),
                _ => "the members disagree: an odd number of members avoids ties, and --mode rank picks the best answer without needing agreement".into(),
            },
            IdentityMissing { .. } | IdentityDamaged { .. } => {
                "restore identity.age from a backup, or open the vault with another of its recipients: BYOK_IDENTITY=AGE-SECRET-KEY-1… byok vault status".into()
            }
            BadKeyInput { .. } => {
                "an API key is one word on the first line, at most 1 KiB, without control characters: byok key add <provider> < key.txt".into()
            }
            ForeignOwner { path, .. } => format!(
                "if it is yours, take it back: sudo chown $(id -u) {}  — if you did not put it there, move it aside",
                path.display()
            ),
            LooseDirectory { path, .. } => format!("chmod 700 {}", path.display()),
            SymlinkRefused { path } => format!(
                "remove the link (byok makes a new lock file): rm {}",
                path.display()
            ),
            GuardRefused { hint, .. } | BadBaseUrl { hint, .. } => hint.clone(),
            NothingToRemove(cause) => match cause.as_ref() {
                UnknownRoute { .. } => "nothing was removed; see the routes there are: byok route list".into(),
                _ => "nothing was removed; see what the vault holds: byok key list".into(),
            },
            GuardUnchecked { cause } => cause.hint().unwrap_or_else(|| {
                "open the vault (byok vault status says how it is unlocked), then try again".into()
            }),
            Interrupted { .. } | StdoutClosed | Internal(_) => return None,
        })
    }
}

fn council_message(summary: &str, failures: &[String]) -> String {
    let mut m = summary.to_string();
    for f in failures {
        m.push_str("\n  ");
        m.push_str(f);
    }
    m
}

/// A provider (and label) with no key, and what the vault holds instead.
#[derive(Debug)]
pub struct MissingKey {
    pub provider: String,
    /// The route that asked for it.
    pub route: Option<String>,
    /// The label asked for (`None`: `default`, then the environment).
    pub label: Option<String>,
    /// The environment variable that would do, when no label was asked for.
    pub env: Option<String>,
    /// The labels of the provider's keys the vault does hold.
    pub labelled: Vec<String>,
}

impl MissingKey {
    fn what(&self) -> String {
        let (p, label) = (&self.provider, &self.label);
        let head = match &self.route {
            Some(r) => format!(
                "the route `{r}` uses {p}, but no {p} key{} is configured.",
                label_words(label)
            ),
            None => format!("no {p} key{} is configured.", label_words(label)),
        };
        head + &held_words(p, &self.labelled) + &self.serve_token_words()
    }

    /// ` OPENAI_API_KEY holds a byok serve token, …` when the provider's variable holds
    /// one (a shell that ran `eval "$(byok serve &)"`): it is why that variable was passed
    /// over.
    fn serve_token_words(&self) -> String {
        match &self.env {
            Some(var)
                if std::env::var(var).is_ok_and(|v| crate::vocab::is_serve_token(v.trim())) =>
            {
                format!(
                    " {var} holds a byok serve token, which opens only that server \
                     (its OPENAI_BASE_URL or ANTHROPIC_BASE_URL), not the provider."
                )
            }
            _ => String::new(),
        }
    }

    /// The hint: a labelled key to choose, else the key to add; `elsewhere` is the way
    /// around it when there is no route to point elsewhere.
    fn hint(&self, elsewhere: &str) -> String {
        let p = &self.provider;
        let add = match &self.label {
            Some(l) if l != crate::vocab::DEFAULT_LABEL => format!("byok key add {p} --label {l}"),
            _ => format!("byok key add {p}"),
        };
        if let Some(l) = self.labelled.first() {
            return format!("choose one with --key {l}  (or add the key this needs: {add})");
        }
        let env = self
            .env
            .as_ref()
            .map(|e| format!(" (or export {e})"))
            .unwrap_or_default();
        match &self.route {
            Some(r) => format!(
                "add one with `{add}`{env}, or point the route elsewhere: byok route set {r} <provider:model>"
            ),
            None => format!("add one with `{add}`{env}, {elsewhere}"),
        }
    }
}

/// ` The vault holds openai keys labelled `work` and `ci`.`
fn held_words(provider: &str, labelled: &[String]) -> String {
    match labelled {
        [] => String::new(),
        [one] => format!(" The vault holds one {provider} key, labelled `{one}`."),
        many => format!(
            " The vault holds {provider} keys labelled {}.",
            many.iter()
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn label_words(label: &Option<String>) -> String {
    match label {
        Some(l) if l != crate::vocab::DEFAULT_LABEL => format!(" labelled `{l}`"),
        _ => String::new(),
    }
}

/// ` Did you mean `openai`?` after a name that is close to a known one, else nothing.
fn guess(given: &str, known: &[String]) -> String {
    crate::vocab::did_you_mean(given, known)
        .map(|k| format!(" Did you mean `{k}`?"))
        .unwrap_or_default()
}

fn label_flag(label: &str) -> String {
    if label == crate::vocab::DEFAULT_LABEL {
        String::new()
    } else {
        format!(" --label {label}")
    }
}
