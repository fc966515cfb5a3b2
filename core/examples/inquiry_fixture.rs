//! Writes the inquiry benchmark's fixture: the example network with the annex 6 inquiry and 15
//! finalised records (one per centre, 3 participants each, answers typed key by key), as a
//! `.juntas` bundle. Prints the ids as JSON on stdout.
//!
//! `cargo run --release -p juntas-core --example inquiry_fixture -- OUT.juntas`

use automerge::{ActorId, AutoCommit};
use juntas_core::{
    DocumentId, bundle,
    model::{
        example,
        history::Stamp,
        inquiry::{self, Definition, Start, TextRef},
        network::{self, Role},
    },
};

const ANSWER: &str = "La inclusión es que cada niño y niña participe, con apoyos, en las mismas \
experiencias que sus pares; en la sala usamos rutinas anticipadas y apoyos visuales. ";

fn type_text(doc: &mut AutoCommit, target: &TextRef, text: &str, who: &str, t0: i64) {
    for (k, c) in text.chars().enumerate() {
        inquiry::splice(doc, target, k, 0, &c.to_string(), &Stamp::new(who, t0 + k as i64 * 300))
            .expect("typing");
    }
}

fn main() {
    let out = std::env::args().nth(1).expect("usage: inquiry_fixture OUT.juntas");
    let now = 1_760_000_000_000i64;
    let net_id = DocumentId::from_bytes(*b"juntas-bench-inq");
    let inquiry_id = DocumentId::from_bytes(*b"juntas-bench-iq1");
    let mut n = 0;
    let mut net = example::avanzando_juntas(now, || {
        n += 1;
        format!("b{n:03}")
    });
    net.inquiries.insert(inquiry_id.to_string(), true);
    let facilitator = net
        .members
        .iter()
        .find(|(_, m)| m.role == Role::Facilitator)
        .map(|(id, _)| id.clone())
        .unwrap_or_default();
    let mut inq = AutoCommit::new().with_actor(ActorId::from(vec![3; 16]));
    inquiry::create(
        &mut inq,
        &net_id.to_string(),
        &Definition::annex6(),
        &Stamp::new(&facilitator, now),
    )
    .expect("inquiry");
    let def = inquiry::read_inquiry(&inq).expect("read");
    let mut docs = Vec::new();
    let mut changes = 0usize;
    let mut first = None;
    for (k, (cid, centre)) in net.centres.iter().enumerate() {
        let (pid, principal) = net
            .members
            .iter()
            .find(|(_, m)| m.centre_id.as_deref() == Some(cid))
            .map(|(id, m)| (id.clone(), m.name.clone()))
            .unwrap_or_default();
        let id = DocumentId::from_bytes([k as u8 + 1; 16]);
        first.get_or_insert((id, principal.clone()));
        let mut doc = AutoCommit::new().with_actor(ActorId::from(vec![20 + k as u8; 16]));
        let start = Start {
            inquiry_id: inquiry_id.to_string(),
            principal_id: pid.clone(),
            principal_name: principal,
            centre_id: cid.clone(),
            centre_name: centre.name.clone(),
            date: "2026-06-08".into(),
        };
        let t = now + k as i64 * 10_000_000;
        inquiry::start_record(&mut doc, &def, &start, &Stamp::new(&pid, t)).expect("record");
        let field = |f: &str| TextRef::Field(f.into());
        type_text(&mut doc, &field("place"), "Sala de actividades", &pid, t);
        type_text(
            &mut doc,
            &field("guidance"),
            "Bases Curriculares de la Educación Parvularia",
            &pid,
            t,
        );
        type_text(&mut doc, &field("guidance_where"), "Principios pedagógicos", &pid, t);
        type_text(&mut doc, &field("nee_count"), &(k % 6).to_string(), &pid, t);
        type_text(
            &mut doc,
            &field("situation"),
            "Dos salas con niños y niñas con TEA; una con TEL.",
            &pid,
            t,
        );
        for p in 0..3 {
            let part = format!("p{p}");
            inquiry::add_participant(&mut doc, &part, &Stamp::new(&pid, t)).expect("participant");
            type_text(
                &mut doc,
                &TextRef::Name(part.clone()),
                &format!("Participante {p}"),
                &pid,
                t,
            );
            inquiry::set_role(&mut doc, &part, "Educadora de párvulos", &Stamp::new(&pid, t))
                .expect("role");
            for q in 0..def.definition.questions.len() {
                type_text(&mut doc, &TextRef::Answer(part.clone(), q), ANSWER, &pid, t);
            }
        }
        inquiry::finalise(&mut doc, "2026-06-08", &Stamp::new(&pid, t + 5_000_000))
            .expect("complete");
        changes += doc.get_changes(&[]).len();
        inquiry::list_record(&mut inq, &id.to_string(), cid, &Stamp::new(&pid, t)).expect("list");
        docs.push((id, doc.save()));
    }
    let mut net_doc = AutoCommit::new().with_actor(ActorId::from(vec![1; 16]));
    network::create(&mut net_doc, &net, now).expect("network");
    docs.insert(0, (inquiry_id, inq.save()));
    docs.insert(0, (net_id, net_doc.save()));
    let file = bundle::encode(net_id, now, &docs).expect("bundle");
    std::fs::write(&out, &file).expect("write the bundle");
    let (record, principal) = first.expect("15 centres");
    println!(
        "{{\"network\":\"{net_id}\",\"inquiry\":\"{inquiry_id}\",\"record\":\"{record}\",\
         \"principal\":\"{principal}\",\"records\":15,\"changes\":{changes},\"bundle_bytes\":{}}}",
        file.len()
    );
}
