//! The documents' part of a split build: everything that touches Automerge starts here.
//!
//! A release build (`cfg(juntas_split)`, invariant 14) keeps out of the main part of the wasm
//! every function reachable only through a split point. The functions below are the split
//! points into the documents (`juntas_docs`): opening this tab's storage and sync, the document
//! worker's loop, and the start page's "Crear red"; importing a bundle, and mending a document
//! the server refused ([`mend`]), are split points into the panels' part (`juntas_tools`),
//! which needs the documents' part too. The start page, the router and the app's frame never reach Automerge otherwise, so
//! a first visit paints and answers once the main part is in, while the documents' part (with
//! Automerge, core, storage and sync) downloads beside it; every page that shows a document
//! waits for it (`DocsGate` in `lib.rs`). Without the cfg the same functions are called directly.

use std::{future::Future, pin::Pin, rc::Rc};

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use juntas_core::{DocumentId, StorageError, model::network::Network};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    error::AppError,
    repo::{Imported, Repo},
    state::{doc::Docs, network},
    sync::SyncNode,
};

/// A part of the split wasm that could not be downloaded (the splitter's loader has already
/// logged why to the console).
#[derive(Clone, Copy, Debug)]
pub struct PartNotDownloaded;

#[cfg(juntas_split)]
impl From<leptos::wasm_split::SplitLoaderError> for PartNotDownloaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        PartNotDownloaded
    }
}

/// Whether the latest part that could not be downloaded failed because the server no longer
/// has it (it answered 404; the splitter's loader notes how each failed download failed,
/// `xtask/src/split.rs`, `mark_gone`): this page is of an earlier version of Juntas, updated
/// on the server since it opened. Reloading opens the current version; trying again, or better
/// signal, would not help.
pub fn app_updated() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"__juntasLastFail".into())
        .ok()
        .and_then(|fail| fail.as_string())
        .is_some_and(|fail| fail == "gone")
}

/// Reloads the page, to open the version of Juntas the server has now ([`app_updated`]). The
/// browser asks first if something written is not stored or sent yet (`sync::start`'s
/// `beforeunload`).
pub fn reload_app() {
    if let Err(e) = gloo_utils::window().location().reload() {
        leptos::logging::warn!("reload: {e:?}");
    }
}

impl From<PartNotDownloaded> for AppError {
    fn from(_: PartNotDownloaded) -> Self {
        AppError::NotDownloaded
    }
}

/// Calls a split point: in a split build, downloading its part first (at once when it is here).
macro_rules! part {
    ($call:expr) => {{
        #[cfg(juntas_split)]
        let called = $call.await;
        #[cfg(not(juntas_split))]
        let called = $call;
        called
    }};
}

/// A document action's work, made in the documents' part (a split point cannot be `async`).
type Work<T> = Pin<Box<dyn Future<Output = T>>>;

/// A network made on this device: its id, and why it could not be listed on the device if so.
type Created = Result<(DocumentId, Option<AppError>), AppError>;

#[cfg_attr(
    juntas_split,
    leptos::wasm_split::wasm_split(juntas_docs, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn open_documents() -> Result<Work<Result<Docs, StorageError>>, PartNotDownloaded> {
    Ok(Box::pin(async {
        // Before the sync starts, so its first connection has them.
        crate::invite::store_redeemed();
        let repo = Repo::open().await?;
        // Before the sync too: it finds the invite's network stored, and her network's page
        // shows from it.
        crate::invite::merge_early_network(&repo).await;
        let sync = crate::sync::start(repo.clone());
        Ok(Docs::new(repo, sync))
    }))
}

#[cfg_attr(
    juntas_split,
    leptos::wasm_split::wasm_split(juntas_docs, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn serve_worker() -> Result<(), PartNotDownloaded> {
    crate::worker::serve();
    Ok(())
}

#[cfg_attr(
    juntas_split,
    leptos::wasm_split::wasm_split(juntas_docs, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn create_network_work(docs: Docs, net: Network) -> Result<Work<Created>, PartNotDownloaded> {
    Ok(Box::pin(network::create(docs, net)))
}

#[cfg_attr(
    juntas_split,
    leptos::wasm_split::wasm_split(juntas_tools, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn import_bundle_work(
    docs: Docs,
    bytes: Vec<u8>,
    expected: Option<DocumentId>,
) -> Result<Work<Result<Imported, AppError>>, PartNotDownloaded> {
    Ok(Box::pin(async move { network::import_bundle(docs, &bytes, expected).await }))
}

/// Which of the two rare ways a refused document is mended ([`mend`]).
#[derive(Clone, Copy, Debug)]
pub enum Mend {
    /// This tab rebuilds it on the server's copy (`SyncNode::rebuild`).
    Rebuild,
    /// Another tab rebuilt it: this tab reloads it (`SyncNode::rebuilt_elsewhere`).
    Reload,
}

#[cfg_attr(
    juntas_split,
    leptos::wasm_split::wasm_split(juntas_tools, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn mend_work(node: Rc<SyncNode>, id: DocumentId, how: Mend) -> Result<Work<()>, PartNotDownloaded> {
    Ok(Box::pin(async move {
        match how {
            Mend::Rebuild => node.rebuild(id).await,
            Mend::Reload => node.rebuilt_elsewhere(id).await,
        }
    }))
}

/// Mends refused document `id` in the panels' part (`juntas_tools`), which a network's page
/// asks for ahead and the service worker keeps: rebuilding a document, or carrying this tab's
/// late changes onto another tab's rebuild, runs only after the server refused a change, so
/// its code is not downloaded before a document shows. When the part cannot be downloaded:
/// - a rebuild leaves the document refused (its badge says so, with "Reintentar"; nothing of
///   it is sent), and the server's next message about it tries again;
/// - a reload is tried again, 2 s later and then less often (up to a minute apart), until the
///   part is here: meanwhile this tab keeps its old copy, which still holds the changes the
///   rebuild dropped, knowing which they are (learned here, before the download), so what it
///   receives of that document is turned back, not merged into the old copy. What she types
///   there meanwhile is carried onto the rebuild once it reloads, or set aside with why, as
///   any late change is.
pub async fn mend(node: Rc<SyncNode>, id: DocumentId, how: Mend) {
    if let Mend::Reload = how {
        node.learn_dropped();
    }
    match part!(mend_work(node.clone(), id, how)) {
        Ok(work) => work.await,
        Err(PartNotDownloaded) => {
            leptos::logging::warn!(
                "cannot mend refused document {id} ({how:?}): the part of the app that does it could not be downloaded"
            );
            // Not awaited: the caller (the tabs' channel's loop among them) goes on.
            if let Mend::Reload = how {
                spawn_local(retry_reload(node, id));
            }
        }
    }
}

/// Tries a reload whose part could not be downloaded again (see [`mend`]), one waiter per
/// document; a later [`mend`] still tries at once for itself.
async fn retry_reload(node: Rc<SyncNode>, id: DocumentId) {
    if !RELOAD_WAITING.with_borrow_mut(|w| w.insert(id)) {
        return;
    }
    let mut wait_ms = 2_000;
    let work = loop {
        gloo_timers::future::TimeoutFuture::new(wait_ms).await;
        match part!(mend_work(node.clone(), id, Mend::Reload)) {
            Ok(work) => break work,
            Err(PartNotDownloaded) => leptos::logging::warn!(
                "cannot reload {id}, rebuilt in another tab: the part of the app that does it still could not be downloaded"
            ),
        }
        wait_ms = (wait_ms * 2).min(60_000);
    };
    // Before the reload runs: a `Rebuilt` frame arriving meanwhile asks again, not swallowed.
    RELOAD_WAITING.with_borrow_mut(|w| w.remove(&id));
    work.await;
}

thread_local! {
    /// The documents whose reload waits for the panels' part ([`retry_reload`]).
    static RELOAD_WAITING: std::cell::RefCell<std::collections::BTreeSet<DocumentId>> =
        const { std::cell::RefCell::new(std::collections::BTreeSet::new()) };
}

/// The document worker's loop, once its part is here; a part that cannot be downloaded is
/// said to the page as `failed: …`, and the page reads its documents itself.
pub fn serve_document_worker() {
    // No Leptos in the worker: its executor is not set up there.
    wasm_bindgen_futures::spawn_local(async {
        if part!(serve_worker()).is_err() {
            use wasm_bindgen::JsCast;
            let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
            let _ =
                scope.post_message(&"failed: the documents' part could not be downloaded".into());
        }
    });
}

/// Creates a network on this device (the start page's "Crear red"), once the documents are open.
pub async fn create_network(boot: DocsBoot, net: Network) -> Created {
    let docs = boot.ready().await?;
    part!(create_network_work(docs, net))?.await
}

/// Imports a bundle file (see [`network::import_bundle`]), once the documents are open.
pub async fn import_bundle(
    boot: DocsBoot,
    bytes: Vec<u8>,
    expected: Option<DocumentId>,
) -> Result<Imported, AppError> {
    let docs = boot.ready().await?;
    part!(import_bundle_work(docs, bytes, expected))?.await
}

/// Why this tab's documents are not open.
#[derive(Clone, Debug)]
pub enum BootFailure {
    /// The documents' part of the wasm could not be downloaded (no signal on a first visit).
    NotDownloaded,
    /// IndexedDB would not open.
    Storage(StorageError),
}

impl From<BootFailure> for AppError {
    fn from(f: BootFailure) -> Self {
        match f {
            BootFailure::NotDownloaded => AppError::NotDownloaded,
            BootFailure::Storage(e) => AppError::Storage(e),
        }
    }
}

/// Opening this tab's documents.
#[derive(Clone)]
pub enum Boot {
    Opening,
    Ready(Docs),
    Failed(BootFailure),
}

type Opening = Shared<LocalBoxFuture<'static, Result<Docs, BootFailure>>>;

/// This tab's documents, opened once at start (and again on "Reintentar" after a failed
/// download): the pages that show documents render them when ready; the start page asks for
/// them only for an action.
#[derive(Clone, Copy)]
pub struct DocsBoot {
    state: RwSignal<Boot>,
    opening: StoredValue<Opening, LocalStorage>,
}

fn opening() -> Opening {
    async {
        // Not before the app's first frame is painted: asking the splitter's loader for the
        // part's then 8 files was ~45 ms of `fetch` calls at 4× CPU (three now). In the
        // task that mounts the app it made the first task of every page a long one; in the
        // next task (a yield) it still came before that frame's paint in 2 of 5 first visits
        // of the start page, delaying what she sees first. index.html's preloads have already
        // asked for a page's files, so nothing waits; on the start page the part's download
        // starts a frame later.
        // A tab opened in the background paints nothing and gets no frame; its slowed timers
        // would hold the documents a second or two.
        if gloo_utils::document().hidden() {
            crate::tasks::yield_to_browser().await;
        } else {
            crate::tasks::after_next_paint().await;
        }
        match part!(open_documents()) {
            Err(PartNotDownloaded) => Err(BootFailure::NotDownloaded),
            Ok(work) => work.await.map_err(BootFailure::Storage),
        }
    }
    .boxed_local()
    .shared()
}

impl DocsBoot {
    /// Starts opening this tab's documents and provides the handle as context.
    pub fn provide() -> DocsBoot {
        let boot = DocsBoot {
            state: RwSignal::new(Boot::Opening),
            opening: StoredValue::new_local(opening()),
        };
        boot.watch();
        provide_context(boot);
        boot
    }

    fn watch(self) {
        let opening = self.opening.get_value();
        spawn_local(async move {
            let opened = opening.await;
            if !matches!(opened, Err(BootFailure::NotDownloaded)) {
                documents_part_in();
            }
            self.state.set(match opened {
                Ok(docs) => Boot::Ready(docs),
                Err(f) => Boot::Failed(f),
            });
        });
    }

    /// Where opening stands (tracked).
    pub fn state(self) -> Boot {
        self.state.get()
    }

    /// The documents, once open (asking for their part again if it could not be downloaded).
    pub async fn ready(self) -> Result<Docs, BootFailure> {
        self.retry();
        self.opening.get_value().await
    }

    /// Tries again after the documents' part could not be downloaded.
    pub fn retry(self) {
        if matches!(self.state.get_untracked(), Boot::Failed(BootFailure::NotDownloaded)) {
            self.opening.set_value(opening());
            self.state.set(Boot::Opening);
            self.watch();
        }
    }
}

/// Tells `public/register-sw.js` that the documents' part is here (event `juntas-documents` on
/// the window): on a first visit, only then does it register the service worker, whose precache
/// downloads every part of the app. Registered as the page loaded, over 3G it shared the line
/// with the parts the page was waiting for: the documents arrived ~2 s later.
fn documents_part_in() {
    let sent = web_sys::Event::new("juntas-documents")
        .and_then(|event| gloo_utils::window().dispatch_event(&event));
    if let Err(e) = sent {
        // Not registered this time: the app works, but will not open with no connection
        // until a later visit registers it.
        leptos::logging::warn!("cannot ask for the service worker: {e:?}");
    }
}

pub fn use_boot() -> DocsBoot {
    expect_context::<DocsBoot>()
}
