//! Improvement cycles: the aim and links the facilitator sets, the PDSA worksheet typed on two
//! devices at once (characters merge, nothing replaced), stages with the day each started, and
//! the rules (every member writes the worksheet and marks stages; the aim is the facilitator's).

use std::collections::BTreeMap;

use automerge::{ActorId, AutoCommit};
use juntas_core::model::cycle::{
    self, LinkKind, New, Stage, Target, create, read, splice, start_stage,
};
use juntas_core::model::history::{self, Stamp, Verb};
use juntas_core::model::network::Role;
use juntas_core::rules::{Effect, Facts, Refusal, Who, check, effects, facts_of};

fn s(by: &str, at: i64) -> Stamp {
    Stamp::new(by, at)
}

fn device(doc: AutoCommit, n: u8) -> AutoCommit {
    doc.with_actor(ActorId::from(vec![n; 16]))
}

fn cycle_one() -> AutoCommit {
    let mut doc = device(AutoCommit::new(), 1);
    let aim: BTreeMap<String, String> = [
        ("que", "Plan de funcionamiento escrito por comisiones"),
        ("para_quien", "Los 15 jardines de la red"),
        ("cuanto", "15 planes entregados, 12 aprobados sin observaciones"),
        ("para_cuando", "Marzo de 2027"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let new = New {
        number: 1,
        title: "Ciclo 1: Plan de funcionamiento por comisiones".into(),
        aim,
        links: [("2027".to_owned(), LinkKind::Plan), ("arbol-1".to_owned(), LinkKind::Tree)].into(),
        start: "2026-09-01".into(),
    };
    create(&mut doc, "red", &new, &s("fac", 1)).unwrap();
    doc
}

fn at_end(doc: &mut AutoCommit, field: &str, text: &str, by: &str) {
    let len = read(doc).unwrap().field(field).chars().count();
    splice(doc, &Target::Sheet(field.into()), len, 0, text, &s(by, 5)).unwrap();
}

#[test]
fn two_people_writing_one_field_offline_keep_both_texts_and_stages_keep_their_days() {
    let mut laptop = cycle_one();
    let c = read(&laptop).unwrap();
    assert_eq!((c.number, c.stage()), (1, Stage::Plan));
    assert_eq!(c.aim["cuanto"], "15 planes entregados, 12 aprobados sin observaciones");
    assert_eq!(c.links.get("2027"), Some(&LinkKind::Plan));
    assert_eq!(c.stages[&Stage::Plan], "2026-09-01");
    let mut phone = device(laptop.fork(), 2);
    at_end(&mut laptop, "objetivo", "Que cada comisión redacte su parte.", "ana");
    at_end(&mut phone, "objetivo", "Probar la revisión del SLEP.", "bea");
    start_stage(&mut phone, Stage::Do, "2026-10-05", &s("bea", 6)).unwrap();
    laptop.merge(&mut phone).unwrap();
    phone.merge(&mut laptop).unwrap();
    for doc in [&laptop, &phone] {
        let c = read(doc).unwrap();
        let o = c.field("objetivo");
        assert!(
            o.contains("Que cada comisión redacte su parte.")
                && o.contains("Probar la revisión del SLEP."),
            "{o}"
        );
        assert_eq!(c.stage(), Stage::Do);
        assert_eq!(c.stages[&Stage::Do], "2026-10-05");
    }
    // A stage already started keeps its first day.
    start_stage(&mut laptop, Stage::Do, "2026-10-20", &s("ana", 7)).unwrap();
    assert_eq!(read(&laptop).unwrap().stages[&Stage::Do], "2026-10-05");
    let entries = history::entries(&mut laptop);
    assert!(entries.iter().any(|e| e.verb == Verb::Stage && e.section == "hacer" && e.by == "bea"));
    assert!(
        entries.iter().any(|e| e.verb == Verb::Edit && e.section == "objetivo" && e.by == "ana")
    );
}

fn who(member: &str, role: Role) -> Who {
    Who { member: member.into(), role, centre: None, commissions: Default::default() }
}

fn change(doc: &mut AutoCommit, f: impl FnOnce(&mut AutoCommit)) -> Vec<Effect> {
    doc.commit();
    let before = doc.get_heads();
    f(doc);
    let after = doc.get_heads();
    effects(doc, &before, &after)
}

#[test]
fn every_member_writes_the_worksheet_and_the_aim_is_the_facilitator_s() {
    let mut doc = cycle_one();
    assert_eq!(facts_of(&doc), Some(Facts::Cycle));
    let (ana, fac) = (who("ana", Role::Principal), who("fac", Role::Facilitator));
    let sheet = change(&mut doc, |d| at_end(d, "aprendizajes", "Las comisiones funcionan.", "ana"));
    assert_eq!(check(Some(&ana), &Facts::Cycle, &sheet), Ok(()));
    let stage =
        change(&mut doc, |d| start_stage(d, Stage::Study, "2026-11-02", &s("ana", 8)).unwrap());
    assert_eq!(check(Some(&ana), &Facts::Cycle, &stage), Ok(()));
    let aim = change(&mut doc, |d| {
        splice(d, &Target::Aim("cuanto".into()), 0, 2, "14", &s("ana", 9)).unwrap();
    });
    assert_eq!(
        check(Some(&ana), &Facts::Cycle, &aim),
        Err(Refusal::OnlyFacilitator { what: "the cycle's aim and links" })
    );
    assert_eq!(check(Some(&fac), &Facts::Cycle, &aim), Ok(()));
    assert_eq!(
        splice(&mut doc, &Target::Sheet("nada".into()), 0, 0, "x", &s("ana", 10)),
        Err(cycle::CycleError::UnknownField("nada".into()))
    );
}

#[test]
fn each_principal_enters_her_centre_s_points_and_the_chart_reads_the_mean_per_day() {
    use juntas_core::model::cycle::{MeasureKind, add_measure, put_point};
    let mut doc = cycle_one();
    add_measure(&mut doc, "m1", "Asistencia", MeasureKind::Outcome, "%", Some(85.0), &s("fac", 2))
        .unwrap();
    let (ana, fac) = (
        Who { centre: Some("c1".into()), ..who("ana", Role::Principal) },
        who("fac", Role::Facilitator),
    );
    let mine =
        change(&mut doc, |d| put_point(d, "m1", "2026-10-01", "c1", 80.0, &s("ana", 3)).unwrap());
    assert_eq!(check(Some(&ana), &Facts::Cycle, &mine), Ok(()));
    let other =
        change(&mut doc, |d| put_point(d, "m1", "2026-10-01", "c2", 90.0, &s("ana", 4)).unwrap());
    assert!(check(Some(&ana), &Facts::Cycle, &other).is_err(), "not another centre's");
    assert_eq!(check(Some(&fac), &Facts::Cycle, &other), Ok(()));
    // Two phones correct one centre's day at once: one value stays, the same everywhere.
    let (mut a, mut b) = (device(doc.fork(), 5), device(doc.fork(), 6));
    put_point(&mut a, "m1", "2026-10-02", "c1", 70.0, &s("ana", 5)).unwrap();
    put_point(&mut b, "m1", "2026-10-02", "c1", 75.0, &s("ana", 5)).unwrap();
    a.merge(&mut b).unwrap();
    b.merge(&mut a).unwrap();
    let (ma, mb) = (read(&a).unwrap().measures, read(&b).unwrap().measures);
    assert_eq!(ma, mb);
    let m = &ma[0];
    assert_eq!((m.name.as_str(), m.kind, m.goal), ("Asistencia", MeasureKind::Outcome, Some(85.0)));
    assert_eq!(m.series()[0], ("2026-10-01".to_owned(), 85.0, 2), "the mean of the two centres");
    assert_eq!(m.series()[1].2, 1, "one value for c1 on the 2nd");
    assert_eq!(
        put_point(&mut a, "m1", "1 de octubre", "c1", 1.0, &s("ana", 6)),
        Err(cycle::CycleError::BadPoint)
    );
}
