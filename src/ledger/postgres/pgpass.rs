//! The password file, read as libpq reads it: `PGPASSFILE` or `~/.pgpass`, ignored
//! unless only its owner can read it (0600), one `host:port:database:user:password` per
//! line, `*` matching anything, `\` escaping `:` and `\`. The first matching line wins.

use std::path::PathBuf;

use secrecy::SecretString;

/// What a connection is looked up by.
pub struct Target<'a> {
    pub host: &'a str,
    pub port: u16,
    pub database: &'a str,
    pub user: &'a str,
}

/// The password for `target`, if the file has one.
pub fn lookup(target: &Target) -> Option<SecretString> {
    let path = file()?;
    if !private(&path) {
        crate::output::verbose(&format!(
            "{} is ignored: others can read it (chmod 600 it)",
            path.display()
        ));
        return None;
    }
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(&path).ok()?);
    find(&text, target)
}

fn file() -> Option<PathBuf> {
    match std::env::var_os("PGPASSFILE") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => dirs::home_dir().map(|h| h.join(".pgpass")),
    }
}

#[cfg(unix)]
fn private(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o077 == 0)
}

#[cfg(not(unix))]
fn private(path: &std::path::Path) -> bool {
    path.is_file()
}

/// The first line of `text` matching `target`.
pub fn find(text: &str, target: &Target) -> Option<SecretString> {
    let port = target.port.to_string();
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split(line);
        let [host, p, db, user, password] = fields.as_slice() else {
            continue;
        };
        let host_matches =
            matches(host, target.host) || (host == "localhost" && target.host.starts_with('/'));
        if host_matches
            && matches(p, &port)
            && matches(db, target.database)
            && matches(user, target.user)
        {
            return Some(SecretString::from(password.clone()));
        }
    }
    None
}

fn matches(pattern: &str, value: &str) -> bool {
    pattern == "*" || pattern == value
}

/// Splits on unescaped `:`, undoing `\:` and `\\`; the password is the rest of the line.
fn split(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().expect("one field at least").push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().expect("one field at least").push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn target() -> Target<'static> {
        Target {
            host: "db.example",
            port: 5432,
            database: "byok",
            user: "ci",
        }
    }

    #[test]
    fn the_first_matching_line_wins_with_wildcards_and_escapes() {
        let text = "# comment\nother:5432:byok:ci:nope\n*:5432:byok:ci:p\\:w\\\\d\ndb.example:*:*:*:later\n";
        assert_eq!(find(text, &target()).unwrap().expose_secret(), "p:w\\d");
        assert!(find("db.example:5433:byok:ci:x\n", &target()).is_none());
        assert_eq!(
            find("*:*:*:*:a:b\n", &target()).unwrap().expose_secret(),
            "a:b"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:pw\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(!private(&path));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(private(&path));
    }
}
