//! `/red/:id/arbol/…`: problem trees for workshops — the list and "Nuevo árbol", the outline
//! editor for phones (add, edit, reorder, move, delete, evidence, causa raíz) and the
//! projector view (an SVG drawing: effects above the trunk, causes below) with SVG, PNG and
//! text export.

use std::{rc::Rc, str::FromStr};

use juntas_core::{
    DocumentId,
    model::tree::{self, CAUSES, EFFECTS, Tree},
};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map},
};
use wasm_bindgen::JsCast;

use crate::{
    components::{PlanText, Splicer},
    download,
    error::{AppError, explain},
    i18n::{T, tr, use_i18n},
    state::{
        doc::Loaded,
        network::use_network,
        tree::{self as trees, TreeCtx, Usage},
    },
};

fn tree_id() -> Memo<Option<DocumentId>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("tid").and_then(|s| DocumentId::from_str(&s).ok()))
}

mod list;
mod outline;
mod projector;

pub use list::*;
pub use outline::*;
pub use projector::*;

/// Why a tree cannot be shown, in the person's words: unreadable, or not on this device.
pub(super) fn unreadable(i18n: crate::i18n::I18n, t: &Loaded<Tree>) -> Option<String> {
    match t {
        Loaded::Failed(e) => Some(explain(i18n, e)),
        Loaded::Missing => Some(i18n.t(T::NotFoundHere).to_string()),
        _ => None,
    }
}
