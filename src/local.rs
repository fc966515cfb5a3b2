//! What this device remembers outside documents, in localStorage: the language, the networks
//! it holds, this device's registration in each network (its token and the member it acts
//! for), a pending claim link, and which year's plan she last looked at.

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

const LANGUAGE: &str = "juntas.language";
const NETWORKS: &str = "juntas.networks";
const DEVICES: &str = "juntas.devices";
const CLAIM: &str = "juntas.claim";
const PENDING_INVITE: &str = "juntas.pending-invite";
const REDEEMED: &str = "juntas.redeemed-invite";
const REFUSED: &str = "juntas.refused";
const DROPPED: &str = "juntas.dropped";
const REBUILT_FROM: &str = "juntas.rebuilt-from";
const SET_ASIDE: &str = "juntas.set_aside";
/// Where builds before personal invites kept the server-wide key (no longer accepted).
const OLD_SHARED_KEY: &str = "juntas.access-key";
const STORAGE_ID: &str = "juntas.storage-id";
const SERVER_STORAGE_ID: &str = "juntas.server-storage-id";
const OWN_DOCS: &str = "juntas.own-documents";
const JUST_JOINED: &str = "juntas.just-joined";
const SESSION: &str = "juntas.session";
const DENIED: &str = "juntas.denied-networks";
const JOINED_INVITE: &str = "juntas.joined-invite";
const INVITE_TOKEN: &str = "juntas.invite-token";

fn plan_year_key(network: &str) -> String {
    format!("juntas.plan-year.{network}")
}

/// The plan year this device last chose in `network` (none: the current year).
pub fn plan_year(network: &str) -> Option<i64> {
    LocalStorage::get(plan_year_key(network)).ok()
}

pub fn set_plan_year(network: &str, year: i64) -> Result<(), String> {
    LocalStorage::set(plan_year_key(network), year).map_err(|e| e.to_string())
}

fn identity_key(network: &str) -> String {
    format!("juntas.identity.{network}")
}

/// A network this device holds a copy of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KnownNetwork {
    pub id: String,
    pub name: String,
}

pub fn language() -> Option<String> {
    LocalStorage::get(LANGUAGE).ok()
}

pub fn set_language(code: &str) -> Result<(), String> {
    LocalStorage::set(LANGUAGE, code).map_err(|e| e.to_string())
}

/// A list kept under a key, entry by entry: those this build reads, and the others as they
/// are stored (damaged, or another build's shape), which a change of the list writes back
/// untouched instead of dropping them with it. A registration's token exists nowhere else.
struct Kept<T> {
    read: Vec<T>,
    unread: Vec<serde_json::Value>,
}

/// The list under `key` (none kept: empty). A value that is not a list at all is copied once
/// to `<key>.unreadable`, where no change of the list overwrites it, before the list starts
/// anew; each entry or value left out is logged.
fn kept<T: serde::de::DeserializeOwned>(key: &str) -> Kept<T> {
    let mut kept = Kept { read: Vec::new(), unread: Vec::new() };
    let Some(raw) = LocalStorage::raw().get_item(key).ok().flatten() else { return kept };
    match serde_json::from_str::<Vec<serde_json::Value>>(&raw) {
        Ok(entries) => {
            for entry in entries {
                match T::deserialize(&entry) {
                    Ok(t) => kept.read.push(t),
                    Err(e) => {
                        leptos::logging::warn!("{key}: an entry this build cannot read, kept: {e}");
                        kept.unread.push(entry);
                    }
                }
            }
        }
        Err(e) => keep_aside(key, &raw, &e),
    }
    kept
}

/// Copies `raw`, the value under `key` this build cannot read, to `<key>.unreadable` (once: a
/// later unreadable value does not replace the first), and logs why.
fn keep_aside(key: &str, raw: &str, why: &serde_json::Error) {
    let aside = format!("{key}.unreadable");
    let storage = LocalStorage::raw();
    if storage.get_item(&aside).ok().flatten().is_some() {
        leptos::logging::error!("{key} cannot be read ({why}); an earlier value is under {aside}");
    } else if let Err(e) = storage.set_item(&aside, raw) {
        leptos::logging::error!("{key} cannot be read ({why}), nor copied to {aside}: {e:?}");
    } else {
        leptos::logging::error!("{key} cannot be read ({why}); kept under {aside}");
    }
}

/// The value under `key`, or none kept: `T`'s default. A value this build cannot read is
/// copied once to `<key>.unreadable` (as [`kept`] does), logged, and read as none kept. None of
/// these is anything she wrote: the server's refusals and denials, which its next answer
/// gives again; the changes a rebuild dropped, which, read as none, a tab not reloaded since
/// may offer again, and the server refuses again.
fn read_or_keep_aside<T: serde::de::DeserializeOwned + Default>(key: &str) -> T {
    let Some(raw) = LocalStorage::raw().get_item(key).ok().flatten() else {
        return T::default();
    };
    match serde_json::from_str(&raw) {
        Ok(t) => t,
        Err(e) => {
            keep_aside(key, &raw, &e);
            T::default()
        }
    }
}

/// Writes `kept` back under `key`: its read entries, then the unread ones as they were.
fn keep<T: Serialize>(key: &str, kept: &Kept<T>) -> Result<(), String> {
    let mut all = Vec::with_capacity(kept.read.len() + kept.unread.len());
    for t in &kept.read {
        all.push(serde_json::to_value(t).map_err(|e| e.to_string())?);
    }
    all.extend(kept.unread.iter().cloned());
    LocalStorage::set(key, all).map_err(|e| e.to_string())
}

/// Whether a localStorage `key` is the list of known networks (a `storage` event says another
/// tab wrote it).
pub fn is_networks(key: &str) -> bool {
    key == NETWORKS
}

pub fn networks() -> Vec<KnownNetwork> {
    kept(NETWORKS).read
}

/// Adds or renames a known network.
pub fn remember_network(id: &str, name: &str) -> Result<(), String> {
    let mut all = kept::<KnownNetwork>(NETWORKS);
    match all.read.iter_mut().find(|n| n.id == id) {
        Some(n) if n.name == name => return Ok(()),
        Some(n) => n.name = name.to_string(),
        None => all.read.push(KnownNetwork { id: id.to_string(), name: name.to_string() }),
    }
    keep(NETWORKS, &all)
}

/// Lists network `id`, not named yet (its page names it once its document is here), unless
/// it is listed already.
pub fn list_joined_network(id: &str) -> Result<(), String> {
    if networks().iter().any(|n| n.id == id) { Ok(()) } else { remember_network(id, "") }
}

/// Documents this device created that belong to no list it syncs by itself (inquiry records):
/// they are synced from start-up, so one made offline reaches the server without opening it.
pub fn own_documents() -> Vec<String> {
    kept(OWN_DOCS).read
}

pub fn remember_own_document(id: &str) -> Result<(), String> {
    let mut all = kept::<String>(OWN_DOCS);
    if all.read.iter().any(|d| d == id) {
        return Ok(());
    }
    all.read.push(id.to_string());
    keep(OWN_DOCS, &all)
}

pub fn identity(network: &str) -> Option<String> {
    LocalStorage::get(identity_key(network)).ok()
}

pub fn set_identity(network: &str, member: Option<&str>) -> Result<(), String> {
    match member {
        Some(m) => LocalStorage::set(identity_key(network), m).map_err(|e| e.to_string()),
        None => {
            LocalStorage::delete(identity_key(network));
            Ok(())
        }
    }
}

/// This device's registration in one network: the token the server gave it and the member
/// it acts for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub network: String,
    pub member: String,
    pub device: String,
    pub token: String,
    /// When the network was claimed (ms since the epoch), as the server last said: changes
    /// before it were made before personal accounts, their authors unchecked.
    #[serde(default)]
    pub claimed_at: Option<i64>,
    /// This device's public signing key (hex) and the server's certificate for it; the
    /// private half is in IndexedDB ([`crate::keys`]). None: registered before devices had
    /// keys, or no WebCrypto here.
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub cert: Option<String>,
    /// The server's public key, to check everyone's certificates with.
    #[serde(default)]
    pub server_key: Option<String>,
}

/// Whether a localStorage `key` is the list of this device's registrations (a `storage` event
/// says another tab wrote it).
pub fn is_registrations(key: &str) -> bool {
    key == DEVICES
}

/// Every network this device is registered in.
pub fn devices() -> Vec<Device> {
    kept(DEVICES).read
}

/// The network and token of every registration, read without the rest (for the main part of
/// the wasm: see [`crate::invite`]).
pub fn device_tokens() -> Vec<(String, String)> {
    #[derive(Deserialize)]
    struct Token {
        network: String,
        token: String,
    }
    kept::<Token>(DEVICES).read.into_iter().map(|t| (t.network, t.token)).collect()
}

/// This device's registration in `network`, if any.
pub fn device(network: &str) -> Option<Device> {
    devices().into_iter().find(|d| d.network == network)
}

/// Keeps a registration (replacing an earlier one for the same network) and who she is there.
pub fn set_device(d: Device) -> Result<(), String> {
    let mut all = kept::<Device>(DEVICES);
    all.read.retain(|x| x.network != d.network);
    set_identity(&d.network, Some(&d.member))?;
    all.read.push(d);
    keep(DEVICES, &all)
}

/// Whether this device joined with the old server-wide key, which the server no longer takes.
pub fn had_shared_key() -> bool {
    LocalStorage::raw().get_item(OLD_SHARED_KEY).ok().flatten().is_some()
}

/// Keeps the signing key certified for this device's registration `token` (its public key,
/// the server's certificate and the server's key), changing nothing else in the registration
/// stored now: what another task noted meanwhile (the claim date from `/session`) stays. None:
/// the registration is not that one any more (replaced by a new invite), and nothing is kept.
pub fn set_device_key(
    token: &str,
    key: String,
    cert: String,
    server_key: String,
) -> Result<Option<Device>, String> {
    let mut all = kept::<Device>(DEVICES);
    let Some(d) = all.read.iter_mut().find(|d| d.token == token) else { return Ok(None) };
    d.key = Some(key);
    d.cert = Some(cert);
    d.server_key = Some(server_key);
    let now = d.clone();
    keep(DEVICES, &all)?;
    Ok(Some(now))
}

/// Notes when `network` was claimed (from the server's answer to `/session`).
pub fn set_claimed_at(network: &str, at_ms: i64) -> Result<(), String> {
    let mut all = kept::<Device>(DEVICES);
    let Some(d) = all.read.iter_mut().find(|d| d.network == network) else { return Ok(()) };
    if d.claimed_at == Some(at_ms) {
        return Ok(());
    }
    d.claimed_at = Some(at_ms);
    keep(DEVICES, &all)
}

/// The tokens the server's session cookie was last given for (`/session`), when (ms since the
/// epoch), and the server's mark of that cookie: while they are this device's tokens, a
/// connection asks for no new cookie, and the server refuses it if the cookie is not that one
/// any more (another tab's session replaced it, or it was cleared).
pub fn session() -> Option<(String, f64, String)> {
    LocalStorage::get(SESSION).ok()
}

pub fn set_session(session: Option<(&str, f64, &str)>) {
    let kept = match session {
        Some(s) => LocalStorage::set(SESSION, s).map_err(|e| e.to_string()),
        None => {
            LocalStorage::delete(SESSION);
            Ok(())
        }
    };
    // Not kept: the next connection asks `/session` first, as when it is stale.
    if let Err(e) = kept {
        leptos::logging::warn!("the session is asked for again at the next connection: {e}");
    }
}

/// The networks whose registration on this device the server refused at its last `/session`
/// answer (the device was removed, say): kept beside the session, which a later start reuses
/// without asking again. None kept reads as none refused: the next answer says anew.
pub fn denied_networks() -> std::collections::BTreeSet<String> {
    read_or_keep_aside(DENIED)
}

pub fn set_denied_networks(networks: &std::collections::BTreeSet<String>) -> Result<(), String> {
    LocalStorage::set(DENIED, networks).map_err(|e| e.to_string())
}

/// Calls `changed` whenever another tab writes a key `is_key` accepts, or clears the whole
/// storage (a `storage` event without a key). The listener stops when it is dropped.
pub fn on_other_tab_change(
    is_key: fn(&str) -> bool,
    changed: impl Fn() + 'static,
) -> gloo_events::EventListener {
    gloo_events::EventListener::new(&gloo_utils::window(), "storage", move |e| {
        use wasm_bindgen::JsCast;
        let key = e.dyn_ref::<web_sys::StorageEvent>().map(|e| e.key());
        if key.is_some_and(|k| k.is_none_or(|k| is_key(&k))) {
            changed();
        }
    })
}

/// Whether `key` is where the claim code is kept (a `storage` event's key).
pub fn is_claim(key: &str) -> bool {
    key == CLAIM
}

/// The operator's one-time claim code this device holds (from a claim link), if any.
pub fn claim_code() -> Option<String> {
    LocalStorage::get(CLAIM).ok()
}

pub fn set_claim_code(code: Option<&str>) -> Result<(), String> {
    match code {
        Some(c) => LocalStorage::set(CLAIM, c).map_err(|e| e.to_string()),
        None => {
            LocalStorage::delete(CLAIM);
            Ok(())
        }
    }
}

/// The networks an invite just registered this device in, whose page has not said so yet.
fn just_joined() -> Vec<String> {
    LocalStorage::get::<Vec<String>>(JUST_JOINED)
        // As builds before two could wait kept one.
        .or_else(|_| LocalStorage::get::<String>(JUST_JOINED).map(|one| vec![one]))
        .unwrap_or_default()
}

/// Notes that an invite just registered this device in `network`: its page says so once.
pub fn set_just_joined(network: &str) -> Result<(), String> {
    let mut all = just_joined();
    if !all.iter().any(|n| n == network) {
        all.push(network.to_owned());
    }
    LocalStorage::set(JUST_JOINED, all).map_err(|e| e.to_string())
}

/// Whether an invite just registered this device in `network`; forgets it (said once).
pub fn take_just_joined(network: &str) -> bool {
    let mut all = just_joined();
    let before = all.len();
    all.retain(|n| n != network);
    let hit = all.len() < before;
    if all.is_empty() {
        LocalStorage::delete(JUST_JOINED);
    } else if hit && let Err(e) = LocalStorage::set(JUST_JOINED, all) {
        leptos::logging::warn!("the welcome line may show again: {e}");
    }
    hit
}

/// A personal invite opened on this device and not redeemed yet.
pub fn pending_invite() -> Option<String> {
    LocalStorage::get(PENDING_INVITE).ok()
}

/// The server's answers to invites redeemed on this device and not read yet, by invite code:
/// the registration each holds is this device's only copy (an invite works once), so a tab
/// closed before it read one leaves it here. Several can wait (she opened a second invite
/// before the first one's page did), each under its own key (tabs add and remove them at
/// once), and each stays until its registration is stored.
pub fn redeemed_invites() -> Vec<(String, String)> {
    let raw = LocalStorage::raw();
    let keys = (0..raw.length().unwrap_or(0)).filter_map(|i| raw.key(i).ok().flatten());
    let mut all: Vec<(String, String)> = keys
        .filter_map(|k| {
            let code = k.strip_prefix(REDEEMED)?.strip_prefix('.')?.to_owned();
            Some((code, LocalStorage::get::<String>(&k).ok()?))
        })
        .collect();
    // As builds before several could wait kept one.
    if let Ok(one) = LocalStorage::get::<(String, String)>(REDEEMED) {
        all.push(one);
    }
    all
}

/// The kept answer to invite `code` (see [`redeemed_invites`]).
pub fn redeemed_invite(code: &str) -> Option<String> {
    LocalStorage::get(format!("{REDEEMED}.{code}"))
        .ok()
        .or_else(|| redeemed_invites().into_iter().find(|(c, _)| c == code).map(|(_, a)| a))
}

/// Keeps the server's answer to invite `code` until its registration is stored; the others
/// wait on.
pub fn keep_redeemed_invite(code: &str, answer: &str) -> Result<(), String> {
    LocalStorage::set(format!("{REDEEMED}.{code}"), answer).map_err(|e| e.to_string())
}

/// Forgets the answer to invite `code` (its registration is stored, or it cannot be read).
pub fn forget_redeemed_invite(code: &str) {
    LocalStorage::delete(format!("{REDEEMED}.{code}"));
    if LocalStorage::get::<(String, String)>(REDEEMED).is_ok_and(|(c, _)| c == code) {
        LocalStorage::delete(REDEEMED);
    }
}

/// The token this device made to be registered with by invite or claim link `code` (see
/// `invite::registration_token`), kept until the registration is stored.
pub fn invite_token(code: &str) -> Option<String> {
    LocalStorage::get(format!("{INVITE_TOKEN}.{code}")).ok()
}

pub fn keep_invite_token(code: &str, token: &str) -> Result<(), String> {
    LocalStorage::set(format!("{INVITE_TOKEN}.{code}"), token).map_err(|e| e.to_string())
}

pub fn forget_invite_token(code: &str) {
    LocalStorage::delete(format!("{INVITE_TOKEN}.{code}"));
}

/// Notes that invite `code` registered this device in `network`: tapping that link again, or
/// another tab's try of it, then opens her network instead of saying the invite was used.
pub fn note_joined_invite(code: &str, d: &Device) -> Result<(), String> {
    LocalStorage::set(format!("{JOINED_INVITE}.{code}"), (&d.network, &d.token))
        .map_err(|e| e.to_string())
}

/// This device's registration made with invite `code`, while it is still the one the device
/// has in that network ([`note_joined_invite`]; not one a later invite or claim replaced it by).
pub fn joined_with_invite(code: &str) -> Option<Device> {
    let (network, token): (String, String) =
        LocalStorage::get(format!("{JOINED_INVITE}.{code}")).ok()?;
    device(&network).filter(|d| d.token == token)
}

/// Forgets the pending invite if it is `code` (another tab's later invite stays).
pub fn forget_pending_invite(code: &str) {
    if pending_invite().as_deref() == Some(code)
        && let Err(e) = set_pending_invite(None)
    {
        leptos::logging::warn!("{e}");
    }
}

pub fn set_pending_invite(code: Option<&str>) -> Result<(), String> {
    match code {
        Some(c) => LocalStorage::set(PENDING_INVITE, c).map_err(|e| e.to_string()),
        None => {
            LocalStorage::delete(PENDING_INVITE);
            Ok(())
        }
    }
}

/// Documents whose changes the server refused, with its reason: not sent again until she
/// asks (so one refused document does not stop the others).
pub fn refused() -> std::collections::BTreeMap<String, String> {
    read_or_keep_aside(REFUSED)
}

pub fn set_refused(all: &std::collections::BTreeMap<String, String>) -> Result<(), String> {
    LocalStorage::set(REFUSED, all).map_err(|e| e.to_string())
}

/// Per document rebuilt after a refusal, the first changes it dropped (hex hashes): a peer
/// that offers them again (a tab that has not reloaded yet) is not taken. The first ones
/// suffice, since every later dropped change depends on them.
pub fn dropped() -> std::collections::BTreeMap<String, Vec<String>> {
    read_or_keep_aside(DROPPED)
}

pub fn set_dropped(all: &std::collections::BTreeMap<String, Vec<String>>) -> Result<(), String> {
    LocalStorage::set(DROPPED, all).map_err(|e| e.to_string())
}

/// What a document's rebuilds after a refusal were made from ([`set_rebuilt_from`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RebuiltFrom {
    /// Each actor's highest unsent change the rebuilds saw, over every rebuild of the document
    /// ([`juntas_core::set_aside::Seen`]): a tab that slept through one still finds the changes
    /// it dropped among them.
    pub seen: juntas_core::set_aside::Seen,
    /// The first changes the last rebuild dropped, as [`dropped`] lists them: a note that does
    /// not match was not written by that rebuild.
    pub dropped: Vec<String>,
}

/// The notes, per document, kept as [`dropped`] keeps its lists (each kind of value read from
/// localStorage costs the wasm its own parser): the first dropped changes' hashes, then
/// `actor=seq` per actor.
fn rebuilt_notes() -> std::collections::BTreeMap<String, Vec<String>> {
    read_or_keep_aside(REBUILT_FROM)
}

fn note_of(list: Vec<String>) -> RebuiltFrom {
    let mut note = RebuiltFrom::default();
    for item in list {
        match item.split_once('=').and_then(|(a, n)| Some((a, n.parse::<u64>().ok()?))) {
            Some((actor, seq)) => {
                note.seen.insert(actor.to_string(), seq);
            }
            None => note.dropped.push(item),
        }
    }
    note
}

fn list_of(note: &RebuiltFrom) -> Vec<String> {
    let seen = note.seen.iter().map(|(a, n)| format!("{a}={n}"));
    note.dropped.iter().cloned().chain(seen).collect()
}

/// What document `id` was rebuilt from after a refusal: the device's other tabs carry onto it
/// what they made after. None: they set their changes it lacks aside.
pub fn rebuilt_from(id: &str) -> Option<RebuiltFrom> {
    rebuilt_notes().remove(id).map(note_of)
}

/// Notes that `id` is being rebuilt from `seen`, dropping `dropped` first (only that entry:
/// another tab may have written others since), each actor's highest change kept over every
/// rebuild of it. Returns the entry it replaced, which [`restore_rebuilt_from`] puts back if
/// the rebuild then fails (a note of what no rebuild saw would hide those changes from the
/// tabs).
pub fn set_rebuilt_from(
    id: &str,
    seen: &juntas_core::set_aside::Seen,
    dropped: Vec<String>,
) -> Result<Option<RebuiltFrom>, String> {
    let mut all = rebuilt_notes();
    let before = all.get(id).cloned().map(note_of);
    let mut note = before.clone().unwrap_or_default();
    for (actor, &seq) in seen {
        let s = note.seen.entry(actor.clone()).or_default();
        *s = (*s).max(seq);
    }
    note.dropped = dropped;
    all.insert(id.to_string(), list_of(&note));
    LocalStorage::set(REBUILT_FROM, all).map_err(|e| e.to_string())?;
    Ok(before)
}

/// Puts back `id`'s note as it was before a rebuild that failed after noting.
pub fn restore_rebuilt_from(id: &str, before: Option<RebuiltFrom>) -> Result<(), String> {
    let mut all = rebuilt_notes();
    match before {
        Some(b) => all.insert(id.to_string(), list_of(&b)),
        None => all.remove(id),
    };
    LocalStorage::set(REBUILT_FROM, all).map_err(|e| e.to_string())
}

/// Documents that have edits set aside after a refused change (the edits are in IndexedDB).
pub fn set_aside_docs() -> std::collections::BTreeSet<String> {
    kept(SET_ASIDE).read.into_iter().collect()
}

pub fn set_set_aside_docs(all: &std::collections::BTreeSet<String>) -> Result<(), String> {
    let unread = kept::<String>(SET_ASIDE).unread;
    keep(SET_ASIDE, &Kept { read: all.iter().cloned().collect(), unread })
}

/// This browser's storage id (shared by its tabs, as IndexedDB is): generated once.
pub fn storage_id() -> String {
    if let Ok(id) = LocalStorage::get::<String>(STORAGE_ID) {
        return id;
    }
    let id: String = crate::repo::random_bytes::<16>().iter().map(|b| format!("{b:02x}")).collect();
    // If localStorage refuses, the id lives for this tab only: sync still works, it just
    // cannot reuse persisted sync state next time.
    let _ = LocalStorage::set(STORAGE_ID, &id);
    id
}

/// The server's storage id from the last handshake (to count pending changes offline).
pub fn server_storage_id() -> Option<String> {
    LocalStorage::get(SERVER_STORAGE_ID).ok()
}

pub fn set_server_storage_id(id: &str) -> Result<(), String> {
    LocalStorage::set(SERVER_STORAGE_ID, id).map_err(|e| e.to_string())
}
