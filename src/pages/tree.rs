//! `/red/:id/arbol/…`: problem trees for workshops — the list and "Nuevo árbol", the outline
//! editor for phones (add, edit, reorder, move, delete, evidence, causa raíz) and the
//! projector view (an SVG drawing: effects above the trunk, causes below) with SVG, PNG and
//! text export.

use std::{rc::Rc, str::FromStr};

use juntas_core::{
    DocumentId,
    model::tree::{self, CAUSES, EFFECTS, Tree},
};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map},
};
use wasm_bindgen::JsCast;

use crate::{
    components::{PlanText, Splicer},
    download,
    error::{AppError, explain},
    i18n::{T, tr, use_i18n},
    state::{
        doc::Loaded,
        network::use_network,
        tree::{self as trees, TreeCtx},
    },
};

fn tree_id() -> Memo<Option<DocumentId>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("tid").and_then(|s| DocumentId::from_str(&s).ok()))
}

// ---------------------------------------------------------------------------------------

#[component]
pub fn TreeHome() -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let problem = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = problem.get_untracked();
        let navigate = navigate.clone();
        spawn_local(async move {
            match trees::create(net, text).await {
                Ok(id) => navigate(&format!("/red/{}/arbol/{id}", net.id), Default::default()),
                Err(e) => error.set(Some(explain(i18n, &e))),
            }
        });
    };
    view! {
        <main class="page">
            <h2>{tr(T::Trees)}</h2>
            <ul class="cards">
                <For each=move || trees::trees(net) key=|id| *id let:id>
                    <TreeLine id />
                </For>
            </ul>
            <form class="add-row" on:submit=create>
                <label class="field">
                    <span class="field-label">{tr(T::CentralProblem)}</span>
                    <input data-testid="tree-problem" required bind:value=problem />
                </label>
                <button type="submit" class="primary" data-testid="tree-create">{tr(T::TreeCreate)}</button>
                <p class="form-error" role="alert">{move || error.get()}</p>
            </form>
        </main>
    }
}

#[component]
fn TreeLine(id: DocumentId) -> impl IntoView {
    let ctx = TreeCtx::open(use_network(), id);
    let i18n = use_i18n();
    let net = ctx.net.id;
    view! {
        <li class="card">
            <A href=format!("/red/{net}/arbol/{id}") attr:data-testid="tree-open">
                {move || match ctx.tree.get() {
                    Loaded::Ready(t) => t.problem,
                    // A tree that cannot be read is listed with why, not left out.
                    Loaded::Failed(e) => format!("{} {}", i18n.t(T::Unreadable), explain(i18n, &e)),
                    _ => "…".to_string(),
                }}
            </A>
        </li>
    }
}

// ---------------------------------------------------------------------------------------
// Outline editor.

#[component]
pub fn TreePage() -> impl IntoView {
    let tid = tree_id();
    move || match tid.get() {
        Some(id) => view! { <TreeEditor id /> }.into_any(),
        None => view! { <crate::pages::not_found::NotFound /> }.into_any(),
    }
}

/// The error line under a form or a card, in the person's words.
fn error_line(error: RwSignal<Option<AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="form-error" role="alert">{move || error.get().map(|e| explain(i18n, &e))}</p> }
}

/// A card's text (or evidence) as a collaborative text box: splices, stored at once, sent
/// within a second or on Enter/blur, caret kept on remote edits.
fn card_box(
    ctx: TreeCtx,
    card: String,
    evidence: bool,
    value: Signal<String>,
    testid: &'static str,
    label: T,
) -> impl IntoView {
    let i18n = use_i18n();
    let splicer: Splicer = Rc::new(move |at, delete, insert| {
        let card = card.clone();
        Box::pin(async move {
            ctx.splice(card, evidence, at, delete, insert).await.map_err(|e| explain(i18n, &e))
        })
    });
    view! {
        <PlanText value editable=Signal::derive(|| true) splice=splicer testid=testid.to_string()
            label=i18n.t(label).to_string() rows=1 on_blur=Callback::new(move |_| ctx.flush()) />
    }
}

#[component]
fn TreeEditor(id: DocumentId) -> impl IntoView {
    let ctx = TreeCtx::open(use_network(), id);
    provide_context(ctx);
    let i18n = use_i18n();
    let ready = Memo::new(move |_| matches!(ctx.tree.get(), Loaded::Ready(_)));
    let problem = Memo::new(move |_| match ctx.tree.get() {
        Loaded::Ready(t) => t.problem,
        _ => String::new(),
    });
    let failed = move || match ctx.tree.get() {
        Loaded::Failed(e) => Some(explain(i18n, &e)),
        Loaded::Missing => Some(i18n.t(T::NotFoundHere).to_string()),
        _ => None,
    };
    view! {
        <main class="page tree-page">
            <p class="row">
                <A href=format!("/red/{}/arbol", ctx.net.id)>{tr(T::BackToTrees)}</A>
                <A href=format!("/red/{}/arbol/{id}/proyector", ctx.net.id) attr:class="button secondary" attr:data-testid="tree-projector">{tr(T::Projector)}</A>
            </p>
            <p class="form-error" role="alert" data-testid="tree-error">{failed}</p>
            <Show when=move || ready.get() fallback=|| view! { <p>{tr(T::Loading)}</p> }>
                <label class="field">
                    <span class="field-label">{tr(T::CentralProblem)}</span>
                    {card_box(ctx, tree::PROBLEM.to_string(), false, problem.into(), "tree-problem-text", T::CentralProblem)}
                </label>
                <SideBox side=EFFECTS />
                <SideBox side=CAUSES />
            </Show>
        </main>
    }
}

fn children_ids(ctx: TreeCtx, parent: &str) -> Vec<String> {
    ctx.tree.with(|t| match t {
        Loaded::Ready(t) => t.children_of(parent).into_iter().map(|c| c.id.clone()).collect(),
        _ => Vec::new(),
    })
}

#[component]
fn SideBox(side: &'static str) -> impl IntoView {
    let ctx = expect_context::<TreeCtx>();
    let error = RwSignal::new(None::<AppError>);
    let ids = Memo::new(move |_| children_ids(ctx, side));
    let title = if side == EFFECTS { T::Effects } else { T::Causes };
    view! {
        <section class="tree-side" data-testid=format!("side-{side}")>
            <h3>{tr(title)}</h3>
            <ul class="outline">
                <For each=move || ids.get() key=|id| id.clone() let:id>
                    <CardNode id />
                </For>
            </ul>
            <AddCard parent=side.to_string() testid="add-card" error />
        </section>
    }
}

#[component]
fn AddCard(
    parent: String,
    testid: &'static str,
    error: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let ctx = expect_context::<TreeCtx>();
    let text = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = text.get_untracked();
        if t.trim().is_empty() {
            return;
        }
        text.set(String::new());
        ctx.add(parent.clone(), t, error);
    };
    view! {
        <form class="add-card row" on:submit=add>
            <input data-testid=format!("{testid}-text") aria-label=tr(T::NewCard) placeholder=tr(T::NewCard) bind:value=text />
            <button type="submit" class="secondary" data-testid=testid>{tr(T::Add)}</button>
            {error_line(error)}
        </form>
    }
}

#[component]
fn CardNode(id: String) -> impl IntoView {
    let ctx = expect_context::<TreeCtx>();
    let i18n = use_i18n();
    let card = {
        let id = id.clone();
        Memo::new(move |_| {
            ctx.tree.with(|t| match t {
                Loaded::Ready(t) => t.card(&id).cloned(),
                _ => None,
            })
        })
    };
    let error = RwSignal::new(None::<AppError>);
    let open = RwSignal::new(false);
    // A memo, so a remote edit elsewhere in the tree does not re-diff this card's children.
    let kids = {
        let id = id.clone();
        Memo::new(move |_| children_ids(ctx, &id))
    };
    let text = Signal::derive(move || {
        card.with(|c| c.as_ref().map(|c| c.text.clone()).unwrap_or_default())
    });
    let evidence = Signal::derive(move || {
        card.with(|c| c.as_ref().map(|c| c.evidence.clone()).unwrap_or_default())
    });
    // Possible new parents: either side, or any card but itself and its own cards.
    let targets = {
        let id = id.clone();
        move || {
            ctx.tree.with(|t| match t {
                Loaded::Ready(t) => {
                    let mut v = vec![
                        (EFFECTS.to_string(), i18n.t(T::Effects).to_string()),
                        (CAUSES.to_string(), i18n.t(T::Causes).to_string()),
                    ];
                    v.extend(
                        juntas_core::model::tree_moves::targets(t, &id)
                            .into_iter()
                            .map(|c| (c.id.clone(), c.text.clone())),
                    );
                    v
                }
                _ => Vec::new(),
            })
        }
    };
    let (up_id, down_id, move_id, del_id, root_id) =
        (id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
    let (data_id, child_parent) = (id.clone(), id.clone());
    // One place up or down among its siblings (the first cannot go up, the last down).
    let step = move |id: &str, up: bool| {
        use juntas_core::model::tree_moves;
        let step = ctx.tree.with_untracked(|t| match t {
            Loaded::Ready(t) if up => tree_moves::up(t, id),
            Loaded::Ready(t) => tree_moves::down(t, id),
            _ => None,
        });
        if let Some(m) = step {
            ctx.move_card(m.card, m.parent, m.before, error);
        }
    };
    let up = move |_| step(&up_id, true);
    let down = move |_| step(&down_id, false);
    view! {
        <li class="tree-card" class:root-cause=move || card.with(|c| c.as_ref().is_some_and(|c| c.root_cause)) data-testid="tree-card" data-id=data_id>
            <div class="row">
                {card_box(ctx, id.clone(), false, text, "card-text", T::CardText)}
                <button type="button" class="secondary" data-testid="card-more" aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|o| *o = !*o)>"⋯"</button>
            </div>
            <Show when=move || open.get()>
                <div class="card-tools">
                    <div class="row">
                        <button type="button" class="secondary" data-testid="card-up" on:click=up.clone()>{tr(T::MoveUp)}</button>
                        <button type="button" class="secondary" data-testid="card-down" on:click=down.clone()>{tr(T::MoveDown)}</button>
                        <button type="button" class="danger" data-testid="card-delete" on:click={
                            let del_id = del_id.clone();
                            move |_| {
                                if window().confirm_with_message(i18n.t(T::ConfirmRemoveCard)).unwrap_or(false) {
                                    ctx.delete(del_id.clone(), error);
                                }
                            }
                        }>{tr(T::Remove)}</button>
                    </div>
                    <label class="field">
                        <span class="field-label">{tr(T::MoveUnder)}</span>
                        <select data-testid="card-move" on:change={
                            let move_id = move_id.clone();
                            move |ev| {
                                let target = event_target_value(&ev);
                                if target.is_empty() {
                                    return;
                                }
                                ctx.move_card(move_id.clone(), target, None, error);
                            }
                        }>
                            <option value="">"—"</option>
                            {
                                let targets = targets.clone();
                                move || targets().into_iter().map(|(v, label)| view! { <option value=v>{label}</option> }).collect_view()
                            }
                        </select>
                    </label>
                    <label class="check">
                        <input type="checkbox" data-testid="card-root" prop:checked=move || card.with(|c| c.as_ref().is_some_and(|c| c.root_cause))
                            on:change={
                                let root_id = root_id.clone();
                                move |ev| ctx.set_root_cause(root_id.clone(), event_target_checked(&ev), error)
                            } />
                        <span>{tr(T::RootCause)}</span>
                    </label>
                    <div class="field">
                        <span class="field-label">{tr(T::Evidence)}</span>
                        {card_box(ctx, id.clone(), true, evidence, "card-evidence", T::Evidence)}
                    </div>
                    <AddCard parent=child_parent.clone() testid="add-child" error />
                </div>
            </Show>
            {error_line(error)}
            <ul class="outline">
                <For each=move || kids.get() key=|id| id.clone() let:child>
                    {view! { <CardNode id=child /> }.into_any()}
                </For>
            </ul>
        </li>
    }
}

// ---------------------------------------------------------------------------------------
// Projector view and exports.

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
struct DrawnCard {
    id: String,
    /// x, y, width, height in tenths of a pixel.
    rect: (i64, i64, i64, i64),
    lines: Vec<String>,
    fill: &'static str,
    ink: &'static str,
}

/// The drawing as plain values: cards, edges (in tenths of a pixel), canvas size.
#[derive(Clone, PartialEq)]
struct Drawing {
    cards: Vec<DrawnCard>,
    edges: Vec<(i64, i64, i64, i64)>,
    width: f64,
    height: f64,
}

fn drawing(t: &Tree) -> Drawing {
    use juntas_core::model::tree_layout::{self, Kind};
    let tenth = |v: f64| (v * 10.0).round() as i64;
    let layout = tree_layout::layout(t);
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

#[component]
fn Projector(id: DocumentId) -> impl IntoView {
    let ctx = TreeCtx::open(use_network(), id);
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    let drawn = Memo::new(move |_| match ctx.tree.get() {
        Loaded::Ready(t) => Some(drawing(&t)),
        _ => None,
    });
    let px = |v: i64| v as f64 / 10.0;
    let size = move || drawn.with(|d| d.as_ref().map_or((0.0, 0.0), |d| (d.width, d.height)));
    let card_view = move |c: DrawnCard| {
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
            <g data-testid="svg-card" data-id=c.id>
                <rect x=x y=y width=w height=h rx="10" fill=c.fill stroke="#1f5f8b" stroke-width="2" />
                {texts}
            </g>
        }
    };
    let ready = Memo::new(move |_| drawn.with(|d| d.is_some()));
    let svg = move || {
        ready.get().then(|| view! {
            <svg node_ref=svg_ref xmlns="http://www.w3.org/2000/svg" data-testid="tree-svg"
                width=move || size().0 height=move || size().1
                viewBox=move || { let (w, h) = size(); format!("0 0 {w} {h}") } role="img">
                <rect x="0" y="0" width=move || size().0 height=move || size().1 fill="#f3f6f9" />
                <g>
                    <For each=move || drawn.with(|d| d.as_ref().map(|d| d.edges.clone()).unwrap_or_default()) key=|e| *e let:e>
                        <line x1=px(e.0) y1=px(e.1) x2=px(e.2) y2=px(e.3) stroke="#6b4f2a" stroke-width="4" />
                    </For>
                </g>
                <g>
                    <For each=move || drawn.with(|d| d.as_ref().map(|d| d.cards.clone()).unwrap_or_default()) key=|c| c.clone() children=card_view />
                </g>
            </svg>
        })
    };
    let svg_text = move || svg_ref.get_untracked().map(|s| s.outer_html()).unwrap_or_default();
    let export_svg = move |_| download::bytes("arbol.svg", "image/svg+xml", svg_text().as_bytes());
    let export_text = move |_| {
        if let Loaded::Ready(t) = ctx.tree.get_untracked() {
            download::bytes("arbol.txt", "text/plain;charset=utf-8", t.outline().as_bytes());
        }
    };
    let export_png = move |_| {
        let svg = svg_text();
        let Some(el) = svg_ref.get_untracked() else { return };
        let (w, h) = (
            el.get_attribute("width").and_then(|v| v.parse::<f64>().ok()).unwrap_or(800.0),
            el.get_attribute("height").and_then(|v| v.parse::<f64>().ok()).unwrap_or(600.0),
        );
        png_download(&svg, w as u32, h as u32);
    };
    view! {
        <main class="projector">
            <p class="row no-print">
                <A href=format!("/red/{}/arbol/{id}", ctx.net.id)>{tr(T::BackToOutline)}</A>
                <button class="secondary" data-testid="export-svg" on:click=export_svg>{tr(T::ExportSvg)}</button>
                <button class="secondary" data-testid="export-png" on:click=export_png>{tr(T::ExportPng)}</button>
                <button class="secondary" data-testid="export-text" on:click=export_text>{tr(T::ExportOutline)}</button>
            </p>
            <div class="svg-wrap">{svg}</div>
        </main>
    }
}

/// Draws the SVG into a canvas and downloads it as PNG.
fn png_download(svg: &str, w: u32, h: u32) {
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
            a.set_download("arbol.png");
            a.click();
        }
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_src(&url);
}
