//! Hard monthly budgets (README "Budgets"), enforced by reservation: before a call its
//! estimated cost is written to the ledger as a `reserved` row inside an IMMEDIATE
//! transaction, after checking every cap it falls under against the month's rows
//! (reservations included). Concurrent byok processes serialise on that transaction, so
//! together they can never overshoot a cap; the row is settled with the real usage after.
//! The shared ledger applies the same rule ([`decide`]) under a lock row per scope and
//! month (`ledger/postgres/calls.rs`).

use rusqlite::params;

mod rule;

use super::Ledger;
pub use super::events::Reservation;
use super::events::month_and_day;
use crate::error::{Error, Result};
use crate::profile::Profile;
pub(crate) use rule::{Decision, decide, headroom_of};

/// One cap: what it covers and its limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Cap {
    /// `openai`, `route classify`, `total`.
    pub scope: String,
    pub unit: Unit,
    pub limit: f64,
}

impl Cap {
    /// How every backend counts a cap's use: the sum over a row, and the column (with its
    /// value) that picks the rows it covers; `None` for `total`.
    pub(crate) fn sql(&self) -> (&'static str, Option<&'static str>, Option<&str>) {
        let sum = match self.unit {
            Unit::Tokens => "SUM(input_tokens + output_tokens)",
            Unit::Usd => "SUM(cost_usd)",
        };
        if self.scope == "total" {
            (sum, None, None)
        } else if let Some(route) = self.scope.strip_prefix("route ") {
            (sum, Some("route"), Some(route))
        } else {
            (sum, Some("provider"), Some(self.scope.as_str()))
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Tokens,
    Usd,
}

/// A cap with how much of it this month has used: settled calls and calls in flight
/// (their reservations) apart. In JSON the amounts are whole tokens, or dollars written
/// as plain decimals ([`crate::output::usd`]).
#[derive(Clone, Debug)]
pub struct Headroom {
    pub scope: String,
    pub unit: Unit,
    pub cap: f64,
    /// What settled calls used.
    pub spent: f64,
    /// What calls in flight have reserved.
    pub reserved: f64,
    pub left: f64,
    pub month: String,
}

impl serde::Serialize for Headroom {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        /// One amount in the cap's unit.
        struct Amount(Unit, f64);
        impl serde::Serialize for Amount {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.0 {
                    Unit::Tokens if self.1.is_finite() && self.1 >= 0.0 => {
                        s.serialize_u64(self.1.round() as u64)
                    }
                    Unit::Tokens if self.1.is_finite() => s.serialize_i64(self.1.round() as i64),
                    Unit::Tokens | Unit::Usd => crate::output::usd(&self.1, s),
                }
            }
        }
        let mut h = s.serialize_struct("Headroom", 7)?;
        h.serialize_field("scope", &self.scope)?;
        h.serialize_field("unit", &self.unit)?;
        h.serialize_field("cap", &Amount(self.unit, self.cap))?;
        h.serialize_field("spent", &Amount(self.unit, self.spent))?;
        h.serialize_field("reserved", &Amount(self.unit, self.reserved))?;
        h.serialize_field("left", &Amount(self.unit, self.left))?;
        h.serialize_field("month", &self.month)?;
        h.end()
    }
}

/// Why a reservation was refused.
#[derive(Clone, Debug)]
pub struct Refusal {
    pub headroom: Headroom,
    pub needed: f64,
    /// The part of `needed` that is the answer's allowance (output tokens), when the
    /// caller did not choose it (`--max-tokens`): the refusal then says how to ask less.
    pub default_allowance: Option<f64>,
    /// The call's price is unknown, so a dollar cap cannot cover it.
    pub unpriced: bool,
    /// The same scope's cap in the other unit, if there is one, to show beside it.
    pub other: Option<Headroom>,
}

impl Refusal {
    /// `the openai budget for November is spent: 2,000,412 of 2,000,000 tokens`, or, when
    /// room remains, `has not enough left for this call: 986 of 1,000 tokens left (14
    /// spent, none reserved by calls in flight); this call needs up to 4,162`.
    pub fn describe(&self) -> String {
        let h = &self.headroom;
        if self.unpriced {
            return format!(
                "the {} budget is in dollars and this model has no known price, so the call cannot be checked against it",
                h.scope
            );
        }
        let month = month_name(&h.month);
        let mut text = if h.left <= 0.0 {
            format!(
                "the {} budget for {month} is spent: {} of {}",
                h.scope,
                amount(h.unit, h.spent + h.reserved),
                amount(h.unit, h.cap)
            )
        } else {
            format!(
                "the {} budget for {month} has not enough left for this call: {} of {} left",
                h.scope,
                amount(h.unit, h.left),
                amount(h.unit, h.cap)
            )
        };
        text.push_str(&format!(
            " ({} spent, {})",
            amount(h.unit, h.spent),
            if h.reserved > 0.0 {
                format!("{} reserved by calls in flight", amount(h.unit, h.reserved))
            } else {
                "none reserved by calls in flight".into()
            }
        ));
        if let Some(o) = &self.other {
            text.push_str(&format!(
                "; {} of {} in dollars",
                amount(o.unit, o.spent + o.reserved),
                amount(o.unit, o.cap)
            ));
        }
        if h.left > 0.0 {
            text.push_str(&format!(
                "; this call needs up to {}",
                amount(h.unit, self.needed)
            ));
            if let Some(allowance) = self.default_allowance
                && allowance * 2.0 >= self.needed
            {
                text.push_str(&format!(
                    ", most of it the default answer allowance of {}: ask for less with --max-tokens N",
                    amount(Unit::Tokens, allowance)
                ));
            }
        }
        text
    }
}

/// The outcome of a reservation attempt.
pub enum Reserved {
    Rows {
        ids: Vec<i64>,
        warnings: Vec<String>,
        /// For each call that allowed it ([`Reservation::fit_floor`]): the output tokens it
        /// was fitted to, when the cap left less than it asked for.
        fitted: Vec<Option<u64>>,
    },
    Refused(Refusal),
}

/// The caps a call to `provider` on `route` falls under.
pub fn caps_for(profile: &Profile, provider: &str, route: Option<&str>) -> Vec<Cap> {
    let b = &profile.budgets;
    let mut caps = Vec::new();
    let mut add = |scope: String, unit: Unit, limit: Option<f64>| {
        if let Some(limit) = limit {
            caps.push(Cap { scope, unit, limit });
        }
    };
    add(
        provider.to_string(),
        Unit::Tokens,
        b.monthly_tokens.get(provider).map(|v| *v as f64),
    );
    add(
        provider.to_string(),
        Unit::Usd,
        b.monthly_usd.get(provider).copied(),
    );
    if let Some(r) = route.and_then(|r| profile.routes.get(r).map(|cfg| (r, cfg))) {
        add(
            format!("route {}", r.0),
            Unit::Tokens,
            r.1.monthly_tokens.map(|v| v as f64),
        );
        add(format!("route {}", r.0), Unit::Usd, r.1.monthly_usd);
    }
    add(
        "total".into(),
        Unit::Tokens,
        b.monthly_tokens.get("total").map(|v| *v as f64),
    );
    add(
        "total".into(),
        Unit::Usd,
        b.monthly_usd.get("total").copied(),
    );
    caps
}

/// Every cap the profile sets, for `byok usage` and `byok status`.
pub fn all_caps(profile: &Profile) -> Vec<Cap> {
    let b = &profile.budgets;
    let mut caps: Vec<Cap> = Vec::new();
    for (scope, v) in &b.monthly_tokens {
        caps.push(Cap {
            scope: scope.clone(),
            unit: Unit::Tokens,
            limit: *v as f64,
        });
    }
    for (scope, v) in &b.monthly_usd {
        caps.push(Cap {
            scope: scope.clone(),
            unit: Unit::Usd,
            limit: *v,
        });
    }
    for (name, r) in &profile.routes {
        if let Some(t) = r.monthly_tokens {
            caps.push(Cap {
                scope: format!("route {name}"),
                unit: Unit::Tokens,
                limit: t as f64,
            });
        }
        if let Some(u) = r.monthly_usd {
            caps.push(Cap {
                scope: format!("route {name}"),
                unit: Unit::Usd,
                limit: u,
            });
        }
    }
    caps
}

/// This month's headroom of each cap; with no ledger (nothing recorded yet) nothing is
/// spent, and a ledger that cannot answer counts as nothing spent too (reported by
/// whoever opened it).
pub fn headrooms(ledger: Option<&Ledger>, caps: &[Cap]) -> Vec<Headroom> {
    let (month, _) = month_and_day(jiff::Timestamp::now());
    caps.iter()
        .map(|c| match ledger.and_then(|l| l.headroom(c, &month).ok()) {
            Some(h) => h,
            None => Headroom {
                scope: c.scope.clone(),
                unit: c.unit,
                cap: c.limit,
                spent: 0.0,
                reserved: 0.0,
                left: c.limit,
                month: month.clone(),
            },
        })
        .collect()
}

impl Ledger {
    /// This month's use of `cap`: what settled calls used, and what calls in flight have
    /// reserved.
    pub fn spent(&self, cap: &Cap, month: &str) -> Result<(f64, f64)> {
        match &self.shared {
            Some(shared) => shared.spent(cap, month),
            None => self.spent_local(cap, month),
        }
    }

    fn spent_local(&self, cap: &Cap, month: &str) -> Result<(f64, f64)> {
        // Settled calls from the daily roll-up, calls in flight from their reservations.
        let (sum, column, arg) = cap.sql();
        let filter = column.map_or(String::new(), |c| format!(" AND {c} = ?2"));
        let sql = format!(
            "SELECT COALESCE((SELECT {sum} FROM daily WHERE month = ?1{filter}), 0),
                    COALESCE((SELECT {sum} FROM events WHERE status = 'reserved' AND month = ?1{filter}), 0)"
        );
        let read = |r: &rusqlite::Row| Ok((r.get::<_, f64>(0)?, r.get::<_, f64>(1)?));
        let mut sums = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        match arg {
            Some(a) => sums.query_row(params![month, a], read),
            None => sums.query_row(params![month], read),
        }
        .map_err(|e| self.error(e))
    }

    pub fn headroom(&self, cap: &Cap, month: &str) -> Result<Headroom> {
        if let Some(shared) = &self.shared {
            return Ok(headroom_of(cap, month, shared.spent(cap, month)?));
        }
        Ok(headroom_of(cap, month, self.spent_local(cap, month)?))
    }

    /// Reserves every call in `calls` or none: checks each cap they fall under against the
    /// month's rows plus what these calls would add, then inserts them as `reserved`. A
    /// single call that allows it ([`Reservation::fit_floor`]) is first fitted to what its
    /// caps have left.
    pub fn reserve(&self, profile: &Profile, calls: &[Reservation]) -> Result<Reserved> {
        let capped = calls
            .iter()
            .any(|c| !caps_for(profile, c.row.provider, c.row.tag.route.as_deref()).is_empty());
        if let Some(shared) = &self.shared {
            return match shared.reserve(profile, calls, capped) {
                // The server went away since the ledger was opened: a call no budget
                // applies to is kept locally, pending, under a negative id.
                Err(Error::SharedLedgerUnavailable { .. }) if !capped && calls.len() == 1 => {
                    let id = self.insert_reserved_locally(&calls[0], true)?;
                    Ok(Reserved::Rows {
                        ids: vec![-id],
                        warnings: Vec::new(),
                        fitted: vec![None],
                    })
                }
                other => other,
            };
        }
        if capped && let Some(e) = self.unreachable() {
            // A cap that cannot be checked against the shared ledger is not a cap.
            return Err(e);
        }
        let (month, _) = month_and_day(jiff::Timestamp::now());
        if !capped && calls.len() == 1 {
            // Nothing to check: one plain insert, no transaction to serialise on.
            let id = self.insert_reserved(&calls[0])?;
            return Ok(Reserved::Rows {
                ids: vec![id],
                warnings: Vec::new(),
                fitted: vec![None],
            });
        }
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.error(e))?;
        // A reservation stranded by a process that died must not hold the cap.
        let outcome = self
            .settle_abandoned_in_transaction()
            .and_then(|_| self.reserve_in_transaction(profile, calls, &month));
        let end = if matches!(outcome, Ok(Reserved::Rows { .. })) {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        self.conn.execute_batch(end).map_err(|e| self.error(e))?;
        outcome
    }

    fn reserve_in_transaction(
        &self,
        profile: &Profile,
        calls: &[Reservation],
        month: &str,
    ) -> Result<Reserved> {
        let mut calls = calls.to_vec();
        match decide(
            &mut |cap, month| self.spent_local(cap, month),
            profile,
            &mut calls,
            month,
        )? {
            Decision::Refused(refusal) => Ok(Reserved::Refused(refusal)),
            Decision::Go { warnings, fitted } => {
                let mut ids = Vec::with_capacity(calls.len());
                for c in &calls {
                    ids.push(self.insert_reserved(c)?);
                }
                Ok(Reserved::Rows {
                    ids,
                    warnings,
                    fitted,
                })
            }
        }
    }
}

/// `2,000,412 tokens` or `$4.12`.
pub fn amount(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Tokens => format!("{} tokens", group_thousands(v.round() as u64)),
        Unit::Usd => crate::prices::format_usd(v),
    }
}

pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `2026-11` → `November`.
pub fn month_name(month: &str) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    month
        .split('-')
        .nth(1)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| NAMES.get(m.wrapping_sub(1)))
        .map_or_else(|| month.to_string(), |n| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::events::{CallRow, CallTag};
    use crate::paths::Paths;
    use crate::vocab::Usage;

    fn profile(text: &str) -> Profile {
        crate::profile::parse(text, std::path::Path::new("p.toml")).unwrap()
    }

    fn reservation<'a>(tag: &'a CallTag, provider: &'a str, tokens: u64) -> Reservation<'a> {
        Reservation {
            row: CallRow {
                tag,
                provider,
                model: "m",
                key_label: None,
            },
            estimate: Usage {
                input_tokens: tokens / 2,
                output_tokens: tokens - tokens / 2,
                ..Usage::default()
            },
            est_usd: Some(0.01),
            prompt_usd: Some(0.005),
            fit_floor: None,
        }
    }

    #[test]
    fn reservations_count_against_the_cap_until_it_is_spent() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&Paths::at(dir.path())).unwrap();
        let p = profile("[budgets]\nmonthly_tokens = { openai = 1000 }\n");
        let tag = CallTag::default();
        for _ in 0..2 {
            assert!(matches!(
                ledger
                    .reserve(&p, &[reservation(&tag, "openai", 400)])
                    .unwrap(),
                Reserved::Rows { .. }
            ));
        }
        match ledger
            .reserve(&p, &[reservation(&tag, "openai", 400)])
            .unwrap()
        {
            Reserved::Refused(r) => {
                assert_eq!((r.headroom.spent, r.headroom.reserved), (0.0, 800.0));
                assert!(
                    r.describe().starts_with("the openai budget for "),
                    "{}",
                    r.describe()
                );
            }
            Reserved::Rows { .. } => panic!("the third call would overshoot"),
        }
        // Another provider is not under that cap.
        assert!(matches!(
            ledger
                .reserve(&p, &[reservation(&tag, "mistral", 400)])
                .unwrap(),
            Reserved::Rows { .. }
        ));
    }

    #[test]
    fn a_group_is_reserved_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&Paths::at(dir.path())).unwrap();
        let p = profile("[budgets]\nmonthly_tokens = { total = 1000 }\n");
        let tag = CallTag::default();
        let three = [
            reservation(&tag, "openai", 400),
            reservation(&tag, "gemini", 400),
            reservation(&tag, "mistral", 400),
        ];
        assert!(matches!(
            ledger.reserve(&p, &three).unwrap(),
            Reserved::Refused(_)
        ));
        assert_eq!(
            ledger
                .spent(&all_caps(&p)[0], &month_and_day(jiff::Timestamp::now()).0)
                .unwrap(),
            (0.0, 0.0)
        );
    }

    #[test]
    fn formatting() {
        assert_eq!(group_thousands(2_000_412), "2,000,412");
        assert_eq!(month_name("2026-11"), "November");
        assert_eq!(amount(Unit::Usd, 4.123), "$4.123");
        assert_eq!(amount(Unit::Usd, 0.002), "$0.002");
        assert_eq!(amount(Unit::Usd, 5.0), "$5.00");
    }
}
