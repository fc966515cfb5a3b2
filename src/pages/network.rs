//! `/red/:id/…`: one network's shell — its name, where changes are saved, "¿Quién eres?", the
//! section tabs — or, when the document cannot be opened, why and a way to export its bytes.

use std::str::FromStr;

use juntas_core::{DocumentId, LoadError, model::network::Role};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::{A, Outlet},
    hooks::{use_location, use_params_map},
};

use crate::{
    LazyPanel,
    components::{SaveBadge, SyncAlerts, SyncBadge},
    dates::format_time,
    error::{AppError, explain, invite as explain_invite},
    i18n::{T, tr, use_i18n},
    invite, local,
    state::network::{NetworkState, OpenState, use_network},
    sync::{Link, use_sync},
};

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
        // Not on this device, and this device registered in its network: it comes by sync.
        OpenState::Failed(AppError::NotFound)
            if !matches!(sync.link.get(), Link::NoServer)
                && sync.registered.with(|r| r.contains(&id.to_string())) =>
        {
            // A first visit (her invite): while the network comes from the server (round trips
            // more than bytes), the pages she may open next download.
            crate::load_pages_ahead();
            view! {
                <main class="page">
                    <p data-testid="downloading">{tr(T::Downloading)}</p>
                    <SyncBadge />
                    // Why it may not come (a filter that drops the sync's connection), and what
                    // the sync set aside or was refused, as under the badge of a network here.
                    <SyncAlerts waiting=true />
                </main>
            }
            .into_any()
        }
        OpenState::Failed(e) => view! { <CouldNotOpen error=e /> }.into_any(),
        OpenState::Ready => view! { <Ready /> }.into_any(),
    }
}

/// The invite link as a QR code (SVG markup), for a phone's camera across the table.
pub(crate) fn qr_svg(link: &str) -> Option<String> {
    let code = qrcode::QrCode::new(link.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(220, 220)
            .quiet_zone(true)
            .build(),
    )
}

/// "Invitar" once open (its part, `juntas_tools`, comes after her network shows:
/// [`crate::LazyPanel`]): a personal invite (link + QR, once, 7 days) for a member — a
/// facilitator invites anyone of the network, anyone else adds a device of her own — and the
/// devices registered in the network; or why this device cannot invite.
#[component]
pub(crate) fn InviteBody() -> impl IntoView {
    let net = use_network();
    move || match net.device.get() {
        None => view! { <p class="muted" data-testid="invite-no-key">{tr(T::InviteNoKey)}</p> }
            .into_any(),
        Some(me) => view! { <Inviting me /> }.into_any(),
    }
}

#[component]
fn Inviting(me: local::Device) -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let facilitator = Memo::new({
        let member = me.member.clone();
        move |_| {
            net.network
                .with(|n| n.members.get(&member).is_some_and(|m| m.role == Role::Facilitator))
        }
    });
    let members = move || {
        net.network.with(|n| {
            n.members_sorted()
                .into_iter()
                .map(|(id, m)| (id.clone(), m.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    let chosen = RwSignal::new(String::new());
    let made = RwSignal::new(None::<(String, i64, String)>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let create = {
        let me = me.clone();
        move |_| {
            let member = if facilitator.get_untracked() {
                chosen.get_untracked()
            } else {
                me.member.clone()
            };
            if busy.get_untracked() {
                return;
            }
            if member.is_empty() {
                error.set(Some(i18n.t(T::PickMember).to_string()));
                return;
            }
            let name = net.network.with_untracked(|n| {
                n.members.get(&member).map(|m| m.name.clone()).unwrap_or_default()
            });
            busy.set(true);
            error.set(None);
            let network = net.id.to_string();
            spawn_local(async move {
                match invite::create(&network, &member).await {
                    Ok((link, expires)) => made.set(Some((link, expires, name))),
                    Err(e) => error.set(Some(explain_invite(i18n, &e))),
                }
                busy.set(false);
            });
        }
    };
    view! {
            <Show
                when=move || facilitator.get()
                fallback=move || view! { <p class="muted">{tr(T::InviteOwnHint)}</p> }
            >
                <p class="muted">{tr(T::InviteHint)}</p>
                <label class="field">
                    <span class="field-label">{tr(T::InviteWho)}</span>
                    <select data-testid="invite-member" on:change=move |ev| chosen.set(event_target_value(&ev))>
                        <option value="" selected=true>"—"</option>
                        <For each=members key=|m| m.clone() let:m>
                            <option value=m.0.clone()>{m.1.clone()}</option>
                        </For>
                    </select>
                </label>
            </Show>
            <button data-testid="invite-create" on:click=create disabled=move || busy.get()>
                {move || if facilitator.get() { tr(T::InviteCreate)() } else { tr(T::InviteOwnDevice)() }}
            </button>
            <p class="field-error" role="alert" data-testid="invite-panel-error">{move || error.get()}</p>
            {move || made.get().map(|(link, expires, name)| view! {
                <p data-testid="invite-for">{tr(T::InviteFor)} " " <strong>{name}</strong> " · " {tr(T::InviteExpires)} " " {format_time(expires)}</p>
                <label>
                    {tr(T::InviteLink)}
                    <input readonly value=link.clone() data-testid="invite-link" on:focus=|ev| {
                        if let Some(input) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok()) {
                            input.select();
                        }
                    } />
                </label>
                <div class="qr" role="img" aria-label=tr(T::InviteQr) data-testid="invite-qr" inner_html=qr_svg(&link) />
            })}
            <DeviceList />
    }
}

/// The devices registered in the network (a facilitator sees all; anyone else, hers), each
/// with "Quitar dispositivo". Read from the server when opened.
#[component]
fn DeviceList() -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let list = RwSignal::new(None::<Vec<invite::DeviceInfo>>);
    let error = RwSignal::new(None::<String>);
    let load = move || {
        let network = net.id.to_string();
        spawn_local(async move {
            match invite::devices(&network).await {
                Ok(d) => {
                    list.set(Some(d));
                    error.set(None);
                }
                Err(e) => error.set(Some(explain_invite(i18n, &e))),
            }
        });
    };
    let remove = move |id: String| {
        let confirmed = gloo_utils::window()
            .confirm_with_message(i18n.t(T::DeviceRemoveConfirm))
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        let network = net.id.to_string();
        spawn_local(async move {
            match invite::remove_device(&network, &id).await {
                Ok(()) => load(),
                Err(e) => error.set(Some(explain_invite(i18n, &e))),
            }
        });
    };
    let name_of = move |member: &str| {
        net.network.with_untracked(|n| {
            n.members.get(member).map(|m| m.name.clone()).unwrap_or_else(|| member.to_owned())
        })
    };
    view! {
        <details class="devices" data-testid="devices" on:toggle=move |ev| {
            if event_target::<web_sys::HtmlDetailsElement>(&ev).open() {
                load();
            }
        }>
            <summary>{tr(T::Devices)}</summary>
            <p class="field-error" role="alert">{move || error.get()}</p>
            {move || list.get().map(|devices| {
                if devices.is_empty() {
                    return view! { <p class="muted">{tr(T::DevicesNone)}</p> }.into_any();
                }
                view! {
                    <ul class="device-list">
                        {devices.into_iter().map(|d| {
                            let id = d.id.clone();
                            let who = name_of(&d.member);
                            let label = format!("{} {who} · {}", i18n.t(T::DeviceRemove), d.name);
                            view! {
                                <li data-testid="device-row" data-member=d.member.clone()>
                                    <strong>{who}</strong> " · " {d.name.clone()}
                                    {d.this.then(|| view! { " (" {tr(T::DeviceThis)} ")" })}
                                    " · " {tr(T::DeviceLastSeen)} " " {format_time(d.last_seen * 1000)}
                                    {match d.revoked {
                                        Some(_) => view! { " · " <em>{tr(T::DeviceRemoved)}</em> }.into_any(),
                                        None => view! {
                                            " " <button class="secondary" data-testid="device-remove" aria-label=label on:click=move |_| remove(id.clone())>
                                                {tr(T::DeviceRemove)}
                                            </button>
                                        }.into_any(),
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </details>
    }
}

#[component]
fn Ready() -> impl IntoView {
    let net = use_network();
    // What she may open next from here downloads meanwhile.
    crate::load_pages_ahead();
    let i18n = use_i18n();
    let base = format!("/red/{}", net.id);
    // Opened from her invite a moment ago: say what just happened, once, where she landed. It
    // goes when she goes on to another page or says she read it (on a phone it would otherwise
    // take a third of every page's screen for the rest of the visit).
    let joined = RwSignal::new(local::take_just_joined(&net.id.to_string()));
    let location = use_location();
    let landed = location.pathname.get_untracked();
    Effect::new(move || {
        if location.pathname.get() != landed {
            joined.set(false);
        }
    });
    // On a screen too narrow for the seven sections' bar (which then scrolls sideways), the
    // open one is kept in view.
    let tabs_ref = NodeRef::<leptos::html::Nav>::new();
    Effect::new(move || {
        location.pathname.track();
        let Some(nav) = tabs_ref.get() else { return };
        // After the links have marked the new current one.
        request_animation_frame(move || {
            let current = nav
                .query_selector("a[aria-current=\"page\"]")
                .ok()
                .flatten()
                .and_then(|a| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(a).ok());
            let Some(a) = current else { return };
            let (left, width) = (a.offset_left(), a.offset_width());
            let (seen, seen_width) = (nav.scroll_left(), nav.client_width());
            if left < seen {
                nav.set_scroll_left(left);
            } else if left + width > seen + seen_width {
                nav.set_scroll_left(left + width - seen_width);
            }
        });
    });
    let my_name = move || {
        let id = net.me.get()?;
        net.network.with(|n| n.members.get(&id).map(|m| m.name.clone()))
    };
    view! {
        <div class="network">
            // Not a <header>: the app's header is the page's one banner. A region named by the
            // network's name, so everything on the page sits in a landmark.
            <section class="network-header" aria-labelledby="network-name">
                <div class="network-title">
                    <h2 id="network-name" data-testid="network-name">{move || net.network.with(|n| n.name.clone())}</h2>
                    <p class="muted network-meta">
                        {move || net.network.with(|n| n.slep.clone())}
                        " · " {tr(T::LastChange)} " "
                        <span data-testid="last-change">{move || format_time(net.network.with(|n| n.updated_at))}</span>
                    </p>
                </div>
                <Show when=move || joined.get()>
                    <div class="joined" data-testid="joined-note">
                        <p class="ok" role="status" data-testid="joined">
                            {move || my_name().map(|n| format!("{} {n}. {}", i18n.t(T::JoinedAs), i18n.t(T::JoinedNext)))}
                        </p>
                        <button class="secondary" data-testid="joined-ok" on:click=move |_| joined.set(false)>
                            {tr(T::Understood)}
                        </button>
                    </div>
                </Show>
                <div class="network-tools">
                    <WhoAmI />
                    <LazyPanel class="invite" testid="invite" summary=T::Invite load=crate::invite_body />
                    <LazyPanel class="share-file" testid="share-file" summary=T::ShareFile load=crate::share_body />
                </div>
            </section>
            // Where what she edits stands: stays in view at the top while she scrolls or types.
            <section class="status-bar" aria-label=tr(T::SaveAndSyncState)>
                <SaveBadge />
                <SyncBadge />
            </section>
            <SyncAlerts />
            <nav class="tabs" aria-label=tr(T::Network) node_ref=tabs_ref>
                // `A` marks the current tab with aria-current="page".
                <A href=base.clone() exact=true attr:data-testid="nav-centres">{tr(T::Centres)}</A>
                <A href=format!("{base}/miembros") attr:data-testid="nav-members">{tr(T::Members)}</A>
                <A href=format!("{base}/comisiones") attr:data-testid="nav-commissions">{tr(T::Commissions)}</A>
                <A href=format!("{base}/plan") attr:data-testid="nav-plan">{tr(T::Plan)}</A>
                <A href=format!("{base}/indagacion") attr:data-testid="nav-inquiry">{tr(T::Inquiry)}</A>
                <A href=format!("{base}/arbol") attr:data-testid="nav-tree">{tr(T::Tree)}</A>
                <A href=format!("{base}/talleres") attr:data-testid="nav-workshops">{tr(T::Workshops)}</A>
            </nav>
            <Outlet />
        </div>
    }
}

/// Who this device's person is: the member it is registered for ("Eres …"); on a device
/// not registered in this network, the operator's claim (with a claim link) and a choice kept
/// on this device only.
#[component]
fn WhoAmI() -> impl IntoView {
    let net = use_network();
    // A claim link opened, or used, in another tab shows (or goes) here at once.
    let claim = crate::pages::home::claim_waiting();
    move || match net.device.get() {
        Some(d) => {
            let member = d.member.clone();
            let name = move || {
                net.network
                    .with(|n| n.members.get(&member).map(|m| m.name.clone()).unwrap_or_default())
            };
            view! {
                <p class="whoami" data-testid="me" title=tr(T::YouAreHint)>
                    {tr(T::YouAre)} " " <strong>{name}</strong>
                </p>
            }
            .into_any()
        }
        None => view! {
            <Show when=move || claim.get()>
                <ClaimPanel />
            </Show>
            <LocalWho />
        }
        .into_any(),
    }
}

/// "Reclamar esta red": the operator's one-time link makes one of its facilitators the first
/// registered member; she then invites everyone else.
#[component]
fn ClaimPanel() -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let sync = use_sync();
    let facilitators = move || {
        net.network.with(|n| {
            n.members_sorted()
                .into_iter()
                .filter(|(_, m)| m.role == Role::Facilitator)
                .map(|(id, m)| (id.clone(), m.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    let chosen = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let claim = move |_| {
        if busy.get_untracked() {
            return;
        }
        let member = chosen.get_untracked();
        if member.is_empty() {
            error.set(Some(i18n.t(T::PickYourself).to_string()));
            return;
        }
        // Used in another tab just now (this panel goes as that tab says so).
        let Some(code) = local::claim_code() else {
            error.set(Some(i18n.t(T::ClaimLinkGone).to_string()));
            return;
        };
        busy.set(true);
        error.set(None);
        let network = net.id.to_string();
        spawn_local(async move {
            match invite::claim(&code, &network, &member).await {
                Ok(d) => {
                    if let Err(e) = local::set_claim_code(None) {
                        leptos::logging::warn!("{e}");
                    }
                    net.me.set(Some(d.member.clone()));
                    net.device.set(Some(d));
                    sync.node().key_changed();
                }
                Err(e) => error.set(Some(explain_invite(i18n, &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="claim" data-testid="claim" aria-labelledby="claim-title">
            <h3 id="claim-title">{tr(T::Claim)}</h3>
            <Show
                when=move || !facilitators().is_empty()
                fallback=|| view! { <p class="muted">{tr(T::ClaimNoFacilitator)}</p> }
            >
                <p class="muted">{tr(T::ClaimHint)}</p>
                <label class="field">
                    <span class="field-label">{tr(T::YouAre)}</span>
                    <select data-testid="claim-member" on:change=move |ev| chosen.set(event_target_value(&ev))>
                        <option value="" selected=true>"—"</option>
                        <For each=facilitators key=|m| m.clone() let:m>
                            <option value=m.0.clone()>{m.1.clone()}</option>
                        </For>
                    </select>
                </label>
                <button data-testid="claim-submit" on:click=claim disabled=move || busy.get()>{tr(T::ClaimSubmit)}</button>
            </Show>
            <p class="field-error" role="alert" data-testid="claim-error">{move || error.get()}</p>
        </section>
    }
}

/// "¿Quién eres?" on a device not registered in this network: kept on this device only.
#[component]
fn LocalWho() -> impl IntoView {
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
            // On a phone the question sits on the box's border beside the network's name and
            // the note is read out, not shown (style/main.css), so the page keeps the screen.
            <span class="field-label">
                {tr(T::WhoAreYou)} " " <span class="local-note">{tr(T::WhoAreYouLocalNote)}</span>
            </span>
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
