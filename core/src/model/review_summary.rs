//! What "Plan de mi jardín" shows of a centre plan's review: which version is on screen,
//! whether the principal edits it or the SLEP reviews it, which observations each section
//! shows, the SLEP's note while the plan has observations, and the review log in order.

use super::centre_plan::CentrePlan;
use super::plan::Note;
use super::review::{Action, Event, PlanState};

/// Who is looking at the centre's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Viewer {
    /// The centre's own principal.
    pub principal: bool,
    /// A SLEP professional.
    pub reviewer: bool,
}

/// How the page stands, from the plan's state, its deliveries and the version chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    /// The version on screen: `None` the current draft, `Some(i)` the `i`-th delivery.
    pub version: Option<usize>,
    /// The last delivery waits for the SLEP (entregado or reentregado).
    pub awaiting: bool,
    /// The principal writes in the draft.
    pub editing: bool,
    /// The SLEP writes observations per section: the last delivery, awaiting review, is on
    /// screen.
    pub reviewing: bool,
    /// The SLEP's panel ("Enviar observaciones", "Aprobar") is shown.
    pub review_panel: bool,
}

/// Whether a plan in `state` waits for the SLEP.
pub fn awaits_review(state: PlanState) -> bool {
    matches!(state, PlanState::Submitted | PlanState::Resubmitted)
}

/// The page for `viewer` of a plan in `state` with `deliveries` deliveries. `chosen` is the
/// version picked (`Some(None)` the draft, `Some(Some(i))` a delivery); with no choice the
/// reviewer follows the last delivery and everyone else the draft.
pub fn screen(
    state: PlanState,
    deliveries: usize,
    chosen: Option<Option<usize>>,
    viewer: Viewer,
) -> Screen {
    let last = deliveries.checked_sub(1);
    let version = match chosen {
        Some(v) => v,
        None if viewer.reviewer => last,
        None => None,
    };
    let awaiting = awaits_review(state);
    let on_last = version.is_some() && version == last;
    Screen {
        version,
        awaiting,
        editing: version.is_none() && viewer.principal,
        reviewing: viewer.reviewer && awaiting && on_last,
        review_panel: viewer.reviewer && awaiting,
    }
}

/// The SLEP's observations a section shows: all of them, except while a delivery waits for
/// review, when only those about that (the last) delivery are shown.
pub fn section_observations(plan: &CentrePlan, section: &str) -> Vec<Note> {
    let review = plan.review();
    let latest = review.submissions.last().map(|e| e.id.as_str()).unwrap_or_default();
    let awaiting = awaits_review(review.state);
    plan.observations
        .iter()
        .filter(|o| o.section == section && (!awaiting || o.about == latest))
        .cloned()
        .collect()
}

/// The note of the SLEP's last "con observaciones", while the plan has observations.
pub fn observation_note(plan: &CentrePlan) -> Option<String> {
    if plan.review().state != PlanState::HasIssues {
        return None;
    }
    plan.events
        .iter()
        .filter(|e| e.action == Action::Observe)
        .max_by_key(|e| (e.at, e.id.clone()))
        .map(|e| e.note.clone())
}

/// The review log in the order it is folded (time, then event id).
pub fn log(plan: &CentrePlan) -> Vec<Event> {
    let mut events = plan.events.clone();
    crate::order::sort_by(&mut events, |a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    events
}
