//! `/red/:id/arbol`: the network's problem trees and "Nuevo árbol".

use super::*;

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
pub(super) fn TreeLine(id: DocumentId) -> impl IntoView {
    let ctx = TreeCtx::open(use_network(), id, Usage::Show);
    let i18n = use_i18n();
    let net = ctx.net.id;
    view! {
        <li class="card">
            <A href=format!("/red/{net}/arbol/{id}") attr:data-testid="tree-open">
                // A tree that cannot be read is listed with why, not left out.
                {move || crate::pages::line_text(i18n, ctx.net.id, ctx.tree.get(), |t| t.problem)}
            </A>
        </li>
    }
}
