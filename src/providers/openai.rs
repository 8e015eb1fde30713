//! The OpenAI chat-completions wire format, spoken by OpenAI, Mistral, OpenRouter, Groq,
//! DeepSeek, xAI, Together and the local OpenAI-compatible servers.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::Provider;
use super::chat::{
    ChatRequest, ChatResult, StreamDecoder, Usage, UsageReader, not_understood, replace_usage,
};
use super::failure::{Failure, FailureClass};
use super::verify::Probe;
use super::wire::{Framing, WireFormat};
use crate::http;

/// The OpenAI chat-completions wire format.
pub struct OpenAi;

impl WireFormat for OpenAi {
    fn kind(&self) -> &'static str {
        "openai"
    }

    fn chat_request(
        &self,
        client: &reqwest::Client,
        provider: &Provider,
        key: Option<&str>,
        req: &ChatRequest,
    ) -> reqwest::RequestBuilder {
        chat_request(client, provider, key, req)
    }

    fn framing(&self) -> Framing {
        Framing::Sse
    }

    fn stream_decoder(&self) -> Box<dyn StreamDecoder + Send> {
        Box::<Decoder>::default()
    }

    fn parse_complete(&self, body: &Value) -> Result<ChatResult, Failure> {
        parse_complete(body)
    }

    fn error_object(&self, err: &Value) -> Failure {
        stream_error(err)
    }

    fn models_path(&self) -> &'static str {
        "/models"
    }

    fn probe<'a>(
        &'a self,
        client: &'a reqwest::Client,
        provider: &'a Provider,
        key: Option<&'a str>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Probe, Failure>> {
        Box::pin(probe(client, provider, key, timeout))
    }
}

/// The free probe: `GET {base}/models` (OpenRouter: `GET {base}/key`, because its model
/// list is public and proves nothing about a key).
async fn probe(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    timeout: Duration,
) -> Result<Probe, Failure> {
    let auth = key.map(|k| zeroize::Zeroizing::new(format!("Bearer {k}")));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    let secrets: Vec<&str> = key.into_iter().collect();
    let body = http::get_json(
        client,
        &provider.url(provider.spec.probe_path),
        &headers,
        timeout,
        &secrets,
    )
    .await?;
    if provider.spec.quirks.probe_reads_key {
        return openrouter_key(&body);
    }
    let models = body
        .get("data")
        .and_then(Value::as_array)
        .map(|d| d.len() as u64);
    Ok(Probe { models })
}

/// OpenRouter's `/key` says whether the key works and how much credit it has left.
fn openrouter_key(body: &Value) -> Result<Probe, Failure> {
    let remaining = body
        .pointer("/data/limit_remaining")
        .and_then(Value::as_f64);
    if remaining.is_some_and(|r| r <= 0.0) {
        return Err(
            Failure::new(FailureClass::NoCredit, "the key's credit limit is used up")
                .with_status(200),
        );
    }
    Ok(Probe { models: None })
}

/// `POST {base}/chat/completions`. Streaming asks for usage (`stream_options`), which
/// OpenAI-style servers otherwise leave out of streams.
fn chat_request(
    client: &reqwest::Client,
    provider: &Provider,
    key: Option<&str>,
    req: &ChatRequest,
) -> reqwest::RequestBuilder {
    let mut messages = Vec::new();
    if let Some(system) = &req.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    messages.push(json!({"role": "user", "content": req.prompt}));
    let mut body = json!({"model": req.model, "messages": messages});
    if let Some(n) = req.max_tokens {
        let field = if provider.spec.quirks.max_completion_tokens {
            "max_completion_tokens"
        } else {
            "max_tokens"
        };
        body[field] = json!(n);
    }
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    if req.stream {
        body["stream"] = json!(true);
        body["stream_options"] = json!({"include_usage": true});
    }
    let mut http = client.post(provider.url("/chat/completions")).json(&body);
    if let Some(k) = key {
        http = crate::http::secret_header(http, "authorization", "Bearer ", k);
    }
    if provider.spec.quirks.app_title {
        http = http.header("X-Title", "byok");
    }
    http
}

/// Usage in the OpenAI shape: `prompt_tokens` already include cached tokens and
/// `completion_tokens` already include reasoning, so both are taken as they are. With
/// several choices (`n`), the counts are already the sum over them. `Err` says why the
/// report cannot be true.
pub fn usage_of(u: &Value) -> Result<Usage, String> {
    let mut r = UsageReader::new(u);
    let cached = r.count_or_zero("/prompt_tokens_details/cached_tokens");
    // DeepSeek reports cache hits at the top level instead.
    let cache_hits = r.count_or_zero("/prompt_cache_hit_tokens");
    let usage = Usage {
        input_tokens: r.count_or_zero("/prompt_tokens"),
        output_tokens: r.count_or_zero("/completion_tokens"),
        cached_input_tokens: cached.max(cache_hits),
        cache_write_tokens: r.count_or_zero("/prompt_tokens_details/cache_write_tokens"),
        reasoning_tokens: r.count_or_zero("/completion_tokens_details/reasoning_tokens"),
        cache_write_1h_tokens: 0,
    };
    r.finish(usage)
}

/// More than this for one call is not a price anyone was charged: a provider's bug.
const MAX_PROVIDER_COST_USD: f64 = 1000.0;

/// OpenRouter's own charge for the call, in USD credits; ignored (the price table is
/// used instead) when it is negative, not a number, or absurd.
fn provider_cost(u: &Value) -> Option<f64> {
    u.get("cost")
        .and_then(Value::as_f64)
        .filter(|c| c.is_finite() && (0.0..=MAX_PROVIDER_COST_USD).contains(c))
}

/// The choice that is the answer: `index` 0 (a missing `index` counts as 0). With several
/// choices (`n` > 1) the others are ignored.
fn answer_choice(v: &Value) -> Option<&Value> {
    v.get("choices")?
        .as_array()?
        .iter()
        .find(|c| c.get("index").and_then(Value::as_u64).unwrap_or(0) == 0)
}

const NO_CHOICES: &str =
    "the provider's answer had no choices, only its usage: the answer is empty";

fn parse_complete(v: &Value) -> Result<ChatResult, Failure> {
    if let Some(err) = v.get("error").filter(|e| !e.is_null()) {
        return Err(stream_error(err));
    }
    let usage = v.get("usage").filter(|u| u.is_object());
    let mut warnings = Vec::new();
    let choice = match answer_choice(v) {
        Some(c) => Some(c),
        // A 200 with an empty `choices` list and a usage block: the tokens were spent
        // on an empty answer.
        None if usage.is_some()
            && v.get("choices")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty) =>
        {
            warnings.push(NO_CHOICES.to_string());
            None
        }
        None => return Err(not_understood("the answer has no choices".into())),
    };
    let text = choice
        .and_then(|c| c.pointer("/message/content"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let result = ChatResult {
        text,
        provider_cost_usd: usage.and_then(provider_cost),
        finish_reason: choice
            .and_then(|c| c.get("finish_reason"))
            .and_then(Value::as_str)
            .map(String::from),
        warnings,
        ..ChatResult::default()
    };
    Ok(result.with_usage(usage.map(usage_of)))
}

/// An error object inside a 200 answer or a stream.
fn stream_error(err: &Value) -> Failure {
    let message = err
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| err.as_str())
        .unwrap_or("the provider reported an error")
        .to_string();
    let code = |p: &str| {
        err.get(p)
            .map(|c| c.to_string().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let codes = format!("{} {}", code("code"), code("type"));
    let class = if codes.contains("rate_limit") || codes.contains("429") {
        FailureClass::RateLimited
    } else if codes.contains("overloaded") || codes.contains("503") || codes.contains("529") {
        FailureClass::Overloaded
    } else if codes.contains("insufficient_quota") || codes.contains("402") {
        FailureClass::NoCredit
    } else {
        FailureClass::Server
    };
    Failure::new(class, message)
}

/// Streams in the OpenAI shape: `choices[].delta.content` pieces of choice 0 (chunks for
/// other choices, when `n` > 1, interleave and are ignored); usage in a chunk whose
/// `choices` is empty (OpenAI), on the `finish_reason` chunk (Mistral) or after it
/// (OpenRouter); `usage: null` on the others; `[DONE]` at the end.
#[derive(Default)]
pub struct Decoder {
    usage: Option<Result<Usage, String>>,
    cost: Option<f64>,
    finish_reason: Option<String>,
    /// Some chunk carried choice 0.
    any_choice: bool,
    done: bool,
}

impl StreamDecoder for Decoder {
    fn event(&mut self, _event: &str, data: &str) -> Result<Vec<String>, Failure> {
        let data = data.trim();
        if data == "[DONE]" {
            self.done = true;
            return Ok(Vec::new());
        }
        if data.is_empty() {
            return Ok(Vec::new());
        }
        let v: Value = serde_json::from_str(data)
            .map_err(|e| not_understood(format!("a stream event was not JSON ({e})")))?;
        if let Some(err) = v.get("error").filter(|e| !e.is_null()) {
            return Err(stream_error(err));
        }
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            replace_usage(&mut self.usage, usage_of(u));
            self.cost = provider_cost(u).or(self.cost);
        }
        let mut deltas = Vec::new();
        if let Some(choice) = answer_choice(&v) {
            self.any_choice = true;
            if let Some(t) = choice.pointer("/delta/content").and_then(Value::as_str) {
                deltas.push(t.to_string());
            }
            if let Some(r) = choice.get("finish_reason").and_then(Value::as_str) {
                self.finish_reason = Some(r.to_string());
            }
        }
        Ok(deltas)
    }

    fn finished(&self) -> bool {
        self.done
    }

    fn complete(&self) -> bool {
        self.done || self.finish_reason.is_some()
    }

    fn result(&self) -> ChatResult {
        let mut warnings = Vec::new();
        if self.done && !self.any_choice && matches!(self.usage, Some(Ok(_))) {
            warnings.push(NO_CHOICES.to_string());
        }
        ChatResult {
            provider_cost_usd: self.cost,
            finish_reason: self.finish_reason.clone(),
            warnings,
            ..ChatResult::default()
        }
        .with_usage(self.usage.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::chat::{decode_pieces, split_at};
    use proptest::prelude::*;

    /// OpenAI: `usage: null` on every chunk, then a usage-only chunk with empty choices.
    const OPENAI_STREAM: &str = concat!(
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\", wörld\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":40,\"total_tokens\":160,",
        "\"prompt_tokens_details\":{\"cached_tokens\":100},\"completion_tokens_details\":{\"reasoning_tokens\":30}}}\n\n",
        "data: [DONE]\n\n"
    );

    /// OpenRouter: comment lines, usage with `cost` after the finish_reason chunk.
    const OPENROUTER_STREAM: &str = concat!(
        ": OPENROUTER PROCESSING\n\n",
        "data: {\"id\":\"gen-1\",\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
        ": OPENROUTER PROCESSING\n\n",
        "data: {\"id\":\"gen-1\",\"choices\":[{\"delta\":{\"content\":\"!\"},\"finish_reason\":\"stop\"}]}\n\n",
        "data: {\"id\":\"gen-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2,\"total_tokens\":12,\"cost\":0.000042}}\n\n",
        "data: [DONE]\n\n"
    );

    /// Three choices (`n: 3`) whose chunks interleave, choice 1 first; usage is the sum.
    const INTERLEAVED_STREAM: &str = concat!(
        "data: {\"id\":\"c2\",\"choices\":[{\"index\":1,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"c2\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"c2\",\"choices\":[{\"index\":1,\"delta\":{\"content\":\"Lyon\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"c2\",\"choices\":[{\"index\":2,\"delta\":{\"content\":\"Nice\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"c2\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Paris\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"c2\",\"choices\":[{\"index\":1,\"delta\":{},\"finish_reason\":\"length\"}],\"usage\":null}\n\n",
        "data: {\"id\":\"c2\",\"choices\":[{\"index\":2,\"delta\":{\"content\":\" !\"},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n",
        "data: {\"id\":\"c2\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\", France\"},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n",
        "data: {\"id\":\"c2\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":21,\"total_tokens\":30}}\n\n",
        "data: [DONE]\n\n"
    );

    fn decode(body: &str) -> Result<ChatResult, crate::providers::chat::ChatFailure> {
        decode_pieces(vec![body.as_bytes().to_vec()], Decoder::default(), false)
    }

    #[test]
    fn interleaved_choices_give_choice_zero_and_the_summed_usage() {
        let r = decode(INTERLEAVED_STREAM).unwrap();
        assert_eq!(r.text, "Paris, France");
        assert_eq!(r.finish_reason.as_deref(), Some("stop"));
        assert_eq!((r.usage.input_tokens, r.usage.output_tokens), (9, 21));
        // Choice 1 finishing says nothing about choice 0.
        let cut = &INTERLEAVED_STREAM[..INTERLEAVED_STREAM
            .find("{\"index\":2,\"delta\":{\"content\":\" !")
            .unwrap()];
        let cut = &cut[..cut.rfind("data: ").unwrap()];
        let f = decode(cut).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::StreamCut);
        assert_eq!(f.partial.text, "Paris");
        // Whole answers: choice 0 wherever it is in the list.
        let v = json!({"choices": [
            {"index": 1, "message": {"content": "Lyon"}, "finish_reason": "stop"},
            {"index": 0, "message": {"content": "Paris"}, "finish_reason": "length"}
        ], "usage": {"prompt_tokens": 9, "completion_tokens": 4}});
        let r = parse_complete(&v).unwrap();
        assert_eq!(r.text, "Paris");
        assert_eq!(r.finish_reason.as_deref(), Some("length"));
    }

    #[test]
    fn impossible_counts_leave_the_usage_unknown_with_a_warning() {
        for bad in [
            "-5",
            "1.5",
            "\"12\"",
            "1e30",
            "18446744073709551615",
            "1000000001",
        ] {
            let body = OPENAI_STREAM.replace(
                "\"completion_tokens\":40",
                &format!("\"completion_tokens\":{bad}"),
            );
            assert_ne!(body, OPENAI_STREAM);
            let r = decode(&body).unwrap();
            assert_eq!(r.text, "Hello, wörld");
            assert!(!r.usage_reported && r.usage_impossible, "{bad}");
            assert_eq!(r.usage, Usage::default(), "{bad}");
            assert_eq!(r.warnings.len(), 1, "{bad}");
            assert!(
                r.warnings[0].contains("impossible usage"),
                "{:?}",
                r.warnings
            );

            let v: Value = serde_json::from_str(&format!(
                "{{\"choices\":[{{\"index\":0,\"message\":{{\"content\":\"x\"}}}}],\"usage\":{{\"prompt_tokens\":{bad},\"completion_tokens\":2}}}}"
            ))
            .unwrap();
            let r = parse_complete(&v).unwrap();
            assert!(!r.usage_reported && r.usage_impossible, "{bad}");
            assert_eq!(r.usage, Usage::default());
        }
    }

    #[test]
    fn an_absurd_provider_cost_is_ignored() {
        for (cost, kept) in [
            ("0.000042", Some(0.000042)),
            ("0", Some(0.0)),
            ("1000", Some(1000.0)),
            ("-0.01", None),
            ("1000.5", None),
            ("1e300", None),
            ("\"NaN\"", None),
            ("null", None),
        ] {
            let body = OPENROUTER_STREAM.replace("\"cost\":0.000042", &format!("\"cost\":{cost}"));
            assert_eq!(decode(&body).unwrap().provider_cost_usd, kept, "{cost}");
        }
    }

    #[test]
    fn no_choices_and_a_usage_block_is_an_empty_answer_with_a_warning() {
        let v = json!({"id": "c", "object": "chat.completion", "choices": [],
            "usage": {"prompt_tokens": 40, "completion_tokens": 0, "total_tokens": 40}});
        let r = parse_complete(&v).unwrap();
        assert_eq!(r.text, "");
        assert!(r.usage_reported);
        assert_eq!(r.usage.input_tokens, 40);
        assert!(r.warnings[0].contains("no choices"), "{:?}", r.warnings);
        // Without usage either, nothing was understood.
        assert!(parse_complete(&json!({"choices": []})).is_err());
        assert!(parse_complete(&json!({"usage": {"prompt_tokens": 1}})).is_err());

        let stream = "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":0}}\n\ndata: [DONE]\n\n";
        let r = decode(stream).unwrap();
        assert_eq!(r.text, "");
        assert_eq!(r.usage.input_tokens, 40);
        assert!(r.warnings[0].contains("no choices"), "{:?}", r.warnings);
        // A normal stream has no such warning.
        assert!(decode(OPENAI_STREAM).unwrap().warnings.is_empty());
    }

    #[test]
    fn openai_stream_text_and_usage() {
        let r = decode_pieces(
            vec![OPENAI_STREAM.as_bytes().to_vec()],
            Decoder::default(),
            false,
        )
        .unwrap();
        assert_eq!(r.text, "Hello, wörld");
        assert_eq!(
            r.usage,
            Usage {
                input_tokens: 120,
                output_tokens: 40,
                cached_input_tokens: 100,
                reasoning_tokens: 30,
                ..Usage::default()
            }
        );
        assert_eq!(r.finish_reason.as_deref(), Some("stop"));
    }

    #[test]
    fn openrouter_cost_after_finish_reason() {
        let r = decode_pieces(
            vec![OPENROUTER_STREAM.as_bytes().to_vec()],
            Decoder::default(),
            false,
        )
        .unwrap();
        assert_eq!(r.text, "Hi!");
        assert_eq!(r.usage.input_tokens, 10);
        assert_eq!(r.provider_cost_usd, Some(0.000042));
        // A server that sends no `[DONE]` and closes right after the usage chunk, with
        // no blank line: that last event still counts.
        let body = OPENROUTER_STREAM.replace("\n\ndata: [DONE]\n\n", "");
        let r = decode(&body).unwrap();
        assert_eq!(r.usage.input_tokens, 10);
        assert_eq!(r.provider_cost_usd, Some(0.000042));
    }

    #[test]
    fn a_stream_without_an_end_is_cut() {
        let cut = &OPENAI_STREAM[..OPENAI_STREAM.find(", w").unwrap()];
        let f =
            decode_pieces(vec![cut.as_bytes().to_vec()], Decoder::default(), false).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::StreamCut);
        assert_eq!(f.partial.text, "Hello");
    }

    #[test]
    fn an_error_event_mid_stream_fails_with_its_class() {
        let body = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"error\":{\"message\":\"Rate limit reached\",\"code\":\"rate_limit_exceeded\"}}\n\n";
        let f =
            decode_pieces(vec![body.as_bytes().to_vec()], Decoder::default(), false).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::RateLimited);
        assert_eq!(f.partial.text, "a");
    }

    #[test]
    fn each_providers_quirks_shape_its_request() {
        let client = crate::http::client(&crate::http::Timeouts::from_env());
        let req = ChatRequest {
            model: "m".into(),
            system: None,
            prompt: "hi".into(),
            max_tokens: Some(64),
            temperature: None,
            stream: false,
        };
        for (id, field, title) in [
            ("openai", "max_completion_tokens", None),
            ("mistral", "max_tokens", None),
            ("openrouter", "max_tokens", Some("byok")),
        ] {
            let p = Provider::resolve(id).unwrap();
            let built = chat_request(&client, &p, None, &req).build().unwrap();
            let body: Value =
                serde_json::from_slice(built.body().unwrap().as_bytes().unwrap()).unwrap();
            assert_eq!(body[field], 64, "{id}");
            assert_eq!(body.as_object().unwrap().len(), 3, "{id}: {body}");
            let sent = built.headers().get("x-title").map(|t| t.to_str().unwrap());
            assert_eq!(sent, title, "{id}");
        }
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_answer(cuts in proptest::collection::vec(0usize..2000, 0..40)) {
            // The last event's blank line left out, too: the body just ends.
            for body in [OPENAI_STREAM, OPENROUTER_STREAM, INTERLEAVED_STREAM, OPENAI_STREAM.trim_end(), &OPENROUTER_STREAM.replace("\n\ndata: [DONE]\n\n", "")] {
                let whole = decode_pieces(vec![body.as_bytes().to_vec()], Decoder::default(), false).unwrap();
                let split = decode_pieces(split_at(body.as_bytes(), &cuts), Decoder::default(), false).unwrap();
                prop_assert_eq!(&whole.text, &split.text);
                prop_assert_eq!(whole.usage, split.usage);
                prop_assert_eq!(whole.provider_cost_usd, split.provider_cost_usd);
            }
        }
    }
}
