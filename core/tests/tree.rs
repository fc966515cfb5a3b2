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
                Op::Edit { card } => if let Some(id) = pick(card) {
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
            assert_rules(&tree::read(&rs[who]).unwrap());
        }
        // Everyone merges everything.
        for i in 0..4 { for j in 0..4 { if i != j { let mut o = rs[j].fork(); rs[i].merge(&mut o).unwrap(); } } }
        let first = tree::read(&rs[0]).unwrap();
        for r in &rs[1..] { prop_assert_eq!(&tree::read(r).unwrap(), &first); }
        assert_rules(&first);
        prop_assert_eq!(&first.problem, "Baja colaboración entre jardines");
        for id in &added {
            prop_assert_eq!(first.cards.contains_key(id), !deleted.contains(id), "card {} lost or not deleted", id);
        }
    }
}
