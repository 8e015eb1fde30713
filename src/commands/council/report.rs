//! What a council prints: the answer on stdout, the member table on stderr, `--json`,
//! and per-member progress on a terminal.

use super::rows::add_cost;
use super::undecided::excerpt;
use super::*;

pub(super) fn report(
    ctx: &Ctx,
    args: &CouncilArgs,
    setup: &Setup,
    out: Outcome,
    wall: Duration,
) -> Result<()> {
    let show_table = !ctx.ui.json && !ctx.ui.quiet && (args.prompt.stats || ctx.ui.stderr_tty);
    if ctx.ui.json {
        ctx.ui.print_json(&json_of(setup, &out))?;
    } else if let Some(answer) = &out.answer {
        let mut text = answer.clone();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        crate::output::write_stdout(text.as_bytes())?;
    }
    if show_table {
        ctx.ui.eprint_table(table(ctx, setup, &out, wall));
    } else if out.error.is_none() {
        for r in out
            .rows
            .iter()
            .filter(|r| r.text.is_none() && r.status != "cancelled")
        {
            ctx.ui.warn(&format!(
                "{} gave no answer: {}",
                r.name(),
                r.error.as_deref().unwrap_or("")
            ));
        }
    }
    for note in &out.notes {
        ctx.ui.warn(note);
    }
    match out.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Every row that used something: the members, then the chair.
pub(super) fn all_rows(out: &Outcome) -> impl Iterator<Item = &Row> {
    out.rows.iter().chain(out.chair.iter())
}

pub(super) fn totals(out: &Outcome) -> (Usage, Option<f64>) {
    let mut usage = Usage::default();
    let mut cost = Some(0.0);
    for r in all_rows(out) {
        usage.add(&r.usage);
        cost = add_cost(cost, r.cost);
    }
    (usage, cost)
}

#[derive(Serialize)]
pub(super) struct CouncilJson<'a> {
    pub(super) mode: Mode,
    /// The decided answer; the same field as `run`'s answer (README "JSON output").
    pub(super) text: Option<&'a str>,
    /// The same as `text`, under its old name; kept for one release.
    pub(super) answer: Option<&'a str>,
    pub(super) winner: Option<String>,
    pub(super) quorum: QuorumJson,
    pub(super) members: Vec<MemberJson<'a>>,
    pub(super) usage: Usage,
    #[serde(serialize_with = "crate::output::opt_usd")]
    pub(super) cost_usd: Option<f64>,
    /// Why the council decided nothing (exit 7 and the others); null when it did.
    pub(super) error: Option<crate::output::ErrorJson>,
}

#[derive(Serialize)]
pub(super) struct QuorumJson {
    pub(super) required: usize,
    pub(super) responded: usize,
    pub(super) met: bool,
}

#[derive(Serialize)]
pub(super) struct MemberJson<'a> {
    pub(super) provider: &'a str,
    pub(super) model: &'a str,
    pub(super) status: &'a str,
    pub(super) text: Option<&'a str>,
    pub(super) usage: Usage,
    #[serde(serialize_with = "crate::output::opt_usd")]
    pub(super) cost_usd: Option<f64>,
    pub(super) latency_ms: u64,
    pub(super) vote: Value,
}

pub(super) fn vote_json(v: &Vote) -> Value {
    match v {
        Vote::None => Value::Null,
        Vote::Answer { key, .. } => json!(key),
        Vote::First => json!("first"),
        Vote::Chair => json!("chair"),
        Vote::Rank {
            rank,
            points,
            ranking,
            excluded,
        } => json!({"rank": rank, "points": points, "ranking": ranking, "excluded": excluded}),
    }
}

pub(super) fn json_of<'a>(setup: &Setup, out: &'a Outcome) -> CouncilJson<'a> {
    let (usage, cost_usd) = totals(out);
    let text = if out.error.is_some() {
        None
    } else {
        out.answer.as_deref()
    };
    CouncilJson {
        mode: setup.mode,
        text,
        answer: text,
        winner: out.winner.map(|w| out.rows[w].name()),
        quorum: QuorumJson {
            required: out.required,
            responded: out.responded,
            met: out.responded >= out.required,
        },
        // The chair, when there is one, is the last entry (`vote: "chair"`), so the
        // entries always add up to the totals.
        members: all_rows(out)
            .map(|r| MemberJson {
                provider: &r.provider,
                model: &r.model,
                status: r.status,
                text: r.text.as_deref(),
                usage: r.usage,
                cost_usd: r.cost,
                latency_ms: r.latency.as_millis() as u64,
                vote: vote_json(&r.vote),
            })
            .collect(),
        usage,
        cost_usd,
        error: out.error.as_ref().map(crate::output::ErrorJson::of),
    }
}

pub(super) fn cost_text(cost: Option<f64>) -> String {
    cost.map_or_else(|| "?".to_string(), format_usd)
}

pub(super) fn vote_text(v: &Vote) -> String {
    match v {
        Vote::None => "—".into(),
        Vote::Answer { key, won } => {
            let key = excerpt(key, 30);
            if *won { format!("{key} ✓") } else { key }
        }
        Vote::First => "first ✓".into(),
        Vote::Chair => "chair".into(),
        Vote::Rank {
            rank,
            points,
            excluded,
            ..
        } => {
            let mut t = format!("#{rank} · {points} pts");
            if excluded.is_some() {
                t.push_str(" · ranking left out");
            }
            t
        }
    }
}

pub(super) fn table(
    ctx: &Ctx,
    setup: &Setup,
    out: &Outcome,
    wall: Duration,
) -> crate::output::Grid {
    let vote = if setup.mode == Mode::Rank {
        "rank"
    } else {
        "vote"
    };
    let mut t = ctx.ui.table(&[
        ("member", 0),
        ("model", 0),
        ("status", 0),
        ("latency", 3),
        ("input", 2),
        ("output", 2),
        ("cost", 0),
        (vote, 1),
    ]);
    for r in all_rows(out) {
        let status = match &r.error {
            Some(e) if r.status != "ok" => format!("{}: {}", r.status, excerpt(e, 60)),
            _ => r.status.to_string(),
        };
        t.add_row(vec![
            r.provider.clone(),
            r.model.clone(),
            status,
            format!("{} ms", r.latency.as_millis()),
            r.usage.input_tokens.to_string(),
            r.usage.output_tokens.to_string(),
            cost_text(r.cost),
            vote_text(&r.vote),
        ]);
    }
    let (usage, cost) = totals(out);
    let agreement = match out.agreement {
        Some((w, n)) => format!("W = {w:.2} ({n} rankings)"),
        None => String::new(),
    };
    t.add_row(vec![
        "total".to_string(),
        String::new(),
        format!("{}/{} answered", out.responded, out.rows.len()),
        format!("{} ms", wall.as_millis()),
        usage.input_tokens.to_string(),
        usage.output_tokens.to_string(),
        cost_text(cost),
        agreement,
    ]);
    t
}

/// One spinner per call on a terminal (indicatif), nothing otherwise.
pub(super) struct Progress {
    pub(super) multi: Option<indicatif::MultiProgress>,
}

impl Progress {
    pub(super) fn new(ctx: &Ctx) -> Progress {
        Progress {
            multi: ctx
                .ui
                .progress_allowed()
                .then(indicatif::MultiProgress::new),
        }
    }

    pub(super) fn bar(&self, message: &str) -> Option<indicatif::ProgressBar> {
        let multi = self.multi.as_ref()?;
        Some(multi.add(crate::output::spinner(message)))
    }

    pub(super) fn clear(&self) {
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }
}
