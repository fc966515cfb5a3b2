//! Juntas core: the typed document model over Automerge, the storage contract and the document
//! store in automerge-repo's key layout.
//!
//! Architecture invariants this crate keeps (see `ARCHITECTURE.md`):
//! - it knows nothing about the browser, the server, async runtimes or sockets;
//! - it does no IO of its own, reads no clock and draws no randomness: time, actor ids and
//!   document ids are arguments; storage is reached only through the [`storage::Storage`] trait.
//!
//! Code map:
//! - [`bundle`]: bundle files (a network's documents in one checked file) for sharing offline.
//! - [`ids`]: document ids in automerge-repo's format (bs58check of 16 bytes).
//! - [`storage`]: the `Storage` trait, `MemoryStorage` and the contract suite every
//!   implementation runs.
//! - [`store`]: loading, saving and compacting one document as chunks under its id.
//! - [`model`]: typed views and commands over each kind of document.
//! - [`order`]: the one stable sort (and map building) the app's lists use, for size.
//! - [`rules`]: who may change what, judged by a change's effect (one function for all).
//! - [`sync`]: automerge-repo wire messages and the sans-IO sync session.

pub mod bundle;
pub mod ids;
pub mod model;
pub mod order;
pub mod rules;
pub mod set_aside;
pub mod signing;
pub mod storage;
pub mod store;
pub mod sync;

pub use automerge;
pub use ids::DocumentId;
pub use storage::{MemoryStorage, Storage, StorageError, StorageKey};
pub use store::{LoadError, StoredDoc};
