//! The tab-to-tab transport: every tab of this browser that has Juntas open is a peer of the
//! others over one BroadcastChannel, so two tabs stay in step with no server (offline, or a
//! device without an access key). The only code that touches the channel.
//!
//! A BroadcastChannel reaches every other tab, so each frame says who sent it and for whom:
//! `["hello", from, to|null]` announces a tab (to all when it starts, or in answer to one
//! peer); `["msg", from, to, bytes]` carries one automerge-repo message; `["bye", from]` says
//! the tab is going. Of two tabs the one with the smaller peer id dials (sends `join`), so a
//! pair never opens two sessions. Frames are handled one at a time, in arrival order.

use std::rc::Rc;

use futures::StreamExt;
use futures::channel::mpsc;
use js_sys::{Array, Uint8Array};
use juntas_core::sync::Session;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{BroadcastChannel, MessageEvent};

use super::{Peer, SyncNode};

const CHANNEL: &str = "juntas-sync";

/// One frame from another tab.
#[derive(Debug, PartialEq, Eq)]
enum Frame {
    Hello {
        from: String,
        to: Option<String>,
    },
    Msg {
        from: String,
        to: String,
        bytes: Vec<u8>,
    },
    Bye {
        from: String,
    },
    /// The sender rebuilt this document after the server refused a change: reload it.
    Rebuilt {
        from: String,
        doc: String,
    },
}

fn parse(data: &wasm_bindgen::JsValue) -> Option<Frame> {
    let array = data.dyn_ref::<Array>()?;
    let kind = array.get(0).as_string()?;
    let from = array.get(1).as_string()?;
    match kind.as_str() {
        "hello" => Some(Frame::Hello { from, to: array.get(2).as_string() }),
        "msg" => {
            let to = array.get(2).as_string()?;
            let bytes = array.get(3).dyn_into::<Uint8Array>().ok()?.to_vec();
            Some(Frame::Msg { from, to, bytes })
        }
        "bye" => Some(Frame::Bye { from }),
        "rebuilt" => Some(Frame::Rebuilt { from, doc: array.get(2).as_string()? }),
        _ => None,
    }
}

fn post(channel: &BroadcastChannel, parts: &[wasm_bindgen::JsValue]) {
    let array: Array = parts.iter().collect();
    // A closed channel (the tab is unloading) has nobody left to tell.
    let _ = channel.post_message(&array);
}

fn hello(channel: &BroadcastChannel, me: &str, to: Option<&str>) {
    let to = to.map(wasm_bindgen::JsValue::from).unwrap_or(wasm_bindgen::JsValue::NULL);
    post(channel, &["hello".into(), me.into(), to]);
}

/// Joins the channel and announces this tab. Without BroadcastChannel support the tab simply
/// has no tab peers.
pub(super) fn start(node: Rc<SyncNode>) {
    let Ok(channel) = BroadcastChannel::new(CHANNEL) else { return };
    let (tx, rx) = mpsc::unbounded::<Frame>();
    let onmessage = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        if let Some(frame) = parse(&event.data()) {
            let _ = tx.unbounded_send(frame);
        }
    });
    channel.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let me = node.peer_id.0.clone();
    let goodbye = {
        let channel = channel.clone();
        let me = me.clone();
        gloo_events::EventListener::new(&gloo_utils::window(), "pagehide", move |_| {
            post(&channel, &["bye".into(), me.as_str().into()]);
        })
    };
    goodbye.forget();
    hello(&channel, &me, None);
    {
        let (node2, channel, me) = (Rc::downgrade(&node), channel.clone(), me.clone());
        *node.tell_tabs.borrow_mut() = Some(Rc::new(move |doc: juntas_core::DocumentId| {
            let Some(node) = node2.upgrade() else { return };
            post(&channel, &["rebuilt".into(), me.as_str().into(), doc.to_string().into()]);
            // Sessions with the other tabs knew the old document: start them again.
            node.disconnect_tabs();
            hello(&channel, &me, None);
        }));
    }
    spawn_local(run(node, channel, rx));
}

async fn run(
    node: Rc<SyncNode>,
    channel: BroadcastChannel,
    mut frames: mpsc::UnboundedReceiver<Frame>,
) {
    let me = node.peer_id.0.clone();
    while let Some(frame) = frames.next().await {
        match frame {
            Frame::Hello { from, to } => {
                if from == me || to.as_ref().is_some_and(|t| *t != me) {
                    continue;
                }
                let peer = Peer::Tab(from.clone());
                if node.has(&peer) {
                    continue;
                }
                if me < from {
                    let (session, join) = Session::dial(node.config());
                    let send = sender(&channel, &me, &from);
                    send(join);
                    node.connect(peer, session, send);
                } else if to.is_none() {
                    // A new tab: answer so that it (the smaller id) dials us.
                    hello(&channel, &me, Some(&from));
                }
            }
            Frame::Msg { from, to, bytes } => {
                if to != me {
                    continue;
                }
                let peer = Peer::Tab(from.clone());
                if !node.has(&peer) {
                    node.connect(
                        peer.clone(),
                        Session::accept(node.config()),
                        sender(&channel, &me, &from),
                    );
                }
                if let Err(reason) = node.on_message(&peer, &bytes).await {
                    if let Some(reason) = reason {
                        web_sys::console::warn_1(&format!("tab {from}: {reason:?}").into());
                    }
                    node.disconnect(&peer);
                }
            }
            Frame::Bye { from } => node.disconnect(&Peer::Tab(from)),
            Frame::Rebuilt { from, doc } => {
                if from == me {
                    continue;
                }
                let Ok(id) = doc.parse() else { continue };
                node.rebuilt_elsewhere(id).await;
                node.disconnect_tabs();
                hello(&channel, &me, None);
            }
        }
    }
}

fn sender(channel: &BroadcastChannel, me: &str, to: &str) -> super::Send {
    let (channel, me, to) = (channel.clone(), me.to_owned(), to.to_owned());
    Rc::new(move |bytes: Vec<u8>| {
        let data = Uint8Array::from(bytes.as_slice());
        post(&channel, &["msg".into(), me.as_str().into(), to.as_str().into(), data.into()]);
    })
}
