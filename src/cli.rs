//! The command line, defined once: `--help`, the man pages and the shell completions are
//! all rendered from these types.

use clap::{Args, Parser, Subcommand};

use crate::output::ColorChoice;

const EXIT_CODES: &str = "\
Exit status:
  0    success
  1    internal error
  2    usage error
  3    configuration: missing key, unknown provider, vault locked or unreadable
  4    a provider rejected the key (invalid, revoked, out of credit)
  5    budget exhausted
  6    a provider failed otherwise (network, timeout, 5xx, 429 after retries)
  7    council quorum or majority not reached
  130  interrupted";

#[derive(Debug, Parser)]
#[command(
    name = "byok",
    version,
    about = "Bring your own keys: an encrypted vault for LLM provider API keys",
    long_about = "byok keeps your LLM provider API keys in an age-encrypted vault whose secret lives in \
                  the OS keyring (or behind a passphrase, or in a CI secret), and verifies, rotates and \
                  revokes them.",
    after_help = EXIT_CODES,
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
    #[arg(long, global = true, value_name = "NAME")]
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

    /// What was spent: calls, tokens and cost by provider, model, route, key or day, with budgets
    #[command(after_help = "\
Examples:
  byok usage                                  # this month, by provider, with budget headroom
  byok usage --by model --since 2026-11-01
  byok usage --by day --since 7d --json | jq .
  byok usage --by route --since last-month --until last-month --csv > october.csv

Dates are YYYY-MM-DD, today, yesterday, Nd (the last N days), this-month or last-month.")]
    Usage(UsageArgs),

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
  byok --json prices

Override a price, or add one for a custom model, in the profile: [prices.\"corp:llama-70b\"] input = 0.6, output = 0.8")]
    Prices {
        /// Only these models, as PROVIDER:MODEL
        #[arg(value_name = "PROVIDER:MODEL")]
        models: Vec<String>,
    },

    /// Add, list, verify, rotate and revoke provider API keys
    #[command(subcommand)]
    Key(KeyCommand),

    /// Create the vault and see how it is unlocked
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

install.sh installs the script of every shell, and the man pages, under its PREFIX.")]
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
        provider: String,
        /// A name for this key, to keep several per provider
        #[arg(long, default_value = crate::vault::DEFAULT_LABEL)]
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

Exits 4 when a provider rejected a key, 6 when one could not be reached.")]
    Verify {
        /// Keys to check, as PROVIDER or PROVIDER/LABEL (default: all)
        #[arg(value_name = "PROVIDER[/LABEL]")]
        keys: Vec<String>,
    },

    /// Replace a key with a new one, keeping the old one as "previous" for rollback
    #[command(after_help = "\
Examples:
  byok key rotate openai < new-key.txt
  byok key revoke openai --previous --yes     # once the new key has proven itself")]
    Rotate {
        provider: String,
        #[arg(long, default_value = crate::vault::DEFAULT_LABEL)]
        label: String,
        /// Swap without asking the provider whether the new key works
        #[arg(long)]
        no_verify: bool,
    },

    /// Remove a key (or only its previous version) from the vault
    #[command(after_help = "\
Examples:
  byok key revoke openai --previous        # drop the key a rotation replaced
  byok key revoke anthropic --label work --yes

This removes the key from the vault only; revoke it at the provider's dashboard too.")]
    Revoke {
        provider: String,
        #[arg(long, default_value = crate::vault::DEFAULT_LABEL)]
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
    Status,
}

#[derive(Debug, Subcommand)]
pub enum RouteCommand {
    /// Create or replace a route in the active profile (comments and layout are kept)
    #[command(after_help = "\
Examples:
  byok route set classify gemini:gemini-2.5-flash --fallback openai:gpt-4o-mini --fallback ollama:llama3.2
  byok route set policy anthropic:claude-sonnet-4-6 --key work   # no fallback: never leaves Anthropic
  byok --profile ci route set default openai:gpt-4o-mini         # creates profiles/ci.toml

Setting a route again replaces its model and fallbacks; its key label is kept unless --key
is given (--key '' removes it).")]
    Set {
        /// Route name: letters, digits, `-` and `_`
        route: String,
        /// The model tried first
        #[arg(value_name = "PROVIDER:MODEL")]
        model: String,
        /// A model to fall back to, in order (repeat the flag)
        #[arg(long, value_name = "PROVIDER:MODEL")]
        fallback: Vec<String>,
        /// The vault key label the route's calls use
        #[arg(long, value_name = "LABEL")]
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
    Show { route: String },

    /// Remove a route from the active profile
    #[command(
        visible_alias = "remove",
        after_help = "\
Examples:
  byok route rm classify"
    )]
    Rm { route: String },
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
    Use { name: String },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The prompt; piped stdin is appended after a blank line
    #[arg(value_name = "PROMPT")]
    pub prompt: Vec<String>,

    /// Route of the profile to use: its model, then its fallbacks (default: the route `default`)
    #[arg(short, long, value_name = "ROUTE", conflicts_with = "model")]
    pub route: Option<String>,

    /// Model to use, as PROVIDER:MODEL (split at the first colon) or just PROVIDER for its default model
    #[arg(short, long, value_name = "PROVIDER:MODEL")]
    pub model: Option<String>,

    /// System prompt
    #[arg(short, long, value_name = "TEXT")]
    pub system: Option<String>,

    /// Most tokens to generate
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u32>,

    /// Sampling temperature
    #[arg(long, value_name = "T")]
    pub temperature: Option<f64>,

    /// Wait for the whole answer instead of streaming it
    #[arg(long)]
    pub no_stream: bool,

    /// Do not read stdin even when it is not a terminal
    #[arg(long)]
    pub no_stdin: bool,

    /// Print the token and cost table on stderr even when it is not a terminal
    #[arg(long)]
    pub stats: bool,
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
