//! Precompresses the built app for the server (brotli q11 and gzip -9 beside each file) and
//! measures transfer sizes for `cargo xtask bench size`.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

const COMPRESSIBLE: [&str; 8] = ["wasm", "js", "mjs", "css", "html", "svg", "webmanifest", "json"];

pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("in-memory brotli");
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("in-memory gzip");
    enc.finish().expect("in-memory gzip")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn ext(p: &Path) -> &str {
    p.extension().and_then(|e| e.to_str()).unwrap_or("")
}

/// Writes `f.br` and `f.gz` beside every compressible file; returns how many files.
pub fn precompress_dir(dir: &Path) -> io::Result<usize> {
    let mut all = Vec::new();
    files(dir, &mut all)?;
    let mut n = 0;
    for f in all.iter().filter(|f| COMPRESSIBLE.contains(&ext(f))) {
        let bytes = fs::read(f)?;
        fs::write(format!("{}.br", f.display()), brotli(&bytes))?;
        fs::write(format!("{}.gz", f.display()), gzip(&bytes))?;
        n += 1;
    }
    Ok(n)
}

/// Prints raw / gzip / brotli sizes of what a first visit downloads before the app runs (wasm,
/// js, the start screen's module, css, html).
pub fn report_sizes(dir: &Path) -> io::Result<()> {
    let mut all = Vec::new();
    files(dir, &mut all)?;
    all.retain(|f| {
        ["wasm", "js", "mjs", "css", "html"].contains(&ext(f))
            && !f.ends_with("sw.js")
            && !f.ends_with("register-sw.js")
    });
    all.sort();
    println!("\n{:<44} {:>12} {:>12} {:>12}", "file", "raw", "gzip -9", "brotli 11");
    let (mut raw, mut gz, mut br) = (0, 0, 0);
    for f in &all {
        let bytes = fs::read(f)?;
        let (g, b) = (gzip(&bytes).len(), brotli(&bytes).len());
        let name = f.strip_prefix(dir).unwrap_or(f).display().to_string();
        println!("{name:<44} {:>12} {:>12} {:>12}", bytes.len(), g, b);
        raw += bytes.len();
        gz += g;
        br += b;
    }
    println!("{:<44} {raw:>12} {gz:>12} {br:>12}", "total (bytes)");
    let kib = |n: usize| n as f64 / 1024.0;
    println!("{:<44} {:>12.1} {:>12.1} {:>12.1}", "total (KiB)", kib(raw), kib(gz), kib(br));
    println!(
        "goal (issue 16): total <= 450 KB brotli -> {}",
        if br <= 450_000 { "met" } else { "NOT met" }
    );
    Ok(())
}
