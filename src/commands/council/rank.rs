//! The `rank` mode: every member that answered ranks the others' anonymised answers, the
//! Borda count orders them, and the chair (if any) writes the final answer.

use futures_util::future::join_all;

use super::rows::{one_line, spend};
use super::undecided::excerpt;
use super::{Council, Outcome, RANKING_MAX_TOKENS, Row, Vote};
use crate::error::Error;
use crate::providers::chat::ChatRequest;
use crate::voting::{self, Mode, NoDecision, Rng};

impl Council<'_> {
    /// `rank`: every member that answered ranks the others' anonymised answers; Borda
    /// count; the chair (if any) writes the final answer from the top ones.
    pub(super) async fn rank(&self, rng: &mut Rng) -> Outcome {
        let rows = self.answers().await;
        let mut out = self.outcome(rows);
        if self.halted() {
            return out;
        }
        let answered: Vec<usize> = (0..out.rows.len())
            .filter(|&i| out.rows[i].text.is_some())
            .collect();
        if answered.len() < self.setup.quorum {
            out.error = Some(self.undecided(
                &out.rows,
                &NoDecision::Quorum {
                    required: self.setup.quorum,
                    responded: answered.len(),
                },
            ));
            return out;
        }

        // Each voter's ballot paper: the others' answers, shuffled for this voter.
        let papers: Vec<(usize, Vec<usize>)> = if answered.len() >= 3 {
            answered
                .iter()
                .map(|&v| (v, voting::rank::ballot_paper(v, &answered, rng)))
                .collect()
        } else {
            if answered.len() == 2 {
                out.notes.push(
                    "only two members answered, so there was nothing for them to rank; the first member's answer is used (a --chair could combine both)".into(),
                );
            }
            Vec::new()
        };
        let requests: Vec<ChatRequest> = papers
            .iter()
            .map(|(_, shown)| {
                let texts: Vec<&str> = shown
                    .iter()
                    .map(|&m| out.rows[m].text.as_deref().unwrap_or(""))
                    .collect();
                ChatRequest {
                    model: String::new(),
                    system: None,
                    prompt: voting::rank::ranking_prompt(
                        &self.req.prompt,
                        self.req.system.as_deref(),
                        &texts,
                    ),
                    max_tokens: Some(RANKING_MAX_TOKENS),
                    temperature: None,
                    stream: true,
                    ..Default::default()
                }
            })
            .collect();
        let calls = join_all(
            papers
                .iter()
                .zip(&requests)
                .map(|((v, _), req)| self.ask(*v, &self.setup.members[*v], req, "ranking")),
        )
        .await;
        if self.halted() {
            return out;
        }

        let mut ballots: Vec<Vec<usize>> = Vec::new();
        let mut rankings: Vec<(usize, std::result::Result<Vec<usize>, String>)> = Vec::new();
        for ((voter, call), (_, shown)) in calls.into_iter().zip(&papers) {
            let (usage, cost) = spend(self.prices, &call);
            out.rows[voter].add(usage, cost);
            let parsed = match &call.result {
                Ok(s) => voting::rank::parse_ranking(&s.result.text, shown.len())
                    .map(|order| order.into_iter().map(|p| shown[p]).collect::<Vec<_>>())
                    .map_err(|why| {
                        format!("could not be read ({why}): {}", excerpt(&s.result.text, 80))
                    }),
                Err(e) => Err(format!(
                    "the ranking call failed: {}",
                    one_line(&e.to_string())
                )),
            };
            if let Ok(b) = &parsed {
                ballots.push(b.clone());
            }
            rankings.push((voter, parsed));
        }

        let order = voting::rank::borda_order(&answered, &ballots);
        for &(member, points, rank) in &order {
            out.rows[member].vote = Vote::Rank {
                rank,
                points,
                ranking: None,
                excluded: None,
            };
        }
        for (voter, parsed) in &rankings {
            let names = |b: &Vec<usize>| b.iter().map(|&m| out.rows[m].name()).collect::<Vec<_>>();
            let (ranking, excluded) = match parsed {
                Ok(b) => (Some(names(b)), None),
                Err(why) => (None, Some(why.clone())),
            };
            if let Some(why) = &excluded {
                out.notes.push(format!(
                    "the ranking by {} was left out: {why}",
                    out.rows[*voter].name()
                ));
            }
            if let Vote::Rank {
                ranking: r,
                excluded: x,
                ..
            } = &mut out.rows[*voter].vote
            {
                *r = ranking;
                *x = excluded;
            }
        }
        if !papers.is_empty() && ballots.is_empty() {
            out.error = Some(Error::CouncilUndecided {
                mode: Mode::Rank.as_str().into(),
                summary: format!(
                    "the council could not rank its answers: none of the {} rankings could be used.",
                    papers.len()
                ),
                failures: rankings
                    .iter()
                    .filter_map(|(v, r)| {
                        r.as_ref()
                            .err()
                            .map(|why| format!("{} — {why}", out.rows[*v].name()))
                    })
                    .collect(),
            });
            return out;
        }
        out.agreement = voting::rank::kendall_w(&answered, &ballots).map(|w| (w, ballots.len()));
        let winner = order[0].0;
        out.winner = Some(winner);
        out.answer = out.rows[winner].text.clone();

        if let Some(chair) = &self.setup.chair {
            let top: Vec<&str> = order
                .iter()
                .take(voting::rank::CHAIR_TOP)
                .map(|&(m, _, _)| out.rows[m].text.as_deref().unwrap_or(""))
                .collect();
            let req = ChatRequest {
                model: String::new(),
                system: None,
                prompt: voting::rank::chair_prompt(
                    &self.req.prompt,
                    self.req.system.as_deref(),
                    &top,
                ),
                max_tokens: self.req.max_tokens,
                temperature: self.req.temperature,
                stream: true,
                ..Default::default()
            };
            let (_, call) = self.ask(0, chair, &req, "chairing").await;
            let mut row = Row::from_call(chair, call, self.prices, false);
            row.vote = Vote::Chair;
            match &row.text {
                Some(text) => out.answer = Some(text.clone()),
                None if !self.halted() => out.notes.push(format!(
                    "the chair {} gave no answer ({}); the top-ranked answer is printed instead",
                    row.name(),
                    row.error.as_deref().unwrap_or("no answer")
                )),
                None => {}
            }
            out.chair = Some(row);
        }
        out
    }
}
