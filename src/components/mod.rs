//! Reusable widgets: form fields that commit on change, the card of a list entry, the save and
//! sync badges, the language switch, bundle files (share / import), the collaborative text box
//! of every document, the history box, the comments box, and the one-command-at-a-time guard
//! of a control.

pub mod bundle;
mod comments;
mod entry_card;
mod field;
mod header;
pub mod history;
pub mod plan_text;
pub mod sync_badge;

pub use bundle::ImportBundle;
pub use comments::Comments;
pub use entry_card::{EntryCard, confirm_remove, entry_saver};
pub use field::{BadCount, Field, FieldKind, parse_count};
pub use header::{LangSwitch, SaveBadge};
pub use history::{HistoryBox, Subject};
pub use plan_text::{PlanText, Splicer};
pub use sync_badge::{SyncAlerts, SyncBadge};

/// One command at a time from a control: a second tap while it runs does nothing, and the
/// control reads `running` to show itself disabled.
#[derive(Clone, Copy)]
pub struct OneAtATime(leptos::prelude::RwSignal<bool>);

impl Default for OneAtATime {
    fn default() -> OneAtATime {
        OneAtATime::new()
    }
}

impl OneAtATime {
    pub fn new() -> OneAtATime {
        OneAtATime(leptos::prelude::RwSignal::new(false))
    }

    /// Whether the command may start now (and marks it running).
    pub fn start(self) -> bool {
        use leptos::prelude::*;
        if self.0.get_untracked() {
            return false;
        }
        self.0.set(true);
        true
    }

    pub fn done(self) {
        use leptos::prelude::*;
        self.0.set(false);
    }

    pub fn running(self) -> bool {
        use leptos::prelude::*;
        self.0.get()
    }
}
