//! The browser node: owns this tab's open documents and its storage handle, applies commands to
//! documents and saves each change at once. Each tab is its own node (architecture invariant 8).

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
        network::{self, Command, ModelError, Network},
        plan,
    },
    store,
};
use serde::{Serialize, de::DeserializeOwned};

use crate::storage::IdbStorage;

/// The IndexedDB database name automerge-repo uses, so the layout stays compatible.
pub const DATABASE: &str = "automerge";

/// Why a document could not be opened.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    Load(#[from] LoadError),
    #[error("{0}")]
    Model(#[from] ModelError),
    #[error("this device has no copy of the document")]
    NotFound,
}

/// A command's outcome: the command may be refused. If it was applied, saving may still fail;
/// the repo then records the document as unsaved ([`Repo::unsaved`]) and the change stays in
/// memory until a save succeeds.
pub type Applied = Result<Network, ModelError>;

pub type Handle = Rc<Mutex<StoredDoc>>;

/// What importing a bundle did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub network: DocumentId,
    pub name: String,
    /// Documents that gained changes (empty: the file had nothing new).
    pub changed: Vec<DocumentId>,
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

pub struct Repo {
    storage: IdbStorage,
    docs: RefCell<HashMap<DocumentId, Handle>>,
    /// Documents whose last save failed, and why: their changes are only in memory.
    unsaved: RefCell<BTreeMap<DocumentId, StorageError>>,
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

fn new_actor() -> ActorId {
    ActorId::from(random_bytes::<16>().to_vec())
}

/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

impl Repo {
    pub async fn open() -> Result<Rc<Repo>, StorageError> {
        let storage = IdbStorage::open(DATABASE).await?;
        Ok(Rc::new(Repo { storage, docs: RefCell::default(), unsaved: RefCell::default() }))
    }

    /// Saves what `doc` has not stored yet and remembers the outcome: every save goes through
    /// here, so [`Repo::unsaved`] knows which documents live only in memory.
    pub async fn store(&self, doc: &mut StoredDoc) -> Result<(), StorageError> {
        let id = doc.id();
        let saved = doc.save(&self.storage).await.map(|_| ());
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
    pub async fn create_network(&self, net: &Network) -> Result<DocumentId, String> {
        let id = DocumentId::from_bytes(random_bytes());
        let mut doc = StoredDoc::new(id, new_actor());
        network::create(doc.doc_mut(), net, now_ms()).map_err(|e| e.to_string())?;
        self.store(&mut doc).await.map_err(|e| e.to_string())?;
        self.docs.borrow_mut().insert(id, Rc::new(Mutex::new(doc)));
        Ok(id)
    }

    async fn handle(&self, id: DocumentId) -> Result<Handle, OpenError> {
        if let Some(h) = self.docs.borrow().get(&id) {
            return Ok(h.clone());
        }
        let doc =
            StoredDoc::load(&self.storage, id, new_actor()).await?.ok_or(OpenError::NotFound)?;
        // Another task may have loaded it meanwhile: keep the first, so there is one handle.
        let h =
            self.docs.borrow_mut().entry(id).or_insert_with(|| Rc::new(Mutex::new(doc))).clone();
        Ok(h)
    }

    /// The handle of `id`, or an empty document to sync into when this device has no copy yet
    /// (a network joined by invite). An empty document is saved once sync brings changes.
    pub async fn handle_or_empty(&self, id: DocumentId) -> Result<Handle, LoadError> {
        match self.handle(id).await {
            Ok(h) => Ok(h),
            Err(OpenError::Load(e)) => Err(e),
            Err(_) => Ok(self
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

    pub async fn open_network(&self, id: DocumentId) -> Result<Network, OpenError> {
        let h = self.handle(id).await?;
        let mut doc = h.lock().await;
        if doc.doc_mut().get_heads().is_empty() {
            return Err(OpenError::NotFound);
        }
        Ok(network::read(doc.doc())?)
    }

    /// Applies `command` to network `id` and saves it on this device.
    pub async fn apply(&self, id: DocumentId, command: Command) -> Result<Applied, OpenError> {
        let h = self.handle(id).await?;
        let mut doc = h.lock().await;
        let net = match network::apply(doc.doc_mut(), command, now_ms()) {
            Ok(net) => net,
            Err(e) => return Ok(Err(e)),
        };
        // A failure is recorded in `unsaved`, which is where the save badge reads it.
        let _ = self.store(&mut doc).await;
        Ok(Ok(net))
    }

    /// Makes sure `id` exists on this device: when it has no copy, the deterministic
    /// `skeleton` is merged in and saved (every device writes the identical first change, so
    /// creating it twice, even offline, still makes one document).
    pub async fn ensure(
        &self,
        id: DocumentId,
        skeleton: impl FnOnce() -> AutoCommit,
    ) -> Result<(), String> {
        let h = self.handle_or_empty(id).await.map_err(|e| e.to_string())?;
        let mut doc = h.lock().await;
        if doc.doc_mut().get_heads().is_empty() {
            let mut first = skeleton();
            doc.doc_mut().merge(&mut first).map_err(|e| e.to_string())?;
            self.store(&mut doc).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Runs `f` on document `id` as this device has it (an empty document when it has none).
    pub async fn read<R>(
        &self,
        id: DocumentId,
        f: impl FnOnce(&mut AutoCommit) -> R,
    ) -> Result<R, OpenError> {
        let h = self.handle_or_empty(id).await?;
        let mut doc = h.lock().await;
        Ok(f(doc.doc_mut()))
    }

    /// Like [`Repo::read`] for a plain reading that pages show often (a record in a list):
    /// when `id` is not in memory and storage still holds exactly the chunks the reading
    /// cached under `name` was made from, that reading is returned without loading the
    /// document (parsing a record typed key by key costs ~20 ms; fifteen of them are
    /// Resultados). Otherwise `f` runs and its result is cached. `name` carries a version:
    /// change it when `T` changes.
    pub async fn read_view<T: Serialize + DeserializeOwned>(
        &self,
        id: DocumentId,
        name: &str,
        f: impl FnOnce(&mut AutoCommit) -> Option<T>,
    ) -> Result<Option<T>, OpenError> {
        let in_memory = self.docs.borrow().contains_key(&id);
        if !in_memory
            && let Ok(Some(bytes)) = store::load_view(&self.storage, &id, name).await
            && let Ok(view) = serde_json::from_slice(&bytes)
        {
            return Ok(Some(view));
        }
        // A failed cache read is not reported: the document itself is read next, and any
        // storage error shows there.
        let h = self.handle_or_empty(id).await?;
        let mut doc = h.lock().await;
        let view = f(doc.doc_mut());
        if let Some(bytes) = view.as_ref().and_then(|v| serde_json::to_vec(v).ok())
            && let Err(e) = doc.save_view(&self.storage, name, &bytes).await
        {
            // Only a cache: nothing is lost, the next open reads the document again.
            leptos::logging::warn!("could not cache {name} of {id}: {e}");
        }
        Ok(view)
    }

    /// Runs `f` on two documents at once (a centre's plan and the common plan), always locked
    /// in the order given by the caller's roles (centre first), never the reverse.
    pub async fn read_two<R>(
        &self,
        first: DocumentId,
        second: DocumentId,
        f: impl FnOnce(&mut AutoCommit, &mut AutoCommit) -> R,
    ) -> Result<R, OpenError> {
        let a = self.handle_or_empty(first).await?;
        let b = self.handle_or_empty(second).await?;
        let mut a = a.lock().await;
        let mut b = b.lock().await;
        Ok(f(a.doc_mut(), b.doc_mut()))
    }

    /// Saves `id` if it has changes not yet stored.
    pub async fn save(&self, id: DocumentId) -> Result<(), StorageError> {
        let h = self.docs.borrow().get(&id).cloned();
        match h {
            Some(h) => self.store(&mut *h.lock().await).await,
            None => Ok(()),
        }
    }

    /// The bundle file of network `id`: the directory and every plan, inquiry and record of it
    /// this device has.
    pub async fn export_bundle(&self, id: DocumentId) -> Result<Vec<u8>, String> {
        let h = self.handle(id).await.map_err(|e| e.to_string())?;
        let bytes = h.lock().await.doc_mut().save();
        let mut docs = vec![(id, bytes)];
        let net = self.open_network(id).await.map_err(|e| e.to_string())?;
        let mut others = plan_documents(id, &net);
        others.extend(net.trees.keys().filter_map(|k| k.parse::<DocumentId>().ok()));
        for inq in net.inquiries.keys().filter_map(|k| k.parse::<DocumentId>().ok()) {
            others.push(inq);
            if let Ok(h) = self.handle(inq).await
                && let Ok(i) = inquiry::read_inquiry(h.lock().await.doc())
            {
                others.extend(i.records.keys().filter_map(|r| r.parse::<DocumentId>().ok()));
            }
        }
        for other in others {
            match self.handle(other).await {
                Ok(h) => {
                    let mut doc = h.lock().await;
                    if !doc.doc_mut().get_heads().is_empty() {
                        docs.push((other, doc.doc_mut().save()));
                    }
                }
                Err(OpenError::NotFound) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        bundle::encode(id, now_ms(), &docs).map_err(|e| e.to_string())
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
        let name = self.open_network(bundle.network).await.map(|n| n.name).unwrap_or_default();
        Ok(Imported { network: bundle.network, name, changed })
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
