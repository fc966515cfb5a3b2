//! The browser node: owns this tab's open documents and its storage handle, lends them out one
//! at a time (a lock per document) and stores them, remembering which ones failed to store.
//! Each tab is its own node (architecture invariant 8). Pages reach it only through the
//! document pipeline in `state::doc`.

use std::{
    cell::RefCell,
    collections::{BTreeMap, HashMap},
    rc::Rc,
};

use automerge::{ActorId, AutoCommit};
use futures::lock::Mutex;
use juntas_core::{
    DocumentId, LoadError, StorageError, StoredDoc,
    bundle::{self, BundleError},
    model::{
        centre_plan, inquiry,
        network::{self, Network},
        plan,
    },
    set_aside::{Carried, Seen},
    store,
};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    error::AppError,
    readings::{Job, Unmade},
    storage::IdbStorage,
};

/// The IndexedDB database name automerge-repo uses, so the layout stays compatible.
pub const DATABASE: &str = "automerge";

pub type Handle = Rc<Mutex<StoredDoc>>;

/// What importing a bundle did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub network: DocumentId,
    pub name: String,
    /// Documents that gained changes (empty: the file had nothing new).
    pub changed: Vec<DocumentId>,
    /// Changes left out because their signature does not check (per document and actor).
    pub left_out: Vec<(DocumentId, juntas_core::signing::Screened)>,
}

/// Why a bundle was not imported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// The file was refused whole; nothing changed.
    #[error("{0}")]
    Bundle(#[from] BundleError),
    /// This device's copy could not be read; nothing changed.
    #[error("{0}")]
    Load(#[from] LoadError),
    /// The merge happened in memory but could not be stored (it is retried with the next save).
    #[error("{0}")]
    Storage(#[from] StorageError),
    /// The file's signatures could not be checked (WebCrypto failed); nothing changed.
    #[error("{0}")]
    Signatures(String),
}

impl From<ImportError> for crate::error::AppError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Bundle(b) => b.into(),
            ImportError::Load(l) => l.into(),
            ImportError::Storage(s) => s.into(),
            ImportError::Signatures(s) => crate::keys::KeyError::Crypto(s).into(),
        }
    }
}

/// The plan documents network `id` lists (common plans and centres' plans), by derived id.
pub fn plan_documents(id: DocumentId, net: &Network) -> Vec<DocumentId> {
    net.plans
        .keys()
        .filter_map(|key| match key.split_once('/') {
            None => key.parse().ok().map(|year| plan::id_for(id, year)),
            Some((year, centre)) => {
                year.parse().ok().map(|year| centre_plan::id_for(plan::id_for(id, year), centre))
            }
        })
        .collect()
}

/// When [`Repo::read_view`] writes the reading it made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caching {
    /// After every reading from the document (a list's lines: nobody types into them).
    AfterEveryRead,
    /// Only when the document was just loaded from storage for it: a document people type
    /// into (the common plan) is not re-cached, whole, after every save; the next load after
    /// the edits caches it again.
    WhenLoaded,
    /// After every reading, like `AfterEveryRead`, but a stale reading is made on the page and
    /// not by the document worker: the network's directory, which every page of a network
    /// waits for, is parsed in a task or two where the worker's start (the app's wasm compiled
    /// again) would come first.
    OnPage,
    /// After every reading, always made from the document (loaded if it is not): a refresh of
    /// the cached reading by a page that reads the document anyway (the tree's pages, a while
    /// after a change), so that the pages that only show it find it cached.
    FromDocument,
}

/// Where [`SyncFacts`] are cached (the name carries the version of the struct).
pub const SYNC_FACTS: &str = "sync-facts/2";

/// What sync needs of a document that has not changed since it last synced with the server,
/// cached beside its chunks so a start-up does not parse every document to learn that
/// nothing is to be sent (architecture invariant 13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SyncFacts {
    /// Its heads, in `get_heads` order.
    pub heads: Vec<automerge::ChangeHash>,
    /// The network it belongs to, when its own fields say ([`juntas_core::rules::owner_of`]).
    pub network: Option<String>,
    /// For an inquiry record, the inquiry whose network it belongs to.
    pub inquiry: Option<String>,
    /// How many changes it has: what is pending for a server that has none of it.
    pub changes: usize,
}

impl SyncFacts {
    pub(crate) fn of(id: DocumentId, doc: &mut AutoCommit) -> SyncFacts {
        use juntas_core::rules::{Owner, owner_of};
        let (network, inquiry) = match owner_of(doc) {
            Some(Owner::IsNetwork) => (Some(id.to_string()), None),
            Some(Owner::Network(n)) => (Some(n), None),
            Some(Owner::Inquiry(q)) => (None, Some(q)),
            None => (None, None),
        };
        let changes =
            usize::try_from(automerge::ReadDoc::stats(doc).num_changes).unwrap_or(usize::MAX);
        SyncFacts { heads: doc.get_heads(), network, inquiry, changes }
    }
}

pub struct Repo {
    storage: IdbStorage,
    docs: RefCell<HashMap<DocumentId, Handle>>,
    /// Documents whose last save failed, and why: their changes are only in memory.
    unsaved: RefCell<BTreeMap<DocumentId, StorageError>>,
    /// Saves under way: a tab closed now could cut one off.
    storing: std::cell::Cell<usize>,
    /// Makes missing readings off the page's thread.
    worker: crate::worker::DocWorker,
    /// Held while a set-aside list is read, changed and written back: two dismissals at once
    /// (of two edits) would each write the list without the other's change.
    set_aside_writes: Mutex<()>,
}

/// `n` random bytes from the browser's crypto (core draws no randomness itself).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the browser provides crypto.getRandomValues");
    bytes
}

/// A fresh id for an entry (centre, member, commission): 8 random bytes in hex.
pub fn new_entry_id() -> String {
    random_bytes::<8>().iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn new_actor() -> ActorId {
    ActorId::from(random_bytes::<16>().to_vec())
}

/// Runs `f` holding the browser's Web Lock `name` (`navigator.locks`, shared by this origin's
/// tabs), when no other tab holds it; `None` without running it when one does. A browser
/// without Web Locks runs it directly (one tab cannot tell). web-sys has the API only behind
/// its unstable flag, hence the calls through `Reflect`.
pub async fn with_tab_lock<T>(name: &str, f: impl std::future::Future<Output = T>) -> Option<T> {
    use wasm_bindgen::{JsCast, JsValue};
    let locks = js_sys::Reflect::get(&gloo_utils::window().navigator(), &"locks".into())
        .ok()
        .filter(|l| l.is_object());
    let request = locks.as_ref().and_then(|l| {
        js_sys::Reflect::get(l, &"request".into()).ok()?.dyn_into::<js_sys::Function>().ok()
    });
    let (Some(locks), Some(request)) = (locks, request) else { return Some(f.await) };
    let mut release: Option<js_sys::Function> = None;
    let held = js_sys::Promise::new(&mut |resolve, _| release = Some(resolve));
    let (tx, rx) = futures::channel::oneshot::channel::<bool>();
    let granted = wasm_bindgen::closure::Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let got = !lock.is_null();
        let _ = tx.send(got);
        if got { held.into() } else { JsValue::UNDEFINED }
    });
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"ifAvailable".into(), &true.into());
    if request.call3(&locks, &name.into(), &options, &granted).is_err() {
        return Some(f.await);
    }
    if !rx.await.unwrap_or(false) {
        return None;
    }
    let out = f.await;
    if let Some(release) = release {
        let _ = release.call0(&JsValue::NULL);
    }
    Some(out)
}

/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

impl Repo {
    pub async fn open() -> Result<Rc<Repo>, StorageError> {
        Repo::open_database(DATABASE).await
    }

    /// This tab's documents in the IndexedDB database `name` (the app's is `DATABASE`; the
    /// browser tests give each test its own).
    pub async fn open_database(name: &str) -> Result<Rc<Repo>, StorageError> {
        let storage = IdbStorage::open(name).await?;
        Ok(Rc::new(Repo {
            storage,
            docs: RefCell::default(),
            unsaved: RefCell::default(),
            storing: std::cell::Cell::new(0),
            worker: crate::worker::DocWorker::default(),
            set_aside_writes: Mutex::new(()),
        }))
    }

    /// Saves what `doc` has not stored yet and remembers the outcome: every save goes through
    /// here, so [`Repo::unsaved`] knows which documents live only in memory.
    pub async fn store(&self, doc: &mut StoredDoc) -> Result<(), StorageError> {
        /// Counts a save as under way until it ends, or its future is dropped.
        struct Storing<'a>(&'a std::cell::Cell<usize>);
        impl Drop for Storing<'_> {
            fn drop(&mut self) {
                self.0.set(self.0.get() - 1);
            }
        }
        let id = doc.id();
        self.storing.set(self.storing.get() + 1);
        let under_way = Storing(&self.storing);
        let saved = doc.save(&self.storage).await.map(|_| ());
        drop(under_way);
        match &saved {
            Ok(()) => self.unsaved.borrow_mut().remove(&id),
            Err(e) => self.unsaved.borrow_mut().insert(id, e.clone()),
        };
        saved
    }

    /// Why some document is not stored on this device (its changes are in memory only), or
    /// `None` when everything is.
    pub fn unsaved(&self) -> Option<StorageError> {
        self.unsaved.borrow().values().next().cloned()
    }

    /// Whether a save is under way (a browser need not finish it for a tab that closes).
    pub fn storing(&self) -> bool {
        self.storing.get() > 0
    }

    /// Tries again to store every document whose save failed; the first error, if any.
    pub async fn retry_unsaved(&self) -> Result<(), StorageError> {
        let ids: Vec<DocumentId> = self.unsaved.borrow().keys().copied().collect();
        let mut first = Ok(());
        for id in ids {
            let h = self.docs.borrow().get(&id).cloned();
            let Some(h) = h else {
                self.unsaved.borrow_mut().remove(&id);
                continue;
            };
            let saved = self.store(&mut *h.lock().await).await;
            if first.is_ok() {
                first = saved;
            }
        }
        first
    }

    /// Creates a network document, saves it and returns its id.
    pub async fn create_network(&self, net: &Network) -> Result<DocumentId, AppError> {
        let id = DocumentId::from_bytes(random_bytes());
        let mut doc = StoredDoc::new(id, new_actor());
        network::create(doc.doc_mut(), net, now_ms())?;
        self.store(&mut doc).await?;
        self.docs.borrow_mut().insert(id, Rc::new(Mutex::new(doc)));
        Ok(id)
    }

    /// The handle of `id`, or `None` when this device has no copy.
    async fn handle(&self, id: DocumentId) -> Result<Option<Handle>, LoadError> {
        if let Some(h) = self.docs.borrow().get(&id) {
            return Ok(Some(h.clone()));
        }
        let Some(chunks) = StoredDoc::read_chunks(&self.storage, id).await? else {
            return Ok(None);
        };
        // Parsing is the long part of an open (tens of ms for a centre's plan on a phone): in a
        // task of its own, not in one with the other documents' reads and the page's render.
        crate::tasks::yield_to_browser().await;
        if let Some(h) = self.docs.borrow().get(&id) {
            // Another task loaded it meanwhile: parsing it again would only cost time.
            return Ok(Some(h.clone()));
        }
        let doc = StoredDoc::from_chunks(id, new_actor(), chunks)?;
        let h =
            self.docs.borrow_mut().entry(id).or_insert_with(|| Rc::new(Mutex::new(doc))).clone();
        // And what the caller does with it (a typed read, a sync message) in the next one.
        crate::tasks::yield_to_browser().await;
        Ok(Some(h))
    }

    /// The handle of `id`, or an empty document to sync into when this device has no copy yet
    /// (a network joined by invite). An empty document is saved once sync brings changes.
    /// `id`'s handle when this tab has it open (nothing is loaded).
    pub fn opened(&self, id: DocumentId) -> Option<Handle> {
        self.docs.borrow().get(&id).cloned()
    }

    pub async fn handle_or_empty(&self, id: DocumentId) -> Result<Handle, LoadError> {
        match self.handle(id).await? {
            Some(h) => Ok(h),
            None => Ok(self
                .docs
                .borrow_mut()
                .entry(id)
                .or_insert_with(|| Rc::new(Mutex::new(StoredDoc::new(id, new_actor()))))
                .clone()),
        }
    }

    pub fn storage(&self) -> &IdbStorage {
        &self.storage
    }

    /// Whether `id` is in this tab's memory (loaded or created here).
    pub fn is_loaded(&self, id: DocumentId) -> bool {
        self.docs.borrow().contains_key(&id)
    }

    /// What sync needs to know of `id` without loading it ([`SyncFacts`]), when cached for
    /// exactly the chunks storage holds now. `None` when there is none or it is stale (a
    /// failed read included: the caller then loads the document, which reports any error).
    pub async fn sync_facts(&self, id: DocumentId) -> Option<SyncFacts> {
        let bytes = store::load_view(&self.storage, &id, SYNC_FACTS).await.ok()??;
        from_json(&bytes)
    }

    /// Caches `doc`'s [`SyncFacts`] for its stored chunks (nothing while it has unsaved
    /// changes). Only a cache: a failure is logged and costs a load next time.
    pub async fn keep_sync_facts(&self, doc: &mut StoredDoc) {
        let facts = SyncFacts::of(doc.id(), doc.doc_mut());
        if let Ok(bytes) = serde_json::to_vec(&facts)
            && let Err(e) = doc.save_view(&self.storage, SYNC_FACTS, &bytes).await
        {
            leptos::logging::warn!("could not cache the sync facts of {}: {e}", doc.id());
        }
    }

    /// Runs `f` on document `id` as this device has it (an empty document when it has none).
    pub async fn read<R>(
        &self,
        id: DocumentId,
        f: impl FnOnce(&mut AutoCommit) -> R,
    ) -> Result<R, LoadError> {
        let h = self.handle_or_empty(id).await?;
        let mut doc = h.lock().await;
        Ok(f(doc.doc_mut()))
    }

    /// Like [`Repo::read`] for a plain reading that pages show often (a record in a list):
    /// when `id` is not in memory and storage still holds exactly the chunks the reading
    /// `job` keeps ([`Job::view`]) was made from, that reading is returned without loading
    /// the document (parsing a record typed key by key costs ~20 ms; fifteen of them are
    /// Resultados). When it is missing or stale, the document worker makes it, and then it is
    /// returned; otherwise (the worker failed, or the document is in memory) `f` runs here and
    /// its result is cached. `f` must read what `job` reads.
    pub async fn read_view<T: Serialize + DeserializeOwned, E>(
        &self,
        id: DocumentId,
        job: Job,
        caching: Caching,
        f: impl FnOnce(&mut AutoCommit) -> Option<Result<T, E>>,
    ) -> Result<Option<Result<T, E>>, LoadError> {
        let name = job.view();
        let in_memory = self.is_loaded(id);
        if caching != Caching::FromDocument {
            if let Some(view) = self.cached_view(id, name).await {
                return Ok(Some(Ok(view)));
            }
            if caching != Caching::OnPage
                && self.make_in_worker(id, job).await
                && let Some(view) = self.cached_view(id, name).await
            {
                return Ok(Some(Ok(view)));
            }
        }
        // A failed cache read is not reported: the document itself is read next, and any
        // storage error shows there. Only a reading that succeeded is cached.
        let h = self.handle_or_empty(id).await?;
        let mut doc = h.lock().await;
        let view = f(doc.doc_mut());
        if let Some(Ok(v)) = &view
            && (caching != Caching::WhenLoaded || !in_memory)
            && let Ok(bytes) = serde_json::to_vec(v)
            && let Err(e) = doc.save_view(&self.storage, name, &bytes).await
        {
            // Only a cache: nothing is lost, the next open reads the document again.
            leptos::logging::warn!("could not cache {name} of {id}: {e}");
        }
        Ok(view)
    }

    /// Has the document worker make `job`'s reading of `id` (not when `id` is in memory: then
    /// it may hold what storage does not, and reading it here is cheap). Whether it did; its
    /// failure is logged, and the caller reads the document itself, which reports any error.
    pub async fn make_in_worker(&self, id: DocumentId, job: Job) -> bool {
        !self.is_loaded(id) && self.make_fixed_in_worker(id, job).await
    }

    /// Has the document worker make `job`'s reading of `id` as storage holds it, even while
    /// `id` is in memory: only for a reading that says the version it was read at
    /// ([`Job::Roles`]), which the page takes only when that is the version it has.
    /// Whether it did; its failure is logged (the caller then reads the document itself).
    pub async fn make_fixed_in_worker(&self, id: DocumentId, job: Job) -> bool {
        match self.worker.make(id, job).await {
            Ok(()) => true,
            Err(Unmade::NotStored) => false,
            Err(Unmade::Failed(why)) => {
                leptos::logging::warn!("the document worker could not read {id}: {why}");
                false
            }
        }
    }

    /// The reading cached under `name` for `id`, only when `id` is not in memory (then the
    /// document itself is as cheap to read and may hold what storage does not yet) and the
    /// reading is fresh. Never loads the document.
    pub async fn cached_view<T: DeserializeOwned>(&self, id: DocumentId, name: &str) -> Option<T> {
        if self.is_loaded(id) {
            return None;
        }
        from_json(&store::load_view(&self.storage, &id, name).await.ok()??)
    }

    /// A reading of `id` at fixed heads kept under `name` ([`store::load_fixed`]); `None`
    /// when there is none (or it cannot be read: the caller then reads the document).
    pub async fn fixed<T: DeserializeOwned>(&self, id: DocumentId, name: &str) -> Option<T> {
        from_json(&store::load_fixed(&self.storage, &id, name).await.ok()??)
    }

    /// Keeps a reading of `id` at fixed heads. Only a cache: a failure is logged.
    pub async fn keep_fixed<T: Serialize>(&self, id: DocumentId, name: &str, reading: &T) {
        if let Ok(bytes) = serde_json::to_vec(reading)
            && let Err(e) = store::save_fixed(&self.storage, &id, name, &bytes).await
        {
            leptos::logging::warn!("could not keep {name} of {id}: {e}");
        }
    }

    /// Runs `f` on two documents at once (a centre's plan and the common plan), always locked
    /// in the order given by the caller's roles (centre first), never the reverse.
    pub async fn read_two<R>(
        &self,
        first: DocumentId,
        second: DocumentId,
        f: impl FnOnce(&mut AutoCommit, &mut AutoCommit) -> R,
    ) -> Result<R, LoadError> {
        let a = self.handle_or_empty(first).await?;
        let b = self.handle_or_empty(second).await?;
        let mut a = a.lock().await;
        let mut b = b.lock().await;
        Ok(f(a.doc_mut(), b.doc_mut()))
    }

    /// Merges into this device's copy of `id` a copy the server sent whole (`automerge::save`
    /// bytes: an invited phone's network, asked for as it registers, see
    /// `invite::merge_early_network`) and stores it: the same merge as a bundle's, with
    /// nothing to screen, since it comes from the server as sync's changes do. Whether anything
    /// was new.
    pub async fn merge_from_server(&self, id: DocumentId, bytes: &[u8]) -> Result<bool, AppError> {
        // A parse of its own task (invariant 13).
        crate::tasks::yield_to_browser().await;
        let mut incoming =
            AutoCommit::load(bytes).map_err(juntas_core::model::doc::DocError::from)?;
        let handle = self.handle_or_empty(id).await?;
        let mut doc = handle.lock().await;
        let before = doc.doc_mut().get_heads();
        doc.doc_mut().merge(&mut incoming).map_err(juntas_core::model::doc::DocError::from)?;
        let changed = doc.doc_mut().get_heads() != before;
        if changed {
            self.store(&mut doc).await?;
        }
        Ok(changed)
    }

    /// Saves `id` if it has changes not yet stored.
    pub async fn save(&self, id: DocumentId) -> Result<(), StorageError> {
        let h = self.docs.borrow().get(&id).cloned();
        match h {
            Some(h) => self.store(&mut *h.lock().await).await,
            None => Ok(()),
        }
    }

    /// The bundle file of network `id`: the directory and every plan, inquiry, record, tree and
    /// workshop of it this device has.
    pub async fn export_bundle(&self, id: DocumentId) -> Result<Vec<u8>, AppError> {
        let h = self.handle(id).await?.ok_or(AppError::NotFound)?;
        let network_id = id.to_string();
        let (bytes, net) = {
            let mut doc = h.lock().await;
            self.sign(&mut doc, &network_id).await?;
            (doc.doc_mut().save(), network::read(doc.doc())?)
        };
        let mut docs = vec![(id, bytes)];
        let mut others = plan_documents(id, &net);
        others.extend(net.trees.keys().filter_map(|k| k.parse::<DocumentId>().ok()));
        others.extend(net.workshops.keys().filter_map(|k| k.parse::<DocumentId>().ok()));
        others.extend(net.votes.keys().filter_map(|k| k.parse::<DocumentId>().ok()));
        others.extend(net.cycles.keys().filter_map(|k| k.parse::<DocumentId>().ok()));
        for inq in net.inquiries.keys().filter_map(|k| k.parse::<DocumentId>().ok()) {
            others.push(inq);
            // An inquiry this device cannot read would leave its records out of the file
            // unannounced: refuse instead, naming why.
            if let Some(h) = self.handle(inq).await? {
                let mut doc = h.lock().await;
                if !doc.doc_mut().get_heads().is_empty() {
                    let i = inquiry::read_inquiry(doc.doc())?;
                    others.extend(i.records.keys().filter_map(|r| r.parse::<DocumentId>().ok()));
                }
            }
        }
        for other in others {
            if let Some(h) = self.handle(other).await? {
                let mut doc = h.lock().await;
                if !doc.doc_mut().get_heads().is_empty() {
                    self.sign(&mut doc, &network_id).await?;
                    docs.push((other, doc.doc_mut().save()));
                }
            }
        }
        Ok(bundle::encode(id, now_ms(), &docs)?)
    }

    /// Signs what this tab changed in `doc` and not signed yet, so whoever carries the file
    /// to the server carries this device's signature too.
    /// Ok(true): something was signed (and stored).
    pub(crate) async fn sign(&self, doc: &mut StoredDoc, network: &str) -> Result<bool, AppError> {
        let signed = crate::keys::sign_pending(doc.doc_mut(), network).await?;
        if signed {
            self.store(doc).await?;
        }
        Ok(signed)
    }

    /// Checks a bundle whole, then merges each of its documents into this device's copy (the
    /// same merge as sync) and saves it. With `expected`, only that network's bundle is taken.
    pub async fn import_bundle(
        &self,
        bytes: &[u8],
        expected: Option<DocumentId>,
    ) -> Result<Imported, ImportError> {
        let bundle = bundle::decode(bytes, expected)?;
        // Every local copy must be readable before anything is merged into any of them.
        let mut targets = Vec::with_capacity(bundle.documents.len());
        for (id, incoming) in bundle.documents {
            targets.push((id, self.handle_or_empty(id).await?, incoming));
        }
        // Changes whose device signature does not check are left out (with what was built on
        // them), and said; a device that never registered here cannot check and takes all.
        let mut left_out = Vec::new();
        if let Some(server_key) = crate::keys::server_key(&bundle.network.to_string()) {
            let network = bundle.network.to_string();
            for (id, _, incoming) in &mut targets {
                crate::keys::check_all(crate::keys::needed(incoming, &server_key))
                    .await
                    .map_err(|e| ImportError::Signatures(e.to_string()))?;
                let signatures = crate::keys::signatures(incoming, &network, &server_key);
                let screened =
                    juntas_core::signing::screen(incoming, &signatures).map_err(|e| {
                        ImportError::Bundle(BundleError::BadDocument {
                            id: *id,
                            reason: e.to_string(),
                        })
                    })?;
                left_out.extend(screened.into_iter().map(|s| (*id, s)));
            }
        }
        let mut changed = Vec::new();
        for (id, handle, mut incoming) in targets {
            let mut doc = handle.lock().await;
            let before = doc.doc_mut().get_heads();
            doc.doc_mut().merge(&mut incoming).map_err(|e| {
                ImportError::Bundle(BundleError::BadDocument { id, reason: e.to_string() })
            })?;
            if doc.doc_mut().get_heads() != before {
                self.store(&mut doc).await?;
                changed.push(id);
            }
        }
        // The network's name for the message; the import itself is done whatever it says.
        let name = self
            .read(bundle.network, |doc| network::read(doc).map(|n| n.name).ok())
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        Ok(Imported { network: bundle.network, name, changed, left_out })
    }

    /// Rebuilds `doc` on `accepted` (the server's copy, which refused one of its changes) for
    /// `who` ([`juntas_core::set_aside::rebuild`]): `note` records what it is rebuilt from
    /// for the other tabs (they carry what they made after it, [`Repo::reload_whole`]; when it
    /// cannot, nothing is rebuilt), what the rules refuse her is kept, in this device's
    /// storage, then the document is replaced by the rebuild (fresh actor). Returns how many
    /// edits were set aside, and the first changes dropped.
    pub async fn rebuild(
        &self,
        doc: &mut StoredDoc,
        accepted: &mut AutoCommit,
        who: &juntas_core::rules::Who,
        note: impl FnOnce(&juntas_core::set_aside::Rebuilt) -> Result<(), String>,
    ) -> Result<(usize, Vec<automerge::ChangeHash>), AppError> {
        let id = doc.id();
        let rebuilt = juntas_core::set_aside::rebuild(doc.doc_mut(), accepted, who, new_actor())
            .map_err(juntas_core::model::doc::DocError::from)?;
        note(&rebuilt).map_err(|e| {
            StorageError::Io(format!("what {id} is rebuilt from cannot be noted: {e}"))
        })?;
        let count = rebuilt.set_aside.len();
        self.keep_set_aside(id, rebuilt.set_aside).await?;
        let replaced = doc.replace(&self.storage, rebuilt.doc).await.map(|_| ());
        match &replaced {
            Ok(()) => self.unsaved.borrow_mut().remove(&id),
            Err(e) => self.unsaved.borrow_mut().insert(id, e.clone()),
        };
        replaced?;
        Ok((count, rebuilt.first_dropped))
    }

    /// Adds `items` to the edits set aside for `id`, each once (a rebuild that could not be
    /// written is made again at the next start, and sets aside the same edits).
    async fn keep_set_aside(
        &self,
        id: DocumentId,
        items: Vec<juntas_core::set_aside::SetAside>,
    ) -> Result<(), LoadError> {
        if items.is_empty() {
            return Ok(());
        }
        let _one_at_a_time = self.set_aside_writes.lock().await;
        let mut kept = store::load_set_aside(&self.storage, &id).await?;
        for item in items {
            if !kept.contains(&item) {
                kept.push(item);
            }
        }
        store::save_set_aside(&self.storage, &id, &kept).await?;
        Ok(())
    }

    /// Merges into `doc` what the device's other tabs stored of it and this tab has not heard
    /// yet (their changes reach it up to a second after they are stored). Whether it changed.
    pub async fn take_stored(&self, doc: &mut StoredDoc) -> Result<bool, LoadError> {
        doc.reload(&self.storage).await
    }

    /// Loads `id` again from storage into its handle: another tab rebuilt it. What this tab
    /// made that the rebuild does not hold is carried onto it for the member `who` reads in
    /// it ([`juntas_core::set_aside::carry_late`], with what `seen` says the rebuild was made
    /// from, read once it is loaded), stored, or set aside where it cannot go. What was
    /// carried; a carried change that cannot be stored stays in memory, said like any other.
    pub async fn reload_whole(
        &self,
        id: DocumentId,
        seen: impl FnOnce() -> Option<Seen>,
        who: impl FnOnce(&AutoCommit) -> Option<juntas_core::rules::Who>,
    ) -> Result<Carried, AppError> {
        let Some(h) = self.opened(id) else { return Ok(Carried::default()) };
        let mut doc = h.lock().await;
        let Some(mut fresh) = StoredDoc::load(&self.storage, id, new_actor()).await? else {
            return Ok(Carried::default());
        };
        // Her role as the rebuild says it (it may be of the network document itself).
        let who = who(fresh.doc());
        let mut carried = juntas_core::set_aside::carry_late(
            doc.doc_mut(),
            fresh.doc_mut(),
            seen().as_ref(),
            who.as_ref(),
        )
        .map_err(juntas_core::model::doc::DocError::from)?;
        // Set aside before the old copy goes, which is the only other place they are: when
        // they cannot be stored, this tab keeps its copy, and says it holds unsaved work.
        if let Err(e) = self.keep_set_aside(id, std::mem::take(&mut carried.set_aside)).await {
            if let LoadError::Storage(why) = &e {
                self.unsaved.borrow_mut().insert(id, why.clone());
            }
            return Err(e.into());
        }
        *doc = fresh;
        if carried.changed() {
            // A failure is recorded and shown by the save badge; the changes are sent anyway.
            let _ = self.store(&mut doc).await;
        }
        Ok(carried)
    }

    /// The edits set aside for `id` after a refused change (oldest first).
    pub async fn set_aside(
        &self,
        id: DocumentId,
    ) -> Result<Vec<juntas_core::set_aside::SetAside>, LoadError> {
        store::load_set_aside(&self.storage, &id).await
    }

    /// Forgets the set-aside edit `item` of `id` (she copied it, or does not want it): the one
    /// kept that is the same edit, not whatever is at its place in the list now (a second tap,
    /// or another tab, may have removed one before it). None the same: forgotten already.
    pub async fn dismiss_set_aside(
        &self,
        id: DocumentId,
        item: &juntas_core::set_aside::SetAside,
    ) -> Result<(), AppError> {
        let _one_at_a_time = self.set_aside_writes.lock().await;
        let mut kept = store::load_set_aside(&self.storage, &id).await?;
        let Some(at) = kept.iter().position(|k| k == item) else { return Ok(()) };
        kept.remove(at);
        store::save_set_aside(&self.storage, &id, &kept).await?;
        Ok(())
    }

    /// The edits set aside for `id` as stored (none: empty), for a record that cannot be read.
    pub async fn set_aside_raw(&self, id: DocumentId) -> Result<Vec<u8>, StorageError> {
        Ok(store::load_set_aside_raw(&self.storage, &id).await?.unwrap_or_default())
    }

    /// Every stored chunk of `id` concatenated: a file Automerge can load, for a document this
    /// app cannot open.
    pub async fn raw_bytes(&self, id: DocumentId) -> Result<Vec<u8>, StorageError> {
        Ok(store::load_raw(&self.storage, &id)
            .await?
            .into_iter()
            .flat_map(|(_, bytes)| bytes)
            .collect())
    }
}

/// A cached reading's JSON. Read as text, like everything else the app parses as JSON
/// (gloo's localStorage, the server's answers): serde_json's parser is compiled once per
/// kind of input, and a second kind costs ~10 KB of wasm.
fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    serde_json::from_str(std::str::from_utf8(bytes).ok()?).ok()
}
