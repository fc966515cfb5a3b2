//! Reusable widgets: form fields that commit on change, the card of a list entry, the save and
//! sync badges, the language switch, bundle files (share / import), the collaborative text box
//! of every document, the history box and the comments box.

pub mod bundle;
mod comments;
mod entry_card;
mod field;
mod header;
pub mod history;
pub mod plan_text;
pub mod sync_badge;

pub use bundle::{ImportBundle, SharePanel};
pub use comments::Comments;
pub use entry_card::{EntryCard, confirm_remove, entry_saver};
pub use field::{BadCount, Field, FieldKind, parse_count};
pub use header::{LangSwitch, SaveBadge};
pub use history::{HistoryBox, Subject};
pub use plan_text::{PlanText, Splicer};
pub use sync_badge::{SyncAlerts, SyncBadge};
