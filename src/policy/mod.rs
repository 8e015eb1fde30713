//! The walk of a call (DESIGN.md §4), shared by `run` and `council`: for each candidate
//! of the route's chain, allowlist → key → budget → health; then the call, retried on
//! retryable failures with exponential backoff and full jitter (honouring Retry-After up
//! to 30 s); then the next candidate. Every attempt is reported.

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
use crate::prices::{self, PriceTable};
use crate::profile::{LoadedProfile, Profile};
use crate::providers::Provider;
use crate::providers::chat::{self, Cancel, ChatFailure, ChatRequest, ChatResult, Sink, Usage};
use crate::providers::failure::{Failure, FailureClass};
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
    /// Skipped for configuration: not allowed, no key.
    Config,
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
/// applies to (it is reported); under a budget it refuses the call, because a cap that
/// cannot be checked is not a cap.
pub fn open_ledger(ctx: &crate::commands::Ctx) -> Result<Option<Ledger>, Error> {
    match Ledger::open(&ctx.paths) {
        Ok(l) => Ok(Some(l)),
        Err(e) if budget::all_caps(&ctx.profile()?.profile).is_empty() => {
            ctx.ui.warn(&format!("{e}; this call is not recorded"));
            Ok(None)
        }
        Err(Error::LedgerUnavailable { path, detail }) => Err(Error::LedgerUnavailable {
            path,
            detail: format!(
                "{detail}; a budget is set, and a cap that cannot be checked is not a cap, so the call was not made"
            ),
        }),
        Err(e) => Err(e),
    }
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

/// A candidate that passed the checks, with its key.
struct Ready {
    candidate: Candidate,
    key: Option<ResolvedKey>,
    degraded: bool,
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
        let mut ready = Vec::new();
        for candidate in &plan.candidates {
            match self.check(plan, candidate) {
                Ok(r) => ready.push(r),
                Err(skip) => attempts.push(skip),
            }
        }
        // Healthy candidates first, in chain order; degraded ones only when no healthy
        // candidate is left.
        let any_healthy = ready.iter().any(|r| !r.degraded);
        let (healthy, degraded): (Vec<Ready>, Vec<Ready>) =
            ready.into_iter().partition(|r| !r.degraded);
        for r in &degraded {
            if any_healthy {
                attempts.push(skipped(
                    &r.candidate,
                    AttemptClass::Degraded,
                    "degraded after recent failures; tried again after the cooldown",
                ));
            }
        }
        let order: Vec<Ready> = if any_healthy { healthy } else { degraded };

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
            let mut tries = 0u32;
            loop {
                let row = match self.reserve(&r.candidate, label.as_deref(), &request) {
                    Ok(row) => row,
                    Err(skip) => {
                        attempts.push(skip);
                        break;
                    }
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
                        return Err(Error::Interrupted);
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
                                _ = self.cancel.cancelled() => return Err(Error::Interrupted),
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
    ) -> Result<Option<i64>, Attempt> {
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
            }],
        ) {
            Ok(Reserved::Rows { ids, warnings }) => {
                self.warnings.borrow_mut().extend(warnings);
                Ok(ids.first().copied())
            }
            Ok(Reserved::Refused(refusal)) => {
                Err(skipped(c, AttemptClass::Budget, &refusal.describe()))
            }
            Err(e) => {
                output::verbose(&format!("could not write the ledger: {e}"));
                Ok(None)
            }
        }
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
            })
            .collect();
        match ledger.reserve(self.profile, &reservations)? {
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
            Err(f) if f.failure.class == FailureClass::Interrupted => {
                ("interrupted", Some("interrupted"), &*f.partial)
            }
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

    /// Allowlist → key → budget → health, without any network.
    fn check(&self, plan: &Plan, c: &Candidate) -> Result<Ready, Attempt> {
        if !plan.allows(c.provider.id()) {
            return Err(skipped(
                c,
                AttemptClass::Config,
                &format!("{} is not in the profile's allowlist", c.provider.id()),
            ));
        }
        let key = match self.keys.lookup(&c.provider, c.key_label.as_deref()) {
            Ok(k) => k,
            Err(e) => return Err(skipped(c, AttemptClass::Config, &e.to_string())),
        };
        if key.is_none() && c.provider.spec.key == crate::providers::KeyNeed::Required {
            let what = match &c.key_label {
                Some(l) => format!("no {} key labelled `{l}` is configured", c.provider.id()),
                None => format!("no {} key is configured", c.provider.id()),
            };
            return Err(skipped(c, AttemptClass::Config, &what));
        }
        if key.is_some() && !c.provider.may_send_key() {
            return Err(skipped(
                c,
                AttemptClass::Config,
                &format!(
                    "refusing to send a key over plain HTTP to {}",
                    c.provider.base_url
                ),
            ));
        }
        let health = self.ledger.and_then(|l| l.health(c.provider.id()).ok());
        Ok(Ready {
            candidate: c.clone(),
            key,
            degraded: health.as_ref().is_some_and(Health::is_degraded),
            failing: health.is_some_and(|h| h != Health::Healthy),
        })
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
            let mut e = crate::commands::run::call_failed(
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
        || attempts[0].class != Some(AttemptClass::Config)
    {
        return None;
    }
    let c = &plan.candidates[0];
    if !attempts[0]
        .error
        .as_deref()
        .unwrap_or("")
        .starts_with("no ")
    {
        return None;
    }
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
