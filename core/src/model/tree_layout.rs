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

/// Extra space between two bands of a side (see [`layout_to_fit`]).
pub const BAND_GAP: f64 = ROW_H / 2.0;

/// The tallest box of each row under `parent` (index 0 = its children's row), into `out`.
fn tallest_per_row(t: &Tree, parent: &str, depth: usize, out: &mut Vec<f64>) {
    for c in t.children_of(parent) {
        if out.len() <= depth {
            out.push(0.0);
        }
        out[depth] = out[depth].max(height(wrap(&c.text).len()));
        tallest_per_row(t, &c.id, depth + 1, out);
    }
}

/// One first-level card of a side with what placing its subtree needs.
struct Top<'t> {
    card: &'t Card,
    /// Its subtree's width.
    width: f64,
    /// The tallest box of each row of its subtree (index 0 = its own row).
    rows: Vec<f64>,
}

/// A side's first-level cards, in order, each with its width and row heights.
fn tops<'t>(t: &'t Tree, spans: &Spans<'t>, side: &str) -> Vec<Top<'t>> {
    t.children_of(side)
        .into_iter()
        .map(|card| {
            let mut rows = vec![height(wrap(&card.text).len())];
            tallest_per_row(t, &card.id, 1, &mut rows);
            Top { card, width: spans.of(&card.id), rows }
        })
        .collect()
}

/// A side's first-level cards cut into bands no wider than `max` (a card wider than `max`
/// alone is a band), in order, the band next to the trunk first: `(first, end, width)`.
fn bands(tops: &[Top<'_>], max: f64) -> Vec<(usize, usize, f64)> {
    let mut out = Vec::new();
    let (mut first, mut width) = (0, 0.0);
    for (i, top) in tops.iter().enumerate() {
        if i > first && width + GAP_X + top.width > max {
            out.push((first, i, width));
            (first, width) = (i, 0.0);
        }
        width += if i > first { GAP_X } else { 0.0 } + top.width;
    }
    if first < tops.len() {
        out.push((first, tops.len(), width));
    }
    out
}

/// The tallest box of each row of a band.
fn band_rows(tops: &[Top<'_>]) -> Vec<f64> {
    let mut rows: Vec<f64> = Vec::new();
    for top in tops {
        for (d, h) in top.rows.iter().enumerate() {
            if rows.len() <= d {
                rows.push(0.0);
            }
            rows[d] = rows[d].max(*h);
        }
    }
    rows
}

/// Where each band's rows go on one side: for each band, the top of each of its rows, and
/// the space the side takes from the trunk (`from`: the problem's top for effects, which go
/// up, and its height for causes, which go down from it).
struct SidePlan {
    /// Row tops per band, relative to the problem's top (negative for effects).
    rows: Vec<Vec<f64>>,
    /// For causes: from the problem's top to the drawing's bottom; for effects: from the
    /// drawing's top (before [`TOP`]) to the problem's top.
    extent: f64,
}

fn plan_side(
    tops: &[Top<'_>],
    bands: &[(usize, usize, f64)],
    up: bool,
    problem_h: f64,
) -> SidePlan {
    let mut rows = Vec::with_capacity(bands.len());
    // Distance from the problem's top, growing outwards.
    let mut at = 0.0;
    let mut above = problem_h;
    for (b, (first, end, _)) in bands.iter().enumerate() {
        let mut tops_of_band = Vec::new();
        for (d, h) in band_rows(&tops[*first..*end]).into_iter().enumerate() {
            // A band after the first keeps apart from the one before it.
            let gap = if b > 0 && d == 0 { BAND_GAP } else { 0.0 };
            if up {
                // A row's boxes clear the row below them (the first, the problem).
                at += pitch(h) + gap;
                tops_of_band.push(-at);
            } else {
                at += pitch(above) + gap;
                tops_of_band.push(at);
                above = h;
            }
        }
        rows.push(tops_of_band);
    }
    let extent = if up { at } else { at + pitch(above) };
    SidePlan { rows, extent }
}

/// The drawing of `t`: every card placed, the edges between them, the canvas size; each
/// side's first-level cards side by side in one band.
pub fn layout(t: &Tree) -> Layout {
    layout_banded(t, f64::INFINITY)
}

/// The drawing of `t` made to fill a screen `aspect` times wider than tall: when drawing the
/// first-level cards side by side would make the tree so wide that its text shrinks, they
/// are cut into bands stacked outwards from the trunk (effects up, causes down), the band
/// width chosen so the drawing scaled to the screen is as large as it can be.
pub fn layout_to_fit(t: &Tree, aspect: f64) -> Layout {
    let spans = Spans::new(t);
    let problem_h = height(wrap(&t.problem).len());
    let sides = [tops(t, &spans, EFFECTS), tops(t, &spans, CAUSES)];
    let size = |max: f64| {
        let plans = [true, false].map(|up| {
            let side = &sides[usize::from(!up)];
            let b = bands(side, max);
            let width = b.iter().map(|x| x.2).fold(0.0, f64::max);
            (plan_side(side, &b, up, problem_h), width)
        });
        let width = plans[0].1.max(plans[1].1).max(PROBLEM_W) + 2.0 * GAP_X;
        (width, TOP + plans[0].0.extent + plans[1].0.extent)
    };
    // Candidates: the wider side cut into 1, 2, 3 … bands of about equal width.
    let widest = sides.iter().map(|s| bands(s, f64::INFINITY).first().map_or(0.0, |b| b.2));
    let widest = widest.fold(0.0, f64::max);
    let most = sides.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let scale = |(w, h): (f64, f64)| (aspect / w).min(1.0 / h);
    let mut best = (f64::INFINITY, scale(size(f64::INFINITY)));
    for k in 2..=most {
        let max = widest / k as f64;
        let s = scale(size(max));
        // Strictly larger: of two equal fits, the one with fewer bands.
        if s > best.1 * 1.000_001 {
            best = (max, s);
        }
    }
    layout_banded(t, best.0)
}

/// Places a band's subtrees from `left` on the band's rows.
#[allow(clippy::too_many_arguments)]
fn place_band(
    t: &Tree,
    spans: &Spans<'_>,
    tops: &[Top<'_>],
    left: f64,
    rows: &[f64],
    kind: Kind,
    out: &mut (Vec<CardBox>, Vec<(String, String)>),
) {
    let mut x = left;
    for top in tops {
        place_one(t, spans, top.card, PROBLEM, x, 0, rows, kind, out);
        x += top.width + GAP_X;
    }
}

/// Places `c` (whose subtree starts at `left`) on row `depth` and its subtree further out.
#[allow(clippy::too_many_arguments)]
fn place_one(
    t: &Tree,
    spans: &Spans<'_>,
    c: &Card,
    parent: &str,
    left: f64,
    depth: usize,
    rows: &[f64],
    kind: Kind,
    out: &mut (Vec<CardBox>, Vec<(String, String)>),
) {
    let w = spans.of(&c.id);
    let lines = wrap(&c.text);
    out.0.push(CardBox {
        id: c.id.clone(),
        x: left + w / 2.0 - CARD_W / 2.0,
        y: rows[depth],
        w: CARD_W,
        h: height(lines.len()),
        lines,
        kind,
        root_cause: c.root_cause,
    });
    out.1.push((parent.to_string(), c.id.clone()));
    let mut x = left;
    for k in t.children_of(&c.id) {
        place_one(t, spans, k, &c.id, x, depth + 1, rows, kind, out);
        x += spans.of(&k.id) + GAP_X;
    }
}

/// The drawing with each side's first-level cards in bands at most `max` wide.
fn layout_banded(t: &Tree, max: f64) -> Layout {
    let spans = Spans::new(t);
    let problem_lines = wrap(&t.problem);
    let problem_h = height(problem_lines.len());
    let (effects, causes) = (tops(t, &spans, EFFECTS), tops(t, &spans, CAUSES));
    let (eb, cb) = (bands(&effects, max), bands(&causes, max));
    let (up, down) =
        (plan_side(&effects, &eb, true, problem_h), plan_side(&causes, &cb, false, problem_h));
    let mid = TOP + up.extent;
    let height_px = mid + down.extent;
    let band_w = eb.iter().chain(&cb).map(|b| b.2).fold(0.0, f64::max);
    let width = band_w.max(PROBLEM_W) + 2.0 * GAP_X;

    let mut drawn = (Vec::new(), Vec::new());
    for (side, bands, plan, kind) in
        [(&effects, &eb, &up, Kind::Effect), (&causes, &cb, &down, Kind::Cause)]
    {
        for ((first, end, w), rows) in bands.iter().zip(&plan.rows) {
            let rows: Vec<f64> = rows.iter().map(|r| mid + r).collect();
            place_band(t, &spans, &side[*first..*end], (width - w) / 2.0, &rows, kind, &mut drawn);
        }
    }
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
