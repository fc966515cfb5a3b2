//! The problem tree of a workshop (árbol de problemas): one central problem, causes below it,
//! effects above it, nested to any depth, co-edited from many phones at once.
//!
//! Every card lives in one map keyed by its id, with its parent, a fractional order key among
//! its siblings, its text (an Automerge `Text`), optional evidence and a "causa raíz" mark.
//! Nothing is ever removed from the map: deleting sets a tombstone, and on read the children
//! of a deleted card hang from its nearest living ancestor (never a cascade, and a card added
//! under it concurrently is not lost). The rules after any merge are enforced on read, the
//! same way on every replica:
//! - exactly one central problem (a fixed key written when the tree is created);
//! - no cycle: a move records when it happened and the parent it left; if concurrent moves
//!   form a cycle, the latest move in it (by time, then card id) is ignored and that card
//!   stays where it was, repeated until no cycle is left;
//! - siblings sort by (order key, card id), so concurrent inserts at one spot are stable.

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, Value};

use super::history::{self, Stamp};
use super::plan::{PlanError, am, int, splice_obj, string};

pub const KIND: &str = "juntas/problem-tree";
pub const SCHEMA_VERSION: u64 = 1;
/// The central problem's key.
pub const PROBLEM: &str = "problema";
/// The two sides under the problem (virtual parents of the top cards).
pub const CAUSES: &str = "causas";
pub const EFFECTS: &str = "efectos";

/// Why a tree command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("there is no card {0}")]
    UnknownCard(String),
    #[error("a card cannot go under itself or one of its own cards")]
    WouldCycle,
    #[error("the central problem cannot be moved or deleted")]
    Problem,
    #[error("a card needs some text")]
    EmptyText,
    #[error(transparent)]
    Doc(#[from] PlanError),
}

fn doc_err(e: automerge::AutomergeError) -> TreeError {
    TreeError::Doc(am(e))
}

/// A fractional key strictly between `a` and `b` (`""` = the open end), base-10 digits read
/// as a fraction (D. Greenspan's midpoint). Keys never end in '0', so one always fits.
pub fn key_between(a: &str, b: &str) -> String {
    midpoint(a, (!b.is_empty()).then_some(b))
}

fn midpoint(a: &str, b: Option<&str>) -> String {
    let ab = a.as_bytes();
    if let Some(b) = b {
        let bb = b.as_bytes();
        let mut n = 0;
        while n < bb.len() && ab.get(n).copied().unwrap_or(b'0') == bb[n] {
            n += 1;
        }
        if n > 0 {
            let rest = if n <= ab.len() { &a[n..] } else { "" };
            return format!("{}{}", &b[..n], midpoint(rest, Some(&b[n..])));
        }
    }
    let da = ab.first().map_or(0, |c| c - b'0');
    let db = b.and_then(|b| b.as_bytes().first()).map_or(10, |c| c - b'0');
    if db > da + 1 {
        return char::from(b'0' + (da + db) / 2).to_string();
    }
    if let Some(b) = b
        && b.len() > 1
    {
        return b[..1].to_string();
    }
    format!("{}{}", char::from(b'0' + da), midpoint(if ab.is_empty() { "" } else { &a[1..] }, None))
}

/// Writes a new tree into an empty document, with its central problem.
pub fn create(
    doc: &mut AutoCommit,
    network_id: &str,
    problem: &str,
    stamp: &Stamp,
) -> Result<(), TreeError> {
    if problem.trim().is_empty() {
        return Err(TreeError::EmptyText);
    }
    doc.put(ROOT, "kind", KIND).map_err(doc_err)?;
    doc.put(ROOT, "schema_version", SCHEMA_VERSION).map_err(doc_err)?;
    doc.put(ROOT, "network_id", network_id).map_err(doc_err)?;
    let cards = doc.put_object(ROOT, "cards", ObjType::Map).map_err(doc_err)?;
    let p = doc.put_object(&cards, PROBLEM, ObjType::Map).map_err(doc_err)?;
    let text = doc.put_object(&p, "text", ObjType::Text).map_err(doc_err)?;
    doc.splice_text(&text, 0, 0, problem.trim()).map_err(doc_err)?;
    history::commit(doc, stamp, "crear árbol", "");
    Ok(())
}

fn cards_obj(doc: &AutoCommit) -> Result<ObjId, TreeError> {
    match doc.get(ROOT, "cards").map_err(doc_err)? {
        Some((Value::Object(ObjType::Map), o)) => Ok(o),
        _ => Err(PlanError::Shape("no cards".into()).into()),
    }
}

fn card_obj(doc: &AutoCommit, id: &str) -> Result<ObjId, TreeError> {
    match doc.get(&cards_obj(doc)?, id).map_err(doc_err)? {
        Some((Value::Object(ObjType::Map), o)) => Ok(o),
        _ => Err(TreeError::UnknownCard(id.into())),
    }
}

/// The order key for a new last child of `parent`, or one placed before `before`.
fn order_for(tree: &Tree, parent: &str, before: Option<&str>) -> String {
    let siblings = tree.children_of(parent);
    match before.and_then(|b| siblings.iter().position(|c| c.id == b)) {
        Some(i) => {
            let prev = if i == 0 { "" } else { siblings[i - 1].order.as_str() };
            key_between(prev, &siblings[i].order)
        }
        None => key_between(siblings.last().map_or("", |c| c.order.as_str()), ""),
    }
}

fn is_side(parent: &str) -> bool {
    parent == CAUSES || parent == EFFECTS
}

/// Adds a card under `parent` (a side or a card), at the end or before `before`.
pub fn add(
    doc: &mut AutoCommit,
    id: &str,
    parent: &str,
    before: Option<&str>,
    text: &str,
    stamp: &Stamp,
) -> Result<(), TreeError> {
    let tree = read(doc)?;
    if !is_side(parent) && tree.card(parent).is_none() {
        return Err(TreeError::UnknownCard(parent.into()));
    }
    let order = order_for(&tree, parent, before);
    let cards = cards_obj(doc)?;
    let c = doc.put_object(&cards, id, ObjType::Map).map_err(doc_err)?;
    doc.put(&c, "parent", parent).map_err(doc_err)?;
    doc.put(&c, "prev_parent", parent).map_err(doc_err)?;
    doc.put(&c, "moved_at", stamp.at).map_err(doc_err)?;
    doc.put(&c, "order", order).map_err(doc_err)?;
    doc.put(&c, "root_cause", false).map_err(doc_err)?;
    doc.put(&c, "deleted", false).map_err(doc_err)?;
    let t = doc.put_object(&c, "text", ObjType::Text).map_err(doc_err)?;
    doc.splice_text(&t, 0, 0, text).map_err(doc_err)?;
    doc.put_object(&c, "evidence", ObjType::Text).map_err(doc_err)?;
    history::commit(doc, stamp, "agregar", id);
    Ok(())
}

/// Edits a card's text or evidence by a splice.
pub fn splice(
    doc: &mut AutoCommit,
    id: &str,
    evidence: bool,
    at: usize,
    delete: usize,
    insert: &str,
    stamp: &Stamp,
) -> Result<String, TreeError> {
    let c = card_obj(doc, id)?;
    let key = if evidence { "evidence" } else { "text" };
    let t = match doc.get(&c, key).map_err(doc_err)? {
        Some((Value::Object(ObjType::Text), t)) => t,
        _ => doc.put_object(&c, key, ObjType::Text).map_err(doc_err)?,
    };
    splice_obj(doc, &t, at, delete, insert)?;
    history::commit(doc, stamp, "editar", id);
    doc.text(&t).map_err(doc_err)
}

/// Moves a card under `parent` (also across sides), at the end or before `before`. Refused
/// when it would put a card under itself as this replica sees the tree.
pub fn move_card(
    doc: &mut AutoCommit,
    id: &str,
    parent: &str,
    before: Option<&str>,
    stamp: &Stamp,
) -> Result<(), TreeError> {
    if id == PROBLEM {
        return Err(TreeError::Problem);
    }
    let tree = read(doc)?;
    let card = tree.card(id).ok_or_else(|| TreeError::UnknownCard(id.into()))?;
    if !is_side(parent) {
        if tree.card(parent).is_none() {
            return Err(TreeError::UnknownCard(parent.into()));
        }
        if parent == id || tree.ancestors(parent).iter().any(|a| a == id) {
            return Err(TreeError::WouldCycle);
        }
    }
    let from = card.parent.clone();
    let order = order_for(&tree, parent, before.filter(|b| *b != id));
    let c = card_obj(doc, id)?;
    doc.put(&c, "prev_parent", from.as_str()).map_err(doc_err)?;
    doc.put(&c, "parent", parent).map_err(doc_err)?;
    doc.put(&c, "moved_at", stamp.at).map_err(doc_err)?;
    doc.put(&c, "order", order).map_err(doc_err)?;
    history::commit(doc, stamp, "mover", id);
    Ok(())
}

/// Deletes a card; its children move up to its parent.
pub fn delete(doc: &mut AutoCommit, id: &str, stamp: &Stamp) -> Result<(), TreeError> {
    if id == PROBLEM {
        return Err(TreeError::Problem);
    }
    let c = card_obj(doc, id)?;
    doc.put(&c, "deleted", true).map_err(doc_err)?;
    history::commit(doc, stamp, "quitar", id);
    Ok(())
}

pub fn set_root_cause(
    doc: &mut AutoCommit,
    id: &str,
    on: bool,
    stamp: &Stamp,
) -> Result<(), TreeError> {
    let c = card_obj(doc, id)?;
    doc.put(&c, "root_cause", on).map_err(doc_err)?;
    history::commit(doc, stamp, "causa raíz", id);
    Ok(())
}

/// A card as read, placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub id: String,
    /// Where it hangs after the rules: a side, or a living card.
    pub parent: String,
    pub order: String,
    pub text: String,
    pub evidence: String,
    pub root_cause: bool,
}

/// The tree as every replica reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tree {
    pub problem: String,
    /// Living cards (not the problem), each placed once.
    pub cards: BTreeMap<String, Card>,
}

impl Tree {
    pub fn card(&self, id: &str) -> Option<&Card> {
        self.cards.get(id)
    }

    /// Children of a side or a card, in sibling order.
    pub fn children_of(&self, parent: &str) -> Vec<&Card> {
        let mut v: Vec<&Card> = self.cards.values().filter(|c| c.parent == parent).collect();
        v.sort_by(|a, b| (&a.order, &a.id).cmp(&(&b.order, &b.id)));
        v
    }

    /// Card ids from `id`'s parent up to its side.
    pub fn ancestors(&self, id: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = self.cards.get(id).map(|c| c.parent.clone());
        while let Some(p) = at {
            if is_side(&p) || out.contains(&p) {
                break;
            }
            at = self.cards.get(&p).map(|c| c.parent.clone());
            out.push(p);
        }
        out
    }

    /// The side a card ends up on.
    pub fn side(&self, id: &str) -> &'static str {
        let top = self.ancestors(id).last().cloned().unwrap_or_else(|| id.to_string());
        match self.cards.get(&top).map(|c| c.parent.as_str()) {
            Some(EFFECTS) => EFFECTS,
            _ => CAUSES,
        }
    }

    /// The outline as indented text ("Problema", then effects and causes).
    pub fn outline(&self) -> String {
        fn walk(t: &Tree, parent: &str, depth: usize, out: &mut String) {
            for c in t.children_of(parent) {
                out.push_str(&"  ".repeat(depth));
                out.push_str("- ");
                out.push_str(&c.text);
                if c.root_cause {
                    out.push_str(" [causa raíz]");
                }
                if !c.evidence.is_empty() {
                    out.push_str(&format!(" (evidencia: {})", c.evidence));
                }
                out.push('\n');
                walk(t, &c.id, depth + 1, out);
            }
        }
        let mut out = format!("Problema central: {}\n\nEfectos:\n", self.problem);
        walk(self, EFFECTS, 1, &mut out);
        out.push_str("\nCausas:\n");
        walk(self, CAUSES, 1, &mut out);
        out
    }
}

struct Raw {
    parent: String,
    prev_parent: String,
    moved_at: i64,
    order: String,
    text: String,
    evidence: String,
    root_cause: bool,
    deleted: bool,
}

fn text_of(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<String, TreeError> {
    match doc.get(obj, key).map_err(doc_err)? {
        Some((Value::Object(ObjType::Text), t)) => doc.text(&t).map_err(doc_err),
        _ => Ok(String::new()),
    }
}

fn flag(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<bool, TreeError> {
    Ok(
        matches!(doc.get(obj, key).map_err(doc_err)?, Some((Value::Scalar(v), _)) if v.as_bool() == Some(true)),
    )
}

/// Reads the tree and applies the rules (see the module's doc).
pub fn read(doc: &AutoCommit) -> Result<Tree, TreeError> {
    let kind = string(doc, &ROOT, "kind")?;
    if kind != KIND {
        return Err(PlanError::WrongKind(kind).into());
    }
    let cards = cards_obj(doc)?;
    let problem = text_of(doc, &card_obj(doc, PROBLEM)?, "text")?;
    let mut raw: BTreeMap<String, Raw> = BTreeMap::new();
    for id in doc.keys(&cards).collect::<Vec<_>>() {
        if id == PROBLEM {
            continue;
        }
        let c = card_obj(doc, &id)?;
        raw.insert(
            id,
            Raw {
                parent: string(doc, &c, "parent")?,
                prev_parent: string(doc, &c, "prev_parent")?,
                moved_at: int(doc, &c, "moved_at")?,
                order: string(doc, &c, "order")?,
                text: text_of(doc, &c, "text")?,
                evidence: text_of(doc, &c, "evidence")?,
                root_cause: flag(doc, &c, "root_cause")?,
                deleted: flag(doc, &c, "deleted")?,
            },
        );
    }
    // 1. Parents as written; an unknown parent sends the card to the causes side.
    let mut parent: BTreeMap<String, String> = raw
        .iter()
        .map(|(id, r)| {
            let p = if is_side(&r.parent) || raw.contains_key(&r.parent) {
                r.parent.clone()
            } else {
                CAUSES.to_string()
            };
            (id.clone(), p)
        })
        .collect();
    // 2. Break cycles: the latest move in a cycle is ignored (back to the parent it left;
    //    to its side when that also cycles).
    let mut undone: BTreeSet<String> = BTreeSet::new();
    while let Some(cycle) = find_cycle(&parent) {
        let latest = cycle
            .iter()
            .max_by_key(|id| (raw[*id].moved_at, (*id).clone()))
            .expect("a cycle has cards")
            .clone();
        let r = &raw[&latest];
        let back = if undone.insert(latest.clone())
            && r.prev_parent != r.parent
            && (is_side(&r.prev_parent) || raw.contains_key(&r.prev_parent))
        {
            r.prev_parent.clone()
        } else {
            CAUSES.to_string()
        };
        parent.insert(latest, back);
    }
    // 3. Deleted cards hand their children to their nearest living ancestor.
    let living = |id: &str| raw.get(id).is_some_and(|r| !r.deleted);
    let mut out = BTreeMap::new();
    for (id, r) in raw.iter().filter(|(_, r)| !r.deleted) {
        let mut p = parent[id].clone();
        while !is_side(&p) && !living(&p) {
            p = parent[&p].clone();
        }
        out.insert(
            id.clone(),
            Card {
                id: id.clone(),
                parent: p,
                order: r.order.clone(),
                text: r.text.clone(),
                evidence: r.evidence.clone(),
                root_cause: r.root_cause,
            },
        );
    }
    Ok(Tree { problem, cards: out })
}

/// One cycle in the parent relation (its cards), if any, found deterministically.
fn find_cycle(parent: &BTreeMap<String, String>) -> Option<Vec<String>> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for start in parent.keys() {
        let mut path: Vec<&str> = Vec::new();
        let mut at = start.as_str();
        loop {
            if done.contains(at) || is_side(at) {
                break;
            }
            if let Some(i) = path.iter().position(|p| *p == at) {
                return Some(path[i..].iter().map(|s| s.to_string()).collect());
            }
            path.push(at);
            match parent.get(at) {
                Some(p) => at = p.as_str(),
                None => break,
            }
        }
        done.extend(path);
    }
    None
}
