//! One centre's operating plan for a year ("Plan de mi jardín"): the version of the common
//! plan the centre adopted (its heads), the centre's own sections and local addenda (Text),
//! the delivery/review log to the SLEP, the SLEP's observations and the comments.
//!
//! What the SLEP reads is always a fixed version: a delivery stores this document's heads, and
//! at those heads the adopted common heads fix the common text, so "the plan as delivered" is
//! the same on every device and later edits (a new draft) never change it.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, Value};

use super::diff::{self, Part};
use super::doc::{DocError, Document};
use super::history::{self, Stamp, Verb};
use super::lenient;
use super::plan::{self, Note, PlanError, Scope, SectionDef, int, string};
use super::review::{self, Action, Event, PlanState, Review, ReviewError};
use crate::DocumentId;

pub const KIND: &str = "juntas/plan-centre";
pub const SCHEMA_VERSION: u64 = 1;

/// Why a centre-plan command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CentreError {
    /// This plan or the common plan could not be read, or Automerge refused the change.
    #[error(transparent)]
    Doc(#[from] DocError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Review(#[from] ReviewError),
    /// "Entregar al SLEP" with required sections still empty: (code, title) of each.
    #[error("required sections are empty: {}", .0.iter().map(|(c, t)| format!("{c} {t}")).collect::<Vec<_>>().join(", "))]
    Incomplete(Vec<(String, String)>),
    #[error("adopt the common plan before delivering")]
    NotAdopted,
    #[error("this device does not have the version of the common plan this centre adopted yet")]
    CommonVersionMissing,
}

/// The id of `centre`'s plan under the common plan `common`: every device computes the same.
pub fn id_for(common: DocumentId, centre: &str) -> DocumentId {
    DocumentId::derived(&["plan-centre", &common.to_string(), centre])
}

/// The centre's plan as every device creates it (fixed actor, time 0: byte-identical, so two
/// devices starting it offline get one document). A Text exists for every built-in section a
/// centre writes; sections the facilitator adds later get theirs on first edit (if two devices
/// do that before syncing, both texts are kept and read joined: see `section_texts`).
pub fn skeleton(network: DocumentId, year: i64, centre: &str) -> AutoCommit {
    let common = plan::id_for(network, year);
    let id = id_for(common, centre);
    let mut doc = AutoCommit::new().with_actor(ActorId::from(id.as_bytes().to_vec()));
    let write = |doc: &mut AutoCommit| -> Result<(), automerge::AutomergeError> {
        doc.put(ROOT, "kind", KIND)?;
        doc.put(ROOT, "schema_version", SCHEMA_VERSION)?;
        doc.put(ROOT, "network_id", network.to_string())?;
        doc.put(ROOT, "centre_id", centre)?;
        doc.put(ROOT, "year", year)?;
        doc.put(ROOT, "common_id", common.to_string())?;
        doc.put(ROOT, "adopted", "")?;
        doc.put(ROOT, "updated_at", 0)?;
        let sections = doc.put_object(ROOT, "sections", ObjType::Map)?;
        for d in plan::template().iter().filter(|d| d.scope != Scope::Common) {
            let s = doc.put_object(&sections, d.id.as_str(), ObjType::Map)?;
            doc.put_object(&s, "body", ObjType::Text)?;
        }
        for list in ["events", "observations", "comments"] {
            doc.put_object(ROOT, list, ObjType::Map)?;
        }
        Ok(())
    };
    write(&mut doc).expect("writing into an empty document");
    history::commit(&mut doc, &Stamp::new("", 0), Verb::CreateCentrePlan, "");
    doc
}

/// The centre's plan as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CentrePlan {
    pub network_id: String,
    pub centre_id: String,
    pub year: i64,
    pub common_id: String,
    /// Heads of the common plan this centre adopted (empty: not adopted yet).
    pub adopted: Vec<ChangeHash>,
    /// Section id → the centre's text (per-centre body or local addendum).
    pub bodies: BTreeMap<String, String>,
    pub events: Vec<Event>,
    pub observations: Vec<Note>,
    pub comments: Vec<Note>,
    pub updated_at: i64,
}

impl CentrePlan {
    pub fn review(&self) -> Review {
        review::fold(&self.events)
    }

    /// The review as a reader counts it: an approval or an observation by someone who was
    /// not a SLEP professional when she made it, or a delivery by anyone but this centre's
    /// principal then, is not counted (the server refuses such a change; this covers one
    /// received another way). `roles` is the network's history of roles.
    pub fn review_in(&self, roles: &crate::rules::Roles) -> Review {
        use crate::model::network::Role;
        review::fold_judged(&self.events, &|e| {
            let then = roles.at(&e.by, e.at);
            let (ok, action) = match e.action {
                review::Action::Approve => {
                    (matches!(then, Some((Role::SlepProfessional, _))), "approve")
                }
                review::Action::Observe => {
                    (matches!(then, Some((Role::SlepProfessional, _))), "observe")
                }
                review::Action::Deliver { .. } => (
                    matches!(&then, Some((Role::Principal, Some(c))) if *c == self.centre_id),
                    "deliver",
                ),
            };
            if ok {
                Ok(())
            } else {
                Err(review::ReviewError::NotHerRole { by: e.by.clone(), action })
            }
        })
    }

    pub fn body(&self, section: &str) -> &str {
        self.bodies.get(section).map(String::as_str).unwrap_or_default()
    }
}

fn parse_heads(s: &str) -> Vec<ChangeHash> {
    s.split(',').filter_map(|h| h.trim().parse().ok()).collect()
}

fn join_heads(heads: &[ChangeHash]) -> String {
    heads.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

fn map_at(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    heads: Option<&[ChangeHash]>,
) -> Result<Option<ObjId>, DocError> {
    let got = match heads {
        Some(h) => doc.get_at(obj, key, h),
        None => doc.get(obj, key),
    }?;
    Ok(match got {
        Some((Value::Object(ObjType::Map), o)) => Some(o),
        _ => None,
    })
}

/// Every Text this centre holds for one section, in one order every device computes. A section
/// the template gained after this plan was made gets its Text on first edit; two devices that
/// both wrote it before syncing each made one, and Automerge keeps both under one key. Reading
/// only the value Automerge picks would hide the other person's words, so all are read.
fn section_texts(
    doc: &AutoCommit,
    sections: &ObjId,
    section: &str,
    heads: Option<&[ChangeHash]>,
) -> Result<Vec<ObjId>, DocError> {
    let all = |obj: &ObjId, key: &str| match heads {
        Some(h) => doc.get_all_at(obj, key, h),
        None => doc.get_all(obj, key),
    };
    let mut out = Vec::new();
    for (value, map) in all(sections, section)? {
        if value != Value::Object(ObjType::Map) {
            continue;
        }
        for (value, text) in all(&map, "body")? {
            if value == Value::Object(ObjType::Text) {
                out.push(text);
            }
        }
    }
    Ok(out)
}

/// What shows between two texts written separately (never stored; not deletable).
const PART_GAP: &str = "\n\n";

/// The non-empty texts of one section with their ids, as read at `heads`.
fn section_parts(
    doc: &AutoCommit,
    sections: &ObjId,
    section: &str,
    heads: Option<&[ChangeHash]>,
) -> Result<Vec<(ObjId, String)>, DocError> {
    let mut parts = Vec::new();
    for t in section_texts(doc, sections, section, heads)? {
        let text = match heads {
            Some(h) => doc.text_at(&t, h),
            None => doc.text(&t),
        }?;
        parts.push((t, text));
    }
    // Empty texts add nothing but a gap; when every one is empty the first is the one to write.
    if parts.len() > 1 {
        let first = parts[0].clone();
        parts.retain(|(_, t)| !t.is_empty());
        if parts.is_empty() {
            parts.push(first);
        }
    }
    Ok(parts)
}

/// Splits one splice of the joined text (`parts` of these lengths, `gap` code points between
/// them) into a splice per part: `(part, at, delete, insert)`. Deletions inside a gap are
/// ignored (the gap is not stored); an insertion at or inside a gap goes to the end of the part
/// before it. Positions past the end are clamped to the end.
pub fn split_splice(
    lens: &[usize],
    gap: usize,
    at: usize,
    delete: usize,
    insert: &str,
) -> Vec<(usize, usize, usize, String)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut placed = insert.is_empty();
    for (i, &len) in lens.iter().enumerate() {
        let end = start + len;
        let last = i + 1 == lens.len();
        let (from, to) = (at.max(start), (at + delete).min(end));
        let del = to.saturating_sub(from);
        let here = !placed && at >= start && (at < end + gap || last);
        if here {
            // Here `from` is `at` when `at` is inside this part, and `del` is 0 when it is past it.
            placed = true;
            out.push((i, (at - start).min(len), del, insert.to_string()));
        } else if del > 0 {
            out.push((i, from - start, del, String::new()));
        }
        start = end + gap;
    }
    out
}

fn bodies_at(
    doc: &AutoCommit,
    heads: Option<&[ChangeHash]>,
) -> Result<BTreeMap<String, String>, DocError> {
    let mut out = BTreeMap::new();
    let Some(sections) = map_at(doc, &ROOT, "sections", heads)? else { return Ok(out) };
    let keys: Vec<String> = match heads {
        Some(h) => doc.keys_at(&sections, h).collect(),
        None => doc.keys(&sections).collect(),
    };
    for id in keys {
        let parts = section_parts(doc, &sections, &id, heads)?;
        if !parts.is_empty() {
            let texts: Vec<&str> = parts.iter().map(|(_, t)| t.as_str()).collect();
            out.insert(id, texts.join(PART_GAP));
        }
    }
    Ok(out)
}

fn adopted_at(doc: &AutoCommit, heads: Option<&[ChangeHash]>) -> Result<Vec<ChangeHash>, DocError> {
    let got = match heads {
        Some(h) => doc.get_at(ROOT, "adopted", h),
        None => doc.get(ROOT, "adopted"),
    }?;
    Ok(match got {
        Some((Value::Scalar(v), _)) => v.as_str().map(parse_heads).unwrap_or_default(),
        _ => Vec::new(),
    })
}

fn events(doc: &AutoCommit) -> Result<Vec<Event>, DocError> {
    let mut out = Vec::new();
    let Some(map) = map_at(doc, &ROOT, "events", None)? else { return Ok(out) };
    for id in doc.keys(&map).collect::<Vec<_>>() {
        let Some(e) = map_at(doc, &map, &id, None)? else { continue };
        let action = match string(doc, &e, "action")?.as_str() {
            "entregar" => Action::Deliver {
                heads: string(doc, &e, "heads")?.split(',').map(str::to_string).collect(),
            },
            "observar" => Action::Observe,
            "aprobar" => Action::Approve,
            _ => return Err(lenient::shape(doc, &e, "action")),
        };
        out.push(Event {
            at: int(doc, &e, "at")?,
            by: string(doc, &e, "by")?,
            note: string(doc, &e, "note")?,
            action,
            id,
        });
    }
    Ok(out)
}

/// A centre's plan document (`kind` [`KIND`]).
pub struct CentrePlanDoc;

impl Document for CentrePlanDoc {
    const KIND: &'static str = KIND;
    const SCHEMA: u64 = SCHEMA_VERSION;
    type Plain = CentrePlan;

    fn read(doc: &AutoCommit) -> Result<CentrePlan, DocError> {
        Self::check(doc)?;
        Ok(CentrePlan {
            network_id: string(doc, &ROOT, "network_id")?,
            centre_id: string(doc, &ROOT, "centre_id")?,
            year: int(doc, &ROOT, "year")?,
            common_id: string(doc, &ROOT, "common_id")?,
            adopted: adopted_at(doc, None)?,
            bodies: bodies_at(doc, None)?,
            events: events(doc)?,
            observations: plan::read_notes(doc, "observations")?,
            comments: plan::read_notes(doc, "comments")?,
            updated_at: int(doc, &ROOT, "updated_at")?,
        })
    }
}

/// Reads the centre's plan, checking its kind and schema.
pub fn read(doc: &AutoCommit) -> Result<CentrePlan, DocError> {
    CentrePlanDoc::read(doc)
}

fn touch(doc: &mut AutoCommit, stamp: &Stamp) -> Result<(), DocError> {
    doc.put(ROOT, "updated_at", stamp.at)?;
    Ok(())
}

/// Edits the centre's text of `section` (its own section or its addendum to a common one).
pub fn splice(
    doc: &mut AutoCommit,
    section: &str,
    at: usize,
    delete: usize,
    insert: &str,
    stamp: &Stamp,
) -> Result<(), PlanError> {
    splice_on(doc, section, None, at, delete, insert, stamp)
}

/// [`splice`] of an edit made on `base`, the text the person saw (moved past what was merged
/// since: a co-author typing at once; [`crate::model::text::rebase_edit`]).
pub fn splice_on(
    doc: &mut AutoCommit,
    section: &str,
    base: Option<&str>,
    at: usize,
    delete: usize,
    insert: &str,
    stamp: &Stamp,
) -> Result<(), PlanError> {
    let sections = lenient::map(doc, &ROOT, "sections")?;
    let parts = section_parts(doc, &sections, section, None)?;
    let (at, delete) = match base {
        Some(base) => {
            let texts: Vec<&str> = parts.iter().map(|(_, t)| t.as_str()).collect();
            super::text::rebase_edit(base, &texts.join(PART_GAP), at, delete)
        }
        None => (at, delete),
    };
    if parts.is_empty() {
        let s = match map_at(doc, &sections, section, None)? {
            Some(s) => s,
            None => doc.put_object(&sections, section, ObjType::Map).map_err(DocError::from)?,
        };
        let body = doc.put_object(&s, "body", ObjType::Text).map_err(DocError::from)?;
        plan::splice_obj(doc, &body, at, delete, insert)?;
    } else {
        let lens: Vec<usize> = parts.iter().map(|(_, t)| t.chars().count()).collect();
        let gap = PART_GAP.chars().count();
        let total = lens.iter().sum::<usize>() + gap * (lens.len() - 1);
        if at + delete > total {
            return Err(PlanError::OutOfRange { at: at + delete, len: total });
        }
        for (part, at, delete, insert) in split_splice(&lens, gap, at, delete, insert) {
            plan::splice_obj(doc, &parts[part].0, at, delete, &insert)?;
        }
    }
    touch(doc, stamp)?;
    history::commit(doc, stamp, Verb::Edit, section);
    Ok(())
}

/// What a centre's plan reads of its common plan: whether a version of it is here, its
/// current sections (template and text), and a section's text at a version. The document
/// answers, and so do [`CommonReadings`] cached beside it (no parse of a big plan).
pub trait Common {
    /// Whether every change of `heads` is here.
    fn holds(&mut self, heads: &[ChangeHash]) -> bool;
    /// The current sections, in template order.
    fn sections(&mut self) -> Result<Vec<plan::Section>, DocError>;
    /// The body of `section` at `heads` (empty when it had none then).
    fn body_at(&mut self, section: &str, heads: &[ChangeHash]) -> Result<String, DocError>;
}

impl Common for AutoCommit {
    fn holds(&mut self, heads: &[ChangeHash]) -> bool {
        heads.iter().all(|h| self.get_change_by_hash(h).is_some())
    }

    fn sections(&mut self) -> Result<Vec<plan::Section>, DocError> {
        Ok(plan::read(self)?.sections)
    }

    fn body_at(&mut self, section: &str, heads: &[ChangeHash]) -> Result<String, DocError> {
        plan::body_at(self, section, heads)
    }
}

/// The common plan as read before, instead of the document: its current reading and its
/// texts at the versions in `at` (by [`version_key`]; each made by [`texts_at`]). A version
/// not in `at` is one this reader does not hold.
pub struct CommonReadings<'a> {
    pub now: &'a plan::CommonPlan,
    pub at: &'a BTreeMap<String, BTreeMap<String, String>>,
}

impl Common for CommonReadings<'_> {
    fn holds(&mut self, heads: &[ChangeHash]) -> bool {
        heads.is_empty() || self.at.contains_key(&version_key(heads))
    }

    fn sections(&mut self) -> Result<Vec<plan::Section>, DocError> {
        Ok(self.now.sections.clone())
    }

    fn body_at(&mut self, section: &str, heads: &[ChangeHash]) -> Result<String, DocError> {
        let texts = self.at.get(&version_key(heads));
        Ok(texts.and_then(|t| t.get(section)).cloned().unwrap_or_default())
    }
}

/// A version of the common plan as a key: its heads, sorted, joined.
pub fn version_key(heads: &[ChangeHash]) -> String {
    let mut heads = heads.to_vec();
    crate::order::sort(&mut heads);
    join_heads(&heads)
}

/// Every section's common text at `heads` (what [`CommonReadings`] reads a version from).
/// A version never changes, so this can be kept for good once read.
pub fn texts_at(
    common: &AutoCommit,
    heads: &[ChangeHash],
) -> Result<BTreeMap<String, String>, DocError> {
    let mut out = BTreeMap::new();
    if let Some((Value::Object(ObjType::Map), sections)) = common.get_at(ROOT, "sections", heads)? {
        for id in common.keys_at(&sections, heads).collect::<Vec<_>>() {
            let body = plan::body_at(common, &id, heads)?;
            out.insert(id, body);
        }
    }
    Ok(out)
}

/// The versions of the common plan reading this plan needs: the one adopted now and the one
/// each delivery adopted (empty ones left out).
pub fn common_versions(doc: &AutoCommit) -> Result<Vec<Vec<ChangeHash>>, DocError> {
    let mut out: Vec<Vec<ChangeHash>> = Vec::new();
    let mut add = |heads: Vec<ChangeHash>| {
        if !heads.is_empty() && !out.contains(&heads) {
            out.push(heads);
        }
    };
    add(adopted_at(doc, None)?);
    for e in read(doc)?.review().submissions {
        add(adopted_at(doc, Some(&delivery_heads(&e)))?);
    }
    Ok(out)
}

/// Adopts the common plan as it is now on this device.
pub fn adopt(
    doc: &mut AutoCommit,
    common: &mut AutoCommit,
    stamp: &Stamp,
) -> Result<(), PlanError> {
    let heads = common.get_heads();
    doc.put(ROOT, "adopted", join_heads(&heads)).map_err(DocError::from)?;
    touch(doc, stamp)?;
    history::commit(doc, stamp, Verb::Adopt, "");
    Ok(())
}

/// A section of the centre's plan as it reads: the adopted common text and the centre's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionView {
    pub def: SectionDef,
    /// The common text at the adopted version (empty for a per-centre section).
    pub common: String,
    /// The centre's text: its own section, or its addendum to a common one.
    pub local: String,
}

impl SectionView {
    /// Whether the section counts as written for delivery.
    pub fn is_filled(&self) -> bool {
        match self.def.scope {
            Scope::Common | Scope::CommonWithLocal => !self.common.trim().is_empty(),
            Scope::PerCentre => !self.local.trim().is_empty(),
        }
    }
}

/// The sections of the common plan's current template, filled with the common text at
/// `adopted` and the centre's `bodies`.
pub fn compose(
    common: &mut dyn Common,
    adopted: &[ChangeHash],
    bodies: &BTreeMap<String, String>,
) -> Result<Vec<SectionView>, CentreError> {
    if !common.holds(adopted) {
        return Err(CentreError::CommonVersionMissing);
    }
    let defs = common.sections()?;
    let mut out = Vec::with_capacity(defs.len());
    for s in defs {
        let common_text = if s.def.scope.has_common_text() && !adopted.is_empty() {
            common.body_at(&s.def.id, adopted)?
        } else {
            String::new()
        };
        let local = bodies.get(&s.def.id).cloned().unwrap_or_default();
        out.push(SectionView { def: s.def, common: common_text, local });
    }
    Ok(out)
}

/// The plan as it reads now on this device.
pub fn current(doc: &AutoCommit, common: &mut dyn Common) -> Result<Vec<SectionView>, CentreError> {
    compose(common, &adopted_at(doc, None)?, &bodies_at(doc, None)?)
}

/// The plan as it was at `heads` of this document (a delivery).
pub fn at(
    doc: &AutoCommit,
    common: &mut dyn Common,
    heads: &[ChangeHash],
) -> Result<Vec<SectionView>, CentreError> {
    compose(common, &adopted_at(doc, Some(heads))?, &bodies_at(doc, Some(heads))?)
}

/// The heads stored in a delivery event.
pub fn delivery_heads(event: &Event) -> Vec<ChangeHash> {
    match &event.action {
        Action::Deliver { heads } => heads.iter().filter_map(|h| h.parse().ok()).collect(),
        _ => Vec::new(),
    }
}

/// What changed in the common plan since the centre adopted it: (section id, word diff) of
/// every section whose common text differs ("hay cambios en la parte común").
pub fn common_changes(
    doc: &AutoCommit,
    common: &mut dyn Common,
) -> Result<Vec<(String, Vec<Part>)>, CentreError> {
    let adopted = adopted_at(doc, None)?;
    if adopted.is_empty() || !common.holds(&adopted) {
        return Ok(Vec::new());
    }
    // As `plan::changes_between(adopted, now)`: each current section's text now against its
    // text at the adopted version.
    let mut out = Vec::new();
    for s in common.sections()? {
        let parts = diff::words(&common.body_at(&s.def.id, &adopted)?, &s.body);
        if diff::is_change(&parts) {
            out.push((s.def.id, parts));
        }
    }
    Ok(out)
}

fn log_event(doc: &mut AutoCommit, event: &Event, stamp: &Stamp) -> Result<(), DocError> {
    let map = lenient::map(doc, &ROOT, "events")?;
    let e = doc.put_object(&map, event.id.as_str(), ObjType::Map)?;
    let (action, verb, heads) = match &event.action {
        Action::Deliver { heads } => ("entregar", Verb::Deliver, heads.join(",")),
        Action::Observe => ("observar", Verb::Observe, String::new()),
        Action::Approve => ("aprobar", Verb::Approve, String::new()),
    };
    doc.put(&e, "action", action)?;
    doc.put(&e, "heads", heads)?;
    doc.put(&e, "at", event.at)?;
    doc.put(&e, "by", event.by.as_str())?;
    doc.put(&e, "note", event.note.trim())?;
    touch(doc, stamp)?;
    history::commit(doc, stamp, verb, "");
    Ok(())
}

/// "Entregar al SLEP": records the current version as an immutable delivery. Refused when the
/// common plan is not adopted, a required section is empty, or nothing changed since the last
/// delivery.
pub fn deliver(
    doc: &mut AutoCommit,
    common: &mut AutoCommit,
    event_id: &str,
    note: &str,
    stamp: &Stamp,
) -> Result<PlanState, CentreError> {
    let plan = read(doc)?;
    if plan.adopted.is_empty() {
        return Err(CentreError::NotAdopted);
    }
    let now = current(doc, common)?;
    let missing: Vec<(String, String)> = now
        .iter()
        .filter(|s| s.def.required && !s.is_filled())
        .map(|s| (s.def.code.clone(), s.def.title.clone()))
        .collect();
    if !missing.is_empty() {
        return Err(CentreError::Incomplete(missing));
    }
    let review = plan.review();
    if let Some(last) = review.submissions.last()
        && at(doc, common, &delivery_heads(last))? == now
    {
        return Err(ReviewError::NothingNewToDeliver.into());
    }
    let heads: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();
    let action = Action::Deliver { heads };
    let next = review.allows(&action, note)?;
    let event = Event {
        id: event_id.into(),
        at: stamp.at,
        by: stamp.by.clone(),
        action,
        note: note.into(),
    };
    log_event(doc, &event, stamp)?;
    Ok(next)
}

/// Whether the centre changed its plan since the last delivery (a new draft is open).
pub fn has_new_draft(doc: &AutoCommit, common: &mut dyn Common) -> Result<bool, CentreError> {
    let review = read(doc)?.review();
    match review.submissions.last() {
        None => Ok(false),
        Some(last) => Ok(at(doc, common, &delivery_heads(last))? != current(doc, common)?),
    }
}

/// The SLEP returns the delivered plan with a note and observations per section
/// (`(note id, section id, text)`).
pub fn observe(
    doc: &mut AutoCommit,
    event_id: &str,
    note: &str,
    per_section: &[(String, String, String)],
    stamp: &Stamp,
) -> Result<PlanState, CentreError> {
    let review = read(doc)?.review();
    let next = review.allows(&Action::Observe, note)?;
    let about = review.submissions.last().map(|e| e.id.clone()).unwrap_or_default();
    for (id, section, text) in per_section.iter().filter(|(_, _, t)| !t.trim().is_empty()) {
        plan::put_note(
            doc,
            "observations",
            &Note {
                id: id.clone(),
                section: section.clone(),
                by: stamp.by.clone(),
                at: stamp.at,
                text: text.clone(),
                about: about.clone(),
            },
        )?;
    }
    let event = Event {
        id: event_id.into(),
        at: stamp.at,
        by: stamp.by.clone(),
        action: Action::Observe,
        note: note.into(),
    };
    log_event(doc, &event, stamp)?;
    Ok(next)
}

/// The SLEP approves the delivered plan.
pub fn approve(
    doc: &mut AutoCommit,
    event_id: &str,
    note: &str,
    stamp: &Stamp,
) -> Result<PlanState, CentreError> {
    let review = read(doc)?.review();
    let next = review.allows(&Action::Approve, note)?;
    let event = Event {
        id: event_id.into(),
        at: stamp.at,
        by: stamp.by.clone(),
        action: Action::Approve,
        note: note.into(),
    };
    log_event(doc, &event, stamp)?;
    Ok(next)
}

/// A comment on one of the centre's sections.
pub fn comment(
    doc: &mut AutoCommit,
    id: &str,
    section: &str,
    text: &str,
    stamp: &Stamp,
) -> Result<(), PlanError> {
    plan::add_comment(doc, id, section, text, stamp)
}

/// One section's difference between two deliveries: the common text and the centre's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionDiff {
    pub def: SectionDef,
    pub common: Vec<Part>,
    pub local: Vec<Part>,
}

/// The sections that differ between the deliveries `from` and `to` (the SLEP's "what changed
/// since the previous submission").
pub fn diff_deliveries(
    doc: &AutoCommit,
    common: &mut dyn Common,
    from: &Event,
    to: &Event,
) -> Result<Vec<SectionDiff>, CentreError> {
    let old = at(doc, common, &delivery_heads(from))?;
    let new = at(doc, common, &delivery_heads(to))?;
    let mut out = Vec::new();
    for n in new {
        let (oc, ol) = old
            .iter()
            .find(|o| o.def.id == n.def.id)
            .map(|o| (o.common.as_str(), o.local.as_str()))
            .unwrap_or_default();
        let common_parts = diff::words(oc, &n.common);
        let local_parts = diff::words(ol, &n.local);
        if diff::is_change(&common_parts) || diff::is_change(&local_parts) {
            out.push(SectionDiff { def: n.def, common: common_parts, local: local_parts });
        }
    }
    Ok(out)
}
