//! Precompresses the built app for the server (brotli q11 and gzip -9 beside each file) and
//! measures transfer sizes for `cargo xtask bench size`.

use crate::split::{DOCUMENTS_GROUP, groups};
use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

const COMPRESSIBLE: [&str; 9] =
    ["wasm", "bin", "js", "mjs", "css", "html", "svg", "webmanifest", "json"];

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
/// js, the start screen's module, css, html), then of the lazily loaded parts of the wasm: each
/// group of pages with the shared parts it needs, as the splitter's loader lists them.
pub fn report_sizes(dir: &Path) -> io::Result<()> {
    let mut all = Vec::new();
    files(dir, &mut all)?;
    all.retain(|f| {
        ["wasm", "bin", "js", "mjs", "css", "html"].contains(&ext(f))
            && !f.ends_with("sw.js")
            && !f.ends_with("register-sw.js")
    });
    all.sort();
    let (parts, first): (Vec<PathBuf>, Vec<PathBuf>) =
        all.into_iter().partition(|f| crate::split::is_part(f));
    let sizes = |f: &Path| -> io::Result<(usize, usize, usize)> {
        let bytes = fs::read(f)?;
        Ok((bytes.len(), gzip(&bytes).len(), brotli(&bytes).len()))
    };
    println!("\nthe first download (the start page, before anything is cached):");
    println!("{:<44} {:>12} {:>12} {:>12}", "file", "raw", "gzip -9", "brotli 11");
    let (mut raw, mut gz, mut br) = (0, 0, 0);
    for f in &first {
        let (r, g, b) = sizes(f)?;
        let name = f.strip_prefix(dir).unwrap_or(f).display().to_string();
        println!("{name:<44} {r:>12} {g:>12} {b:>12}");
        raw += r;
        gz += g;
        br += b;
    }
    println!("{:<44} {raw:>12} {gz:>12} {br:>12}", "total (bytes)");
    let kib = |n: usize| n as f64 / 1024.0;
    println!("{:<44} {:>12.1} {:>12.1} {:>12.1}", "total (KiB)", kib(raw), kib(gz), kib(br));
    println!(
        "goal (issue 16): the first download <= 450 KB brotli -> {}",
        if br <= 450_000 { "met" } else { "NOT met" }
    );
    if parts.is_empty() {
        println!("(one wasm: no lazily loaded parts)");
        return Ok(());
    }
    let mut part_sizes = std::collections::BTreeMap::new();
    for f in &parts {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        part_sizes.insert(name, sizes(f)?);
    }
    println!(
        "\nloaded when a page of the group is first opened (the service worker precaches them after the first visit):"
    );
    println!(
        "(the documents' group: its files; any other: the files it needs beyond the documents', which every page of a network has first)"
    );
    println!(
        "{:<44} {:>12} {:>12} {:>12}",
        "group (its part + the shared parts it needs)", "raw", "gzip -9", "brotli 11"
    );
    let loader = first
        .iter()
        .find(|f| {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("__wasm_split-") && name.ends_with(".js")
        })
        .ok_or_else(|| io::Error::other("parts without the splitter's loader __wasm_split-*.js"))?;
    let loader = fs::read_to_string(loader)?;
    let mut with_documents = None;
    let groups = groups(&loader).map_err(io::Error::other)?;
    let documents: Vec<String> = groups
        .iter()
        .find(|(g, _)| g == DOCUMENTS_GROUP)
        .map(|(_, files)| files.clone())
        .unwrap_or_default();
    for (group, mut needs) in groups {
        if group != DOCUMENTS_GROUP {
            needs.retain(|f| !documents.contains(f));
        }
        let (mut r, mut g, mut b) = (0, 0, 0);
        for file in &needs {
            let Some(&(fr, fg, fb)) = part_sizes.get(file) else {
                return Err(io::Error::other(format!(
                    "the loader names {file}, which is not in dist"
                )));
            };
            (r, g, b) = (r + fr, g + fg, b + fb);
        }
        if group == DOCUMENTS_GROUP {
            with_documents = Some((raw + r, gz + g, br + b));
        }
        let group = format!("{group} ({} files)", needs.len());
        println!("{group:<44} {r:>12} {g:>12} {b:>12}");
    }
    let (r, g, b) = part_sizes.values().fold((0, 0, 0), |(r, g, b), s| (r + s.0, g + s.1, b + s.2));
    println!("{:<44} {r:>12} {g:>12} {b:>12}", format!("every part, once ({} files)", parts.len()));
    println!(
        "{:<44} {:>12} {:>12} {:>12}",
        "the first download and every part",
        raw + r,
        gz + g,
        br + b
    );
    match with_documents {
        Some((r, g, b)) => {
            println!(
                "\nthe first download and the documents' part ({DOCUMENTS_GROUP}, asked for as the start page opens: before a document shows):"
            );
            println!("{:<44} {r:>12} {g:>12} {b:>12}", "total (bytes)");
            println!(
                "goal (issue 16) for this total: <= 450 KB brotli -> {}",
                if b <= 450_000 { "met" } else { "NOT met" }
            );
        }
        None => println!("(no {DOCUMENTS_GROUP} group: the documents are in the first download)"),
    }
    Ok(())
}
