//! `/red/:id/plan/revision`: the SLEP's table of centres.

use super::*;

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
            <p><A href=format!("/red/{}/plan", ctx.net.id) attr:class="back" attr:data-testid="back-to-plan">{tr(T::BackToPlan)}</A></p>
            <h2>{tr(T::ReviewTable)} " " {ctx.year}</h2>
            {move || match rows.get() {
                None => view! { <p>{tr(T::Loading)}</p> }.into_any(),
                Some(rows) => view! {
                    // The roles are the table's own: on a phone its rows are laid out as grids
                    // (style/main.css), which some browsers read as not a table any more.
                    <table class="review-table" role="table" data-testid="review-table">
                        <thead role="rowgroup"><tr role="row">
                            <th role="columnheader">{tr(T::Centre)}</th>
                            <th role="columnheader">{tr(T::PlanState)}</th>
                            <th role="columnheader">{tr(T::LastChange)}</th>
                        </tr></thead>
                        <tbody role="rowgroup">
                            {rows.into_iter().map(|r| {
                                // A plan this device cannot read says so (never "not started").
                                let (state, last, unreadable) = match r.reading {
                                    Loaded::Ready((state, last)) => (tr(state_text(state))().to_string(), last, false),
                                    Loaded::Failed(e) => (format!("{} {}", i18n.t(T::Unreadable), explain(i18n, &e)), None, true),
                                    Loaded::Missing | Loaded::Loading => (tr(T::NotStarted)().to_string(), None, false),
                                };
                                view! {
                                    <tr role="row" data-testid="review-row" data-centre=r.centre.clone()>
                                        <td role="cell"><A href=format!("/red/{}/plan/centro/{}", ctx.net.id, r.centre) attr:class="tap" attr:data-testid="review-open">{r.name.clone()}</A></td>
                                        <td role="cell" data-testid="row-state" class:form-error=unreadable>{state}</td>
                                        <td role="cell">{last.map(|(at, by)| format!("{} · {}", format_time(at), member_name(ctx, &by)))}</td>
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
