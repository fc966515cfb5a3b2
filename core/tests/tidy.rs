//! Tidy checks over the whole repository: architecture invariants 1 and 2, the rule that
//! every Rust module opens with a `//!` line saying what it owns, and the app's one sort.

use std::{fs, path::Path};

/// The files under `dir` whose names end with one of `ends`, but for builds, packages and data.
fn files_ending(dir: &Path, ends: &[&str], out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !matches!(name, "target" | "node_modules" | "dist" | ".git" | "data") {
                files_ending(&path, ends, out);
            }
        } else if ends.iter().any(|end| name.ends_with(end)) {
            out.push(path);
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    files_ending(dir, &[".rs"], out);
}

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repo root")
}

#[test]
fn core_names_no_web_or_io_crate() {
    let core = repo_root().join("core");
    let mut files = vec![core.join("Cargo.toml")];
    rust_files(&core.join("src"), &mut files);
    let banned = [
        "leptos",
        "web_sys",
        "web-sys",
        "wasm_bindgen",
        "wasm-bindgen",
        "gloo",
        "tokio",
        "axum",
        "idb",
        "rexie",
    ];
    for f in files {
        let text = fs::read_to_string(&f).expect("read");
        for word in banned {
            let hit = text.match_indices(word).any(|(i, _)| {
                let before = text[..i].chars().last();
                let after = text[i + word.len()..].chars().next();
                let is_word = |c: Option<char>| {
                    c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
                };
                !is_word(before) && !is_word(after)
            });
            assert!(
                !hit,
                "{} names {word}: juntas-core must not know web or IO crates",
                f.display()
            );
        }
    }
}

#[test]
fn core_reads_no_clock_and_draws_no_randomness() {
    let mut files = Vec::new();
    rust_files(&repo_root().join("core/src"), &mut files);
    for f in files {
        let text = fs::read_to_string(&f).expect("read");
        for call in [
            "SystemTime::now",
            "Instant::now",
            "thread_rng",
            "rand::rng()",
            "OsRng",
            "ActorId::random",
        ] {
            assert!(
                !text.contains(call),
                "{} calls {call}: time and randomness are arguments",
                f.display()
            );
        }
    }
}

#[test]
fn every_module_says_what_it_owns() {
    let mut files = Vec::new();
    rust_files(repo_root(), &mut files);
    let mut missing = Vec::new();
    for f in files {
        let rel = f.strip_prefix(repo_root()).expect("inside repo");
        let in_test_dir =
            rel.components().any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "benches")));
        if in_test_dir || rel.ends_with("build.rs") {
            continue;
        }
        let text = fs::read_to_string(&f).expect("read");
        if !text.lines().take(5).any(|l| l.starts_with("//!")) {
            missing.push(rel.display().to_string());
        }
    }
    assert!(missing.is_empty(), "modules without a //! line: {missing:?}");
}

/// Invariant 5 and the one document pipeline: pages and components read plain structs and
/// call commands in `src/state/`; they never name Automerge nor reach the repo, so every
/// document change goes through `src/state/doc.rs`.
#[test]
fn pages_and_components_never_reach_documents() {
    let mut files = Vec::new();
    rust_files(&repo_root().join("src/pages"), &mut files);
    rust_files(&repo_root().join("src/components"), &mut files);
    assert!(files.len() > 10, "the app's pages and components are where they were");
    for f in files {
        let text = fs::read_to_string(&f).expect("read");
        for word in ["automerge", "AutoCommit", "use_repo", "Repo", "repo()", "StoredDoc"] {
            let hit = text.match_indices(word).any(|(i, _)| {
                let before = text[..i].chars().last();
                let after = text[i + word.len()..].chars().next();
                let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                !is_word(before) && !is_word(after)
            });
            assert!(
                !hit,
                "{} names {word}: pages and components go through src/state (one document pipeline)",
                f.display()
            );
        }
    }
}

/// Only the pipeline stores documents or tells sync about a local change.
#[test]
fn only_the_pipeline_saves_and_sends() {
    let mut files = Vec::new();
    rust_files(&repo_root().join("src"), &mut files);
    for f in files {
        let path = f.to_string_lossy().replace('\\', "/");
        if path.ends_with("src/state/doc.rs")
            || path.ends_with("src/repo.rs")
            || path.contains("src/sync/")
        {
            continue;
        }
        let text = fs::read_to_string(&f).expect("read");
        for call in [".save(", ".store(", "local_change(", "handle_or_empty("] {
            assert!(
                !text.contains(call),
                "{} calls {call}: documents are saved and sent only by src/state/doc.rs",
                f.display()
            );
        }
    }
}

/// The app's wasm compiles std's stable sort once per element type and comparison (~3.7 KB
/// each): every list the app ships sorts through `juntas_core::order`, which compiles it once.
/// (Test modules, the storage contract suite and the server may sort as they like.)
#[test]
fn the_app_sorts_through_one_sort() {
    let mut files = Vec::new();
    rust_files(&repo_root().join("src"), &mut files);
    rust_files(&repo_root().join("core/src"), &mut files);
    for f in files {
        let path = f.to_string_lossy().replace('\\', "/");
        if path.ends_with("core/src/order.rs") || path.ends_with("core/src/storage.rs") {
            continue;
        }
        let text = fs::read_to_string(&f).expect("read");
        let shipped = text.split("#[cfg(test)]").next().unwrap_or("");
        for call in
            [".sort()", ".sort_by(", ".sort_by_key(", ".sort_by_cached_key(", ".sort_unstable"]
        {
            assert!(
                !shipped.contains(call),
                "{} calls {call}: sort with juntas_core::order (one compiled sort for the app)",
                f.display()
            );
        }
    }
}

/// The start screen (painted before the app's wasm) opens with the start page's own tagline,
/// in both languages, so what it says first is what the app then says.
#[test]
fn the_start_screen_says_the_apps_tagline() {
    let i18n = fs::read_to_string(repo_root().join("src/i18n.rs")).expect("read i18n");
    let line = i18n
        .lines()
        .find(|l| l.trim_start().starts_with("Tagline =>"))
        .expect("src/i18n.rs has the Tagline");
    let texts: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
    assert_eq!(texts.len(), 2, "Tagline has a Spanish and an English text: {line}");
    let html = fs::read_to_string(repo_root().join("index.html")).expect("read index.html");
    let boot = fs::read_to_string(repo_root().join("public/boot.mjs")).expect("read boot.mjs");
    assert!(html.contains(texts[0]), "index.html's start screen says {:?}", texts[0]);
    for text in texts {
        assert!(boot.contains(text), "public/boot.mjs says {text:?}");
    }
}

/// Research notes live in `docs/research/`: `../shared/` is the environment's, rewritten on
/// every machine, and two notes written there were lost while the code still named them.
#[test]
fn every_research_note_the_code_names_is_in_the_repository() {
    let mut files = Vec::new();
    files_ending(repo_root(), &[".rs", ".md", ".mjs", ".js", ".toml", ".html"], &mut files);
    let mut named = 0;
    for file in files {
        let text = fs::read_to_string(&file).unwrap_or_default();
        let shown = file.strip_prefix(repo_root()).unwrap_or(&file).display().to_string();
        assert!(
            !text.contains(concat!("shared/", "research/")),
            "{shown} names a note in ../shared/research; write it in docs/research/ instead"
        );
        for (at, _) in text.match_indices("docs/research/") {
            let rest = &text[at..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "/-_.".contains(c)))
                .unwrap_or(rest.len());
            let path = rest[..end].trim_end_matches('.');
            if path.ends_with(".md") {
                named += 1;
                assert!(
                    repo_root().join(path).is_file(),
                    "{shown} names {path}, which is not there"
                );
            }
        }
    }
    assert!(named >= 3, "the notes named in the code were found ({named})");
}
