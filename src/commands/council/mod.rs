//! `byok council`: one prompt to several models at once, and an answer decided by the rule
//! the user chose (DESIGN.md §5). Every member is its own one-candidate plan walked by the
//! one shared [`Walker`] (allowlist, key, budget, health, retries; no fallback), all
//! concurrently on the current-thread runtime; the ranking calls of `rank` and the chair
//! go through the same walker. The voting itself is in [`crate::voting`].

use std::cell::Cell;
use std::time::{Duration, Instant};

use futures_util::future::{join_all, select_all};
use serde::Serialize;
use serde_json::{Value, json};

mod report;
mod setup;

use report::{Progress, report};
use setup::Setup;

use super::Ctx;
use super::prompt;
use crate::cli::CouncilArgs;
use crate::error::{Error, Result, exit};
use crate::http;
use crate::keys::Keys;
use crate::policy::{self, Plan, Success, Walker, plan::parse_model};
use crate::prices::{PriceTable, format_usd};
use crate::providers::Registry;
use crate::providers::chat::{Cancel, Canceller, ChatRequest, Stop, Usage};
use crate::voting::{self, Mode, NoDecision, Rng};

/// Bytes of instructions a ranking or chair prompt adds around the answers (a bound).
const RANKING_INSTRUCTIONS_BOUND: usize = 2048;
/// Tokens a ranking answer needs at most; the ranking request asks for no more.
const RANKING_MAX_TOKENS: u32 = 256;

/// How long cancelled members get to stop by themselves (and settle what they used)
/// before their requests are dropped outright.
const CANCEL_GRACE: Duration = Duration::from_millis(250);

pub fn run(ctx: &Ctx, args: CouncilArgs) -> Result<()> {
    let setup = Setup::resolve(ctx, &args)?;
    let req = prompt::request(&args.prompt, "council", true)?;

    let keys = Keys::new(ctx.paths.clone(), ctx.keyring.clone());
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

/// One walk of one plan, and how long it took.
struct Call {
    result: Result<Success, Error>,
    latency: Duration,
    /// Bytes of answer text that arrived (of every try).
    received: usize,
}

/// What a member did, as the table and the JSON show it.
#[derive(Clone, Debug)]
struct Row {
    provider: String,
    model: String,
    /// `ok`, `failed`, `skipped` (not called: no key, not allowed, budget) or `cancelled`.
    status: &'static str,
    error: Option<String>,
    exit_code: Option<i32>,
    text: Option<String>,
    usage: Usage,
    /// `None`: unknown.
    cost: Option<f64>,
    latency: Duration,
    vote: Vote,
}

#[derive(Clone, Debug)]
enum Vote {
    None,
    /// majority, strict: the normalised answer, and whether its group won.
    Answer {
        key: String,
        won: bool,
    },
    /// first: this member's answer came first.
    First,
    /// rank: place and Borda points, the member's own ranking (best first), or why it
    /// was left out.
    Rank {
        rank: usize,
        points: u32,
        ranking: Option<Vec<String>>,
        excluded: Option<String>,
    },
    /// The chair of a ranking council.
    Chair,
}

fn add_cost(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? + b?)
}

impl Row {
    fn new(plan: &Plan) -> Row {
        let c = &plan.candidates[0];
        Row {
            provider: c.provider.id().to_string(),
            model: c.model.clone(),
            status: "ok",
            error: None,
            exit_code: None,
            text: None,
            usage: Usage::default(),
            cost: Some(0.0),
            latency: Duration::ZERO,
            vote: Vote::None,
        }
    }

    /// A member's row from its call; `cancelled` when the council stopped it.
    fn from_call(plan: &Plan, call: Call, prices: &PriceTable, cancelled: bool) -> Row {
        let mut row = Row::new(plan);
        row.latency = call.latency;
        let (usage, cost) = spend(prices, &call);
        row.usage = usage;
        row.cost = cost;
        match call.result {
            Ok(s) => row.text = Some(s.result.text),
            Err(Error::Interrupted { .. }) if cancelled => {
                row.status = "cancelled";
                row.error = Some("another member answered first".into());
            }
            Err(e) => {
                let code = e.exit_code();
                row.status = if code == exit::CONFIG || code == exit::BUDGET {
                    "skipped"
                } else {
                    "failed"
                };
                row.error = Some(one_line(&e.to_string()));
                row.exit_code = Some(code);
            }
        }
        row
    }

    fn name(&self) -> String {
        format!("{}:{}", self.provider, self.model)
    }

    /// `openai:gpt-4o — failed: …`, for messages.
    fn failure(&self) -> String {
        format!(
            "{} — {}: {}",
            self.name(),
            self.status,
            self.error.as_deref().unwrap_or("no answer")
        )
    }

    /// Adds another call of this member (its ranking) to what it used.
    fn add(&mut self, usage: Usage, cost: Option<f64>) {
        self.usage.add(&usage);
        self.cost = add_cost(self.cost, cost);
    }
}

/// What a call used and cost: the answer, plus every failed try before it. A call that
/// failed or was cancelled before any text arrived cost nothing; one cut after some text
/// is unknown (its usage is in the ledger when the provider reported it).
fn spend(prices: &PriceTable, call: &Call) -> (Usage, Option<f64>) {
    match &call.result {
        Ok(s) => {
            let c = &s.candidate;
            let mut usage = s.result.usage;
            let mut cost = policy::call_cost(prices, &c.provider, &c.model, &s.result).usd;
            for partial in s.attempts.iter().filter_map(|a| a.partial.as_ref()) {
                usage.add(&partial.usage);
                cost = add_cost(
                    cost,
                    policy::call_cost(prices, &c.provider, &c.model, partial).usd,
                );
            }
            (usage, cost)
        }
        Err(_) if call.received == 0 => (Usage::default(), Some(0.0)),
        Err(_) => (Usage::default(), None),
    }
}

fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the council came to.
struct Outcome {
    rows: Vec<Row>,
    chair: Option<Row>,
    answer: Option<String>,
    winner: Option<usize>,
    responded: usize,
    required: usize,
    /// Kendall's W and how many rankings it is over (rank).
    agreement: Option<(f64, usize)>,
    /// Things the user should know even when the council succeeded.
    notes: Vec<String>,
    error: Option<Error>,
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

    /// `rank`: every member that answered ranks the others' anonymised answers; Borda
    /// count; the chair (if any) writes the final answer from the top ones.
    async fn rank(&self, rng: &mut Rng) -> Outcome {
        let rows = self.answers().await;
        let mut out = self.outcome(rows);
        if self.halted() {
            return out;
        }
        let answered: Vec<usize> = (0..out.rows.len())
            .filter(|&i| out.rows[i].text.is_some())
            .collect();
        if answered.len() < self.setup.quorum {
            out.error = Some(self.undecided(
                &out.rows,
                &NoDecision::Quorum {
                    required: self.setup.quorum,
                    responded: answered.len(),
                },
            ));
            return out;
        }

        // Each voter's ballot paper: the others' answers, shuffled for this voter.
        let papers: Vec<(usize, Vec<usize>)> = if answered.len() >= 3 {
            answered
                .iter()
                .map(|&v| (v, voting::rank::ballot_paper(v, &answered, rng)))
                .collect()
        } else {
            if answered.len() == 2 {
                out.notes.push(
                    "only two members answered, so there was nothing for them to rank; the first member's answer is used (a --chair could combine both)".into(),
                );
            }
            Vec::new()
        };
        let requests: Vec<ChatRequest> = papers
            .iter()
            .map(|(_, shown)| {
                let texts: Vec<&str> = shown
                    .iter()
                    .map(|&m| out.rows[m].text.as_deref().unwrap_or(""))
                    .collect();
                ChatRequest {
                    model: String::new(),
                    system: None,
                    prompt: voting::rank::ranking_prompt(
                        &self.req.prompt,
                        self.req.system.as_deref(),
                        &texts,
                    ),
                    max_tokens: Some(RANKING_MAX_TOKENS),
                    temperature: None,
                    stream: true,
                }
            })
            .collect();
        let calls = join_all(
            papers
                .iter()
                .zip(&requests)
                .map(|((v, _), req)| self.ask(*v, &self.setup.members[*v], req, "ranking")),
        )
        .await;
        if self.halted() {
            return out;
        }

        let mut ballots: Vec<Vec<usize>> = Vec::new();
        let mut rankings: Vec<(usize, std::result::Result<Vec<usize>, String>)> = Vec::new();
        for ((voter, call), (_, shown)) in calls.into_iter().zip(&papers) {
            let (usage, cost) = spend(self.prices, &call);
            out.rows[voter].add(usage, cost);
            let parsed = match &call.result {
                Ok(s) => voting::rank::parse_ranking(&s.result.text, shown.len())
                    .map(|order| order.into_iter().map(|p| shown[p]).collect::<Vec<_>>())
                    .map_err(|why| {
                        format!("could not be read ({why}): {}", excerpt(&s.result.text, 80))
                    }),
                Err(e) => Err(format!(
                    "the ranking call failed: {}",
                    one_line(&e.to_string())
                )),
            };
            if let Ok(b) = &parsed {
                ballots.push(b.clone());
            }
            rankings.push((voter, parsed));
        }

        let order = voting::rank::borda_order(&answered, &ballots);
        for &(member, points, rank) in &order {
            out.rows[member].vote = Vote::Rank {
                rank,
                points,
                ranking: None,
                excluded: None,
            };
        }
        for (voter, parsed) in &rankings {
            let names = |b: &Vec<usize>| b.iter().map(|&m| out.rows[m].name()).collect::<Vec<_>>();
            let (ranking, excluded) = match parsed {
                Ok(b) => (Some(names(b)), None),
                Err(why) => (None, Some(why.clone())),
            };
            if let Some(why) = &excluded {
                out.notes.push(format!(
                    "the ranking by {} was left out: {why}",
                    out.rows[*voter].name()
                ));
            }
            if let Vote::Rank {
                ranking: r,
                excluded: x,
                ..
            } = &mut out.rows[*voter].vote
            {
                *r = ranking;
                *x = excluded;
            }
        }
        if !papers.is_empty() && ballots.is_empty() {
            out.error = Some(Error::CouncilUndecided {
                mode: Mode::Rank.as_str().into(),
                summary: format!(
                    "the council could not rank its answers: none of the {} rankings could be used.",
                    papers.len()
                ),
                failures: rankings
                    .iter()
                    .filter_map(|(v, r)| {
                        r.as_ref()
                            .err()
                            .map(|why| format!("{} — {why}", out.rows[*v].name()))
                    })
                    .collect(),
            });
            return out;
        }
        out.agreement = voting::rank::kendall_w(&answered, &ballots).map(|w| (w, ballots.len()));
        let winner = order[0].0;
        out.winner = Some(winner);
        out.answer = out.rows[winner].text.clone();

        if let Some(chair) = &self.setup.chair {
            let top: Vec<&str> = order
                .iter()
                .take(voting::rank::CHAIR_TOP)
                .map(|&(m, _, _)| out.rows[m].text.as_deref().unwrap_or(""))
                .collect();
            let req = ChatRequest {
                model: String::new(),
                system: None,
                prompt: voting::rank::chair_prompt(
                    &self.req.prompt,
                    self.req.system.as_deref(),
                    &top,
                ),
                max_tokens: self.req.max_tokens,
                temperature: self.req.temperature,
                stream: true,
            };
            let (_, call) = self.ask(0, chair, &req, "chairing").await;
            let mut row = Row::from_call(chair, call, self.prices, false);
            row.vote = Vote::Chair;
            match &row.text {
                Some(text) => out.answer = Some(text.clone()),
                None if !self.halted() => out.notes.push(format!(
                    "the chair {} gave no answer ({}); the top-ranked answer is printed instead",
                    row.name(),
                    row.error.as_deref().unwrap_or("no answer")
                )),
                None => {}
            }
            out.chair = Some(row);
        }
        out
    }

    /// The exit-7 error for a vote that reached no decision, naming who failed and why.
    fn undecided(&self, rows: &[Row], nd: &NoDecision) -> Error {
        let n = rows.len();
        if let Some(e) = same_failure(rows) {
            return e;
        }
        let summary = match nd {
            NoDecision::Quorum {
                required,
                responded,
            } => format!(
                "the council reached no decision: only {responded} of {n} members answered, and the quorum is {required}."
            ),
            NoDecision::NoMajority { sizes, of, needed } => {
                let split = sizes
                    .iter()
                    .map(|(key, size)| format!("{size} for `{}`", excerpt(key, 40)))
                    .collect::<Vec<_>>()
                    .join(", ");
                let whose = if self.setup.mode == Mode::Strict {
                    format!("all {of} members")
                } else {
                    format!("the {of} answers")
                };
                if sizes.len() > 1 && sizes.iter().all(|(_, size)| *size == 1) {
                    format!(
                        "the council reached no majority: all {} answers differ ({split}); a majority of {whose} is {needed}.",
                        sizes.len()
                    )
                } else if nd.is_tie() {
                    format!(
                        "the council reached no majority: a tie ({split}); a majority of {whose} is {needed}."
                    )
                } else {
                    format!(
                        "the council reached no majority: {split}; a majority of {whose} is {needed}."
                    )
                }
            }
        };
        Error::CouncilUndecided {
            mode: self.setup.mode.as_str().into(),
            summary,
            failures: rows
                .iter()
                .filter(|r| r.text.is_none())
                .map(Row::failure)
                .collect(),
        }
    }
}

/// When no member answered and they all failed for the same reason (no keys, rejected
/// keys, budgets spent), that reason's exit code says more than "no majority".
fn same_failure(rows: &[Row]) -> Option<Error> {
    if rows.iter().any(|r| r.text.is_some()) {
        return None;
    }
    let code = rows.first()?.exit_code?;
    if !rows.iter().all(|r| r.exit_code == Some(code))
        || !matches!(code, exit::CONFIG | exit::KEY_REJECTED | exit::BUDGET)
    {
        return None;
    }
    Some(no_answer_error(rows, code))
}

fn nobody_answered(mode: Mode, rows: &[Row]) -> Error {
    if let Some(e) = same_failure(rows) {
        return e;
    }
    debug_assert_eq!(mode, Mode::First);
    no_answer_error(rows, exit::PROVIDER_FAILED)
}

fn no_answer_error(rows: &[Row], code: i32) -> Error {
    let mut message = "no member of the council answered:".to_string();
    for r in rows {
        message.push_str("\n  ");
        message.push_str(&r.failure());
    }
    let hint = match code {
        exit::CONFIG => {
            "add the missing keys (byok key add <provider>), or choose other members: --members P:M,P:M"
        }
        exit::KEY_REJECTED => {
            "check the keys with `byok key verify`, and replace a rejected one: byok key rotate <provider>"
        }
        exit::BUDGET => {
            "see what is left with `byok usage`, or raise the caps under [budgets] in the profile"
        }
        _ => "try again shortly; `byok status` shows each provider's health",
    };
    Error::CallFailed {
        message,
        hint: hint.into(),
        code,
    }
}

/// The first `max` characters of `text` on one line, with `…` when cut.
fn excerpt(text: &str, max: usize) -> String {
    let flat = one_line(text);
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    format!("{cut}…")
}
