//! Rows kept in the local SQLite ledger while the shared one was out of reach (`pending`),
//! or a whole local ledger (`byok ledger import`), uploaded to the shared ledger. Each row
//! carries a globally unique `uid` and goes in with `ON CONFLICT DO NOTHING`, so an upload
//! cut short, repeated or run from two places at once counts every row once (README "One
//! budget for the whole team").

use rusqlite::Connection;

use super::Shared;
use crate::error::Result;

/// The columns a row carries over, in one order on both sides.
const COLUMNS: &str = "uid, at, month, day, kind, profile, route, provider, model, key_label, status, error_class,
    input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_usd, cost_source,
    latency_ms, ttft_ms, council_id, detail, owner_pid, owner_start, prompt_usd, client, os_user, host";

/// How each column is typed, by position in [`COLUMNS`]: text, integer or real.
const TYPES: &[u8] = b"trttttttttttiiiiirtiittitrttt";

/// Rows are sent in statements of this many (29 parameters each, under PostgreSQL's
/// 65,535).
const BATCH: usize = 1000;

enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
}

struct Row {
    local_id: i64,
    cells: Vec<Cell>,
}

/// Which local rows to send.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Rows written while the shared ledger was away.
    Pending,
    /// Every settled row and key event (an import).
    All,
}

/// Whether the local ledger has rows waiting: one indexed look-up.
pub fn has_pending(conn: &Connection) -> bool {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM events WHERE pending = 1 AND status != 'reserved')",
        [],
        |r| r.get::<_, bool>(0),
    )
    .unwrap_or(false)
}

impl Shared {
    /// Uploads `which` rows of the local ledger `conn`; returns how many the shared ledger
    /// did not have yet. Rows still reserved by a live process wait for the next upload.
    pub fn upload(&self, conn: &Connection, which: Which) -> Result<usize> {
        let fail = |e: rusqlite::Error| crate::error::Error::LedgerUnavailable {
            path: conn.path().unwrap_or("ledger.sqlite3").into(),
            detail: e.to_string(),
        };
        if which == Which::All {
            // Rows from before row ids were kept get theirs now, once.
            conn.execute(
                "UPDATE events SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL",
                [],
            )
            .map_err(fail)?;
        }
        let filter = match which {
            Which::Pending => "pending = 1 AND status != 'reserved'",
            Which::All => "status != 'reserved'",
        };
        let mut added = 0;
        let mut after = 0i64;
        loop {
            let rows = read(conn, filter, after).map_err(fail)?;
            let Some(last) = rows.last() else { break };
            after = last.local_id;
            let ids: Vec<i64> = rows.iter().map(|r| r.local_id).collect();
            added += self.send(rows)?;
            let marked = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            conn.execute(
                &format!("UPDATE events SET pending = 0 WHERE id IN ({marked})"),
                [],
            )
            .map_err(fail)?;
        }
        Ok(added)
    }

    /// Sends one batch in one statement: the rows the shared ledger lacks go in, and the
    /// calls among them are added to its roll-up, grouped so each roll-up row is touched
    /// once.
    fn send(&self, rows: Vec<Row>) -> Result<usize> {
        self.worker.run(move |c| {
            let width = TYPES.len();
            let values: Vec<String> = (0..rows.len())
                .map(|r| {
                    let cells: Vec<String> =
                        (1..=width).map(|i| format!("${}", r * width + i)).collect();
                    format!("({})", cells.join(", "))
                })
                .collect();
            let sql = format!(
                "WITH ins AS (INSERT INTO byok_events ({COLUMNS}) VALUES {} ON CONFLICT (uid) DO NOTHING RETURNING *),
                 rolled AS ({} ins WHERE kind = 'call' GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 {} RETURNING 1)
                 SELECT COUNT(*) FROM ins",
                values.join(", "),
                super::schema::ROLL_UP_GROUPED_FROM,
                super::schema::ROLL_UP_CONFLICT,
            );
            let params: Vec<&(dyn postgres::types::ToSql + Sync)> = rows
                .iter()
                .flat_map(|row| row.cells.iter())
                .map(|cell| match cell {
                    Cell::Text(v) => v as &(dyn postgres::types::ToSql + Sync),
                    Cell::Int(v) => v,
                    Cell::Real(v) => v,
                })
                .collect();
            Ok(c.query_one(&sql, &params)?.get::<_, i64>(0) as usize)
        })
    }
}

fn read(conn: &Connection, filter: &str, after: i64) -> rusqlite::Result<Vec<Row>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT id, {COLUMNS} FROM events WHERE {filter} AND uid IS NOT NULL AND id > ?1 ORDER BY id LIMIT {BATCH}"
    ))?;
    stmt.query_map([after], |r| {
        let mut cells = Vec::with_capacity(TYPES.len());
        for (i, t) in TYPES.iter().enumerate() {
            cells.push(match t {
                b't' => Cell::Text(r.get(i + 1)?),
                b'i' => Cell::Int(r.get(i + 1)?),
                _ => Cell::Real(r.get(i + 1)?),
            });
        }
        Ok(Row {
            local_id: r.get(0)?,
            cells,
        })
    })?
    .collect()
}
