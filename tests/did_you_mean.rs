//! A misspelt provider, route, profile or subcommand is refused with the name that was
//! probably meant (README "Exit codes"): exit 3 for names byok looks up, clap's own
//! usage error (exit 2) for subcommands.

mod support;

use support::byok::{Home, Unlock, stderr};

const PROFILE: &str = r#"
[routes.classify]
model = "gemini:gemini-2.5-flash"

[routes.default]
model = "openai:gpt-4o-mini"
"#;

fn home() -> Home {
    let home = Home::new(Unlock::Nothing);
    let dir = home.file("profiles");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("default.toml"), PROFILE).unwrap();
    std::fs::write(dir.join("staging.toml"), "").unwrap();
    home
}

fn refused(home: &Home, args: &[&str], code: i32) -> String {
    stderr(&home.cmd().args(args).assert().code(code))
}

#[test]
fn a_misspelt_provider_gets_a_guess() {
    let home = home();
    for args in [
        &["key", "add", "opena"][..],
        &["run", "-m", "opena:gpt-4o", "hi"],
        &["run", "-m", "opena", "hi"],
        &["route", "set", "x", "antropic:claude-haiku-4-5"],
        &["exec", "--provider", "gemnii", "--", "true"],
    ] {
        let err = refused(&home, args, 3);
        assert!(
            err.contains("is not a provider byok knows"),
            "{args:?}: {err}"
        );
        assert!(err.contains("Did you mean `"), "{args:?}: {err}");
    }
    let err = refused(&home, &["key", "add", "opena"], 3);
    assert!(err.contains("Did you mean `openai`?"), "{err}");
    // Nothing close: no guess.
    let err = refused(&home, &["key", "add", "bedrock"], 3);
    assert!(!err.contains("Did you mean"), "{err}");
}

#[test]
fn a_misspelt_route_gets_a_guess() {
    let home = home();
    for args in [
        &["run", "-r", "clasify", "hi"][..],
        &["route", "show", "clasify"],
        &["route", "rm", "clasify"],
        &["exec", "--route", "clasify", "--", "true"],
    ] {
        let err = refused(&home, args, 3);
        assert!(
            err.contains("no route named `clasify`") && err.contains("Did you mean `classify`?"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_misspelt_profile_gets_a_guess() {
    let home = home();
    for args in [
        &["--profile", "stagign", "route", "list"][..],
        &["profile", "use", "stagign"],
    ] {
        let err = refused(&home, args, 3);
        assert!(
            err.contains("no profile named `stagign`") && err.contains("Did you mean `staging`?"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_misspelt_subcommand_gets_clap_s_tip() {
    let home = home();
    for (args, meant) in [
        (&["usge"][..], "usage"),
        (&["counsil"], "council"),
        (&["key", "verfy"], "verify"),
        (&["route", "shw"], "show"),
    ] {
        let err = refused(&home, args, 2);
        assert!(
            err.contains(&format!("a similar subcommand exists: '{meant}'")),
            "{args:?}: {err}"
        );
    }
}
