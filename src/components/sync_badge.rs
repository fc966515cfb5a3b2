//! The sync badge: how the open document stands with the server, in the person's words.

use juntas_core::sync::refusal;
use leptos::prelude::*;

use crate::{
    i18n::{I18n, T, tr, use_i18n},
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
            // A refused document's changes are not waiting to be sent: they stay here (below).
            let pending = d.values().filter(|s| s.refused.is_none()).map(|s| s.pending).sum();
            DocSync { pending, ..network }
        })
    };
    let state = move || {
        let d: DocSync = doc();
        match sync.link.get() {
            Link::NoServer if crate::local::had_shared_key() => {
                ("alone", i18n.t(T::SyncAloneOldKey).to_string())
            }
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
    let refused = move || sync.docs.with(|d| d.values().find_map(|s| s.refused.clone()));
    let retry = move |_| sync.node().retry_refused();
    view! {
        {move || refused().map(|reason| view! {
            <p class="alert" role="alert" data-testid="sync-refused">
                {tr(T::SyncRefusedDoc)} " " {rule_words(i18n, &reason)} " "
                <button class="secondary" data-testid="sync-refused-retry" on:click=retry>{tr(T::SyncRefusedRetry)}</button>
            </p>
        })}
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
