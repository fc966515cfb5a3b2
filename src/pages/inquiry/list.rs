//! `/red/:id/indagacion`: the inquiries, each principal's records with their state, the list's CSV.

use super::*;

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
pub(super) fn InquiryCard(id: DocumentId) -> impl IntoView {
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
    // One tap, one pauta: a second tap while the first is being made does nothing.
    let starting = crate::components::OneAtATime::new();
    let new_record = {
        let base = base.clone();
        move |_| {
            if !starting.start() {
                return;
            }
            let navigate = navigate.clone();
            let base = base.clone();
            spawn_local(async move {
                let made = ctx.new_record(id).await;
                starting.done();
                match made {
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
        let lang = i18n.0.get_untracked();
        let header = [
            T::CsvRecordId,
            T::CsvCentreName,
            T::CsvPrincipal,
            T::CsvState,
            T::CsvLastChange,
            T::CsvLastAck,
        ]
        .map(|t| t.in_lang(lang));
        let bytes = inquiry::csv(crate::i18n::csv_separator(lang), &header, &rows);
        download::bytes("pautas.csv", "text/csv;charset=utf-8", &bytes);
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
                // Records not received yet are not errors here (sync is bringing them).
                let e = l.record.err().filter(|e| *e != AppError::NotFound)?;
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
                    {(!i.definition.deadline.is_empty()).then(|| view! { <p class="muted">{tr(T::Deadline)} ": " {crate::dates::format_day(&i.definition.deadline)}</p> })}
                }.into_any(),
                Loaded::Failed(e) => view! { <p role="alert" data-testid="inquiry-unreadable">{explain(i18n, &e)}</p> }.into_any(),
                _ => view! { <p>{tr(T::Loading)}</p> }.into_any(),
            }}
            <div class="row">
                <Show when=move || me.with(|m| m.is(Role::Principal))>
                    <button class="primary" data-testid="record-new" on:click=new_record.clone()
                        disabled=move || starting.running() aria-busy=move || starting.running().then_some("true")>{tr(T::RecordNew)}</button>
                </Show>
                // Not offered: say why, rather than leave her looking for it.
                <Show when=move || !me.with(|m| m.is(Role::Principal))>
                    <p class="hint" data-testid="record-new-why">{tr(T::RecordNewWhy)}</p>
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
                    let label = format!(
                        "{} · {}",
                        crate::dates::format_day(&record.date),
                        record.centre_name
                    );
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
