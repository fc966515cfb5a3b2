//! The network's votes as the pages need them, and the commands on them (make, propose, open,
//! cast, close) through the document pipeline: a ballot is stored on the phone at once and
//! sent when there is signal.

use juntas_core::{
    DocumentId,
    model::{
        network::Command,
        vote::{self, Method, Vote},
    },
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    error::AppError,
    repo::{new_entry_id, random_bytes},
    state::{doc::Loaded, network::NetworkState},
};

/// The votes the network lists.
pub fn votes(net: NetworkState) -> Vec<DocumentId> {
    net.network.with(|n| n.votes.keys().filter_map(|k| k.parse().ok()).collect())
}

/// "Nueva votación": its proposals phase opens, listed in the network; its id.
pub async fn create(
    net: NetworkState,
    question: String,
    method: Method,
    anonymous: bool,
) -> Result<DocumentId, AppError> {
    let id = DocumentId::from_bytes(random_bytes());
    let (stamp, network) = (net.stamp(), net.id.to_string());
    net.docs.run(id, |d| vote::create(d, &network, &question, method, anonymous, &stamp)).await?;
    net.docs.want(id);
    net.run(Command::ListVote { id: id.to_string() }).await?;
    Ok(id)
}

/// One open vote, re-read on every change (local or synced).
#[derive(Clone, Copy)]
pub struct VoteCtx {
    pub net: NetworkState,
    pub id: DocumentId,
    pub vote: RwSignal<Loaded<Vote>>,
}

impl VoteCtx {
    pub fn open(net: NetworkState, id: DocumentId) -> VoteCtx {
        let ctx = VoteCtx { net, id, vote: RwSignal::new(Loaded::Loading) };
        net.docs.want(id);
        Effect::new(move |_| {
            net.docs.watch(id);
            spawn_local(async move {
                ctx.vote.set(net.docs.read(id, |d| vote::read(d)).await);
            });
        });
        ctx
    }

    pub async fn propose(self, label: String) -> Result<(), AppError> {
        let (s, option) = (self.net.my_stamp()?, new_entry_id());
        self.net.docs.run(self.id, |d| vote::propose(d, &option, &label, &s)).await
    }

    /// "Abrir la votación" (a facilitator).
    pub async fn start(self) -> Result<(), AppError> {
        let s = self.net.stamp();
        self.net.docs.run(self.id, |d| vote::open(d, &s)).await
    }

    pub async fn cast(self, ballot: Vec<String>) -> Result<(), AppError> {
        let s = self.net.my_stamp()?;
        self.net.docs.run(self.id, |d| vote::cast(d, &ballot, &s)).await
    }

    /// "Cerrar la votación" (a facilitator).
    pub async fn close(self) -> Result<(), AppError> {
        let s = self.net.stamp();
        self.net.docs.run(self.id, |d| vote::close(d, &s)).await
    }
}
