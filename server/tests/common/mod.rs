//! What the server's tests share: an in-process server, an HTTP POST, session tokens, and a
//! client built on core's session over a real WebSocket.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use automerge::{AutoCommit, ROOT, ReadDoc, transaction::Transactable};
use futures::{SinkExt, StreamExt};
use juntas_core::DocumentId;
use juntas_core::sync::message::{PeerId, StorageId};
use juntas_core::sync::{Config as SessionConfig, Incoming, Session};
use juntas_server::{Config, Limits, serve_on};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message as Ws, client::IntoClientRequest};

pub const KEY: &str = "test-access-key-0123456789";
pub const INDEX: &str = "<!doctype html><html><head></head><body></body></html>";

pub type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

pub fn dist() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("index.html"), INDEX).unwrap();
    d
}

/// An in-process server on a free port; dropping the sender stops it.
pub async fn start(data: &Path, dist: &Path) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    start_with(data, dist, Limits::default()).await
}

/// The same with chosen limits.
pub async fn start_with(
    data: &Path,
    dist: &Path,
    limits: Limits,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config {
        addr,
        data_dir: data.to_path_buf(),
        dist_dir: dist.to_path_buf(),
        access_key: Some(KEY.into()),
        allowed_origins: vec![],
        limits,
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
pub async fn post(addr: SocketAddr, path: &str, body: &str, origin: Option<&str>) -> (u16, String) {
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

/// A JSON request (`method` POST or DELETE) with an optional bearer token; returns (status,
/// body as JSON, or Null).
pub async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: serde_json::Value,
    bearer: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let body = body.to_string();
    let auth = bearer.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or(serde_json::Value::Null))
}

/// The test network every test document belongs to.
pub fn net() -> DocumentId {
    DocumentId::from_bytes([0xAA; 16])
}

/// The test network: f1 facilitates, p1 is the principal of c1 (in commission k1), s1 is
/// from the SLEP.
pub fn network_doc() -> AutoCommit {
    use juntas_core::model::network::{self, Commission, Member, Network, Role};
    let mut n = Network::new("Red de prueba", "SLEP", 1);
    let m = |name: &str, role, centre: Option<&str>| Member {
        name: name.into(),
        role,
        centre_id: centre.map(str::to_owned),
    };
    n.members.insert("f1".into(), m("Ignacio", Role::Facilitator, None));
    n.members.insert("p1".into(), m("Ana", Role::Principal, Some("c1")));
    n.members.insert("p2".into(), m("Bea", Role::Principal, Some("c2")));
    n.members.insert("s1".into(), m("Rodrigo", Role::SlepProfessional, None));
    n.commissions.insert(
        "k1".into(),
        Commission { name: "Protocolo".into(), members: [("p1".to_owned(), true)].into() },
    );
    let mut doc = AutoCommit::new();
    network::create(&mut doc, &n, 1).unwrap();
    doc.commit();
    doc
}

/// A one-time claim link's code, made with the operator's key.
pub async fn claim_code(addr: SocketAddr) -> String {
    let (status, body) =
        call(addr, "POST", "/api/claim-links", serde_json::json!({}), Some(KEY)).await;
    assert_eq!(status, 200, "{body}");
    body["path"].as_str().unwrap().split_once("reclamar=").unwrap().1.to_owned()
}

static FOUNDERS: std::sync::Mutex<Vec<(SocketAddr, String)>> = std::sync::Mutex::new(Vec::new());

/// A device token of `member` of the test network. The first call on a server claims the
/// network as f1 (with an operator's claim link) and uploads it; later calls are personal
/// invites made by that first device, redeemed.
pub async fn token_of(addr: SocketAddr, member: &str) -> String {
    let founder = FOUNDERS.lock().unwrap().iter().find(|(a, _)| *a == addr).map(|(_, t)| t.clone());
    let founder = match founder {
        Some(t) => t,
        None => {
            let code = claim_code(addr).await;
            let body = serde_json::json!({"code": code, "network": net().to_string(), "member": "f1", "device": "test"});
            let (status, body) = call(addr, "POST", "/api/claim", body, None).await;
            assert_eq!(status, 200, "{body}");
            let t = body["token"].as_str().unwrap().to_owned();
            let mut c = Client::new("founder", network_doc());
            c.connect(addr, &t, net()).await;
            c.sync_until(net(), |c| c.in_sync(net())).await;
            FOUNDERS.lock().unwrap().push((addr, t.clone()));
            if member == "f1" {
                return t;
            }
            t
        }
    };
    invite_and_redeem(addr, &founder, member).await
}

/// An invite made with `by`'s token for `member`, redeemed: the new device's token.
pub async fn invite_and_redeem(addr: SocketAddr, by: &str, member: &str) -> String {
    let body = serde_json::json!({"network": net().to_string(), "member": member});
    let (status, body) = call(addr, "POST", "/api/invites", body, Some(by)).await;
    assert_eq!(status, 200, "{body}");
    let code = body["path"].as_str().unwrap().split_once("invitacion=").unwrap().1.to_owned();
    let (status, body) = call(
        addr,
        "POST",
        "/api/redeem",
        serde_json::json!({"code": code, "device": "test"}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

/// A facilitator's device token on the test network.
pub async fn token(addr: SocketAddr) -> String {
    token_of(addr, "f1").await
}

/// An empty document of the test network that a facilitator may write anything into (a
/// common plan's root).
pub fn owned() -> AutoCommit {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "kind", juntas_core::model::plan::KIND).unwrap();
    doc.put(ROOT, "network_id", net().to_string()).unwrap();
    doc.commit();
    doc
}

pub async fn connect(
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
pub struct Client {
    pub name: String,
    pub doc: AutoCommit,
    pub saved: Option<Vec<u8>>,
    pub session: Option<Session>,
    pub ws: Option<WsStream>,
}

impl Client {
    pub fn new(name: &str, doc: AutoCommit) -> Client {
        Client { name: name.into(), doc, saved: None, session: None, ws: None }
    }

    pub fn config(&self) -> SessionConfig {
        SessionConfig {
            peer_id: PeerId(format!("{}-peer", self.name)),
            storage_id: Some(StorageId(format!("{}-storage", self.name))),
            is_ephemeral: false,
        }
    }

    pub async fn connect(&mut self, addr: SocketAddr, token: &str, doc_id: DocumentId) {
        let ws = connect(addr, Some(token), None).await.expect("connect");
        self.connect_over(ws, doc_id).await;
    }

    /// Joins over an open WebSocket and starts syncing `doc_id`.
    pub async fn connect_over(&mut self, mut ws: WsStream, doc_id: DocumentId) {
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
    pub async fn sync_until(&mut self, doc_id: DocumentId, done: impl Fn(&mut Client) -> bool) {
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

    pub async fn push(&mut self, doc_id: DocumentId) {
        let session = self.session.as_mut().unwrap();
        if let Some(msg) = session.update(0, doc_id, &mut self.doc) {
            self.ws.as_mut().unwrap().send(Ws::Binary(msg.into())).await.unwrap();
        }
    }

    pub fn in_sync(&mut self, doc_id: DocumentId) -> bool {
        let session = self.session.as_ref().unwrap();
        session
            .status(&doc_id, &mut self.doc)
            .is_some_and(|s| s.pending == 0 && s.last_synced_at.is_some())
    }
}

pub async fn next_binary(ws: &mut WsStream) -> Option<Vec<u8>> {
    while let Some(frame) = ws.next().await {
        match frame {
            Ok(Ws::Binary(b)) => return Some(b.to_vec()),
            Ok(Ws::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
    None
}

pub fn new_doc_id(n: u8) -> DocumentId {
    DocumentId::from_bytes([n; 16])
}

pub fn doc_with(title: &str) -> AutoCommit {
    let mut doc = owned();
    doc.put(ROOT, "title", title).unwrap();
    doc.commit();
    doc
}

pub fn title(doc: &AutoCommit) -> Option<String> {
    doc.get(ROOT, "title").unwrap().and_then(|(v, _)| v.into_string().ok())
}

/// A WebSocket to `/sync` opened from another loopback address (`127.0.0.x`), so caps per
/// client address can be told apart in one test.
pub async fn connect_from(source: [u8; 4], addr: SocketAddr, token: &str) -> WsStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((source, 0))).unwrap();
    let stream = socket.connect(addr).await.expect("tcp connect");
    let mut req = format!("ws://{addr}/sync").into_client_request().unwrap();
    req.headers_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
    tokio_tungstenite::client_async(req, stream).await.expect("upgrade").0
}

/// `GET path` over HTTP/1.1; returns (status, body).
pub async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// One value from `/metrics` (loopback may read it).
pub async fn metric(addr: SocketAddr, name: &str) -> u64 {
    let (status, body) = get(addr, "/metrics").await;
    assert_eq!(status, 200, "{body}");
    body.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("{name} not in /metrics:\n{body}"))
        .trim()
        .parse()
        .unwrap()
}
