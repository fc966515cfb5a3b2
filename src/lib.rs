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

#[component]
fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=NotFound>
            <Route path=path!("/") view=Home />
            <Route path=path!("/unirse") view=JoinPage />
            <ParentRoute path=path!("/red/:id") view=NetworkPage>
                <Route path=path!("") view=CentresPage />
                <Route path=path!("miembros") view=MembersPage />
                <Route path=path!("comisiones") view=CommissionsPage />
                <ParentRoute path=path!("plan") view=PlanShell>
                    <Route path=path!("") view=PlanHome />
                    <Route path=path!("seccion/:sid") view=SectionPage />
                    <Route path=path!("centro/:cid") view=CentrePlanPage />
                    <Route path=path!("centro/:cid/imprimir") view=PrintPage />
                    <Route path=path!("revision") view=ReviewTablePage />
                </ParentRoute>
                <Route path=path!("arbol") view=TreeHome />
                <Route path=path!("arbol/:tid") view=TreePage />
                <Route path=path!("arbol/:tid/proyector") view=ProjectorPage />
                <Route path=path!("talleres") view=WorkshopHome />
                <Route path=path!("talleres/:wid") view=WorkshopPage />
                <Route path=path!("talleres/votacion/:vid") view=VotePage />
                <Route path=path!("talleres/ciclo/:cid") view=CyclePage />
                <ParentRoute path=path!("indagacion") view=InquiryShell>
                    <Route path=path!("") view=InquiryHome />
                    <Route path=path!("nueva") view=DefinitionPage />
                    <Route path=path!(":iid/editar") view=DefinitionPage />
                    <Route path=path!(":iid/ficha/:rid") view=RecordPage />
                    <Route path=path!(":iid/resultados") view=ResultsPage />
                </ParentRoute>
            </ParentRoute>
        </Routes>
    }
}
