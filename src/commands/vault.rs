//! `byok vault init | status | unlock | lock | recipients list|add|rm`.

use serde::Serialize;

use super::Ctx;
use crate::cli::{RecipientsCommand, VaultCommand};
use crate::error::{Error, Result};
use crate::output;
use crate::vault::{
    InitPreference, RecipientEntry, SessionState, SessionUnlock, UnlockMethod, Vault, VaultMeta,
    identity, keyring,
};

pub fn run(ctx: &Ctx, cmd: VaultCommand) -> Result<()> {
    match cmd {
        VaultCommand::Init { passphrase } => init(ctx, passphrase),
        VaultCommand::Status => status(ctx),
        VaultCommand::Unlock { lasting } => unlock(ctx, lasting),
        VaultCommand::Lock => lock(ctx),
        VaultCommand::Recipients(cmd) => match cmd {
            RecipientsCommand::List => recipients_list(ctx),
            RecipientsCommand::Add { recipient, name } => recipients_add(ctx, &recipient, name),
            RecipientsCommand::Rm { recipient, force } => recipients_rm(ctx, &recipient, force),
        },
    }
}

/// `recipients list`: from vault.toml alone, so it needs no unlock.
fn recipients_list(ctx: &Ctx) -> Result<()> {
    if !Vault::exists(&ctx.paths) {
        return Err(Error::NoVault {
            path: ctx.paths.vault(),
        });
    }
    let meta = VaultMeta::load(&ctx.paths.vault_meta())?;
    if ctx.ui.json {
        return ctx.ui.print_json(&meta.recipients);
    }
    let mut table = ctx.ui.table(&[("recipient", 0), ("name", 1), ("added", 2)]);
    for r in &meta.recipients {
        table.add_row(vec![
            short_recipient(&r.key),
            if r.name.is_empty() {
                "—".to_string()
            } else {
                r.name.clone()
            },
            output::local_time(r.added_at),
        ]);
    }
    ctx.ui.print_table(table)
}

/// `recipients add`: the vault is opened (exclusive lock) and re-encrypted to every
/// recipient, the new one included.
fn recipients_add(ctx: &Ctx, given: &str, name: Option<String>) -> Result<()> {
    // Checked before unlocking anything: a typo fails fast.
    let key = identity::canonical_recipient(given)?;
    let name = name
        .map(|n| n.trim().to_string())
        .unwrap_or_else(|| ssh_comment(given));
    if name.chars().any(char::is_control) {
        return Err(Error::Usage(
            "a recipient's name cannot hold control characters".into(),
        ));
    }
    let mut vault = Vault::open_for_write(&ctx.paths, &ctx.keyring)?;
    warn_all(ctx, &vault);
    if let Some(existing) = vault
        .meta
        .recipients
        .iter()
        .find(|r| same_recipient(&r.key, &key))
    {
        return Err(Error::RecipientExists {
            key: short_recipient(&key),
            name: existing.name.clone(),
        });
    }
    if let Some(existing) = vault
        .meta
        .recipients
        .iter()
        .find(|r| !name.is_empty() && r.name == name)
    {
        return Err(Error::RecipientNameTaken {
            name,
            key: short_recipient(&existing.key),
        });
    }
    let entry = RecipientEntry {
        key,
        name,
        added_at: jiff::Timestamp::now(),
    };
    vault.add_recipient(entry.clone())?;
    let count = vault.meta.recipients.len();
    if ctx.ui.json {
        return ctx.ui.print_json(&serde_json::json!({
            "added": entry, "recipients": count,
        }));
    }
    ctx.ui.info(&format!(
        "added {}{}: the vault is now encrypted to {count} recipients\n\
         share vault.age and vault.toml (they can live in a repository); the recipient opens it with\n\
         BYOK_IDENTITY=AGE-SECRET-KEY-1… or BYOK_IDENTITY_FILE=<private key file>",
        short_recipient(&entry.key),
        if entry.name.is_empty() {
            String::new()
        } else {
            format!(" ({})", entry.name)
        },
    ));
    Ok(())
}

/// `recipients rm`: re-encrypts without the recipient, then says which keys to rotate.
fn recipients_rm(ctx: &Ctx, given: &str, force: bool) -> Result<()> {
    let mut vault = Vault::open_for_write(&ctx.paths, &ctx.keyring)?;
    warn_all(ctx, &vault);
    let index = find_recipient(&vault.meta.recipients, given)?;
    let entry = vault.meta.recipients[index].clone();
    if vault.meta.recipients.len() == 1 {
        return Err(Error::LastRecipient {
            key: short_recipient(&entry.key),
        });
    }
    let own = same_recipient(&entry.key, &vault.opened_recipient);
    let machine = own && !vault.opened_from_env && vault.meta.unlock != UnlockMethod::Identity;
    if own && !force {
        return Err(Error::RecipientInUse {
            key: short_recipient(&entry.key),
            opened_by: vault.opened_by.clone(),
            machine,
            retry: format!("byok vault recipients rm {} --force", shell_word(given)),
        });
    }
    let before = vault.meta.unlock;
    if machine {
        // The stored identity (keyring or identity.age) no longer opens the vault: say so
        // in vault.toml, so the next open asks for BYOK_IDENTITY instead of failing to
        // decrypt.
        vault.meta.unlock = UnlockMethod::Identity;
    }
    let removed = vault.remove_recipient(index)?;
    let count = vault.meta.recipients.len();
    let rotate: Vec<String> = vault
        .doc
        .keys
        .iter()
        .map(|k| {
            if k.label == crate::vocab::DEFAULT_LABEL {
                format!("byok key rotate {}", k.provider)
            } else {
                format!("byok key rotate {} --label {}", k.provider, k.label)
            }
        })
        .collect();
    let who = if removed.name.is_empty() {
        short_recipient(&removed.key)
    } else {
        format!("{} ({})", short_recipient(&removed.key), removed.name)
    };
    if machine {
        ctx.ui.warn(&format!(
            "this machine's identity ({}) no longer opens the vault: open it with BYOK_IDENTITY or BYOK_IDENTITY_FILE from now on",
            before.describe()
        ));
    }
    if rotate.is_empty() {
        ctx.ui.warn(&format!(
            "{who} could open the vault until now; it holds no keys, so there is nothing to rotate"
        ));
    } else {
        ctx.ui.warn(&format!(
            "{who} could read every key in the vault until now, and may have kept a copy of vault.age (or it is in your repository's history): \
             re-encrypting does not take the keys back. Rotate each of them at its provider and in byok:\n  {}",
            rotate.join("\n  ")
        ));
    }
    if ctx.ui.json {
        return ctx.ui.print_json(&serde_json::json!({
            "removed": removed, "recipients": count, "rotate": rotate,
        }));
    }
    ctx.ui.info(&format!(
        "removed {who}: the vault is now encrypted to {count} recipient{}",
        if count == 1 { "" } else { "s" }
    ));
    Ok(())
}

/// The recipient `given` names: its key (any form of it), else its name.
fn find_recipient(recipients: &[RecipientEntry], given: &str) -> Result<usize> {
    if let Ok(key) = identity::canonical_recipient(given)
        && let Some(i) = recipients.iter().position(|r| same_recipient(&r.key, &key))
    {
        return Ok(i);
    }
    let named: Vec<usize> = recipients
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.name.is_empty() && r.name == given.trim())
        .map(|(i, _)| i)
        .collect();
    match named.as_slice() {
        [i] => Ok(*i),
        [] => Err(Error::RecipientNotFound {
            given: given.trim().to_string(),
        }),
        _ => Err(Error::Usage(format!(
            "several recipients are named `{}`: remove one by its key (see `byok vault recipients list --json`)",
            given.trim()
        ))),
    }
}

fn same_recipient(a: &str, b: &str) -> bool {
    let canon = |s: &str| identity::canonical_recipient(s).unwrap_or_else(|_| s.trim().to_string());
    canon(a) == canon(b)
}

/// `user@host` from `ssh-ed25519 AAAA… user@host`: the default name of an ssh recipient.
fn ssh_comment(given: &str) -> String {
    let given = given.trim();
    if !given.starts_with("ssh-") {
        return String::new();
    }
    given
        .split_whitespace()
        .skip(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Quotes a word for a command shown in a hint, when it needs quoting.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@/:+=".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn warn_all(ctx: &Ctx, vault: &Vault) {
    for w in &vault.warnings {
        ctx.ui.warn(w);
    }
}

/// `unlock`: the passphrase once, then the identity in the kernel keyring for `lasting`.
fn unlock(ctx: &Ctx, lasting: std::time::Duration) -> Result<()> {
    match crate::vault::unlock_session(&ctx.paths, lasting)? {
        SessionUnlock::Cached {
            vault_id,
            expires_at,
        } => {
            if ctx.ui.json {
                return ctx.ui.print_json(&serde_json::json!({
                    "unlocked": true, "id": vault_id, "until": expires_at,
                }));
            }
            ctx.ui.info(&format!(
                "vault unlocked for this session until {} ({}): later commands open it without the passphrase; `byok vault lock` locks it now",
                output::local_time(expires_at),
                crate::duration::format(lasting)
            ));
        }
        SessionUnlock::NotNeeded { why } => {
            if ctx.ui.json {
                return ctx
                    .ui
                    .print_json(&serde_json::json!({ "unlocked": false, "why": why }));
            }
            ctx.ui.info(&format!("nothing to unlock: {why}"));
        }
    }
    Ok(())
}

/// `lock`: forgets the cached identity; fine when there was none.
fn lock(ctx: &Ctx) -> Result<()> {
    let had = crate::vault::lock_session(&ctx.paths)?;
    if ctx.ui.json {
        return ctx.ui.print_json(&serde_json::json!({ "locked": had }));
    }
    ctx.ui.info(if had {
        "vault locked: the identity kept for this session is gone; the next command asks for the passphrase"
    } else {
        "nothing to lock: the vault was not unlocked for this session"
    });
    Ok(())
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
    /// A passphrase vault's session unlock (`vault unlock`); absent for other vaults.
    session: Option<SessionJson>,
}

#[derive(Serialize)]
struct SessionJson {
    unlocked: bool,
    until: Option<jiff::Timestamp>,
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
                session: None,
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
    let session =
        (meta.unlock == UnlockMethod::Passphrase).then(|| crate::vault::session_state(&meta));
    // Count keys only when that needs no prompt: status must be safe to run anywhere.
    let needs_prompt = meta.unlock == UnlockMethod::Passphrase
        && !matches!(session, Some(SessionState::Unlocked { .. }))
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
            session: session.as_ref().map(|s| match s {
                SessionState::Unlocked { expires_at } => SessionJson {
                    unlocked: true,
                    until: Some(*expires_at),
                    error: None,
                },
                SessionState::Locked => SessionJson {
                    unlocked: false,
                    until: None,
                    error: None,
                },
                SessionState::Unavailable(e) => SessionJson {
                    unlocked: false,
                    until: None,
                    error: Some(e.clone()),
                },
            }),
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
    match &session {
        Some(SessionState::Unlocked { expires_at }) => text.push_str(&format!(
            "session:    unlocked until {} ({} left; `byok vault lock` locks it)\n",
            output::local_time(*expires_at),
            time_left(*expires_at)
        )),
        Some(SessionState::Locked) => text.push_str(
            "session:    locked (`byok vault unlock` asks the passphrase once for the session)\n",
        ),
        Some(SessionState::Unavailable(e)) => {
            text.push_str(&format!("session:    cannot be unlocked — {e}\n"))
        }
        None => {}
    }
    text.push_str(&format!("recipients: {}\n", meta.recipients.len()));
    for r in &meta.recipients {
        text.push_str(&format!("  {}  {}\n", short_recipient(&r.key), r.name));
    }
    output::write_stdout(text.as_bytes())
}

/// `7h59m`: what is left of a session unlock, to the minute above a minute.
fn time_left(until: jiff::Timestamp) -> String {
    let secs = (until.as_second() - jiff::Timestamp::now().as_second()).max(0) as u64;
    let rounded = if secs >= 60 { secs - secs % 60 } else { secs };
    crate::duration::format(std::time::Duration::from_secs(rounded))
}

fn describe(e: &Error) -> String {
    match e.hint() {
        Some(h) => format!("{e} ({h})"),
        None => e.to_string(),
    }
}

/// `age1qyqszqgpqyqszqgp…ctu5` — recognisable without a 62-character line.
/// `ssh-ed25519 …dq9Lbn0a1x2Q` — the start of an ssh key's base64 only repeats its type.
fn short_recipient(key: &str) -> String {
    let tail = |s: &str, n: usize| -> String {
        let chars: Vec<char> = s.chars().collect();
        chars[chars.len().saturating_sub(n)..].iter().collect()
    };
    if let Some((kind, body)) = key.split_once(' ') {
        let body = body.split_whitespace().next().unwrap_or("");
        if body.len() <= 16 {
            return format!("{kind} {body}");
        }
        return format!("{kind} …{}", tail(body, 12));
    }
    if key.len() <= 24 {
        return key.to_string();
    }
    let head: String = key.chars().take(16).collect();
    format!("{head}…{}", tail(key, 6))
}
