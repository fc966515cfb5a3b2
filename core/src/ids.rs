//! Document ids: 16 bytes, written as automerge-repo writes them (bs58check), so a document
//! created here can be found by any automerge-repo peer and vice versa.

use std::{fmt, str::FromStr};

/// The id of one Automerge document, as automerge-repo defines it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

/// Why a string is not a document id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadDocumentId {
    #[error("not a document id: {0}")]
    Encoding(String),
    #[error("a document id has 16 bytes, this one has {0}")]
    Length(usize),
}

impl DocumentId {
    /// Wraps 16 bytes the caller drew (core draws no randomness).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The id of a document every device must agree on without talking (the plan of a year,
    /// a centre's plan): the first 16 bytes of SHA-256 over `parts`, each length-prefixed.
    /// Two devices creating "the 2026 plan" offline thus create the same document.
    pub fn derived(parts: &[&str]) -> Self {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"juntas/derived-id/1");
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p.as_bytes());
        }
        let digest = h.finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The `automerge:` URL automerge-repo peers use for this document.
    pub fn url(&self) -> String {
        format!("automerge:{self}")
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(&self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = BadDocumentId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.strip_prefix("automerge:").unwrap_or(s);
        let bytes = bs58::decode(s)
            .with_check(None)
            .into_vec()
            .map_err(|e| BadDocumentId::Encoding(e.to_string()))?;
        let arr: [u8; 16] =
            bytes.as_slice().try_into().map_err(|_| BadDocumentId::Length(bytes.len()))?;
        Ok(Self(arr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_text_form_and_url() {
        let id = DocumentId::from_bytes([7; 16]);
        assert_eq!(id.to_string().parse::<DocumentId>(), Ok(id));
        assert_eq!(id.url().parse::<DocumentId>(), Ok(id));
    }

    #[test]
    fn reads_an_id_made_by_js_automerge_repo() {
        // An id printed by @automerge/automerge-repo 2.5 (`repo.create().documentId`).
        let id: DocumentId = "2tb62c1N273fZFQsiqCHHLegvVuv".parse().expect("valid id");
        assert_eq!(id.to_string(), "2tb62c1N273fZFQsiqCHHLegvVuv");
    }

    #[test]
    fn rejects_a_mistyped_id() {
        assert!(matches!(
            "2tb62c1N273fZFQsiqCHHLegvVuw".parse::<DocumentId>(),
            Err(BadDocumentId::Encoding(_))
        ));
        assert!(matches!("not an id!".parse::<DocumentId>(), Err(BadDocumentId::Encoding(_))));
    }
}
