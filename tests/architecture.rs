//! The layering of docs/architecture.md, held by a test: the lower floors never reach up.
//! `providers/`, `ledger/`, `vault/` and `policy/` are used by the commands and by
//! `serve`; if one of them imported `commands` (or the CLI definition), the walk and the
//! ledger could no longer stand on their own.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::…` path named in `text`, by its first segment.
fn crate_paths(text: &str) -> Vec<String> {
    text.match_indices("crate::")
        .map(|(at, _)| {
            text[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn lower_layers_never_import_the_commands_or_the_cli() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offences = Vec::new();
    for layer in ["providers", "ledger", "vault", "policy", "guard", "serve"] {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer} has no files");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for upward in crate_paths(&text)
                .into_iter()
                .filter(|p| p == "commands" || p == "cli" || p == "generate")
            {
                offences.push(format!(
                    "{} uses crate::{upward}",
                    file.strip_prefix(&src).unwrap().display()
                ));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "a lower layer reaches up (docs/architecture.md):\n  {}",
        offences.join("\n  ")
    );
}

#[test]
fn the_ground_floor_imports_nothing_of_byok() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for file in [
        "vocab.rs",
        "duration.rs",
        "paths.rs",
        "signals.rs",
        "clock.rs",
        "memory.rs",
    ] {
        let text = std::fs::read_to_string(src.join(file)).unwrap();
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            crate_paths(&code).is_empty(),
            "src/{file} is on the ground floor and imports {:?}",
            crate_paths(&code)
        );
    }
}
