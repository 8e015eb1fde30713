//! The shared ledger's schema: forward migrations, one per version, recorded in
//! `byok_schema` and applied under a PostgreSQL advisory lock, so twenty runners
//! starting at once on an empty database all succeed with one schema. The tables mirror
//! the SQLite ledger's (`ledger/schema.rs`), with a globally unique `uid` per row so a row
//! kept locally while the server was away is uploaded once.

/// The advisory lock key migrations run under ("byok" in ASCII).
const LOCK: i64 = 0x62796f6b;

const MIGRATIONS: &[&str] = &[
    // 1: calls and key events, the daily roll-up, provider health, budget lock rows.
    "CREATE TABLE byok_events (
        id BIGSERIAL PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        at DOUBLE PRECISION NOT NULL,
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
        input_tokens BIGINT NOT NULL DEFAULT 0,
        cached_input_tokens BIGINT NOT NULL DEFAULT 0,
        cache_write_tokens BIGINT NOT NULL DEFAULT 0,
        output_tokens BIGINT NOT NULL DEFAULT 0,
        reasoning_tokens BIGINT NOT NULL DEFAULT 0,
        cost_usd DOUBLE PRECISION,
        cost_source TEXT,
        latency_ms BIGINT,
        ttft_ms BIGINT,
        council_id TEXT,
        detail TEXT,
        owner_pid BIGINT,
        owner_start TEXT,
        prompt_usd DOUBLE PRECISION,
        client TEXT,
        os_user TEXT,
        host TEXT
    );
    CREATE INDEX byok_events_reserved ON byok_events(month) WHERE status = 'reserved';
    CREATE INDEX byok_events_day ON byok_events(kind, day);
    CREATE TABLE byok_daily (
        day TEXT NOT NULL,
        month TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        route TEXT NOT NULL,
        key_label TEXT NOT NULL,
        client TEXT NOT NULL DEFAULT '',
        os_user TEXT NOT NULL DEFAULT '',
        host TEXT NOT NULL DEFAULT '',
        calls BIGINT NOT NULL,
        input_tokens BIGINT NOT NULL,
        cached_input_tokens BIGINT NOT NULL,
        cache_write_tokens BIGINT NOT NULL,
        output_tokens BIGINT NOT NULL,
        reasoning_tokens BIGINT NOT NULL,
        cost_usd DOUBLE PRECISION NOT NULL,
        unpriced BIGINT NOT NULL,
        abandoned BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (day, provider, model, route, key_label, client, os_user, host)
    );
    CREATE INDEX byok_daily_month ON byok_daily(month);
    CREATE TABLE byok_health (
        provider TEXT PRIMARY KEY,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        degraded_until DOUBLE PRECISION,
        last_error TEXT,
        updated_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE byok_budget_locks (
        scope TEXT NOT NULL,
        month TEXT NOT NULL,
        PRIMARY KEY (scope, month)
    );",
];

pub const VERSION: i32 = MIGRATIONS.len() as i32;

/// Brings the schema up to [`VERSION`]: one cheap read when it is already there.
pub fn migrate(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    if current(client)? >= VERSION {
        return Ok(());
    }
    client.query_one("SELECT pg_advisory_lock($1)", &[&LOCK])?;
    let outcome = (|| {
        client.batch_execute(
            "CREATE TABLE IF NOT EXISTS byok_schema (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )?;
        let from = current(client)?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(from.max(0) as usize) {
            let mut tx = client.transaction()?;
            tx.batch_execute(sql)?;
            tx.execute(
                "INSERT INTO byok_schema (version) VALUES ($1)",
                &[&(i as i32 + 1)],
            )?;
            tx.commit()?;
        }
        Ok(())
    })();
    let unlocked = client.query_one("SELECT pg_advisory_unlock($1)", &[&LOCK]);
    outcome.and(unlocked.map(|_| ()))
}

/// The applied version; 0 on an empty database. One round trip when the schema is there.
fn current(client: &mut postgres::Client) -> Result<i32, postgres::Error> {
    match client.query_one("SELECT COALESCE(MAX(version), 0) FROM byok_schema", &[]) {
        Ok(row) => Ok(row.get(0)),
        Err(e) if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) => Ok(0),
        Err(e) => Err(e),
    }
}

/// Settled call rows of `byok_events` added to the roll-up: `FROM` names the rows.
pub const ROLL_UP_FROM: &str = "INSERT INTO byok_daily (day, month, provider, model, route, key_label, client, os_user, host,
        calls, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_usd,
        unpriced, abandoned)
    SELECT day, month, COALESCE(provider, ''), COALESCE(model, ''), COALESCE(route, ''), COALESCE(key_label, ''),
        COALESCE(client, ''), COALESCE(os_user, ''), COALESCE(host, ''), 1, input_tokens, cached_input_tokens,
        cache_write_tokens, output_tokens, reasoning_tokens, COALESCE(cost_usd, 0),
        CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END, CASE WHEN status = 'abandoned' THEN 1 ELSE 0 END
    FROM";

/// What a row already in the roll-up gets added.
pub const ROLL_UP_CONFLICT: &str =
    "ON CONFLICT (day, provider, model, route, key_label, client, os_user, host) DO UPDATE SET
      calls = byok_daily.calls + excluded.calls,
      input_tokens = byok_daily.input_tokens + excluded.input_tokens,
      cached_input_tokens = byok_daily.cached_input_tokens + excluded.cached_input_tokens,
      cache_write_tokens = byok_daily.cache_write_tokens + excluded.cache_write_tokens,
      output_tokens = byok_daily.output_tokens + excluded.output_tokens,
      reasoning_tokens = byok_daily.reasoning_tokens + excluded.reasoning_tokens,
      cost_usd = byok_daily.cost_usd + excluded.cost_usd,
      unpriced = byok_daily.unpriced + excluded.unpriced,
      abandoned = byok_daily.abandoned + excluded.abandoned";

/// Call rows of `byok_events` added to the roll-up in groups (the caller's `FROM … GROUP
/// BY` the first nine columns): an upload of many rows touches each roll-up row once.
pub const ROLL_UP_GROUPED_FROM: &str = "INSERT INTO byok_daily (day, month, provider, model, route, key_label, client, os_user, host,
        calls, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_usd,
        unpriced, abandoned)
    SELECT day, month, COALESCE(provider, ''), COALESCE(model, ''), COALESCE(route, ''), COALESCE(key_label, ''),
        COALESCE(client, ''), COALESCE(os_user, ''), COALESCE(host, ''), COUNT(*), SUM(input_tokens),
        SUM(cached_input_tokens), SUM(cache_write_tokens), SUM(output_tokens), SUM(reasoning_tokens),
        COALESCE(SUM(cost_usd), 0), SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END),
        SUM(CASE WHEN status = 'abandoned' THEN 1 ELSE 0 END)
    FROM";

/// Rebuilds the roll-up from `byok_events` (benchmarks that write rows directly).
pub const REBUILD_ROLL_UP: &str = "DELETE FROM byok_daily;
    INSERT INTO byok_daily (day, month, provider, model, route, key_label, client, os_user, host,
        calls, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_usd,
        unpriced, abandoned)
    SELECT day, month, COALESCE(provider, ''), COALESCE(model, ''), COALESCE(route, ''), COALESCE(key_label, ''),
        COALESCE(client, ''), COALESCE(os_user, ''), COALESCE(host, ''), COUNT(*), SUM(input_tokens),
        SUM(cached_input_tokens), SUM(cache_write_tokens), SUM(output_tokens), SUM(reasoning_tokens),
        COALESCE(SUM(cost_usd), 0), SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END),
        SUM(CASE WHEN status = 'abandoned' THEN 1 ELSE 0 END)
    FROM byok_events WHERE kind = 'call' AND status != 'reserved'
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;";
