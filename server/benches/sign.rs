//! `cargo xtask bench sign`: what signed changes cost, side by side with unsigned ones, in one
//! run (release build, this machine's CPU):
//!
//! - per signature: writing a head (`signing::to_sign` + ECDSA P-256 sign + `write_head`) and
//!   the bytes it adds to a saved document;
//! - per check: the server's `signing::verify` of one head (certificate + head signature);
//! - per message the server judges: one typed change judged with `rules::judge_signed`,
//!   unsigned vs. signed by its author's device (the head check included), for a plan of 1,000
//!   changes. The server caches a checked head, so the signed figure is an upper bound.

use std::collections::BTreeMap;
use std::time::Instant;

use automerge::ActorId;
use juntas_core::DocumentId;
use juntas_core::model::history::{self, Stamp, Verb};
use juntas_core::model::network::{Commission, Member, Network, Role};
use juntas_core::model::plan;
use juntas_core::rules::{Who, judge_signed};
use juntas_core::signing::{self, Device};
use p256::ecdsa::{Signature, SigningKey, signature::Signer};

const NET: &str = "bench-net";

fn public(k: &SigningKey) -> Vec<u8> {
    k.verifying_key().to_encoded_point(false).as_bytes().to_vec()
}

fn sign(k: &SigningKey, m: &[u8]) -> Vec<u8> {
    let s: Signature = k.sign(m);
    s.to_bytes().to_vec()
}

fn network() -> Network {
    let mut n = Network::new("Red", "SLEP", 1);
    n.members.insert(
        "p1".into(),
        Member { name: "Ana".into(), role: Role::Principal, centre_id: Some("c1".into()) },
    );
    n.commissions.insert(
        "k1".into(),
        Commission { name: "Protocolo".into(), members: [("p1".to_owned(), true)].into() },
    );
    n
}

fn median_us(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let server = SigningKey::from_slice(&[1; 32]).unwrap();
    let dev = SigningKey::from_slice(&[2; 32]).unwrap();
    let key = public(&dev);
    let cert = sign(&server, &signing::cert_message(NET, "p1", "d1", &key));
    let device =
        Device { network: NET.into(), member: "p1".into(), device: "d1".into(), key, cert };
    let server_key = public(&server);
    let net = network();
    let ana = Who::of(&net, "p1").unwrap();
    let who_is = |m: &str| Who::of(&net, m);

    // A plan with 1,000 typed changes in Ana's commission's section.
    let mut doc = plan::skeleton(DocumentId::from_bytes([7; 16]), 2027);
    plan::assign(&mut doc, "1.2", Some("k1"), &Stamp::new("f1", 0)).unwrap();
    let mut doc = doc.with_actor(ActorId::from([9; 16].as_slice()));
    for i in 0..1_000 {
        plan::splice(&mut doc, "1.2", i, 0, "a", &Stamp::new("p1", 0)).unwrap();
    }

    // Writing heads.
    let mut write = Vec::new();
    let rounds = 200;
    for i in 0..rounds {
        plan::splice(&mut doc, "1.2", 1_000 + i, 0, "b", &Stamp::new("p1", 0)).unwrap();
        let t = Instant::now();
        let (seq, hash) = signing::to_sign(&mut doc).unwrap();
        let sig = sign(&dev, &signing::head_message(&hash));
        signing::write_head(&mut doc, &device, seq, hash, &sig).unwrap();
        write.push(t.elapsed().as_secs_f64() * 1e6);
    }
    // The same typing without heads, for the bytes.
    let mut plain = plan::skeleton(DocumentId::from_bytes([7; 16]), 2027);
    plan::assign(&mut plain, "1.2", Some("k1"), &Stamp::new("f1", 0)).unwrap();
    let mut plain = plain.with_actor(ActorId::from([9; 16].as_slice()));
    for i in 0..1_000 + rounds {
        plan::splice(&mut plain, "1.2", i, 0, "a", &Stamp::new("p1", 0)).unwrap();
    }
    let signed_bytes = doc.save().len() as f64;
    let plain_bytes = plain.save().len() as f64;
    let per_head = (signed_bytes - plain_bytes) / rounds as f64;

    // Checking a head (the server's work for a head it has not seen).
    let head = signing::head_of(&doc, doc.get_actor()).unwrap().unwrap();
    let mut verify = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let s = signing::verify(
            &mut doc,
            &head,
            NET,
            &server_key,
            &mut |k: &[u8], m: &[u8], s: &[u8]| juntas_server::signatures::check(k, m, s),
        );
        verify.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(matches!(s, signing::Signature::Valid { .. }));
    }

    // Judging one typed change: unsigned, and signed (head checked in the same message).
    let mut unsigned_us = Vec::new();
    let mut signed_us = Vec::new();
    for i in 0..rounds {
        let before = doc.get_heads();
        plan::splice(&mut doc, "1.2", i, 0, "c", &Stamp::new("p1", 0)).unwrap();
        let t = Instant::now();
        judge_signed(&mut doc, &before, Some(&ana), &BTreeMap::new(), &who_is).unwrap();
        unsigned_us.push(t.elapsed().as_secs_f64() * 1e6);

        let before = doc.get_heads();
        plan::splice(&mut doc, "1.2", i, 0, "d", &Stamp::new("p1", 0)).unwrap();
        let (seq, hash) = signing::to_sign(&mut doc).unwrap();
        let sig = sign(&dev, &signing::head_message(&hash));
        signing::write_head(&mut doc, &device, seq, hash, &sig).unwrap();
        let t = Instant::now();
        let sigs =
            signing::signatures(&mut doc, NET, &server_key, &mut |k: &[u8], m: &[u8], s: &[u8]| {
                juntas_server::signatures::check(k, m, s)
            });
        judge_signed(&mut doc, &before, Some(&ana), &sigs, &who_is).unwrap();
        signed_us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let (u, s) = (median_us(unsigned_us), median_us(signed_us));
    let _ = history::entries(&mut doc);
    let _ = Verb::Edit;

    println!("signed changes (median of {rounds}, release, this machine)");
    println!("  write a head (to_sign + ECDSA sign + write_head): {:>8.1} µs", median_us(write));
    println!(
        "  bytes a head adds to the saved document:          {:>8.0} B ({} B with {rounds} heads vs {} B without)",
        per_head, signed_bytes, plain_bytes
    );
    println!("  check a head (certificate + signature):           {:>8.1} µs", median_us(verify));
    println!("  judge one typed change, unsigned:                 {:>8.1} µs", u);
    println!(
        "  judge one typed change + its head, signed:        {:>8.1} µs  (ratio {:.2})",
        s,
        s / u
    );
}
