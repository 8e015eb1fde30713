//! `byok completions <shell>`: the script a shell registers (README "Shell completions and
//! man pages"); the values it completes are in `crate::complete`.

use crate::error::Result;
use crate::generate::{self, Shell};

pub fn run(shell: Shell) -> Result<()> {
    crate::output::write_stdout(&generate::completion(shell))
}
