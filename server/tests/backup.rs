//! Backup while a client keeps writing, then restore into a new data directory: every change
//! the server had acknowledged before the backup began is there, and every document opens.

mod common;

use std::time::Duration;

use automerge::{AutoCommit, ROOT, ReadDoc, transaction::Transactable};
use common::*;
use juntas_core::DocumentId;
use juntas_server::backup;

#[tokio::test]
async fn a_backup_taken_during_writes_restores_every_acknowledged_change() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) = start(data.path(), dist.path()).await;
    let key = token(addr).await;
    // A few documents, and one that keeps changing (and so gets compacted) during the backup.
    for n in 1..=5u8 {
        let id = DocumentId::from_bytes([n; 16]);
        let mut c = Client::new(&format!("c{n}"), doc_with(&format!("doc {n}")));
        c.connect(addr, &key, id).await;
        c.sync_until(id, |c| c.in_sync(id)).await;
    }
    let busy = DocumentId::from_bytes([9; 16]);
    let mut alice = Client::new("alice", doc_with("ocupado"));
    alice.connect(addr, &key, busy).await;
    let mut acknowledged = 0;
    for k in 0..200 {
        alice.doc.put(ROOT, format!("k{k}").as_str(), k as i64).unwrap();
        alice.doc.commit();
        alice.push(busy).await;
        alice.sync_until(busy, |c| c.in_sync(busy)).await;
        acknowledged = k + 1;
    }
    // Saved within the engine's coalescing window.
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The backup runs while 300 more edits arrive.
    let dest = tempfile::tempdir().unwrap();
    let (from, to) = (data.path().to_path_buf(), dest.path().join("copy"));
    let copying = tokio::task::spawn_blocking(move || backup::backup(&from, &to));
    for k in 200..500 {
        alice.doc.put(ROOT, format!("k{k}").as_str(), k as i64).unwrap();
        alice.doc.commit();
        alice.push(busy).await;
    }
    let report = copying.await.unwrap().expect("backup");
    // Five, the busy one, and the network they belong to.
    assert_eq!(report.documents, 7, "{report}");
    assert!(report.unreadable.is_empty(), "{report}");

    // Restore refuses a data directory in use, then fills a new one.
    assert!(matches!(
        backup::restore(&dest.path().join("copy"), data.path()),
        Err(backup::BackupError::NotEmpty(_))
    ));
    let restored = tempfile::tempdir().unwrap();
    let target = restored.path().join("data");
    let report = backup::restore(&dest.path().join("copy"), &target).expect("restore");
    assert_eq!(report.documents, 7);
    let (addr2, _stop2) = start(&target, dist.path()).await;
    // The members' devices come back with the documents: the same token works.
    let token2 = key.clone();
    let mut bea = Client::new("bea", AutoCommit::new());
    bea.connect(addr2, &token2, busy).await;
    bea.sync_until(busy, |c| title(&c.doc).as_deref() == Some("ocupado")).await;
    for k in 0..acknowledged {
        assert!(bea.doc.get(ROOT, format!("k{k}").as_str()).unwrap().is_some(), "k{k} lost");
    }
    for n in 1..=5u8 {
        let id = DocumentId::from_bytes([n; 16]);
        let mut c = Client::new("reader", AutoCommit::new());
        c.connect(addr2, &token2, id).await;
        let want = format!("doc {n}");
        c.sync_until(id, move |c| title(&c.doc).as_deref() == Some(want.as_str())).await;
    }
}
