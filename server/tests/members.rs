//! Members, devices and roles, enforced by the server (`cargo test -p juntas-server members`):
//! claim links and personal invites that work once, two networks on one server that never
//! see each other, changes a role may not make refused and not kept, inquiry records read
//! only by those who may, and a removed device or member disconnected at once.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, transaction::Transactable};
use juntas_core::DocumentId;
use juntas_core::model::history::{self, Stamp, Verb};
use juntas_core::model::network::{self, Command};
use juntas_core::model::{centre_plan, inquiry};
use juntas_core::signing;
use juntas_core::sync::Incoming;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

mod common;
use common::*;

#[derive(Debug, PartialEq)]
enum Outcome {
    Synced,
    Unavailable,
    Error(String),
    Closed,
}

/// Exchanges messages until the server settles `id` for this client: in sync, unavailable,
/// or an error (which closes the connection).
async fn settle(c: &mut Client, id: DocumentId) -> Outcome {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut now = 1;
    loop {
        if c.in_sync(id) {
            return Outcome::Synced;
        }
        let ws = c.ws.as_mut().unwrap();
        let Ok(msg) = tokio::time::timeout_at(deadline, next_binary(ws)).await else {
            panic!("{}: nothing settled in 10 s", c.name)
        };
        let Some(msg) = msg else { return Outcome::Closed };
        let session = c.session.as_mut().unwrap();
        match session.receive(&msg).unwrap() {
            Incoming::Sync { document_id, message, .. } => {
                now += 1;
                let applied = session.apply(now, document_id, &mut c.doc, message).unwrap();
                if let Some(reply) = applied.reply {
                    use futures::SinkExt;
                    ws.send(tokio_tungstenite::tungstenite::Message::Binary(reply.into()))
                        .await
                        .unwrap();
                }
            }
            Incoming::Unavailable { .. } => return Outcome::Unavailable,
            Incoming::RemoteError { message } => return Outcome::Error(message),
            other => panic!("unexpected {other:?}"),
        }
    }
}

async fn open(addr: SocketAddr, token: &str, id: DocumentId, doc: AutoCommit) -> (Client, Outcome) {
    let mut c = Client::new("c", doc);
    c.connect(addr, token, id).await;
    let outcome = settle(&mut c, id).await;
    (c, outcome)
}

fn stamp(by: &str) -> Stamp {
    Stamp::new(by, 1_700_000_000_000)
}

async fn server()
-> (SocketAddr, tempfile::TempDir, tempfile::TempDir, tokio::sync::oneshot::Sender<()>) {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    let (addr, stop) = start(data.path(), dist.path()).await;
    (addr, data, dist, stop)
}

#[tokio::test]
async fn members_a_claim_link_works_once_and_only_for_a_facilitator() {
    let (addr, _d, _s, _stop) = server().await;
    let _f1 = token(addr).await; // claims the test network as f1
    let code = claim_code(addr).await;
    let claim = |code: &str, network: String, member: &str| json!({"code": code, "network": network, "member": member, "device": "x"});
    // The network is on the server: only one of its facilitators may claim it, and only once.
    let (status, body) =
        call(addr, "POST", "/api/claim", claim(&code, net().to_string(), "p1"), None).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) =
        call(addr, "POST", "/api/claim", claim(&code, net().to_string(), "f1"), None).await;
    assert_eq!((status, body["error"].as_str()), (410, Some("this network was already claimed")));
    // A new network with it, then the same link again.
    let other = DocumentId::from_bytes([0xBB; 16]).to_string();
    let (status, _) =
        call(addr, "POST", "/api/claim", claim(&code, other.clone(), "f9"), None).await;
    assert_eq!(status, 200);
    let third = DocumentId::from_bytes([0xCC; 16]).to_string();
    let (status, body) =
        call(addr, "POST", "/api/claim", claim(&code, third.clone(), "f9"), None).await;
    assert_eq!((status, body["error"].as_str()), (410, Some("this invite was already used")));
    let (status, _) =
        call(addr, "POST", "/api/claim", claim("forged", third.clone(), "f9"), None).await;
    assert_eq!(status, 404);
    // A facilitator whose answer was lost asks again with the token her app made: the same
    // registration, and the token works; without it the link is used.
    let code = claim_code(addr).await;
    let mine = "d".repeat(64);
    let with_token =
        json!({"code": code, "network": third, "member": "f9", "device": "Android", "token": mine});
    let (status, first) = call(addr, "POST", "/api/claim", with_token.clone(), None).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = call(addr, "POST", "/api/claim", with_token, None).await;
    assert_eq!((status, &again), (200, &first));
    assert_eq!(again["token"].as_str(), Some(mine.as_str()));
    let devices = format!("/api/devices?network={third}");
    let (status, body) = call(addr, "GET", &devices, json!({}), Some(&mine)).await;
    assert_eq!(status, 200, "the token she made is hers: {body}");
    assert_eq!(body["devices"].as_array().map(Vec::len), Some(1), "one phone: {body}");
    let (status, body) =
        call(addr, "POST", "/api/claim", claim(&code, third.clone(), "f9"), None).await;
    assert_eq!((status, body["error"].as_str()), (410, Some("this invite was already used")));
    // Without the operator's key there are no claim links.
    let (status, _) =
        call(addr, "POST", "/api/claim-links", json!({}), Some("a-guess-at-the-key")).await;
    assert_eq!(status, 401);
}

/// Writes `bytes` as the one stored chunk of document `id` in `data`, as the server stores it.
fn store_raw(data: &std::path::Path, id: DocumentId, bytes: &[u8]) {
    let s = id.to_string();
    let dir = data.join("docs").join(&s[..2]).join(&s[2..]).join("snapshot");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{:064x}", 1)), bytes).unwrap();
}

#[tokio::test]
async fn members_a_stored_network_the_server_cannot_read_is_said_not_taken_for_a_missing_one() {
    let (data, dist) = (tempfile::tempdir().unwrap(), dist());
    // Two stored copies that are not a network the server can read: one does not load, one
    // loads but is no network document.
    let garbage = DocumentId::from_bytes([0xD1; 16]);
    store_raw(data.path(), garbage, b"not an automerge document at all");
    let other = DocumentId::from_bytes([0xD2; 16]);
    store_raw(data.path(), other, &doc_with("acta").save());
    let (addr, _stop) = start(data.path(), dist.path()).await;
    let code = claim_code(addr).await;
    for id in [garbage, other, garbage, other] {
        // Claiming it must not skip the facilitator check as for a network nobody stored.
        let body = json!({"code": code, "network": id.to_string(), "member": "f1", "device": "x"});
        let (status, body) = call(addr, "POST", "/api/claim", body, None).await;
        assert_eq!(status, 500, "{body}");
        let said = body["error"].as_str().unwrap_or_default();
        assert!(said.starts_with("the server cannot read this network: "), "{said}");
    }
    // Logged and counted for the operator, once per cause however often asked; the link was
    // not used up.
    assert_eq!(metric(addr, "juntas_storage_errors_total").await, 2);
    let fresh = DocumentId::from_bytes([0xD3; 16]).to_string();
    let body = json!({"code": code, "network": fresh, "member": "f1", "device": "x"});
    let (status, body) = call(addr, "POST", "/api/claim", body, None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn members_a_personal_invite_works_once_and_only_a_facilitator_invites_others() {
    let (addr, _d, _s, _stop) = server().await;
    let p1 = token_of(addr, "p1").await;
    let invite = |member: &str| json!({"network": net().to_string(), "member": member});
    let (status, body) = call(addr, "POST", "/api/invites", invite("p2"), Some(&p1)).await;
    assert_eq!(status, 403, "{body}");
    // Her own second device: allowed.
    let (status, body) = call(addr, "POST", "/api/invites", invite("p1"), Some(&p1)).await;
    assert_eq!(status, 200, "{body}");
    let code = body["path"].as_str().unwrap().split_once("invitacion=").unwrap().1.to_owned();
    let redeem = json!({"code": code, "device": "Android"});
    let (status, body) = call(addr, "POST", "/api/redeem", redeem.clone(), None).await;
    assert_eq!((status, body["member"].as_str()), (200, Some("p1")));
    // Whom and where it registers, for her phone to say before its documents are in.
    assert_eq!(
        body["welcome"],
        json!({"network": "Red de prueba", "slep": "SLEP", "name": "Ana", "role": "directora", "centre": null})
    );
    let (status, body) = call(addr, "POST", "/api/redeem", redeem, None).await;
    assert_eq!((status, body["error"].as_str()), (410, Some("this invite was already used")));
    // A phone that made its own token gets its registration again with it (its first answer
    // was lost), and the token works.
    let (status, body) = call(addr, "POST", "/api/invites", invite("p1"), Some(&p1)).await;
    assert_eq!(status, 200, "{body}");
    let code = body["path"].as_str().unwrap().split_once("invitacion=").unwrap().1.to_owned();
    let mine = "0123456789abcdef".repeat(4);
    let redeem = json!({"code": code, "device": "Android", "token": mine});
    let (_, first) = call(addr, "POST", "/api/redeem", redeem.clone(), None).await;
    let (status, again) = call(addr, "POST", "/api/redeem", redeem, None).await;
    assert_eq!((status, &again), (200, &first));
    assert_eq!(again["token"].as_str(), Some(mine.as_str()));
    let (status, _) = call(addr, "POST", "/api/invites", invite("p1"), Some(&mine)).await;
    assert_eq!(status, 200, "the token she made is hers");
    let bad = json!({"code": "whatever", "device": "x", "token": "short"});
    let (status, body) = call(addr, "POST", "/api/redeem", bad, None).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("this device token cannot be used")));
    let f1 = token(addr).await;
    let (status, _) = call(addr, "POST", "/api/invites", invite("nobody"), Some(&f1)).await;
    assert_eq!(status, 400);
    let (status, _) = call(addr, "POST", "/api/invites", invite("p1"), Some("forged")).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn members_two_networks_on_one_server_never_see_each_other() {
    let (addr, _d, _s, _stop) = server().await;
    let ours = token(addr).await;
    // A second network, claimed and uploaded by its own founder.
    let theirs_id = DocumentId::from_bytes([0xBB; 16]);
    let code = claim_code(addr).await;
    let body =
        json!({"code": code, "network": theirs_id.to_string(), "member": "f1", "device": "x"});
    let (status, body) = call(addr, "POST", "/api/claim", body, None).await;
    assert_eq!(status, 200, "{body}");
    let theirs = body["token"].as_str().unwrap().to_owned();
    let (_, outcome) = open(addr, &theirs, theirs_id, network_doc()).await;
    assert_eq!(outcome, Outcome::Synced);
    let their_plan = DocumentId::from_bytes([0xBC; 16]);
    let plan = juntas_core::model::plan::skeleton(theirs_id, 2027);
    assert_eq!(open(addr, &theirs, their_plan, plan).await.1, Outcome::Synced);

    // Our facilitator knows their ids: both are answered as if nobody had them.
    assert_eq!(open(addr, &ours, theirs_id, AutoCommit::new()).await.1, Outcome::Unavailable);
    assert_eq!(open(addr, &ours, their_plan, AutoCommit::new()).await.1, Outcome::Unavailable);
    // Nor can she put a document into their network.
    let mut sneaky = AutoCommit::new();
    sneaky.put(ROOT, "kind", juntas_core::model::plan::KIND).unwrap();
    sneaky.put(ROOT, "network_id", theirs_id.to_string()).unwrap();
    sneaky.commit();
    let (_, outcome) = open(addr, &ours, DocumentId::from_bytes([0xBD; 16]), sneaky).await;
    let Outcome::Error(m) = outcome else { panic!("{outcome:?}") };
    assert!(m.starts_with("change refused") && m.contains("not a member"), "{m}");
    // Nothing of it was kept: their founder cannot find it either.
    let (_, outcome) =
        open(addr, &theirs, DocumentId::from_bytes([0xBD; 16]), AutoCommit::new()).await;
    assert_eq!(outcome, Outcome::Unavailable);
}

/// Writes an `aprobar` event the way a modified client would, signed in history as `by`.
fn approve(doc: &mut AutoCommit, id: &str, by: &str) {
    let events = match doc.get(ROOT, "events").unwrap() {
        Some((_, o)) => o,
        None => doc.put_object(ROOT, "events", ObjType::Map).unwrap(),
    };
    let e = doc.put_object(&events, id, ObjType::Map).unwrap();
    for (k, v) in [("action", "aprobar"), ("by", by), ("heads", ""), ("note", "")] {
        doc.put(&e, k, v).unwrap();
    }
    history::commit(doc, &stamp(by), Verb::Approve, "");
}

fn events(doc: &AutoCommit) -> usize {
    match doc.get(ROOT, "events").unwrap() {
        Some((_, o)) => doc.length(&o),
        None => 0,
    }
}

#[tokio::test]
async fn members_a_principal_approving_her_own_plan_is_refused_and_nobody_receives_it() {
    let (addr, _d, _s, _stop) = server().await;
    let (f1, p1, s1) = (token(addr).await, token_of(addr, "p1").await, token_of(addr, "s1").await);
    let plan_id = DocumentId::from_bytes([0x51; 16]);
    let plan = centre_plan::skeleton(net(), 2027, "c1");
    assert_eq!(open(addr, &f1, plan_id, plan).await.1, Outcome::Synced);

    // Ana, principal of c1, with a client that skips the app's checks.
    let (mut ana, outcome) = open(addr, &p1, plan_id, AutoCommit::new()).await;
    assert_eq!(outcome, Outcome::Synced);
    approve(&mut ana.doc, "e1", "p1");
    ana.push(plan_id).await;
    let outcome = settle(&mut ana, plan_id).await;
    let Outcome::Error(m) = outcome else { panic!("{outcome:?}") };
    assert!(m.starts_with("change refused") && m.contains("only a SLEP professional"), "{m}");
    // The SLEP reads the plan without it, and her own approval is kept.
    let (mut rodrigo, outcome) = open(addr, &s1, plan_id, AutoCommit::new()).await;
    assert_eq!(outcome, Outcome::Synced);
    assert_eq!(events(&rodrigo.doc), 0, "the refused approval was not kept");
    approve(&mut rodrigo.doc, "e2", "s1");
    rodrigo.push(plan_id).await;
    assert_eq!(settle(&mut rodrigo, plan_id).await, Outcome::Synced);
    let (reader, _) = open(addr, &f1, plan_id, AutoCommit::new()).await;
    assert_eq!(events(&reader.doc), 1);
    // The same approval written with history naming someone else is refused too.
    let (mut rodrigo, _) = open(addr, &s1, plan_id, AutoCommit::new()).await;
    approve(&mut rodrigo.doc, "e3", "f1");
    rodrigo.push(plan_id).await;
    let outcome = settle(&mut rodrigo, plan_id).await;
    assert!(
        matches!(&outcome, Outcome::Error(m) if m.contains("must name the member who signs")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn members_a_record_is_read_by_its_author_the_facilitators_and_the_slep_only_and_kept_once_finalised()
 {
    let (addr, _d, _s, _stop) = server().await;
    let f1 = token(addr).await;
    let (p1, p2, s1) =
        (token_of(addr, "p1").await, token_of(addr, "p2").await, token_of(addr, "s1").await);
    let inquiry_id = DocumentId::from_bytes([0x61; 16]);
    let mut inq = AutoCommit::new();
    let d = inquiry::Definition {
        title: "Indagación".into(),
        challenge: "Reto".into(),
        keywords: String::new(),
        diagnosis: String::new(),
        questions: vec!["¿Qué?".into()],
        roles: vec!["Educadora".into()],
        deadline: String::new(),
    };
    inquiry::create(&mut inq, &net().to_string(), &d, &stamp("f1")).unwrap();
    // A principal may not define an inquiry.
    let (_, outcome) = open(addr, &p1, DocumentId::from_bytes([0x60; 16]), inq.clone()).await;
    assert!(
        matches!(&outcome, Outcome::Error(m) if m.contains("only a facilitator")),
        "{outcome:?}"
    );
    assert_eq!(open(addr, &f1, inquiry_id, inq).await.1, Outcome::Synced);

    let record = |principal: &str| {
        let mut r = AutoCommit::new();
        r.put(ROOT, "kind", inquiry::RECORD_KIND).unwrap();
        r.put(ROOT, "inquiry_id", inquiry_id.to_string()).unwrap();
        r.put(ROOT, "principal_id", principal).unwrap();
        r.put(ROOT, "centre_id", "c1").unwrap();
        r.commit();
        r
    };
    // Bea cannot start a record in Ana's name.
    let (_, outcome) = open(addr, &p2, DocumentId::from_bytes([0x63; 16]), record("p1")).await;
    assert!(matches!(&outcome, Outcome::Error(m) if m.contains("principal_id")), "{outcome:?}");
    let record_id = DocumentId::from_bytes([0x62; 16]);
    assert_eq!(open(addr, &p1, record_id, record("p1")).await.1, Outcome::Synced);
    assert_eq!(open(addr, &p2, record_id, AutoCommit::new()).await.1, Outcome::Unavailable);
    assert_eq!(open(addr, &s1, record_id, AutoCommit::new()).await.1, Outcome::Synced);
    assert_eq!(open(addr, &f1, record_id, AutoCommit::new()).await.1, Outcome::Synced);

    // Ana finalises on her laptop; her phone, which had not heard, deletes the draft: the
    // server refuses the deletion (the facilitation and the SLEP count a finalised record).
    let (mut laptop, _) = open(addr, &p1, record_id, AutoCommit::new()).await;
    let (mut phone, _) = open(addr, &p1, record_id, AutoCommit::new()).await;
    laptop.doc.put(ROOT, "finalised_at", 1_700_000_000_000i64).unwrap();
    history::commit(&mut laptop.doc, &stamp("p1"), Verb::Finalise, "");
    laptop.push(record_id).await;
    assert_eq!(settle(&mut laptop, record_id).await, Outcome::Synced);
    phone.doc.put(ROOT, inquiry::DISCARDED, 1_700_000_000_001i64).unwrap();
    history::commit(&mut phone.doc, &stamp("p1"), Verb::Discard, "");
    phone.push(record_id).await;
    let outcome = settle(&mut phone, record_id).await;
    assert!(
        matches!(&outcome, Outcome::Error(m) if m.contains("a finalised record is counted")),
        "{outcome:?}"
    );
    let (reader, _) = open(addr, &f1, record_id, AutoCommit::new()).await;
    assert!(reader.doc.get(ROOT, "finalised_at").unwrap().is_some());
    assert!(reader.doc.get(ROOT, inquiry::DISCARDED).unwrap().is_none(), "deletion not kept");
}

/// Reads until the connection closes; the error it closed with, and when.
async fn closed_with(c: &mut Client) -> (Option<String>, Instant) {
    let ws = c.ws.as_mut().unwrap();
    let session = c.session.as_mut().unwrap();
    let mut error = None;
    // Generous: under the whole suite's load on two cores a message can take seconds.
    while let Ok(Some(bytes)) = tokio::time::timeout(Duration::from_secs(15), next_binary(ws)).await
    {
        if let Ok(Incoming::RemoteError { message }) = session.receive(&bytes) {
            error = Some(message);
        }
    }
    (error, Instant::now())
}

#[tokio::test]
async fn members_a_removed_device_is_disconnected_within_a_second_and_refused_after() {
    let (addr, _d, _s, _stop) = server().await;
    let f1 = token(addr).await;
    let p1 = token_of(addr, "p1").await;
    let id = new_doc_id(3);
    assert_eq!(open(addr, &f1, id, doc_with("Plan")).await.1, Outcome::Synced);
    let (mut ana, outcome) = open(addr, &p1, id, AutoCommit::new()).await;
    assert_eq!(outcome, Outcome::Synced);

    // Ana sees only her own devices and cannot remove the facilitator's.
    let path = format!("/api/devices?network={}", net());
    let (status, body) = call(addr, "GET", &path, json!({}), Some(&p1)).await;
    assert_eq!(status, 200, "{body}");
    let mine = body["devices"].as_array().unwrap();
    assert!(mine.iter().all(|d| d["member"] == "p1") && !mine.is_empty(), "{body}");
    let (_, body) = call(addr, "GET", &path, json!({}), Some(&f1)).await;
    let all = body["devices"].as_array().unwrap().clone();
    let facilitators =
        all.iter().find(|d| d["member"] == "f1").unwrap()["id"].as_str().unwrap().to_owned();
    let anas = mine[0]["id"].as_str().unwrap().to_owned();
    let (status, _) =
        call(addr, "DELETE", &format!("/api/devices/{facilitators}"), json!({}), Some(&p1)).await;
    assert_eq!(status, 403);

    // A browser holding both devices' tokens in one session (as a phone registered in two
    // networks does): its cookie's value and the mark it sends back with it.
    let (status, raw) = post(addr, "/session", &format!("{f1}\n{p1}"), None).await;
    assert_eq!(status, 200, "{raw}");
    let answer: serde_json::Value =
        serde_json::from_str(raw.split_once("\r\n\r\n").unwrap().1).unwrap();
    let mark = answer["session"].as_str().unwrap().to_owned();
    let both = format!("{f1}.{p1}");
    let with_mark = |mark: Option<&str>| {
        let query = mark.map(|m| format!("?s={m}")).unwrap_or_default();
        let mut req = format!("ws://{addr}/sync{query}").into_client_request().unwrap();
        req.headers_mut().insert("authorization", format!("Bearer {both}").parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    drop(with_mark(Some(&mark)).await.expect("the session connects while both are granted"));

    let removed_at = Instant::now();
    let (status, _) =
        call(addr, "DELETE", &format!("/api/devices/{anas}"), json!({}), Some(&f1)).await;
    assert_eq!(status, 204);
    let (error, at) = closed_with(&mut ana).await;
    assert!(at - removed_at < Duration::from_secs(1), "closed after {:?}", at - removed_at);
    assert_eq!(error.as_deref(), Some("device removed"));
    match connect(addr, Some(&p1), None).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 401),
        other => panic!("a removed device connected: {:?}", other.is_ok()),
    }
    let (status, _) = post(addr, "/session", &p1, None).await;
    assert_eq!(status, 401);
    // The browser's session that held her device is refused as it reconnects, so it asks
    // `/session` anew (which grants the other device alone); a client with no session mark
    // still connects with the tokens that work.
    match with_mark(Some(&mark)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 401),
        other => panic!("a session holding a removed device connected: {:?}", other.is_ok()),
    }
    assert!(with_mark(None).await.is_ok());
}

#[tokio::test]
async fn members_a_member_removed_from_the_network_is_disconnected_and_refused() {
    let (addr, _d, _s, _stop) = server().await;
    let f1 = token(addr).await;
    let p2 = token_of(addr, "p2").await;
    let (mut bea, outcome) = open(addr, &p2, net(), AutoCommit::new()).await;
    assert_eq!(outcome, Outcome::Synced);
    // Bea may not change roles: making herself a facilitator is refused.
    let mut escalate = bea.doc.fork();
    network::apply(
        &mut escalate,
        Command::PutMember {
            id: "p2".into(),
            member: network::Member {
                name: "Bea".into(),
                role: network::Role::Facilitator,
                centre_id: None,
            },
        },
        5,
    )
    .unwrap();
    let (mut bea2, _) = open(addr, &token_of(addr, "p2").await, net(), AutoCommit::new()).await;
    bea2.doc.merge(&mut escalate).unwrap();
    bea2.push(net()).await;
    let outcome = settle(&mut bea2, net()).await;
    assert!(
        matches!(&outcome, Outcome::Error(m) if m.contains("only a facilitator changes members and roles")),
        "{outcome:?}"
    );

    // The facilitator removes her.
    let (mut ignacio, _) = open(addr, &f1, net(), AutoCommit::new()).await;
    network::apply(&mut ignacio.doc, Command::RemoveMember { id: "p2".into() }, 6).unwrap();
    ignacio.push(net()).await;
    // Until the server has it: a push waits when a reply to his last message is still in
    // flight (then the change goes with his answer to it).
    assert_eq!(settle(&mut ignacio, net()).await, Outcome::Synced);
    let (error, _) = closed_with(&mut bea).await;
    assert_eq!(error.as_deref(), Some("device removed"));
    // A former member's token connects no more, and gets no session: not a connection whose
    // documents are "unavailable", closed again at the network's next change.
    match connect(addr, Some(&p2), None).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 401),
        other => panic!("a former member connected: {:?}", other.is_ok()),
    }
    let body_of = |raw: &str| raw.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap();
    let (status, raw) = post(addr, "/session", &p2, None).await;
    assert_eq!((status, body_of(&raw).as_str()), (401, "this device was removed from the network"));
    // With a token that still works beside it, the session is for that one alone.
    let (status, raw) = post(addr, "/session", &format!("{p2}\n{f1}"), None).await;
    assert_eq!(status, 200, "{raw}");
    let answer: serde_json::Value = serde_json::from_str(&body_of(&raw)).unwrap();
    let members: Vec<&str> = answer["networks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["member"].as_str())
        .collect();
    assert_eq!(members, ["f1"]);
    assert_eq!(answer["refused"].as_str(), Some("this device was removed from the network"));
}

/// Registers a P-256 key for the device of `token` (as the app does with WebCrypto) and
/// returns the certified device and the server's public key.
async fn register_key(
    addr: SocketAddr,
    token: &str,
    key: &p256::ecdsa::SigningKey,
) -> (signing::Device, Vec<u8>) {
    let public = key.verifying_key().to_encoded_point(false).as_bytes().to_vec();
    let (status, body) =
        call(addr, "POST", "/api/device-key", json!({"key": hex::encode(&public)}), Some(token))
            .await;
    assert_eq!(status, 200, "{body}");
    let hex = |k: &str| hex::decode(body[k].as_str().unwrap()).unwrap();
    let device = signing::Device {
        network: body["network"].as_str().unwrap().into(),
        member: body["member"].as_str().unwrap().into(),
        device: body["device"].as_str().unwrap().into(),
        key: public,
        cert: hex("cert"),
    };
    (device, hex("server_key"))
}

/// Signs this actor's latest change with `key` and writes the head, as the app does.
fn sign_head(doc: &mut AutoCommit, key: &p256::ecdsa::SigningKey, device: &signing::Device) {
    use p256::ecdsa::signature::Signer;
    let (seq, hash) = signing::to_sign(doc).unwrap();
    let sig: p256::ecdsa::Signature = key.sign(&signing::head_message(&hash));
    signing::write_head(doc, device, seq, hash, &sig.to_bytes()).unwrap();
}

#[tokio::test]
async fn members_a_relayed_signed_approval_is_the_slep_s_and_forged_or_removed_signers_are_refused()
{
    let (addr, _d, _s, _stop) = server().await;
    let (f1, p1, s1) = (token(addr).await, token_of(addr, "p1").await, token_of(addr, "s1").await);
    let slep_key = p256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap();
    let (slep, server_key) = register_key(addr, &s1, &slep_key).await;
    // A device registers one key for its life.
    let other = p256::ecdsa::SigningKey::from_slice(&[4; 32]).unwrap();
    let public = hex::encode(other.verifying_key().to_encoded_point(false).as_bytes());
    let (status, _) =
        call(addr, "POST", "/api/device-key", json!({"key": public}), Some(&s1)).await;
    assert_eq!(status, 409);
    let (status, _) =
        call(addr, "POST", "/api/device-key", json!({"key": "00ff"}), Some(&s1)).await;
    assert_eq!(status, 400);

    let plan_id = DocumentId::from_bytes([0x71; 16]);
    let (mut reader, outcome) =
        open(addr, &f1, plan_id, centre_plan::skeleton(net(), 2027, "c1")).await;
    assert_eq!(outcome, Outcome::Synced);

    // Rodrigo approves on his phone with no signal; Ana's phone carries it (a bundle) and
    // syncs it: it is his, signed by his device, so the server takes it from her.
    let mut rodrigo = reader.doc.fork();
    approve(&mut rodrigo, "e1", "s1");
    sign_head(&mut rodrigo, &slep_key, &slep);
    let (mut ana, _) = open(addr, &p1, plan_id, AutoCommit::new()).await;
    ana.doc.merge(&mut rodrigo.clone()).unwrap();
    ana.push(plan_id).await;
    assert_eq!(settle(&mut ana, plan_id).await, Outcome::Synced);
    let (mut check, _) = open(addr, &f1, plan_id, AutoCommit::new()).await;
    assert_eq!(events(&check.doc), 1, "the relayed approval was kept");
    let sigs = signing::signatures(
        &mut check.doc,
        &net().to_string(),
        &server_key,
        &mut |k: &[u8], m: &[u8], s: &[u8]| juntas_server::signatures::check(k, m, s),
    );
    let by = history::entries_signed(&mut check.doc, &sigs).pop().unwrap();
    assert_eq!((by.by.as_str(), by.signed), ("s1", history::Signed::By("s1".into())));

    // Ana writes an approval under Rodrigo's actor: a forged actor, refused.
    let mut forged = rodrigo.fork().with_actor(rodrigo.get_actor().clone());
    approve(&mut forged, "e2", "s1");
    let (mut ana, _) = open(addr, &p1, plan_id, AutoCommit::new()).await;
    ana.doc.merge(&mut forged).unwrap();
    ana.push(plan_id).await;
    let outcome = settle(&mut ana, plan_id).await;
    assert!(matches!(&outcome, Outcome::Error(m) if m.contains("forged actor")), "{outcome:?}");

    // The facilitator removes Rodrigo's device: what it signs afterwards is refused, even
    // carried by someone else.
    let path = format!("/api/devices?network={}", net());
    let (_, body) = call(addr, "GET", &path, json!({}), Some(&f1)).await;
    let his = body["devices"].as_array().unwrap().iter().find(|d| d["id"] == slep.device.as_str());
    assert!(his.is_some(), "{body}");
    let (status, _) =
        call(addr, "DELETE", &format!("/api/devices/{}", slep.device), json!({}), Some(&f1)).await;
    assert_eq!(status, 204);
    approve(&mut rodrigo, "e3", "s1");
    sign_head(&mut rodrigo, &slep_key, &slep);
    let (mut ana, _) = open(addr, &p1, plan_id, AutoCommit::new()).await;
    ana.doc.merge(&mut rodrigo).unwrap();
    ana.push(plan_id).await;
    let outcome = settle(&mut ana, plan_id).await;
    assert!(matches!(&outcome, Outcome::Error(m) if m.contains("removed")), "{outcome:?}");
    let (check, _) = open(addr, &f1, plan_id, AutoCommit::new()).await;
    assert_eq!(events(&check.doc), 1, "nothing after the removal was kept");
}

/// `GET path` with a bearer token; returns (status, body bytes).
async fn get_bytes(addr: SocketAddr, path: &str, bearer: Option<&str>) -> (u16, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let auth = bearer.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let status = std::str::from_utf8(&out[9..12]).unwrap().parse().unwrap();
    let at = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    (status, out[at..].to_vec())
}

#[tokio::test]
async fn members_an_invited_phone_gets_its_network_document_before_it_syncs_and_only_while_a_member()
 {
    let (addr, _d, _s, _stop) = server().await;
    let f1 = token(addr).await;
    // Ana's phone, just registered by her invite: the network as the server has it.
    let p1 = token_of(addr, "p1").await;
    let (status, bytes) = get_bytes(addr, "/api/network-document", Some(&p1)).await;
    assert_eq!(status, 200);
    let doc = AutoCommit::load(&bytes).expect("a whole Automerge document");
    let read = network::read(&doc).unwrap();
    assert_eq!(read.name, "Red de prueba");
    assert_eq!(read.members["p1"].name, "Ana");
    // The facilitator's later change is in the next answer: it is the document as it is now.
    let (mut ignacio, _) = open(addr, &f1, net(), AutoCommit::new()).await;
    network::apply(
        &mut ignacio.doc,
        Command::Rename { name: "Red Norte".into(), slep: "SLEP".into() },
        7,
    )
    .unwrap();
    ignacio.push(net()).await;
    assert_eq!(settle(&mut ignacio, net()).await, Outcome::Synced);
    let (_, bytes) = get_bytes(addr, "/api/network-document", Some(&p1)).await;
    assert_eq!(network::read(&AutoCommit::load(&bytes).unwrap()).unwrap().name, "Red Norte");
    // No token, or a made-up one: nothing.
    let (status, _) = get_bytes(addr, "/api/network-document", None).await;
    assert_eq!(status, 401);
    let (status, _) = get_bytes(addr, "/api/network-document", Some("forged")).await;
    assert_eq!(status, 401);
    // Removed from the network, her device reads nothing of it, as its sync would.
    network::apply(&mut ignacio.doc, Command::RemoveMember { id: "p1".into() }, 8).unwrap();
    ignacio.push(net()).await;
    assert_eq!(settle(&mut ignacio, net()).await, Outcome::Synced);
    let (status, body) = get_bytes(addr, "/api/network-document", Some(&p1)).await;
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
}
