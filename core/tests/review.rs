//! Delivery and review of a centre plan: the legal path, the refusals a person sees, and the
//! same state on every replica whatever order concurrent actions merged in.

use juntas_core::model::review::{Action, Event, PlanState, ReviewError, fold};
use proptest::prelude::*;

fn ev(id: &str, at: i64, by: &str, action: Action, note: &str) -> Event {
    Event { id: id.into(), at, by: by.into(), action, note: note.into() }
}

fn deliver(heads: &[&str]) -> Action {
    Action::Deliver { heads: heads.iter().map(|h| h.to_string()).collect() }
}

#[test]
fn deliver_observe_redeliver_approve() {
    let mut log = vec![ev("e1", 10, "directora", deliver(&["h1"]), "")];
    assert_eq!(fold(&log).state, PlanState::Submitted);
    log.push(ev("e2", 20, "slep", Action::Observe, "Falta el horario de ingreso en 1.3"));
    assert_eq!(fold(&log).state, PlanState::HasIssues);
    log.push(ev("e3", 30, "directora", deliver(&["h2"]), "Agregado"));
    let r = fold(&log);
    assert_eq!(r.state, PlanState::Resubmitted);
    assert_eq!(r.delivered_heads(), Some(&["h2".to_string()][..]));
    log.push(ev("e4", 40, "slep", Action::Approve, ""));
    let r = fold(&log);
    assert_eq!(r.state, PlanState::Approved);
    assert_eq!(r.submissions.len(), 2, "both deliveries stay viewable");
    assert!(r.set_aside.is_empty());
    // Editing after approval opens a new draft; delivering it is a re-delivery.
    assert!(r.has_undelivered_changes(&["h3".into()]));
    assert!(!r.has_undelivered_changes(&["h2".into()]));
    assert_eq!(r.allows(&deliver(&["h3"]), ""), Ok(PlanState::Resubmitted));
}

#[test]
fn illegal_actions_are_refused_with_a_reason() {
    let draft = fold(&[]);
    let err = draft.allows(&Action::Approve, "").unwrap_err();
    assert_eq!(err, ReviewError::ApproveUndelivered(PlanState::Draft));
    assert_eq!(
        err.to_string(),
        "the plan can only be approved once it is delivered (it is borrador)"
    );
    assert_eq!(
        draft.allows(&Action::Observe, "x"),
        Err(ReviewError::ObserveUndelivered(PlanState::Draft))
    );
    let submitted = fold(&[ev("e1", 1, "d", deliver(&["h1"]), "")]);
    assert_eq!(submitted.allows(&Action::Observe, "  "), Err(ReviewError::ObservationWithoutNote));
    assert_eq!(submitted.allows(&deliver(&["h1"]), ""), Err(ReviewError::NothingNewToDeliver));
    let approved =
        fold(&[ev("e1", 1, "d", deliver(&["h1"]), ""), ev("e2", 2, "s", Action::Approve, "")]);
    assert_eq!(
        approved.allows(&Action::Approve, ""),
        Err(ReviewError::ApproveUndelivered(PlanState::Approved))
    );
}

#[test]
fn two_reviewers_deciding_at_once_agree_on_one_and_the_other_is_shown() {
    // Both saw "entregado"; one approved, the other wrote observations, offline, same minute.
    let log = vec![
        ev("e1", 10, "directora", deliver(&["h1"]), ""),
        ev("b-observe", 50, "slep-2", Action::Observe, "Revisar 2.1"),
        ev("a-approve", 50, "slep-1", Action::Approve, ""),
    ];
    let mut reversed = log.clone();
    reversed.reverse();
    let (r1, r2) = (fold(&log), fold(&reversed));
    assert_eq!(r1, r2, "every replica reads the same");
    assert_eq!(r1.state, PlanState::Approved, "same time: the smaller event id is first");
    assert_eq!(r1.set_aside.len(), 1);
    assert_eq!(r1.set_aside[0].0.id, "b-observe");
    assert_eq!(r1.set_aside[0].1, ReviewError::ObserveUndelivered(PlanState::Approved));
}

fn any_event() -> impl Strategy<Value = Event> {
    (0u8..40, 0i64..20, 0u8..4, 0u8..3, 0u8..3).prop_map(|(id, at, who, kind, heads)| Event {
        id: format!("e{id:02}"),
        at,
        by: format!("m{who}"),
        action: match kind {
            0 => Action::Deliver { heads: vec![format!("h{heads}")] },
            1 => Action::Observe,
            _ => Action::Approve,
        },
        note: if heads == 0 { String::new() } else { "nota".into() },
    })
}

proptest! {
    #[test]
    fn any_merge_order_folds_to_the_same_review(
        (log, shuffled) in prop::collection::vec(any_event(), 0..25)
            .prop_map(|mut v| { v.sort_by(|a, b| a.id.cmp(&b.id)); v.dedup_by(|a, b| a.id == b.id); v })
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
    ) {
        let (a, b) = (fold(&log), fold(&shuffled));
        prop_assert_eq!(&a, &b);
        // Nothing is lost: every event is either applied or set aside with its reason.
        let applied_deliveries = a.submissions.len();
        let deliveries = log.iter().filter(|e| matches!(e.action, Action::Deliver { .. })).count();
        let set_aside_deliveries = a.set_aside.iter().filter(|(e, _)| matches!(e.action, Action::Deliver { .. })).count();
        prop_assert_eq!(applied_deliveries + set_aside_deliveries, deliveries);
        // Approved only ever follows a delivery.
        if a.state == PlanState::Approved { prop_assert!(!a.submissions.is_empty()); }
    }
}
