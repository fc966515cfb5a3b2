//! `/red/:id/arbol/:tid`: the outline editor for phones.

use super::*;

#[component]
pub fn TreePage() -> impl IntoView {
    let tid = tree_id();
    move || match tid.get() {
        Some(id) => view! { <TreeEditor id /> }.into_any(),
        None => view! { <crate::pages::not_found::NotFound /> }.into_any(),
    }
}

/// The error line under a form or a card, in the person's words.
pub(super) fn error_line(error: RwSignal<Option<AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="form-error" role="alert">{move || error.get().map(|e| explain(i18n, &e))}</p> }
}

/// A card's text (or evidence) as a collaborative text box: splices, stored at once, sent
/// within a second or on Enter/blur, caret kept on remote edits.
pub(super) fn card_box(
    ctx: TreeCtx,
    card: String,
    evidence: bool,
    value: Signal<String>,
    testid: &'static str,
    label: T,
) -> impl IntoView {
    let i18n = use_i18n();
    let splicer: Splicer = Rc::new(move |edit| {
        let card = card.clone();
        Box::pin(
            async move { ctx.splice(card, evidence, edit).await.map_err(|e| explain(i18n, &e)) },
        )
    });
    view! {
        <PlanText value editable=Signal::derive(|| true) splice=splicer testid=testid.to_string()
            label=i18n.t(label).to_string() rows=1 class="card-text" on_blur=Callback::new(move |_| ctx.flush()) />
    }
}

#[component]
pub(super) fn TreeEditor(id: DocumentId) -> impl IntoView {
    let ctx = TreeCtx::open(use_network(), id, Usage::Edit);
    provide_context(ctx);
    let i18n = use_i18n();
    let ready = Memo::new(move |_| matches!(ctx.tree.get(), Loaded::Ready(_)));
    let problem = Memo::new(move |_| match ctx.tree.get() {
        Loaded::Ready(t) => t.problem,
        _ => String::new(),
    });
    let failed = move || ctx.tree.with(|t| super::unreadable(i18n, t));
    view! {
        <main class="page tree-page">
            <p class="row">
                <A href=format!("/red/{}/arbol", ctx.net.id) attr:class="back">{tr(T::BackToTrees)}</A>
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

pub(super) fn children_ids(ctx: TreeCtx, parent: &str) -> Vec<String> {
    ctx.tree.with(|t| match t {
        Loaded::Ready(t) => t.children_of(parent).into_iter().map(|c| c.id.clone()).collect(),
        _ => Vec::new(),
    })
}

#[component]
pub(super) fn SideBox(side: &'static str) -> impl IntoView {
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
pub(super) fn AddCard(
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
pub(super) fn CardNode(id: String) -> impl IntoView {
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
    // Only its author or a facilitator removes a card (the server refuses anyone else); a
    // device not registered in the network has its own copy and decides alone.
    let may_delete = {
        let id = id.clone();
        Memo::new(move |_| {
            if ctx.net.device.with(Option::is_none) {
                return true;
            }
            let by = card.with(|c| c.as_ref().map(|c| c.by.clone()).unwrap_or_default());
            let me = crate::state::plan::PlanCtx::me_of(ctx.net).get();
            let authors = std::collections::BTreeMap::from([(id.clone(), by)]);
            let facts = juntas_core::rules::Facts::Tree { authors };
            let effect = juntas_core::rules::Effect::put(["cards", id.as_str(), "deleted"], None);
            juntas_core::rules::may(me.who().as_ref(), &facts, effect).is_ok()
        })
    };
    let up = move |_| step(&up_id, true);
    let down = move |_| step(&down_id, false);
    view! {
        <li class="tree-card" class:root-cause=move || card.with(|c| c.as_ref().is_some_and(|c| c.root_cause)) data-testid="tree-card" data-id=data_id>
            <div class="row">
                {card_box(ctx, id.clone(), false, text, "card-text", T::CardText)}
                <button type="button" class="secondary" data-testid="card-more" aria-expanded=move || open.get().to_string()
                    aria-label=move || format!("{}: {}", i18n.t(T::CardTools), text.get())
                    on:click=move |_| open.update(|o| *o = !*o)>"⋯"</button>
            </div>
            <Show when=move || open.get()>
                <div class="card-tools">
                    <div class="row">
                        <button type="button" class="secondary" data-testid="card-up" on:click=up.clone()>{tr(T::MoveUp)}</button>
                        <button type="button" class="secondary" data-testid="card-down" on:click=down.clone()>{tr(T::MoveDown)}</button>
                        {
                            let del_id = del_id.clone();
                            move || may_delete.get().then(|| {
                                let del_id = del_id.clone();
                                view! {
                                    <button type="button" class="danger" data-testid="card-delete" on:click=move |_| {
                                        if window().confirm_with_message(i18n.t(T::ConfirmRemoveCard)).unwrap_or(false) {
                                            ctx.delete(del_id.clone(), error);
                                        }
                                    }>{tr(T::Remove)}</button>
                                }
                            })
                        }
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
