//! `/red/:id/indagacion/nueva` and `…/:iid/editar`: the facilitator's definition of an inquiry.

use super::*;

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
    // A double tap on "Guardar" makes one inquiry, not two.
    let busy = crate::components::OneAtATime::new();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(def) = form.get_untracked() else { return };
        if !busy.start() {
            return;
        }
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = match iid.get_untracked() {
                Some(id) => ctx.redefine(id, def).await.map(|_| ()),
                None => ctx.create(def).await.map(|_| ()),
            };
            busy.done();
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
            <p><A href=format!("/red/{}/indagacion", ctx.net.id) attr:class="back">{tr(T::BackToInquiries)}</A></p>
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
                <button type="submit" class="primary" data-testid="def-save" disabled=move || busy.running() aria-busy=move || busy.running().then_some("true")>{tr(T::Save)}</button>
                <Show when=move || saved.get()><p class="ok">{tr(T::Saved)}</p></Show>
                <p class="form-error" role="alert">{move || error.get()}</p>
            </form>
        </main>
    }
}

/// Scrolls to the control with `id` and puts the caret in it (a missing item's link).
pub(super) fn focus_field(id: &str) {
    use wasm_bindgen::JsCast;
    let Some(el) = document().get_element_by_id(id) else { return };
    el.scroll_into_view();
    if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
        let _ = el.focus();
    }
}

/// A missing item in the person's words.
pub(super) fn missing_text(i18n: I18n, m: &Missing) -> String {
    let t = |k| i18n.t(k).to_string();
    match m {
        // Under "Falta completar:", a field is named on its own ("Falta: …" said it twice).
        Missing::Field(f) => field_label(i18n, f).to_string(),
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

pub(super) fn field_label(i18n: I18n, f: &str) -> &'static str {
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
