//! `byok status`: everything a person checks when something does not work — the vault and
//! how it unlocks, the keyring and why it is or is not used, the active profile, provider
//! health and budgets. It never prompts, never unlocks the vault and never calls a
//! provider: the key count comes from vault.toml's index, health from the ledger.

use serde::Serialize;

use super::Ctx;
use crate::error::Result;
use crate::ledger::Ledger;
use crate::ledger::budget::{self, Headroom};
use crate::output;
use crate::vault::keyring::{self, IdentitySlot, KeyringError};
use crate::vault::{UnlockMethod, Vault, VaultMeta};

#[derive(Serialize)]
struct VaultJson {
    path: String,
    exists: bool,
    unlock: Option<&'static str>,
    keys: Option<usize>,
    recipients: Option<usize>,
    error: Option<String>,
}

#[derive(Serialize)]
struct KeyringJson {
    backend: &'static str,
    /// `used`, `available`, `unavailable`, `off`.
    status: &'static str,
    detail: String,
}

#[derive(Serialize)]
struct ProfileJson {
    name: String,
    chosen_by: &'static str,
    path: String,
    exists: bool,
    routes: Vec<String>,
    error: Option<String>,
}

#[derive(Serialize)]
struct ProviderJson {
    provider: String,
    /// `vault:<label>` for each vault key, then `env:<VAR>` for a key in the environment.
    keys: Vec<String>,
    health: String,
}

#[derive(Serialize)]
struct StatusJson {
    vault: VaultJson,
    keyring: KeyringJson,
    profile: ProfileJson,
    providers: Vec<ProviderJson>,
    budgets: Vec<Headroom>,
    ledger: String,
    /// Every `byok serve` (or `exec --proxy`) running for this BYOK_HOME.
    serve: Vec<crate::serve::state::Running>,
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let meta = Vault::exists(&ctx.paths).then(|| VaultMeta::load(&ctx.paths.vault_meta()));
    let vault = VaultJson {
        path: ctx.paths.vault().display().to_string(),
        exists: meta.is_some(),
        unlock: meta
            .as_ref()
            .and_then(|m| m.as_ref().ok())
            .map(|m| m.unlock.as_str()),
        keys: meta
            .as_ref()
            .and_then(|m| m.as_ref().ok())
            .map(|m| m.keys.len()),
        recipients: meta
            .as_ref()
            .and_then(|m| m.as_ref().ok())
            .map(|m| m.recipients.len()),
        error: meta
            .as_ref()
            .and_then(|m| m.as_ref().err())
            .map(|e| e.to_string()),
    };
    let meta = meta.and_then(|m| m.ok());
    let keyring = keyring_state(meta.as_ref());

    let (name, chosen_by) = ctx.profile_name();
    let loaded = ctx.profile();
    let profile_json = ProfileJson {
        name,
        chosen_by,
        path: crate::profile::path_of(&ctx.paths, &ctx.profile_name().0)
            .display()
            .to_string(),
        exists: loaded.as_ref().is_ok_and(|l| l.exists),
        routes: loaded
            .as_ref()
            .map(|l| l.profile.routes.keys().cloned().collect())
            .unwrap_or_default(),
        error: loaded.as_ref().err().map(|e| e.to_string()),
    };
    let ledger = match ctx.existing_ledger() {
        Ok(l) => l,
        Err(e) => {
            ctx.ui.warn(&e.to_string());
            None
        }
    };
    let ledger_at = Ledger::location(&ctx.paths, loaded.as_ref().ok().map(|l| &l.profile))
        .map_or_else(
            |_| ctx.paths.ledger().display().to_string(),
            |l| l.describe(&ctx.paths),
        );
    let providers = provider_rows(ctx, meta.as_ref(), ledger.as_ref());
    let budgets: Vec<Headroom> = match &loaded {
        Ok(l) => budget::headrooms(ledger.as_ref(), &budget::all_caps(&l.profile)),
        Err(_) => Vec::new(),
    };
    let status = StatusJson {
        vault,
        keyring,
        profile: profile_json,
        providers,
        budgets,
        ledger: ledger_at,
        serve: crate::serve::state::running(&ctx.paths),
    };
    if ctx.ui.json {
        return ctx.ui.print_json(&status);
    }
    print_text(ctx, &status)
}

fn keyring_state(meta: Option<&VaultMeta>) -> KeyringJson {
    let backend = keyring::backend_name();
    let uses_keyring = meta.is_some_and(|m| m.unlock == UnlockMethod::Keyring);
    let (status, detail) = match keyring::platform_store() {
        Err(KeyringError::Off) => (
            "off",
            "BYOK_KEYRING=off: byok does not touch the OS keyring".to_string(),
        ),
        Err(e) => (
            "unavailable",
            format!("{e}; new vaults use a passphrase or BYOK_IDENTITY"),
        ),
        Ok(store) => match meta {
            Some(m) if uses_keyring => match IdentitySlot::new(store, &m.id).get() {
                Ok(_) => (
                    "used",
                    format!(
                        "holds this vault's identity (service `byok`, account `vault:{}`)",
                        m.id
                    ),
                ),
                Err(e) => (
                    "unavailable",
                    format!("the vault is unlocked by it, but: {e}"),
                ),
            },
            Some(m) => (
                "available",
                format!(
                    "answers, but this vault is unlocked by {}",
                    m.unlock.describe()
                ),
            ),
            None => (
                "available",
                "answers; the first `byok key add` will keep the vault's identity there".into(),
            ),
        },
    };
    KeyringJson {
        backend,
        status,
        detail,
    }
}

/// Every provider that has a key (vault index or environment) or a health record.
fn provider_rows(
    ctx: &Ctx,
    meta: Option<&VaultMeta>,
    ledger: Option<&Ledger>,
) -> Vec<ProviderJson> {
    let registry = ctx.registry().unwrap_or_default();
    let health: Vec<(String, String)> = ledger
        .and_then(|l| l.all_health().ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(p, h)| (p, h.describe()))
        .collect();
    let mut rows = Vec::new();
    for id in registry.known_ids() {
        let Ok(p) = registry.resolve(&id) else {
            continue;
        };
        let mut keys: Vec<String> = meta
            .map(|m| {
                m.keys
                    .iter()
                    .filter(|k| k.provider == id)
                    .map(|k| format!("vault:{}", k.label))
                    .collect()
            })
            .unwrap_or_default();
        if let Some((var, _)) = p.env_key() {
            keys.push(format!("env:{var}"));
        }
        let h = health
            .iter()
            .find(|(p, _)| *p == id)
            .map(|(_, h)| h.clone());
        if keys.is_empty() && h.is_none() {
            continue;
        }
        rows.push(ProviderJson {
            provider: id,
            keys,
            health: h.unwrap_or_else(|| "ok".into()),
        });
    }
    rows
}

fn print_text(ctx: &Ctx, s: &StatusJson) -> Result<()> {
    let mut text = String::new();
    let v = &s.vault;
    text.push_str(&match (&v.error, v.exists) {
        (Some(e), _) => format!("vault:     {} — {e}\n", v.path),
        (None, false) => format!(
            "vault:     {} (not created yet: byok key add <provider>)\n",
            v.path
        ),
        (None, true) => format!(
            "vault:     {} — unlocked by {}, {} key{}, {} recipient{}\n",
            v.path,
            v.unlock.unwrap_or("?"),
            v.keys.unwrap_or(0),
            if v.keys == Some(1) { "" } else { "s" },
            v.recipients.unwrap_or(0),
            if v.recipients == Some(1) { "" } else { "s" }
        ),
    });
    text.push_str(&format!(
        "keyring:   {} — {}: {}\n",
        s.keyring.backend, s.keyring.status, s.keyring.detail
    ));
    let p = &s.profile;
    text.push_str(&match &p.error {
        Some(e) => format!("profile:   {} (chosen by {}) — {e}\n", p.name, p.chosen_by),
        None => format!(
            "profile:   {} (chosen by {}) — {}{}\n",
            p.name,
            p.chosen_by,
            if p.exists {
                p.path.clone()
            } else {
                format!("{} (not created yet)", p.path)
            },
            if p.routes.is_empty() {
                String::new()
            } else {
                format!(", routes: {}", p.routes.join(", "))
            }
        ),
    });
    text.push_str(&format!("ledger:    {}\n", s.ledger));
    for r in &s.serve {
        text.push_str(&format!(
            "serve:     pid {} on {}, {} client{}{}\n",
            r.pid,
            r.address,
            r.clients.len(),
            if r.clients.len() == 1 { "" } else { "s" },
            if r.clients.is_empty() {
                String::new()
            } else {
                format!(" ({})", r.clients.join(", "))
            }
        ));
    }
    output::write_stdout(text.as_bytes())?;
    if !s.providers.is_empty() {
        let mut t = ctx.ui.table(&[("provider", 0), ("keys", 0), ("health", 0)]);
        for r in &s.providers {
            t.add_row(vec![
                comfy_table::Cell::new(&r.provider),
                comfy_table::Cell::new(if r.keys.is_empty() {
                    "—".to_string()
                } else {
                    r.keys.join(", ")
                }),
                ctx.ui.status_cell(&r.health),
            ]);
        }
        ctx.ui.print_table(t)?;
    }
    if !s.budgets.is_empty() {
        let mut t = ctx.ui.table(&[
            ("budget", 0),
            ("month", 3),
            ("cap", 2),
            ("spent", 2),
            ("left", 0),
        ]);
        for h in &s.budgets {
            t.add_row(vec![
                h.scope.clone(),
                budget::month_name(&h.month),
                budget::amount(h.unit, h.cap),
                budget::amount(h.unit, h.spent),
                budget::amount(h.unit, h.left),
            ]);
        }
        ctx.ui.print_table(t)?;
    }
    Ok(())
}
