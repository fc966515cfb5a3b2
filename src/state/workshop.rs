//! The network's workshops and their exit tickets as the pages need them, and the commands on
//! them (make, answer, close), through the document pipeline: an answer is stored on the phone
//! at once and sent when there is signal.

use juntas_core::{
    DocumentId,
    model::{
        network::Command,
        workshop::{self, Answer, New, Workshop},
    },
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    error::AppError,
    repo::random_bytes,
    state::{doc::Loaded, network::NetworkState},
};

/// The workshops the network lists.
pub fn workshops(net: NetworkState) -> Vec<DocumentId> {
    net.network.with(|n| n.workshops.keys().filter_map(|k| k.parse().ok()).collect())
}

/// "Nuevo taller": the workshop with its exit ticket, listed in the network; its id.
pub async fn create(net: NetworkState, new: New) -> Result<DocumentId, AppError> {
    let id = DocumentId::from_bytes(random_bytes());
    let (stamp, network) = (net.stamp(), net.id.to_string());
    net.docs.run(id, |d| workshop::create(d, &network, &new, &stamp)).await?;
    net.docs.want(id);
    net.run(Command::ListWorkshop { id: id.to_string() }).await?;
    Ok(id)
}

/// One open workshop: its plain data, re-read on every change (local or synced).
#[derive(Clone, Copy)]
pub struct WorkshopCtx {
    pub net: NetworkState,
    pub id: DocumentId,
    pub workshop: RwSignal<Loaded<Workshop>>,
}

impl WorkshopCtx {
    pub fn open(net: NetworkState, id: DocumentId) -> WorkshopCtx {
        let ctx = WorkshopCtx { net, id, workshop: RwSignal::new(Loaded::Loading) };
        net.docs.want(id);
        Effect::new(move |_| {
            net.docs.watch(id);
            spawn_local(async move {
                ctx.workshop.set(net.docs.read(id, |d| workshop::read(d)).await);
            });
        });
        ctx
    }

    /// Her answer to `question` (an empty text takes her answer back).
    /// Her identity is read at the call (the last words of a box are saved as she leaves the
    /// page, when the network's state may be gone by the time the save runs).
    pub fn answer(
        self,
        question: String,
        value: Answer,
    ) -> impl std::future::Future<Output = Result<(), AppError>> {
        let s = self.net.my_stamp();
        async move {
            let s = s?;
            self.net.docs.run(self.id, |d| workshop::answer(d, &question, value, &s)).await
        }
    }

    /// "Cerrar el ticket" (a facilitator).
    pub async fn close(self) -> Result<(), AppError> {
        let s = self.net.stamp();
        self.net.docs.run(self.id, |d| workshop::close(d, &s)).await
    }
}
