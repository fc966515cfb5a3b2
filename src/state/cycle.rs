//! The network's improvement cycles as the pages need them, and the commands on them (make,
//! type into the worksheet or the aim, mark a stage) through the document pipeline: every
//! keystroke is stored on the device at once and sent within a second.

use juntas_core::model::text::TextEdit;
use juntas_core::{
    DocumentId,
    model::{
        cycle::{self, Cycle, New, Stage, Target},
        history,
        network::Command,
    },
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    error::AppError,
    repo::random_bytes,
    state::{doc::Loaded, network::NetworkState},
};

/// The cycles the network lists.
pub fn cycles(net: NetworkState) -> Vec<DocumentId> {
    net.network.with(|n| n.cycles.keys().filter_map(|k| k.parse().ok()).collect())
}

/// "Nuevo ciclo": the cycle, listed in the network; its id.
pub async fn create(net: NetworkState, new: New) -> Result<DocumentId, AppError> {
    let id = DocumentId::from_bytes(random_bytes());
    let (stamp, network) = (net.stamp(), net.id.to_string());
    net.docs.run(id, |d| cycle::create(d, &network, &new, &stamp)).await?;
    net.docs.want(id);
    net.run(Command::ListCycle { id: id.to_string() }).await?;
    Ok(id)
}

/// One open cycle, re-read on every change (local or synced).
#[derive(Clone, Copy)]
pub struct CycleCtx {
    pub net: NetworkState,
    pub id: DocumentId,
    pub cycle: RwSignal<Loaded<Cycle>>,
}

impl CycleCtx {
    pub fn open(net: NetworkState, id: DocumentId) -> CycleCtx {
        let ctx = CycleCtx { net, id, cycle: RwSignal::new(Loaded::Loading) };
        net.docs.want(id);
        Effect::new(move |_| {
            net.docs.watch(id);
            spawn_local(async move {
                ctx.cycle.set(net.docs.read(id, |d| cycle::read(d)).await);
            });
        });
        ctx
    }

    /// Types into a field: applied and stored on the device at once; sent within a second.
    pub async fn splice(self, target: Target, e: TextEdit) -> Result<String, AppError> {
        let s = self.net.stamp();
        self.net
            .docs
            .type_into(self.id, |d| {
                cycle::splice_on(d, &target, Some(&e.base), e.at, e.delete, &e.insert, &s)
            })
            .await
    }

    /// Sends what was typed now (a box lost focus).
    pub fn send_now(self) {
        self.net.docs.flush();
    }

    /// Marks that the cycle reached `stage` today.
    pub async fn start_stage(self, stage: Stage) -> Result<(), AppError> {
        let (s, today) = (self.net.stamp(), crate::dates::today());
        self.net.docs.run(self.id, |d| cycle::start_stage(d, stage, &today, &s)).await
    }

    /// "Nueva medida" (the facilitator).
    pub async fn add_measure(
        self,
        name: String,
        kind: cycle::MeasureKind,
        unit: String,
        goal: Option<f64>,
    ) -> Result<(), AppError> {
        let (s, id) = (self.net.stamp(), crate::repo::new_entry_id());
        self.net
            .docs
            .run(self.id, |d| cycle::add_measure(d, &id, &name, kind, &unit, goal, &s))
            .await
    }

    /// Enters (or corrects) a centre's value of a measure on a day.
    pub async fn put_point(
        self,
        measure: String,
        day: String,
        centre: String,
        value: f64,
    ) -> Result<(), AppError> {
        let s = self.net.stamp();
        self.net
            .docs
            .run(self.id, |d| cycle::put_point(d, &measure, &day, &centre, value, &s))
            .await
    }

    /// The cycle's history, a burst of typing per line, newest first.
    pub async fn history(self) -> Loaded<Vec<history::Group>> {
        self.net.docs.history(self.id, &self.net.id.to_string()).await
    }
}
