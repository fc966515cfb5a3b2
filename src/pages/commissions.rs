//! `/red/:id/comisiones`: the network's commissions — name and members; add, edit, remove.

use juntas_core::model::network::{Command, Commission};
use leptos::prelude::*;

use crate::{
    components::{EntryCard, Field, entry_saver},
    error::explain,
    i18n::{T, tr, use_i18n},
    repo::new_entry_id,
    state::network::{NetworkState, use_network},
};

#[component]
pub fn CommissionsPage() -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let editing = RwSignal::new(None::<String>);
    let new_name = RwSignal::new(String::new());
    let add_error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let commission = Commission { name: new_name.get(), ..Commission::default() };
        let id = new_entry_id();
        editing.set(Some(id.clone()));
        net.spawn(Command::PutCommission { id, commission }, move |e| {
            add_error.set(Some(explain(i18n, &e)))
        });
        new_name.set(String::new());
    };
    let ids = move || {
        net.network.with(|n| {
            n.commissions_sorted().into_iter().map(|(id, _)| id.clone()).collect::<Vec<_>>()
        })
    };
    view! {
        <main class="page">
            <h2 class="visually-hidden">{tr(T::Commissions)}</h2>
            <Show
                when=move || net.may_edit_directory()
                fallback=|| view! { <p class="muted" data-testid="directory-read-only">{tr(T::DirectoryReadOnly)}</p> }
            >
            <form class="add-row" on:submit=add>
                <label class="field">
                    <span class="field-label">{tr(T::Name)}</span>
                    <input data-testid="new-commission-name" required bind:value=new_name />
                </label>
                <button type="submit" class="primary" data-testid="add-commission">{tr(T::AddCommission)}</button>
                <p class="form-error" role="alert">{move || add_error.get()}</p>
            </form>
            </Show>
            <Show when=move || net.network.with(|n| n.commissions.is_empty())>
                <p class="empty">{tr(T::NoCommissionsYet)}</p>
            </Show>
            <ul class="cards">
                <For each=ids key=|id| id.clone() let:id>
                    <CommissionRow id editing />
                </For>
            </ul>
        </main>
    }
}

#[component]
fn CommissionRow(id: String, editing: RwSignal<Option<String>>) -> impl IntoView {
    let net = use_network();
    // (name, members' names sorted): the row re-renders only what changed in these.
    let row = {
        let id = id.clone();
        Memo::new(move |_| {
            net.network.with(|n| {
                let k = n.commissions.get(&id).cloned().unwrap_or_default();
                let mut names: Vec<String> = k
                    .member_ids()
                    .filter_map(|m| n.members.get(m))
                    .map(|m| m.name.clone())
                    .collect();
                juntas_core::order::sort(&mut names);
                (k.name, names)
            })
        })
    };
    let members_text = move || {
        row.with(
            |r| if r.1.is_empty() { tr(T::NoMembersYet)().to_string() } else { r.1.join(", ") },
        )
    };
    let editor_id = id.clone();
    view! {
        <EntryCard kind="commission" id=id.clone() editing
            title=Signal::derive(move || row.with(|r| r.0.clone()))
            remove=Command::RemoveCommission { id }
            editor=move || view! { <CommissionEditor net id=editor_id.clone() /> }>
            <p class="muted" data-testid="commission-members">{members_text}</p>
        </EntryCard>
    }
}

#[component]
fn CommissionEditor(net: NetworkState, id: String) -> impl IntoView {
    let current = {
        let id = id.clone();
        Memo::new(move |_| net.network.with(|n| n.commissions.get(&id).cloned()))
    };
    let error = RwSignal::new(None::<String>);
    let save = entry_saver(current, move |commission| Command::PutCommission {
        id: id.clone(),
        commission,
    });
    let save_name = {
        let save = save.clone();
        Callback::new(move |(text, error): (String, RwSignal<Option<String>>)| {
            save(Box::new(move |k| k.name = text), error)
        })
    };
    let members = move || {
        net.network.with(|n| {
            n.members_sorted()
                .into_iter()
                .map(|(id, m)| (id.clone(), m.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="editor-grid" data-testid="commission-editor">
            <Field label=T::Name testid="commission-name" value=Signal::derive(move || current.with(|k| k.as_ref().map(|k| k.name.clone()).unwrap_or_default())) on_commit=save_name required=true />
            <fieldset class="checks">
                <legend>{tr(T::CommissionMembers)}</legend>
                <For each=members key=|m| m.clone() let:m>
                    {
                        let (mid, mname) = m;
                        let checked_id = mid.clone();
                        let save = save.clone();
                        view! {
                            <label class="check">
                                <input type="checkbox" data-testid="commission-member" value=mid.clone()
                                    prop:checked=move || current.with(|k| k.as_ref().is_some_and(|k| k.members.contains_key(&checked_id)))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        let mid = mid.clone();
                                        save(Box::new(move |k| { if on { k.members.insert(mid, true); } else { k.members.remove(&mid); } }), error)
                                    } />
                                <span>{mname}</span>
                            </label>
                        }
                    }
                </For>
            </fieldset>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </div>
    }
}
