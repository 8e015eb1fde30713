//! Fake openai wire-format responses (owned by the openai adapter's tests).
