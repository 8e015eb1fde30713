//! Forward migrations, one per schema version. `PRAGMA user_version` says which have run.

use rusqlite::Connection;

/// Each entry upgrades the schema from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: provider health, persisted across invocations.
    "CREATE TABLE provider_health (
        provider TEXT PRIMARY KEY,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        degraded_until REAL,
        last_error TEXT,
        updated_at REAL NOT NULL
    );",
    // 2: the ledger proper: one row per call attempt and per key event. Never prompt
    // text, answer text or a secret. `month` and `day` are local calendar dates, fixed
    // at write time, so budgets and `byok usage` group without date arithmetic.
    "CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        month TEXT NOT NULL,
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        profile TEXT,
        route TEXT,
        provider TEXT,
        model TEXT,
        key_label TEXT,
        status TEXT NOT NULL,
        error_class TEXT,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        cached_input_tokens INTEGER NOT NULL DEFAULT 0,
        cache_write_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        reasoning_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL,
        cost_source TEXT,
        latency_ms INTEGER,
        ttft_ms INTEGER,
        council_id TEXT,
        detail TEXT
    );
    CREATE INDEX events_day ON events(kind, day);
    CREATE INDEX events_month ON events(kind, month, provider, route, input_tokens, output_tokens, cost_usd);",
];

pub const VERSION: i64 = MIGRATIONS.len() as i64;

pub fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current >= VERSION {
        return Ok(());
    }
    // IMMEDIATE: two byok processes opening a fresh database must not both migrate.
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        if let Err(e) = conn.execute_batch(sql) {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
        conn.pragma_update(None, "user_version", (i + 1) as i64)?;
    }
    conn.execute_batch("COMMIT")
}
