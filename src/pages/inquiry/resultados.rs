//! `/red/:id/indagacion/:iid/resultados`: the records side by side, totals, the workshop's round 1, CSV.

use super::*;

#[component]
pub fn ResultsPage() -> impl IntoView {
    let ctx = use_inquiry();
    let iid = param_id("iid");
    let inq = inquiry_signal(ctx, iid);
    let lines = records_signal(ctx, inq, false);
    let me = PlanCtx::me_of(ctx.net);
    // What the facilitator shared: every member reads it, records she cannot read included.
    let shared = RwSignal::new(Loaded::<Option<inquiry::Shared>>::Loading);
    Effect::new(move |_| {
        let Some(id) = iid.get() else { return };
        ctx.watch(id);
        spawn_local(async move { shared.set(ctx.shared_results(id).await) });
    });
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
            .map(|l| {
                let id = l.id.to_string();
                // A record this device cannot read is read as the facilitator shared it.
                let from_share = shared.with(|s| match s {
                    Loaded::Ready(Some(s)) => s.records.get(&id).cloned(),
                    _ => None,
                });
                let record = match (l.record, from_share) {
                    (Ok(r), _) => Ok(r),
                    (Err(_), Some(r)) => Ok(r),
                    (Err(e), None) => Err(crate::error::explain(i18n, &e)),
                };
                RecordReading { id, record }
            })
            .collect::<Vec<_>>();
        inq.with(|i| match i {
            Loaded::Ready(i) => results(i, &readings, &centres()),
            _ => results(&Default::default(), &readings, &centres()),
        })
    });
    // The records side by side and the answers by question are most of the page (15 cards,
    // 135 answers): two go up with it, the rest a slice per frame (a task of 54–85 ms at 4×
    // CPU when drawn whole). Printing draws everything first.
    let total = move || res.with(|r| r.finalised.len() + r.questions.len());
    let shown = crate::tasks::drawn_in_slices(2, 1, total);
    // Once all is drawn (the page is no longer `aria-busy`), what arrives later (a record
    // finalised meanwhile) goes up at once, one at a time: the records, counted first, would
    // otherwise push the last question out until the next slice.
    Effect::new(move |_| {
        // An inquiry that cannot be read has nothing to draw: the page is not busy either.
        let gone = inq.with(|i| matches!(i, Loaded::Failed(_) | Loaded::Missing));
        let loaded = lines.with(|l| l.is_some()) && inq.with(|i| matches!(i, Loaded::Ready(_)));
        if (gone || loaded && shown.get() >= total()) && shown.get_untracked() != usize::MAX {
            shown.set(usize::MAX);
        }
    });
    // Each block is drawn again only when its own count changes.
    let records_shown = Memo::new(move |_| res.with(|r| shown.get().min(r.finalised.len())));
    let questions_shown = Memo::new(move |_| {
        res.with(|r| shown.get().saturating_sub(r.finalised.len()).min(r.questions.len()))
    });
    // Printed from the browser's menu as the page opens: everything is drawn first (the
    // render runs before the print's layout).
    let before_print = gloo_events::EventListener::new(&window(), "beforeprint", move |_| {
        shown.set(usize::MAX);
    });
    StoredValue::new_local(before_print);
    let print = move |_| {
        if shown.get_untracked() == usize::MAX {
            let _ = window().print();
            return;
        }
        shown.set(usize::MAX);
        spawn_local(async move {
            // Drawn in the task after this one.
            crate::tasks::yield_to_browser().await;
            if !shown.is_disposed() {
                let _ = window().print();
            }
        });
    };
    let export = move |_| {
        let lang = i18n.0.get_untracked();
        let header = answers_header(lang);
        let sep = crate::i18n::csv_separator(lang);
        let bytes = res.with_untracked(|r| inquiry::answers_csv(sep, &header, &r.records()));
        download::bytes("respuestas.csv", "text/csv;charset=utf-8", &bytes);
    };
    view! {
        <main class="page results" data-testid="results" aria-busy=move || (shown.get() != usize::MAX).then_some("true")>
            <p class="no-print"><A href=format!("/red/{}/indagacion", ctx.net.id) attr:class="back">{tr(T::BackToInquiries)}</A></p>
            <h2>{tr(T::Results)} ": " {move || match inq.get() { Loaded::Ready(i) => i.definition.title, _ => String::new() }}</h2>
            <div class="row no-print">
                <button class="secondary" data-testid="results-export" on:click=export>{tr(T::ExportAnswers)}</button>
                <button class="secondary" data-testid="results-print" on:click=print>{tr(T::Print)}</button>
            </div>
            <Show when=move || me.with(|m| m.is(Role::Facilitator))>
                <ShareResults iid finalised=Signal::derive(move || res.with(|r| r.finalised.iter().map(|f| (f.id.clone(), f.record.clone())).collect::<Vec<_>>())) />
            </Show>
            {move || match shared.get() {
                Loaded::Ready(Some(s)) => Some(view! {
                    <p class="hint" data-testid="results-shared">
                        {tr(T::ResultsSharedOn)} " " {crate::dates::format_time(s.at)} " (" {s.records.len()} " " {tr(if s.records.len() == 1 { T::ResultsSharedRecord } else { T::ResultsSharedRecords })} ")."
                    </p>
                }.into_any()),
                Loaded::Failed(e) => Some(view! { <p class="form-error" role="alert">{crate::error::explain(i18n, &e)}</p> }.into_any()),
                _ => None,
            }}
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
                {move || res.with(|r| r.finalised.iter().take(records_shown.get()).cloned().collect::<Vec<_>>()).into_iter().map(|f| {
                    let r = f.record;
                    let item = |label: T, text: String| view! { <dt>{tr(label)}</dt> <dd class="prose">{text}</dd> };
                    view! {
                        <article class="record-card" data-testid="results-record">
                            <h4>{r.centre_name.clone()}</h4>
                            <p class="hint">{r.field("principal_name").to_string()} " · " {crate::dates::format_day(&r.date)}</p>
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
            {move || res.with(|r| r.questions.iter().take(questions_shown.get()).cloned().collect::<Vec<_>>()).into_iter().map(|q| view! {
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

/// "Compartir Resultados con la red": the facilitator shares the finalised records as they are
/// now with every member (records are otherwise read only by their author, facilitators and
/// SLEP professionals); sharing again replaces what was shared.
#[component]
fn ShareResults(
    iid: Memo<Option<DocumentId>>,
    finalised: Signal<Vec<(String, inquiry::Record)>>,
) -> impl IntoView {
    let ctx = use_inquiry();
    let i18n = use_i18n();
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let share = move |_| {
        let Some(id) = iid.get_untracked() else { return };
        let records = finalised.get_untracked();
        busy.set(true);
        spawn_local(async move {
            let r = ctx.share_results(id, records).await;
            outcome.set(Some(r.map_err(|e| crate::error::explain(i18n, &e))));
            busy.set(false);
        });
    };
    view! {
        <div class="row no-print">
            <button class="secondary" data-testid="results-share" disabled=move || busy.get() on:click=share>{tr(T::ShareResults)}</button>
            <span class="hint">{tr(T::ShareResultsHint)}</span>
            {move || match outcome.get() {
                Some(Ok(())) => Some(view! { <span class="ok" role="status" data-testid="results-share-done">{tr(T::ResultsShareDone)}</span> }.into_any()),
                Some(Err(e)) => Some(view! { <span class="form-error" role="alert">{e}</span> }.into_any()),
                None => None,
            }}
        </div>
    }
}

/// The answers CSV's header in `lang` (core's `ANSWERS_HEADER` in Spanish).
fn answers_header(lang: crate::i18n::Lang) -> [&'static str; 13] {
    [
        T::CsvCentreName,
        T::CsvPrincipal,
        T::CsvDay,
        T::CsvPlace,
        T::CsvNeeCount,
        T::CsvParticipant,
        T::CsvRole,
        T::CsvQuestion,
        T::CsvAnswer,
        T::CsvGuidance,
        T::CsvWhere,
        T::CsvSituation,
        T::CsvObservations,
    ]
    .map(|t| t.in_lang(lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn the_answers_header_is_cores_columns_in_her_language() {
        assert_eq!(answers_header(Lang::Es), inquiry::ANSWERS_HEADER);
        assert_eq!(answers_header(Lang::En)[0], "centre");
        assert_eq!(answers_header(Lang::En)[12], "observations / reflections");
    }
}
