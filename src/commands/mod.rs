//! One module per command group; each turns parsed arguments into work and output.

pub mod completions;
pub mod council;
pub mod exec;
pub mod guard;
pub mod key;
pub mod ledger;
pub mod models;
pub mod prices;
pub mod profile;
mod prompt;
pub mod route;
pub mod run;
pub mod serve;
pub mod status;
pub mod usage;
pub mod vault;

use std::cell::OnceCell;

use crate::cli::{Cli, Command};
use crate::error::Result;
use crate::http::Timeouts;
use crate::ledger::Ledger;
use crate::output::Ui;
use crate::paths::Paths;
use crate::profile::LoadedProfile;
use crate::providers::Registry;
use crate::vault::KeyringAccess;

/// What every command may need, resolved once; nothing here touches the keyring, the
/// network or the disk, so building it costs nothing.
pub struct Ctx {
    pub ui: Ui,
    pub paths: Paths,
    pub keyring: KeyringAccess,
    pub timeouts: Timeouts,
    profile_flag: Option<String>,
    profile: OnceCell<LoadedProfile>,
}

impl Ctx {
    pub fn from_cli(cli: &Cli) -> Ctx {
        let g = &cli.global;
        crate::output::set_verbose(g.verbose);
        Ctx {
            ui: Ui::new(g.json, g.quiet, g.color),
            paths: Paths::from_env(),
            keyring: KeyringAccess::from_env(),
            timeouts: Timeouts::from_env(),
            profile_flag: g.profile.clone(),
            profile: OnceCell::new(),
        }
    }

    /// The active profile's name and where that choice came from.
    pub fn profile_name(&self) -> (String, &'static str) {
        crate::profile::active_name(self.profile_flag.as_deref(), &self.paths)
    }

    /// The active profile, read on first use.
    pub fn profile(&self) -> Result<&LoadedProfile> {
        if let Some(p) = self.profile.get() {
            return Ok(p);
        }
        let loaded = crate::profile::load(&self.paths, &self.profile_name().0)?;
        Ok(self.profile.get_or_init(|| loaded))
    }

    /// The usage ledger for writing: the one `BYOK_LEDGER_URL` or the profile names, or
    /// the local file (`ledger::Ledger` decides; the command does not need to know).
    pub fn ledger(&self) -> Result<Ledger> {
        match self.profile() {
            Ok(p) => Ledger::open_with(&self.paths, &p.profile),
            Err(_) => Ledger::open(&self.paths),
        }
    }

    /// The usage ledger for reading; `None` when nothing was recorded yet.
    pub fn existing_ledger(&self) -> Result<Option<Ledger>> {
        match self.profile() {
            Ok(p) => Ledger::open_existing_with(&self.paths, &p.profile),
            Err(_) => Ledger::open_existing(&self.paths),
        }
    }

    /// Provider resolution with the profile's `[providers.*]` applied.
    pub fn registry(&self) -> Result<Registry> {
        Ok(Registry::new(&self.profile()?.profile))
    }
}

/// A key label a user typed (`--label`, a route's `key`), by the one rule of
/// [`crate::vocab::label_problem`].
pub(crate) fn check_label(label: &str) -> Result<()> {
    match crate::vocab::label_problem(label) {
        Some(why) => Err(crate::error::Error::BadLabel {
            label: label.to_string(),
            why,
        }),
        None => Ok(()),
    }
}

pub fn dispatch(cli: Cli) -> Result<()> {
    let ctx = Ctx::from_cli(&cli);
    match cli.command {
        Command::Key(cmd) => key::run(&ctx, cmd),
        Command::Vault(cmd) => vault::run(&ctx, cmd),
        Command::Run(args) => run::run(&ctx, args),
        Command::Council(args) => council::run(&ctx, args),
        Command::Guard(args) => guard::run(&ctx, args),
        Command::Exec(args) => exec::run(&ctx, args),
        Command::Serve(args) => serve::run(&ctx, args),
        Command::Usage(args) => usage::run(&ctx, args),
        Command::Ledger(cmd) => ledger::run(&ctx, cmd),
        Command::Status => status::run(&ctx),
        Command::Prices { models } => prices::run(&ctx, &models),
        Command::Models { keys } => models::run(&ctx, &keys),
        Command::Route(cmd) => route::run(&ctx, cmd),
        Command::Profile(cmd) => profile::run(&ctx, cmd),
        Command::Completions { shell } => completions::run(shell),
    }
}
