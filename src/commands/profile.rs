//! `byok profile list | show | use` (README "Profiles and routes"): which profiles exist, which one is
//! active and why, what the active one sets, and choosing it for later commands.

use serde::Serialize;
use serde_json::{Value, json};

use super::Ctx;
use crate::cli::ProfileCommand;
use crate::error::{Error, Result};
use crate::fsio;
use crate::prices::format_usd;
use crate::profile::{self, DEFAULT_PROFILE, Profile};

pub fn run(ctx: &Ctx, cmd: ProfileCommand) -> Result<()> {
    match cmd {
        ProfileCommand::List => list(ctx),
        ProfileCommand::Show => show(ctx),
        ProfileCommand::Use { name } => use_profile(ctx, &name),
    }
}

#[derive(Debug, Serialize)]
struct ListRow {
    name: String,
    active: bool,
    /// Why it is active: `--profile`, `BYOK_PROFILE`, `byok profile use` or `default`.
    reason: Option<&'static str>,
    exists: bool,
    /// `ok`, `empty` (the default profile with no file), `missing` or `invalid`.
    status: &'static str,
    routes: Option<usize>,
    path: String,
    error: Option<String>,
}

fn list(ctx: &Ctx) -> Result<()> {
    let (active, reason) = ctx.profile_name();
    let mut names = profile::list(&ctx.paths);
    for extra in [DEFAULT_PROFILE, active.as_str()] {
        if !names.iter().any(|n| n == extra) {
            names.push(extra.to_string());
        }
    }
    names.sort();
    let rows: Vec<ListRow> = names
        .into_iter()
        .map(|name| {
            let path = profile::path_of(&ctx.paths, &name);
            let is_active = name == active;
            let (exists, status, routes, error) = match profile::load(&ctx.paths, &name) {
                Ok(lp) if lp.exists => (true, "ok", Some(lp.profile.routes.len()), None),
                Ok(_) => (false, "empty", Some(0), None),
                Err(Error::UnknownProfile { .. }) => (false, "missing", None, None),
                Err(e) => (path.exists(), "invalid", None, Some(e.to_string())),
            };
            ListRow {
                name,
                active: is_active,
                reason: is_active.then_some(reason),
                exists,
                status,
                routes,
                path: path.display().to_string(),
                error,
            }
        })
        .collect();
    if ctx.ui.json {
        return ctx.ui.print_json(&rows);
    }
    let mut t = ctx.ui.table(&[
        ("profile", 0),
        ("active", 1),
        ("status", 1),
        ("routes", 2),
        ("file", 3),
    ]);
    for row in &rows {
        let file = if row.exists {
            row.path.clone()
        } else {
            "— (no file)".to_string()
        };
        t.add_row(vec![
            comfy_table::Cell::new(&row.name),
            comfy_table::Cell::new(match row.reason {
                Some(why) => format!("* ({why})"),
                None => String::new(),
            }),
            ctx.ui.status_cell(row.status),
            comfy_table::Cell::new(
                row.routes
                    .map_or_else(|| "—".to_string(), |n| n.to_string()),
            ),
            comfy_table::Cell::new(file),
        ]);
    }
    ctx.ui.print_table(t)?;
    for row in rows.iter().filter(|r| r.status == "invalid") {
        if let Some(e) = &row.error {
            ctx.ui.warn(e);
        }
    }
    if let Some(row) = rows.iter().find(|r| r.active && r.status == "missing") {
        ctx.ui.warn(&format!(
            "the active profile `{}` has no file: commands that need it fail. Create it with `byok --profile {} route set default <provider:model>`, or switch: byok profile use default",
            row.name, row.name
        ));
    }
    Ok(())
}

fn show(ctx: &Ctx) -> Result<()> {
    let (_, reason) = ctx.profile_name();
    // Loading validates: a malformed profile is exit 3 with file:line:column.
    let loaded = ctx.profile()?;
    let p = &loaded.profile;
    if ctx.ui.json {
        return ctx.ui.print_json(&json!({
            "name": loaded.name,
            "reason": reason,
            "path": loaded.path.display().to_string(),
            "exists": loaded.exists,
            "allow": p.allow,
            "routes": p.routes.iter().map(|(name, r)| (name.clone(), json!({
                "model": r.model,
                "fallback": r.fallback,
                "key": r.key,
                "monthly_tokens": r.monthly_tokens,
                "monthly_usd": r.monthly_usd,
                "guard": r.guard,
            }))).collect::<serde_json::Map<String, Value>>(),
            "guard": p.guard_policy(None).0,
            "providers": p.providers.iter().map(|(id, c)| (id.clone(), json!({
                "kind": c.kind,
                "base_url": c.base_url,
                "key_env": c.key_env,
                "default_model": c.default_model,
            }))).collect::<serde_json::Map<String, Value>>(),
            "budgets": {
                "monthly_tokens": p.budgets.monthly_tokens,
                "monthly_usd": p.budgets.monthly_usd,
            },
            "council": p.council.as_ref().map(|c| json!({
                "members": c.members,
                "mode": c.mode,
                "quorum": c.quorum,
                "chair": c.chair,
            })),
            "prices": p.prices,
            "health": {
                "failures": p.health.failures,
                "cooldown_secs": p.health.cooldown_secs,
            },
        }));
    }
    let mut out = String::new();
    let mut line = |k: &str, v: &str| out.push_str(&format!("{k:<10} {v}\n"));
    line("profile", &format!("{} (active: {reason})", loaded.name));
    line(
        "file",
        &if loaded.exists {
            loaded.path.display().to_string()
        } else {
            format!(
                "{} (not created yet: an empty profile)",
                loaded.path.display()
            )
        },
    );
    for (k, v) in summary(p) {
        line(k, &v);
    }
    crate::output::write_stdout(out.as_bytes())?;
    if p.routes.is_empty() {
        ctx.ui.info(
            "add a route with: byok route set default openai:gpt-4o-mini --fallback ollama:llama3.2",
        );
    }
    Ok(())
}

/// The profile's settings as labelled lines (a label repeats as blank for continuations).
fn summary(p: &Profile) -> Vec<(&'static str, String)> {
    let mut lines = Vec::new();
    let mut push_all = |label: &'static str, items: Vec<String>| {
        for (i, item) in items.into_iter().enumerate() {
            lines.push((if i == 0 { label } else { "" }, item));
        }
    };
    push_all(
        "allow",
        vec![match &p.allow {
            Some(ids) if ids.is_empty() => "nothing (the allowlist is empty)".to_string(),
            Some(ids) => ids.join(", "),
            None => "every provider (no allowlist)".to_string(),
        }],
    );
    let routes: Vec<String> = p
        .routes
        .iter()
        .map(|(name, r)| {
            let mut s = format!("{name} → {}", r.model);
            if !r.fallback.is_empty() {
                s.push_str(&format!(", then {}", r.fallback.join(", ")));
            }
            if let Some(k) = &r.key {
                s.push_str(&format!(" [key {k}]"));
            }
            if let Some(g) = r.guard {
                s.push_str(&format!(" [guard {}]", g.as_str()));
            }
            s
        })
        .collect();
    push_all(
        "guard",
        vec![match p.guard {
            Some(g) => g.as_str().to_string(),
            None => "redact (the default)".to_string(),
        }],
    );
    push_all(
        "routes",
        if routes.is_empty() {
            vec!["none".to_string()]
        } else {
            routes
        },
    );
    if !p.providers.is_empty() {
        push_all(
            "providers",
            p.providers
                .iter()
                .map(|(id, c)| {
                    let mut parts = Vec::new();
                    if let Some(kind) = &c.kind {
                        parts.push(format!("{kind} wire"));
                    }
                    if let Some(url) = &c.base_url {
                        parts.push(url.clone());
                    }
                    if let Some(var) = &c.key_env {
                        parts.push(format!("key from ${var}"));
                    }
                    if let Some(m) = &c.default_model {
                        parts.push(format!("default model {m}"));
                    }
                    format!("{id}: {}", parts.join(", "))
                })
                .collect(),
        );
    }
    if !p.budgets.is_empty() {
        let mut items: Vec<String> = p
            .budgets
            .monthly_tokens
            .iter()
            .map(|(k, n)| format!("{k}: {n} tokens a month"))
            .collect();
        items.extend(
            p.budgets
                .monthly_usd
                .iter()
                .map(|(k, usd)| format!("{k}: {} a month", format_usd(*usd))),
        );
        push_all("budgets", items);
    }
    if let Some(c) = &p.council {
        let mut s = format!(
            "{} of {}",
            c.mode.as_deref().unwrap_or("majority"),
            if c.members.is_empty() {
                "no members".to_string()
            } else {
                c.members.join(", ")
            }
        );
        if let Some(q) = c.quorum {
            s.push_str(&format!(", quorum {q}"));
        }
        if let Some(chair) = &c.chair {
            s.push_str(&format!(", chair {chair}"));
        }
        push_all("council", vec![s]);
    }
    if !p.prices.is_empty() {
        push_all(
            "prices",
            p.prices
                .iter()
                .map(|(model, price)| {
                    format!(
                        "{model}: {} in, {} out per 1M tokens",
                        format_usd(price.input),
                        format_usd(price.output)
                    )
                })
                .collect(),
        );
    }
    push_all(
        "health",
        vec![format!(
            "degraded after {} failures in a row, for {} s",
            p.health.failures, p.health.cooldown_secs
        )],
    );
    lines
}

fn use_profile(ctx: &Ctx, name: &str) -> Result<()> {
    profile::check_name(name)?;
    // Refuses a missing profile (other than `default`) and a malformed one: choosing it
    // would make every later command fail.
    let loaded = profile::load(&ctx.paths, name).map_err(|e| match e {
        Error::UnknownProfile { name, mut known } => {
            if !known.iter().any(|k| k == DEFAULT_PROFILE) {
                known.push(DEFAULT_PROFILE.to_string());
                known.sort();
            }
            Error::UnknownProfile { name, known }
        }
        other => other,
    })?;
    let file = profile::active_file(&ctx.paths);
    fsio::write_atomic(&file, format!("{name}\n").as_bytes())?;
    ctx.ui.info(&format!(
        "profile `{name}` is now active ({}{})",
        loaded.path.display(),
        if loaded.exists { "" } else { ", no file yet" }
    ));
    let (now, reason) = ctx.profile_name();
    if now != name {
        ctx.ui.warn(&format!(
            "{reason} selects `{now}` and takes precedence over `byok profile use`"
        ));
    }
    if ctx.ui.json {
        return ctx.ui.print_json(&json!({
            "name": name,
            "path": loaded.path.display().to_string(),
            "exists": loaded.exists,
            "active": now == name,
            "reason": reason,
        }));
    }
    Ok(())
}
