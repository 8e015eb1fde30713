//! The walk of a call (DESIGN.md §4), shared by `run` and `council`: for each candidate
//! of the route's chain, allowlist → key → budget → health; then the call, retried on
//! retryable failures with exponential backoff and full jitter (honouring Retry-After up
//! to 30 s); then the next candidate. Every attempt is reported.

pub mod candidates;
pub mod plan;
pub mod retry;

use std::time::{Duration, Instant};

use serde::Serialize;

use std::cell::RefCell;

use crate::error::{Error, exit};
use crate::keys::{Keys, ResolvedKey};
use crate::ledger::Ledger;
use crate::ledger::budget::{self, Reservation, Reserved};
use crate::ledger::events::{CallRow, CallTag, Settlement};
use crate::ledger::health::Health;
use crate::output;
use crate::paths::Paths;
use crate::prices::{self, PriceTable};
use crate::profile::{LoadedProfile, Profile};
use crate::providers::Provider;
use crate::providers::chat::{
    self, Cancel, Canceller, ChatFailure, ChatRequest, ChatResult, Sink, Stop, Usage,
};
use crate::providers::failure::{Failure, FailureClass};
use candidates::{Facts, KeyState, Skip, Verdict};
pub use plan::{Candidate, Plan};

/// What happened to one candidate (or one try of it).
#[derive(Clone, Debug, Serialize)]
pub struct Attempt {
    pub provider: String,
    pub model: String,
    /// `ok`, `failed` or `skipped`.
    pub status: &'static str,
    pub error: Option<String>,
    #[serde(skip)]
    pub class: Option<AttemptClass>,
    #[serde(skip)]
    pub latency: Option<Duration>,
    /// Usage of a failed try (a stream cut mid-way still used tokens).
    #[serde(skip)]
    pub partial: Option<Box<ChatResult>>,
}

/// Why an attempt did not produce the answer, for the exit code of the whole walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptClass {
    /// Skipped for configuration: not allowed, the vault unreadable, plain HTTP.
    Config,
    /// Skipped: no key for the provider (and label).
    NoKey,
    /// Skipped: the budget cannot cover it.
    Budget,
    /// Skipped: degraded while a healthy candidate remained.
    Degraded,
    /// The provider said no to the key.
    KeyRejected,
    /// Anything else the provider or the network did.
    Failed,
}

/// A successful walk.
pub struct Success {
    pub candidate: Candidate,
    pub key: Option<ResolvedKey>,
    pub result: ChatResult,
    pub attempts: Vec<Attempt>,
    pub latency: Duration,
}

/// What the walk needs besides the plan.
pub struct Walker<'a> {
    pub client: &'a reqwest::Client,
    pub keys: &'a Keys,
    /// Where attempts, health and budgets are kept; `None` when it cannot be opened and
    /// no budget applies (a call is never blocked by a ledger it does not need).
    pub ledger: Option<&'a Ledger>,
    pub profile: &'a Profile,
    pub profile_path: std::path::PathBuf,
    pub prices: &'a PriceTable,
    pub retry: retry::RetryPolicy,
    pub tag: CallTag,
    pub cancel: Cancel,
    /// Reservations made ahead, by provider and model (a council reserves every call it
    /// will make before it starts); taken before reserving anew.
    pub prepaid: RefCell<Vec<(String, String, i64)>>,
    /// Budget warnings (80 % used) and what providers sent wrong without failing the
    /// call, for the caller to show.
    pub warnings: RefCell<Vec<String>>,
}

impl<'a> Walker<'a> {
    /// A walker for calls of `route` in the active profile, recording into `ledger`.
    pub fn new(
        client: &'a reqwest::Client,
        keys: &'a Keys,
        ledger: Option<&'a Ledger>,
        profile: &'a LoadedProfile,
        prices: &'a PriceTable,
        route: Option<String>,
        cancel: Cancel,
    ) -> Walker<'a> {
        Walker {
            client,
            keys,
            ledger,
            profile: &profile.profile,
            profile_path: profile.path.clone(),
            prices,
            retry: retry::RetryPolicy::from_env(),
            tag: CallTag {
                profile: profile.name.clone(),
                route,
                council_id: None,
            },
            cancel,
            prepaid: RefCell::new(Vec::new()),
            warnings: RefCell::new(Vec::new()),
        }
    }
}

/// The ledger for a call. One that cannot be opened never blocks a call that no budget
/// applies to (`warn` reports it); under a budget it refuses the call, because a cap that
/// cannot be checked is not a cap.
pub fn open_ledger(
    paths: &Paths,
    profile: &Profile,
    warn: &mut dyn FnMut(&str),
) -> Result<Option<Ledger>, Error> {
    match Ledger::open(paths) {
        Ok(l) => Ok(Some(l)),
        Err(e) if budget::all_caps(profile).is_empty() => {
            warn(&format!("{e}; this call is not recorded"));
            Ok(None)
        }
        Err(Error::LedgerUnavailable { path, detail }) => {
            Err(Error::BudgetUnchecked { path, detail })
        }
        Err(e) => Err(e),
    }
}

/// Turns a failed call into the message a person reads and the exit code scripts read.
pub fn call_failed(
    provider: &Provider,
    model: &str,
    label: Option<&str>,
    f: &ChatFailure,
) -> Error {
    let (mut message, hint) = f.failure.explain(provider, model, label);
    if !f.partial.text.is_empty() {
        message.push_str(" The part of the answer that arrived was printed above.");
    }
    Error::CallFailed {
        message,
        hint,
        code: f.failure.class.exit_code(),
    }
}

/// Drives `work` (a walk, a council) to its end. A signal (SIGINT, SIGTERM, SIGHUP) or
/// the `deadline` first stops its calls through `canceller`, then lets it finish, so what
/// the calls used is settled in the ledger before byok exits.
pub async fn until_stopped<F: std::future::Future>(
    work: F,
    canceller: &Canceller,
    deadline: Option<Duration>,
) -> F::Output {
    let mut signals = crate::signals::Signals::listen();
    tokio::pin!(work);
    let limit = async {
        match deadline {
            Some(d) => {
                tokio::time::sleep(d).await;
                d
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        out = &mut work => return out,
        signal = signals.recv() => canceller.stop(Stop::Signal(signal)),
        limit = limit => canceller.stop(Stop::Deadline(limit)),
    }
    work.await
}

/// The price table with the profile's overrides.
pub fn price_table(profile: &Profile) -> PriceTable {
    PriceTable::embedded().with_overrides(profile.prices.clone())
}

/// Output tokens asked for when a budget applies and the user set no `--max-tokens`:
/// the reservation must be an upper bound, so the request carries the limit it assumed.
pub const BUDGET_MAX_TOKENS: u32 = 4096;
/// Prompt tokens never exceed the prompt's bytes; the chat template adds a few.
const TEMPLATE_TOKENS: u64 = 64;

/// An upper bound of a request's usage, for budget reservations.
pub fn estimate(req: &ChatRequest) -> Usage {
    let prompt = req.prompt.len() + req.system.as_ref().map_or(0, String::len);
    Usage {
        input_tokens: prompt as u64 + TEMPLATE_TOKENS,
        output_tokens: req.max_tokens.unwrap_or(BUDGET_MAX_TOKENS) as u64,
        ..Usage::default()
    }
}

/// Why a try has no ledger row: skipped (its budget is spent) or the whole call refused.
enum NotReserved {
    Skip(Attempt),
    Refuse(Error),
}

/// A candidate that passed the checks, with its key.
struct Ready {
    candidate: Candidate,
    key: Option<ResolvedKey>,
    /// The provider has a health record (recent failures) that a success must clear.
    failing: bool,
}

impl Walker<'_> {
    /// Walks `plan`. `can_replay` says whether text already given to `sink` may be
    /// discarded (JSON output, a council member): then a failure after some text may still
    /// be retried or fall back; on a terminal it may not, or the answer would repeat.
    pub async fn call(
        &self,
        plan: &Plan,
        req: &ChatRequest,
        sink: &mut Sink<'_>,
        can_replay: bool,
    ) -> Result<Success, Error> {
        let started = Instant::now();
        let mut attempts = Vec::new();
        let order = self.judge(plan, &mut attempts);
        for r in order {
            let mut request = req.clone();
            request.model = r.candidate.model.clone();
            let caps = budget::caps_for(
                self.profile,
                r.candidate.provider.id(),
                self.tag.route.as_deref(),
            );
            if !caps.is_empty() && request.max_tokens.is_none() {
                request.max_tokens = Some(BUDGET_MAX_TOKENS);
            }
            let secret = r.key.as_ref().map(|k| crate::secret::expose(&k.secret));
            let label = r.key.as_ref().map(|k| k.origin.label().to_string());
            if secret.is_some() {
                crate::providers::warn_if_plain_http(
                    &r.candidate.provider,
                    Some(&self.profile_path),
                );
            }
            let mut tries = 0u32;
            loop {
                let row = match self.reserve(&r.candidate, label.as_deref(), &request) {
                    Ok(row) => row,
                    Err(NotReserved::Skip(skip)) => {
                        attempts.push(skip);
                        break;
                    }
                    Err(NotReserved::Refuse(e)) => return Err(e),
                };
                let t0 = Instant::now();
                let mut emitted = false;
                let outcome = {
                    let mut counting = |d: &str| {
                        emitted |= !d.is_empty();
                        sink(d)
                    };
                    chat::chat(
                        self.client,
                        &r.candidate.provider,
                        secret,
                        &request,
                        &mut counting,
                        &self.cancel,
                    )
                    .await
                };
                self.settle(row, &r.candidate, label.as_deref(), &outcome, t0.elapsed());
                self.note_warnings(&r.candidate, &outcome);
                match outcome {
                    Ok(result) => {
                        if r.failing {
                            self.record_health(&r.candidate.provider, None);
                        }
                        attempts.push(Attempt {
                            provider: r.candidate.provider.id().to_string(),
                            model: r.candidate.model.clone(),
                            status: "ok",
                            error: None,
                            class: None,
                            latency: Some(t0.elapsed()),
                            partial: None,
                        });
                        return Ok(Success {
                            candidate: r.candidate,
                            key: r.key,
                            result,
                            attempts,
                            latency: started.elapsed(),
                        });
                    }
                    Err(f) if chat::is_sink_closed(&f) => return Err(Error::StdoutClosed),
                    Err(f) if f.failure.class == FailureClass::Interrupted => {
                        attempts.push(failed(&r.candidate, &f, t0.elapsed()));
                        return Err(self.stopped(&r.candidate, !f.partial.text.is_empty()));
                    }
                    Err(f) => {
                        let class = f.failure.class;
                        attempts.push(failed(&r.candidate, &f, t0.elapsed()));
                        if emitted && !can_replay {
                            // Part of this answer is on the user's screen: stop here.
                            self.record_health(&r.candidate.provider, Some(&f.failure));
                            return Err(self.give_up(plan, &attempts, Some((&r, &f))));
                        }
                        let wait = self.retry.wait_before_retry(tries, &f.failure);
                        if let Some(wait) = wait {
                            tries += 1;
                            output::verbose(&format!(
                                "{} failed ({}); retry {tries} in {} ms",
                                r.candidate.provider.id(),
                                f.failure.describe(),
                                wait.as_millis()
                            ));
                            tokio::select! {
                                _ = tokio::time::sleep(wait) => {}
                                _ = self.cancel.cancelled() => {
                                    return Err(self.stopped(&r.candidate, emitted));
                                }
                            }
                            continue;
                        }
                        if class.retryable() || class == FailureClass::StreamCut {
                            self.record_health(&r.candidate.provider, Some(&f.failure));
                        }
                        if plan.candidates.len() == 1 {
                            return Err(self.give_up(plan, &attempts, Some((&r, &f))));
                        }
                        break;
                    }
                }
            }
        }
        Err(self.give_up(plan, &attempts, None))
    }

    /// The ledger row for one try: a prepaid reservation, or a new one that every budget
    /// it falls under can cover. `Ok(None)` when there is no ledger to write to.
    fn reserve(
        &self,
        c: &Candidate,
        label: Option<&str>,
        req: &ChatRequest,
    ) -> Result<Option<i64>, NotReserved> {
        let id = c.provider.id();
        {
            let mut prepaid = self.prepaid.borrow_mut();
            if let Some(at) = prepaid
                .iter()
                .position(|(p, m, _)| p == id && *m == c.model)
            {
                return Ok(Some(prepaid.remove(at).2));
            }
        }
        let Some(ledger) = self.ledger else {
            return Ok(None);
        };
        let estimate = estimate(req);
        let est_usd = self.estimate_usd(c, &estimate);
        let prompt_usd = self.prompt_usd(c, &estimate);
        let row = CallRow {
            tag: &self.tag,
            provider: id,
            model: &c.model,
            key_label: label,
        };
        match ledger.reserve(
            self.profile,
            &[Reservation {
                row,
                estimate,
                est_usd,
                prompt_usd,
            }],
        ) {
            Ok(Reserved::Rows { ids, warnings }) => {
                self.warnings.borrow_mut().extend(warnings);
                Ok(ids.first().copied())
            }
            Ok(Reserved::Refused(refusal)) => Err(NotReserved::Skip(skipped(
                c,
                AttemptClass::Budget,
                &refusal.describe(),
            ))),
            Err(e) => {
                let capped =
                    !budget::caps_for(self.profile, id, self.tag.route.as_deref()).is_empty();
                self.unrecorded(capped, e).map_err(NotReserved::Refuse)?;
                Ok(None)
            }
        }
    }

    /// A ledger that could not take a reservation: under a budget the call is refused,
    /// because a cap that cannot be checked is not a cap; without one the call goes ahead
    /// unrecorded, and says so once.
    fn unrecorded(&self, capped: bool, e: Error) -> Result<(), Error> {
        if capped {
            return Err(match e {
                Error::LedgerUnavailable { path, detail } => {
                    Error::BudgetUnchecked { path, detail }
                }
                other => Error::BudgetUnchecked {
                    path: "ledger.sqlite3".into(),
                    detail: other.to_string(),
                },
            });
        }
        let mut warnings = self.warnings.borrow_mut();
        let warning = format!("{e}; this call is not recorded");
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
        Ok(())
    }

    /// Reserves every call of a group at once (a council: members, rankings, chair), so
    /// it cannot half-run into a cap; each later try of the same provider and model uses
    /// one of these rows. A refusal names the cap.
    pub fn reserve_ahead(&self, calls: &[(Candidate, ChatRequest)]) -> Result<(), Error> {
        let Some(ledger) = self.ledger else {
            return Ok(());
        };
        let prepared: Vec<(&Candidate, Usage, Option<f64>)> = calls
            .iter()
            .map(|(c, req)| {
                let mut req = req.clone();
                let caps =
                    budget::caps_for(self.profile, c.provider.id(), self.tag.route.as_deref());
                if !caps.is_empty() && req.max_tokens.is_none() {
                    req.max_tokens = Some(BUDGET_MAX_TOKENS);
                }
                let est = estimate(&req);
                let usd = self.estimate_usd(c, &est);
                (c, est, usd)
            })
            .collect();
        let reservations: Vec<Reservation> = prepared
            .iter()
            .map(|(c, est, usd)| Reservation {
                row: CallRow {
                    tag: &self.tag,
                    provider: c.provider.id(),
                    model: &c.model,
                    key_label: None,
                },
                estimate: *est,
                est_usd: *usd,
                prompt_usd: self.prompt_usd(c, est),
            })
            .collect();
        let outcome = match ledger.reserve(self.profile, &reservations) {
            Ok(outcome) => outcome,
            Err(e) => {
                let capped = calls.iter().any(|(c, _)| {
                    !budget::caps_for(self.profile, c.provider.id(), self.tag.route.as_deref())
                        .is_empty()
                });
                return self.unrecorded(capped, e);
            }
        };
        match outcome {
            Reserved::Rows { ids, warnings } => {
                self.warnings.borrow_mut().extend(warnings);
                let mut prepaid = self.prepaid.borrow_mut();
                for ((c, _, _), id) in prepared.iter().zip(ids) {
                    prepaid.push((c.provider.id().to_string(), c.model.clone(), id));
                }
                Ok(())
            }
            Reserved::Refused(r) => Err(Error::BudgetSpent {
                message: format!(
                    "the council was not started, because its calls do not fit the budget: {}",
                    r.describe()
                ),
                path: self.profile_path.clone(),
            }),
        }
    }

    /// Gives back the reservations nobody used.
    pub fn release_unused(&self) {
        let ids: Vec<i64> = self
            .prepaid
            .borrow_mut()
            .drain(..)
            .map(|(_, _, id)| id)
            .collect();
        if let (Some(ledger), false) = (self.ledger, ids.is_empty())
            && let Err(e) = ledger.release(&ids)
        {
            output::verbose(&format!("could not release unused reservations: {e}"));
        }
    }

    /// What a call could cost at most, `None` for a model without a price.
    pub fn estimate_usd(&self, c: &Candidate, estimate: &Usage) -> Option<f64> {
        if prices::is_local(c.provider.id()) {
            return Some(0.0);
        }
        self.prices
            .lookup(c.provider.id(), &c.model)
            .map(|p| prices::estimate_usd(p, estimate.input_tokens, estimate.output_tokens))
    }

    /// What the prompt alone could cost: what a call abandoned by a dead process is charged.
    fn prompt_usd(&self, c: &Candidate, estimate: &Usage) -> Option<f64> {
        let prompt = Usage {
            output_tokens: 0,
            ..*estimate
        };
        self.estimate_usd(c, &prompt)
    }

    /// Replaces a reservation with what the try really used (a failed or interrupted
    /// stream's partial usage included).
    fn settle(
        &self,
        row: Option<i64>,
        c: &Candidate,
        label: Option<&str>,
        outcome: &Result<ChatResult, ChatFailure>,
        latency: Duration,
    ) {
        let (Some(ledger), Some(id)) = (self.ledger, row) else {
            return;
        };
        let (status, class, result) = match outcome {
            Ok(r) => ("ok", None, r),
            Err(f) if f.failure.class == FailureClass::Interrupted => match self.cancel.reason() {
                Some(Stop::Deadline(_)) => ("failed", Some("timeout"), &*f.partial),
                _ => ("interrupted", Some("interrupted"), &*f.partial),
            },
            Err(f) => ("failed", Some(f.failure.class.as_str()), &*f.partial),
        };
        let cost = call_cost(self.prices, &c.provider, &c.model, result);
        let settlement = Settlement {
            status,
            error_class: class,
            usage: result.usage,
            cost,
            latency_ms: latency.as_millis() as u64,
            ttft_ms: result.ttft.map(|t| t.as_millis() as u64),
            key_label: label,
        };
        if let Err(e) = ledger.settle(id, &settlement) {
            output::verbose(&format!("could not record the call in the ledger: {e}"));
        }
    }

    /// What the provider sent wrong without failing the call (an impossible usage, an
    /// answer with no choices), for the caller to show once.
    fn note_warnings(&self, c: &Candidate, outcome: &Result<ChatResult, ChatFailure>) {
        let result = match outcome {
            Ok(r) => r,
            Err(f) => &*f.partial,
        };
        let mut warnings = self.warnings.borrow_mut();
        for w in &result.warnings {
            let w = format!("{}:{}: {w}", c.provider.id(), c.model);
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
    }

    /// The error for a walk its canceller stopped: a signal is an interruption (exit
    /// 128+N); `--timeout` is a failed call (exit 6) whose partial answer stays printed.
    fn stopped(&self, c: &Candidate, some_text: bool) -> Error {
        match self.cancel.reason() {
            Some(Stop::Deadline(limit)) => {
                let mut message = format!(
                    "the call to {}:{} ran past its time limit of {} (--timeout or BYOK_TIMEOUT), so byok stopped it.",
                    c.provider.id(),
                    c.model,
                    crate::duration::format(limit)
                );
                if some_text {
                    message.push_str(" The part of the answer that arrived was printed above.");
                }
                Error::CallFailed {
                    message,
                    hint: "allow it longer (--timeout 10m), or ask for a shorter answer: --max-tokens N".into(),
                    code: exit::PROVIDER_FAILED,
                }
            }
            Some(Stop::Signal(signal)) => Error::Interrupted { signal },
            Some(Stop::Cancelled) | None => Error::Interrupted {
                signal: exit::INTERRUPTED - 128,
            },
        }
    }

    /// The candidates to try, in order, by the one candidate rule ([`candidates`]); the
    /// ones it skips are reported in `attempts`. No network: the vault and the ledger's
    /// health table only.
    fn judge(&self, plan: &Plan, attempts: &mut Vec<Attempt>) -> Vec<Ready> {
        let mut keys = Vec::new();
        let mut facts = Vec::new();
        for c in &plan.candidates {
            let allowed = plan.allows(c.provider.id());
            // A candidate the allowlist refuses never unlocks the vault.
            let (key, state) = if !allowed {
                (None, KeyState::NotNeeded)
            } else {
                match self.keys.lookup(&c.provider, c.key_label.as_deref()) {
                    Ok(Some(k)) => (Some(k), KeyState::Present),
                    Ok(None) if c.provider.spec.key == crate::providers::KeyNeed::Required => {
                        (None, KeyState::Missing)
                    }
                    Ok(None) => (None, KeyState::NotNeeded),
                    Err(e) => (None, KeyState::Unknown(e.to_string())),
                }
            };
            let plain_http_to = (key.is_some() && !c.provider.may_send_key())
                .then_some(c.provider.base_url.as_str());
            let health = self
                .ledger
                .and_then(|l| l.health(c.provider.id()).ok())
                .unwrap_or(Health::Healthy);
            facts.push(Facts {
                provider: c.provider.id(),
                label: c.key_label.as_deref(),
                profile: &plan.profile_name,
                allowed,
                key: state,
                plain_http_to,
                health,
            });
            keys.push(key);
        }
        let judgement = candidates::judge(&facts);
        for (c, verdict) in plan.candidates.iter().zip(&judgement.verdicts) {
            if let Verdict::Skipped { skip, why } = verdict {
                let class = match skip {
                    Skip::NoKey => AttemptClass::NoKey,
                    Skip::Degraded => AttemptClass::Degraded,
                    Skip::NotAllowed | Skip::KeyUnknown | Skip::PlainHttp => AttemptClass::Config,
                };
                attempts.push(skipped(c, class, why));
            }
        }
        judgement
            .order
            .iter()
            .map(|&i| Ready {
                candidate: plan.candidates[i].clone(),
                key: keys[i].take(),
                failing: facts[i].health != Health::Healthy,
            })
            .collect()
    }

    fn record_health(&self, provider: &Provider, failure: Option<&Failure>) {
        let Some(ledger) = self.ledger else { return };
        let outcome = match failure {
            None => ledger
                .record_success(provider.id())
                .map(|_| Health::Healthy),
            Some(f) => ledger.record_failure(
                provider.id(),
                &f.describe(),
                self.profile.health.failures,
                self.profile.health.cooldown_secs,
            ),
        };
        if let Err(e) = outcome {
            output::verbose(&format!("could not record provider health: {e}"));
        }
    }

    /// The error for a walk that produced no answer, with the exit code of DESIGN.md §7.
    fn give_up(
        &self,
        plan: &Plan,
        attempts: &[Attempt],
        last: Option<(&Ready, &ChatFailure)>,
    ) -> Error {
        // A single candidate's own failure reads best in its own words.
        if let (Some((r, f)), 1) = (last, plan.candidates.len()) {
            let mut e = call_failed(
                &r.candidate.provider,
                &r.candidate.model,
                r.key.as_ref().map(|k| k.origin.label()),
                f,
            );
            if let Error::CallFailed { message, .. } = &mut e {
                let tries = attempts.iter().filter(|a| a.status == "failed").count();
                if tries > 1 {
                    message.push_str(&format!(" ({tries} tries)"));
                }
            }
            return e;
        }
        if let Some(single) = single_missing_key(plan, attempts) {
            return single;
        }
        if !attempts.is_empty()
            && attempts
                .iter()
                .all(|a| a.class == Some(AttemptClass::Budget))
        {
            let message = match attempts {
                [only] => only.error.clone().unwrap_or_default(),
                _ => attempts
                    .iter()
                    .map(|a| {
                        format!(
                            "{}:{} — {}",
                            a.provider,
                            a.model,
                            a.error.as_deref().unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n  "),
            };
            return Error::BudgetSpent {
                message,
                path: plan.profile_path.clone(),
            };
        }
        let classes: Vec<AttemptClass> = attempts.iter().filter_map(|a| a.class).collect();
        let tried: Vec<AttemptClass> = classes
            .iter()
            .copied()
            .filter(|c| matches!(c, AttemptClass::KeyRejected | AttemptClass::Failed))
            .collect();
        let code = if tried.is_empty() {
            if !classes.is_empty() && classes.iter().all(|c| *c == AttemptClass::Budget) {
                exit::BUDGET
            } else {
                exit::CONFIG
            }
        } else if tried.iter().all(|c| *c == AttemptClass::KeyRejected) {
            exit::KEY_REJECTED
        } else {
            exit::PROVIDER_FAILED
        };
        let subject = match &plan.route {
            Some(r) => format!("route `{r}`"),
            None => "the call".to_string(),
        };
        let mut message = format!("no candidate of {subject} produced an answer:");
        for a in attempts {
            message.push_str(&format!(
                "\n  {}:{} — {}{}",
                a.provider,
                a.model,
                a.status,
                a.error
                    .as_ref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ));
        }
        let hint = match code {
            exit::CONFIG => match &plan.route {
                Some(r) => format!("add the missing keys (byok key add <provider>), or point the route elsewhere: byok route set {r} <provider:model>"),
                None => "add a key: byok key add <provider>".into(),
            },
            exit::KEY_REJECTED => "check the keys with `byok key verify`, and replace a rejected one: byok key rotate <provider>".into(),
            _ => "try again shortly; `byok route show <route>` shows each candidate's health".into(),
        };
        Error::CallFailed {
            message,
            hint,
            code,
        }
    }
}

/// A route (or `-m`) whose only candidate has no key reads as the DESIGN.md §4 message.
fn single_missing_key(plan: &Plan, attempts: &[Attempt]) -> Option<Error> {
    if plan.candidates.len() != 1
        || attempts.len() != 1
        || attempts[0].class != Some(AttemptClass::NoKey)
    {
        return None;
    }
    let c = &plan.candidates[0];
    Some(Error::NoKey {
        provider: c.provider.id().to_string(),
        route: plan.route.clone(),
        label: c.key_label.clone(),
        env: c.provider.spec.key_env.first().map(|v| v.to_string()),
    })
}

/// What a call cost: the provider's own figure, the price table's, or unknown — and
/// unknown, never 0, when a remote provider reported no usage or one that cannot be true.
pub fn call_cost(
    table: &PriceTable,
    provider: &Provider,
    model: &str,
    result: &ChatResult,
) -> prices::Cost {
    if !result.usage_reported
        && result.provider_cost_usd.is_none()
        && !prices::is_local(provider.id())
    {
        if result.usage == Usage::default() && result.text.is_empty() && !result.usage_impossible {
            // Nothing was generated (a refused request): nothing was spent.
            return prices::Cost {
                usd: Some(0.0),
                source: prices::CostSource::PriceTable,
            };
        }
        return prices::Cost {
            usd: None,
            source: prices::CostSource::Unknown,
        };
    }
    prices::cost(
        table,
        provider,
        model,
        &result.usage,
        result.provider_cost_usd,
    )
}

fn skipped(c: &Candidate, class: AttemptClass, why: &str) -> Attempt {
    Attempt {
        provider: c.provider.id().to_string(),
        model: c.model.clone(),
        status: "skipped",
        error: Some(why.to_string()),
        class: Some(class),
        latency: None,
        partial: None,
    }
}

fn failed(c: &Candidate, f: &ChatFailure, latency: Duration) -> Attempt {
    let class = if f.failure.class.exit_code() == exit::KEY_REJECTED {
        AttemptClass::KeyRejected
    } else {
        AttemptClass::Failed
    };
    Attempt {
        provider: c.provider.id().to_string(),
        model: c.model.clone(),
        status: "failed",
        error: Some(f.failure.describe()),
        class: Some(class),
        latency: Some(latency),
        partial: Some(f.partial.clone()),
    }
}
