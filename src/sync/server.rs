//! The WebSocket transport to juntas-server: exchanging this device's tokens for a session cookie,
//! connecting, reconnecting with backoff, and dropping the connection when the browser says
//! it is offline. The only code that touches the WebSocket.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use futures::channel::mpsc;
use futures::future::{LocalBoxFuture, Shared};
use futures::{FutureExt, SinkExt, StreamExt, select};
use gloo_net::websocket::{Message as WsMessage, futures::WebSocket};
use juntas_core::sync::{Session, refusal};
use leptos::task::spawn_local;

use super::{Link, Peer, SyncError, SyncNode};
use crate::local;

const BACKOFF_START_MS: u32 = 500;
const BACKOFF_MAX_MS: u32 = 5_000;
/// How long a session cookie is used again without asking `/session` (the server's lasts 30
/// days; asking weekly keeps it fresh and this device's notes of its networks current).
const SESSION_REUSE_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;

/// Starts the reconnect loop.
pub(super) fn start(node: Rc<SyncNode>) {
    let (wake_tx, wake_rx) = mpsc::unbounded();
    *node.wake.borrow_mut() = Some(wake_tx);
    let online = {
        let node = node.clone();
        gloo_events::EventListener::new(&gloo_utils::window(), "online", move |_| node.wake())
    };
    online.forget();
    // Emulated or real loss of network does not always close an open WebSocket; the browser's
    // `offline` event does close ours, so pending counts and the badge tell the truth.
    let offline = {
        let node = node.clone();
        gloo_events::EventListener::new(&gloo_utils::window(), "offline", move |_| {
            node.disconnect(&Peer::Server);
        })
    };
    offline.forget();
    // Another tab registered this device in a network (her invite opened in a tab of its
    // own): this tab connects again with that token too. Until then it had that network's
    // documents only through the other tab, and only while it stayed open.
    let registered = {
        let node = node.clone();
        gloo_events::EventListener::new(&gloo_utils::window(), "storage", move |e| {
            use wasm_bindgen::JsCast;
            let key = e.dyn_ref::<web_sys::StorageEvent>().and_then(|e| e.key());
            if key.is_some_and(|k| local::is_registrations(&k)) {
                node.registered_with_any(local::device_tokens().iter().map(|(_, t)| t.as_str()));
            }
        })
    };
    registered.forget();
    spawn_local(run(node, wake_rx));
}

enum Attempt {
    /// The connection ran and then closed.
    Closed,
    /// A registration was added while connecting: at once, again with it.
    Again,
    Offline,
    /// The server answered this attempt's `/session` over HTTP, and then the WebSocket closed
    /// before its handshake: the network between them (a school's proxy or firewall) may let
    /// no WebSocket through.
    NotOpened,
    Failed(SyncError),
    NoKey,
}

/// Attempts in a row that end [`Attempt::NotOpened`] before the badge says so rather than
/// "Sin conexión": one can be a line that dropped, or a server restarting, between the two
/// requests.
const NOT_OPENED_TO_SAY: u32 = 2;

/// How long a connection may take to open and finish its handshake (ms): on 3G, about three
/// round trips to open and one more for the handshake, a second or two.
const HANDSHAKE_WITHIN_MS: u32 = 15_000;

async fn run(node: Rc<SyncNode>, mut wake: mpsc::UnboundedReceiver<()>) {
    let mut backoff = BACKOFF_START_MS;
    let mut not_opened = 0;
    // The last attempt found this device registered in no network.
    let mut alone = false;
    loop {
        let attempt = match connect_once(&node).await {
            // The line went while the socket was opening (the browser's `offline` event): no
            // filter to blame.
            Attempt::NotOpened if !gloo_utils::window().navigator().on_line() => Attempt::Offline,
            attempt => attempt,
        };
        node.disconnect(&Peer::Server);
        not_opened = match attempt {
            Attempt::NotOpened => not_opened + 1,
            // Asked again at once (a registration added, or a session that may be stale): the
            // next attempt says how it ends.
            Attempt::Again => not_opened,
            _ => 0,
        };
        let no_key = matches!(attempt, Attempt::NoKey);
        match attempt {
            Attempt::Again => {
                // The wake that said so is this retry.
                while wake.try_recv().is_ok() {}
                continue;
            }
            Attempt::Closed => {
                backoff = BACKOFF_START_MS;
                node.set_link(Link::Offline);
            }
            Attempt::Offline => node.set_link(Link::Offline),
            Attempt::NotOpened if not_opened >= NOT_OPENED_TO_SAY => {
                node.set_link(Link::NotOpened);
            }
            // The first in a row: "Sin conexión", as a connection lost.
            Attempt::NotOpened => node.set_link(Link::Offline),
            Attempt::Failed(e) => {
                // Removed from one of its networks: the next attempt asks `/session` which
                // ones are still granted, rather than reuse the session that held them all.
                if let SyncError::Server(m) = &e
                    && refusal::classify(m) == Some(refusal::Refusal::DeviceRemoved)
                {
                    local::set_session(None);
                }
                node.set_link(Link::Failed(e));
            }
            Attempt::NoKey => node.set_link(Link::NoServer),
        }
        // Registered in no network, again: nothing changed that the statuses count (an edit
        // counts its own; a registration counts them all again, see `SyncNode::set_registered`).
        // The attempt itself, a read of localStorage, goes on every few seconds: a tab that
        // missed another tab's `storage` event (restored from the back-forward cache) still
        // finds her registration.
        if !(alone && no_key) {
            node.refresh_all().await;
        }
        alone = no_key;
        let sleep = gloo_timers::future::TimeoutFuture::new(backoff).fuse();
        futures::pin_mut!(sleep);
        select! {
            _ = sleep => {}
            _ = wake.next() => { backoff = BACKOFF_START_MS; }
        }
        backoff = (backoff * 2).min(BACKOFF_MAX_MS);
    }
}

/// Reads a `/session` answer: notes when each network this device is registered in was
/// claimed, and gives the answer's mark of the cookie it set (see `connect_once`) and the
/// networks it grants (the others were refused: a device removed from one of them, say).
fn read_session(answer: &str) -> Option<(Option<String>, BTreeSet<String>)> {
    #[derive(serde::Deserialize)]
    struct Network {
        network: String,
        claimed_at: Option<i64>,
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        networks: Vec<Network>,
        session: Option<String>,
    }
    let answer = serde_json::from_str::<Answer>(answer).ok()?;
    let mut granted = BTreeSet::new();
    for n in answer.networks {
        if let Some(at) = n.claimed_at
            && let Err(e) = local::set_claimed_at(&n.network, at * 1000)
        {
            leptos::logging::warn!("{e}");
        }
        granted.insert(n.network);
    }
    Some((answer.session, granted))
}

/// `/session`'s body: the tokens, one a line, in one order whatever the order they were
/// stored in (a kept session is recognised by it).
pub(crate) fn session_body<'a>(tokens: impl Iterator<Item = &'a str>) -> String {
    let mut all: Vec<&str> = tokens.collect();
    juntas_core::order::sort(&mut all);
    all.join("\n")
}

/// `/session`'s answer: whether it is a success, its status and its text; none without one.
type SessionAnswer = Option<(bool, u16, String)>;

async fn post_session(tokens: String) -> SessionAnswer {
    let resp = gloo_net::http::Request::post("/session").body(tokens).ok()?.send().await.ok()?;
    Some((resp.ok(), resp.status(), resp.text().await.unwrap_or_default()))
}

/// A `/session` asked before the connection, with the tokens it was asked for.
type Early = (String, Shared<LocalBoxFuture<'static, SessionAnswer>>);

thread_local! {
    static EARLY: RefCell<Option<Early>> = const { RefCell::new(None) };
}

/// Asks `/session` for `tokens` (a [`session_body`]) now, from the main part of the wasm, for
/// the first connection that has exactly these tokens: a phone that just opened an invite has
/// its cookie by the time the documents' part is in, and connects a round trip sooner. (Should
/// another session have replaced that cookie since, the server refuses the connection by the
/// answer's mark, and the next attempt asks anew at once.)
pub(crate) fn ask_session_early(tokens: String) {
    let asking = post_session(tokens.clone()).boxed_local().shared();
    spawn_local(asking.clone().map(|_| ()));
    EARLY.with(|e| *e.borrow_mut() = Some((tokens, asking)));
}

async fn connect_once(node: &Rc<SyncNode>) -> Attempt {
    let devices = local::devices();
    let registered: BTreeSet<String> = devices.iter().map(|d| d.network.clone()).collect();
    node.set_registered(registered.clone());
    if devices.is_empty() {
        // Any registration now is new (a wake, see `SyncNode::registered_with_any`).
        node.set_granted(BTreeSet::new(), BTreeSet::new());
        return Attempt::NoKey;
    }
    let keys_changed = node.keys_changed();
    // Less the networks the last `/session` answer refused (a reused session is its answer's,
    // maybe asked by another tab: this tab shows them too).
    let denied = local::denied_networks();
    node.set_granted(
        registered.difference(&denied).cloned().collect(),
        devices.iter().map(|d| d.token.clone()).collect(),
    );
    node.show_denied(denied);
    let tokens = session_body(devices.iter().map(|d| d.token.as_str()));
    if !gloo_utils::window().navigator().on_line() {
        return Attempt::Offline;
    }
    // While the WebSocket does not open, the badge keeps saying so through each retry (it is
    // read aloud: a long sentence every few seconds would be noise).
    if node.link() != Link::NotOpened {
        node.set_link(Link::Connecting);
    }
    // The cookie the server gave for these very tokens (it lasts 30 days): straight to the
    // WebSocket, a round trip sooner (150 ms and more on 3G) at every start and reconnection.
    // The WebSocket sends the cookie's mark, so the server refuses it if the cookie is not that
    // one any more (another tab's session replaced it, or it was cleared); any connection that
    // fails before its handshake forgets the note, and one that reused a session asks for a new
    // one at once.
    let now = js_sys::Date::now();
    let kept = local::session()
        .filter(|(t, at, _)| *t == tokens && now >= *at && now - *at < SESSION_REUSE_MS)
        .map(|(_, _, mark)| mark);
    // Whether this connection uses a session not asked for by this attempt (kept, or early).
    let (mark, reused) = match kept {
        Some(mark) => (Some(mark), true),
        None => {
            // Asked already as the app started, when she opened an invite (see
            // `ask_session_early`): maybe older than another tab's session since.
            let early = EARLY.with(|e| {
                let mut e = e.borrow_mut();
                if e.as_ref().is_some_and(|(t, _)| *t == tokens) { e.take() } else { None }
            });
            let was_early = early.is_some();
            let asked = match early {
                Some((_, early)) => early.await,
                None => post_session(tokens.clone()).await,
            };
            let mark = match asked {
                Some((true, _, text)) => match read_session(&text) {
                    Some((mark, granted)) => {
                        node.set_denied(&registered, &granted);
                        mark
                    }
                    // Not an answer this build reads: connect without its mark (the server
                    // then takes the cookie as it is) and grant as before.
                    None => {
                        leptos::logging::warn!("an unreadable /session answer: {text}");
                        None
                    }
                },
                Some((false, 401, _)) => {
                    // Refused in every network: none of their changes waits to be sent.
                    node.set_denied(&registered, &BTreeSet::new());
                    return Attempt::Failed(SyncError::Unauthorised);
                }
                Some((false, status, text)) => {
                    return Attempt::Failed(SyncError::Server(format!("{status} {text}")));
                }
                None => return Attempt::Offline,
            };
            // A registration added while `/session` was asked (an invite read as the
            // documents opened) is not in this session: ask again with it rather than connect
            // without it.
            if node.keys_changed() != keys_changed {
                return Attempt::Again;
            }
            if let Some(mark) = &mark {
                local::set_session(Some((&tokens, now, mark)));
            }
            (mark, was_early)
        }
    };
    // Registrations made before devices had keys get one (retried at each connection).
    if devices.iter().any(|d| d.cert.is_none()) {
        leptos::task::spawn_local(crate::keys::register_missing());
    }
    // Not connected before the handshake. A session not asked for by this attempt may be stale
    // (the server refuses its mark): ask for a new one at once. Otherwise the server has just
    // answered over HTTP, and only the WebSocket did not get through.
    let not_connected = || {
        local::set_session(None);
        if reused { Attempt::Again } else { Attempt::NotOpened }
    };
    let location = gloo_utils::window().location();
    let scheme = if location.protocol().as_deref() == Ok("https:") { "wss" } else { "ws" };
    let host = location.host().unwrap_or_default();
    let query = mark.map(|m| format!("?s={m}")).unwrap_or_default();
    let Ok(ws) = WebSocket::open(&format!("{scheme}://{host}/sync{query}")) else {
        return not_connected();
    };
    let (mut ws_out, ws_in) = ws.split();
    let mut ws_in = ws_in.fuse();
    let (out_tx, mut out_rx) = mpsc::unbounded::<Vec<u8>>();
    let (session, join) = Session::dial(node.config());
    let _ = out_tx.unbounded_send(join);
    // The connection's only sender lives in the node's connection table: dropping it (the
    // `offline` event) ends the loop below.
    node.connect(
        Peer::Server,
        session,
        Rc::new(move |bytes| {
            let _ = out_tx.unbounded_send(bytes);
        }),
    );
    let talk = async {
        let mut handshake_done = false;
        loop {
            select! {
                msg = out_rx.next() => {
                    let Some(bytes) = msg else { return Attempt::Closed };
                    if ws_out.send(WsMessage::Bytes(bytes)).await.is_err() {
                        return if handshake_done { Attempt::Closed } else { not_connected() };
                    }
                }
                msg = ws_in.next() => match msg {
                    Some(Ok(WsMessage::Bytes(bytes))) => {
                        match node.on_message(&Peer::Server, &bytes).await {
                            Ok(()) => handshake_done = node.is_ready(&Peer::Server),
                            Err(Some(e)) => {
                                // Flush the error message we queued, then give up on this
                                // connection.
                                while let Ok(bytes) = out_rx.try_recv() {
                                    let _ = ws_out.send(WsMessage::Bytes(bytes)).await;
                                }
                                return Attempt::Failed(e);
                            }
                            Err(None) => return Attempt::Closed,
                        }
                    }
                    Some(Ok(WsMessage::Text(_))) => {}
                    Some(Err(_)) | None => {
                        return if handshake_done { Attempt::Closed } else { not_connected() };
                    }
                }
            }
        }
    }
    .fuse();
    // A connection that has not finished its handshake by then is given up, and tried again
    // like one that failed: a filter that holds the upgrade without answering would otherwise
    // leave the badge at "Conectando…" for as long as the browser waits. So would a socket
    // closed before it opened with no `error` event (Playwright's stand-in for a blocked
    // WebSocket did that in a journey): the first message waits in gloo's `send` until it
    // opens, and only an `open` or `error` event wakes it.
    let opening = async {
        gloo_timers::future::TimeoutFuture::new(HANDSHAKE_WITHIN_MS).await;
        // Done in time: no deadline from then on. The session is ready as soon as it has read
        // the server's answer, before `on_message` opens every document with it (which can
        // take long on a phone).
        if node.is_ready(&Peer::Server) {
            futures::future::pending::<()>().await;
        }
    }
    .fuse();
    futures::pin_mut!(talk, opening);
    select! {
        attempt = talk => attempt,
        () = opening => not_connected(),
    }
}
