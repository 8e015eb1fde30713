//! Provider ids resolved with a profile's `[providers.*]` tables: base URL and default
//! model overrides of built-in providers, and custom providers of any wire format.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{KeyNeed, Provider, ProviderSpec, Quirks, Wire, base_url_var, known_ids, spec};

/// A base URL override for a built-in provider, or a custom OpenAI-compatible one.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Wire format of a custom provider: `openai` (default), `anthropic`, `gemini`, `ollama`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
    /// Environment variable holding a custom provider's key.
    #[serde(default)]
    pub key_env: Option<String>,
    #[serde(default)]
    pub default_model: Option<String>,
}

/// Resolves provider ids with a profile's `[providers.*]` applied: base URL overrides of
/// built-in providers and custom OpenAI-compatible (or other wire) providers.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    configs: BTreeMap<String, ProviderConfig>,
}

impl Registry {
    pub fn builtin() -> Registry {
        Registry::default()
    }

    /// The registry of a profile (or of any `[providers.*]` table): `Registry::new(&profile)`.
    pub fn new(configs: impl AsRef<BTreeMap<String, ProviderConfig>>) -> Registry {
        Registry {
            configs: configs.as_ref().clone(),
        }
    }

    /// Every id this registry resolves: the built-in ones, then the custom ones.
    pub fn known_ids(&self) -> Vec<String> {
        let mut ids = known_ids();
        ids.extend(self.configs.keys().filter(|k| spec(k).is_none()).cloned());
        ids
    }

    /// The provider `id` with its base URL in force: `BYOK_<ID>_BASE_URL`, then the
    /// profile's `base_url`, then the built-in default.
    pub fn resolve(&self, id: &str) -> crate::error::Result<Provider> {
        let config = self.configs.get(id);
        let spec = match spec(id) {
            Some(builtin) => match config.and_then(|c| c.default_model.as_deref()) {
                Some(model) => leak(ProviderSpec {
                    default_model: leak_str(model),
                    ..*builtin
                }),
                None => builtin,
            },
            None => match config {
                Some(c) => custom_spec(id, c),
                None => {
                    return Err(crate::error::Error::UnknownProvider {
                        given: id.to_string(),
                        known: self.known_ids(),
                    });
                }
            },
        };
        let var = base_url_var(id);
        let from_env = std::env::var(&var).ok().filter(|v| !v.trim().is_empty());
        if let Some(url) = &from_env {
            check_base_url(url, &var, &format!("{var}="), "")?;
        }
        let from_profile = config.and_then(|c| c.base_url.clone());
        if let (None, Some(url)) = (&from_env, &from_profile) {
            // A loaded profile was checked with its file and line (profile/validate.rs);
            // this guards a registry built from anything else.
            let setting = format!("the profile's [providers.{id}] base_url");
            check_base_url(url, &setting, "base_url = \"", "\"")?;
        }
        Ok(match from_env.or(from_profile) {
            Some(url) => Provider {
                spec,
                base_url: url.trim().trim_end_matches('/').to_string(),
                base_url_from_user: true,
            },
            None => Provider {
                spec,
                base_url: spec.base_url.to_string(),
                base_url_from_user: false,
            },
        })
    }
}

/// Refuses a base URL byok cannot send to (README "Providers"), before any request:
/// the message names `setting`, the hint writes the URL meant as `{before}{url}{after}`.
fn check_base_url(url: &str, setting: &str, before: &str, after: &str) -> crate::error::Result<()> {
    let Some((why, meant)) = super::base_url_problem(url) else {
        return Ok(());
    };
    let url = url.trim();
    Err(crate::error::Error::BadBaseUrl {
        message: format!("{setting} sets the base URL `{url}`, which byok cannot use: {why}."),
        hint: match meant {
            Some(m) => format!("write it in full: {before}{m}{after}"),
            None => format!(
                "a base URL is https://host/path (or http:// for a server on this machine): {before}https://…{after}"
            ),
        },
    })
}

/// A custom provider's spec. Specs are `'static` because the built-in table is; a custom
/// one is built once per invocation and leaked, which costs a few bytes in a short-lived
/// process and keeps every other part of byok free of lifetimes.
fn custom_spec(id: &str, c: &ProviderConfig) -> &'static ProviderSpec {
    // The profile's kind was checked when it was loaded.
    let wire = c
        .kind
        .as_deref()
        .and_then(Wire::from_kind)
        .unwrap_or_default();
    let key_env: &'static [&'static str] = match &c.key_env {
        Some(var) => Box::leak(vec![leak_str(var)].into_boxed_slice()),
        None => &[],
    };
    leak(ProviderSpec {
        id: leak_str(id),
        name: leak_str(id),
        wire,
        base_url: leak_str(c.base_url.as_deref().unwrap_or("")),
        key_env,
        key: if c.key_env.is_some() {
            KeyNeed::Required
        } else {
            KeyNeed::Optional
        },
        default_model: leak_str(c.default_model.as_deref().unwrap_or("default")),
        probe_path: wire.adapter().models_path(),
        quirks: Quirks::NONE,
    })
}

pub(super) fn leak(spec: ProviderSpec) -> &'static ProviderSpec {
    Box::leak(Box::new(spec))
}

pub(super) fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}
