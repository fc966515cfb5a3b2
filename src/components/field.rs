//! A labelled form field that commits its value when the person leaves it (change event),
//! shows the refusal next to it, and keeps what she typed when it is refused.

use leptos::prelude::*;

use crate::i18n::{T, tr};

#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldKind {
    #[default]
    Text,
    /// A whole number ≥ 0, typed with the phone's numeric keyboard.
    Count,
}

/// A count field held something other than a whole number ≥ 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadCount;

/// Parses a count field: empty means "not given"; anything else must be a whole number ≥ 0.
pub fn parse_count(text: &str) -> Result<Option<u32>, BadCount> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u32>().map(Some).map_err(|_| BadCount)
}

/// `on_commit` gets the new text and the field's error signal to fill if the value is refused.
#[component]
pub fn Field(
    label: T,
    testid: &'static str,
    #[prop(into)] value: Signal<String>,
    on_commit: Callback<(String, RwSignal<Option<String>>)>,
    #[prop(optional)] kind: FieldKind,
    #[prop(optional)] hint: Option<T>,
    #[prop(optional)] required: bool,
    /// The id of a `<datalist>` of suggestions.
    #[prop(optional)]
    list: Option<&'static str>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let (input_type, inputmode, autocomplete) = match kind {
        FieldKind::Text => ("text", "text", "off"),
        FieldKind::Count => ("text", "numeric", "off"),
    };
    view! {
        <label class="field" class:invalid=move || error.get().is_some()>
            <span class="field-label">{tr(label)}</span>
            <input
                type=input_type
                inputmode=inputmode
                autocomplete=autocomplete
                required=required
                list=list
                data-testid=testid
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                prop:value=move || value.get()
                on:change=move |ev| {
                    error.set(None);
                    on_commit.run((event_target_value(&ev), error));
                }
            />
            {hint.map(|h| view! { <small class="hint">{tr(h)}</small> })}
            <span class="field-error" role="alert" data-testid=format!("{testid}-error")>
                {move || error.get()}
            </span>
        </label>
    }
}
