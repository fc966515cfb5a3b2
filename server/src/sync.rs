//! `/sync` and `/session`: authenticated WebSocket connections handed to samod, with every
//! inbound frame checked against the protocol before samod sees it.
//!
//! A frame that is not a well-formed automerge-repo message (garbage CBOR, text, oversize)
//! gets an `error` message and closes that connection only. samod stores documents with its
//! filesystem storage under `<data>/docs` (the nodefs layout) and never announces documents:
//! a client receives only what it asks for by id.

use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt, future, stream};
use juntas_core::sync::Message;
use samod::storage::TokioFilesystemStorage;
use samod::{AcceptorHandle, PeerId, Repo, ShareConfig};

use crate::auth::{self, AccessKey};

/// Largest WebSocket message (and frame) accepted. The largest legitimate message is the
/// first sync of the biggest document; `cargo xtask bench` measures it (see ARCHITECTURE.md).
/// axum's default is 64 MiB.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// Everything `/sync` and `/session` need.
pub struct SyncService {
    repo: Repo,
    acceptor: AcceptorHandle,
    key: AccessKey,
    allowed_origins: Vec<String>,
    max_message_bytes: usize,
    next_conn: AtomicU64,
}

impl SyncService {
    /// Starts samod over `<data_dir>/docs`.
    pub async fn start(
        data_dir: &Path,
        key: AccessKey,
        allowed_origins: Vec<String>,
    ) -> anyhow::Result<Arc<SyncService>> {
        let storage = TokioFilesystemStorage::new(data_dir.join("docs"));
        let repo = Repo::build_tokio()
            .with_storage(storage)
            .with_peer_id(PeerId::from("juntas-server"))
            .with_share_policy(ShareConfig::read_write().with_announce(false))
            .load()
            .await;
        let acceptor = repo
            .make_acceptor("ws://juntas-server/sync".parse()?)
            .map_err(|_| anyhow::anyhow!("the sync repository stopped while starting"))?;
        Ok(Arc::new(SyncService {
            repo,
            acceptor,
            key,
            allowed_origins,
            max_message_bytes: MAX_MESSAGE_BYTES,
            next_conn: AtomicU64::new(1),
        }))
    }

    /// Closes every connection and flushes storage.
    pub async fn stop(&self) {
        self.repo.stop().await;
        tracing::info!("sync stopped; storage flushed");
    }

    /// The samod repository (tests read documents through it).
    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    /// Lowers the message size limit (tests).
    pub fn with_max_message_bytes(self: Arc<Self>, bytes: usize) -> Arc<Self> {
        let mut s = Arc::into_inner(self).expect("set before serving");
        s.max_message_bytes = bytes;
        Arc::new(s)
    }

    pub fn routes(self: Arc<Self>) -> Router {
        Router::new().route("/sync", get(upgrade)).route("/session", post(session)).with_state(self)
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn refuse(status: StatusCode, reason: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], reason).into_response()
}

/// `POST /session` with the access key as the body: a session cookie (and the token, for
/// clients that are not browsers).
async fn session(State(s): State<Arc<SyncService>>, headers: HeaderMap, body: String) -> Response {
    let origin = header_str(&headers, header::ORIGIN);
    if !auth::origin_allowed(origin, header_str(&headers, header::HOST), &s.allowed_origins) {
        tracing::warn!(origin = origin.unwrap_or(""), "session refused: origin not allowed");
        return refuse(StatusCode::FORBIDDEN, "origin not allowed");
    }
    if !s.key.matches(&body) {
        tracing::warn!("session refused: wrong access key");
        return refuse(StatusCode::UNAUTHORIZED, "wrong access key");
    }
    let token = s.key.issue(now_secs());
    let secure = if origin.is_some_and(|o| o.starts_with("https://")) { "; Secure" } else { "" };
    let cookie = format!(
        "{}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        auth::COOKIE,
        auth::TOKEN_LIFETIME_SECS
    );
    tracing::info!("session opened");
    (
        StatusCode::OK,
        [(header::SET_COOKIE, cookie), (header::CONTENT_TYPE, "application/json".into())],
        format!("{{\"token\":\"{token}\"}}"),
    )
        .into_response()
}

/// `GET /sync`: checks origin and token before upgrading.
async fn upgrade(
    State(s): State<Arc<SyncService>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let origin = header_str(&headers, header::ORIGIN);
    if !auth::origin_allowed(origin, header_str(&headers, header::HOST), &s.allowed_origins) {
        tracing::warn!(origin = origin.unwrap_or(""), "sync refused: origin not allowed");
        return refuse(StatusCode::FORBIDDEN, "origin not allowed");
    }
    let authorised =
        auth::token_from_headers(&headers).is_some_and(|t| s.key.verify(&t, now_secs()));
    if !authorised {
        tracing::warn!("sync refused: no valid session");
        return refuse(StatusCode::UNAUTHORIZED, "no valid session");
    }
    let conn = s.next_conn.fetch_add(1, Ordering::Relaxed);
    let limit = s.max_message_bytes;
    ws.max_message_size(limit)
        .max_frame_size(limit)
        .on_failed_upgrade(move |e| tracing::warn!(conn, error = %e, "websocket upgrade failed"))
        .on_upgrade(move |socket| async move { s.accept(conn, socket) })
}

impl SyncService {
    fn accept(&self, conn: u64, socket: WebSocket) {
        tracing::info!(conn, "sync connection opened");
        let (mut ws_out, ws_in) = socket.split();
        let (out_tx, mut out_rx) = mpsc::channel::<WsMessage>(64);

        // Writer: everything to the socket goes through one queue, so an `error` message
        // is ordered after what samod already sent.
        tokio::spawn(async move {
            while let Some(msg) = out_rx.next().await {
                let closing = matches!(msg, WsMessage::Close(_));
                if ws_out.send(msg).await.is_err() || closing {
                    break;
                }
            }
            let _ = ws_out.close().await;
            tracing::info!(conn, "sync connection closed");
        });

        let inbound = stream::unfold(
            (ws_in, out_tx.clone(), 0u64),
            move |(mut ws_in, mut out, mut bytes)| async move {
                loop {
                    let reason = match ws_in.next().await {
                        None | Some(Ok(WsMessage::Close(_))) => {
                            tracing::info!(conn, bytes_in = bytes, "peer closed");
                            return None;
                        }
                        Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
                        Some(Ok(WsMessage::Binary(data))) => match Message::decode(&data) {
                            Ok(_) => {
                                bytes += data.len() as u64;
                                return Some((
                                    Ok::<_, Infallible>(data.to_vec()),
                                    (ws_in, out, bytes),
                                ));
                            }
                            Err(e) => format!("malformed message: {e}"),
                        },
                        Some(Ok(WsMessage::Text(_))) => {
                            "text frames are not part of the protocol".into()
                        }
                        Some(Err(e)) => format!("connection error: {e}"),
                    };
                    tracing::warn!(conn, reason = %reason, "closing sync connection");
                    let error = Message::Error { message: reason }.encode();
                    let _ = out.send(WsMessage::Binary(error.into())).await;
                    let _ = out.send(WsMessage::Close(None)).await;
                    return None;
                }
            },
        );
        let sink = out_tx.with(|bytes: Vec<u8>| {
            future::ready(Ok::<_, mpsc::SendError>(WsMessage::Binary(bytes.into())))
        });
        let transport = samod::Transport::new(Box::pin(inbound), sink);
        if self.acceptor.accept(transport).is_err() {
            tracing::warn!(conn, "sync connection refused: the repository is stopping");
        }
    }
}
