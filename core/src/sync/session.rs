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
        self.docs.insert(
            document_id,
            DocState {
                sync: state,
                heard_from_peer: false,
                unavailable: false,
                last_synced_at: None,
            },
        );
        self.generate(document_id, doc)
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
        }
    }
}

fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
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
