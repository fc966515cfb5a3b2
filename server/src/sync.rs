//! `/sync` and `/session`: authenticated WebSocket connections handed to the [`engine`], which
//! speaks the protocol with core's own [`Session`](juntas_core::sync::Session).
//!
//! Each connection is two tasks: a reader that forwards binary frames to the engine and a
//! writer that sends what the engine queues, plus a WebSocket ping every `ping_every`. A
//! connection that sends nothing for `handshake_timeout` after the upgrade, or nothing at all
//! (not even a pong) for `idle_timeout`, is closed. Text frames and oversize frames get an
//! `error` message and close that connection only. Documents are stored under `<data>/docs`
//! in the nodefs layout; the server never announces documents: a client receives only what
//! it asks for by id.
//!
//! [`engine`]: crate::engine

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::{SinkExt, StreamExt};
use juntas_core::sync::{Message, refusal};
use tokio::sync::mpsc;

use crate::accounts::{Accounts, Grant, Refused};
use crate::auth;
use crate::engine::{self, EngineHandle, Event, Out};
use crate::fs_storage::FsStorage;
use crate::signatures::Signatures;

/// Connection timings, with the defaults the server starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// From the upgrade to the first frame (`join`).
    pub handshake: Duration,
    /// With nothing received, not even a pong.
    pub idle: Duration,
    /// How often the server pings an open connection.
    pub ping_every: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            handshake: Duration::from_secs(10),
            idle: Duration::from_secs(75),
            ping_every: Duration::from_secs(30),
        }
    }
}

/// Largest WebSocket message (and frame) accepted. The largest legitimate message is the
/// first sync of the biggest document; `cargo xtask bench` measures it (see ARCHITECTURE.md).
/// axum's default is 64 MiB.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// Everything `/sync` and `/session` need.
pub struct SyncService {
    engine: EngineHandle,
    accounts: Arc<Accounts>,
    allowed_origins: Vec<String>,
    max_message_bytes: usize,
    timeouts: Timeouts,
    next_conn: AtomicU64,
}

impl SyncService {
    /// Starts the sync engine over `<data_dir>/docs`.
    pub fn start(
        data_dir: &Path,
        accounts: Arc<Accounts>,
        signatures: Arc<Signatures>,
        allowed_origins: Vec<String>,
        limits: engine::Limits,
        timeouts: Timeouts,
    ) -> anyhow::Result<Arc<SyncService>> {
        let engine = engine::start(FsStorage::new(data_dir.join("docs")), limits, signatures)?;
        Ok(Arc::new(SyncService {
            engine,
            accounts,
            allowed_origins,
            max_message_bytes: MAX_MESSAGE_BYTES,
            timeouts,
            next_conn: AtomicU64::new(1),
        }))
    }

    /// Closes every connection and saves every document.
    pub async fn stop(&self) {
        self.engine.stop().await;
        tracing::info!("sync stopped; storage flushed");
    }

    /// The engine (health and metrics).
    pub fn engine(&self) -> &EngineHandle {
        &self.engine
    }

    /// Lowers the message size limit (tests).
    pub fn with_max_message_bytes(self: Arc<Self>, bytes: usize) -> Arc<Self> {
        let mut s = Arc::into_inner(self).expect("set before serving");
        s.max_message_bytes = bytes;
        Arc::new(s)
    }

    /// Members' devices and invites.
    pub fn accounts(&self) -> &Arc<Accounts> {
        &self.accounts
    }

    pub fn routes(self: Arc<Self>) -> Router {
        Router::new().route("/sync", get(upgrade)).route("/session", post(session)).with_state(self)
    }
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

pub(crate) fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) fn refuse(status: StatusCode, reason: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], reason).into_response()
}

/// The grants of the device tokens in `tokens` (separated by `.`, newlines or spaces), and
/// the reason the first refused one was refused.
pub(crate) fn grants(accounts: &Accounts, tokens: &str) -> (Vec<(String, Grant)>, Option<Refused>) {
    let now = now_secs();
    let mut ok = Vec::new();
    let mut refused = None;
    for token in
        tokens.split(['.', '\n', ' ', ',']).map(str::trim).filter(|t| !t.is_empty()).take(64)
    {
        match accounts.authenticate(token, now) {
            Ok(g) => ok.push((token.to_owned(), g)),
            Err(r) => {
                refused.get_or_insert(r);
            }
        }
    }
    (ok, refused)
}

/// How long `/session` or a connection waits for the engine to say whether a grant's member is
/// still in its network (it usually answers in well under a millisecond).
const MEMBER_CHECK_WITHIN: Duration = Duration::from_millis(1000);

impl SyncService {
    /// [`grants`] less those whose member the network no longer lists (removed from the
    /// directory), refused as a removed device is: the connection would otherwise be closed
    /// again at the network's next change, cutting the device's other networks with it.
    async fn grants_now(&self, tokens: &str) -> (Vec<(String, Grant)>, Option<Refused>) {
        let (ok, mut refused) = grants(&self.accounts, tokens);
        let mut now = Vec::with_capacity(ok.len());
        for (token, g) in ok {
            if self.member_gone(&g).await {
                refused.get_or_insert(Refused::Revoked);
            } else {
                now.push((token, g));
            }
        }
        (now, refused)
    }

    /// Whether the network of `g` is on this server, readable, and no longer lists its member.
    /// (Not stored yet: just claimed, about to be uploaded. Unreadable: the sync refuses its
    /// documents anyway, and the engine logs why. No answer within [`MEMBER_CHECK_WITHIN`]
    /// from a busy engine: taken as listed, and the engine checks again as the connection
    /// opens.)
    async fn member_gone(&self, g: &Grant) -> bool {
        let Ok(id) = g.network.parse() else { return false };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let asked = async {
            self.engine.send(Event::Network { id, reply: tx }).await
                && matches!(rx.await, Ok(Ok(Some(net))) if !net.members.contains_key(&g.member))
        };
        tokio::time::timeout(MEMBER_CHECK_WITHIN, asked).await.unwrap_or(false)
    }
}

/// `POST /session` with this device's tokens (one per network) as the body: a session cookie
/// carrying the ones that work, and which networks they are for (the others are named with
/// the reason, e.g. a removed device).
async fn session(State(s): State<Arc<SyncService>>, headers: HeaderMap, body: String) -> Response {
    let origin = header_str(&headers, header::ORIGIN);
    if !auth::origin_allowed(origin, header_str(&headers, header::HOST), &s.allowed_origins) {
        tracing::warn!(origin = origin.unwrap_or(""), "session refused: origin not allowed");
        return refuse(StatusCode::FORBIDDEN, "origin not allowed");
    }
    let (ok, refused) = s.grants_now(&body).await;
    if ok.is_empty() {
        let reason = refused.unwrap_or(Refused::UnknownDevice);
        tracing::warn!(reason = %reason, "session refused");
        return (StatusCode::UNAUTHORIZED, reason.to_string()).into_response();
    }
    let cookie_value: Vec<&str> = ok.iter().map(|(t, _)| t.as_str()).collect();
    let secure = if origin.is_some_and(|o| o.starts_with("https://")) { "; Secure" } else { "" };
    let cookie = format!(
        "{}={}; HttpOnly; SameSite=Strict; Path=/sync; Max-Age={}{secure}",
        auth::COOKIE,
        cookie_value.join("."),
        auth::TOKEN_LIFETIME_SECS
    );
    let networks: Vec<serde_json::Value> = ok
        .iter()
        .map(|(_, g)| {
            serde_json::json!({
                "network": g.network,
                "member": g.member,
                "device": g.device,
                "claimed_at": s.accounts.claimed_at(&g.network),
            })
        })
        .collect();
    tracing::info!(devices = ok.len(), "session opened");
    (
        StatusCode::OK,
        [(header::SET_COOKIE, cookie)],
        axum::Json(serde_json::json!({
            "networks": networks,
            "refused": refused.map(|r| r.to_string()),
            "session": auth::session_mark(&cookie_value.join(".")),
        })),
    )
        .into_response()
}

/// `GET /sync`: checks origin, the session's mark when the browser sends one, and the device
/// tokens before upgrading.
async fn upgrade(
    State(s): State<Arc<SyncService>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    ws: WebSocketUpgrade,
) -> Response {
    let origin = header_str(&headers, header::ORIGIN);
    if !auth::origin_allowed(origin, header_str(&headers, header::HOST), &s.allowed_origins) {
        tracing::warn!(origin = origin.unwrap_or(""), "sync refused: origin not allowed");
        return refuse(StatusCode::FORBIDDEN, "origin not allowed");
    }
    let tokens = auth::token_from_headers(&headers).unwrap_or_default();
    // The browser's mark of the cookie it was given (`/session`): another cookie is not it.
    let mark =
        uri.query().into_iter().flat_map(|q| q.split('&')).find_map(|p| p.strip_prefix("s="));
    if mark.is_some_and(|m| m != auth::session_mark(&tokens)) {
        tracing::info!("sync refused: the session cookie is not the one this browser was given");
        return refuse(StatusCode::UNAUTHORIZED, "the session cookie was replaced");
    }
    let (ok, refused) = s.grants_now(&tokens).await;
    if ok.is_empty() {
        let reason = refused.unwrap_or(Refused::UnknownDevice);
        tracing::warn!(reason = %reason, "sync refused");
        return (StatusCode::UNAUTHORIZED, reason.to_string()).into_response();
    }
    // A browser's session with a device removed since it was given (a phone reconnecting
    // after it was away): refused, so it asks `/session` anew and learns which networks it
    // lost, rather than connect and have those networks' documents answered "unavailable".
    if mark.is_some()
        && let Some(reason) = refused
    {
        tracing::info!(reason = %reason, "sync refused: the session holds a device refused since");
        return refuse(
            StatusCode::UNAUTHORIZED,
            "a device of this session is refused since it was given",
        );
    }
    let grants: Vec<Grant> = ok.into_iter().map(|(_, g)| g).collect();
    let conn = s.next_conn.fetch_add(1, Ordering::Relaxed);
    let limit = s.max_message_bytes;
    ws.max_message_size(limit)
        .max_frame_size(limit)
        .on_failed_upgrade(move |e| tracing::warn!(conn, error = %e, "websocket upgrade failed"))
        .on_upgrade(move |socket| async move { s.accept(conn, socket, grants) })
}

impl SyncService {
    fn accept(self: Arc<Self>, conn: u64, socket: WebSocket, grants: Vec<Grant>) {
        tracing::info!(conn, "sync connection opened");
        let (mut ws_out, mut ws_in) = socket.split();
        let (out_tx, mut out_rx) = mpsc::channel::<Out>(1024);
        let engine = self.engine.clone();
        let timeouts = self.timeouts.clone();
        let kill = Arc::new(tokio::sync::Notify::new());
        let killed = kill.clone();

        // Writer: everything to the socket goes through one queue, so an `error` is ordered
        // after what the engine already sent; pings keep proxies and the idle check honest.
        let writer = tokio::spawn(async move {
            let mut ping = tokio::time::interval(timeouts.ping_every);
            ping.tick().await;
            loop {
                let msg = tokio::select! {
                    msg = out_rx.recv() => match msg {
                        Some(Out::Binary(bytes)) => WsMessage::Binary(bytes.into()),
                        Some(Out::Close) | None => break,
                    },
                    _ = ping.tick() => WsMessage::Ping(Vec::new().into()),
                    _ = killed.notified() => break,
                };
                if ws_out.send(msg).await.is_err() {
                    break;
                }
            }
            let _ = ws_out.close().await;
            tracing::info!(conn, "sync connection closed");
        });

        tokio::spawn(async move {
            if !engine.send(Event::Open { conn, out: out_tx.clone(), kill, grants }).await {
                tracing::warn!(conn, "sync connection refused: the server is stopping");
                writer.abort();
                return;
            }
            let mut bytes_in = 0u64;
            // The handshake is due by a fixed time (pings do not postpone it); after it, any
            // frame, pongs included, counts as life.
            let handshake_due = tokio::time::Instant::now() + timeouts.handshake;
            let reason = loop {
                let due = if bytes_in == 0 {
                    handshake_due
                } else {
                    tokio::time::Instant::now() + timeouts.idle
                };
                let next = tokio::select! {
                    next = tokio::time::timeout_at(due, ws_in.next()) => next,
                    // The engine closed it (error sent, or the server stops).
                    _ = out_tx.closed() => break None,
                };
                let frame = match next {
                    Err(_) if bytes_in == 0 => {
                        break Some(format!(
                            "{} within {} s",
                            refusal::NO_HANDSHAKE,
                            timeouts.handshake.as_secs()
                        ));
                    }
                    Err(_) => {
                        break Some(format!("{} for {} s", refusal::IDLE, timeouts.idle.as_secs()));
                    }
                    Ok(frame) => frame,
                };
                match frame {
                    None | Some(Ok(WsMessage::Close(_))) => {
                        tracing::info!(conn, bytes_in, "peer closed");
                        break None;
                    }
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                    Some(Ok(WsMessage::Binary(data))) => {
                        bytes_in += data.len() as u64;
                        if !engine.send(Event::Frame { conn, bytes: data.to_vec() }).await {
                            break None;
                        }
                    }
                    Some(Ok(WsMessage::Text(_))) => {
                        break Some("text frames are not part of the protocol".into());
                    }
                    Some(Err(e)) => break Some(format!("connection error: {e}")),
                }
            };
            if let Some(reason) = reason {
                tracing::warn!(conn, reason = %reason, "closing sync connection");
                let error = Message::Error { message: reason }.encode();
                let _ = out_tx.try_send(Out::Binary(error));
                let _ = out_tx.try_send(Out::Close);
            }
            engine.send(Event::Closed { conn }).await;
            drop(out_tx);
            // The writer ends once the engine's copy of the queue is dropped too.
            let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
        });
    }
}
