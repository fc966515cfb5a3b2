//! The network's common operating plan (plan de funcionamiento): one Automerge document per
//! network and year, its sections built from the template, each with a collaborative `Text`
//! body, an owning commission and a status (en redacción → lista para revisión → acordada).
//!
//! Bodies are edited by splices (character-level merge: two people writing in the same
//! paragraph, online or offline, keep both texts). Positions are Unicode code points, the
//! encoding this crate's Automerge uses. Status and commission are scalars: when two people
//! set them concurrently Automerge keeps one value on every replica, and [`read`] reports the
//! other in [`Section::conflicts`] so the UI can say there were two values and which is kept.

use automerge::transaction::Transactable;
use automerge::{
    ActorId, AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value,
};

use serde::{Deserialize, Serialize};

use super::diff::{self, Part};
use super::doc::{DocError, Document};
use super::history::{self, Stamp, Verb};
use super::lenient;
use crate::DocumentId;

pub const KIND: &str = "juntas/plan-common";
pub const SCHEMA_VERSION: u64 = 1;

/// Who writes a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Written once by the owning commission for all centres (común).
    Common,
    /// Each centre writes its own (por centro).
    PerCentre,
    /// Common text plus a per-centre addendum (común con ajuste local).
    CommonWithLocal,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Common => "comun",
            Scope::PerCentre => "por-centro",
            Scope::CommonWithLocal => "comun-con-ajuste",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        [Scope::Common, Scope::PerCentre, Scope::CommonWithLocal]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// Whether the common plan holds text for it.
    pub fn has_common_text(self) -> bool {
        !matches!(self, Scope::PerCentre)
    }
}

/// A common section's progress in its commission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Status {
    #[default]
    Drafting,
    ReadyForReview,
    Agreed,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Drafting, Status::ReadyForReview, Status::Agreed];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Drafting => "en-redaccion",
            Status::ReadyForReview => "lista-para-revision",
            Status::Agreed => "acordada",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A section of the template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionDef {
    pub id: String,
    /// "1.1"
    pub code: String,
    pub title: String,
    /// What to write, shown above the text.
    pub prompt: String,
    pub scope: Scope,
    pub required: bool,
}

fn def(id: &str, code: &str, title: &str, prompt: &str, scope: Scope) -> SectionDef {
    SectionDef {
        id: id.into(),
        code: code.into(),
        title: title.into(),
        prompt: prompt.into(),
        scope,
        required: true,
    }
}

/// The built-in template: the 2021 MINEDUC operating-plan form for early-childhood education.
pub fn template() -> Vec<SectionDef> {
    use Scope::*;
    vec![
        def(
            "1.1",
            "1.1",
            "Limpieza y desinfección de salas y otros espacios",
            "Describa las rutinas de limpieza y desinfección: área, detalle, horarios y responsables.",
            CommonWithLocal,
        ),
        def(
            "1.2",
            "1.2",
            "Medidas de higiene y protección personal",
            "Describa las medidas de higiene y los elementos de protección para niños, niñas y equipo.",
            Common,
        ),
        def(
            "1.3",
            "1.3",
            "Rutinas de ingreso y salida",
            "Describa cómo se organiza el ingreso y la salida del jardín.",
            CommonWithLocal,
        ),
        def(
            "1.4",
            "1.4",
            "Recreos y uso de patios",
            "Describa la organización de los tiempos en patio.",
            CommonWithLocal,
        ),
        def("1.5", "1.5", "Uso de baños", "Describa las rutinas de uso de baños y mudas.", Common),
        def(
            "1.6",
            "1.6",
            "Otras medidas sanitarias",
            "Otras medidas del protocolo sanitario.",
            Common,
        ),
        def(
            "2",
            "2",
            "Protocolos ante casos sospechosos o confirmados y alimentación",
            "Describa qué se hace ante un caso sospechoso o confirmado y cómo se organiza la alimentación.",
            Common,
        ),
        def(
            "3",
            "3",
            "Organización de la jornada y aforos",
            "Niveles o salas, metros cuadrados, aforo y horarios de ingreso y salida de su jardín.",
            PerCentre,
        ),
        def(
            "4",
            "4",
            "Comunicación con las familias",
            "Describa cómo y cuándo se informa a las familias.",
            Common,
        ),
        def(
            "5",
            "5",
            "Inducción al equipo",
            "Describa la inducción del equipo en las medidas del plan.",
            Common,
        ),
        def(
            "6",
            "6",
            "Apoyo socioemocional",
            "Describa las acciones de apoyo socioemocional para niños, niñas, familias y equipo.",
            Common,
        ),
        def(
            "7",
            "7",
            "Educación remota",
            "Describa cómo se acompaña a quienes no asisten presencialmente.",
            CommonWithLocal,
        ),
    ]
}

/// A non-text field that two people set at the same time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub field: &'static str,
    /// The value every replica keeps.
    pub kept: String,
    /// The values that lost.
    pub others: Vec<String>,
}

/// A section as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub def: SectionDef,
    pub order: String,
    pub commission: Option<String>,
    pub status: Status,
    pub body: String,
    pub conflicts: Vec<Conflict>,
}

/// The common plan as plain data, sections in template order (serialisable: pages cache it
/// beside the document, so a list of sections opens without parsing the plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommonPlan {
    pub network_id: String,
    pub year: i64,
    pub updated_at: i64,
    pub sections: Vec<Section>,
}

impl CommonPlan {
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.def.id == id)
    }
}

/// Why a plan command was refused or the document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("there is no section {0}")]
    UnknownSection(String),
    #[error("section {0} is written by each centre, not in the common plan")]
    NotCommon(String),
    #[error("position {at} is past the end of the text ({len} characters)")]
    OutOfRange { at: usize, len: usize },
    #[error("a section needs a number and a title")]
    MissingTitle,
    #[error("a comment needs some text")]
    EmptyComment,
    /// The document could not be read, or Automerge refused the change.
    #[error(transparent)]
    Doc(#[from] DocError),
}

/// Why a splice into a Text was not made: every model turns it into its own error.
#[derive(Debug)]
pub(crate) enum SpliceError {
    /// The range ends at `at`, past the end of the text (`len` characters).
    OutOfRange {
        at: usize,
        len: usize,
    },
    Doc(DocError),
}

impl From<SpliceError> for PlanError {
    fn from(e: SpliceError) -> PlanError {
        match e {
            SpliceError::OutOfRange { at, len } => PlanError::OutOfRange { at, len },
            SpliceError::Doc(e) => PlanError::Doc(e),
        }
    }
}

/// The id of a network's plan for `year`: every device computes the same one.
pub fn id_for(network: DocumentId, year: i64) -> DocumentId {
    DocumentId::derived(&["plan-common", &network.to_string(), &year.to_string()])
}

/// The year's plan as every device creates it: the built-in template, written by a fixed
/// actor at time 0, so the change is byte-identical everywhere and two facilitators starting
/// the plan offline get one plan, not two (Automerge keeps one copy of an identical change).
/// The caller gives the result its own actor before editing.
pub fn skeleton(network: DocumentId, year: i64) -> AutoCommit {
    let id = id_for(network, year);
    let mut doc = AutoCommit::new().with_actor(ActorId::from(id.as_bytes().to_vec()));
    create(&mut doc, &network.to_string(), year, &template(), &Stamp::new("", 0))
        .expect("the built-in template writes into an empty document");
    doc
}

/// Writes a new common plan into an empty document from `defs` and commits it.
pub fn create(
    doc: &mut AutoCommit,
    network_id: &str,
    year: i64,
    defs: &[SectionDef],
    stamp: &Stamp,
) -> Result<(), PlanError> {
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        doc.put(ROOT, "kind", KIND)?;
        doc.put(ROOT, "schema_version", SCHEMA_VERSION)?;
        doc.put(ROOT, "network_id", network_id)?;
        doc.put(ROOT, "year", year)?;
        doc.put(ROOT, "updated_at", stamp.at)?;
        let sections = doc.put_object(ROOT, "sections", ObjType::Map)?;
        doc.put_object(ROOT, "comments", ObjType::Map)?;
        for (i, d) in defs.iter().enumerate() {
            write_section(doc, &sections, d, &format!("{:04}", (i + 1) * 10))?;
        }
        Ok(())
    };
    write(doc)?;
    history::commit(doc, stamp, Verb::CreatePlan, "");
    Ok(())
}

fn write_section(
    doc: &mut AutoCommit,
    sections: &ObjId,
    d: &SectionDef,
    order: &str,
) -> Result<(), DocError> {
    let s = doc.put_object(sections, d.id.as_str(), ObjType::Map)?;
    put_def_fields(doc, &s, d)?;
    doc.put(&s, "order", order)?;
    doc.put(&s, "status", Status::Drafting.as_str())?;
    doc.put(&s, "commission", ScalarValue::Null)?;
    if d.scope.has_common_text() {
        doc.put_object(&s, "body", ObjType::Text)?;
    }
    Ok(())
}

fn put_def_fields(doc: &mut AutoCommit, s: &ObjId, d: &SectionDef) -> Result<(), DocError> {
    doc.put(s, "code", d.code.as_str())?;
    doc.put(s, "title", d.title.as_str())?;
    doc.put(s, "prompt", d.prompt.as_str())?;
    doc.put(s, "scope", d.scope.as_str())?;
    doc.put(s, "required", d.required)?;
    Ok(())
}

/// The facilitator edits the template: a section's code, title, prompt, scope and whether it
/// is required; a section id the plan does not have yet is added at the end. A section that
/// becomes common gets an (empty) common text; a text already written is never deleted.
pub fn put_def(doc: &mut AutoCommit, d: &SectionDef, stamp: &Stamp) -> Result<(), PlanError> {
    if d.title.trim().is_empty() || d.code.trim().is_empty() {
        return Err(PlanError::MissingTitle);
    }
    match section_obj(doc, &d.id) {
        Ok(s) => {
            put_def_fields(doc, &s, d)?;
            if d.scope.has_common_text() && body_obj(doc, &d.id).is_err() {
                doc.put_object(&s, "body", ObjType::Text).map_err(DocError::from)?;
            }
        }
        Err(PlanError::UnknownSection(_)) => {
            let last = read(doc)?.sections.last().map(|s| s.order.clone()).unwrap_or_default();
            let next = last.parse::<u32>().unwrap_or(0) + 10;
            let sections = lenient::map(doc, &ROOT, "sections")?;
            write_section(doc, &sections, d, &format!("{next:04}"))?;
        }
        Err(e) => return Err(e),
    }
    touch(doc, stamp)?;
    history::commit(doc, stamp, Verb::Template, &d.id);
    Ok(())
}

fn touch(doc: &mut AutoCommit, stamp: &Stamp) -> Result<(), DocError> {
    doc.put(ROOT, "updated_at", stamp.at)?;
    Ok(())
}

fn section_obj(doc: &AutoCommit, id: &str) -> Result<ObjId, PlanError> {
    let sections = lenient::map(doc, &ROOT, "sections")?;
    match doc.get(&sections, id).map_err(DocError::from)? {
        Some((Value::Object(ObjType::Map), o)) => Ok(o),
        _ => Err(PlanError::UnknownSection(id.into())),
    }
}

fn body_obj(doc: &AutoCommit, id: &str) -> Result<ObjId, PlanError> {
    let s = section_obj(doc, id)?;
    match doc.get(&s, "body").map_err(DocError::from)? {
        Some((Value::Object(ObjType::Text), o)) => Ok(o),
        _ => Err(PlanError::NotCommon(id.into())),
    }
}

/// Replaces `delete` characters at `at` in a section's body with `insert`, and commits.
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

/// [`splice`] of an edit made on `base`, the text the person saw: moved past what was merged
/// since (a co-author typing at once; [`super::text::rebase_edit`]).
pub fn splice_on(
    doc: &mut AutoCommit,
    section: &str,
    base: Option<&str>,
    at: usize,
    delete: usize,
    insert: &str,
    stamp: &Stamp,
) -> Result<(), PlanError> {
    let body = body_obj(doc, section)?;
    splice_obj_on(doc, &body, base, at, delete, insert)?;
    touch(doc, stamp)?;
    history::commit(doc, stamp, Verb::Edit, section);
    Ok(())
}

/// [`splice_obj`] of an edit made on `base`, the text the person saw: moved past what was
/// merged into the text since ([`super::text::rebase_edit`]), so it lands where she typed, not where
/// the same numbers point now.
pub(crate) fn splice_obj_on(
    doc: &mut AutoCommit,
    text: &ObjId,
    base: Option<&str>,
    at: usize,
    delete: usize,
    insert: &str,
) -> Result<(), SpliceError> {
    let (at, delete) = match base {
        Some(base) => {
            let now = doc.text(text).map_err(|e| SpliceError::Doc(DocError::from(e)))?;
            super::text::rebase_edit(base, &now, at, delete)
        }
        None => (at, delete),
    };
    splice_obj(doc, text, at, delete, insert)
}

/// Splices a Text object, refusing a range past its end.
pub(crate) fn splice_obj(
    doc: &mut AutoCommit,
    text: &ObjId,
    at: usize,
    delete: usize,
    insert: &str,
) -> Result<(), SpliceError> {
    let len = doc.length(text);
    if at + delete > len {
        return Err(SpliceError::OutOfRange { at: at + delete, len });
    }
    doc.splice_text(text, at, delete as isize, insert)
        .map_err(|e| SpliceError::Doc(DocError::from(e)))
}

/// Sets a section's status.
pub fn set_status(
    doc: &mut AutoCommit,
    section: &str,
    status: Status,
    stamp: &Stamp,
) -> Result<(), PlanError> {
    let s = section_obj(doc, section)?;
    doc.put(&s, "status", status.as_str()).map_err(DocError::from)?;
    touch(doc, stamp)?;
    history::commit(doc, stamp, Verb::Status, section);
    Ok(())
}

/// Assigns a section to a commission (or to none).
pub fn assign(
    doc: &mut AutoCommit,
    section: &str,
    commission: Option<&str>,
    stamp: &Stamp,
) -> Result<(), PlanError> {
    let s = section_obj(doc, section)?;
    match commission {
        Some(c) => doc.put(&s, "commission", c),
        None => doc.put(&s, "commission", ScalarValue::Null),
    }
    .map_err(DocError::from)?;
    touch(doc, stamp)?;
    history::commit(doc, stamp, Verb::Commission, section);
    Ok(())
}

fn scalar_text(v: &Value<'_>) -> Option<String> {
    match v {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            ScalarValue::Null => Some(String::new()),
            other => Some(other.to_string()),
        },
        Value::Object(_) => None,
    }
}

/// A string field, written as a scalar or (by a JS peer) as Text; null or absent reads as "".
pub(crate) fn string(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<String, DocError> {
    lenient::opt_string(doc, obj, key).map(Option::unwrap_or_default)
}

/// A whole number field (Int, Uint or a whole float).
pub(crate) fn int(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<i64, DocError> {
    lenient::i64(doc, obj, key)
}

/// The fields [`contested`] reads, as a cached [`Conflict`] names them.
const CONTESTED: [&str; 2] = ["status", "commission"];

/// A cached [`Conflict`], its field still a string.
#[derive(Deserialize)]
struct CachedConflict {
    field: String,
    kept: String,
    others: Vec<String>,
}

impl<'de> Deserialize<'de> for Conflict {
    /// The field back to the name [`read`] gives it; another name is refused (the cache is
    /// then not used).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Conflict, D::Error> {
        let c = CachedConflict::deserialize(d)?;
        let field = CONTESTED
            .into_iter()
            .find(|f| *f == c.field)
            .ok_or_else(|| serde::de::Error::custom(format!("no contested field {}", c.field)))?;
        Ok(Conflict { field, kept: c.kept, others: c.others })
    }
}

/// The winning value of a scalar field and the values that lost to it, if any.
fn contested(
    doc: &AutoCommit,
    obj: &ObjId,
    field: &'static str,
) -> Result<(String, Option<Conflict>), DocError> {
    let kept = string(doc, obj, field)?;
    let all = doc.get_all(obj, field)?;
    let mut values: Vec<String> = all.iter().filter_map(|(v, _)| scalar_text(v)).collect();
    crate::order::sort(&mut values);
    values.dedup();
    values.retain(|v| *v != kept);
    let conflict =
        (!values.is_empty()).then(|| Conflict { field, kept: kept.clone(), others: values });
    Ok((kept, conflict))
}

/// The year's common plan document (`kind` [`KIND`]).
pub struct CommonPlanDoc;

impl Document for CommonPlanDoc {
    const KIND: &'static str = KIND;
    const SCHEMA: u64 = SCHEMA_VERSION;
    type Plain = CommonPlan;

    fn read(doc: &AutoCommit) -> Result<CommonPlan, DocError> {
        Self::check(doc)?;
        let sections_obj = lenient::map(doc, &ROOT, "sections")?;
        let mut sections = Vec::new();
        for id in doc.keys(&sections_obj).collect::<Vec<_>>() {
            let s = lenient::map(doc, &sections_obj, &id)?;
            let scope = Scope::parse(&string(doc, &s, "scope")?)
                .ok_or_else(|| lenient::shape(doc, &s, "scope"))?;
            let required = match doc.get(&s, "required")? {
                Some((Value::Scalar(v), _)) => v.as_bool() == Some(true),
                _ => false,
            };
            let (status, status_conflict) = contested(doc, &s, CONTESTED[0])?;
            let (commission, commission_conflict) = contested(doc, &s, CONTESTED[1])?;
            let body = match doc.get(&s, "body")? {
                Some((Value::Object(ObjType::Text), o)) => doc.text(&o)?,
                _ => String::new(),
            };
            sections.push(Section {
                def: SectionDef {
                    code: string(doc, &s, "code")?,
                    title: string(doc, &s, "title")?,
                    prompt: string(doc, &s, "prompt")?,
                    scope,
                    required,
                    id,
                },
                order: string(doc, &s, "order")?,
                commission: (!commission.is_empty()).then_some(commission),
                status: Status::parse(&status).unwrap_or_default(),
                body,
                conflicts: [status_conflict, commission_conflict].into_iter().flatten().collect(),
            });
        }
        crate::order::sort_by(&mut sections, |a, b| {
            (&a.order, &a.def.id).cmp(&(&b.order, &b.def.id))
        });
        Ok(CommonPlan {
            network_id: string(doc, &ROOT, "network_id")?,
            year: int(doc, &ROOT, "year")?,
            updated_at: int(doc, &ROOT, "updated_at")?,
            sections,
        })
    }
}

/// Reads the common plan, checking its kind and schema.
pub fn read(doc: &AutoCommit) -> Result<CommonPlan, DocError> {
    CommonPlanDoc::read(doc)
}

/// A comment on a section, or an observation of the SLEP on a delivered plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: String,
    pub section: String,
    /// Member id.
    pub by: String,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub text: String,
    /// For an observation, the delivery (event id) it is about; empty for a comment.
    pub about: String,
}

/// Adds `note` to the map `list` at the root ("comments", "observations"), without
/// committing. Each note has its own id, so notes written at once by many people all stay.
pub(crate) fn put_note(doc: &mut AutoCommit, list: &str, note: &Note) -> Result<(), PlanError> {
    if note.text.trim().is_empty() {
        return Err(PlanError::EmptyComment);
    }
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        let map = lenient::map(doc, &ROOT, list)?;
        let n = doc.put_object(&map, note.id.as_str(), ObjType::Map)?;
        doc.put(&n, "section", note.section.as_str())?;
        doc.put(&n, "by", note.by.as_str())?;
        doc.put(&n, "at", note.at)?;
        doc.put(&n, "text", note.text.trim())?;
        doc.put(&n, "about", note.about.as_str())?;
        Ok(())
    };
    Ok(write(doc)?)
}

/// The notes in the map `list`, oldest first (absent map: none).
pub(crate) fn read_notes(doc: &AutoCommit, list: &str) -> Result<Vec<Note>, DocError> {
    let map = match doc.get(ROOT, list)? {
        Some((Value::Object(ObjType::Map), o)) => o,
        _ => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    for id in doc.keys(&map).collect::<Vec<_>>() {
        let Some((Value::Object(ObjType::Map), n)) = doc.get(&map, id.as_str())? else {
            continue;
        };
        out.push(Note {
            section: string(doc, &n, "section")?,
            by: string(doc, &n, "by")?,
            at: int(doc, &n, "at")?,
            text: string(doc, &n, "text")?,
            about: string(doc, &n, "about")?,
            id,
        });
    }
    crate::order::sort_by(&mut out, |a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    Ok(out)
}

/// Anyone in the network comments on a section (commission members edit; others comment).
pub fn comment(
    doc: &mut AutoCommit,
    id: &str,
    section: &str,
    text: &str,
    stamp: &Stamp,
) -> Result<(), PlanError> {
    section_obj(doc, section)?;
    add_comment(doc, id, section, text, stamp)
}

/// Writes a comment into the document's `comments` and commits it (plan and centre plan).
pub(crate) fn add_comment(
    doc: &mut AutoCommit,
    id: &str,
    section: &str,
    text: &str,
    stamp: &Stamp,
) -> Result<(), PlanError> {
    let note = Note {
        id: id.into(),
        section: section.into(),
        by: stamp.by.clone(),
        at: stamp.at,
        text: text.into(),
        about: String::new(),
    };
    put_note(doc, "comments", &note)?;
    history::commit(doc, stamp, Verb::Comment, section);
    Ok(())
}

/// Every comment, oldest first.
pub fn comments(doc: &AutoCommit) -> Result<Vec<Note>, DocError> {
    read_notes(doc, "comments")
}

/// A section's body as it is now.
pub fn body(doc: &AutoCommit, section: &str) -> Result<String, PlanError> {
    Ok(doc.text(&body_obj(doc, section)?).map_err(DocError::from)?)
}

/// A section's body as it was at `heads` (empty if the section had no text then).
pub fn body_at(doc: &AutoCommit, section: &str, heads: &[ChangeHash]) -> Result<String, DocError> {
    let sections = match doc.get_at(ROOT, "sections", heads)? {
        Some((Value::Object(ObjType::Map), o)) => o,
        _ => return Ok(String::new()),
    };
    let s = match doc.get_at(&sections, section, heads)? {
        Some((Value::Object(ObjType::Map), o)) => o,
        _ => return Ok(String::new()),
    };
    match doc.get_at(&s, "body", heads)? {
        Some((Value::Object(ObjType::Text), o)) => Ok(doc.text_at(&o, heads)?),
        _ => Ok(String::new()),
    }
}

/// Every section whose body differs between two versions of the plan, in plan order, with
/// its word-level difference ("hay cambios en la parte común", the SLEP's diff).
pub fn changes_between(
    doc: &AutoCommit,
    from: &[ChangeHash],
    to: &[ChangeHash],
) -> Result<Vec<(String, Vec<Part>)>, DocError> {
    let mut out = Vec::new();
    for section in read(doc)?.sections {
        let id = section.def.id;
        let parts = diff::words(&body_at(doc, &id, from)?, &body_at(doc, &id, to)?);
        if diff::is_change(&parts) {
            out.push((id, parts));
        }
    }
    Ok(out)
}
