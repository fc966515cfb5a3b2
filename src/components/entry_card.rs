//! `EntryCard`: one entry of a network's list (a centre, a member, a commission) — its title
//! and summary, "Editar"/"Cerrar", "Quitar" after the browser's confirm, and its editor when
//! open; `entry_saver`, the editor's way of putting a changed entry back.

use juntas_core::model::network::Command;
use leptos::prelude::*;

use crate::{
    error::explain,
    i18n::{T, tr, use_i18n},
    state::network::use_network,
};

/// Asks the browser to confirm removing `name`.
pub fn confirm_remove(template: &str, name: &str) -> bool {
    let question = crate::i18n::fill(template, &[name]);
    web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false)
}

/// A card of a list where one entry at a time is open for editing. Test ids are
/// `{kind}-card`, `{kind}-title`, `{kind}-edit`, `{kind}-remove`, `{kind}-remove-error`.
#[component]
pub fn EntryCard(
    /// "centre", "member", "commission".
    kind: &'static str,
    id: String,
    /// The id of the list's open entry.
    editing: RwSignal<Option<String>>,
    #[prop(into)] title: Signal<String>,
    /// What "Quitar" runs once the person confirms.
    remove: Command,
    /// The editor, built when the card opens.
    #[prop(into)]
    editor: ViewFn,
    /// The lines under the title.
    children: ChildrenFn,
) -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let is_open = {
        let id = id.clone();
        Memo::new(move |_| editing.get().as_deref() == Some(id.as_str()))
    };
    let toggle = {
        let id = id.clone();
        move |_| {
            editing.update(|e| {
                *e = if e.as_deref() == Some(id.as_str()) { None } else { Some(id.clone()) }
            })
        }
    };
    let remove_error = RwSignal::new(None::<String>);
    let on_remove = move |_| {
        if confirm_remove(i18n.t(T::ConfirmRemove), &title.get_untracked()) {
            remove_error.set(None);
            net.spawn(remove.clone(), move |e| remove_error.set(Some(explain(i18n, &e))));
        }
    };
    view! {
        <li class="card" data-testid=format!("{kind}-card") data-id=id>
            <div class="card-head">
                <div>
                    <h3 data-testid=format!("{kind}-title")>{move || title.get()}</h3>
                    {children()}
                </div>
                <Show when=move || net.may_edit_directory()>
                    <div class="actions">
                        // Named for what it acts on: fifteen "Editar" read alike to a screen reader.
                        <button class="secondary" data-testid=format!("{kind}-edit") aria-expanded=move || is_open.get().to_string()
                            aria-label=move || format!("{} {}", i18n.t(if is_open.get() { T::Close } else { T::Edit }), title.get())
                            on:click=toggle.clone()>
                            {move || if is_open.get() { tr(T::Close)() } else { tr(T::Edit)() }}
                        </button>
                        <button class="danger" data-testid=format!("{kind}-remove") aria-label=move || format!("{} {}", i18n.t(T::Remove), title.get()) on:click=on_remove.clone()>{tr(T::Remove)}</button>
                    </div>
                </Show>
            </div>
            <p class="form-error" role="alert" data-testid=format!("{kind}-remove-error")>{move || remove_error.get()}</p>
            <Show when=move || is_open.get()>
                {editor.run()}
            </Show>
        </li>
    }
}

/// An edit of an entry, applied to its current value when saved.
pub type Change<E> = Box<dyn FnOnce(&mut E)>;

/// Puts back the entry `current` holds after `change`; `put` makes the command, and a refusal
/// is shown in the `error` given with each change. Does nothing once the entry is gone.
pub fn entry_saver<E>(
    current: Memo<Option<E>>,
    put: impl Fn(E) -> Command + Clone + 'static,
) -> impl Fn(Change<E>, RwSignal<Option<String>>) + Clone + 'static
where
    E: Clone + PartialEq + Send + Sync + 'static,
{
    let net = use_network();
    let i18n = use_i18n();
    move |change, error| {
        let Some(mut entry) = current.get_untracked() else { return };
        change(&mut entry);
        net.spawn(put(entry), move |e| error.set(Some(explain(i18n, &e))));
    }
}
