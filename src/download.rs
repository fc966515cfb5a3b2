//! Hands bytes to the person as a downloaded file (gloo-file's Blob and object URL).

use gloo_file::{Blob, ObjectUrl};
use wasm_bindgen::JsCast;

/// Starts a download of `bytes` named `file_name`.
pub fn bytes(file_name: &str, mime: &str, bytes: &[u8]) {
    let url = ObjectUrl::from(Blob::new_with_options(bytes, Some(mime)));
    let document = gloo_utils::document();
    let Ok(a) = document.create_element("a") else { return };
    let a: web_sys::HtmlAnchorElement = a.unchecked_into();
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    // Revoke the URL (by dropping it) only once the download has surely started.
    gloo_timers::callback::Timeout::new(30_000, move || drop(url)).forget();
}
