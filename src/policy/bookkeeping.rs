//! The walk's bookkeeping in the ledger: the upper bound a call reserves against its
//! budgets (a council reserves all its calls ahead), the settlement of each try with what
//! it really used, provider health, and what a call cost. A budget that cannot be checked
//! refuses the call (README "Budgets").

use std::time::Duration;

use super::{Attempt, AttemptClass, Candidate, Walker, skipped};
use crate::error::Error;
use crate::ledger::Ledger;
use crate::ledger::budget::{self, Reservation, Reserved};
use crate::ledger::events::{CallRow, Settlement};
use crate::ledger::health::Health;
use crate::output;
use crate::paths::Paths;
use crate::prices::{self, PriceTable};
use crate::profile::Profile;
use crate::providers::Provider;
use crate::providers::chat::{ChatFailure, ChatRequest, ChatResult, Stop, Usage};
use crate::providers::failure::{Failure, FailureClass};

/// Output tokens asked for when a budget applies and the user set no `--max-tokens`:
/// the reservation must be an upper bound, so the request carries the limit it assumed.
pub const BUDGET_MAX_TOKENS: u32 = 4096;

/// The fewest output tokens byok fits a call to when its budget has less left than the
/// default allowance; below this it refuses the call instead.
pub const FIT_FLOOR: u64 = 128;
/// Prompt tokens never exceed the prompt's bytes; the chat template adds a few.
const TEMPLATE_TOKENS: u64 = 64;

/// What a walk reserves a try for: how big the prompt is (its bytes, an upper bound of
/// its tokens) and the answer allowance asked for (`None`: none was asked).
#[derive(Clone, Copy, Debug)]
pub struct Ask {
    pub prompt_bytes: usize,
    pub max_tokens: Option<u32>,
}

impl Ask {
    /// What a [`ChatRequest`] asks for.
    pub fn of(req: &ChatRequest) -> Ask {
        Ask {
            prompt_bytes: req.prompt.len() + req.system.as_ref().map_or(0, String::len),
            max_tokens: req.max_tokens,
        }
    }
}

/// An upper bound of a request's usage, for budget reservations.
pub fn estimate(ask: &Ask) -> Usage {
    Usage {
        input_tokens: ask.prompt_bytes as u64 + TEMPLATE_TOKENS,
        output_tokens: ask.max_tokens.unwrap_or(BUDGET_MAX_TOKENS) as u64,
        ..Usage::default()
    }
}

/// Why a try has no ledger row: skipped (its budget is spent) or the whole call refused.
pub(super) enum NotReserved {
    Skip(Attempt),
    Refuse(Error),
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

/// The price table with the profile's overrides.
pub fn price_table(profile: &Profile) -> PriceTable {
    PriceTable::embedded().with_overrides(profile.prices.clone())
}

/// The ledger for a call. One that cannot be opened never blocks a call that no budget
/// applies to (`warn` reports it); under a budget it refuses the call, because a cap that
/// cannot be checked is not a cap.
pub fn open_ledger(
    paths: &Paths,
    profile: &Profile,
    warn: &mut dyn FnMut(&str),
) -> Result<Option<Ledger>, Error> {
    match Ledger::open_with(paths, profile) {
        Ok(l) => Ok(Some(l)),
        Err(e) if budget::all_caps(profile).is_empty() => {
            warn(&format!("{e}; this call is not recorded"));
            Ok(None)
        }
        Err(e) => Err(unchecked(e)),
    }
}

/// A ledger error under a budget: the budget could not be checked.
fn unchecked(e: Error) -> Error {
    match e {
        Error::LedgerUnavailable { path, detail } => Error::BudgetUnchecked { path, detail },
        Error::SharedLedgerUnavailable { url, detail } => {
            Error::SharedBudgetUnchecked { url, detail }
        }
        e @ (Error::BudgetUnchecked { .. } | Error::SharedBudgetUnchecked { .. }) => e,
        other => Error::BudgetUnchecked {
            path: "ledger.sqlite3".into(),
            detail: other.to_string(),
        },
    }
}

impl Walker<'_> {
    /// The ledger row for one try: a prepaid reservation, or a new one that every budget
    /// it falls under can cover. `Ok(None)` when there is no ledger to write to.
    ///
    /// When `fit` is set (the user chose no `--max-tokens`), a call whose default answer
    /// allowance does not fit its caps asks for what they leave instead (above
    /// [`FIT_FLOOR`]), and says so.
    pub(super) fn reserve(
        &self,
        c: &Candidate,
        label: Option<&str>,
        ask: &mut Ask,
        fit: bool,
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
        let estimate = estimate(ask);
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
                fit_floor: fit.then_some(FIT_FLOOR),
            }],
        ) {
            Ok(Reserved::Rows {
                ids,
                warnings,
                fitted,
            }) => {
                let mut shown = self.warnings.borrow_mut();
                shown.extend(warnings);
                if let Some(Some(output)) = fitted.first() {
                    ask.max_tokens = u32::try_from(*output).ok();
                    shown.push(format!(
                        "the budget has less left than byok's default answer allowance, so {id}:{} is asked for at most {output} output tokens (choose with --max-tokens)",
                        c.model
                    ));
                }
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
    pub(super) fn unrecorded(&self, capped: bool, e: Error) -> Result<(), Error> {
        if capped {
            return Err(unchecked(e));
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
                let mut ask = Ask::of(req);
                let caps =
                    budget::caps_for(self.profile, c.provider.id(), self.tag.route.as_deref());
                if !caps.is_empty() && ask.max_tokens.is_none() {
                    ask.max_tokens = Some(BUDGET_MAX_TOKENS);
                }
                let est = estimate(&ask);
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
                fit_floor: None,
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
            Reserved::Rows { ids, warnings, .. } => {
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
    pub(super) fn prompt_usd(&self, c: &Candidate, estimate: &Usage) -> Option<f64> {
        let prompt = Usage {
            output_tokens: 0,
            ..*estimate
        };
        self.estimate_usd(c, &prompt)
    }

    /// Replaces a reservation with what the try really used (a failed or interrupted
    /// stream's partial usage included).
    pub(super) fn settle(
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
    pub(super) fn note_warnings(&self, c: &Candidate, outcome: &Result<ChatResult, ChatFailure>) {
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

    pub(super) fn record_health(&self, provider: &Provider, failure: Option<&Failure>) {
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
}
