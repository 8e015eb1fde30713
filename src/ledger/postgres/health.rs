//! Provider health in the shared ledger, so one runner's failures spare the next
//! (README "One budget for the whole team"); the same rule as `ledger/health.rs`.

use super::Shared;
use crate::error::Result;
use crate::ledger::health::Health;
use crate::ledger::now_secs;

impl Shared {
    pub fn health(&self, provider: &str) -> Result<Health> {
        let provider = provider.to_string();
        self.worker.run(move |c| {
            let row = c.query_opt(
                "SELECT consecutive_failures, degraded_until, last_error FROM byok_health WHERE provider = $1",
                &[&provider],
            )?;
            Ok(row.map(|r| (r.get::<_, i32>(0) as u32, r.get(1), r.get(2))))
        })
        .map(Health::from_record)
    }

    pub fn all_health(&self) -> Result<Vec<(String, Health)>> {
        self.worker.run(|c| {
            let rows = c.query(
                "SELECT provider, consecutive_failures, degraded_until, last_error FROM byok_health ORDER BY provider",
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|r| {
                    (
                        r.get::<_, String>(0),
                        Health::from_record(Some((r.get::<_, i32>(1) as u32, r.get(2), r.get(3)))),
                    )
                })
                .collect())
        })
    }

    pub fn record_success(&self, provider: &str) -> Result<()> {
        let provider = provider.to_string();
        self.worker.run(move |c| {
            c.execute("DELETE FROM byok_health WHERE provider = $1", &[&provider])?;
            Ok(())
        })
    }

    pub fn record_failure(
        &self,
        provider: &str,
        error: &str,
        threshold: u32,
        cooldown_secs: f64,
    ) -> Result<Health> {
        let (provider, error) = (provider.to_string(), error.to_string());
        let threshold = threshold as i32;
        self.worker.run(move |c| {
            let now = now_secs();
            let row = c.query_one(
                "INSERT INTO byok_health (provider, consecutive_failures, degraded_until, last_error, updated_at)
                 VALUES ($1, 1, CASE WHEN $2::INTEGER <= 1 THEN $3::FLOAT8 + $4::FLOAT8 END, $5, $3)
                 ON CONFLICT (provider) DO UPDATE SET
                   consecutive_failures = byok_health.consecutive_failures + 1,
                   degraded_until = CASE WHEN byok_health.consecutive_failures + 1 >= $2::INTEGER
                     THEN $3::FLOAT8 + $4::FLOAT8 ELSE byok_health.degraded_until END,
                   last_error = $5,
                   updated_at = $3
                 RETURNING consecutive_failures, degraded_until, last_error",
                &[&provider, &threshold, &now, &cooldown_secs, &error],
            )?;
            Ok(Health::from_record(Some((
                row.get::<_, i32>(0) as u32,
                row.get(1),
                row.get(2),
            ))))
        })
    }
}
