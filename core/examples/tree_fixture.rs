//! Writes the problem-tree benchmark's fixture: the example network with one tree of 300
//! living cards (causes and effects, nested several deep) built by 2,000 edits from eight
//! of the facilitator's devices — adds, typing, moves, reorders, deletes, evidence and "causa raíz" marks — as a
//! `.juntas` bundle. Prints the ids and counts as JSON on stdout.
//!
//! `cargo run --release -p juntas-core --example tree_fixture -- OUT.juntas`

use automerge::{ActorId, AutoCommit};
use juntas_core::{
    DocumentId, bundle,
    model::{
        example,
        history::Stamp,
        network,
        tree::{self, CAUSES, EFFECTS},
    },
};

const LIVE: usize = 300;
const DELETED: usize = 20;
const EDITS: usize = 2_000;

/// A small deterministic generator (no randomness in core; the fixture must be the same on
/// every run so figures compare).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

const CAUSE_TEXTS: [&str; 6] = [
    "Falta de tiempo para reunirse entre jardines",
    "Las directoras no se conocen entre sí",
    "Reuniones solo por WhatsApp",
    "Licencias médicas sin reemplazo",
    "Cada jardín con su propio calendario",
    "Poca formación en trabajo colaborativo",
];
const EFFECT_TEXTS: [&str; 6] = [
    "Cada jardín reinventa sus protocolos",
    "Se repiten los mismos errores",
    "Planes distintos para lo mismo",
    "Sobrecarga de las directoras",
    "Las familias reciben mensajes contradictorios",
    "Se pierden las buenas prácticas",
];

fn main() {
    let out = std::env::args().nth(1).expect("usage: tree_fixture OUT.juntas");
    let now = 1_760_000_000_000i64;
    let net_id = DocumentId::from_bytes(*b"juntas-bench-trn");
    let tree_id = DocumentId::from_bytes(*b"juntas-bench-tre");
    let mut n = 0;
    let mut net = example::avanzando_juntas(now, || {
        n += 1;
        format!("b{n:03}")
    });
    net.trees.insert(tree_id.to_string(), true);
    // Every edit is the facilitator's (from eight devices): the bench's first device claims
    // the network as her and uploads the file, and the server takes unsigned changes only as
    // the uploader's own (others' would need their devices' signatures).
    let facilitator = net
        .members
        .iter()
        .find(|(_, m)| m.role == juntas_core::model::network::Role::Facilitator)
        .map(|(id, _)| id.clone())
        .expect("the example network has a facilitator");
    let actors: Vec<ActorId> = (0..8u8).map(|k| ActorId::from(vec![40 + k; 16])).collect();

    let mut doc = AutoCommit::new().with_actor(actors[0].clone());
    tree::create(
        &mut doc,
        &net_id.to_string(),
        "Baja colaboración entre los jardines de la red",
        &Stamp::new(&facilitator, now),
    )
    .expect("tree");
    let mut rng = Lcg(7);
    let mut ids: Vec<String> = Vec::new();
    let mut deleted = 0usize;
    let mut edits = 0usize;
    let mut t = now;
    while edits < EDITS {
        t += 1_500;
        // Each phone takes turns of 25 edits (the actor id is who made the change).
        doc.set_actor(actors[(edits / 25) % actors.len()].clone());
        let stamp = Stamp::new(&facilitator, t);
        let to_add = LIVE + DELETED - ids.len();
        let remaining = EDITS - edits;
        let to_delete = DELETED - deleted;
        // Adds come first-ish but interleave with everything else; the last edits are left
        // to reach exactly 320 adds and 20 deletes.
        let roll = rng.next(100);
        let ok = if to_add > 0 && (roll < 30 || remaining <= to_add + to_delete) {
            let id = format!("c{:03}", ids.len());
            let parent = if ids.len() < 40 || rng.next(3) == 0 {
                if ids.len().is_multiple_of(2) { CAUSES } else { EFFECTS }.to_string()
            } else {
                let tr = tree::read(&doc).expect("read");
                let p = &ids[rng.next(ids.len())];
                // Keep nesting at most four deep so the drawing is a workshop's tree.
                if tr.card(p).is_some() && tr.ancestors(p).len() < 3 {
                    p.clone()
                } else {
                    CAUSES.to_string()
                }
            };
            let texts =
                if tree::read(&doc).expect("read").side(&parent) == EFFECTS || parent == EFFECTS {
                    &EFFECT_TEXTS
                } else {
                    &CAUSE_TEXTS
                };
            let text = format!("{} ({})", texts[ids.len() % texts.len()], ids.len() + 1);
            ids.push(id.clone());
            tree::add(&mut doc, &id, &parent, None, &text, &stamp).is_ok()
        } else if to_delete > 0 && (remaining <= to_delete || roll < 32) && ids.len() > 40 {
            let tr = tree::read(&doc).expect("read");
            let id = ids[rng.next(ids.len())].clone();
            tr.card(&id).is_some() && tree::delete(&mut doc, &id, &stamp).is_ok() && {
                deleted += 1;
                true
            }
        } else if ids.is_empty() {
            false
        } else {
            let tr = tree::read(&doc).expect("read");
            let id = ids[rng.next(ids.len())].clone();
            let Some(card) = tr.card(&id) else { continue };
            match roll {
                32..=74 => {
                    // Typing: a few characters at the end, or fixing a word in the middle.
                    let len = card.text.chars().count();
                    let (at, del, ins) = if rng.next(4) == 0 && len > 10 {
                        (len / 2, 2, "la")
                    } else {
                        (len, 0, [" y más", " en la red", ".", " (acuerdo)"][rng.next(4)])
                    };
                    tree::splice(&mut doc, &id, false, at, del, ins, &stamp).is_ok()
                }
                75..=84 => {
                    // Move under another card or to a side.
                    let target = if rng.next(3) == 0 {
                        [CAUSES, EFFECTS][rng.next(2)].to_string()
                    } else {
                        ids[rng.next(ids.len())].clone()
                    };
                    tr.card(&target).is_none_or(|_| tr.ancestors(&target).len() < 3)
                        && tree::move_card(&mut doc, &id, &target, None, &stamp).is_ok()
                }
                85..=92 => {
                    // Reorder: before a sibling.
                    let sibs = tr.children_of(&card.parent);
                    let before = sibs[rng.next(sibs.len())].id.clone();
                    before != id
                        && tree::move_card(&mut doc, &id, &card.parent, Some(&before), &stamp)
                            .is_ok()
                }
                93..=96 => {
                    let ev = "«No nos juntamos desde marzo» (directora, taller 2)";
                    let len = card.evidence.chars().count();
                    tree::splice(&mut doc, &id, true, 0, len, ev, &stamp).is_ok()
                }
                _ => tree::set_root_cause(&mut doc, &id, !card.root_cause, &stamp).is_ok(),
            }
        };
        if ok {
            edits += 1;
        }
    }
    let read = tree::read(&doc).expect("read");
    assert_eq!(read.cards.len(), LIVE, "the fixture has {LIVE} living cards");
    let changes = doc.get_changes(&[]).len();
    let mut net_doc = AutoCommit::new().with_actor(ActorId::from(vec![1; 16]));
    network::create(&mut net_doc, &net, now).expect("network");
    let docs = vec![(net_id, net_doc.save()), (tree_id, doc.save())];
    let file = bundle::encode(net_id, now, &docs).expect("bundle");
    std::fs::write(&out, &file).expect("write the bundle");
    let depth = read.cards.keys().map(|id| read.ancestors(id).len() + 1).max().unwrap_or(0);
    println!(
        "{{\"network\":\"{net_id}\",\"tree\":\"{tree_id}\",\"cards\":{},\"depth\":{depth},\
         \"edits\":{edits},\"changes\":{changes},\"tree_bytes\":{},\"bundle_bytes\":{}}}",
        read.cards.len(),
        docs[1].1.len(),
        file.len()
    );
}
