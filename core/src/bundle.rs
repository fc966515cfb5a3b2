//! Bundle files: one network's documents in a single file to pass around by WhatsApp, email
//! or USB stick when there is no server, and their strict reading.
//!
//! Layout (all integers big-endian):
//!
//! ```text
//! "JUNTAS-B"            8 bytes, magic
//! version               1 byte (= 1)
//! network id            16 bytes (the network document's id)
//! created at            8 bytes, i64 ms since the Unix epoch
//! document count        2 bytes
//! per document:         16-byte id, 4-byte length, that many bytes of `Automerge::save`
//! checksum              32 bytes, SHA-256 of everything before it
//! ```
//!
//! Reading is all or nothing: a file that is too large, not a bundle, of another version,
//! truncated, damaged (checksum), of another network, without the network document, or with a
//! document Automerge cannot load is rejected whole with a [`BundleError`] and nothing of it is
//! used. Importing a good bundle is the same merge as sync: every change is kept.

use automerge::AutoCommit;
use sha2::{Digest, Sha256};

use crate::ids::DocumentId;
use crate::model::network;

pub const MAGIC: &[u8; 8] = b"JUNTAS-B";
pub const VERSION: u8 = 1;
/// The largest bundle accepted (and written). A network's documents with years of history
/// stay far below it; anything bigger is not something this app wrote.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;
/// The file extension bundles are saved with.
pub const EXTENSION: &str = "juntas";

const HEADER: usize = 8 + 1 + 16 + 8 + 2;
const CHECKSUM: usize = 32;

/// Why a bundle was rejected. The messages are shown to the person as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("the file is too large ({size} bytes; a Juntas file has at most {max})")]
    TooLarge { size: usize, max: usize },
    #[error("this is not a Juntas file")]
    NotABundle,
    #[error("this file was made by a newer version of Juntas (format {0}); update the app")]
    Version(u8),
    #[error("the file is incomplete (it was cut off while being sent or copied)")]
    Truncated,
    #[error("the file is damaged (its checksum does not match)")]
    Damaged,
    #[error("this file belongs to another network ({found}), not to this one ({expected})")]
    ForeignNetwork { found: DocumentId, expected: DocumentId },
    #[error("the file does not contain its network's document")]
    MissingNetwork,
    #[error("document {id} in the file cannot be read: {reason}")]
    BadDocument { id: DocumentId, reason: String },
}

/// A decoded, verified bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub network: DocumentId,
    pub created_at: i64,
    /// Every document, loaded (so an import cannot fail half-way on bad bytes).
    pub documents: Vec<(DocumentId, AutoCommit)>,
}

/// Writes a bundle of `documents` (each `(id, Automerge::save bytes)`); the network's own
/// document must be among them.
pub fn encode(
    network: DocumentId,
    created_at: i64,
    documents: &[(DocumentId, Vec<u8>)],
) -> Result<Vec<u8>, BundleError> {
    if !documents.iter().any(|(id, _)| *id == network) {
        return Err(BundleError::MissingNetwork);
    }
    let size =
        HEADER + documents.iter().map(|(_, bytes)| 16 + 4 + bytes.len()).sum::<usize>() + CHECKSUM;
    if size > MAX_BYTES || documents.len() > usize::from(u16::MAX) {
        return Err(BundleError::TooLarge { size, max: MAX_BYTES });
    }
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(network.as_bytes());
    out.extend_from_slice(&created_at.to_be_bytes());
    out.extend_from_slice(&(documents.len() as u16).to_be_bytes());
    for (id, bytes) in documents {
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(bytes);
    }
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    Ok(out)
}

/// Reads and verifies a bundle. With `expected`, a bundle of any other network is rejected.
pub fn decode(bytes: &[u8], expected: Option<DocumentId>) -> Result<Bundle, BundleError> {
    if bytes.len() > MAX_BYTES {
        return Err(BundleError::TooLarge { size: bytes.len(), max: MAX_BYTES });
    }
    let mut r = Reader { bytes, at: 0 };
    match r.take(MAGIC.len()) {
        Some(m) if m == MAGIC => {}
        Some(_) => return Err(BundleError::NotABundle),
        // A prefix of the magic is a cut-off bundle; anything else is not one.
        None if MAGIC.starts_with(bytes) && !bytes.is_empty() => {
            return Err(BundleError::Truncated);
        }
        None => return Err(BundleError::NotABundle),
    }
    let version = r.take(1).ok_or(BundleError::Truncated)?[0];
    if version != VERSION {
        return Err(BundleError::Version(version));
    }
    let network = r.id()?;
    let created_at = i64::from_be_bytes(r.array()?);
    let count = u16::from_be_bytes(r.array()?);
    let mut raw = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let id = r.id()?;
        let len = u32::from_be_bytes(r.array()?) as usize;
        raw.push((id, r.take(len).ok_or(BundleError::Truncated)?));
    }
    let body = r.at;
    match bytes.len() - body {
        n if n < CHECKSUM => return Err(BundleError::Truncated),
        CHECKSUM => {}
        _ => return Err(BundleError::Damaged),
    }
    if Sha256::digest(&bytes[..body]).as_slice() != &bytes[body..] {
        return Err(BundleError::Damaged);
    }
    if let Some(expected) = expected
        && expected != network
    {
        return Err(BundleError::ForeignNetwork { found: network, expected });
    }
    if !raw.iter().any(|(id, _)| *id == network) {
        return Err(BundleError::MissingNetwork);
    }
    let documents: Vec<(DocumentId, AutoCommit)> = raw
        .into_iter()
        .map(|(id, data)| {
            AutoCommit::load(data)
                .map(|doc| (id, doc))
                .map_err(|e| BundleError::BadDocument { id, reason: e.to_string() })
        })
        .collect::<Result<_, _>>()?;
    let (_, net) = documents.iter().find(|(id, _)| *id == network).expect("checked above");
    network::read(net)
        .map_err(|e| BundleError::BadDocument { id: network, reason: e.to_string() })?;
    Ok(Bundle { network, created_at, documents })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], BundleError> {
        let slice = self.take(N).ok_or(BundleError::Truncated)?;
        Ok(slice.try_into().expect("take returned N bytes"))
    }

    fn id(&mut self) -> Result<DocumentId, BundleError> {
        Ok(DocumentId::from_bytes(self.array()?))
    }
}
