//! What a browser gets from the server: the right types, compressed bytes when it accepts
//! them, a CSP that allows exactly Trunk's start-up script, and cache headers per file kind.

use axum::{
    body::{Body, to_bytes},
    http::{Request, StatusCode, header},
};
use juntas_server::{app, inline_script_hashes};
use std::fs;
use tower::ServiceExt;

const INDEX: &str = "<!doctype html><html><head><script type=module>import init from '/juntas-0123456789abcdef.js'; await init();</script></head><body></body></html>";

fn dist() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    fs::write(d.path().join("index.html"), INDEX).unwrap();
    fs::write(d.path().join("juntas-0123456789abcdef_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    fs::write(d.path().join("juntas-0123456789abcdef_bg.wasm.br"), b"brotli bytes").unwrap();
    fs::write(d.path().join("sw.js"), "self.addEventListener('fetch', () => {});").unwrap();
    d
}

async fn get(d: &tempfile::TempDir, path: &str, accept: &str) -> axum::response::Response {
    let req = Request::builder()
        .uri(path)
        .header(header::ACCEPT_ENCODING, accept)
        .body(Body::empty())
        .unwrap();
    app(d.path()).expect("app").oneshot(req).await.expect("response")
}

#[tokio::test]
async fn wasm_is_served_as_wasm_and_brotli_when_accepted() {
    let d = dist();
    let plain = get(&d, "/juntas-0123456789abcdef_bg.wasm", "identity").await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(plain.headers()[header::CONTENT_TYPE], "application/wasm");
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(plain.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");

    let br = get(&d, "/juntas-0123456789abcdef_bg.wasm", "gzip, br").await;
    assert_eq!(br.headers()[header::CONTENT_TYPE], "application/wasm");
    assert_eq!(br.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(&to_bytes(br.into_body(), 1 << 20).await.unwrap()[..], b"brotli bytes");
}

/// A browser revalidating a hashed file it has (304) is told again to keep it for good: the
/// headers of a 304 replace those it stored.
#[tokio::test]
async fn a_hashed_file_not_modified_stays_immutable() {
    let d = dist();
    let req = Request::builder()
        .uri("/juntas-0123456789abcdef_bg.wasm")
        .header(header::IF_MODIFIED_SINCE, "Fri, 01 Jan 2100 00:00:00 GMT")
        .body(Body::empty())
        .unwrap();
    let res = app(d.path()).expect("app").oneshot(req).await.expect("response");
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
}

#[tokio::test]
async fn every_response_carries_a_csp_allowing_only_trunks_inline_script() {
    let d = dist();
    let res = get(&d, "/", "identity").await;
    let csp = res.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
    let hash = &inline_script_hashes(INDEX)[0];
    assert!(csp.contains(&format!("script-src 'self' 'wasm-unsafe-eval' {hash}")), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("nonce"), "{csp}");
    assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test]
async fn service_worker_and_index_are_always_revalidated() {
    let d = dist();
    for path in ["/sw.js", "/", "/index.html"] {
        let res = get(&d, path, "identity").await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache", "{path}");
    }
}

#[tokio::test]
async fn app_routes_get_the_app() {
    let d = dist();
    let res = get(&d, "/red/2tb62c1N273fZFQsiqCHHLegvVuv/miembros", "identity").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(&to_bytes(res.into_body(), 1 << 20).await.unwrap()[..], INDEX.as_bytes());
}

/// A tab opened before an update asks for a part of its version that the update removed: it
/// is told the file is not here (its loader then says Juntas was updated), and no cache keeps
/// that answer under the part's name, least of all index.html for a year.
#[tokio::test]
async fn a_file_the_app_no_longer_has_is_not_found_and_not_kept() {
    let d = dist();
    for path in [
        "/split_juntas_plan_pages-fedcba9876543210.wasm",
        "/chunks_juntas_docs-fedcba9876543210.bin",
        "/juntas-fedcba9876543210.js",
        "/doc-worker.js",
    ] {
        let res = get(&d, path, "gzip, br").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store", "{path}");
        assert!(res.headers().get(header::CONTENT_ENCODING).is_none(), "{path}");
        let body = to_bytes(res.into_body(), 1 << 20).await.unwrap();
        assert!(!body.starts_with(b"<!doctype"), "{path}: index.html instead of not found");
    }
}

#[test]
fn refuses_to_start_without_a_built_app() {
    let d = tempfile::tempdir().unwrap();
    let Err(err) = app(d.path()) else { panic!("must refuse to start without index.html") };
    assert!(err.to_string().contains("not built"), "{err}");
}
