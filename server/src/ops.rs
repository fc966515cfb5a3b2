//! What an operator reads: `GET /healthz` (storage writable, sync engine answering),
//! Prometheus-format `GET /metrics` (loopback only unless a metrics token is configured), and
//! `/robots.txt` (nothing here is for search engines).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use subtle::ConstantTimeEq;

use crate::engine::EngineHandle;

/// Why a TCP connection was refused before it was served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    ConnectionsPerAddress,
    ConnectionsTotal,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::ConnectionsPerAddress => "connections_per_address",
            Refusal::ConnectionsTotal => "connections_total",
        }
    }
}

/// Shared by the health and metrics routes and the accept loop.
pub struct Ops {
    data_dir: PathBuf,
    engine: EngineHandle,
    metrics_token: Option<String>,
    refused_per_address: AtomicU64,
    refused_total: AtomicU64,
}

impl Ops {
    pub fn new(data_dir: &Path, engine: EngineHandle, metrics_token: Option<String>) -> Arc<Ops> {
        Arc::new(Ops {
            data_dir: data_dir.to_path_buf(),
            engine,
            metrics_token,
            refused_per_address: AtomicU64::new(0),
            refused_total: AtomicU64::new(0),
        })
    }

    pub fn refused(&self, why: Refusal) {
        let c = match why {
            Refusal::ConnectionsPerAddress => &self.refused_per_address,
            Refusal::ConnectionsTotal => &self.refused_total,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Writes and removes a probe file next to the documents.
    fn storage_writable(&self) -> Result<(), String> {
        let probe = self.data_dir.join(".healthz-probe");
        std::fs::write(&probe, b"ok").map_err(|e| e.to_string())?;
        std::fs::remove_file(&probe).map_err(|e| e.to_string())
    }
}

pub fn routes(ops: Arc<Ops>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/robots.txt", get(robots))
        .with_state(ops)
}

fn text(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

async fn robots() -> Response {
    text(StatusCode::OK, "User-agent: *\nDisallow: /\n".into())
}

/// 200 "ok" when storage takes a write and the engine answers within 2 s; 503 naming what
/// failed otherwise.
async fn healthz(State(ops): State<Arc<Ops>>) -> Response {
    let mut problems = Vec::new();
    if let Err(e) = ops.storage_writable() {
        problems.push(format!("storage not writable: {e}"));
    }
    if ops.engine.metrics.storage_failing.load(Ordering::Relaxed) {
        problems.push("the last document save failed".to_owned());
    }
    if !ops.engine.alive(Duration::from_secs(2)).await {
        problems.push("sync engine not answering".to_owned());
    }
    if problems.is_empty() {
        text(StatusCode::OK, "ok\n".into())
    } else {
        text(StatusCode::SERVICE_UNAVAILABLE, problems.join("\n") + "\n")
    }
}

/// Resident memory of this process in bytes (Linux), if known.
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

async fn metrics(
    State(ops): State<Arc<Ops>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let allowed = match &ops.metrics_token {
        Some(token) => bearer.is_some_and(|b| bool::from(b.as_bytes().ct_eq(token.as_bytes()))),
        None => peer.ip().is_loopback(),
    };
    if !allowed {
        return text(StatusCode::FORBIDDEN, "metrics are not public\n".into());
    }
    let m = &ops.engine.metrics;
    let mut out = String::new();
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let mut series = vec![
        ("sync_connections", "gauge", "Open sync connections.", get(&m.connections)),
        (
            "sync_connections_total",
            "counter",
            "Sync connections accepted.",
            get(&m.connections_total),
        ),
        (
            "documents_in_memory",
            "gauge",
            "Documents loaded in memory.",
            get(&m.documents_in_memory),
        ),
        (
            "networks_in_memory",
            "gauge",
            "Of the documents in memory, network documents (who may read and write).",
            get(&m.networks_in_memory),
        ),
        (
            "documents_loaded_total",
            "counter",
            "Documents loaded from storage.",
            get(&m.documents_loaded),
        ),
        (
            "documents_evicted_total",
            "counter",
            "Idle documents evicted from memory.",
            get(&m.documents_evicted),
        ),
        ("sync_messages_in_total", "counter", "Sync messages received.", get(&m.messages_in)),
        ("sync_messages_out_total", "counter", "Sync messages sent.", get(&m.messages_out)),
        ("sync_bytes_in_total", "counter", "Sync bytes received.", get(&m.bytes_in)),
        ("sync_bytes_out_total", "counter", "Sync bytes sent.", get(&m.bytes_out)),
        (
            "storage_errors_total",
            "counter",
            "Failed storage reads or writes.",
            get(&m.storage_errors),
        ),
    ];
    // Left out, not reported as 0, where /proc does not say.
    if let Some(rss) = rss_bytes() {
        series.push(("resident_memory_bytes", "gauge", "Resident set size of the process.", rss));
    }
    for (name, kind, help, value) in series {
        let _ = writeln!(
            out,
            "# HELP juntas_{name} {help}\n# TYPE juntas_{name} {kind}\njuntas_{name} {value}"
        );
    }
    let _ = writeln!(
        out,
        "# HELP juntas_refusals_total Connections closed or refused, by reason.\n# TYPE juntas_refusals_total counter"
    );
    for (reason, value) in [
        ("protocol", get(&m.refused_protocol)),
        ("document_too_large", get(&m.refused_too_large)),
        ("documents_per_minute", get(&m.refused_rate)),
        ("slow_reader", get(&m.refused_slow_reader)),
        ("not_a_member", get(&m.refused_access)),
        ("change_refused", get(&m.refused_change)),
        ("connections_per_address", get(&ops.refused_per_address)),
        ("connections_total", get(&ops.refused_total)),
    ] {
        let _ = writeln!(out, "juntas_refusals_total{{reason=\"{reason}\"}} {value}");
    }
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
