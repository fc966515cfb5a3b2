//! `/sync` against real peers: core's sans-IO session over a real WebSocket to the server's engine, the
//! device-token/session gate, the Origin allow-list, malformed input that closes only its own
//! connection, and a server killed with SIGKILL mid-sync that loses nothing.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use automerge::{AutoCommit, ROOT, ReadDoc, transaction::Transactable};
use futures::SinkExt;
use juntas_core::sync::message::Message;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message as Ws, client::IntoClientRequest};

mod common;
use common::*;

#[tokio::test]
async fn a_document_uploaded_by_one_core_session_is_served_to_another() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) = start(data.path(), dist.path()).await;
    let token = token(addr).await;
    let id = new_doc_id(1);

    let mut alice = Client::new("alice", doc_with("Plan 2027"));
    alice.connect(addr, &token, id).await;
    alice.sync_until(id, |c| c.in_sync(id)).await;

    let mut bea = Client::new("bea", AutoCommit::new());
    bea.connect(addr, &token, id).await;
    bea.sync_until(id, |c| title(&c.doc).is_some()).await;
    assert_eq!(title(&bea.doc).as_deref(), Some("Plan 2027"));

    // An edit by bea reaches alice live through the server.
    bea.doc.put(ROOT, "title", "Plan 2027 (v2)").unwrap();
    bea.doc.commit();
    bea.push(id).await;
    // Bea keeps listening, as an app does: while her previous reply is unanswered automerge
    // holds the new change back and sends it with her answer to the server's next message.
    tokio::join!(
        bea.sync_until(id, |c| c.in_sync(id)),
        alice.sync_until(id, |c| title(&c.doc).as_deref() == Some("Plan 2027 (v2)")),
    );
}

#[tokio::test]
async fn the_session_gate_rejects_wrong_keys_missing_tokens_and_foreign_origins() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) = start(data.path(), dist.path()).await;
    let device = token(addr).await;

    // The operator's key is not a member's credential.
    let (status, _) = post(addr, "/session", KEY, None).await;
    assert_eq!(status, 401);
    let (status, _) = post(addr, "/session", "wrong-token", None).await;
    assert_eq!(status, 401);
    let (status, text) = post(addr, "/session", &device, Some(&format!("http://{addr}"))).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("juntas_session="), "a browser gets a cookie");
    assert!(text.contains("HttpOnly") && text.contains("SameSite=Strict"));
    assert!(text.contains(&net().to_string()), "it says which network the device is for");
    assert!(text.contains("\"claimed_at\":1"), "and when it was claimed: {text}");
    let (status, _) = post(addr, "/session", &device, Some("http://evil.example")).await;
    assert_eq!(status, 403);

    let expect_status = |r: Result<WsStream, tungstenite::Error>, code: u16| match r {
        Err(tungstenite::Error::Http(resp)) => assert_eq!(resp.status().as_u16(), code),
        Err(e) => panic!("expected HTTP {code}, got {e}"),
        Ok(_) => panic!("expected HTTP {code}, the upgrade succeeded"),
    };
    expect_status(connect(addr, None, None).await, 401);
    expect_status(connect(addr, Some("forged-token"), None).await, 401);
    expect_status(connect(addr, Some(KEY), None).await, 401);
    let token = device;
    expect_status(connect(addr, Some(&token), Some("http://evil.example")).await, 403);
    assert!(connect(addr, Some(&token), Some(&format!("http://{addr}"))).await.is_ok());

    // The answer names the cookie it set (a mark, not the cookie): a browser's WebSocket that
    // sends it back is taken with that cookie, and refused with another one (another tab's
    // `/session` replaced it since), so it asks for a new session rather than sync without
    // some of its networks.
    let mark =
        text.split("\"session\":\"").nth(1).and_then(|t| t.split('"').next()).expect("a mark");
    assert!(!mark.is_empty() && !text.contains(&format!("\"session\":\"{token}")));
    let marked = |mark: &str| {
        let mut req = format!("ws://{addr}/sync?s={mark}").into_client_request().unwrap();
        req.headers_mut().insert("cookie", format!("juntas_session={token}").parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    assert!(marked(mark).await.is_ok(), "the cookie the mark names");
    expect_status(marked("0123456789abcdef").await.map(|(ws, _)| ws), 401);
}

#[tokio::test]
async fn garbage_and_oversize_frames_close_only_their_connection() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, _stop) = start(data.path(), dist.path()).await;
    let token = token(addr).await;
    let id = new_doc_id(2);
    let mut alice = Client::new("alice", doc_with("uno"));
    alice.connect(addr, &token, id).await;
    alice.sync_until(id, |c| c.in_sync(id)).await;

    // Garbage CBOR: an error message, then the close.
    let mut bad = connect(addr, Some(&token), None).await.unwrap();
    bad.send(Ws::Binary(vec![0xff, 0x00, 0x13, 0x37].into())).await.unwrap();
    let reply = next_binary(&mut bad).await.expect("an error message before closing");
    match Message::decode(&reply).unwrap() {
        Message::Error { message } => assert!(message.contains("malformed"), "{message}"),
        other => panic!("expected error, got {other:?}"),
    }
    assert_eq!(next_binary(&mut bad).await, None, "then the connection closes");

    // A frame over the limit.
    let mut big = connect(addr, Some(&token), None).await.unwrap();
    let huge = vec![0u8; juntas_server::sync::MAX_MESSAGE_BYTES + 1];
    let _ = big.send(Ws::Binary(huge.into())).await;
    assert!(
        matches!(
            next_binary(&mut big).await.map(|b| Message::decode(&b)),
            None | Some(Ok(Message::Error { .. }))
        ),
        "closed (with an error message when the socket still can)"
    );

    // Alice's connection is unaffected: her next edit still syncs.
    alice.doc.put(ROOT, "title", "dos").unwrap();
    alice.doc.commit();
    alice.push(id).await;
    alice.sync_until(id, |c| c.in_sync(id)).await;
    let mut bea = Client::new("bea", AutoCommit::new());
    bea.connect(addr, &token, id).await;
    bea.sync_until(id, |c| title(&c.doc).as_deref() == Some("dos")).await;
}

fn server_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_juntas-server"))
}

fn spawn_server(data: &Path, dist: &Path, port: u16) -> std::process::Child {
    std::process::Command::new(server_binary())
        .args(["--port", &port.to_string(), "--data"])
        .arg(data)
        .arg("--dist")
        .arg(dist)
        .env("JUNTAS_ACCESS_KEY", KEY)
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("start juntas-server")
}

async fn wait_listening(addr: SocketAddr) {
    for _ in 0..200 {
        if TcpStream::connect(addr).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("server did not start on {addr}");
}

#[tokio::test]
async fn a_server_killed_mid_sync_restarts_and_clients_converge_with_nothing_lost() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut server = spawn_server(data.path(), dist.path(), port);
    wait_listening(addr).await;
    let token = token(addr).await;
    let id = new_doc_id(3);

    let mut alice = Client::new("alice", doc_with("antes"));
    alice.connect(addr, &token, id).await;
    alice.sync_until(id, |c| c.in_sync(id)).await;
    // 300 edits sent in a burst, and the server is killed while they are in flight.
    for n in 0..300 {
        alice.doc.put(ROOT, format!("k{n}").as_str(), n as i64).unwrap();
        alice.doc.commit();
        alice.push(id).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let mut server = spawn_server(data.path(), dist.path(), port);
    wait_listening(addr).await;
    // The token survives the restart (it is derived from the key, not kept in memory).
    alice.connect(addr, &token, id).await;
    alice.sync_until(id, |c| c.in_sync(id)).await;

    let mut bea = Client::new("bea", AutoCommit::new());
    bea.connect(addr, &token, id).await;
    let want = alice.doc.get_heads();
    bea.sync_until(id, move |c| c.doc.get_heads() == want).await;
    for n in 0..300 {
        assert!(bea.doc.get(ROOT, format!("k{n}").as_str()).unwrap().is_some(), "k{n} lost");
    }
    server.kill().unwrap();
    server.wait().unwrap();
}
