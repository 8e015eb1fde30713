//! What a council without a decision tells a person: who failed and why, the exit code
//! (7 for a vote without a majority, the members' own when they all failed alike).

use super::rows::one_line;
use super::{Council, Row};
use crate::error::{Error, exit};
use crate::voting::{Mode, NoDecision};

impl Council<'_> {
    /// The exit-7 error for a vote that reached no decision, naming who failed and why.
    pub(super) fn undecided(&self, rows: &[Row], nd: &NoDecision) -> Error {
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
pub(super) fn same_failure(rows: &[Row]) -> Option<Error> {
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

pub(super) fn nobody_answered(mode: Mode, rows: &[Row]) -> Error {
    if let Some(e) = same_failure(rows) {
        return e;
    }
    debug_assert_eq!(mode, Mode::First);
    no_answer_error(rows, exit::PROVIDER_FAILED)
}

pub(super) fn no_answer_error(rows: &[Row], code: i32) -> Error {
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
pub(super) fn excerpt(text: &str, max: usize) -> String {
    let flat = one_line(text);
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    format!("{cut}…")
}
