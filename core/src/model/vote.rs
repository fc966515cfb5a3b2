//! A vote of the network (votación), e.g. the network's name: a proposals phase where members
//! add options, then a voting phase (one choice, several, or a ranking) where each member casts
//! one ballot, offline too, and the facilitator's closing freezes the result.
//!
//! Phases are recorded as heads, so every replica decides the same whatever order changes
//! arrive in: the options offered are the options as they were when voting opened (one added
//! or removed after is not), and a ballot counts as it was when the vote closed (one cast or
//! changed after is shown as late and not counted). Ballots live in one map keyed by member:
//! one ballot per person, whatever the merge order; a member writes only her own.

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use super::doc::{DocError, Document};
use super::history::{self, Stamp, Verb};
use super::lenient;
pub use super::mark::Mark;
use crate::order;

pub const KIND: &str = "juntas/vote";
pub const SCHEMA_VERSION: u64 = 1;
pub const OPTIONS: &str = "options";
pub const BALLOTS: &str = "ballots";
/// When voting opened: `<ms>|<member>|<heads>`, in one value.
pub const OPENED: &str = "opened";
/// When the vote closed, the same way.
pub const CLOSED: &str = "closed";

/// How members vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One option.
    One,
    /// Up to `max` options.
    Several { max: u32 },
    /// Every option in order of preference, counted by Borda (first of n gets n − 1 points).
    Ranking,
}

impl Method {
    fn encode(self) -> String {
        match self {
            Method::One => "una".into(),
            Method::Several { max } => format!("varias:{max}"),
            Method::Ranking => "ranking".into(),
        }
    }

    fn decode(s: &str) -> Option<Method> {
        match s {
            "una" => Some(Method::One),
            "ranking" => Some(Method::Ranking),
            _ => s.strip_prefix("varias:")?.parse().ok().map(|max| Method::Several { max }),
        }
    }
}

/// Where the vote stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Proposals,
    Voting,
    Closed,
}

/// An option as offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub id: String,
    pub label: String,
    /// The member who proposed it.
    pub by: String,
}

/// The vote as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    pub network_id: String,
    pub question: String,
    pub method: Method,
    pub anonymous: bool,
    pub opened: Option<Mark>,
    pub closed: Option<Mark>,
    /// While proposing: every option now; once voting opened: the options as they were then.
    pub options: Vec<Choice>,
    /// Options proposed (or removed) after voting opened: not offered.
    pub late_options: usize,
    /// member → her ballot (option ids) as it counts (at the closing's heads once closed).
    pub ballots: BTreeMap<String, Vec<String>>,
    /// member → a ballot cast or changed after the closing (not counted).
    pub late: BTreeMap<String, Vec<String>>,
}

impl Vote {
    pub fn phase(&self) -> Phase {
        match (&self.opened, &self.closed) {
            (_, Some(_)) => Phase::Closed,
            (Some(_), None) => Phase::Voting,
            (None, None) => Phase::Proposals,
        }
    }
}

/// Why a vote command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoteError {
    #[error("the vote needs a question")]
    MissingQuestion,
    #[error("an option needs a name")]
    EmptyOption,
    #[error("options are proposed before voting opens")]
    NotProposing,
    #[error("voting is not open")]
    NotVoting,
    #[error("voting needs at least two options")]
    TooFewOptions,
    #[error("this ballot does not fit the vote: {0}")]
    BadBallot(&'static str),
    /// The document could not be read, or Automerge refused the change.
    #[error(transparent)]
    Doc(#[from] DocError),
}

/// Writes a new vote into an empty document (the proposals phase).
pub fn create(
    doc: &mut AutoCommit,
    network_id: &str,
    question: &str,
    method: Method,
    anonymous: bool,
    stamp: &Stamp,
) -> Result<(), VoteError> {
    if question.trim().is_empty() {
        return Err(VoteError::MissingQuestion);
    }
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        doc.put(ROOT, "kind", KIND)?;
        doc.put(ROOT, "schema_version", SCHEMA_VERSION)?;
        doc.put(ROOT, "network_id", network_id)?;
        doc.put(ROOT, "question", question.trim())?;
        doc.put(ROOT, "method", method.encode())?;
        doc.put(ROOT, "anonymous", anonymous)?;
        doc.put_object(ROOT, OPTIONS, ObjType::Map)?;
        doc.put_object(ROOT, BALLOTS, ObjType::Map)?;
        Ok(())
    };
    write(doc)?;
    history::commit(doc, stamp, Verb::CreateVote, "");
    Ok(())
}

/// A member proposes an option (`id` new), during the proposals phase.
pub fn propose(
    doc: &mut AutoCommit,
    id: &str,
    label: &str,
    stamp: &Stamp,
) -> Result<(), VoteError> {
    if read(doc)?.phase() != Phase::Proposals {
        return Err(VoteError::NotProposing);
    }
    if label.trim().is_empty() {
        return Err(VoteError::EmptyOption);
    }
    let options = lenient::map(doc, &ROOT, OPTIONS)?;
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        let o = doc.put_object(&options, id, ObjType::Map)?;
        doc.put(&o, "label", label.trim())?;
        doc.put(&o, "by", stamp.by.as_str())?;
        Ok(())
    };
    write(doc)?;
    history::commit(doc, stamp, Verb::Propose, id);
    Ok(())
}

fn mark(doc: &mut AutoCommit, key: &str, stamp: &Stamp, verb: Verb) -> Result<(), VoteError> {
    let m = Mark { at: stamp.at, by: stamp.by.clone(), heads: doc.get_heads() };
    doc.put(ROOT, key, m.encode()).map_err(DocError::from)?;
    history::commit(doc, stamp, verb, "");
    Ok(())
}

/// "Abrir la votación": the options are locked as they are now.
pub fn open(doc: &mut AutoCommit, stamp: &Stamp) -> Result<(), VoteError> {
    let v = read(doc)?;
    if v.phase() != Phase::Proposals {
        return Err(VoteError::NotProposing);
    }
    if v.options.len() < 2 {
        return Err(VoteError::TooFewOptions);
    }
    mark(doc, OPENED, stamp, Verb::OpenVote)
}

/// "Cerrar la votación": the ballots count as they are now.
pub fn close(doc: &mut AutoCommit, stamp: &Stamp) -> Result<(), VoteError> {
    if read(doc)?.phase() != Phase::Voting {
        return Err(VoteError::NotVoting);
    }
    mark(doc, CLOSED, stamp, Verb::CloseVote)
}

/// Checks a ballot against the vote's method and options.
pub fn check_ballot(v: &Vote, ballot: &[String]) -> Result<(), VoteError> {
    let offered: BTreeSet<&str> = order::set_of(v.options.iter().map(|o| o.id.as_str()));
    let unique: BTreeSet<&str> = order::set_of(ballot.iter().map(String::as_str));
    if unique.len() != ballot.len() {
        return Err(VoteError::BadBallot("an option twice"));
    }
    if !unique.is_subset(&offered) {
        return Err(VoteError::BadBallot("an option not offered"));
    }
    match v.method {
        Method::One if ballot.len() != 1 => Err(VoteError::BadBallot("one option")),
        Method::Several { max } if ballot.is_empty() || ballot.len() > max as usize => {
            Err(VoteError::BadBallot("too many or no options"))
        }
        Method::Ranking if ballot.len() != offered.len() => {
            Err(VoteError::BadBallot("every option, in order"))
        }
        _ => Ok(()),
    }
}

/// `stamp.by` casts (or changes) her ballot: option ids (in order of preference for a ranking).
pub fn cast(doc: &mut AutoCommit, ballot: &[String], stamp: &Stamp) -> Result<(), VoteError> {
    let v = read(doc)?;
    if v.phase() != Phase::Voting {
        return Err(VoteError::NotVoting);
    }
    check_ballot(&v, ballot)?;
    let ballots = lenient::map(doc, &ROOT, BALLOTS)?;
    doc.put(&ballots, stamp.by.as_str(), ballot.join(",")).map_err(DocError::from)?;
    history::commit(doc, stamp, Verb::Cast, "");
    Ok(())
}

fn read_options(doc: &AutoCommit, at: Option<&[ChangeHash]>) -> Result<Vec<Choice>, DocError> {
    let options = lenient::map(doc, &ROOT, OPTIONS)?;
    let keys: Vec<String> = match at {
        Some(h) => doc.keys_at(&options, h).collect(),
        None => doc.keys(&options).collect(),
    };
    let mut out = Vec::new();
    for id in keys {
        let obj = match at {
            Some(h) => doc.get_at(&options, &id, h)?,
            None => doc.get(&options, &id)?,
        };
        let Some((Value::Object(ObjType::Map), o)) = obj else { continue };
        let text = |key: &str| -> Result<String, DocError> {
            let v = match at {
                Some(h) => doc.get_at(&o, key, h)?,
                None => doc.get(&o, key)?,
            };
            Ok(match v {
                Some((Value::Scalar(s), _)) => s.as_str().unwrap_or_default().to_owned(),
                _ => String::new(),
            })
        };
        out.push(Choice { label: text("label")?, by: text("by")?, id });
    }
    Ok(out)
}

fn ballot_of(value: Option<(Value<'_>, ObjId)>) -> Option<Vec<String>> {
    match value? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Str(t) => {
                Some(t.split(',').filter(|x| !x.is_empty()).map(str::to_owned).collect())
            }
            _ => None,
        },
        _ => None,
    }
}

/// A vote document (`kind` [`KIND`]).
pub struct VoteDoc;

impl Document for VoteDoc {
    const KIND: &'static str = KIND;
    const SCHEMA: u64 = SCHEMA_VERSION;
    type Plain = Vote;

    fn read(doc: &AutoCommit) -> Result<Vote, DocError> {
        Self::check(doc)?;
        let mark_at = |key: &str| -> Result<Option<Mark>, DocError> {
            match lenient::opt_string(doc, &ROOT, key)? {
                Some(s) => Mark::decode(&s)
                    .map(Some)
                    .ok_or_else(|| DocError::shape(key, format!("not a mark: {s:?}"))),
                None => Ok(None),
            }
        };
        let (opened, closed) = (mark_at(OPENED)?, mark_at(CLOSED)?);
        let method_text = lenient::string(doc, &ROOT, "method")?;
        let method = Method::decode(&method_text)
            .ok_or_else(|| DocError::shape("method", format!("unknown method {method_text:?}")))?;
        let now = read_options(doc, None)?;
        let options = match &opened {
            Some(m) => read_options(doc, Some(&m.heads))?,
            None => now.clone(),
        };
        let late_options = now.iter().filter(|o| !options.contains(o)).count()
            + options.iter().filter(|o| !now.contains(o)).count();
        let ballots_id = lenient::map(doc, &ROOT, BALLOTS)?;
        let (mut ballots, mut late) = (BTreeMap::new(), BTreeMap::new());
        for member in doc.keys(&ballots_id).collect::<Vec<_>>() {
            let current = ballot_of(doc.get(&ballots_id, &member)?);
            let counted = match &closed {
                None => current.clone(),
                Some(m) => ballot_of(doc.get_at(&ballots_id, &member, &m.heads)?),
            };
            if let Some(b) = &counted {
                ballots.insert(member.clone(), b.clone());
            }
            if let Some(c) = current
                && counted.as_ref() != Some(&c)
            {
                late.insert(member, c);
            }
        }
        Ok(Vote {
            network_id: lenient::string(doc, &ROOT, "network_id")?,
            question: lenient::string(doc, &ROOT, "question")?,
            method,
            anonymous: !matches!(
                doc.get(ROOT, "anonymous")?,
                Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Boolean(false))
            ),
            opened,
            closed,
            options,
            late_options,
            ballots,
            late,
        })
    }
}

/// Reads a vote, checking its kind and schema.
pub fn read(doc: &AutoCommit) -> Result<Vote, DocError> {
    VoteDoc::read(doc)
}

/// The count: per option (in the order offered) its votes — or, for a ranking, its Borda
/// points — the winners (ties all named), and the ballots left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// (option, votes or points), most first, then by label.
    pub rows: Vec<(Choice, u32)>,
    pub winners: Vec<String>,
    /// Ballots counted.
    pub counted: usize,
    /// Ballots that do not fit the vote (a modified client): not counted, and said so.
    pub invalid: usize,
    /// Ballots cast or changed after the closing.
    pub late: usize,
}

/// Counts `v`'s ballots, the same on every replica that has the same changes.
pub fn tally(v: &Vote) -> Tally {
    let mut score: BTreeMap<&str, u32> =
        order::map_of(v.options.iter().map(|o| (o.id.as_str(), 0)));
    let (mut counted, mut invalid) = (0, 0);
    let n = v.options.len() as u32;
    for ballot in v.ballots.values() {
        if check_ballot(v, ballot).is_err() {
            invalid += 1;
            continue;
        }
        counted += 1;
        for (rank, id) in ballot.iter().enumerate() {
            let points = match v.method {
                Method::Ranking => n - 1 - rank as u32,
                _ => 1,
            };
            *score.entry(id.as_str()).or_default() += points;
        }
    }
    let mut rows: Vec<(Choice, u32)> =
        v.options.iter().map(|o| (o.clone(), score[o.id.as_str()])).collect();
    order::sort_by(&mut rows, |a, b| b.1.cmp(&a.1).then_with(|| a.0.label.cmp(&b.0.label)));
    let top = rows.first().map_or(0, |r| r.1);
    let winners = if counted == 0 {
        Vec::new()
    } else {
        rows.iter().filter(|r| r.1 == top).map(|r| r.0.label.clone()).collect()
    };
    Tally { rows, winners, counted, invalid, late: v.late.len() }
}
