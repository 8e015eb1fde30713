//! The provider registry: every built-in provider, its wire format, default base URL,
//! key variables and free verification probe.

pub mod anthropic;
mod base_url;
pub mod chat;
pub mod failure;
pub mod gemini;
pub mod ollama;
pub mod openai;
mod registry;
pub mod verify;
pub mod wire;

use base_url::is_https_url;
pub use base_url::{base_url_problem, is_loopback_url};
pub use registry::{ProviderConfig, Registry};
pub use wire::{Framing, WireFormat};

/// The four wire formats every provider speaks one of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Wire {
    /// The default of a custom provider that names no `kind`.
    #[default]
    OpenAi,
    Anthropic,
    Gemini,
    Ollama,
}

impl Wire {
    pub const ALL: [Wire; 4] = [Wire::OpenAi, Wire::Anthropic, Wire::Gemini, Wire::Ollama];

    /// The implementation of this wire format: the one place a wire is matched.
    pub fn adapter(self) -> &'static dyn WireFormat {
        match self {
            Wire::OpenAi => &openai::OpenAi,
            Wire::Anthropic => &anthropic::Anthropic,
            Wire::Gemini => &gemini::Gemini,
            Wire::Ollama => &ollama::Ollama,
        }
    }

    /// The wire format a profile's `kind` names (`openai`, `anthropic`, `gemini`,
    /// `ollama`).
    pub fn from_kind(kind: &str) -> Option<Wire> {
        Wire::ALL.into_iter().find(|w| w.adapter().kind() == kind)
    }
}

/// Whether a provider needs a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyNeed {
    Required,
    /// Local OpenAI-compatible servers: a key is sent when there is one.
    Optional,
    /// Ollama: no key at all.
    None,
}

/// A built-in provider.
#[derive(Debug)]
pub struct ProviderSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub wire: Wire,
    pub base_url: &'static str,
    /// Environment variables consulted, in order, when the vault has no key.
    pub key_env: &'static [&'static str],
    pub key: KeyNeed,
    /// The model `byok run` uses when none is named.
    pub default_model: &'static str,
    /// What `key verify` asks for: the model list, except where that proves nothing
    /// about a key (see [`Quirks::probe_reads_key`]).
    pub probe_path: &'static str,
    pub quirks: Quirks,
}

/// What one provider does differently from the rest of its wire format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quirks {
    /// Sends the output limit as `max_completion_tokens`: OpenAI's reasoning models refuse
    /// `max_tokens`, the only one the other OpenAI-compatible servers know.
    pub max_completion_tokens: bool,
    /// Names the calling app in `X-Title` (OpenRouter's attribution).
    pub app_title: bool,
    /// The probe path answers with the key's credit left (OpenRouter's `/key`), not a
    /// model list: OpenRouter's model list is public and proves nothing about a key.
    pub probe_reads_key: bool,
    /// Model names may carry a `models/` prefix and a `-001` version suffix that the price
    /// table leaves out (Gemini).
    pub versioned_model_names: bool,
}

impl Quirks {
    pub const NONE: Quirks = Quirks {
        max_completion_tokens: false,
        app_title: false,
        probe_reads_key: false,
        versioned_model_names: false,
    };
}

/// Every built-in provider, in the order `run` looks for a key when no model is named.
pub const PROVIDERS: &[ProviderSpec] = &[
    ProviderSpec {
        id: "anthropic",
        name: "Anthropic",
        wire: Wire::Anthropic,
        base_url: "https://api.anthropic.com",
        key_env: &["ANTHROPIC_API_KEY"],
        key: KeyNeed::Required,
        default_model: "claude-haiku-4-5",
        probe_path: "/v1/models",
        quirks: Quirks::NONE,
    },
    ProviderSpec {
        id: "openai",
        name: "OpenAI",
        wire: Wire::OpenAi,
        base_url: "https://api.openai.com/v1",
        key_env: &["OPENAI_API_KEY"],
        key: KeyNeed::Required,
        default_model: "gpt-4o-mini",
        probe_path: "/models",
        quirks: Quirks {
            max_completion_tokens: true,
            ..Quirks::NONE
        },
    },
    ProviderSpec {
        id: "gemini",
        name: "Google Gemini",
        wire: Wire::Gemini,
        base_url: "https://generativelanguage.googleapis.com/v1beta",
        key_env: &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
        key: KeyNeed::Required,
        default_model: "gemini-2.5-flash",
        probe_path: "/models",
        quirks: Quirks {
            versioned_model_names: true,
            ..Quirks::NONE
        },
    },
    ProviderSpec {
        id: "mistral",
        name: "Mistral",
        wire: Wire::OpenAi,
        base_url: "https://api.mistral.ai/v1",
        key_env: &["MISTRAL_API_KEY"],
        key: KeyNeed::Required,
        default_model: "mistral-small-latest",
        probe_path: "/models",
        quirks: Quirks::NONE,
    },
    ProviderSpec {
        id: "openrouter",
        name: "OpenRouter",
        wire: Wire::OpenAi,
        base_url: "https://openrouter.ai/api/v1",
        key_env: &["OPENROUTER_API_KEY"],
        key: KeyNeed::Required,
        default_model: "openai/gpt-4o-mini",
        probe_path: "/key",
        quirks: Quirks {
            app_title: true,
            probe_reads_key: true,
            ..Quirks::NONE
        },
    },
    ProviderSpec {
        id: "groq",
        name: "Groq",
        wire: Wire::OpenAi,
        base_url: "https://api.groq.com/openai/v1",
        key_env: &["GROQ_API_KEY"],
        key: KeyNeed::Required,
        default_model: "openai/gpt-oss-120b",
        probe_path: "/models",
        quirks: Quirks::NONE,
    },
    ProviderSpec {
        id: "deepseek",
        name: "DeepSeek",
        wire: Wire::OpenAi,
        base_url: "https://api.deepseek.com/v1",
        key_env: &["DEEPSEEK_API_KEY"],
        key: KeyNeed::Required,
        default_model: "deepseek-v4-flash",
        probe_path: "/models",
        quirks: Quirks::NONE,
    },
    ProviderSpec {
        id: "xai",
        name: "xAI",
        wire: Wire::OpenAi,
        base_url: "https://api.x.ai/v1",
        key_env: &["XAI_API_KEY"],
        key: KeyNeed::Required,
        default_model: "grok-4.3",
        probe_path: "/models",
        quirks: Quirks::NONE,
    },
    ProviderSpec {
        id: "together",
        name: "Together AI",
        wire: Wire::OpenAi,
        base_url: "https://api.together.xyz/v1",
        key_env: &["TOGETHER_API_KEY"],
        key: KeyNeed::Required,
        default_model: "openai/gpt-oss-120b",
        probe_path: "/models",
        quirks: Quirks::NONE,
    },
    ProviderSpec {
        id: "ollama",
        name: "Ollama",
        wire: Wire::Ollama,
        base_url: "http://localhost:11434",
        key_env: &[],
        key: KeyNeed::None,
        default_model: "llama3.2",
        probe_path: "/api/tags",
        quirks: Quirks::NONE,
    },
    ProviderSpec {
        id: "lmstudio",
        name: "LM Studio",
        wire: Wire::OpenAi,
        base_url: "http://localhost:1234/v1",
        key_env: &[],
        key: KeyNeed::Optional,
        default_model: "local-model",
        probe_path: "/models",
        quirks: Quirks::NONE,
    },
    ProviderSpec {
        id: "llamacpp",
        name: "llama.cpp server",
        wire: Wire::OpenAi,
        base_url: "http://localhost:8080/v1",
        key_env: &[],
        key: KeyNeed::Optional,
        default_model: "local-model",
        probe_path: "/models",
        quirks: Quirks::NONE,
    },
    ProviderSpec {
        id: "vllm",
        name: "vLLM",
        wire: Wire::OpenAi,
        base_url: "http://localhost:8000/v1",
        key_env: &[],
        key: KeyNeed::Optional,
        default_model: "local-model",
        probe_path: "/models",
        quirks: Quirks::NONE,
    },
];

pub fn spec(id: &str) -> Option<&'static ProviderSpec> {
    PROVIDERS.iter().find(|p| p.id == id)
}

pub fn known_ids() -> Vec<String> {
    PROVIDERS.iter().map(|p| p.id.to_string()).collect()
}

/// A provider resolved for this invocation: its spec plus the base URL in force.
#[derive(Clone, Debug)]
pub struct Provider {
    pub spec: &'static ProviderSpec,
    pub base_url: String,
    /// The user chose the base URL, so plain HTTP to it is their decision.
    pub base_url_from_user: bool,
}

impl Provider {
    /// Resolves a built-in provider, with only the `BYOK_<ID>_BASE_URL` override (no
    /// profile). Commands that have a profile use [`Registry::resolve`].
    pub fn resolve(id: &str) -> crate::error::Result<Provider> {
        Registry::builtin().resolve(id)
    }

    pub fn id(&self) -> &'static str {
        self.spec.id
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Keys travel over TLS only, except to loopback or to a base URL the user set (which
    /// byok warns about when it is another machine: see [`Provider::plain_http_warning`]).
    /// A built-in default that is plain HTTP to anything but loopback is refused.
    pub fn may_send_key(&self) -> bool {
        is_https_url(&self.base_url) || self.base_url_from_user || is_loopback_url(&self.base_url)
    }

    /// What to tell the user before a key goes over plain HTTP to another machine, which
    /// byok does only because they set the base URL themselves: the host, and where the
    /// base URL was set (`BYOK_<ID>_BASE_URL`, else the profile at `profile_path`).
    /// `None` when the key travels over TLS or stays on this machine.
    pub fn plain_http_warning(&self, profile_path: Option<&std::path::Path>) -> Option<String> {
        if !self.base_url_from_user
            || is_https_url(&self.base_url)
            || is_loopback_url(&self.base_url)
        {
            return None;
        }
        let host = reqwest::Url::parse(&self.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| self.base_url.clone());
        let id = self.id();
        let var = base_url_var(id);
        let origin = if std::env::var(&var).is_ok_and(|v| !v.trim().is_empty()) {
            var
        } else {
            match profile_path {
                Some(path) => format!("{} [providers.{id}] base_url", path.display()),
                None => format!("the profile's [providers.{id}] base_url"),
            }
        };
        Some(format!(
            "the {id} key goes over plain HTTP to {host} (not loopback), readable by anyone on the network path; \
             it is sent only because the base URL {} is set by {origin}: use https:// there",
            self.base_url
        ))
    }

    /// The first key environment variable that is set, with its value. A `byok serve`
    /// token there is passed over: it is no provider's key.
    pub fn env_key(&self) -> Option<(&'static str, String)> {
        self.spec.key_env.iter().find_map(|var| {
            std::env::var(var)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .filter(|v| {
                    let token = crate::vocab::is_serve_token(v.trim());
                    if token {
                        crate::output::verbose(&format!(
                            "{var} holds a byok serve token, not a {} key: not used",
                            self.id()
                        ));
                    }
                    !token
                })
                .map(|v| (*var, v.trim().to_string()))
        })
    }
}

/// The environment variable that overrides provider `id`'s base URL: `BYOK_<ID>_BASE_URL`.
pub fn base_url_var(id: &str) -> String {
    format!(
        "BYOK_{}_BASE_URL",
        id.to_ascii_uppercase().replace('-', "_")
    )
}

/// Warns (once per run, on stderr, even with `-q`) before a key goes over plain HTTP to
/// another machine; see [`Provider::plain_http_warning`].
pub fn warn_if_plain_http(provider: &Provider, profile_path: Option<&std::path::Path>) {
    if let Some(w) = provider.plain_http_warning(profile_path) {
        crate::output::warn_once(&w);
    }
}

#[cfg(test)]
mod tests {
    use super::registry::{leak, leak_str};
    use super::*;

    fn provider(base_url: &str, from_user: bool) -> Provider {
        Provider {
            spec: leak(ProviderSpec {
                base_url: leak_str(base_url),
                ..*spec("openai").unwrap()
            }),
            base_url: base_url.to_string(),
            base_url_from_user: from_user,
        }
    }

    #[test]
    fn plain_http_to_another_host_is_refused_unless_the_user_chose_it_and_then_warned() {
        // A default base URL (not set by the user) in plain HTTP to another host.
        assert!(!provider("http://gpu-box:11434", false).may_send_key());
        assert!(!provider("http://127.0.0.1.evil.com/v1", false).may_send_key());
        assert!(!provider("", false).may_send_key());
        assert!(provider("http://localhost:11434", false).may_send_key());
        assert!(provider("https://api.example.com/v1", false).may_send_key());
        assert!(provider("HTTPS://api.example.com/v1", false).may_send_key());
        // Set by the user: sent, with a warning naming the host and where it was set.
        let corp = provider("http://gpu-box:11434/v1", true);
        assert!(corp.may_send_key());
        let w = corp
            .plain_http_warning(Some(std::path::Path::new("/p/default.toml")))
            .unwrap();
        assert!(
            w.contains("over plain HTTP to gpu-box (not loopback)"),
            "{w}"
        );
        assert!(
            w.contains("/p/default.toml [providers.openai] base_url")
                || w.contains(&format!("set by {}", base_url_var("openai"))),
            "{w}"
        );
        for quiet in [
            provider("http://127.0.0.1:9/v1", true),
            provider("http://[::1]:9/v1", true),
            provider("https://gpu-box/v1", true),
            provider("http://gpu-box/v1", false),
        ] {
            assert_eq!(quiet.plain_http_warning(None), None, "{}", quiet.base_url);
        }
    }

    #[test]
    fn every_provider_has_a_distinct_id() {
        let mut ids = known_ids();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), PROVIDERS.len());
    }

    #[test]
    fn every_wire_is_named_by_its_own_kind() {
        for wire in Wire::ALL {
            assert_eq!(Wire::from_kind(wire.adapter().kind()), Some(wire));
        }
        assert_eq!(Wire::from_kind("OpenAI"), None);
        assert_eq!(Wire::from_kind("bedrock"), None);
        assert_eq!(Wire::default().adapter().kind(), "openai");
    }

    /// The default probe counts the model list, so a provider's probe path is its wire's
    /// model list unless it probes something else on purpose (OpenRouter's `/key`).
    #[test]
    fn the_probe_is_the_model_list_unless_it_reads_the_key() {
        for spec in super::PROVIDERS {
            if !spec.quirks.probe_reads_key {
                assert_eq!(
                    spec.probe_path,
                    spec.wire.adapter().models_path(),
                    "{}",
                    spec.id
                );
            }
        }
    }
}
