//! Resultados of an inquiry: the NEE total over finalised records and when it is partial
//! (unreadable records, counts that are not a number), the centres with no record yet, the
//! round-1 reflections and the answers by question.

use std::collections::BTreeMap;

use juntas_core::model::inquiry::{Inquiry, OBSERVATIONS, Participant, Record};
use juntas_core::model::results::{self, LeftOut, RecordReading};

fn centres() -> Vec<(String, String)> {
    [
        ("c1", "Jardín Los Aromos"),
        ("c2", "Jardín El Sol"),
        ("c3", "Jardín Rayito"),
        ("c4", "Sala Cuna Luna"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect()
}

fn inquiry(records: &[(&str, &str)]) -> Inquiry {
    Inquiry {
        network_id: "red".into(),
        version: 1,
        records: records.iter().map(|(r, c)| (r.to_string(), c.to_string())).collect(),
        ..Default::default()
    }
}

fn record(centre: &str, name: &str, nee: &str, finalised: bool) -> Record {
    let mut fields = BTreeMap::new();
    fields.insert("nee_count".to_string(), nee.to_string());
    fields.insert("principal_name".to_string(), format!("Directora de {name}"));
    Record {
        inquiry_id: "inq".into(),
        template_version: 1,
        principal_id: format!("p-{centre}"),
        centre_id: centre.into(),
        centre_name: name.into(),
        date: "2025-05-01".into(),
        fields,
        questions: vec!["¿Qué orientaciones conocen?".into(), "¿Cómo las aplican?".into()],
        roles: vec!["Educadora".into()],
        participants: vec![
            Participant {
                id: "a".into(),
                order: 1,
                name: format!("Ana de {name}"),
                role: "Educadora".into(),
                answers: vec![format!("{name} 1"), format!("{name} 2")],
            },
            Participant {
                id: "b".into(),
                order: 2,
                name: format!("Berta de {name}"),
                role: "Técnica".into(),
                answers: vec![format!("{name} b1")],
            },
        ],
        finalised_at: finalised.then_some(1_000),
        discarded_at: None,
    }
}

fn read(id: &str, record: Record) -> RecordReading {
    RecordReading::read(id, record)
}

#[test]
fn the_total_adds_the_finalised_records_counts() {
    let inq = inquiry(&[("r1", "c1"), ("r2", "c2"), ("r3", "c3")]);
    let readings = [
        read("r1", record("c1", "Jardín Los Aromos", "3", true)),
        read("r2", record("c2", "Jardín El Sol", " 5 ", true)),
        read("r3", record("c3", "Jardín Rayito", "0", true)),
    ];
    let r = results::results(&inq, &readings, &centres());
    assert_eq!(r.nee.total, 8);
    assert!(!r.nee.is_partial());
    assert!(r.unreadable.is_empty());
    assert_eq!(r.finalised.len(), 3);
    let rows: Vec<(&str, &str, Option<u32>)> =
        r.nee.rows.iter().map(|n| (n.record.as_str(), n.text.as_str(), n.count)).collect();
    assert_eq!(rows, [("r1", "3", Some(3)), ("r2", "5", Some(5)), ("r3", "0", Some(0))]);
    let missing: Vec<&str> = r.missing.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(missing, ["Sala Cuna Luna"]);
}

#[test]
fn drafts_are_left_out_and_their_centres_are_missing() {
    let inq = inquiry(&[("r1", "c1"), ("r2", "c2")]);
    let readings = [
        read("r1", record("c1", "Jardín Los Aromos", "3", true)),
        read("r2", record("c2", "Jardín El Sol", "4", false)),
    ];
    let r = results::results(&inq, &readings, &centres());
    assert_eq!(r.nee.total, 3);
    assert!(!r.nee.is_partial(), "a draft is not yet part of the results");
    assert_eq!(r.finalised.len(), 1);
    let missing: Vec<&str> = r.missing.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(missing, ["c2", "c3", "c4"], "in the network's order");
}

#[test]
fn an_unreadable_record_makes_the_total_partial_and_is_listed_not_missing() {
    let inq = inquiry(&[("r1", "c1"), ("r2", "c2"), ("r3", "c3")]);
    let readings = [
        read("r1", record("c1", "Jardín Los Aromos", "3", true)),
        RecordReading::unreadable("r2", "documento dañado"),
        read("r3", record("c3", "Jardín Rayito", "2", true)),
    ];
    let r = results::results(&inq, &readings, &centres());
    assert_eq!(r.nee.total, 5);
    assert!(r.nee.is_partial());
    assert_eq!(r.nee.left_out.len(), 1);
    assert_eq!(r.nee.left_out[0].record, "r2");
    assert_eq!(r.nee.left_out[0].centre, "Jardín El Sol");
    assert_eq!(r.nee.left_out[0].why, LeftOut::Unreadable("documento dañado".into()));
    assert_eq!(r.unreadable.len(), 1);
    let u = &r.unreadable[0];
    assert_eq!(
        (u.id.as_str(), u.centre_id.as_deref(), u.centre_name.as_deref(), u.reason.as_str()),
        ("r2", Some("c2"), Some("Jardín El Sol"), "documento dañado")
    );
    let missing: Vec<&str> = r.missing.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(missing, ["c4"], "El Sol's record exists: it is unreadable, not missing");
    assert_eq!(r.finalised.len(), 2);
}

#[test]
fn an_unreadable_record_the_inquiry_does_not_list_has_no_centre() {
    let inq = inquiry(&[]);
    let readings = [RecordReading::unreadable("rx", "otra red")];
    let r = results::results(&inq, &readings, &centres());
    assert_eq!(r.unreadable[0].centre_id, None);
    assert_eq!(r.unreadable[0].centre_name, None);
    assert_eq!(r.missing.len(), 4);
    assert!(r.nee.is_partial());
}

#[test]
fn a_count_that_is_not_a_number_makes_the_total_partial_and_says_which() {
    let inq = inquiry(&[("r1", "c1"), ("r2", "c2")]);
    let readings = [
        read("r1", record("c1", "Jardín Los Aromos", "3", true)),
        read("r2", record("c2", "Jardín El Sol", " tres ", true)),
    ];
    let r = results::results(&inq, &readings, &centres());
    assert_eq!(r.nee.total, 3);
    assert!(r.nee.is_partial());
    assert_eq!(r.nee.left_out.len(), 1);
    assert_eq!(r.nee.left_out[0].record, "r2");
    assert_eq!(r.nee.left_out[0].centre, "Jardín El Sol");
    assert_eq!(r.nee.left_out[0].why, LeftOut::NotACount("tres".into()));
    assert_eq!(r.nee.rows[1].text, "tres", "the row shows what was typed");
    assert_eq!(r.nee.rows[1].count, None);
    assert!(r.unreadable.is_empty());
    let missing: Vec<&str> = r.missing.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(missing, ["c3", "c4"], "a record with a bad count is still delivered");
}

#[test]
fn left_out_records_keep_the_order_given() {
    let inq = inquiry(&[("r1", "c1"), ("r2", "c2"), ("r3", "c3")]);
    let readings = [
        read("r1", record("c1", "Jardín Los Aromos", "-1", true)),
        RecordReading::unreadable("r2", "dañado"),
        read("r3", record("c3", "Jardín Rayito", "", true)),
    ];
    let r = results::results(&inq, &readings, &centres());
    let ids: Vec<&str> = r.nee.left_out.iter().map(|l| l.record.as_str()).collect();
    assert_eq!(ids, ["r1", "r2", "r3"]);
    assert_eq!(r.nee.total, 0);
}

#[test]
fn every_centre_delivered_leaves_none_missing() {
    let inq = inquiry(&[]);
    let readings: Vec<RecordReading> = centres()
        .iter()
        .enumerate()
        .map(|(i, (id, name))| read(&format!("r{i}"), record(id, name, "1", true)))
        .collect();
    let r = results::results(&inq, &readings, &centres());
    assert!(r.missing.is_empty());
    assert_eq!(r.nee.total, 4);
}

#[test]
fn reflections_and_answers_by_question() {
    let inq = inquiry(&[]);
    let mut a = record("c1", "Jardín Los Aromos", "1", true);
    a.fields.insert(OBSERVATIONS.into(), "  Nos sirvió conversar  ".into());
    let b = record("c2", "Jardín El Sol", "1", true);
    let mut c = record("c3", "Jardín Rayito", "1", true);
    c.questions.push("¿Qué necesitan?".into());
    c.participants[0].answers.push("Tiempo".into());
    let r = results::results(&inq, &[read("r1", a), read("r2", b), read("r3", c)], &centres());

    assert_eq!(r.reflections.len(), 1, "only non-empty reflections");
    assert_eq!(r.reflections[0].centre, "Jardín Los Aromos");
    assert_eq!(r.reflections[0].text, "Nos sirvió conversar");

    let titles: Vec<&str> = r.questions.iter().map(|q| q.title.as_str()).collect();
    assert_eq!(titles, ["¿Qué orientaciones conocen?", "¿Cómo las aplican?", "¿Qué necesitan?"]);
    assert_eq!(r.questions[0].answers.len(), 6, "every participant of every record");
    let first = &r.questions[0].answers[0];
    assert_eq!(
        (first.centre.as_str(), first.name.as_str(), first.role.as_str(), first.answer.as_str()),
        ("Jardín Los Aromos", "Ana de Jardín Los Aromos", "Educadora", "Jardín Los Aromos 1")
    );
    assert_eq!(r.questions[1].answers[1].answer, "", "Berta did not answer question 2");
    // The third question only Rayito's record has; the others' participants answer nothing.
    let third: Vec<&str> = r.questions[2].answers.iter().map(|a| a.answer.as_str()).collect();
    assert_eq!(third, ["", "", "", "", "Tiempo", ""]);
    assert_eq!(r.records().len(), 3);
}

#[test]
fn no_records_no_questions() {
    let r = results::results(&inquiry(&[]), &[], &centres());
    assert_eq!(r.nee.total, 0);
    assert!(!r.nee.is_partial());
    assert!(r.questions.is_empty());
    assert!(r.reflections.is_empty());
    assert_eq!(r.missing.len(), 4);
}
