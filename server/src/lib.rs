//! juntas-server: serves the built app — precompressed when the browser accepts it, with a
//! strict Content-Security-Policy and cache headers that keep the service worker honest — and
//! syncs documents over `/sync` (see [`sync`]) for holders of the access key (see [`auth`]).

pub mod auth;
pub mod sync;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use axum::{
    Router,
    http::{HeaderValue, Request, header},
    middleware::{self, Next},
    response::Response,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};
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
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let cache = if is_hashed_asset(&path) {
        "public, max-age=31536000, immutable"
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
    // Unknown paths are app routes (/red/…): answer with the app itself.
    let files = ServeDir::new(dist_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(&index).precompressed_br().precompressed_gzip());
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
    let sync =
        sync::SyncService::start(&config.data_dir, key, config.allowed_origins.clone()).await?;
    let router = sync.clone().routes().merge(static_app);
    tracing::info!(addr = %listener.local_addr()?, data = %config.data_dir.display(), "listening");
    // Stop sync first: it closes the WebSockets (which would otherwise hold the graceful
    // shutdown open) and flushes storage before the process exits.
    let stop_sync = sync.clone();
    let shutdown = async move {
        shutdown.await;
        stop_sync.stop().await;
    };
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await?;
    Ok(())
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
        assert!(!is_hashed_asset("/sw.js"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/register-sw.js"));
    }
}
