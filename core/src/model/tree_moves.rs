//! What the outline editor's "Subir", "Bajar" and "Mover bajo" ask of a problem tree: the
//! placement [`tree::move_card`](super::tree::move_card) needs to move a card one place
//! among its siblings, and the cards a card may be moved under.

use super::tree::{Card, Tree};

/// A placement for [`tree::move_card`](super::tree::move_card): `card` under `parent`,
/// before `before` (at the end when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub card: String,
    pub parent: String,
    pub before: Option<String>,
}

/// The card's siblings (itself included) in order, and its place among them.
fn siblings<'t>(t: &'t Tree, id: &str) -> Option<(&'t Card, Vec<&'t Card>, usize)> {
    let card = t.card(id)?;
    let row = t.children_of(&card.parent);
    let at = row.iter().position(|c| c.id == id)?;
    Some((card, row, at))
}

/// Moves the card one place up (before its previous sibling); `None` for the first card or
/// a card the tree does not have.
pub fn up(t: &Tree, id: &str) -> Option<Move> {
    let (card, row, at) = siblings(t, id)?;
    let previous = row.get(at.checked_sub(1)?)?;
    Some(Move {
        card: id.to_string(),
        parent: card.parent.clone(),
        before: Some(previous.id.clone()),
    })
}

/// Moves the card one place down (before the sibling after the next one, or to the end);
/// `None` for the last card or a card the tree does not have.
pub fn down(t: &Tree, id: &str) -> Option<Move> {
    let (card, row, at) = siblings(t, id)?;
    if at + 1 >= row.len() {
        return None;
    }
    Some(Move {
        card: id.to_string(),
        parent: card.parent.clone(),
        before: row.get(at + 2).map(|c| c.id.clone()),
    })
}

/// The cards `id` may be moved under (at the end of their children): every card but itself
/// and the cards hanging from it, in id order. Either side is a target too; the caller lists
/// them with their names.
pub fn targets<'t>(t: &'t Tree, id: &str) -> Vec<&'t Card> {
    t.cards.values().filter(|c| c.id != id && !t.ancestors(&c.id).iter().any(|a| a == id)).collect()
}

/// Moving `id` under `parent`, at the end of its children.
pub fn under(id: &str, parent: &str) -> Move {
    Move { card: id.to_string(), parent: parent.to_string(), before: None }
}
