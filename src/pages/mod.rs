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

/// A list line's text for a document the list names: `ready`'s words once it is read; else
/// why it cannot be read, that it is not on this device yet, or "…" while it loads.
pub(crate) fn line_text<T>(
    i18n: crate::i18n::I18n,
    loaded: crate::state::doc::Loaded<T>,
    ready: impl FnOnce(T) -> String,
) -> String {
    use crate::{i18n::T as W, state::doc::Loaded};
    match loaded {
        Loaded::Ready(t) => ready(t),
        Loaded::Failed(e) => {
            format!("{} {}", i18n.t(W::Unreadable), crate::error::explain(i18n, &e))
        }
        Loaded::Missing => i18n.t(W::NotHereYet).to_string(),
        Loaded::Loading => "…".to_string(),
    }
}
