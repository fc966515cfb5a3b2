//! Running steps: each prints what it does and how long it took; test steps' own result
//! lines are read and added up into the final "N passed, N failed".

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Instant,
};

/// Runs `cmd` as a named step, streaming its output.
pub fn step(name: &str, cmd: &mut Command) -> Result<(), String> {
    println!("\nxtask: ── {name}");
    let t = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("{name}: could not start {:?}: {e}", cmd.get_program()))?;
    println!(
        "xtask: {name}: {} in {:.1}s",
        if status.success() { "ok" } else { "FAILED" },
        t.elapsed().as_secs_f64()
    );
    if status.success() { Ok(()) } else { Err(format!("{name} failed ({status})")) }
}

/// Runs `cmd`, echoing stdout while counting test results in it.
fn run_counting(cmd: &mut Command) -> Result<(bool, usize, usize), String> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {:?}: {e}", cmd.get_program()))?;
    let (mut passed, mut failed) = (0, 0);
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap_or_default();
        println!("{line}");
        if let Some((p, f)) = parse_counts(&line) {
            passed += p;
            failed += f;
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok((status.success(), passed, failed))
}

/// Reads `test result: ok. 3 passed; 1 failed; …` (cargo, wasm-bindgen-test) and TAP's
/// `# pass 3` / `# fail 1` (node --test).
fn parse_counts(line: &str) -> Option<(usize, usize)> {
    let num_before = |s: &str, word: &str| -> Option<usize> {
        let i = s.find(word)?;
        s[..i].trim_end().rsplit(' ').next()?.parse().ok()
    };
    if line.starts_with("test result:") {
        return Some((num_before(line, " passed")?, num_before(line, " failed").unwrap_or(0)));
    }
    let n = |p: &str| line.strip_prefix(p).and_then(|r| r.trim().parse().ok());
    n("# pass ").map(|p| (p, 0)).or_else(|| n("# fail ").map(|f| (0, f)))
}

#[derive(Default)]
pub struct Tally {
    passed: usize,
    failed: usize,
    failed_steps: Vec<String>,
}

impl Tally {
    /// A step that is one check (format, lint, build): 1 passed or 1 failed.
    pub fn check(&mut self, name: &str, cmd: &mut Command) -> bool {
        self.check_result(name, || step(name, cmd))
    }

    pub fn check_result(&mut self, name: &str, f: impl FnOnce() -> Result<(), String>) -> bool {
        match f() {
            Ok(()) => {
                self.passed += 1;
                true
            }
            Err(e) => {
                self.fail(name, &e);
                false
            }
        }
    }

    pub fn fail(&mut self, name: &str, why: &str) {
        println!("xtask: {name}: FAILED: {why}");
        self.failed += 1;
        self.failed_steps.push(name.to_string());
    }

    /// A step that runs tests: its own counts are added; a failure with no failed test counted
    /// (a crash, a build error) still counts as one failure.
    pub fn tests(&mut self, name: &str, cmd: &mut Command) {
        println!("\nxtask: ── {name}");
        let t = Instant::now();
        match run_counting(cmd) {
            Ok((ok, p, f)) => {
                self.passed += p;
                self.failed += f;
                println!(
                    "xtask: {name}: {p} passed, {f} failed in {:.1}s",
                    t.elapsed().as_secs_f64()
                );
                if !ok {
                    if f == 0 {
                        self.failed += 1;
                    }
                    self.failed_steps.push(name.to_string());
                } else if p == 0 {
                    self.fail(name, "ran no test");
                }
            }
            Err(e) => self.fail(name, &e),
        }
    }

    pub fn finish(self, started: Instant) -> Result<(), String> {
        println!("\nxtask: all steps done in {:.0}s", started.elapsed().as_secs_f64());
        if !self.failed_steps.is_empty() {
            println!("xtask: failed steps: {}", self.failed_steps.join("; "));
        }
        println!("{} passed, {} failed", self.passed, self.failed);
        if self.failed == 0 { Ok(()) } else { Err("some checks failed".into()) }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_counts;

    #[test]
    fn reads_cargo_and_tap_summaries() {
        assert_eq!(parse_counts("test result: ok. 21 passed; 0 failed; 0 ignored;"), Some((21, 0)));
        assert_eq!(
            parse_counts("test result: FAILED. 3 passed; 2 failed; 0 ignored"),
            Some((3, 2))
        );
        assert_eq!(parse_counts("# pass 7"), Some((7, 0)));
        assert_eq!(parse_counts("# fail 1"), Some((0, 1)));
        assert_eq!(parse_counts("ok 1 - creates a network"), None);
    }
}
