//! The embedded price table (README "Budgets"): list prices in USD per million tokens from
//! `prices.toml`, overridable per model in a profile, and the arithmetic that turns a
//! call's normalised [`Usage`] into what it cost.
//!
//! The table is compiled in and parsed on first use, so commands that price nothing
//! pay nothing. An unknown price is `None` (shown as `?`), never 0.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::providers::{self, KeyNeed, Provider};
use crate::vocab::{ModelRef, Usage};

/// The table as shipped; `cargo test` checks every row of it.
const EMBEDDED_TOML: &str = include_str!("../prices.toml");

const PER_MILLION: f64 = 1_000_000.0;

/// One model's prices, in USD per million tokens. The same shape is a profile override:
/// `[prices."corp:llama-70b"] input = 0.6  output = 0.8`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Prompt tokens that were neither read from nor written to a cache.
    #[serde(serialize_with = "crate::output::usd")]
    pub input: f64,
    /// Generated tokens, reasoning included.
    #[serde(serialize_with = "crate::output::usd")]
    pub output: f64,
    /// Cache reads; absent: billed at `input`.
    #[serde(serialize_with = "crate::output::opt_usd")]
    pub cached_input: Option<f64>,
    /// Five-minute cache writes; absent: billed at `input`.
    #[serde(serialize_with = "crate::output::opt_usd")]
    pub cache_write: Option<f64>,
    /// One-hour cache writes (Anthropic); absent: billed at `cache_write`.
    #[serde(serialize_with = "crate::output::opt_usd")]
    pub cache_write_1h: Option<f64>,
    /// A dearer tier for long prompts, applied to the whole request.
    pub long_context: Option<LongContext>,
    /// The provider's announced retirement date, `YYYY-MM-DD`.
    pub deprecated: Option<String>,
}

/// Prices that apply to the whole request when its prompt (`Usage::input_tokens`, cache
/// traffic included) exceeds `above` tokens. A cache price the tier leaves out is the
/// base cache price scaled by `input / base input` (how Anthropic and Google set them).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LongContext {
    pub above: u64,
    #[serde(serialize_with = "crate::output::usd")]
    pub input: f64,
    #[serde(serialize_with = "crate::output::usd")]
    pub output: f64,
    #[serde(serialize_with = "crate::output::opt_usd")]
    pub cached_input: Option<f64>,
    #[serde(serialize_with = "crate::output::opt_usd")]
    pub cache_write: Option<f64>,
    #[serde(serialize_with = "crate::output::opt_usd")]
    pub cache_write_1h: Option<f64>,
}

/// The per-million rates in force for one request, every fallback resolved.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Rates {
    input: f64,
    output: f64,
    cached_input: f64,
    cache_write: f64,
    cache_write_1h: f64,
}

impl Price {
    /// The rates for a request whose prompt is `input_tokens` long.
    fn rates(&self, input_tokens: u64) -> Rates {
        let cached_input = self.cached_input.unwrap_or(self.input);
        let cache_write = self.cache_write.unwrap_or(self.input);
        let cache_write_1h = self.cache_write_1h.unwrap_or(cache_write);
        let base = Rates {
            input: self.input,
            output: self.output,
            cached_input,
            cache_write,
            cache_write_1h,
        };
        match &self.long_context {
            Some(tier) if input_tokens > tier.above => {
                let scaled = |given: Option<f64>, base_rate: f64| {
                    given.unwrap_or(if self.input > 0.0 {
                        base_rate * tier.input / self.input
                    } else {
                        tier.input
                    })
                };
                Rates {
                    input: tier.input,
                    output: tier.output,
                    cached_input: scaled(tier.cached_input, base.cached_input),
                    cache_write: scaled(tier.cache_write, base.cache_write),
                    cache_write_1h: scaled(tier.cache_write_1h, base.cache_write_1h),
                }
            }
            _ => base,
        }
    }

    /// Whether every price is a finite, non-negative number, the tier threshold is
    /// positive and `deprecated` is a date. Profile loaders should call this on
    /// overrides (the embedded table is checked when parsed).
    pub fn check(&self) -> Result<(), String> {
        let mut fields = vec![
            ("input", Some(self.input)),
            ("output", Some(self.output)),
            ("cached_input", self.cached_input),
            ("cache_write", self.cache_write),
            ("cache_write_1h", self.cache_write_1h),
        ];
        if let Some(tier) = &self.long_context {
            if tier.above == 0 {
                return Err("long_context.above must be a positive token count".into());
            }
            fields.extend([
                ("long_context.input", Some(tier.input)),
                ("long_context.output", Some(tier.output)),
                ("long_context.cached_input", tier.cached_input),
                ("long_context.cache_write", tier.cache_write),
                ("long_context.cache_write_1h", tier.cache_write_1h),
            ]);
        }
        for (name, value) in fields {
            if let Some(v) = value
                && !(v.is_finite() && v >= 0.0)
            {
                return Err(format!(
                    "{name} = {v} is not a price (USD per million tokens, 0 or more)"
                ));
            }
        }
        if let Some(date) = &self.deprecated
            && date.parse::<Date>().is_err()
        {
            return Err(format!("deprecated = \"{date}\" is not a YYYY-MM-DD date"));
        }
        Ok(())
    }
}

/// Prices keyed by `provider:model`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PriceTable {
    rows: BTreeMap<String, Price>,
    /// When the prices were read from their sources (`as_of` in `prices.toml`:
    /// `YYYY-MM` or `YYYY-MM-DD`).
    as_of: Option<String>,
}

static EMBEDDED: OnceLock<PriceTable> = OnceLock::new();

impl PriceTable {
    /// The table compiled into byok, parsed on first use.
    pub fn embedded() -> PriceTable {
        EMBEDDED
            .get_or_init(|| {
                PriceTable::parse(EMBEDDED_TOML)
                    .unwrap_or_else(|e| panic!("the embedded prices.toml is broken: {e}"))
            })
            .clone()
    }

    /// Parses a table in the `prices.toml` format, checking every row: an optional
    /// top-level `as_of` date, then one table per `provider:model`.
    pub fn parse(text: &str) -> Result<PriceTable, String> {
        let mut doc: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let as_of = match doc.remove("as_of") {
            None => None,
            Some(toml::Value::String(date)) if is_month_or_date(&date) => Some(date),
            Some(other) => {
                return Err(format!(
                    "as_of = {other} is not a date (\"YYYY-MM\" or \"YYYY-MM-DD\")"
                ));
            }
        };
        let rows: BTreeMap<String, Price> = toml::Value::Table(doc)
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string())?;
        for (key, price) in &rows {
            if ModelRef::full(key).is_none() {
                return Err(format!("`{key}` is not a `provider:model` key"));
            }
            price.check().map_err(|e| format!("[\"{key}\"]: {e}"))?;
        }
        Ok(PriceTable { rows, as_of })
    }

    /// When the table's prices were read from their sources (`2026-11`).
    pub fn as_of(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    /// The table with `overrides` (keyed `provider:model`) replacing or adding rows.
    pub fn with_overrides(
        mut self,
        overrides: impl IntoIterator<Item = (String, Price)>,
    ) -> PriceTable {
        self.rows.extend(overrides);
        self
    }

    /// The price of `provider:model`: the exact row, else (Gemini) without a `models/`
    /// prefix, else without a dated snapshot suffix (`claude-haiku-4-5-20251001`,
    /// `gpt-4o-2024-08-06`) or Gemini's `-001` version suffix.
    pub fn lookup(&self, provider: &str, model: &str) -> Option<&Price> {
        self.resolve(provider, model).map(|(_, price)| price)
    }

    /// Like [`lookup`](Self::lookup), also naming the table's model that matched.
    pub fn resolve(&self, provider: &str, model: &str) -> Option<(&str, &Price)> {
        let get = |m: &str| {
            self.rows
                .get_key_value(&format!("{provider}:{m}"))
                .map(|(key, price)| (&key[provider.len() + 1..], price))
        };
        if let Some(hit) = get(model) {
            return Some(hit);
        }
        let versioned =
            || providers::spec(provider).is_some_and(|s| s.quirks.versioned_model_names);
        let model = match model.strip_prefix("models/") {
            Some(rest) if versioned() => {
                if let Some(hit) = get(rest) {
                    return Some(hit);
                }
                rest
            }
            _ => model,
        };
        let base = strip_snapshot(model)
            .or_else(|| versioned().then(|| strip_version(model)).flatten())?;
        get(base)
    }

    /// Every row as `(provider, model, price)`, sorted by provider, then model.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &Price)> {
        self.rows.iter().map(|(key, price)| {
            let (provider, model) = ModelRef::full(key).unwrap_or((key.as_str(), ""));
            (provider, model, price)
        })
    }

    /// The retirement date of `provider:model` (its row's `deprecated`, found as
    /// [`lookup`](Self::lookup) finds it) when that date is before `today`.
    pub fn retired(&self, provider: &str, model: &str, today: Date) -> Option<Date> {
        let date: Date = self
            .lookup(provider, model)?
            .deprecated
            .as_ref()?
            .parse()
            .ok()?;
        (date < today).then_some(date)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

/// The one line `run`, `council` and `route set` print on stderr when a model they were
/// given is past its retirement date (README "Budgets"): not an error, the provider
/// decides; `None` when it is not.
pub fn retired_warning(
    table: &PriceTable,
    provider: &str,
    model: &str,
    today: Date,
) -> Option<String> {
    let date = table.retired(provider, model, today)?;
    Some(format!(
        "{provider}:{model} was retired on {date}; pick another model, e.g. byok prices {provider}"
    ))
}

/// `2026-11` or `2026-11-28`.
fn is_month_or_date(text: &str) -> bool {
    text.parse::<Date>().is_ok() || format!("{text}-01").parse::<Date>().is_ok()
}

/// `name-20251001` or `name-2024-08-06` → `name`.
fn strip_snapshot(model: &str) -> Option<&str> {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let bytes = model.as_bytes();
    let n = model.len();
    // -YYYYMMDD
    if n > 9 && bytes[n - 9] == b'-' && digits(&model[n - 8..]) && model[n - 8..].starts_with("20")
    {
        return Some(&model[..n - 9]);
    }
    // -YYYY-MM-DD
    if n > 11
        && bytes[n - 11] == b'-'
        && bytes[n - 6] == b'-'
        && bytes[n - 3] == b'-'
        && digits(&model[n - 10..n - 6])
        && digits(&model[n - 5..n - 3])
        && digits(&model[n - 2..])
        && model[n - 10..].starts_with("20")
    {
        return Some(&model[..n - 11]);
    }
    None
}

/// Gemini's stable versions: `gemini-2.0-flash-001` → `gemini-2.0-flash`.
fn strip_version(model: &str) -> Option<&str> {
    let (base, version) = model.rsplit_once('-')?;
    (version.len() == 3 && version.bytes().all(|b| b.is_ascii_digit()) && !base.is_empty())
        .then_some(base)
}

/// Whether a provider runs locally (ollama, lmstudio, llamacpp, vllm): no per-token price.
pub fn is_local(provider: &str) -> bool {
    providers::spec(provider).is_some_and(|spec| spec.key != KeyNeed::Required)
}

/// Where a cost figure came from (`cost_source` in `--json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostSource {
    /// The provider reported what it charged (OpenRouter `usage.cost`).
    Provider,
    /// Computed from the price table (or 0 for a local provider).
    PriceTable,
    /// No price is known: `usd` is `None`, shown as `?`.
    Unknown,
}

/// What one call cost.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Cost {
    pub usd: Option<f64>,
    pub source: CostSource,
}

impl Cost {
    /// `$0.00123`, or `?` when unknown.
    pub fn display(&self) -> String {
        self.usd.map_or_else(|| "?".to_string(), format_usd)
    }
}

/// What a call to `model` at `provider` cost. In order: the provider's own figure, as
/// reported; the table's price (a profile override included); 0 for a local provider
/// (ollama, lmstudio, llamacpp, vllm) without one; else unknown.
pub fn cost(
    table: &PriceTable,
    provider: &Provider,
    model: &str,
    usage: &Usage,
    provider_reported_usd: Option<f64>,
) -> Cost {
    let local = provider.spec.key != KeyNeed::Required;
    cost_at(
        table,
        provider.id(),
        local,
        model,
        usage,
        provider_reported_usd,
    )
}

/// [`cost`] for a provider named by id, such as a custom one from the profile; `local`
/// says whether it runs on this machine (and so costs 0 when the table has no price).
pub fn cost_at(
    table: &PriceTable,
    provider_id: &str,
    local: bool,
    model: &str,
    usage: &Usage,
    provider_reported_usd: Option<f64>,
) -> Cost {
    if let Some(usd) = provider_reported_usd.filter(|u| u.is_finite() && *u >= 0.0) {
        return Cost {
            usd: Some(usd),
            source: CostSource::Provider,
        };
    }
    if let Some(price) = table.lookup(provider_id, model) {
        return Cost {
            usd: Some(usage_usd(price, usage)),
            source: CostSource::PriceTable,
        };
    }
    if local {
        return Cost {
            usd: Some(0.0),
            source: CostSource::PriceTable,
        };
    }
    Cost {
        usd: None,
        source: CostSource::Unknown,
    }
}

/// `usage` priced at `price`: cache reads at the cached price, five-minute and one-hour
/// cache writes at theirs, the rest of the prompt at the input price, every generated
/// token (reasoning included) at the output price; the long-context tier for the whole
/// request when the prompt exceeds it.
pub fn usage_usd(price: &Price, usage: &Usage) -> f64 {
    let r = price.rates(usage.input_tokens);
    let uncached = usage
        .input_tokens
        .saturating_sub(usage.cached_input_tokens)
        .saturating_sub(usage.cache_write_tokens);
    let write_1h = usage.cache_write_1h_tokens.min(usage.cache_write_tokens);
    let write_5m = usage.cache_write_tokens - write_1h;
    (uncached as f64 * r.input
        + usage.cached_input_tokens as f64 * r.cached_input
        + write_5m as f64 * r.cache_write
        + write_1h as f64 * r.cache_write_1h
        + usage.output_tokens as f64 * r.output)
        / PER_MILLION
}

/// An upper bound on a call's cost before it is made, for budget reservations: every
/// prompt token at the input price (a cache read only lowers it; byok asks for no cache
/// writes) and `max_output_tokens` at the output price, at the long-context tier when
/// the prompt exceeds it.
pub fn estimate_usd(price: &Price, input_tokens: u64, max_output_tokens: u64) -> f64 {
    let r = price.rates(input_tokens);
    (input_tokens as f64 * r.input + max_output_tokens as f64 * r.output) / PER_MILLION
}

/// A dollar amount for people: at least two decimals, three significant digits below a
/// dollar (`$3.00`, `$1.25`, `$0.075`, `$0.00123`), up to four decimals above.
pub fn format_usd(usd: f64) -> String {
    if usd == 0.0 || !usd.is_finite() {
        return format!("${:.2}", if usd.is_finite() { 0.0 } else { usd });
    }
    let decimals = if usd.abs() >= 1.0 {
        4
    } else {
        (2 - usd.abs().log10().floor() as i32).clamp(2, 12) as usize
    };
    let text = format!("{usd:.decimals$}");
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = frac.trim_end_matches('0');
    format!("${whole}.{frac:0<2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    fn assert_usd(cost: Cost, expected: f64) {
        let usd = cost.usd.expect("a known cost");
        assert!(close(usd, expected), "got {usd}, expected {expected}");
    }

    /// `cost` for a built-in provider id.
    fn cost(t: &PriceTable, id: &str, model: &str, u: &Usage, reported: Option<f64>) -> Cost {
        let provider = Provider {
            spec: providers::spec(id).unwrap(),
            base_url: String::new(),
            base_url_from_user: false,
        };
        super::cost(t, &provider, model, u, reported)
    }

    fn usage(input: u64, output: u64) -> Usage {
        Usage {
            input_tokens: input,
            output_tokens: output,
            ..Usage::default()
        }
    }

    /// Every model of PRICES.md (2026-11), as `provider:model`.
    const EXPECTED: &[&str] = &[
        "anthropic:claude-opus-5-5",
        "anthropic:claude-sonnet-5-5",
        "anthropic:claude-haiku-5-5",
        "anthropic:claude-opus-4-7",
        "anthropic:claude-sonnet-4-6",
        "anthropic:claude-sonnet-4-5",
        "anthropic:claude-haiku-4-5",
        "openai:gpt-4o",
        "openai:gpt-4o-mini",
        "openai:gpt-4.1",
        "openai:gpt-4.1-mini",
        "openai:gpt-4.1-nano",
        "openai:o3",
        "openai:o4-mini",
        "openai:o3-mini",
        "openai:o1",
        "openai:gpt-5.5",
        "openai:gpt-5.4-mini",
        "gemini:gemini-2.5-pro",
        "gemini:gemini-2.5-flash",
        "gemini:gemini-2.5-flash-lite",
        "gemini:gemini-2.0-flash",
        "gemini:gemini-3.1-pro-preview",
        "gemini:gemini-3.5-flash",
        "mistral:mistral-large-latest",
        "mistral:mistral-medium-latest",
        "mistral:mistral-small-latest",
        // Not in PRICES.md: from litellm's price list (see prices.toml).
        "groq:openai/gpt-oss-120b",
        "groq:openai/gpt-oss-20b",
        "groq:qwen/qwen3.8-27b",
        "deepseek:deepseek-v4-flash",
        "deepseek:deepseek-v4-pro",
        "deepseek:deepseek-chat",
        "deepseek:deepseek-reasoner",
        "xai:grok-4.3",
        "xai:grok-4.7",
        "xai:grok-code-fast-1",
        "together:openai/gpt-oss-120b",
        "together:deepseek-ai/DeepSeek-V4.1-Flash",
        "together:meta-llama/Llama-3.3-70B-Instruct-Turbo",
    ];

    #[test]
    fn every_row_parses_and_every_listed_model_is_present() {
        let table = PriceTable::parse(EMBEDDED_TOML).expect("prices.toml parses");
        for (provider, model, price) in table.iter() {
            assert!(providers::spec(provider).is_some(), "{provider}:{model}");
            assert!(
                price.output >= 0.0 && price.input >= 0.0,
                "{provider}:{model}"
            );
            price.check().unwrap();
        }
        for key in EXPECTED {
            let (provider, model) = ModelRef::full(key).unwrap();
            assert!(table.lookup(provider, model).is_some(), "{key} is missing");
        }
        assert_eq!(table.len(), EXPECTED.len(), "rows not listed above");
    }

    /// A dollar cap refuses a call it cannot price (README "Budgets"), so a provider whose
    /// default model has no row is blocked by any cap; one past its retirement fails.
    #[test]
    fn every_keyed_providers_default_model_is_priced_and_current() {
        let t = PriceTable::embedded();
        for spec in providers::PROVIDERS {
            // OpenRouter reports each call's cost itself (`usage.cost`); the table has
            // no OpenRouter rows.
            if spec.key != KeyNeed::Required || spec.id == "openrouter" {
                continue;
            }
            let price = t.lookup(spec.id, spec.default_model);
            let name = format!("{}:{}", spec.id, spec.default_model);
            let price = price.unwrap_or_else(|| panic!("{name} has no price"));
            assert_eq!(price.deprecated, None, "{name} is being retired");
        }
    }

    #[test]
    fn listed_figures_spot_check() {
        let t = PriceTable::embedded();
        let opus = t.lookup("anthropic", "claude-opus-5-5").unwrap();
        assert_eq!((opus.input, opus.output), (4.0, 20.0));
        assert_eq!(opus.cache_write_1h, Some(8.0));
        let gpt = t.lookup("openai", "gpt-5.5").unwrap();
        assert_eq!(gpt.long_context.as_ref().unwrap().above, 272_000);
        let flash = t.lookup("gemini", "gemini-2.0-flash").unwrap();
        assert_eq!(flash.cached_input, None);
        assert_eq!(flash.deprecated.as_deref(), Some("2026-06-01"));
        let nano = t.lookup("openai", "gpt-4.1-nano").unwrap();
        assert_eq!(nano.deprecated.as_deref(), Some("2026-10-23"));
    }

    #[test]
    fn plain_input_and_output() {
        // gpt-4o-mini: 0.15 in, 0.6 out. 1,000 × 0.15 + 500 × 0.6 = 450 µ$ → $0.00045.
        let t = PriceTable::embedded();
        let c = cost(&t, "openai", "gpt-4o-mini", &usage(1_000, 500), None);
        assert_eq!(c.source, CostSource::PriceTable);
        assert_usd(c, 0.00045);
    }

    #[test]
    fn reasoning_is_billed_once_inside_output() {
        // o3: 2 in, 8 out; 2,000 output tokens of which 1,500 reasoning.
        let t = PriceTable::embedded();
        let u = Usage {
            reasoning_tokens: 1_500,
            ..usage(100, 2_000)
        };
        // 100 × 2 + 2,000 × 8 = 16,200 µ$.
        assert_usd(cost(&t, "openai", "o3", &u, None), 0.0162);
    }

    #[test]
    fn cached_input_on_openai() {
        // gpt-4o: 2.5 in, 1.25 cached, 10 out. 10,000 prompt of which 8,000 cached.
        let t = PriceTable::embedded();
        let u = Usage {
            cached_input_tokens: 8_000,
            ..usage(10_000, 200)
        };
        // 2,000 × 2.5 + 8,000 × 1.25 + 200 × 10 = 5,000 + 10,000 + 2,000 = 17,000 µ$.
        assert_usd(cost(&t, "openai", "gpt-4o", &u, None), 0.017);
    }

    #[test]
    fn cache_reads_and_5m_and_1h_writes_on_anthropic() {
        // claude-sonnet-4-5: 3 in, 0.3 read, 3.75 write 5m, 6 write 1h, 15 out.
        // Prompt 10,000 = 1,000 plain + 5,000 read + 4,000 written (1,000 of them 1h).
        let t = PriceTable::embedded();
        let u = Usage {
            input_tokens: 10_000,
            output_tokens: 1_000,
            cached_input_tokens: 5_000,
            cache_write_tokens: 4_000,
            cache_write_1h_tokens: 1_000,
            reasoning_tokens: 0,
        };
        // 1,000 × 3 + 5,000 × 0.3 + 3,000 × 3.75 + 1,000 × 6 + 1,000 × 15
        // = 3,000 + 1,500 + 11,250 + 6,000 + 15,000 = 36,750 µ$.
        assert_usd(
            cost(&t, "anthropic", "claude-sonnet-4-5", &u, None),
            0.03675,
        );
    }

    #[test]
    fn missing_cache_prices_fall_back() {
        // No cached / write prices: everything at input. 1h falls back to the 5m price.
        let only_io = Price {
            input: 1.0,
            output: 2.0,
            cached_input: None,
            cache_write: None,
            cache_write_1h: None,
            long_context: None,
            deprecated: None,
        };
        let u = Usage {
            input_tokens: 1_000,
            output_tokens: 0,
            cached_input_tokens: 300,
            cache_write_tokens: 300,
            cache_write_1h_tokens: 100,
            reasoning_tokens: 0,
        };
        assert!(close(usage_usd(&only_io, &u), 0.001));
        let with_5m = Price {
            cache_write: Some(4.0),
            ..only_io
        };
        // 400 × 1 + 300 × 1 + 300 × 4 = 1,900 µ$.
        assert!(close(usage_usd(&with_5m, &u), 0.0019));
    }

    #[test]
    fn inconsistent_usage_never_goes_negative() {
        let t = PriceTable::embedded();
        let u = Usage {
            cached_input_tokens: 900,
            cache_write_tokens: 900,
            cache_write_1h_tokens: 5_000,
            ..usage(1_000, 0)
        };
        // claude-haiku-4-5: 0 plain, 900 × 0.1 read, 900 × 2 (all 1h) = 90 + 1,800 µ$.
        assert_usd(cost(&t, "anthropic", "claude-haiku-4-5", &u, None), 0.00189);
    }

    #[test]
    fn long_context_tier_on_gemini_2_5_pro() {
        // Base: 1.25 in, 0.125 cached, 10 out. Above 200k: 2.5, 0.25, 15.
        let t = PriceTable::embedded();
        let at = Usage {
            cached_input_tokens: 100_000,
            ..usage(200_000, 1_000)
        };
        // At the threshold, base: 100,000 × 1.25 + 100,000 × 0.125 + 1,000 × 10
        // = 125,000 + 12,500 + 10,000 = 147,500 µ$.
        assert_usd(cost(&t, "gemini", "gemini-2.5-pro", &at, None), 0.1475);
        let over = Usage {
            cached_input_tokens: 100_000,
            ..usage(250_000, 1_000)
        };
        // Over it, the whole request: 150,000 × 2.5 + 100,000 × 0.25 + 1,000 × 15
        // = 375,000 + 25,000 + 15,000 = 415,000 µ$.
        assert_usd(cost(&t, "gemini", "gemini-2.5-pro", &over, None), 0.415);
    }

    #[test]
    fn long_context_cache_prices_scale_when_unlisted() {
        // claude-haiku-5-5 above 100k: 0.5 in (5× 0.1), 2.5 out; read 0.01 → 0.05,
        // write 5m 0.125 → 0.625, write 1h 0.2 → 1.0.
        let t = PriceTable::embedded();
        let u = Usage {
            input_tokens: 200_000,
            output_tokens: 1_000,
            cached_input_tokens: 100_000,
            cache_write_tokens: 50_000,
            cache_write_1h_tokens: 10_000,
            reasoning_tokens: 0,
        };
        // 50,000 × 0.5 + 100,000 × 0.05 + 40,000 × 0.625 + 10,000 × 1 + 1,000 × 2.5
        // = 25,000 + 5,000 + 25,000 + 10,000 + 2,500 = 67,500 µ$.
        assert_usd(cost(&t, "anthropic", "claude-haiku-5-5", &u, None), 0.0675);
    }

    #[test]
    fn dated_snapshots_and_prefixes_resolve_to_the_base_row() {
        let t = PriceTable::embedded();
        let haiku = t.lookup("anthropic", "claude-haiku-4-5").unwrap();
        assert_eq!(
            t.lookup("anthropic", "claude-haiku-4-5-20251001"),
            Some(haiku)
        );
        assert_eq!(
            t.resolve("openai", "gpt-4o-2024-08-06").map(|(m, _)| m),
            Some("gpt-4o")
        );
        assert_eq!(
            t.resolve("openai", "gpt-4o-mini-2024-07-18")
                .map(|(m, _)| m),
            Some("gpt-4o-mini")
        );
        assert_eq!(
            t.resolve("gemini", "models/gemini-2.5-flash")
                .map(|(m, _)| m),
            Some("gemini-2.5-flash")
        );
        assert_eq!(
            t.resolve("gemini", "models/gemini-2.0-flash-001")
                .map(|(m, _)| m),
            Some("gemini-2.0-flash")
        );
        // Not snapshots of anything priced.
        assert!(t.lookup("openai", "gpt-4o-audio-preview").is_none());
        assert!(t.lookup("openai", "gpt-4o-2024").is_none());
        assert!(t.lookup("anthropic", "claude-haiku-4-5-2025100").is_none());
        assert!(t.lookup("openai", "models/gpt-4o").is_none());
        // The provider matters.
        assert!(t.lookup("openrouter", "gpt-4o").is_none());
    }

    #[test]
    fn unknown_model_is_unknown_not_free() {
        let t = PriceTable::embedded();
        let c = cost(&t, "openai", "gpt-9-ultra", &usage(1_000, 1_000), None);
        assert_eq!(
            c,
            Cost {
                usd: None,
                source: CostSource::Unknown
            }
        );
        assert_eq!(c.display(), "?");
        let custom = cost_at(&t, "corp", false, "llama-70b", &usage(1, 1), None);
        assert_eq!(custom.source, CostSource::Unknown);
    }

    #[test]
    fn provider_reported_cost_wins() {
        let t = PriceTable::embedded();
        let u = usage(1_000_000, 1_000_000);
        let c = cost(&t, "openrouter", "openai/gpt-4o-mini", &u, Some(0.00123));
        assert_eq!(
            c,
            Cost {
                usd: Some(0.00123),
                source: CostSource::Provider
            }
        );
        // Even over a table price, and a reported 0 is a real 0 (free models).
        let c = cost(&t, "openai", "gpt-4o", &u, Some(0.0));
        assert_eq!(c.usd, Some(0.0));
        assert_eq!(c.source, CostSource::Provider);
        // Garbage is ignored.
        let c = cost(&t, "openrouter", "x/y", &u, Some(f64::NAN));
        assert_eq!(c.source, CostSource::Unknown);
    }

    #[test]
    fn local_providers_cost_nothing() {
        let t = PriceTable::embedded();
        for provider in ["ollama", "lmstudio", "llamacpp", "vllm"] {
            let c = cost(&t, provider, "llama3.2:3b", &usage(5_000, 5_000), None);
            assert_eq!(
                c,
                Cost {
                    usd: Some(0.0),
                    source: CostSource::PriceTable
                },
                "{provider}"
            );
        }
        let c = cost_at(&t, "homelab", true, "qwen3", &usage(5_000, 5_000), None);
        assert_eq!(c.usd, Some(0.0));
        assert!(is_local("ollama") && is_local("vllm"));
        assert!(!is_local("openai"));
        assert!(!is_local("corp"));
    }

    #[test]
    fn overrides_replace_embedded_rows_and_add_new_ones() {
        let table = PriceTable::embedded();
        let overrides: BTreeMap<String, Price> = toml::from_str(
            r#"
            ["corp:llama-70b"]
            input = 0.6
            output = 0.8

            ["openai:gpt-4o"]
            input = 1.0
            output = 2.0
            "#,
        )
        .unwrap();
        let t = table.clone().with_overrides(overrides);
        assert_eq!(t.len(), table.len() + 1);
        // The whole row is replaced: no cached price survives from the embedded one.
        let gpt = t.lookup("openai", "gpt-4o").unwrap();
        assert_eq!((gpt.input, gpt.output, gpt.cached_input), (1.0, 2.0, None));
        let u = Usage {
            cached_input_tokens: 1_000,
            ..usage(1_000, 1_000)
        };
        // 1,000 × 1 (cached at input) + 1,000 × 2 = 3,000 µ$.
        assert_usd(cost(&t, "openai", "gpt-4o", &u, None), 0.003);
        // 1,000 × 0.6 + 1,000 × 0.8 = 1,400 µ$.
        assert_usd(
            cost_at(&t, "corp", false, "llama-70b", &usage(1_000, 1_000), None),
            0.0014,
        );
        // Snapshots of an overridden model follow the override.
        assert_eq!(t.lookup("openai", "gpt-4o-2024-11-20"), Some(gpt));
        // A local model given a price is priced.
        let local = Price {
            input: 0.01,
            output: 0.01,
            ..gpt.clone()
        };
        let t = t.with_overrides([("ollama:llama3.2".to_string(), local)]);
        assert_usd(
            cost(&t, "ollama", "llama3.2", &usage(1_000, 0), None),
            0.00001,
        );
    }

    #[test]
    fn bad_rows_are_rejected() {
        let bad = [
            "[\"x:y\"]\ninput = -1.0\noutput = 1.0\n",
            "[\"x:y\"]\ninput = 1.0\noutput = nan\n",
            "[\"x:y\"]\ninput = 1.0\n",
            "[\"x:y\"]\ninput = 1.0\noutput = 1.0\ncache_read = 0.1\n",
            "[\"x:y\"]\ninput = 1.0\noutput = 1.0\ndeprecated = \"soon\"\n",
            "[\"xy\"]\ninput = 1.0\noutput = 1.0\n",
            "[\"x:y\"]\ninput = 1.0\noutput = 1.0\nlong_context = { above = 0, input = 1.0, output = 1.0 }\n",
        ];
        for text in bad {
            assert!(PriceTable::parse(text).is_err(), "{text}");
        }
        assert!(PriceTable::parse("[\"x:y:z\"]\ninput = 1\noutput = 2\n").is_ok());
    }

    #[test]
    fn the_table_says_when_its_prices_were_read() {
        assert_eq!(PriceTable::embedded().as_of(), Some("2026-11"));
        let dated = |as_of: &str| PriceTable::parse(&format!("as_of = {as_of}\n"));
        assert_eq!(dated("\"2026-11-28\"").unwrap().as_of(), Some("2026-11-28"));
        for bad in ["\"November\"", "\"2026-13\"", "\"2026\"", "2026"] {
            assert!(dated(bad).is_err(), "{bad}");
        }
        // Optional, and kept under a profile's overrides.
        assert_eq!(PriceTable::parse("").unwrap().as_of(), None);
        let overridden = PriceTable::embedded().with_overrides([(
            "corp:m".to_string(),
            PriceTable::embedded()
                .lookup("openai", "gpt-4o")
                .unwrap()
                .clone(),
        )]);
        assert_eq!(overridden.as_of(), Some("2026-11"));
    }

    #[test]
    fn a_model_is_retired_after_its_date_and_warned_about_in_one_line() {
        let t = PriceTable::embedded();
        let day = |d: &str| d.parse::<Date>().unwrap();
        // gpt-4.1-nano: deprecated = "2026-10-23"; snapshots follow their row.
        assert_eq!(t.retired("openai", "gpt-4.1-nano", day("2026-10-23")), None);
        assert_eq!(
            t.retired("openai", "gpt-4.1-nano-2025-04-14", day("2026-10-24")),
            Some(day("2026-10-23"))
        );
        assert_eq!(t.retired("openai", "gpt-4o", day("2099-01-01")), None);
        assert_eq!(t.retired("corp", "gpt-4.1-nano", day("2099-01-01")), None);
        assert_eq!(
            retired_warning(&t, "openai", "gpt-4.1-nano", day("2026-12-01")).unwrap(),
            "openai:gpt-4.1-nano was retired on 2026-10-23; pick another model, e.g. byok prices openai"
        );
        assert_eq!(
            retired_warning(&t, "openai", "gpt-4o", day("2026-12-01")),
            None
        );
    }

    #[test]
    fn estimates_are_upper_bounds() {
        let t = PriceTable::embedded();
        let sonnet = t.lookup("anthropic", "claude-sonnet-4-6").unwrap();
        // 10,000 × 3 + 4,096 × 15 = 30,000 + 61,440 = 91,440 µ$.
        assert!(close(estimate_usd(sonnet, 10_000, 4_096), 0.09144));
        let pro = t.lookup("gemini", "gemini-2.5-pro").unwrap();
        // 300,000 × 2.5 + 1,000 × 15 = 765,000 µ$ (long-context tier).
        assert!(close(estimate_usd(pro, 300_000, 1_000), 0.765));
        let u = Usage {
            cached_input_tokens: 5_000,
            ..usage(10_000, 4_096)
        };
        assert!(usage_usd(sonnet, &u) <= estimate_usd(sonnet, 10_000, 4_096));
    }

    #[test]
    fn dollar_formatting() {
        assert_eq!(format_usd(3.0), "$3.00");
        assert_eq!(format_usd(0.075), "$0.075");
        assert_eq!(format_usd(1.1), "$1.10");
        assert_eq!(format_usd(0.5), "$0.50");
        assert_eq!(format_usd(0.01), "$0.01");
        assert_eq!(format_usd(0.015), "$0.015");
        assert_eq!(format_usd(0.275), "$0.275");
        assert_eq!(format_usd(6.25), "$6.25");
        assert_eq!(format_usd(60.0), "$60.00");
        assert_eq!(format_usd(0.0), "$0.00");
        assert_eq!(format_usd(0.00045), "$0.00045");
        assert_eq!(format_usd(0.001234567), "$0.00123");
        assert_eq!(format_usd(12.345678), "$12.3457");
        assert_eq!(format_usd(0.0000001), "$0.0000001");
    }
}
