//! One module per command group; each turns parsed arguments into work and output.

pub mod key;
pub mod prices;
pub mod run;
pub mod vault;

use crate::cli::{Cli, Command};
use crate::error::Result;
use crate::http::Timeouts;
use crate::output::Ui;
use crate::paths::Paths;
use crate::vault::KeyringAccess;

/// What every command may need, resolved once; nothing here touches the keyring, the
/// network or the disk, so building it costs nothing.
pub struct Ctx {
    pub ui: Ui,
    pub paths: Paths,
    pub keyring: KeyringAccess,
    pub timeouts: Timeouts,
}

impl Ctx {
    pub fn from_cli(cli: &Cli) -> Ctx {
        let g = &cli.global;
        Ctx {
            ui: Ui::new(g.json, g.quiet, g.verbose, g.color),
            paths: Paths::from_env(),
            keyring: KeyringAccess::from_env(),
            timeouts: Timeouts::from_env(),
        }
    }
}

pub fn dispatch(cli: Cli) -> Result<()> {
    let ctx = Ctx::from_cli(&cli);
    match cli.command {
        Command::Key(cmd) => key::run(&ctx, cmd),
        Command::Vault(cmd) => vault::run(&ctx, cmd),
        Command::Run(args) => run::run(&ctx, args),
        Command::Prices { models } => prices::run(&ctx, &models),
    }
}
