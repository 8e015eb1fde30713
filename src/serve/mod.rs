//! `byok serve` and `byok exec --proxy` (README "Give a tool your keys without giving it
//! your keys"; docs/architecture.md, "serve"): a loopback HTTP server that speaks the
//! OpenAI and Anthropic APIs to local tools and calls providers through the same walk as
//! `run` (allowlist, key, budget reservation, health, retries, fallback), so the tools
//! never hold a real key.
//!
//! Threads: the walk's futures are not `Send` (a `Walker` keeps `RefCell`s and borrows a
//! SQLite connection), so instead of one multi-thread runtime serve runs a few worker
//! threads, each with its own current-thread runtime, `LocalSet`, ledger connection and
//! HTTP client; an acceptor thread hands each connection to the next worker. The keys
//! (unlocked once), the profile, the prices and the guard are shared, read-only.

mod auth;
mod forward;
mod handle;
pub mod listen;
mod log;
mod naming;
mod reply;
pub mod state;
mod translate;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::guard::{Guard, Policy};
use crate::http::Timeouts;
use crate::keys::Keys;
use crate::paths::Paths;
use crate::prices::PriceTable;
use crate::profile::LoadedProfile;
pub use auth::Token;
use listen::Bound;
pub use listen::Listen;

/// How long in-flight calls may finish after a stop before they are cancelled.
pub const DRAIN: Duration = Duration::from_secs(10);

/// The most a request body may hold.
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// Whose the calls are, for the ledger's `client` column.
#[derive(Clone, Debug)]
pub enum ClientName {
    /// `--client NAME`, or the command `exec --proxy` runs.
    Fixed(String),
    /// The product of the request's `User-Agent` (`OpenAI/Python 1.54` → `OpenAI`), else
    /// `serve`.
    FromUserAgent,
}

/// What every worker shares, read-only.
pub struct Shared {
    pub paths: Paths,
    pub loaded: LoadedProfile,
    pub keys: Keys,
    pub prices: PriceTable,
    /// The outbound guard for each policy a call may fall under.
    pub guards: Vec<(Policy, Guard)>,
    pub token: Token,
    pub route: Option<String>,
    pub client: ClientName,
    /// No request log.
    pub quiet: bool,
    /// The request log only under `-v` (`exec --proxy`, whose stderr is the command's).
    pub verbose_log: bool,
    pub timeouts: Timeouts,
}

impl Shared {
    fn guard(&self, policy: Policy) -> Option<&Guard> {
        self.guards
            .iter()
            .find(|(p, _)| *p == policy)
            .map(|(_, g)| g)
    }
}

/// A running server.
pub struct Server {
    bound_url: String,
    token: String,
    stop: CancellationToken,
    stopped: Arc<tokio::sync::Notify>,
    thread: Option<std::thread::JoinHandle<()>>,
    _state: Option<Arc<state::StateFile>>,
    #[cfg(unix)]
    socket: Option<std::path::PathBuf>,
}

/// A connection, handed from the acceptor to a worker.
enum Conn {
    Tcp(std::net::TcpStream),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4)
}

impl Server {
    /// Binds `listen` and starts accepting. `record` writes the running-state file for
    /// `byok status`.
    pub fn start(shared: Shared, listen: &Listen, record: bool) -> Result<Server> {
        let bound = listen::bind(listen)?;
        // Every worker needs a ledger it can write; one that cannot be opened under a
        // budget stops serve here, before anything is accepted.
        crate::policy::open_ledger(&shared.paths, &shared.loaded.profile, &mut |w| {
            crate::output::stderr_line(&format!("warning: {w}"))
        })?;
        let state = if record {
            Some(Arc::new(state::StateFile::create(
                &shared.paths,
                bound.describe(),
            )?))
        } else {
            None
        };
        let hosts = auth::allowed_hosts(bound.tcp_addr());
        let bound_url = bound.base_url();
        let token = shared.token.as_str().to_string();
        #[cfg(unix)]
        let socket = match &bound {
            Bound::Unix(_, p) => Some(p.clone()),
            _ => None,
        };
        let stop = CancellationToken::new();
        let stopped = Arc::new(tokio::sync::Notify::new());
        let shared = Arc::new(shared);
        let ctx = Arc::new(handle::Ctx {
            shared,
            hosts,
            state: state.clone(),
        });
        let thread_stop = stop.clone();
        let thread_stopped = stopped.clone();
        let thread = std::thread::Builder::new()
            .name("byok-serve".into())
            .spawn(move || {
                accept(bound, ctx, thread_stop);
                thread_stopped.notify_one();
            })
            .map_err(|e| Error::Internal(format!("could not start the server thread: {e}")))?;
        Ok(Server {
            bound_url,
            token,
            stop,
            stopped,
            thread: Some(thread),
            _state: state,
            #[cfg(unix)]
            socket,
        })
    }

    /// The `export …` lines of README "Give a tool your keys without giving it your keys".
    pub fn exports(&self) -> String {
        self.variables()
            .iter()
            .map(|(name, value)| format!("export {name}={value}\n"))
            .collect()
    }

    /// The variables a tool needs to use this server: the two SDKs' base URLs and keys
    /// (the token), and `BYOK_SERVE_URL` (`unix:PATH` on a socket).
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        let base = &self.bound_url;
        let serve_url = match &self.socket {
            #[cfg(unix)]
            Some(p) => format!("unix:{}", p.display()),
            _ => base.clone(),
        };
        vec![
            ("OPENAI_BASE_URL", format!("{base}/v1")),
            ("OPENAI_API_KEY", self.token.clone()),
            ("ANTHROPIC_BASE_URL", base.clone()),
            ("ANTHROPIC_API_KEY", self.token.clone()),
            ("BYOK_SERVE_URL", serve_url),
        ]
    }

    /// The variables a child of `exec --proxy` gets: [`Server::variables`], and
    /// `OPENAI_API_BASE` for the tools that still read the older name.
    pub fn child_env(&self) -> Vec<(&'static str, String)> {
        let mut vars = self.variables();
        vars.push(("OPENAI_API_BASE", format!("{}/v1", self.bound_url)));
        vars
    }

    /// Resolves if the server stopped by itself (it cannot accept any more).
    pub async fn died(&self) {
        self.stopped.notified().await
    }

    /// Stops accepting, lets in-flight calls finish (up to [`DRAIN`], then cancels them,
    /// settling what they used), and waits for the workers.
    pub fn stop(mut self) {
        self.stop.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        #[cfg(unix)]
        if let Some(p) = &self.socket {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// The acceptor: hands each connection to the next worker until `stop`, then waits for
/// the workers to drain.
fn accept(bound: Bound, ctx: Arc<handle::Ctx>, stop: CancellationToken) {
    let hard = CancellationToken::new();
    let mut senders = Vec::new();
    let mut threads = Vec::new();
    for i in 0..workers() {
        let (tx, rx) = mpsc::unbounded_channel::<Conn>();
        senders.push(tx);
        let ctx = ctx.clone();
        let stop = stop.clone();
        let hard = hard.clone();
        match std::thread::Builder::new()
            .name(format!("byok-serve-{i}"))
            .spawn(move || handle::worker(ctx, rx, stop, hard))
        {
            Ok(t) => threads.push(t),
            Err(e) => {
                crate::output::stderr_line(&format!("byok serve: a worker did not start: {e}"))
            }
        }
    }
    let rt = crate::http::runtime();
    rt.block_on(async {
        let mut next = 0usize;
        let mut hand = |conn: Conn| {
            let n = senders.len();
            let mut conn = Some(conn);
            for k in 0..n {
                let i = (next + k) % n;
                // A worker that died cannot take connections; the next one does.
                match senders[i].send(conn.take().expect("a connection to hand")) {
                    Ok(()) => break,
                    Err(e) => conn = Some(e.0),
                }
            }
            next = next.wrapping_add(1);
        };
        match bound {
            Bound::Tcp(l, _) => {
                let Ok(l) = tokio::net::TcpListener::from_std(l) else {
                    return;
                };
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        a = l.accept() => match a {
                            Ok((s, _)) => {
                                let _ = s.set_nodelay(true);
                                if let Ok(s) = s.into_std() {
                                    hand(Conn::Tcp(s));
                                }
                            }
                            Err(e) => {
                                crate::output::verbose(&format!("accept: {e}"));
                                tokio::time::sleep(Duration::from_millis(10)).await;
                            }
                        },
                    }
                }
            }
            #[cfg(unix)]
            Bound::Unix(l, _) => {
                let Ok(l) = tokio::net::UnixListener::from_std(l) else {
                    return;
                };
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        a = l.accept() => match a {
                            Ok((s, _)) => {
                                if let Ok(s) = s.into_std() {
                                    hand(Conn::Unix(s));
                                }
                            }
                            Err(e) => {
                                crate::output::verbose(&format!("accept: {e}"));
                                tokio::time::sleep(Duration::from_millis(10)).await;
                            }
                        },
                    }
                }
            }
        }
    });
    drop(senders);
    // The workers drain; past the limit, what is still running is cancelled (and settled).
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let waiter = std::thread::spawn(move || {
        for t in threads {
            let _ = t.join();
        }
        let _ = done_tx.send(());
    });
    if done_rx.recv_timeout(DRAIN).is_err() {
        hard.cancel();
        let _ = done_rx.recv();
    }
    let _ = waiter.join();
}
