//! Members' devices, personal invites and the operator's claim links, kept in
//! `<data>/accounts.json`.
//!
//! A device holds a bearer token (32 random bytes) that names one member of one network; the
//! server keeps only its SHA-256. A member's role, centre and commissions are not here: they
//! are in the network document, which only facilitators change, so the server asks the
//! document every time. Invites and claim links are single use and expire; only their hashes
//! are stored. Every change is written atomically (temporary file, fsync, rename) before it
//! is answered.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The file under the data directory.
pub const FILE: &str = "accounts.json";
/// How long a personal invite works.
pub const INVITE_LIFETIME_SECS: u64 = 7 * 24 * 3600;
/// How long an operator's claim link works.
pub const CLAIM_LIFETIME_SECS: u64 = 7 * 24 * 3600;
/// `last_seen` is written at most this often per device (it is a hint, not a log).
const SEEN_EVERY_SECS: u64 = 300;

/// What a device may do: act as `member` of `network`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grant {
    pub device: String,
    pub network: String,
    pub member: String,
}

/// A device as the facilitator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    pub network: String,
    pub member: String,
    /// What the browser called itself when it registered.
    pub name: String,
    pub created: u64,
    pub last_seen: u64,
    pub revoked: Option<u64>,
    #[serde(rename = "token_sha256")]
    token_hash: String,
    /// The device's public signing key (uncompressed SEC1, hex), once it registered one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
}

impl Device {
    /// Whether `key` is the public key this device registered.
    pub fn key_matches(&self, key: &[u8]) -> bool {
        self.key.as_deref() == Some(hex::encode(key).as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Invite {
    network: String,
    member: String,
    expires: u64,
    used: Option<u64>,
    /// The device that made it.
    by: String,
    /// The device it registered, once used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    registered: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claim {
    expires: u64,
    used: Option<u64>,
    /// The device it registered, once used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    registered: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claimed {
    at: u64,
    member: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    #[serde(default)]
    claims: BTreeMap<String, Claim>,
    #[serde(default)]
    invites: BTreeMap<String, Invite>,
    #[serde(default)]
    devices: BTreeMap<String, Device>,
    /// Networks claimed with an operator's link, and by whom.
    #[serde(default)]
    networks: BTreeMap<String, Claimed>,
}

/// Why a credential does not work, in words the app recognises (see `refusal` in core).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("this invite was already used")]
    InviteUsed,
    #[error("this invite has expired")]
    InviteExpired,
    #[error("this link is not a valid invite")]
    InviteUnknown,
    #[error("this network was already claimed")]
    AlreadyClaimed,
    #[error("this device was removed from the network")]
    Revoked,
    #[error("this device is not registered on this server")]
    UnknownDevice,
    #[error("not allowed: {0}")]
    NotAllowed(String),
    #[error("this device already registered another signing key")]
    KeyTaken,
    #[error("this device token cannot be used")]
    BadToken,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("{0}")]
    Refused(#[from] Refused),
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, std::io::Error),
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, String),
    #[error("no randomness available: {0}")]
    Random(String),
}

pub struct Accounts {
    path: PathBuf,
    state: Mutex<(State, HashMap<String, String>)>,
}

fn hash(secret: &str) -> String {
    Sha256::digest(secret.trim().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn secret() -> Result<String, AccountsError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AccountsError::Random(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn short_id() -> Result<String, AccountsError> {
    let mut bytes = [0u8; 9];
    getrandom::fill(&mut bytes).map_err(|e| AccountsError::Random(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn index(state: &State) -> HashMap<String, String> {
    state.devices.values().map(|d| (d.token_hash.clone(), d.id.clone())).collect()
}

impl Accounts {
    /// Opens `<data_dir>/accounts.json` (empty when there is none). A damaged file is an
    /// error, never an empty start: that would lock every member out.
    pub fn open(data_dir: &Path) -> Result<Accounts, AccountsError> {
        let path = data_dir.join(FILE);
        let state: State = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| AccountsError::Read(path.clone(), e.to_string()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(AccountsError::Read(path, e.to_string())),
        };
        let idx = index(&state);
        Ok(Accounts { path, state: Mutex::new((state, idx)) })
    }

    fn save(&self, state: &State) -> Result<(), AccountsError> {
        use std::io::Write;
        let err = |e| AccountsError::Write(self.path.clone(), e);
        let tmp = self.path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(state).expect("accounts serialise");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp).map_err(err)?;
        f.write_all(&bytes).map_err(err)?;
        f.sync_all().map_err(err)?;
        std::fs::rename(&tmp, &self.path).map_err(err)
    }

    /// Runs `f` on the state and writes it; nothing changes when `f` or the write fails.
    fn update<T>(
        &self,
        f: impl FnOnce(&mut State) -> Result<T, AccountsError>,
    ) -> Result<T, AccountsError> {
        let mut guard = self.state.lock().expect("accounts");
        let (state, idx) = &mut *guard;
        let before = serde_json::to_vec(state).expect("accounts serialise");
        let result = f(state).and_then(|t| self.save(state).map(|()| t));
        if result.is_err() {
            *state = serde_json::from_slice(&before).expect("what we wrote reads back");
        }
        *idx = index(state);
        result
    }

    /// A new one-time claim link code for the operator.
    pub fn new_claim(&self, now: u64) -> Result<String, AccountsError> {
        let code = secret()?;
        self.update(|s| {
            // A used link is kept until it would have expired, as an invite is
            // ([`Accounts::claim`]).
            s.claims.retain(|_, c| c.expires > now);
            s.claims.insert(
                hash(&code),
                Claim { expires: now + CLAIM_LIFETIME_SECS, used: None, registered: None },
            );
            Ok(())
        })?;
        Ok(code)
    }

    /// Whether `network` was claimed.
    pub fn is_claimed(&self, network: &str) -> bool {
        self.state.lock().expect("accounts").0.networks.contains_key(network)
    }

    /// When `network` was claimed (seconds since the epoch): changes before it were made
    /// before members had accounts, so their authors were not checked.
    pub fn claimed_at(&self, network: &str) -> Option<u64> {
        self.state.lock().expect("accounts").0.networks.get(network).map(|c| c.at)
    }

    /// Uses the claim `code` to make this device `member` (a facilitator: the caller checked)
    /// of `network`. Returns the device's token and grant.
    ///
    /// `token`, as in [`Accounts::redeem`]: asked again with the token it was used with, a used
    /// link answers the same registration, so a facilitator whose answer was lost on the way
    /// is not left with a network claimed by a device nobody has.
    pub fn claim(
        &self,
        code: &str,
        network: &str,
        member: &str,
        device_name: &str,
        token: Option<&str>,
        now: u64,
    ) -> Result<(String, Grant), AccountsError> {
        let token = chosen_token(token)?;
        let id = short_id()?;
        let given = hash(&token);
        self.update(|s| {
            let claim = s.claims.get(&hash(code)).ok_or(Refused::InviteUnknown)?;
            if claim.used.is_some() {
                return match registered_again(s, claim.registered.as_deref(), &given) {
                    Some(g) if g.network == network => Ok(g),
                    _ => Err(Refused::InviteUsed.into()),
                };
            }
            unspent(claim.used, claim.expires, now)?;
            if s.networks.contains_key(network) {
                return Err(Refused::AlreadyClaimed.into());
            }
            taken(s, &given)?;
            let claim = s.claims.get_mut(&hash(code)).ok_or(Refused::InviteUnknown)?;
            claim.used = Some(now);
            claim.registered = Some(id.clone());
            s.networks.insert(network.into(), Claimed { at: now, member: member.into() });
            s.devices.insert(id.clone(), device(&id, network, member, device_name, &token, now));
            Ok(Grant { device: id.clone(), network: network.into(), member: member.into() })
        })
        .map(|g| (token, g))
    }

    /// A personal invite for `member` of `network`, made by `by` (the caller checked that
    /// `by` may invite her).
    pub fn invite(
        &self,
        by: &Grant,
        member: &str,
        now: u64,
    ) -> Result<(String, u64), AccountsError> {
        let code = secret()?;
        let expires = now + INVITE_LIFETIME_SECS;
        self.update(|s| {
            // A used invite is kept until it would have expired: its device may ask again for
            // a registration whose answer it lost ([`Accounts::redeem`]).
            s.invites.retain(|_, i| i.expires > now);
            s.invites.insert(
                hash(&code),
                Invite {
                    network: by.network.clone(),
                    member: member.into(),
                    expires,
                    used: None,
                    by: by.device.clone(),
                    registered: None,
                },
            );
            Ok(())
        })?;
        Ok((code, expires))
    }

    /// Uses an invite: registers a new device for its member.
    ///
    /// `token`, when the device sends one, is the token it will be registered with (made in
    /// the browser and kept there before it asked). Asked again with that same token, a used
    /// invite answers the same registration again: a phone whose answer was lost on the way
    /// (the signal dropped after the server registered it) gets it on its next try, instead of
    /// an invite that says it was used by nobody she knows. Without one, the server makes it.
    pub fn redeem(
        &self,
        code: &str,
        device_name: &str,
        token: Option<&str>,
        now: u64,
    ) -> Result<(String, Grant), AccountsError> {
        let token = chosen_token(token)?;
        let id = short_id()?;
        let given = hash(&token);
        self.update(|s| {
            let invite = s.invites.get(&hash(code)).ok_or(Refused::InviteUnknown)?;
            if invite.used.is_some() {
                return registered_again(s, invite.registered.as_deref(), &given)
                    .ok_or(Refused::InviteUsed.into());
            }
            unspent(invite.used, invite.expires, now)?;
            taken(s, &given)?;
            let invite = s.invites.get_mut(&hash(code)).ok_or(Refused::InviteUnknown)?;
            invite.used = Some(now);
            invite.registered = Some(id.clone());
            let (network, member) = (invite.network.clone(), invite.member.clone());
            s.devices.insert(id.clone(), device(&id, &network, &member, device_name, &token, now));
            Ok(Grant { device: id.clone(), network, member })
        })
        .map(|g| (token, g))
    }

    /// The device a token belongs to: its grant, or why it does not work.
    pub fn authenticate(&self, token: &str, now: u64) -> Result<Grant, Refused> {
        let mut guard = self.state.lock().expect("accounts");
        let (state, idx) = &mut *guard;
        let id = idx.get(&hash(token)).ok_or(Refused::UnknownDevice)?.clone();
        let d = state.devices.get_mut(&id).ok_or(Refused::UnknownDevice)?;
        if d.revoked.is_some() {
            return Err(Refused::Revoked);
        }
        let grant =
            Grant { device: d.id.clone(), network: d.network.clone(), member: d.member.clone() };
        if now >= d.last_seen + SEEN_EVERY_SECS {
            d.last_seen = now;
            let state = &*state;
            if let Err(e) = self.save(state) {
                tracing::warn!(error = %e, "cannot note when a device was last seen");
            }
        }
        Ok(grant)
    }

    /// Every device of `network` (a facilitator's view), or of one member.
    pub fn devices(&self, network: &str, member: Option<&str>) -> Vec<Device> {
        let guard = self.state.lock().expect("accounts");
        guard
            .0
            .devices
            .values()
            .filter(|d| d.network == network && member.is_none_or(|m| d.member == m))
            .cloned()
            .collect()
    }

    pub fn device(&self, id: &str) -> Option<Device> {
        self.state.lock().expect("accounts").0.devices.get(id).cloned()
    }

    /// Registers the public signing key of device `id` (the caller checked it is a key). A
    /// device has one key for its life: a different second key is refused (a device that lost
    /// its key is registered again with a new invite).
    pub fn set_key(&self, id: &str, key: &[u8]) -> Result<(), AccountsError> {
        let key = hex::encode(key);
        self.update(|s| {
            let d = s.devices.get_mut(id).ok_or(Refused::UnknownDevice)?;
            match &d.key {
                Some(k) if *k != key => Err(Refused::KeyTaken.into()),
                _ => {
                    d.key = Some(key);
                    Ok(())
                }
            }
        })
    }

    /// Removes a device: its token stops working (the caller closes its connections).
    pub fn revoke(&self, id: &str, now: u64) -> Result<(), AccountsError> {
        self.update(|s| {
            let d = s.devices.get_mut(id).ok_or(Refused::UnknownDevice)?;
            d.revoked.get_or_insert(now);
            Ok(())
        })
    }
}

/// The token a new registration gets: the one the device made and sent, if it is well formed,
/// else (none sent) one the server makes.
fn chosen_token(token: Option<&str>) -> Result<String, AccountsError> {
    match token {
        Some(t) if well_formed_token(t) => Ok(t.to_owned()),
        Some(_) => Err(Refused::BadToken.into()),
        None => secret(),
    }
}

/// A token another device has is refused: it could only be chosen knowing it.
fn taken(s: &State, token_hash: &str) -> Result<(), Refused> {
    if s.devices.values().any(|d| d.token_hash == token_hash) {
        return Err(Refused::BadToken);
    }
    Ok(())
}

/// The grant of the device a used link registered, asked again by that device (the same
/// token) and not removed since.
fn registered_again(s: &State, registered: Option<&str>, token_hash: &str) -> Option<Grant> {
    let d = s.devices.get(registered?)?;
    (d.token_hash == token_hash && d.revoked.is_none()).then(|| Grant {
        device: d.id.clone(),
        network: d.network.clone(),
        member: d.member.clone(),
    })
}

/// A device token a browser made: 43 to 128 URL-safe characters (base64url or hex; the
/// server's own, 32 random bytes in base64url, are 43).
fn well_formed_token(t: &str) -> bool {
    (43..=128).contains(&t.len())
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether a one-time code (a claim link or an invite) may still be used at `now`.
fn unspent(used: Option<u64>, expires: u64, now: u64) -> Result<(), Refused> {
    if used.is_some() {
        return Err(Refused::InviteUsed);
    }
    if expires <= now {
        return Err(Refused::InviteExpired);
    }
    Ok(())
}

fn device(id: &str, network: &str, member: &str, name: &str, token: &str, now: u64) -> Device {
    let name: String = name.chars().filter(|c| !c.is_control()).take(80).collect();
    Device {
        id: id.into(),
        network: network.into(),
        member: member.into(),
        name,
        created: now,
        last_seen: now,
        revoked: None,
        token_hash: hash(token),
        key: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_and_an_invite_work_once_and_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let a = Accounts::open(dir.path()).unwrap();
        let code = a.new_claim(100).unwrap();
        let (token, f) = a.claim(&code, "net", "f1", "Chrome", None, 101).unwrap();
        assert!(matches!(
            a.claim(&code, "net2", "f1", "x", None, 102),
            Err(AccountsError::Refused(Refused::InviteUsed))
        ));
        assert_eq!(a.authenticate(&token, 103).unwrap(), f);
        let (invite, expires) = a.invite(&f, "p1", 110).unwrap();
        assert_eq!(expires, 110 + INVITE_LIFETIME_SECS);
        let (ptoken, p) = a.redeem(&invite, "Android", None, 120).unwrap();
        assert_eq!((p.network.as_str(), p.member.as_str()), ("net", "p1"));
        assert!(matches!(
            a.redeem(&invite, "other", None, 121),
            Err(AccountsError::Refused(Refused::InviteUsed))
        ));
        drop(a);
        let a = Accounts::open(dir.path()).unwrap();
        assert_eq!(a.authenticate(&ptoken, 130).unwrap(), p);
        a.revoke(&p.device, 140).unwrap();
        assert_eq!(a.authenticate(&ptoken, 141), Err(Refused::Revoked));
        assert_eq!(a.authenticate("forged", 141), Err(Refused::UnknownDevice));
        assert_eq!(a.devices("net", None).len(), 2);
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(!text.contains(&ptoken) && !text.contains(&invite), "only hashes are kept");
    }

    /// Accounts in a directory of their own, network "net" claimed by facilitator "f1".
    fn claimed() -> (tempfile::TempDir, Accounts, Grant) {
        let dir = tempfile::tempdir().unwrap();
        let a = Accounts::open(dir.path()).unwrap();
        let code = a.new_claim(0).unwrap();
        let (_, f) = a.claim(&code, "net", "f1", "x", None, 1).unwrap();
        (dir, a, f)
    }

    #[test]
    fn an_invite_asked_again_with_its_token_answers_the_same_registration() {
        let (_dir, a, f) = claimed();
        let (invite, _) = a.invite(&f, "p1", 10).unwrap();
        let mine = "a".repeat(64);
        let (token, p) = a.redeem(&invite, "Android", Some(&mine), 20).unwrap();
        assert_eq!(token, mine);
        // Her answer was lost; her phone asks again with the same token, after another invite
        // was made (which once dropped every used invite).
        a.invite(&f, "p2", 25).unwrap();
        assert_eq!(
            a.redeem(&invite, "Android", Some(&mine), 30).unwrap(),
            (mine.clone(), p.clone())
        );
        assert_eq!(a.devices("net", Some("p1")).len(), 1, "one phone, registered once");
        assert_eq!(a.authenticate(&mine, 31).unwrap(), p);
        // Anyone else with the link: used.
        for other in [Some("b".repeat(64)), None] {
            assert!(matches!(
                a.redeem(&invite, "other", other.as_deref(), 32),
                Err(AccountsError::Refused(Refused::InviteUsed))
            ));
        }
        // Removed since: the invite does not bring the phone back.
        a.revoke(&p.device, 40).unwrap();
        assert!(matches!(
            a.redeem(&invite, "Android", Some(&mine), 41),
            Err(AccountsError::Refused(Refused::InviteUsed))
        ));
        // A token too short to be random, or another device's, is refused and uses nothing.
        let (second, _) = a.invite(&f, "p3", 50).unwrap();
        for bad in ["short", "no spaces allowed in a token of forty-three chars", mine.as_str()] {
            assert!(matches!(
                a.redeem(&second, "x", Some(bad), 51),
                Err(AccountsError::Refused(Refused::BadToken))
            ));
        }
        assert!(a.redeem(&second, "x", Some(&"c".repeat(43)), 52).is_ok(), "still unused");
    }

    #[test]
    fn a_claim_link_asked_again_with_its_token_answers_the_same_registration() {
        let dir = tempfile::tempdir().unwrap();
        let a = Accounts::open(dir.path()).unwrap();
        let code = a.new_claim(0).unwrap();
        let mine = "e".repeat(64);
        let (token, f) = a.claim(&code, "net", "f1", "Chrome", Some(&mine), 1).unwrap();
        assert_eq!(token, mine);
        // Her answer was lost; she asks again after the operator made another link (which once
        // dropped every used one).
        let second = a.new_claim(5).unwrap();
        assert_eq!(
            a.claim(&code, "net", "f1", "Chrome", Some(&mine), 10).unwrap(),
            (mine.clone(), f.clone())
        );
        assert_eq!(a.devices("net", None).len(), 1, "one device, registered once");
        assert_eq!(a.claimed_at("net"), Some(1), "claimed when it was first used");
        // Anyone else with the link, or her token for another network: used.
        for (network, other) in
            [("net", Some("b".repeat(64))), ("net", None), ("net2", Some(mine.clone()))]
        {
            assert!(matches!(
                a.claim(&code, network, "f1", "x", other.as_deref(), 11),
                Err(AccountsError::Refused(Refused::InviteUsed))
            ));
        }
        // A token that is malformed or another device's is refused and uses nothing.
        for bad in ["short", mine.as_str()] {
            assert!(matches!(
                a.claim(&second, "net2", "f1", "x", Some(bad), 12),
                Err(AccountsError::Refused(Refused::BadToken))
            ));
        }
        assert!(!a.is_claimed("net2"));
        // Removed since: the link does not bring the device back.
        a.revoke(&f.device, 20).unwrap();
        assert!(matches!(
            a.claim(&code, "net", "f1", "Chrome", Some(&mine), 21),
            Err(AccountsError::Refused(Refused::InviteUsed))
        ));
        // Kept across a restart (the file of an older server has no `registered`: it reads).
        drop(a);
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(text.contains("registered") && !text.contains(&mine), "only hashes are kept");
        Accounts::open(dir.path()).unwrap();
        std::fs::write(dir.path().join(FILE), text.replace("\"registered\"", "\"unknown_field\""))
            .unwrap();
        Accounts::open(dir.path()).unwrap();
    }

    #[test]
    fn an_expired_invite_does_nothing_and_a_damaged_file_is_an_error() {
        let (dir, a, f) = claimed();
        let (invite, _) = a.invite(&f, "p1", 10).unwrap();
        assert!(matches!(
            a.redeem(&invite, "x", None, 10 + INVITE_LIFETIME_SECS),
            Err(AccountsError::Refused(Refused::InviteExpired))
        ));
        assert_eq!(a.devices("net", None).len(), 1, "nothing was registered");
        std::fs::write(dir.path().join(FILE), b"{not json").unwrap();
        assert!(matches!(Accounts::open(dir.path()), Err(AccountsError::Read(..))));
    }
}
