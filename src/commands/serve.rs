//! `byok serve` (README "Give a tool your keys without giving it your keys"): the server
//! is `crate::serve`; this module gathers what it needs (the profile, the keys unlocked
//! once, the guard), prints the `export` lines once it accepts connections, and stops it
//! on SIGINT, SIGTERM or SIGHUP.

use std::io::Write;

use super::Ctx;
use crate::cli::ServeArgs;
use crate::error::{Error, Result};
use crate::guard::Policy;
use crate::keys::Keys;
use crate::serve::{ClientName, Listen, Server, Shared, Token};

pub fn run(ctx: &Ctx, args: ServeArgs) -> Result<()> {
    let listen = match &args.socket {
        #[cfg(unix)]
        Some(path) => Listen::Unix(path.clone()),
        #[cfg(not(unix))]
        Some(_) => return Err(Error::Usage("--socket needs a unix system".into())),
        None => Listen::tcp(args.listen.as_deref().unwrap_or("127.0.0.1:0"))?,
    };
    let client = match args.client {
        Some(name) if !name.trim().is_empty() => ClientName::Fixed(name),
        Some(_) => return Err(Error::Usage("--client needs a name".into())),
        None => ClientName::FromUserAgent,
    };
    let shared = shared(ctx, args.route, client, ctx.ui.quiet, false)?;
    let rt = crate::http::runtime();
    let server = rt.block_on(async {
        // Listening before the lines are printed: a signal right after them stops serve
        // cleanly rather than killing it.
        let mut signals = crate::signals::Signals::listen();
        let server = Server::start(shared, &listen, true)?;
        let ready = if ctx.ui.json {
            ready_json(&server)
        } else {
            server.exports()
        };
        let mut out = std::io::stdout().lock();
        out.write_all(ready.as_bytes())
            .and_then(|_| out.flush())
            .map_err(|e| Error::io("write the export lines to", "standard output", e))?;
        drop(out);
        // stdout carries the export lines only, and then closes: `eval "$(byok serve &)"`
        // reads until it does.
        close_stdout();
        tokio::select! {
            _ = signals.recv() => {}
            _ = server.died() => {}
        }
        Ok::<_, Error>(server)
    })?;
    server.stop();
    Ok(())
}

/// `--json`: what the `export` lines say, as one JSON object on one line (README "JSON
/// output"), with serve's pid, for a harness that would rather parse than `eval`.
fn ready_json(server: &Server) -> String {
    let var = |name: &str| {
        server
            .variables()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    };
    let object = serde_json::json!({
        "openai_base_url": var("OPENAI_BASE_URL"),
        "anthropic_base_url": var("ANTHROPIC_BASE_URL"),
        "serve_url": var("BYOK_SERVE_URL"),
        "token": var("OPENAI_API_KEY"),
        "pid": std::process::id(),
    });
    format!("{object}\n")
}

/// What a server shares across its workers: the profile, the keys (the vault unlocked
/// now, once), the outbound guard for every policy a call may fall under, a new token.
pub(crate) fn shared(
    ctx: &Ctx,
    route: Option<String>,
    client: ClientName,
    quiet: bool,
    verbose_log: bool,
) -> Result<Shared> {
    let loaded = ctx.profile()?.clone();
    if let Some(r) = &route
        && !loaded.profile.routes.contains_key(r)
    {
        return Err(Error::UnknownRoute {
            name: r.clone(),
            profile: loaded.name.clone(),
            known: loaded.profile.routes.keys().cloned().collect(),
        });
    }
    let keys = Keys::new(ctx.paths.clone(), ctx.keyring.clone());
    let mut policies = vec![loaded.profile.guard_policy(None).0];
    for name in loaded.profile.routes.keys() {
        let p = loaded.profile.guard_policy(Some(name)).0;
        if !policies.contains(&p) {
            policies.push(p);
        }
    }
    let mut guards: Vec<(Policy, crate::guard::Guard)> = Vec::new();
    for p in policies {
        guards.push((p, super::guard::build(ctx, &keys, &[], p)?));
    }
    let prices = crate::policy::price_table(&loaded.profile);
    Ok(Shared {
        paths: ctx.paths.clone(),
        loaded,
        keys,
        prices,
        guards,
        token: Token::new()?,
        route,
        client,
        quiet,
        verbose_log,
        timeouts: ctx.timeouts,
    })
}

/// Points stdout at the null device, closing the pipe a caller may be reading to its end.
#[cfg(unix)]
fn close_stdout() {
    use std::os::fd::AsRawFd;
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        // SAFETY: dup2 onto fd 1 with a descriptor we own; stdout was flushed above.
        unsafe { libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO) };
    }
}

#[cfg(not(unix))]
fn close_stdout() {}
