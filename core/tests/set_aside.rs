//! A refused change does not hold back the rest: the device rebuilds the document on what the
//! server accepted, re-makes the edits the rules allow her under a fresh actor (which the
//! server then accepts), and sets aside, as text, what they do not.

use std::collections::BTreeSet;

use automerge::{ActorId, AutoCommit, ReadDoc};
use juntas_core::DocumentId;
use juntas_core::model::history::Stamp;
use juntas_core::model::network::Role;
use juntas_core::model::plan;
use juntas_core::rules::{Rule, Who, judge, rule_of};
use juntas_core::set_aside::{Why, carry_late, rebuild};

fn net() -> DocumentId {
    DocumentId::from_bytes([7; 16])
}

fn ana(commissions: &[&str]) -> Who {
    Who {
        member: "p1".into(),
        role: Role::Principal,
        centre: Some("c1".into()),
        commissions: commissions.iter().map(|c| c.to_string()).collect::<BTreeSet<_>>(),
    }
}

fn stamp(by: &str, at: i64) -> Stamp {
    Stamp::new(by, 1_700_000_000_000 + at * 1000)
}

fn actor(n: u8) -> ActorId {
    ActorId::from(vec![n; 16])
}

/// The server's plan: sections 1.1 and 1.2 assigned to commission k1, 1.2 with some text.
fn server_plan() -> AutoCommit {
    let mut doc = plan::skeleton(net(), 2027).with_actor(actor(1));
    plan::assign(&mut doc, "1.1", Some("k1"), &stamp("f1", 1)).unwrap();
    plan::assign(&mut doc, "1.2", Some("k1"), &stamp("f1", 2)).unwrap();
    plan::splice(&mut doc, "1.2", 0, 0, "Hola mundo", &stamp("f1", 3)).unwrap();
    doc
}

/// What the server does with a message bringing `phone`'s changes, judged for `who`.
fn server_takes(
    server: &AutoCommit,
    phone: &mut AutoCommit,
    who: &Who,
) -> Result<AutoCommit, String> {
    let mut s = server.clone();
    let before = s.get_heads();
    s.merge(phone).map_err(|e| e.to_string())?;
    judge(&mut s, &before, Some(who)).map_err(|e| e.refusal.to_string())?;
    Ok(s)
}

#[test]
fn removed_from_her_commission_offline_her_comment_goes_and_her_section_text_is_set_aside() {
    let mut server = server_plan();
    let mut phone = server.fork().with_actor(actor(2));
    // Offline, she types in 1.2 and comments on it; meanwhile the facilitator removed her from
    // k1 (so the server now judges her without it) and edited 1.2 himself.
    plan::splice(&mut phone, "1.2", 10, 0, " y texto de Ana", &stamp("p1", 10)).unwrap();
    plan::comment(&mut phone, "c-ana", "1.2", "Revisemos el protocolo", &stamp("p1", 11)).unwrap();
    plan::splice(&mut server, "1.2", 0, 0, "[F] ", &stamp("f1", 12)).unwrap();
    let now = ana(&[]);
    let refused = server_takes(&server, &mut phone, &now).unwrap_err();
    assert_eq!(rule_of(&refused), Some(Rule::Commission), "{refused}");

    let rebuilt = rebuild(&mut phone, &mut server, &now, actor(3)).unwrap();
    assert_eq!(rebuilt.remade, 1, "the comment is re-made");
    assert_eq!(rebuilt.set_aside.len(), 1, "{:?}", rebuilt.set_aside);
    let aside = &rebuilt.set_aside[0];
    assert_eq!(aside.path, ["sections", "1.2", "body"]);
    assert_eq!(aside.text, "Hola mundo y texto de Ana", "her words, as she left them");
    let Why::Refused(words) = &aside.why else { panic!("{:?}", aside.why) };
    assert_eq!(rule_of(words), Some(Rule::Commission));
    assert_eq!(aside.at, 1_700_000_010_000);

    let mut doc = rebuilt.doc;
    assert_eq!(plan::body(&doc, "1.2").unwrap(), "[F] Hola mundo", "the server's text");
    let comments = plan::comments(&doc).unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(
        (comments[0].by.as_str(), comments[0].text.as_str()),
        ("p1", "Revisemos el protocolo")
    );
    // The rebuilt document holds none of the dropped changes, and the server takes it.
    for hash in &rebuilt.dropped {
        assert!(doc.get_change_by_hash(hash).is_none());
    }
    let taken = server_takes(&server, &mut doc, &now).expect("the server accepts the rebuild");
    assert_eq!(plan::comments(&taken).unwrap().len(), 1);
    // The history names her for the comment, with its time.
    let mut taken = taken;
    let entries = juntas_core::model::history::entries(&mut taken);
    let last = entries.last().unwrap();
    assert_eq!((last.by.as_str(), last.at), ("p1", 1_700_000_011_000));
}

#[test]
fn an_allowed_text_edit_is_merged_with_what_others_wrote_meanwhile() {
    let mut server = server_plan();
    let mut phone = server.fork().with_actor(actor(2));
    let still = ana(&["k1"]);
    // She writes in the middle of 1.2 (allowed) and assigns 1.1 to another commission (only
    // the facilitator may); the facilitator wrote at both ends of 1.2 meanwhile.
    plan::splice(&mut phone, "1.2", 4, 0, " querido", &stamp("p1", 10)).unwrap();
    plan::assign(&mut phone, "1.1", Some("k2"), &stamp("p1", 11)).unwrap();
    plan::splice(&mut phone, "1.2", 18, 0, "!", &stamp("p1", 12)).unwrap();
    plan::splice(&mut server, "1.2", 0, 0, "[F] ", &stamp("f1", 13)).unwrap();
    plan::splice(&mut server, "1.2", 14, 0, " [fin]", &stamp("f1", 14)).unwrap();
    assert_eq!(plan::body(&server, "1.2").unwrap(), "[F] Hola mundo [fin]");
    assert!(server_takes(&server, &mut phone, &still).is_err());

    let rebuilt = rebuild(&mut phone, &mut server, &still, actor(3)).unwrap();
    assert_eq!(rebuilt.set_aside.len(), 1, "{:?}", rebuilt.set_aside);
    assert_eq!(rebuilt.set_aside[0].path, ["sections", "1.1", "commission"]);
    assert_eq!(rebuilt.set_aside[0].text, "k2");
    let mut doc = rebuilt.doc;
    assert_eq!(plan::body(&doc, "1.2").unwrap(), "[F] Hola querido mundo! [fin]");
    let taken = server_takes(&server, &mut doc, &still).expect("accepted");
    assert_eq!(
        plan::read(&taken).unwrap().section("1.1").unwrap().commission.as_deref(),
        Some("k1")
    );
}

#[test]
fn with_nothing_of_hers_unsent_the_rebuild_is_what_the_server_has_plus_others_changes() {
    let mut server = server_plan();
    let mut phone = server.fork().with_actor(actor(2));
    // A change the facilitator made on this device's other tab, not on the server yet.
    let mut tab = phone.fork().with_actor(actor(4));
    plan::splice(&mut tab, "1.2", 0, 0, "¡", &stamp("f1", 5)).unwrap();
    phone.merge(&mut tab).unwrap();
    let rebuilt = rebuild(&mut phone, &mut server, &ana(&["k1"]), actor(3)).unwrap();
    assert!(rebuilt.dropped.is_empty() && rebuilt.set_aside.is_empty());
    assert_eq!(rebuilt.remade, 0);
    assert_eq!(plan::body(&rebuilt.doc, "1.2").unwrap(), "¡Hola mundo");
    let mut doc = rebuilt.doc;
    assert_eq!(doc.get_heads(), phone.get_heads());
}

#[test]
fn an_edit_whose_place_was_deleted_meanwhile_is_set_aside_as_gone() {
    use automerge::{ObjType, ROOT, Value, transaction::Transactable};
    let mut server = server_plan();
    let mut phone = server.fork().with_actor(actor(2));
    let facilitator = Who {
        member: "f1".into(),
        role: Role::Facilitator,
        centre: None,
        commissions: BTreeSet::new(),
    };
    plan::splice(&mut phone, "1.2", 10, 0, ", sección a revisar", &stamp("f1", 10)).unwrap();
    let Some((Value::Object(ObjType::Map), sections)) = server.get(ROOT, "sections").unwrap()
    else {
        panic!("sections")
    };
    server.delete(&sections, "1.2").unwrap();
    server.commit();
    let rebuilt = rebuild(&mut phone, &mut server, &facilitator, actor(3)).unwrap();
    assert_eq!(rebuilt.set_aside.len(), 1, "{:?}", rebuilt.set_aside);
    assert_eq!(rebuilt.set_aside[0].why, Why::Gone);
    assert_eq!(rebuilt.set_aside[0].text, "Hola mundo, sección a revisar");
    assert!(plan::read(&rebuilt.doc).unwrap().section("1.2").is_none());
}

/// Two tabs of her phone: tab A (actor 2) makes a change the server refuses and an allowed
/// edit; tab B (actor 4) has them (the tabs sync) and types on. A rebuilds before B's last
/// keystrokes reach it; B loads A's rebuild from storage.
fn two_tabs(still: &Who) -> (AutoCommit, AutoCommit, juntas_core::set_aside::Rebuilt) {
    let mut server = server_plan();
    let mut a = server.fork().with_actor(actor(2));
    plan::assign(&mut a, "1.1", Some("k2"), &stamp("p1", 10)).unwrap();
    plan::splice(&mut a, "1.2", 4, 0, " querido", &stamp("p1", 11)).unwrap();
    let mut b = server.fork().with_actor(actor(4));
    b.merge(&mut a).unwrap();
    assert!(server_takes(&server, &mut a, still).is_err());
    let rebuilt = rebuild(&mut a, &mut server.clone(), still, actor(3)).unwrap();
    (server, b, rebuilt)
}

/// The rebuild as another tab reads it from storage.
fn loaded(rebuilt: &juntas_core::set_aside::Rebuilt) -> AutoCommit {
    AutoCommit::load(&rebuilt.doc.clone().save()).unwrap().with_actor(actor(5))
}

#[test]
fn what_a_tab_typed_as_another_tab_rebuilt_is_carried_onto_the_rebuild() {
    let still = ana(&["k1"]);
    let (server, mut b, rebuilt) = two_tabs(&still);
    // B's last words, which never reached A.
    plan::splice(&mut b, "1.2", 18, 0, " y más", &stamp("p1", 12)).unwrap();
    let mut fresh = loaded(&rebuilt);
    assert_eq!(plan::body(&fresh, "1.2").unwrap(), "Hola querido mundo", "A's rebuild");

    let carried = carry_late(&mut b, &mut fresh, Some(&rebuilt.seen), Some(&still)).unwrap();
    assert!(carried.set_aside.is_empty(), "{:?}", carried.set_aside);
    assert_eq!((carried.applied, carried.remade), (0, 1));
    assert_eq!(plan::body(&fresh, "1.2").unwrap(), "Hola querido mundo y más");
    // What A set aside is not set aside again, nor is the refused change re-made.
    assert_eq!(rebuilt.set_aside.len(), 1);
    assert_eq!(
        plan::read(&fresh).unwrap().section("1.1").unwrap().commission.as_deref(),
        Some("k1")
    );
    let taken = server_takes(&server, &mut fresh, &still).expect("the server takes it");
    assert_eq!(plan::body(&taken, "1.2").unwrap(), "Hola querido mundo y más");
    // Her history names her for the carried words, at their time.
    let mut taken = taken;
    let last = juntas_core::model::history::entries(&mut taken).pop().unwrap();
    assert_eq!((last.by.as_str(), last.at), ("p1", 1_700_000_012_000));
}

#[test]
fn a_tab_with_nothing_late_carries_nothing() {
    let still = ana(&["k1"]);
    let (_, mut b, rebuilt) = two_tabs(&still);
    let mut fresh = loaded(&rebuilt);
    let heads = fresh.get_heads();
    let carried = carry_late(&mut b, &mut fresh, Some(&rebuilt.seen), Some(&still)).unwrap();
    assert!(!carried.changed() && carried.set_aside.is_empty(), "{carried:?}");
    assert_eq!(fresh.get_heads(), heads);
}

#[test]
fn late_words_the_rules_refuse_her_are_set_aside() {
    let still = ana(&["k1"]);
    let (_, mut b, rebuilt) = two_tabs(&still);
    // 1.3 is no commission's: only a facilitator writes it.
    plan::splice(&mut b, "1.3", 0, 0, "Mi idea", &stamp("p1", 12)).unwrap();
    let mut fresh = loaded(&rebuilt);
    let carried = carry_late(&mut b, &mut fresh, Some(&rebuilt.seen), Some(&still)).unwrap();
    assert_eq!(carried.set_aside.len(), 1, "{:?}", carried.set_aside);
    let aside = &carried.set_aside[0];
    assert_eq!(
        (aside.path.join("/").as_str(), aside.text.as_str()),
        ("sections/1.3/body", "Mi idea")
    );
    assert!(matches!(aside.why, Why::Refused(_)), "{:?}", aside.why);
    assert_eq!(plan::body(&fresh, "1.3").unwrap(), "");
}

#[test]
fn late_words_on_a_text_that_changed_meanwhile_are_set_aside_whole() {
    let still = ana(&["k1"]);
    let (_, mut b, rebuilt) = two_tabs(&still);
    plan::splice(&mut b, "1.2", 18, 0, " y más", &stamp("p1", 12)).unwrap();
    let mut fresh = loaded(&rebuilt);
    // The facilitator's edit reached the rebuild first.
    plan::splice(&mut fresh, "1.2", 0, 0, "[F] ", &stamp("f1", 13)).unwrap();
    let carried = carry_late(&mut b, &mut fresh, Some(&rebuilt.seen), Some(&still)).unwrap();
    assert_eq!(carried.set_aside.len(), 1, "{:?}", carried.set_aside);
    assert_eq!(carried.set_aside[0].text, "Hola querido mundo y más");
    assert_eq!(carried.set_aside[0].why, Why::Overlapped);
    assert_eq!(plan::body(&fresh, "1.2").unwrap(), "[F] Hola querido mundo");
}

#[test]
fn a_late_change_built_only_on_what_the_rebuild_holds_is_taken_as_it_is() {
    let still = ana(&["k1"]);
    let mut server = server_plan();
    let mut a = server.fork().with_actor(actor(2));
    plan::assign(&mut a, "1.1", Some("k2"), &stamp("p1", 10)).unwrap();
    // Tab B never had A's refused change: its comment builds on the server's copy only.
    let mut b = server.fork().with_actor(actor(4));
    plan::comment(&mut b, "c-b", "1.2", "Desde la otra pestaña", &stamp("p1", 12)).unwrap();
    let hash = b.get_heads();
    let rebuilt = rebuild(&mut a, &mut server.clone(), &still, actor(3)).unwrap();
    let mut fresh = loaded(&rebuilt);
    let carried = carry_late(&mut b, &mut fresh, Some(&rebuilt.seen), Some(&still)).unwrap();
    assert_eq!((carried.applied, carried.remade), (1, 0), "{carried:?}");
    assert!(fresh.get_change_by_hash(&hash[0]).is_some(), "the same change, not a copy");
    assert_eq!(plan::comments(&fresh).unwrap().len(), 1);
    server_takes(&server, &mut fresh, &still).expect("the server takes it");
}

#[test]
fn a_tab_that_does_not_know_her_member_sets_its_late_words_aside() {
    let still = ana(&["k1"]);
    let (_, mut b, rebuilt) = two_tabs(&still);
    plan::splice(&mut b, "1.2", 18, 0, " y más", &stamp("p1", 12)).unwrap();
    let mut fresh = loaded(&rebuilt);
    let carried = carry_late(&mut b, &mut fresh, Some(&rebuilt.seen), None).unwrap();
    assert_eq!(carried.set_aside.len(), 1, "{:?}", carried.set_aside);
    assert_eq!(carried.set_aside[0].text, "Hola querido mundo y más");
    assert_eq!(plan::body(&fresh, "1.2").unwrap(), "Hola querido mundo");
}

#[test]
fn a_third_tabs_late_words_are_set_aside_not_re_made_twice() {
    let still = ana(&["k1"]);
    let (_, mut b, rebuilt) = two_tabs(&still);
    // Tab C (actor 6) typed on after A's copy was made; its words reached B, not A. C carries
    // them itself: B re-making them too would write them twice.
    let mut c = b.fork().with_actor(actor(6));
    plan::splice(&mut c, "1.2", 18, 0, " (C)", &stamp("p1", 12)).unwrap();
    b.merge(&mut c).unwrap();
    let mut fresh = loaded(&rebuilt);
    let carried = carry_late(&mut b, &mut fresh, Some(&rebuilt.seen), Some(&still)).unwrap();
    assert_eq!(carried.remade, 0, "{carried:?}");
    assert_eq!(carried.set_aside.len(), 1, "{:?}", carried.set_aside);
    assert_eq!(carried.set_aside[0].text, "Hola querido mundo (C)");
    assert_eq!(plan::body(&fresh, "1.2").unwrap(), "Hola querido mundo");
    // C reloaded first and carried them: B does not set aside what the rebuild now reads.
    let mut carried_by_c = loaded(&rebuilt);
    plan::splice(&mut carried_by_c, "1.2", 18, 0, " (C)", &stamp("p1", 12)).unwrap();
    let carried = carry_late(&mut b, &mut carried_by_c, Some(&rebuilt.seen), Some(&still)).unwrap();
    assert!(carried.set_aside.is_empty(), "{:?}", carried.set_aside);
}

#[test]
fn without_the_rebuilds_note_her_own_words_are_set_aside_and_nothing_refused_comes_back() {
    let still = ana(&["k1"]);
    let mut server = server_plan();
    // This tab made the refused change itself, then typed on.
    let mut b = server.fork().with_actor(actor(4));
    plan::assign(&mut b, "1.1", Some("k2"), &stamp("p1", 10)).unwrap();
    let mut a = b.fork().with_actor(actor(2));
    plan::splice(&mut b, "1.2", 10, 0, " y más", &stamp("p1", 12)).unwrap();
    let rebuilt = rebuild(&mut a, &mut server.clone(), &still, actor(3)).unwrap();
    let mut fresh = loaded(&rebuilt);
    let carried = carry_late(&mut b, &mut fresh, None, Some(&still)).unwrap();
    assert_eq!((carried.applied, carried.remade), (0, 0), "{carried:?}");
    let texts: Vec<&str> = carried.set_aside.iter().map(|s| s.text.as_str()).collect();
    assert!(texts.contains(&"Hola mundo y más"), "{texts:?}");
    assert_eq!(plan::body(&fresh, "1.2").unwrap(), "Hola mundo");
    assert_eq!(
        plan::read(&fresh).unwrap().section("1.1").unwrap().commission.as_deref(),
        Some("k1"),
        "the refused change stays out"
    );
}

#[test]
fn a_late_field_the_rebuild_changed_meanwhile_is_set_aside() {
    let still = ana(&["k1"]);
    let (_, mut b, rebuilt) = two_tabs(&still);
    // Her late status of 1.2, where the rebuild holds another status set meanwhile.
    plan::set_status(&mut b, "1.2", plan::Status::ReadyForReview, &stamp("p1", 12)).unwrap();
    let mut fresh = loaded(&rebuilt);
    plan::set_status(&mut fresh, "1.2", plan::Status::Agreed, &stamp("f1", 13)).unwrap();
    let carried = carry_late(&mut b, &mut fresh, Some(&rebuilt.seen), Some(&still)).unwrap();
    assert_eq!(carried.set_aside.len(), 1, "{:?}", carried.set_aside);
    assert_eq!(carried.set_aside[0].why, Why::Overlapped);
    assert_eq!(plan::read(&fresh).unwrap().section("1.2").unwrap().status, plan::Status::Agreed);
}
