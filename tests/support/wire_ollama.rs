//! Ollama's native `/api/chat`: the renderer behind `Fake::ollama` (see `wire.rs` for the
//! answer, chunking, faults and key check) and Ollama's errors. Newline-delimited JSON
//! (not SSE), one line per piece, usage only on the final `done: true` line,
//! `prompt_eval_count` left out when it is 0 (the prompt came from the cache),
//! `message.thinking` pieces from thinking models, errors as `{"error": "plain string"}`.
//! Ollama streams unless the request says `"stream": false`. It takes no key: its fake
//! refuses any `Authorization` header with 401 `unauthorized` unless built expecting one
//! (a proxy in front of it).
//!
//! ```ignore
//! let fake = Fake::ollama(None, Answer::text(&["The sky", " is blue."]).usage(Usage::new(0, 290)));
//! let server = fake.server(); // POST /api/chat, GET /api/tags
//! home.env("BYOK_OLLAMA_BASE_URL", &server.url());
//! ```

use serde_json::{Value, json};

use super::fake::{Reply, Request};
use super::wire::{Answer, Call, Event, Failure, Fake, Wire, foreign_credential, key_in_url};

pub const NDJSON: &str = "application/x-ndjson";

/// The renderer: the models `GET /api/tags` lists.
#[derive(Clone, Debug)]
pub struct Ollama {
    pub tags: Vec<String>,
}

impl Fake<Ollama> {
    /// `key`: `None` for a plain Ollama (a request carrying any key is refused), or the
    /// key a proxy in front of it insists on.
    pub fn ollama(key: Option<&str>, answer: Answer) -> Self {
        let wire = Ollama {
            tags: vec!["llama3.2:3b".into(), "qwen3:4b".into()],
        };
        Fake::build(wire, key, answer)
    }
}

impl Ollama {
    /// The `done: true` fields: timings, the reason and the counts.
    fn stats(&self, answer: &Answer, v: &mut Value) {
        let u = &answer.usage;
        u.assert_fits("Ollama", false, false, false);
        v["done_reason"] = json!(answer.finish.as_deref().unwrap_or("stop"));
        v["total_duration"] = json!(4_883_583_458u64);
        v["load_duration"] = json!(1_334_875u64);
        if u.input > 0 {
            v["prompt_eval_count"] = json!(u.input);
        }
        v["prompt_eval_duration"] = json!(130_079_000u64);
        v["eval_count"] = json!(u.output);
        v["eval_duration"] = json!(4_709_213_000u64);
        *v = answer.patched(v.take());
    }

    fn model(answer: &Answer, call: &Call) -> String {
        answer.model.clone().unwrap_or_else(|| call.model.clone())
    }

    fn line(value: &Value, text: Option<usize>) -> Event {
        let mut bytes = value.to_string().into_bytes();
        bytes.push(b'\n');
        Event { bytes, text }
    }
}

impl Wire for Ollama {
    fn name(&self) -> &'static str {
        "ollama"
    }

    fn check(&self, req: &Request, expected: Option<&str>) -> Result<Call, Reply> {
        if let Some(refusal) = key_in_url(req, expected) {
            return Err(refusal);
        }
        let sent = req.header("authorization");
        let right = match expected {
            None => sent.is_none(),
            Some(k) => sent == Some(format!("Bearer {k}").as_str()),
        };
        if !right || foreign_credential(req, "authorization").is_some() {
            return Err(Reply::json(401, error_line("unauthorized")));
        }
        let path = req.path_only();
        if path.ends_with("/api/tags") {
            let names: Vec<&str> = self.tags.iter().map(String::as_str).collect();
            return Err(tags(&names));
        }
        if !(req.method == "POST" && path.ends_with("/api/chat")) {
            return Err(Reply::text(404, "404 page not found"));
        }
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return Err(Reply::json(400, error_line("invalid JSON body")));
        };
        Ok(Call {
            model: body["model"].as_str().unwrap_or("").to_string(),
            // Ollama streams unless told not to.
            stream: body["stream"].as_bool() != Some(false),
            include_usage: true,
        })
    }

    /// Thinking lines, one line per piece, then the `done: true` line with the counts.
    fn events(&self, answer: &Answer, call: &Call, _finished: bool) -> Vec<Event> {
        let model = Self::model(answer, call);
        let line = |i: usize, message: Value| {
            json!({
                "model": model,
                "created_at": format!("2025-06-01T10:00:{:02}.{:06}Z", i / 10, (i % 10) * 100_000),
                "message": message,
                "done": false,
            })
        };
        let mut out = Vec::new();
        for t in &answer.thinking {
            let l = line(
                out.len(),
                json!({"role": "assistant", "content": "", "thinking": t}),
            );
            out.push(Self::line(&l, None));
        }
        for (i, p) in answer.text.iter().enumerate() {
            let l = line(out.len(), json!({"role": "assistant", "content": p}));
            out.push(Self::line(&l, Some(i)));
        }
        let mut last = line(out.len(), json!({"role": "assistant", "content": ""}));
        last["done"] = json!(true);
        self.stats(answer, &mut last);
        out.push(Self::line(&last, None));
        out
    }

    fn error_events(&self, failure: &Failure, _answer: &Answer, _call: &Call) -> Vec<Event> {
        vec![Self::line(&error_line(&failure.message), None)]
    }

    fn stream_reply(&self, pieces: Vec<Vec<u8>>) -> Reply {
        Reply::stream(200, NDJSON, pieces)
    }

    fn complete(&self, answer: &Answer, call: &Call) -> Reply {
        let mut message = json!({"role": "assistant", "content": answer.full_text()});
        if !answer.thinking.is_empty() {
            message["thinking"] = json!(answer.thinking.concat());
        }
        let mut v = json!({
            "model": Self::model(answer, call),
            "created_at": "2025-06-01T10:00:05.000000Z",
            "message": message,
            "done": true,
        });
        self.stats(answer, &mut v);
        Reply::json(200, v)
    }

    fn error_reply(&self, failure: &Failure) -> Reply {
        Reply::json(failure.status, error_line(&failure.message))
    }
}

/// `GET /api/tags`: the locally pulled models.
pub fn tags(names: &[&str]) -> Reply {
    let models: Vec<Value> = names
        .iter()
        .map(|n| {
            json!({
                "name": n,
                "model": n,
                "modified_at": "2025-05-01T10:00:00.000000Z",
                "size": 2_019_393_189u64,
                "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
                "details": {"format": "gguf", "family": "llama", "parameter_size": "3.2B", "quantization_level": "Q4_K_M"}
            })
        })
        .collect();
    Reply::json(200, json!({"models": models}))
}

/// The error line (or body) Ollama sends: a plain string.
pub fn error_line(message: &str) -> Value {
    json!({"error": message})
}

/// 404 for a model that was never pulled.
pub fn model_not_found(model: &str) -> Reply {
    Reply::json(
        404,
        error_line(&format!(
            "model \"{model}\" not found, try pulling it first"
        )),
    )
}

/// 500 with Ollama's plain-string error.
pub fn server_error(message: &str) -> Reply {
    Reply::json(500, error_line(message))
}
