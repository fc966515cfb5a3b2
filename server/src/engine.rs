//! The sync engine: every `/sync` connection's core [`Session`] and the documents they share,
//! owned by one thread, so handling a message costs the same whatever is stored or loaded.
//!
//! Connections hand it frames through one bounded queue ([`Event`]); it answers through each
//! connection's own bounded queue ([`Out`]). A document is loaded from [`FsStorage`] when a
//! connection first asks for it and evicted (saved first) once no connection has used it for
//! `evict_after`. A request for an id nobody stored is answered `doc-unavailable` and keeps no
//! document, only the asking connection's interest while it lives. Changes that arrive are
//! merged and answered at once; saving and the messages to the document's other connections
//! wait for `coalesce` so that many typists cost one save and one message per peer per window,
//! not one per keystroke per peer. A message that would grow a document past `max_doc_ops`, or
//! a connection asking for more than `max_docs_per_minute` new documents, gets an `error` and
//! that connection is closed; everyone else keeps syncing.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use juntas_core::automerge::{self, ActorId, ChangeHash, ReadDoc, sync};
use juntas_core::model::network::{self as network_model, Network, Role};
use juntas_core::rules::{self, Owner, Who};
use juntas_core::signing::{self, Signature};
use juntas_core::store::{load_sync_state, save_sync_state};
use juntas_core::sync::{Config as SessionConfig, Incoming, PeerId, Session, refusal};
use juntas_core::{DocumentId, LoadError, StorageKey, StoredDoc};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::accounts::Grant;
use crate::fs_storage::FsStorage;
use crate::signatures::Signatures;

/// One connection's id (for logs and the engine's tables).
pub type ConnId = u64;

/// What the engine sends to a connection's writer.
#[derive(Debug)]
pub enum Out {
    Binary(Vec<u8>),
    /// Close the socket after what was queued before.
    Close,
}

/// What connections and the server tell the engine.
pub enum Event {
    /// A connection opened; `kill` ends it at once when its queue is too full for `Close`.
    Open {
        conn: ConnId,
        out: mpsc::Sender<Out>,
        kill: Arc<Notify>,
        /// The networks (and the member in each) its devices act for.
        grants: Vec<Grant>,
    },
    /// A device was removed: its connections close now.
    Revoke {
        device: String,
    },
    /// The network document `id` as it reads now (None: nobody stored it; an error: the stored
    /// copy cannot be loaded or read as a network, logged and counted).
    Network {
        id: DocumentId,
        reply: oneshot::Sender<Result<Option<Network>, String>>,
    },
    Frame {
        conn: ConnId,
        bytes: Vec<u8>,
    },
    Closed {
        conn: ConnId,
    },
    /// The network document `network` as `automerge::save` writes it, for `member` of it to
    /// start from (the app asks as an invite registers her phone, before it can sync). None:
    /// nobody stored it, or the network does not let her read it now; an error: the stored
    /// copy cannot be loaded (logged and counted as a storage error).
    NetworkBytes {
        network: DocumentId,
        member: String,
        reply: oneshot::Sender<NetworkBytes>,
    },
    /// Answers once every event before it was handled (health check).
    Ping(oneshot::Sender<()>),
    /// Saves every unsaved document and stops.
    Stop(oneshot::Sender<()>),
}

/// [`Event::NetworkBytes`]'s answer.
pub type NetworkBytes = Result<Option<Arc<Vec<u8>>>, String>;

/// Limits and timings, with the defaults the server starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub coalesce: Duration,
    pub evict_after: Duration,
    pub max_doc_ops: u64,
    pub max_docs_per_minute: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            coalesce: Duration::from_millis(25),
            evict_after: Duration::from_secs(30),
            max_doc_ops: 2_000_000,
            max_docs_per_minute: 2_000,
        }
    }
}

/// Counters the engine keeps and `/metrics` reads without asking it.
#[derive(Default, Debug)]
pub struct Metrics {
    pub connections: AtomicU64,
    pub connections_total: AtomicU64,
    pub documents_loaded: AtomicU64,
    /// Documents in memory now.
    pub documents_in_memory: AtomicU64,
    /// Of which network documents (loaded to check who may read and write).
    pub networks_in_memory: AtomicU64,
    pub documents_evicted: AtomicU64,
    pub messages_in: AtomicU64,
    pub messages_out: AtomicU64,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    pub refused_protocol: AtomicU64,
    pub refused_too_large: AtomicU64,
    pub refused_rate: AtomicU64,
    pub refused_slow_reader: AtomicU64,
    /// A document asked for by a connection none of whose members may read it.
    pub refused_access: AtomicU64,
    /// A message with a change the rules refuse.
    pub refused_change: AtomicU64,
    pub storage_errors: AtomicU64,
    /// The last save failed and has not succeeded since.
    pub storage_failing: AtomicBool,
}

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

struct Conn {
    session: Session,
    out: mpsc::Sender<Out>,
    kill: Arc<Notify>,
    /// Documents this connection has synced (it receives their changes).
    docs: HashSet<DocumentId>,
    /// When each of the documents opened in the last minute was opened.
    opened: VecDeque<Instant>,
    grants: Vec<Grant>,
}

impl Conn {
    fn grant(&self, network: &DocumentId) -> Option<&Grant> {
        let network = network.to_string();
        self.grants.iter().find(|g| g.network == network)
    }
}

struct Doc {
    stored: StoredDoc,
    subscribers: HashSet<ConnId>,
    /// When the last subscriber left.
    idle_since: Option<Instant>,
    /// This copy exists only in memory (nobody stored it yet).
    fresh: bool,
}

impl Doc {
    /// `fresh`: only in memory, nobody stored it yet.
    fn new(stored: StoredDoc, fresh: bool) -> Doc {
        Doc { stored, subscribers: HashSet::new(), idle_since: None, fresh }
    }
}

/// The engine's state; lives on its own thread.
struct Engine {
    storage: FsStorage,
    limits: Limits,
    peer_id: PeerId,
    storage_id: String,
    conns: HashMap<ConnId, Conn>,
    docs: HashMap<DocumentId, Doc>,
    /// Connections that asked for a document nobody had: they get it when it arrives.
    waiting: HashMap<DocumentId, HashSet<ConnId>>,
    /// Documents changed since the last flush.
    dirty: HashSet<DocumentId>,
    flush_at: Option<tokio::time::Instant>,
    /// Sync states go to disk on another thread: a client leaving with 2,000 documents open
    /// must not hold up everyone else's messages.
    side: std::sync::mpsc::Sender<(DocumentId, String, Vec<u8>)>,
    metrics: Arc<Metrics>,
    /// The network each document belongs to, once known (it never changes).
    owners: HashMap<DocumentId, DocumentId>,
    /// Each network document read at its heads (read again when it changes).
    networks: HashMap<DocumentId, (Vec<ChangeHash>, Network)>,
    /// Network documents saved whole for [`Event::NetworkBytes`], with the heads they were
    /// saved at (a few KB per network of this server).
    network_saves: HashMap<DocumentId, (Vec<ChangeHash>, Arc<Vec<u8>>)>,
    /// Why each network document that cannot be read cannot, as last logged.
    network_errors: HashMap<DocumentId, String>,
    /// Every network document met so far.
    network_ids: HashSet<DocumentId>,
    /// Checks signed heads (and knows which devices were removed).
    signatures: Arc<Signatures>,
    /// Heads already checked: (actor, seq, change hash, signature) → the answer (a revoked
    /// device's heads are checked again: the answer can change).
    checked: HashMap<(ActorId, u64, ChangeHash, Vec<u8>), Signature>,
}

/// The handle connections use; cheap to clone.
#[derive(Clone)]
pub struct EngineHandle {
    tx: mpsc::Sender<Event>,
    pub metrics: Arc<Metrics>,
}

impl EngineHandle {
    pub async fn send(&self, event: Event) -> bool {
        self.tx.send(event).await.is_ok()
    }

    /// True when the engine handled everything queued before within `timeout`.
    pub async fn alive(&self, timeout: Duration) -> bool {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Event::Ping(tx)).await.is_err() {
            return false;
        }
        matches!(tokio::time::timeout(timeout, rx).await, Ok(Ok(())))
    }

    /// Saves everything and stops the engine.
    pub async fn stop(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Event::Stop(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

/// Reads or creates the storage id peers remember their sync state under (samod's key, so a
/// data directory it wrote keeps its id).
fn storage_id(storage: &FsStorage) -> anyhow::Result<String> {
    let key = StorageKey::new(["storage-adapter-id"]);
    if let Some(bytes) = storage.load_blocking(&key)?
        && let Ok(id) = String::from_utf8(bytes)
        && !id.trim().is_empty()
    {
        return Ok(id.trim().to_owned());
    }
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let id = format!(
        "{}-{}-{}-{}-{}",
        hex(&bytes[..4]),
        hex(&bytes[4..6]),
        hex(&bytes[6..8]),
        hex(&bytes[8..10]),
        hex(&bytes[10..])
    );
    storage.put_blocking(&key, id.as_bytes())?;
    Ok(id)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Starts the engine on its own thread over `storage`.
pub fn start(
    storage: FsStorage,
    limits: Limits,
    signatures: Arc<Signatures>,
) -> anyhow::Result<EngineHandle> {
    let storage_id = storage_id(&storage)?;
    let metrics = Arc::new(Metrics::default());
    let (tx, rx) = mpsc::channel(4096);
    let engine = Engine {
        storage: storage.clone(),
        limits,
        peer_id: PeerId::from("juntas-server"),
        storage_id,
        conns: HashMap::new(),
        docs: HashMap::new(),
        waiting: HashMap::new(),
        dirty: HashSet::new(),
        flush_at: None,
        side: side_writer(storage.clone(), metrics.clone())?,
        metrics: metrics.clone(),
        owners: HashMap::new(),
        networks: HashMap::new(),
        network_saves: HashMap::new(),
        network_errors: HashMap::new(),
        network_ids: HashSet::new(),
        signatures,
        checked: HashMap::new(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    std::thread::Builder::new()
        .name("juntas-sync".into())
        .spawn(move || runtime.block_on(engine.run(rx)))?;
    Ok(EngineHandle { tx, metrics })
}

/// The thread that writes sync states; ends when the engine drops its sender.
fn side_writer(
    storage: FsStorage,
    metrics: Arc<Metrics>,
) -> anyhow::Result<std::sync::mpsc::Sender<(DocumentId, String, Vec<u8>)>> {
    let (tx, rx) = std::sync::mpsc::channel::<(DocumentId, String, Vec<u8>)>();
    std::thread::Builder::new().name("juntas-sync-states".into()).spawn(move || {
        for (id, peer, state) in rx {
            if let Err(e) =
                futures::executor::block_on(save_sync_state(&storage, &id, &peer, &state))
            {
                add(&metrics.storage_errors, 1);
                tracing::warn!(doc = %id, error = %e, "cannot keep a peer's sync state");
            }
        }
    })?;
    Ok(tx)
}

/// Operations a message would add, counted before it is merged. A V1 message carries one
/// chunk per change; a V2 message carries one chunk that is the changes' chunks one after the
/// other (its changes' deps are not in it, so it cannot be loaded alone: it was counted as 0
/// and automerge logged an error), split here; a whole document is loaded on its own.
fn incoming_ops(message: &sync::Message) -> u64 {
    message.changes.iter().flat_map(|data| split_chunks(data)).map(chunk_ops).sum()
}

/// The storage chunks laid one after another in `bytes` (magic, checksum, type, LEB128
/// length, contents); what cannot be split is returned whole.
fn split_chunks(mut bytes: &[u8]) -> Vec<&[u8]> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let whole = bytes;
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let next = (|| {
            if bytes.len() < 9 || bytes[..4] != MAGIC {
                return None;
            }
            let (mut i, mut len, mut shift) = (9usize, 0u64, 0u32);
            loop {
                let b = *bytes.get(i)?;
                i += 1;
                len |= u64::from(b & 0x7f).checked_shl(shift)?;
                if b & 0x80 == 0 {
                    break;
                }
                shift += 7;
                if shift > 63 {
                    return None;
                }
            }
            let end = i.checked_add(usize::try_from(len).ok()?)?;
            (end <= bytes.len()).then_some(end)
        })();
        match next {
            Some(end) => {
                out.push(&bytes[..end]);
                bytes = &bytes[end..];
            }
            None => return vec![whole],
        }
    }
    out
}

/// Operations in one chunk: a change, or a whole document (loaded on its own); anything else
/// counts as its size (an operation takes at least a byte), so the cap still holds.
fn chunk_ops(chunk: &[u8]) -> u64 {
    if let Ok(change) = automerge::Change::try_from(chunk) {
        return change.len() as u64;
    }
    match automerge::Automerge::load(chunk) {
        Ok(d) => d.stats().num_ops,
        Err(_) => chunk.len() as u64,
    }
}

impl Engine {
    async fn run(mut self, mut rx: mpsc::Receiver<Event>) {
        let mut sweep = tokio::time::interval(Duration::from_secs(1));
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let flush_at = self.flush_at;
            tokio::select! {
                event = rx.recv() => match event {
                    None => { self.flush(); break; }
                    Some(Event::Stop(done)) => {
                        self.flush();
                        self.close_all();
                        let _ = done.send(());
                        break;
                    }
                    Some(event) => self.handle(event),
                },
                _ = async { tokio::time::sleep_until(flush_at.unwrap_or_else(tokio::time::Instant::now)).await }, if flush_at.is_some() => {
                    self.flush();
                }
                _ = sweep.tick() => self.sweep(Instant::now()),
            }
            self.metrics.documents_in_memory.store(self.docs.len() as u64, Ordering::Relaxed);
            let networks = self.network_ids.iter().filter(|id| self.docs.contains_key(id)).count();
            self.metrics.networks_in_memory.store(networks as u64, Ordering::Relaxed);
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Open { conn, out, kill, grants } => {
                let session = Session::accept(SessionConfig {
                    peer_id: self.peer_id.clone(),
                    storage_id: Some(juntas_core::sync::StorageId(self.storage_id.clone())),
                    is_ephemeral: false,
                });
                self.conns.insert(
                    conn,
                    Conn {
                        session,
                        out,
                        kill,
                        docs: HashSet::new(),
                        opened: VecDeque::new(),
                        grants,
                    },
                );
                add(&self.metrics.connections, 1);
                add(&self.metrics.connections_total, 1);
                // A device removed, or a member removed from the directory, between the
                // upgrade's check and now: closed at once, as it would have been if open.
                if self.holds_a_removed_grant(conn) {
                    self.refuse(conn, refusal::DEVICE_REMOVED.to_owned(), |m| &m.refused_access);
                }
            }
            Event::Frame { conn, bytes } => self.frame(conn, &bytes),
            Event::Closed { conn } => self.drop_conn(conn),
            Event::Revoke { device } => {
                let holding: Vec<ConnId> = self
                    .conns
                    .iter()
                    .filter(|(_, c)| c.grants.iter().any(|g| g.device == device))
                    .map(|(id, _)| *id)
                    .collect();
                for conn in holding {
                    let reason = refusal::DEVICE_REMOVED.to_owned();
                    self.refuse(conn, reason, |m| &m.refused_access);
                }
            }
            Event::Network { id, reply } => {
                let _ = reply.send(self.network_read(id));
            }
            Event::NetworkBytes { network, member, reply } => {
                let _ = reply.send(self.network_bytes(network, &member));
            }
            Event::Ping(done) => {
                let _ = done.send(());
            }
            Event::Stop(_) => unreachable!("handled in run"),
        }
    }

    fn send(&mut self, conn: ConnId, bytes: Vec<u8>) {
        let Some(c) = self.conns.get(&conn) else { return };
        let len = bytes.len() as u64;
        match c.out.try_send(Out::Binary(bytes)) {
            Ok(()) => {
                add(&self.metrics.messages_out, 1);
                add(&self.metrics.bytes_out, len);
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                // A reader that does not keep up would make the server hold its backlog.
                tracing::warn!(conn, "closing sync connection: the client does not read");
                add(&self.metrics.refused_slow_reader, 1);
                c.kill.notify_one();
                self.drop_conn(conn);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => self.drop_conn(conn),
        }
    }

    /// Sends `error` and closes the connection.
    fn refuse(&mut self, conn: ConnId, reason: String, counter: fn(&Metrics) -> &AtomicU64) {
        tracing::warn!(conn, reason = %reason, "closing sync connection");
        add(counter(&self.metrics), 1);
        let error = juntas_core::sync::Message::Error { message: reason }.encode();
        self.end(conn, Some(error));
    }

    /// Queues `last` (if any) and a close; a queue too full for them ends the socket at once.
    fn end(&mut self, conn: ConnId, last: Option<Vec<u8>>) {
        if let Some(c) = self.conns.get(&conn) {
            let queued = last.is_none_or(|m| c.out.try_send(Out::Binary(m)).is_ok())
                && c.out.try_send(Out::Close).is_ok();
            if !queued {
                c.kill.notify_one();
            }
        }
        self.drop_conn(conn);
    }

    fn frame(&mut self, conn: ConnId, bytes: &[u8]) {
        add(&self.metrics.messages_in, 1);
        add(&self.metrics.bytes_in, bytes.len() as u64);
        let Some(c) = self.conns.get_mut(&conn) else { return };
        match c.session.receive(bytes) {
            Err(e) => self.refuse(conn, e.to_string(), |m| &m.refused_protocol),
            Ok(Incoming::Ready { reply, remote, .. }) => {
                tracing::info!(conn, peer = %remote, "sync peer joined");
                if let Some(reply) = reply {
                    self.send(conn, reply);
                }
            }
            Ok(Incoming::Sync { document_id, message, request }) => {
                self.sync(conn, document_id, message, request)
            }
            Ok(Incoming::RemoteError { message }) => {
                tracing::info!(conn, message = %message, "peer reported an error");
                self.end(conn, None);
            }
            Ok(Incoming::Leave) => self.end(conn, None),
            // The server asks for nothing, so `doc-unavailable` needs no answer; presence
            // (ephemeral) is not relayed: the app does not use it.
            Ok(Incoming::Unavailable { .. } | Incoming::Ephemeral { .. }) => {}
            Ok(Incoming::Ignored { .. }) => {}
        }
    }

    /// Whether `conn` may start syncing one more document now.
    fn may_open(&mut self, conn: ConnId, now: Instant) -> bool {
        let limit = self.limits.max_docs_per_minute;
        let Some(c) = self.conns.get_mut(&conn) else { return false };
        while c.opened.front().is_some_and(|t| now.duration_since(*t) > Duration::from_secs(60)) {
            c.opened.pop_front();
        }
        if c.opened.len() >= limit {
            return false;
        }
        c.opened.push_back(now);
        true
    }

    /// Loads `id` into memory if it is stored. `Ok(false)`: nobody stored it.
    fn load(&mut self, id: DocumentId) -> Result<bool, LoadError> {
        if self.docs.contains_key(&id) {
            return Ok(true);
        }
        let loaded =
            futures::executor::block_on(StoredDoc::load(&self.storage, id, server_actor()))?;
        let Some(stored) = loaded else { return Ok(false) };
        add(&self.metrics.documents_loaded, 1);
        let mut doc = Doc::new(stored, false);
        // Loaded to check access (a network) or refused: evicted like any unused document
        // unless someone subscribes.
        doc.idle_since = Some(Instant::now());
        self.docs.insert(id, doc);
        Ok(true)
    }

    /// The network document `id` as it reads now, loading it if needed; None when nobody
    /// stored it or it cannot be read (logged and counted by [`Engine::network_read`]): access
    /// by it is then refused.
    fn network(&mut self, id: DocumentId) -> Option<Network> {
        self.network_read(id).ok().flatten()
    }

    /// [`Engine::network`] with why it cannot be read: a stored copy that does not load, or
    /// does not read as a network. Each cause is logged and counted once (the sync asks at
    /// every message), and again when it changes.
    fn network_read(&mut self, id: DocumentId) -> Result<Option<Network>, String> {
        let read = self.network_uncounted(id);
        match &read {
            Err(e) if self.network_errors.get(&id) != Some(e) => {
                add(&self.metrics.storage_errors, 1);
                tracing::error!(doc = %id, error = %e, "cannot read a stored network document");
                self.network_errors.insert(id, e.clone());
            }
            Err(_) => {}
            Ok(_) => {
                self.network_errors.remove(&id);
            }
        }
        read
    }

    fn network_uncounted(&mut self, id: DocumentId) -> Result<Option<Network>, String> {
        match self.load(id) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => return Err(format!("cannot load it: {e}")),
        }
        let Some(doc) = self.docs.get_mut(&id) else { return Ok(None) };
        let heads = doc.stored.doc_mut().get_heads();
        if let Some((at, net)) = self.networks.get(&id)
            && *at == heads
        {
            return Ok(Some(net.clone()));
        }
        let net = network_model::read(doc.stored.doc())
            .map_err(|e| format!("it does not read as a network: {e}"))?;
        self.networks.insert(id, (heads, net.clone()));
        Ok(Some(net))
    }

    /// [`Event::NetworkBytes`]: the network document saved whole, if `member` may read it as
    /// the network says now (the same rule as a sync request of it). Saved once per version:
    /// a device asking again, or many phones redeeming their invites, get the same bytes.
    fn network_bytes(&mut self, network: DocumentId, member: &str) -> NetworkBytes {
        match self.load(network) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => {
                add(&self.metrics.storage_errors, 1);
                tracing::error!(doc = %network, error = %e, "cannot load a stored network document");
                return Err(e.to_string());
            }
        }
        let Some(who) = self.network(network).and_then(|n| Who::of(&n, member)) else {
            return Ok(None);
        };
        let Some(doc) = self.docs.get_mut(&network) else { return Ok(None) };
        let Some(facts) = rules::facts_of(doc.stored.doc()) else { return Ok(None) };
        if !rules::may_read(Some(&who), &facts) {
            return Ok(None);
        }
        let heads = doc.stored.doc_mut().get_heads();
        if let Some((at, bytes)) = self.network_saves.get(&network)
            && *at == heads
        {
            return Ok(Some(bytes.clone()));
        }
        // A copy's save: `AutoCommit::save` on the stored copy would move the cursor its next
        // incremental save starts from (a network document is a few KB).
        let bytes = Arc::new(doc.stored.doc().clone().save());
        self.network_saves.insert(network, (heads, bytes.clone()));
        Ok(Some(bytes))
    }

    /// The network document `id` belongs to, read from its own fields (an inquiry record's
    /// through its inquiry). None: not a Juntas document, or its inquiry is not here.
    fn owner(&mut self, id: DocumentId) -> Option<DocumentId> {
        if let Some(n) = self.owners.get(&id) {
            return Some(*n);
        }
        let owner = rules::owner_of(self.docs.get(&id)?.stored.doc())?;
        let network = match owner {
            Owner::IsNetwork => {
                self.network_ids.insert(id);
                id
            }
            Owner::Network(n) => n.parse().ok()?,
            Owner::Inquiry(inquiry) => {
                let inquiry: DocumentId = inquiry.parse().ok()?;
                if inquiry == id || !self.load(inquiry).ok()? {
                    return None;
                }
                match rules::owner_of(self.docs.get(&inquiry)?.stored.doc())? {
                    Owner::Network(n) => n.parse().ok()?,
                    _ => return None,
                }
            }
        };
        self.owners.insert(id, network);
        Some(network)
    }

    /// Who `conn` is in the network `doc` belongs to, as that network says now.
    fn who(&mut self, conn: ConnId, doc: DocumentId) -> Option<Who> {
        let network = self.owner(doc)?;
        let member = self.conns.get(&conn)?.grant(&network)?.member.clone();
        Who::of(&self.network(network)?, &member)
    }

    /// Whether `conn` may read the loaded document `id`.
    fn may_read(&mut self, conn: ConnId, id: DocumentId) -> bool {
        let who = self.who(conn, id);
        let Some(facts) = self.docs.get(&id).and_then(|d| rules::facts_of(d.stored.doc())) else {
            return false;
        };
        rules::may_read(who.as_ref(), &facts)
    }

    /// Answers `doc-unavailable` for `id` to `conn`, as for a document nobody stored.
    fn unavailable(&mut self, conn: ConnId, id: DocumentId) {
        let Some(c) = self.conns.get_mut(&conn) else { return };
        if let Some(reply) = c.session.unavailable(id) {
            self.send(conn, reply);
        }
    }

    fn sync(&mut self, conn: ConnId, id: DocumentId, message: sync::Message, request: bool) {
        let now = Instant::now();
        let first_time = self.conns.get(&conn).is_some_and(|c| !c.docs.contains(&id));
        if first_time && !self.may_open(conn, now) {
            let reason = format!(
                "{}: at most {} a minute per connection",
                refusal::TOO_MANY_DOCUMENTS,
                self.limits.max_docs_per_minute
            );
            return self.refuse(conn, reason, |m| &m.refused_rate);
        }
        match self.load(id) {
            Ok(true) => {}
            Ok(false) if request && message.changes.is_empty() => {
                // Nobody has it and neither does the peer: keep no document, only its interest.
                let Some(c) = self.conns.get_mut(&conn) else { return };
                c.docs.insert(id);
                let reply = c.session.unavailable(id);
                self.waiting.entry(id).or_default().insert(conn);
                if let Some(reply) = reply {
                    self.send(conn, reply);
                }
                return;
            }
            Ok(false) => {
                // The peer has a document nobody stored yet: it is about to upload it (an empty
                // copy is dropped again below if nothing arrives).
                self.docs.insert(id, Doc::new(StoredDoc::new(id, server_actor()), true));
            }
            Err(e) => {
                // A damaged or unreadable document on the server: say so in the log, and tell
                // only this peer that it is not available here; the connection keeps working.
                add(&self.metrics.storage_errors, 1);
                tracing::error!(conn, doc = %id, error = %e, "cannot load a stored document");
                return self.unavailable(conn, id);
            }
        }
        // Empty: nobody uploaded it yet (the peer is about to). Anything else, even not saved
        // yet, is read only by those who may.
        let empty =
            self.docs.get_mut(&id).is_none_or(|d| d.stored.doc_mut().get_heads().is_empty());
        // Who she is, as the network said before this message (a message to the network
        // document is judged by the roles it had, not by the roles it gives).
        let net_before = if empty { None } else { self.owner(id).and_then(|n| self.network(n)) };
        let who = match (&net_before, self.owner(id)) {
            (Some(net), Some(owner)) => self
                .conns
                .get(&conn)
                .and_then(|c| c.grant(&owner))
                .and_then(|g| Who::of(net, &g.member)),
            _ => None,
        };
        if !empty && !self.may_read(conn, id) {
            // Another network's document, or a record she may not read: answered exactly as
            // a document nobody stored, so its existence is not revealed.
            add(&self.metrics.refused_access, 1);
            tracing::info!(conn, doc = %id, "document not served: no member of its network");
            return self.unavailable(conn, id);
        }
        let incoming = incoming_ops(&message);
        let Some(doc) = self.docs.get_mut(&id) else { return };
        let current = doc.stored.doc().stats().num_ops;
        if incoming > 0 && current + incoming > self.limits.max_doc_ops {
            let reason = format!(
                "{}: document {id} would exceed the server's limit of {} operations ({} now, {} more)",
                refusal::DOCUMENT_TOO_LARGE,
                self.limits.max_doc_ops,
                current,
                incoming
            );
            if doc.fresh && doc.subscribers.is_empty() {
                self.docs.remove(&id);
            }
            return self.refuse(conn, reason, |m| &m.refused_too_large);
        }
        let Some(c) = self.conns.get_mut(&conn) else { return };
        if first_time
            && let Some(peer_storage) = c.session.remote_storage().map(|s| s.0.clone())
            && let Ok(Some(saved)) =
                futures::executor::block_on(load_sync_state(&self.storage, &id, &peer_storage))
        {
            c.session.restore_state(id, &saved);
        }
        let before = doc.stored.doc_mut().get_heads();
        let applied = match c.session.apply(now_ms(), id, doc.stored.doc_mut(), message) {
            Ok(applied) => applied,
            Err(e) => return self.refuse(conn, e.to_string(), |m| &m.refused_protocol),
        };
        if applied.changed
            && let Err(reason) = self.judge(conn, id, &before, who, net_before)
        {
            // Not kept, not relayed: the document goes back to what it was.
            let reason = format!("{}: document {id}: {reason}", refusal::CHANGE_REFUSED);
            match self.docs.get_mut(&id) {
                Some(doc) if !before.is_empty() => {
                    if let Err(e) = doc.stored.rollback(&before) {
                        tracing::error!(doc = %id, error = %e, "cannot drop a refused change");
                    }
                    self.networks.remove(&id);
                }
                _ => {
                    self.docs.remove(&id);
                    self.owners.remove(&id);
                }
            }
            return self.refuse(conn, reason, |m| &m.refused_change);
        }
        let Some(doc) = self.docs.get_mut(&id) else { return };
        let Some(c) = self.conns.get_mut(&conn) else { return };
        c.docs.insert(id);
        doc.subscribers.insert(conn);
        doc.idle_since = None;
        if applied.changed {
            self.dirty.insert(id);
            if self.flush_at.is_none() {
                self.flush_at = Some(tokio::time::Instant::now() + self.limits.coalesce);
            }
            if let Some(waiters) = self.waiting.remove(&id) {
                for w in waiters {
                    if self.may_read(w, id)
                        && let Some(doc) = self.docs.get_mut(&id)
                    {
                        doc.subscribers.insert(w);
                    }
                }
            }
        } else if doc.fresh && doc.stored.doc_mut().get_heads().is_empty() {
            // Nothing arrived for a document nobody has: do not keep it.
            doc.subscribers.remove(&conn);
            self.docs.remove(&id);
            self.waiting.entry(id).or_default().insert(conn);
        }
        if let Some(reply) = applied.reply {
            self.send(conn, reply);
        }
        if applied.changed && self.owner(id) == Some(id) {
            // A network document says who may do what: stored at once (it is rarely written,
            // so nothing to coalesce), so a crash right after never forgets a member.
            self.flush();
        }
    }

    /// Whether the changes `conn` just brought to `id` (everything after `before`) are
    /// allowed: a new document must belong to a network the connection acts for, and every
    /// change must be one its member may make ([`rules::judge`]).
    fn judge(
        &mut self,
        conn: ConnId,
        id: DocumentId,
        before: &[ChangeHash],
        who: Option<Who>,
        net_before: Option<Network>,
    ) -> Result<(), String> {
        let network = self.owner(id).ok_or("it belongs to no network this server knows")?;
        let member = match self.conns.get(&conn).and_then(|c| c.grant(&network)) {
            Some(g) => g.member.clone(),
            None => return Err("it belongs to a network this device is not a member of".into()),
        };
        let fresh = before.is_empty();
        let who = if fresh && id == network {
            // A network the server has never had: only its founder holds a grant for it
            // (invites need the network here), and she uploads it as its facilitator.
            Some(Who {
                member,
                role: Role::Facilitator,
                centre: None,
                commissions: Default::default(),
            })
        } else if fresh {
            self.network(network).and_then(|n| Who::of(&n, &member))
        } else {
            who
        };
        let doc = self.docs.get_mut(&id).ok_or("gone")?;
        if fresh && id != network {
            let facts =
                rules::facts_of(doc.stored.doc()).ok_or("it is of no kind this server knows")?;
            rules::may_create(who.as_ref(), &facts).map_err(|r| r.to_string())?;
        }
        let network_str = network.to_string();
        let actors: HashSet<ActorId> = doc
            .stored
            .doc_mut()
            .get_changes_meta(before)
            .into_iter()
            .map(|c| c.actor.into_owned())
            .collect();
        let mut sigs = BTreeMap::new();
        for actor in actors {
            let doc = &mut self.docs.get_mut(&id).ok_or("gone")?.stored;
            let sig = match signing::head_of(doc.doc(), &actor) {
                None => continue,
                Some(Err(bad)) => Signature::Invalid(bad),
                Some(Ok(head)) => {
                    let key = (actor.clone(), head.seq, head.hash, head.sig.clone());
                    match self.checked.get(&key) {
                        Some(s) => s.clone(),
                        None => {
                            let s = self.signatures.verify(doc.doc_mut(), &head, &network_str);
                            if matches!(s, Signature::Valid { .. }) {
                                if self.checked.len() > 100_000 {
                                    self.checked.clear();
                                }
                                self.checked.insert(key, s.clone());
                            }
                            s
                        }
                    }
                }
            };
            sigs.insert(actor, sig);
        }
        // A removed device's heads stop counting at once, even those checked before.
        for sig in sigs.values_mut() {
            if let Signature::Valid { device, .. } = sig
                && self.signatures.is_revoked(device)
            {
                *sig = Signature::Invalid(signing::Bad::Revoked);
            }
        }
        // Signers' roles as the network had them before this message, like the sender's.
        let net = if fresh { self.network(network) } else { net_before };
        let who_is = |m: &str| net.as_ref().and_then(|n| Who::of(n, m));
        let doc = self.docs.get_mut(&id).ok_or("gone")?;
        rules::judge_signed(doc.stored.doc_mut(), before, who.as_ref(), &sigs, &who_is)
            .map_err(|r| r.refusal.to_string())?;
        if id == network {
            self.networks.remove(&id);
            self.members_changed(network);
        }
        Ok(())
    }

    /// Whether connection `conn` holds a grant of a device removed since, or of a member its
    /// network no longer lists.
    fn holds_a_removed_grant(&mut self, conn: ConnId) -> bool {
        let grants = match self.conns.get(&conn) {
            Some(c) => c.grants.clone(),
            None => return false,
        };
        grants.iter().any(|g| {
            self.signatures.is_revoked(&g.device)
                || g.network
                    .parse()
                    .ok()
                    .and_then(|n| self.network(n))
                    .is_some_and(|net| !net.members.contains_key(&g.member))
        })
    }

    /// Closes the connections of members a network no longer lists.
    fn members_changed(&mut self, network: DocumentId) {
        let Some(net) = self.network(network) else { return };
        let key = network.to_string();
        let gone: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                c.grants.iter().any(|g| g.network == key && !net.members.contains_key(&g.member))
            })
            .map(|(id, _)| *id)
            .collect();
        for conn in gone {
            self.refuse(conn, refusal::DEVICE_REMOVED.to_owned(), |m| &m.refused_access);
        }
    }

    /// Saves every changed document, then brings each of its peers up to date.
    fn flush(&mut self) {
        self.flush_at = None;
        let dirty: Vec<DocumentId> = self.dirty.drain().collect();
        for id in dirty {
            let Some(doc) = self.docs.get_mut(&id) else { continue };
            match futures::executor::block_on(doc.stored.save(&self.storage)) {
                Ok(_) => {
                    doc.fresh = false;
                    self.metrics.storage_failing.store(false, Ordering::Relaxed);
                }
                Err(e) => {
                    // Kept in memory and retried at the next flush; /healthz reports it.
                    add(&self.metrics.storage_errors, 1);
                    self.metrics.storage_failing.store(true, Ordering::Relaxed);
                    tracing::error!(doc = %id, error = %e, "cannot save a document");
                    self.dirty.insert(id);
                    if self.flush_at.is_none() {
                        self.flush_at = Some(tokio::time::Instant::now() + Duration::from_secs(1));
                    }
                }
            }
            let subscribers: Vec<ConnId> = doc.subscribers.iter().copied().collect();
            let now = now_ms();
            let mut outgoing = Vec::new();
            for conn in subscribers {
                let Some(c) = self.conns.get_mut(&conn) else { continue };
                if let Some(msg) = c.session.update(now, id, doc.stored.doc_mut()) {
                    outgoing.push((conn, msg));
                }
            }
            for (conn, msg) in outgoing {
                self.send(conn, msg);
            }
        }
    }

    /// Forgets a connection: its documents lose a subscriber, its sync states are kept.
    fn drop_conn(&mut self, conn: ConnId) {
        let Some(c) = self.conns.remove(&conn) else { return };
        self.metrics.connections.fetch_sub(1, Ordering::Relaxed);
        let peer_storage = c.session.remote_storage().map(|s| s.0.clone());
        let now = Instant::now();
        for id in &c.docs {
            if let Some(waiters) = self.waiting.get_mut(id) {
                waiters.remove(&conn);
                if waiters.is_empty() {
                    self.waiting.remove(id);
                }
            }
            let Some(doc) = self.docs.get_mut(id) else { continue };
            doc.subscribers.remove(&conn);
            if doc.subscribers.is_empty() {
                doc.idle_since = Some(now);
            }
            if let (Some(peer), Some(state)) = (&peer_storage, c.session.sync_state(id))
                && !doc.fresh
            {
                let _ = self.side.send((*id, peer.clone(), state));
            }
        }
    }

    /// Evicts documents nobody has used for `evict_after` (saved first).
    fn sweep(&mut self, now: Instant) {
        let after = self.limits.evict_after;
        let idle: Vec<DocumentId> = self
            .docs
            .iter()
            .filter(|(_, d)| {
                d.subscribers.is_empty() && d.idle_since.is_some_and(|t| now - t >= after)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in idle {
            let Some(doc) = self.docs.get_mut(&id) else { continue };
            if doc.stored.has_unsaved_changes()
                && let Err(e) = futures::executor::block_on(doc.stored.save(&self.storage))
            {
                add(&self.metrics.storage_errors, 1);
                tracing::error!(doc = %id, error = %e, "cannot save a document; kept in memory");
                continue;
            }
            self.docs.remove(&id);
            add(&self.metrics.documents_evicted, 1);
        }
    }

    fn close_all(&mut self) {
        let conns: Vec<ConnId> = self.conns.keys().copied().collect();
        for conn in conns {
            self.end(conn, None);
        }
    }
}

/// The server never authors changes; every document it holds gets this actor.
fn server_actor() -> ActorId {
    ActorId::from(&b"juntas-server\0\0\0"[..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{AutoCommit, ROOT, sync::SyncDoc, transaction::Transactable};

    /// Every message a full sync from `from` to an empty peer sends, in order.
    fn messages(from: &mut AutoCommit) -> Vec<sync::Message> {
        let mut to = AutoCommit::new();
        let (mut a, mut b) = (sync::State::new(), sync::State::new());
        let mut sent = Vec::new();
        for _ in 0..10 {
            let m1 = from.sync().generate_sync_message(&mut a);
            if let Some(m) = &m1 {
                sent.push(m.clone());
                to.sync().receive_sync_message(&mut b, m.clone()).unwrap();
            }
            let m2 = to.sync().generate_sync_message(&mut b);
            if let Some(m) = m2.clone() {
                from.sync().receive_sync_message(&mut a, m).unwrap();
            }
            if m1.is_none() && m2.is_none() {
                break;
            }
        }
        sent
    }

    #[test]
    fn the_operation_cap_counts_the_ops_of_every_kind_of_chunk_a_peer_sends() {
        let mut doc = AutoCommit::new();
        for i in 0..40 {
            doc.put(ROOT, format!("k{i}"), i as i64).unwrap();
            doc.commit();
        }
        let first: u64 = messages(&mut doc).iter().map(incoming_ops).sum();
        assert_eq!(first, 40, "a whole document sent at once");
        // Twenty more changes after the peer has the first forty: an incremental message
        // (a bundle of changes whose deps the message does not carry).
        let mut peer = doc.fork();
        let (mut a, mut b) = (sync::State::new(), sync::State::new());
        for _ in 0..6 {
            if let Some(m) = doc.sync().generate_sync_message(&mut a) {
                peer.sync().receive_sync_message(&mut b, m).unwrap();
            }
            if let Some(m) = peer.sync().generate_sync_message(&mut b) {
                doc.sync().receive_sync_message(&mut a, m).unwrap();
            }
        }
        for i in 0..20 {
            doc.put(ROOT, format!("n{i}"), i as i64).unwrap();
            doc.commit();
        }
        let mut counted = 0;
        for _ in 0..6 {
            if let Some(m) = doc.sync().generate_sync_message(&mut a) {
                counted += incoming_ops(&m);
                peer.sync().receive_sync_message(&mut b, m).unwrap();
            }
            if let Some(m) = peer.sync().generate_sync_message(&mut b) {
                doc.sync().receive_sync_message(&mut a, m).unwrap();
            }
        }
        assert_eq!(counted, 20, "the twenty new operations, whatever the chunk's format");
    }
}
