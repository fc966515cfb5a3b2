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
pub mod readings;
pub mod repo;
pub mod state;
pub mod storage;
pub mod sync;
pub mod tasks;
pub mod worker;

use leptos::{prelude::*, task::spawn_local};
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
        join::JoinPage,
        members::MembersPage,
        network::NetworkPage,
        not_found::NotFound,
        plan::{CentrePlanPage, PlanHome, PlanShell, PrintPage, ReviewTablePage, SectionPage},
        tree::{ProjectorPage, TreeHome, TreePage},
        workshop::{CyclePage, VotePage, WorkshopHome, WorkshopPage},
    },
    repo::Repo,
    state::doc::Docs,
};

/// Opening this tab's storage: the app waits for it, and says so when it fails.
#[derive(Clone)]
enum Boot {
    Opening,
    Ready(Docs),
    Failed(juntas_core::StorageError),
}

#[component]
pub fn App() -> impl IntoView {
    provide_i18n();
    let i18n = i18n::use_i18n();
    // Before the router reads the address: take an invite's or a claim link's code from the
    // fragment (it is kept on this device until used).
    let invite_error = invite::accept_from_location().err().map(error::AppError::from);
    let boot = RwSignal::new(Boot::Opening);
    spawn_local(async move {
        boot.set(match Repo::open().await {
            Ok(repo) => {
                let sync = sync::start(repo.clone());
                Boot::Ready(Docs::new(repo, sync))
            }
            Err(e) => Boot::Failed(e),
        });
    });
    view! {
        <Router>
            <header class="app-header">
                <h1><A href="/">{tr(T::AppName)}</A></h1>
                <LangSwitch />
            </header>
            {invite_error.map(|e| view! { <p class="alert" role="alert" data-testid="invite-error">{error::explain(i18n, &e)}</p> })}
            {move || match boot.get() {
                Boot::Opening => view! { <main class="page"><p>{tr(T::Loading)}</p></main> }.into_any(),
                Boot::Failed(reason) => view! {
                    <main class="page">
                        <div class="alert" role="alert" data-testid="storage-error">
                            <h2>{tr(T::StorageUnavailable)}</h2>
                            <p>{move || error::storage(i18n, &reason)}</p>
                        </div>
                    </main>
                }.into_any(),
                Boot::Ready(docs) => {
                    provide_context(docs.sync());
                    provide_context(docs);
                    view! { <AppRoutes /> }.into_any()
                }
            }}
        </Router>
    }
}

/// Declares a route for each page of a group whose code is a separate part of the release wasm
/// (`cfg(juntas_split)`, set by `cargo xtask build`): the page's view is made by a function
/// split into the group's part, downloaded when a page of the group is first opened (the
/// service worker precaches every part after the first visit). The start page, the join page
/// and a network's landing page (its centres) stay in the main part, which is all a first visit
/// waits for. A part that cannot be downloaded (no signal before it was cached) shows
/// [`PageNotDownloaded`] instead of stopping the app. Without the cfg (`trunk serve`, the
/// adapter tests) the same routes call the views directly.
macro_rules! lazy_pages {
    ($group:ident: $($route:ident => $page:ident as $view:ident),* $(,)?) => {$(
        #[cfg_attr(
            juntas_split,
            leptos::wasm_split::wasm_split($group, wasm_split_path = ::leptos::wasm_split, fallible)
        )]
        fn $view() -> Result<AnyView, PartNotDownloaded> {
            Ok(view! { <$page /> }.into_any())
        }
        struct $route;
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }
            async fn view(_this: Self) -> AnyView {
                fn load() -> PartLoad {
                    #[cfg(juntas_split)]
                    let load = Box::pin($view());
                    #[cfg(not(juntas_split))]
                    let load = Box::pin(async { $view() });
                    load
                }
                match load().await {
                    Ok(view) => view,
                    Err(PartNotDownloaded) => view! { <PageNotDownloaded load /> }.into_any(),
                }
            }
        }
    )*};
}

/// A lazily loaded part of the wasm that could not be downloaded (the splitter's loader has
/// already logged why to the console).
struct PartNotDownloaded;

#[cfg(juntas_split)]
impl From<leptos::wasm_split::SplitLoaderError> for PartNotDownloaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        PartNotDownloaded
    }
}

/// Downloading a page's part (once it is here, at once) and making the page.
type PartLoad = std::pin::Pin<Box<dyn Future<Output = Result<AnyView, PartNotDownloaded>>>>;

/// In place of a page whose part of the wasm could not be downloaded: says so, and trying again
/// asks for the part again and shows the page right here (no reload: with no signal and no
/// service worker yet, a reload would lose the app itself).
#[component]
fn PageNotDownloaded(load: fn() -> PartLoad) -> impl IntoView {
    let page = RwSignal::new_local(None::<AnyView>);
    let trying = RwSignal::new(false);
    // The page is made under this component's owner (a click handler runs under none of its
    // own), so it lives and goes with the route like a page made directly.
    let owner = Owner::new();
    let retry = move |_| {
        trying.set(true);
        owner.with(|| {
            leptos::task::spawn_local_scoped(async move {
                match load().await {
                    Ok(view) => page.set(Some(view)),
                    Err(PartNotDownloaded) => trying.set(false),
                }
            })
        });
    };
    move || {
        page.track();
        match page.try_update_untracked(Option::take).flatten() {
            Some(view) => view,
            None => view! {
                <main class="page">
                    <div class="alert" role="alert" data-testid="page-not-downloaded">
                        <h2>{tr(T::PageNotDownloaded)}</h2>
                        <p>{tr(T::PageNotDownloadedWhy)}</p>
                        <button type="button" class="primary" disabled=trying on:click=retry.clone()>
                            {tr(T::Retry)}
                        </button>
                    </div>
                </main>
            }
            .into_any(),
        }
    }
}

lazy_pages! { juntas_network_pages:
    LazyMembersPage => MembersPage as members_page_view,
    LazyCommissionsPage => CommissionsPage as commissions_page_view,
}
lazy_pages! { juntas_plan_pages:
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
    LazyInquiryHome => InquiryHome as inquiry_home_view,
    LazyDefinitionPage => DefinitionPage as definition_page_view,
    LazyRecordPage => RecordPage as record_page_view,
    LazyResultsPage => ResultsPage as results_page_view,
}

#[component]
fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=NotFound>
            <Route path=path!("/") view=Home />
            <Route path=path!("/unirse") view=JoinPage />
            <ParentRoute path=path!("/red/:id") view=NetworkPage>
                <Route path=path!("") view=CentresPage />
                <Route path=path!("miembros") view={Lazy::<LazyMembersPage>::new()} />
                <Route path=path!("comisiones") view={Lazy::<LazyCommissionsPage>::new()} />
                <ParentRoute path=path!("plan") view=PlanShell>
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
                <ParentRoute path=path!("indagacion") view=InquiryShell>
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
