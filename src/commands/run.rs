//! `byok run`: one prompt to one model, the answer streamed to stdout, the cost on stderr.

use std::io::{IsTerminal, Read, Write};
use std::time::Instant;

use serde::Serialize;

use super::Ctx;
use crate::cli::RunArgs;
use crate::error::{Error, Result};
use crate::http;
use crate::keys::{Keys, ResolvedKey};
use crate::output;
use crate::prices::{self, Cost, CostSource, PriceTable};
use crate::providers::chat::{self, ChatFailure, ChatRequest, ChatResult, Usage};
use crate::providers::{KeyNeed, PROVIDERS, Provider};

pub fn run(ctx: &Ctx, args: RunArgs) -> Result<()> {
    let prompt = read_prompt(&args.prompt, args.no_stdin)?;
    let keys = Keys::new(ctx.paths.clone(), ctx.keyring.clone());
    let (provider, model, key) = choose_target(&keys, args.model.as_deref())?;
    let req = ChatRequest {
        model: model.clone(),
        system: args.system.clone(),
        prompt,
        max_tokens: args.max_tokens,
        temperature: args.temperature,
        stream: !args.no_stream,
    };

    let to_stdout = !ctx.ui.json;
    let mut ends_with_newline = true;
    let mut sink = |delta: &str| -> std::io::Result<()> {
        if to_stdout && !delta.is_empty() {
            let mut out = std::io::stdout().lock();
            out.write_all(delta.as_bytes())?;
            out.flush()?;
            ends_with_newline = delta.ends_with('\n');
        }
        Ok(())
    };
    let client = http::client(&ctx.timeouts);
    let secret = key.as_ref().map(|k| crate::secret::expose(&k.secret));
    if secret.is_some() && !provider.may_send_key() {
        return Err(plain_http_refused(&provider));
    }
    let started = Instant::now();
    let outcome = http::runtime().block_on(async {
        tokio::select! {
            r = chat::chat(&client, &provider, secret, &req, &mut sink) => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    let latency = started.elapsed();
    let finish_line = |newline_needed: bool| {
        // On a terminal, end the answer's last line so the prompt does not glue onto it.
        if to_stdout && newline_needed && std::io::stdout().is_terminal() {
            let _ = output::write_stdout(b"\n");
        }
    };

    let label = key.as_ref().map(|k| k.origin.label().to_string());
    match outcome {
        None => {
            finish_line(!ends_with_newline);
            Err(Error::Interrupted)
        }
        Some(Ok(result)) => {
            finish_line(!ends_with_newline);
            let cost = price(&provider, &model, &result);
            let report = Report {
                provider: &provider,
                model: &model,
                result: &result,
                cost,
                latency,
                label,
            };
            if ctx.ui.json {
                return ctx.ui.print_json(&report.json());
            }
            if !ctx.ui.quiet && (args.stats || ctx.ui.stderr_tty) {
                eprintln!("{}", report.table(ctx));
            }
            Ok(())
        }
        Some(Err(failure)) if chat::is_sink_closed(&failure) => Err(Error::StdoutClosed),
        Some(Err(failure)) => {
            finish_line(!ends_with_newline);
            Err(call_failed(&provider, &model, label.as_deref(), &failure))
        }
    }
}

/// The prompt: the arguments joined by spaces, then piped stdin after a blank line.
fn read_prompt(words: &[String], no_stdin: bool) -> Result<String> {
    let mut prompt = words.join(" ");
    let stdin = std::io::stdin();
    if !no_stdin && !stdin.is_terminal() {
        let mut piped = String::new();
        stdin.lock().read_to_string(&mut piped).map_err(|e| {
            Error::Usage(format!(
                "could not read the prompt from standard input: {e}"
            ))
        })?;
        if !piped.trim().is_empty() {
            if !prompt.is_empty() {
                prompt.push_str("\n\n");
            }
            prompt.push_str(&piped);
        }
    }
    if prompt.trim().is_empty() {
        return Err(Error::Usage(
            "the prompt is empty: give it as arguments (`byok run \"…\"`) or pipe it in (`echo … | byok run`)".into(),
        ));
    }
    Ok(prompt)
}

/// `-m provider:model` (split at the first colon, so `ollama:llama3.2:3b` works), `-m
/// provider` for its default model, or the first provider with a key.
fn choose_target(
    keys: &Keys,
    model: Option<&str>,
) -> Result<(Provider, String, Option<ResolvedKey>)> {
    let Some(spec) = model else {
        for p in PROVIDERS.iter().filter(|p| p.key == KeyNeed::Required) {
            let provider = Provider::resolve(p.id)?;
            if let Some(key) = keys.lookup(&provider, None)? {
                return Ok((provider, p.default_model.to_string(), Some(key)));
            }
        }
        return Err(Error::NoProviderKey);
    };
    let (provider_id, model) = match spec.split_once(':') {
        Some((p, m)) => (p, m),
        None => (spec, ""),
    };
    let provider = Provider::resolve(provider_id).map_err(|e| match guess_provider(spec) {
        Some(guess) if !spec.contains(':') => Error::Usage(format!(
            "`{spec}` is not PROVIDER:MODEL; did you mean `-m {guess}:{spec}`?"
        )),
        _ => e,
    })?;
    let model = if model.is_empty() {
        provider.spec.default_model.to_string()
    } else {
        model.to_string()
    };
    let key = keys.lookup(&provider, None)?;
    if key.is_none() && provider.spec.key == KeyNeed::Required {
        return Err(Error::NoKey {
            provider: provider.id().to_string(),
            route: None,
            label: None,
            env: provider.spec.key_env.first().map(|v| v.to_string()),
        });
    }
    Ok((provider, model, key))
}

/// The provider a bare model name most likely belongs to, for a helpful error.
fn guess_provider(model: &str) -> Option<&'static str> {
    let m = model.to_ascii_lowercase();
    let prefixes: &[(&str, &str)] = &[
        ("gpt-", "openai"),
        ("o1", "openai"),
        ("o3", "openai"),
        ("o4", "openai"),
        ("claude", "anthropic"),
        ("gemini", "gemini"),
        ("mistral", "mistral"),
        ("grok", "xai"),
        ("deepseek", "deepseek"),
        ("llama", "ollama"),
    ];
    prefixes
        .iter()
        .find(|(p, _)| m.starts_with(p))
        .map(|(_, id)| *id)
}

fn plain_http_refused(provider: &Provider) -> Error {
    Error::CallFailed {
        message: format!(
            "refusing to send the {} key over plain HTTP to {}: keys travel over TLS only, except to loopback or a base URL you set.",
            provider.id(),
            provider.base_url
        ),
        hint: format!(
            "use https, or set BYOK_{}_BASE_URL yourself",
            provider.id().to_ascii_uppercase()
        ),
        code: crate::error::exit::CONFIG,
    }
}

fn price(provider: &Provider, model: &str, result: &ChatResult) -> Cost {
    // No usage report means the tokens are unknown, and so is the cost: never a made-up 0.
    if !result.usage_reported
        && result.provider_cost_usd.is_none()
        && !prices::is_local(provider.id())
    {
        return Cost {
            usd: None,
            source: CostSource::Unknown,
        };
    }
    prices::cost(
        &PriceTable::embedded(),
        provider,
        model,
        &result.usage,
        result.provider_cost_usd,
    )
}

/// Turns a failed call into the message a person reads and the exit code scripts read.
pub fn call_failed(
    provider: &Provider,
    model: &str,
    label: Option<&str>,
    f: &ChatFailure,
) -> Error {
    let (mut message, hint) = f.failure.explain(provider, model, label);
    if !f.partial.text.is_empty() {
        message.push_str(" The part of the answer that arrived was printed above.");
    }
    Error::CallFailed {
        message,
        hint,
        code: f.failure.class.exit_code(),
    }
}

struct Report<'a> {
    provider: &'a Provider,
    model: &'a str,
    result: &'a ChatResult,
    cost: Cost,
    latency: std::time::Duration,
    label: Option<String>,
}

#[derive(Serialize)]
struct AttemptJson<'a> {
    provider: &'a str,
    model: &'a str,
    status: &'static str,
    error: Option<String>,
}

#[derive(Serialize)]
struct RunJson<'a> {
    text: &'a str,
    provider: &'a str,
    model: &'a str,
    route: Option<&'a str>,
    usage: Usage,
    cost_usd: Option<f64>,
    cost_source: CostSource,
    latency_ms: u64,
    ttft_ms: Option<u64>,
    attempts: Vec<AttemptJson<'a>>,
}

impl Report<'_> {
    fn json(&self) -> RunJson<'_> {
        RunJson {
            text: &self.result.text,
            provider: self.provider.id(),
            model: self.model,
            route: None,
            usage: self.result.usage,
            cost_usd: self.cost.usd,
            cost_source: self.cost.source,
            latency_ms: self.latency.as_millis() as u64,
            ttft_ms: self.result.ttft.map(|t| t.as_millis() as u64),
            attempts: vec![AttemptJson {
                provider: self.provider.id(),
                model: self.model,
                status: "ok",
                error: None,
            }],
        }
    }

    fn table(&self, ctx: &Ctx) -> comfy_table::Table {
        let mut t = ctx.ui.table(&[
            "provider",
            "model",
            "key",
            "input",
            "cached",
            "cache write",
            "output",
            "reasoning",
            "cost",
            "latency",
            "ttft",
        ]);
        if !ctx.ui.color_stderr {
            t.force_no_tty();
        }
        let u = &self.result.usage;
        t.add_row(vec![
            self.provider.id().to_string(),
            self.model.to_string(),
            self.label.clone().unwrap_or_else(|| "—".into()),
            u.input_tokens.to_string(),
            u.cached_input_tokens.to_string(),
            u.cache_write_tokens.to_string(),
            u.output_tokens.to_string(),
            u.reasoning_tokens.to_string(),
            self.cost.display(),
            format!("{} ms", self.latency.as_millis()),
            self.result
                .ttft
                .map_or("—".into(), |t| format!("{} ms", t.as_millis())),
        ]);
        t
    }
}
