//! `byok council`: one prompt to several models at once, and an answer decided by the rule
//! the user chose (README "Councils"). Every member is its own one-candidate plan walked by the
//! one shared [`Walker`] (allowlist, key, budget, health, retries; no fallback), all
//! concurrently on the current-thread runtime; the ranking calls of `rank` and the chair
//! go through the same walker. The voting itself is in [`crate::voting`].

use std::cell::Cell;
use std::time::{Duration, Instant};

use futures_util::future::{join_all, select_all};
use serde::Serialize;
use serde_json::{Value, json};

mod rank;
mod report;
mod rows;
mod setup;
mod undecided;

use report::{Progress, report};
use rows::{Call, Outcome, Row, Vote};
use setup::Setup;
use undecided::nobody_answered;

use super::Ctx;
use super::prompt;
use crate::cli::CouncilArgs;
use crate::error::{Error, Result, exit};
use crate::http;
use crate::keys::Keys;
use crate::policy::{self, Plan, Walker, plan::parse_model};
use crate::prices::{PriceTable, format_usd};
use crate::providers::Registry;
use crate::providers::chat::{Cancel, Canceller, ChatRequest, Stop, Usage};
use crate::voting::{self, Mode, Rng};

/// Bytes of instructions a ranking or chair prompt adds around the answers (a bound).
const RANKING_INSTRUCTIONS_BOUND: usize = 2048;
/// Tokens a ranking answer needs at most; the ranking request asks for no more.
const RANKING_MAX_TOKENS: u32 = 256;

/// How long cancelled members get to stop by themselves (and settle what they used)
/// before their requests are dropped outright.
const CANCEL_GRACE: Duration = Duration::from_millis(250);

pub fn run(ctx: &Ctx, args: CouncilArgs) -> Result<()> {
    if let Some(label) = &args.prompt.key {
        super::check_label(label)?;
    }
    let setup = Setup::resolve(ctx, &args)?;
    super::prices::warn_retired(
        &policy::price_table(&ctx.profile()?.profile),
        setup
            .members
            .iter()
            .chain(setup.chair.iter())
            .flat_map(|p| p.candidates.iter())
            .map(|c| (c.provider.id(), c.model.as_str())),
    );
    let mut prompt = prompt::read(&args.prompt, "council")?;

    let keys = Keys::new(ctx.paths.clone(), ctx.keyring.clone());
    // The outbound guard, before anything is sent (README "The outbound guard"): the
    // members, the rankings and the chair all build on this prompt.
    let guard_detail =
        super::guard::check_prompt(ctx, &keys, &mut prompt, &args.prompt.allow_secret, None)?;
    let req = prompt.request(&args.prompt, true);
    let client = http::client_for(
        &ctx.timeouts,
        setup
            .members
            .iter()
            .chain(setup.chair.iter())
            .flat_map(|p| p.candidates.iter().map(|c| c.provider.base_url.as_str())),
    );
    let ledger = policy::open_ledger(&ctx.paths, &ctx.profile()?.profile, &mut |w| ctx.ui.warn(w))?;
    let loaded = ctx.profile()?;
    let prices = policy::price_table(&loaded.profile);
    let (canceller, cancel) = Cancel::new();
    // The one walker of this council: every member call, ranking call and the chair's
    // call goes through it.
    let mut walker = Walker::new(
        &client,
        &keys,
        ledger.as_ref(),
        loaded,
        &prices,
        None,
        cancel,
    );
    // Every row of this council's calls (members, rankings, chair) carries its id, and the
    // whole council is reserved before any member starts, so it cannot half-run into a cap.
    walker.tag.council_id = Some(crate::ledger::events::new_id());
    walker.tag.detail = guard_detail;
    walker.reserve_ahead(&setup.planned_calls(&req))?;

    let progress = Progress::new(ctx);
    let council = Council {
        walker: &walker,
        setup: &setup,
        req: &req,
        prices: &prices,
        progress: &progress,
        canceller: &canceller,
        started: Instant::now(),
    };
    let outcome = http::runtime().block_on(policy::until_stopped(
        council.convene(Rng::new()),
        &canceller,
        args.prompt.timeout,
    ));
    progress.clear();
    walker.release_unused();
    for w in walker.warnings.borrow().iter() {
        ctx.ui.warn(w);
    }
    if let Some(Stop::Signal(signal)) = walker.cancel.reason() {
        return Err(Error::Interrupted { signal });
    }
    let wall = council.started.elapsed();
    report(ctx, &args, &setup, outcome, wall)
}

/// `provider:model` of a one-candidate plan.
fn name(plan: &Plan) -> String {
    let c = &plan.candidates[0];
    format!("{}:{}", c.provider.id(), c.model)
}

struct Council<'a> {
    walker: &'a Walker<'a>,
    setup: &'a Setup,
    req: &'a ChatRequest,
    prices: &'a PriceTable,
    progress: &'a Progress,
    canceller: &'a Canceller,
    started: Instant,
}

impl Council<'_> {
    /// Whether a signal or `--timeout` stopped the council: no further round starts.
    fn halted(&self) -> bool {
        matches!(
            self.walker.cancel.reason(),
            Some(Stop::Signal(_) | Stop::Deadline(_))
        )
    }

    /// One walk of `plan` with `req`, its text collected (nothing goes to stdout).
    async fn ask(
        &self,
        index: usize,
        plan: &Plan,
        req: &ChatRequest,
        phase: &str,
    ) -> (usize, Call) {
        let bar = self.progress.bar(&format!("{} · {phase}", name(plan)));
        let received = Cell::new(0usize);
        let t0 = Instant::now();
        let mut sink = |delta: &str| -> std::io::Result<()> {
            received.set(received.get() + delta.len());
            if let Some(b) = &bar {
                b.set_message(format!(
                    "{} · {phase} ({} bytes)",
                    name(plan),
                    received.get()
                ));
            }
            Ok(())
        };
        let result = self.walker.call(plan, req, &mut sink, true).await;
        let latency = t0.elapsed();
        if let Some(b) = &bar {
            let how = match &result {
                Ok(_) => format!("✓ {} ms", latency.as_millis()),
                Err(_) => "✗".to_string(),
            };
            b.finish_with_message(format!("{} · {phase} {how}", name(plan)));
        }
        (
            index,
            Call {
                result,
                latency,
                received: received.get(),
            },
        )
    }

    async fn convene(&self, mut rng: Rng) -> Outcome {
        // LEDGER: the whole-council reservation (see `run`) must be in place before this.
        match self.setup.mode {
            Mode::First => self.first().await,
            Mode::Majority | Mode::Strict => self.vote().await,
            Mode::Rank => self.rank(&mut rng).await,
        }
    }

    /// Every member at once; their rows in member order.
    async fn answers(&self) -> Vec<Row> {
        let calls = join_all(
            self.setup
                .members
                .iter()
                .enumerate()
                .map(|(i, p)| self.ask(i, p, self.req, "answering")),
        )
        .await;
        calls
            .into_iter()
            .map(|(i, call)| Row::from_call(&self.setup.members[i], call, self.prices, false))
            .collect()
    }

    fn outcome(&self, rows: Vec<Row>) -> Outcome {
        let responded = rows.iter().filter(|r| r.text.is_some()).count();
        Outcome {
            rows,
            chair: None,
            answer: None,
            winner: None,
            responded,
            required: self.setup.quorum,
            agreement: None,
            notes: Vec::new(),
            error: None,
        }
    }

    /// `first`: the first success wins; the members still running are cancelled (their
    /// requests aborted), and what they used is kept.
    async fn first(&self) -> Outcome {
        let n = self.setup.members.len();
        let mut calls: Vec<Option<Call>> = (0..n).map(|_| None).collect();
        let mut pending: Vec<_> = self
            .setup
            .members
            .iter()
            .enumerate()
            .map(|(i, p)| Box::pin(self.ask(i, p, self.req, "answering")))
            .collect();
        let mut winner = None;
        while !pending.is_empty() {
            let ((i, call), _, rest) = select_all(pending).await;
            pending = rest;
            let ok = call.result.is_ok();
            calls[i] = Some(call);
            if ok {
                winner = Some(i);
                break;
            }
        }
        let mut cancelled = vec![false; n];
        if !pending.is_empty() {
            for c in calls.iter().enumerate().filter(|(_, c)| c.is_none()) {
                cancelled[c.0] = true;
            }
            // Stop the others; each walk ends its request and records what it used.
            self.canceller.cancel();
            if let Ok(done) = tokio::time::timeout(CANCEL_GRACE, join_all(pending)).await {
                for (i, call) in done {
                    calls[i] = Some(call);
                }
            }
            // Past the grace period the futures are dropped here, which aborts them too.
        }
        let now = self.started.elapsed();
        let rows: Vec<Row> = calls
            .into_iter()
            .enumerate()
            .map(|(i, call)| {
                let plan = &self.setup.members[i];
                let call = call.unwrap_or(Call {
                    result: Err(Error::Interrupted {
                        signal: exit::INTERRUPTED - 128,
                    }),
                    latency: now,
                    received: 0,
                });
                Row::from_call(plan, call, self.prices, cancelled[i])
            })
            .collect();
        let mut out = self.outcome(rows);
        match winner {
            Some(w) => {
                out.rows[w].vote = Vote::First;
                out.answer = out.rows[w].text.clone();
                out.winner = Some(w);
            }
            None => out.error = Some(nobody_answered(Mode::First, &out.rows)),
        }
        out
    }

    /// `majority` and `strict`: group the normalised answers and count.
    async fn vote(&self) -> Outcome {
        let rows = self.answers().await;
        let mut out = self.outcome(rows);
        let answered: Vec<(usize, &str)> = out
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.text.as_deref().map(|t| (i, t)))
            .collect();
        let groups = voting::group(&answered);
        let decision = voting::decide(
            self.setup.mode,
            &groups,
            self.setup.members.len(),
            self.setup.quorum,
        );
        let won = decision.as_ref().ok().copied();
        for (gi, g) in groups.iter().enumerate() {
            for &m in &g.members {
                out.rows[m].vote = Vote::Answer {
                    key: g.key.clone(),
                    won: won == Some(gi),
                };
            }
        }
        match decision {
            Ok(gi) => {
                let texts: Vec<&str> = out
                    .rows
                    .iter()
                    .map(|r| r.text.as_deref().unwrap_or(""))
                    .collect();
                let w = voting::representative(&groups[gi], |i| texts[i]);
                // A vote's answer is usually a word a script compares: no stray spaces.
                out.answer = out.rows[w].text.as_deref().map(|t| t.trim().to_string());
                out.winner = Some(w);
            }
            Err(nd) => out.error = Some(self.undecided(&out.rows, &nd)),
        }
        out
    }
}
