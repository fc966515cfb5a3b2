//! Turning what a text box reports into splices, and keeping a caret in place when someone
//! else's edit arrives. Positions here are Unicode code points (Automerge's unit in this
//! crate); browsers count UTF-16 units, so the conversions live here too, tested natively.

/// The single splice `(at, delete, insert)` that turns `old` into `new`: the common prefix and
/// suffix are kept. `None` when they are equal. A text box's input event changes one range, so
/// this is exact for typing, deleting, pasting and replacing a selection.
pub fn edit_between(old: &str, new: &str) -> Option<(usize, usize, String)> {
    if old == new {
        return None;
    }
    let a: Vec<char> = old.chars().collect();
    let b: Vec<char> = new.chars().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let suffix =
        a.iter().rev().zip(b.iter().rev()).take(max_suffix).take_while(|(x, y)| x == y).count();
    let insert: String = b[prefix..b.len() - suffix].iter().collect();
    Some((prefix, a.len() - prefix - suffix, insert))
}

/// A keystroke as a text box saw it: `delete` code points at `at` replaced by `insert`, the
/// positions counted in `base`, the text the box showed (the document may have merged a
/// co-author's typing since: [`rebase_edit`] moves it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub base: String,
    pub at: usize,
    pub delete: usize,
    pub insert: String,
}

/// Where an edit made on `base` (`delete` code points at `at`) belongs in `now`: the same text
/// after edits merged meanwhile (a co-author typing at once). Each end stays right after the
/// character it followed, as typing continues a word (two people typing at the same point
/// each keep on their own words); at the start, or after a character someone else removed, it
/// stays before the character that came next. `(at, delete)` in `now`.
pub fn rebase_edit(base: &str, now: &str, at: usize, delete: usize) -> (usize, usize) {
    if base == now {
        return (at, delete);
    }
    let a: Vec<char> = base.chars().collect();
    let b: Vec<char> = now.chars().collect();
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &a, &b);
    // Where character `i` of `base` is in `now` (None: someone removed it), and where the
    // text that followed it is.
    let kept = |i: usize| {
        ops.iter().map(|op| op.as_tag_tuple()).find(|(_, old, _)| old.contains(&i)).map(
            |(tag, old, new)| match tag {
                similar::DiffTag::Equal => Ok(new.start + (i - old.start)),
                _ => Err(new.start),
            },
        )
    };
    let map = |p: usize| {
        if p > 0
            && let Some(Ok(left)) = kept(p - 1)
        {
            return left + 1;
        }
        match kept(p) {
            Some(Ok(i) | Err(i)) => i,
            None => b.len(),
        }
    };
    let start = map(at);
    let end = map(at + delete).max(start);
    (start, end - start)
}

/// Where a caret at `caret` (code points) in `old` belongs in `new` after a remote edit: a
/// change before it shifts it, a change after it leaves it, and inside a replaced range it goes
/// to the end of what replaced it.
pub fn rebase_caret(old: &str, new: &str, caret: usize) -> usize {
    match edit_between(old, new) {
        None => caret,
        Some((at, delete, insert)) => {
            let inserted = insert.chars().count();
            if caret <= at {
                caret
            } else if caret >= at + delete {
                caret - delete + inserted
            } else {
                at + inserted
            }
        }
    }
}

/// The code-point position of UTF-16 offset `units` in `s` (what `selectionStart` reports).
pub fn utf16_to_chars(s: &str, units: usize) -> usize {
    let mut seen = 0;
    for (i, c) in s.chars().enumerate() {
        if seen >= units {
            return i;
        }
        seen += c.len_utf16();
    }
    s.chars().count()
}

/// The UTF-16 offset of code-point position `chars` in `s` (for `setSelectionRange`).
pub fn chars_to_utf16(s: &str, chars: usize) -> usize {
    s.chars().take(chars).map(char::len_utf16).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn typing_deleting_and_replacing_are_one_splice() {
        assert_eq!(edit_between("hola", "hola"), None);
        assert_eq!(edit_between("hola", "holas"), Some((4, 0, "s".into())));
        assert_eq!(edit_between("hola", "hla"), Some((1, 1, String::new())));
        assert_eq!(edit_between("el niño", "el niña"), Some((6, 1, "a".into())));
        assert_eq!(edit_between("aaa", "aaaa"), Some((3, 0, "a".into())));
        assert_eq!(edit_between("ñandú", "🙂ñandú"), Some((0, 0, "🙂".into())));
    }

    #[test]
    fn a_remote_edit_moves_the_caret_only_when_it_is_before_it() {
        // She is typing after "Ingreso" when someone adds a word at the start.
        assert_eq!(rebase_caret("Ingreso a las 8", "Nuevo: Ingreso a las 8", 7), 14);
        // Someone appends at the end: the caret stays.
        assert_eq!(rebase_caret("Ingreso a las 8", "Ingreso a las 8:30", 7), 7);
        // The word around the caret is replaced: the caret goes after the replacement.
        assert_eq!(rebase_caret("uno dos tres", "uno DOS tres", 5), 7);
    }

    #[test]
    fn an_edit_lands_where_it_was_typed_though_a_co_author_typed_before_it_meanwhile() {
        // María typed "s" at the end of what her box showed; Alejandra's words arrived first.
        let base = "Lavado de manos";
        let now = "Ventilación. Lavado de manos";
        assert_eq!(rebase_edit(base, now, 15, 0), (28, 0));
        // Someone typed after her: nothing moves.
        assert_eq!(rebase_edit(base, "Lavado de manos. Fin", 7, 2), (7, 2));
        // Words arrived before and after hers at once: each end moves with the text around it.
        assert_eq!(rebase_edit("uno dos tres", "0 uno dos tres 4", 4, 3), (6, 3));
        // What she was replacing was partly deleted by someone else: only what is left goes.
        assert_eq!(rebase_edit("uno dos tres", "uno tres", 2, 4), (2, 2));
        // Both typing at one point: hers goes on after her own last letter, before the other's.
        assert_eq!(rebase_edit("de c", "de cVentilación", 4, 0), (4, 0));
        assert_eq!(rebase_edit("ab", "aXb", 1, 0), (1, 0));
    }

    #[test]
    fn utf16_offsets_and_code_points_convert_both_ways() {
        let s = "a🙂ñ b";
        assert_eq!(utf16_to_chars(s, 0), 0);
        assert_eq!(utf16_to_chars(s, 3), 2); // after the emoji (two UTF-16 units)
        assert_eq!(chars_to_utf16(s, 2), 3);
        assert_eq!(utf16_to_chars(s, 100), 5);
    }

    proptest! {
        #[test]
        fn the_splice_rebuilds_the_new_text(old in "[ab🙂ñ ]{0,12}", new in "[ab🙂ñ ]{0,12}") {
            let mut chars: Vec<char> = old.chars().collect();
            if let Some((at, delete, insert)) = edit_between(&old, &new) {
                chars.splice(at..at + delete, insert.chars());
            }
            prop_assert_eq!(chars.into_iter().collect::<String>(), new);
        }

        /// Her letter and a co-author's words typed at once at two places: her letter stays
        /// between the same two characters she typed it between.
        #[test]
        fn a_rebased_letter_keeps_its_neighbours(
            base in "[ab🙂ñ ]{0,12}", p in 0usize..13, q in 0usize..13, theirs in "[XY]{1,4}",
        ) {
            let chars: Vec<char> = base.chars().collect();
            let (p, q) = (p.min(chars.len()), q.min(chars.len()));
            prop_assume!(p != q);
            let mut now = chars.clone();
            now.splice(q..q, theirs.chars());
            let now: String = now.into_iter().collect();
            let (at, delete) = rebase_edit(&base, &now, p, 0);
            prop_assert_eq!(delete, 0);
            let mut merged: Vec<char> = now.chars().collect();
            merged.insert(at, 'Z');
            let mine: String = merged.iter().filter(|c| !"XY".contains(**c)).collect();
            let mut expected = chars.clone();
            expected.insert(p, 'Z');
            prop_assert_eq!(mine, expected.into_iter().collect::<String>());
            let theirs_kept: String = merged.iter().filter(|c| **c != 'Z').collect();
            prop_assert_eq!(theirs_kept, now);
        }

        #[test]
        fn conversions_round_trip(s in "[a🙂ñ]{0,10}", k in 0usize..12) {
            let k = k.min(s.chars().count());
            prop_assert_eq!(utf16_to_chars(&s, chars_to_utf16(&s, k)), k);
        }
    }
}
