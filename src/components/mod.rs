//! Reusable widgets: form fields that commit on change, the card of a list entry, the save and sync badges, the language
//! switch, bundle files (share / import), the collaborative text box of plan sections.

pub mod bundle;
mod entry_card;
mod field;
mod header;
pub mod plan_text;
pub mod sync_badge;

pub use bundle::{ImportBundle, SharePanel};
pub use entry_card::{EntryCard, confirm_remove, entry_saver};
pub use field::{BadCount, Field, FieldKind, parse_count};
pub use header::{LangSwitch, SaveBadge};
pub use plan_text::{PlanText, Splicer};
pub use sync_badge::SyncBadge;
