//! The year's operating plan as signals: the common plan, the person's role in it, the
//! commands on the common plan and on centres' plans, and the throttled save and sync of
//! typing (a keystroke is applied at once; it is written to storage and sent to peers at most
//! once a second, and at once when the box loses focus or the page is hidden).

use std::{cell::RefCell, collections::BTreeSet, rc::Rc};

use super::Batch;

use chrono::Datelike;
use gloo_timers::callback::Timeout;
use juntas_core::{
    DocumentId,
    automerge::AutoCommit,
    model::{
        centre_plan::{self, CentreError, CentrePlan, SectionDiff, SectionView},
        diff::Part,
        history::{self, Group, Stamp},
        network::{Command, Member, Role},
        plan::{self, CommonPlan, PlanError, SectionDef, Status},
        review::{Event, PlanState},
    },
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    repo::{Repo, new_entry_id, now_ms},
    state::{
        network::{NetworkState, SaveState},
        use_repo,
    },
    sync::{SyncNode, use_sync},
};

/// How long typing waits before it is saved and sent (the sync bench: one commit a second per
/// person keeps the server's latency low with the network's ~20 people).
const FLUSH_MS: u32 = 1_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Loaded<T> {
    Loading,
    /// Nobody has started it (or this device has not received it yet).
    Missing,
    Ready(T),
    Failed(String),
}

#[derive(Clone, Copy)]
pub struct PlanCtx {
    pub net: NetworkState,
    pub year: i64,
    pub common_id: DocumentId,
    pub common: RwSignal<Loaded<CommonPlan>>,
    /// Bumped whenever a plan document of this network changes (remote or local), so pages
    /// showing a centre's plan re-read it.
    pub version: RwSignal<u64>,
    repo: StoredValue<Rc<Repo>, LocalStorage>,
    sync: StoredValue<Rc<SyncNode>, LocalStorage>,
    flusher: StoredValue<Rc<RefCell<Batch>>, LocalStorage>,
    /// Bumped by every local keystroke: a read that started before one is stale and is redone.
    edits: StoredValue<u64>,
}

/// The person this device says it is, as the plan pages need her.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Me {
    pub id: String,
    pub member: Option<Member>,
    /// Commissions she belongs to.
    pub commissions: BTreeSet<String>,
}

impl Me {
    pub fn role(&self) -> Option<Role> {
        self.member.as_ref().map(|m| m.role)
    }

    pub fn is(&self, role: Role) -> bool {
        self.role() == Some(role)
    }

    pub fn centre(&self) -> Option<&str> {
        self.member.as_ref().and_then(|m| m.centre_id.as_deref())
    }
}

pub fn current_year() -> i64 {
    i64::from(chrono::Local::now().year())
}

/// The years offered for a network's plan: last year, this year, next year, and any year the
/// network has started a plan for, newest first.
pub fn plan_years(net: NetworkState) -> Vec<i64> {
    let now = current_year();
    let mut years: BTreeSet<i64> = (now - 1..=now + 1).collect();
    net.network.with(|n| {
        years.extend(
            n.plans.keys().filter(|k| !k.contains('/')).filter_map(|k| k.parse::<i64>().ok()),
        )
    });
    years.into_iter().rev().collect()
}

pub fn use_plan() -> PlanCtx {
    expect_context::<PlanCtx>()
}

impl PlanCtx {
    /// The plan of `year` in `net`, read and kept in step while its pages are open.
    pub fn open(net: NetworkState, year: i64) -> PlanCtx {
        let sync = use_sync();
        let ctx = PlanCtx {
            net,
            year,
            common_id: plan::id_for(net.id, year),
            common: RwSignal::new(Loaded::Loading),
            version: RwSignal::new(0),
            repo: StoredValue::new_local(use_repo()),
            sync: StoredValue::new_local(sync.node()),
            flusher: StoredValue::new_local(Rc::default()),
            edits: StoredValue::new(0),
        };
        ctx.sync.get_value().want(ctx.common_id);
        ctx.reload_common();
        Effect::new(move |_| {
            let (_, changed) = sync.changed.get();
            if changed == Some(ctx.common_id) {
                ctx.reload_common();
            }
            if changed.is_some_and(|id| id != net.id) {
                ctx.version.update(|v| *v += 1);
            }
        });
        // Typing not sent yet is written and sent when the page is hidden or closed.
        let listener = gloo_events::EventListener::new(&window(), "pagehide", move |_| {
            ctx.flush_now();
        });
        // Kept as long as the plan pages are open (dropped with their owner).
        StoredValue::new_local(listener);
        on_cleanup(move || ctx.flush_now());
        ctx
    }

    pub fn me(&self) -> Signal<Me> {
        Self::me_of(self.net)
    }

    /// The person this device says it is in `net`, with her role and commissions.
    pub fn me_of(net: NetworkState) -> Signal<Me> {
        Signal::derive(move || {
            let Some(id) = net.me.get() else { return Me::default() };
            net.network.with(|n| Me {
                member: n.members.get(&id).cloned(),
                commissions: n
                    .commissions
                    .iter()
                    .filter(|(_, c)| c.members.contains_key(&id))
                    .map(|(k, _)| k.clone())
                    .collect(),
                id,
            })
        })
    }

    fn stamp(&self) -> Stamp {
        Stamp::new(&self.net.me.get_untracked().unwrap_or_default(), now_ms())
    }

    pub fn centre_id(&self, centre: &str) -> DocumentId {
        centre_plan::id_for(self.common_id, centre)
    }

    pub fn is_started(&self) -> bool {
        self.net.network.with_untracked(|n| n.plans.contains_key(&self.year.to_string()))
    }

    pub fn reload_common(self) {
        let repo = self.repo.get_value();
        spawn_local(async move {
            let got = loop {
                let start = self.edits.get_value();
                let got = repo
                    .read(self.common_id, |doc| {
                        if doc.get_heads().is_empty() { None } else { Some(plan::read(doc)) }
                    })
                    .await;
                if self.edits.get_value() == start {
                    break got;
                }
            };
            self.common.set(match got {
                Ok(None) => Loaded::Missing,
                Ok(Some(Ok(p))) => Loaded::Ready(p),
                Ok(Some(Err(e))) => Loaded::Failed(e.to_string()),
                Err(e) => Loaded::Failed(e.to_string()),
            });
        });
    }

    /// The facilitator starts the year's plan from the built-in template.
    pub async fn create_common(self) -> Result<(), String> {
        let repo = self.repo.get_value();
        let (net, year) = (self.net.id, self.year);
        repo.ensure(self.common_id, || plan::skeleton(net, year)).await?;
        self.net
            .run(Command::ListPlan { key: year.to_string() })
            .await
            .map_err(|e| e.to_string())?;
        self.sync.get_value().want(self.common_id);
        self.sync.get_value().local_change(self.common_id).await;
        self.reload_common();
        Ok(())
    }

    /// Opens (creating on first use) a centre's plan for the year.
    pub async fn ensure_centre(self, centre: String) -> Result<DocumentId, String> {
        let repo = self.repo.get_value();
        let id = self.centre_id(&centre);
        let (net, year) = (self.net.id, self.year);
        let c = centre.clone();
        let existed =
            repo.read(id, |d| !d.get_heads().is_empty()).await.map_err(|e| e.to_string())?;
        if !existed {
            repo.ensure(id, || centre_plan::skeleton(net, year, &c)).await?;
            self.sync.get_value().want(id);
            self.sync.get_value().local_change(id).await;
        }
        let key = format!("{year}/{centre}");
        if !self.net.network.with_untracked(|n| n.plans.contains_key(&key)) {
            self.net.run(Command::ListPlan { key }).await.map_err(|e| e.to_string())?;
        }
        Ok(id)
    }

    /// Marks `id` as typed into; it is saved and sent within [`FLUSH_MS`].
    fn schedule(self, id: DocumentId) {
        let flusher = self.flusher.get_value();
        let mut f = flusher.borrow_mut();
        f.ids.insert(id);
        if f.timer.is_none() {
            self.net.save.set(SaveState::Saving);
            f.timer = Some(Timeout::new(FLUSH_MS, move || self.flush_now()));
        }
    }

    /// Saves and sends every document typed into since the last flush.
    pub fn flush_now(self) {
        let flusher = self.flusher.get_value();
        let dirty = flusher.borrow_mut().take();
        if dirty.is_empty() {
            return;
        }
        let repo = self.repo.get_value();
        let node = self.sync.get_value();
        spawn_local(async move {
            for id in dirty {
                // A failure is recorded by the repo and shown by settle().
                let _ = repo.save(id).await;
                node.local_change(id).await;
            }
            self.net.settle();
        });
    }

    /// Runs a command on one document, then saves and sends it at once.
    async fn change<R>(
        self,
        id: DocumentId,
        f: impl FnOnce(&mut AutoCommit, &Stamp) -> R,
    ) -> Result<R, String> {
        let repo = self.repo.get_value();
        let stamp = self.stamp();
        let r = repo.read(id, |doc| f(doc, &stamp)).await.map_err(|e| e.to_string())?;
        self.net.save.set(SaveState::Saving);
        // A failure is recorded by the repo and shown by settle().
        let _ = repo.save(id).await;
        self.sync.get_value().local_change(id).await;
        self.net.settle();
        if id == self.common_id {
            self.reload_common();
        }
        self.version.update(|v| *v += 1);
        Ok(r)
    }

    /// Types into a common section; returns its text after the splice.
    pub async fn splice_common(
        self,
        section: String,
        at: usize,
        delete: usize,
        insert: String,
    ) -> Result<String, String> {
        let repo = self.repo.get_value();
        let stamp = self.stamp();
        self.edits.update_value(|n| *n += 1);
        let text = repo
            .read(self.common_id, |doc| -> Result<String, PlanError> {
                plan::splice(doc, &section, at, delete, &insert, &stamp)?;
                plan::body(doc, &section)
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        self.common.update(|c| {
            if let Loaded::Ready(p) = c
                && let Some(s) = p.sections.iter_mut().find(|s| s.def.id == section)
            {
                s.body = text.clone();
                p.updated_at = stamp.at;
            }
        });
        self.schedule(self.common_id);
        Ok(text)
    }

    /// Types into a centre's own text of a section; returns the text after the splice.
    pub async fn splice_centre(
        self,
        centre: String,
        section: String,
        at: usize,
        delete: usize,
        insert: String,
    ) -> Result<String, String> {
        let repo = self.repo.get_value();
        let stamp = self.stamp();
        let id = self.centre_id(&centre);
        self.edits.update_value(|n| *n += 1);
        let text = repo
            .read(id, |doc| -> Result<String, PlanError> {
                centre_plan::splice(doc, &section, at, delete, &insert, &stamp)?;
                Ok(centre_plan::read(doc)?.body(&section).to_string())
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        self.schedule(id);
        Ok(text)
    }

    pub async fn set_status(self, section: String, status: Status) -> Result<(), String> {
        self.change(self.common_id, |d, s| plan::set_status(d, &section, status, s))
            .await?
            .map_err(|e| e.to_string())
    }

    pub async fn assign(self, section: String, commission: Option<String>) -> Result<(), String> {
        self.change(self.common_id, |d, s| plan::assign(d, &section, commission.as_deref(), s))
            .await?
            .map_err(|e| e.to_string())
    }

    pub async fn put_def(self, def: SectionDef) -> Result<(), PlanError> {
        self.change(self.common_id, |d, s| plan::put_def(d, &def, s))
            .await
            .map_err(PlanError::Shape)?
    }

    pub async fn comment_common(self, section: String, text: String) -> Result<(), PlanError> {
        let id = new_entry_id();
        self.change(self.common_id, |d, s| plan::comment(d, &id, &section, &text, s))
            .await
            .map_err(PlanError::Shape)?
    }

    pub async fn comment_centre(
        self,
        centre: String,
        section: String,
        text: String,
    ) -> Result<(), PlanError> {
        let id = new_entry_id();
        self.change(self.centre_id(&centre), |d, s| {
            centre_plan::comment(d, &id, &section, &text, s)
        })
        .await
        .map_err(PlanError::Shape)?
    }

    /// Runs a command that needs the centre's plan and the common plan together.
    async fn change_centre<R>(
        self,
        centre: &str,
        f: impl FnOnce(&mut AutoCommit, &mut AutoCommit, &Stamp) -> R,
    ) -> Result<R, String> {
        self.flush_now();
        let id = self.centre_id(centre);
        let repo = self.repo.get_value();
        let stamp = self.stamp();
        let r = repo
            .read_two(id, self.common_id, |doc, common| f(doc, common, &stamp))
            .await
            .map_err(|e| e.to_string())?;
        self.net.save.set(SaveState::Saving);
        // A failure is recorded by the repo and shown by settle().
        let _ = repo.save(id).await;
        self.sync.get_value().local_change(id).await;
        self.net.settle();
        self.version.update(|v| *v += 1);
        Ok(r)
    }

    pub async fn adopt(self, centre: String) -> Result<(), CentreError> {
        self.change_centre(&centre, centre_plan::adopt)
            .await
            .map_err(|e| CentreError::Plan(PlanError::Shape(e)))?
            .map_err(CentreError::Plan)
    }

    pub async fn deliver(self, centre: String, note: String) -> Result<PlanState, CentreError> {
        let id = new_entry_id();
        self.change_centre(&centre, |d, c, s| centre_plan::deliver(d, c, &id, &note, s))
            .await
            .map_err(|e| CentreError::Plan(PlanError::Shape(e)))?
    }

    /// The SLEP returns the plan with observations (section id, text) and a note.
    pub async fn observe(
        self,
        centre: String,
        note: String,
        per_section: Vec<(String, String)>,
    ) -> Result<PlanState, CentreError> {
        let id = new_entry_id();
        let notes: Vec<(String, String, String)> =
            per_section.into_iter().map(|(s, t)| (new_entry_id(), s, t)).collect();
        self.change_centre(&centre, |d, _, s| centre_plan::observe(d, &id, &note, &notes, s))
            .await
            .map_err(|e| CentreError::Plan(PlanError::Shape(e)))?
    }

    pub async fn approve(self, centre: String, note: String) -> Result<PlanState, CentreError> {
        let id = new_entry_id();
        self.change_centre(&centre, |d, _, s| centre_plan::approve(d, &id, &note, s))
            .await
            .map_err(|e| CentreError::Plan(PlanError::Shape(e)))?
    }

    /// Everything the centre page shows, read from this device's copies (read again when a
    /// keystroke landed while reading, so a slow read never puts back older text).
    pub async fn load_centre(self, centre: String) -> Loaded<CentreData> {
        loop {
            let start = self.edits.get_value();
            let got = self.load_centre_once(centre.clone()).await;
            if self.edits.get_value() == start {
                return got;
            }
        }
    }

    async fn load_centre_once(self, centre: String) -> Loaded<CentreData> {
        let repo = self.repo.get_value();
        let id = self.centre_id(&centre);
        let got = repo
            .read_two(id, self.common_id, |doc, common| {
                if doc.get_heads().is_empty() {
                    return Ok(None);
                }
                let plan = centre_plan::read(doc)?;
                let view = centre_plan::current(doc, common);
                let changes = centre_plan::common_changes(doc, common).unwrap_or_default();
                let new_draft = centre_plan::has_new_draft(doc, common).unwrap_or(false);
                let review = plan.review();
                let deliveries = review
                    .submissions
                    .iter()
                    .map(|e| {
                        let heads = centre_plan::delivery_heads(e);
                        (e.clone(), centre_plan::at(doc, common, &heads).map_err(|e| e.to_string()))
                    })
                    .collect();
                let diffs = match &review.submissions[..] {
                    [.., prev, last] => {
                        centre_plan::diff_deliveries(doc, common, prev, last).unwrap_or_default()
                    }
                    _ => Vec::new(),
                };
                Ok::<_, PlanError>(Some(CentreData {
                    state: review.state,
                    set_aside: review.set_aside.len(),
                    plan,
                    view: view.map_err(|e| e.to_string()),
                    changes,
                    new_draft,
                    deliveries,
                    diffs,
                }))
            })
            .await;
        match got {
            Ok(Ok(Some(d))) => Loaded::Ready(d),
            Ok(Ok(None)) => Loaded::Missing,
            Ok(Err(e)) => Loaded::Failed(e.to_string()),
            Err(e) => Loaded::Failed(e.to_string()),
        }
    }

    /// One line per centre for the SLEP's table.
    pub async fn load_table(self) -> Vec<CentreRow> {
        let repo = self.repo.get_value();
        let centres: Vec<(String, String)> = self.net.network.with_untracked(|n| {
            n.centres_sorted().into_iter().map(|(id, c)| (id.clone(), c.name.clone())).collect()
        });
        // Side by side, and through cached readings (see `Repo::read_view`): the table is
        // fifteen plans, and parsing one typed key by key costs tens of ms.
        let reads = centres.into_iter().map(|(cid, name)| {
            let (repo, id) = (repo.clone(), self.centre_id(&cid));
            async move {
                let row = repo
                    .read_view(id, "table-row-v1", |doc| {
                        if doc.get_heads().is_empty() {
                            return None;
                        }
                        let plan = centre_plan::read(doc).ok()?;
                        let last =
                            history::entries(doc).into_iter().rev().find(|e| !e.by.is_empty());
                        Some((plan.review().state, last.map(|e| (e.at, e.by))))
                    })
                    .await
                    .ok()
                    .flatten();
                CentreRow {
                    started: row.is_some(),
                    state: row.as_ref().map(|r| r.0).unwrap_or(PlanState::Draft),
                    last: row.and_then(|r| r.1),
                    centre: cid,
                    name,
                }
            }
        });
        futures::future::join_all(reads).await
    }

    /// The history of the common plan, grouped.
    pub async fn common_history(self) -> Vec<Group> {
        let repo = self.repo.get_value();
        repo.read(self.common_id, history::read_grouped).await.unwrap_or_default()
    }

    /// The history of a centre's plan, grouped.
    pub async fn centre_history(self, centre: String) -> Vec<Group> {
        let repo = self.repo.get_value();
        repo.read(self.centre_id(&centre), history::read_grouped).await.unwrap_or_default()
    }

    pub async fn common_comments(self) -> Vec<plan::Note> {
        let repo = self.repo.get_value();
        repo.read(self.common_id, |doc| plan::comments(doc).unwrap_or_default())
            .await
            .unwrap_or_default()
    }
}

/// A centre's plan as its page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CentreData {
    pub plan: CentrePlan,
    pub state: PlanState,
    /// Review decisions that concurrent actions set aside.
    pub set_aside: usize,
    /// The plan as it reads now (or why it cannot be composed on this device yet).
    pub view: Result<Vec<SectionView>, String>,
    /// What changed in the common part since adoption.
    pub changes: Vec<(String, Vec<Part>)>,
    pub new_draft: bool,
    /// Every delivery and the plan as it was delivered.
    pub deliveries: Vec<(Event, Result<Vec<SectionView>, String>)>,
    /// What changed between the last two deliveries.
    pub diffs: Vec<SectionDiff>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CentreRow {
    pub centre: String,
    pub name: String,
    pub started: bool,
    pub state: PlanState,
    /// (ms, member id) of the last change.
    pub last: Option<(i64, String)>,
}
