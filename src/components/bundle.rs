//! "Compartir archivo" and "Importar archivo": a network as a bundle file (core's
//! `bundle` format), out through a download or the Web Share API, in through a file picker.

use juntas_core::{
    DocumentId,
    bundle::{self, BundleError},
};
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, JsValue};

use crate::{
    error::{AppError, explain},
    i18n::{T, tr, use_i18n},
    parts::{self, use_boot},
    repo::{Imported, now_ms},
    state::network,
};

const MIME: &str = "application/octet-stream";

/// "red-avanzando-juntas-2026-11-22.juntas" for the network "Avanzando Juntas", given lower-cased
/// (by the browser: Rust's `to_lowercase` would bring ~24 KB of case tables into the wasm).
fn file_name(network_lower: &str, now: i64) -> String {
    let slug: String = network_lower
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let date = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| crate::dates::iso_day(&t))
        .unwrap_or_default();
    format!("red-{slug}-{date}.{}", bundle::EXTENSION)
}

/// Calls `navigator[name](data)` when the browser has that method (the Web Share API is not
/// in web-sys' stable bindings).
fn navigator_call(name: &str, data: &JsValue) -> Option<JsValue> {
    let nav: JsValue = gloo_utils::window().navigator().into();
    let f = js_sys::Reflect::get(&nav, &name.into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
    f.call1(&nav, data).ok()
}

/// The `name` of a rejected promise's `DOMException` (`AbortError`, `NotAllowedError`, ...).
fn error_name(e: &JsValue) -> Option<String> {
    js_sys::Reflect::get(e, &"name".into()).ok()?.as_string()
}

/// The browser's `navigator.share` for `data`, when it says it can share it.
fn web_share(data: &JsValue) -> Option<js_sys::Promise> {
    if !navigator_call("canShare", data)?.is_truthy() {
        return None;
    }
    navigator_call("share", data)?.dyn_into().ok()
}

fn share_data(file: &gloo_file::File, title: &str) -> JsValue {
    let data = js_sys::Object::new();
    let files = js_sys::Array::of1(AsRef::<web_sys::File>::as_ref(file));
    let _ = js_sys::Reflect::set(&data, &"files".into(), &files);
    let _ = js_sys::Reflect::set(&data, &"title".into(), &title.into());
    data.into()
}

/// Whether this browser shares files of our type (Chrome's allow-list leaves most out).
fn can_share_files() -> bool {
    let probe = gloo_file::File::new_with_options::<&[u8]>("x.juntas", &[], Some(MIME), None);
    navigator_call("canShare", &share_data(&probe, "")).is_some_and(|v| v.is_truthy())
}

/// The network page's "Compartir archivo" panel once open (its part, `juntas_tools`, comes
/// after her network shows: [`crate::LazyPanel`]): download, share, import.
#[component]
pub(crate) fn ShareBody() -> impl IntoView {
    let net = network::use_network();
    let id = net.id;
    let name = move || net.network.with(|n| n.name.clone());
    let i18n = use_i18n();
    let error = RwSignal::new(None::<String>);
    let shareable = can_share_files();
    let export = move |share: bool| {
        error.set(None);
        // Read now: the panel may be gone when the file is ready (the file is still given).
        let network_name = untrack(name);
        spawn_local(async move {
            let bytes = match net.export_bundle().await {
                Ok(b) => b,
                Err(e) => return error.set(Some(explain(i18n, &e))),
            };
            let lower: String = js_sys::JsString::from(network_name).to_lower_case().into();
            let name = file_name(&lower, now_ms());
            if share {
                let file =
                    gloo_file::File::new_with_options(&name, bytes.as_slice(), Some(MIME), None);
                if let Some(p) = web_share(&share_data(&file, &name)) {
                    match wasm_bindgen_futures::JsFuture::from(p).await {
                        Ok(_) => return,
                        // A cancelled share is the person's choice, not an error.
                        Err(e) if error_name(&e).as_deref() == Some("AbortError") => return,
                        // Anything else (a phone's browser refuses a share that no longer
                        // follows the tap once the file took long to make: NotAllowedError)
                        // must not leave her with nothing: the file is downloaded, and said.
                        Err(e) => {
                            web_sys::console::warn_2(&"share failed; downloading".into(), &e);
                            error.set(Some(i18n.t(T::ShareFailedDownloaded).to_string()));
                        }
                    }
                }
            }
            crate::download::bytes(&name, MIME, &bytes);
        });
    };
    view! {
            <p class="muted">{tr(T::ShareFileHint)}</p>
            <div class="row">
                <button class="secondary" data-testid="bundle-download" on:click=move |_| export(false)>
                    {tr(T::DownloadBundle)}
                </button>
                <Show when=move || shareable>
                    <button class="secondary" data-testid="bundle-share" on:click=move |_| export(true)>
                        {tr(T::ShareBundle)}
                    </button>
                </Show>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <ImportBundle expected=Some(id) on_imported=|_| () />
    }
}

/// "Importar archivo": picks a bundle, refuses it whole or merges it. With `expected`, only
/// that network's file is taken.
#[component]
pub fn ImportBundle(
    expected: Option<DocumentId>,
    #[prop(into)] on_imported: Callback<Imported>,
) -> impl IntoView {
    let i18n = use_i18n();
    let boot = use_boot();
    // On a network's page, who a left-out change names is said by name.
    let net = use_context::<crate::state::network::NetworkState>();
    let name_of = move |id: &str| {
        net.and_then(|n| {
            n.network.try_with_untracked(|x| x.members.get(id).map(|m| m.name.clone())).flatten()
        })
        .unwrap_or_else(|| id.to_string())
    };
    let result = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        // Let the same file be picked again (after fixing it, say).
        input.set_value("");
        let file = gloo_file::File::from(file);
        if file.size() > bundle::MAX_BYTES as u64 {
            let e = BundleError::TooLarge { size: file.size() as usize, max: bundle::MAX_BYTES };
            result.set(Some(Err(explain(i18n, &AppError::Bundle(e)))));
            return;
        }
        busy.set(true);
        result.set(None);
        spawn_local(async move {
            let outcome = match gloo_file::futures::read_as_bytes(&file).await {
                Err(e) => Err(format!(
                    "{} {} ({e})",
                    i18n.t(T::BundleRejected),
                    i18n.t(T::BundleReadFailed)
                )),
                Ok(bytes) => match parts::import_bundle(boot, bytes, expected).await {
                    Err(e) => Err(explain(i18n, &e)),
                    Ok(imported) => {
                        let text = if imported.changed.is_empty() {
                            T::BundleNothingNew
                        } else {
                            T::BundleImported
                        };
                        let mut text = i18n.t(text).to_string();
                        for (_, l) in &imported.left_out {
                            let who = name_of(&l.named);
                            text.push_str(&format!(
                                " {} {} ({}: {})",
                                l.changes,
                                i18n.t(T::BundleLeftOut),
                                if who.is_empty() { "—".to_string() } else { who },
                                i18n.t(bad_words(l.why)),
                            ));
                        }
                        // The page that asked may be gone (she opened a network meanwhile).
                        on_imported.try_run(imported);
                        Ok(text)
                    }
                },
            };
            result.set(Some(outcome));
            busy.set(false);
        });
    };
    view! {
        <div class="import-bundle stack">
            <label class="field">
                <span class="field-label">{tr(T::ImportBundle)}</span>
                <input
                    type="file"
                    accept=format!(".{},{MIME}", bundle::EXTENSION)
                    data-testid="bundle-import"
                    disabled=move || busy.get()
                    on:change=on_change
                />
            </label>
            // While it works: "Cargando…", or on a first visit, while the documents' part still
            // downloads, how far it got.
            {move || busy.get().then(|| view! { <crate::Loading /> })}
            {move || match result.get() {
                Some(Ok(text)) => view! { <p class="ok" role="status" data-testid="bundle-result">{text}</p> }.into_any(),
                Some(Err(text)) => view! { <p class="form-error" role="alert" data-testid="bundle-error">{text}</p> }.into_any(),
                None => ().into_any(),
            }}
        </div>
    }
}

/// Why a change's signature does not count, in the person's words.
fn bad_words(why: juntas_core::signing::Bad) -> T {
    use juntas_core::signing::Bad;
    match why {
        Bad::OtherMember => T::BadOtherMember,
        Bad::BuiltOn => T::BadBuiltOn,
        Bad::Revoked => T::BadRevoked,
        Bad::Unreadable
        | Bad::OtherNetwork
        | Bad::Certificate
        | Bad::WrongChange
        | Bad::Signature => T::BadSignature,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_are_plain() {
        // 2026-11-22 12:00 UTC
        assert_eq!(
            super::file_name(&"Avanzando Juntas / SLEP Ñuble".to_lowercase(), 1_795_348_800_000),
            "red-avanzando-juntas-slep-ñuble-2026-11-22.juntas"
        );
    }
}
