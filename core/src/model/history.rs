//! Who changed what and when in a plan: every plan command commits with a message naming the
//! member, the verb and the section; [`entries`] reads them back from the document's changes,
//! and [`grouped`] folds a burst of typing into one line.
//!
//! The author is the member id the device's person chose ("¿Quién eres?"), written into each
//! change this device makes: the actor id (random per device and tab) is mapped to a person
//! at the moment of the change, so the mapping travels with the change itself.

use automerge::AutoCommit;
use automerge::transaction::CommitOptions;

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

/// Commits the pending operations with the author, verb and section in the change's message.
pub fn commit(doc: &mut AutoCommit, stamp: &Stamp, verb: &str, section: &str) {
    let message = format!("{TAG}\t{}\t{verb}\t{section}", stamp.by);
    doc.commit_with(
        CommitOptions::default().with_time(stamp.at.div_euclid(1000)).with_message(message),
    );
}

/// One change as the history shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Milliseconds since the Unix epoch (changes keep whole seconds).
    pub at: i64,
    /// Member id; empty when the change came from a peer that does not write authors.
    pub by: String,
    /// What was done ("editar", "estado", "adoptar", "entregar", …).
    pub verb: String,
    /// The section it touched; empty for the whole plan.
    pub section: String,
}

/// Every change of `doc` in causal order, with its author when known.
pub fn entries(doc: &mut AutoCommit) -> Vec<Entry> {
    doc.get_changes_meta(&[])
        .into_iter()
        .map(|c| {
            let at = c.timestamp.saturating_mul(1000);
            let message = c.message.as_deref().unwrap_or_default();
            let mut parts = message.split('\t');
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some(TAG), Some(by), Some(verb), Some(section)) => Entry {
                    at,
                    by: by.to_string(),
                    verb: verb.to_string(),
                    section: section.to_string(),
                },
                _ => Entry {
                    at,
                    by: String::new(),
                    verb: message.to_string(),
                    section: String::new(),
                },
            }
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

/// Groups `entries` (sorted by time, stable) into runs; newest run first.
pub fn grouped(mut entries: Vec<Entry>, gap_ms: i64) -> Vec<Group> {
    entries.sort_by_key(|e| e.at);
    let mut out: Vec<Group> = Vec::new();
    for e in entries {
        match out.last_mut() {
            Some(g)
                if g.first.by == e.by
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
