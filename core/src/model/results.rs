//! An inquiry's "Resultados" as plain data: the finalised records side by side, the total of
//! children with an NEE diagnosis (and whether it is partial: records this device cannot
//! read, counts that are not a number), the network's centres with no record yet, the
//! principals' reflections for the workshop's round 1, and the answers by question.

use std::collections::BTreeSet;

use super::inquiry::{Inquiry, OBSERVATIONS, Record, parse_count};

/// One record of the inquiry as this device could read it: its document id, and its
/// content or why it cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordReading {
    pub id: String,
    pub record: Result<Record, String>,
}

impl RecordReading {
    /// A record that was read.
    pub fn read(id: impl Into<String>, record: Record) -> RecordReading {
        RecordReading { id: id.into(), record: Ok(record) }
    }

    /// A record listed in the inquiry that cannot be read here, and why.
    pub fn unreadable(id: impl Into<String>, reason: impl Into<String>) -> RecordReading {
        RecordReading { id: id.into(), record: Err(reason.into()) }
    }
}

/// A finalised record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finalised {
    pub id: String,
    pub record: Record,
}

/// One finalised record's line in the NEE table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeeRow {
    pub record: String,
    pub centre: String,
    /// The count as typed (trimmed).
    pub text: String,
    /// The count, when it is a whole number.
    pub count: Option<u32>,
}

/// Why a record is not in the NEE total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeftOut {
    /// The record could not be read here (it may or may not be finalised).
    Unreadable(String),
    /// The finalised record's count is not a whole number (the text as typed, trimmed).
    NotACount(String),
}

/// A record the NEE total leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOutRecord {
    pub record: String,
    /// The centre's name (empty when not known: an unreadable record of a centre the network
    /// no longer has).
    pub centre: String,
    pub why: LeftOut,
}

/// The total of children with an NEE diagnosis across finalised records.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NeeTotal {
    pub total: u32,
    /// Every finalised record, in the order given.
    pub rows: Vec<NeeRow>,
    /// Records not counted, in the order given.
    pub left_out: Vec<LeftOutRecord>,
}

impl NeeTotal {
    /// Whether the total may be short: some record could not be read or counted.
    pub fn is_partial(&self) -> bool {
        !self.left_out.is_empty()
    }
}

/// A record that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub id: String,
    /// The centre the inquiry lists it under, if it does.
    pub centre_id: Option<String>,
    /// That centre's name, if the network has it.
    pub centre_name: Option<String>,
    pub reason: String,
}

/// A centre of the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentreName {
    pub id: String,
    pub name: String,
}

/// What a principal reflected (round 1: how the inquiry went).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reflection {
    pub centre: String,
    pub text: String,
}

/// One participant's answer to a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub centre: String,
    pub name: String,
    pub role: String,
    pub answer: String,
}

/// A question as the records have it, and every participant's answer to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub title: String,
    pub answers: Vec<Answer>,
}

/// Everything Resultados shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Results {
    /// Finalised, readable records in the order given.
    pub finalised: Vec<Finalised>,
    pub nee: NeeTotal,
    /// Centres of the network (in the order given) with no finalised record and no
    /// unreadable one: a centre whose record cannot be read here is in `unreadable` instead.
    pub missing: Vec<CentreName>,
    /// Records that could not be read, in the order given.
    pub unreadable: Vec<Unreadable>,
    /// Non-empty reflections (observations) of the finalised records, trimmed.
    pub reflections: Vec<Reflection>,
    /// By question number: the title the first record that has it gives it (a record keeps
    /// its own version's wording), and every participant of every finalised record (an
    /// empty answer when the record has no such question).
    pub questions: Vec<Question>,
}

impl Results {
    /// The finalised records, for the answers CSV.
    pub fn records(&self) -> Vec<Record> {
        self.finalised.iter().map(|f| f.record.clone()).collect()
    }
}

/// Resultados of `inquiry` from its `records` as read here and the network's `centres`
/// (`(centre id, name)`, in the order to list them).
pub fn results(
    inquiry: &Inquiry,
    records: &[RecordReading],
    centres: &[(String, String)],
) -> Results {
    let name_of = |centre: &str| centres.iter().find(|(id, _)| id == centre).map(|(_, n)| n);
    let mut out = Results::default();
    for RecordReading { id, record } in records {
        match record {
            Ok(record) if record.finalised_at.is_some() => {
                let text = record.field("nee_count").trim().to_string();
                let count = parse_count(&text);
                match count {
                    Some(n) => out.nee.total = out.nee.total.saturating_add(n),
                    None => out.nee.left_out.push(LeftOutRecord {
                        record: id.clone(),
                        centre: record.centre_name.clone(),
                        why: LeftOut::NotACount(text.clone()),
                    }),
                }
                out.nee.rows.push(NeeRow {
                    record: id.clone(),
                    centre: record.centre_name.clone(),
                    text,
                    count,
                });
                out.finalised.push(Finalised { id: id.clone(), record: record.clone() });
            }
            Ok(_) => {}
            Err(reason) => {
                let centre_id = inquiry.records.get(id).cloned();
                let centre_name = centre_id.as_deref().and_then(name_of).cloned();
                out.nee.left_out.push(LeftOutRecord {
                    record: id.clone(),
                    centre: centre_name.clone().unwrap_or_default(),
                    why: LeftOut::Unreadable(reason.clone()),
                });
                out.unreadable.push(Unreadable {
                    id: id.clone(),
                    centre_id,
                    centre_name,
                    reason: reason.clone(),
                });
            }
        }
    }

    let accounted: BTreeSet<&str> = out
        .finalised
        .iter()
        .map(|f| f.record.centre_id.as_str())
        .chain(out.unreadable.iter().filter_map(|u| u.centre_id.as_deref()))
        .collect();
    out.missing = centres
        .iter()
        .filter(|(id, _)| !accounted.contains(id.as_str()))
        .map(|(id, name)| CentreName { id: id.clone(), name: name.clone() })
        .collect();

    out.reflections = out
        .finalised
        .iter()
        .map(|f| Reflection {
            centre: f.record.centre_name.clone(),
            text: f.record.field(OBSERVATIONS).trim().to_string(),
        })
        .filter(|r| !r.text.is_empty())
        .collect();

    let n = out.finalised.iter().map(|f| f.record.questions.len()).max().unwrap_or(0);
    out.questions = (0..n)
        .map(|q| Question {
            title: out
                .finalised
                .iter()
                .find_map(|f| f.record.questions.get(q).cloned())
                .unwrap_or_default(),
            answers: out
                .finalised
                .iter()
                .flat_map(|f| {
                    f.record.participants.iter().map(move |p| Answer {
                        centre: f.record.centre_name.clone(),
                        name: p.name.clone(),
                        role: p.role.clone(),
                        answer: p.answers.get(q).cloned().unwrap_or_default(),
                    })
                })
                .collect(),
        })
        .collect();
    out
}
