//! Votes: proposals then voting with the options locked when voting opened, one ballot per
//! member whatever the merge order, a ranking counted by Borda, a ballot cast after the
//! closing shown late and not counted — the same tally on every replica — and the rules.

use std::collections::BTreeMap;

use automerge::{ActorId, AutoCommit};
use juntas_core::model::history::Stamp;
use juntas_core::model::network::Role;
use juntas_core::model::vote::{
    Method, Phase, VoteError, cast, close, create, open, propose, read, tally,
};
use juntas_core::rules::{Effect, Facts, Refusal, Who, check, effects, facts_of};
use proptest::prelude::*;

fn s(by: &str, at: i64) -> Stamp {
    Stamp::new(by, at)
}

fn device(doc: AutoCommit, n: u8) -> AutoCommit {
    doc.with_actor(ActorId::from(vec![n; 16]))
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// The network-name vote with three proposals.
fn name_vote(method: Method) -> AutoCommit {
    let mut doc = device(AutoCommit::new(), 1);
    create(&mut doc, "red", "¿Cómo se llama nuestra red?", method, true, &s("fac", 1)).unwrap();
    propose(&mut doc, "a", "Avanzando Juntas", &s("ana", 2)).unwrap();
    propose(&mut doc, "b", "Red de Jardines del Sur", &s("bea", 3)).unwrap();
    propose(&mut doc, "c", "Semillas que Crecen", &s("eva", 4)).unwrap();
    doc
}

#[test]
fn options_proposed_after_voting_opened_are_not_offered_and_one_vote_counts_once() {
    let mut laptop = name_vote(Method::One);
    let mut phone = device(laptop.fork(), 2);
    assert_eq!(read(&laptop).unwrap().phase(), Phase::Proposals);
    assert_eq!(cast(&mut laptop, &ids(&["a"]), &s("ana", 5)), Err(VoteError::NotVoting));
    // Eva proposes a fourth name with no signal while the facilitator opens the vote.
    propose(&mut phone, "d", "Crecer en Red", &s("eva", 5)).unwrap();
    open(&mut laptop, &s("fac", 6)).unwrap();
    assert_eq!(propose(&mut laptop, "e", "Tarde", &s("ana", 7)), Err(VoteError::NotProposing));
    laptop.merge(&mut phone).unwrap();
    let v = read(&laptop).unwrap();
    assert_eq!(v.phase(), Phase::Voting);
    assert_eq!(v.options.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);
    assert_eq!(v.late_options, 1, "her proposal arrived after voting opened");
    assert_eq!(
        cast(&mut laptop, &ids(&["d"]), &s("eva", 8)),
        Err(VoteError::BadBallot("an option not offered"))
    );
    assert_eq!(
        cast(&mut laptop, &ids(&["a", "b"]), &s("eva", 8)),
        Err(VoteError::BadBallot("one option"))
    );
    for (who, choice) in [("ana", "a"), ("bea", "a"), ("eva", "c")] {
        cast(&mut laptop, &ids(&[choice]), &s(who, 9)).unwrap();
    }
    // Bea changes her mind: still one ballot.
    cast(&mut laptop, &ids(&["b"]), &s("bea", 10)).unwrap();
    let t = tally(&read(&laptop).unwrap());
    assert_eq!(t.counted, 3);
    assert_eq!(
        t.rows.iter().map(|(o, n)| (o.id.as_str(), *n)).collect::<Vec<_>>(),
        [("a", 1), ("b", 1), ("c", 1)]
    );
    assert_eq!(t.winners.len(), 3, "a three-way tie names all three");
}

#[test]
fn a_ranking_is_counted_by_borda_and_a_ballot_after_the_closing_is_late() {
    let mut laptop = name_vote(Method::Ranking);
    open(&mut laptop, &s("fac", 5)).unwrap();
    let mut phone = device(laptop.fork(), 2);
    cast(&mut laptop, &ids(&["a", "b", "c"]), &s("ana", 6)).unwrap();
    cast(&mut laptop, &ids(&["a", "c", "b"]), &s("bea", 6)).unwrap();
    assert_eq!(
        cast(&mut laptop, &ids(&["a", "b"]), &s("eva", 6)),
        Err(VoteError::BadBallot("every option, in order"))
    );
    // Eva votes offline; the facilitator closes before her phone has signal.
    cast(&mut phone, &ids(&["c", "b", "a"]), &s("eva", 7)).unwrap();
    close(&mut laptop, &s("fac", 8)).unwrap();
    laptop.merge(&mut phone).unwrap();
    phone.merge(&mut laptop).unwrap();
    for doc in [&laptop, &phone] {
        let v = read(doc).unwrap();
        assert_eq!(v.phase(), Phase::Closed);
        let t = tally(&v);
        // a: 2 + 2 = 4; b: 1 + 0 = 1; c: 0 + 1 = 1.
        assert_eq!(
            t.rows.iter().map(|(o, n)| (o.id.as_str(), *n)).collect::<Vec<_>>(),
            [("a", 4), ("b", 1), ("c", 1)]
        );
        assert_eq!(t.winners, ["Avanzando Juntas"]);
        assert_eq!((t.counted, t.late), (2, 1));
    }
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
fn members_propose_in_their_own_name_vote_for_themselves_and_only_the_facilitator_opens() {
    let mut doc = name_vote(Method::One);
    let (ana, bea, fac) =
        (who("ana", Role::Principal), who("bea", Role::Principal), who("fac", Role::Facilitator));
    let mine = change(&mut doc, |d| propose(d, "x", "Nuestra Red", &s("ana", 5)).unwrap());
    let facts = facts_of(&doc).unwrap();
    assert_eq!(check(Some(&ana), &facts, &mine), Ok(()));
    assert!(check(Some(&bea), &facts, &mine).is_err(), "not in someone else's name");
    let opening = change(&mut doc, |d| open(d, &s("fac", 6)).unwrap());
    assert_eq!(check(Some(&fac), &facts, &opening), Ok(()));
    assert_eq!(
        check(Some(&ana), &facts, &opening),
        Err(Refusal::OnlyFacilitator { what: "the vote" })
    );
    let ballot = change(&mut doc, |d| cast(d, &ids(&["x"]), &s("ana", 7)).unwrap());
    let facts = facts_of(&doc).unwrap();
    assert_eq!(check(Some(&ana), &facts, &ballot), Ok(()));
    assert_eq!(check(Some(&fac), &facts, &ballot), Err(Refusal::OnlyAuthor { what: "ballot" }));
    assert!(matches!(facts, Facts::Vote { .. }));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Three members rank the options on their phones (changing their minds), the facilitator
    /// closes at a random moment, phones sync in a random order: every replica counts the same,
    /// one ballot per member, and what counts is what the facilitator's phone had when she closed.
    #[test]
    fn every_replica_counts_the_ballots_the_closing_saw(
        ops in prop::collection::vec((0usize..3, 0usize..6, 0usize..4), 1..30),
        close_at in 0usize..30,
    ) {
        let mut base = name_vote(Method::Ranking);
        open(&mut base, &s("fac", 5)).unwrap();
        let mut replicas: Vec<AutoCommit> = (0..4).map(|i| device(base.fork(), 10 + i as u8)).collect();
        let members = ["ana", "bea", "eva"];
        let orders = [["a", "b", "c"], ["a", "c", "b"], ["b", "a", "c"], ["b", "c", "a"], ["c", "a", "b"], ["c", "b", "a"]];
        let mut snapshot = None;
        let close_on = |r: &mut AutoCommit, snap: &mut Option<BTreeMap<String, Vec<String>>>| {
            *snap = Some(read(r).unwrap().ballots);
            close(r, &s("fac", 1_000)).unwrap();
        };
        for (step, (m, order, sync_with)) in ops.iter().enumerate() {
            if step == close_at.min(ops.len() - 1) && snapshot.is_none() {
                close_on(&mut replicas[3], &mut snapshot);
            }
            // A phone that already heard of the closing does not vote (the app refuses).
            let _ = cast(&mut replicas[*m], &ids(&orders[*order]), &s(members[*m], step as i64 + 10));
            if *sync_with != *m {
                let (a, b) = if *m < *sync_with { (*m, *sync_with) } else { (*sync_with, *m) };
                let (left, right) = replicas.split_at_mut(b);
                left[a].merge(&mut right[0]).unwrap();
                right[0].merge(&mut left[a]).unwrap();
            }
        }
        if snapshot.is_none() {
            close_on(&mut replicas[3], &mut snapshot);
        }
        let mut all = replicas[0].clone();
        for r in replicas.iter_mut().skip(1) {
            all.merge(r).unwrap();
        }
        for r in replicas.iter_mut() {
            r.merge(&mut all).unwrap();
        }
        let first = tally(&read(&replicas[0]).unwrap());
        for r in &replicas {
            let v = read(r).unwrap();
            prop_assert_eq!(&tally(&v), &first);
            prop_assert_eq!(&v.ballots, snapshot.as_ref().unwrap());
        }
        prop_assert_eq!(first.invalid, 0);
        prop_assert!(first.counted <= 3);
        // Borda: points add up to counted × (0 + 1 + 2).
        prop_assert_eq!(first.rows.iter().map(|r| r.1).sum::<u32>(), first.counted as u32 * 3);
    }
}

#[test]
fn a_vote_with_no_ballots_has_no_winner() {
    let mut doc = name_vote(Method::Several { max: 2 });
    open(&mut doc, &s("fac", 5)).unwrap();
    assert_eq!(tally(&read(&doc).unwrap()).winners, Vec::<String>::new());
    cast(&mut doc, &ids(&["a", "c"]), &s("ana", 6)).unwrap();
    assert_eq!(
        cast(&mut doc, &ids(&["a", "b", "c"]), &s("bea", 6)),
        Err(VoteError::BadBallot("too many or no options"))
    );
    let t = tally(&read(&doc).unwrap());
    assert_eq!(t.winners, ["Avanzando Juntas", "Semillas que Crecen"]);
}
