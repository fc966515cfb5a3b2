//! Browser adapter tests, run by wasm-bindgen-test in headless Chromium: the IndexedDB storage
//! passes core's storage contract, two handles (two tabs) share data, the stored layout is
//! automerge-repo's, the document store keeps both tabs' edits through real IndexedDB, and a
//! localStorage list keeps entries this build cannot read; a list drawn in slices shows
//! what arrives while and after it fills; a tab reloading another tab's rebuild keeps what it
//! typed meanwhile, and the note it carries them by keeps every actor's highest change.
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

/// A device's key pair (WebCrypto, kept in IndexedDB) signs what a tab changed; the head
/// checks with WebCrypto against a certificate; a tampered head does not; the private key
/// cannot be exported.
#[wasm_bindgen_test]
async fn a_device_key_signs_heads_that_check_and_its_private_half_stays_inside() {
    use juntas::{keys, local};
    use juntas_core::model::history::{self, Signed, Stamp, Verb};
    use juntas_core::signing;

    let network = fresh_name("net");
    let (device, server) = (fresh_name("device"), fresh_name("server"));
    // The "server" here is another WebCrypto key pair: it certifies the device's key.
    let key = keys::public_key(&device).await.unwrap();
    let server_key = keys::public_key(&server).await.unwrap();
    let cert = keys::sign_bytes(&server, &signing::cert_message(&network, "p1", &device, &key))
        .await
        .unwrap();
    local::set_device(local::Device {
        network: network.clone(),
        member: "p1".into(),
        device: device.clone(),
        token: "t".into(),
        claimed_at: None,
        key: Some(hex::encode(&key)),
        cert: Some(hex::encode(&cert)),
        server_key: Some(hex::encode(&server_key)),
    })
    .unwrap();

    let mut doc = juntas_core::automerge::AutoCommit::new();
    doc.put(juntas_core::automerge::ROOT, "x", 1).unwrap();
    history::commit(&mut doc, &Stamp::new("p1", 0), Verb::Edit, "");
    assert!(keys::sign_pending(&mut doc, &network).await.unwrap(), "signed");
    assert!(!keys::sign_pending(&mut doc, &network).await.unwrap(), "nothing new to sign");
    keys::check_all(keys::needed(&doc, &server_key)).await.unwrap();
    let sigs = keys::signatures(&mut doc, &network, &server_key);
    let entries = history::entries_signed(&mut doc, &sigs);
    assert_eq!(entries.last().map(|e| e.signed.clone()), Some(Signed::By("p1".into())));

    // Tampered: a head whose signature is another message's.
    let mut forged = juntas_core::automerge::AutoCommit::new();
    forged.put(juntas_core::automerge::ROOT, "x", 2).unwrap();
    history::commit(&mut forged, &Stamp::new("p1", 0), Verb::Edit, "");
    let (seq, hash) = signing::to_sign(&mut forged).unwrap();
    let d = signing::Device {
        network: network.clone(),
        member: "p1".into(),
        device: device.clone(),
        key,
        cert,
    };
    signing::write_head(
        &mut forged,
        &d,
        seq,
        hash,
        &keys::sign_bytes(&device, b"other").await.unwrap(),
    )
    .unwrap();
    keys::check_all(keys::needed(&forged, &server_key)).await.unwrap();
    let sigs = keys::signatures(&mut forged, &network, &server_key);
    assert_eq!(history::entries_signed(&mut forged, &sigs).last().unwrap().signed, Signed::Forged);

    // The stored pair's private key is not extractable.
    let pair: web_sys::CryptoKeyPair =
        juntas::storage::load_key(&device).await.unwrap().unwrap().unchecked_into();
    assert!(!pair.get_private_key().extractable());
}

/// A new device's key made by two tasks at once (the claim and the start-up registration both
/// ask for it): both get the same pair, so the key the server certifies is the key that signs.
#[wasm_bindgen_test]
async fn two_tasks_making_a_device_key_at_once_keep_one_pair() {
    use juntas::keys;
    let device = fresh_name("device");
    let (a, b) = futures::future::join(keys::public_key(&device), keys::public_key(&device)).await;
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b, "one key pair");
    assert_eq!(keys::public_key(&device).await.unwrap(), a, "kept");
}

/// The document worker's job, run here against real IndexedDB: it makes the same tree reading
/// the page would, keeps it (and the sync facts) beside the document, and the reading stops
/// being served the moment the document changes; a document not on the device or unreadable
/// is said, not answered with an empty reading.
#[wasm_bindgen_test]
async fn the_worker_keeps_the_pages_reading_until_the_document_changes() {
    use juntas::readings::{self, Job, Unmade};
    use juntas_core::{
        model::{history::Stamp, tree},
        store,
    };
    let storage = IdbStorage::open(&fresh_name("readings")).await.expect("open");
    let id = DocumentId::from_bytes([7; 16]);
    let stamp = Stamp::new("m1", 1_700_000_000_000);
    let mut doc = StoredDoc::new(id, ActorId::from(vec![1; 16]));
    tree::create(doc.doc_mut(), "net", "Baja asistencia", &stamp).expect("create");
    tree::add(doc.doc_mut(), "c1", tree::CAUSES, None, "Frío en las salas", &stamp).expect("add");
    doc.save(&storage).await.expect("save");

    readings::make(&storage, id, &Job::Tree).await.expect("made");
    let kept = store::load_view(&storage, &id, readings::TREE).await.expect("load").expect("kept");
    let kept: tree::Tree = serde_json::from_slice(&kept).expect("a tree");
    assert_eq!(kept, tree::read(doc.doc()).expect("read"), "the page's own reading");
    assert!(
        store::load_view(&storage, &id, juntas::repo::SYNC_FACTS).await.expect("load").is_some(),
        "sync facts kept with it"
    );

    tree::add(doc.doc_mut(), "c2", tree::CAUSES, None, "Licencias", &stamp).expect("add");
    doc.save(&storage).await.expect("save");
    assert_eq!(
        store::load_view(&storage, &id, readings::TREE).await.expect("load"),
        None,
        "a reading of fewer chunks than storage holds is not served"
    );

    let absent = DocumentId::from_bytes([8; 16]);
    assert_eq!(readings::make(&storage, absent, &Job::Tree).await, Err(Unmade::NotStored));
    let corrupt = DocumentId::from_bytes([6; 16]);
    storage
        .put(
            &StorageKey::new([corrupt.to_string(), "incremental".into(), "x".into()]),
            b"not automerge",
        )
        .await
        .expect("put");
    assert!(matches!(readings::make(&storage, corrupt, &Job::Tree).await, Err(Unmade::Failed(_))));
}

/// The sync's facts of a document another job has just kept for what storage holds are not
/// made again: the job answers without parsing the document (here a chunk spoilt under its own
/// key, which a parse would fail on), and once storage holds more, it reads the document again.
#[wasm_bindgen_test]
async fn the_sync_facts_kept_by_another_job_are_not_parsed_again() {
    use juntas::readings::{self, Job, Unmade};
    use juntas_core::model::{history::Stamp, tree};
    let storage = IdbStorage::open(&fresh_name("facts")).await.expect("open");
    let id = DocumentId::from_bytes([9; 16]);
    let stamp = Stamp::new("m1", 1_700_000_000_000);
    let mut doc = StoredDoc::new(id, ActorId::from(vec![2; 16]));
    tree::create(doc.doc_mut(), "net", "Baja asistencia", &stamp).expect("create");
    doc.save(&storage).await.expect("save");
    readings::make(&storage, id, &Job::Tree).await.expect("made, with the facts");
    let mut chunks = Vec::new();
    for kind in ["snapshot", "incremental"] {
        chunks.extend(
            storage.keys(&StorageKey::new([id.to_string(), kind.into()])).await.expect("keys"),
        );
    }
    assert_eq!(chunks.len(), 1, "one chunk: {chunks:?}");
    storage.put(&chunks[0], b"not automerge").await.expect("put");
    assert_eq!(readings::make(&storage, id, &Job::SyncFacts).await, Ok(()), "served as kept");
    assert!(
        matches!(readings::make(&storage, id, &Job::Tree).await, Err(Unmade::Failed(_))),
        "any other job parses it"
    );
    storage
        .put(&StorageKey::new([id.to_string(), "incremental".into(), "y".into()]), b"more")
        .await
        .expect("put");
    assert!(
        matches!(readings::make(&storage, id, &Job::SyncFacts).await, Err(Unmade::Failed(_))),
        "stale facts are made again from the document"
    );
}

/// A network's pages open from the directory's reading kept beside it: the next start
/// (another tab, the app opened again) shows it without parsing the document, and once
/// another tab has changed the network the document is read again, never the old reading.
#[wasm_bindgen_test]
async fn a_network_opens_from_its_kept_reading_until_it_changes() {
    use juntas::{
        readings::{self, Job},
        repo::{Caching, Repo},
    };
    use juntas_core::model::network::{self, Command, Member, Network, Role};
    let name = fresh_name("network-reading");
    let storage = IdbStorage::open(&name).await.expect("open");
    let id = DocumentId::from_bytes([4; 16]);
    let mut doc = StoredDoc::new(id, ActorId::from(vec![3; 16]));
    network::create(doc.doc_mut(), &Network::new("Red Macul", "SLEP", 1), 1_000).expect("create");
    doc.save(&storage).await.expect("save");
    let open = async || {
        let repo = Repo::open_database(&name).await.expect("open");
        let net = repo
            .read_view(id, Job::Network, Caching::OnPage, |d| Some(readings::network(d)))
            .await
            .expect("read")
            .expect("stored")
            .expect("a network");
        (net, repo.is_loaded(id))
    };

    let (net, parsed) = open().await;
    assert_eq!(net.name, "Red Macul");
    assert!(parsed, "the first open parses the document (nothing kept yet)");
    let (net, parsed) = open().await;
    assert_eq!(net, network::read(doc.doc()).expect("read"), "the page's own reading");
    assert!(!parsed, "the next open shows the kept reading");

    let ana = Member { name: "Ana".into(), role: Role::Principal, centre_id: None };
    network::apply(doc.doc_mut(), Command::PutMember { id: "a".into(), member: ana }, 2_000)
        .expect("put");
    doc.save(&storage).await.expect("save");
    let (net, parsed) = open().await;
    assert!(parsed, "a network changed since is read again");
    assert_eq!(net.members["a"].name, "Ana");
    let (net, parsed) = open().await;
    assert!(!parsed && net.members.contains_key("a"), "and kept again");
}

/// The worker's roles job keeps, beside the network document, the roles the page would read
/// from it with the version it read them at: one slot, which says the version storage held
/// (not the one a page holds in memory), and which the next version replaces.
#[wasm_bindgen_test]
async fn the_worker_keeps_the_networks_roles_with_the_version_it_read() {
    use juntas::readings::{self, Job, KeptRoles};
    use juntas_core::{
        model::{
            centre_plan,
            network::{self, Command, Member, Network, Role},
        },
        rules::Roles,
        store,
    };
    let storage = IdbStorage::open(&fresh_name("roles")).await.expect("open");
    let id = DocumentId::from_bytes([9; 16]);
    let mut net = Network::new("Red", "SLEP", 1);
    let slep = Member { name: "Rodrigo".into(), role: Role::SlepProfessional, centre_id: None };
    net.members.insert("s".into(), slep);
    let mut doc = StoredDoc::new(id, ActorId::from(vec![2; 16]));
    network::create(doc.doc_mut(), &net, 1_000).expect("create");
    let bea = Member { name: "Bea".into(), role: Role::Facilitator, centre_id: None };
    network::apply(doc.doc_mut(), Command::PutMember { id: "q".into(), member: bea }, 5_000)
        .expect("put");
    doc.save(&storage).await.expect("save");
    let version = |doc: &mut StoredDoc| centre_plan::version_key(&doc.doc_mut().get_heads());
    let kept = async || -> KeptRoles {
        let bytes = store::load_fixed(&storage, &id, readings::ROLES).await.expect("load");
        serde_json::from_slice(&bytes.expect("kept")).expect("roles")
    };

    readings::make(&storage, id, &Job::Roles).await.expect("made");
    let (at, roles) = kept().await;
    assert_eq!(at, version(&mut doc), "the version it read");
    assert_eq!(roles, Roles::of(doc.doc_mut()), "the page's own reading");
    assert_eq!(roles.at("q", 6_000), Some((Role::Facilitator, None)));

    // A change the page has not saved: the worker reads what storage holds, and says so.
    let slep = Member { name: "Bea".into(), role: Role::SlepProfessional, centre_id: None };
    network::apply(doc.doc_mut(), Command::PutMember { id: "q".into(), member: slep }, 9_000)
        .expect("put");
    readings::make(&storage, id, &Job::Roles).await.expect("made");
    let (at, roles) = kept().await;
    assert_ne!(at, version(&mut doc), "not the version in memory");
    assert_eq!(roles.at("q", 10_000), Some((Role::Facilitator, None)), "storage's roles");

    doc.save(&storage).await.expect("save");
    readings::make(&storage, id, &Job::Roles).await.expect("made");
    let (at, roles) = kept().await;
    assert_eq!(at, version(&mut doc), "the new version replaces the old");
    assert_eq!(roles.at("q", 10_000), Some((Role::SlepProfessional, None)));
    assert_eq!(roles.at("q", 6_000), Some((Role::Facilitator, None)), "what she was before");
    assert!(
        store::load_view(&storage, &id, juntas::repo::SYNC_FACTS).await.expect("load").is_none(),
        "the sync facts are the page's to keep (it has the network in memory)"
    );
}

/// A line of the SLEP's table made by the worker says which version of the roles judged it,
/// so the page can tell a line judged by roles the network has since changed.
#[wasm_bindgen_test]
async fn the_worker_keeps_a_table_line_with_the_version_of_the_roles_that_judged_it() {
    use juntas::readings::{self, Job, KeptRow};
    use juntas_core::{model::centre_plan, rules::Roles, store};
    let storage = IdbStorage::open(&fresh_name("table-row")).await.expect("open");
    let plan = centre_plan::skeleton(DocumentId::from_bytes([7; 16]), 2027, "c1");
    let id = centre_plan::id_for(
        juntas_core::model::plan::id_for(DocumentId::from_bytes([7; 16]), 2027),
        "c1",
    );
    let mut doc = StoredDoc::new(id, ActorId::from(vec![3; 16]));
    doc.doc_mut().merge(&mut plan.clone()).expect("merge");
    doc.save(&storage).await.expect("save");
    let roles = Roles::default();
    let kept = async || -> KeptRow {
        let bytes = store::load_view(&storage, &id, readings::TABLE_ROW).await.expect("load");
        serde_json::from_slice(&bytes.expect("kept")).expect("a line")
    };
    for version in ["v1", "v2"] {
        let job = Job::TableRow { roles: roles.clone(), version: version.into() };
        readings::make(&storage, id, &job).await.expect("made");
        let (by, line) = kept().await;
        assert_eq!(by, version, "the version of the roles it was judged by");
        assert_eq!(line, readings::table_row(doc.doc_mut(), &roles).expect("read"));
    }
}

/// A worker that cannot start (here no `/doc-worker.js` is served) answers every job at
/// once with a failure, so the page reads the document itself instead of waiting.
#[wasm_bindgen_test]
async fn a_worker_that_cannot_start_fails_its_jobs_at_once() {
    use juntas::readings::{Job, Unmade};
    let worker = juntas::worker::DocWorker::default();
    let id = DocumentId::from_bytes([5; 16]);
    let started = js_sys::Date::now();
    assert!(matches!(worker.make(id, Job::Tree).await, Err(Unmade::Failed(_))));
    assert!(js_sys::Date::now() - started < 10_000.0, "not left waiting for the start timeout");
}

/// Several invites' answers wait on one phone (each is the only copy of a registration): keeping
/// one keeps the others, forgetting one forgets only it, and an answer an earlier build kept
/// (one at a time) is still read.
#[wasm_bindgen_test]
fn invite_answers_kept_on_the_phone_are_each_kept_until_read() {
    use gloo_storage::{LocalStorage, Storage};
    use juntas::local;
    LocalStorage::set("juntas.redeemed-invite", ("old", "{\"token\":\"t0\"}")).expect("set");
    assert_eq!(local::redeemed_invite("old").as_deref(), Some("{\"token\":\"t0\"}"));
    local::keep_redeemed_invite("x", "answer x").expect("keep x");
    local::keep_redeemed_invite("y", "answer y").expect("keep y");
    assert_eq!(local::redeemed_invites().len(), 3);
    local::forget_redeemed_invite("old");
    assert_eq!(local::redeemed_invite("x").as_deref(), Some("answer x"));
    assert_eq!(local::redeemed_invite("y").as_deref(), Some("answer y"));
    assert_eq!(local::redeemed_invite("old"), None);
    local::forget_redeemed_invite("x");
    local::forget_redeemed_invite("y");
    assert!(local::redeemed_invites().is_empty());
    assert_eq!(LocalStorage::raw().get_item("juntas.redeemed-invite").expect("read"), None);
    assert_eq!(LocalStorage::raw().get_item("juntas.redeemed-invite.x").expect("read"), None);

    // The welcome line: an earlier build's one network, then two waiting, each said once.
    LocalStorage::set("juntas.just-joined", "n0").expect("set");
    local::set_just_joined("n1").expect("note");
    assert!(local::take_just_joined("n0"));
    assert!(!local::take_just_joined("n0"), "said once");
    assert!(local::take_just_joined("n1"));
}

/// The server's refusals kept on the device, when this build cannot read what is kept: read
/// as none (the server says them again), but the value is copied aside once, not lost.
#[wasm_bindgen_test]
fn an_unreadable_refusal_list_is_kept_aside_and_read_as_none() {
    use gloo_storage::{LocalStorage, Storage};
    use juntas::local;
    let raw = LocalStorage::raw();
    for (key, read_none) in [
        ("juntas.refused", (|| local::refused().is_empty()) as fn() -> bool),
        ("juntas.dropped", || local::dropped().is_empty()),
        ("juntas.denied-networks", || local::denied_networks().is_empty()),
    ] {
        let aside = format!("{key}.unreadable");
        raw.remove_item(&aside).expect("clear");
        raw.set_item(key, "{not json").expect("set");
        assert!(read_none(), "{key} read as none");
        assert_eq!(raw.get_item(&aside).expect("read").as_deref(), Some("{not json"), "{key}");
        // A second unreadable value does not replace the first one kept aside.
        raw.set_item(key, "[1,").expect("set");
        assert!(read_none(), "{key} read as none");
        assert_eq!(raw.get_item(&aside).expect("read").as_deref(), Some("{not json"), "{key}");
        raw.remove_item(key).expect("clear");
        raw.remove_item(&aside).expect("clear");
    }
    // Readable values are read.
    let refused = std::collections::BTreeMap::from([("doc".to_string(), "why".to_string())]);
    local::set_refused(&refused).expect("keep");
    assert_eq!(local::refused(), refused);
    LocalStorage::delete("juntas.refused");
}

/// A signing key certified while a connection noted the network's claim date keeps both (the
/// key's request read the registration before the date was noted); a key certified for a
/// registration replaced since is not written into the new one. An invite noted as hers finds
/// her registration in its network while it is that registration.
#[wasm_bindgen_test]
fn a_certified_key_and_a_claim_date_noted_meanwhile_are_both_kept() {
    use juntas::local;
    let network = fresh_name("net");
    let registered = local::Device {
        network: network.clone(),
        member: "p1".into(),
        device: fresh_name("device"),
        token: "t1".into(),
        claimed_at: None,
        key: None,
        cert: None,
        server_key: None,
    };
    local::set_device(registered.clone()).expect("registered");
    local::set_claimed_at(&network, 1_000).expect("claim date noted");
    let kept = local::set_device_key("t1", "k".into(), "c".into(), "s".into()).expect("stored");
    let now = local::device(&network).expect("still registered");
    assert_eq!(kept.as_ref(), Some(&now));
    assert_eq!(now.claimed_at, Some(1_000), "the claim date stays");
    assert_eq!((now.key.as_deref(), now.cert.as_deref()), (Some("k"), Some("c")));

    // Registered again with a new invite meanwhile: the old registration's key is not hers.
    local::set_device(local::Device { token: "t2".into(), ..registered }).expect("replaced");
    assert_eq!(local::set_device_key("t1", "k".into(), "c".into(), "s".into()), Ok(None));
    assert_eq!(local::device(&network).and_then(|d| d.key), None);

    let code = fresh_name("code");
    assert_eq!(local::joined_with_invite(&code), None);
    let now = local::device(&network).expect("registered");
    local::note_joined_invite(&code, &now).expect("noted");
    assert_eq!(local::joined_with_invite(&code).map(|d| d.token), Some("t2".into()));
    // Replaced by another registration since: the invite is not that one's.
    local::set_device(local::Device { token: "t3".into(), ..now }).expect("replaced");
    assert_eq!(local::joined_with_invite(&code), None);
}

/// localStorage as the app keeps it, raw (the app's lists are JSON arrays).
fn local_storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

#[wasm_bindgen_test]
fn a_registration_this_build_cannot_read_is_kept_when_another_is_added() {
    let ls = local_storage();
    // One registration this build reads, and one in another shape (a later build's, say):
    // its token exists nowhere else.
    let stored = r#"[{"network":"n1","member":"m1","device":"d1","token":"t1"},{"network":"n2","token":"t2","shape":"later"}]"#;
    ls.set_item("juntas.devices", stored).unwrap();
    let read: Vec<String> = juntas::local::devices().into_iter().map(|d| d.network).collect();
    assert_eq!(read, ["n1"], "the one it reads is used");
    juntas::local::set_device(juntas::local::Device {
        network: "n3".into(),
        member: "m3".into(),
        device: "d3".into(),
        token: "t3".into(),
        claimed_at: None,
        key: None,
        cert: None,
        server_key: None,
    })
    .unwrap();
    let now: Vec<serde_json::Value> =
        serde_json::from_str(&ls.get_item("juntas.devices").unwrap().unwrap()).unwrap();
    let tokens: Vec<&str> = now.iter().filter_map(|d| d["token"].as_str()).collect();
    assert_eq!(tokens, ["t1", "t3", "t2"], "none dropped: {now:?}");
    assert_eq!(now[2], serde_json::json!({"network":"n2","token":"t2","shape":"later"}));
    // A value that is not a list at all is set aside whole before the list starts anew.
    ls.set_item("juntas.networks", "{damaged").unwrap();
    ls.remove_item("juntas.networks.unreadable").unwrap();
    assert!(juntas::local::networks().is_empty());
    juntas::local::remember_network("x", "Red X").unwrap();
    assert_eq!(ls.get_item("juntas.networks.unreadable").unwrap().as_deref(), Some("{damaged"));
    let names: Vec<String> = juntas::local::networks().into_iter().map(|n| n.name).collect();
    assert_eq!(names, ["Red X"]);
    for key in
        ["juntas.devices", "juntas.networks", "juntas.networks.unreadable", "juntas.identity.n3"]
    {
        ls.remove_item(key).unwrap();
    }
}

/// Waits (a frame at a time, at most 5 s) until `done` holds.
async fn until(done: impl Fn() -> bool) -> bool {
    for _ in 0..500 {
        if done() {
            return true;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    done()
}

#[wasm_bindgen_test]
async fn a_list_drawn_in_slices_shows_what_arrives_while_and_after_it_fills() {
    use leptos::prelude::*;
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let owner = Owner::new();
    owner.set();
    // A long list (the projector's cards): two drawn at once, the rest a slice a frame.
    let total = RwSignal::new(1000usize);
    let shown = juntas::tasks::drawn_in_slices(2, 1, move || total.get());
    assert_eq!(shown.get_untracked(), 2);
    // Cards added by sync while the page is still drawing.
    gloo_timers::future::TimeoutFuture::new(0).await;
    assert!(shown.get_untracked() < 1000, "still drawing");
    total.set(3000);
    assert!(
        until(|| shown.get_untracked() >= 3000).await,
        "drawn while filling: {}",
        shown.get_untracked()
    );
    // And more once everything was drawn (a slice may have drawn past the end: beyond it).
    gloo_timers::future::TimeoutFuture::new(300).await;
    let more = shown.get_untracked() + 500;
    total.set(more);
    assert!(
        until(|| shown.get_untracked() >= more).await,
        "drawn after: {} of {more}",
        shown.get_untracked()
    );
    drop(owner);
}

/// A tab closed while a document is being written asks first: the repo says a save is under
/// way from its start until it ends (a browser need not finish an IndexedDB write for a tab
/// that closes).
#[wasm_bindgen_test]
async fn a_save_under_way_is_said_until_it_ends() {
    use juntas_core::model::network::{self, Network};
    let repo = juntas::repo::Repo::open_database(&fresh_name("storing")).await.expect("open");
    let id = DocumentId::from_bytes([9; 16]);
    let handle = repo.handle_or_empty(id).await.expect("a document");
    network::create(handle.lock().await.doc_mut(), &Network::new("Red", "SLEP", 1), 1_000)
        .expect("create");
    assert!(!repo.storing(), "nothing written yet");
    let save = repo.save(id);
    futures::pin_mut!(save);
    let waker = futures::task::noop_waker();
    let mut turn = std::task::Context::from_waker(&waker);
    let first = std::future::Future::poll(save.as_mut(), &mut turn);
    assert!(first.is_pending(), "an IndexedDB write takes a turn");
    assert!(repo.storing(), "under way");
    save.await.expect("saved");
    assert!(!repo.storing(), "ended");
    assert!(repo.unsaved().is_none());
}

/// "Quitar" on a set-aside edit forgets that edit, whatever its place in the list by then: a tab
/// whose list is older, or two taps, forget it once and never the edit after it; two edits
/// dismissed at once both go.
#[wasm_bindgen_test]
async fn dismissing_a_set_aside_edit_forgets_that_edit_and_no_other() {
    use juntas_core::set_aside::{SetAside, Why};
    let name = fresh_name("set-aside");
    let repo = juntas::repo::Repo::open_database(&name).await.expect("open");
    let storage = IdbStorage::open(&name).await.expect("open");
    let id = DocumentId::from_bytes([7; 16]);
    let edit = |text: &str, at| SetAside {
        path: vec!["sections".into(), "1.2".into(), "body".into()],
        text: text.into(),
        why: Why::Gone,
        at,
    };
    let (first, second) = (edit("Lavado de manos", 1), edit("Ventilar las salas", 2));
    let (third, fourth) = (edit("Colación saludable", 3), edit("Reunión de apoderados", 4));
    let all = [first.clone(), second.clone(), third.clone(), fourth.clone()];
    juntas_core::store::save_set_aside(&storage, &id, &all).await.expect("keep");
    repo.dismiss_set_aside(id, &first).await.expect("dismiss");
    // Again, from a list that still showed it (another tab's, or a second tap): it was at
    // the first place, where the second edit is now, which stays.
    repo.dismiss_set_aside(id, &first).await.expect("dismiss again");
    assert_eq!(repo.set_aside(id).await.expect("read"), all[1..].to_vec());
    // Two edits dismissed at once: both go (each read, changed and wrote the whole list).
    let (a, b) =
        futures::join!(repo.dismiss_set_aside(id, &second), repo.dismiss_set_aside(id, &third));
    a.expect("dismiss");
    b.expect("dismiss");
    assert_eq!(repo.set_aside(id).await.expect("read"), vec![fourth.clone()]);
    repo.dismiss_set_aside(id, &fourth).await.expect("dismiss the last");
    assert!(repo.set_aside(id).await.expect("read").is_empty());
}

/// A tab that reloads another tab's rebuild (after a refused change) carries onto it what it
/// typed that the rebuild never saw (her last words reached the other tab too late, and the
/// rebuild replaced every stored chunk), stores it, and sets aside what the rules refuse her.
#[wasm_bindgen_test]
async fn a_tab_reloading_another_tabs_rebuild_keeps_what_it_typed_meanwhile() {
    use juntas_core::model::{history::Stamp, network::Role, plan};
    let name = fresh_name("carry");
    let repo = juntas::repo::Repo::open_database(&name).await.expect("open");
    let storage = IdbStorage::open(&name).await.expect("open");
    let stamp = |by: &str, at: i64| Stamp::new(by, 1_700_000_000_000 + at * 1000);
    let ana = juntas_core::rules::Who {
        member: "p1".into(),
        role: Role::Principal,
        centre: Some("c1".into()),
        commissions: ["k1".to_string()].into(),
    };
    let mut server = plan::skeleton(DocumentId::from_bytes([7; 16]), 2027)
        .with_actor(ActorId::from(vec![1; 16]));
    plan::assign(&mut server, "1.2", Some("k1"), &stamp("f1", 1)).unwrap();
    plan::splice(&mut server, "1.2", 0, 0, "Hola mundo", &stamp("f1", 2)).unwrap();
    // The other tab: a change the server refuses (only a facilitator assigns) and an allowed one.
    let mut other = server.fork().with_actor(ActorId::from(vec![2; 16]));
    plan::assign(&mut other, "1.1", Some("k2"), &stamp("p1", 10)).unwrap();
    plan::splice(&mut other, "1.2", 4, 0, " querido", &stamp("p1", 11)).unwrap();
    // This tab has them (the tabs sync) and types on: in 1.2, and in 1.3, no commission's.
    let id = DocumentId::derived(&["carry-test"]);
    let handle = repo.handle_or_empty(id).await.expect("handle");
    {
        let mut doc = handle.lock().await;
        doc.doc_mut().merge(&mut other).expect("merge");
        plan::splice(doc.doc_mut(), "1.2", 18, 0, " y más", &stamp("p1", 12)).unwrap();
        plan::splice(doc.doc_mut(), "1.3", 0, 0, "Mi idea", &stamp("p1", 13)).unwrap();
        repo.store(&mut doc).await.expect("store");
    }
    // The other tab rebuilds from its copy, and replaces every stored chunk with the rebuild.
    let rebuilt =
        juntas_core::set_aside::rebuild(&mut other, &mut server, &ana, ActorId::from(vec![3; 16]))
            .expect("rebuild");
    let mut stored = StoredDoc::load(&storage, id, ActorId::from(vec![4; 16]))
        .await
        .expect("load")
        .expect("some");
    stored.replace(&storage, rebuilt.doc).await.expect("replace");

    let seen = rebuilt.seen.clone();
    let carried = repo.reload_whole(id, move || Some(seen), |_| Some(ana.clone())).await;
    let carried = carried.expect("reload");
    assert_eq!(carried.remade, 1, "{carried:?}");
    let body = |d: &mut juntas_core::automerge::AutoCommit| plan::body(d, "1.2").unwrap();
    assert_eq!(repo.read(id, body).await.expect("read"), "Hola querido mundo y más");
    let again = StoredDoc::load(&storage, id, ActorId::from(vec![5; 16]))
        .await
        .expect("load")
        .expect("some");
    assert_eq!(plan::body(again.doc(), "1.2").unwrap(), "Hola querido mundo y más", "stored");
    assert_eq!(plan::body(again.doc(), "1.3").unwrap(), "", "refused her");
    let aside = repo.set_aside(id).await.expect("read");
    assert_eq!(aside.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(), ["Mi idea"]);
}

/// The note of what a document was rebuilt from keeps each actor's highest change over every
/// rebuild (a tab that slept through one still finds what it dropped), names the last
/// rebuild's dropped changes, and is put back as it was when a rebuild fails after noting.
#[wasm_bindgen_test]
fn a_rebuilds_note_keeps_every_actors_highest_change_and_is_put_back_on_failure() {
    use juntas::local::{rebuilt_from, restore_rebuilt_from, set_rebuilt_from};
    let id = fresh_name("note");
    let seen = |pairs: &[(&str, u64)]| -> juntas_core::set_aside::Seen {
        pairs.iter().map(|(a, n)| (a.to_string(), *n)).collect()
    };
    assert_eq!(rebuilt_from(&id), None);
    let before = set_rebuilt_from(&id, &seen(&[("a0", 7), ("b1", 3)]), vec!["h1".into()]);
    assert_eq!(before.expect("noted"), None);
    let first = rebuilt_from(&id).expect("read");
    assert_eq!(first.seen, seen(&[("a0", 7), ("b1", 3)]));
    assert_eq!(first.dropped, ["h1"]);
    // A second rebuild saw less of a0 and more of b1: the highest of each is kept.
    let before = set_rebuilt_from(&id, &seen(&[("a0", 2), ("b1", 9)]), vec!["h2".into()]);
    assert_eq!(before.expect("noted"), Some(first.clone()));
    let second = rebuilt_from(&id).expect("read");
    assert_eq!(second.seen, seen(&[("a0", 7), ("b1", 9)]));
    assert_eq!(second.dropped, ["h2"]);
    // That rebuild failed: the note is the first one's again.
    restore_rebuilt_from(&id, Some(first.clone())).expect("put back");
    assert_eq!(rebuilt_from(&id), Some(first));
    restore_rebuilt_from(&id, None).expect("put back");
    assert_eq!(rebuilt_from(&id), None);
}
