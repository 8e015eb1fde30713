//! `byok run`: one prompt to one model, the answer streamed to stdout, the cost on stderr.

use std::io::Write;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::Ctx;
use crate::cli::RunArgs;
use crate::error::{Error, Result};
use crate::http;
use crate::keys::Keys;
use crate::output::{self, ErrorJson};
use crate::policy::{self, Attempt, Failed, Plan, Success, Walker};
use crate::prices::{Cost, CostSource, PriceTable};
use crate::providers::chat::{Cancel, Usage};

pub fn run(ctx: &Ctx, args: RunArgs) -> Result<()> {
    let started = Instant::now();
    let mut failure = Failure::default();
    let outcome = call(ctx, args, &mut failure);
    // With --json a failed call still prints its object (README "JSON output"): what
    // arrived, every attempt and the error; the error also goes to stderr as ever.
    if let Err(e) = &outcome
        && ctx.ui.json
        && !matches!(e, Error::StdoutClosed)
    {
        let _ = ctx.ui.print_json(&failure.json(e, started.elapsed()));
    }
    outcome
}

/// What a failed call got done, for its `--json` object.
#[derive(Default)]
struct Failure {
    route: Option<String>,
    attempts: Vec<Attempt>,
    /// The last try that was made, and what arrived of it.
    last: Option<LastTry>,
}

struct LastTry {
    provider: String,
    model: String,
    text: String,
    usage: Usage,
    cost: Cost,
    ttft: Option<Duration>,
}

impl Failure {
    fn record(&mut self, plan: &Plan, prices: &PriceTable, attempts: Vec<Attempt>) {
        self.last = attempts.iter().rev().find_map(|a| {
            let partial = a.partial.as_deref()?;
            let candidate = plan
                .candidates
                .iter()
                .find(|c| c.provider.id() == a.provider && c.model == a.model)?;
            Some(LastTry {
                provider: a.provider.clone(),
                model: a.model.clone(),
                text: partial.text.clone(),
                usage: partial.usage,
                cost: policy::call_cost(prices, &candidate.provider, &a.model, partial),
                ttft: partial.ttft,
            })
        });
        self.attempts = attempts;
    }

    fn json(&self, error: &Error, latency: Duration) -> RunJson<'_> {
        let last = self.last.as_ref();
        RunJson {
            text: last.map_or("", |l| &l.text),
            provider: last.map(|l| l.provider.as_str()),
            model: last.map(|l| l.model.as_str()),
            route: self.route.as_deref(),
            usage: last.map(|l| l.usage).unwrap_or_default(),
            // Nothing was tried: nothing was spent.
            cost_usd: last.map_or(Some(0.0), |l| l.cost.usd),
            cost_source: last.map_or(CostSource::PriceTable, |l| l.cost.source),
            latency_ms: latency.as_millis() as u64,
            ttft_ms: last.and_then(|l| l.ttft).map(|t| t.as_millis() as u64),
            attempts: &self.attempts,
            error: Some(ErrorJson::of(error)),
        }
    }
}

fn call(ctx: &Ctx, args: RunArgs, failure: &mut Failure) -> Result<()> {
    if let Some(label) = &args.prompt.key {
        super::check_label(label)?;
    }
    let mut prompt = super::prompt::read(&args.prompt, "run")?;
    let keys = Keys::new(ctx.paths.clone(), ctx.keyring.clone());
    let plan = Plan::for_run(
        ctx.profile()?,
        &keys,
        args.route.as_deref(),
        args.model.as_deref(),
        args.prompt.key.as_deref(),
    )?;
    super::prices::warn_retired(
        &policy::price_table(&ctx.profile()?.profile),
        plan.candidates
            .iter()
            .map(|c| (c.provider.id(), c.model.as_str())),
    );
    failure.route = plan.route.clone();
    // The outbound guard, before anything is sent (README "The outbound guard").
    let guard_detail = super::guard::check_prompt(
        ctx,
        &keys,
        &mut prompt,
        &args.prompt.allow_secret,
        plan.route.as_deref(),
    )?;
    let req = prompt.request(&args.prompt, !args.no_stream);

    let to_stdout = !ctx.ui.json;
    // A spinner on stderr while the first token is awaited, cleared before the answer
    // starts (and, by the guard, whatever ends the call: an error, Ctrl-C).
    let waiting = output::Spinner::new(&ctx.ui, "waiting for the answer…");
    let mut ends_with_newline = true;
    let mut sink = |delta: &str| -> std::io::Result<()> {
        if to_stdout && !delta.is_empty() {
            waiting.clear();
            let mut out = std::io::stdout().lock();
            out.write_all(delta.as_bytes())?;
            out.flush()?;
            ends_with_newline = delta.ends_with('\n');
        }
        Ok(())
    };
    let client = http::client_for(
        &ctx.timeouts,
        plan.candidates.iter().map(|c| c.provider.base_url.as_str()),
    );
    let ledger = policy::open_ledger(&ctx.paths, &ctx.profile()?.profile, &mut |w| ctx.ui.warn(w))?;
    let loaded = ctx.profile()?;
    let prices = policy::price_table(&loaded.profile);
    let (canceller, cancel) = Cancel::new();
    let mut walker = Walker::new(
        &client,
        &keys,
        ledger.as_ref(),
        loaded,
        &prices,
        plan.route.clone(),
        cancel,
    );
    walker.tag.detail = guard_detail;
    let outcome = http::runtime().block_on(policy::until_stopped(
        walker.walk(&plan, &req, &mut sink, !to_stdout),
        &canceller,
        args.prompt.timeout,
    ));
    waiting.clear();
    for w in walker.warnings.borrow().iter() {
        ctx.ui.warn(w);
    }
    // The answer always ends its last line, so the stats table and the shell prompt never
    // glue onto it (in a pipe too, as `llm` and `mods` do).
    if to_stdout && !ends_with_newline {
        let _ = output::write_stdout(b"\n");
    }
    let success = match outcome {
        Ok(success) => success,
        Err(Failed { error, attempts }) => {
            failure.record(&plan, &prices, attempts);
            return Err(error);
        }
    };
    let cost = policy::call_cost(
        &prices,
        &success.candidate.provider,
        &success.candidate.model,
        &success.result,
    );
    let report = Report {
        plan: &plan,
        success: &success,
        cost,
    };
    if ctx.ui.json {
        return ctx.ui.print_json(&report.json());
    }
    if !ctx.ui.quiet && (args.prompt.stats || ctx.ui.stderr_tty) {
        ctx.ui.eprint_table(report.table(ctx));
    }
    Ok(())
}

struct Report<'a> {
    plan: &'a Plan,
    success: &'a Success,
    cost: Cost,
}

/// `run --json` (README "JSON output"): the answer, or on failure what arrived of it, with
/// the error. `text`, `usage` and `cost_usd` are those of the try that gave `text`.
#[derive(Serialize)]
struct RunJson<'a> {
    text: &'a str,
    /// Null only when the call failed before any provider was tried.
    provider: Option<&'a str>,
    model: Option<&'a str>,
    route: Option<&'a str>,
    usage: Usage,
    #[serde(serialize_with = "crate::output::opt_usd")]
    cost_usd: Option<f64>,
    cost_source: CostSource,
    latency_ms: u64,
    ttft_ms: Option<u64>,
    attempts: &'a [Attempt],
    /// Null when the call succeeded.
    error: Option<ErrorJson>,
}

impl Report<'_> {
    fn json(&self) -> RunJson<'_> {
        let s = self.success;
        RunJson {
            text: &s.result.text,
            provider: Some(s.candidate.provider.id()),
            model: Some(&s.candidate.model),
            route: self.plan.route.as_deref(),
            usage: s.result.usage,
            cost_usd: self.cost.usd,
            cost_source: self.cost.source,
            latency_ms: s.latency.as_millis() as u64,
            ttft_ms: s.result.ttft.map(|t| t.as_millis() as u64),
            attempts: &s.attempts,
            error: None,
        }
    }

    /// One row per attempt: the answer's tokens and cost, and why the others failed.
    /// On a narrow terminal the cache, reasoning and timing columns go first, then the
    /// key and input, output last; provider, model, status and cost always stay.
    fn table(&self, ctx: &Ctx) -> output::Grid {
        let mut t = ctx.ui.table(&[
            ("provider", 0),
            ("model", 0),
            ("key", 3),
            ("status", 0),
            ("input", 2),
            ("cached", 5),
            ("cache write", 5),
            ("output", 1),
            ("reasoning", 5),
            ("cost", 0),
            ("latency", 3),
            ("ttft", 4),
        ]);
        let s = self.success;
        for a in s.attempts.iter().filter(|a| a.status != "ok") {
            let status = format!("{}: {}", a.status, a.error.as_deref().unwrap_or(""));
            let latency = a
                .latency
                .map_or("—".into(), |l| format!("{} ms", l.as_millis()));
            t.add_row(vec![
                &a.provider,
                &a.model,
                "",
                &status,
                "",
                "",
                "",
                "",
                "",
                "",
                &latency,
                "",
            ]);
        }
        let u = &s.result.usage;
        t.add_row(vec![
            s.candidate.provider.id().to_string(),
            s.candidate.model.clone(),
            s.key
                .as_ref()
                .map_or_else(|| "—".into(), |k| k.origin.label().to_string()),
            "ok".into(),
            u.input_tokens.to_string(),
            u.cached_input_tokens.to_string(),
            u.cache_write_tokens.to_string(),
            u.output_tokens.to_string(),
            u.reasoning_tokens.to_string(),
            self.cost.display(),
            format!("{} ms", s.latency.as_millis()),
            s.result
                .ttft
                .map_or("—".into(), |t| format!("{} ms", t.as_millis())),
        ]);
        t
    }
}
