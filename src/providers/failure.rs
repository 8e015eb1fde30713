//! What a provider's failure means: one classification for every wire format, so that
//! verification, retries and exit codes agree (README "Exit codes").
//!
//! What to tell a person about one is in `explain`; how long a server asked to wait, in
//! `retry_after`.

mod explain;
mod retry_after;

use std::time::Duration;

use serde_json::Value;

use crate::error::exit;
use crate::secret::redact;
pub use explain::UsedKey;
pub use retry_after::retry_after;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureClass {
    /// 401, 403, Gemini 400 API_KEY_INVALID: the key is wrong or revoked.
    KeyRejected,
    /// 402, OpenAI 429 insufficient_quota, Anthropic's 400 "credit balance is too low":
    /// the account is out of credit.
    NoCredit,
    /// 429 rate_limit_exceeded and friends: retryable.
    RateLimited,
    /// 503, 529 overloaded_error: retryable.
    Overloaded,
    /// 500, 502, 504: retryable.
    Server,
    /// 404: usually an unknown model or a wrong base URL.
    NotFound,
    /// Any other 4xx: the request itself was refused; not retryable.
    BadRequest,
    /// Could not connect (refused, DNS, TLS).
    Network,
    /// No answer in time.
    Timeout,
    /// The answer stopped half-way.
    StreamCut,
    /// The user (Ctrl-C) or byok itself (a council with its answer) stopped the call.
    Interrupted,
    /// A 3xx: the base URL points at something that redirects. Never followed, because the
    /// key (and the prompt) would go wherever `Location` says.
    Redirected,
}

impl FailureClass {
    pub fn retryable(self) -> bool {
        matches!(
            self,
            FailureClass::RateLimited
                | FailureClass::Overloaded
                | FailureClass::Server
                | FailureClass::Network
                | FailureClass::Timeout
        )
    }

    /// Key problems are exit 4; everything else a provider or network did is exit 6.
    pub fn exit_code(self) -> i32 {
        match self {
            FailureClass::KeyRejected | FailureClass::NoCredit => exit::KEY_REJECTED,
            FailureClass::Interrupted => exit::INTERRUPTED,
            _ => exit::PROVIDER_FAILED,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FailureClass::KeyRejected => "key_rejected",
            FailureClass::NoCredit => "no_credit",
            FailureClass::RateLimited => "rate_limited",
            FailureClass::Overloaded => "overloaded",
            FailureClass::Server => "server_error",
            FailureClass::NotFound => "not_found",
            FailureClass::BadRequest => "bad_request",
            FailureClass::Network => "network",
            FailureClass::Timeout => "timeout",
            FailureClass::StreamCut => "stream_cut",
            FailureClass::Interrupted => "interrupted",
            FailureClass::Redirected => "redirected",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Failure {
    pub class: FailureClass,
    pub status: Option<u16>,
    /// What the provider said, already redacted.
    pub message: String,
    pub retry_after: Option<Duration>,
}

impl Failure {
    /// A failure of `class` saying `message`, with no HTTP status and no wait.
    pub fn new(class: FailureClass, message: impl Into<String>) -> Failure {
        Failure {
            class,
            status: None,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The same failure with the HTTP status it came with (or the one an error object
    /// names).
    pub fn with_status(mut self, status: impl Into<Option<u16>>) -> Failure {
        self.status = status.into();
        self
    }

    /// The same failure with the wait the server asked for.
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Failure {
        self.retry_after = retry_after;
        self
    }

    /// Classifies an HTTP error response. `secrets` are redacted from the message.
    pub fn from_response(
        status: u16,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
        secrets: &[&str],
    ) -> Failure {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let (message, codes) = match &parsed {
            Some(v) => (error_message(v), error_codes(v)),
            None => (String::from_utf8_lossy(body).into_owned(), Vec::new()),
        };
        if (300..400).contains(&status) {
            return Failure::redirected(status, headers, secrets);
        }
        let has_code = |needle: &str| codes.iter().any(|c| c.eq_ignore_ascii_case(needle));
        let class = match status {
            401 | 403 => FailureClass::KeyRejected,
            402 => FailureClass::NoCredit,
            429 if has_code("insufficient_quota") => FailureClass::NoCredit,
            429 => FailureClass::RateLimited,
            // Anthropic says it with a 400 invalid_request_error; only the words tell.
            400 if message
                .to_ascii_lowercase()
                .contains("credit balance is too low") =>
            {
                FailureClass::NoCredit
            }
            400 if has_code("API_KEY_INVALID") || message.contains("API key not valid") => {
                FailureClass::KeyRejected
            }
            404 => FailureClass::NotFound,
            503 | 529 => FailureClass::Overloaded,
            _ if has_code("overloaded_error") => FailureClass::Overloaded,
            500..=599 => FailureClass::Server,
            _ => FailureClass::BadRequest,
        };
        let message = provider_text(&message, secrets);
        let message = if message.is_empty() {
            reason_phrase(status).to_string()
        } else {
            message
        };
        Failure::new(class, message)
            .with_status(status)
            .with_retry_after(retry_after(headers))
    }

    /// A 3xx, with where it pointed (redacted and shortened: it came from the server).
    fn redirected(status: u16, headers: &reqwest::header::HeaderMap, secrets: &[&str]) -> Failure {
        let location = headers
            .get(reqwest::header::LOCATION)
            .map(|l| match l.to_str() {
                Ok(text) => redact(text.trim(), secrets).chars().take(200).collect(),
                Err(_) => "an unreadable Location".to_string(),
            });
        let message = match location {
            Some(l) if !l.is_empty() => {
                format!("pointed to {l}: byok never follows a redirect with a key")
            }
            _ => "pointed nowhere (no Location): byok never follows a redirect with a key".into(),
        };
        Failure::new(FailureClass::Redirected, message).with_status(status)
    }

    /// Classifies a transport error (no HTTP answer at all).
    pub fn from_transport(e: &reqwest::Error) -> Failure {
        let class = if e.is_timeout() {
            FailureClass::Timeout
        } else {
            FailureClass::Network
        };
        let message = if e.is_timeout() {
            "no answer in time".to_string()
        } else {
            root_cause(e)
        };
        Failure::new(class, redact(&message, &[]))
    }

    /// "401: Incorrect API key provided" — the status and what the provider said.
    pub fn describe(&self) -> String {
        match self.status {
            Some(s) => format!("{s} {}: {}", reason_phrase(s), self.message),
            None => self.message.clone(),
        }
    }
}

/// The most of a provider's words printed in one message, in characters.
pub const MAX_PROVIDER_TEXT: usize = 300;

/// Text a provider sent, made fit to print: redacted first (cutting first could leave
/// part of a key too short to recognise), then one paragraph (whitespace and newlines
/// collapsed) of at most [`MAX_PROVIDER_TEXT`] characters.
pub fn provider_text(raw: &str, secrets: &[&str]) -> String {
    let redacted = redact(raw, secrets);
    let mut out = String::new();
    for (count, word) in redacted.split_whitespace().enumerate() {
        if count > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() > MAX_PROVIDER_TEXT * 4 {
            break;
        }
    }
    if out.chars().count() > MAX_PROVIDER_TEXT {
        out = out.chars().take(MAX_PROVIDER_TEXT - 1).collect();
        out.push('…');
    }
    out
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let text = cur.to_string();
    if text.contains("Connection refused") || text.contains("connection refused") {
        "connection refused".into()
    } else {
        text
    }
}

/// The human part of an error body, whichever provider's shape it has: OpenAI and
/// Gemini `{error: {message}}`, Anthropic `{type: error, error: {message}}`, Ollama
/// `{error: "…"}`, Mistral `{message}` / `{detail}`.
fn error_message(v: &Value) -> String {
    let candidates = [
        v.pointer("/error/message"),
        v.get("error").filter(|e| e.is_string()),
        v.get("message"),
        v.get("detail").filter(|d| d.is_string()),
        v.pointer("/detail/0/msg"),
    ];
    candidates
        .into_iter()
        .flatten()
        .find_map(|c| c.as_str())
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Machine-readable codes anywhere they are put: `error.type`, `error.code`,
/// `error.status`, Gemini's `error.details[].reason`, Anthropic's top-level `type`.
fn error_codes(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for ptr in [
        "/error/type",
        "/error/code",
        "/error/status",
        "/type",
        "/code",
    ] {
        if let Some(s) = v.pointer(ptr).and_then(Value::as_str) {
            out.push(s.to_string());
        }
    }
    if let Some(details) = v.pointer("/error/details").and_then(Value::as_array) {
        out.extend(
            details
                .iter()
                .filter_map(|d| d.get("reason").and_then(Value::as_str))
                .map(String::from),
        );
    }
    out
}
/// The reason phrase of an HTTP status ("Too Many Requests"); Anthropic's 529, which
/// no standard names, is "Overloaded".
fn reason_phrase(status: u16) -> &'static str {
    match status {
        529 => "Overloaded",
        _ => reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};
    use serde_json::json;

    fn classify(status: u16, body: Value) -> Failure {
        Failure::from_response(status, &HeaderMap::new(), body.to_string().as_bytes(), &[])
    }

    #[test]
    fn classifies_each_providers_shapes() {
        let openai_401 = classify(
            401,
            json!({"error": {"message": "Incorrect API key provided: sk-abc***wxyz", "type": "invalid_request_error", "code": "invalid_api_key"}}),
        );
        assert_eq!(openai_401.class, FailureClass::KeyRejected);
        assert!(openai_401.message.starts_with("Incorrect API key provided"));
        let quota = classify(
            429,
            json!({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota"}}),
        );
        assert_eq!(quota.class, FailureClass::NoCredit);
        let rate = classify(
            429,
            json!({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}),
        );
        assert_eq!(rate.class, FailureClass::RateLimited);
        let gemini = classify(
            400,
            json!({"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]}}),
        );
        assert_eq!(gemini.class, FailureClass::KeyRejected);
        let anthropic = classify(
            529,
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        );
        assert_eq!(anthropic.class, FailureClass::Overloaded);
        assert!(anthropic.class.retryable());
        let mistral = classify(401, json!({"message": "Unauthorized", "request_id": "abc"}));
        assert_eq!(mistral.message, "Unauthorized");
        let ollama = classify(
            404,
            json!({"error": "model \"llama9\" not found, try pulling it first"}),
        );
        assert_eq!(ollama.class, FailureClass::NotFound);
        assert!(ollama.message.contains("llama9"));
        assert_eq!(
            classify(402, json!({"error": {"message": "Insufficient credits"}})).class,
            FailureClass::NoCredit
        );
        let plain =
            Failure::from_response(502, &HeaderMap::new(), b"<html>bad gateway</html>", &[]);
        assert_eq!(plain.class, FailureClass::Server);
    }

    #[test]
    fn anthropics_credit_balance_400_is_out_of_credit() {
        let f = classify(
            400,
            json!({"type": "error", "error": {"type": "invalid_request_error", "message": "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}),
        );
        assert_eq!(f.class, FailureClass::NoCredit);
        assert!(!f.class.retryable());
        assert_eq!(f.class.exit_code(), exit::KEY_REJECTED);
        let anthropic = super::super::Provider::resolve("anthropic").unwrap();
        let (what, hint) = f.explain(&anthropic, "claude-haiku-4-5", UsedKey::None);
        assert!(what.contains("out of credit"), "{what}");
        assert!(
            hint.starts_with("add credit in the anthropic console"),
            "{hint}"
        );
        // Any other 400 of Anthropic's is still a refused request.
        let other = classify(
            400,
            json!({"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"}}),
        );
        assert_eq!(other.class, FailureClass::BadRequest);
    }

    #[test]
    fn a_redirect_is_reported_with_where_it_pointed_never_followed() {
        let key = "sk-test-0123456789abcdefghij";
        let mut h = HeaderMap::new();
        h.insert(
            "location",
            HeaderValue::from_str(&format!("http://127.0.0.1:9/v1/chat?key={key}")).unwrap(),
        );
        let f = Failure::from_response(307, &h, b"", &[key]);
        assert_eq!(f.class, FailureClass::Redirected);
        assert!(!f.class.retryable());
        assert_eq!(f.class.exit_code(), exit::PROVIDER_FAILED);
        assert!(
            f.message
                .starts_with("pointed to http://127.0.0.1:9/v1/chat?key="),
            "{}",
            f.message
        );
        assert!(!f.message.contains(key), "{}", f.message);
        assert!(
            f.describe().starts_with("307 Temporary Redirect: "),
            "{}",
            f.describe()
        );
        let bare = Failure::from_response(302, &HeaderMap::new(), b"moved", &[]);
        assert_eq!(bare.class, FailureClass::Redirected);
        assert!(bare.message.contains("no Location"), "{}", bare.message);
    }

    #[test]
    fn reason_phrases_are_the_standard_ones_and_529_is_overloaded() {
        assert_eq!(reason_phrase(429), "Too Many Requests");
        assert_eq!(reason_phrase(413), "Payload Too Large");
        assert_eq!(reason_phrase(529), "Overloaded");
        assert_eq!(reason_phrase(599), "error");
        let f = Failure::new(FailureClass::Overloaded, "busy").with_status(529);
        assert_eq!(f.describe(), "529 Overloaded: busy");
        assert_eq!(f.retry_after, None);
    }

    const KEY: &str = "Zq7Vb3Nn8Kd2Lw5Rt9Hm4Xc6Pf1Gj0";

    #[test]
    fn a_key_across_the_cut_is_redacted_whole() {
        // The key, a word of its own, straddles the 300th character of a plain body.
        for at in [280, 290, 295, 299] {
            let body = format!("{} {KEY}{}", "x".repeat(at - 1), " tail".repeat(100));
            let f = Failure::from_response(500, &HeaderMap::new(), body.as_bytes(), &[KEY]);
            for n in 6..=KEY.len() {
                assert!(!f.message.contains(&KEY[..n]), "at {at}: {}", f.message);
            }
            assert!(f.message.chars().count() <= MAX_PROVIDER_TEXT);
        }
    }

    #[test]
    fn an_echoed_part_of_the_key_is_redacted_in_every_body_shape() {
        let middle = &KEY[5..25];
        for body in [
            json!({"error": {"message": format!("Incorrect API key provided: {middle}.")}})
                .to_string(),
            json!({"error": format!("bad key …{middle}…")}).to_string(),
            format!("<html>key {middle} refused</html>"),
        ] {
            let f = Failure::from_response(401, &HeaderMap::new(), body.as_bytes(), &[KEY]);
            assert_eq!(f.class, FailureClass::KeyRejected);
            assert!(!f.message.contains(&middle[..12]), "{}", f.message);
            assert!(!f.message.contains(&middle[8..]), "{}", f.message);
        }
    }

    #[test]
    fn provider_text_is_one_short_paragraph() {
        let body = format!("line one\n\n  line\ttwo\r\n{}", "word ".repeat(10_000));
        let f = Failure::from_response(502, &HeaderMap::new(), body.as_bytes(), &[]);
        assert!(
            f.message.starts_with("line one line two word word"),
            "{}",
            f.message
        );
        assert!(!f.message.contains('\n'));
        assert_eq!(f.message.chars().count(), MAX_PROVIDER_TEXT);
        assert!(f.message.ends_with('…'));
        let blank = Failure::from_response(503, &HeaderMap::new(), b" \n\t ", &[]);
        assert_eq!(blank.message, "Service Unavailable");
    }
}
