//! What a walk that produced no answer tells a person and a script: the message, the
//! `hint:` and the exit code of README "Exit codes", from the attempts it made.

use std::time::Duration;

use super::{Attempt, AttemptClass, Candidate, Plan, Ready, Walker};
use crate::error::{Error, exit};
use crate::keys::KeyOrigin;
use crate::providers::Provider;
use crate::providers::chat::{ChatFailure, Stop};
use crate::providers::failure::UsedKey;

/// Turns a failed call into the message a person reads and the exit code scripts read;
/// `shown`: what arrived went to the screen (not to JSON or a council).
pub fn call_failed(
    provider: &Provider,
    model: &str,
    used: UsedKey,
    f: &ChatFailure,
    shown: bool,
) -> Error {
    let (mut message, hint) = f.failure.explain(provider, model, used);
    if shown && !f.partial.text.is_empty() {
        message.push_str(" The part of the answer that arrived was printed above.");
    }
    Error::CallFailed {
        message,
        hint,
        code: f.failure.class.exit_code(),
    }
}

/// A route (or `-m`) whose only candidate has no key reads as the message of README "Profiles and routes".
pub(super) fn single_missing_key(
    plan: &Plan,
    attempts: &[Attempt],
    keys: &crate::keys::Keys,
) -> Option<Error> {
    if plan.candidates.len() != 1
        || attempts.len() != 1
        || attempts[0].class != Some(AttemptClass::NoKey)
    {
        return None;
    }
    let c = &plan.candidates[0];
    Some(Error::NoKey(Box::new(crate::error::MissingKey {
        provider: c.provider.id().to_string(),
        route: plan.route.clone(),
        label: c.key_label.clone(),
        env: c.provider.spec.key_env.first().map(|v| v.to_string()),
        labelled: keys.labels(c.provider.id()),
    })))
}

pub(super) fn skipped(c: &Candidate, class: AttemptClass, why: &str) -> Attempt {
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

pub(super) fn failed(c: &Candidate, f: &ChatFailure, latency: Duration) -> Attempt {
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

impl Walker<'_> {
    /// The error for a walk its canceller stopped: a signal is an interruption (exit
    /// 128+N); `--timeout` is a failed call (exit 6) whose partial answer stays printed.
    pub(super) fn stopped(&self, c: &Candidate, some_text: bool) -> Error {
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

    /// The error for a walk that produced no answer, with the exit code of README "Exit codes";
    /// `shown` as for [`call_failed`].
    pub(super) fn give_up(
        &self,
        plan: &Plan,
        attempts: &[Attempt],
        last: Option<(&Ready, &ChatFailure)>,
        shown: bool,
    ) -> Error {
        // A single candidate's own failure reads best in its own words.
        if let (Some((r, f)), 1) = (last, plan.candidates.len()) {
            let used = match r.key.as_ref().map(|k| &k.origin) {
                Some(KeyOrigin::Vault { label }) => UsedKey::Vault(label),
                Some(KeyOrigin::Env { var }) => UsedKey::Env(var),
                None => UsedKey::None,
            };
            let mut e = call_failed(&r.candidate.provider, &r.candidate.model, used, f, shown);
            if let Error::CallFailed { message, .. } = &mut e {
                let tries = attempts.iter().filter(|a| a.status == "failed").count();
                if tries > 1 {
                    message.push_str(&format!(" ({tries} tries)"));
                }
            }
            return e;
        }
        if let Some(single) = single_missing_key(plan, attempts, self.keys) {
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
