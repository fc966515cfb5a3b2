//! The network's improvement cycles: the timeline at the top of "Talleres" (cycle 0, 1, 2 …,
//! each stage with the day it started), the facilitator's "Nuevo ciclo", and
//! `/red/:id/talleres/ciclo/:cid`: the aim, what the cycle uses, its stage, and the PDSA
//! worksheet everyone co-writes (every keystroke kept, offline too).

use std::collections::BTreeMap;

use super::*;
use juntas_core::model::cycle::{AIM, Cycle, LinkKind, Stage, Target};

use crate::{
    components::{HistoryBox, PlanText, Splicer},
    state::cycle::{self as cycles, CycleCtx},
};

fn stage_word(s: Stage) -> T {
    match s {
        Stage::Plan => T::StagePlan,
        Stage::Do => T::StageDo,
        Stage::Study => T::StageStudy,
        Stage::Act => T::StageAct,
    }
}

/// The stage's word, for the measures' charts.
pub(super) fn stage_word_pub(s: Stage) -> T {
    stage_word(s)
}

fn aim_word(part: &str) -> T {
    match part {
        "que" => T::AimWhat,
        "para_quien" => T::AimForWhom,
        "cuanto" => T::AimHowMuch,
        _ => T::AimByWhen,
    }
}

fn field_word(f: &str) -> T {
    match f {
        "objetivo" => T::FObjetivo,
        "preguntas_predicciones" => T::FPreguntas,
        "tareas" => T::FTareas,
        "medidas" => T::FMedidas,
        "que_paso" => T::FQuePaso,
        "observaciones" => T::FObservaciones,
        "imprevistos" => T::FImprevistos,
        "resultados" => T::FResultados,
        "aprendizajes" => T::FAprendizajes,
        "decision" => T::FDecision,
        _ => T::FProximo,
    }
}

/// What an entry of the cycle's history is about, in her words: the worksheet's field, the
/// aim's part, the stage, the measure by its name (its id said nothing to her).
fn history_subject(
    i18n: crate::i18n::I18n,
    g: &juntas_core::model::history::Group,
    cycle: Memo<Option<Cycle>>,
) -> Option<String> {
    use juntas_core::model::history::Verb;
    let s = g.first.section.as_str();
    let word = match g.first.verb {
        Verb::Edit if s == "title" => i18n.t(T::CycleTitle).to_string(),
        Verb::Edit => match s.strip_prefix("aim/") {
            Some(part) => i18n.t(aim_word(part)).to_string(),
            None => i18n.t(field_word(s)).to_string(),
        },
        Verb::Stage => i18n.t(stage_word(Stage::parse(s)?)).to_string(),
        Verb::AddMeasure | Verb::AddPoint => cycle.with_untracked(|c| {
            c.as_ref()?.measures.iter().find(|m| m.id == s).map(|m| m.name.clone())
        })?,
        _ => return None,
    };
    Some(format!(" · {word}"))
}

/// The stages reached, each with its day: "Planificar 01-09-2026 · Hacer 05-10-2026".
fn stages_line(i18n: crate::i18n::I18n, c: &Cycle) -> String {
    c.stages
        .iter()
        .map(|(s, day)| format!("{} {}", i18n.t(stage_word(*s)), format_day(day)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The number "Nuevo ciclo" suggests: one more than the highest of the cycles read so far, so
/// a network that counts from 1, or skipped one, is not offered a number it used; and at least
/// the count of the listed cycles (the next number of a network that counts from 0, as the
/// example does), which also holds while some are not read yet (loading, or not on this
/// device).
fn next_number(read: impl Iterator<Item = u32>, listed: usize) -> u32 {
    let listed = u32::try_from(listed).unwrap_or(u32::MAX);
    read.max().map_or(listed, |n| n.saturating_add(1).max(listed))
}

/// The timeline: every cycle by number, with its stages and their days.
#[component]
pub(super) fn CycleTimeline() -> impl IntoView {
    let net = use_network();
    let me = PlanCtx::me_of(net);
    let ids = move || cycles::cycles(net);
    // Each listed cycle's number, as its line reads it: "Nuevo ciclo" suggests the next.
    let numbers = RwSignal::new(BTreeMap::<DocumentId, u32>::new());
    view! {
        <h2>{tr(T::Cycles)}</h2>
        <Show when=move || ids().is_empty()>
            <p class="empty" data-testid="no-cycles">{tr(T::NoCycles)}</p>
        </Show>
        <ol class="cards timeline" data-testid="cycle-timeline">
            <For each=ids key=|id| *id let:id>
                <CycleLine id numbers />
            </For>
        </ol>
        <Show when=move || me.with(|m| m.is(Role::Facilitator))>
            <NewCycle numbers />
        </Show>
    }
}

#[component]
fn CycleLine(id: DocumentId, numbers: RwSignal<BTreeMap<DocumentId, u32>>) -> impl IntoView {
    let ctx = CycleCtx::open(use_network(), id);
    Effect::new(move || {
        if let Loaded::Ready(c) = ctx.cycle.get() {
            numbers.update(|m| {
                m.insert(id, c.number);
            });
        }
    });
    // A cycle no longer listed suggests nothing (a disposed signal ignores the update).
    on_cleanup(move || {
        numbers.update(|m| {
            m.remove(&id);
        })
    });
    let i18n = use_i18n();
    let net = ctx.net.id;
    // Ordered by number on the timeline (CSS order), whatever order the network lists them in.
    view! {
        <li class="card" data-testid="cycle-line" style:order=move || match ctx.cycle.get() { Loaded::Ready(c) => c.number.to_string(), _ => "0".into() }>
            {move || match ctx.cycle.get() {
                Loaded::Ready(c) => view! {
                    <A href=format!("/red/{net}/talleres/ciclo/{id}") attr:data-testid="cycle-open" attr:class="tap">
                        {format!("{} {} · {}", i18n.t(T::CycleWord), c.number, c.title)}
                    </A>
                    <p class="muted" data-testid="cycle-stages">{stages_line(i18n, &c)}</p>
                }.into_any(),
                // A cycle that cannot be read is listed with why, not left out.
                Loaded::Failed(e) => view! { <p role="alert">{i18n.t(T::Unreadable)} " " {explain(i18n, &e)}</p> }.into_any(),
                Loaded::Missing => view! { <p>{move || crate::pages::not_here(i18n, ctx.net.id)}</p> }.into_any(),
                Loaded::Loading => view! { <p>"…"</p> }.into_any(),
            }}
        </li>
    }
}

#[component]
fn NewCycle(numbers: RwSignal<BTreeMap<DocumentId, u32>>) -> impl IntoView {
    let net = use_network();
    let i18n = use_i18n();
    let navigate = use_navigate();
    // The next number until she types one: it follows cycles made on other devices while the
    // form is open. Written into the field, never bound to what she types (a number field
    // reports "" while "1." is half typed).
    let number_ref = NodeRef::<leptos::html::Input>::new();
    let typed_number = StoredValue::new(false);
    Effect::new(move || {
        let next = numbers.with(|m| next_number(m.values().copied(), cycles::cycles(net).len()));
        let next = next.to_string();
        if let Some(input) = number_ref.get()
            && !typed_number.get_value()
        {
            input.set_value(&next);
        }
    });
    let title = RwSignal::new(String::new());
    let start = RwSignal::new(crate::dates::today());
    let aim: Vec<(&'static str, RwSignal<String>)> =
        AIM.iter().map(|p| (*p, RwSignal::new(String::new()))).collect();
    // What it may link: the plan years, trees, inquiries and workshops the network lists.
    let choices = move || {
        net.network.with(|n| {
            let mut out: Vec<(String, LinkKind)> = n
                .plans
                .keys()
                .filter(|k| !k.contains('/'))
                .map(|k| (k.clone(), LinkKind::Plan))
                .collect();
            out.extend(n.trees.keys().map(|k| (k.clone(), LinkKind::Tree)));
            out.extend(n.inquiries.keys().map(|k| (k.clone(), LinkKind::Inquiry)));
            out.extend(n.workshops.keys().map(|k| (k.clone(), LinkKind::Workshop)));
            out
        })
    };
    let picked = RwSignal::new(std::collections::BTreeMap::<String, LinkKind>::new());
    let error = RwSignal::new(None::<String>);
    let busy = OneAtATime::new();
    let create = {
        let aim = aim.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            // The field's own checks (a whole number, 0 or more) run first; this one sees
            // only what passes them and still is no cycle number ("1e3", too big).
            let typed = number_ref.get_untracked().map(|i| i.value()).unwrap_or_default();
            let Ok(n) = typed.trim().parse::<u32>() else {
                error.set(Some(i18n.t(T::ErrBadNumber).to_owned()));
                return;
            };
            if !busy.start() {
                return;
            }
            let new = juntas_core::model::cycle::New {
                number: n,
                title: title.get_untracked(),
                aim: juntas_core::order::map_of(
                    aim.iter().map(|(p, s)| (p.to_string(), s.get_untracked())),
                ),
                links: picked.get_untracked(),
                start: start.get_untracked(),
            };
            let navigate = navigate.clone();
            spawn_local(async move {
                let made = cycles::create(net, new).await;
                busy.done();
                match made {
                    Ok(id) => navigate(
                        &format!("/red/{}/talleres/ciclo/{id}", net.id),
                        Default::default(),
                    ),
                    Err(e) => error.set(Some(explain(i18n, &e))),
                }
            });
        }
    };
    view! {
        <form class="stack card" on:submit=create data-testid="cycle-new">
            <h3>{tr(T::CycleNew)}</h3>
            <label class="field"><span class="field-label">{tr(T::CycleNumber)}</span>
                <input type="number" min="0" inputmode="numeric" data-testid="cycle-number" required
                    node_ref=number_ref on:input=move |_| typed_number.set_value(true) /></label>
            <label class="field"><span class="field-label">{tr(T::CycleTitle)}</span>
                <input data-testid="cycle-title" required bind:value=title /></label>
            <label class="field"><span class="field-label">{tr(T::CycleStart)}</span>
                <input type="date" data-testid="cycle-start" required bind:value=start /></label>
            <fieldset>
                <legend>{tr(T::Aim)}</legend>
                {aim.iter().map(|(p, s)| {
                    let s = *s;
                    view! {
                        <label class="field"><span class="field-label">{tr(aim_word(p))}</span>
                            <input data-testid=format!("cycle-aim-{p}") bind:value=s /></label>
                    }
                }).collect_view()}
            </fieldset>
            <fieldset>
                <legend>{tr(T::CycleLinks)}</legend>
                {move || choices().into_iter().map(|(id, kind)| {
                    let (key, key2) = (id.clone(), id.clone());
                    view! {
                        <label class="check">
                            <input type="checkbox" data-testid="cycle-link"
                                prop:checked=move || picked.with(|p| p.contains_key(&key))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let id = key2.clone();
                                    picked.update(|p| { if on { p.insert(id, kind); } else { p.remove(&id); } });
                                } />
                            " " <LinkName id kind />
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <button type="submit" class="primary" data-testid="cycle-create"
                disabled=move || busy.running() aria-busy=move || busy.running().then_some("true")>{tr(T::CycleCreate)}</button>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </form>
    }
}

/// A linked piece of the network's work by its name (read from its document; a plan by year).
#[component]
fn LinkName(id: String, kind: LinkKind) -> impl IntoView {
    use juntas_core::model::{inquiry, tree, workshop};
    let net = use_network();
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let doc: Option<DocumentId> = id.parse().ok();
    let (word, fallback) = match kind {
        LinkKind::Plan => (T::PlanYear, id.clone()),
        LinkKind::Tree => (T::Tree, String::new()),
        LinkKind::Inquiry => (T::Inquiry, String::new()),
        LinkKind::Workshop => (T::Workshops, String::new()),
    };
    name.set(fallback);
    if let (Some(doc), false) = (doc, kind == LinkKind::Plan) {
        net.docs.want(doc);
        spawn_local(async move {
            let got = match kind {
                LinkKind::Tree => net.docs.read(doc, |d| tree::read(d).map(|t| t.problem)).await,
                LinkKind::Inquiry => {
                    net.docs
                        .read(doc, |d| inquiry::read_inquiry(d).map(|i| i.definition.title))
                        .await
                }
                _ => net.docs.read(doc, |d| workshop::read(d).map(|w| w.title)).await,
            };
            name.set(match got {
                Loaded::Ready(n) => n,
                Loaded::Failed(e) => format!("{} {}", i18n.t(T::Unreadable), explain(i18n, &e)),
                _ => i18n.t(T::NotFoundHere).to_owned(),
            });
        });
    }
    view! { <span>{tr(word)} ": " {move || name.get()}</span> }
}

#[component]
pub fn CyclePage() -> impl IntoView {
    let params = use_params_map();
    let cid =
        Memo::new(move |_| params.read().get("cid").and_then(|s| DocumentId::from_str(&s).ok()));
    move || match cid.get() {
        Some(id) => view! { <CycleView id /> }.into_any(),
        None => view! { <crate::pages::not_found::NotFound /> }.into_any(),
    }
}

#[component]
fn CycleView(id: DocumentId) -> impl IntoView {
    let ctx = CycleCtx::open(use_network(), id);
    let i18n = use_i18n();
    let me = PlanCtx::me_of(ctx.net);
    let facilitator = Signal::derive(move || me.with(|m| m.is(Role::Facilitator)));
    let ready = Memo::new(move |_| match ctx.cycle.get() {
        Loaded::Ready(c) => Some(c),
        _ => None,
    });
    // The links alone: drawn again when they change, not at every keystroke in the worksheet
    // (each drawing re-read every linked document, its name blinking out meanwhile).
    let links = Memo::new(move |_| {
        ready.with(|c| c.as_ref().map(|c| (c.links.clone(), c.unknown_links)).unwrap_or_default())
    });
    let phase = Memo::new(move |_| match &*ctx.cycle.read() {
        Loaded::Ready(_) => 3,
        Loaded::Failed(_) => 2,
        Loaded::Missing => 1,
        Loaded::Loading => 0,
    });
    let error = RwSignal::new(None::<String>);
    let busy = OneAtATime::new();
    let next = Memo::new(move |_| {
        ready.with(|c| {
            let c = c.as_ref()?;
            Stage::ALL.into_iter().find(|s| *s > c.stage())
        })
    });
    let advance = move |_| {
        let Some(stage) = next.get_untracked() else { return };
        if !busy.start() {
            return;
        }
        spawn_local(async move {
            let outcome = ctx.start_stage(stage).await;
            busy.done();
            error.set(outcome.err().map(|e| explain(i18n, &e)));
        });
    };
    let text_box = move |target: Target,
                         testid: String,
                         label: String,
                         rows: u32,
                         editable: Signal<bool>| {
        let t = target.clone();
        let value = Signal::derive(move || {
            ready.with(|c| {
                let Some(c) = c else { return String::new() };
                match &t {
                    Target::Sheet(f) => c.field(f).to_owned(),
                    Target::Aim(p) => c.aim.get(p).cloned().unwrap_or_default(),
                    Target::Title => c.title.clone(),
                }
            })
        });
        let splicer: Splicer = std::rc::Rc::new(move |edit| {
            let target = target.clone();
            Box::pin(async move { ctx.splice(target, edit).await.map_err(|e| explain(i18n, &e)) })
        });
        view! {
            <label class="field" for=testid.clone()><span class="field-label">{label.clone()}</span></label>
            <PlanText value editable splice=splicer testid=testid.clone() id=testid label rows
                on_blur=Callback::new(move |_| ctx.send_now()) />
        }
    };
    let net = ctx.net.id;
    let link_href = move |id: &str, kind: LinkKind| match kind {
        LinkKind::Plan => format!("/red/{net}/plan"),
        LinkKind::Tree => format!("/red/{net}/arbol/{id}"),
        LinkKind::Inquiry => format!("/red/{net}/indagacion"),
        LinkKind::Workshop => format!("/red/{net}/talleres/{id}"),
    };
    view! {
        <main class="page cycle">
            <p><A href=format!("/red/{net}/talleres") attr:class="back">{tr(T::BackToWorkshops)}</A></p>
            {move || match (phase.get(), ready.get()) {
                (3, Some(c)) => view! {
                    <h2 data-testid="cycle-heading">{format!("{} {} · {}", i18n.t(T::CycleWord), c.number, c.title)}</h2>
                    <p class="state-line">{tr(T::StageNow)} ": " <strong data-testid="cycle-stage">{tr(stage_word(c.stage()))}</strong>
                        " · " <span data-testid="cycle-stages">{stages_line(i18n, &c)}</span></p>
                }.into_any(),
                (2, _) => view! { <p role="alert" class="alert" data-testid="cycle-error">{move || match ctx.cycle.get() { Loaded::Failed(e) => explain(i18n, &e), _ => String::new() }}</p> }.into_any(),
                (1, _) => view! { <p>{tr(T::NotFoundHere)}</p> }.into_any(),
                _ => view! { <p>{tr(T::Loading)}</p> }.into_any(),
            }}
            <Show when=move || phase.get() == 3>
                {move || next.get().map(|s| view! {
                    <button class="secondary" data-testid="cycle-next" on:click=advance disabled=move || busy.running()>
                        {tr(T::StageNext)} " " {tr(stage_word(s))}
                    </button>
                })}
                <p class="form-error" role="alert">{move || error.get()}</p>
                <section class="card" aria-labelledby="aim-h">
                    <h3 id="aim-h">{tr(T::Aim)}</h3>
                    {AIM.iter().map(|p| text_box(Target::Aim(p.to_string()), format!("cycle-aim-{p}"), i18n.t(aim_word(p)).to_owned(), 1, facilitator)).collect_view()}
                </section>
                <section class="card" aria-labelledby="links-h">
                    <h3 id="links-h">{tr(T::CycleLinks)}</h3>
                    {move || {
                        let (links, unknown) = links.get();
                        view! {
                            {links.is_empty().then(|| view! { <p class="muted">{tr(T::CycleNoLinks)}</p> })}
                            <ul>
                                {links.into_iter().map(|(id, kind)| view! {
                                    <li><A href=link_href(&id, kind) attr:class="tap" attr:data-testid="cycle-linked"><LinkName id kind /></A></li>
                                }).collect_view()}
                            </ul>
                            {(unknown > 0).then(|| view! { <p class="form-error">{move || i18n.count(unknown, T::CycleUnknownLinksOne, T::CycleUnknownLinks)}</p> })}
                        }
                    }}
                </section>
                <super::measure::Measures ctx cycle=ready />
                <h3>{tr(T::Worksheet)}</h3>
                {Stage::ALL.into_iter().map(|s| view! {
                    <section class="card" aria-labelledby=format!("stage-{}", s.as_str()) data-testid=format!("sheet-{}", s.as_str())>
                        <h4 id=format!("stage-{}", s.as_str())>{tr(stage_word(s))}</h4>
                        {s.fields().iter().map(|f| text_box(Target::Sheet(f.to_string()), format!("sheet-{f}"), i18n.t(field_word(f)).to_owned(), 3, Signal::derive(|| true))).collect_view()}
                    </section>
                }).collect_view()}
                <HistoryBox track=move || { ctx.cycle.track(); } load=move || ctx.history()
                    subject=std::rc::Rc::new(move |i18n, g: &juntas_core::model::history::Group| history_subject(i18n, g, ready))
                    testid="cycle-history" entry_testid="cycle-history-entry" />
            </Show>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::next_number;

    #[test]
    fn the_suggested_number_follows_the_highest_read() {
        // Counted from 0: 0 and 1 made, 2 next.
        assert_eq!(next_number([0, 1].into_iter(), 2), 2);
        // Counted from 1, or one skipped: never a number used.
        assert_eq!(next_number([1, 2].into_iter(), 2), 3);
        assert_eq!(next_number([7, 0].into_iter(), 2), 8);
        // Five listed, two read so far (the rest loading, or not on this device): not 2.
        assert_eq!(next_number([0, 1].into_iter(), 5), 5);
        // None read yet: the count listed; an empty network starts at 0.
        assert_eq!(next_number(std::iter::empty(), 3), 3);
        assert_eq!(next_number(std::iter::empty(), 0), 0);
        assert_eq!(next_number([u32::MAX].into_iter(), 1), u32::MAX);
    }
}
