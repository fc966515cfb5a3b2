//! `/red/:id/indagacion/…`: inquiries (annex 6 "pauta de registro") — the list with each
//! record's state and the CSV of it, the facilitator's definition form, the record form a
//! principal fills on her phone, and the aggregated results with their CSV and print view.

use std::str::FromStr;

use juntas_core::{
    DocumentId,
    model::{
        history::Verb,
        inquiry::{self, Definition, Inquiry, InquiryError, Missing, Record, TextRef},
        network::Role,
        results::{self, LeftOut, RecordReading},
    },
};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::{A, Outlet},
    hooks::{use_navigate, use_params_map},
};

use crate::{
    components::{HistoryBox, PlanText, Subject},
    download,
    error::{AppError, explain},
    i18n::{I18n, T, tr, use_i18n},
    pages::network::format_time,
    state::{
        inquiry::{InquiryCtx, RecordLine, RecordState, record_state, today, use_inquiry},
        network::use_network,
        plan::{Loaded, PlanCtx},
    },
    sync::use_sync,
};

#[component]
pub fn InquiryShell() -> impl IntoView {
    let ctx = InquiryCtx::open(use_network());
    provide_context(ctx);
    view! { <div class="inquiry"><Outlet /></div> }
}

fn state_text(s: RecordState) -> T {
    match s {
        RecordState::Draft => T::RecDraft,
        RecordState::Finalised => T::RecFinalised,
        RecordState::Sent => T::RecSent,
    }
}

fn param_id(name: &'static str) -> Memo<Option<DocumentId>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get(name).and_then(|s| DocumentId::from_str(&s).ok()))
}

/// Loads an inquiry, again whenever an inquiry document changes.
fn inquiry_signal(ctx: InquiryCtx, iid: Memo<Option<DocumentId>>) -> RwSignal<Loaded<Inquiry>> {
    let data = RwSignal::new(Loaded::Loading);
    Effect::new(move |_| {
        let Some(id) = iid.get() else {
            data.set(Loaded::Missing);
            return;
        };
        ctx.watch(id);
        spawn_local(async move { data.set(ctx.load_inquiry(id).await) });
    });
    data
}

fn records_signal(
    ctx: InquiryCtx,
    inq: RwSignal<Loaded<Inquiry>>,
    last_change: bool,
) -> RwSignal<Option<Vec<RecordLine>>> {
    let lines = RwSignal::new(None);
    Effect::new(move |_| {
        if let Loaded::Ready(i) = inq.get() {
            ctx.watch_records(&i);
            spawn_local(async move { lines.set(Some(ctx.load_records(&i, last_change).await)) });
        }
    });
    lines
}

// ---------------------------------------------------------------------------------------
// The list.

#[component]
pub fn InquiryHome() -> impl IntoView {
    let ctx = use_inquiry();
    let me = PlanCtx::me_of(ctx.net);
    let ids = move || ctx.inquiries();
    let navigate = use_navigate();
    view! {
        <main class="page">
            <h2>{tr(T::Inquiries)}</h2>
            <Show when=move || ids().is_empty()>
                <p class="empty" data-testid="no-inquiries">{tr(T::NoInquiries)}</p>
            </Show>
            <Show when=move || me.with(|m| m.is(Role::Facilitator))>
                {
                    let navigate = navigate.clone();
                    view! {
                        <button class="primary" data-testid="inquiry-create" on:click=move |_| navigate(&format!("/red/{}/indagacion/nueva", ctx.net.id), Default::default())>
                            {tr(T::InquiryCreate)}
                        </button>
                    }
                }
            </Show>
            <For each=ids key=|id| *id let:id>
                <InquiryCard id />
            </For>
        </main>
    }
}

#[component]
fn InquiryCard(id: DocumentId) -> impl IntoView {
    let ctx = use_inquiry();
    let i18n = use_i18n();
    let sync = use_sync();
    let me = PlanCtx::me_of(ctx.net);
    let iid = Memo::new(move |_| Some(id));
    let inq = inquiry_signal(ctx, iid);
    let lines = records_signal(ctx, inq, true);
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let base = format!("/red/{}/indagacion/{}", ctx.net.id, id);
    let new_record = {
        let base = base.clone();
        move |_| {
            let navigate = navigate.clone();
            let base = base.clone();
            spawn_local(async move {
                match ctx.new_record(id).await {
                    Ok(rid) => navigate(&format!("{base}/ficha/{rid}"), Default::default()),
                    Err(e) => error.set(Some(explain(i18n, &e))),
                }
            });
        }
    };
    let export = move |_| {
        let Some(lines) = lines.get_untracked() else { return };
        let docs = sync.docs.get_untracked();
        let centre_name = |id: &str| {
            ctx.net.network.with_untracked(|n| n.centres.get(id).map(|c| c.name.clone()))
        };
        let rows: Vec<Vec<String>> = lines
            .iter()
            .map(|l| {
                let s = docs.get(&l.id);
                let synced = s.and_then(|s| s.synced_at).map(format_time).unwrap_or_default();
                match &l.record {
                    Ok(r) => vec![
                        l.id.to_string(),
                        r.centre_name.clone(),
                        r.field("principal_name").to_string(),
                        i18n.t(state_text(record_state(r, s))).to_string(),
                        l.last_change.map(format_time).unwrap_or_default(),
                        synced,
                    ],
                    // Listed with why, never left out of the file.
                    Err(e) => vec![
                        l.id.to_string(),
                        centre_name(&l.centre).unwrap_or_else(|| l.centre.clone()),
                        String::new(),
                        format!("{} {}", i18n.t(T::Unreadable), explain(i18n, e)),
                        String::new(),
                        synced,
                    ],
                }
            })
            .collect();
        let bytes = inquiry::csv(
            &[
                "ficha",
                "centro",
                "directora",
                "estado",
                "último cambio",
                "último acuse del servidor",
            ],
            &rows,
        );
        download::bytes("fichas.csv", "text/csv;charset=utf-8", &bytes);
    };
    let (edit_href, results_href, lines_base) =
        (format!("{base}/editar"), format!("{base}/resultados"), base.clone());
    let mine = move || {
        let me = ctx.net.me.get().unwrap_or_default();
        lines
            .get()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|l| match l.record {
                Ok(r) if r.principal_id == me => Some((l.id, r)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    // Records this device cannot read: named with why, whoever's they are.
    let unreadable = move || {
        lines
            .get()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|l| {
                let e = l.record.err()?;
                let centre = ctx
                    .net
                    .network
                    .with(|n| n.centres.get(&l.centre).map(|c| c.name.clone()))
                    .unwrap_or(l.centre);
                Some(format!("{} {centre} — {}", i18n.t(T::Unreadable), explain(i18n, &e)))
            })
            .collect::<Vec<_>>()
    };
    view! {
        <article class="card" data-testid="inquiry-card">
            {move || match inq.get() {
                Loaded::Ready(i) => view! {
                    <h3 data-testid="inquiry-title">{i.definition.title.clone()}</h3>
                    <p class="muted">{i.definition.challenge.clone()}</p>
                    {(!i.definition.deadline.is_empty()).then(|| view! { <p class="muted">{tr(T::Deadline)} ": " {i.definition.deadline.clone()}</p> })}
                }.into_any(),
                Loaded::Failed(e) => view! { <p role="alert" data-testid="inquiry-unreadable">{explain(i18n, &e)}</p> }.into_any(),
                _ => view! { <p>{tr(T::Loading)}</p> }.into_any(),
            }}
            <div class="row">
                <Show when=move || me.with(|m| m.is(Role::Principal))>
                    <button class="primary" data-testid="record-new" on:click=new_record.clone()>{tr(T::RecordNew)}</button>
                </Show>
                <A href=results_href attr:class="button secondary" attr:data-testid="results-open">{tr(T::Results)}</A>
                <button class="secondary" data-testid="records-export" on:click=export>{tr(T::ExportList)}</button>
                <Show when=move || me.with(|m| m.is(Role::Facilitator))>
                    <A href=edit_href.clone() attr:class="button secondary" attr:data-testid="inquiry-edit">{tr(T::Edit)}</A>
                </Show>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <ul class="records" data-testid="my-records">
                {
                let base = lines_base.clone();
                move || mine().into_iter().map(|(id, record)| {
                    let href = format!("{base}/ficha/{id}");
                    let label = format!("{} · {}", record.date, record.centre_name);
                    let state = move || sync.docs.with(|d| record_state(&record, d.get(&id)));
                    view! {
                        <li data-testid="record-line">
                            <A href=href>{label}</A>
                            " · " <span data-testid="record-line-state">{move || tr(state_text(state()))()}</span>
                        </li>
                    }
                }).collect_view()
                }
            </ul>
            <ul class="form-error" data-testid="records-unreadable">
                {move || unreadable().into_iter().map(|text| view! { <li data-testid="record-unreadable">{text}</li> }).collect_view()}
            </ul>
        </article>
    }
}

// ---------------------------------------------------------------------------------------
// The facilitator's definition.

#[component]
pub fn DefinitionPage() -> impl IntoView {
    let ctx = use_inquiry();
    let i18n = use_i18n();
    let iid = param_id("iid");
    let inq = inquiry_signal(ctx, iid);
    let navigate = use_navigate();
    let form = RwSignal::new(None::<Definition>);
    Effect::new(move |_| {
        if form.get_untracked().is_some() {
            return;
        }
        match (iid.get(), inq.get()) {
            (None, _) => form.set(Some(Definition::annex6())),
            (Some(_), Loaded::Ready(i)) => form.set(Some(i.definition)),
            _ => {}
        }
    });
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(def) = form.get_untracked() else { return };
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = match iid.get_untracked() {
                Some(id) => ctx.redefine(id, def).await.map(|_| ()),
                None => ctx.create(def).await.map(|_| ()),
            };
            match result {
                Ok(()) => {
                    saved.set(true);
                    error.set(None);
                    navigate(&format!("/red/{}/indagacion", ctx.net.id), Default::default());
                }
                Err(e) => error.set(Some(explain(i18n, &e))),
            }
        });
    };
    let text = move |get: fn(&Definition) -> String, set: fn(&mut Definition, String)| {
        (
            move || form.with(|f| f.as_ref().map(get).unwrap_or_default()),
            move |ev| {
                let v = event_target_value(&ev);
                form.update(|f| {
                    if let Some(f) = f {
                        set(f, v)
                    }
                })
            },
        )
    };
    let (title, on_title) = text(|d| d.title.clone(), |d, v| d.title = v);
    let (challenge, on_challenge) = text(|d| d.challenge.clone(), |d, v| d.challenge = v);
    let (keywords, on_keywords) = text(|d| d.keywords.clone(), |d, v| d.keywords = v);
    let (diagnosis, on_diagnosis) = text(|d| d.diagnosis.clone(), |d, v| d.diagnosis = v);
    let (roles, on_roles) =
        text(|d| d.roles.join("\n"), |d, v| d.roles = v.lines().map(str::to_string).collect());
    let (deadline, on_deadline) = text(|d| d.deadline.clone(), |d, v| d.deadline = v);
    let question = move |i: usize| {
        (
            move || {
                form.with(|f| {
                    f.as_ref().and_then(|f| f.questions.get(i).cloned()).unwrap_or_default()
                })
            },
            move |ev| {
                let v = event_target_value(&ev);
                form.update(|f| {
                    if let Some(f) = f {
                        if f.questions.len() <= i {
                            f.questions.resize(i + 1, String::new());
                        }
                        f.questions[i] = v;
                    }
                })
            },
        )
    };
    let (q0, on_q0) = question(0);
    let (q1, on_q1) = question(1);
    let (q2, on_q2) = question(2);
    view! {
        <main class="page">
            <p><A href=format!("/red/{}/indagacion", ctx.net.id)>{tr(T::BackToInquiries)}</A></p>
            <h2>{move || if iid.get().is_some() { tr(T::InquiryEdit)() } else { tr(T::InquiryCreate)() }}</h2>
            <Show when=move || iid.get().is_some()>
                <p class="hint">{tr(T::InquiryVersionHint)}</p>
            </Show>
            <form class="stack" on:submit=save>
                <label class="field"><span class="field-label">{tr(T::InquiryTitle)}</span>
                    <input data-testid="def-title" prop:value=title on:input=on_title required /></label>
                <label class="field"><span class="field-label">{tr(T::Challenge)}</span>
                    <textarea data-testid="def-challenge" rows="3" prop:value=challenge on:input=on_challenge></textarea></label>
                <label class="field"><span class="field-label">{tr(T::Keywords)}</span>
                    <input data-testid="def-keywords" prop:value=keywords on:input=on_keywords /></label>
                <label class="field"><span class="field-label">{tr(T::Diagnosis)}</span>
                    <textarea data-testid="def-diagnosis" rows="4" prop:value=diagnosis on:input=on_diagnosis></textarea></label>
                <fieldset class="checks">
                    <legend>{tr(T::Questions)}</legend>
                    <textarea data-testid="def-q" rows="2" aria-label="1" prop:value=q0 on:input=on_q0></textarea>
                    <textarea data-testid="def-q" rows="2" aria-label="2" prop:value=q1 on:input=on_q1></textarea>
                    <textarea data-testid="def-q" rows="2" aria-label="3" prop:value=q2 on:input=on_q2></textarea>
                </fieldset>
                <label class="field"><span class="field-label">{tr(T::RolesOffered)}</span>
                    <textarea data-testid="def-roles" rows="5" prop:value=roles on:input=on_roles></textarea>
                    <small class="hint">{tr(T::OnePerLine)}</small></label>
                <label class="field"><span class="field-label">{tr(T::Deadline)}</span>
                    <input type="date" data-testid="def-deadline" prop:value=deadline on:input=on_deadline /></label>
                <button type="submit" class="primary" data-testid="def-save">{tr(T::Save)}</button>
                <Show when=move || saved.get()><p class="ok">{tr(T::Saved)}</p></Show>
                <p class="form-error" role="alert">{move || error.get()}</p>
            </form>
        </main>
    }
}

/// Scrolls to the control with `id` and puts the caret in it (a missing item's link).
fn focus_field(id: &str) {
    use wasm_bindgen::JsCast;
    let Some(el) = document().get_element_by_id(id) else { return };
    el.scroll_into_view();
    if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
        let _ = el.focus();
    }
}

/// A missing item in the person's words.
fn missing_text(i18n: I18n, m: &Missing) -> String {
    let t = |k| i18n.t(k).to_string();
    match m {
        Missing::Field(f) => format!("{} {}", t(T::MissingField), field_label(i18n, f)),
        Missing::BadCount(v) => format!("{} «{v}»", t(T::MissingCount)),
        Missing::Date => t(T::MissingDate),
        Missing::FutureDate => t(T::FutureDate),
        Missing::Participants(n) => format!("{} ({n})", t(T::MissingParticipants)),
        Missing::ParticipantName(_, k) => {
            format!("{} {k}: {}", t(T::Participant), t(T::MissingName))
        }
        Missing::ParticipantRole(_, k) => {
            format!("{} {k}: {}", t(T::Participant), t(T::MissingRole))
        }
        Missing::ParticipantAnswer(_, k, q) => {
            format!("{} {k}: {} {q}", t(T::Participant), t(T::MissingAnswer))
        }
    }
}

fn field_label(i18n: I18n, f: &str) -> &'static str {
    i18n.t(match f {
        "principal_name" => T::PrincipalName,
        "place" => T::Place,
        "guidance" => T::Guidance,
        "guidance_where" => T::GuidanceWhere,
        "nee_count" => T::NeeCount,
        "situation" => T::Situation,
        _ => T::Observations,
    })
}

// ---------------------------------------------------------------------------------------
// The record form (phone first).

/// What a line of a record's history is about: the field typed into (participants' texts,
/// "<id>/name", are not named).
fn record_subject() -> Subject {
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
            <p><A href=format!("/red/{}/indagacion", ctx.net.id)>{tr(T::BackToInquiries)}</A></p>
            {move || match (phase.get(), rid.get_untracked()) {
                (3, Some(id)) => view! {
                    <RecordForm id record corrected />
                    // Read when opened, not on every keystroke.
                    <HistoryBox track=move || data.track() load=move || ctx.record_history(id)
                        subject=record_subject() testid="record-history" entry_testid="record-history-entry" />
                }.into_any(),
                (2, _) => view! { <p role="alert" class="alert" data-testid="record-unreadable">{move || match data.get() { Loaded::Failed(e) => explain(i18n, &e), _ => String::new() }}</p> }.into_any(),
                (1, _) => view! { <p data-testid="record-missing">{tr(T::NotFoundHere)}</p> }.into_any(),
                _ => view! { <p>{tr(T::Loading)}</p> }.into_any(),
            }}
        </main>
    }
}

fn text_box(
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
    let splicer: crate::components::Splicer = std::rc::Rc::new(move |at, delete, insert| {
        let target = target.clone();
        let i18n = use_i18n();
        Box::pin(async move {
            ctx.splice(id, target, at, delete, insert).await.map_err(|e| explain(i18n, &e))
        })
    });
    let numeric = dom_id == "f-nee_count";
    view! {
        <PlanText value editable=Signal::derive(|| true) splice=splicer testid=dom_id.clone() id=dom_id
            label=label.to_string() rows inputmode=if numeric { "numeric" } else { "text" }
            on_blur=Callback::new(move |_| ctx.send_now()) />
    }
}

#[component]
fn RecordForm(
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
    let finalise = move |_| {
        missing.set(Vec::new());
        spawn_local(async move {
            match ctx.finalise(id).await {
                Ok(()) => {
                    missing.set(Vec::new());
                    error.set(None);
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
    let add = move |_| {
        spawn_local(async move {
            error.set(ctx.add_participant(id).await.err().map(|e| explain(i18n, &e)));
        });
    };
    let date = move || record.with(|r| r.as_ref().map(|r| r.date.clone()).unwrap_or_default());
    view! {
        <h2>{tr(T::RecordTitle)}</h2>
        <p class="state-line">{tr(T::State)} ": " <strong class="state" data-testid="record-state">{move || tr(state_text(state.get()))()}</strong>
            <Show when=move || corrected.get()>" · " <span data-testid="record-corrected">{tr(T::CorrectedAfterFinalising)}</span></Show>
        </p>
        <form class="stack" on:submit=|ev| ev.prevent_default()>
            {field("principal_name", T::PrincipalName, 1)}
            <label class="field">
                <span class="field-label">{tr(T::ApplicationDate)}</span>
                <input type="date" id="f-date" data-testid="f-date" max=today() prop:value=date on:change=move |ev| {
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
                    disabled=move || at_max.get()>{tr(T::AddParticipant)}</button>
            </fieldset>
            {field("observations", T::Observations, 3)}
            <button type="button" class="primary" data-testid="record-finalise" on:click=finalise>{tr(T::Finalise)}</button>
            <p class="form-error" role="alert">{move || error.get()}</p>
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
fn ParticipantBox(id: DocumentId, pid: String, record: Memo<Option<Record>>) -> impl IntoView {
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

// ---------------------------------------------------------------------------------------
// Results.

#[component]
pub fn ResultsPage() -> impl IntoView {
    let ctx = use_inquiry();
    let iid = param_id("iid");
    let inq = inquiry_signal(ctx, iid);
    let lines = records_signal(ctx, inq, false);
    let centres = move || {
        ctx.net.network.with(|n| {
            n.centres_sorted()
                .into_iter()
                .map(|(id, c)| (id.clone(), c.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    // Everything shown is derived in core (`results::results`), records this device cannot
    // read included (with why, in the person's words).
    let i18n = use_i18n();
    let res = Memo::new(move |_| {
        let readings = lines
            .get()
            .unwrap_or_default()
            .into_iter()
            .map(|l| RecordReading {
                id: l.id.to_string(),
                record: l.record.map_err(|e| crate::error::explain(i18n, &e)),
            })
            .collect::<Vec<_>>();
        inq.with(|i| match i {
            Loaded::Ready(i) => results::results(i, &readings, &centres()),
            _ => results::results(&Default::default(), &readings, &centres()),
        })
    });
    let export = move |_| {
        let bytes = res.with_untracked(|r| inquiry::answers_csv(&r.records()));
        download::bytes("respuestas.csv", "text/csv;charset=utf-8", &bytes);
    };
    view! {
        <main class="page results" data-testid="results">
            <p class="no-print"><A href=format!("/red/{}/indagacion", ctx.net.id)>{tr(T::BackToInquiries)}</A></p>
            <h2>{tr(T::Results)} ": " {move || match inq.get() { Loaded::Ready(i) => i.definition.title, _ => String::new() }}</h2>
            <div class="row no-print">
                <button class="secondary" data-testid="results-export" on:click=export>{tr(T::ExportAnswers)}</button>
                <button class="secondary" on:click=|_| { let _ = window().print(); }>{tr(T::Print)}</button>
            </div>
            <p data-testid="results-count">{tr(T::FinalisedRecords)} ": " {move || res.with(|r| r.finalised.len())}</p>
            <h3>{tr(T::NeeTotals)}</h3>
            <p>{tr(T::Total)} ": " <strong data-testid="nee-total" data-partial=move || res.with(|r| r.nee.is_partial()).to_string()>{move || res.with(|r| r.nee.total)}</strong></p>
            // A total that leaves records out says so, and which.
            {move || {
                let left = res.with(|r| r.nee.left_out.clone());
                (!left.is_empty()).then(|| {
                    let unreadable = left.iter().filter(|l| matches!(l.why, LeftOut::Unreadable(_))).count();
                    let not_counts = left.len() - unreadable;
                    let mut parts = Vec::new();
                    if unreadable > 0 {
                        parts.push(format!("{unreadable} {}", tr(if unreadable == 1 { T::PartialUnreadableOne } else { T::PartialUnreadableMany })()));
                    }
                    if not_counts > 0 {
                        parts.push(format!("{not_counts} {}", tr(if not_counts == 1 { T::PartialNotCountOne } else { T::PartialNotCountMany })()));
                    }
                    let names = left.iter().map(|l| if l.centre.is_empty() { l.record.clone() } else { l.centre.clone() }).collect::<Vec<_>>().join(", ");
                    view! { <p class="form-error" role="status" data-testid="nee-partial">{tr(T::PartialTotal)} ": " {parts.join("; ")} " (" {names} ")."</p> }
                })
            }}
            <table class="review-table">
                <thead><tr><th>{tr(T::Centre)}</th><th>{tr(T::NeeCount)}</th></tr></thead>
                <tbody>
                    {move || res.with(|r| r.nee.rows.clone()).into_iter().map(|r| view! {
                        <tr data-testid="nee-row"><td>{r.centre}</td><td>{r.text}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            // Records this device cannot read: left out of the total, their centres not missing.
            {move || {
                let unreadable = res.with(|r| r.unreadable.clone());
                (!unreadable.is_empty()).then(|| view! {
                    <ul class="form-error" data-testid="results-unreadable">
                        {unreadable.into_iter().map(|u| view! {
                            <li data-testid="results-unreadable-record">{tr(T::Unreadable)} " " {u.centre_name.unwrap_or(u.id)} " — " {u.reason}</li>
                        }).collect_view()}
                    </ul>
                })
            }}
            <h3>{tr(T::NotDeliveredYet)}</h3>
            <ul data-testid="not-delivered">{move || {
                let missing = res.with(|r| r.missing.clone());
                if missing.is_empty() {
                    view! { <li class="hint" data-testid="all-delivered">{tr(T::AllDelivered)}</li> }.into_any()
                } else {
                    missing.into_iter().map(|c| view! { <li>{c.name}</li> }).collect_view().into_any()
                }
            }}</ul>
            <section class="round" data-testid="round-1">
                <h3>{tr(T::Round1)}</h3>
                <ol>
                    <li>
                        <strong>{tr(T::Round1HowWas)}</strong>
                        <p class="hint">{tr(T::Round1HowWasHint)}</p>
                        <ul>{move || {
                            let notes = res.with(|r| r.reflections.clone());
                            if notes.is_empty() {
                                view! { <li class="hint">{tr(T::NoReflections)}</li> }.into_any()
                            } else {
                                notes.into_iter().map(|n| view! {
                                    <li data-testid="round-1-reflection"><strong>{n.centre}</strong> <div class="prose">{n.text}</div></li>
                                }).collect_view().into_any()
                            }
                        }}</ul>
                    </li>
                    <li><strong>{tr(T::Round1Improve)}</strong></li>
                    <li><strong>{tr(T::Round1Highlight)}</strong> <p class="hint">{tr(T::Round1HighlightHint)}</p></li>
                </ol>
            </section>
            <h3>{tr(T::RecordsSideBySide)}</h3>
            <div class="record-grid">
                {move || res.with(|r| r.finalised.clone()).into_iter().map(|f| {
                    let r = f.record;
                    let item = |label: T, text: String| view! { <dt>{tr(label)}</dt> <dd class="prose">{text}</dd> };
                    view! {
                        <article class="record-card" data-testid="results-record">
                            <h4>{r.centre_name.clone()}</h4>
                            <p class="hint">{r.field("principal_name").to_string()} " · " {r.date.clone()}</p>
                            <dl>
                                {item(T::Place, r.field("place").to_string())}
                                {item(T::Guidance, r.field("guidance").to_string())}
                                {item(T::GuidanceWhere, r.field("guidance_where").to_string())}
                                {item(T::NeeCount, r.field("nee_count").trim().to_string())}
                                {item(T::Situation, r.field("situation").to_string())}
                                {item(T::Observations, r.field(inquiry::OBSERVATIONS).to_string())}
                            </dl>
                        </article>
                    }
                }).collect_view()}
            </div>
            {move || res.with(|r| r.questions.clone()).into_iter().map(|q| view! {
                <section class="question" data-testid="results-question">
                    <h3>{q.title}</h3>
                    <ul>
                        {q.answers.into_iter().map(|a| view! {
                            <li data-testid="results-answer"><strong>{a.centre}</strong> " · " {a.name} " (" {a.role} "):" <div class="prose">{a.answer}</div></li>
                        }).collect_view()}
                    </ul>
                </section>
            }).collect_view()}
        </main>
    }
}
