//! One open network directory as signals: the plain `Network`, whether it opened, and whether
//! its last change reached this device's storage. Commands go through here.

use juntas_core::{
    DocumentId, LoadError, StorageError,
    model::network::{Command, ModelError, Network},
};
use leptos::{prelude::*, task::spawn_local};

use std::rc::Rc;

use crate::{
    i18n::{I18n, T},
    local,
    repo::{OpenError, Repo},
    state::use_repo,
    sync::{Link, use_sync},
};

/// Whether the document could be opened.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenState {
    Loading,
    Ready,
    Failed(OpenError),
}

/// Whether this device has stored every change made here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    Saved,
    Saving,
    /// Some document's changes are in memory only (see [`crate::repo::Repo::unsaved`]).
    Failed(StorageError),
}

#[derive(Clone, Copy)]
pub struct NetworkState {
    pub id: DocumentId,
    pub network: RwSignal<Network>,
    pub open: RwSignal<OpenState>,
    pub save: RwSignal<SaveState>,
    /// The member this device's person says she is, in this network.
    pub me: RwSignal<Option<String>>,
    repo: StoredValue<Rc<Repo>, LocalStorage>,
    sync: StoredValue<Rc<crate::sync::SyncNode>, LocalStorage>,
    /// Plan and inquiry documents the network lists that sync was already asked to keep.
    listed: StoredValue<std::collections::BTreeSet<DocumentId>>,
}

/// How long after the network opens its listed documents start syncing in the background.
const BACKGROUND_SYNC_DELAY_MS: u32 = 2_000;
/// And how far apart: loading a document cannot yield, so loads are spread out.
const BACKGROUND_SYNC_GAP_MS: u32 = 250;

impl NetworkState {
    /// Starts opening `id` from this device's storage.
    pub fn open(id: DocumentId) -> NetworkState {
        let state = NetworkState {
            id,
            network: RwSignal::new(Network::default()),
            open: RwSignal::new(OpenState::Loading),
            save: RwSignal::new(SaveState::Saved),
            me: RwSignal::new(local::identity(&id.to_string())),
            repo: StoredValue::new_local(use_repo()),
            sync: StoredValue::new_local(use_sync().node()),
            listed: StoredValue::new(Default::default()),
        };
        state.reload();
        // A remote change to this document (merged by sync): read it again.
        let sync = use_sync();
        Effect::new(move |_| {
            if sync.changed.get().1 == Some(id) {
                state.reload();
            }
        });
        // A document this device does not have yet is asked from the server.
        Effect::new(move |_| {
            if matches!(state.open.get(), OpenState::Failed(OpenError::NotFound))
                && !matches!(sync.link.get(), Link::NoServer)
            {
                sync.node().want(id);
            }
        });
        state
    }

    /// Reads the document from this tab's node into the signals.
    pub fn reload(self) {
        let repo = self.repo.get_value();
        spawn_local(async move {
            match repo.open_network(self.id).await {
                Ok(net) => {
                    let _ = local::remember_network(&self.id.to_string(), &net.name);
                    // Plans, inquiries and trees listed in the directory are kept in sync
                    // (and asked for when this device does not have them yet). Only ids not
                    // asked for yet: this runs on every change to the network. In the
                    // background, a moment after the page is up: syncing a document loads it
                    // (16 plan documents are ~300 ms of parsing), and the page on screen has
                    // already asked for the ones it shows.
                    let node = use_sync_node(self);
                    let new: Vec<DocumentId> = crate::repo::plan_documents(self.id, &net)
                        .into_iter()
                        .chain(net.inquiries.keys().filter_map(|k| k.parse().ok()))
                        .chain(net.trees.keys().filter_map(|k| k.parse().ok()))
                        .filter(|doc| {
                            self.listed.try_update_value(|seen| seen.insert(*doc)) == Some(true)
                        })
                        .collect();
                    if !new.is_empty() {
                        spawn_local(async move {
                            gloo_timers::future::TimeoutFuture::new(BACKGROUND_SYNC_DELAY_MS).await;
                            // One at a time: each load blocks the page while it parses.
                            for doc in new {
                                node.want(doc);
                                gloo_timers::future::TimeoutFuture::new(BACKGROUND_SYNC_GAP_MS)
                                    .await;
                            }
                        });
                    }
                    self.network.set(net);
                    if self.open.get_untracked() != OpenState::Ready {
                        self.open.set(OpenState::Ready);
                        use_sync_node(self).want(self.id);
                    }
                }
                Err(e) => {
                    if self.open.get_untracked() != OpenState::Failed(e.clone()) {
                        self.open.set(OpenState::Failed(e));
                    }
                }
            }
        });
    }

    /// Applies `command`; a refused command comes back as the error to show next to the form.
    pub async fn run(self, command: Command) -> Result<(), ModelError> {
        let repo = self.repo.get_value();
        self.save.set(SaveState::Saving);
        match repo.apply(self.id, command).await {
            // A failed save is recorded by the repo; settle() shows it.
            Ok(Ok(net)) => {
                let _ = local::remember_network(&self.id.to_string(), &net.name);
                self.network.set(net);
                use_sync_node(self).local_change(self.id).await;
                self.settle();
                Ok(())
            }
            Ok(Err(refused)) => {
                self.settle();
                Err(refused)
            }
            Err(e) => {
                // The document could not be read: nothing changed, so nothing is unsaved.
                self.settle();
                Err(ModelError::Shape(e.to_string()))
            }
        }
    }

    /// Runs `command` in the background, reporting a refusal through `on_error`.
    pub fn spawn(self, command: Command, on_error: impl FnOnce(ModelError) + 'static) {
        spawn_local(async move {
            if let Err(e) = self.run(command).await {
                on_error(e);
            }
        });
    }

    /// Tries again to store every document whose save failed (on any page of the network).
    pub fn retry_save(self) {
        let repo = self.repo.get_value();
        self.save.set(SaveState::Saving);
        spawn_local(async move {
            let _ = repo.retry_unsaved().await;
            self.settle();
        });
    }

    /// Sets the save badge from what is really stored after a save: "Guardado" only when no
    /// document is left in memory only, whichever page saved last.
    pub fn settle(self) {
        self.save.set(match self.repo.get_value().unsaved() {
            None => SaveState::Saved,
            Some(e) => SaveState::Failed(e),
        });
    }

    pub fn set_me(self, member: Option<String>) -> Result<(), String> {
        local::set_identity(&self.id.to_string(), member.as_deref())?;
        self.me.set(member);
        Ok(())
    }
}

fn use_sync_node(state: NetworkState) -> Rc<crate::sync::SyncNode> {
    state.sync.get_value()
}

/// The open network of the current page.
pub fn use_network() -> NetworkState {
    expect_context::<NetworkState>()
}

/// The person-facing words for a refused command.
pub fn explain(i18n: I18n, e: &ModelError) -> String {
    let t = |k| i18n.t(k).to_string();
    match e {
        ModelError::MissingName(_) => t(T::ErrMissingName),
        ModelError::BadRbd(_) => t(T::ErrBadRbd),
        ModelError::DuplicateRbd(_) => t(T::ErrDuplicateRbd),
        ModelError::UnknownCentre(_)
        | ModelError::UnknownMember(_)
        | ModelError::UnknownCommission(_) => t(T::ErrUnknown),
        ModelError::NewerSchema(_) => t(T::ErrNewerSchema),
        ModelError::WrongKind(_) => t(T::ErrNotNetwork),
        ModelError::Shape(m) | ModelError::Automerge(m) => m.clone(),
    }
}

/// The person-facing words for a document that would not open.
pub fn explain_open(i18n: I18n, e: &OpenError) -> String {
    match e {
        OpenError::NotFound => i18n.t(T::NotFoundHere).to_string(),
        OpenError::Model(m) => explain(i18n, m),
        OpenError::Load(LoadError::Storage(s)) => s.to_string(),
        OpenError::Load(l @ LoadError::Corrupt { .. }) => l.to_string(),
    }
}
