//! Token counts as a provider reports them, read by one rule for every wire format.

use super::{MAX_TOKENS_PER_CALL, Usage};
use crate::vocab::impossible;

/// One token count as a provider reported it, by the one rule every wire format uses:
/// absent or `null` is no count (`Ok(None)`); a whole number from 0 to
/// [`MAX_TOKENS_PER_CALL`] is a count; anything else (negative, fractional, `1e30`,
/// `"12"`, an object) cannot be a count and says why.
pub fn token_count(v: Option<&serde_json::Value>) -> Result<Option<u64>, String> {
    use serde_json::Value;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(t) if t <= MAX_TOKENS_PER_CALL => Ok(Some(t)),
            _ => Err(n.to_string()),
        },
        Some(Value::String(_)) => Err("a string".into()),
        Some(Value::Bool(_)) => Err("a boolean".into()),
        Some(Value::Array(_)) => Err("a list".into()),
        Some(Value::Object(_)) => Err("an object".into()),
    }
}

/// Reads the token counts of one usage object with [`token_count`], remembering the
/// first count that cannot be true; [`UsageReader::finish`] then refuses the whole usage.
pub struct UsageReader<'a> {
    usage: &'a serde_json::Value,
    impossible: Option<String>,
}

impl<'a> UsageReader<'a> {
    pub fn new(usage: &'a serde_json::Value) -> Self {
        UsageReader {
            usage,
            impossible: None,
        }
    }

    /// The count at `pointer` (a JSON pointer into the usage object); `None` when it is
    /// absent, `null`, or impossible (then remembered).
    pub fn count(&mut self, pointer: &str) -> Option<u64> {
        match token_count(self.usage.pointer(pointer)) {
            Ok(n) => n,
            Err(what) => {
                self.impossible.get_or_insert_with(|| {
                    impossible(&format!("{} is {what}", pointer.trim_start_matches('/')))
                });
                None
            }
        }
    }

    /// The count at `pointer`, 0 when absent.
    pub fn count_or_zero(&mut self, pointer: &str) -> u64 {
        self.count(pointer).unwrap_or(0)
    }

    /// The first impossible count read so far, as a warning.
    pub fn impossible(&self) -> Option<&str> {
        self.impossible.as_deref()
    }

    /// `usage`, normalised from the counts read, unless one of them (or a sum) is
    /// impossible: then why, as a warning.
    pub fn finish(self, usage: Usage) -> Result<Usage, String> {
        match self.impossible {
            Some(why) => Err(why),
            None => usage.checked(),
        }
    }
}

/// A usage report kept across a stream: a later report replaces an earlier one, except
/// that an impossible report stays (the call's usage is then unknown, whatever follows).
pub fn replace_usage(slot: &mut Option<Result<Usage, String>>, report: Result<Usage, String>) {
    if !matches!(slot, Some(Err(_))) {
        *slot = Some(report);
    }
}

#[cfg(test)]
mod tests {
    use super::super::ChatResult;
    use super::*;
    use serde_json::json;

    #[test]
    fn one_rule_for_every_token_count() {
        let ok = |v: serde_json::Value| token_count(Some(&v));
        assert_eq!(token_count(None), Ok(None));
        assert_eq!(ok(json!(null)), Ok(None));
        assert_eq!(ok(json!(0)), Ok(Some(0)));
        assert_eq!(ok(json!(1234)), Ok(Some(1234)));
        assert_eq!(
            ok(json!(MAX_TOKENS_PER_CALL)),
            Ok(Some(MAX_TOKENS_PER_CALL))
        );
        for bad in [
            json!(MAX_TOKENS_PER_CALL + 1),
            json!(u64::MAX),
            json!(-1),
            json!(i64::MIN),
            json!(1.5),
            json!(12.0),
            json!(1e30),
            json!("12"),
            json!(true),
            json!([1]),
            json!({"n": 1}),
        ] {
            assert!(ok(bad.clone()).is_err(), "{bad} was taken as a count");
        }
        // Through serde_json's own parsing of the raw text, as it comes off the wire.
        for raw in [
            "-5",
            "1.5",
            "1e30",
            "18446744073709551615",
            "18446744073709551616",
        ] {
            let v: serde_json::Value = serde_json::from_str(raw).unwrap();
            assert!(token_count(Some(&v)).is_err(), "{raw}");
        }
    }

    #[test]
    fn an_impossible_report_makes_the_usage_unknown_with_a_warning() {
        let u = json!({"a": 5, "b": -3, "c": "x"});
        let mut r = UsageReader::new(&u);
        assert_eq!(r.count("/a"), Some(5));
        assert_eq!(r.count("/b"), None);
        assert_eq!(r.count("/c"), None);
        assert_eq!(r.count_or_zero("/missing"), 0);
        let why = r.finish(Usage::default()).unwrap_err();
        assert!(
            why.contains("impossible usage") && why.contains("b is -3"),
            "{why}"
        );

        // Each count within the limit, a normalised sum beyond it.
        let sum = Usage {
            input_tokens: 2 * MAX_TOKENS_PER_CALL,
            ..Usage::default()
        };
        assert!(sum.checked().is_err());

        let r = ChatResult {
            provider_cost_usd: Some(0.5),
            ..ChatResult::default()
        }
        .with_usage(Some(Err(why.clone())));
        assert!(!r.usage_reported && r.usage_impossible);
        assert_eq!(r.usage, Usage::default());
        assert_eq!(
            r.provider_cost_usd, None,
            "the price of an impossible usage"
        );
        assert_eq!(r.warnings, vec![why]);

        // Once impossible, a later report does not make it believable again.
        let mut slot = None;
        replace_usage(&mut slot, Ok(Usage::default()));
        replace_usage(&mut slot, Err("bad".into()));
        replace_usage(&mut slot, Ok(Usage::default()));
        assert_eq!(slot, Some(Err("bad".into())));
    }
}
