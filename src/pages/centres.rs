//! `/red/:id`: the network's centres — list, add, edit (each field saved when left), remove.

use juntas_core::model::network::{Centre, Command};
use leptos::prelude::*;

use crate::{
    components::{BadCount, EntryCard, Field, FieldKind, entry_saver, parse_count},
    error::explain,
    i18n::{T, tr, use_i18n},
    repo::new_entry_id,
    state::network::{NetworkState, use_network},
};

const KINDS: [&str; 4] = [
    "Jardín infantil VTF",
    "Sala cuna VTF",
    "Jardín infantil y sala cuna VTF",
    "Escuela con nivel de transición",
];

#[component]
pub fn CentresPage() -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let editing = RwSignal::new(None::<String>);
    let new_name = RwSignal::new(String::new());
    let new_commune = RwSignal::new(String::new());
    let add_error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = new_entry_id();
        let centre =
            Centre { name: new_name.get(), commune: new_commune.get(), ..Centre::default() };
        let opened = id.clone();
        net.spawn(Command::PutCentre { id, centre }, move |e| {
            add_error.set(Some(explain(i18n, &e)))
        });
        // Open the new centre's form at once; it shows nothing until the command lands.
        editing.set(Some(opened));
        new_name.set(String::new());
    };
    let ids = move || {
        net.network
            .with(|n| n.centres_sorted().into_iter().map(|(id, _)| id.clone()).collect::<Vec<_>>())
    };
    view! {
        <main class="page">
            <h2 class="visually-hidden">{tr(T::Centres)}</h2>
            <Show
                when=move || net.may_edit_directory()
                fallback=|| view! { <p class="muted" data-testid="directory-read-only">{tr(T::DirectoryReadOnly)}</p> }
            >
            <form class="add-row" on:submit=add>
                <label class="field">
                    <span class="field-label">{tr(T::Name)}</span>
                    <input data-testid="new-centre-name" required bind:value=new_name />
                </label>
                <label class="field">
                    <span class="field-label">{tr(T::Commune)}</span>
                    <input data-testid="new-centre-commune" bind:value=new_commune />
                </label>
                <button type="submit" class="primary" data-testid="add-centre">{tr(T::AddCentre)}</button>
                <p class="form-error" role="alert">{move || add_error.get()}</p>
            </form>
            </Show>
            <Show when=move || net.network.with(|n| n.centres.is_empty())>
                <p class="empty">{tr(T::NoCentresYet)}</p>
            </Show>
            <ul class="cards">
                // Keyed by id; each row reads its own centre through a memo, so a change
                // re-renders only the text that changed and an open form keeps its focus.
                <For each=ids key=|id| id.clone() let:id>
                    <CentreRow id editing />
                </For>
            </ul>
        </main>
    }
}

#[component]
fn CentreRow(id: String, editing: RwSignal<Option<String>>) -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let centre = {
        let id = id.clone();
        Memo::new(move |_| net.network.with(|n| n.centres.get(&id).cloned().unwrap_or_default()))
    };
    let place = move || {
        centre.with(|c| {
            let mut parts = vec![c.commune.clone()];
            if !c.rbd.is_empty() {
                parts.push(format!("RBD {}", c.rbd));
            }
            if !c.kind.is_empty() {
                parts.push(c.kind.clone());
            }
            parts.retain(|p| !p.is_empty());
            parts.join(" · ")
        })
    };
    let figures = move || {
        centre.with(|c| {
            [
                c.enrolment.map(|n| format!("{n} {}", i18n.t(T::Children))),
                c.staff_total.map(|n| format!("{n} {}", i18n.t(T::Staff))),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
        })
    };
    let editor_id = id.clone();
    view! {
        <EntryCard kind="centre" id=id.clone() editing
            title=Signal::derive(move || centre.with(|c| c.name.clone()))
            remove=Command::RemoveCentre { id }
            editor=move || view! { <CentreEditor net id=editor_id.clone() /> }>
            <p class="muted">{place}</p>
            <p class="muted" data-testid="centre-figures">{figures}</p>
        </EntryCard>
    }
}

/// The centre's fields; each is saved when the person leaves it.
#[component]
fn CentreEditor(net: NetworkState, id: String) -> impl IntoView {
    let i18n = use_i18n();
    let current = {
        let id = id.clone();
        Memo::new(move |_| net.network.with(|n| n.centres.get(&id).cloned()))
    };
    let save = entry_saver(current, move |centre| Command::PutCentre { id: id.clone(), centre });
    // Builds the value and commit handler of one field.
    let field = move |get: fn(&Centre) -> String,
                      set: fn(&mut Centre, String) -> Result<(), BadCount>| {
        let save = save.clone();
        let value =
            Signal::derive(move || current.with(|c| c.as_ref().map(get).unwrap_or_default()));
        let commit = Callback::new(move |(text, error): (String, RwSignal<Option<String>>)| {
            // A number that does not parse is refused here, before anything is saved.
            let Some(mut changed) = current.get_untracked() else { return };
            if set(&mut changed, text).is_err() {
                error.set(Some(i18n.t(T::ErrBadNumber).into()));
                return;
            }
            save(Box::new(move |c| *c = changed), error)
        });
        (value, commit)
    };
    fn count(v: Option<u32>) -> String {
        v.map(|n| n.to_string()).unwrap_or_default()
    }
    let (name, name_c) = field(
        |c| c.name.clone(),
        |c, v| {
            c.name = v;
            Ok(())
        },
    );
    let (rbd, rbd_c) = field(
        |c| c.rbd.clone(),
        |c, v| {
            c.rbd = v;
            Ok(())
        },
    );
    let (commune, commune_c) = field(
        |c| c.commune.clone(),
        |c, v| {
            c.commune = v;
            Ok(())
        },
    );
    let (kind, kind_c) = field(
        |c| c.kind.clone(),
        |c, v| {
            c.kind = v;
            Ok(())
        },
    );
    let (enrol, enrol_c) = field(
        |c| count(c.enrolment),
        |c, v| {
            c.enrolment = parse_count(&v)?;
            Ok(())
        },
    );
    let (staff, staff_c) = field(
        |c| count(c.staff_total),
        |c, v| {
            c.staff_total = parse_count(&v)?;
            Ok(())
        },
    );
    let (edu, edu_c) = field(
        |c| count(c.educators),
        |c, v| {
            c.educators = parse_count(&v)?;
            Ok(())
        },
    );
    let (tec, tec_c) = field(
        |c| count(c.technicians),
        |c, v| {
            c.technicians = parse_count(&v)?;
            Ok(())
        },
    );
    let (leave, leave_c) = field(
        |c| count(c.staff_on_leave),
        |c, v| {
            c.staff_on_leave = parse_count(&v)?;
            Ok(())
        },
    );
    view! {
        <div class="editor-grid" data-testid="centre-editor">
            <Field label=T::Name testid="centre-name" value=name on_commit=name_c required=true />
            <Field label=T::Rbd testid="centre-rbd" value=rbd on_commit=rbd_c />
            <Field label=T::Commune testid="centre-commune" value=commune on_commit=commune_c />
            <Field label=T::CentreKind testid="centre-kind" value=kind on_commit=kind_c list="centre-kinds" />
            <datalist id="centre-kinds">{KINDS.map(|k| view! { <option value=k></option> }).collect_view()}</datalist>
            <Field label=T::Enrolment testid="centre-enrolment" value=enrol on_commit=enrol_c kind=FieldKind::Count hint=T::CountsHint />
            <Field label=T::StaffTotal testid="centre-staff" value=staff on_commit=staff_c kind=FieldKind::Count />
            <Field label=T::Educators testid="centre-educators" value=edu on_commit=edu_c kind=FieldKind::Count />
            <Field label=T::Technicians testid="centre-technicians" value=tec on_commit=tec_c kind=FieldKind::Count />
            <Field label=T::StaffOnLeave testid="centre-leave" value=leave on_commit=leave_c kind=FieldKind::Count />
        </div>
    }
}
