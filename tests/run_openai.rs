//! `byok run` against fake OpenAI-compatible providers on 127.0.0.1 (OpenAI, OpenRouter,
//! Mistral, each in its own dialect): streamed in random small pieces and whole, the
//! request on the wire, normalised usage, OpenRouter's own cost, error bodies and exit
//! codes, a stream cut mid-way and an error event mid-stream.

mod support;

use serde_json::{Value, json};
use support::byok::{Home, json, printed, stderr, stdout};
use support::fake::{FakeServer, Reply, Request};
use support::wire::{Answer, Failure, Fake, Usage};
use support::wire_openai::{self as wire, Flavor, OpenAi};

const OPENAI_KEY: &str = "sk-proj-fake0123456789abcdefghijklmnopqrstuvwxyzAB";
const OPENROUTER_KEY: &str = "sk-or-v1-fake0123456789abcdef0123456789abcdef0123456789abcdef01";
const MISTRAL_KEY: &str = "fakeMistral0123456789abcdefABCDEF";

/// The provider id, key variable and key of a flavour, the model asked for and the base
/// URL path under the fake.
struct Target {
    id: &'static str,
    key_env: &'static str,
    key: &'static str,
    model: &'static str,
    prefix: &'static str,
}

fn target(flavor: Flavor) -> Target {
    match flavor {
        Flavor::OpenAi => Target {
            id: "openai",
            key_env: "OPENAI_API_KEY",
            key: OPENAI_KEY,
            model: "gpt-4o-mini",
            prefix: "/v1",
        },
        Flavor::OpenRouter => Target {
            id: "openrouter",
            key_env: "OPENROUTER_API_KEY",
            key: OPENROUTER_KEY,
            // OpenRouter model names carry a slash and sometimes a colon.
            model: "meta-llama/llama-3.3-70b-instruct:free",
            prefix: "/api/v1",
        },
        Flavor::Mistral => Target {
            id: "mistral",
            key_env: "MISTRAL_API_KEY",
            key: MISTRAL_KEY,
            model: "mistral-small-latest",
            prefix: "/v1",
        },
    }
}

fn home_for(fake: &FakeServer, flavor: Flavor) -> Home {
    let t = target(flavor);
    let mut home = Home::with_identity();
    home.env(t.key_env, t.key).env(
        &format!("BYOK_{}_BASE_URL", t.id.to_ascii_uppercase()),
        &format!("{}{}", fake.url(), t.prefix),
    );
    home
}

/// `byok [--json] run -m PROVIDER:MODEL [extra…] PROMPT`.
fn run(home: &Home, flavor: Flavor, json_out: bool, extra: &[&str]) -> assert_cmd::assert::Assert {
    let t = target(flavor);
    let mut cmd = home.cmd();
    if json_out {
        cmd.arg("--json");
    }
    cmd.args(["run", "-m", &format!("{}:{}", t.id, t.model)])
        .args(extra)
        .arg(PROMPT)
        .assert()
}

const PROMPT: &str = "Name the capital of France, with a flourish.";

/// An answer with unicode split over pieces, quotes, a newline and a backslash.
fn pieces() -> Vec<&'static str> {
    vec![
        "The capital",
        " of France",
        " is Paris — ",
        "«la Ville Lumière» 🗼.",
        "\nSecond line, \"quoted\" and a \\ backslash.",
    ]
}

/// Each flavour with the usage details its provider really reports, expecting its key.
fn rich(flavor: Flavor) -> Fake<OpenAi> {
    let answer = match flavor {
        Flavor::OpenAi => {
            Answer::text(&pieces()).usage(Usage::new(1234, 321).cached(1024).reasoning(192))
        }
        Flavor::OpenRouter => Answer::text(&pieces())
            .thinking(&["The user wants", " a flourish."])
            .usage(Usage::new(57, 48).reasoning(12).cost(0.00012345)),
        Flavor::Mistral => Answer::text(&pieces()).usage(Usage::new(22, 31)),
    };
    Fake::flavored(flavor, target(flavor).key, answer)
}

const FLAVORS: [Flavor; 3] = [Flavor::OpenAi, Flavor::OpenRouter, Flavor::Mistral];

fn chat_requests(fake: &FakeServer) -> Vec<Request> {
    fake.requests()
        .into_iter()
        .filter(|r| r.path_only().ends_with("/chat/completions"))
        .collect()
}

fn check_usage(out: &Value, chat: &Fake<OpenAi>) {
    let expected = chat.answer.usage.expected();
    for field in [
        "input_tokens",
        "output_tokens",
        "cached_input_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
    ] {
        assert_eq!(
            out["usage"][field], expected[field],
            "{:?}: usage.{field} in {out:#}",
            chat.wire.flavor
        );
    }
}

fn check_success_json(out: &Value, chat: &Fake<OpenAi>) {
    let t = target(chat.wire.flavor);
    assert_eq!(out["text"], json!(chat.answer.full_text()), "{out:#}");
    assert_eq!(out["provider"], t.id, "{out:#}");
    assert_eq!(out["model"], t.model, "{out:#}");
    check_usage(out, chat);
    let attempts = out["attempts"].as_array().expect("attempts is an array");
    assert_eq!(attempts.len(), 1, "{out:#}");
    assert_eq!(attempts[0]["provider"], t.id);
    assert_eq!(attempts[0]["model"], t.model);
    assert!(attempts[0]["error"].is_null(), "{out:#}");
    assert!(out["latency_ms"].is_number(), "{out:#}");
    assert!(out["ttft_ms"].is_number(), "{out:#}");
    for field in ["cost_usd", "cost_source", "route"] {
        assert!(out.get(field).is_some(), "no {field} in {out:#}");
    }
    if chat.wire.flavor == Flavor::OpenRouter {
        assert_eq!(out["cost_source"], "provider", "{out:#}");
        assert_eq!(
            out["cost_usd"],
            json!(chat.answer.usage.cost.unwrap()),
            "{out:#}"
        );
    } else {
        assert_ne!(out["cost_source"], "provider", "{out:#}");
    }
}

/// The request as the provider needs it: the path under the base URL, the bearer key,
/// the model name unchanged, one user message holding the prompt.
fn check_request(req: &Request, flavor: Flavor) -> Value {
    let t = target(flavor);
    assert_eq!(req.method, "POST");
    assert_eq!(req.path_only(), format!("{}/chat/completions", t.prefix));
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {}", t.key).as_str())
    );
    assert!(
        req.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{:?}",
        req.headers
    );
    let body = req.body_json();
    assert_eq!(body["model"], t.model, "{body:#}");
    let messages = body["messages"].as_array().expect("messages");
    let last = messages.last().unwrap();
    assert_eq!(last["role"], "user", "{body:#}");
    assert_eq!(last["content"], PROMPT, "{body:#}");
    body
}

#[test]
fn every_flavour_streamed_in_random_small_pieces_gives_exact_text_and_usage() {
    for flavor in FLAVORS {
        for max in [None, Some(1), Some(5), Some(17), Some(64)] {
            let chat = match max {
                Some(max) => rich(flavor).split(max),
                None => rich(flavor),
            };
            let fake = chat.clone().server();
            let home = home_for(&fake, flavor);
            let a = run(&home, flavor, true, &[]).success();
            let out = json(&a);
            check_success_json(&out, &chat);

            let reqs = chat_requests(&fake);
            assert_eq!(reqs.len(), 1, "{flavor:?}");
            let body = check_request(&reqs[0], flavor);
            assert_eq!(body["stream"], true, "{flavor:?}: {body:#}");
            assert_eq!(
                body["stream_options"]["include_usage"], true,
                "{flavor:?}: streamed usage must be asked for: {body:#}"
            );
        }
    }
}

#[test]
fn streamed_stdout_is_the_answer_exactly() {
    for flavor in FLAVORS {
        let chat = rich(flavor).split(4);
        let fake = chat.clone().server();
        let home = home_for(&fake, flavor);
        let a = run(&home, flavor, false, &[]).success();
        assert_eq!(printed(&a), chat.answer.full_text(), "{flavor:?}");
        // The reasoning deltas (OpenRouter) are never answer text.
        assert!(!stdout(&a).contains("flourish."), "{flavor:?}");
    }
}

#[test]
fn openai_usage_chunk_with_empty_choices_after_the_finish_reason() {
    // The pitfall case on its own: every chunk has `"usage": null`, the usage-only chunk
    // has `"choices": []`, cached and reasoning tokens are inside the totals.
    let chat = Fake::openai(
        OPENAI_KEY,
        Answer::text(&["4"]).usage(Usage::new(2006, 300).cached(1920).reasoning(256)),
    )
    .split(3);
    let body = String::from_utf8(chat.body("gpt-4o-mini")).unwrap();
    assert!(body.contains("\"usage\":null"));
    assert!(body.contains("\"choices\":[]"));
    assert!(body.ends_with("data: [DONE]\n\n"));
    let fake = chat.clone().server();
    let home = home_for(&fake, Flavor::OpenAi);
    let out = json(&run(&home, Flavor::OpenAi, true, &[]).success());
    assert_eq!(out["text"], "4");
    assert_eq!(
        out["usage"],
        json!({"input_tokens": 2006, "output_tokens": 300, "cached_input_tokens": 1920, "cache_write_tokens": 0, "reasoning_tokens": 256}),
        "{out:#}"
    );
}

#[test]
fn openrouter_cost_arrives_after_the_finish_reason_chunk() {
    let chat = Fake::openrouter(
        OPENROUTER_KEY,
        Answer::text(&["Hi", "!"]).usage(Usage::new(10, 2).cost(0.000042)),
    );
    let body = String::from_utf8(chat.body("openai/gpt-4o-mini")).unwrap();
    assert!(body.contains(": OPENROUTER PROCESSING\n\n"));
    let finish = body.find("\"finish_reason\":\"stop\"").unwrap();
    let cost = body.find("\"cost\":").unwrap();
    assert!(cost > finish, "{body}");
    let fake = chat.clone().server();
    let home = home_for(&fake, Flavor::OpenRouter);
    let out = json(&run(&home, Flavor::OpenRouter, true, &[]).success());
    assert_eq!(out["text"], "Hi!");
    assert_eq!(out["usage"]["input_tokens"], 10);
    assert_eq!(out["usage"]["output_tokens"], 2);
    assert_eq!(out["cost_source"], "provider");
    assert_eq!(out["cost_usd"], 0.000042);
}

#[test]
fn mistral_usage_on_the_finish_reason_chunk() {
    let chat = Fake::mistral(
        MISTRAL_KEY,
        Answer::text(&["Bonjour", " !"]).usage(Usage::new(9, 4)),
    )
    .per_event();
    let fake = chat.clone().server();
    let home = home_for(&fake, Flavor::Mistral);
    let out = json(&run(&home, Flavor::Mistral, true, &[]).success());
    assert_eq!(out["text"], "Bonjour !");
    assert_eq!(out["usage"]["input_tokens"], 9);
    assert_eq!(out["usage"]["output_tokens"], 4);
}

#[test]
fn non_streamed_answers_give_exact_text_and_usage() {
    for flavor in FLAVORS {
        let chat = rich(flavor);
        let fake = chat.clone().server();
        let home = home_for(&fake, flavor);
        let out = json(&run(&home, flavor, true, &["--no-stream"]).success());
        check_success_json(&out, &chat);
        let reqs = chat_requests(&fake);
        assert_eq!(reqs.len(), 1);
        let body = check_request(&reqs[0], flavor);
        assert_ne!(body["stream"], true, "{flavor:?}: {body:#}");
        assert!(body.get("stream_options").is_none(), "{body:#}");

        // And on stdout, exactly the answer.
        let a = run(&home, flavor, false, &["--no-stream"]).success();
        assert_eq!(printed(&a), chat.answer.full_text(), "{flavor:?}");
    }
}

#[test]
fn system_prompt_and_token_limit_travel_in_each_providers_field() {
    for flavor in FLAVORS {
        let chat = rich(flavor);
        let fake = chat.clone().server();
        let home = home_for(&fake, flavor);
        run(
            &home,
            flavor,
            true,
            &["-s", "Answer in one line.", "--max-tokens", "64"],
        )
        .success();
        let reqs = chat_requests(&fake);
        let body = check_request(&reqs[0], flavor);
        assert_eq!(
            body["messages"],
            json!([
                {"role": "system", "content": "Answer in one line."},
                {"role": "user", "content": PROMPT}
            ]),
            "{flavor:?}"
        );
        // OpenAI's reasoning models refuse `max_tokens`; the others know only it.
        let (field, other) = if flavor == Flavor::OpenAi {
            ("max_completion_tokens", "max_tokens")
        } else {
            ("max_tokens", "max_completion_tokens")
        };
        assert_eq!(body[field], 64, "{flavor:?}: {body:#}");
        assert!(body.get(other).is_none(), "{flavor:?}: {body:#}");
    }
}

/// A fake expecting the flavour's key that answers every chat request with `reply`.
fn failing(flavor: Flavor, reply: Reply) -> FakeServer {
    rich(flavor).fail_with(reply).server()
}

/// A fake expecting another key than the one byok has.
fn expecting_another_key(flavor: Flavor) -> FakeServer {
    Fake::flavored(
        flavor,
        "sk-another-key-0123456789abcdefghijklmnop",
        Answer::text(&["never"]),
    )
    .server()
}

fn assert_no_secret(a: &assert_cmd::assert::Assert, key: &str) {
    assert!(!stdout(a).contains(key), "the key leaked to stdout");
    assert!(!stderr(a).contains(key), "the key leaked to stderr");
}

#[test]
fn openai_bad_key_exits_4_without_echoing_the_key() {
    // The fake's 401 quotes back the key byok sent, as OpenAI does.
    let fake = expecting_another_key(Flavor::OpenAi);
    let home = home_for(&fake, Flavor::OpenAi);
    let a = run(&home, Flavor::OpenAi, false, &[]).code(4);
    assert_eq!(stdout(&a), "");
    let err = stderr(&a);
    assert!(err.contains("openai"), "{err}");
    assert!(err.contains("Incorrect API key"), "{err}");
    assert_no_secret(&a, OPENAI_KEY);
    // Not retried: the key is wrong however often it is sent.
    assert_eq!(chat_requests(&fake).len(), 1);
}

#[test]
fn openai_insufficient_quota_exits_4() {
    let fake = failing(Flavor::OpenAi, wire::insufficient_quota());
    let home = home_for(&fake, Flavor::OpenAi);
    let a = run(&home, Flavor::OpenAi, false, &[]).code(4);
    let err = stderr(&a);
    assert!(err.contains("exceeded your current quota"), "{err}");
    assert!(err.contains("credit"), "{err}");
    assert_eq!(stdout(&a), "");
}

#[test]
fn openai_server_error_exits_6() {
    let fake = failing(Flavor::OpenAi, wire::server_error());
    let home = home_for(&fake, Flavor::OpenAi);
    let a = run(&home, Flavor::OpenAi, false, &[]).code(6);
    let err = stderr(&a);
    assert!(err.contains("500"), "{err}");
    assert!(err.contains("server had an error"), "{err}");
    assert_eq!(stdout(&a), "");
}

#[test]
fn openai_rate_limit_exits_6() {
    let fake = failing(Flavor::OpenAi, wire::rate_limited(20));
    let home = home_for(&fake, Flavor::OpenAi);
    let a = run(&home, Flavor::OpenAi, false, &[]).code(6);
    let err = stderr(&a);
    assert!(err.contains("Rate limit reached"), "{err}");
    assert_eq!(stdout(&a), "");
}

#[test]
fn mistral_401_without_an_error_object_exits_4() {
    let fake = expecting_another_key(Flavor::Mistral);
    let home = home_for(&fake, Flavor::Mistral);
    let a = run(&home, Flavor::Mistral, false, &[]).code(4);
    let err = stderr(&a);
    assert!(err.contains("mistral"), "{err}");
    assert!(err.contains("Unauthorized"), "{err}");
    assert_no_secret(&a, MISTRAL_KEY);
}

#[test]
fn openrouter_without_credit_exits_4_and_unknown_key_exits_4() {
    for (fake, needle) in [
        (
            failing(Flavor::OpenRouter, wire::openrouter_no_credit()),
            "Insufficient credits",
        ),
        (expecting_another_key(Flavor::OpenRouter), "User not found"),
    ] {
        let home = home_for(&fake, Flavor::OpenRouter);
        let a = run(&home, Flavor::OpenRouter, false, &[]).code(4);
        let err = stderr(&a);
        assert!(err.contains(needle), "{err}");
        assert_no_secret(&a, OPENROUTER_KEY);
    }
}

#[test]
fn an_unknown_model_exits_6_and_names_it() {
    let fake = failing(Flavor::OpenAi, wire::model_not_found("gpt-4o-mini"));
    let home = home_for(&fake, Flavor::OpenAi);
    let a = run(&home, Flavor::OpenAi, false, &[]).code(6);
    assert!(stderr(&a).contains("gpt-4o-mini"), "{}", stderr(&a));
}

#[test]
fn a_stream_cut_mid_way_exits_6_keeping_the_text_already_printed() {
    for flavor in FLAVORS {
        // Two answer pieces, then the connection drops inside the next event.
        let chat = rich(flavor).cut_after(2);
        let fake = chat.clone().server();
        let home = home_for(&fake, flavor);
        let a = run(&home, flavor, false, &[]).code(6);
        assert_eq!(printed(&a), chat.answer.text_through(2), "{flavor:?}");
        let err = stderr(&a);
        assert!(err.contains(target(flavor).id), "{err}");
    }
}

#[test]
fn an_error_event_mid_stream_exits_6_keeping_the_text_already_printed() {
    for flavor in FLAVORS {
        let chat = rich(flavor).error_after(
            3,
            Failure::new(
                500,
                "server_error",
                "Provider returned error: upstream disconnected",
            ),
        );
        let fake = chat.clone().server();
        let home = home_for(&fake, flavor);
        let a = run(&home, flavor, false, &[]).code(6);
        assert_eq!(printed(&a), chat.answer.text_through(3), "{flavor:?}");
        let err = stderr(&a);
        assert!(err.contains("upstream disconnected"), "{flavor:?}: {err}");
    }
}

/// A model past its `deprecated` date (here by the profile's price row) is still called,
/// with one warning line on stderr; stdout stays the answer, or the JSON alone.
#[test]
fn a_retired_model_is_called_with_one_warning_on_stderr() {
    let chat = rich(Flavor::OpenAi);
    let fake = chat.clone().server();
    let home = home_for(&fake, Flavor::OpenAi);
    let profile = home.file("profiles/default.toml");
    std::fs::create_dir_all(profile.parent().unwrap()).unwrap();
    std::fs::write(
        &profile,
        "[prices.\"openai:gpt-4o-mini\"]\ninput = 0.15\noutput = 0.6\ndeprecated = \"2020-01-02\"\n",
    )
    .unwrap();
    let warning = "warning: openai:gpt-4o-mini was retired on 2020-01-02; pick another model, e.g. byok prices openai";
    let a = run(&home, Flavor::OpenAi, false, &["-q"]).success();
    assert_eq!(printed(&a), chat.answer.full_text());
    let err = stderr(&a);
    assert_eq!(err.matches("retired").count(), 1, "{err}");
    assert!(err.lines().any(|l| l == warning), "{err}");
    let a = run(&home, Flavor::OpenAi, true, &[]).success();
    check_success_json(&json(&a), &chat);
    assert!(stderr(&a).lines().any(|l| l == warning), "{}", stderr(&a));
    assert_eq!(chat_requests(&fake).len(), 2);

    // Retiring later: no warning.
    std::fs::write(
        &profile,
        "[prices.\"openai:gpt-4o-mini\"]\ninput = 0.15\noutput = 0.6\ndeprecated = \"2999-01-01\"\n",
    )
    .unwrap();
    let a = run(&home, Flavor::OpenAi, false, &[]).success();
    assert!(!stderr(&a).contains("retired"), "{}", stderr(&a));
}

/// A base URL without a scheme, or of another scheme than http and https, is a
/// configuration error naming where it was set, before any request: not a network error
/// retried three times.
#[test]
fn a_base_url_without_a_scheme_is_exit_3_before_any_request() {
    let fake = rich(Flavor::OpenAi).server();
    let port = fake.port();
    // In the environment.
    for (url, meant) in [
        (
            format!("127.0.0.1:{port}/v1"),
            format!("BYOK_OPENAI_BASE_URL=http://127.0.0.1:{port}/v1"),
        ),
        (
            "api.example.com/v1".to_string(),
            "BYOK_OPENAI_BASE_URL=https://api.example.com/v1".to_string(),
        ),
        (
            format!("ftp://127.0.0.1:{port}/v1"),
            format!("BYOK_OPENAI_BASE_URL=http://127.0.0.1:{port}/v1"),
        ),
    ] {
        let mut home = home_for(&fake, Flavor::OpenAi);
        home.env("BYOK_OPENAI_BASE_URL", &url);
        let a = run(&home, Flavor::OpenAi, false, &[]).code(3);
        let err = stderr(&a);
        assert!(
            err.contains(&format!("BYOK_OPENAI_BASE_URL sets the base URL `{url}`")),
            "{err}"
        );
        assert!(
            err.contains(&format!("hint: write it in full: {meant}")),
            "{err}"
        );
        assert_eq!(printed(&a), "");
    }
    // In the profile: where, by file, line and column.
    let mut home = Home::with_identity();
    home.env("OPENAI_API_KEY", OPENAI_KEY);
    let profile = home.file("profiles/default.toml");
    std::fs::create_dir_all(profile.parent().unwrap()).unwrap();
    std::fs::write(
        &profile,
        format!("# local proxy\n[providers.openai]\nbase_url = \"127.0.0.1:{port}/v1\"\n"),
    )
    .unwrap();
    let a = run(&home, Flavor::OpenAi, false, &[]).code(3);
    let err = stderr(&a);
    assert!(err.contains("profiles/default.toml:3:13"), "{err}");
    assert!(
        err.contains(&format!("write base_url = \"http://127.0.0.1:{port}/v1\"")),
        "{err}"
    );
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}
