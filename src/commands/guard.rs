//! The outbound guard at the command layer (README "The outbound guard"): `byok guard`,
//! and the check `run` and `council` make of their prompt before anything is sent. The
//! finding itself is [`crate::guard`]; this module gathers the secrets, applies the
//! policy, and says what happened on stderr (kinds, counts and lines, never a value).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};

use serde_json::{Value, json};

use super::Ctx;
use super::prompt::Prompt;
use crate::cli::GuardArgs;
use crate::error::{Error, Result};
use crate::guard::{self, Action, Allow, Finding, Found, Guard, Owner, Policy};
use crate::keys::Keys;

/// The guard of this invocation: every secret byok can see (the vault is unlocked when
/// it exists, once, shared with the walk), `--allow-secret` checked against the known
/// providers, and `policy`.
pub(crate) fn build(ctx: &Ctx, keys: &Keys, allow: &[String], policy: Policy) -> Result<Guard> {
    let registry = ctx.registry()?;
    let known = registry.known_ids();
    let mut allowed = Vec::new();
    for spec in allow {
        let a = Allow::parse(spec.trim());
        if !known.contains(&a.provider) {
            return Err(Error::UnknownProvider {
                given: a.provider,
                known,
            });
        }
        if let Some(label) = &a.label {
            super::check_label(label)?;
        }
        allowed.push(a);
    }
    let secrets = guard::own_secrets(keys, &registry)
        .map_err(|e| Error::GuardUnchecked { cause: Box::new(e) })?;
    Ok(Guard::new(secrets, allowed, policy))
}

/// Checks the prompt of `run` or `council` before it is sent, in place: refuses it
/// (exit 8) when it holds one of the user's own secrets, or a credential under
/// `guard = "block"`; redacts or warns otherwise, saying so on stderr. Returns what the
/// call's ledger rows record (counts per kind).
pub(crate) fn check_prompt(
    ctx: &Ctx,
    keys: &Keys,
    prompt: &mut Prompt,
    allow: &[String],
    route: Option<&str>,
) -> Result<Option<String>> {
    let loaded = ctx.profile()?;
    let (policy, origin) = loaded.profile.guard_policy(route);
    let guard = build(ctx, keys, allow, policy)?;
    let mut findings = Vec::new();
    for (part, text) in prompt.parts_mut() {
        if text.is_empty() {
            continue;
        }
        let checked = guard.check(part, text);
        *text = checked.text;
        findings.extend(checked.findings);
    }
    if guard::refused(&findings) {
        let (message, hint) = refusal(&findings, policy, &origin, &loaded.path);
        return Err(Error::GuardRefused {
            message: format!("the prompt was not sent: {message}"),
            hint,
        });
    }
    let redacted = guard::counts(&findings, Action::Redact);
    if !redacted.is_empty() {
        let n: usize = redacted.values().sum();
        ctx.ui.warn(&format!(
            "the outbound guard redacted {n} credential{} from the prompt before sending it: {}",
            plural(n),
            guard::count_words(&redacted)
        ));
    }
    let warned: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.action == Action::Warn)
        .collect();
    if !warned.is_empty() {
        ctx.ui.warn(&format!(
            "the prompt holds {} credential{} ({}), sent unchanged because guard = \"warn\" ({origin})",
            warned.len(),
            plural(warned.len()),
            places(&warned)
        ));
    }
    let allowed: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.action == Action::Allow)
        .collect();
    if !allowed.is_empty() {
        ctx.ui.warn(&format!(
            "sending {} in the prompt, as --allow-secret allows",
            places(&allowed)
        ));
    }
    Ok(guard::ledger_detail(&findings))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// What was found and where, grouped: `your openai key `default` (standard input, lines
/// 3, 12)`, `jwt (the prompt arguments, line 1)`. At most eight groups are named.
fn places(findings: &[&Finding]) -> String {
    let mut groups: Vec<(String, &str, Vec<usize>)> = Vec::new();
    for f in findings {
        let what = match &f.found {
            Found::Own(owner) => owner.describe(),
            Found::Credential(kind) => kind.as_str().to_string(),
        };
        match groups
            .iter_mut()
            .find(|(w, p, _)| *w == what && *p == f.part.as_str())
        {
            Some(g) => g.2.push(f.line),
            None => groups.push((what, f.part.as_str(), vec![f.line])),
        }
    }
    let shown = 8;
    let mut out: Vec<String> = groups
        .iter()
        .take(shown)
        .map(|(what, part, lines)| {
            let mut lines = lines.clone();
            lines.dedup();
            let word = if lines.len() == 1 { "line" } else { "lines" };
            let list: Vec<String> = lines.iter().map(usize::to_string).collect();
            format!("{what} ({part}, {word} {})", list.join(", "))
        })
        .collect();
    if groups.len() > shown {
        out.push(format!("and {} more", groups.len() - shown));
    }
    out.join("; ")
}

/// What a refused prompt holds: which own keys (by provider and label) and which blocked
/// credentials (by kind), where; and the hint, how to go on.
fn refusal(
    findings: &[Finding],
    policy: Policy,
    origin: &str,
    profile_path: &std::path::Path,
) -> (String, String) {
    let refused = |own: bool| -> Vec<&Finding> {
        findings
            .iter()
            .filter(|f| f.action == Action::Refuse && matches!(f.found, Found::Own(_)) == own)
            .collect()
    };
    let (own, blocked) = (refused(true), refused(false));
    let mut message = String::new();
    if !own.is_empty() {
        message.push_str(&format!("it holds {}.", places(&own)));
    }
    if !blocked.is_empty() {
        message.push_str(if own.is_empty() { "it" } else { " It also" });
        message.push_str(&format!(
            " holds credentials, which guard = \"{}\" ({origin}) refuses: {}.",
            policy.as_str(),
            places(&blocked)
        ));
    }
    let allowable: Vec<String> = own
        .iter()
        .filter_map(|f| match &f.found {
            Found::Own(owner) => owner.key_name(),
            Found::Credential(_) => None,
        })
        .fold(Vec::new(), |mut names, n| {
            if !names.contains(&n) {
                names.push(n);
            }
            names
        });
    let hint = if !own.is_empty() {
        let base = "take it out of the input (`byok guard FILE` lists every finding)";
        if allowable.is_empty() {
            format!("{base}: byok never sends the vault's passphrase or identity")
        } else {
            let flags: Vec<String> = allowable
                .iter()
                .map(|n| format!("--allow-secret {n}"))
                .collect();
            format!("{base}; if sending it is really meant: {}", flags.join(" "))
        }
    } else {
        format!(
            "take them out of the input (`byok guard FILE` lists them), or have them redacted instead: guard = \"redact\" in {}",
            profile_path.display()
        )
    };
    (message, hint)
}

/// `byok guard [FILE…]`: what a prompt made of these files (or stdin) would meet.
pub fn run(ctx: &Ctx, args: GuardArgs) -> Result<()> {
    let loaded = ctx.profile()?;
    if let Some(r) = &args.route
        && !loaded.profile.routes.contains_key(r)
    {
        return Err(Error::UnknownRoute {
            name: r.clone(),
            profile: loaded.name.clone(),
            known: loaded.profile.routes.keys().cloned().collect(),
        });
    }
    let (policy, origin) = loaded.profile.guard_policy(args.route.as_deref());
    let guard = {
        let keys = Keys::new(ctx.paths.clone(), ctx.keyring.clone());
        build(ctx, &keys, &args.allow_secret, policy)?
        // The decrypted vault is dropped here; the guard keeps copies of the keys only.
    };
    let mut findings = Vec::new();
    let inputs: Vec<Option<&std::path::Path>> = if args.files.is_empty() {
        vec![None]
    } else {
        args.files
            .iter()
            .map(|f| (f.as_os_str() != "-").then_some(f.as_path()))
            .collect()
    };
    for input in inputs {
        let (name, text) = read_input(input)?;
        findings.extend(guard.check(&name, &text).findings);
    }

    if ctx.ui.json {
        ctx.ui
            .print_json(&report_json(&findings, policy, &origin))?;
    } else {
        let mut out = String::new();
        for f in &findings {
            let what = match &f.found {
                Found::Own(owner) => owner.describe(),
                Found::Credential(kind) => kind.as_str().to_string(),
            };
            out.push_str(&format!(
                "{}:{}: {}: {what}\n",
                f.part,
                f.line,
                f.action.as_str()
            ));
        }
        crate::output::write_stdout(out.as_bytes())?;
        if findings.is_empty() {
            ctx.ui.info("nothing to refuse or redact");
        } else {
            let summary: Vec<String> = [
                (Action::Refuse, "refused"),
                (Action::Redact, "redacted"),
                (Action::Warn, "sent with a warning"),
                (Action::Allow, "allowed"),
            ]
            .iter()
            .filter_map(|(a, word)| {
                let n: usize = guard::counts(&findings, *a).values().sum();
                (n > 0).then(|| format!("{n} {word}"))
            })
            .collect();
            ctx.ui.info(&format!(
                "{} (guard = \"{}\", {origin})",
                summary.join(", "),
                policy.as_str()
            ));
        }
    }
    if guard::refused(&findings) {
        let n = findings
            .iter()
            .filter(|f| f.action == Action::Refuse)
            .count();
        let (message, hint) = refusal(&findings, policy, &origin, &loaded.path);
        return Err(Error::GuardRefused {
            message: format!(
                "{n} finding{} would be refused, and a prompt holding {} not sent: {message}",
                plural(n),
                if n == 1 { "it" } else { "them" }
            ),
            hint,
        });
    }
    Ok(())
}

/// A file's text (bytes that are not UTF-8 shown as U+FFFD, as a prompt would not carry
/// them either), or standard input's, with the name findings give it.
fn read_input(path: Option<&std::path::Path>) -> Result<(String, String)> {
    let mut bytes = Vec::new();
    let name = match path {
        Some(p) => {
            bytes = std::fs::read(p)
                .map_err(|e| Error::Usage(format!("could not read {}: {e}", p.display())))?;
            p.display().to_string()
        }
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(Error::Usage(
                    "nothing to check: name the files (`byok guard FILE…`) or pipe the text in (`git diff | byok guard`)".into(),
                ));
            }
            stdin
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|e| Error::Usage(format!("could not read standard input: {e}")))?;
            "standard input".to_string()
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    Ok((name, text))
}

/// `{policy, policy_from, refused, findings: [{source, line, kind, action, secret}], counts}`.
fn report_json(findings: &[Finding], policy: Policy, origin: &str) -> Value {
    let rows: Vec<Value> = findings
        .iter()
        .map(|f| {
            let secret = match &f.found {
                Found::Own(owner) => owner_json(owner),
                Found::Credential(_) => Value::Null,
            };
            json!({
                "source": f.part,
                "line": f.line,
                "kind": f.found.kind(),
                "action": f.action,
                "secret": secret,
            })
        })
        .collect();
    let mut counts = BTreeMap::new();
    for a in [Action::Refuse, Action::Redact, Action::Warn, Action::Allow] {
        let c = guard::counts(findings, a);
        if !c.is_empty() {
            counts.insert(a.as_str(), c);
        }
    }
    json!({
        "policy": policy,
        "policy_from": origin,
        "refused": guard::refused(findings),
        "findings": rows,
        "counts": counts,
    })
}

/// Whose secret, by name: `{source: vault, provider, label, previous}`, `{source: env,
/// provider, variable}`, `{source: passphrase}`, `{source: identity, variable}`.
fn owner_json(owner: &Owner) -> Value {
    match owner {
        Owner::Vault {
            provider,
            label,
            previous,
        } => json!({"source": "vault", "provider": provider, "label": label, "previous": previous}),
        Owner::Env { provider, var } => {
            json!({"source": "env", "provider": provider, "variable": var})
        }
        Owner::Passphrase => json!({"source": "passphrase", "variable": "BYOK_PASSPHRASE"}),
        Owner::Identity { source } => json!({"source": "identity", "variable": source}),
    }
}
