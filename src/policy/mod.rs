//! The walk of a call, shared by `run` and `council` (docs/architecture.md, "How a call
//! flows"): the one candidate rule ([`candidates`]) orders a route's chain; each candidate
//! is reserved against its budgets, called, retried on retryable failures with exponential
//! backoff and full jitter (honouring Retry-After up to 30 s), and settled; then the next
//! candidate. Every attempt is reported. The ledger side is in `bookkeeping`, what a walk
//! without an answer says in `verdict`.

mod bookkeeping;
pub mod candidates;
pub mod plan;
pub mod retry;
mod verdict;

use std::time::{Duration, Instant};

use serde::Serialize;

use std::cell::RefCell;

use crate::error::Error;
use crate::keys::{Keys, ResolvedKey};
use crate::ledger::Ledger;
use crate::ledger::budget::{self};
use crate::ledger::events::CallTag;
use crate::ledger::health::Health;
use crate::output;
use crate::prices::PriceTable;
use crate::profile::{LoadedProfile, Profile};
use crate::providers::chat::{
    self, Cancel, Canceller, ChatFailure, ChatRequest, ChatResult, Sink, Stop,
};
use crate::providers::failure::FailureClass;
use bookkeeping::NotReserved;
pub use bookkeeping::{Ask, BUDGET_MAX_TOKENS, call_cost, open_ledger, price_table};
use candidates::{Facts, KeyState, Skip, Verdict};
use futures_util::future::LocalBoxFuture;
pub use plan::{Candidate, Plan};
use verdict::{failed, skipped};

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

/// A walk that produced no answer: its error, and every attempt it made (a failed try
/// with what arrived of it), for `run --json` to report.
pub struct Failed {
    pub error: Error,
    pub attempts: Vec<Attempt>,
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
                detail: None,
                client: None,
            },
            cancel,
            prepaid: RefCell::new(Vec::new()),
            warnings: RefCell::new(Vec::new()),
        }
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

/// One try of a candidate, as the walk hands it to whoever makes the call: the
/// candidate, its key, and the answer allowance its reservation holds (the caller's own,
/// or the one a budget made it ask for).
pub struct Try<'t> {
    pub candidate: &'t Candidate,
    pub key: Option<&'t str>,
    pub max_tokens: Option<u32>,
    pub cancel: &'t Cancel,
}

/// What a try produced, and whether any of it already reached whoever waits for the
/// answer (then it is not retried nor replaced, unless the walk may replay).
pub struct Tried {
    pub outcome: Result<ChatResult, ChatFailure>,
    pub emitted: bool,
}

/// Makes the one call of a try: `run` and `council` send a [`ChatRequest`]
/// ([`Walker::walk`]), `serve` forwards what its client sent. Everything around the call
/// (reservation, settlement, retries, fallback, health) is the walk's, in one place.
pub trait Caller {
    fn call<'t>(&'t mut self, t: Try<'t>) -> LocalBoxFuture<'t, Tried>;
}

/// The caller of `run` and `council`: the request through `providers::chat`, its text
/// into `sink`.
struct ChatCaller<'c, 's, 'k> {
    client: &'c reqwest::Client,
    req: &'c ChatRequest,
    sink: &'s mut Sink<'k>,
}

impl Caller for ChatCaller<'_, '_, '_> {
    fn call<'t>(&'t mut self, t: Try<'t>) -> LocalBoxFuture<'t, Tried> {
        Box::pin(async move {
            let mut request = self.req.clone();
            request.model = t.candidate.model.clone();
            request.max_tokens = t.max_tokens;
            let mut emitted = false;
            let outcome = {
                let sink = &mut *self.sink;
                let mut counting = |d: &str| {
                    emitted |= !d.is_empty();
                    sink(d)
                };
                chat::chat(
                    self.client,
                    &t.candidate.provider,
                    t.key,
                    &request,
                    &mut counting,
                    t.cancel,
                )
                .await
            };
            Tried { outcome, emitted }
        })
    }
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
        self.walk(plan, req, sink, can_replay)
            .await
            .map_err(|f| f.error)
    }

    /// [`Walker::call`], keeping the attempts of a walk that produced no answer.
    pub async fn walk(
        &self,
        plan: &Plan,
        req: &ChatRequest,
        sink: &mut Sink<'_>,
        can_replay: bool,
    ) -> Result<Success, Failed> {
        let mut caller = ChatCaller {
            client: self.client,
            req,
            sink,
        };
        self.walk_with(plan, Ask::of(req), &mut caller, can_replay)
            .await
    }

    /// The walk with any [`Caller`]: `ask` is what each try is reserved for.
    pub async fn walk_with(
        &self,
        plan: &Plan,
        ask: Ask,
        caller: &mut impl Caller,
        can_replay: bool,
    ) -> Result<Success, Failed> {
        let mut attempts = Vec::new();
        match self
            .walk_into(plan, ask, caller, can_replay, &mut attempts)
            .await
        {
            Ok(success) => Ok(success),
            Err(error) => Err(Failed { error, attempts }),
        }
    }

    async fn walk_into(
        &self,
        plan: &Plan,
        asked: Ask,
        caller: &mut impl Caller,
        can_replay: bool,
        attempts: &mut Vec<Attempt>,
    ) -> Result<Success, Error> {
        let started = Instant::now();
        let order = self.judge(plan, attempts);
        for r in order {
            let mut ask = asked;
            let caps = budget::caps_for(
                self.profile,
                r.candidate.provider.id(),
                self.tag.route.as_deref(),
            );
            if !caps.is_empty() && ask.max_tokens.is_none() {
                ask.max_tokens = Some(BUDGET_MAX_TOKENS);
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
                let row = match self.reserve(
                    &r.candidate,
                    label.as_deref(),
                    &mut ask,
                    asked.max_tokens.is_none(),
                ) {
                    Ok(row) => row,
                    Err(NotReserved::Skip(skip)) => {
                        attempts.push(skip);
                        break;
                    }
                    Err(NotReserved::Refuse(e)) => return Err(e),
                };
                let t0 = Instant::now();
                let Tried { outcome, emitted } = caller
                    .call(Try {
                        candidate: &r.candidate,
                        key: secret,
                        max_tokens: ask.max_tokens,
                        cancel: &self.cancel,
                    })
                    .await;
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
                            attempts: std::mem::take(attempts),
                            latency: started.elapsed(),
                        });
                    }
                    Err(f) if chat::is_sink_closed(&f) => return Err(Error::StdoutClosed),
                    Err(f) if f.failure.class == FailureClass::Interrupted => {
                        attempts.push(failed(&r.candidate, &f, t0.elapsed()));
                        let shown = !can_replay && !f.partial.text.is_empty();
                        return Err(self.stopped(&r.candidate, shown));
                    }
                    Err(f) => {
                        let class = f.failure.class;
                        attempts.push(failed(&r.candidate, &f, t0.elapsed()));
                        if emitted && !can_replay {
                            // Part of this answer is on the user's screen: stop here.
                            self.record_health(&r.candidate.provider, Some(&f.failure));
                            return Err(self.give_up(plan, attempts, Some((&r, &f)), true));
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
                                    return Err(self.stopped(&r.candidate, emitted && !can_replay));
                                }
                            }
                            continue;
                        }
                        if class.retryable() || class == FailureClass::StreamCut {
                            self.record_health(&r.candidate.provider, Some(&f.failure));
                        }
                        if plan.candidates.len() == 1 {
                            return Err(self.give_up(plan, attempts, Some((&r, &f)), !can_replay));
                        }
                        break;
                    }
                }
            }
        }
        Err(self.give_up(plan, attempts, None, !can_replay))
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
}
