//! `byok exec [--provider P[/LABEL]]... [--route R] -- COMMAND [ARGS...]`: runs a command
//! with exactly the asked providers' keys in its environment (README "Keys", "Exit codes").
//!
//! What the child gets:
//! - each asked provider's key under its conventional variable: the first name of the
//!   provider's `key_env` (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`, …), or
//!   `<ID>_API_KEY` for a provider that has none (a custom provider without `key_env`,
//!   lmstudio, llamacpp, vllm);
//! - where the user set a base URL (`BYOK_<ID>_BASE_URL` or the profile's `base_url`), that
//!   URL, exactly as byok uses it, under the name the provider's SDKs read:
//!   `OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`, `GEMINI_BASE_URL`, `OLLAMA_HOST`, and
//!   `<ID>_BASE_URL` for every other provider;
//! - `BYOK_EXEC=1`, so a nested `byok exec` is refused.
//!
//! What it does not get: every other key variable of every provider byok knows (so a key
//! exported in the caller's shell does not leak to a command that was not given it), and
//! the vault's own unlock secrets (`BYOK_IDENTITY`, `BYOK_IDENTITY_FILE`,
//! `BYOK_PASSPHRASE`). Keys are never in argv: only in the child's environment.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::process::Command;

use secrecy::ExposeSecret;

use super::Ctx;
use crate::cli::ExecArgs;
use crate::error::{Error, Result, exit};
use crate::keys::{Keys, ResolvedKey};
use crate::output;
use crate::policy::plan::parse_model;
use crate::providers::{KeyNeed, Provider, Registry};

#[cfg(unix)]
mod forward;

/// The variables that hold a vault's unlock secret: never handed to a child.
const UNLOCK_VARS: &[&str] = &["BYOK_IDENTITY", "BYOK_IDENTITY_FILE", "BYOK_PASSPHRASE"];

pub fn run(ctx: &Ctx, args: ExecArgs) -> Result<()> {
    if std::env::var_os("BYOK_EXEC").is_some_and(|v| !v.is_empty()) {
        return Err(Error::ExecNested);
    }
    let Some((program, rest)) = args.command.split_first() else {
        return Err(Error::Usage(
            "byok exec needs a command to run: byok exec --provider openai -- COMMAND [ARGS...]"
                .into(),
        ));
    };
    let name = command_name(program);
    // Messages show the command as it was typed; the ledger only its name.
    let shown = program.to_string_lossy().into_owned();
    let registry = ctx.registry()?;
    if args.proxy {
        return proxy(ctx, &registry, program, rest, &name, &shown, args.route);
    }
    if let Some(label) = &args.key {
        super::check_label(label)?;
    }
    let wanted = wanted_providers(
        ctx,
        &registry,
        &args.providers,
        args.route.as_deref(),
        args.key.as_deref(),
    )?;

    // Every key is found before anything runs: a missing one is an error, not a child
    // that starts without it.
    let keys = Keys::new(ctx.paths.clone(), ctx.keyring.clone());
    let mut handovers = Vec::new();
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for w in &wanted {
        let key = keys.lookup(&w.provider, w.label.as_deref())?;
        if key.is_none() && w.provider.spec.key == KeyNeed::Required {
            return Err(Error::ExecMissingKey {
                command: shown.clone(),
                missing: Box::new(crate::error::MissingKey {
                    provider: w.provider.id().to_string(),
                    route: w.route.clone(),
                    env: w
                        .label
                        .is_none()
                        .then(|| w.provider.spec.key_env.first().map(|v| v.to_string()))
                        .flatten(),
                    label: w.label.clone(),
                    labelled: keys.labels(w.provider.id()),
                }),
            });
        }
        let h = Handover {
            provider: w.provider.id().to_string(),
            key: key.map(|k| (key_var(&w.provider), k)),
            base_url: base_url_var(&w.provider),
        };
        for var in h
            .key
            .iter()
            .map(|(v, _)| v)
            .chain(h.base_url.iter().map(|(v, _)| v))
        {
            if let Some(other) = vars.insert(var.clone(), h.provider.clone())
                && other != h.provider
            {
                return Err(Error::Usage(format!(
                    "{other} and {} would both be handed over as {var}; a command can get only one of them",
                    h.provider
                )));
            }
        }
        handovers.push(h);
    }
    // Only the keys handed over are kept: the rest of the decrypted vault is zeroed now,
    // before the command starts and for as long as it runs.
    drop(keys);

    let mut cmd = Command::new(program);
    cmd.args(rest);
    for var in scrubbed_vars(&registry) {
        cmd.env_remove(var);
    }
    for h in &handovers {
        if let Some((var, key)) = &h.key {
            output::verbose(&format!(
                "exec: {var} = the {} key ({} {})",
                h.provider,
                key.origin.source(),
                key.origin.label()
            ));
            cmd.env(var, key.secret.expose_secret());
        }
        if let Some((var, url)) = &h.base_url {
            output::verbose(&format!("exec: {var} = {url}"));
            cmd.env(var, url);
        }
    }
    cmd.env("BYOK_EXEC", "1");

    let code = spawn_and_wait(cmd, &shown, || record_handovers(ctx, &handovers, &name))?;
    if code == exit::OK {
        return Ok(());
    }
    // The child's status is byok's: no error message of ours on top of the command's own.
    std::process::exit(code)
}

/// `exec --proxy`: the command gets a byok serve on an ephemeral loopback port (its base
/// URLs and token), never a key; its calls are recorded under its name; the server stops
/// when it exits, and its exit status is byok's.
fn proxy(
    ctx: &Ctx,
    registry: &Registry,
    program: &OsString,
    rest: &[OsString],
    name: &str,
    shown: &str,
    route: Option<String>,
) -> Result<()> {
    use crate::serve::{ClientName, Listen, Server};
    let shared =
        super::serve::shared(ctx, route, ClientName::Fixed(name.to_string()), false, true)?;
    let server = Server::start(shared, &Listen::tcp("127.0.0.1:0")?, true)?;
    let mut cmd = Command::new(program);
    cmd.args(rest);
    for var in scrubbed_vars(registry) {
        cmd.env_remove(var);
    }
    for (var, value) in server.child_env() {
        cmd.env(var, value);
    }
    cmd.env("BYOK_EXEC", "1");
    let code = spawn_and_wait(cmd, shown, || {});
    server.stop();
    let code = code?;
    if code == exit::OK {
        return Ok(());
    }
    std::process::exit(code)
}

/// A provider the command is to get, with the label asked for (`None`: the vault's
/// `default`, then the environment) and the route that asked, for messages.
struct Wanted {
    provider: Provider,
    label: Option<String>,
    route: Option<String>,
}

struct Handover {
    provider: String,
    key: Option<(String, ResolvedKey)>,
    base_url: Option<(String, String)>,
}

/// `--provider P[/LABEL]`s, then the candidates of `--route R`, once each, allowlist applied.
fn wanted_providers(
    ctx: &Ctx,
    registry: &Registry,
    providers: &[String],
    route: Option<&str>,
    key: Option<&str>,
) -> Result<Vec<Wanted>> {
    let loaded = ctx.profile()?;
    let allows = |id: &str| loaded.profile.allows(id);
    let mut wanted: Vec<Wanted> = Vec::new();
    for spec in providers {
        let (id, label) = match spec.split_once('/') {
            Some((id, label)) => (id, Some(label.to_string())),
            None => (spec.as_str(), key.map(String::from)),
        };
        if label.as_deref().is_some_and(str::is_empty) {
            return Err(Error::Usage(format!(
                "`{spec}` names no label: use --provider {id} or --provider {id}/LABEL"
            )));
        }
        let provider = registry.resolve(id)?;
        if !allows(provider.id()) {
            return Err(Error::NotAllowed {
                provider: provider.id().to_string(),
                profile: loaded.name.clone(),
                allowed: loaded.profile.allow.clone().unwrap_or_default(),
                path: loaded.path.clone(),
            });
        }
        wanted.push(Wanted {
            provider,
            label,
            route: None,
        });
    }
    if let Some(name) = route {
        let r = loaded
            .profile
            .routes
            .get(name)
            .ok_or_else(|| Error::UnknownRoute {
                name: name.to_string(),
                profile: loaded.name.clone(),
                known: loaded.profile.routes.keys().cloned().collect(),
            })?;
        for spec in r.chain() {
            let candidate = parse_model(registry, spec)?;
            // A run on this route would skip it too: the profile does not allow it.
            if !allows(candidate.provider.id()) {
                output::verbose(&format!(
                    "exec: route `{name}` lists {}, which profile `{}` does not allow; skipped",
                    candidate.provider.id(),
                    loaded.name
                ));
                continue;
            }
            wanted.push(Wanted {
                provider: candidate.provider,
                label: key.map(String::from).or_else(|| r.key.clone()),
                route: Some(name.to_string()),
            });
        }
    }
    let mut unique: Vec<Wanted> = Vec::new();
    for w in wanted {
        match unique.iter().find(|u| u.provider.id() == w.provider.id()) {
            None => unique.push(w),
            Some(u) if u.label == w.label => {}
            Some(u) => {
                let show = |l: &Option<String>| {
                    l.clone()
                        .unwrap_or_else(|| crate::vocab::DEFAULT_LABEL.to_string())
                };
                return Err(Error::Usage(format!(
                    "two {} keys were asked for (labels `{}` and `{}`), but a command gets one {}",
                    w.provider.id(),
                    show(&u.label),
                    show(&w.label),
                    key_var(&w.provider)
                )));
            }
        }
    }
    Ok(unique)
}

/// `OPENAI_API_KEY` for openai: the first of the provider's key variables, else
/// `<ID>_API_KEY`.
fn key_var(provider: &Provider) -> String {
    match provider.spec.key_env.first() {
        Some(var) => var.to_string(),
        None => format!("{}_API_KEY", env_id(provider.id())),
    }
}

/// The base URL variable and value, only when the user chose the URL.
fn base_url_var(provider: &Provider) -> Option<(String, String)> {
    if !provider.base_url_from_user {
        return None;
    }
    let builtin = crate::providers::spec(provider.id()).is_some();
    let var = match provider.id() {
        "openai" if builtin => "OPENAI_BASE_URL".to_string(),
        "anthropic" if builtin => "ANTHROPIC_BASE_URL".to_string(),
        "gemini" if builtin => "GEMINI_BASE_URL".to_string(),
        "ollama" if builtin => "OLLAMA_HOST".to_string(),
        id => format!("{}_BASE_URL", env_id(id)),
    };
    Some((var, provider.base_url.clone()))
}

fn env_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Every key variable of every provider byok knows, and the vault's unlock variables:
/// removed from the child's environment before the asked keys are put in.
fn scrubbed_vars(registry: &Registry) -> Vec<String> {
    let mut vars: Vec<String> = UNLOCK_VARS.iter().map(|v| v.to_string()).collect();
    for id in registry.known_ids() {
        if let Ok(p) = registry.resolve(&id) {
            vars.extend(p.spec.key_env.iter().map(|v| v.to_string()));
            vars.push(key_var(&p));
        }
    }
    vars.sort();
    vars.dedup();
    vars
}

/// `python3` for `/usr/bin/python3`: the ledger records the command's name, never its
/// path's directories or its arguments.
fn command_name(program: &OsString) -> String {
    std::path::Path::new(program)
        .file_name()
        .unwrap_or(program.as_os_str())
        .to_string_lossy()
        .into_owned()
}

/// One `exec` row per key handed over. A ledger that cannot be written does not stop a
/// command that is already running; `-v` says so.
fn record_handovers(ctx: &Ctx, handovers: &[Handover], name: &str) {
    let given: Vec<_> = handovers
        .iter()
        .filter_map(|h| h.key.as_ref().map(|(_, k)| (h.provider.as_str(), k)))
        .collect();
    if given.is_empty() {
        return;
    }
    let outcome = ctx.ledger().and_then(|ledger| {
        given.iter().try_for_each(|(provider, key)| {
            ledger.record_key_event("exec", provider, key.origin.label(), "ok", Some(name))
        })
    });
    if let Err(e) = outcome {
        output::verbose(&format!("the exec event was not recorded: {e}"));
    }
}

fn spawn_error(name: &str, e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::CommandNotFound {
            command: name.to_string(),
        },
        std::io::ErrorKind::PermissionDenied => Error::CommandNotExecutable {
            command: name.to_string(),
            detail: "permission denied (it is not marked executable, or it is a directory)".into(),
        },
        _ => Error::CommandNotExecutable {
            command: name.to_string(),
            detail: match e.raw_os_error() {
                #[cfg(unix)]
                Some(libc::ENOEXEC) => {
                    "it is not a program the system can run (a script without a #! line?)".into()
                }
                _ => e.to_string(),
            },
        },
    }
}

#[cfg(unix)]
fn status_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(sig)) => 128 + sig,
        (None, None) => exit::INTERNAL,
    }
}

/// Spawns the command, forwards signals to it while it runs, and returns the exit status
/// byok should end with. `started` runs once the child exists.
///
/// Signal forwarding, and why it is built this way: byok installs `sigaction` handlers for
/// SIGINT, SIGTERM, SIGHUP and SIGQUIT whose only work is `kill(child, signal)` —
/// `kill` is async-signal-safe, the child's pid is read from an atomic, so there is no
/// self-pipe, no helper thread, and no window in which a signal is noticed but not yet
/// passed on. The main thread simply waits for the child. Three details make it robust:
/// - the signals are blocked in this thread while spawning and publishing the pid, so a
///   signal that arrives in between is delivered (and forwarded) right after; the child
///   gets back the mask byok had before (std passes the spawning thread's mask on, so a
///   child would otherwise start with them blocked, survive them and exit 0), and exec
///   resets byok's handlers to the default in it;
/// - a signal the kernel sends on the terminal's behalf (Ctrl-C, Ctrl-\, hangup) has gone
///   to the whole foreground process group, the child included, so it is not sent a
///   second time (`si_code == SI_KERNEL` on Linux); `kill` from a process (a CI runner's
///   SIGTERM, a supervisor) is forwarded;
/// - the child is waited for with `waitid(WNOWAIT)`, which leaves it a zombie: the pid is
///   cleared before the child is reaped, so a late signal can never hit a recycled pid;
/// - a signal byok was started with ignored (`nohup`, a background job) stays ignored and
///   is not forwarded, so the child inherits the same disposition it would have had.
///
/// The handlers stay installed until byok exits, so a signal arriving as it finishes
/// cannot kill byok and replace the child's exit status.
#[cfg(unix)]
fn spawn_and_wait(mut cmd: Command, name: &str, started: impl FnOnce()) -> Result<i32> {
    forward::install()?;
    let mask = forward::block()?;
    forward::restore_in_child(&mut cmd, mask);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            forward::restore(&mask);
            return Err(spawn_error(name, e));
        }
    };
    drop(cmd);
    let pid = child.id() as libc::pid_t;
    forward::set_child(pid);
    forward::restore(&mask);
    started();
    let waited = forward::wait_exit(pid);
    forward::set_child(0);
    if let Err(e) = waited {
        output::verbose(&format!("waitid failed ({e}); waiting the plain way"));
    }
    let status = child
        .wait()
        .map_err(|e| Error::Internal(format!("waiting for `{name}`: {e}")))?;
    Ok(status_code(status))
}

#[cfg(not(unix))]
fn spawn_and_wait(mut cmd: Command, name: &str, started: impl FnOnce()) -> Result<i32> {
    let mut child = cmd.spawn().map_err(|e| spawn_error(name, e))?;
    drop(cmd);
    started();
    let status = child
        .wait()
        .map_err(|e| Error::Internal(format!("waiting for `{name}`: {e}")))?;
    Ok(status.code().unwrap_or(exit::INTERNAL))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names() {
        let openai = Provider::resolve("openai").unwrap();
        assert_eq!(key_var(&openai), "OPENAI_API_KEY");
        let gemini = Provider::resolve("gemini").unwrap();
        assert_eq!(key_var(&gemini), "GEMINI_API_KEY");
        let vllm = Provider::resolve("vllm").unwrap();
        assert_eq!(key_var(&vllm), "VLLM_API_KEY");
        assert_eq!(env_id("my-corp.ai"), "MY_CORP_AI");
    }

    #[test]
    fn scrubs_every_known_key_variable_and_the_unlock_secrets() {
        let vars = scrubbed_vars(&Registry::builtin());
        for v in [
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "GEMINI_API_KEY",
            "GOOGLE_API_KEY",
            "OPENROUTER_API_KEY",
            "BYOK_IDENTITY",
            "BYOK_PASSPHRASE",
        ] {
            assert!(vars.iter().any(|x| x == v), "{v} not scrubbed");
        }
    }

    #[test]
    fn command_name_is_the_basename() {
        assert_eq!(command_name(&OsString::from("/usr/bin/python3")), "python3");
        assert_eq!(command_name(&OsString::from("sh")), "sh");
    }
}
