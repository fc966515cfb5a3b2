//! The app's build script: `JUNTAS_SPLIT=1` (set by `cargo xtask build` for the release wasm)
//! turns the lazily loaded pages into separate parts of the wasm (`cfg(juntas_split)`), and
//! keeps the linker's relocations that the splitter reads (`--emit-relocs`). Without it (`trunk
//! serve`, the wasm-bindgen adapter tests) the wasm is one piece.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(juntas_split)");
    println!("cargo::rerun-if-env-changed=JUNTAS_SPLIT");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "wasm32");
    if wasm && std::env::var("JUNTAS_SPLIT").is_ok_and(|v| v == "1") {
        println!("cargo::rustc-cfg=juntas_split");
        println!("cargo::rustc-link-arg-bins=--emit-relocs");
    }
}
