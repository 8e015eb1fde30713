//! Fake ollama wire-format responses (owned by the ollama adapter's tests).
