//! `/red/:id/…`: one network's shell — its name, where changes are saved, "¿Quién eres?", the
//! section tabs — or, when the document cannot be opened, why and a way to export its bytes.

use std::str::FromStr;

use chrono::{DateTime, Local};
use juntas_core::{DocumentId, LoadError};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::{A, Outlet},
    hooks::use_params_map,
};

use crate::{
    components::{SaveBadge, SharePanel, SyncBadge},
    error::{AppError, explain},
    i18n::{T, tr, use_i18n},
    invite,
    state::network::{NetworkState, OpenState, use_network},
    sync::{Link, use_sync},
};

/// Formats ms since the epoch as the person's local "dd-mm-aaaa hh:mm".
pub fn format_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&Local).format("%d-%m-%Y %H:%M").to_string())
        .unwrap_or_default()
}

#[component]
pub fn NetworkPage() -> impl IntoView {
    let params = use_params_map();
    let id =
        Memo::new(move |_| params.read().get("id").and_then(|s| DocumentId::from_str(&s).ok()));
    move || match id.get() {
        Some(id) => view! { <NetworkShell id /> }.into_any(),
        None => view! { <crate::pages::not_found::NotFound /> }.into_any(),
    }
}

#[component]
fn NetworkShell(id: DocumentId) -> impl IntoView {
    let state = NetworkState::open(id);
    provide_context(state);
    let sync = use_sync();
    move || match state.open.get() {
        OpenState::Loading => {
            view! { <main class="page"><p>{tr(T::Loading)}</p></main> }.into_any()
        }
        OpenState::Failed(AppError::NotFound) if !matches!(sync.link.get(), Link::NoServer) => {
            view! {
                <main class="page">
                    <p data-testid="downloading">{tr(T::Downloading)}</p>
                    <SyncBadge />
                </main>
            }
            .into_any()
        }
        OpenState::Failed(e) => view! { <CouldNotOpen error=e /> }.into_any(),
        OpenState::Ready => view! { <Ready /> }.into_any(),
    }
}

/// The invite link as a QR code (SVG markup), for a phone's camera across the table.
fn qr_svg(link: &str) -> Option<String> {
    let code = qrcode::QrCode::new(link.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(220, 220)
            .quiet_zone(true)
            .build(),
    )
}

/// "Invitar": the invite link with the network id and the access key in its fragment, and its
/// QR code.
#[component]
fn InvitePanel() -> impl IntoView {
    let net = use_network();
    let link = invite::link(net.id);
    view! {
        <details class="invite" data-testid="invite">
            <summary>{tr(T::Invite)}</summary>
            {match link {
                Some(link) => view! {
                    <p class="muted">{tr(T::InviteHint)}</p>
                    <label>
                        {tr(T::InviteLink)}
                        <input readonly value=link.clone() data-testid="invite-link" on:focus=|ev| {
                            if let Some(input) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok()) {
                                input.select();
                            }
                        } />
                    </label>
                    <div class="qr" role="img" aria-label=tr(T::InviteQr) data-testid="invite-qr" inner_html=qr_svg(&link) />
                }.into_any(),
                None => view! { <p class="muted" data-testid="invite-no-key">{tr(T::InviteNoKey)}</p> }.into_any(),
            }}
        </details>
    }
}

#[component]
fn Ready() -> impl IntoView {
    let net = use_network();
    let base = format!("/red/{}", net.id);
    view! {
        <div class="network">
            <header class="network-header">
                <div>
                    <h2 data-testid="network-name">{move || net.network.with(|n| n.name.clone())}</h2>
                    <p class="muted">
                        {move || net.network.with(|n| n.slep.clone())}
                        " · " {tr(T::LastChange)} " "
                        <span data-testid="last-change">{move || format_time(net.network.with(|n| n.updated_at))}</span>
                    </p>
                </div>
                <SaveBadge />
                <SyncBadge />
                <WhoAmI />
                <InvitePanel />
                <SharePanel id=net.id name=Signal::derive(move || net.network.with(|n| n.name.clone())) />
            </header>
            <nav class="tabs" aria-label=tr(T::Network)>
                // `A` marks the current tab with aria-current="page".
                <A href=base.clone() exact=true attr:data-testid="nav-centres">{tr(T::Centres)}</A>
                <A href=format!("{base}/miembros") attr:data-testid="nav-members">{tr(T::Members)}</A>
                <A href=format!("{base}/comisiones") attr:data-testid="nav-commissions">{tr(T::Commissions)}</A>
                <A href=format!("{base}/plan") attr:data-testid="nav-plan">{tr(T::Plan)}</A>
                <A href=format!("{base}/indagacion") attr:data-testid="nav-inquiry">{tr(T::Inquiry)}</A>
                <A href=format!("{base}/arbol") attr:data-testid="nav-tree">{tr(T::Tree)}</A>
            </nav>
            <Outlet />
        </div>
    }
}

/// "¿Quién eres?": which member this device's person is; kept on this device only.
#[component]
fn WhoAmI() -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let error = RwSignal::new(None::<String>);
    let members = move || {
        net.network.with(|n| {
            n.members_sorted()
                .into_iter()
                .map(|(id, m)| (id.clone(), m.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <label class="field whoami">
            <span class="field-label">{tr(T::WhoAreYou)}</span>
            <select
                data-testid="whoami"
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    error.set(net.set_me((!v.is_empty()).then_some(v)).err().map(|e| explain(i18n, &e)));
                }
            >
                <option value="" selected=move || net.me.get().is_none()>{tr(T::NobodyYet)}</option>
                <For each=members key=|m| m.clone() let:m>
                    <option value=m.0.clone() selected={
                        let id = m.0.clone();
                        move || net.me.get().as_deref() == Some(id.as_str())
                    }>{m.1.clone()}</option>
                </For>
            </select>
            <span class="field-error" role="alert">{move || error.get()}</span>
        </label>
    }
}

#[component]
fn CouldNotOpen(error: AppError) -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let reason = explain(i18n, &error);
    let corrupt = matches!(error, AppError::Load(LoadError::Corrupt { .. }));
    let export_error = RwSignal::new(None::<String>);
    let export = move |_| {
        spawn_local(async move {
            match net.raw_bytes().await {
                Ok(bytes) => {
                    crate::download::bytes(&net.raw_file_name(), "application/octet-stream", &bytes)
                }
                Err(e) => export_error.set(Some(explain(i18n, &e))),
            }
        });
    };
    view! {
        <main class="page">
            <div class="alert" role="alert" data-testid="open-error">
                <h2>{tr(T::CouldNotOpen)}</h2>
                <p data-testid="open-error-reason">{reason}</p>
            </div>
            <Show when=move || corrupt>
                <button class="secondary" data-testid="export-raw" on:click=export>{tr(T::ExportRaw)}</button>
                <small class="hint">{tr(T::ExportRawHint)}</small>
                <p class="form-error" role="alert">{move || export_error.get()}</p>
            </Show>
            <p><a href="/">{tr(T::AllNetworks)}</a></p>
        </main>
    }
}
