//! The command line, defined once: `--help`, the man pages and the shell completions are
//! all rendered from these types.

use clap::{Args, Parser, Subcommand};
use clap_complete::engine::ArgValueCompleter;

use crate::complete;

use crate::output::ColorChoice;

#[derive(Debug, Parser)]
#[command(
    name = "byok",
    version,
    about = "Bring your own keys: call LLM providers with your own API keys, safely and cheaply",
    long_about = "byok keeps your LLM provider API keys in an age-encrypted vault whose secret lives in \
                  the OS keyring (or behind a passphrase, or in a CI secret); routes tasks to \
                  provider:model with fallbacks; streams answers to stdout; asks several providers \
                  at once for a vote; and records what every call cost, under hard monthly budgets.",
    after_help = crate::error::exit::help_text(),
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)
    #[arg(long, global = true, value_name = "NAME", add = ArgValueCompleter::new(complete::profiles))]
    pub profile: Option<String>,

    /// Print machine-readable JSON on stdout instead of tables
    #[arg(long, global = true)]
    pub json: bool,

    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print only the answer and errors: no progress, no confirmations
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Trace each request (method, URL, status, time) on stderr; never a key
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send a prompt (arguments and/or piped stdin) and stream the answer to stdout
    #[command(after_help = "\
Examples:
  byok run \"Explain RAII in one paragraph.\"
  echo \"2+2?\" | byok run -m anthropic:claude-haiku-4-5
  echo \"spam or ham: …\" | byok run -r classify
  git diff | byok run \"Write a commit message for this diff\" --stats
  byok --json run -m gemini:gemini-2.5-flash \"2+2?\" | jq .usage
  byok run -m ollama:llama3.2 \"hello\"           # local: no key, costs nothing

The answer goes to stdout as it arrives; the token and cost table goes to stderr when it
is a terminal or with --stats.")]
    Run(RunArgs),

    /// Ask several models at once and decide the answer by vote (first, majority, strict, rank)
    #[command(after_help = "\
Examples:
  echo \"Is this change backwards compatible? Answer yes or no.\" | byok council
  byok council --members openai:gpt-4o,anthropic:claude-sonnet-4-6,gemini:gemini-2.5-flash \"Is 1013 prime? yes or no\"
  git diff | byok council --mode strict --quorum 3 \"Does this diff touch auth? Answer yes or no.\"
  byok council --mode rank --chair anthropic:claude-sonnet-4-6 \"Design a schema for …\"
  byok council --mode first \"…\"               # fastest good answer; the others are cancelled
  byok --json council \"…\" | jq '.members[] | {provider, status, vote}'

Members, mode, quorum and chair default to the profile's [council]; the mode defaults to
majority. Answers agree when they match after trimming, case-folding and dropping
surrounding punctuation (`Yes.` = `yes`). majority: more than half of the answers that
came back; strict: at least --quorum answers (default: all) and more than half of all
members; rank: each member ranks the others' anonymised answers, Borda count decides.
The answer goes to stdout; the member table goes to stderr when it is a terminal or with
--stats. Exit status 7: no majority, or too few answers for the quorum.")]
    Council(CouncilArgs),

    /// Show what the outbound guard would refuse or redact in files or stdin; sends nothing
    #[command(after_help = "\
Examples:
  git diff --cached | byok guard                # a pre-commit hook: exit 8 when a key would be refused
  byok guard notes.md deploy/values.yaml
  byok --json guard -r policy < prompt.txt | jq '.findings[]'

Your own secrets (the vault's keys, current and previous; provider key variables;
BYOK_PASSPHRASE; the identity in BYOK_IDENTITY) are found whole or as any run of 16 of
their characters, and refused. Credentials of known formats (AWS, GitHub, GitLab, Slack,
Stripe live, Google and LLM provider keys, PEM private keys, JWTs, passwords in URLs) are
redacted, refused or let through with a warning, as the profile's (or the route's) guard
setting says: guard = \"redact\" (the default), \"block\" or \"warn\". Lines and kinds
are shown, never the values. Exit status 8: something would be refused.")]
    Guard(GuardArgs),

    /// What was spent: calls, tokens and cost by provider, model, route, key or day, with budgets
    #[command(after_help = "\
Examples:
  byok usage                                  # this month, by provider, with budget headroom
  byok usage --by model --since 2026-11-01
  byok usage --by day --since 7d --json | jq .
  byok usage --by route --since last-month --until last-month --csv > october.csv

Dates are YYYY-MM-DD, today, yesterday, Nd (the last N days), this-month or last-month.")]
    Usage(UsageArgs),

    /// Send locally kept rows to the shared ledger (BYOK_LEDGER_URL or [ledger] url)
    #[command(subcommand)]
    Ledger(LedgerCommand),

    /// The vault, keyring, active profile, provider health and budgets at a glance
    #[command(after_help = "\
Examples:
  byok status
  byok --json status | jq .keyring

Never prompts, unlocks the vault or calls a provider: safe in any script.")]
    Status,

    /// Show the price table used for costs (USD per million tokens)
    #[command(after_help = "\
Examples:
  byok prices
  byok prices anthropic:claude-sonnet-4-6 openai:gpt-4o-mini
  byok prices deepseek                 # every priced deepseek model
  byok --json prices

The table is dated (as_of): prices change. Override a price, or add one for a custom model, in the profile: [prices.\"corp:llama-70b\"] input = 0.6, output = 0.8; `source` marks those rows `profile`.")]
    Prices {
        /// Only these models, as PROVIDER:MODEL, or every model of a PROVIDER
        #[arg(value_name = "PROVIDER[:MODEL]", add = ArgValueCompleter::new(complete::models))]
        models: Vec<String>,
    },

    /// The models each configured key can reach, marked when a route uses them or the price table has them
    #[command(after_help = "\
Examples:
  byok models                          # every key in the vault and the environment
  byok models openai anthropic/work
  byok models ollama                   # a local server's models (no key)
  byok --json models | jq -r '.[] | .provider + \":\" + .models[]?.model'

Each key asks its provider's free model list, all at once (as `key verify` does). `routes`
names the profile's routes that use a model; `price` says whether the price table prices
it. Exits 4 when a provider rejected a key, 6 when a list could not be read.")]
    Models {
        /// Keys to ask with, as PROVIDER or PROVIDER/LABEL (default: all)
        #[arg(value_name = "PROVIDER[/LABEL]", add = ArgValueCompleter::new(complete::keys))]
        keys: Vec<String>,
    },

    /// Run a command with only the named providers' keys in its environment (or, with --proxy, none)
    #[command(after_help = "\
Examples:
  byok exec --provider openai -- python agent.py
  byok exec --provider anthropic/work --provider gemini -- npm test
  byok exec --route default -- ./eval.sh        # every provider of the route's chain
  byok exec --provider openai -- sh -c 'curl -s https://api.openai.com/v1/models \\
      -H \"Authorization: Bearer $OPENAI_API_KEY\"'

The command's environment gets each provider's key under its conventional variable:
  OPENAI_API_KEY  ANTHROPIC_API_KEY  GEMINI_API_KEY  MISTRAL_API_KEY  OPENROUTER_API_KEY
  GROQ_API_KEY  DEEPSEEK_API_KEY  XAI_API_KEY  TOGETHER_API_KEY
  a custom provider: its key_env, else <ID>_API_KEY (also lmstudio, llamacpp, vllm)
and, only where you set a base URL (BYOK_<ID>_BASE_URL or the profile's base_url), the
URL byok itself uses: OPENAI_BASE_URL, ANTHROPIC_BASE_URL, GEMINI_BASE_URL, OLLAMA_HOST,
<ID>_BASE_URL for the others. BYOK_EXEC=1 is set, and byok exec refuses to nest.
Every other provider key variable byok knows (and BYOK_IDENTITY, BYOK_IDENTITY_FILE,
BYOK_PASSPHRASE) is removed, so the command sees exactly the keys asked for. Keys travel
in the environment only, never in arguments. Local providers (ollama…) need no key.

With --proxy the command gets no key at all: byok runs `byok serve` inside itself on an
ephemeral loopback port and hands over OPENAI_BASE_URL, OPENAI_API_BASE, OPENAI_API_KEY,
ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY (a token for that server) and BYOK_SERVE_URL. Its
calls go through the route's budgets and fallbacks and are recorded under the command's
name (byok usage --by client); the server stops when the command exits.
  byok exec --proxy --route default -- aider

SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to byok are passed on to the command (a
Ctrl-C from the terminal already reaches both). The exit status is the command's own,
128+N when a signal N ended it, 127 when it was not found, 126 when it could not be run,
and 3 (before anything runs) when a key is missing.")]
    Exec(ExecArgs),

    /// Serve your routes to local tools (OpenAI and Anthropic APIs on loopback), so they never hold a real key
    #[command(after_help = "\
Examples:
  eval \"$(byok serve --route default &)\"       # prints export lines, keeps serving
  aider --model openai/default                  # any OpenAI or Anthropic client
  byok serve --listen 127.0.0.1:8787 --client aider -q
  byok serve --socket ~/.byok.sock

Once it accepts connections, serve prints on stdout:
  export OPENAI_BASE_URL=http://127.0.0.1:PORT/v1
  export OPENAI_API_KEY=<token>
  export ANTHROPIC_BASE_URL=http://127.0.0.1:PORT
  export ANTHROPIC_API_KEY=<token>
  export BYOK_SERVE_URL=http://127.0.0.1:PORT
(with --json, one line of JSON instead: openai_base_url, anthropic_base_url, serve_url,
token, pid), then closes stdout. The token is random per process; the real keys stay in byok. Endpoints: POST
/v1/chat/completions, GET /v1/models, POST /v1/messages. A request's `model` is a route,
route:NAME or provider:model (with --route, any other name goes to that route). Every
call goes through the route's allowlist, budgets, retries and fallbacks (before the first
byte only) and into the ledger under the client's name (`byok usage --by client`).
Only loopback addresses are accepted; requests with an Origin header, or a Host that is
not this address or localhost, are refused. One line per request on stderr (-q: none).
SIGINT or SIGTERM: stop accepting, let calls finish (up to 10 s), settle them, exit 0.")]
    Serve(ServeArgs),

    /// Add, list, verify, rotate and revoke provider API keys
    #[command(subcommand)]
    Key(KeyCommand),

    /// Create the vault, see how it is unlocked, and share it with recipients
    #[command(subcommand)]
    Vault(VaultCommand),

    /// Map task routes to PROVIDER:MODEL with fallbacks, in the active profile
    #[command(subcommand)]
    Route(RouteCommand),

    /// List, inspect and choose profiles (routes, allowlist, budgets, custom providers)
    #[command(subcommand)]
    Profile(ProfileCommand),

    /// Print a shell completion script on stdout
    #[command(after_help = "\
Examples:
  byok completions bash > ~/.local/share/bash-completion/completions/byok
  byok completions zsh > ~/.zfunc/_byok          # with fpath+=(~/.zfunc) before compinit
  byok completions fish > ~/.config/fish/completions/byok.fish
  eval (byok completions elvish | slurp)         # in ~/.config/elvish/rc.elv
  byok completions powershell | Out-String | Invoke-Expression   # in $PROFILE

The script calls byok back on each Tab (BYOK_COMPLETE=<shell> byok -- <words>, which
`BYOK_COMPLETE=bash byok` also registers), so values complete too: providers and their
models after -m, --members, --fallback and --chair; routes after -r and route show|rm;
key labels after --key (from vault.toml, never unlocking the vault); profiles after
--profile. install.sh installs the script of every shell, and the man pages, under its
PREFIX.")]
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Add a key; the secret is read from piped stdin or a hidden prompt, never from argv
    #[command(after_help = "\
Examples:
  byok key add openai                          # asks for the key without echoing it
  byok key add anthropic --label work < key.txt
  printenv OPENAI_API_KEY | byok key add openai --no-verify")]
    Add {
        /// Provider id: openai, anthropic, gemini, mistral, openrouter, groq, deepseek, xai, together, lmstudio, llamacpp, vllm
        #[arg(add = ArgValueCompleter::new(complete::providers))]
        provider: String,
        /// A name for this key, to keep several per provider
        #[arg(long, default_value = crate::vocab::DEFAULT_LABEL)]
        label: String,
        /// Store the key without asking the provider whether it works
        #[arg(long)]
        no_verify: bool,
    },

    /// List keys, masked, from the vault and from provider environment variables
    #[command(after_help = "\
Examples:
  byok key list
  byok key list --json | jq -r '.[] | select(.status != \"ok\") | .provider'")]
    List,

    /// Check keys with each provider's free model-list probe, all at once
    #[command(after_help = "\
Examples:
  byok key verify                   # every key in the vault and the environment
  byok key verify openai anthropic/work
  byok key verify --json

Exits 4 when a provider rejected a key, 6 when one could not be checked (no answer, or a server error after retries).")]
    Verify {
        /// Keys to check, as PROVIDER or PROVIDER/LABEL (default: all)
        #[arg(value_name = "PROVIDER[/LABEL]", add = ArgValueCompleter::new(complete::keys))]
        keys: Vec<String>,
    },

    /// Replace a key with a new one, keeping the old one as "previous" for rollback
    #[command(after_help = "\
Examples:
  byok key rotate openai < new-key.txt
  byok key revoke openai --previous --yes     # once the new key has proven itself")]
    Rotate {
        #[arg(add = ArgValueCompleter::new(complete::providers))]
        provider: String,
        #[arg(long, default_value = crate::vocab::DEFAULT_LABEL, add = ArgValueCompleter::new(complete::labels))]
        label: String,
        /// Swap without asking the provider whether the new key works
        #[arg(long)]
        no_verify: bool,
    },

    /// Remove a key (or only its previous version) from the vault
    #[command(
        visible_aliases = ["rm", "remove"],
        after_help = "\
Examples:
  byok key revoke openai --previous        # drop the key a rotation replaced
  byok key revoke anthropic --label work --yes
  byok key rm gemini --yes                 # rm is revoke

This removes the key from the vault only; revoke it at the provider's dashboard too."
    )]
    Revoke {
        #[arg(add = ArgValueCompleter::new(complete::providers))]
        provider: String,
        #[arg(long, default_value = crate::vocab::DEFAULT_LABEL, add = ArgValueCompleter::new(complete::labels))]
        label: String,
        /// Remove only the previous key kept by `key rotate`
        #[arg(long)]
        previous: bool,
        /// Do not ask for confirmation (needed when there is no terminal)
        #[arg(short, long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Upload the rows kept locally while the shared ledger was out of reach
    #[command(after_help = "\
Examples:
  byok ledger sync
  BYOK_LEDGER_URL=postgres://ci@db.example/byok byok ledger sync

Any command that reaches the shared ledger does this first; each row is sent once,
however often this runs.")]
    Sync,

    /// Upload a local SQLite ledger to the shared ledger, once (running it again adds nothing)
    #[command(after_help = "\
Examples:
  byok ledger import                            # this machine's ledger.sqlite3
  byok ledger import ~/old-laptop/ledger.sqlite3")]
    Import {
        /// The SQLite ledger to upload (default: this machine's ledger.sqlite3)
        #[arg(value_name = "FILE")]
        from: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum VaultCommand {
    /// Create the vault: unlocked by the OS keyring, or by a passphrase with --passphrase
    #[command(after_help = "\
Examples:
  byok vault init                       # OS keyring when one answers, else a passphrase
  byok vault init --passphrase          # always a passphrase (asked, or BYOK_PASSPHRASE)
  BYOK_IDENTITY=\"$(age-keygen)\" byok vault init   # encrypted to that identity only (CI)")]
    Init {
        /// Protect the vault with a passphrase instead of the OS keyring
        #[arg(long)]
        passphrase: bool,
    },

    /// Where the vault is, how it is unlocked, its recipients and key count
    #[command(after_help = "\
Examples:
  byok vault status
  byok --json vault status | jq .unlock

Counts keys only when that needs no prompt (keyring, BYOK_IDENTITY, BYOK_PASSPHRASE, or a
vault unlocked for the session). Says whether the vault is unlocked for the session, and until when.")]
    Status,

    /// Ask a passphrase vault's passphrase once and keep it open for this login session
    #[command(after_help = "\
Examples:
  byok vault unlock                     # asks the passphrase (or reads BYOK_PASSPHRASE); 8 hours
  byok vault unlock --for 30m
  byok vault lock                       # forget it now

The vault's identity is kept in the Linux kernel keyring (the session keyring, readable only by
this session's processes) until the time is up or `byok vault lock`; it is never written to a
file. Later commands in the session open the vault without a passphrase. A keyring vault, or
another platform than Linux, has nothing to unlock: the command says so and exits 0.")]
    Unlock {
        /// How long the vault stays unlocked: 30m, 8h, 90 (seconds); at most a week
        #[arg(long = "for", value_name = "DURATION", default_value = "8h", value_parser = crate::duration::parse_positive)]
        lasting: std::time::Duration,
    },

    /// Forget the identity `vault unlock` kept for this session (exit 0 if there was none)
    #[command(after_help = "\
Examples:
  byok vault lock
  byok vault status                     # session: locked")]
    Lock,

    /// List, add and remove the public keys the vault is encrypted to (team and CI sharing)
    #[command(subcommand)]
    Recipients(RecipientsCommand),
}

#[derive(Debug, Subcommand)]
pub enum RecipientsCommand {
    /// List the recipients from vault.toml, without unlocking the vault
    #[command(after_help = "\
Examples:
  byok vault recipients list
  byok --json vault recipients list | jq -r '.[].key'")]
    List,

    /// Encrypt the vault to one more recipient (a teammate, a CI job)
    #[command(after_help = "\
Examples:
  byok vault recipients add age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p --name ci
  byok vault recipients add \"$(cat ~/.ssh/id_ed25519.pub)\"       # named after the key's comment
  age-keygen -o ci.key && byok vault recipients add \"$(age-keygen -y ci.key)\" --name ci

Then commit vault.age and vault.toml; the CI job opens the vault with the identity from its
secret store: BYOK_IDENTITY=\"$CI_AGE_KEY\" byok run … (or BYOK_IDENTITY_FILE=~/.ssh/id_ed25519).
The vault is unlocked to re-encrypt it, so this needs an identity that opens it now.")]
    Add {
        /// `age1…`, `ssh-ed25519 AAAA…` or `ssh-rsa AAAA…` (a comment after the key is its default name)
        recipient: String,
        /// A name to recognise it by, and to remove it by
        #[arg(long)]
        name: Option<String>,
    },

    /// Re-encrypt the vault without a recipient; the keys it could read should be rotated
    #[command(
        visible_alias = "remove",
        after_help = "\
Examples:
  byok vault recipients rm ci
  byok vault recipients rm age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
  byok key rotate openai < new-key.txt        # then rotate every key they could read

The last recipient is never removed. Removing the identity that opened the vault (this
machine's keyring or passphrase identity, or BYOK_IDENTITY) needs --force, because this
machine could then open the vault only with another recipient's identity."
    )]
    Rm {
        /// The recipient (`age1…`, `ssh-ed25519 …`) or its name
        #[arg(value_name = "RECIPIENT|NAME")]
        recipient: String,
        /// Remove it even if it is the identity that opened the vault
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RouteCommand {
    /// Create or replace a route in the active profile (comments and layout are kept)
    #[command(after_help = "\
Examples:
  byok route set classify gemini:gemini-2.5-flash --fallback openai:gpt-4o-mini --fallback ollama:llama3.2
  byok route set policy anthropic:claude-sonnet-4-6 --key work   # no fallback: never leaves Anthropic
  byok route set quick gemini --fallback openai     # each provider's default model, written in full
  byok --profile ci route set default openai:gpt-4o-mini         # creates profiles/ci.toml

Setting a route again replaces its model and fallbacks; its key label is kept unless --key
is given (--key '' removes it).")]
    Set {
        /// Route name: letters, digits, `-` and `_`
        #[arg(add = ArgValueCompleter::new(complete::routes))]
        route: String,
        /// The model tried first, as PROVIDER:MODEL or just PROVIDER for its default model
        #[arg(value_name = "PROVIDER:MODEL", add = ArgValueCompleter::new(complete::models))]
        model: String,
        /// A model to fall back to, in order (repeat the flag); PROVIDER alone is its default model
        #[arg(long, value_name = "PROVIDER:MODEL", add = ArgValueCompleter::new(complete::models))]
        fallback: Vec<String>,
        /// The vault key label the route's calls use
        #[arg(long, value_name = "LABEL", add = ArgValueCompleter::new(complete::labels))]
        key: Option<String>,
    },

    /// List the active profile's routes
    #[command(after_help = "\
Examples:
  byok route list
  byok --profile ci route list --json")]
    List,

    /// Explain what a run on the route would do, without calling any provider
    #[command(after_help = "\
Examples:
  byok route show classify
  byok route show default --json | jq '.candidates[] | select(.usable)'

Shows each candidate in order: allowed by the profile?, where its key comes from, health
and price per million tokens. No network call, no keyring, no vault unlock.")]
    Show {
        #[arg(add = ArgValueCompleter::new(complete::routes))]
        route: String,
    },

    /// Remove a route from the active profile
    #[command(
        visible_alias = "remove",
        after_help = "\
Examples:
  byok route rm classify"
    )]
    Rm {
        #[arg(add = ArgValueCompleter::new(complete::routes))]
        route: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// List profiles, marking the active one and why it is active
    #[command(after_help = "\
Examples:
  byok profile list
  BYOK_PROFILE=ci byok profile list --json

The active profile is --profile, else BYOK_PROFILE, else the one `byok profile use` chose,
else `default`.")]
    List,

    /// Show the active profile: its file and what it sets (checked for errors)
    #[command(after_help = "\
Examples:
  byok profile show
  byok --profile ci profile show --json")]
    Show,

    /// Make a profile the active one for later commands
    #[command(after_help = "\
Examples:
  byok profile use ci
  byok profile use default

--profile and BYOK_PROFILE still take precedence. Create a profile by setting a route in it:
byok --profile ci route set default openai:gpt-4o-mini")]
    Use {
        #[arg(add = ArgValueCompleter::new(complete::profiles))]
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub prompt: PromptArgs,

    /// Route of the profile to use: its model, then its fallbacks (default: the route `default`)
    #[arg(short, long, value_name = "ROUTE", conflicts_with = "model", add = ArgValueCompleter::new(complete::routes))]
    pub route: Option<String>,

    /// Model to use, as PROVIDER:MODEL (split at the first colon) or just PROVIDER for its default model
    #[arg(short, long, value_name = "PROVIDER:MODEL", add = ArgValueCompleter::new(complete::models))]
    pub model: Option<String>,

    /// Wait for the whole answer instead of streaming it
    #[arg(long)]
    pub no_stream: bool,
}

/// The prompt and the flags every prompt-sending command shares (`run`, `council`).
#[derive(Debug, Args)]
pub struct PromptArgs {
    /// The prompt; piped stdin is appended after a blank line
    #[arg(value_name = "PROMPT")]
    pub words: Vec<String>,

    /// System prompt
    #[arg(short, long, value_name = "TEXT")]
    pub system: Option<String>,

    /// Most tokens to generate (per call)
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u32>,

    /// Sampling temperature
    #[arg(long, value_name = "T")]
    pub temperature: Option<f64>,

    /// Do not read stdin even when it is not a terminal
    #[arg(long)]
    pub no_stdin: bool,

    /// Print the token and cost table on stderr even when it is not a terminal
    #[arg(long)]
    pub stats: bool,

    /// Which vault key of each provider to use, by label (default: the route's `key`, else `default`)
    #[arg(long = "key", value_name = "LABEL", add = ArgValueCompleter::new(complete::labels))]
    pub key: Option<String>,

    /// Let one of your own keys be sent in the prompt: PROVIDER or PROVIDER/LABEL (for a key
    /// from the environment, PROVIDER/VARIABLE); repeat the flag for more
    #[arg(long = "allow-secret", value_name = "PROVIDER[/LABEL]")]
    pub allow_secret: Vec<String>,

    /// Stop the whole call (retries and fallbacks included) after this long: 90s, 2m, 500ms;
    /// a cut answer is kept and recorded, and byok exits 6
    #[arg(long, value_name = "DURATION", env = "BYOK_TIMEOUT", value_parser = crate::duration::parse_positive)]
    pub timeout: Option<std::time::Duration>,
}

#[derive(Debug, Args)]
pub struct CouncilArgs {
    #[command(flatten)]
    pub prompt: PromptArgs,

    /// The members, as PROVIDER:MODEL separated by commas (default: the profile's [council] members)
    #[arg(long, value_name = "P:M,P:M,...", value_delimiter = ',', add = ArgValueCompleter::new(complete::models))]
    pub members: Vec<String>,

    /// How the council decides (default: the profile's, else majority)
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<crate::voting::Mode>,

    /// How many members must answer (default: all for strict, 1 otherwise)
    #[arg(long, value_name = "N")]
    pub quorum: Option<usize>,

    /// With --mode rank: the model that writes the final answer from the top-ranked answers
    #[arg(long, value_name = "PROVIDER:MODEL", add = ArgValueCompleter::new(complete::models))]
    pub chair: Option<String>,
}

#[derive(Debug, Args)]
pub struct GuardArgs {
    /// Files to check (default, or `-`: standard input)
    #[arg(value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,

    /// Apply this route's guard setting (default: the profile's)
    #[arg(short, long, value_name = "ROUTE")]
    pub route: Option<String>,

    /// One of your own keys that may be sent, as for `run`: PROVIDER or PROVIDER/LABEL
    #[arg(long = "allow-secret", value_name = "PROVIDER[/LABEL]")]
    pub allow_secret: Vec<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("keys").required(true).multiple(true).args(["providers", "route", "proxy"])))]
pub struct ExecArgs {
    /// Give the command a byok serve on loopback (base URLs and a token) instead of keys
    #[arg(long, conflicts_with_all = ["providers", "key"])]
    pub proxy: bool,

    /// A provider whose key the command gets, as PROVIDER or PROVIDER/LABEL (repeat the flag, or give a comma list)
    #[arg(
        long = "provider",
        value_name = "PROVIDER[/LABEL]",
        value_delimiter = ',',
        add = ArgValueCompleter::new(complete::keys)
    )]
    pub providers: Vec<String>,

    /// Every provider of this route's chain (its model and fallbacks), with the route's key label
    #[arg(short, long, value_name = "ROUTE", add = ArgValueCompleter::new(complete::routes))]
    pub route: Option<String>,

    /// The vault key to hand over, by label, for every provider given without `/LABEL` (default: the route's `key`, else `default`)
    #[arg(long = "key", value_name = "LABEL", add = ArgValueCompleter::new(complete::labels))]
    pub key: Option<String>,

    /// The command to run and its arguments (after `--`)
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The loopback address to listen on; port 0 picks a free one [default: 127.0.0.1:0]
    #[arg(long, value_name = "ADDR", conflicts_with = "socket")]
    pub listen: Option<String>,

    /// Listen on a unix socket at PATH instead (mode 0600)
    #[arg(long, value_name = "PATH")]
    pub socket: Option<std::path::PathBuf>,

    /// The route for a request whose model names no route or provider:model
    #[arg(short, long, value_name = "ROUTE", add = ArgValueCompleter::new(complete::routes))]
    pub route: Option<String>,

    /// The client name the ledger records (default: the User-Agent's product, else `serve`)
    #[arg(long, value_name = "NAME")]
    pub client: Option<String>,
}

#[derive(Debug, Args)]
pub struct UsageArgs {
    /// First day to include (default: the first of this month)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Last day to include (default: today)
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,

    /// How to group the calls
    #[arg(long, value_enum, value_name = "GROUP")]
    pub by: Option<crate::ledger::usage::GroupBy>,

    /// Print comma-separated values instead of a table
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
}
