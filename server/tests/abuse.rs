//! The server under abuse, from outside over real sockets (`cargo test -p juntas-server abuse`):
//! slow headers and silent WebSockets are closed within their timeouts, a flood of connections
//! is capped while a legitimate client still syncs, unknown ids keep nothing in memory, a
//! connection asking for too many documents or growing one past the cap gets an `error`
//! naming the limit, idle documents are evicted and come back on demand, and 10,000 stored
//! documents do not slow a new one down.

mod common;

use std::time::{Duration, Instant};

use automerge::{AutoCommit, ObjType, ROOT, transaction::Transactable};
use common::*;
use futures::{SinkExt, StreamExt};
use juntas_core::DocumentId;
use juntas_core::sync::message::{Message, PeerId};
use juntas_core::sync::{Incoming, Session};
use juntas_server::Limits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as Ws;

fn limits(f: impl FnOnce(&mut Limits)) -> Limits {
    let mut l = Limits::default();
    f(&mut l);
    l
}

/// Reads until the server closes the socket; returns how long that took.
async fn closed_within(s: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(limit, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("still open after {limit:?}"),
        }
    }
}

#[tokio::test]
async fn abuse_a_request_line_that_stalls_is_closed_at_the_header_timeout() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) =
        start_with(data.path(), dist.path(), limits(|l| l.header_read = Duration::from_secs(1)))
            .await;
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET / HT").await.unwrap();
        stalled.push(s);
    }
    for s in &mut stalled {
        let took = closed_within(s, Duration::from_secs(5)).await;
        assert!(took < Duration::from_secs(3), "closed after {took:?}");
    }
    // The server still answers.
    assert_eq!(get(addr, "/healthz").await.0, 200);
}

#[tokio::test]
async fn abuse_a_websocket_that_never_joins_is_closed_with_a_reason() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) =
        start_with(data.path(), dist.path(), limits(|l| l.sync.handshake = Duration::from_secs(1)))
            .await;
    let token = token(addr).await;
    let ws = connect(addr, Some(&token), None).await.unwrap();
    let started = Instant::now();
    // Pings every 300 ms do not stand in for the handshake (due 1 s after the upgrade).
    let (mut tx, mut rx) = ws.split();
    let mut ping = tokio::time::interval(Duration::from_millis(300));
    let error = loop {
        tokio::select! {
            frame = rx.next() => match frame {
                Some(Ok(Ws::Binary(b))) => break b.to_vec(),
                Some(Ok(_)) => {}
                other => panic!("closed without an error message: {other:?}"),
            },
            _ = ping.tick() => {
                let _ = tx.send(Ws::Ping(Vec::new().into())).await;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(5), "still open after 5 s");
    };
    let Message::Error { message } = Message::decode(&error).unwrap() else {
        panic!("expected an error message")
    };
    assert!(message.contains("no handshake"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(3), "closed after {:?}", started.elapsed());
    let mut ws = tx.reunite(rx).unwrap();
    assert!(next_binary(&mut ws).await.is_none(), "the socket closes after the error");
}

#[tokio::test]
async fn abuse_a_flood_of_connections_is_capped_and_a_legitimate_client_still_syncs() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) =
        start_with(data.path(), dist.path(), limits(|l| l.connections_per_address = 50)).await;
    let token = token(addr).await;
    // 1,000 idle connections from one address: 50 are held, the rest are closed at once.
    let mut flood = Vec::new();
    for _ in 0..1000 {
        flood.push(TcpStream::connect(addr).await.unwrap());
    }
    let mut refused = 0;
    for s in flood.iter_mut().skip(50) {
        let mut buf = [0u8; 1];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await
        {
            refused += 1;
        }
    }
    assert!(refused >= 900, "only {refused} of 950 connections beyond the cap were closed");
    // Someone else (another address) syncs while the flood holds its 50.
    let id = DocumentId::from_bytes([7; 16]);
    let mut alice = Client::new("alice", doc_with("durante"));
    let ws = connect_from([127, 0, 0, 2], addr, &token).await;
    alice.connect_over(ws, id).await;
    alice.sync_until(id, |c| c.in_sync(id)).await;
    let mut bea = Client::new("bea", AutoCommit::new());
    let ws = connect_from([127, 0, 0, 3], addr, &token).await;
    bea.connect_over(ws, id).await;
    bea.sync_until(id, |c| title(&c.doc).as_deref() == Some("durante")).await;
    drop(flood);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(metric(addr, "juntas_refusals_total{reason=\"connections_per_address\"}").await >= 900);
}

/// Sends `request` messages for `ids` and waits for every answer.
async fn request_unknown(ws: &mut WsStream, session: &mut Session, ids: &[DocumentId]) -> usize {
    let mut total = 0;
    for batch in ids.chunks(100) {
        let answered = request_batch(ws, session, batch).await;
        total += answered;
        if answered < batch.len() {
            break;
        }
    }
    total
}

/// Requests `ids` and reads until each is answered (or the socket closes).
async fn request_batch(ws: &mut WsStream, session: &mut Session, ids: &[DocumentId]) -> usize {
    for id in ids {
        let mut empty = AutoCommit::new();
        if let Some(msg) = session.open_doc(*id, &mut empty, None) {
            ws.send(Ws::Binary(msg.into())).await.unwrap();
        }
    }
    let mut unavailable = 0;
    while unavailable < ids.len() {
        let Some(bytes) = tokio::time::timeout(Duration::from_secs(10), next_binary(ws))
            .await
            .expect("answers in time")
        else {
            break;
        };
        if let Ok(Incoming::Unavailable { .. }) = session.receive(&bytes) {
            unavailable += 1;
        }
    }
    unavailable
}

async fn joined(ws: &mut WsStream, name: &str) -> Session {
    let (mut session, join) = Session::dial(juntas_core::sync::Config {
        peer_id: PeerId(name.into()),
        storage_id: None,
        is_ephemeral: true,
    });
    ws.send(Ws::Binary(join.into())).await.unwrap();
    let peer = next_binary(ws).await.unwrap();
    assert!(matches!(session.receive(&peer).unwrap(), Incoming::Ready { .. }));
    session
}

fn random_ids(n: usize, seed: u8) -> Vec<DocumentId> {
    (0..n)
        .map(|i| {
            let mut b = [seed; 16];
            b[..8].copy_from_slice(&(i as u64).to_le_bytes());
            DocumentId::from_bytes(b)
        })
        .collect()
}

#[tokio::test]
async fn abuse_requests_for_unknown_ids_keep_no_documents_in_memory() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) =
        start_with(data.path(), dist.path(), limits(|l| l.engine.max_docs_per_minute = 5000)).await;
    let token = token(addr).await;
    let mut ws = connect(addr, Some(&token), None).await.unwrap();
    let mut session = joined(&mut ws, "prober").await;
    let ids = random_ids(4000, 9);
    assert_eq!(request_unknown(&mut ws, &mut session, &ids).await, 4000);
    wait_docs(addr, 0).await;
    // Nothing was written for them either.
    // Besides the server's own id and the test network's document.
    let net = net().to_string();
    let stored = walk_count(&data.path().join("docs"))
        - walk_count(&data.path().join("docs").join(&net[..2]).join(&net[2..]));
    assert!(stored <= 1, "{stored} files stored for unknown ids");
}

fn walk_count(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten().map(|e| if e.path().is_dir() { walk_count(&e.path()) } else { 1 }).sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn abuse_a_connection_asking_for_too_many_documents_is_closed_with_the_limit() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) =
        start_with(data.path(), dist.path(), limits(|l| l.engine.max_docs_per_minute = 100)).await;
    let token = token(addr).await;
    let mut ws = connect(addr, Some(&token), None).await.unwrap();
    let mut session = joined(&mut ws, "greedy").await;
    let answered = request_unknown(&mut ws, &mut session, &random_ids(150, 3)).await;
    assert_eq!(answered, 100, "the first 100 are answered");
    // The error arrived (the session saw it as the remote error) and the socket closed.
    assert!(next_binary(&mut ws).await.is_none());
    assert_eq!(
        metric(addr, "juntas_refusals_total{reason=\"documents_per_minute\"}").await,
        1,
        "refused once, not per frame"
    );
    // Another client is unaffected.
    let id = DocumentId::from_bytes([4; 16]);
    let mut alice = Client::new("alice", doc_with("sigue"));
    alice.connect(addr, &token, id).await;
    alice.sync_until(id, |c| c.in_sync(id)).await;
}

#[tokio::test]
async fn abuse_a_document_past_the_operation_cap_is_refused_with_a_clear_error() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) =
        start_with(data.path(), dist.path(), limits(|l| l.engine.max_doc_ops = 1000)).await;
    let token = token(addr).await;
    // Under the cap: fine.
    let small = DocumentId::from_bytes([5; 16]);
    let mut alice = Client::new("alice", doc_with("pequeño"));
    alice.connect(addr, &token, small).await;
    alice.sync_until(small, |c| c.in_sync(small)).await;
    // 2,000 characters of text are 2,000 operations.
    let big = DocumentId::from_bytes([6; 16]);
    let mut doc = owned();
    let text = doc.put_object(ROOT, "text", ObjType::Text).unwrap();
    doc.splice_text(&text, 0, 0, &"a".repeat(2000)).unwrap();
    doc.commit();
    let mut mallory = Client::new("mallory", doc);
    mallory.connect(addr, &token, big).await;
    let mut error = None;
    let ws = mallory.ws.as_mut().unwrap();
    let session = mallory.session.as_mut().unwrap();
    while let Some(bytes) = tokio::time::timeout(Duration::from_secs(10), next_binary(ws))
        .await
        .expect("an answer in time")
    {
        match session.receive(&bytes) {
            Ok(Incoming::RemoteError { message }) => {
                error = Some(message);
                break;
            }
            Ok(Incoming::Sync { document_id, message, .. }) => {
                let applied = session.apply(1, document_id, &mut mallory.doc, message).unwrap();
                if let Some(reply) = applied.reply {
                    ws.send(Ws::Binary(reply.into())).await.unwrap();
                }
            }
            _ => {}
        }
    }
    let error = error.expect("an error message");
    assert!(error.contains("limit of 1000 operations"), "{error}");
    // The refused document was not kept, and Alice's still syncs.
    let mut bea = Client::new("bea", AutoCommit::new());
    bea.connect(addr, &token, big).await;
    let ws = bea.ws.as_mut().unwrap();
    let mut unavailable = false;
    while let Some(bytes) =
        tokio::time::timeout(Duration::from_secs(5), next_binary(ws)).await.unwrap()
    {
        if let Ok(Incoming::Unavailable { .. }) = bea.session.as_mut().unwrap().receive(&bytes) {
            unavailable = true;
            break;
        }
    }
    assert!(unavailable, "the refused document is not served");
    alice.doc.put(ROOT, "title", "sigue").unwrap();
    alice.doc.commit();
    alice.push(small).await;
    alice.sync_until(small, |c| c.in_sync(small)).await;
}

#[tokio::test]
async fn abuse_an_idle_document_is_evicted_and_reloaded_on_demand() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) = start_with(
        data.path(),
        dist.path(),
        limits(|l| l.engine.evict_after = Duration::from_millis(500)),
    )
    .await;
    let token = token(addr).await;
    let id = DocumentId::from_bytes([8; 16]);
    let mut doc = doc_with("guardado");
    let text = doc.put_object(ROOT, "text", ObjType::Text).unwrap();
    doc.splice_text(&text, 0, 0, &"x".repeat(200_000)).unwrap();
    doc.commit();
    let mut alice = Client::new("alice", doc);
    alice.connect(addr, &token, id).await;
    alice.sync_until(id, |c| c.in_sync(id)).await;
    wait_docs(addr, 1).await;
    alice.ws.take().unwrap().close(None).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while docs_in_memory(addr).await != 0 {
        assert!(Instant::now() < deadline, "not evicted 5 s after its last client left");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut bea = Client::new("bea", AutoCommit::new());
    bea.connect(addr, &token, id).await;
    let want = alice.doc.get_heads();
    bea.sync_until(id, move |c| c.doc.get_heads() == want).await;
    assert_eq!(title(&bea.doc).as_deref(), Some("guardado"));
    wait_docs(addr, 1).await;
}

/// Documents in memory besides the test network's own document, which the server loads to
/// check who may read and write (and evicts like any other once unused).
async fn docs_in_memory(addr: std::net::SocketAddr) -> u64 {
    let all = metric(addr, "juntas_documents_in_memory").await;
    all.saturating_sub(metric(addr, "juntas_networks_in_memory").await)
}

/// Waits (up to 5 s) until [`docs_in_memory`] reads `value`.
async fn wait_docs(addr: std::net::SocketAddr, value: u64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = docs_in_memory(addr).await;
        if now == value {
            return;
        }
        assert!(Instant::now() < deadline, "documents in memory: {now}, expected {value}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (up to 5 s) until a gauge reads `value`: the engine updates its gauges after it has
/// answered, so a client can be a moment ahead of them.
async fn wait_metric(addr: std::net::SocketAddr, name: &str, value: u64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = metric(addr, name).await;
        if now == value {
            return;
        }
        assert!(Instant::now() < deadline, "{name} is {now}, expected {value}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Writes `n` small documents straight into a data directory, as the server stores them.
fn fill(data: &std::path::Path, n: usize) -> Vec<DocumentId> {
    let mut ids = Vec::with_capacity(n);
    for (i, id) in random_ids(n, 1).into_iter().enumerate() {
        let mut doc = owned();
        doc.put(ROOT, "n", i as i64).unwrap();
        let bytes = doc.save();
        let s = id.to_string();
        let dir = data.join("docs").join(&s[..2]).join(&s[2..]).join("snapshot");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{i:064x}")), bytes).unwrap();
        ids.push(id);
    }
    ids
}

#[tokio::test]
async fn abuse_with_10000_documents_on_disk_and_2000_loaded_a_new_document_still_syncs_fast() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let ids = fill(data.path(), 10_000);
    let (addr, _stop) = start(data.path(), dist.path()).await;
    let token = token(addr).await;
    // One client loads 2,000 of them (samod slowed down with every loaded document).
    let mut ws = connect(addr, Some(&token), None).await.unwrap();
    let mut session = joined(&mut ws, "loader").await;
    for id in &ids[..2000] {
        let mut empty = AutoCommit::new();
        if let Some(msg) = session.open_doc(*id, &mut empty, None) {
            ws.send(Ws::Binary(msg.into())).await.unwrap();
        }
    }
    let mut answered = 0;
    while answered < 2000 {
        let bytes = next_binary(&mut ws).await.expect("open");
        if let Ok(Incoming::Sync { .. }) = session.receive(&bytes) {
            answered += 1;
        }
    }
    wait_docs(addr, 2000).await;
    // A new document: upload by one client, read by another.
    let id = DocumentId::from_bytes([2; 16]);
    let started = Instant::now();
    let mut alice = Client::new("alice", doc_with("nuevo"));
    alice.connect(addr, &token, id).await;
    alice.sync_until(id, |c| c.in_sync(id)).await;
    let mut bea = Client::new("bea", AutoCommit::new());
    bea.connect(addr, &token, id).await;
    bea.sync_until(id, |c| title(&c.doc).as_deref() == Some("nuevo")).await;
    let took = started.elapsed();
    // Generous for a loaded CI machine; the bench reports the real figure (a few ms).
    assert!(took < Duration::from_millis(500), "a new document took {took:?}");
}

#[tokio::test]
async fn operations_health_metrics_and_robots() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) = start(data.path(), dist.path()).await;
    assert_eq!(get(addr, "/healthz").await, (200, "ok\n".to_owned()));
    let (status, robots) = get(addr, "/robots.txt").await;
    assert_eq!((status, robots.as_str()), (200, "User-agent: *\nDisallow: /\n"));
    assert_eq!(metric(addr, "juntas_sync_connections").await, 0);
    // Storage that cannot be written makes the server unhealthy, and says why.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if !is_root() {
            std::fs::set_permissions(data.path(), std::fs::Permissions::from_mode(0o500)).unwrap();
            let (status, body) = get(addr, "/healthz").await;
            std::fs::set_permissions(data.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
            assert_eq!(status, 503);
            assert!(body.contains("storage not writable"), "{body}");
        }
    }
}

#[cfg(unix)]
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[tokio::test]
async fn abuse_a_joined_socket_that_stops_answering_pings_is_closed_as_idle() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) = start_with(
        data.path(),
        dist.path(),
        limits(|l| {
            l.sync.idle = Duration::from_secs(1);
            l.sync.ping_every = Duration::from_millis(300);
        }),
    )
    .await;
    let token = token(addr).await;
    let mut ws = connect(addr, Some(&token), None).await.unwrap();
    let _session = joined(&mut ws, "silent").await;
    // Not reading means not answering the server's pings either.
    wait_metric(addr, "juntas_sync_connections", 1).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    wait_metric(addr, "juntas_sync_connections", 0).await;
    // (The `error` it was sent may be lost behind the pongs this client owes; the handshake
    // test reads the reason.)
    let closed = tokio::time::timeout(Duration::from_secs(2), async {
        while next_binary(&mut ws).await.is_some() {}
    })
    .await;
    assert!(closed.is_ok(), "the client sees the close");
}

/// A `juntas-server` process (its memory is its own), with extra flags.
struct Process {
    child: std::process::Child,
    addr: std::net::SocketAddr,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    async fn start(data: &std::path::Path, dist: &std::path::Path, flags: &[&str]) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_juntas-server"))
            .args(["--port", &port.to_string(), "--data"])
            .arg(data)
            .arg("--dist")
            .arg(dist)
            .args(flags)
            .env("JUNTAS_ACCESS_KEY", KEY)
            .env("RUST_LOG", "error")
            .spawn()
            .expect("start juntas-server");
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        // Owned before waiting, so a failed start still kills and reaps it (Drop).
        let process = Process { child, addr };
        for _ in 0..200 {
            if TcpStream::connect(addr).await.is_ok() {
                return process;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("juntas-server did not start");
    }

    /// Resident memory in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    }

    async fn evicted(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while docs_in_memory(self.addr).await != 0 {
            assert!(Instant::now() < deadline, "documents still in memory after 10 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test]
async fn abuse_a_2_mb_field_costs_memory_in_proportion_and_is_freed_after_eviction() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let server = Process::start(data.path(), dist.path(), &["--evict-after", "1"]).await;
    let token = token(server.addr).await;
    // Warm up: one ordinary document synced and evicted.
    let warm = DocumentId::from_bytes([1; 16]);
    let mut c = Client::new("warm", doc_with("hola"));
    c.connect(server.addr, &token, warm).await;
    c.sync_until(warm, |c| c.in_sync(warm)).await;
    drop(c);
    server.evicted().await;
    let before = server.rss_kib();

    // Five 2 MiB documents one after the other, each read by a second client, then left and
    // evicted: each costs memory in proportion while in use, and none stays (the allocator
    // may keep pages for reuse, so what is measured is that rounds do not add up).
    let mut after_round = Vec::new();
    // The least one round grew the server while its document was in use.
    let mut in_use = u64::MAX;
    for round in 0..5u8 {
        let id = DocumentId::from_bytes([10 + round; 16]);
        let mut doc = owned();
        doc.put(ROOT, "title", "a".repeat(2 * 1024 * 1024)).unwrap();
        doc.commit();
        let mut alice = Client::new("alice", doc);
        alice.connect(server.addr, &token, id).await;
        alice.sync_until(id, |c| c.in_sync(id)).await;
        let mut bea = Client::new("bea", AutoCommit::new());
        bea.connect(server.addr, &token, id).await;
        bea.sync_until(id, |c| title(&c.doc).is_some_and(|t| t.len() == 2 * 1024 * 1024)).await;
        let loaded = server.rss_kib();
        in_use = in_use.min(loaded.saturating_sub(before));
        // What this round cost, from where the last one left the server (the allocator may
        // keep a round's pages: measured from the very start, two rounds would add up).
        let round_start = after_round.last().copied().unwrap_or(before);
        let grew = loaded.saturating_sub(round_start);
        println!("round {round}: 2 MiB field in memory, RSS {round_start} KiB → {loaded} KiB");
        assert!(grew < 16 * 1024, "a 2 MiB field grew the server by {grew} KiB (> 8× its size)");
        drop(alice);
        drop(bea);
        server.evicted().await;
        after_round.push(server.rss_kib());
    }
    println!("RSS after each eviction: {after_round:?} KiB");
    // Kept, each round would add what one costs in use (≈ 10–13 MiB, measured above): after
    // the fifth, five times that above where the server started. The allocator may keep the
    // pages of a round (or two, fragmented) for reuse, and glibc returns them on some rounds and
    // not others, so neither the order nor the spread of the rounds is fixed (CI saw
    // [15800, 24060, 25132, 27296, 24808] KiB from 15260). What is bounded is the height: no
    // round leaves the server two documents' worth above where it started.
    let high = *after_round.iter().max().unwrap();
    assert!(
        high < before + 2 * in_use,
        "after an eviction RSS was {high} KiB, {} KiB above the start ({before} KiB): more than two \
         documents in use ({in_use} KiB each) stay — the rounds add up",
        high - before
    );
}

#[tokio::test]
async fn abuse_4000_unknown_ids_leave_memory_where_it_was() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let server = Process::start(data.path(), dist.path(), &["--max-docs-per-minute", "5000"]).await;
    let token = token(server.addr).await;
    // Warm up with a few requests first, so allocator start-up is not counted.
    let mut ws = connect(server.addr, Some(&token), None).await.unwrap();
    let mut session = joined(&mut ws, "warm").await;
    assert_eq!(request_unknown(&mut ws, &mut session, &random_ids(200, 1)).await, 200);
    drop(ws);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = server.rss_kib();
    // Three clients in turn, 4,000 different unknown ids each.
    let mut after = Vec::new();
    for round in 0..3u8 {
        let mut ws = connect(server.addr, Some(&token), None).await.unwrap();
        let mut session = joined(&mut ws, "prober").await;
        assert_eq!(
            request_unknown(&mut ws, &mut session, &random_ids(4000, 2 + round)).await,
            4000
        );
        drop(ws);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(docs_in_memory(server.addr).await, 0);
        after.push(server.rss_kib());
    }
    println!("4,000 unknown ids × 3 clients: RSS {before} KiB → {after:?} KiB");
    // The stated bounds: under 1 KiB per id while asked (samod kept ≈ 11.5 KiB per id, for
    // good), and nothing that adds up once the asking client has left.
    assert!(after[0] < before + 4000, "RSS grew by {} KiB", after[0].saturating_sub(before));
    assert!(
        after[2] < after[0] + 1024,
        "12,000 ids kept {} KiB",
        after[2].saturating_sub(after[0])
    );
}

#[tokio::test]
async fn a_save_that_fails_is_retried_and_health_says_so_meanwhile() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) = start(data.path(), dist.path()).await;
    let token = token(addr).await;
    let id = DocumentId::from_bytes([11; 16]);
    // A file where the documents' directory must be: every save fails (also as root).
    let docs = data.path().join("docs");
    let aside = data.path().join("docs-aside");
    std::fs::rename(&docs, &aside).unwrap();
    std::fs::write(&docs, b"not a directory").unwrap();
    let mut alice = Client::new("alice", doc_with("guardar"));
    alice.connect(addr, &token, id).await;
    alice.sync_until(id, |c| c.in_sync(id)).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, body) = get(addr, "/healthz").await;
        if status == 503 {
            assert!(body.contains("the last document save failed"), "{body}");
            break;
        }
        assert!(Instant::now() < deadline, "healthz never reported the failed save");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Storage comes back: the change is saved without anyone sending it again.
    std::fs::remove_file(&docs).unwrap();
    std::fs::rename(&aside, &docs).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while get(addr, "/healthz").await.0 != 200 {
        assert!(Instant::now() < deadline, "the save was not retried");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let s = id.to_string();
    assert!(walk_count(&docs.join(&s[..2]).join(&s[2..])) > 0, "the document is on disk");
}
