//! This tab's sync with the server: the WebSocket transport (the only code that touches it),
//! reconnecting with backoff, driving core's sans-IO session, and the sync status the UI shows.
//!
//! Flow: with an access key on the device, `POST /session` sets the session cookie, then
//! `/sync` opens and core's `Session` runs the handshake. Every network this device knows
//! is opened on the connection (a network joined by invite starts empty and is requested).
//! Remote changes are merged into the document, saved to IndexedDB, and announced through
//! [`SyncCtx::changed`] so open pages re-read it. Local changes go out from
//! [`SyncNode::local_change`]. Sync state is persisted per (document, server storage id).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use futures::channel::mpsc;
use futures::{FutureExt, SinkExt, StreamExt, select};
use gloo_net::websocket::{Message as WsMessage, futures::WebSocket};
use juntas_core::sync::message::{PeerId, StorageId};
use juntas_core::sync::session::pending_changes;
use juntas_core::sync::{Config, Incoming, Session};
use juntas_core::{DocumentId, store};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::local;
use crate::repo::{Repo, now_ms, random_bytes};

/// Why sync is not working, as the person is told (a closed set: architecture invariant 7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncError {
    /// The access key is wrong or missing on the server.
    Unauthorised,
    /// The server reported an error.
    Server(String),
    /// The server does not have a document this device asked for.
    Unavailable,
    /// This device's storage refused to save what arrived.
    StorageFull(String),
    /// The server speaks another protocol version.
    ProtocolVersion,
}

/// The tab's connection to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// This device has no access key: it works alone.
    NoServer,
    /// No connection (offline, or the server is down); retrying.
    Offline,
    Connecting,
    Online,
    Failed(SyncError),
}

/// How one document stands with the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocSync {
    /// Local changes the server is not known to have.
    pub pending: usize,
    /// Last time both had the same heads (ms since the epoch).
    pub synced_at: Option<i64>,
    pub unavailable: bool,
}

/// Reactive sync state for the UI.
#[derive(Clone, Copy)]
pub struct SyncCtx {
    pub link: RwSignal<Link>,
    pub docs: RwSignal<BTreeMap<DocumentId, DocSync>>,
    /// Bumped with the document's id whenever a remote change was merged.
    pub changed: RwSignal<(u64, Option<DocumentId>)>,
    node: StoredValue<Rc<SyncNode>, LocalStorage>,
}

impl SyncCtx {
    pub fn node(&self) -> Rc<SyncNode> {
        self.node.get_value()
    }

    /// Whether any document has changes the server does not have (warn before closing).
    pub fn has_pending(&self) -> bool {
        self.docs.with_untracked(|d| d.values().any(|s| s.pending > 0))
    }
}

pub fn use_sync() -> SyncCtx {
    expect_context::<SyncCtx>()
}

struct Conn {
    session: Session,
    out: mpsc::UnboundedSender<Vec<u8>>,
}

/// The tab's sync node.
pub struct SyncNode {
    repo: Rc<Repo>,
    peer_id: PeerId,
    storage_id: StorageId,
    conn: RefCell<Option<Conn>>,
    /// Documents to keep in sync beyond the known networks (just joined by invite).
    wanted: RefCell<BTreeSet<DocumentId>>,
    ui: RefCell<Option<SyncCtx>>,
    /// Wakes the reconnect loop early (the browser came back online, a key was entered).
    wake: RefCell<Option<mpsc::UnboundedSender<()>>>,
}

const BACKOFF_START_MS: u32 = 500;
const BACKOFF_MAX_MS: u32 = 5_000;

/// Starts the node and its reconnect loop; provides [`SyncCtx`].
pub fn start(repo: Rc<Repo>) -> SyncCtx {
    let node = Rc::new(SyncNode {
        repo,
        peer_id: PeerId(format!("tab-{}", hex(&random_bytes::<8>()))),
        storage_id: StorageId(local::storage_id()),
        conn: RefCell::new(None),
        wanted: RefCell::new(BTreeSet::new()),
        ui: RefCell::new(None),
        wake: RefCell::new(None),
    });
    let ctx = SyncCtx {
        link: RwSignal::new(Link::NoServer),
        docs: RwSignal::new(BTreeMap::new()),
        changed: RwSignal::new((0, None)),
        node: StoredValue::new_local(node.clone()),
    };
    *node.ui.borrow_mut() = Some(ctx);
    let (wake_tx, wake_rx) = mpsc::unbounded();
    *node.wake.borrow_mut() = Some(wake_tx);
    let online = {
        let node = node.clone();
        gloo_events::EventListener::new(&gloo_utils::window(), "online", move |_| node.wake())
    };
    online.forget();
    // Emulated or real loss of network does not always close an open WebSocket; the browser's
    // `offline` event does close ours, so pending counts and the badge tell the truth.
    let offline = {
        let node = node.clone();
        gloo_events::EventListener::new(&gloo_utils::window(), "offline", move |_| {
            node.conn.borrow_mut().take();
        })
    };
    offline.forget();
    let unload = {
        gloo_events::EventListener::new_with_options(
            &gloo_utils::window(),
            "beforeunload",
            gloo_events::EventListenerOptions::enable_prevent_default(),
            move |event| {
                if ctx.has_pending() {
                    event.prevent_default();
                    if let Some(e) = event.dyn_ref::<web_sys::BeforeUnloadEvent>() {
                        e.set_return_value("unsynced");
                    }
                }
            },
        )
    };
    unload.forget();
    spawn_local(run(node, wake_rx));
    ctx
}

use wasm_bindgen::JsCast;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl SyncNode {
    fn ui(&self) -> SyncCtx {
        self.ui.borrow().expect("set at start")
    }

    fn set_link(&self, link: Link) {
        let ui = self.ui();
        if ui.link.get_untracked() != link {
            ui.link.set(link);
        }
    }

    fn wake(&self) {
        if let Some(tx) = self.wake.borrow().as_ref() {
            let _ = tx.unbounded_send(());
        }
    }

    /// Keeps `id` in sync from now on: a document just opened or created, or one this device
    /// does not have yet (joined by invite), which the server is then asked for.
    pub fn want(self: &Rc<Self>, id: DocumentId) {
        self.wanted.borrow_mut().insert(id);
        let node = self.clone();
        spawn_local(async move {
            node.open_doc(id).await;
            node.refresh_status(id).await;
        });
    }

    /// A new access key was stored: try to connect now.
    pub fn key_changed(&self) {
        self.wake();
    }

    fn documents(&self) -> BTreeSet<DocumentId> {
        let mut all: BTreeSet<DocumentId> =
            local::networks().iter().filter_map(|n| n.id.parse().ok()).collect();
        all.extend(self.wanted.borrow().iter().copied());
        all
    }

    /// After a local command on `id`: send it and refresh the pending count.
    pub async fn local_change(self: &Rc<Self>, id: DocumentId) {
        // A document created since the handshake is opened on the connection first.
        self.open_doc(id).await;
        let Ok(handle) = self.repo.handle_or_empty(id).await else { return };
        let mut doc = handle.lock().await;
        let msg = {
            let mut conn = self.conn.borrow_mut();
            conn.as_mut().and_then(|c| {
                c.session.update(now_ms() as u64, id, doc.doc_mut()).map(|m| (m, c.out.clone()))
            })
        };
        if let Some((msg, out)) = msg {
            let _ = out.unbounded_send(msg);
        }
        drop(doc);
        self.refresh_status(id).await;
    }

    /// Recomputes how `id` stands with the server (also offline, from the persisted state).
    pub async fn refresh_status(&self, id: DocumentId) {
        let Ok(handle) = self.repo.handle_or_empty(id).await else { return };
        let saved = match self.server_storage() {
            Some(s) => store::load_sync_state(self.repo.storage(), &id, &s).await.ok().flatten(),
            None => None,
        };
        let mut doc = handle.lock().await;
        let live = {
            let conn = self.conn.borrow();
            conn.as_ref().and_then(|c| c.session.status(&id, doc.doc_mut()))
        };
        let status = match live {
            Some(s) => DocSync {
                pending: s.pending,
                synced_at: s.last_synced_at.map(|t| t as i64),
                unavailable: s.unavailable,
            },
            None => {
                let shared = saved
                    .and_then(|b| automerge::sync::State::decode(&b).ok())
                    .map(|s| s.shared_heads)
                    .unwrap_or_default();
                let previous = self.ui().docs.with_untracked(|d| d.get(&id).cloned());
                DocSync {
                    pending: pending_changes(doc.doc_mut(), &shared),
                    synced_at: previous.as_ref().and_then(|p| p.synced_at),
                    unavailable: false,
                }
            }
        };
        drop(doc);
        let ui = self.ui();
        if ui.docs.with_untracked(|d| d.get(&id) != Some(&status)) {
            ui.docs.update(|d| {
                d.insert(id, status);
            });
        }
    }

    fn server_storage(&self) -> Option<String> {
        self.conn
            .borrow()
            .as_ref()
            .and_then(|c| c.session.remote_storage().map(|s| s.0.clone()))
            .or_else(local::server_storage_id)
    }

    async fn open_doc(self: &Rc<Self>, id: DocumentId) {
        let saved = match self.server_storage() {
            Some(server) => {
                store::load_sync_state(self.repo.storage(), &id, &server).await.ok().flatten()
            }
            None => None,
        };
        let Ok(handle) = self.repo.handle_or_empty(id).await else { return };
        let mut doc = handle.lock().await;
        let msg = {
            let mut conn = self.conn.borrow_mut();
            conn.as_mut().and_then(|c| {
                if !c.session.is_ready() || c.session.is_open(&id) {
                    return None;
                }
                c.session.open_doc(id, doc.doc_mut(), saved.as_deref()).map(|m| (m, c.out.clone()))
            })
        };
        if let Some((msg, out)) = msg {
            let _ = out.unbounded_send(msg);
        }
    }

    async fn on_message(self: &Rc<Self>, bytes: &[u8]) -> Result<(), Option<SyncError>> {
        let incoming = {
            let mut conn = self.conn.borrow_mut();
            let Some(c) = conn.as_mut() else { return Err(None) };
            match c.session.receive(bytes) {
                Ok(i) => i,
                Err(e) => {
                    let _ = c.out.unbounded_send(Session::error_message(&e));
                    let reason = match e {
                        juntas_core::sync::ProtocolError::Version { .. } => {
                            SyncError::ProtocolVersion
                        }
                        other => SyncError::Server(other.to_string()),
                    };
                    return Err(Some(reason));
                }
            }
        };
        match incoming {
            Incoming::Ready { reply, metadata, .. } => {
                if let Some(reply) = reply
                    && let Some(c) = self.conn.borrow().as_ref()
                {
                    let _ = c.out.unbounded_send(reply);
                }
                if let Some(s) = metadata.storage_id.filter(|_| !metadata.is_ephemeral) {
                    let _ = local::set_server_storage_id(&s.0);
                }
                self.set_link(Link::Online);
                for id in self.documents() {
                    self.open_doc(id).await;
                    self.refresh_status(id).await;
                }
            }
            Incoming::Sync { document_id, message, request } => {
                let handle = match self.repo.handle_or_empty(document_id).await {
                    Ok(h) => h,
                    Err(e) => return Err(Some(SyncError::Server(e.to_string()))),
                };
                let mut doc = handle.lock().await;
                if request && doc.doc_mut().get_heads().is_empty() {
                    let out = {
                        let mut conn = self.conn.borrow_mut();
                        conn.as_mut().and_then(|c| {
                            c.session.unavailable(document_id).map(|m| (m, c.out.clone()))
                        })
                    };
                    if let Some((m, out)) = out {
                        let _ = out.unbounded_send(m);
                    }
                    return Ok(());
                }
                let applied = {
                    let mut conn = self.conn.borrow_mut();
                    let Some(c) = conn.as_mut() else { return Err(None) };
                    match c.session.apply(now_ms() as u64, document_id, doc.doc_mut(), message) {
                        Ok(a) => {
                            if let Some(reply) = a.reply.clone() {
                                let _ = c.out.unbounded_send(reply);
                            }
                            let state = c.session.sync_state(&document_id);
                            let storage = c.session.remote_storage().map(|s| s.0.clone());
                            Ok((a.changed, state, storage))
                        }
                        Err(e) => {
                            let _ = c.out.unbounded_send(Session::error_message(&e));
                            Err(e)
                        }
                    }
                };
                let (changed, state, storage) =
                    applied.map_err(|e| Some(SyncError::Server(e.to_string())))?;
                if changed && let Err(e) = doc.save(self.repo.storage()).await {
                    drop(doc);
                    self.set_link(Link::Failed(SyncError::StorageFull(e.to_string())));
                    return Ok(());
                }
                drop(doc);
                if let (Some(state), Some(storage)) = (state, storage)
                    && let Err(e) =
                        store::save_sync_state(self.repo.storage(), &document_id, &storage, &state)
                            .await
                {
                    self.set_link(Link::Failed(SyncError::StorageFull(e.to_string())));
                }
                if changed {
                    let ui = self.ui();
                    ui.changed.update(|(n, id)| {
                        *n += 1;
                        *id = Some(document_id);
                    });
                }
                self.refresh_status(document_id).await;
            }
            Incoming::Unavailable { document_id } => {
                self.refresh_status(document_id).await;
            }
            Incoming::RemoteError { message } => return Err(Some(SyncError::Server(message))),
            Incoming::Leave => return Err(None),
            Incoming::Ephemeral { .. } | Incoming::Ignored { .. } => {}
        }
        Ok(())
    }
}

enum Attempt {
    /// The connection ran and then closed.
    Closed,
    Offline,
    Failed(SyncError),
    NoKey,
}

async fn run(node: Rc<SyncNode>, mut wake: mpsc::UnboundedReceiver<()>) {
    let mut backoff = BACKOFF_START_MS;
    loop {
        let attempt = connect_once(&node).await;
        *node.conn.borrow_mut() = None;
        match attempt {
            Attempt::Closed => {
                backoff = BACKOFF_START_MS;
                node.set_link(Link::Offline);
            }
            Attempt::Offline => node.set_link(Link::Offline),
            Attempt::Failed(e) => node.set_link(Link::Failed(e)),
            Attempt::NoKey => node.set_link(Link::NoServer),
        }
        for id in node.documents() {
            node.refresh_status(id).await;
        }
        let sleep = gloo_timers::future::TimeoutFuture::new(backoff).fuse();
        futures::pin_mut!(sleep);
        select! {
            _ = sleep => {}
            _ = wake.next() => { backoff = BACKOFF_START_MS; }
        }
        backoff = (backoff * 2).min(BACKOFF_MAX_MS);
    }
}

async fn connect_once(node: &Rc<SyncNode>) -> Attempt {
    let Some(key) = local::access_key() else { return Attempt::NoKey };
    if !gloo_utils::window().navigator().on_line() {
        return Attempt::Offline;
    }
    node.set_link(Link::Connecting);
    match gloo_net::http::Request::post("/session").body(key) {
        Ok(req) => match req.send().await {
            Ok(resp) if resp.ok() => {}
            Ok(resp) if resp.status() == 401 => return Attempt::Failed(SyncError::Unauthorised),
            Ok(resp) => {
                let text = resp.text().await.unwrap_or_default();
                return Attempt::Failed(SyncError::Server(format!("{} {text}", resp.status())));
            }
            Err(_) => return Attempt::Offline,
        },
        Err(_) => return Attempt::Offline,
    }
    let location = gloo_utils::window().location();
    let scheme = if location.protocol().as_deref() == Ok("https:") { "wss" } else { "ws" };
    let host = location.host().unwrap_or_default();
    let Ok(ws) = WebSocket::open(&format!("{scheme}://{host}/sync")) else {
        return Attempt::Offline;
    };
    let (mut ws_out, ws_in) = ws.split();
    let mut ws_in = ws_in.fuse();
    let (out_tx, mut out_rx) = mpsc::unbounded::<Vec<u8>>();
    let (session, join) = Session::dial(Config {
        peer_id: node.peer_id.clone(),
        storage_id: Some(node.storage_id.clone()),
        is_ephemeral: false,
    });
    let _ = out_tx.unbounded_send(join);
    // The connection's only sender lives in `conn`: dropping it (the `offline` event) ends
    // the loop below.
    *node.conn.borrow_mut() = Some(Conn { session, out: out_tx });
    let mut handshake_done = false;
    loop {
        select! {
            msg = out_rx.next() => {
                let Some(bytes) = msg else { return Attempt::Closed };
                if ws_out.send(WsMessage::Bytes(bytes)).await.is_err() {
                    return if handshake_done { Attempt::Closed } else { Attempt::Offline };
                }
            }
            msg = ws_in.next() => match msg {
                Some(Ok(WsMessage::Bytes(bytes))) => {
                    match node.on_message(&bytes).await {
                        Ok(()) => handshake_done = node.conn.borrow().as_ref().is_some_and(|c| c.session.is_ready()),
                        Err(Some(e)) => {
                            // Flush the error message we queued, then give up on this connection.
                            while let Ok(bytes) = out_rx.try_recv() {
                                let _ = ws_out.send(WsMessage::Bytes(bytes)).await;
                            }
                            return Attempt::Failed(e);
                        }
                        Err(None) => return Attempt::Closed,
                    }
                }
                Some(Ok(WsMessage::Text(_))) => {}
                Some(Err(_)) | None => {
                    return if handshake_done { Attempt::Closed } else { Attempt::Offline };
                }
            }
        }
    }
}
