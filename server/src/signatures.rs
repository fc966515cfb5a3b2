//! The server's side of signed changes: its certifying key (ECDSA P-256, RustCrypto), the
//! certificates it gives registered devices for their public keys, and the checks the sync
//! engine runs on signed heads ([`juntas_core::signing`]) before it keeps a change.
//!
//! The key lives in `<data>/device-ca.key` (hex, owner-only); losing it makes every device's
//! certificate unverifiable, so it is backed up with the data directory. A removed device's
//! heads stop vouching for anything here at once (its earlier changes are already kept).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use juntas_core::signing::{self, Bad, Head, Signature};
use p256::ecdsa::{
    Signature as EcSig, SigningKey, VerifyingKey,
    signature::{Signer, Verifier},
};

use crate::accounts::Accounts;

pub const KEY_FILE: &str = "device-ca.key";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or write the certifying key {0}: {1}")]
    File(PathBuf, std::io::Error),
    #[error("the certifying key {0} is damaged (expected 64 hex digits)")]
    Damaged(PathBuf),
    #[error("no randomness for a new certifying key: {0}")]
    Random(String),
}

/// The certifying key and what the engine needs to judge signatures.
pub struct Signatures {
    key: SigningKey,
    accounts: Arc<Accounts>,
}

/// ECDSA P-256/SHA-256 check of `sig` (r‖s) over `message` by `key` (SEC1).
pub fn check(key: &[u8], message: &[u8], sig: &[u8]) -> bool {
    let (Ok(k), Ok(s)) = (VerifyingKey::from_sec1_bytes(key), EcSig::from_slice(sig)) else {
        return false;
    };
    k.verify(message, &s).is_ok()
}

impl Signatures {
    /// Reads `<data_dir>/device-ca.key`, or makes and writes a new one.
    pub fn load_or_create(data_dir: &Path, accounts: Arc<Accounts>) -> Result<Self, KeyError> {
        let path = data_dir.join(KEY_FILE);
        let key = match std::fs::read_to_string(&path) {
            Ok(text) => hex::decode(text.trim())
                .ok()
                .and_then(|b| SigningKey::from_slice(&b).ok())
                .ok_or_else(|| KeyError::Damaged(path.clone()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = loop {
                    let mut bytes = [0u8; 32];
                    getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
                    if let Ok(k) = SigningKey::from_slice(&bytes) {
                        break k;
                    }
                };
                crate::auth::write_private(&path, &hex::encode(key.to_bytes()))
                    .map_err(|e| KeyError::File(path.clone(), e))?;
                tracing::info!(file = %path.display(), "generated the device certifying key");
                key
            }
            Err(e) => return Err(KeyError::File(path, e)),
        };
        Ok(Signatures { key, accounts })
    }

    /// The public key devices check certificates with (uncompressed SEC1, 65 bytes).
    pub fn public(&self) -> Vec<u8> {
        self.key.verifying_key().to_encoded_point(false).as_bytes().to_vec()
    }

    /// A certificate for `key` as device `device` of `member` in `network`; None when `key` is
    /// not a P-256 public key.
    pub fn certify(
        &self,
        network: &str,
        member: &str,
        device: &str,
        key: &[u8],
    ) -> Option<Vec<u8>> {
        VerifyingKey::from_sec1_bytes(key).ok()?;
        let sig: EcSig = self.key.sign(&signing::cert_message(network, member, device, key));
        Some(sig.to_bytes().to_vec())
    }

    /// Whether device `id` was removed.
    pub fn is_revoked(&self, id: &str) -> bool {
        self.accounts.device(id).is_some_and(|d| d.revoked.is_some())
    }

    /// What `head` vouches for in `doc` of `network`: its checks, and its device not removed
    /// and registered with that key.
    pub fn verify(
        &self,
        doc: &mut juntas_core::automerge::AutoCommit,
        head: &Head,
        network: &str,
    ) -> Signature {
        let sig = signing::verify(doc, head, network, &self.public(), &mut check);
        if let Signature::Valid { device, .. } = &sig {
            match self.accounts.device(device) {
                Some(d) if d.revoked.is_none() && d.key_matches(&head.device.key) => {}
                Some(d) if d.revoked.is_some() => return Signature::Invalid(Bad::Revoked),
                _ => return Signature::Invalid(Bad::Certificate),
            }
        }
        sig
    }
}
