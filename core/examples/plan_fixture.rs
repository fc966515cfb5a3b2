//! Writes the plan benchmark's fixture: the example network with the year's common plan and
//! all 15 centres' plans written key by key (about 20,000 changes of history in all), as a
//! `.juntas` bundle the app imports. Prints the documents' sizes as JSON on stdout.
//!
//! `cargo run --release -p juntas-core --example plan_fixture -- OUT.juntas YEAR [CHANGES]`

use automerge::{ActorId, AutoCommit};
use juntas_core::{
    DocumentId, bundle,
    model::{
        centre_plan, example,
        history::Stamp,
        network::{self, Role},
        plan::{self, Scope},
    },
};

const PROSE: &str = "Al ingreso, cada niño y niña se lava las manos con agua y jabón acompañado por \
una técnica. Las salas se ventilan durante quince minutos cada dos horas y se limpian las \
superficies de mayor contacto con la solución indicada por el protocolo. Las familias reciben \
la información por la libreta y por el grupo de WhatsApp del nivel; la directora revisa cada \
semana que los registros estén al día. ";

/// Types `n` characters of prose at the end of a text, one change per key, with a typo fixed
/// every 40 keys (a backspace), as a person does.
fn type_into(
    mut splice: impl FnMut(usize, usize, &str, i64),
    start_len: usize,
    n: usize,
    t0: i64,
) -> usize {
    let mut keys = 0;
    for (len, (k, c)) in (start_len..).zip(PROSE.chars().cycle().take(n).enumerate()) {
        let at = t0 + k as i64 * 350;
        if k % 40 == 39 {
            splice(len, 0, "x", at);
            splice(len, 1, "", at + 100);
            keys += 2;
        }
        splice(len, 0, &c.to_string(), at + 200);
        keys += 1;
    }
    keys
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.first().expect("usage: plan_fixture OUT.juntas YEAR [CHANGES]");
    let year: i64 = args.get(1).and_then(|y| y.parse().ok()).expect("a year");
    let target: usize = args.get(2).and_then(|c| c.parse().ok()).unwrap_or(20_000);
    let now = 1_760_000_000_000i64;

    let net_id = DocumentId::from_bytes(*b"juntas-bench-net");
    let mut n = 0;
    let mut net = example::avanzando_juntas(now, || {
        n += 1;
        format!("b{n:03}")
    });
    net.plans.insert(year.to_string(), true);
    for cid in net.centres.keys() {
        net.plans.insert(format!("{year}/{cid}"), true);
    }
    let sanitary = net
        .commissions
        .iter()
        .find(|(_, c)| c.name == "Protocolo sanitario")
        .map(|(id, _)| id.clone())
        .expect("the example has the commission");
    let writer = net.commissions[&sanitary].member_ids().next().unwrap().to_string();
    let mut net_doc = AutoCommit::new().with_actor(ActorId::from(vec![1; 16]));
    network::create(&mut net_doc, &net, now).expect("network");

    // Common plan: every common section written; 1.2 owned by the sanitary commission.
    let common_id = plan::id_for(net_id, year);
    let mut common = plan::skeleton(net_id, year).with_actor(ActorId::from(vec![2; 16]));
    let defs = plan::read(&common).unwrap().sections;
    let common_sections: Vec<String> =
        defs.iter().filter(|s| s.def.scope.has_common_text()).map(|s| s.def.id.clone()).collect();
    let centres: Vec<String> = net.centres.keys().cloned().collect();
    let local_sections: Vec<String> =
        defs.iter().filter(|s| s.def.scope != Scope::Common).map(|s| s.def.id.clone()).collect();
    // 40 % of the keys in the common plan, 60 % across the centres.
    let per_common = target * 2 / 5 / common_sections.len();
    let per_local = target * 3 / 5 / (centres.len() * local_sections.len());
    plan::assign(&mut common, "1.2", Some(&sanitary), &Stamp::new(&writer, now)).unwrap();
    let mut changes = 1;
    for (i, sid) in common_sections.iter().enumerate() {
        let t0 = now + i as i64 * 1_000_000;
        changes += type_into(
            |at, del, ins, t| {
                plan::splice(&mut common, sid, at, del, ins, &Stamp::new(&writer, t)).unwrap()
            },
            0,
            per_common,
            t0,
        );
    }
    let mut docs = vec![(net_id, net_doc.save()), (common_id, common.save())];
    let mut centre_bytes = 0;
    for (k, cid) in centres.iter().enumerate() {
        let principal = net
            .members
            .iter()
            .find(|(_, m)| m.role == Role::Principal && m.centre_id.as_deref() == Some(cid))
            .map(|(id, _)| id.clone())
            .unwrap_or_default();
        let mut doc = centre_plan::skeleton(net_id, year, cid)
            .with_actor(ActorId::from(vec![10 + k as u8; 16]));
        centre_plan::adopt(&mut doc, &mut common, &Stamp::new(&principal, now)).unwrap();
        for (i, sid) in local_sections.iter().enumerate() {
            let t0 = now + 50_000_000 + i as i64 * 1_000_000;
            changes += type_into(
                |at, del, ins, t| {
                    centre_plan::splice(&mut doc, sid, at, del, ins, &Stamp::new(&principal, t))
                        .unwrap()
                },
                0,
                per_local,
                t0,
            );
        }
        let bytes = doc.save();
        centre_bytes += bytes.len();
        docs.push((centre_plan::id_for(common_id, cid), bytes));
    }
    let common_bytes = docs[1].1.len();
    let file = bundle::encode(net_id, now, &docs).expect("bundle");
    std::fs::write(out, &file).expect("write the bundle");
    println!(
        "{{\"network\":\"{net_id}\",\"year\":{year},\"changes\":{changes},\"documents\":{},\
         \"common_bytes\":{common_bytes},\"centre_bytes\":{centre_bytes},\"bundle_bytes\":{},\
         \"centre\":\"{}\",\"writer\":\"{writer}\"}}",
        docs.len(),
        file.len(),
        centres[0],
    );
}
