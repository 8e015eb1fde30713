//! `byok ledger sync` and `byok ledger import`: rows sent to the shared ledger (README
//! "One budget for the whole team"). The ledger does the work; this says what it did.

use super::Ctx;
use crate::cli::LedgerCommand;
use crate::error::{Error, Result};

#[derive(serde::Serialize)]
struct Sent {
    ledger: String,
    uploaded: usize,
}

pub fn run(ctx: &Ctx, cmd: LedgerCommand) -> Result<()> {
    let ledger = ctx.ledger()?;
    if let Some(e) = ledger.unreachable_error() {
        return Err(e);
    }
    let (uploaded, what) = match cmd {
        LedgerCommand::Sync => (ledger.sync()?, "kept locally"),
        LedgerCommand::Import { from } => {
            let from = from.unwrap_or_else(|| ctx.paths.ledger());
            if !from.is_file() {
                return Err(Error::Usage(format!(
                    "there is no SQLite ledger at {} to import (name one: byok ledger import FILE)",
                    from.display()
                )));
            }
            (ledger.import(&from)?, "from the local ledger")
        }
    };
    let sent = Sent {
        ledger: ledger.backend(),
        uploaded,
    };
    if ctx.ui.json {
        return ctx.ui.print_json(&sent);
    }
    crate::output::write_stdout(
        format!(
            "{} row{} {what} uploaded to {}\n",
            sent.uploaded,
            if sent.uploaded == 1 { "" } else { "s" },
            sent.ledger
        )
        .as_bytes(),
    )
}
