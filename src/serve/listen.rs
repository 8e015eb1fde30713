//! Where `serve` listens: a loopback address (any other is refused) or a unix socket
//! only its owner can use (0600).

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Where to listen, as asked.
#[derive(Clone, Debug)]
pub enum Listen {
    Tcp(SocketAddr),
    #[cfg(unix)]
    Unix(PathBuf),
}

impl Listen {
    /// `--listen HOST:PORT`: loopback only (`localhost` is 127.0.0.1).
    pub fn tcp(spec: &str) -> Result<Listen> {
        let spec = spec.trim();
        let addr: Option<SocketAddr> = match spec.strip_prefix("localhost:") {
            Some(port) => port
                .parse::<u16>()
                .ok()
                .map(|p| SocketAddr::from(([127, 0, 0, 1], p))),
            None => spec.parse().ok(),
        };
        match addr {
            Some(a) if a.ip().is_loopback() => Ok(Listen::Tcp(a)),
            Some(a) => Err(Error::Usage(format!(
                "byok serve listens on loopback only, not {}: anyone who can reach it could spend your keys. Use --listen 127.0.0.1:{} (or --socket PATH)",
                a.ip(),
                a.port()
            ))),
            None => Err(Error::Usage(format!(
                "`{spec}` is not an address to listen on: use --listen 127.0.0.1:PORT (0 picks a free port)"
            ))),
        }
    }
}

/// A bound listener, ready to accept.
pub enum Bound {
    Tcp(std::net::TcpListener, SocketAddr),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixListener, PathBuf),
}

impl Bound {
    /// The `http://…` base of a TCP listener (a unix socket's clients use `localhost`).
    pub fn base_url(&self) -> String {
        match self {
            Bound::Tcp(_, addr) => format!("http://{addr}"),
            #[cfg(unix)]
            Bound::Unix(..) => "http://localhost".into(),
        }
    }

    /// The address as `status` shows it.
    pub fn describe(&self) -> String {
        match self {
            Bound::Tcp(_, addr) => addr.to_string(),
            #[cfg(unix)]
            Bound::Unix(_, path) => format!("unix:{}", path.display()),
        }
    }

    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        match self {
            Bound::Tcp(_, addr) => Some(*addr),
            #[cfg(unix)]
            Bound::Unix(..) => None,
        }
    }
}

pub fn bind(listen: &Listen) -> Result<Bound> {
    match listen {
        Listen::Tcp(addr) => {
            let l = std::net::TcpListener::bind(addr).map_err(|e| {
                Error::Usage(format!(
                    "byok serve could not listen on {addr}: {e}; choose another port with --listen 127.0.0.1:PORT"
                ))
            })?;
            l.set_nonblocking(true)
                .map_err(|e| Error::Internal(format!("listener: {e}")))?;
            let addr = l
                .local_addr()
                .map_err(|e| Error::Internal(format!("listener: {e}")))?;
            Ok(Bound::Tcp(l, addr))
        }
        #[cfg(unix)]
        Listen::Unix(path) => {
            use std::os::unix::fs::PermissionsExt;
            if path.exists() {
                return Err(Error::Usage(format!(
                    "{} already exists; remove it (if no serve uses it) or choose another --socket",
                    path.display()
                )));
            }
            // The socket is made under a umask that leaves it to its owner alone, then
            // set to 0600 explicitly.
            let old = unsafe { libc::umask(0o177) };
            let bound = std::os::unix::net::UnixListener::bind(path);
            unsafe { libc::umask(old) };
            let l = bound.map_err(|e| Error::io("listen on", path.clone(), e))?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| Error::io("set permissions on", path.clone(), e))?;
            l.set_nonblocking(true)
                .map_err(|e| Error::Internal(format!("listener: {e}")))?;
            Ok(Bound::Unix(l, path.clone()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_is_accepted() {
        assert!(Listen::tcp("127.0.0.1:0").is_ok());
        assert!(Listen::tcp("[::1]:8080").is_ok());
        assert!(Listen::tcp("localhost:9000").is_ok());
        assert!(Listen::tcp("0.0.0.0:8080").is_err());
        assert!(Listen::tcp("192.168.1.2:8080").is_err());
        assert!(Listen::tcp("nonsense").is_err());
    }
}
