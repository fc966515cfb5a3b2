//! The reactive bridge between documents and components: components read plain structs from
//! signals here and call the commands here; they never touch Automerge (invariant 5).

pub mod network;
pub mod plan;

use std::rc::Rc;

use leptos::prelude::*;

use crate::repo::Repo;

/// This tab's node, shared through context.
#[derive(Clone, Copy)]
pub struct RepoCtx(pub StoredValue<Rc<Repo>, LocalStorage>);

pub fn use_repo() -> Rc<Repo> {
    expect_context::<RepoCtx>().0.get_value()
}
