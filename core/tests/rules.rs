//! The rules table, row by row, allowed and refused, on changes made by the models' own
//! commands (or, for review entries whose commands need a whole delivered plan, by the same
//! writes the commands make), judged by their effects.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, transaction::Transactable};
use juntas_core::DocumentId;
use juntas_core::model::history::Stamp;
use juntas_core::model::network::{self, Centre, Command, Commission, Member, Network, Role};
use juntas_core::model::{centre_plan, inquiry, plan, tree};
use juntas_core::rules::{Effect, Facts, Refusal, Who, check, effects, may};

fn who(member: &str, role: Role, centre: Option<&str>, commissions: &[&str]) -> Who {
    Who {
        member: member.into(),
        role,
        centre: centre.map(str::to_owned),
        commissions: commissions.iter().map(|c| c.to_string()).collect::<BTreeSet<_>>(),
    }
}

fn facilitator() -> Who {
    who("f1", Role::Facilitator, None, &[])
}
fn principal(centre: &str, commissions: &[&str]) -> Who {
    who(&format!("p-{centre}"), Role::Principal, Some(centre), commissions)
}
fn slep() -> Who {
    who("s1", Role::SlepProfessional, None, &[])
}

/// The effects of what `f` does to `doc`.
fn change(doc: &mut AutoCommit, f: impl FnOnce(&mut AutoCommit)) -> Vec<Effect> {
    doc.commit();
    let before = doc.get_heads();
    f(doc);
    doc.commit();
    let after = doc.get_heads();
    assert_ne!(before, after, "the command changed nothing");
    effects(doc, &before, &after)
}

fn stamp(by: &str) -> Stamp {
    Stamp::new(by, 1_700_000_000_000)
}

fn net() -> DocumentId {
    DocumentId::from_bytes([3; 16])
}

fn network_doc() -> AutoCommit {
    let mut doc = AutoCommit::new();
    let n = Network::new("Red", "SLEP", 1);
    network::create(&mut doc, &n, 1).unwrap();
    for c in ["c1", "c2"] {
        let centre = Centre { name: format!("Jardín {c}"), ..Default::default() };
        network::apply(&mut doc, Command::PutCentre { id: c.into(), centre }, 2).unwrap();
    }
    let member = |name: &str, role, centre: Option<&str>| Member {
        name: name.into(),
        role,
        centre_id: centre.map(str::to_owned),
    };
    network::apply(
        &mut doc,
        Command::PutMember {
            id: "p-c1".into(),
            member: member("Ana", Role::Principal, Some("c1")),
        },
        2,
    )
    .unwrap();
    network::apply(
        &mut doc,
        Command::PutMember {
            id: "p-c2".into(),
            member: member("Bea", Role::Principal, Some("c2")),
        },
        3,
    )
    .unwrap();
    doc
}

#[test]
fn network_rows() {
    let mut doc = network_doc();
    let f = Facts::Network;
    let put_member =
        |doc: &mut AutoCommit, id: &str, name: &str, role: Role, centre: Option<&str>| {
            change(doc, |d| {
                network::apply(
                    d,
                    Command::PutMember {
                        id: id.into(),
                        member: Member {
                            name: name.into(),
                            role,
                            centre_id: centre.map(str::to_owned),
                        },
                    },
                    10,
                )
                .unwrap();
            })
        };
    // Facilitator: everything.
    let e = put_member(&mut doc, "s1", "Sara", Role::SlepProfessional, None);
    assert_eq!(check(Some(&facilitator()), &f, &e), Ok(()));
    // A principal adding a member, or making herself SLEP, is refused.
    assert_eq!(
        check(Some(&principal("c1", &[])), &f, &e),
        Err(Refusal::OnlyFacilitator { what: "members and roles" })
    );
    let e = put_member(&mut doc, "p-c1", "Ana", Role::SlepProfessional, None);
    assert!(check(Some(&principal("c1", &[])), &f, &e).is_err());
    // Her own name: allowed; another's name: refused.
    let e = put_member(&mut doc, "p-c2", "Beatriz", Role::Principal, Some("c2"));
    assert_eq!(check(Some(&principal("c2", &[])), &f, &e), Ok(()));
    assert!(check(Some(&principal("c1", &[])), &f, &e).is_err());
    // Commissions and centres: facilitator only.
    let mut members = BTreeMap::new();
    members.insert("p-c1".to_owned(), true);
    let e = change(&mut doc, |d| {
        network::apply(
            d,
            Command::PutCommission {
                id: "k1".into(),
                commission: Commission { name: "Protocolo".into(), members },
            },
            11,
        )
        .unwrap();
    });
    assert_eq!(
        check(Some(&principal("c1", &[])), &f, &e),
        Err(Refusal::OnlyFacilitator { what: "commissions" })
    );
    assert_eq!(check(Some(&facilitator()), &f, &e), Ok(()));
    // Plans: the principal lists her centre's plan, not another's, not the common plan.
    let list = |doc: &mut AutoCommit, key: &str| {
        change(doc, |d| {
            network::apply(d, Command::ListPlan { key: key.into() }, 12).unwrap();
        })
    };
    let mine = list(&mut doc, "2027/c1");
    assert_eq!(check(Some(&principal("c1", &[])), &f, &mine), Ok(()));
    assert!(check(Some(&principal("c2", &[])), &f, &mine).is_err());
    let common = list(&mut doc, "2027");
    assert!(check(Some(&principal("c1", &[])), &f, &common).is_err());
    assert_eq!(check(Some(&facilitator()), &f, &common), Ok(()));
    // Trees: any member lists one; inquiries: the facilitator.
    let e = change(&mut doc, |d| {
        network::apply(d, Command::ListTree { id: "t1".into() }, 13).unwrap();
    });
    assert_eq!(check(Some(&slep()), &f, &e), Ok(()));
    let e = change(&mut doc, |d| {
        network::apply(d, Command::ListInquiry { id: "i1".into() }, 14).unwrap();
    });
    assert_eq!(
        check(Some(&principal("c1", &[])), &f, &e),
        Err(Refusal::OnlyFacilitator { what: "inquiries" })
    );
    // Not a member: nothing.
    assert_eq!(check(None, &f, &e), Err(Refusal::NotAMember));
}

fn common_facts(doc: &AutoCommit) -> Facts {
    let p = plan::read(doc).unwrap();
    Facts::CommonPlan {
        commissions: p.sections.iter().map(|s| (s.def.id.clone(), s.commission.clone())).collect(),
    }
}

#[test]
fn common_plan_rows() {
    let net = net();
    let mut doc = plan::skeleton(net, 2027);
    // Template: the facilitator assigns a section; a principal may not.
    let e = change(&mut doc, |d| plan::assign(d, "1.2", Some("k1"), &stamp("f1")).unwrap());
    assert_eq!(check(Some(&facilitator()), &common_facts(&doc), &e), Ok(()));
    assert_eq!(
        check(Some(&principal("c1", &["k1"])), &common_facts(&doc), &e),
        Err(Refusal::OnlyFacilitator { what: "the plan's template" })
    );
    // Text and status: the section's commission and the facilitator.
    let facts = common_facts(&doc);
    let e = change(&mut doc, |d| plan::splice(d, "1.2", 0, 0, "Hola", &stamp("p-c1")).unwrap());
    assert_eq!(check(Some(&principal("c1", &["k1"])), &facts, &e), Ok(()));
    assert_eq!(check(Some(&facilitator()), &facts, &e), Ok(()));
    assert_eq!(
        check(Some(&principal("c2", &["k2"])), &facts, &e),
        Err(Refusal::OnlyCommission { section: "1.2".into(), commission: Some("k1".into()) })
    );
    let e = change(&mut doc, |d| {
        plan::set_status(d, "1.2", plan::Status::ReadyForReview, &stamp("p-c1")).unwrap()
    });
    assert_eq!(check(Some(&principal("c1", &["k1"])), &facts, &e), Ok(()));
    assert!(check(Some(&slep()), &facts, &e).is_err());
    // An unassigned section: only the facilitator writes it.
    let e = change(&mut doc, |d| plan::splice(d, "2", 0, 0, "x", &stamp("p-c1")).unwrap());
    assert_eq!(
        check(Some(&principal("c1", &["k1"])), &facts, &e),
        Err(Refusal::OnlyCommission { section: "2".into(), commission: None })
    );
    // Comments: any member, signed as herself.
    let e = change(&mut doc, |d| plan::comment(d, "n1", "1.2", "¿y esto?", &stamp("s1")).unwrap());
    assert_eq!(check(Some(&slep()), &facts, &e), Ok(()));
    assert_eq!(
        check(Some(&principal("c2", &[])), &facts, &e),
        Err(Refusal::NotSigner { field: "comments/n1/by".into() })
    );
    // Editing someone's comment afterwards: never.
    let e = change(&mut doc, |d| {
        let comments = d.get(ROOT, "comments").unwrap().unwrap().1;
        let n1 = d.get(&comments, "n1").unwrap().unwrap().1;
        d.put(&n1, "text", "otra cosa").unwrap();
    });
    assert_eq!(check(Some(&slep()), &facts, &e), Err(Refusal::Immutable { what: "comment" }));
    // Identity fields: nobody, not even the facilitator.
    let e = change(&mut doc, |d| d.put(ROOT, "network_id", "otra").unwrap());
    assert_eq!(
        check(Some(&facilitator()), &facts, &e),
        Err(Refusal::WriteOnce { field: "network_id".into() })
    );
}

/// A review entry written as `deliver` / `observe` / `approve` write it.
fn entry(doc: &mut AutoCommit, map: &str, id: &str, fields: &[(&str, &str)]) {
    let m = doc.get(ROOT, map).unwrap().unwrap().1;
    let e = doc.put_object(&m, id, ObjType::Map).unwrap();
    for (k, v) in fields {
        doc.put(&e, *k, *v).unwrap();
    }
    doc.put(&e, "at", 5_i64).unwrap();
}

#[test]
fn centre_plan_rows() {
    let net = net();
    let mut doc = centre_plan::skeleton(net, 2027, "c1");
    let facts = Facts::CentrePlan { centre: "c1".into() };
    // Its sections and adoption: its principal only.
    let e = change(&mut doc, |d| {
        centre_plan::splice(d, "3", 0, 0, "Nuestro jardín", &stamp("p-c1")).unwrap()
    });
    assert_eq!(check(Some(&principal("c1", &[])), &facts, &e), Ok(()));
    assert_eq!(
        check(Some(&principal("c2", &[])), &facts, &e),
        Err(Refusal::OnlyCentrePrincipal { centre: "c1".into() })
    );
    assert!(check(Some(&slep()), &facts, &e).is_err());
    assert!(check(Some(&facilitator()), &facts, &e).is_err());
    let e = change(&mut doc, |d| d.put(ROOT, "adopted", "abc").unwrap());
    assert!(check(Some(&slep()), &facts, &e).is_err());
    // Delivery: its principal, signed as herself.
    let e = change(&mut doc, |d| {
        entry(
            d,
            "events",
            "e1",
            &[("action", "entregar"), ("by", "p-c1"), ("heads", ""), ("note", "")],
        )
    });
    assert_eq!(check(Some(&principal("c1", &[])), &facts, &e), Ok(()));
    assert_eq!(
        check(Some(&slep()), &facts, &e),
        Err(Refusal::OnlyPrincipalDelivers { centre: "c1".into() })
    );
    // Observations and approval: SLEP professionals only — a principal approving her own
    // plan is refused.
    let e = change(&mut doc, |d| {
        entry(
            d,
            "events",
            "e2",
            &[("action", "aprobar"), ("by", "s1"), ("heads", ""), ("note", "")],
        )
    });
    assert_eq!(check(Some(&slep()), &facts, &e), Ok(()));
    let own = change(&mut doc, |d| {
        entry(
            d,
            "events",
            "e3",
            &[("action", "aprobar"), ("by", "p-c1"), ("heads", ""), ("note", "")],
        )
    });
    assert_eq!(check(Some(&principal("c1", &[])), &facts, &own), Err(Refusal::OnlySlep));
    assert_eq!(
        check(Some(&slep()), &facts, &own),
        Err(Refusal::NotSigner { field: "events/e3/by".into() })
    );
    let e = change(&mut doc, |d| {
        entry(
            d,
            "observations",
            "o1",
            &[("section", "3"), ("by", "s1"), ("text", "Falta"), ("about", "e1")],
        )
    });
    assert_eq!(check(Some(&slep()), &facts, &e), Ok(()));
    assert_eq!(check(Some(&principal("c1", &[])), &facts, &e), Err(Refusal::OnlySlep));
    // A made event never changes (that would rewrite the review's history).
    let e = change(&mut doc, |d| {
        let events = d.get(ROOT, "events").unwrap().unwrap().1;
        let e1 = d.get(&events, "e1").unwrap().unwrap().1;
        d.put(&e1, "action", "aprobar").unwrap();
    });
    assert_eq!(check(Some(&slep()), &facts, &e), Err(Refusal::Immutable { what: "review event" }));
    // Comments: any member.
    let e =
        change(&mut doc, |d| centre_plan::comment(d, "n1", "3", "Bien", &stamp("p-c2")).unwrap());
    assert_eq!(check(Some(&principal("c2", &[])), &facts, &e), Ok(()));
}

#[test]
fn inquiry_and_record_rows() {
    let mut doc = AutoCommit::new();
    let d = inquiry::Definition {
        title: "Indagación".into(),
        challenge: "Reto".into(),
        keywords: String::new(),
        diagnosis: String::new(),
        questions: vec!["¿Qué?".into()],
        roles: vec!["Educadora".into()],
        deadline: String::new(),
    };
    inquiry::create(&mut doc, &net().to_string(), &d, &stamp("f1")).unwrap();
    let facts = Facts::Inquiry;
    let e = change(&mut doc, |doc| {
        inquiry::redefine(doc, &d, &stamp("f1")).unwrap();
    });
    assert_eq!(check(Some(&facilitator()), &facts, &e), Ok(()));
    assert_eq!(
        check(Some(&principal("c1", &[])), &facts, &e),
        Err(Refusal::OnlyFacilitator { what: "the inquiry" })
    );
    // A principal lists her record under her own centre, not another's.
    let e = change(&mut doc, |doc| inquiry::list_record(doc, "r1", "c1", &stamp("p-c1")).unwrap());
    assert_eq!(check(Some(&principal("c1", &[])), &facts, &e), Ok(()));
    assert!(check(Some(&principal("c2", &[])), &facts, &e).is_err());
    // ... and marks it deleted there, under her own centre only.
    let e = change(&mut doc, |doc| inquiry::list_deleted(doc, "r1", "c1", &stamp("p-c1")).unwrap());
    assert_eq!(check(Some(&principal("c1", &[])), &facts, &e), Ok(()));
    assert!(check(Some(&principal("c2", &[])), &facts, &e).is_err());
    let read = inquiry::read_inquiry(&doc).unwrap();
    assert!(read.says_deleted("r1", "c1"));
    assert!(!read.says_deleted("r1", "c2"), "a mark under another centre than the listing's");
    // An inquiry made before it had the list: she makes the list with her mark.
    let mut old = AutoCommit::new();
    inquiry::create(&mut old, &net().to_string(), &d, &stamp("f1")).unwrap();
    old.delete(ROOT, inquiry::DELETED_LIST).unwrap();
    old.commit();
    let e = change(&mut old, |doc| inquiry::list_deleted(doc, "r1", "c1", &stamp("p-c1")).unwrap());
    assert_eq!(check(Some(&principal("c1", &[])), &facts, &e), Ok(()));
    assert!(inquiry::read_inquiry(&old).unwrap().says_deleted("r1", "c1"));

    // A record: its author only.
    let mut rec = AutoCommit::new();
    let t = rec.put_object(ROOT, "situation", ObjType::Text).unwrap();
    rec.commit();
    let e = change(&mut rec, |r| r.splice_text(&t, 0, 0, "tres niños").map(|_| ()).unwrap());
    let facts = Facts::Record { author: "p-c1".into(), finalised: false, discarded: false };
    assert_eq!(check(Some(&principal("c1", &[])), &facts, &e), Ok(()));
    assert_eq!(
        check(Some(&facilitator()), &facts, &e),
        Err(Refusal::OnlyAuthor { what: "record" })
    );
}

#[test]
fn tree_rows() {
    let mut doc = AutoCommit::new();
    tree::create(&mut doc, &net().to_string(), "Ausentismo", &stamp("f1")).unwrap();
    let e = change(&mut doc, |d| {
        tree::add(d, "k1", tree::CAUSES, None, "Lluvia", &stamp("p-c1")).unwrap()
    });
    let authors = BTreeMap::from([("k1".to_owned(), "p-c1".to_owned())]);
    let facts = Facts::Tree { authors };
    // Anyone adds and edits.
    assert_eq!(check(Some(&principal("c1", &[])), &facts, &e), Ok(()));
    let e = change(&mut doc, |d| {
        tree::splice(d, "k1", false, 0, 0, "Mucha ", &stamp("p-c2")).unwrap();
    });
    assert_eq!(check(Some(&principal("c2", &[])), &facts, &e), Ok(()));
    // Deleting another person's card: its author or a facilitator.
    let e = change(&mut doc, |d| tree::delete(d, "k1", &stamp("p-c2")).unwrap());
    assert_eq!(
        check(Some(&principal("c2", &[])), &facts, &e),
        Err(Refusal::OnlyAuthor { what: "card (or a facilitator)" })
    );
    assert_eq!(check(Some(&principal("c1", &[])), &facts, &e), Ok(()));
    assert_eq!(check(Some(&facilitator()), &facts, &e), Ok(()));
}

#[test]
fn effects_name_paths_from_the_root() {
    let net = net();
    let mut doc = plan::skeleton(net, 2027);
    let e = change(&mut doc, |d| plan::splice(d, "1.2", 0, 0, "Hola", &stamp("p")).unwrap());
    let paths: Vec<String> = e.iter().map(|e| e.path.join("/")).collect();
    assert!(paths.contains(&"sections/1.2/body".to_owned()), "{paths:?}");
    assert!(paths.contains(&"updated_at".to_owned()), "{paths:?}");
    let _ = doc.get(ROOT, "kind");
}

#[test]
fn a_page_asks_the_same_rule_before_offering_a_control() {
    let facts = Facts::CommonPlan {
        commissions: BTreeMap::from([
            ("1.2".to_owned(), Some("k1".to_owned())),
            ("2".to_owned(), None),
        ]),
    };
    let body = |s: &str| Effect::edit(["sections", s, "body"]);
    assert_eq!(may(Some(&principal("c1", &["k1"])), &facts, body("1.2")), Ok(()));
    assert_eq!(
        may(Some(&principal("c2", &["k2"])), &facts, body("1.2")),
        Err(Refusal::OnlyCommission { section: "1.2".into(), commission: Some("k1".into()) })
    );
    assert_eq!(may(Some(&facilitator()), &facts, body("2")), Ok(()));
    assert_eq!(may(None, &facts, body("1.2")), Err(Refusal::NotAMember));
    let assign = Effect::put(["sections", "1.2", "commission"], Some("k2"));
    assert!(may(Some(&principal("c1", &["k1"])), &facts, assign.clone()).is_err());
    assert_eq!(may(Some(&facilitator()), &facts, assign), Ok(()));
}
