//! A moment recorded with the document's heads (a vote opened or closed, an exit ticket
//! closed), stored as one value `<ms>|<member>|<hash>,<hash>…` so two people marking it at once
//! leave one whole mark, never a mix; what counted at that moment is read back at its heads.

use std::str::FromStr;

use automerge::ChangeHash;

/// A moment of a document's life: when, by whom, and the document's heads then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub at: i64,
    pub by: String,
    pub heads: Vec<ChangeHash>,
}

impl Mark {
    pub(crate) fn encode(&self) -> String {
        let heads: Vec<String> = self.heads.iter().map(ToString::to_string).collect();
        format!("{}|{}|{}", self.at, self.by, heads.join(","))
    }

    pub(crate) fn decode(s: &str) -> Option<Mark> {
        let mut parts = s.splitn(3, '|');
        let at = parts.next()?.parse().ok()?;
        let by = parts.next()?.to_owned();
        let heads = parts
            .next()?
            .split(',')
            .filter(|h| !h.is_empty())
            .map(|h| ChangeHash::from_str(h).ok())
            .collect::<Option<Vec<_>>>()?;
        Some(Mark { at, by, heads })
    }
}
