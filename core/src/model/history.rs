//! Who changed what and when in a plan: every plan command commits with a message naming the
//! member, the verb and the section; [`entries`] reads them back from the document's changes,
//! and [`grouped`] folds a burst of typing into one line.
//!
//! The author is the member the device is registered for (or, on a device not registered in
//! the network, the one its person chose), written into each change this device makes: the
//! actor id (random per device and tab) is mapped to a person at the moment of the change, so
//! the mapping travels with the change itself. The server refuses a change whose message names
//! anyone but the member who sends it ([`crate::rules::judge`]).

use std::collections::BTreeMap;

use automerge::AutoCommit;
use automerge::transaction::CommitOptions;

use crate::signing;
pub use crate::signing::Signed;

/// Who acts, and when (ms since the Unix epoch, from the caller's clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub by: String,
    pub at: i64,
}

impl Stamp {
    pub fn new(by: &str, at: i64) -> Stamp {
        Stamp { by: by.to_string(), at }
    }
}

const TAG: &str = "juntas1";

/// What a change did, as its message names it. The wire strings are Spanish and fixed: old
/// documents must read the same. A verb this build does not know (written by a newer Juntas,
/// or a change message from another program) is kept as [`Verb::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Verb {
    // Common plan.
    /// "crear plan": the year's common plan was created.
    CreatePlan,
    /// "plantilla": a section of the template was edited or added.
    Template,
    /// "estado": a section's status was set.
    Status,
    /// "comision": a section was assigned to a commission.
    Commission,
    /// "comentar": a comment on a section (common or centre plan).
    Comment,
    /// "editar": text typed (a plan section, a record field, a tree card).
    Edit,
    // Centre plan.
    /// "crear plan del centro".
    CreateCentrePlan,
    /// "adoptar": the centre adopted the common plan as it was.
    Adopt,
    /// "entregar": delivered to the SLEP.
    Deliver,
    /// "observar": the SLEP returned it with observations.
    Observe,
    /// "aprobar": the SLEP approved it.
    Approve,
    // Inquiry and records.
    /// "crear indagación".
    CreateInquiry,
    /// "editar indagación": a new version of the definition.
    EditInquiry,
    /// "nueva ficha": a record was listed in the inquiry.
    ListRecord,
    /// "crear ficha": a record was started.
    CreateRecord,
    /// "compartir resultados": the facilitator shared the inquiry's results with the network.
    ShareResults,
    /// "agregar participante".
    AddParticipant,
    /// "quitar participante".
    RemoveParticipant,
    /// "rol": a participant's role was set.
    SetRole,
    /// "fecha": the record's date was set.
    SetDate,
    /// "finalizar": the record was finalised.
    Finalise,
    /// "eliminar pauta": its author deleted a draft record.
    Discard,
    // Problem tree.
    /// "crear árbol".
    CreateTree,
    /// "agregar": a card was added.
    AddCard,
    /// "mover": a card was moved.
    MoveCard,
    /// "quitar": a card was deleted.
    RemoveCard,
    /// "causa raíz": a card was marked (or unmarked) as a root cause.
    RootCause,
    // Workshops.
    /// "crear taller".
    CreateWorkshop,
    /// "responder": an exit-ticket answer (the section names the question).
    Answer,
    /// "cerrar ticket": the facilitator closed the exit ticket.
    CloseTicket,
    // Votes.
    /// "crear votación".
    CreateVote,
    /// "proponer": a member proposed an option (the section names it).
    Propose,
    /// "abrir votación": options locked, ballots open.
    OpenVote,
    /// "votar": a member cast or changed her ballot.
    Cast,
    /// "cerrar votación".
    CloseVote,
    // Improvement cycles.
    /// "crear ciclo".
    CreateCycle,
    /// "etapa": the cycle reached a stage (the section names it).
    Stage,
    /// "medida": a measure was defined (the section names it).
    AddMeasure,
    /// "dato": a data point was entered (the section names its measure).
    AddPoint,
    /// Anything else, as written.
    Other(String),
}

impl Verb {
    /// Every verb this build writes.
    pub const KNOWN: [Verb; 39] = [
        Verb::CreatePlan,
        Verb::Template,
        Verb::Status,
        Verb::Commission,
        Verb::Comment,
        Verb::Edit,
        Verb::CreateCentrePlan,
        Verb::Adopt,
        Verb::Deliver,
        Verb::Observe,
        Verb::Approve,
        Verb::CreateInquiry,
        Verb::EditInquiry,
        Verb::ListRecord,
        Verb::CreateRecord,
        Verb::ShareResults,
        Verb::AddParticipant,
        Verb::RemoveParticipant,
        Verb::SetRole,
        Verb::SetDate,
        Verb::Finalise,
        Verb::Discard,
        Verb::CreateTree,
        Verb::AddCard,
        Verb::MoveCard,
        Verb::RemoveCard,
        Verb::RootCause,
        Verb::CreateWorkshop,
        Verb::Answer,
        Verb::CloseTicket,
        Verb::CreateVote,
        Verb::Propose,
        Verb::OpenVote,
        Verb::Cast,
        Verb::CloseVote,
        Verb::CreateCycle,
        Verb::Stage,
        Verb::AddMeasure,
        Verb::AddPoint,
    ];

    /// The string written in the change message.
    pub fn as_str(&self) -> &str {
        match self {
            Verb::CreatePlan => "crear plan",
            Verb::Template => "plantilla",
            Verb::Status => "estado",
            Verb::Commission => "comision",
            Verb::Comment => "comentar",
            Verb::Edit => "editar",
            Verb::CreateCentrePlan => "crear plan del centro",
            Verb::Adopt => "adoptar",
            Verb::Deliver => "entregar",
            Verb::Observe => "observar",
            Verb::Approve => "aprobar",
            Verb::CreateInquiry => "crear indagación",
            Verb::EditInquiry => "editar indagación",
            Verb::ListRecord => "nueva ficha",
            Verb::CreateRecord => "crear ficha",
            Verb::ShareResults => "compartir resultados",
            Verb::AddParticipant => "agregar participante",
            Verb::RemoveParticipant => "quitar participante",
            Verb::SetRole => "rol",
            Verb::SetDate => "fecha",
            Verb::Finalise => "finalizar",
            Verb::Discard => "eliminar pauta",
            Verb::CreateTree => "crear árbol",
            Verb::AddCard => "agregar",
            Verb::MoveCard => "mover",
            Verb::RemoveCard => "quitar",
            Verb::RootCause => "causa raíz",
            Verb::CreateWorkshop => "crear taller",
            Verb::Answer => "responder",
            Verb::CloseTicket => "cerrar ticket",
            Verb::CreateVote => "crear votación",
            Verb::Propose => "proponer",
            Verb::OpenVote => "abrir votación",
            Verb::Cast => "votar",
            Verb::CloseVote => "cerrar votación",
            Verb::CreateCycle => "crear ciclo",
            Verb::Stage => "etapa",
            Verb::AddMeasure => "medida",
            Verb::AddPoint => "dato",
            Verb::Other(s) => s,
        }
    }

    /// The verb a change message names; unknown strings are kept as [`Verb::Other`].
    pub fn parse(s: &str) -> Verb {
        Verb::KNOWN
            .into_iter()
            .find(|v| v.as_str() == s)
            .unwrap_or_else(|| Verb::Other(s.to_string()))
    }
}

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Commits the pending operations with the author, verb and section in the change's message.
pub fn commit(doc: &mut AutoCommit, stamp: &Stamp, verb: Verb, section: &str) {
    let message = format!("{TAG}\t{}\t{}\t{section}", stamp.by, verb.as_str());
    doc.commit_with(
        CommitOptions::default().with_time(stamp.at.div_euclid(1000)).with_message(message),
    );
}

/// The member a change's message names as its author; None for a change that names nobody
/// (a skeleton every device writes alike, or a change made by another program).
pub fn author(message: Option<&str>) -> Option<&str> {
    let mut parts = message?.split('\t');
    match (parts.next(), parts.next()) {
        (Some(TAG), Some(by)) if !by.is_empty() => Some(by),
        _ => None,
    }
}

/// One change as the history shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Milliseconds since the Unix epoch (changes keep whole seconds).
    pub at: i64,
    /// Member id; empty when the change came from a peer that does not write authors, or when
    /// its signature does not check ([`Signed::Forged`]: never shown as the named member's).
    pub by: String,
    /// What was done.
    pub verb: Verb,
    /// The section it touched; empty for the whole plan.
    pub section: String,
    /// Whether a device of `by` signed it ([`entries_signed`]; [`entries`] says Unsigned).
    pub signed: Signed,
}

/// Every change of `doc` in causal order, with its author when known, as its message names
/// it (unverified: see [`entries_signed`]). Signature writes are not listed.
pub fn entries(doc: &mut AutoCommit) -> Vec<Entry> {
    entries_signed(doc, &BTreeMap::new())
}

/// Every change of `doc` in causal order, attributed by its actor's signed head
/// ([`signing::signed`]): a change a device of the named member signed is [`Signed::By`]; one
/// whose signature does not check, or whose signer is not the member its message names, is
/// [`Signed::Forged`] and names nobody.
pub fn entries_signed(
    doc: &mut AutoCommit,
    signatures: &BTreeMap<automerge::ActorId, signing::Signature>,
) -> Vec<Entry> {
    doc.get_changes_meta(&[])
        .into_iter()
        .filter(|c| c.message.as_deref() != Some(signing::MESSAGE))
        .map(|c| {
            let at = c.timestamp.saturating_mul(1000);
            let message = c.message.as_deref().unwrap_or_default();
            let mut parts = message.split('\t');
            let mut entry = match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some(TAG), Some(by), Some(verb), Some(section)) => Entry {
                    at,
                    by: by.to_string(),
                    verb: Verb::parse(verb),
                    section: section.to_string(),
                    signed: Signed::Unsigned,
                },
                _ => Entry {
                    at,
                    by: String::new(),
                    verb: Verb::parse(message),
                    section: String::new(),
                    signed: Signed::Unsigned,
                },
            };
            let named = (!entry.by.is_empty()).then_some(entry.by.as_str());
            entry.signed = signing::signed(signatures, &c.actor, c.seq, named);
            match &entry.signed {
                Signed::By(member) => entry.by = member.clone(),
                Signed::Forged => entry.by.clear(),
                Signed::Unsigned => {}
            }
            entry
        })
        .collect()
}

/// A run of entries by one person on one section with one verb, none more than `gap_ms` after
/// the previous (typing a paragraph is hundreds of changes and one line of history).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub first: Entry,
    pub last_at: i64,
    pub count: usize,
}

/// How far apart two entries of one run may be in the history the app shows: ten minutes.
pub const RUN_GAP_MS: i64 = 10 * 60 * 1000;

/// The history of `doc` as the app shows it: runs of [`RUN_GAP_MS`], newest first.
pub fn read_grouped(doc: &mut AutoCommit) -> Vec<Group> {
    grouped(entries(doc), RUN_GAP_MS)
}

/// [`read_grouped`] with authors checked against `signatures`.
pub fn read_grouped_signed(
    doc: &mut AutoCommit,
    signatures: &BTreeMap<automerge::ActorId, signing::Signature>,
) -> Vec<Group> {
    grouped(entries_signed(doc, signatures), RUN_GAP_MS)
}

/// Groups `entries` (sorted by time, stable) into runs; newest run first.
pub fn grouped(mut entries: Vec<Entry>, gap_ms: i64) -> Vec<Group> {
    crate::order::sort_by_key(&mut entries, |e| e.at);
    let mut out: Vec<Group> = Vec::new();
    for e in entries {
        match out.last_mut() {
            Some(g)
                if g.first.by == e.by
                    && g.first.signed == e.signed
                    && g.first.verb == e.verb
                    && g.first.section == e.section
                    && e.at - g.last_at <= gap_ms =>
            {
                g.last_at = e.at;
                g.count += 1;
            }
            _ => out.push(Group { last_at: e.at, first: e, count: 1 }),
        }
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;

    #[test]
    fn every_verb_reads_back_as_written_and_unknown_ones_are_kept() {
        let mut seen = std::collections::BTreeSet::new();
        for verb in Verb::KNOWN {
            assert!(seen.insert(verb.as_str().to_string()), "{verb:?} shares its wire string");
            assert_eq!(Verb::parse(verb.as_str()), verb);
        }
        assert_eq!(Verb::parse("editar"), Verb::Edit);
        assert_eq!(Verb::parse("causa raíz"), Verb::RootCause);
        assert_eq!(Verb::parse("archivar"), Verb::Other("archivar".into()));
        assert_eq!(Verb::Other("archivar".into()).as_str(), "archivar");
    }

    #[test]
    fn entries_carry_the_verb_and_other_messages_are_kept_whole() {
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, "a", 1).unwrap();
        commit(&mut doc, &Stamp::new("m1", 5_000), Verb::Status, "1.1");
        doc.put(automerge::ROOT, "a", 2).unwrap();
        commit(&mut doc, &Stamp::new("m2", 6_000), Verb::Other("archivar".into()), "");
        doc.put(automerge::ROOT, "a", 3).unwrap();
        doc.commit_with(CommitOptions::default().with_message("crear red".to_string()));
        let got: Vec<(String, Verb, String)> =
            entries(&mut doc).into_iter().map(|e| (e.by, e.verb, e.section)).collect();
        assert_eq!(
            got,
            [
                ("m1".into(), Verb::Status, "1.1".into()),
                ("m2".into(), Verb::Other("archivar".into()), String::new()),
                (String::new(), Verb::Other("crear red".into()), String::new()),
            ]
        );
    }
}
