//! Problem tree: the rules hold after any concurrent edits and merges — no card lost or
//! duplicated, one central problem, no cycle, the same tree on every replica.

use automerge::{ActorId, AutoCommit};
use juntas_core::model::history::Stamp;
use juntas_core::model::tree::{self, CAUSES, EFFECTS, TreeError, key_between};
use proptest::prelude::*;

fn s(at: i64) -> Stamp {
    Stamp::new("m", at)
}

fn new_tree() -> AutoCommit {
    let mut doc = AutoCommit::new().with_actor(ActorId::from(vec![1; 16]));
    tree::create(&mut doc, "red", "Baja colaboración entre jardines", &s(1)).unwrap();
    doc
}

fn replica(base: &mut AutoCommit, n: u8) -> AutoCommit {
    let mut r = AutoCommit::new().with_actor(ActorId::from(vec![10 + n; 16]));
    r.merge(base).unwrap();
    r
}

/// Checks the rules on one read tree.
fn assert_rules(t: &tree::Tree) {
    for (id, c) in &t.cards {
        assert!(
            c.parent == CAUSES || c.parent == EFFECTS || t.cards.contains_key(&c.parent),
            "{id} hangs from a living card or a side"
        );
        assert!(!t.ancestors(id).contains(id), "{id} is in a cycle");
    }
    let mut placed = 0;
    fn count(t: &tree::Tree, p: &str, n: &mut usize) {
        for c in t.children_of(p) {
            *n += 1;
            count(t, &c.id, n);
        }
    }
    count(t, CAUSES, &mut placed);
    count(t, EFFECTS, &mut placed);
    assert_eq!(placed, t.cards.len(), "every card is reachable exactly once");
}

#[test]
fn order_keys_always_fit_between_two_siblings() {
    let mut keys = vec![key_between("", "")];
    for i in 0..200 {
        let (a, b) = match i % 3 {
            0 => (String::new(), keys[0].clone()),
            1 => (keys.last().unwrap().clone(), String::new()),
            _ => (keys[0].clone(), keys[1].clone()),
        };
        let k = key_between(&a, &b);
        assert!(a.is_empty() || a < k, "{a} < {k}");
        assert!(b.is_empty() || k < b, "{k} < {b}");
        keys.push(k);
        keys.sort();
    }
}

#[test]
fn two_people_moving_a_under_b_and_b_under_a_see_the_same_readable_tree() {
    let mut base = new_tree();
    tree::add(&mut base, "a", CAUSES, None, "Falta de tiempo", &s(2)).unwrap();
    tree::add(&mut base, "b", CAUSES, None, "Licencias médicas", &s(3)).unwrap();
    let mut ana = replica(&mut base, 1);
    let mut berta = replica(&mut base, 2);
    tree::move_card(&mut ana, "a", "b", None, &s(10)).unwrap();
    tree::move_card(&mut berta, "b", "a", None, &s(11)).unwrap();
    ana.merge(&mut berta).unwrap();
    berta.merge(&mut ana).unwrap();
    let (ta, tb) = (tree::read(&ana).unwrap(), tree::read(&berta).unwrap());
    assert_eq!(ta, tb);
    assert_rules(&ta);
    // The later move (Berta's, at 11) is ignored: B stays on the causes side, A under B.
    assert_eq!(ta.card("b").unwrap().parent, CAUSES);
    assert_eq!(ta.card("a").unwrap().parent, "b");
    // One person alone cannot make a cycle.
    assert_eq!(tree::move_card(&mut ana, "b", "a", None, &s(12)), Err(TreeError::WouldCycle));
}

#[test]
fn deleting_a_card_moves_its_children_up_even_one_added_concurrently() {
    let mut base = new_tree();
    tree::add(&mut base, "a", EFFECTS, None, "Trabajo aislado", &s(2)).unwrap();
    tree::add(&mut base, "a1", "a", None, "Cada jardín inventa su plan", &s(3)).unwrap();
    let mut ana = replica(&mut base, 1);
    let mut berta = replica(&mut base, 2);
    tree::delete(&mut ana, "a", &s(10)).unwrap();
    tree::add(&mut berta, "a2", "a", None, "Se repiten errores", &s(10)).unwrap();
    ana.merge(&mut berta).unwrap();
    let t = tree::read(&ana).unwrap();
    assert!(t.card("a").is_none());
    assert_eq!(t.card("a1").unwrap().parent, EFFECTS);
    assert_eq!(t.card("a2").unwrap().parent, EFFECTS);
    assert_eq!(t.side("a2"), EFFECTS);
    assert_rules(&t);
    assert_eq!(tree::delete(&mut ana, tree::PROBLEM, &s(11)), Err(TreeError::Problem));
    assert!(t.outline().contains("  - Se repiten errores"));
}

#[test]
fn cards_added_at_one_spot_at_once_can_still_be_reordered() {
    let mut base = new_tree();
    let mut rs: Vec<AutoCommit> = (0..3).map(|n| replica(&mut base, n)).collect();
    // Three phones add an effect at the end at the same moment: all get the same order key.
    for (n, r) in rs.iter_mut().enumerate() {
        tree::add(r, &format!("e{n}"), EFFECTS, None, &format!("efecto {n}"), &s(10)).unwrap();
    }
    for i in 0..3 {
        for j in 0..3 {
            if i != j {
                let mut o = rs[j].fork();
                rs[i].merge(&mut o).unwrap();
            }
        }
    }
    let order = |d: &AutoCommit| {
        tree::read(d).unwrap().children_of(EFFECTS).iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(order(&rs[0]), ["e0", "e1", "e2"], "ties broken by id, the same everywhere");
    // "Subir" on the last one, then "bajar" on the first one.
    tree::move_card(&mut rs[0], "e2", EFFECTS, Some("e1"), &s(20)).unwrap();
    assert_eq!(order(&rs[0]), ["e0", "e2", "e1"]);
    tree::move_card(&mut rs[0], "e0", EFFECTS, Some("e1"), &s(21)).unwrap();
    assert_eq!(order(&rs[0]), ["e2", "e0", "e1"]);
    let mut o = rs[0].fork();
    rs[1].merge(&mut o).unwrap();
    assert_eq!(order(&rs[1]), ["e2", "e0", "e1"]);
    // A card added before a tied one lands there too.
    tree::add(&mut rs[2], "e3", EFFECTS, Some("e1"), "efecto 3", &s(22)).unwrap();
    assert_eq!(order(&rs[2]), ["e0", "e3", "e1", "e2"]);
}

#[test]
fn a_remote_edit_is_read_by_reading_only_the_card_it_touched() {
    let mut base = new_tree();
    let (mut phone, mut projector) = (replica(&mut base, 1), replica(&mut base, 2));
    for k in 0..50 {
        let side = if k % 2 == 0 { CAUSES } else { EFFECTS };
        tree::add(&mut phone, &format!("c{k}"), side, None, &format!("carta {k}"), &s(10 + k))
            .unwrap();
    }
    projector.merge(&mut phone).unwrap();
    let mut reader = tree::Reader::default();
    assert_eq!(reader.read(&mut projector).unwrap().cards.len(), 50);
    assert_eq!(reader.last_read(), 51, "the first read reads every card and the problem");
    assert_eq!(reader.read(&mut projector).unwrap().cards.len(), 50);
    assert_eq!(reader.last_read(), 0, "nothing changed, nothing read");

    // Someone types in one card, adds one under another and moves a third.
    tree::splice(&mut phone, "c7", false, 0, 0, "¡", &s(100)).unwrap();
    tree::add(&mut phone, "c50", "c8", None, "nueva", &s(101)).unwrap();
    tree::move_card(&mut phone, "c9", "c8", None, &s(102)).unwrap();
    projector.merge(&mut phone).unwrap();
    let t = reader.read(&mut projector).unwrap();
    assert_eq!(reader.last_read(), 3, "only c7, c50 and c9 are read again");
    assert_eq!(t, tree::read(&projector).unwrap());
    assert_eq!(t.card("c7").unwrap().text, "¡carta 7");
    assert_eq!(
        t.children_of("c8").iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["c50", "c9"]
    );

    // The new card's own text, edited later, is placed too.
    tree::splice(&mut phone, "c50", true, 0, 0, "una cita", &s(103)).unwrap();
    tree::splice(&mut phone, tree::PROBLEM, false, 0, 0, "¡", &s(104)).unwrap();
    projector.merge(&mut phone).unwrap();
    let t = reader.read(&mut projector).unwrap();
    assert_eq!(reader.last_read(), 2);
    assert_eq!(t.card("c50").unwrap().evidence, "una cita");
    assert_eq!(t.problem, "¡Baja colaboración entre jardines");
}

#[derive(Debug, Clone)]
enum Op {
    Add { parent: usize, text: u8 },
    Edit { card: usize },
    Move { card: usize, parent: usize, before: Option<usize> },
    Delete { card: usize },
    Sync { with: usize },
}

fn op() -> impl Strategy<Value = (usize, Op)> {
    let op = prop_oneof![
        3 => (0usize..40, any::<u8>()).prop_map(|(parent, text)| Op::Add { parent, text }),
        2 => (0usize..40).prop_map(|card| Op::Edit { card }),
        4 => (0usize..40, 0usize..40, proptest::option::of(0usize..40)).prop_map(|(card, parent, before)| Op::Move { card, parent, before }),
        1 => (0usize..40).prop_map(|card| Op::Delete { card }),
        3 => (0usize..4).prop_map(|with| Op::Sync { with }),
    ];
    (0usize..4, op)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn four_replicas_editing_and_merging_at_random_agree_and_keep_the_rules(ops in proptest::collection::vec(op(), 1..80)) {
        let mut base = new_tree();
        let mut rs: Vec<AutoCommit> = (0..4).map(|n| replica(&mut base, n as u8)).collect();
        // Each replica also keeps an incremental reader, which must always read what a full
        // read does.
        let mut readers: Vec<tree::Reader> = (0..4).map(|_| tree::Reader::default()).collect();
        let mut added: Vec<String> = Vec::new();
        let mut deleted: Vec<String> = Vec::new();
        for (step, (who, op)) in ops.into_iter().enumerate() {
            let at = 100 + step as i64;
            let t = tree::read(&rs[who]).unwrap();
            let ids: Vec<String> = t.cards.keys().cloned().collect();
            let pick = |i: usize| if ids.is_empty() { None } else { Some(ids[i % ids.len()].clone()) };
            let side = |i: usize| if i.is_multiple_of(2) { CAUSES.to_string() } else { EFFECTS.to_string() };
            match op {
                Op::Add { parent, text } => {
                    let id = format!("c{step}");
                    let p = if parent.is_multiple_of(3) { side(parent) } else { pick(parent).unwrap_or_else(|| side(parent)) };
                    tree::add(&mut rs[who], &id, &p, None, &format!("carta {text}"), &s(at)).unwrap();
                    added.push(id);
                }
                Op::Edit { card } => if card.is_multiple_of(7) {
                    tree::splice(&mut rs[who], tree::PROBLEM, false, 0, 0, "¡", &s(at)).unwrap();
                } else if let Some(id) = pick(card) {
                    tree::splice(&mut rs[who], &id, false, 0, 0, "¡", &s(at)).unwrap();
                },
                Op::Move { card, parent, before } => if let Some(id) = pick(card) {
                    let p = if parent.is_multiple_of(4) { side(parent) } else { pick(parent).unwrap() };
                    let b = before.and_then(pick);
                    match tree::move_card(&mut rs[who], &id, &p, b.as_deref(), &s(at)) {
                        Ok(()) | Err(TreeError::WouldCycle) => {}
                        Err(e) => panic!("{e}"),
                    }
                },
                Op::Delete { card } => if let Some(id) = pick(card) {
                    tree::delete(&mut rs[who], &id, &s(at)).unwrap();
                    deleted.push(id);
                },
                Op::Sync { with } => {
                    let mut other = rs[with].fork();
                    rs[who].merge(&mut other).unwrap();
                }
            }
            let full = tree::read(&rs[who]).unwrap();
            assert_rules(&full);
            prop_assert_eq!(&readers[who].read(&mut rs[who]).unwrap(), &full);
        }
        // Everyone merges everything.
        for i in 0..4 { for j in 0..4 { if i != j { let mut o = rs[j].fork(); rs[i].merge(&mut o).unwrap(); } } }
        let first = tree::read(&rs[0]).unwrap();
        for r in &rs[1..] { prop_assert_eq!(&tree::read(r).unwrap(), &first); }
        for (reader, r) in readers.iter_mut().zip(rs.iter_mut()) {
            prop_assert_eq!(&reader.read(r).unwrap(), &first);
        }
        assert_rules(&first);
        // The reading pages cache (the projector opens from it) reads back as the same tree,
        // children in the same order.
        let kept: tree::Tree = serde_json::from_str(&serde_json::to_string(&first).unwrap()).unwrap();
        prop_assert_eq!(&kept, &first);
        prop_assert!(first.problem.ends_with("Baja colaboración entre jardines"), "{}", first.problem);
        for id in &added {
            prop_assert_eq!(first.cards.contains_key(id), !deleted.contains(id), "card {} lost or not deleted", id);
        }
    }
}

#[test]
fn a_tree_from_a_newer_app_or_of_another_kind_is_refused_with_the_reason() {
    use automerge::{ROOT, transaction::Transactable};
    use juntas_core::model::DocError;
    let mut newer = new_tree();
    newer.put(ROOT, "schema_version", tree::SCHEMA_VERSION + 1).unwrap();
    let refused = DocError::NewerSchema { kind: tree::KIND, found: tree::SCHEMA_VERSION + 1 };
    assert_eq!(
        tree::read(&newer),
        Err(refused.clone()),
        "a newer tree is not read as if it were ours"
    );
    let heads = newer.get_heads();
    assert_eq!(
        tree::add(&mut newer, "c1", CAUSES, None, "Causa", &Stamp::new("m", 1)),
        Err(TreeError::Doc(refused)),
        "nor written to"
    );
    assert_eq!(newer.get_heads(), heads);
    let mut doc = new_tree();
    tree::add(&mut doc, "c1", CAUSES, None, "Causa", &Stamp::new("m", 1)).unwrap();
    assert_eq!(
        tree::splice(&mut doc, "c1", false, 4, 2, "", &Stamp::new("m", 2)),
        Err(TreeError::OutOfRange { at: 6, len: 5 })
    );
    let mut other = new_tree();
    other.put(ROOT, "kind", "juntas/plan-common").unwrap();
    assert_eq!(
        tree::read(&other),
        Err(DocError::WrongKind { expected: tree::KIND, found: "juntas/plan-common".into() })
    );
}
