//! juntas-server: serves the built app — precompressed when the browser accepts it, with a
//! strict Content-Security-Policy and cache headers that keep the service worker honest — and
//! syncs documents over `/sync` (see [`sync`], [`engine`]) for holders of the access key (see
//! [`auth`]). Every TCP connection is counted against a cap per client address and in total and
//! must send its request headers within a timeout; `/healthz` and `/metrics` are in [`ops`].

pub mod accounts;
pub mod auth;
pub mod backup;
pub mod engine;
pub mod fs_storage;
pub mod members;
pub mod ops;
pub mod signatures;
pub mod sync;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use axum::{
    Router,
    http::{HeaderValue, Request, StatusCode, header},
    middleware::{self, Next},
    response::Response,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// What the operator chooses (flags or environment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub addr: SocketAddr,
    /// Where documents are stored (created at start).
    pub data_dir: PathBuf,
    /// The built app (`trunk build --release` output).
    pub dist_dir: PathBuf,
    /// The access key; `None` = the one in `<data>/access-key`, generated on first start.
    pub access_key: Option<String>,
    /// Page origins allowed to sync besides the server's own.
    pub allowed_origins: Vec<String>,
    pub limits: Limits,
}

/// Caps and timeouts; `Limits::default()` is what the server starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Time a client has to send a request's headers (slow senders are closed).
    pub header_read: std::time::Duration,
    /// Open TCP connections from one client address. A workshop's phones share the school's
    /// one public address (NAT), each browser opening up to six connections while it loads the
    /// app plus its WebSocket: 64 refused the 15th phone of a workshop.
    pub connections_per_address: usize,
    /// Open TCP connections in all.
    pub connections_total: usize,
    pub sync: sync::Timeouts,
    pub engine: engine::Limits,
    /// Who may read `/metrics`: `None` = only clients on this machine (loopback).
    pub metrics_token: Option<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: std::time::Duration::from_secs(10),
            connections_per_address: 512,
            connections_total: 4096,
            sync: sync::Timeouts::default(),
            engine: engine::Limits::default(),
            metrics_token: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the app is not built: {0} is missing (run `cargo xtask run`)")]
    NotBuilt(PathBuf),
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("cannot create the data directory {0}: {1}")]
    DataDir(PathBuf, std::io::Error),
}

/// Hashes of every inline `<script>` in `html`, as CSP source expressions.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else { break };
        let tag = &after[..tag_end];
        let body_and_rest = &after[tag_end + 1..];
        let Some(close) = body_and_rest.find("</script>") else { break };
        if !tag.contains("src=") {
            let digest = Sha256::digest(&body_and_rest.as_bytes()[..close]);
            hashes.push(format!("'sha256-{}'", STANDARD.encode(digest)));
        }
        rest = &body_and_rest[close..];
    }
    hashes
}

/// The Content-Security-Policy for an index.html: only our own files, wasm compilation, and
/// the inline start-up script Trunk writes (by hash: no nonce, no 'unsafe-inline').
pub fn content_security_policy(index_html: &str) -> String {
    let scripts = inline_script_hashes(index_html).join(" ");
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {scripts}; style-src 'self'; \
         img-src 'self' data: blob:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// A file of the app, not one of its pages' addresses: at the top level (or in `/icons/`, as
/// the build lays them out) with a file name's extension. One the server does not have is
/// answered 404. The app's pages are deeper (`/red/<id>/plan/seccion/<code>`, where a code she
/// typed may have a dot) or have no extension (`/unirse`).
fn is_file_path(path: &str) -> bool {
    let Some(file) = path.strip_prefix("/icons/").or_else(|| path.strip_prefix('/')) else {
        return false;
    };
    if file.contains('/') {
        return false;
    }
    file.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && matches!(
                ext,
                "wasm"
                    | "js"
                    | "mjs"
                    | "css"
                    | "bin"
                    | "br"
                    | "gz"
                    | "png"
                    | "svg"
                    | "ico"
                    | "json"
                    | "webmanifest"
                    | "map"
                    | "txt"
            )
    })
}

/// Trunk names its outputs `name-<16 hex>.ext` (or `_bg.wasm`): those never change.
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file).trim_end_matches("_bg");
    stem.rsplit_once('-')
        .is_some_and(|(_, h)| h.len() >= 12 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn security_headers(
    csp: HeaderValue,
    req: Request<axum::body::Body>,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    let status = res.status();
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let cache =
        if is_hashed_asset(&path) && (status.is_success() || status == StatusCode::NOT_MODIFIED) {
            "public, max-age=31536000, immutable"
        } else if status == StatusCode::NOT_FOUND {
            // A file of an earlier version, asked for by a tab opened before an update: kept
            // nowhere, so the file is found once it is there again (a deploy half done).
            "no-store"
        } else {
            // index.html, sw.js, the manifest: always revalidate, so updates reach the device.
            "no-cache"
        };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

/// The HTTP app for `dist_dir`.
pub fn app(dist_dir: &Path) -> Result<Router, StartError> {
    let index = dist_dir.join("index.html");
    if !index.is_file() {
        return Err(StartError::NotBuilt(index));
    }
    let html = std::fs::read_to_string(&index).map_err(|e| StartError::Read(index.clone(), e))?;
    let csp = HeaderValue::from_str(&content_security_policy(&html)).expect("CSP is ASCII");
    // Unknown paths are app routes (/red/…): answer with the app itself. An unknown file is
    // not found: a tab opened before an update asking for a part of its version that the
    // update removed is told so (404, which the app says as "a new version"), not given
    // index.html, which a browser kept for a year under the part's hashed name.
    let index_file = ServeFile::new(&index).precompressed_br().precompressed_gzip();
    let fallback = tower::service_fn(move |req: Request<axum::body::Body>| {
        let index_file = index_file.clone();
        async move {
            if is_file_path(req.uri().path()) {
                let mut res = Response::new(axum::body::Body::from(
                    "Not found: this file is not part of this version of Juntas.\n",
                ));
                *res.status_mut() = StatusCode::NOT_FOUND;
                res.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                Ok::<_, std::convert::Infallible>(res)
            } else {
                index_file.oneshot(req).await.map(|res| res.map(axum::body::Body::new))
            }
        }
    });
    let files = ServeDir::new(dist_dir).precompressed_br().precompressed_gzip().fallback(fallback);
    Ok(Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(move |req, next| security_headers(csp.clone(), req, next))))
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    serve_on(listener, config, shutdown).await
}

/// Serves on an already bound listener until `shutdown` resolves (tests bind port 0).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| StartError::DataDir(config.data_dir.clone(), e))?;
    let key = match &config.access_key {
        Some(k) => auth::AccessKey::new(k)?,
        None => {
            let (key, created) = auth::AccessKey::load_or_create(&config.data_dir)?;
            let path = config.data_dir.join(auth::KEY_FILE);
            if created {
                tracing::info!(file = %path.display(), "generated a new access key");
            } else {
                tracing::info!(file = %path.display(), "using the access key on file");
            }
            key
        }
    };
    let static_app = app(&config.dist_dir)?;
    let limits = config.limits.clone();
    let accounts = std::sync::Arc::new(accounts::Accounts::open(&config.data_dir)?);
    let signatures = std::sync::Arc::new(signatures::Signatures::load_or_create(
        &config.data_dir,
        accounts.clone(),
    )?);
    let sync = sync::SyncService::start(
        &config.data_dir,
        accounts.clone(),
        signatures.clone(),
        config.allowed_origins.clone(),
        limits.engine.clone(),
        limits.sync.clone(),
    )?;
    let members = members::Members::new(
        accounts,
        signatures,
        sync.engine().clone(),
        key,
        config.allowed_origins.clone(),
    );
    let ops = ops::Ops::new(&config.data_dir, sync.engine().clone(), limits.metrics_token.clone());
    let router = ops::routes(ops.clone())
        .merge(sync.clone().routes())
        .merge(members.routes())
        .merge(static_app);
    tracing::info!(addr = %listener.local_addr()?, data = %config.data_dir.display(), "listening");
    accept_loop(listener, router, &limits, ops, shutdown).await;
    // Stop sync after the listener: it closes the WebSockets and saves every document.
    sync.stop().await;
    Ok(())
}

/// Open connections per client address, released when a connection ends.
#[derive(Default)]
struct Counts {
    total: usize,
    by_addr: std::collections::HashMap<std::net::IpAddr, usize>,
    /// Addresses already logged as refused in this minute (logged once, not per connection).
    logged: std::collections::HashMap<std::net::IpAddr, std::time::Instant>,
}

struct Slot {
    counts: std::sync::Arc<std::sync::Mutex<Counts>>,
    addr: std::net::IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut c = self.counts.lock().expect("counts");
        c.total -= 1;
        if let Some(n) = c.by_addr.get_mut(&self.addr) {
            *n -= 1;
            if *n == 0 {
                c.by_addr.remove(&self.addr);
            }
        }
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: &Limits,
    ops: std::sync::Arc<ops::Ops>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let counts = std::sync::Arc::new(std::sync::Mutex::new(Counts::default()));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let addr = peer.ip();
        let slot = {
            let mut c = counts.lock().expect("counts");
            let here = c.by_addr.get(&addr).copied().unwrap_or(0);
            if c.total >= limits.connections_total || here >= limits.connections_per_address {
                let reason = if c.total >= limits.connections_total {
                    ops::Refusal::ConnectionsTotal
                } else {
                    ops::Refusal::ConnectionsPerAddress
                };
                ops.refused(reason);
                let now = std::time::Instant::now();
                let fresh =
                    c.logged.get(&addr).is_none_or(|t| now.duration_since(*t).as_secs() >= 60);
                if fresh {
                    c.logged.retain(|_, t| now.duration_since(*t).as_secs() < 60);
                    c.logged.insert(addr, now);
                    tracing::warn!(client = %addr, open = here, reason = reason.as_str(), "refusing connections");
                }
                drop(stream);
                continue;
            }
            c.total += 1;
            *c.by_addr.entry(addr).or_default() += 1;
            Slot { counts: counts.clone(), addr }
        };
        let service =
            hyper_util::service::TowerToHyperService::new(tower::ServiceExt::map_request(
                router.clone(),
                move |mut req: Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                    req
                },
            ));
        let header_read = limits.header_read;
        let mut stop = stop_rx.clone();
        tasks.spawn(async move {
            let _slot = slot;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(header_read);
            let conn = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = async { let _ = stop.wait_for(|s| *s).await; } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), conn).await;
                }
            }
        });
        while tasks.try_join_next().is_some() {}
    }
    let _ = stop_tx.send(true);
    drop(listener);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_only_inline_scripts() {
        let html = r#"<script type=module>import x from '/a.js';</script><script defer src=/b.js></script>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = STANDARD.encode(Sha256::digest(b"import x from '/a.js';"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn knows_trunks_hashed_names() {
        assert!(is_hashed_asset("/juntas-f822d85db0fb8e7c_bg.wasm"));
        assert!(is_hashed_asset("/juntas-f822d85db0fb8e7c.js"));
        assert!(is_hashed_asset("/main-c97b2d72cc836ecf.css"));
        // The documents' part's small shared parts, in one file (xtask's `pack`).
        assert!(is_hashed_asset("/chunks_juntas_docs-f58f504b17e810df.bin"));
        assert!(!is_hashed_asset("/sw.js"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/register-sw.js"));
    }

    #[test]
    fn tells_files_from_the_apps_addresses() {
        for file in [
            "/chunks_juntas_docs-f58f504b17e810df.bin",
            "/split_juntas_plan_pages-0123456789abcdef.wasm",
            "/juntas-f822d85db0fb8e7c.js",
            "/doc-worker.js",
            "/icons/icon-192.png",
            "/manifest.webmanifest",
        ] {
            assert!(is_file_path(file), "{file}");
        }
        for address in [
            "/",
            "/unirse",
            "/red/2tb62c1N273fZFQsiqCHHLegvVuv/plan",
            "/red/x/arbol/",
            "/red/2tb62c1N273fZFQsiqCHHLegvVuv/plan/seccion/A.txt",
        ] {
            assert!(!is_file_path(address), "{address}");
        }
    }
}
