//! `byok council` against fake providers: several OpenAI-compatible providers (openai,
//! mistral, groq, deepseek, xai), each behind its own fake on 127.0.0.1 answering a set
//! text after a set delay, ranking the answers it is shown when asked to, and recording
//! every prompt.

mod support;

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde_json::Value;
use support::byok::{Home, json, stderr, stdout};
use support::fake::{FakeServer, Reply, Request, refused_url};
use support::wire::{Answer, Fake, Usage};
use support::wire_openai;

/// The members of a five-seat council, one per provider, in seat order.
const SEATS: [(&str, &str); 5] = [
    ("openai", "gpt-4o-mini"),
    ("mistral", "mistral-small-latest"),
    ("groq", "llama-3.3-70b-versatile"),
    ("deepseek", "deepseek-chat"),
    ("xai", "grok-3"),
];

fn seat(i: usize) -> String {
    format!("{}:{}", SEATS[i].0, SEATS[i].1)
}

/// `--members` for the first `n` seats.
fn members(n: usize) -> String {
    (0..n).map(seat).collect::<Vec<_>>().join(",")
}

/// Every message of a chat request, joined.
fn prompt_of(req: &Request) -> String {
    req.body_json()["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|m| m["content"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn is_ranking(prompt: &str) -> bool {
    prompt.contains("RANKING:")
}

fn is_chair(prompt: &str) -> bool {
    prompt.contains("top-ranked answers")
}

/// The `(label, answer)` pairs of a ranking prompt, in the order shown.
fn ballot_paper(prompt: &str) -> Vec<(char, String)> {
    prompt
        .split("<answer label=\"")
        .skip(1)
        .map(|part| {
            let label = part.chars().next().unwrap();
            let text = part.split_once("\">\n").unwrap().1;
            let text = text.split_once("\n</answer>").unwrap().0;
            (label, text.to_string())
        })
        .collect()
}

/// A ranking that orders what it is shown by `preference` (answers it does not know go
/// last, in the order shown).
fn rank_by(preference: &[&str], paper: &[(char, String)]) -> String {
    let mut shown: Vec<&(char, String)> = paper.iter().collect();
    shown.sort_by_key(|(_, text)| {
        preference
            .iter()
            .position(|p| p == text)
            .unwrap_or(usize::MAX)
    });
    let labels: Vec<String> = shown.iter().map(|(l, _)| l.to_string()).collect();
    format!("Having compared them:\nRANKING: {}", labels.join(" > "))
}

type Ranker = Arc<dyn Fn(&[(char, String)]) -> String + Send + Sync>;

/// Counts requests across several fakes, so a reply can wait for the others' requests:
/// tests synchronise on what the fakes observe, never on the clock.
#[derive(Clone, Default)]
struct Gate(Arc<(Mutex<usize>, Condvar)>);

impl Gate {
    fn arrive(&self) {
        let (count, changed) = &*self.0;
        *count.lock().unwrap() += 1;
        changed.notify_all();
    }

    /// Waits until `n` requests have arrived; false if they did not within 30 s (the
    /// council did not ask its members at once).
    fn wait_for(&self, n: usize) -> bool {
        let (count, changed) = &*self.0;
        let guard = count.lock().unwrap();
        let (guard, _) = changed
            .wait_timeout_while(guard, Duration::from_secs(30), |c| *c < n)
            .unwrap();
        *guard >= n
    }
}

/// How one provider's fake behaves.
#[derive(Clone)]
struct Member {
    answer: String,
    delay: Duration,
    ranker: Ranker,
    chair: String,
    usage: (u64, u64),
    /// Every request passes this gate, and waits for this many arrivals before answering.
    gate: Option<(Gate, usize)>,
    /// Never answer (after the gate).
    hang: bool,
}

/// Answers `answer` after `delay_ms`; ranks alphabetically by answer; chairs with
/// `final answer from the chair`.
fn member(answer: &str, delay_ms: u64) -> Member {
    Member {
        answer: answer.to_string(),
        delay: Duration::from_millis(delay_ms),
        ranker: Arc::new(|paper| {
            let mut texts: Vec<&str> = paper.iter().map(|(_, t)| t.as_str()).collect();
            texts.sort();
            rank_by(&texts, paper)
        }),
        chair: "final answer from the chair".into(),
        usage: (12, 1),
        gate: None,
        hang: false,
    }
}

impl Member {
    fn ranks(mut self, f: impl Fn(&[(char, String)]) -> String + Send + Sync + 'static) -> Self {
        self.ranker = Arc::new(f);
        self
    }

    fn usage(mut self, prompt: u64, completion: u64) -> Self {
        self.usage = (prompt, completion);
        self
    }

    /// Passes `gate` and answers only once `n` requests (of every member sharing it)
    /// have arrived.
    fn after(mut self, gate: &Gate, n: usize) -> Self {
        self.gate = Some((gate.clone(), n));
        self
    }

    fn hangs(mut self) -> Self {
        self.hang = true;
        self
    }

    /// The fake of seat `i`, expecting that seat's provider's key.
    fn seat(self, i: usize) -> FakeServer {
        let key = key_of(SEATS[i].0);
        FakeServer::start(move |req: &Request| {
            let fake = |text: &str| {
                let usage = Usage::new(self.usage.0, self.usage.1);
                Fake::openai(&key, Answer::text(&[text]).usage(usage))
            };
            // The route and the key are checked before anything else.
            if let Err(refusal) = fake("").check(req) {
                return refusal;
            }
            if let Some((gate, n)) = &self.gate {
                gate.arrive();
                assert!(gate.wait_for(*n), "the members were not asked at once");
            }
            if self.hang {
                return Reply::hang();
            }
            let prompt = prompt_of(req);
            let text = if is_chair(&prompt) {
                self.chair.clone()
            } else if is_ranking(&prompt) {
                (self.ranker)(&ballot_paper(&prompt))
            } else {
                self.answer.clone()
            };
            fake(&text).reply_to(req).delay(self.delay)
        })
    }
}

/// The key of a provider, in byok's environment and expected by its fake.
fn key_of(provider: &str) -> String {
    format!("sk-{provider}-0123456789abcdef")
}

/// The fake of seat `i` answering 500 to every request with its key.
fn down(i: usize) -> FakeServer {
    Fake::openai(&key_of(SEATS[i].0), Answer::text(&["unused"]))
        .fail_with(wire_openai::server_error())
        .server()
}

/// A home with a key and a base URL for each provider given.
fn home_for(urls: &[(&str, String)]) -> Home {
    let mut home = Home::with_identity();
    home.env("BYOK_RETRY_BASE", "5ms");
    for (provider, url) in urls {
        let id = provider.to_uppercase();
        home.env(&format!("{id}_API_KEY"), &key_of(provider))
            .env(&format!("BYOK_{id}_BASE_URL"), &format!("{url}/v1"));
    }
    home
}

/// The first `servers.len()` seats, each provider behind its own fake.
fn home(servers: &[&FakeServer]) -> Home {
    let urls: Vec<(&str, String)> = servers
        .iter()
        .enumerate()
        .map(|(i, s)| (SEATS[i].0, s.url()))
        .collect();
    home_for(&urls)
}

fn council(home: &Home, n: usize, args: &[&str]) -> assert_cmd::assert::Assert {
    home.cmd()
        .args(["council", "--members", &members(n)])
        .args(args)
        .assert()
}

fn council_json(home: &Home, n: usize, args: &[&str]) -> assert_cmd::assert::Assert {
    home.cmd()
        .args(["--json", "council", "--members", &members(n)])
        .args(args)
        .assert()
}

fn statuses(v: &Value) -> Vec<String> {
    v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap().to_string())
        .collect()
}

/// The ranking prompts a fake received.
fn ranking_prompts(server: &FakeServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(prompt_of)
        .filter(|p| is_ranking(p))
        .collect()
}

#[test]
fn majority_wins() {
    let a = member("yes", 0).seat(0);
    let b = member("no", 0).seat(1);
    let c = member("yes", 0).seat(2);
    let home = home(&[&a, &b, &c]);
    let out = council(&home, 3, &["Is 7 prime?", "--stats"]).success();
    assert_eq!(stdout(&out), "yes\n");
    let table = stderr(&out);
    assert!(table.contains("groq") && table.contains("yes ✓"), "{table}");
    assert!(
        table.contains("total") && table.contains("3/3 answered"),
        "{table}"
    );

    let v = json(&council_json(&home, 3, &["Is 7 prime?"]).success());
    assert_eq!(v["mode"], "majority");
    assert_eq!(v["answer"], "yes");
    assert_eq!(v["winner"], seat(0));
    assert_eq!(
        v["quorum"],
        serde_json::json!({"required": 1, "responded": 3, "met": true})
    );
    let votes: Vec<&str> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["vote"].as_str().unwrap())
        .collect();
    assert_eq!(votes, ["yes", "no", "yes"]);
    assert_eq!(v["members"][1]["text"], "no");
    // Each fake was asked the question exactly once.
    for s in [&a, &b, &c] {
        assert_eq!(s.count("/v1/chat/completions"), 2);
    }
}

#[test]
fn a_two_two_tie_is_no_majority() {
    let servers: Vec<FakeServer> = ["yes", "no", "yes", "no"]
        .iter()
        .enumerate()
        .map(|(i, t)| member(t, 0).seat(i))
        .collect();
    let refs: Vec<&FakeServer> = servers.iter().collect();
    let home = home(&refs);
    let out = council(&home, 4, &["Is this safe?"]).code(7);
    assert_eq!(stdout(&out), "", "nothing on stdout without a decision");
    let err = stderr(&out);
    assert!(err.contains("no majority") && err.contains("tie"), "{err}");
    assert!(err.contains("hint:"), "{err}");

    // --json still prints the whole result, with no answer.
    let out = council_json(&home, 4, &["Is this safe?"]).code(7);
    let v = json(&out);
    assert_eq!(v["text"], Value::Null);
    assert_eq!(v["answer"], Value::Null);
    assert_eq!(v["winner"], Value::Null);
    assert_eq!(v["error"]["exit_code"], 7, "{v:#}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("tie"),
        "{v:#}"
    );
    assert_eq!(v["quorum"]["responded"], 4);
    assert_eq!(statuses(&v), ["ok", "ok", "ok", "ok"]);
}

#[test]
fn strict_with_a_member_refusing_connections_exits_7_naming_it() {
    let a = member("yes", 0).seat(0);
    let b = member("yes", 0).seat(1);
    let urls = [
        ("openai", a.url()),
        ("mistral", b.url()),
        ("groq", refused_url()),
    ];
    let home = home_for(&urls);
    let out = council(&home, 3, &["--mode", "strict", "Ship it?"]).code(7);
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.contains("2 of 3 members answered"), "{err}");
    assert!(err.contains("quorum is 3"), "{err}");
    assert!(err.contains(&seat(2)) && err.contains("failed"), "{err}");

    let v = json(&council_json(&home, 3, &["--mode", "strict", "Ship it?"]).code(7));
    assert_eq!(
        v["quorum"],
        serde_json::json!({"required": 3, "responded": 2, "met": false})
    );
    assert_eq!(statuses(&v), ["ok", "ok", "failed"]);

    // With a quorum of 2, two of three members are a majority of all: decided.
    let out = council(&home, 3, &["--mode", "strict", "--quorum", "2", "Ship it?"]).success();
    assert_eq!(stdout(&out), "yes\n");
    // majority: the absent member does not veto.
    let out = council(&home, 3, &["Ship it?"]).success();
    assert_eq!(stdout(&out), "yes\n");
    assert!(stderr(&out).contains(&format!("{} gave no answer", seat(2))));
}

#[test]
fn strict_with_a_member_answering_500_exits_7_naming_it() {
    let a = member("yes", 0).seat(0);
    let b = member("yes", 0).seat(1);
    let down = down(2);
    let home = home(&[&a, &b, &down]);
    let out = council(&home, 3, &["--mode", "strict", "Ship it?"]).code(7);
    let err = stderr(&out);
    assert!(
        err.contains(&seat(2)) && err.contains("500"),
        "the member that failed and why: {err}"
    );
    // Retried like any call (README "Profiles and routes") before giving up.
    assert_eq!(down.count("/v1/chat/completions"), 3);
}

#[test]
fn first_returns_the_fastest_answer_and_aborts_the_others() {
    // The slow members never answer; the fast one answers once all three were asked.
    // A council that waited for every member would end only when the slow ones time out,
    // and report them as failed, not cancelled.
    let gate = Gate::default();
    let fast = member("fast answer", 0).after(&gate, 3).seat(1);
    let slow1 = member("slow answer", 0).after(&gate, 1).hangs().seat(0);
    let slow2 = member("slower answer", 0).after(&gate, 1).hangs().seat(2);
    let mut home = home(&[&slow1, &fast, &slow2]);
    home.env("BYOK_READ_TIMEOUT", "60s");
    let out = council_json(&home, 3, &["--mode", "first", "hello"]).success();
    let v = json(&out);
    assert_eq!(v["answer"], "fast answer");
    assert_eq!(v["winner"], seat(1));
    assert_eq!(statuses(&v), ["cancelled", "ok", "cancelled"]);
    assert_eq!(v["members"][1]["vote"], "first");
    // The slow members' requests were really aborted: their fakes saw the disconnect.
    assert!(slow1.wait_for_disconnects(1, Duration::from_secs(10)));
    assert!(slow2.wait_for_disconnects(1, Duration::from_secs(10)));

    let out = council(&home, 3, &["--mode", "first", "hello"]).success();
    assert_eq!(stdout(&out), "fast answer\n");
}

#[test]
fn first_with_no_answer_at_all_reports_every_member() {
    let down = down(0);
    let urls = [("openai", down.url()), ("mistral", refused_url())];
    let home = home_for(&urls);
    let out = council(&home, 2, &["--mode", "first", "hello"]).code(6);
    let err = stderr(&out);
    assert!(err.contains("no member of the council answered"), "{err}");
    assert!(err.contains(&seat(0)) && err.contains(&seat(1)), "{err}");
}

#[test]
fn answers_agree_after_normalisation() {
    let servers: Vec<FakeServer> = ["Yes.", "yes", " YES ", "yes, but…"]
        .iter()
        .enumerate()
        .map(|(i, t)| member(t, 0).seat(i))
        .collect();
    let refs: Vec<&FakeServer> = servers.iter().collect();
    let agreeing = home(&refs);
    let v = json(&council_json(&agreeing, 4, &["Compatible?"]).success());
    let votes: Vec<&str> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["vote"].as_str().unwrap())
        .collect();
    assert_eq!(votes, ["yes", "yes", "yes", "yes, but"]);
    // 3 of 4 agree; the answer is one of the agreeing members' own words.
    assert_eq!(v["winner"], seat(0));
    assert_eq!(v["answer"], "Yes.");

    // `yes, but…` is not `yes`: two against two is a tie.
    let servers: Vec<FakeServer> = ["Yes.", "yes, but…", "yes, but…", " YES "]
        .iter()
        .enumerate()
        .map(|(i, t)| member(t, 0).seat(i))
        .collect();
    let refs: Vec<&FakeServer> = servers.iter().collect();
    let tied = home(&refs);
    council(&tied, 4, &["Compatible?"]).code(7);
}

const ANSWERS: [&str; 5] = [
    "alpha answer",
    "beta answer",
    "gamma answer",
    "delta answer",
    "epsilon answer",
];

#[test]
fn rank_shuffles_labels_per_voter_and_never_shows_a_voter_its_own_answer() {
    // Everyone prefers alpha > beta > gamma > delta > epsilon.
    let servers: Vec<FakeServer> = ANSWERS
        .iter()
        .enumerate()
        .map(|(i, a)| member(a, 0).ranks(|paper| rank_by(&ANSWERS, paper)).seat(i))
        .collect();
    let refs: Vec<&FakeServer> = servers.iter().collect();
    let home = home(&refs);
    let out = council(&home, 5, &["--mode", "rank", "--stats", "Name a letter"]).success();
    assert_eq!(stdout(&out), "alpha answer\n");
    let table = stderr(&out);
    assert!(table.contains("#1 · 12 pts"), "{table}");
    assert!(table.contains("W = 1.00 (5 rankings)"), "{table}");

    let mut papers = Vec::new();
    for (i, s) in servers.iter().enumerate() {
        let prompts = ranking_prompts(s);
        assert_eq!(prompts.len(), 1, "one ranking per voter");
        assert!(
            prompts[0].contains("Name a letter"),
            "the question is shown"
        );
        let paper = ballot_paper(&prompts[0]);
        let texts: Vec<&str> = paper.iter().map(|(_, t)| t.as_str()).collect();
        // Labels A, B, C, D in order, over the other four answers, never its own.
        assert_eq!(paper.iter().map(|(l, _)| *l).collect::<String>(), "ABCD");
        assert!(!texts.contains(&ANSWERS[i]), "voter {i} saw its own answer");
        let mut sorted = texts.clone();
        sorted.sort();
        let mut others: Vec<&str> = ANSWERS
            .iter()
            .copied()
            .filter(|a| *a != ANSWERS[i])
            .collect();
        others.sort();
        assert_eq!(sorted, others);
        papers.push(texts.iter().map(|t| t.to_string()).collect::<Vec<_>>());
    }
    // Shuffled per voter: not every paper lists the answers in seat order (that would
    // happen by chance once in 24⁵ councils).
    let in_seat_order = papers.iter().enumerate().all(|(i, p)| {
        let expected: Vec<String> = ANSWERS
            .iter()
            .filter(|a| **a != ANSWERS[i])
            .map(|a| a.to_string())
            .collect();
        *p == expected
    });
    assert!(!in_seat_order, "labels were not shuffled: {papers:?}");

    // The JSON names each member's rank, points and its own (de-anonymised) ranking.
    let v = json(&council_json(&home, 5, &["--mode", "rank", "Name a letter"]).success());
    assert_eq!(v["winner"], seat(0));
    let alpha = &v["members"][0]["vote"];
    assert_eq!(alpha["rank"], 1);
    assert_eq!(alpha["points"], 12);
    assert_eq!(
        alpha["ranking"],
        serde_json::json!([seat(1), seat(2), seat(3), seat(4)])
    );
    assert_eq!(v["members"][4]["vote"]["rank"], 5);
    assert_eq!(v["members"][4]["vote"]["points"], 0);
}

#[test]
fn rank_excludes_and_reports_a_malformed_ranking() {
    let servers: Vec<FakeServer> = ANSWERS[..4]
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let m = member(a, 0);
            if i == 2 {
                m.ranks(|_| "They are all excellent answers, I cannot choose.".into())
            } else {
                m.ranks(|paper| rank_by(&ANSWERS, paper))
            }
            .seat(i)
        })
        .collect();
    let refs: Vec<&FakeServer> = servers.iter().collect();
    let home = home(&refs);
    let out = council_json(&home, 4, &["--mode", "rank", "Name a letter"]).success();
    let v = json(&out);
    assert_eq!(v["answer"], "alpha answer");
    let excluded = &v["members"][2]["vote"];
    assert_eq!(excluded["ranking"], Value::Null);
    assert!(
        excluded["excluded"]
            .as_str()
            .unwrap()
            .contains("cannot choose"),
        "{excluded}"
    );
    // Its answer still counts; only its ranking is left out: alpha gets 2 points from
    // beta and 2 from delta, none from gamma.
    assert_eq!(v["members"][0]["vote"]["points"], 4);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("the ranking by {} was left out", seat(2))),
        "{err}"
    );
}

#[test]
fn rank_chair_writes_the_final_answer_from_the_top_answers() {
    let servers: Vec<FakeServer> = ANSWERS
        .iter()
        .enumerate()
        .map(|(i, a)| member(a, 0).ranks(|paper| rank_by(&ANSWERS, paper)).seat(i))
        .collect();
    let refs: Vec<&FakeServer> = servers.iter().collect();
    let home = home(&refs);
    let out = council_json(
        &home,
        5,
        &[
            "--mode",
            "rank",
            "--chair",
            "openai:gpt-4o",
            "Name a letter",
        ],
    )
    .success();
    let v = json(&out);
    assert_eq!(v["answer"], "final answer from the chair");
    // The Borda winner is still named; the chair is the last entry.
    assert_eq!(v["winner"], seat(0));
    let members = v["members"].as_array().unwrap();
    assert_eq!(members.len(), 6);
    assert_eq!(members[5]["model"], "gpt-4o");
    assert_eq!(members[5]["vote"], "chair");

    let chair: Vec<String> = servers[0]
        .requests()
        .iter()
        .filter(|r| r.body_json()["model"] == "gpt-4o")
        .map(prompt_of)
        .collect();
    assert_eq!(chair.len(), 1);
    let p = &chair[0];
    assert!(p.contains("Name a letter"), "{p}");
    // The top three, best first; not the rest.
    let at = |a: &str| p.find(a).unwrap_or_else(|| panic!("{a} missing from {p}"));
    assert!(at("alpha answer") < at("beta answer") && at("beta answer") < at("gamma answer"));
    assert!(
        !p.contains("delta answer") && !p.contains("epsilon answer"),
        "{p}"
    );

    // Without --json the chair's answer is all of stdout.
    let out = council(
        &home,
        5,
        &[
            "--mode",
            "rank",
            "--chair",
            "openai:gpt-4o",
            "Name a letter",
        ],
    )
    .success();
    assert_eq!(stdout(&out), "final answer from the chair\n");
}

/// `byok usage` totals for this month.
fn usage_totals(home: &Home) -> Value {
    json(&home.cmd().args(["--json", "usage"]).assert().success())["totals"].clone()
}

fn sum_usage(members: &[Value], field: &str) -> u64 {
    members
        .iter()
        .map(|m| m["usage"][field].as_u64().unwrap())
        .sum()
}

#[test]
fn members_usage_and_cost_sum_to_the_council_total() {
    // Priced models, so every cost is known.
    let openai = member("yes", 0).usage(1000, 10).seat(0);
    let mistral = member("yes", 0).usage(2000, 20).seat(1);
    let urls = [("openai", openai.url()), ("mistral", mistral.url())];
    let home = home_for(&urls);
    let list = "openai:gpt-4o-mini,mistral:mistral-small-latest,openai:gpt-4o";
    let v = json(
        &home
            .cmd()
            .args(["--json", "council", "--members", list, "Agree?"])
            .assert()
            .success(),
    );
    let members = v["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    for field in [
        "input_tokens",
        "output_tokens",
        "cached_input_tokens",
        "reasoning_tokens",
    ] {
        assert_eq!(
            sum_usage(members, field),
            v["usage"][field].as_u64().unwrap(),
            "{field}"
        );
    }
    assert_eq!(v["usage"]["input_tokens"], 4000);
    assert_eq!(v["usage"]["output_tokens"], 40);
    let costs: f64 = members
        .iter()
        .map(|m| m["cost_usd"].as_f64().unwrap())
        .sum();
    let total = v["cost_usd"].as_f64().unwrap();
    assert!(
        total > 0.0 && (costs - total).abs() < 1e-12,
        "{costs} vs {total}"
    );
    // The ledger holds the same: one row per member call.
    let ledger = usage_totals(&home);
    assert_eq!(ledger["calls"], 3);
    assert_eq!(ledger["input_tokens"], v["usage"]["input_tokens"]);
    assert_eq!(ledger["output_tokens"], v["usage"]["output_tokens"]);
    assert!((ledger["cost_usd"].as_f64().unwrap() - total).abs() < 1e-12);
    let first_total = v["usage"].clone();
    let first_cost = total;
    // gpt-4o-mini at $0.15/$0.60 per million: 1000 in, 10 out.
    let mini = members[0]["cost_usd"].as_f64().unwrap();
    assert!(
        (mini - (1000.0 * 0.15 + 10.0 * 0.6) / 1e6).abs() < 1e-12,
        "{mini}"
    );

    // rank: each member's ranking call is in its row, the chair is a row of its own, and
    // the rows still add up to the total.
    let v = json(
        &home
            .cmd()
            .args([
                "--json",
                "council",
                "--members",
                list,
                "--mode",
                "rank",
                "--chair",
                "mistral:mistral-small-latest",
                "Agree?",
            ])
            .assert()
            .success(),
    );
    let members = v["members"].as_array().unwrap();
    assert_eq!(members.len(), 4);
    assert_eq!(
        members[0]["usage"]["input_tokens"], 2000,
        "answer + ranking"
    );
    assert_eq!(members[3]["usage"]["input_tokens"], 2000, "the chair");
    for field in ["input_tokens", "output_tokens"] {
        assert_eq!(
            sum_usage(members, field),
            v["usage"][field].as_u64().unwrap(),
            "{field}"
        );
    }
    let costs: f64 = members
        .iter()
        .map(|m| m["cost_usd"].as_f64().unwrap())
        .sum();
    let total = v["cost_usd"].as_f64().unwrap();
    assert!((costs - total).abs() < 1e-12);
    // In the ledger: 3 answers, 3 rankings and the chair, added to the first council.
    let ledger = usage_totals(&home);
    assert_eq!(ledger["calls"], 3 + 7);
    for field in ["input_tokens", "output_tokens"] {
        assert_eq!(
            ledger[field].as_u64().unwrap(),
            first_total[field].as_u64().unwrap() + v["usage"][field].as_u64().unwrap(),
            "{field}"
        );
    }
    assert!((ledger["cost_usd"].as_f64().unwrap() - (first_cost + total)).abs() < 1e-12);

    // A model without a price makes the total unknown, never a made-up sum.
    let groq = member("yes", 0).seat(2);
    let mut home = home_for(&urls);
    home.env("GROQ_API_KEY", &key_of("groq"))
        .env("BYOK_GROQ_BASE_URL", &format!("{}/v1", groq.url()));
    let v = json(
        &home
            .cmd()
            .args([
                "--json",
                "council",
                "--members",
                "openai:gpt-4o-mini,groq:some-model",
                "x",
            ])
            .assert()
            .success(),
    );
    assert_eq!(v["members"][1]["cost_usd"], Value::Null);
    assert_eq!(v["cost_usd"], Value::Null);
}

#[test]
fn five_members_are_asked_at_once() {
    // Each member answers only once all five requests have arrived: a council that asked
    // them one after another would never get past the first (its fake fails the test).
    // How long a council takes is the benchmark's business (BENCHMARKS.md).
    let gate = Gate::default();
    let servers: Vec<FakeServer> = (0..5)
        .map(|i| member("yes", 0).after(&gate, 5).seat(i))
        .collect();
    let refs: Vec<&FakeServer> = servers.iter().collect();
    let home = home(&refs);
    let out = council(&home, 5, &["How many?"]).success();
    assert_eq!(stdout(&out), "yes\n");
    for s in &servers {
        assert_eq!(s.count("/v1/chat/completions"), 1);
    }
}

#[test]
fn members_mode_and_quorum_come_from_the_profile() {
    let a = member("no", 0).seat(0);
    let b = member("no", 0).seat(1);
    let c = member("yes", 0).seat(2);
    let home = home(&[&a, &b, &c]);
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(
        home.file("profiles/default.toml"),
        format!(
            "[council]\nmembers = [\"{}\", \"{}\", \"{}\"]\nmode = \"strict\"\nquorum = 3\n",
            seat(0),
            seat(1),
            seat(2)
        ),
    )
    .unwrap();
    let v = json(
        &home
            .cmd()
            .args(["--json", "council", "Ready?"])
            .assert()
            .success(),
    );
    assert_eq!(v["mode"], "strict");
    assert_eq!(v["answer"], "no");
    assert_eq!(v["quorum"]["required"], 3);
    // The command line wins over the profile.
    let out = home
        .cmd()
        .args(["council", "--members", &seat(2), "Ready?"])
        .assert()
        .success();
    assert_eq!(stdout(&out), "yes\n");
}

#[test]
fn usage_errors_before_any_call() {
    let a = member("yes", 0).seat(0);
    let home = home(&[&a]);
    let out = home.cmd().args(["council", "hello"]).assert().code(2);
    assert!(stderr(&out).contains("--members"), "{}", stderr(&out));
    council(&home, 1, &["--chair", "openai:gpt-4o", "hello"]).code(2);
    council(&home, 1, &["--quorum", "2", "hello"]).code(2);
    council(&home, 1, &["--mode", "first", "--quorum", "1", "hello"]).code(2);
    let out = home
        .cmd()
        .args(["council", "--members", "openai:gpt-4o", "--no-stdin"])
        .assert()
        .code(2);
    assert!(stderr(&out).contains("byok council"), "{}", stderr(&out));
    assert_eq!(a.count("/"), 0, "no call was made");
}

#[test]
fn the_allowlist_applies_to_members() {
    let a = member("yes", 0).seat(0);
    let b = member("yes", 0).seat(1);
    let home = home(&[&a, &b]);
    std::fs::create_dir_all(home.file("profiles")).unwrap();
    std::fs::write(home.file("profiles/default.toml"), "allow = [\"openai\"]\n").unwrap();
    let out = council(&home, 2, &["hello"]).code(3);
    assert!(stderr(&out).contains("mistral"), "{}", stderr(&out));
    assert_eq!(a.count("/") + b.count("/"), 0);
}

/// A member past its retirement date (deepseek-chat, retired 2026-07-24 by the embedded
/// price table) still sits, with one warning line on stderr.
#[test]
fn a_retired_member_sits_with_one_warning() {
    let a = member("yes", 0).seat(0);
    let d = member("yes", 0).seat(3);
    let home = home_for(&[(SEATS[0].0, a.url()), (SEATS[3].0, d.url())]);
    let out = home
        .cmd()
        .args(["--json", "council", "--members"])
        .arg(format!("{},{}", seat(0), seat(3)))
        .arg("Is 7 prime?")
        .assert()
        .success();
    assert_eq!(json(&out)["answer"], "yes");
    let err = stderr(&out);
    let warned: Vec<&str> = err.lines().filter(|l| l.contains("retired")).collect();
    assert_eq!(
        warned,
        [
            "warning: deepseek:deepseek-chat was retired on 2026-07-24; pick another model, e.g. byok prices deepseek"
        ],
        "{err}"
    );
}
