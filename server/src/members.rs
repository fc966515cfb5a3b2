//! `/api/…`: the operator's claim links, a facilitator's personal invites, redeeming them on
//! a device, and the devices of a network (listed and removed).
//!
//! Only the operator's key makes claim links, and it never leaves the server's machine in an
//! invite. A device proves itself with its token (`Authorization: Bearer`); what it may do is
//! decided by the network document: a facilitator invites anyone of the network and sees and
//! removes every device; any member adds a device of her own and sees and removes hers.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use juntas_core::DocumentId;
use juntas_core::model::network::{Network, Role};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::oneshot;

use crate::accounts::{Accounts, AccountsError, Grant, Refused};
use crate::auth::{self, AccessKey};
use crate::engine::{EngineHandle, Event};
use crate::signatures::Signatures;
use crate::sync::{header_str, now_secs};

pub struct Members {
    accounts: Arc<Accounts>,
    signatures: Arc<Signatures>,
    engine: EngineHandle,
    operator: AccessKey,
    allowed_origins: Vec<String>,
}

impl Members {
    pub fn new(
        accounts: Arc<Accounts>,
        signatures: Arc<Signatures>,
        engine: EngineHandle,
        operator: AccessKey,
        allowed_origins: Vec<String>,
    ) -> Arc<Members> {
        Arc::new(Members { accounts, signatures, engine, operator, allowed_origins })
    }

    pub fn routes(self: Arc<Self>) -> Router {
        Router::new()
            .route("/api/claim-links", post(claim_link))
            .route("/api/claim", post(claim))
            .route("/api/invites", post(invite))
            .route("/api/redeem", post(redeem))
            .route("/api/device-key", post(device_key))
            .route("/api/devices", get(devices))
            .route("/api/network-document", get(network_document))
            .route("/api/devices/{id}", delete(remove_device))
            .with_state(self)
    }

    /// The network document as the sync engine reads it now.
    /// The network `id` as the server has it now: None when nobody stored it; an error
    /// answer when its stored copy cannot be read (logged and counted by the engine) or the
    /// server is stopping: never taken for a network that is not there.
    async fn network(&self, id: &str) -> Result<Option<Network>, Denied> {
        let Ok(id) = id.parse::<DocumentId>() else { return Ok(None) };
        let (tx, rx) = oneshot::channel();
        let stopping = || Denied(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping".into());
        if !self.engine.send(Event::Network { id, reply: tx }).await {
            return Err(stopping());
        }
        match rx.await {
            Ok(read) => read.map_err(|e| {
                Denied(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("the server cannot read this network: {e}"),
                )
            }),
            Err(_) => Err(stopping()),
        }
    }

    /// The device the request's bearer token belongs to.
    fn device(&self, headers: &HeaderMap) -> Result<Grant, Denied> {
        let token = auth::token_from_headers(headers).unwrap_or_default();
        self.accounts
            .authenticate(&token, now_secs())
            .map_err(|r| Denied(StatusCode::UNAUTHORIZED, r.to_string()))
    }

    fn origin_ok(&self, headers: &HeaderMap) -> Result<(), Denied> {
        let origin = header_str(headers, header::ORIGIN);
        if auth::origin_allowed(origin, header_str(headers, header::HOST), &self.allowed_origins) {
            Ok(())
        } else {
            Err(Denied(StatusCode::FORBIDDEN, "origin not allowed".into()))
        }
    }
}

/// A request refused before it is handled: the status and the reason.
struct Denied(StatusCode, String);

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        error(self.0, &self.1)
    }
}

fn error(status: StatusCode, reason: &str) -> Response {
    (status, Json(json!({ "error": reason }))).into_response()
}

fn failed(e: AccountsError) -> Response {
    match e {
        AccountsError::Refused(
            r @ (Refused::InviteUsed | Refused::InviteExpired | Refused::AlreadyClaimed),
        ) => error(StatusCode::GONE, &r.to_string()),
        AccountsError::Refused(r @ Refused::KeyTaken) => {
            error(StatusCode::CONFLICT, &r.to_string())
        }
        AccountsError::Refused(r @ Refused::InviteUnknown) => {
            error(StatusCode::NOT_FOUND, &r.to_string())
        }
        AccountsError::Refused(r @ Refused::BadToken) => {
            error(StatusCode::BAD_REQUEST, &r.to_string())
        }
        AccountsError::Refused(r) => error(StatusCode::FORBIDDEN, &r.to_string()),
        e => {
            tracing::error!(error = %e, "accounts");
            error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string())
        }
    }
}

fn granted(token: String, g: Grant) -> serde_json::Value {
    json!({ "token": token, "device": g.device, "network": g.network, "member": g.member })
}

/// `POST /api/claim-links` with the operator's key as bearer: a one-time link that makes its
/// opener the first facilitator of a network.
async fn claim_link(State(m): State<Arc<Members>>, headers: HeaderMap) -> Response {
    let key = auth::token_from_headers(&headers).unwrap_or_default();
    if !m.operator.matches(&key) {
        tracing::warn!("claim link refused: wrong operator key");
        return error(StatusCode::UNAUTHORIZED, "wrong operator key");
    }
    match m.accounts.new_claim(now_secs()) {
        Ok(code) => Json(json!({ "path": format!("/unirse#reclamar={code}") })).into_response(),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct ClaimBody {
    code: String,
    network: String,
    member: String,
    #[serde(default)]
    device: String,
    /// The token the device made for this registration (see `Accounts::claim`).
    #[serde(default)]
    token: Option<String>,
}

/// `POST /api/claim`: uses a claim link for a network (new, or one the server has that nobody
/// claimed: then `member` must be a facilitator in it).
async fn claim(
    State(m): State<Arc<Members>>,
    headers: HeaderMap,
    Json(b): Json<ClaimBody>,
) -> Response {
    if let Err(r) = m.origin_ok(&headers) {
        return r.into_response();
    }
    if b.network.parse::<DocumentId>().is_err() || b.member.trim().is_empty() {
        return error(StatusCode::BAD_REQUEST, "network and member are required");
    }
    let net = match m.network(&b.network).await {
        Ok(net) => net,
        Err(r) => return r.into_response(),
    };
    if let Some(net) = net
        && net.members.get(&b.member).is_none_or(|x| x.role != Role::Facilitator)
    {
        return error(
            StatusCode::FORBIDDEN,
            "not allowed: only a facilitator of the network claims it",
        );
    }
    match m.accounts.claim(
        &b.code,
        &b.network,
        &b.member,
        &b.device,
        b.token.as_deref(),
        now_secs(),
    ) {
        Ok((token, g)) => {
            tracing::info!(network = %g.network, member = %g.member, "network claimed");
            Json(granted(token, g)).into_response()
        }
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct InviteBody {
    network: String,
    member: String,
}

/// `POST /api/invites`: a personal invite for a member (a facilitator: anyone of the network;
/// anyone else: herself, to add a device).
async fn invite(
    State(m): State<Arc<Members>>,
    headers: HeaderMap,
    Json(b): Json<InviteBody>,
) -> Response {
    let me = match m.device(&headers) {
        Ok(g) => g,
        Err(r) => return r.into_response(),
    };
    if me.network != b.network {
        return error(
            StatusCode::FORBIDDEN,
            "not allowed: this device is not a member of that network",
        );
    }
    let net = match m.network(&b.network).await {
        Ok(Some(net)) => net,
        Ok(None) => return error(StatusCode::CONFLICT, NOT_ON_SERVER),
        Err(r) => return r.into_response(),
    };
    let Some(role) = net.members.get(&me.member).map(|x| x.role) else {
        return error(StatusCode::FORBIDDEN, &Refused::Revoked.to_string());
    };
    if !net.members.contains_key(&b.member) {
        return error(StatusCode::BAD_REQUEST, "no such member in the network");
    }
    if b.member != me.member && role != Role::Facilitator {
        return error(
            StatusCode::FORBIDDEN,
            "not allowed: only a facilitator invites other members",
        );
    }
    match m.accounts.invite(&me, &b.member, now_secs()) {
        Ok((code, expires)) => Json(json!({
            "path": format!("/unirse#invitacion={code}"),
            "expires": expires,
        }))
        .into_response(),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct RedeemBody {
    code: String,
    #[serde(default)]
    device: String,
    /// The token the browser made for this registration (see [`crate::accounts::Accounts::redeem`]).
    #[serde(default)]
    token: Option<String>,
}

/// `POST /api/redeem`: registers this device for the invite's member.
async fn redeem(
    State(m): State<Arc<Members>>,
    headers: HeaderMap,
    Json(b): Json<RedeemBody>,
) -> Response {
    if let Err(r) = m.origin_ok(&headers) {
        return r.into_response();
    }
    match m.accounts.redeem(&b.code, &b.device, b.token.as_deref(), now_secs()) {
        Ok((token, g)) => {
            tracing::info!(network = %g.network, member = %g.member, "invite redeemed");
            // Not worth a slow answer: the registration is made, and the phone's signal may
            // drop while it waits behind a busy engine.
            let read = tokio::time::timeout(WELCOME_WITHIN, m.network(&g.network)).await;
            // Without it (slow, or the network unreadable: logged by the engine), the phone
            // says whom and where once the network has synced.
            let welcome = match read {
                Ok(Ok(Some(net))) => welcome(&net, &g.member),
                _ => None,
            };
            let mut answer = granted(token, g);
            if let Some(w) = welcome {
                answer["welcome"] = w;
            }
            Json(answer).into_response()
        }
        Err(e) => failed(e),
    }
}

/// How long a redeem's answer waits for the engine's reading of the network (it usually takes
/// under a millisecond); past it, the answer goes without its welcome.
const WELCOME_WITHIN: std::time::Duration = std::time::Duration::from_millis(500);

/// Whom and where an invite registers, from the network document as the server has it: the
/// phone shows it as soon as the answer is in, before it has the app's documents' part or the
/// network itself (a first visit over 3G waits seconds for those). None when the member is
/// no longer in the network (the app then says so once the network has synced).
fn welcome(net: &Network, member: &str) -> Option<serde_json::Value> {
    let me = net.members.get(member)?;
    let centre = me.centre_id.as_deref().and_then(|c| net.centres.get(c)).map(|c| c.name.clone());
    Some(json!({
        "network": net.name,
        "slep": net.slep,
        "name": me.name,
        "role": me.role.as_str(),
        "centre": centre,
    }))
}

#[derive(Deserialize)]
struct KeyBody {
    /// The device's ECDSA P-256 public key, uncompressed SEC1, in hex.
    key: String,
}

/// `POST /api/device-key`: registers this device's public signing key (made in the browser,
/// its private half never leaves it) and answers the server's certificate for it, with the
/// server's public key to check certificates with.
async fn device_key(
    State(m): State<Arc<Members>>,
    headers: HeaderMap,
    Json(b): Json<KeyBody>,
) -> Response {
    let me = match m.device(&headers) {
        Ok(g) => g,
        Err(r) => return r.into_response(),
    };
    let Some((key, cert)) = hex::decode(b.key.trim()).ok().and_then(|key| {
        let cert = m.signatures.certify(&me.network, &me.member, &me.device, &key)?;
        Some((key, cert))
    }) else {
        return error(StatusCode::BAD_REQUEST, "not a P-256 public key");
    };
    if let Err(e) = m.accounts.set_key(&me.device, &key) {
        return failed(e);
    }
    Json(json!({
        "cert": hex::encode(cert),
        "server_key": hex::encode(m.signatures.public()),
        "network": me.network, "member": me.member, "device": me.device,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct DevicesQuery {
    network: String,
}

/// Whether the device `me` may see and remove devices of `member`; an error answer when the
/// network cannot be read to tell.
async fn may_manage(m: &Members, me: &Grant, member: &str) -> Result<bool, Denied> {
    if me.member == member {
        return Ok(true);
    }
    Ok(m.network(&me.network)
        .await?
        .and_then(|n| n.members.get(&me.member).map(|x| x.role == Role::Facilitator))
        .unwrap_or(false))
}

/// `GET /api/devices?network=…`: a facilitator sees every device; anyone else, her own.
async fn devices(
    State(m): State<Arc<Members>>,
    headers: HeaderMap,
    Query(q): Query<DevicesQuery>,
) -> Response {
    let me = match m.device(&headers) {
        Ok(g) => g,
        Err(r) => return r.into_response(),
    };
    if me.network != q.network {
        return error(
            StatusCode::FORBIDDEN,
            "not allowed: this device is not a member of that network",
        );
    }
    let everyone = match may_manage(&m, &me, "\0").await {
        Ok(everyone) => everyone,
        Err(r) => return r.into_response(),
    };
    let list: Vec<serde_json::Value> = m
        .accounts
        .devices(&q.network, (!everyone).then_some(me.member.as_str()))
        .into_iter()
        .map(|d| {
            json!({
                "id": d.id, "member": d.member, "name": d.name, "created": d.created,
                "last_seen": d.last_seen, "revoked": d.revoked, "this": d.id == me.device,
            })
        })
        .collect();
    Json(json!({ "devices": list })).into_response()
}

/// `GET /api/network-document`: the network document of this device's registration, saved
/// whole, if its member may read it now (as a sync request of it would). An invite's phone asks
/// as soon as it is registered, while the app's documents' part still downloads over 3G, and
/// her network shows from it when that part is in: the sync's connection, handshake and request
/// (~0.5 s on 3G) come after. 404 as for a document the server does not have: it says nothing
/// of a network to a device no longer in it.
async fn network_document(State(m): State<Arc<Members>>, headers: HeaderMap) -> Response {
    let me = match m.device(&headers) {
        Ok(g) => g,
        Err(r) => return r.into_response(),
    };
    let Ok(network) = me.network.parse::<DocumentId>() else {
        return error(StatusCode::NOT_FOUND, NOT_ON_SERVER);
    };
    let (tx, rx) = oneshot::channel();
    let event = Event::NetworkBytes { network, member: me.member, reply: tx };
    if !m.engine.send(event).await {
        return error(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping");
    }
    match rx.await {
        Ok(Ok(Some(bytes))) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            Vec::clone(&bytes),
        )
            .into_response(),
        Ok(Ok(None)) => error(StatusCode::NOT_FOUND, NOT_ON_SERVER),
        // Logged and counted by the engine.
        Ok(Err(e)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the server cannot read this network: {e}"),
        ),
        Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping"),
    }
}

/// The app's `InviteError::NotOnServer`.
const NOT_ON_SERVER: &str = "the network has not reached the server yet";

/// `DELETE /api/devices/{id}`: removes a device; its connections close at once.
async fn remove_device(
    State(m): State<Arc<Members>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let me = match m.device(&headers) {
        Ok(g) => g,
        Err(r) => return r.into_response(),
    };
    let Some(target) = m.accounts.device(&id) else {
        return error(StatusCode::NOT_FOUND, &Refused::UnknownDevice.to_string());
    };
    let may = match may_manage(&m, &me, &target.member).await {
        Ok(may) => may,
        Err(r) => return r.into_response(),
    };
    if target.network != me.network || !may {
        return error(
            StatusCode::FORBIDDEN,
            "not allowed: only a facilitator removes another member's device",
        );
    }
    if let Err(e) = m.accounts.revoke(&id, now_secs()) {
        return failed(e);
    }
    m.engine.send(Event::Revoke { device: id.clone() }).await;
    tracing::info!(device = %id, by = %me.member, "device removed");
    StatusCode::NO_CONTENT.into_response()
}
