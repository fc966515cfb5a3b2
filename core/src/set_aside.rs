//! What a device does with a document after the server refused one of its changes: it
//! rebuilds the document from what the server accepted, re-makes the member's later edits
//! the rules allow under a fresh actor, and sets aside, as text she can copy, what they do not.
//!
//! Automerge chains each actor's changes, so a refused change would otherwise hold back every
//! later change of that device to that document (a comment typed after a refused section edit
//! could never be sent). [`rebuild`] works by effect, like the rules: the member's unsent
//! changes are read as one diff, grouped into **units** (a field set or deleted, an entry she
//! created, a text she edited), and each unit is judged with the rules
//! (`rules::check_one`) as the server would judge it now. An allowed text edit is merged three-way onto the accepted text
//! (positions carried by Automerge cursors), so what others wrote meanwhile stays; an allowed
//! field or entry is written as she left it; a refused one becomes a [`SetAside`]. Others'
//! changes this device holds but the server does not (from another tab or a file) are kept
//! as they are, unless they were built on hers.

use std::collections::{BTreeMap, HashSet};

use automerge::{
    ActorId, AutoCommit, AutomergeError, ChangeHash, ObjId, ObjType, Patch, Prop, ROOT, ReadDoc,
    Value,
    patches::PatchAction,
    transaction::{CommitOptions, Transactable},
};
use serde::{Deserialize, Serialize};

use crate::model::history;
use crate::rules::{self, Effect, Facts, Refusal, Who};
use crate::signing;

/// Why an edit was set aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Why {
    /// The rules refuse it to her now; the refusal's words (`rules::Refusal`'s `Display`, which
    /// [`rules::rule_of`] reads back).
    Refused(String),
    /// Where she wrote it no longer exists on the server (it was deleted meanwhile).
    Gone,
    /// She wrote it in this tab as another tab rebuilt the document, and the place changed
    /// meanwhile ([`carry_late`]).
    Overlapped,
}

/// Each actor's highest change a rebuild saw among those the server did not have (hex actor
/// id → seq): what a tab that reloads the rebuild made after that is carried over
/// ([`carry_late`]).
pub type Seen = BTreeMap<String, u64>;

/// An edit that was not re-made: where, what she wrote, why, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAside {
    /// Where she wrote it, from the document's root (`sections/1.2/body`, `comments/<id>`).
    pub path: Vec<String>,
    /// What she wrote there, as text she can copy (a text's whole content as she left it).
    pub text: String,
    pub why: Why,
    /// When she last wrote it (ms since the Unix epoch; changes keep whole seconds).
    pub at: i64,
}

/// What [`rebuild`] made.
#[derive(Debug)]
pub struct Rebuilt {
    /// The accepted document with her allowed edits re-made, under the fresh actor.
    pub doc: AutoCommit,
    pub set_aside: Vec<SetAside>,
    /// How many edits (units) were re-made.
    pub remade: usize,
    /// Her changes that are not in [`Rebuilt::doc`] (their allowed effects are, re-made).
    pub dropped: Vec<ChangeHash>,
    /// The first of them: every other depends on one of these, so a peer offering any
    /// dropped change again offers one of these.
    pub first_dropped: Vec<ChangeHash>,
    /// What it was rebuilt from, for the device's other tabs ([`carry_late`]).
    pub seen: Seen,
}

/// Rebuilds `full` (this device's copy) on `accepted` (the server's copy, which has none of the
/// refused changes) for `who`, the member this device signs for, as the server's network
/// describes her now. Her changes the server does not have — and whatever was built on them —
/// are dropped; their effects the rules allow are re-made with `actor`, each unit committed
/// with the message and time of the last of her changes that touched it; the rest is
/// returned as [`SetAside`]. A document whose kind no rule knows sets everything aside.
pub fn rebuild(
    full: &mut AutoCommit,
    accepted: &mut AutoCommit,
    who: &Who,
    actor: ActorId,
) -> Result<Rebuilt, AutomergeError> {
    let accepted_hashes: HashSet<ChangeHash> =
        accepted.get_changes_meta(&[]).into_iter().map(|c| c.hash).collect();
    let metas = signing::metas(full, &[]);
    let unsent: Vec<&signing::Meta> =
        metas.iter().filter(|m| !accepted_hashes.contains(&m.hash)).collect();
    let hers: HashSet<&ActorId> = unsent
        .iter()
        .filter(|m| history::author(m.message.as_deref()) == Some(who.member.as_str()))
        .map(|m| &m.actor)
        .collect();
    // Hers, and everything built on them (to a fixed point: the order is causal, but cheap to
    // be sure).
    let mut dropped: HashSet<ChangeHash> = HashSet::new();
    loop {
        let before = dropped.len();
        for m in &unsent {
            if hers.contains(&m.actor) || m.deps.iter().any(|d| dropped.contains(d)) {
                dropped.insert(m.hash);
            }
        }
        if dropped.len() == before {
            break;
        }
    }
    let mut doc = accepted.fork().with_actor(actor);
    let others: Vec<automerge::Change> = unsent
        .iter()
        .filter(|m| !dropped.contains(&m.hash))
        .filter_map(|m| full.get_change_by_hash(&m.hash))
        .collect();
    doc.apply_changes(others)?;
    let first_dropped = unsent
        .iter()
        .filter(|m| dropped.contains(&m.hash) && !m.deps.iter().any(|d| dropped.contains(d)))
        .map(|m| m.hash)
        .collect();
    let mut out = Rebuilt {
        doc,
        set_aside: Vec::new(),
        remade: 0,
        dropped: dropped.iter().copied().collect(),
        first_dropped,
        seen: Seen::new(),
    };
    for m in &unsent {
        let s = out.seen.entry(m.actor.to_hex_string()).or_default();
        *s = (*s).max(m.seq);
    }
    if dropped.is_empty() {
        return Ok(out);
    }
    let (remade, set_aside) =
        remake_units(full, &metas, &dropped, &mut out.doc, Some(who), Target::remake, Why::Gone)?;
    out.remade = remade;
    out.set_aside = set_aside;
    Ok(out)
}

/// What [`carry_late`] did.
#[derive(Debug, Default)]
pub struct Carried {
    /// Late changes taken as they are (they build only on what the rebuild holds).
    pub applied: usize,
    /// Late edits re-made on the rebuild (units, as [`Rebuilt::remade`] counts them).
    pub remade: usize,
    pub set_aside: Vec<SetAside>,
}

impl Carried {
    /// Whether the rebuild changed.
    pub fn changed(&self) -> bool {
        self.applied > 0 || self.remade > 0
    }
}

/// Another tab of this device rebuilt the document ([`rebuild`]) from a copy that held each
/// actor's unsent changes up to `seen` ([`Rebuilt::seen`]); `old` is this tab's copy and
/// `rebuilt` that rebuild, as loaded. The changes of `old` the rebuild did not see (typed here
/// in the second before it reached that tab, or since) are carried onto `rebuilt`:
/// - as they are when they build only on what it holds (the same change, wherever it is
///   carried from);
/// - else, when all are this tab's own (its actor's), each edit is re-made at its place (by
///   path: the rebuild re-made the objects under new ids) when the rules let `who` make it and
///   the place still reads as it did before it; else it is set aside;
/// - else (a third tab's words among them, which that tab carries itself) all are set aside,
///   so that none is re-made twice.
///
/// Without `seen` (the rebuild's note is missing), which changes it saw is unknown: this
/// tab's own changes it does not hold are set aside, and nothing is applied or re-made (a
/// change the rebuild dropped must not come back). `who` None (her member is not known here):
/// nothing is re-made.
pub fn carry_late(
    old: &mut AutoCommit,
    rebuilt: &mut AutoCommit,
    seen: Option<&Seen>,
    who: Option<&Who>,
) -> Result<Carried, AutomergeError> {
    let mine = old.get_actor().clone();
    let metas = signing::metas(old, &[]);
    let mut have: HashSet<ChangeHash> =
        rebuilt.get_changes_meta(&[]).into_iter().map(|c| c.hash).collect();
    let mut direct = Vec::new();
    // Late and not taken as they are, with whatever was built on them (causally closed).
    let mut rest: HashSet<ChangeHash> = HashSet::new();
    let mut all_mine = true;
    // In causal order: a late change built on one not taken is not taken either.
    for m in &metas {
        if have.contains(&m.hash) {
            continue;
        }
        let late = match seen {
            Some(seen) => seen.get(&m.actor.to_hex_string()).is_none_or(|&s| m.seq > s),
            None => m.actor == mine || m.deps.iter().any(|d| rest.contains(d)),
        };
        if !late {
            continue;
        }
        if seen.is_some() && m.deps.iter().all(|d| have.contains(d)) {
            have.insert(m.hash);
            direct.push(m.hash);
        } else {
            all_mine &= m.actor == mine;
            rest.insert(m.hash);
        }
    }
    let mut out = Carried { applied: direct.len(), ..Carried::default() };
    let changes: Vec<automerge::Change> =
        direct.iter().filter_map(|h| old.get_change_by_hash(h)).collect();
    rebuilt.apply_changes(changes)?;
    if rest.is_empty() {
        return Ok(out);
    }
    let place: Place = if seen.is_some() && all_mine && who.is_some() { carry_to } else { nowhere };
    let (remade, set_aside) =
        remake_units(old, &metas, &rest, rebuilt, who, place, Why::Overlapped)?;
    out.remade = remade;
    // What the rebuild already reads there (another tab carried it) is not set aside again.
    out.set_aside = set_aside
        .into_iter()
        .filter(|s| reads_at(rebuilt, &s.path).as_deref() != Some(s.text.as_str()))
        .collect();
    Ok(out)
}

/// A unit that is not re-made ([`carry_late`]): set aside.
fn nowhere(
    _: &Target,
    _: &[String],
    _: &AutoCommit,
    _: &mut AutoCommit,
    _: &mut AutoCommit,
) -> Result<bool, AutomergeError> {
    Ok(false)
}

/// Writes a unit (`target` at `path`) of `full` into `doc`, `base` being `full` before the
/// changes re-made: [`Target::remake`] or [`carry_to`].
type Place = fn(
    &Target,
    &[String],
    &AutoCommit,
    &mut AutoCommit,
    &mut AutoCommit,
) -> Result<bool, AutomergeError>;

/// Re-makes in `doc` the effects of `full`'s changes `these` (with whatever was built on them,
/// a causally closed set), unit by unit: `place` writes a unit the rules let `who` make
/// (`Ok(false)`: it has no place there, and is set aside as `nowhere`); each is committed with
/// the message and time of the last of these changes that touched it. The units re-made, and
/// those set aside.
fn remake_units(
    full: &mut AutoCommit,
    metas: &[signing::Meta],
    these: &HashSet<ChangeHash>,
    doc: &mut AutoCommit,
    who: Option<&Who>,
    place: Place,
    nowhere: Why,
) -> Result<(usize, Vec<SetAside>), AutomergeError> {
    let kept: Vec<&signing::Meta> = metas.iter().filter(|m| !these.contains(&m.hash)).collect();
    let base_heads = heads_of(&kept);
    let mut base = full.fork_at(&base_heads)?;
    let full_heads = full.get_heads();
    let patches = full.diff(&base_heads, &full_heads);

    // When and with which message each path was last written by her.
    let mut written: Vec<(Vec<String>, Option<String>, i64)> = Vec::new();
    for m in metas.iter().filter(|m| these.contains(&m.hash)) {
        if m.message.as_deref() == Some(signing::MESSAGE) || m.deps.is_empty() {
            continue;
        }
        for e in rules::effects(full, &m.deps, &[m.hash]) {
            written.push((e.path, m.message.clone(), m.time));
        }
    }

    let facts = rules::facts_of(doc);
    let effects: Vec<Option<Effect>> = patches.iter().map(rules::effect_of).collect();
    let all: Vec<Effect> = effects.iter().flatten().cloned().collect();
    let mut units: Vec<Unit> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (patch, effect) in patches.iter().zip(&effects) {
        let Some(effect) = effect else { continue };
        if effect.path.first().is_some_and(|k| k.starts_with(signing::PREFIX)) {
            continue; // signatures are made again by the fresh actor
        }
        let Some((target, path)) = unit_of(&base, patch) else { continue };
        let key = target.key();
        let i = *index.entry(key).or_insert_with(|| {
            units.push(Unit { target, path, refusal: None });
            units.len() - 1
        });
        if units[i].refusal.is_none() {
            let verdict = match (&facts, who) {
                // Not judged: nothing is re-made without her member ([`carry_late`]).
                (_, None) => Ok(()),
                (Some(facts), Some(who)) => allowed(who, facts, &all, effect),
                (None, Some(_)) => Err(Refusal::Unknown { path: "kind".into() }),
            };
            units[i].refusal = verdict.err();
        }
    }

    let last_write = |path: &[String]| {
        written
            .iter()
            .rev()
            .find(|(p, _, _)| p.starts_with(path) || path.starts_with(p))
            .map(|(_, m, t)| (m.clone(), *t))
            .unwrap_or((None, 0))
    };
    // The timestamp every change touches rides with the last edit re-made, not on its own.
    let stamp_unit = units
        .iter()
        .position(|u| u.refusal.is_none() && u.path.len() == 1 && u.path[0] == "updated_at");
    let remake: Vec<usize> =
        (0..units.len()).filter(|&i| Some(i) != stamp_unit && units[i].refusal.is_none()).collect();
    let (mut remade, mut set_aside) = (0, Vec::new());
    for (i, unit) in units.iter().enumerate() {
        let (message, time) = last_write(&unit.path);
        let stamp = unit.path.len() == 1 && unit.path[0] == "updated_at";
        if let Some(refusal) = &unit.refusal {
            // A time the app writes beside every edit is not her words: nothing to copy.
            if stamp {
                continue;
            }
            set_aside.push(SetAside {
                path: unit.path.clone(),
                text: render_target(full, &unit.target),
                why: Why::Refused(refusal.to_string()),
                at: time * 1000,
            });
            continue;
        }
        if Some(i) == stamp_unit {
            continue;
        }
        match place(&unit.target, &unit.path, full, &mut base, doc) {
            // Already as she left it there: nothing to commit, not even its time (unless
            // it is the last, after others were re-made: the time rides with it).
            Ok(true) if doc.pending_ops() == 0 && (remake.last() != Some(&i) || remade == 0) => {}
            Ok(true) => {
                if remake.last() == Some(&i)
                    && let Some(s) = stamp_unit
                {
                    // A failure here loses only a timestamp, which the next edit writes.
                    let u = &units[s];
                    let _ = place(&u.target, &u.path, full, &mut base, doc);
                }
                let mut options = CommitOptions::default().with_time(time);
                if let Some(m) = message {
                    options = options.with_message(m);
                }
                if doc.commit_with(options).is_some() {
                    remade += 1;
                }
            }
            Ok(false) | Err(_) => {
                doc.rollback();
                set_aside.push(SetAside {
                    path: unit.path.clone(),
                    text: render_target(full, &unit.target),
                    why: nowhere.clone(),
                    at: time * 1000,
                });
            }
        }
    }
    Ok((remade, set_aside))
}

/// Writes her version of a late unit into `doc` at its path ([`carry_late`]): a field or an
/// entry as she left it, a list whole, a text when `doc`'s still reads as it did before her
/// late edits. `Ok(false)` when the path is not in `doc`, or its text changed meanwhile.
fn carry_to(
    target: &Target,
    path: &[String],
    full: &AutoCommit,
    base: &mut AutoCommit,
    doc: &mut AutoCommit,
) -> Result<bool, AutomergeError> {
    match target {
        Target::Key { map, key } => {
            let Some(parent) = path.split_last().and_then(|(_, up)| resolve(doc, up)) else {
                return Ok(false);
            };
            let now = (&*doc, doc.get(&parent, key.as_str())?);
            if same(&now, &(full, full.get(map, key.as_str())?)) {
                return Ok(true);
            }
            if !same(&now, &(&*base, base.get(map, key.as_str())?)) {
                return Ok(false);
            }
            put_from(full, map, key, doc, &parent).map(|()| true)
        }
        Target::Seq { obj } => {
            let Some(to) = resolve(doc, path) else { return Ok(false) };
            let text = full.object_type(obj)? == ObjType::Text;
            if text != (doc.object_type(&to)? == ObjType::Text) {
                return Ok(false);
            }
            let read = |d: &AutoCommit, o: &ObjId| {
                if text { d.text(o) } else { Ok(render(d, &Value::Object(ObjType::List), o)) }
            };
            let (before, mine, now) = (read(base, obj)?, read(full, obj)?, read(doc, &to)?);
            if now == mine {
                return Ok(true);
            }
            if now != before {
                return Ok(false);
            }
            if text {
                splice_diff(doc, &to, &before, &mine)
            } else {
                replace_list(full, obj, doc, &to)
            }
            .map(|()| true)
        }
    }
}

/// Whether two fields (each with its document) hold the same: both absent, equal values of
/// one type (`"1"` is not `1`), or objects of one kind with the same words.
fn same(
    a: &(&AutoCommit, Option<(Value<'_>, ObjId)>),
    b: &(&AutoCommit, Option<(Value<'_>, ObjId)>),
) -> bool {
    match (&a.1, &b.1) {
        (None, None) => true,
        (Some((Value::Scalar(x), _)), Some((Value::Scalar(y), _))) => x == y,
        (Some((x @ Value::Object(k), i)), Some((Value::Object(l), j))) => {
            k == l && render(a.0, x, i) == render(b.0, x, j)
        }
        _ => false,
    }
}

/// What `doc` shows at `path` (a field, or an object's words), if it has it.
fn reads_at(doc: &AutoCommit, path: &[String]) -> Option<String> {
    let (last, up) = path.split_last()?;
    let parent = resolve(doc, up)?;
    let got = match doc.object_type(&parent).ok()? {
        ObjType::List | ObjType::Text => doc.get(&parent, last.parse::<usize>().ok()?),
        ObjType::Map | ObjType::Table => doc.get(&parent, last.as_str()),
    };
    got.ok()?.map(|(value, id)| render(doc, &value, &id))
}

/// The object at `path` from the root of `doc` (map keys, list indices), if there is one.
fn resolve(doc: &AutoCommit, path: &[String]) -> Option<ObjId> {
    let mut at = ROOT;
    for step in path {
        let got = match doc.object_type(&at).ok()? {
            ObjType::List | ObjType::Text => doc.get(&at, step.parse::<usize>().ok()?),
            ObjType::Map | ObjType::Table => doc.get(&at, step.as_str()),
        };
        match got.ok()?? {
            (Value::Object(_), id) => at = id,
            _ => return None,
        }
    }
    Some(at)
}

/// How `after` differs from `before`, by characters, last first (so that making one never
/// moves the places of those still to make): each edit's place in `before`, how many
/// characters it removes there, and what it puts there.
fn char_edits(before: &str, after: &str) -> Vec<(usize, usize, String)> {
    let old: Vec<char> = before.chars().collect();
    let new: Vec<char> = after.chars().collect();
    let diff = similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new);
    diff.iter()
        .rev()
        .filter_map(|op| {
            let (at, removed, added) = match *op {
                similar::DiffOp::Equal { .. } => return None,
                similar::DiffOp::Delete { old_index, old_len, .. } => (old_index, old_len, 0..0),
                similar::DiffOp::Insert { old_index, new_index, new_len } => {
                    (old_index, 0, new_index..new_index + new_len)
                }
                similar::DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                    (old_index, old_len, new_index..new_index + new_len)
                }
            };
            Some((at, removed, new[added].iter().collect()))
        })
        .collect()
}

/// Makes `doc`'s text `obj` read `after` where it reads `before`, one splice per difference.
fn splice_diff(
    doc: &mut AutoCommit,
    obj: &ObjId,
    before: &str,
    after: &str,
) -> Result<(), AutomergeError> {
    for (at, removed, text) in char_edits(before, after) {
        doc.splice_text(obj, at, removed as isize, &text)?;
    }
    Ok(())
}

/// Whether the rules let `who` make this effect (as [`rules::judge_signed`] decides it, minus
/// the checks of signatures and history, which the fresh actor's own changes pass).
fn allowed(who: &Who, facts: &Facts, all: &[Effect], e: &Effect) -> Result<(), Refusal> {
    rules::check_one(who, facts, all, e)
}

/// The heads of a causally closed set of changes: those no other member depends on.
fn heads_of(set: &[&signing::Meta]) -> Vec<ChangeHash> {
    let deps: HashSet<&ChangeHash> = set.iter().flat_map(|m| &m.deps).collect();
    set.iter().map(|m| m.hash).filter(|h| !deps.contains(h)).collect()
}

/// One thing she changed, re-made or set aside whole.
struct Unit {
    target: Target,
    path: Vec<String>,
    refusal: Option<Refusal>,
}

/// Where a unit is.
enum Target {
    /// A field of an existing map (set, deleted, or given a new entry she made).
    Key { map: ObjId, key: String },
    /// An existing text or list she edited.
    Seq { obj: ObjId },
}

impl Target {
    fn key(&self) -> String {
        match self {
            Target::Key { map, key } => format!("{map}\u{0}{key}"),
            Target::Seq { obj } => format!("{obj}"),
        }
    }

    /// Writes her version of this unit into `doc` ([`rebuild`]: `doc` shares its objects);
    /// `Ok(false)` when the place it goes was deleted there meanwhile (a write into it would
    /// be invisible).
    fn remake(
        &self,
        _path: &[String],
        full: &AutoCommit,
        base: &mut AutoCommit,
        doc: &mut AutoCommit,
    ) -> Result<bool, AutomergeError> {
        let place = match self {
            Target::Key { map, .. } => map,
            Target::Seq { obj } => obj,
        };
        if *place != ROOT && doc.parents(place)?.visible_path().is_none() {
            return Ok(false);
        }
        match self {
            Target::Key { map, key } => put_from(full, map, key, doc, map)?,
            Target::Seq { obj } => match full.object_type(obj)? {
                ObjType::Text => merge_text(full, base, doc, obj)?,
                _ => replace_list(full, obj, doc, obj)?,
            },
        }
        Ok(true)
    }
}

/// Makes `doc`'s field `key` of map `to` what `full`'s is in map `from`: absent, a value, or a
/// copy of an object.
fn put_from(
    full: &AutoCommit,
    from: &ObjId,
    key: &str,
    doc: &mut AutoCommit,
    to: &ObjId,
) -> Result<(), AutomergeError> {
    match full.get(from, key)? {
        None => {
            if doc.get(to, key)?.is_some() {
                doc.delete(to, key)?;
            }
            Ok(())
        }
        Some((Value::Scalar(s), _)) => doc.put(to, key, s.into_owned()),
        Some((Value::Object(kind), child)) => {
            let made = doc.put_object(to, key, kind)?;
            copy(full, &child, doc, &made)
        }
    }
}

/// The unit a patch belongs to: an entry she created (at its highest new object), or the
/// existing field, text or list it changes. None for a patch with nothing to re-make.
fn unit_of(base: &AutoCommit, patch: &Patch) -> Option<(Target, Vec<String>)> {
    let exists = |o: &ObjId| *o == ROOT || base.object_type(o).is_ok();
    let props: Vec<String> = patch.path.iter().map(|(_, p)| prop_string(p)).collect();
    // The objects from the root down to the patched one.
    let objs: Vec<&ObjId> = patch.path.iter().map(|(o, _)| o).chain([&patch.obj]).collect();
    if let Some(i) = objs.iter().position(|o| !exists(o)) {
        // objs[i] is new: it was made at prop path[i-1] of objs[i-1].
        let parent = objs[i - 1];
        return Some(match (&patch.path[i - 1].1, base.object_type(parent).ok()?) {
            (Prop::Map(key), ObjType::Map | ObjType::Table) => {
                (Target::Key { map: parent.clone(), key: key.clone() }, props[..i].to_vec())
            }
            _ => (Target::Seq { obj: parent.clone() }, props[..i - 1].to_vec()),
        });
    }
    let obj = patch.obj.clone();
    match &patch.action {
        PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
            let mut path = props;
            path.push(key.clone());
            Some((Target::Key { map: obj, key: key.clone() }, path))
        }
        PatchAction::Increment { prop: Prop::Map(key), .. } => {
            let mut path = props;
            path.push(key.clone());
            Some((Target::Key { map: obj, key: key.clone() }, path))
        }
        PatchAction::Conflict { .. } => None,
        _ => Some((Target::Seq { obj }, props)),
    }
}

fn prop_string(p: &Prop) -> String {
    match p {
        Prop::Map(k) => k.clone(),
        Prop::Seq(i) => i.to_string(),
    }
}

/// Copies the object `from` of `src` into the empty object `to` of `dst`.
fn copy(
    src: &AutoCommit,
    from: &ObjId,
    dst: &mut AutoCommit,
    to: &ObjId,
) -> Result<(), AutomergeError> {
    match src.object_type(from)? {
        ObjType::Text => dst.splice_text(to, 0, 0, &src.text(from)?),
        ObjType::Map | ObjType::Table => {
            for key in src.keys(from).collect::<Vec<_>>() {
                match src.get(from, key.as_str())? {
                    Some((Value::Scalar(s), _)) => dst.put(to, key.as_str(), s.into_owned())?,
                    Some((Value::Object(kind), child)) => {
                        let made = dst.put_object(to, key.as_str(), kind)?;
                        copy(src, &child, dst, &made)?;
                    }
                    None => {}
                }
            }
            Ok(())
        }
        ObjType::List => {
            for i in 0..src.length(from) {
                match src.get(from, i)? {
                    Some((Value::Scalar(s), _)) => dst.insert(to, i, s.into_owned())?,
                    Some((Value::Object(kind), child)) => {
                        let made = dst.insert_object(to, i, kind)?;
                        copy(src, &child, dst, &made)?;
                    }
                    None => {}
                }
            }
            Ok(())
        }
    }
}

/// Merges her edits of the text `obj` (from `base`'s content to `full`'s) into `doc`'s, which
/// may hold others' edits made meanwhile: each of her deletions and insertions is placed by the
/// cursor of the character it touched in `base`, which `doc` shares.
fn merge_text(
    full: &AutoCommit,
    base: &AutoCommit,
    doc: &mut AutoCommit,
    obj: &ObjId,
) -> Result<(), AutomergeError> {
    let before = base.text(obj)?;
    let after = full.text(obj)?;
    for (at, removed, text) in char_edits(&before, &after) {
        for k in (at..at + removed).rev() {
            let cursor = base.get_cursor(obj, k, None)?;
            let pos = doc.get_cursor_position(obj, &cursor, None)?;
            // Only if that character is still there (someone may have deleted it meanwhile).
            if pos < doc.length(obj) && doc.get_cursor(obj, pos, None)? == cursor {
                doc.splice_text(obj, pos, 1, "")?;
            }
        }
        if !text.is_empty() {
            let pos = if at == 0 {
                0
            } else {
                let cursor = base.get_cursor(obj, at - 1, None)?;
                (doc.get_cursor_position(obj, &cursor, None)? + 1).min(doc.length(obj))
            };
            doc.splice_text(obj, pos, 0, &text)?;
        }
    }
    Ok(())
}

/// Makes `doc`'s list `to` hold the elements of `full`'s list `from` (a list is the
/// facilitator's questions: written whole, not typed into).
fn replace_list(
    full: &AutoCommit,
    from: &ObjId,
    doc: &mut AutoCommit,
    to: &ObjId,
) -> Result<(), AutomergeError> {
    let len = doc.length(to);
    if len > 0 {
        doc.splice(to, 0, len as isize, std::iter::empty::<automerge::ScalarValue>())?;
    }
    for i in 0..full.length(from) {
        match full.get(from, i)? {
            Some((Value::Scalar(s), _)) => doc.insert(to, i, s.into_owned())?,
            Some((Value::Object(kind), child)) => {
                let made = doc.insert_object(to, i, kind)?;
                copy(full, &child, doc, &made)?;
            }
            None => {}
        }
    }
    Ok(())
}

/// A unit as she left it, as text: a text's content, a field's value, or an entry's words
/// (its `text` or `body`, else its string fields one per line).
fn render_target(full: &AutoCommit, target: &Target) -> String {
    match target {
        Target::Key { map, key } => match full.get(map, key.as_str()) {
            Ok(Some((value, id))) => render(full, &value, &id),
            _ => String::new(),
        },
        Target::Seq { obj } => render(full, &Value::Object(ObjType::Text), obj),
    }
}

fn render(full: &AutoCommit, value: &Value<'_>, id: &ObjId) -> String {
    match value {
        Value::Scalar(s) => match s.as_str() {
            Some(text) => text.to_owned(),
            None => s.to_string(),
        },
        Value::Object(_) => match full.object_type(id) {
            Ok(ObjType::Text) => full.text(id).unwrap_or_default(),
            Ok(ObjType::List) => (0..full.length(id))
                .filter_map(|i| full.get(id, i).ok().flatten())
                .map(|(v, child)| render(full, &v, &child))
                .collect::<Vec<_>>()
                .join("\n"),
            Ok(_) => {
                for field in ["text", "body"] {
                    if let Ok(Some((v, child))) = full.get(id, field) {
                        return render(full, &v, &child);
                    }
                }
                full.keys(id)
                    .filter_map(|k| full.get(id, k.as_str()).ok().flatten())
                    .map(|(v, child)| render(full, &v, &child))
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            Err(_) => String::new(),
        },
    }
}
