//! Reusable widgets: form fields that commit on change, the save badge, the language switch.

mod field;
mod header;

pub use field::{BadCount, Field, FieldKind, parse_count};
pub use header::{LangSwitch, SaveBadge};
