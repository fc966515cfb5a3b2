//! Inquiry records: pre-filled start, template versions, validation, a correction merged from
//! another device, participants, CSV that survives accents, commas and line breaks.

use automerge::{ActorId, AutoCommit};
use juntas_core::model::history::Stamp;
use juntas_core::model::inquiry::{
    self, Definition, InquiryError, Missing, Separator, Start, TextRef, answers_csv,
};

fn s(at: i64) -> Stamp {
    Stamp::new("maria", at)
}

fn device(doc: AutoCommit, n: u8) -> AutoCommit {
    doc.with_actor(ActorId::from(vec![n; 16]))
}

fn new_inquiry() -> AutoCommit {
    let mut doc = device(AutoCommit::new(), 1);
    inquiry::create(&mut doc, "red", &Definition::annex6(), &Stamp::new("fac", 1)).unwrap();
    doc
}

fn start() -> Start {
    Start {
        inquiry_id: "inq".into(),
        principal_id: "maria".into(),
        principal_name: "María González".into(),
        centre_id: "c1".into(),
        centre_name: "Jardín Infantil Los Copihues".into(),
        date: "2026-06-08".into(),
    }
}

fn new_record(inq: &AutoCommit) -> AutoCommit {
    let mut doc = device(AutoCommit::new(), 2);
    let def = inquiry::read_inquiry(inq).unwrap();
    inquiry::start_record(&mut doc, &def, &start(), &s(10)).unwrap();
    doc
}

fn put(doc: &mut AutoCommit, target: TextRef, text: &str) {
    inquiry::splice(doc, &target, 0, 0, text, &s(20)).unwrap();
}

fn field(f: &str) -> TextRef {
    TextRef::Field(f.into())
}

/// A record with everything a finalised one needs.
fn complete(doc: &mut AutoCommit) {
    put(doc, field("place"), "Sala de reuniones");
    put(doc, field("guidance"), "Bases Curriculares de Educación Parvularia");
    put(doc, field("guidance_where"), "Principios pedagógicos, p. 30");
    put(doc, field("nee_count"), "4");
    put(doc, field("situation"), "Dos salas con niños con TEA.");
    for p in ["p1", "p2"] {
        inquiry::add_participant(doc, p, &s(30)).unwrap();
        put(doc, TextRef::Name(p.into()), &format!("Participante {p}"));
        inquiry::set_role(doc, p, "Técnica en educación parvularia", &s(31)).unwrap();
        for q in 0..3 {
            put(
                doc,
                TextRef::Answer(p.into(), q),
                &format!("Respuesta {q}, con coma, y \"comillas\"\nen dos líneas"),
            );
        }
    }
}

#[test]
fn a_record_starts_pre_filled_and_keeps_its_questions_when_the_inquiry_changes() {
    let mut inq = new_inquiry();
    let doc = new_record(&inq);
    let r = inquiry::read_record(&doc).unwrap();
    assert_eq!(r.field("principal_name"), "María González");
    assert_eq!(r.centre_name, "Jardín Infantil Los Copihues");
    assert_eq!(r.date, "2026-06-08");
    assert_eq!(r.questions, inquiry::ANNEX6_QUESTIONS);
    assert_eq!(r.template_version, 1);
    let mut d = Definition::annex6();
    d.questions[0] = "¿Qué entiende por inclusión?".into();
    assert_eq!(inquiry::redefine(&mut inq, &d, &Stamp::new("fac", 50)).unwrap(), 2);
    assert_eq!(inquiry::read_record(&doc).unwrap().questions[0], "¿Qué sabe de inclusión?");
    let later = new_record(&inq);
    let r2 = inquiry::read_record(&later).unwrap();
    assert_eq!(
        (r2.template_version, r2.questions[0].as_str()),
        (2, "¿Qué entiende por inclusión?")
    );
    let mut bad = d.clone();
    bad.title = " ".into();
    assert_eq!(
        inquiry::redefine(&mut inq, &bad, &Stamp::new("fac", 51)),
        Err(InquiryError::MissingTitle)
    );
}

#[test]
fn finalising_lists_everything_missing_each_pointing_at_its_field() {
    let inq = new_inquiry();
    let mut doc = new_record(&inq);
    let Err(InquiryError::Incomplete(missing)) = inquiry::finalise(&mut doc, "2026-06-08", &s(40))
    else {
        panic!("an empty record cannot be finalised")
    };
    assert_eq!(
        missing,
        vec![
            Missing::Field("place"),
            Missing::Field("guidance"),
            Missing::Field("guidance_where"),
            Missing::Field("nee_count"),
            Missing::Field("situation"),
            Missing::Participants(0),
        ]
    );
    assert_eq!(missing[0].field_id(), "f-place");
    complete(&mut doc);
    // A count that is not a whole number, a participant without answers, a date ahead.
    inquiry::splice(&mut doc, &field("nee_count"), 0, 1, "cuatro", &s(41)).unwrap();
    inquiry::add_participant(&mut doc, "p3", &s(42)).unwrap();
    inquiry::set_date(&mut doc, "2026-06-09", &s(43)).unwrap();
    let Err(InquiryError::Incomplete(missing)) = inquiry::finalise(&mut doc, "2026-06-08", &s(44))
    else {
        panic!("still incomplete")
    };
    assert_eq!(missing[0], Missing::FutureDate);
    assert_eq!(missing[1], Missing::BadCount("cuatro".into()));
    assert!(missing.contains(&Missing::ParticipantName("p3".into(), 3)));
    assert!(missing.contains(&Missing::ParticipantAnswer("p3".into(), 3, 2)));
    assert_eq!(Missing::ParticipantAnswer("p3".into(), 3, 2).field_id(), "p-p3-a1");
    assert_eq!(
        inquiry::add_participant(&mut doc, "p4", &s(45)),
        Err(InquiryError::TooManyParticipants)
    );
    inquiry::remove_participant(&mut doc, "p3", &s(46)).unwrap();
    inquiry::splice(&mut doc, &field("nee_count"), 0, 6, "4", &s(47)).unwrap();
    inquiry::set_date(&mut doc, "2026-06-08", &s(48)).unwrap();
    inquiry::finalise(&mut doc, "2026-06-08", &s(49)).unwrap();
    assert_eq!(inquiry::read_record(&doc).unwrap().finalised_at, Some(49));
    assert_eq!(inquiry::parse_count(" 12 "), Some(12));
    assert_eq!(inquiry::parse_count("-1"), None);
    assert_eq!(inquiry::parse_count("1.5"), None);
}

#[test]
fn a_correction_on_the_laptop_merges_with_what_the_phone_typed_offline() {
    let inq = new_inquiry();
    let mut phone = new_record(&inq);
    complete(&mut phone);
    inquiry::finalise(&mut phone, "2026-06-08", &Stamp::new("maria", 100_000)).unwrap();
    let mut laptop = device(AutoCommit::new(), 3);
    laptop.merge(&mut phone).unwrap();
    // Offline on the phone: she adds a reflection. On the laptop: a correction.
    inquiry::splice(
        &mut phone,
        &field("observations"),
        0,
        0,
        "Las técnicas piden capacitación.",
        &Stamp::new("maria", 200_000),
    )
    .unwrap();
    let len = inquiry::read_record(&laptop).unwrap().field("situation").chars().count();
    inquiry::splice(
        &mut laptop,
        &field("situation"),
        len,
        0,
        " Y una sala con síndrome de Down.",
        &Stamp::new("maria", 200_000),
    )
    .unwrap();
    phone.merge(&mut laptop).unwrap();
    laptop.merge(&mut phone).unwrap();
    let (a, b) = (inquiry::read_record(&phone).unwrap(), inquiry::read_record(&laptop).unwrap());
    assert_eq!(a, b);
    assert_eq!(
        a.field("situation"),
        "Dos salas con niños con TEA. Y una sala con síndrome de Down."
    );
    assert_eq!(a.field("observations"), "Las técnicas piden capacitación.");
    assert!(a.finalised_at.is_some(), "still finalised");
    assert!(inquiry::corrected_after_finalising(&mut phone), "the correction shows in its history");
}

#[test]
fn participants_added_on_two_devices_at_once_are_both_kept() {
    let inq = new_inquiry();
    let mut phone = new_record(&inq);
    let mut laptop = device(AutoCommit::new(), 3);
    laptop.merge(&mut phone).unwrap();
    inquiry::add_participant(&mut phone, "pa", &s(1)).unwrap();
    inquiry::add_participant(&mut laptop, "pb", &s(1)).unwrap();
    phone.merge(&mut laptop).unwrap();
    let ids: Vec<String> =
        inquiry::read_record(&phone).unwrap().participants.into_iter().map(|p| p.id).collect();
    assert_eq!(ids, ["pa", "pb"]);
}

#[test]
fn the_csv_opens_in_excel_with_accents_commas_and_line_breaks_intact() {
    let inq = new_inquiry();
    let mut doc = new_record(&inq);
    complete(&mut doc);
    put(&mut doc, field("observations"), "Costó coordinar horarios; las familias, muy dispuestas.");
    let bytes = answers_csv(
        Separator::Semicolon,
        &inquiry::ANSWERS_HEADER,
        &[inquiry::read_record(&doc).unwrap()],
    );
    assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF], "UTF-8 BOM");
    assert!(bytes[3..].starts_with("centro;directora;fecha;".as_bytes()), "fields separated by ;");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(&bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[3], "lugar");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2 * 3, "one row per participant and question");
    assert_eq!(&rows[0][0], "Jardín Infantil Los Copihues");
    assert_eq!(&rows[0][7], "¿Qué sabe de inclusión?");
    assert_eq!(&rows[0][8], "Respuesta 0, con coma, y \"comillas\"\nen dos líneas");
    // The record's own answers travel with every row, so a filter in Excel keeps them.
    let record = inquiry::read_record(&doc).unwrap();
    assert_eq!(header[12], "observaciones / reflexiones");
    for (col, field) in
        [(9, "guidance"), (10, "guidance_where"), (11, "situation"), (12, "observations")]
    {
        assert!(!record.field(field).is_empty(), "{field} is filled");
        assert_eq!(&rows[0][col], record.field(field), "{field}");
    }
}

#[test]
fn a_splice_past_the_end_or_into_another_kind_of_document_is_refused_with_the_reason() {
    use juntas_core::model::DocError;
    let inq = new_inquiry();
    let mut record = new_record(&inq);
    let heads = record.get_heads();
    assert_eq!(
        inquiry::splice(&mut record, &field("place"), 3, 0, "x", &s(30)),
        Err(InquiryError::OutOfRange { at: 3, len: 0 })
    );
    assert_eq!(record.get_heads(), heads, "a refused splice commits nothing");
    assert_eq!(
        inquiry::read_record(&inq),
        Err(DocError::WrongKind {
            expected: inquiry::RECORD_KIND,
            found: inquiry::INQUIRY_KIND.into()
        })
    );
    let mut not_a_record = new_inquiry();
    assert_eq!(
        inquiry::add_participant(&mut not_a_record, "p1", &s(40)),
        Err(InquiryError::Doc(DocError::WrongKind {
            expected: inquiry::RECORD_KIND,
            found: inquiry::INQUIRY_KIND.into()
        }))
    );
}

#[test]
fn shared_results_carry_the_records_as_they_were_and_a_second_share_replaces_the_first() {
    let mut inq = new_inquiry();
    assert_eq!(inquiry::shared_results(&inq).unwrap(), None, "nothing shared yet");
    let mut rec = new_record(&inq);
    complete(&mut rec);
    let record = inquiry::read_record(&rec).unwrap();
    inquiry::share_results(&mut inq, &[("r1".into(), record.clone())], &Stamp::new("fac", 5_000))
        .unwrap();
    // Another member's replica reads exactly what was shared, after a merge.
    let mut other = device(AutoCommit::new(), 9);
    other.merge(&mut inq).unwrap();
    let shared = inquiry::shared_results(&other).unwrap().expect("shared");
    assert_eq!((shared.at, shared.by.as_str()), (5_000, "fac"));
    assert_eq!(shared.records.get("r1"), Some(&record));
    // Corrected afterwards, the record is not re-shared until the facilitator shares again.
    put(&mut rec, field("nee_count"), "1");
    assert_eq!(
        inquiry::shared_results(&inq).unwrap().unwrap().records["r1"].field("nee_count"),
        "4"
    );
    let corrected = inquiry::read_record(&rec).unwrap();
    inquiry::share_results(&mut inq, &[("r1".into(), corrected)], &Stamp::new("fac", 6_000))
        .unwrap();
    let again = inquiry::shared_results(&inq).unwrap().unwrap();
    assert_eq!((again.at, again.records.len()), (6_000, 1));
    assert_eq!(again.records["r1"].field("nee_count"), "14");
    // The inquiry itself still reads as before.
    assert!(inquiry::read_inquiry(&inq).is_ok());
}

#[test]
fn a_draft_is_deleted_by_its_author_everywhere_but_a_finalised_record_is_not() {
    let inq = new_inquiry();
    // A draft started by mistake: deleted, and her other phone reads it deleted after a sync.
    let mut draft = new_record(&inq);
    let mut other_phone = device(draft.fork(), 3);
    inquiry::discard(&mut draft, &s(50)).unwrap();
    assert_eq!(inquiry::read_record(&draft).unwrap().discarded_at, Some(50));
    other_phone.merge(&mut draft).unwrap();
    assert_eq!(inquiry::read_record(&other_phone).unwrap().discarded_at, Some(50));
    let last = juntas_core::model::history::entries(&mut other_phone).pop().unwrap();
    assert_eq!((last.verb.as_str(), last.by.as_str()), ("eliminar pauta", "maria"));
    // A deleted pauta is not finalised afterwards (another tab still showing it).
    complete(&mut other_phone);
    assert_eq!(
        inquiry::finalise(&mut other_phone, "2026-06-08", &s(60)),
        Err(InquiryError::Discarded)
    );

    // A finalised one is counted by the facilitation and the SLEP: it stays.
    let mut done = new_record(&inq);
    complete(&mut done);
    inquiry::finalise(&mut done, "2026-06-08", &s(70)).unwrap();
    assert_eq!(inquiry::discard(&mut done, &s(71)), Err(InquiryError::Finalised));
    assert_eq!(inquiry::read_record(&done).unwrap().discarded_at, None);
}
