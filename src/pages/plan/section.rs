//! `/red/:id/plan/seccion/:sid`: one common section — its text, status, template fields, comments, history.

use super::*;

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
            <p><A href=format!("/red/{}/plan", ctx.net.id) attr:class="back" attr:data-testid="back-to-plan">{tr(T::BackToPlan)}</A></p>
            {move || match exists.get() {
                None => view! { <p>{tr(T::Loading)}</p> }.into_any(),
                Some(id) => view! { <SectionEditor id section /> }.into_any(),
            }}
        </main>
    }
}

#[component]
pub(super) fn SectionEditor(
    id: String,
    section: Memo<Option<juntas_core::model::plan::Section>>,
) -> impl IntoView {
    let ctx = use_plan();
    let me = ctx.me();
    let i18n = use_i18n();
    let s0 = section.get_untracked().expect("shown only when the section exists");
    let commission =
        Memo::new(move |_| section.with(|s| s.as_ref().and_then(|s| s.commission.clone())));
    let section_id = StoredValue::new(id.clone());
    let refusal = Memo::new(move |_| {
        let c = commission.get();
        me.with(|m| section_id.with_value(|sid| may_write_section(m, sid, c.as_deref()).err()))
    });
    let editable = Signal::derive(move || refusal.with(Option::is_none));
    let body = Signal::derive(move || {
        section.with(|s| s.as_ref().map(|s| s.body.clone()).unwrap_or_default())
    });
    let splice_id = id.clone();
    let splicer: crate::components::Splicer = std::rc::Rc::new(move |edit| {
        let section = splice_id.clone();
        Box::pin(
            async move { ctx.splice_common(section, edit).await.map_err(|e| explain(i18n, &e)) },
        )
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
                    <p class="hint" data-testid="read-only-hint">{move || refusal.with(|r| r.as_ref().map(|r| why_read_only(ctx, i18n, r)))}</p>
                </Show>
                <PlanText value=body editable splice=splicer testid="section-body".to_string() label=i18n.t(T::CommonText).to_string()
                    on_blur=Callback::new(move |_| ctx.flush_now()) />
            })}
            {(!s0.def.scope.has_common_text()).then(|| view! { <p class="hint">{tr(T::WrittenByEachCentre)}</p> })}
            <Comments section=id.clone() notes=Signal::derive(move || comments.get()) post on_posted=Callback::new(move |_| reload_comments()) />
            <HistoryBox track=move || { section.track(); ctx.track_common() } load=section_history subject=std::rc::Rc::new(|_, _| None) />
        </article>
    }
}

#[component]
pub(super) fn TemplateEditor(
    section: Memo<Option<juntas_core::model::plan::Section>>,
) -> impl IntoView {
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
