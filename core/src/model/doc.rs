//! What every kind of document shares: [`DocError`], the one closed reason a document could
//! not be read or written, the [`Document`] trait each model implements (its `kind`, its
//! schema and the plain struct pages read), and [`check_kind`], the check every read starts
//! with.

use automerge::{AutoCommit, ROOT};

use super::lenient;

/// Why a document could not be read (or Automerge refused to change it). Every model's
/// error wraps this one, so the app words each variant once for every kind of document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    /// The document's `kind` is not the one expected (e.g. a plan opened as a network).
    #[error("this is not a {expected} document (its kind is {found:?})")]
    WrongKind { expected: &'static str, found: String },
    /// Written by a newer Juntas.
    #[error("this {kind} document was written by a newer Juntas (schema {found}); update the app")]
    NewerSchema { kind: &'static str, found: u64 },
    /// A field holds something that cannot mean what the field means. `field` is its path
    /// from the document's root, keys joined by dots ("centres.c1.enrolment"); `found`
    /// describes the value found ("the number 3", "nothing", "a list").
    #[error("the field {field} holds {found}, which it cannot mean")]
    Shape { field: String, found: String },
    /// Automerge refused an operation.
    #[error("automerge refused the operation: {0}")]
    Automerge(String),
}

impl DocError {
    /// A [`DocError::Shape`] for `field`, where `found` was found.
    pub fn shape(field: impl Into<String>, found: impl Into<String>) -> DocError {
        DocError::Shape { field: field.into(), found: found.into() }
    }
}

impl From<automerge::AutomergeError> for DocError {
    fn from(e: automerge::AutomergeError) -> DocError {
        DocError::Automerge(e.to_string())
    }
}

/// One kind of Juntas document.
pub trait Document {
    /// The `kind` string at the document root.
    const KIND: &'static str;
    /// The newest schema version this build reads and writes.
    const SCHEMA: u64;
    /// The plain struct pages read.
    type Plain;
    /// Reads the plain struct (checking kind and schema first).
    fn read(doc: &AutoCommit) -> Result<Self::Plain, DocError>;

    /// Whether `doc` is of this kind and a schema this build reads.
    fn check(doc: &AutoCommit) -> Result<(), DocError> {
        check_kind(doc, Self::KIND, Self::SCHEMA)
    }
}

/// Refuses a document whose root `kind` is not `kind` (absent reads as "") or whose
/// `schema_version` is newer than `schema`.
pub fn check_kind(doc: &AutoCommit, kind: &'static str, schema: u64) -> Result<(), DocError> {
    let found = lenient::opt_string(doc, &ROOT, "kind")?.unwrap_or_default();
    if found != kind {
        return Err(DocError::WrongKind { expected: kind, found });
    }
    let version = lenient::u64(doc, &ROOT, "schema_version")?;
    if version > schema {
        return Err(DocError::NewerSchema { kind, found: version });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, AutoCommit, ROOT, ReadDoc, ScalarValue};

    use super::{DocError, Document, check_kind};
    use crate::DocumentId;
    use crate::model::centre_plan::CentrePlanDoc;
    use crate::model::history::Stamp;
    use crate::model::inquiry::{self, InquiryDoc, RecordDoc};
    use crate::model::network::{self, Network, NetworkDoc};
    use crate::model::plan::{self, CommonPlanDoc};
    use crate::model::tree::{self, TreeDoc};

    fn network_doc() -> AutoCommit {
        let mut doc = AutoCommit::new().with_actor(ActorId::from(vec![1; 16]));
        network::create(&mut doc, &Network::new("Red", "SLEP", 0), 0).unwrap();
        doc
    }

    fn plan_doc() -> AutoCommit {
        plan::skeleton(DocumentId::derived(&["test network"]), 2027)
    }

    #[test]
    fn a_plan_opened_as_a_network_is_the_wrong_kind() {
        assert_eq!(
            NetworkDoc::read(&plan_doc()),
            Err(DocError::WrongKind {
                expected: "juntas/network",
                found: "juntas/plan-common".into()
            })
        );
        assert_eq!(
            TreeDoc::read(&network_doc()).unwrap_err(),
            DocError::WrongKind { expected: "juntas/problem-tree", found: "juntas/network".into() }
        );
        assert_eq!(
            check_kind(&AutoCommit::new(), "juntas/inquiry", 1),
            Err(DocError::WrongKind { expected: "juntas/inquiry", found: String::new() })
        );
    }

    #[test]
    fn every_kind_refuses_a_newer_schema() {
        fn newer<D: Document>(mut doc: AutoCommit) {
            assert_eq!(D::read(&doc).map(|_| ()), Ok(()), "{} reads before", D::KIND);
            doc.put(ROOT, "schema_version", D::SCHEMA + 1).unwrap();
            doc.commit();
            assert_eq!(
                D::read(&doc).map(|_| ()),
                Err(DocError::NewerSchema { kind: D::KIND, found: D::SCHEMA + 1 })
            );
        }
        let network = DocumentId::derived(&["test network"]);
        let stamp = Stamp::new("m1", 1_000);
        newer::<NetworkDoc>(network_doc());
        newer::<CommonPlanDoc>(plan_doc());
        newer::<CentrePlanDoc>(crate::model::centre_plan::skeleton(network, 2027, "c1"));
        let mut inq = AutoCommit::new();
        inquiry::create(&mut inq, "net", &inquiry::Definition::annex6(), &stamp).unwrap();
        let definition = inquiry::read_inquiry(&inq).unwrap();
        newer::<InquiryDoc>(inq);
        let mut record = AutoCommit::new();
        let start = inquiry::Start {
            inquiry_id: "i1".into(),
            principal_id: "m1".into(),
            principal_name: "Ana".into(),
            centre_id: "c1".into(),
            centre_name: "Arcoíris".into(),
            date: "2027-03-01".into(),
        };
        inquiry::start_record(&mut record, &definition, &start, &stamp).unwrap();
        newer::<RecordDoc>(record);
        let mut tr = AutoCommit::new();
        tree::create(&mut tr, "net", "Problema", &stamp).unwrap();
        newer::<TreeDoc>(tr);
    }

    #[test]
    fn a_network_name_that_is_a_number_names_the_field_and_the_number() {
        let mut doc = network_doc();
        doc.put(ROOT, "name", 3).unwrap();
        doc.commit();
        assert_eq!(
            NetworkDoc::read(&doc),
            Err(DocError::Shape { field: "name".into(), found: "the number 3".into() })
        );
    }

    #[test]
    fn a_nested_field_of_the_wrong_shape_is_named_by_its_path() {
        let mut doc = network_doc();
        let centre = network::Centre { name: "Arcoíris".into(), ..Default::default() };
        network::apply(&mut doc, network::Command::PutCentre { id: "c1".into(), centre }, 1)
            .unwrap();
        let centres = match doc.get(ROOT, "centres").unwrap() {
            Some((_, id)) => id,
            None => panic!("a network has centres"),
        };
        let c = match doc.get(&centres, "c1").unwrap() {
            Some((_, id)) => id,
            None => panic!("the centre was written"),
        };
        doc.put(&c, "enrolment", ScalarValue::Boolean(true)).unwrap();
        doc.commit();
        assert_eq!(
            network::read(&doc),
            Err(DocError::Shape {
                field: "centres.c1.enrolment".into(),
                found: "the boolean true".into()
            })
        );
    }

    #[test]
    fn a_section_status_that_is_a_number_names_the_section_field() {
        let mut doc = plan_doc();
        let sections = match doc.get(ROOT, "sections").unwrap() {
            Some((_, id)) => id,
            None => panic!("a plan has sections"),
        };
        let s = match doc.get(&sections, "2").unwrap() {
            Some((_, id)) => id,
            None => panic!("the template has section 2"),
        };
        doc.put(&s, "status", ScalarValue::Uint(3)).unwrap();
        doc.commit();
        assert_eq!(
            CommonPlanDoc::read(&doc),
            Err(DocError::Shape {
                field: "sections.2.status".into(),
                found: "the number 3".into()
            })
        );
    }

    #[test]
    fn a_tree_without_its_cards_says_what_is_there_instead() {
        let mut doc = AutoCommit::new();
        tree::create(&mut doc, "net", "Problema", &Stamp::new("m1", 0)).unwrap();
        doc.put(ROOT, "cards", "ninguna").unwrap();
        doc.commit();
        assert_eq!(
            TreeDoc::read(&doc),
            Err(DocError::Shape { field: "cards".into(), found: "the text \"ninguna\"".into() })
        );
    }
}
