//! `byok route set | list | show | rm` (README "Profiles and routes"): the active
//! profile's routes.
//!
//! `set` and `rm` edit `profiles/<name>.toml` through [`ProfileFile`], which keeps the
//! user's comments, key order and layout and re-checks every edit before it is written.
//! `list` and `show` only read: no network, no keyring, no vault unlock (`show` reads the
//! vault's plaintext key index in `vault.toml` and the health table of the ledger).

use serde::Serialize;

use super::Ctx;
use crate::cli::RouteCommand;
use crate::error::{Error, Result};
use crate::keys::{self, KeyStatus};
use crate::ledger::Ledger;
use crate::ledger::health::Health;
use crate::policy::candidates::{self, Facts, KeyState, Skip, Verdict};
use crate::prices::{self, PriceTable, format_usd};
use crate::profile::edit::ProfileFile;
use crate::profile::{Profile, Route};
use crate::providers::Registry;
use crate::vault::KeyIndex;
use crate::vocab::ModelRef;

pub fn run(ctx: &Ctx, cmd: RouteCommand) -> Result<()> {
    match cmd {
        RouteCommand::Set {
            route,
            model,
            fallback,
            key,
        } => set(ctx, &route, &model, &fallback, key.as_deref()),
        RouteCommand::List => list(ctx),
        RouteCommand::Show { route } => show(ctx, &route),
        RouteCommand::Rm { route } => rm(ctx, &route),
    }
}

/// A route as `--json` prints it.
#[derive(Debug, Serialize)]
struct RouteJson<'a> {
    route: &'a str,
    model: &'a str,
    fallback: &'a [String],
    key: Option<&'a str>,
}

impl<'a> RouteJson<'a> {
    fn new(name: &'a str, route: &'a Route) -> Self {
        RouteJson {
            route: name,
            model: &route.model,
            fallback: &route.fallback,
            key: route.key.as_deref(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// route set / rm

/// The active profile's file, opened for editing under the profiles lock.
fn open_profile(ctx: &Ctx) -> Result<ProfileFile> {
    let (name, _) = ctx.profile_name();
    ProfileFile::open(&ctx.paths, &name)
}

fn check_route_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    {
        return Err(Error::Usage(format!(
            "`{name}` is not a usable route name: use letters, digits, `-` and `_`"
        )));
    }
    Ok(())
}

/// `provider:model`, or a provider alone for its default model (as `run -m` reads it,
/// README "Profiles and routes"), written out in full: a known provider that the profile
/// allows.
fn full_model(spec: &str, file: &ProfileFile) -> Result<String> {
    let not_a_model = || {
        Error::Usage(format!(
            "`{spec}` is not PROVIDER:MODEL (for example openai:gpt-4o-mini or ollama:llama3.2), nor a provider alone"
        ))
    };
    let parsed = ModelRef::parse(spec).ok_or_else(not_a_model)?;
    let resolved = Registry::new(&file.profile).resolve(parsed.provider);
    let provider = match (resolved, parsed.model) {
        (Ok(p), _) => p,
        // A word that is no provider and looks like none (`gpt-4o`): the colon is missing.
        (Err(Error::UnknownProvider { given, known }), None)
            if crate::vocab::did_you_mean(&given, &known).is_none() =>
        {
            return Err(not_a_model());
        }
        (Err(e), _) => return Err(e),
    };
    let model = parsed.model.unwrap_or(provider.spec.default_model);
    let provider = provider.id();
    let full = format!("{provider}:{model}");
    if let Some(allow) = &file.profile.allow
        && !allow.iter().any(|a| a == provider)
    {
        return Err(Error::NotAllowed {
            provider: provider.to_string(),
            profile: file.name.clone(),
            allowed: allow.clone(),
            path: file.path.clone(),
        });
    }
    Ok(full)
}

fn set(ctx: &Ctx, name: &str, model: &str, fallback: &[String], key: Option<&str>) -> Result<()> {
    check_route_name(name)?;
    if let Some(label) = key.filter(|k| !k.is_empty()) {
        super::check_label(label)?;
    }
    let mut file = open_profile(ctx)?;
    let model = full_model(model, &file)?;
    let fallback = fallback
        .iter()
        .map(|spec| full_model(spec, &file))
        .collect::<Result<Vec<String>>>()?;
    let replaced = file.profile.routes.contains_key(name);

    file.set_route(name, &model, &fallback, key)?;
    let created = !file.exists;
    let profile = file.save()?;
    let route = profile
        .routes
        .get(name)
        .ok_or_else(|| Error::Internal(format!("route `{name}` was not written")))?;

    let mut line = format!("route {name} → {}", route.model);
    if !route.fallback.is_empty() {
        line.push_str(&format!(", then {}", route.fallback.join(", ")));
    }
    if let Some(label) = &route.key {
        line.push_str(&format!(" [key {label}]"));
    }
    line.push_str(&format!(
        " ({}{})",
        file.path.display(),
        if created {
            ", new profile"
        } else if replaced {
            ", replaced"
        } else {
            ""
        }
    ));
    ctx.ui.info(&line);
    super::prices::warn_retired(
        &prices::PriceTable::embedded().with_overrides(profile.prices.clone()),
        route.chain().filter_map(ModelRef::full),
    );
    note_missing_keys(ctx, &profile, route);

    if ctx.ui.json {
        #[derive(Serialize)]
        struct SetJson<'a> {
            #[serde(flatten)]
            route: RouteJson<'a>,
            profile: &'a str,
            path: String,
        }
        return ctx.ui.print_json(&SetJson {
            route: RouteJson::new(name, route),
            profile: &file.name,
            path: file.path.display().to_string(),
        });
    }
    Ok(())
}

/// After `route set`: a gentle note for each provider of the chain with no key yet.
fn note_missing_keys(ctx: &Ctx, profile: &Profile, route: &Route) {
    let registry = Registry::new(profile);
    let index = key_index(ctx);
    let mut seen = Vec::new();
    for spec in route.chain() {
        let Some((id, _)) = ModelRef::full(spec) else {
            continue;
        };
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let Ok(provider) = registry.resolve(id) else {
            continue;
        };
        if keys::status(&provider, route.key.as_deref(), &index) == KeyStatus::Missing {
            ctx.ui.info(&format!(
                "note: {}",
                candidates::missing_key(id, route.key.as_deref())
            ));
        }
    }
}

fn rm(ctx: &Ctx, name: &str) -> Result<()> {
    let missing = |e: Error| match e {
        e @ Error::UnknownRoute { .. } => Error::NothingToRemove(Box::new(e)),
        e => e,
    };
    // Read-only first, so removing from a profile that has no file touches nothing.
    unknown_route(ctx, name).map_err(missing)?;
    let mut file = open_profile(ctx)?;
    let Some(old) = file.profile.routes.get(name).cloned() else {
        return Err(missing(Error::UnknownRoute {
            name: name.to_string(),
            profile: file.name.clone(),
            known: file.profile.routes.keys().cloned().collect(),
        }));
    };
    file.remove_route(name)?;
    file.save()?;
    ctx.ui
        .info(&format!("removed route {name} ({})", file.path.display()));
    if ctx.ui.json {
        return ctx.ui.print_json(&RouteJson::new(name, &old));
    }
    Ok(())
}

/// `UnknownRoute` when the active profile has no route `name`.
fn unknown_route(ctx: &Ctx, name: &str) -> Result<()> {
    let loaded = ctx.profile()?;
    if loaded.profile.routes.contains_key(name) {
        return Ok(());
    }
    Err(Error::UnknownRoute {
        name: name.to_string(),
        profile: loaded.name.clone(),
        known: loaded.profile.routes.keys().cloned().collect(),
    })
}

// ---------------------------------------------------------------------------------------
// route list

fn list(ctx: &Ctx) -> Result<()> {
    let loaded = ctx.profile()?;
    let routes = &loaded.profile.routes;
    if routes.is_empty() {
        ctx.ui.info(&format!(
            "profile `{}` has no routes yet; add one with: byok route set default openai:gpt-4o-mini --fallback ollama:llama3.2",
            loaded.name
        ));
    }
    if ctx.ui.json {
        let rows: Vec<RouteJson> = routes.iter().map(|(n, r)| RouteJson::new(n, r)).collect();
        return ctx.ui.print_json(&rows);
    }
    if routes.is_empty() {
        return Ok(());
    }
    let mut t = ctx
        .ui
        .table(&[("route", 0), ("model", 0), ("fallbacks", 1), ("key", 2)]);
    for (name, route) in routes {
        t.add_row(vec![
            name.clone(),
            route.model.clone(),
            if route.fallback.is_empty() {
                "—".to_string()
            } else {
                route.fallback.join(", ")
            },
            route.key.clone().unwrap_or_else(|| "—".to_string()),
        ]);
    }
    ctx.ui.print_table(t)
}

// ---------------------------------------------------------------------------------------
// route show

/// The vault's key index; one that cannot be read is reported and taken as unknown.
fn key_index(ctx: &Ctx) -> KeyIndex {
    KeyIndex::read(&ctx.paths).unwrap_or_else(|e| {
        ctx.ui
            .warn(&format!("cannot tell which keys the vault holds: {e}"));
        KeyIndex::unreadable()
    })
}

/// The state the candidate rule judges a key by.
fn key_state(status: &KeyStatus) -> KeyState {
    match status {
        KeyStatus::Vault(_) | KeyStatus::Env(_) => KeyState::Present,
        KeyStatus::NotNeeded => KeyState::NotNeeded,
        KeyStatus::Missing => KeyState::Missing,
        KeyStatus::Unknown => {
            KeyState::Unknown("the vault's key index (vault.toml) cannot be read".into())
        }
    }
}

#[derive(Debug, Serialize)]
struct PriceJson {
    #[serde(serialize_with = "crate::output::usd")]
    input: f64,
    #[serde(serialize_with = "crate::output::usd")]
    output: f64,
}

#[derive(Debug, Serialize)]
struct Candidate {
    provider: String,
    model: String,
    allowed: bool,
    /// `vault:<label>`, `env:<VAR>`, `not needed`, `missing` or `unknown`.
    key: String,
    /// `ok`, `1 recent failure`, `degraded for 42 s`, or `?` when the ledger is unreadable.
    health: String,
    degraded: bool,
    /// USD per million tokens; null when unknown.
    price: Option<PriceJson>,
    /// Allowed and keyed: a run may call it (if degraded, only when no healthy one is).
    usable: bool,
    /// Why a run skips it, when it does.
    skip_reason: Option<String>,
    /// This month's headroom of every budget a call to it falls under.
    budgets: Vec<crate::ledger::budget::Headroom>,
}

#[derive(Debug, Serialize)]
struct ShowJson<'a> {
    route: &'a str,
    profile: &'a str,
    path: String,
    key_label: Option<&'a str>,
    candidates: Vec<Candidate>,
    /// The order a run would try the usable candidates in (`provider:model`).
    order: Vec<String>,
    would_use: Option<String>,
    verdict: String,
}

fn show(ctx: &Ctx, name: &str) -> Result<()> {
    unknown_route(ctx, name)?;
    let loaded = ctx.profile()?;
    let profile = &loaded.profile;
    let route = &profile.routes[name];
    let registry = Registry::new(profile);
    let index = key_index(ctx);
    let ledger = match ctx.existing_ledger() {
        Ok(l) => l,
        Err(e) => {
            ctx.ui.warn(&format!("provider health is unknown: {e}"));
            None
        }
    };
    let ledger_readable = ledger.is_some() || !ctx.paths.ledger().exists();
    let table = PriceTable::embedded().with_overrides(profile.prices.clone());

    let mut candidates = Vec::new();
    let mut facts = Vec::new();
    for spec in route.chain() {
        let (id, model) = ModelRef::full(spec)
            .ok_or_else(|| Error::Internal(format!("`{spec}` is not PROVIDER:MODEL")))?;
        let provider = registry.resolve(id)?;
        let allowed = profile.allows(id);
        let key = keys::status(&provider, route.key.as_deref(), &index);
        let health_record = match &ledger {
            Some(l) => l.health(id).map_err(|e| {
                ctx.ui.warn(&format!("provider health is unknown: {e}"));
            }),
            None if ledger_readable => Ok(Health::Healthy),
            None => Err(()),
        };
        let (health, degraded) = match &health_record {
            Ok(h) => (h.describe(), h.is_degraded()),
            Err(()) => ("?".to_string(), false),
        };
        let health_record = health_record.unwrap_or(Health::Healthy);
        let price = match table.lookup(id, model) {
            Some(p) => Some(PriceJson {
                input: p.input,
                output: p.output,
            }),
            None if prices::is_local(id) => Some(PriceJson {
                input: 0.0,
                output: 0.0,
            }),
            None => None,
        };
        let plain_http =
            matches!(key, KeyStatus::Vault(_) | KeyStatus::Env(_)) && !provider.may_send_key();
        facts.push((
            id.to_string(),
            key_state(&key),
            plain_http.then(|| provider.base_url.clone()),
            health_record,
        ));
        let budgets = headroom(ledger.as_ref(), profile, id, name);
        candidates.push(Candidate {
            provider: id.to_string(),
            model: model.to_string(),
            allowed,
            key: key.describe(),
            health,
            degraded,
            price,
            usable: false,
            skip_reason: None,
            budgets,
        });
    }

    // The walk's own rule decides what a run would do (crate::policy::candidates).
    let judged = candidates::judge(
        &facts
            .iter()
            .zip(&candidates)
            .map(|((id, key, plain_http, health), c)| Facts {
                provider: id,
                label: route.key.as_deref(),
                profile: &loaded.name,
                allowed: c.allowed,
                key: key.clone(),
                plain_http_to: plain_http.as_deref(),
                health: health.clone(),
            })
            .collect::<Vec<_>>(),
    );
    for (c, verdict) in candidates.iter_mut().zip(&judged.verdicts) {
        if let Verdict::Skipped { skip, why } = verdict {
            c.usable = *skip == Skip::Degraded;
            c.skip_reason = Some(why.clone());
        } else {
            c.usable = true;
        }
    }
    let order: Vec<&Candidate> = judged.order.iter().map(|&i| &candidates[i]).collect();
    let label = |c: &Candidate| format!("{}:{}", c.provider, c.model);
    let skipped: Vec<String> = candidates
        .iter()
        .filter(|c| !order.iter().any(|o| std::ptr::eq(*o, *c)))
        .map(|c| {
            format!(
                "{} ({})",
                label(c),
                c.skip_reason.as_deref().unwrap_or("not usable")
            )
        })
        .collect();
    let verdict = match order.first() {
        Some(first) => {
            let mut v = format!("a run on `{name}` would call {} first", label(first));
            if first.degraded {
                v.push_str(", although it is degraded: no healthy candidate remains");
            }
            if order.len() > 1 {
                let rest: Vec<String> = order[1..].iter().map(|c| label(c)).collect();
                v.push_str(&format!(", then {}", rest.join(", ")));
            }
            if !skipped.is_empty() {
                v.push_str(&format!("; it skips {}", skipped.join(", ")));
            }
            v
        }
        None => format!(
            "no candidate of route `{name}` is usable: {}",
            skipped.join("; ")
        ),
    };
    let would_use = order.first().map(|c| label(c));
    let order: Vec<String> = order.iter().map(|c| label(c)).collect();

    if ctx.ui.json {
        ctx.ui.print_json(&ShowJson {
            route: name,
            profile: &loaded.name,
            path: loaded.path.display().to_string(),
            key_label: route.key.as_deref(),
            candidates,
            order,
            would_use,
            verdict: verdict.clone(),
        })?;
    } else {
        let mut t = ctx.ui.table(&[
            ("#", 5),
            ("provider", 0),
            ("model", 0),
            ("allowed", 3),
            ("key", 1),
            ("health", 1),
            ("$/1M in / out", 4),
            ("budget left", 2),
        ]);
        for (i, c) in candidates.iter().enumerate() {
            let price = c.price.as_ref().map_or_else(
                || "? / ?".to_string(),
                |p| format!("{} / {}", short_usd(p.input), short_usd(p.output)),
            );
            t.add_row(vec![
                comfy_table::Cell::new(i + 1),
                comfy_table::Cell::new(&c.provider),
                comfy_table::Cell::new(&c.model),
                ctx.ui.status_cell(if c.allowed { "yes" } else { "no" }),
                ctx.ui.status_cell(&c.key),
                ctx.ui.status_cell(&c.health),
                comfy_table::Cell::new(price),
                comfy_table::Cell::new(budget_left(&c.budgets)),
            ]);
        }
        ctx.ui.print_table(t)?;
    }
    ctx.ui.info(&verdict);
    Ok(())
}

/// The headroom of each cap a call to `provider` on `route` falls under (spent 0 when
/// there is no ledger yet).
fn headroom(
    ledger: Option<&Ledger>,
    profile: &crate::profile::Profile,
    provider: &str,
    route: &str,
) -> Vec<crate::ledger::budget::Headroom> {
    use crate::ledger::budget::{caps_for, headrooms};
    headrooms(ledger, &caps_for(profile, provider, Some(route)))
}

/// `openai: 1,999,000 tokens`, one line per cap; `—` without budgets.
fn budget_left(budgets: &[crate::ledger::budget::Headroom]) -> String {
    if budgets.is_empty() {
        return "—".into();
    }
    budgets
        .iter()
        .map(|h| {
            format!(
                "{}: {}",
                h.scope,
                crate::ledger::budget::amount(h.unit, h.left)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `$0` for free, else the usual dollar format.
fn short_usd(usd: f64) -> String {
    if usd == 0.0 {
        "$0".to_string()
    } else {
        format_usd(usd)
    }
}
