//! One document kept as chunks under its id, in automerge-repo's layout: a snapshot keyed by
//! the hash of its heads plus incremental chunks keyed by the hash of their bytes.
//!
//! Loading merges every chunk found. Saving appends one incremental chunk with the changes
//! since the last save. Compacting writes a snapshot and deletes only the chunks this handle
//! loaded or wrote, so two handles (two tabs) on one store never delete each other's data.

use std::collections::BTreeSet;

use automerge::{ActorId, AutoCommit, AutomergeError, ChangeHash, LoadOptions, OnPartialLoad};
use sha2::{Digest, Sha256};

use crate::{DocumentId, Storage, StorageError, StorageKey};

/// Compact once this many incremental chunks have piled up (samod uses the same figure)...
const COMPACT_AFTER_CHUNKS: usize = 10;

/// Why a document could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A stored chunk is not valid Automerge data. Nothing is deleted; the raw chunks can still
    /// be exported with [`load_raw`].
    #[error("el documento está dañado / the document is damaged ({key:?}): {reason}")]
    Corrupt { key: StorageKey, reason: String },
}

/// A loaded document plus what this handle knows about its chunks in storage.
pub struct StoredDoc {
    id: DocumentId,
    doc: AutoCommit,
    /// Chunks this handle loaded or wrote: the only ones compaction may delete.
    chunks: BTreeSet<StorageKey>,
    saved_heads: Vec<ChangeHash>,
    incremental_chunks: usize,
    incremental_bytes: usize,
    snapshot_bytes: usize,
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// There were no changes since the last save.
    Nothing,
    /// One incremental chunk of this many bytes was written.
    Incremental(usize),
    /// The document was compacted into one snapshot of this many bytes.
    Compacted(usize),
}

fn hash_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// automerge-repo's `headsHash`: sha256 of the concatenated hex heads.
fn heads_hash(heads: &[ChangeHash]) -> String {
    let mut hasher = Sha256::new();
    for h in heads {
        hasher.update(h.to_string().as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Parses `bytes` as Automerge data, failing on any trailing garbage (plain
/// `load_incremental` silently ignores a chunk it cannot parse).
fn strict_load(bytes: &[u8]) -> Result<AutoCommit, AutomergeError> {
    AutoCommit::load_with_options(bytes, LoadOptions::new().on_partial_load(OnPartialLoad::Error))
}

fn chunk_prefix(id: &DocumentId, kind: &str) -> StorageKey {
    StorageKey::new([id.to_string(), kind.to_string()])
}

/// The keys of every snapshot and incremental chunk stored for `id` (nothing is loaded).
async fn chunk_keys<S: Storage>(
    storage: &S,
    id: &DocumentId,
) -> Result<Vec<StorageKey>, StorageError> {
    let mut keys = storage.keys(&chunk_prefix(id, "snapshot")).await?;
    keys.extend(storage.keys(&chunk_prefix(id, "incremental")).await?);
    Ok(keys)
}

/// Whether storage holds any chunk of `id` (listing keys only: nothing is loaded).
pub async fn is_stored<S: Storage>(storage: &S, id: &DocumentId) -> Result<bool, StorageError> {
    Ok(!chunk_keys(storage, id).await?.is_empty())
}

/// Every snapshot and incremental chunk stored for `id`, untouched (for "export the raw
/// bytes" when a document cannot be opened, and for [`StoredDoc::reload`]).
pub async fn load_raw<S: Storage>(
    storage: &S,
    id: &DocumentId,
) -> Result<Vec<(StorageKey, Vec<u8>)>, StorageError> {
    let mut chunks = storage.load_range(&chunk_prefix(id, "snapshot")).await?;
    chunks.extend(storage.load_range(&chunk_prefix(id, "incremental")).await?);
    Ok(chunks)
}

/// Every chunk stored for one document, read but not parsed ([`StoredDoc::read_chunks`]).
#[derive(Debug, Clone)]
pub struct StoredChunks {
    snapshots: Vec<(StorageKey, Vec<u8>)>,
    incrementals: Vec<(StorageKey, Vec<u8>)>,
}

impl StoredDoc {
    /// A new, empty document that has never been saved.
    pub fn new(id: DocumentId, actor: ActorId) -> Self {
        Self {
            id,
            doc: AutoCommit::new().with_actor(actor),
            chunks: BTreeSet::new(),
            saved_heads: Vec::new(),
            incremental_chunks: 0,
            incremental_bytes: 0,
            snapshot_bytes: 0,
        }
    }

    /// Loads `id` by merging every chunk stored under it. `Ok(None)` when nothing is stored.
    pub async fn load<S: Storage>(
        storage: &S,
        id: DocumentId,
        actor: ActorId,
    ) -> Result<Option<Self>, LoadError> {
        match Self::read_chunks(storage, id).await? {
            Some(chunks) => Self::from_chunks(id, actor, chunks).map(Some),
            None => Ok(None),
        }
    }

    /// The first half of [`StoredDoc::load`]: every chunk stored under `id`, not parsed yet
    /// (`None` when nothing is stored). A caller that must not parse in the same task as the
    /// storage read (a browser's main thread) parses with [`StoredDoc::from_chunks`] later.
    pub async fn read_chunks<S: Storage>(
        storage: &S,
        id: DocumentId,
    ) -> Result<Option<StoredChunks>, LoadError> {
        let snapshots = storage.load_range(&chunk_prefix(&id, "snapshot")).await?;
        let incrementals = storage.load_range(&chunk_prefix(&id, "incremental")).await?;
        if snapshots.is_empty() && incrementals.is_empty() {
            return Ok(None);
        }
        Ok(Some(StoredChunks { snapshots, incrementals }))
    }

    /// The second half of [`StoredDoc::load`]: the document `chunks` make, or which chunk is
    /// not valid Automerge data.
    pub fn from_chunks(
        id: DocumentId,
        actor: ActorId,
        chunks: StoredChunks,
    ) -> Result<Self, LoadError> {
        let StoredChunks { snapshots, incrementals } = chunks;
        let mut me = Self::new(id, actor);
        for (key, bytes) in snapshots.iter().chain(&incrementals) {
            me.merge_chunk(key, bytes)?;
        }
        me.snapshot_bytes = snapshots.iter().map(|(_, b)| b.len()).sum();
        me.incremental_chunks = incrementals.len();
        me.incremental_bytes = incrementals.iter().map(|(_, b)| b.len()).sum();
        me.saved_heads = me.doc.get_heads();
        Ok(me)
    }

    /// Merges one stored chunk, refusing (and naming) one that is not valid Automerge data.
    fn merge_chunk(&mut self, key: &StorageKey, bytes: &[u8]) -> Result<(), LoadError> {
        let corrupt = |reason: String| LoadError::Corrupt { key: key.clone(), reason };
        if self.chunks.is_empty() {
            // The first chunk (a snapshot when there is one) becomes the document: one parse.
            let actor = self.doc.get_actor().clone();
            self.doc = strict_load(bytes).map_err(|e| corrupt(e.to_string()))?.with_actor(actor);
        } else {
            match strict_load(bytes) {
                // A lone incremental chunk may depend on another chunk: it parsed, which is
                // what we check; `load_incremental` queues it until its deps arrive.
                Ok(_) | Err(AutomergeError::MissingDeps) => {}
                Err(e) => return Err(corrupt(e.to_string())),
            }
            self.doc.load_incremental(bytes).map_err(|e| corrupt(e.to_string()))?;
        }
        self.chunks.insert(key.clone());
        Ok(())
    }

    pub fn id(&self) -> DocumentId {
        self.id
    }

    pub fn doc(&self) -> &AutoCommit {
        &self.doc
    }

    /// For commands; call [`StoredDoc::save`] afterwards.
    /// Drops every change after `heads` (what a refused message brought), keeping the actor.
    /// Only for changes not saved yet: what storage holds is never taken back.
    pub fn rollback(&mut self, heads: &[ChangeHash]) -> Result<(), AutomergeError> {
        let actor = self.doc.get_actor().clone();
        self.doc = self.doc.fork_at(heads)?.with_actor(actor);
        Ok(())
    }

    pub fn doc_mut(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }

    /// True when there are committed changes not yet written to storage.
    pub fn has_unsaved_changes(&mut self) -> bool {
        self.doc.get_heads() != self.saved_heads
    }

    /// Merges chunks another handle wrote since this one loaded (another tab's changes).
    /// Returns true when the document changed.
    pub async fn reload<S: Storage>(&mut self, storage: &S) -> Result<bool, LoadError> {
        let before = self.doc.get_heads();
        for (key, bytes) in load_raw(storage, &self.id).await? {
            if self.chunks.contains(&key) {
                continue;
            }
            self.merge_chunk(&key, &bytes)?;
        }
        let changed = self.doc.get_heads() != before;
        if changed && before == self.saved_heads {
            self.saved_heads = self.doc.get_heads();
        }
        Ok(changed)
    }

    /// Writes the changes since the last save as one incremental chunk, then compacts when
    /// the incremental chunks outweigh the snapshot or pile up.
    pub async fn save<S: Storage>(&mut self, storage: &S) -> Result<Saved, StorageError> {
        self.doc.commit();
        let heads = self.doc.get_heads();
        if heads == self.saved_heads {
            return Ok(Saved::Nothing);
        }
        if self.chunks.is_empty() {
            return self.compact(storage).await.map(Saved::Compacted);
        }
        let bytes = self.doc.save_after(&self.saved_heads);
        let key =
            StorageKey::new([self.id.to_string(), "incremental".to_string(), hash_hex(&bytes)]);
        storage.put(&key, &bytes).await?;
        self.chunks.insert(key);
        self.saved_heads = heads;
        self.incremental_chunks += 1;
        self.incremental_bytes += bytes.len();
        if self.incremental_chunks > COMPACT_AFTER_CHUNKS
            || self.incremental_bytes > self.snapshot_bytes
        {
            return self.compact(storage).await.map(Saved::Compacted);
        }
        Ok(Saved::Incremental(bytes.len()))
    }

    /// Writes the whole document as one snapshot and deletes the chunks this handle knows.
    /// Returns the snapshot's size. On a failed delete the leftover chunks stay listed, so a
    /// later compaction retries them; they are harmless duplicates meanwhile.
    pub async fn compact<S: Storage>(&mut self, storage: &S) -> Result<usize, StorageError> {
        let (key, len) = self.put_snapshot(storage).await?;
        self.delete_all_but(storage, key).await?;
        Ok(len)
    }

    /// Writes the whole document as one snapshot chunk; its key and size. Nothing of `self`
    /// changes when the write fails.
    async fn put_snapshot<S: Storage>(
        &mut self,
        storage: &S,
    ) -> Result<(StorageKey, usize), StorageError> {
        self.doc.commit();
        let heads = self.doc.get_heads();
        let bytes = self.doc.save();
        let key =
            StorageKey::new([self.id.to_string(), "snapshot".to_string(), heads_hash(&heads)]);
        storage.put(&key, &bytes).await?;
        self.saved_heads = heads;
        self.snapshot_bytes = bytes.len();
        self.incremental_chunks = 0;
        self.incremental_bytes = 0;
        Ok((key, bytes.len()))
    }

    /// Deletes every chunk this handle knows of but `key`.
    async fn delete_all_but<S: Storage>(
        &mut self,
        storage: &S,
        key: StorageKey,
    ) -> Result<(), StorageError> {
        let old: Vec<StorageKey> = self.chunks.iter().filter(|k| **k != key).cloned().collect();
        self.chunks = BTreeSet::from([key]);
        for k in old {
            if let Err(e) = storage.delete(&k).await {
                self.chunks.insert(k);
                return Err(e);
            }
        }
        Ok(())
    }
}

impl StoredDoc {
    /// Replaces the document with `doc` (a rebuild after a refused change, see
    /// [`crate::set_aside`]): writes it as one snapshot and deletes every other chunk stored
    /// for it, whoever wrote them, so no handle loads the dropped changes again. When the
    /// snapshot cannot be written (storage full), the handle keeps the document it had, as
    /// storage does: memory and storage never tell two stories.
    pub async fn replace<S: Storage>(
        &mut self,
        storage: &S,
        doc: AutoCommit,
    ) -> Result<usize, StorageError> {
        let stored = chunk_keys(storage, &self.id).await?;
        let old_doc = std::mem::replace(&mut self.doc, doc);
        let old_chunks = std::mem::replace(&mut self.chunks, stored.into_iter().collect());
        let (key, len) = match self.put_snapshot(storage).await {
            Ok(put) => put,
            Err(e) => {
                self.doc = old_doc;
                self.chunks = old_chunks;
                return Err(e);
            }
        };
        self.delete_all_but(storage, key).await?;
        Ok(len)
    }
}

/// Where the edits set aside after a refused change are kept: `[doc_id, "set-aside"]`.
fn set_aside_key(id: &DocumentId) -> StorageKey {
    StorageKey::new([id.to_string(), "set-aside".to_string()])
}

/// The edits set aside for `id` (oldest first); none when there are none. Data that does not
/// read is an error, not an empty list: it is her words.
pub async fn load_set_aside<S: Storage>(
    storage: &S,
    id: &DocumentId,
) -> Result<Vec<crate::set_aside::SetAside>, LoadError> {
    let Some(bytes) = storage.load(&set_aside_key(id)).await? else { return Ok(Vec::new()) };
    serde_json::from_slice(&bytes)
        .map_err(|e| LoadError::Corrupt { key: set_aside_key(id), reason: e.to_string() })
}

/// The set-aside record of `id` as stored, read or not (to hand her a damaged one whole).
pub async fn load_set_aside_raw<S: Storage>(
    storage: &S,
    id: &DocumentId,
) -> Result<Option<Vec<u8>>, StorageError> {
    storage.load(&set_aside_key(id)).await
}

/// Keeps `items` as the edits set aside for `id` (an empty list deletes the record).
pub async fn save_set_aside<S: Storage>(
    storage: &S,
    id: &DocumentId,
    items: &[crate::set_aside::SetAside],
) -> Result<(), StorageError> {
    if items.is_empty() {
        return storage.delete(&set_aside_key(id)).await;
    }
    let bytes = serde_json::to_vec(items).map_err(|e| StorageError::Io(e.to_string()))?;
    storage.put(&set_aside_key(id), &bytes).await
}

/// Where a plain reading of a document is cached: `[doc_id, "view", name]`.
fn view_key(id: &DocumentId, name: &str) -> StorageKey {
    StorageKey::new([id.to_string(), "view".to_string(), name.to_string()])
}

/// sha256 of a set of chunk keys: the same set of content-addressed chunks means the same
/// document, so a view stamped with it is valid exactly while storage holds that set.
fn chunks_fingerprint<'a>(keys: impl IntoIterator<Item = &'a StorageKey>) -> [u8; 32] {
    let mut keys: Vec<&StorageKey> = keys.into_iter().collect();
    crate::order::sort(&mut keys);
    let mut hasher = Sha256::new();
    for k in keys {
        for part in k.parts() {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        hasher.update([1]);
    }
    hasher.finalize().into()
}

impl StoredDoc {
    /// Caches `view` (a plain reading of this document, serialised by the caller) under
    /// `name`, stamped with the chunks it was read from. Does nothing while there are unsaved
    /// changes (the stored chunks would not be what was read).
    pub async fn save_view<S: Storage>(
        &mut self,
        storage: &S,
        name: &str,
        view: &[u8],
    ) -> Result<(), StorageError> {
        if self.has_unsaved_changes() || self.chunks.is_empty() {
            return Ok(());
        }
        let mut bytes = chunks_fingerprint(&self.chunks).to_vec();
        bytes.extend_from_slice(view);
        storage.put(&view_key(&self.id, name), &bytes).await
    }
}

/// The view cached under `name` for `id`, when it was read from exactly the chunks storage
/// holds now (listing keys only: the document is not loaded). `None` when there is none or
/// it is stale.
pub async fn load_view<S: Storage>(
    storage: &S,
    id: &DocumentId,
    name: &str,
) -> Result<Option<Vec<u8>>, StorageError> {
    let Some(bytes) = storage.load(&view_key(id, name)).await? else { return Ok(None) };
    let chunks = chunk_keys(storage, id).await?;
    let fresh =
        !chunks.is_empty() && bytes.len() >= 32 && bytes[..32] == chunks_fingerprint(&chunks)[..];
    Ok(fresh.then(|| bytes[32..].to_vec()))
}

/// Where a reading of a document at fixed heads is kept: `[doc_id, "at", name]`, `name`
/// saying what was read and at which heads. A version of a document never changes, so such a
/// reading is never stale and is not stamped.
fn fixed_key(id: &DocumentId, name: &str) -> StorageKey {
    StorageKey::new([id.to_string(), "at".to_string(), name.to_string()])
}

/// Keeps `reading`, read from `id` at the heads `name` names.
pub async fn save_fixed<S: Storage>(
    storage: &S,
    id: &DocumentId,
    name: &str,
    reading: &[u8],
) -> Result<(), StorageError> {
    storage.put(&fixed_key(id, name), reading).await
}

/// The reading kept under `name` for `id`, if any.
pub async fn load_fixed<S: Storage>(
    storage: &S,
    id: &DocumentId,
    name: &str,
) -> Result<Option<Vec<u8>>, StorageError> {
    storage.load(&fixed_key(id, name)).await
}

/// Where the sync state with a peer's storage is kept: `[doc_id, "sync-state", storage_id]`.
pub fn sync_state_key(id: &DocumentId, peer_storage: &str) -> StorageKey {
    StorageKey::new([id.to_string(), "sync-state".to_string(), peer_storage.to_string()])
}

/// The sync state persisted for (document, peer storage), if any.
pub async fn load_sync_state<S: Storage>(
    storage: &S,
    id: &DocumentId,
    peer_storage: &str,
) -> Result<Option<Vec<u8>>, StorageError> {
    storage.load(&sync_state_key(id, peer_storage)).await
}

/// Persists the sync state for (document, peer storage).
pub async fn save_sync_state<S: Storage>(
    storage: &S,
    id: &DocumentId,
    peer_storage: &str,
    state: &[u8],
) -> Result<(), StorageError> {
    storage.put(&sync_state_key(id, peer_storage), state).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStorage;
    use automerge::{ReadDoc, transaction::Transactable};
    use futures::executor::block_on;

    fn id() -> DocumentId {
        DocumentId::from_bytes([1; 16])
    }

    fn actor(n: u8) -> ActorId {
        ActorId::from(vec![n; 16])
    }

    fn set(doc: &mut StoredDoc, key: &str, value: i64) {
        doc.doc_mut().put(automerge::ROOT, key, value).expect("put");
        doc.doc_mut().commit();
    }

    fn get(doc: &StoredDoc, key: &str) -> Option<i64> {
        doc.doc()
            .get(automerge::ROOT, key)
            .expect("get")
            .and_then(|(v, _)| v.as_scalar().and_then(|s| s.as_i64()))
    }

    #[test]
    fn a_document_is_stored_once_a_chunk_of_it_is_and_no_other_is_for_it() {
        let s = MemoryStorage::new();
        assert!(!block_on(is_stored(&s, &id())).expect("list"));
        let mut doc = StoredDoc::new(id(), actor(1));
        set(&mut doc, "kept", 1);
        block_on(doc.save(&s)).expect("save");
        assert!(block_on(is_stored(&s, &id())).expect("list"));
        assert!(!block_on(is_stored(&s, &DocumentId::from_bytes([2; 16]))).expect("list"));
        // A first save is a snapshot; an incremental chunk alone counts too.
        let other = DocumentId::from_bytes([3; 16]);
        let key = StorageKey::new([other.to_string(), "incremental".into(), "x".into()]);
        block_on(s.put(&key, b"chunk")).expect("put");
        assert!(block_on(is_stored(&s, &other)).expect("list"), "an incremental chunk counts");
    }

    #[test]
    fn a_replacement_that_cannot_be_written_leaves_the_document_as_stored() {
        let s = MemoryStorage::new();
        let mut doc = StoredDoc::new(id(), actor(1));
        set(&mut doc, "kept", 1);
        block_on(doc.save(&s)).unwrap();
        let mut other = AutoCommit::new().with_actor(actor(2));
        other.put(automerge::ROOT, "rebuilt", 2).unwrap();
        s.fail_writes_with(Some(StorageError::Io("full".into())));
        assert!(block_on(doc.replace(&s, other.clone())).is_err());
        // Memory says what storage says: the document it had.
        assert_eq!((get(&doc, "kept"), get(&doc, "rebuilt")), (Some(1), None));
        s.fail_writes_with(None);
        let stored = block_on(StoredDoc::load(&s, id(), actor(3))).unwrap().unwrap();
        assert_eq!((get(&stored, "kept"), get(&stored, "rebuilt")), (Some(1), None));
        // With room again, the replacement is written and is all there is.
        block_on(doc.replace(&s, other)).unwrap();
        assert_eq!((get(&doc, "kept"), get(&doc, "rebuilt")), (None, Some(2)));
        let stored = block_on(StoredDoc::load(&s, id(), actor(3))).unwrap().unwrap();
        assert_eq!((get(&stored, "kept"), get(&stored, "rebuilt")), (None, Some(2)));
    }

    #[test]
    fn nothing_stored_loads_as_none() {
        let s = MemoryStorage::new();
        assert!(block_on(StoredDoc::load(&s, id(), actor(1))).unwrap().is_none());
    }

    #[test]
    fn saved_changes_survive_a_reload_and_the_keys_follow_automerge_repo() {
        let s = MemoryStorage::new();
        let mut d = StoredDoc::new(id(), actor(1));
        set(&mut d, "a", 1);
        assert!(matches!(block_on(d.save(&s)).unwrap(), Saved::Compacted(_)));
        set(&mut d, "b", 2);
        assert!(matches!(
            block_on(d.save(&s)).unwrap(),
            Saved::Incremental(_) | Saved::Compacted(_)
        ));
        assert_eq!(block_on(d.save(&s)).unwrap(), Saved::Nothing);

        let keys = block_on(s.load_range(&StorageKey::new([id().to_string()]))).unwrap();
        for (k, _) in &keys {
            let p = k.parts();
            assert_eq!(p.len(), 3);
            assert_eq!(p[0], id().to_string());
            assert!(p[1] == "snapshot" || p[1] == "incremental");
            assert_eq!(p[2].len(), 64, "sha256 hex");
        }
        let mut back = block_on(StoredDoc::load(&s, id(), actor(2))).unwrap().unwrap();
        assert_eq!((get(&back, "a"), get(&back, "b")), (Some(1), Some(2)));
        assert_eq!(back.doc_mut().get_heads(), d.doc_mut().get_heads());
    }

    #[test]
    fn many_saves_compact_into_few_chunks() {
        let s = MemoryStorage::new();
        let mut d = StoredDoc::new(id(), actor(1));
        for i in 0..100 {
            set(&mut d, "n", i);
            block_on(d.save(&s)).unwrap();
        }
        assert!(s.len() <= COMPACT_AFTER_CHUNKS + 1, "{} chunks left", s.len());
        let back = block_on(StoredDoc::load(&s, id(), actor(2))).unwrap().unwrap();
        assert_eq!(get(&back, "n"), Some(99));
    }

    #[test]
    fn two_handles_writing_and_compacting_concurrently_lose_nothing() {
        let s = MemoryStorage::new();
        let mut first = StoredDoc::new(id(), actor(1));
        set(&mut first, "base", 0);
        block_on(first.save(&s)).unwrap();

        // Two tabs open the same document.
        let mut tab_a = block_on(StoredDoc::load(&s, id(), actor(2))).unwrap().unwrap();
        let mut tab_b = block_on(StoredDoc::load(&s, id(), actor(3))).unwrap().unwrap();
        for i in 0..30 {
            set(&mut tab_a, &format!("a{i}"), i);
            block_on(tab_a.save(&s)).unwrap();
            set(&mut tab_b, &format!("b{i}"), i);
            block_on(tab_b.save(&s)).unwrap();
            if i % 7 == 0 {
                block_on(tab_a.compact(&s)).unwrap();
            }
            if i % 5 == 0 {
                block_on(tab_b.compact(&s)).unwrap();
            }
        }
        let merged = block_on(StoredDoc::load(&s, id(), actor(4))).unwrap().unwrap();
        assert_eq!(get(&merged, "base"), Some(0));
        for i in 0..30 {
            assert_eq!(get(&merged, &format!("a{i}")), Some(i), "tab a's edit {i} lost");
            assert_eq!(get(&merged, &format!("b{i}")), Some(i), "tab b's edit {i} lost");
        }
    }

    #[test]
    fn reload_merges_another_tabs_chunks() {
        let s = MemoryStorage::new();
        let mut tab_a = StoredDoc::new(id(), actor(1));
        set(&mut tab_a, "x", 1);
        block_on(tab_a.save(&s)).unwrap();
        let mut tab_b = block_on(StoredDoc::load(&s, id(), actor(2))).unwrap().unwrap();
        set(&mut tab_b, "y", 2);
        block_on(tab_b.save(&s)).unwrap();
        assert!(block_on(tab_a.reload(&s)).unwrap());
        assert_eq!(get(&tab_a, "y"), Some(2));
        assert!(!block_on(tab_a.reload(&s)).unwrap(), "nothing new the second time");
    }

    #[test]
    fn a_corrupt_chunk_is_reported_and_nothing_is_deleted() {
        let s = MemoryStorage::new();
        let mut d = StoredDoc::new(id(), actor(1));
        set(&mut d, "a", 1);
        block_on(d.save(&s)).unwrap();
        let bad = StorageKey::new([id().to_string(), "incremental".into(), "f".repeat(64)]);
        block_on(s.put(&bad, b"\x85\x6f\x4a\x83 definitely not automerge")).unwrap();
        let before = s.len();
        let err = block_on(StoredDoc::load(&s, id(), actor(2))).err().expect("must fail");
        assert!(matches!(&err, LoadError::Corrupt { key, .. } if *key == bad), "{err:?}");
        assert_eq!(s.len(), before);
        let raw = block_on(load_raw(&s, &id())).unwrap();
        assert_eq!(raw.len(), 2, "both chunks are still there to export");
    }

    #[test]
    fn a_failed_write_is_returned_and_retried_by_the_next_save() {
        let s = MemoryStorage::new();
        let mut d = StoredDoc::new(id(), actor(1));
        set(&mut d, "a", 1);
        block_on(d.save(&s)).unwrap();
        s.fail_writes_with(Some(StorageError::Full("quota".into())));
        set(&mut d, "b", 2);
        assert_eq!(block_on(d.save(&s)), Err(StorageError::Full("quota".into())));
        assert!(d.has_unsaved_changes());
        s.fail_writes_with(None);
        block_on(d.save(&s)).unwrap();
        let back = block_on(StoredDoc::load(&s, id(), actor(2))).unwrap().unwrap();
        assert_eq!(get(&back, "b"), Some(2));
    }

    #[test]
    fn a_cached_view_is_served_only_while_the_chunks_are_those_it_was_read_from() {
        let s = MemoryStorage::new();
        let mut d = StoredDoc::new(id(), actor(1));
        set(&mut d, "a", 1);
        block_on(d.save(&s)).unwrap();
        block_on(d.save_view(&s, "v1", b"a=1")).unwrap();
        assert_eq!(block_on(load_view(&s, &id(), "v1")).unwrap().as_deref(), Some(&b"a=1"[..]));
        assert_eq!(block_on(load_view(&s, &id(), "other")).unwrap(), None);

        // Unsaved changes: nothing is cached (the chunks are not what was read).
        set(&mut d, "b", 2);
        block_on(d.save_view(&s, "v1", b"a=1 b=2")).unwrap();
        assert_eq!(block_on(load_view(&s, &id(), "v1")).unwrap().as_deref(), Some(&b"a=1"[..]));
        // Once saved, the old view is stale.
        block_on(d.save(&s)).unwrap();
        assert_eq!(block_on(load_view(&s, &id(), "v1")).unwrap(), None);

        // Another handle (another tab) writes a chunk: this handle's view is stale.
        block_on(d.save_view(&s, "v1", b"a=1 b=2")).unwrap();
        assert!(block_on(load_view(&s, &id(), "v1")).unwrap().is_some());
        let mut other = block_on(StoredDoc::load(&s, id(), actor(2))).unwrap().unwrap();
        set(&mut other, "c", 3);
        block_on(other.save(&s)).unwrap();
        assert_eq!(block_on(load_view(&s, &id(), "v1")).unwrap(), None);

        // After a compaction the snapshot stands for the same content under a new key.
        block_on(other.compact(&s)).unwrap();
        block_on(other.save_view(&s, "v1", b"a=1 b=2 c=3")).unwrap();
        assert_eq!(
            block_on(load_view(&s, &id(), "v1")).unwrap().as_deref(),
            Some(&b"a=1 b=2 c=3"[..])
        );
    }

    /// A reading at fixed heads stays through later changes and compaction, and is not a
    /// chunk: loading the document does not see it.
    #[test]
    fn a_reading_at_fixed_heads_is_kept_beside_the_chunks() {
        let s = MemoryStorage::new();
        let mut d = StoredDoc::new(id(), actor(1));
        set(&mut d, "a", 1);
        block_on(d.save(&s)).unwrap();
        block_on(save_fixed(&s, &id(), "texts-v1/h1", b"a=1")).unwrap();
        set(&mut d, "b", 2);
        block_on(d.save(&s)).unwrap();
        block_on(d.compact(&s)).unwrap();
        let got = block_on(load_fixed(&s, &id(), "texts-v1/h1")).unwrap();
        assert_eq!(got.as_deref(), Some(&b"a=1"[..]));
        assert_eq!(block_on(load_fixed(&s, &id(), "texts-v1/h2")).unwrap(), None);
        let back = block_on(StoredDoc::load(&s, id(), actor(2))).unwrap().unwrap();
        assert_eq!((get(&back, "a"), get(&back, "b")), (Some(1), Some(2)));
    }
}
