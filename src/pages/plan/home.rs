//! `/red/:id/plan`: the plan's home — sections, commissions, "Mis secciones", the template.

use super::*;

#[component]
pub fn PlanHome() -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let me = ctx.me();
    let creating = RwSignal::new(None::<String>);
    // Rebuilt only when the plan appears or fails, not on every edit.
    let common_phase = Memo::new(move |_| match &*ctx.common.read() {
        Loaded::Loading => Loaded::Loading,
        Loaded::Missing => Loaded::Missing,
        Loaded::Failed(e) => Loaded::Failed(e.clone()),
        Loaded::Ready(_) => Loaded::Ready(()),
    });
    let create = move |_| {
        spawn_local(async move {
            if let Err(e) = ctx.create_common().await {
                creating.set(Some(explain(i18n, &e)));
            }
        });
    };
    view! {
        <main class="page">
            <div class="row plan-head">
                <h2 data-testid="plan-title">{tr(T::PlanTitle)} " " {ctx.year}</h2>
                <YearPicker />
            </div>
            {move || match common_phase.get() {
                Loaded::Loading => view! { <p>{tr(T::Loading)}</p> }.into_any(),
                Loaded::Missing => view! {
                    <div class="empty" data-testid="plan-missing">
                        <p>{tr(T::PlanNotStarted)}</p>
                        <Show when=move || me.with(|m| m.is(Role::Facilitator))
                            fallback=|| view! { <p class="muted">{tr(T::PlanFacilitatorStarts)}</p> }>
                            <button class="primary" data-testid="plan-create" on:click=create>{tr(T::PlanCreate)}</button>
                        </Show>
                        <p class="form-error" role="alert">{move || creating.get()}</p>
                    </div>
                }.into_any(),
                Loaded::Failed(e) => view! { <div class="alert" role="alert" data-testid="plan-error">{explain(i18n, &e)}</div> }.into_any(),
                Loaded::Ready(_) => view! { <PlanSections /> }.into_any(),
            }}
        </main>
    }
}

#[component]
pub(super) fn PlanSections() -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let me = ctx.me();
    // "Mis secciones": her choice once she makes one; until then it is on only when her
    // commissions have sections (a commission whose sections are not assigned yet would see an
    // empty plan). A change of person forgets the choice.
    let chosen = RwSignal::new(None::<bool>);
    let person = Memo::new(move |_| ctx.net.me.get());
    Effect::new(move |prev: Option<Option<String>>| {
        let now = person.get();
        if prev.is_some_and(|p| p != now) {
            chosen.set(None);
        }
        now
    });
    let plan = Memo::new(move |_| match ctx.common.get() {
        Loaded::Ready(p) => p,
        _ => CommonPlan {
            network_id: String::new(),
            year: ctx.year,
            updated_at: 0,
            sections: Vec::new(),
        },
    });
    let has_mine = Memo::new(move |_| {
        me.with(|me| {
            plan.with(|p| {
                p.sections
                    .iter()
                    .any(|s| s.commission.as_deref().is_some_and(|c| me.commissions.contains(c)))
            })
        })
    });
    let only_mine = move || chosen.get().unwrap_or_else(|| has_mine.get());
    let ids = move || {
        let me = me.get();
        let only_mine = only_mine();
        plan.with(|p| {
            p.sections
                .iter()
                .filter(|s| {
                    !only_mine
                        || s.commission.as_deref().is_some_and(|c| me.commissions.contains(c))
                })
                .map(|s| s.def.id.clone())
                .collect::<Vec<_>>()
        })
    };
    view! {
        <nav class="row plan-links">
            {move || me.get().centre().map(|c| view! {
                <A href=format!("centro/{c}") attr:data-testid="my-centre-plan" attr:class="button primary">{tr(T::MyCentrePlan)}</A>
            })}
            <A href="revision" attr:data-testid="plan-review-table" attr:class="button secondary">{tr(T::ReviewTable)}</A>
        </nav>
        <label class="check">
            <input type="checkbox" data-testid="only-mine" prop:checked=only_mine
                on:change=move |ev| chosen.set(Some(event_target_checked(&ev))) />
            <span>{tr(T::MySections)}</span>
        </label>
        <Show when=move || only_mine() && ids().is_empty()>
            <p class="empty" data-testid="no-sections-mine">{move || i18n.t(if me.with(|m| m.commissions.is_empty()) { T::NoCommissionsMine } else { T::NoSectionsMine })}</p>
        </Show>
        <ul class="cards">
            <For each=ids key=|id| id.clone() let:id>
                <SectionRow id plan />
            </For>
        </ul>
        <Show when=move || me.with(|m| m.is(Role::Facilitator))>
            <AddSection plan />
        </Show>
        <HistoryBox track=move || { plan.track(); ctx.track_common() } load=move || ctx.common_history() subject=section_subject() />
    }
}

#[component]
pub(super) fn SectionRow(id: String, plan: Memo<CommonPlan>) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let me = ctx.me();
    let section = {
        let id = id.clone();
        Memo::new(move |_| plan.with(|p| p.section(&id).cloned()))
    };
    let error = RwSignal::new(None::<String>);
    // A memo: the card is drawn again when the commissions change, not at every re-read of
    // the network (a sync, a signature), which would redraw every section of the plan.
    let commissions = Memo::new(move |_| {
        ctx.net.network.with(|n| {
            n.commissions_sorted()
                .into_iter()
                .map(|(id, c)| (id.clone(), c.name.clone()))
                .collect::<Vec<_>>()
        })
    });
    let assign_id = id.clone();
    // The box shows the section's commission as the plan has it, set as its value in the
    // frame after every redraw of the card. Its options' `selected` alone are not enough: a
    // redraw with the plan as it was before her choice landed (another change to the card
    // meanwhile) puts back a selected "Sin comisión" option, which the browser picks, and the
    // option she chose, once touched, no longer follows its attribute: the box stayed on
    // "Sin comisión" with her choice saved (a members journey, 1 run in ~10).
    let select = NodeRef::<leptos::html::Select>::new();
    Effect::new(move || {
        let chosen = section.with(|s| s.as_ref().and_then(|s| s.commission.clone()));
        commissions.track();
        select.track();
        request_animation_frame(move || {
            // The card may have gone in the meantime (the section removed, the page left):
            // its node ref is then disposed, and reading it would panic.
            if let Some(el) = select.try_get_untracked().flatten() {
                el.set_value(chosen.as_deref().unwrap_or(""));
            }
        });
    });
    view! {
        <li class="card" data-testid="plan-section" data-id=id.clone()>
            {move || section.get().map(|s| {
                let commission = s.commission.clone();
                let commission_label =
                    format!("{} · {} {}", i18n.t(T::Commission), s.def.code, s.def.title);
                let conflicts = conflict_notes(&s, me);
                view! {
                    <div class="card-head">
                        <div>
                            <h3><A href=format!("seccion/{}", s.def.id) attr:class="section-link" attr:data-testid="open-section">{s.def.code.clone()} " " {s.def.title.clone()}</A></h3>
                            <p class="muted">
                                {tr(scope_text(s.def.scope))}
                                {s.def.scope.has_common_text().then(|| view! {
                                    " · " <span data-testid="section-status">{tr(status_text(s.status))}</span>
                                })}
                            </p>
                            {conflicts}
                        </div>
                        {s.def.scope.has_common_text().then(|| {
                            let assign_id = assign_id.clone();
                            view! {
                            <label class="field">
                                <span class="field-label">{tr(T::Commission)}</span>
                                <select node_ref=select data-testid="section-commission" disabled=move || !me.with(|m| m.is(Role::Facilitator))
                                    aria-label=commission_label.clone()
                                    on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        let section = assign_id.clone();
                                        spawn_local(async move {
                                            error.set(ctx.assign(section, (!v.is_empty()).then_some(v)).await.err().map(|e| explain(i18n, &e)));
                                        });
                                    }>
                                    <option value="" selected=commission.is_none()>{tr(T::NoCommission)}</option>
                                    {commissions.get().into_iter().map(|(cid, name)| {
                                        let selected = commission.as_deref() == Some(cid.as_str());
                                        view! { <option value=cid selected=selected>{name}</option> }
                                    }).collect_view()}
                                </select>
                            </label>
                        }})}
                    </div>
                }
            })}
            <p class="form-error" role="alert">{move || error.get()}</p>
        </li>
    }
}

#[component]
pub(super) fn AddSection(plan: Memo<CommonPlan>) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let code = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let scope = RwSignal::new(Scope::Common.as_str().to_string());
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut id = code.get().trim().to_string();
        if plan.with(|p| p.section(&id).is_some()) {
            id = format!("{id}-{}", crate::repo::new_entry_id());
        }
        let def = SectionDef {
            id,
            code: code.get().trim().to_string(),
            title: title.get(),
            prompt: String::new(),
            scope: Scope::parse(&scope.get()).unwrap_or(Scope::Common),
            required: true,
        };
        spawn_local(async move {
            match ctx.put_def(def).await {
                Ok(()) => {
                    code.set(String::new());
                    title.set(String::new());
                    error.set(None);
                }
                Err(e) => error.set(Some(explain(i18n, &e))),
            }
        });
    };
    view! {
        <form class="add-row" on:submit=add>
            <label class="field narrow">
                <span class="field-label">{tr(T::SectionCode)}</span>
                <input data-testid="new-section-code" required bind:value=code />
            </label>
            <label class="field">
                <span class="field-label">{tr(T::SectionTitle)}</span>
                <input data-testid="new-section-title" required bind:value=title />
            </label>
            <ScopeSelect value=scope testid="new-section-scope" />
            <button type="submit" class="secondary" data-testid="add-section">{tr(T::AddSection)}</button>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </form>
    }
}

#[component]
pub(super) fn ScopeSelect(value: RwSignal<String>, testid: &'static str) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field-label">{tr(T::Scope)}</span>
            <select data-testid=testid on:change=move |ev| value.set(event_target_value(&ev))>
                {[Scope::Common, Scope::PerCentre, Scope::CommonWithLocal].into_iter().map(|s| view! {
                    <option value=s.as_str() selected=move || value.get() == s.as_str()>{tr(scope_text(s))}</option>
                }).collect_view()}
            </select>
        </label>
    }
}
