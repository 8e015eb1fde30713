//! Call rows and key events in the shared ledger: reserved in one transaction that checks
//! every cap the calls fall under (the rule of `ledger/budget.rs`, [`decide`]), serialised
//! per budget scope and month by a lock row taken `FOR UPDATE`; settled, released and
//! abandoned as in the SQLite ledger. Only reservations made on this machine (same host
//! and boot) are judged by their owner's pid; another machine's count as abandoned once a
//! day old.

use super::Shared;
use crate::error::Result;
use crate::ledger::budget::{Cap, Decision, Reservation, Reserved, caps_for, decide};
use crate::ledger::events::{CallRow, CallTag, Settlement, month_and_day, tokens};
use crate::ledger::now_secs;
use crate::ledger::owner::{Origin, Owner};
use crate::profile::Profile;
use crate::vocab::Usage;

/// A reservation the ledger's thread can own.
struct Call {
    tag: CallTag,
    provider: String,
    model: String,
    key_label: Option<String>,
    estimate: Usage,
    est_usd: Option<f64>,
    prompt_usd: Option<f64>,
    fit_floor: Option<u64>,
}

impl Call {
    fn from(r: &Reservation) -> Call {
        Call {
            tag: r.row.tag.clone(),
            provider: r.row.provider.to_string(),
            model: r.row.model.to_string(),
            key_label: r.row.key_label.map(str::to_string),
            estimate: r.estimate,
            est_usd: r.est_usd,
            prompt_usd: r.prompt_usd,
            fit_floor: r.fit_floor,
        }
    }

    fn reservation(&self) -> Reservation<'_> {
        Reservation {
            row: CallRow {
                tag: &self.tag,
                provider: &self.provider,
                model: &self.model,
                key_label: self.key_label.as_deref(),
            },
            estimate: self.estimate,
            est_usd: self.est_usd,
            prompt_usd: self.prompt_usd,
            fit_floor: self.fit_floor,
        }
    }
}

impl Shared {
    pub fn spent(&self, cap: &Cap, month: &str) -> Result<(f64, f64)> {
        let (cap, month) = (cap.clone(), month.to_string());
        self.worker.run(move |c| Ok(spent(c, &cap, &month)?))
    }

    pub fn reserve(
        &self,
        profile: &Profile,
        calls: &[Reservation],
        capped: bool,
    ) -> Result<Reserved> {
        let owned: Vec<Call> = calls.iter().map(Call::from).collect();
        let profile = profile.clone();
        let masked = self.masked().to_string();
        self.worker.run(move |c| {
            let (month, _) = month_and_day(jiff::Timestamp::now());
            if !capped && owned.len() == 1 {
                // Nothing to check: one plain insert, no lock to wait for.
                let id = insert_reserved(c, &owned[0].reservation())?;
                return Ok(Reserved::Rows {
                    ids: vec![id],
                    warnings: Vec::new(),
                    fitted: vec![None],
                });
            }
            // A reservation stranded by a process of this machine that died must not hold
            // the cap.
            settle_abandoned(c)?;
            let mut scopes: Vec<String> = owned
                .iter()
                .flat_map(|o| caps_for(&profile, &o.provider, o.tag.route.as_deref()))
                .map(|cap| cap.scope)
                .collect();
            scopes.sort();
            scopes.dedup();
            // The lock rows exist before the transaction, so taking them never races an
            // insert; they are taken in one order, so two callers cannot deadlock.
            c.execute(
                "INSERT INTO byok_budget_locks (scope, month) SELECT unnest($1::TEXT[]), $2
                 ON CONFLICT DO NOTHING",
                &[&scopes, &month],
            )?;
            let mut tx = c.transaction()?;
            tx.query(
                "SELECT scope FROM byok_budget_locks WHERE month = $2 AND scope = ANY($1)
                 ORDER BY scope FOR UPDATE",
                &[&scopes, &month],
            )?;
            let mut calls: Vec<Reservation> = owned.iter().map(Call::reservation).collect();
            let decision = decide(
                &mut |cap, month| spent(&mut tx, cap, month).map_err(|e| Shared::fail(&masked, &e)),
                &profile,
                &mut calls,
                &month,
            )?;
            match decision {
                Decision::Refused(refusal) => Ok(Reserved::Refused(refusal)),
                Decision::Go { warnings, fitted } => {
                    let mut ids = Vec::with_capacity(calls.len());
                    for call in &calls {
                        ids.push(insert_reserved(&mut tx, call)?);
                    }
                    tx.commit()?;
                    Ok(Reserved::Rows {
                        ids,
                        warnings,
                        fitted,
                    })
                }
            }
        })
    }

    pub fn settle(&self, id: i64, s: &Settlement) -> Result<()> {
        let u = s.usage;
        let status = s.status.to_string();
        let class = s.error_class.map(str::to_string);
        let cost = s.cost.usd;
        let source = serde_json::to_value(s.cost.source)
            .ok()
            .and_then(|v| v.as_str().map(String::from));
        let latency = tokens(s.latency_ms);
        let ttft = s.ttft_ms.map(tokens);
        let label = s.key_label.map(str::to_string);
        self.worker.run(move |c| {
            // One statement: the row and the daily roll-up never disagree.
            let sql = format!(
                "WITH s AS (UPDATE byok_events SET status = $2, error_class = $3, input_tokens = $4,
                    cached_input_tokens = $5, cache_write_tokens = $6, output_tokens = $7, reasoning_tokens = $8,
                    cost_usd = $9, cost_source = $10, latency_ms = $11, ttft_ms = $12,
                    key_label = COALESCE(key_label, $13)
                 WHERE id = $1 AND status = 'reserved' RETURNING *)
                 {} s {}",
                super::schema::ROLL_UP_FROM,
                super::schema::ROLL_UP_CONFLICT
            );
            c.execute(
                &sql,
                &[
                    &id,
                    &status,
                    &class,
                    &tokens(u.input_tokens),
                    &tokens(u.cached_input_tokens),
                    &tokens(u.cache_write_tokens),
                    &tokens(u.output_tokens),
                    &tokens(u.reasoning_tokens),
                    &cost,
                    &source,
                    &latency,
                    &ttft,
                    &label,
                ],
            )?;
            Ok(())
        })
    }

    pub fn settle_abandoned(&self) -> Result<usize> {
        self.worker.run(|c| Ok(settle_abandoned(c)?))
    }

    pub fn release(&self, ids: &[i64]) -> Result<()> {
        let ids = ids.to_vec();
        self.worker.run(move |c| {
            c.execute(
                "DELETE FROM byok_events WHERE id = ANY($1) AND status = 'reserved'",
                &[&ids],
            )?;
            Ok(())
        })
    }

    pub fn record_key_event(
        &self,
        kind: &str,
        provider: &str,
        label: &str,
        status: &str,
        detail: Option<&str>,
    ) -> Result<()> {
        let (kind, provider, label, status) = (
            kind.to_string(),
            provider.to_string(),
            label.to_string(),
            status.to_string(),
        );
        let detail = detail.map(str::to_string);
        self.worker.run(move |c| {
            let now = jiff::Timestamp::now();
            let (month, day) = month_and_day(now);
            let origin = Origin::current();
            c.execute(
                "INSERT INTO byok_events (uid, at, month, day, kind, provider, key_label, status, detail, os_user, host)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &new_uid(),
                    &now_secs(),
                    &month,
                    &day,
                    &kind,
                    &provider,
                    &label,
                    &status,
                    &detail,
                    &origin.user,
                    &origin.host,
                ],
            )?;
            Ok(())
        })
    }
}

/// A row id unique across every machine sharing the ledger.
pub fn new_uid() -> String {
    format!("{}{}", crate::vocab::new_id(), crate::vocab::new_id())
}

fn insert_reserved<C: postgres::GenericClient>(
    c: &mut C,
    r: &Reservation,
) -> std::result::Result<i64, postgres::Error> {
    let now = jiff::Timestamp::now();
    let (month, day) = month_and_day(now);
    let owner = Owner::current();
    let origin = Origin::current();
    let row = &r.row;
    let id = c.query_one(
        "INSERT INTO byok_events (uid, at, month, day, kind, profile, route, provider, model, key_label, status,
            input_tokens, output_tokens, cost_usd, cost_source, council_id, owner_pid, owner_start,
            prompt_usd, detail, client, os_user, host)
         VALUES ($1, $2, $3, $4, 'call', $5, $6, $7, $8, $9, 'reserved', $10, $11, $12, 'estimate', $13,
            $14, $15, $16, $17, $18, $19, $20)
         RETURNING id",
        &[
            &new_uid(),
            &(now.as_millisecond() as f64 / 1000.0),
            &month,
            &day,
            &row.tag.profile,
            &row.tag.route,
            &row.provider,
            &row.model,
            &row.key_label,
            &tokens(r.estimate.input_tokens),
            &tokens(r.estimate.output_tokens),
            &r.est_usd,
            &row.tag.council_id,
            &owner.pid,
            &owner.started,
            &r.prompt_usd,
            &row.tag.detail,
            &row.tag.client,
            &origin.user,
            &origin.host,
        ],
    )?;
    Ok(id.get(0))
}

fn spent<C: postgres::GenericClient>(
    c: &mut C,
    cap: &Cap,
    month: &str,
) -> std::result::Result<(f64, f64), postgres::Error> {
    let (sum, column, arg) = cap.sql();
    let filter = column.map_or(String::new(), |c| format!(" AND {c} = $2"));
    let sql = format!(
        "SELECT COALESCE((SELECT {sum} FROM byok_daily WHERE month = $1{filter}), 0)::FLOAT8,
                COALESCE((SELECT {sum} FROM byok_events WHERE status = 'reserved' AND month = $1{filter}), 0)::FLOAT8"
    );
    let row = match arg {
        Some(a) => c.query_one(&sql, &[&month, &a])?,
        None => c.query_one(&sql, &[&month])?,
    };
    Ok((row.get(0), row.get(1)))
}

/// Settles this machine's reservations whose process is gone, and any machine's once a
/// day old, as `abandoned` (their prompt counts, the output they reserved does not).
fn settle_abandoned<C: postgres::GenericClient>(
    c: &mut C,
) -> std::result::Result<usize, postgres::Error> {
    let rows = c.query(
        "SELECT id, owner_pid, owner_start, at, host FROM byok_events WHERE status = 'reserved'",
        &[],
    )?;
    let me = Owner::current();
    let here = &Origin::current().host;
    let boot = |started: &Option<String>| {
        started
            .as_deref()
            .and_then(|s| s.split_once('/'))
            .map(|(b, _)| b.to_string())
    };
    let now = now_secs();
    let mut settled = 0;
    for r in rows {
        let (id, pid, started, at, host): (i64, Option<i64>, Option<String>, f64, Option<String>) =
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
        let this_machine =
            host.as_deref() == Some(here.as_str()) && boot(&started) == boot(&me.started);
        let gone = match pid {
            Some(pid) if this_machine => Owner { pid, started }.is_gone(),
            _ => now - at > 86_400.0,
        };
        if !gone {
            continue;
        }
        let sql = format!(
            "WITH s AS (UPDATE byok_events SET status = 'abandoned', error_class = 'abandoned', output_tokens = 0,
                reasoning_tokens = 0, cost_usd = prompt_usd,
                cost_source = CASE WHEN prompt_usd IS NULL THEN 'unknown' ELSE 'estimate' END
             WHERE id = $1 AND status = 'reserved' RETURNING *)
             {} s {}",
            super::schema::ROLL_UP_FROM,
            super::schema::ROLL_UP_CONFLICT
        );
        settled += c.execute(&sql, &[&id])? as usize;
    }
    Ok(settled)
}
