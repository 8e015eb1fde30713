//! The budget rule (README "Budgets"), the same for every ledger backend
//! (docs/architecture.md, "ledger/"): given how a backend reads a cap's use this month,
//! fit a lone call to what its caps leave and check every cap the calls fall under. Each
//! backend runs it inside its own serialised transaction.

use super::{Cap, Headroom, Refusal, Reservation, Unit, amount, caps_for, month_name};
use crate::error::Result;
use crate::profile::Profile;

/// A cap's headroom from what settled calls used and what calls in flight reserved.
pub(crate) fn headroom_of(cap: &Cap, month: &str, (spent, reserved): (f64, f64)) -> Headroom {
    Headroom {
        scope: cap.scope.clone(),
        unit: cap.unit,
        cap: cap.limit,
        spent,
        reserved,
        left: (cap.limit - spent - reserved).max(0.0),
        month: month.to_string(),
    }
}

/// What the budget rule decided for a group of calls.
pub(crate) enum Decision {
    Go {
        warnings: Vec<String>,
        fitted: Vec<Option<u64>>,
    },
    Refused(Refusal),
}

/// How a backend reads a cap's use this month: `(settled, reserved)`.
pub(crate) type SpentFn<'a> = dyn FnMut(&Cap, &str) -> Result<(f64, f64)> + 'a;

/// The budget rule, the same for every backend (docs/architecture.md, "ledger/"): run
/// inside the backend's serialised transaction, it fits a lone call without a chosen
/// `--max-tokens` to what its caps leave, then checks every cap the calls fall under
/// against the month's use plus what they add. `calls` comes back as it is to be inserted.
pub(crate) fn decide(
    spent: &mut SpentFn,
    profile: &Profile,
    calls: &mut [Reservation],
    month: &str,
) -> Result<Decision> {
    let mut fitted = vec![None; calls.len()];
    if let [call] = &mut *calls
        && let Some(output) = fit(spent, profile, call, month)?
    {
        if let (Some(est), Some(prompt)) = (call.est_usd, call.prompt_usd) {
            let per_token = (est - prompt) / call.estimate.output_tokens as f64;
            call.est_usd = Some(prompt + per_token * output as f64);
        }
        call.estimate.output_tokens = output;
        fitted[0] = Some(output);
    }
    // What these calls add to each cap they fall under.
    let mut demand: Vec<(Cap, f64, bool)> = Vec::new();
    for c in calls.iter() {
        for cap in caps_for(profile, c.row.provider, c.row.tag.route.as_deref()) {
            let (need, unpriced) = match cap.unit {
                Unit::Tokens => (
                    (c.estimate.input_tokens + c.estimate.output_tokens) as f64,
                    false,
                ),
                Unit::Usd => (c.est_usd.unwrap_or(0.0), c.est_usd.is_none()),
            };
            match demand.iter_mut().find(|(d, _, _)| *d == cap) {
                Some(entry) => {
                    entry.1 += need;
                    entry.2 |= unpriced;
                }
                None => demand.push((cap, need, unpriced)),
            }
        }
    }
    let default_allowance: Option<f64> = match &*calls {
        [c] if c.fit_floor.is_some() => Some(c.estimate.output_tokens as f64),
        _ => None,
    };
    let mut warnings = Vec::new();
    for (cap, need, unpriced) in &demand {
        let headroom = headroom_of(cap, month, spent(cap, month)?);
        if *unpriced || headroom.spent + headroom.reserved + need > cap.limit {
            let other = match demand
                .iter()
                .find(|(c, _, _)| c.scope == cap.scope && c.unit != cap.unit)
            {
                Some((c, _, _)) => Some(headroom_of(c, month, spent(c, month)?)),
                None => None,
            };
            return Ok(Decision::Refused(Refusal {
                headroom,
                needed: *need,
                default_allowance: default_allowance.filter(|_| cap.unit == Unit::Tokens),
                unpriced: *unpriced,
                other,
            }));
        }
        // Settled spend and this call: calls in flight of other processes may still
        // settle lower than they reserved.
        let used = headroom.spent + need;
        if used >= 0.8 * cap.limit {
            warnings.push(format!(
                "the {} budget for {} is {:.0}% used by settled calls and this one: {} of {}",
                cap.scope,
                month_name(month),
                100.0 * used / cap.limit,
                amount(cap.unit, used),
                amount(cap.unit, cap.limit)
            ));
        }
    }
    Ok(Decision::Go { warnings, fitted })
}

/// The output tokens `call` can have under every cap it falls under, when that is less
/// than it asks for but at least its floor; `None` when it fits as it is, or cannot be
/// fitted (the check that follows refuses it).
fn fit(
    spent: &mut SpentFn,
    profile: &Profile,
    call: &Reservation,
    month: &str,
) -> Result<Option<u64>> {
    let Some(floor) = call.fit_floor else {
        return Ok(None);
    };
    let asked = call.estimate.output_tokens;
    let input = call.estimate.input_tokens as f64;
    let mut room = asked as f64;
    for cap in caps_for(profile, call.row.provider, call.row.tag.route.as_deref()) {
        let left = headroom_of(&cap, month, spent(&cap, month)?).left;
        let room_here = match (cap.unit, call.est_usd, call.prompt_usd) {
            (Unit::Tokens, _, _) => left - input,
            (Unit::Usd, Some(est), Some(prompt)) if asked > 0 && est > prompt => {
                (left - prompt) / ((est - prompt) / asked as f64)
            }
            _ => continue,
        };
        room = room.min(room_here.floor());
    }
    Ok((room < asked as f64 && room >= floor as f64).then_some(room as u64))
}
