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
use automerge::{AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use super::doc::{DocError, Document};
use super::history::{self, Stamp, Verb};
use super::lenient;
use super::plan::{SpliceError, splice_obj_on};
use crate::order;

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
    #[error("position {at} is past the end of the text ({len} characters)")]
    OutOfRange { at: usize, len: usize },
    /// The document could not be read, or Automerge refused the change.
    #[error(transparent)]
    Doc(#[from] DocError),
}

impl From<SpliceError> for TreeError {
    fn from(e: SpliceError) -> TreeError {
        match e {
            SpliceError::OutOfRange { at, len } => TreeError::OutOfRange { at, len },
            SpliceError::Doc(e) => TreeError::Doc(e),
        }
    }
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
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        doc.put(ROOT, "kind", KIND)?;
        doc.put(ROOT, "schema_version", SCHEMA_VERSION)?;
        doc.put(ROOT, "network_id", network_id)?;
        let cards = doc.put_object(ROOT, "cards", ObjType::Map)?;
        let p = doc.put_object(&cards, PROBLEM, ObjType::Map)?;
        let text = doc.put_object(&p, "text", ObjType::Text)?;
        doc.splice_text(&text, 0, 0, problem.trim())?;
        Ok(())
    };
    write(doc)?;
    history::commit(doc, stamp, Verb::CreateTree, "");
    Ok(())
}

fn cards_obj(doc: &AutoCommit) -> Result<ObjId, DocError> {
    lenient::map(doc, &ROOT, "cards")
}

fn card_obj(doc: &AutoCommit, id: &str) -> Result<ObjId, TreeError> {
    match doc.get(&cards_obj(doc)?, id).map_err(DocError::from)? {
        Some((Value::Object(ObjType::Map), o)) => Ok(o),
        _ => Err(TreeError::UnknownCard(id.into())),
    }
}

/// The order keys to write so that card `id` lands among `parent`'s children before
/// `before` (or last): one key when one fits strictly between its new neighbours. Cards
/// inserted at one spot concurrently can share a key (their ids break the tie); nothing fits
/// between equal keys, so then the whole row gets fresh keys in its intended order.
fn placement(tree: &Tree, parent: &str, id: &str, before: Option<&str>) -> Vec<(String, String)> {
    let siblings: Vec<&Card> =
        tree.children_of(parent).into_iter().filter(|c| c.id != id).collect();
    let at = before.and_then(|b| siblings.iter().position(|c| c.id == b)).unwrap_or(siblings.len());
    let prev = if at == 0 { "" } else { siblings[at - 1].order.as_str() };
    let next = siblings.get(at).map_or("", |c| c.order.as_str());
    if next.is_empty() || prev < next {
        return vec![(id.to_string(), key_between(prev, next))];
    }
    let mut row: Vec<&str> = siblings.iter().map(|c| c.id.as_str()).collect();
    row.insert(at, id);
    let mut key = String::new();
    row.into_iter()
        .map(|card| {
            key = key_between(&key, "");
            (card.to_string(), key.clone())
        })
        .collect()
}

/// Writes the keys of [`placement`]; returns the key of `id` itself.
fn write_placement(
    doc: &mut AutoCommit,
    id: &str,
    keys: Vec<(String, String)>,
) -> Result<String, TreeError> {
    let mut own = String::new();
    for (card, key) in keys {
        if card == id {
            own = key;
        } else {
            let c = card_obj(doc, &card)?;
            doc.put(&c, "order", key).map_err(DocError::from)?;
        }
    }
    Ok(own)
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
    let order = write_placement(doc, id, placement(&tree, parent, id, before))?;
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        let cards = cards_obj(doc)?;
        let c = doc.put_object(&cards, id, ObjType::Map)?;
        doc.put(&c, "by", stamp.by.as_str())?;
        doc.put(&c, "parent", parent)?;
        doc.put(&c, "prev_parent", parent)?;
        doc.put(&c, "moved_at", stamp.at)?;
        doc.put(&c, "order", order)?;
        doc.put(&c, "root_cause", false)?;
        doc.put(&c, "deleted", false)?;
        let t = doc.put_object(&c, "text", ObjType::Text)?;
        doc.splice_text(&t, 0, 0, text)?;
        doc.put_object(&c, "evidence", ObjType::Text)?;
        Ok(())
    };
    write(doc)?;
    history::commit(doc, stamp, Verb::AddCard, id);
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
    splice_on(doc, id, evidence, None, at, delete, insert, stamp)
}

/// [`splice`] of an edit made on `base`, the text the person saw (moved past what was merged
/// since: a co-author typing at once).
#[allow(clippy::too_many_arguments)]
pub fn splice_on(
    doc: &mut AutoCommit,
    id: &str,
    evidence: bool,
    base: Option<&str>,
    at: usize,
    delete: usize,
    insert: &str,
    stamp: &Stamp,
) -> Result<String, TreeError> {
    let c = card_obj(doc, id)?;
    let key = if evidence { "evidence" } else { "text" };
    let t = match doc.get(&c, key).map_err(DocError::from)? {
        Some((Value::Object(ObjType::Text), t)) => t,
        _ => doc.put_object(&c, key, ObjType::Text).map_err(DocError::from)?,
    };
    splice_obj_on(doc, &t, base, at, delete, insert)?;
    history::commit(doc, stamp, Verb::Edit, id);
    Ok(doc.text(&t).map_err(DocError::from)?)
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
    let order =
        write_placement(doc, id, placement(&tree, parent, id, before.filter(|b| *b != id)))?;
    let c = card_obj(doc, id)?;
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        doc.put(&c, "prev_parent", from.as_str())?;
        doc.put(&c, "parent", parent)?;
        doc.put(&c, "moved_at", stamp.at)?;
        doc.put(&c, "order", order)?;
        Ok(())
    };
    write(doc)?;
    history::commit(doc, stamp, Verb::MoveCard, id);
    Ok(())
}

/// Deletes a card; its children move up to its parent.
pub fn delete(doc: &mut AutoCommit, id: &str, stamp: &Stamp) -> Result<(), TreeError> {
    if id == PROBLEM {
        return Err(TreeError::Problem);
    }
    let c = card_obj(doc, id)?;
    doc.put(&c, "deleted", true).map_err(DocError::from)?;
    history::commit(doc, stamp, Verb::RemoveCard, id);
    Ok(())
}

pub fn set_root_cause(
    doc: &mut AutoCommit,
    id: &str,
    on: bool,
    stamp: &Stamp,
) -> Result<(), TreeError> {
    let c = card_obj(doc, id)?;
    doc.put(&c, "root_cause", on).map_err(DocError::from)?;
    history::commit(doc, stamp, Verb::RootCause, id);
    Ok(())
}

/// A card as read, placed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Card {
    pub id: String,
    /// Where it hangs after the rules: a side, or a living card.
    pub parent: String,
    pub order: String,
    pub text: String,
    pub evidence: String,
    pub root_cause: bool,
    /// The member who added it (empty for a card made before cards named their adder).
    pub by: String,
}

/// The tree as every replica reads it. Kept as a cached reading (pages that only show it
/// open without parsing the document): stored as the problem and the cards, the children
/// index rebuilt when read back.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(into = "Stored", from = "Stored")]
pub struct Tree {
    pub problem: String,
    /// Living cards (not the problem), each placed once.
    pub cards: BTreeMap<String, Card>,
    /// Each parent's children in sibling order (derived from `cards` on read), so walking the
    /// tree is linear: a 300-card drawing asks for children once per card.
    kids: BTreeMap<String, Vec<String>>,
}

/// What a cached [`Tree`] holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    problem: String,
    cards: Vec<Card>,
}

impl From<Tree> for Stored {
    fn from(t: Tree) -> Stored {
        Stored { problem: t.problem, cards: t.cards.into_values().collect() }
    }
}

impl From<Stored> for Tree {
    fn from(s: Stored) -> Tree {
        Tree::with_index(s.problem, order::map_of(s.cards.into_iter().map(|c| (c.id.clone(), c))))
    }
}

impl Tree {
    pub fn card(&self, id: &str) -> Option<&Card> {
        self.cards.get(id)
    }

    /// Children of a side or a card, in sibling order.
    pub fn children_of(&self, parent: &str) -> Vec<&Card> {
        self.kids
            .get(parent)
            .map_or_else(Vec::new, |ids| ids.iter().filter_map(|id| self.cards.get(id)).collect())
    }

    fn with_index(problem: String, cards: BTreeMap<String, Card>) -> Tree {
        let mut kids: BTreeMap<String, Vec<&Card>> = BTreeMap::new();
        for c in cards.values() {
            kids.entry(c.parent.clone()).or_default().push(c);
        }
        let kids = order::map_of(kids.into_iter().map(|(p, mut v)| {
            order::sort_by(&mut v, |a, b| (&a.order, &a.id).cmp(&(&b.order, &b.id)));
            (p, v.into_iter().map(|c| c.id.clone()).collect())
        }));
        Tree { problem, cards, kids }
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

#[derive(Clone)]
struct Raw {
    parent: String,
    prev_parent: String,
    moved_at: i64,
    order: String,
    text: String,
    evidence: String,
    root_cause: bool,
    deleted: bool,
    by: String,
}

/// One card's fields as stored (value and object id), read in one pass over its map.
type Fields = BTreeMap<String, (Value<'static>, ObjId)>;

fn fields(doc: &AutoCommit, obj: &ObjId) -> Fields {
    order::map_of(
        doc.map_range(obj, ..).map(|f| (f.key.to_string(), (Value::from(f.value.clone()), f.id()))),
    )
}

/// A card's field holding `found`, which it cannot mean (`None`: nothing).
fn shape(card: &str, key: &str, found: Option<&Value<'_>>) -> DocError {
    DocError::shape(format!("cards.{card}.{key}"), lenient::describe(found))
}

/// A string field: a scalar string or a Text (what other automerge-repo peers write); absent
/// or null reads as empty.
fn field_string(doc: &AutoCommit, card: &str, f: &Fields, key: &str) -> Result<String, DocError> {
    match f.get(key) {
        None => Ok(String::new()),
        Some((Value::Object(ObjType::Text), id)) => Ok(doc.text(id)?),
        Some((v @ Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Str(s) => Ok(s.to_string()),
            ScalarValue::Null => Ok(String::new()),
            _ => Err(shape(card, key, Some(v))),
        },
        Some((other, _)) => Err(shape(card, key, Some(other))),
    }
}

/// A whole number, however it was written (Int, Uint or a whole float).
fn field_int(card: &str, f: &Fields, key: &str) -> Result<i64, DocError> {
    match f.get(key) {
        Some((v @ Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Int(i) => Ok(*i),
            ScalarValue::Uint(u) => i64::try_from(*u).map_err(|_| shape(card, key, Some(v))),
            ScalarValue::F64(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Ok(*x as i64),
            _ => Err(shape(card, key, Some(v))),
        },
        Some((other, _)) => Err(shape(card, key, Some(other))),
        None => Err(shape(card, key, None)),
    }
}

fn field_text(doc: &AutoCommit, f: &Fields, key: &str) -> Result<String, DocError> {
    match f.get(key) {
        Some((Value::Object(ObjType::Text), id)) => Ok(doc.text(id)?),
        _ => Ok(String::new()),
    }
}

fn field_flag(f: &Fields, key: &str) -> bool {
    matches!(f.get(key), Some((Value::Scalar(v), _)) if v.as_bool() == Some(true))
}

fn read_card(doc: &AutoCommit, card: &str, f: &Fields) -> Result<Raw, DocError> {
    Ok(Raw {
        parent: field_string(doc, card, f, "parent")?,
        prev_parent: field_string(doc, card, f, "prev_parent")?,
        moved_at: field_int(card, f, "moved_at")?,
        order: field_string(doc, card, f, "order")?,
        text: field_text(doc, f, "text")?,
        evidence: field_text(doc, f, "evidence")?,
        root_cause: field_flag(f, "root_cause"),
        deleted: field_flag(f, "deleted"),
        by: field_string(doc, card, f, "by")?,
    })
}

/// A problem tree document (`kind` [`KIND`]).
pub struct TreeDoc;

impl Document for TreeDoc {
    const KIND: &'static str = KIND;
    const SCHEMA: u64 = SCHEMA_VERSION;
    type Plain = Tree;

    fn read(doc: &AutoCommit) -> Result<Tree, DocError> {
        let (problem, raw) = read_all(doc, |_, _, _| {})?;
        Ok(apply_rules(problem, &raw))
    }
}

/// Reads the tree and applies the rules (see the module's doc).
pub fn read(doc: &AutoCommit) -> Result<Tree, DocError> {
    TreeDoc::read(doc)
}

/// The central problem's card is not a map (or not there).
fn no_problem(doc: &AutoCommit, cards: &ObjId) -> DocError {
    lenient::shape(doc, cards, PROBLEM)
}

/// Every card as stored, and the problem's text; `each` also sees every card's map and fields
/// as they are read (so a [`Reader`] places them without reading them twice).
fn read_all(
    doc: &AutoCommit,
    mut each: impl FnMut(&str, &ObjId, &Fields),
) -> Result<(String, BTreeMap<String, Raw>), DocError> {
    TreeDoc::check(doc)?;
    let cards = cards_obj(doc)?;
    let mut problem = None;
    let mut raw: BTreeMap<String, Raw> = BTreeMap::new();
    for item in doc.map_range(&cards, ..) {
        let (id, obj) = (item.key.to_string(), item.id());
        if !matches!(item.value, automerge::ValueRef::Object(ObjType::Map)) {
            return Err(lenient::shape(doc, &cards, &id));
        }
        let f = fields(doc, &obj);
        each(&id, &obj, &f);
        if id == PROBLEM {
            problem = Some(field_text(doc, &f, "text")?);
        } else {
            let card = read_card(doc, &id, &f)?;
            raw.insert(id, card);
        }
    }
    let problem = problem.ok_or_else(|| no_problem(doc, &cards))?;
    Ok((problem, raw))
}

/// Keeps what it read of one tree document, so that reading it again after a change
/// re-reads only the cards that change touched (a remote edit on a 300-card tree costs one
/// card, not 300). Which cards were touched comes from the operations of the new changes:
/// an operation on the cards map names the card by its key, one inside a card names the
/// card's map, text or evidence object. Anything else (the document's root, an object this
/// reader cannot place) makes it read everything again. The rules are applied to the whole
/// tree every time.
#[derive(Default)]
pub struct Reader {
    heads: Vec<ChangeHash>,
    problem: String,
    raw: BTreeMap<String, Raw>,
    /// The cards map's object id (as "counter@actor").
    cards: String,
    /// Object id ("counter@actor") → the card it belongs to (the problem included).
    owner: BTreeMap<String, String>,
    /// How many cards the last read read from the document.
    last_read: usize,
}

impl Reader {
    /// How many cards the last [`Reader::read`] took from the document (all of them after a
    /// full read, only the touched ones otherwise, none when nothing changed).
    pub fn last_read(&self) -> usize {
        self.last_read
    }

    /// The tree as of `doc`'s current heads.
    pub fn read(&mut self, doc: &mut AutoCommit) -> Result<Tree, DocError> {
        self.last_read = 0;
        let now = doc.get_heads();
        let known = !self.heads.is_empty()
            && self.heads.iter().all(|h| doc.get_change_by_hash(h).is_some());
        if !known {
            self.read_everything(doc)?;
        } else if now != self.heads {
            let before = std::mem::take(&mut self.heads);
            let read = match self.touched(doc, &before) {
                Some((ids, unplaced)) => self.reread(doc, ids, &unplaced)?,
                None => false,
            };
            if !read {
                self.read_everything(doc)?;
            }
        }
        self.heads = now;
        Ok(apply_rules(self.problem.clone(), &self.raw))
    }

    fn read_everything(&mut self, doc: &AutoCommit) -> Result<(), DocError> {
        *self = Reader::default();
        let cards = cards_obj(doc)?;
        self.cards = cards.to_string();
        let owner = &mut self.owner;
        let (problem, raw) = read_all(doc, |id, obj, f| place(owner, id, obj, f))?;
        self.problem = problem;
        self.raw = raw;
        self.last_read = order::set_of(self.owner.values()).len();
        Ok(())
    }

    /// The cards the changes since `before` touched, and objects they wrote to that this
    /// reader could not place yet (those of cards created in the same changes, normally).
    /// `None`: they touched something outside the cards.
    fn touched(
        &self,
        doc: &mut AutoCommit,
        before: &[ChangeHash],
    ) -> Option<(BTreeSet<String>, BTreeSet<String>)> {
        use automerge::legacy::{Key, ObjectId};
        let (mut ids, mut unplaced) = (BTreeSet::new(), BTreeSet::new());
        for change in doc.get_changes(before) {
            for op in change.decode().operations {
                let ObjectId::Id(obj) = &op.obj else { return None };
                let obj = format!("{}@{}", obj.0, obj.1);
                if obj == self.cards {
                    let Key::Map(key) = &op.key else { return None };
                    ids.insert(key.to_string());
                } else if let Some(card) = self.owner.get(&obj) {
                    ids.insert(card.clone());
                } else {
                    unplaced.insert(obj);
                }
            }
        }
        Some((ids, unplaced))
    }

    /// Re-reads cards `ids`. False when some object written to is still not placed after
    /// that (then the caller reads everything).
    fn reread(
        &mut self,
        doc: &AutoCommit,
        ids: BTreeSet<String>,
        unplaced: &BTreeSet<String>,
    ) -> Result<bool, DocError> {
        let cards = cards_obj(doc)?;
        self.last_read = ids.len();
        for id in ids {
            match doc.get(&cards, id.as_str())? {
                Some((Value::Object(ObjType::Map), obj)) => {
                    let f = fields(doc, &obj);
                    if id == PROBLEM {
                        self.problem = field_text(doc, &f, "text")?;
                    } else {
                        self.raw.insert(id.clone(), read_card(doc, &id, &f)?);
                    }
                    place(&mut self.owner, &id, &obj, &f);
                }
                _ if id == PROBLEM => return Err(no_problem(doc, &cards)),
                Some(_) => return Err(lenient::shape(doc, &cards, &id)),
                None => {
                    self.raw.remove(&id);
                }
            }
        }
        Ok(unplaced.iter().all(|o| self.owner.contains_key(o)))
    }
}

/// Remembers which objects belong to card `id` (its map and its texts), from its fields.
fn place(owner: &mut BTreeMap<String, String>, id: &str, obj: &ObjId, f: &Fields) {
    owner.insert(obj.to_string(), id.to_string());
    for (value, o) in f.values() {
        if matches!(value, Value::Object(_)) {
            owner.insert(o.to_string(), id.to_string());
        }
    }
}

/// The rules of the module's doc, applied to the cards as stored.
fn apply_rules(problem: String, raw: &BTreeMap<String, Raw>) -> Tree {
    // 1. Parents as written; an unknown parent sends the card to the causes side.
    let mut parent: BTreeMap<String, String> = order::map_of(raw.iter().map(|(id, r)| {
        let p = if is_side(&r.parent) || raw.contains_key(&r.parent) {
            r.parent.clone()
        } else {
            CAUSES.to_string()
        };
        (id.clone(), p)
    }));
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
                by: r.by.clone(),
            },
        );
    }
    Tree::with_index(problem, out)
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
