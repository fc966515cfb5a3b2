//! One open network directory as signals: the plain `Network`, whether it opened, and the
//! network's commands (through the document pipeline, `state::doc`). Also the commands that
//! are about networks as a whole: create one, export and import a bundle, the raw bytes of one
//! that cannot be read.

use juntas_core::{
    DocumentId,
    model::{
        history::Stamp,
        network::{self, Command, Network},
    },
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    error::AppError,
    local,
    readings::{self, Job},
    repo::{Caching, Imported},
    state::doc::{Docs, Loaded, SaveState, use_docs},
    sync::Link,
};

/// Whether the document could be opened.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenState {
    Loading,
    Ready,
    Failed(AppError),
}

#[derive(Clone, Copy)]
pub struct NetworkState {
    pub id: DocumentId,
    pub network: RwSignal<Network>,
    pub open: RwSignal<OpenState>,
    /// The save badge (the pipeline's, for every document of the tab).
    pub save: RwSignal<SaveState>,
    /// The member this device's person is in this network: the one it is registered for, or
    /// (a network this device is not registered in) the one she chose.
    pub me: RwSignal<Option<String>>,
    /// This device's registration in this network (its token and member), if any.
    pub device: RwSignal<Option<local::Device>>,
    pub docs: Docs,
    /// Plan and inquiry documents the network lists that sync was already asked to keep.
    listed: StoredValue<std::collections::BTreeSet<DocumentId>>,
    /// Re-reads started, and the latest one whose outcome was shown: one that ends after a
    /// later one is older (the kept reading, served from storage, can take longer than the
    /// re-read from memory that a change started) and is dropped.
    reads: StoredValue<(u64, u64)>,
}

/// How long after the network opens its listed documents start syncing in the background.
const BACKGROUND_SYNC_DELAY_MS: u32 = 2_000;
/// And how far apart: loading a document cannot yield, so loads are spread out.
const BACKGROUND_SYNC_GAP_MS: u32 = 250;

impl NetworkState {
    /// The stamp of a change made now by this device's person, for every document of the
    /// network. A command still running after she left the network's pages (the last
    /// keystrokes of a box, sent as she tapped away) finds this state gone; its change is then
    /// made by nobody, which the rules allow, rather than lost.
    pub fn stamp(&self) -> Stamp {
        Stamp::new(&self.me.try_get_untracked().flatten().unwrap_or_default(), now_ms())
    }

    /// The stamp of a change that counts as hers (an exit-ticket answer, a ballot, a proposal),
    /// read now: without an identity on this device it would count as someone named "".
    pub fn my_stamp(&self) -> Result<Stamp, AppError> {
        let me = self.me.try_get_untracked().flatten().ok_or(AppError::NoIdentity)?;
        Ok(Stamp::new(&me, now_ms()))
    }

    /// Starts opening `id` from this device's storage; re-read on every change to it.
    pub fn open(id: DocumentId) -> NetworkState {
        let docs = use_docs();
        let state = NetworkState {
            id,
            network: RwSignal::new(Network::default()),
            open: RwSignal::new(OpenState::Loading),
            save: docs.save,
            me: RwSignal::new(
                local::device(&id.to_string())
                    .map(|d| d.member)
                    .or_else(|| local::identity(&id.to_string())),
            ),
            device: RwSignal::new(local::device(&id.to_string())),
            docs,
            listed: StoredValue::new(Default::default()),
            reads: StoredValue::new((0, 0)),
        };
        Effect::new(move |_| {
            docs.watch(id);
            state.reload();
        });
        // A document this device does not have yet is asked from the server.
        let sync = docs.sync();
        Effect::new(move |_| {
            if matches!(state.open.get(), OpenState::Failed(AppError::NotFound))
                && !matches!(sync.link.get(), Link::NoServer)
            {
                docs.want(id);
            }
        });
        state
    }

    /// Reads the document from this tab's node into the signals.
    ///
    /// On opening, the directory comes from its reading kept beside the document when storage
    /// still holds what it was read from: parsing the network and reading it were the page's
    /// two longest tasks of a repeat visit (~150 ms at 4× CPU in a CPU profile). The
    /// document itself loads when a command or a sync needs it, and then re-reads from memory.
    fn reload(self) {
        let mine = self.read_started();
        spawn_local(async move {
            let read =
                self.docs.read_view(self.id, Job::Network, Caching::OnPage, readings::network);
            let read = read.await;
            if !self.newest(mine) {
                return;
            }
            match read {
                Loaded::Ready(net) => {
                    if let Err(e) = local::remember_network(&self.id.to_string(), &net.name) {
                        leptos::logging::warn!("could not list the network on this device: {e}");
                    }
                    self.keep_listed_in_sync(&net);
                    self.network.set(net);
                    if self.open.get_untracked() != OpenState::Ready {
                        self.open.set(OpenState::Ready);
                        self.docs.want(self.id);
                    }
                }
                Loaded::Missing => self.fail(AppError::NotFound),
                Loaded::Failed(e) => self.fail(e),
                Loaded::Loading => {}
            }
        });
    }

    /// Numbers a read (or a command's reading) as it starts.
    fn read_started(self) -> Option<u64> {
        self.reads.try_update_value(|(started, _)| {
            *started += 1;
            *started
        })
    }

    /// Whether read `mine` may be shown: no read started after it was shown already. It then
    /// counts as the latest shown.
    fn newest(self, mine: Option<u64>) -> bool {
        let Some(mine) = mine else { return false };
        self.reads.try_update_value(|(_, shown)| {
            let newest = mine >= *shown;
            if newest {
                *shown = mine;
            }
            newest
        }) == Some(true)
    }

    fn fail(self, e: AppError) {
        if self.open.get_untracked() != OpenState::Failed(e.clone()) {
            self.open.set(OpenState::Failed(e));
        }
    }

    /// Plans, inquiries, trees and workshops listed in the directory are kept in sync (and asked for when
    /// this device does not have them yet). Only ids not asked for yet: this runs on every
    /// change to the network. In the background, a moment after the page is up: syncing a
    /// document loads it (16 plan documents are ~300 ms of parsing), and the page on screen
    /// has already asked for the ones it shows.
    fn keep_listed_in_sync(self, net: &Network) {
        let new: Vec<DocumentId> = crate::repo::plan_documents(self.id, net)
            .into_iter()
            .chain(net.inquiries.keys().filter_map(|k| k.parse().ok()))
            .chain(net.trees.keys().filter_map(|k| k.parse().ok()))
            .chain(net.workshops.keys().filter_map(|k| k.parse().ok()))
            .chain(net.votes.keys().filter_map(|k| k.parse().ok()))
            .chain(net.cycles.keys().filter_map(|k| k.parse().ok()))
            .filter(|doc| self.listed.try_update_value(|seen| seen.insert(*doc)) == Some(true))
            .collect();
        if new.is_empty() {
            return;
        }
        let docs = self.docs;
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(BACKGROUND_SYNC_DELAY_MS).await;
            // One at a time: each load blocks the page while it parses.
            for doc in new {
                docs.want(doc);
                gloo_timers::future::TimeoutFuture::new(BACKGROUND_SYNC_GAP_MS).await;
            }
        });
    }

    /// Applies `command`; a refused command comes back as the error to show next to the form.
    pub async fn run(self, command: Command) -> Result<(), AppError> {
        let mine = self.read_started();
        let net = self.docs.run(self.id, |doc| network::apply(doc, command, now_ms())).await?;
        if let Err(e) = local::remember_network(&self.id.to_string(), &net.name) {
            leptos::logging::warn!("could not list the network on this device: {e}");
        }
        // A read started before the command (the kept reading) ends after it: not shown.
        if self.newest(mine) {
            self.network.set(net);
        }
        Ok(())
    }

    /// Runs `command` in the background, reporting a refusal through `on_error`.
    pub fn spawn(self, command: Command, on_error: impl FnOnce(AppError) + 'static) {
        spawn_local(async move {
            if let Err(e) = self.run(command).await {
                on_error(e);
            }
        });
    }

    /// Tries again to store every document whose save failed (on any page of the network).
    pub fn retry_save(self) {
        self.docs.retry_save();
    }

    /// Every stored chunk of this network concatenated (a file Automerge can load), for a
    /// document this app cannot open.
    pub async fn raw_bytes(self) -> Result<Vec<u8>, AppError> {
        Ok(self.docs.repo().raw_bytes(self.id).await?)
    }

    /// The name of the file [`NetworkState::raw_bytes`] is downloaded as.
    pub fn raw_file_name(self) -> String {
        format!("{}.automerge", self.id)
    }

    /// The network's bundle file: the directory and every document of it this device has.
    pub async fn export_bundle(self) -> Result<Vec<u8>, AppError> {
        self.docs.repo().export_bundle(self.id).await
    }

    /// Whether this device may add, edit and remove centres, members and commissions: a
    /// facilitator's, or one not registered in this network (its copy is its own).
    pub fn may_edit_directory(self) -> bool {
        match self.device.get() {
            None => true,
            Some(d) => self.network.with(|n| {
                n.members
                    .get(&d.member)
                    .is_some_and(|m| m.role == juntas_core::model::network::Role::Facilitator)
            }),
        }
    }

    pub fn set_me(self, member: Option<String>) -> Result<(), AppError> {
        local::set_identity(&self.id.to_string(), member.as_deref()).map_err(AppError::Local)?;
        self.me.set(member);
        Ok(())
    }
}

/// The open network of the current page.
pub fn use_network() -> NetworkState {
    expect_context::<NetworkState>()
}

/// Creates a network on this device and lists it: its id, and why it could not be listed on
/// this device's start page (it is created and opens all the same; opening lists it again).
pub async fn create(docs: Docs, net: Network) -> Result<(DocumentId, Option<AppError>), AppError> {
    let id = docs.repo().create_network(&net).await?;
    docs.want(id);
    let listed = local::remember_network(&id.to_string(), &net.name).map_err(AppError::Local);
    Ok((id, listed.err()))
}

/// Imports a bundle file (only network `expected`'s, when given): every document in it is
/// merged into this device's copy and saved; open pages of every changed document re-read.
pub async fn import_bundle(
    docs: Docs,
    bytes: &[u8],
    expected: Option<DocumentId>,
) -> Result<Imported, AppError> {
    let imported = docs.repo().import_bundle(bytes, expected).await?;
    docs.sync().node().imported(&imported.changed);
    // The merge is done and stored; only the list of networks on this device failed.
    local::remember_network(&imported.network.to_string(), &imported.name)
        .map_err(AppError::Local)?;
    Ok(imported)
}

fn now_ms() -> i64 {
    crate::repo::now_ms()
}
