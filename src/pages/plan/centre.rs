//! `/red/:id/plan/centro/:cid`: a centre's plan — adoption, its own texts, delivery, the SLEP's review and diff.

use super::*;

/// Loads a centre's plan whenever it or the common plan changes; creates it on first visit by
/// the centre's principal.
pub(super) fn centre_data(ctx: PlanCtx, cid: Memo<String>) -> RwSignal<Loaded<CentreData>> {
    let data = RwSignal::new(Loaded::Loading);
    let me = ctx.me();
    Effect::new(move |_| {
        ctx.common.track();
        let cid = cid.get();
        ctx.track_centre(&cid);
        let mine = me.with(|m| m.centre() == Some(cid.as_str()) && m.is(Role::Principal));
        spawn_local(async move {
            let mut got = ctx.load_centre(cid.clone()).await;
            if got == Loaded::Missing
                && mine
                && matches!(ctx.common.try_get_untracked(), Some(Loaded::Ready(_)))
            {
                got = match ctx.ensure_centre(cid.clone()).await {
                    Ok(_) => ctx.load_centre(cid).await,
                    Err(e) => Loaded::Failed(e),
                };
            }
            data.set(got);
        });
    });
    data
}

#[component]
pub fn CentrePlanPage() -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let params = use_params_map();
    let cid = Memo::new(move |_| params.read().get("cid").unwrap_or_default());
    let data = centre_data(ctx, cid);
    // The page is rebuilt only when this changes; edits and remote changes update it in place
    // (a text box being typed into is never recreated).
    let phase = Memo::new(move |_| match &*data.read() {
        Loaded::Loading => 0,
        Loaded::Missing => 1,
        Loaded::Failed(_) => 2,
        Loaded::Ready(_) => 3,
    });
    let ready = Memo::new(move |_| match data.get() {
        Loaded::Ready(d) => Some(d),
        _ => None,
    });
    let failure = move || match &*data.read() {
        Loaded::Failed(e) => explain(i18n, e),
        _ => String::new(),
    };
    view! {
        <main class="page centre-plan">
            <p><A href=format!("/red/{}/plan", ctx.net.id) attr:class="back" attr:data-testid="back-to-plan">{tr(T::BackToPlan)}</A></p>
            <Establishment cid />
            {move || match phase.get() {
                0 => view! { <p>{tr(T::Loading)}</p> }.into_any(),
                1 => view! { <p class="empty" data-testid="centre-plan-missing">{tr(T::CentrePlanNotStarted)}</p> }.into_any(),
                2 => view! { <div class="alert" role="alert" data-testid="plan-error">{failure}</div> }.into_any(),
                _ => view! { <CentrePlanBody cid d=ready /> }.into_any(),
            }}
        </main>
    }
}

#[component]
pub(super) fn Establishment(cid: Memo<String>) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    move || {
        let (centre, slep) =
            ctx.net.network.with(|n| (n.centres.get(&cid.get()).cloned(), n.slep.clone()));
        centre.map(|c| {
            view! {
                <header class="establishment" data-testid="establishment">
                    <h2 data-testid="centre-name">{c.name.clone()}</h2>
                    <dl>
                        <dt>{i18n.t(T::CentreKind)}</dt><dd>{c.kind.clone()}</dd>
                        <dt>{i18n.t(T::Rbd)}</dt><dd>{c.rbd.clone()}</dd>
                        <dt>{i18n.t(T::Owner)}</dt><dd>{slep}</dd>
                        <dt>{i18n.t(T::Commune)}</dt><dd>{c.commune.clone()}</dd>
                    </dl>
                </header>
            }
        })
    }
}

/// Which version of a centre's plan is on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Choice {
    Draft,
    Delivery(usize),
}

/// Everything a section of the centre page reads, shared by all sections.
#[derive(Clone, Copy)]
pub(super) struct CentreView {
    cid: Memo<String>,
    d: Memo<Option<CentreData>>,
    views: Memo<Result<Vec<SectionView>, AppError>>,
    version: Memo<Option<usize>>,
    last: Memo<Option<usize>>,
    editing: Memo<bool>,
    reviewing: Memo<bool>,
    observations: RwSignal<std::collections::BTreeMap<String, String>>,
}

#[component]
pub(super) fn CentrePlanBody(cid: Memo<String>, d: Memo<Option<CentreData>>) -> impl IntoView {
    let ctx = use_plan();
    let me = ctx.me();
    let i18n = use_i18n();
    let is_principal = Memo::new(move |_| {
        let c = cid.get();
        me.with(|m| m.is(Role::Principal) && m.centre() == Some(c.as_str()))
    });
    let is_reviewer = Memo::new(move |_| me.with(|m| m.is(Role::SlepProfessional)));
    let reviewed = RwSignal::new(None::<T>);
    let state =
        Memo::new(move |_| d.with(|d| d.as_ref().map(|d| d.state).unwrap_or(PlanState::Draft)));
    let count = Memo::new(move |_| d.with(|d| d.as_ref().map(|d| d.deliveries.len()).unwrap_or(0)));
    let last = Memo::new(move |_| count.get().checked_sub(1));
    // No choice yet: the reviewer follows the last delivery, everyone else the draft.
    let chosen = RwSignal::new(None::<Choice>);
    let screen = Memo::new(move |_| {
        use juntas_core::model::review_summary::{Viewer, screen};
        let chosen = chosen.get().map(|c| match c {
            Choice::Draft => None,
            Choice::Delivery(i) => Some(i),
        });
        let viewer = Viewer { principal: is_principal.get(), reviewer: is_reviewer.get() };
        screen(state.get(), count.get(), chosen, viewer)
    });
    let version = Memo::new(move |_| screen.get().version);
    let views = Memo::new(move |_| {
        let v = version.get();
        d.with(|d| match (d, v) {
            (None, _) => Ok(Vec::new()),
            (Some(d), None) => d.view.clone(),
            (Some(d), Some(i)) => {
                d.deliveries.get(i).map(|x| x.1.clone()).unwrap_or(Ok(Vec::new()))
            }
        })
    });
    let cv = CentreView {
        cid,
        d,
        views,
        version,
        last,
        editing: Memo::new(move |_| screen.get().editing),
        reviewing: Memo::new(move |_| screen.get().reviewing),
        observations: RwSignal::new(Default::default()),
    };
    // Two sections fill a phone's screen; the rest follow a slice per frame.
    let shown = crate::tasks::drawn_in_slices(2, 1, move || {
        views.with(|v| v.as_ref().map_or(0, |v| v.len()))
    });
    let ids = move || {
        let n = shown.get();
        views.with(|v| {
            v.as_ref()
                .map(|v| v.iter().take(n).map(|s| s.def.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let below = crate::tasks::after_first_paint();
    let views_error = move || views.with(|v| v.as_ref().err().cloned());
    // What this device could not work out (changes of the common texts, a new draft, the
    // last delivery's changes): said, not shown as "nothing changed". Once each, and not again
    // when the sections' own alert says it. A memo: the alerts are drawn (and read aloud)
    // again only when what they say changes, not at every edit of the plan.
    let unread = Memo::new(move |_| {
        let shown = views_error().map(|e| explain(i18n, &e));
        let mut said: Vec<String> = Vec::new();
        d.with(|d| {
            for e in d.iter().flat_map(|d| &d.unread) {
                let text = explain(i18n, e);
                if shown.as_ref() != Some(&text) && !said.contains(&text) {
                    said.push(text);
                }
            }
        });
        said
    });
    let adopt_error = RwSignal::new(None::<String>);
    let adopt = move |_| {
        spawn_local(async move {
            adopt_error.set(ctx.adopt(cid.get_untracked()).await.err().map(|e| explain(i18n, &e)));
        });
    };
    let new_draft = move || d.with(|d| d.as_ref().is_some_and(|d| d.new_draft));
    let set_aside = move || d.with(|d| d.as_ref().is_some_and(|d| d.set_aside > 0));
    let not_counted = move || d.with(|d| d.as_ref().is_some_and(|d| d.not_counted > 0));
    let observed_note = move || {
        d.with(|d| {
            d.as_ref().and_then(|d| juntas_core::model::review_summary::observation_note(&d.plan))
        })
    };
    let not_adopted = move || {
        is_principal.get() && d.with(|d| d.as_ref().is_some_and(|d| d.plan.adopted.is_empty()))
    };
    let changes =
        Memo::new(move |_| d.with(|d| d.as_ref().map(|d| d.changes.clone()).unwrap_or_default()));
    let versions = move || {
        d.with(|d| {
            d.as_ref()
                .map(|d| {
                    d.deliveries
                        .iter()
                        .enumerate()
                        .map(|(i, (e, _))| {
                            (
                                i,
                                format!(
                                    "{} {} · {}",
                                    i18n.t(T::Delivery),
                                    i + 1,
                                    format_time(e.at)
                                ),
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let log = move || {
        d.with(|d| {
            let Some(d) = d.as_ref() else { return Vec::new() };
            juntas_core::model::review_summary::log(&d.plan)
                .into_iter()
                .map(|e| {
                    let what = match e.action {
                        Action::Deliver { .. } => i18n.t(T::HistDeliver),
                        Action::Observe => i18n.t(T::HistObserve),
                        Action::Approve => i18n.t(T::HistApprove),
                    };
                    let note = (!e.note.is_empty()).then(|| format!(": {}", e.note));
                    view! { <li data-testid="review-event"><time>{format_time(e.at)}</time> " " <strong>{member_name(ctx, &e.by)}</strong> " " {what} {note}</li> }
                })
                .collect::<Vec<_>>()
        })
    };
    // Who has her delivery: still on this phone, or on the server where the SLEP opens it.
    let sync = crate::sync::use_sync();
    let delivery_where = move || {
        let delivered = matches!(state.get(), PlanState::Submitted | PlanState::Resubmitted);
        if !delivered || !is_principal.get() {
            return None;
        }
        let id = ctx.centre_id(&cid.get());
        let on_server =
            sync.docs.with(|d| d.get(&id).is_some_and(|s| s.pending == 0 && s.synced_at.is_some()));
        Some(if on_server { T::DeliveryOnServer } else { T::DeliveryOnDevice })
    };
    view! {
        <p class="state-line">
            {tr(T::PlanState)} ": " <strong class="state" data-testid="plan-state">{move || tr(state_text(state.get()))()}</strong>
            {move || delivery_where().map(|t| view! { " · " <span data-testid="delivery-where">{move || i18n.t(t)}</span> })}
            <Show when=new_draft>" · " <span data-testid="new-draft">{tr(T::NewDraft)}</span></Show>
            <Show when=set_aside>" · " <span class="conflict" data-testid="review-set-aside">{tr(T::ReviewSetAside)}</span></Show>
            <Show when=not_counted>" · " <span class="conflict" data-testid="review-not-counted">{tr(T::ReviewNotCounted)}</span></Show>
        </p>
        {move || observed_note().map(|n| view! {
            <div class="alert" data-testid="observation-note"><strong>{tr(T::SlepObservations)}</strong> ": " {n}</div>
        })}
        <Show when=not_adopted>
            <div class="notice" data-testid="not-adopted">
                <p>{tr(T::NotAdoptedYet)}</p>
                <button class="primary" data-testid="adopt" on:click=adopt>{tr(T::Adopt)}</button>
            </div>
        </Show>
        <Show when=move || !changes.with(Vec::is_empty)>
            <div class="notice" data-testid="common-changed">
                <p><strong>{tr(T::CommonChanged)}</strong></p>
                <details>
                    <summary data-testid="common-changes-open">{tr(T::SeeChanges)}</summary>
                    {move || changes.get().into_iter().map(|(sid, parts)| view! {
                        <div class="diff" data-testid="common-change"><h4>{sid}</h4><p>{diff_view(parts)}</p></div>
                    }).collect_view()}
                </details>
                <Show when=move || is_principal.get()>
                    <button class="primary" data-testid="adopt" on:click=adopt>{tr(T::Adopt)}</button>
                </Show>
            </div>
        </Show>
        <p class="form-error" role="alert">{move || adopt_error.get()}</p>
        <div class="row">
            <label class="field">
                <span class="field-label">{tr(T::Version)}</span>
                <select data-testid="plan-version" on:change=move |ev| {
                    chosen.set(Some(match event_target_value(&ev).parse::<usize>() {
                        Ok(i) => Choice::Delivery(i),
                        Err(_) => Choice::Draft,
                    }));
                }>
                    <option value="" selected=move || version.get().is_none()>{tr(T::CurrentDraft)}</option>
                    {move || versions().into_iter().map(|(i, label)| view! {
                        <option value=i.to_string() selected=move || version.get() == Some(i)>{label}</option>
                    }).collect_view()}
                </select>
            </label>
            <A href=move || format!("/red/{}/plan/centro/{}/imprimir", ctx.net.id, cid.get()) attr:data-testid="print-link" attr:class="button secondary">{tr(T::PrintView)}</A>
        </div>
        {move || views_error().map(|e| view! { <div class="alert" role="alert" data-testid="plan-error">{explain(i18n, &e)}</div> })}
        {move || unread.get().into_iter().map(|text| view! {
            <div class="alert" role="alert" data-testid="plan-unread">{tr(T::CentreUnread)} " " {text}</div>
        }).collect_view()}
        <div class="sections">
            <For each=ids key=|id| id.clone() let:id>
                <CentreSection id cv />
            </For>
        </div>
        // Below the sections: drawn after the page's first paint, in a task of its own (with the
        // sections, one task was over 100 ms on a phone).
        <Show when=move || below.get()>
            <Show when=move || is_principal.get()>
                <DeliverPanel cid />
            </Show>
            <Show when=move || screen.with(|s| s.review_panel)>
                <ReviewPanel cid observations=cv.observations reviewed />
            </Show>
            // Said where he tapped, and kept after the panel goes (the plan no longer awaits review);
            // gone when it awaits review again (delivered anew).
            {move || {
                let awaiting = screen.with(|s| s.review_panel);
                reviewed.get().filter(|_| !awaiting).map(|t| view! { <p class="ok" role="status" data-testid="review-done">{tr(t)}</p> })
            }}
            <details class="history-box" open=move || count.get() > 0>
                <summary>{tr(T::ReviewLog)}</summary>
                <ul data-testid="review-log">{log}</ul>
            </details>
            <HistoryBox track=move || { d.track(); ctx.track_centre(&cid.get()) } load=move || ctx.centre_history(cid.get_untracked()) subject=section_subject() />
        </Show>
    }
}

#[component]
fn CentreSection(id: String, cv: CentreView) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let s = {
        let id = id.clone();
        Memo::new(move |_| {
            cv.views
                .with(|v| v.as_ref().ok().and_then(|v| v.iter().find(|s| s.def.id == id).cloned()))
        })
    };
    let def = Memo::new(move |_| s.with(|s| s.as_ref().map(|s| s.def.clone())));
    let scope =
        Memo::new(move |_| def.with(|d| d.as_ref().map(|d| d.scope).unwrap_or(Scope::Common)));
    let has_local = Memo::new(move |_| scope.get() != Scope::Common);
    let local_label = move || match scope.get() {
        Scope::CommonWithLocal => i18n.t(T::LocalAddendum),
        _ => i18n.t(T::CentreText),
    };
    let local =
        Signal::derive(move || s.with(|s| s.as_ref().map(|s| s.local.clone()).unwrap_or_default()));
    let common = move || s.with(|s| s.as_ref().map(|s| s.common.clone()).unwrap_or_default());
    let splicer: crate::components::Splicer = {
        let sid = id.clone();
        // The centre the box was last seen on: the box's last keystrokes are spliced after
        // she may have left the page (the route's centre then gone), and still go to it.
        let seen = std::rc::Rc::new(std::cell::RefCell::new(cv.cid.get_untracked()));
        std::rc::Rc::new(move |edit| {
            if let Some(now) = cv.cid.try_get_untracked() {
                *seen.borrow_mut() = now;
            }
            let (cid, sid) = (seen.borrow().clone(), sid.clone());
            Box::pin(async move {
                ctx.splice_centre(cid, sid, edit).await.map_err(|e| explain(i18n, &e))
            })
        })
    };
    let splicer = StoredValue::new_local(splicer);
    let diff = {
        let id = id.clone();
        move || {
            let v = cv.version.get();
            (v.is_some() && v == cv.last.get())
                .then(|| {
                    cv.d.with(|d| {
                        d.as_ref().and_then(|d| d.diffs.iter().find(|x| x.def.id == id).cloned())
                    })
                })
                .flatten()
        }
    };
    let obs = {
        let id = id.clone();
        move || {
            cv.d.with(|d| {
                d.as_ref()
                    .map(|d| juntas_core::model::review_summary::section_observations(&d.plan, &id))
                    .unwrap_or_default()
            })
        }
    };
    let notes = Signal::derive(move || {
        Loaded::Ready(
            cv.d.with(|d| d.as_ref().map(|d| d.plan.comments.clone()).unwrap_or_default()),
        )
    });
    let count_id = id.clone();
    let comment_count = move || {
        cv.d.with(|d| {
            d.as_ref()
                .map_or(0, |d| d.plan.comments.iter().filter(|c| c.section == count_id).count())
        })
    };
    // The comments' list and form are made when the box is first opened, and kept after (what
    // is being written survives closing it): made closed in every section, they were a large
    // part of drawing a section on a phone.
    let comments_opened = RwSignal::new(false);
    let comments_toggled = move |ev: leptos::ev::Event| {
        if event_target::<web_sys::HtmlDetailsElement>(&ev).open() {
            comments_opened.set(true);
        }
    };
    let comments_id = id.clone();
    let post = {
        let sid = id.clone();
        Callback::new(move |text: String| {
            let sid = sid.clone();
            async move { ctx.comment_centre(cv.cid.get_untracked(), sid, text).await }
        })
    };
    let obs_id = id.clone();
    let title = move || def.with(|d| d.as_ref().map(|d| format!("{} {}", d.code, d.title)));
    let prompt =
        move || def.with(|d| d.as_ref().map(|d| d.prompt.clone()).filter(|p| !p.is_empty()));
    view! {
        <section class="centre-section" id=format!("sec-{id}") data-testid="centre-section" data-id=id.clone()>
            <h3 data-testid="centre-section-title">{title}</h3>
            <Show when=move || cv.editing.get()>
                {move || prompt().map(|p| view! { <p class="prompt">{p}</p> })}
            </Show>
            <Show when=move || scope.get().has_common_text()>
                <p class="label muted">{tr(T::CommonTextAdopted)}</p>
                <div class="prose" data-testid="common-text">{common}</div>
            </Show>
            {move || has_local.get().then(|| {
                let splicer = splicer.get_value();
                if cv.editing.get() {
                    view! {
                        <p class="label muted">{local_label}</p>
                        <PlanText value=local editable=Signal::derive(|| true) splice=splicer
                            testid="local-text".to_string() label=local_label()
                            on_blur=Callback::new(move |_| ctx.flush_now()) />
                    }.into_any()
                } else {
                    view! {
                        <p class="label muted">{local_label}</p>
                        <div class="prose" data-testid="local-text-read">{move || local.get()}</div>
                    }.into_any()
                }
            })}
            {move || diff().map(|d| view! {
                <details class="diff" data-testid="section-diff" open=true>
                    <summary>{tr(T::ChangesSincePrevious)}</summary>
                    {d.common.iter().any(|p| !matches!(p, Part::Same(_))).then(|| view! { <p>{diff_view(d.common.clone())}</p> })}
                    {d.local.iter().any(|p| !matches!(p, Part::Same(_))).then(|| view! { <p>{diff_view(d.local.clone())}</p> })}
                </details>
            })}
            {move || {
                let obs = obs();
                (!obs.is_empty()).then(|| view! {
                    <ul class="observations">
                        {obs.into_iter().map(|o| view! {
                            <li data-testid="observation"><strong>{tr(T::SlepObservation)}</strong> " (" {member_name(ctx, &o.by)} "): " {o.text}</li>
                        }).collect_view()}
                    </ul>
                })
            }}
            <Show when=move || cv.reviewing.get()>
                {
                    let obs_id = obs_id.clone();
                    view! {
                        <label class="field">
                            <span class="field-label">{tr(T::ObservationForSection)}</span>
                            <textarea data-testid="observe-section" rows="2" on:input=move |ev| {
                                let v = event_target_value(&ev);
                                let id = obs_id.clone();
                                cv.observations.update(|m| { m.insert(id, v); });
                            }></textarea>
                        </label>
                    }
                }
            </Show>
            <details class="comments-box" data-testid="centre-comments" on:toggle=comments_toggled>
                <summary>{tr(T::Comments)} " (" {comment_count} ")"</summary>
                <Show when=move || comments_opened.get()>
                    <Comments section=comments_id.clone() notes post />
                </Show>
            </details>
        </section>
    }
}

/// A required section still empty, and who can fill it (a blocked delivery says so).
#[derive(Clone)]
struct Missing {
    code: String,
    title: String,
    who: String,
    /// She writes it herself (her centre's own part).
    hers: bool,
}

/// Who writes each missing section: her centre's own part is hers; a common part is its
/// commission's (or nobody's yet); a common part already written since she adopted it needs
/// only a new adoption.
fn who_writes(ctx: PlanCtx, i18n: I18n, missing: &[(String, String)]) -> Vec<Missing> {
    // Called after the delivery's await: the plan's pages may be gone, and then nothing shows.
    let common = match ctx.common.try_get_untracked() {
        Some(Loaded::Ready(p)) => Some(p),
        _ => None,
    };
    missing
        .iter()
        .map(|(code, title)| {
            let section =
                common.as_ref().and_then(|p| p.sections.iter().find(|s| s.def.code == *code));
            let (who, hers) = match section {
                Some(s) if s.def.scope == Scope::PerCentre => {
                    (i18n.t(T::MissingHers).to_owned(), true)
                }
                Some(s) if !s.body.trim().is_empty() => {
                    (i18n.t(T::MissingReadopt).to_owned(), true)
                }
                Some(s) => match s.commission.as_ref().and_then(|c| {
                    ctx.net
                        .network
                        .try_with_untracked(|n| n.commissions.get(c).map(|c| c.name.clone()))
                        .flatten()
                }) {
                    Some(name) => (format!("{} «{name}»", i18n.t(T::MissingByCommission)), false),
                    None => (i18n.t(T::MissingUnassigned).to_owned(), false),
                },
                None => (i18n.t(T::MissingUnknown).to_owned(), false),
            };
            Missing { code: code.clone(), title: title.clone(), who, hers }
        })
        .collect()
}

#[component]
pub(super) fn DeliverPanel(cid: Memo<String>) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<(String, Vec<Missing>)>);
    let done = RwSignal::new(None::<PlanState>);
    let busy = crate::components::OneAtATime::new();
    let deliver = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !busy.start() {
            return;
        }
        // The previous outcome goes away at once: what shows next is about this delivery.
        error.set(None);
        done.set(None);
        let cid = cid.get_untracked();
        spawn_local(async move {
            let outcome = ctx.deliver(cid, note.get_untracked()).await;
            busy.done();
            match outcome {
                Ok(s) => {
                    error.set(None);
                    done.set(Some(s));
                    note.set(String::new());
                }
                Err(e) => {
                    let missing = match &e {
                        AppError::Centre(CentreError::Incomplete(m)) => who_writes(ctx, i18n, m),
                        _ => Vec::new(),
                    };
                    done.set(None);
                    error.set(Some((explain(i18n, &e), missing)));
                }
            }
        });
    };
    view! {
        <form class="deliver" on:submit=deliver>
            <h3>{tr(T::DeliverTitle)}</h3>
            <label class="field">
                <span class="field-label">{tr(T::NoteOptional)}</span>
                <input data-testid="deliver-note" bind:value=note />
            </label>
            <button type="submit" class="primary" data-testid="deliver" disabled=move || busy.running() aria-busy=move || busy.running().then_some("true")>{tr(T::Deliver)}</button>
            // Who has it now and what comes next ("Entregado (entregado)" said neither).
            {move || done.get().map(|_| view! { <p class="ok" role="status" data-testid="deliver-ok">{tr(T::DeliveredToSlep)}</p> })}
            {move || error.get().map(|(msg, missing)| view! {
                <div class="form-error" role="alert" data-testid="deliver-error">
                    <p>{msg}</p>
                    <ul>{missing.iter().map(|m| {
                        let anchor = format!("#sec-{}", m.code);
                        view! {
                            <li data-testid="missing-row">
                                <a href=anchor data-testid="missing-section">{m.code.clone()} " " {m.title.clone()}</a>
                                " — " <span data-testid="missing-who">{m.who.clone()}</span>
                            </li>
                        }
                    }).collect_view()}</ul>
                    {missing.iter().any(|m| !m.hers).then(|| view! {
                        <p data-testid="deliver-wait">{tr(T::DeliverWaitOthers)}</p>
                    })}
                </div>
            })}
        </form>
    }
}

#[component]
pub(super) fn ReviewPanel(
    cid: Memo<String>,
    observations: RwSignal<std::collections::BTreeMap<String, String>>,
    /// What the reviewer just did, for the page to say after this panel goes.
    reviewed: RwSignal<Option<T>>,
) -> impl IntoView {
    let ctx = use_plan();
    let i18n = use_i18n();
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = crate::components::OneAtATime::new();
    let settle = move |outcome: Result<(), AppError>, done: T| {
        busy.done();
        match outcome {
            Ok(()) => {
                error.set(None);
                reviewed.set(Some(done));
            }
            Err(e) => error.set(Some(explain(i18n, &e))),
        }
    };
    let observe = move |_| {
        if !busy.start() {
            return;
        }
        reviewed.set(None);
        let cid = cid.get_untracked();
        let per_section: Vec<(String, String)> = observations.get_untracked().into_iter().collect();
        spawn_local(async move {
            let outcome = ctx.observe(cid, note.get_untracked(), per_section).await.map(|_| ());
            settle(outcome, T::ReviewedObserved);
        });
    };
    let approve = move |_| {
        if !busy.start() {
            return;
        }
        reviewed.set(None);
        let cid = cid.get_untracked();
        spawn_local(async move {
            let outcome = ctx.approve(cid, note.get_untracked()).await.map(|_| ());
            settle(outcome, T::ReviewedApproved);
        });
    };
    view! {
        <section class="review" data-testid="review-panel">
            <h3>{tr(T::ReviewTitle)}</h3>
            <label class="field">
                <span class="field-label">{tr(T::ReviewNote)}</span>
                <textarea data-testid="review-note" rows="2" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            </label>
            <div class="row">
                <button class="secondary" data-testid="review-observe" on:click=observe disabled=move || busy.running()>{tr(T::SendObservations)}</button>
                <button class="primary" data-testid="review-approve" on:click=approve disabled=move || busy.running()>{tr(T::Approve)}</button>
            </div>
            <p class="form-error" role="alert" data-testid="review-error">{move || error.get()}</p>
        </section>
    }
}
