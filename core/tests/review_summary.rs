//! What "Plan de mi jardín" shows of the review: the version on screen for the principal and
//! the SLEP, when the SLEP reviews, which observations each section shows (none about an
//! older delivery once the plan is re-delivered and awaits review), the SLEP's note, the log.

use juntas_core::model::centre_plan::CentrePlan;
use juntas_core::model::plan::Note;
use juntas_core::model::review::{Action, Event, PlanState};
use juntas_core::model::review_summary::{self, Screen, Viewer};

fn event(id: &str, at: i64, action: Action, note: &str) -> Event {
    Event { id: id.into(), at, by: "slep".into(), action, note: note.into() }
}

fn deliver(id: &str, at: i64, heads: &str) -> Event {
    event(id, at, Action::Deliver { heads: vec![heads.into()] }, "")
}

fn observation(id: &str, section: &str, about: &str, text: &str) -> Note {
    Note {
        id: id.into(),
        section: section.into(),
        by: "slep".into(),
        at: 0,
        text: text.into(),
        about: about.into(),
    }
}

/// Delivered (d1), observed on sections 1 and 2 (note "Revisar metas").
fn observed() -> CentrePlan {
    CentrePlan {
        centre_id: "c1".into(),
        events: vec![deliver("d1", 10, "h1"), event("o1", 20, Action::Observe, "Revisar metas")],
        observations: vec![
            observation("n1", "s1", "d1", "Faltan plazos"),
            observation("n2", "s2", "d1", "Precisar responsables"),
        ],
        ..Default::default()
    }
}

fn texts(notes: Vec<Note>) -> Vec<String> {
    notes.into_iter().map(|n| n.text).collect()
}

const PRINCIPAL: Viewer = Viewer { principal: true, reviewer: false };
const REVIEWER: Viewer = Viewer { principal: false, reviewer: true };
const OTHER: Viewer = Viewer { principal: false, reviewer: false };

#[test]
fn observations_stay_on_their_sections_while_the_plan_has_them() {
    let plan = observed();
    assert_eq!(plan.review().state, PlanState::HasIssues);
    assert_eq!(texts(review_summary::section_observations(&plan, "s1")), ["Faltan plazos"]);
    assert_eq!(texts(review_summary::section_observations(&plan, "s2")), ["Precisar responsables"]);
    assert!(review_summary::section_observations(&plan, "s3").is_empty());
    assert_eq!(review_summary::observation_note(&plan).as_deref(), Some("Revisar metas"));
}

#[test]
fn once_redelivered_and_awaiting_review_older_observations_are_not_shown() {
    let mut plan = observed();
    plan.events.push(deliver("d2", 30, "h2"));
    assert_eq!(plan.review().state, PlanState::Resubmitted);
    assert!(review_summary::section_observations(&plan, "s1").is_empty());
    assert!(review_summary::section_observations(&plan, "s2").is_empty());
    assert_eq!(review_summary::observation_note(&plan), None, "the note went with them");

    // The SLEP observes the new delivery: only that one's observations show.
    plan.observations.push(observation("n3", "s1", "d2", "Ahora sí, falta el presupuesto"));
    plan.events.push(event("o2", 40, Action::Observe, "Casi listo"));
    assert_eq!(plan.review().state, PlanState::HasIssues);
    // Not awaiting any more: every observation of the section shows, older ones included.
    assert_eq!(
        texts(review_summary::section_observations(&plan, "s1")),
        ["Faltan plazos", "Ahora sí, falta el presupuesto"]
    );
    assert_eq!(review_summary::observation_note(&plan).as_deref(), Some("Casi listo"));

    // Re-delivered again: none of the two deliveries' observations is about d3.
    plan.events.push(deliver("d3", 50, "h3"));
    assert!(review_summary::section_observations(&plan, "s1").is_empty());
}

#[test]
fn observations_about_the_delivery_awaiting_review_are_shown() {
    // Two SLEP devices: one observed d1 while the other had not synced its event yet.
    let plan = CentrePlan {
        events: vec![deliver("d1", 10, "h1")],
        observations: vec![observation("n1", "s1", "d1", "Faltan plazos")],
        ..Default::default()
    };
    assert_eq!(plan.review().state, PlanState::Submitted);
    assert_eq!(texts(review_summary::section_observations(&plan, "s1")), ["Faltan plazos"]);
}

#[test]
fn after_approval_every_observation_shows_and_there_is_no_note() {
    let mut plan = observed();
    plan.events.push(deliver("d2", 30, "h2"));
    plan.events.push(event("a1", 40, Action::Approve, "Aprobado"));
    assert_eq!(plan.review().state, PlanState::Approved);
    assert_eq!(texts(review_summary::section_observations(&plan, "s1")), ["Faltan plazos"]);
    assert_eq!(review_summary::observation_note(&plan), None);
}

#[test]
fn the_note_is_the_latest_observation_by_time_then_id() {
    let plan = CentrePlan {
        events: vec![
            deliver("d1", 10, "h1"),
            // Two SLEP professionals observed at the same millisecond. The fold keeps "oa"
            // and sets "ob" aside, yet the note shown is the later by (time, id), as the page
            // always did (the page also says a decision was set aside).
            event("oa", 20, Action::Observe, "Primera"),
            event("ob", 20, Action::Observe, "Segunda"),
        ],
        ..Default::default()
    };
    assert_eq!(review_summary::observation_note(&plan).as_deref(), Some("Segunda"));
    assert_eq!(review_summary::observation_note(&CentrePlan::default()), None);
}

#[test]
fn the_log_is_in_time_then_id_order() {
    let plan = CentrePlan {
        events: vec![
            event("o1", 20, Action::Observe, "x"),
            deliver("d2", 30, "h2"),
            deliver("d1", 10, "h1"),
            event("o0", 20, Action::Observe, "y"),
        ],
        ..Default::default()
    };
    let ids: Vec<String> = review_summary::log(&plan).into_iter().map(|e| e.id).collect();
    assert_eq!(ids, ["d1", "o0", "o1", "d2"]);
}

#[test]
fn the_reviewer_follows_the_last_delivery_and_the_principal_the_draft() {
    let s = review_summary::screen(PlanState::Resubmitted, 2, None, REVIEWER);
    assert_eq!(
        s,
        Screen {
            version: Some(1),
            awaiting: true,
            editing: false,
            reviewing: true,
            review_panel: true,
        }
    );
    let s = review_summary::screen(PlanState::Resubmitted, 2, None, PRINCIPAL);
    assert_eq!(
        s,
        Screen {
            version: None,
            awaiting: true,
            editing: true,
            reviewing: false,
            review_panel: false,
        }
    );
    let s = review_summary::screen(PlanState::Resubmitted, 2, None, OTHER);
    assert_eq!((s.version, s.editing, s.reviewing), (None, false, false));
}

#[test]
fn the_reviewer_reviews_only_the_last_delivery_while_it_awaits_review() {
    // An older delivery chosen: the panel stays, the per-section boxes go.
    let s = review_summary::screen(PlanState::Submitted, 2, Some(Some(0)), REVIEWER);
    assert_eq!((s.version, s.reviewing, s.review_panel), (Some(0), false, true));
    // The draft chosen.
    let s = review_summary::screen(PlanState::Submitted, 2, Some(None), REVIEWER);
    assert_eq!((s.version, s.reviewing, s.editing), (None, false, false));
    // Nothing awaits review: the last delivery on screen, no panel, no boxes.
    for state in [PlanState::HasIssues, PlanState::Approved] {
        let s = review_summary::screen(state, 2, None, REVIEWER);
        assert_eq!(
            (s.version, s.awaiting, s.reviewing, s.review_panel),
            (Some(1), false, false, false)
        );
    }
    // Never delivered: the reviewer sees the draft, with nothing to review.
    let s = review_summary::screen(PlanState::Draft, 0, None, REVIEWER);
    assert_eq!((s.version, s.reviewing, s.review_panel), (None, false, false));
}

#[test]
fn the_principal_edits_only_the_draft() {
    let s = review_summary::screen(PlanState::HasIssues, 1, Some(Some(0)), PRINCIPAL);
    assert_eq!((s.version, s.editing), (Some(0), false));
    let s = review_summary::screen(PlanState::HasIssues, 1, Some(None), PRINCIPAL);
    assert_eq!((s.version, s.editing), (None, true));
    assert!(!review_summary::awaits_review(PlanState::HasIssues));
    assert!(review_summary::awaits_review(PlanState::Submitted));
    assert!(review_summary::awaits_review(PlanState::Resubmitted));
}
