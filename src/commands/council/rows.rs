//! A council's member table: each member's call, its row (status, usage, cost, vote) and
//! the outcome they add up to.

use std::time::Duration;

use crate::error::{Error, exit};
use crate::policy::{self, Plan, Success};
use crate::prices::PriceTable;
use crate::providers::chat::Usage;

/// One walk of one plan, and how long it took.
pub(super) struct Call {
    pub(super) result: Result<Success, Error>,
    pub(super) latency: Duration,
    /// Bytes of answer text that arrived (of every try).
    pub(super) received: usize,
}

/// What a member did, as the table and the JSON show it.
#[derive(Clone, Debug)]
pub(super) struct Row {
    pub(super) provider: String,
    pub(super) model: String,
    /// `ok`, `failed`, `skipped` (not called: no key, not allowed, budget) or `cancelled`.
    pub(super) status: &'static str,
    pub(super) error: Option<String>,
    pub(super) exit_code: Option<i32>,
    pub(super) text: Option<String>,
    pub(super) usage: Usage,
    /// `None`: unknown.
    pub(super) cost: Option<f64>,
    pub(super) latency: Duration,
    pub(super) vote: Vote,
}

#[derive(Clone, Debug)]
pub(super) enum Vote {
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

pub(super) fn add_cost(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? + b?)
}

impl Row {
    pub(super) fn new(plan: &Plan) -> Row {
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
    pub(super) fn from_call(plan: &Plan, call: Call, prices: &PriceTable, cancelled: bool) -> Row {
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

    pub(super) fn name(&self) -> String {
        format!("{}:{}", self.provider, self.model)
    }

    /// `openai:gpt-4o — failed: …`, for messages.
    pub(super) fn failure(&self) -> String {
        format!(
            "{} — {}: {}",
            self.name(),
            self.status,
            self.error.as_deref().unwrap_or("no answer")
        )
    }

    /// Adds another call of this member (its ranking) to what it used.
    pub(super) fn add(&mut self, usage: Usage, cost: Option<f64>) {
        self.usage.add(&usage);
        self.cost = add_cost(self.cost, cost);
    }
}

/// What a call used and cost: the answer, plus every failed try before it. A call that
/// failed or was cancelled before any text arrived cost nothing; one cut after some text
/// is unknown (its usage is in the ledger when the provider reported it).
pub(super) fn spend(prices: &PriceTable, call: &Call) -> (Usage, Option<f64>) {
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

pub(super) fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the council came to.
pub(super) struct Outcome {
    pub(super) rows: Vec<Row>,
    pub(super) chair: Option<Row>,
    pub(super) answer: Option<String>,
    pub(super) winner: Option<usize>,
    pub(super) responded: usize,
    pub(super) required: usize,
    /// Kendall's W and how many rankings it is over (rank).
    pub(super) agreement: Option<(f64, usize)>,
    /// Things the user should know even when the council succeeded.
    pub(super) notes: Vec<String>,
    pub(super) error: Option<Error>,
}
