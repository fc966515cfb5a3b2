//! Readable differences between two versions of a text, word by word: what changed in the
//! common part since a centre adopted it, and what changed in a section between two
//! deliveries to the SLEP.

use similar::{ChangeTag, TextDiff};

/// A run of words that is in both versions, only in the new one, or only in the old one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Same(String),
    Added(String),
    Removed(String),
}

/// The word-level difference from `old` to `new`, adjacent runs of one kind joined.
pub fn words(old: &str, new: &str) -> Vec<Part> {
    // Most sections did not change: no need to cut them into words to say so (a long text's
    // diff is tens of milliseconds on a phone, and a centre's page asks for one per section).
    if old == new {
        return if old.is_empty() { Vec::new() } else { vec![Part::Same(old.into())] };
    }
    let diff = TextDiff::from_words(old, new);
    let mut parts: Vec<Part> = Vec::new();
    for change in diff.iter_all_changes() {
        let text = change.value();
        match (parts.last_mut(), change.tag()) {
            (Some(Part::Same(s)), ChangeTag::Equal)
            | (Some(Part::Added(s)), ChangeTag::Insert)
            | (Some(Part::Removed(s)), ChangeTag::Delete) => s.push_str(text),
            (_, ChangeTag::Equal) => parts.push(Part::Same(text.into())),
            (_, ChangeTag::Insert) => parts.push(Part::Added(text.into())),
            (_, ChangeTag::Delete) => parts.push(Part::Removed(text.into())),
        }
    }
    parts
}

/// Whether a difference changes anything.
pub fn is_change(parts: &[Part]) -> bool {
    parts.iter().any(|p| !matches!(p, Part::Same(_)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The shortcut for an unchanged text answers as the word diff does.
        #[test]
        fn an_unchanged_text_reads_as_the_word_diff_reads_it(text in "[a-zñ ,.\\n]{0,80}") {
            let diff = TextDiff::from_words(&text, &text);
            let whole: String = diff.iter_all_changes().map(|c| c.value()).collect();
            let expected = if whole.is_empty() { Vec::new() } else { vec![Part::Same(whole)] };
            prop_assert_eq!(words(&text, &text), expected);
            prop_assert!(!is_change(&words(&text, &text)));
        }
    }

    #[test]
    fn a_changed_word_reads_as_removed_then_added() {
        let parts = words(
            "Ingreso a las 8:30 por la puerta principal.",
            "Ingreso a las 8:15 por la puerta principal.",
        );
        assert_eq!(
            parts,
            vec![
                Part::Same("Ingreso a las ".into()),
                Part::Removed("8:30".into()),
                Part::Added("8:15".into()),
                Part::Same(" por la puerta principal.".into()),
            ]
        );
        assert!(is_change(&parts));
        assert!(!is_change(&words("igual", "igual")));
        assert_eq!(words("", "nuevo texto"), vec![Part::Added("nuevo texto".into())]);
    }
}
