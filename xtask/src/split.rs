//! Splits the release wasm into its main part and the parts of the lazily loaded pages
//! (`cfg(juntas_split)` in the app, `#[lazy(group)]`), around Trunk 0.21, which cannot split
//! (trunk-rs/trunk#1022). Two steps, both run by this same binary:
//!
//! - as Trunk's `wasm-bindgen` (a link named so, first on Trunk's PATH): split the linked wasm
//!   with `wasm_split_cli_support` (the splitter `cargo leptos --split` uses), then run the real
//!   wasm-bindgen on the main part, keeping the exports the parts link against;
//! - as a post-build hook (`tools/split-hook.sh`): optimise each part with wasm-opt like the
//!   main one, name it by its content (so it can be cached for good) and put it, with the
//!   splitter's loader `__wasm_split.js`, beside the app in Trunk's staging directory; the
//!   small shared parts the documents' part needs go in one file (`pack`).

use std::{
    ffi::OsString,
    fs,
    hash::Hasher,
    path::{Path, PathBuf},
    process::Command,
};

/// Where the `wasm-bindgen` link and the state between the two steps live.
const DIR: &str = "target/split-bin";
/// The splitter's loader, imported by the app's glue, is `__wasm_split-<hash>.js`: named by the
/// linked wasm it was split from, like every other file the service worker serves from its
/// cache first (an unhashed loader of one version would meet the glue of the next).
const LOADER: &str = "__wasm_split";
/// The main part as the splitter wrote it, kept in [`DIR`] (see [`main_part`]).
const MAIN_PART: &str = "main-part.wasm";
/// The file in [`DIR`] naming the directory the splitter wrote the parts and its loader to.
const OUT_DIR: &str = "out-dir";

/// The environment `trunk build` runs with for a split build: our `wasm-bindgen` first on
/// `path`, and what it and the hook need to find.
pub fn trunk_env(path: &OsString) -> Result<Vec<(&'static str, OsString)>, String> {
    let real = std::env::split_paths(path)
        .map(|d| d.join("wasm-bindgen"))
        .find(|p| p.is_file())
        .ok_or("split: no wasm-bindgen in PATH")?;
    let me = std::env::current_exe().map_err(|e| format!("split: {e}"))?;
    let dir = std::env::current_dir().map_err(|e| format!("split: {e}"))?.join(DIR);
    fs::create_dir_all(&dir).map_err(|e| format!("split: {}: {e}", dir.display()))?;
    // A split that does not happen must not leave the hook an earlier build's parts.
    let state = dir.join(OUT_DIR);
    if state.exists() {
        fs::remove_file(&state).map_err(|e| format!("split: {}: {e}", state.display()))?;
    }
    let link = dir.join("wasm-bindgen");
    if fs::symlink_metadata(&link).is_ok() {
        fs::remove_file(&link).map_err(|e| format!("split: {}: {e}", link.display()))?;
    }
    std::os::unix::fs::symlink(&me, &link)
        .map_err(|e| format!("split: {}: {e}", link.display()))?;
    let mut dirs = vec![dir.clone()];
    dirs.extend(std::env::split_paths(path));
    let path = std::env::join_paths(dirs).map_err(|e| format!("split: {e}"))?;
    Ok(vec![
        ("PATH", path),
        ("JUNTAS_SPLIT_DIR", dir.into()),
        ("JUNTAS_SPLIT", "1".into()),
        ("JUNTAS_REAL_WASM_BINDGEN", real.into()),
        ("JUNTAS_XTASK", me.into()),
    ])
}

/// Whether this process was started as Trunk's `wasm-bindgen`.
pub fn called_as_bindgen() -> bool {
    std::env::args_os()
        .next()
        .is_some_and(|a| Path::new(&a).file_name().is_some_and(|n| n == "wasm-bindgen"))
}

/// Trunk's `wasm-bindgen` call: `--version` is the real one's answer (Trunk checks it); a build
/// splits the input first and hands the real one the main part.
pub fn bindgen(args: &[String]) -> Result<(), String> {
    let real = std::env::var_os("JUNTAS_REAL_WASM_BINDGEN")
        .ok_or("split: JUNTAS_REAL_WASM_BINDGEN is not set (run `cargo xtask build`)")?;
    let value = |flag: &str| args.iter().find_map(|a| a.strip_prefix(flag)).map(str::to_string);
    let input = args.iter().position(|a| !a.starts_with('-') && a.ends_with(".wasm"));
    let (Some(out_dir), Some(name), Some(input)) =
        (value("--out-dir="), value("--out-name="), input)
    else {
        let status = Command::new(&real).args(args).status().map_err(|e| format!("split: {e}"))?;
        return if status.success() { Ok(()) } else { Err(format!("wasm-bindgen: {status}")) };
    };
    let out_dir = PathBuf::from(out_dir);
    fs::create_dir_all(&out_dir).map_err(|e| format!("split: {}: {e}", out_dir.display()))?;
    for old in parts(&out_dir)?.into_iter().chain(loaders(&out_dir)?) {
        fs::remove_file(&old).map_err(|e| format!("split: {}: {e}", old.display()))?;
    }
    let bytes = fs::read(&args[input]).map_err(|e| format!("split: {}: {e}", args[input]))?;
    let mut hash = std::hash::DefaultHasher::new();
    hash.write(&bytes);
    let main = out_dir.join(format!("{name}.main-part.wasm"));
    let main_module = format!("./{name}.js");
    let mut options = wasm_split_cli_support::Options::new(&bytes);
    options.output_dir = &out_dir;
    options.main_out_path = &main;
    options.main_module = &main_module;
    // As the glue imports it: relative, beside the glue.
    let link_name = format!("./{LOADER}-{:016x}.js", hash.finish());
    options.link_name = &link_name;
    let split = wasm_split_cli_support::transform(options).map_err(|e| format!("split: {e:#}"))?;
    if split.split_modules.is_empty() {
        return Err(
            "split: the wasm has no lazily loaded part (was it built with JUNTAS_SPLIT=1?)".into(),
        );
    }
    // The hook finds the parts here.
    fs::write(state_dir()?.join(OUT_DIR), out_dir.to_string_lossy().as_bytes())
        .map_err(|e| format!("split: {e}"))?;
    let mut args = args.to_vec();
    args[input] = main.to_string_lossy().into_owned();
    args.push("--keep-lld-exports".into());
    let status = Command::new(&real).args(&args).status().map_err(|e| format!("split: {e}"))?;
    if !status.success() {
        return Err(format!("wasm-bindgen: {status}"));
    }
    end_imports(&out_dir.join(format!("{name}.js")))?;
    // Kept (with the linked wasm's names) for `bench size` to say where the main part's bytes are.
    let kept = state_dir()?.join(MAIN_PART);
    fs::rename(&main, &kept).map_err(|e| format!("split: {}: {e}", kept.display()))
}

/// Ends the glue's `import * as importN from "…"` lines (wasm-bindgen writes the split loader's
/// imports without a semicolon) so that Trunk's minifier can read the glue: it gave up on them
/// ("RequiredTokenNotFound(Semicolon)") and shipped the glue unminified, 94 KB that a phone
/// parses before the app starts.
fn end_imports(glue: &Path) -> Result<(), String> {
    let text = fs::read_to_string(glue).map_err(|e| format!("split: {}: {e}", glue.display()))?;
    let ended = ended_imports(&text);
    if ended != text {
        fs::write(glue, ended).map_err(|e| format!("split: {}: {e}", glue.display()))?;
    }
    Ok(())
}

fn ended_imports(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if body.starts_with("import ") && body.ends_with('"') {
            out.push_str(body);
            out.push(';');
            out.push_str(&line[body.len()..]);
        } else if body == "export { initSync, __wbg_init as default };" {
            out.push_str("export default __wbg_init;\nexport { initSync };");
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// The main part of the last split build as the splitter wrote it, before wasm-bindgen: what a
/// first visit waits for, with its functions' names.
pub fn main_part() -> PathBuf {
    PathBuf::from(DIR).join(MAIN_PART)
}

/// The group of the split points into the documents (`src/parts.rs`).
pub const DOCUMENTS_GROUP: &str = "juntas_docs";

/// The files of the documents' group of the last split build as the splitter wrote them (with
/// their functions' names, before wasm-opt): its own part and the shared parts it waits for.
pub fn documents_parts() -> Result<Vec<PathBuf>, String> {
    let out_dir = fs::read_to_string(PathBuf::from(DIR).join(OUT_DIR))
        .map_err(|e| format!("split: no split build recorded: {e}"))?;
    let out_dir = PathBuf::from(out_dir);
    let loader = match loaders(&out_dir)?.as_slice() {
        [one] => fs::read_to_string(one).map_err(|e| format!("split: {}: {e}", one.display()))?,
        other => return Err(format!("split: expected one loader, found {other:?}")),
    };
    let (_, files) = groups(&loader)?
        .into_iter()
        .find(|(g, _)| g == DOCUMENTS_GROUP)
        .ok_or_else(|| format!("split: the loader has no {DOCUMENTS_GROUP} group"))?;
    Ok(files.iter().map(|f| out_dir.join(f)).collect())
}

/// [`DIR`], as `trunk_env` passed it to Trunk (hence to its tools and hooks).
fn state_dir() -> Result<PathBuf, String> {
    std::env::var_os("JUNTAS_SPLIT_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| "split: JUNTAS_SPLIT_DIR is not set (run `cargo xtask build`)".into())
}

/// The splitter's loaders in `dir` (one after a split).
fn loaders(dir: &Path) -> Result<Vec<PathBuf>, String> {
    Ok(files(dir)?
        .into_iter()
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with(&format!("{LOADER}-")) && name.ends_with(".js")
        })
        .collect())
}

/// The files in `dir`, sorted.
fn files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("split: {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    Ok(files)
}

/// The parts the splitter wrote in `dir`.
fn parts(dir: &Path) -> Result<Vec<PathBuf>, String> {
    Ok(files(dir)?.into_iter().filter(|p| is_part(p)).collect())
}

/// Whether `f` is a lazily loaded part of a split wasm (as the splitter names them, before or
/// after the hook adds their hash).
pub fn is_part(f: &Path) -> bool {
    let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
    ((name.starts_with("split_") || name.starts_with("chunk_")) && name.ends_with(".wasm"))
        || (name.starts_with(PACKED) && name.ends_with(".bin"))
}

/// The post-build hook (`JUNTAS_SPLIT=1` only): each part optimised, named by its content and
/// copied to the staging directory; the loader pointed at those names and at the app's hashed
/// glue. Returns how many parts.
pub fn finish() -> Result<usize, String> {
    let staging = PathBuf::from(
        std::env::var_os("TRUNK_STAGING_DIR").ok_or("split: run as Trunk's post-build hook")?,
    );
    let out_dir = fs::read_to_string(state_dir()?.join(OUT_DIR))
        .map_err(|e| format!("split: no split wasm-bindgen run recorded: {e}"))?;
    let out_dir = PathBuf::from(out_dir);
    let glue: Vec<String> = fs::read_dir(&staging)
        .map_err(|e| format!("split: {}: {e}", staging.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("juntas-") && n.ends_with(".js"))
        .collect();
    let [glue] = glue.as_slice() else {
        return Err(format!("split: expected one juntas-*.js in the staging dir, found {glue:?}"));
    };
    let loader_path = match loaders(&out_dir)?.as_slice() {
        [one] => one.clone(),
        other => {
            return Err(format!(
                "split: expected one loader in {}, found {other:?}",
                out_dir.display()
            ));
        }
    };
    let loader_name = loader_path.file_name().unwrap_or_default().to_os_string();
    let mut loader = fs::read_to_string(&loader_path)
        .map_err(|e| format!("split: {}: {e}", loader_path.display()))?;
    replace_once(&mut loader, "\"./juntas.js\"", &format!("\"./{glue}\""))?;
    let parts = parts(&out_dir)?;
    for part in &parts {
        let name = part.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let optimised = out_dir.join(format!("{name}.opt"));
        let status = Command::new("wasm-opt")
            .args([
                "-Os",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-reference-types",
                "--enable-multivalue",
                "--enable-sign-ext",
                "--enable-mutable-globals",
            ])
            // A profiling build (`JUNTAS_WASM_NAMES=1`) keeps the functions' names in the
            // parts, so a CPU profile of a page names our code; never for a shipped build.
            .args(std::env::var_os("JUNTAS_WASM_NAMES").map(|_| "-g"))
            .arg(part)
            .arg("-o")
            .arg(&optimised)
            .status()
            .map_err(|e| format!("split: wasm-opt: {e}"))?;
        if !status.success() {
            return Err(format!("split: wasm-opt {name}: {status}"));
        }
        let bytes = fs::read(&optimised).map_err(|e| format!("split: {e}"))?;
        fs::remove_file(&optimised).map_err(|e| format!("split: {e}"))?;
        // Two builds at once in one target directory left a part empty, which the browser
        // then could not compile: no build ships a part that is not a wasm module.
        if !bytes.starts_with(b"\0asm") {
            return Err(format!(
                "split: wasm-opt {name} wrote no wasm module ({} bytes)",
                bytes.len()
            ));
        }
        let mut hash = std::hash::DefaultHasher::new();
        hash.write(&bytes);
        let stem = name.trim_end_matches(".wasm");
        let hashed = format!("{stem}-{:016x}.wasm", hash.finish());
        fs::write(staging.join(&hashed), &bytes).map_err(|e| format!("split: {e}"))?;
        replace_once(&mut loader, &format!("\"./{name}\""), &format!("\"./{hashed}\""))?;
    }
    pack(&staging, &mut loader)?;
    mark_gone(&mut loader)?;
    let index = staging.join("index.html");
    let mut html =
        fs::read_to_string(&index).map_err(|e| format!("split: {}: {e}", index.display()))?;
    let groups = groups(&loader).map_err(|e| format!("split: {e}"))?;
    let mut sizes = std::collections::BTreeMap::new();
    for (_, files) in &groups {
        for file in files {
            let len =
                fs::metadata(staging.join(file)).map_err(|e| format!("split: {file}: {e}"))?;
            sizes.insert(file.clone(), len.len());
        }
    }
    let preload = preload_script(&groups, &sizes)?;
    // Before Trunk's module script: a classic inline script runs as the parser reaches it.
    let at = html.find("<script").ok_or("split: index.html has no <script>")?;
    html.insert_str(at, &format!("<script>{preload}</script>"));
    fs::write(&index, html).map_err(|e| format!("split: {}: {e}", index.display()))?;
    fs::write(staging.join(loader_name), loader).map_err(|e| format!("split: {e}"))?;
    Ok(parts.len())
}

/// The file [`pack`] writes, `PACKED-<hash>.bin`.
const PACKED: &str = "chunks_juntas_docs";

/// Chromium keeps the compiled code of a wasm module only from 128 KB up (crrev.com/626755).
const CODE_CACHE_MIN: usize = 128 * 1024;

/// Packs the shared parts the documents' part needs that are under [`CODE_CACHE_MIN`] into
/// one file (`chunks_juntas_docs-<hash>.bin`), and points the loader's fetch of each at its
/// bytes in it, streamed to the compiler as they arrive ([`PACKED_LOADER`]). The splitter
/// puts the code of each set of groups that share it in a part of its own: the documents'
/// part was 16 files, 14 of them under 128 KB. Compressed one by one, each lost what it
/// shares with the others (brotli: 144,877 B apart, 120,821 B in one file), and each was a
/// request: over HTTP/1.1 a browser asks a server six at a time. Every page of a network
/// waits for the documents' part, so another group that shares one of these parts has it
/// already. The loader downloads the file once for the parts that ask while it downloads; a
/// part whose download failed asks again, which downloads the whole file again.
/// The two large files (the documents' own part and the shared part with Automerge) stay
/// files of their own: packed too (25 KB brotli less), a repeat visit of the start page at 4×
/// CPU had its long tasks back (79-103 ms on each of three, against 56 ms on one of three),
/// and Lighthouse's repeat visits had TBT 141 ms against 78 ms (one run each). Most likely
/// V8's cache of compiled code for a module of 128 KB or more that is a response of its own;
/// a trace did not show it (`docs/research/wasm-code-cache.md`).
fn pack(staging: &Path, loader: &mut String) -> Result<(), String> {
    let groups = groups(loader).map_err(|e| format!("split: {e}"))?;
    let (_, files) = groups
        .iter()
        .find(|(g, _)| g == DOCUMENTS_GROUP)
        .ok_or_else(|| format!("split: the loader has no {DOCUMENTS_GROUP} group"))?;
    let mut members = Vec::new();
    for file in files {
        let bytes = fs::read(staging.join(file)).map_err(|e| format!("split: {file}: {e}"))?;
        if bytes.len() < CODE_CACHE_MIN {
            members.push((file.clone(), bytes));
        }
    }
    if members.len() < 2 {
        return Ok(());
    }
    let all: Vec<u8> = members.iter().flat_map(|(_, b)| b.iter().copied()).collect();
    let mut hash = std::hash::DefaultHasher::new();
    hash.write(&all);
    let packed = format!("{PACKED}-{:016x}.bin", hash.finish());
    fs::write(staging.join(&packed), &all).map_err(|e| format!("split: {packed}: {e}"))?;
    let mut start = 0;
    for (file, bytes) in &members {
        let end = start + bytes.len();
        replace_once(
            loader,
            &format!(
                "const src = fetch(new URL(\"./{file}\", import.meta.url));\n    src.catch(() => {{}});\n    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));"
            ),
            &format!(
                "const src = __juntasPacked(new URL(\"./{packed}\", import.meta.url), {start}, {end});\n    src.catch(() => {{}});\n    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));"
            ),
        )?;
        fs::remove_file(staging.join(file)).map_err(|e| format!("split: {file}: {e}"))?;
        start = end;
    }
    replace_once(loader, "function makeLoad(", &format!("{PACKED_LOADER}function makeLoad("))
}

/// The loader's reader of a pack ([`pack`]): one download per pack at a time; each part is a
/// response that streams its bytes, from `start` to `end`, to V8's compiler as they arrive.
/// Once the download has ended, every part waiting on it has its bytes (or fails, if it
/// failed or the file ended short), and it is forgotten: a part asked for later (a retry
/// after a failure) starts a new download, from the service worker or the HTTP cache when
/// the file is there. A response that is an HTML page (an older server's answer to a file it
/// did not have, or a captive portal's) is a failure, not bytes.
const PACKED_LOADER: &str = "const __juntasPacks = new Map();
function __juntasPacked(url, start, end) {
    let pack = __juntasPacks.get(url.href);
    if (pack === undefined) {
        const mine = { got: [], length: 0, waiting: new Set() };
        const forget = () => { if (__juntasPacks.get(url.href) === mine) __juntasPacks.delete(url.href); };
        fetch(url).then(async (r) => {
            if (!r.ok || (r.headers.get('Content-Type') ?? '').startsWith('text/html')) {
                throw new Error(`${url.pathname}: HTTP ${r.status} ${r.headers.get('Content-Type') ?? ''}`);
            }
            const reader = r.body.getReader();
            for (;;) {
                const { done, value } = await reader.read().catch((e) => {
                    globalThis.__juntasLastFail = 'other';
                    throw e;
                });
                if (done) break;
                mine.got.push(value);
                mine.length += value.length;
                for (const w of [...mine.waiting]) w.feed(false);
            }
            forget();
            for (const w of [...mine.waiting]) w.feed(true);
        }).catch((e) => {
            forget();
            for (const w of [...mine.waiting]) w.fail(e);
        });
        __juntasPacks.set(url.href, mine);
        pack = mine;
    }
    const p = pack;
    let at = start;
    let out;
    const w = {
        feed(ended) {
            let from = 0;
            try {
                for (const c of p.got) {
                    const to = from + c.length;
                    if (to > at && from < end) {
                        out.enqueue(c.subarray(at - from, Math.min(end, to) - from));
                        at = Math.min(end, to);
                    }
                    from = to;
                }
            } catch (e) {
                // Its reader gave up (the compiler failed): nothing more to give it.
                p.waiting.delete(w);
                return;
            }
            if (at >= end) {
                p.waiting.delete(w);
                out.close();
            } else if (ended) {
                w.fail(new Error(`${url.pathname}: ends at byte ${p.length}, before ${end}`));
            }
        },
        fail(e) {
            p.waiting.delete(w);
            out.error(e);
        },
    };
    const body = new ReadableStream({ start(c) { out = c; } });
    p.waiting.add(w);
    w.feed(false);
    return Promise.resolve(new Response(body, { headers: { 'Content-Type': 'application/wasm' } }));
}
";

/// Every part the loader downloads goes through `__juntasFetch`, which notes how the latest
/// failed download of a part failed in `globalThis.__juntasLastFail`: `'gone'` when the server
/// says it does not have it (404 or 410: its answer for a file of an earlier version, after an
/// update), `'other'` for any other failure (no signal, a server error, the pack's body cut
/// off). A download that succeeds changes nothing: the parts of one group download together,
/// and one that comes from a cache after its neighbour's 404 must not hide it. After `'gone'`
/// the app says that this page is of an earlier version and offers a reload
/// (`parts::app_updated`), not "check the signal"; after any other failure, with no signal, a
/// reload could lose the app where no service worker has it yet.
fn mark_gone(loader: &mut String) -> Result<(), String> {
    const FETCH: &str = "const src = fetch(new URL(";
    let parts = loader.matches(FETCH).count();
    if parts == 0 {
        return Err(format!(
            "split: the loader's downloads are not where they were (no `{FETCH}`)"
        ));
    }
    // The pack's reader (`PACKED_LOADER`) is there only when `pack` packed something.
    *loader = loader
        .replace(FETCH, "const src = __juntasFetch(new URL(")
        .replace("fetch(url).then(", "__juntasFetch(url).then(");
    replace_once(loader, "function makeLoad(", &format!("{GONE_LOADER}function makeLoad("))
}

/// See [`mark_gone`].
const GONE_LOADER: &str = "function __juntasFetch(url) {
    return fetch(url).then((r) => {
        if (!r.ok) globalThis.__juntasLastFail = r.status === 404 || r.status === 410 ? 'gone' : 'other';
        return r;
    }, (e) => {
        globalThis.__juntasLastFail = 'other';
        throw e;
    });
}
";

/// Which group of pages an address of the app shows, besides the documents' part every address
/// but the start page needs (the routes in `src/lib.rs`; the boot journey opens one address of
/// each group and checks that its parts are asked for before the main part has arrived).
const ADDRESS_GROUPS: &str = "{plan:'juntas_plan_pages',arbol:'juntas_workshop_pages',\
talleres:'juntas_workshop_pages',indagacion:'juntas_inquiry_pages'}";

/// The script index.html runs first: on any address but the start page it asks for the
/// documents' part, and for the part of the address's pages, at once, beside the main part
/// (`<link rel=preload as=fetch>`, which the splitter's loader's `fetch` then takes), instead of
/// after the main part has arrived, compiled and started. A page of a network opened from a
/// bookmark on a phone otherwise waited for three downloads one after another.
/// The start page asks for nothing more: it does not wait for the documents (invariant 14).
/// An invite link (`/unirse`) asks for them once the main part is in (`public/boot.mjs` calls
/// `__juntasAfterMain`), still before it is compiled and started: the main part shows whom and
/// where the invite registered her, so on a phone's line it goes first (sharing the line with
/// the documents' then ~690 KB, it arrived 2.2 s later over 3G). Their part is three files
/// ([`pack`]): when it was 16, her welcome's request (`/api/redeem`) waited behind its small
/// files (over HTTP/1.1 a browser opens six connections to a server; 0.5 s on 3G).
/// On a first visit (no service worker in control), the start page too, it also counts the
/// documents' part's bytes as the loader reads them (`sizes`: each file as it arrives, brotli
/// undone; a file downloaded again, after a download cut off, counts from nothing again, not on
/// top of what the cut-off one got, and only its latest download counts), and says how far in
/// `window.__juntasDocs` and a `juntas-docs` event (0-100): a page that waits for them, or the
/// start page's action, shows it (`lib.rs`, `Loading`). Later visits take them from the service
/// worker as they are: there is no download to say.
fn preload_script(
    groups: &[(String, Vec<String>)],
    sizes: &std::collections::BTreeMap<String, u64>,
) -> Result<String, String> {
    if !groups.iter().any(|(g, _)| g == DOCUMENTS_GROUP) {
        return Err(format!("split: the loader has no {DOCUMENTS_GROUP} group"));
    }
    let table: Vec<String> = groups
        .iter()
        .map(|(g, files)| {
            let files: Vec<String> = files.iter().map(|f| format!("'/{f}'")).collect();
            format!("{g}:[{}]", files.join(","))
        })
        .collect();
    Ok(format!(
        "(function(){{var p=location.pathname,g={{{table}}},d=g.juntas_docs,z={{{sizes}}},t=0,c=0,b={{}},N={{}},q=-1,\
w=function(){{var e=Math.min(100,Math.floor(c*100/t));\
if(e!==q){{q=e;window.__juntasDocs=e;dispatchEvent(new CustomEvent('juntas-docs',{{detail:e}}))}}}};\
d.forEach(function(h){{t+=z[h]}});\
if(!(navigator.serviceWorker&&navigator.serviceWorker.controller)&&window.ReadableStream){{\
var F=window.fetch;window.fetch=function(r){{var a=arguments,u;\
try{{u=new URL(typeof r==='string'?r:r.url||String(r),location.href)}}catch(e){{}}\
if(!u||u.origin!==location.origin||d.indexOf(u.pathname)<0)return F.apply(this,a);\
return F.apply(this,a).then(function(s){{if(!s.ok||!s.body)return s;var k=s.body.getReader(),P=u.pathname,G=N[P]=(N[P]||0)+1;\
c-=b[P]||0;b[P]=0;w();\
return new Response(new ReadableStream({{pull:function(o){{return k.read().then(function(x){{\
if(x.done){{o.close();return}}if(N[P]===G){{b[P]+=x.value.byteLength;c+=x.value.byteLength;w()}}\
o.enqueue(x.value)}})}},cancel:function(e){{return k.cancel(e)}}}}),\
{{status:s.status,statusText:s.statusText,headers:s.headers}})}})}}}}\
if(p==='/')return;var n={ADDRESS_GROUPS},\
m=/^\\/red\\/[^\\/]+\\/([a-z]+)/.exec(p),f=d.concat(m&&n[m[1]]?g[n[m[1]]]:[]),\
go=function(w){{w=f.filter(function(x,i){{return f.indexOf(x)===i}});\
w.forEach(function(h){{\
var l=document.createElement('link');l.rel='preload';l.as='fetch';l.crossOrigin='anonymous';\
l.href=h;document.head.appendChild(l)}})}};if(p==='/unirse')window.__juntasAfterMain=go;else go()}})();",
        table = table.join(","),
        sizes = groups
            .iter()
            .find(|(g, _)| g == DOCUMENTS_GROUP)
            .map(|(_, files)| {
                files.iter().map(|f| format!("'/{f}':{}", sizes[f])).collect::<Vec<_>>().join(",")
            })
            .unwrap_or_default()
    ))
}

/// The groups of pages the splitter's loader can load, each with the files it fetches: its own
/// part and the shared parts it waits for.
pub fn groups(loader: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    // Each loadable file is `makeLoad(() => { … new URL("./FILE", … }, [__chunk_N, …])`,
    // bound to `const __chunk_N` (shared) or `export const __wasm_split_load_GROUP`.
    let mut chunks = std::collections::HashMap::new();
    let mut groups = Vec::new();
    let mut rest = loader;
    while let Some(at) = rest.find("makeLoad(() =>") {
        let head = &rest[..at];
        let binding = head.rsplit("const ").next().unwrap_or("").split(' ').next().unwrap_or("");
        let body = &rest[at..];
        // This loader's own text: up to the next one.
        let body = match body["makeLoad(() =>".len()..].find("makeLoad(() =>") {
            Some(end) => &body[..end + "makeLoad(() =>".len()],
            None => body,
        };
        let file = body
            .split_once("new URL(\"./")
            .and_then(|(_, t)| t.split_once('"'))
            .map(|(f, _)| f.to_string())
            .ok_or_else(|| format!("the loader's {binding} fetches no file"))?;
        let deps: Vec<String> = body
            .split_once(", [")
            .and_then(|(_, t)| t.split_once(']'))
            .map(|(d, _)| {
                d.split(',').map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect()
            })
            .unwrap_or_default();
        if let Some(group) = binding.strip_prefix("__wasm_split_load_") {
            groups.push((group.to_string(), file, deps));
        } else {
            chunks.insert(binding.to_string(), file);
        }
        rest = &rest[at + "makeLoad(() =>".len()..];
    }
    if groups.is_empty() {
        return Err("the splitter's loader names no group of pages".into());
    }
    groups
        .into_iter()
        .map(|(group, file, deps)| {
            let mut files = deps
                .iter()
                .map(|d| {
                    chunks.get(d).cloned().ok_or_else(|| {
                        format!("{group} needs {d}, which the loader does not define")
                    })
                })
                .collect::<Result<Vec<String>, String>>()?;
            files.push(file);
            // The parts packed into one file ([`pack`]) name it each.
            let mut seen = std::collections::HashSet::new();
            files.retain(|f| seen.insert(f.clone()));
            Ok((group, files))
        })
        .collect()
}

/// Replaces the one occurrence of `from` (an address in the splitter's loader); anything else
/// means the loader changed shape and the build stops rather than ship a broken address.
fn replace_once(text: &mut String, from: &str, to: &str) -> Result<(), String> {
    match text.matches(from).count() {
        1 => {
            *text = text.replacen(from, to, 1);
            Ok(())
        }
        n => Err(format!("split: {from} occurs {n} times in the loader, expected once")),
    }
}

#[cfg(test)]
mod tests {
    use super::{ended_imports, groups};

    /// A loader as the splitter writes it, the documents' small shared parts packed
    /// ([`super::pack`]).
    const PACKED: &str = r#"function makeLoad(fetcher, deps) {}
const __chunk_6 = makeLoad(() => {
    const src = __juntasPacked(new URL("./chunks_juntas_docs-1.bin", import.meta.url), 0, 10);
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
const __chunk_7 = makeLoad(() => {
    const src = __juntasPacked(new URL("./chunks_juntas_docs-1.bin", import.meta.url), 10, 30);
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
const __chunk_8 = makeLoad(() => {
    const src = fetch(new URL("./chunk_8-2.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
export const __wasm_split_load_juntas_docs = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_juntas_docs-4.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_6, __chunk_7, __chunk_8]));
export const __wasm_split_load_juntas_tools = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_juntas_tools-3.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_7, __chunk_8]));
"#;

    #[test]
    fn a_group_downloads_its_pack_once_and_one_that_shares_a_packed_part_the_pack() {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            groups(PACKED).unwrap(),
            vec![
                (
                    "juntas_docs".to_string(),
                    strings(&[
                        "chunks_juntas_docs-1.bin",
                        "chunk_8-2.wasm",
                        "split_juntas_docs-4.wasm"
                    ])
                ),
                (
                    "juntas_tools".to_string(),
                    strings(&[
                        "chunks_juntas_docs-1.bin",
                        "chunk_8-2.wasm",
                        "split_juntas_tools-3.wasm"
                    ])
                ),
            ]
        );
    }

    #[test]
    fn every_download_of_a_part_notes_a_part_the_server_no_longer_has() {
        let mut loader = format!(
            "{}{}",
            super::PACKED_LOADER,
            PACKED.replace(
                "__juntasPacked(new URL(\"./chunks_juntas_docs-1.bin\", import.meta.url), 0, 10)",
                "fetch(new URL(\"./chunk_6-1.wasm\", import.meta.url))"
            )
        );
        let parts = loader.matches("const src = fetch(new URL(").count();
        assert!(parts >= 3, "{loader}");
        super::mark_gone(&mut loader).unwrap();
        assert_eq!(loader.matches("const src = __juntasFetch(new URL(").count(), parts);
        assert!(loader.contains("const src = __juntasFetch(new URL(\"./chunk_6-1.wasm\""));
        assert!(loader.contains("__juntasFetch(url).then(async"));
        assert!(!loader.contains(" fetch(new URL("), "{loader}");
        // The addresses are where the lists of each group's files find them.
        assert_eq!(groups(&loader).unwrap().len(), 2);
        // A loader whose downloads moved stops the build; one with nothing packed is fine.
        assert!(super::mark_gone(&mut "function makeLoad(".to_string()).is_err());
        let mut unpacked = PACKED.replace(
            "__juntasPacked(new URL(\"./chunks_juntas_docs-1.bin\", import.meta.url), 0, 10)",
            "fetch(new URL(\"./chunk_6-1.wasm\", import.meta.url))",
        );
        super::mark_gone(&mut unpacked).unwrap();
        assert!(unpacked.contains("function __juntasFetch(url)"));
    }

    #[test]
    fn the_glue_imports_get_their_semicolon_and_nothing_else_changes() {
        let glue = "import * as import1 from \"./__wasm_split-1.js\"\nimport * as import2 from \"./b.js\";\n\nexport class A {}\nconst u = \"import \";\n";
        assert_eq!(
            ended_imports(glue),
            "import * as import1 from \"./__wasm_split-1.js\";\nimport * as import2 from \"./b.js\";\n\nexport class A {}\nconst u = \"import \";\n"
        );
    }
}
