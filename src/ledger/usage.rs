//! Reading the ledger back: calls, tokens and cost grouped by provider, model, route, key,
//! day, client, user or host over a date range.

use rusqlite::params;
use serde::Serialize;

use super::Ledger;
use crate::error::Result;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupBy {
    Provider,
    Model,
    Route,
    Key,
    Day,
    /// The tool a call was made for (`serve --client`, `exec --proxy`'s command).
    Client,
    /// The OS user who made it.
    User,
    /// The machine it was made on.
    Host,
}

impl GroupBy {
    pub(crate) fn column(self) -> &'static str {
        match self {
            GroupBy::Provider => "provider",
            GroupBy::Model => "provider || ':' || model",
            GroupBy::Route => "CASE route WHEN '' THEN '(no route)' ELSE route END",
            GroupBy::Key => {
                "provider || '/' || CASE key_label WHEN '' THEN '(none)' ELSE key_label END"
            }
            GroupBy::Day => "day",
            GroupBy::Client => "CASE client WHEN '' THEN '(byok)' ELSE client END",
            GroupBy::User => "CASE os_user WHEN '' THEN '(unknown)' ELSE os_user END",
            GroupBy::Host => "CASE host WHEN '' THEN '(unknown)' ELSE host END",
        }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct UsageRow {
    pub group: String,
    pub calls: u64,
    pub input_tokens: u64,
    pub cached_input_tokens: u64,
    pub cache_write_tokens: u64,
    pub output_tokens: u64,
    pub reasoning_tokens: u64,
    /// The sum of the known costs; see `unpriced_calls`.
    #[serde(serialize_with = "crate::output::usd")]
    pub cost_usd: f64,
    /// Calls whose cost is unknown (no price for the model): `cost_usd` leaves them out.
    pub unpriced_calls: u64,
    /// Calls whose process died before settling them: their prompt is counted, their
    /// output is not (README "Budgets").
    pub abandoned_calls: u64,
}

impl UsageRow {
    pub fn add(&mut self, o: &UsageRow) {
        self.calls += o.calls;
        self.input_tokens += o.input_tokens;
        self.cached_input_tokens += o.cached_input_tokens;
        self.cache_write_tokens += o.cache_write_tokens;
        self.output_tokens += o.output_tokens;
        self.reasoning_tokens += o.reasoning_tokens;
        self.cost_usd += o.cost_usd;
        self.unpriced_calls += o.unpriced_calls;
        self.abandoned_calls += o.abandoned_calls;
    }
}

impl Ledger {
    /// Settled calls from `since` to `until` (local dates, inclusive), grouped; read from
    /// the daily roll-up.
    pub fn usage(&self, since: &str, until: &str, by: GroupBy) -> Result<Vec<UsageRow>> {
        if let Some(shared) = &self.shared {
            return shared.usage(since, until, by);
        }
        let sql = format!(
            "SELECT {col} AS g, SUM(calls), SUM(input_tokens), SUM(cached_input_tokens), SUM(cache_write_tokens),
                    SUM(output_tokens), SUM(reasoning_tokens), SUM(cost_usd), SUM(unpriced), SUM(abandoned)
             FROM daily WHERE day >= ?1 AND day <= ?2
             GROUP BY g ORDER BY g",
            col = by.column()
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![since, until], |r| {
                Ok(UsageRow {
                    group: r.get(0)?,
                    calls: r.get::<_, i64>(1)? as u64,
                    input_tokens: r.get::<_, i64>(2)? as u64,
                    cached_input_tokens: r.get::<_, i64>(3)? as u64,
                    cache_write_tokens: r.get::<_, i64>(4)? as u64,
                    output_tokens: r.get::<_, i64>(5)? as u64,
                    reasoning_tokens: r.get::<_, i64>(6)? as u64,
                    cost_usd: r.get(7)?,
                    unpriced_calls: r.get::<_, i64>(8)? as u64,
                    abandoned_calls: r.get::<_, i64>(9)? as u64,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.error(e))?;
        Ok(rows)
    }
}
