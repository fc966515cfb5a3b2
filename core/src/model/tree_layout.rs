//! The projector's drawing of a problem tree as plain geometry: the central problem on the
//! trunk, effects in rows above it, causes in rows below, every card a box sized to its
//! wrapped text, each parent centred over the cards that hang from it, and the edges between
//! them. The app only turns this into SVG.

use std::collections::HashMap;

use super::tree::{CAUSES, Card, EFFECTS, PROBLEM, Tree};

/// Width of a card.
pub const CARD_W: f64 = 220.0;
/// Width of the central problem.
pub const PROBLEM_W: f64 = CARD_W * 1.5;
/// Horizontal gap between neighbouring subtrees.
pub const GAP_X: f64 = 24.0;
/// Distance between the tops of two rows (more when a row's tallest card needs it).
pub const ROW_H: f64 = 130.0;
/// Smallest vertical gap left between a card and the next row when a card is taller than
/// [`ROW_H`] allows (what a five-line card leaves: rows of ordinary cards keep `ROW_H`).
pub const MIN_GAP_Y: f64 = 4.0;
/// Height of one line of text.
pub const LINE_H: f64 = 22.0;
/// Padding above and below the text inside a card, together.
pub const PADDING_Y: f64 = 16.0;
/// Characters per wrapped line.
pub const CHARS_PER_LINE: usize = 20;
/// Space above the top row.
pub const TOP: f64 = 40.0;

/// What a box on the drawing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Problem,
    Effect,
    Cause,
}

/// One card placed: its top-left corner, size and wrapped text.
#[derive(Debug, Clone, PartialEq)]
pub struct CardBox {
    /// The card's id ([`PROBLEM`] for the central problem).
    pub id: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub lines: Vec<String>,
    pub kind: Kind,
    /// Marked as a root cause (never the problem).
    pub root_cause: bool,
}

impl CardBox {
    /// The centre of the box.
    pub fn centre(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// The baseline of the `line`-th line of text (from 0), centred at `centre().0`.
    pub fn baseline(&self, line: usize) -> f64 {
        baseline(self.y, line)
    }
}

/// The baseline of the `line`-th line of text (from 0) of a box whose top is `top`.
pub fn baseline(top: f64, line: usize) -> f64 {
    top + PADDING_Y / 2.0 + LINE_H * (line as f64 + 0.8)
}

/// A line from a parent's centre to its child's centre (a top-level card hangs from the
/// problem).
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

/// The whole drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Effects (depth first), then causes, then the problem last (drawn on top).
    pub cards: Vec<CardBox>,
    pub edges: Vec<Edge>,
    pub width: f64,
    pub height: f64,
}

/// Words wrapped into lines of at most [`CHARS_PER_LINE`] characters (longer words are cut);
/// always at least one line.
pub fn wrap(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > CHARS_PER_LINE {
            let head: String = word.chars().take(CHARS_PER_LINE).collect();
            word = word.chars().skip(CHARS_PER_LINE).collect();
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            lines.push(head);
        }
        if cur.is_empty() {
            cur = word;
        } else if cur.chars().count() + 1 + word.chars().count() <= CHARS_PER_LINE {
            cur.push(' ');
            cur.push_str(&word);
        } else {
            lines.push(std::mem::replace(&mut cur, word));
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Height of a box holding `lines` lines.
pub fn height(lines: usize) -> f64 {
    lines as f64 * LINE_H + PADDING_Y
}

/// Distance from a row's top to the next row's top, given the tallest box that must clear it.
fn pitch(tallest: f64) -> f64 {
    ROW_H.max(tallest + MIN_GAP_Y)
}

/// Widths of every subtree, computed once.
struct Spans<'t> {
    tree: &'t Tree,
    width: HashMap<&'t str, f64>,
}

impl<'t> Spans<'t> {
    fn new(tree: &'t Tree) -> Spans<'t> {
        let mut s = Spans { tree, width: HashMap::new() };
        s.fill(EFFECTS);
        s.fill(CAUSES);
        s
    }

    /// Width the subtree under `id` needs: its children side by side, at least one card.
    fn fill(&mut self, id: &'t str) -> f64 {
        let kids: Vec<&'t Card> = self.tree.children_of(id);
        let w = if kids.is_empty() {
            CARD_W
        } else {
            let sum: f64 = kids.iter().map(|k| self.fill(&k.id)).sum::<f64>()
                + GAP_X * (kids.len() - 1) as f64;
            sum.max(CARD_W)
        };
        self.width.insert(id, w);
        w
    }

    fn of(&self, id: &str) -> f64 {
        self.width.get(id).copied().unwrap_or(CARD_W)
    }
}

/// The tallest box of each row of one side (index 0 = the row next to the trunk).
fn tallest_per_row(t: &Tree, parent: &str, depth: usize, out: &mut Vec<f64>) {
    for c in t.children_of(parent) {
        if out.len() <= depth {
            out.push(0.0);
        }
        out[depth] = out[depth].max(height(wrap(&c.text).len()));
        tallest_per_row(t, &c.id, depth + 1, out);
    }
}

/// Places `parent`'s children from `left` on row `depth` (from 0) of a side whose row tops
/// are `rows`, and their subtrees further out.
#[allow(clippy::too_many_arguments)]
fn place(
    t: &Tree,
    spans: &Spans<'_>,
    parent: &str,
    left: f64,
    depth: usize,
    rows: &[f64],
    kind: Kind,
    out: &mut (Vec<CardBox>, Vec<(String, String)>),
) {
    let mut x = left;
    for c in t.children_of(parent) {
        let w = spans.of(&c.id);
        let lines = wrap(&c.text);
        out.0.push(CardBox {
            id: c.id.clone(),
            x: x + w / 2.0 - CARD_W / 2.0,
            y: rows[depth],
            w: CARD_W,
            h: height(lines.len()),
            lines,
            kind,
            root_cause: c.root_cause,
        });
        let from = if parent == CAUSES || parent == EFFECTS { PROBLEM } else { parent };
        out.1.push((from.to_string(), c.id.clone()));
        place(t, spans, &c.id, x, depth + 1, rows, kind, out);
        x += w + GAP_X;
    }
}

/// The drawing of `t`: every card placed, the edges between them, the canvas size.
pub fn layout(t: &Tree) -> Layout {
    let spans = Spans::new(t);
    let (mut up, mut down) = (Vec::new(), Vec::new());
    tallest_per_row(t, EFFECTS, 0, &mut up);
    tallest_per_row(t, CAUSES, 0, &mut down);
    let problem_lines = wrap(&t.problem);
    let problem_h = height(problem_lines.len());

    // Effects: the outermost row starts at TOP; each row's own boxes must clear the next one
    // down (the last one, the trunk).
    let mid = TOP + up.iter().map(|h| pitch(*h)).sum::<f64>();
    let mut effect_rows = Vec::with_capacity(up.len());
    let mut y = mid;
    for h in &up {
        y -= pitch(*h);
        effect_rows.push(y);
    }
    // Causes: each row clears the row above it (the first, the problem).
    let mut cause_rows = Vec::with_capacity(down.len());
    let mut y = mid;
    let mut above = problem_h;
    for h in &down {
        y += pitch(above);
        cause_rows.push(y);
        above = *h;
    }
    let height_px = y + pitch(above);

    let width = spans.of(EFFECTS).max(spans.of(CAUSES)).max(PROBLEM_W) + 2.0 * GAP_X;
    let mut drawn = (Vec::new(), Vec::new());
    let left = |side: &str| (width - spans.of(side)) / 2.0;
    place(t, &spans, EFFECTS, left(EFFECTS), 0, &effect_rows, Kind::Effect, &mut drawn);
    place(t, &spans, CAUSES, left(CAUSES), 0, &cause_rows, Kind::Cause, &mut drawn);
    let (mut cards, links) = drawn;
    cards.push(CardBox {
        id: PROBLEM.to_string(),
        x: width / 2.0 - PROBLEM_W / 2.0,
        y: mid,
        w: PROBLEM_W,
        h: problem_h,
        lines: problem_lines,
        kind: Kind::Problem,
        root_cause: false,
    });
    let centre: HashMap<&str, (f64, f64)> =
        cards.iter().map(|c| (c.id.as_str(), c.centre())).collect();
    let edges = links
        .into_iter()
        .filter_map(|(from, to)| {
            let ((x1, y1), (x2, y2)) = (*centre.get(from.as_str())?, *centre.get(to.as_str())?);
            Some(Edge { from, to, x1, y1, x2, y2 })
        })
        .collect();
    Layout { cards, edges, width, height: height_px }
}
