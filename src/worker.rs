//! The document worker: this same wasm, started again in a dedicated worker of the tab, makes
//! the readings pages keep beside documents ([`crate::readings`]) when one is missing or
//! stale, so that the first open of a big document on a device parses it there and not on the
//! page's thread (architecture invariant 13). It only reads documents and writes readings;
//! the page keeps every document it edits or syncs. When it cannot start or fails a job, the
//! page reads the document itself, as it would without it, and shows any error from there.
//!
//! Start-up, with the first job (a tab whose readings are all kept never starts it): the page
//! creates `/doc-worker.js` (a module worker) and sends it the addresses of the app's glue and
//! wasm; that script loads them, `main` sees no window and calls [`serve`],
//! which answers `ready`. Jobs and replies are JSON strings, numbered.

use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
    rc::Rc,
};

use futures::channel::oneshot;
use gloo_timers::callback::Timeout;
use juntas_core::DocumentId;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue, prelude::*};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::{
    readings::{self, Job, Unmade},
    storage::IdbStorage,
};

/// The worker's start script (`public/doc-worker.js`).
const SCRIPT: &str = "/doc-worker.js";
/// How long the page waits for the worker to start before reading documents itself (it
/// compiles the wasm again, from the browser's cache; a slow phone has room here, and a
/// worker that never answers costs one wait, not one per document).
const START_MS: u32 = 15_000;
/// How long a worker with no job waits before it is stopped: its wasm memory (grown by the
/// biggest document it parsed; wasm memory never shrinks) is given back to the phone, and the
/// next missing reading starts it again.
const IDLE_MS: u32 = 30_000;

#[wasm_bindgen]
extern "C" {
    /// The address of the app's glue script (the worker imports it too).
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: String;
}

/// A job as sent to the worker.
#[derive(Serialize, Deserialize)]
struct Request {
    n: u32,
    id: String,
    job: Job,
}

/// The worker's answer to job `n`.
#[derive(Serialize, Deserialize)]
struct Reply {
    n: u32,
    made: Result<(), Unmade>,
}

enum Phase {
    /// Started; the jobs sent before it said `ready`.
    Starting(Vec<String>),
    Ready,
    /// It could not start or stopped: jobs are refused at once.
    Gone,
}

struct Client {
    worker: Worker,
    phase: RefCell<Phase>,
    next: Cell<u32>,
    waiting: RefCell<HashMap<u32, oneshot::Sender<Result<(), Unmade>>>>,
    /// Stops it [`IDLE_MS`] after its last reply (dropped, hence cancelled, by a new job).
    idle: RefCell<Option<Timeout>>,
    /// Stopped for being idle (not failed): the next job starts a new one.
    retired: Cell<bool>,
    /// Gives up on a start that takes longer than [`START_MS`].
    deadline: RefCell<Option<Timeout>>,
    /// Its listeners, dropped with it (a worker stopped for being idle is replaced, not
    /// leaked with them).
    listeners: RefCell<Option<Listeners>>,
}

/// A worker's `message` and `error` listeners.
type Listeners = (Closure<dyn Fn(MessageEvent)>, Closure<dyn Fn(web_sys::Event)>);

impl Client {
    /// No more jobs: every waiting one is answered "failed" (the page reads them itself).
    fn gone(&self, why: &str) {
        leptos::logging::warn!("the document worker is not available: {why}");
        *self.phase.borrow_mut() = Phase::Gone;
        self.worker.terminate();
        self.waiting.borrow_mut().clear();
    }

    /// Stops an idle worker; nothing is waiting on it. Its listeners are taken off first: a
    /// message already on its way must not reach them once they are dropped with it.
    fn retire(&self) {
        *self.phase.borrow_mut() = Phase::Gone;
        self.retired.set(true);
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }

    fn on_message(self: &Rc<Self>, data: JsValue) {
        let Some(text) = data.as_string() else { return };
        if text == "ready" {
            let queued = {
                let mut phase = self.phase.borrow_mut();
                let Phase::Starting(queued) = &mut *phase else { return };
                let queued = std::mem::take(queued);
                *phase = Phase::Ready;
                queued
            };
            self.deadline.borrow_mut().take();
            for job in queued {
                if let Err(e) = self.worker.post_message(&job.into()) {
                    self.gone(&format!("{e:?}"));
                    return;
                }
            }
        } else if let Some(why) = text.strip_prefix("failed: ") {
            self.gone(why);
        } else {
            match serde_json::from_str::<Reply>(&text) {
                Ok(reply) => {
                    if let Some(tx) = self.waiting.borrow_mut().remove(&reply.n) {
                        // The page may have moved on and dropped its wait: nothing to tell.
                        let _ = tx.send(reply.made);
                    }
                    if self.waiting.borrow().is_empty() {
                        let weak = Rc::downgrade(self);
                        *self.idle.borrow_mut() = Some(Timeout::new(IDLE_MS, move || {
                            if let Some(c) = weak.upgrade()
                                && c.waiting.borrow().is_empty()
                            {
                                c.retire();
                            }
                        }));
                    }
                }
                Err(e) => self.gone(&format!("unreadable reply: {e}")),
            }
        }
    }
}

/// The page's handle on its document worker, started with the first job: a tab whose
/// readings are all kept (most opens) never starts it, so it neither competes with the page
/// for the phone's cores nor holds a second copy of the wasm in memory.
#[derive(Default)]
pub struct DocWorker {
    client: RefCell<Option<Rc<Client>>>,
    /// It could not be created: jobs fail at once.
    unavailable: Cell<bool>,
}

impl DocWorker {
    fn client(&self) -> Option<Rc<Client>> {
        if let Some(c) = &*self.client.borrow()
            && !c.retired.get()
        {
            return Some(c.clone());
        }
        if self.unavailable.get() {
            return None;
        }
        let started = Client::start();
        self.unavailable.set(started.is_none());
        self.client.borrow_mut().clone_from(&started);
        started
    }

    /// Has the worker make `job`'s reading of `id` and keep it beside the document. `Err`
    /// when it did not (then the page reads the document itself).
    pub async fn make(&self, id: DocumentId, job: Job) -> Result<(), Unmade> {
        match self.client() {
            Some(c) => c.make(id, job).await,
            None => Err(Unmade::Failed("the worker could not be created".into())),
        }
    }
}

impl Client {
    /// Starts the worker; `None` when the browser cannot (the page then reads every document
    /// itself).
    fn start() -> Option<Rc<Client>> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = match Worker::new_with_options(SCRIPT, &options) {
            Ok(w) => w,
            Err(e) => {
                leptos::logging::warn!("the document worker could not be created: {e:?}");
                return None;
            }
        };
        let client = Rc::new(Client {
            worker: worker.clone(),
            phase: RefCell::new(Phase::Starting(Vec::new())),
            next: Cell::new(0),
            waiting: RefCell::default(),
            idle: RefCell::default(),
            retired: Cell::new(false),
            deadline: RefCell::default(),
            listeners: RefCell::default(),
        });
        let weak = Rc::downgrade(&client);
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(c) = weak.upgrade() {
                c.on_message(e.data());
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let weak = Rc::downgrade(&client);
        let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            if let Some(c) = weak.upgrade() {
                let text = e
                    .dyn_ref::<web_sys::ErrorEvent>()
                    .map(|e| e.message())
                    .unwrap_or_else(|| e.type_());
                c.gone(&text);
            }
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        *client.listeners.borrow_mut() = Some((on_message, on_error));
        let glue = GLUE_URL.with(String::clone);
        let wasm = format!("{}_bg.wasm", glue.strip_suffix(".js").unwrap_or(&glue));
        // The page's compiled module goes too: the worker instantiates it instead of compiling
        // the wasm again (measured: ready in ~30-90 ms instead of ~100-130 ms at full speed).
        // The wasm's address stays as the fallback of a browser that cannot send a module.
        let start = js_sys::Object::new();
        for (key, value) in [
            ("glue", JsValue::from(glue)),
            ("wasm", JsValue::from(wasm)),
            ("module", wasm_bindgen::module()),
        ] {
            if let Err(e) = js_sys::Reflect::set(&start, &key.into(), &value) {
                client.gone(&format!("{e:?}"));
                return None;
            }
        }
        if let Err(e) = worker.post_message(&start) {
            client.gone(&format!("{e:?}"));
            return None;
        }
        let weak = Rc::downgrade(&client);
        *client.deadline.borrow_mut() = Some(Timeout::new(START_MS, move || {
            if let Some(c) = weak.upgrade()
                && matches!(*c.phase.borrow(), Phase::Starting(_))
            {
                c.gone("it did not start in time");
            }
        }));
        Some(client)
    }

    async fn make(&self, id: DocumentId, job: Job) -> Result<(), Unmade> {
        let c = self;
        let n = c.next.get();
        c.next.set(n.wrapping_add(1));
        let text = serde_json::to_string(&Request { n, id: id.to_string(), job })
            .map_err(|e| Unmade::Failed(e.to_string()))?;
        let (tx, rx) = oneshot::channel();
        c.idle.borrow_mut().take();
        match &mut *c.phase.borrow_mut() {
            Phase::Gone => return Err(Unmade::Failed("the worker is not running".into())),
            Phase::Starting(queued) => queued.push(text),
            Phase::Ready => {
                if let Err(e) = c.worker.post_message(&text.into()) {
                    return Err(Unmade::Failed(format!("{e:?}")));
                }
            }
        }
        c.waiting.borrow_mut().insert(n, tx);
        rx.await.unwrap_or_else(|_| Err(Unmade::Failed("the worker stopped".into())))
    }
}

/// Whether this wasm runs in the document worker (no window) rather than on a page.
pub fn in_worker() -> bool {
    js_sys::global().dyn_ref::<DedicatedWorkerGlobalScope>().is_some()
}

/// The worker's side: opens this device's storage, says `ready`, and makes each job it is
/// sent, one reply per job. A storage that cannot open is said as `failed: …`.
pub fn serve() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    wasm_bindgen_futures::spawn_local(async move {
        let storage = match IdbStorage::open(crate::repo::DATABASE).await {
            Ok(s) => Rc::new(s),
            Err(e) => {
                let _ = scope.post_message(&format!("failed: {e}").into());
                return;
            }
        };
        let reply_to = scope.clone();
        // One job of a document at a time: a second (the sync's facts, asked for while the
        // page's reading is made) then finds what the first kept rather than parse it again.
        let busy: Rc<RefCell<HashMap<DocumentId, Rc<futures::lock::Mutex<()>>>>> = Rc::default();
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            let (storage, scope, busy) = (storage.clone(), reply_to.clone(), busy.clone());
            let Some(text) = e.data().as_string() else { return };
            wasm_bindgen_futures::spawn_local(async move {
                let reply = match serde_json::from_str::<Request>(&text) {
                    Ok(req) => {
                        let made = match req.id.parse::<DocumentId>() {
                            Ok(id) => {
                                let lock = busy.borrow_mut().entry(id).or_default().clone();
                                let _one = lock.lock().await;
                                readings::make(&storage, id, &req.job).await
                            }
                            Err(e) => Err(Unmade::Failed(e.to_string())),
                        };
                        Reply { n: req.n, made }
                    }
                    // The page and the worker are one wasm: this cannot happen but is said.
                    Err(e) => {
                        let _ = scope.post_message(&format!("failed: unreadable job: {e}").into());
                        return;
                    }
                };
                match serde_json::to_string(&reply) {
                    Ok(text) => {
                        let _ = scope.post_message(&text.into());
                    }
                    Err(e) => {
                        let _ = scope.post_message(&format!("failed: {e}").into());
                    }
                }
            });
        });
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let _ = scope.post_message(&"ready".into());
    });
}
