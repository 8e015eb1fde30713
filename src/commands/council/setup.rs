//! Who sits on a council and how it decides, checked before any call.

use super::*;

/// Who sits on the council and how it decides, checked before any call.
pub(super) struct Setup {
    pub(super) mode: Mode,
    pub(super) members: Vec<Plan>,
    /// How many members must answer.
    pub(super) quorum: usize,
    pub(super) chair: Option<Plan>,
}

impl Setup {
    /// Every call this council may make, with requests whose size bounds the real ones:
    /// the members' answers; in rank mode each member's ranking (the prompt plus the
    /// others' answers) and the chair's final answer.
    pub(super) fn planned_calls(
        &self,
        req: &ChatRequest,
    ) -> Vec<(crate::policy::Candidate, ChatRequest)> {
        let answer_bound = req.max_tokens.unwrap_or(crate::policy::BUDGET_MAX_TOKENS) as usize;
        let n = self.members.len();
        let padded = |extra_tokens: usize| {
            let mut r = req.clone();
            // The estimate counts prompt bytes as tokens; pad by the answers' token bound.
            r.prompt = format!(
                "{}{}",
                r.prompt,
                " ".repeat(RANKING_INSTRUCTIONS_BOUND + extra_tokens)
            );
            r
        };
        let mut calls: Vec<_> = self
            .members
            .iter()
            .map(|p| (p.candidates[0].clone(), req.clone()))
            .collect();
        if self.mode == Mode::Rank {
            for p in &self.members {
                let mut ranking = padded(n.saturating_sub(1) * answer_bound);
                ranking.max_tokens = Some(RANKING_MAX_TOKENS);
                calls.push((p.candidates[0].clone(), ranking));
            }
            if let Some(chair) = &self.chair {
                calls.push((chair.candidates[0].clone(), padded(n * answer_bound)));
            }
        }
        calls
    }

    pub(super) fn resolve(ctx: &Ctx, args: &CouncilArgs) -> Result<Setup> {
        let loaded = ctx.profile()?;
        let config = loaded.profile.council.clone().unwrap_or_default();
        let specs: Vec<String> = if args.members.is_empty() {
            config.members.clone()
        } else {
            args.members
                .iter()
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
                .collect()
        };
        if specs.is_empty() {
            return Err(Error::Usage(format!(
                "a council needs members: give them with --members openai:gpt-4o,anthropic:claude-sonnet-4-6,… or list them as `members` under [council] in {}",
                loaded.path.display()
            )));
        }
        let mode = match args.mode {
            Some(m) => m,
            None => config
                .mode
                .as_deref()
                .and_then(Mode::parse)
                .unwrap_or(Mode::Majority),
        };
        let n = specs.len();
        // The profile's quorum was chosen for the profile's members: members given on the
        // command line come with their own (or the default).
        let profile_quorum = if args.members.is_empty() {
            config.quorum
        } else {
            None
        };
        let quorum = match mode {
            Mode::First => {
                if args.quorum.is_some() {
                    return Err(Error::Usage(
                        "--quorum has no meaning with --mode first: the first answer wins".into(),
                    ));
                }
                1
            }
            Mode::Strict => args.quorum.or(profile_quorum).unwrap_or(n),
            Mode::Majority | Mode::Rank => args.quorum.or(profile_quorum).unwrap_or(1),
        };
        if quorum == 0 || quorum > n {
            let whose = if args.quorum.is_none() {
                format!("the quorum of {quorum} in {}", loaded.path.display())
            } else {
                format!("a quorum of {quorum}")
            };
            return Err(Error::Usage(format!(
                "{whose} is not possible with {n} member{}: it must be between 1 and {n}",
                if n == 1 { "" } else { "s" }
            )));
        }
        if args.chair.is_some() && mode != Mode::Rank {
            return Err(Error::Usage(format!(
                "--chair writes the final answer of --mode rank; with --mode {} the vote decides the answer",
                mode.as_str()
            )));
        }
        if mode == Mode::Rank && n > voting::rank::MAX_LABELS + 1 {
            return Err(Error::Usage(format!(
                "--mode rank labels answers A–Z, so a ranking council has at most {} members, not {n}",
                voting::rank::MAX_LABELS + 1
            )));
        }
        let registry = Registry::new(&loaded.profile);
        let plan = |spec: &str| -> Result<Plan> {
            let candidate = parse_model(&registry, spec)?;
            let mut plan = Plan {
                route: None,
                candidates: vec![candidate],
                allow: loaded.profile.allow.clone(),
                profile_name: loaded.name.clone(),
                profile_path: loaded.path.clone(),
            };
            plan.use_key(args.prompt.key.as_deref());
            plan.check_allowed(plan.candidates[0].provider.id())?;
            Ok(plan)
        };
        let members = specs.iter().map(|s| plan(s)).collect::<Result<Vec<_>>>()?;
        let chair_spec = match &args.chair {
            Some(c) => Some(c.clone()),
            None if mode == Mode::Rank => config.chair.clone(),
            None => None,
        };
        let chair = chair_spec.as_deref().map(plan).transpose()?;
        Ok(Setup {
            mode,
            members,
            quorum,
            chair,
        })
    }
}
