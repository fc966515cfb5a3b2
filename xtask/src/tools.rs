//! Installs what a fresh machine lacks, one clear line per tool: the wasm32 target, rustfmt
//! and clippy, Trunk 0.21.14, the wasm-bindgen CLI of Cargo.lock's version, and for tests
//! npm's binaryen (wasm-opt 132); for tests Debian's Chromium + ChromeDriver and the e2e
//! npm packages.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use crate::proc::step;

const TRUNK_VERSION: &str = "0.21.14";

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn have(program: &str) -> bool {
    output("sh", &["-c", &format!("command -v {program}")]).is_some_and(|s| !s.is_empty())
}

/// `cargo install` without fat LTO: the tools' own release profiles take 14 minutes to link
/// on two cores otherwise.
fn cargo_install(what: &str, args: &[&str]) -> Result<(), String> {
    println!("xtask: {what} is missing: installing it with cargo install (several minutes, once)");
    step(
        &format!("install {what}"),
        Command::new("cargo")
            .arg("install")
            .args(args)
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    )
}

/// The wasm-bindgen version Cargo.lock resolved (the CLI must match it exactly).
fn locked_wasm_bindgen() -> Result<String, String> {
    let lock = std::fs::read_to_string("Cargo.lock").map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_string());
        }
    }
    Err("Cargo.lock names no wasm-bindgen".into())
}

pub fn ensure_build_tools() -> Result<(), String> {
    let t = Instant::now();
    let targets = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        println!("xtask: the wasm32-unknown-unknown target is missing: installing it with rustup");
        step(
            "add the wasm32 target",
            Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
        )?;
    }
    if output("cargo", &["fmt", "--version"]).is_none()
        || output("cargo", &["clippy", "--version"]).is_none()
    {
        println!("xtask: rustfmt or clippy is missing: installing them with rustup");
        step(
            "add rustfmt and clippy",
            Command::new("rustup").args(["component", "add", "rustfmt", "clippy"]),
        )?;
    }
    if output("trunk", &["--version"]).as_deref() != Some(&format!("trunk {TRUNK_VERSION}")) {
        cargo_install(
            &format!("trunk {TRUNK_VERSION}"),
            &["--locked", "trunk", "--version", TRUNK_VERSION],
        )?;
    }
    let wb = locked_wasm_bindgen()?;
    if output("wasm-bindgen", &["--version"]).as_deref() != Some(&format!("wasm-bindgen {wb}")) {
        // Not --locked: a locked dependency of the CLI is missing from the registry mirror.
        cargo_install(&format!("wasm-bindgen-cli {wb}"), &["wasm-bindgen-cli", "--version", &wb])?;
    }
    // wasm-opt: npm's binaryen 132 (Debian's 108 produces a wasm that crashes at start-up).
    npm_ci("tools")?;
    println!("xtask: build tools ready ({:.1}s)", t.elapsed().as_secs_f64());
    Ok(())
}

pub fn chromedriver() -> &'static str {
    "/usr/bin/chromedriver"
}

fn is_root() -> bool {
    output("id", &["-u"]).as_deref() == Some("0")
}

pub fn ensure_browser_tools() -> Result<(), String> {
    if !(have("chromium") && Path::new(chromedriver()).exists()) {
        if !is_root() {
            return Err("Chromium and ChromeDriver are missing; as root run: apt-get install -y chromium chromium-driver".into());
        }
        println!(
            "xtask: Chromium/ChromeDriver are missing: installing Debian's chromium and chromium-driver with apt-get"
        );
        step("apt-get update", Command::new("apt-get").args(["update", "-q"]))?;
        step(
            "install chromium",
            Command::new("apt-get")
                .args(["install", "-y", "-q", "chromium", "chromium-driver"])
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
    }
    npm_ci("e2e")?;
    // The JS automerge-repo client the interop journeys run against juntas-server.
    npm_ci("e2e/interop")
}

/// Lighthouse 12.2.3 from npm (13 wants Node 22), only for `cargo xtask bench load`: it runs
/// against Debian's Chromium (`CHROME_PATH`) and downloads nothing at run time.
pub fn ensure_lighthouse() -> Result<(), String> {
    npm_ci("tools/lighthouse")
}

/// The Lighthouse command `ensure_lighthouse` installed.
pub fn lighthouse_bin() -> PathBuf {
    Path::new("tools/lighthouse/node_modules/.bin/lighthouse").to_path_buf()
}

/// `npm ci` in `dir` unless its node_modules already match its package-lock.json.
fn npm_ci(dir: &str) -> Result<(), String> {
    if !have("node") || !have("npm") {
        return Err(format!("node and npm (Node 20) are needed for {dir}/"));
    }
    let lock = Path::new(dir).join("package-lock.json");
    let stamp = Path::new(dir).join("node_modules/.juntas-lock");
    let current = std::fs::read(&lock).map_err(|e| format!("{}: {e}", lock.display()))?;
    if std::fs::read(&stamp).ok().as_deref() != Some(&current[..]) {
        println!(
            "xtask: the npm packages in {dir}/ are missing or stale: installing them with npm ci"
        );
        step(
            &format!("npm ci ({dir})"),
            Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir),
        )?;
        std::fs::write(&stamp, &current).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// PATH with the npm build tools (wasm-opt 132) first, for Trunk.
pub fn path_with_npm_tools() -> std::ffi::OsString {
    let mut dirs =
        vec![std::env::current_dir().unwrap_or_default().join("tools/node_modules/.bin")];
    dirs.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(dirs).unwrap_or_default()
}
