//! One fake server impersonating every provider's verification probe, each under its own
//! path prefix, answering in that provider's real shapes. Which answer a key gets depends
//! on the key: `…good…` works, `…nocredit…` is out of credit, `…boom…` always gets the
//! provider's server error (5xx, Anthropic's 529), `…flaky…` gets that server error on the
//! first request to each path and works afterwards, and any other key is rejected with the
//! provider's own invalid-key body (which, like OpenAI's, quotes the key back, so
//! redaction is tested too).

use std::collections::HashSet;
use std::sync::Mutex;

use serde_json::json;

use super::byok::Home;
use super::fake::{FakeServer, Reply, Request};

pub const GOOD_KEY: &str = "sk-good-0123456789abcdefABCDEF";
pub const GOOD_KEY_2: &str = "sk-good-second-9876543210zyxwvu";
pub const BAD_KEY: &str = "sk-bad-0123456789abcdefBADBAD";
pub const NO_CREDIT_KEY: &str = "sk-nocredit-0123456789abcdef";
pub const BOOM_KEY: &str = "sk-boom-0123456789abcdefBOOM";
pub const FLAKY_KEY: &str = "sk-flaky-0123456789abcdefFLAKY";

pub fn start() -> FakeServer {
    // The paths a flaky key has already failed on.
    let failed_once = Mutex::new(HashSet::new());
    FakeServer::start(move |req| route(req, &failed_once))
}

/// One request answered as [`start`]'s server answers it (a `…flaky…` key fails every
/// time here), for a server of a test's own that serves more than the probes.
pub fn reply(req: &Request) -> Reply {
    route(req, &Mutex::new(HashSet::new()))
}

/// Points every keyed provider of `home` at the fake.
pub fn point_all(home: &mut Home, url: &str) {
    home.env("BYOK_OPENAI_BASE_URL", &format!("{url}/openai/v1"))
        .env("BYOK_MISTRAL_BASE_URL", &format!("{url}/mistral/v1"))
        .env(
            "BYOK_OPENROUTER_BASE_URL",
            &format!("{url}/openrouter/api/v1"),
        )
        .env("BYOK_ANTHROPIC_BASE_URL", &format!("{url}/anthropic"))
        .env("BYOK_GEMINI_BASE_URL", &format!("{url}/gemini/v1beta"))
        .env("BYOK_GROQ_BASE_URL", &format!("{url}/groq/openai/v1"))
        .env("BYOK_OLLAMA_BASE_URL", &format!("{url}/ollama"));
}

fn route(req: &Request, failed_once: &Mutex<HashSet<String>>) -> Reply {
    let path = req.path_only();
    // Each provider's key in its own header only, so a key sent the wrong way is bad.
    let key = match path {
        "/anthropic/v1/models" => req.header("x-api-key"),
        "/gemini/v1beta/models" => req.header("x-goog-api-key"),
        _ => req
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer ")),
    }
    .unwrap_or("")
    .to_string();
    let mut kind = kind(&key);
    if kind == "flaky" {
        let first = failed_once.lock().unwrap().insert(path.to_string());
        kind = if first { "boom" } else { "good" };
    }
    match path {
        "/openai/v1/models" | "/groq/openai/v1/models" => openai(kind, &key),
        "/mistral/v1/models" => mistral(kind),
        "/openrouter/api/v1/key" => openrouter(kind),
        // Public: OpenRouter lists its models to anyone, key or not.
        "/openrouter/api/v1/models" => Reply::json(
            200,
            json!({"data": [{"id": "openai/gpt-4o-mini"}, {"id": "meta-llama/llama-3.3-70b-instruct"}]}),
        ),
        "/anthropic/v1/models" => anthropic(req, kind),
        "/gemini/v1beta/models" => gemini(req, kind),
        "/ollama/api/tags" => Reply::json(
            200,
            json!({"models": [{"name": "llama3.2:latest"}, {"name": "qwen3:4b"}]}),
        ),
        _ => Reply::json(
            404,
            json!({"error": {"message": format!("no route {path}"), "type": "invalid_request_error"}}),
        ),
    }
}

fn kind(key: &str) -> &'static str {
    if key.contains("good") {
        "good"
    } else if key.contains("nocredit") {
        "nocredit"
    } else if key.contains("boom") {
        "boom"
    } else if key.contains("flaky") {
        "flaky"
    } else {
        "bad"
    }
}

fn models(ids: &[&str]) -> Vec<serde_json::Value> {
    ids.iter()
        .map(|id| json!({"id": id, "object": "model", "created": 1700000000, "owned_by": "system"}))
        .collect()
}

fn openai(kind: &str, key: &str) -> Reply {
    match kind {
        "good" => Reply::json(
            200,
            json!({"object": "list", "data": models(&["gpt-4o", "gpt-4o-mini", "o3"])}),
        ),
        "nocredit" => Reply::json(
            429,
            json!({"error": {"message": "You exceeded your current quota, please check your plan and billing details.", "type": "insufficient_quota", "param": null, "code": "insufficient_quota"}}),
        ),
        "boom" => Reply::json(
            500,
            json!({"error": {"message": "The server had an error while processing your request.", "type": "server_error"}}),
        ),
        _ => Reply::json(
            401,
            json!({"error": {"message": format!("Incorrect API key provided: {key}. You can find your API key at https://platform.openai.com/account/api-keys."), "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}),
        ),
    }
}

/// Mistral's 401 has no `error` object.
fn mistral(kind: &str) -> Reply {
    match kind {
        "good" => Reply::json(
            200,
            json!({"object": "list", "data": models(&["mistral-small-latest", "mistral-large-latest"])}),
        ),
        "boom" => Reply::json(
            503,
            json!({"message": "Service unavailable", "request_id": "9c1f0f"}),
        ),
        _ => Reply::json(
            401,
            json!({"message": "Unauthorized", "request_id": "9c1f0e"}),
        ),
    }
}

fn openrouter(kind: &str) -> Reply {
    match kind {
        "good" => Reply::json(
            200,
            json!({"data": {"label": "sk-or-v1-abc...xyz", "limit": 10.0, "limit_remaining": 7.5, "usage": 2.5, "is_free_tier": false}}),
        ),
        "nocredit" => Reply::json(
            402,
            json!({"error": {"message": "Insufficient credits. Add more using https://openrouter.ai/credits", "code": 402}}),
        ),
        "boom" => Reply::json(
            502,
            json!({"error": {"message": "Provider returned error", "code": 502}}),
        ),
        _ => Reply::json(
            401,
            json!({"error": {"message": "No auth credentials found", "code": 401}}),
        ),
    }
}

/// Anthropic: `x-api-key` and `anthropic-version` are required; the list is paged.
fn anthropic(req: &Request, kind: &str) -> Reply {
    if req.header("anthropic-version").is_none() {
        return Reply::json(
            400,
            json!({"type": "error", "error": {"type": "invalid_request_error", "message": "anthropic-version: header is required"}}),
        );
    }
    match kind {
        "good" => {
            let second_page = req
                .query()
                .is_some_and(|q| q.contains("after_id=claude-sonnet-4-6"));
            if second_page {
                Reply::json(
                    200,
                    json!({"data": [{"type": "model", "id": "claude-haiku-4-5", "display_name": "Claude Haiku 4.5"}], "has_more": false, "first_id": "claude-haiku-4-5", "last_id": "claude-haiku-4-5"}),
                )
            } else {
                Reply::json(
                    200,
                    json!({"data": [{"type": "model", "id": "claude-opus-4-7"}, {"type": "model", "id": "claude-sonnet-4-6"}], "has_more": true, "first_id": "claude-opus-4-7", "last_id": "claude-sonnet-4-6"}),
                )
            }
        }
        "nocredit" => Reply::json(
            400,
            json!({"type": "error", "error": {"type": "invalid_request_error", "message": "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}),
        ),
        "boom" => Reply::json(
            529,
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        ),
        _ => Reply::json(
            401,
            json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}),
        ),
    }
}

/// Gemini: the key must come in `x-goog-api-key`; a key in the URL is refused here so a
/// regression cannot pass. A bad key is a 400 with reason API_KEY_INVALID.
fn gemini(req: &Request, kind: &str) -> Reply {
    if req.query().is_some_and(|q| q.contains("key=")) {
        return Reply::json(
            418,
            json!({"error": {"message": "the key was sent in the URL"}}),
        );
    }
    match kind {
        "good" => {
            if req.query().is_some_and(|q| q.contains("pageToken=page-2")) {
                Reply::json(200, json!({"models": [{"name": "models/gemini-2.5-pro"}]}))
            } else {
                Reply::json(
                    200,
                    json!({"models": [{"name": "models/gemini-2.5-flash"}, {"name": "models/gemini-2.5-flash-lite"}], "nextPageToken": "page-2"}),
                )
            }
        }
        "boom" => Reply::json(
            503,
            json!({"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}),
        ),
        _ => Reply::json(
            400,
            json!({"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]}}),
        ),
    }
}
