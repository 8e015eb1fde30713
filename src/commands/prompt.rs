//! The prompt of a prompt-sending command (`run`, `council`): its words, piped stdin, and
//! the shared flags, made into one request.

use std::io::{IsTerminal, Read};

use crate::cli::PromptArgs;
use crate::error::{Error, Result};
use crate::providers::chat::ChatRequest;

/// The request of a prompt-sending command (`run`, `council`) from its shared flags.
pub(crate) fn request(args: &PromptArgs, command: &str, stream: bool) -> Result<ChatRequest> {
    Ok(ChatRequest {
        model: String::new(),
        system: args.system.clone(),
        prompt: read_prompt(&args.words, args.no_stdin, command)?,
        max_tokens: args.max_tokens,
        temperature: args.temperature,
        stream,
    })
}

/// The prompt: the arguments joined by spaces, then piped stdin after a blank line.
fn read_prompt(words: &[String], no_stdin: bool, command: &str) -> Result<String> {
    let mut prompt = words.join(" ");
    let stdin = std::io::stdin();
    if !no_stdin && !stdin.is_terminal() {
        let mut piped = String::new();
        stdin.lock().read_to_string(&mut piped).map_err(|e| {
            Error::Usage(format!(
                "could not read the prompt from standard input: {e}"
            ))
        })?;
        if !piped.trim().is_empty() {
            if !prompt.is_empty() {
                prompt.push_str("\n\n");
            }
            prompt.push_str(&piped);
        }
    }
    if prompt.trim().is_empty() {
        return Err(Error::Usage(format!(
            "the prompt is empty: give it as arguments (`byok {command} \"…\"`) or pipe it in (`echo … | byok {command}`)"
        )));
    }
    Ok(prompt)
}
