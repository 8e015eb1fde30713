//! The `byok` binary: parse, run, map errors to exit codes (README "Exit codes").

use clap::Parser;

fn main() {
    // A shell asking for completions (README "Shell completions and man pages") is
    // answered, and byok exits, before anything else runs.
    byok::generate::complete_if_asked();
    let cli = byok::cli::Cli::parse();
    let color = byok::output::Ui::new(false, false, cli.global.color).color_stderr;
    let code = match byok::commands::dispatch(cli) {
        Ok(()) => byok::error::exit::OK,
        Err(err) => {
            if !matches!(err, byok::error::Error::StdoutClosed) {
                byok::output::print_error(&err, color);
            }
            err.exit_code()
        }
    };
    std::process::exit(code);
}
