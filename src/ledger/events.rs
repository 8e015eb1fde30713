//! Writing the ledger: one row per call attempt (reserved before the call, settled after)
//! and one per key event. Rows hold counts, prices and names — never prompt text, answer
//! text or a secret.

use rusqlite::params;

use super::{Ledger, now_secs};
use crate::error::Result;
use crate::prices::Cost;
use crate::providers::chat::Usage;

/// Who a call is for: the names every row of it carries.
#[derive(Clone, Debug, Default)]
pub struct CallTag {
    pub profile: String,
    pub route: Option<String>,
    pub council_id: Option<String>,
}

/// One attempt's identity.
#[derive(Clone, Debug)]
pub struct CallRow<'a> {
    pub tag: &'a CallTag,
    pub provider: &'a str,
    pub model: &'a str,
    pub key_label: Option<&'a str>,
}

/// What an attempt ended as.
pub struct Settlement<'a> {
    /// `ok`, `failed` or `interrupted`.
    pub status: &'a str,
    pub error_class: Option<&'a str>,
    pub usage: Usage,
    pub cost: Cost,
    pub latency_ms: u64,
    pub ttft_ms: Option<u64>,
    /// The key used, for a row reserved before the key was known.
    pub key_label: Option<&'a str>,
}

/// A random id (16 hex digits) for a group of rows, such as a council's calls.
pub fn new_id() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the OS random number generator failed");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `2026-11` and `2026-11-23` in the local time zone: budgets follow the user's calendar.
pub fn month_and_day(at: jiff::Timestamp) -> (String, String) {
    let z = crate::clock::local(at);
    (
        z.strftime("%Y-%m").to_string(),
        z.strftime("%Y-%m-%d").to_string(),
    )
}

impl Ledger {
    /// Inserts a call row, `reserved` with the estimated usage, inside the caller's
    /// transaction if there is one.
    pub(crate) fn insert_reserved(
        &self,
        row: &CallRow,
        estimate: &Usage,
        est_usd: Option<f64>,
    ) -> Result<i64> {
        let now = jiff::Timestamp::now();
        let (month, day) = month_and_day(now);
        self.conn
            .execute(
                "INSERT INTO events (at, month, day, kind, profile, route, provider, model, key_label, status,
                    input_tokens, output_tokens, cost_usd, cost_source, council_id)
                 VALUES (?1, ?2, ?3, 'call', ?4, ?5, ?6, ?7, ?8, 'reserved', ?9, ?10, ?11, 'estimate', ?12)",
                params![
                    now.as_millisecond() as f64 / 1000.0,
                    month,
                    day,
                    row.tag.profile,
                    row.tag.route,
                    row.provider,
                    row.model,
                    row.key_label,
                    estimate.input_tokens as i64,
                    estimate.output_tokens as i64,
                    est_usd,
                    row.tag.council_id,
                ],
            )
            .map_err(|e| self.error(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Replaces a reservation with what the attempt really used.
    pub fn settle(&self, id: i64, s: &Settlement) -> Result<()> {
        let u = &s.usage;
        // One transaction: the row and the daily roll-up never disagree.
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.error(e))?;
        let changed = tx
            .execute(
                "UPDATE events SET status = ?2, error_class = ?3, input_tokens = ?4, cached_input_tokens = ?5,
                    cache_write_tokens = ?6, output_tokens = ?7, reasoning_tokens = ?8, cost_usd = ?9,
                    cost_source = ?10, latency_ms = ?11, ttft_ms = ?12, key_label = COALESCE(key_label, ?13)
                 WHERE id = ?1 AND status = 'reserved'",
                params![
                    id,
                    s.status,
                    s.error_class,
                    u.input_tokens as i64,
                    u.cached_input_tokens as i64,
                    u.cache_write_tokens as i64,
                    u.output_tokens as i64,
                    u.reasoning_tokens as i64,
                    s.cost.usd,
                    serde_json::to_value(s.cost.source).ok().and_then(|v| v.as_str().map(String::from)),
                    s.latency_ms as i64,
                    s.ttft_ms.map(|t| t as i64),
                    s.key_label,
                ],
            )
            .map_err(|e| self.error(e))?;
        if changed == 1 {
            tx.execute(super::schema::ROLL_UP_ONE, params![id])
                .map_err(|e| self.error(e))?;
        }
        tx.commit().map_err(|e| self.error(e))
    }

    /// Drops reservations that were never used (a council that needed fewer calls than
    /// it reserved for).
    pub fn release(&self, ids: &[i64]) -> Result<()> {
        for id in ids {
            self.conn
                .execute(
                    "DELETE FROM events WHERE id = ?1 AND status = 'reserved'",
                    params![id],
                )
                .map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// A key event: `key_add`, `key_rotate`, `key_verify`, `key_revoke`, `exec`.
    pub fn record_key_event(
        &self,
        kind: &str,
        provider: &str,
        label: &str,
        status: &str,
        detail: Option<&str>,
    ) -> Result<()> {
        let now = jiff::Timestamp::now();
        let (month, day) = month_and_day(now);
        self.conn
            .execute(
                "INSERT INTO events (at, month, day, kind, provider, key_label, status, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    now_secs(),
                    month,
                    day,
                    kind,
                    provider,
                    label,
                    status,
                    detail
                ],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }
}
