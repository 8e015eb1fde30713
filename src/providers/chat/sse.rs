//! A small Server-Sent Events parser for provider streams, bounded in memory.
//!
//! It follows the event-stream format: lines end in `\n`, `\r\n` or `\r` (also when a
//! `\r\n` is split between two reads); a leading byte order mark is dropped; lines
//! starting with `:` are comments; `field: value` and `field:value` both work (one space
//! after the colon is dropped); several `data:` lines join with `\n`; `event:` names the
//! event; a blank line dispatches it; an event without data is not dispatched.
//!
//! Three things differ from a browser's EventSource, because of what providers send:
//! - The event in progress when the body ends (the last event without its blank line)
//!   is dispatched by [`Parser::finish`], not dropped; the caller decides whether what
//!   it holds is whole.
//! - A line that starts with `{` or `[` is not a field: it begins a bare JSON value
//!   written into the stream without `data:` (Gemini writes a pretty-printed
//!   `{"error": …}` that way when a call fails mid-stream). Its lines are gathered until
//!   the value's brackets balance, then it is dispatched as one event with no name.
//! - Everything buffered since the last event boundary (the line being read, the data,
//!   a bare value) is bounded: past the limit, [`Parser::feed`] fails.
//!
//! Fields other than `data` and `event` (`id`, `retry`) carry nothing a one-shot call
//! needs and are ignored.

/// One dispatched event: its name (`""` when the stream named none) and its data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    pub event: String,
    pub data: String,
}

/// More than the limit was buffered without reaching the end of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge {
    pub limit: usize,
}

/// Brackets seen so far in a bare JSON value, outside strings.
#[derive(Debug, Default)]
struct Bare {
    text: String,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// The value's outermost bracket has closed.
    closed: bool,
}

impl Bare {
    fn push_line(&mut self, line: &str) {
        for b in line.bytes() {
            if self.closed {
                break;
            }
            if self.in_string {
                match b {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    self.closed = self.depth == 0;
                }
                _ => {}
            }
        }
        self.text.push_str(line);
        self.text.push('\n');
    }
}

/// An incremental parser: feed it the body's bytes as they arrive.
#[derive(Debug)]
pub struct Parser {
    limit: usize,
    /// The line being read, without its end.
    line: Vec<u8>,
    /// The last byte read was a `\r`: a `\n` right after it belongs to the same line end.
    after_cr: bool,
    /// No line has been completed yet (a byte order mark may start the first).
    first_line: bool,
    event: String,
    data: String,
    bare: Option<Bare>,
}

impl Parser {
    /// A parser that refuses to buffer more than `limit` bytes of one event.
    pub fn new(limit: usize) -> Parser {
        Parser {
            limit,
            line: Vec::new(),
            after_cr: false,
            first_line: true,
            event: String::new(),
            data: String::new(),
            bare: None,
        }
    }

    fn buffered(&self) -> usize {
        self.line.len()
            + self.data.len()
            + self.event.len()
            + self.bare.as_ref().map_or(0, |b| b.text.len())
    }

    fn check(&self) -> Result<(), TooLarge> {
        if self.buffered() > self.limit {
            Err(TooLarge { limit: self.limit })
        } else {
            Ok(())
        }
    }

    /// Reads `bytes`, pushing every event they complete onto `out`. Fails once one event
    /// grows past the limit (the events completed before it are in `out`).
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut Vec<Event>) -> Result<(), TooLarge> {
        if self.after_cr && bytes.first() == Some(&b'\n') {
            bytes = &bytes[1..];
        }
        self.after_cr = false;
        while let Some(end) = bytes.iter().position(|b| *b == b'\n' || *b == b'\r') {
            self.line.extend_from_slice(&bytes[..end]);
            self.check()?;
            let cr = bytes[end] == b'\r';
            bytes = &bytes[end + 1..];
            if cr {
                if bytes.first() == Some(&b'\n') {
                    bytes = &bytes[1..];
                } else if bytes.is_empty() {
                    self.after_cr = true;
                }
            }
            let line = std::mem::take(&mut self.line);
            self.line_ended(&line, out);
            self.check()?;
        }
        self.line.extend_from_slice(bytes);
        self.check()
    }

    /// The body ended: pushes onto `out` what is still in progress and has anything to
    /// dispatch (the last line counts even without its line end).
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.line_ended(&line, out);
        }
        if let Some(bare) = self.bare.take() {
            out.push(Event {
                event: String::new(),
                data: bare.text,
            });
        }
        out.extend(self.dispatch());
    }

    fn line_ended(&mut self, line: &[u8], out: &mut Vec<Event>) {
        let mut line = line;
        if std::mem::take(&mut self.first_line) {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        let line = String::from_utf8_lossy(line);
        if let Some(bare) = &mut self.bare {
            bare.push_line(&line);
            if bare.closed {
                let bare = self.bare.take().unwrap_or_default();
                out.push(Event {
                    event: String::new(),
                    data: bare.text,
                });
            }
            return;
        }
        if line.is_empty() {
            out.extend(self.dispatch());
            return;
        }
        if line.starts_with('{') || line.starts_with('[') {
            // Not a field: a bare JSON value. What came before it is an event of its own.
            out.extend(self.dispatch());
            let mut bare = Bare::default();
            bare.push_line(&line);
            if bare.closed {
                out.push(Event {
                    event: String::new(),
                    data: bare.text,
                });
            } else {
                self.bare = Some(bare);
            }
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            "event" => self.event = value.to_string(),
            _ => {}
        }
    }

    /// Ends the event in progress: dispatched when it has data, forgotten otherwise.
    fn dispatch(&mut self) -> Option<Event> {
        let event = std::mem::take(&mut self.event);
        let mut data = std::mem::take(&mut self.data);
        if data.is_empty() {
            return None;
        }
        data.pop();
        Some(Event { event, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::chat::split_at;
    use proptest::prelude::*;

    fn ev(event: &str, data: &str) -> Event {
        Event {
            event: event.into(),
            data: data.into(),
        }
    }

    /// Every event of `pieces` fed in turn, then the end of the body.
    fn parse(pieces: &[&[u8]], limit: usize) -> Result<Vec<Event>, TooLarge> {
        let mut p = Parser::new(limit);
        let mut out = Vec::new();
        for piece in pieces {
            p.feed(piece, &mut out)?;
        }
        p.finish(&mut out);
        Ok(out)
    }

    fn all(body: &str) -> Vec<Event> {
        parse(&[body.as_bytes()], usize::MAX).unwrap()
    }

    #[test]
    fn fields_comments_and_line_ends() {
        for eol in ["\n", "\r\n", "\r"] {
            let body = [
                ": a comment",
                "event: message_start",
                "data: {\"a\":1}",
                "",
                "data:no space",
                "data:  two spaces",
                "id: 7",
                "retry: 100",
                "unknown",
                "",
                "event: ping",
                "",
                "data",
                "",
                "",
            ]
            .join(eol);
            assert_eq!(
                all(&body),
                vec![
                    ev("message_start", "{\"a\":1}"),
                    ev("", "no space\n two spaces"),
                    ev("", ""),
                ],
                "{eol:?}"
            );
        }
    }

    #[test]
    fn a_byte_order_mark_is_dropped_even_split() {
        let body = "\u{feff}data: x\n\n".as_bytes();
        assert_eq!(all("\u{feff}data: x\n\n"), vec![ev("", "x")]);
        let pieces: Vec<&[u8]> = vec![&body[..1], &body[1..2], &body[2..]];
        assert_eq!(parse(&pieces, usize::MAX).unwrap(), vec![ev("", "x")]);
    }

    #[test]
    fn a_crlf_split_between_reads_is_one_line_end() {
        let pieces: Vec<&[u8]> = vec![b"data: a\r", b"\n\r", b"\ndata: b\r", b"\r"];
        assert_eq!(
            parse(&pieces, usize::MAX).unwrap(),
            vec![ev("", "a"), ev("", "b")]
        );
        // `\r` then `\r`: two line ends, so a blank line.
        let pieces: Vec<&[u8]> = vec![b"data: a\r", b"\rdata: b\n\n"];
        assert_eq!(
            parse(&pieces, usize::MAX).unwrap(),
            vec![ev("", "a"), ev("", "b")]
        );
    }

    #[test]
    fn the_last_event_counts_without_its_blank_line() {
        assert_eq!(all("data: a\n\ndata: b"), vec![ev("", "a"), ev("", "b")]);
        assert_eq!(all("data: a\n\ndata: b\n"), vec![ev("", "a"), ev("", "b")]);
        assert_eq!(
            all("event: message_stop\r\ndata: {}\r\n"),
            vec![ev("message_stop", "{}")]
        );
        // An event without data is still nothing.
        assert_eq!(all("data: a\n\nevent: ping\n"), vec![ev("", "a")]);
        assert_eq!(all(""), vec![]);
    }

    #[test]
    fn a_bare_json_value_is_one_event() {
        let error = "{\n  \"error\": {\n    \"code\": 503,\n    \"message\": \"The model is {overloaded}. \\\"Retry\\\" later.\",\n    \"status\": \"UNAVAILABLE\"\n  }\n}\n";
        let body = format!("data: {{\"a\":1}}\r\n\r\n{error}data: {{\"b\":2}}\n\n");
        let events = all(&body);
        assert_eq!(events.len(), 3, "{events:?}");
        assert_eq!(events[0], ev("", "{\"a\":1}"));
        let v: serde_json::Value = serde_json::from_str(&events[1].data).unwrap();
        assert_eq!(v["error"]["code"], 503);
        assert_eq!(events[2], ev("", "{\"b\":2}"));
        // Without a blank line before it, without a line end after it, on one line.
        let body = format!("data: x\n{}", error.trim_end());
        let events = all(&body);
        assert_eq!(events[0], ev("", "x"));
        assert!(events[1].data.contains("UNAVAILABLE"));
        assert_eq!(all("[{\"error\": {}}]")[0].data, "[{\"error\": {}}]\n");
        // Cut before it closes: what arrived is handed over at the end, to be judged.
        let cut = &error[..error.find("\"status\"").unwrap()];
        let events = all(cut);
        assert_eq!(events.len(), 1);
        assert!(serde_json::from_str::<serde_json::Value>(&events[0].data).is_err());
    }

    #[test]
    fn one_event_over_the_limit_fails_and_earlier_ones_are_kept() {
        let mut p = Parser::new(64);
        let mut out = Vec::new();
        let big = format!("data: ok\n\ndata: {}\n", "x".repeat(40));
        p.feed(big.as_bytes(), &mut out).unwrap();
        assert_eq!(out, vec![ev("", "ok")]);
        // More data lines of the same event, no blank line: past the limit.
        let err = p.feed(&big.as_bytes()[10..], &mut out).unwrap_err();
        assert_eq!(err, TooLarge { limit: 64 });
        // One long line with no end at all.
        let mut p = Parser::new(64);
        let mut out = Vec::new();
        for _ in 0..6 {
            if p.feed(&[b'a'; 16], &mut out).is_err() {
                return;
            }
        }
        panic!("a line without an end was buffered past the limit");
    }

    #[test]
    fn a_bare_value_that_never_closes_is_bounded_too() {
        let mut p = Parser::new(100);
        let mut out = Vec::new();
        p.feed(b"{\n", &mut out).unwrap();
        let mut failed = false;
        for _ in 0..20 {
            if p.feed(b"  \"k\": 1,\n", &mut out).is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed);
        assert!(out.is_empty());
    }

    #[test]
    fn events_at_the_limit_pass() {
        let data = "y".repeat(100);
        let body = format!("data: {data}\n\n").repeat(3);
        let events = parse(&[body.as_bytes()], 110).unwrap();
        assert_eq!(events.len(), 3);
        assert!(events.iter().all(|e| e.data == data));
    }

    const MIXED: &str = concat!(
        "\u{feff}: comment\r\n",
        "event: a\r\ndata: {\"t\":\"ü👋\"}\r\n\r\n",
        "data:x\rdata: y\r\r",
        ": keep-alive\n\n",
        "data: [DONE]\n\n",
        "{\n \"error\": {\"message\": \"}\"}\n}\n",
        "data: last"
    );

    proptest! {
        #[test]
        fn any_split_gives_the_same_events(cuts in proptest::collection::vec(0usize..200, 0..30)) {
            let whole = all(MIXED);
            prop_assert_eq!(whole.len(), 5);
            let pieces = split_at(MIXED.as_bytes(), &cuts);
            let refs: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(parse(&refs, usize::MAX).unwrap(), whole);
        }
    }
}
