//! The common plan: built from the template, and two or three people writing the same section
//! at once (same paragraph, overlapping deletes, one of them offline for 200 edits) end with
//! the same text holding every surviving insertion; concurrent status changes are shown.

use automerge::{ActorId, AutoCommit};
use juntas_core::model::DocError;
use juntas_core::model::history::Stamp;
use juntas_core::model::plan::{self, PlanError, Scope, Status};

fn replica(name: &str, from: &mut AutoCommit) -> AutoCommit {
    from.fork().with_actor(ActorId::from(name.as_bytes().to_vec()))
}

fn new_plan() -> AutoCommit {
    let mut doc = AutoCommit::new().with_actor(ActorId::from(b"facilitador".to_vec()));
    plan::create(&mut doc, "red-1", 2027, &plan::template(), &Stamp::new("m", 1_000)).unwrap();
    doc
}

fn body(doc: &AutoCommit, section: &str) -> String {
    plan::read(doc).unwrap().section(section).unwrap().body.clone()
}

fn merge_all(docs: &mut [&mut AutoCommit]) {
    for i in 0..docs.len() {
        for j in 0..docs.len() {
            if i != j {
                let mut other = docs[j].fork();
                docs[i].merge(&mut other).unwrap();
            }
        }
    }
}

#[test]
fn a_plan_from_the_template_has_every_section_in_order() {
    let doc = new_plan();
    let p = plan::read(&doc).unwrap();
    assert_eq!((p.network_id.as_str(), p.year), ("red-1", 2027));
    let codes: Vec<&str> = p.sections.iter().map(|s| s.def.code.as_str()).collect();
    assert_eq!(codes, ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2", "3", "4", "5", "6", "7"]);
    assert!(p.sections.iter().all(|s| s.status == Status::Drafting && s.commission.is_none()));
    assert_eq!(p.section("3").unwrap().def.scope, Scope::PerCentre);
    assert_eq!(p.section("1.1").unwrap().def.scope, Scope::CommonWithLocal);
}

#[test]
fn commands_refuse_what_cannot_be_done() {
    let mut doc = new_plan();
    assert_eq!(
        plan::splice(&mut doc, "9.9", 0, 0, "x", &Stamp::new("m", 2)),
        Err(PlanError::UnknownSection("9.9".into()))
    );
    assert_eq!(
        plan::splice(&mut doc, "3", 0, 0, "x", &Stamp::new("m", 2)),
        Err(PlanError::NotCommon("3".into()))
    );
    assert_eq!(
        plan::splice(&mut doc, "1.2", 5, 0, "x", &Stamp::new("m", 2)),
        Err(PlanError::OutOfRange { at: 5, len: 0 })
    );
    let mut not_a_plan = AutoCommit::new();
    juntas_core::model::network::create(
        &mut not_a_plan,
        &juntas_core::model::network::Network::new("Red", "SLEP", 1),
        1,
    )
    .unwrap();
    assert_eq!(
        plan::read(&not_a_plan),
        Err(DocError::WrongKind { expected: plan::KIND, found: "juntas/network".into() })
    );
}

#[test]
fn two_members_typing_in_the_same_paragraph_keep_both_texts() {
    let mut base = new_plan();
    plan::splice(&mut base, "1.2", 0, 0, "Lavado de manos al llegar.", &Stamp::new("m", 2_000))
        .unwrap();
    let mut ana = replica("ana", &mut base);
    let mut berta = replica("berta", &mut base);
    // Both insert inside the same sentence at the same moment.
    plan::splice(&mut ana, "1.2", 15, 0, " con jabón", &Stamp::new("m", 3_000)).unwrap();
    plan::splice(&mut berta, "1.2", 15, 0, " y alcohol gel", &Stamp::new("m", 3_000)).unwrap();
    merge_all(&mut [&mut ana, &mut berta]);
    let (a, b) = (body(&ana, "1.2"), body(&berta, "1.2"));
    assert_eq!(a, b);
    assert!(a.contains(" con jabón") && a.contains(" y alcohol gel"), "{a}");
    assert!(a.starts_with("Lavado de manos") && a.ends_with("al llegar."), "{a}");
}

#[test]
fn a_keystroke_typed_on_the_text_a_box_showed_lands_there_though_a_co_author_typed_first() {
    let mut ana = new_plan();
    plan::splice(&mut ana, "1.2", 0, 0, "Lavado de manos", &Stamp::new("m", 2_000)).unwrap();
    let mut berta = replica("berta", &mut ana);
    // Berta types at the start; her words reach Ana's document before Ana's box shows them.
    plan::splice(&mut berta, "1.2", 0, 0, "Ventilación. ", &Stamp::new("b", 3_000)).unwrap();
    let shown = body(&ana, "1.2");
    merge_all(&mut [&mut ana, &mut berta]);
    // Ana types "s" at the end of what her box showed (position 15 of "Lavado de manos").
    let stamp = Stamp::new("a", 3_000);
    plan::splice_on(&mut ana, "1.2", Some(&shown), 15, 0, "s", &stamp).unwrap();
    assert_eq!(body(&ana, "1.2"), "Ventilación. Lavado de manoss");
    // The same numbers without the text they were typed on put it inside Berta's words.
    let mut blind = replica("ciega", &mut berta);
    plan::splice(&mut blind, "1.2", 15, 0, "s", &stamp).unwrap();
    assert_eq!(body(&blind, "1.2"), "Ventilación. Lasvado de manos");
}

#[test]
fn overlapping_deletes_remove_the_union_and_keep_insertions() {
    let mut base = new_plan();
    plan::splice(&mut base, "4", 0, 0, "uno dos tres cuatro", &Stamp::new("m", 2_000)).unwrap();
    let mut ana = replica("ana", &mut base);
    let mut berta = replica("berta", &mut base);
    plan::splice(&mut ana, "4", 4, 8, "", &Stamp::new("m", 3_000)).unwrap(); // "dos tres"
    plan::splice(&mut berta, "4", 8, 5, "TRES ", &Stamp::new("m", 3_000)).unwrap(); // "tres " -> "TRES "
    merge_all(&mut [&mut ana, &mut berta]);
    let text = body(&ana, "4");
    assert_eq!(text, body(&berta, "4"));
    assert!(!text.contains("dos") && !text.contains("tres"), "{text}");
    assert!(
        text.contains("TRES") && text.starts_with("uno ") && text.ends_with("cuatro"),
        "{text}"
    );
}

#[test]
fn an_offline_member_typing_200_edits_merges_with_two_online_ones() {
    let mut base = new_plan();
    plan::splice(&mut base, "6", 0, 0, "Acciones de apoyo.", &Stamp::new("m", 2_000)).unwrap();
    let mut offline = replica("offline", &mut base);
    let mut ana = replica("ana", &mut base);
    let mut berta = replica("berta", &mut base);
    let typed =
        "Se hará una pausa activa diaria con cada nivel y un taller mensual para las familias. ";
    // Typed at the start of the section, one character per commit.
    for (k, c) in typed.chars().cycle().take(200).enumerate() {
        plan::splice(&mut offline, "6", k, 0, &c.to_string(), &Stamp::new("m", 3_000 + k as i64))
            .unwrap();
    }
    for k in 0..20 {
        let len = body(&ana, "6").chars().count();
        plan::splice(&mut ana, "6", len, 0, &format!(" [ana {k}]"), &Stamp::new("m", 4_000 + k))
            .unwrap();
        plan::splice(&mut berta, "6", 0, 0, &format!("[berta {k}] "), &Stamp::new("m", 4_000 + k))
            .unwrap();
        merge_all(&mut [&mut ana, &mut berta]);
    }
    merge_all(&mut [&mut offline, &mut ana, &mut berta]);
    let text = body(&offline, "6");
    assert_eq!(text, body(&ana, "6"));
    assert_eq!(text, body(&berta, "6"));
    let typed200: String = typed.chars().cycle().take(200).collect();
    assert!(text.contains(&typed200), "the offline text arrives whole and in order");
    for k in 0..20 {
        assert!(text.contains(&format!(" [ana {k}]")) && text.contains(&format!("[berta {k}] ")));
    }
    assert!(text.contains("Acciones de apoyo."));
}

#[test]
fn a_status_set_twice_at_once_shows_both_values_until_someone_decides() {
    let mut base = new_plan();
    let mut ana = replica("ana", &mut base);
    let mut berta = replica("berta", &mut base);
    plan::set_status(&mut ana, "1.2", Status::ReadyForReview, &Stamp::new("m", 2_000)).unwrap();
    plan::set_status(&mut berta, "1.2", Status::Agreed, &Stamp::new("m", 2_000)).unwrap();
    plan::assign(&mut ana, "1.2", Some("comision-sanitaria"), &Stamp::new("m", 2_000)).unwrap();
    merge_all(&mut [&mut ana, &mut berta]);
    let (pa, pb) = (plan::read(&ana).unwrap(), plan::read(&berta).unwrap());
    assert_eq!(pa, pb, "same on every replica");
    let s = pa.section("1.2").unwrap();
    assert_eq!(s.commission.as_deref(), Some("comision-sanitaria"), "an uncontested field merges");
    assert_eq!(s.conflicts.len(), 1, "{:?}", s.conflicts);
    let c = &s.conflicts[0];
    assert_eq!(c.field, "status");
    assert_eq!(c.kept, s.status.as_str());
    let mut both = vec![c.kept.clone(), c.others[0].clone()];
    both.sort();
    assert_eq!(both, ["acordada", "lista-para-revision"]);
    // A page's cached reading of the plan says the same, the conflict included; a cached
    // conflict on a field the plan does not have is refused (the document is read instead).
    let cached = serde_json::to_vec(&pa).unwrap();
    assert_eq!(serde_json::from_slice::<plan::CommonPlan>(&cached).unwrap(), pa);
    let forged =
        String::from_utf8(cached).unwrap().replace("\"field\":\"status\"", "\"field\":\"title\"");
    assert!(serde_json::from_slice::<plan::CommonPlan>(forged.as_bytes()).is_err());
    // Someone confirms the value that was kept (what "Confirmar lo guardado" does): the
    // conflict is gone everywhere, though the value shown does not change.
    plan::set_status(&mut berta, "1.2", s.status, &Stamp::new("m", 3_000)).unwrap();
    merge_all(&mut [&mut ana, &mut berta]);
    assert!(plan::read(&ana).unwrap().section("1.2").unwrap().conflicts.is_empty());
}

#[test]
fn what_changed_in_the_common_part_since_a_centre_adopted_it() {
    use juntas_core::model::diff::Part;
    let mut doc = new_plan();
    plan::splice(
        &mut doc,
        "1.3",
        0,
        0,
        "Ingreso a las 8:30 por la puerta principal.",
        &Stamp::new("m", 2_000),
    )
    .unwrap();
    let adopted = doc.get_heads();
    assert!(plan::changes_between(&doc, &adopted, &adopted).unwrap().is_empty());
    plan::splice(&mut doc, "1.3", 14, 4, "8:15", &Stamp::new("m", 3_000)).unwrap();
    plan::splice(&mut doc, "5", 0, 0, "Inducción el primer día.", &Stamp::new("m", 3_001)).unwrap();
    let now = doc.get_heads();
    let changes = plan::changes_between(&doc, &adopted, &now).unwrap();
    let ids: Vec<&str> = changes.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["1.3", "5"], "only changed sections, in plan order");
    assert!(changes[0].1.contains(&Part::Removed("8:30".into())));
    assert!(changes[0].1.contains(&Part::Added("8:15".into())));
    assert_eq!(changes[1].1, vec![Part::Added("Inducción el primer día.".into())]);
    assert_eq!(
        plan::body_at(&doc, "1.3", &adopted).unwrap(),
        "Ingreso a las 8:30 por la puerta principal."
    );
}
