//! Who may talk to `serve` (README "Give a tool your keys without giving it your keys"):
//! the token of this process, compared in constant time, and the `Host` and `Origin`
//! checks that keep web pages out (DNS rebinding, cross-site requests). No CORS.

use hyper::HeaderMap;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// A random 256-bit token, written as 64 hex digits after `byok-`: what a client sends
/// instead of a provider key.
pub struct Token(Zeroizing<String>);

impl Token {
    pub fn new() -> Result<Token> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut bytes[..])
            .map_err(|e| Error::Internal(format!("no random numbers for the serve token: {e}")))?;
        let mut text = Zeroizing::new(String::with_capacity(69));
        text.push_str(crate::vocab::SERVE_TOKEN_PREFIX);
        for b in bytes.iter() {
            text.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            text.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        }
        Ok(Token(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `given` is the token, in time that depends only on its length (which is
    /// no secret).
    pub fn matches(&self, given: &[u8]) -> bool {
        let want = self.0.as_bytes();
        if given.len() != want.len() {
            return false;
        }
        let diff = want
            .iter()
            .zip(given)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(diff) == 0
    }
}

/// Why a request was turned away before anything else was looked at.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// 403: a web page sent it.
    Origin,
    /// 403: addressed to another name (DNS rebinding).
    Host(String),
    /// 401: no token, or the wrong one.
    Token,
}

impl Refused {
    pub fn status(&self) -> u16 {
        match self {
            Refused::Token => 401,
            Refused::Origin | Refused::Host(_) => 403,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refused::Origin => "byok serve refuses requests that carry an Origin header (a web page's): it answers local programs only, and has no CORS".into(),
            Refused::Host(host) => format!(
                "byok serve refuses Host `{host}`: send requests to the address it printed (or localhost)"
            ),
            Refused::Token => "the API key is not this byok serve's token: use the OPENAI_API_KEY / ANTHROPIC_API_KEY that `byok serve` printed (as `Authorization: Bearer` or `x-api-key`)".into(),
        }
    }
}

/// The Host values a request may carry: the listen address and `localhost` (with the
/// port, or without). `None`: a unix socket, which no web page can reach.
pub fn allowed_hosts(addr: Option<std::net::SocketAddr>) -> Option<Vec<String>> {
    let addr = addr?;
    let port = addr.port();
    let mut hosts = vec![
        addr.to_string(),
        format!("localhost:{port}"),
        "localhost".to_string(),
    ];
    if addr.ip().is_ipv4() {
        hosts.push(addr.ip().to_string());
    } else {
        hosts.push(format!("[{}]", addr.ip()));
    }
    Some(hosts)
}

/// The checks every request passes first: no `Origin`, an allowed `Host`, the token.
pub fn check(
    headers: &HeaderMap,
    token: &Token,
    hosts: Option<&[String]>,
) -> std::result::Result<(), Refused> {
    if headers.contains_key(hyper::header::ORIGIN) {
        return Err(Refused::Origin);
    }
    if let Some(hosts) = hosts {
        let host = headers
            .get(hyper::header::HOST)
            .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned())
            .unwrap_or_default();
        if !hosts.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
            return Err(Refused::Host(host));
        }
    }
    let bearer = headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "));
    let api_key = headers.get("x-api-key").map(|v| v.as_bytes());
    match bearer.or(api_key) {
        Some(given) if token.matches(given) => Ok(()),
        _ => Err(Refused::Token),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let a = Token::new().unwrap();
        let b = Token::new().unwrap();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.as_str().len(), 69);
        assert!(a.matches(a.as_str().as_bytes()));
        assert!(!a.matches(b.as_str().as_bytes()));
        assert!(!a.matches(&a.as_str().as_bytes()[..68]));
    }

    #[test]
    fn origin_host_and_token_are_checked_in_that_order() {
        let t = Token::new().unwrap();
        let hosts = allowed_hosts(Some("127.0.0.1:4000".parse().unwrap())).unwrap();
        let mut h = HeaderMap::new();
        h.insert("host", "127.0.0.1:4000".parse().unwrap());
        assert_eq!(check(&h, &t, Some(&hosts)), Err(Refused::Token));
        h.insert("x-api-key", t.as_str().parse().unwrap());
        assert_eq!(check(&h, &t, Some(&hosts)), Ok(()));
        h.insert("host", "localhost:4000".parse().unwrap());
        assert_eq!(check(&h, &t, Some(&hosts)), Ok(()));
        h.insert("host", "evil.example:4000".parse().unwrap());
        assert!(matches!(check(&h, &t, Some(&hosts)), Err(Refused::Host(_))));
        assert_eq!(check(&h, &t, None), Ok(()));
        h.insert("origin", "http://localhost:4000".parse().unwrap());
        assert_eq!(check(&h, &t, None), Err(Refused::Origin));
    }
}
