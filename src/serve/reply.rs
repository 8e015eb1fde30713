//! What serve sends back: the response body (whole, or streamed as it arrives) and errors
//! in the shape of the wire the client spoke, OpenAI's `{"error": {…}}` or Anthropic's
//! `{"type": "error", …}`, so each SDK raises its own exception for them.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::Response;
use hyper::body::{Frame, SizeHint};
use serde_json::json;
use tokio::sync::mpsc;

/// The wire a client speaks, by the path it asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientWire {
    /// `POST /v1/chat/completions`, `GET /v1/models`.
    OpenAi,
    /// `POST /v1/messages`.
    Anthropic,
}

impl ClientWire {
    /// The wire of a path (and, for a path serve does not serve, of its headers).
    pub fn of(path: &str, headers: &hyper::HeaderMap) -> ClientWire {
        if path.starts_with("/v1/messages")
            || (!path.starts_with("/v1/chat") && headers.contains_key("anthropic-version"))
        {
            ClientWire::Anthropic
        } else {
            ClientWire::OpenAi
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ClientWire::OpenAi => "openai",
            ClientWire::Anthropic => "anthropic",
        }
    }
}

/// A response body: whole, or the pieces of a stream as they arrive.
pub enum Body {
    Whole(Option<Bytes>),
    Stream(mpsc::UnboundedReceiver<Bytes>),
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Body::Whole(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Body::Stream(rx) => rx.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Whole(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Body::Whole(None) => SizeHint::with_exact(0),
            Body::Stream(_) => SizeHint::default(),
        }
    }
}

/// A whole response.
pub fn whole(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(Body::Whole(Some(body.into())));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

/// A JSON response.
pub fn json(status: u16, value: &serde_json::Value) -> Response<Body> {
    whole(status, "application/json", value.to_string())
}

/// A streamed response whose pieces come through the returned sender.
pub fn stream(content_type: &str) -> (Response<Body>, mpsc::UnboundedSender<Bytes>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut r = Response::new(Body::Stream(rx));
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert(hyper::header::CACHE_CONTROL, "no-cache".parse().unwrap());
    (r, tx)
}

/// The last event of a stream that broke off after its start reached the client, in the
/// client's wire: both SDKs raise on it, where a stream that simply ended would pass for
/// a whole answer.
pub fn stream_error(wire: ClientWire, message: &str) -> Bytes {
    let event = match wire {
        ClientWire::OpenAi => format!(
            "data: {}\n\n",
            json!({"error": {"message": message, "type": "api_error", "code": "stream_cut", "param": null}})
        ),
        ClientWire::Anthropic => format!(
            "event: error\ndata: {}\n\n",
            json!({"type": "error", "error": {"type": "api_error", "message": message}})
        ),
    };
    Bytes::from(event)
}

/// An error in the client's wire shape, with its status.
pub fn error(wire: ClientWire, status: u16, message: &str) -> Response<Body> {
    let body = match wire {
        ClientWire::OpenAi => {
            let (kind, code) = match status {
                401 => ("invalid_request_error", "invalid_api_key"),
                403 => ("permission_error", "forbidden"),
                404 => ("invalid_request_error", "not_found"),
                413 => ("invalid_request_error", "request_too_large"),
                429 => ("rate_limit_error", "budget_exceeded"),
                400..=499 => ("invalid_request_error", "invalid_request"),
                _ => ("api_error", "upstream_failed"),
            };
            json!({"error": {"message": message, "type": kind, "code": code, "param": null}})
        }
        ClientWire::Anthropic => {
            let kind = match status {
                401 => "authentication_error",
                403 => "permission_error",
                404 => "not_found_error",
                413 => "request_too_large",
                429 => "rate_limit_error",
                400..=499 => "invalid_request_error",
                529 => "overloaded_error",
                _ => "api_error",
            };
            json!({"type": "error", "error": {"type": kind, "message": message}})
        }
    };
    let mut r = json(status, &body);
    // byok has retried what it could: an SDK's own retries would only repeat the refusal
    // (a spent budget stays spent). A stopping serve (503) may be asked again.
    if status != 503 {
        r.headers_mut().insert(
            "x-should-retry",
            hyper::header::HeaderValue::from_static("false"),
        );
    }
    r
}
