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
