//! `cargo xtask run|test|bench`: the two commands that set up a fresh machine, build Juntas,
//! serve it and check it, plus the benchmarks.

mod breakdown;
mod compress;
mod proc;
mod split;
mod tools;

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command},
    time::{Duration, Instant},
};

use proc::{Tally, step};

const USAGE: &str = "usage:
  cargo xtask run [--addr IP] [--port N] [--data DIR]   build the app and serve it (default http://127.0.0.1:8080, data in ./data)
  cargo xtask build                                     build the app (dist/) and the server (target/server/juntas-server) for deployment
  cargo xtask test                                      every check CI runs, ending with 'N passed, N failed'
  cargo xtask bench size                                transfer size of the built app (raw / gzip / brotli)
  cargo xtask bench sync                                juntas-server vs the JS sync server (and JUNTAS_BENCH_BASELINE_BIN): documents on disk, typists, reconnect
  cargo xtask bench sign                                what a signed change costs: writing a head, its bytes, checking it, judging signed vs unsigned
  cargo xtask bench plan                                a 15-centre plan with 20,000 changes in Chromium: open time, keystroke-to-paint, size
  cargo xtask bench inquiry                             15 records in Chromium: Resultados, CSV export, input latency at 4x CPU throttling
  cargo xtask bench tree                                a 300-card problem tree in Chromium: projector open, remote update to paint
  cargo xtask bench cycles                              15 phones answer an exit ticket: last answer to the projector showing 15; a 200-point run chart
  cargo xtask bench load                                long main-thread tasks opening the big plan, Resultados, the projector (1x, 4x CPU); Lighthouse mobile
  cargo xtask bench first-visit                         a new phone on 3G (1.6 Mbit/s shared with the service worker): start page, first network, offline-ready";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if split::called_as_bindgen() {
        if let Err(e) = split::bindgen(&args) {
            eprintln!("xtask: {e}");
            std::process::exit(1);
        }
        return;
    }
    let root = project_root();
    std::env::set_current_dir(&root).expect("cd to the project root");
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("build") => {
            tools::ensure_build_tools().and_then(|()| build_app()).and_then(|()| build_server())
        }
        Some("test") => test(),
        // Trunk's post-build hook for a split build (tools/split-hook.sh).
        Some("split-finish") => split::finish().map(|n| {
            println!(
                "split: {n} lazily loaded parts of the wasm put beside the app (the documents' small shared parts in one file)"
            );
        }),
        Some("bench") => match args.get(1).map(String::as_str) {
            Some("size") | None => bench_size(),
            Some("sync") => bench_sync(),
            Some("sign") => step(
                "signing benchmark",
                Command::new("cargo").args(["bench", "-p", "juntas-server", "--bench", "sign"]),
            ),
            Some("plan") => bench_plan(),
            Some("inquiry") => bench_inquiry(),
            Some("tree") => bench_tree(),
            Some("cycles") => bench_cycles(),
            Some("load") => bench_load(),
            Some("first-visit") => {
                node_bench("first-visit", "e2e/bench/first-visit.bench.mjs", |_| Ok(Vec::new()))
            }
            Some(other) => Err(format!("unknown benchmark {other:?}\n{USAGE}")),
        },
        _ => Err(USAGE.to_string()),
    };
    if let Err(e) = result {
        eprintln!("xtask: {e}");
        std::process::exit(1);
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the project")
        .to_path_buf()
}

/// `trunk build --release` (after fetching crates, since Trunk builds offline), then
/// precompresses the output so the server can send brotli/gzip.
fn build_app() -> Result<(), String> {
    step("fetch crates", Command::new("cargo").args(["fetch"]))?;
    // The release wasm is split: the pages of a network's plan, workshops, inquiries and
    // members load when first opened (xtask/src/split.rs), not with the start page.
    let env = split::trunk_env(&tools::path_with_npm_tools())?;
    step(
        "build the app (trunk build --release)",
        Command::new("trunk")
            .args(["build", "--release"])
            .env("TRUNK_SKIP_VERSION_CHECK", "true")
            .envs(env),
    )?;
    let t = Instant::now();
    let n =
        compress::precompress_dir(Path::new("dist")).map_err(|e| format!("precompress: {e}"))?;
    println!("xtask: precompressed {n} files (brotli + gzip) in {:.1}s", t.elapsed().as_secs_f64());
    Ok(())
}

fn build_server() -> Result<(), String> {
    step(
        "build the server",
        Command::new("cargo").args(["build", "--profile", "server", "-p", "juntas-server"]),
    )
}

fn server_binary() -> PathBuf {
    PathBuf::from("target/server/juntas-server")
}

fn run(args: &[String]) -> Result<(), String> {
    tools::ensure_build_tools()?;
    build_app()?;
    build_server()?;
    let mut server = Command::new(server_binary());
    server.args(args);
    let env = |k: &str| std::env::var(k).ok();
    let addr =
        flag(args, "--addr").map(String::from).or(env("JUNTAS_ADDR")).unwrap_or("127.0.0.1".into());
    let port =
        flag(args, "--port").map(String::from).or(env("JUNTAS_PORT")).unwrap_or("8080".into());
    let data =
        flag(args, "--data").map(String::from).or(env("JUNTAS_DATA")).unwrap_or("data".into());
    println!("xtask: starting juntas-server — open http://{addr}:{port}/ (Ctrl-C stops it)");
    let mut child = server.spawn().map_err(|e| format!("could not start the server: {e}"))?;
    // The operator's key is generated by the server on first start (or given); it never goes
    // into a link. It makes one-time claim links: opening one on a device makes that person
    // the first facilitator of the network she creates or opens there.
    let key_file = Path::new(&data).join("access-key");
    let mut link = Err("the server did not answer".to_owned());
    for _ in 0..100 {
        let key = env("JUNTAS_ACCESS_KEY").or_else(|| std::fs::read_to_string(&key_file).ok());
        if let Some(key) = key {
            link = claim_link(&format!("{addr}:{port}"), key.trim());
            if link.is_ok() {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    match link {
        Ok(path) => println!(
            "xtask: one-time link for the network's first facilitator (works once, 7 days): \
             http://{addr}:{port}{path}"
        ),
        Err(e) => println!("xtask: no claim link: {e}"),
    }
    let status = child.wait().map_err(|e| format!("the server could not be waited on: {e}"))?;
    // Ctrl-C reaches the server too (same process group); it shuts down cleanly.
    if status.success() || status.code().is_none() {
        Ok(())
    } else {
        Err(format!("the server exited with {status}"))
    }
}

/// Asks the running server for a one-time claim link with the operator's key (plain HTTP on
/// this machine); returns its path.
fn claim_link(host: &str, key: &str) -> Result<String, String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(host).map_err(|e| e.to_string())?;
    let req = format!(
        "POST /api/claim-links HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut out = String::new();
    s.read_to_string(&mut out).map_err(|e| e.to_string())?;
    if !out.starts_with("HTTP/1.1 200") {
        return Err(out.lines().next().unwrap_or_default().to_owned());
    }
    let path = out.split("\"path\":\"").nth(1).and_then(|p| p.split('"').next());
    path.map(str::to_owned).ok_or_else(|| "no link in the answer".to_owned())
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

/// The access key of the server the browser journeys run against.
const E2E_ACCESS_KEY: &str = "e2e-access-key-not-a-secret";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(18080)
}

/// A server started for the browser tests; killed when dropped.
struct TestServer(Child);

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_test_server(port: u16, data: &Path) -> Result<TestServer, String> {
    let child = Command::new(server_binary())
        .args(["--port", &port.to_string(), "--data"])
        .arg(data)
        .env("RUST_LOG", "warn")
        .env("JUNTAS_ACCESS_KEY", E2E_ACCESS_KEY)
        .spawn()
        .map_err(|e| format!("could not start the server: {e}"))?;
    let server = TestServer(child);
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if Instant::now() > deadline {
            return Err("the server did not start listening within 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(server)
}

fn test() -> Result<(), String> {
    let started = Instant::now();
    tools::ensure_build_tools()?;
    tools::ensure_browser_tools()?;
    let mut tally = Tally::default();
    tally.check(
        "format (cargo fmt --check)",
        Command::new("cargo").args(["fmt", "--all", "--check"]),
    );
    tally.check(
        "lint native (clippy -D warnings)",
        Command::new("cargo").args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    );
    tally.check(
        "lint wasm32 (clippy -D warnings)",
        Command::new("cargo").args([
            "clippy",
            "-p",
            "juntas",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    );
    tally.check(
        "docs (cargo doc, warnings are errors)",
        Command::new("cargo")
            .args(["doc", "--workspace", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    );
    tally.tests(
        "native tests (cargo test --workspace)",
        Command::new("cargo").args(["test", "--workspace"]),
    );
    tally.tests(
        "browser adapter tests (wasm-bindgen-test, headless Chromium)",
        Command::new("cargo")
            .args(["test", "-p", "juntas", "--target", "wasm32-unknown-unknown"])
            .env("CHROMEDRIVER", tools::chromedriver())
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    );
    let built = tally.check_result("build the app and the server", || {
        build_app()?;
        build_server()
    });
    if built {
        let port = free_port();
        let data = std::env::temp_dir().join(format!("juntas-e2e-{port}"));
        let _ = std::fs::remove_dir_all(&data);
        match start_test_server(port, &data) {
            Ok(server) => {
                tally.tests(
                    "browser journeys (Playwright + Chromium)",
                    Command::new("node")
                        .args(["--test", "--test-reporter=tap", "--test-concurrency=1"])
                        .args(["e2e/tests/", "e2e/interop/"])
                        .env("BASE_URL", format!("http://127.0.0.1:{port}"))
                        .env("JUNTAS_ACCESS_KEY", E2E_ACCESS_KEY),
                );
                drop(server);
            }
            Err(e) => tally.fail("browser journeys", &e),
        }
    } else {
        tally.fail("browser journeys", "skipped: the app did not build");
    }
    tally.finish(started)
}

/// The sync benchmark (server/benches/sync.rs) against the built juntas-server and the JS
/// automerge-repo sync server from e2e/interop.
fn bench_sync() -> Result<(), String> {
    tools::ensure_browser_tools()?;
    build_server()?;
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    step(
        "sync benchmark",
        Command::new("cargo")
            .args(["bench", "-p", "juntas-server", "--bench", "sync"])
            .env("JUNTAS_BENCH_SERVER_BIN", root.join(server_binary()))
            .env("JUNTAS_BENCH_JS", root.join("e2e/interop/js-sync-server.mjs")),
    )
}

/// The current year (UTC) from the system clock: the plan the app opens is the current year's.
fn current_year() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm), year only.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(month <= 2)
}

fn bench_plan() -> Result<(), String> {
    let year = current_year().to_string();
    browser_bench("plan", "plan_fixture", &[&year], "e2e/bench/plan.bench.mjs")
}

fn bench_inquiry() -> Result<(), String> {
    browser_bench("inquiry", "inquiry_fixture", &[], "e2e/bench/inquiry.bench.mjs")
}

fn bench_tree() -> Result<(), String> {
    browser_bench("tree", "tree_fixture", &[], "e2e/bench/tree.bench.mjs")
}

/// Workshops live: no fixture, the script makes what it measures through the app.
fn bench_cycles() -> Result<(), String> {
    node_bench("cycles", "e2e/bench/cycles.bench.mjs", |_| Ok(Vec::new()))
}

/// Writes `dir/<example>.juntas` with a core example; returns its path and the example's JSON
/// line (what the fixture holds: ids, counts).
fn write_fixture(dir: &Path, example: &str, args: &[&str]) -> Result<(PathBuf, String), String> {
    let bundle = dir.join(format!("{example}.juntas"));
    println!("xtask: ── writing the fixture {example}");
    let out = Command::new("cargo")
        .args(["run", "--release", "-q", "-p", "juntas-core", "--example", example, "--"])
        .arg(&bundle)
        .args(args)
        .output()
        .map_err(|e| format!("{example}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{example} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok((bundle, String::from_utf8_lossy(&out.stdout).trim().to_string()))
}

/// Long main-thread tasks while the biggest documents open, and Lighthouse's mobile preset on
/// the start page and two network pages: the plan, inquiry and tree fixtures in one browser
/// profile registered in the example network.
fn bench_load() -> Result<(), String> {
    tools::ensure_lighthouse()?;
    node_bench("load", "e2e/bench/load.bench.mjs", |dir| {
        let year = current_year().to_string();
        let mut env = Vec::new();
        for (name, example, args) in [
            ("PLAN", "plan_fixture", &[year.as_str()][..]),
            ("INQUIRY", "inquiry_fixture", &[]),
            ("TREE", "tree_fixture", &[]),
        ] {
            let (bundle, fixture) = write_fixture(dir, example, args)?;
            env.push((format!("{name}_BUNDLE"), bundle.into_os_string()));
            env.push((format!("{name}_FIXTURE"), fixture.into()));
        }
        env.push(("LIGHTHOUSE".into(), tools::lighthouse_bin().into_os_string()));
        env.push(("CHROME_PATH".into(), "/usr/bin/chromium".into()));
        Ok(env)
    })
}

/// Writes a fixture bundle with a core example and runs a browser benchmark script with it.
fn browser_bench(name: &str, example: &str, args: &[&str], script: &str) -> Result<(), String> {
    node_bench(name, script, |dir| {
        let (bundle, fixture) = write_fixture(dir, example, args)?;
        Ok(vec![("BUNDLE".into(), bundle.into_os_string()), ("FIXTURE".into(), fixture.into())])
    })
}

/// Builds everything, makes a scratch directory (`env` may write fixtures into it and names
/// the script's extra variables), starts a server on it and runs the browser benchmark
/// `script` against it (the script prints the report).
fn node_bench(
    name: &str,
    script: &str,
    env: impl FnOnce(&Path) -> Result<Vec<(String, std::ffi::OsString)>, String>,
) -> Result<(), String> {
    tools::ensure_build_tools()?;
    tools::ensure_browser_tools()?;
    build_app()?;
    build_server()?;
    let dir = std::env::temp_dir().join(format!("juntas-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = env(&dir).and_then(|env| {
        let port = free_port();
        let _server = start_test_server(port, &dir.join("data"))?;
        step(
            &format!("{name} benchmark (headless Chromium)"),
            Command::new("node")
                .arg(script)
                .env("BASE_URL", format!("http://127.0.0.1:{port}"))
                .env("JUNTAS_ACCESS_KEY", E2E_ACCESS_KEY)
                .envs(env),
        )
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn bench_size() -> Result<(), String> {
    tools::ensure_build_tools()?;
    build_app()?;
    compress::report_sizes(Path::new("dist")).map_err(|e| format!("bench size: {e}"))?;
    // `SIZE_WASM=path`: break down another rustc-written wasm instead (e.g. one built with
    // `-C symbol-mangling-version=v0`, whose names spell each generic instance's types).
    let wasm = std::env::var("SIZE_WASM")
        .unwrap_or_else(|_| "target/wasm32-unknown-unknown/release/juntas.wasm".into());
    breakdown::report(&[Path::new(&wasm)], &tools::path_with_npm_tools(), 25)
        .map_err(|e| format!("bench size: {e}"))?;
    let main_part = split::main_part();
    if std::env::var_os("SIZE_WASM").is_none() && main_part.exists() {
        println!("\nthe main part alone (what the start page waits for):");
        breakdown::report(&[&main_part], &tools::path_with_npm_tools(), 25)
            .map_err(|e| format!("bench size: {e}"))?;
        let files = split::documents_parts()?;
        println!(
            "\nthe documents' part and the shared parts it needs ({}, {} modules, shipped \
             in three files: what a page of a network waits for beside the main part):",
            split::DOCUMENTS_GROUP,
            files.len()
        );
        let files: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
        breakdown::report(&files, &tools::path_with_npm_tools(), 25)
            .map_err(|e| format!("bench size: {e}"))?;
    }
    // `SIZE_BY_TYPES=1`: the same release wasm built again with names that spell each generic
    // instance's types (its own target directory, a few minutes), read by whose types it is for.
    if std::env::var_os("SIZE_BY_TYPES").is_some() {
        let dir = "target/size-v0";
        step(
            "build the wasm with v0 symbol names (bench size by types)",
            Command::new("cargo")
                .args(["build", "--release", "--offline", "--target", "wasm32-unknown-unknown"])
                .args(["-p", "juntas", "--bin", "juntas"])
                // Appended to .cargo/config.toml's flags (cargo joins config arrays).
                .args(["--config", r#"target.wasm32-unknown-unknown.rustflags=["-C","symbol-mangling-version=v0"]"#])
                .env("CARGO_TARGET_DIR", dir)
                .env("JUNTAS_SPLIT", "1"),
        )?;
        let wasm = PathBuf::from(dir).join("wasm32-unknown-unknown/release/juntas.wasm");
        breakdown::report_by_types(&wasm, &tools::path_with_npm_tools())
            .map_err(|e| format!("bench size: {e}"))?;
    }
    Ok(())
}
