//! An improvement cycle of the network (ciclo PDSA) and its worksheet, after IHI's PDSA
//! worksheet in Spanish: the facilitator makes the cycle with its aim (qué, para quién, cuánto,
//! para cuándo) and links the network's work it uses (a problem tree, a plan year, an inquiry,
//! workshops); everyone fills the worksheet — Planificar, Hacer, Estudiar, Actuar — co-edited
//! character by character like the plan (every field a Text), offline too, and marks the stage
//! the cycle is in, each stage keeping the date it started (the network's timeline).

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, Value};

use super::doc::{DocError, Document};
use super::history::{self, Stamp, Verb};
use super::lenient;
use super::plan::{SpliceError, splice_obj_on};

pub const KIND: &str = "juntas/cycle";
pub const SCHEMA_VERSION: u64 = 1;
/// The worksheet's fields (each a Text), where its rules let every member write.
pub const SHEET: &str = "sheet";
/// Stage → the day it started ("YYYY-MM-DD").
pub const STAGES: &str = "stages";
/// Measure id → its definition and `points` (`<date>|<centre>` → value).
pub const MEASURES: &str = "measures";
pub const POINTS: &str = "points";

/// What a measure tells (IHI's family of measures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureKind {
    /// Resultado: the aim itself.
    Outcome,
    /// Proceso: whether the changes are being made.
    Process,
    /// Equilibrio: what might get worse elsewhere.
    Balancing,
}

impl MeasureKind {
    pub const ALL: [MeasureKind; 3] =
        [MeasureKind::Outcome, MeasureKind::Process, MeasureKind::Balancing];

    pub fn as_str(self) -> &'static str {
        match self {
            MeasureKind::Outcome => "resultado",
            MeasureKind::Process => "proceso",
            MeasureKind::Balancing => "equilibrio",
        }
    }

    pub fn parse(s: &str) -> Option<MeasureKind> {
        MeasureKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A measure and its data points.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub id: String,
    pub name: String,
    pub kind: MeasureKind,
    pub unit: String,
    pub goal: Option<f64>,
    /// (day "YYYY-MM-DD", centre id) → value: one value per centre and day (a correction
    /// replaces it).
    pub points: BTreeMap<(String, String), f64>,
    /// Stored points this build cannot read: left out of the chart, and said so.
    pub unreadable: usize,
}

impl Measure {
    /// The series the run chart draws: per day, the mean of the centres that reported that
    /// day, and how many did, in time order.
    pub fn series(&self) -> Vec<(String, f64, usize)> {
        let mut by_day: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
        for ((day, _), v) in &self.points {
            let e = by_day.entry(day.as_str()).or_default();
            e.0 += v;
            e.1 += 1;
        }
        by_day.into_iter().map(|(d, (sum, n))| (d.to_owned(), sum / n as f64, n)).collect()
    }
}

/// The four stages, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    Plan,
    Do,
    Study,
    Act,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Plan, Stage::Do, Stage::Study, Stage::Act];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Plan => "planificar",
            Stage::Do => "hacer",
            Stage::Study => "estudiar",
            Stage::Act => "actuar",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The worksheet's fields of this stage, in the worksheet's order.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Stage::Plan => &["objetivo", "preguntas_predicciones", "tareas", "medidas"],
            Stage::Do => &["que_paso", "observaciones", "imprevistos"],
            Stage::Study => &["resultados", "aprendizajes"],
            Stage::Act => &["decision", "proximo_ciclo"],
        }
    }
}

/// The aim's four parts (each a Text the facilitator writes).
pub const AIM: [&str; 4] = ["que", "para_quien", "cuanto", "para_cuando"];

/// What "Actuar" decides: adoptar, adaptar or abandonar (the worksheet's `decision` field
/// holds the words; these are offered as its start).
pub const DECISIONS: [&str; 3] = ["adoptar", "adaptar", "abandonar"];

/// What kind of the network's work a cycle links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkKind {
    Tree,
    /// A plan year (the link's id is the year).
    Plan,
    Inquiry,
    Workshop,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Tree => "arbol",
            LinkKind::Plan => "plan",
            LinkKind::Inquiry => "indagacion",
            LinkKind::Workshop => "taller",
        }
    }

    pub fn parse(s: &str) -> Option<LinkKind> {
        [LinkKind::Tree, LinkKind::Plan, LinkKind::Inquiry, LinkKind::Workshop]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A cycle as plain data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cycle {
    pub network_id: String,
    /// 0, 1, 2 … (cycle 0 is the diagnosis).
    pub number: u32,
    pub title: String,
    /// By part of [`AIM`].
    pub aim: BTreeMap<String, String>,
    /// Linked id (a document id, or a plan year) → what it is; a kind this build does not
    /// know is kept out and counted in `unknown_links`.
    pub links: BTreeMap<String, LinkKind>,
    pub unknown_links: usize,
    /// Each stage reached, with the day it started.
    pub stages: BTreeMap<Stage, String>,
    /// Worksheet field → its text.
    pub sheet: BTreeMap<String, String>,
    /// In the order they were defined (by id).
    pub measures: Vec<Measure>,
}

impl Cycle {
    /// The stage it is in: the latest one started.
    pub fn stage(&self) -> Stage {
        self.stages.keys().next_back().copied().unwrap_or(Stage::Plan)
    }

    pub fn field(&self, name: &str) -> &str {
        self.sheet.get(name).map(String::as_str).unwrap_or_default()
    }
}

/// Why a cycle command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CycleError {
    #[error("the cycle needs a title")]
    MissingTitle,
    #[error("there is no field {0}")]
    UnknownField(String),
    #[error("the measure needs a name")]
    MissingMeasureName,
    #[error("there is no measure {0}")]
    UnknownMeasure(String),
    #[error("a data point needs a day and a number")]
    BadPoint,
    #[error("position {at} is past the end of the text ({len} characters)")]
    OutOfRange { at: usize, len: usize },
    /// The document could not be read, or Automerge refused the change.
    #[error(transparent)]
    Doc(#[from] DocError),
}

impl From<SpliceError> for CycleError {
    fn from(e: SpliceError) -> CycleError {
        match e {
            SpliceError::OutOfRange { at, len } => CycleError::OutOfRange { at, len },
            SpliceError::Doc(e) => CycleError::Doc(e),
        }
    }
}

/// What the facilitator fills in to make a cycle.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct New {
    pub number: u32,
    pub title: String,
    /// By part of [`AIM`].
    pub aim: BTreeMap<String, String>,
    pub links: BTreeMap<String, LinkKind>,
    /// The day its Planificar stage starts ("YYYY-MM-DD").
    pub start: String,
}

fn text(doc: &mut AutoCommit, obj: &ObjId, key: &str, value: &str) -> Result<(), DocError> {
    let t = doc.put_object(obj, key, ObjType::Text)?;
    doc.splice_text(&t, 0, 0, value.trim())?;
    Ok(())
}

/// Writes a new cycle into an empty document: its aim, links, an empty worksheet (every field
/// made now, so two people typing into one field at once merge characters, never replace one
/// another) and Planificar started on `start`.
pub fn create(
    doc: &mut AutoCommit,
    network_id: &str,
    new: &New,
    stamp: &Stamp,
) -> Result<(), CycleError> {
    if new.title.trim().is_empty() {
        return Err(CycleError::MissingTitle);
    }
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        doc.put(ROOT, "kind", KIND)?;
        doc.put(ROOT, "schema_version", SCHEMA_VERSION)?;
        doc.put(ROOT, "network_id", network_id)?;
        doc.put(ROOT, "number", u64::from(new.number))?;
        text(doc, &ROOT, "title", &new.title)?;
        let aim = doc.put_object(ROOT, "aim", ObjType::Map)?;
        for part in AIM {
            text(doc, &aim, part, new.aim.get(part).map(String::as_str).unwrap_or_default())?;
        }
        let links = doc.put_object(ROOT, "links", ObjType::Map)?;
        for (id, kind) in &new.links {
            doc.put(&links, id.as_str(), kind.as_str())?;
        }
        let sheet = doc.put_object(ROOT, SHEET, ObjType::Map)?;
        for stage in Stage::ALL {
            for f in stage.fields() {
                doc.put_object(&sheet, *f, ObjType::Text)?;
            }
        }
        doc.put_object(ROOT, MEASURES, ObjType::Map)?;
        let stages = doc.put_object(ROOT, STAGES, ObjType::Map)?;
        doc.put(&stages, Stage::Plan.as_str(), new.start.as_str())?;
        Ok(())
    };
    write(doc)?;
    history::commit(doc, stamp, Verb::CreateCycle, "");
    Ok(())
}

/// Where a splice goes: a worksheet field, or (the facilitator's) the aim or the title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Sheet(String),
    Aim(String),
    Title,
}

fn target_obj(doc: &AutoCommit, target: &Target) -> Result<ObjId, CycleError> {
    let (parent, key) = match target {
        Target::Sheet(f) => (lenient::map(doc, &ROOT, SHEET)?, f.as_str()),
        Target::Aim(p) => (lenient::map(doc, &ROOT, "aim")?, p.as_str()),
        Target::Title => (ROOT, "title"),
    };
    match doc.get(&parent, key).map_err(DocError::from)? {
        Some((Value::Object(ObjType::Text), t)) => Ok(t),
        _ => Err(CycleError::UnknownField(key.to_owned())),
    }
}

/// Types into a field: delete `delete` characters at `at`, insert `insert`; its new text.
pub fn splice(
    doc: &mut AutoCommit,
    target: &Target,
    at: usize,
    delete: usize,
    insert: &str,
    stamp: &Stamp,
) -> Result<String, CycleError> {
    splice_on(doc, target, None, at, delete, insert, stamp)
}

/// [`splice`] of an edit made on `base`, the text the person saw (moved past what was merged
/// since: a co-author typing at once).
pub fn splice_on(
    doc: &mut AutoCommit,
    target: &Target,
    base: Option<&str>,
    at: usize,
    delete: usize,
    insert: &str,
    stamp: &Stamp,
) -> Result<String, CycleError> {
    let t = target_obj(doc, target)?;
    splice_obj_on(doc, &t, base, at, delete, insert)?;
    let section = match target {
        Target::Sheet(f) => f.clone(),
        Target::Aim(p) => format!("aim/{p}"),
        Target::Title => "title".into(),
    };
    history::commit(doc, stamp, Verb::Edit, &section);
    Ok(doc.text(&t).map_err(DocError::from)?)
}

/// Marks that the cycle reached `stage` on `day` (a stage already started keeps its day).
pub fn start_stage(
    doc: &mut AutoCommit,
    stage: Stage,
    day: &str,
    stamp: &Stamp,
) -> Result<(), CycleError> {
    let stages = lenient::map(doc, &ROOT, STAGES)?;
    if doc.get(&stages, stage.as_str()).map_err(DocError::from)?.is_some() {
        return Ok(());
    }
    doc.put(&stages, stage.as_str(), day).map_err(DocError::from)?;
    history::commit(doc, stamp, Verb::Stage, stage.as_str());
    Ok(())
}

/// Defines a measure (the facilitator): name, kind, unit and the goal, if any.
pub fn add_measure(
    doc: &mut AutoCommit,
    id: &str,
    name: &str,
    kind: MeasureKind,
    unit: &str,
    goal: Option<f64>,
    stamp: &Stamp,
) -> Result<(), CycleError> {
    if name.trim().is_empty() {
        return Err(CycleError::MissingMeasureName);
    }
    let measures = match lenient::opt_map(doc, &ROOT, MEASURES)? {
        Some(m) => m,
        None => doc.put_object(ROOT, MEASURES, ObjType::Map).map_err(DocError::from)?,
    };
    let write = |doc: &mut AutoCommit| -> Result<(), DocError> {
        let m = doc.put_object(&measures, id, ObjType::Map)?;
        doc.put(&m, "name", name.trim())?;
        doc.put(&m, "kind", kind.as_str())?;
        doc.put(&m, "unit", unit.trim())?;
        if let Some(g) = goal {
            doc.put(&m, "goal", g)?;
        }
        doc.put_object(&m, POINTS, ObjType::Map)?;
        Ok(())
    };
    write(doc)?;
    history::commit(doc, stamp, Verb::AddMeasure, id);
    Ok(())
}

/// The key of `centre`'s value on `day`.
pub fn point_key(day: &str, centre: &str) -> String {
    format!("{day}|{centre}")
}

/// Enters (or corrects) `centre`'s value of `measure` on `day`.
pub fn put_point(
    doc: &mut AutoCommit,
    measure: &str,
    day: &str,
    centre: &str,
    value: f64,
    stamp: &Stamp,
) -> Result<(), CycleError> {
    let valid_day = day.len() == 10
        && day
            .bytes()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !valid_day || centre.is_empty() || !value.is_finite() {
        return Err(CycleError::BadPoint);
    }
    let measures = lenient::map(doc, &ROOT, MEASURES)?;
    let m = match doc.get(&measures, measure).map_err(DocError::from)? {
        Some((Value::Object(ObjType::Map), m)) => m,
        _ => return Err(CycleError::UnknownMeasure(measure.to_owned())),
    };
    let points = lenient::map(doc, &m, POINTS)?;
    doc.put(&points, point_key(day, centre), value).map_err(DocError::from)?;
    history::commit(doc, stamp, Verb::AddPoint, measure);
    Ok(())
}

fn number(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<f64>, DocError> {
    Ok(match doc.get(obj, key)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            automerge::ScalarValue::F64(f) => Some(*f),
            automerge::ScalarValue::Int(i) => Some(*i as f64),
            automerge::ScalarValue::Uint(u) => Some(*u as f64),
            _ => None,
        },
        _ => None,
    })
}

fn read_measures(doc: &AutoCommit) -> Result<Vec<Measure>, DocError> {
    let Some(measures) = lenient::opt_map(doc, &ROOT, MEASURES)? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for id in doc.keys(&measures).collect::<Vec<_>>() {
        let m = lenient::map(doc, &measures, &id)?;
        let kind_text = lenient::string(doc, &m, "kind")?;
        let kind = MeasureKind::parse(&kind_text).ok_or_else(|| {
            DocError::shape(format!("{MEASURES}.{id}.kind"), format!("unknown kind {kind_text:?}"))
        })?;
        let (mut points, mut unreadable) = (BTreeMap::new(), 0);
        if let Some(p) = lenient::opt_map(doc, &m, POINTS)? {
            for key in doc.keys(&p).collect::<Vec<_>>() {
                match (key.split_once('|'), number(doc, &p, &key)?) {
                    (Some((day, centre)), Some(v)) if v.is_finite() => {
                        points.insert((day.to_owned(), centre.to_owned()), v);
                    }
                    _ => unreadable += 1,
                }
            }
        }
        out.push(Measure {
            name: lenient::string(doc, &m, "name")?,
            unit: lenient::string(doc, &m, "unit")?,
            goal: number(doc, &m, "goal")?,
            kind,
            points,
            unreadable,
            id,
        });
    }
    Ok(out)
}

fn text_of(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<String, DocError> {
    match doc.get(obj, key)? {
        Some((Value::Object(ObjType::Text), t)) => Ok(doc.text(&t)?),
        Some((Value::Scalar(s), _)) => Ok(s.as_str().unwrap_or_default().to_owned()),
        _ => Ok(String::new()),
    }
}

/// A cycle document (`kind` [`KIND`]).
pub struct CycleDoc;

impl Document for CycleDoc {
    const KIND: &'static str = KIND;
    const SCHEMA: u64 = SCHEMA_VERSION;
    type Plain = Cycle;

    fn read(doc: &AutoCommit) -> Result<Cycle, DocError> {
        Self::check(doc)?;
        let aim_obj = lenient::map(doc, &ROOT, "aim")?;
        let mut aim = BTreeMap::new();
        for p in AIM {
            aim.insert(p.to_string(), text_of(doc, &aim_obj, p)?);
        }
        let (mut links, mut unknown_links) = (BTreeMap::new(), 0);
        if let Some(l) = lenient::opt_map(doc, &ROOT, "links")? {
            for id in doc.keys(&l).collect::<Vec<_>>() {
                match LinkKind::parse(&lenient::string(doc, &l, &id)?) {
                    Some(k) => {
                        links.insert(id, k);
                    }
                    None => unknown_links += 1,
                }
            }
        }
        let stages_obj = lenient::map(doc, &ROOT, STAGES)?;
        let mut stages = BTreeMap::new();
        for key in doc.keys(&stages_obj).collect::<Vec<_>>() {
            if let Some(s) = Stage::parse(&key) {
                stages.insert(s, lenient::string(doc, &stages_obj, &key)?);
            }
        }
        let sheet_obj = lenient::map(doc, &ROOT, SHEET)?;
        let mut sheet = BTreeMap::new();
        for stage in Stage::ALL {
            for f in stage.fields() {
                sheet.insert(f.to_string(), text_of(doc, &sheet_obj, f)?);
            }
        }
        Ok(Cycle {
            network_id: lenient::string(doc, &ROOT, "network_id")?,
            number: u32::try_from(lenient::u64(doc, &ROOT, "number")?).unwrap_or(u32::MAX),
            title: text_of(doc, &ROOT, "title")?,
            aim,
            links,
            unknown_links,
            stages,
            sheet,
            measures: read_measures(doc)?,
        })
    }
}

/// Reads a cycle, checking its kind and schema.
pub fn read(doc: &AutoCommit) -> Result<Cycle, DocError> {
    CycleDoc::read(doc)
}
