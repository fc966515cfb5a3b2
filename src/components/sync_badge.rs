//! The sync badge: how the open document stands with the server, in the person's words.

use juntas_core::sync::refusal;
use leptos::prelude::*;

use crate::{
    i18n::{I18n, T, use_i18n},
    pages::network::format_time,
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

/// "Sin conexión · N cambios por enviar" / "Sincronizando…" / "Sincronizado con el servidor
/// hh:mm" / "Error: …". The count is every document's (plan, records, trees), not only the
/// network's: what she typed in a section offline is counted too.
#[component]
pub fn SyncBadge() -> impl IntoView {
    let net = use_network();
    let sync = use_sync();
    let i18n = use_i18n();
    let doc = move || {
        sync.docs.with(|d| {
            let network: DocSync = d.get(&net.id).cloned().unwrap_or_default();
            DocSync { pending: d.values().map(|s| s.pending).sum(), ..network }
        })
    };
    let state = move || {
        let d: DocSync = doc();
        match sync.link.get() {
            Link::NoServer => ("alone", i18n.t(T::SyncAlone).to_string()),
            Link::Offline => (
                "offline",
                format!("{} · {} {}", i18n.t(T::SyncOffline), d.pending, i18n.t(T::SyncPending)),
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
