//! `/red/:id/plan/…`: the year's operating plan — the sections and their commissions
//! ("Mis secciones"), a common section's editor, a centre's plan ("Plan de mi jardín") with
//! adoption, delivery and the SLEP's review, the SLEP's table of centres, and the print view.

use juntas_core::model::{
    centre_plan::{CentreError, SectionView},
    diff::Part,
    history::Group,
    network::Role,
    plan::{CommonPlan, Conflict, Scope, SectionDef, Status},
    review::{Action, PlanState},
};
use juntas_core::rules::{self, Facts, Refusal};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::{A, Outlet},
    hooks::use_params_map,
};

use crate::{
    components::{Comments, HistoryBox, PlanText, Subject},
    dates::format_time,
    error::{AppError, explain},
    i18n::{I18n, T, fill, tr, use_i18n},
    local,
    state::{
        network::use_network,
        plan::{CentreData, CentreRow, Loaded, Me, PlanCtx, current_year, plan_years, use_plan},
    },
};

#[component]
pub fn PlanShell() -> impl IntoView {
    let net = use_network();
    let year = RwSignal::new(local::plan_year(&net.id.to_string()).unwrap_or_else(current_year));
    provide_context(PlanYear(year));
    // A new year is a new set of documents: the plan state and the pages under it start over.
    move || {
        let year = year.get();
        // Only the year re-opens the plan: nothing `open` reads may subscribe this closure.
        provide_context(untrack(|| PlanCtx::open(net, year)));
        view! { <div class="plan"><Outlet /></div> }
    }
}

/// The year whose plan the plan pages show (chosen on the plan's first page, kept per device).
#[derive(Clone, Copy)]
struct PlanYear(RwSignal<i64>);

/// "Año": the plan of another year (next year's is written in November).
#[component]
fn YearPicker() -> impl IntoView {
    let ctx = use_plan();
    let PlanYear(year) = expect_context::<PlanYear>();
    let net = ctx.net;
    let pick = move |ev: leptos::ev::Event| {
        if let Ok(y) = event_target_value(&ev).parse::<i64>() {
            if let Err(e) = local::set_plan_year(&net.id.to_string(), y) {
                leptos::logging::warn!("the chosen year is not remembered: {e}");
            }
            year.set(y);
        }
    };
    view! {
        <label class="field inline">
            <span class="field-label">{tr(T::Year)}</span>
            <select data-testid="plan-year" on:change=pick>
                {move || plan_years(net).into_iter().map(|y| view! {
                    <option value=y.to_string() selected=y == ctx.year>{y}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

pub fn state_text(s: PlanState) -> T {
    match s {
        PlanState::Draft => T::StateDraft,
        PlanState::Submitted => T::StateSubmitted,
        PlanState::HasIssues => T::StateHasIssues,
        PlanState::Resubmitted => T::StateResubmitted,
        PlanState::Approved => T::StateApproved,
    }
}

fn status_text(s: Status) -> T {
    match s {
        Status::Drafting => T::StatusDrafting,
        Status::ReadyForReview => T::StatusReady,
        Status::Agreed => T::StatusAgreed,
    }
}

fn scope_text(s: Scope) -> T {
    match s {
        Scope::Common => T::ScopeCommon,
        Scope::PerCentre => T::ScopePerCentre,
        Scope::CommonWithLocal => T::ScopeCommonLocal,
    }
}

fn member_name(ctx: PlanCtx, id: &str) -> String {
    ctx.net
        .network
        .with(|n| n.members.get(id).map(|m| m.name.clone()))
        .unwrap_or_else(|| if id.is_empty() { "—".to_string() } else { id.to_string() })
}

fn commission_name(ctx: PlanCtx, id: &str) -> String {
    ctx.net.network.with(|n| n.commissions.get(id).map(|c| c.name.clone())).unwrap_or_default()
}

/// One note per field two people set at once on `section` (see [`ConflictNote`]).
fn conflict_notes(
    section: &juntas_core::model::plan::Section,
    me: Signal<Me>,
) -> impl IntoView + use<> {
    let commission = section.commission.clone();
    section
        .conflicts
        .iter()
        .map(|c| {
            let may = match c.field {
                "status" => {
                    let (commission, id) = (commission.clone(), section.def.id.clone());
                    Signal::derive(move || {
                        me.with(|m| may_write_section(m, &id, commission.as_deref()).is_ok())
                    })
                }
                _ => {
                    let id = section.def.id.clone();
                    Signal::derive(move || me.with(|m| may_assign(m, &id).is_ok()))
                }
            };
            view! { <ConflictNote section=section.def.id.clone() conflict=c.clone() may_decide=may /> }
        })
        .collect_view()
}

/// Says that two people set a section's status or commission at once, which value every
/// device kept and what the other person chose; whoever may change the field can confirm
/// the kept value, which settles it everywhere.
#[component]
fn ConflictNote(section: String, conflict: Conflict, may_decide: Signal<bool>) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let is_status = conflict.field == "status";
    let shown = move |v: &str| {
        if is_status {
            Status::parse(v)
                .map(|st| i18n.t(status_text(st)).to_string())
                .unwrap_or_else(|| v.to_string())
        } else if v.is_empty() {
            i18n.t(T::NoCommission).to_string()
        } else {
            commission_name(ctx, v)
        }
    };
    let others = conflict.others.iter().map(|v| shown(v)).collect::<Vec<_>>().join(", ");
    let kept_shown = shown(&conflict.kept);
    let field = if is_status { T::Status } else { T::Commission };
    let error = RwSignal::new(None::<String>);
    let kept = conflict.kept;
    let confirm = move |_| {
        let (section, kept) = (section.clone(), kept.clone());
        spawn_local(async move {
            let done = if is_status {
                match Status::parse(&kept) {
                    Some(st) => ctx.set_status(section, st).await.map_err(|e| explain(i18n, &e)),
                    None => Err(i18n.t(T::ConflictUnknownValue).to_string()),
                }
            } else {
                ctx.assign(section, (!kept.is_empty()).then_some(kept))
                    .await
                    .map_err(|e| explain(i18n, &e))
            };
            error.set(done.err());
        });
    };
    view! {
        <p class="conflict" data-testid="section-conflict">
            {tr(field)} ": " {tr(T::ConflictKept)} " «" {kept_shown} "»; " {tr(T::ConflictOther)} " «" {others} "». "
            <Show when=move || may_decide.get()>
                <button type="button" class="link" data-testid="conflict-confirm" on:click=confirm.clone()>
                    {tr(T::ConflictConfirm)}
                </button>
            </Show>
            <span class="field-error" role="alert">{move || error.get()}</span>
        </p>
    }
}

/// Whether `me` may write the text and status of common section `section`, owned by
/// `commission`: core's rules, the same the server applies.
fn may_write_section(me: &Me, section: &str, commission: Option<&str>) -> Result<(), Refusal> {
    let facts = Facts::CommonPlan {
        commissions: [(section.to_owned(), commission.map(str::to_owned))].into(),
    };
    rules::may(me.who().as_ref(), &facts, rules::Effect::edit(["sections", section, "body"]))
}

/// Whether `me` may assign `section` to a commission (the template's part).
fn may_assign(me: &Me, section: &str) -> Result<(), Refusal> {
    let facts = Facts::CommonPlan { commissions: Default::default() };
    rules::may(
        me.who().as_ref(),
        &facts,
        rules::Effect::put(["sections", section, "commission"], None),
    )
}

/// The one line that says why a section's text is read-only for `me`.
fn why_read_only(ctx: PlanCtx, i18n: I18n, refusal: &Refusal) -> String {
    match refusal {
        Refusal::OnlyCommission { commission: Some(c), .. } => {
            fill(i18n.t(T::OnlyCommissionNamed), &[&commission_name(ctx, c)])
        }
        Refusal::OnlyCommission { commission: None, .. } => {
            i18n.t(T::NoCommissionOnlyFacilitator).to_owned()
        }
        Refusal::NotAMember => i18n.t(T::ChooseWhoToEdit).to_owned(),
        _ => i18n.t(T::OnlyCommissionEdits).to_owned(),
    }
}

/// A word diff as `<ins>`/`<del>` runs.
fn diff_view(parts: Vec<Part>) -> impl IntoView {
    parts
        .into_iter()
        .map(|p| match p {
            Part::Same(t) => view! { <span>{t}</span> }.into_any(),
            Part::Added(t) => view! { <ins>{t}</ins> }.into_any(),
            Part::Removed(t) => view! { <del>{t}</del> }.into_any(),
        })
        .collect_view()
}

/// Text with its line breaks kept (read-only prose).
fn prose(text: String, testid: &'static str) -> impl IntoView {
    view! { <div class="prose" data-testid=testid>{text}</div> }
}

/// History lines of a plan name the section they are about.
fn section_subject() -> Subject {
    std::rc::Rc::new(|_, g: &Group| {
        (!g.first.section.is_empty()).then(|| format!(" · {}", g.first.section))
    })
}

mod centre;
mod home;
mod print;
mod review;
mod section;

pub use centre::*;
pub use home::*;
pub use print::*;
pub use review::*;
pub use section::*;
