//! Browser adapter tests, run by wasm-bindgen-test in headless Chromium: the IndexedDB storage
//! passes core's storage contract, two handles (two tabs) share data, the stored layout is
//! automerge-repo's, and the document store keeps both tabs' edits through real IndexedDB.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;

use juntas::storage::IdbStorage;
use juntas_core::{
    DocumentId, Storage, StorageKey, StoredDoc,
    automerge::{ActorId, ReadDoc, transaction::Transactable},
    storage::contract,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

thread_local! { static N: Cell<u32> = const { Cell::new(0) }; }

/// A database name no other test uses.
fn fresh_name(what: &str) -> String {
    let n = N.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    format!("juntas-test-{what}-{n}-{}", js_sys::Math::random())
}

#[wasm_bindgen_test]
async fn indexeddb_storage_passes_the_storage_contract() {
    contract::run_all(async || IdbStorage::open(&fresh_name("contract")).await.expect("open"))
        .await;
}

#[wasm_bindgen_test]
async fn two_handles_on_one_database_see_each_others_writes() {
    let name = fresh_name("two-handles");
    let a = IdbStorage::open(&name).await.expect("open a");
    let b = IdbStorage::open(&name).await.expect("open b");
    contract::two_handles_see_each_others_writes(&a, &b).await;
}

#[wasm_bindgen_test]
async fn values_are_stored_as_automerge_repo_stores_them() {
    let name = fresh_name("layout");
    let s = IdbStorage::open(&name).await.expect("open");
    let key = StorageKey::new(["doc", "incremental", "abc"]);
    s.put(&key, &[1, 2, 3]).await.expect("put");
    // Read it back with idb directly: array key, `{ key, binary: Uint8Array }` value.
    let db = idb::builder::DatabaseBuilder::new(&name)
        .version(1)
        .add_object_store(idb::builder::ObjectStoreBuilder::new("documents"))
        .build()
        .await
        .expect("db");
    let tx = db.transaction(&["documents"], idb::TransactionMode::ReadOnly).expect("tx");
    let store = tx.object_store("documents").expect("store");
    let js_key: js_sys::Array =
        ["doc", "incremental", "abc"].iter().map(|p| JsValue::from_str(p)).collect();
    let value = store
        .get(idb::Query::Key(js_key.into()))
        .expect("get")
        .await
        .expect("get")
        .expect("present");
    let binary = js_sys::Reflect::get(&value, &"binary".into()).expect("binary");
    let bytes: js_sys::Uint8Array = binary.dyn_into().expect("binary is a Uint8Array");
    assert_eq!(bytes.to_vec(), vec![1, 2, 3]);
    let stored_key: js_sys::Array = js_sys::Reflect::get(&value, &"key".into())
        .expect("key")
        .dyn_into()
        .expect("key is an array");
    assert_eq!(stored_key.length(), 3);
}

#[wasm_bindgen_test]
async fn two_tabs_editing_one_document_through_indexeddb_lose_nothing() {
    let name = fresh_name("tabs");
    let id = DocumentId::from_bytes([9; 16]);
    let storage_a = IdbStorage::open(&name).await.expect("open");
    let storage_b = IdbStorage::open(&name).await.expect("open");
    let mut first = StoredDoc::new(id, ActorId::from(vec![1; 16]));
    first.doc_mut().put(juntas_core::automerge::ROOT, "base", 1).expect("put");
    first.save(&storage_a).await.expect("save");
    let mut a = StoredDoc::load(&storage_a, id, ActorId::from(vec![2; 16]))
        .await
        .expect("load")
        .expect("some");
    let mut b = StoredDoc::load(&storage_b, id, ActorId::from(vec![3; 16]))
        .await
        .expect("load")
        .expect("some");
    for i in 0..15 {
        a.doc_mut().put(juntas_core::automerge::ROOT, format!("a{i}"), i).expect("put");
        a.save(&storage_a).await.expect("save a");
        b.doc_mut().put(juntas_core::automerge::ROOT, format!("b{i}"), i).expect("put");
        b.save(&storage_b).await.expect("save b");
    }
    a.compact(&storage_a).await.expect("compact a");
    b.compact(&storage_b).await.expect("compact b");
    let merged = StoredDoc::load(&storage_a, id, ActorId::from(vec![4; 16]))
        .await
        .expect("load")
        .expect("some");
    for i in 0..15 {
        for who in ["a", "b"] {
            assert!(
                merged
                    .doc()
                    .get(juntas_core::automerge::ROOT, format!("{who}{i}"))
                    .expect("get")
                    .is_some(),
                "{who}{i} lost"
            );
        }
    }
}
