//! This tab's sync node: one core `Session` per peer (the server over a WebSocket, and every
//! other tab of this browser over a BroadcastChannel), the merge of what they send, and the
//! sync status the UI shows.
//!
//! Each tab is its own node with its own storage handle (architecture invariant 8). Remote
//! changes are merged into the document, saved to IndexedDB, passed on to the node's other
//! peers (so a tab that is offline still hears what another tab got from the server and the
//! reverse), and announced per document through [`SyncCtx::notify`] so open pages re-read it. Local changes
//! go out from [`SyncNode::local_change`]. Sync state is persisted per (document, server
//! storage id); tabs share this browser's storage, so their sessions start fresh and cheap.
//! The transports live in [`server`](mod@server) and [`tabs`](mod@tabs).

pub mod server;
pub mod tabs;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use automerge::AutoCommit;
use futures::channel::mpsc;
use juntas_core::set_aside::SetAside;
use juntas_core::sync::message::{PeerId, StorageId};
use juntas_core::sync::session::pending_changes;
use juntas_core::sync::{Config, Incoming, ProtocolError, Session};
use juntas_core::{DocumentId, order, store};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::local;
use crate::readings::Job;
use crate::repo::{Repo, SyncFacts, now_ms, random_bytes};

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
    /// This device has no access key: it works alone (and with its other tabs).
    NoServer,
    /// No connection (offline, or the server is down); retrying.
    Offline,
    /// The server answers over HTTP, but the sync's WebSocket has not opened in several
    /// attempts in a row (some school networks let none through); retrying.
    NotOpened,
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
    /// The server refused a change to it, for this reason: it stays on this device and is
    /// not sent again until she retries.
    pub refused: Option<String>,
    /// The server refused this device's registration in the document's network (see
    /// [`SyncCtx::denied`]): its changes are not waiting to be sent, they stay here.
    pub denied: bool,
    /// This device is not registered in the document's network (the example network, one
    /// imported or made here before an invite): it never goes to the server, so its changes
    /// are not waiting to be sent either; they stay here. Like `denied`, only said of a
    /// document with changes pending (it matters for nothing else).
    pub unregistered: bool,
}

impl DocSync {
    /// Whether it has changes that wait to go to the server (a refused document's, or those
    /// of a network this device may not send to, stay on this device instead).
    pub fn waits_to_be_sent(&self) -> bool {
        self.pending > 0 && !self.denied && !self.unregistered && self.refused.is_none()
    }

    /// How many of its changes wait to go to the server (see [`Self::waits_to_be_sent`]).
    pub fn to_send(&self) -> usize {
        if self.waits_to_be_sent() { self.pending } else { 0 }
    }
}

/// How a rebuild went.
enum Rebuild {
    Done,
    /// Another tab had rebuilt it already.
    Elsewhere,
    /// It stays refused (logged).
    Failed,
}

/// Announces a rebuilt document to the other tabs.
type TellTabs = Rc<dyn Fn(DocumentId)>;

/// One change counter per document.
type Counters = BTreeMap<DocumentId, ArcRwSignal<u64>>;

/// Reactive sync state for the UI.
#[derive(Clone, Copy)]
pub struct SyncCtx {
    pub link: RwSignal<Link>,
    pub docs: RwSignal<BTreeMap<DocumentId, DocSync>>,
    /// Edits set aside after a refused change, per document (see `SyncNode::rebuild`).
    pub set_aside: RwSignal<BTreeMap<DocumentId, Vec<SetAside>>>,
    /// Documents whose set-aside edits this device could not list in localStorage (full):
    /// stored, and shown now, but a later start would not look for them, so she is told.
    pub set_aside_unlisted: RwSignal<BTreeSet<DocumentId>>,
    /// Documents whose set-aside edits this device cannot read (damaged, or storage failing):
    /// said with why, never shown as none. They stay stored as they are.
    pub set_aside_unreadable: RwSignal<BTreeMap<DocumentId, crate::error::AppError>>,
    /// The networks this device is registered in whose registration the server refused at
    /// its last `/session` answer (removed from that network): their documents no longer go
    /// to the server, and their pages say why.
    pub denied: RwSignal<BTreeSet<String>>,
    /// The networks this device is registered in (whether the server refused it there or
    /// not): the documents of the others stay on this device, and their pages say so
    /// ([`DocSync::unregistered`]).
    pub registered: RwSignal<BTreeSet<String>>,
    /// One change counter per document (made on first watch): several documents changed
    /// at once each bump their own, so no change is coalesced away.
    changes: StoredValue<Rc<RefCell<Counters>>, LocalStorage>,
    node: StoredValue<Rc<SyncNode>, LocalStorage>,
}

impl SyncCtx {
    pub fn node(&self) -> Rc<SyncNode> {
        self.node.get_value()
    }

    fn counter(&self, id: DocumentId) -> ArcRwSignal<u64> {
        self.changes.with_value(|c| c.borrow_mut().entry(id).or_default().clone())
    }

    /// Subscribes the running effect or memo to changes of `id` (local or remote); returns
    /// how many there have been.
    pub fn watch(&self, id: DocumentId) -> u64 {
        self.counter(id).get()
    }

    /// Tells everything watching `id` that it changed.
    pub fn notify(&self, id: DocumentId) {
        let counter = self.changes.with_value(|c| c.borrow().get(&id).cloned());
        if let Some(counter) = counter {
            counter.update(|n| *n += 1);
        }
    }

    /// Whether any document has changes the server does not have and would take (warn before
    /// closing): not one the server refused, nor one of a network that refused this device or
    /// that it is not registered in (those wait for her, stored, whatever the tab does).
    pub fn has_pending(&self) -> bool {
        self.docs.with_untracked(|d| d.values().any(DocSync::waits_to_be_sent))
    }
}

pub fn use_sync() -> SyncCtx {
    expect_context::<SyncCtx>()
}

/// Who a session is with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Peer {
    Server,
    /// Another tab of this browser, by its peer id.
    Tab(String),
}

/// Hands one encoded message to a transport. Dropping it may end the transport's connection
/// (the server's loop ends when its last sender is gone).
type Send = Rc<dyn Fn(Vec<u8>)>;

struct Conn {
    session: Session,
    send: Send,
}

/// The tab's sync node.
pub struct SyncNode {
    repo: Rc<Repo>,
    peer_id: PeerId,
    storage_id: StorageId,
    conns: RefCell<BTreeMap<Peer, Conn>>,
    /// Documents to keep in sync beyond the known networks (just joined by invite).
    wanted: RefCell<BTreeSet<DocumentId>>,
    ui: RefCell<Option<SyncCtx>>,
    /// Tells the other tabs that this tab rebuilt a document (set by the tab transport).
    tell_tabs: RefCell<Option<TellTabs>>,
    /// Wakes the server's reconnect loop early (back online, a key was entered).
    wake: RefCell<Option<mpsc::UnboundedSender<()>>>,
    /// Networks this device is registered in and the server's last `/session` answer did not
    /// refuse: only their documents go to the server (the server refuses anything else, and
    /// would close the connection for it).
    granted: RefCell<BTreeSet<String>>,
    /// The registrations (tokens) the server connection last asked with, and how many times a
    /// registration was added since this tab started: an attempt that started before the last
    /// one gives way to a new one ([`SyncNode::key_changed`]).
    dialled: RefCell<BTreeSet<String>>,
    keys_changed: std::cell::Cell<u64>,
    /// The network each document belongs to, once read (it never changes).
    owners: RefCell<BTreeMap<DocumentId, String>>,
    /// Documents the server refused a change to, and why (kept in localStorage).
    refused: RefCell<BTreeMap<DocumentId, String>>,
    /// When this tab last signed each document (ms), and those with a signature due later.
    signed_at: RefCell<BTreeMap<DocumentId, f64>>,
    sign_due: RefCell<BTreeSet<DocumentId>>,
    /// The page is hidden (the phone put away, the tab closing): what this tab changes is
    /// signed at once, not batched (the batch's timer may never run again).
    hidden: Cell<bool>,
    /// Refused documents being caught up with the server before a rebuild: the server's copy
    /// syncs into this scratch document, not into hers.
    catching_up: RefCell<BTreeMap<DocumentId, AutoCommit>>,
    /// Documents rebuilt by this tab: refused again, they stay refused (no loop).
    rebuilt: RefCell<BTreeSet<DocumentId>>,
    /// Per rebuilt document, the first changes it dropped (kept in localStorage for every tab).
    dropped: RefCell<BTreeMap<DocumentId, Vec<automerge::ChangeHash>>>,
    /// The heads whose [`SyncFacts`] this tab cached last, per document (not cached again).
    facts_kept: Rc<RefCell<BTreeMap<DocumentId, Vec<automerge::ChangeHash>>>>,
    /// Documents whose facts are to be cached when the timer of [`SyncNode::keep_facts`] fires.
    facts_due: Rc<RefCell<BTreeSet<DocumentId>>>,
}

/// How often a tab signs one document while she types: each signature is a small change
/// (about 150 bytes of history), and the server takes a device's unsigned changes as its
/// member's meanwhile.
const SIGN_EVERY_MS: f64 = 10_000.0;

/// How long after a document's status was counted from the document its facts are cached.
const FACTS_EVERY_MS: u32 = 2_000;

/// Starts the node and its transports; provides [`SyncCtx`].
pub fn start(repo: Rc<Repo>) -> SyncCtx {
    let node = Rc::new(SyncNode {
        repo,
        peer_id: PeerId(format!("tab-{}", hex(&random_bytes::<8>()))),
        storage_id: StorageId(local::storage_id()),
        conns: RefCell::new(BTreeMap::new()),
        wanted: RefCell::new(BTreeSet::new()),
        ui: RefCell::new(None),
        tell_tabs: RefCell::new(None),
        wake: RefCell::new(None),
        granted: RefCell::new(BTreeSet::new()),
        dialled: RefCell::new(BTreeSet::new()),
        keys_changed: std::cell::Cell::new(0),
        owners: RefCell::new(BTreeMap::new()),
        signed_at: RefCell::new(BTreeMap::new()),
        sign_due: RefCell::new(BTreeSet::new()),
        hidden: Cell::new(false),
        catching_up: RefCell::new(BTreeMap::new()),
        rebuilt: RefCell::new(BTreeSet::new()),
        dropped: RefCell::new(read_dropped()),
        facts_kept: Rc::default(),
        facts_due: Rc::default(),
        refused: RefCell::new(order::map_of(
            local::refused().into_iter().filter_map(|(k, v)| Some((k.parse().ok()?, v))),
        )),
    });
    let ctx = SyncCtx {
        link: RwSignal::new(Link::NoServer),
        docs: RwSignal::new(BTreeMap::new()),
        set_aside: RwSignal::new(BTreeMap::new()),
        set_aside_unlisted: RwSignal::new(BTreeSet::new()),
        set_aside_unreadable: RwSignal::new(BTreeMap::new()),
        denied: RwSignal::new(local::denied_networks()),
        registered: RwSignal::new(registered_networks()),
        changes: StoredValue::new_local(Rc::default()),
        node: StoredValue::new_local(node.clone()),
    };
    *node.ui.borrow_mut() = Some(ctx);
    let repo = node.repo.clone();
    let unload = gloo_events::EventListener::new_with_options(
        &gloo_utils::window(),
        "beforeunload",
        gloo_events::EventListenerOptions::enable_prevent_default(),
        move |event| {
            // Not stored on this device (or being written), or unsent to the server: closing
            // would lose it. What goes to no server (a network this device is not registered
            // in) waits stored on it, whether the tab stays open or not.
            if repo.unsaved().is_some() || repo.storing() || ctx.has_pending() {
                event.prevent_default();
                if let Some(e) = event.dyn_ref::<web_sys::BeforeUnloadEvent>() {
                    e.set_return_value("unsynced");
                }
            }
        },
    );
    unload.forget();
    server::start(node.clone());
    tabs::start(node.clone());
    let loading = node.clone();
    spawn_local(async move { loading.load_set_aside().await });
    ctx
}

/// The networks this device is registered in, from localStorage.
pub(crate) fn registered_networks() -> BTreeSet<String> {
    local::devices().into_iter().map(|d| d.network).collect()
}

/// The dropped changes every tab must not take again, from localStorage.
fn read_dropped() -> BTreeMap<DocumentId, Vec<automerge::ChangeHash>> {
    order::map_of(local::dropped().into_iter().filter_map(|(doc, hashes)| {
        let hashes = hashes.iter().filter_map(|h| h.parse().ok()).collect();
        Some((doc.parse().ok()?, hashes))
    }))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl SyncNode {
    fn ui(&self) -> SyncCtx {
        self.ui.borrow().expect("set at start")
    }

    fn config(&self) -> Config {
        Config {
            peer_id: self.peer_id.clone(),
            storage_id: Some(self.storage_id.clone()),
            is_ephemeral: false,
        }
    }

    /// How the link to the server stands now (untracked).
    fn link(&self) -> Link {
        self.ui().link.get_untracked()
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

    fn connect(&self, peer: Peer, session: Session, send: Send) {
        self.conns.borrow_mut().insert(peer, Conn { session, send });
    }

    fn disconnect(&self, peer: &Peer) {
        self.conns.borrow_mut().remove(peer);
    }

    /// Ends every session with another tab (they start again on the next `hello`).
    fn disconnect_tabs(&self) {
        self.conns.borrow_mut().retain(|p, _| *p == Peer::Server);
    }

    fn has(&self, peer: &Peer) -> bool {
        self.conns.borrow().contains_key(peer)
    }

    fn is_ready(&self, peer: &Peer) -> bool {
        self.conns.borrow().get(peer).is_some_and(|c| c.session.is_ready())
    }

    /// Runs `f` on the session with `peer` and sends what it returns.
    fn with_session(&self, peer: &Peer, f: impl FnOnce(&mut Session) -> Option<Vec<u8>>) {
        let out = {
            let mut conns = self.conns.borrow_mut();
            conns.get_mut(peer).and_then(|c| f(&mut c.session).map(|m| (m, c.send.clone())))
        };
        if let Some((bytes, send)) = out {
            send(bytes);
        }
    }

    /// Keeps `id` in sync from now on: a document just opened or created, or one this device
    /// does not have yet (joined by invite), which the peers are then asked for.
    pub fn want(self: &Rc<Self>, id: DocumentId) {
        self.wanted.borrow_mut().insert(id);
        let node = self.clone();
        spawn_local(async move {
            // After the page's own reads of it have started (they load it; this then finds it
            // in memory), and never in the same task as them.
            crate::tasks::yield_to_browser().await;
            node.open_doc(id).await;
            node.refresh_status(id).await;
        });
    }

    /// This device was registered in a network: connect again with its token, now (an attempt
    /// still on its way, which asked without it, gives way before it connects).
    pub fn key_changed(self: &Rc<Self>) {
        // Its documents wait for the server from now on (not from the connection's answer).
        self.set_registered(registered_networks());
        self.keys_changed.set(self.keys_changed.get() + 1);
        self.disconnect(&Peer::Server);
        self.wake();
    }

    /// This device was registered with `token`: [`Self::key_changed`], unless the server
    /// connection was already made (or is being made) with it (an invite redeemed as the app
    /// started is usually in the first connection: dropping it would cost a round trip).
    pub fn registered_with(self: &Rc<Self>, token: &str) {
        self.registered_with_any(std::iter::once(token));
    }

    /// This device's registrations are now `tokens` (another tab changed them):
    /// [`Self::key_changed`] if one of them is not in the connection made or being made.
    pub fn registered_with_any<'a>(self: &Rc<Self>, mut tokens: impl Iterator<Item = &'a str>) {
        if tokens.any(|t| !self.dialled.borrow().contains(t)) {
            self.key_changed();
        } else {
            self.set_registered(registered_networks());
        }
    }

    fn set_granted(&self, networks: BTreeSet<String>, tokens: BTreeSet<String>) {
        *self.granted.borrow_mut() = networks;
        *self.dialled.borrow_mut() = tokens;
    }

    /// This device is now registered in `networks` ([`SyncCtx::registered`]): when that
    /// changed, every document's status is counted again (those of the networks left out stay
    /// here, not sent).
    pub(crate) fn set_registered(self: &Rc<Self>, networks: BTreeSet<String>) {
        let ui = self.ui().registered;
        if ui.with_untracked(|r| *r != networks) {
            ui.set(networks);
            let node = self.clone();
            spawn_local(async move { node.refresh_all().await });
        }
    }

    /// The server's `/session` answer granted only `granted` of the networks this device is
    /// registered in: the others are denied until an answer grants them again (a new invite).
    fn set_denied(self: &Rc<Self>, registered: &BTreeSet<String>, granted: &BTreeSet<String>) {
        let denied: BTreeSet<String> = registered.difference(granted).cloned().collect();
        *self.granted.borrow_mut() = registered.intersection(granted).cloned().collect();
        if let Err(e) = local::set_denied_networks(&denied) {
            // Only a later start that reuses this session misses it (its page then says the
            // server lacks the documents); this tab says it now.
            leptos::logging::warn!("the networks refused are not kept: {e}");
        }
        self.show_denied(denied);
    }

    /// Shows `denied` as the networks refused (another tab's answer, when this one reuses its
    /// session). When that changes, every document's status is counted again: a denied
    /// network's changes are not waiting to be sent.
    fn show_denied(self: &Rc<Self>, denied: BTreeSet<String>) {
        let ui = self.ui().denied;
        if ui.with_untracked(|d| *d != denied) {
            ui.set(denied);
            let node = self.clone();
            spawn_local(async move { node.refresh_all().await });
        }
    }

    /// Counts every document's status again.
    async fn refresh_all(&self) {
        let mut all = self.documents();
        // And those counted through another tab or the server (not listed here).
        all.extend(self.ui().docs.with_untracked(|d| d.keys().copied().collect::<Vec<_>>()));
        for id in all {
            self.refresh_status(id).await;
        }
    }

    fn keys_changed(&self) -> u64 {
        self.keys_changed.get()
    }

    /// The network `doc` belongs to, from the document (an inquiry record through its
    /// inquiry, which must have been read before).
    fn network_of(&self, id: DocumentId, doc: &AutoCommit) -> Option<String> {
        if let Some(n) = self.owners.borrow().get(&id) {
            return Some(n.clone());
        }
        let network = match juntas_core::rules::owner_of(doc)? {
            juntas_core::rules::Owner::IsNetwork => id.to_string(),
            juntas_core::rules::Owner::Network(n) => n,
            juntas_core::rules::Owner::Inquiry(q) => {
                self.owners.borrow().get(&q.parse::<DocumentId>().ok()?)?.clone()
            }
        };
        self.owners.borrow_mut().insert(id, network.clone());
        Some(network)
    }

    /// Whether `doc` may go to the server: asking for a document this device does not have
    /// is always fine; sending one only when this device is registered in its network.
    fn server_may_have(&self, id: DocumentId, doc: &mut AutoCommit) -> bool {
        if self.refused.borrow().contains_key(&id) {
            return false;
        }
        if doc.get_heads().is_empty() {
            return true;
        }
        self.network_of(id, doc).is_some_and(|n| self.granted.borrow().contains(&n))
    }

    /// The server refused a change: `message` is "change refused: document <id>: <reason>".
    /// That document stops going to the server (the others go on); it keeps everything.
    fn refused_by_server(&self, message: &str) {
        let Some(rest) = message.strip_prefix(juntas_core::sync::refusal::CHANGE_REFUSED) else {
            return;
        };
        let rest = rest.trim_start_matches(':').trim().trim_start_matches("document ").trim();
        let Some((id, reason)) = rest.split_once(": ") else { return };
        let Ok(id) = id.parse::<DocumentId>() else { return };
        self.refused.borrow_mut().insert(id, reason.to_owned());
        self.keep_refused();
    }

    fn keep_refused(&self) {
        let all =
            order::map_of(self.refused.borrow().iter().map(|(k, v)| (k.to_string(), v.clone())));
        if let Err(e) = local::set_refused(&all) {
            leptos::logging::warn!("cannot remember a refused document: {e}");
        }
    }

    /// Sends the refused documents again (her role may have changed back); refused again,
    /// they are marked again.
    pub fn retry_refused(self: &Rc<Self>) {
        let ids: Vec<DocumentId> =
            std::mem::take(&mut *self.refused.borrow_mut()).into_keys().collect();
        for id in &ids {
            self.rebuilt.borrow_mut().remove(id);
            // Started over: the server's copy kept for a rebuild that could not run (its part
            // could not be downloaded) is asked for again once it refuses them again.
            self.catching_up.borrow_mut().remove(id);
        }
        self.keep_refused();
        for id in ids {
            let node = self.clone();
            spawn_local(async move { node.refresh_status(id).await });
        }
        self.key_changed();
    }

    /// Whether `id`, refused by the server, is to be rebuilt now: once per tab (refused again
    /// after a rebuild, it stays refused until she retries), and only on a device registered in
    /// its network (the rules judge her as that member).
    fn may_rebuild(&self, id: DocumentId, doc: &mut AutoCommit) -> bool {
        self.refused.borrow().contains_key(&id)
            && !self.rebuilt.borrow().contains(&id)
            && !doc.get_heads().is_empty()
            && self.network_of(id, doc).is_some_and(|n| local::device(&n).is_some())
    }

    /// Merges the server's message for a refused document into its scratch copy; once that
    /// copy has everything the server has, rebuilds the document on it.
    async fn catch_up(
        self: &Rc<Self>,
        id: DocumentId,
        message: automerge::sync::Message,
    ) -> Result<(), Option<SyncError>> {
        let caught_up = {
            let mut conns = self.conns.borrow_mut();
            let Some(c) = conns.get_mut(&Peer::Server) else { return Err(None) };
            let mut scratches = self.catching_up.borrow_mut();
            let Some(scratch) = scratches.get_mut(&id) else { return Ok(()) };
            match c.session.apply(now_ms() as u64, id, scratch, message) {
                Ok(a) => {
                    if let Some(reply) = a.reply {
                        (c.send)(reply);
                    }
                }
                Err(e) => {
                    (c.send)(Session::error_message(&e));
                    return Err(Some(SyncError::Server(e.to_string())));
                }
            }
            c.session.status(&id, scratch).is_some_and(|s| s.last_synced_at.is_some())
        };
        if caught_up {
            crate::parts::mend(self.clone(), id, crate::parts::Mend::Rebuild).await;
        }
        Ok(())
    }

    /// Rebuilds refused document `id` on the server's copy ([`Repo::rebuild`]): her edits the
    /// rules allow are re-made and sent, the others are set aside where she can copy them,
    /// and the other tabs reload it. One tab at a time (a Web Lock per document): a tab that
    /// finds the document already rebuilt by another reloads it instead, so nothing is re-made
    /// or set aside twice.
    pub(crate) async fn rebuild(self: &Rc<Self>, id: DocumentId) {
        let Some(scratch) = self.catching_up.borrow_mut().remove(&id) else { return };
        self.rebuilt.borrow_mut().insert(id);
        // What this tab knows another rebuild dropped, as its scratch copy was made: a rebuild
        // by another tab since then changes it (see `rebuild_locked`).
        let known = self.dropped.borrow().get(&id).cloned();
        let node = self.clone();
        let outcome = crate::repo::with_tab_lock(&format!("juntas-rebuild-{id}"), async move {
            node.rebuild_locked(id, scratch, known).await
        })
        .await;
        match outcome {
            // Another tab is rebuilding it: its `rebuilt` frame reloads it here.
            None | Some(Rebuild::Failed) => {}
            Some(Rebuild::Elsewhere) => self.rebuilt_elsewhere(id).await,
            Some(Rebuild::Done) => {
                self.load_set_aside_of(id).await;
                self.ui().notify(id);
                // Tab sessions knew the old document: start them again, after telling the tabs.
                let tell = self.tell_tabs.borrow().clone();
                if let Some(tell) = tell {
                    tell(id);
                }
                self.local_change(id).await;
            }
        }
    }

    async fn rebuild_locked(
        &self,
        id: DocumentId,
        mut scratch: AutoCommit,
        known: Option<Vec<automerge::ChangeHash>>,
    ) -> Rebuild {
        // Each way it cannot be rebuilt is logged: the document stays refused, and says so.
        let failed = |why: &str| {
            leptos::logging::warn!("cannot rebuild {id}: {why}");
            Rebuild::Failed
        };
        let handle = match self.repo.handle_or_empty(id).await {
            Ok(h) => h,
            Err(e) => return failed(&e.to_string()),
        };
        let mut doc = handle.lock().await;
        // Another tab rebuilt it first when it listed other dropped changes since this tab
        // caught up — this tab may already have reloaded that rebuild, whose document holds
        // none of them: rebuilding it again would drop the other tab's re-made edits, which the
        // server has taken — or when this tab's copy still holds changes it dropped.
        let stored = read_dropped().remove(&id);
        if stored != known
            || stored.is_some_and(|hs| {
                hs.iter().any(|h| doc.doc_mut().get_change_meta_by_hash(h).is_some())
            })
        {
            return Rebuild::Elsewhere;
        }
        // What the device's other tabs stored and this one has not heard yet (a tab's
        // keystrokes reach the others up to a second after they are stored) is rebuilt too.
        // Only now: a rebuild another tab stored holds the dropped changes' re-made copies.
        if let Err(e) = self.repo.take_stored(&mut doc).await {
            leptos::logging::warn!("cannot read what other tabs stored of {id}: {e}");
        }
        // Her role as the server has it: the network document, from the server when it is
        // the one rebuilt, otherwise as this device last synced it.
        let who = match self.signer(id, doc.doc()) {
            Ok((network, member)) => self.who(id, &network, &member, &scratch).await,
            Err(why) => Err(why),
        };
        let who = match who {
            Ok(who) => who,
            Err(why) => return failed(why),
        };
        // Noted before the rebuild is stored: the other tabs carry onto it what they made
        // after it, and without the note could not tell that from what it dropped.
        let noted = RefCell::new(None);
        let note = |r: &juntas_core::set_aside::Rebuilt| {
            let first = r.first_dropped.iter().map(|h| h.to_string()).collect();
            *noted.borrow_mut() = Some(local::set_rebuilt_from(&id.to_string(), &r.seen, first)?);
            Ok(())
        };
        let rebuilt = self.repo.rebuild(&mut doc, &mut scratch, &who, note).await;
        // Noted, then not rebuilt: the note is put back as it was.
        if rebuilt.is_err()
            && let Some(before) = noted.take()
            && let Err(e) = local::restore_rebuilt_from(&id.to_string(), before)
        {
            leptos::logging::warn!("cannot put back what {id} was rebuilt from: {e}");
        }
        match rebuilt {
            Ok((_, first_dropped)) => {
                self.refused.borrow_mut().remove(&id);
                self.keep_refused();
                self.dropped.borrow_mut().insert(id, first_dropped);
                self.keep_dropped(id);
                // What it set aside is listed for a later start as it is loaded (`rebuild`).
                Rebuild::Done
            }
            Err(e) => failed(&e.to_string()),
        }
    }

    /// The network of `id` and the member this device signs for in it.
    fn signer(&self, id: DocumentId, doc: &AutoCommit) -> Result<(String, String), &'static str> {
        let network = self.network_of(id, doc).ok_or("its network is not known here")?;
        let device =
            local::device(&network).ok_or("this device is not registered in its network")?;
        Ok((network, device.member))
    }

    /// `member` with her role in `network`, as `own` says it when `id` is the network
    /// document, otherwise as this device last synced the network.
    async fn who(
        &self,
        id: DocumentId,
        network: &str,
        member: &str,
        own: &AutoCommit,
    ) -> Result<juntas_core::rules::Who, &'static str> {
        let net = if network == id.to_string() {
            juntas_core::model::network::read(own).ok()
        } else {
            match network.parse::<DocumentId>() {
                Ok(n) => self
                    .repo
                    .read(n, |d| juntas_core::model::network::read(d).ok())
                    .await
                    .ok()
                    .flatten(),
                Err(_) => None,
            }
        };
        let net = net.ok_or("its network cannot be read here")?;
        juntas_core::rules::Who::of(&net, member).ok_or("her member is not in the network")
    }

    /// Takes in the dropped changes every tab has noted (another tab's rebuild adds its own).
    /// Called before a reload is even downloaded ([`crate::parts::mend`]): while this tab
    /// still holds the old copy, what it receives of that document is then turned back and
    /// nothing is merged into the old copy or stored (`held_dropped` in `on_message`).
    pub(crate) fn learn_dropped(&self) {
        *self.dropped.borrow_mut() = read_dropped();
    }

    /// Another tab rebuilt `id`: load it again from storage, carrying onto it what this tab
    /// made that the rebuild did not hold ([`Repo::reload_whole`]), take its dropped changes
    /// into account, and show what it set aside.
    pub(crate) async fn rebuilt_elsewhere(self: &Rc<Self>, id: DocumentId) {
        self.learn_dropped();
        self.refused.borrow_mut().remove(&id);
        self.catching_up.borrow_mut().remove(&id);
        // What the rebuild was made from, as its tab noted it (read once it is loaded, as
        // that tab notes it before it stores the rebuild); a note that another rebuild's
        // dropped changes do not match is not this one's.
        let seen = move || {
            let note = local::rebuilt_from(&id.to_string());
            let dropped = local::dropped().remove(&id.to_string()).unwrap_or_default();
            match note {
                Some(note) if note.dropped == dropped => Some(note.seen),
                _ => {
                    leptos::logging::warn!(
                        "{id} was rebuilt in another tab without a note of what from: this tab's changes it does not hold are set aside"
                    );
                    None
                }
            }
        };
        // Who she is, from this tab's copy; her role, from the rebuild when it is the network.
        let signer = match self.repo.opened(id) {
            Some(h) => {
                let doc = h.lock().await;
                match self.signer(id, doc.doc()) {
                    Ok((network, member)) if network != id.to_string() => {
                        let who = self.who(id, &network, &member, doc.doc()).await;
                        if let Err(why) = &who {
                            leptos::logging::warn!(
                                "what this tab made of {id} is set aside, not carried: {why}"
                            );
                        }
                        Some((network, member, who.ok()))
                    }
                    Ok((network, member)) => Some((network, member, None)),
                    Err(why) => {
                        leptos::logging::warn!("cannot carry what this tab made of {id}: {why}");
                        None
                    }
                }
            }
            None => None,
        };
        let who = |fresh: &AutoCommit| {
            let (network, member, who) = signer?;
            if network != id.to_string() {
                return who;
            }
            let net = juntas_core::model::network::read(fresh).ok()?;
            juntas_core::rules::Who::of(&net, &member)
        };
        match self.repo.reload_whole(id, seen, who).await {
            Ok(carried) => {
                if carried.changed() {
                    // Signed and sent like any edit of this tab.
                    self.local_change(id).await;
                }
            }
            Err(e) => leptos::logging::warn!("cannot reload {id}: {e}"),
        }
        self.load_set_aside_of(id).await;
        self.ui().notify(id);
        self.refresh_status(id).await;
    }

    /// Writes this tab's dropped changes of `id` for every tab (only that entry: another tab
    /// may have written others since this one read them).
    fn keep_dropped(&self, id: DocumentId) {
        let mut all = local::dropped();
        let mut mine = self.dropped.borrow_mut();
        match mine.get(&id) {
            Some(hs) if !hs.is_empty() => {
                all.insert(id.to_string(), hs.iter().map(|h| h.to_string()).collect());
            }
            _ => {
                mine.remove(&id);
                all.remove(&id.to_string());
            }
        }
        if let Err(e) = local::set_dropped(&all) {
            leptos::logging::warn!("cannot remember dropped changes: {e}");
        }
    }

    /// The changes a rebuild of `id` dropped that `doc` holds.
    fn dropped_in(&self, id: DocumentId, doc: &mut AutoCommit) -> Vec<automerge::ChangeHash> {
        self.dropped.borrow().get(&id).map_or_else(Vec::new, |hs| {
            hs.iter().filter(|h| doc.get_change_meta_by_hash(h).is_some()).copied().collect()
        })
    }

    /// Lists `id` among the documents with set-aside edits (the list a start reads them
    /// by). If localStorage refuses, the edits are stored and shown all the same, and each
    /// says so until a later write of the list succeeds.
    fn list_set_aside(&self, id: DocumentId) {
        let mut docs = local::set_aside_docs();
        docs.insert(id.to_string());
        if let Err(e) = self.write_set_aside_list(docs) {
            leptos::logging::warn!("cannot list set-aside edits: {e}");
            self.ui().set_aside_unlisted.update(|u| {
                u.insert(id);
            });
        }
    }

    /// Writes `docs` as the list of documents with set-aside edits, with those an earlier
    /// write could not list; once written, none is unlisted.
    fn write_set_aside_list(&self, mut docs: BTreeSet<String>) -> Result<(), String> {
        let unlisted = self.ui().set_aside_unlisted;
        unlisted.with_untracked(|u| docs.extend(u.iter().map(|d| d.to_string())));
        local::set_set_aside_docs(&docs)?;
        if unlisted.with_untracked(|u| !u.is_empty()) {
            unlisted.set(BTreeSet::new());
        }
        Ok(())
    }

    /// Reads the set-aside edits of every document that has some.
    async fn load_set_aside(self: &Rc<Self>) {
        for id in local::set_aside_docs().iter().filter_map(|d| d.parse::<DocumentId>().ok()) {
            self.load_set_aside_of(id).await;
        }
    }

    async fn load_set_aside_of(&self, id: DocumentId) {
        match self.repo.set_aside(id).await {
            Ok(items) => {
                if self.ui().set_aside_unreadable.with_untracked(|u| u.contains_key(&id)) {
                    self.ui().set_aside_unreadable.update(|u| {
                        u.remove(&id);
                    });
                }
                // Just set aside, here or by another tab (which may have failed to list
                // them): listed for a later start, or said that they could not be.
                if !items.is_empty() && !local::set_aside_docs().contains(&id.to_string()) {
                    self.list_set_aside(id);
                }
                self.ui().set_aside.update(|all| {
                    if items.is_empty() {
                        all.remove(&id);
                    } else {
                        all.insert(id, items);
                    }
                });
            }
            Err(e) => {
                leptos::logging::warn!("cannot read the edits set aside for {id}: {e}");
                self.ui().set_aside_unreadable.update(|u| {
                    u.insert(id, e.into());
                });
                // What was read of them before is not shown as all there is.
                if self.ui().set_aside.with_untracked(|a| a.contains_key(&id)) {
                    self.ui().set_aside.update(|a| {
                        a.remove(&id);
                    });
                }
            }
        }
    }

    /// The set-aside edits of `id` as stored, to download when they cannot be read.
    pub async fn set_aside_raw(&self, id: DocumentId) -> Result<Vec<u8>, crate::error::AppError> {
        Ok(self.repo.set_aside_raw(id).await?)
    }

    /// She copied set-aside edit `item` of `id`, or does not want it: forget it.
    pub async fn dismiss_set_aside(
        &self,
        id: DocumentId,
        item: &juntas_core::set_aside::SetAside,
    ) -> Result<(), crate::error::AppError> {
        self.repo.dismiss_set_aside(id, item).await?;
        self.load_set_aside_of(id).await;
        if self.ui().set_aside.with_untracked(|a| !a.contains_key(&id)) {
            self.ui().set_aside_unlisted.update(|u| {
                u.remove(&id);
            });
            let mut docs = local::set_aside_docs();
            docs.remove(&id.to_string());
            self.write_set_aside_list(docs).map_err(crate::error::AppError::Local)?;
        }
        Ok(())
    }

    /// Reads the inquiry a record belongs to, so [`SyncNode::network_of`] knows the record's
    /// network (a record synced from start-up may come before its inquiry is opened). `id` is
    /// `doc`'s own, whose lock the caller holds: a damaged record naming itself as its inquiry
    /// is not locked again.
    async fn learn_owner(&self, id: DocumentId, doc: &AutoCommit) {
        let Some(juntas_core::rules::Owner::Inquiry(q)) = juntas_core::rules::owner_of(doc) else {
            return;
        };
        if let Ok(q) = q.parse::<DocumentId>()
            && q != id
        {
            self.inquiry_network(q).await;
        }
    }

    /// The network of inquiry `q`, remembered in `owners`: known already, from its
    /// [`SyncFacts`] when it is not in memory (read by the document worker when none are
    /// cached), or by reading the inquiry.
    async fn inquiry_network(&self, q: DocumentId) -> Option<String> {
        if let Some(n) = self.owners.borrow().get(&q) {
            return Some(n.clone());
        }
        if !self.repo.is_loaded(q)
            && let Some(n) = self.facts(q).await.and_then(|f| f.network)
        {
            self.owners.borrow_mut().insert(q, n.clone());
            return Some(n);
        }
        let handle = self.repo.handle_or_empty(q).await.ok()?;
        let inquiry = handle.lock().await;
        self.network_of(q, inquiry.doc())
    }

    fn documents(&self) -> BTreeSet<DocumentId> {
        let mut all: BTreeSet<DocumentId> =
            order::set_of(local::networks().iter().filter_map(|n| n.id.parse().ok()));
        all.extend(local::own_documents().iter().filter_map(|d| d.parse::<DocumentId>().ok()));
        all.extend(self.wanted.borrow().iter().copied());
        all
    }

    /// After a command on `id` (a delivery, an approval, a new card: not typing): signed at
    /// once, not batched with what was signed in the last `SIGN_EVERY_MS` (10 s). A batched
    /// signature waits on a timer, and a tab closed before it fires left the change unsigned
    /// for good (a later tab has another actor): an approval nobody could attribute.
    pub async fn local_command(self: &Rc<Self>, id: DocumentId) {
        self.signed_at.borrow_mut().remove(&id);
        self.local_change(id).await;
    }

    /// The page is hidden (a phone put away) or closing: the signatures waiting on their
    /// timer are made now, and what changes while it stays hidden is signed at once. A tab
    /// closed before the timer fired left those changes unsigned for good (a later tab has
    /// another actor). Hidden, the page usually has the moment it takes; closing, it is only
    /// started (signing and storing it are several asynchronous steps).
    pub fn page_hidden(self: &Rc<Self>, hidden: bool) {
        self.hidden.set(hidden);
        if !hidden {
            return;
        }
        let due = std::mem::take(&mut *self.sign_due.borrow_mut());
        for id in due {
            let node = self.clone();
            spawn_local(async move { node.local_change(id).await });
        }
    }

    /// After a local change to `id`: send it to every peer and refresh the pending count.
    pub async fn local_change(self: &Rc<Self>, id: DocumentId) {
        // A document created since a handshake is opened on that connection first.
        self.open_doc(id).await;
        let Ok(handle) = self.repo.handle_or_empty(id).await else { return };
        let mut doc = handle.lock().await;
        self.sign(id, &mut doc).await;
        self.fan_out(None, id, doc.doc_mut());
        drop(doc);
        self.refresh_status(id).await;
    }

    /// Signs what this tab changed in `id` ([`crate::keys::sign_pending`]) and stores the
    /// head, at most every [`SIGN_EVERY_MS`] (a signature left for later is made then).
    async fn sign(self: &Rc<Self>, id: DocumentId, doc: &mut juntas_core::StoredDoc) {
        // A record's network is its inquiry's: read it here if no sync has yet (offline, the
        // record's changes were left unsigned, and sent so once the signal came back).
        if self.network_of(id, doc.doc()).is_none() {
            self.learn_owner(id, doc.doc()).await;
        }
        // Not known (its inquiry is not on this device): signed with the next change once it is
        // (a signature covers every change of this tab since the last one).
        let Some(network) = self.network_of(id, doc.doc()) else { return };
        let now = js_sys::Date::now();
        let last = self.signed_at.borrow().get(&id).copied();
        if let Some(last) = last
            && now - last < SIGN_EVERY_MS
            && !self.hidden.get()
        {
            if self.sign_due.borrow_mut().insert(id) {
                let node = self.clone();
                let wait = (SIGN_EVERY_MS - (now - last)).max(0.0) as u32;
                gloo_timers::callback::Timeout::new(wait, move || {
                    node.sign_due.borrow_mut().remove(&id);
                    spawn_local(async move { node.local_change(id).await });
                })
                .forget();
            }
            return;
        }
        match self.repo.sign(doc, &network).await {
            Ok(true) => {
                self.signed_at.borrow_mut().insert(id, now);
                // An open history shows the check mark on what was just signed.
                self.ui().notify(id);
            }
            Ok(false) => {}
            Err(e) => leptos::logging::warn!("cannot sign {id}: {e}"),
        }
    }

    /// Changes merged from outside sync (an imported file): refresh open pages, pass them on.
    pub fn imported(self: &Rc<Self>, ids: &[DocumentId]) {
        for &id in ids {
            self.ui().notify(id);
            let node = self.clone();
            spawn_local(async move { node.local_change(id).await });
        }
    }

    /// Sends whatever `doc` has that each peer (but `except`) lacks.
    fn fan_out(&self, except: Option<&Peer>, id: DocumentId, doc: &mut AutoCommit) {
        let now = now_ms() as u64;
        let to_server = self.server_may_have(id, doc);
        let out: Vec<(Vec<u8>, Send)> = self
            .conns
            .borrow_mut()
            .iter_mut()
            .filter(|(peer, _)| Some(*peer) != except)
            .filter(|(peer, _)| **peer != Peer::Server || to_server)
            .filter_map(|(_, c)| c.session.update(now, id, doc).map(|m| (m, c.send.clone())))
            .collect();
        for (bytes, send) in out {
            send(bytes);
        }
    }

    /// Recomputes how `id` stands with the server (also offline, from the persisted state).
    pub async fn refresh_status(&self, id: DocumentId) {
        let status = match self.status_unloaded(id).await {
            Some(status) => status,
            None => match self.status_loaded(id).await {
                Some(status) => status,
                None => return,
            },
        };
        let ui = self.ui();
        // Whose changes may go to the server matters only when some wait; registered in no
        // network, none goes (not looked up).
        let network = if status.pending == 0 || ui.registered.with_untracked(BTreeSet::is_empty) {
            None
        } else {
            self.owner_of(id).await
        };
        // Read after the lookup: a registration meanwhile counts.
        let denied = network.as_ref().is_some_and(|n| ui.denied.with_untracked(|d| d.contains(n)));
        let unregistered = status.pending > 0
            && ui.registered.with_untracked(|r| {
                r.is_empty() || network.as_ref().is_some_and(|n| !r.contains(n))
            });
        let status = DocSync {
            refused: self.refused.borrow().get(&id).cloned(),
            denied,
            unregistered,
            ..status
        };
        if ui.docs.with_untracked(|d| d.get(&id) != Some(&status)) {
            ui.docs.update(|d| {
                d.insert(id, status);
            });
        }
    }

    /// How `id` stands, without loading it: when it is not in memory and either the live
    /// session opened it unloaded and the server has all of it, or (no live session yet) its
    /// cached facts are at the persisted shared heads. Otherwise `None`.
    async fn status_unloaded(&self, id: DocumentId) -> Option<DocSync> {
        if self.repo.is_loaded(id) {
            return None;
        }
        let live = self
            .conns
            .borrow()
            .get(&Peer::Server)
            .filter(|c| c.session.is_open(&id))
            .map(|c| c.session.status_unloaded(&id));
        if let Some(live) = live {
            return live.map(|s| DocSync {
                pending: s.pending,
                synced_at: s.last_synced_at.map(|t| t as i64),
                unavailable: s.unavailable,
                // Refused or not, and of which network: `refresh_status` says.
                ..DocSync::default()
            });
        }
        let facts = self.facts(id).await?;
        let saved = match self.server_storage() {
            Some(server) => store::load_sync_state(self.repo.storage(), &id, &server).await.ok()?,
            None => None,
        };
        let pending = match saved {
            // Never synced with this server: all of it is pending (as `pending_changes` counts).
            None => facts.changes,
            Some(saved) => {
                let mut shared = automerge::sync::State::decode(&saved).ok()?.shared_heads;
                let mut heads = facts.heads;
                order::sort(&mut shared);
                order::sort(&mut heads);
                // Changed since: only the document can say how much is pending.
                if heads.is_empty() || shared != heads {
                    return None;
                }
                0
            }
        };
        if self.repo.is_loaded(id) {
            return None;
        }
        let previous = self.ui().docs.with_untracked(|d| d.get(&id).and_then(|p| p.synced_at));
        Some(DocSync {
            pending,
            synced_at: previous,
            // Refused or not, and of which network: `refresh_status` says.
            ..DocSync::default()
        })
    }

    /// How `id` stands, from the document itself (loaded if need be).
    async fn status_loaded(&self, id: DocumentId) -> Option<DocSync> {
        let Ok(handle) = self.repo.handle_or_empty(id).await else { return None };
        // The live session knows; the persisted state is read only when there is none (this
        // runs after every merged message, so no IndexedDB read on that path).
        let live_session =
            self.conns.borrow().get(&Peer::Server).is_some_and(|c| c.session.is_open(&id));
        let saved = match self.server_storage().filter(|_| !live_session) {
            Some(s) => store::load_sync_state(self.repo.storage(), &id, &s).await.ok().flatten(),
            None => None,
        };
        let mut doc = handle.lock().await;
        // Its network, read while it is here ([`SyncNode::refresh_status`] asks): an inquiry
        // record's only when its inquiry's is known already (else from its facts).
        if self.ui().registered.with_untracked(|r| !r.is_empty()) {
            self.network_of(id, doc.doc());
        }
        let live = {
            let conns = self.conns.borrow();
            conns.get(&Peer::Server).and_then(|c| c.session.status(&id, doc.doc_mut()))
        };
        let status = match live {
            Some(s) => DocSync {
                pending: s.pending,
                synced_at: s.last_synced_at.map(|t| t as i64),
                unavailable: s.unavailable,
                // Refused or not, and of which network: `refresh_status` says.
                ..DocSync::default()
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
                    // Refused or not, and of which network: `refresh_status` says.
                    ..DocSync::default()
                }
            }
        };
        drop(doc);
        // Loaded to count what is pending: the next start-up counts from the cache.
        self.keep_facts(id);
        Some(status)
    }

    fn server_storage(&self) -> Option<String> {
        self.conns
            .borrow()
            .get(&Peer::Server)
            .and_then(|c| c.session.remote_storage().map(|s| s.0.clone()))
            .or_else(local::server_storage_id)
    }

    /// Opens `id` on every ready session that does not sync it yet.
    async fn open_doc(self: &Rc<Self>, id: DocumentId) {
        let peers: Vec<Peer> = self
            .conns
            .borrow()
            .iter()
            .filter(|(_, c)| {
                c.session.is_ready() && (!c.session.is_open(&id) || c.session.is_unavailable(&id))
            })
            .map(|(p, _)| p.clone())
            .collect();
        for peer in peers {
            self.open_doc_with(&peer, id).await;
        }
    }

    async fn open_doc_with(&self, peer: &Peer, id: DocumentId) {
        let saved = match (peer, self.server_storage()) {
            (Peer::Server, Some(server)) => {
                store::load_sync_state(self.repo.storage(), &id, &server).await.ok().flatten()
            }
            _ => None,
        };
        if *peer == Peer::Server
            && let Some(saved) = saved.as_deref()
            && self.open_unloaded(id, saved).await
        {
            return;
        }
        // A document of a network this device may not send to (not opened unloaded above: no
        // sync state kept, never synced with this server): its network known already, from
        // its cached facts, or else read by the document worker, it is not parsed on the page
        // (at every connection, or as a page wants it) only to find it stays here
        // (`server_may_have`). A first open on the device of an imported plan's review table
        // parsed its common plan here for that: one 300 ms task at 4× CPU. Where every network
        // on this device is granted, none is looked up: the worker's read would only delay a
        // parse the page makes anyway to send it. One it does not have yet is asked for.
        if *peer == Peer::Server
            && !self.repo.is_loaded(id)
            && !self.refused.borrow().contains_key(&id)
            && self.holds_ungranted()
            && let Some(network) = self.owner_of(id).await
            && !self.granted.borrow().contains(&network)
        {
            return;
        }
        let Ok(handle) = self.repo.handle_or_empty(id).await else { return };
        let mut doc = handle.lock().await;
        if *peer == Peer::Server {
            self.learn_owner(id, doc.doc()).await;
            if self.may_rebuild(id, doc.doc_mut()) {
                // Ask the server for its copy, into a scratch document that starts from what
                // both last had in common (so only what is new travels).
                let shared = saved
                    .as_deref()
                    .and_then(|b| automerge::sync::State::decode(b).ok())
                    .map(|s| s.shared_heads)
                    .unwrap_or_default();
                let mut scratch =
                    doc.doc_mut().fork_at(&shared).unwrap_or_else(|_| AutoCommit::new());
                self.with_session(peer, |s| {
                    if !s.is_ready() {
                        return None;
                    }
                    s.open_doc(id, &mut scratch, saved.as_deref())
                });
                self.catching_up.borrow_mut().insert(id, scratch);
                return;
            }
            if !self.server_may_have(id, doc.doc_mut()) {
                return;
            }
        }
        self.with_session(peer, |s| {
            if !s.is_ready() || (s.is_open(&id) && !s.is_unavailable(&id)) {
                return None;
            }
            s.open_doc(id, doc.doc_mut(), saved.as_deref())
        });
    }

    /// Opens `id` with the server without loading it, when it has not changed since it last
    /// synced there: its cached [`SyncFacts`] are at the saved state's shared heads. What goes
    /// out is what opening it loaded would send (core's `Session::open_doc_unloaded`); a reply
    /// that brings nothing is then taken without loading it either ([`SyncNode::on_sync`]).
    /// False when it must be loaded instead (changed, refused, no facts cached, or in memory).
    async fn open_unloaded(&self, id: DocumentId, saved: &[u8]) -> bool {
        if self.repo.is_loaded(id) || self.refused.borrow().contains_key(&id) {
            return false;
        }
        let Some(facts) = self.facts(id).await else { return false };
        let Some(network) = self.network_unloaded(id, &facts).await else { return false };
        if self.repo.is_loaded(id) {
            return false;
        }
        if !self.granted.borrow().contains(&network) {
            // Not registered in its network: it does not go to the server (`server_may_have`).
            return true;
        }
        let mut opened = false;
        self.with_session(&Peer::Server, |s| {
            if !s.is_ready() || (s.is_open(&id) && !s.is_unavailable(&id)) {
                opened = true;
                return None;
            }
            let first = s.open_doc_unloaded(id, &facts.heads, saved);
            opened = first.is_some();
            first
        });
        opened
    }

    /// `id`'s cached [`SyncFacts`]; when none are kept for what storage holds (a document
    /// imported, or changed since), the document worker reads them, off the page's thread,
    /// rather than a parse of it here. `None` when it cannot (the caller loads the document).
    async fn facts(&self, id: DocumentId) -> Option<SyncFacts> {
        if let Some(facts) = self.repo.sync_facts(id).await {
            return Some(facts);
        }
        // Nothing of it stored (it comes by sync): no worker is started to find that out.
        if !matches!(store::is_stored(self.repo.storage(), &id).await, Ok(true)) {
            return None;
        }
        if !self.repo.make_in_worker(id, Job::SyncFacts).await {
            return None;
        }
        self.repo.sync_facts(id).await
    }

    /// The network `id` belongs to, as known (its first opening with the server, or an edit)
    /// or from its facts (a tab that has not connected: offline, or its socket blocked), which
    /// the document worker reads when none are cached ([`SyncNode::facts`]). An inquiry
    /// record's is its inquiry's, which may be read then.
    async fn owner_of(&self, id: DocumentId) -> Option<String> {
        let known = self.owners.borrow().get(&id).cloned();
        if known.is_some() {
            return known;
        }
        let facts = self.facts(id).await?;
        self.network_unloaded(id, &facts).await
    }

    /// Whether this device holds a network the server has not granted it (one made or
    /// imported here, the example network, one that refused it): only then may a document
    /// be one that stays here.
    fn holds_ungranted(&self) -> bool {
        let granted = self.granted.borrow();
        local::networks().iter().any(|n| !granted.contains(&n.id))
    }

    /// [`SyncNode::network_of`] from cached facts (an inquiry record's through its inquiry).
    async fn network_unloaded(&self, id: DocumentId, facts: &SyncFacts) -> Option<String> {
        if let Some(n) = self.owners.borrow().get(&id) {
            return Some(n.clone());
        }
        let network = match (&facts.network, &facts.inquiry) {
            (Some(n), _) => n.clone(),
            (None, Some(q)) => self.inquiry_network(q.parse().ok()?).await?,
            (None, None) => return None,
        };
        self.owners.borrow_mut().insert(id, network.clone());
        Some(network)
    }

    /// Caches `id`'s [`SyncFacts`] a moment from now (when its heads moved since this tab
    /// last did), so the next start-up need not load it to find nothing to send or to count
    /// what is pending. While she types, that is one small write per document every
    /// [`FACTS_EVERY_MS`], not one per change.
    fn keep_facts(&self, id: DocumentId) {
        let first = self.facts_due.borrow().is_empty();
        self.facts_due.borrow_mut().insert(id);
        if !first {
            return;
        }
        let (repo, due, kept) =
            (self.repo.clone(), self.facts_due.clone(), self.facts_kept.clone());
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(FACTS_EVERY_MS).await;
            let ids = std::mem::take(&mut *due.borrow_mut());
            for id in ids {
                if !repo.is_loaded(id) {
                    continue;
                }
                let Ok(handle) = repo.handle_or_empty(id).await else { continue };
                let mut doc = handle.lock().await;
                let heads = doc.doc_mut().get_heads();
                // Not stored yet: the facts would not match storage; the next count retries.
                if heads.is_empty()
                    || doc.has_unsaved_changes()
                    || kept.borrow().get(&id) == Some(&heads)
                {
                    continue;
                }
                repo.keep_sync_facts(&mut doc).await;
                kept.borrow_mut().insert(id, heads);
            }
        });
    }

    /// Handles one message from `peer`. `Err(Some(reason))`: the connection must close for
    /// `reason` (an `error` message has been queued); `Err(None)`: it closes normally.
    async fn on_message(
        self: &Rc<Self>,
        peer: &Peer,
        bytes: &[u8],
    ) -> Result<(), Option<SyncError>> {
        let received = {
            let mut conns = self.conns.borrow_mut();
            let Some(c) = conns.get_mut(peer) else { return Err(None) };
            c.session.receive(bytes).inspect_err(|e| (c.send)(Session::error_message(e)))
        };
        let incoming = received.map_err(|e| {
            Some(match e {
                ProtocolError::Version { .. } => SyncError::ProtocolVersion,
                other => SyncError::Server(other.to_string()),
            })
        })?;
        match incoming {
            Incoming::Ready { reply, metadata, .. } => {
                if let Some(reply) = reply {
                    self.with_session(peer, |_| Some(reply));
                }
                if *peer == Peer::Server {
                    if let Some(s) = metadata.storage_id.filter(|_| !metadata.is_ephemeral) {
                        // Not kept: a later start counts pending changes only once connected.
                        if let Err(e) = local::set_server_storage_id(&s.0) {
                            leptos::logging::warn!("cannot keep the server's storage id: {e}");
                        }
                    }
                    self.set_link(Link::Online);
                }
                for id in self.documents() {
                    self.open_doc_with(peer, id).await;
                    self.refresh_status(id).await;
                }
            }
            Incoming::Sync { document_id, message, request } => {
                self.on_sync(peer, document_id, message, request).await?;
            }
            Incoming::Unavailable { document_id } => {
                if *peer == Peer::Server
                    && self.catching_up.borrow_mut().remove(&document_id).is_some()
                {
                    // The server never had it: nothing to rebuild on; it stays refused.
                    self.rebuilt.borrow_mut().insert(document_id);
                }
                self.refresh_status(document_id).await;
            }
            Incoming::RemoteError { message } => {
                if *peer == Peer::Server {
                    self.refused_by_server(&message);
                }
                return Err(Some(SyncError::Server(message)));
            }
            Incoming::Leave => return Err(None),
            Incoming::Ephemeral { .. } | Incoming::Ignored { .. } => {}
        }
        Ok(())
    }

    async fn on_sync(
        self: &Rc<Self>,
        peer: &Peer,
        document_id: DocumentId,
        message: automerge::sync::Message,
        request: bool,
    ) -> Result<(), Option<SyncError>> {
        if *peer == Peer::Server && self.catching_up.borrow().contains_key(&document_id) {
            return self.catch_up(document_id, message).await;
        }
        if !self.repo.is_loaded(document_id) {
            // Opened unloaded, and the reply brings nothing: still no need to load it.
            let taken =
                self.conns.borrow_mut().get_mut(peer).is_some_and(|c| {
                    c.session.apply_unloaded(now_ms() as u64, document_id, &message)
                });
            if taken {
                self.refresh_status(document_id).await;
                return Ok(());
            }
        }
        let handle = match self.repo.handle_or_empty(document_id).await {
            Ok(h) => h,
            Err(e) => {
                // This device's copy cannot be read (a storage failure or a corrupt chunk):
                // that document is skipped, the rest keep syncing; the page that opens it says
                // why, and nothing is merged into a copy that could not be read.
                leptos::logging::warn!("not syncing {document_id}: {e}");
                return Ok(());
            }
        };
        let mut doc = handle.lock().await;
        if request && doc.doc_mut().get_heads().is_empty() {
            self.with_session(peer, |s| s.unavailable(document_id));
            return Ok(());
        }
        let before = doc.doc_mut().get_heads();
        let held_dropped = !self.dropped_in(document_id, doc.doc_mut()).is_empty();
        let applied = {
            let mut conns = self.conns.borrow_mut();
            let Some(c) = conns.get_mut(peer) else { return Err(None) };
            match c.session.apply(now_ms() as u64, document_id, doc.doc_mut(), message) {
                Ok(a) => {
                    if let Some(reply) = a.reply.clone() {
                        (c.send)(reply);
                    }
                    let persist = match peer {
                        Peer::Server => c
                            .session
                            .sync_state(&document_id)
                            .zip(c.session.remote_storage().map(|s| s.0.clone())),
                        Peer::Tab(_) => None,
                    };
                    Ok((a.changed, persist))
                }
                Err(e) => {
                    (c.send)(Session::error_message(&e));
                    Err(e)
                }
            }
        };
        let (changed, persist) = applied.map_err(|e| Some(SyncError::Server(e.to_string())))?;
        if changed && held_dropped {
            // This tab holds the old copy of a document another tab rebuilt: nothing is merged
            // into it or stored (a compaction would write the dropped changes back); it reloads
            // the rebuilt one from storage (its `rebuilt` frame may still be on its way), and the
            // connection starts again, in step with that.
            take_back(&mut doc, &before, document_id);
            drop(doc);
            let node = self.clone();
            spawn_local(crate::parts::mend(node, document_id, crate::parts::Mend::Reload));
            return Err(None);
        }
        let brought: Vec<_> =
            if changed { self.dropped_in(document_id, doc.doc_mut()) } else { Vec::new() };
        if !brought.is_empty() {
            if *peer == Peer::Server {
                // The server has them, so the network shares them: holding them off would stop
                // this document syncing for good. They are no longer dropped.
                leptos::logging::warn!("the server has changes a rebuild of {document_id} dropped");
                if let Some(hs) = self.dropped.borrow_mut().get_mut(&document_id) {
                    hs.retain(|h| !brought.contains(h));
                }
                self.keep_dropped(document_id);
            } else {
                // A tab that has not reloaded a rebuilt document offers the changes it dropped:
                // not taken; that tab reloads and reconnects.
                take_back(&mut doc, &before, document_id);
                return Err(None);
            }
        }
        drop(doc);
        if changed {
            // Show first, then persist: what arrived is already in memory (and the peer still
            // has it), so open pages re-read and paint it now instead of waiting for
            // IndexedDB — and for a compaction now and then — while they hold the document.
            self.ui().notify(document_id);
            crate::tasks::after_next_paint().await;
            let mut doc = handle.lock().await;
            if let Err(e) = self.repo.store(&mut doc).await {
                drop(doc);
                self.set_link(Link::Failed(SyncError::StorageFull(e.to_string())));
                return Ok(());
            }
            self.fan_out(Some(peer), document_id, doc.doc_mut());
        }
        if let Some((state, storage)) = persist
            && let Err(e) =
                store::save_sync_state(self.repo.storage(), &document_id, &storage, &state).await
        {
            self.set_link(Link::Failed(SyncError::StorageFull(e.to_string())));
        }
        self.refresh_status(document_id).await;
        Ok(())
    }
}

/// Takes back what a refused message brought into `doc` (nothing of it was stored), with a
/// warning if that fails: the connection starts again either way.
fn take_back(doc: &mut store::StoredDoc, before: &[automerge::ChangeHash], id: DocumentId) {
    if let Err(e) = doc.rollback(before) {
        leptos::logging::warn!("cannot drop changes offered again for {id}: {e}");
    }
}
