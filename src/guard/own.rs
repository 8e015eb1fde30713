//! Finding the user's own secrets in outgoing text (README "The outbound guard"): every
//! occurrence of a whole secret, and every run of [`RUN`] or more of its characters.
//!
//! A run of [`RUN`] bytes always covers an 8-byte window that starts at a multiple of 8
//! in the text, so the index holds every 8-byte window of every secret (at any offset),
//! and the scan looks the text up only at every eighth byte: a bit set rejects nearly
//! every position at the cost of one multiply, and a hit is extended left and right
//! byte by byte against the secret it came from to find the whole run. A 10 MB input is
//! scanned in a few milliseconds whatever the number of keys.
//!
//! Secrets shorter than [`RUN`] are looked for whole; below [`WORD_BELOW`] only as a
//! whole word, so a short passphrase does not match inside ordinary words.

use zeroize::{Zeroize, Zeroizing};

/// The shortest run of a secret's characters that counts as the secret.
pub const RUN: usize = 16;
/// Secrets shorter than this are matched only as a whole word.
pub const WORD_BELOW: usize = 8;
/// The window the index is built on; `RUN >= 2 * WINDOW - 1` makes the stride sound.
const WINDOW: usize = 8;
const _: () = assert!(RUN >= 2 * WINDOW - 1);

/// One occurrence: which secret (its index in the list the index was built from) and
/// the byte range of the text it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub secret: usize,
    pub start: usize,
    pub end: usize,
}

/// The secrets, ready to be looked for. Holds copies of them, zeroed when dropped.
pub struct Index {
    secrets: Vec<Zeroizing<Vec<u8>>>,
    /// `(window, secret, offset)` for every 8-byte window of every long secret, sorted.
    windows: Vec<(u64, u32, u32)>,
    /// One bit per hash of a window in `windows`.
    bits: Vec<u64>,
    shift: u32,
}

impl Drop for Index {
    fn drop(&mut self) {
        for w in &mut self.windows {
            w.0.zeroize();
        }
        self.bits.zeroize();
    }
}

fn load(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; WINDOW];
    w.copy_from_slice(&bytes[at..at + WINDOW]);
    u64::from_le_bytes(w)
}

impl Index {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Index {
        let secrets: Vec<Zeroizing<Vec<u8>>> = secrets
            .into_iter()
            .map(|s| Zeroizing::new(s.as_bytes().to_vec()))
            .collect();
        let mut windows = Vec::new();
        for (i, s) in secrets.iter().enumerate() {
            if s.len() >= RUN {
                for o in 0..=s.len() - WINDOW {
                    windows.push((load(s, o), i as u32, o as u32));
                }
            }
        }
        windows.sort_unstable();
        // About 16 bits per window keeps false positives near one in sixteen thousand
        // for a few keys, and under 1 % for a thousand.
        let log = (windows.len().max(1) * 16)
            .next_power_of_two()
            .trailing_zeros();
        let log = log.clamp(12, 24);
        let mut index = Index {
            secrets,
            windows,
            bits: vec![0u64; (1usize << log) / 64],
            shift: 64 - log,
        };
        for k in 0..index.windows.len() {
            let h = index.hash(index.windows[k].0);
            index.bits[h >> 6] |= 1 << (h & 63);
        }
        index
    }

    fn hash(&self, w: u64) -> usize {
        (w.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Every occurrence in `text`, by start; overlapping runs of one secret are one hit.
    pub fn find(&self, text: &str) -> Vec<Hit> {
        let b = text.as_bytes();
        let mut hits = Vec::new();
        if !self.windows.is_empty() {
            let mut p = 0;
            while p + WINDOW <= b.len() {
                let w = load(b, p);
                let h = self.hash(w);
                if self.bits[h >> 6] >> (h & 63) & 1 == 1 {
                    self.extend(b, p, w, &mut hits);
                }
                p += WINDOW;
            }
        }
        for (i, s) in self.secrets.iter().enumerate() {
            if s.is_empty() || s.len() >= RUN {
                continue;
            }
            let Ok(needle) = std::str::from_utf8(s) else {
                continue;
            };
            for (at, _) in text.match_indices(needle) {
                let end = at + s.len();
                if s.len() < WORD_BELOW && !(word_edge(b, at) && word_edge(b, end)) {
                    continue;
                }
                hits.push(Hit {
                    secret: i,
                    start: at,
                    end,
                });
            }
        }
        merge(hits)
    }

    /// The runs through the window `w` at `p`, against every secret window equal to it.
    fn extend(&self, b: &[u8], p: usize, w: u64, hits: &mut Vec<Hit>) {
        let from = self.windows.partition_point(|e| e.0 < w);
        for &(_, i, o) in self.windows[from..].iter().take_while(|e| e.0 == w) {
            let s = &self.secrets[i as usize];
            let o = o as usize;
            let mut left = 0;
            while left < p.min(o) && b[p - left - 1] == s[o - left - 1] {
                left += 1;
            }
            let mut right = 0;
            while p + WINDOW + right < b.len()
                && o + WINDOW + right < s.len()
                && b[p + WINDOW + right] == s[o + WINDOW + right]
            {
                right += 1;
            }
            if left + WINDOW + right >= RUN {
                hits.push(Hit {
                    secret: i as usize,
                    start: p - left,
                    end: p + WINDOW + right,
                });
            }
        }
    }
}

/// Whether the byte boundary at `at` is the edge of a word (not between two letters or
/// digits).
fn word_edge(b: &[u8], at: usize) -> bool {
    let before = at.checked_sub(1).map(|i| b[i].is_ascii_alphanumeric());
    let after = b.get(at).map(|c| c.is_ascii_alphanumeric());
    !(before == Some(true) && after == Some(true))
}

/// Sorted by start, one hit per overlapping stretch of the same secret.
fn merge(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_unstable_by_key(|h| (h.secret, h.start, h.end));
    let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
    for h in hits {
        match out.last_mut() {
            Some(last) if last.secret == h.secret && h.start < last.end => {
                last.end = last.end.max(h.end);
            }
            _ => out.push(h),
        }
    }
    out.sort_unstable_by_key(|h| (h.start, h.secret));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-proj-Zq7Vb3Nn8Kd2Lw5Rt9Hm4Xc6Pf1Gj0Yt5Ks";

    fn found(secrets: &[&str], text: &str) -> Vec<(usize, usize, usize)> {
        Index::new(secrets.iter().copied())
            .find(text)
            .into_iter()
            .map(|h| (h.secret, h.start, h.end))
            .collect()
    }

    #[test]
    fn the_whole_secret_is_found_anywhere() {
        for pad in 0..20 {
            let text = format!("{}{KEY} and more", "x".repeat(pad));
            assert_eq!(
                found(&[KEY], &text),
                vec![(0, pad, pad + KEY.len())],
                "{pad}"
            );
        }
        assert_eq!(
            found(&["other-secret-0000000000", KEY], KEY),
            vec![(1, 0, KEY.len())]
        );
    }

    #[test]
    fn every_run_of_16_is_found_at_every_alignment_and_15_is_not() {
        for start in 0..=KEY.len() - RUN {
            for pad in 0..9 {
                let run = &KEY[start..start + RUN];
                let text = format!("{}{run}.", " ".repeat(pad));
                assert_eq!(
                    found(&[KEY], &text),
                    vec![(0, pad, pad + RUN)],
                    "{start} {pad}"
                );
                let short = &KEY[start..start + RUN - 1];
                let text = format!("{}{short}.", " ".repeat(pad));
                assert!(found(&[KEY], &text).is_empty(), "{start} {pad}");
            }
        }
    }

    #[test]
    fn two_occurrences_are_two_hits_and_one_is_one() {
        let text = format!("a {KEY}\nb {}\n", &KEY[3..30]);
        let hits = found(&[KEY], &text);
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert_eq!(hits[1].1, text.rfind(&KEY[3..30]).unwrap());
    }

    #[test]
    fn short_secrets_match_whole_and_very_short_ones_as_words() {
        assert_eq!(found(&["hunter22x"], "pw: hunter22xy"), vec![(0, 4, 13)]);
        assert!(found(&["pass"], "a passage").is_empty());
        assert_eq!(found(&["pass"], "it is pass."), vec![(0, 6, 10)]);
        assert!(found(&[""], "anything").is_empty());
    }

    proptest::proptest! {
        /// Any run of 16 or more of a secret is found where it is, among other secrets,
        /// in any text around it; the found run covers at least what was planted.
        #[test]
        fn any_planted_run_is_found(
            secret in "[A-Za-z0-9_-]{16,90}",
            others in proptest::collection::vec("[A-Za-z0-9]{8,60}", 0..5),
            before in "\\PC{0,40}",
            after in "\\PC{0,40}",
            start in 0usize..90,
            len in 16usize..90,
        ) {
            let start = start % (secret.len() - RUN + 1);
            let len = len.min(secret.len() - start);
            let run = &secret[start..start + len];
            let text = format!("{before}{run}{after}");
            let mut all: Vec<&str> = others.iter().map(String::as_str).collect();
            all.push(&secret);
            let me = all.len() - 1;
            let at = before.len();
            let hits = Index::new(all.iter().copied()).find(&text);
            proptest::prop_assert!(
                hits.iter().any(|h| h.secret == me && h.start <= at && h.end >= at + len),
                "{hits:?}"
            );
        }
    }

    #[test]
    fn non_ascii_text_and_secrets_are_fine() {
        let secret = "é-très-secret-phrase-ünïcode";
        let text = format!("ça va? {secret} ok");
        assert_eq!(found(&[secret], &text).len(), 1);
        assert!(found(&[KEY], "ééééééééééééééééééééé").is_empty());
    }
}
