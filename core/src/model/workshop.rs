//! A workshop of the network (taller) and its exit ticket (ticket de salida): the facilitator
//! makes the workshop with its questions; every member answers from her phone, offline if
//! need be, one answer per person, editable until the facilitator closes the ticket.
//!
//! Answers live in one map keyed `<member>/<question>`, each a scalar (text, or a whole number
//! for the 1–5 scale): two devices of one person answering at once keep one value per
//! question (Automerge's last writer, the same on every replica), and a member writes only
//! her own keys (the rules). Closing records the document's heads: what counts is each answer
//! as it was at those heads; an answer made or changed after them (a phone that was offline
//! when the ticket closed) is shown as late and not counted, the same on every replica.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use super::doc::{DocError, Document};
use super::history::{self, Stamp, Verb};
use super::lenient;
use super::mark::Mark;
use super::network::{Member, Role};

pub const KIND: &str = "juntas/workshop";
pub const SCHEMA_VERSION: u64 = 1;
/// Where the answers live (`<member>/<question>` → text or 1–5).
pub const ANSWERS: &str = "answers";
/// Where the closing lives: one string, `<ms>|<member>|<hash>,<hash>…` (written at once, so
/// two facilitators closing at once leave one whole closing, never a mix).
pub const CLOSED: &str = "closed";
/// The scale's ends.
pub const SCALE: std::ops::RangeInclusive<i64> = 1..=5;

/// What a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    /// Free text.
    Text,
    /// A whole number on [`SCALE`] (1 = nada útil, 5 = muy útil).
    Scale,
}

impl QuestionKind {
    fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Text => "texto",
            QuestionKind::Scale => "escala",
        }
    }

    fn parse(s: &str) -> Option<QuestionKind> {
        match s {
            "texto" => Some(QuestionKind::Text),
            "escala" => Some(QuestionKind::Scale),
            _ => None,
        }
    }
}

/// One question of the exit ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// "q1", "q2"…: the key its answers use.
    pub id: String,
    pub text: String,
    pub kind: QuestionKind,
}

/// The exit ticket the seed's workshops closed with (the facilitator may reword it).
pub fn default_questions() -> Vec<Question> {
    let q = |id: &str, text: &str, kind| Question { id: id.into(), text: text.into(), kind };
    vec![
        q("q1", "¿Qué me llevo de esta sesión?", QuestionKind::Text),
        q("q2", "¿Qué duda o inquietud me queda?", QuestionKind::Text),
        q("q3", "¿Qué tan útil fue la sesión? (1 = nada, 5 = muy útil)", QuestionKind::Scale),
    ]
}

/// What the facilitator fills in to make a workshop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct New {
    pub title: String,
    /// "YYYY-MM-DD".
    pub date: String,
    pub place: String,
    pub agenda: String,
    pub questions: Vec<Question>,
    /// The results never name who answered (the default).
    pub anonymous: bool,
}

/// An answer as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Text(String),
    Scale(i64),
}

/// The workshop as plain data, with every answer (counted or late).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workshop {
    pub network_id: String,
    pub title: String,
    pub date: String,
    pub place: String,
    pub agenda: String,
    pub questions: Vec<Question>,
    pub anonymous: bool,
    pub closing: Option<Mark>,
    /// member → question → her answer as it counts (at the closing's heads once closed).
    pub answers: BTreeMap<String, BTreeMap<String, Answer>>,
    /// member → question → an answer made or changed after the closing (not counted).
    pub late: BTreeMap<String, BTreeMap<String, Answer>>,
    /// Stored answers that are not an answer to one of its questions (a key or value this
    /// build does not read): not counted, and said so.
    pub unreadable: usize,
}

/// Why a workshop command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkshopError {
    #[error("the workshop needs a title")]
    MissingTitle,
    #[error("the exit ticket needs at least one question")]
    NoQuestions,
    #[error("there is no question {0}")]
    UnknownQuestion(String),
    #[error("a scale answer goes from 1 to 5, got {0}")]
    OutOfScale(i64),
    #[error("the exit ticket is closed")]
    Closed,
    /// The document could not be read, or Automerge refused the change.
    #[error(transparent)]
    Doc(#[from] DocError),
}

/// Writes a new workshop into an empty document.
pub fn create(
    doc: &mut AutoCommit,
    network_id: &str,
    new: &New,
    stamp: &Stamp,
) -> Result<(), WorkshopError> {
    if new.title.trim().is_empty() {
        return Err(WorkshopError::MissingTitle);
    }
    let questions: Vec<&Question> =
        new.questions.iter().filter(|q| !q.text.trim().is_empty()).collect();
    if questions.is_empty() {
        return Err(WorkshopError::NoQuestions);
    }
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        doc.put(ROOT, "kind", KIND)?;
        doc.put(ROOT, "schema_version", SCHEMA_VERSION)?;
        doc.put(ROOT, "network_id", network_id)?;
        doc.put(ROOT, "title", new.title.trim())?;
        doc.put(ROOT, "date", new.date.as_str())?;
        doc.put(ROOT, "place", new.place.trim())?;
        doc.put(ROOT, "agenda", new.agenda.trim())?;
        doc.put(ROOT, "anonymous", new.anonymous)?;
        let list = doc.put_object(ROOT, "questions", ObjType::List)?;
        for (i, q) in questions.iter().enumerate() {
            let m = doc.insert_object(&list, i, ObjType::Map)?;
            doc.put(&m, "id", q.id.as_str())?;
            doc.put(&m, "text", q.text.trim())?;
            doc.put(&m, "kind", q.kind.as_str())?;
        }
        doc.put_object(ROOT, ANSWERS, ObjType::Map)?;
        Ok(())
    };
    write(doc)?;
    history::commit(doc, stamp, Verb::CreateWorkshop, "");
    Ok(())
}

/// The key of `member`'s answer to `question`.
pub fn answer_key(member: &str, question: &str) -> String {
    format!("{member}/{question}")
}

fn answers_obj(doc: &AutoCommit) -> Result<ObjId, DocError> {
    lenient::map(doc, &ROOT, ANSWERS)
}

/// `stamp.by` answers `question`: a text (trimmed; empty removes her answer) or a number on
/// the scale. Refused once the ticket is closed (a phone that had not heard of the closing
/// still writes, and its answer is shown as late).
pub fn answer(
    doc: &mut AutoCommit,
    question: &str,
    value: Answer,
    stamp: &Stamp,
) -> Result<(), WorkshopError> {
    let w = read(doc)?;
    if w.closing.is_some() {
        return Err(WorkshopError::Closed);
    }
    let q = w
        .questions
        .iter()
        .find(|q| q.id == question)
        .ok_or_else(|| WorkshopError::UnknownQuestion(question.to_owned()))?;
    let answers = answers_obj(doc)?;
    let key = answer_key(&stamp.by, question);
    match (q.kind, value) {
        (QuestionKind::Scale, Answer::Scale(n)) if SCALE.contains(&n) => {
            doc.put(&answers, key, n).map_err(DocError::from)?;
        }
        (QuestionKind::Scale, Answer::Scale(n)) => return Err(WorkshopError::OutOfScale(n)),
        (QuestionKind::Text, Answer::Text(t)) if t.trim().is_empty() => {
            if doc.get(&answers, &key).map_err(DocError::from)?.is_none() {
                return Ok(());
            }
            doc.delete(&answers, key).map_err(DocError::from)?;
        }
        (QuestionKind::Text, Answer::Text(t)) => {
            doc.put(&answers, key, t.trim()).map_err(DocError::from)?;
        }
        _ => return Err(WorkshopError::UnknownQuestion(question.to_owned())),
    }
    history::commit(doc, stamp, Verb::Answer, question);
    Ok(())
}

/// "Cerrar el ticket": what has arrived until now counts; nothing after.
pub fn close(doc: &mut AutoCommit, stamp: &Stamp) -> Result<(), WorkshopError> {
    if read(doc)?.closing.is_some() {
        return Ok(());
    }
    let closing = Mark { at: stamp.at, by: stamp.by.clone(), heads: doc.get_heads() };
    doc.put(ROOT, CLOSED, closing.encode()).map_err(DocError::from)?;
    history::commit(doc, stamp, Verb::CloseTicket, "");
    Ok(())
}

/// A value as an answer to a question of `kind`; None when it is not one.
fn answer_of(value: &Value<'_>, kind: QuestionKind) -> Option<Answer> {
    let Value::Scalar(s) = value else { return None };
    match (kind, s.as_ref()) {
        (QuestionKind::Text, ScalarValue::Str(t)) => Some(Answer::Text(t.to_string())),
        (QuestionKind::Scale, ScalarValue::Int(n)) if SCALE.contains(n) => Some(Answer::Scale(*n)),
        (QuestionKind::Scale, ScalarValue::Uint(n)) if SCALE.contains(&(*n as i64)) => {
            Some(Answer::Scale(*n as i64))
        }
        _ => None,
    }
}

fn read_questions(doc: &AutoCommit) -> Result<Vec<Question>, DocError> {
    let Some((Value::Object(ObjType::List), list)) = doc.get(ROOT, "questions")? else {
        return Err(DocError::shape("questions", "not a list"));
    };
    let mut out = Vec::new();
    for i in 0..doc.length(&list) {
        let Some((Value::Object(ObjType::Map), q)) = doc.get(&list, i)? else {
            return Err(DocError::shape(format!("questions.{i}"), "not a map"));
        };
        let kind = lenient::string(doc, &q, "kind")?;
        out.push(Question {
            id: lenient::string(doc, &q, "id")?,
            text: lenient::string(doc, &q, "text")?,
            kind: QuestionKind::parse(&kind).ok_or_else(|| {
                DocError::shape(format!("questions.{i}.kind"), format!("unknown kind {kind:?}"))
            })?,
        });
    }
    Ok(out)
}

/// A workshop document (`kind` [`KIND`]).
pub struct WorkshopDoc;

impl Document for WorkshopDoc {
    const KIND: &'static str = KIND;
    const SCHEMA: u64 = SCHEMA_VERSION;
    type Plain = Workshop;

    fn read(doc: &AutoCommit) -> Result<Workshop, DocError> {
        Self::check(doc)?;
        let questions = read_questions(doc)?;
        let closing = match lenient::opt_string(doc, &ROOT, CLOSED)? {
            Some(s) => Some(
                Mark::decode(&s)
                    .ok_or_else(|| DocError::shape(CLOSED, format!("not a closing: {s:?}")))?,
            ),
            None => None,
        };
        let kind_of = |q: &str| questions.iter().find(|x| x.id == q).map(|x| x.kind);
        let answers_id = answers_obj(doc)?;
        let (mut answers, mut late) = (BTreeMap::new(), BTreeMap::new());
        let mut unreadable = 0;
        // Once closed, the answers there were at the closing too: one cleared since (on a
        // device that did not know yet) still counts as it was.
        let mut keys: std::collections::BTreeSet<String> = doc.keys(&answers_id).collect();
        if let Some(c) = &closing {
            keys.extend(doc.keys_at(&answers_id, &c.heads));
        }
        for key in keys {
            let parsed = key.split_once('/').and_then(|(m, q)| Some((m, q, kind_of(q)?)));
            let Some((member, question, kind)) = parsed else {
                unreadable += 1;
                continue;
            };
            let now = doc.get(&answers_id, &key)?.and_then(|(v, _)| answer_of(&v, kind));
            let counted = match &closing {
                None => now.clone(),
                Some(c) => {
                    doc.get_at(&answers_id, &key, &c.heads)?.and_then(|(v, _)| answer_of(&v, kind))
                }
            };
            let is_value = doc.get(&answers_id, &key)?.is_some();
            if now.is_none() && is_value {
                unreadable += 1;
            }
            if let Some(a) = &counted {
                answers
                    .entry(member.to_owned())
                    .or_insert_with(BTreeMap::new)
                    .insert(question.to_owned(), a.clone());
            }
            if let Some(n) = now
                && counted.as_ref() != Some(&n)
            {
                late.entry(member.to_owned())
                    .or_insert_with(BTreeMap::new)
                    .insert(question.to_owned(), n);
            }
        }
        Ok(Workshop {
            network_id: lenient::string(doc, &ROOT, "network_id")?,
            title: lenient::string(doc, &ROOT, "title")?,
            date: lenient::string(doc, &ROOT, "date")?,
            place: lenient::string(doc, &ROOT, "place")?,
            agenda: lenient::string(doc, &ROOT, "agenda")?,
            anonymous: !matches!(
                doc.get(ROOT, "anonymous")?,
                Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Boolean(false))
            ),
            questions,
            closing,
            answers,
            late,
            unreadable,
        })
    }
}

/// Reads a workshop, checking its kind and schema.
pub fn read(doc: &AutoCommit) -> Result<Workshop, DocError> {
    WorkshopDoc::read(doc)
}

/// What the results page shows for one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tally {
    /// Every text answer, sorted (never who wrote it when the ticket is anonymous).
    Texts(Vec<String>),
    /// How many chose 1, 2, 3, 4 and 5, and the mean ×10 (None with no answer).
    Scale { counts: [u32; 5], mean_tenths: Option<u32> },
}

/// The exit ticket's results: how many answered, each question's tally, what arrived late.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Results {
    /// Members with at least one counted answer.
    pub answered: usize,
    /// Per question, in the ticket's order.
    pub tallies: Vec<(Question, Tally)>,
    /// Members whose answer (or a change to it) arrived after the closing.
    pub late: usize,
    /// See [`Workshop::unreadable`].
    pub unreadable: usize,
}

/// How many people an exit ticket asks, the "M" of "Respondieron N de M": every member of the
/// network but its facilitators (they run the workshop), plus anyone else whose answer counts
/// (a facilitator who answered, a member since removed), so N never exceeds M.
pub fn asked(members: &BTreeMap<String, Member>, w: &Workshop) -> usize {
    let listed = members
        .iter()
        .filter(|(id, m)| m.role != Role::Facilitator || w.answers.contains_key(*id))
        .count();
    listed + w.answers.keys().filter(|id| !members.contains_key(*id)).count()
}

/// The results of `w`, the same on every replica that has the same changes.
pub fn results(w: &Workshop) -> Results {
    let tallies = w
        .questions
        .iter()
        .map(|q| {
            let given = w.answers.values().filter_map(|a| a.get(&q.id));
            let tally = match q.kind {
                QuestionKind::Text => {
                    let mut texts: Vec<String> = given
                        .filter_map(|a| match a {
                            Answer::Text(t) => Some(t.clone()),
                            Answer::Scale(_) => None,
                        })
                        .collect();
                    crate::order::sort(&mut texts);
                    Tally::Texts(texts)
                }
                QuestionKind::Scale => {
                    let mut counts = [0u32; 5];
                    for a in given {
                        if let Answer::Scale(n) = a {
                            counts[(*n - 1) as usize] += 1;
                        }
                    }
                    let total: u32 = counts.iter().sum();
                    let sum: u32 = counts.iter().zip(1..).map(|(c, v)| c * v).sum();
                    let mean_tenths = (total > 0).then(|| (sum * 10 + total / 2) / total);
                    Tally::Scale { counts, mean_tenths }
                }
            };
            (q.clone(), tally)
        })
        .collect();
    Results { answered: w.answers.len(), tallies, late: w.late.len(), unreadable: w.unreadable }
}
