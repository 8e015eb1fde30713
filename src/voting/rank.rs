//! The `rank` mode without any I/O: anonymised ballot papers, the ranking and chair
//! prompts, parsing a ranking, the Borda count and Kendall's W.

use std::collections::HashMap;

/// The generator that shuffles ballot papers: seedable, so tests can replay a council.
pub use fastrand::Rng;

/// The most answers a ballot paper can label (A–Z).
pub const MAX_LABELS: usize = 26;

/// The label of position `i` on a ballot paper: A, B, C, …
pub fn label(i: usize) -> char {
    (b'A' + i as u8) as char
}

/// What `voter` is shown: every other member that answered, in an order shuffled for
/// this voter; position `i` is labelled [`label`]`(i)`. The voter's own answer is never
/// on its paper.
pub fn ballot_paper(voter: usize, answered: &[usize], rng: &mut Rng) -> Vec<usize> {
    let mut shown: Vec<usize> = answered.iter().copied().filter(|&m| m != voter).collect();
    rng.shuffle(&mut shown);
    shown
}

/// The line a voter must end its reply with, e.g. `RANKING: B > C > A`.
pub const RANKING_PREFIX: &str = "RANKING:";

/// The prompt asking a voter to rank `answers` (already in ballot-paper order).
pub fn ranking_prompt(question: &str, instructions: Option<&str>, answers: &[&str]) -> String {
    let k = answers.len();
    let mut p = String::from(
        "Several assistants answered the question below. Judge their answers on their merits: \
         correctness first, then completeness and clarity.\n\n",
    );
    if let Some(sys) = instructions.filter(|s| !s.trim().is_empty()) {
        p.push_str(&format!(
            "<instructions>\n{}\n</instructions>\n\n",
            sys.trim()
        ));
    }
    p.push_str(&format!("<question>\n{}\n</question>\n\n", question.trim()));
    for (i, a) in answers.iter().enumerate() {
        p.push_str(&format!(
            "<answer label=\"{}\">\n{}\n</answer>\n\n",
            label(i),
            a.trim()
        ));
    }
    let labels: Vec<String> = (0..k).map(|i| label(i).to_string()).collect();
    // An example order that is not simply alphabetical, so it suggests no preference.
    let mut example = labels.clone();
    example.rotate_left(1.min(k));
    p.push_str(&format!(
        "Rank all {k} answers ({}) from best to worst. End your reply with one line in exactly \
         this form, naming every label once, best first:\n{RANKING_PREFIX} {}\n",
        labels.join(", "),
        example.join(" > ")
    ));
    p
}

/// The prompt asking the chair to write the final answer from the top answers (best
/// first).
pub fn chair_prompt(question: &str, instructions: Option<&str>, top: &[&str]) -> String {
    let mut p = String::from(
        "Several assistants answered the question below, and ranked each other's answers. \
         Here are the top-ranked answers, best first. Write the final answer to the question: \
         keep what is correct and useful in them, fix what is wrong, and reply with the final \
         answer only.\n\n",
    );
    if let Some(sys) = instructions.filter(|s| !s.trim().is_empty()) {
        p.push_str(&format!(
            "<instructions>\n{}\n</instructions>\n\n",
            sys.trim()
        ));
    }
    p.push_str(&format!("<question>\n{}\n</question>\n\n", question.trim()));
    for (i, a) in top.iter().enumerate() {
        p.push_str(&format!(
            "<answer rank=\"{}\">\n{}\n</answer>\n\n",
            i + 1,
            a.trim()
        ));
    }
    p
}

/// Reads a voter's ranking of `k` labels from its reply: the last `RANKING:` line (the
/// line after it when it is empty), else the last line that is a ranking by itself.
/// Labels are separated by `>`, `,` or `;` (or spaces); brackets, quotes, markdown
/// emphasis and a leading `Answer` are allowed around a label. Returns positions on the
/// ballot paper, best first; every label exactly once, or an error saying what is wrong.
pub fn parse_ranking(reply: &str, k: usize) -> Result<Vec<usize>, String> {
    let lines: Vec<&str> = reply.lines().collect();
    let mut first_error = None;
    for (i, line) in lines.iter().enumerate().rev() {
        let Some(at) = rfind_ascii_ci(line, RANKING_PREFIX) else {
            continue;
        };
        let mut rest = &line[at + RANKING_PREFIX.len()..];
        if strip_decoration(rest).is_empty()
            && let Some(next) = lines[i + 1..].iter().find(|l| !l.trim().is_empty())
        {
            rest = next;
        }
        match parse_order(rest, k) {
            Ok(order) => return Ok(order),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    for line in lines.iter().rev().filter(|l| !l.trim().is_empty()) {
        if let Ok(order) = parse_order(line, k) {
            return Ok(order);
        }
    }
    Err(format!(
        "no `{RANKING_PREFIX} …` line ranking all {k} labels"
    ))
}

/// The byte offset of the last case-insensitive occurrence of the ASCII `needle`.
fn rfind_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    (0..=h.len().checked_sub(n.len())?)
        .rev()
        .find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

fn strip_decoration(s: &str) -> &str {
    s.trim_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '*' | '_' | '`' | '"' | '\'' | '[' | ']' | '(' | ')' | '.' | ':'
            )
    })
}

/// One label, allowing decoration and a leading `answer`.
fn parse_label(token: &str, k: usize) -> Option<usize> {
    let mut t = strip_decoration(token);
    if t.len() > 6 && t[..6].eq_ignore_ascii_case("answer") {
        t = strip_decoration(&t[6..]);
    }
    let mut chars = t.chars();
    let c = chars.next()?.to_ascii_uppercase();
    if chars.next().is_some() || !c.is_ascii_uppercase() {
        return None;
    }
    let i = (c as u8 - b'A') as usize;
    (i < k).then_some(i)
}

/// A ranking fragment such as `B > A > C`, `B, A, C` or `B A C`.
fn parse_order(text: &str, k: usize) -> Result<Vec<usize>, String> {
    let text = strip_decoration(text);
    let mut tokens: Vec<&str> = text
        .split(['>', ',', ';'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.len() == 1 && k > 1 {
        tokens = text.split_whitespace().collect();
    }
    let mut order = Vec::with_capacity(k);
    for t in &tokens {
        let Some(i) = parse_label(t, k) else {
            return Err(format!("`{}` is not one of the labels", t.trim()));
        };
        if order.contains(&i) {
            return Err(format!("label {} is named twice", label(i)));
        }
        order.push(i);
    }
    if order.len() != k {
        let missing: Vec<String> = (0..k)
            .filter(|i| !order.contains(i))
            .map(|i| label(i).to_string())
            .collect();
        return Err(format!("the ranking leaves out {}", missing.join(", ")));
    }
    Ok(order)
}

// ---------------------------------------------------------------------------
// rank: Borda count and Kendall's W
// ---------------------------------------------------------------------------

/// Borda points per item: on a ballot of `k` items (best first) the first gets `k − 1`,
/// the last 0. Ballots may leave items out (a voter never ranks its own answer).
pub fn borda(ballots: &[Vec<usize>]) -> HashMap<usize, u32> {
    let mut points = HashMap::new();
    for ballot in ballots {
        let k = ballot.len() as u32;
        for (pos, &item) in ballot.iter().enumerate() {
            *points.entry(item).or_insert(0) += k - 1 - pos as u32;
        }
    }
    points
}

/// `items` ordered by Borda points, most first; ties keep the order of `items` (member
/// order). Returns `(item, points, rank)`, with equal points sharing a rank (1, 2, 2, 4).
pub fn borda_order(items: &[usize], ballots: &[Vec<usize>]) -> Vec<(usize, u32, usize)> {
    let points = borda(ballots);
    let mut order: Vec<(usize, u32)> = items
        .iter()
        .map(|&i| (i, points.get(&i).copied().unwrap_or(0)))
        .collect();
    // A stable sort keeps member order among equals.
    order.sort_by_key(|o| std::cmp::Reverse(o.1));
    let mut out = Vec::with_capacity(order.len());
    for (pos, &(item, pts)) in order.iter().enumerate() {
        let rank = match out.last() {
            Some(&(_, prev_pts, prev_rank)) if prev_pts == pts => prev_rank,
            _ => pos + 1,
        };
        out.push((item, pts, rank));
    }
    out
}

/// The squared spread of the items' centred rank sums: on a ballot of `k` items the
/// item at position `p` (1-based) scores `(k + 1) / 2 − p`.
fn spread(ballots: &[Vec<usize>]) -> f64 {
    let mut sums: HashMap<usize, f64> = HashMap::new();
    for ballot in ballots {
        let mid = (ballot.len() as f64 + 1.0) / 2.0;
        for (pos, &item) in ballot.iter().enumerate() {
            *sums.entry(item).or_insert(0.0) += mid - (pos as f64 + 1.0);
        }
    }
    sums.values().map(|s| s * s).sum()
}

/// The spread if every voter ranked its items in the order `consensus`.
fn consensus_spread(consensus: &[usize], ballots: &[Vec<usize>]) -> f64 {
    let at: HashMap<usize, usize> = consensus.iter().enumerate().map(|(p, &i)| (i, p)).collect();
    let agreed: Vec<Vec<usize>> = ballots
        .iter()
        .map(|b| {
            let mut b = b.clone();
            b.sort_by_key(|i| at.get(i).copied().unwrap_or(usize::MAX));
            b
        })
        .collect();
    spread(&agreed)
}

/// Councils up to this size get the exact maximum spread (every order is tried).
const EXACT_W_ITEMS: usize = 8;

/// Kendall's coefficient of concordance over the voters' complete rankings (best first):
/// 0 when they do not agree at all, 1 when they agree completely. With every voter
/// ranking every item this is the textbook `W = 12 S / (m² (n³ − n))`. A council voter
/// never ranks its own answer, so the rankings are incomplete; W is then the spread `S`
/// of the centred rank sums over the largest spread the same voters could reach by
/// agreeing on one order (for complete rankings that is the same formula). `None` when
/// agreement has no meaning: fewer than two rankings, or rankings of one item.
pub fn kendall_w(items: &[usize], ballots: &[Vec<usize>]) -> Option<f64> {
    if ballots.len() < 2 || ballots.iter().all(|b| b.len() < 2) {
        return None;
    }
    let s = spread(ballots);
    let s_max = if items.len() <= EXACT_W_ITEMS {
        let mut order = items.to_vec();
        let mut best = 0.0f64;
        permutations(&mut order, 0, &mut |o| {
            best = best.max(consensus_spread(o, ballots))
        });
        best
    } else {
        let consensus: Vec<usize> = borda_order(items, ballots)
            .into_iter()
            .map(|(i, _, _)| i)
            .collect();
        consensus_spread(&consensus, ballots)
    };
    if s_max <= f64::EPSILON {
        return None;
    }
    Some((s / s_max).clamp(0.0, 1.0))
}

fn permutations(items: &mut Vec<usize>, start: usize, visit: &mut dyn FnMut(&[usize])) {
    if start + 1 >= items.len() {
        visit(items);
        return;
    }
    for i in start..items.len() {
        items.swap(start, i);
        permutations(items, start + 1, visit);
        items.swap(start, i);
    }
}

/// How many of the top answers go to the chair.
pub const CHAIR_TOP: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballot_papers_hide_the_voters_own_answer_and_shuffle_per_voter() {
        let answered = [0, 1, 2, 3, 4];
        let mut rng = Rng::with_seed(7);
        let mut orders = std::collections::HashSet::new();
        for round in 0..20 {
            for &v in &answered {
                let paper = ballot_paper(v, &answered, &mut rng);
                assert_eq!(paper.len(), 4);
                assert!(!paper.contains(&v), "round {round}: voter {v} sees itself");
                let mut sorted = paper.clone();
                sorted.sort();
                let expected: Vec<usize> = answered.iter().copied().filter(|&m| m != v).collect();
                assert_eq!(sorted, expected);
                orders.insert((v, paper));
            }
        }
        // Shuffled: many different orders, not the member order every time.
        assert!(orders.len() > 30, "{}", orders.len());
        // The same seed replays the same papers.
        let a: Vec<_> = (0..5)
            .map(|v| ballot_paper(v, &answered, &mut Rng::with_seed(3)))
            .collect();
        let b: Vec<_> = (0..5)
            .map(|v| ballot_paper(v, &answered, &mut Rng::with_seed(3)))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn shuffle_reaches_every_order() {
        let mut rng = Rng::with_seed(1);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..600 {
            let mut v = [0, 1, 2];
            rng.shuffle(&mut v);
            seen.insert(v);
        }
        assert_eq!(seen.len(), 6);
    }

    #[test]
    fn ranking_prompt_labels_answers_and_asks_for_a_parseable_line() {
        let p = ranking_prompt("Capital of France?", None, &["Paris", "Lyon", "Nice"]);
        assert!(p.contains("<answer label=\"A\">\nParis\n</answer>"));
        assert!(p.contains("<answer label=\"C\">\nNice\n</answer>"));
        assert!(p.contains("RANKING: B > C > A"));
        assert!(!p.contains("<instructions>"));
        // The example line of the prompt is itself a valid ranking.
        let example = p.lines().last().unwrap();
        assert_eq!(parse_ranking(example, 3), Ok(vec![1, 2, 0]));
        let p = ranking_prompt("q", Some("Answer yes or no."), &["yes", "no"]);
        assert!(p.contains("<instructions>\nAnswer yes or no.\n</instructions>"));
    }

    #[test]
    fn rankings_parse_in_the_forms_models_write() {
        assert_eq!(parse_ranking("RANKING: B > A > C", 3), Ok(vec![1, 0, 2]));
        assert_eq!(parse_ranking("B, A, C", 3), Ok(vec![1, 0, 2]));
        assert_eq!(parse_ranking("ranking: c>a>b", 3), Ok(vec![2, 0, 1]));
        assert_eq!(
            parse_ranking(
                "A is vague; C is wrong.\n\n**RANKING:** [B] > [A] > [C]\n",
                3
            ),
            Ok(vec![1, 0, 2])
        );
        assert_eq!(
            parse_ranking("RANKING:\nAnswer B > Answer C > Answer A", 3),
            Ok(vec![1, 2, 0])
        );
        assert_eq!(parse_ranking("My ranking:\nB A C", 3), Ok(vec![1, 0, 2]));
        // The last RANKING line wins (a model restating the format first).
        assert_eq!(
            parse_ranking("Format: RANKING: A > B\n…\nRANKING: B > A", 2),
            Ok(vec![1, 0])
        );
    }

    #[test]
    fn malformed_rankings_are_refused_with_a_reason() {
        let e = parse_ranking("They are all good answers.", 3).unwrap_err();
        assert!(e.contains("RANKING"), "{e}");
        let e = parse_ranking("RANKING: B > A", 3).unwrap_err();
        assert!(e.contains("leaves out C"), "{e}");
        let e = parse_ranking("RANKING: B > B > A", 3).unwrap_err();
        assert!(e.contains("twice"), "{e}");
        let e = parse_ranking("RANKING: B > D > A", 3).unwrap_err();
        assert!(e.contains("`D`"), "{e}");
        assert!(parse_ranking("RANKING: the second one", 2).is_err());
    }

    #[test]
    fn borda_count_checked_by_hand() {
        // Three voters ranking all three items (0, 1, 2), best first:
        //   [0, 1, 2] → 0:2 1:1 2:0
        //   [1, 0, 2] → 1:2 0:1 2:0
        //   [0, 2, 1] → 0:2 2:1 1:0
        // Totals: 0 → 5, 1 → 3, 2 → 1.
        let ballots = vec![vec![0, 1, 2], vec![1, 0, 2], vec![0, 2, 1]];
        let p = borda(&ballots);
        assert_eq!((p[&0], p[&1], p[&2]), (5, 3, 1));
        assert_eq!(
            borda_order(&[0, 1, 2], &ballots),
            vec![(0, 5, 1), (1, 3, 2), (2, 1, 3)]
        );

        // A council of four: each member ranks the other three (never itself).
        //   voter 0: [2, 1, 3] → 2:2 1:1 3:0
        //   voter 1: [2, 0, 3] → 2:2 0:1 3:0
        //   voter 2: [1, 0, 3] → 1:2 0:1 3:0
        //   voter 3: [2, 1, 0] → 2:2 1:1 0:0
        // Totals: 0 → 2, 1 → 4, 2 → 6, 3 → 0: member 2 wins, then 1, 0, 3.
        let ballots = vec![vec![2, 1, 3], vec![2, 0, 3], vec![1, 0, 3], vec![2, 1, 0]];
        assert_eq!(
            borda_order(&[0, 1, 2, 3], &ballots),
            vec![(2, 6, 1), (1, 4, 2), (0, 2, 3), (3, 0, 4)]
        );
    }

    #[test]
    fn borda_ties_share_a_rank_and_keep_member_order() {
        let ballots = vec![vec![1, 2], vec![0, 2], vec![0, 1]];
        // voter 0: 1 → 1, 2 → 0; voter 1: 0 → 1, 2 → 0; voter 2: 0 → 1, 1 → 0.
        assert_eq!(
            borda_order(&[0, 1, 2], &ballots),
            vec![(0, 2, 1), (1, 1, 2), (2, 0, 3)]
        );
        let ballots = vec![vec![1, 0], vec![0, 1]];
        assert_eq!(borda_order(&[0, 1], &ballots), vec![(0, 1, 1), (1, 1, 1)]);
    }

    #[test]
    fn kendall_w_matches_the_textbook_formula_for_complete_rankings() {
        // Three judges, four items, rank sums 4, 7, 9, 10 (ranks 1 = best):
        //   j1: 1 2 3 4   j2: 2 1 3 4   j3: 1 4 3 2  (item columns 0..3)
        // S = Σ (R − 7.5)² = 12.25 + 0.25 + 2.25 + 6.25 = 21 → W = 12·21 / (9·60) = 0.4667
        let rank_to_ballot = |ranks: [usize; 4]| {
            let mut b: Vec<usize> = (0..4).collect();
            b.sort_by_key(|&i| ranks[i]);
            b
        };
        let ballots = vec![
            rank_to_ballot([1, 2, 3, 4]),
            rank_to_ballot([2, 1, 3, 4]),
            rank_to_ballot([1, 4, 3, 2]),
        ];
        let w = kendall_w(&[0, 1, 2, 3], &ballots).unwrap();
        assert!((w - 12.0 * 21.0 / (9.0 * 60.0)).abs() < 1e-9, "{w}");
        // Identical rankings agree completely.
        let same = vec![vec![2, 0, 1, 3]; 3];
        assert!((kendall_w(&[0, 1, 2, 3], &same).unwrap() - 1.0).abs() < 1e-9);
        // Opposite rankings from two judges do not agree at all.
        let opposite = vec![vec![0, 1, 2], vec![2, 1, 0]];
        assert!(kendall_w(&[0, 1, 2], &opposite).unwrap().abs() < 1e-9);
    }

    #[test]
    fn kendall_w_with_self_excluded_rankings() {
        // Everyone agrees on 0 > 1 > 2 > 3 (leaving themselves out): W = 1.
        let agree = vec![vec![1, 2, 3], vec![0, 2, 3], vec![0, 1, 3], vec![0, 1, 2]];
        assert!((kendall_w(&[0, 1, 2, 3], &agree).unwrap() - 1.0).abs() < 1e-9);
        // Each voter puts the others in cyclic order after itself: no consensus at all.
        let cyclic = vec![vec![1, 2], vec![2, 0], vec![0, 1]];
        let w = kendall_w(&[0, 1, 2], &cyclic).unwrap();
        assert!(w.abs() < 1e-9, "{w}");
        // Partly agreeing voters land in between.
        let partly = vec![vec![1, 2, 3], vec![0, 2, 3], vec![3, 1, 0], vec![0, 1, 2]];
        let w = kendall_w(&[0, 1, 2, 3], &partly).unwrap();
        assert!(w > 0.0 && w < 1.0, "{w}");
        // One ranking, or rankings of one item, say nothing about agreement.
        assert_eq!(kendall_w(&[0, 1, 2], &[vec![1, 2]]), None);
        assert_eq!(kendall_w(&[0, 1], &[vec![1], vec![0]]), None);
    }

    #[test]
    fn chair_prompt_holds_the_top_answers_in_order() {
        let p = chair_prompt("Design a schema", None, &["best one", "second one"]);
        let best = p.find("best one").unwrap();
        let second = p.find("second one").unwrap();
        assert!(best < second);
        assert!(p.contains("<answer rank=\"1\">"));
    }
}
