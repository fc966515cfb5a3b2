//! A centre's plan: one document however many devices start it, adoption of the common part,
//! delivery to the SLEP with its checks, review, the diff between deliveries, and history.

use automerge::{ActorId, AutoCommit};
use juntas_core::DocumentId;
use juntas_core::model::centre_plan::{self, CentreError};
use juntas_core::model::diff::Part;
use juntas_core::model::history::{self, Stamp, Verb};
use juntas_core::model::plan::{self, Scope};
use juntas_core::model::review::{PlanState, ReviewError};

const NET: DocumentId = DocumentId::from_bytes([7; 16]);

fn device(mut doc: AutoCommit, n: u8) -> AutoCommit {
    doc = doc.with_actor(ActorId::from(vec![n; 16]));
    doc
}

fn s(by: &str, at: i64) -> Stamp {
    Stamp::new(by, at)
}

/// The common plan with every common text written.
fn written_common() -> AutoCommit {
    let mut common = device(plan::skeleton(NET, 2027), 1);
    for sec in plan::read(&common).unwrap().sections {
        if sec.def.scope.has_common_text() {
            let text = format!("Acuerdo común de la sección {}.", sec.def.code);
            plan::splice(&mut common, &sec.def.id, 0, 0, &text, &s("ana", 1_000)).unwrap();
        }
    }
    common
}

fn per_centre_ids(common: &AutoCommit) -> Vec<String> {
    plan::read(common)
        .unwrap()
        .sections
        .into_iter()
        .filter(|x| x.def.scope == Scope::PerCentre)
        .map(|x| x.def.id)
        .collect()
}

#[test]
fn two_devices_starting_the_same_plan_offline_get_one_document() {
    let mut phone = device(centre_plan::skeleton(NET, 2027, "c1"), 2);
    let mut laptop = device(centre_plan::skeleton(NET, 2027, "c1"), 3);
    assert_eq!(phone.get_heads(), laptop.get_heads(), "the skeleton is byte-identical");
    centre_plan::splice(&mut phone, "3", 0, 0, "Jornada de 8:30 a 16:30.", &s("p", 1)).unwrap();
    centre_plan::splice(&mut laptop, "3", 0, 0, "Aforo: 20 por sala. ", &s("p", 2)).unwrap();
    phone.merge(&mut laptop).unwrap();
    laptop.merge(&mut phone).unwrap();
    let text = centre_plan::read(&phone).unwrap().body("3").to_string();
    assert_eq!(text, centre_plan::read(&laptop).unwrap().body("3"));
    assert!(text.contains("Jornada de 8:30 a 16:30.") && text.contains("Aforo: 20 por sala."));
    // The same holds for the common plan of a year.
    let mut a = device(plan::skeleton(NET, 2027), 4);
    let mut b = device(plan::skeleton(NET, 2027), 5);
    a.merge(&mut b).unwrap();
    assert_eq!(plan::read(&a).unwrap().sections.len(), plan::template().len());
    assert_ne!(plan::id_for(NET, 2027), plan::id_for(NET, 2028));
    assert_ne!(
        centre_plan::id_for(plan::id_for(NET, 2027), "c1"),
        centre_plan::id_for(plan::id_for(NET, 2027), "c2")
    );
}

#[test]
fn delivery_needs_adoption_and_every_required_section_then_is_fixed() {
    let mut common = written_common();
    let mut doc = device(centre_plan::skeleton(NET, 2027, "c1"), 2);
    assert_eq!(
        centre_plan::deliver(&mut doc, &mut common, "e1", "", &s("p", 2_000)),
        Err(CentreError::NotAdopted)
    );
    centre_plan::adopt(&mut doc, &mut common, &s("p", 2_000)).unwrap();
    let missing = match centre_plan::deliver(&mut doc, &mut common, "e1", "", &s("p", 2_001)) {
        Err(CentreError::Incomplete(m)) => m,
        other => panic!("expected Incomplete, got {other:?}"),
    };
    assert_eq!(missing, vec![("3".to_string(), "Organización de la jornada y aforos".to_string())]);
    for id in per_centre_ids(&common) {
        centre_plan::splice(&mut doc, &id, 0, 0, "Jornada completa.", &s("p", 2_002)).unwrap();
    }
    let state = centre_plan::deliver(&mut doc, &mut common, "e1", "", &s("p", 3_000)).unwrap();
    assert_eq!(state, PlanState::Submitted);
    assert_eq!(
        centre_plan::deliver(&mut doc, &mut common, "e2", "", &s("p", 3_001)),
        Err(CentreError::Review(ReviewError::NothingNewToDeliver))
    );
    assert!(!centre_plan::has_new_draft(&doc, &mut common).unwrap());
    // Editing afterwards opens a new draft; the delivered version does not move.
    centre_plan::splice(&mut doc, "3", 0, 0, "NUEVO ", &s("p", 4_000)).unwrap();
    assert!(centre_plan::has_new_draft(&doc, &mut common).unwrap());
    let read = centre_plan::read(&doc).unwrap();
    let delivered = read.review().submissions[0].clone();
    let then =
        centre_plan::at(&doc, &mut common, &centre_plan::delivery_heads(&delivered)).unwrap();
    let sec3 = then.iter().find(|x| x.def.id == "3").unwrap();
    assert_eq!(sec3.local, "Jornada completa.");
    assert_eq!(delivered.by, "p");
    // The common text as adopted is part of what was delivered, even after the commission
    // keeps writing.
    plan::splice(&mut common, "1.2", 0, 0, "CAMBIO ", &s("ana", 5_000)).unwrap();
    let then =
        centre_plan::at(&doc, &mut common, &centre_plan::delivery_heads(&delivered)).unwrap();
    assert_eq!(
        then.iter().find(|x| x.def.id == "1.2").unwrap().common,
        "Acuerdo común de la sección 1.2."
    );
}

#[test]
fn the_centre_sees_and_adopts_changes_in_the_common_part() {
    let mut common = written_common();
    let mut doc = device(centre_plan::skeleton(NET, 2027, "c1"), 2);
    centre_plan::adopt(&mut doc, &mut common, &s("p", 2_000)).unwrap();
    assert!(centre_plan::common_changes(&doc, &mut common).unwrap().is_empty());
    plan::splice(&mut common, "1.3", 0, 0, "Ingreso escalonado. ", &s("ana", 3_000)).unwrap();
    let changes = centre_plan::common_changes(&doc, &mut common).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].0, "1.3");
    assert!(changes[0].1.iter().any(|p| matches!(p, Part::Added(t) if t.contains("escalonado"))));
    let before = centre_plan::current(&doc, &mut common).unwrap();
    assert!(!before.iter().find(|x| x.def.id == "1.3").unwrap().common.contains("escalonado"));
    centre_plan::adopt(&mut doc, &mut common, &s("p", 4_000)).unwrap();
    assert!(centre_plan::common_changes(&doc, &mut common).unwrap().is_empty());
    let after = centre_plan::current(&doc, &mut common).unwrap();
    assert!(after.iter().find(|x| x.def.id == "1.3").unwrap().common.contains("escalonado"));
    // A device that has not received the adopted version says so instead of showing old text.
    let mut stale = device(plan::skeleton(NET, 2027), 9);
    assert_eq!(centre_plan::current(&doc, &mut stale), Err(CentreError::CommonVersionMissing));
}

fn delivered_plan(common: &mut AutoCommit) -> AutoCommit {
    let mut doc = device(centre_plan::skeleton(NET, 2027, "c1"), 2);
    centre_plan::adopt(&mut doc, common, &s("p", 2_000)).unwrap();
    for id in per_centre_ids(common) {
        centre_plan::splice(&mut doc, &id, 0, 0, "Salas de 20 niños.", &s("p", 2_001)).unwrap();
    }
    centre_plan::deliver(&mut doc, common, "e1", "Primera entrega", &s("p", 3_000)).unwrap();
    doc
}

#[test]
fn review_round_trip_with_observations_and_the_diff_between_deliveries() {
    let mut common = written_common();
    let mut draft = device(centre_plan::skeleton(NET, 2027, "c9"), 2);
    assert!(matches!(
        centre_plan::approve(&mut draft, "x", "", &s("slep", 1)),
        Err(CentreError::Review(ReviewError::ApproveUndelivered(PlanState::Draft)))
    ));
    let mut doc = delivered_plan(&mut common);
    let obs = vec![("o1".to_string(), "3".to_string(), "Indicar el aforo del patio.".to_string())];
    assert_eq!(
        centre_plan::observe(&mut doc, "e2", "  ", &obs, &s("slep", 4_000)),
        Err(CentreError::Review(ReviewError::ObservationWithoutNote))
    );
    let state =
        centre_plan::observe(&mut doc, "e2", "Falta el patio", &obs, &s("slep", 4_000)).unwrap();
    assert_eq!(state, PlanState::HasIssues);
    let read = centre_plan::read(&doc).unwrap();
    assert_eq!(read.observations.len(), 1);
    assert_eq!(read.observations[0].about, "e1");
    assert_eq!(read.observations[0].section, "3");
    let len = read.body("3").chars().count();
    centre_plan::splice(&mut doc, "3", len, 0, " Patio: 15 niños a la vez.", &s("p", 5_000))
        .unwrap();
    let state = centre_plan::deliver(&mut doc, &mut common, "e3", "", &s("p", 6_000)).unwrap();
    assert_eq!(state, PlanState::Resubmitted);
    let review = centre_plan::read(&doc).unwrap().review();
    let [first, second] = &review.submissions[..] else { panic!("two deliveries") };
    let diffs = centre_plan::diff_deliveries(&doc, &mut common, first, second).unwrap();
    assert_eq!(diffs.len(), 1, "only the section that changed");
    assert_eq!(diffs[0].def.id, "3");
    assert!(
        diffs[0].local.contains(&Part::Added("Patio: 15 niños a la vez.".into()))
            || diffs[0].local.iter().any(|p| matches!(p, Part::Added(t) if t.contains("Patio")))
    );
    assert!(!diffs[0].common.iter().any(|p| !matches!(p, Part::Same(_))));
    let state = centre_plan::approve(&mut doc, "e4", "Aprobado", &s("slep", 7_000)).unwrap();
    assert_eq!(state, PlanState::Approved);
}

#[test]
fn adoption_and_delivery_survive_a_merge_with_an_offline_device() {
    let mut common = written_common();
    let mut laptop = delivered_plan(&mut common);
    let mut phone = device(AutoCommit::new(), 3);
    phone.merge(&mut laptop).unwrap();
    // The SLEP observes on its copy while the principal, offline, keeps writing on the phone.
    let mut slep = device(AutoCommit::new(), 4);
    slep.merge(&mut laptop).unwrap();
    let obs = vec![("o1".to_string(), "3".to_string(), "Más detalle.".to_string())];
    centre_plan::observe(&mut slep, "e2", "Ver sección 3", &obs, &s("slep", 4_000)).unwrap();
    centre_plan::splice(&mut phone, "3", 0, 0, "Detalle: ", &s("p", 4_500)).unwrap();
    for (a, b) in [(0, 1), (1, 2), (2, 0), (0, 1)] {
        let docs = [&mut laptop, &mut phone, &mut slep];
        let mut other = docs[b].fork();
        docs[a].merge(&mut other).unwrap();
    }
    let reads: Vec<_> =
        [&laptop, &phone, &slep].iter().map(|d| centre_plan::read(d).unwrap()).collect();
    for r in &reads {
        assert_eq!(r, &reads[0]);
        assert_eq!(r.review().state, PlanState::HasIssues);
        assert_eq!(r.review().submissions.len(), 1);
        assert!(!r.adopted.is_empty());
        assert!(r.body("3").starts_with("Detalle: "));
    }
    assert!(centre_plan::has_new_draft(&laptop, &mut common).unwrap());
}

#[test]
fn history_names_who_changed_which_section_and_groups_typing() {
    let mut common = device(plan::skeleton(NET, 2027), 1);
    for (k, c) in "Hola".chars().enumerate() {
        plan::splice(&mut common, "4", k, 0, &c.to_string(), &s("ana", 10_000 + k as i64 * 500))
            .unwrap();
    }
    plan::set_status(&mut common, "4", plan::Status::ReadyForReview, &s("berta", 20_000)).unwrap();
    plan::comment(&mut common, "k1", "4", "¿Y los apoderados?", &s("carla", 30_000)).unwrap();
    let entries = history::entries(&mut common);
    assert_eq!(entries.len(), 1 + 4 + 1 + 1);
    assert_eq!(entries[1].by, "ana");
    assert_eq!(entries[1].section, "4");
    let groups = history::grouped(entries, 60_000);
    let lines: Vec<(String, Verb, usize)> =
        groups.iter().map(|g| (g.first.by.clone(), g.first.verb.clone(), g.count)).collect();
    assert_eq!(
        lines[..],
        [
            ("carla".to_string(), Verb::Comment, 1),
            ("berta".to_string(), Verb::Status, 1),
            ("ana".to_string(), Verb::Edit, 4),
            (String::new(), Verb::CreatePlan, 1),
        ]
    );
    let comments = plan::comments(&common).unwrap();
    assert_eq!(comments[0].text, "¿Y los apoderados?");
    assert_eq!(comments[0].by, "carla");
    assert_eq!(
        plan::comment(&mut common, "k2", "4", "  ", &s("c", 1)),
        Err(plan::PlanError::EmptyComment)
    );
}

#[test]
fn the_facilitator_edits_the_template_without_losing_text() {
    let mut common = written_common();
    let mut def = plan::read(&common).unwrap().section("4").unwrap().def.clone();
    def.title = "Comunicación con las familias y apoderados".into();
    def.required = false;
    plan::put_def(&mut common, &def, &s("fac", 9_000)).unwrap();
    let sec = plan::read(&common).unwrap().section("4").unwrap().clone();
    assert_eq!(sec.def.title, "Comunicación con las familias y apoderados");
    assert!(!sec.def.required);
    assert_eq!(sec.body, "Acuerdo común de la sección 4.");
    let new = plan::SectionDef {
        id: "8".into(),
        code: "8".into(),
        title: "Plan de retorno".into(),
        prompt: "Cómo se vuelve.".into(),
        scope: Scope::PerCentre,
        required: true,
    };
    plan::put_def(&mut common, &new, &s("fac", 9_001)).unwrap();
    let read = plan::read(&common).unwrap();
    assert_eq!(read.sections.last().unwrap().def.id, "8");
    let mut bad = new.clone();
    bad.title = " ".into();
    assert_eq!(plan::put_def(&mut common, &bad, &s("fac", 1)), Err(plan::PlanError::MissingTitle));
    // A centre writes the new section (its text is created on first edit).
    let mut doc = device(centre_plan::skeleton(NET, 2027, "c1"), 2);
    centre_plan::splice(&mut doc, "8", 0, 0, "Retorno gradual.", &s("p", 9_500)).unwrap();
    assert_eq!(centre_plan::read(&doc).unwrap().body("8"), "Retorno gradual.");
}

/// The template gained section 8 after the centre's plan was made; the principal writes `hers`
/// on her phone and the vice-principal "Reunión con familias." on the laptop, both offline;
/// then they sync. The phone and the laptop.
fn section_8_written_on_two_devices(hers: &str) -> (AutoCommit, AutoCommit) {
    let base = device(centre_plan::skeleton(NET, 2027, "c1"), 2);
    let mut phone = device(base.clone(), 3);
    let mut laptop = device(base, 4);
    centre_plan::splice(&mut phone, "8", 0, 0, hers, &s("p", 1)).unwrap();
    centre_plan::splice(&mut laptop, "8", 0, 0, "Reunión con familias.", &s("v", 2)).unwrap();
    phone.merge(&mut laptop).unwrap();
    laptop.merge(&mut phone).unwrap();
    (phone, laptop)
}

#[test]
fn a_new_section_written_on_two_devices_before_they_sync_keeps_both_texts() {
    let (mut phone, mut laptop) = section_8_written_on_two_devices("Retorno gradual por niveles.");
    let body = centre_plan::read(&phone).unwrap().body("8").to_string();
    assert_eq!(body, centre_plan::read(&laptop).unwrap().body("8"), "one text on both devices");
    assert!(
        body.contains("Retorno gradual por niveles.") && body.contains("Reunión con familias."),
        "{body}"
    );
    // Editing the joined text works on every part: append to the end, fix a word in the first
    // part, and delete across the gap; both devices read the same text afterwards.
    let len = body.chars().count();
    centre_plan::splice(&mut phone, "8", len, 0, " Fin.", &s("p", 3)).unwrap();
    let first_word = body.find(' ').unwrap();
    centre_plan::splice(&mut laptop, "8", 0, first_word, "Plan:", &s("v", 4)).unwrap();
    phone.merge(&mut laptop).unwrap();
    laptop.merge(&mut phone).unwrap();
    let body = centre_plan::read(&phone).unwrap().body("8").to_string();
    assert_eq!(body, centre_plan::read(&laptop).unwrap().body("8"));
    assert!(body.starts_with("Plan:") && body.ends_with(" Fin."), "{body}");
    let gap = body.find("\n\n").unwrap();
    let n = body.chars().count();
    let gap_at = body[..gap].chars().count();
    centre_plan::splice(&mut phone, "8", gap_at - 1, 4, "", &s("p", 5)).unwrap();
    let after = centre_plan::read(&phone).unwrap().body("8").to_string();
    assert_eq!(after.chars().count(), n - 2, "two letters deleted, the gap stays: {after}");
    // Past the end is refused, not clamped silently.
    assert!(matches!(
        centre_plan::splice(&mut phone, "8", n + 10, 0, "x", &s("p", 6)),
        Err(plan::PlanError::OutOfRange { .. })
    ));
}

#[test]
fn a_splice_of_joined_texts_lands_in_the_right_parts() {
    use centre_plan::split_splice;
    // Parts "abc" and "de" joined with a 2-char gap: "abc__de".
    assert_eq!(split_splice(&[3, 2], 2, 1, 1, "X"), vec![(0, 1, 1, "X".to_string())]);
    assert_eq!(
        split_splice(&[3, 2], 2, 3, 0, "X"),
        vec![(0, 3, 0, "X".to_string())],
        "end of a part"
    );
    assert_eq!(
        split_splice(&[3, 2], 2, 4, 0, "X"),
        vec![(0, 3, 0, "X".to_string())],
        "inside the gap"
    );
    assert_eq!(
        split_splice(&[3, 2], 2, 5, 0, "X"),
        vec![(1, 0, 0, "X".to_string())],
        "start of the next"
    );
    assert_eq!(
        split_splice(&[3, 2], 2, 7, 0, "X"),
        vec![(1, 2, 0, "X".to_string())],
        "the very end"
    );
    assert_eq!(
        split_splice(&[3, 2], 2, 2, 4, "Y"),
        vec![(0, 2, 1, "Y".to_string()), (1, 0, 1, String::new())],
        "a deletion across the gap takes from both parts"
    );
    assert_eq!(
        split_splice(&[3, 2], 2, 0, 7, ""),
        vec![(0, 0, 3, String::new()), (1, 0, 2, String::new())]
    );
    assert_eq!(
        split_splice(&[3], 2, 1, 1, "Z"),
        vec![(0, 1, 1, "Z".to_string())],
        "one part is plain"
    );
}

/// A network document: Ana principal of c1, Bea principal of c2, Rodrigo SLEP, at time 1 s.
fn network_doc() -> AutoCommit {
    use juntas_core::model::network::{self, Member, Network, Role};
    let mut net = Network::new("Red", "SLEP", 1);
    let member = |name: &str, role, centre: Option<&str>| Member {
        name: name.into(),
        role,
        centre_id: centre.map(str::to_owned),
    };
    net.members.insert("p".into(), member("Ana", Role::Principal, Some("c1")));
    net.members.insert("q".into(), member("Bea", Role::Principal, Some("c2")));
    net.members.insert("s".into(), member("Rodrigo", Role::SlepProfessional, None));
    let mut doc = AutoCommit::new();
    network::create(&mut doc, &net, 1_000).unwrap();
    doc
}

#[test]
fn a_reader_counts_a_review_event_by_the_role_its_author_had_when_she_made_it() {
    use juntas_core::model::network::{self, Command, Member, Role};
    use juntas_core::rules::Roles;
    let mut common = written_common();
    let mut doc = delivered_plan(&mut common);
    // An approval written by another principal (as a modified client, or a file, could
    // bring it; the server refuses it).
    centre_plan::approve(&mut doc, "a1", "", &s("q", 9_000)).unwrap();
    let plan = centre_plan::read(&doc).unwrap();
    assert_eq!(plan.review().state, PlanState::Approved, "the plain fold knows no roles");
    let mut net = network_doc();
    let review = plan.review_in(&Roles::of(&mut net));
    assert_eq!(review.state, PlanState::Submitted, "not counted");
    assert!(matches!(
        &review.set_aside[..],
        [(e, ReviewError::NotHerRole { by, action: "approve" })] if e.id == "a1" && by == "q"
    ));
    // Bea made SLEP professional before she approved: it counts; removed from the network
    // later, what she did then still counts.
    let slep = Member { name: "Bea".into(), role: Role::SlepProfessional, centre_id: None };
    network::apply(&mut net, Command::PutMember { id: "q".into(), member: slep }, 5_000).unwrap();
    assert_eq!(plan.review_in(&Roles::of(&mut net)).state, PlanState::Approved);
    network::apply(&mut net, Command::RemoveMember { id: "q".into() }, 20_000).unwrap();
    assert_eq!(plan.review_in(&Roles::of(&mut net)).state, PlanState::Approved);
    // The roles as sent to another reader (the app's document worker) judge alike.
    let sent: Roles =
        serde_json::from_slice(&serde_json::to_vec(&Roles::of(&mut net)).unwrap()).unwrap();
    assert_eq!(sent, Roles::of(&mut net));
    assert_eq!(plan.review_in(&sent).state, PlanState::Approved);
    // Made SLEP only after she approved: it does not count.
    let mut late = network_doc();
    let slep = Member { name: "Bea".into(), role: Role::SlepProfessional, centre_id: None };
    network::apply(&mut late, Command::PutMember { id: "q".into(), member: slep }, 12_000).unwrap();
    assert_eq!(plan.review_in(&Roles::of(&mut late)).state, PlanState::Submitted);
}

#[test]
fn two_role_changes_in_one_second_on_two_devices_read_alike_in_either_order() {
    use juntas_core::model::network::{self, Command, Member, Role};
    use juntas_core::rules::Roles;
    // Two facilitators, offline, change Bea within one second (Automerge stamps seconds): one
    // makes her a SLEP professional, the other a facilitator.
    let base = network_doc();
    let mut a = device(base.clone(), 1);
    let mut b = device(base.clone(), 2);
    let slep = Member { name: "Bea".into(), role: Role::SlepProfessional, centre_id: None };
    network::apply(&mut a, Command::PutMember { id: "q".into(), member: slep }, 5_100).unwrap();
    let facilitator = Member { name: "Bea".into(), role: Role::Facilitator, centre_id: None };
    network::apply(&mut b, Command::PutMember { id: "q".into(), member: facilitator }, 5_800)
        .unwrap();
    let (mut ab, mut ba) = (a.clone(), b.clone());
    ab.merge(&mut b).unwrap();
    ba.merge(&mut a).unwrap();
    let (from_ab, from_ba) = (Roles::of(&mut ab), Roles::of(&mut ba));
    assert_eq!(from_ab, from_ba, "each replica received the two changes in its own order");
    // What the roles say from that second on is what the merged document lists.
    let merged = network::read(&ab).unwrap().members["q"].clone();
    let expected = Some((merged.role, merged.centre_id));
    assert_eq!(from_ab.at("q", 5_000), expected);
    assert_eq!(from_ab.at("q", 60_000), expected);
    // Before that second she was what she was.
    assert_eq!(from_ab.at("q", 4_999), Some((Role::Principal, Some("c2".into()))));
}

mod roles {
    //! Random review actions by members of every role on four replicas, merged in random
    //! orders: every replica counts the same review, and nothing a role may not do counts.
    use super::*;
    use juntas_core::model::review::Action;
    use juntas_core::rules::Roles;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        /// Replica r acts as member m: 0 deliver, 1 observe, 2 approve.
        Act {
            r: usize,
            m: usize,
            what: u8,
        },
        Sync(usize, usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0..4usize, 0..3usize, 0..3u8).prop_map(|(r, m, what)| Step::Act { r, m, what }),
            (0..4usize, 0..4usize).prop_map(|(a, b)| Step::Sync(a, b)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn every_replica_counts_the_same_review_and_no_role_oversteps(
            steps in prop::collection::vec(step(), 1..20)
        ) {
            let members = ["p", "q", "s"];
            let mut common = written_common();
            let base = delivered_plan(&mut common);
            let mut reps: Vec<AutoCommit> =
                (0..4).map(|i| device(base.clone(), 20 + i as u8)).collect();
            for (n, s) in steps.iter().enumerate() {
                let at = 10_000 + n as i64;
                match *s {
                    Step::Act { r, m, what } => {
                        let stamp = Stamp::new(members[m], at);
                        let id = format!("e{n}");
                        // Commands refuse what the review state does not allow; those are fine.
                        let _ = match what {
                            0 => {
                                let sec = per_centre_ids(&common)[0].clone();
                                centre_plan::splice(&mut reps[r], &sec, 0, 0, "x", &stamp).unwrap();
                                centre_plan::deliver(&mut reps[r], &mut common, &id, "", &stamp)
                            }
                            1 => centre_plan::observe(&mut reps[r], &id, "Falta", &[], &stamp),
                            _ => centre_plan::approve(&mut reps[r], &id, "", &stamp),
                        };
                    }
                    Step::Sync(a, b) if a != b => {
                        let mut from = reps[a].clone();
                        reps[b].merge(&mut from).unwrap();
                    }
                    Step::Sync(..) => {}
                }
            }
            let mut all = reps[0].clone();
            for r in reps.iter_mut().skip(1) {
                all.merge(r).unwrap();
            }
            let roles = Roles::of(&mut network_doc());
            let mut readings = Vec::new();
            for r in reps.iter_mut() {
                r.merge(&mut all.clone()).unwrap();
                let plan = centre_plan::read(r).unwrap();
                let review = plan.review_in(&roles);
                let set_aside: Vec<&str> =
                    review.set_aside.iter().map(|(e, _)| e.id.as_str()).collect();
                for e in plan.events.iter().filter(|e| !set_aside.contains(&e.id.as_str())) {
                    let ok = match e.action {
                        Action::Deliver { .. } => e.by == "p",
                        Action::Observe | Action::Approve => e.by == "s",
                    };
                    prop_assert!(ok, "counted: {e:?}");
                }
                readings.push((review.state, set_aside.len(), review.submissions.len()));
            }
            for r in &readings[1..] {
                prop_assert_eq!(r, &readings[0]);
            }
        }
    }
}

/// Everything a centre's page reads of its plan, through `common`.
fn everything(
    doc: &AutoCommit,
    common: &mut dyn centre_plan::Common,
) -> Vec<Result<String, CentreError>> {
    let review = centre_plan::read(doc).unwrap().review();
    let mut out = vec![
        centre_plan::current(doc, common).map(|v| format!("{v:?}")),
        centre_plan::common_changes(doc, common).map(|v| format!("{v:?}")),
        centre_plan::has_new_draft(doc, common).map(|v| format!("{v:?}")),
    ];
    for e in &review.submissions {
        out.push(
            centre_plan::at(doc, common, &centre_plan::delivery_heads(e)).map(|v| format!("{v:?}")),
        );
    }
    if let [.., prev, last] = &review.submissions[..] {
        out.push(centre_plan::diff_deliveries(doc, common, prev, last).map(|v| format!("{v:?}")));
    }
    out
}

/// The SLEP's and the principal's pages read a centre's plan from the common plan's cached
/// readings (its reading now, its texts at each adopted version) instead of parsing it: the
/// same as reading the document, through two deliveries, a template change, new common text
/// after adoption, and a version this device does not have.
#[test]
fn cached_readings_of_the_common_plan_read_a_centre_plan_as_the_document_does() {
    let mut common = written_common();
    let mut doc = delivered_plan(&mut common);
    plan::splice(&mut common, "1.2", 0, 0, "Segunda versión. ", &s("ana", 4_000)).unwrap();
    let mut def = plan::read(&common).unwrap().sections[0].def.clone();
    def.title = "Título nuevo".into();
    plan::put_def(&mut common, &def, &s("facilitador", 4_001)).unwrap();
    centre_plan::adopt(&mut doc, &mut common, &s("p", 4_500)).unwrap();
    centre_plan::splice(&mut doc, "3", 0, 0, "Otra vez. ", &s("p", 4_600)).unwrap();
    centre_plan::deliver(&mut doc, &mut common, "e2", "", &s("p", 5_000)).unwrap();
    plan::splice(&mut common, "1.3", 0, 0, "Tercera. ", &s("ana", 6_000)).unwrap();
    centre_plan::splice(&mut doc, "3", 0, 0, "Borrador. ", &s("p", 6_100)).unwrap();

    let versions = centre_plan::common_versions(&doc).unwrap();
    assert_eq!(versions.len(), 2, "the one adopted now (and delivered), the first delivery's");
    let now = plan::read(&common).unwrap();
    let at: std::collections::BTreeMap<_, _> = versions
        .iter()
        .map(|v| (centre_plan::version_key(v), centre_plan::texts_at(&common, v).unwrap()))
        .collect();
    let from_doc = everything(&doc, &mut common);
    assert!(from_doc.iter().all(Result::is_ok), "{from_doc:?}");
    let cached = everything(&doc, &mut centre_plan::CommonReadings { now: &now, at: &at });
    assert_eq!(cached, from_doc);
    assert!(from_doc[1].as_ref().unwrap().contains("Tercera"), "changes since adoption");

    // Without the texts of the adopted version, it is missing, as on a device without it.
    let mut partial = at.clone();
    partial.remove(&centre_plan::version_key(&versions[0]));
    assert_eq!(
        centre_plan::current(&doc, &mut centre_plan::CommonReadings { now: &now, at: &partial }),
        Err(CentreError::CommonVersionMissing)
    );
}

#[test]
fn a_keystroke_on_the_text_her_box_showed_lands_there_in_a_text_of_two_parts() {
    // Section 8 written on two devices offline: its text is two parts joined by a gap.
    let (mut phone, mut laptop) = section_8_written_on_two_devices("Retorno gradual.");
    let shown = centre_plan::read(&phone).unwrap().body("8").to_string();
    // The vice-principal adds a word at the very start; it reaches the phone before its box.
    centre_plan::splice(&mut laptop, "8", 0, 0, "Nota: ", &s("v", 3)).unwrap();
    phone.merge(&mut laptop).unwrap();
    // The principal types "!" at the end of what her box showed.
    let end = shown.chars().count();
    let stamp = s("p", 4);
    centre_plan::splice_on(&mut phone, "8", Some(&shown), end, 0, "!", &stamp).unwrap();
    let body = centre_plan::read(&phone).unwrap().body("8").to_string();
    assert_eq!(body, format!("Nota: {shown}!"));
}
