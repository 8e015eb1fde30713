//! `byok models [PROVIDER[/LABEL]...]` (README "Keys"): the models each configured key
//! can reach, read from the provider's model list (the free list `key verify` counts)
//! with every key at once, and each model marked with the profile's routes that use it
//! and whether the price table prices it.
//!
//! The list is read by each wire's `list_models` (the one reading of a model list, page
//! by page, that the `key verify` probe counts); the verification probe itself is asked
//! first where the model list proves nothing about a key (OpenRouter's list is public:
//! its `/key` is asked first).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::Ctx;
use super::key::verify::{self as keys, Target};
use crate::error::Result;
use crate::http;
use crate::output;
use crate::policy::retry::RetryPolicy;
use crate::prices::{self, PriceTable};
use crate::providers::failure::{Failure, FailureClass};
use crate::providers::verify;
use crate::providers::{KeyNeed, Provider};
use crate::vault::VerifyStatus;
use crate::vocab::ModelRef;

/// One key's model list (or why it could not be read) and how long asking took; `None`
/// for a key that is missing.
type Listing = Option<(Result<Vec<String>, Failure>, Duration)>;

#[derive(Debug, Serialize)]
struct KeyModels {
    provider: String,
    /// The key's label (its variable for an environment key); null for a provider that
    /// takes no key.
    label: Option<String>,
    source: &'static str,
    status: &'static str,
    latency_ms: Option<u64>,
    /// Null unless the list was read.
    models: Option<Vec<ModelRow>>,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct ModelRow {
    model: String,
    /// The profile's routes whose model or fallbacks name it.
    routes: Vec<String>,
    /// The price table (with the profile's `[prices]`) prices it, or it is local and free.
    priced: bool,
}

pub fn run(ctx: &Ctx, wanted: &[String]) -> Result<()> {
    let targets = select(ctx, wanted)?;
    let profile_path = ctx.profile().ok().map(|p| p.path.as_path());
    for t in targets.iter().filter(|t| t.secret.is_some()) {
        crate::providers::warn_if_plain_http(&t.provider, profile_path);
    }
    let client = http::client_for(
        &ctx.timeouts,
        targets.iter().map(|t| t.provider.base_url.as_str()),
    );
    let bars = ctx
        .ui
        .progress_allowed()
        .then(indicatif::MultiProgress::new);
    let retry = RetryPolicy::from_env();
    let lists: Vec<Listing> = http::runtime().block_on(async {
        let jobs = targets.iter().map(|t| {
            let bar = bars.as_ref().map(|m| {
                m.add(crate::output::spinner(&format!(
                    "{} ({})",
                    t.provider.id(),
                    t.label
                )))
            });
            let (client, retry) = (&client, &retry);
            async move {
                if t.secret.is_none() && t.provider.spec.key == KeyNeed::Required {
                    return None;
                }
                let key = t.secret.as_ref().map(|s| s.expose());
                let started = Instant::now();
                let list = list_models(client, &t.provider, key, ctx.timeouts.verify, retry).await;
                if let Some(b) = bar {
                    b.finish_and_clear();
                }
                Some((list, started.elapsed()))
            }
        });
        futures_util::future::join_all(jobs).await
    });
    if let Some(m) = &bars {
        let _ = m.clear();
    }

    let marks = Marks::new(ctx)?;
    let rows: Vec<KeyModels> = targets
        .iter()
        .zip(lists)
        .map(|(t, list)| marks.row(t, list))
        .collect();
    remember(ctx, &rows);
    for warning in marks.unlisted(&rows) {
        ctx.ui.warn(&warning);
    }
    for r in rows.iter().filter(|r| r.status != "ok") {
        let label = r.label.as_deref().unwrap_or("no key");
        let error = r.error.as_deref().unwrap_or_default();
        ctx.ui
            .warn(&format!("{} ({label}): {}: {error}", r.provider, r.status));
    }
    if ctx.ui.json {
        ctx.ui.print_json(&rows)?;
    } else {
        print_table(ctx, &rows)?;
    }
    keys::verify_exit(rows.iter().map(|r| r.status))
}

/// Records the lists just read (every key's of a provider together), keeping the other
/// providers' earlier ones. A cache: written atomically, and a failure only traced.
fn remember(ctx: &Ctx, rows: &[KeyModels]) {
    let mut fresh: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in rows {
        if let Some(models) = &r.models {
            let names = fresh.entry(r.provider.clone()).or_default();
            names.extend(models.iter().map(|m| m.model.clone()));
        }
    }
    if fresh.is_empty() {
        return;
    }
    let mut cache = crate::complete::cached(&ctx.paths);
    cache.extend(fresh.into_iter().map(|(p, m)| (p, m.into_iter().collect())));
    let path = crate::complete::cache_path(&ctx.paths);
    let written = serde_json::to_vec_pretty(&cache)
        .map_err(|e| e.to_string())
        .and_then(|json| crate::fsio::write_atomic(&path, &json).map_err(|e| e.to_string()));
    if let Err(e) = written {
        output::verbose(&format!("the model list was not kept for completion: {e}"));
    }
}

/// The keys asked for (every key when none is named), and the providers named that take
/// no key at all (Ollama), which are asked without one.
fn select(ctx: &Ctx, wanted: &[String]) -> Result<Vec<Target>> {
    let registry = ctx.registry()?;
    let mut keyless = Vec::new();
    let mut keyed = Vec::new();
    for spec in wanted {
        let id = spec.split_once('/').map_or(spec.as_str(), |(id, _)| id);
        let provider = registry.resolve(id)?;
        if provider.spec.key == KeyNeed::None {
            keyless.push(Target {
                provider,
                label: "—".into(),
                source: "none",
                secret: None,
            });
        } else {
            keyed.push(spec.clone());
        }
    }
    let mut targets = if wanted.is_empty() || !keyed.is_empty() {
        keys::targets(ctx, &keyed)?
    } else {
        Vec::new()
    };
    targets.extend(keyless);
    Ok(targets)
}

fn print_table(ctx: &Ctx, rows: &[KeyModels]) -> Result<()> {
    let mut table = ctx.ui.table(&[
        ("provider", 0),
        ("key", 1),
        ("model", 0),
        ("routes", 2),
        ("price", 3),
    ]);
    let mut any = false;
    for r in rows {
        let Some(models) = &r.models else { continue };
        let local = prices::is_local(&r.provider);
        for m in models {
            any = true;
            let routes = match m.routes.len() {
                0 => String::new(),
                1 => format!("route: {}", m.routes[0]),
                _ => format!("routes: {}", m.routes.join(", ")),
            };
            let price = match (m.priced, local) {
                (_, true) => "free (local)",
                (true, false) => "priced",
                (false, false) => "",
            };
            table.add_row(vec![
                r.provider.as_str(),
                r.label.as_deref().unwrap_or("—"),
                m.model.as_str(),
                routes.as_str(),
                price,
            ]);
        }
        if models.is_empty() {
            ctx.ui.info(&format!(
                "{} ({}): the key works but the provider lists no models",
                r.provider,
                r.label.as_deref().unwrap_or("no key")
            ));
        }
    }
    if any {
        ctx.ui.print_table(table)?;
    }
    Ok(())
}

/// What marks a model: the profile's routes and the price table.
struct Marks {
    table: PriceTable,
    /// Every `(route, provider, model)` of every route's chain.
    routes: Vec<(String, String, String)>,
}

impl Marks {
    fn new(ctx: &Ctx) -> Result<Marks> {
        let profile = &ctx.profile()?.profile;
        let mut routes = Vec::new();
        for (name, route) in &profile.routes {
            for spec in route.chain() {
                if let Some((p, m)) = ModelRef::full(spec) {
                    routes.push((name.clone(), p.to_string(), m.to_string()));
                }
            }
        }
        Ok(Marks {
            table: PriceTable::embedded().with_overrides(profile.prices.clone()),
            routes,
        })
    }

    /// Whether a route naming `provider:wanted` is served by the listed `model`: it is that
    /// model, or (when `wanted` itself is not listed) a dated snapshot or version of it,
    /// by the price table's own rule (`claude-haiku-4-5-20251001` serves
    /// `claude-haiku-4-5`).
    fn serves(&self, provider: &str, wanted: &str, model: &str, listed: &[String]) -> bool {
        model == wanted
            || (!listed.iter().any(|l| l == wanted)
                && self
                    .table
                    .resolve(provider, model)
                    .is_some_and(|(base, _)| base == wanted))
    }

    fn mark(&self, provider: &str, listed: Vec<String>) -> Vec<ModelRow> {
        listed
            .iter()
            .map(|model| ModelRow {
                model: model.clone(),
                routes: self
                    .routes
                    .iter()
                    .filter(|(_, p, m)| p == provider && self.serves(p, m, model, &listed))
                    .map(|(r, _, _)| r.clone())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                priced: self.table.lookup(provider, model).is_some() || prices::is_local(provider),
            })
            .collect()
    }

    fn row(&self, t: &Target, list: Listing) -> KeyModels {
        let provider = t.provider.id().to_string();
        let label = (t.provider.spec.key != KeyNeed::None).then(|| t.label.clone());
        let latency_ms = list.as_ref().map(|(_, d)| d.as_millis() as u64);
        let (status, models, error) = match list {
            None => (
                VerifyStatus::Missing,
                None,
                Some(format!("no key: add one with `byok key add {provider}`")),
            ),
            Some((Ok(listed), _)) => (VerifyStatus::Ok, Some(self.mark(&provider, listed)), None),
            Some((Err(f), _)) => (status_of(f.class), None, Some(f.describe())),
        };
        KeyModels {
            provider,
            label,
            source: t.source,
            status: status.as_str(),
            latency_ms,
            models,
            error,
        }
    }

    /// A warning for each route model that no key of its provider lists, among the
    /// providers whose lists were read: a run on that route would fail there.
    fn unlisted(&self, rows: &[KeyModels]) -> Vec<String> {
        let mut listed: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for r in rows {
            if let Some(models) = &r.models {
                let names = listed.entry(&r.provider).or_default();
                names.extend(models.iter().map(|m| m.model.clone()));
            }
        }
        let mut warnings = Vec::new();
        for (route, p, m) in &self.routes {
            let Some(names) = listed.get(p.as_str()) else {
                continue;
            };
            if !names.iter().any(|name| self.serves(p, m, name, names)) {
                warnings.push(format!(
                    "route `{route}` uses {p}:{m}, which no {p} key here lists"
                ));
            }
        }
        warnings
    }
}

/// The verdict words of `key verify` for a list that could not be read: `unreachable` only
/// when no answer came (README "Keys").
fn status_of(class: FailureClass) -> VerifyStatus {
    match class {
        FailureClass::KeyRejected => VerifyStatus::Invalid,
        FailureClass::NoCredit => VerifyStatus::NoCredit,
        FailureClass::Network | FailureClass::Timeout => VerifyStatus::Unreachable,
        _ => VerifyStatus::Error,
    }
}

/// The model list, retried like a call (and like `key verify`) when the failure is worth
/// another try.
async fn list_models(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    timeout: Duration,
    retry: &RetryPolicy,
) -> Result<Vec<String>, Failure> {
    let mut tries = 0;
    loop {
        let failure = match list_once(client, provider, key, timeout).await {
            Ok(mut models) => {
                models.sort();
                models.dedup();
                return Ok(models);
            }
            Err(f) => f,
        };
        let Some(wait) = retry.wait_before_retry(tries, &failure) else {
            return Err(failure);
        };
        tries += 1;
        output::verbose(&format!(
            "listing the {} models: {}; retry {tries} in {} ms",
            provider.id(),
            failure.describe(),
            wait.as_millis()
        ));
        tokio::time::sleep(wait).await;
    }
}

async fn list_once(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    timeout: Duration,
) -> Result<Vec<String>, Failure> {
    let wire = provider.spec.wire.adapter();
    // The verification probe first where it is not the model list (OpenRouter's `/key`:
    // its list is public), and where it refuses to send the key at all (plain HTTP to a
    // host byok chose), which it does without a request.
    let probe_first = provider.spec.probe_path != wire.models_path()
        || (key.is_some() && !provider.may_send_key());
    if probe_first
        && let Some(failure) = verify::verify(client, provider, key, timeout).await.failure
    {
        return Err(failure);
    }
    wire.list_models(client, provider, key, timeout).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks() -> Marks {
        let route = |r: &str, p: &str, m: &str| (r.to_string(), p.to_string(), m.to_string());
        Marks {
            table: PriceTable::embedded(),
            routes: vec![
                route("fast", "anthropic", "claude-haiku-4-5"),
                route("pinned", "openai", "gpt-4o-2024-08-06"),
                route("alias", "openai", "gpt-4o"),
            ],
        }
    }

    fn listed(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_route_is_served_by_its_model_or_a_snapshot_of_it() {
        let m = marks();
        // Anthropic lists dated snapshots only: the route's alias is served by one.
        let rows = m.mark("anthropic", listed(&["claude-haiku-4-5-20251001", "x-1"]));
        assert_eq!(rows[0].routes, ["fast"]);
        assert!(rows[0].priced);
        assert!(rows[1].routes.is_empty() && !rows[1].priced);
        // Where the alias itself is listed, only it is marked; a pinned snapshot only itself.
        let rows = m.mark("openai", listed(&["gpt-4o", "gpt-4o-2024-08-06"]));
        assert_eq!(rows[0].routes, ["alias"]);
        assert_eq!(rows[1].routes, ["pinned"]);
        // Another provider's model of the same name is not the route's.
        assert!(
            m.mark("openrouter", listed(&["gpt-4o"]))[0]
                .routes
                .is_empty()
        );
    }
}
