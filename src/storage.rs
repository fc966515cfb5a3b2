//! IndexedDB implementation of `juntas_core::Storage`, byte-compatible with automerge-repo's
//! IndexedDB adapter: database `automerge`, object store `documents`, array keys, values
//! `{ key, binary: Uint8Array }`, prefix loads by `IDBKeyRange.bound(prefix, [...prefix, "\uffff"])`.
//! This is the only module that touches IndexedDB (architecture invariant 4).

use std::rc::Rc;

use idb::builder::{DatabaseBuilder, ObjectStoreBuilder};
use idb::{Database, Factory, KeyRange, ObjectStore, Query, TransactionMode, TransactionResult};
use js_sys::{Array, Object, Reflect, Uint8Array};
use juntas_core::{Storage, StorageError, StorageKey};
use wasm_bindgen::{JsCast, JsValue};

const STORE: &str = "documents";

/// A handle on one IndexedDB database. Clones share the connection; a second `open` of the same
/// name is a second handle (another tab), and both see each other's writes.
#[derive(Clone)]
pub struct IdbStorage {
    db: Rc<Database>,
}

/// Maps a failure's text to the error kind the UI explains: a full device is its own case.
fn classify(text: String) -> StorageError {
    if text.contains("QuotaExceeded") || text.to_ascii_lowercase().contains("quota") {
        StorageError::Full(text)
    } else {
        StorageError::Io(text)
    }
}

fn storage_error(e: impl std::fmt::Display) -> StorageError {
    classify(e.to_string())
}
fn js_key(key: &StorageKey) -> JsValue {
    key.parts().iter().map(|p| JsValue::from_str(p)).collect::<Array>().into()
}

fn from_js_key(value: &JsValue) -> Result<StorageKey, StorageError> {
    let array: &Array =
        value.dyn_ref().ok_or_else(|| StorageError::Io("a stored key is not an array".into()))?;
    let parts = array
        .iter()
        .map(|p| {
            p.as_string().ok_or_else(|| StorageError::Io("a stored key part is not text".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(StorageKey::new(parts))
}

fn binary_of(value: &JsValue) -> Result<Vec<u8>, StorageError> {
    let binary = Reflect::get(value, &JsValue::from_str("binary"))
        .map_err(|_| StorageError::Io("a stored value has no binary".into()))?;
    let bytes: &Uint8Array = binary
        .dyn_ref()
        .ok_or_else(|| StorageError::Io("a stored value's binary is not bytes".into()))?;
    Ok(bytes.to_vec())
}

impl IdbStorage {
    /// Opens (creating if needed) the database `name`; the app uses `automerge`.
    pub async fn open(name: &str) -> Result<Self, StorageError> {
        let db = DatabaseBuilder::new(name)
            .version(1)
            .add_object_store(ObjectStoreBuilder::new(STORE))
            .build()
            .await
            .map_err(|e| StorageError::Unavailable(e.to_string()))?;
        Ok(Self { db: Rc::new(db) })
    }

    /// Deletes a whole database (tests use throwaway databases).
    pub async fn delete_database(name: &str) -> Result<(), StorageError> {
        Factory::new()
            .map_err(storage_error)?
            .delete(name)
            .map_err(storage_error)?
            .await
            .map_err(storage_error)
    }

    /// Runs one read-write transaction. When the browser aborts it at commit (a full device
    /// aborts there, after every request succeeded), the transaction's own error says why.
    async fn write(
        &self,
        f: impl AsyncFnOnce(&ObjectStore) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        let tx =
            self.db.transaction(&[STORE], TransactionMode::ReadWrite).map_err(storage_error)?;
        let store = tx.object_store(STORE).map_err(storage_error)?;
        f(&store).await?;
        match tx.await.map_err(storage_error)? {
            TransactionResult::Committed => Ok(()),
            TransactionResult::Aborted => Err(match store.transaction().error() {
                Some(e) => classify(format!("{}: {}", e.name(), e.message())),
                None => StorageError::Io("the write was aborted".into()),
            }),
        }
    }

    fn read_store(&self) -> Result<ObjectStore, StorageError> {
        let tx = self.db.transaction(&[STORE], TransactionMode::ReadOnly).map_err(storage_error)?;
        tx.object_store(STORE).map_err(storage_error)
    }
}

/// Every key that starts with `prefix`'s parts.
fn prefix_range(prefix: &StorageKey) -> Result<KeyRange, StorageError> {
    let upper: Array = prefix.parts().iter().map(|p| JsValue::from_str(p)).collect();
    upper.push(&JsValue::from_str("\u{ffff}"));
    KeyRange::bound(&js_key(prefix), &upper, Some(false), Some(false)).map_err(storage_error)
}

impl Storage for IdbStorage {
    async fn load(&self, key: &StorageKey) -> Result<Option<Vec<u8>>, StorageError> {
        let store = self.read_store()?;
        let request = store.get(Query::Key(js_key(key))).map_err(storage_error)?;
        match request.await.map_err(storage_error)? {
            Some(v) if !v.is_undefined() => binary_of(&v).map(Some),
            _ => Ok(None),
        }
    }

    async fn load_range(
        &self,
        prefix: &StorageKey,
    ) -> Result<Vec<(StorageKey, Vec<u8>)>, StorageError> {
        // Keys and values from one transaction: both lists are in key order and see one state.
        let store = self.read_store()?;
        let range = prefix_range(prefix)?;
        let keys = store.get_all_keys(Some(Query::KeyRange(range.clone())), None);
        let values = store.get_all(Some(Query::KeyRange(range)), None);
        let keys = keys.map_err(storage_error)?.await.map_err(storage_error)?;
        let values = values.map_err(storage_error)?.await.map_err(storage_error)?;
        if keys.len() != values.len() {
            return Err(StorageError::Io("a range read returned unmatched keys and values".into()));
        }
        keys.iter().zip(&values).map(|(k, v)| Ok((from_js_key(k)?, binary_of(v)?))).collect()
    }

    async fn keys(&self, prefix: &StorageKey) -> Result<Vec<StorageKey>, StorageError> {
        let store = self.read_store()?;
        store
            .get_all_keys(Some(Query::KeyRange(prefix_range(prefix)?)), None)
            .map_err(storage_error)?
            .await
            .map_err(storage_error)?
            .iter()
            .map(from_js_key)
            .collect()
    }

    async fn put(&self, key: &StorageKey, data: &[u8]) -> Result<(), StorageError> {
        let value = Object::new();
        let set = |name: &str, v: &JsValue| {
            Reflect::set(&value, &JsValue::from_str(name), v)
                .map_err(|_| StorageError::Io("could not build the stored value".into()))
        };
        set("key", &js_key(key))?;
        set("binary", &Uint8Array::from(data).into())?;
        self.write(async |store| {
            let request = store.put(&value, Some(&js_key(key))).map_err(storage_error)?;
            request.await.map(|_| ()).map_err(storage_error)
        })
        .await
    }

    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError> {
        self.write(async |store| {
            let request = store.delete(Query::Key(js_key(key))).map_err(storage_error)?;
            request.await.map_err(storage_error)
        })
        .await
    }
}

/// The database holding this device's signing keys (one per registration): WebCrypto
/// `CryptoKeyPair` objects, stored as they are (IndexedDB keeps a non-extractable key
/// without ever exposing its private half).
const KEYS_DATABASE: &str = "juntas-keys";
const KEYS_STORE: &str = "keys";

/// Reads the value stored under `id` in the keys database; None when there is none.
pub async fn load_key(id: &str) -> Result<Option<JsValue>, StorageError> {
    let db = keys_db().await?;
    let tx = db.transaction(&[KEYS_STORE], TransactionMode::ReadOnly).map_err(storage_error)?;
    let store = tx.object_store(KEYS_STORE).map_err(storage_error)?;
    let value = store
        .get(Query::Key(JsValue::from_str(id)))
        .map_err(storage_error)?
        .await
        .map_err(storage_error)?;
    Ok(value.filter(|v| !v.is_undefined()))
}

/// Stores `value` under `id` unless something is already there, in one transaction (so two
/// tabs, or two tasks of one, making a key at once keep one); returns what is stored.
pub async fn store_key_once(id: &str, value: &JsValue) -> Result<JsValue, StorageError> {
    let db = keys_db().await?;
    let tx = db.transaction(&[KEYS_STORE], TransactionMode::ReadWrite).map_err(storage_error)?;
    let store = tx.object_store(KEYS_STORE).map_err(storage_error)?;
    let key = JsValue::from_str(id);
    let existing = store
        .get(Query::Key(key.clone()))
        .map_err(storage_error)?
        .await
        .map_err(storage_error)?
        .filter(|v| !v.is_undefined());
    let kept = match existing {
        Some(v) => v,
        None => {
            store.put(value, Some(&key)).map_err(storage_error)?.await.map_err(storage_error)?;
            value.clone()
        }
    };
    match tx.await.map_err(storage_error)? {
        TransactionResult::Committed => Ok(kept),
        TransactionResult::Aborted => Err(StorageError::Io("the key was not stored".into())),
    }
}

async fn keys_db() -> Result<Database, StorageError> {
    DatabaseBuilder::new(KEYS_DATABASE)
        .version(1)
        .add_object_store(ObjectStoreBuilder::new(KEYS_STORE))
        .build()
        .await
        .map_err(|e| StorageError::Unavailable(e.to_string()))
}
