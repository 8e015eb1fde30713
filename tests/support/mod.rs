// Shared helpers for integration tests. Each test binary includes this with
// `mod support;` and uses only part of it, hence the blanket allow.
#![allow(dead_code)]

pub mod byok;
pub mod fake;
pub mod postgres;
pub mod providers;
pub mod wire;
pub mod wire_anthropic;
pub mod wire_gemini;
pub mod wire_ollama;
pub mod wire_openai;
