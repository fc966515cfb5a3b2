//! Sync: the automerge-repo wire protocol and a sans-IO session that speaks it.

pub mod message;
pub mod session;

pub use message::{DecodeError, Message, PeerId, PeerMetadata, StorageId};
pub use session::{Applied, Config, DocStatus, Incoming, Phase, ProtocolError, Session};
