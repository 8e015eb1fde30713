//! `byok usage`: what was spent, by provider, model, route, key, day, client, user or host,
//! with the budgets.

use jiff::civil::Date;
use serde::Serialize;

use super::Ctx;
use crate::cli::UsageArgs;
use crate::error::{Error, Result};
use crate::ledger::budget::{self, Headroom, Unit};
use crate::ledger::events::month_and_day;
use crate::ledger::usage::{GroupBy, UsageRow};
use crate::output;

#[derive(Serialize)]
struct UsageJson<'a> {
    since: String,
    until: String,
    by: &'static str,
    rows: &'a [UsageRow],
    totals: UsageRow,
    budgets: &'a [Headroom],
}

pub fn run(ctx: &Ctx, args: UsageArgs) -> Result<()> {
    let today = crate::clock::today();
    let since = match &args.since {
        Some(s) => parse_date(s, today, Edge::Start)?,
        None => today.first_of_month(),
    };
    let until = match &args.until {
        Some(s) => parse_date(s, today, Edge::End)?,
        None => today,
    };
    if since > until {
        return Err(Error::Usage(format!(
            "--since {since} is after --until {until}"
        )));
    }
    let by = args.by.unwrap_or(GroupBy::Provider);
    let profile = &ctx.profile()?.profile;
    let ledger = ctx.existing_ledger()?;
    let rows = match &ledger {
        Some(l) => l.usage(&since.to_string(), &until.to_string(), by)?,
        None => Vec::new(),
    };
    let mut totals = UsageRow {
        group: "total".into(),
        ..UsageRow::default()
    };
    for r in &rows {
        totals.add(r);
    }
    let (month, _) = month_and_day(jiff::Timestamp::now());
    let caps = budget::all_caps(profile);
    let budgets: Vec<Headroom> = match &ledger {
        Some(l) => caps
            .iter()
            .map(|c| l.headroom(c, &month))
            .collect::<Result<_>>()?,
        None => budget::headrooms(None, &caps),
    };

    if ctx.ui.json {
        return ctx.ui.print_json(&UsageJson {
            since: since.to_string(),
            until: until.to_string(),
            by: by_name(by),
            rows: &rows,
            totals,
            budgets: &budgets,
        });
    }
    if args.csv {
        return print_csv(&rows, &totals);
    }
    if rows.is_empty() {
        ctx.ui
            .info(&format!("no calls recorded from {since} to {until}"));
    }
    let budget_for = |group: &str| -> Vec<&Headroom> {
        let scope = match by {
            GroupBy::Provider => group.to_string(),
            GroupBy::Route => format!("route {group}"),
            _ => return Vec::new(),
        };
        budgets.iter().filter(|h| h.scope == scope).collect()
    };
    let with_budgets = !budgets.is_empty();
    let mut header = vec![
        (by_name(by), 0),
        ("calls", 1),
        ("input", 2),
        ("cached", 4),
        ("output", 2),
        ("reasoning", 4),
        ("cost", 0),
    ];
    if with_budgets {
        header.extend([("budget", 3), ("spent", 3), ("left", 1)]);
    }
    let mut table = ctx.ui.table(&header);
    let mut add = |r: &UsageRow, caps: Vec<&Headroom>| {
        let mut cells = vec![
            r.group.clone(),
            r.calls.to_string(),
            budget::group_thousands(r.input_tokens),
            budget::group_thousands(r.cached_input_tokens),
            budget::group_thousands(r.output_tokens),
            budget::group_thousands(r.reasoning_tokens),
            cost_text(r),
        ];
        if with_budgets {
            let join = |f: &dyn Fn(&Headroom) -> String| {
                caps.iter().map(|h| f(h)).collect::<Vec<_>>().join("\n")
            };
            cells.push(join(&|h| budget::amount(h.unit, h.cap)));
            cells.push(join(&|h| budget::amount(h.unit, h.spent)));
            cells.push(join(&|h| left_text(h)));
        }
        table.add_row(cells);
    };
    for r in &rows {
        add(r, budget_for(&r.group));
    }
    add(
        &totals,
        budgets.iter().filter(|h| h.scope == "total").collect(),
    );
    ctx.ui.print_table(table)?;
    if totals.abandoned_calls > 0 {
        ctx.ui.info(&format!(
            "{} of these calls were abandoned: their byok process died before the call ended, so their prompt is counted and their output is not",
            totals.abandoned_calls
        ));
    }
    // Caps that no row shows (a provider with no calls yet, a route while grouping by model).
    let shown: Vec<String> = rows
        .iter()
        .flat_map(|r| budget_for(&r.group))
        .map(|h| h.scope.clone())
        .collect();
    for h in budgets
        .iter()
        .filter(|h| h.scope != "total" && !shown.contains(&h.scope))
    {
        ctx.ui.info(&format!(
            "budget {} for {}: {} of {} spent, {} left",
            h.scope,
            budget::month_name(&h.month),
            budget::amount(h.unit, h.spent),
            budget::amount(h.unit, h.cap),
            budget::amount(h.unit, h.left)
        ));
    }
    Ok(())
}

fn by_name(by: GroupBy) -> &'static str {
    match by {
        GroupBy::Provider => "provider",
        GroupBy::Model => "model",
        GroupBy::Route => "route",
        GroupBy::Key => "key",
        GroupBy::Day => "day",
        GroupBy::Client => "client",
        GroupBy::User => "user",
        GroupBy::Host => "host",
    }
}

/// `$4.12`, or `≥ $4.12` when some calls had no known price.
fn cost_text(r: &UsageRow) -> String {
    let known = crate::prices::format_usd(r.cost_usd);
    match (r.unpriced_calls, r.cost_usd == 0.0) {
        (0, _) => known,
        (_, true) => "?".into(),
        (_, false) => format!("≥ {known}"),
    }
}

fn left_text(h: &Headroom) -> String {
    let pct = if h.cap > 0.0 {
        100.0 * h.left / h.cap
    } else {
        0.0
    };
    match h.unit {
        Unit::Tokens | Unit::Usd => format!("{} ({pct:.0}%)", budget::amount(h.unit, h.left)),
    }
}

/// The rows as CSV (RFC 4180 quoting by the csv crate: commas, quotes, CR and LF).
fn print_csv(rows: &[UsageRow], totals: &UsageRow) -> Result<()> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Internal(format!("could not write CSV: {e}"));
    out.write_record([
        "group",
        "calls",
        "input_tokens",
        "cached_input_tokens",
        "cache_write_tokens",
        "output_tokens",
        "reasoning_tokens",
        "cost_usd",
        "unpriced_calls",
        "abandoned_calls",
    ])
    .map_err(fail)?;
    for r in rows.iter().chain(std::iter::once(totals)) {
        out.write_record([
            r.group.clone(),
            r.calls.to_string(),
            r.input_tokens.to_string(),
            r.cached_input_tokens.to_string(),
            r.cache_write_tokens.to_string(),
            r.output_tokens.to_string(),
            r.reasoning_tokens.to_string(),
            // As in JSON: every digit, no float noise (README "JSON output").
            output::decimal(r.cost_usd).unwrap_or_default(),
            r.unpriced_calls.to_string(),
            r.abandoned_calls.to_string(),
        ])
        .map_err(fail)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::Internal(format!("could not write CSV: {e}")))?;
    output::write_stdout(&bytes)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Edge {
    Start,
    End,
}

/// `2026-11-01`, `today`, `yesterday`, `7d` (the last seven days), `this-month`,
/// `last-month`; a month names its first day as a start and its last as an end.
fn parse_date(text: &str, today: Date, edge: Edge) -> Result<Date> {
    let bad = || {
        Error::Usage(format!(
            "`{text}` is not a date: use YYYY-MM-DD, today, yesterday, 7d (last 7 days), this-month or last-month"
        ))
    };
    let pick = |first: Date| -> Result<Date> {
        Ok(if edge == Edge::Start {
            first
        } else {
            first.last_of_month()
        })
    };
    match text.trim() {
        "today" => Ok(today),
        "yesterday" => today.yesterday().map_err(|_| bad()),
        "this-month" => pick(today.first_of_month()),
        "last-month" => pick(
            today
                .first_of_month()
                .yesterday()
                .map_err(|_| bad())?
                .first_of_month(),
        ),
        t => {
            if let Some(days) = t.strip_suffix('d').and_then(|n| n.parse::<i64>().ok()) {
                if days < 1 {
                    return Err(bad());
                }
                return match edge {
                    Edge::Start => today
                        .checked_sub(jiff::Span::new().days(days - 1))
                        .map_err(|_| bad()),
                    Edge::End => Ok(today),
                };
            }
            t.parse::<Date>().map_err(|_| bad())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_words() {
        let today: Date = "2026-11-23".parse().unwrap();
        let d = |s: &str, e| parse_date(s, today, e).unwrap().to_string();
        assert_eq!(d("7d", Edge::Start), "2026-11-17");
        assert_eq!(d("this-month", Edge::Start), "2026-11-01");
        assert_eq!(d("this-month", Edge::End), "2026-11-30");
        assert_eq!(d("last-month", Edge::Start), "2026-10-01");
        assert_eq!(d("last-month", Edge::End), "2026-10-31");
        assert_eq!(d("2026-01-05", Edge::Start), "2026-01-05");
        assert!(parse_date("soon", today, Edge::Start).is_err());
    }
}
