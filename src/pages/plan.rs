//! `/red/:id/plan/…`: the year's operating plan — the sections and their commissions
//! ("Mis secciones"), a common section's editor, a centre's plan ("Plan de mi jardín") with
//! adoption, delivery and the SLEP's review, the SLEP's table of centres, and the print view.

use juntas_core::model::{
    centre_plan::{CentreError, SectionView},
    diff::Part,
    history::Group,
    network::Role,
    plan::{CommonPlan, Conflict, Scope, SectionDef, Status},
    review::{Action, PlanState},
};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::{A, Outlet},
    hooks::use_params_map,
};

use crate::{
    components::{Comments, HistoryBox, PlanText, Subject},
    error::{AppError, explain},
    i18n::{T, tr, use_i18n},
    local,
    pages::network::format_time,
    state::{
        network::use_network,
        plan::{CentreData, CentreRow, Loaded, Me, PlanCtx, current_year, plan_years, use_plan},
    },
};

#[component]
pub fn PlanShell() -> impl IntoView {
    let net = use_network();
    let year = RwSignal::new(local::plan_year(&net.id.to_string()).unwrap_or_else(current_year));
    provide_context(PlanYear(year));
    // A new year is a new set of documents: the plan state and the pages under it start over.
    move || {
        let year = year.get();
        // Only the year re-opens the plan: nothing `open` reads may subscribe this closure.
        provide_context(untrack(|| PlanCtx::open(net, year)));
        view! { <div class="plan"><Outlet /></div> }
    }
}

/// The year whose plan the plan pages show (chosen on the plan's first page, kept per device).
#[derive(Clone, Copy)]
struct PlanYear(RwSignal<i64>);

/// "Año": the plan of another year (next year's is written in November).
#[component]
fn YearPicker() -> impl IntoView {
    let ctx = use_plan();
    let PlanYear(year) = expect_context::<PlanYear>();
    let net = ctx.net;
    let pick = move |ev: leptos::ev::Event| {
        if let Ok(y) = event_target_value(&ev).parse::<i64>() {
            if let Err(e) = local::set_plan_year(&net.id.to_string(), y) {
                leptos::logging::warn!("the chosen year is not remembered: {e}");
            }
            year.set(y);
        }
    };
    view! {
        <label class="field inline">
            <span class="field-label">{tr(T::Year)}</span>
            <select data-testid="plan-year" on:change=pick>
                {move || plan_years(net).into_iter().map(|y| view! {
                    <option value=y.to_string() selected=y == ctx.year>{y}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

pub fn state_text(s: PlanState) -> T {
    match s {
        PlanState::Draft => T::StateDraft,
        PlanState::Submitted => T::StateSubmitted,
        PlanState::HasIssues => T::StateHasIssues,
        PlanState::Resubmitted => T::StateResubmitted,
        PlanState::Approved => T::StateApproved,
    }
}

fn status_text(s: Status) -> T {
    match s {
        Status::Drafting => T::StatusDrafting,
        Status::ReadyForReview => T::StatusReady,
        Status::Agreed => T::StatusAgreed,
    }
}

fn scope_text(s: Scope) -> T {
    match s {
        Scope::Common => T::ScopeCommon,
        Scope::PerCentre => T::ScopePerCentre,
        Scope::CommonWithLocal => T::ScopeCommonLocal,
    }
}

fn member_name(ctx: PlanCtx, id: &str) -> String {
    ctx.net
        .network
        .with(|n| n.members.get(id).map(|m| m.name.clone()))
        .unwrap_or_else(|| if id.is_empty() { "—".to_string() } else { id.to_string() })
}

fn commission_name(ctx: PlanCtx, id: &str) -> String {
    ctx.net.network.with(|n| n.commissions.get(id).map(|c| c.name.clone())).unwrap_or_default()
}

/// One note per field two people set at once on `section` (see [`ConflictNote`]).
fn conflict_notes(
    section: &juntas_core::model::plan::Section,
    me: Signal<Me>,
) -> impl IntoView + use<> {
    let commission = section.commission.clone();
    section
        .conflicts
        .iter()
        .map(|c| {
            let may = match c.field {
                "status" => {
                    let commission = commission.clone();
                    Signal::derive(move || me.with(|m| can_edit_common(m, commission.as_deref())))
                }
                _ => Signal::derive(move || me.with(|m| m.is(Role::Facilitator))),
            };
            view! { <ConflictNote section=section.def.id.clone() conflict=c.clone() may_decide=may /> }
        })
        .collect_view()
}

/// Says that two people set a section's status or commission at once, which value every
/// device kept and what the other person chose; whoever may change the field can confirm
/// the kept value, which settles it everywhere.
#[component]
fn ConflictNote(section: String, conflict: Conflict, may_decide: Signal<bool>) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let is_status = conflict.field == "status";
    let shown = move |v: &str| {
        if is_status {
            Status::parse(v)
                .map(|st| i18n.t(status_text(st)).to_string())
                .unwrap_or_else(|| v.to_string())
        } else if v.is_empty() {
            i18n.t(T::NoCommission).to_string()
        } else {
            commission_name(ctx, v)
        }
    };
    let others = conflict.others.iter().map(|v| shown(v)).collect::<Vec<_>>().join(", ");
    let kept_shown = shown(&conflict.kept);
    let field = if is_status { T::Status } else { T::Commission };
    let error = RwSignal::new(None::<String>);
    let kept = conflict.kept;
    let confirm = move |_| {
        let (section, kept) = (section.clone(), kept.clone());
        spawn_local(async move {
            let done = if is_status {
                match Status::parse(&kept) {
                    Some(st) => ctx.set_status(section, st).await.map_err(|e| explain(i18n, &e)),
                    None => Err(i18n.t(T::ConflictUnknownValue).to_string()),
                }
            } else {
                ctx.assign(section, (!kept.is_empty()).then_some(kept))
                    .await
                    .map_err(|e| explain(i18n, &e))
            };
            error.set(done.err());
        });
    };
    view! {
        <p class="conflict" data-testid="section-conflict">
            {tr(field)} ": " {tr(T::ConflictKept)} " «" {kept_shown} "»; " {tr(T::ConflictOther)} " «" {others} "». "
            <Show when=move || may_decide.get()>
                <button type="button" class="link" data-testid="conflict-confirm" on:click=confirm.clone()>
                    {tr(T::ConflictConfirm)}
                </button>
            </Show>
            <span class="field-error" role="alert">{move || error.get()}</span>
        </p>
    }
}

/// Whether `me` may write a common section owned by `commission`.
fn can_edit_common(me: &Me, commission: Option<&str>) -> bool {
    me.is(Role::Facilitator) || commission.is_some_and(|c| me.commissions.contains(c))
}

/// A word diff as `<ins>`/`<del>` runs.
fn diff_view(parts: Vec<Part>) -> impl IntoView {
    parts
        .into_iter()
        .map(|p| match p {
            Part::Same(t) => view! { <span>{t}</span> }.into_any(),
            Part::Added(t) => view! { <ins>{t}</ins> }.into_any(),
            Part::Removed(t) => view! { <del>{t}</del> }.into_any(),
        })
        .collect_view()
}

/// Text with its line breaks kept (read-only prose).
fn prose(text: String, testid: &'static str) -> impl IntoView {
    view! { <div class="prose" data-testid=testid>{text}</div> }
}

/// History lines of a plan name the section they are about.
fn section_subject() -> Subject {
    std::rc::Rc::new(|_, g: &Group| {
        (!g.first.section.is_empty()).then(|| format!(" · {}", g.first.section))
    })
}

// ---------------------------------------------------------------------------------------
// The plan's home: sections, commissions, "Mis secciones".

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
fn PlanSections() -> impl IntoView {
    let ctx = use_plan();
    let me = ctx.me();
    let only_mine = RwSignal::new(me.with_untracked(|m| !m.commissions.is_empty()));
    let plan = Memo::new(move |_| match ctx.common.get() {
        Loaded::Ready(p) => p,
        _ => CommonPlan {
            network_id: String::new(),
            year: ctx.year,
            updated_at: 0,
            sections: Vec::new(),
        },
    });
    let ids = move || {
        let me = me.get();
        plan.with(|p| {
            p.sections
                .iter()
                .filter(|s| {
                    !only_mine.get()
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
            <input type="checkbox" data-testid="only-mine" prop:checked=move || only_mine.get()
                on:change=move |ev| only_mine.set(event_target_checked(&ev)) />
            <span>{tr(T::MySections)}</span>
        </label>
        <Show when=move || only_mine.get() && ids().is_empty()>
            <p class="empty" data-testid="no-sections-mine">{tr(T::NoSectionsMine)}</p>
        </Show>
        <ul class="cards">
            <For each=ids key=|id| id.clone() let:id>
                <SectionRow id plan />
            </For>
        </ul>
        <Show when=move || me.with(|m| m.is(Role::Facilitator))>
            <AddSection plan />
        </Show>
        <HistoryBox track=move || plan.track() load=move || ctx.common_history() subject=section_subject() />
    }
}

#[component]
fn SectionRow(id: String, plan: Memo<CommonPlan>) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let me = ctx.me();
    let section = {
        let id = id.clone();
        Memo::new(move |_| plan.with(|p| p.section(&id).cloned()))
    };
    let error = RwSignal::new(None::<String>);
    let commissions = move || {
        ctx.net.network.with(|n| {
            n.commissions_sorted()
                .into_iter()
                .map(|(id, c)| (id.clone(), c.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    let assign_id = id.clone();
    view! {
        <li class="card" data-testid="plan-section" data-id=id.clone()>
            {move || section.get().map(|s| {
                let commission = s.commission.clone();
                let conflicts = conflict_notes(&s, me);
                view! {
                    <div class="card-head">
                        <div>
                            <h3><A href=format!("seccion/{}", s.def.id) attr:data-testid="open-section">{s.def.code.clone()} " " {s.def.title.clone()}</A></h3>
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
                                <select data-testid="section-commission" disabled=move || !me.with(|m| m.is(Role::Facilitator))
                                    on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        let section = assign_id.clone();
                                        spawn_local(async move {
                                            error.set(ctx.assign(section, (!v.is_empty()).then_some(v)).await.err().map(|e| explain(i18n, &e)));
                                        });
                                    }>
                                    <option value="" selected=commission.is_none()>{tr(T::NoCommission)}</option>
                                    {commissions().into_iter().map(|(cid, name)| {
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
fn AddSection(plan: Memo<CommonPlan>) -> impl IntoView {
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
fn ScopeSelect(value: RwSignal<String>, testid: &'static str) -> impl IntoView {
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

// ---------------------------------------------------------------------------------------
// One common section: its text, status, template fields, comments.

#[component]
pub fn SectionPage() -> impl IntoView {
    let ctx = use_plan();
    let params = use_params_map();
    let sid = Memo::new(move |_| params.read().get("sid").unwrap_or_default());
    let section = Memo::new(move |_| match ctx.common.get() {
        Loaded::Ready(p) => p.section(&sid.get()).cloned(),
        _ => None,
    });
    // The editor is built once per section, never on an edit (the text box keeps its caret).
    let exists = Memo::new(move |_| section.with(|s| s.as_ref().map(|s| s.def.id.clone())));
    view! {
        <main class="page">
            <p><A href=format!("/red/{}/plan", ctx.net.id) attr:data-testid="back-to-plan">{tr(T::BackToPlan)}</A></p>
            {move || match exists.get() {
                None => view! { <p>{tr(T::Loading)}</p> }.into_any(),
                Some(id) => view! { <SectionEditor id section /> }.into_any(),
            }}
        </main>
    }
}

#[component]
fn SectionEditor(
    id: String,
    section: Memo<Option<juntas_core::model::plan::Section>>,
) -> impl IntoView {
    let ctx = use_plan();
    let me = ctx.me();
    let i18n = use_i18n();
    let s0 = section.get_untracked().expect("shown only when the section exists");
    let commission =
        Memo::new(move |_| section.with(|s| s.as_ref().and_then(|s| s.commission.clone())));
    let editable =
        Signal::derive(move || me.with(|m| can_edit_common(m, commission.get().as_deref())));
    let body = Signal::derive(move || {
        section.with(|s| s.as_ref().map(|s| s.body.clone()).unwrap_or_default())
    });
    let splice_id = id.clone();
    let splicer: crate::components::Splicer = std::rc::Rc::new(move |at, delete, insert| {
        let section = splice_id.clone();
        Box::pin(async move {
            ctx.splice_common(section, at, delete, insert).await.map_err(|e| explain(i18n, &e))
        })
    });
    let status_error = RwSignal::new(None::<String>);
    let status_id = id.clone();
    let comments = RwSignal::new(Loaded::Loading);
    let reload_comments =
        move || spawn_local(async move { comments.set(ctx.common_comments().await) });
    Effect::new(move |_| {
        section.track();
        reload_comments();
    });
    let hist_id = StoredValue::new(id.clone());
    let section_history = move || async move {
        let sid = hist_id.get_value();
        match ctx.common_history().await {
            Loaded::Ready(all) => {
                Loaded::Ready(all.into_iter().filter(|g| g.first.section == sid).collect())
            }
            other => other,
        }
    };
    let comment_id = id.clone();
    let post = Callback::new(move |text: String| {
        let section = comment_id.clone();
        async move { ctx.comment_common(section, text).await }
    });
    view! {
        <article class="section-page" data-testid="section-page">
            <h2 data-testid="section-title">{move || section.with(|s| s.as_ref().map(|s| format!("{} {}", s.def.code, s.def.title)))}</h2>
            <p class="prompt">{move || section.with(|s| s.as_ref().map(|s| s.def.prompt.clone()))}</p>
            <p class="muted">
                {tr(scope_text(s0.def.scope))} " · " {tr(T::Commission)} ": "
                <span data-testid="section-commission-name">{move || commission.get().map(|c| commission_name(ctx, &c)).unwrap_or_else(|| i18n.t(T::NoCommission).to_string())}</span>
            </p>
            <Show when=move || me.with(|m| m.is(Role::Facilitator))>
                <TemplateEditor section />
            </Show>
            {s0.def.scope.has_common_text().then(|| view! {
                <label class="field">
                    <span class="field-label">{tr(T::Status)}</span>
                    <select data-testid="section-status-select" disabled=move || !editable.get()
                        on:change=move |ev| {
                            let Some(st) = Status::parse(&event_target_value(&ev)) else { return };
                            let sid = status_id.clone();
                            spawn_local(async move { status_error.set(ctx.set_status(sid, st).await.err().map(|e| explain(i18n, &e))) });
                        }>
                        {Status::ALL.into_iter().map(|st| view! {
                            <option value=st.as_str() selected=move || section.with(|s| s.as_ref().is_some_and(|s| s.status == st))>{tr(status_text(st))}</option>
                        }).collect_view()}
                    </select>
                    <span class="field-error" role="alert">{move || status_error.get()}</span>
                </label>
                {move || section.with(|s| s.as_ref().map(|s| conflict_notes(s, me)))}
                <Show when=move || !editable.get()>
                    <p class="hint" data-testid="read-only-hint">{tr(T::OnlyCommissionEdits)}</p>
                </Show>
                <PlanText value=body editable splice=splicer testid="section-body".to_string() label=i18n.t(T::CommonText).to_string()
                    on_blur=Callback::new(move |_| ctx.flush_now()) />
            })}
            {(!s0.def.scope.has_common_text()).then(|| view! { <p class="hint">{tr(T::WrittenByEachCentre)}</p> })}
            <Comments section=id.clone() notes=Signal::derive(move || comments.get()) post on_posted=Callback::new(move |_| reload_comments()) />
            <HistoryBox track=move || section.track() load=section_history subject=std::rc::Rc::new(|_, _| None) />
        </article>
    }
}

#[component]
fn TemplateEditor(section: Memo<Option<juntas_core::model::plan::Section>>) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let s = section.get_untracked().expect("shown only when the section exists");
    let title = RwSignal::new(s.def.title.clone());
    let prompt = RwSignal::new(s.def.prompt.clone());
    let scope = RwSignal::new(s.def.scope.as_str().to_string());
    let required = RwSignal::new(s.def.required);
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(cur) = section.get_untracked() else { return };
        let def = SectionDef {
            title: title.get(),
            prompt: prompt.get(),
            scope: Scope::parse(&scope.get()).unwrap_or(cur.def.scope),
            required: required.get(),
            ..cur.def
        };
        spawn_local(async move {
            match ctx.put_def(def).await {
                Ok(()) => {
                    error.set(None);
                    saved.set(true);
                }
                Err(e) => error.set(Some(explain(i18n, &e))),
            }
        });
    };
    view! {
        <details class="template" data-testid="template-editor">
            <summary>{tr(T::EditTemplate)}</summary>
            <form class="editor-grid" on:submit=save>
                <label class="field">
                    <span class="field-label">{tr(T::SectionTitle)}</span>
                    <input data-testid="template-title" bind:value=title />
                </label>
                <label class="field">
                    <span class="field-label">{tr(T::Prompt)}</span>
                    <textarea data-testid="template-prompt" rows="3" prop:value=move || prompt.get() on:input=move |ev| prompt.set(event_target_value(&ev))></textarea>
                </label>
                <ScopeSelect value=scope testid="template-scope" />
                <label class="check">
                    <input type="checkbox" data-testid="template-required" prop:checked=move || required.get() on:change=move |ev| required.set(event_target_checked(&ev)) />
                    <span>{tr(T::Required)}</span>
                </label>
                <button type="submit" class="secondary" data-testid="template-save">{tr(T::Save)}</button>
                <Show when=move || saved.get()><span class="ok">{tr(T::Saved)}</span></Show>
                <p class="form-error" role="alert">{move || error.get()}</p>
            </form>
        </details>
    }
}

// ---------------------------------------------------------------------------------------
// A centre's plan: adoption, its own texts, delivery, review.

/// Loads a centre's plan whenever any plan document changes; creates it on first visit by
/// the centre's principal.
fn centre_data(ctx: PlanCtx, cid: Memo<String>) -> RwSignal<Loaded<CentreData>> {
    let data = RwSignal::new(Loaded::Loading);
    let me = ctx.me();
    Effect::new(move |_| {
        ctx.track();
        ctx.common.track();
        let cid = cid.get();
        let mine = me.with(|m| m.centre() == Some(cid.as_str()) && m.is(Role::Principal));
        spawn_local(async move {
            let mut got = ctx.load_centre(cid.clone()).await;
            if got == Loaded::Missing
                && mine
                && matches!(ctx.common.get_untracked(), Loaded::Ready(_))
            {
                got = match ctx.ensure_centre(cid.clone()).await {
                    Ok(_) => ctx.load_centre(cid).await,
                    Err(e) => Loaded::Failed(e),
                };
            }
            data.set(got);
        });
    });
    data
}

#[component]
pub fn CentrePlanPage() -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let params = use_params_map();
    let cid = Memo::new(move |_| params.read().get("cid").unwrap_or_default());
    let data = centre_data(ctx, cid);
    // The page is rebuilt only when this changes; edits and remote changes update it in place
    // (a text box being typed into is never recreated).
    let phase = Memo::new(move |_| match &*data.read() {
        Loaded::Loading => 0,
        Loaded::Missing => 1,
        Loaded::Failed(_) => 2,
        Loaded::Ready(_) => 3,
    });
    let ready = Memo::new(move |_| match data.get() {
        Loaded::Ready(d) => Some(d),
        _ => None,
    });
    let failure = move || match &*data.read() {
        Loaded::Failed(e) => explain(i18n, e),
        _ => String::new(),
    };
    view! {
        <main class="page centre-plan">
            <p><A href=format!("/red/{}/plan", ctx.net.id) attr:data-testid="back-to-plan">{tr(T::BackToPlan)}</A></p>
            <Establishment cid />
            {move || match phase.get() {
                0 => view! { <p>{tr(T::Loading)}</p> }.into_any(),
                1 => view! { <p class="empty" data-testid="centre-plan-missing">{tr(T::CentrePlanNotStarted)}</p> }.into_any(),
                2 => view! { <div class="alert" role="alert" data-testid="plan-error">{failure}</div> }.into_any(),
                _ => view! { <CentrePlanBody cid d=ready /> }.into_any(),
            }}
        </main>
    }
}

#[component]
fn Establishment(cid: Memo<String>) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    move || {
        let (centre, slep) =
            ctx.net.network.with(|n| (n.centres.get(&cid.get()).cloned(), n.slep.clone()));
        centre.map(|c| {
            view! {
                <header class="establishment" data-testid="establishment">
                    <h2 data-testid="centre-name">{c.name.clone()}</h2>
                    <dl>
                        <dt>{i18n.t(T::CentreKind)}</dt><dd>{c.kind.clone()}</dd>
                        <dt>{i18n.t(T::Rbd)}</dt><dd>{c.rbd.clone()}</dd>
                        <dt>{i18n.t(T::Owner)}</dt><dd>{slep}</dd>
                        <dt>{i18n.t(T::Commune)}</dt><dd>{c.commune.clone()}</dd>
                    </dl>
                </header>
            }
        })
    }
}

/// Which version of a centre's plan is on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Draft,
    Delivery(usize),
}

/// Everything a section of the centre page reads, shared by all sections.
#[derive(Clone, Copy)]
struct CentreView {
    cid: Memo<String>,
    d: Memo<Option<CentreData>>,
    views: Memo<Result<Vec<SectionView>, AppError>>,
    version: Memo<Option<usize>>,
    last: Memo<Option<usize>>,
    editing: Memo<bool>,
    reviewing: Memo<bool>,
    observations: RwSignal<std::collections::BTreeMap<String, String>>,
}

#[component]
fn CentrePlanBody(cid: Memo<String>, d: Memo<Option<CentreData>>) -> impl IntoView {
    let ctx = use_plan();
    let me = ctx.me();
    let i18n = use_i18n();
    let is_principal = Memo::new(move |_| {
        let c = cid.get();
        me.with(|m| m.is(Role::Principal) && m.centre() == Some(c.as_str()))
    });
    let is_reviewer = Memo::new(move |_| me.with(|m| m.is(Role::SlepProfessional)));
    let state =
        Memo::new(move |_| d.with(|d| d.as_ref().map(|d| d.state).unwrap_or(PlanState::Draft)));
    let count = Memo::new(move |_| d.with(|d| d.as_ref().map(|d| d.deliveries.len()).unwrap_or(0)));
    let last = Memo::new(move |_| count.get().checked_sub(1));
    // No choice yet: the reviewer follows the last delivery, everyone else the draft.
    let chosen = RwSignal::new(None::<Choice>);
    let screen = Memo::new(move |_| {
        use juntas_core::model::review_summary::{Viewer, screen};
        let chosen = chosen.get().map(|c| match c {
            Choice::Draft => None,
            Choice::Delivery(i) => Some(i),
        });
        let viewer = Viewer { principal: is_principal.get(), reviewer: is_reviewer.get() };
        screen(state.get(), count.get(), chosen, viewer)
    });
    let version = Memo::new(move |_| screen.get().version);
    let views = Memo::new(move |_| {
        let v = version.get();
        d.with(|d| match (d, v) {
            (None, _) => Ok(Vec::new()),
            (Some(d), None) => d.view.clone(),
            (Some(d), Some(i)) => {
                d.deliveries.get(i).map(|x| x.1.clone()).unwrap_or(Ok(Vec::new()))
            }
        })
    });
    let cv = CentreView {
        cid,
        d,
        views,
        version,
        last,
        editing: Memo::new(move |_| screen.get().editing),
        reviewing: Memo::new(move |_| screen.get().reviewing),
        observations: RwSignal::new(Default::default()),
    };
    let ids = move || {
        views.with(|v| {
            v.as_ref()
                .map(|v| v.iter().map(|s| s.def.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let views_error = move || views.with(|v| v.as_ref().err().cloned());
    let adopt_error = RwSignal::new(None::<String>);
    let adopt = move |_| {
        spawn_local(async move {
            adopt_error.set(ctx.adopt(cid.get_untracked()).await.err().map(|e| explain(i18n, &e)));
        });
    };
    let new_draft = move || d.with(|d| d.as_ref().is_some_and(|d| d.new_draft));
    let set_aside = move || d.with(|d| d.as_ref().is_some_and(|d| d.set_aside > 0));
    let observed_note = move || {
        d.with(|d| {
            d.as_ref().and_then(|d| juntas_core::model::review_summary::observation_note(&d.plan))
        })
    };
    let not_adopted = move || {
        is_principal.get() && d.with(|d| d.as_ref().is_some_and(|d| d.plan.adopted.is_empty()))
    };
    let changes =
        Memo::new(move |_| d.with(|d| d.as_ref().map(|d| d.changes.clone()).unwrap_or_default()));
    let versions = move || {
        d.with(|d| {
            d.as_ref()
                .map(|d| {
                    d.deliveries
                        .iter()
                        .enumerate()
                        .map(|(i, (e, _))| {
                            (
                                i,
                                format!(
                                    "{} {} · {}",
                                    i18n.t(T::Delivery),
                                    i + 1,
                                    format_time(e.at)
                                ),
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let log = move || {
        d.with(|d| {
            let Some(d) = d.as_ref() else { return Vec::new() };
            juntas_core::model::review_summary::log(&d.plan)
                .into_iter()
                .map(|e| {
                    let what = match e.action {
                        Action::Deliver { .. } => i18n.t(T::HistDeliver),
                        Action::Observe => i18n.t(T::HistObserve),
                        Action::Approve => i18n.t(T::HistApprove),
                    };
                    let note = (!e.note.is_empty()).then(|| format!(": {}", e.note));
                    view! { <li data-testid="review-event"><time>{format_time(e.at)}</time> " " <strong>{member_name(ctx, &e.by)}</strong> " " {what} {note}</li> }
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <p class="state-line">
            {tr(T::PlanState)} ": " <strong class="state" data-testid="plan-state">{move || tr(state_text(state.get()))()}</strong>
            <Show when=new_draft>" · " <span data-testid="new-draft">{tr(T::NewDraft)}</span></Show>
            <Show when=set_aside>" · " <span class="conflict" data-testid="review-set-aside">{tr(T::ReviewSetAside)}</span></Show>
        </p>
        {move || observed_note().map(|n| view! {
            <div class="alert" data-testid="observation-note"><strong>{tr(T::SlepObservations)}</strong> ": " {n}</div>
        })}
        <Show when=not_adopted>
            <div class="notice" data-testid="not-adopted">
                <p>{tr(T::NotAdoptedYet)}</p>
                <button class="primary" data-testid="adopt" on:click=adopt>{tr(T::Adopt)}</button>
            </div>
        </Show>
        <Show when=move || !changes.with(Vec::is_empty)>
            <div class="notice" data-testid="common-changed">
                <p><strong>{tr(T::CommonChanged)}</strong></p>
                <details>
                    <summary data-testid="common-changes-open">{tr(T::SeeChanges)}</summary>
                    {move || changes.get().into_iter().map(|(sid, parts)| view! {
                        <div class="diff" data-testid="common-change"><h4>{sid}</h4><p>{diff_view(parts)}</p></div>
                    }).collect_view()}
                </details>
                <Show when=move || is_principal.get()>
                    <button class="primary" data-testid="adopt" on:click=adopt>{tr(T::Adopt)}</button>
                </Show>
            </div>
        </Show>
        <p class="form-error" role="alert">{move || adopt_error.get()}</p>
        <div class="row">
            <label class="field">
                <span class="field-label">{tr(T::Version)}</span>
                <select data-testid="plan-version" on:change=move |ev| {
                    chosen.set(Some(match event_target_value(&ev).parse::<usize>() {
                        Ok(i) => Choice::Delivery(i),
                        Err(_) => Choice::Draft,
                    }));
                }>
                    <option value="" selected=move || version.get().is_none()>{tr(T::CurrentDraft)}</option>
                    {move || versions().into_iter().map(|(i, label)| view! {
                        <option value=i.to_string() selected=move || version.get() == Some(i)>{label}</option>
                    }).collect_view()}
                </select>
            </label>
            <A href=move || format!("/red/{}/plan/centro/{}/imprimir", ctx.net.id, cid.get()) attr:data-testid="print-link" attr:class="button secondary">{tr(T::PrintView)}</A>
        </div>
        {move || views_error().map(|e| view! { <div class="alert" role="alert" data-testid="plan-error">{explain(i18n, &e)}</div> })}
        <div class="sections">
            <For each=ids key=|id| id.clone() let:id>
                <CentreSection id cv />
            </For>
        </div>
        <Show when=move || is_principal.get()>
            <DeliverPanel cid />
        </Show>
        <Show when=move || screen.with(|s| s.review_panel)>
            <ReviewPanel cid observations=cv.observations />
        </Show>
        <details class="history-box" open=move || count.get() > 0>
            <summary>{tr(T::ReviewLog)}</summary>
            <ul data-testid="review-log">{log}</ul>
        </details>
        <HistoryBox track=move || d.track() load=move || ctx.centre_history(cid.get_untracked()) subject=section_subject() />
    }
}

#[component]
fn CentreSection(id: String, cv: CentreView) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let s = {
        let id = id.clone();
        Memo::new(move |_| {
            cv.views
                .with(|v| v.as_ref().ok().and_then(|v| v.iter().find(|s| s.def.id == id).cloned()))
        })
    };
    let def = Memo::new(move |_| s.with(|s| s.as_ref().map(|s| s.def.clone())));
    let scope =
        Memo::new(move |_| def.with(|d| d.as_ref().map(|d| d.scope).unwrap_or(Scope::Common)));
    let has_local = Memo::new(move |_| scope.get() != Scope::Common);
    let local_label = move || match scope.get() {
        Scope::CommonWithLocal => i18n.t(T::LocalAddendum),
        _ => i18n.t(T::CentreText),
    };
    let local =
        Signal::derive(move || s.with(|s| s.as_ref().map(|s| s.local.clone()).unwrap_or_default()));
    let common = move || s.with(|s| s.as_ref().map(|s| s.common.clone()).unwrap_or_default());
    let splicer: crate::components::Splicer = {
        let sid = id.clone();
        std::rc::Rc::new(move |at, delete, insert| {
            let (cid, sid) = (cv.cid.get_untracked(), sid.clone());
            Box::pin(async move {
                ctx.splice_centre(cid, sid, at, delete, insert).await.map_err(|e| explain(i18n, &e))
            })
        })
    };
    let splicer = StoredValue::new_local(splicer);
    let diff = {
        let id = id.clone();
        move || {
            let v = cv.version.get();
            (v.is_some() && v == cv.last.get())
                .then(|| {
                    cv.d.with(|d| {
                        d.as_ref().and_then(|d| d.diffs.iter().find(|x| x.def.id == id).cloned())
                    })
                })
                .flatten()
        }
    };
    let obs = {
        let id = id.clone();
        move || {
            cv.d.with(|d| {
                d.as_ref()
                    .map(|d| juntas_core::model::review_summary::section_observations(&d.plan, &id))
                    .unwrap_or_default()
            })
        }
    };
    let notes = Signal::derive(move || {
        Loaded::Ready(
            cv.d.with(|d| d.as_ref().map(|d| d.plan.comments.clone()).unwrap_or_default()),
        )
    });
    let count_id = id.clone();
    let comment_count = move || {
        notes.with(|n| n.ready().map_or(0, |n| n.iter().filter(|c| c.section == count_id).count()))
    };
    let post = {
        let sid = id.clone();
        Callback::new(move |text: String| {
            let sid = sid.clone();
            async move { ctx.comment_centre(cv.cid.get_untracked(), sid, text).await }
        })
    };
    let obs_id = id.clone();
    let title = move || def.with(|d| d.as_ref().map(|d| format!("{} {}", d.code, d.title)));
    let prompt =
        move || def.with(|d| d.as_ref().map(|d| d.prompt.clone()).filter(|p| !p.is_empty()));
    view! {
        <section class="centre-section" id=format!("sec-{id}") data-testid="centre-section" data-id=id.clone()>
            <h3 data-testid="centre-section-title">{title}</h3>
            <Show when=move || cv.editing.get()>
                {move || prompt().map(|p| view! { <p class="prompt">{p}</p> })}
            </Show>
            <Show when=move || scope.get().has_common_text()>
                <p class="label muted">{tr(T::CommonTextAdopted)}</p>
                <div class="prose" data-testid="common-text">{common}</div>
            </Show>
            {move || has_local.get().then(|| {
                let splicer = splicer.get_value();
                if cv.editing.get() {
                    view! {
                        <p class="label muted">{local_label}</p>
                        <PlanText value=local editable=Signal::derive(|| true) splice=splicer
                            testid="local-text".to_string() label=local_label()
                            on_blur=Callback::new(move |_| ctx.flush_now()) />
                    }.into_any()
                } else {
                    view! {
                        <p class="label muted">{local_label}</p>
                        <div class="prose" data-testid="local-text-read">{move || local.get()}</div>
                    }.into_any()
                }
            })}
            {move || diff().map(|d| view! {
                <details class="diff" data-testid="section-diff" open=true>
                    <summary>{tr(T::ChangesSincePrevious)}</summary>
                    {d.common.iter().any(|p| !matches!(p, Part::Same(_))).then(|| view! { <p>{diff_view(d.common.clone())}</p> })}
                    {d.local.iter().any(|p| !matches!(p, Part::Same(_))).then(|| view! { <p>{diff_view(d.local.clone())}</p> })}
                </details>
            })}
            {move || {
                let obs = obs();
                (!obs.is_empty()).then(|| view! {
                    <ul class="observations">
                        {obs.into_iter().map(|o| view! {
                            <li data-testid="observation"><strong>{tr(T::SlepObservation)}</strong> " (" {member_name(ctx, &o.by)} "): " {o.text}</li>
                        }).collect_view()}
                    </ul>
                })
            }}
            <Show when=move || cv.reviewing.get()>
                {
                    let obs_id = obs_id.clone();
                    view! {
                        <label class="field">
                            <span class="field-label">{tr(T::ObservationForSection)}</span>
                            <textarea data-testid="observe-section" rows="2" on:input=move |ev| {
                                let v = event_target_value(&ev);
                                let id = obs_id.clone();
                                cv.observations.update(|m| { m.insert(id, v); });
                            }></textarea>
                        </label>
                    }
                }
            </Show>
            <details class="comments-box">
                <summary>{tr(T::Comments)} " (" {comment_count} ")"</summary>
                <Comments section=id.clone() notes post />
            </details>
        </section>
    }
}

#[component]
fn DeliverPanel(cid: Memo<String>) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<(String, Vec<(String, String)>)>);
    let done = RwSignal::new(None::<PlanState>);
    let deliver = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The previous outcome goes away at once: what shows next is about this delivery.
        error.set(None);
        done.set(None);
        let cid = cid.get_untracked();
        spawn_local(async move {
            match ctx.deliver(cid, note.get_untracked()).await {
                Ok(s) => {
                    error.set(None);
                    done.set(Some(s));
                    note.set(String::new());
                }
                Err(e) => {
                    let missing = match &e {
                        AppError::Centre(CentreError::Incomplete(m)) => m.clone(),
                        _ => Vec::new(),
                    };
                    done.set(None);
                    error.set(Some((explain(i18n, &e), missing)));
                }
            }
        });
    };
    view! {
        <form class="deliver" on:submit=deliver>
            <h3>{tr(T::DeliverTitle)}</h3>
            <label class="field">
                <span class="field-label">{tr(T::NoteOptional)}</span>
                <input data-testid="deliver-note" bind:value=note />
            </label>
            <button type="submit" class="primary" data-testid="deliver">{tr(T::Deliver)}</button>
            {move || done.get().map(|s| view! { <p class="ok" data-testid="deliver-ok">{tr(T::Delivered)} " (" {tr(state_text(s))} ")"</p> })}
            {move || error.get().map(|(msg, missing)| view! {
                <div class="form-error" role="alert" data-testid="deliver-error">
                    <p>{msg}</p>
                    <ul>{missing.into_iter().map(|(code, title)| {
                        let anchor = format!("#sec-{code}");
                        view! { <li><a href=anchor data-testid="missing-section">{code} " " {title}</a></li> }
                    }).collect_view()}</ul>
                </div>
            })}
        </form>
    }
}

#[component]
fn ReviewPanel(
    cid: Memo<String>,
    observations: RwSignal<std::collections::BTreeMap<String, String>>,
) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let observe = move |_| {
        let cid = cid.get_untracked();
        let per_section: Vec<(String, String)> = observations.get_untracked().into_iter().collect();
        spawn_local(async move {
            error.set(
                ctx.observe(cid, note.get_untracked(), per_section)
                    .await
                    .err()
                    .map(|e| explain(i18n, &e)),
            );
        });
    };
    let approve = move |_| {
        let cid = cid.get_untracked();
        spawn_local(async move {
            error
                .set(ctx.approve(cid, note.get_untracked()).await.err().map(|e| explain(i18n, &e)));
        });
    };
    view! {
        <section class="review" data-testid="review-panel">
            <h3>{tr(T::ReviewTitle)}</h3>
            <label class="field">
                <span class="field-label">{tr(T::ReviewNote)}</span>
                <textarea data-testid="review-note" rows="2" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            </label>
            <div class="row">
                <button class="secondary" data-testid="review-observe" on:click=observe>{tr(T::SendObservations)}</button>
                <button class="primary" data-testid="review-approve" on:click=approve>{tr(T::Approve)}</button>
            </div>
            <p class="form-error" role="alert" data-testid="review-error">{move || error.get()}</p>
        </section>
    }
}

// ---------------------------------------------------------------------------------------
// The SLEP's table of centres.

#[component]
pub fn ReviewTablePage() -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let rows = RwSignal::new(None::<Vec<CentreRow>>);
    Effect::new(move |_| {
        ctx.track();
        ctx.net.network.track();
        spawn_local(async move { rows.set(Some(ctx.load_table().await)) });
    });
    view! {
        <main class="page">
            <p><A href=format!("/red/{}/plan", ctx.net.id) attr:data-testid="back-to-plan">{tr(T::BackToPlan)}</A></p>
            <h2>{tr(T::ReviewTable)} " " {ctx.year}</h2>
            {move || match rows.get() {
                None => view! { <p>{tr(T::Loading)}</p> }.into_any(),
                Some(rows) => view! {
                    <table class="review-table" data-testid="review-table">
                        <thead><tr><th>{tr(T::Centre)}</th><th>{tr(T::PlanState)}</th><th>{tr(T::LastChange)}</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| {
                                // A plan this device cannot read says so (never "not started").
                                let (state, last, unreadable) = match r.reading {
                                    Loaded::Ready((state, last)) => (tr(state_text(state))().to_string(), last, false),
                                    Loaded::Failed(e) => (format!("{} {}", i18n.t(T::Unreadable), explain(i18n, &e)), None, true),
                                    Loaded::Missing | Loaded::Loading => (tr(T::NotStarted)().to_string(), None, false),
                                };
                                view! {
                                    <tr data-testid="review-row" data-centre=r.centre.clone()>
                                        <td><A href=format!("/red/{}/plan/centro/{}", ctx.net.id, r.centre) attr:data-testid="review-open">{r.name.clone()}</A></td>
                                        <td data-testid="row-state" class:form-error=unreadable>{state}</td>
                                        <td>{last.map(|(at, by)| format!("{} · {}", format_time(at), member_name(ctx, &by)))}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </main>
    }
}

// ---------------------------------------------------------------------------------------
// Print view (A4).

#[component]
pub fn PrintPage() -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let params = use_params_map();
    let cid = Memo::new(move |_| params.read().get("cid").unwrap_or_default());
    let data = centre_data(ctx, cid);
    view! {
        <main class="print-view" data-testid="print-view">
            <p class="no-print row">
                <A href=format!("/red/{}/plan/centro/{}", ctx.net.id, cid.get_untracked())>{tr(T::BackToPlan)}</A>
                <button class="primary" on:click=|_| { let _ = window().print(); }>{tr(T::Print)}</button>
            </p>
            <h1 class="print-title">{tr(T::PlanTitle)} " " {ctx.year}</h1>
            <Establishment cid />
            {move || match data.get() {
                Loaded::Ready(d) => {
                    // The last delivery when there is one (what the SLEP has), else the draft.
                    let (label, views) = match d.deliveries.last() {
                        Some((e, v)) => (format!("{} · {}", tr(T::Delivered)(), format_time(e.at)), v.clone()),
                        None => (tr(T::CurrentDraft)().to_string(), d.view.clone()),
                    };
                    view! {
                        <p class="muted" data-testid="print-version">{label} " · " {tr(state_text(d.state))}</p>
                        {match views {
                            Err(e) => view! { <p role="alert">{explain(i18n, &e)}</p> }.into_any(),
                            Ok(views) => views.into_iter().map(|s| view! {
                                <section class="print-section">
                                    <h2 data-testid="print-heading">{s.def.code.clone()} ". " {s.def.title.clone()}</h2>
                                    {(!s.common.is_empty()).then(|| prose(s.common.clone(), "print-common"))}
                                    {(!s.local.is_empty()).then(|| view! {
                                        {(s.def.scope == Scope::CommonWithLocal).then(|| view! { <h3>{tr(T::LocalAddendum)}</h3> })}
                                        {prose(s.local.clone(), "print-local")}
                                    })}
                                </section>
                            }).collect_view().into_any(),
                        }}
                    }.into_any()
                }
                Loaded::Loading => view! { <p>{tr(T::Loading)}</p> }.into_any(),
                Loaded::Missing => view! { <p>{tr(T::CentrePlanNotStarted)}</p> }.into_any(),
                Loaded::Failed(e) => view! { <p role="alert">{explain(i18n, &e)}</p> }.into_any(),
            }}
        </main>
    }
}
