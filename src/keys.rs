//! This device's signing key and the checks of everyone's signed heads, with WebCrypto.
//!
//! Registering in a network (an invite or a claim) makes an ECDSA P-256 key pair whose
//! private half is not extractable; the `CryptoKeyPair` is kept in IndexedDB under the
//! registration's device id. Its public key goes to the server, which answers a certificate
//! ([`register`]). From then on every document this device sends is signed: the actor's latest
//! change hash ([`sign_pending`], called by sync before it sends). Readers check heads with
//! [`signatures`] (WebCrypto is asynchronous, so the checks run first, then core reads the
//! document with their answers). Without WebCrypto (a page served over plain HTTP) nothing is
//! signed: history shows this device's changes without a check mark, the reason goes to the
//! console, and registration is tried again at each connection; sync works as before.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use js_sys::{Array, Object, Uint8Array};
use juntas_core::automerge::{ActorId, AutoCommit};
use juntas_core::signing::{self, Signature};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, CryptoKeyPair, SubtleCrypto};

use crate::local;

/// Why this device cannot sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("this browser offers no WebCrypto here (the page needs HTTPS)")]
    NoCrypto,
    #[error("WebCrypto: {0}")]
    Crypto(String),
    #[error("the key store: {0}")]
    Store(String),
    #[error("the server: {0}")]
    Server(String),
}

fn js(e: JsValue) -> KeyError {
    KeyError::Crypto(
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| format!("{e:?}")),
    )
}

fn subtle() -> Result<SubtleCrypto, KeyError> {
    let crypto = gloo_utils::window().crypto().map_err(|_| KeyError::NoCrypto)?;
    let subtle = crypto.subtle();
    if subtle.is_undefined() { Err(KeyError::NoCrypto) } else { Ok(subtle) }
}

fn ecdsa() -> Object {
    web_sys::EcdsaParams::new_with_str("ECDSA", "SHA-256").into()
}

fn usages(names: &[&str]) -> JsValue {
    names.iter().map(|n| JsValue::from_str(n)).collect::<Array>().into()
}

/// This device's key pair for registration `device`: the stored one, or a new one (stored).
async fn key_pair(device: &str) -> Result<CryptoKeyPair, KeyError> {
    // IndexedDB gives the pair back as a plain object (`CryptoKeyPair` is a dictionary):
    // check that its halves are keys.
    let checked = |v: JsValue| -> Result<CryptoKeyPair, KeyError> {
        for half in ["privateKey", "publicKey"] {
            let key = js_sys::Reflect::get(&v, &JsValue::from_str(half)).unwrap_or_default();
            if !key.is_instance_of::<CryptoKey>() {
                return Err(KeyError::Store(format!("the stored key pair has no {half}")));
            }
        }
        Ok(v.unchecked_into())
    };
    if let Some(v) =
        crate::storage::load_key(device).await.map_err(|e| KeyError::Store(e.to_string()))?
    {
        return checked(v);
    }
    let params: Object = web_sys::EcKeyGenParams::new("ECDSA", "P-256").into();
    let promise = subtle()?
        .generate_key_with_object(&params, false, &usages(&["sign", "verify"]))
        .map_err(js)?;
    let pair: JsValue = JsFuture::from(promise).await.map_err(js)?;
    // Kept only if no other task made one meanwhile (the claim and the start-up registration
    // can both get here for a new device): otherwise the key the server certifies could be one
    // pair's and the key that signs the other's, and every signature would fail to check.
    let kept = crate::storage::store_key_once(device, &pair)
        .await
        .map_err(|e| KeyError::Store(e.to_string()))?;
    checked(kept)
}

/// The public key (uncompressed SEC1) of registration `device`'s key pair (made if needed).
pub async fn public_key(device: &str) -> Result<Vec<u8>, KeyError> {
    let pair = key_pair(device).await?;
    let promise = subtle()?.export_key("raw", &pair.get_public_key()).map_err(js)?;
    let raw = JsFuture::from(promise).await.map_err(js)?;
    Ok(Uint8Array::new(&raw).to_vec())
}

/// Signs `message` with registration `device`'s private key (ECDSA P-256/SHA-256, r‖s).
pub async fn sign_bytes(device: &str, message: &[u8]) -> Result<Vec<u8>, KeyError> {
    let pair = key_pair(device).await?;
    let promise = subtle()?
        .sign_with_object_and_buffer_source(
            &ecdsa(),
            &pair.get_private_key(),
            &Uint8Array::from(message),
        )
        .map_err(js)?;
    Ok(Uint8Array::new(&JsFuture::from(promise).await.map_err(js)?).to_vec())
}

#[derive(Deserialize)]
struct Certified {
    cert: String,
    server_key: String,
}

/// Makes (or reuses) this device's key for registration `d`, has the server certify it and
/// keeps the certificate in the registration.
pub async fn register(d: local::Device) -> Result<local::Device, KeyError> {
    let public = public_key(&d.device).await?;
    let body = serde_json::json!({ "key": hex::encode(&public) });
    let text = crate::invite::post_with_token("/api/device-key", body, &d.token)
        .await
        .map_err(|e| KeyError::Server(e.to_string()))?;
    let c: Certified = serde_json::from_str(&text).map_err(|e| KeyError::Server(e.to_string()))?;
    // Only the key's fields are written: `d` was read before the request, and a claim date
    // noted meanwhile (a connection's `/session`) would be lost with the rest.
    local::set_device_key(&d.token, hex::encode(&public), c.cert, c.server_key)
        .map_err(KeyError::Store)?
        .ok_or_else(|| KeyError::Store("the registration was replaced meanwhile".into()))
}

/// Registrations made before devices had keys get one now (quietly retried at each start
/// while it fails: a registration without a key keeps working, unsigned).
pub async fn register_missing() {
    for d in local::devices().into_iter().filter(|d| d.cert.is_none()) {
        if let Err(e) = register(d).await {
            web_sys::console::warn_1(&format!("this device's signing key: {e}").into());
        }
    }
}

/// The certified device this registration signs as, when it has a key.
fn certified(d: &local::Device) -> Option<signing::Device> {
    Some(signing::Device {
        network: d.network.clone(),
        member: d.member.clone(),
        device: d.device.clone(),
        key: hex::decode(d.key.as_deref()?).ok()?,
        cert: hex::decode(d.cert.as_deref()?).ok()?,
    })
}

/// Signs what this tab's actor changed in `doc` (of `network`) since its last signature and
/// writes the head. Ok(false): nothing to sign, or this device has no key in that network.
pub async fn sign_pending(doc: &mut AutoCommit, network: &str) -> Result<bool, KeyError> {
    let Some(d) = local::device(network) else { return Ok(false) };
    let Some(device) = certified(&d) else { return Ok(false) };
    let Some((seq, hash)) = signing::to_sign(doc) else { return Ok(false) };
    let sig = sign_bytes(&d.device, &signing::head_message(&hash)).await?;
    signing::write_head(doc, &device, seq, hash, &sig)
        .map_err(|e| KeyError::Crypto(e.to_string()))?;
    Ok(true)
}

/// One signature check: (public key, message, signature).
pub type Check = (Vec<u8>, Vec<u8>, Vec<u8>);

thread_local! {
    /// Checks already made in this tab: (key, message, signature) → valid.
    static CHECKED: RefCell<HashMap<Check, bool>> = RefCell::default();
}

async fn check(key: &[u8], message: &[u8], sig: &[u8]) -> Result<bool, KeyError> {
    let import: Object = {
        let p = web_sys::EcKeyImportParams::new("ECDSA");
        p.set_named_curve("P-256");
        p.into()
    };
    let subtle = subtle()?;
    let promise = subtle
        .import_key_with_object("raw", &Uint8Array::from(key), &import, true, &usages(&["verify"]))
        .map_err(js)?;
    let Ok(public) = JsFuture::from(promise).await else { return Ok(false) };
    let public: CryptoKey = public.unchecked_into();
    let promise = subtle
        .verify_with_object_and_buffer_source_and_buffer_source(
            &ecdsa(),
            &public,
            &Uint8Array::from(sig),
            &Uint8Array::from(message),
        )
        .map_err(js)?;
    Ok(JsFuture::from(promise).await.map_err(js)?.as_bool().unwrap_or(false))
}

/// The server's public key this device learnt when it registered in `network`.
pub fn server_key(network: &str) -> Option<Vec<u8>> {
    hex::decode(local::device(network)?.server_key?).ok()
}

/// The signature checks `doc` needs (of network `network`, certified by `server_key`).
pub fn needed(doc: &AutoCommit, server_key: &[u8]) -> Vec<Check> {
    let mut out = Vec::new();
    for actor in signing::actors_with_heads(doc) {
        if let Some(Ok(head)) = signing::head_of(doc, &actor) {
            for (k, m, s) in signing::checks(&head, server_key) {
                out.push((k.to_vec(), m, s.to_vec()));
            }
        }
    }
    out
}

/// Runs the checks not made yet in this tab (WebCrypto), so [`signatures`] can answer.
pub async fn check_all(checks: Vec<Check>) -> Result<(), KeyError> {
    for c in checks {
        if CHECKED.with(|m| m.borrow().contains_key(&c)) {
            continue;
        }
        let ok = check(&c.0, &c.1, &c.2).await?;
        CHECKED.with(|m| m.borrow_mut().insert(c, ok));
    }
    Ok(())
}

/// Every actor's signature in `doc`, from the checks [`check_all`] made (a check not made
/// counts as failed).
pub fn signatures(
    doc: &mut AutoCommit,
    network: &str,
    server_key: &[u8],
) -> BTreeMap<ActorId, Signature> {
    signing::signatures(doc, network, server_key, &mut |k: &[u8], m: &[u8], s: &[u8]| {
        CHECKED
            .with(|c| c.borrow().get(&(k.to_vec(), m.to_vec(), s.to_vec())).copied() == Some(true))
    })
}
