//! The network's inquiries and their records as the pages need them, and the commands on them,
//! through the document pipeline (`state::doc`): every keystroke in a record is stored on the
//! device at once (closing the browser mid-sentence loses nothing) and sent within a second.

use juntas_core::model::text::TextEdit;
use juntas_core::{
    DocumentId,
    model::{
        history,
        inquiry::{self, Definition, Inquiry, Record, Start, TextRef},
        network::Command,
    },
};
use leptos::prelude::*;

use crate::{
    error::AppError,
    readings::{self, Job},
    repo::{Caching, new_entry_id, random_bytes},
    state::{
        doc::{Docs, Loaded},
        network::NetworkState,
    },
    sync::DocSync,
};

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
    docs: Docs,
}

pub fn use_inquiry() -> InquiryCtx {
    expect_context::<InquiryCtx>()
}

impl InquiryCtx {
    pub fn open(net: NetworkState) -> InquiryCtx {
        let ctx = InquiryCtx { net, docs: net.docs };
        on_cleanup(move || ctx.docs.flush());
        ctx
    }

    /// The inquiries listed in the network, newest-created last.
    pub fn inquiries(&self) -> Vec<DocumentId> {
        self.net.network.with(|n| n.inquiries.keys().filter_map(|k| k.parse().ok()).collect())
    }

    /// Subscribes the running effect to changes of `id` (an inquiry or a record).
    pub fn watch(self, id: DocumentId) {
        self.docs.watch(id);
    }

    /// Subscribes the running effect to the inquiry's records.
    pub fn watch_records(self, inq: &Inquiry) {
        for id in inq.records.keys().filter_map(|r| r.parse::<DocumentId>().ok()) {
            self.docs.watch(id);
        }
    }

    /// Sends what was typed now (a box lost focus).
    pub fn send_now(self) {
        self.docs.flush();
    }

    /// The facilitator creates an inquiry (annex 6 by default).
    pub async fn create(self, def: Definition) -> Result<DocumentId, AppError> {
        let id = DocumentId::from_bytes(random_bytes());
        let (network, s) = (self.net.id.to_string(), self.net.stamp());
        self.docs.run(id, |doc| inquiry::create(doc, &network, &def, &s)).await?;
        self.docs.want(id);
        self.net.run(Command::ListInquiry { id: id.to_string() }).await?;
        Ok(id)
    }

    pub async fn redefine(self, id: DocumentId, def: Definition) -> Result<u64, AppError> {
        let s = self.net.stamp();
        self.docs.run(id, |doc| inquiry::redefine(doc, &def, &s)).await
    }

    /// What the facilitator shared of inquiry `id`'s results (None: nothing yet).
    pub async fn shared_results(self, id: DocumentId) -> Loaded<Option<inquiry::Shared>> {
        self.docs.read(id, |doc| inquiry::shared_results(doc)).await
    }

    /// Shares the finalised `records` with every member of the network (a facilitator does).
    pub async fn share_results(
        self,
        id: DocumentId,
        records: Vec<(String, Record)>,
    ) -> Result<(), AppError> {
        let s = self.net.stamp();
        self.docs.run(id, |doc| inquiry::share_results(doc, &records, &s)).await
    }

    pub async fn load_inquiry(self, id: DocumentId) -> Loaded<Inquiry> {
        self.docs.want(id);
        self.docs.read(id, |doc| inquiry::read_inquiry(doc)).await
    }

    /// "Nueva indagación": a record pre-filled with her name, centre and today's date.
    pub async fn new_record(self, inquiry_id: DocumentId) -> Result<DocumentId, AppError> {
        let inq = match self.load_inquiry(inquiry_id).await {
            Loaded::Ready(inq) => inq,
            Loaded::Failed(e) => return Err(e),
            Loaded::Missing | Loaded::Loading => return Err(AppError::NotFound),
        };
        // After an await: if she left the network's pages meanwhile, who she is is no longer
        // known here, and no record is started (nothing was typed in it yet).
        let me = self.net.me.try_get_untracked().flatten().ok_or(AppError::NoIdentity)?;
        let (name, centre_id, centre_name) = self
            .net
            .network
            .try_with_untracked(|n| {
                let m = n.members.get(&me);
                let cid = m.and_then(|m| m.centre_id.clone()).unwrap_or_default();
                let cname = n.centres.get(&cid).map(|c| c.name.clone()).unwrap_or_default();
                (m.map(|m| m.name.clone()).unwrap_or_default(), cid, cname)
            })
            .ok_or(AppError::NoIdentity)?;
        let id = DocumentId::from_bytes(random_bytes());
        let start = Start {
            inquiry_id: inquiry_id.to_string(),
            principal_id: me,
            principal_name: name,
            centre_id: centre_id.clone(),
            centre_name,
            date: crate::dates::today(),
        };
        let s = self.net.stamp();
        self.docs.run(id, |doc| inquiry::start_record(doc, &inq, &start, &s)).await?;
        crate::local::remember_own_document(&id.to_string()).map_err(AppError::Local)?;
        self.docs.want(id);
        self.docs
            .run(inquiry_id, |doc| inquiry::list_record(doc, &id.to_string(), &centre_id, &s))
            .await?;
        Ok(id)
    }

    /// A record, and whether it was corrected after it was finalised.
    pub async fn load_record(self, id: DocumentId) -> Loaded<(Record, bool)> {
        self.docs.want(id);
        self.docs
            .read(id, |doc| {
                inquiry::read_record(doc).map(|r| (r, inquiry::corrected_after_finalising(doc)))
            })
            .await
    }

    /// A record's history, a burst of typing per line, newest first.
    pub async fn record_history(self, id: DocumentId) -> Loaded<Vec<history::Group>> {
        self.docs.history(id, &self.net.id.to_string()).await
    }

    /// Types into a record: applied and stored on the device at once; sent within a second.
    pub async fn splice(
        self,
        id: DocumentId,
        target: TextRef,
        e: TextEdit,
    ) -> Result<String, AppError> {
        let s = self.net.stamp();
        self.docs
            .type_into(id, |doc| {
                inquiry::splice_on(doc, &target, Some(&e.base), e.at, e.delete, &e.insert, &s)
            })
            .await
    }

    pub async fn add_participant(self, id: DocumentId) -> Result<(), AppError> {
        let (pid, s) = (new_entry_id(), self.net.stamp());
        self.docs.run(id, |doc| inquiry::add_participant(doc, &pid, &s)).await
    }

    pub async fn remove_participant(self, id: DocumentId, pid: String) -> Result<(), AppError> {
        let s = self.net.stamp();
        self.docs.run(id, |doc| inquiry::remove_participant(doc, &pid, &s)).await
    }

    pub async fn set_role(self, id: DocumentId, pid: String, role: String) -> Result<(), AppError> {
        let s = self.net.stamp();
        self.docs.run(id, |doc| inquiry::set_role(doc, &pid, &role, &s)).await
    }

    pub async fn set_date(self, id: DocumentId, date: String) -> Result<(), AppError> {
        let s = self.net.stamp();
        self.docs.run(id, |doc| inquiry::set_date(doc, &date, &s)).await
    }

    /// "Eliminar esta pauta": its author deletes a draft (refused once finalised), and marks
    /// it deleted in its inquiry so those who may not read it stop waiting for it.
    pub async fn discard(self, id: DocumentId, record: &Record) -> Result<(), AppError> {
        let s = self.net.stamp();
        self.docs.run(id, |doc| inquiry::discard(doc, &s)).await?;
        let inquiry_id: DocumentId = record.inquiry_id.parse().map_err(|_| AppError::NotFound)?;
        let (rid, centre) = (id.to_string(), record.centre_id.clone());
        self.docs.run(inquiry_id, |doc| inquiry::list_deleted(doc, &rid, &centre, &s)).await
    }

    pub async fn finalise(self, id: DocumentId) -> Result<(), AppError> {
        let (today, s) = (crate::dates::today(), self.net.stamp());
        self.docs.run(id, |doc| inquiry::finalise(doc, &today, &s)).await
    }

    /// Every record the inquiry lists, read side by side — one that cannot be read, or is
    /// not on this device yet, with why (`AppError::NotFound`), never left out; a draft its
    /// author deleted is not listed; with
    /// `last_change`, also when each last changed (walks the record's history: the list needs
    /// it, the results do not).
    pub async fn load_records(self, inq: &Inquiry, last_change: bool) -> Vec<RecordLine> {
        let listed: Vec<(DocumentId, String)> = inq
            .records
            .iter()
            .filter_map(|(r, centre)| Some((r.parse().ok()?, centre.clone())))
            .collect();
        let deleted: std::collections::BTreeSet<DocumentId> = juntas_core::order::set_of(
            listed
                .iter()
                .filter(|(id, centre)| inq.says_deleted(&id.to_string(), centre))
                .map(|(id, _)| *id),
        );
        let deleted = &deleted;
        let reads = listed.iter().cloned().map(|(id, centre)| async move {
            // Cached beside the record, so a list or Resultados of records this device
            // already has does not parse every one of them.
            let got = self
                .docs
                .read_view(id, Job::RecordLine, Caching::AfterEveryRead, readings::record_line)
                .await;
            let (record, last) = match got {
                Loaded::Ready((r, last)) => (Ok(r), last),
                Loaded::Failed(e) => (Err(e), None),
                // Listed but not on this device yet (sync asks for it): a total without it is
                // partial, and says so.
                Loaded::Missing | Loaded::Loading => (Err(AppError::NotFound), None),
            };
            // Deleted by its author: not missing, not pending, listed nowhere. Who reads the
            // record goes by the record (a deletion the server refused leaves it finalised);
            // who may not, by the inquiry's mark.
            let gone = match &record {
                Ok(r) => r.deleted(),
                Err(_) => deleted.contains(&id),
            };
            if gone {
                return None;
            }
            Some(RecordLine {
                id,
                centre,
                record,
                last_change: if last_change { last } else { None },
            })
        });
        let lines = futures::future::join_all(reads).await.into_iter().flatten().collect();
        // Then keep them in sync (which loads them): after they are read, not before.
        for (id, _) in listed {
            self.docs.want(id);
        }
        lines
    }
}

/// A record in a list.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordLine {
    pub id: DocumentId,
    /// The centre the inquiry lists it under (known even when the record cannot be read).
    pub centre: String,
    /// The record, or why this device cannot read it.
    pub record: Result<Record, AppError>,
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
