//! The values shell completion offers (README "Shell completions and man pages"), below
//! the CLI definition that names them.
//!
//! The script a shell registers calls byok back on every Tab (`BYOK_COMPLETE=<shell> byok
//! -- <words>`, clap_complete's dynamic engine, wired in `generate.rs`), and clap asks
//! the completers here for the values of the arguments that carry one: providers, models
//! (the price table, the profile's routes and council, each provider's default model, and
//! the last `byok models` listing), routes, key labels and profiles. Completers read only
//! plain files: the profile, the vault's secret-free key index (`vault.toml`, never the
//! vault itself) and the listing `byok models` keeps (`models.json`). They never prompt, never touch the network or the
//! keyring, and an unreadable file just completes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;

use clap_complete::engine::CompletionCandidate;

use crate::paths::Paths;
use crate::prices::PriceTable;
use crate::profile::{self, Profile};
use crate::providers::Registry;
use crate::vault::KeyIndex;
use crate::vocab::ModelRef;

/// What the completers read, for the profile the command line names (`--profile`), else
/// the active one.
struct Sources {
    paths: Paths,
    profile: Profile,
    registry: Registry,
}

impl Sources {
    fn load() -> Sources {
        let paths = Paths::from_env();
        let (name, _) = profile::active_name(profile_on_command_line().as_deref(), &paths);
        let profile = profile::load(&paths, &name)
            .map(|l| l.profile)
            .unwrap_or_default();
        let registry = Registry::new(&profile);
        Sources {
            paths,
            profile,
            registry,
        }
    }

    fn provider_ids(&self) -> Vec<String> {
        self.registry.known_ids()
    }

    /// Every model worth offering for `provider`, sorted.
    fn models(&self, provider: &str) -> BTreeSet<String> {
        let mut models = BTreeSet::new();
        let table = PriceTable::embedded().with_overrides(self.profile.prices.clone());
        models.extend(
            table
                .iter()
                .filter(|(p, _, _)| *p == provider)
                .map(|(_, m, _)| m.to_string()),
        );
        let council = self.profile.council.iter().flat_map(|c| {
            c.members
                .iter()
                .map(String::as_str)
                .chain(c.chair.as_deref())
        });
        let routes = self.profile.routes.values().flat_map(|r| r.chain());
        models.extend(
            routes
                .chain(council)
                .filter_map(ModelRef::full)
                .filter(|(p, _)| *p == provider)
                .map(|(_, m)| m.to_string()),
        );
        if let Ok(p) = self.registry.resolve(provider) {
            models.insert(p.spec.default_model.to_string());
        }
        if let Some(listed) = cached(&self.paths).remove(provider) {
            models.extend(listed);
        }
        models
    }

    /// The labels of the vault's keys, from its plaintext index.
    fn labels(&self, provider: Option<&str>) -> BTreeSet<String> {
        let Ok(index) = KeyIndex::read(&self.paths) else {
            return BTreeSet::new();
        };
        let ids = match provider {
            Some(p) => vec![p.to_string()],
            None => self.provider_ids(),
        };
        ids.iter().flat_map(|id| index.labels(id)).collect()
    }
}

/// The value of `--profile` among the words being completed, if it is there.
fn profile_on_command_line() -> Option<String> {
    let words: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .skip_while(|a| a != "--")
        .skip(1)
        .collect();
    let mut found = None;
    for (i, word) in words.iter().enumerate() {
        if word == "--" {
            break; // `exec`'s command follows
        }
        if word == "--profile" {
            found = words.get(i + 1).cloned();
        } else if let Some(value) = word.strip_prefix("--profile=") {
            found = Some(value.to_string());
        }
    }
    found.filter(|p| profile::check_name(p).is_ok())
}

fn candidates<I, S>(current: &OsStr, values: I) -> Vec<CompletionCandidate>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let current = current.to_string_lossy();
    values
        .into_iter()
        .map(Into::into)
        .filter(|v| v.starts_with(current.as_ref()))
        .map(CompletionCandidate::new)
        .collect()
}

/// Provider ids.
pub fn providers(current: &OsStr) -> Vec<CompletionCandidate> {
    candidates(current, Sources::load().provider_ids())
}

/// `PROVIDER:MODEL`: a provider (with its colon), then that provider's models.
pub fn models(current: &OsStr) -> Vec<CompletionCandidate> {
    let sources = Sources::load();
    let typed = current.to_string_lossy();
    match typed.split_once(':') {
        None => candidates(
            current,
            sources
                .provider_ids()
                .into_iter()
                .map(|id| format!("{id}:")),
        ),
        Some((provider, _)) => candidates(
            current,
            sources
                .models(provider)
                .into_iter()
                .map(|m| format!("{provider}:{m}")),
        ),
    }
}

/// `PROVIDER[/LABEL]`: a provider, then (after a `/`) the labels of its keys.
pub fn keys(current: &OsStr) -> Vec<CompletionCandidate> {
    let sources = Sources::load();
    let typed = current.to_string_lossy();
    match typed.split_once('/') {
        None => candidates(current, sources.provider_ids()),
        Some((provider, _)) => candidates(
            current,
            sources
                .labels(Some(provider))
                .into_iter()
                .map(|l| format!("{provider}/{l}")),
        ),
    }
}

/// The profile's routes.
pub fn routes(current: &OsStr) -> Vec<CompletionCandidate> {
    candidates(current, Sources::load().profile.routes.into_keys())
}

/// The labels of the vault's keys (never unlocking it).
pub fn labels(current: &OsStr) -> Vec<CompletionCandidate> {
    candidates(current, Sources::load().labels(None))
}

/// The profiles on disk, and `default`, which needs no file.
pub fn profiles(current: &OsStr) -> Vec<CompletionCandidate> {
    let mut names: BTreeSet<String> = profile::list(&Paths::from_env()).into_iter().collect();
    names.insert(profile::DEFAULT_PROFILE.to_string());
    candidates(current, names)
}

/// Where `byok models` keeps the last listing of each provider's models, for completion.
/// "Files"): `{"openai": ["gpt-4o", …], …}`.
pub fn cache_path(paths: &crate::paths::Paths) -> std::path::PathBuf {
    paths.data_dir.join("models.json")
}
/// The models each provider listed the last time `byok models` read its list.
pub fn cached(paths: &crate::paths::Paths) -> BTreeMap<String, Vec<String>> {
    std::fs::read(cache_path(paths))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}
