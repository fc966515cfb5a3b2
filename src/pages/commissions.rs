//! `/red/:id/comisiones`: the network's commissions — name and members; add, edit, remove.

use juntas_core::model::network::{Commission, Command};
use leptos::prelude::*;

use crate::{
    components::Field,
    i18n::{T, tr, use_i18n},
    pages::centres::confirm_remove,
    repo::new_entry_id,
    state::network::{NetworkState, explain, use_network},
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
        net.spawn(Command::PutCommission { id, commission }, move |e| add_error.set(Some(explain(i18n, &e))));
        new_name.set(String::new());
    };
    let rows = move || {
        net.network.with(|n| {
            n.commissions_sorted()
                .into_iter()
                .map(|(id, k)| {
                    let mut names: Vec<String> = k.member_ids().filter_map(|m| n.members.get(m)).map(|m| m.name.clone()).collect();
                    names.sort();
                    (id.clone(), k.name.clone(), names)
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <main class="page">
            <h2 class="visually-hidden">{tr(T::Commissions)}</h2>
            <form class="add-row" on:submit=add>
                <label class="field">
                    <span class="field-label">{tr(T::Name)}</span>
                    <input data-testid="new-commission-name" required bind:value=new_name />
                </label>
                <button type="submit" class="primary" data-testid="add-commission">{tr(T::AddCommission)}</button>
                <p class="form-error" role="alert">{move || add_error.get()}</p>
            </form>
            <Show when=move || net.network.with(|n| n.commissions.is_empty())>
                <p class="empty">{tr(T::NoCommissionsYet)}</p>
            </Show>
            <ul class="cards">
                <For each=rows key=|row| row.clone() let:row>
                    {
                        let (id, name, names) = row;
                        let open_id = id.clone();
                        let is_open = move || editing.get().as_deref() == Some(open_id.as_str());
                        let (toggle_id, remove_id, editor_id, remove_name) = (id.clone(), id.clone(), id.clone(), name.clone());
                        let members_text = if names.is_empty() { None } else { Some(names.join(", ")) };
                        view! {
                            <li class="card" data-testid="commission-card" data-id=id.clone()>
                                <div class="card-head">
                                    <div>
                                        <h3 data-testid="commission-title">{name.clone()}</h3>
                                        <p class="muted" data-testid="commission-members">
                                            {match members_text {
                                                Some(t) => t.into_any(),
                                                None => tr(T::NoMembersYet).into_any(),
                                            }}
                                        </p>
                                    </div>
                                    <div class="actions">
                                        <button class="secondary" data-testid="commission-edit" on:click=move |_| editing.update(|e| {
                                            *e = if e.as_deref() == Some(toggle_id.as_str()) { None } else { Some(toggle_id.clone()) }
                                        })>{tr(T::Edit)}</button>
                                        <button class="danger" data-testid="commission-remove" on:click=move |_| {
                                            if confirm_remove(i18n.t(T::ConfirmRemove), &remove_name) {
                                                net.spawn(Command::RemoveCommission { id: remove_id.clone() }, |_| {});
                                            }
                                        }>{tr(T::Remove)}</button>
                                    </div>
                                </div>
                            </li>
                            <Show when=is_open.clone()>
                                <li class="card editor"><CommissionEditor net id=editor_id.clone() /></li>
                            </Show>
                        }
                    }
                </For>
            </ul>
        </main>
    }
}

#[component]
fn CommissionEditor(net: NetworkState, id: String) -> impl IntoView {
    let i18n = use_i18n();
    let current = {
        let id = id.clone();
        Memo::new(move |_| net.network.with(|n| n.commissions.get(&id).cloned()))
    };
    let error = RwSignal::new(None::<String>);
    let save = {
        let id = id.clone();
        move |change: Box<dyn FnOnce(&mut Commission)>, error: RwSignal<Option<String>>| {
            let Some(mut commission) = current.get_untracked() else { return };
            change(&mut commission);
            net.spawn(Command::PutCommission { id: id.clone(), commission }, move |e| error.set(Some(explain(i18n, &e))));
        }
    };
    let save_name = {
        let save = save.clone();
        Callback::new(move |(text, error): (String, RwSignal<Option<String>>)| save(Box::new(move |k| k.name = text), error))
    };
    let members = move || {
        net.network.with(|n| n.members_sorted().into_iter().map(|(id, m)| (id.clone(), m.name.clone())).collect::<Vec<_>>())
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
