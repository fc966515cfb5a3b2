//! `/red/:id/talleres/…`: the network's workshops and votes — the lists, "Nuevo taller" and
//! "Nueva votación" (the facilitator), each vote's page (`vote`), and each workshop's page: its exit ticket answered from a phone (offline too,
//! one answer per person, editable until it closes), the live results for the projector with
//! the ticket's QR, and "Cerrar el ticket".

use std::str::FromStr;

use juntas_core::{
    DocumentId,
    model::{
        network::Role,
        workshop::{self, Answer, New, QuestionKind, Tally, Workshop},
    },
};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map},
};

use crate::{
    components::OneAtATime,
    dates::format_day,
    error::explain,
    i18n::{T, tr, use_i18n},
    state::{
        doc::Loaded,
        network::use_network,
        plan::PlanCtx,
        workshop::{self as workshops, WorkshopCtx},
    },
    sync::use_sync,
};

fn workshop_id() -> Memo<Option<DocumentId>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("wid").and_then(|s| DocumentId::from_str(&s).ok()))
}

mod cycle;
mod list;
mod measure;
mod ticket;
mod vote;

pub use cycle::*;
pub use list::*;
pub use ticket::*;
pub use vote::*;
