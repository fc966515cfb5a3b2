//! `cargo xtask run|test|bench`: the two commands that set up a fresh machine, build Juntas,
//! serve it and check it, plus the benchmarks.

mod compress;
mod proc;
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
  cargo xtask test                                      every check CI runs, ending with 'N passed, N failed'
  cargo xtask bench size                                transfer size of the built app (raw / gzip / brotli)";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    std::env::set_current_dir(&root).expect("cd to the project root");
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("bench") => match args.get(1).map(String::as_str) {
            Some("size") | None => bench_size(),
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
    step(
        "build the app (trunk build --release)",
        Command::new("trunk")
            .args(["build", "--release"])
            .env("TRUNK_SKIP_VERSION_CHECK", "true")
            .env("PATH", tools::path_with_npm_tools()),
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
    let (addr, port) =
        (flag(args, "--addr").unwrap_or("127.0.0.1"), flag(args, "--port").unwrap_or("8080"));
    println!("xtask: starting juntas-server — open http://{addr}:{port}/ (Ctrl-C stops it)");
    let status = server.status().map_err(|e| format!("could not start the server: {e}"))?;
    // Ctrl-C reaches the server too (same process group); it shuts down cleanly.
    if status.success() || status.code().is_none() {
        Ok(())
    } else {
        Err(format!("the server exited with {status}"))
    }
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

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
                        .arg("e2e/tests/")
                        .env("BASE_URL", format!("http://127.0.0.1:{port}")),
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

fn bench_size() -> Result<(), String> {
    tools::ensure_build_tools()?;
    build_app()?;
    compress::report_sizes(Path::new("dist")).map_err(|e| format!("bench size: {e}"))
}
