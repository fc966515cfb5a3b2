//! The comments box of a section (common plan or a centre's plan): the comments on it, who
//! wrote each and when, and a form to add one. A comment list that could not be read says so.

use juntas_core::model::plan::Note;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    dates::format_time,
    error::{AppError, explain},
    i18n::{T, tr, use_i18n},
    state::{doc::Loaded, network::use_network},
};

#[component]
pub fn Comments<F>(
    /// The section whose comments are shown.
    section: String,
    /// Every comment of the document (those of `section` are shown).
    #[prop(into)]
    notes: Signal<Loaded<Vec<Note>>>,
    /// Adds a comment with the given text.
    post: Callback<String, F>,
    /// After a comment was added.
    #[prop(optional)]
    on_posted: Option<Callback<()>>,
) -> impl IntoView
where
    F: std::future::Future<Output = Result<(), AppError>> + 'static,
{
    let net = use_network();
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let who = move |id: &str| {
        net.network
            .with(|n| n.members.get(id).map(|m| m.name.clone()))
            .unwrap_or_else(|| if id.is_empty() { "—".to_string() } else { id.to_string() })
    };
    let list = move || match notes.get() {
        Loaded::Ready(all) => all
            .into_iter()
            .filter(|n| n.section == section)
            .map(|n| {
                view! {
                    <li data-testid="comment">
                        <strong>{who(&n.by)}</strong> " · " <time>{format_time(n.at)}</time>
                        <p>{n.text}</p>
                    </li>
                }
            })
            .collect_view()
            .into_any(),
        Loaded::Failed(e) => {
            view! { <li class="form-error" role="alert">{explain(i18n, &e)}</li> }.into_any()
        }
        Loaded::Missing | Loaded::Loading => ().into_any(),
    };
    // One comment per tap: the text stays in the box until it is stored, so a second tap
    // meanwhile would post it twice.
    let busy = crate::components::OneAtATime::new();
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !busy.start() {
            return;
        }
        let fut = post.run(text.get());
        spawn_local(async move {
            let outcome = fut.await;
            busy.done();
            match outcome {
                Ok(()) => {
                    text.set(String::new());
                    error.set(None);
                    // She may have left the section meanwhile: the comment is kept either way.
                    if let Some(cb) = on_posted {
                        cb.try_run(());
                    }
                }
                Err(e) => error.set(Some(explain(i18n, &e))),
            }
        });
    };
    view! {
        <section class="comments">
            <h3>{tr(T::Comments)}</h3>
            <ul>{list}</ul>
            <form class="add-row" on:submit=send>
                <label class="field">
                    <span class="field-label">{tr(T::AddComment)}</span>
                    <textarea data-testid="comment-input" rows="2" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                </label>
                <button type="submit" class="secondary" data-testid="comment-add" disabled=move || busy.running()>{tr(T::Send)}</button>
                <p class="form-error" role="alert">{move || error.get()}</p>
            </form>
        </section>
    }
}
