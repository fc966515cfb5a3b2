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

/// Resolves once the next frame has been painted (a timer after the animation frame), or
/// after 100 ms when no frame comes (a hidden tab gets none). Work done a piece per frame
/// leaves the browser's own layout and paint a frame's worth at a time, too.
pub async fn after_next_paint() {
    let frame = js_sys::Promise::new(&mut |resolve, _| {
        let window = leptos::prelude::window();
        let _ = window.request_animation_frame(&resolve);
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 100);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(frame).await;
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// How many items of a long list a page draws: `first` at once, then every one once that first
/// drawing has been painted (the rest in a task of their own). A centre's plan drawn whole was
/// one 60–90 ms task on a phone (`cargo xtask bench load`); its first sections fill the screen.
pub fn drawn_in_two(first: usize) -> leptos::prelude::ReadSignal<usize> {
    use leptos::prelude::*;
    let shown = RwSignal::new(first);
    leptos::task::spawn_local(async move {
        after_next_paint().await;
        // The page may have gone meanwhile: nothing left to draw.
        let _ = shown.try_set(usize::MAX);
    });
    shown.read_only()
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
