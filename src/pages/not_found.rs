//! Any unknown path.

use leptos::prelude::*;

use crate::i18n::{T, tr};

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main class="page">
            <h2>{tr(T::PageNotFound)}</h2>
            <a href="/">{tr(T::BackHome)}</a>
        </main>
    }
}
