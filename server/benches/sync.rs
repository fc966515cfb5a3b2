//! `cargo xtask bench sync`: juntas-server, the previous build when one is given (e.g. the samod
//! engine), and the JS automerge-repo sync server side by side under the same load, driven by
//! the same client (core's session over a WebSocket).
//!
//! 0. Documents on disk: N small documents stored (written in the nodefs layout every server
//!    here reads), then one new document uploaded by one client and read by another; then the
//!    same after one client loaded 2,000 of the stored documents. Goal: flat in N.
//! 1. Typists: N clients on one shared document, each committing an edit every
//!    [`EDIT_EVERY_MS`] ms (a typing burst coalesced into commits; `JUNTAS_BENCH_COMMIT_MS`). Each edit stores the time it was
//!    made; every other client that receives it records the remote latency. Reported: p50 /
//!    p95 latency, edits/s made and deliveries/s observed, the server's peak RSS.
//! 2. Reconnect: A and B share a document; A goes offline and both make 500 edits; A comes
//!    back with its persisted sync state (and, for comparison, without it). Reported: bytes
//!    both ways and the messages A sent (round trips) until both have everything.
//!
//! A round whose clients cannot even get the document in time is reported as saturated; it
//! does not stop the run.
//!
//! Environment: `JUNTAS_BENCH_SERVER_BIN` (the built juntas-server), `JUNTAS_BENCH_JS` (the
//! JS server script), optional `JUNTAS_BENCH_BASELINE_BIN` (another juntas-server build to
//! compare), `JUNTAS_BENCH_SECONDS` (default 8), `JUNTAS_BENCH_TYPISTS` (default
//! "16,32,50,64"), `JUNTAS_BENCH_COMMIT_MS` (default 1000) and `JUNTAS_BENCH_DISK` (default
//! "10,1000,10000").

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use automerge::{AutoCommit, ROOT, ReadDoc, ScalarValue, Value, transaction::Transactable};
use futures::{SinkExt, StreamExt};
use juntas_core::DocumentId;
use juntas_core::sync::message::{PeerId, StorageId};
use juntas_core::sync::{Config, Incoming, Session};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{Message as Ws, client::IntoClientRequest};

const KEY: &str = "bench-access-key-0123456789";
/// How often each typist commits, unless `JUNTAS_BENCH_COMMIT_MS` says otherwise.
const EDIT_EVERY_MS: u64 = 1000;
const OFFLINE_EDITS: usize = 500;

type WsStream = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// A server under test, as a child process.
struct Server {
    name: String,
    child: Child,
    addr: SocketAddr,
    token: Option<String>,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Peak and current resident memory of the server process, in KiB.
    fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmHWM:"), field("VmRSS:"))
    }

    /// CPU time the server process has used so far (user + system), in seconds.
    fn cpu_seconds(&self) -> f64 {
        cpu_seconds(&self.child.id().to_string())
    }

    fn url(&self) -> String {
        if self.token.is_some() {
            format!("ws://{}/sync", self.addr)
        } else {
            format!("ws://{}/", self.addr)
        }
    }
}

/// CPU time process `pid` ("self" for this one) has used so far, user + system, in seconds.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may contain spaces): utime is the 12th, stime the 13th.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<i64> = rest.split_whitespace().filter_map(|v| v.parse().ok()).collect();
    // `state` (a letter) is skipped by the parse filter: utime/stime are f[10], f[11].
    f.get(10).zip(f.get(11)).map(|(u, s)| (u + s) as f64 / 100.0).unwrap_or(0.0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn wait_for_port(addr: SocketAddr) {
    for _ in 0..200 {
        if TcpStream::connect(addr).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing listens on {addr}");
}

async fn start_juntas(bin: &PathBuf, name: &str, data: tempfile::TempDir) -> Server {
    let dist = data.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html><title>bench</title>").unwrap();
    let port = free_port();
    let child = Command::new(bin)
        .args(["--port", &port.to_string(), "--data"])
        .arg(data.path().join("store"))
        .arg("--dist")
        .arg(&dist)
        .env("JUNTAS_ACCESS_KEY", KEY)
        // Documents nobody uses leave memory after 2 s (the default is 30), so the bench can
        // measure memory after eviction.
        .env("JUNTAS_EVICT_AFTER", "2")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_for_port(addr).await;
    let token = session_token(addr).await;
    Server { name: name.to_owned(), child, addr, token: Some(token), _data: data }
}

/// Where each server keeps documents under its data directory.
fn docs_dir(kind: Kind, data: &std::path::Path) -> PathBuf {
    match kind {
        Kind::Juntas => data.join("store").join("docs"),
        Kind::Js => data.to_path_buf(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Juntas,
    Js,
}

async fn start_js(script: &PathBuf, data: tempfile::TempDir) -> Server {
    let port = free_port();
    let child = Command::new("node")
        .arg(script)
        .arg(port.to_string())
        .arg(data.path())
        .stdout(Stdio::null())
        .spawn()
        .expect("node");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_for_port(addr).await;
    Server { name: "JS sync server".into(), child, addr, token: None, _data: data }
}

/// The network every bench document belongs to (juntas-server serves a document only to the
/// members of its network and judges every change by its role; the JS server ignores it).
fn bench_network() -> DocumentId {
    DocumentId::from_bytes([0xBE; 16])
}

/// An empty document of the bench network that a facilitator may write anything into (a
/// common plan's root): what every bench client writes.
fn owned() -> AutoCommit {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "kind", "juntas/plan-common").unwrap();
    doc.put(ROOT, "network_id", bench_network().to_string()).unwrap();
    doc.commit();
    doc
}

async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: &str,
) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let auth = auth.map(|a| format!("Authorization: Bearer {a}\r\n")).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

fn json_field(out: &str, field: &str) -> Option<String> {
    let key = format!("\"{field}\":\"");
    let start = out.find(&key)? + key.len();
    out[start..].split('"').next().map(str::to_owned)
}

/// A facilitator's device token on the bench network: the operator's claim link used, and the
/// network document uploaded. A build from before member accounts (a baseline) takes the
/// access key for a session token instead.
async fn session_token(addr: SocketAddr) -> String {
    let link = http(addr, "POST", "/api/claim-links", Some(KEY), "").await;
    let Some(path) = json_field(&link, "path") else {
        let out = http(addr, "POST", "/session", None, KEY).await;
        return json_field(&out, "token").expect("a session token");
    };
    let code = path.split("reclamar=").nth(1).unwrap().to_owned();
    let body = format!(
        "{{\"code\":\"{code}\",\"network\":\"{}\",\"member\":\"f1\",\"device\":\"bench\"}}",
        bench_network()
    );
    let out = http(addr, "POST", "/api/claim", None, &body).await;
    let token = json_field(&out, "token").unwrap_or_else(|| panic!("claim: {out}"));
    let mut net = AutoCommit::new();
    net.put(ROOT, "kind", "juntas/network").unwrap();
    net.put(ROOT, "schema_version", 1_u64).unwrap();
    net.put(ROOT, "name", "Red del benchmark").unwrap();
    net.put(ROOT, "slep", "SLEP").unwrap();
    net.put(ROOT, "created_at", 0_i64).unwrap();
    net.put(ROOT, "updated_at", 0_i64).unwrap();
    for key in ["centres", "commissions", "plans", "inquiries", "trees"] {
        net.put_object(ROOT, key, automerge::ObjType::Map).unwrap();
    }
    let members = net.put_object(ROOT, "members", automerge::ObjType::Map).unwrap();
    let f1 = net.put_object(&members, "f1", automerge::ObjType::Map).unwrap();
    net.put(&f1, "name", "Facilitación").unwrap();
    net.put(&f1, "role", "facilitador").unwrap();
    net.put(&f1, "centre_id", automerge::ScalarValue::Null).unwrap();
    net.commit();
    let url = format!("ws://{addr}/sync");
    let mut founder = Client::connect_to(&url, Some(&token), "founder", net).await;
    founder.open(bench_network(), None).await;
    assert!(
        founder.run_until(Duration::from_secs(20), |c| c.synced(bench_network())).await,
        "the bench network reached the server"
    );
    token
}

/// One client: core's session over a WebSocket, counting what it sends and receives.
struct Client {
    doc: AutoCommit,
    session: Session,
    ws: WsStream,
    sent: (usize, usize),
    received: (usize, usize),
}

impl Client {
    async fn connect(server: &Server, name: &str, doc: AutoCommit) -> Client {
        Client::connect_to(&server.url(), server.token.as_deref(), name, doc).await
    }

    async fn connect_to(url: &str, token: Option<&str>, name: &str, doc: AutoCommit) -> Client {
        let mut req = url.into_client_request().unwrap();
        if let Some(t) = token {
            req.headers_mut().insert("authorization", format!("Bearer {t}").parse().unwrap());
        }
        let (ws, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
        let (session, join) = Session::dial(Config {
            peer_id: PeerId(format!("{name}-{}", std::process::id())),
            storage_id: Some(StorageId(format!("{name}-storage"))),
            is_ephemeral: false,
        });
        let mut c = Client { doc, session, ws, sent: (0, 0), received: (0, 0) };
        c.send(join).await;
        loop {
            let msg = c.next().await.expect("peer message");
            if let Ok(Incoming::Ready { .. }) = c.session.receive(&msg) {
                return c;
            }
        }
    }

    async fn send(&mut self, bytes: Vec<u8>) {
        self.sent.0 += 1;
        self.sent.1 += bytes.len();
        self.ws.send(Ws::Binary(bytes.into())).await.expect("send");
    }

    async fn next(&mut self) -> Option<Vec<u8>> {
        while let Some(frame) = self.ws.next().await {
            match frame {
                Ok(Ws::Binary(b)) => {
                    self.received.0 += 1;
                    self.received.1 += b.len();
                    return Some(b.to_vec());
                }
                Ok(Ws::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
        None
    }

    async fn open(&mut self, id: DocumentId, saved: Option<&[u8]>) {
        if let Some(m) = self.session.open_doc(id, &mut self.doc, saved) {
            self.send(m).await;
        }
    }

    /// Handles one incoming message; whether the document changed.
    async fn handle(&mut self, msg: &[u8], now: u64) -> bool {
        match self.session.receive(msg) {
            Ok(Incoming::Sync { document_id, message, .. }) => {
                let applied =
                    self.session.apply(now, document_id, &mut self.doc, message).expect("apply");
                if let Some(r) = applied.reply {
                    self.send(r).await;
                }
                applied.changed
            }
            _ => false,
        }
    }

    async fn push(&mut self, id: DocumentId, now: u64) {
        if let Some(m) = self.session.update(now, id, &mut self.doc) {
            self.send(m).await;
        }
    }

    /// Exchanges messages until `done`, or gives up after `limit`.
    async fn run_until(&mut self, limit: Duration, done: impl Fn(&mut Client) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while !done(self) {
            match tokio::time::timeout_at(deadline, self.next()).await {
                Ok(Some(msg)) => {
                    self.handle(&msg, 0).await;
                }
                _ => return false,
            }
        }
        true
    }

    fn synced(&mut self, id: DocumentId) -> bool {
        self.session
            .status(&id, &mut self.doc)
            .is_some_and(|s| s.pending == 0 && s.last_synced_at.is_some())
    }
}

fn int(doc: &AutoCommit, key: &str) -> Option<i64> {
    match doc.get(ROOT, key).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Int(i) => Some(*i),
            _ => None,
        },
        _ => None,
    }
}

struct Load {
    /// Some client could not get the document within a minute.
    saturated: bool,
    typists: usize,
    p50_ms: f64,
    p95_ms: f64,
    edits_per_s: f64,
    deliveries_per_s: f64,
    peak_rss_kib: u64,
    /// Share of one core the server used during the run.
    server_cpu: f64,
    /// Share of one core the load generator (all typists, this process) used.
    clients_cpu: f64,
}

/// N typists on one new document for `seconds`.
async fn typists(server: &Server, n: usize, seconds: u64, round: u8) -> Load {
    let id = DocumentId::from_bytes([round; 16]);
    let mut seed = owned();
    seed.put(ROOT, "title", "plan").unwrap();
    seed.commit();
    let mut owner = Client::connect(server, "owner", seed).await;
    owner.open(id, None).await;
    let mut saturated = !owner.run_until(Duration::from_secs(20), |c| c.synced(id)).await;

    let base = Instant::now();
    let cpu_before = server.cpu_seconds();
    let clients_before = cpu_seconds("self");
    let window = Duration::from_secs(seconds);
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::new();
    for i in 0..n {
        let mut c = Client::connect(server, &format!("typist{i}"), AutoCommit::new()).await;
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            c.open(id, None).await;
            let got = c
                .run_until(Duration::from_secs(60), |c| {
                    c.doc.get(ROOT, "title").ok().flatten().is_some()
                })
                .await;
            barrier.wait().await;
            if !got {
                return (Vec::new(), 0, true);
            }
            let start = tokio::time::Instant::now();
            let end = start + window;
            let offset = edit_every().mul_f64(i as f64 / n as f64);
            let mut tick = tokio::time::interval_at(start + offset, edit_every());
            let mut last_seen = vec![0i64; n];
            let (mut latencies, mut edits) = (Vec::new(), 0usize);
            let key = format!("t{i}");
            loop {
                tokio::select! {
                    _ = tick.tick(), if tokio::time::Instant::now() < end => {
                        let t = base.elapsed().as_micros() as i64;
                        c.doc.put(ROOT, key.as_str(), t).unwrap();
                        c.doc.commit();
                        edits += 1;
                        c.push(id, 0).await;
                    }
                    msg = c.next() => {
                        let Some(msg) = msg else { break };
                        if c.handle(&msg, 0).await {
                            let now = base.elapsed().as_micros() as i64;
                            for (j, seen) in last_seen.iter_mut().enumerate() {
                                if j == i { continue; }
                                if let Some(t) = int(&c.doc, &format!("t{j}")) && t > *seen {
                                    *seen = t;
                                    if now < (end - start).as_micros() as i64 + t {
                                        latencies.push(now - t);
                                    }
                                }
                            }
                        }
                    }
                    _ = tokio::time::sleep_until(end + Duration::from_secs(2)) => break,
                }
            }
            (latencies, edits, false)
        }));
    }
    let mut all = Vec::new();
    let mut edits = 0;
    for t in tasks {
        let (l, e, stuck) = t.await.unwrap();
        all.extend(l);
        edits += e;
        saturated |= stuck;
    }
    all.sort_unstable();
    let pct = |p: f64| {
        if all.is_empty() {
            f64::NAN
        } else {
            all[((all.len() - 1) as f64 * p) as usize] as f64 / 1000.0
        }
    };
    Load {
        saturated,
        typists: n,
        p50_ms: pct(0.5),
        p95_ms: pct(0.95),
        edits_per_s: edits as f64 / seconds as f64,
        deliveries_per_s: all.len() as f64 / seconds as f64,
        peak_rss_kib: server.memory().0,
        server_cpu: (server.cpu_seconds() - cpu_before) / base.elapsed().as_secs_f64(),
        clients_cpu: (cpu_seconds("self") - clients_before) / base.elapsed().as_secs_f64(),
    }
}

struct Reconnect {
    with_state: bool,
    converged: bool,
    messages_sent: usize,
    messages_received: usize,
    bytes_sent: usize,
    bytes_received: usize,
}

/// A and B share a document; A is offline for 500 edits on each side, then reconnects.
async fn reconnect(server: &Server, round: u8, with_state: bool) -> Reconnect {
    let id = DocumentId::from_bytes([round; 16]);
    let mut doc = owned();
    doc.put(ROOT, "title", "plan").unwrap();
    doc.commit();
    let mut a = Client::connect(server, "a", doc).await;
    a.open(id, None).await;
    assert!(a.run_until(Duration::from_secs(20), |c| c.synced(id)).await);
    let mut b = Client::connect(server, "b", AutoCommit::new()).await;
    b.open(id, None).await;
    assert!(
        b.run_until(Duration::from_secs(20), |c| c.doc.get(ROOT, "title").ok().flatten().is_some())
            .await
    );
    let _ = b.run_until(Duration::from_millis(300), |_| false).await;

    let saved = a.session.sync_state(&id);
    let mut a_doc = std::mem::take(&mut a.doc);
    drop(a);
    for k in 0..OFFLINE_EDITS {
        a_doc.put(ROOT, format!("a{k}"), k as i64).unwrap();
        a_doc.commit();
        b.doc.put(ROOT, format!("b{k}"), k as i64).unwrap();
        b.doc.commit();
        b.push(id, 0).await;
    }
    assert!(
        b.run_until(Duration::from_secs(30), |c| c.synced(id)).await,
        "B's edits reached the server"
    );

    let mut a = Client::connect(server, "a", a_doc).await;
    let (sent0, received0) = (a.sent, a.received);
    a.open(id, if with_state { saved.as_deref() } else { None }).await;
    let last_b = format!("b{}", OFFLINE_EDITS - 1);
    let converged = a
        .run_until(Duration::from_secs(30), |c| int(&c.doc, &last_b).is_some() && c.synced(id))
        .await;
    Reconnect {
        with_state,
        converged,
        messages_sent: a.sent.0 - sent0.0,
        messages_received: a.received.0 - received0.0,
        bytes_sent: a.sent.1 - sent0.1,
        bytes_received: a.received.1 - received0.1,
    }
}

/// The largest message a first download of a big document needs: a plan-sized text with
/// `changes` typed edits, synced into an empty peer; the biggest wire message seen.
fn largest_first_sync(changes: usize) -> (usize, usize) {
    use automerge::sync::{State, SyncDoc};
    let mut big = AutoCommit::new();
    let text = big.put_object(ROOT, "text", automerge::ObjType::Text).unwrap();
    let words = "La comisión acordó que cada jardín revisa su protocolo sanitario antes de marzo. ";
    for k in 0..changes {
        let at = big.length(&text);
        let c = words.as_bytes()[k % words.len()] as char;
        big.splice_text(&text, at, 0, &c.to_string()).unwrap();
        big.commit();
    }
    let mut empty = AutoCommit::new();
    let (mut s1, mut s2) = (State::new(), State::new());
    let mut largest = 0;
    for _ in 0..10 {
        let m1 = big.sync().generate_sync_message(&mut s1);
        if let Some(m) = m1.clone() {
            largest = largest.max(m.clone().encode().len());
            empty.sync().receive_sync_message(&mut s2, m).unwrap();
        }
        let m2 = empty.sync().generate_sync_message(&mut s2);
        if let Some(m) = m2.clone() {
            largest = largest.max(m.clone().encode().len());
            big.sync().receive_sync_message(&mut s1, m).unwrap();
        }
        if m1.is_none() && m2.is_none() {
            break;
        }
    }
    assert_eq!(empty.get_heads(), big.get_heads());
    (largest, big.save().len())
}

fn edit_every() -> Duration {
    let ms = std::env::var("JUNTAS_BENCH_COMMIT_MS").ok().and_then(|s| s.parse().ok());
    Duration::from_millis(ms.unwrap_or(EDIT_EVERY_MS))
}

fn env_path(name: &str) -> PathBuf {
    PathBuf::from(
        std::env::var(name)
            .unwrap_or_else(|_| panic!("{name} is not set (run `cargo xtask bench sync`)")),
    )
}

/// Writes `n` small documents into a server's document directory (nodefs layout).
fn fill(dir: &std::path::Path, n: usize) -> Vec<DocumentId> {
    (0..n)
        .map(|i| {
            let mut b = [0xA5u8; 16];
            b[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let id = DocumentId::from_bytes(b);
            let mut doc = owned();
            doc.put(ROOT, "n", i as i64).unwrap();
            let s = id.to_string();
            let d = dir.join(&s[..2]).join(&s[2..]).join("snapshot");
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(format!("{i:064x}")), doc.save()).unwrap();
            id
        })
        .collect()
}

/// One new document uploaded by one client and read by another, in ms.
async fn new_document_ms(server: &Server, round: u8) -> f64 {
    let id = DocumentId::from_bytes([round; 16]);
    let mut doc = owned();
    doc.put(ROOT, "title", "nuevo").unwrap();
    doc.commit();
    let started = Instant::now();
    let mut a = Client::connect(server, "a", doc).await;
    a.open(id, None).await;
    if !a.run_until(Duration::from_secs(120), |c| c.synced(id)).await {
        return f64::INFINITY;
    }
    let mut b = Client::connect(server, "b", AutoCommit::new()).await;
    b.open(id, None).await;
    let got = b
        .run_until(Duration::from_secs(120), |c| c.doc.get(ROOT, "title").ok().flatten().is_some())
        .await;
    if got { started.elapsed().as_secs_f64() * 1000.0 } else { f64::INFINITY }
}

/// One client opens `ids` (stored documents) and waits until it has them all.
async fn load_all(server: &Server, ids: &[DocumentId]) -> Duration {
    let started = Instant::now();
    let mut c = Client::connect(server, "loader", AutoCommit::new()).await;
    let mut docs: std::collections::HashMap<DocumentId, AutoCommit> = Default::default();
    for id in ids {
        let mut d = AutoCommit::new();
        if let Some(m) = c.session.open_doc(*id, &mut d, None) {
            c.send(m).await;
        }
        docs.insert(*id, d);
    }
    let mut have = 0;
    let deadline = Instant::now() + Duration::from_secs(300);
    while have < ids.len() && Instant::now() < deadline {
        let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(60), c.next()).await else {
            break;
        };
        if let Ok(Incoming::Sync { document_id, message, .. }) = c.session.receive(&msg)
            && let Some(d) = docs.get_mut(&document_id)
        {
            let was_empty = d.get_heads().is_empty();
            if let Ok(applied) = c.session.apply(0, document_id, d, message) {
                if was_empty && !d.get_heads().is_empty() {
                    have += 1;
                }
                if let Some(r) = applied.reply {
                    c.send(r).await;
                }
            }
        }
    }
    started.elapsed()
}

fn fmt_ms(ms: f64) -> String {
    if ms.is_finite() { format!("{ms:.1} ms") } else { "DID NOT FINISH in 120 s".into() }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let bin = env_path("JUNTAS_BENCH_SERVER_BIN");
    let js = env_path("JUNTAS_BENCH_JS");
    let baseline = std::env::var("JUNTAS_BENCH_BASELINE_BIN").ok().map(PathBuf::from);
    let seconds: u64 =
        std::env::var("JUNTAS_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(8);
    let list = |name: &str, default: &str| -> Vec<usize> {
        std::env::var(name)
            .unwrap_or_else(|_| default.into())
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect()
    };
    let counts = list("JUNTAS_BENCH_TYPISTS", "16,32,50,64");
    let disk = list("JUNTAS_BENCH_DISK", "10,1000,10000");

    let mut servers: Vec<(String, Kind)> = vec![("juntas-server".into(), Kind::Juntas)];
    if baseline.is_some() {
        servers.push(("previous build".into(), Kind::Juntas));
    }
    servers.push(("JS sync server".into(), Kind::Js));
    let start = async |name: &str, kind: Kind, data: tempfile::TempDir| -> Server {
        match kind {
            Kind::Js => start_js(&js, data).await,
            Kind::Juntas if name == "previous build" => {
                start_juntas(baseline.as_ref().unwrap(), name, data).await
            }
            Kind::Juntas => start_juntas(&bin, name, data).await,
        }
    };

    for changes in [20_000, 200_000] {
        let (largest, saved) = largest_first_sync(changes);
        println!(
            "largest message to download a text of {changes} typed changes: {largest} B (saved document {saved} B); the 16 MiB /sync limit is {:.0}× that",
            16.0 * 1024.0 * 1024.0 / largest as f64
        );
    }

    println!("\ndocuments on disk: one new document, uploaded and read back by a second client");
    let mut on_disk: Vec<(String, usize, f64, f64)> = Vec::new();
    for (name, kind) in &servers {
        for &n in &disk {
            let data = tempfile::tempdir().unwrap();
            let ids = fill(&docs_dir(*kind, data.path()), n);
            let server = start(name, *kind, data).await;
            let cold = new_document_ms(&server, 1).await;
            let loaded = ids.len().min(2000);
            let took = load_all(&server, &ids[..loaded]).await;
            let after = new_document_ms(&server, 2).await;
            println!(
                "{name:>15} {n:>6} on disk: new document {:>10} · loading {loaded} of them took {:.1} s · then a new document {:>10}",
                fmt_ms(cold),
                took.as_secs_f64(),
                fmt_ms(after)
            );
            on_disk.push((name.clone(), n, cold, after));
        }
    }

    println!(
        "\nsync benchmark: one shared document, a commit every {} ms per typist, {seconds} s per run",
        edit_every().as_millis()
    );
    let mut loads: Vec<(String, Load)> = Vec::new();
    let mut idle_rss: Vec<(String, u64)> = Vec::new();
    let mut reconnects: Vec<(String, Reconnect)> = Vec::new();
    for (name, kind) in &servers {
        let server = start(name, *kind, tempfile::tempdir().unwrap()).await;
        for (round, with_state) in [(100u8, true), (101, false)] {
            let r = reconnect(&server, round, with_state).await;
            println!(
                "{:>15} reconnect after {OFFLINE_EDITS}+{OFFLINE_EDITS} edits, {} saved state: {} · A sent {} messages ({} B), received {} ({} B)",
                server.name,
                if r.with_state { "with" } else { "without" },
                if r.converged { "converged" } else { "DID NOT CONVERGE" },
                r.messages_sent,
                r.bytes_sent,
                r.messages_received,
                r.bytes_received
            );
            reconnects.push((server.name.clone(), r));
        }
        for (round, &n) in counts.iter().enumerate() {
            let load = typists(&server, n, seconds, 10 + round as u8).await;
            println!(
                "{:>15} {:>3} typists: p50 {:>8.1} ms  p95 {:>8.1} ms  {:>6.1} edits/s  {:>7.1} deliveries/s  peak RSS {:>7} KiB  server CPU {:>4.0} %  clients CPU {:>4.0} %{}",
                server.name,
                load.typists,
                load.p50_ms,
                load.p95_ms,
                load.edits_per_s,
                load.deliveries_per_s,
                load.peak_rss_kib,
                load.server_cpu * 100.0,
                load.clients_cpu * 100.0,
                if load.saturated {
                    "  SATURATED (a client could not get the document)"
                } else {
                    ""
                }
            );
            loads.push((server.name.clone(), load));
        }
        // Everyone has left: what the server keeps for documents nobody uses.
        tokio::time::sleep(Duration::from_secs(5)).await;
        let rss = server.memory().1;
        println!("{:>15} RSS 5 s after every client left: {rss} KiB", server.name);
        idle_rss.push((server.name.clone(), rss));
    }

    for other in ["previous build", "JS sync server"] {
        if !servers.iter().any(|(n, _)| n == other) {
            continue;
        }
        println!("\nratios (juntas-server / {other}, same run):");
        for &n in &disk {
            let get = |name: &str| on_disk.iter().find(|(s, d, ..)| s == name && *d == n);
            if let (Some(j), Some(o)) = (get("juntas-server"), get(other)) {
                println!(
                    "  {n:>6} on disk: new document {:.2}×, after 2,000 loaded {:.3}×",
                    j.2 / o.2,
                    j.3 / o.3
                );
            }
        }
        for &n in &counts {
            let get = |name: &str| {
                loads.iter().find(|(s, l)| s == name && l.typists == n).map(|(_, l)| l)
            };
            if let (Some(j), Some(s)) = (get("juntas-server"), get(other)) {
                println!(
                    "  {n:>3} typists: p95 latency {:.2}×  deliveries/s {:.2}×  peak RSS {:.2}×  server CPU {:.2}×",
                    j.p95_ms / s.p95_ms,
                    j.deliveries_per_s / s.deliveries_per_s,
                    j.peak_rss_kib as f64 / s.peak_rss_kib as f64,
                    j.server_cpu / s.server_cpu
                );
            }
        }
        let idle = |name: &str| idle_rss.iter().find(|(s, _)| s == name).map(|(_, r)| *r);
        if let (Some(j), Some(o)) = (idle("juntas-server"), idle(other)) {
            println!("  memory once every client left: {:.2}×", j as f64 / o as f64);
        }
        for with_state in [true, false] {
            let get = |name: &str| {
                reconnects
                    .iter()
                    .find(|(s, r)| s == name && r.with_state == with_state)
                    .map(|(_, r)| r)
            };
            if let (Some(j), Some(s)) = (get("juntas-server"), get(other)) {
                println!(
                    "  reconnect {} saved state: bytes {:.2}×  messages sent by A {} vs {}",
                    if with_state { "with" } else { "without" },
                    (j.bytes_sent + j.bytes_received) as f64
                        / (s.bytes_sent + s.bytes_received) as f64,
                    j.messages_sent,
                    s.messages_sent
                );
            }
        }
    }
}
