//! How a council decides (README "Councils"), the part without any I/O: normalising and
//! grouping answers, the majority and strict decisions here, the `rank` mode's ballots
//! and count in [`rank`]. `commands::council` makes the calls; everything here is a plain
//! function of its inputs (randomness comes in as an [`Rng`] the caller seeds), so it is
//! tested without a network.

pub mod rank;

pub use rank::Rng;

use serde::Serialize;

/// How a council decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The first successful answer wins; the other members are cancelled
    First,
    /// More than half of the answers that came back agree (after normalising)
    Majority,
    /// At least --quorum members answer and a majority of all members agree
    Strict,
    /// Members rank each other's anonymised answers; Borda count decides
    Rank,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::First => "first",
            Mode::Majority => "majority",
            Mode::Strict => "strict",
            Mode::Rank => "rank",
        }
    }

    /// A profile's `mode = "…"`.
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "first" => Some(Mode::First),
            "majority" => Some(Mode::Majority),
            "strict" => Some(Mode::Strict),
            "rank" => Some(Mode::Rank),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------
// majority and strict
// ---------------------------------------------------------------------------

/// Characters dropped from either end of an answer before comparing it.
fn is_surrounding_punctuation(c: char) -> bool {
    c.is_whitespace()
        || c.is_ascii_punctuation()
        || matches!(
            c,
            '…' | '“'
                | '”'
                | '‘'
                | '’'
                | '«'
                | '»'
                | '¡'
                | '¿'
                | '。'
                | '、'
                | '！'
                | '？'
                | '：'
                | '；'
                | '–'
                | '—'
                | '·'
                | '•'
        )
}

/// The form answers are compared in: trimmed, case-folded, surrounding punctuation
/// dropped, inner runs of whitespace made one space. `Yes.`, `yes` and ` YES ` agree;
/// `yes, but…` does not.
pub fn normalize(answer: &str) -> String {
    let trimmed = answer.trim_matches(is_surrounding_punctuation);
    trimmed
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Members whose answers agree once normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The normalised answer.
    pub key: String,
    /// Member indices, in member order.
    pub members: Vec<usize>,
}

/// Groups `(member, answer)` pairs by their normalised answer, in order of first
/// appearance.
pub fn group(answers: &[(usize, &str)]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (member, text) in answers {
        let key = normalize(text);
        match groups.iter_mut().find(|g| g.key == key) {
            Some(g) => g.members.push(*member),
            None => groups.push(Group {
                key,
                members: vec![*member],
            }),
        }
    }
    groups
}

/// Why a council reached no decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoDecision {
    /// Fewer members answered than the quorum asks for.
    Quorum { required: usize, responded: usize },
    /// No group is big enough: the sizes of the groups, largest first, and the size a
    /// group needed (more than half of `of`).
    NoMajority {
        sizes: Vec<(String, usize)>,
        of: usize,
        needed: usize,
    },
}

impl NoDecision {
    /// Two or more groups share the largest size.
    pub fn is_tie(&self) -> bool {
        match self {
            NoDecision::NoMajority { sizes, .. } => {
                sizes.len() >= 2 && sizes[0].1 == sizes[1].1 && sizes[0].1 > 0
            }
            NoDecision::Quorum { .. } => false,
        }
    }
}

/// The smallest group size that is more than half of `n`.
pub fn more_than_half(n: usize) -> usize {
    n / 2 + 1
}

/// The decision of `majority` (a group holding more than half of the answers that came
/// back; absent members do not veto) or `strict` (more than half of all `total` members)
/// once at least `quorum` members answered. Returns the winning group's index.
pub fn decide(
    mode: Mode,
    groups: &[Group],
    total: usize,
    quorum: usize,
) -> Result<usize, NoDecision> {
    let responded: usize = groups.iter().map(|g| g.members.len()).sum();
    if responded < quorum.max(1) {
        return Err(NoDecision::Quorum {
            required: quorum.max(1),
            responded,
        });
    }
    let of = if mode == Mode::Strict {
        total
    } else {
        responded
    };
    let needed = more_than_half(of);
    if let Some(i) = groups.iter().position(|g| g.members.len() >= needed) {
        return Ok(i);
    }
    let mut sizes: Vec<(String, usize)> = groups
        .iter()
        .map(|g| (g.key.clone(), g.members.len()))
        .collect();
    sizes.sort_by_key(|s| std::cmp::Reverse(s.1));
    Err(NoDecision::NoMajority { sizes, of, needed })
}

/// The answer to print for a winning group: the most frequent raw form (trimmed) among
/// its members, the earliest member's on a tie.
pub fn representative<'a>(group: &Group, text_of: impl Fn(usize) -> &'a str) -> usize {
    let mut best = group.members[0];
    let mut best_count = 0;
    for &m in &group.members {
        let t = text_of(m).trim();
        let count = group
            .members
            .iter()
            .filter(|&&o| text_of(o).trim() == t)
            .count();
        if count > best_count {
            best = m;
            best_count = count;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_agrees_on_case_space_and_surrounding_punctuation() {
        for a in ["Yes.", "yes", " YES ", "**Yes**!", "“yes”", "yes\n"] {
            assert_eq!(normalize(a), "yes", "{a:?}");
        }
        assert_eq!(normalize("yes, but…"), "yes, but");
        assert_ne!(normalize("yes, but…"), normalize("yes"));
        assert_eq!(
            normalize("  Paris   is\n the capital. "),
            "paris is the capital"
        );
        assert_eq!(normalize("ÉTÉ"), "été");
    }

    #[test]
    fn groups_keep_first_appearance_order() {
        let g = group(&[
            (0, "No"),
            (1, "Yes."),
            (2, "no."),
            (3, " YES "),
            (4, "yes, but…"),
        ]);
        assert_eq!(
            g,
            vec![
                Group {
                    key: "no".into(),
                    members: vec![0, 2]
                },
                Group {
                    key: "yes".into(),
                    members: vec![1, 3]
                },
                Group {
                    key: "yes, but".into(),
                    members: vec![4]
                },
            ]
        );
    }

    #[test]
    fn majority_is_more_than_half_of_those_that_answered() {
        // 3 of 4 agree.
        let g = group(&[(0, "yes"), (1, "Yes."), (2, "no"), (3, "YES")]);
        assert_eq!(decide(Mode::Majority, &g, 4, 1), Ok(0));
        // Absent members do not veto: 2 of the 3 that answered (of 5).
        let g = group(&[(0, "yes"), (2, "yes"), (4, "no")]);
        assert_eq!(decide(Mode::Majority, &g, 5, 1), Ok(0));
        // A tie is no majority.
        let g = group(&[(0, "yes"), (1, "no"), (2, "yes"), (3, "no")]);
        let e = decide(Mode::Majority, &g, 4, 1).unwrap_err();
        assert!(e.is_tie());
        assert_eq!(
            e,
            NoDecision::NoMajority {
                sizes: vec![("yes".into(), 2), ("no".into(), 2)],
                of: 4,
                needed: 3
            }
        );
        // A plurality is not a majority.
        let g = group(&[(0, "a"), (1, "a"), (2, "b"), (3, "c"), (4, "d")]);
        let e = decide(Mode::Majority, &g, 5, 1).unwrap_err();
        assert!(!e.is_tie());
        // Nobody answered.
        assert_eq!(
            decide(Mode::Majority, &[], 3, 1),
            Err(NoDecision::Quorum {
                required: 1,
                responded: 0
            })
        );
        // A quorum applies to majority too when asked for.
        let g = group(&[(0, "yes")]);
        assert_eq!(
            decide(Mode::Majority, &g, 3, 2),
            Err(NoDecision::Quorum {
                required: 2,
                responded: 1
            })
        );
    }

    #[test]
    fn strict_needs_the_quorum_and_a_majority_of_all_members() {
        // 2 of 3 answered and agree, but the quorum is all 3.
        let g = group(&[(0, "yes"), (1, "yes")]);
        assert_eq!(
            decide(Mode::Strict, &g, 3, 3),
            Err(NoDecision::Quorum {
                required: 3,
                responded: 2
            })
        );
        // Quorum 2 met, and 2 of 3 members is a majority of all.
        assert_eq!(decide(Mode::Strict, &g, 3, 2), Ok(0));
        // 2 of 4 members agree: a majority of those that answered (2 of 3) but not of all.
        let g = group(&[(0, "yes"), (1, "yes"), (2, "no")]);
        assert_eq!(decide(Mode::Majority, &g, 4, 1), Ok(0));
        assert!(matches!(
            decide(Mode::Strict, &g, 4, 3),
            Err(NoDecision::NoMajority {
                of: 4,
                needed: 3,
                ..
            })
        ));
    }

    #[test]
    fn representative_is_the_most_common_raw_form() {
        let texts = ["Yes.", "yes", "yes", "YES"];
        let g = Group {
            key: "yes".into(),
            members: vec![0, 1, 2, 3],
        };
        assert_eq!(representative(&g, |i| texts[i]), 1);
        let g = Group {
            key: "yes".into(),
            members: vec![0, 3],
        };
        assert_eq!(representative(&g, |i| texts[i]), 0);
    }

    #[test]
    fn modes_parse_from_profiles() {
        for m in [Mode::First, Mode::Majority, Mode::Strict, Mode::Rank] {
            assert_eq!(Mode::parse(m.as_str()), Some(m));
        }
        assert_eq!(Mode::parse("unanimous"), None);
    }
}
