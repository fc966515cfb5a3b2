//! The "Historial" box every document page shows (a plan, a centre's plan, a record): who did
//! what and when, a burst of typing per line, every verb in the person's words. It reads the
//! history only while open, and again once changes pause (reading walks every change).

use std::rc::Rc;

use juntas_core::model::history::{Group, Signed, Verb};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    dates::format_time,
    error::explain,
    i18n::{I18n, T, tr, use_i18n},
    state::{doc::Loaded, network::use_network},
};

/// How long changes must pause before an open history is read again.
const HISTORY_REFRESH_MS: u32 = 1_000;

/// The words for what a change did.
pub fn verb_text(verb: &Verb) -> T {
    match verb {
        Verb::CreatePlan => T::HistCreate,
        Verb::Template => T::HistTemplate,
        Verb::Status => T::HistStatus,
        Verb::Commission => T::HistCommission,
        Verb::Comment => T::HistComment,
        Verb::Edit => T::HistEdit,
        Verb::CreateCentrePlan => T::HistCreateCentrePlan,
        Verb::Adopt => T::HistAdopt,
        Verb::Deliver => T::HistDeliver,
        Verb::Observe => T::HistObserve,
        Verb::Approve => T::HistApprove,
        Verb::CreateInquiry => T::HistCreateInquiry,
        Verb::EditInquiry => T::HistEditInquiry,
        Verb::ListRecord => T::HistListRecord,
        Verb::CreateRecord => T::HistRecordCreate,
        Verb::ShareResults => T::HistShareResults,
        Verb::AddParticipant => T::HistParticipantAdd,
        Verb::RemoveParticipant => T::HistParticipantRemove,
        Verb::SetRole => T::HistRole,
        Verb::SetDate => T::HistDate,
        Verb::Finalise => T::HistFinalise,
        Verb::Discard => T::HistDiscard,
        Verb::CreateTree => T::HistCreateTree,
        Verb::AddCard => T::HistAddCard,
        Verb::MoveCard => T::HistMoveCard,
        Verb::RemoveCard => T::HistRemoveCard,
        Verb::RootCause => T::HistRootCause,
        Verb::CreateWorkshop => T::HistCreateWorkshop,
        Verb::Answer => T::HistAnswer,
        Verb::CloseTicket => T::HistCloseTicket,
        Verb::CreateVote => T::HistCreateVote,
        Verb::Propose => T::HistPropose,
        Verb::OpenVote => T::HistOpenVote,
        Verb::Cast => T::HistCast,
        Verb::CloseVote => T::HistCloseVote,
        Verb::CreateCycle => T::HistCreateCycle,
        Verb::Stage => T::HistStage,
        Verb::AddMeasure => T::HistAddMeasure,
        Verb::AddPoint => T::HistAddPoint,
        Verb::Other(_) => T::HistOther,
    }
}

/// What a line of history is about, with its separator (" · 1.2", ": Lugar"), or nothing.
pub type Subject = Rc<dyn Fn(I18n, &Group) -> Option<String>>;

/// A collapsed "Historial": read when opened, and again when whatever `track` tracks pauses
/// changing for [`HISTORY_REFRESH_MS`].
#[component]
pub fn HistoryBox<Track, Load, Fut>(
    track: Track,
    load: Load,
    /// What each line is about (shown after the verb).
    subject: Subject,
    #[prop(default = "history-box")] testid: &'static str,
    #[prop(default = "history-entry")] entry_testid: &'static str,
) -> impl IntoView
where
    Track: Fn() + 'static,
    Load: Fn() -> Fut + Copy + 'static,
    Fut: std::future::Future<Output = Loaded<Vec<Group>>> + 'static,
{
    let net = use_network();
    let i18n = use_i18n();
    let subject = StoredValue::new_local(subject);
    let open = RwSignal::new(false);
    let groups = RwSignal::new(Loaded::<Vec<Group>>::Loading);
    let timer = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    let read = move || spawn_local(async move { groups.set(load().await) });
    Effect::new(move |_| {
        track();
        if !open.get() {
            timer.set_value(None);
            groups.set(Loaded::Loading);
        } else if groups.with_untracked(|g| matches!(g, Loaded::Loading)) {
            read();
        } else {
            // Replacing the timer cancels the one before: one read when changes pause.
            timer.set_value(Some(gloo_timers::callback::Timeout::new(HISTORY_REFRESH_MS, read)));
        }
    });
    let toggled = move |ev: leptos::ev::Event| {
        open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open());
    };
    // Before the network was claimed anyone could pick any name: those authors are not told
    // as facts.
    let claimed_at = crate::local::device(&net.id.to_string()).and_then(|d| d.claimed_at);
    let who = move |id: &str, at: i64| {
        if claimed_at.is_some_and(|c| at < c) {
            return i18n.t(T::BeforeAccounts).to_string();
        }
        net.network
            .with(|n| n.members.get(id).map(|m| m.name.clone()))
            .unwrap_or_else(|| if id.is_empty() { "—".to_string() } else { id.to_string() })
    };
    let line = move |g: Group| {
        let what = tr(verb_text(&g.first.verb));
        let about = subject.with_value(|f| f(i18n, &g));
        let count = (g.count > 1).then(|| format!(" ({})", g.count));
        // Signed by her device: a check mark; a signature that does not check: nobody's.
        let (author, mark, signed) = match &g.first.signed {
            Signed::By(_) => (
                who(&g.first.by, g.first.at),
                Some(view! {
                    " " <span class="signed" title=i18n.t(T::HistorySigned) aria-label=i18n.t(T::HistorySigned)>"✓"</span>
                }),
                "yes",
            ),
            Signed::Forged => (i18n.t(T::HistoryForged).to_string(), None, "forged"),
            Signed::Unsigned => (who(&g.first.by, g.first.at), None, "no"),
        };
        view! {
            <li data-testid=entry_testid data-signed=signed>
                <time>{format_time(g.last_at)}</time> " " <strong>{author}</strong> {mark} " " {what}
                {about} {count}
            </li>
        }
    };
    view! {
        <details class="history-box" data-testid=testid on:toggle=toggled>
            <summary data-testid="history-open">{tr(T::History)}</summary>
            {move || match groups.get() {
                Loaded::Ready(groups) => view! {
                    <ul class="history">{groups.into_iter().take(50).map(line).collect_view()}</ul>
                }.into_any(),
                Loaded::Failed(e) => view! { <p class="form-error" role="alert">{explain(i18n, &e)}</p> }.into_any(),
                Loaded::Missing => view! { <p class="muted">{tr(T::NotFoundHere)}</p> }.into_any(),
                Loaded::Loading => view! { <p class="muted">{tr(T::Loading)}</p> }.into_any(),
            }}
        </details>
    }
}
