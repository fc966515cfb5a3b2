//! Inquiries (the annex 6 "pauta de registro"): the network's inquiry definition and each
//! principal's record, one Automerge document each, with the record's validation.
//!
//! Every text a person types in a record is an Automerge `Text` edited by splices, so each
//! keystroke is a change that can be stored at once and merges with a correction made on
//! another device. A record copies the questions and roles of the inquiry version it was
//! started with: the facilitator editing the questions later never changes a record already
//! started. Participants live in a map keyed by id (adding on the phone and on the laptop at
//! once keeps both). Finalising is a timestamp; the record can still be corrected afterwards
//! (every change is in its history).

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use super::doc::{DocError, Document};
use super::history::{self, Stamp, Verb};
use super::lenient;
use super::plan::{SpliceError, int, splice_obj_on, string};

pub const INQUIRY_KIND: &str = "juntas/inquiry";
pub const RECORD_KIND: &str = "juntas/inquiry-record";
pub const SCHEMA_VERSION: u64 = 1;

/// The three participant questions of annex 6.
pub const ANNEX6_QUESTIONS: [&str; 3] = [
    "¿Qué sabe de inclusión?",
    "¿Cuáles son los diagnósticos más comunes que usted ve en su práctica?",
    "¿Cómo trabaja la inclusión en el aula o en su día a día?",
];

/// Participant roles offered by default.
pub const DEFAULT_ROLES: [&str; 5] =
    ["Educadora de párvulos", "Técnica en educación parvularia", "Apoderado/a", "Auxiliar", "Otro"];

pub const MIN_PARTICIPANTS: usize = 2;
pub const MAX_PARTICIPANTS: usize = 3;

/// What the facilitator defines (one version of it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Definition {
    pub title: String,
    pub challenge: String,
    pub keywords: String,
    pub diagnosis: String,
    pub questions: Vec<String>,
    pub roles: Vec<String>,
    /// "YYYY-MM-DD", or empty.
    pub deadline: String,
}

impl Definition {
    /// Annex 6 as the seed report wrote it.
    pub fn annex6() -> Definition {
        Definition {
            title: "Indagación: inclusión de niños y niñas con NEE".into(),
            challenge: "Asegurar la incorporación de la perspectiva de inclusión en aulas con \
                niños y niñas con necesidades educativas especiales (NN.EE)."
                .into(),
            keywords: "Inclusión, necesidades educativas especiales, atención de aula".into(),
            diagnosis: "Las directoras de la red tienen la preocupación por la atención de los \
                niños y niñas con necesidades educativas especiales, en específico, si se \
                comparte la perspectiva de la inclusión y la forma en cómo se trabaja en el aula."
                .into(),
            questions: ANNEX6_QUESTIONS.iter().map(|q| q.to_string()).collect(),
            roles: DEFAULT_ROLES.iter().map(|r| r.to_string()).collect(),
            deadline: String::new(),
        }
    }
}

/// The inquiry document as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inquiry {
    pub network_id: String,
    /// The current version of the definition and its number (from 1).
    pub version: u64,
    pub definition: Definition,
    /// Record document id → centre id, for every record started.
    pub records: BTreeMap<String, String>,
    /// Record document id → centre id, for every draft its author deleted ([`list_deleted`]):
    /// what tells members who may not read a record that it is gone, not missing.
    pub deleted: BTreeMap<String, String>,
}

impl Inquiry {
    /// Whether record `id`, listed under `centre`, was deleted by its author as the inquiry
    /// says (a mark under another centre than the listing's is not hers, and is ignored).
    pub fn says_deleted(&self, id: &str, centre: &str) -> bool {
        self.deleted.get(id).is_some_and(|c| c == centre)
    }
}

/// Why an inquiry command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InquiryError {
    #[error("the inquiry needs a title")]
    MissingTitle,
    #[error("the inquiry needs at least one question")]
    NoQuestions,
    #[error("a record has at most {MAX_PARTICIPANTS} participants")]
    TooManyParticipants,
    #[error("there is no participant {0}")]
    UnknownParticipant(String),
    #[error("unknown field {0}")]
    UnknownField(String),
    /// "Finalizar" with something missing: everything missing, in form order.
    #[error("the record is incomplete ({} items)", .0.len())]
    Incomplete(Vec<Missing>),
    #[error("position {at} is past the end of the text ({len} characters)")]
    OutOfRange { at: usize, len: usize },
    /// Deleting a record that was finalised: the facilitation and the SLEP count it.
    #[error("a finalised record is counted and cannot be deleted")]
    Finalised,
    /// Finalising or changing a record its author deleted.
    #[error("the record was deleted")]
    Discarded,
    /// The document could not be read, or Automerge refused the change.
    #[error(transparent)]
    Doc(#[from] DocError),
}

impl From<SpliceError> for InquiryError {
    fn from(e: SpliceError) -> InquiryError {
        match e {
            SpliceError::OutOfRange { at, len } => InquiryError::OutOfRange { at, len },
            SpliceError::Doc(e) => InquiryError::Doc(e),
        }
    }
}

fn put_list(
    doc: &mut AutoCommit,
    obj: &ObjId,
    key: &str,
    items: &[String],
) -> Result<(), DocError> {
    let list = doc.put_object(obj, key, ObjType::List)?;
    for (i, q) in items.iter().enumerate() {
        doc.insert(&list, i, q.as_str())?;
    }
    Ok(())
}

fn read_list(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Vec<String>, DocError> {
    let Some((Value::Object(ObjType::List), list)) = doc.get(obj, key)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for i in 0..doc.length(&list) {
        match doc.get(&list, i)? {
            Some((Value::Scalar(s), _)) => out.push(s.as_str().unwrap_or_default().to_string()),
            Some((Value::Object(ObjType::Text), t)) => out.push(doc.text(&t)?),
            _ => {}
        }
    }
    Ok(out)
}

/// The map at `obj[key]`, if that is a map.
fn map(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<ObjId>, DocError> {
    Ok(match doc.get(obj, key)? {
        Some((Value::Object(ObjType::Map), o)) => Some(o),
        _ => None,
    })
}

fn check_definition(d: &Definition) -> Result<(), InquiryError> {
    if d.title.trim().is_empty() {
        return Err(InquiryError::MissingTitle);
    }
    if d.questions.iter().all(|q| q.trim().is_empty()) {
        return Err(InquiryError::NoQuestions);
    }
    Ok(())
}

fn write_definition(doc: &mut AutoCommit, version: u64, d: &Definition) -> Result<(), DocError> {
    let versions = match map(doc, &ROOT, "versions")? {
        Some(v) => v,
        None => doc.put_object(ROOT, "versions", ObjType::Map)?,
    };
    let v = doc.put_object(&versions, version.to_string(), ObjType::Map)?;
    doc.put(&v, "title", d.title.trim())?;
    doc.put(&v, "challenge", d.challenge.trim())?;
    doc.put(&v, "keywords", d.keywords.trim())?;
    doc.put(&v, "diagnosis", d.diagnosis.trim())?;
    doc.put(&v, "deadline", d.deadline.trim())?;
    let questions: Vec<String> =
        d.questions.iter().map(|q| q.trim().to_string()).filter(|q| !q.is_empty()).collect();
    let roles: Vec<String> =
        d.roles.iter().map(|q| q.trim().to_string()).filter(|q| !q.is_empty()).collect();
    put_list(doc, &v, "questions", &questions)?;
    put_list(doc, &v, "roles", &roles)?;
    doc.put(ROOT, "version", version)?;
    Ok(())
}

/// Writes a new inquiry into an empty document.
pub fn create(
    doc: &mut AutoCommit,
    network_id: &str,
    d: &Definition,
    stamp: &Stamp,
) -> Result<(), InquiryError> {
    check_definition(d)?;
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        doc.put(ROOT, "kind", INQUIRY_KIND)?;
        doc.put(ROOT, "schema_version", SCHEMA_VERSION)?;
        doc.put(ROOT, "network_id", network_id)?;
        doc.put_object(ROOT, "records", ObjType::Map)?;
        doc.put_object(ROOT, DELETED_LIST, ObjType::Map)?;
        write_definition(doc, 1, d)
    };
    write(doc)?;
    history::commit(doc, stamp, Verb::CreateInquiry, "");
    Ok(())
}

/// The facilitator changes the definition: a new version; records keep theirs.
pub fn redefine(doc: &mut AutoCommit, d: &Definition, stamp: &Stamp) -> Result<u64, InquiryError> {
    check_definition(d)?;
    let version = read_inquiry(doc)?.version + 1;
    write_definition(doc, version, d)?;
    history::commit(doc, stamp, Verb::EditInquiry, "");
    Ok(version)
}

/// Lists a record in the inquiry (record document id → centre id).
pub fn list_record(
    doc: &mut AutoCommit,
    record: &str,
    centre: &str,
    stamp: &Stamp,
) -> Result<(), InquiryError> {
    let records = lenient::map(doc, &ROOT, "records")?;
    doc.put(&records, record, centre).map_err(DocError::from)?;
    history::commit(doc, stamp, Verb::ListRecord, "");
    Ok(())
}

/// Where an inquiry marks the records their authors deleted (record id → centre id).
pub const DELETED_LIST: &str = "deleted_records";

/// Marks record `record` (of `centre`) as deleted by its author in the inquiry, so members who
/// may not read the record itself stop counting it as missing (see [`discard`]).
pub fn list_deleted(
    doc: &mut AutoCommit,
    record: &str,
    centre: &str,
    stamp: &Stamp,
) -> Result<(), InquiryError> {
    // Made with the inquiry; one made before it had the list gets it now (two principals
    // making it at once keep one list: a lost mark only makes others read the record as
    // missing, and her record itself still says it is deleted).
    let deleted = match lenient::opt_map(doc, &ROOT, DELETED_LIST)? {
        Some(m) => m,
        None => doc.put_object(ROOT, DELETED_LIST, ObjType::Map).map_err(DocError::from)?,
    };
    doc.put(&deleted, record, centre).map_err(DocError::from)?;
    history::commit(doc, stamp, Verb::Discard, "");
    Ok(())
}

/// Where an inquiry keeps the results its facilitator shared with the whole network.
pub const SHARED: &str = "shared_results";

/// Results a facilitator shared: the finalised records as they were then, readable by every
/// member of the network (records themselves are read only by their author, facilitators and
/// SLEP professionals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    /// When (ms since the epoch) and by whom.
    pub at: i64,
    pub by: String,
    /// Record document id → the record as shared.
    pub records: BTreeMap<String, Record>,
}

/// The facilitator shares `records` (id, record) with the network: they replace whatever was
/// shared before.
pub fn share_results(
    doc: &mut AutoCommit,
    records: &[(String, Record)],
    stamp: &Stamp,
) -> Result<(), InquiryError> {
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        let shared = doc.put_object(ROOT, SHARED, ObjType::Map)?;
        doc.put(&shared, "at", stamp.at)?;
        doc.put(&shared, "by", stamp.by.as_str())?;
        let list = doc.put_object(&shared, "records", ObjType::Map)?;
        for (id, r) in records {
            let json = serde_json::to_string(r)
                .map_err(|e| DocError::shape(format!("{SHARED}.records.{id}"), e.to_string()))?;
            doc.put(&list, id.as_str(), json)?;
        }
        Ok(())
    };
    write(doc)?;
    history::commit(doc, stamp, Verb::ShareResults, "");
    Ok(())
}

/// What the facilitator shared, if anything; a shared record that cannot be read is an error
/// (never silently left out).
pub fn shared_results(doc: &AutoCommit) -> Result<Option<Shared>, DocError> {
    let Some(shared) = map(doc, &ROOT, SHARED)? else { return Ok(None) };
    let at = int(doc, &shared, "at")?;
    let by = string(doc, &shared, "by")?;
    let mut records = BTreeMap::new();
    if let Some(list) = map(doc, &shared, "records")? {
        for k in doc.keys(&list).collect::<Vec<_>>() {
            let json = string(doc, &list, &k)?;
            let r: Record = serde_json::from_str(&json)
                .map_err(|e| DocError::shape(format!("{SHARED}.records.{k}"), e.to_string()))?;
            records.insert(k, r);
        }
    }
    Ok(Some(Shared { at, by, records }))
}

/// An inquiry document (`kind` [`INQUIRY_KIND`]).
pub struct InquiryDoc;

impl Document for InquiryDoc {
    const KIND: &'static str = INQUIRY_KIND;
    const SCHEMA: u64 = SCHEMA_VERSION;
    type Plain = Inquiry;

    fn read(doc: &AutoCommit) -> Result<Inquiry, DocError> {
        Self::check(doc)?;
        let version = lenient::u64(doc, &ROOT, "version")?;
        let versions = lenient::map(doc, &ROOT, "versions")?;
        let v = lenient::map(doc, &versions, &version.to_string())?;
        let definition = Definition {
            title: string(doc, &v, "title")?,
            challenge: string(doc, &v, "challenge")?,
            keywords: string(doc, &v, "keywords")?,
            diagnosis: string(doc, &v, "diagnosis")?,
            deadline: string(doc, &v, "deadline")?,
            questions: read_list(doc, &v, "questions")?,
            roles: read_list(doc, &v, "roles")?,
        };
        let listing = |key: &str| -> Result<BTreeMap<String, String>, DocError> {
            let mut out = BTreeMap::new();
            if let Some(r) = map(doc, &ROOT, key)? {
                for k in doc.keys(&r).collect::<Vec<_>>() {
                    out.insert(k.clone(), string(doc, &r, &k)?);
                }
            }
            Ok(out)
        };
        Ok(Inquiry {
            network_id: string(doc, &ROOT, "network_id")?,
            version,
            definition,
            records: listing("records")?,
            deleted: listing(DELETED_LIST)?,
        })
    }
}

/// Reads the inquiry and its current definition.
pub fn read_inquiry(doc: &AutoCommit) -> Result<Inquiry, DocError> {
    InquiryDoc::read(doc)
}

// ---------------------------------------------------------------------------------------
// Records.

/// The record's own text fields (each an Automerge Text).
pub const TEXT_FIELDS: [&str; 6] =
    ["principal_name", "place", "guidance", "guidance_where", "nee_count", "situation"];
/// Plus the closing observations.
pub const OBSERVATIONS: &str = "observations";

/// Who starts a record, where and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub inquiry_id: String,
    pub principal_id: String,
    pub principal_name: String,
    pub centre_id: String,
    pub centre_name: String,
    /// "YYYY-MM-DD" (the device's today).
    pub date: String,
}

/// Writes a new record into an empty document, pre-filled with her name, centre and today,
/// and with a copy of the inquiry's current questions and roles.
pub fn start_record(
    doc: &mut AutoCommit,
    inquiry: &Inquiry,
    start: &Start,
    stamp: &Stamp,
) -> Result<(), InquiryError> {
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        doc.put(ROOT, "kind", RECORD_KIND)?;
        doc.put(ROOT, "schema_version", SCHEMA_VERSION)?;
        doc.put(ROOT, "inquiry_id", start.inquiry_id.as_str())?;
        doc.put(ROOT, "template_version", inquiry.version)?;
        doc.put(ROOT, "principal_id", start.principal_id.as_str())?;
        doc.put(ROOT, "centre_id", start.centre_id.as_str())?;
        doc.put(ROOT, "centre_name", start.centre_name.as_str())?;
        doc.put(ROOT, "date", start.date.as_str())?;
        doc.put(ROOT, "finalised_at", ScalarValue::Null)?;
        put_list(doc, &ROOT, "questions", &inquiry.definition.questions)?;
        put_list(doc, &ROOT, "roles", &inquiry.definition.roles)?;
        for f in TEXT_FIELDS.iter().chain([&OBSERVATIONS]) {
            let t = doc.put_object(ROOT, *f, ObjType::Text)?;
            if *f == "principal_name" {
                doc.splice_text(&t, 0, 0, &start.principal_name)?;
            }
        }
        doc.put_object(ROOT, "participants", ObjType::Map)?;
        Ok(())
    };
    write(doc)?;
    history::commit(doc, stamp, Verb::CreateRecord, "");
    Ok(())
}

/// A participant as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Participant {
    pub id: String,
    pub order: i64,
    pub name: String,
    pub role: String,
    /// One answer per question of the record.
    pub answers: Vec<String>,
}

/// A record as plain data (serialisable: the app caches it beside the document).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Record {
    pub inquiry_id: String,
    pub template_version: u64,
    pub principal_id: String,
    pub centre_id: String,
    pub centre_name: String,
    pub date: String,
    /// Text fields by name (see [`TEXT_FIELDS`] and [`OBSERVATIONS`]).
    pub fields: BTreeMap<String, String>,
    pub questions: Vec<String>,
    pub roles: Vec<String>,
    /// In the order they were added.
    pub participants: Vec<Participant>,
    /// When it was finalised (ms), if it was.
    pub finalised_at: Option<i64>,
    /// When its author deleted it (ms), if she did: a deleted draft is listed nowhere.
    #[serde(default)]
    pub discarded_at: Option<i64>,
}

impl Record {
    /// Whether its author deleted it (a draft): listed nowhere. A record both finalised and
    /// deleted (never accepted by a server, see `rules`) counts as finalised: nothing counted is lost.
    pub fn deleted(&self) -> bool {
        self.discarded_at.is_some() && self.finalised_at.is_none()
    }

    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or_default()
    }
}

fn text_of(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<String, DocError> {
    match doc.get(obj, key)? {
        Some((Value::Object(ObjType::Text), t)) => Ok(doc.text(&t)?),
        Some((Value::Scalar(s), _)) => Ok(s.as_str().unwrap_or_default().to_string()),
        _ => Ok(String::new()),
    }
}

/// A principal's record of an inquiry (`kind` [`RECORD_KIND`]).
pub struct RecordDoc;

impl Document for RecordDoc {
    const KIND: &'static str = RECORD_KIND;
    const SCHEMA: u64 = SCHEMA_VERSION;
    type Plain = Record;

    fn read(doc: &AutoCommit) -> Result<Record, DocError> {
        Self::check(doc)?;
        record_fields(doc)
    }
}

/// Reads a record, checking its kind and schema.
pub fn read_record(doc: &AutoCommit) -> Result<Record, DocError> {
    RecordDoc::read(doc)
}

/// A record's fields (kind and schema already checked).
fn record_fields(doc: &AutoCommit) -> Result<Record, DocError> {
    let mut fields = BTreeMap::new();
    for f in TEXT_FIELDS.iter().chain([&OBSERVATIONS]) {
        fields.insert(f.to_string(), text_of(doc, &ROOT, f)?);
    }
    let questions = read_list(doc, &ROOT, "questions")?;
    let mut participants = Vec::new();
    if let Some(ps) = map(doc, &ROOT, "participants")? {
        for id in doc.keys(&ps).collect::<Vec<_>>() {
            let Some(p) = map(doc, &ps, &id)? else { continue };
            let answers = match map(doc, &p, "answers")? {
                Some(a) => (0..questions.len())
                    .map(|i| text_of(doc, &a, &i.to_string()))
                    .collect::<Result<Vec<_>, _>>()?,
                None => vec![String::new(); questions.len()],
            };
            participants.push(Participant {
                order: int(doc, &p, "order")?,
                name: text_of(doc, &p, "name")?,
                role: string(doc, &p, "role")?,
                answers,
                id,
            });
        }
    }
    crate::order::sort_by(&mut participants, |a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
    let time = |key: &str| -> Result<Option<i64>, DocError> {
        Ok(match doc.get(ROOT, key)? {
            Some((Value::Scalar(s), _)) => s.as_i64(),
            _ => None,
        })
    };
    let finalised_at = time("finalised_at")?;
    let discarded_at = time(DISCARDED)?;
    Ok(Record {
        inquiry_id: string(doc, &ROOT, "inquiry_id")?,
        template_version: lenient::u64(doc, &ROOT, "template_version")?,
        principal_id: string(doc, &ROOT, "principal_id")?,
        centre_id: string(doc, &ROOT, "centre_id")?,
        centre_name: string(doc, &ROOT, "centre_name")?,
        date: string(doc, &ROOT, "date")?,
        fields,
        questions,
        roles: read_list(doc, &ROOT, "roles")?,
        participants,
        finalised_at,
        discarded_at,
    })
}

/// Where a text lives: a record field, or a participant's name or answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextRef {
    Field(String),
    Name(String),
    Answer(String, usize),
}

fn text_obj(doc: &mut AutoCommit, target: &TextRef) -> Result<ObjId, InquiryError> {
    let (parent, key) = match target {
        TextRef::Field(f) => {
            if !TEXT_FIELDS.contains(&f.as_str()) && f != OBSERVATIONS {
                return Err(InquiryError::UnknownField(f.clone()));
            }
            (ROOT, f.clone())
        }
        TextRef::Name(p) => (participant_obj(doc, p)?, "name".to_string()),
        TextRef::Answer(p, i) => {
            let pobj = participant_obj(doc, p)?;
            let answers = match map(doc, &pobj, "answers")? {
                Some(a) => a,
                None => doc.put_object(&pobj, "answers", ObjType::Map).map_err(DocError::from)?,
            };
            (answers, i.to_string())
        }
    };
    match doc.get(&parent, key.as_str()).map_err(DocError::from)? {
        Some((Value::Object(ObjType::Text), t)) => Ok(t),
        _ => Ok(doc.put_object(&parent, key.as_str(), ObjType::Text).map_err(DocError::from)?),
    }
}

fn participant_obj(doc: &AutoCommit, id: &str) -> Result<ObjId, InquiryError> {
    let ps = lenient::map(doc, &ROOT, "participants")?;
    map(doc, &ps, id)?.ok_or_else(|| InquiryError::UnknownParticipant(id.into()))
}

/// Types into one of the record's texts; returns the text after the splice.
pub fn splice(
    doc: &mut AutoCommit,
    target: &TextRef,
    at: usize,
    delete: usize,
    insert: &str,
    stamp: &Stamp,
) -> Result<String, InquiryError> {
    splice_on(doc, target, None, at, delete, insert, stamp)
}

/// [`splice`] of an edit made on `base`, the text the person saw (moved past what was merged
/// since: a co-author typing at once).
pub fn splice_on(
    doc: &mut AutoCommit,
    target: &TextRef,
    base: Option<&str>,
    at: usize,
    delete: usize,
    insert: &str,
    stamp: &Stamp,
) -> Result<String, InquiryError> {
    let t = text_obj(doc, target)?;
    splice_obj_on(doc, &t, base, at, delete, insert)?;
    let section = match target {
        TextRef::Field(f) => f.clone(),
        TextRef::Name(p) => format!("{p}/name"),
        TextRef::Answer(p, i) => format!("{p}/{i}"),
    };
    history::commit(doc, stamp, Verb::Edit, &section);
    Ok(doc.text(&t).map_err(DocError::from)?)
}

/// Adds a participant (at most three).
pub fn add_participant(doc: &mut AutoCommit, id: &str, stamp: &Stamp) -> Result<(), InquiryError> {
    let record = read_record(doc)?;
    if record.participants.len() >= MAX_PARTICIPANTS {
        return Err(InquiryError::TooManyParticipants);
    }
    let order = record.participants.iter().map(|p| p.order).max().unwrap_or(0) + 1;
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        let ps = lenient::map(doc, &ROOT, "participants")?;
        let p = doc.put_object(&ps, id, ObjType::Map)?;
        doc.put(&p, "order", order)?;
        doc.put(&p, "role", "")?;
        doc.put_object(&p, "name", ObjType::Text)?;
        let answers = doc.put_object(&p, "answers", ObjType::Map)?;
        for i in 0..record.questions.len() {
            doc.put_object(&answers, i.to_string(), ObjType::Text)?;
        }
        Ok(())
    };
    write(doc)?;
    history::commit(doc, stamp, Verb::AddParticipant, id);
    Ok(())
}

pub fn remove_participant(
    doc: &mut AutoCommit,
    id: &str,
    stamp: &Stamp,
) -> Result<(), InquiryError> {
    participant_obj(doc, id)?;
    let ps = lenient::map(doc, &ROOT, "participants")?;
    doc.delete(&ps, id).map_err(DocError::from)?;
    history::commit(doc, stamp, Verb::RemoveParticipant, id);
    Ok(())
}

pub fn set_role(
    doc: &mut AutoCommit,
    id: &str,
    role: &str,
    stamp: &Stamp,
) -> Result<(), InquiryError> {
    let p = participant_obj(doc, id)?;
    doc.put(&p, "role", role.trim()).map_err(DocError::from)?;
    history::commit(doc, stamp, Verb::SetRole, id);
    Ok(())
}

pub fn set_date(doc: &mut AutoCommit, date: &str, stamp: &Stamp) -> Result<(), InquiryError> {
    doc.put(ROOT, "date", date.trim()).map_err(DocError::from)?;
    history::commit(doc, stamp, Verb::SetDate, "");
    Ok(())
}

/// What keeps a record from being finalised, each pointing at its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// A required text field is empty (its name).
    Field(&'static str),
    /// The count is not a whole number ≥ 0 (what was typed).
    BadCount(String),
    /// No date, or not a date.
    Date,
    /// The date is after today.
    FutureDate,
    /// Fewer than two or more than three participants (how many there are).
    Participants(usize),
    /// Participant number `n` (from 1) lacks a name / role / the answer to question `q` (from 1).
    ParticipantName(String, usize),
    ParticipantRole(String, usize),
    ParticipantAnswer(String, usize, usize),
}

impl Missing {
    /// The id of the form control to link to.
    pub fn field_id(&self) -> String {
        match self {
            Missing::Field(f) => format!("f-{f}"),
            Missing::BadCount(_) => "f-nee_count".into(),
            Missing::Date | Missing::FutureDate => "f-date".into(),
            Missing::Participants(_) => "participants".into(),
            Missing::ParticipantName(p, _) => format!("p-{p}-name"),
            Missing::ParticipantRole(p, _) => format!("p-{p}-role"),
            Missing::ParticipantAnswer(p, _, q) => format!("p-{p}-a{}", q - 1),
        }
    }
}

/// Parses the count of children with an NEE diagnosis: a whole number ≥ 0.
pub fn parse_count(text: &str) -> Option<u32> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s[..4].parse::<u32>().is_ok()
        && s[5..7].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
        && s[8..].parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
}

/// Everything missing for "Finalizar", in form order. `today` is "YYYY-MM-DD".
pub fn validate(record: &Record, today: &str) -> Vec<Missing> {
    let mut out = Vec::new();
    for f in ["principal_name", "place", "guidance", "guidance_where"] {
        if record.field(f).trim().is_empty() {
            out.push(Missing::Field(f));
        }
    }
    if !is_date(&record.date) {
        out.push(Missing::Date);
    } else if record.date.as_str() > today {
        out.push(Missing::FutureDate);
    }
    let count = record.field("nee_count");
    if count.trim().is_empty() {
        out.push(Missing::Field("nee_count"));
    } else if parse_count(count).is_none() {
        out.push(Missing::BadCount(count.trim().to_string()));
    }
    if record.field("situation").trim().is_empty() {
        out.push(Missing::Field("situation"));
    }
    let n = record.participants.len();
    if !(MIN_PARTICIPANTS..=MAX_PARTICIPANTS).contains(&n) {
        out.push(Missing::Participants(n));
    }
    for (k, p) in record.participants.iter().enumerate() {
        if p.name.trim().is_empty() {
            out.push(Missing::ParticipantName(p.id.clone(), k + 1));
        }
        if p.role.trim().is_empty() {
            out.push(Missing::ParticipantRole(p.id.clone(), k + 1));
        }
        for (q, a) in p.answers.iter().enumerate() {
            if a.trim().is_empty() {
                out.push(Missing::ParticipantAnswer(p.id.clone(), k + 1, q + 1));
            }
        }
    }
    out
}

/// "Finalizar": refused with everything missing; otherwise records the time.
pub fn finalise(doc: &mut AutoCommit, today: &str, stamp: &Stamp) -> Result<(), InquiryError> {
    let record = read_record(doc)?;
    if record.discarded_at.is_some() {
        return Err(InquiryError::Discarded);
    }
    let missing = validate(&record, today);
    if !missing.is_empty() {
        return Err(InquiryError::Incomplete(missing));
    }
    doc.put(ROOT, "finalised_at", stamp.at).map_err(DocError::from)?;
    history::commit(doc, stamp, Verb::Finalise, "");
    Ok(())
}

/// Where a record keeps when its author deleted it.
pub const DISCARDED: &str = "discarded_at";

/// "Eliminar esta pauta": its author deletes a draft. Refused once it is finalised (the
/// facilitation and the SLEP count it from then on; the server refuses it too). The document
/// stays, marked, so every device that has it (her other phone, the server) stops listing it.
pub fn discard(doc: &mut AutoCommit, stamp: &Stamp) -> Result<(), InquiryError> {
    let record = read_record(doc)?;
    if record.finalised_at.is_some() {
        return Err(InquiryError::Finalised);
    }
    if record.discarded_at.is_some() {
        return Ok(());
    }
    doc.put(ROOT, DISCARDED, stamp.at).map_err(DocError::from)?;
    history::commit(doc, stamp, Verb::Discard, "");
    Ok(())
}

/// Whether the record changed after it was finalised (a correction, shown in its history).
pub fn corrected_after_finalising(doc: &mut AutoCommit) -> bool {
    let Ok(Some(at)) = read_record(doc).map(|r| r.finalised_at) else { return false };
    history::entries(doc).iter().any(|e| e.verb == Verb::Edit && e.at > at)
}

// ---------------------------------------------------------------------------------------
// CSV.

/// What separates a CSV file's fields: a spreadsheet opens a file by its language's list
/// separator, and where the comma marks decimals (Spanish, Chile) that is `;` — a file
/// separated by commas opens there in one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    Comma,
    Semicolon,
}

/// Renders rows as CSV (RFC 4180 quoting via the `csv` crate), fields separated by `sep`,
/// UTF-8 with a BOM so Excel opens accents correctly.
pub fn csv(sep: Separator, header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let delimiter = match sep {
            Separator::Comma => b',',
            Separator::Semicolon => b';',
        };
        let mut w = ::csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record(header).expect("writing to memory");
        for r in rows {
            w.write_record(r).expect("writing to memory");
        }
        w.flush().expect("writing to memory");
    }
    out
}

/// The columns of [`answers_csv`], in Spanish: the app passes their words in her language.
pub const ANSWERS_HEADER: [&str; 13] = [
    "centro",
    "directora",
    "fecha",
    "lugar",
    "niños con diagnóstico NEE",
    "participante",
    "rol",
    "pregunta",
    "respuesta",
    "orientación o documento con perspectiva de inclusión",
    "dónde",
    "situación actual",
    "observaciones / reflexiones",
];

/// Every answer of the finalised `records`: one row per participant and question, under
/// `header` (the words of [`ANSWERS_HEADER`]'s columns).
pub fn answers_csv(sep: Separator, header: &[&str; 13], records: &[Record]) -> Vec<u8> {
    let mut rows = Vec::new();
    for r in records {
        for p in &r.participants {
            for (q, question) in r.questions.iter().enumerate() {
                rows.push(vec![
                    r.centre_name.clone(),
                    r.field("principal_name").to_string(),
                    r.date.clone(),
                    r.field("place").to_string(),
                    r.field("nee_count").trim().to_string(),
                    p.name.clone(),
                    p.role.clone(),
                    question.clone(),
                    p.answers.get(q).cloned().unwrap_or_default(),
                    r.field("guidance").to_string(),
                    r.field("guidance_where").to_string(),
                    r.field("situation").to_string(),
                    r.field(OBSERVATIONS).to_string(),
                ]);
            }
        }
    }
    csv(sep, header, &rows)
}
