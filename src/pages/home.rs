//! `/`: the networks on this device, "Crear red" and "Crear red de ejemplo".

use juntas_core::model::{example, network::Network};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_navigate;

use crate::{
    StorageUnavailable,
    components::ImportBundle,
    error::explain,
    i18n::{T, tr, use_i18n},
    local,
    parts::{self, Boot, BootFailure, use_boot},
    repo::{new_entry_id, now_ms},
};

/// Whether a claim link waits on this device, following the other tabs: one opened or used in
/// another tab shows at once (a `storage` event; without a key, the whole storage cleared).
/// The listener goes with the calling component.
pub(crate) fn claim_waiting() -> ReadSignal<bool> {
    let claim = RwSignal::new(local::claim_code().is_some());
    let listener = local::on_other_tab_change(local::is_claim, move || {
        claim.set(local::claim_code().is_some())
    });
    StoredValue::new_local(listener);
    claim.read_only()
}

#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    let known = RwSignal::new(local::networks());
    let name = RwSignal::new(String::new());
    let slep = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // The documents open beside this page; an action waits for them.
    let boot = use_boot();
    let navigate = use_navigate();
    // Opening them also lists the networks of invites redeemed in a tab closed too soon: they
    // are stored before the storage opens, so also when it then fails.
    Effect::new(move || {
        if !matches!(boot.state(), Boot::Opening) {
            known.set(local::networks());
        }
    });
    let claim = claim_waiting();
    // Another tab added or named a network (her invite opened in a tab of its own): the list
    // shows it at once. A `storage` event without a key is the whole storage cleared. The
    // listener goes with the page.
    let listener =
        local::on_other_tab_change(local::is_networks, move || known.set(local::networks()));
    StoredValue::new_local(listener);

    let create = move |net: Network| {
        let navigate = navigate.clone();
        busy.set(true);
        // A retry's wait shows how far it got, not the last try's failure.
        error.set(None);
        spawn_local(async move {
            match parts::create_network(boot, net).await {
                Ok((id, not_listed)) => {
                    error.set(not_listed.map(|e| explain(i18n, &e)));
                    known.set(local::networks());
                    navigate(&format!("/red/{id}"), Default::default());
                }
                Err(e) => error.set(Some(explain(i18n, &e))),
            }
            busy.set(false);
        });
    };
    let create_named = {
        let create = create.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if name.get().trim().is_empty() {
                error.set(Some(i18n.t(T::ErrMissingName).into()));
                return;
            }
            create(Network::new(&name.get(), &slep.get(), now_ms()));
        }
    };
    let create_example = move |_| create(example::avanzando_juntas(now_ms(), new_entry_id));
    let navigate_imported = use_navigate();
    let open_imported = {
        let navigate = navigate_imported;
        move |imported: crate::repo::Imported| {
            known.set(local::networks());
            navigate(&format!("/red/{}", imported.network), Default::default());
        }
    };

    view! {
        <main class="page home">
            {move || match boot.state() {
                Boot::Failed(BootFailure::Storage(reason)) => {
                    Some(view! { <StorageUnavailable reason /> })
                }
                _ => None,
            }}
            <p class="tagline">{tr(T::Tagline)}</p>
            <Show when=move || claim.get()>
                <p class="notice" role="status" data-testid="claim-banner">{tr(T::ClaimBanner)}</p>
            </Show>
            <section aria-labelledby="my-networks">
                <h2 id="my-networks">{tr(T::MyNetworks)}</h2>
                <Show when=move || !known.get().is_empty() fallback=move || view! { <p class="empty">{tr(T::NoNetworks)}</p> }>
                    <ul class="cards">
                        <For each=move || known.get() key=|n| n.clone() let:n>
                            <li class="card">
                                <a data-testid="network-link" href=format!("/red/{}", n.id)>
                                    {if n.name.is_empty() { tr(T::UnnamedNetwork).into_any() } else { n.name.clone().into_any() }}
                                </a>
                            </li>
                        </For>
                    </ul>
                </Show>
            </section>
            <section aria-labelledby="create">
                <h2 id="create">{tr(T::CreateNetwork)}</h2>
                <form class="stack" on:submit=create_named>
                    <label class="field">
                        <span class="field-label">{tr(T::NetworkName)}</span>
                        <input data-testid="create-network-name" required bind:value=name />
                    </label>
                    <label class="field">
                        <span class="field-label">{tr(T::SlepName)}</span>
                        <input data-testid="create-network-slep" bind:value=slep />
                    </label>
                    <button type="submit" class="primary" data-testid="create-network" disabled=move || busy.get()>
                        {tr(T::CreateNetwork)}
                    </button>
                </form>
                <div class="stack example">
                    <button class="secondary" data-testid="create-example" disabled=move || busy.get() on:click=create_example>
                        {tr(T::CreateExample)}
                    </button>
                    <small class="hint">{tr(T::ExampleHint)}</small>
                </div>
                // Her tap waits for the documents' part (a first visit on a phone's line).
                {move || (busy.get() && matches!(boot.state(), Boot::Opening)).then(|| view! { <crate::Loading /> })}
                <p class="form-error" role="alert" data-testid="home-error">{move || error.get()}</p>
            </section>
            <section aria-labelledby="import">
                <h2 id="import">{tr(T::ImportBundle)}</h2>
                <p class="muted">{tr(T::ImportBundleHint)}</p>
                <ImportBundle expected=None on_imported=open_imported />
            </section>
        </main>
    }
}
