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
    // 3: a daily roll-up of settled calls, kept in step with `events` by every
    // settlement, so `byok usage` and budget checks read a few rows per day instead of
    // every call (a million-row ledger answers in milliseconds). In-flight reservations
    // stay in `events` only, found through a partial index.
    "CREATE TABLE daily (
        day TEXT NOT NULL,
        month TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        route TEXT NOT NULL,
        key_label TEXT NOT NULL,
        calls INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        cached_input_tokens INTEGER NOT NULL,
        cache_write_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        reasoning_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        unpriced INTEGER NOT NULL,
        PRIMARY KEY (day, provider, model, route, key_label)
    );
    CREATE INDEX daily_month ON daily(month);
    DROP INDEX events_month;
    CREATE INDEX events_reserved ON events(month) WHERE status = 'reserved';
    INSERT INTO daily SELECT day, month, COALESCE(provider, ''), COALESCE(model, ''), COALESCE(route, ''),
        COALESCE(key_label, ''), COUNT(*), SUM(input_tokens), SUM(cached_input_tokens), SUM(cache_write_tokens),
        SUM(output_tokens), SUM(reasoning_tokens), COALESCE(SUM(cost_usd), 0), SUM(cost_usd IS NULL)
      FROM events WHERE kind = 'call' AND status != 'reserved'
      GROUP BY 1, 3, 4, 5, 6;",
    // 4: who holds a reservation (pid, and start time with the boot it ran in), and the
    // estimated cost of its prompt alone: a reservation whose process died is settled as
    // `abandoned`, counting the prompt the provider saw but not the output it reserved.
    // The roll-up counts abandoned calls so `byok usage` can show them.
    "ALTER TABLE events ADD COLUMN owner_pid INTEGER;
    ALTER TABLE events ADD COLUMN owner_start TEXT;
    ALTER TABLE events ADD COLUMN prompt_usd REAL;
    ALTER TABLE daily ADD COLUMN abandoned INTEGER NOT NULL DEFAULT 0;
    UPDATE daily SET abandoned = 0;",
    // 5: who and where (README "Usage"): the tool a call was made for (`serve`'s client
    // name, `exec --proxy`'s command), the OS user and the host name. The roll-up keys on
    // them too, so `byok usage --by client|user|host` reads it like any other grouping.
    "ALTER TABLE events ADD COLUMN client TEXT;
    ALTER TABLE events ADD COLUMN os_user TEXT;
    ALTER TABLE events ADD COLUMN host TEXT;
    CREATE TABLE daily_v5 (
        day TEXT NOT NULL,
        month TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        route TEXT NOT NULL,
        key_label TEXT NOT NULL,
        client TEXT NOT NULL DEFAULT '',
        os_user TEXT NOT NULL DEFAULT '',
        host TEXT NOT NULL DEFAULT '',
        calls INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        cached_input_tokens INTEGER NOT NULL,
        cache_write_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        reasoning_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        unpriced INTEGER NOT NULL,
        abandoned INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, provider, model, route, key_label, client, os_user, host)
    );
    INSERT INTO daily_v5 (day, month, provider, model, route, key_label, calls, input_tokens,
        cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_usd, unpriced, abandoned)
      SELECT day, month, provider, model, route, key_label, calls, input_tokens, cached_input_tokens,
        cache_write_tokens, output_tokens, reasoning_tokens, cost_usd, unpriced, abandoned FROM daily;
    DROP TABLE daily;
    ALTER TABLE daily_v5 RENAME TO daily;
    CREATE INDEX daily_month ON daily(month);",
    // 6: a row id unique across machines, and whether the row waits to be uploaded to a
    // shared ledger that was out of reach when it was written (README "One budget for
    // the whole team"). Rows from before get their id when a ledger is imported.
    "ALTER TABLE events ADD COLUMN uid TEXT;
    ALTER TABLE events ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX events_pending ON events(id) WHERE pending = 1;",
];

/// The roll-up's columns, in the order the queries below fill them.
macro_rules! daily_columns {
    () => {
        "day, month, provider, model, route, key_label, client, os_user, host, calls, input_tokens,
         cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_usd, unpriced,
         abandoned"
    };
}

/// Adds one settled call row of `events` to the roll-up.
pub const ROLL_UP_ONE: &str = concat!(
    "INSERT INTO daily (",
    daily_columns!(),
    ") SELECT day, month, COALESCE(provider, ''), COALESCE(model, ''),
        COALESCE(route, ''), COALESCE(key_label, ''), COALESCE(client, ''), COALESCE(os_user, ''),
        COALESCE(host, ''), 1, input_tokens, cached_input_tokens, cache_write_tokens,
        output_tokens, reasoning_tokens, COALESCE(cost_usd, 0), cost_usd IS NULL, status = 'abandoned'
      FROM events WHERE id = ?1
    ON CONFLICT (day, provider, model, route, key_label, client, os_user, host) DO UPDATE SET
      calls = calls + 1,
      input_tokens = daily.input_tokens + excluded.input_tokens,
      cached_input_tokens = daily.cached_input_tokens + excluded.cached_input_tokens,
      cache_write_tokens = daily.cache_write_tokens + excluded.cache_write_tokens,
      output_tokens = daily.output_tokens + excluded.output_tokens,
      reasoning_tokens = daily.reasoning_tokens + excluded.reasoning_tokens,
      cost_usd = daily.cost_usd + excluded.cost_usd,
      unpriced = daily.unpriced + excluded.unpriced,
      abandoned = daily.abandoned + excluded.abandoned"
);

/// Rebuilds the roll-up from `events` (tools and benchmarks that write rows directly).
pub const REBUILD_ROLL_UP: &str = concat!(
    "DELETE FROM daily;
    INSERT INTO daily (",
    daily_columns!(),
    ") SELECT day, month, COALESCE(provider, ''), COALESCE(model, ''), COALESCE(route, ''),
        COALESCE(key_label, ''), COALESCE(client, ''), COALESCE(os_user, ''), COALESCE(host, ''),
        COUNT(*), SUM(input_tokens), SUM(cached_input_tokens), SUM(cache_write_tokens),
        SUM(output_tokens), SUM(reasoning_tokens), COALESCE(SUM(cost_usd), 0), SUM(cost_usd IS NULL),
        SUM(status = 'abandoned')
      FROM events WHERE kind = 'call' AND status != 'reserved'
      GROUP BY 1, 3, 4, 5, 6, 7, 8, 9;"
);

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
