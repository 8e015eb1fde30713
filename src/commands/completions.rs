//! `byok completions <shell>`: the shell's completion script, on stdout.

use crate::error::Result;
use crate::generate::{self, Shell};

pub fn run(shell: Shell) -> Result<()> {
    crate::output::write_stdout(&generate::completion(shell))
}
