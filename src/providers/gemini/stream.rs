//! A streamed Gemini answer (`alt=sse`).

use serde_json::Value;

use super::answer::{
    BLOCKED_FINISH, answer_blocked, answer_text, error_failure, error_in, finish_reason,
    prompt_blocked, usage_of,
};
use crate::providers::chat::{ChatResult, StreamDecoder, Usage, not_understood, replace_usage};
use crate::providers::failure::Failure;

/// Gemini streams (`alt=sse`): every event is a whole `GenerateContentResponse` chunk
/// whose usage is cumulative (the last one counts, never a sum); there is no end
/// marker, so the stream is whole once a chunk has carried a `finishReason`. An error
/// can come as a chunk of its own, or written bare (pretty-printed JSON without `data:`)
/// into the stream; either fails the call.
#[derive(Default)]
pub struct Decoder {
    usage: Option<Result<Usage, String>>,
    finish_reason: Option<String>,
    any_text: bool,
}

impl StreamDecoder for Decoder {
    fn event(&mut self, _event: &str, data: &str) -> Result<Vec<String>, Failure> {
        let data = data.trim();
        if data.is_empty() {
            return Ok(Vec::new());
        }
        let v: Value = serde_json::from_str(data)
            .map_err(|e| not_understood(format!("a stream event was not JSON ({e})")))?;
        if let Some(err) = error_in(&v) {
            return Err(error_failure(err));
        }
        if let Some(u) = v.get("usageMetadata").filter(|u| u.is_object()) {
            replace_usage(&mut self.usage, usage_of(u));
        }
        if !self.any_text
            && let Some(blocked) = prompt_blocked(&v)
        {
            return Err(blocked);
        }
        let text = answer_text(&v).unwrap_or_default();
        self.any_text |= !text.is_empty();
        if let Some(r) = finish_reason(&v) {
            if !self.any_text && BLOCKED_FINISH.contains(&r.as_str()) {
                return Err(answer_blocked(&r));
            }
            self.finish_reason = Some(r);
        }
        Ok(if text.is_empty() {
            Vec::new()
        } else {
            vec![text]
        })
    }

    /// Gemini never says the stream is over; the body just ends.
    fn finished(&self) -> bool {
        false
    }

    fn complete(&self) -> bool {
        self.finish_reason.is_some()
    }

    fn result(&self) -> ChatResult {
        ChatResult {
            finish_reason: self.finish_reason.clone(),
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

    /// A thinking model with `includeThoughts`: thought summaries first, then the answer;
    /// every chunk carries the usage so far; CRLF line endings; no end marker.
    const STREAM: &str = concat!(
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"**Adding numbers**\\n\\nThe user asks for 2+2.\",\"thought\": true}],\"role\": \"model\"},\"index\": 0}],",
        "\"usageMetadata\": {\"promptTokenCount\": 1210,\"totalTokenCount\": 1262,\"cachedContentTokenCount\": 1024,",
        "\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 1210}],\"cacheTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 1024}],\"thoughtsTokenCount\": 52},",
        "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mK1aaPqYB4\"}\r\n\r\n",
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"2 + 2\"}],\"role\": \"model\"},\"index\": 0}],",
        "\"usageMetadata\": {\"promptTokenCount\": 1210,\"candidatesTokenCount\": 3,\"totalTokenCount\": 1265,\"cachedContentTokenCount\": 1024,\"thoughtsTokenCount\": 52},",
        "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mK1aaPqYB4\"}\r\n\r\n",
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Checking once more.\",\"thought\": true},{\"text\": \" = **4**, naïvely ✓\",\"thoughtSignature\": \"CiQB0e2Kb3\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],",
        "\"usageMetadata\": {\"promptTokenCount\": 1210,\"candidatesTokenCount\": 11,\"totalTokenCount\": 1273,\"cachedContentTokenCount\": 1024,",
        "\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 1210}],\"thoughtsTokenCount\": 52},",
        "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mK1aaPqYB4\"}\r\n\r\n"
    );

    const EXPECTED_USAGE: Usage = Usage {
        input_tokens: 1210,
        output_tokens: 63,
        cached_input_tokens: 1024,
        cache_write_tokens: 0,
        reasoning_tokens: 52,
        cache_write_1h_tokens: 0,
    };

    fn decode(body: &str) -> Result<ChatResult, Box<crate::providers::chat::ChatFailure>> {
        decode_pieces(vec![body.as_bytes().to_vec()], Decoder::default(), false).map_err(Box::new)
    }
    #[test]
    fn stream_text_skips_thoughts_and_usage_is_the_last_chunks() {
        let r = decode(STREAM).unwrap();
        assert_eq!(r.text, "2 + 2 = **4**, naïvely ✓");
        assert_eq!(r.usage, EXPECTED_USAGE);
        assert!(r.usage_reported);
        assert_eq!(r.finish_reason.as_deref(), Some("STOP"));
        assert_eq!(r.provider_cost_usd, None);
    }

    #[test]
    fn decoder_never_says_finished_but_is_complete_after_finish_reason() {
        let mut d = Decoder::default();
        let events: Vec<&str> = STREAM
            .split("\r\n\r\n")
            .filter(|e| !e.is_empty())
            .map(|e| e.strip_prefix("data: ").unwrap())
            .collect();
        assert_eq!(events.len(), 3);
        assert_eq!(d.event("", events[0]).unwrap(), Vec::<String>::new());
        assert!(!d.finished() && !d.complete());
        assert_eq!(d.event("", events[1]).unwrap(), vec!["2 + 2"]);
        assert!(!d.finished() && !d.complete());
        assert_eq!(d.event("", events[2]).unwrap(), vec![" = **4**, naïvely ✓"]);
        assert!(!d.finished(), "Gemini has no end marker");
        assert!(d.complete());
    }
    #[test]
    fn a_blocked_prompt_is_a_bad_request_saying_why() {
        let v = json!({
            "promptFeedback": {
                "blockReason": "SAFETY",
                "safetyRatings": [
                    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": true},
                    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}
                ]
            },
            "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12},
            "modelVersion": "gemini-2.5-flash"
        });
        let f = parse_complete(&v).unwrap_err();
        assert_eq!(f.class, FailureClass::BadRequest);
        assert!(f.message.contains("blocked"), "{}", f.message);
        assert!(f.message.contains("SAFETY"), "{}", f.message);
        assert!(
            f.message.contains("HARM_CATEGORY_DANGEROUS_CONTENT"),
            "{}",
            f.message
        );
        assert!(!f.message.contains("HARASSMENT"), "{}", f.message);

        // The same refusal as the only chunk of a stream.
        let body = format!("data: {v}\r\n\r\n");
        let f = decode(&body).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::BadRequest);
        assert!(f.failure.message.contains("SAFETY"));
        assert_eq!(f.partial.usage.input_tokens, 12);
    }

    #[test]
    fn a_withheld_answer_is_a_failure_not_an_empty_success() {
        let v = json!({"candidates": [{"finishReason": "SAFETY", "index": 0}],
            "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8}});
        let f = parse_complete(&v).unwrap_err();
        assert_eq!(f.class, FailureClass::BadRequest);
        assert!(f.message.contains("SAFETY"));
        let f = decode(&format!("data: {v}\r\n\r\n")).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::BadRequest);
        // Text already given stays an answer (cut short, but not refused).
        let partial = concat!(
            "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Once upon\"}]}}]}\r\n\r\n",
            "data: {\"candidates\": [{\"finishReason\": \"RECITATION\"}]}\r\n\r\n"
        );
        let r = decode(partial).unwrap();
        assert_eq!(r.text, "Once upon");
        assert_eq!(r.finish_reason.as_deref(), Some("RECITATION"));
    }
    #[test]
    fn an_error_chunk_mid_stream_keeps_the_text_and_has_its_class() {
        let first = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"The answer\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 7,\"candidatesTokenCount\": 2,\"totalTokenCount\": 9}}\r\n\r\n";
        let cases = [
            (
                json!({"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}),
                FailureClass::Overloaded,
            ),
            (
                json!({"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}),
                FailureClass::RateLimited,
            ),
            (
                json!({"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}),
                FailureClass::Server,
            ),
            (
                json!({"code": 400, "message": "Request contains an invalid argument.", "status": "INVALID_ARGUMENT"}),
                FailureClass::BadRequest,
            ),
            (
                json!({"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT",
                    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]}),
                FailureClass::KeyRejected,
            ),
            (
                json!({"code": 504, "message": "Deadline expired before operation could complete.", "status": "DEADLINE_EXCEEDED"}),
                FailureClass::Server,
            ),
        ];
        for (err, class) in cases {
            let body = format!("{first}data: {}\r\n\r\n", json!({ "error": err }));
            let f = decode(&body).unwrap_err();
            assert_eq!(f.failure.class, class, "{err}");
            assert_eq!(f.failure.status, err["code"].as_u64().map(|c| c as u16));
            assert_eq!(f.failure.message, err["message"].as_str().unwrap());
            assert_eq!(f.partial.text, "The answer");
            assert_eq!(f.partial.usage.input_tokens, 7);
        }
    }

    /// Gemini's mid-stream failure: the error object written bare into the stream,
    /// pretty-printed, with no `data:` (here after the answer had finished).
    const BARE_ERROR: &str = "{\n  \"error\": {\n    \"code\": 503,\n    \"message\": \"The model is overloaded. Please try again later.\",\n    \"status\": \"UNAVAILABLE\"\n  }\n}\n";

    #[test]
    fn a_bare_error_object_mid_stream_is_a_failure_keeping_the_text() {
        for at in [
            STREAM
                .find("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Checking")
                .unwrap(),
            STREAM.len(),
        ] {
            let body = format!("{}{BARE_ERROR}", &STREAM[..at]);
            let f = decode(&body).unwrap_err();
            assert_eq!(f.failure.class, FailureClass::Overloaded, "{at}");
            assert_eq!(
                f.failure.message,
                "The model is overloaded. Please try again later."
            );
            assert_eq!(f.failure.status, Some(503));
            assert!(f.partial.text.starts_with("2 + 2"));
        }
        // The same written as a list, and without its last newline.
        let listed = format!("{STREAM}[{}]", BARE_ERROR.trim_end());
        assert_eq!(
            decode(&listed).unwrap_err().failure.class,
            FailureClass::Overloaded
        );
        // Cut before the object closes: a cut, never a success.
        let half = &BARE_ERROR[..BARE_ERROR.find("\"status\"").unwrap()];
        let body = format!(
            "{}{half}",
            &STREAM[..STREAM
                .find("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Checking")
                .unwrap()]
        );
        assert_eq!(
            decode(&body).unwrap_err().failure.class,
            FailureClass::StreamCut
        );
    }

    #[test]
    fn impossible_counts_leave_the_usage_unknown_with_a_warning() {
        for bad in ["-5", "1.5", "\"12\"", "1e30", "18446744073709551615"] {
            let body = STREAM.replace(
                "\"candidatesTokenCount\": 11",
                &format!("\"candidatesTokenCount\": {bad}"),
            );
            assert_ne!(body, STREAM);
            let r = decode(&body).unwrap();
            assert_eq!(r.text, "2 + 2 = **4**, naïvely ✓");
            assert!(!r.usage_reported && r.usage_impossible, "{bad}");
            assert_eq!(r.usage, Usage::default());
            assert!(
                r.warnings[0].contains("impossible usage"),
                "{:?}",
                r.warnings
            );
        }
        // Each count possible, the output (answer + thinking) not.
        let v = json!({"candidates": [{"content": {"parts": [{"text": "hi"}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 600_000_000, "thoughtsTokenCount": 600_000_000}});
        let r = parse_complete(&v).unwrap();
        assert!(r.usage_impossible);
    }

    #[test]
    fn a_stream_that_ends_without_a_finish_reason_was_cut() {
        let cut = &STREAM[..STREAM
            .find("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Checking")
            .unwrap()];
        let f = decode(cut).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::StreamCut);
        assert_eq!(f.partial.text, "2 + 2");
        assert_eq!(f.partial.usage.output_tokens, 55);
        assert!(f.partial.finish_reason.is_none());
        // Cut in the middle of the last event: its half line never counts.
        let mid = &STREAM[..STREAM.len() - 40];
        let f = decode(mid).unwrap_err();
        assert_eq!(f.failure.class, FailureClass::StreamCut);
        assert_eq!(f.partial.text, "2 + 2");
        // An empty body is cut too.
        assert_eq!(
            decode("").unwrap_err().failure.class,
            FailureClass::StreamCut
        );
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_answer(cuts in proptest::collection::vec(0usize..2000, 0..40)) {
            // Also a body whose last event has no blank line after it.
            for body in [STREAM, STREAM.trim_end()] {
                let whole = decode(body).unwrap();
                let split = decode_pieces(split_at(body.as_bytes(), &cuts), Decoder::default(), false).unwrap();
                prop_assert_eq!(&whole.text, &split.text);
                prop_assert_eq!(whole.usage, split.usage);
                prop_assert_eq!(split.usage, EXPECTED_USAGE);
                prop_assert_eq!(whole.finish_reason, split.finish_reason);
            }
        }

        /// A bare error after the answer fails the same way, however the body is split.
        #[test]
        fn any_split_of_a_bare_error_fails_the_same(cuts in proptest::collection::vec(0usize..2200, 0..40)) {
            let body = format!("{STREAM}{BARE_ERROR}");
            let f = decode_pieces(split_at(body.as_bytes(), &cuts), Decoder::default(), false).unwrap_err();
            prop_assert_eq!(f.failure.class, FailureClass::Overloaded);
            prop_assert_eq!(f.partial.text, "2 + 2 = **4**, naïvely ✓");
        }

        /// Every split right after a `\r` (between the `\r` and the `\n` of a CRLF),
        /// together with a few random cuts.
        #[test]
        fn splits_inside_crlf_give_the_same_answer(
            picks in proptest::collection::vec(any::<proptest::sample::Index>(), 1..12),
            extra in proptest::collection::vec(0usize..2000, 0..8),
        ) {
            let crs: Vec<usize> = STREAM.bytes().enumerate().filter(|(_, b)| *b == b'\r').map(|(i, _)| i + 1).collect();
            let mut cuts: Vec<usize> = picks.iter().map(|p| crs[p.index(crs.len())]).collect();
            cuts.extend(extra);
            let split = decode_pieces(split_at(STREAM.as_bytes(), &cuts), Decoder::default(), false).unwrap();
            prop_assert_eq!(split.text, "2 + 2 = **4**, naïvely ✓");
            prop_assert_eq!(split.usage, EXPECTED_USAGE);
        }
    }

    #[test]
    fn every_crlf_split_at_once() {
        let cuts: Vec<usize> = STREAM
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\r')
            .map(|(i, _)| i + 1)
            .collect();
        let r = decode_pieces(
            split_at(STREAM.as_bytes(), &cuts),
            Decoder::default(),
            false,
        )
        .unwrap();
        assert_eq!(r.text, "2 + 2 = **4**, naïvely ✓");
        assert_eq!(r.usage, EXPECTED_USAGE);
        // And one byte at a time.
        let bytes: Vec<Vec<u8>> = STREAM.bytes().map(|b| vec![b]).collect();
        let r = decode_pieces(bytes, Decoder::default(), false).unwrap();
        assert_eq!(r.text, "2 + 2 = **4**, naïvely ✓");
        assert_eq!(r.usage, EXPECTED_USAGE);
    }
}
