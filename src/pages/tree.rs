//! `/red/:id/arbol/…`: problem trees for workshops — the list and "Nuevo árbol", the outline
//! editor for phones (add, edit, reorder, move, delete, evidence, causa raíz) and the
//! projector view (an SVG drawing: effects above the trunk, causes below) with SVG, PNG and
//! text export.

use std::{cell::RefCell, rc::Rc, str::FromStr};

use juntas_core::{
    DocumentId,
    automerge::AutoCommit,
    model::{
        history::Stamp,
        network::Command,
        text::edit_between,
        tree::{self, CAUSES, EFFECTS, Tree, TreeError},
    },
};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map},
};
use wasm_bindgen::JsCast;

use crate::{
    download,
    i18n::{T, tr, use_i18n},
    repo::{Repo, new_entry_id, now_ms, random_bytes},
    state::{
        network::{NetworkState, SaveState, use_network},
        plan::Loaded,
        use_repo,
    },
    sync::use_sync,
};

/// One open tree: its plain data and the commands on it.
#[derive(Clone, Copy)]
struct TreeCtx {
    net: NetworkState,
    id: DocumentId,
    tree: RwSignal<Loaded<Tree>>,
    repo: StoredValue<Rc<Repo>, LocalStorage>,
    node: StoredValue<Rc<crate::sync::SyncNode>, LocalStorage>,
    /// Re-reads only the cards a change touched (a remote edit costs one card, not 300).
    reader: StoredValue<Rc<RefCell<tree::Reader>>, LocalStorage>,
    i18n: crate::i18n::I18n,
}

impl TreeCtx {
    fn open(id: DocumentId) -> TreeCtx {
        let sync = use_sync();
        let ctx = TreeCtx {
            net: use_network(),
            id,
            tree: RwSignal::new(Loaded::Loading),
            repo: StoredValue::new_local(use_repo()),
            node: StoredValue::new_local(sync.node()),
            reader: StoredValue::new_local(Rc::default()),
            i18n: use_i18n(),
        };
        sync.node().want(id);
        ctx.reload();
        Effect::new(move |_| {
            if sync.changed.get().1 == Some(id) {
                ctx.reload();
            }
        });
        ctx
    }

    fn reload(self) {
        let (repo, reader) = (self.repo.get_value(), self.reader.get_value());
        spawn_local(async move {
            let got = repo
                .read(self.id, |d| {
                    if d.get_heads().is_empty() { None } else { Some(reader.borrow_mut().read(d)) }
                })
                .await;
            self.tree.set(match got {
                Ok(None) => Loaded::Missing,
                Ok(Some(Ok(t))) => Loaded::Ready(t),
                Ok(Some(Err(e))) => Loaded::Failed(e.to_string()),
                Err(e) => Loaded::Failed(e.to_string()),
            });
        });
    }

    /// Runs a command, saves it, sends it and re-reads the tree.
    async fn run(
        self,
        f: impl FnOnce(&mut AutoCommit, &Stamp) -> Result<(), TreeError>,
    ) -> Result<(), String> {
        let repo = self.repo.get_value();
        let stamp = Stamp::new(&self.net.me.get_untracked().unwrap_or_default(), now_ms());
        repo.read(self.id, |d| f(d, &stamp)).await.map_err(|e| e.to_string())?.map_err(
            |e| match e {
                TreeError::WouldCycle => self.i18n.t(T::ErrTreeCycle).to_string(),
                TreeError::EmptyText => self.i18n.t(T::ErrCardText).to_string(),
                other => other.to_string(),
            },
        )?;
        self.net.save.set(SaveState::Saving);
        // A failure is recorded by the repo and shown by settle().
        let _ = repo.save(self.id).await;
        self.net.settle();
        self.node.get_value().local_change(self.id).await;
        self.reload();
        Ok(())
    }

    fn spawn(
        self,
        error: RwSignal<Option<String>>,
        f: impl FnOnce(&mut AutoCommit, &Stamp) -> Result<(), TreeError> + 'static,
    ) {
        spawn_local(async move { error.set(self.run(f).await.err()) });
    }

    /// Replaces a card's text (or evidence) with `new` by one splice.
    fn set_text(
        self,
        card: String,
        evidence: bool,
        old: String,
        new: String,
        error: RwSignal<Option<String>>,
    ) {
        if let Some((at, delete, insert)) = edit_between(&old, &new) {
            self.spawn(error, move |d, s| {
                tree::splice(d, &card, evidence, at, delete, &insert, s).map(|_| ())
            });
        }
    }
}

fn tree_id() -> Memo<Option<DocumentId>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("tid").and_then(|s| DocumentId::from_str(&s).ok()))
}

// ---------------------------------------------------------------------------------------

#[component]
pub fn TreeHome() -> impl IntoView {
    let net = use_network();
    let repo = StoredValue::new_local(use_repo());
    let node = StoredValue::new_local(use_sync().node());
    let i18n = use_i18n();
    let problem = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let ids = move || {
        net.network.with(|n| {
            n.trees.keys().filter_map(|k| k.parse::<DocumentId>().ok()).collect::<Vec<_>>()
        })
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = problem.get_untracked();
        let navigate = navigate.clone();
        let repo = repo.get_value();
        spawn_local(async move {
            let id = DocumentId::from_bytes(random_bytes());
            let stamp = Stamp::new(&net.me.get_untracked().unwrap_or_default(), now_ms());
            let network = net.id.to_string();
            let made = repo.read(id, |d| tree::create(d, &network, &text, &stamp)).await;
            match made {
                Ok(Ok(())) => {
                    if let Err(e) = repo.save(id).await {
                        error.set(Some(e.to_string()));
                        return;
                    }
                    if let Err(e) = net.run(Command::ListTree { id: id.to_string() }).await {
                        error.set(Some(e.to_string()));
                        return;
                    }
                    node.get_value().want(id);
                    navigate(&format!("/red/{}/arbol/{id}", net.id), Default::default());
                }
                Ok(Err(TreeError::EmptyText)) => {
                    error.set(Some(i18n.t(T::ErrCardText).to_string()))
                }
                Ok(Err(e)) => error.set(Some(e.to_string())),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <main class="page">
            <h2>{tr(T::Trees)}</h2>
            <ul class="cards">
                <For each=ids key=|id| *id let:id>
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
    let ctx = TreeCtx::open(id);
    let net = ctx.net.id;
    view! {
        <li class="card">
            <A href=format!("/red/{net}/arbol/{id}") attr:data-testid="tree-open">
                {move || match ctx.tree.get() { Loaded::Ready(t) => t.problem, _ => "…".to_string() }}
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

#[component]
fn TreeEditor(id: DocumentId) -> impl IntoView {
    let ctx = TreeCtx::open(id);
    provide_context(ctx);
    let ready = Memo::new(move |_| matches!(ctx.tree.get(), Loaded::Ready(_)));
    let problem = Memo::new(move |_| match ctx.tree.get() {
        Loaded::Ready(t) => t.problem,
        _ => String::new(),
    });
    let error = RwSignal::new(None::<String>);
    view! {
        <main class="page tree-page">
            <p class="row">
                <A href=format!("/red/{}/arbol", ctx.net.id)>{tr(T::BackToTrees)}</A>
                <A href=format!("/red/{}/arbol/{id}/proyector", ctx.net.id) attr:class="button secondary" attr:data-testid="tree-projector">{tr(T::Projector)}</A>
            </p>
            <Show when=move || ready.get() fallback=|| view! { <p>{tr(T::Loading)}</p> }>
                <label class="field">
                    <span class="field-label">{tr(T::CentralProblem)}</span>
                    <input data-testid="tree-problem-text" prop:value=move || problem.get() on:change=move |ev| {
                        let new = event_target_value(&ev);
                        ctx.set_text(tree::PROBLEM.to_string(), false, problem.get_untracked(), new, error);
                    } />
                </label>
                <p class="form-error" role="alert">{move || error.get()}</p>
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
    let error = RwSignal::new(None::<String>);
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
fn AddCard(parent: String, testid: &'static str, error: RwSignal<Option<String>>) -> impl IntoView {
    let ctx = expect_context::<TreeCtx>();
    let text = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = text.get_untracked();
        if t.trim().is_empty() {
            return;
        }
        text.set(String::new());
        let (parent, id) = (parent.clone(), new_entry_id());
        ctx.spawn(error, move |d, s| tree::add(d, &id, &parent, None, t.trim(), s));
    };
    view! {
        <form class="add-card row" on:submit=add>
            <input data-testid=format!("{testid}-text") aria-label=tr(T::NewCard) placeholder=tr(T::NewCard) bind:value=text />
            <button type="submit" class="secondary" data-testid=testid>{tr(T::Add)}</button>
            <p class="form-error" role="alert">{move || error.get()}</p>
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
    let error = RwSignal::new(None::<String>);
    let open = RwSignal::new(false);
    // A memo, so a remote edit elsewhere in the tree does not re-diff this card's children.
    let kids = {
        let id = id.clone();
        Memo::new(move |_| children_ids(ctx, &id))
    };
    let text = move || card.with(|c| c.as_ref().map(|c| c.text.clone()).unwrap_or_default());
    let evidence =
        move || card.with(|c| c.as_ref().map(|c| c.evidence.clone()).unwrap_or_default());
    // Siblings for reordering; possible new parents (not itself nor its own cards).
    let siblings = {
        let id = id.clone();
        move || {
            ctx.tree.with(|t| match t {
                Loaded::Ready(t) => t
                    .card(&id)
                    .map(|c| {
                        t.children_of(&c.parent)
                            .into_iter()
                            .map(|s| s.id.clone())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            })
        }
    };
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
                        t.cards
                            .values()
                            .filter(|c| c.id != id && !t.ancestors(&c.id).contains(&id))
                            .map(|c| (c.id.clone(), c.text.clone())),
                    );
                    v
                }
                _ => Vec::new(),
            })
        }
    };
    let (up_id, down_id, move_id, del_id, root_id, text_id, ev_id) =
        (id.clone(), id.clone(), id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
    let (data_id, child_parent) = (id.clone(), id.clone());
    let up = {
        let siblings = siblings.clone();
        move |_| {
            let s = siblings();
            let Some(i) = s.iter().position(|x| *x == up_id) else { return };
            if i == 0 {
                return;
            }
            let (cid, before) = (up_id.clone(), s[i - 1].clone());
            let parent =
                card.with_untracked(|c| c.as_ref().map(|c| c.parent.clone())).unwrap_or_default();
            ctx.spawn(error, move |d, st| tree::move_card(d, &cid, &parent, Some(&before), st));
        }
    };
    let down = move |_| {
        let s = siblings();
        let Some(i) = s.iter().position(|x| *x == down_id) else { return };
        if i + 1 >= s.len() {
            return;
        }
        let cid = down_id.clone();
        let before = s.get(i + 2).cloned();
        let parent =
            card.with_untracked(|c| c.as_ref().map(|c| c.parent.clone())).unwrap_or_default();
        ctx.spawn(error, move |d, st| tree::move_card(d, &cid, &parent, before.as_deref(), st));
    };
    view! {
        <li class="tree-card" class:root-cause=move || card.with(|c| c.as_ref().is_some_and(|c| c.root_cause)) data-testid="tree-card" data-id=data_id>
            <div class="row">
                <input class="card-text" data-testid="card-text" aria-label=tr(T::CardText) prop:value=text on:change=move |ev| {
                    let new = event_target_value(&ev);
                    ctx.set_text(text_id.clone(), false, text(), new, error);
                } />
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
                                    let cid = del_id.clone();
                                    ctx.spawn(error, move |d, s| tree::delete(d, &cid, s));
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
                                let cid = move_id.clone();
                                ctx.spawn(error, move |d, s| tree::move_card(d, &cid, &target, None, s));
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
                                move |ev| {
                                    let on = event_target_checked(&ev);
                                    let cid = root_id.clone();
                                    ctx.spawn(error, move |d, s| tree::set_root_cause(d, &cid, on, s));
                                }
                            } />
                        <span>{tr(T::RootCause)}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{tr(T::Evidence)}</span>
                        <input data-testid="card-evidence" prop:value=evidence on:change={
                            let ev_id = ev_id.clone();
                            move |e| {
                                let new = event_target_value(&e);
                                ctx.set_text(ev_id.clone(), true, evidence(), new, error);
                            }
                        } />
                    </label>
                    <AddCard parent=child_parent.clone() testid="add-child" error />
                </div>
            </Show>
            <p class="form-error" role="alert">{move || error.get()}</p>
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

const CARD_W: f64 = 220.0;
const GAP_X: f64 = 24.0;
const ROW_H: f64 = 130.0;
const LINE_H: f64 = 22.0;
const CHARS_PER_LINE: usize = 20;

/// Words wrapped into lines of at most `CHARS_PER_LINE` characters (long words are cut).
fn wrap(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > CHARS_PER_LINE {
            let head: String = word.chars().take(CHARS_PER_LINE).collect();
            word = word.chars().skip(CHARS_PER_LINE).collect();
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            lines.push(head);
        }
        if cur.is_empty() {
            cur = word;
        } else if cur.chars().count() + 1 + word.chars().count() <= CHARS_PER_LINE {
            cur.push(' ');
            cur.push_str(&word);
        } else {
            lines.push(std::mem::replace(&mut cur, word));
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

struct Placed {
    id: String,
    x: f64,
    y: f64,
    lines: Vec<String>,
    root: bool,
}

fn height(lines: usize) -> f64 {
    lines as f64 * LINE_H + 16.0
}

/// Width a subtree needs.
fn span(t: &Tree, id: &str) -> f64 {
    let kids = t.children_of(id);
    if kids.is_empty() {
        return CARD_W;
    }
    let sum: f64 =
        kids.iter().map(|k| span(t, &k.id)).sum::<f64>() + GAP_X * (kids.len() - 1) as f64;
    sum.max(CARD_W)
}

/// Places `parent`'s children from `left`, one row further from the trunk each level
/// (`dir` = -1 upwards for effects, +1 downwards for causes).
fn place(
    t: &Tree,
    parent: &str,
    left: f64,
    depth: f64,
    dir: f64,
    mid: f64,
    drawn: &mut (Vec<Placed>, Vec<(String, String)>),
) {
    let mut x = left;
    for c in t.children_of(parent) {
        let w = span(t, &c.id);
        let cx = x + w / 2.0;
        drawn.0.push(Placed {
            id: c.id.clone(),
            x: cx - CARD_W / 2.0,
            y: mid + dir * depth * ROW_H,
            lines: wrap(&c.text),
            root: c.root_cause,
        });
        let from = if parent == CAUSES || parent == EFFECTS { tree::PROBLEM } else { parent };
        drawn.1.push((from.to_string(), c.id.clone()));
        place(t, &c.id, x, depth + 1.0, dir, mid, drawn);
        x += w + GAP_X;
    }
}

/// The drawing: every card placed, the edges between them, the canvas size.
fn layout(t: &Tree) -> (Vec<Placed>, Vec<(String, String)>, f64, f64) {
    let depth = |side: &str| {
        fn d(t: &Tree, p: &str) -> usize {
            t.children_of(p).iter().map(|c| 1 + d(t, &c.id)).max().unwrap_or(0)
        }
        d(t, side) as f64
    };
    let (up, down) = (depth(EFFECTS), depth(CAUSES));
    let width = span(t, EFFECTS).max(span(t, CAUSES)).max(CARD_W * 1.5) + 2.0 * GAP_X;
    let mid = 40.0 + up * ROW_H;
    let mut drawn = (Vec::new(), Vec::new());
    place(t, EFFECTS, (width - span(t, EFFECTS)) / 2.0, 1.0, -1.0, mid, &mut drawn);
    place(t, CAUSES, (width - span(t, CAUSES)) / 2.0, 1.0, 1.0, mid, &mut drawn);
    let (mut out, edges) = drawn;
    out.push(Placed {
        id: tree::PROBLEM.to_string(),
        x: width / 2.0 - CARD_W * 0.75,
        y: mid,
        lines: wrap(&t.problem),
        root: false,
    });
    let height_px = mid + down * ROW_H + ROW_H;
    (out, edges, width, height_px)
}

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
    let tenth = |v: f64| (v * 10.0).round() as i64;
    let (placed, edges, width, height_px) = layout(t);
    let cards: Vec<DrawnCard> = placed
        .into_iter()
        .map(|c| {
            let problem = c.id == tree::PROBLEM;
            let cw = if problem { CARD_W * 1.5 } else { CARD_W };
            DrawnCard {
                rect: (tenth(c.x), tenth(c.y), tenth(cw), tenth(height(c.lines.len()))),
                fill: if problem {
                    "#a4282c"
                } else if c.root {
                    "#f2c14e"
                } else {
                    "#ffffff"
                },
                ink: if problem { "#ffffff" } else { "#1d2733" },
                id: c.id,
                lines: c.lines,
            }
        })
        .collect();
    let centre: std::collections::HashMap<&str, (i64, i64)> = cards
        .iter()
        .map(|c| (c.id.as_str(), (c.rect.0 + c.rect.2 / 2, c.rect.1 + c.rect.3 / 2)))
        .collect();
    let edges = edges
        .iter()
        .filter_map(|(a, b)| {
            let ((x1, y1), (x2, y2)) = (centre.get(a.as_str())?, centre.get(b.as_str())?);
            Some((*x1, *y1, *x2, *y2))
        })
        .collect();
    Drawing { cards, edges, width, height: height_px }
}

#[component]
fn Projector(id: DocumentId) -> impl IntoView {
    let ctx = TreeCtx::open(id);
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
                <text x=x + w / 2.0 y=y + 8.0 + LINE_H * (i as f64 + 0.8) text-anchor="middle" font-size="18" font-family="sans-serif" fill=c.ink>{l}</text>
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
