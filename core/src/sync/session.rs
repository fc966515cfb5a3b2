//! A sans-IO session: one connection's side of the automerge-repo protocol.
//!
//! The session owns the handshake and one `automerge::sync::State` per document; it never
//! touches a socket, a clock or storage. Whoever drives it (a WebSocket or BroadcastChannel
//! transport in the browser, a test harness here) hands it bytes, the current time and the
//! document concerned, and sends the bytes it returns. Receiving is two-phase because the
//! document a message is about is only known after decoding it:
//!
//! 1. [`Session::receive`] decodes and checks one message and says what it is;
//! 2. for a sync message the driver locks that document and calls [`Session::apply`], which
//!    merges the changes and returns the reply.
//!
//! After a local edit (or changes that arrived over another connection) the driver calls
//! [`Session::update`] for every open session. Sync state is persisted per (document, peer
//! storage id) by the driver from [`Session::sync_state`]; giving it back to
//! [`Session::open_doc`] on the next connection makes a reconnect after many offline edits cost
//! one or two round trips instead of a full exchange. Decoding a saved state keeps only the
//! shared heads, which is exactly the reset a new connection needs (a stale `in_flight` or
//! `sent_hashes` from the old connection would otherwise stall or loop the exchange).

use std::collections::BTreeMap;

use automerge::sync::{self, SyncDoc};
use automerge::{AutoCommit, ChangeHash, ReadDoc};

use super::message::{DecodeError, Message, PROTOCOL_V1, PeerId, PeerMetadata, StorageId};
use crate::ids::DocumentId;

/// Who this session speaks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub peer_id: PeerId,
    pub storage_id: Option<StorageId>,
    pub is_ephemeral: bool,
}

impl Config {
    fn metadata(&self) -> PeerMetadata {
        PeerMetadata { storage_id: self.storage_id.clone(), is_ephemeral: self.is_ephemeral }
    }
}

/// Where the handshake is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// We dialled and sent `join`; waiting for `peer`.
    AwaitingPeer,
    /// We accepted a connection; waiting for `join`.
    AwaitingJoin,
    /// Handshake done.
    Ready { remote: PeerId, metadata: PeerMetadata },
    /// The connection is over (error sent or received, or `leave`).
    Closed,
}

/// What one received message is.
#[derive(Debug)]
pub enum Incoming {
    /// The handshake completed. `reply` (the `peer` message) must be sent first when present.
    /// The driver then opens every document it wants to sync with this peer.
    Ready { remote: PeerId, metadata: PeerMetadata, reply: Option<Vec<u8>> },
    /// An Automerge sync message for a document; pass it to [`Session::apply`]. `request` means
    /// the peer does not have the document yet.
    Sync { document_id: DocumentId, message: sync::Message, request: bool },
    /// The peer does not have a document we asked for, and neither do its peers.
    Unavailable { document_id: DocumentId },
    /// Application data that is not stored (presence); CBOR bytes.
    Ephemeral { document_id: DocumentId, data: Vec<u8> },
    /// The peer reported an error and will close.
    RemoteError { message: String },
    /// The peer is leaving.
    Leave,
    /// A valid message this session has no use for (e.g. remote-heads gossip).
    Ignored { kind: &'static str },
}

/// A protocol violation: the connection must be closed (after sending
/// [`Session::error_message`] with its text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("malformed message: {0}")]
    Decode(#[from] DecodeError),
    #[error("unexpected {kind} message before the handshake")]
    BeforeHandshake { kind: &'static str },
    #[error("unexpected {kind} message after the handshake")]
    AfterHandshake { kind: &'static str },
    #[error("no common protocol version (peer offers {offered:?}, we speak \"1\")")]
    Version { offered: Vec<String> },
    #[error("the message is addressed to {0}, not to us")]
    WrongTarget(PeerId),
    #[error("invalid Automerge sync data: {0}")]
    BadSyncData(String),
    #[error("the connection is closed")]
    Closed,
}

/// The result of applying a sync message.
#[derive(Debug, Default)]
pub struct Applied {
    /// The document gained changes (save it, refresh views, tell other connections).
    pub changed: bool,
    /// The message to send back, if any.
    pub reply: Option<Vec<u8>>,
}

/// How one document stands with this peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocStatus {
    /// Changes we have that the peer is not known to have.
    pub pending: usize,
    /// When both sides last had the same heads (ms since the epoch), in this connection.
    pub last_synced_at: Option<u64>,
    /// The peer said it does not have the document.
    pub unavailable: bool,
}

#[derive(Debug)]
struct DocState {
    sync: sync::State,
    /// Anything received about this document in this session.
    heard_from_peer: bool,
    unavailable: bool,
    last_synced_at: Option<u64>,
    /// Opened with [`Session::open_doc_unloaded`] at these heads, and no document has been
    /// passed in since: the state is exactly what the real document would have left.
    unloaded: Option<Vec<ChangeHash>>,
}

/// One side of one connection.
#[derive(Debug)]
pub struct Session {
    config: Config,
    phase: Phase,
    docs: BTreeMap<DocumentId, DocState>,
}

impl Session {
    /// Starts a connection we opened; send the returned `join` first.
    pub fn dial(config: Config) -> (Session, Vec<u8>) {
        let join = Message::Join {
            sender_id: config.peer_id.clone(),
            supported_protocol_versions: vec![PROTOCOL_V1.to_owned()],
            metadata: Some(config.metadata()),
        };
        let session = Session { config, phase: Phase::AwaitingPeer, docs: BTreeMap::new() };
        (session, join.encode())
    }

    /// Starts a connection a peer opened; wait for its `join`.
    pub fn accept(config: Config) -> Session {
        Session { config, phase: Phase::AwaitingJoin, docs: BTreeMap::new() }
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    pub fn is_ready(&self) -> bool {
        matches!(self.phase, Phase::Ready { .. })
    }

    /// The remote peer's storage id when it keeps one across connections (the key under which
    /// its sync state is worth persisting).
    pub fn remote_storage(&self) -> Option<&StorageId> {
        match &self.phase {
            Phase::Ready { metadata, .. } if !metadata.is_ephemeral => metadata.storage_id.as_ref(),
            _ => None,
        }
    }

    pub fn remote_peer(&self) -> Option<&PeerId> {
        match &self.phase {
            Phase::Ready { remote, .. } => Some(remote),
            _ => None,
        }
    }

    /// Decodes and checks one message. An error means: send [`Session::error_message`] and
    /// close this connection (other connections are unaffected).
    pub fn receive(&mut self, bytes: &[u8]) -> Result<Incoming, ProtocolError> {
        if self.phase == Phase::Closed {
            return Err(ProtocolError::Closed);
        }
        let message = match Message::decode(bytes) {
            Ok(m) => m,
            Err(e) => {
                self.phase = Phase::Closed;
                return Err(e.into());
            }
        };
        let result = self.route(message);
        if result.is_err() {
            self.phase = Phase::Closed;
        }
        result
    }

    fn route(&mut self, message: Message) -> Result<Incoming, ProtocolError> {
        let kind = message.kind();
        match (&self.phase, message) {
            (_, Message::Error { message }) => {
                self.phase = Phase::Closed;
                Ok(Incoming::RemoteError { message })
            }
            (_, Message::Leave { .. }) => {
                self.phase = Phase::Closed;
                Ok(Incoming::Leave)
            }
            (
                Phase::AwaitingJoin,
                Message::Join { sender_id, supported_protocol_versions, metadata },
            ) => {
                if !supported_protocol_versions.iter().any(|v| v == PROTOCOL_V1) {
                    return Err(ProtocolError::Version { offered: supported_protocol_versions });
                }
                let metadata = metadata.unwrap_or_default();
                let reply = Message::Peer {
                    sender_id: self.config.peer_id.clone(),
                    selected_protocol_version: PROTOCOL_V1.to_owned(),
                    target_id: sender_id.clone(),
                    metadata: Some(self.config.metadata()),
                };
                self.phase = Phase::Ready { remote: sender_id.clone(), metadata: metadata.clone() };
                Ok(Incoming::Ready { remote: sender_id, metadata, reply: Some(reply.encode()) })
            }
            (
                Phase::AwaitingPeer,
                Message::Peer { sender_id, selected_protocol_version, metadata, .. },
            ) => {
                if selected_protocol_version != PROTOCOL_V1 {
                    return Err(ProtocolError::Version {
                        offered: vec![selected_protocol_version],
                    });
                }
                let metadata = metadata.unwrap_or_default();
                self.phase = Phase::Ready { remote: sender_id.clone(), metadata: metadata.clone() };
                Ok(Incoming::Ready { remote: sender_id, metadata, reply: None })
            }
            (Phase::AwaitingJoin | Phase::AwaitingPeer, _) => {
                Err(ProtocolError::BeforeHandshake { kind })
            }
            (Phase::Ready { .. }, Message::Join { .. } | Message::Peer { .. }) => {
                Err(ProtocolError::AfterHandshake { kind })
            }
            (Phase::Ready { .. }, message) => self.route_ready(message),
            (Phase::Closed, _) => Err(ProtocolError::Closed),
        }
    }

    fn route_ready(&mut self, message: Message) -> Result<Incoming, ProtocolError> {
        match message {
            Message::Request { document_id, target_id, data, .. } => {
                self.sync_in(document_id, &target_id, &data, true)
            }
            Message::Sync { document_id, target_id, data, .. } => {
                self.sync_in(document_id, &target_id, &data, false)
            }
            Message::DocUnavailable { document_id, target_id, .. } => {
                self.check_target(&target_id)?;
                if let Some(doc) = self.docs.get_mut(&document_id) {
                    doc.unavailable = true;
                }
                Ok(Incoming::Unavailable { document_id })
            }
            Message::Ephemeral { document_id, target_id, data, .. } => {
                self.check_target(&target_id)?;
                Ok(Incoming::Ephemeral { document_id, data })
            }
            other => Ok(Incoming::Ignored { kind: other.kind() }),
        }
    }

    fn sync_in(
        &mut self,
        document_id: DocumentId,
        target_id: &PeerId,
        data: &[u8],
        request: bool,
    ) -> Result<Incoming, ProtocolError> {
        self.check_target(target_id)?;
        let message =
            sync::Message::decode(data).map_err(|e| ProtocolError::BadSyncData(e.to_string()))?;
        let entry = self.docs.entry(document_id).or_insert_with(DocState::fresh);
        entry.heard_from_peer = true;
        entry.unavailable = false;
        Ok(Incoming::Sync { document_id, message, request })
    }

    fn check_target(&self, target: &PeerId) -> Result<(), ProtocolError> {
        if *target == self.config.peer_id {
            Ok(())
        } else {
            Err(ProtocolError::WrongTarget(target.clone()))
        }
    }

    /// Starts syncing `doc` with this peer and returns the first message for it: a `request`
    /// when we have nothing of the document, otherwise `sync`. `saved` is the sync state
    /// persisted for (document, [`Session::remote_storage`]) by an earlier connection; a
    /// corrupt saved state is ignored (it only costs a longer exchange).
    pub fn open_doc(
        &mut self,
        document_id: DocumentId,
        doc: &mut AutoCommit,
        saved: Option<&[u8]>,
    ) -> Option<Vec<u8>> {
        if !self.is_ready() {
            return None;
        }
        let state = saved.and_then(|b| sync::State::decode(b).ok()).unwrap_or_default();
        self.docs.insert(document_id, DocState { sync: state, ..DocState::fresh() });
        self.generate(document_id, doc)
    }

    /// [`Session::open_doc`] for a document that is not loaded, when nothing changed on this
    /// side since the last sync with this peer: `heads` are the document's heads (known
    /// without parsing it, e.g. from a cache stamped with its stored chunks) and `saved` is
    /// the persisted state, whose shared heads must be exactly `heads`. Returns the same bytes
    /// and leaves the same state as [`Session::open_doc`] would with the document; `None`
    /// (nothing opened) when those conditions do not hold, and the document must be loaded.
    ///
    /// A reply that brings nothing goes to [`Session::apply_unloaded`]; anything else needs
    /// the document, and every method that takes it then carries on from this state.
    pub fn open_doc_unloaded(
        &mut self,
        document_id: DocumentId,
        heads: &[ChangeHash],
        saved: &[u8],
    ) -> Option<Vec<u8>> {
        let remote = self.remote_peer()?.clone();
        let mut state = sync::State::decode(saved).ok()?;
        if heads.is_empty() || sorted(state.shared_heads.clone()) != sorted(heads.to_vec()) {
            return None;
        }
        // What `generate_sync_message` does for a document at its shared heads on a fresh
        // connection: nothing needed, a filter of no changes since the shared heads, no changes
        // (the peer's needs are not known yet), version 1 with the flags automerge 0.12 sends.
        let mut flags = sync::MessageFlags::new();
        flags.set(sync::MessageFlags::SUPPORTS_SYNC_RESET);
        let message = sync::Message {
            heads: heads.to_vec(),
            need: Vec::new(),
            have: vec![sync::Have {
                last_sync: state.shared_heads.clone(),
                bloom: sync::BloomFilter::from_hashes(std::iter::empty::<ChangeHash>()),
            }],
            changes: Vec::<Vec<u8>>::new().into(),
            flags: Some(flags),
            version: sync::MessageVersion::V1,
        };
        state.have_responded = true;
        state.last_sent_heads = heads.to_vec();
        state.in_flight = true;
        let unloaded = Some(heads.to_vec());
        self.docs.insert(document_id, DocState { sync: state, unloaded, ..DocState::fresh() });
        Some(
            Message::Sync {
                document_id,
                sender_id: self.config.peer_id.clone(),
                target_id: remote,
                data: message.encode(),
            }
            .encode(),
        )
    }

    /// [`Session::apply`] for a document opened with [`Session::open_doc_unloaded`] and not
    /// loaded since, when `message` brings nothing: no changes, the same heads, nothing needed
    /// and nothing to send back. Then the state becomes what [`Session::apply`] would leave
    /// (no reply is due) and `true` is returned; otherwise `false`, nothing is touched, and
    /// the caller loads the document and calls [`Session::apply`].
    pub fn apply_unloaded(
        &mut self,
        now: u64,
        document_id: DocumentId,
        message: &sync::Message,
    ) -> bool {
        if !self.is_ready() {
            return false;
        }
        let Some(entry) = self.docs.get_mut(&document_id) else { return false };
        let Some(heads) = entry.unloaded.as_ref() else { return false };
        let ours = sorted(heads.clone());
        let nothing_new = message.changes.is_empty()
            && message.need.is_empty()
            && message.heads == *heads
            // Their filters start from our heads: no change of ours can be missing there.
            && message.have.iter().all(|h| sorted(h.last_sync.clone()) == ours)
            && !message.flags.is_some_and(|f| f.contains(sync::MessageFlags::READ_ONLY));
        if !nothing_new {
            return false;
        }
        // `receive_sync_message` with no changes and heads we all have.
        let state = &mut entry.sync;
        state.in_flight = false;
        if let Some(flags) = message.flags {
            let mut caps = vec![sync::Capability::MessageV2];
            if flags.contains(sync::MessageFlags::SUPPORTS_SYNC_RESET) {
                caps.push(sync::Capability::SyncReset);
            }
            state.their_capabilities = Some(caps);
            if flags.contains(sync::MessageFlags::SYNC_RESET) {
                state.sent_hashes.clear();
            }
            state.peer_read_only = false;
        }
        // `sent_hashes` stays empty: the only message sent for it carried no changes.
        state.last_sent_heads.clone_from(&message.heads);
        state.shared_heads.clone_from(&message.heads);
        state.their_have = Some(message.have.clone());
        state.their_heads = Some(message.heads.clone());
        state.their_need = Some(message.need.clone());
        entry.heard_from_peer = true;
        // `generate_sync_message` then finds the heads sent and equal and nothing to send.
        entry.last_synced_at = Some(now);
        true
    }

    /// [`Session::status`] for a document not loaded since [`Session::open_doc_unloaded`]:
    /// known only when the peer is known to have all of it (nothing pending).
    pub fn status_unloaded(&self, document_id: &DocumentId) -> Option<DocStatus> {
        let entry = self.docs.get(document_id)?;
        let heads = entry.unloaded.as_ref()?;
        let known = entry.sync.their_heads.as_ref().unwrap_or(&entry.sync.shared_heads);
        (sorted(known.clone()) == sorted(heads.clone())).then_some(DocStatus {
            pending: 0,
            last_synced_at: entry.last_synced_at,
            unavailable: entry.unavailable,
        })
    }

    /// Whether `document_id` was opened without loading it and has not been loaded since.
    pub fn is_unloaded(&self, document_id: &DocumentId) -> bool {
        self.docs.get(document_id).is_some_and(|d| d.unloaded.is_some())
    }

    /// Whether this document is being synced in this session.
    pub fn is_open(&self, document_id: &DocumentId) -> bool {
        self.docs.contains_key(document_id)
    }

    /// Whether the peer said it does not have this document (asking again may find it now).
    pub fn is_unavailable(&self, document_id: &DocumentId) -> bool {
        self.docs.get(document_id).is_some_and(|d| d.unavailable)
    }

    /// Seeds a document that the peer started talking about with the state persisted for it,
    /// before the first [`Session::apply`]. Without it the session starts from a fresh state.
    pub fn restore_state(&mut self, document_id: DocumentId, saved: &[u8]) {
        if let Ok(state) = sync::State::decode(saved) {
            let entry = self.docs.entry(document_id).or_insert_with(DocState::fresh);
            entry.sync.shared_heads = state.shared_heads;
        }
    }

    /// Merges a received sync message into `doc` and returns what to send back.
    pub fn apply(
        &mut self,
        now: u64,
        document_id: DocumentId,
        doc: &mut AutoCommit,
        message: sync::Message,
    ) -> Result<Applied, ProtocolError> {
        if !self.is_ready() {
            return Err(ProtocolError::Closed);
        }
        let before = doc.get_heads();
        let entry = self.docs.entry(document_id).or_insert_with(DocState::fresh);
        entry.heard_from_peer = true;
        entry.unloaded = None;
        doc.sync()
            .receive_sync_message(&mut entry.sync, message)
            .map_err(|e| ProtocolError::BadSyncData(e.to_string()))?;
        let changed = doc.get_heads() != before;
        let reply = self.generate(document_id, doc);
        self.mark_if_synced(now, document_id, doc);
        Ok(Applied { changed, reply })
    }

    /// Returns the message that brings the peer up to date after `doc` changed, if any.
    pub fn update(
        &mut self,
        now: u64,
        document_id: DocumentId,
        doc: &mut AutoCommit,
    ) -> Option<Vec<u8>> {
        if !self.docs.contains_key(&document_id) {
            return None;
        }
        let out = self.generate(document_id, doc);
        self.mark_if_synced(now, document_id, doc);
        out
    }

    fn generate(&mut self, document_id: DocumentId, doc: &mut AutoCommit) -> Option<Vec<u8>> {
        let remote = self.remote_peer()?.clone();
        let entry = self.docs.get_mut(&document_id)?;
        entry.unloaded = None;
        let message = doc.sync().generate_sync_message(&mut entry.sync)?;
        let data = message.encode();
        let wire = if doc.get_heads().is_empty() && !entry.heard_from_peer {
            Message::Request {
                document_id,
                sender_id: self.config.peer_id.clone(),
                target_id: remote,
                data,
            }
        } else {
            Message::Sync {
                document_id,
                sender_id: self.config.peer_id.clone(),
                target_id: remote,
                data,
            }
        };
        Some(wire.encode())
    }

    fn mark_if_synced(&mut self, now: u64, document_id: DocumentId, doc: &mut AutoCommit) {
        let heads = sorted(doc.get_heads());
        if let Some(entry) = self.docs.get_mut(&document_id)
            && entry.sync.their_heads.clone().map(sorted).as_ref() == Some(&heads)
        {
            entry.last_synced_at = Some(now);
        }
    }

    /// The sync state to persist for (document, [`Session::remote_storage`]).
    pub fn sync_state(&self, document_id: &DocumentId) -> Option<Vec<u8>> {
        self.docs.get(document_id).map(|d| d.sync.encode())
    }

    /// How `doc` stands with this peer.
    pub fn status(&self, document_id: &DocumentId, doc: &mut AutoCommit) -> Option<DocStatus> {
        let entry = self.docs.get(document_id)?;
        let known = entry.sync.their_heads.as_ref().unwrap_or(&entry.sync.shared_heads);
        Some(DocStatus {
            pending: pending_changes(doc, known),
            last_synced_at: entry.last_synced_at,
            unavailable: entry.unavailable,
        })
    }

    /// The reply to a `request` for a document we do not have. The peer stays interested: once
    /// the document arrives here, [`Session::update`] sends it (the peer must accept a `sync`
    /// after `doc-unavailable`, automerge-repo issue 343).
    pub fn unavailable(&mut self, document_id: DocumentId) -> Option<Vec<u8>> {
        let remote = self.remote_peer()?.clone();
        self.docs.insert(document_id, DocState::fresh());
        Some(
            Message::DocUnavailable {
                sender_id: self.config.peer_id.clone(),
                target_id: remote,
                document_id,
            }
            .encode(),
        )
    }

    /// The `error` message to send before closing after a [`ProtocolError`].
    pub fn error_message(error: &ProtocolError) -> Vec<u8> {
        Message::Error { message: error.to_string() }.encode()
    }

    /// The advisory `leave` message; the session is closed afterwards.
    pub fn leave(&mut self) -> Vec<u8> {
        self.phase = Phase::Closed;
        Message::Leave { sender_id: self.config.peer_id.clone() }.encode()
    }
}

impl DocState {
    fn fresh() -> Self {
        DocState {
            sync: sync::State::new(),
            heard_from_peer: false,
            unavailable: false,
            last_synced_at: None,
            unloaded: None,
        }
    }
}

fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    crate::order::sort(&mut heads);
    heads
}

/// Changes in `doc` that are not ancestors of `known` (what the peer still lacks, as far as we
/// know). Heads we do not have ourselves are skipped rather than counted.
///
/// Runs after every merged message, so it only counts: change metadata, never the encoded
/// changes (on an 8,000-change plan that is 15 ms instead of 90 natively), and the change
/// graph's size when the peer has nothing yet.
pub fn pending_changes(doc: &mut AutoCommit, known: &[ChangeHash]) -> usize {
    let ours: Vec<ChangeHash> =
        known.iter().copied().filter(|h| doc.get_change_meta_by_hash(h).is_some()).collect();
    if ours.is_empty() {
        return usize::try_from(doc.stats().num_changes).unwrap_or(usize::MAX);
    }
    doc.get_changes_meta(&ours).len()
}

#[cfg(test)]
mod unloaded_tests {
    //! A document opened without loading it behaves exactly like one opened loaded: the same
    //! bytes go out, and the same state is left after every message, whatever the peer had.

    use automerge::transaction::{CommitOptions, Transactable};
    use proptest::prelude::*;

    use super::*;

    const DOC: DocumentId = DocumentId::from_bytes([3; 16]);

    fn config(name: &str) -> Config {
        Config {
            peer_id: PeerId(name.into()),
            storage_id: Some(StorageId(format!("store-{name}"))),
            is_ephemeral: false,
        }
    }

    fn edit(doc: &mut AutoCommit, who: &str, n: u32) {
        doc.put(automerge::ROOT, format!("{who}{n}"), i64::from(n)).unwrap();
        doc.put(automerge::ROOT, "last", who).unwrap();
        doc.commit_with(CommitOptions::default().with_time(i64::from(n)));
    }

    /// A client and a server session after the handshake.
    fn pair() -> (Session, Session) {
        let (mut client, join) = Session::dial(config("client"));
        let mut server = Session::accept(config("server"));
        let Ok(Incoming::Ready { reply: Some(peer), .. }) = server.receive(&join) else {
            panic!("the server answers the join")
        };
        assert!(matches!(client.receive(&peer), Ok(Incoming::Ready { .. })));
        (client, server)
    }

    fn sync_message(session: &mut Session, bytes: &[u8]) -> sync::Message {
        match session.receive(bytes) {
            Ok(Incoming::Sync { message, .. }) => message,
            other => panic!("expected a sync message, got {other:?}"),
        }
    }

    /// Syncs `client` and `server` fully over a fresh connection; the client's saved state.
    fn sync_fully(client: &mut AutoCommit, server: &mut AutoCommit) -> Vec<u8> {
        let (mut c, mut s) = pair();
        let mut to_server: Vec<Vec<u8>> = c.open_doc(DOC, client, None).into_iter().collect();
        while let Some(bytes) = to_server.pop() {
            let m = sync_message(&mut s, &bytes);
            let Some(reply) = s.apply(1, DOC, server, m).unwrap().reply else { continue };
            let m = sync_message(&mut c, &reply);
            to_server.extend(c.apply(1, DOC, client, m).unwrap().reply);
        }
        assert_eq!(client.get_heads(), server.get_heads());
        c.sync_state(&DOC).unwrap()
    }

    /// One client talking to its own copy of the server, opened loaded or not.
    struct Side {
        client: Session,
        server: Session,
        doc: AutoCommit,
        server_doc: AutoCommit,
        loads: usize,
    }

    impl Side {
        /// A fresh connection between copies of these two documents.
        fn new(doc: &AutoCommit, server_doc: &AutoCommit) -> Side {
            let (client, server) = pair();
            Side { client, server, doc: doc.clone(), server_doc: server_doc.clone(), loads: 0 }
        }

        /// Delivers one message each way until quiet; every byte sent on each side is logged.
        fn exchange(&mut self, first: Option<Vec<u8>>, log: &mut Vec<Vec<u8>>) {
            let mut to_server: Vec<Vec<u8>> = first.into_iter().collect();
            while let Some(bytes) = to_server.pop() {
                log.push(bytes.clone());
                let m = sync_message(&mut self.server, &bytes);
                let Some(reply) = self.server.apply(2, DOC, &mut self.server_doc, m).unwrap().reply
                else {
                    continue;
                };
                log.push(reply.clone());
                let m = sync_message(&mut self.client, &reply);
                if self.client.apply_unloaded(2, DOC, &m) {
                    continue;
                }
                self.loads += 1;
                to_server.extend(self.client.apply(2, DOC, &mut self.doc, m).unwrap().reply);
            }
        }
    }

    /// `server_restored`: the server lost what it had from this client (restored from a
    /// backup taken before), though the client's saved state says it has it.
    fn check(
        shared: u32,
        server_new: u32,
        client_edits_later: bool,
        server_restored: bool,
    ) -> Result<(), TestCaseError> {
        let mut server_doc = AutoCommit::new().with_actor(automerge::ActorId::from(vec![1; 16]));
        for n in 0..shared {
            edit(&mut server_doc, "s", n);
        }
        let mut client_doc = AutoCommit::new().with_actor(automerge::ActorId::from(vec![2; 16]));
        edit(&mut client_doc, "c", 0);
        let backup = server_doc.clone();
        let saved = sync_fully(&mut client_doc, &mut server_doc);
        if server_restored {
            server_doc = backup;
        }
        for n in 0..server_new {
            edit(&mut server_doc, "s2-", n);
        }
        let heads = client_doc.get_heads();

        let mut loaded = Side::new(&client_doc, &server_doc);
        let mut unloaded = Side::new(&client_doc, &server_doc);
        let first_loaded = loaded.client.open_doc(DOC, &mut loaded.doc, Some(&saved));
        let first_unloaded = unloaded.client.open_doc_unloaded(DOC, &heads, &saved);
        prop_assert!(first_unloaded.is_some());
        prop_assert_eq!(&first_loaded, &first_unloaded);
        prop_assert_eq!(&loaded.client.docs[&DOC].sync, &unloaded.client.docs[&DOC].sync);

        let (mut log_loaded, mut log_unloaded) = (Vec::new(), Vec::new());
        loaded.exchange(first_loaded, &mut log_loaded);
        unloaded.exchange(first_unloaded, &mut log_unloaded);
        prop_assert_eq!(&log_loaded, &log_unloaded);
        prop_assert_eq!(&loaded.client.docs[&DOC].sync, &unloaded.client.docs[&DOC].sync);
        prop_assert_eq!(
            loaded.client.docs[&DOC].last_synced_at,
            unloaded.client.docs[&DOC].last_synced_at
        );
        // Nothing new on the server: the document was never needed.
        let nothing_new = server_new == 0 && !server_restored;
        prop_assert_eq!(unloaded.loads == 0, nothing_new);
        if nothing_new {
            prop_assert_eq!(
                unloaded.client.status_unloaded(&DOC),
                loaded.client.status(&DOC, &mut loaded.doc)
            );
        }

        if client_edits_later {
            // She edits after all: the driver loads the document and carries on.
            edit(&mut loaded.doc, "c", 1);
            edit(&mut unloaded.doc, "c", 1);
            let next_loaded = loaded.client.update(3, DOC, &mut loaded.doc);
            let next_unloaded = unloaded.client.update(3, DOC, &mut unloaded.doc);
            prop_assert!(!unloaded.client.is_unloaded(&DOC));
            prop_assert_eq!(&next_loaded, &next_unloaded);
            let (mut log_loaded, mut log_unloaded) = (Vec::new(), Vec::new());
            loaded.exchange(next_loaded, &mut log_loaded);
            unloaded.exchange(next_unloaded, &mut log_unloaded);
            prop_assert_eq!(&log_loaded, &log_unloaded);
            prop_assert_eq!(&loaded.client.docs[&DOC].sync, &unloaded.client.docs[&DOC].sync);
        }
        for side in [&mut loaded, &mut unloaded] {
            prop_assert_eq!(side.doc.get_heads(), side.server_doc.get_heads());
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn opening_unloaded_sends_and_leaves_what_opening_loaded_does(
            shared in 0u32..12,
            server_new in 0u32..4,
            client_edits_later in any::<bool>(),
            server_restored in any::<bool>(),
        ) {
            check(shared, server_new, client_edits_later, server_restored)?;
        }
    }

    #[test]
    fn a_document_changed_since_the_last_sync_is_not_opened_unloaded() {
        let mut server_doc = AutoCommit::new();
        edit(&mut server_doc, "s", 0);
        let mut client_doc = AutoCommit::new();
        let saved = sync_fully(&mut client_doc, &mut server_doc);
        edit(&mut client_doc, "c", 1);
        let (mut client, _server) = pair();
        assert_eq!(client.open_doc_unloaded(DOC, &client_doc.get_heads(), &saved), None);
        assert!(!client.is_open(&DOC));
        // Nor an empty one, nor with a state that does not decode.
        assert_eq!(client.open_doc_unloaded(DOC, &[], &saved), None);
        assert_eq!(client.open_doc_unloaded(DOC, &server_doc.get_heads(), b"junk"), None);
        assert!(
            client.open_doc_unloaded(DOC, &server_doc.get_heads(), &saved).is_some(),
            "at the shared heads it opens"
        );
    }
}
