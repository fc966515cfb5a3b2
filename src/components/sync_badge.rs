//! The sync badge: how the open document stands with the server, in the person's words.

use juntas_core::DocumentId;
use juntas_core::set_aside::{SetAside, Why};
use juntas_core::sync::refusal;
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;

use crate::{
    dates::format_time,
    i18n::{I18n, T, tr, use_i18n},
    state::network::use_network,
    sync::{DocSync, Link, SyncError, use_sync},
};

/// The words for a sync failure.
pub fn explain(i18n: I18n, e: &SyncError) -> String {
    match e {
        SyncError::Unauthorised => i18n.t(T::SyncUnauthorised).to_string(),
        SyncError::Server(m) => match refusal::classify(m) {
            // Which document and which rule: the server's words, after hers.
            Some(r @ refusal::Refusal::ChangeRefused) => {
                let detail = m.strip_prefix(refusal::CHANGE_REFUSED).unwrap_or(m);
                format!("{} ({})", i18n.t(server_refusal(r)), detail.trim_start_matches(':').trim())
            }
            Some(r) => i18n.t(server_refusal(r)).to_string(),
            None => format!("{}: {m}", i18n.t(T::SyncServerError)),
        },
        SyncError::Unavailable => i18n.t(T::SyncUnavailable).to_string(),
        SyncError::StorageFull(m) => format!("{} ({m})", i18n.t(T::SyncStorageFull)),
        SyncError::ProtocolVersion => i18n.t(T::SyncProtocol).to_string(),
    }
}

/// The rule a refused change broke (the server's words, from `juntas_core::rules::Refusal`)
/// in the person's language; a rule this build does not know is shown as the server wrote it.
fn rule_words(i18n: I18n, reason: &str) -> String {
    use juntas_core::rules::{Rule, rule_of};
    let key = rule_of(reason).map(|r| match r {
        Rule::Commission => T::RuleCommission,
        Rule::Facilitator => T::RuleFacilitator,
        Rule::Slep => T::RuleSlep,
        Rule::Principal => T::RulePrincipal,
        Rule::Author => T::RuleAuthor,
        Rule::Member => T::RuleMember,
        Rule::Signature => T::RuleSignature,
        Rule::Record => T::RuleRecord,
    });
    match key {
        Some(k) => i18n.t(k).to_string(),
        None => format!("({reason})"),
    }
}

/// The words for a reason the server gave for closing the connection.
fn server_refusal(r: refusal::Refusal) -> T {
    match r {
        refusal::Refusal::TooManyDocuments => T::SrvTooManyDocuments,
        refusal::Refusal::DocumentTooLarge => T::SrvDocumentTooLarge,
        refusal::Refusal::Idle | refusal::Refusal::NoHandshake => T::SrvIdle,
        refusal::Refusal::DeviceRemoved => T::SrvDeviceRemoved,
        refusal::Refusal::ChangeRefused => T::SrvChangeRefused,
    }
}

/// "1 cambio por enviar", "3 cambios por enviar".
fn pending_words(i18n: I18n, n: usize) -> String {
    format!("{n} {}", i18n.t(if n == 1 { T::SyncPendingOne } else { T::SyncPending }))
}

/// "Sin conexión · N cambios por enviar" / "Sin sincronizar: el servidor responde, pero la
/// sincronización no logra conectarse · N cambios por enviar" / "Sincronizando…" /
/// "Sincronizado con el servidor hh:mm" / "Error: …". The count is every document's that
/// waits for the server (plan, records, trees; not only the network's: what she typed in a
/// section offline is counted too), but those that stay on this device: refused, or of a
/// network the server refused this device in or that it is not registered in.
#[component]
pub fn SyncBadge() -> impl IntoView {
    let net = use_network();
    let sync = use_sync();
    let i18n = use_i18n();
    let doc = move || {
        sync.docs.with(|d| {
            let network: DocSync = d.get(&net.id).cloned().unwrap_or_default();
            // A refused document's changes are not waiting to be sent: they stay here (below);
            // nor are those of a network the server refused this device in, or of one it is
            // not registered in.
            let pending = d.values().map(DocSync::to_send).sum();
            DocSync { pending, ..network }
        })
    };
    let denied = move || sync.denied.with(|d| d.contains(&net.id.to_string()));
    let state = move || {
        let d: DocSync = doc();
        let link = sync.link.get();
        // Removed from this network while its others still sync: said here whatever the link.
        if denied() && !matches!(link, Link::NoServer | Link::Failed(_)) {
            return ("error", format!("{}: {}", i18n.t(T::SyncErrorWord), i18n.t(T::SyncDenied)));
        }
        // Registered in other networks, not this one: its documents stay here, whatever the
        // connection does for the others.
        let registered = sync.registered.with(|r| r.contains(&net.id.to_string()));
        if !registered && !matches!(link, Link::NoServer | Link::Failed(SyncError::StorageFull(_)))
        {
            return ("alone", i18n.t(T::SyncNotRegistered).to_string());
        }
        match link {
            Link::NoServer if crate::local::had_shared_key() => {
                ("alone", i18n.t(T::SyncAloneOldKey).to_string())
            }
            Link::NoServer => ("alone", i18n.t(T::SyncAlone).to_string()),
            Link::Offline => (
                "offline",
                format!("{} · {}", i18n.t(T::SyncOffline), pending_words(i18n, d.pending)),
            ),
            Link::NotOpened => (
                "not-opened",
                format!("{} · {}", i18n.t(T::SyncNotOpened), pending_words(i18n, d.pending)),
            ),
            Link::Connecting => ("connecting", i18n.t(T::SyncConnecting).to_string()),
            Link::Failed(e) => {
                ("error", format!("{}: {}", i18n.t(T::SyncErrorWord), explain(i18n, &e)))
            }
            Link::Online if d.unavailable => (
                "error",
                format!("{}: {}", i18n.t(T::SyncErrorWord), explain(i18n, &SyncError::Unavailable)),
            ),
            Link::Online => match d.synced_at {
                Some(at) if d.pending == 0 => {
                    let time = format_time(at);
                    let hhmm = time.rsplit(' ').next().unwrap_or_default().to_string();
                    ("synced", format!("{} {hhmm}", i18n.t(T::SyncedAt)))
                }
                _ => ("syncing", i18n.t(T::SyncSyncing).to_string()),
            },
        }
    };
    view! {
        <p
            class="sync-badge"
            class:error=move || state().0 == "error"
            role="status"
            aria-live="polite"
            data-testid="sync-state"
            data-state=move || state().0
        >
            {move || state().1}
        </p>
    }
}

/// What sync needs her to know beyond the badge: why the connection does not open (while it
/// does not, and the badge says so), a document the server refused (until it is rebuilt), and
/// what was set aside after a refusal. `waiting`: on the page that waits for her network to
/// come by sync, where nothing she writes waits to be sent.
#[component]
pub fn SyncAlerts(#[prop(optional)] waiting: bool) -> impl IntoView {
    let sync = use_sync();
    let i18n = use_i18n();
    let refused = move || sync.docs.with(|d| d.values().find_map(|s| s.refused.clone()));
    // Only where the badge says so: a network this device is not registered in (or that
    // refused it) says why its documents stay here instead, and has no connection to wait for.
    let net = use_network().id.to_string();
    let not_opened = move || {
        sync.link.get() == Link::NotOpened
            && sync.registered.with(|r| r.contains(&net))
            && !sync.denied.with(|d| d.contains(&net))
    };
    let retry = move |_| sync.node().retry_refused();
    view! {
        // Why the badge says the connection does not open, and what she can do: under the
        // badge, which stays in view, rather than in it.
        <Show when=not_opened>
            <p class="hint" data-testid="sync-not-opened">{tr(if waiting { T::SyncNotOpenedWhyWaiting } else { T::SyncNotOpenedWhy })}</p>
        </Show>
        <SetAsideList/>
        {move || refused().map(|reason| view! {
            <p class="alert" role="alert" data-testid="sync-refused">
                {tr(T::SyncRefusedDoc)} " " {rule_words(i18n, &reason)} " "
                <button class="secondary" data-testid="sync-refused-retry" on:click=retry>{tr(T::SyncRefusedRetry)}</button>
            </p>
        })}
    }
}

/// Where an edit was, in her words: "la sección 1.2", "un comentario".
fn place(i18n: I18n, path: &[String]) -> String {
    match (path.first().map(String::as_str), path.get(1)) {
        (Some("sections"), Some(id)) => format!("{} {id}", i18n.t(T::SetAsideSection)),
        (Some("comments" | "observations"), _) => i18n.t(T::SetAsideComment).to_string(),
        _ => i18n.t(T::SetAsideEntry).to_string(),
    }
}

/// What she wrote offline that the server does not accept from her (kept on this device after
/// the document was rebuilt, see `juntas_core::set_aside`): where, why, her words in a box she
/// can copy from, and a way to remove it once copied.
#[component]
fn SetAsideList() -> impl IntoView {
    let sync = use_sync();
    let items = move || {
        sync.set_aside.with(|all| {
            all.iter()
                .flat_map(|(id, list)| {
                    list.iter().cloned().enumerate().map(move |(i, a)| (*id, i, a))
                })
                .collect::<Vec<_>>()
        })
    };
    let i18n = use_i18n();
    let unreadable = move || {
        sync.set_aside_unreadable.with(|u| {
            u.iter().map(|(id, e)| (*id, crate::error::explain(i18n, e))).collect::<Vec<_>>()
        })
    };
    let export_error = RwSignal::new(None::<String>);
    // Her words as stored, whole, in a file she can keep or hand to someone who can read them.
    let export = move |id: DocumentId| {
        let node = sync.node();
        spawn_local(async move {
            match node.set_aside_raw(id).await {
                Ok(bytes) => crate::download::bytes(
                    &format!("apartado-{id}.json"),
                    "application/json",
                    &bytes,
                ),
                Err(e) => export_error.set(Some(crate::error::explain(i18n, &e))),
            }
        });
    };
    view! {
        <Show when=move || !items().is_empty() || !unreadable().is_empty()>
            <section class="alert set-aside" role="region" aria-labelledby="set-aside-title" data-testid="set-aside">
                <h2 id="set-aside-title">{tr(T::SetAsideTitle)}</h2>
                {move || unreadable().into_iter().map(|(id, why)| view! {
                    <p class="form-error" role="alert" data-testid="set-aside-unreadable">{tr(T::SetAsideUnreadable)} " " {why}</p>
                    <button type="button" class="secondary" data-testid="set-aside-export" on:click=move |_| export(id)>{tr(T::ExportRaw)}</button>
                }).collect_view()}
                <p class="form-error" role="alert">{move || export_error.get()}</p>
                <Show when=move || !items().is_empty()>
                    <p>{tr(T::SetAsideLead)}</p>
                </Show>
                <For each=items key=|(id, i, a)| (*id, *i, a.at, a.path.clone()) let:item>
                    <SetAsideItem doc=item.0 item=item.2/>
                </For>
            </section>
        </Show>
    }
}

#[component]
fn SetAsideItem(doc: DocumentId, item: SetAside) -> impl IntoView {
    let sync = use_sync();
    let i18n = use_i18n();
    let copied = RwSignal::new(None::<bool>);
    let error = RwSignal::new(None::<String>);
    let area = NodeRef::<leptos::html::Textarea>::new();
    let why = match &item.why {
        Why::Refused(words) => rule_words(i18n, words),
        Why::Gone => i18n.t(T::SetAsideGone).to_string(),
        Why::Overlapped => i18n.t(T::SetAsideOverlapped).to_string(),
    };
    let label =
        format!("{} {} · {}", i18n.t(T::SetAsideIn), place(i18n, &item.path), format_time(item.at));
    let text = item.text.clone();
    let copy = move |_| {
        let text = text.clone();
        spawn_local(async move {
            let clipboard = web_sys::window().map(|w| w.navigator().clipboard());
            let done = match clipboard {
                Some(c) => wasm_bindgen_futures::JsFuture::from(c.write_text(&text)).await.is_ok(),
                None => false,
            };
            if !done && let Some(el) = area.try_get_untracked().flatten() {
                // She copies it herself: the whole text is selected.
                let el: &web_sys::HtmlTextAreaElement = el.unchecked_ref();
                el.select();
            }
            copied.set(Some(done));
        });
    };
    let kept = StoredValue::new(item.clone());
    let busy = crate::components::OneAtATime::new();
    let dismiss = move |_| {
        if !busy.start() {
            return;
        }
        let node = sync.node();
        spawn_local(async move {
            let done = node.dismiss_set_aside(doc, &kept.get_value()).await;
            busy.done();
            if let Err(e) = done {
                error.set(Some(crate::error::explain(i18n, &e)));
            }
        });
    };
    view! {
        <div class="set-aside-item" data-testid="set-aside-item">
            <p><strong>{label}</strong> " — " <span data-testid="set-aside-why">{why}</span></p>
            <Show when=move || sync.set_aside_unlisted.with(|u| u.contains(&doc))>
                <p class="form-error" role="alert" data-testid="set-aside-unlisted">{tr(T::SetAsideUnlisted)}</p>
            </Show>
            <textarea readonly rows="4" node_ref=area data-testid="set-aside-text" aria-label=place(i18n, &item.path) prop:value=item.text.clone()></textarea>
            <div class="add-row">
                <button type="button" class="secondary" data-testid="set-aside-copy" on:click=copy>{tr(T::SetAsideCopy)}</button>
                <button type="button" class="secondary" data-testid="set-aside-dismiss" on:click=dismiss disabled=move || busy.running()>{tr(T::SetAsideDismiss)}</button>
            </div>
            <p role="status">{move || match copied.get() {
                Some(true) => i18n.t(T::SetAsideCopied).to_string(),
                Some(false) => i18n.t(T::SetAsideCopyFailed).to_string(),
                None => String::new(),
            }}</p>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </div>
    }
}
