//! The readings kept beside documents (architecture invariant 3): each one's name, its reader,
//! and the [`Job`] that asks the document worker ([`crate::worker`]) to make it. The page and
//! the worker read with these same functions, so a reading is the same whoever made it.

use juntas_core::{
    DocumentId, StoredDoc,
    automerge::{AutoCommit, ChangeHash},
    model::{
        centre_plan, history,
        inquiry::{self, Record},
        network::{self, Network},
        plan::{self, CommonPlan},
        review::PlanState,
        tree,
    },
    rules::Roles,
};
use serde::{Deserialize, Serialize};

use crate::{error::AppError, storage::IdbStorage};

/// The common plan's sections now (the SLEP's table, the list of sections, a centre's page).
pub const COMMON: &str = "common-plan-v1";
/// A line of the SLEP's table: the centre plan's review state and its last signed change,
/// with the version of the network's roles it was judged by ([`KeptRow`]). v4: judged by roles
/// that take one member's changes within one second together (`Roles::of`).
pub const TABLE_ROW: &str = "table-row-v4";
/// A record as the list of records and Resultados show it, with its last change.
pub const RECORD_LINE: &str = "record-line-v2";
/// A problem tree (the projector, the list of trees).
pub const TREE: &str = "tree-v1";
/// A network's directory, as every page of the network shows it first.
pub const NETWORK: &str = "network-v1";

/// Where a network's [`Roles`] are kept (a reading at fixed heads, `[doc, "at", ROLES]`): one
/// slot per network, holding the last ones read with the version they were read at
/// ([`KeptRoles`]), so a network's many versions do not pile up. v2: one member's changes
/// within one second are taken together (`Roles::of`), so v1's may differ between devices.
pub const ROLES: &str = "roles-v2";

/// What [`ROLES`] holds: the version read ([`centre_plan::version_key`]) and its roles.
pub type KeptRoles = (String, Roles);

/// The name the common texts at a version are kept under ([`centre_plan::texts_at`]).
pub fn texts_name(version_key: &str) -> String {
    format!("texts-v1/{version_key}")
}

/// A line of the SLEP's table.
pub type TableRow = (PlanState, Option<(i64, String)>);
/// What [`TABLE_ROW`] holds: the version of the roles the line was judged by (a review event
/// counts by its author's role then), and the line.
pub type KeptRow = (String, TableRow);
/// What [`RECORD_LINE`] holds.
pub type RecordLine = (Record, Option<i64>);

pub fn common(doc: &mut AutoCommit) -> Result<CommonPlan, AppError> {
    Ok(plan::read(doc)?)
}

/// A centre's line in the table, its review counted by the roles authors had (`roles`).
pub fn table_row(doc: &mut AutoCommit, roles: &Roles) -> Result<TableRow, AppError> {
    let plan = centre_plan::read(doc)?;
    let last = history::entries(doc).into_iter().rev().find(|e| !e.by.is_empty());
    let state = plan.review_in(roles).state;
    Ok((state, last.map(|e| (e.at, e.by))))
}

pub fn network(doc: &mut AutoCommit) -> Result<Network, AppError> {
    Ok(network::read(doc)?)
}

pub fn record_line(doc: &mut AutoCommit) -> Result<RecordLine, AppError> {
    let last = history::entries(doc).last().map(|e| e.at);
    Ok((inquiry::read_record(doc)?, last))
}

/// A reading the page asks the worker to make and keep beside document `id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Job {
    /// [`COMMON`] of the common plan.
    Common,
    /// [`COMMON`] and the common texts at these versions (those the plan holds), kept under
    /// [`texts_name`]: what a centre's page reads of the common plan.
    CommonAt(Vec<Vec<ChangeHash>>),
    /// [`TABLE_ROW`] of a centre's plan, by the network's roles as the page has them and
    /// their version (kept with the line).
    TableRow { roles: Roles, version: String },
    /// [`RECORD_LINE`] of an inquiry record.
    RecordLine,
    /// [`TREE`] of a problem tree.
    Tree,
    /// [`NETWORK`] of a network's directory.
    Network,
    /// The network's [`Roles`] at the version storage holds, kept under [`ROLES`] (a reading at
    /// fixed heads, not a view: [`Job::view`] names its slot). It does not keep the sync facts:
    /// it runs while the page has the network in memory, and the page keeps those.
    Roles,
    /// Only what sync needs to know of a document it has not loaded
    /// ([`crate::repo::SyncFacts`]), which every job also keeps.
    SyncFacts,
}

impl Job {
    /// The name of the reading it keeps beside its document (architecture invariant 3).
    pub fn view(&self) -> &'static str {
        match self {
            Job::Common | Job::CommonAt(_) => COMMON,
            Job::TableRow { .. } => TABLE_ROW,
            Job::RecordLine => RECORD_LINE,
            Job::Tree => TREE,
            Job::Network => NETWORK,
            Job::Roles => ROLES,
            Job::SyncFacts => crate::repo::SYNC_FACTS,
        }
    }
}

/// Why the worker could not make a reading (the page then reads the document itself, and
/// shows whatever goes wrong there in the person's language).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unmade {
    /// Nothing of the document is stored on this device.
    NotStored,
    /// The document or its reading failed; the words are for the console only.
    Failed(String),
}

/// Makes `job`'s reading of `id` from storage and keeps it beside the document: a view stamped
/// with the chunks it was read from (so it is served only while storage holds exactly those),
/// with the document's sync facts (the page's sync would otherwise load it to learn them); the
/// common texts and the roles as readings at fixed heads, which say the version they were read at.
pub async fn make(storage: &IdbStorage, id: DocumentId, job: &Job) -> Result<(), Unmade> {
    let fail = |e: &dyn std::fmt::Display| Unmade::Failed(e.to_string());
    // Facts another job kept for what storage holds now need no parse, when the page can read
    // them (a failed look is not reported: the load below reports any error, and rewrites
    // facts this build cannot read).
    if *job == Job::SyncFacts
        && let Ok(Some(kept)) =
            juntas_core::store::load_view(storage, &id, crate::repo::SYNC_FACTS).await
        && serde_json::from_slice::<crate::repo::SyncFacts>(&kept).is_ok()
    {
        return Ok(());
    }
    let actor = crate::repo::new_actor();
    let mut doc = StoredDoc::load(storage, id, actor)
        .await
        .map_err(|e| fail(&e))?
        .ok_or(Unmade::NotStored)?;
    if *job != Job::Roles {
        keep(storage, &mut doc, crate::repo::SYNC_FACTS, |d| Ok(crate::repo::SyncFacts::of(id, d)))
            .await?;
    }
    match job {
        Job::SyncFacts => Ok(()),
        Job::Common => keep(storage, &mut doc, COMMON, common).await,
        Job::CommonAt(versions) => {
            for v in versions {
                if centre_plan::Common::holds(doc.doc_mut(), v) {
                    let texts = centre_plan::texts_at(doc.doc_mut(), v).map_err(|e| fail(&e))?;
                    let bytes = serde_json::to_vec(&texts).map_err(|e| fail(&e))?;
                    let name = texts_name(&centre_plan::version_key(v));
                    juntas_core::store::save_fixed(storage, &id, &name, &bytes)
                        .await
                        .map_err(|e| fail(&e))?;
                }
            }
            keep(storage, &mut doc, COMMON, common).await
        }
        Job::TableRow { roles, version } => {
            keep(storage, &mut doc, TABLE_ROW, |d| Ok((version.clone(), table_row(d, roles)?)))
                .await
        }
        Job::RecordLine => keep(storage, &mut doc, RECORD_LINE, record_line).await,
        Job::Tree => keep(storage, &mut doc, TREE, |d| Ok(tree::Reader::default().read(d)?)).await,
        Job::Network => keep(storage, &mut doc, NETWORK, network).await,
        Job::Roles => {
            let doc = doc.doc_mut();
            let kept: KeptRoles = (centre_plan::version_key(&doc.get_heads()), Roles::of(doc));
            let bytes = serde_json::to_vec(&kept).map_err(|e| fail(&e))?;
            juntas_core::store::save_fixed(storage, &id, ROLES, &bytes).await.map_err(|e| fail(&e))
        }
    }
}

async fn keep<T: Serialize>(
    storage: &IdbStorage,
    doc: &mut StoredDoc,
    name: &str,
    read: impl FnOnce(&mut AutoCommit) -> Result<T, AppError>,
) -> Result<(), Unmade> {
    let fail = |e: &dyn std::fmt::Display| Unmade::Failed(e.to_string());
    let reading = read(doc.doc_mut()).map_err(|e| Unmade::Failed(format!("{e:?}")))?;
    let bytes = serde_json::to_vec(&reading).map_err(|e| fail(&e))?;
    doc.save_view(storage, name, &bytes).await.map_err(|e| fail(&e))
}
