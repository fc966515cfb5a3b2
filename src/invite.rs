//! Invite and claim links, and the server's members API. A personal invite is
//! `<origin>/unirse#invitacion=<code>` (one member, works once, expires in 7 days); the
//! operator's claim link is `<origin>/unirse#reclamar=<code>` (it makes the first facilitator
//! of one network). Codes travel in the fragment, which browsers never send to a server, so
//! none reaches a request line or a log. Opening an invite registers this device for that
//! member: the server gives it a token only this device holds (see [`crate::local::Device`]).

use std::cell::RefCell;

use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use leptos::prelude::{RwSignal, Set};
use serde::Deserialize;

use crate::local;

/// A link's code, by what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    Invite(String),
    Claim(String),
}

/// The code in a fragment like `#invitacion=…` or `#reclamar=…`.
pub fn parse_fragment(hash: &str) -> Option<Code> {
    hash.trim_start_matches('#').split('&').find_map(|pair| match pair.split_once('=') {
        Some(("invitacion", v)) if !v.is_empty() => Some(Code::Invite(v.to_owned())),
        Some(("reclamar", v)) if !v.is_empty() => Some(Code::Claim(v.to_owned())),
        _ => None,
    })
}

thread_local! {
    /// The invite this tab was opened with: what its `/unirse` redeems, whatever another tab
    /// of hers has opened since (the pending invite on the device is the last one opened).
    static TAB_INVITE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The invite `/unirse` redeems in this tab: the one it was opened with, else the one pending
/// on this device (an invite opened with no signal, tried again later).
pub fn tab_invite() -> Option<String> {
    TAB_INVITE.with(|t| t.borrow().clone()).or_else(local::pending_invite)
}

/// Takes a code from the address bar (before the router reads it) and keeps it on this device
/// until it is used, then replaces the address so the code leaves the address bar and the
/// history: an invite goes to `/unirse` (which redeems it), a claim link to the start page.
pub fn accept_from_location() -> Result<(), InviteError> {
    let window = gloo_utils::window();
    let Ok(hash) = window.location().hash() else { return Ok(()) };
    let Some(code) = parse_fragment(&hash) else { return Ok(()) };
    let (stored, target) = match &code {
        Code::Invite(c) => {
            TAB_INVITE.with(|t| *t.borrow_mut() = Some(c.clone()));
            (local::set_pending_invite(Some(c)), "/unirse")
        }
        Code::Claim(c) => (local::set_claim_code(Some(c)), "/"),
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(target));
    }
    stored.map_err(InviteError::Local)
}

/// Why a members request did not work, in terms the page words in the person's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteError {
    #[error("this invite was already used")]
    Used,
    #[error("this invite has expired")]
    Expired,
    #[error("not a valid invite")]
    Unknown,
    #[error("this network was already claimed")]
    AlreadyClaimed,
    #[error("this device was removed from the network")]
    Removed,
    #[error("not allowed: {0}")]
    NotAllowed(String),
    #[error("the network has not reached the server yet")]
    NotOnServer,
    #[error("no connection to the server")]
    Offline,
    #[error("the server answered {0}")]
    Server(String),
    #[error("local settings: {0}")]
    Local(String),
}

#[derive(Deserialize)]
struct Failure {
    error: String,
}

/// The server's `{"error": …}` as an [`InviteError`].
fn failure(status: u16, text: &str) -> InviteError {
    let reason =
        serde_json::from_str::<Failure>(text).map(|f| f.error).unwrap_or_else(|_| text.to_owned());
    match reason.as_str() {
        "this invite was already used" => InviteError::Used,
        "this invite has expired" => InviteError::Expired,
        "this link is not a valid invite" => InviteError::Unknown,
        "this network was already claimed" => InviteError::AlreadyClaimed,
        "this device was removed from the network" => InviteError::Removed,
        "the network has not reached the server yet" => InviteError::NotOnServer,
        r if r.starts_with("not allowed: ") => InviteError::NotAllowed(r[13..].to_owned()),
        _ => InviteError::Server(format!("{status} {reason}")),
    }
}

async fn request(
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
    bearer: Option<&str>,
) -> Result<String, InviteError> {
    answer(send(method, path, body.map(|b| b.to_string()), bearer).await?)
}

/// The server's answer as it came: whether it is a success, its status and its text.
type Answer = (bool, u16, String);

/// Sends a request (a JSON `body`, the device's `bearer` token) and gives the answer as it came
/// (the one piece of this module in the main part of the wasm: see [`start_redeem`]).
async fn send(
    method: &str,
    path: &str,
    body: Option<String>,
    bearer: Option<&str>,
) -> Result<Answer, InviteError> {
    use gloo_net::http::RequestBuilder;
    let mut req = RequestBuilder::new(path).method(match method {
        "POST" => gloo_net::http::Method::POST,
        "DELETE" => gloo_net::http::Method::DELETE,
        _ => gloo_net::http::Method::GET,
    });
    if let Some(token) = bearer {
        req = req.header("Authorization", &format!("Bearer {token}"));
    }
    let req = match body {
        Some(b) => req
            .header("Content-Type", "application/json")
            .body(b)
            .map_err(|e| InviteError::Server(e.to_string()))?,
        None => req.build().map_err(|e| InviteError::Server(e.to_string()))?,
    };
    let resp = req.send().await.map_err(|_| InviteError::Offline)?;
    // A body that did not arrive is no answer (a success's is the registration itself).
    let text = resp.text().await.map_err(|_| InviteError::Offline)?;
    Ok((resp.ok(), resp.status(), text))
}

/// A success's text, or what failed.
fn answer((ok, status, text): Answer) -> Result<String, InviteError> {
    if ok { Ok(text) } else { Err(failure(status, &text)) }
}

#[derive(Deserialize)]
struct Registered {
    token: String,
    device: String,
    network: String,
    member: String,
}

/// What this browser calls itself, for the facilitator's list of devices.
fn device_name() -> String {
    let ua = gloo_utils::window().navigator().user_agent().unwrap_or_default();
    let os = ["Android", "iPhone", "iPad", "Windows", "Mac OS", "Linux", "CrOS"]
        .into_iter()
        .find(|o| ua.contains(o))
        .unwrap_or("");
    let browser =
        ["Edg", "Firefox", "Chrome", "Safari"].into_iter().find(|b| ua.contains(b)).unwrap_or("");
    format!("{browser} {os}").trim().replace("Edg", "Edge").replace("Mac OS", "Mac")
}

fn keep(text: &str) -> Result<local::Device, InviteError> {
    let r: Registered =
        serde_json::from_str(text).map_err(|e| InviteError::Server(e.to_string()))?;
    // Stored already (by another tab of hers): kept as it is, with its certified key.
    if let Some(d) = local::device(&r.network).filter(|d| d.token == r.token) {
        return Ok(d);
    }
    let d = local::Device {
        network: r.network,
        member: r.member,
        device: r.device,
        token: r.token,
        claimed_at: None,
        key: None,
        cert: None,
        server_key: None,
    };
    local::set_device(d.clone()).map_err(InviteError::Local)?;
    Ok(d)
}

/// A redeem's request, shared by whoever reads its answer.
type RedeemAnswer = Shared<LocalBoxFuture<'static, Result<Answer, InviteError>>>;

/// A redeem of the pending invite under way, and its code.
type Redeeming = (String, RedeemAnswer);

thread_local! {
    static REDEEMING: RefCell<Option<Redeeming>> = const { RefCell::new(None) };
    /// The same request, for [`merge_early_network`] to wait for when the documents' part
    /// came before its answer (the answer asks for the network's early copy).
    static REDEEM_ANSWER: RefCell<Option<RedeemAnswer>> = const { RefCell::new(None) };
}

/// Starts registering this device with the pending invite `code` as the app starts on
/// `/unirse`, from the main part of the wasm: on a first visit the server answers while the
/// documents' part is still downloading, instead of after it. [`redeem`] takes the answer and
/// reads it (that code stays out of the main part: only the request is there).
///
/// What the answer says of the invite is set in `early` as soon as it is in ([`Early`]), for
/// `/unirse` to show while the documents' part still downloads.
pub fn start_redeem(code: &str, early: RwSignal<Option<Early>>) {
    // Redeemed already, by a tab closed before it read the answer (that answer is hers).
    if let Some(text) = local::redeemed_invite(code) {
        early.set(welcome_in(&text).map(Early::Welcome));
        return;
    }
    // Her phone is registered with it (a second tap on the link): her network opens.
    if local::joined_with_invite(code).is_some() {
        return;
    }
    let asking = ask_redeem(code.to_owned(), true).boxed_local().shared();
    leptos::task::spawn_local(asking.clone().map(move |asked| early.set(early_of(asked))));
    REDEEM_ANSWER.with(|r| *r.borrow_mut() = Some(asking.clone()));
    REDEEMING.with(|r| *r.borrow_mut() = Some((code.to_owned(), asking)));
}

/// What `/unirse` can say of an invite from the server's answer alone, before the documents'
/// part is in: whom and where it registered this device, or a refusal no later answer
/// changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Early {
    Welcome(Welcome),
    Refused(InviteError),
}

/// Whom and where an invite registered this device, as the server read the network then
/// (`welcome` in its answer; absent when the server did not have the network or her in it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Welcome {
    /// The network's name, and its SLEP's.
    pub network: String,
    #[serde(default)]
    pub slep: String,
    /// Her name and role (a role's stored name, `Role::as_str`), and her centre's name.
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub centre: Option<String>,
}

/// [`Early`] for the page, in a context `App` provides.
#[derive(Clone, Copy)]
pub struct JoinEarly(pub RwSignal<Option<Early>>);

fn welcome_in(text: &str) -> Option<Welcome> {
    #[derive(Deserialize)]
    struct Answer {
        welcome: Option<Welcome>,
    }
    serde_json::from_str::<Answer>(text).ok()?.welcome
}

/// The early word of an answer. A used invite is not said early: it may be this phone's own
/// (another of its tabs asked first), which `/unirse` finds out; without signal or with a
/// server error, `/unirse` says so with its "Intentar de nuevo".
fn early_of(asked: Result<Answer, InviteError>) -> Option<Early> {
    match asked {
        Ok((true, _, text)) => welcome_in(&text).map(Early::Welcome),
        Ok((false, status, text)) => match failure(status, &text) {
            e @ (InviteError::Expired | InviteError::Unknown) => Some(Early::Refused(e)),
            _ => None,
        },
        Err(_) => None,
    }
}

/// The token invite or claim link `code` is to register this device with: made here and kept on the device
/// before the request goes, so that a try after an answer lost on the way (the server
/// registered her, the signal dropped) sends the same one, and the server answers that
/// registration again instead of "ya se usó". None when the browser has no randomness or
/// no room to keep it: the server makes the token, and a lost answer cannot be asked again.
fn registration_token(code: &str) -> Option<String> {
    if let Some(token) = local::invite_token(code) {
        return Some(token);
    }
    let mut bytes = [0u8; 32];
    if let Err(e) = getrandom::fill(&mut bytes) {
        leptos::logging::warn!("the server makes this registration's token: {e}");
        return None;
    }
    let token = hex::encode(bytes);
    match local::keep_invite_token(code, &token) {
        Ok(()) => Some(token),
        Err(e) => {
            leptos::logging::warn!("the server makes this registration's token: {e}");
            None
        }
    }
}

/// Asks the server to register this device with invite `code`; with `network_early`, also
/// asks for the network it registers her in as soon as the answer is in ([`ask_network_early`]).
async fn ask_redeem(code: String, network_early: bool) -> Result<Answer, InviteError> {
    #[derive(serde::Serialize)]
    struct Redeem<'a> {
        code: &'a str,
        device: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        token: Option<String>,
    }
    let redeem = Redeem { code: &code, device: device_name(), token: registration_token(&code) };
    let body = serde_json::to_string(&redeem).map_err(|e| InviteError::Server(e.to_string()))?;
    let asked = send("POST", "/api/redeem", Some(body), None).await?;
    if asked.0 {
        // Kept at once: the invite is used now, and the registration is in this answer only.
        if let Err(e) = local::keep_redeemed_invite(&code, &asked.2) {
            leptos::logging::warn!("the invite's answer is kept in this tab only: {e}");
        }
        // Her session is asked for while the documents' part downloads, for the tokens this
        // device will have once the registration is stored.
        #[derive(Deserialize)]
        struct Token {
            token: String,
            network: String,
        }
        if let Ok(new) = serde_json::from_str::<Token>(&asked.2) {
            let others = local::device_tokens();
            let kept = others.iter().filter(|(n, _)| *n != new.network).map(|(_, t)| t.as_str());
            crate::sync::server::ask_session_early(crate::sync::server::session_body(
                kept.chain([new.token.as_str()]),
            ));
            if network_early {
                ask_network_early(new.network, new.token);
            }
        }
    }
    Ok(asked)
}

/// The network an invite's answer registered this device in, and the request for its
/// document ([`ask_network_early`]).
type EarlyNetwork = (String, Shared<LocalBoxFuture<'static, Option<Vec<u8>>>>);

thread_local! {
    static EARLY_NETWORK: RefCell<Option<EarlyNetwork>> = const { RefCell::new(None) };
    /// Stops the early copy's download once [`merge_early_network`] no longer waits for it.
    static EARLY_STOP: RefCell<Option<web_sys::AbortController>> = const { RefCell::new(None) };
    /// [`merge_early_network`] has run: a copy asked for after it would be of no use.
    static EARLY_OVER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Asks the server for the network document this device was just registered in
/// (`GET /api/network-document` with its new token), from the main part of the wasm: on a
/// first visit over 3G it arrives while the documents' part still downloads, and
/// [`merge_early_network`] stores it before the sync starts, so her network shows without
/// waiting for the sync's connection, handshake and request (~0.5 s on that line).
fn ask_network_early(network: String, token: String) {
    // The documents gave up waiting before the invite's answer was in: the sync brings it.
    if EARLY_OVER.get() {
        return;
    }
    let stop = web_sys::AbortController::new()
        .map_err(|e| leptos::logging::warn!("the early copy cannot be stopped: {e:?}"))
        .ok();
    let signal = stop.as_ref().map(web_sys::AbortController::signal);
    EARLY_STOP.with(|s| *s.borrow_mut() = stop);
    let asking = async move {
        let asked = gloo_net::http::Request::get("/api/network-document")
            .header("Authorization", &format!("Bearer {token}"))
            .abort_signal(signal.as_ref())
            .send()
            .await;
        let answer = match asked {
            Ok(resp) if resp.ok() => resp.binary().await.map_err(|e| e.to_string()),
            Ok(resp) => Err(format!("{} {}", resp.status(), resp.text().await.unwrap_or_default())),
            Err(e) => Err(e.to_string()),
        };
        // Stopped by `merge_early_network`, which has said why.
        if signal.as_ref().is_some_and(web_sys::AbortSignal::aborted) {
            return None;
        }
        answer.map_err(|e| leptos::logging::warn!("the network comes by sync, not early: {e}")).ok()
    }
    .boxed_local()
    .shared();
    leptos::task::spawn_local(asking.clone().map(|_| ()));
    EARLY_NETWORK.with(|e| *e.borrow_mut() = Some((network, asking)));
}

/// How long the documents, once downloaded, wait for the network's early copy still on its
/// way. It was asked for with the invite's answer, so it comes within a round trip or two;
/// without it her network would wait for the sync (a connection, a handshake and a request),
/// and where a school's network blocks the sync's WebSocket it would never show.
const EARLY_WAIT_MS: u32 = 5_000;

/// Stores the network document `ask_network_early` asked for, merged into this device's
/// copy; called as the documents open, before the sync starts. Not in yet (the documents'
/// part came first, as on a fast line, before the copy or even before the invite's answer
/// that asks for it): waited for, up to `EARLY_WAIT_MS` (5 s) in all. Not in by then, not
/// sent or unreadable: the sync brings the network as it always did (said in the console),
/// and nothing else changes; a copy still downloading is stopped, and none is asked for
/// after.
pub async fn merge_early_network(repo: &crate::repo::Repo) {
    let answer = REDEEM_ANSWER.with(|r| r.borrow_mut().take());
    let early = async move {
        if let Some(answer) = answer {
            // `ask_redeem` asks for the copy once the answer is in.
            let _ = answer.await;
        }
        let (network, asking) = EARLY_NETWORK.with(|e| e.borrow_mut().take())?;
        asking.await.map(|bytes| (network, bytes))
    }
    .boxed_local();
    let waited =
        futures::future::select(early, gloo_timers::future::TimeoutFuture::new(EARLY_WAIT_MS))
            .await;
    // Waited for, or not: a copy still downloading would only share her line with the sync,
    // which brings the same network now, and then lie unused for the tab's life.
    EARLY_OVER.set(true);
    if let Some(stop) = EARLY_STOP.with(|s| s.borrow_mut().take()) {
        stop.abort();
    }
    let (network, bytes) = match waited {
        futures::future::Either::Left((Some(early), _)) => early,
        // None asked for (no invite, or one refused), or it failed (said in
        // `ask_network_early`).
        futures::future::Either::Left((None, _)) => return,
        futures::future::Either::Right(_) => {
            leptos::logging::warn!(
                "the network comes by sync: its early copy was not in after {EARLY_WAIT_MS} ms"
            );
            return;
        }
    };
    let merged = match network.parse::<juntas_core::DocumentId>() {
        Ok(id) => repo.merge_from_server(id, &bytes).await.map(|_| ()).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = merged {
        // Unreadable: nothing changed. Not stored (a full device): the merge stays in memory,
        // unsaved, as any change would, and the page says so.
        leptos::logging::warn!("the network's early copy: {e}");
    }
}

/// Registers this device with the pending invite `code` and keeps the registration: with the
/// answer to the request [`start_redeem`] made for it, else the answer a closed tab left
/// ([`local::redeemed_invite`]), else (a second try) a new request. Its signing key is
/// certified by the first connection to the server that finds it without one
/// (`sync::server`), not here: her documents do not wait for that.
pub async fn redeem(code: &str) -> Result<local::Device, InviteError> {
    let started = REDEEMING.with(|r| r.borrow_mut().take());
    let asked = match started {
        // Its answer is read even when another tab stored the registration meanwhile: left
        // unread, it would be stored again at the next start.
        Some((c, asking)) if c == code => asking.await,
        _ => {
            // A link she tapped again once it registered this phone opens her network: the
            // server would only say the invite was used.
            if let Some(device) = local::joined_with_invite(code) {
                return Ok(device);
            }
            match local::redeemed_invite(code) {
                Some(text) => Ok((true, 200, text)),
                // A try again: the documents are open, and the sync brings her network.
                None => ask_redeem(code.to_owned(), false).await,
            }
        }
    };
    let kept = match answer(asked?) {
        Ok(text) => keep(&text),
        // Another tab of hers asked first: its answer is on this device, or it has stored the
        // registration already (and forgotten the answer).
        Err(InviteError::Used) => match local::redeemed_invite(code) {
            Some(text) => keep(&text),
            None => local::joined_with_invite(code).ok_or(InviteError::Used),
        },
        Err(e) => Err(e),
    };
    match kept {
        Ok(device) => {
            local::forget_redeemed_invite(code);
            Ok(device)
        }
        // An answer that cannot be read is not kept for another try (it would fail again).
        Err(e @ InviteError::Server(_)) => {
            local::forget_redeemed_invite(code);
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// Stores the registrations that redeemed invites left on this device unread
/// ([`local::redeemed_invites`]: a tab closed before its page opened, or one still waiting for
/// its documents), as the documents open: she is registered in each of those networks whatever
/// page she opens next, and opening a second invite loses none. A registration stored twice
/// (here and by its own tab) is kept once. The invite `/unirse` is redeeming in this tab is
/// left to that page.
pub fn store_redeemed() {
    let on_join = gloo_utils::window().location().pathname().as_deref() == Ok("/unirse");
    let this_tab = tab_invite();
    for (code, text) in local::redeemed_invites() {
        if on_join && this_tab.as_deref() == Some(code.as_str()) {
            continue;
        }
        match keep(&text) {
            Ok(device) => {
                joined(&code, &device);
                local::forget_redeemed_invite(&code);
            }
            // Unreadable: it would fail again.
            Err(e @ InviteError::Server(_)) => {
                leptos::logging::warn!("an invite's kept answer cannot be read: {e}");
                local::forget_redeemed_invite(&code);
            }
            // Not stored (the device's storage is full): it stays for the next start.
            Err(e) => leptos::logging::warn!("an invite's registration is not stored yet: {e}"),
        }
    }
}

/// After invite `code` registered this device as `device`: the invite is no longer pending,
/// her network is listed on the device, the invite is noted as hers (a second tap on its link
/// opens the network), and its page says once how she was registered (not again when the
/// link is tapped again).
pub fn joined(code: &str, device: &local::Device) {
    local::forget_pending_invite(code);
    local::forget_invite_token(code);
    // Her link tapped again (or another tab's answer to it): she was told already.
    if local::joined_with_invite(code).is_some_and(|d| d.token == device.token) {
        return;
    }
    if let Err(e) = local::note_joined_invite(code, device) {
        // Only a second tap on the link needs it: it would say the invite was used.
        leptos::logging::warn!("the invite's use is not noted: {e}");
    }
    if let Err(e) = local::list_joined_network(&device.network) {
        leptos::logging::warn!("a network registered by an invite is not listed: {e}");
    }
    // Only the welcome line depends on it: the registration itself is stored.
    if let Err(e) = local::set_just_joined(&device.network) {
        leptos::logging::warn!("the welcome line will not show: {e}");
    }
}

/// The registration with its signing key certified; without, when that fails (it is retried
/// at the next start, and the device works unsigned meanwhile).
async fn with_key(d: local::Device) -> local::Device {
    match crate::keys::register(d.clone()).await {
        Ok(d) => d,
        Err(e) => {
            web_sys::console::warn_1(&format!("this device's signing key: {e}").into());
            d
        }
    }
}

/// A POST with this device's token (for [`crate::keys`]).
pub async fn post_with_token(
    path: &str,
    body: serde_json::Value,
    token: &str,
) -> Result<String, InviteError> {
    request("POST", path, Some(body), Some(token)).await
}

/// Uses this device's claim code to become `member` (a facilitator) of `network`.
/// As with an invite, the registration's token is made and kept here first: a facilitator
/// whose answer was lost on the way taps "Reclamar" again and gets the same registration,
/// instead of a network claimed by a device nobody has.
pub async fn claim(code: &str, network: &str, member: &str) -> Result<local::Device, InviteError> {
    let mut body = serde_json::json!({ "code": code, "network": network, "member": member, "device": device_name() });
    if let Some(token) = registration_token(code) {
        body["token"] = token.into();
    }
    let text = request("POST", "/api/claim", Some(body), None).await?;
    let device = keep(&text)?;
    local::forget_invite_token(code);
    Ok(with_key(device).await)
}

#[derive(Deserialize)]
struct Made {
    path: String,
    expires: i64,
}

/// A personal invite for `member` of `network`, made with this device's registration there:
/// the whole link and when it expires (ms since the epoch).
pub async fn create(network: &str, member: &str) -> Result<(String, i64), InviteError> {
    let me = local::device(network).ok_or(InviteError::Removed)?;
    let body = serde_json::json!({ "network": network, "member": member });
    let text = request("POST", "/api/invites", Some(body), Some(&me.token)).await?;
    let made: Made = serde_json::from_str(&text).map_err(|e| InviteError::Server(e.to_string()))?;
    let origin = gloo_utils::window().location().origin().unwrap_or_default();
    Ok((format!("{origin}{}", made.path), made.expires * 1000))
}

/// A registered device as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeviceInfo {
    pub id: String,
    pub member: String,
    pub name: String,
    pub last_seen: i64,
    pub revoked: Option<i64>,
    /// This very device.
    pub this: bool,
}

#[derive(Deserialize)]
struct DeviceList {
    devices: Vec<DeviceInfo>,
}

/// The devices of `network` this device may see (a facilitator: all; anyone else: hers).
pub async fn devices(network: &str) -> Result<Vec<DeviceInfo>, InviteError> {
    let me = local::device(network).ok_or(InviteError::Removed)?;
    let text =
        request("GET", &format!("/api/devices?network={network}"), None, Some(&me.token)).await?;
    let list: DeviceList =
        serde_json::from_str(&text).map_err(|e| InviteError::Server(e.to_string()))?;
    Ok(list.devices)
}

/// Removes a device from `network`; its connections close at once.
pub async fn remove_device(network: &str, id: &str) -> Result<(), InviteError> {
    let me = local::device(network).ok_or(InviteError::Removed)?;
    request("DELETE", &format!("/api/devices/{id}"), None, Some(&me.token)).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments() {
        assert_eq!(
            parse_fragment("#invitacion=abc_DEF-123"),
            Some(Code::Invite("abc_DEF-123".into()))
        );
        assert_eq!(parse_fragment("#reclamar=xyz"), Some(Code::Claim("xyz".into())));
        assert_eq!(parse_fragment(""), None);
        assert_eq!(parse_fragment("#invitacion="), None);
        assert_eq!(parse_fragment("#red=abc&clave=old-style-key"), None);
    }

    #[test]
    fn the_servers_reasons_are_recognised() {
        assert_eq!(failure(410, r#"{"error":"this invite was already used"}"#), InviteError::Used);
        assert_eq!(failure(410, r#"{"error":"this invite has expired"}"#), InviteError::Expired);
        assert_eq!(
            failure(403, r#"{"error":"not allowed: only a facilitator invites other members"}"#),
            InviteError::NotAllowed("only a facilitator invites other members".into())
        );
        assert_eq!(failure(502, "Bad gateway"), InviteError::Server("502 Bad gateway".into()));
    }
}
