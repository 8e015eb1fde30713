//! Provider health (README "Profiles and routes"): consecutive failures mark a provider degraded for a
//! cooldown; degraded providers are skipped while a healthy candidate remains; a success
//! clears the record.

use rusqlite::{OptionalExtension, params};

use super::{Ledger, now_secs};
use crate::error::Result;

#[derive(Clone, Debug, PartialEq)]
pub enum Health {
    Healthy,
    /// Failing, but not yet degraded.
    Failing {
        failures: u32,
    },
    /// Skipped until `until` (seconds since the epoch) while a healthy candidate remains.
    Degraded {
        until: f64,
        failures: u32,
        last_error: Option<String>,
    },
}

impl Health {
    pub fn is_degraded(&self) -> bool {
        matches!(self, Health::Degraded { .. })
    }

    /// `ok`, `1 failure`, `degraded for 42 s`.
    pub fn describe(&self) -> String {
        match self {
            Health::Healthy => "ok".into(),
            Health::Failing { failures } => {
                format!(
                    "{failures} recent failure{}",
                    if *failures == 1 { "" } else { "s" }
                )
            }
            Health::Degraded { until, .. } => {
                format!("degraded for {:.0} s", (until - now_secs()).max(0.0))
            }
        }
    }
}

impl Health {
    /// A provider's state from its record (failures, degraded until, last error): one rule
    /// for every backend.
    pub(crate) fn from_record(row: Option<(u32, Option<f64>, Option<String>)>) -> Health {
        match row {
            None | Some((0, _, _)) => Health::Healthy,
            Some((failures, Some(until), last_error)) if until > now_secs() => Health::Degraded {
                until,
                failures,
                last_error,
            },
            Some((failures, _, _)) => Health::Failing { failures },
        }
    }
}

impl Ledger {
    pub fn health(&self, provider: &str) -> Result<Health> {
        if let Some(shared) = &self.shared {
            return shared.health(provider);
        }
        let row: Option<(u32, Option<f64>, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT consecutive_failures, degraded_until, last_error FROM provider_health WHERE provider = ?1",
            )
            .and_then(|mut read| {
                read.query_row(params![provider], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            })
            .optional()
            .map_err(|e| self.error(e))?;
        Ok(Health::from_record(row))
    }

    /// Every provider with a health record.
    pub fn all_health(&self) -> Result<Vec<(String, Health)>> {
        if let Some(shared) = &self.shared {
            return shared.all_health();
        }
        let mut stmt = self
            .conn
            .prepare("SELECT provider FROM provider_health ORDER BY provider")
            .map_err(|e| self.error(e))?;
        let ids: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.error(e))?;
        ids.into_iter()
            .map(|id| Ok((id.clone(), self.health(&id)?)))
            .collect()
    }

    pub fn record_success(&self, provider: &str) -> Result<()> {
        if let Some(shared) = &self.shared {
            return shared.record_success(provider);
        }
        self.conn
            .execute(
                "DELETE FROM provider_health WHERE provider = ?1",
                params![provider],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Counts a failure; after `threshold` in a row the provider is degraded for
    /// `cooldown_secs`. Returns the new state.
    pub fn record_failure(
        &self,
        provider: &str,
        error: &str,
        threshold: u32,
        cooldown_secs: f64,
    ) -> Result<Health> {
        if let Some(shared) = &self.shared {
            return shared.record_failure(provider, error, threshold, cooldown_secs);
        }
        let now = now_secs();
        self.conn
            .execute(
                "INSERT INTO provider_health (provider, consecutive_failures, degraded_until, last_error, updated_at)
                 VALUES (?1, 1, CASE WHEN ?2 <= 1 THEN ?3 + ?4 END, ?5, ?3)
                 ON CONFLICT(provider) DO UPDATE SET
                   consecutive_failures = consecutive_failures + 1,
                   degraded_until = CASE WHEN consecutive_failures + 1 >= ?2 THEN ?3 + ?4 ELSE degraded_until END,
                   last_error = ?5,
                   updated_at = ?3",
                params![provider, threshold, now, cooldown_secs, error],
            )
            .map_err(|e| self.error(e))?;
        self.health(provider)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::Paths;

    #[test]
    fn two_failures_degrade_and_a_success_clears() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&Paths::at(dir.path())).unwrap();
        assert_eq!(ledger.health("openai").unwrap(), Health::Healthy);
        assert_eq!(
            ledger.record_failure("openai", "500", 2, 60.0).unwrap(),
            Health::Failing { failures: 1 }
        );
        assert!(
            ledger
                .record_failure("openai", "500", 2, 60.0)
                .unwrap()
                .is_degraded()
        );
        assert_eq!(ledger.all_health().unwrap().len(), 1);
        ledger.record_success("openai").unwrap();
        assert_eq!(ledger.health("openai").unwrap(), Health::Healthy);
    }

    #[test]
    fn a_zero_cooldown_is_never_degraded() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&Paths::at(dir.path())).unwrap();
        ledger.record_failure("gemini", "x", 2, 0.0).unwrap();
        assert_eq!(
            ledger.record_failure("gemini", "x", 2, 0.0).unwrap(),
            Health::Failing { failures: 2 }
        );
    }
}
