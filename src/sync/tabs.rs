//! The tab-to-tab transport: every tab of this browser that has Juntas open is a peer of the
//! others over one BroadcastChannel, so two tabs stay in step with no server (offline, or a
//! device without an access key). The only code that touches the channel.
//!
//! A BroadcastChannel reaches every other tab, so each frame says who sent it and for whom:
//! `["hello", from, to|null]` announces a tab (to all when it starts, or in answer to one
//! peer); `["msg", from, to, bytes]` carries one automerge-repo message; `["bye", from]` says
//! the tab is going; `["reset", from, to]` says the sender dropped its session with `to` (a
//! message it could not take), so `to` drops its own too and the pair starts again. Of two tabs
//! the one with the smaller peer id dials (sends `join`), so a pair never opens two sessions.
//! Frames are handled one at a time, in arrival order.

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
    /// The sender dropped its session with `to`: `to` drops its own, and the pair starts again.
    Reset {
        from: String,
        to: String,
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
        "reset" => Some(Frame::Reset { from, to: array.get(2).as_string()? }),
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
    post_frame(channel, &Frame::Hello { from: me.to_owned(), to: to.map(str::to_owned) });
}

/// What a tab does with a frame (the protocol's decisions, apart from the channel and the
/// sessions so that they can be tested).
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// Not for this tab, or nothing to do.
    Nothing,
    /// Open a session with the sender: this tab has the smaller id.
    Dial,
    /// Say hello to the sender only, so that it (the smaller id) dials this tab.
    AnswerHello,
    /// Hand the message to the session with the sender (opening one if there is none).
    Deliver,
    /// The sender is gone: drop its session.
    Drop,
    /// The sender dropped its session: drop this one too, and dial again if this tab dials.
    Restart { dial: bool },
    /// Reload a document the sender rebuilt, then start every tab session again.
    Reload,
}

fn step(me: &str, frame: &Frame, has_session: bool) -> Step {
    match frame {
        Frame::Hello { from, to } => {
            if from == me || to.as_ref().is_some_and(|t| t != me) || has_session {
                Step::Nothing
            } else if me < from.as_str() {
                Step::Dial
            } else if to.is_none() {
                // A new tab: answer so that it (the smaller id) dials us.
                Step::AnswerHello
            } else {
                Step::Nothing
            }
        }
        Frame::Msg { to, .. } if to == me => Step::Deliver,
        Frame::Msg { .. } => Step::Nothing,
        Frame::Bye { .. } => Step::Drop,
        Frame::Reset { from, to } if to == me => Step::Restart { dial: me < from.as_str() },
        Frame::Reset { .. } => Step::Nothing,
        Frame::Rebuilt { from, .. } if from == me => Step::Nothing,
        Frame::Rebuilt { .. } => Step::Reload,
    }
}

/// After this tab dropped its session with `peer` (a message it could not take): the frame that
/// tells `peer`, and whether this tab dials again (the other one does otherwise, when the frame
/// reaches it). Without it `peer` kept its side of the session and the two tabs stopped
/// syncing with each other until one of them said hello again.
fn dropped(me: &str, peer: &str) -> (Frame, bool) {
    (Frame::Reset { from: me.to_owned(), to: peer.to_owned() }, me < peer)
}

/// How long a tab waits before dialing again after a session was dropped: messages of the old
/// session still on their way drain first, and a message that fails every time costs one
/// attempt a second, not a busy loop between two tabs.
const REDIAL_MS: u32 = 1_000;

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
            post_frame(&channel, &Frame::Bye { from: me.clone() });
        })
    };
    goodbye.forget();
    hello(&channel, &me, None);
    {
        let (node2, channel, me) = (Rc::downgrade(&node), channel.clone(), me.clone());
        *node.tell_tabs.borrow_mut() = Some(Rc::new(move |doc: juntas_core::DocumentId| {
            let Some(node) = node2.upgrade() else { return };
            post_frame(&channel, &Frame::Rebuilt { from: me.clone(), doc: doc.to_string() });
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
        let from = match &frame {
            Frame::Hello { from, .. }
            | Frame::Msg { from, .. }
            | Frame::Bye { from }
            | Frame::Reset { from, .. }
            | Frame::Rebuilt { from, .. } => from.clone(),
        };
        let peer = Peer::Tab(from.clone());
        match step(&me, &frame, node.has(&peer)) {
            Step::Nothing => {}
            Step::Dial => dial(&node, &channel, &me, &from),
            Step::AnswerHello => hello(&channel, &me, Some(&from)),
            Step::Deliver => {
                let Frame::Msg { bytes, .. } = frame else { continue };
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
                    let (reset, dials) = dropped(&me, &from);
                    post_frame(&channel, &reset);
                    if dials {
                        dial_later(&node, &channel, &me, &from);
                    }
                }
            }
            Step::Drop => node.disconnect(&peer),
            Step::Restart { dial: dials } => {
                node.disconnect(&peer);
                if dials {
                    dial_later(&node, &channel, &me, &from);
                }
            }
            Step::Reload => {
                let Frame::Rebuilt { doc, .. } = &frame else { continue };
                let Ok(id) = doc.parse() else { continue };
                crate::parts::mend(node.clone(), id, crate::parts::Mend::Reload).await;
                node.disconnect_tabs();
                hello(&channel, &me, None);
            }
        }
    }
}

/// Opens a session with the tab `to` (this tab has the smaller id).
fn dial(node: &SyncNode, channel: &BroadcastChannel, me: &str, to: &str) {
    let (session, join) = Session::dial(node.config());
    let send = sender(channel, me, to);
    send(join);
    node.connect(Peer::Tab(to.to_owned()), session, send);
}

/// Dials the tab `to` again after [`REDIAL_MS`], unless a session with it opened meanwhile (a
/// `hello`). Not at once: messages the two tabs sent in the old session may still be on their
/// way, and each would reach a tab with no session, fail and reset the new one.
fn dial_later(node: &Rc<SyncNode>, channel: &BroadcastChannel, me: &str, to: &str) {
    let (node, channel, me, to) =
        (Rc::downgrade(node), channel.clone(), me.to_owned(), to.to_owned());
    spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(REDIAL_MS).await;
        if let Some(node) = node.upgrade()
            && !node.has(&Peer::Tab(to.clone()))
        {
            dial(&node, &channel, &me, &to);
        }
    });
}

/// Posts a frame: the one writer of the format [`parse`] reads.
fn post_frame(channel: &BroadcastChannel, frame: &Frame) {
    match frame {
        Frame::Hello { from, to } => {
            let to = to.as_deref().map_or(wasm_bindgen::JsValue::NULL, Into::into);
            post(channel, &["hello".into(), from.as_str().into(), to]);
        }
        Frame::Msg { from, to, bytes } => {
            let data = Uint8Array::from(bytes.as_slice());
            post(channel, &["msg".into(), from.as_str().into(), to.as_str().into(), data.into()]);
        }
        Frame::Bye { from } => post(channel, &["bye".into(), from.as_str().into()]),
        Frame::Reset { from, to } => {
            post(channel, &["reset".into(), from.as_str().into(), to.as_str().into()]);
        }
        Frame::Rebuilt { from, doc } => {
            post(channel, &["rebuilt".into(), from.as_str().into(), doc.as_str().into()]);
        }
    }
}

fn sender(channel: &BroadcastChannel, me: &str, to: &str) -> super::Send {
    let (channel, me, to) = (channel.clone(), me.to_owned(), to.to_owned());
    Rc::new(move |bytes: Vec<u8>| {
        post_frame(&channel, &Frame::Msg { from: me.clone(), to: to.clone(), bytes });
    })
}

#[cfg(test)]
mod tests {
    use super::{Frame, Step, dropped, step};

    fn hello(from: &str, to: Option<&str>) -> Frame {
        Frame::Hello { from: from.into(), to: to.map(Into::into) }
    }

    #[test]
    fn of_two_tabs_the_smaller_id_dials_and_the_other_answers_a_new_tab() {
        assert_eq!(step("a", &hello("b", None), false), Step::Dial);
        assert_eq!(step("b", &hello("a", None), false), Step::AnswerHello);
        // The answer is for one tab; the smaller one dials on it, the larger waits.
        assert_eq!(step("a", &hello("b", Some("a")), false), Step::Dial);
        assert_eq!(step("c", &hello("b", Some("a")), false), Step::Nothing);
        assert_eq!(step("b", &hello("a", Some("b")), false), Step::Nothing);
        // A session already there, or its own hello: nothing.
        assert_eq!(step("a", &hello("b", None), true), Step::Nothing);
        assert_eq!(step("a", &hello("a", None), false), Step::Nothing);
    }

    #[test]
    fn a_dropped_session_is_dropped_by_both_tabs_and_exactly_one_dials_again() {
        // Either tab may be the one that drops it (a message it could not take).
        for (drops, other) in [("a", "b"), ("b", "a")] {
            let (frame, drops_dials) = dropped(drops, other);
            assert_eq!(frame, Frame::Reset { from: drops.into(), to: other.into() });
            // The other tab still had its side of the session: it drops it.
            let Step::Restart { dial: other_dials } = step(other, &frame, true) else {
                panic!("{other} must restart on {frame:?}");
            };
            assert!(drops_dials ^ other_dials, "one dial, not {drops_dials} and {other_dials}");
            assert_eq!(drops_dials, drops == "a", "the smaller id dials");
            // A third tab leaves its own sessions alone.
            assert_eq!(step("c", &frame, true), Step::Nothing);
        }
    }

    #[test]
    fn messages_go_only_to_the_tab_they_are_for() {
        let msg = Frame::Msg { from: "a".into(), to: "b".into(), bytes: vec![1] };
        assert_eq!(step("b", &msg, false), Step::Deliver);
        assert_eq!(step("c", &msg, true), Step::Nothing);
        assert_eq!(step("b", &Frame::Bye { from: "a".into() }, true), Step::Drop);
        let rebuilt = Frame::Rebuilt { from: "a".into(), doc: "d".into() };
        assert_eq!(step("b", &rebuilt, true), Step::Reload);
        assert_eq!(step("a", &rebuilt, true), Step::Nothing);
    }
}
