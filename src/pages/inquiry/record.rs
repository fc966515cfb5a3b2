//! `/red/:id/indagacion/:iid/ficha/:rid`: the record form, phone first.

use super::*;

/// What a line of a record's history is about: the field typed into (participants' texts,
/// "<id>/name", are not named).
pub(super) fn record_subject() -> Subject {
    std::rc::Rc::new(|i18n: I18n, g: &juntas_core::model::history::Group| {
        (g.first.verb == Verb::Edit && !g.first.section.contains('/'))
            .then(|| format!(": {}", field_label(i18n, &g.first.section)))
    })
}

#[component]
pub fn RecordPage() -> impl IntoView {
    let ctx = use_inquiry();
    let i18n = use_i18n();
    let rid = param_id("rid");
    let data = RwSignal::new(Loaded::<(Record, bool)>::Loading);
    Effect::new(move |_| {
        let Some(id) = rid.get() else {
            data.set(Loaded::Missing);
            return;
        };
        ctx.watch(id);
        spawn_local(async move { data.set(ctx.load_record(id).await) });
    });
    // Built once per record: typing and remote changes update it in place.
    let phase = Memo::new(move |_| match &*data.read() {
        Loaded::Ready((r, _)) if r.deleted() => 4,
        Loaded::Ready(_) => 3,
        Loaded::Failed(_) => 2,
        Loaded::Missing => 1,
        Loaded::Loading => 0,
    });
    let record = Memo::new(move |_| match data.get() {
        Loaded::Ready((r, _)) => Some(r),
        _ => None,
    });
    let corrected = Memo::new(move |_| matches!(data.get(), Loaded::Ready((_, true))));
    view! {
        <main class="page record">
            <p><A href=format!("/red/{}/indagacion", ctx.net.id) attr:class="back">{tr(T::BackToInquiries)}</A></p>
            {move || match (phase.get(), rid.get_untracked()) {
                (3, Some(id)) => view! {
                    <RecordForm id record corrected />
                    // Read when opened, not on every keystroke.
                    <HistoryBox track=move || { data.track(); ctx.watch(id); } load=move || ctx.record_history(id)
                        subject=record_subject() testid="record-history" entry_testid="record-history-entry" />
                }.into_any(),
                // Deleted here or on another of her devices: said, not an empty form.
                (4, _) => view! { <p class="ok" role="status" data-testid="record-deleted">{tr(T::RecordDeleted)}</p> }.into_any(),
                (2, _) => view! { <p role="alert" class="alert" data-testid="record-open-error">{move || match data.get() { Loaded::Failed(e) => explain(i18n, &e), _ => String::new() }}</p> }.into_any(),
                (1, _) => view! { <p data-testid="record-missing">{tr(T::NotFoundHere)}</p> }.into_any(),
                _ => view! { <p>{tr(T::Loading)}</p> }.into_any(),
            }}
        </main>
    }
}

pub(super) fn text_box(
    ctx: InquiryCtx,
    id: DocumentId,
    record: Memo<Option<Record>>,
    target: TextRef,
    rows: u32,
    dom_id: String,
    label: &'static str,
) -> impl IntoView {
    let t = target.clone();
    let value = Signal::derive(move || {
        record.with(|r| {
            let Some(r) = r else { return String::new() };
            match &t {
                TextRef::Field(f) => r.field(f).to_string(),
                TextRef::Name(p) => r
                    .participants
                    .iter()
                    .find(|x| &x.id == p)
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
                TextRef::Answer(p, q) => r
                    .participants
                    .iter()
                    .find(|x| &x.id == p)
                    .and_then(|x| x.answers.get(*q).cloned())
                    .unwrap_or_default(),
            }
        })
    });
    let i18n = use_i18n();
    let splicer: crate::components::Splicer = std::rc::Rc::new(move |edit| {
        let target = target.clone();
        Box::pin(async move { ctx.splice(id, target, edit).await.map_err(|e| explain(i18n, &e)) })
    });
    let numeric = dom_id == "f-nee_count";
    view! {
        <PlanText value editable=Signal::derive(|| true) splice=splicer testid=dom_id.clone() id=dom_id
            label=label.to_string() rows inputmode=if numeric { "numeric" } else { "text" }
            on_blur=Callback::new(move |_| ctx.send_now()) />
    }
}

#[component]
pub(super) fn RecordForm(
    id: DocumentId,
    record: Memo<Option<Record>>,
    corrected: Memo<bool>,
) -> impl IntoView {
    let ctx = use_inquiry();
    let i18n = use_i18n();
    let sync = use_sync();
    let state = Memo::new(move |_| {
        record.with(|r| {
            r.as_ref()
                .map(|r| sync.docs.with(|d| record_state(r, d.get(&id))))
                .unwrap_or(RecordState::Draft)
        })
    });
    let missing = RwSignal::new(Vec::<Missing>::new());
    let error = RwSignal::new(None::<String>);
    let busy = crate::components::OneAtATime::new();
    let finalised_here = RwSignal::new(false);
    let finalise = move |_| {
        if !busy.start() {
            return;
        }
        finalised_here.set(false);
        missing.set(Vec::new());
        spawn_local(async move {
            let outcome = ctx.finalise(id).await;
            busy.done();
            match outcome {
                Ok(()) => {
                    missing.set(Vec::new());
                    error.set(None);
                    finalised_here.set(true);
                }
                Err(AppError::Inquiry(InquiryError::Incomplete(m))) => missing.set(m),
                Err(e) => error.set(Some(explain(i18n, &e))),
            }
        });
    };
    let field = move |name: &'static str, label: T, rows: u32| {
        let dom = format!("f-{name}");
        let input = text_box(
            ctx,
            id,
            record,
            TextRef::Field(name.into()),
            rows,
            dom.clone(),
            i18n.t(label),
        );
        view! {
            <label class="field" for=dom>
                <span class="field-label">{tr(label)}</span>
            </label>
            {input}
        }
    };
    let pids = move || {
        record.with(|r| {
            r.as_ref()
                .map(|r| r.participants.iter().map(|p| p.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let at_max = Memo::new(move |_| {
        record
            .with(|r| r.as_ref().is_some_and(|r| r.participants.len() >= inquiry::MAX_PARTICIPANTS))
    });
    // One tap, one participant.
    let adding = crate::components::OneAtATime::new();
    let add = move |_| {
        if !adding.start() {
            return;
        }
        spawn_local(async move {
            let outcome = ctx.add_participant(id).await;
            adding.done();
            error.set(outcome.err().map(|e| explain(i18n, &e)));
        });
    };
    let date = move || record.with(|r| r.as_ref().map(|r| r.date.clone()).unwrap_or_default());
    // Its author may delete it while it is a draft (the rules refuse it once finalised).
    let deletable = Memo::new(move |_| {
        let me = ctx.net.me.get();
        state.get() == RecordState::Draft
            && record.with(|r| r.as_ref().is_some_and(|r| Some(&r.principal_id) == me.as_ref()))
    });
    let confirming = RwSignal::new(false);
    let keep_ref = NodeRef::<leptos::html::Button>::new();
    let delete_ref = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |was: Option<bool>| {
        let now = confirming.get();
        // Focus follows the question, and back onto the button when she keeps the pauta.
        let target = match (now, was) {
            (true, _) => keep_ref.get(),
            (false, Some(true)) => delete_ref.get(),
            _ => None,
        };
        if let Some(b) = target
            && let Err(e) = b.focus()
        {
            leptos::logging::warn!("focus did not move: {e:?}");
        }
        now
    });
    let discard = move |_| {
        if !busy.start() {
            return;
        }
        spawn_local(async move {
            let Some(r) = record.get_untracked() else {
                busy.done();
                return;
            };
            let outcome = ctx.discard(id, &r).await;
            busy.done();
            confirming.set(false);
            // On success the page says so in place of the form (the record now reads deleted).
            error.set(outcome.err().map(|e| explain(i18n, &e)));
        });
    };
    view! {
        <h2>{tr(T::RecordTitle)}</h2>
        <p class="state-line">{tr(T::State)} ": " <strong class="state" data-testid="record-state">{move || tr(state_text(state.get()))()}</strong>
            <Show when=move || corrected.get()>" · " <span data-testid="record-corrected">{tr(T::CorrectedAfterFinalising)}</span></Show>
        </p>
        <form class="stack" on:submit=|ev| ev.prevent_default()>
            {field("principal_name", T::PrincipalName, 1)}
            <label class="field">
                <span class="field-label">{tr(T::ApplicationDate)}</span>
                <input type="date" id="f-date" data-testid="f-date" max=crate::dates::today() prop:value=date on:change=move |ev| {
                    let v = event_target_value(&ev);
                    spawn_local(async move { error.set(ctx.set_date(id, v).await.err().map(|e| explain(i18n, &e))) });
                } />
            </label>
            <p><span class="field-label">{tr(T::Centre)}</span> ": " <span data-testid="record-centre">{move || record.with(|r| r.as_ref().map(|r| r.centre_name.clone()))}</span></p>
            {field("place", T::Place, 1)}
            {field("guidance", T::Guidance, 2)}
            {field("guidance_where", T::GuidanceWhere, 1)}
            {field("nee_count", T::NeeCount, 1)}
            <small class="hint" data-testid="privacy-note">{tr(T::CountsHint)}</small>
            {field("situation", T::Situation, 4)}
            <fieldset class="participants" id="participants">
                <legend>{tr(T::Participants)}</legend>
                <For each=pids key=|p| p.clone() let:pid>
                    <ParticipantBox id pid record />
                </For>
                <button type="button" class="secondary" data-testid="participant-add" on:click=add
                    disabled=move || at_max.get() || adding.running()>{tr(T::AddParticipant)}</button>
            </fieldset>
            {field("observations", T::Observations, 3)}
            // The outcome where she tapped, just above the button: the state line at the top is off-screen on a phone.
            <Show when=move || finalised_here.get() && state.get() != RecordState::Draft>
                <p class="ok" role="status" data-testid="finalise-done">{move || i18n.t(if state.get() == RecordState::Sent { T::FinalisedOnServer } else { T::FinalisedWaiting })}</p>
            </Show>
            <button type="button" class="primary" data-testid="record-finalise" on:click=finalise
                disabled=move || busy.running() aria-busy=move || busy.running().then_some("true")>{tr(T::Finalise)}</button>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <Show when=move || deletable.get()>
                <div class="delete-record" data-testid="record-delete-box">
                    <Show when=move || confirming.get() fallback=move || view! {
                        <button type="button" class="danger" data-testid="record-delete" node_ref=delete_ref
                            on:click=move |_| confirming.set(true)>{tr(T::RecordDelete)}</button>
                        <small class="hint">{tr(T::RecordDeleteHint)}</small>
                    }>
                        <div role="group" aria-labelledby="record-delete-q" class="confirm">
                            <p id="record-delete-q" data-testid="record-delete-question">{tr(T::RecordDeleteConfirm)}</p>
                            <div class="row">
                                <button type="button" class="danger" data-testid="record-delete-yes" on:click=discard
                                    disabled=move || busy.running()>{tr(T::RecordDeleteYes)}</button>
                                <button type="button" class="secondary" data-testid="record-delete-no" node_ref=keep_ref
                                    on:click=move |_| confirming.set(false)>{tr(T::RecordDeleteNo)}</button>
                            </div>
                        </div>
                    </Show>
                </div>
            </Show>
            <Show when=move || !missing.with(Vec::is_empty)>
                <div class="form-error" role="alert" data-testid="finalise-missing">
                    <p>{tr(T::ErrRecordIncomplete)}</p>
                    <ul>
                        {move || missing.get().into_iter().map(|m| {
                            let target = m.field_id();
                            view! {
                                <li><button type="button" class="link" data-testid="missing-item" data-target=target.clone()
                                    on:click=move |_| focus_field(&target)>{missing_text(i18n, &m)}</button></li>
                            }
                        }).collect_view()}
                    </ul>
                </div>
            </Show>
        </form>
    }
}

#[component]
pub(super) fn ParticipantBox(
    id: DocumentId,
    pid: String,
    record: Memo<Option<Record>>,
) -> impl IntoView {
    let ctx = use_inquiry();
    let i18n = use_i18n();
    let p = {
        let pid = pid.clone();
        Memo::new(move |_| {
            record
                .with(|r| r.as_ref().and_then(|r| r.participants.iter().position(|x| x.id == pid)))
        })
    };
    let questions = Memo::new(move |_| {
        record.with(|r| r.as_ref().map(|r| r.questions.clone()).unwrap_or_default())
    });
    let roles = move || record.with(|r| r.as_ref().map(|r| r.roles.clone()).unwrap_or_default());
    let role = {
        let pid = pid.clone();
        Memo::new(move |_| {
            record.with(|r| {
                r.as_ref()
                    .and_then(|r| {
                        r.participants.iter().find(|x| x.id == pid).map(|x| x.role.clone())
                    })
                    .unwrap_or_default()
            })
        })
    };
    let error = RwSignal::new(None::<String>);
    let (rm_id, role_id) = (pid.clone(), pid.clone());
    let remove = move |_| {
        let ok =
            window().confirm_with_message(i18n.t(T::ConfirmRemoveParticipant)).unwrap_or(false);
        if ok {
            let pid = rm_id.clone();
            spawn_local(async move {
                error.set(ctx.remove_participant(id, pid).await.err().map(|e| explain(i18n, &e)))
            });
        }
    };
    let name_id = format!("p-{pid}-name");
    let role_dom = format!("p-{pid}-role");
    let name_box =
        text_box(ctx, id, record, TextRef::Name(pid.clone()), 1, name_id.clone(), i18n.t(T::Name));
    let answers_pid = pid.clone();
    view! {
        <div class="participant card" data-testid="participant">
            <h3>{tr(T::Participant)} " " {move || p.get().map(|k| k + 1)}</h3>
            <label class="field" for=name_id><span class="field-label">{tr(T::Name)}</span></label>
            {name_box}
            <label class="field">
                <span class="field-label">{tr(T::RoleInCentre)}</span>
                <select id=role_dom.clone() data-testid=role_dom on:change=move |ev| {
                    let v = event_target_value(&ev);
                    let pid = role_id.clone();
                    spawn_local(async move { error.set(ctx.set_role(id, pid, v).await.err().map(|e| explain(i18n, &e))) });
                }>
                    <option value="" selected=move || role.with(String::is_empty)>{tr(T::PickRole)}</option>
                    {move || roles().into_iter().map(|r| {
                        let selected = role.with(|x| *x == r);
                        view! { <option value=r.clone() selected=selected>{r.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            {move || questions.get().into_iter().enumerate().map(|(q, text)| {
                let dom = format!("p-{answers_pid}-a{q}");
                let answer = text_box(ctx, id, record, TextRef::Answer(answers_pid.clone(), q), 3, dom.clone(), "");
                view! {
                    <label class="field" for=dom><span class="field-label">{text.clone()}</span></label>
                    {answer}
                }
            }).collect_view()}
            <button type="button" class="danger" data-testid="participant-remove" on:click=remove>{tr(T::RemoveParticipant)}</button>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </div>
    }
}
