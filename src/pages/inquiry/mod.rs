//! `/red/:id/indagacion/…`: inquiries (annex 6 "pauta de registro") — the list with each
//! record's state and the CSV of it, the facilitator's definition form, the record form a
//! principal fills on her phone, and the aggregated results with their CSV and print view.

use std::str::FromStr;

use juntas_core::{
    DocumentId,
    model::{
        history::Verb,
        inquiry::{self, Definition, Inquiry, InquiryError, Missing, Record, TextRef},
        network::Role,
        results::{LeftOut, RecordReading, results},
    },
};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::{A, Outlet},
    hooks::{use_navigate, use_params_map},
};

use crate::{
    components::{HistoryBox, PlanText, Subject},
    dates::format_time,
    download,
    error::{AppError, explain},
    i18n::{I18n, T, tr, use_i18n},
    state::{
        inquiry::{InquiryCtx, RecordLine, RecordState, record_state, use_inquiry},
        network::use_network,
        plan::{Loaded, PlanCtx},
    },
    sync::use_sync,
};

#[component]
pub fn InquiryShell() -> impl IntoView {
    let ctx = InquiryCtx::open(use_network());
    provide_context(ctx);
    view! { <div class="inquiry"><Outlet /></div> }
}

fn state_text(s: RecordState) -> T {
    match s {
        RecordState::Draft => T::RecDraft,
        RecordState::Finalised => T::RecFinalised,
        RecordState::Sent => T::RecSent,
    }
}

fn param_id(name: &'static str) -> Memo<Option<DocumentId>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get(name).and_then(|s| DocumentId::from_str(&s).ok()))
}

/// Loads an inquiry, again whenever an inquiry document changes.
fn inquiry_signal(ctx: InquiryCtx, iid: Memo<Option<DocumentId>>) -> RwSignal<Loaded<Inquiry>> {
    let data = RwSignal::new(Loaded::Loading);
    Effect::new(move |_| {
        let Some(id) = iid.get() else {
            data.set(Loaded::Missing);
            return;
        };
        ctx.watch(id);
        spawn_local(async move { data.set(ctx.load_inquiry(id).await) });
    });
    data
}

fn records_signal(
    ctx: InquiryCtx,
    inq: RwSignal<Loaded<Inquiry>>,
    last_change: bool,
) -> RwSignal<Option<Vec<RecordLine>>> {
    let lines = RwSignal::new(None);
    Effect::new(move |_| {
        if let Loaded::Ready(i) = inq.get() {
            ctx.watch_records(&i);
            spawn_local(async move { lines.set(Some(ctx.load_records(&i, last_change).await)) });
        }
    });
    lines
}

mod definition;
mod list;
mod record;
mod resultados;

pub use definition::*;
pub use list::*;
pub use record::*;
pub use resultados::*;
