//! The year's operating plan as signals: the common plan, the person's role in it, and the
//! commands on the common plan and on centres' plans — all through the document pipeline
//! (`state::doc`), typing included.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use juntas_core::{
    DocumentId,
    automerge::ChangeHash,
    model::{
        centre_plan::{self, CentrePlan, SectionDiff, SectionView},
        diff::Part,
        history::Group,
        network::{Command, Member, Role},
        plan::{self, CommonPlan, SectionDef, Status},
        review::{self, Event, PlanState},
        text::TextEdit,
    },
    rules::Roles,
};
use leptos::{prelude::*, task::spawn_local};

pub use crate::state::doc::Loaded;
use crate::{
    error::AppError,
    readings::{self, COMMON, Job, texts_name},
    repo::{Caching, new_entry_id},
    state::{doc::Docs, network::NetworkState},
};

#[derive(Clone, Copy)]
pub struct PlanCtx {
    pub net: NetworkState,
    pub year: i64,
    pub common_id: DocumentId,
    pub common: RwSignal<Loaded<CommonPlan>>,
    docs: Docs,
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
    /// Who the rules judge: None when the person chose nobody of the network.
    pub fn who(&self) -> Option<juntas_core::rules::Who> {
        self.member.as_ref().map(|m| juntas_core::rules::Who {
            member: self.id.clone(),
            role: m.role,
            centre: m.centre_id.clone(),
            commissions: self.commissions.clone(),
        })
    }

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
    let mut years: BTreeSet<i64> = juntas_core::order::set_of(now - 1..=now + 1);
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
        let ctx = PlanCtx {
            net,
            year,
            common_id: plan::id_for(net.id, year),
            common: RwSignal::new(Loaded::Loading),
            docs: net.docs,
        };
        ctx.docs.want(ctx.common_id);
        Effect::new(move |_| {
            ctx.docs.watch(ctx.common_id);
            ctx.reload_common();
        });
        // Typing not sent yet goes out when the plan pages close.
        on_cleanup(move || ctx.docs.flush());
        ctx
    }

    /// Subscribes the running effect to every plan document of the year: the common plan
    /// and every centre's plan.
    pub fn track(self) {
        self.docs.watch(self.common_id);
        let centres: Vec<String> = self.net.network.with(|n| n.centres.keys().cloned().collect());
        for c in centres {
            self.docs.watch(self.centre_id(&c));
        }
    }

    /// Subscribes the running effect to the common plan document itself: any change to it,
    /// even one no reading shows (a signature arriving), so its history is read again.
    pub fn track_common(self) {
        self.docs.watch(self.common_id);
    }

    /// Subscribes the running effect to one centre's plan and the common plan.
    pub fn track_centre(self, centre: &str) {
        self.docs.watch(self.common_id);
        self.docs.watch(self.centre_id(centre));
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

    pub fn centre_id(&self, centre: &str) -> DocumentId {
        centre_plan::id_for(self.common_id, centre)
    }

    pub fn is_started(&self) -> bool {
        self.net.network.with_untracked(|n| n.plans.contains_key(&self.year.to_string()))
    }

    fn reload_common(self) {
        spawn_local(async move {
            // Cached beside the document: the SLEP's table and the list of sections open without
            // parsing the plan (~8,000 changes: a 150 ms task on a phone); its editor loads it.
            let read = self.docs.read_view(
                self.common_id,
                Job::Common,
                Caching::WhenLoaded,
                readings::common,
            );
            self.common.set(read.await);
        });
    }

    /// The facilitator starts the year's plan from the built-in template.
    pub async fn create_common(self) -> Result<(), AppError> {
        let (net, year) = (self.net.id, self.year);
        self.docs.ensure(self.common_id, || plan::skeleton(net, year)).await?;
        self.net.run(Command::ListPlan { key: year.to_string() }).await
    }

    /// Opens (creating on first use) a centre's plan for the year.
    pub async fn ensure_centre(self, centre: String) -> Result<DocumentId, AppError> {
        let id = self.centre_id(&centre);
        let (net, year) = (self.net.id, self.year);
        self.docs.ensure(id, || centre_plan::skeleton(net, year, &centre)).await?;
        let key = format!("{year}/{centre}");
        // After an await: she may have left the network's pages; listing it again is harmless.
        if self.net.network.try_with_untracked(|n| n.plans.contains_key(&key)) != Some(true) {
            self.net.run(Command::ListPlan { key }).await?;
        }
        Ok(id)
    }

    /// Sends what was typed now (a box lost focus).
    pub fn flush_now(self) {
        self.docs.flush();
    }

    /// Types into a common section; returns its text after the splice.
    pub async fn splice_common(self, section: String, e: TextEdit) -> Result<String, AppError> {
        let stamp = self.net.stamp();
        let text = self
            .docs
            .type_into(self.common_id, |doc| {
                plan::splice_on(doc, &section, Some(&e.base), e.at, e.delete, &e.insert, &stamp)?;
                plan::body(doc, &section)
            })
            .await?;
        self.common.update(|c| {
            if let Loaded::Ready(p) = c
                && let Some(s) = p.sections.iter_mut().find(|s| s.def.id == section)
            {
                s.body = text.clone();
                p.updated_at = stamp.at;
            }
        });
        Ok(text)
    }

    /// Types into a centre's own text of a section; returns the text after the splice.
    pub async fn splice_centre(
        self,
        centre: String,
        section: String,
        e: TextEdit,
    ) -> Result<String, AppError> {
        let stamp = self.net.stamp();
        self.docs
            .type_into(self.centre_id(&centre), |doc| {
                let base = Some(e.base.as_str());
                centre_plan::splice_on(doc, &section, base, e.at, e.delete, &e.insert, &stamp)?;
                Ok::<_, AppError>(centre_plan::read(doc)?.body(&section).to_string())
            })
            .await
    }

    pub async fn set_status(self, section: String, status: Status) -> Result<(), AppError> {
        let s = self.net.stamp();
        self.docs.run(self.common_id, |d| plan::set_status(d, &section, status, &s)).await
    }

    pub async fn assign(self, section: String, commission: Option<String>) -> Result<(), AppError> {
        let s = self.net.stamp();
        self.docs
            .run(self.common_id, |d| plan::assign(d, &section, commission.as_deref(), &s))
            .await
    }

    pub async fn put_def(self, def: SectionDef) -> Result<(), AppError> {
        let s = self.net.stamp();
        self.docs.run(self.common_id, |d| plan::put_def(d, &def, &s)).await
    }

    pub async fn comment_common(self, section: String, text: String) -> Result<(), AppError> {
        let (id, s) = (new_entry_id(), self.net.stamp());
        self.docs.run(self.common_id, |d| plan::comment(d, &id, &section, &text, &s)).await
    }

    pub async fn comment_centre(
        self,
        centre: String,
        section: String,
        text: String,
    ) -> Result<(), AppError> {
        let (id, s) = (new_entry_id(), self.net.stamp());
        self.docs
            .run(self.centre_id(&centre), |d| centre_plan::comment(d, &id, &section, &text, &s))
            .await
    }

    pub async fn adopt(self, centre: String) -> Result<(), AppError> {
        let s = self.net.stamp();
        self.docs
            .run_two(self.centre_id(&centre), self.common_id, |d, c| centre_plan::adopt(d, c, &s))
            .await
    }

    pub async fn deliver(self, centre: String, note: String) -> Result<PlanState, AppError> {
        let (id, s) = (new_entry_id(), self.net.stamp());
        self.docs
            .run_two(self.centre_id(&centre), self.common_id, |d, c| {
                centre_plan::deliver(d, c, &id, &note, &s)
            })
            .await
    }

    /// The SLEP returns the plan with observations (section id, text) and a note.
    pub async fn observe(
        self,
        centre: String,
        note: String,
        per_section: Vec<(String, String)>,
    ) -> Result<PlanState, AppError> {
        let (id, s) = (new_entry_id(), self.net.stamp());
        let notes: Vec<(String, String, String)> =
            per_section.into_iter().map(|(sec, t)| (new_entry_id(), sec, t)).collect();
        self.docs
            .run(self.centre_id(&centre), |d| centre_plan::observe(d, &id, &note, &notes, &s))
            .await
    }

    pub async fn approve(self, centre: String, note: String) -> Result<PlanState, AppError> {
        let (id, s) = (new_entry_id(), self.net.stamp());
        self.docs.run(self.centre_id(&centre), |d| centre_plan::approve(d, &id, &note, &s)).await
    }

    /// Everything the centre page shows, read from this device's copies. What cannot be
    /// worked out on this device (a delivered version whose common part has not arrived, say)
    /// is listed in `unread`, never left out silently.
    ///
    /// The common plan (~8,000 changes: one 150 ms parse on a phone) is not loaded when its
    /// cached readings answer: its current reading and its texts at every version this plan
    /// adopted, kept the first time they were read from the document (a version never
    /// changes). The same reading either way (core's tests).
    pub async fn load_centre(self, centre: String) -> Loaded<CentreData> {
        let id = self.centre_id(&centre);
        let roles = match self.roles().await {
            Ok((_, roles)) => roles,
            Err(e) => return Loaded::Failed(e),
        };
        let versions = match self
            .docs
            .read(id, |doc| centre_plan::common_versions(doc).map_err(AppError::from))
            .await
        {
            Loaded::Ready(v) => v,
            // Missing or unreadable: the full read below says so.
            _ => Vec::new(),
        };
        let (mut at, mut absent) = self.common_texts(&versions).await;
        let mut now = self.docs.cached_view::<CommonPlan>(self.common_id, COMMON).await;
        // Not kept on this device yet: the document worker reads the common plan (one long
        // parse) off the page's thread, and keeps what this page needs of it.
        if (!absent.is_empty() || now.is_none())
            && self.docs.make_in_worker(self.common_id, Job::CommonAt(absent.clone())).await
        {
            (at, absent) = self.common_texts(&versions).await;
            now = self.docs.cached_view::<CommonPlan>(self.common_id, COMMON).await;
        }
        if absent.is_empty()
            && let Some(now) = now
        {
            let cached = self
                .docs
                .read(id, |doc| {
                    // A version adopted since the lookup (a sync in between): read the plan.
                    let held = centre_plan::common_versions(doc)?
                        .iter()
                        .all(|v| at.contains_key(&centre_plan::version_key(v)));
                    let mut common = centre_plan::CommonReadings { now: &now, at: &at };
                    held.then(|| centre_data(doc, &mut common, &roles)).transpose()
                })
                .await;
            match cached {
                Loaded::Ready(Some(data)) => return Loaded::Ready(data),
                Loaded::Ready(None) => {}
                Loaded::Loading => return Loaded::Loading,
                Loaded::Missing => return Loaded::Missing,
                Loaded::Failed(e) => return Loaded::Failed(e),
            }
        }
        let read = self
            .docs
            .read_two(id, self.common_id, |doc, common| {
                let data = centre_data(doc, common, &roles)?;
                // Versions read here for the first time are kept for the next open.
                let mut texts = Vec::new();
                for v in &absent {
                    if centre_plan::Common::holds(common, v)
                        && let Ok(t) = centre_plan::texts_at(common, v)
                    {
                        texts.push((centre_plan::version_key(v), t));
                    }
                }
                Ok::<_, AppError>((data, texts))
            })
            .await;
        match read {
            Loaded::Ready((data, texts)) => {
                for (key, t) in texts {
                    self.docs.keep_fixed(self.common_id, &texts_name(&key), &t).await;
                }
                Loaded::Ready(data)
            }
            Loaded::Loading => Loaded::Loading,
            Loaded::Missing => Loaded::Missing,
            Loaded::Failed(e) => Loaded::Failed(e),
        }
    }

    /// The common texts at `versions` kept on this device (by version key), and the versions
    /// whose texts are not.
    async fn common_texts(
        self,
        versions: &[Vec<ChangeHash>],
    ) -> (BTreeMap<String, BTreeMap<String, String>>, Vec<Vec<ChangeHash>>) {
        let mut at = BTreeMap::new();
        let mut absent = Vec::new();
        for v in versions {
            let key = centre_plan::version_key(v);
            match self.docs.fixed(self.common_id, &texts_name(&key)).await {
                Some(texts) => {
                    at.insert(key, texts);
                }
                None => absent.push(v.clone()),
            }
        }
        (at, absent)
    }

    /// The network's history of roles, to count review events by the role their authors had
    /// (empty when this device has no network document yet; a network it cannot read is said).
    ///
    /// Reading them replays every change of the network document (one ~50 ms task at 4× CPU
    /// for the example network, on every centre page and table opened), so the last ones read
    /// are kept beside it with the version they were read at ([`readings::ROLES`]): they are
    /// read again only when the network changed since, first by the document worker (from
    /// storage: of use when storage holds the version this page has), else here.
    async fn roles(self) -> Result<readings::KeptRoles, AppError> {
        let net = self.net.id;
        let version = match self.docs.read(net, |doc| Ok::<_, AppError>(doc.get_heads())).await {
            Loaded::Ready(heads) => centre_plan::version_key(&heads),
            Loaded::Failed(e) => return Err(e),
            Loaded::Missing | Loaded::Loading => return Ok(Default::default()),
        };
        let kept = async || {
            let kept = self.docs.fixed::<readings::KeptRoles>(net, readings::ROLES).await?;
            (kept.0 == version).then_some(kept)
        };
        if let Some(kept) = kept().await {
            return Ok(kept);
        }
        if self.docs.make_fixed_in_worker(net, Job::Roles).await
            && let Some(kept) = kept().await
        {
            return Ok(kept);
        }
        let read = self
            .docs
            .read(net, |doc| {
                Ok::<_, AppError>((centre_plan::version_key(&doc.get_heads()), Roles::of(doc)))
            })
            .await;
        match read {
            Loaded::Ready(kept) => {
                self.docs.keep_fixed(net, readings::ROLES, &kept).await;
                Ok(kept)
            }
            Loaded::Failed(e) => Err(e),
            Loaded::Missing | Loaded::Loading => Ok(Default::default()),
        }
    }

    /// One line per centre for the SLEP's table: not started, unreadable (with why), or its
    /// state and last change.
    pub async fn load_table(self) -> Vec<CentreRow> {
        let centres: Vec<(String, String)> = self.net.network.with_untracked(|n| {
            n.centres_sorted().into_iter().map(|(id, c)| (id.clone(), c.name.clone())).collect()
        });
        // Side by side, and through cached readings: the table is fifteen plans, and parsing
        // one typed key by key costs tens of ms.
        let (version, roles) = match self.roles().await {
            Ok(kept) => kept,
            // Without the roles no review state can be told: every line says why.
            Err(e) => {
                return centres
                    .into_iter()
                    .map(|(centre, name)| CentreRow {
                        centre,
                        name,
                        reading: Loaded::Failed(e.clone()),
                    })
                    .collect();
            }
        };
        let reads = centres.into_iter().map(|(cid, name)| {
            let (roles, version) = (&roles, &version);
            let id = self.centre_id(&cid);
            async move {
                let job = Job::TableRow { roles: roles.clone(), version: version.clone() };
                let read = |caching| {
                    self.docs.read_view(id, job.clone(), caching, |doc| {
                        readings::table_row(doc, roles).map(|row| (version.clone(), row))
                    })
                };
                let stale = |kept: &Loaded<readings::KeptRow>| {
                    matches!(kept, Loaded::Ready((v, _)) if v != version)
                };
                let mut kept = read(Caching::AfterEveryRead).await;
                // A line judged by other roles than the network's now (a member's role changed,
                // or arrived after the plan did) is judged again: by the worker, else here.
                if stale(&kept) {
                    self.docs.make_in_worker(id, job.clone()).await;
                    kept = read(Caching::AfterEveryRead).await;
                    if stale(&kept) {
                        kept = read(Caching::FromDocument).await;
                    }
                }
                CentreRow { centre: cid, name, reading: kept.map(|(_, row)| row) }
            }
        });
        futures::future::join_all(reads).await
    }

    /// The history of the common plan, grouped.
    pub async fn common_history(self) -> Loaded<Vec<Group>> {
        self.docs.history(self.common_id, &self.net.id.to_string()).await
    }

    /// The history of a centre's plan, grouped.
    pub async fn centre_history(self, centre: String) -> Loaded<Vec<Group>> {
        self.docs.history(self.centre_id(&centre), &self.net.id.to_string()).await
    }

    pub async fn common_comments(self) -> Loaded<Vec<plan::Note>> {
        self.docs.read(self.common_id, |doc| plan::comments(doc)).await
    }
}

/// The value of `r`, or `None` with its error noted in `unread`.
fn noted<T>(unread: &mut Vec<AppError>, r: Result<T, centre_plan::CentreError>) -> Option<T> {
    r.map_err(|e| unread.push(e.into())).ok()
}

/// A centre's page from its document and its common plan (the document or cached readings).
fn centre_data(
    doc: &mut juntas_core::automerge::AutoCommit,
    common: &mut dyn centre_plan::Common,
    roles: &juntas_core::rules::Roles,
) -> Result<CentreData, AppError> {
    let plan = centre_plan::read(doc)?;
    let mut unread = Vec::new();
    let view = centre_plan::current(doc, common).map_err(AppError::from);
    let changes = noted(&mut unread, centre_plan::common_changes(doc, common)).unwrap_or_default();
    let new_draft = noted(&mut unread, centre_plan::has_new_draft(doc, common)).unwrap_or(false);
    // Counted as a reader must: by the roles the network gives their authors.
    let review = plan.review_in(roles);
    let not_counted = review
        .set_aside
        .iter()
        .filter(|(_, e)| matches!(e, review::ReviewError::NotHerRole { .. }))
        .count();
    let deliveries = review
        .submissions
        .iter()
        .map(|e| {
            let heads = centre_plan::delivery_heads(e);
            (e.clone(), centre_plan::at(doc, common, &heads).map_err(AppError::from))
        })
        .collect();
    let diffs = match &review.submissions[..] {
        [.., prev, last] => {
            noted(&mut unread, centre_plan::diff_deliveries(doc, common, prev, last))
                .unwrap_or_default()
        }
        _ => Vec::new(),
    };
    Ok(CentreData {
        state: review.state,
        set_aside: review.set_aside.len() - not_counted,
        not_counted,
        plan,
        view,
        changes,
        new_draft,
        deliveries,
        diffs,
        unread,
    })
}

/// A centre's plan as its page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CentreData {
    pub plan: CentrePlan,
    pub state: PlanState,
    /// Review decisions that concurrent actions set aside.
    pub set_aside: usize,
    /// Review events not counted because their author's role does not allow them.
    pub not_counted: usize,
    /// The plan as it reads now (or why it cannot be composed on this device yet).
    pub view: Result<Vec<SectionView>, AppError>,
    /// What changed in the common part since adoption.
    pub changes: Vec<(String, Vec<Part>)>,
    pub new_draft: bool,
    /// Every delivery and the plan as it was delivered.
    pub deliveries: Vec<(Event, Result<Vec<SectionView>, AppError>)>,
    /// What changed between the last two deliveries.
    pub diffs: Vec<SectionDiff>,
    /// What could not be worked out on this device, and why.
    pub unread: Vec<AppError>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CentreRow {
    pub centre: String,
    pub name: String,
    /// Missing: not started. Ready: its state and (ms, member id) of the last change.
    pub reading: Loaded<(PlanState, Option<(i64, String)>)>,
}
