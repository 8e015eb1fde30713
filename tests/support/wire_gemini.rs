//! Fake gemini wire-format responses (owned by the gemini adapter's tests).
