//! Who really made a change: a device's signature over its latest change, kept in the document.
//!
//! A device registered with the server holds an ECDSA P-256 key pair (the private half never
//! leaves it) and a certificate the server signed: "this key is device D of member M of network
//! N" ([`cert_message`]). Every tab of it writes its changes under its own actor id and, when it
//! sends them, signs the hash of its actor's latest change ([`head_message`]) and writes that
//! **signed head** into the document at the root key `_sig:<actor>` ([`write_head`]), with the
//! certificate. Automerge chains each actor's changes (change *n* depends on change *n − 1*
//! through its hash), so one signature over change *n* vouches for changes 1..=*n* of that actor:
//! a signature per send, not per keystroke. The head travels with the document everywhere it
//! goes (sync, tabs, bundles) and anyone holding the server's public key checks it offline.
//!
//! The root key is per actor and written only by changes of that actor, so two tabs never
//! overwrite each other's heads and nobody can replace another actor's head without forging one
//! of its changes ([`crate::rules::judge`] refuses that). The head write itself is a change not
//! yet covered by a signature; it only ever touches its own `_sig:` key.
//!
//! Core does no cryptography (no randomness, no crypto crates in the app's wasm): it builds the
//! exact bytes that are signed and asks the caller to check a signature ([`Check`]); the server
//! checks with RustCrypto, the browser with WebCrypto.

use std::collections::BTreeMap;

use automerge::{
    ActorId, AutoCommit, ChangeHash, ObjType, ROOT, ReadDoc, ScalarValue, Value,
    transaction::{CommitOptions, Transactable},
};

use crate::model::lenient;

/// Root keys holding signed heads start with this, followed by the actor id in hex.
pub const PREFIX: &str = "_sig:";

/// The history message of a head write: history does not list it.
pub const MESSAGE: &str = "juntas1-firma";

/// The key of `actor`'s signed head.
pub fn key_of(actor: &ActorId) -> String {
    format!("{PREFIX}{}", actor.to_hex_string())
}

/// The bytes the server signs to say `key` (an uncompressed SEC1 P-256 public key) is device
/// `device` of member `member` in network `network`.
pub fn cert_message(network: &str, member: &str, device: &str, key: &[u8]) -> Vec<u8> {
    let mut m = b"juntas-device-v1\n".to_vec();
    for part in [network, member, device] {
        m.extend_from_slice(part.as_bytes());
        m.push(b'\n');
    }
    m.extend_from_slice(key);
    m
}

/// The bytes a device signs to vouch for every change of an actor up to the one with `hash`.
pub fn head_message(hash: &ChangeHash) -> Vec<u8> {
    let mut m = b"juntas-head-v1\n".to_vec();
    m.extend_from_slice(&hash.0);
    m
}

/// A device's registration as the server certified it; what a head carries besides the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub network: String,
    pub member: String,
    pub device: String,
    /// Uncompressed SEC1 P-256 public key (65 bytes).
    pub key: Vec<u8>,
    /// The server's ECDSA P-256 signature (r‖s, 64 bytes) over [`cert_message`].
    pub cert: Vec<u8>,
}

/// A signed head as stored in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub actor: ActorId,
    pub device: Device,
    /// The actor's change the signature vouches for, and its sequence number.
    pub seq: u64,
    pub hash: ChangeHash,
    /// The device's ECDSA P-256 signature (r‖s) over [`head_message`].
    pub sig: Vec<u8>,
}

/// Checks one ECDSA P-256/SHA-256 signature: `(public key, message, signature) -> valid`.
pub trait Check {
    fn check(&mut self, key: &[u8], message: &[u8], sig: &[u8]) -> bool;
}

impl<F: FnMut(&[u8], &[u8], &[u8]) -> bool> Check for F {
    fn check(&mut self, key: &[u8], message: &[u8], sig: &[u8]) -> bool {
        self(key, message, sig)
    }
}

/// What a document says about who made an actor's changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// A device of `member` signed the actor's changes up to `seq`.
    Valid { member: String, device: String, seq: u64 },
    /// The actor has a head, and it does not check; why.
    Invalid(Bad),
    /// Nobody signed this actor's changes (a build before signatures, a device not registered,
    /// or changes not sent yet).
    Absent,
}

/// Why a head does not vouch for anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Bad {
    #[error("the head is unreadable")]
    Unreadable,
    #[error("the certificate is for another network")]
    OtherNetwork,
    #[error("the server did not certify this device key")]
    Certificate,
    #[error("the signed change is not this actor's")]
    WrongChange,
    #[error("the device's signature does not check")]
    Signature,
    #[error("the device was removed from the network")]
    Revoked,
    #[error("the change names another member than the device that signed it")]
    OtherMember,
    #[error("the change was made on top of a change that was left out")]
    BuiltOn,
}

fn bytes(doc: &AutoCommit, obj: &automerge::ObjId, prop: &str) -> Option<Vec<u8>> {
    match doc.get(obj, prop).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Bytes(b) => Some(b.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The head `actor` wrote into `doc`: None if there is none, Err if it cannot be read.
pub fn head_of(doc: &AutoCommit, actor: &ActorId) -> Option<Result<Head, Bad>> {
    let (value, obj) = doc.get(ROOT, key_of(actor)).ok()??;
    if !matches!(value, Value::Object(ObjType::Map)) {
        return Some(Err(Bad::Unreadable));
    }
    let read = || -> Option<Head> {
        let hash: [u8; 32] = bytes(doc, &obj, "hash")?.try_into().ok()?;
        Some(Head {
            actor: actor.clone(),
            device: Device {
                network: lenient::string(doc, &obj, "network").ok()?,
                member: lenient::string(doc, &obj, "member").ok()?,
                device: lenient::string(doc, &obj, "device").ok()?,
                key: bytes(doc, &obj, "key")?,
                cert: bytes(doc, &obj, "cert")?,
            },
            seq: lenient::u64(doc, &obj, "seq").ok()?,
            hash: ChangeHash(hash),
            sig: bytes(doc, &obj, "sig")?,
        })
    };
    Some(read().ok_or(Bad::Unreadable))
}

/// Every actor that wrote a head into `doc`.
pub fn actors_with_heads(doc: &AutoCommit) -> Vec<ActorId> {
    doc.keys(ROOT)
        .filter_map(|k| k.strip_prefix(PREFIX).and_then(|h| ActorId::try_from(h).ok()))
        .collect()
}

/// The three checks a head needs besides the hash: (key, message, signature) for the
/// server's certificate and for the device's signature.
pub fn checks<'a>(head: &'a Head, server_key: &'a [u8]) -> [(&'a [u8], Vec<u8>, &'a [u8]); 2] {
    let d = &head.device;
    [
        (server_key, cert_message(&d.network, &d.member, &d.device, &d.key), &d.cert),
        (&d.key, head_message(&head.hash), &head.sig),
    ]
}

/// Whether `head` vouches for its actor's changes in `doc` of network `network`, checking its
/// signatures with `check` against the server's public key `server_key`.
pub fn verify(
    doc: &mut AutoCommit,
    head: &Head,
    network: &str,
    server_key: &[u8],
    check: &mut impl Check,
) -> Signature {
    if head.device.network != network {
        return Signature::Invalid(Bad::OtherNetwork);
    }
    match doc.get_change_meta_by_hash(&head.hash) {
        Some(c) if c.actor.as_ref() == &head.actor && c.seq == head.seq => {}
        _ => return Signature::Invalid(Bad::WrongChange),
    }
    let [(ck, cm, cs), (dk, dm, ds)] = checks(head, server_key);
    if !check.check(ck, &cm, cs) {
        return Signature::Invalid(Bad::Certificate);
    }
    if !check.check(dk, &dm, ds) {
        return Signature::Invalid(Bad::Signature);
    }
    Signature::Valid {
        member: head.device.member.clone(),
        device: head.device.device.clone(),
        seq: head.seq,
    }
}

/// Every actor's [`Signature`] in `doc` (actors without a head are [`Signature::Absent`] and
/// not listed).
pub fn signatures(
    doc: &mut AutoCommit,
    network: &str,
    server_key: &[u8],
    check: &mut impl Check,
) -> BTreeMap<ActorId, Signature> {
    let mut out = BTreeMap::new();
    for actor in actors_with_heads(doc) {
        let sig = match head_of(doc, &actor) {
            Some(Ok(head)) => verify(doc, &head, network, server_key, check),
            Some(Err(bad)) => Signature::Invalid(bad),
            None => continue,
        };
        out.insert(actor, sig);
    }
    out
}

/// Who made a change of `actor` with sequence number `seq`, by the signatures of its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signed {
    /// Signed by a device of this member.
    By(String),
    /// Not signed (yet): the history message's author is unverified.
    Unsigned,
    /// Its actor's head does not check, or vouches for another member than the message
    /// names: it is shown as nobody's.
    Forged,
}

/// How `signatures` attribute a change of `actor`/`seq` whose history message names `named`.
pub fn signed(
    signatures: &BTreeMap<ActorId, Signature>,
    actor: &ActorId,
    seq: u64,
    named: Option<&str>,
) -> Signed {
    match signatures.get(actor) {
        Some(Signature::Valid { member, seq: upto, .. }) => {
            if named.is_some_and(|n| n != member) {
                Signed::Forged
            } else if seq <= *upto {
                Signed::By(member.clone())
            } else {
                Signed::Unsigned
            }
        }
        Some(Signature::Invalid(_)) => Signed::Forged,
        Some(Signature::Absent) | None => Signed::Unsigned,
    }
}

/// What this device's actor should sign in `doc` now: its latest change, unless a head
/// already vouches for it or it is itself the head write that followed the last signature.
pub fn to_sign(doc: &mut AutoCommit) -> Option<(u64, ChangeHash)> {
    let last = doc.get_last_local_change()?;
    let actor = doc.get_actor().clone();
    if let Some(Ok(head)) = head_of(doc, &actor)
        && (head.seq == last.seq()
            || (head.seq + 1 == last.seq() && last.message() == Some(MESSAGE)))
    {
        return None;
    }
    Some((last.seq(), last.hash()))
}

/// Writes this actor's signed head into `doc` and commits it (a change [`crate::model::history`]
/// does not list).
pub fn write_head(
    doc: &mut AutoCommit,
    device: &Device,
    seq: u64,
    hash: ChangeHash,
    sig: &[u8],
) -> Result<(), automerge::AutomergeError> {
    let key = key_of(&doc.get_actor().clone());
    let obj = match doc.get(ROOT, key.as_str())? {
        Some((Value::Object(ObjType::Map), obj)) => obj,
        _ => {
            let obj = doc.put_object(ROOT, key.as_str(), ObjType::Map)?;
            doc.put(&obj, "network", device.network.as_str())?;
            doc.put(&obj, "member", device.member.as_str())?;
            doc.put(&obj, "device", device.device.as_str())?;
            doc.put(&obj, "key", ScalarValue::Bytes(device.key.clone()))?;
            doc.put(&obj, "cert", ScalarValue::Bytes(device.cert.clone()))?;
            obj
        }
    };
    doc.put(&obj, "seq", ScalarValue::Uint(seq))?;
    doc.put(&obj, "hash", ScalarValue::Bytes(hash.0.to_vec()))?;
    doc.put(&obj, "sig", ScalarValue::Bytes(sig.to_vec()))?;
    doc.commit_with(CommitOptions::default().with_message(MESSAGE));
    Ok(())
}

/// What the rules read of a change.
pub(crate) struct Meta {
    pub hash: ChangeHash,
    pub deps: Vec<ChangeHash>,
    pub actor: ActorId,
    pub seq: u64,
    pub message: Option<String>,
    /// Seconds since the Unix epoch, as the change says.
    pub time: i64,
}

/// Every change of `doc` after `before`, in causal order.
pub(crate) fn metas(doc: &mut AutoCommit, before: &[ChangeHash]) -> Vec<Meta> {
    doc.get_changes_meta(before)
        .into_iter()
        .map(|c| Meta {
            hash: c.hash,
            deps: c.deps,
            actor: c.actor.into_owned(),
            seq: c.seq,
            message: c.message.map(|m| m.into_owned()),
            time: c.timestamp,
        })
        .collect()
}

/// Changes a reader does not take, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screened {
    /// The member the changes' history messages name (empty: none).
    pub named: String,
    /// How many changes were left out (those refused and everything made on top of them;
    /// signature writes are not counted).
    pub changes: usize,
    pub why: Bad,
}

/// Leaves out of `doc` (from outside sync: a bundle) every change whose actor's head does not
/// check or whose signer is another member than its message names ([`Signed::Forged`]), and
/// anything built on one; says what was left out, per actor. With nothing to leave out,
/// `doc` is untouched.
pub fn screen(
    doc: &mut AutoCommit,
    signatures: &BTreeMap<ActorId, Signature>,
) -> Result<Vec<Screened>, automerge::AutomergeError> {
    let mut refused: BTreeMap<ActorId, Screened> = BTreeMap::new();
    let mut dropped: std::collections::HashSet<ChangeHash> = Default::default();
    for Meta { hash, deps, actor, seq, message, .. } in &metas(doc, &[]) {
        let named = crate::model::history::author(message.as_deref());
        let why = match signatures.get(actor) {
            _ if deps.iter().any(|d| dropped.contains(d)) => Some(None),
            Some(Signature::Invalid(bad)) if message.as_deref() != Some(MESSAGE) => {
                Some(Some(*bad))
            }
            _ if signed(signatures, actor, *seq, named) == Signed::Forged => {
                Some(Some(Bad::OtherMember))
            }
            _ => None,
        };
        if let Some(why) = why {
            dropped.insert(*hash);
            let e = refused.entry(actor.clone()).or_insert_with(|| Screened {
                named: named.unwrap_or_default().to_owned(),
                changes: 0,
                why: why.unwrap_or(Bad::BuiltOn),
            });
            if message.as_deref() != Some(MESSAGE) {
                e.changes += 1;
            }
            if let Some(w) = why {
                e.why = w;
            }
        }
    }
    if dropped.is_empty() {
        return Ok(Vec::new());
    }
    let kept: Vec<automerge::Change> =
        doc.get_changes(&[]).into_iter().filter(|c| !dropped.contains(&c.hash())).collect();
    let mut out = AutoCommit::new();
    out.apply_changes(kept)?;
    *doc = out;
    Ok(refused.into_values().collect())
}
