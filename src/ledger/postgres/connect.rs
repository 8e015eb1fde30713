//! Connecting to the shared ledger: the URL parsed by the driver, the password from the
//! URL, `PGPASSWORD` or the password file (as libpq looks), and TLS through rustls for
//! any server that is not on this machine (README "One budget for the whole team").

use std::time::Duration;

use postgres::config::{Host, SslMode};
use secrecy::ExposeSecret;

use super::super::location::SharedUrl;
use super::pgpass;

/// How long a connection may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What the URL's `sslmode` asks for (libpq's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tls {
    /// `disable`: plain.
    Off,
    /// `allow`, `prefer`: TLS if the server offers it.
    Prefer,
    /// `require`, `verify-ca`, `verify-full`: TLS or no connection. rustls always verifies
    /// the certificate and the host name, so all three are the strictest.
    Require,
}

/// Opens a connection. Called on the ledger's own thread (see `worker.rs`): the blocking
/// client runs a runtime of its own. The error text never holds the password.
pub fn connect(url: &SharedUrl) -> Result<postgres::Client, String> {
    let (rest, sslmode) = take_sslmode(url.expose());
    let mut config: postgres::Config = rest
        .parse()
        .map_err(|e: postgres::Error| format!("the URL cannot be read: {}", describe(&e)))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config.application_name("byok");
    if config.get_user().is_none() {
        let user = std::env::var("PGUSER")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| crate::ledger::owner::Origin::current().user.clone());
        config.user(&user);
    }
    if config.get_hosts().is_empty() {
        config.host("localhost");
    }
    if config.get_password().is_none()
        && let Some(password) = password(&config)
    {
        config.password(password.expose_secret());
    }
    let local = config.get_hosts().iter().all(is_local);
    let tls = match sslmode.as_deref() {
        Some("disable") => Tls::Off,
        Some("allow" | "prefer") => Tls::Prefer,
        Some("require" | "verify-ca" | "verify-full") => Tls::Require,
        Some(other) => return Err(format!("sslmode={other} is not one libpq knows")),
        // A server on this machine goes without TLS unless asked; any other needs it.
        None if local => Tls::Off,
        None => Tls::Require,
    };
    let connected = match tls {
        Tls::Off => {
            config.ssl_mode(SslMode::Disable);
            config.connect(postgres::NoTls)
        }
        Tls::Prefer | Tls::Require => {
            config.ssl_mode(if tls == Tls::Require {
                SslMode::Require
            } else {
                SslMode::Prefer
            });
            config.connect(rustls_connector()?)
        }
    };
    connected.map_err(|e| describe(&e))
}

/// The password from `PGPASSWORD`, else the password file.
fn password(config: &postgres::Config) -> Option<secrecy::SecretString> {
    if let Ok(p) = std::env::var("PGPASSWORD")
        && !p.is_empty()
    {
        return Some(p.into());
    }
    let host = match config.get_hosts().first()? {
        Host::Tcp(h) => h.clone(),
        #[cfg(unix)]
        Host::Unix(p) => p.display().to_string(),
    };
    let user = config.get_user()?;
    pgpass::lookup(&pgpass::Target {
        host: &host,
        port: config.get_ports().first().copied().unwrap_or(5432),
        database: config.get_dbname().unwrap_or(user),
        user,
    })
}

fn is_local(host: &Host) -> bool {
    match host {
        Host::Tcp(h) => {
            h == "localhost"
                || h.trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    }
}

/// rustls with the ring provider and the platform's certificate verifier, as the
/// provider calls use (`http.rs`).
fn rustls_connector() -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| format!("TLS cannot be set up: {e}"))?
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Removes `sslmode` from the URL's parameters (the driver knows only three of libpq's
/// six values) and returns it.
fn take_sslmode(url: &str) -> (String, Option<String>) {
    let Some((head, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut mode = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.split_once('=') {
            Some(("sslmode", v)) => {
                mode = Some(v.to_ascii_lowercase());
                false
            }
            _ => true,
        })
        .collect();
    if kept.is_empty() {
        (head.to_string(), mode)
    } else {
        (format!("{head}?{}", kept.join("&")), mode)
    }
}

/// A driver error as one line: the server's own message when it sent one.
pub fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_is_taken_out_of_the_url() {
        assert_eq!(
            take_sslmode("postgres://h/db?sslmode=verify-full&application_name=x"),
            (
                "postgres://h/db?application_name=x".to_string(),
                Some("verify-full".into())
            )
        );
        assert_eq!(
            take_sslmode("postgres://h/db?sslmode=disable"),
            ("postgres://h/db".to_string(), Some("disable".into()))
        );
        assert_eq!(take_sslmode("postgres://h/db").1, None);
    }

    #[test]
    fn loopback_and_sockets_are_local() {
        assert!(is_local(&Host::Tcp("127.0.0.1".into())));
        assert!(is_local(&Host::Tcp("[::1]".into())));
        assert!(is_local(&Host::Tcp("localhost".into())));
        assert!(!is_local(&Host::Tcp("db.example".into())));
    }
}
