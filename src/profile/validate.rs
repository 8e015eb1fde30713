//! The semantic checks a profile passes after it parses: every provider it names is known
//! (built in, or defined under `[providers]`), every model is `provider:model`, custom
//! providers have a base URL, and modes, budgets, prices and health settings make sense
//! (README "Profiles and routes").

use super::{Profile, known_providers};
use crate::providers;

/// Semantic checks; the error names the offending text (to locate it) and says why.
pub(super) fn validate(profile: &Profile) -> std::result::Result<(), (String, String)> {
    let known = known_providers(profile);
    let known_list = known.join(", ");
    let check_provider = |id: &str| -> std::result::Result<(), (String, String)> {
        if known.iter().any(|k| k == id) {
            Ok(())
        } else {
            Err((
                id.to_string(),
                format!("`{id}` is not a known provider (known: {known_list})"),
            ))
        }
    };
    for (id, cfg) in &profile.providers {
        let builtin = providers::spec(id).is_some();
        if let Some(kind) = &cfg.kind
            && providers::Wire::from_kind(kind).is_none()
        {
            return Err((
                kind.clone(),
                format!(
                    "provider `{id}`: kind must be openai, anthropic, gemini or ollama, not `{kind}`"
                ),
            ));
        }
        if builtin && (cfg.kind.is_some() || cfg.key_env.is_some()) {
            return Err((
                id.clone(),
                format!("`{id}` is built in: only its base_url and default_model can be set here"),
            ));
        }
        if !builtin && cfg.base_url.is_none() {
            return Err((
                id.clone(),
                format!("custom provider `{id}` needs a base_url"),
            ));
        }
        if let Some(url) = &cfg.base_url
            && let Some((why, meant)) = providers::base_url_problem(url)
        {
            let fix = match meant {
                Some(m) => format!("write base_url = \"{m}\""),
                None => "a base URL is https://host/path, or http:// for this machine".into(),
            };
            return Err((
                url.clone(),
                format!("provider `{id}`: base_url `{url}` cannot be used: {why}; {fix}"),
            ));
        }
    }
    for id in profile.allow.iter().flatten() {
        check_provider(id)?;
    }
    let check_model = |spec: &str, what: &str| -> std::result::Result<(), (String, String)> {
        let (p, _) = crate::vocab::ModelRef::full(spec).ok_or_else(|| {
            (
                spec.to_string(),
                format!("{what}: `{spec}` is not PROVIDER:MODEL"),
            )
        })?;
        check_provider(p)
    };
    for (name, route) in &profile.routes {
        for spec in route.chain() {
            check_model(spec, &format!("route `{name}`"))?;
        }
    }
    if let Some(c) = &profile.council {
        for spec in c.members.iter().chain(c.chair.iter()) {
            check_model(spec, "council")?;
        }
        if let Some(mode) = &c.mode
            && !matches!(mode.as_str(), "first" | "majority" | "strict" | "rank")
        {
            return Err((
                mode.clone(),
                format!("council mode must be first, majority, strict or rank, not `{mode}`"),
            ));
        }
    }
    for key in profile
        .budgets
        .monthly_tokens
        .keys()
        .chain(profile.budgets.monthly_usd.keys())
    {
        if key != "total" {
            check_provider(key)?;
        }
    }
    for (key, price) in &profile.prices {
        check_model(key, "prices")?;
        price
            .check()
            .map_err(|e| (key.clone(), format!("prices.\"{key}\": {e}")))?;
    }
    if profile.health.cooldown_secs < 0.0 || !profile.health.cooldown_secs.is_finite() {
        return Err((
            "cooldown_secs".into(),
            "health.cooldown_secs must be a number of seconds ≥ 0".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::parse;
    use crate::error::Error;

    fn parse_str(text: &str) -> crate::error::Result<super::Profile> {
        parse(text, Path::new("profiles/test.toml"))
    }

    #[test]
    fn semantic_errors_point_at_the_value() {
        let err = parse_str("[routes.x]\nmodel = \"opena:gpt-4o\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`opena` is not a known provider"), "{text}");
        assert!(matches!(err, Error::ProfileInvalid { line: 2, .. }));
        assert!(
            parse_str("[routes.x]\nmodel = \"gpt-4o\"\n")
                .unwrap_err()
                .to_string()
                .contains("not PROVIDER:MODEL")
        );
        assert!(
            parse_str("[routes.x]\nmodle = \"openai:gpt-4o\"\n").is_err(),
            "unknown keys are refused"
        );
        assert!(
            parse_str("[providers.corp]\nkind = \"openai\"\n")
                .unwrap_err()
                .to_string()
                .contains("needs a base_url")
        );
    }

    #[test]
    fn a_base_url_without_a_scheme_is_refused_with_the_one_meant() {
        let text = "[providers.openai]\nbase_url = \"api.example.com/v1\"\n";
        let err = parse_str(text).unwrap_err();
        assert!(
            matches!(
                err,
                Error::ProfileInvalid {
                    line: 2,
                    column: 13,
                    ..
                }
            ),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains("no scheme"), "{text}");
        assert!(
            text.contains("write base_url = \"https://api.example.com/v1\""),
            "{text}"
        );
        let err = parse_str("[providers.corp]\nbase_url = \"127.0.0.1:9000/v1\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"http://127.0.0.1:9000/v1\""), "{err}");
        let err = parse_str("[providers.corp]\nbase_url = \"ftp://files.example/v1\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("http and https only, not ftp"), "{err}");
    }
}
