//! Where the wasm's bytes are: the app's release wasm as rustc wrote it (it still has the
//! `name` section), optimised by the same wasm-opt at the same level as the shipped one but
//! keeping names (`-g`), then every function body attributed to a crate — and, for our own
//! crates, to a module — by its demangled name. Each group's bodies are also brotli-compressed
//! on their own, so the table says what a group costs a phone, roughly (a group compressed
//! alone compresses a little worse than inside the whole file).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use wasmparser::{Name, Parser, Payload};

/// One group's share.
struct Group {
    functions: usize,
    bytes: usize,
    bodies: Vec<u8>,
    /// Every function of the group: its size and demangled name.
    each: Vec<(usize, String)>,
}

/// The crate (and for ours, the module) a demangled function name belongs to.
fn group_of(name: &str) -> String {
    // `<T as Trait>::f` belongs to T's crate; `<T>::f` too. When T is a generic parameter
    // (an instance the name does not spell), the code is the trait's crate's.
    let mut path = name.strip_prefix('<').unwrap_or(name);
    if name.starts_with('<')
        && let Some((self_ty, rest)) = path.split_once(" as ")
        && self_ty.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && !self_ty.contains("::")
    {
        path = rest;
    }
    let path = path.trim_start_matches('&').trim_start_matches("mut ").trim_start_matches("dyn ");
    let mut parts =
        path.split("::").map(|p| p.split(['<', ' ', '>', '(', '[']).next().unwrap_or(p));
    let first = parts.next().unwrap_or("").to_owned();
    let generic = first.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    if generic || first.is_empty() || !first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return "(other: closures, shims, generic impls)".into();
    }
    match first.as_str() {
        "juntas" | "juntas_core" => {
            let second = parts.next().unwrap_or("");
            let third = parts.next().unwrap_or("");
            let keep_third = matches!(second, "pages" | "model" | "components" | "state" | "sync");
            if keep_third
                && !third.is_empty()
                && third.chars().next().is_some_and(|c| c.is_lowercase())
            {
                format!("{first}::{second}::{third}")
            } else if !second.is_empty() && second.chars().next().is_some_and(|c| c.is_lowercase())
            {
                format!("{first}::{second}")
            } else {
                first
            }
        }
        _ => first,
    }
}

/// Where the re-optimised copies with names go (one per input, named by its file).
const SCRATCH: &str = "target/size-breakdown";

/// Optimises `input` with names kept into `output` with the wasm-opt on `path`.
fn optimise_with_names(input: &Path, output: &Path, path: &std::ffi::OsStr) -> Result<(), String> {
    let status = Command::new("wasm-opt")
        .env("PATH", path)
        .args(["-Os", "-g", "--all-features", "--strip-producers"])
        .arg(input)
        .arg("-o")
        .arg(output)
        .status()
        .map_err(|e| format!("wasm-opt: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("wasm-opt failed ({status})")) }
}

/// Every function of `wasms`: its code (as wasm-opt -Os leaves it, names kept) and its
/// demangled name; with the data segments' and the names section's sizes.
struct Functions {
    each: Vec<(Vec<u8>, String)>,
    data_bytes: usize,
    custom_bytes: usize,
}

fn read_functions(wasms: &[&Path], tools_path: &std::ffi::OsStr) -> Result<Functions, String> {
    let mut out = Functions { each: Vec::new(), data_bytes: 0, custom_bytes: 0 };
    // Not beside the splitter's parts: its next run would take a `chunk_*.wasm` there for one.
    let scratch = Path::new(SCRATCH);
    std::fs::create_dir_all(scratch).map_err(|e| format!("{SCRATCH}: {e}"))?;
    for wasm in wasms {
        let stem = wasm.file_stem().and_then(|s| s.to_str()).unwrap_or("part");
        let optimised = scratch.join(format!("{stem}.names-opt.wasm"));
        optimise_with_names(wasm, &optimised, tools_path)?;
        let bytes =
            std::fs::read(&optimised).map_err(|e| format!("{}: {e}", optimised.display()))?;
        let mut imported = 0u32;
        let mut names: BTreeMap<u32, String> = BTreeMap::new();
        let mut bodies: Vec<(u32, std::ops::Range<usize>)> = Vec::new();
        for payload in Parser::new(0).parse_all(&bytes) {
            match payload.map_err(|e| format!("reading the wasm: {e}"))? {
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.map_err(|e| e.to_string())?;
                        if matches!(import.ty, wasmparser::TypeRef::Func(_)) {
                            imported += 1;
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let index = imported + bodies.len() as u32;
                    bodies.push((index, body.range()));
                }
                Payload::DataSection(reader) => out.data_bytes += reader.range().len(),
                Payload::CustomSection(reader) => {
                    out.custom_bytes += reader.data().len();
                    if let wasmparser::KnownCustom::Name(names_reader) = reader.as_known() {
                        for name in names_reader {
                            if let Ok(Name::Function(map)) = name {
                                for naming in map.into_iter().flatten() {
                                    names.insert(naming.index, naming.name.to_owned());
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for (index, range) in bodies {
            let name = names.get(&index).map(String::as_str).unwrap_or("");
            let demangled = format!("{:#}", rustc_demangle::demangle(name));
            out.each.push((bytes[range].to_vec(), demangled));
        }
    }
    Ok(out)
}

/// Prints the breakdown of `wasms` taken together: the `juntas.wasm` cargo wrote for the release
/// build, or parts of a split build as the splitter wrote them (they keep their names).
pub fn report(wasms: &[&Path], tools_path: &std::ffi::OsStr, rows: usize) -> Result<(), String> {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let read = read_functions(wasms, tools_path)?;
    let (data_bytes, custom_bytes) = (read.data_bytes, read.custom_bytes);
    let functions = read.each.len();
    let code_total: usize = read.each.iter().map(|(body, _)| body.len()).sum();
    for (body, demangled) in read.each {
        let g = groups.entry(group_of(&demangled)).or_insert(Group {
            functions: 0,
            bytes: 0,
            bodies: Vec::new(),
            each: Vec::new(),
        });
        g.each.push((body.len(), demangled));
        g.functions += 1;
        g.bytes += body.len();
        g.bodies.extend_from_slice(&body);
    }
    // `SIZE_LIST=file`: every function's size and name, one per line, for reading with grep.
    if let Ok(list) = std::env::var("SIZE_LIST") {
        let mut text = String::new();
        for (group, g) in &groups {
            for (bytes, name) in &g.each {
                text.push_str(&format!("{bytes}\t{group}\t{name}\n"));
            }
        }
        std::fs::write(&list, text).map_err(|e| format!("{list}: {e}"))?;
    }
    let mut rows_sorted: Vec<(String, Group)> = groups.into_iter().collect();
    rows_sorted.sort_by_key(|(_, g)| std::cmp::Reverse(g.bytes));

    println!(
        "\nwhere the wasm's bytes are (the release build re-optimised by wasm-opt -Os with names kept: \
         {} bytes of function code in {} functions, {} bytes of data segments; the shipped wasm has \
         no names section, which here is {custom_bytes} bytes):",
        code_total, functions, data_bytes
    );
    println!(
        "{:<48} {:>9} {:>10} {:>7} {:>14}",
        "crate / our module", "functions", "code", "share", "brotli alone"
    );
    let mut shown = 0;
    let mut ours = Vec::new();
    for (name, g) in &rows_sorted {
        let line = format!(
            "{:<48} {:>9} {:>10} {:>6.1}% {:>14}",
            name,
            g.functions,
            g.bytes,
            100.0 * g.bytes as f64 / code_total as f64,
            crate::compress::brotli(&g.bodies).len()
        );
        if name.starts_with("juntas") {
            ours.push(line);
        } else if shown < rows {
            println!("{line}");
            shown += 1;
        }
    }
    let rest: usize = rows_sorted
        .iter()
        .filter(|(n, _)| !n.starts_with("juntas"))
        .skip(rows)
        .map(|(_, g)| g.bytes)
        .sum();
    println!(
        "{:<48} {:>9} {:>10} {:>6.1}%",
        "(other crates)",
        "",
        rest,
        100.0 * rest as f64 / code_total as f64
    );
    println!("our crates, by module:");
    for line in ours {
        println!("{line}");
    }
    println!("{:<48} {:>9} {:>10}", "data segments (strings, tables)", "", data_bytes);
    // `SIZE_TOP=core,alloc cargo xtask bench size`: the largest functions of those groups.
    for wanted in std::env::var("SIZE_TOP").unwrap_or_default().split(',').filter(|w| !w.is_empty())
    {
        let Some((_, g)) = rows_sorted.iter().find(|(n, _)| n == wanted || n.starts_with(wanted))
        else {
            println!("\nno group named {wanted}");
            continue;
        };
        // Instances of one generic function share a name: summed, they show what
        // monomorphisation costs.
        let mut by_name: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (bytes, name) in &g.each {
            let e = by_name.entry(name.as_str()).or_default();
            e.0 += 1;
            e.1 += bytes;
        }
        let mut by_name: Vec<_> = by_name.into_iter().collect();
        by_name.sort_by_key(|(_, (_, bytes))| std::cmp::Reverse(*bytes));
        println!("\nthe largest functions of {wanted} (instances, bytes, name):");
        for (name, (count, bytes)) in by_name.iter().take(40) {
            let short: String = name.chars().take(140).collect();
            println!("{count:>5} {bytes:>8}  {short}");
        }
    }
    Ok(())
}

/// Which row of [`report_by_types`] a demangled (v0) name counts in: an instance compiled for
/// our types and Automerge's is ours (we chose to instantiate it).
fn class_of(name: &str) -> usize {
    let group = group_of(name);
    if group.starts_with("juntas") {
        0
    } else if name.contains("juntas") {
        1
    } else if group == "automerge" || group == "hexane" {
        2
    } else if name.contains("automerge") || name.contains("hexane") {
        3
    } else {
        4
    }
}

/// Whose code the wasm is: our crates, Automerge, and the generic code of every crate (std's
/// collections, Leptos's views and signals, serde) by the types it was compiled for, which only
/// a wasm whose names spell each instance's types can tell (`-C symbol-mangling-version=v0`).
pub fn report_by_types(wasm: &Path, tools_path: &std::ffi::OsStr) -> Result<(), String> {
    const CLASSES: [&str; 5] = [
        "our crates (juntas, juntas_core)",
        "generic code compiled for our types",
        "automerge and hexane",
        "generic code compiled for automerge's types",
        "the rest (Leptos, std, serde_json, zlib-rs, ...)",
    ];
    let read = read_functions(&[wasm], tools_path)?;
    let mut classes: [(usize, Vec<u8>); 5] = Default::default();
    for (body, name) in &read.each {
        let class = class_of(name);
        classes[class].0 += 1;
        classes[class].1.extend_from_slice(body);
    }
    let total: usize = classes.iter().map(|(_, b)| b.len()).sum();
    println!(
        "\nwhose code the wasm is (the release build with each generic instance's types in its \
         name, re-optimised by wasm-opt -Os: {total} bytes of function code):"
    );
    println!("{:<48} {:>9} {:>10} {:>7} {:>14}", "", "functions", "code", "share", "brotli alone");
    for (label, (n, bodies)) in CLASSES.iter().zip(&classes) {
        println!(
            "{:<48} {:>9} {:>10} {:>6.1}% {:>14}",
            label,
            n,
            bodies.len(),
            100.0 * bodies.len() as f64 / total.max(1) as f64,
            crate::compress::brotli(bodies).len()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::group_of;

    #[test]
    fn generic_instances_count_for_the_types_they_were_compiled_for() {
        use super::class_of;
        assert_eq!(class_of("<juntas::sync::SyncNode>::on_message::{closure#0}"), 0);
        assert_eq!(
            class_of(
                "<alloc::collections::btree::map::BTreeMap<juntas_core::ids::DocumentId, \
                 alloc::vec::Vec<automerge::types::ChangeHash>>>::insert"
            ),
            1
        );
        assert_eq!(class_of("<automerge::op_set2::op_set::OpSet>::insert"), 2);
        assert_eq!(
            class_of(
                "<alloc::vec::Vec<automerge::types::ChangeHash> as core::clone::Clone>::clone"
            ),
            3
        );
        assert_eq!(class_of("<alloc::vec::Vec<u8>>::push"), 4);
    }

    #[test]
    fn names_go_to_their_crate_and_our_modules() {
        assert_eq!(group_of("automerge::op_set::OpSet::insert"), "automerge");
        assert_eq!(group_of("<alloc::vec::Vec<T> as core::clone::Clone>::clone"), "alloc");
        assert_eq!(group_of("juntas::pages::plan::section::SectionPage"), "juntas::pages::plan");
        assert_eq!(group_of("juntas_core::model::tree::read"), "juntas_core::model::tree");
        assert_eq!(group_of("juntas::error::explain"), "juntas::error");
        assert_eq!(
            group_of("<juntas::state::doc::Docs as core::clone::Clone>::clone"),
            "juntas::state::doc"
        );
        assert_eq!(group_of("leptos::into_view::<impl juntas::X>"), "leptos");
        assert_eq!(group_of("{closure}"), "(other: closures, shims, generic impls)");
        assert_eq!(group_of("<T as tachys::view::Render>::build"), "tachys");
        assert_eq!(group_of("<F as core::ops::FnOnce<A>>::call_once"), "core");
        assert_eq!(group_of("<T>::to_owned"), "(other: closures, shims, generic impls)");
    }
}
