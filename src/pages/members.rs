//! `/red/:id/miembros`: the network's members — name, role, centre; add, edit, remove.

use juntas_core::model::network::{Command, Member, Role};
use leptos::prelude::*;

use crate::{
    components::{EntryCard, Field, entry_saver},
    error::explain,
    i18n::{I18n, T, tr, use_i18n},
    repo::new_entry_id,
    state::network::{NetworkState, use_network},
};

pub fn role_text(i18n: I18n, role: Role) -> &'static str {
    i18n.t(match role {
        Role::Principal => T::RolePrincipal,
        Role::SlepProfessional => T::RoleSlep,
        Role::Facilitator => T::RoleFacilitator,
    })
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let editing = RwSignal::new(None::<String>);
    let new_name = RwSignal::new(String::new());
    let new_role = RwSignal::new(Role::Principal);
    let add_error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let member = Member { name: new_name.get(), role: new_role.get(), centre_id: None };
        let id = new_entry_id();
        editing.set(Some(id.clone()));
        net.spawn(Command::PutMember { id, member }, move |e| {
            add_error.set(Some(explain(i18n, &e)))
        });
        new_name.set(String::new());
    };
    let ids = move || {
        net.network
            .with(|n| n.members_sorted().into_iter().map(|(id, _)| id.clone()).collect::<Vec<_>>())
    };
    view! {
        <main class="page">
            <h2 class="visually-hidden">{tr(T::Members)}</h2>
            <Show
                when=move || net.may_edit_directory()
                fallback=|| view! { <p class="muted" data-testid="directory-read-only">{tr(T::DirectoryReadOnly)}</p> }
            >
            <form class="add-row" on:submit=add>
                <label class="field">
                    <span class="field-label">{tr(T::Name)}</span>
                    <input data-testid="new-member-name" required bind:value=new_name />
                </label>
                <label class="field">
                    <span class="field-label">{tr(T::Role)}</span>
                    <select data-testid="new-member-role" on:change=move |ev| {
                        if let Some(r) = Role::parse(&event_target_value(&ev)) { new_role.set(r) }
                    }>
                        {Role::ALL.map(|r| view! { <option value=r.as_str() selected=move || new_role.get() == r>{move || role_text(i18n, r)}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit" class="primary" data-testid="add-member">{tr(T::AddMember)}</button>
                <p class="form-error" role="alert">{move || add_error.get()}</p>
            </form>
            </Show>
            <Show when=move || net.network.with(|n| n.members.is_empty())>
                <p class="empty">{tr(T::NoMembersInNetwork)}</p>
            </Show>
            <ul class="cards">
                <For each=ids key=|id| id.clone() let:id>
                    <MemberRow id editing />
                </For>
            </ul>
        </main>
    }
}

#[component]
fn MemberRow(id: String, editing: RwSignal<Option<String>>) -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    // (member, the name of its centre): the row re-renders only what changed in these.
    let row = {
        let id = id.clone();
        Memo::new(move |_| {
            net.network.with(|n| {
                let m = n.members.get(&id).cloned().unwrap_or_default();
                let centre =
                    m.centre_id.as_ref().and_then(|c| n.centres.get(c)).map(|c| c.name.clone());
                (m, centre)
            })
        })
    };
    let editor_id = id.clone();
    view! {
        <EntryCard kind="member" id=id.clone() editing
            title=Signal::derive(move || row.with(|r| r.0.name.clone()))
            remove=Command::RemoveMember { id }
            editor=move || view! { <MemberEditor net id=editor_id.clone() /> }>
            <p class="muted">
                {move || role_text(i18n, row.with(|r| r.0.role))}
                {move || row.with(|r| r.1.clone().map(|c| format!(" · {c}")))}
            </p>
        </EntryCard>
    }
}

#[component]
fn MemberEditor(net: NetworkState, id: String) -> impl IntoView {
    let i18n = use_i18n();
    let current = {
        let id = id.clone();
        Memo::new(move |_| net.network.with(|n| n.members.get(&id).cloned()))
    };
    let error = RwSignal::new(None::<String>);
    let save = entry_saver(current, move |member| Command::PutMember { id: id.clone(), member });
    let save_name = {
        let save = save.clone();
        Callback::new(move |(text, error): (String, RwSignal<Option<String>>)| {
            save(Box::new(move |m| m.name = text), error)
        })
    };
    let save_role = save.clone();
    let save_centre = save;
    let centres = move || {
        net.network.with(|n| {
            n.centres_sorted()
                .into_iter()
                .map(|(id, c)| (id.clone(), c.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="editor-grid" data-testid="member-editor">
            <Field label=T::Name testid="member-name" value=Signal::derive(move || current.with(|m| m.as_ref().map(|m| m.name.clone()).unwrap_or_default())) on_commit=save_name required=true />
            <label class="field">
                <span class="field-label">{tr(T::Role)}</span>
                <select data-testid="member-role" on:change=move |ev| {
                    if let Some(r) = Role::parse(&event_target_value(&ev)) { save_role(Box::new(move |m| m.role = r), error) }
                }>
                    {Role::ALL.map(|r| view! {
                        <option value=r.as_str() selected=move || current.with(|m| m.as_ref().map(|m| m.role) == Some(r))>{move || role_text(i18n, r)}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span class="field-label">{tr(T::Centre)}</span>
                <select data-testid="member-centre" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    save_centre(Box::new(move |m| m.centre_id = (!v.is_empty()).then_some(v)), error)
                }>
                    <option value="" selected=move || current.with(|m| m.as_ref().and_then(|m| m.centre_id.clone()).is_none())>{tr(T::NoCentre)}</option>
                    <For each=centres key=|c| c.clone() let:c>
                        <option value=c.0.clone() selected={
                            let cid = c.0.clone();
                            move || current.with(|m| m.as_ref().and_then(|m| m.centre_id.as_deref()) == Some(cid.as_str()))
                        }>{c.1.clone()}</option>
                    </For>
                </select>
            </label>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </div>
    }
}
