//! A streamed answer in the OpenAI shape (SSE).

use serde_json::Value;

use super::answer::{NO_CHOICES, answer_choice, provider_cost, stream_error, usage_of};
use crate::providers::chat::{ChatResult, StreamDecoder, Usage, not_understood, replace_usage};
use crate::providers::failure::Failure;

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
    use super::super::answer::parse_complete;
    use super::*;
    use crate::providers::chat::{decode_pieces, split_at};
    use crate::providers::failure::FailureClass;
    use proptest::prelude::*;
    use serde_json::json;

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
