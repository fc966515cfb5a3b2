//! Judging what a message brought, as the server does before it keeps or relays a change:
//! the member as the network describes her, the document's facts read from the document,
//! where a document belongs, who may read it, and the author its history names.

use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, transaction::Transactable};
use juntas_core::DocumentId;
use juntas_core::model::history::{self, Stamp, Verb};
use juntas_core::model::network::{self, Centre, Commission, Member, Network, Role};
use juntas_core::model::{centre_plan, inquiry, plan, tree};
use juntas_core::rules::{
    Facts, Owner, Refusal, Rule, Who, facts_of, judge, may_create, may_read, owner_of, rule_of,
};

fn net_id() -> DocumentId {
    DocumentId::from_bytes([7; 16])
}

fn network() -> Network {
    let mut n = Network::new("Red", "SLEP", 1);
    n.centres.insert("c1".into(), Centre { name: "Jardín Uno".into(), ..Default::default() });
    let m = |name: &str, role, centre: Option<&str>| Member {
        name: name.into(),
        role,
        centre_id: centre.map(str::to_owned),
    };
    n.members.insert("p1".into(), m("Ana", Role::Principal, Some("c1")));
    n.members.insert("p2".into(), m("Bea", Role::Principal, Some("c2")));
    n.members.insert("s1".into(), m("Rodrigo", Role::SlepProfessional, None));
    n.members.insert("f1".into(), m("Ignacio", Role::Facilitator, None));
    n.commissions.insert(
        "k1".into(),
        Commission { name: "Protocolo".into(), members: [("p1".to_owned(), true)].into() },
    );
    n
}

fn stamp(by: &str) -> Stamp {
    Stamp::new(by, 1_700_000_000_000)
}

#[test]
fn a_member_is_what_the_network_says_she_is() {
    let n = network();
    let ana = Who::of(&n, "p1").unwrap();
    assert_eq!(ana.role, Role::Principal);
    assert_eq!(ana.centre.as_deref(), Some("c1"));
    assert!(ana.commissions.contains("k1"));
    assert!(Who::of(&n, "p2").unwrap().commissions.is_empty());
    assert_eq!(Who::of(&n, "nobody"), None);
}

#[test]
fn facts_and_owner_are_read_from_each_kind_of_document() {
    let mut n = AutoCommit::new();
    network::create(&mut n, &network(), 1).unwrap();
    assert_eq!(facts_of(&n), Some(Facts::Network));
    assert_eq!(owner_of(&n), Some(Owner::IsNetwork));

    let mut p = plan::skeleton(net_id(), 2027);
    plan::assign(&mut p, "1.2", Some("k1"), &stamp("f1")).unwrap();
    let Some(Facts::CommonPlan { commissions }) = facts_of(&p) else { panic!("common plan") };
    assert_eq!(commissions.get("1.2"), Some(&Some("k1".to_owned())));
    assert_eq!(commissions.get("2"), Some(&None));
    assert_eq!(owner_of(&p), Some(Owner::Network(net_id().to_string())));

    let c = centre_plan::skeleton(net_id(), 2027, "c1");
    assert_eq!(facts_of(&c), Some(Facts::CentrePlan { centre: "c1".into() }));

    let mut t = AutoCommit::new();
    tree::create(&mut t, &net_id().to_string(), "Ausentismo", &stamp("f1")).unwrap();
    tree::add(&mut t, "k9", tree::CAUSES, None, "Lluvia", &stamp("p2")).unwrap();
    let Some(Facts::Tree { authors }) = facts_of(&t) else { panic!("tree") };
    assert_eq!(authors.get("k9").map(String::as_str), Some("p2"), "a card names who added it");

    let mut r = AutoCommit::new();
    r.put(ROOT, "kind", inquiry::RECORD_KIND).unwrap();
    r.put(ROOT, "inquiry_id", "inq").unwrap();
    r.put(ROOT, "principal_id", "p1").unwrap();
    assert_eq!(
        facts_of(&r),
        Some(Facts::Record { author: "p1".into(), finalised: false, discarded: false })
    );
    assert_eq!(owner_of(&r), Some(Owner::Inquiry("inq".into())));

    // JS Automerge writes a plain string as Text: read the same.
    let mut js = AutoCommit::new();
    let kind = js.put_object(ROOT, "kind", ObjType::Text).unwrap();
    js.splice_text(&kind, 0, 0, inquiry::RECORD_KIND).unwrap();
    for (key, value) in [("inquiry_id", "inq"), ("principal_id", "p1")] {
        let t = js.put_object(ROOT, key, ObjType::Text).unwrap();
        js.splice_text(&t, 0, 0, value).unwrap();
    }
    assert_eq!(
        facts_of(&js),
        Some(Facts::Record { author: "p1".into(), finalised: false, discarded: false })
    );
    assert_eq!(owner_of(&js), Some(Owner::Inquiry("inq".into())));

    let mut other = AutoCommit::new();
    other.put(ROOT, "title", "not ours").unwrap();
    assert_eq!(facts_of(&other), None);
    assert_eq!(owner_of(&other), None);
}

#[test]
fn records_are_read_by_their_author_facilitators_and_the_slep_only() {
    let n = network();
    let record = Facts::Record { author: "p1".into(), finalised: false, discarded: false };
    assert!(may_read(Who::of(&n, "p1").as_ref(), &record));
    assert!(may_read(Who::of(&n, "f1").as_ref(), &record));
    assert!(may_read(Who::of(&n, "s1").as_ref(), &record));
    assert!(!may_read(Who::of(&n, "p2").as_ref(), &record));
    assert!(!may_read(None, &Facts::Network));
    assert!(may_read(Who::of(&n, "p2").as_ref(), &Facts::Inquiry));
}

/// Writes an `aprobar` event into a centre plan the way a modified client would.
fn approve(doc: &mut AutoCommit, id: &str, by: &str) {
    let events = match doc.get(ROOT, "events").unwrap() {
        Some((_, o)) => o,
        None => doc.put_object(ROOT, "events", ObjType::Map).unwrap(),
    };
    let e = doc.put_object(&events, id, ObjType::Map).unwrap();
    for (k, v) in [("action", "aprobar"), ("by", by), ("heads", ""), ("note", "")] {
        doc.put(&e, k, v).unwrap();
    }
    history::commit(doc, &stamp(by), Verb::Approve, "");
}

#[test]
fn a_principal_approving_her_own_plan_is_refused_and_the_slep_is_not() {
    let n = network();
    let mut doc = centre_plan::skeleton(net_id(), 2027, "c1");
    doc.commit();
    let before = doc.get_heads();
    approve(&mut doc, "e1", "p1");
    let refused = judge(&mut doc, &before, Who::of(&n, "p1").as_ref()).unwrap_err();
    assert_eq!(refused.refusal, Refusal::OnlySlep);
    assert_eq!(Some(refused.change), doc.get_heads().first().copied());

    let mut doc = centre_plan::skeleton(net_id(), 2027, "c1");
    doc.commit();
    let before = doc.get_heads();
    approve(&mut doc, "e1", "s1");
    assert_eq!(judge(&mut doc, &before, Who::of(&n, "s1").as_ref()), Ok(()));
    // Not a member (removed, or another network's token): nothing is accepted.
    let mut doc = centre_plan::skeleton(net_id(), 2027, "c1");
    doc.commit();
    let before = doc.get_heads();
    approve(&mut doc, "e1", "s1");
    assert_eq!(judge(&mut doc, &before, None).unwrap_err().refusal, Refusal::NotAMember);
}

#[test]
fn history_must_name_the_member_who_sends_the_change() {
    let n = network();
    let mut doc = plan::skeleton(net_id(), 2027);
    plan::assign(&mut doc, "1.2", Some("k1"), &stamp("f1")).unwrap();
    doc.commit();
    let before = doc.get_heads();
    // Ana writes in her commission's section, but the change says Bea did it.
    plan::splice(&mut doc, "1.2", 0, 0, "Hola", &stamp("p2")).unwrap();
    let refused = judge(&mut doc, &before, Who::of(&n, "p1").as_ref()).unwrap_err();
    assert_eq!(refused.refusal, Refusal::NotSigner { field: "history".into() });
    // Signed as herself it is hers to write.
    let mut doc = plan::skeleton(net_id(), 2027);
    plan::assign(&mut doc, "1.2", Some("k1"), &stamp("f1")).unwrap();
    doc.commit();
    let before = doc.get_heads();
    plan::splice(&mut doc, "1.2", 0, 0, "Hola", &stamp("p1")).unwrap();
    assert_eq!(judge(&mut doc, &before, Who::of(&n, "p1").as_ref()), Ok(()));
    // Bea is not in the commission.
    let before = doc.get_heads();
    plan::splice(&mut doc, "1.2", 0, 0, "X", &stamp("p2")).unwrap();
    let refused = judge(&mut doc, &before, Who::of(&n, "p2").as_ref()).unwrap_err();
    assert!(matches!(refused.refusal, Refusal::OnlyCommission { .. }), "{refused:?}");
}

#[test]
fn a_document_of_no_known_kind_takes_no_changes_but_its_creation() {
    let n = network();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "title", "x").unwrap();
    doc.commit();
    // Its creation is judged by whoever accepts new documents (by its owner).
    assert_eq!(judge(&mut doc, &[], Who::of(&n, "f1").as_ref()), Ok(()));
    let before = doc.get_heads();
    doc.put(ROOT, "title", "y").unwrap();
    doc.commit();
    let refused = judge(&mut doc, &before, Who::of(&n, "f1").as_ref()).unwrap_err();
    assert_eq!(refused.refusal, Refusal::Unknown { path: "kind".into() });
}

#[test]
fn only_the_author_of_a_card_or_a_facilitator_deletes_it_and_a_card_names_its_adder() {
    let n = network();
    let mut doc = AutoCommit::new();
    tree::create(&mut doc, &net_id().to_string(), "Ausentismo", &stamp("f1")).unwrap();
    let before = doc.get_heads();
    // A card claiming another adder is refused.
    tree::add(&mut doc, "k1", tree::CAUSES, None, "Lluvia", &stamp("p2")).unwrap();
    let refused = judge(&mut doc, &before, Who::of(&n, "p1").as_ref()).unwrap_err();
    assert!(matches!(refused.refusal, Refusal::NotSigner { .. }), "{refused:?}");
    let mut doc = AutoCommit::new();
    tree::create(&mut doc, &net_id().to_string(), "Ausentismo", &stamp("f1")).unwrap();
    let before = doc.get_heads();
    tree::add(&mut doc, "k1", tree::CAUSES, None, "Lluvia", &stamp("p1")).unwrap();
    assert_eq!(judge(&mut doc, &before, Who::of(&n, "p1").as_ref()), Ok(()));
    let before = doc.get_heads();
    tree::delete(&mut doc, "k1", &stamp("p2")).unwrap();
    assert!(judge(&mut doc, &before, Who::of(&n, "p2").as_ref()).is_err());
    assert_eq!(
        judge(&mut doc, &before, Who::of(&n, "f1").as_ref()).unwrap_err().refusal,
        Refusal::NotSigner { field: "history".into() },
        "the history names p2, not f1"
    );
}

#[test]
fn a_record_is_created_by_its_own_author_and_an_inquiry_by_a_facilitator() {
    let n = network();
    let record = Facts::Record { author: "p1".into(), finalised: false, discarded: false };
    assert_eq!(may_create(Who::of(&n, "p1").as_ref(), &record), Ok(()));
    assert_eq!(
        may_create(Who::of(&n, "p2").as_ref(), &record),
        Err(Refusal::NotSigner { field: "principal_id".into() })
    );
    assert!(may_create(Who::of(&n, "p1").as_ref(), &Facts::Inquiry).is_err());
    assert_eq!(may_create(Who::of(&n, "f1").as_ref(), &Facts::Inquiry), Ok(()));
    assert_eq!(
        may_create(Who::of(&n, "s1").as_ref(), &Facts::Tree { authors: Default::default() }),
        Ok(())
    );
    assert_eq!(may_create(None, &Facts::Network), Err(Refusal::NotAMember));
}

#[test]
fn rewriting_an_identity_field_with_its_own_value_is_no_change_but_another_value_is_refused() {
    let n = network();
    // A plan made by JS Automerge: its `kind` and `network_id` are Text.
    let mut doc = AutoCommit::new();
    for (key, value) in [("kind", plan::KIND), ("network_id", "net")] {
        let t = doc.put_object(ROOT, key, ObjType::Text).unwrap();
        doc.splice_text(&t, 0, 0, value).unwrap();
    }
    doc.commit();
    // The app reads it and writes the same values back as strings, with an allowed change.
    let before = doc.get_heads();
    doc.put(ROOT, "kind", plan::KIND).unwrap();
    doc.put(ROOT, "network_id", "net").unwrap();
    doc.put(ROOT, "title", "x").unwrap();
    doc.commit();
    assert_eq!(judge(&mut doc, &before, Who::of(&n, "f1").as_ref()), Ok(()));
    // Another network id is refused.
    let before = doc.get_heads();
    doc.put(ROOT, "network_id", "other").unwrap();
    doc.commit();
    assert_eq!(
        judge(&mut doc, &before, Who::of(&n, "f1").as_ref()).unwrap_err().refusal,
        Refusal::WriteOnce { field: "network_id".into() }
    );
}

#[test]
fn a_refusal_s_words_name_its_rule_for_the_client() {
    let cases = [
        (
            Refusal::OnlyCommission { section: "1.2".into(), commission: None },
            Some(Rule::Commission),
        ),
        (Refusal::OnlyFacilitator { what: "centres" }, Some(Rule::Facilitator)),
        (Refusal::OnlySlep, Some(Rule::Slep)),
        (Refusal::OnlyCentrePrincipal { centre: "c1".into() }, Some(Rule::Principal)),
        (Refusal::OnlyPrincipalDelivers { centre: "c1".into() }, Some(Rule::Principal)),
        (Refusal::OnlyAuthor { what: "record" }, Some(Rule::Author)),
        (Refusal::NotAMember, Some(Rule::Member)),
        (Refusal::Unknown { path: "x".into() }, None),
    ];
    for (refusal, rule) in cases {
        assert_eq!(rule_of(&refusal.to_string()), rule, "{refusal}");
    }
}

/// A record of p1's with every field a finalised one needs, as the server holds it.
fn complete_record() -> AutoCommit {
    use inquiry::TextRef;
    let mut inq = AutoCommit::new();
    inquiry::create(&mut inq, "red", &inquiry::Definition::annex6(), &stamp("f1")).unwrap();
    let start = inquiry::Start {
        inquiry_id: "inq".into(),
        principal_id: "p1".into(),
        principal_name: "Ana".into(),
        centre_id: "c1".into(),
        centre_name: "Jardín Uno".into(),
        date: "2026-06-08".into(),
    };
    let mut doc = AutoCommit::new();
    let def = inquiry::read_inquiry(&inq).unwrap();
    inquiry::start_record(&mut doc, &def, &start, &stamp("p1")).unwrap();
    let put = |doc: &mut AutoCommit, t: TextRef, text: &str| {
        inquiry::splice(doc, &t, 0, 0, text, &stamp("p1")).unwrap();
    };
    for (f, text) in [
        ("place", "Sala"),
        ("guidance", "Bases"),
        ("guidance_where", "p. 30"),
        ("nee_count", "4"),
        ("situation", "Dos salas."),
    ] {
        put(&mut doc, TextRef::Field(f.into()), text);
    }
    for p in ["a", "b"] {
        inquiry::add_participant(&mut doc, p, &stamp("p1")).unwrap();
        put(&mut doc, TextRef::Name(p.into()), "Participante");
        inquiry::set_role(&mut doc, p, "Educadora", &stamp("p1")).unwrap();
        for q in 0..3 {
            put(&mut doc, TextRef::Answer(p.into(), q), "Sí");
        }
    }
    doc
}

#[test]
fn a_draft_is_deleted_only_by_its_author_and_of_deleting_and_finalising_the_first_the_server_gets_stands()
 {
    let n = network();
    let (ana, bea) = (Who::of(&n, "p1"), Who::of(&n, "p2"));
    let mut server = complete_record();

    // Another principal cannot delete Ana's draft.
    let mut forged = server.fork();
    inquiry::discard(&mut forged, &stamp("p2")).unwrap();
    let before = server.get_heads();
    let mut attempt = server.clone();
    attempt.merge(&mut forged).unwrap();
    assert_eq!(
        judge(&mut attempt, &before, bea.as_ref()).unwrap_err().refusal,
        Refusal::OnlyAuthor { what: "record" }
    );

    // Ana finalises on her laptop while her phone, offline, deletes the same draft.
    let (mut laptop, mut phone) = (server.fork(), server.fork());
    inquiry::finalise(&mut laptop, "2026-06-08", &stamp("p1")).unwrap();
    inquiry::discard(&mut phone, &stamp("p1")).unwrap();

    // The laptop reaches the server first: the deletion that follows is refused, with a rule
    // the app names in her language.
    let mut first = server.clone();
    let before = first.get_heads();
    first.merge(&mut laptop).unwrap();
    assert_eq!(judge(&mut first, &before, ana.as_ref()), Ok(()));
    let before = first.get_heads();
    first.merge(&mut phone).unwrap();
    let refused = judge(&mut first, &before, ana.as_ref()).unwrap_err().refusal;
    assert_eq!(refused, Refusal::RecordFinalised);
    assert_eq!(rule_of(&refused.to_string()), Some(Rule::Record));

    // The phone first: the deletion stands and the finalising is refused.
    let before = server.get_heads();
    server.merge(&mut phone).unwrap();
    assert_eq!(judge(&mut server, &before, ana.as_ref()), Ok(()));
    let before = server.get_heads();
    server.merge(&mut laptop).unwrap();
    let refused = judge(&mut server, &before, ana.as_ref()).unwrap_err().refusal;
    assert_eq!(refused, Refusal::RecordDiscarded);
    assert_eq!(rule_of(&refused.to_string()), Some(Rule::Record));
}
