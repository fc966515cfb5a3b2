//! `/red/:id/talleres/votacion/:vid`: one vote — proposals (any member) until the facilitator
//! opens it, then her ballot (one option, several, or a ranking she orders with "Subir" and
//! "Bajar"), and once closed the result: counts or Borda points and the winner.

use super::*;
use juntas_core::model::vote::{self as votes, Method, Phase, Vote};

use crate::state::vote::VoteCtx;

#[component]
pub fn VotePage() -> impl IntoView {
    let params = use_params_map();
    let vid =
        Memo::new(move |_| params.read().get("vid").and_then(|s| DocumentId::from_str(&s).ok()));
    move || match vid.get() {
        Some(id) => view! { <VoteView id /> }.into_any(),
        None => view! { <crate::pages::not_found::NotFound /> }.into_any(),
    }
}

fn ready(ctx: VoteCtx) -> Option<Vote> {
    match ctx.vote.get() {
        Loaded::Ready(v) => Some(v),
        _ => None,
    }
}

#[component]
fn VoteView(id: DocumentId) -> impl IntoView {
    let ctx = VoteCtx::open(use_network(), id);
    let i18n = use_i18n();
    let phase = Memo::new(move |_| ready(ctx).map(|v| v.phase()));
    view! {
        <main class="page vote">
            <p><A href=format!("/red/{}/talleres", ctx.net.id) attr:class="back">{tr(T::BackToWorkshops)}</A></p>
            {move || match ctx.vote.get() {
                Loaded::Ready(v) => view! { <h2 data-testid="vote-question">{v.question}</h2> }.into_any(),
                Loaded::Failed(e) => view! { <p role="alert" class="alert" data-testid="vote-error">{explain(i18n, &e)}</p> }.into_any(),
                Loaded::Missing => view! { <p>{tr(T::NotFoundHere)}</p> }.into_any(),
                Loaded::Loading => view! { <p>{tr(T::Loading)}</p> }.into_any(),
            }}
            <p class="state-line" data-testid="vote-phase">{move || phase.get().map(|p| i18n.t(match p {
                Phase::Proposals => T::PhaseProposals,
                Phase::Voting => T::PhaseVoting,
                Phase::Closed => T::PhaseClosed,
            }))}</p>
            {move || match phase.get() {
                Some(Phase::Proposals) => view! { <Proposals ctx /> }.into_any(),
                Some(Phase::Voting) => view! { <Ballot ctx /> }.into_any(),
                Some(Phase::Closed) => view! { <Ballot ctx /> <VoteResult ctx /> }.into_any(),
                None => ().into_any(),
            }}
        </main>
    }
}

#[component]
fn Proposals(ctx: VoteCtx) -> impl IntoView {
    let i18n = use_i18n();
    let me = PlanCtx::me_of(ctx.net);
    let label = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = OneAtATime::new();
    // A member by her name (her id if the network no longer lists her, as the ticket does).
    let name_of = move |m: &str| {
        ctx.net.network.with(|n| n.members.get(m).map_or_else(|| m.to_owned(), |x| x.name.clone()))
    };
    let propose = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = label.get_untracked();
        if text.trim().is_empty() || !busy.start() {
            return;
        }
        spawn_local(async move {
            let outcome = ctx.propose(text.clone()).await;
            busy.done();
            // Refused (no identity chosen, the voting just opened): what she typed stays.
            // The form may be gone by now (she left, or the vote opened): `try_`.
            if outcome.is_ok() {
                label.try_update(|l| {
                    if *l == text {
                        l.clear();
                    }
                });
            }
            error.try_set(outcome.err().map(|e| explain(i18n, &e)));
        });
    };
    let start = move |_| {
        if !busy.start() {
            return;
        }
        spawn_local(async move {
            let outcome = ctx.start().await;
            busy.done();
            error.set(outcome.err().map(|e| explain(i18n, &e)));
        });
    };
    let options = move || ready(ctx).map(|v| v.options).unwrap_or_default();
    view! {
        <section class="card" aria-labelledby="proposals-h" data-testid="proposals">
            <h3 id="proposals-h">{tr(T::Proposals)}</h3>
            <Show when=move || !options().is_empty() fallback=|| view! { <p class="muted">{tr(T::NoOptions)}</p> }>
                <ul>
                    {move || options().into_iter().map(|o| view! {
                        <li data-testid="vote-option">{o.label.clone()} <span class="muted">" · " {tr(T::ProposedBy)} " " {name_of(&o.by)}</span></li>
                    }).collect_view()}
                </ul>
            </Show>
            <form class="add-row" on:submit=propose>
                <label class="field"><span class="field-label">{tr(T::ProposeLabel)}</span>
                    <input data-testid="vote-propose-text" required bind:value=label /></label>
                <button type="submit" class="primary" data-testid="vote-propose">{tr(T::Propose)}</button>
            </form>
            <Show when=move || me.with(|m| m.is(Role::Facilitator))>
                <p class="hint">{tr(T::VoteStartHint)}</p>
                <button class="secondary" data-testid="vote-start" on:click=start
                    disabled=move || busy.running() || options().len() < 2>{tr(T::VoteStart)}</button>
            </Show>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </section>
    }
}

#[component]
fn Ballot(ctx: VoteCtx) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let me = PlanCtx::me_of(ctx.net);
    let my_id = Memo::new(move |_| ctx.net.me.get().unwrap_or_default());
    let vote = Memo::new(move |_| ready(ctx));
    let closed =
        Memo::new(move |_| vote.with(|v| v.as_ref().is_some_and(|v| v.phase() == Phase::Closed)));
    // Her ballot as it stands here (a late one included), to start from.
    let mine = move || {
        vote.with(|v| {
            let v = v.as_ref()?;
            let m = my_id.get();
            v.late.get(&m).or_else(|| v.ballots.get(&m)).cloned()
        })
    };
    let late_mine = Memo::new(move |_| {
        vote.with(|v| v.as_ref().is_some_and(|v| v.late.contains_key(&my_id.get())))
    });
    // What she is choosing: ids in order (for a ranking, every option). It starts from her
    // stored ballot and follows it only when that changes: another member's ballot arriving
    // does not undo the order she is making.
    let stored = Memo::new(move |_| mine());
    let offered = Memo::new(move |_| {
        vote.with(|v| match v {
            Some(v) if v.method == Method::Ranking => {
                v.options.iter().map(|o| o.id.clone()).collect()
            }
            _ => Vec::new(),
        })
    });
    // Her stored ballot may not fit the vote as merged (two facilitators opened it at once on
    // different options): she is told, and starts again from what of it is still offered.
    let fits = Memo::new(move |_| {
        vote.with(|v| match (v, stored.get()) {
            (Some(v), Some(b)) => juntas_core::model::vote::check_ballot(v, &b).is_ok(),
            _ => true,
        })
    });
    let all_options = Memo::new(move |_| {
        vote.with(|v| {
            v.as_ref().map(|v| v.options.iter().map(|o| o.id.clone()).collect::<Vec<_>>())
        })
    });
    let choice = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        choice.set(match stored.get() {
            Some(b) if fits.get() => b,
            Some(b) => {
                let ranking = !offered.with(Vec::is_empty);
                fit_ballot(&b, &all_options.get().unwrap_or_default(), ranking)
            }
            None => offered.get(),
        })
    });
    let error = RwSignal::new(None::<String>);
    let cast_here = RwSignal::new(false);
    let busy = OneAtATime::new();
    let cast = move |_| {
        if !busy.start() {
            return;
        }
        let ballot = choice.get_untracked();
        spawn_local(async move {
            let outcome = ctx.cast(ballot).await;
            busy.done();
            match outcome {
                Ok(()) => {
                    error.set(None);
                    cast_here.set(true);
                }
                Err(e) => error.set(Some(explain(i18n, &e))),
            }
        });
    };
    let close = move |_| {
        if !busy.start() {
            return;
        }
        spawn_local(async move {
            let outcome = ctx.close().await;
            busy.done();
            error.set(outcome.err().map(|e| explain(i18n, &e)));
        });
    };
    let label_of = move |id: &str| {
        vote.with(|v| {
            v.as_ref()
                .and_then(|v| v.options.iter().find(|o| o.id == id).map(|o| o.label.clone()))
                .unwrap_or_default()
        })
    };
    let on_server = move || {
        sync.docs.with(|d| d.get(&ctx.id).is_some_and(|s| s.pending == 0 && s.synced_at.is_some()))
    };
    // A memo: every ballot that arrives changes the vote, and drawing the ballot again would
    // replace the rows, her focused arrow with them.
    let method = Memo::new(move |_| vote.with(|v| v.as_ref().map(|v| v.method)));
    let options = move || vote.with(|v| v.as_ref().map(|v| v.options.clone()).unwrap_or_default());
    // Where the last move put an option, said to a screen reader: "Semillas que Crecen: puesto
    // 1 de 3".
    let moved = RwSignal::new(String::new());
    // A move keeps her focus on the option she moved, at its new place (the rows stay, their
    // texts change): on its same arrow, or on the other one where that arrow ends (the top or
    // the bottom, where it is disabled and would drop her focus).
    let swap = move |ev: leptos::ev::MouseEvent, i: usize, j: usize| {
        use wasm_bindgen::JsCast;
        let mut n = 0;
        choice.update(|c| {
            n = c.len();
            if i < n && j < n {
                c.swap(i, j)
            }
        });
        if j >= n {
            return;
        }
        let label = choice.with_untracked(|c| label_of(&c[j]));
        moved.set(format!("{label}: {} {} {} {n}", i18n.t(T::RankPlace), j + 1, i18n.t(T::RankOf)));
        let up = j < i;
        let arrow = match (up, j == 0, j + 1 == n) {
            (true, false, _) | (false, _, true) => "rank-up",
            _ => "rank-down",
        };
        let row = event_target::<web_sys::Element>(&ev)
            .closest("ol")
            .ok()
            .flatten()
            .and_then(|ol| ol.children().item(j as u32));
        if let Some(button) = row
            .and_then(|r| r.query_selector(&format!("[data-testid=\"{arrow}\"]")).ok().flatten())
            .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = button.focus();
        }
    };
    // Proposals that arrived after the vote opened are not on the ballot: said here too, not
    // only once the vote is closed.
    let late_options = Memo::new(move |_| vote.with(|v| v.as_ref().map_or(0, |v| v.late_options)));
    view! {
        <section class="card" aria-labelledby="ballot-h" data-testid="ballot">
            <h3 id="ballot-h">{tr(T::YourBallot)}</h3>
            {move || (late_options.get() > 0).then(|| view! {
                <p class="muted" data-testid="ballot-late-options">{move || i18n.count(late_options.get(), T::LateOptionsOne, T::LateOptions)}</p>
            })}
            {move || match method.get() {
                Some(Method::Ranking) => view! {
                    <p class="hint">{tr(T::RankHint)}</p>
                    <ol class="ranking">
                        {move || {
                            let c = choice.get();
                            let n = c.len();
                            c.into_iter().enumerate().map(|(i, id)| {
                                let label = label_of(&id);
                                let (up, down) = (format!("{} {label}", i18n.t(T::MoveUp)), format!("{} {label}", i18n.t(T::MoveDown)));
                                view! {
                                    <li data-testid="rank-item">
                                        <span class="rank-label">{label.clone()}</span>
                                        <button type="button" class="secondary" aria-label=up data-testid="rank-up"
                                            disabled=move || i == 0 || closed.get() on:click=move |ev| swap(ev, i, i - 1)>"↑"</button>
                                        <button type="button" class="secondary" aria-label=down data-testid="rank-down"
                                            disabled=move || i + 1 == n || closed.get() on:click=move |ev| swap(ev, i, i + 1)>"↓"</button>
                                    </li>
                                }
                            }).collect_view()
                        }}
                    </ol>
                    <p class="visually-hidden" role="status" data-testid="rank-moved">{move || moved.get()}</p>
                }.into_any(),
                Some(m) => {
                    let max = match m {
                        Method::Several { max } => Some(max as usize),
                        _ => None,
                    };
                    let several = max.is_some();
                    // Said before she picks, not only when a ballot with too many is refused;
                    // once she has picked as many as she may, the others wait.
                    let full = move || max.is_some_and(|max| choice.with(|c| c.len() >= max));
                    // Said when she ticks one more than she may (the others wait, focusable).
                    let over = RwSignal::new(false);
                    view! {
                        <Show when=move || !closed.get()>
                            <p class="hint" id="ballot-hint" data-testid="ballot-hint">{move || match max {
                                Some(max) if max > 1 => i18n.t(T::ChooseUpTo).replace("{n}", &max.to_string()),
                                _ => i18n.t(T::ChooseOne).to_owned(),
                            }}</p>
                        </Show>
                        <fieldset class="choices" aria-describedby="ballot-hint">
                            <legend class="visually-hidden">{tr(T::YourBallot)}</legend>
                            {move || options().into_iter().map(|o| {
                                let (id, id2, id3) = (o.id.clone(), o.id.clone(), o.id.clone());
                                view! {
                                    <label class="check" data-testid="ballot-option">
                                        <input type=if several { "checkbox" } else { "radio" } name="ballot"
                                            prop:checked=move || choice.with(|c| c.contains(&id))
                                            disabled=move || closed.get()
                                            // Waiting, not disabled: a keyboard or screen
                                            // reader still reaches it, and hears why it waits.
                                            aria-disabled=move || (full() && !choice.with(|c| c.contains(&id3))).then_some("true")
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                let id = id2.clone();
                                                if on && several && full() {
                                                    event_target::<web_sys::HtmlInputElement>(&ev).set_checked(false);
                                                    over.set(true);
                                                    return;
                                                }
                                                over.set(false);
                                                choice.update(|c| {
                                                    if !several { c.clear(); }
                                                    c.retain(|x| *x != id);
                                                    if on { c.push(id); }
                                                });
                                            } />
                                        " " {o.label.clone()}
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                        <p class="form-error" role="status" data-testid="ballot-full">{move || match max {
                            // Only while it is still full (cast, or a ballot arriving, may
                            // have changed her choice since).
                            Some(max) if over.get() && full() => i18n.t(T::BallotFull).replace("{n}", &max.to_string()),
                            _ => String::new(),
                        }}</p>
                    }.into_any()
                }
                None => ().into_any(),
            }}
            <Show when=move || !closed.get()>
                <button class="primary" data-testid="vote-cast" on:click=cast
                    disabled=move || busy.running() aria-busy=move || busy.running().then_some("true")>{tr(T::CastVote)}</button>
            </Show>
            <Show when=move || cast_here.get() || late_mine.get()>
                <p class="ok" role="status" data-testid="vote-cast-state">{move || i18n.t(
                    if late_mine.get() { T::CastLate } else if on_server() { T::CastDoneServer } else { T::CastDoneWaiting }
                )}</p>
            </Show>
            <Show when=move || !closed.get()>
                <p data-testid="vote-received">{tr(T::BallotsReceived)} ": " {move || vote.with(|v| v.as_ref().map_or(0, |v| v.ballots.len()))}</p>
                <p class="hint">{tr(T::ResultsAfterClose)}</p>
                <Show when=move || me.with(|m| m.is(Role::Facilitator))>
                    <button class="secondary" data-testid="vote-close" on:click=close disabled=move || busy.running()>{tr(T::VoteClose)}</button>
                </Show>
            </Show>
            <Show when=move || !fits.get() && !closed.get()>
                <p class="form-error" role="alert" data-testid="ballot-no-longer-fits">{tr(T::BallotNoLongerFits)}</p>
            </Show>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </section>
    }
}

/// Her ballot `b` kept to the options `offered`, in her order; for a ranking, the offered
/// options she had not ranked follow, so it is a whole ranking again.
fn fit_ballot(b: &[String], offered: &[String], ranking: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in b {
        if offered.contains(id) && !out.contains(id) {
            out.push(id.clone());
        }
    }
    if ranking {
        for id in offered {
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fit_ballot;

    #[test]
    fn a_ballot_that_no_longer_fits_keeps_what_is_still_offered_in_her_order() {
        let ids = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let offered = ids(&["a", "b", "c"]);
        assert_eq!(fit_ballot(&ids(&["c", "x", "a"]), &offered, true), ids(&["c", "a", "b"]));
        assert_eq!(fit_ballot(&ids(&["c", "x", "a"]), &offered, false), ids(&["c", "a"]));
        assert_eq!(fit_ballot(&ids(&["x"]), &offered, false), Vec::<String>::new());
    }
}

#[component]
fn VoteResult(ctx: VoteCtx) -> impl IntoView {
    let i18n = use_i18n();
    let result = Memo::new(move |_| ready(ctx).map(|v| (votes::tally(&v), v)));
    move || {
        result.get().map(|(t, v)| {
            let (one, many) =
                if v.method == Method::Ranking { (T::PointOne, T::Points) } else { (T::VoteOne, T::VotesWord) };
            let winner = match t.winners.len() {
                0 => i18n.t(T::NoValidBallots).to_owned(),
                1 => format!("{}: {}", i18n.t(T::Winner), t.winners[0]),
                _ => format!("{} {}", i18n.t(T::Tie), t.winners.join(", ")),
            };
            let voters = (!v.anonymous).then(|| {
                ctx.net.network.with(|n| {
                    v.ballots.keys().map(|m| n.members.get(m).map(|x| x.name.clone()).unwrap_or_else(|| m.clone())).collect::<Vec<_>>().join(", ")
                })
            });
            view! {
                <section class="card" aria-labelledby="result-h" data-testid="vote-result">
                    <h3 id="result-h">{tr(T::Results)}</h3>
                    <p class="ok" data-testid="vote-winner"><strong>{winner}</strong></p>
                    <ol>
                        {t.rows.into_iter().map(|(o, n)| view! {
                            <li data-testid="vote-row">{o.label} ": " {move || i18n.count(n as usize, one, many)}</li>
                        }).collect_view()}
                    </ol>
                    <p>{tr(T::BallotsReceived)} ": " <span data-testid="vote-counted">{t.counted}</span></p>
                    {(t.late > 0).then(|| view! { <p class="form-error" role="status" data-testid="vote-late">{move || i18n.count(t.late, T::LateBallotsOne, T::LateBallots)}</p> })}
                    {(t.invalid > 0).then(|| view! { <p class="form-error" role="status" data-testid="vote-invalid">{move || i18n.count(t.invalid, T::InvalidBallotsOne, T::InvalidBallots)}</p> })}
                    {(v.late_options > 0).then(|| view! { <p class="muted" data-testid="vote-late-options">{move || i18n.count(v.late_options, T::LateOptionsOne, T::LateOptions)}</p> })}
                    {voters.map(|names| view! { <p data-testid="vote-voters">{tr(T::Voters)} ": " {names}</p> })}
                </section>
            }
        })
    }
}
