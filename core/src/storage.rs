//! The storage port: bytes under key paths, loaded one by one or by prefix. `MemoryStorage` is
//! its in-memory twin and [`contract`] is the suite every implementation must pass.
//!
//! Keys follow automerge-repo: `[doc_id, "incremental", hash]`, `[doc_id, "snapshot",
//! heads_hash]`, `[doc_id, "sync-state", peer_storage_id]`. Prefixes match part by part, so
//! `["a"]` never matches `["ab", …]`. Every failure is returned, never swallowed.

use std::{
    collections::BTreeMap,
    fmt,
    sync::{Arc, Mutex},
};

/// A key path: a non-empty list of parts.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StorageKey(Vec<String>);

impl StorageKey {
    pub fn new<I, S>(parts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(parts.into_iter().map(Into::into).collect())
    }

    pub fn parts(&self) -> &[String] {
        &self.0
    }

    /// True when `prefix`'s parts are the first parts of this key.
    pub fn starts_with(&self, prefix: &StorageKey) -> bool {
        self.0.starts_with(&prefix.0)
    }
}

impl fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.join("/"))
    }
}

/// What can go wrong in storage, in the terms the UI reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The device refused to store more (browser quota, full disk).
    #[error("no queda espacio en el dispositivo / the device is out of space: {0}")]
    Full(String),
    /// The store could not be opened at all (private mode, blocked by another version, …).
    #[error("no se pudo abrir el almacenamiento / storage could not be opened: {0}")]
    Unavailable(String),
    /// Any other failure of a read or a write.
    #[error("falló el almacenamiento / storage failed: {0}")]
    Io(String),
}

/// Bytes under key paths. Implementations are handles: clones share the same data, and two
/// handles (two tabs) may write concurrently.
///
/// The futures are not `Send`: the browser's IndexedDB lives on one thread.
#[allow(async_fn_in_trait)]
pub trait Storage {
    async fn load(&self, key: &StorageKey) -> Result<Option<Vec<u8>>, StorageError>;
    /// Every entry whose key starts with `prefix`, in key order.
    async fn load_range(
        &self,
        prefix: &StorageKey,
    ) -> Result<Vec<(StorageKey, Vec<u8>)>, StorageError>;
    /// The keys under `prefix`, in key order. Adapters that can list keys without reading
    /// the values should.
    async fn keys(&self, prefix: &StorageKey) -> Result<Vec<StorageKey>, StorageError> {
        Ok(self.load_range(prefix).await?.into_iter().map(|(k, _)| k).collect())
    }
    async fn put(&self, key: &StorageKey, data: &[u8]) -> Result<(), StorageError>;
    /// Deleting a missing key is not an error.
    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError>;
}

/// The in-memory twin: used by core's tests, by native tools and as a reference behaviour.
#[derive(Clone, Default)]
pub struct MemoryStorage {
    entries: Arc<Mutex<BTreeMap<StorageKey, Vec<u8>>>>,
    /// When set, every write fails with this error (to test that failures reach the caller).
    fail_writes: Arc<Mutex<Option<StorageError>>>,
}

impl MemoryStorage {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every later `put`/`delete` fail with `error` (None restores normal behaviour).
    pub fn fail_writes_with(&self, error: Option<StorageError>) {
        *self.fail_writes.lock().expect("lock") = error;
    }

    /// Number of entries (for tests that check what compaction left behind).
    pub fn len(&self) -> usize {
        self.entries.lock().expect("lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check_write(&self) -> Result<(), StorageError> {
        match &*self.fail_writes.lock().expect("lock") {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

impl Storage for MemoryStorage {
    async fn load(&self, key: &StorageKey) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.entries.lock().expect("lock").get(key).cloned())
    }

    async fn load_range(
        &self,
        prefix: &StorageKey,
    ) -> Result<Vec<(StorageKey, Vec<u8>)>, StorageError> {
        let entries = self.entries.lock().expect("lock");
        Ok(entries
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    async fn put(&self, key: &StorageKey, data: &[u8]) -> Result<(), StorageError> {
        self.check_write()?;
        self.entries.lock().expect("lock").insert(key.clone(), data.to_vec());
        Ok(())
    }

    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError> {
        self.check_write()?;
        self.entries.lock().expect("lock").remove(key);
        Ok(())
    }
}

/// The contract every `Storage` implementation passes. Each check gets a fresh, empty store
/// from `fresh` and panics with a message naming what broke.
pub mod contract {
    use super::{Storage, StorageKey};

    fn key(parts: &[&str]) -> StorageKey {
        StorageKey::new(parts.iter().copied())
    }

    /// Runs every single-handle check; `fresh` returns a new empty store each call. Run
    /// [`two_handles_see_each_others_writes`] too, with two handles opened on one store.
    pub async fn run_all<S: Storage>(mut fresh: impl AsyncFnMut() -> S) {
        missing_key_loads_nothing(&fresh().await).await;
        put_then_load_returns_the_same_bytes(&fresh().await).await;
        put_overwrites(&fresh().await).await;
        delete_removes_and_tolerates_missing_keys(&fresh().await).await;
        load_range_matches_whole_parts_only(&fresh().await).await;
        keys_with_separators_do_not_collide(&fresh().await).await;
        large_values_round_trip(&fresh().await).await;
    }

    pub async fn missing_key_loads_nothing(s: &impl Storage) {
        let got = s.load(&key(&["nope", "snapshot", "x"])).await.expect("load");
        assert_eq!(got, None, "a key never written must load as None");
        let range = s.load_range(&key(&["nope"])).await.expect("load_range");
        assert!(range.is_empty(), "an empty prefix range must be empty");
    }

    pub async fn put_then_load_returns_the_same_bytes(s: &impl Storage) {
        let all_bytes: Vec<u8> = (0..=255u8).collect();
        for value in [vec![], vec![0u8], all_bytes] {
            let k = key(&["doc", "incremental", &format!("len{}", value.len())]);
            s.put(&k, &value).await.expect("put");
            let got = s.load(&k).await.expect("load");
            assert_eq!(got.as_deref(), Some(&value[..]), "bytes must round-trip exactly");
        }
    }

    pub async fn put_overwrites(s: &impl Storage) {
        let k = key(&["doc", "sync-state", "peer"]);
        s.put(&k, b"first").await.expect("put");
        s.put(&k, b"second").await.expect("put");
        assert_eq!(s.load(&k).await.expect("load").as_deref(), Some(&b"second"[..]));
    }

    pub async fn delete_removes_and_tolerates_missing_keys(s: &impl Storage) {
        let k = key(&["doc", "snapshot", "h"]);
        s.put(&k, b"x").await.expect("put");
        s.delete(&k).await.expect("delete");
        assert_eq!(s.load(&k).await.expect("load"), None, "deleted key must be gone");
        s.delete(&k).await.expect("deleting a missing key is not an error");
    }

    pub async fn load_range_matches_whole_parts_only(s: &impl Storage) {
        for parts in [
            &["doc1", "incremental", "a"][..],
            &["doc1", "snapshot", "b"],
            &["doc10", "incremental", "c"],
            &["doc", "incremental", "d"],
            &["doc1"],
        ] {
            s.put(&key(parts), parts.join("/").as_bytes()).await.expect("put");
        }
        let got: Vec<String> = s
            .load_range(&key(&["doc1"]))
            .await
            .expect("load_range")
            .into_iter()
            .map(|(k, v)| {
                assert_eq!(v, k.parts().join("/").as_bytes(), "value must match its key");
                k.parts().join("/")
            })
            .collect();
        let mut expected = vec!["doc1", "doc1/incremental/a", "doc1/snapshot/b"];
        expected.sort();
        let mut got_sorted = got.clone();
        got_sorted.sort();
        assert_eq!(got_sorted, expected, "prefix [doc1] must not match doc10 or doc");
        let inc = s.load_range(&key(&["doc1", "incremental"])).await.expect("load_range");
        assert_eq!(inc.len(), 1, "a two-part prefix narrows the range");
        let mut keys: Vec<String> = s
            .keys(&key(&["doc1"]))
            .await
            .expect("keys")
            .into_iter()
            .map(|k| k.parts().join("/"))
            .collect();
        keys.sort();
        assert_eq!(keys, expected, "keys lists the same entries as load_range");
    }

    pub async fn keys_with_separators_do_not_collide(s: &impl Storage) {
        s.put(&key(&["a/b"]), b"one").await.expect("put");
        s.put(&key(&["a", "b"]), b"two").await.expect("put");
        assert_eq!(s.load(&key(&["a/b"])).await.expect("load").as_deref(), Some(&b"one"[..]));
        assert_eq!(s.load(&key(&["a", "b"])).await.expect("load").as_deref(), Some(&b"two"[..]));
        let accents = key(&["doc", "snapshot", "ñandú-ü"]);
        s.put(&accents, b"three").await.expect("put");
        assert_eq!(s.load(&accents).await.expect("load").as_deref(), Some(&b"three"[..]));
    }

    pub async fn large_values_round_trip(s: &impl Storage) {
        let big: Vec<u8> = (0..(2 * 1024 * 1024)).map(|i: u32| (i % 251) as u8).collect();
        let k = key(&["doc", "snapshot", "big"]);
        s.put(&k, &big).await.expect("put 2 MiB");
        assert!(
            s.load(&k).await.expect("load").as_deref() == Some(&big[..]),
            "2 MiB must round-trip"
        );
    }

    /// `a` and `b` are two handles on the same underlying store.
    pub async fn two_handles_see_each_others_writes(a: &impl Storage, b: &impl Storage) {
        a.put(&key(&["shared", "incremental", "1"]), b"from a").await.expect("put");
        b.put(&key(&["shared", "incremental", "2"]), b"from b").await.expect("put");
        let seen_by_a = a.load_range(&key(&["shared"])).await.expect("load_range");
        let seen_by_b = b.load_range(&key(&["shared"])).await.expect("load_range");
        assert_eq!(seen_by_a.len(), 2, "handle a must see b's write");
        assert_eq!(seen_by_a, seen_by_b, "both handles must see the same entries");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn memory_storage_passes_the_contract() {
        block_on(contract::run_all(async || MemoryStorage::new()));
    }

    #[test]
    fn clones_of_memory_storage_share_data() {
        let a = MemoryStorage::new();
        let b = a.clone();
        block_on(contract::two_handles_see_each_others_writes(&a, &b));
    }

    #[test]
    fn write_failures_reach_the_caller() {
        let s = MemoryStorage::new();
        s.fail_writes_with(Some(StorageError::Full("quota".into())));
        let err = block_on(s.put(&StorageKey::new(["a"]), b"x")).unwrap_err();
        assert_eq!(err, StorageError::Full("quota".into()));
        assert!(block_on(s.load(&StorageKey::new(["a"]))).unwrap().is_none());
    }
}
