//! `/red/:id/plan/centro/:cid/imprimir`: a centre's plan for A4 print.

use super::*;

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
