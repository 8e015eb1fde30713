//! `byok usage` over the shared ledger: the same grouping, read from its daily roll-up.

use super::Shared;
use crate::error::Result;
use crate::ledger::usage::{GroupBy, UsageRow};

impl Shared {
    pub fn usage(&self, since: &str, until: &str, by: GroupBy) -> Result<Vec<UsageRow>> {
        let sql = format!(
            "SELECT {col} AS g, SUM(calls)::BIGINT, SUM(input_tokens)::BIGINT, SUM(cached_input_tokens)::BIGINT,
                    SUM(cache_write_tokens)::BIGINT, SUM(output_tokens)::BIGINT, SUM(reasoning_tokens)::BIGINT,
                    SUM(cost_usd)::FLOAT8, SUM(unpriced)::BIGINT, SUM(abandoned)::BIGINT
             FROM byok_daily WHERE day >= $1 AND day <= $2
             GROUP BY g ORDER BY g",
            col = by.column()
        );
        let (since, until) = (since.to_string(), until.to_string());
        self.worker.run(move |c| {
            let rows = c.query(&sql, &[&since, &until])?;
            Ok(rows
                .iter()
                .map(|r| UsageRow {
                    group: r.get(0),
                    calls: r.get::<_, i64>(1) as u64,
                    input_tokens: r.get::<_, i64>(2) as u64,
                    cached_input_tokens: r.get::<_, i64>(3) as u64,
                    cache_write_tokens: r.get::<_, i64>(4) as u64,
                    output_tokens: r.get::<_, i64>(5) as u64,
                    reasoning_tokens: r.get::<_, i64>(6) as u64,
                    cost_usd: r.get(7),
                    unpriced_calls: r.get::<_, i64>(8) as u64,
                    abandoned_calls: r.get::<_, i64>(9) as u64,
                })
                .collect())
        })
    }
}
