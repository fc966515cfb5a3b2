//! The network's inquiries and their records as the pages need them, and the commands on them.
//! Every keystroke in a record is stored on the device at once (closing the browser
//! mid-sentence loses nothing); sending it to the server waits up to a second, to batch typing.

use std::{cell::RefCell, rc::Rc};

use super::Batch;

use gloo_timers::callback::Timeout;
use juntas_core::{
    DocumentId,
    automerge::AutoCommit,
    model::{
        history::{self, Stamp},
        inquiry::{self, Definition, Inquiry, InquiryError, Record, Start, TextRef},
        network::Command,
    },
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    repo::{Repo, new_entry_id, now_ms, random_bytes},
    state::{
        network::{NetworkState, SaveState},
        plan::Loaded,
        use_repo,
    },
    sync::{DocSync, SyncNode, use_sync},
};

const SEND_AFTER_MS: u32 = 1_000;

/// Where a record stands, as its owner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordState {
    Draft,
    Finalised,
    /// Finalised and the server acknowledged its current heads.
    Sent,
}

#[derive(Clone, Copy)]
pub struct InquiryCtx {
    pub net: NetworkState,
    /// Bumped when any inquiry document changes (local or remote).
    pub version: RwSignal<u64>,
    repo: StoredValue<Rc<Repo>, LocalStorage>,
    sync: StoredValue<Rc<SyncNode>, LocalStorage>,
    unsent: StoredValue<Rc<RefCell<Batch>>, LocalStorage>,
    /// Documents being written now, and whether more typing arrived meanwhile.
    saving: StoredValue<Rc<RefCell<std::collections::BTreeMap<DocumentId, bool>>>, LocalStorage>,
}

pub fn use_inquiry() -> InquiryCtx {
    expect_context::<InquiryCtx>()
}

/// Today on this device, "YYYY-MM-DD".
pub fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

impl InquiryCtx {
    pub fn open(net: NetworkState) -> InquiryCtx {
        let sync = use_sync();
        let ctx = InquiryCtx {
            net,
            version: RwSignal::new(0),
            repo: StoredValue::new_local(use_repo()),
            sync: StoredValue::new_local(sync.node()),
            unsent: StoredValue::new_local(Rc::default()),
            saving: StoredValue::new_local(Rc::default()),
        };
        Effect::new(move |_| {
            let (_, changed) = sync.changed.get();
            if changed.is_some_and(|id| id != net.id) {
                ctx.version.update(|v| *v += 1);
            }
        });
        on_cleanup(move || ctx.send_now());
        ctx
    }

    /// The inquiries listed in the network, newest-created last.
    pub fn inquiries(&self) -> Vec<DocumentId> {
        self.net.network.with(|n| n.inquiries.keys().filter_map(|k| k.parse().ok()).collect())
    }

    fn stamp(&self) -> Stamp {
        Stamp::new(&self.net.me.get_untracked().unwrap_or_default(), now_ms())
    }

    /// Runs a change on `id`, saves it at once and sends it.
    async fn change<R>(
        self,
        id: DocumentId,
        f: impl FnOnce(&mut AutoCommit, &Stamp) -> Result<R, InquiryError>,
    ) -> Result<R, InquiryError> {
        let repo = self.repo.get_value();
        let stamp = self.stamp();
        let r = repo.read(id, |doc| f(doc, &stamp)).await.map_err(|e| {
            InquiryError::Doc(juntas_core::model::plan::PlanError::Shape(e.to_string()))
        })??;
        self.save(id).await;
        self.sync.get_value().local_change(id).await;
        self.version.update(|v| *v += 1);
        Ok(r)
    }

    async fn save(self, id: DocumentId) {
        self.net.save.set(SaveState::Saving);
        let _ = self.repo.get_value().save(id).await;
        self.net.settle();
    }

    /// Writes `id` to the device now; keystrokes arriving during a write are written right
    /// after it, together (one write in flight at a time, none skipped).
    fn save_soon(self, id: DocumentId) {
        let saving = self.saving.get_value();
        if let Some(again) = saving.borrow_mut().get_mut(&id) {
            *again = true;
            return;
        }
        saving.borrow_mut().insert(id, false);
        spawn_local(async move {
            loop {
                self.save(id).await;
                let mut s = saving.borrow_mut();
                match s.get_mut(&id) {
                    Some(again) if *again => *again = false,
                    _ => {
                        s.remove(&id);
                        break;
                    }
                }
            }
        });
    }

    /// Sends typing within a second (several keystrokes in one message).
    fn send_later(self, id: DocumentId) {
        let unsent = self.unsent.get_value();
        let mut u = unsent.borrow_mut();
        u.ids.insert(id);
        if u.timer.is_none() {
            u.timer = Some(Timeout::new(SEND_AFTER_MS, move || self.send_now()));
        }
    }

    pub fn send_now(self) {
        let unsent = self.unsent.get_value();
        let ids = unsent.borrow_mut().take();
        let node = self.sync.get_value();
        spawn_local(async move {
            for id in ids {
                node.local_change(id).await;
            }
        });
    }

    /// The facilitator creates an inquiry (annex 6 by default).
    pub async fn create(self, def: Definition) -> Result<DocumentId, InquiryError> {
        let id = DocumentId::from_bytes(random_bytes());
        let network = self.net.id.to_string();
        self.change(id, |doc, s| inquiry::create(doc, &network, &def, s)).await?;
        self.net.run(Command::ListInquiry { id: id.to_string() }).await.map_err(|e| {
            InquiryError::Doc(juntas_core::model::plan::PlanError::Shape(e.to_string()))
        })?;
        self.sync.get_value().want(id);
        Ok(id)
    }

    pub async fn redefine(self, id: DocumentId, def: Definition) -> Result<u64, InquiryError> {
        self.change(id, |doc, s| inquiry::redefine(doc, &def, s)).await
    }

    pub async fn load_inquiry(self, id: DocumentId) -> Loaded<Inquiry> {
        self.sync.get_value().want(id);
        let got = self
            .repo
            .get_value()
            .read(id, |doc| {
                if doc.get_heads().is_empty() { None } else { Some(inquiry::read_inquiry(doc)) }
            })
            .await;
        match got {
            Ok(None) => Loaded::Missing,
            Ok(Some(Ok(i))) => Loaded::Ready(i),
            Ok(Some(Err(e))) => Loaded::Failed(e.to_string()),
            Err(e) => Loaded::Failed(e.to_string()),
        }
    }

    /// "Nueva indagación": a record pre-filled with her name, centre and today's date.
    pub async fn new_record(self, inquiry_id: DocumentId) -> Result<DocumentId, String> {
        let Loaded::Ready(inq) = self.load_inquiry(inquiry_id).await else {
            return Err("la indagación no está en este dispositivo".into());
        };
        let me = self.net.me.get_untracked().ok_or("elige quién eres")?;
        let (name, centre_id, centre_name) = self.net.network.with_untracked(|n| {
            let m = n.members.get(&me);
            let cid = m.and_then(|m| m.centre_id.clone()).unwrap_or_default();
            let cname = n.centres.get(&cid).map(|c| c.name.clone()).unwrap_or_default();
            (m.map(|m| m.name.clone()).unwrap_or_default(), cid, cname)
        });
        let id = DocumentId::from_bytes(random_bytes());
        let start = Start {
            inquiry_id: inquiry_id.to_string(),
            principal_id: me,
            principal_name: name,
            centre_id: centre_id.clone(),
            centre_name,
            date: today(),
        };
        self.change(id, |doc, s| inquiry::start_record(doc, &inq, &start, s))
            .await
            .map_err(|e| e.to_string())?;
        crate::local::remember_own_document(&id.to_string())?;
        self.sync.get_value().want(id);
        self.change(inquiry_id, |doc, s| inquiry::list_record(doc, &id.to_string(), &centre_id, s))
            .await
            .map_err(|e| e.to_string())?;
        Ok(id)
    }

    pub async fn load_record(self, id: DocumentId) -> Loaded<(Record, bool)> {
        self.sync.get_value().want(id);
        let got = self
            .repo
            .get_value()
            .read(id, |doc| {
                if doc.get_heads().is_empty() {
                    return None;
                }
                Some(
                    inquiry::read_record(doc)
                        .map(|r| (r, inquiry::corrected_after_finalising(doc))),
                )
            })
            .await;
        match got {
            Ok(None) => Loaded::Missing,
            Ok(Some(Ok(r))) => Loaded::Ready(r),
            Ok(Some(Err(e))) => Loaded::Failed(e.to_string()),
            Err(e) => Loaded::Failed(e.to_string()),
        }
    }

    /// A record's history, a burst of typing per line, newest first.
    pub async fn record_history(self, id: DocumentId) -> Vec<history::Group> {
        self.repo.get_value().read(id, history::read_grouped).await.unwrap_or_default()
    }

    /// Types into a record: applied and stored on the device at once; sent within a second.
    pub async fn splice(
        self,
        id: DocumentId,
        target: TextRef,
        at: usize,
        delete: usize,
        insert: String,
    ) -> Result<String, String> {
        let repo = self.repo.get_value();
        let stamp = self.stamp();
        let text = repo
            .read(id, |doc| inquiry::splice(doc, &target, at, delete, &insert, &stamp))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        self.save_soon(id);
        self.send_later(id);
        Ok(text)
    }

    pub async fn add_participant(self, id: DocumentId) -> Result<(), InquiryError> {
        let pid = new_entry_id();
        self.change(id, |doc, s| inquiry::add_participant(doc, &pid, s)).await
    }

    pub async fn remove_participant(self, id: DocumentId, pid: String) -> Result<(), InquiryError> {
        self.change(id, |doc, s| inquiry::remove_participant(doc, &pid, s)).await
    }

    pub async fn set_role(
        self,
        id: DocumentId,
        pid: String,
        role: String,
    ) -> Result<(), InquiryError> {
        self.change(id, |doc, s| inquiry::set_role(doc, &pid, &role, s)).await
    }

    pub async fn set_date(self, id: DocumentId, date: String) -> Result<(), InquiryError> {
        self.change(id, |doc, s| inquiry::set_date(doc, &date, s)).await
    }

    pub async fn finalise(self, id: DocumentId) -> Result<(), InquiryError> {
        let today = today();
        self.change(id, |doc, s| inquiry::finalise(doc, &today, s)).await
    }

    /// Every record of an inquiry this device has, read side by side; with `last_change`,
    /// also when each last changed (walks the record's history: the list needs it, the
    /// results do not).
    pub async fn load_records(self, inq: &Inquiry, last_change: bool) -> Vec<RecordLine> {
        let repo = self.repo.get_value();
        let node = self.sync.get_value();
        let ids: Vec<DocumentId> = inq.records.keys().filter_map(|r| r.parse().ok()).collect();
        let reads = ids.iter().map(|&id| {
            let repo = repo.clone();
            async move {
                // Cached beside the record (see `Repo::read_view`), so a list or Resultados
                // of records this device already has does not parse every one of them.
                let got = repo
                    .read_view(id, "record-line-v1", |doc| {
                        if doc.get_heads().is_empty() {
                            return None;
                        }
                        let last = history::entries(doc).last().map(|e| e.at);
                        inquiry::read_record(doc).ok().map(|r| (r, last))
                    })
                    .await;
                match got {
                    Ok(Some((record, last))) => Some(RecordLine {
                        id,
                        record,
                        last_change: if last_change { last } else { None },
                    }),
                    _ => None,
                }
            }
        });
        let lines = futures::future::join_all(reads).await.into_iter().flatten().collect();
        // Then keep them in sync (which loads them): after they are read, not before.
        for id in ids {
            node.want(id);
        }
        lines
    }
}

/// A record in a list.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordLine {
    pub id: DocumentId,
    pub record: Record,
    pub last_change: Option<i64>,
}

/// The record's state from its content and how it stands with the server.
pub fn record_state(record: &Record, sync: Option<&DocSync>) -> RecordState {
    match (record.finalised_at, sync) {
        (None, _) => RecordState::Draft,
        (Some(_), Some(s)) if s.pending == 0 && s.synced_at.is_some() => RecordState::Sent,
        (Some(_), _) => RecordState::Finalised,
    }
}
