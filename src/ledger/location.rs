//! Where the ledger lives (README "One budget for the whole team"): the local SQLite file,
//! or a shared PostgreSQL server named by `BYOK_LEDGER_URL` or the profile's
//! `[ledger] url`. Choosing costs nothing: no PostgreSQL code runs without a URL.

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};
use crate::profile::Profile;

/// The variable that names a shared ledger; it wins over the profile.
pub const URL_VARIABLE: &str = "BYOK_LEDGER_URL";

/// A shared ledger's URL: the real one (which may hold a password) kept secret, and the
/// form every message shows.
#[derive(Clone)]
pub struct SharedUrl {
    url: SecretString,
    masked: String,
}

impl std::fmt::Debug for SharedUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked)
    }
}

impl SharedUrl {
    pub fn parse(url: &str) -> Result<SharedUrl> {
        let masked = mask(url);
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(Error::SharedLedgerUnavailable {
                url: masked,
                detail: "a shared ledger URL starts with postgres:// or postgresql://".into(),
            });
        }
        Ok(SharedUrl {
            url: SecretString::from(url.to_string()),
            masked,
        })
    }

    /// The URL with its password, for the driver only.
    pub(crate) fn expose(&self) -> &str {
        self.url.expose_secret()
    }

    /// The URL as shown: `postgres://ci:***@db.example:5432/byok`.
    pub fn masked(&self) -> &str {
        &self.masked
    }

    /// Whether the URL itself holds a password.
    pub fn has_inline_password(&self) -> bool {
        self.masked != self.expose()
    }
}

/// The local file or a shared server.
#[derive(Clone, Debug)]
pub enum Location {
    Local,
    Shared(SharedUrl),
}

impl Location {
    /// `BYOK_LEDGER_URL`, else the profile's `[ledger] url`, else the local file. A
    /// profile URL with a password inline is used, with a warning that suggests `.pgpass`.
    pub fn resolve(profile: Option<&Profile>) -> Result<Location> {
        if let Some(url) = std::env::var(URL_VARIABLE)
            .ok()
            .filter(|u| !u.trim().is_empty())
        {
            return Ok(Location::Shared(SharedUrl::parse(url.trim())?));
        }
        let Some(url) = profile.and_then(|p| p.ledger.url.as_deref()) else {
            return Ok(Location::Local);
        };
        let shared = SharedUrl::parse(url.trim())?;
        if shared.has_inline_password() {
            crate::output::warn_once(&format!(
                "the profile's [ledger] url holds a password ({}); keep it in ~/.pgpass (host:port:database:user:password, mode 0600) or PGPASSWORD instead",
                shared.masked()
            ));
        }
        Ok(Location::Shared(shared))
    }

    /// What `byok status` shows: the file, or the server with the password masked.
    pub fn describe(&self, paths: &crate::paths::Paths) -> String {
        match self {
            Location::Local => paths.ledger().display().to_string(),
            Location::Shared(url) => url.masked().to_string(),
        }
    }
}

/// The URL with any password replaced by `***`: in the user part
/// (`postgres://u:pw@host`) and in a `password=` parameter.
pub fn mask(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(start) = out.find("://").map(|i| i + 3) {
        let end = out[start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| start + i);
        if let Some(at) = out[start..end].rfind('@').map(|i| start + i)
            && let Some(colon) = out[start..at].find(':').map(|i| start + i)
        {
            out.replace_range(colon + 1..at, "***");
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect();
        out = format!("{head}{}", query.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_password_wherever_the_url_holds_it() {
        assert_eq!(
            mask("postgres://ci:s3cr%40t@db:5432/byok"),
            "postgres://ci:***@db:5432/byok"
        );
        assert_eq!(mask("postgres://ci@db/byok"), "postgres://ci@db/byok");
        assert_eq!(
            mask("postgres://db/byok?user=ci&password=pw&sslmode=require"),
            "postgres://db/byok?user=ci&password=***&sslmode=require"
        );
        let u = SharedUrl::parse("postgres://ci:pw@db/byok").unwrap();
        assert!(u.has_inline_password());
        assert!(!format!("{u:?}").contains("pw@"));
        assert!(SharedUrl::parse("mysql://db").is_err());
    }
}
