//! Fake anthropic wire-format responses (owned by the anthropic adapter's tests).
