//! `byok key add | list | verify | rotate | revoke` (README "Keys"). Verification, and
//! the `key verify` command, are in [`verify`].

use std::io::IsTerminal;

use jiff::Timestamp;
use serde::Serialize;

use super::Ctx;
use crate::cli::KeyCommand;
use crate::error::{Error, Result};
use crate::output::{self, Ui};
use crate::providers::{KeyNeed, PROVIDERS, Provider};
use crate::secret::{self, mask};
use crate::vault::{InitPreference, KeyRecord, PreviousKey, Secret, Vault, VerifyStatus};

pub(crate) mod verify;
use verify::{rejection, verify_one};

pub fn run(ctx: &Ctx, cmd: KeyCommand) -> Result<()> {
    match cmd {
        KeyCommand::Add {
            provider,
            label,
            no_verify,
        } => add(ctx, &provider, &label, no_verify),
        KeyCommand::List => list(ctx),
        KeyCommand::Verify { keys } => verify::verify_keys(ctx, &keys),
        KeyCommand::Rotate {
            provider,
            label,
            no_verify,
        } => rotate(ctx, &provider, &label, no_verify),
        KeyCommand::Revoke {
            provider,
            label,
            previous,
            yes,
        } => revoke(ctx, &provider, &label, previous, yes),
    }
}

/// A provider that takes keys at all.
fn keyed_provider(ctx: &Ctx, id: &str) -> Result<Provider> {
    let provider = ctx.registry()?.resolve(id)?;
    if provider.spec.key == KeyNeed::None {
        return Err(Error::KeyNotNeeded {
            provider: id.to_string(),
        });
    }
    Ok(provider)
}

fn models_phrase(models: Option<u64>) -> String {
    match models {
        Some(1) => ", 1 model visible".into(),
        Some(n) => format!(", {n} models visible"),
        None => String::new(),
    }
}

#[derive(Serialize)]
struct AddedJson<'a> {
    provider: &'a str,
    label: &'a str,
    masked: String,
    status: &'static str,
    models: Option<u64>,
    vault_created: Option<&'static str>,
}

fn add(ctx: &Ctx, provider_id: &str, label: &str, no_verify: bool) -> Result<()> {
    let provider = keyed_provider(ctx, provider_id)?;
    super::check_label(label)?;
    let secret = secret::read_secret(&format!("{} API key", provider.spec.name))?;
    let secret_text = secret::expose(&secret);

    // Verify before taking the vault's lock: a slow provider must not block other byok runs.
    let verdict = (!no_verify).then(|| verify_one(ctx, &provider, secret_text));
    if let Some(v) = &verdict {
        if v.status.is_rejection() {
            return Err(rejection("add", &provider, label, v));
        }
        if v.status != VerifyStatus::Ok {
            ctx.ui.warn(&format!(
                "could not verify the key ({}); storing it as unverified. Check it later with `byok key verify {}`",
                v.error_text().unwrap_or_default(),
                provider.id()
            ));
        }
    }

    let (mut vault, created) =
        Vault::open_or_create(&ctx.paths, &ctx.keyring, InitPreference::Automatic)?;
    warn_all(&ctx.ui, &vault);
    if let Some(c) = &created {
        ctx.ui.info(&format!(
            "vault created at {} (unlocked by {}: {})",
            vault.paths.vault().display(),
            c.method.describe(),
            c.why
        ));
    }
    if vault.doc.find(provider.id(), label).is_some() {
        return Err(Error::KeyExists {
            provider: provider.id().into(),
            label: label.into(),
        });
    }
    let now = Timestamp::now();
    let ok = verdict
        .as_ref()
        .is_some_and(|v| v.status == VerifyStatus::Ok);
    let models = verdict.as_ref().and_then(|v| v.models);
    vault.doc.keys.push(KeyRecord {
        provider: provider.id().to_string(),
        label: label.to_string(),
        secret: Secret(secret.clone()),
        added_at: now,
        rotated_at: None,
        verified_at: ok.then_some(now),
        verify_status: if ok {
            VerifyStatus::Ok
        } else {
            VerifyStatus::Unverified
        },
        models,
        previous: None,
    });
    vault.save()?;

    log_event(
        ctx,
        "key_add",
        provider.id(),
        label,
        if ok { "ok" } else { "unverified" },
        None,
    );
    let masked = mask(secret_text);
    if ctx.ui.json {
        return ctx.ui.print_json(&AddedJson {
            provider: provider.id(),
            label,
            masked,
            status: if ok { "ok" } else { "unverified" },
            models,
            vault_created: created.map(|c| c.method.as_str()),
        });
    }
    let state = if ok {
        format!("verified{}", models_phrase(models))
    } else {
        "not verified".to_string()
    };
    ctx.ui.info(&format!(
        "{} ({label}) added: {masked} — {state}",
        provider.id()
    ));
    Ok(())
}

/// A key event in the ledger (never the key). A ledger that cannot be written does not
/// undo a key change that already happened; `-v` says so.
fn log_event(
    ctx: &Ctx,
    kind: &str,
    provider: &str,
    label: &str,
    status: &str,
    detail: Option<&str>,
) {
    let outcome = ctx
        .ledger()
        .and_then(|l| l.record_key_event(kind, provider, label, status, detail));
    if let Err(e) = outcome {
        output::verbose(&format!("the {kind} event was not recorded: {e}"));
    }
}

fn warn_all(ui: &Ui, vault: &Vault) {
    for w in &vault.warnings {
        ui.warn(w);
    }
}

/// One row of `key list`, also its JSON shape.
#[derive(Serialize)]
struct KeyRow {
    provider: String,
    label: String,
    source: &'static str,
    masked: String,
    added_at: Option<Timestamp>,
    rotated_at: Option<Timestamp>,
    verified_at: Option<Timestamp>,
    status: &'static str,
    /// The masked key a rotation replaced, while it is kept.
    previous: Option<String>,
}

/// Provider order of the registry, then label.
fn provider_rank(id: &str) -> usize {
    PROVIDERS
        .iter()
        .position(|p| p.id == id)
        .unwrap_or(usize::MAX)
}

/// Keys in the environment, with whether a vault key shadows them.
fn env_keys(
    ctx: &Ctx,
    vault_keys: &[KeyRecord],
) -> Result<Vec<(Provider, &'static str, String, bool)>> {
    let registry = ctx.registry()?;
    Ok(registry
        .known_ids()
        .iter()
        .filter_map(|id| registry.resolve(id).ok())
        .filter_map(|p| {
            let (var, value) = p.env_key()?;
            let shadowed = vault_keys
                .iter()
                .any(|k| k.provider == p.id() && k.label == crate::vocab::DEFAULT_LABEL);
            Some((p, var, value, shadowed))
        })
        .collect())
}

fn open_if_exists(ctx: &Ctx) -> Result<Option<Vault>> {
    if !Vault::exists(&ctx.paths) {
        return Ok(None);
    }
    let vault = Vault::open(&ctx.paths, &ctx.keyring)?;
    warn_all(&ctx.ui, &vault);
    Ok(Some(vault))
}

fn list(ctx: &Ctx) -> Result<()> {
    let vault = open_if_exists(ctx)?;
    let mut keys: Vec<KeyRecord> = vault.map(|v| v.doc.keys).unwrap_or_default();
    keys.sort_by(|a, b| {
        (provider_rank(&a.provider), &a.label).cmp(&(provider_rank(&b.provider), &b.label))
    });
    let mut rows: Vec<KeyRow> = keys
        .iter()
        .map(|k| KeyRow {
            provider: k.provider.clone(),
            label: k.label.clone(),
            source: "vault",
            masked: mask(k.secret.expose()),
            added_at: Some(k.added_at),
            rotated_at: k.rotated_at,
            verified_at: k.verified_at,
            status: k.verify_status.as_str(),
            previous: k.previous.as_ref().map(|p| mask(p.secret.expose())),
        })
        .collect();
    for (p, var, value, shadowed) in env_keys(ctx, &keys)? {
        rows.push(KeyRow {
            provider: p.id().to_string(),
            label: var.to_string(),
            source: "env",
            masked: mask(&value),
            added_at: None,
            rotated_at: None,
            verified_at: None,
            status: if shadowed { "shadowed" } else { "unverified" },
            previous: None,
        });
    }
    if ctx.ui.json {
        return ctx.ui.print_json(&rows);
    }
    if rows.is_empty() {
        ctx.ui.info(
            "no keys yet: add one with `byok key add <provider>` (or export e.g. OPENAI_API_KEY)",
        );
        return Ok(());
    }
    let mut table = ctx.ui.table(&[
        ("provider", 0),
        ("label", 0),
        ("source", 3),
        ("key", 1),
        ("added", 4),
        ("rotated", 5),
        ("last verified", 4),
        ("status", 0),
    ]);
    for r in &rows {
        let key = match &r.previous {
            Some(prev) => format!("{} (previous {prev})", r.masked),
            None => r.masked.clone(),
        };
        table.add_row(vec![
            comfy_table::Cell::new(&r.provider),
            comfy_table::Cell::new(&r.label),
            comfy_table::Cell::new(r.source),
            comfy_table::Cell::new(key),
            comfy_table::Cell::new(output::opt_time(r.added_at)),
            comfy_table::Cell::new(output::opt_time(r.rotated_at)),
            comfy_table::Cell::new(output::opt_time(r.verified_at)),
            ctx.ui.status_cell(r.status),
        ]);
    }
    ctx.ui.print_table(table)
}

fn rotate(ctx: &Ctx, provider_id: &str, label: &str, no_verify: bool) -> Result<()> {
    let provider = keyed_provider(ctx, provider_id)?;
    super::check_label(label)?;
    if !Vault::exists(&ctx.paths) {
        return Err(Error::KeyNotFound {
            provider: provider_id.into(),
            label: label.into(),
        });
    }
    let secret = secret::read_secret(&format!("New {} API key", provider.spec.name))?;
    let secret_text = secret::expose(&secret);
    let verdict = (!no_verify).then(|| verify_one(ctx, &provider, secret_text));
    if let Some(v) = &verdict {
        if v.status.is_rejection() {
            return Err(rejection("rotate", &provider, label, v));
        }
        if v.status != VerifyStatus::Ok {
            return Err(Error::ProviderUnreachable {
                provider: provider.id().into(),
                message: format!(
                    "{}; the old key stays in place",
                    v.error_text().unwrap_or_default()
                ),
            });
        }
    }

    let mut vault = Vault::open_for_write(&ctx.paths, &ctx.keyring)?;
    warn_all(&ctx.ui, &vault);
    let record = vault
        .doc
        .find_mut(provider.id(), label)
        .ok_or_else(|| Error::KeyNotFound {
            provider: provider_id.into(),
            label: label.into(),
        })?;
    if record.secret.expose() == secret_text {
        return Err(Error::Usage(format!(
            "that is the key already stored for {provider_id} ({label}); nothing to rotate"
        )));
    }
    let now = Timestamp::now();
    let dropped = record.previous.replace(PreviousKey {
        secret: record.secret.clone(),
        added_at: record.rotated_at.unwrap_or(record.added_at),
        replaced_at: now,
    });
    let old_masked = mask(record.secret.expose());
    record.secret = Secret(secret.clone());
    record.rotated_at = Some(now);
    match &verdict {
        Some(v) => {
            record.verify_status = VerifyStatus::Ok;
            record.verified_at = Some(now);
            record.models = v.models;
        }
        None => {
            record.verify_status = VerifyStatus::Unverified;
            record.verified_at = None;
        }
    }
    vault.save()?;
    log_event(
        ctx,
        "key_rotate",
        provider.id(),
        label,
        if verdict.is_some() {
            "ok"
        } else {
            "unverified"
        },
        None,
    );

    if let Some(d) = dropped {
        ctx.ui.warn(&format!(
            "the key rotated out before ({}) is no longer kept",
            mask(d.secret.expose())
        ));
    }
    let new_masked = mask(secret_text);
    if ctx.ui.json {
        return ctx.ui.print_json(&serde_json::json!({
            "provider": provider.id(), "label": label, "masked": new_masked,
            "previous": old_masked, "status": if verdict.is_some() { "ok" } else { "unverified" },
        }));
    }
    let flag = if label == crate::vocab::DEFAULT_LABEL {
        String::new()
    } else {
        format!(" --label {label}")
    };
    ctx.ui.info(&format!(
        "{} ({label}) rotated: {old_masked} → {new_masked}{}\nthe old key is kept as previous; once the new one works, drop it: byok key revoke {}{flag} --previous",
        provider.id(),
        if verdict.is_some() { " (verified)" } else { " (not verified)" },
        provider.id()
    ));
    Ok(())
}

fn revoke(ctx: &Ctx, provider_id: &str, label: &str, previous: bool, yes: bool) -> Result<()> {
    revoke_key(ctx, provider_id, label, previous, yes).map_err(|e| match e {
        e @ Error::KeyNotFound { .. } => Error::NothingToRemove(Box::new(e)),
        e => e,
    })
}

fn revoke_key(ctx: &Ctx, provider_id: &str, label: &str, previous: bool, yes: bool) -> Result<()> {
    let provider = keyed_provider(ctx, provider_id)?;
    if !Vault::exists(&ctx.paths) {
        return Err(Error::KeyNotFound {
            provider: provider_id.into(),
            label: label.into(),
        });
    }
    let what = if previous {
        format!("removing the previous {provider_id} key `{label}`")
    } else {
        format!("removing the {provider_id} key `{label}`")
    };
    if !yes && !confirm(&what, provider_id, label, previous)? {
        // Answering no is a choice, not an error: nothing changed, as asked (exit 0).
        let which = if previous { "previous key" } else { "key" };
        ctx.ui.info(&format!(
            "nothing was removed: the {provider_id} ({label}) {which} stays in the vault"
        ));
        return Ok(());
    }
    let mut vault = Vault::open_for_write(&ctx.paths, &ctx.keyring)?;
    warn_all(&ctx.ui, &vault);
    let removed_mask = if previous {
        let record =
            vault
                .doc
                .find_mut(provider.id(), label)
                .ok_or_else(|| Error::KeyNotFound {
                    provider: provider_id.into(),
                    label: label.into(),
                })?;
        let prev = record.previous.take().ok_or_else(|| Error::NoPreviousKey {
            provider: provider_id.into(),
            label: label.into(),
        })?;
        mask(prev.secret.expose())
    } else {
        let record = vault
            .doc
            .remove(provider.id(), label)
            .ok_or_else(|| Error::KeyNotFound {
                provider: provider_id.into(),
                label: label.into(),
            })?;
        mask(record.secret.expose())
    };
    vault.save()?;
    log_event(
        ctx,
        "key_revoke",
        provider.id(),
        label,
        "ok",
        Some(if previous { "previous" } else { "key" }),
    );
    if ctx.ui.json {
        return ctx.ui.print_json(&serde_json::json!({
            "provider": provider.id(), "label": label, "removed": removed_mask, "previous": previous,
        }));
    }
    let which = if previous { "previous key" } else { "key" };
    ctx.ui.info(&format!(
        "removed the {provider_id} ({label}) {which} {removed_mask} from the vault. It keeps working at {} until you revoke it in their dashboard.",
        provider.spec.name
    ));
    Ok(())
}

/// Whether the person at the terminal agreed; without a terminal to ask on, the error
/// that names `--yes`.
fn confirm(what: &str, provider: &str, label: &str, previous: bool) -> Result<bool> {
    let flag = if label == crate::vocab::DEFAULT_LABEL {
        String::new()
    } else {
        format!(" --label {label}")
    };
    let retry = format!(
        "byok key revoke {provider}{flag}{} --yes",
        if previous { " --previous" } else { "" }
    );
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        let mut what = what.to_string();
        if let Some(first) = what.get(0..1) {
            what.replace_range(0..1, &first.to_uppercase());
        }
        return Err(Error::NeedsConfirmation { what, retry });
    }
    let yes = dialoguer::Confirm::new()
        .with_prompt(format!("Go ahead with {what}?"))
        .default(false)
        .interact()
        .map_err(|e| Error::Usage(format!("could not read the answer: {e}")))?;
    Ok(yes)
}
