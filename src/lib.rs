//! Juntas, the browser app (Leptos 0.8, client-side rendered).
//!
//! Code map:
//! - [`i18n`]: every UI text in es-CL and en; the language switch.
//! - [`local`]: what the device remembers outside documents (language, networks, identity).
//! - [`storage`]: IndexedDB behind `juntas_core::Storage` — the only module that touches it.
//! - [`repo`]: this tab's node: its open documents, their locks, storing them.
//! - [`error`]: the app's one error type and its one renderer, in the person's language.
//! - [`sync`]: the sync node: server (WebSocket) and tab (BroadcastChannel) transports, status.
//! - [`invite`]: personal invites and claim links, and the server's members API.
//! - [`state`]: the reactive bridge; [`state::doc`] is the one document pipeline every change
//!   goes through; components read plain structs and call commands here.
//! - [`components`]: reusable widgets; [`pages`]: the routes' views.
//! - [`download`]: handing bytes to the person as a file.
//! - [`readings`]: the readings kept beside documents; [`worker`]: the tab's document worker,
//!   which makes them off the page's thread.
//! - [`parts`]: the split points into the documents' part of the wasm, and this tab's
//!   documents opening beside the start page.
//!
//! `App` is providers + router; nothing else happens at this level.

pub mod components;
pub mod dates;
pub mod download;
pub mod error;
pub mod i18n;
pub mod invite;
pub mod keys;
pub mod local;
pub mod pages;
pub mod parts;
pub mod readings;
pub mod repo;
pub mod state;
pub mod storage;
pub mod sync;
pub mod tasks;
pub mod worker;

use leptos::prelude::*;
use leptos_router::{
    Lazy, LazyRoute,
    components::{A, ParentRoute, Route, Router, Routes},
    path,
};

use crate::{
    components::LangSwitch,
    i18n::{T, provide_i18n, tr},
    pages::{
        centres::CentresPage,
        commissions::CommissionsPage,
        home::Home,
        inquiry::{DefinitionPage, InquiryHome, InquiryShell, RecordPage, ResultsPage},
        join::{EarlyWord, JoinPage},
        members::MembersPage,
        network::NetworkPage,
        not_found::NotFound,
        plan::{CentrePlanPage, PlanHome, PlanShell, PrintPage, ReviewTablePage, SectionPage},
        tree::{ProjectorPage, TreeHome, TreePage},
        workshop::{CyclePage, VotePage, WorkshopHome, WorkshopPage},
    },
    parts::{Boot, BootFailure, DocsBoot, PartNotDownloaded},
};

#[component]
pub fn App() -> impl IntoView {
    provide_i18n();
    let i18n = i18n::use_i18n();
    // Before the router reads the address: take an invite's or a claim link's code from the
    // fragment (it is kept on this device until used).
    let invite_error = invite::accept_from_location().err().map(error::AppError::from);
    // An invite is redeemed at once, while the documents' part downloads (`/unirse` takes the
    // answer once they are open).
    let early = RwSignal::new(None);
    provide_context(invite::JoinEarly(early));
    if gloo_utils::window().location().pathname().as_deref() == Ok("/unirse")
        && let Some(code) = invite::tab_invite()
    {
        invite::start_redeem(&code, early);
    }
    // The documents open beside the start page, which does not wait for them.
    DocsBoot::provide();
    provide_context(RestDownload::listen());
    provide_context(PartArrived(RwSignal::new(0)));
    view! {
        <Router>
            <header class="app-header">
                <h1><A href="/">{tr(T::AppName)}</A></h1>
                <LangSwitch />
            </header>
            {invite_error.map(|e| view! { <p class="alert" role="alert" data-testid="invite-error">{error::explain(i18n, &e)}</p> })}
            // Below the header while the address's page is on its way (its part of the wasm is
            // still downloading: a first visit on 3G); the page, drawn after it, hides it (CSS).
            <main class="page route-pending" data-testid="route-pending">
                <EarlyWord />
                <Loading />
            </main>
            <AppRoutes />
        </Router>
    }
}

/// How much of the documents' part (the rest of the app) has arrived on a first visit, 0-100,
/// as index.html's first script counts it (`xtask/src/split.rs`): `None` where it does not
/// count (a later visit, served by the service worker).
#[derive(Clone, Copy)]
struct RestDownload(ReadSignal<Option<u8>>);

impl RestDownload {
    fn listen() -> Self {
        let read = || {
            js_sys::Reflect::get(&gloo_utils::window(), &"__juntasDocs".into())
                .ok()
                .and_then(|v| v.as_f64())
                .map(|p| p.clamp(0.0, 100.0) as u8)
        };
        let (at, set) = signal(read());
        if at.get_untracked().is_none_or(|p| p < 100) {
            // The script says each new percent once; the app's frame lasts as long as the tab.
            gloo_events::EventListener::new(&gloo_utils::window(), "juntas-docs", move |_| {
                set.try_set(read());
            })
            .forget();
        }
        Self(at)
    }
}

/// "Cargando…" while a page (or the start page's action) waits for its part of the app; while
/// that is the documents' part on a first visit (the longest wait on a phone's line: ~631 KB
/// brotli), how much of it has arrived.
#[component]
pub(crate) fn Loading() -> impl IntoView {
    let i18n = i18n::use_i18n();
    let rest = use_context::<RestDownload>();
    let at = move || rest.and_then(|r| r.0.get()).filter(|p| *p < 100);
    view! {
        <p role="status" data-testid="loading">
            {move || match at() {
                Some(p) => i18n::fill(i18n.t(T::LoadingRest), &[&p.to_string()]),
                None => i18n.t(T::Loading).to_string(),
            }}
        </p>
        {move || at().map(|p| view! { <progress class="download-progress" max="100" value=p aria-hidden="true"></progress> })}
    }
}

/// This tab's storage could not be opened: said where documents would be.
#[component]
pub fn StorageUnavailable(reason: juntas_core::StorageError) -> impl IntoView {
    let i18n = i18n::use_i18n();
    view! {
        <div class="alert" role="alert" data-testid="storage-error">
            <h2>{tr(T::StorageUnavailable)}</h2>
            <p>{move || error::storage(i18n, &reason)}</p>
        </div>
    }
}

/// A page that shows documents, once this tab's documents are open (they are then its
/// context, and its routes'): "Cargando…" until then, and why when they cannot open.
#[component]
fn DocsGate(children: ChildrenFn) -> impl IntoView {
    let boot = parts::use_boot();
    // This gate's own code came with the documents' part: if it could not be downloaded at start
    // (no signal then), it is here now, so the documents open without a "Reintentar".
    boot.retry();
    move || match boot.state() {
        // The documents opening on `/unirse`: her welcome stays in view.
        Boot::Opening => view! {
            <main class="page">
                <EarlyWord />
                <Loading />
            </main>
        }
        .into_any(),
        Boot::Failed(BootFailure::Storage(reason)) => {
            view! { <main class="page"><StorageUnavailable reason /></main> }.into_any()
        }
        Boot::Failed(BootFailure::NotDownloaded) => {
            part_missing(move || boot.retry(), Signal::stored(false))
        }
        Boot::Ready(docs) => {
            provide_context(docs.sync());
            provide_context(docs);
            children().into_any()
        }
    }
}

/// A network's pages (their frame), once the documents are open.
#[component]
fn GatedNetworkPage() -> impl IntoView {
    view! { <DocsGate><NetworkPage /></DocsGate> }
}

/// Joining by invite, once the documents are open.
#[component]
fn GatedJoinPage() -> impl IntoView {
    view! { <DocsGate><JoinPage /></DocsGate> }
}

/// A split point into `$group`'s part that makes `$component`'s view (in a build without the
/// cfg, a plain function).
macro_rules! split_view {
    ($group:ident: $component:ident as $view:ident) => {
        #[cfg_attr(
            juntas_split,
            leptos::wasm_split::wasm_split($group, wasm_split_path = ::leptos::wasm_split, fallible)
        )]
        fn $view() -> Result<AnyView, PartNotDownloaded> {
            Ok(view! { <$component /> }.into_any())
        }
    };
}

/// Calls a [`split_view!`] view as a [`PartLoad`]: downloading its part first in a split build.
macro_rules! part_load {
    ($view:ident) => {{
        #[cfg(juntas_split)]
        let load: PartLoad = Box::pin($view());
        #[cfg(not(juntas_split))]
        let load: PartLoad = Box::pin(async { $view() });
        load
    }};
}

/// Declares a route for each page of a group whose code is a separate part of the release wasm
/// (`cfg(juntas_split)`, set by `cargo xtask build`): the page's view is made by a function
/// split into the group's part, downloaded when a page of the group is first opened (the
/// service worker precaches every part after the first visit). Only the start page stays in the
/// main part, which is all a first visit waits for (the documents' part, [`parts`], downloads
/// beside it; parts shared by several split points come with the first that needs them). A
/// part that cannot be downloaded (no signal before it was cached) shows [`PageNotDownloaded`]
/// instead of stopping the app. Without the cfg (`trunk serve`, the
/// adapter tests) the same routes call the views directly.
macro_rules! lazy_pages {
    ($group:ident: $($route:ident => $page:ident as $view:ident),* $(,)?) => {$(
        split_view!($group: $page as $view);
        struct $route;
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }
            async fn view(_this: Self) -> AnyView {
                fn load() -> PartLoad {
                    part_load!($view)
                }
                match load().await {
                    Ok(view) => view,
                    Err(PartNotDownloaded) => view! { <PageNotDownloaded load /> }.into_any(),
                }
            }
        }
    )*};
}

/// Downloading a page's part (once it is here, at once) and making the page.
type PartLoad = std::pin::Pin<Box<dyn Future<Output = Result<AnyView, PartNotDownloaded>>>>;

/// In place of a page whose part of the wasm could not be downloaded: says so, and trying again
/// asks for the part again and shows the page right here (no reload: with no signal and no
/// service worker yet, a reload would lose the app itself).
#[component]
fn PageNotDownloaded(load: fn() -> PartLoad) -> impl IntoView {
    let page = RwSignal::new_local(None::<AnyView>);
    let shown = RwSignal::new(false);
    let trying = RwSignal::new(false);
    // The documents' part is asked for again too, when it could not be downloaded either.
    let boot = parts::use_boot();
    let arrived = expect_context::<PartArrived>().0;
    // The page is made under the owner this component was made under, its route's (a click
    // handler runs under none), so it lives and goes with the route like a page made directly,
    // and what a frame's page provides (the plan's) reaches the pages of its routes.
    let owner = Owner::current().unwrap_or_default();
    let retry = move || {
        trying.set(true);
        boot.retry();
        owner.with(|| {
            leptos::task::spawn_local_scoped(async move {
                match load().await {
                    Ok(view) => {
                        shown.set(true);
                        page.set(Some(view));
                        arrived.update(|n| *n += 1);
                    }
                    Err(PartNotDownloaded) => trying.set(false),
                }
            })
        });
    };
    // Another page's part arrived after a retry: this one tries again too (a plan page inside
    // the plan's frame, both missing, comes with one "Reintentar").
    let again = retry.clone();
    Effect::new(move |seen: Option<u32>| {
        let now = arrived.get();
        if seen.is_some_and(|seen| seen != now) && !shown.get_untracked() && !trying.get_untracked()
        {
            again();
        }
        now
    });
    move || {
        page.track();
        match page.try_update_untracked(Option::take).flatten() {
            Some(view) => view,
            None => part_missing(retry.clone(), trying.into()),
        }
    }
}

/// "No se pudo abrir esta página" with "Reintentar" (disabled while `trying`), in place of a
/// page whose part of the wasm is missing; where the server no longer has the part (an update
/// since the page opened, [`parts::app_updated`]), "Hay una versión nueva" with "Recargar".
fn part_missing(retry: impl Fn() + 'static, trying: Signal<bool>) -> AnyView {
    let retry = StoredValue::new_local(retry);
    // Read again after each try (the server may have answered 404 this time, or the part may
    // have come back); the notice is made again only when that changes, so a try keeps the
    // button in focus and is not announced twice.
    let updated = Memo::new(move |_| {
        trying.track();
        parts::app_updated()
    });
    view! {
        <main class="page">
            {move || {
                if updated.get() {
                    part_alert(
                        "app-updated",
                        Some(T::AppUpdated),
                        T::AppUpdatedWhy,
                        (T::Reload, "primary"),
                        Signal::stored(false),
                        Box::new(parts::reload_app),
                    )
                } else {
                    part_alert(
                        "page-not-downloaded",
                        Some(T::PageNotDownloaded),
                        T::PageNotDownloadedWhy,
                        (T::Retry, "primary"),
                        trying,
                        Box::new(move || retry.with_value(|retry| retry())),
                    )
                }
            }}
        </main>
    }
    .into_any()
}

/// An alert in place of what a part of the wasm would have shown: a heading if any, why, and
/// the one thing to do (try again, or reload for a new version), disabled while `disabled`.
fn part_alert(
    testid: &'static str,
    heading: Option<T>,
    why: T,
    (label, class): (T, &'static str),
    disabled: Signal<bool>,
    act: Box<dyn Fn()>,
) -> AnyView {
    view! {
        <div class="alert" role="alert" data-testid=testid>
            {heading.map(|heading| view! { <h2>{tr(heading)}</h2> })}
            <p>{tr(why)}</p>
            <button type="button" class=class disabled=disabled on:click=move |_| act()>
                {tr(label)}
            </button>
        </div>
    }
    .into_any()
}

/// How many pages' parts arrived after their download had failed (see `PageNotDownloaded`).
#[derive(Clone, Copy)]
struct PartArrived(RwSignal<u32>);

// A network's frame and its own pages come with the documents' part (`parts`): every one of
// them needs the documents, and one part less means fewer shared pieces to fetch.
lazy_pages! { juntas_docs:
    LazyJoinPage => GatedJoinPage as join_page_view,
    LazyNetworkPage => GatedNetworkPage as network_page_view,
    LazyCentresPage => CentresPage as centres_page_view,
    LazyMembersPage => MembersPage as members_page_view,
    LazyCommissionsPage => CommissionsPage as commissions_page_view,
}
lazy_pages! { juntas_plan_pages:
    LazyPlanShell => PlanShell as plan_shell_view,
    LazyPlanHome => PlanHome as plan_home_view,
    LazySectionPage => SectionPage as section_page_view,
    LazyCentrePlanPage => CentrePlanPage as centre_plan_page_view,
    LazyPrintPage => PrintPage as print_page_view,
    LazyReviewTablePage => ReviewTablePage as review_table_page_view,
}
lazy_pages! { juntas_workshop_pages:
    LazyTreeHome => TreeHome as tree_home_view,
    LazyTreePage => TreePage as tree_page_view,
    LazyProjectorPage => ProjectorPage as projector_page_view,
    LazyWorkshopHome => WorkshopHome as workshop_home_view,
    LazyWorkshopPage => WorkshopPage as workshop_page_view,
    LazyVotePage => VotePage as vote_page_view,
    LazyCyclePage => CyclePage as cycle_page_view,
}
lazy_pages! { juntas_inquiry_pages:
    LazyInquiryShell => InquiryShell as inquiry_shell_view,
    LazyInquiryHome => InquiryHome as inquiry_home_view,
    LazyDefinitionPage => DefinitionPage as definition_page_view,
    LazyRecordPage => RecordPage as record_page_view,
    LazyResultsPage => ResultsPage as results_page_view,
}

/// Declares the split point of each panel of a network's page whose body is a part of its own
/// (`juntas_tools`: making invites and their QR, the devices' list, sharing and importing a
/// bundle), and the function that downloads it and makes the body ([`LazyPanel`]). Without the
/// cfg the body is made directly.
macro_rules! lazy_bodies {
    ($group:ident: $($load:ident => $body:ident as $view:ident),* $(,)?) => {$(
        split_view!($group: $body as $view);
        pub(crate) fn $load() -> PartLoad {
            part_load!($view)
        }
    )*};
}
use components::bundle::ShareBody;
use pages::network::InviteBody;
lazy_bodies! { juntas_tools:
    invite_body => InviteBody as invite_body_view,
    share_body => ShareBody as share_body_view,
}

/// A panel (a `<details>` with `summary`) whose body is a part of its own, made when the panel
/// is first opened and kept while it is closed and opened again.
#[component]
pub(crate) fn LazyPanel(
    class: &'static str,
    testid: &'static str,
    summary: T,
    load: fn() -> PartLoad,
) -> impl IntoView {
    let opened = RwSignal::new(false);
    view! {
        <details class=class data-testid=testid on:toggle=move |ev| {
            // Set once: Leptos notifies on every set, and the body would be made again.
            if event_target::<web_sys::HtmlDetailsElement>(&ev).open() && !opened.get_untracked() {
                opened.set(true);
            }
        }>
            <summary>{tr(summary)}</summary>
            {move || opened.get().then(|| view! { <LazyBody load /> })}
        </details>
    }
}

/// A panel's body from its part: "Cargando…" while the part downloads (on a network's page the
/// idle time after it shows has usually brought it: [`load_pages_ahead`]), and, when it could
/// not be downloaded, why, with a retry in place.
#[component]
fn LazyBody(load: fn() -> PartLoad) -> impl IntoView {
    let body = RwSignal::new_local(None::<AnyView>);
    let shown = RwSignal::new(false);
    let failed = RwSignal::new(false);
    // The body is made under the panel's owner (a click handler runs under none); a download
    // still running when the panel goes is dropped with it.
    let owner = Owner::current().unwrap_or_default();
    let fetch = move || {
        failed.set(false);
        owner.with(|| {
            leptos::task::spawn_local_scoped_with_cancellation(async move {
                match load().await {
                    Ok(view) => {
                        shown.set(true);
                        body.set(Some(view));
                    }
                    Err(PartNotDownloaded) => failed.set(true),
                }
            })
        });
    };
    fetch.clone()();
    view! {
        {move || (!shown.get() && !failed.get()).then(|| view! { <Loading /> })}
        {move || failed.get().then(|| {
            let retry = fetch.clone();
            let never = Signal::stored(false);
            if parts::app_updated() {
                let reload = (T::Reload, "secondary");
                part_alert("app-updated", None, T::ErrAppUpdated, reload, never, Box::new(parts::reload_app))
            } else {
                let again = (T::Retry, "secondary");
                part_alert("part-not-downloaded", None, T::ErrNotDownloaded, again, never, Box::new(retry))
            }
        })}
        {move || {
            body.track();
            body.try_update_untracked(Option::take).flatten()
        }}
    }
}

/// Makes a split point of a group of pages that does nothing: calling it downloads the group's
/// part (and the shared parts it needs) and makes it ready, as opening one of its pages would.
macro_rules! group_ahead {
    ($($group:ident as $f:ident),* $(,)?) => {$(
        #[cfg(juntas_split)]
        #[leptos::wasm_split::wasm_split($group, wasm_split_path = ::leptos::wasm_split, fallible)]
        fn $f() -> Result<(), PartNotDownloaded> {
            Ok(())
        }
    )*};
}
group_ahead! {
    juntas_tools as tools_ahead,
    juntas_plan_pages as plan_pages_ahead,
    juntas_workshop_pages as workshop_pages_ahead,
    juntas_inquiry_pages as inquiry_pages_ahead,
}

/// Downloads and makes ready, one at a time when the page is idle, the part of its panels'
/// bodies ([`LazyPanel`]) and the parts of the pages a network's page links to (the plan's, the
/// trees' and workshops', the inquiries'), once per tab. Opening a group's first page in a tab
/// then waits for neither the download nor the part's set-up: that was one 50–90 ms task on
/// the tap at 4× CPU (`cargo xtask bench load`, first opens), and seconds on 3G when the
/// service worker had not cached the part yet. Each
/// group is asked for in a task of its own after the browser says it is idle, so the page's own
/// drawing and a tap come first. A group that cannot be downloaded now is not an error to show
/// here (nobody asked for its pages yet; the splitter's loader has logged why and keeps no
/// failure): opening one of its pages asks again and says so there ([`PageNotDownloaded`]).
/// Without the split there is nothing to load.
pub(crate) fn load_pages_ahead() {
    #[cfg(juntas_split)]
    {
        use std::sync::atomic::{AtomicBool, Ordering};
        static STARTED: AtomicBool = AtomicBool::new(false);
        if STARTED.swap(true, Ordering::Relaxed) {
            return;
        }
        leptos::task::spawn_local(async {
            tasks::when_idle().await;
            let _ = tools_ahead().await;
            tasks::when_idle().await;
            let _ = plan_pages_ahead().await;
            tasks::when_idle().await;
            let _ = workshop_pages_ahead().await;
            tasks::when_idle().await;
            let _ = inquiry_pages_ahead().await;
        });
    }
}

#[component]
fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=NotFound>
            <Route path=path!("/") view=Home />
            <Route path=path!("/unirse") view={Lazy::<LazyJoinPage>::new()} />
            <ParentRoute path=path!("/red/:id") view={Lazy::<LazyNetworkPage>::new()}>
                <Route path=path!("") view={Lazy::<LazyCentresPage>::new()} />
                <Route path=path!("miembros") view={Lazy::<LazyMembersPage>::new()} />
                <Route path=path!("comisiones") view={Lazy::<LazyCommissionsPage>::new()} />
                <ParentRoute path=path!("plan") view={Lazy::<LazyPlanShell>::new()}>
                    <Route path=path!("") view={Lazy::<LazyPlanHome>::new()} />
                    <Route path=path!("seccion/:sid") view={Lazy::<LazySectionPage>::new()} />
                    <Route path=path!("centro/:cid") view={Lazy::<LazyCentrePlanPage>::new()} />
                    <Route path=path!("centro/:cid/imprimir") view={Lazy::<LazyPrintPage>::new()} />
                    <Route path=path!("revision") view={Lazy::<LazyReviewTablePage>::new()} />
                </ParentRoute>
                <Route path=path!("arbol") view={Lazy::<LazyTreeHome>::new()} />
                <Route path=path!("arbol/:tid") view={Lazy::<LazyTreePage>::new()} />
                <Route path=path!("arbol/:tid/proyector") view={Lazy::<LazyProjectorPage>::new()} />
                <Route path=path!("talleres") view={Lazy::<LazyWorkshopHome>::new()} />
                <Route path=path!("talleres/:wid") view={Lazy::<LazyWorkshopPage>::new()} />
                <Route path=path!("talleres/votacion/:vid") view={Lazy::<LazyVotePage>::new()} />
                <Route path=path!("talleres/ciclo/:cid") view={Lazy::<LazyCyclePage>::new()} />
                <ParentRoute path=path!("indagacion") view={Lazy::<LazyInquiryShell>::new()}>
                    <Route path=path!("") view={Lazy::<LazyInquiryHome>::new()} />
                    <Route path=path!("nueva") view={Lazy::<LazyDefinitionPage>::new()} />
                    <Route path=path!(":iid/editar") view={Lazy::<LazyDefinitionPage>::new()} />
                    <Route path=path!(":iid/ficha/:rid") view={Lazy::<LazyRecordPage>::new()} />
                    <Route path=path!(":iid/resultados") view={Lazy::<LazyResultsPage>::new()} />
                </ParentRoute>
            </ParentRoute>
        </Routes>
    }
}
