//! One stable sort for every list the app orders, and maps built without one: std's stable
//! sort is compiled anew for every element type and comparison (~3.7 KB of wasm each, ~45 of
//! them once), so every sort here orders positions with the one instance in `positions` and
//! then moves the elements, and [`map_of`] / [`set_of`] insert instead of `collect`'s
//! sort-and-build.
//! Tidy test: no other stable sort in `core/src` or `src/`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// The order of `0..n` that sorts them by `cmp`, stably. Not generic: compiled once.
fn positions(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| cmp(*a, *b));
    order
}

/// Puts `v[order[i]]` at `i` for every `i`, following each cycle of the permutation once.
fn apply<T>(v: &mut [T], mut order: Vec<usize>) {
    for start in 0..v.len() {
        if order[start] == usize::MAX {
            continue;
        }
        let mut at = start;
        loop {
            let from = std::mem::replace(&mut order[at], usize::MAX);
            if from == start {
                break;
            }
            v.swap(at, from);
            at = from;
        }
    }
}

/// Sorts `v` by `cmp`, stably (like `<[T]>::sort_by`).
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = positions(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    apply(v, order);
}

/// Sorts `v` by the key `f` gives each element, stably (like `<[T]>::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut f: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| f(a).cmp(&f(b)));
}

/// Sorts `v` in its natural order, stably (like `<[T]>::sort`).
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// A map of the pairs, the last value winning for a repeated key (as `collect` does).
pub fn map_of<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        map.insert(k, v);
    }
    map
}

/// A set of the items (as `collect` makes one).
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    for item in items {
        set.insert(item);
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Equal to std's stable sort, ties kept in their order: (key, original position).
        #[test]
        fn sorts_as_std_stable_sort_does(keys in proptest::collection::vec(0u8..8, 0..200)) {
            let mut ours: Vec<(u8, usize)> = keys.iter().copied().zip(0..).collect();
            let mut std_sorted = ours.clone();
            std_sorted.sort_by_key(|p| p.0);
            sort_by_key(&mut ours, |p| p.0);
            prop_assert_eq!(ours, std_sorted);
        }

        #[test]
        fn maps_as_collect_does(pairs in proptest::collection::vec((0u8..16, 0u32..100), 0..60)) {
            let collected: BTreeMap<u8, u32> = pairs.iter().copied().collect();
            prop_assert_eq!(map_of(pairs), collected);
        }
    }

    #[test]
    fn sorts_strings_and_reverses() {
        let mut v = vec!["c".to_owned(), "a".into(), "b".into()];
        sort(&mut v);
        assert_eq!(v, ["a", "b", "c"]);
        sort_by(&mut v, |a, b| b.cmp(a));
        assert_eq!(v, ["c", "b", "a"]);
    }
}
