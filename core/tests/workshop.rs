//! Workshops and their exit tickets: one answer per person whatever the merge order, the
//! closing's heads decide what counts (a phone offline at the closing is shown as late), the
//! same results on every replica, and the rules: each member writes her own answers only, the
//! facilitator makes and closes the ticket.

use std::collections::BTreeMap;

use automerge::{ActorId, AutoCommit};
use juntas_core::model::history::Stamp;
use juntas_core::model::network::{Member, Role};
use juntas_core::model::workshop::{
    self, Answer, New, QuestionKind, Tally, answer, close, create, default_questions, read, results,
};
use juntas_core::rules::{Effect, Facts, Refusal, Who, check, effects};
use proptest::prelude::*;

fn s(by: &str, at: i64) -> Stamp {
    Stamp::new(by, at)
}

fn device(doc: AutoCommit, n: u8) -> AutoCommit {
    doc.with_actor(ActorId::from(vec![n; 16]))
}

fn new_workshop() -> AutoCommit {
    let mut doc = device(AutoCommit::new(), 1);
    let new = New {
        title: "Taller 2: árbol de problemas".into(),
        date: "2026-06-12".into(),
        place: "Liceo de Quilicura".into(),
        agenda: "Bienvenida; árbol de problemas; cierre".into(),
        questions: default_questions(),
        anonymous: true,
    };
    create(&mut doc, "red", &new, &s("fac", 1)).unwrap();
    doc
}

fn text(t: &str) -> Answer {
    Answer::Text(t.into())
}

#[test]
fn answers_are_tallied_per_question_without_names() {
    let mut doc = new_workshop();
    let w = read(&doc).unwrap();
    assert_eq!(w.title, "Taller 2: árbol de problemas");
    assert!(w.anonymous, "anonymous by default");
    assert_eq!(w.questions.len(), 3);
    assert_eq!(w.questions[2].kind, QuestionKind::Scale);
    for (who, take, score) in [("ana", "El árbol", 5), ("bea", "Las causas", 4), ("eva", "", 4)] {
        answer(&mut doc, "q1", text(take), &s(who, 2)).unwrap();
        answer(&mut doc, "q3", Answer::Scale(score), &s(who, 3)).unwrap();
    }
    // She changes her mind: one answer per person, the latest.
    answer(&mut doc, "q3", Answer::Scale(3), &s("eva", 4)).unwrap();
    assert_eq!(
        answer(&mut doc, "q3", Answer::Scale(6), &s("eva", 5)),
        Err(workshop::WorkshopError::OutOfScale(6))
    );
    let r = results(&read(&doc).unwrap());
    assert_eq!(r.answered, 3);
    assert_eq!(r.tallies[0].1, Tally::Texts(vec!["El árbol".into(), "Las causas".into()]));
    assert_eq!(r.tallies[1].1, Tally::Texts(vec![]));
    assert_eq!(r.tallies[2].1, Tally::Scale { counts: [0, 0, 1, 1, 1], mean_tenths: Some(40) });
    assert_eq!((r.late, r.unreadable), (0, 0));
}

#[test]
fn the_ticket_asks_every_member_but_the_facilitators_and_counts_whoever_answered() {
    let member = |role| Member { name: "x".into(), role, centre_id: None };
    let members: BTreeMap<String, Member> = [
        ("ana", Role::Principal),
        ("bea", Role::Principal),
        ("rosa", Role::SlepProfessional),
        ("fac", Role::Facilitator),
        ("fac2", Role::Facilitator),
    ]
    .into_iter()
    .map(|(id, r)| (id.to_string(), member(r)))
    .collect();
    let mut doc = new_workshop();
    assert_eq!(workshop::asked(&members, &read(&doc).unwrap()), 3, "principals and the SLEP");
    answer(&mut doc, "q1", text("Sí"), &s("ana", 2)).unwrap();
    assert_eq!(workshop::asked(&members, &read(&doc).unwrap()), 3);
    // A facilitator who answers, and someone the network no longer lists, are asked too: N
    // never exceeds M.
    answer(&mut doc, "q1", text("Bien"), &s("fac", 3)).unwrap();
    answer(&mut doc, "q1", text("Ya no estoy"), &s("ida", 4)).unwrap();
    let w = read(&doc).unwrap();
    assert_eq!((results(&w).answered, workshop::asked(&members, &w)), (3, 5));
    // An answer that arrives after the closing counts in neither: the other facilitator's,
    // made on a phone that was offline at the closing.
    let mut phone = device(doc.fork(), 2);
    answer(&mut phone, "q1", text("Tarde"), &s("fac2", 5)).unwrap();
    close(&mut doc, &s("fac", 6)).unwrap();
    doc.merge(&mut phone).unwrap();
    let w = read(&doc).unwrap();
    assert_eq!(w.late.len(), 1);
    assert_eq!((results(&w).answered, workshop::asked(&members, &w)), (3, 5));
}

#[test]
fn a_phone_offline_when_the_ticket_closed_is_shown_late_and_not_counted_everywhere() {
    let mut laptop = new_workshop();
    let mut phone = device(laptop.fork(), 2);
    answer(&mut laptop, "q3", Answer::Scale(5), &s("ana", 2)).unwrap();
    answer(&mut phone, "q3", Answer::Scale(2), &s("bea", 2)).unwrap();
    // The facilitator closes before Bea's phone has signal.
    close(&mut laptop, &s("fac", 10)).unwrap();
    assert_eq!(
        answer(&mut laptop, "q1", text("tarde"), &s("ana", 11)),
        Err(workshop::WorkshopError::Closed)
    );
    laptop.merge(&mut phone).unwrap();
    phone.merge(&mut laptop).unwrap();
    for doc in [&laptop, &phone] {
        let w = read(doc).unwrap();
        assert_eq!(w.closing.as_ref().map(|c| c.by.as_str()), Some("fac"));
        let r = results(&w);
        assert_eq!(r.answered, 1, "Ana's only");
        assert_eq!(r.tallies[2].1, Tally::Scale { counts: [0, 0, 0, 0, 1], mean_tenths: Some(50) });
        assert_eq!(r.late, 1);
        assert_eq!(w.late["bea"]["q3"], Answer::Scale(2));
    }
}

#[test]
fn an_answer_cleared_after_the_closing_on_a_phone_that_did_not_know_still_counts() {
    let mut laptop = new_workshop();
    answer(&mut laptop, "q1", text("Cómo medir el avance"), &s("bea", 2)).unwrap();
    answer(&mut laptop, "q3", Answer::Scale(4), &s("bea", 2)).unwrap();
    let mut phone = device(laptop.fork(), 2);
    close(&mut laptop, &s("fac", 10)).unwrap();
    // Bea's phone, offline, has not heard of the closing: she clears her text answer.
    answer(&mut phone, "q1", text(""), &s("bea", 11)).unwrap();
    phone.merge(&mut laptop).unwrap();
    laptop.merge(&mut phone).unwrap();
    for doc in [&laptop, &phone] {
        let r = results(&read(doc).unwrap());
        assert_eq!(r.answered, 1, "counted as it was at the closing");
        let Tally::Texts(t) = &r.tallies[0].1 else { panic!("texts") };
        assert_eq!(t, &vec!["Cómo medir el avance".to_string()]);
    }
}

#[test]
fn two_phones_of_one_person_answering_at_once_leave_one_answer() {
    let mut doc = new_workshop();
    let (mut a, mut b) = (device(doc.fork(), 2), device(doc.fork(), 3));
    answer(&mut a, "q1", text("Desde el teléfono"), &s("ana", 2)).unwrap();
    answer(&mut b, "q1", text("Desde el computador"), &s("ana", 2)).unwrap();
    a.merge(&mut b).unwrap();
    b.merge(&mut a).unwrap();
    let (ra, rb) = (results(&read(&a).unwrap()), results(&read(&b).unwrap()));
    assert_eq!(ra, rb);
    assert_eq!(ra.answered, 1);
    let Tally::Texts(t) = &ra.tallies[0].1 else { panic!("texts") };
    assert_eq!(t.len(), 1, "one answer per person: {t:?}");
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
fn each_member_writes_her_own_answers_and_only_the_facilitator_closes() {
    let mut doc = new_workshop();
    let (ana, fac) = (who("ana", Role::Principal), who("fac", Role::Facilitator));
    let mine = change(&mut doc, |d| answer(d, "q1", text("Mucho"), &s("ana", 2)).unwrap());
    assert_eq!(check(Some(&ana), &Facts::Workshop, &mine), Ok(()));
    assert_eq!(
        check(Some(&fac), &Facts::Workshop, &mine),
        Err(Refusal::OnlyAuthor { what: "answer" }),
        "not even the facilitator writes someone else's answer"
    );
    let closing = change(&mut doc, |d| close(d, &s("fac", 3)).unwrap());
    assert_eq!(check(Some(&fac), &Facts::Workshop, &closing), Ok(()));
    assert_eq!(
        check(Some(&ana), &Facts::Workshop, &closing),
        Err(Refusal::OnlyFacilitator { what: "the workshop" })
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Three members answer on their own phones (and change their answers), the facilitator
    /// closes at a random moment on hers, phones sync in a random order: every replica shows
    /// the same results, one answer per member and question, and what counts is exactly what
    /// the facilitator's phone had when she closed.
    #[test]
    fn every_replica_counts_the_same_answers_the_closing_saw(
        ops in prop::collection::vec((0usize..3, 0usize..3, 1i64..=5, 0usize..4), 1..40),
        close_at in 0usize..40,
    ) {
        let mut base = new_workshop();
        let mut replicas: Vec<AutoCommit> =
            (0..4).map(|i| device(base.fork(), 10 + i as u8)).collect();
        let members = ["ana", "bea", "eva"];
        let questions = ["q1", "q2", "q3"];
        let mut snapshot: Option<BTreeMap<String, BTreeMap<String, Answer>>> = None;
        for (step, (m, q, v, sync_with)) in ops.iter().enumerate() {
            if step == close_at.min(ops.len() - 1) && snapshot.is_none() {
                snapshot = Some(read(&replicas[3]).unwrap().answers);
                close(&mut replicas[3], &s("fac", 1_000)).unwrap();
            }
            let value = if questions[*q] == "q3" { Answer::Scale(*v) } else { text(&format!("{} {v}", members[*m])) };
            // A phone that already heard of the closing does not answer (the app refuses).
            let _ = answer(&mut replicas[*m], questions[*q], value, &s(members[*m], step as i64 + 2));
            if *sync_with != *m {
                let (a, b) = if *m < *sync_with { (*m, *sync_with) } else { (*sync_with, *m) };
                let (left, right) = replicas.split_at_mut(b);
                left[a].merge(&mut right[0]).unwrap();
                right[0].merge(&mut left[a]).unwrap();
            }
        }
        if snapshot.is_none() {
            snapshot = Some(read(&replicas[3]).unwrap().answers);
            close(&mut replicas[3], &s("fac", 1_000)).unwrap();
        }
        for i in 0..4 {
            for j in 0..4 {
                if i != j {
                    let (a, b) = if i < j { (i, j) } else { (j, i) };
                    let (left, right) = replicas.split_at_mut(b);
                    left[a].merge(&mut right[0]).unwrap();
                }
            }
        }
        for i in 0..4 {
            let (a, b) = (0, i);
            if a != b {
                let (left, right) = replicas.split_at_mut(b);
                right[0].merge(&mut left[a]).unwrap();
            }
        }
        let first = results(&read(&replicas[0]).unwrap());
        for r in &replicas {
            let w = read(r).unwrap();
            prop_assert_eq!(&results(&w), &first);
            prop_assert_eq!(&w.answers, snapshot.as_ref().unwrap(), "what counts is what the closing saw");
            prop_assert!(w.answers.len() <= 3);
        }
    }
}
