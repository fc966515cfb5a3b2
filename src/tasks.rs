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

/// The first slice of a drawing that goes up a slice per frame (see [`next_slice`]).
pub const FIRST_SLICE: usize = 8;

/// A slice this quick (ms: the longer of drawing it and the browser's frame for it) is
/// followed by one twice as big.
const QUICK_SLICE_MS: f64 = 20.0;
/// A slice this slow is followed by one half as big: it leaves room under the 50 ms of a long
/// task for a paint that grows with what is already drawn.
const SLOW_SLICE_MS: f64 = 40.0;
/// The smallest slice: a drawing always moves on.
const MIN_SLICE: usize = 4;

/// The size of a drawing's next slice, from the last one's size and how long (ms) the longer of
/// its two tasks took: ours that drew it, and the browser's frame that laid it out and painted
/// it (over 50 ms on a phone for 60 cards of the tree's drawing), so the size follows the device.
pub fn next_slice(last: usize, took_ms: f64) -> usize {
    if took_ms < QUICK_SLICE_MS {
        last.saturating_mul(2)
    } else if took_ms > SLOW_SLICE_MS {
        (last / 2).max(MIN_SLICE)
    } else {
        last.max(MIN_SLICE)
    }
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
        // A laptop: every slice drawn and painted in a few ms; 300 cards in 6 frames.
        let mut slice = FIRST_SLICE;
        let mut drawn = slice;
        let mut frames = 1;
        while drawn < 300 {
            slice = next_slice(slice, 8.0);
            drawn += slice;
            frames += 1;
        }
        assert_eq!(frames, 6);
        // A phone: a 55 ms frame halves the slice, down to the smallest and no further.
        assert_eq!(next_slice(FIRST_SLICE * 2, 55.0), FIRST_SLICE);
        assert_eq!(next_slice(16, 55.0), 8);
        assert_eq!(next_slice(8, 55.0), 4);
        assert_eq!(next_slice(4, 55.0), MIN_SLICE);
        // A slice in between keeps the size; the edges belong to it.
        assert_eq!(next_slice(8, 32.0), 8);
        assert_eq!(next_slice(8, 20.0), 8);
        assert_eq!(next_slice(8, 40.0), 8);
        // A hidden tab's timer (100 ms, no frame) or a frame of any length never stops it.
        assert!(next_slice(1, 1e9) >= 1);
        assert_eq!(next_slice(usize::MAX, 1.0), usize::MAX);
    }
}
