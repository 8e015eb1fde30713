//! `byok key verify`, and the verification `key add` and `key rotate` do before they
//! store a key: each key is asked about the way a call asks, retried with the walk's
//! backoff (README "Keys"), the verdicts written back to the vault, and the table and
//! exit code of `key verify` (README "Exit codes").

use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;

use crate::commands::Ctx;
use crate::error::{Error, Result, exit};
use crate::http;
use crate::output;
use crate::policy::retry::RetryPolicy;
use crate::providers::Provider;
use crate::providers::verify::{self, Verdict};
use crate::vault::{KeyRecord, Secret, Vault, VerifyStatus};

/// Asks the provider about one secret, with a spinner on a terminal.
pub(super) fn verify_one(ctx: &Ctx, provider: &Provider, secret: &str) -> Verdict {
    let profile_path = ctx.profile().ok().map(|p| p.path.as_path());
    crate::providers::warn_if_plain_http(provider, profile_path);
    let spinner = ctx
        .ui
        .progress_allowed()
        .then(|| crate::output::spinner(&format!("verifying the {} key…", provider.id())));
    let client = http::client_for(&ctx.timeouts, [provider.base_url.as_str()]);
    let verdict = http::runtime().block_on(probe(
        &client,
        provider,
        secret,
        ctx.timeouts.verify,
        &RetryPolicy::from_env(),
    ));
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    verdict
}

/// The provider's verdict on `secret`, asked the way a call asks: a failure worth
/// retrying (5xx, 529, a rate limit, no connection, no answer) is tried again with the
/// walk's backoff, and the verdict is the last answer's (README "Keys").
async fn probe(
    client: &reqwest::Client,
    provider: &Provider,
    secret: &str,
    timeout: Duration,
    retry: &RetryPolicy,
) -> Verdict {
    let mut tries = 0;
    loop {
        let verdict = verify::verify(client, provider, Some(secret), timeout).await;
        let wait = verdict
            .failure
            .as_ref()
            .and_then(|f| retry.wait_before_retry(tries, f));
        let Some(wait) = wait else {
            return verdict;
        };
        tries += 1;
        output::verbose(&format!(
            "verifying the {} key: {}; retry {tries} in {} ms",
            provider.id(),
            verdict.error_text().unwrap_or_default(),
            wait.as_millis()
        ));
        tokio::time::sleep(wait).await;
    }
}

/// The key given to `byok key add` or `key rotate` (`command`) was refused: nothing was
/// stored, and the hint is that command again.
pub(super) fn rejection(
    command: &str,
    provider: &Provider,
    label: &str,
    verdict: &Verdict,
) -> Error {
    let flag = if label == crate::vocab::DEFAULT_LABEL {
        String::new()
    } else {
        format!(" --label {label}")
    };
    Error::KeyRejected {
        provider: provider.id().to_string(),
        label: label.to_string(),
        message: verdict.error_text().unwrap_or_default(),
        no_credit: verdict.status == VerifyStatus::NoCredit,
        retry: format!("byok key {command} {}{flag}", provider.id()),
    }
}

/// A key chosen for verification (or for `byok models`).
pub(crate) struct Target {
    pub(crate) provider: Provider,
    pub(crate) label: String,
    /// `vault`, `env`, or `none` for a key asked for and not found.
    pub(crate) source: &'static str,
    pub(crate) secret: Option<Secret>,
}

#[derive(Serialize)]
struct VerifyRow {
    provider: String,
    label: String,
    source: &'static str,
    status: &'static str,
    latency_ms: Option<u64>,
    models: Option<u64>,
    error: Option<String>,
}

fn select_targets(ctx: &Ctx, vault: Option<&Vault>, wanted: &[String]) -> Result<Vec<Target>> {
    let vault_keys: &[KeyRecord] = vault.map(|v| v.doc.keys.as_slice()).unwrap_or(&[]);
    let registry = ctx.registry()?;
    let from_record = |k: &KeyRecord| -> Result<Target> {
        Ok(Target {
            provider: registry.resolve(&k.provider)?,
            label: k.label.clone(),
            source: "vault",
            secret: Some(k.secret.clone()),
        })
    };
    let from_env = |p: Provider, var: &str, value: String| Target {
        provider: p,
        label: var.to_string(),
        source: "env",
        secret: Some(Secret(value.into())),
    };
    let mut targets = Vec::new();
    if wanted.is_empty() {
        for k in vault_keys {
            targets.push(from_record(k)?);
        }
        for (p, var, value, shadowed) in super::env_keys(ctx, vault_keys)? {
            if !shadowed {
                targets.push(from_env(p, var, value));
            }
        }
        return Ok(targets);
    }
    for spec in wanted {
        let (id, label) = match spec.split_once('/') {
            Some((id, label)) => (id, Some(label)),
            None => (spec.as_str(), None),
        };
        let provider = super::keyed_provider(ctx, id)?;
        let matching: Vec<&KeyRecord> = vault_keys
            .iter()
            .filter(|k| k.provider == id && label.is_none_or(|l| l == k.label))
            .collect();
        if !matching.is_empty() {
            for k in matching {
                targets.push(from_record(k)?);
            }
            continue;
        }
        let env = provider
            .env_key()
            .filter(|(var, _)| label.is_none_or(|l| l == *var));
        match env {
            Some((var, value)) => targets.push(from_env(provider, var, value)),
            None => targets.push(Target {
                provider,
                label: label.unwrap_or(crate::vocab::DEFAULT_LABEL).to_string(),
                source: "none",
                secret: None,
            }),
        }
        let _ = ctx;
    }
    Ok(targets)
}

/// The keys `wanted` names (`PROVIDER` or `PROVIDER/LABEL`), or every key of the vault
/// and the environment when it names none; `NoKeys` when there are none at all. The
/// secrets are read under the vault's shared lock, which is let go of before any network
/// work.
pub(crate) fn targets(ctx: &Ctx, wanted: &[String]) -> Result<Vec<Target>> {
    let vault = super::open_if_exists(ctx)?;
    let targets = select_targets(ctx, vault.as_ref(), wanted)?;
    drop(vault);
    if targets.is_empty() {
        return Err(Error::NoKeys);
    }
    Ok(targets)
}

pub(super) fn verify_keys(ctx: &Ctx, wanted: &[String]) -> Result<()> {
    let targets = targets(ctx, wanted)?;

    let client = http::client_for(
        &ctx.timeouts,
        targets.iter().map(|t| t.provider.base_url.as_str()),
    );
    let profile_path = ctx.profile().ok().map(|p| p.path.as_path());
    for t in targets.iter().filter(|t| t.secret.is_some()) {
        crate::providers::warn_if_plain_http(&t.provider, profile_path);
    }
    let bars = ctx
        .ui
        .progress_allowed()
        .then(indicatif::MultiProgress::new);
    let retry = RetryPolicy::from_env();
    let verdicts: Vec<Option<Verdict>> = http::runtime().block_on(async {
        let jobs = targets.iter().map(|t| {
            let bar = bars.as_ref().map(|m| {
                m.add(crate::output::spinner(&format!(
                    "{} ({})",
                    t.provider.id(),
                    t.label
                )))
            });
            let (client, retry) = (&client, &retry);
            async move {
                let secret = t.secret.as_ref()?;
                let verdict = probe(
                    client,
                    &t.provider,
                    secret.expose(),
                    ctx.timeouts.verify,
                    retry,
                )
                .await;
                if let Some(b) = bar {
                    b.finish_and_clear();
                }
                Some(verdict)
            }
        });
        futures_util::future::join_all(jobs).await
    });
    if let Some(m) = &bars {
        let _ = m.clear();
    }

    record_verdicts(ctx, &targets, &verdicts)?;
    for (t, v) in targets.iter().zip(&verdicts) {
        let status = v
            .as_ref()
            .map_or(VerifyStatus::Missing, |v| v.status)
            .as_str();
        super::log_event(
            ctx,
            "key_verify",
            t.provider.id(),
            &t.label,
            status,
            Some(t.source),
        );
    }

    let rows: Vec<VerifyRow> = targets
        .iter()
        .zip(&verdicts)
        .map(|(t, v)| VerifyRow {
            provider: t.provider.id().to_string(),
            label: t.label.clone(),
            source: t.source,
            status: v
                .as_ref()
                .map_or(VerifyStatus::Missing, |v| v.status)
                .as_str(),
            latency_ms: v.as_ref().map(|v| v.latency.as_millis() as u64),
            models: v.as_ref().and_then(|v| v.models),
            error: match v {
                Some(v) => v.error_text(),
                None => Some(format!(
                    "no key: add one with `byok key add {}`",
                    t.provider.id()
                )),
            },
        })
        .collect();
    if ctx.ui.json {
        ctx.ui.print_json(&rows)?;
    } else {
        let mut table = ctx.ui.table(&[
            ("provider", 0),
            ("label", 0),
            ("source", 3),
            ("status", 0),
            ("latency", 4),
            ("models", 2),
            ("error", 1),
        ]);
        for r in &rows {
            table.add_row(vec![
                comfy_table::Cell::new(&r.provider),
                comfy_table::Cell::new(&r.label),
                comfy_table::Cell::new(r.source),
                ctx.ui.status_cell(r.status),
                comfy_table::Cell::new(r.latency_ms.map_or("—".into(), |ms| format!("{ms} ms"))),
                comfy_table::Cell::new(r.models.map_or("—".into(), |m| m.to_string())),
                comfy_table::Cell::new(r.error.as_deref().unwrap_or("")),
            ]);
        }
        ctx.ui.print_table(table)?;
    }
    verify_exit(rows.iter().map(|r| r.status))
}

/// Exit 4 when a provider rejected a key, else 6 when one could not be checked, else 3
/// when a key asked for is missing; from each key's status.
pub(crate) fn verify_exit<'a>(statuses: impl Iterator<Item = &'a str>) -> Result<()> {
    let statuses: Vec<&str> = statuses.collect();
    let count = |pred: &dyn Fn(&str) -> bool| statuses.iter().filter(|s| pred(s)).count();
    let rejected = count(&|s| s == "invalid" || s == "no_credit");
    let unreachable = count(&|s| s == "unreachable" || s == "error");
    let missing = count(&|s| s == "missing");
    let (code, summary) = if rejected > 0 {
        (
            exit::KEY_REJECTED,
            format!("{rejected} rejected by the provider"),
        )
    } else if unreachable > 0 {
        (
            exit::PROVIDER_FAILED,
            format!("{unreachable} could not be checked"),
        )
    } else if missing > 0 {
        (exit::CONFIG, format!("{missing} not configured"))
    } else {
        return Ok(());
    };
    Err(Error::VerifyFailed { summary, code })
}

/// Writes each vault key's verdict back, if the key is still the one that was checked.
fn record_verdicts(ctx: &Ctx, targets: &[Target], verdicts: &[Option<Verdict>]) -> Result<()> {
    if !targets.iter().any(|t| t.source == "vault") {
        return Ok(());
    }
    let mut vault = Vault::open_for_write(&ctx.paths, &ctx.keyring)?;
    let now = Timestamp::now();
    for (t, v) in targets.iter().zip(verdicts) {
        let (Some(v), Some(secret), "vault") = (v, &t.secret, t.source) else {
            continue;
        };
        let Some(record) = vault.doc.find_mut(t.provider.id(), &t.label) else {
            continue;
        };
        if record.secret.expose() != secret.expose() {
            continue; // rotated meanwhile by another byok
        }
        record.verify_status = if v.status == VerifyStatus::Error {
            VerifyStatus::Unverified
        } else {
            v.status
        };
        if v.status == VerifyStatus::Ok {
            record.verified_at = Some(now);
            record.models = v.models;
        }
    }
    vault.save()
}
