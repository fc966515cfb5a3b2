//! Sync: the automerge-repo wire protocol, a sans-IO session that speaks it, and the reasons a
//! server gives when it closes a connection.

pub mod message;
pub mod refusal;
pub mod session;

pub use message::{DecodeError, Message, PeerId, PeerMetadata, StorageId};
pub use session::{Applied, Config, DocStatus, Incoming, Phase, ProtocolError, Session};
