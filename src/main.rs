//! Entry point: panic hook, mount, and the start screen (index.html) taken away once the app
//! is on the page; in the document worker, its loop instead. Nothing else.

fn main() {
    console_error_panic_hook::set_once();
    // The same wasm started in the tab's document worker: no page to mount.
    if juntas::worker::in_worker() {
        juntas::parts::serve_document_worker();
        return;
    }
    leptos::mount::mount_to_body(juntas::App);
    // The app painted its own shell in this same task: the start screen goes with no gap.
    if let Some(boot) = leptos::prelude::document().get_element_by_id("boot") {
        boot.remove();
    }
}
