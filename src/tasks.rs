//! Giving the main thread back to the browser between pieces of work, so a page paints and
//! answers taps while documents open (the long-task budget of `cargo xtask bench load`).

use wasm_bindgen::JsCast;

/// Resolves in a later task: `scheduler.yield()` where the browser has it (the continuation
/// goes ahead of other queued tasks, so the order of work is kept), otherwise a 0 ms timer.
///
/// The futures of this app run in one microtask batch per wake-up: without a yield, work that
/// several futures resume together (document parses, typed reads, a page's first render)
/// becomes one long task.
pub async fn yield_to_browser() {
    if let Some(promise) = scheduler_yield()
        && wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
    {
        return;
    }
    gloo_timers::future::TimeoutFuture::new(0).await;
}

fn scheduler_yield() -> Option<js_sys::Promise> {
    let scheduler = js_sys::Reflect::get(&js_sys::global(), &"scheduler".into()).ok()?;
    if scheduler.is_undefined() || scheduler.is_null() {
        return None;
    }
    let f = js_sys::Reflect::get(&scheduler, &"yield".into()).ok()?;
    let f = f.dyn_into::<js_sys::Function>().ok()?;
    f.call0(&scheduler).ok()?.dyn_into::<js_sys::Promise>().ok()
}
