//! The header's widgets: where the last change is stored (save badge) and the language switch.

use leptos::prelude::*;

use crate::{
    error::storage,
    i18n::{Lang, T, tr, use_i18n},
    state::{doc::SaveState, network::use_network},
};

/// "Guardado en este dispositivo" / "Guardando…" / "Error al guardar: (reason)" + retry.
#[component]
pub fn SaveBadge() -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let text = move || match net.save.get() {
        SaveState::Saved => i18n.t(T::SavedHere).to_string(),
        SaveState::Saving => i18n.t(T::Saving).to_string(),
        SaveState::Failed(e) => storage(i18n, &e),
    };
    let failed = move || matches!(net.save.get(), SaveState::Failed(_));
    view! {
        <p class="save-badge" class:error=failed role="status" aria-live="polite" data-testid="save-state">
            {text}
            <Show when=failed>
                <button class="link" data-testid="save-retry" on:click=move |_| net.retry_save()>
                    {tr(T::Retry)}
                </button>
            </Show>
        </p>
    }
}

#[component]
pub fn LangSwitch() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="lang">
            <span class="visually-hidden">{tr(T::Language)}</span>
            <select
                data-testid="lang"
                on:change=move |ev| {
                    let code = event_target_value(&ev);
                    if let Some(lang) = Lang::from_code(&code) {
                        let _ = i18n.set(lang);
                    }
                }
            >
                <option value="es-CL" selected=move || i18n.0.get() == Lang::Es>"Español"</option>
                <option value="en" selected=move || i18n.0.get() == Lang::En>"English"</option>
            </select>
        </label>
    }
}
