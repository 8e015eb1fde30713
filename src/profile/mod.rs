//! Profiles (README "Profiles and routes"): `profiles/<name>.toml`, holding routes, the
//! provider allowlist, custom providers, budgets, council defaults and price overrides.
//! This module holds the types, which profile is active, and loading; the semantic
//! checks are in `validate`, the format-preserving editor behind `route set | rm` in
//! [`edit`].
//!
//! Loading is strict: an unknown key, an unknown provider or a malformed model is an
//! error naming the file, line and column, because a typo in a route or an allowlist
//! should never silently send a prompt somewhere the user did not intend.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::guard::Policy;
use crate::paths::Paths;
use crate::prices::Price;
use crate::providers;
/// A `[providers.<id>]` table; it lives with the providers, which read it.
pub use crate::providers::ProviderConfig;

pub mod edit;
mod validate;

pub const DEFAULT_PROFILE: &str = "default";
/// The route `run` uses when none is named.
pub const DEFAULT_ROUTE: &str = "default";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Providers calls may go to; absent means all.
    #[serde(default)]
    pub allow: Option<Vec<String>>,
    #[serde(default)]
    pub routes: BTreeMap<String, Route>,
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderConfig>,
    #[serde(default)]
    pub budgets: Budgets,
    #[serde(default)]
    pub council: Option<CouncilConfig>,
    #[serde(default)]
    pub prices: BTreeMap<String, Price>,
    #[serde(default)]
    pub health: HealthConfig,
    /// What the outbound guard does with credentials in a prompt (README "The outbound
    /// guard"); a route's own `guard` wins. Absent: `redact`.
    #[serde(default)]
    pub guard: Option<Policy>,
    /// Where the usage ledger lives (README "One budget for the whole team").
    #[serde(default)]
    pub ledger: LedgerConfig,
}

/// `[ledger]`: `url = "postgres://…"` moves the ledger to a shared PostgreSQL server;
/// absent, it is the local SQLite file. `BYOK_LEDGER_URL` wins over it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerConfig {
    #[serde(default)]
    pub url: Option<String>,
}

impl Profile {
    /// The outbound guard's policy for a call on `route` (none: `-m`, a council): the
    /// route's `guard`, else the profile's, else `redact`; and where it was set, for
    /// messages (`route `policy``, `the profile`, `the default`).
    pub fn guard_policy(&self, route: Option<&str>) -> (Policy, String) {
        if let Some((name, p)) = route.and_then(|r| Some((r, self.routes.get(r)?.guard?))) {
            return (p, format!("route `{name}`"));
        }
        match self.guard {
            Some(p) => (p, "the profile".into()),
            None => (Policy::default(), "the default".into()),
        }
    }

    /// The one allowlist test: a profile without `allow` allows every provider.
    pub fn allows(&self, provider: &str) -> bool {
        allowed(self.allow.as_deref(), provider)
    }
}

/// Whether an allowlist (absent: everything) lets `provider` through.
pub fn allowed(allow: Option<&[String]>, provider: &str) -> bool {
    allow.is_none_or(|a| a.iter().any(|p| p == provider))
}

/// What the provider registry reads of a profile: its `[providers.*]` tables, so that
/// `Registry::new(&profile)` works without the providers knowing what a profile is.
impl AsRef<BTreeMap<String, ProviderConfig>> for Profile {
    fn as_ref(&self) -> &BTreeMap<String, ProviderConfig> {
        &self.providers
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub model: String,
    #[serde(default)]
    pub fallback: Vec<String>,
    /// The vault label to use for this route's calls.
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub monthly_tokens: Option<u64>,
    #[serde(default)]
    pub monthly_usd: Option<f64>,
    /// The outbound guard's policy for this route's calls (README "The outbound guard").
    #[serde(default)]
    pub guard: Option<Policy>,
}

impl Route {
    /// The model, then the fallbacks, in order.
    pub fn chain(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.model.as_str()).chain(self.fallback.iter().map(String::as_str))
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budgets {
    /// Per provider id, or `total`.
    #[serde(default)]
    pub monthly_tokens: BTreeMap<String, u64>,
    #[serde(default)]
    pub monthly_usd: BTreeMap<String, f64>,
}

impl Budgets {
    pub fn is_empty(&self) -> bool {
        self.monthly_tokens.is_empty() && self.monthly_usd.is_empty()
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CouncilConfig {
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub quorum: Option<usize>,
    #[serde(default)]
    pub chair: Option<String>,
}

/// When a provider counts as degraded (README "Profiles and routes").
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthConfig {
    /// Consecutive failed calls that mark a provider degraded.
    #[serde(default = "default_failures")]
    pub failures: u32,
    /// How long a degraded provider is skipped while a healthy candidate remains.
    #[serde(default = "default_cooldown")]
    pub cooldown_secs: f64,
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            failures: default_failures(),
            cooldown_secs: default_cooldown(),
        }
    }
}

fn default_failures() -> u32 {
    2
}
fn default_cooldown() -> f64 {
    60.0
}

/// A profile as loaded from disk (or the empty default when there is no file).
#[derive(Clone, Debug)]
pub struct LoadedProfile {
    pub name: String,
    pub path: PathBuf,
    pub exists: bool,
    pub profile: Profile,
}

/// Where `profile use` records its choice.
pub fn active_file(paths: &Paths) -> PathBuf {
    paths.config_dir.join("active-profile")
}

/// The active profile's name: `--profile`, then BYOK_PROFILE, then `profile use`, then
/// `default`. The second value says where the name came from.
pub fn active_name(flag: Option<&str>, paths: &Paths) -> (String, &'static str) {
    if let Some(name) = flag.filter(|n| !n.is_empty()) {
        return (name.to_string(), "--profile");
    }
    if let Some(name) = std::env::var("BYOK_PROFILE")
        .ok()
        .filter(|n| !n.trim().is_empty())
    {
        return (name.trim().to_string(), "BYOK_PROFILE");
    }
    if let Some(name) = std::fs::read_to_string(active_file(paths))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
    {
        return (name, "byok profile use");
    }
    (DEFAULT_PROFILE.to_string(), "default")
}

pub fn path_of(paths: &Paths, name: &str) -> PathBuf {
    paths.profiles_dir().join(format!("{name}.toml"))
}

/// Names of the profiles on disk, sorted.
pub fn list(paths: &Paths) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(paths.profiles_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            (p.extension()? == "toml").then(|| p.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    names
}

pub fn check_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        || name.starts_with('.')
    {
        return Err(Error::Usage(format!(
            "`{name}` is not a usable profile name: use letters, digits, `-`, `_` and `.`"
        )));
    }
    Ok(())
}

/// Loads profile `name`. A missing `default` profile is an empty one; any other missing
/// profile is an error, because a misspelt `--profile ci` must not run with no rules.
pub fn load(paths: &Paths, name: &str) -> Result<LoadedProfile> {
    check_name(name)?;
    let path = path_of(paths, name);
    // A profile says where keys are sent (`base_url`): only the user may be able to change
    // it, or the directories it lives in.
    crate::fsio::check_dir(&paths.config_dir)?;
    crate::fsio::check_exposure(&path, crate::fsio::Exposure::NotWritableByOthers)?;
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if name == DEFAULT_PROFILE {
                return Ok(LoadedProfile {
                    name: name.into(),
                    path,
                    exists: false,
                    profile: Profile::default(),
                });
            }
            return Err(Error::UnknownProfile {
                name: name.into(),
                known: list(paths),
            });
        }
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    let profile = parse(&text, &path)?;
    Ok(LoadedProfile {
        name: name.into(),
        path,
        exists: true,
        profile,
    })
}

/// Parses and validates a profile's text; errors carry the file, line and column.
pub fn parse(text: &str, path: &Path) -> Result<Profile> {
    let profile: Profile = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
        Error::ProfileInvalid {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    validate::validate(&profile).map_err(|(key, message)| {
        let (line, column) = locate(text, &key);
        Error::ProfileInvalid {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    })?;
    Ok(profile)
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Where a semantically wrong value sits: the first line mentioning it.
fn locate(text: &str, needle: &str) -> (usize, usize) {
    match text.find(needle) {
        Some(at) => line_col(text, at),
        None => (0, 0),
    }
}

/// The set of provider ids this profile knows: the built-in ones and its custom ones.
pub fn known_providers(profile: &Profile) -> Vec<String> {
    let mut ids = providers::known_ids();
    for id in profile.providers.keys() {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Profile> {
        parse(text, Path::new("profiles/test.toml"))
    }

    #[test]
    fn the_design_example_parses() {
        let p = parse_str(
            r#"
allow = ["anthropic", "openai", "gemini", "ollama"]

[routes.default]
model = "openai:gpt-4o-mini"
fallback = ["anthropic:claude-haiku-4-5", "ollama:llama3.2"]

[routes.policy]
model = "anthropic:claude-sonnet-4-5"
key = "work"
fallback = []

[budgets]
monthly_tokens = { openai = 2_000_000, anthropic = 1_000_000 }
monthly_usd = { total = 25.0 }

[council]
members = ["anthropic:claude-sonnet-4-5", "openai:gpt-4o", "gemini:gemini-2.5-flash"]
mode = "majority"
quorum = 2

[providers.corp]
kind = "openai"
base_url = "https://llm.corp.example/v1"
key_env = "CORP_KEY"

[prices."corp:llama-70b"]
input = 0.6
output = 0.8
"#,
        )
        .unwrap();
        assert_eq!(p.routes["default"].chain().collect::<Vec<_>>().len(), 3);
        assert_eq!(p.routes["policy"].key.as_deref(), Some("work"));
        assert_eq!(p.budgets.monthly_usd["total"], 25.0);
        assert_eq!(p.health.failures, 2);
        assert_eq!(p.guard_policy(Some("policy")).0, Policy::Redact);
    }

    #[test]
    fn guard_is_set_per_profile_and_per_route() {
        let p = parse_str(
            "guard = \"warn\"\n[routes.policy]\nmodel = \"openai:gpt-4o\"\nguard = \"block\"\n[routes.x]\nmodel = \"openai:gpt-4o\"\n",
        )
        .unwrap();
        assert_eq!(
            p.guard_policy(Some("policy")),
            (Policy::Block, "route `policy`".into())
        );
        assert_eq!(p.guard_policy(Some("x")).0, Policy::Warn);
        assert_eq!(p.guard_policy(None).0, Policy::Warn);
        assert_eq!(Profile::default().guard_policy(None).0, Policy::Redact);
        let err =
            parse_str("[routes.x]\nmodel = \"openai:gpt-4o\"\nguard = \"off\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("redact") && text.contains("block"), "{text}");
        assert!(
            matches!(err, Error::ProfileInvalid { line: 3, .. }),
            "{text}"
        );
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let err = parse_str("[routes.default]\nmodel = \"openai:gpt-4o\"\nfallback = [\"x\"\n")
            .unwrap_err();
        match err {
            Error::ProfileInvalid { line, column, .. } => assert_eq!((line, column), (3, 16)),
            other => panic!("{other}"),
        }
    }
}
