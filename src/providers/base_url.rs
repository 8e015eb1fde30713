//! Whether a base URL can be used, and whether it names this machine (README
//! "Providers"): the rules that decide where byok may send a key.

/// Why `url` cannot be a base URL, with the base URL probably meant when there is one
/// (README "Providers"): byok sends over http and https only, and a base URL without a
/// scheme (`127.0.0.1:9000/v1`) would otherwise fail as a network error, retried.
/// Without a scheme the URL meant is `http://` for this machine, `https://` otherwise.
pub fn base_url_problem(url: &str) -> Option<(String, Option<String>)> {
    let url = url.trim();
    if url.is_empty() {
        return Some(("it is empty".into(), None));
    }
    // `localhost:9000/v1` parses, as a URL of scheme `localhost`: a scheme is `…://`.
    let Some(slashes) = url.find("://") else {
        return Some((
            "it has no scheme (http:// or https://)".into(),
            Some(meant(url)).filter(|m| base_url_problem(m).is_none()),
        ));
    };
    match reqwest::Url::parse(url) {
        // `http:///v1` parses with the host `v1`.
        Ok(u) if matches!(u.scheme(), "http" | "https") => (u.host_str().is_none()
            || url[slashes + 3..].starts_with('/'))
        .then(|| ("it names no host".into(), None)),
        Ok(u) => Some((
            format!("byok sends over http and https only, not {}", u.scheme()),
            Some(meant(&url[slashes + 3..])).filter(|m| base_url_problem(m).is_none()),
        )),
        Err(e) => Some((format!("it is not a URL ({e})"), None)),
    }
}

/// `host/path` with the scheme it most likely needs: `http://` for loopback (local
/// servers rarely speak TLS), `https://` for anything else.
fn meant(rest: &str) -> String {
    let plain = format!("http://{rest}");
    if is_loopback_url(&plain) {
        plain
    } else {
        format!("https://{rest}")
    }
}

pub(super) fn is_https_url(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| u.scheme() == "https")
}

/// Whether `url` names this machine: 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 or
/// `localhost` (any case, with or without the trailing dot). The host is the URL's real
/// host, so `http://evil.com@127.0.0.1` is loopback while `http://127.0.0.1@evil.com`,
/// `127.0.0.1.evil.com` and `localhost.evil.com` are not.
pub fn is_loopback_url(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let Some(host) = parsed.host_str() else {
        return false;
    };
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<std::net::Ipv6Addr>().is_ok_and(|ip| {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        });
    }
    if let Ok(v4) = host.parse::<std::net::Ipv4Addr>() {
        return v4.is_loopback();
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    name.eq_ignore_ascii_case("localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_detection() {
        assert!(is_loopback_url("http://127.0.0.1:9/v1"));
        assert!(is_loopback_url("http://localhost:11434"));
        assert!(is_loopback_url("http://[::1]:8080/v1"));
        assert!(!is_loopback_url("http://example.com/v1"));
    }

    #[test]
    fn loopback_is_the_real_host_and_nothing_that_only_looks_like_it() {
        for yes in [
            "http://127.0.0.1",
            "http://127.255.255.254:8080/v1",
            "http://127.1/v1",
            "http://LOCALHOST:1234/v1",
            "http://localhost.:1234/v1",
            "http://LocalHost./",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]:9/v1",
            "http://[::ffff:127.9.8.7]/",
            "http://[0:0:0:0:0:0:0:1]/",
            "http://evil.com@127.0.0.1/v1",
            "http://user:pass@localhost:8080",
        ] {
            assert!(is_loopback_url(yes), "{yes}");
        }
        for no in [
            "http://127.0.0.1.evil.com/v1",
            "http://localhost.evil.com/v1",
            "http://127.0.0.1@evil.com/v1",
            "http://localhost@evil.com/",
            "http://evil.com/?x=http://127.0.0.1",
            "http://evil.com/127.0.0.1",
            "http://evil.com#@127.0.0.1",
            "http://128.0.0.1/",
            "http://0.0.0.0:8080/",
            "http://[::]/",
            "http://[::2]/",
            "http://[::ffff:10.0.0.1]/",
            "http://localhostx/",
            "http://xlocalhost/",
            "http://localhost../",
            "127.0.0.1:8080",
            "",
            "not a url",
        ] {
            assert!(!is_loopback_url(no), "{no}");
        }
    }

    #[test]
    fn a_base_url_needs_http_or_https_and_a_host() {
        for good in [
            "https://api.example.com/v1",
            "http://127.0.0.1:9000/v1",
            "HTTPS://API.example.com",
            "http://[::1]:8080",
        ] {
            assert_eq!(base_url_problem(good), None, "{good}");
        }
        let fixed = |url: &str| base_url_problem(url).and_then(|(_, fix)| fix);
        assert_eq!(
            fixed("127.0.0.1:9000/v1").as_deref(),
            Some("http://127.0.0.1:9000/v1")
        );
        assert_eq!(
            fixed("localhost:1234/v1").as_deref(),
            Some("http://localhost:1234/v1")
        );
        assert_eq!(
            fixed("api.example.com/v1").as_deref(),
            Some("https://api.example.com/v1")
        );
        assert_eq!(
            fixed("ftp://api.example.com/v1").as_deref(),
            Some("https://api.example.com/v1")
        );
        let why = |url: &str| base_url_problem(url).unwrap().0;
        assert!(why("api.example.com/v1").contains("no scheme"));
        assert!(why("ws://127.0.0.1/v1").contains("not ws"));
        assert!(why("file:///etc/passwd").contains("not file"));
        assert_eq!(fixed("file:///etc/passwd"), None);
        assert!(why("https://").contains("not a URL"), "{}", why("https://"));
        assert!(why("http:///v1").contains("no host"));
        assert!(why(" ").contains("empty"));
    }
}
