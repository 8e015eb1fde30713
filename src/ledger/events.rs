//! Writing the ledger: one row per call attempt (reserved before the call, settled after)
//! and one per key event. Rows hold counts, prices and names — never prompt text, answer
//! text or a secret.

use rusqlite::params;

use super::owner::{Origin, Owner};
pub use crate::vocab::new_id;

use super::{Ledger, now_secs};
use crate::error::Result;
pub use crate::prices::{Cost, CostSource};
use crate::vocab::Usage;

/// Who a call is for: the names every row of it carries.
#[derive(Clone, Debug, Default)]
pub struct CallTag {
    pub profile: String,
    pub route: Option<String>,
    pub council_id: Option<String>,
    /// What the row's `detail` says: the outbound guard's counts per kind
    /// (`guard: jwt=2`), never text.
    pub detail: Option<String>,
    /// The tool the call was made for: `serve --client NAME`, or the command that
    /// `exec --proxy` started. `None` for byok's own calls.
    pub client: Option<String>,
}

/// One attempt's identity.
#[derive(Clone, Debug)]
pub struct CallRow<'a> {
    pub tag: &'a CallTag,
    pub provider: &'a str,
    pub model: &'a str,
    pub key_label: Option<&'a str>,
}

/// The calls to reserve together (a council reserves all its calls at once).
#[derive(Clone)]
pub struct Reservation<'a> {
    pub row: CallRow<'a>,
    pub estimate: Usage,
    /// `None` when the model has no known price.
    pub est_usd: Option<f64>,
    /// The estimated cost of the prompt alone, what an abandoned call is charged.
    pub prompt_usd: Option<f64>,
    /// When set, a call that does not fit its caps with `estimate.output_tokens` may be
    /// fitted to what they leave, down to this many output tokens (the caller chose no
    /// `--max-tokens`, so the allowance is byok's default, not the user's).
    pub fit_floor: Option<u64>,
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

/// The largest count one row stores: 2^40, far past any real call (the adapters already
/// refuse counts over 10^9), and small enough that SQLite's 64-bit `SUM` over millions of
/// rows cannot overflow, an error that would shut every budget check for the month.
const MAX_STORED: u64 = 1 << 40;

/// A count as the ledger stores it: clamped, never wrapped into a negative that would
/// give a budget back.
pub(crate) fn tokens(n: u64) -> i64 {
    n.min(MAX_STORED) as i64
}

/// `2026-11` and `2026-11-23` in the local time zone: budgets follow the user's calendar.
pub fn month_and_day(at: jiff::Timestamp) -> (String, String) {
    let z = crate::clock::local(at);
    (
        z.strftime("%Y-%m").to_string(),
        z.strftime("%Y-%m-%d").to_string(),
    )
}

/// A row the shared ledger could not take, kept in the local file instead, has a
/// negative id; `Some` is its local id.
pub(crate) fn local_id(id: i64) -> Option<i64> {
    (id < 0).then_some(-id)
}

impl Ledger {
    /// Inserts a call row, `reserved` with the estimated usage, inside the caller's
    /// transaction if there is one.
    pub(crate) fn insert_reserved(&self, r: &Reservation) -> Result<i64> {
        self.insert_reserved_locally(r, self.pending())
    }

    /// The same in the local file, `pending` when the row waits for the shared ledger.
    pub(crate) fn insert_reserved_locally(&self, r: &Reservation, pending: bool) -> Result<i64> {
        let now = jiff::Timestamp::now();
        let (month, day) = month_and_day(now);
        let owner = Owner::current();
        let origin = Origin::current();
        let row = &r.row;
        // Cached statements: a long-running `serve` writes these for every request, and
        // parsing the SQL again each time was most of a call's ledger cost.
        self.conn
            .prepare_cached(
                "INSERT INTO events (at, month, day, kind, profile, route, provider, model, key_label, status,
                    input_tokens, output_tokens, cost_usd, cost_source, council_id, owner_pid, owner_start,
                    prompt_usd, detail, client, os_user, host, uid, pending)
                 VALUES (?1, ?2, ?3, 'call', ?4, ?5, ?6, ?7, ?8, 'reserved', ?9, ?10, ?11, 'estimate', ?12,
                    ?13, ?14, ?15, ?16, ?17, ?18, ?19, lower(hex(randomblob(16))), ?20)",
            )
            .and_then(|mut insert| {
                insert.execute(params![
                    now.as_millisecond() as f64 / 1000.0,
                    month,
                    day,
                    row.tag.profile,
                    row.tag.route,
                    row.provider,
                    row.model,
                    row.key_label,
                    tokens(r.estimate.input_tokens),
                    tokens(r.estimate.output_tokens),
                    r.est_usd,
                    row.tag.council_id,
                    owner.pid,
                    owner.started,
                    r.prompt_usd,
                    row.tag.detail,
                    row.tag.client,
                    origin.user,
                    origin.host,
                    pending,
                ])
            })
            .map_err(|e| self.error(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Replaces a reservation with what the attempt really used.
    pub fn settle(&self, id: i64, s: &Settlement) -> Result<()> {
        let id = match (&self.shared, local_id(id)) {
            (Some(shared), None) => return shared.settle(id, s),
            (_, Some(local)) => local,
            (None, None) => id,
        };
        let u = &s.usage;
        // One transaction: the row and the daily roll-up never disagree.
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.error(e))?;
        let changed = tx
            .prepare_cached(
                "UPDATE events SET status = ?2, error_class = ?3, input_tokens = ?4, cached_input_tokens = ?5,
                    cache_write_tokens = ?6, output_tokens = ?7, reasoning_tokens = ?8, cost_usd = ?9,
                    cost_source = ?10, latency_ms = ?11, ttft_ms = ?12, key_label = COALESCE(key_label, ?13)
                 WHERE id = ?1 AND status = 'reserved'",
            )
            .and_then(|mut update| {
                update.execute(params![
                    id,
                    s.status,
                    s.error_class,
                    tokens(u.input_tokens),
                    tokens(u.cached_input_tokens),
                    tokens(u.cache_write_tokens),
                    tokens(u.output_tokens),
                    tokens(u.reasoning_tokens),
                    s.cost.usd,
                    serde_json::to_value(s.cost.source).ok().and_then(|v| v.as_str().map(String::from)),
                    tokens(s.latency_ms),
                    s.ttft_ms.map(tokens),
                    s.key_label,
                ])
            })
            .map_err(|e| self.error(e))?;
        if changed == 1 {
            tx.prepare_cached(super::schema::ROLL_UP_ONE)
                .and_then(|mut roll_up| roll_up.execute(params![id]))
                .map_err(|e| self.error(e))?;
        }
        tx.commit().map_err(|e| self.error(e))
    }

    /// Settles every reservation whose process is gone (killed, crashed, the machine
    /// lost power) as `abandoned`: its prompt counts, as the provider saw it, but the
    /// output it reserved is released. Rows from before owners were recorded are
    /// abandoned once a day old. Returns how many were settled.
    pub fn settle_abandoned(&self) -> Result<usize> {
        if let Some(shared) = &self.shared {
            return shared.settle_abandoned();
        }
        self.settle_abandoned_local()
    }

    /// The same in the local file.
    pub(crate) fn settle_abandoned_local(&self) -> Result<usize> {
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )
        .map_err(|e| self.error(e))?;
        let settled = self.settle_abandoned_in_transaction()?;
        tx.commit().map_err(|e| self.error(e))?;
        Ok(settled)
    }

    /// The same, inside the caller's transaction.
    pub(crate) fn settle_abandoned_in_transaction(&self) -> Result<usize> {
        let reserved: Vec<(i64, Option<i64>, Option<String>, f64)> = {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT id, owner_pid, owner_start, at FROM events WHERE status = 'reserved'",
                )
                .map_err(|e| self.error(e))?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| self.error(e))?
        };
        let now = now_secs();
        let mut settled = 0;
        for (id, pid, started, at) in reserved {
            let gone = match pid {
                Some(pid) => Owner { pid, started }.is_gone(),
                None => now - at > 86_400.0,
            };
            if !gone {
                continue;
            }
            let changed = self
                .conn
                .execute(
                    "UPDATE events SET status = 'abandoned', error_class = 'abandoned', output_tokens = 0,
                        reasoning_tokens = 0, cost_usd = prompt_usd,
                        cost_source = CASE WHEN prompt_usd IS NULL THEN 'unknown' ELSE 'estimate' END
                     WHERE id = ?1 AND status = 'reserved'",
                    params![id],
                )
                .map_err(|e| self.error(e))?;
            if changed == 1 {
                self.conn
                    .execute(super::schema::ROLL_UP_ONE, params![id])
                    .map_err(|e| self.error(e))?;
                settled += 1;
            }
        }
        Ok(settled)
    }

    /// Drops reservations that were never used (a council that needed fewer calls than
    /// it reserved for).
    pub fn release(&self, ids: &[i64]) -> Result<()> {
        if let Some(shared) = &self.shared {
            let remote: Vec<i64> = ids.iter().copied().filter(|id| *id > 0).collect();
            shared.release(&remote)?;
        }
        for id in ids.iter().map(|id| local_id(*id).unwrap_or(*id)) {
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
        if let Some(shared) = &self.shared {
            return shared.record_key_event(kind, provider, label, status, detail);
        }
        let now = jiff::Timestamp::now();
        let (month, day) = month_and_day(now);
        self.conn
            .execute(
                "INSERT INTO events (at, month, day, kind, provider, key_label, status, detail, os_user, host,
                    uid, pending)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, lower(hex(randomblob(16))), ?11)",
                params![
                    now_secs(),
                    month,
                    day,
                    kind,
                    provider,
                    label,
                    status,
                    detail,
                    Origin::current().user,
                    Origin::current().host,
                    self.pending(),
                ],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }
}
