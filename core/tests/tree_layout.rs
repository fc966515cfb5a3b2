//! The projector's drawing of a problem tree (effects above the trunk, causes below, no two
//! cards overlapping, text wrapped into growing boxes, parents centred over their cards) and
//! the outline editor's moves among siblings.

use automerge::{ActorId, AutoCommit};
use juntas_core::model::history::Stamp;
use juntas_core::model::tree::{self, CAUSES, EFFECTS, PROBLEM, Tree};
use juntas_core::model::tree_layout::{
    self, CARD_W, CHARS_PER_LINE, CardBox, Kind, LINE_H, Layout, PROBLEM_W, ROW_H, wrap,
};
use juntas_core::model::tree_moves::{self, Move};
use proptest::prelude::*;

fn s(at: i64) -> Stamp {
    Stamp::new("m", at)
}

/// A tree from `(id, parent, text)` cards, added in order.
fn build(problem: &str, cards: &[(&str, &str, &str)]) -> Tree {
    let mut doc = AutoCommit::new().with_actor(ActorId::from(vec![1; 16]));
    tree::create(&mut doc, "red", problem, &s(1)).unwrap();
    for (i, (id, parent, text)) in cards.iter().enumerate() {
        tree::add(&mut doc, id, parent, None, text, &s(2 + i as i64)).unwrap();
    }
    tree::read(&doc).unwrap()
}

fn card<'a>(l: &'a Layout, id: &str) -> &'a CardBox {
    l.cards.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("{id} is drawn"))
}

fn overlap(a: &CardBox, b: &CardBox) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

fn assert_no_overlap(l: &Layout) {
    for (i, a) in l.cards.iter().enumerate() {
        for b in &l.cards[i + 1..] {
            assert!(!overlap(a, b), "{} and {} overlap: {a:?} {b:?}", a.id, b.id);
        }
        assert!(a.x >= 0.0 && a.x + a.w <= l.width, "{} fits across", a.id);
        assert!(a.y >= 0.0 && a.y + a.h <= l.height, "{} fits down", a.id);
    }
}

fn small() -> Tree {
    build(
        "Baja colaboración entre jardines",
        &[
            ("e1", EFFECTS, "Cada jardín reinventa sus protocolos"),
            ("e2", EFFECTS, "Reuniones solo por emergencias"),
            ("c1", CAUSES, "Las directoras no se conocen"),
            ("c2", CAUSES, "Falta de tiempo"),
            ("c11", "c1", "No hubo instancias de encuentro"),
            ("c12", "c1", "Rotación de personal"),
        ],
    )
}

#[test]
fn effects_are_drawn_above_the_trunk_and_causes_below() {
    let l = tree_layout::layout(&small());
    let problem = card(&l, PROBLEM);
    assert_eq!(problem.kind, Kind::Problem);
    assert_eq!(problem.w, PROBLEM_W);
    for id in ["e1", "e2"] {
        assert_eq!(card(&l, id).kind, Kind::Effect);
        assert!(card(&l, id).y + card(&l, id).h <= problem.y, "{id} above the problem");
    }
    for id in ["c1", "c2", "c11", "c12"] {
        assert_eq!(card(&l, id).kind, Kind::Cause);
        assert!(card(&l, id).y >= problem.y + problem.h, "{id} below the problem");
    }
    assert!(card(&l, "c11").y > card(&l, "c1").y, "a cause's cause is further down");
    assert_eq!(card(&l, "c11").y - card(&l, "c1").y, ROW_H);
    assert_eq!(l.cards.last().map(|c| c.id.as_str()), Some(PROBLEM), "the problem on top");
    assert_no_overlap(&l);
}

#[test]
fn every_card_hangs_by_an_edge_from_its_parent_or_the_problem() {
    let l = tree_layout::layout(&small());
    let pairs: Vec<(&str, &str)> =
        l.edges.iter().map(|e| (e.from.as_str(), e.to.as_str())).collect();
    for pair in [
        (PROBLEM, "e1"),
        (PROBLEM, "e2"),
        (PROBLEM, "c1"),
        (PROBLEM, "c2"),
        ("c1", "c11"),
        ("c1", "c12"),
    ] {
        assert!(pairs.contains(&pair), "{pair:?} drawn");
    }
    assert_eq!(l.edges.len(), 6);
    for e in &l.edges {
        assert_eq!((e.x1, e.y1), card(&l, &e.from).centre());
        assert_eq!((e.x2, e.y2), card(&l, &e.to).centre());
    }
}

#[test]
fn a_parent_is_centred_over_its_cards_and_siblings_keep_their_order() {
    let l = tree_layout::layout(&small());
    let (c1, c11, c12) = (card(&l, "c1"), card(&l, "c11"), card(&l, "c12"));
    assert!(c11.x + c11.w < c12.x, "siblings left to right in order");
    assert_eq!(c1.centre().0, (c11.x + c12.x + c12.w) / 2.0);
    assert!(card(&l, "e1").x < card(&l, "e2").x);
    // Each side is centred on the canvas, as is the problem.
    let problem = card(&l, PROBLEM);
    assert_eq!(problem.centre().0, l.width / 2.0);
    let (e1, e2) = (card(&l, "e1"), card(&l, "e2"));
    assert_eq!((e1.x + e2.x + e2.w) / 2.0, l.width / 2.0);
}

#[test]
fn long_text_wraps_into_lines_and_the_card_grows() {
    let long = "Las educadoras no tienen tiempo no lectivo para preparar material inclusivo";
    let lines = wrap(long);
    assert!(lines.len() >= 4, "{lines:?}");
    assert!(lines.iter().all(|l| l.chars().count() <= CHARS_PER_LINE), "{lines:?}");
    assert_eq!(lines.join(" "), long, "no word lost");
    assert_eq!(wrap(""), vec![String::new()], "an empty card still has a line");
    let cut = wrap("Interinstitucionalmente-coordinadas");
    assert_eq!(cut, vec!["Interinstitucionalme", "nte-coordinadas"], "a long word is cut");

    let t = build("Problema", &[("a", CAUSES, "Corta"), ("b", CAUSES, long)]);
    let l = tree_layout::layout(&t);
    let (a, b) = (card(&l, "a"), card(&l, "b"));
    assert_eq!(a.lines.len(), 1);
    assert_eq!(b.lines, lines);
    assert!(b.h > a.h, "the long card is taller");
    assert_eq!(b.h - a.h, (lines.len() - 1) as f64 * LINE_H);
    assert_eq!(a.w, b.w, "cards keep one width");
    assert!(b.baseline(lines.len() - 1) < b.y + b.h, "the last line is inside the card");
}

#[test]
fn very_long_cards_push_the_next_row_away_instead_of_overlapping() {
    let novel = "palabra ".repeat(40);
    let t = build(
        &novel,
        &[("e", EFFECTS, &novel), ("c", CAUSES, &novel), ("cc", "c", "Corta"), ("x", CAUSES, "y")],
    );
    let l = tree_layout::layout(&t);
    assert!(card(&l, "e").h > ROW_H, "taller than a row");
    assert_no_overlap(&l);
}

#[test]
fn a_deep_chain_deepens_the_drawing_and_siblings_widen_it() {
    let one = tree_layout::layout(&build("P", &[("a", CAUSES, "a")]));
    let chain = tree_layout::layout(&build(
        "P",
        &[("a", CAUSES, "a"), ("b", "a", "b"), ("c", "b", "c"), ("d", "c", "d")],
    ));
    assert_eq!(chain.height - one.height, 3.0 * ROW_H);
    assert_eq!(chain.width, one.width, "a chain is one card wide");
    assert_eq!(card(&chain, "d").y - card(&chain, "a").y, 3.0 * ROW_H);
    assert_no_overlap(&chain);

    let up = tree_layout::layout(&build("P", &[("a", EFFECTS, "a"), ("b", "a", "b")]));
    assert_eq!(card(&up, "b").y, tree_layout::TOP, "the outermost effect is at the top");
    assert_eq!(card(&up, PROBLEM).y - card(&up, "b").y, 2.0 * ROW_H);

    let wide = tree_layout::layout(&build(
        "P",
        &[("a", CAUSES, "a"), ("b", CAUSES, "b"), ("c", CAUSES, "c"), ("d", CAUSES, "d")],
    ));
    assert_eq!(wide.width, 4.0 * CARD_W + 3.0 * tree_layout::GAP_X + 2.0 * tree_layout::GAP_X);
    assert!(wide.width > one.width);
    assert_eq!(wide.height, one.height, "siblings share a row");
    assert_no_overlap(&wide);
}

#[test]
fn an_empty_tree_is_the_problem_alone() {
    let l = tree_layout::layout(&build("Solo el problema", &[]));
    assert_eq!(l.cards.len(), 1);
    assert!(l.edges.is_empty());
    assert_eq!(card(&l, PROBLEM).y, tree_layout::TOP);
    assert_eq!(l.height, tree_layout::TOP + ROW_H);
    assert_eq!(l.width, PROBLEM_W + 2.0 * tree_layout::GAP_X);
}

#[test]
fn root_causes_are_marked() {
    let mut doc = AutoCommit::new().with_actor(ActorId::from(vec![1; 16]));
    tree::create(&mut doc, "red", "P", &s(1)).unwrap();
    tree::add(&mut doc, "a", CAUSES, None, "a", &s(2)).unwrap();
    tree::add(&mut doc, "b", CAUSES, None, "b", &s(3)).unwrap();
    tree::set_root_cause(&mut doc, "b", true, &s(4)).unwrap();
    let l = tree_layout::layout(&tree::read(&doc).unwrap());
    assert!(!card(&l, "a").root_cause);
    assert!(card(&l, "b").root_cause);
    assert!(!card(&l, PROBLEM).root_cause);
}

// ---------------------------------------------------------------------------------------
// The page's layout before it moved here, kept to check that ordinary trees (no card over
// five lines) are drawn exactly as before.

mod before {
    use super::*;

    const GAP_X: f64 = 24.0;

    fn span(t: &Tree, id: &str) -> f64 {
        let kids = t.children_of(id);
        if kids.is_empty() {
            return CARD_W;
        }
        let sum: f64 =
            kids.iter().map(|k| span(t, &k.id)).sum::<f64>() + GAP_X * (kids.len() - 1) as f64;
        sum.max(CARD_W)
    }

    #[allow(clippy::type_complexity)]
    fn place(
        t: &Tree,
        parent: &str,
        left: f64,
        depth: f64,
        dir: f64,
        mid: f64,
        drawn: &mut (Vec<(String, f64, f64, Vec<String>)>, Vec<(String, String)>),
    ) {
        let mut x = left;
        for c in t.children_of(parent) {
            let w = span(t, &c.id);
            let cx = x + w / 2.0;
            drawn.0.push((
                c.id.clone(),
                cx - CARD_W / 2.0,
                mid + dir * depth * ROW_H,
                wrap(&c.text),
            ));
            let from = if parent == CAUSES || parent == EFFECTS { PROBLEM } else { parent };
            drawn.1.push((from.to_string(), c.id.clone()));
            place(t, &c.id, x, depth + 1.0, dir, mid, drawn);
            x += w + GAP_X;
        }
    }

    /// (cards as (id, x, y, lines), edges, width, height)
    #[allow(clippy::type_complexity)]
    pub fn layout(
        t: &Tree,
    ) -> (Vec<(String, f64, f64, Vec<String>)>, Vec<(String, String)>, f64, f64) {
        fn d(t: &Tree, p: &str) -> usize {
            t.children_of(p).iter().map(|c| 1 + d(t, &c.id)).max().unwrap_or(0)
        }
        let (up, down) = (d(t, EFFECTS) as f64, d(t, CAUSES) as f64);
        let width = span(t, EFFECTS).max(span(t, CAUSES)).max(CARD_W * 1.5) + 2.0 * GAP_X;
        let mid = 40.0 + up * ROW_H;
        let mut drawn = (Vec::new(), Vec::new());
        place(t, EFFECTS, (width - span(t, EFFECTS)) / 2.0, 1.0, -1.0, mid, &mut drawn);
        place(t, CAUSES, (width - span(t, CAUSES)) / 2.0, 1.0, 1.0, mid, &mut drawn);
        let (mut out, edges) = drawn;
        out.push((PROBLEM.to_string(), width / 2.0 - CARD_W * 0.75, mid, wrap(&t.problem)));
        (out, edges, width, mid + down * ROW_H + ROW_H)
    }
}

/// A random tree: each card hangs from a side or an earlier card; texts of up to `max_words`
/// short words.
fn random_tree(
    shape: &[(usize, usize)],
    words: usize,
    long_problem: bool,
) -> (Tree, Vec<(String, String, String)>) {
    let mut cards: Vec<(String, String, String)> = Vec::new();
    for (i, (parent, n)) in shape.iter().enumerate() {
        let parent = match parent % (i + 2) {
            0 => EFFECTS.to_string(),
            1 => CAUSES.to_string(),
            p => cards[p - 2].0.clone(),
        };
        let text = vec!["idea"; 1 + n % words].join(" ");
        cards.push((format!("k{i:03}"), parent, text));
    }
    let refs: Vec<(&str, &str, &str)> =
        cards.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())).collect();
    let problem = if long_problem { "problema ".repeat(30) } else { "Problema".to_string() };
    (build(&problem, &refs), cards)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn ordinary_trees_are_drawn_as_before(shape in prop::collection::vec((0usize..40, 0usize..40), 0..25)) {
        // Up to 20 words of 4 letters: at most 5 lines.
        let (t, _) = random_tree(&shape, 20, false);
        let new = tree_layout::layout(&t);
        let (cards, edges, width, height) = before::layout(&t);
        prop_assert_eq!(new.width, width);
        prop_assert_eq!(new.height, height);
        let got: Vec<(String, f64, f64, Vec<String>)> =
            new.cards.iter().map(|c| (c.id.clone(), c.x, c.y, c.lines.clone())).collect();
        prop_assert_eq!(got, cards);
        let got: Vec<(String, String)> =
            new.edges.iter().map(|e| (e.from.clone(), e.to.clone())).collect();
        prop_assert_eq!(got, edges);
    }

    #[test]
    fn no_two_cards_overlap_whatever_their_text(
        shape in prop::collection::vec((0usize..40, 0usize..60), 0..25),
        long_problem in any::<bool>(),
    ) {
        let (t, cards) = random_tree(&shape, 60, long_problem);
        let l = tree_layout::layout(&t);
        prop_assert_eq!(l.cards.len(), cards.len() + 1);
        prop_assert_eq!(l.edges.len(), cards.len());
        assert_no_overlap(&l);
    }
}

// ---------------------------------------------------------------------------------------
// Fitting a projector's screen.

/// How large the drawing shows on a `w`×`h` screen, scaled to fit whole.
fn scale_on(l: &Layout, w: f64, h: f64) -> f64 {
    (w / l.width).min(h / l.height)
}

/// A workshop's tree grown wide: 90 first-level causes and 30 effects, most with a card or
/// two under them — 300 cards.
fn wide_tree() -> Tree {
    let mut cards: Vec<(String, String, String)> = Vec::new();
    for i in 0..120 {
        let side = if i % 4 == 0 { EFFECTS } else { CAUSES };
        cards.push((
            format!("t{i:03}"),
            side.into(),
            format!("Causa o efecto número {i} del taller"),
        ));
    }
    for i in 0..180 {
        let parent = if i < 120 { format!("t{i:03}") } else { format!("u{:03}", i - 120) };
        cards.push((format!("u{i:03}"), parent, format!("Detalle {i}: lo que dijo una directora")));
    }
    let refs: Vec<(&str, &str, &str)> =
        cards.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())).collect();
    build("Baja colaboración entre jardines de la red", &refs)
}

#[test]
fn a_wide_tree_is_cut_into_bands_so_it_fills_a_projector_s_screen_with_readable_text() {
    let t = wide_tree();
    assert_eq!(t.cards.len(), 300);
    let row = tree_layout::layout(&t);
    let fit = tree_layout::layout_to_fit(&t, 1920.0 / 1080.0);
    let (before, after) = (scale_on(&row, 1920.0, 1080.0), scale_on(&fit, 1920.0, 1080.0));
    // Card text is 18 px in the drawing: in one row it is under 2 px on the screen.
    assert!(18.0 * before < 2.0, "one row: {:.2} px", 18.0 * before);
    assert!(
        18.0 * after >= 4.0 * 18.0 * before,
        "in bands: {:.2} px (was {:.2})",
        18.0 * after,
        18.0 * before
    );
    eprintln!(
        "300 cards at 1920×1080: text {:.1} px in bands, {:.1} px in one row",
        18.0 * after,
        18.0 * before
    );
    assert_eq!(fit.cards.len(), 301);
    assert_eq!(fit.edges.len(), 300);
    assert_no_overlap(&fit);
    let problem = card(&fit, PROBLEM).clone();
    for c in &fit.cards {
        match c.kind {
            Kind::Effect => assert!(c.y + c.h <= problem.y, "{} above the trunk", c.id),
            Kind::Cause => assert!(c.y >= problem.y + problem.h, "{} below it", c.id),
            Kind::Problem => {}
        }
    }
    // Every card still hangs from its parent, further out from the trunk than it.
    for e in &fit.edges {
        let (from, to) = (card(&fit, &e.from), card(&fit, &e.to));
        match to.kind {
            Kind::Cause => assert!(to.y > from.y, "{} under {}", to.id, from.id),
            _ => assert!(to.y < from.y, "{} over {}", to.id, from.id),
        }
    }
    // On a phone held upright the bands are narrower still.
    let phone = tree_layout::layout_to_fit(&t, 360.0 / 740.0);
    assert!(phone.width < fit.width);
    assert!(scale_on(&phone, 360.0, 740.0) > 2.0 * scale_on(&row, 360.0, 740.0));
    assert_no_overlap(&phone);
}

#[test]
fn a_tree_that_already_fits_is_drawn_as_one_row() {
    let t = small();
    assert_eq!(tree_layout::layout_to_fit(&t, 16.0 / 9.0), tree_layout::layout(&t));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fitting_a_screen_never_shrinks_the_drawing_nor_overlaps_cards(
        shape in prop::collection::vec((0usize..40, 0usize..60), 0..60),
        aspect in 0.4f64..2.5,
    ) {
        let (t, cards) = random_tree(&shape, 30, false);
        let (row, fit) = (tree_layout::layout(&t), tree_layout::layout_to_fit(&t, aspect));
        prop_assert_eq!(fit.cards.len(), cards.len() + 1);
        prop_assert_eq!(fit.edges.len(), cards.len());
        prop_assert!(scale_on(&fit, aspect, 1.0) >= scale_on(&row, aspect, 1.0) * 0.999_999);
        assert_no_overlap(&fit);
    }
}

// ---------------------------------------------------------------------------------------
// Moves among siblings.

fn row() -> Tree {
    build(
        "P",
        &[
            ("a", CAUSES, "a"),
            ("b", CAUSES, "b"),
            ("c", CAUSES, "c"),
            ("a1", "a", "a1"),
            ("e", EFFECTS, "e"),
        ],
    )
}

fn mv(card: &str, parent: &str, before: Option<&str>) -> Move {
    Move { card: card.into(), parent: parent.into(), before: before.map(Into::into) }
}

#[test]
fn the_first_card_cannot_move_up_nor_the_last_down() {
    let t = row();
    assert_eq!(tree_moves::up(&t, "a"), None);
    assert_eq!(tree_moves::down(&t, "c"), None);
    assert_eq!(tree_moves::up(&t, "e"), None, "an only card stays");
    assert_eq!(tree_moves::down(&t, "e"), None);
    assert_eq!(tree_moves::up(&t, "a1"), None);
    assert_eq!(tree_moves::up(&t, "nadie"), None, "an unknown card does not move");
    assert_eq!(tree_moves::down(&t, "nadie"), None);
}

#[test]
fn moving_up_goes_before_the_previous_sibling_and_down_after_the_next() {
    let t = row();
    assert_eq!(tree_moves::up(&t, "b"), Some(mv("b", CAUSES, Some("a"))));
    assert_eq!(tree_moves::up(&t, "c"), Some(mv("c", CAUSES, Some("b"))));
    assert_eq!(tree_moves::down(&t, "a"), Some(mv("a", CAUSES, Some("c"))));
    assert_eq!(tree_moves::down(&t, "b"), Some(mv("b", CAUSES, None)), "to the end");
}

#[test]
fn applying_a_move_swaps_the_card_with_its_neighbour() {
    let order = |doc: &AutoCommit| -> Vec<String> {
        tree::read(doc).unwrap().children_of(CAUSES).iter().map(|c| c.id.clone()).collect()
    };
    let mut doc = AutoCommit::new().with_actor(ActorId::from(vec![1; 16]));
    tree::create(&mut doc, "red", "P", &s(1)).unwrap();
    for (i, id) in ["a", "b", "c"].iter().enumerate() {
        tree::add(&mut doc, id, CAUSES, None, id, &s(2 + i as i64)).unwrap();
    }
    let apply = |doc: &mut AutoCommit, m: Move, at: i64| {
        tree::move_card(doc, &m.card, &m.parent, m.before.as_deref(), &s(at)).unwrap();
    };
    let m = tree_moves::up(&tree::read(&doc).unwrap(), "c").unwrap();
    apply(&mut doc, m, 10);
    assert_eq!(order(&doc), ["a", "c", "b"]);
    let m = tree_moves::down(&tree::read(&doc).unwrap(), "a").unwrap();
    apply(&mut doc, m, 11);
    assert_eq!(order(&doc), ["c", "a", "b"]);
    let m = tree_moves::down(&tree::read(&doc).unwrap(), "a").unwrap();
    apply(&mut doc, m, 12);
    assert_eq!(order(&doc), ["c", "b", "a"]);
    assert_eq!(tree_moves::down(&tree::read(&doc).unwrap(), "a"), None);
    apply(&mut doc, tree_moves::under("b", "c"), 13);
    let t = tree::read(&doc).unwrap();
    assert_eq!(t.card("b").unwrap().parent, "c");
}

#[test]
fn a_card_cannot_be_moved_under_itself_or_its_own_cards() {
    let t = build(
        "P",
        &[("a", CAUSES, "a"), ("a1", "a", "a1"), ("a11", "a1", "a11"), ("b", CAUSES, "b")],
    );
    let ids = |id: &str| -> Vec<String> {
        tree_moves::targets(&t, id).into_iter().map(|c| c.id.clone()).collect()
    };
    assert_eq!(ids("a"), ["b"]);
    assert_eq!(ids("a1"), ["a", "b"]);
    assert_eq!(ids("b"), ["a", "a1", "a11"]);
    assert_eq!(tree_moves::under("a", EFFECTS), mv("a", EFFECTS, None));
}
