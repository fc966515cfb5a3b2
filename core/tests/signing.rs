//! Signed heads with real ECDSA P-256 keys (RustCrypto here; WebCrypto in the browser): who
//! history names, what the server's judge accepts from a relaying member, and what it refuses
//! (a forged actor, a bad signature, another actor's head).

use std::collections::BTreeMap;

use automerge::{ActorId, AutoCommit, ROOT, ReadDoc, transaction::Transactable};
use juntas_core::DocumentId;
use juntas_core::model::centre_plan;
use juntas_core::model::history::{self, Signed, Stamp, Verb};
use juntas_core::model::network::{Centre, Member, Network, Role};
use juntas_core::rules::{Refusal, Who, judge_signed};
use juntas_core::signing::{self, Bad, Device, Signature};
use p256::ecdsa::{
    Signature as EcSig, SigningKey, VerifyingKey,
    signature::{Signer, Verifier},
};

const NET: &str = "net-1";

fn key(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).unwrap()
}

fn public(k: &SigningKey) -> Vec<u8> {
    k.verifying_key().to_encoded_point(false).as_bytes().to_vec()
}

fn sign(k: &SigningKey, m: &[u8]) -> Vec<u8> {
    let s: EcSig = k.sign(m);
    s.to_bytes().to_vec()
}

fn check(key: &[u8], message: &[u8], sig: &[u8]) -> bool {
    let (Ok(k), Ok(s)) = (VerifyingKey::from_sec1_bytes(key), EcSig::from_slice(sig)) else {
        return false;
    };
    k.verify(message, &s).is_ok()
}

/// The server's certificate for a device key of `member`.
fn device(server: &SigningKey, member: &str, dev: &SigningKey) -> Device {
    let key = public(dev);
    let cert = sign(server, &signing::cert_message(NET, member, &format!("d-{member}"), &key));
    Device { network: NET.into(), member: member.into(), device: format!("d-{member}"), key, cert }
}

/// Signs this actor's latest change and writes the head, as the app does when it sends.
fn sign_now(doc: &mut AutoCommit, dev: &SigningKey, d: &Device) {
    let (seq, hash) = signing::to_sign(doc).expect("something to sign");
    let sig = sign(dev, &signing::head_message(&hash));
    signing::write_head(doc, d, seq, hash, &sig).unwrap();
    assert_eq!(signing::to_sign(doc), None, "its own head write needs no signature");
}

fn sigs(doc: &mut AutoCommit, server: &SigningKey) -> BTreeMap<ActorId, Signature> {
    signing::signatures(doc, NET, &public(server), &mut check)
}

fn network() -> Network {
    let mut n = Network::new("Red", "SLEP", 1);
    n.centres.insert("c1".into(), Centre { name: "Jardín Uno".into(), ..Default::default() });
    let m = |name: &str, role, centre: Option<&str>| Member {
        name: name.into(),
        role,
        centre_id: centre.map(str::to_owned),
    };
    n.members.insert("p1".into(), m("Ana", Role::Principal, Some("c1")));
    n.members.insert("s1".into(), m("Rodrigo", Role::SlepProfessional, None));
    n
}

fn plan_as(actor: u8) -> AutoCommit {
    let mut doc = centre_plan::skeleton(DocumentId::from_bytes([7; 16]), 2027, "c1");
    doc.commit();
    doc.with_actor(ActorId::from([actor; 16].as_slice()))
}

fn approve(doc: &mut AutoCommit, by: &str) {
    let events = match doc.get(ROOT, "events").unwrap() {
        Some((_, o)) => o,
        None => doc.put_object(ROOT, "events", automerge::ObjType::Map).unwrap(),
    };
    let id = format!("e{}", doc.get_heads().len() + doc.get_changes(&[]).len());
    let e = doc.put_object(&events, id, automerge::ObjType::Map).unwrap();
    for (k, v) in [("action", "aprobar"), ("by", by), ("heads", ""), ("note", "")] {
        doc.put(&e, k, v).unwrap();
    }
    history::commit(doc, &Stamp::new(by, 1_700_000_000_000), Verb::Approve, "");
}

#[test]
fn history_names_the_signer_and_never_a_member_whose_signature_does_not_check() {
    let server = key(1);
    let (ana_key, slep_key) = (key(2), key(3));
    let (ana, slep) = (device(&server, "p1", &ana_key), device(&server, "s1", &slep_key));
    let mut doc = plan_as(10);
    approve(&mut doc, "s1");
    sign_now(&mut doc, &slep_key, &slep);
    let s = sigs(&mut doc, &server);
    let approved = history::entries_signed(&mut doc, &s);
    assert_eq!(
        approved.last().map(|e| (&e.by, &e.signed)),
        Some((&"s1".into(), &Signed::By("s1".into())))
    );
    assert!(
        history::entries(&mut doc).iter().all(|e| e.verb != Verb::Other(signing::MESSAGE.into())),
        "signature writes are not history"
    );

    // Ana's own device signs a change whose message says Rodrigo approved: not Rodrigo's.
    let mut forged = plan_as(11);
    approve(&mut forged, "s1");
    sign_now(&mut forged, &ana_key, &ana);
    let s = sigs(&mut forged, &server);
    let last = history::entries_signed(&mut forged, &s).pop().unwrap();
    assert_eq!((last.by.as_str(), last.signed), ("", Signed::Forged));

    // A key the server never certified (a device made up offline) signs as Rodrigo.
    let mut made_up = plan_as(12);
    approve(&mut made_up, "s1");
    let fake = device(&key(9), "s1", &key(4));
    sign_now(&mut made_up, &key(4), &fake);
    let s = sigs(&mut made_up, &server);
    assert_eq!(s.values().next(), Some(&Signature::Invalid(Bad::Certificate)));
    assert_eq!(history::entries_signed(&mut made_up, &s).pop().unwrap().signed, Signed::Forged);

    // A certificate from another network does not count here.
    let other = Device { network: "net-2".into(), ..slep.clone() };
    let mut elsewhere = plan_as(13);
    approve(&mut elsewhere, "s1");
    sign_now(&mut elsewhere, &slep_key, &other);
    assert_eq!(
        sigs(&mut elsewhere, &server).values().next(),
        Some(&Signature::Invalid(Bad::OtherNetwork))
    );

    // Not signed at all (a build before signatures): the message's name, marked unverified.
    let mut old = plan_as(14);
    approve(&mut old, "s1");
    let s = sigs(&mut old, &server);
    let last = history::entries_signed(&mut old, &s).pop().unwrap();
    assert_eq!((last.by.as_str(), last.signed), ("s1", Signed::Unsigned));
}

#[test]
fn one_signature_vouches_for_every_earlier_change_of_its_actor_and_not_for_later_ones() {
    let server = key(1);
    let slep_key = key(3);
    let slep = device(&server, "s1", &slep_key);
    let mut doc = plan_as(20);
    for i in 0..3 {
        doc.put(ROOT, format!("x{i}"), i).unwrap();
        history::commit(&mut doc, &Stamp::new("s1", 0), Verb::Edit, "1");
    }
    sign_now(&mut doc, &slep_key, &slep);
    doc.put(ROOT, "later", 1).unwrap();
    history::commit(&mut doc, &Stamp::new("s1", 0), Verb::Edit, "1");
    let s = sigs(&mut doc, &server);
    let signed: Vec<Signed> =
        history::entries_signed(&mut doc, &s).into_iter().map(|e| e.signed).collect();
    let by = Signed::By("s1".into());
    assert_eq!(&signed[signed.len() - 4..], &[by.clone(), by.clone(), by, Signed::Unsigned]);
    assert!(signing::to_sign(&mut doc).is_some(), "the later change still wants a signature");
}

#[test]
fn the_judge_takes_a_relayed_signed_change_as_its_signer_s_and_refuses_forgeries() {
    let n = network();
    let who_is = |m: &str| Who::of(&n, m);
    let ana = Who::of(&n, "p1").unwrap();
    let server = key(1);
    let (ana_key, slep_key) = (key(2), key(3));
    let slep = device(&server, "s1", &slep_key);

    // Rodrigo approved on his device; Ana's phone relays it (a bundle she imported).
    let mut doc = plan_as(30);
    let before = doc.get_heads();
    approve(&mut doc, "s1");
    sign_now(&mut doc, &slep_key, &slep);
    let s = sigs(&mut doc, &server);
    assert_eq!(judge_signed(&mut doc, &before, Some(&ana), &s, &who_is), Ok(()));
    // Without its signature, the same change is Ana's, and she may not approve.
    let mut unsigned = plan_as(31);
    let before = unsigned.get_heads();
    approve(&mut unsigned, "p1");
    let refused = judge_signed(&mut unsigned, &before, Some(&ana), &BTreeMap::new(), &who_is);
    assert_eq!(refused.unwrap_err().refusal, Refusal::OnlySlep);

    // Ana writes a change under Rodrigo's actor (after his signed head): a forged actor.
    let before = doc.get_heads();
    approve(&mut doc, "p1");
    let s = sigs(&mut doc, &server);
    let refused = judge_signed(&mut doc, &before, Some(&ana), &s, &who_is).unwrap_err();
    assert_eq!(refused.refusal, Refusal::ForgedActor);

    // A head whose signature does not check refuses what it claims to vouch for.
    let mut bad = plan_as(32);
    let before = bad.get_heads();
    approve(&mut bad, "s1");
    let (seq, hash) = signing::to_sign(&mut bad).unwrap();
    signing::write_head(&mut bad, &slep, seq, hash, &sign(&ana_key, &signing::head_message(&hash)))
        .unwrap();
    let s = sigs(&mut bad, &server);
    let refused = judge_signed(&mut bad, &before, Some(&ana), &s, &who_is).unwrap_err();
    assert_eq!(refused.refusal, Refusal::BadSignature { why: Bad::Signature });

    // A head write under Rodrigo's actor that does not check (someone else's bytes) is not
    // waved through as a signature: it would make his later changes unacceptable.
    let mut doc2 = plan_as(34);
    approve(&mut doc2, "s1");
    sign_now(&mut doc2, &slep_key, &slep);
    let before = doc2.get_heads();
    let (seq, hash) = (doc2.get_last_local_change().unwrap().seq(), doc2.get_heads()[0]);
    signing::write_head(&mut doc2, &slep, seq, hash, &sign(&ana_key, b"not his")).unwrap();
    let s = sigs(&mut doc2, &server);
    let refused = judge_signed(&mut doc2, &before, Some(&ana), &s, &who_is).unwrap_err();
    assert_eq!(refused.refusal, Refusal::BadSignature { why: Bad::Signature });

    // Writing another actor's head is refused even when the rest is allowed.
    let mut doc = plan_as(33);
    let before = doc.get_heads();
    doc.put(ROOT, signing::key_of(&ActorId::from([30; 16].as_slice())), "x").unwrap();
    history::commit(&mut doc, &Stamp::new("p1", 0), Verb::Edit, "");
    let refused = judge_signed(&mut doc, &before, Some(&ana), &BTreeMap::new(), &who_is);
    assert_eq!(refused.unwrap_err().refusal, Refusal::ForgedActor);
    let _ = ana_key;
}

#[test]
fn a_bundle_s_forged_changes_and_what_was_built_on_them_are_left_out_and_named() {
    let server = key(1);
    let (ana_key, slep_key) = (key(2), key(3));
    let (ana, slep) = (device(&server, "p1", &ana_key), device(&server, "s1", &slep_key));
    let mut doc = plan_as(40);
    // Rodrigo's real approval, signed.
    approve(&mut doc, "s1");
    sign_now(&mut doc, &slep_key, &slep);
    // Ana's device signs a second "approval by Rodrigo", then writes on top of it.
    let mut forged = doc.fork().with_actor(ActorId::from([41; 16].as_slice()));
    approve(&mut forged, "s1");
    sign_now(&mut forged, &ana_key, &ana);
    let mut on_top = forged.fork().with_actor(ActorId::from([42; 16].as_slice()));
    on_top.put(ROOT, "note", "x").unwrap();
    history::commit(&mut on_top, &Stamp::new("p1", 0), Verb::Comment, "");
    let mut bundle = doc.clone();
    bundle.merge(&mut on_top).unwrap();
    let s = sigs(&mut bundle, &server);
    let left_out = signing::screen(&mut bundle, &s).unwrap();
    assert_eq!(left_out.len(), 2, "{left_out:?}");
    let forged_part = left_out.iter().find(|l| l.why == Bad::OtherMember).expect("named");
    assert_eq!((forged_part.named.as_str(), forged_part.changes), ("s1", 1));
    assert!(
        left_out.iter().any(|l| l.named == "p1" && l.changes == 1 && l.why == Bad::BuiltOn),
        "built on it"
    );
    // What is left: Rodrigo's signed approval, and nothing of the forgery.
    let s = sigs(&mut bundle, &server);
    let entries = history::entries_signed(&mut bundle, &s);
    assert_eq!(entries.iter().filter(|e| e.verb == Verb::Approve).count(), 1);
    assert!(entries.iter().all(|e| e.signed != Signed::Forged));
    // A clean document is left as it is.
    let mut clean = doc.clone();
    let s = sigs(&mut clean, &server);
    assert_eq!(signing::screen(&mut clean, &s).unwrap(), vec![]);
    assert_eq!(clean.get_heads(), doc.get_heads());
}

mod replicas {
    //! Four replicas, three members and a forger, random merges and bundles: every replica
    //! ends with the same history, and no approval is ever attributed to anyone but the SLEP.

    use super::*;
    use proptest::prelude::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    #[derive(Debug, Clone)]
    enum Step {
        /// Replica `r`'s owner makes an allowed change and signs it.
        Work(usize),
        /// The forger, on replica `r`, writes an approval naming the SLEP with her own key.
        Forge(usize),
        /// Replica `from` syncs into `to` (everything, unscreened).
        Sync(usize, usize),
        /// A file from `from` is imported by `to` (screened).
        Bundle(usize, usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            3 => (0..4usize).prop_map(Step::Work),
            1 => (0..4usize).prop_map(Step::Forge),
            2 => (0..4usize, 0..4usize).prop_map(|(a, b)| Step::Sync(a, b)),
            2 => (0..4usize, 0..4usize).prop_map(|(a, b)| Step::Bundle(a, b)),
        ]
    }

    /// (key, message, signature).
    type Triple = (Vec<u8>, Vec<u8>, Vec<u8>);

    thread_local! {
        static MEMO: RefCell<HashMap<Triple, bool>> = RefCell::default();
    }

    fn memo_check(k: &[u8], m: &[u8], s: &[u8]) -> bool {
        let key = (k.to_vec(), m.to_vec(), s.to_vec());
        if let Some(v) = MEMO.with(|c| c.borrow().get(&key).copied()) {
            return v;
        }
        let v = check(k, m, s);
        MEMO.with(|c| c.borrow_mut().insert(key, v));
        v
    }

    fn signatures_of(doc: &mut AutoCommit, server: &[u8]) -> BTreeMap<ActorId, Signature> {
        signing::signatures(doc, NET, server, &mut memo_check)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replicas_agree_and_never_credit_a_forged_approval(
            steps in prop::collection::vec(step(), 1..24)
        ) {
            let server = key(1);
            let server_pk = public(&server);
            // Replica 0, 1: Ana (principal); 2: Rodrigo (SLEP); 3: Bea (who forges).
            let keys = [key(2), key(2), key(3), key(4)];
            let members = ["p1", "p1", "s1", "p2"];
            let devices: Vec<Device> =
                (0..4).map(|i| device(&server, members[i], &keys[i])).collect();
            let mut base = plan_as(50);
            let mut reps: Vec<AutoCommit> = (0..4)
                .map(|i| base.fork().with_actor(ActorId::from([60 + i as u8; 16].as_slice())))
                .collect();
            let mut n = 0;
            for s in &steps {
                n += 1;
                match *s {
                    Step::Work(r) => {
                        let by = members[r];
                        if by == "s1" {
                            approve(&mut reps[r], "s1");
                        } else {
                            reps[r].put(ROOT, format!("note{n}"), n).unwrap();
                            history::commit(&mut reps[r], &Stamp::new(by, n), Verb::Comment, "");
                        }
                        sign_now(&mut reps[r], &keys[r], &devices[r]);
                    }
                    Step::Forge(r) => {
                        approve(&mut reps[r], "s1");
                        sign_now(&mut reps[r], &keys[3], &devices[3]);
                    }
                    Step::Sync(a, b) if a != b => {
                        let mut from = reps[a].clone();
                        reps[b].merge(&mut from).unwrap();
                    }
                    Step::Bundle(a, b) if a != b => {
                        let mut file = reps[a].clone();
                        let sigs = signatures_of(&mut file, &server_pk);
                        signing::screen(&mut file, &sigs).unwrap();
                        reps[b].merge(&mut file).unwrap();
                    }
                    _ => {}
                }
            }
            // Everyone syncs with everyone.
            let mut all = reps[0].clone();
            for r in reps.iter_mut().skip(1) {
                all.merge(r).unwrap();
            }
            let mut histories = Vec::new();
            for r in reps.iter_mut() {
                r.merge(&mut all.clone()).unwrap();
                let sigs = signatures_of(r, &server_pk);
                let entries = history::entries_signed(r, &sigs);
                for e in &entries {
                    if e.verb == Verb::Approve {
                        // An approval is the SLEP's, or nobody's: never credited to another.
                        prop_assert!(
                            matches!(&e.signed, Signed::By(m) if m == "s1") || e.signed == Signed::Forged,
                            "{e:?}"
                        );
                    }
                }
                // Concurrent changes come in each replica's own causal order: compare what
                // the history says, not the order of equal times.
                let mut entries: Vec<String> = entries.iter().map(|e| format!("{e:?}")).collect();
                entries.sort();
                histories.push(entries);
            }
            for h in &histories[1..] {
                prop_assert_eq!(h, &histories[0]);
            }
        }
    }
}
