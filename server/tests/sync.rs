//! `/sync` against real peers: core's sans-IO session over a real WebSocket to the server's engine, the
//! access-key/session gate, the Origin allow-list, malformed input that closes only its own
//! connection, and a server killed with SIGKILL mid-sync that loses nothing.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use automerge::{AutoCommit, ROOT, ReadDoc, transaction::Transactable};
use futures::{SinkExt, StreamExt};
use juntas_core::DocumentId;
use juntas_core::sync::message::{Message, PeerId, StorageId};
use juntas_core::sync::{Config as SessionConfig, Incoming, Session};
use juntas_server::{Config, serve_on};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message as Ws, client::IntoClientRequest};

const KEY: &str = "test-access-key-0123456789";
const INDEX: &str = "<!doctype html><html><head></head><body></body></html>";

type WsStream = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

fn dist() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("index.html"), INDEX).unwrap();
    d
}

/// An in-process server on a free port; dropping the sender stops it.
async fn start(data: &Path, dist: &Path) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config {
        addr,
        data_dir: data.to_path_buf(),
        dist_dir: dist.to_path_buf(),
        access_key: Some(KEY.into()),
        allowed_origins: vec![],
        limits: Default::default(),
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        serve_on(listener, config, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (addr, tx)
}

/// A minimal HTTP/1.1 POST; returns (status, headers+body text).
async fn post(addr: SocketAddr, path: &str, body: &str, origin: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let origin = origin.map(|o| format!("Origin: {o}\r\n")).unwrap_or_default();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{origin}Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let status = out[9..12].parse().unwrap();
    (status, out)
}

async fn token(addr: SocketAddr) -> String {
    let (status, text) = post(addr, "/session", KEY, None).await;
    assert_eq!(status, 200, "{text}");
    let start = text.find("{\"token\":\"").unwrap() + 10;
    text[start..].split('"').next().unwrap().to_owned()
}

async fn connect(
    addr: SocketAddr,
    token: Option<&str>,
    origin: Option<&str>,
) -> Result<WsStream, tungstenite::Error> {
    let mut req = format!("ws://{addr}/sync").into_client_request().unwrap();
    if let Some(t) = token {
        req.headers_mut().insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req).await.map(|(ws, _)| ws)
}

/// A client built on core's session: one document, its persisted sync state, a socket.
struct Client {
    name: String,
    doc: AutoCommit,
    saved: Option<Vec<u8>>,
    session: Option<Session>,
    ws: Option<WsStream>,
}

impl Client {
    fn new(name: &str, doc: AutoCommit) -> Client {
        Client { name: name.into(), doc, saved: None, session: None, ws: None }
    }

    fn config(&self) -> SessionConfig {
        SessionConfig {
            peer_id: PeerId(format!("{}-peer", self.name)),
            storage_id: Some(StorageId(format!("{}-storage", self.name))),
            is_ephemeral: false,
        }
    }

    async fn connect(&mut self, addr: SocketAddr, token: &str, doc_id: DocumentId) {
        let mut ws = connect(addr, Some(token), None).await.expect("connect");
        let (mut session, join) = Session::dial(self.config());
        ws.send(Ws::Binary(join.into())).await.unwrap();
        let peer = next_binary(&mut ws).await.expect("peer message");
        let Incoming::Ready { remote, .. } = session.receive(&peer).unwrap() else {
            panic!("expected the handshake")
        };
        assert_eq!(remote, PeerId("juntas-server".into()));
        if let Some(first) = session.open_doc(doc_id, &mut self.doc, self.saved.as_deref()) {
            ws.send(Ws::Binary(first.into())).await.unwrap();
        }
        self.session = Some(session);
        self.ws = Some(ws);
    }

    /// Exchanges messages until `done` holds for this client, or panics after 10 s.
    async fn sync_until(&mut self, doc_id: DocumentId, done: impl Fn(&mut Client) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut now = 1;
        loop {
            if done(self) {
                return;
            }
            let ws = self.ws.as_mut().unwrap();
            let msg = tokio::time::timeout_at(deadline, next_binary(ws))
                .await
                .unwrap_or_else(|_| panic!("{}: sync did not finish in 10 s", self.name))
                .expect("connection stays open");
            let session = self.session.as_mut().unwrap();
            match session.receive(&msg).unwrap() {
                Incoming::Sync { document_id, message, .. } => {
                    now += 1;
                    let applied = session.apply(now, document_id, &mut self.doc, message).unwrap();
                    self.saved = session.sync_state(&doc_id);
                    if let Some(reply) = applied.reply {
                        ws.send(Ws::Binary(reply.into())).await.unwrap();
                    }
                }
                Incoming::Unavailable { .. } => {}
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    async fn push(&mut self, doc_id: DocumentId) {
        let session = self.session.as_mut().unwrap();
        if let Some(msg) = session.update(0, doc_id, &mut self.doc) {
            self.ws.as_mut().unwrap().send(Ws::Binary(msg.into())).await.unwrap();
        }
    }

    fn in_sync(&mut self, doc_id: DocumentId) -> bool {
        let session = self.session.as_ref().unwrap();
        session
            .status(&doc_id, &mut self.doc)
            .is_some_and(|s| s.pending == 0 && s.last_synced_at.is_some())
    }
}

async fn next_binary(ws: &mut WsStream) -> Option<Vec<u8>> {
    while let Some(frame) = ws.next().await {
        match frame {
            Ok(Ws::Binary(b)) => return Some(b.to_vec()),
            Ok(Ws::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
    None
}

fn new_doc_id(n: u8) -> DocumentId {
    DocumentId::from_bytes([n; 16])
}

fn doc_with(title: &str) -> AutoCommit {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "title", title).unwrap();
    doc.commit();
    doc
}

fn title(doc: &AutoCommit) -> Option<String> {
    doc.get(ROOT, "title").unwrap().and_then(|(v, _)| v.into_string().ok())
}

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

    let (status, _) = post(addr, "/session", "wrong-key-wrong-key", None).await;
    assert_eq!(status, 401);
    let (status, text) = post(addr, "/session", KEY, Some(&format!("http://{addr}"))).await;
    assert_eq!(status, 200);
    assert!(text.contains("juntas_session="), "a browser gets a cookie");
    assert!(text.contains("HttpOnly") && text.contains("SameSite=Strict"));
    let (status, _) = post(addr, "/session", KEY, Some("http://evil.example")).await;
    assert_eq!(status, 403);

    let expect_status = |r: Result<WsStream, tungstenite::Error>, code: u16| match r {
        Err(tungstenite::Error::Http(resp)) => assert_eq!(resp.status().as_u16(), code),
        Err(e) => panic!("expected HTTP {code}, got {e}"),
        Ok(_) => panic!("expected HTTP {code}, the upgrade succeeded"),
    };
    expect_status(connect(addr, None, None).await, 401);
    expect_status(connect(addr, Some("forged-token"), None).await, 401);
    let token = token(addr).await;
    expect_status(connect(addr, Some(&token), Some("http://evil.example")).await, 403);
    assert!(connect(addr, Some(&token), Some(&format!("http://{addr}"))).await.is_ok());
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
