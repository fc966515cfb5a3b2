//! One open problem tree as a signal, and its commands (through the document pipeline). The
//! tree is re-read incrementally: a remote edit re-reads the cards it touched, not all 300.

use juntas_core::model::text::TextEdit;
use std::{cell::RefCell, rc::Rc};

use gloo_timers::callback::Timeout;
use juntas_core::{
    DocumentId,
    model::{
        history::Stamp,
        network::Command,
        tree::{self, Tree},
    },
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    error::AppError,
    readings::Job,
    repo::{Caching, new_entry_id, random_bytes},
    state::{
        doc::{Docs, Loaded},
        network::NetworkState,
    },
};

/// One open tree: its plain data and the commands on it.
#[derive(Clone, Copy)]
pub struct TreeCtx {
    pub net: NetworkState,
    pub id: DocumentId,
    pub tree: RwSignal<Loaded<Tree>>,
    docs: Docs,
    /// Re-reads only the cards a change touched (a remote edit costs one card, not 300).
    reader: StoredValue<Rc<RefCell<tree::Reader>>, LocalStorage>,
    /// How the page uses the tree: whether it may open from the cached reading.
    usage: Usage,
    /// The pending refresh of the cached reading after a change ([`KEEP_AFTER_MS`]).
    keep: StoredValue<Option<Timeout>, LocalStorage>,
}

/// How long after the last change the page re-caches the tree's reading: not in the task that
/// shows a remote edit (serialising 300 cards and writing them cost that frame ~5 ms at p95),
/// and once for a burst of edits.
const KEEP_AFTER_MS: u32 = 3_000;

/// What a page does with a tree, which decides whether it opens from the reading cached
/// beside the document (named `tree-v1`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Shows it (the projector, the list of trees): opens from the cached reading when
    /// storage still holds what it was read from, without parsing the document (~110 ms for
    /// 300 cards on a phone); the document is loaded when a change arrives or a command runs.
    Show,
    /// Edits it (the outline): reads the document at once, so the first keystroke does not
    /// wait for its parse, and keeps the reading cached for the pages that show it (a while
    /// after it opened or changed, not in the task that shows it).
    Edit,
}

/// The trees the network lists.
pub fn trees(net: NetworkState) -> Vec<DocumentId> {
    net.network.with(|n| n.trees.keys().filter_map(|k| k.parse().ok()).collect())
}

/// "Nuevo árbol": a tree around `problem`, listed in the network; its id.
pub async fn create(net: NetworkState, problem: String) -> Result<DocumentId, AppError> {
    let id = DocumentId::from_bytes(random_bytes());
    let stamp = net.stamp();
    let network = net.id.to_string();
    net.docs.run(id, |d| tree::create(d, &network, &problem, &stamp)).await?;
    net.docs.want(id);
    net.run(Command::ListTree { id: id.to_string() }).await?;
    Ok(id)
}

impl TreeCtx {
    /// Opens tree `id` of `net` for `usage` and keeps it read while the page is open.
    pub fn open(net: NetworkState, id: DocumentId, usage: Usage) -> TreeCtx {
        let ctx = TreeCtx {
            net,
            id,
            tree: RwSignal::new(Loaded::Loading),
            docs: net.docs,
            reader: StoredValue::new_local(Rc::default()),
            usage,
            keep: StoredValue::new_local(None),
        };
        // Leaving the page drops a pending refresh (its timer is cancelled when dropped).
        on_cleanup(move || {
            ctx.keep.try_update_value(|t| *t = None);
        });
        ctx.docs.want(id);
        Effect::new(move |_| {
            ctx.docs.watch(id);
            ctx.reload();
        });
        ctx
    }

    /// Reads the tree: a page that shows it opens through the cached reading ([`Usage`]);
    /// otherwise, and after a change, from the document, the cached reading refreshed a while
    /// later ([`KEEP_AFTER_MS`]).
    fn reload(self) {
        let reader = self.reader.get_value();
        let opening = matches!(self.tree.get_untracked(), Loaded::Loading);
        spawn_local(async move {
            let got = if opening && self.usage == Usage::Show {
                self.docs
                    .read_view(self.id, Job::Tree, Caching::AfterEveryRead, |d| {
                        reader.borrow_mut().read(d)
                    })
                    .await
            } else {
                let got = self.docs.read(self.id, |d| reader.borrow_mut().read(d)).await;
                self.keep_later();
                got
            };
            self.tree.set(got);
        });
    }

    /// Re-caches the reading [`KEEP_AFTER_MS`] after the last change, in a task of its own
    /// (the reader re-reads nothing when nothing changed since).
    fn keep_later(self) {
        let timer = Timeout::new(KEEP_AFTER_MS, move || {
            let reader = self.reader.get_value();
            spawn_local(async move {
                // Only a cache: a failure to read is shown by the next reload, not here.
                let _ = self
                    .docs
                    .read_view(self.id, Job::Tree, Caching::FromDocument, |d| {
                        reader.borrow_mut().read(d)
                    })
                    .await;
            });
        });
        self.keep.update_value(|t| *t = Some(timer));
    }

    /// Runs a command in the background; its refusal (or failure) is set on `error`.
    fn spawn(
        self,
        error: RwSignal<Option<AppError>>,
        f: impl FnOnce(&mut juntas_core::automerge::AutoCommit, &Stamp) -> Result<(), tree::TreeError>
        + 'static,
    ) {
        let stamp = self.net.stamp();
        spawn_local(async move {
            error.set(self.docs.run(self.id, |d| f(d, &stamp)).await.err());
        });
    }

    /// Adds a card with `text` at the end of `parent` (a side or a card).
    pub fn add(self, parent: String, text: String, error: RwSignal<Option<AppError>>) {
        let id = new_entry_id();
        self.spawn(error, move |d, s| tree::add(d, &id, &parent, None, text.trim(), s));
    }

    /// Moves `card` under `parent`, before `before` (at the end when `None`).
    pub fn move_card(
        self,
        card: String,
        parent: String,
        before: Option<String>,
        error: RwSignal<Option<AppError>>,
    ) {
        self.spawn(error, move |d, s| tree::move_card(d, &card, &parent, before.as_deref(), s));
    }

    /// Removes `card`; its cards move up to its parent.
    pub fn delete(self, card: String, error: RwSignal<Option<AppError>>) {
        self.spawn(error, move |d, s| tree::delete(d, &card, s));
    }

    pub fn set_root_cause(self, card: String, on: bool, error: RwSignal<Option<AppError>>) {
        self.spawn(error, move |d, s| tree::set_root_cause(d, &card, on, s));
    }

    /// Types into a card's text (or its evidence): one splice, stored at once, sent within a
    /// second; returns the text after it.
    pub async fn splice(
        self,
        card: String,
        evidence: bool,
        e: TextEdit,
    ) -> Result<String, AppError> {
        let stamp = self.net.stamp();
        let text = self
            .docs
            .type_into(self.id, |d| {
                let base = Some(e.base.as_str());
                tree::splice_on(d, &card, evidence, base, e.at, e.delete, &e.insert, &stamp)
            })
            .await?;
        // The outline reads cards from the signal: put the new text there too.
        self.tree.update(|t| {
            let Loaded::Ready(t) = t else { return };
            if card == tree::PROBLEM && !evidence {
                t.problem = text.clone();
            } else if let Some(c) = t.cards.get_mut(&card) {
                if evidence {
                    c.evidence = text.clone();
                } else {
                    c.text = text.clone();
                }
            }
        });
        Ok(text)
    }

    /// Sends what was typed now (a card's box lost focus).
    pub fn flush(self) {
        self.docs.flush();
    }
}
