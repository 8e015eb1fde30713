//! The HTTP client every provider call goes through: one User-Agent, timeouts from the
//! environment, rustls (no OpenSSL), and `-v` request logging that never shows a header.

use std::time::Duration;

#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// To open the TCP (and TLS) connection.
    pub connect: Duration,
    /// The longest silence while reading an answer.
    pub read: Duration,
    /// The whole of one verification probe.
    pub verify: Duration,
}

impl Timeouts {
    /// Defaults, overridden by BYOK_CONNECT_TIMEOUT, BYOK_READ_TIMEOUT and
    /// BYOK_VERIFY_TIMEOUT (`10`, `2.5s` or `500ms`).
    pub fn from_env() -> Timeouts {
        let get = |var: &str, default: Duration| {
            std::env::var(var)
                .ok()
                .and_then(|v| crate::duration::parse_setting(&v))
                .unwrap_or(default)
        };
        Timeouts {
            connect: get("BYOK_CONNECT_TIMEOUT", Duration::from_secs(10)),
            read: get("BYOK_READ_TIMEOUT", Duration::from_secs(300)),
            verify: get("BYOK_VERIFY_TIMEOUT", Duration::from_secs(15)),
        }
    }
}

pub fn user_agent() -> String {
    format!("byok/{}", env!("CARGO_PKG_VERSION"))
}

/// Builds the client. TLS is set up here, not at start-up, so commands that never reach
/// the network never pay for it.
#[cfg(test)]
pub fn client(t: &Timeouts) -> reqwest::Client {
    client_for(t, [] as [&str; 0])
}

/// Builds a client for calls to these base URLs. Loading the system's root certificates
/// reads a few hundred files (~3 ms), so a client that will only speak plain HTTP (a local
/// model, a loopback test server) gets an empty root store instead: an https URL it was
/// not told about would then fail verification rather than go unchecked. With no URLs
/// given, TLS is always set up.
pub fn client_for<'a>(
    t: &Timeouts,
    base_urls: impl IntoIterator<Item = &'a str>,
) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut urls = base_urls.into_iter().peekable();
    let plain_only = urls.peek().is_some() && urls.all(|u| u.starts_with("http://"));
    let mut builder = reqwest::Client::builder()
        .user_agent(user_agent())
        .connect_timeout(t.connect)
        .read_timeout(t.read)
        // A redirect would carry the key headers (reqwest strips only `Authorization` on a
        // cross-origin hop, not `x-api-key` or `x-goog-api-key`) and, on 307/308, the
        // prompt to whatever host `Location` names: a 3xx is reported, never followed.
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    if plain_only {
        builder = builder.tls_certs_only(std::iter::empty());
    }
    builder
        .build()
        .expect("the HTTP client configuration is valid")
}

/// The most of an error body that is read: enough for any real provider's error, and a
/// server that answers an error with megabytes is not waited for.
pub const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// The first [`ERROR_BODY_LIMIT`] bytes of an error response's body (what arrived, if the
/// body breaks off); the rest is never read.
pub async fn error_body(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < ERROR_BODY_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = ERROR_BODY_LIMIT - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    body
}

/// A single-threaded runtime, built only by commands that do network work: a CLI needs
/// no thread pool, and starting one would cost every invocation.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime always builds")
}

/// A GET of a provider's probe (`providers::verify::get_json`). Its headers carry the
/// key (or sit beside it): every one is marked sensitive.
pub(crate) fn get_request(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> reqwest::RequestBuilder {
    let mut request = client.get(url).timeout(timeout);
    for (name, value) in headers {
        request = secret_header(request, name, "", value);
    }
    request
}

/// Adds a header that carries a key, e.g. `secret_header(r, "authorization", "Bearer ", key)`.
/// The value is assembled in a zeroizing buffer and marked sensitive (reqwest and hyper
/// leave it out of Debug output; HTTP/2 never indexes it in HPACK tables). The copy the
/// `http` crate keeps inside the header value cannot be zeroed: its bytes are immutable.
/// A value that is not a valid header (a key with a control character) sets the
/// builder's error, as `header` does, and the request fails without being sent.
pub fn secret_header(
    request: reqwest::RequestBuilder,
    name: &str,
    prefix: &str,
    secret: &str,
) -> reqwest::RequestBuilder {
    let mut value = zeroize::Zeroizing::new(Vec::with_capacity(prefix.len() + secret.len()));
    value.extend_from_slice(prefix.as_bytes());
    value.extend_from_slice(secret.as_bytes());
    match reqwest::header::HeaderValue::from_bytes(&value) {
        Ok(mut v) => {
            v.set_sensitive(true);
            request.header(name, v)
        }
        Err(_) => request.header(name, &value[..]),
    }
}

#[cfg(test)]
mod secret_header_tests {
    #[test]
    fn key_headers_are_sensitive_and_a_bad_one_fails_the_request() {
        let client = super::client(&super::Timeouts::from_env());
        let built = super::secret_header(
            client.get("http://127.0.0.1:9/"),
            "authorization",
            "Bearer ",
            "sk-test-1",
        )
        .build()
        .unwrap();
        let v = &built.headers()["authorization"];
        assert_eq!(v, "Bearer sk-test-1");
        assert!(v.is_sensitive());
        assert!(!format!("{:?}", built.headers()).contains("sk-test-1"));
        let bad = super::secret_header(client.get("http://127.0.0.1:9/"), "x-api-key", "", "a\nb");
        assert!(bad.build().is_err());
    }

    #[test]
    fn probe_headers_are_sensitive() {
        let client = super::client(&super::Timeouts::from_env());
        let headers = [
            ("x-api-key", "sk-ant-1"),
            ("anthropic-version", "2023-06-01"),
        ];
        let built = super::get_request(
            &client,
            "http://127.0.0.1:9/v1/models",
            &headers,
            std::time::Duration::from_secs(1),
        )
        .build()
        .unwrap();
        assert_eq!(built.headers()["x-api-key"], "sk-ant-1");
        assert!(built.headers()["x-api-key"].is_sensitive());
    }
}
