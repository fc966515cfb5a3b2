//! `/red/:id/talleres`: the network's workshops and votes, and the facilitator's "Nuevo
//! taller" (with the seed's exit ticket ready to reword) and "Nueva votación".

use super::*;

#[component]
pub fn WorkshopHome() -> impl IntoView {
    let net = use_network();
    let me = PlanCtx::me_of(net);
    let ids = move || workshops::workshops(net);
    view! {
        <main class="page">
            <super::cycle::CycleTimeline />
            <h2>{tr(T::Workshops)}</h2>
            <Show when=move || ids().is_empty()>
                <p class="empty" data-testid="no-workshops">{tr(T::NoWorkshops)}</p>
            </Show>
            <ul class="cards">
                <For each=ids key=|id| *id let:id>
                    <WorkshopLine id />
                </For>
            </ul>
            <Show when=move || me.with(|m| m.is(Role::Facilitator))
                fallback=|| view! { <p class="hint" data-testid="workshop-new-why">{tr(T::WorkshopOnlyFacilitator)}</p> }>
                <NewWorkshop />
            </Show>
            <h2>{tr(T::Votes)}</h2>
            <Show when=move || crate::state::vote::votes(net).is_empty()>
                <p class="empty" data-testid="no-votes">{tr(T::NoVotes)}</p>
            </Show>
            <ul class="cards">
                <For each=move || crate::state::vote::votes(net) key=|id| *id let:id>
                    <VoteLine id />
                </For>
            </ul>
            <Show when=move || me.with(|m| m.is(Role::Facilitator))>
                <NewVote />
            </Show>
        </main>
    }
}

#[component]
fn WorkshopLine(id: DocumentId) -> impl IntoView {
    let ctx = WorkshopCtx::open(use_network(), id);
    let i18n = use_i18n();
    let net = ctx.net.id;
    view! {
        <li class="card">
            <A href=format!("/red/{net}/talleres/{id}") attr:data-testid="workshop-open" attr:class="tap">
                // A workshop that cannot be read is listed with why, not left out.
                {move || crate::pages::line_text(i18n, ctx.net.id, ctx.workshop.get(), |w| {
                    format!("{} · {} · {}", w.title, format_day(&w.date), w.place)
                })}
            </A>
        </li>
    }
}

/// A default question of the exit ticket in `lang`, by its id.
pub(super) fn default_question(lang: crate::i18n::Lang, id: &str) -> Option<&'static str> {
    Some(
        match id {
            "q1" => T::TicketQ1,
            "q2" => T::TicketQ2,
            "q3" => T::TicketQ3,
            _ => return None,
        }
        .in_lang(lang),
    )
}

#[component]
fn NewWorkshop() -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let navigate = use_navigate();
    let title = RwSignal::new(String::new());
    let date = RwSignal::new(crate::dates::today());
    let place = RwSignal::new(String::new());
    let agenda = RwSignal::new(String::new());
    let anonymous = RwSignal::new(true);
    let questions = workshop::default_questions();
    // The seed's questions, in her language (she may reword them).
    let texts: Vec<RwSignal<String>> = questions
        .iter()
        .map(|q| {
            let lang = i18n.0.get_untracked();
            RwSignal::new(default_question(lang, &q.id).unwrap_or(&q.text).to_owned())
        })
        .collect();
    let error = RwSignal::new(None::<String>);
    let busy = OneAtATime::new();
    let create = {
        let (questions, texts) = (questions.clone(), texts.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if !busy.start() {
                return;
            }
            let mut qs = questions.clone();
            for (q, t) in qs.iter_mut().zip(&texts) {
                q.text = t.get_untracked();
            }
            let new = New {
                title: title.get_untracked(),
                date: date.get_untracked(),
                place: place.get_untracked(),
                agenda: agenda.get_untracked(),
                questions: qs,
                anonymous: anonymous.get_untracked(),
            };
            let navigate = navigate.clone();
            spawn_local(async move {
                let made = workshops::create(net, new).await;
                busy.done();
                match made {
                    Ok(id) => {
                        navigate(&format!("/red/{}/talleres/{id}", net.id), Default::default())
                    }
                    Err(e) => error.set(Some(explain(i18n, &e))),
                }
            });
        }
    };
    view! {
        <form class="stack card" on:submit=create data-testid="workshop-new">
            <h3>{tr(T::WorkshopNew)}</h3>
            <label class="field"><span class="field-label">{tr(T::WorkshopTitle)}</span>
                <input data-testid="workshop-title" required bind:value=title /></label>
            <label class="field"><span class="field-label">{tr(T::WorkshopDate)}</span>
                <input type="date" data-testid="workshop-date" required bind:value=date /></label>
            <label class="field"><span class="field-label">{tr(T::WorkshopPlace)}</span>
                <input data-testid="workshop-place" bind:value=place /></label>
            <label class="field"><span class="field-label">{tr(T::WorkshopAgenda)}</span>
                <textarea data-testid="workshop-agenda" rows="3" bind:value=agenda></textarea></label>
            <fieldset>
                <legend>{tr(T::WorkshopQuestions)}</legend>
                {texts.iter().zip(&questions).enumerate().map(|(i, (t, q))| {
                    let t = *t;
                    view! {
                        <label class="field"><span class="field-label">{tr(T::QuestionN)} " " {i + 1}</span>
                            <input data-testid=format!("workshop-{}", q.id) bind:value=t /></label>
                    }
                }).collect_view()}
            </fieldset>
            <label class="check"><input type="checkbox" data-testid="workshop-anonymous" bind:checked=anonymous />
                " " {tr(T::WorkshopAnonymous)}</label>
            <button type="submit" class="primary" data-testid="workshop-create"
                disabled=move || busy.running() aria-busy=move || busy.running().then_some("true")>{tr(T::WorkshopCreate)}</button>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </form>
    }
}

#[component]
fn VoteLine(id: DocumentId) -> impl IntoView {
    let ctx = crate::state::vote::VoteCtx::open(use_network(), id);
    let i18n = use_i18n();
    let net = ctx.net.id;
    view! {
        <li class="card">
            <A href=format!("/red/{net}/talleres/votacion/{id}") attr:data-testid="vote-open" attr:class="tap">
                // A vote that cannot be read is listed with why, not left out.
                {move || crate::pages::line_text(i18n, ctx.net.id, ctx.vote.get(), |v| v.question)}
            </A>
        </li>
    }
}

#[component]
fn NewVote() -> impl IntoView {
    use juntas_core::model::vote::Method;
    let net = use_network();
    let i18n = use_i18n();
    let navigate = use_navigate();
    let question = RwSignal::new(String::new());
    let method = RwSignal::new("ranking".to_string());
    let anonymous = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let busy = OneAtATime::new();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !busy.start() {
            return;
        }
        let m = match method.get_untracked().as_str() {
            "una" => Method::One,
            "varias" => Method::Several { max: 3 },
            _ => Method::Ranking,
        };
        let (q, anon) = (question.get_untracked(), anonymous.get_untracked());
        let navigate = navigate.clone();
        spawn_local(async move {
            let made = crate::state::vote::create(net, q, m, anon).await;
            busy.done();
            match made {
                Ok(id) => {
                    navigate(&format!("/red/{}/talleres/votacion/{id}", net.id), Default::default())
                }
                Err(e) => error.set(Some(explain(i18n, &e))),
            }
        });
    };
    view! {
        <form class="stack card" on:submit=create data-testid="vote-new">
            <h3>{tr(T::VoteNew)}</h3>
            <label class="field"><span class="field-label">{tr(T::VoteQuestion)}</span>
                <input data-testid="vote-new-question" required bind:value=question /></label>
            <label class="field"><span class="field-label">{tr(T::VoteMethod)}</span>
                <select data-testid="vote-new-method" on:change=move |ev| method.set(event_target_value(&ev))>
                    <option value="ranking" selected=true>{tr(T::VoteMethodRanking)}</option>
                    <option value="una">{tr(T::VoteMethodOne)}</option>
                    <option value="varias">{tr(T::VoteMethodSeveral)}</option>
                </select></label>
            <label class="check"><input type="checkbox" data-testid="vote-new-anonymous" bind:checked=anonymous />
                " " {tr(T::VoteAnonymous)}</label>
            <button type="submit" class="primary" data-testid="vote-create"
                disabled=move || busy.running() aria-busy=move || busy.running().then_some("true")>{tr(T::VoteCreate)}</button>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::default_question;
    use crate::i18n::Lang;

    #[test]
    fn the_default_questions_in_spanish_are_cores_and_each_has_its_english() {
        for q in juntas_core::model::workshop::default_questions() {
            assert_eq!(default_question(Lang::Es, &q.id), Some(q.text.as_str()));
            let en = default_question(Lang::En, &q.id).expect("in English");
            assert_ne!(en, q.text);
        }
    }
}
