//! The reactive bridge between documents and components: components read plain structs from
//! signals here and call the commands here; they never touch Automerge (invariant 5).

pub mod inquiry;
pub mod network;
pub mod plan;

use std::{collections::BTreeSet, rc::Rc};

use gloo_timers::callback::Timeout;
use juntas_core::DocumentId;

use leptos::prelude::*;

use crate::repo::Repo;

/// This tab's node, shared through context.
#[derive(Clone, Copy)]
pub struct RepoCtx(pub StoredValue<Rc<Repo>, LocalStorage>);

pub fn use_repo() -> Rc<Repo> {
    expect_context::<RepoCtx>().0.get_value()
}

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
