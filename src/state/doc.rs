//! The one document pipeline. Every document of every kind is read, changed, saved, sent and
//! re-read here, the same way:
//!
//! - **read**: one load with one outcome — [`Loaded::Missing`] (this device has no copy yet),
//!   [`Loaded::Failed`] with the reason, or [`Loaded::Ready`]; a read that a keystroke
//!   overtook is redone, so a slow read never puts back older text;
//! - **run** a command: lock → command → store → tell sync → settle the save badge → tell
//!   everything watching that document ([`Docs::watch`]) to re-read;
//! - **type** into a collaborative text: the splice is applied at once, stored with one write
//!   in flight (keys typed meanwhile are written right after it, together), and sent within a
//!   second, or at once when the box loses focus or the page is hidden.
//!
//! The typed states (`network`, `plan`, `inquiry`, `tree`) are thin wrappers that hold the
//! plain structs as signals and name the domain commands; none of them saves or sends.

use std::{
    cell::{Cell, RefCell},
    collections::BTreeMap,
    rc::Rc,
};

use gloo_timers::callback::Timeout;
use juntas_core::{DocumentId, automerge::AutoCommit};
use leptos::{prelude::*, task::spawn_local};
use serde::{Serialize, de::DeserializeOwned};

use super::Batch;
use crate::{
    error::AppError,
    readings::Job,
    repo::{Caching, Repo},
    sync::SyncCtx,
};

/// How long typing waits before it is sent (the sync bench: one message a second per person
/// keeps the server's latency low with the network's ~20 people).
const SEND_AFTER_MS: u32 = 1_000;

/// How one document stands on this device.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded<T> {
    Loading,
    /// Nobody has started it, or this device has not received it yet.
    Missing,
    Ready(T),
    /// It could not be read, and why.
    Failed(AppError),
}

impl<T> Loaded<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Loaded::Ready(t) => Some(t),
            _ => None,
        }
    }

    pub fn is_ready(&self) -> bool {
        matches!(self, Loaded::Ready(_))
    }

    /// The same state, with `f` applied to what is ready.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Loaded<U> {
        match self {
            Loaded::Loading => Loaded::Loading,
            Loaded::Missing => Loaded::Missing,
            Loaded::Ready(t) => Loaded::Ready(f(t)),
            Loaded::Failed(e) => Loaded::Failed(e),
        }
    }
}

/// Whether this device has stored every change made here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    Saved,
    Saving,
    /// Some document's changes are in memory only (see [`Repo::unsaved`]).
    Failed(juntas_core::StorageError),
}

/// How long the badge keeps saying "Guardando…" after typing's last write: a write per key
/// would otherwise flip it (and repaint it) twice per keystroke.
const TYPING_SETTLE_MS: u32 = 250;

#[derive(Default)]
struct Typing {
    /// Documents being written now, and whether more typing arrived meanwhile.
    writing: RefCell<BTreeMap<DocumentId, bool>>,
    /// Settles the badge once typing's writes pause.
    settle: RefCell<Option<Timeout>>,
    /// Documents typed into and not sent yet, and the timer that sends them.
    unsent: RefCell<Batch>,
    /// Bumped by every keystroke, before and after its splice: a read that ran across either
    /// is stale and is redone.
    edits: Cell<u64>,
}

/// The pipeline, shared through context.
#[derive(Clone, Copy)]
pub struct Docs {
    repo: StoredValue<Rc<Repo>, LocalStorage>,
    sync: SyncCtx,
    /// Whether every change made on this device is stored (the save badge).
    pub save: RwSignal<SaveState>,
    typing: StoredValue<Rc<Typing>, LocalStorage>,
}

pub fn use_docs() -> Docs {
    expect_context::<Docs>()
}

impl Docs {
    /// The pipeline of this tab; typing not sent yet goes out when the page is hidden.
    pub fn new(repo: Rc<Repo>, sync: SyncCtx) -> Docs {
        let docs = Docs {
            repo: StoredValue::new_local(repo),
            sync,
            save: RwSignal::new(SaveState::Saved),
            typing: StoredValue::new_local(Rc::default()),
        };
        gloo_events::EventListener::new(&window(), "pagehide", move |_| {
            docs.store_typed_now();
            docs.sync.node().page_hidden(true);
            docs.flush();
        })
        .forget();
        // Put away on a phone, the page may never run again: typing goes out and is signed
        // now, not within a second and with the next batch of signatures.
        gloo_events::EventListener::new(&document(), "visibilitychange", move |_| {
            let hidden = document().hidden();
            docs.sync.node().page_hidden(hidden);
            if hidden {
                docs.flush();
            }
        })
        .forget();
        // Back from the browser's back/forward cache (some fire no visibilitychange then).
        gloo_events::EventListener::new(&window(), "pageshow", move |_| {
            docs.sync.node().page_hidden(document().hidden());
        })
        .forget();
        docs
    }

    pub(crate) fn repo(self) -> Rc<Repo> {
        self.repo.get_value()
    }

    pub fn sync(self) -> SyncCtx {
        self.sync
    }

    /// Subscribes the running effect or memo to every change of `id`, local or remote.
    pub fn watch(self, id: DocumentId) -> u64 {
        self.sync.watch(id)
    }

    /// Keeps `id` in sync from now on (and asks peers for it when this device lacks it).
    pub fn want(self, id: DocumentId) {
        self.sync.node().want(id);
    }

    /// Reads `id` with `f` (which checks the document's kind and shape).
    pub async fn read<T, E: Into<AppError>>(
        self,
        id: DocumentId,
        f: impl Fn(&mut AutoCommit) -> Result<T, E>,
    ) -> Loaded<T> {
        let repo = self.repo();
        self.fresh(|| repo.read(id, |doc| (!doc.get_heads().is_empty()).then(|| f(doc)))).await
    }

    /// The history of `id` (a document of `network`), grouped, each author checked against
    /// her device's signature ([`crate::keys`]); on a device that never registered there,
    /// every author is shown unverified.
    pub async fn history(
        self,
        id: DocumentId,
        network: &str,
    ) -> Loaded<Vec<juntas_core::model::history::Group>> {
        use juntas_core::model::history;
        let Some(server_key) = crate::keys::server_key(network) else {
            return self.read(id, |doc| Ok::<_, AppError>(history::read_grouped(doc))).await;
        };
        let checks =
            self.read(id, |doc| Ok::<_, AppError>(crate::keys::needed(doc, &server_key))).await;
        if let Loaded::Ready(checks) = checks
            && let Err(e) = crate::keys::check_all(checks).await
        {
            return Loaded::Failed(e.into());
        }
        self.read(id, |doc| {
            let signatures = crate::keys::signatures(doc, network, &server_key);
            Ok::<_, AppError>(history::read_grouped_signed(doc, &signatures))
        })
        .await
    }

    /// Reads `first` together with `second` (a centre's plan with the common plan); missing
    /// when `first` is.
    pub async fn read_two<T, E: Into<AppError>>(
        self,
        first: DocumentId,
        second: DocumentId,
        f: impl Fn(&mut AutoCommit, &mut AutoCommit) -> Result<T, E>,
    ) -> Loaded<T> {
        let repo = self.repo();
        self.fresh(|| {
            repo.read_two(first, second, |a, b| (!a.get_heads().is_empty()).then(|| f(a, b)))
        })
        .await
    }

    /// The reading cached beside `id` under `name`, when `id` is not in memory and the
    /// reading is fresh; never loads the document ([`Repo::cached_view`]).
    pub async fn cached_view<T: DeserializeOwned>(self, id: DocumentId, name: &str) -> Option<T> {
        self.repo().cached_view(id, name).await
    }

    /// Has the document worker make `job`'s reading of `id`; whether it did
    /// ([`Repo::make_in_worker`]).
    pub async fn make_in_worker(self, id: DocumentId, job: Job) -> bool {
        self.repo().make_in_worker(id, job).await
    }

    /// Has the document worker make a reading of `id` kept at the version storage holds,
    /// even while `id` is in memory ([`Repo::make_fixed_in_worker`]).
    pub async fn make_fixed_in_worker(self, id: DocumentId, job: Job) -> bool {
        self.repo().make_fixed_in_worker(id, job).await
    }

    /// A reading of `id` at fixed heads kept under `name`, if any ([`Repo::fixed`]).
    pub async fn fixed<T: DeserializeOwned>(self, id: DocumentId, name: &str) -> Option<T> {
        self.repo().fixed(id, name).await
    }

    /// Keeps a reading of `id` at fixed heads under `name` ([`Repo::keep_fixed`]).
    pub async fn keep_fixed<T: Serialize>(self, id: DocumentId, name: &str, reading: &T) {
        self.repo().keep_fixed(id, name, reading).await
    }

    /// Like [`Docs::read`] for a reading lists show often, served from the cached reading
    /// beside the document when storage still holds what it was made from (see
    /// [`Repo::read_view`]: made by the document worker when it is missing; `caching` says
    /// when the page writes it). `f` reads what `job` reads.
    pub async fn read_view<T: Serialize + DeserializeOwned, E: Into<AppError>>(
        self,
        id: DocumentId,
        job: Job,
        caching: Caching,
        f: impl Fn(&mut AutoCommit) -> Result<T, E>,
    ) -> Loaded<T> {
        let repo = self.repo();
        self.fresh(|| {
            repo.read_view(id, job.clone(), caching, |doc| {
                (!doc.get_heads().is_empty()).then(|| f(doc))
            })
        })
        .await
    }

    /// Runs a read until no keystroke landed while it ran.
    async fn fresh<T, E: Into<AppError>, L: Into<AppError>, F>(
        self,
        read: impl Fn() -> F,
    ) -> Loaded<T>
    where
        F: std::future::Future<Output = Result<Option<Result<T, E>>, L>>,
    {
        let typing = self.typing.get_value();
        loop {
            // A typed read (tens of ms for a big plan on a phone) runs in a task of its own:
            // not with whatever asked for it, nor with the render its result starts.
            crate::tasks::yield_to_browser().await;
            let start = typing.edits.get();
            let got = read().await;
            crate::tasks::yield_to_browser().await;
            if typing.edits.get() != start {
                continue;
            }
            return match got {
                Ok(None) => Loaded::Missing,
                Ok(Some(Ok(t))) => Loaded::Ready(t),
                Ok(Some(Err(e))) => Loaded::Failed(e.into()),
                Err(e) => Loaded::Failed(e.into()),
            };
        }
    }

    /// Runs a command on `id`: lock → command → store → tell sync → settle → re-read. A
    /// refused command changes nothing; a failed save keeps the change in memory (it is still
    /// sent) and the save badge says so.
    pub async fn run<R, E: Into<AppError>>(
        self,
        id: DocumentId,
        f: impl FnOnce(&mut AutoCommit) -> Result<R, E>,
    ) -> Result<R, AppError> {
        let repo = self.repo();
        let r = repo.read(id, f).await?.map_err(Into::into)?;
        self.changed(id).await;
        Ok(r)
    }

    /// Runs a command that changes `first` and reads `second` (locked in that order).
    pub async fn run_two<R, E: Into<AppError>>(
        self,
        first: DocumentId,
        second: DocumentId,
        f: impl FnOnce(&mut AutoCommit, &mut AutoCommit) -> Result<R, E>,
    ) -> Result<R, AppError> {
        let repo = self.repo();
        let r = repo.read_two(first, second, f).await?.map_err(Into::into)?;
        self.changed(first).await;
        Ok(r)
    }

    /// Makes sure `id` exists here: when this device has no copy, the deterministic
    /// `skeleton` is merged in (every device writes the identical first change, so creating
    /// it twice, even offline, still makes one document). Whether it was created.
    pub async fn ensure(
        self,
        id: DocumentId,
        skeleton: impl FnOnce() -> AutoCommit,
    ) -> Result<bool, AppError> {
        let created = self
            .repo()
            .read(id, |doc| {
                if !doc.get_heads().is_empty() {
                    return Ok(false);
                }
                doc.merge(&mut skeleton()).map(|_| true)
            })
            .await?
            .map_err(|e| AppError::Doc(e.into()))?;
        if created {
            self.want(id);
            self.changed(id).await;
        }
        Ok(created)
    }

    /// After a change to `id`: store it, send it, settle the badge, tell the watchers.
    async fn changed(self, id: DocumentId) {
        self.saving();
        // A failure is recorded by the repo and shown by settle().
        let _ = self.repo().save(id).await;
        self.sync.node().local_command(id).await;
        self.settle();
        self.sync.notify(id);
    }

    /// Applies a keystroke's splice to `id` at once; it is stored right away (one write in
    /// flight) and sent within a second. Watchers are not told: the box already shows it, and
    /// the typed state updates its own copy.
    pub async fn type_into<R, E: Into<AppError>>(
        self,
        id: DocumentId,
        f: impl FnOnce(&mut AutoCommit) -> Result<R, E>,
    ) -> Result<R, AppError> {
        let typing = self.typing.get_value();
        // Bumped before the splice (a read that started earlier is redone) and once it is
        // applied: a read that started after the keystroke but took the document's lock
        // before the splice did reads the text without it. Taken, it put the older text in
        // the box, and when the keystroke came back the caret stood before it: the plan
        // journey's "mascarilla" became "macarilla en adultos (Alejandra).s" in ~1 run of 3.
        typing.edits.set(typing.edits.get() + 1);
        let r = self.repo().read(id, f).await;
        typing.edits.set(typing.edits.get() + 1);
        let r = r?.map_err(Into::into)?;
        self.store_soon(id);
        self.send_later(id);
        Ok(r)
    }

    /// Writes `id` to the device now; keystrokes arriving during a write are written right
    /// after it, together (one write in flight at a time, none skipped). The badge says
    /// "Guardando…" until the writes pause.
    fn store_soon(self, id: DocumentId) {
        let typing = self.typing.get_value();
        typing.settle.borrow_mut().take();
        self.saving();
        if let Some(again) = typing.writing.borrow_mut().get_mut(&id) {
            *again = true;
            return;
        }
        typing.writing.borrow_mut().insert(id, false);
        spawn_local(async move {
            loop {
                let _ = self.repo().save(id).await;
                let mut writing = typing.writing.borrow_mut();
                match writing.get_mut(&id) {
                    Some(again) if *again => *again = false,
                    _ => {
                        writing.remove(&id);
                        break;
                    }
                }
            }
            let timer = Timeout::new(TYPING_SETTLE_MS, move || self.settle());
            *typing.settle.borrow_mut() = Some(timer);
        });
    }

    /// The page is going away: documents being typed into are written once more now (a write
    /// that queued behind the one in flight must not wait for it).
    fn store_typed_now(self) {
        let ids: Vec<DocumentId> =
            self.typing.get_value().writing.borrow().keys().copied().collect();
        for id in ids {
            let repo = self.repo();
            spawn_local(async move {
                // A failure is recorded by the repo (the tab is closing; nothing to show).
                let _ = repo.save(id).await;
            });
        }
    }

    /// "Guardando…", set once (not again for every keystroke of a burst).
    fn saving(self) {
        if self.save.get_untracked() != SaveState::Saving {
            self.save.set(SaveState::Saving);
        }
    }

    fn send_later(self, id: DocumentId) {
        let typing = self.typing.get_value();
        let mut unsent = typing.unsent.borrow_mut();
        unsent.ids.insert(id);
        if unsent.timer.is_none() {
            unsent.timer = Some(Timeout::new(SEND_AFTER_MS, move || self.flush()));
        }
    }

    /// Sends every document typed into and not sent yet (a box lost focus, the page is
    /// hidden, a command follows).
    pub fn flush(self) {
        let ids = self.typing.get_value().unsent.borrow_mut().take();
        if ids.is_empty() {
            return;
        }
        let node = self.sync.node();
        spawn_local(async move {
            for id in ids {
                node.local_change(id).await;
            }
        });
    }

    /// Sets the save badge from what is really stored: "Guardado" only when no document is
    /// left in memory only, whichever page saved last.
    pub fn settle(self) {
        let typing = self.typing.get_value();
        if !typing.writing.borrow().is_empty() {
            return; // the last write in flight settles it
        }
        let now = match self.repo().unsaved() {
            None => SaveState::Saved,
            Some(e) => SaveState::Failed(e),
        };
        if self.save.get_untracked() != now {
            self.save.set(now);
        }
    }

    /// Tries again to store every document whose save failed (on any page).
    pub fn retry_save(self) {
        self.saving();
        spawn_local(async move {
            let _ = self.repo().retry_unsaved().await;
            self.settle();
        });
    }
}
