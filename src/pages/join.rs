//! `/unirse`: opening a personal invite registers this device for the invited member, then
//! opens her network. A used, expired or forged invite says so and does nothing; without
//! signal the invite stays on the device and she can try again.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_navigate;

use crate::{
    error::invite as explain,
    i18n::{T, tr, use_i18n},
    invite::{self, InviteError},
    local,
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
                Join::Working => view! { <p data-testid="joining" role="status">{tr(T::Joining)}</p> }.into_any(),
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
