//! `/red/:id/arbol/:tid/proyector`: the projector drawing and its SVG, PNG and text exports.

use super::*;
use std::sync::Arc;

#[component]
pub fn ProjectorPage() -> impl IntoView {
    let tid = tree_id();
    move || match tid.get() {
        Some(id) => view! { <Projector id /> }.into_any(),
        None => view! { <crate::pages::not_found::NotFound /> }.into_any(),
    }
}

/// One card as drawn; a fingerprint of the whole value is its key, so a redraw touches only
/// what moved or changed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct DrawnCard {
    id: String,
    /// x, y, width, height in tenths of a pixel.
    rect: (i64, i64, i64, i64),
    lines: Vec<String>,
    fill: &'static str,
    ink: &'static str,
}

/// The drawing as plain values: cards (each with its key: a fingerprint of it, made once, so
/// each slice of the first drawing costs its own cards, not a copy and a hash of every card
/// drawn before it), edges (in tenths of a pixel, each with how many cards are drawn before
/// it is: both its ends; in that order), canvas size.
#[derive(Clone, PartialEq)]
pub(super) struct Drawing {
    cards: Vec<(u64, Arc<DrawnCard>)>,
    edges: Vec<(usize, (i64, i64, i64, i64))>,
    width: f64,
    height: f64,
}

/// The drawing of `t`; for a screen `aspect` times wider than tall, made to fill it (a wide
/// tree's first-level cards in bands).
pub(super) fn drawing(t: &Tree, aspect: Option<f64>) -> Drawing {
    use juntas_core::model::tree_layout::{self, Kind};
    let tenth = |v: f64| (v * 10.0).round() as i64;
    let layout = match aspect {
        Some(a) => tree_layout::layout_to_fit(t, a),
        None => tree_layout::layout(t),
    };
    let keyed = |c: DrawnCard| {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        c.hash(&mut h);
        (h.finish(), Arc::new(c))
    };
    let at: std::collections::HashMap<&str, usize> =
        layout.cards.iter().enumerate().map(|(i, c)| (c.id.as_str(), i + 1)).collect();
    let mut edges: Vec<_> = layout
        .edges
        .iter()
        .map(|e| {
            // An end that is not a card (none today) waits for the whole drawing.
            let needs = |id: &str| at.get(id).copied().unwrap_or(layout.cards.len());
            let after = needs(&e.from).max(needs(&e.to));
            (after, (tenth(e.x1), tenth(e.y1), tenth(e.x2), tenth(e.y2)))
        })
        .collect();
    juntas_core::order::sort_by_key(&mut edges, |(after, _)| *after);
    let cards = layout
        .cards
        .into_iter()
        .map(|c| DrawnCard {
            rect: (tenth(c.x), tenth(c.y), tenth(c.w), tenth(c.h)),
            fill: match c.kind {
                Kind::Problem => "#a4282c",
                _ if c.root_cause => "#f2c14e",
                _ => "#ffffff",
            },
            ink: if c.kind == Kind::Problem { "#ffffff" } else { "#1d2733" },
            id: c.id,
            lines: c.lines,
        })
        .map(keyed)
        .collect();
    Drawing { cards, edges, width: layout.width, height: layout.height }
}

#[component]
pub(super) fn Projector(id: DocumentId) -> impl IntoView {
    let ctx = TreeCtx::open(use_network(), id, Usage::Show);
    let i18n = use_i18n();
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    // "Proyectar": the drawing alone on the screen, scaled to fit; Esc or "Salir" leaves it.
    let full = RwSignal::new(false);
    // The screen's shape while projecting (width / height): the drawing is laid out to fill it.
    let aspect = RwSignal::new(None::<f64>);
    let screen_aspect = || {
        let w = window().inner_width().ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        let h = window().inner_height().ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        (w > 0.0 && h > 0.0).then(|| w / h)
    };
    Effect::new(move |_| aspect.set(if full.get() { screen_aspect() } else { None }));
    let resize = window_event_listener(leptos::ev::resize, move |_| {
        if full.get_untracked() {
            aspect.set(screen_aspect());
        }
    });
    on_cleanup(move || resize.remove());
    // The drawing is made in a task of its own, and drawn in the next: a 300-card tree's
    // layout and its first slice on the page were one 60–80 ms task at 4× CPU. One making is
    // pending at a time; it reads the tree and the screen as they are when it runs.
    let drawn = RwSignal::new(None::<Drawing>);
    let making = StoredValue::new(false);
    Effect::new(move |_| {
        ctx.tree.track();
        aspect.track();
        if making.get_value() {
            return;
        }
        making.set_value(true);
        spawn_local(async move {
            crate::tasks::yield_to_browser().await;
            // Gone (the page left): nothing to draw.
            let Some(a) = aspect.try_get_untracked() else { return };
            let Some(made) = ctx.tree.try_with_untracked(|t| match t {
                Loaded::Ready(t) => Some(drawing(t, a)),
                _ => None,
            }) else {
                return;
            };
            making.try_set_value(false);
            crate::tasks::yield_to_browser().await;
            // Only what changed is drawn again: the same drawing changes nothing.
            drawn.try_maybe_update(|d| {
                let changed = *d != made;
                if changed {
                    *d = made;
                }
                (changed, ())
            });
        });
    });
    let px = |v: i64| v as f64 / 10.0;
    let size = move || drawn.with(|d| d.as_ref().map_or((0.0, 0.0), |d| (d.width, d.height)));
    // The browser's full screen too (no tabs or address bar on the projector), where it lets
    // the page ask; where it does not, the view still covers the whole window.
    let enter = move |_| {
        full.set(true);
        if let Some(root) = document().document_element()
            && let Err(e) = root.request_fullscreen()
        {
            leptos::logging::warn!("full screen refused, the window is used: {e:?}");
        }
    };
    let leave = move || {
        full.set(false);
        if document().fullscreen_element().is_some() {
            document().exit_fullscreen();
        }
    };
    // Leaving the browser's full screen (its own Esc) leaves the projection too.
    let fullscreen_change = window_event_listener_untyped("fullscreenchange", move |_| {
        if document().fullscreen_element().is_none() && full.get_untracked() {
            full.set(false);
        }
    });
    on_cleanup(move || fullscreen_change.remove());
    // Focus follows the view: onto "Salir" when it opens, back onto "Proyectar" when it
    // closes (the button she pressed would otherwise be covered, then removed).
    let project_ref = NodeRef::<leptos::html::Button>::new();
    let exit_ref = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |was: Option<bool>| {
        let now = full.get();
        if was.is_some_and(|w| w != now) {
            let target = if now { exit_ref.get() } else { project_ref.get() };
            if let Some(b) = target
                && let Err(e) = b.focus()
            {
                leptos::logging::warn!("focus did not move: {e:?}");
            }
        }
        now
    });
    let esc = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && full.get_untracked() {
            leave();
        }
    });
    on_cleanup(move || esc.remove());
    // Cards that arrive while it is shown are highlighted: every id drawn so far, once the
    // first drawing is up (None before, so the first drawing highlights nothing).
    let seen = StoredValue::new(None::<std::collections::HashSet<String>>);
    Effect::new(move |_| {
        drawn.with(|d| {
            if let Some(d) = d
                && seen.with_value(Option::is_none)
            {
                seen.set_value(Some(d.cards.iter().map(|(_, c)| c.id.clone()).collect()));
            }
        })
    });
    let card_view = move |(_, c): (u64, Arc<DrawnCard>)| {
        let fresh = seen
            .try_update_value(|s| s.as_mut().is_some_and(|s| s.insert(c.id.clone())))
            .unwrap_or(false);
        let (x, y, w, h) = (px(c.rect.0), px(c.rect.1), px(c.rect.2), px(c.rect.3));
        let ink = c.ink;
        let texts = c
            .lines
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, l)| view! {
                <text x=x + w / 2.0 y=juntas_core::model::tree_layout::baseline(y, i) text-anchor="middle" font-size="18" font-family="sans-serif" fill=ink>{l}</text>
            })
            .collect_view();
        view! {
            <g data-testid="svg-card" data-id=c.id.clone() class=if fresh { "card-new" } else { "" }>
                <rect x=x y=y width=w height=h rx="10" fill=c.fill stroke="#1f5f8b" stroke-width="2" />
                {texts}
            </g>
        }
    };
    // The first drawing of a big tree goes up a slice of cards per frame, each sized by the
    // device (`tasks::drawn_in_slices`): slices let up for 30 ms of our own time before a frame
    // left the browser 60–80 cards to lay out and paint at once, 50–73 ms frames at 4× CPU.
    // A card added later goes up in the next frame; a card edited is redrawn at once (only
    // what changed is).
    let shown = crate::tasks::drawn_in_slices(8, 4, move || {
        drawn.with(|d| d.as_ref().map_or(0, |d| d.cards.len()))
    });
    let cards = move || {
        let n = shown.get();
        drawn.with(|d| {
            d.as_ref()
                .map(|d| d.cards.iter().take(n).cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let ready = Memo::new(move |_| drawn.with(|d| d.is_some()));
    let svg = move || {
        ready.get().then(|| view! {
            <svg node_ref=svg_ref xmlns="http://www.w3.org/2000/svg" data-testid="tree-svg"
                width=move || if full.get() { "100%".to_owned() } else { size().0.to_string() }
                height=move || if full.get() { "100%".to_owned() } else { size().1.to_string() }
                viewBox=move || { let (w, h) = size(); format!("0 0 {w} {h}") }
                preserveAspectRatio="xMidYMid meet" role="img"
                aria-label=move || format!("{} ({} {})", i18n.t(T::TreeDrawing), drawn.with(|d| d.as_ref().map_or(0, |d| d.cards.len())), i18n.t(T::TreeDrawingCards))
                aria-describedby="projector-outline">
                <rect x="0" y="0" width=move || size().0 height=move || size().1 fill="#f3f6f9" />
                <g>
                    // An edge goes up with the slice that draws the second of its ends.
                    <For each=move || { let n = shown.get(); drawn.with(|d| d.as_ref().map(|d| d.edges.iter().take_while(|(after, _)| *after <= n).map(|(_, e)| *e).collect::<Vec<_>>()).unwrap_or_default()) } key=|e| *e let:e>
                        <line x1=px(e.0) y1=px(e.1) x2=px(e.2) y2=px(e.3) stroke="#6b4f2a" stroke-width="4" />
                    </For>
                </g>
                <g>
                    // A fingerprint of 64 bits: two different cards that share one are not
                    // a case worth a string's hash per card per slice.
                    <For each=cards key=|(k, _)| *k children=card_view />
                </g>
            </svg>
        })
    };
    // Opened, the stage shows the central problem: a wide tree's left edge is empty sky (on a
    // 360 px phone the 300-card fixture's first screen showed no card), and the problem is
    // where reading starts. Once; after that the stage stays where she scrolls it.
    let stage_ref = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |centred: Option<bool>| {
        if centred == Some(true) || !ready.get() {
            return centred.unwrap_or(false);
        }
        let Some(stage) = stage_ref.get() else { return false };
        let problem = drawn.with_untracked(|d| {
            d.as_ref()?
                .cards
                .iter()
                .find(|(_, c)| c.id == juntas_core::model::tree::PROBLEM)
                .map(|(_, c)| c.rect)
        });
        let Some((x, _, w, _)) = problem else { return false };
        let left = px(x) + px(w) / 2.0 - f64::from(stage.client_width()) / 2.0;
        stage.set_scroll_left(left.max(0.0).round() as i32);
        true
    });
    let svg_text = move || svg_ref.get_untracked().map(|s| s.outer_html()).unwrap_or_default();
    // An export holds every card: one asked for while the first drawing is still going up
    // draws the rest first (the render runs in the next task).
    let all_drawn_then = move |f: Box<dyn FnOnce()>| {
        let total = drawn.with_untracked(|d| d.as_ref().map_or(0, |d| d.cards.len()));
        if shown.get_untracked() >= total {
            return f();
        }
        shown.set(total);
        leptos::task::spawn_local(async move {
            crate::tasks::yield_to_browser().await;
            // She left the projector meanwhile: its drawing is gone, and so is the export.
            if svg_ref.is_disposed() {
                return;
            }
            f();
        });
    };
    let export_svg = move |_| {
        all_drawn_then(Box::new(move || {
            download::bytes("arbol.svg", "image/svg+xml", svg_text().as_bytes())
        }))
    };
    let export_text = move |_| {
        if let Loaded::Ready(t) = ctx.tree.get_untracked() {
            download::bytes("arbol.txt", "text/plain;charset=utf-8", t.outline().as_bytes());
        }
    };
    let png_error = RwSignal::new(false);
    let export_png = move |_| {
        all_drawn_then(Box::new(move || {
            let svg = svg_text();
            // The drawing's own size (its width and height say 100% while projected).
            let (w, h) = untrack(size);
            png_error.set(false);
            png_download(&svg, w as u32, h as u32, "arbol.png", move || png_error.set(true));
        }))
    };
    let outline = move || match &*ctx.tree.read() {
        Loaded::Ready(t) => t.outline(),
        _ => String::new(),
    };
    // A tree that cannot be read or is not on this device says so (the drawing stays empty).
    let failed = move || ctx.tree.with(|t| super::unreadable(i18n, t));
    let loading = move || {
        ctx.tree.with(|t| matches!(t, Loaded::Loading)).then(|| view! { <p>{tr(T::Loading)}</p> })
    };
    view! {
        <main class="projector">
            <p class="row no-print">
                <A href=format!("/red/{}/arbol/{id}", ctx.net.id) attr:class="back">{tr(T::BackToOutline)}</A>
                <button class="primary" data-testid="project" node_ref=project_ref on:click=enter>{tr(T::Project)}</button>
                <button class="secondary" data-testid="export-svg" on:click=export_svg>{tr(T::ExportSvg)}</button>
                <button class="secondary" data-testid="export-png" on:click=export_png>{tr(T::ExportPng)}</button>
                <button class="secondary" data-testid="export-text" on:click=export_text>{tr(T::ExportOutline)}</button>
            </p>
            <p class="form-error" role="alert" data-testid="tree-error">{failed}</p>
            <p class="form-error" role="alert" data-testid="tree-export-error">
                {move || png_error.get().then(|| i18n.t(T::ErrPngExport))}</p>
            {loading}
            <div class="svg-wrap" node_ref=stage_ref class:projecting=move || full.get() data-testid="projector-stage"
                tabindex="0" role="region" aria-label=move || i18n.t(T::TreeDrawing)>
                <Show when=move || full.get()>
                    <button class="projecting-exit" data-testid="project-exit" node_ref=exit_ref on:click=move |_| leave()>{tr(T::ProjectExit)}</button>
                </Show>
                {svg}
            </div>
            // The tree as text, for whoever cannot see the drawing: the SVG's description
            // (`aria-describedby` reads hidden text too). Hidden rather than visually hidden:
            // laid out on the page, its 300 lines were 30 ms of the first frame at 4× CPU.
            <pre id="projector-outline" hidden data-testid="projector-outline">{outline}</pre>
        </main>
    }
}

/// Draws the SVG into a `w` × `h` canvas (scaled to fill it) and downloads it as PNG; calls
/// `failed` when it cannot: the image does not load, or the device cannot draw a canvas that
/// large (Chromium then gives the empty image `data:,`).
pub(crate) fn png_download(
    svg: &str,
    w: u32,
    h: u32,
    name: &'static str,
    failed: impl FnOnce() + 'static,
) {
    let Ok(img) = web_sys::HtmlImageElement::new() else { return failed() };
    img.set_src(&format!(
        "data:image/svg+xml;charset=utf-8,{}",
        js_sys::encode_uri_component(svg).as_string().unwrap_or_default()
    ));
    leptos::task::spawn_local(async move {
        // `decode` settles once the image has loaded, or failed to.
        let loaded = wasm_bindgen_futures::JsFuture::from(img.decode()).await.is_ok();
        let drawn = loaded.then(|| {
            let canvas = document().create_element("canvas").ok()?;
            let canvas = canvas.dyn_into::<web_sys::HtmlCanvasElement>().ok()?;
            canvas.set_width(w);
            canvas.set_height(h);
            let ctx = canvas.get_context("2d").ok()??;
            let ctx = ctx.dyn_into::<web_sys::CanvasRenderingContext2d>().ok()?;
            ctx.draw_image_with_html_image_element_and_dw_and_dh(
                &img,
                0.0,
                0.0,
                f64::from(w),
                f64::from(h),
            )
            .ok()?;
            canvas.to_data_url_with_type("image/png").ok().filter(|d| d.len() > "data:,".len())
        });
        let link = document().create_element("a").ok();
        let (Some(data), Some(a)) = (drawn.flatten(), link) else { return failed() };
        let a: web_sys::HtmlAnchorElement = a.unchecked_into();
        a.set_href(&data);
        a.set_download(name);
        a.click();
    });
}
