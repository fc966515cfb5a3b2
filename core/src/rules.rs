//! Who may change what: one pure function every reader shares (the app to shape what it
//! offers, the server to refuse, readers for facts that depend on a role).
//!
//! A change is judged by its **effect**, not by the command that made it: [`effects`] turns
//! the patches between a change's parents and the change into paths from the document's root
//! (`sections/1.2/body`, `events/<id>/action`) and actions, and [`check`] decides them against
//! the member who signed the change, as the network document describes her ([`Who`]), and the
//! facts of the document at the change's parents ([`Facts`]). The table it implements is in
//! ARCHITECTURE.md ("Who may change what"). Creation of a document (its first change) is not
//! judged here: skeletons and bootstrap are decided by whoever accepts new documents.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{
    ActorId, AutoCommit, ChangeHash, ObjType, Prop, ROOT, ReadDoc, Value, patches::PatchAction,
};

use crate::model::network::{Network, Role};
use crate::model::{centre_plan, cycle, history, inquiry, network, plan, tree, vote, workshop};
use crate::order;
use crate::signing::{self, Signature};

/// The member a change is judged for, as the network document says at the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub member: String,
    pub role: Role,
    /// Her centre (principals).
    pub centre: Option<String>,
    /// Ids of the commissions she belongs to.
    pub commissions: BTreeSet<String>,
}

impl Who {
    /// `member` as `network` describes her; None when she is not (or no longer) a member.
    pub fn of(network: &Network, member: &str) -> Option<Who> {
        let m = network.members.get(member)?;
        Some(Who {
            member: member.to_owned(),
            role: m.role,
            centre: m.centre_id.clone(),
            commissions: network
                .commissions
                .iter()
                .filter(|(_, c)| c.members.get(member).copied().unwrap_or(false))
                .map(|(id, _)| id.clone())
                .collect(),
        })
    }
}

/// Each member's role (and centre) over the network document's history, so a reader can ask
/// what she was when she acted ("a review event counts only if its author was a SLEP
/// professional when she made it"). Read once per network document version; serialisable so
/// a reader elsewhere (the app's document worker) judges by the same roles.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Roles {
    /// Per member: from when (ms), her role and centre, or None once removed; oldest first.
    history: BTreeMap<String, Vec<(i64, Option<Listed>)>>,
}

/// A member's role and centre, as the network lists her.
type Listed = (Role, Option<String>);

impl Roles {
    /// Reads every change of the network document `doc` that touched `members`.
    ///
    /// Automerge stamps a change to the second, and replicas hold concurrent changes in the
    /// order they received them: changes to one member within one second are therefore taken
    /// together, as the document lists her once all of them are in (at their joint heads, where
    /// Automerge settles a conflict the same way everywhere), so every replica reads the same
    /// roles whatever order its changes came in.
    pub fn of(doc: &mut AutoCommit) -> Roles {
        let mut touched_by: BTreeMap<String, Vec<(i64, ChangeHash)>> = BTreeMap::new();
        for m in signing::metas(doc, &[]) {
            let touched: BTreeSet<String> = order::set_of(
                effects(doc, &m.deps, &[m.hash])
                    .into_iter()
                    .filter(|e| e.at(0) == Some("members"))
                    .filter_map(|e| e.path.get(1).cloned()),
            );
            for member in touched {
                touched_by.entry(member).or_default().push((m.time * 1000, m.hash));
            }
        }
        let mut history = BTreeMap::new();
        for (member, mut changes) in touched_by {
            order::sort_by_key(&mut changes, |(at, _)| *at);
            let listed = changes
                .chunk_by(|a, b| a.0 == b.0)
                .map(|second| {
                    let heads: Vec<ChangeHash> = second.iter().map(|(_, hash)| *hash).collect();
                    (second[0].0, listed_at(doc, &member, &heads))
                })
                .collect();
            history.insert(member, listed);
        }
        Roles { history }
    }

    /// Her role and centre at `at` (ms): None when the network did not list her then (never,
    /// or removed). Before her first listing (clocks differ) she counts as first listed.
    pub fn at(&self, member: &str, at: i64) -> Option<(Role, Option<String>)> {
        let changes = self.history.get(member)?;
        let i = changes.partition_point(|(from, _)| *from <= at);
        changes[i.saturating_sub(1)].1.clone()
    }
}

/// `member`'s role and centre as the network document lists her at `heads`; None when it
/// does not (not yet, or removed).
fn listed_at(doc: &AutoCommit, member: &str, heads: &[ChangeHash]) -> Option<Listed> {
    let members = match doc.get_at(ROOT, "members", heads).ok().flatten()? {
        (Value::Object(ObjType::Map), id) => id,
        _ => return None,
    };
    let (_, obj) = doc.get_at(&members, member, heads).ok().flatten()?;
    let role = text_at_heads(doc, &obj, "role", heads).and_then(|r| Role::parse(&r))?;
    Some((role, text_at_heads(doc, &obj, "centre_id", heads).filter(|c| !c.is_empty())))
}

/// A string at `key` of `obj` as of `heads`: a scalar string or a Text.
fn text_at_heads(
    doc: &AutoCommit,
    obj: &automerge::ObjId,
    key: &str,
    heads: &[ChangeHash],
) -> Option<String> {
    match doc.get_at(obj, key, heads).ok().flatten()? {
        (Value::Scalar(s), _) => s.as_str().map(str::to_owned),
        (Value::Object(ObjType::Text), id) => doc.text_at(&id, heads).ok(),
        _ => None,
    }
}

/// What a change does at one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A scalar was set; its value when it is a string (`events/<id>/action` needs it).
    Put(Option<String>),
    /// A map, list or text was created at the path.
    Create,
    /// A key was deleted (or a conflict on it resolved: Automerge writes that as a delete).
    Delete,
    /// The text or list at the path was edited (characters, elements or marks).
    Edit,
}

/// One effect of a change: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub path: Vec<String>,
    pub action: Action,
}

impl Effect {
    /// Editing the text or list at `path` (what a page asks before offering a text box).
    pub fn edit<const N: usize>(path: [&str; N]) -> Effect {
        Effect { path: path.iter().map(|p| p.to_string()).collect(), action: Action::Edit }
    }

    /// Setting the field at `path` to `value`.
    pub fn put<const N: usize>(path: [&str; N], value: Option<&str>) -> Effect {
        Effect {
            path: path.iter().map(|p| p.to_string()).collect(),
            action: Action::Put(value.map(str::to_owned)),
        }
    }

    fn at(&self, i: usize) -> Option<&str> {
        self.path.get(i).map(String::as_str)
    }
}

/// The kind of the document a change is made to, with the facts about it that the rules need,
/// read from the document at the change's parents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Facts {
    Network,
    /// Each section's commission id (None = not assigned).
    CommonPlan {
        commissions: BTreeMap<String, Option<String>>,
    },
    /// The centre the plan belongs to (root `centre_id`).
    CentrePlan {
        centre: String,
    },
    Inquiry,
    /// The record's author (root `principal_id`), whether it is finalised (root
    /// `finalised_at`) and whether she deleted it (root `discarded_at`).
    Record {
        author: String,
        finalised: bool,
        discarded: bool,
    },
    /// Who added each card (from the signed change that created it).
    Tree {
        authors: BTreeMap<String, String>,
    },
    Workshop,
    /// Who proposed each option.
    Vote {
        authors: BTreeMap<String, String>,
    },
    Cycle,
}

/// A string at `key` of `obj`, if there is one: a scalar string or a Text (what JS Automerge
/// writes for a plain string).
fn text_at(doc: &AutoCommit, obj: &automerge::ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key).ok().flatten()? {
        (Value::Scalar(s), _) => s.as_str().map(str::to_owned),
        (Value::Object(ObjType::Text), id) => doc.text(&id).ok(),
        _ => None,
    }
}

/// Each entry of the map at root `key`, with the string its field `field` holds.
fn field_of_each(doc: &AutoCommit, key: &str, field: &str) -> BTreeMap<String, Option<String>> {
    let Some((Value::Object(ObjType::Map), map)) = doc.get(ROOT, key).ok().flatten() else {
        return BTreeMap::new();
    };
    order::map_of(doc.map_range(&map, ..).map(|item| {
        let value = text_at(doc, &item.id(), field);
        (item.key.to_string(), value)
    }))
}

/// The facts the rules need about `doc`, read from its current state; None for a document of
/// a kind no rule knows (or not created yet). A fact a change could alter is write-once or
/// facilitator-only, so reading it after a change judged with it gives the same answer.
pub fn facts_of(doc: &AutoCommit) -> Option<Facts> {
    let kind = text_at(doc, &ROOT, "kind")?;
    Some(match kind.as_str() {
        network::KIND => Facts::Network,
        plan::KIND => {
            Facts::CommonPlan { commissions: field_of_each(doc, "sections", "commission") }
        }
        centre_plan::KIND => Facts::CentrePlan { centre: text_at(doc, &ROOT, "centre_id")? },
        inquiry::INQUIRY_KIND => Facts::Inquiry,
        inquiry::RECORD_KIND => {
            let set = |key| matches!(doc.get(ROOT, key), Ok(Some((Value::Scalar(s), _))) if s.as_i64().is_some());
            Facts::Record {
                author: text_at(doc, &ROOT, "principal_id")?,
                finalised: set("finalised_at"),
                discarded: set(inquiry::DISCARDED),
            }
        }
        workshop::KIND => Facts::Workshop,
        cycle::KIND => Facts::Cycle,
        vote::KIND => Facts::Vote {
            authors: order::map_of(
                field_of_each(doc, vote::OPTIONS, "by")
                    .into_iter()
                    .filter_map(|(option, by)| Some((option, by?))),
            ),
        },
        tree::KIND => Facts::Tree {
            authors: order::map_of(
                field_of_each(doc, "cards", "by")
                    .into_iter()
                    .filter_map(|(card, by)| Some((card, by?))),
            ),
        },
        _ => return None,
    })
}

/// The root field `key` at `heads` as text: a string, a Text's content, or a number's digits.
fn root_value_at(doc: &AutoCommit, key: &str, heads: &[ChangeHash]) -> Option<String> {
    match doc.get_at(ROOT, key, heads).ok().flatten()? {
        (Value::Scalar(s), _) => match s.as_str() {
            Some(text) => Some(text.to_owned()),
            None => match s.as_ref() {
                automerge::ScalarValue::Int(i) => Some(i.to_string()),
                automerge::ScalarValue::Uint(u) => Some(u.to_string()),
                automerge::ScalarValue::F64(f) if f.fract() == 0.0 => Some((*f as i64).to_string()),
                _ => None,
            },
        },
        (Value::Object(ObjType::Text), id) => doc.text_at(&id, heads).ok(),
        _ => None,
    }
}

/// Whether root field `key` reads the same at `a` and at `b`.
fn same_root_value(doc: &AutoCommit, key: &str, a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    match (root_value_at(doc, key, a), root_value_at(doc, key, b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Where a document belongs, as its own fields say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// It is a network document (its own id is the network).
    IsNetwork,
    /// Its root `network_id`.
    Network(String),
    /// An inquiry record: the network of its inquiry (root `inquiry_id`).
    Inquiry(String),
}

/// The network `doc` belongs to; None for a document no rule knows.
pub fn owner_of(doc: &AutoCommit) -> Option<Owner> {
    match text_at(doc, &ROOT, "kind")?.as_str() {
        network::KIND => Some(Owner::IsNetwork),
        inquiry::RECORD_KIND => text_at(doc, &ROOT, "inquiry_id").map(Owner::Inquiry),
        plan::KIND
        | centre_plan::KIND
        | inquiry::INQUIRY_KIND
        | tree::KIND
        | workshop::KIND
        | vote::KIND
        | cycle::KIND => text_at(doc, &ROOT, "network_id").map(Owner::Network),
        _ => None,
    }
}

/// Whether `who` may read a document with these facts: every member reads her network's
/// documents except inquiry records, which only their author, facilitators and SLEP
/// professionals read (others see the aggregate results).
pub fn may_read(who: Option<&Who>, facts: &Facts) -> bool {
    let Some(who) = who else { return false };
    match facts {
        Facts::Record { author, .. } => {
            *author == who.member || matches!(who.role, Role::Facilitator | Role::SlepProfessional)
        }
        _ => true,
    }
}

/// Whether `who` may create a document with these facts (its first change, which [`judge`]
/// leaves to this): an inquiry only a facilitator; a record only its own author; a network
/// only its founder (decided by whoever registers networks, not here); the rest any member.
pub fn may_create(who: Option<&Who>, facts: &Facts) -> Result<(), Refusal> {
    let who = who.ok_or(Refusal::NotAMember)?;
    match facts {
        Facts::Inquiry if !facilitator(who) => {
            Err(Refusal::OnlyFacilitator { what: "the inquiry" })
        }
        Facts::Workshop if !facilitator(who) => {
            Err(Refusal::OnlyFacilitator { what: "the workshop" })
        }
        Facts::Vote { .. } if !facilitator(who) => {
            Err(Refusal::OnlyFacilitator { what: "the vote" })
        }
        Facts::Cycle if !facilitator(who) => Err(Refusal::OnlyFacilitator { what: "the cycle" }),
        Facts::Record { author, .. } if *author != who.member => {
            Err(Refusal::NotSigner { field: "principal_id".into() })
        }
        _ => Ok(()),
    }
}

/// A change the rules refuse, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("change {change} refused: {refusal}")]
pub struct Refused {
    pub change: ChangeHash,
    pub refusal: Refusal,
}

/// Judges every change of `doc` not in its history at `before` (what one message brought) as
/// made by `who`, for documents without signatures; see [`judge_signed`].
pub fn judge(
    doc: &mut AutoCommit,
    before: &[ChangeHash],
    who: Option<&Who>,
) -> Result<(), Refused> {
    judge_signed(doc, before, who, &BTreeMap::new(), &|_| None)
}

/// Whom a change of an actor with `signature` and sequence number `seq`, brought by member
/// `sender`, is judged as: `Some(member)` when a device of hers signed it, None when it is
/// not signed (yet) and so is the sender's own; refused when its actor's head does not check
/// or the actor belongs to another member (a forged actor).
pub fn author_of(signature: &Signature, seq: u64, sender: &str) -> Result<Option<String>, Refusal> {
    match signature {
        Signature::Valid { member, seq: upto, .. } if seq <= *upto => Ok(Some(member.clone())),
        Signature::Valid { member, .. } if member == sender => Ok(None),
        Signature::Valid { .. } => Err(Refusal::ForgedActor),
        Signature::Invalid(bad) => Err(Refusal::BadSignature { why: *bad }),
        Signature::Absent => Ok(None),
    }
}

/// Judges every change of `doc` not in its history at `before` (what one message brought).
/// A change its actor's device signed ([`crate::signing`]) is judged as that device's member
/// (`who_is` gives her role, as the network said before the message), so a member may relay
/// another's signed changes; a change not signed yet is judged as `sender`, the member whose
/// connection brought it. A change whose actor's head does not check, or whose actor another
/// member's device signed for, is refused. Its effects are checked against the rules, and
/// the author its history message names must be the member it is judged as (a change
/// without a Juntas message names nobody and is shown so). A change may write only its own
/// actor's signed head. The first change of a document (its creation) is judged only for its
/// author: where a new document may be made is decided by whoever accepts it ([`owner_of`]).
pub fn judge_signed(
    doc: &mut AutoCommit,
    before: &[ChangeHash],
    sender: Option<&Who>,
    signatures: &BTreeMap<ActorId, Signature>,
    who_is: &dyn Fn(&str) -> Option<Who>,
) -> Result<(), Refused> {
    let facts = facts_of(doc);
    for signing::Meta { hash, deps, actor, seq, message, .. } in signing::metas(doc, before) {
        let refused = |refusal| Refused { change: hash, refusal };
        let sender = sender.ok_or_else(|| refused(Refusal::NotAMember))?;
        let own_head = signing::key_of(&actor);
        // A head write that checks vouches for itself: anyone may relay it, whoever's it is
        // (one that does not check is judged below, and refused as a bad signature).
        if message.as_deref() == Some(signing::MESSAGE)
            && matches!(signatures.get(&actor), Some(Signature::Valid { .. }))
            && !deps.is_empty()
            && effects(doc, &deps, &[hash]).iter().all(|e| e.path.first() == Some(&own_head))
        {
            continue;
        }
        let signature = signatures.get(&actor).unwrap_or(&Signature::Absent);
        let signer = author_of(signature, seq, &sender.member).map_err(refused)?;
        let signer_role;
        let who = match signer {
            Some(member) if member != sender.member => {
                signer_role = who_is(&member).ok_or_else(|| refused(Refusal::NotAMember))?;
                &signer_role
            }
            _ => sender,
        };
        if let Some(author) = history::author(message.as_deref())
            && author != who.member
        {
            return Err(refused(Refusal::NotSigner { field: "history".into() }));
        }
        if deps.is_empty() {
            continue;
        }
        let facts =
            facts.as_ref().ok_or_else(|| refused(Refusal::Unknown { path: "kind".into() }))?;
        let mut effects = effects(doc, &deps, &[hash]);
        // Its own signed head is every actor's to write; another's is nobody's.
        if effects.iter().any(|e| {
            e.path.first().is_some_and(|k| k.starts_with(signing::PREFIX) && *k != own_head)
        }) {
            return Err(refused(Refusal::ForgedActor));
        }
        effects.retain(|e| e.path.first() != Some(&own_head));
        // Rewriting an identity field with the value it has (a reader that normalises a Text
        // `kind` written by JS into a string) changes nothing it protects.
        effects.retain(|e| {
            !(e.path.len() == 1
                && WRITE_ONCE.contains(&e.path[0].as_str())
                && same_root_value(doc, &e.path[0], &deps, &[hash]))
        });
        check(Some(who), facts, &effects).map_err(refused)?;
    }
    Ok(())
}

/// Why a change is refused: which rule, in terms the app words in the person's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("only members of the network change its documents")]
    NotAMember,
    #[error("only a facilitator changes {what}")]
    OnlyFacilitator { what: &'static str },
    #[error("only the section's commission (and a facilitator) writes section {section}")]
    OnlyCommission { section: String, commission: Option<String> },
    #[error("only the principal of centre {centre} changes its plan")]
    OnlyCentrePrincipal { centre: String },
    #[error("only a SLEP professional observes or approves a plan")]
    OnlySlep,
    #[error("only the principal of centre {centre} delivers its plan")]
    OnlyPrincipalDelivers { centre: String },
    #[error("only its author changes this {what}")]
    OnlyAuthor { what: &'static str },
    #[error("{field} names its author and must name the member who signs")]
    NotSigner { field: String },
    #[error("{field} is fixed when the document is created")]
    WriteOnce { field: String },
    #[error("a {what} is never changed once made")]
    Immutable { what: &'static str },
    #[error("no rule allows changing {path}")]
    Unknown { path: String },
    #[error("a finalised record is counted (by the facilitation and the SLEP) and is not deleted")]
    RecordFinalised,
    #[error("a deleted record is not finalised")]
    RecordDiscarded,
    #[error("a signature names this change's actor as another member's device (forged actor)")]
    ForgedActor,
    #[error("a signature does not check: {why}")]
    BadSignature { why: signing::Bad },
}

/// Which kind of rule a refusal names, read back from its words (what a server sends in its
/// `error`), so a client can say it in the person's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Commission,
    Facilitator,
    Slep,
    Principal,
    Author,
    Member,
    Signature,
    /// A record finalised or deleted on another device.
    Record,
}

/// The rule a refusal's words (its `Display`) name; None for another text.
pub fn rule_of(words: &str) -> Option<Rule> {
    [
        ("only the section's commission", Rule::Commission),
        ("only a facilitator", Rule::Facilitator),
        ("only a SLEP professional", Rule::Slep),
        ("only the principal of centre", Rule::Principal),
        ("only its author", Rule::Author),
        ("only members of the network", Rule::Member),
        ("a signature", Rule::Signature),
        ("a finalised record", Rule::Record),
        ("a deleted record", Rule::Record),
    ]
    .into_iter()
    .find_map(|(phrase, rule)| words.starts_with(phrase).then_some(rule))
}

/// The effects of going from `before` to `after` in `doc` (for one change: its parents and
/// its hash), as paths from the root.
pub fn effects(doc: &mut AutoCommit, before: &[ChangeHash], after: &[ChangeHash]) -> Vec<Effect> {
    doc.diff(before, after).iter().filter_map(effect_of).collect()
}

/// The effect of one patch, as a path from the root; None for a conflict (when concurrent
/// changes meet, the change that made each value is judged on its own).
pub(crate) fn effect_of(patch: &automerge::Patch) -> Option<Effect> {
    let mut path: Vec<String> = patch.path.iter().map(|(_, p)| prop(p)).collect();
    let action = match &patch.action {
        PatchAction::PutMap { key, value, .. } => {
            path.push(key.clone());
            put(&value.0)
        }
        PatchAction::PutSeq { index, value, .. } => {
            path.push(index.to_string());
            put(&value.0)
        }
        PatchAction::DeleteMap { key } => {
            path.push(key.clone());
            Action::Delete
        }
        PatchAction::Insert { .. }
        | PatchAction::SpliceText { .. }
        | PatchAction::DeleteSeq { .. }
        | PatchAction::Mark { .. } => Action::Edit,
        PatchAction::Increment { prop: p, .. } => {
            path.push(prop(p));
            Action::Put(None)
        }
        PatchAction::Conflict { .. } => return None,
    };
    Some(Effect { path, action })
}

fn prop(p: &Prop) -> String {
    match p {
        Prop::Map(k) => k.clone(),
        Prop::Seq(i) => i.to_string(),
    }
}

/// Longest string value an [`Action::Put`] carries: rules compare short names and ids
/// (`aprobar`, a member id); a longer value is kept as "some value", not copied.
const PUT_VALUE_MAX: usize = 256;

fn put(value: &Value<'_>) -> Action {
    match value {
        Value::Object(_) => Action::Create,
        Value::Scalar(s) => {
            Action::Put(s.as_str().filter(|v| v.len() <= PUT_VALUE_MAX).map(str::to_owned))
        }
    }
}

/// Root fields written only when a document is created.
const WRITE_ONCE: &[&str] = &[
    "kind",
    "schema_version",
    "network_id",
    "year",
    "centre_id",
    "common_id",
    "inquiry_id",
    "principal_id",
    "template_version",
];

/// Whether `who` may make a change whose effects are `effects` to a document described by
/// `facts`. `who` is None when the signer is not a member of the network.
pub fn check(who: Option<&Who>, facts: &Facts, effects: &[Effect]) -> Result<(), Refusal> {
    let who = who.ok_or(Refusal::NotAMember)?;
    for e in effects {
        check_one(who, facts, effects, e)?;
    }
    Ok(())
}

/// Whether `who` may make one change with this single effect: what a page asks before it offers
/// a control (the same rule the server applies to the change the control would make).
pub fn may(who: Option<&Who>, facts: &Facts, effect: Effect) -> Result<(), Refusal> {
    check(who, facts, &[effect])
}

/// The value a change gives a field of the entry at `prefix` (e.g. an event's `action`).
fn field_in<'a>(effects: &'a [Effect], prefix: &[String], field: &str) -> Option<&'a str> {
    effects.iter().find_map(|e| {
        let here = e.path.len() == prefix.len() + 1
            && e.path.starts_with(prefix)
            && e.path[prefix.len()] == field;
        match &e.action {
            Action::Put(Some(v)) if here => Some(v.as_str()),
            _ => None,
        }
    })
}

fn facilitator(who: &Who) -> bool {
    who.role == Role::Facilitator
}

/// An entry's `by`: written at creation, and it must be the signer.
fn by_is_signer(who: &Who, e: &Effect, depth: usize) -> Result<(), Refusal> {
    if e.path.len() == depth + 1 && e.at(depth) == Some("by") {
        match &e.action {
            Action::Put(Some(by)) if *by == who.member => {}
            _ => return Err(Refusal::NotSigner { field: e.path.join("/") }),
        }
    }
    Ok(())
}

/// A comment or observation: created by anyone allowed, with `by` = the signer, never edited.
fn note(who: &Who, effects: &[Effect], e: &Effect, what: &'static str) -> Result<(), Refusal> {
    let prefix = &e.path[..2.min(e.path.len())];
    let created = effects.iter().any(|x| x.path == prefix && x.action == Action::Create);
    if !created {
        return Err(Refusal::Immutable { what });
    }
    by_is_signer(who, e, 2)
}

pub(crate) fn check_one(
    who: &Who,
    facts: &Facts,
    all: &[Effect],
    e: &Effect,
) -> Result<(), Refusal> {
    let root = e.at(0).unwrap_or("");
    if e.path.len() == 1 && WRITE_ONCE.contains(&root) {
        return Err(Refusal::WriteOnce { field: root.to_owned() });
    }
    if e.path.len() == 1 && root == "updated_at" {
        // A timestamp every allowed change touches.
        return Ok(());
    }
    match facts {
        Facts::Network => network(who, e),
        Facts::CommonPlan { commissions } => common_plan(who, commissions, all, e),
        Facts::CentrePlan { centre } => centre_plan(who, centre, all, e),
        Facts::Inquiry => inquiry(who, e),
        Facts::Record { author, finalised, discarded } => {
            if *author != who.member {
                return Err(Refusal::OnlyAuthor { what: "record" });
            }
            // Finalising and deleting exclude each other: of the two, the one the server
            // received first stands (facts are read after the change, when both are there).
            match root {
                inquiry::DISCARDED if *finalised => Err(Refusal::RecordFinalised),
                "finalised_at" if *discarded => Err(Refusal::RecordDiscarded),
                _ => Ok(()),
            }
        }
        Facts::Tree { authors } => tree(who, authors, e),
        Facts::Workshop => workshop(who, e),
        Facts::Vote { authors } => vote(who, authors, e),
        Facts::Cycle => cycle(who, e),
    }
}

fn network(who: &Who, e: &Effect) -> Result<(), Refusal> {
    if facilitator(who) {
        return Ok(());
    }
    match (e.at(0), e.at(1), e.at(2), e.path.len()) {
        // Her own name.
        (Some("members"), Some(m), Some("name"), 3) if m == who.member => Ok(()),
        // The principal lists her centre's plan the first time she opens it.
        (Some("plans"), Some(key), None, 2) => {
            let centre = key.split_once('/').map(|(_, c)| c);
            match (centre, &who.centre, who.role) {
                (Some(c), Some(mine), Role::Principal) if c == mine => Ok(()),
                _ => Err(Refusal::OnlyFacilitator { what: "the network's plans" }),
            }
        }
        // Any member lists a tree she created.
        (Some("trees"), Some(_), None, 2) if matches!(e.action, Action::Put(_)) => Ok(()),
        (Some("members"), ..) => Err(Refusal::OnlyFacilitator { what: "members and roles" }),
        (Some("commissions"), ..) => Err(Refusal::OnlyFacilitator { what: "commissions" }),
        (Some("centres"), ..) => Err(Refusal::OnlyFacilitator { what: "centres" }),
        (Some("inquiries"), ..) => Err(Refusal::OnlyFacilitator { what: "inquiries" }),
        _ => Err(Refusal::OnlyFacilitator { what: "the network" }),
    }
}

fn common_plan(
    who: &Who,
    commissions: &BTreeMap<String, Option<String>>,
    all: &[Effect],
    e: &Effect,
) -> Result<(), Refusal> {
    match (e.at(0), e.at(1), e.at(2)) {
        (Some("comments"), Some(_), _) => note(who, all, e, "comment"),
        (Some("sections"), Some(section), Some(field)) if is_content(field, e) => {
            if facilitator(who) {
                return Ok(());
            }
            let commission = commissions.get(section).cloned().flatten();
            match &commission {
                Some(c) if who.commissions.contains(c) => Ok(()),
                _ => Err(Refusal::OnlyCommission { section: section.to_owned(), commission }),
            }
        }
        _ if facilitator(who) => Ok(()),
        _ => Err(Refusal::OnlyFacilitator { what: "the plan's template" }),
    }
}

/// A section's text (edited, not created) or its status: what its commission writes.
fn is_content(field: &str, e: &Effect) -> bool {
    e.path.len() == 3
        && match field {
            "body" => e.action == Action::Edit,
            "status" => matches!(e.action, Action::Put(_) | Action::Delete),
            _ => false,
        }
}

fn centre_plan(who: &Who, centre: &str, all: &[Effect], e: &Effect) -> Result<(), Refusal> {
    let principal_here = who.role == Role::Principal && who.centre.as_deref() == Some(centre);
    match (e.at(0), e.at(1)) {
        (Some("comments"), Some(_)) => note(who, all, e, "comment"),
        (Some("observations"), Some(_)) => {
            if who.role != Role::SlepProfessional {
                return Err(Refusal::OnlySlep);
            }
            note(who, all, e, "observation")
        }
        (Some("events"), Some(id)) => {
            let prefix = vec!["events".to_owned(), id.to_owned()];
            let created = all.iter().any(|x| x.path == prefix && x.action == Action::Create);
            if !created {
                return Err(Refusal::Immutable { what: "review event" });
            }
            match field_in(all, &prefix, "action") {
                Some("entregar") if principal_here => by_is_signer(who, e, 2),
                Some("entregar") => {
                    Err(Refusal::OnlyPrincipalDelivers { centre: centre.to_owned() })
                }
                Some("observar" | "aprobar") if who.role == Role::SlepProfessional => {
                    by_is_signer(who, e, 2)
                }
                Some("observar" | "aprobar") => Err(Refusal::OnlySlep),
                _ => Err(Refusal::Unknown { path: e.path.join("/") }),
            }
        }
        (Some("sections" | "adopted"), _) if principal_here => Ok(()),
        (Some("sections" | "adopted"), _) => {
            Err(Refusal::OnlyCentrePrincipal { centre: centre.to_owned() })
        }
        _ => Err(Refusal::Unknown { path: e.path.join("/") }),
    }
}

fn inquiry(who: &Who, e: &Effect) -> Result<(), Refusal> {
    if facilitator(who) {
        return Ok(());
    }
    match (e.at(0), e.path.len(), &e.action) {
        // A principal lists the record she starts under her own centre, and marks it deleted
        // there when she deletes the draft.
        (Some("records" | inquiry::DELETED_LIST), 2, Action::Put(Some(centre)))
            if who.role == Role::Principal && who.centre.as_deref() == Some(centre) =>
        {
            Ok(())
        }
        // The list of deleted drafts, in an inquiry made before it had one.
        (Some(inquiry::DELETED_LIST), 1, Action::Create) if who.role == Role::Principal => Ok(()),
        _ => Err(Refusal::OnlyFacilitator { what: "the inquiry" }),
    }
}

/// A workshop: the facilitator makes and closes it; every member writes her own answers only
/// (`answers/<member>/<question>`), the facilitator's included.
fn workshop(who: &Who, e: &Effect) -> Result<(), Refusal> {
    match (e.at(0), e.at(1), e.path.len()) {
        (Some(workshop::ANSWERS), Some(key), 2) => {
            if key.split_once('/').is_some_and(|(member, _)| member == who.member) {
                Ok(())
            } else {
                Err(Refusal::OnlyAuthor { what: "answer" })
            }
        }
        _ if facilitator(who) => Ok(()),
        _ => Err(Refusal::OnlyFacilitator { what: "the workshop" }),
    }
}

/// An improvement cycle: every member writes the worksheet's texts and marks a stage reached,
/// a principal enters her centre's data points; the rest (title, aim, links, measures) is the
/// facilitator's.
fn cycle(who: &Who, e: &Effect) -> Result<(), Refusal> {
    match (e.at(0), e.path.len(), &e.action) {
        (Some(cycle::SHEET), 2, Action::Edit) => Ok(()),
        (Some(cycle::STAGES), 2, Action::Put(_)) => Ok(()),
        // A principal enters her own centre's data points (`<day>|<centre>`).
        (Some(cycle::MEASURES), 4, Action::Put(_))
            if e.at(2) == Some(cycle::POINTS)
                && e.at(3).and_then(|k| k.split_once('|')).map(|(_, c)| c)
                    == who.centre.as_deref() =>
        {
            Ok(())
        }
        _ if facilitator(who) => Ok(()),
        _ => Err(Refusal::OnlyFacilitator { what: "the cycle's aim and links" }),
    }
}

/// A vote: any member proposes an option (naming herself), its author or a facilitator edits
/// or removes it; every member casts her own ballot only; the facilitator makes, opens and
/// closes the vote. (Which options and ballots count is decided by the phases' heads on read.)
fn vote(who: &Who, authors: &BTreeMap<String, String>, e: &Effect) -> Result<(), Refusal> {
    match (e.at(0), e.at(1), e.at(2), e.path.len()) {
        (Some(vote::BALLOTS), Some(member), None, 2) => {
            if member == who.member {
                Ok(())
            } else {
                Err(Refusal::OnlyAuthor { what: "ballot" })
            }
        }
        (Some(vote::OPTIONS), Some(option), field, _) => {
            let author = authors.get(option);
            match field {
                Some("by") => {
                    if author.is_some_and(|a| *a != who.member) {
                        return Err(Refusal::WriteOnce { field: e.path.join("/") });
                    }
                    by_is_signer(who, e, 2)
                }
                _ if author.is_none_or(|a| *a == who.member) || facilitator(who) => Ok(()),
                _ => Err(Refusal::OnlyAuthor { what: "option (or a facilitator)" }),
            }
        }
        _ if facilitator(who) => Ok(()),
        _ => Err(Refusal::OnlyFacilitator { what: "the vote" }),
    }
}

fn tree(who: &Who, authors: &BTreeMap<String, String>, e: &Effect) -> Result<(), Refusal> {
    match (e.at(0), e.at(1), e.at(2), e.path.len()) {
        (Some("cards"), Some(card), Some("deleted"), 3) => {
            let author = authors.get(card);
            if facilitator(who) || author == Some(&who.member) {
                Ok(())
            } else {
                Err(Refusal::OnlyAuthor { what: "card (or a facilitator)" })
            }
        }
        (Some("cards"), Some(_), Some("by"), 3) => {
            let created = authors.get(e.path[1].as_str()).is_none_or(|a| *a == who.member);
            if !created {
                return Err(Refusal::WriteOnce { field: e.path.join("/") });
            }
            by_is_signer(who, e, 2)
        }
        (Some("cards"), Some(_), ..) => Ok(()),
        _ => Err(Refusal::Unknown { path: e.path.join("/") }),
    }
}
