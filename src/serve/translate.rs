//! Cross wire (README "Give a tool your keys without giving it your keys"): a client of
//! one wire served by a candidate of another. Only the text subset crosses: roles, the
//! system prompt, max_tokens, temperature, stop sequences and streaming. A request that
//! needs more (tools, images, JSON mode, …) is refused with the field it used, because a
//! translation that dropped it would answer a different question.

use serde_json::{Map, Value, json};

use super::reply::ClientWire;
use crate::providers::chat::{ChatRequest, ChatResult, Speaker as Role, Turn};
use crate::providers::{Provider, Wire};

/// The text subset of a chat request, whichever wire it came in.
#[derive(Clone, Debug, Default)]
pub struct TextChat {
    pub system: Option<String>,
    pub messages: Vec<(Role, String)>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub stop: Vec<String>,
    pub stream: bool,
    /// OpenAI clients: `stream_options.include_usage`.
    pub include_usage: bool,
}

/// What a refused field's 400 says.
pub fn refusal(field: &str, wire: ClientWire) -> String {
    format!(
        "`{field}` cannot be translated to another wire: across wires byok passes only text (roles, system, max_tokens, temperature, stop, stream). Route this model to a candidate that speaks the {} wire (hint: byok route set ROUTE provider:model)",
        wire.name()
    )
}

/// Reads the text subset of a client's request; `Err` names the first field it cannot
/// carry.
pub fn read(wire: ClientWire, body: &Value) -> Result<TextChat, String> {
    let obj = body.as_object().ok_or("the body")?;
    let mut chat = TextChat::default();
    let allowed: &[&str] = match wire {
        ClientWire::OpenAi => &[
            "model",
            "messages",
            "max_tokens",
            "max_completion_tokens",
            "temperature",
            "stop",
            "stream",
            "stream_options",
            "user",
            "n",
        ],
        ClientWire::Anthropic => &[
            "model",
            "messages",
            "system",
            "max_tokens",
            "temperature",
            "stop_sequences",
            "stream",
            "metadata",
        ],
    };
    for (k, v) in obj {
        if !v.is_null() && !allowed.contains(&k.as_str()) {
            return Err(k.clone());
        }
    }
    if obj.get("n").and_then(Value::as_u64).is_some_and(|n| n != 1) {
        return Err("n".into());
    }
    chat.max_tokens = obj
        .get("max_completion_tokens")
        .or_else(|| obj.get("max_tokens"))
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok());
    chat.temperature = obj.get("temperature").and_then(Value::as_f64);
    chat.stream = obj.get("stream").and_then(Value::as_bool).unwrap_or(false);
    chat.include_usage = obj
        .get("stream_options")
        .and_then(|o| o.get("include_usage"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let stop = obj.get("stop").or_else(|| obj.get("stop_sequences"));
    match stop {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => chat.stop.push(s.clone()),
        Some(Value::Array(items)) => {
            for s in items {
                chat.stop.push(s.as_str().ok_or("stop")?.to_string());
            }
        }
        Some(_) => return Err("stop".into()),
    }
    if let Some(system) = obj.get("system").filter(|s| !s.is_null()) {
        chat.system = Some(text_of(system, "system")?);
    }
    let messages = obj
        .get("messages")
        .and_then(Value::as_array)
        .ok_or("messages")?;
    for (i, m) in messages.iter().enumerate() {
        let at = format!("messages[{i}]");
        let m = m.as_object().ok_or(at.clone())?;
        for k in m.keys() {
            if !["role", "content"].contains(&k.as_str()) && !m[k].is_null() {
                return Err(format!("{at}.{k}"));
            }
        }
        let role = m.get("role").and_then(Value::as_str).unwrap_or("");
        let text = text_of(
            m.get("content").unwrap_or(&Value::Null),
            &format!("{at}.content"),
        )?;
        match (wire, role) {
            (ClientWire::OpenAi, "system" | "developer") => {
                let s = chat.system.get_or_insert_with(String::new);
                if !s.is_empty() {
                    s.push('\n');
                }
                s.push_str(&text);
            }
            (_, "user") => chat.messages.push((Role::User, text)),
            (_, "assistant") => chat.messages.push((Role::Assistant, text)),
            _ => return Err(format!("{at}.role `{role}`")),
        }
    }
    if chat.messages.is_empty() {
        return Err("messages".into());
    }
    Ok(chat)
}

/// A string, or a list of text parts (`{"type": "text", "text": …}`), as one string.
fn text_of(v: &Value, at: &str) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Array(parts) => {
            let mut out = String::new();
            for (j, p) in parts.iter().enumerate() {
                let kind = p.get("type").and_then(Value::as_str).unwrap_or("");
                let text = p.get("text").and_then(Value::as_str);
                match (kind, text) {
                    ("text", Some(t)) => out.push_str(t),
                    _ => return Err(format!("{at}[{j}] (type `{kind}`)")),
                }
            }
            Ok(out)
        }
        _ => Err(at.to_string()),
    }
}

/// What to send a candidate of another wire.
pub enum Upstream {
    /// A body for the wire's bare POST (OpenAI-compatible, Anthropic).
    Body(Value),
    /// A conversation for the wire's own request builder (Gemini, Ollama).
    Chat(ChatRequest),
}

/// The request for `provider`'s wire, asking `model` for at most `max_tokens`.
pub fn request(
    chat: &TextChat,
    provider: &Provider,
    model: &str,
    max_tokens: Option<u32>,
) -> Result<Upstream, String> {
    let max_tokens = max_tokens.or(chat.max_tokens);
    let messages: Vec<Value> = chat
        .messages
        .iter()
        .map(|(role, text)| json!({"role": role.as_str(), "content": text}))
        .collect();
    match provider.spec.wire {
        Wire::OpenAi => {
            let mut all = Vec::new();
            if let Some(s) = &chat.system {
                all.push(json!({"role": "system", "content": s}));
            }
            all.extend(messages);
            let mut body = Map::new();
            body.insert("model".into(), json!(model));
            body.insert("messages".into(), Value::Array(all));
            if let Some(n) = max_tokens {
                let field = if provider.spec.quirks.max_completion_tokens {
                    "max_completion_tokens"
                } else {
                    "max_tokens"
                };
                body.insert(field.into(), json!(n));
            }
            if let Some(t) = chat.temperature {
                body.insert("temperature".into(), json!(t));
            }
            if !chat.stop.is_empty() {
                body.insert("stop".into(), json!(chat.stop));
            }
            if chat.stream {
                body.insert("stream".into(), json!(true));
                body.insert("stream_options".into(), json!({"include_usage": true}));
            }
            Ok(Upstream::Body(Value::Object(body)))
        }
        Wire::Anthropic => {
            let mut body = Map::new();
            body.insert("model".into(), json!(model));
            body.insert(
                "max_tokens".into(),
                json!(max_tokens.unwrap_or(crate::providers::anthropic::DEFAULT_MAX_TOKENS)),
            );
            if let Some(s) = &chat.system {
                body.insert("system".into(), json!(s));
            }
            body.insert("messages".into(), Value::Array(messages));
            if let Some(t) = chat.temperature {
                body.insert("temperature".into(), json!(t));
            }
            if !chat.stop.is_empty() {
                body.insert("stop_sequences".into(), json!(chat.stop));
            }
            if chat.stream {
                body.insert("stream".into(), json!(true));
            }
            Ok(Upstream::Body(Value::Object(body)))
        }
        Wire::Gemini | Wire::Ollama => match chat.messages.split_last() {
            Some(((Role::User, prompt), history)) => Ok(Upstream::Chat(ChatRequest {
                model: model.to_string(),
                system: chat.system.clone(),
                history: history
                    .iter()
                    .map(|(speaker, text)| Turn {
                        speaker: *speaker,
                        text: text.clone(),
                    })
                    .collect(),
                prompt: prompt.clone(),
                max_tokens,
                temperature: chat.temperature,
                stop: chat.stop.clone(),
                stream: chat.stream,
            })),
            _ => Err(LAST_TURN.into()),
        },
    }
}

/// What a Gemini or Ollama candidate cannot take: their request builders answer a
/// conversation's last user turn, not an assistant turn to continue.
const LAST_TURN: &str = "messages (ending with an assistant turn)";

/// Whether a candidate of `wire` could take this request at all.
pub fn fits(chat: &TextChat, wire: Wire) -> Result<(), String> {
    match wire {
        Wire::OpenAi | Wire::Anthropic => Ok(()),
        Wire::Gemini | Wire::Ollama => match chat.messages.last() {
            Some((Role::User, _)) => Ok(()),
            _ => Err(LAST_TURN.into()),
        },
    }
}

fn openai_finish(r: &ChatResult) -> &'static str {
    match r.finish_reason.as_deref() {
        Some("max_tokens" | "MAX_TOKENS" | "length") => "length",
        _ => "stop",
    }
}

fn anthropic_stop(r: &ChatResult) -> &'static str {
    match r.finish_reason.as_deref() {
        Some("max_tokens" | "MAX_TOKENS" | "length") => "max_tokens",
        Some("stop_sequence") => "stop_sequence",
        _ => "end_turn",
    }
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn id(prefix: &str) -> String {
    format!("{prefix}{:016x}", fastrand::u64(..))
}

/// A whole answer, in the client's wire.
pub fn answer(wire: ClientWire, model: &str, r: &ChatResult) -> Value {
    let u = &r.usage;
    match wire {
        ClientWire::OpenAi => json!({
            "id": id("chatcmpl-byok"),
            "object": "chat.completion",
            "created": now(),
            "model": model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": r.text},
                "finish_reason": openai_finish(r),
            }],
            "usage": {
                "prompt_tokens": u.input_tokens,
                "completion_tokens": u.output_tokens,
                "total_tokens": u.input_tokens + u.output_tokens,
            },
        }),
        ClientWire::Anthropic => json!({
            "id": id("msg_byok"),
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": r.text}],
            "stop_reason": anthropic_stop(r),
            "stop_sequence": null,
            "usage": {"input_tokens": u.input_tokens, "output_tokens": u.output_tokens},
        }),
    }
}

/// A streamed answer, written in the client's wire as the text arrives.
pub struct Events {
    wire: ClientWire,
    model: String,
    id: String,
    created: i64,
    include_usage: bool,
    started: bool,
}

impl Events {
    pub fn new(wire: ClientWire, model: &str, include_usage: bool) -> Events {
        Events {
            wire,
            model: model.to_string(),
            id: id(match wire {
                ClientWire::OpenAi => "chatcmpl-byok",
                ClientWire::Anthropic => "msg_byok",
            }),
            created: now(),
            include_usage,
            started: false,
        }
    }

    fn openai_chunk(&self, delta: Value, finish: Option<&str>) -> String {
        let chunk = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        });
        format!("data: {chunk}\n\n")
    }

    fn anthropic_event(name: &str, data: Value) -> String {
        format!("event: {name}\ndata: {data}\n\n")
    }

    /// What opens the stream (once).
    fn start(&mut self, out: &mut String) {
        if self.started {
            return;
        }
        self.started = true;
        match self.wire {
            ClientWire::OpenAi => {
                out.push_str(&self.openai_chunk(json!({"role": "assistant", "content": ""}), None))
            }
            ClientWire::Anthropic => {
                out.push_str(&Self::anthropic_event(
                    "message_start",
                    json!({"type": "message_start", "message": {
                        "id": self.id, "type": "message", "role": "assistant",
                        "model": self.model, "content": [], "stop_reason": null,
                        "stop_sequence": null,
                        "usage": {"input_tokens": 0, "output_tokens": 0},
                    }}),
                ));
                out.push_str(&Self::anthropic_event(
                    "content_block_start",
                    json!({"type": "content_block_start", "index": 0,
                           "content_block": {"type": "text", "text": ""}}),
                ));
            }
        }
    }

    /// A piece of text (the stream's opening first, if it is the first).
    pub fn delta(&mut self, text: &str) -> String {
        let mut out = String::new();
        self.start(&mut out);
        match self.wire {
            ClientWire::OpenAi => out.push_str(&self.openai_chunk(json!({"content": text}), None)),
            ClientWire::Anthropic => out.push_str(&Self::anthropic_event(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 0,
                       "delta": {"type": "text_delta", "text": text}}),
            )),
        }
        out
    }

    /// The end of the stream, with the usage.
    pub fn end(&mut self, r: &ChatResult) -> String {
        let mut out = String::new();
        self.start(&mut out);
        let u = &r.usage;
        match self.wire {
            ClientWire::OpenAi => {
                out.push_str(&self.openai_chunk(json!({}), Some(openai_finish(r))));
                if self.include_usage {
                    let chunk = json!({
                        "id": self.id,
                        "object": "chat.completion.chunk",
                        "created": self.created,
                        "model": self.model,
                        "choices": [],
                        "usage": {
                            "prompt_tokens": u.input_tokens,
                            "completion_tokens": u.output_tokens,
                            "total_tokens": u.input_tokens + u.output_tokens,
                        },
                    });
                    out.push_str(&format!("data: {chunk}\n\n"));
                }
                out.push_str("data: [DONE]\n\n");
            }
            ClientWire::Anthropic => {
                out.push_str(&Self::anthropic_event(
                    "content_block_stop",
                    json!({"type": "content_block_stop", "index": 0}),
                ));
                out.push_str(&Self::anthropic_event(
                    "message_delta",
                    json!({"type": "message_delta",
                           "delta": {"stop_reason": anthropic_stop(r), "stop_sequence": null},
                           "usage": {"input_tokens": u.input_tokens, "output_tokens": u.output_tokens}}),
                ));
                out.push_str(&Self::anthropic_event(
                    "message_stop",
                    json!({"type": "message_stop"}),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_subset_crosses_and_anything_more_is_named() {
        let body = json!({"model": "m", "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        ], "max_tokens": 10, "stop": "x", "stream": true});
        let chat = read(ClientWire::OpenAi, &body).unwrap();
        assert_eq!(chat.system.as_deref(), Some("Be terse."));
        assert_eq!(chat.messages, vec![(Role::User, "hi".to_string())]);
        assert_eq!(chat.stop, vec!["x".to_string()]);
        let anthropic = Provider::resolve("anthropic").unwrap();
        let Upstream::Body(b) = request(&chat, &anthropic, "claude", None).unwrap() else {
            panic!()
        };
        assert_eq!(b["system"], "Be terse.");
        assert_eq!(b["max_tokens"], 10);
        assert_eq!(b["stop_sequences"], json!(["x"]));
        let tools =
            json!({"model": "m", "messages": [{"role": "user", "content": "hi"}], "tools": []});
        assert_eq!(read(ClientWire::OpenAi, &tools).unwrap_err(), "tools");
        let image = json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]});
        assert!(
            read(ClientWire::OpenAi, &image)
                .unwrap_err()
                .contains("image_url")
        );
    }
}
