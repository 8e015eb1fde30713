//! Which candidates a call may use, in order: a route's chain, one `-m` model, or the
//! first provider with a key.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::keys::Keys;
use crate::profile::{DEFAULT_ROUTE, LoadedProfile};
use crate::providers::{KeyNeed, PROVIDERS, Provider, Registry};
use crate::vocab::ModelRef;

#[derive(Clone, Debug)]
pub struct Candidate {
    pub provider: Provider,
    pub model: String,
    /// The vault label the route asks for (`None`: `default`, then the environment).
    pub key_label: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub route: Option<String>,
    pub candidates: Vec<Candidate>,
    pub allow: Option<Vec<String>>,
    pub profile_name: String,
    pub profile_path: PathBuf,
}

impl Plan {
    pub fn allows(&self, provider: &str) -> bool {
        crate::profile::allowed(self.allow.as_deref(), provider)
    }

    /// The plan for `run`: `-m` (one candidate, allowlist applied), `-r` (the route's
    /// chain), else the route `default`, else the first allowed provider with a key.
    pub fn for_run(
        loaded: &LoadedProfile,
        keys: &Keys,
        route: Option<&str>,
        model: Option<&str>,
        key: Option<&str>,
    ) -> Result<Plan> {
        let mut plan = Self::chosen(loaded, keys, route, model, key)?;
        plan.use_key(key);
        Ok(plan)
    }

    /// `--key LABEL`: every candidate uses that vault key (a route's `key` is only the
    /// default).
    pub fn use_key(&mut self, key: Option<&str>) {
        if let Some(label) = key {
            for c in &mut self.candidates {
                c.key_label = Some(label.to_string());
            }
        }
    }

    fn chosen(
        loaded: &LoadedProfile,
        keys: &Keys,
        route: Option<&str>,
        model: Option<&str>,
        key: Option<&str>,
    ) -> Result<Plan> {
        let registry = Registry::new(&loaded.profile);
        let mut plan = Plan {
            route: None,
            candidates: Vec::new(),
            allow: loaded.profile.allow.clone(),
            profile_name: loaded.name.clone(),
            profile_path: loaded.path.clone(),
        };
        if let Some(spec) = model {
            let candidate = parse_model(&registry, spec)?;
            plan.check_allowed(candidate.provider.id())?;
            plan.candidates.push(candidate);
            return Ok(plan);
        }
        let route_name = route.unwrap_or(DEFAULT_ROUTE);
        if let Some(r) = loaded.profile.routes.get(route_name) {
            plan.route = Some(route_name.to_string());
            for spec in r.chain() {
                let mut c = parse_model(&registry, spec)?;
                c.key_label = r.key.clone();
                plan.candidates.push(c);
            }
            return Ok(plan);
        }
        if let Some(name) = route {
            return Err(Error::UnknownRoute {
                name: name.to_string(),
                profile: loaded.name.clone(),
                known: loaded.profile.routes.keys().cloned().collect(),
            });
        }
        for spec in PROVIDERS
            .iter()
            .filter(|p| p.key == KeyNeed::Required && plan.allows(p.id))
        {
            let provider = registry.resolve(spec.id)?;
            if keys.lookup(&provider, key)?.is_some() {
                let model = provider.spec.default_model.to_string();
                plan.candidates.push(Candidate {
                    provider,
                    model,
                    key_label: None,
                });
                return Ok(plan);
            }
        }
        Err(Error::NoProviderKey)
    }

    pub fn check_allowed(&self, provider: &str) -> Result<()> {
        if self.allows(provider) {
            return Ok(());
        }
        Err(Error::NotAllowed {
            provider: provider.to_string(),
            profile: self.profile_name.clone(),
            allowed: self.allow.clone().unwrap_or_default(),
            path: self.profile_path.clone(),
        })
    }
}

/// `provider:model` split at the first colon (`ollama:llama3.2:3b`), or `provider` alone
/// for its default model.
pub fn parse_model(registry: &Registry, spec: &str) -> Result<Candidate> {
    let (provider_id, model) = match ModelRef::parse(spec) {
        Some(r) => (r.provider, r.model.unwrap_or("")),
        None => {
            return Err(Error::Usage(format!(
                "`{spec}` is not PROVIDER:MODEL (e.g. openai:gpt-4o-mini), nor a provider alone"
            )));
        }
    };
    let provider = registry
        .resolve(provider_id)
        .map_err(|e| match guess_provider(spec) {
            Some(guess) if !spec.contains(':') => Error::Usage(format!(
                "`{spec}` is not PROVIDER:MODEL; did you mean `-m {guess}:{spec}`?"
            )),
            _ => e,
        })?;
    let model = if model.is_empty() {
        provider.spec.default_model.to_string()
    } else {
        model.to_string()
    };
    Ok(Candidate {
        provider,
        model,
        key_label: None,
    })
}

/// The provider a bare model name most likely belongs to, for a helpful error.
fn guess_provider(model: &str) -> Option<&'static str> {
    let m = model.to_ascii_lowercase();
    let prefixes: &[(&str, &str)] = &[
        ("gpt-", "openai"),
        ("o1", "openai"),
        ("o3", "openai"),
        ("o4", "openai"),
        ("claude", "anthropic"),
        ("gemini", "gemini"),
        ("mistral", "mistral"),
        ("grok", "xai"),
        ("deepseek", "deepseek"),
        ("llama", "ollama"),
    ];
    prefixes
        .iter()
        .find(|(p, _)| m.starts_with(p))
        .map(|(_, id)| *id)
}
