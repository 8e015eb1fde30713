//! Fake answers in Ollama's native `/api/chat` format, as a real Ollama sends them
//! (DESIGN.md §2): newline-delimited JSON (not SSE), one line per piece, usage only on the
//! final `done: true` line, `prompt_eval_count` left out when the prompt was fully cached,
//! `message.thinking` pieces from thinking models, errors as `{"error": "plain string"}`.
//! Ollama streams unless the request says `"stream": false`.
//!
//! ```ignore
//! let chat = OllamaChat::new(&["The sky", " is blue."]).cached_prompt();
//! let server = chat.clone().server(); // POST /api/chat, GET /api/tags
//! home.env("BYOK_OLLAMA_BASE_URL", &server.url());
//! ```

use serde_json::{Value, json};

use super::fake::{FakeServer, Reply, Request};

pub const NDJSON: &str = "application/x-ndjson";

#[derive(Clone, Debug)]
pub struct OllamaChat {
    /// The answer, one `message.content` per line.
    pub pieces: Vec<String>,
    /// `message.thinking` pieces sent before the answer (never answer text).
    pub thinking: Vec<String>,
    /// `None`: left out of the done line (the prompt came from the cache).
    pub prompt_eval_count: Option<u64>,
    pub eval_count: u64,
    pub done_reason: String,
    /// The model echoed back; `None`: the model of the request.
    pub model: Option<String>,
    /// Whether the last line ends with a newline.
    pub final_newline: bool,
    /// How the stream is cut into HTTP chunks: pseudo-random pieces of `1..=max_piece`
    /// bytes from `seed`; `max_piece == 0`: one chunk per line.
    pub seed: u64,
    pub max_piece: usize,
    /// Fields merged into the final object as they are (e.g. a negative `eval_count`).
    pub counts_patch: Option<Value>,
}

impl OllamaChat {
    pub fn new(pieces: &[&str]) -> OllamaChat {
        OllamaChat {
            pieces: pieces.iter().map(|p| p.to_string()).collect(),
            thinking: Vec::new(),
            prompt_eval_count: Some(26),
            eval_count: pieces.len() as u64,
            done_reason: "stop".into(),
            model: None,
            final_newline: true,
            seed: 1,
            max_piece: 9,
            counts_patch: None,
        }
    }

    /// Merge `fields` into the `done: true` object, e.g. `json!({"eval_count": -5})`.
    pub fn counts_patch(mut self, fields: Value) -> Self {
        self.counts_patch = Some(fields);
        self
    }

    pub fn counts(mut self, prompt_eval_count: u64, eval_count: u64) -> Self {
        self.prompt_eval_count = Some(prompt_eval_count);
        self.eval_count = eval_count;
        self
    }

    /// The prompt was fully cached: Ollama leaves `prompt_eval_count` out.
    pub fn cached_prompt(mut self) -> Self {
        self.prompt_eval_count = None;
        self
    }

    pub fn thinking(mut self, pieces: &[&str]) -> Self {
        self.thinking = pieces.iter().map(|p| p.to_string()).collect();
        self
    }

    pub fn model(mut self, model: &str) -> Self {
        self.model = Some(model.to_string());
        self
    }

    pub fn done_reason(mut self, reason: &str) -> Self {
        self.done_reason = reason.to_string();
        self
    }

    pub fn without_final_newline(mut self) -> Self {
        self.final_newline = false;
        self
    }

    pub fn split(mut self, seed: u64, max: usize) -> Self {
        self.seed = seed;
        self.max_piece = max;
        self
    }

    pub fn text(&self) -> String {
        self.pieces.concat()
    }

    /// What `byok run --json` must report as `usage`.
    pub fn expected_usage(&self) -> Value {
        json!({
            "input_tokens": self.prompt_eval_count.unwrap_or(0),
            "output_tokens": self.eval_count,
            "cached_input_tokens": 0,
            "cache_write_tokens": 0,
            "reasoning_tokens": 0,
        })
    }

    fn echoed_model(&self, requested: &str) -> String {
        self.model.clone().unwrap_or_else(|| requested.to_string())
    }

    /// The timing and count fields of the final object.
    fn stats(&self, v: &mut Value) {
        v["done_reason"] = json!(self.done_reason);
        v["total_duration"] = json!(4_883_583_458u64);
        v["load_duration"] = json!(1_334_875u64);
        if let Some(n) = self.prompt_eval_count {
            v["prompt_eval_count"] = json!(n);
        }
        v["prompt_eval_duration"] = json!(130_079_000u64);
        v["eval_count"] = json!(self.eval_count);
        v["eval_duration"] = json!(4_709_213_000u64);
        if let Some(Value::Object(patch)) = &self.counts_patch {
            for (k, val) in patch {
                v[k] = val.clone();
            }
        }
    }

    /// Every line of the stream, in order, the `done: true` line last.
    pub fn lines(&self, requested_model: &str) -> Vec<Value> {
        let model = self.echoed_model(requested_model);
        let line = |i: usize, message: Value| {
            json!({
                "model": model,
                "created_at": format!("2025-06-01T10:00:{:02}.{:06}Z", i / 10, (i % 10) * 100_000),
                "message": message,
                "done": false,
            })
        };
        let mut out = Vec::new();
        for t in &self.thinking {
            out.push(line(
                out.len(),
                json!({"role": "assistant", "content": "", "thinking": t}),
            ));
        }
        for p in &self.pieces {
            out.push(line(out.len(), json!({"role": "assistant", "content": p})));
        }
        let mut last = line(out.len(), json!({"role": "assistant", "content": ""}));
        last["done"] = json!(true);
        self.stats(&mut last);
        out.push(last);
        out
    }

    /// Each line as bytes with its newline (the last one without, if so configured).
    pub fn line_bytes(&self, requested_model: &str) -> Vec<Vec<u8>> {
        let lines = self.lines(requested_model);
        let n = lines.len();
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut b = l.to_string().into_bytes();
                if i + 1 < n || self.final_newline {
                    b.push(b'\n');
                }
                b
            })
            .collect()
    }

    /// The whole NDJSON body.
    pub fn ndjson(&self, requested_model: &str) -> Vec<u8> {
        self.line_bytes(requested_model).concat()
    }

    pub fn stream_reply(&self, requested_model: &str) -> Reply {
        let pieces = if self.max_piece == 0 {
            self.line_bytes(requested_model)
        } else {
            Reply::split_random(&self.ndjson(requested_model), self.seed, self.max_piece)
        };
        Reply::stream(200, NDJSON, pieces)
    }

    /// The `stream: false` answer.
    pub fn completion(&self, requested_model: &str) -> Value {
        let mut message = json!({"role": "assistant", "content": self.text()});
        if !self.thinking.is_empty() {
            message["thinking"] = json!(self.thinking.concat());
        }
        let mut v = json!({
            "model": self.echoed_model(requested_model),
            "created_at": "2025-06-01T10:00:05.000000Z",
            "message": message,
            "done": true,
        });
        self.stats(&mut v);
        v
    }

    /// Streamed unless the request body says `"stream": false` (Ollama's default).
    pub fn reply_to(&self, req: &Request) -> Reply {
        let body = req.body_json();
        let model = body.get("model").and_then(Value::as_str).unwrap_or("");
        if body.get("stream").and_then(Value::as_bool) == Some(false) {
            Reply::json(200, self.completion(model))
        } else {
            self.stream_reply(model)
        }
    }

    /// A server answering `POST /api/chat` with this answer and `GET /api/tags` with a
    /// small model list (under any prefix, so it can share a server with others).
    pub fn server(self) -> FakeServer {
        FakeServer::start(move |req| {
            let path = req.path_only();
            if req.method == "POST" && path.ends_with("/api/chat") {
                self.reply_to(req)
            } else if path.ends_with("/api/tags") {
                tags(&["llama3.2:3b", "qwen3:4b"])
            } else {
                Reply::text(404, "404 page not found")
            }
        })
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

/// `chat`'s first `after_pieces` answer lines (thinking lines first), then an error line;
/// the body then ends normally. One HTTP chunk per line.
pub fn stream_then_error(
    chat: &OllamaChat,
    requested_model: &str,
    after_pieces: usize,
    message: &str,
) -> Reply {
    let lines = chat.line_bytes(requested_model);
    let keep = (chat.thinking.len() + after_pieces).min(lines.len() - 1);
    let mut pieces: Vec<Vec<u8>> = lines[..keep].to_vec();
    let mut err = error_line(message).to_string().into_bytes();
    err.push(b'\n');
    pieces.push(err);
    Reply::stream(200, NDJSON, pieces)
}

/// `chat`'s first `n` lines, then the connection drops mid-body (no `done` line).
pub fn cut_stream(chat: &OllamaChat, requested_model: &str, n: usize) -> Reply {
    Reply::stream(200, NDJSON, chat.line_bytes(requested_model)).cut_after(n)
}

/// `chat`'s first `n` lines, then the body ends cleanly but without a `done` line.
pub fn ends_without_done(chat: &OllamaChat, requested_model: &str, n: usize) -> Reply {
    let lines = chat.line_bytes(requested_model);
    Reply::stream(200, NDJSON, lines[..n.min(lines.len() - 1)].to_vec())
}
