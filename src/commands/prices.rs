//! `byok prices [PROVIDER:MODEL...]`: the price table byok costs calls with.

use serde::Serialize;

use super::Ctx;
use crate::error::{Error, Result};
use crate::prices::{self, LongContext, Price, PriceTable, format_usd};

pub fn run(ctx: &Ctx, models: &[String]) -> Result<()> {
    run_with(ctx, &PriceTable::embedded(), models)
}

/// `run` over a given table (the embedded one with the profile's overrides, say).
pub fn run_with(ctx: &Ctx, table: &PriceTable, models: &[String]) -> Result<()> {
    let rows = select(table, models)?;
    if ctx.ui.json {
        return ctx.ui.print_json(&rows);
    }
    let mut t = ctx.ui.table(&[
        ("provider", 0),
        ("model", 0),
        ("input $/M", 0),
        ("cached $/M", 3),
        ("cache write $/M (5m / 1h)", 4),
        ("output $/M", 0),
        ("long context", 5),
        ("deprecated", 2),
    ]);
    for row in &rows {
        t.add_row(cells(row));
    }
    ctx.ui.print_table(t)
}

/// One row of the listing; `--json` prints an array of these.
#[derive(Debug, PartialEq, Serialize)]
struct Row<'a> {
    provider: &'a str,
    model: &'a str,
    #[serde(flatten)]
    price: Price,
}

/// Every row, or the named `provider:model` ones in the order given (dated snapshots
/// resolve to their row; a local provider without a row lists as free).
fn select<'a>(table: &'a PriceTable, models: &'a [String]) -> Result<Vec<Row<'a>>> {
    if models.is_empty() {
        return Ok(table
            .iter()
            .map(|(provider, model, price)| Row {
                provider,
                model,
                price: price.clone(),
            })
            .collect());
    }
    let mut rows = Vec::new();
    let mut unknown = Vec::new();
    for name in models {
        let Some((provider, model)) = crate::vocab::ModelRef::full(name) else {
            return Err(Error::Usage(format!(
                "`{name}` is not PROVIDER:MODEL (for example anthropic:claude-sonnet-4-6)."
            )));
        };
        if let Some((model, price)) = table.resolve(provider, model) {
            rows.push(Row {
                provider,
                model,
                price: price.clone(),
            });
        } else if prices::is_local(provider) {
            rows.push(Row {
                provider,
                model,
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

    #[test]
    fn lists_every_row_or_the_named_ones() {
        let table = PriceTable::embedded();
        assert_eq!(select(&table, &[]).unwrap().len(), table.len());
        let asked = owned(&[
            "openai:gpt-4o-mini",
            "anthropic:claude-haiku-4-5-20251001",
            "ollama:llama3.2:3b",
        ]);
        let rows = select(&table, &asked).unwrap();
        assert_eq!(
            names(&rows),
            [
                "openai:gpt-4o-mini",
                "anthropic:claude-haiku-4-5",
                "ollama:llama3.2:3b"
            ]
        );
        assert_eq!(rows[2].price.input, 0.0);
    }

    #[test]
    fn unknown_or_malformed_models_are_usage_errors() {
        let table = PriceTable::embedded();
        let err = select(
            &table,
            &["openai:gpt-9".to_string(), "corp:llama".to_string()],
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Usage(_)));
        assert!(text.contains("`openai:gpt-9`, `corp:llama`"), "{text}");
        assert!(text.contains("byok prices"), "{text}");
        for bad in ["gpt-4o", ":gpt-4o", "openai:"] {
            let err = select(&table, &[bad.to_string()]).unwrap_err();
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
        let rows = select(&table, &asked).unwrap();
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
                "2026-11-30"
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
        let rows = select(&table, &asked).unwrap();
        let v = serde_json::to_value(&rows).unwrap();
        assert_eq!(v[0]["provider"], "openai");
        assert_eq!(v[0]["model"], "gpt-5.5");
        assert_eq!(v[0]["input"], 5.0);
        assert_eq!(v[0]["cache_write"], serde_json::Value::Null);
        assert_eq!(v[0]["long_context"]["above"], 272_000);
        assert_eq!(v[0]["deprecated"], serde_json::Value::Null);
    }
}
