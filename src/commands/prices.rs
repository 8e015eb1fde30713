//! `byok prices [PROVIDER[:MODEL]...]`: the price table byok costs calls with, the
//! date its prices were read, and the active profile's `[prices]` overrides marked as
//! such (README "Budgets").

use std::collections::BTreeMap;

use serde::Serialize;

use super::Ctx;
use crate::error::{Error, Result};
use crate::prices::{self, LongContext, Price, PriceTable, format_usd};

pub fn run(ctx: &Ctx, wanted: &[String]) -> Result<()> {
    let loaded = ctx.profile()?;
    let overrides = &loaded.profile.prices;
    let table = PriceTable::embedded().with_overrides(overrides.clone());
    let rows = select(&table, overrides, wanted)?;
    if ctx.ui.json {
        return ctx.ui.print_json(&Listing {
            as_of: table.as_of(),
            profile: &loaded.name,
            prices: &rows,
        });
    }
    let overridden = rows.iter().filter(|r| r.source == Source::Profile).count();
    let mut header = format!(
        "byok's price table as of {}, USD per million tokens",
        table.as_of().unwrap_or("an unknown date")
    );
    if overridden > 0 {
        header.push_str(&format!(
            "; {overridden} set by the profile {} ({})",
            loaded.name,
            loaded.path.display()
        ));
    }
    crate::output::write_stdout(format!("{header}\n").as_bytes())?;
    let mut t = ctx.ui.table(&[
        ("provider", 0),
        ("model", 0),
        ("input $/M", 0),
        ("cached $/M", 3),
        ("cache write $/M (5m / 1h)", 4),
        ("output $/M", 0),
        ("long context", 5),
        ("deprecated", 2),
        ("source", 1),
    ]);
    for row in &rows {
        t.add_row(cells(row));
    }
    ctx.ui.print_table(t)
}

/// Warns once on stderr about each of `models` (`(provider, model)`) that `table` says
/// was retired before today (README "Budgets"): not an error, since the provider may
/// still answer, but a nudge to pick another. `run`, `council` and `route set` call it.
pub(crate) fn warn_retired<'a>(
    table: &PriceTable,
    models: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    let today = crate::clock::today();
    for (provider, model) in models {
        if let Some(warning) = prices::retired_warning(table, provider, model, today) {
            crate::output::warn_once(&warning);
        }
    }
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
struct Listing<'a> {
    /// When the embedded table's prices were read (`2026-11`).
    as_of: Option<&'a str>,
    /// The profile whose overrides are applied.
    profile: &'a str,
    prices: &'a [Row<'a>],
}

/// Where a row's price comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Source {
    /// The embedded table (`prices.toml`).
    Table,
    /// The active profile's `[prices."provider:model"]`, which replaces the table's row.
    Profile,
    /// Not in the table: a local provider's model, free.
    Local,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Table => "table",
            Source::Profile => "profile",
            Source::Local => "local",
        }
    }
}

/// One row of the listing.
#[derive(Debug, PartialEq, Serialize)]
struct Row<'a> {
    provider: &'a str,
    model: &'a str,
    source: Source,
    #[serde(flatten)]
    price: Price,
}

impl<'a> Row<'a> {
    fn new(
        provider: &'a str,
        model: &'a str,
        price: &Price,
        overrides: &BTreeMap<String, Price>,
    ) -> Row<'a> {
        let source = if overrides.contains_key(&format!("{provider}:{model}")) {
            Source::Profile
        } else {
            Source::Table
        };
        Row {
            provider,
            model,
            source,
            price: price.clone(),
        }
    }
}

/// Every row, or those asked for in the order given: a `provider:model` (dated snapshots
/// resolve to their row; a local provider without a row lists as free) or a provider
/// alone (each of its rows).
fn select<'a>(
    table: &'a PriceTable,
    overrides: &BTreeMap<String, Price>,
    wanted: &'a [String],
) -> Result<Vec<Row<'a>>> {
    if wanted.is_empty() {
        return Ok(table
            .iter()
            .map(|(provider, model, price)| Row::new(provider, model, price, overrides))
            .collect());
    }
    let mut rows = Vec::new();
    let mut unknown = Vec::new();
    for name in wanted {
        if !name.contains(':') && !name.trim().is_empty() {
            let before = rows.len();
            rows.extend(
                table
                    .iter()
                    .filter(|(provider, _, _)| provider == name)
                    .map(|(provider, model, price)| Row::new(provider, model, price, overrides)),
            );
            if rows.len() == before && !prices::is_local(name) {
                unknown.push(format!("`{name}`"));
            }
            continue;
        }
        let Some((provider, model)) = crate::vocab::ModelRef::full(name) else {
            return Err(Error::Usage(format!(
                "`{name}` is not PROVIDER:MODEL (for example anthropic:claude-sonnet-4-6) or a PROVIDER."
            )));
        };
        if let Some((model, price)) = table.resolve(provider, model) {
            rows.push(Row::new(provider, model, price, overrides));
        } else if prices::is_local(provider) {
            rows.push(Row {
                provider,
                model,
                source: Source::Local,
                price: free(),
            });
        } else {
            unknown.push(format!("`{name}`"));
        }
    }
    if unknown.is_empty() {
        return Ok(rows);
    }
    Err(Error::Usage(format!(
        "byok has no price for {}; calls to {} are costed as `?`. Run `byok prices` to list every priced model, or set a price in the profile: [prices.\"PROVIDER:MODEL\"] input = …, output = … (USD per million tokens).",
        unknown.join(", "),
        if unknown.len() == 1 { "it" } else { "them" },
    )))
}

/// What a local model costs: nothing per token.
fn free() -> Price {
    Price {
        input: 0.0,
        output: 0.0,
        cached_input: None,
        cache_write: None,
        cache_write_1h: None,
        long_context: None,
        deprecated: None,
    }
}

fn cells(row: &Row) -> Vec<String> {
    let p = &row.price;
    vec![
        row.provider.to_string(),
        row.model.to_string(),
        format_usd(p.input),
        opt_usd(p.cached_input),
        cache_write(p.cache_write, p.cache_write_1h),
        format_usd(p.output),
        p.long_context.as_ref().map_or_else(dash, long_context),
        p.deprecated.clone().unwrap_or_else(dash),
        row.source.as_str().to_string(),
    ]
}

fn dash() -> String {
    "—".to_string()
}

fn opt_usd(usd: Option<f64>) -> String {
    usd.map_or_else(dash, format_usd)
}

fn cache_write(five_min: Option<f64>, one_hour: Option<f64>) -> String {
    match (five_min, one_hour) {
        (None, None) => dash(),
        (five, hour) => format!("{} / {}", opt_usd(five), opt_usd(hour)),
    }
}

/// `> 200k: $2.50 in, $15.00 out, $0.25 cached`.
fn long_context(tier: &LongContext) -> String {
    let above = if tier.above.is_multiple_of(1000) {
        format!("{}k", tier.above / 1000)
    } else {
        tier.above.to_string()
    };
    let mut text = format!(
        "> {above}: {} in, {} out",
        format_usd(tier.input),
        format_usd(tier.output)
    );
    if let Some(cached) = tier.cached_input {
        text.push_str(&format!(", {} cached", format_usd(cached)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn names(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| format!("{}:{}", r.provider, r.model))
            .collect()
    }

    fn none() -> BTreeMap<String, Price> {
        BTreeMap::new()
    }

    #[test]
    fn lists_every_row_or_the_named_ones() {
        let table = PriceTable::embedded();
        assert_eq!(select(&table, &none(), &[]).unwrap().len(), table.len());
        let asked = owned(&[
            "openai:gpt-4o-mini",
            "anthropic:claude-haiku-4-5-20251001",
            "ollama:llama3.2:3b",
        ]);
        let rows = select(&table, &none(), &asked).unwrap();
        assert_eq!(
            names(&rows),
            [
                "openai:gpt-4o-mini",
                "anthropic:claude-haiku-4-5",
                "ollama:llama3.2:3b"
            ]
        );
        assert_eq!(rows[2].price.input, 0.0);
        assert_eq!(
            rows.iter().map(|r| r.source).collect::<Vec<_>>(),
            [Source::Table, Source::Table, Source::Local]
        );
    }

    #[test]
    fn a_provider_alone_lists_its_rows() {
        let table = PriceTable::embedded();
        let deepseek = owned(&["deepseek"]);
        let rows = select(&table, &none(), &deepseek).unwrap();
        assert_eq!(
            names(&rows),
            [
                "deepseek:deepseek-chat",
                "deepseek:deepseek-reasoner",
                "deepseek:deepseek-v4-flash",
                "deepseek:deepseek-v4-pro"
            ]
        );
        // A local provider without rows lists nothing; one byok cannot price is an error.
        assert!(
            select(&table, &none(), &owned(&["ollama"]))
                .unwrap()
                .is_empty()
        );
        let err = select(&table, &none(), &owned(&["openrouter"])).unwrap_err();
        assert!(
            err.to_string().contains("no price for `openrouter`"),
            "{err}"
        );
    }

    #[test]
    fn the_profiles_overrides_are_marked() {
        let overrides: BTreeMap<String, Price> = toml::from_str(
            r#"
            ["openai:gpt-4o"]
            input = 1.0
            output = 2.0

            ["corp:llama-70b"]
            input = 0.6
            output = 0.8
            "#,
        )
        .unwrap();
        let table = PriceTable::embedded().with_overrides(overrides.clone());
        let asked = owned(&["openai:gpt-4o-2024-08-06", "corp:llama-70b", "openai:o3"]);
        let rows = select(&table, &overrides, &asked).unwrap();
        assert_eq!(
            rows.iter()
                .map(|r| (r.model, r.source, r.price.input))
                .collect::<Vec<_>>(),
            [
                ("gpt-4o", Source::Profile, 1.0),
                ("llama-70b", Source::Profile, 0.6),
                ("o3", Source::Table, 2.0)
            ]
        );
        assert_eq!(cells(&rows[0])[8], "profile");
        assert_eq!(cells(&rows[2])[8], "table");
        let all = select(&table, &overrides, &[]).unwrap();
        assert_eq!(
            all.iter().filter(|r| r.source == Source::Profile).count(),
            2
        );
    }

    #[test]
    fn unknown_or_malformed_models_are_usage_errors() {
        let table = PriceTable::embedded();
        let err = select(
            &table,
            &none(),
            &["openai:gpt-9".to_string(), "corp:llama".to_string()],
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Usage(_)));
        assert!(text.contains("`openai:gpt-9`, `corp:llama`"), "{text}");
        assert!(text.contains("byok prices"), "{text}");
        for bad in [":gpt-4o", "openai:", ""] {
            let err = select(&table, &none(), &[bad.to_string()]).unwrap_err();
            assert!(err.to_string().contains("PROVIDER:MODEL"), "{bad}");
        }
    }

    #[test]
    fn cells_read_like_prices() {
        let table = PriceTable::embedded();
        let asked = owned(&[
            "anthropic:claude-sonnet-4-5",
            "gemini:gemini-2.5-pro",
            "gemini:gemini-2.0-flash",
        ]);
        let rows = select(&table, &none(), &asked).unwrap();
        assert_eq!(
            cells(&rows[0]),
            [
                "anthropic",
                "claude-sonnet-4-5",
                "$3.00",
                "$0.30",
                "$3.75 / $6.00",
                "$15.00",
                "—",
                "2026-11-30",
                "table"
            ]
        );
        assert_eq!(
            cells(&rows[1])[6],
            "> 200k: $2.50 in, $15.00 out, $0.25 cached"
        );
        assert_eq!(cells(&rows[2])[3..5], ["—", "—"]);
    }

    #[test]
    fn json_rows_are_flat() {
        let table = PriceTable::embedded();
        let asked = owned(&["openai:gpt-5.5"]);
        let rows = select(&table, &none(), &asked).unwrap();
        let v = serde_json::to_value(&rows).unwrap();
        assert_eq!(v[0]["provider"], "openai");
        assert_eq!(v[0]["model"], "gpt-5.5");
        assert_eq!(v[0]["source"], "table");
        assert_eq!(v[0]["input"], 5.0);
        assert_eq!(v[0]["cache_write"], serde_json::Value::Null);
        assert_eq!(v[0]["long_context"]["above"], 272_000);
        assert_eq!(v[0]["deprecated"], serde_json::Value::Null);
    }
}
