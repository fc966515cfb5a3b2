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
///
/// Says how long (ms) the frame took from its animation frame callbacks to after its paint:
/// the browser's style, layout and paint of what changed since the last one.
pub async fn after_next_paint() -> f64 {
    let frame = js_sys::Promise::new(&mut |resolve, _| {
        let window = leptos::prelude::window();
        let _ = window.request_animation_frame(&resolve);
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 100);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(frame).await;
    let start = js_sys::Date::now();
    gloo_timers::future::TimeoutFuture::new(0).await;
    js_sys::Date::now() - start
}

/// Turns true once the browser painted what the page drew first (or after 100 ms in a hidden
/// tab): what a page shows below its first screen (forms, logs) goes up in a task of its own
/// instead of lengthening the first one.
pub fn after_first_paint() -> leptos::prelude::RwSignal<bool> {
    use leptos::prelude::*;
    let painted = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        after_next_paint().await;
        // Gone (the page left first): nothing to draw.
        let _ = painted.try_set(true);
    });
    painted
}

/// Resolves when the browser is idle (`requestIdleCallback`: no input, frame or task waiting),
/// or after 2 s if it never is; where the browser has no idle callbacks (Safari), after 1 s.
/// For work nobody waits for yet, such as downloading the parts of pages she may open next.
pub async fn when_idle() {
    let window = leptos::prelude::window();
    let idle = js_sys::Reflect::get(&window, &"requestIdleCallback".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(request) = idle else {
        gloo_timers::future::TimeoutFuture::new(1_000).await;
        return;
    };
    let called = js_sys::Promise::new(&mut |resolve, _| {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"timeout".into(), &2_000.into());
        if request.call2(&window, &resolve, &options).is_err() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 1_000);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(called).await;
}

/// How many items of a long list a page draws: `first` at once, then, once the list (`total`)
/// holds more, a slice per frame, each sized by how long the last took ([`next_slice`], never
/// under `least`). The browser's style, layout and paint of a slice is one task, so a list
/// drawn whole in one task was a long one on a phone (`cargo xtask bench load`): a centre's plan
/// that arrived after the page's first paint (60–90 ms at 4× CPU), the projector's 300 cards
/// (100–220 ms). In a hidden tab, where frames do not come, the rest goes up at once. Setting
/// the signal to `usize::MAX` draws everything at once (an export that needs every item).
pub fn drawn_in_slices(
    first: usize,
    least: usize,
    total: impl Fn() -> usize + Send + Sync + 'static,
) -> leptos::prelude::RwSignal<usize> {
    use leptos::prelude::*;
    let shown = RwSignal::new(first);
    let total = Memo::new(move |_| total());
    // One filling at a time; it goes on while the list grows.
    let filling = StoredValue::new(false);
    Effect::new(move |_| {
        // Read first, always: an effect listens only to what its last run read, so a run that
        // returned before reading it (a filling under way) would never run again, and items
        // added once that filling ended would never show.
        let n = total.get();
        if filling.get_value() || shown.get_untracked() >= n {
            return;
        }
        filling.set_value(true);
        leptos::task::spawn_local(async move {
            let mut slice = first;
            // How long drawing the last slice took (ms); the first went up with its page.
            let mut drawing_ms: f64 = 0.0;
            loop {
                let frame_ms = after_next_paint().await;
                // Gone (the page left): stop.
                let (Some(now), Some(n)) = (shown.try_get_untracked(), total.try_get_untracked())
                else {
                    return;
                };
                if now < n && document().hidden() {
                    shown.set(n);
                }
                if now >= n || document().hidden() {
                    filling.set_value(false);
                    return;
                }
                slice = next_slice(slice, drawing_ms.max(frame_ms), least);
                let start = js_sys::Date::now();
                shown.set(now.saturating_add(slice));
                // The items are drawn before this task ends (the page's effects run in it).
                yield_to_browser().await;
                drawing_ms = js_sys::Date::now() - start;
            }
        });
    });
    shown
}

/// A slice this quick (ms: the longer of drawing it and the browser's frame for it) is
/// followed by one twice as big.
const QUICK_SLICE_MS: f64 = 20.0;
/// A slice this slow is followed by one half as big: it leaves room under the 50 ms of a long
/// task for a paint that grows with what is already drawn.
const SLOW_SLICE_MS: f64 = 40.0;

/// The size of a drawing's next slice, from the last one's size and how long (ms) the longer of
/// its two tasks took: ours that drew it, and the browser's frame that laid it out and painted
/// it (over 50 ms on a phone for 60 cards of the tree's drawing), so the size follows the
/// device; never under `least`.
pub fn next_slice(last: usize, took_ms: f64, least: usize) -> usize {
    let next = if took_ms < QUICK_SLICE_MS {
        last.saturating_mul(2)
    } else if took_ms > SLOW_SLICE_MS {
        last / 2
    } else {
        last
    };
    next.max(least).max(1)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_device_draws_in_ever_bigger_slices_and_a_slow_one_in_smaller_ones() {
        // A laptop: every slice drawn and painted in a few ms; 300 cards from 8 in 6 frames.
        let mut slice = 8;
        let mut drawn = slice;
        let mut frames = 1;
        while drawn < 300 {
            slice = next_slice(slice, 8.0, 4);
            drawn += slice;
            frames += 1;
        }
        assert_eq!(frames, 6);
        // A phone: a 55 ms frame halves the slice, down to the least and no further.
        assert_eq!(next_slice(16, 55.0, 4), 8);
        assert_eq!(next_slice(8, 55.0, 4), 4);
        assert_eq!(next_slice(4, 55.0, 4), 4);
        assert_eq!(next_slice(2, 55.0, 1), 1);
        assert_eq!(next_slice(1, 55.0, 1), 1);
        // A slice in between keeps the size.
        assert_eq!(next_slice(8, 32.0, 4), 8);
        assert_eq!(next_slice(8, 20.0, 4), 8);
        assert_eq!(next_slice(8, 40.0, 4), 8);
        // A slice smaller than the least (the first) grows to it.
        assert_eq!(next_slice(2, 32.0, 4), 4);
        // Whatever a frame took, a drawing moves on.
        assert_eq!(next_slice(1, 1e9, 0), 1);
        assert_eq!(next_slice(usize::MAX, 1.0, 4), usize::MAX);
    }
}
