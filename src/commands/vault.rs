//! `byok vault init | status`.

use serde::Serialize;

use super::Ctx;
use crate::cli::VaultCommand;
use crate::error::{Error, Result};
use crate::output;
use crate::vault::{InitPreference, RecipientEntry, UnlockMethod, Vault, VaultMeta, keyring};

pub fn run(ctx: &Ctx, cmd: VaultCommand) -> Result<()> {
    match cmd {
        VaultCommand::Init { passphrase } => init(ctx, passphrase),
        VaultCommand::Status => status(ctx),
    }
}

fn init(ctx: &Ctx, passphrase: bool) -> Result<()> {
    let pref = if passphrase {
        InitPreference::Passphrase
    } else {
        InitPreference::Automatic
    };
    let (vault, created) = Vault::create(&ctx.paths, &ctx.keyring, pref)?;
    if ctx.ui.json {
        return ctx.ui.print_json(&serde_json::json!({
            "path": vault.paths.vault(), "id": vault.meta.id, "unlock": created.method.as_str(), "why": created.why,
        }));
    }
    ctx.ui.info(&format!(
        "vault created at {} (unlocked by {}: {})\nadd a key: byok key add <provider>",
        vault.paths.vault().display(),
        created.method.describe(),
        created.why
    ));
    Ok(())
}

#[derive(Serialize)]
struct StatusJson<'a> {
    path: std::path::PathBuf,
    exists: bool,
    id: Option<&'a str>,
    unlock: Option<&'static str>,
    created_at: Option<jiff::Timestamp>,
    recipients: &'a [RecipientEntry],
    keys: Option<usize>,
    keyring_backend: &'static str,
    opened_by: Option<String>,
    error: Option<String>,
}

fn status(ctx: &Ctx) -> Result<()> {
    let path = ctx.paths.vault();
    if !Vault::exists(&ctx.paths) {
        if ctx.ui.json {
            return ctx.ui.print_json(&StatusJson {
                path,
                exists: false,
                id: None,
                unlock: None,
                created_at: None,
                recipients: &[],
                keys: None,
                keyring_backend: keyring::backend_name(),
                opened_by: None,
                error: None,
            });
        }
        output::write_stdout(
            format!(
                "vault:      {} (not created yet)\nnext:       byok key add <provider>\n",
                path.display()
            )
            .as_bytes(),
        )?;
        return Ok(());
    }
    let meta = VaultMeta::load(&ctx.paths.vault_meta())?;
    // Count keys only when that needs no prompt: status must be safe to run anywhere.
    let needs_prompt = meta.unlock == UnlockMethod::Passphrase
        && std::env::var_os("BYOK_PASSPHRASE").is_none()
        && std::env::var_os("BYOK_IDENTITY").is_none()
        && std::env::var_os("BYOK_IDENTITY_FILE").is_none();
    let opened: std::result::Result<Vault, String> = if needs_prompt {
        Err("passphrase needed to count keys (`byok key list` asks for it)".into())
    } else {
        Vault::open(&ctx.paths, &ctx.keyring).map_err(|e| describe(&e))
    };
    let (keys, opened_by, error) = match &opened {
        Ok(v) => (Some(v.doc.keys.len()), Some(v.opened_by.clone()), None),
        Err(e) => (None, None, Some(e.clone())),
    };
    if ctx.ui.json {
        return ctx.ui.print_json(&StatusJson {
            path,
            exists: true,
            id: Some(&meta.id),
            unlock: Some(meta.unlock.as_str()),
            created_at: Some(meta.created_at),
            recipients: &meta.recipients,
            keys,
            keyring_backend: keyring::backend_name(),
            opened_by,
            error,
        });
    }
    let mut text = String::new();
    text.push_str(&format!("vault:      {}\n", path.display()));
    text.push_str(&format!("id:         {}\n", meta.id));
    text.push_str(&format!("unlocked by: {}", meta.unlock.describe()));
    if meta.unlock == UnlockMethod::Keyring {
        text.push_str(&format!(
            " ({}, service `{}`, account `vault:{}`)",
            keyring::backend_name(),
            keyring::SERVICE,
            meta.id
        ));
    }
    if meta.unlock == UnlockMethod::Passphrase {
        text.push_str(&format!(" ({})", ctx.paths.identity().display()));
    }
    text.push('\n');
    text.push_str(&format!(
        "created:    {}\n",
        output::local_time(meta.created_at)
    ));
    match (&keys, &error) {
        (Some(n), _) => text.push_str(&format!(
            "keys:       {n} (opened with {})\n",
            opened_by.unwrap_or_default()
        )),
        (None, Some(e)) => text.push_str(&format!("keys:       ? — {e}\n")),
        _ => {}
    }
    text.push_str(&format!("recipients: {}\n", meta.recipients.len()));
    for r in &meta.recipients {
        text.push_str(&format!("  {}  {}\n", short_recipient(&r.key), r.name));
    }
    output::write_stdout(text.as_bytes())
}

fn describe(e: &Error) -> String {
    match e.hint() {
        Some(h) => format!("{e} ({h})"),
        None => e.to_string(),
    }
}

/// `age1qyqszqgpqyqszqgp…ctu5` — recognisable without a 62-character line.
fn short_recipient(key: &str) -> String {
    if key.len() <= 24 {
        return key.to_string();
    }
    let head: String = key.chars().take(16).collect();
    let tail: String = key
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head}…{tail}")
}
