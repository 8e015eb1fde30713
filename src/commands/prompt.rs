//! The prompt of a prompt-sending command (`run`, `council`): its words, piped stdin, and
//! the shared flags, made into one request once the outbound guard has checked it.

use std::io::{IsTerminal, Read};

use crate::cli::PromptArgs;
use crate::error::{Error, Result};
use crate::providers::chat::ChatRequest;

/// A prompt as read, in its parts: the guard checks each apart, so a finding's line is
/// a line of that part (of the piped file, say), not of the joined prompt.
pub(crate) struct Prompt {
    words: String,
    piped: String,
    system: Option<String>,
}

impl Prompt {
    /// The prompt's parts, named as messages name them.
    pub(crate) fn parts_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        let mut parts = vec![
            ("the prompt arguments", &mut self.words),
            ("standard input", &mut self.piped),
        ];
        if let Some(system) = &mut self.system {
            parts.push(("the system prompt", system));
        }
        parts
    }

    /// The request of a prompt-sending command (`run`, `council`) from its shared flags:
    /// the arguments joined by spaces, then piped stdin after a blank line.
    pub(crate) fn request(self, args: &PromptArgs, stream: bool) -> ChatRequest {
        let mut prompt = self.words;
        if !self.piped.is_empty() {
            if !prompt.is_empty() {
                prompt.push_str("\n\n");
            }
            prompt.push_str(&self.piped);
        }
        ChatRequest {
            model: String::new(),
            system: self.system,
            prompt,
            max_tokens: args.max_tokens,
            temperature: args.temperature,
            stream,
            ..Default::default()
        }
    }
}

/// Reads the prompt: the arguments, and piped stdin unless `--no-stdin`.
pub(crate) fn read(args: &PromptArgs, command: &str) -> Result<Prompt> {
    let words = args.words.join(" ");
    let mut piped = String::new();
    let stdin = std::io::stdin();
    if !args.no_stdin && !stdin.is_terminal() {
        stdin.lock().read_to_string(&mut piped).map_err(|e| {
            Error::Usage(format!(
                "could not read the prompt from standard input: {e}"
            ))
        })?;
        if piped.trim().is_empty() {
            piped.clear();
        }
    }
    if words.trim().is_empty() && piped.is_empty() {
        return Err(Error::Usage(format!(
            "the prompt is empty: give it as arguments (`byok {command} \"…\"`) or pipe it in (`echo … | byok {command}`)"
        )));
    }
    Ok(Prompt {
        words,
        piped,
        system: args.system.clone(),
    })
}
