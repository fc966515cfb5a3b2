//! The wire messages of the automerge-repo protocol v1 (CBOR maps), encoded byte-for-byte as
//! samod and the JS `@automerge/automerge-repo` encode them.
//!
//! Decoding is strict about what a message needs (its type and required fields) and lenient
//! about what it does not (unknown keys are skipped, as both reference implementations do), so
//! a newer peer's extra fields never break an older one. Malformed input is an error, never a
//! panic.

use std::collections::BTreeMap;
use std::fmt;

use minicbor::data::Type;
use minicbor::{Decoder, Encoder};

use crate::ids::DocumentId;

/// The only protocol version there is.
pub const PROTOCOL_V1: &str = "1";

/// A peer's id on the wire: any string; by convention unique per connection endpoint.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerId(pub String);

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeerId({})", self.0)
    }
}

impl From<&str> for PeerId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// The id of a peer's storage: sync state is remembered per (document, storage id), so a
/// reconnecting device does not start from nothing.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StorageId(pub String);

impl fmt::Display for StorageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a peer says about itself in `join` and `peer`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    pub storage_id: Option<StorageId>,
    /// True when the peer will not come back with the same storage (so keeping sync state for
    /// it is pointless).
    pub is_ephemeral: bool,
}

/// One peer's heads of a document as gossiped in `remote-heads-changed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeadsInfo {
    /// Base64 change hashes, as the JS implementation writes them.
    pub heads: Vec<String>,
    /// Milliseconds since the Unix epoch on the peer that first sent it.
    pub timestamp: u64,
}

/// A message of the automerge-repo protocol v1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Sent by the side that opened the connection.
    Join {
        sender_id: PeerId,
        supported_protocol_versions: Vec<String>,
        metadata: Option<PeerMetadata>,
    },
    /// The answer to `join`.
    Peer {
        sender_id: PeerId,
        selected_protocol_version: String,
        target_id: PeerId,
        metadata: Option<PeerMetadata>,
    },
    /// Advisory: the sender is about to disconnect.
    Leave { sender_id: PeerId },
    /// "I do not have this document; send it to me" (data is a sync message from an empty doc).
    Request { document_id: DocumentId, sender_id: PeerId, target_id: PeerId, data: Vec<u8> },
    /// An Automerge sync message about one document.
    Sync { document_id: DocumentId, sender_id: PeerId, target_id: PeerId, data: Vec<u8> },
    /// "I do not have this document and none of my peers do."
    DocUnavailable { sender_id: PeerId, target_id: PeerId, document_id: DocumentId },
    /// Application data that is not stored (presence, cursors). `data` is CBOR.
    Ephemeral {
        sender_id: PeerId,
        target_id: PeerId,
        count: u64,
        session_id: String,
        document_id: DocumentId,
        data: Vec<u8>,
    },
    /// The sender found a protocol error and will close the connection.
    Error { message: String },
    /// Subscribe to / unsubscribe from the heads of other storage ids.
    RemoteSubscriptionChange {
        sender_id: PeerId,
        target_id: PeerId,
        add: Option<Vec<StorageId>>,
        remove: Vec<StorageId>,
    },
    /// Heads of a document at other storage ids changed.
    RemoteHeadsChanged {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: DocumentId,
        new_heads: BTreeMap<StorageId, HeadsInfo>,
    },
}

/// Why bytes are not a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not valid CBOR for a message: {0}")]
    Cbor(String),
    #[error("a message must be a CBOR map of known length")]
    NotAMap,
    #[error("the message has no type")]
    MissingType,
    #[error("unknown message type {0:?}")]
    UnknownType(String),
    #[error("a {kind} message needs the field {field}")]
    MissingField { kind: &'static str, field: &'static str },
    #[error("the document id {0:?} is not valid")]
    BadDocumentId(String),
    #[error("bytes left over after the message")]
    TrailingBytes,
}

impl From<minicbor::decode::Error> for DecodeError {
    fn from(e: minicbor::decode::Error) -> Self {
        DecodeError::Cbor(e.to_string())
    }
}

impl Message {
    /// The `type` field of this message.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Join { .. } => "join",
            Message::Peer { .. } => "peer",
            Message::Leave { .. } => "leave",
            Message::Request { .. } => "request",
            Message::Sync { .. } => "sync",
            Message::DocUnavailable { .. } => "doc-unavailable",
            Message::Ephemeral { .. } => "ephemeral",
            Message::Error { .. } => "error",
            Message::RemoteSubscriptionChange { .. } => "remote-subscription-change",
            Message::RemoteHeadsChanged { .. } => "remote-heads-changed",
        }
    }

    /// The document a message is about, if any.
    pub fn document_id(&self) -> Option<DocumentId> {
        match self {
            Message::Request { document_id, .. }
            | Message::Sync { document_id, .. }
            | Message::DocUnavailable { document_id, .. }
            | Message::Ephemeral { document_id, .. }
            | Message::RemoteHeadsChanged { document_id, .. } => Some(*document_id),
            _ => None,
        }
    }

    /// The CBOR bytes of this message, with fields in the order samod writes them.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::new(Vec::new());
        // Writing into a Vec cannot fail.
        encode_into(self, &mut e).expect("encoding into a Vec is infallible");
        e.into_writer()
    }

    /// Parses one message; the whole input must be that message.
    pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
        let mut d = Decoder::new(bytes);
        let fields = Fields::read(&mut d)?;
        if d.position() != bytes.len() {
            return Err(DecodeError::TrailingBytes);
        }
        fields.into_message()
    }
}

type EncodeResult = Result<(), minicbor::encode::Error<std::convert::Infallible>>;

fn encode_into(m: &Message, e: &mut Encoder<Vec<u8>>) -> EncodeResult {
    match m {
        Message::Join { sender_id, supported_protocol_versions, metadata } => {
            e.map(if metadata.is_some() { 4 } else { 3 })?;
            e.str("type")?.str("join")?;
            e.str("senderId")?.str(&sender_id.0)?;
            e.str("supportedProtocolVersions")?.array(supported_protocol_versions.len() as u64)?;
            for v in supported_protocol_versions {
                e.str(v)?;
            }
            if let Some(meta) = metadata {
                e.str("peerMetadata")?;
                encode_metadata(e, meta)?;
            }
        }
        Message::Peer { sender_id, selected_protocol_version, target_id, metadata } => {
            e.map(if metadata.is_some() { 5 } else { 4 })?;
            e.str("type")?.str("peer")?;
            e.str("senderId")?.str(&sender_id.0)?;
            e.str("selectedProtocolVersion")?.str(selected_protocol_version)?;
            e.str("targetId")?.str(&target_id.0)?;
            if let Some(meta) = metadata {
                e.str("peerMetadata")?;
                encode_metadata(e, meta)?;
            }
        }
        Message::Leave { sender_id } => {
            e.map(2)?;
            e.str("type")?.str("leave")?;
            e.str("senderId")?.str(&sender_id.0)?;
        }
        Message::Request { document_id, sender_id, target_id, data }
        | Message::Sync { document_id, sender_id, target_id, data } => {
            e.map(5)?;
            e.str("type")?.str(m.kind())?;
            e.str("documentId")?.str(&document_id.to_string())?;
            e.str("senderId")?.str(&sender_id.0)?;
            e.str("targetId")?.str(&target_id.0)?;
            e.str("data")?.bytes(data)?;
        }
        Message::DocUnavailable { sender_id, target_id, document_id } => {
            e.map(4)?;
            e.str("type")?.str("doc-unavailable")?;
            e.str("senderId")?.str(&sender_id.0)?;
            e.str("targetId")?.str(&target_id.0)?;
            e.str("documentId")?.str(&document_id.to_string())?;
        }
        Message::Ephemeral { sender_id, target_id, count, session_id, document_id, data } => {
            e.map(7)?;
            e.str("type")?.str("ephemeral")?;
            e.str("senderId")?.str(&sender_id.0)?;
            e.str("targetId")?.str(&target_id.0)?;
            e.str("count")?.u64(*count)?;
            e.str("sessionId")?.str(session_id)?;
            e.str("documentId")?.str(&document_id.to_string())?;
            e.str("data")?.bytes(data)?;
        }
        Message::Error { message } => {
            e.map(2)?;
            e.str("type")?.str("error")?;
            e.str("message")?.str(message)?;
        }
        Message::RemoteSubscriptionChange { sender_id, target_id, add, remove } => {
            e.map(if add.is_some() { 5 } else { 4 })?;
            e.str("type")?.str("remote-subscription-change")?;
            e.str("senderId")?.str(&sender_id.0)?;
            e.str("targetId")?.str(&target_id.0)?;
            if let Some(add) = add {
                e.str("add")?.array(add.len() as u64)?;
                for s in add {
                    e.str(&s.0)?;
                }
            }
            e.str("remove")?.array(remove.len() as u64)?;
            for s in remove {
                e.str(&s.0)?;
            }
        }
        Message::RemoteHeadsChanged { sender_id, target_id, document_id, new_heads } => {
            e.map(5)?;
            e.str("type")?.str("remote-heads-changed")?;
            e.str("senderId")?.str(&sender_id.0)?;
            e.str("targetId")?.str(&target_id.0)?;
            e.str("documentId")?.str(&document_id.to_string())?;
            e.str("newHeads")?.map(new_heads.len() as u64)?;
            for (storage, info) in new_heads {
                e.str(&storage.0)?.map(2)?;
                e.str("heads")?.array(info.heads.len() as u64)?;
                for h in &info.heads {
                    e.str(h)?;
                }
                e.str("timestamp")?.u64(info.timestamp)?;
            }
        }
    }
    Ok(())
}

fn encode_metadata(e: &mut Encoder<Vec<u8>>, meta: &PeerMetadata) -> EncodeResult {
    e.map(if meta.storage_id.is_some() { 2 } else { 1 })?;
    if let Some(s) = &meta.storage_id {
        e.str("storageId")?.str(&s.0)?;
    }
    e.str("isEphemeral")?.bool(meta.is_ephemeral)?;
    Ok(())
}

/// The fields of a message map, read before the type decides which are required.
#[derive(Default)]
struct Fields {
    kind: Option<String>,
    sender_id: Option<String>,
    target_id: Option<String>,
    selected_version: Option<String>,
    message: Option<String>,
    session_id: Option<String>,
    document_id: Option<DocIdField>,
    supported_versions: Option<Vec<String>>,
    add: Option<Vec<String>>,
    remove: Option<Vec<String>>,
    data: Option<Vec<u8>>,
    count: Option<u64>,
    metadata: Option<PeerMetadata>,
    new_heads: Option<BTreeMap<StorageId, HeadsInfo>>,
}

enum DocIdField {
    Text(String),
    Bytes(Vec<u8>),
}

impl Fields {
    fn read(d: &mut Decoder<'_>) -> Result<Fields, DecodeError> {
        let len = map_len(d)?;
        let mut f = Fields::default();
        for _ in 0..len {
            let key = d.str()?;
            match key {
                "type" => f.kind = Some(d.str()?.to_owned()),
                "senderId" => f.sender_id = Some(d.str()?.to_owned()),
                "targetId" => f.target_id = Some(d.str()?.to_owned()),
                "selectedProtocolVersion" => f.selected_version = Some(d.str()?.to_owned()),
                "message" => f.message = Some(d.str()?.to_owned()),
                "sessionId" => f.session_id = Some(d.str()?.to_owned()),
                "documentId" => {
                    f.document_id = Some(if d.datatype()? == Type::Bytes {
                        DocIdField::Bytes(d.bytes()?.to_vec())
                    } else {
                        DocIdField::Text(d.str()?.to_owned())
                    })
                }
                "supportedProtocolVersions" => f.supported_versions = Some(str_array(d)?),
                "add" | "remove" if is_absent(d)? => {
                    d.skip()?;
                }
                "add" => f.add = Some(str_array(d)?),
                "remove" => f.remove = Some(str_array(d)?),
                "data" => f.data = Some(d.bytes()?.to_vec()),
                "count" => f.count = Some(uint_or_float(d)?),
                "peerMetadata" | "metadata" => f.metadata = Some(read_metadata(d)?),
                "newHeads" => f.new_heads = Some(read_new_heads(d)?),
                _ => d.skip()?,
            }
        }
        Ok(f)
    }

    fn into_message(self) -> Result<Message, DecodeError> {
        let kind = self.kind.clone().ok_or(DecodeError::MissingType)?;
        let k: &'static str = match kind.as_str() {
            "join" => "join",
            "peer" => "peer",
            "leave" => "leave",
            "request" => "request",
            "sync" => "sync",
            "doc-unavailable" => "doc-unavailable",
            "ephemeral" => "ephemeral",
            "error" => "error",
            "remote-subscription-change" => "remote-subscription-change",
            "remote-heads-changed" => "remote-heads-changed",
            _ => return Err(DecodeError::UnknownType(kind)),
        };
        let mut f = self;
        let need = |v: Option<String>, field: &'static str| {
            v.map(PeerId).ok_or(DecodeError::MissingField { kind: k, field })
        };
        Ok(match k {
            "join" => Message::Join {
                sender_id: need(f.sender_id, "senderId")?,
                supported_protocol_versions: f.supported_versions.ok_or(
                    DecodeError::MissingField { kind: k, field: "supportedProtocolVersions" },
                )?,
                metadata: f.metadata,
            },
            "peer" => Message::Peer {
                sender_id: need(f.sender_id, "senderId")?,
                selected_protocol_version: f.selected_version.ok_or(DecodeError::MissingField {
                    kind: k,
                    field: "selectedProtocolVersion",
                })?,
                target_id: need(f.target_id, "targetId")?,
                metadata: f.metadata,
            },
            "leave" => Message::Leave { sender_id: need(f.sender_id, "senderId")? },
            "request" | "sync" => {
                let document_id = doc_id(f.document_id.take(), k)?;
                let sender_id = need(f.sender_id, "senderId")?;
                let target_id = need(f.target_id, "targetId")?;
                let data = f.data.ok_or(DecodeError::MissingField { kind: k, field: "data" })?;
                if k == "request" {
                    Message::Request { document_id, sender_id, target_id, data }
                } else {
                    Message::Sync { document_id, sender_id, target_id, data }
                }
            }
            "doc-unavailable" => Message::DocUnavailable {
                document_id: doc_id(f.document_id.take(), k)?,
                sender_id: need(f.sender_id, "senderId")?,
                target_id: need(f.target_id, "targetId")?,
            },
            "ephemeral" => Message::Ephemeral {
                document_id: doc_id(f.document_id.take(), k)?,
                sender_id: need(f.sender_id, "senderId")?,
                target_id: need(f.target_id, "targetId")?,
                count: f.count.ok_or(DecodeError::MissingField { kind: k, field: "count" })?,
                session_id: f
                    .session_id
                    .ok_or(DecodeError::MissingField { kind: k, field: "sessionId" })?,
                data: f.data.ok_or(DecodeError::MissingField { kind: k, field: "data" })?,
            },
            "error" => Message::Error { message: f.message.unwrap_or_default() },
            "remote-subscription-change" => Message::RemoteSubscriptionChange {
                sender_id: need(f.sender_id, "senderId")?,
                target_id: need(f.target_id, "targetId")?,
                add: f.add.map(|v| v.into_iter().map(StorageId).collect()),
                remove: f.remove.unwrap_or_default().into_iter().map(StorageId).collect(),
            },
            _ => Message::RemoteHeadsChanged {
                document_id: doc_id(f.document_id.take(), k)?,
                sender_id: need(f.sender_id, "senderId")?,
                target_id: need(f.target_id, "targetId")?,
                new_heads: f
                    .new_heads
                    .ok_or(DecodeError::MissingField { kind: k, field: "newHeads" })?,
            },
        })
    }
}

fn doc_id(field: Option<DocIdField>, kind: &'static str) -> Result<DocumentId, DecodeError> {
    match field {
        None => Err(DecodeError::MissingField { kind, field: "documentId" }),
        Some(DocIdField::Text(s)) => s.parse().map_err(|_| DecodeError::BadDocumentId(s)),
        Some(DocIdField::Bytes(b)) => <[u8; 16]>::try_from(b.as_slice())
            .map(DocumentId::from_bytes)
            .map_err(|_| DecodeError::BadDocumentId(format!("{} bytes", b.len()))),
    }
}

fn map_len(d: &mut Decoder<'_>) -> Result<u64, DecodeError> {
    if d.datatype()? != Type::Map {
        return Err(DecodeError::NotAMap);
    }
    d.map()?.ok_or(DecodeError::NotAMap)
}

/// JS peers may send `undefined` or `null` for an absent optional array.
fn is_absent(d: &mut Decoder<'_>) -> Result<bool, DecodeError> {
    Ok(matches!(d.datatype()?, Type::Undefined | Type::Null))
}

fn str_array(d: &mut Decoder<'_>) -> Result<Vec<String>, DecodeError> {
    let len = d.array()?.ok_or(DecodeError::Cbor("indefinite array".into()))?;
    // Never trust a length prefix for an allocation: grow as elements actually arrive.
    let mut out = Vec::new();
    for _ in 0..len {
        out.push(d.str()?.to_owned());
    }
    Ok(out)
}

/// `cbor-x` writes integer-valued JS numbers (timestamps, counters) as floats at times.
fn uint_or_float(d: &mut Decoder<'_>) -> Result<u64, DecodeError> {
    match d.datatype()? {
        Type::F16 | Type::F32 | Type::F64 => {
            let f = d.f64()?;
            if f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < u64::MAX as f64 {
                Ok(f as u64)
            } else {
                Err(DecodeError::Cbor(format!("{f} is not a whole number")))
            }
        }
        _ => Ok(d.u64()?),
    }
}

fn read_metadata(d: &mut Decoder<'_>) -> Result<PeerMetadata, DecodeError> {
    let len = map_len(d)?;
    let mut meta = PeerMetadata::default();
    for _ in 0..len {
        match d.str()? {
            "storageId" if is_absent(d)? => d.skip()?,
            "storageId" => meta.storage_id = Some(StorageId(d.str()?.to_owned())),
            "isEphemeral" => meta.is_ephemeral = d.bool()?,
            _ => d.skip()?,
        }
    }
    Ok(meta)
}

fn read_new_heads(d: &mut Decoder<'_>) -> Result<BTreeMap<StorageId, HeadsInfo>, DecodeError> {
    let len = map_len(d)?;
    let mut out = BTreeMap::new();
    for _ in 0..len {
        let storage = StorageId(d.str()?.to_owned());
        let inner = map_len(d)?;
        let mut info = HeadsInfo { heads: Vec::new(), timestamp: 0 };
        for _ in 0..inner {
            match d.str()? {
                "heads" => info.heads = str_array(d)?,
                "timestamp" => info.timestamp = uint_or_float(d)?,
                _ => d.skip()?,
            }
        }
        out.insert(storage, info);
    }
    Ok(out)
}
