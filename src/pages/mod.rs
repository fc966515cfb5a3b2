//! One file per route.

pub mod centres;
pub mod commissions;
pub mod home;
pub mod inquiry;
pub mod join;
pub mod members;
pub mod network;
pub mod not_found;
pub mod plan;
pub mod tree;
pub mod workshop;

/// A list line's text for a document network `net` lists: `ready`'s words once it is read;
/// else why it cannot be read, that it is not on this device ([`not_here`]), or "…" while it
/// loads.
pub(crate) fn line_text<T>(
    i18n: crate::i18n::I18n,
    net: juntas_core::DocumentId,
    loaded: crate::state::doc::Loaded<T>,
    ready: impl FnOnce(T) -> String,
) -> String {
    use crate::{i18n::T as W, state::doc::Loaded};
    match loaded {
        Loaded::Ready(t) => ready(t),
        Loaded::Failed(e) => {
            format!("{} {}", i18n.t(W::Unreadable), crate::error::explain(i18n, &e))
        }
        Loaded::Missing => not_here(i18n, net),
        Loaded::Loading => "…".to_string(),
    }
}

/// A document network `net` lists is not on this device: it arrives when the device syncs,
/// unless the server no longer lets this device into the network (then it does not).
pub(crate) fn not_here(i18n: crate::i18n::I18n, net: juntas_core::DocumentId) -> String {
    use leptos::prelude::*;
    let denied = use_context::<crate::sync::SyncCtx>()
        .is_some_and(|s| s.denied.with(|d| d.contains(&net.to_string())));
    i18n.t(if denied { crate::i18n::T::NotHereDenied } else { crate::i18n::T::NotHereYet })
        .to_string()
}
