//! `/unirse`: opening a personal invite registers this device for the invited member, then
//! opens her network. A used, expired or forged invite says so and does nothing; without
//! signal the invite stays on the device and she can try again. Whom and where it registered
//! her ([`EarlyWord`]) shows as soon as the server's answer is in, before the documents' part
//! of the app is (on a first visit over 3G, seconds before).

use juntas_core::model::network::Role;
use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_navigate;

use crate::{
    error::invite as explain,
    i18n::{I18n, T, fill, tr, use_i18n},
    invite::{self, Early, InviteError, JoinEarly, Welcome},
    local,
    pages::members::role_text,
    sync::use_sync,
};

#[derive(Clone, PartialEq)]
enum Join {
    Working,
    Nothing,
    Failed(InviteError),
}

#[component]
pub fn JoinPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let navigate = use_navigate();
    let state = RwSignal::new(Join::Working);
    let attempt = move || {
        let Some(code) = invite::tab_invite() else {
            state.set(Join::Nothing);
            return;
        };
        state.set(Join::Working);
        let navigate = navigate.clone();
        spawn_local(async move {
            match invite::redeem(&code).await {
                Ok(device) => {
                    invite::joined(&code, &device);
                    sync.node().registered_with(&device.token);
                    navigate(&format!("/red/{}", device.network), Default::default());
                }
                // Without signal the invite is kept for another try.
                Err(e @ (InviteError::Offline | InviteError::Server(_))) => {
                    state.set(Join::Failed(e))
                }
                Err(e) => {
                    local::forget_pending_invite(&code);
                    state.set(Join::Failed(e));
                }
            }
        });
    };
    attempt();
    let retry = attempt.clone();
    view! {
        <main class="page">
            {move || match state.get() {
                Join::Working => view! {
                    <EarlyWord />
                    <p data-testid="joining" role="status">{tr(T::Joining)}</p>
                }.into_any(),
                Join::Nothing => view! { <p data-testid="invite-error" role="alert">{tr(T::JoinNothing)}</p> }.into_any(),
                Join::Failed(e) => {
                    let again = matches!(e, InviteError::Offline | InviteError::Server(_));
                    let retry = retry.clone();
                    view! {
                        <p class="alert" role="alert" data-testid="invite-error">{explain(i18n, &e)}</p>
                        <Show when=move || again>
                            <button data-testid="join-retry" on:click={
                                let retry = retry.clone();
                                move |_| retry()
                            }>{tr(T::JoinRetry)}</button>
                        </Show>
                    }.into_any()
                }
            }}
            <p><a href="/" class="back">{tr(T::AllNetworks)}</a></p>
        </main>
    }
}

/// What the server's answer to the invite says, shown as soon as it is in ([`Early`]): on
/// `/unirse` while the app's documents' part downloads (it is part of the app's frame, in the
/// main part), and while the page registers the device.
#[component]
pub fn EarlyWord() -> impl IntoView {
    let i18n = use_i18n();
    let early = use_context::<JoinEarly>();
    let location = leptos_router::hooks::use_location();
    // Only on `/unirse`: "Cargando…" also shows while a later page's part downloads.
    move || {
        Some(match early?.0.get().filter(|_| location.pathname.get() == "/unirse")? {
            Early::Welcome(w) => welcome(i18n, &w).into_any(),
            Early::Refused(e) => view! {
                <p class="alert" role="alert" data-testid="join-refused">{explain(i18n, &e)}</p>
            }
            .into_any(),
        })
    }
}

fn welcome(i18n: I18n, w: &Welcome) -> impl IntoView + use<> {
    let t = |k: T| i18n.t(k);
    let network = if w.slep.trim().is_empty() {
        fill(t(T::JoinNetwork), &[&w.network])
    } else {
        fill(t(T::JoinNetworkSlep), &[&w.network, &w.slep])
    };
    // A role this version does not know (a newer server's): its stored name.
    let role = Role::parse(&w.role).map_or(w.role.as_str(), |r| role_text(i18n, r));
    view! {
        <section class="join-welcome" role="status" data-testid="join-welcome">
            <h2>{fill(t(T::JoinHello), &[&w.name])}</h2>
            <p>{network}</p>
            <p>{fill(t(T::JoinRole), &[role])}</p>
            {w.centre.as_deref().map(|c| view! { <p>{fill(t(T::JoinCentre), &[c])}</p> })}
        </section>
    }
}
