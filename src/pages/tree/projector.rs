//! `/red/:id/arbol/:tid/proyector`: the projector drawing and its SVG, PNG and text exports.

use super::*;

#[component]
pub fn ProjectorPage() -> impl IntoView {
    let tid = tree_id();
    move || match tid.get() {
        Some(id) => view! { <Projector id /> }.into_any(),
        None => view! { <crate::pages::not_found::NotFound /> }.into_any(),
    }
}

/// One card as drawn; the whole value is its key, so a redraw touches only what moved or
/// changed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct DrawnCard {
    id: String,
    /// x, y, width, height in tenths of a pixel.
    rect: (i64, i64, i64, i64),
    lines: Vec<String>,
    fill: &'static str,
    ink: &'static str,
}

/// The drawing as plain values: cards, edges (in tenths of a pixel), canvas size.
#[derive(Clone, PartialEq)]
pub(super) struct Drawing {
    cards: Vec<DrawnCard>,
    edges: Vec<(i64, i64, i64, i64)>,
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
        .collect();
    let edges =
        layout.edges.iter().map(|e| (tenth(e.x1), tenth(e.y1), tenth(e.x2), tenth(e.y2))).collect();
    Drawing { cards, edges, width: layout.width, height: layout.height }
}

/// How many cards the first drawing adds per task.
const CARDS_PER_TASK: usize = 20;
/// How much drawing (ms) goes up before a frame is let through (see the first drawing).
const PAINT_EVERY_MS: f64 = 30.0;

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
    let drawn = Memo::new(move |_| match &*ctx.tree.read() {
        Loaded::Ready(t) => Some(drawing(t, aspect.get())),
        _ => None,
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
                seen.set_value(Some(d.cards.iter().map(|c| c.id.clone()).collect()));
            }
        })
    });
    let card_view = move |c: DrawnCard| {
        let fresh = seen
            .try_update_value(|s| s.as_mut().is_some_and(|s| s.insert(c.id.clone())))
            .unwrap_or(false);
        let (x, y, w, h) = (px(c.rect.0), px(c.rect.1), px(c.rect.2), px(c.rect.3));
        let texts = c
            .lines
            .into_iter()
            .enumerate()
            .map(|(i, l)| view! {
                <text x=x + w / 2.0 y=juntas_core::model::tree_layout::baseline(y, i) text-anchor="middle" font-size="18" font-family="sans-serif" fill=c.ink>{l}</text>
            })
            .collect_view();
        view! {
            <g data-testid="svg-card" data-id=c.id class=if fresh { "card-new" } else { "" }>
                <rect x=x y=y width=w height=h rx="10" fill=c.fill stroke="#1f5f8b" stroke-width="2" />
                {texts}
            </g>
        }
    };
    // The first drawing of a big tree goes up a slice of cards per task (300 cards at once
    // were one 220 ms task on a phone, `cargo xtask bench load`), and a frame is let through
    // once the slices since the last one took `PAINT_EVERY_MS`: with no frame in between, the
    // browser laid out and painted all 300 in one 70 ms task; with one per slice, a laptop
    // waited 15 frames for a drawing it makes in two. The page answers between slices.
    // Later drawings (a card edited) are whole at once: only what changed is redrawn.
    let shown = RwSignal::new(CARDS_PER_TASK);
    Effect::new(move |_| {
        let total = drawn.with(|d| d.as_ref().map_or(0, |d| d.cards.len()));
        if shown.get_untracked() >= total {
            return;
        }
        leptos::task::spawn_local(async move {
            // The first slice is painted before more go up: that frame also lays out every
            // edge of the tree.
            let mut painted = f64::NEG_INFINITY;
            loop {
                if js_sys::Date::now() - painted >= PAINT_EVERY_MS {
                    crate::tasks::after_next_paint().await;
                    painted = js_sys::Date::now();
                } else {
                    crate::tasks::yield_to_browser().await;
                }
                // Gone (the page left) or done: stop.
                let Some(now) = shown.try_get_untracked() else { return };
                if now >= total {
                    return;
                }
                shown.set(now + CARDS_PER_TASK);
            }
        });
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
                    <For each=move || drawn.with(|d| d.as_ref().map(|d| d.edges.clone()).unwrap_or_default()) key=|e| *e let:e>
                        <line x1=px(e.0) y1=px(e.1) x2=px(e.2) y2=px(e.3) stroke="#6b4f2a" stroke-width="4" />
                    </For>
                </g>
                <g>
                    <For each=cards key=|c| c.clone() children=card_view />
                </g>
            </svg>
        })
    };
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
    let export_png = move |_| {
        all_drawn_then(Box::new(move || {
            let svg = svg_text();
            // The drawing's own size (its width and height say 100% while projected).
            let (w, h) = untrack(size);
            png_download(&svg, w as u32, h as u32, "arbol.png");
        }))
    };
    let outline = move || match &*ctx.tree.read() {
        Loaded::Ready(t) => t.outline(),
        _ => String::new(),
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
            <div class="svg-wrap" class:projecting=move || full.get() data-testid="projector-stage"
                tabindex="0" role="region" aria-label=move || i18n.t(T::TreeDrawing)>
                <Show when=move || full.get()>
                    <button class="projecting-exit" data-testid="project-exit" node_ref=exit_ref on:click=move |_| leave()>{tr(T::ProjectExit)}</button>
                </Show>
                {svg}
            </div>
            // The tree as text, for whoever cannot see the drawing (the SVG points here).
            <pre id="projector-outline" class="visually-hidden" data-testid="projector-outline">{outline}</pre>
        </main>
    }
}

/// Draws the SVG into a canvas and downloads it as PNG.
pub(crate) fn png_download(svg: &str, w: u32, h: u32, name: &'static str) {
    let Ok(img) = web_sys::HtmlImageElement::new() else { return };
    let url = format!(
        "data:image/svg+xml;charset=utf-8,{}",
        js_sys::encode_uri_component(svg).as_string().unwrap_or_default()
    );
    let img2 = img.clone();
    let onload = wasm_bindgen::closure::Closure::once_into_js(move || {
        let Ok(canvas) = document().create_element("canvas") else { return };
        let Ok(canvas) = canvas.dyn_into::<web_sys::HtmlCanvasElement>() else { return };
        canvas.set_width(w);
        canvas.set_height(h);
        let Ok(Some(ctx)) = canvas.get_context("2d") else { return };
        let Ok(ctx) = ctx.dyn_into::<web_sys::CanvasRenderingContext2d>() else { return };
        let _ = ctx.draw_image_with_html_image_element(&img2, 0.0, 0.0);
        if let Ok(data) = canvas.to_data_url_with_type("image/png") {
            let Ok(a) = document().create_element("a") else { return };
            let a: web_sys::HtmlAnchorElement = a.unchecked_into();
            a.set_href(&data);
            a.set_download(name);
            a.click();
        }
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_src(&url);
}
