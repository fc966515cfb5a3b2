//! The reactive bridge between documents and components: components read plain structs from
//! signals here and call the commands here; they never touch Automerge or the repo
//! (invariant 5). Every document goes through one pipeline, [`doc`]; the other modules are
//! its typed wrappers, one per document kind.

pub mod cycle;
pub mod doc;
pub mod inquiry;
pub mod network;
pub mod plan;
pub mod tree;
pub mod vote;
pub mod workshop;

use std::collections::BTreeSet;

use gloo_timers::callback::Timeout;
use juntas_core::DocumentId;

/// Documents typed into but not yet flushed (saved and/or sent), and the timer that will do
/// it: typing is batched so a burst of keys is one write and one message.
#[derive(Default)]
pub struct Batch {
    pub ids: BTreeSet<DocumentId>,
    pub timer: Option<Timeout>,
}

impl Batch {
    /// Takes every pending id and forgets the timer.
    pub fn take(&mut self) -> Vec<DocumentId> {
        self.timer = None;
        std::mem::take(&mut self.ids).into_iter().collect()
    }
}
