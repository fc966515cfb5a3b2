//! `/red/:id/talleres/:wid`: one workshop — her exit ticket (one question under another, big
//! targets, saved on the phone as she answers) and the results everyone sees live (the
//! projector's view), with the ticket's QR and "Cerrar el ticket" for the facilitator.

use super::*;

#[component]
pub fn WorkshopPage() -> impl IntoView {
    let wid = workshop_id();
    move || match wid.get() {
        Some(id) => view! { <Workshop id /> }.into_any(),
        None => view! { <crate::pages::not_found::NotFound /> }.into_any(),
    }
}

#[component]
fn Workshop(id: DocumentId) -> impl IntoView {
    let ctx = WorkshopCtx::open(use_network(), id);
    let i18n = use_i18n();
    let base = format!("/red/{}/talleres", ctx.net.id);
    view! {
        <main class="page workshop">
            <p><A href=base attr:class="back">{tr(T::BackToWorkshops)}</A></p>
            {move || match ctx.workshop.get() {
                Loaded::Ready(w) => view! {
                    <h2 data-testid="workshop-heading">{w.title.clone()}</h2>
                    <p class="muted">{format_day(&w.date)} {(!w.place.is_empty()).then(|| format!(" · {}", w.place))}</p>
                    {(!w.agenda.is_empty()).then(|| view! { <p class="prose">{w.agenda.clone()}</p> })}
                }.into_any(),
                Loaded::Failed(e) => view! { <p role="alert" class="alert" data-testid="workshop-error">{explain(i18n, &e)}</p> }.into_any(),
                Loaded::Missing => view! { <p>{tr(T::NotFoundHere)}</p> }.into_any(),
                Loaded::Loading => view! { <p>{tr(T::Loading)}</p> }.into_any(),
            }}
            <Show when=move || matches!(&*ctx.workshop.read(), Loaded::Ready(_))>
                <TicketForm ctx />
                <TicketResults ctx />
            </Show>
        </main>
    }
}

/// The workshop as read, for parts shown only once it is.
fn ready(ctx: WorkshopCtx) -> Option<Workshop> {
    match ctx.workshop.get() {
        Loaded::Ready(w) => Some(w),
        _ => None,
    }
}

/// How long after her last keystroke a text answer is saved (ms).
const TYPING_SAVE_MS: u32 = 600;

#[component]
fn TicketForm(ctx: WorkshopCtx) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let me = Memo::new(move |_| ctx.net.me.get().unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let answered = RwSignal::new(false);
    let questions = Memo::new(move |_| ready(ctx).map(|w| w.questions).unwrap_or_default());
    let closed = Memo::new(move |_| ready(ctx).is_some_and(|w| w.closing.is_some()));
    // Her answer as it counts, or the late one she made after the closing.
    let mine = move |q: &str| {
        ready(ctx).and_then(|w| {
            let m = me.get();
            w.late
                .get(&m)
                .and_then(|a| a.get(q))
                .or_else(|| w.answers.get(&m).and_then(|a| a.get(q)))
                .cloned()
        })
    };
    let late_mine = Memo::new(move |_| ready(ctx).is_some_and(|w| w.late.contains_key(&me.get())));
    // What she is typing is saved a moment after her last keystroke, when she leaves the box,
    // when the page is hidden (the phone put away, the tab closed) and when she leaves the
    // page: leaving the box was the only save, and closing the tab or the page from inside it
    // lost her last answer.
    let typing = StoredValue::new_local(None::<(String, String)>);
    // A 1–5 choice not saved (no identity chosen yet): still checked, saved again with her
    // identity, as a text is.
    let scale_again = StoredValue::new_local(None::<(String, i64)>);
    let save = move |q: String, value: Answer| {
        // A text not saved (no identity chosen yet) is kept to save again, unless she typed on.
        let (again, scale) = match &value {
            Answer::Text(t) => (Some((q.clone(), t.clone())), None),
            Answer::Scale(n) => (None, Some((q.clone(), *n))),
        };
        // Made now, not when the task runs: leaving the page, the network's state (her
        // identity) is gone by then.
        let saved = ctx.answer(q, value);
        spawn_local(async move {
            match saved.await {
                Ok(()) => {
                    error.set(None);
                    answered.set(true);
                }
                Err(e) => {
                    if let Some(again) = again {
                        let _ = typing.try_update_value(|t| {
                            t.get_or_insert(again);
                        });
                    }
                    if let Some(scale) = scale {
                        let _ = scale_again.try_update_value(|s| *s = Some(scale));
                    }
                    error.set(Some(explain(i18n, &e)));
                }
            }
        });
    };
    let timer = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    let flush = move || {
        if let Some((q, text)) = typing.try_update_value(|t| t.take()).flatten() {
            save(q, Answer::Text(text));
        }
    };
    let typed = move |q: String, text: String| {
        let other = typing.try_update_value(|t| t.replace((q.clone(), text))).flatten();
        if let Some((before, text)) = other.filter(|(before, _)| *before != q) {
            save(before, Answer::Text(text));
        }
        // Replacing the timer cancels the one before: one save when she pauses.
        timer.set_value(Some(gloo_timers::callback::Timeout::new(TYPING_SAVE_MS, flush)));
    };
    // Her identity chosen after a refused save: saved again.
    Effect::new(move |before: Option<()>| {
        me.track();
        if before.is_some() {
            flush();
            if let Some((q, n)) = scale_again.try_update_value(|s| s.take()).flatten() {
                save(q, Answer::Scale(n));
            }
        }
    });
    let hidden = gloo_events::EventListener::new(&document(), "visibilitychange", move |_| {
        if document().hidden() {
            flush();
        }
    });
    let hide = gloo_events::EventListener::new(&window(), "pagehide", move |_| flush());
    StoredValue::new_local((hidden, hide));
    on_cleanup(flush);
    let on_server = move || {
        sync.docs.with(|d| d.get(&ctx.id).is_some_and(|s| s.pending == 0 && s.synced_at.is_some()))
    };
    view! {
        <section class="card ticket" aria-labelledby="ticket-h" data-testid="ticket">
            <h3 id="ticket-h">{tr(T::ExitTicket)}</h3>
            <Show when=move || !closed.get() fallback=|| view! { <p class="hint" data-testid="ticket-closed">{tr(T::TicketClosed)}</p> }>
                <p class="hint">{tr(T::TicketHint)}</p>
            </Show>
            <For each=move || questions.get() key=|q| q.id.clone() let:q>
                {
                    let qid = q.id.clone();
                    let dom = format!("ticket-{}", q.id);
                    match q.kind {
                        QuestionKind::Text => {
                            let (qa, qs) = (qid.clone(), qid.clone());
                            // Her stored answer to this question only: another answer being
                            // saved (or arriving) does not reset what she is typing here.
                            let value = Memo::new(move |_| match mine(&qa) { Some(Answer::Text(t)) => t, _ => String::new() });
                            // Not while she is in the box: her own save coming back (or another
                            // device's) would replace what she typed since, and move her caret.
                            let node = NodeRef::<leptos::html::Textarea>::new();
                            let shown = move || {
                                let v = value.get();
                                match (node.get_untracked(), document().active_element()) {
                                    (Some(el), Some(active)) if active.is_same_node(Some(&el)) => el.value(),
                                    _ => v,
                                }
                            };
                            view! {
                                <label class="field" for=dom.clone()><span class="field-label">{q.text.clone()}</span></label>
                                <textarea node_ref=node id=dom.clone() data-testid=dom rows="3" prop:value=shown disabled=move || closed.get()
                                    on:input=move |ev| typed(qs.clone(), event_target_value(&ev))
                                    on:change=move |_| flush()></textarea>
                            }.into_any()
                        }
                        QuestionKind::Scale => {
                            let legend = q.text.clone();
                            view! {
                                <fieldset class="scale" data-testid=dom>
                                    <legend>{legend}</legend>
                                    {workshop::SCALE.map(|n| {
                                        let (qc, qv) = (qid.clone(), qid.clone());
                                        let chosen = Memo::new(move |_| mine(&qv) == Some(Answer::Scale(n)));
                                        view! {
                                            <label class="scale-choice">
                                                <input type="radio" name=format!("scale-{qid}") value=n.to_string()
                                                    data-testid=format!("ticket-{qid}-{n}")
                                                    prop:checked=chosen
                                                    disabled=move || closed.get()
                                                    on:change=move |_| save(qc.clone(), Answer::Scale(n)) />
                                                <span>{n}</span>
                                            </label>
                                        }
                                    }).collect_view()}
                                </fieldset>
                            }.into_any()
                        }
                    }
                }
            </For>
            // Where her answer is, said where she answered.
            <Show when=move || answered.get() || late_mine.get()>
                <p class="ok" role="status" data-testid="ticket-state">{move || i18n.t(
                    if late_mine.get() { T::TicketLateMine } else if on_server() { T::TicketOnServer } else { T::TicketWaiting }
                )}</p>
            </Show>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </section>
    }
}

#[component]
fn TicketResults(ctx: WorkshopCtx) -> impl IntoView {
    let i18n = use_i18n();
    let me = PlanCtx::me_of(ctx.net);
    let facilitator = move || me.with(|m| m.is(Role::Facilitator));
    let results = Memo::new(move |_| ready(ctx).map(|w| workshop::results(&w)));
    // Everyone the ticket asks: the members but the facilitators, and whoever answered.
    let members = move || {
        let w = ready(ctx)?;
        Some(ctx.net.network.with(|n| workshop::asked(&n.members, &w)))
    };
    // A member by her name (her id if the network no longer lists her).
    let name_of = move |m: &String| {
        ctx.net.network.with(|n| n.members.get(m).map_or_else(|| m.clone(), |x| x.name.clone()))
    };
    let names = move || {
        let w = ready(ctx)?;
        (!w.anonymous).then(|| w.answers.keys().map(name_of).collect::<Vec<_>>().join(", "))
    };
    // Answers that arrived after the closing, apart, each person's together (named unless the
    // ticket is anonymous), in the questions' order.
    let late = move || {
        let w = ready(ctx)?;
        (!w.late.is_empty()).then(|| {
            let lines = w
                .late
                .iter()
                .map(|(member, answers)| {
                    let who = (!w.anonymous).then(|| name_of(member));
                    let given = w
                        .questions
                        .iter()
                        .filter_map(|q| {
                            let a = match answers.get(&q.id)? {
                                Answer::Text(t) => t.clone(),
                                Answer::Scale(n) => n.to_string(),
                            };
                            Some(view! { <p><span class="muted">{q.text.clone()} ":"</span> " " {a}</p> })
                        })
                        .collect_view();
                    view! { <li data-testid="ticket-late-answer">{who.map(|n| view! { <strong>{n}</strong> })} {given}</li> }
                })
                .collect_view();
            view! {
                <h4>{tr(T::TicketLateList)}</h4>
                <ul class="answers" data-testid="ticket-late-list">{lines}</ul>
            }
        })
    };
    let link = move || {
        let origin = window().location().origin().unwrap_or_default();
        format!("{origin}/red/{}/talleres/{}", ctx.net.id, ctx.id)
    };
    let busy = OneAtATime::new();
    let closed_here = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let close = move |_| {
        if !busy.start() {
            return;
        }
        spawn_local(async move {
            let outcome = ctx.close().await;
            busy.done();
            match outcome {
                Ok(()) => closed_here.set(true),
                Err(e) => error.set(Some(explain(i18n, &e))),
            }
        });
    };
    let is_closed = Memo::new(move |_| ready(ctx).is_some_and(|w| w.closing.is_some()));
    view! {
        <section class="card results" aria-labelledby="results-h" data-testid="ticket-results">
            <h3 id="results-h">{tr(T::TicketResults)}</h3>
            <Show when=move || facilitator() && !is_closed.get()>
                <div class="qr" role="img" aria-label=tr(T::TicketQr) data-testid="ticket-qr" inner_html=move || crate::pages::network::qr_svg(&link()) />
                <p class="hint">{tr(T::TicketQrHint)}</p>
            </Show>
            {move || results.get().map(|r| view! {
                <p data-testid="ticket-count">{tr(T::TicketAnswered)} ": " <strong>{r.answered}</strong> " " {tr(T::TicketOfMembers)} " " {members()}</p>
                {names().map(|n| view! { <p data-testid="ticket-who">{tr(T::TicketWho)} ": " {n}</p> })}
                {(r.late > 0).then(|| view! { <p class="form-error" role="status" data-testid="ticket-late">{move || i18n.count(r.late, T::TicketLateOne, T::TicketLate)}</p> })}
                {(r.unreadable > 0).then(|| view! { <p class="form-error" role="status" data-testid="ticket-unreadable">{move || i18n.count(r.unreadable, T::TicketUnreadableOne, T::TicketUnreadable)}</p> })}
                {late()}
                {r.tallies.into_iter().map(|(q, tally)| view! {
                    <div class="tally" data-testid="ticket-tally">
                        <h4>{q.text}</h4>
                        {match tally {
                            Tally::Texts(texts) if texts.is_empty() => view! { <p class="muted">{tr(T::TicketNoAnswers)}</p> }.into_any(),
                            Tally::Texts(texts) => view! {
                                <ul class="answers">{texts.into_iter().map(|t| view! { <li data-testid="ticket-text">{t}</li> }).collect_view()}</ul>
                            }.into_any(),
                            Tally::Scale { counts, mean_tenths } => {
                                let most = counts.iter().copied().max().unwrap_or(0).max(1);
                                view! {
                                    <table class="scale-bars" data-testid="ticket-scale">
                                        <tbody>
                                            {counts.iter().enumerate().map(|(i, c)| view! {
                                                <tr><th scope="row">{i + 1}</th>
                                                    <td><span class="bar" style:width=format!("{}%", c * 100 / most)></span> <span data-testid="scale-count">{*c}</span></td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                    {mean_tenths.map(|m| view! { <p data-testid="ticket-mean">{tr(T::TicketMean)} ": " {move || crate::i18n::decimal(&format!("{}.{}", m / 10, m % 10), i18n.0.get())}</p> })}
                                }.into_any()
                            }
                        }}
                    </div>
                }).collect_view()}
            })}
            <Show when=move || facilitator() && !is_closed.get()>
                <button class="secondary" data-testid="ticket-close" on:click=close
                    disabled=move || busy.running() aria-busy=move || busy.running().then_some("true")>{tr(T::TicketClose)}</button>
            </Show>
            <Show when=move || closed_here.get()>
                <p class="ok" role="status" data-testid="ticket-close-done">{tr(T::TicketCloseDone)}</p>
            </Show>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </section>
    }
}
